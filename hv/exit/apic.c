/* Exits of a CPU that virtualizes the local APIC (arch/vcpu.h, "local
 * APIC virtualization"): the guest already wrote its register page, the
 * model catches up here. Everything else about the local APIC is in
 * hv/irq.c and hv/vdev/vlapic.c. */
#include "hv/exit.h"

/* A write the CPU put in the page and left to the model (trap-like: the
 * instruction completed). Running it through the model applies its rules
 * (reserved bits, masks, timer, IPIs) and puts the model's value back in
 * the page. */
void exit_apic_write(struct vcpu *v, const struct exit_info *e)
{
	uint32_t off = e->apic.offset & 0xFF0u;
	struct vlapic_ipi ipi;
	lapic_lock(v);
	uint32_t val = vlapic_reg_get(&v->lapic, off);
	vlapic_mmio_write(&v->lapic, off, val, part_now(v->part), &ipi);
	int eoi = vlapic_level_eoi(&v->lapic);
	lapic_unlock(v);
	irq_lapic_written(v, &ipi, eoi);
}

/* The EOI of a vector whose EOI must be seen (level-triggered, from the
 * I/O APIC): the CPU already cleared it in ISR. */
void exit_apic_eoi(struct vcpu *v, const struct exit_info *e)
{
	static const struct vlapic_ipi none;
	irq_lapic_written(v, &none, e->apic.vector);
}
