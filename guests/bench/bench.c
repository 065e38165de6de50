/* bench.elf: measures the cost of the common VM exits with the TSC
 * (LFENCE; RDTSC around a loop): CPUID leaf 0, VMCALL BH_HC_VERSION, an IN
 * from a port nobody emulates, and a NOP loop as the baseline.
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
 *   bench: baseline  <N>     <n>
 *   bench: done                       (then exit status 0)
 */
#include "lib.h"

#define DEFAULT_ITERS 1000u
#define DEFAULT_PORT  0x2F0u

enum op { OP_CPUID, OP_VMCALL, OP_INPORT, OP_BASELINE };

static uint16_t in_port;

static void run_once(enum op op)
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
	case OP_BASELINE:
		__asm__ __volatile__("nop");
		break;
	}
}

/* Average TSC cycles per operation over `iters` runs (after a warm-up). */
static uint64_t measure(enum op op, uint32_t iters)
{
	run_once(op);
	uint64_t t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < iters; i++)
		run_once(op);
	uint64_t t1 = rdtsc_ordered();
	return udiv64(t1 - t0, iters, NULL);
}

static void row(const char *name, uint32_t iters, enum op op)
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
	row("baseline", iters, OP_BASELINE);
	kprintf("bench: done\n");
	return 0;
}
