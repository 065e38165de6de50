/* Dirty tracking for snapshots on VMX: EPT accessed/dirty flags (SDM Vol.
 * 3C 28.2.4) with page-modification logging (PML, SDM 28.2.5). When the
 * CPU sets a dirty flag in an EPT leaf that was clear, it writes the
 * page's guest-physical address into the vCPU's 512-entry log at the PML
 * index and decrements the index; when the log is full it exits (reason
 * 62) before the write. So the pages written since the flags were last
 * cleared reach the core in time proportional to their number, never
 * proportional to the partition's RAM.
 *
 * A CPU without EPT A/D flags or PML (or a partition configured with
 * dirty_tracking = write-protect) gets the same from write protection,
 * which both backends share (arch/x86_64/dirty.c).
 */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"

#define PML_ENTRIES   512
#define EPT_CAP_AD    (1ull << 21) /* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_INV1  (1ull << 25) /* INVEPT single-context */
#define PROC2_PML_BIT (1ull << 17)

static bool pml_capable(void)
{
	return (rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & EPT_CAP_AD) &&
	       ((rdmsr(MSR_IA32_VMX_PROCBASED2) >> 32) & PROC2_PML_BIT);
}

enum arch_dirty_mode vmx_dirty_mode(const struct cfg_partition *c)
{
	if (c->snapshot == CFG_SNAPSHOT_NO)
		return ARCH_DIRTY_NONE;
	if (c->dirty_tracking == CFG_DIRTY_AUTO && pml_capable())
		return ARCH_DIRTY_LOG;
	return ARCH_DIRTY_WRITE_PROTECT;
}

/* Hands the log's entries to the core and empties it. The index points
 * at the next free entry, counting down from 511; it wraps to 0xFFFF
 * once entry 0 is used (a full log). */
void vmx_pml_drain(struct vcpu *v)
{
	struct vmx_vcpu *x = VMX(v);
	if (!x->pml)
		return;
	unsigned idx = vmread16(GUEST_PML_INDEX);
	unsigned first = idx >= PML_ENTRIES ? 0 : idx + 1;
	if (first < PML_ENTRIES)
		snapshot_dirty(v->part, x->pml + first, PML_ENTRIES - first);
	vmwrite16(GUEST_PML_INDEX, PML_ENTRIES - 1);
}

void vmx_dirty_log_flush(struct vcpu *v)
{
	vmx_pml_drain(v);
}

/* A CPU may cache an EPT translation with its dirty flag set and then
 * write through it without setting the flag again, so after flags were
 * cleared each CPU drops what it cached for this EPT (INVEPT, SDM 28.3.3.4
 * and 30.3 "INVEPT"): single-context if supported, else all-context. */
static void invept(uint64_t eptp)
{
	struct {
		uint64_t eptp, zero;
	} desc = {eptp, 0};
	uint64_t type = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & EPT_CAP_INV1 ? 1 : 2;
	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(type)
			 : "cc", "memory");
}

/* Before each entry: what the core changed for the whole partition. */
void vmx_sync_partition_slow(struct vcpu *v)
{
	struct vmx_vcpu *x = VMX(v);
	struct arch_part *a = v->part->arch;
	unsigned gen = __atomic_load_n(&a->map_gen, __ATOMIC_ACQUIRE);
	if (x->map_gen != gen) {
		invept(a->map_root);
		x->map_gen = gen;
	}
	if (x->tsc_offset != vcpu_tsc_offset(v)) {
		x->tsc_offset = vcpu_tsc_offset(v);
		vmwrite64(TSC_OFFSET, x->tsc_offset);
	}
}
