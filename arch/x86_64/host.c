/* Host bring-up on the BSP: the core's own identity-mapped page tables
 * (2 MiB pages, SDM Vol. 3A 4.5) and per-CPU descriptor tables. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/x86.h"
#include "arch/vcpu.h"
#include "hv/boot_info.h"
#include "hv/console.h"
#include "hv/heap.h"

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_PS (1ull << 7)

uint64_t host_cr3;
uint64_t host_tsc_khz;

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
	host_tsc_khz = bi->tsc_khz;
	host_cr3 = build_identity_map(bi->phys_top);
	write_cr3(host_cr3);
	percpu_setup(0, bi->apic_id[0]);
	extern void trampoline_install(uint64_t pa);
	trampoline_install(bi->trampoline_pa);
}
