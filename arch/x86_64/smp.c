/* Starting application processors with INIT-SIPI-SIPI (SDM Vol. 3A
 * 8.4.4.1, "typical AP initialization sequence"), and the NMI kick. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/x86.h"
#include "arch/host.h"
#include "arch/x86_64/vendor.h"
#include "hv/console.h"
#include "hv/cpu.h"

static uint8_t *tramp;
static void (*ap_fn)(unsigned);

#define FIELD(sym) ((volatile uint64_t *)(tramp + ((sym)-trampoline_start)))

void trampoline_install(uint64_t pa)
{
	tramp = (uint8_t *)pa;
	memcpy(tramp, trampoline_start, trampoline_end - trampoline_start);
}

static void delay_us(uint64_t us)
{
	uint64_t hz = hv_tsc_hz ? hv_tsc_hz : 1000000000ull;
	uint64_t end = rdtsc() + us * (hz / 1000000);
	while (rdtsc() < end)
		cpu_relax();
}

static void ap_entry(unsigned index)
{
	percpu_setup(index, percpu_table[index]->apic_id);
	ap_fn(index);
}

int arch_start_cpu(unsigned index, uint32_t apic_id, void (*fn)(unsigned))
{
	struct percpu *pc = percpu_alloc(index);
	if (!pc)
		return -1;
	pc->apic_id = apic_id;
	ap_fn = fn;
	*FIELD(tr_cr3) = host_cr3;
	*FIELD(tr_stack) = (uint64_t)pc->stack_top;
	*FIELD(tr_entry) = (uint64_t)ap_entry;
	*FIELD(tr_arg) = index;
	*(volatile uint32_t *)(tramp + (tr_alive - trampoline_start)) = 0;
	uint32_t vector = (uint32_t)((uint64_t)tramp >> 12);
	host_lapic_send_ipi(apic_id, ICR_INIT_ASSERT);
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		host_lapic_send_ipi(apic_id, ICR_STARTUP | vector);
		delay_us(200);
	}
	volatile uint32_t *alive =
	    (void *)(tramp + (tr_alive - trampoline_start));
	for (unsigned ms = 0; ms < 1000 && !*alive; ms++)
		delay_us(1000);
	return *alive ? 0 : -1;
}

void arch_kick(unsigned pcpu)
{
	struct percpu *pc = pcpu < 64 ? percpu_table[pcpu] : NULL;
	/* A CPU still in its start-up code has no IDT: never NMI it. */
	if (pc && pc->online)
		host_lapic_send_ipi(pc->apic_id, ICR_MODE_NMI);
}

/* Interrupts stay masked in the host except inside the HLT of a wait
 * with a deadline: an NMI (kick) or the host timer ends the wait, and a
 * kick that came since the last wait ended makes it return at once (the
 * caller re-checks what it waits for). A CPU without a usable timer
 * cannot sleep until a deadline: it returns at once and its caller polls.
 * The timer is left disarmed: a backend that also uses it for guest
 * deadlines arms it again before its next entry (host_timer_arm). */
void arch_cpu_wait(uint64_t deadline)
{
	struct percpu *pc = this_cpu();
	if (deadline == UINT64_MAX) {
		cpu_wait(&pc->nmis, pc->wait_seen, 0);
	} else {
		if (!host_timer_arm(deadline)) {
			cpu_relax();
			return;
		}
		cpu_wait(&pc->nmis, pc->wait_seen, RFLAGS_IF);
		host_timer_arm(UINT64_MAX);
	}
	pc->wait_seen = pc->nmis;
}
