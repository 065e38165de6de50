/* Port I/O: the partition's own virtual devices, everything else fails
 * soft (reads all-ones, writes dropped and counted). */
#include "hv/exit.h"
#include "hv/abi.h"
#include "hv/console.h"
#include "hv/vdev/platform.h"

struct io_range {
	uint16_t base, len;
	uint32_t (*read)(struct vcpu *v, uint16_t port, uint8_t size);
	void (*write)(struct vcpu *v, uint16_t port, uint8_t size,
		      uint32_t val);
};

static uint32_t uart_rd(struct vcpu *v, uint16_t port, uint8_t size)
{
	(void)size;
	console_poll_input(); /* the guest is looking for input */
	return vuart_read(&v->part->uart, port - BH_UART_BASE);
}

static void uart_wr(struct vcpu *v, uint16_t port, uint8_t size, uint32_t val)
{
	(void)size;
	vuart_write(&v->part->uart, port - BH_UART_BASE, (uint8_t)val);
}

static uint32_t pic_rd(struct vcpu *v, uint16_t port, uint8_t size)
{
	(void)size;
	spin_lock(&v->part->pic_lock);
	uint32_t val = vpic_read(&v->part->pic, port);
	spin_unlock(&v->part->pic_lock);
	return val;
}

static void pic_wr(struct vcpu *v, uint16_t port, uint8_t size, uint32_t val)
{
	(void)size;
	spin_lock(&v->part->pic_lock);
	vpic_write(&v->part->pic, port, (uint8_t)val);
	spin_unlock(&v->part->pic_lock);
}

static const struct io_range fixed_ranges[] = {
    {BH_UART_BASE, 8, uart_rd, uart_wr},
    {0x20, 2, pic_rd, pic_wr},	/* 8259 master */
    {0xA0, 2, pic_rd, pic_wr},	/* 8259 slave */
    {0x4D0, 2, pic_rd, pic_wr}, /* ELCR */
};

static const struct io_range *find_range(uint16_t port)
{
	for (unsigned i = 0; i < BH_ARRAY_SIZE(fixed_ranges); i++)
		if (port >= fixed_ranges[i].base &&
		    port < fixed_ranges[i].base + fixed_ranges[i].len)
			return &fixed_ranges[i];
	return NULL;
}

static void store_in(struct vcpu *v, uint8_t size, uint32_t val)
{
	/* SDM Vol. 2: IN writes AL/AX keeping the rest of RAX; a 32-bit
	 * IN zero-extends into RAX. */
	if (size == 4)
		v->regs.rax = val;
	else if (size == 2)
		v->regs.rax = (v->regs.rax & ~0xFFFFull) | (val & 0xFFFF);
	else
		v->regs.rax = (v->regs.rax & ~0xFFull) | (val & 0xFF);
}

void exit_io(struct vcpu *v, const struct exit_info *e)
{
	struct partition *p = v->part;
	uint16_t port = e->io.port;
	uint8_t size = e->io.size;
	if (e->io.string) {
		part_stop(p,
			  "used string I/O (INS/OUTS) on port 0x%x at RIP "
			  "0x%lx: not emulated",
			  port, (unsigned long)arch_vcpu_reg(v, VREG_RIP));
		return;
	}
	uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
	if (!e->io.in && p->cfg->exit_port && port == p->cfg->exit_port) {
		p->exit_status = (uint32_t)v->regs.rax & mask;
		part_stop(p, "exited with status %u", p->exit_status);
		return;
	}
	uint32_t pval = (uint32_t)v->regs.rax & mask;
	if (platform_io(v, port, size, e->io.in, &pval)) {
		if (e->io.in)
			store_in(v, size, pval & mask);
		arch_vcpu_skip(v);
		return;
	}
	const struct io_range *r = find_range(port);
	if (e->io.in)
		store_in(v, size, r ? r->read(v, port, size) & mask : mask);
	else if (r)
		r->write(v, port, size, (uint32_t)v->regs.rax & mask);
	if (!r)
		__atomic_add_fetch(&p->io_dropped, 1, __ATOMIC_RELAXED);
	arch_vcpu_skip(v);
}
