/* The host's own local APIC, in whichever mode the firmware left it:
 * x2APIC through MSRs or xAPIC through its MMIO page (SDM Vol. 3A 10.12,
 * 10.4.1). Used to start and kick CPUs, to end host interrupts, and as
 * the wake-up timer of a waiting CPU. */
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/x86.h"
#include "arch/host.h"

static volatile uint32_t *xapic_reg(uint64_t base, uint32_t off)
{
	return (volatile uint32_t *)((base & ~0xFFFull) + off);
}

/* Register `off` of the xAPIC page, or its x2APIC MSR (SDM 10.12.1.2). */
static uint32_t host_lapic_read(uint32_t off)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (base & APIC_BASE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + (off >> 4));
	return *xapic_reg(base, off);
}

static void host_lapic_write(uint32_t off, uint32_t val)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (base & APIC_BASE_X2APIC)
		wrmsr(MSR_X2APIC_FIRST + (off >> 4), val);
	else
		*xapic_reg(base, off) = val;
}

void host_lapic_eoi(void)
{
	host_lapic_write(XAPIC_EOI, 0);
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

/* The wake-up timer in TSC-deadline mode (SDM 10.5.4.1), on CPUs that
 * have it (CPUID.01H:ECX[24]); the spurious vector is set where
 * isr_common expects it. Returns false if the CPU has no such mode. */
bool host_wake_timer_init(void)
{
	uint32_t r[4];
	arch_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_TSC_DEADLINE))
		return false;
	host_lapic_write(XAPIC_SVR, (host_lapic_read(XAPIC_SVR) & ~0xFFu) |
					SVR_ENABLE | HOST_SPURIOUS_VECTOR);
	host_lapic_write(XAPIC_LVT_TIMER, LVT_TSC_DEADLINE | HOST_WAKE_VECTOR);
	return true;
}
