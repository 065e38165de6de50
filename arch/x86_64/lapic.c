/* The host's own local APIC, in whichever mode the firmware left it:
 * x2APIC through MSRs or xAPIC through its MMIO page (SDM Vol. 3A 10.12,
 * 10.4.1). Used to start and kick CPUs and to end host interrupts. */
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/x86.h"
#include "arch/host.h"

static volatile uint32_t *xapic_reg(uint64_t base, uint32_t off)
{
	return (volatile uint32_t *)((base & ~0xFFFull) + off);
}

void host_lapic_eoi(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (base & APIC_BASE_X2APIC)
		wrmsr(MSR_X2APIC_EOI, 0);
	else
		*xapic_reg(base, XAPIC_EOI) = 0;
}

void host_lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (base & APIC_BASE_X2APIC) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr_low);
		return;
	}
	*xapic_reg(base, XAPIC_ICR_HI) = apic_id << 24;
	*xapic_reg(base, XAPIC_ICR_LO) = icr_low;
	for (unsigned i = 0;
	     i < 100000 && (*xapic_reg(base, XAPIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

/* The backend acknowledged the interrupt on exit (VMX "acknowledge
 * interrupt on exit", SDM 24.7.1): the host owns it and ends it here. */
void arch_host_irq(const struct exit_info *e)
{
	(void)e;
	host_lapic_eoi();
}
