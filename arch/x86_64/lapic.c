/* The host's own local APIC, in whichever mode the firmware left it:
 * x2APIC through MSRs or xAPIC through its MMIO page (SDM Vol. 3A 10.12,
 * 10.4.1). Used to start and kick CPUs, to end host interrupts, and as
 * the wake-up timer of a waiting CPU. */
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/x86.h"
#include "arch/host.h"
#include "arch/x86_64/percpu.h"

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

/* The host timer: the wake-up of a waiting CPU (arch_cpu_wait) and, on
 * backends without a timer of their own in guest mode (SVM has no
 * VMX-preemption timer), the exit at a guest's deadline. TSC-deadline
 * mode where the CPU has it (CPUID.01H:ECX[24], SDM 10.5.4.1); otherwise
 * one-shot mode, whose count runs at the APIC's own rate: measured here
 * against the TSC once per CPU (QEMU's TCG has no TSC-deadline mode). */
#define XAPIC_TIMER_INIT 0x380u
#define XAPIC_TIMER_CUR	 0x390u
#define XAPIC_TIMER_DIV	 0x3E0u
#define TIMER_DIV_1	 0xBu /* SDM Figure 10-10 */
#define LVT_MASKED	 (1u << 16)
#define CALIBRATE_TSC	 (1u << 20) /* about 0.5 ms at 2 GHz */
/* A one-shot count longer than this many TSC ticks is cut short: the CPU
 * then exits early and the deadline is armed again. */
#define ONESHOT_MAX_TSC (1ull << 32)

static void timer_mode_init(struct percpu *pc)
{
	uint32_t r[4];
	arch_cpuid(1, 0, r);
	host_lapic_write(XAPIC_SVR, (host_lapic_read(XAPIC_SVR) & ~0xFFu) |
					SVR_ENABLE | HOST_SPURIOUS_VECTOR);
	if (r[2] & CPUID1_ECX_TSC_DEADLINE) {
		host_lapic_write(XAPIC_LVT_TIMER,
				 LVT_TSC_DEADLINE | HOST_WAKE_VECTOR);
		pc->wake_timer = HOST_TIMER_DEADLINE;
		return;
	}
	/* Count down from the top for CALIBRATE_TSC ticks, masked. */
	host_lapic_write(XAPIC_TIMER_DIV, TIMER_DIV_1);
	host_lapic_write(XAPIC_LVT_TIMER, LVT_MASKED | HOST_WAKE_VECTOR);
	host_lapic_write(XAPIC_TIMER_INIT, UINT32_MAX);
	uint64_t t0 = rdtsc(), t1;
	while ((t1 = rdtsc()) - t0 < CALIBRATE_TSC)
		cpu_relax();
	uint64_t counted = UINT32_MAX - host_lapic_read(XAPIC_TIMER_CUR);
	host_lapic_write(XAPIC_TIMER_INIT, 0);
	if (!counted) {
		pc->wake_timer = HOST_TIMER_NONE;
		return;
	}
	/* APIC counts per TSC tick, 32.32 fixed point. */
	pc->apic_per_tsc = (counted << 32) / (t1 - t0);
	host_lapic_write(XAPIC_LVT_TIMER, HOST_WAKE_VECTOR); /* one-shot */
	pc->wake_timer = HOST_TIMER_ONESHOT;
}

static uint32_t oneshot_count(const struct percpu *pc, uint64_t deadline)
{
	uint64_t now = rdtsc();
	uint64_t left = deadline > now ? deadline - now : 0;
	if (left > ONESHOT_MAX_TSC)
		left = ONESHOT_MAX_TSC;
	/* Rounded up, and at least 1 (a count of 0 stops the timer): an
	 * early interrupt would only be armed again for the rest. */
	unsigned __int128 c =
	    ((unsigned __int128)left * pc->apic_per_tsc >> 32) + 1;
	return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

bool host_timer_arm(uint64_t deadline)
{
	struct percpu *pc = this_cpu();
	if (pc->wake_timer == HOST_TIMER_UNSET)
		timer_mode_init(pc);
	if (pc->timer_armed == deadline)
		return pc->wake_timer != HOST_TIMER_NONE;
	pc->timer_armed = deadline;
	switch (pc->wake_timer) {
	case HOST_TIMER_DEADLINE:
		/* 0 disarms (SDM 10.5.4.1). */
		wrmsr(MSR_IA32_TSC_DEADLINE,
		      deadline == UINT64_MAX ? 0 : deadline);
		return true;
	case HOST_TIMER_ONESHOT:
		host_lapic_write(
		    XAPIC_TIMER_INIT,
		    deadline == UINT64_MAX ? 0 : oneshot_count(pc, deadline));
		return true;
	default:
		return false;
	}
}

void host_timer_fired(void)
{
	this_cpu()->timer_armed = UINT64_MAX;
}
