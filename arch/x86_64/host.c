/* Host bring-up on the BSP: the core's own identity-mapped page tables
 * (2 MiB pages, SDM Vol. 3A 4.5) and per-CPU descriptor tables. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/x86.h"
#include "arch/host.h"
#include "hv/boot_info.h"
#include "hv/console.h"
#include "hv/heap.h"

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_PS (1ull << 7)

uint64_t host_cr3;

static uint64_t build_identity_map(uint64_t top)
{
	uint64_t *pml4 = heap_alloc_pages(1);
	uint64_t gib = top >> 30;
	if (gib > 512)
		gib = 512; /* one PDPT: 512 GiB is plenty for this core */
	uint64_t *pdpt = heap_alloc_pages(1);
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W;
	for (uint64_t g = 0; g < gib; g++) {
		uint64_t *pd = heap_alloc_pages(1);
		for (uint64_t i = 0; i < 512; i++)
			pd[i] =
			    ((g << 30) + (i << 21)) | PTE_P | PTE_W | PTE_PS;
		pdpt[g] = (uint64_t)pd | PTE_P | PTE_W;
	}
	return (uint64_t)pml4;
}

void arch_host_init(const struct boot_info *bi)
{
	/* The loader refused a CPU it had no backend for; nothing to say
	 * here yet (no console), arch_virt_enable reports it. */
	(void)vendor_select(bi->backend);
	host_cr3 = build_identity_map(bi->phys_top);
	write_cr3(host_cr3);
	percpu_setup(0, bi->apic_id[0]);
	trampoline_install(bi->trampoline_pa);
}

/* ---- host services for the core (arch/host.h; arch_now and arch_cpuid
 * are inline, host_inline.h) ------------------------------------------- */

void arch_wbinvd(void)
{
	__asm__ volatile("wbinvd" ::: "memory");
}

/* SDM Vol. 1 13.3 and Vol. 2 XSETBV: the value must be one the CPU would
 * accept, or the XSETBV in the hypervisor would fault. The CPU is
 * dedicated, so XCR0 is the partition's own. */
#define XCR0_X87    (1ull << 0)
#define XCR0_SSE    (1ull << 1)
#define XCR0_AVX    (1ull << 2)
#define XCR0_MPX    (3ull << 3)	 /* BNDREGS, BNDCSR: both or neither */
#define XCR0_AVX512 (7ull << 5)	 /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */
#define XCR0_AMX    (3ull << 17) /* TILECFG, TILEDATA: both or neither */

static bool all_or_none(uint64_t v, uint64_t group)
{
	return (v & group) == 0 || (v & group) == group;
}

bool arch_xsetbv(uint32_t index, uint64_t value)
{
	struct cpuid_regs r;
	cpuid(0xD, 0, &r);
	uint64_t supported = ((uint64_t)r.edx << 32) | r.eax;
	if (index != 0 || !(value & XCR0_X87) || (value & ~supported))
		return false;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return false;
	if (!all_or_none(value, XCR0_MPX) || !all_or_none(value, XCR0_AVX512) ||
	    !all_or_none(value, XCR0_AMX))
		return false;
	if ((value & XCR0_AVX512) &&
	    (value & (XCR0_SSE | XCR0_AVX)) != (XCR0_SSE | XCR0_AVX))
		return false;
	__asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)value),
			 "d"((uint32_t)(value >> 32)));
	return true;
}

/* SDM Vol. 1 7.3.17: RDSEED (CPUID.7.0:EBX[18]) gives conditioned entropy,
 * RDRAND (CPUID.1:ECX[30]) a DRBG output; both may transiently fail
 * (CF = 0), so each is retried a few times. */
static bool rd(bool seed, uint64_t *out)
{
	for (int i = 0; i < 16; i++) {
		uint8_t ok;
		if (seed)
			__asm__ volatile("rdseed %0; setc %1"
					 : "=r"(*out), "=qm"(ok)::"cc");
		else
			__asm__ volatile("rdrand %0; setc %1"
					 : "=r"(*out), "=qm"(ok)::"cc");
		if (ok)
			return true;
	}
	return false;
}

bool arch_random(uint64_t *out)
{
	struct cpuid_regs r1, r7;
	cpuid(1, 0, &r1);
	cpuid(7, 0, &r7);
	if ((r7.ebx & (1u << 18)) && rd(true, out))
		return true;
	return (r1.ecx & (1u << 30)) && rd(false, out);
}
