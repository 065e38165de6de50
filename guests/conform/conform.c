/* conform.elf: CPU behaviours a kernel relies on, one line per check, so
 * the same kernel run on bare metal (QEMU's TCG without a hypervisor) and
 * in a partition can be compared line by line
 * (tests/integration/test_conform.sh, tests/conform-intended.txt). Every
 * line states what happened, never a pass/fail verdict, and holds nothing
 * that depends on the CPU model or on time: the exception taken, its
 * error code, where it was raised relative to the instruction (at it or
 * after it), and the debug status bits that say why.
 *
 * Output:
 *   conform: <check> <what happened>
 *   conform: done
 */
#include "lib.h"

#define DR6_BS	  (1u << 14) /* single step (SDM Vol. 3A 17.2.3) */
#define DR6_B0	  (1u << 0)
#define EFLAGS_TF (1u << 8)

/* The instructions under test, each between a start and an end label so
 * a check can say whether an exception came at or after it. Each routine
 * is called through trap_run() (cdecl, no arguments used). */
__asm__(
    ".text\n"
    ".globl c_div0, c_div0_at, c_div0_end\n"
    "c_div0: push %ebx\n xorl %ebx, %ebx\n movl $1, %eax\n xorl %edx, %edx\n"
    "c_div0_at: divl %ebx\n"
    "c_div0_end: pop %ebx\n ret\n"
    ".globl c_ud2, c_ud2_at, c_ud2_end\n"
    "c_ud2:\nc_ud2_at: ud2\nc_ud2_end: ret\n"
    ".globl c_int3, c_int3_at, c_int3_end\n"
    "c_int3:\nc_int3_at: int3\nc_int3_end: ret\n"
    ".globl c_rdmsr_bad, c_rdmsr_bad_at, c_rdmsr_bad_end\n"
    "c_rdmsr_bad: movl $0x4000FFF0, %ecx\n"
    "c_rdmsr_bad_at: rdmsr\nc_rdmsr_bad_end: ret\n"
    /* Single step: POPF sets TF, the trap comes after the instruction
     * that follows it (SDM Vol. 3A 17.3.1.4). */
    ".globl c_step_nop, c_step_nop_at, c_step_nop_end\n"
    "c_step_nop: pushf\n orl $0x100, (%esp)\n popf\n"
    "c_step_nop_at: nop\nc_step_nop_end: pushf\n andl $~0x100, (%esp)\n"
    " popf\n ret\n"
    ".globl c_step_cpuid, c_step_cpuid_at, c_step_cpuid_end\n"
    "c_step_cpuid: push %ebx\n xorl %eax, %eax\n xorl %ecx, %ecx\n pushf\n"
    " orl $0x100, (%esp)\n popf\n"
    "c_step_cpuid_at: cpuid\nc_step_cpuid_end: pushf\n"
    " andl $~0x100, (%esp)\n popf\n pop %ebx\n ret\n"
    ".globl c_step_in, c_step_in_at, c_step_in_end\n"
    "c_step_in: pushf\n orl $0x100, (%esp)\n popf\n"
    "c_step_in_at: inb $0x80, %al\nc_step_in_end: pushf\n"
    " andl $~0x100, (%esp)\n popf\n ret\n"
    ".globl c_step_rdmsr, c_step_rdmsr_at, c_step_rdmsr_end\n"
    "c_step_rdmsr: movl $0x1B, %ecx\n pushf\n orl $0x100, (%esp)\n popf\n"
    "c_step_rdmsr_at: rdmsr\nc_step_rdmsr_end: pushf\n"
    " andl $~0x100, (%esp)\n popf\n ret\n");

extern char c_div0[], c_div0_at[], c_div0_end[];
extern char c_ud2[], c_ud2_at[], c_ud2_end[];
extern char c_int3[], c_int3_at[], c_int3_end[];
extern char c_rdmsr_bad[], c_rdmsr_bad_at[], c_rdmsr_bad_end[];
extern char c_step_nop[], c_step_nop_at[], c_step_nop_end[];
extern char c_step_cpuid[], c_step_cpuid_at[], c_step_cpuid_end[];
extern char c_step_in[], c_step_in_at[], c_step_in_end[];
extern char c_step_rdmsr[], c_step_rdmsr_at[], c_step_rdmsr_end[];

static uint32_t read_dr6(void)
{
	uint32_t v;
	__asm__ __volatile__("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void write_dr6(uint32_t v)
{
	__asm__ __volatile__("mov %0, %%dr6" ::"r"(v));
}

static uint32_t read_dr7(void)
{
	uint32_t v;
	__asm__ __volatile__("mov %%dr7, %0" : "=r"(v));
	return v;
}

static void write_dr7(uint32_t v)
{
	__asm__ __volatile__("mov %0, %%dr7" ::"r"(v));
}

static void write_dr0(uint32_t v)
{
	__asm__ __volatile__("mov %0, %%dr0" ::"r"(v));
}

/* Where an exception came from, relative to [at, end). */
static const char *where(uint32_t eip, const char *at, const char *end)
{
	if (eip == (uint32_t)(uintptr_t)at)
		return "at-insn";
	if (eip == (uint32_t)(uintptr_t)end)
		return "after-insn";
	return "elsewhere";
}

/* Runs one routine and prints what it raised. */
static void check(const char *name, void (*fn)(void *), const char *at,
		  const char *end, bool debug)
{
	write_dr6(0xFFFF0FF0u); /* DR6's value at reset: no status bits */
	int vec = trap_run(fn, NULL);
	if (vec == TRAP_NONE) {
		kprintf("conform: %s none\n", name);
		return;
	}
	kprintf("conform: %s %s err=%x %s", name, trap_name(vec),
		(unsigned)trap_last.error, where(trap_last.eip, at, end));
	if (debug) {
		uint32_t dr6 = read_dr6();
		kprintf(" bs=%u b0=%u", (dr6 & DR6_BS) != 0,
			(dr6 & DR6_B0) != 0);
	}
	kprintf("\n");
}

#define CHECK(name, sym, debug)                                                \
	check(name, (void (*)(void *))(void *)sym, sym##_at, sym##_end, debug)

/* DR7 as written is what a later read gives, also across an instruction
 * the hypervisor handles (its exit must not reset the debug registers:
 * SDM Vol. 3C 27.3.1, 26.3.2.1). L0 on an address never executed. */
static void check_dr7_kept(void)
{
	write_dr0((uint32_t)(uintptr_t)c_ud2);
	write_dr7(0x401); /* L0, execute breakpoint; bit 10 reads 1 */
	(void)cpuid(0, 0);
	uint32_t dr7 = read_dr7();
	write_dr7(0x400);
	kprintf("conform: dr7-across-cpuid dr7=%x\n", (unsigned)dr7);
}

/* The TSC never goes backwards on one CPU (SDM Vol. 3B 17.17). */
static void check_tsc_monotonic(void)
{
	uint64_t last = rdtsc_ordered();
	bool ok = true;
	for (unsigned i = 0; i < 1000 && ok; i++) {
		uint64_t now = rdtsc_ordered();
		ok = now >= last;
		last = now;
	}
	kprintf("conform: tsc-monotonic %s\n", ok ? "yes" : "no");
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	(void)magic;
	(void)mbi_addr;
	trap_init();
	CHECK("divide-error", c_div0, false);
	CHECK("ud2", c_ud2, false);
	CHECK("int3", c_int3, false);
	CHECK("rdmsr-unimplemented", c_rdmsr_bad, false);
	CHECK("single-step-nop", c_step_nop, true);
	CHECK("single-step-cpuid", c_step_cpuid, true);
	CHECK("single-step-in", c_step_in, true);
	CHECK("single-step-rdmsr", c_step_rdmsr, true);
	check_dr7_kept();
	check_tsc_monotonic();
	kprintf("conform: done\n");
	return 0;
}
