/* bulkhead.efi entry: read the config, find CPUs, reserve memory, load the
 * guests, exit boot services and enter the core. Any failure before
 * ExitBootServices prints one message and returns to the firmware, so
 * nothing half-boots. */
#include "boot/efi.h"
#include "hv/console.h"
#include "hv/lib/lib.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lib/virt_pick.h"

EFI_SYSTEM_TABLE *efi_st;
EFI_HANDLE efi_image;

#define CONFIG_NAME "bulkhead.conf"
#define HEAP_SIZE   BH_MIB(8)
#define MAX_4G	    0xFFFFFFFFull

static void efi_con_out(const char *s, size_t len)
{
	CHAR16 buf[130];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf[n++] = L'\r';
		buf[n++] = (CHAR16)(uint8_t)s[i];
		if (n >= 128 || i + 1 == len) {
			buf[n] = 0;
			efi_st->ConOut->OutputString(efi_st->ConOut, buf);
			n = 0;
		}
	}
}

void boot_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	console_vlog(false, fmt, ap);
	va_end(ap);
}

/* Does the firmware console already include a serial terminal? (ConOut
 * variable, UEFI spec 3.3: a multi-instance device path; a UART node is
 * messaging type 3, subtype 14.) */
static bool conout_has_serial(void)
{
	static EFI_GUID global = EFI_GLOBAL_VARIABLE;
	uint8_t buf[2048];
	UINTN size = sizeof(buf);
	UINT32 attr;
	if (EFI_ERROR(efi_st->RuntimeServices->GetVariable(L"ConOut", &global,
							   &attr, &size, buf)))
		return false;
	for (UINTN off = 0; off + 4 <= size;) {
		UINTN len = buf[off + 2] | (buf[off + 3] << 8);
		if (buf[off] == 3 && buf[off + 1] == 14)
			return true;
		if (len < 4)
			break;
		off += len;
	}
	return false;
}

static EFI_STATUS fail(void)
{
	efi_free_all();
	boot_msg("boot aborted; returning to firmware");
	return EFI_LOAD_ERROR;
}

static int load_config(struct boot_info *bi)
{
	uint8_t *text;
	uint64_t len;
	EFI_STATUS st = efi_read_file(CONFIG_NAME, &text, &len);
	if (EFI_ERROR(st)) {
		boot_msg("error: %s: cannot read (EFI status 0x%lx)",
			 CONFIG_NAME, (unsigned long)st);
		return -1;
	}
	struct cfg_error err;
	int r = cfg_parse((const char *)text, len, &bi->cfg, &err);
	if (r) {
		boot_msg("error: %s:%u: %s", CONFIG_NAME, err.line, err.msg);
		return -1;
	}
	return 0;
}

/* Picks the backend from what the CPU offers and says which. */
static const char *check_virt(struct boot_info *bi, char *why, size_t len)
{
	struct virt_facts f;
	char what[96];
	efi_virt_facts(&f);
	enum virt_backend b = virt_pick(&f, why, len);
	if (b == VIRT_NONE)
		return why;
	virt_describe(&f, b, what, sizeof(what));
	boot_msg("CPU %s: %s", f.vendor, what);
	bi->backend = (uint8_t)b;
	return NULL;
}

static int check_machine(struct boot_info *bi)
{
	char buf[160];
	const char *why = efi_find_cpus(bi);
	if (!why)
		efi_crosscheck_madt(bi);
	if (!why)
		why = check_virt(bi, buf, sizeof(buf));
	if (why) {
		boot_msg("error: %s", why);
		return -1;
	}
	struct cfg_error err;
	/* Memory is checked for real when it is allocated. */
	if (cfg_check_machine(&bi->cfg, bi->ncpus, UINT64_MAX, &err)) {
		boot_msg("error: %s:%u: %s", CONFIG_NAME, err.line, err.msg);
		return -1;
	}
	return 0;
}

/* Highest physical address the firmware reports, for the identity map. */
static uint64_t phys_top(EFI_MEMORY_DESCRIPTOR *map, UINTN size, UINTN dsz)
{
	uint64_t top = BH_GIB(4);
	for (UINTN off = 0; off + dsz <= size; off += dsz) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((uint8_t *)map + off);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * 4096;
		if (end > top)
			top = end;
	}
	return BH_ALIGN_UP(top, BH_GIB(1));
}

static EFI_STATUS exit_boot_services(struct boot_info *bi)
{
	EFI_BOOT_SERVICES *bs = efi_st->BootServices;
	for (int attempt = 0; attempt < 4; attempt++) {
		UINTN size = 0, key, dsz;
		UINT32 dver;
		bs->GetMemoryMap(&size, NULL, &key, &dsz, &dver);
		size += 8 * dsz;
		EFI_MEMORY_DESCRIPTOR *map;
		if (EFI_ERROR(
			bs->AllocatePool(EfiLoaderData, size, (void **)&map)))
			return EFI_OUT_OF_RESOURCES;
		if (EFI_ERROR(bs->GetMemoryMap(&size, map, &key, &dsz, &dver)))
			continue;
		bi->phys_top = phys_top(map, size, dsz);
		/* No firmware output between here and the exit. */
		if (!EFI_ERROR(bs->ExitBootServices(efi_image, key)))
			return EFI_SUCCESS;
	}
	return EFI_ABORTED;
}

/* The fixed heap, plus for each partition with snapshots what dirty
 * tracking takes per 4 KiB page of its RAM: an EPT leaf (8 bytes, 4 KiB
 * mappings) and a page-set entry (4 bytes and a bit, hv/lib/pageset.h),
 * with room for the tables above the leaves. */
static uint64_t heap_size(const struct bh_config *cfg)
{
	uint64_t size = HEAP_SIZE;
	for (unsigned i = 0; i < cfg->nparts; i++)
		if (cfg->parts[i].snapshot != CFG_SNAPSHOT_NO)
			size += cfg->parts[i].memory / 4096 * 16;
	return BH_ALIGN_UP(size, 4096);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	efi_st = st;
	efi_image = image;
	console_init(0x3F8);
	console_mirror = efi_con_out;
	console_uart_muted = conout_has_serial();
	boot_msg("Bulkhead hypervisor loader starting");

	uint64_t bi_pa = efi_alloc_pages(sizeof(struct boot_info), MAX_4G);
	if (!bi_pa) {
		boot_msg("error: out of memory for boot info");
		return fail();
	}
	struct boot_info *bi = (void *)bi_pa;
	memset(bi, 0, sizeof(*bi));
	if (load_config(bi) || check_machine(bi))
		return fail();
	bi->console_port = bi->cfg.console == CFG_CONSOLE_COM2 ? 0x2F8 : 0x3F8;
	bi->tsc_khz = efi_measure_tsc_khz();
	bi->heap_size = heap_size(&bi->cfg);
	bi->heap_base = efi_alloc_pages(bi->heap_size, MAX_4G);
	bi->trampoline_pa = efi_alloc_pages(4096, 0x9FFFF);
	if (!bi->heap_base || !bi->trampoline_pa) {
		boot_msg("error: out of memory for the hypervisor heap");
		return fail();
	}
	if (boot_load_partitions(bi))
		return fail();
	boot_msg("%u CPUs, TSC %lu kHz, %u partitions; exiting boot services",
		 bi->ncpus, (unsigned long)bi->tsc_khz, bi->cfg.nparts);
	console_mirror = NULL;
	console_uart_muted = false;
	if (EFI_ERROR(exit_boot_services(bi))) {
		console_mirror = efi_con_out;
		boot_msg("error: ExitBootServices failed");
		return fail();
	}
	core_main(bi);
}
