/* libFuzzer harness: Multiboot information builder (hv/mbinfo.c).
 *
 * The input is decoded (see struct plan) into a RAM size (up to 4 MiB), a
 * kernel range, a command line and up to 65 modules with sizes, strings and
 * NULL pointers. A model of mb_build_info's documented rules predicts the
 * result and where every module goes. Before each call the whole RAM is
 * ASan-poisoned except what the call may write (the info window and the
 * predicted module bytes), and nothing at all when it must fail: any other
 * access - to the kernel, the low 1 MiB, padding, beyond RAM - is reported.
 * On success the info structure, memory map, command line, loader name,
 * module list, module data and strings are compared with the model. */
#include <sanitizer/asan_interface.h>

#include "hv/load/mbinfo.h"
#include "tests/fuzz/fuzz_util.h"

#define RAM_CAP	    (4u << 20)
#define STR_POOL    8192u		   /* longest module string + 1 */
#define CMD_POOL    (MB_CMDLINE_MAX + 64u) /* longest command line + 1 */
#define MAX_MODS_IN (MB_MAX_MODULES + 1u)  /* one more than allowed */

/* Input flags (first byte). */
#define F_CMDLINE_NULL (1u << 0)
#define F_RAW_KERNEL   (1u << 1) /* kernel range: any two u64 */
#define F_MODS_NULL    (1u << 2)
/* Per-module flags. */
#define M_STRING_NULL (1u << 0)
#define M_DATA_NULL   (1u << 1)

static uint8_t *ram;   /* RAM_CAP bytes, guest RAM */
static uint8_t *src;   /* RAM_CAP bytes of module data, patterned */
static char *str_pool; /* 'a'..'z' ... NUL: strings share its tail */
static char *cmd_pool; /* 'A'..'Z' ... NUL */

/* What the call is given and what the model expects. */
struct plan {
	uint64_t ram_size;
	struct image_entry kernel;
	const char *cmdline;
	struct mb_module_in mods[MAX_MODS_IN];
	unsigned nmods;
	bool mods_null;
	/* model */
	bool ok;
	uint64_t start[MAX_MODS_IN], end[MAX_MODS_IN];
	uint32_t str[MAX_MODS_IN];
};

static void decode(const uint8_t *data, size_t size, struct plan *pl)
{
	struct reader r = {data, size};
	unsigned flags = (unsigned)take(&r, 1);
	size_t clen;

	memset(pl, 0, sizeof(*pl));
	pl->ram_size = take(&r, 4) % (RAM_CAP + 1);
	pl->kernel.kind = IMAGE_MULTIBOOT_ELF;
	if (flags & F_RAW_KERNEL) {
		pl->kernel.load_lo = take(&r, 8);
		pl->kernel.load_hi = take(&r, 8);
	} else {
		pl->kernel.load_lo = take(&r, 4) & 0x7FFFFF;
		pl->kernel.load_hi =
		    pl->kernel.load_lo + (take(&r, 4) & 0x3FFFFF);
	}
	pl->kernel.entry = (uint32_t)pl->kernel.load_lo;
	clen = take(&r, 2) % CMD_POOL;
	pl->cmdline =
	    flags & F_CMDLINE_NULL ? NULL : cmd_pool + (CMD_POOL - 1 - clen);
	pl->nmods = (unsigned)take(&r, 1) % (MAX_MODS_IN + 1);
	pl->mods_null = flags & F_MODS_NULL;
	for (unsigned i = 0; i < pl->nmods; i++) {
		struct mb_module_in *m = &pl->mods[i];
		unsigned mf = (unsigned)take(&r, 1);
		size_t len = (size_t)take(&r, 2) << (mf >> 5);
		size_t slen = take(&r, 2) % STR_POOL;

		if (len > RAM_CAP)
			len = RAM_CAP;
		m->len = len;
		m->data = mf & M_DATA_NULL ? NULL : src + (RAM_CAP - len);
		m->string = mf & M_STRING_NULL
				? NULL
				: str_pool + (STR_POOL - 1 - slen);
	}
}

/* mb_build_info's rules from mbinfo.h; fills the module placement. */
static bool model(struct plan *pl)
{
	const struct image_entry *k = &pl->kernel;
	uint64_t cur;
	uint32_t str = MB_MODSTR_GPA;

	if (pl->nmods && pl->mods_null)
		return false;
	if (pl->ram_size < BH_MIB(2))
		return false;
	if (k->load_lo > k->load_hi || k->load_hi > pl->ram_size)
		return false;
	if (k->load_lo < MB_WINDOW_END && k->load_hi > MB_WINDOW_START)
		return false;
	if (pl->cmdline && strlen(pl->cmdline) + 1 > MB_CMDLINE_MAX)
		return false;
	if (pl->nmods > MB_MAX_MODULES)
		return false;
	cur = BH_ALIGN_UP(k->load_hi, MB_MODULE_ALIGN);
	if (cur < MB_MODULE_MIN)
		cur = MB_MODULE_MIN;
	for (unsigned i = 0; i < pl->nmods; i++) {
		const struct mb_module_in *m = &pl->mods[i];
		size_t slen = strlen(m->string ? m->string : "") + 1;

		if (!m->data && m->len)
			return false;
		if (cur + m->len > pl->ram_size)
			return false;
		if (slen > MB_WINDOW_END - str)
			return false;
		pl->start[i] = cur;
		pl->end[i] = cur + m->len;
		pl->str[i] = str;
		str += (uint32_t)slen;
		cur = BH_ALIGN_UP(pl->end[i], MB_MODULE_ALIGN);
	}
	return true;
}

static void check_info(const struct plan *pl)
{
	struct mb_info info, want;
	struct mb_mmap_entry e;
	const struct mb_mmap_entry map[4] = {
	    {20, 0, 0x9FC00, 1},
	    {20, 0x9FC00, 0x400, 2},
	    {20, 0xF0000, 0x10000, 2},
	    {20, 0x100000, pl->ram_size - 0x100000, 1},
	};

	memset(&want, 0, sizeof(want));
	want.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
		     MB_INFO_MMAP | MB_INFO_LOADER_NAME;
	want.mem_lower = 0x9FC00 / 1024;
	want.mem_upper = (uint32_t)((pl->ram_size - 0x100000) / 1024);
	want.cmdline = MB_CMDLINE_GPA;
	want.mods_count = pl->nmods;
	want.mods_addr = MB_MODS_GPA;
	want.mmap_length = sizeof(map);
	want.mmap_addr = MB_MMAP_GPA;
	want.boot_loader_name = MB_LOADER_NAME_GPA;
	memcpy(&info, ram + MB_INFO_GPA, sizeof(info));
	CHECK(memcmp(&info, &want, sizeof(info)) == 0);

	for (unsigned i = 0; i < 4; i++) {
		memcpy(&e, ram + MB_MMAP_GPA + i * sizeof(e), sizeof(e));
		CHECK(memcmp(&e, &map[i], sizeof(e)) == 0);
	}
	CHECK(strcmp((char *)ram + MB_LOADER_NAME_GPA, MB_LOADER_NAME) == 0);
	CHECK(strcmp((char *)ram + MB_CMDLINE_GPA,
		     pl->cmdline ? pl->cmdline : "") == 0);

	for (unsigned i = 0; i < pl->nmods; i++) {
		const struct mb_module_in *m = &pl->mods[i];
		struct mb_module d;

		memcpy(&d, ram + MB_MODS_GPA + i * sizeof(d), sizeof(d));
		CHECK(d.mod_start == pl->start[i]);
		CHECK(d.mod_end == pl->end[i]);
		CHECK(d.string == pl->str[i]);
		CHECK(d.reserved == 0);
		CHECK(d.mod_start % MB_MODULE_ALIGN == 0);
		CHECK(d.mod_start >= MB_MODULE_MIN);
		CHECK(d.mod_start >= pl->kernel.load_hi);
		CHECK(d.mod_end <= pl->ram_size);
		CHECK(m->len == 0 ||
		      memcmp(ram + d.mod_start, m->data, m->len) == 0);
		CHECK(strcmp((char *)ram + d.string,
			     m->string ? m->string : "") == 0);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = calloc(1, RAM_CAP);
	src = malloc(RAM_CAP);
	str_pool = malloc(STR_POOL);
	cmd_pool = malloc(CMD_POOL);
	CHECK(ram && src && str_pool && cmd_pool);
	fill_pattern(src, RAM_CAP, 131);
	fill_letters(str_pool, STR_POOL, 'a');
	fill_letters(cmd_pool, CMD_POOL, 'A');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct plan pl;
	struct guest_mem mem;
	uint32_t gpa = 0;
	const char *why = NULL;
	int r;

	decode(data, size, &pl);
	pl.ok = model(&pl);

	/* Only what a successful call writes stays accessible. */
	ASAN_POISON_MEMORY_REGION(ram, RAM_CAP);
	if (pl.ok) {
		ASAN_UNPOISON_MEMORY_REGION(ram + MB_WINDOW_START,
					    MB_WINDOW_END - MB_WINDOW_START);
		for (unsigned i = 0; i < pl.nmods; i++)
			ASAN_UNPOISON_MEMORY_REGION(ram + pl.start[i],
						    pl.end[i] - pl.start[i]);
	}
	mem.base = ram;
	mem.size = pl.ram_size;
	r = mb_build_info(&mem, &pl.kernel, pl.cmdline,
			  pl.mods_null ? NULL : pl.mods, pl.nmods, &gpa, &why);
	ASAN_UNPOISON_MEMORY_REGION(ram, RAM_CAP);

	if (r != 0) {
		if (pl.ok)
			fprintf(stderr, "unexpected failure: %s\n",
				why ? why : "(no reason)");
		CHECK(!pl.ok);
		CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	CHECK(pl.ok);
	CHECK(gpa == MB_INFO_GPA);
	check_info(&pl);
	return 0;
}
