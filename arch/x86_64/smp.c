/* Starting application processors with INIT-SIPI-SIPI (SDM Vol. 3A
 * 8.4.4.1, "typical AP initialization sequence"), and the NMI kick. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/x86.h"
#include "arch/vcpu.h"
#include "hv/console.h"

extern uint8_t trampoline_start[], trampoline_end[];
extern uint8_t tr_cr3[], tr_stack[], tr_entry[], tr_arg[], tr_alive[];
extern uint64_t host_cr3, host_tsc_khz;

static uint8_t *tramp;
static void (*ap_fn)(unsigned);

#define FIELD(sym) ((volatile uint64_t *)(tramp + ((sym)-trampoline_start)))

#define APIC_BASE_X2APIC (1ull << 10)
#define XAPIC_ICR_LO	 0x300
#define XAPIC_ICR_HI	 0x310
#define ICR_BUSY	 (1u << 12)

void trampoline_install(uint64_t pa)
{
	tramp = (uint8_t *)pa;
	memcpy(tramp, trampoline_start, trampoline_end - trampoline_start);
}

static void delay_us(uint64_t us)
{
	uint64_t khz = host_tsc_khz ? host_tsc_khz : 1000000;
	uint64_t end = rdtsc() + us * khz / 1000;
	while (rdtsc() < end)
		cpu_relax();
}

/* One ICR write, x2APIC (MSR 0x830) or xAPIC (MMIO) as the BSP runs. */
static void send_ipi(uint32_t apic_id, uint32_t low)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (base & APIC_BASE_X2APIC) {
		wrmsr(0x830, ((uint64_t)apic_id << 32) | low);
		return;
	}
	volatile uint32_t *mmio = (void *)(base & ~0xFFFull);
	mmio[XAPIC_ICR_HI / 4] = apic_id << 24;
	mmio[XAPIC_ICR_LO / 4] = low;
	for (unsigned i = 0; i < 100000 && (mmio[XAPIC_ICR_LO / 4] & ICR_BUSY);
	     i++)
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
	send_ipi(apic_id, 0x4500); /* INIT, level assert */
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		send_ipi(apic_id, 0x4600 | vector); /* STARTUP */
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
		send_ipi(pc->apic_id, 0x400); /* NMI delivery mode */
}

void arch_cpu_wait(void)
{
	/* Interrupts stay masked in the host; an NMI (kick) ends the HLT. */
	__asm__ volatile("hlt");
}
