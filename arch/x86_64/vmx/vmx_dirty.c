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
 * dirty_tracking = write-protect) gets the same from write protection:
 * while tracked, every RAM page is mapped without write permission, so
 * the first write to a page is an EPT violation (SDM 28.3.3.2); the page
 * is logged and made writable, and the guest retries the write. That
 * costs one exit per page written per round instead of one per 512. */
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

enum arch_dirty_mode vmx_dirty_log_mode(const struct partition *p)
{
	return p->arch ? p->arch->dirty : ARCH_DIRTY_NONE;
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

/* What marks a page as written since tracking was (re)armed: its dirty
 * flag, or its write permission. */
static uint64_t mark_bit(const struct arch_part *a)
{
	return a->dirty == ARCH_DIRTY_LOG ? EPT_DIRTY : EPT_W;
}

void vmx_dirty_log_reset(struct partition *p)
{
	struct arch_part *a = p->arch;
	if (vmx_dirty_log_mode(p) == ARCH_DIRTY_NONE)
		return;
	ept_clear_leaf_bits(&a->map, mark_bit(a));
	__atomic_add_fetch(&a->map_gen, 1, __ATOMIC_RELEASE);
}

void vmx_dirty_log_rearm(struct partition *p, const uint32_t *pfn, size_t n)
{
	struct arch_part *a = p->arch;
	if (vmx_dirty_log_mode(p) == ARCH_DIRTY_NONE)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t *leaf = ept_leaf4k(&a->map, (uint64_t)pfn[i] << 12);
		if (leaf)
			*leaf &= ~mark_bit(a);
	}
	__atomic_add_fetch(&a->map_gen, 1, __ATOMIC_RELEASE);
}

/* An EPT violation on a RAM page that tracking protected: log the page,
 * give the write permission back and let the guest retry. RAM is mapped
 * readable and executable, so a violation there can only be a write,
 * including the CPU's own writes of accessed/dirty flags into the guest's
 * page tables (whatever the qualification's access bits say). Any other
 * violation is the core's (MMIO emulation or containment). Two
 * vCPUs may fault on the same page at once: both log it (the core's set
 * keeps one) and both find it writable; the EPT violation itself dropped
 * the faulting CPU's cached translation of the page (SDM 28.3.3.1), so
 * no INVEPT is needed to grant the permission. */
bool vmx_wp_fault(struct vcpu *v, const struct exit_info *e)
{
	struct arch_part *a = v->part->arch;
	if (a->dirty != ARCH_DIRTY_WRITE_PROTECT ||
	    e->kind != EXIT_MEM_VIOLATION || e->mem.gpa >= v->part->ram_size)
		return false;
	uint64_t *leaf = ept_leaf4k(&a->map, e->mem.gpa);
	if (!leaf || (*leaf & (EPT_R | EPT_X)) != (EPT_R | EPT_X))
		return false;
	uint64_t page = e->mem.gpa & ~0xFFFull;
	snapshot_dirty(v->part, &page, 1);
	__atomic_or_fetch(leaf, EPT_W, __ATOMIC_RELEASE);
	return true;
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
void vmx_sync_partition(struct vcpu *v)
{
	struct vmx_vcpu *x = VMX(v);
	struct arch_part *a = v->part->arch;
	unsigned gen = __atomic_load_n(&a->map_gen, __ATOMIC_ACQUIRE);
	if (x->map_gen != gen) {
		invept(a->map_root);
		x->map_gen = gen;
	}
	if (x->tsc_offset != v->part->tsc_offset) {
		x->tsc_offset = v->part->tsc_offset;
		vmwrite64(TSC_OFFSET, x->tsc_offset);
	}
}
