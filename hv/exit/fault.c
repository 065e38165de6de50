/* Exits that end in containment: the partition is stopped with a
 * message, never the hypervisor or another partition. Also the small
 * handlers that only resume or refuse. */
#include "hv/exit.h"
#include "hv/console.h"
#include "arch/x86_64/x86_defs.h"
#include "hv/vdev/pcmap.h"

/* Fail-soft MMIO: reads all-ones, writes dropped, counted. */
static int mmio_soft(struct vcpu *v, void *dev, uint64_t gpa, unsigned size,
		     bool write, uint64_t *val)
{
	(void)dev;
	(void)gpa;
	if (!write)
		*val = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	__atomic_add_fetch(&v->part->mmio_dropped, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Guest-physical accesses outside RAM: a registered device's page is
 * emulated; on a PC-like partition the rest of the MMIO hole fails soft,
 * as absent devices do on a PC. Anything else stops the partition. */
static mmio_rw_fn *mmio_handler(struct vcpu *v, uint64_t gpa, void **dev)
{
	const struct vdev *d = vdev_find(&v->part->devs, v, gpa, true);
	if (d && d->ops->mmio) {
		*dev = d->dev;
		return d->ops->mmio;
	}
	*dev = NULL;
	if (v->part->boot.pc_platform && gpa >= PC_MMIO_HOLE_LO &&
	    gpa < PC_MMIO_HOLE_HI)
		return mmio_soft;
	return NULL;
}

void exit_mem(struct vcpu *v, const struct exit_info *e)
{
	void *dev;
	mmio_rw_fn *rw = mmio_handler(v, e->mem.gpa, &dev);
	const char *why;
	if (rw && !e->mem.fetch) {
		if (arch_emulate_mmio(v, e->mem.gpa, rw, dev, &why) == 0)
			return;
		part_fault(v->part,
			   "cannot emulate MMIO access at GPA 0x%lx "
			   "RIP 0x%lx: %s",
			   (unsigned long)e->mem.gpa,
			   (unsigned long)arch_vcpu_reg(v, VREG_RIP), why);
		return;
	}
	part_fail(v->part,
		  "stopped: memory access outside its RAM at GPA 0x%lx "
		  "(%s%s%s) RIP 0x%lx",
		  (unsigned long)e->mem.gpa, e->mem.read ? "r" : "",
		  e->mem.write ? "w" : "", e->mem.fetch ? "x" : "",
		  (unsigned long)arch_vcpu_reg(v, VREG_RIP));
}

void exit_triple(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	part_fault(v->part, "triple fault on vCPU %u at RIP 0x%lx", v->index,
		   (unsigned long)arch_vcpu_reg(v, VREG_RIP));
}

void exit_entry_failed(struct vcpu *v, const struct exit_info *e)
{
	arch_vcpu_dump(v, e);
	part_fault(v->part, "VM entry failed on vCPU %u (reason 0x%x)",
		   v->index, e->raw_reason);
}

void exit_unhandled(struct vcpu *v, const struct exit_info *e)
{
	arch_vcpu_dump(v, e);
	part_fail(v->part,
		  "stopped: unhandled exit %u (qual 0x%lx) at RIP "
		  "0x%lx",
		  e->raw_reason, (unsigned long)e->qual,
		  (unsigned long)arch_vcpu_reg(v, VREG_RIP));
}

/* A kick (NMI or INIT), the timer or an open interrupt window: the
 * exit's whole work is done by the vCPU loop before the next entry (it
 * re-checks the partition's state and injects what is pending). */
void exit_reenter(struct vcpu *v, const struct exit_info *e)
{
	(void)v;
	(void)e;
}

/* A host interrupt arrived while the guest ran: the host services it. */
void exit_host_irq(struct vcpu *v, const struct exit_info *e)
{
	(void)v;
	arch_host_irq(e);
}

/* HLT: the CPU is dedicated; the vCPU waits in hv/irq.c for its next
 * interrupt. */
void exit_hlt(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	irq_hlt(v);
}

void exit_refuse_ud(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	arch_inject_exception(v, X86_EXC_UD, false, 0);
}

void exit_xsetbv(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	if (!arch_xsetbv((uint32_t)v->regs.rcx, val)) {
		arch_inject_exception(v, X86_EXC_GP, true, 0);
		return;
	}
	arch_vcpu_skip(v);
}

/* INVD would drop dirty cache lines of memory other partitions share the
 * cache with; it is done as WBINVD instead. */
void exit_invd(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	arch_wbinvd();
	arch_vcpu_skip(v);
}

/* The only exception the backend intercepts is a machine check: the
 * hardware fault is contained in the partition that was running. */
void exit_exception(struct vcpu *v, const struct exit_info *e)
{
	arch_vcpu_dump(v, e);
	part_fault(v->part, "machine check on vCPU %u at RIP 0x%lx", v->index,
		   (unsigned long)arch_vcpu_reg(v, VREG_RIP));
}
