/* Reserves each partition's RAM and loads its images into it. */
#include "efi.h"
#include "hv/image.h"
#include "hv/mbinfo.h"

#define CONFIG_NAME "bulkhead.conf"

static void free_file(uint8_t *buf)
{
	efi_st->BootServices->FreePool(buf);
}

static int read_image(const struct cfg_partition *p, const char *path,
		      unsigned line, uint8_t **buf, uint64_t *len)
{
	EFI_STATUS st = efi_read_file(path, buf, len);
	if (EFI_ERROR(st)) {
		boot_msg("error: %s:%u: partition %s: cannot read '%s' "
			 "(EFI status 0x%lx)",
			 CONFIG_NAME, line, p->name, path, (unsigned long)st);
		return -1;
	}
	return 0;
}

static int load_kernel(const struct cfg_partition *p, struct guest_mem *mem,
		       struct image_entry *ent)
{
	uint8_t *img;
	uint64_t len;
	if (read_image(p, p->kernel, p->kernel_line, &img, &len))
		return -1;
	const char *why = "not a Multiboot ELF kernel (for a raw real-mode "
			  "image set 'entry =')";
	int r = -1;
	if (p->has_entry)
		r = raw_load(img, len, p->entry, mem, ent, &why);
	else if (image_detect(img, len) == IMAGE_MULTIBOOT_ELF)
		r = mb_elf_load(img, len, mem, ent, &why);
	else if (image_detect(img, len) == IMAGE_BZIMAGE)
		why = "Linux bzImage guests are not supported yet";
	free_file(img);
	if (r) {
		boot_msg("error: %s:%u: partition %s: '%s': %s", CONFIG_NAME,
			 p->kernel_line, p->name, p->kernel, why);
		return -1;
	}
	return 0;
}

static int load_multiboot_info(const struct cfg_partition *p,
			       struct guest_mem *mem,
			       const struct image_entry *ent, uint32_t *info)
{
	struct mb_module_in mods[CFG_MAX_MODULES];
	uint8_t *bufs[CFG_MAX_MODULES];
	unsigned n;
	int r = -1;
	for (n = 0; n < p->nmodules; n++) {
		uint64_t len;
		if (read_image(p, p->modules[n], p->module_lines[n], &bufs[n],
			       &len))
			goto out;
		mods[n].data = bufs[n];
		mods[n].len = len;
		mods[n].string = p->modules[n];
	}
	const char *why;
	r = mb_build_info(mem, ent, p->cmdline, mods, n, info, &why);
	if (r)
		boot_msg("error: %s:%u: partition %s: %s", CONFIG_NAME, p->line,
			 p->name, why);
out:
	while (n--)
		free_file(bufs[n]);
	return r;
}

static int load_one(const struct cfg_partition *p, struct bi_partition *bp)
{
	bp->ram_size = p->memory;
	bp->ram_hpa = efi_alloc_aligned(p->memory, BH_MIB(2));
	if (!bp->ram_hpa) {
		boot_msg("error: %s:%u: partition %s: not enough free memory "
			 "for %lu MiB",
			 CONFIG_NAME, p->line, p->name,
			 (unsigned long)(p->memory >> 20));
		return -1;
	}
	struct guest_mem mem = {(uint8_t *)bp->ram_hpa, bp->ram_size};
	/* A partition starts from zeroed RAM: nothing of the firmware's or
	 * another guest's data may leak into it. */
	memset(mem.base, 0, mem.size);
	struct image_entry ent;
	if (load_kernel(p, &mem, &ent))
		return -1;
	bp->kind = ent.kind;
	bp->entry = ent.entry;
	if (ent.kind == IMAGE_MULTIBOOT_ELF)
		return load_multiboot_info(p, &mem, &ent, &bp->info_gpa);
	return 0;
}

int boot_load_partitions(struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->cfg.nparts; i++)
		if (load_one(&bi->cfg.parts[i], &bi->parts[i]))
			return -1;
	return 0;
}
