/* The part of dirty tracking for snapshots that both backends share: the
 * marks in the leaves of the partition's map. EPT and NPT leaves keep the
 * write permission at the same bit (EPT W, NPT R/W: bit 1), so one table
 * walk serves both (arch/x86_64/lib/ept_build.c).
 *
 * What marks a page as written since tracking was (re)armed is its dirty
 * flag where the CPU logs writes (VMX with PML, arch/x86_64/vmx/vmx_dirty.c)
 * or its write permission under write protection: while tracked, every
 * RAM page is mapped without it, so the first write to a page is an EPT
 * violation (SDM Vol. 3C 28.3.3.2) or a nested page fault (AMD APM Vol. 2
 * 15.25.6); the page is logged and made writable, and the guest retries
 * the write. That costs one exit per page written per round. */
#include "arch/x86_64/vendor.h"

static uint64_t mark_bit(const struct arch_part *a)
{
	return a->dirty == ARCH_DIRTY_LOG ? EPT_DIRTY : EPT_W;
}

void x86_dirty_log_reset(struct partition *p)
{
	struct arch_part *a = p->arch;
	if (!a || a->dirty == ARCH_DIRTY_NONE)
		return;
	ept_clear_leaf_bits(&a->map, mark_bit(a));
	__atomic_add_fetch(&a->map_gen, 1, __ATOMIC_RELEASE);
}

void x86_dirty_log_rearm(struct partition *p, const uint32_t *pfn, size_t n)
{
	struct arch_part *a = p->arch;
	if (!a || a->dirty == ARCH_DIRTY_NONE)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t *leaf = ept_leaf4k(&a->map, (uint64_t)pfn[i] << 12);
		if (leaf)
			*leaf &= ~mark_bit(a);
	}
	__atomic_add_fetch(&a->map_gen, 1, __ATOMIC_RELEASE);
}

/* A fault on a RAM page that write protection took away: log the page,
 * give the write permission back and let the guest retry. RAM is mapped
 * readable and executable (EPT R+X, NPT P+U/S), so a fault there can only
 * be a write, including the CPU's own writes of accessed/dirty flags into
 * the guest's page tables (whatever the exit's access bits say). Any
 * other fault is the core's (MMIO emulation or containment). Two vCPUs
 * may fault on the same page at once: both log it (the core's set keeps
 * one) and both find it writable. The fault itself dropped the faulting
 * CPU's cached translation of the page (SDM 28.3.3.1; APM 15.25.6), so
 * granting the permission needs no flush. */
bool x86_wp_fault(struct vcpu *v, const struct exit_info *e)
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
