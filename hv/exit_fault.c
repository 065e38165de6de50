/* Exits that end in containment: the partition is stopped with a
 * message, never the hypervisor or another partition. Also the small
 * handlers that only resume or refuse. */
#include "exit.h"
#include "console.h"

void exit_mem(struct vcpu *v, const struct exit_info *e)
{
	part_stop(v->part,
		  "stopped: memory access outside its RAM at GPA 0x%lx "
		  "(%s%s%s) RIP 0x%lx",
		  (unsigned long)e->mem.gpa, e->mem.read ? "r" : "",
		  e->mem.write ? "w" : "", e->mem.fetch ? "x" : "",
		  (unsigned long)arch_vcpu_rip(v));
}

void exit_triple(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	part_stop(v->part, "stopped: triple fault on vCPU %u at RIP 0x%lx",
		  v->index, (unsigned long)arch_vcpu_rip(v));
}

void exit_entry_failed(struct vcpu *v, const struct exit_info *e)
{
	arch_vcpu_dump(v, e);
	part_stop(v->part, "stopped: VM entry failed on vCPU %u (reason %u)",
		  v->index, e->raw_reason);
}

void exit_unhandled(struct vcpu *v, const struct exit_info *e)
{
	arch_vcpu_dump(v, e);
	part_stop(v->part, "stopped: unhandled exit %u (qual 0x%lx) at RIP "
			   "0x%lx",
		  e->raw_reason, (unsigned long)e->qual,
		  (unsigned long)arch_vcpu_rip(v));
}

void exit_nothing(struct vcpu *v, const struct exit_info *e)
{
	(void)v;
	(void)e;
}

/* HLT: the CPU is dedicated, so the backend lets the guest halt in
 * hardware; an exit here only means the guest's halt needs skipping. */
void exit_hlt(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	arch_vcpu_skip(v);
}

void exit_refuse_ud(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	arch_inject_exception(v, 6, false, 0);
}

void exit_xsetbv(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	if (!arch_xsetbv((uint32_t)v->regs.rcx, val)) {
		arch_inject_exception(v, 13, true, 0);
		return;
	}
	arch_vcpu_skip(v);
}

/* INVD would drop dirty cache lines of memory other partitions share the
 * cache with; the backend writes back instead (WBINVD semantics). */
void exit_invd(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	arch_vcpu_skip(v);
}
