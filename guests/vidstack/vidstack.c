/* vidstack.elf: interrupts whose delivery writes pages for the first
 * time, in a partition whose writes are tracked (snapshot = yes).
 *
 * Tracking makes the CPU exit when a page the guest writes first is to be
 * noted: with write protection at that write, with a page-modification
 * log (VMX PML, 512 entries, SDM Vol. 3C 28.2.5) once the log is full, at
 * the next access that would add to it (Bochs: the next it translates).
 * When that access is part of pushing an interrupt frame, the exit comes
 * in the middle of delivering the interrupt, and the hypervisor must
 * deliver the same interrupt again (SDM Vol. 3C 27.2.4).
 *
 * Each round moves the stack to pages never written before and waits,
 * interrupts enabled, for the local APIC timer's one-shot interrupt; the
 * frame is the only write to those pages. Rounds alternate between a
 * frame inside one fresh page and a frame that straddles two (its first
 * write fills the log, its last lands on the next page): whatever the
 * log's phase, within three fillings of the log one ends on the first
 * page of a straddling frame, and the access to its second page exits in
 * the middle of the delivery. Every round must take exactly the timer's
 * interrupt: a lost one leaves its vector in ISR and no further tick (the
 * round times out); a wrong event runs another vector's handler.
 *
 * With the command line key x2apic=1 it drives its APIC through the x2APIC
 * MSRs instead of the xAPIC page (in a partition without tracking, on VMX
 * the CPU then delivers the ticks and retires their EOIs itself: x2APIC
 * virtualization).
 *
 * Output:
 *   vidstack: N rounds on M fresh pages, each the first write of a frame
 *   vidstack: FAIL ...                  (then exit status 1)
 *   vidstack: ok N ticks, ISR clear     (then exit status 0)
 */
#include "lib.h"

#define STACKS_BASE    0x200000u  /* fresh pages from here (above the image) */
#define STACKS_END     0x1000000u /* to the end of its 16 MiB */
#define TICK_VECTOR    0x40u
#define TICK_COUNT     20000u	   /* APIC timer count, divide by 1 */
#define ROUND_TICKS    0xC0000000u /* TSC: a round's limit (QEMU: 1.5 s) */
#define MSR_APIC_BASE  0x1Bu
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN   (1ull << 11)
#define X2APIC_MSR     0x800u /* + register offset / 16 */
#define XAPIC_BASE     0xFEE00000u
#define XAPIC_EOI      0xB0u
#define XAPIC_SVR      0xF0u
#define XAPIC_ISR      0x100u
#define XAPIC_LVT      0x320u
#define XAPIC_ICR      0x380u
#define XAPIC_DCR      0x3E0u
#define LVT_MASKED     (1u << 16)
#define IDT_GATES      256u

static bool x2apic;

static volatile uint32_t *xapic(uint32_t reg)
{
	return (volatile uint32_t *)(uintptr_t)(XAPIC_BASE + reg);
}

/* Register `reg` (its xAPIC offset) in the mode chosen. */
static uint32_t apic_read(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(X2APIC_MSR + reg / 16) : *xapic(reg);
}

static void apic_write(uint32_t reg, uint32_t val)
{
	if (x2apic)
		wrmsr(X2APIC_MSR + reg / 16, val);
	else
		*xapic(reg) = val;
}

/* xAPIC mode first, as the SDM requires on the way to x2APIC mode. */
static void x2apic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;
	wrmsr(MSR_APIC_BASE, base);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
}

/* vidstack_isr.asm: one stub per vector, each calling vidstack_vector. */
extern const uint32_t vidstack_stubs[IDT_GATES];

static uint64_t idt[IDT_GATES] __attribute__((aligned(8)));
static volatile uint32_t ticks;

/* Every vector ends here. The timer's counts; any other is an event this
 * guest never asked for (a wrong one delivered in the timer's place). */
void vidstack_vector(uint32_t vector);
void vidstack_vector(uint32_t vector)
{
	if (vector == TICK_VECTOR) {
		ticks++;
		apic_write(XAPIC_EOI, 0);
		return;
	}
	kprintf("vidstack: FAIL vector %u taken (only %u was asked for)\n",
		vector, TICK_VECTOR);
	guest_exit(1);
}

static void idt_install(void)
{
	uint16_t cs;
	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	for (unsigned i = 0; i < IDT_GATES; i++) {
		uint32_t a = vidstack_stubs[i];
		idt[i] = (a & 0xFFFFu) | (uint64_t)cs << 16 |
			 (uint64_t)0x8E << 40 | (uint64_t)(a >> 16) << 48;
	}
	idt_load((uint32_t)(uintptr_t)idt, (uint16_t)(sizeof(idt) - 1));
}

/* vidstack_isr.asm: switches ESP to `top`, enables interrupts until
 * *count differs from `seen` or `limit` TSC ticks passed, disables them
 * and switches back. */
void vidstack_wait_on(uint32_t top, volatile uint32_t *count, uint32_t seen,
		      uint32_t limit);

static uint32_t isr_bits(void)
{
	uint32_t any = 0;
	for (unsigned i = 0; i < 8; i++)
		any |= apic_read(XAPIC_ISR + i * 16);
	return any;
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	x2apic = cmdline_get_u32(mb_cmdline(mbi), "x2apic", 0) != 0;
	idt_install();
	outb(0x21, 0xFF); /* the 8259s masked: only the APIC timer */
	outb(0xA1, 0xFF);
	if (x2apic)
		x2apic_enable();
	apic_write(XAPIC_SVR, 0x1FF);
	apic_write(XAPIC_DCR, 0xB);
	apic_write(XAPIC_LVT, TICK_VECTOR); /* one-shot */
	uint32_t rounds = (STACKS_END - STACKS_BASE) / 4096u / 3u * 2u;
	kprintf("vidstack: %u rounds on %u fresh pages, each the first write "
		"of a frame\n",
		rounds, rounds / 2u * 3u);
	uint32_t page = STACKS_BASE;
	for (uint32_t i = 0; i < rounds; i++) {
		uint32_t seen = ticks, top;
		if (i & 1) { /* EFLAGS and CS on page + 4096, EIP on page */
			top = page + 4096u + 8u;
			page += 8192u;
		} else { /* all of it on page */
			top = page + 4096u - 16u;
			page += 4096u;
		}
		/* One shot a round: a periodic timer faster than the CPU
		 * takes its interrupts (QEMU) would leave no instruction
		 * between them. */
		apic_write(XAPIC_ICR, TICK_COUNT);
		vidstack_wait_on(top, &ticks, seen, (uint32_t)ROUND_TICKS);
		if (ticks != seen + 1) {
			kprintf(
			    "vidstack: FAIL not one tick in round %u (stack "
			    "0x%x): ISR words or'd 0x%x, %u ticks\n",
			    i, top, isr_bits(), ticks);
			guest_exit(1);
		}
	}
	apic_write(XAPIC_LVT, LVT_MASKED);
	uint32_t isr = isr_bits();
	if (isr) {
		kprintf("vidstack: FAIL ISR not clear at the end (0x%x)\n",
			isr);
		guest_exit(1);
	}
	kprintf("vidstack: ok %u ticks, ISR clear\n", ticks);
	guest_exit(0);
}
