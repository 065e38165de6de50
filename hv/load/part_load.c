#include "hv/load/part_load.h"
#include "hv/load/linux_boot.h"
#include "hv/load/mbinfo.h"
#include "hv/load/memmap.h"
#include "hv/vdev/acpi_build.h"
#include "hv/vdev/pcmap.h"

/* The PC's ACPI tables (MADT with the vCPUs' local APICs and the I/O
 * APIC, FADT with the PM ports) in the BIOS area, where a kernel that
 * scans for the RSDP finds it; *rsdp = its guest-physical address. */
static int build_pc_acpi(unsigned nvcpus, struct guest_mem *mem, uint64_t *rsdp,
			 const char **why)
{
	if (mem->size < PC_ACPI_GPA + PC_ACPI_SIZE) {
		*why = "partition RAM too small";
		return -1;
	}
	struct acpi_platform plat = {
	    .ncpus = nvcpus,
	    .lapic_addr = (uint32_t)PC_LAPIC_BASE,
	    .pic = true,
	    .pm1a_evt_port = PC_PM1A_EVT,
	    .pm1a_cnt_port = PC_PM1A_CNT,
	    .pm_tmr_port = PC_PM_TMR,
	    .sci_irq = PC_IRQ_SCI,
	    .reset_port = PC_RESET,
	    .s5_slp_typ = PC_S5_SLP_TYP,
	    .oem_id = "BLKHD ",
	    .ioapic_addr = (uint32_t)PC_IOAPIC_BASE,
	    .ioapic_id = (uint8_t)nvcpus, /* after the vCPUs' APIC IDs */
	};
	size_t used;
	return acpi_build(mem->base + PC_ACPI_GPA, PC_ACPI_SIZE, PC_ACPI_GPA,
			  &plat, rsdp, &used, why);
}

static int load_multiboot(const struct cfg_partition *cfg, unsigned nvcpus,
			  const struct part_images *imgs, struct guest_mem *mem,
			  struct part_boot *out, const char **why)
{
	struct image_entry ent;
	struct mb_module_in mods[CFG_MAX_MODULES];
	if (mb_elf_load(imgs->kernel.data, imgs->kernel.len, mem, &ent, why))
		return -1;
	for (unsigned i = 0; i < imgs->nmodules; i++) {
		mods[i].data = imgs->modules[i].data;
		mods[i].len = imgs->modules[i].len;
		mods[i].string = cfg->modules[i];
	}
	uint64_t rsdp;
	if (out->pc_platform && build_pc_acpi(nvcpus, mem, &rsdp, why))
		return -1;
	/* Multiboot spec 3.2: EAX = magic, EBX = the information. */
	out->cpu.eip = ent.entry;
	out->cpu.eax = 0x2BADB002;
	return mb_build_info(mem, &ent, cfg->cmdline, mods, imgs->nmodules,
			     &out->cpu.ebx, why);
}

static int load_linux(const struct cfg_partition *cfg, unsigned nvcpus,
		      const struct part_images *imgs, struct guest_mem *mem,
		      struct part_boot *out, const char **why)
{
	struct mm_entry e820[8];
	unsigned n;
	if (!out->pc_platform) {
		*why = "a Linux kernel needs platform = pc";
		return -1;
	}
	if (memmap_build(mem->size, e820, BH_ARRAY_SIZE(e820), &n)) {
		*why = "partition RAM too small";
		return -1;
	}
	uint64_t rsdp;
	if (build_pc_acpi(nvcpus, mem, &rsdp, why))
		return -1;
	struct linux_load_in in = {
	    .kernel = imgs->kernel.data,
	    .kernel_len = imgs->kernel.len,
	    .initrd = imgs->initrd.data,
	    .initrd_len = imgs->initrd.len,
	    .cmdline = cfg->cmdline,
	    .rsdp_gpa = rsdp,
	    .e820 = e820,
	    .ne820 = n,
	};
	struct linux_load_out lo;
	if (linux_load(mem, &in, &lo, why))
		return -1;
	/* Linux boot protocol, 32-bit entry: ESI = boot_params,
	 * __BOOT_CS/__BOOT_DS loaded from the boot GDT. */
	out->cpu.eip = lo.entry32;
	out->cpu.esi = lo.boot_params;
	out->cpu.code_sel = LINUX_BOOT_CS;
	out->cpu.data_sel = LINUX_BOOT_DS;
	out->cpu.gdt_base = lo.gdt_gpa;
	out->cpu.gdt_limit = lo.gdt_limit;
	return 0;
}

int part_load(const struct cfg_partition *cfg, unsigned nvcpus,
	      const struct part_images *imgs, struct guest_mem *mem,
	      struct part_boot *out, char *err, size_t errlen)
{
	const char *why = "not a Multiboot ELF kernel or Linux bzImage (for "
			  "a raw real-mode image set 'entry =')";
	int r = -1;
	struct image_entry ent;
	memset(out, 0, sizeof(*out));
	/* A partition starts from zeroed RAM: nothing of the firmware's, the
	 * hypervisor's or a previous run's data may leak into it. */
	memset(mem->base, 0, mem->size);
	out->kind = cfg->has_entry
			? IMAGE_RAW
			: image_detect(imgs->kernel.data, imgs->kernel.len);
	if (cfg->initrd[0] && out->kind != IMAGE_BZIMAGE) {
		bh_snprintf(err, errlen,
			    "'%s': initrd is only for Linux "
			    "bzImage kernels",
			    cfg->kernel);
		return -1;
	}
	/* The PC unless the config says otherwise, except for raw images. */
	out->pc_platform = cfg->platform == CFG_PLATFORM_DEFAULT
			       ? out->kind != IMAGE_RAW
			       : cfg->platform == CFG_PLATFORM_PC;
	switch (out->kind) {
	case IMAGE_RAW:
		r = raw_load(imgs->kernel.data, imgs->kernel.len, cfg->entry,
			     mem, &ent, &why);
		/* CS:IP = entry >> 4 : entry & 15 */
		out->cpu.real_mode = true;
		out->cpu.cs = (uint16_t)(cfg->entry >> 4);
		out->cpu.eip = cfg->entry & 15;
		break;
	case IMAGE_MULTIBOOT_ELF:
		r = load_multiboot(cfg, nvcpus, imgs, mem, out, &why);
		break;
	case IMAGE_BZIMAGE:
		r = load_linux(cfg, nvcpus, imgs, mem, out, &why);
		break;
	default:
		break;
	}
	if (r)
		bh_snprintf(err, errlen, "'%s': %s", cfg->kernel, why);
	return r;
}
