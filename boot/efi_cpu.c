/* CPU discovery and checks done while firmware services still exist. */
#include "boot/efi.h"
#include "hv/lib/lib.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lib/virt_pick.h"
#include "drivers/acpi/madt.h"

/* UEFI PI specification, volume 2: EFI_MP_SERVICES_PROTOCOL. */
static EFI_GUID mp_guid = {0x3fdda605,
			   0xa76e,
			   0x4f46,
			   {0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08}};

struct mp_cpu_info {
	UINT64 processor_id; /* APIC ID */
	UINT32 status;	     /* bit 0 BSP, bit 1 enabled, bit 2 healthy */
	UINT32 location[3];
	UINT32 ext[8]; /* room for the v2 extended topology, unused */
};

struct mp_services {
	EFI_STATUS(EFIAPI *get_count)(struct mp_services *, UINTN *, UINTN *);
	EFI_STATUS(EFIAPI *get_info)
	(struct mp_services *, UINTN, struct mp_cpu_info *);
	void *startup_all, *startup_this, *switch_bsp, *enable_disable;
	EFI_STATUS(EFIAPI *who_am_i)(struct mp_services *, UINTN *);
};

#define MP_BSP	   1u
#define MP_ENABLED 2u

const char *efi_find_cpus(struct boot_info *bi)
{
	struct mp_services *mp;
	UINTN total, enabled;
	if (EFI_ERROR(efi_st->BootServices->LocateProtocol(&mp_guid, NULL,
							   (void **)&mp))) {
		/* Firmware without MP services: run on the BSP alone. */
		bi->ncpus = 1;
		bi->apic_id[0] = (uint32_t)(rdmsr(MSR_IA32_APIC_BASE) >> 32);
		return NULL;
	}
	if (EFI_ERROR(mp->get_count(mp, &total, &enabled)))
		return "MP services: cannot count processors";
	bi->ncpus = 1;
	for (UINTN i = 0; i < total; i++) {
		struct mp_cpu_info info;
		if (EFI_ERROR(mp->get_info(mp, i, &info)))
			return "MP services: cannot read processor info";
		if (!(info.status & MP_ENABLED))
			continue;
		if (info.status & MP_BSP) {
			bi->apic_id[0] = (uint32_t)info.processor_id;
		} else if (bi->ncpus < BI_MAX_CPUS) {
			bi->apic_id[bi->ncpus++] = (uint32_t)info.processor_id;
		}
	}
	return NULL;
}

static const void *identity_map(uint64_t pa, size_t len, void *ctx)
{
	(void)len;
	(void)ctx;
	return (const void *)pa;
}

static bool listed(const struct boot_info *bi, uint32_t id)
{
	for (unsigned i = 0; i < bi->ncpus; i++)
		if (bi->apic_id[i] == id)
			return true;
	return false;
}

/* On real machines the ACPI MADT also lists the CPUs: cross-check it with
 * what MP Services reported (UEFI 2.x config table, ACPI 2.0 GUID). A
 * disagreement is reported; MP Services stays authoritative. */
void efi_crosscheck_madt(const struct boot_info *bi)
{
	static EFI_GUID acpi20 = {
	    0x8868e871,
	    0xe4f1,
	    0x11d3,
	    {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}};
	uint64_t rsdp = 0;
	for (UINTN i = 0; i < efi_st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &efi_st->ConfigurationTable[i];
		if (!memcmp(&t->VendorGuid, &acpi20, sizeof(acpi20)))
			rsdp = (uint64_t)t->VendorTable;
	}
	if (!rsdp) {
		boot_msg("no ACPI tables from the firmware: CPUs from MP "
			 "Services only");
		return;
	}
	uint32_t ids[BI_MAX_CPUS];
	unsigned n;
	const char *why;
	if (acpi_find_apic_ids(rsdp, identity_map, NULL, ids, BI_MAX_CPUS, &n,
			       &why)) {
		boot_msg("warning: cannot read the ACPI MADT (%s)", why);
		return;
	}
	unsigned missing = 0;
	for (unsigned i = 0; i < n; i++)
		if (!listed(bi, ids[i]))
			missing++;
	if (missing || n != bi->ncpus)
		boot_msg("warning: ACPI MADT lists %u CPUs, MP Services %u "
			 "(%u MADT entries unknown to MP Services); using MP "
			 "Services",
			 n, bi->ncpus, missing);
	else
		boot_msg("ACPI MADT agrees with MP Services: %u CPUs", n);
}

/* SDM Vol. 3C 23.6/23.7 and Appendix A.3.3: VMX, IA32_FEATURE_CONTROL and
 * the secondary controls Bulkhead cannot run without. The VMX MSRs exist
 * only when CPUID says VMX (reading them otherwise is a #GP). */
static void vmx_facts(struct virt_facts *f)
{
	struct cpuid_regs r;
	cpuid(1, 0, &r);
	if (!(f->vmx = r.ecx & (1u << 5)))
		return;
	f->feature_ctl = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t basic = rdmsr(0x480);
	uint64_t proc = rdmsr((basic >> 55) & 1 ? 0x48E : 0x482);
	if (!(f->vmx_secondary = (proc >> 32) & (1u << 31)))
		return;
	uint64_t sec = rdmsr(0x48B) >> 32;
	f->ept = sec & (1u << 1);
	f->vpid = sec & (1u << 5);
	f->ug = sec & (1u << 7);
}

/* AMD APM Vol. 2 15.4 (SVM in CPUID 8000_0001h:ECX[2], VM_CR) and CPUID
 * Fn8000_000A (nested paging, next-RIP save, ASIDs). */
static void svm_facts(struct virt_facts *f)
{
	struct cpuid_regs r;
	cpuid(0x80000000u, 0, &r);
	if (r.eax < 0x8000000Au)
		return;
	cpuid(0x80000001u, 0, &r);
	if (!(f->svm = r.ecx & (1u << 2)))
		return;
	cpuid(0x8000000Au, 0, &r);
	f->npt = r.edx & 1;
	f->nrips = r.edx & (1u << 3);
	f->asids = r.ebx;
	f->vm_cr = rdmsr(0xC0010114u);
}

void efi_virt_facts(struct virt_facts *f)
{
	struct cpuid_regs r;
	memset(f, 0, sizeof(*f));
	cpuid(0, 0, &r);
	memcpy(f->vendor, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);
	vmx_facts(f);
	svm_facts(f);
}

uint64_t efi_measure_tsc_khz(void)
{
	uint64_t t0 = rdtsc();
	efi_st->BootServices->Stall(10000); /* 10 ms */
	uint64_t t1 = rdtsc();
	return (t1 - t0) / 10;
}
