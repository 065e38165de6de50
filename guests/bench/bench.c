/* bench.elf: measures the cost of the common VM exits with the TSC
 * (LFENCE; RDTSC around a loop): CPUID leaf 0, VMCALL BH_HC_VERSION, an IN
 * from a port nobody emulates, a read of the partition's own virtual UART
 * (LSR, 0x3FD), an RDMSR the hypervisor answers (IA32_APIC_BASE), a
 * read and an EOI of the local APIC through its xAPIC page (0xFEE00000,
 * as the APIC comes out of reset), a TSC-deadline WRMSR (armed far in the
 * future, the LVT timer masked in TSC-deadline mode), an x2APIC EOI, and
 * a NOP loop as the baseline.
 *
 * Command line keys:
 *   iters=N   iterations per operation (default 1000; 0 counts as 1)
 *   port=P    the port read by the "inport" row (default 0x2F0)
 *
 * Output (cycles/op is the integer average):
 *   bench: op        iters   cycles/op
 *   bench: cpuid     <N>     <n>
 *   bench: vmcall    <N>     <n>       ("skipped" when not on Bulkhead)
 *   bench: inport    <N>     <n>
 *   bench: uartread  <N>     <n>
 *   bench: rdmsr     <N>     <n>
 *   bench: xapicread <N>     <n>       (the APIC version register)
 *   bench: xapiceoi  <N>     <n>
 *   bench: deadline  <N>     <n>
 *   bench: x2apiceoi <N>     <n>
 *   bench: baseline  <N>     <n>
 *   bench: done                       (then exit status 0)
 */
#include "lib.h"

#define DEFAULT_ITERS	  1000u
#define DEFAULT_PORT	  0x2F0u
#define UART_LSR	  0x3FDu
#define MSR_APIC_BASE	  0x1Bu
#define MSR_TSC_DEADLINE  0x6E0u
#define X2APIC_EOI	  0x80Bu
#define XAPIC_VERSION	  0xFEE00030u
#define XAPIC_EOI	  0xFEE000B0u
#define X2APIC_LVT_TIMER  0x832u
#define APIC_BASE_EN_EXTD (3u << 10) /* xAPIC enable + x2APIC mode */
#define LVT_MASKED	  (1u << 16)
#define LVT_TSC_DEADLINE  (2u << 17)
#define FAR_AHEAD	  (1ull << 40) /* ticks: never fires here */

enum op {
	OP_CPUID,
	OP_VMCALL,
	OP_INPORT,
	OP_UART,
	OP_RDMSR,
	OP_XAPIC_READ,
	OP_XAPIC_EOI,
	OP_DEADLINE,
	OP_EOI,
	OP_BASELINE
};

static uint16_t in_port;
static uint64_t deadline;

/* x2APIC mode with the timer masked in TSC-deadline mode, for the
 * deadline and EOI rows; false if the APIC refuses (then they are
 * skipped). */
static bool x2apic_setup(void)
{
	uint64_t base;
	if (trap_rdmsr(MSR_APIC_BASE, &base) != TRAP_NONE ||
	    trap_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN_EXTD) != TRAP_NONE)
		return false;
	if (trap_wrmsr(X2APIC_LVT_TIMER,
		       LVT_MASKED | LVT_TSC_DEADLINE | 0xEF) != TRAP_NONE)
		return false;
	deadline = rdtsc_ordered() + FAR_AHEAD;
	return true;
}

/* Inlined into each row with a constant op, so the switch folds away and
 * every loop holds just its operation (the baseline row is a bare NOP
 * loop, as it was before there were more rows). */
#define INLINE static inline __attribute__((always_inline))

INLINE void run_once(enum op op)
{
	switch (op) {
	case OP_CPUID:
		(void)cpuid(0, 0);
		break;
	case OP_VMCALL:
		(void)bh_vmcall(BH_HC_VERSION, 0, 0, 0);
		break;
	case OP_INPORT:
		(void)inb(in_port);
		break;
	case OP_UART:
		(void)inb(UART_LSR);
		break;
	case OP_RDMSR:
		(void)rdmsr(MSR_APIC_BASE);
		break;
	case OP_XAPIC_READ:
		(void)*(volatile uint32_t *)(uintptr_t)XAPIC_VERSION;
		break;
	case OP_XAPIC_EOI:
		*(volatile uint32_t *)(uintptr_t)XAPIC_EOI = 0;
		break;
	case OP_DEADLINE:
		wrmsr(MSR_TSC_DEADLINE, deadline);
		break;
	case OP_EOI:
		wrmsr(X2APIC_EOI, 0);
		break;
	case OP_BASELINE:
		__asm__ __volatile__("nop");
		break;
	}
}

/* Average TSC cycles per operation over `iters` runs (after a warm-up). */
INLINE uint64_t measure(enum op op, uint32_t iters)
{
	run_once(op);
	uint64_t t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < iters; i++)
		run_once(op);
	uint64_t t1 = rdtsc_ordered();
	return udiv64(t1 - t0, iters, NULL);
}

INLINE void row(const char *name, uint32_t iters, enum op op)
{
	kprintf("bench: %-10s%-8u%llu\n", name, iters,
		(unsigned long long)measure(op, iters));
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	const char *cmdline = mb_cmdline(mbi);
	uint32_t iters = cmdline_get_u32(cmdline, "iters", DEFAULT_ITERS);

	if (iters == 0)
		iters = 1;
	in_port = (uint16_t)cmdline_get_u32(cmdline, "port", DEFAULT_PORT);

	kprintf("bench: %-10s%-8s%s\n", "op", "iters", "cycles/op");
	row("cpuid", iters, OP_CPUID);
	if (bh_present()) {
		int32_t v = (int32_t)bh_vmcall(BH_HC_VERSION, 0, 0, 0);
		if (v != BH_ABI_VERSION)
			kprintf("bench: warning: BH_HC_VERSION returned %d, "
				"expected %d\n",
				v, BH_ABI_VERSION);
		row(bh_vmmcall ? "vmmcall" : "vmcall", iters, OP_VMCALL);
	} else {
		/* VMCALL would #UD (and triple-fault) elsewhere */
		kprintf("bench: %-10s%-8u%s\n", "vmcall", iters, "skipped");
	}
	row("inport", iters, OP_INPORT);
	row("uartread", iters, OP_UART);
	row("rdmsr", iters, OP_RDMSR);
	row("xapicread", iters, OP_XAPIC_READ);
	row("xapiceoi", iters, OP_XAPIC_EOI);
	trap_init();
	if (x2apic_setup()) {
		row("deadline", iters, OP_DEADLINE);
		row("x2apiceoi", iters, OP_EOI);
	} else {
		kprintf("bench: %-10s%-8u%s\n", "deadline", iters, "skipped");
		kprintf("bench: %-10s%-8u%s\n", "x2apiceoi", iters, "skipped");
	}
	row("baseline", iters, OP_BASELINE);
	kprintf("bench: done\n");
	return 0;
}
