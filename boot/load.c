/* Reserves each partition's RAM, reads its files (kept for resets) and
 * loads them through the shared partition loader (hv/loader.c). */
#include "boot/efi.h"

#define CONFIG_NAME "bulkhead.conf"

static int read_image(const struct cfg_partition *p, const char *path,
		      unsigned line, struct part_image *img)
{
	uint8_t *buf;
	uint64_t len;
	EFI_STATUS st = efi_read_file(path, &buf, &len);
	if (EFI_ERROR(st)) {
		boot_msg("error: %s:%u: partition %s: cannot read '%s' "
			 "(EFI status 0x%lx)",
			 CONFIG_NAME, line, p->name, path, (unsigned long)st);
		return -1;
	}
	img->data = buf;
	img->len = len;
	return 0;
}

static int read_images(const struct cfg_partition *p, struct part_images *im)
{
	if (read_image(p, p->kernel, p->kernel_line, &im->kernel))
		return -1;
	if (p->initrd[0] &&
	    read_image(p, p->initrd, p->initrd_line, &im->initrd))
		return -1;
	for (unsigned i = 0; i < p->nmodules; i++)
		if (read_image(p, p->modules[i], p->module_lines[i],
			       &im->modules[i]))
			return -1;
	im->nmodules = p->nmodules;
	return 0;
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
	/* A snapshot's RAM is reserved now, so taking one later cannot fail
	 * for want of memory (docs/config.md, snapshot). */
	if (p->snapshot != CFG_SNAPSHOT_NO) {
		bp->snap_hpa = efi_alloc_aligned(p->memory, BH_MIB(2));
		if (!bp->snap_hpa) {
			boot_msg("error: %s:%u: partition %s: not enough free "
				 "memory for its snapshot (%lu MiB more)",
				 CONFIG_NAME, p->snapshot_line, p->name,
				 (unsigned long)(p->memory >> 20));
			return -1;
		}
	}
	if (read_images(p, &bp->imgs))
		return -1;
	struct guest_mem mem = {(uint8_t *)bp->ram_hpa, bp->ram_size};
	/* A file that is there but cannot be loaded (corrupt, truncated,
	 * too big) refuses only this partition: the others still boot. */
	if (part_load(p, cfg_cpu_count(p->cpu_mask), &bp->imgs, &mem, &bp->boot,
		      bp->why, sizeof(bp->why))) {
		boot_msg("error: %s:%u: partition %s: %s; this partition will "
			 "not start",
			 CONFIG_NAME, p->kernel_line, p->name, bp->why);
		bp->refused = true;
	}
	return 0;
}

/* The management key from its key_file, when the config names one. The
 * file's bytes are wiped from firmware memory once parsed. */
static int load_mgmt_key(struct cfg_management *m)
{
	uint8_t *buf;
	uint64_t len;
	if (!m->enabled || m->has_key)
		return 0;
	EFI_STATUS st = efi_read_file(m->key_file, &buf, &len);
	if (EFI_ERROR(st)) {
		boot_msg("error: %s:%u: cannot read key_file '%s' (EFI status "
			 "0x%lx)",
			 CONFIG_NAME, m->key_line, m->key_file,
			 (unsigned long)st);
		return -1;
	}
	int rc = cfg_parse_key((const char *)buf, (size_t)len, m->key);
	memset(buf, 0, (size_t)len);
	if (rc) {
		boot_msg("error: %s:%u: key_file '%s' does not hold 64 hex "
			 "digits (32 bytes)",
			 CONFIG_NAME, m->key_line, m->key_file);
		return -1;
	}
	m->has_key = true;
	return 0;
}

int boot_load_partitions(struct boot_info *bi)
{
	if (load_mgmt_key(&bi->cfg.mgmt))
		return -1;
	unsigned refused = 0;
	for (unsigned i = 0; i < bi->cfg.nparts; i++) {
		if (load_one(&bi->cfg.parts[i], &bi->parts[i]))
			return -1;
		refused += bi->parts[i].refused;
	}
	if (refused == bi->cfg.nparts) {
		boot_msg("error: no partition can start");
		return -1;
	}
	return 0;
}
