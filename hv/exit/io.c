/* Port I/O: the device registry names the partition's virtual device for
 * the port (hv/devices.c); every other port fails soft (reads all-ones,
 * writes dropped and counted). */
#include "hv/exit.h"

/* The bits an access of `size` bytes moves (1, 2 or 4; indexed by the
 * low 3 bits, so any byte the backend passes stays in the table). */
static const uint32_t size_mask[8] = {0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF};

static void store_in(struct vcpu *v, uint8_t size, uint32_t val)
{
	/* SDM Vol. 2: IN writes AL/AX keeping the rest of RAX; a 32-bit
	 * IN zero-extends into RAX. */
	if (size == 4)
		v->regs.rax = val;
	else
		v->regs.rax =
		    (v->regs.rax & ~(uint64_t)size_mask[size & 7]) | val;
}

void exit_io(struct vcpu *v, const struct exit_info *e)
{
	struct partition *p = v->part;
	uint16_t port = e->io.port;
	uint8_t size = e->io.size;
	if (e->io.string) {
		part_fail(p,
			  "used string I/O (INS/OUTS) on port 0x%x at RIP "
			  "0x%lx: not emulated",
			  port, (unsigned long)arch_vcpu_reg(v, VREG_RIP));
		return;
	}
	uint32_t mask = size_mask[size & 7];
	uint32_t val = (uint32_t)v->regs.rax & mask;
	if (!e->io.in && p->cfg->exit_port && port == p->cfg->exit_port) {
		p->exit_status = val;
		part_stop(p, "exited with status %u", p->exit_status);
		return;
	}
	const struct vdev *d = vdev_find(&p->devs, v, port, false);
	if (!d || !d->ops->io ||
	    !d->ops->io(v, d->dev, port, size, e->io.in, &val)) {
		val = mask;
		__atomic_add_fetch(&p->io_dropped, 1, __ATOMIC_RELAXED);
	}
	if (e->io.in)
		store_in(v, size, val & mask);
	arch_vcpu_skip(v);
}
