/* Multiboot v1 boot information builder. See mbinfo.h. */
#include "hv/load/mbinfo.h"
#include "hv/lib/binfmt.h"
#include "hv/load/memmap.h"

_Static_assert(MB_MMAP_GPA + MM_MAX_ENTRIES * sizeof(struct mb_mmap_entry) <=
		   MB_MODS_GPA,
	       "memory map overflows its slot");
_Static_assert(MB_INFO_GPA + sizeof(struct mb_info) <= MB_LOADER_NAME_GPA,
	       "mb_info overflows its slot");
_Static_assert(sizeof(MB_LOADER_NAME) <= MB_MMAP_GPA - MB_LOADER_NAME_GPA,
	       "loader name overflows its slot");
_Static_assert(MB_WINDOW_END <= MM_EBDA_START, "window not in usable RAM");

/* Places (and, if write is set, copies) the modules and their strings.
 * Returns 0 or -1 with *why; with write set it cannot fail because the
 * same inputs were validated by a previous call without write. */
static int place_modules(struct guest_mem *mem, uint64_t start,
			 const struct mb_module_in *mods, unsigned nmods,
			 bool write, const char **why)
{
	uint64_t cur = start, end;
	uint32_t str = MB_MODSTR_GPA;

	for (unsigned i = 0; i < nmods; i++) {
		const struct mb_module_in *m = &mods[i];
		const char *s = m->string ? m->string : "";
		size_t slen = strlen(s) + 1;
		struct mb_module d;

		if (!m->data && m->len)
			return bh_fail(why, "module data missing");
		if (__builtin_add_overflow(cur, (uint64_t)m->len, &end) ||
		    end > mem->size)
			return bh_fail(why, "modules do not fit in guest RAM");
		if (end > UINT32_MAX)
			return bh_fail(why, "modules do not fit below 4 GiB");
		if (slen > MB_WINDOW_END - str)
			return bh_fail(why, "module strings do not fit");
		if (write) {
			if (m->len)
				memcpy(mem->base + cur, m->data, m->len);
			memcpy(mem->base + str, s, slen);
			d = (struct mb_module){(uint32_t)cur, (uint32_t)end,
					       str, 0};
			memcpy(mem->base + MB_MODS_GPA + i * sizeof(d), &d,
			       sizeof(d));
		}
		str += (uint32_t)slen;
		/* end < 4 GiB: rounding up cannot overflow. */
		cur = BH_ALIGN_UP(end, MB_MODULE_ALIGN);
	}
	return 0;
}

int mb_build_info(struct guest_mem *mem, const struct image_entry *kernel,
		  const char *cmdline, const struct mb_module_in *mods,
		  unsigned nmods, uint32_t *info_gpa, const char **why)
{
	struct mm_entry map[MM_MAX_ENTRIES];
	unsigned nmap;
	struct mb_info info;
	uint64_t mod_base;
	size_t clen;

	if (!mem || !mem->base || !kernel || !info_gpa || (nmods && !mods))
		return bh_fail(why, "bad arguments");
	if (memmap_build(mem->size, map, MM_MAX_ENTRIES, &nmap) != 0)
		return bh_fail(why, "guest RAM smaller than 2 MiB");
	if (kernel->load_lo > kernel->load_hi || kernel->load_hi > mem->size)
		return bh_fail(why, "kernel range outside guest RAM");
	if (kernel->load_lo < MB_WINDOW_END &&
	    kernel->load_hi > MB_WINDOW_START)
		return bh_fail(why,
			       "kernel overlaps the multiboot info window");
	if (!cmdline)
		cmdline = "";
	clen = strlen(cmdline) + 1;
	if (clen > MB_CMDLINE_MAX)
		return bh_fail(why, "command line too long");
	if (nmods > MB_MAX_MODULES)
		return bh_fail(why, "too many modules");
	if (__builtin_add_overflow(kernel->load_hi,
				   (uint64_t)MB_MODULE_ALIGN - 1, &mod_base))
		return bh_fail(why, "modules do not fit in guest RAM");
	mod_base &= ~(uint64_t)(MB_MODULE_ALIGN - 1);
	if (mod_base < MB_MODULE_MIN)
		mod_base = MB_MODULE_MIN;
	if (place_modules(mem, mod_base, mods, nmods, false, why) != 0)
		return -1;

	/* Validated: write the window, then the modules. */
	memset(mem->base + MB_WINDOW_START, 0, MB_WINDOW_END - MB_WINDOW_START);
	memcpy(mem->base + MB_LOADER_NAME_GPA, MB_LOADER_NAME,
	       sizeof(MB_LOADER_NAME));
	for (unsigned i = 0; i < nmap; i++) {
		struct mb_mmap_entry e = {
		    .size = sizeof(e) - sizeof(e.size),
		    .base_addr = map[i].addr,
		    .length = map[i].len,
		    .type = map[i].type,
		};
		memcpy(mem->base + MB_MMAP_GPA + i * sizeof(e), &e, sizeof(e));
	}
	memcpy(mem->base + MB_CMDLINE_GPA, cmdline, clen);
	place_modules(mem, mod_base, mods, nmods, true, why);

	memset(&info, 0, sizeof(info));
	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
		     MB_INFO_MMAP | MB_INFO_LOADER_NAME;
	info.mem_lower = memmap_mem_lower_kib(mem->size);
	info.mem_upper = memmap_mem_upper_kib(mem->size);
	info.cmdline = MB_CMDLINE_GPA;
	info.mods_count = nmods;
	info.mods_addr = MB_MODS_GPA;
	info.mmap_length = nmap * (uint32_t)sizeof(struct mb_mmap_entry);
	info.mmap_addr = MB_MMAP_GPA;
	info.boot_loader_name = MB_LOADER_NAME_GPA;
	memcpy(mem->base + MB_INFO_GPA, &info, sizeof(info));
	*info_gpa = MB_INFO_GPA;
	return 0;
}
