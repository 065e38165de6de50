/* Unit tests for hv/mbinfo.c: build the Multiboot information in a guest
 * buffer and parse it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/load/mbinfo.h"
#include "hv/load/memmap.h"
#include "tests/unit/test_util.h"

#define RAM_SIZE (8u << 20)

static uint8_t ram[RAM_SIZE];

static struct guest_mem fresh_mem(void)
{
	memset(ram, 0xCC, sizeof(ram));
	return (struct guest_mem){ram, sizeof(ram)};
}

static const struct image_entry kernel = {IMAGE_MULTIBOOT_ELF, 0x100000,
					  0x100000, 0x103123};

static struct mb_info read_info(uint32_t gpa)
{
	struct mb_info info;

	memcpy(&info, ram + gpa, sizeof(info));
	return info;
}

static struct mb_module read_mod(uint32_t addr, unsigned i)
{
	struct mb_module m;

	memcpy(&m, ram + addr + i * sizeof(m), sizeof(m));
	return m;
}

static const char *guest_str(uint32_t gpa)
{
	return ram_str(ram, RAM_SIZE, gpa);
}

static void assert_ram_untouched(void)
{
	assert_ram_filled(ram, RAM_SIZE, 0xCC);
}

static void test_good(void **state)
{
	struct guest_mem mem = fresh_mem();
	static uint8_t m0[5000], m1[3];
	struct mb_module_in mods[3] = {
	    {m0, sizeof(m0), "initrd.img root=x"},
	    {m1, sizeof(m1), NULL},
	    {NULL, 0, "empty"},
	};
	uint32_t gpa = 0;
	const char *why = NULL;
	struct mb_info info;
	struct mb_mmap_entry e;
	struct mm_entry map[MM_MAX_ENTRIES];
	unsigned nmap;
	struct mb_module m;

	(void)state;
	for (size_t i = 0; i < sizeof(m0); i++)
		m0[i] = (uint8_t)(i * 13);
	memcpy(m1, "xyz", 3);
	assert_int_equal(mb_build_info(&mem, &kernel, "console=com1 debug",
				       mods, 3, &gpa, &why),
			 0);
	assert_int_equal(gpa, MB_INFO_GPA);
	info = read_info(gpa);
	assert_int_equal(info.flags, MB_INFO_MEMORY | MB_INFO_CMDLINE |
					 MB_INFO_MODS | MB_INFO_MMAP |
					 MB_INFO_LOADER_NAME);
	assert_int_equal(info.mem_lower, 639);
	assert_int_equal(info.mem_upper, (RAM_SIZE - BH_MIB(1)) / 1024);
	assert_string_equal(guest_str(info.cmdline), "console=com1 debug");
	assert_string_equal(guest_str(info.boot_loader_name), "Bulkhead");
	assert_int_equal(info.boot_device, 0);
	assert_int_equal(info.drives_length, 0);
	assert_int_equal(info.framebuffer_addr, 0);

	/* Memory map: same as memmap_build, Multiboot entry format. */
	assert_int_equal(memmap_build(RAM_SIZE, map, MM_MAX_ENTRIES, &nmap), 0);
	assert_int_equal(info.mmap_addr, MB_MMAP_GPA);
	assert_int_equal(info.mmap_length, nmap * 24);
	for (unsigned i = 0, off = 0; off < info.mmap_length; i++) {
		memcpy(&e, ram + info.mmap_addr + off, sizeof(e));
		assert_int_equal(e.size, 20);
		assert_int_equal(e.base_addr, map[i].addr);
		assert_int_equal(e.length, map[i].len);
		assert_int_equal(e.type, map[i].type);
		off += e.size + 4;
	}
	memcpy(&e, ram + info.mmap_addr + 3 * 24, sizeof(e));
	assert_int_equal(e.base_addr, 0x100000);
	assert_int_equal(e.length, RAM_SIZE - 0x100000);
	assert_int_equal(e.type, 1);

	/* Modules: page-aligned above the kernel, data copied. */
	assert_int_equal(info.mods_count, 3);
	assert_int_equal(info.mods_addr, MB_MODS_GPA);
	m = read_mod(info.mods_addr, 0);
	assert_int_equal(m.mod_start, 0x104000);
	assert_int_equal(m.mod_end, 0x104000 + sizeof(m0));
	assert_memory_equal(ram + m.mod_start, m0, sizeof(m0));
	assert_string_equal(guest_str(m.string), "initrd.img root=x");
	assert_int_equal(m.reserved, 0);
	m = read_mod(info.mods_addr, 1);
	assert_int_equal(m.mod_start, 0x106000);
	assert_int_equal(m.mod_end, 0x106003);
	assert_memory_equal(ram + m.mod_start, "xyz", 3);
	assert_string_equal(guest_str(m.string), "");
	m = read_mod(info.mods_addr, 2);
	assert_int_equal(m.mod_start, 0x107000);
	assert_int_equal(m.mod_end, 0x107000);
	assert_string_equal(guest_str(m.string), "empty");
	/* Nothing written between the kernel and the first module. */
	assert_int_equal(ram[0x103123], 0xCC);
	assert_int_equal(ram[0x103FFF], 0xCC);
	assert_int_equal(ram[0x107000], 0xCC);

	/* Everything else in the window is zeroed; nothing outside it. */
	assert_int_equal(ram[MB_WINDOW_START - 1], 0xCC);
	assert_int_equal(ram[MB_WINDOW_END], 0xCC);
	assert_int_equal(ram[MB_WINDOW_END - 1], 0);
	assert_int_equal(ram[MB_INFO_GPA + sizeof(info)], 0);
}

static void test_minimal(void **state)
{
	struct guest_mem mem = fresh_mem();
	uint32_t gpa = 0;
	struct mb_info info;
	/* A kernel below 1 MiB but clear of the window (unusual): modules
	 * still go at or above 1 MiB. */
	struct image_entry low = {IMAGE_MULTIBOOT_ELF, 0x80000, 0x80000,
				  0x90000};
	uint8_t d = 0x5A;
	struct mb_module_in mod = {&d, 1, "m"};
	struct mb_module m;

	(void)state;
	mem.size = BH_MIB(2);
	assert_int_equal(
	    mb_build_info(&mem, &kernel, NULL, NULL, 0, &gpa, NULL), 0);
	info = read_info(gpa);
	assert_string_equal(guest_str(info.cmdline), "");
	assert_int_equal(info.mods_count, 0);
	assert_int_equal(info.mem_upper, 1024);

	assert_int_equal(mb_build_info(&mem, &low, "", &mod, 1, &gpa, NULL), 0);
	m = read_mod(read_info(gpa).mods_addr, 0);
	assert_int_equal(m.mod_start, 0x100000);
	assert_int_equal(ram[0x100000], 0x5A);

	/* Kernel right below the window, and right above it. */
	low.load_lo = 0x1000;
	low.load_hi = MB_WINDOW_START;
	assert_int_equal(mb_build_info(&mem, &low, "", NULL, 0, &gpa, NULL), 0);
	low.load_lo = MB_WINDOW_END;
	low.load_hi = MB_WINDOW_END + 0x100;
	assert_int_equal(mb_build_info(&mem, &low, "", NULL, 0, &gpa, NULL), 0);
}

static void test_limits_fit(void **state)
{
	struct guest_mem mem = fresh_mem();
	static char cmd[MB_CMDLINE_MAX];
	static struct mb_module_in mods[MB_MAX_MODULES];
	uint32_t gpa;
	const char *why = NULL;
	struct mb_module m;
	uint8_t *big;

	(void)state;
	memset(cmd, 'c', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = 0;
	for (unsigned i = 0; i < MB_MAX_MODULES; i++)
		mods[i] = (struct mb_module_in){(const uint8_t *)"q", 1, "s"};
	assert_int_equal(
	    mb_build_info(&mem, &kernel, cmd, mods, MB_MAX_MODULES, &gpa, &why),
	    0);
	assert_int_equal(strlen(guest_str(read_info(gpa).cmdline)),
			 MB_CMDLINE_MAX - 1);
	m = read_mod(MB_MODS_GPA, MB_MAX_MODULES - 1);
	assert_int_equal(m.mod_start, 0x104000 + (MB_MAX_MODULES - 1) * 4096);
	assert_string_equal(guest_str(m.string), "s");

	/* A module ending exactly at the end of RAM. */
	mem = fresh_mem();
	big = calloc(1, RAM_SIZE - 0x104000);
	assert_non_null(big);
	big[RAM_SIZE - 0x104000 - 1] = 0x77;
	mods[0] = (struct mb_module_in){big, RAM_SIZE - 0x104000, "big"};
	assert_int_equal(mb_build_info(&mem, &kernel, "", mods, 1, &gpa, &why),
			 0);
	m = read_mod(MB_MODS_GPA, 0);
	assert_int_equal(m.mod_end, RAM_SIZE);
	assert_int_equal(ram[RAM_SIZE - 1], 0x77);
	free(big);
}

static void expect_err(struct guest_mem *mem, const struct image_entry *k,
		       const char *cmdline, const struct mb_module_in *mods,
		       unsigned nmods, const char *reason)
{
	uint32_t gpa = 0x1234;
	const char *why = NULL;

	assert_int_equal(
	    mb_build_info(mem, k, cmdline, mods, nmods, &gpa, &why), -1);
	assert_string_equal(why, reason);
	assert_int_equal(gpa, 0x1234);
}

static void test_bad_arguments(void **state)
{
	struct guest_mem mem = fresh_mem();
	struct guest_mem nobase = {NULL, RAM_SIZE};
	uint32_t gpa;

	(void)state;
	expect_err(NULL, &kernel, "", NULL, 0, "bad arguments");
	expect_err(&nobase, &kernel, "", NULL, 0, "bad arguments");
	expect_err(&mem, NULL, "", NULL, 0, "bad arguments");
	expect_err(&mem, &kernel, "", NULL, 1, "bad arguments");
	assert_int_equal(mb_build_info(&mem, &kernel, "", NULL, 0, NULL, NULL),
			 -1);
	assert_ram_untouched();
	(void)gpa;
}

static void test_small_ram(void **state)
{
	struct guest_mem mem = fresh_mem();
	struct image_entry k = {IMAGE_MULTIBOOT_ELF, 0x100000, 0x100000,
				0x100100};

	(void)state;
	mem.size = BH_MIB(2) - 4096;
	expect_err(&mem, &k, "", NULL, 0, "guest RAM smaller than 2 MiB");
	assert_ram_untouched();
}

static void test_kernel_range(void **state)
{
	struct guest_mem mem = fresh_mem();
	struct image_entry k = kernel;

	(void)state;
	k.load_hi = RAM_SIZE + 1;
	expect_err(&mem, &k, "", NULL, 0, "kernel range outside guest RAM");
	k.load_lo = 0x200000;
	k.load_hi = 0x100000;
	expect_err(&mem, &k, "", NULL, 0, "kernel range outside guest RAM");
	k.load_lo = 0x7000;
	k.load_hi = 0x8001;
	expect_err(&mem, &k, "", NULL, 0,
		   "kernel overlaps the multiboot info window");
	k.load_lo = 0x7FFFF;
	k.load_hi = 0x100000;
	expect_err(&mem, &k, "", NULL, 0,
		   "kernel overlaps the multiboot info window");
	k.load_lo = 0;
	k.load_hi = RAM_SIZE;
	expect_err(&mem, &k, "", NULL, 0,
		   "kernel overlaps the multiboot info window");
	assert_ram_untouched();
}

static void test_cmdline_too_long(void **state)
{
	struct guest_mem mem = fresh_mem();
	static char cmd[MB_CMDLINE_MAX + 1];

	(void)state;
	memset(cmd, 'c', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = 0;
	expect_err(&mem, &kernel, cmd, NULL, 0, "command line too long");
	assert_ram_untouched();
}

static void test_module_errors(void **state)
{
	struct guest_mem mem = fresh_mem();
	static struct mb_module_in mods[MB_MAX_MODULES + 1];
	static char longstr[8000];
	struct guest_mem huge = {ram, BH_GIB(8)};
	struct guest_mem max = {ram, UINT64_MAX};
	struct image_entry k = kernel;

	(void)state;
	for (unsigned i = 0; i <= MB_MAX_MODULES; i++)
		mods[i] = (struct mb_module_in){ram, 1, "s"};
	expect_err(&mem, &kernel, "", mods, MB_MAX_MODULES + 1,
		   "too many modules");

	mods[1].data = NULL;
	expect_err(&mem, &kernel, "", mods, 2, "module data missing");
	mods[1].data = ram;

	/* One byte too many at the end of RAM. */
	mods[1].len = RAM_SIZE - 0x105000 + 1;
	expect_err(&mem, &kernel, "", mods, 2,
		   "modules do not fit in guest RAM");
	mods[1].len = SIZE_MAX;
	expect_err(&mem, &kernel, "", mods, 2,
		   "modules do not fit in guest RAM");
	expect_err(&max, &kernel, "", mods, 2,
		   "modules do not fit in guest RAM");
	mods[1].len = 1;

	/* Beyond 4 GiB in a (pretend) 8 GiB guest: rejected before writing. */
	k.load_hi = 0xFFFFF000u;
	mods[0].len = 0x1000;
	expect_err(&huge, &k, "", mods, 1, "modules do not fit below 4 GiB");
	mods[0].len = 0x1001;
	expect_err(&huge, &k, "", mods, 1, "modules do not fit below 4 GiB");
	mods[0].len = 1;
	/* Kernel ending at the very top of a 2^64-byte guest. */
	k.load_hi = UINT64_MAX - 10;
	expect_err(&max, &k, "", mods, 1, "modules do not fit in guest RAM");

	/* Module strings overflow the string area. */
	memset(longstr, 's', sizeof(longstr) - 1);
	for (unsigned i = 0; i < MB_MAX_MODULES; i++)
		mods[i].string = longstr;
	expect_err(&mem, &kernel, "", mods, MB_MAX_MODULES,
		   "module strings do not fit");
	assert_ram_untouched();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_limits_fit),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_small_ram),
	    cmocka_unit_test(test_kernel_range),
	    cmocka_unit_test(test_cmdline_too_long),
	    cmocka_unit_test(test_module_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
