/* conform.elf: CPU behaviours a kernel relies on, one line per check, so
 * the same kernel run on bare metal (QEMU's TCG without a hypervisor) and
 * in a partition can be compared line by line
 * (tests/integration/test_conform.sh, tests/conform-intended.txt). Every
 * line states what happened, never a pass/fail verdict, and holds nothing
 * that depends on the CPU model or on time: the exception taken, its
 * error code, where it was raised relative to the instruction (at it or
 * after it), the debug status bits that say why, and whether control
 * registers, XCR0, XSAVE state and MSRs read back as written.
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
    /* RF set by the IRET onto CPUID (as a fault handler's IRET leaves
     * it), an instruction breakpoint on the NOP after it. */
    ".globl c_rf_cpuid, c_rf_cpuid_at, c_rf_cpuid_end\n"
    "c_rf_cpuid: push %ebx\n xorl %eax, %eax\n xorl %ecx, %ecx\n pushf\n"
    " orl $0x10000, (%esp)\n push %cs\n push $c_rf_cpuid_insn\n iret\n"
    "c_rf_cpuid_insn: cpuid\n"
    "c_rf_cpuid_at: nop\nc_rf_cpuid_end: pop %ebx\n ret\n"
    ".globl c_step_in, c_step_in_at, c_step_in_end\n"
    "c_step_in: pushf\n orl $0x100, (%esp)\n popf\n"
    "c_step_in_at: inb $0x80, %al\nc_step_in_end: pushf\n"
    " andl $~0x100, (%esp)\n popf\n ret\n"
    ".globl c_step_rdmsr, c_step_rdmsr_at, c_step_rdmsr_end\n"
    "c_step_rdmsr: movl $0x1B, %ecx\n pushf\n orl $0x100, (%esp)\n popf\n"
    "c_step_rdmsr_at: rdmsr\nc_step_rdmsr_end: pushf\n"
    " andl $~0x100, (%esp)\n popf\n ret\n"
    /* MOV SS blocks the single-step trap for one instruction (SDM Vol.
     * 3A 6.8.3): one #DB, after the CPUID that follows it. */
    ".globl c_step_movss, c_step_movss_at, c_step_movss_end\n"
    "c_step_movss: push %ebx\n xorl %eax, %eax\n xorl %ecx, %ecx\n"
    " movw %ss, %dx\n pushf\n orl $0x100, (%esp)\n popf\n"
    " movw %dx, %ss\n"
    "c_step_movss_at: cpuid\nc_step_movss_end: pushf\n"
    " andl $~0x100, (%esp)\n popf\n pop %ebx\n ret\n"
    /* A data write breakpoint (DR0, set up by the caller): a trap after
     * the writing instruction, B0 set, BS clear (SDM Vol. 3A 17.3.1.2). */
    ".globl c_watch, c_watch_at, c_watch_end, c_watch_var\n"
    "c_watch:\nc_watch_at: movl $1, c_watch_var\nc_watch_end: ret\n"
    ".data\n .balign 4\nc_watch_var: .long 0\n .text\n"
    /* A watchpoint hit by MOV SS's own load is held, like a single
     * step, until after the next instruction (SDM Vol. 3A 6.8.3). */
    ".globl c_watch_ss, c_watch_ss_at, c_watch_ss_end, c_ss_var\n"
    "c_watch_ss:\nc_watch_ss_at: movw c_ss_var, %ss\n nop\n"
    "c_watch_ss_end: ret\n"
    ".data\n .balign 4\nc_ss_var: .long 0x10\n .text\n"
    /* MOV from DR7 with DR7.GD set: a #DB fault at it, DR6.BD set
     * (SDM Vol. 3A 17.2.4). The handler's entry clears GD. */
    ".globl c_dr_gd, c_dr_gd_at, c_dr_gd_end\n"
    "c_dr_gd: movl %dr7, %eax\n orl $0x2000, %eax\n movl %eax, %dr7\n"
    "c_dr_gd_at: movl %dr7, %eax\nc_dr_gd_end: ret\n");

/* More instructions under test: exceptions with and without error codes
 * (SDM Vol. 3A 6.15 for each vector, the instruction pages of Vol. 2 for
 * when it is raised), control-register writes, XSETBV, RDTSC, XSAVE. A
 * routine that changes state when it does not fault puts it back after
 * its end label. */
__asm__(".text\n"
	/* A selector beyond the GDT limit: #GP(selector) (MOV, Vol. 2B). */
	".globl c_gp_sel, c_gp_sel_at, c_gp_sel_end\n"
	"c_gp_sel: movw $0x1234, %ax\n"
	"c_gp_sel_at: movw %ax, %ds\n"
	"c_gp_sel_end: movw $0x10, %ax\n movw %ax, %ds\n ret\n"
	/* A not-present data segment: #NP(selector) into DS, #SS(selector)
	 * into SS (MOV, Vol. 2B). */
	".globl c_np_ds, c_np_ds_at, c_np_ds_end\n"
	"c_np_ds: movw $0x18, %ax\n"
	"c_np_ds_at: movw %ax, %ds\n"
	"c_np_ds_end: movw $0x10, %ax\n movw %ax, %ds\n ret\n"
	".globl c_np_ss, c_np_ss_at, c_np_ss_end\n"
	"c_np_ss: movw $0x18, %ax\n"
	"c_np_ss_at: movw %ax, %ss\n"
	"c_np_ss_end: movw $0x10, %ax\n movw %ax, %ss\n ret\n"
	/* 20 outside [0, 10]: #BR, a fault (BOUND, Vol. 2A). */
	".globl c_bound, c_bound_at, c_bound_end\n"
	"c_bound: pushl $10\n pushl $0\n movl $20, %eax\n"
	"c_bound_at: bound %eax, (%esp)\n"
	"c_bound_end: addl $8, %esp\n ret\n"
	/* INTO with OF = 1: #OF, a trap (INTO, Vol. 2A). */
	".globl c_into, c_into_at, c_into_end\n"
	"c_into: movl $0x7FFFFFFF, %eax\n addl $1, %eax\n"
	"c_into_at: into\nc_into_end: ret\n"
	/* INT1 (F1): #DB, a trap (INT1, Vol. 2A). */
	".globl c_int1, c_int1_at, c_int1_end\n"
	"c_int1:\nc_int1_at: .byte 0xF1\nc_int1_end: ret\n"
	/* INT n through a gate of the IDT: no error code, after it. */
	".globl c_intn, c_intn_at, c_intn_end\n"
	"c_intn:\nc_intn_at: int $0x1F\nc_intn_end: ret\n"
	/* INT n beyond the IDT limit: #GP(n * 8 + 2), IDT bit set, EXT
	 * clear (Vol. 3A 6.13). */
	".globl c_int_lim, c_int_lim_at, c_int_lim_end\n"
	"c_int_lim:\nc_int_lim_at: int $0x40\nc_int_lim_end: ret\n"
	/* -2^31 / -1 does not fit: #DE (IDIV, Vol. 2A). */
	".globl c_idiv, c_idiv_at, c_idiv_end\n"
	"c_idiv: movl $0x80000000, %eax\n cltd\n movl $-1, %ecx\n"
	"c_idiv_at: idivl %ecx\nc_idiv_end: ret\n"
	/* LOCK ADD with a register destination: #UD (LOCK, Vol. 2A). */
	".globl c_lock, c_lock_at, c_lock_end\n"
	"c_lock:\nc_lock_at: .byte 0xF0, 0x01, 0xC1\nc_lock_end: ret\n"
	/* RSM outside SMM: #UD (RSM, Vol. 2B). */
	".globl c_rsm, c_rsm_at, c_rsm_end\n"
	"c_rsm:\nc_rsm_at: rsm\nc_rsm_end: ret\n"
	/* MOV to CR4 with PCIDE outside IA-32e mode, MOV to CR0 with PG
	 * and not PE: #GP(0) (MOV CR, Vol. 2B). */
	".globl c_cr4_pcide, c_cr4_pcide_at, c_cr4_pcide_end\n"
	"c_cr4_pcide: movl %cr4, %edx\n movl %edx, %eax\n"
	" orl $0x20000, %eax\n"
	"c_cr4_pcide_at: movl %eax, %cr4\n"
	"c_cr4_pcide_end: movl %edx, %cr4\n ret\n"
	".globl c_cr0_pg, c_cr0_pg_at, c_cr0_pg_end\n"
	"c_cr0_pg: movl %cr0, %edx\n movl %edx, %eax\n andl $~1, %eax\n"
	" orl $0x80000000, %eax\n"
	"c_cr0_pg_at: movl %eax, %cr0\n"
	"c_cr0_pg_end: movl %edx, %cr0\n ret\n"
	/* XSETBV: XCR0 = 1 without CR4.OSXSAVE is #UD, XCR0 = 0 with it
	 * #GP(0) (XSETBV, Vol. 2D). */
	".globl c_xsetbv1, c_xsetbv1_at, c_xsetbv1_end\n"
	"c_xsetbv1: xorl %ecx, %ecx\n movl $1, %eax\n xorl %edx, %edx\n"
	"c_xsetbv1_at: xsetbv\nc_xsetbv1_end: ret\n"
	".globl c_xsetbv0, c_xsetbv0_at, c_xsetbv0_end\n"
	"c_xsetbv0: xorl %ecx, %ecx\n xorl %eax, %eax\n xorl %edx, %edx\n"
	"c_xsetbv0_at: xsetbv\nc_xsetbv0_end: ret\n"
	/* RDTSC at CPL 0 with CR4.TSD = 1 (RDTSC, Vol. 2B: #GP only at
	 * CPL > 0); the caller sets and clears TSD. */
	".globl c_rdtsc, c_rdtsc_at, c_rdtsc_end\n"
	"c_rdtsc:\nc_rdtsc_at: rdtsc\nc_rdtsc_end: ret\n"
	/* x87 control word and XMM0 through XSAVE and XRSTOR of XCR0 = 3,
	 * each clobbered in between (Vol. 1 13.7, 13.8). */
	".globl c_xsave\n"
	"c_xsave: movdqu c_xmm_in, %xmm0\n fninit\n fldcw c_fcw_in\n"
	" movl $3, %eax\n xorl %edx, %edx\n xsave c_xsave_area\n"
	" pxor %xmm0, %xmm0\n fninit\n"
	" movl $3, %eax\n xorl %edx, %edx\n xrstor c_xsave_area\n"
	" movdqu %xmm0, c_xmm_out\n fnstcw c_fcw_out\n ret\n");

extern char c_div0[], c_div0_at[], c_div0_end[];
extern char c_ud2[], c_ud2_at[], c_ud2_end[];
extern char c_int3[], c_int3_at[], c_int3_end[];
extern char c_rdmsr_bad[], c_rdmsr_bad_at[], c_rdmsr_bad_end[];
extern char c_step_nop[], c_step_nop_at[], c_step_nop_end[];
extern char c_step_cpuid[], c_step_cpuid_at[], c_step_cpuid_end[];
extern char c_rf_cpuid[], c_rf_cpuid_at[], c_rf_cpuid_end[];
extern char c_step_in[], c_step_in_at[], c_step_in_end[];
extern char c_step_rdmsr[], c_step_rdmsr_at[], c_step_rdmsr_end[];
extern char c_step_movss[], c_step_movss_at[], c_step_movss_end[];
extern char c_watch[], c_watch_at[], c_watch_end[], c_watch_var[];
extern char c_watch_ss[], c_watch_ss_at[], c_watch_ss_end[], c_ss_var[];
extern char c_dr_gd[], c_dr_gd_at[], c_dr_gd_end[];
extern char c_gp_sel[], c_gp_sel_at[], c_gp_sel_end[];
extern char c_np_ds[], c_np_ds_at[], c_np_ds_end[];
extern char c_np_ss[], c_np_ss_at[], c_np_ss_end[];
extern char c_bound[], c_bound_at[], c_bound_end[];
extern char c_into[], c_into_at[], c_into_end[];
extern char c_int1[], c_int1_at[], c_int1_end[];
extern char c_intn[], c_intn_at[], c_intn_end[];
extern char c_int_lim[], c_int_lim_at[], c_int_lim_end[];
extern char c_idiv[], c_idiv_at[], c_idiv_end[];
extern char c_lock[], c_lock_at[], c_lock_end[];
extern char c_rsm[], c_rsm_at[], c_rsm_end[];
extern char c_cr4_pcide[], c_cr4_pcide_at[], c_cr4_pcide_end[];
extern char c_cr0_pg[], c_cr0_pg_at[], c_cr0_pg_end[];
extern char c_xsetbv1[], c_xsetbv1_at[], c_xsetbv1_end[];
extern char c_xsetbv0[], c_xsetbv0_at[], c_xsetbv0_end[];
extern char c_rdtsc[], c_rdtsc_at[], c_rdtsc_end[];
extern char c_xsave[];

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

/* RF that an IRET set lasts one instruction: the CPU clears it when that
 * instruction completes (SDM Vol. 3A 17.3.1.1), also when it is one the
 * hypervisor handles and skips, so the breakpoint on the next one fires. */
static void check_rf_cleared(void)
{
	write_dr0((uint32_t)(uintptr_t)c_rf_cpuid_at);
	write_dr7(0x401); /* L0, execute breakpoint */
	CHECK("rf-cleared-by-cpuid", c_rf_cpuid, true);
	write_dr7(0x400);
}

/* DR0 on a data word, DR7: L0, write-only (R/W0 = 01), 4 bytes (LEN0 =
 * 11), then off again. */
static void check_watchpoint(void)
{
	write_dr0((uint32_t)(uintptr_t)c_watch_var);
	write_dr7(0x000D0401u);
	CHECK("watchpoint-write", c_watch, true);
	write_dr0((uint32_t)(uintptr_t)c_ss_var);
	write_dr7(0x000F0401u); /* R/W0 = 11: reads and writes */
	CHECK("watchpoint-movss", c_watch_ss, true);
	write_dr7(0x400);
}

/* DR6.BD (bit 13): the general-detect condition. */
static void check_dr7_gd(void)
{
	write_dr6(0xFFFF0FF0u);
	int vec = trap_run((void (*)(void *))(void *)c_dr_gd, NULL);
	uint32_t dr6 = read_dr6();
	write_dr7(0x400);
	if (vec == TRAP_NONE) {
		kprintf("conform: dr7-gd none\n");
		return;
	}
	kprintf("conform: dr7-gd %s %s bd=%u\n", trap_name(vec),
		where(trap_last.eip, c_dr_gd_at, c_dr_gd_end),
		(dr6 >> 13) & 1u);
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

/* The TSC across two CPUs (SDM Vol. 3B 17.17: one clock, the same rate
 * on every CPU): the boot CPU starts the second one by the book (INIT,
 * SIPI, SIPI through its xAPIC, Vol. 3A 8.4.4.1), then they take turns
 * reading the TSC, each after seeing the other's last reading. Every
 * reading must be at least the one before it on the same CPU (monotonic)
 * and at least the other CPU's reading it waited for (causal). */
#define AP_PAGE	    0x7000u
#define AP_ROUNDS   200u
#define AP_WAIT	    20000000u
#define ICR_INIT    0x4500u /* INIT, level assert */
#define ICR_SIPI    0x4600u /* start-up; the vector is the page number */
#define XAPIC_ICR_L 0x300u
#define XAPIC_ICR_H 0x310u
__asm__(".section .rodata\n"
	".globl c_ap16, c_ap16_end\n"
	".code16\n"
	"c_ap16: cli\n cld\n movw %cs, %ax\n movw %ax, %ds\n"
	" lgdtl (c_ap_gdtr - c_ap16)\n"
	" movl %cr0, %eax\n orl $1, %eax\n movl %eax, %cr0\n"
	" ljmpl $0x08, $c_ap32\n"
	" .balign 4\n"
	"c_ap_gdtr: .word 23\n .long guest_gdt\n"
	"c_ap16_end:\n"
	".code32\n"
	".text\n"
	"c_ap32: movw $0x10, %ax\n movw %ax, %ds\n movw %ax, %es\n"
	" movw %ax, %ss\n movw %ax, %fs\n movw %ax, %gs\n"
	" movl $c_ap_stack_top, %esp\n"
	" call ap_conform_main\n"
	"1: cli\n hlt\n jmp 1b\n"
	".bss\n .balign 16\n .skip 4096\nc_ap_stack_top:\n"
	".text\n");
extern const char c_ap16[], c_ap16_end[];

static volatile uint32_t ap_turn, ap_bad_order, ap_bad_cause;
static volatile uint64_t ap_tsc_bsp, ap_tsc_ap;

void ap_conform_main(void);
void ap_conform_main(void)
{
	uint64_t last = 0;
	ap_turn = 1; /* started */
	for (uint32_t i = 0; i < AP_ROUNDS; i++) {
		while (ap_turn != 2 * i + 2)
			__asm__ __volatile__("pause");
		uint64_t t = rdtsc_ordered();
		ap_bad_order += t < last;
		ap_bad_cause += t < ap_tsc_bsp;
		last = ap_tsc_ap = t;
		ap_turn = 2 * i + 3;
	}
}

static void xapic_ipi(uint32_t apic_id, uint32_t icr)
{
	volatile uint32_t *a = (volatile uint32_t *)(uintptr_t)0xFEE00000u;
	a[XAPIC_ICR_H / 4] = apic_id << 24;
	a[XAPIC_ICR_L / 4] = icr;
	for (unsigned i = 0; i < 100000 && (a[XAPIC_ICR_L / 4] & (1u << 12));
	     i++)
		;
}

static bool wait_turn(uint32_t turn)
{
	for (uint32_t i = 0; i < AP_WAIT; i++) {
		if (ap_turn == turn)
			return true;
		__asm__ __volatile__("pause");
	}
	return false;
}

static void check_tsc_two_cpus(void)
{
	memcpy((void *)(uintptr_t)AP_PAGE, c_ap16,
	       (size_t)(c_ap16_end - c_ap16));
	xapic_ipi(1, ICR_INIT);
	xapic_ipi(1, ICR_SIPI | AP_PAGE >> 12);
	xapic_ipi(1, ICR_SIPI | AP_PAGE >> 12);
	if (!wait_turn(1)) {
		kprintf("conform: tsc-two-cpus ap-started=no\n");
		return;
	}
	uint64_t last = 0;
	uint32_t bad_order = 0, bad_cause = 0;
	bool lost = false;
	for (uint32_t i = 0; i < AP_ROUNDS && !lost; i++) {
		uint64_t t = rdtsc_ordered();
		bad_order += t < last;
		bad_cause += i > 0 && t < ap_tsc_ap;
		last = ap_tsc_bsp = t;
		ap_turn = 2 * i + 2;
		lost = !wait_turn(2 * i + 3);
	}
	kprintf("conform: tsc-two-cpus ap-started=yes rounds=%s "
		"monotonic=%s causal=%s\n",
		lost ? "lost" : "all", bad_order + ap_bad_order ? "no" : "yes",
		bad_cause + ap_bad_cause ? "no" : "yes");
}

/* ---- Segments --------------------------------------------------------*/

/* start32.asm's GDT and one more descriptor: the flat data segment with
 * P = 0, for #NP and #SS. The selectors in use keep their descriptors. */
#define SEL_NOT_PRESENT 0x18
extern const char guest_gdt[], guest_gdt_end[];
#define SEL_CODE16 0x20 /* base 0, limit 64 KiB, for the way to real mode */
#define SEL_DATA16 0x28
#define SEL_CODE64 0x30 /* L=1: 64-bit code, for the long mode checks */
static uint64_t conform_gdt[7] __attribute__((aligned(8)));

static void gdt_init(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} p = {sizeof(conform_gdt) - 1, (uint32_t)(uintptr_t)conform_gdt};
	memcpy(conform_gdt, guest_gdt, (size_t)(guest_gdt_end - guest_gdt));
	conform_gdt[SEL_NOT_PRESENT / 8] = 0x00CF13000000FFFFull;
	conform_gdt[SEL_CODE16 / 8] = 0x00009A000000FFFFull;
	conform_gdt[SEL_DATA16 / 8] = 0x000092000000FFFFull;
	conform_gdt[SEL_CODE64 / 8] = 0x00209A0000000000ull;
	__asm__ __volatile__("lgdt %0" ::"m"(p) : "memory");
}

/* ---- Control registers ---------------------------------------------------*/

#define CR0_MP	       (1u << 1)
#define CR0_EM	       (1u << 2)
#define CR0_TS	       (1u << 3)
#define CR0_ET	       (1u << 4)
#define CR0_NE	       (1u << 5)
#define CR0_WP	       (1u << 16)
#define CR0_AM	       (1u << 18)
#define CR4_VME	       (1u << 0)
#define CR4_PVI	       (1u << 1)
#define CR4_TSD	       (1u << 2)
#define CR4_DE	       (1u << 3)
#define CR4_PSE	       (1u << 4)
#define CR4_PGE	       (1u << 7)
#define CR4_PCE	       (1u << 8)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE    (1u << 18)

struct cr_bit {
	const char *name;
	uint32_t bit;
};

/* Sets and clears one bit of CR0 (cr 0) or CR4 (cr 4) and prints what
 * each read gives after it, e.g. "wp=10"; restores the register. */
static void cr_toggle(unsigned cr, const struct cr_bit *b)
{
	uint32_t orig = cr == 0 ? read_cr0() : read_cr4();
	uint32_t got[2];
	for (unsigned i = 0; i < 2; i++) {
		uint32_t v = i == 0 ? orig | b->bit : orig & ~b->bit;
		if (cr == 0) {
			write_cr0(v);
			got[i] = read_cr0();
		} else {
			write_cr4(v);
			got[i] = read_cr4();
		}
	}
	if (cr == 0)
		write_cr0(orig);
	else
		write_cr4(orig);
	kprintf(" %s=%u%u", b->name, (got[0] & b->bit) != 0,
		(got[1] & b->bit) != 0);
}

/* Bits a kernel may flip at any time read back as written (SDM Vol. 3A
 * 2.5); CR0.ET is fixed at 1 (ibid.). CR0.NE and CR4.VME are bits a
 * hypervisor may hold for itself and must show to the guest as
 * written. */
static void check_cr_readback(void)
{
	static const struct cr_bit cr0[] = {
	    {"mp", CR0_MP}, {"ts", CR0_TS}, {"et", CR0_ET},
	    {"ne", CR0_NE}, {"wp", CR0_WP}, {"am", CR0_AM},
	};
	static const struct cr_bit cr4[] = {
	    {"vme", CR4_VME},
	    {"pvi", CR4_PVI},
	    {"tsd", CR4_TSD},
	    {"de", CR4_DE},
	    {"pse", CR4_PSE},
	    {"pge", CR4_PGE},
	    {"pce", CR4_PCE},
	    {"osfxsr", CR4_OSFXSR},
	    {"osxmmexcpt", CR4_OSXMMEXCPT},
	};
	kprintf("conform: cr0-readback");
	for (size_t i = 0; i < sizeof(cr0) / sizeof(cr0[0]); i++)
		cr_toggle(0, &cr0[i]);
	kprintf("\nconform: cr4-readback");
	for (size_t i = 0; i < sizeof(cr4) / sizeof(cr4[0]); i++)
		cr_toggle(4, &cr4[i]);
	kprintf("\n");
}

/* 4 MiB pages mapping the first 4 GiB one to one (CR4.PSE). */
static uint32_t ident_pd[1024] __attribute__((aligned(4096)));

static uint32_t read_cr3(void)
{
	uint32_t v;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void write_cr3(uint32_t v)
{
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(v) : "memory");
}

/* MOV to CR0 with PG = 1 and PE = 0 is #GP(0) (SDM Vol. 2B MOV CR). A
 * CPU that takes it anyway (QEMU's TCG does) pages through an identity
 * map here, so the next instruction, which puts CR0 back, still runs. */
static void check_cr0_pg_without_pe(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		ident_pd[i] = (i << 22) | 0x83; /* present, writable, 4 MiB */
	uint32_t cr3 = read_cr3(), cr4 = read_cr4();
	write_cr4(cr4 | CR4_PSE);
	write_cr3((uint32_t)(uintptr_t)ident_pd);
	CHECK("cr0-pg-without-pe", c_cr0_pg, false);
	write_cr3(cr3);
	write_cr4(cr4);
}

/* A routine run with a CR4 bit set for it, then cleared again. */
static void check_with_cr4(const char *name, void (*fn)(void *), const char *at,
			   const char *end, uint32_t bit)
{
	uint32_t cr4 = read_cr4();
	write_cr4(cr4 | bit);
	check(name, fn, at, end, false);
	write_cr4(cr4);
}

#define CHECK_CR4(name, sym, bit)                                              \
	check_with_cr4(name, (void (*)(void *))(void *)sym, sym##_at,          \
		       sym##_end, bit)

/* ---- CPUID and XSAVE ----------------------------------------------------*/

#define CPUID1_EDX_FPU	   (1u << 0)
#define CPUID1_EDX_TSC	   (1u << 4)
#define CPUID1_EDX_MSR	   (1u << 5)
#define CPUID1_EDX_APIC	   (1u << 9)
#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define EXT1_EDX_RDTSCP	   (1u << 27)
#define APIC_BASE_EN	   (1u << 11)
#define XCR0_X87_SSE	   3u
#define XCR0_AVX	   (1u << 2)

static void do_rdtsc(void *ctx)
{
	*(uint64_t *)ctx = rdtsc_ordered();
}

/* Leaf 0 counts at least leaf 1; FPU, TSC and MSR are set on every
 * x86-64 CPU and RDTSC works; the APIC flag follows IA32_APIC_BASE.EN
 * (SDM Vol. 2A CPUID, Vol. 3A 10.4.3). */
static void check_cpuid_basic(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t tsc, base;
	bool rdtsc_ok = trap_run(do_rdtsc, &tsc) == TRAP_NONE;
	const char *apic = "fault";
	if (trap_rdmsr(0x1B, &base) == TRAP_NONE)
		apic = ((r.edx & CPUID1_EDX_APIC) != 0) ==
			       ((base & APIC_BASE_EN) != 0)
			   ? "yes"
			   : "no";
	kprintf("conform: cpuid-basic max-ge-1=%u fpu=%u tsc=%u msr=%u "
		"rdtsc=%s apic-follows-base=%s\n",
		cpuid(0, 0).eax >= 1, (r.edx & CPUID1_EDX_FPU) != 0,
		(r.edx & CPUID1_EDX_TSC) != 0, (r.edx & CPUID1_EDX_MSR) != 0,
		rdtsc_ok ? "ok" : "fault", apic);
}

static bool has_xsave(void)
{
	return (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) != 0;
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv0(uint64_t v)
{
	__asm__ __volatile__("xsetbv" ::"c"(0), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)));
}

/* CPUID.1:ECX.OSXSAVE reads CR4.OSXSAVE (SDM Vol. 2A CPUID). */
static void check_cpuid_osxsave(void)
{
	if (!has_xsave()) {
		kprintf("conform: cpuid-osxsave no-xsave\n");
		return;
	}
	uint32_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_OSXSAVE);
	bool on = (cpuid(1, 0).ecx & CPUID1_ECX_OSXSAVE) != 0;
	write_cr4(cr4 & ~CR4_OSXSAVE);
	bool off = (cpuid(1, 0).ecx & CPUID1_ECX_OSXSAVE) != 0;
	write_cr4(cr4);
	kprintf("conform: cpuid-osxsave set=%u clear=%u\n", on, off);
}

/* XSETBV's checks: #UD without CR4.OSXSAVE, #GP(0) for an XCR0 without
 * x87 (SDM Vol. 2D XSETBV). XCR0 and CR4 are put back. */
static void check_xsetbv_faults(void)
{
	uint32_t cr4 = read_cr4();
	write_cr4(cr4 & ~CR4_OSXSAVE);
	CHECK("xsetbv-without-osxsave", c_xsetbv1, false);
	if (!has_xsave()) {
		kprintf("conform: xsetbv-x87-clear no-xsave\n");
		write_cr4(cr4);
		return;
	}
	write_cr4(cr4 | CR4_OSXSAVE);
	uint64_t xcr0 = xgetbv0();
	CHECK("xsetbv-x87-clear", c_xsetbv0, false);
	xsetbv0(xcr0);
	write_cr4(cr4);
}

/* RF in the EFLAGS image a fault pushes (SDM 17.3.1.1: set for every
 * fault-class exception but an instruction breakpoint), for a #GP the
 * CPU raises itself (a selector beyond the GDT), a #UD, and the faults a
 * hypervisor raises on the guest's behalf: XSETBV of an invalid XCR0 and
 * RDMSR of an MSR that does not exist. "-" when no fault came. */
static const char *rf_of(void (*fn)(void *))
{
	if (trap_run(fn, NULL) == TRAP_NONE)
		return "-";
	return trap_last.eflags & (1u << 16) ? "1" : "0";
}

static void check_fault_rf(void)
{
	const char *sel = rf_of((void (*)(void *))(void *)c_gp_sel);
	kprintf("conform: fault-rf selector-gp=%s", sel);
	kprintf(" ud2=%s", rf_of((void (*)(void *))(void *)c_ud2));
	kprintf(" rdmsr-gp=%s", rf_of((void (*)(void *))(void *)c_rdmsr_bad));
	uint32_t cr4 = read_cr4();
	const char *xs = "-";
	if (has_xsave()) {
		write_cr4(cr4 | CR4_OSXSAVE);
		uint64_t xcr0 = xgetbv0();
		xs = rf_of((void (*)(void *))(void *)c_xsetbv0);
		xsetbv0(xcr0);
		write_cr4(cr4);
	}
	kprintf(" xsetbv-gp=%s\n", xs);
	/* Whatever the CPU does, a #GP for XSETBV (which a hypervisor may
	 * raise itself) looks like its own #GP. */
	kprintf("conform: fault-rf-alike xsetbv-as-selector=%s\n",
		xs[0] == sel[0] ? "yes" : "no");
}

/* XGETBV reads what XSETBV wrote, and CPUID.(0DH,0):EBX, the XSAVE size
 * for the components XCR0 enables, grows with AVX (SDM Vol. 1 13.3,
 * 13.4). Sizes are the model's; only whether it grew is printed. */
static void check_xcr0_avx(void)
{
	if (!has_xsave() || !(cpuid(0xD, 0).eax & XCR0_AVX)) {
		kprintf("conform: xcr0-avx no-avx\n");
		return;
	}
	uint32_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_OSXSAVE);
	uint64_t xcr0 = xgetbv0();
	xsetbv0(XCR0_X87_SSE);
	uint32_t small = cpuid(0xD, 0).ebx;
	xsetbv0(XCR0_X87_SSE | XCR0_AVX);
	uint64_t got = xgetbv0();
	uint32_t big = cpuid(0xD, 0).ebx;
	xsetbv0(xcr0);
	write_cr4(cr4);
	kprintf("conform: xcr0-avx xgetbv=%x cpuid-d-size-grew=%s\n",
		(unsigned)got, big > small ? "yes" : "no");
}

/* Read by c_xsave. */
uint8_t c_xsave_area[4096] __attribute__((aligned(64)));
uint8_t c_xmm_in[16], c_xmm_out[16];
uint16_t c_fcw_in, c_fcw_out;

/* XRSTOR gives back what XSAVE saved (SDM Vol. 1 13.7, 13.8). SSE needs
 * CR4.OSFXSR and CR0.EM = 0; TS = 0 so that no #NM comes. */
static void check_xsave_roundtrip(void)
{
	if (!has_xsave() || cpuid(0xD, 0).ebx > sizeof(c_xsave_area)) {
		kprintf("conform: xsave-roundtrip no-xsave\n");
		return;
	}
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();
	write_cr0((cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(cr4 | CR4_OSFXSR | CR4_OSXSAVE);
	uint64_t xcr0 = xgetbv0();
	xsetbv0(XCR0_X87_SSE);
	memset(c_xsave_area, 0, sizeof(c_xsave_area)); /* a clean header */
	for (unsigned i = 0; i < sizeof(c_xmm_in); i++)
		c_xmm_in[i] = (uint8_t)(0xA5 ^ (i * 17));
	memset(c_xmm_out, 0, sizeof(c_xmm_out));
	c_fcw_in = 0x027F; /* round to nearest, 53-bit precision */
	c_fcw_out = 0;
	int vec = trap_run((void (*)(void *))(void *)c_xsave, NULL);
	xsetbv0(xcr0);
	write_cr4(cr4);
	write_cr0(cr0);
	if (vec != TRAP_NONE) {
		kprintf("conform: xsave-roundtrip %s\n", trap_name(vec));
		return;
	}
	kprintf("conform: xsave-roundtrip xmm0=%s fcw=%s\n",
		memcmp(c_xmm_in, c_xmm_out, sizeof(c_xmm_in)) ? "no" : "yes",
		c_fcw_out == c_fcw_in ? "yes" : "no");
}

/* ---- MSRs ----------------------------------------------------------------*/

#define MSR_SYSENTER_CS	 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT		 0x277
#define MSR_MISC_ENABLE	 0x1A0
#define MSR_EFER	 0xC0000080u
#define MSR_TSC_AUX	 0xC0000103u
#define EFER_SCE	 1ull

/* Writes val, reads it back and restores the old value: "yes" if the
 * read gave val, else "no" or the exception taken. */
static const char *msr_roundtrip(uint32_t msr, uint64_t val)
{
	uint64_t old, got;
	int vec = trap_rdmsr(msr, &old);
	if (vec == TRAP_NONE)
		vec = trap_wrmsr(msr, val);
	if (vec != TRAP_NONE)
		return trap_name(vec);
	vec = trap_rdmsr(msr, &got);
	trap_wrmsr(msr, old);
	if (vec != TRAP_NONE)
		return trap_name(vec);
	return got == val ? "yes" : "no";
}

/* IA32_MISC_ENABLE's read/write bits read back as written (SDM Vol. 4
 * Table 2-2): automatic thermal control (3) set, fast strings (0)
 * cleared, each then restored. */
static void check_misc_enable(void)
{
	uint64_t old;
	int vec = trap_rdmsr(MSR_MISC_ENABLE, &old);
	if (vec != TRAP_NONE) {
		kprintf("conform: msr-misc-enable %s\n", trap_name(vec));
		return;
	}
	kprintf("conform: msr-misc-enable tcc=%s",
		msr_roundtrip(MSR_MISC_ENABLE, old | (1u << 3)));
	kprintf(" fast-strings-off=%s\n",
		msr_roundtrip(MSR_MISC_ENABLE, old & ~1ull));
}

#define MSR_MTRRCAP	    0xFE
#define MSR_MTRR_DEFTYPE    0x2FF
#define MSR_MTRR_PHYSBASE7  0x20E
#define MSR_MTRR_FIX4K_C000 0x268
#define MSR_MCG_CAP	    0x179
#define MSR_MCG_STATUS	    0x17A
#define CPUID1_EDX_MCE	    (1u << 7)
#define CPUID1_EDX_MTRR	    (1u << 12)
#define CPUID1_EDX_MCA	    (1u << 14)

static unsigned cpuid1_edx_bit(uint32_t bit)
{
	return (cpuid(1, 0).edx & bit) != 0;
}

/* MTRRs as firmware leaves them and as a kernel reprograms them (SDM Vol.
 * 3A 11.11): CPUID's flag, MTRRCAP's fields, MTRRdefType, read-back of
 * an unused variable range (PHYSBASE7, its PHYSMASK's valid bit clear)
 * and of a fixed range with every defined type. */
static void check_mtrr(void)
{
	uint64_t cap, def;
	kprintf("conform: mtrr cpuid=%u", cpuid1_edx_bit(CPUID1_EDX_MTRR));
	int vec = trap_rdmsr(MSR_MTRRCAP, &cap);
	if (vec == TRAP_NONE)
		vec = trap_rdmsr(MSR_MTRR_DEFTYPE, &def);
	if (vec != TRAP_NONE) {
		kprintf(" %s\n", trap_name(vec));
		return;
	}
	kprintf(" vcnt=%u fix=%u wc=%u def=%x", (unsigned)(cap & 0xFF),
		(unsigned)(cap >> 8) & 1, (unsigned)(cap >> 10) & 1,
		(unsigned)def);
	kprintf(" var-rw=%s", msr_roundtrip(MSR_MTRR_PHYSBASE7, 0x10000006));
	kprintf(" fixed-rw=%s\n",
		msr_roundtrip(MSR_MTRR_FIX4K_C000, 0x0605040100060504ull));
}

/* What hardware refuses with #GP (SDM Vol. 3A 11.11.2): a write to the
 * read-only MTRRCAP and an undefined memory type (2) in a range. */
static void check_mtrr_refused(void)
{
	uint64_t cap, base;
	if (trap_rdmsr(MSR_MTRRCAP, &cap) != TRAP_NONE ||
	    trap_rdmsr(MSR_MTRR_PHYSBASE7, &base) != TRAP_NONE) {
		kprintf("conform: mtrr-refused no-mtrrs\n");
		return;
	}
	int cap_vec = trap_wrmsr(MSR_MTRRCAP, cap);
	int type_vec = trap_wrmsr(MSR_MTRR_PHYSBASE7, 0x10000002);
	trap_wrmsr(MSR_MTRR_PHYSBASE7, base);
	kprintf("conform: mtrr-refused cap-write=%s undefined-type=%s\n",
		trap_name(cap_vec), trap_name(type_vec));
}

#define MSR_DEBUGCTL 0x1D9
#define DEBUGCTL_BTF (1u << 1)

/* IA32_DEBUGCTL (SDM Vol. 3B 17.4.1): readable, 0 at reset, and clearing
 * it (what a kernel does) works. Setting BTF is its own line. */
static void check_debugctl(void)
{
	uint64_t val = 0;
	int vec = trap_rdmsr(MSR_DEBUGCTL, &val);
	kprintf("conform: debugctl read=%s value=%x clear=%s\n", trap_name(vec),
		(unsigned)val, trap_name(trap_wrmsr(MSR_DEBUGCTL, 0)));
	kprintf("conform: debugctl-btf rw=%s\n",
		msr_roundtrip(MSR_DEBUGCTL, DEBUGCTL_BTF));
}

/* Machine-check architecture (SDM Vol. 3B 15.3.1): CPUID's MCE and MCA,
 * MCG_CAP readable, MCG_STATUS written 0 (what a handler does) reads 0.
 * How many banks is its own line. */
static void check_mca(void)
{
	uint64_t cap;
	kprintf("conform: mca cpuid-mce=%u cpuid-mca=%u",
		cpuid1_edx_bit(CPUID1_EDX_MCE), cpuid1_edx_bit(CPUID1_EDX_MCA));
	int vec = trap_rdmsr(MSR_MCG_CAP, &cap);
	kprintf(" cap=%s status-rw=%s\n", trap_name(vec),
		msr_roundtrip(MSR_MCG_STATUS, 0));
	if (vec == TRAP_NONE)
		kprintf("conform: mca-banks n=%u ctl=%u\n",
			(unsigned)(cap & 0xFF), (unsigned)(cap >> 8) & 1);
}

/* Registers a kernel writes read back as written: SYSENTER (SDM Vol. 3A
 * 5.8.7), PAT with valid types (11.12.2), EFER.SCE (2.2.1). */
static void check_msr_readback(void)
{
	kprintf("conform: msr-sysenter cs=%s esp=%s eip=%s\n",
		msr_roundtrip(MSR_SYSENTER_CS, 0x8),
		msr_roundtrip(MSR_SYSENTER_ESP, 0x12345670),
		msr_roundtrip(MSR_SYSENTER_EIP, 0x00201000));
	/* The power-on PAT with PA5 WT -> WC. */
	kprintf("conform: msr-pat %s\n",
		msr_roundtrip(MSR_PAT, 0x0007010600070406ull));
	uint64_t efer;
	int vec = trap_rdmsr(MSR_EFER, &efer);
	if (vec != TRAP_NONE) {
		kprintf("conform: msr-efer-sce %s\n", trap_name(vec));
		return;
	}
	kprintf("conform: msr-efer-sce set=%s",
		msr_roundtrip(MSR_EFER, efer | EFER_SCE));
	kprintf(" clear=%s\n", msr_roundtrip(MSR_EFER, efer & ~EFER_SCE));
}

static bool has_rdtscp(void)
{
	return cpuid(0x80000000, 0).eax >= 0x80000001 &&
	       (cpuid(0x80000001, 0).edx & EXT1_EDX_RDTSCP);
}

static uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSCP returns IA32_TSC_AUX in ECX and reads the TSC after all earlier
 * instructions, so never below an RDTSC before it (SDM Vol. 2B RDTSCP,
 * Vol. 3B 17.17). */
static void check_tsc_aux(void)
{
	if (!has_rdtscp()) {
		kprintf("conform: msr-tsc-aux no-rdtscp\n");
		return;
	}
	uint64_t old;
	if (trap_rdmsr(MSR_TSC_AUX, &old) != TRAP_NONE ||
	    trap_wrmsr(MSR_TSC_AUX, 0x2A) != TRAP_NONE) {
		kprintf("conform: msr-tsc-aux msr-fault\n");
		return;
	}
	uint32_t aux = 0;
	bool ordered = true;
	for (unsigned i = 0; i < 100 && ordered; i++) {
		uint64_t before = rdtsc_ordered();
		ordered = rdtscp(&aux) >= before && aux == 0x2A;
	}
	uint64_t got;
	bool read_ok = trap_rdmsr(MSR_TSC_AUX, &got) == TRAP_NONE;
	trap_wrmsr(MSR_TSC_AUX, old);
	kprintf("conform: msr-tsc-aux rdmsr=%s rdtscp=%s\n",
		read_ok && got == 0x2A ? "yes" : "no", ordered ? "yes" : "no");
}

/* ---- Back to real mode -----------------------------------------------*/

/* The way from 32-bit protected mode to real mode and back (SDM Vol. 3A
 * 9.9.2 and 9.9.1): a 16-bit code segment, CR0.PE cleared, a far jump to
 * a real-mode CS, some 16-bit work, CR0.PE set, a far jump back. The
 * 16-bit part is copied below 1 MiB (RM_BASE) to run; it leaves what it
 * saw at RM_BASE + RM_OUT: CR0's low word, a word written through ES =
 * segment and read back through DS = 0 (real-mode addressing), and the
 * UART's scratch register written and read back with port I/O. */
#define RM_BASE 0x1000u
#define RM_OUT	0xF00u
__asm__(".text\n"
	".globl c_rm16, c_rm16_end, c_realmode\n"
	".code16\n"
	"c_rm16: movw $0x28, %ax\n movw %ax, %ds\n movw %ax, %es\n"
	" movw %ax, %ss\n"
	" movl %cr0, %eax\n andl $~1, %eax\n movl %eax, %cr0\n"
	" ljmp $0x100, $(1f - c_rm16)\n"
	"1: xorw %ax, %ax\n movw %ax, %ds\n movw %ax, %ss\n"
	" movw $0x1F00, %sp\n"
	" movl %cr0, %eax\n movw %ax, 0x1F00\n"
	" movw $0x1E0, %ax\n movw %ax, %es\n"
	" movw $0x5A17, %es:0x104\n"
	" movw 0x1F04, %ax\n movw %ax, 0x1F02\n"
	" movw $0x3FF, %dx\n movb $0xA5, %al\n outb %al, %dx\n"
	" xorb %al, %al\n inb %dx, %al\n movb %al, 0x1F06\n"
	" movl %cr0, %eax\n orl $1, %eax\n movl %eax, %cr0\n"
	" ljmpl $0x08, $c_rm_back\n"
	"c_rm16_end:\n"
	".code32\n"
	"c_realmode: pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
	" movl %esp, c_rm_esp\n"
	" ljmp $0x20, $0x1000\n"
	"c_rm_back: movw $0x10, %ax\n movw %ax, %ds\n movw %ax, %es\n"
	" movw %ax, %ss\n movw %ax, %fs\n movw %ax, %gs\n"
	" movl c_rm_esp, %esp\n"
	" popl %edi\n popl %esi\n popl %ebx\n popl %ebp\n ret\n"
	".data\n c_rm_esp: .long 0\n .text\n");
extern char c_rm16[], c_rm16_end[];
void c_realmode(void);

static void check_realmode_roundtrip(void)
{
	volatile uint16_t *out =
	    (volatile uint16_t *)(uintptr_t)(RM_BASE + RM_OUT);
	memcpy((void *)(uintptr_t)RM_BASE, c_rm16,
	       (size_t)(c_rm16_end - c_rm16));
	out[0] = out[1] = out[2] = out[3] = 0xFFFF;
	c_realmode();
	kprintf("conform: real-mode-roundtrip cr0.pe=%u seg-write=%x io=%x\n",
		out[0] & 1u, (unsigned)out[1], (unsigned)(out[3] & 0xFF));
}

/* Exceptions in real mode (SDM Vol. 3A 20.1.4): delivered through the
 * IVT at 0 with FLAGS, CS and IP pushed and never an error code; a fault
 * pushes the IP of the faulting instruction, a trap or INT n the IP after
 * it. Among them two faults the hypervisor raises itself where it takes
 * the instruction (on VMX every XSETBV exits): XSETBV with an invalid XCR0
 * and XSETBV of XCR1 (#GP, which in real mode must come without its
 * error code). The blob runs at RM_BASE like the round trip's; each test names
 * where to go on (RMX_CONT) and the handler of every vector records the
 * vector, SP at its entry and the two words on top of its stack, then
 * goes on there. C sets up the IVT and IDTR around it. */
#define RMX_CONT  0x1F20u /* word: the offset to go on at */
#define RMX_SP	  0x1F22u /* word: SP before the test */
#define RMX_TEST  0x1F24u /* word: the test's index */
#define RMX_VEC	  0x1F26u /* word: the vector being taken */
#define RMX_XSAVE 0x1F2Eu /* word: 1 = run the XSETBV test */
#define RMX_IDTR  0x1F10u /* the IVT's IDTR image: limit 0x3FF, base 0 */
#define RMX_REC	  0x1F40u /* 8 bytes per test: vec, sp, top, top+2 */
#define RMX_TESTS 6u
#define RM_SEG	  0x100u
__asm__(".text\n"
	".globl c_rmx16, c_rmx16_end\n"
	".code16\n"
	"c_rmx16: movw $0x28, %ax\n movw %ax, %ds\n movw %ax, %es\n"
	" movw %ax, %ss\n"
	" movl %cr0, %eax\n andl $~1, %eax\n movl %eax, %cr0\n"
	" ljmp $0x100, $(1f - c_rmx16)\n"
	"1: xorw %ax, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
	" movw $0x1F00, %sp\n movw %sp, 0x1F22\n"
	" lidt 0x1F10\n"
	/* 0: #DE, a fault */
	" movw $0, 0x1F24\n movw $(c_rmx_de_end - c_rmx16), 0x1F20\n"
	" xorw %bx, %bx\n movw $1, %ax\n xorw %dx, %dx\n"
	".globl c_rmx_de_at, c_rmx_de_end\n"
	"c_rmx_de_at: divw %bx\nc_rmx_de_end:\n"
	/* 1: #UD */
	" movw $1, 0x1F24\n movw $(c_rmx_ud_end - c_rmx16), 0x1F20\n"
	".globl c_rmx_ud_at, c_rmx_ud_end\n"
	"c_rmx_ud_at: ud2\nc_rmx_ud_end:\n"
	/* 2: INT3, a trap */
	" movw $2, 0x1F24\n movw $(c_rmx_bp_end - c_rmx16), 0x1F20\n"
	".globl c_rmx_bp_at, c_rmx_bp_end\n"
	"c_rmx_bp_at: int3\nc_rmx_bp_end:\n"
	/* 3: INT n */
	" movw $3, 0x1F24\n movw $(c_rmx_int_end - c_rmx16), 0x1F20\n"
	".globl c_rmx_int_at, c_rmx_int_end\n"
	"c_rmx_int_at: int $0x30\nc_rmx_int_end:\n"
	/* 4: XSETBV of XCR0 = 0 (x87 must stay set): #GP */
	" movw $4, 0x1F24\n movw $(c_rmx_xs_end - c_rmx16), 0x1F20\n"
	" cmpw $0, 0x1F2E\n je c_rmx_xs_end\n"
	" xorl %ecx, %ecx\n xorl %eax, %eax\n xorl %edx, %edx\n"
	".globl c_rmx_xs_at, c_rmx_xs_end\n"
	"c_rmx_xs_at: xsetbv\nc_rmx_xs_end:\n"
	/* 5: XSETBV of XCR1, which only XGETBV may name: #GP */
	" movw $5, 0x1F24\n movw $(c_rmx_xs1_end - c_rmx16), 0x1F20\n"
	" cmpw $0, 0x1F2E\n je c_rmx_xs1_end\n"
	" movl $1, %ecx\n movl $1, %eax\n xorl %edx, %edx\n"
	".globl c_rmx_xs1_at, c_rmx_xs1_end\n"
	"c_rmx_xs1_at: xsetbv\nc_rmx_xs1_end:\n"
	" movl %cr0, %eax\n orl $1, %eax\n movl %eax, %cr0\n"
	" ljmpl $0x08, $c_rm_back\n"
	/* An entry per vector the tests raise (it notes the vector), then
	 * the part they share. */
	".globl c_rmx_h0, c_rmx_h3, c_rmx_h6, c_rmx_h13, c_rmx_h48\n"
	"c_rmx_h0: movw $0, 0x1F26\n jmp c_rmx_common\n"
	"c_rmx_h3: movw $3, 0x1F26\n jmp c_rmx_common\n"
	"c_rmx_h6: movw $6, 0x1F26\n jmp c_rmx_common\n"
	"c_rmx_h13: movw $13, 0x1F26\n jmp c_rmx_common\n"
	"c_rmx_h48: movw $0x30, 0x1F26\n jmp c_rmx_common\n"
	"c_rmx_common: movw %sp, %bp\n"
	" movw 0x1F24, %bx\n shlw $3, %bx\n"
	" movw 0x1F26, %ax\n movw %ax, 0x1F40(%bx)\n"
	" movw %sp, 0x1F42(%bx)\n"
	" movw 0(%bp), %ax\n movw %ax, 0x1F44(%bx)\n"
	" movw 2(%bp), %ax\n movw %ax, 0x1F46(%bx)\n"
	" movw 0x1F22, %sp\n"
	" jmp *0x1F20\n"
	"c_rmx16_end:\n"
	".code32\n");
extern char c_rmx16[], c_rmx16_end[];
extern char c_rmx_de_at[], c_rmx_de_end[], c_rmx_ud_at[], c_rmx_ud_end[];
extern char c_rmx_bp_at[], c_rmx_bp_end[], c_rmx_int_at[], c_rmx_int_end[];
extern char c_rmx_xs_at[], c_rmx_xs_end[], c_rmx_xs1_at[], c_rmx_xs1_end[];
extern char c_rmx_h0[], c_rmx_h3[], c_rmx_h6[], c_rmx_h13[], c_rmx_h48[];

static volatile uint16_t *rm_word(uint32_t addr)
{
	/* Hidden from the compiler: the IVT starts at address 0, which it
	 * would otherwise take for a null pointer. */
	__asm__("" : "+r"(addr));
	return (volatile uint16_t *)(uintptr_t)addr;
}

static void ivt_set(unsigned vec, const char *handler)
{
	rm_word(vec * 4)[0] = (uint16_t)(handler - c_rmx16);
	rm_word(vec * 4)[1] = RM_SEG;
}

/* One line per test: the vector, the bytes the delivery pushed (6: FLAGS,
 * CS, IP; 8 would be an error code too), and where IP points. */
static void rmx_report(unsigned i, const char *name, const char *at,
		       const char *end)
{
	volatile uint16_t *r = rm_word(RMX_REC + 8 * i);
	if (r[0] == 0xFFFF) {
		kprintf("conform: rm-%s none\n", name);
		return;
	}
	unsigned pushed = (unsigned)(*rm_word(RMX_SP) - r[1]);
	uint16_t ip = pushed == 6 ? r[2] : r[3];
	uint16_t at_ip = (uint16_t)(at - c_rmx16);
	uint16_t end_ip = (uint16_t)(end - c_rmx16);
	kprintf("conform: rm-%s vec=%u pushed=%u %s\n", name, (unsigned)r[0],
		pushed,
		ip == at_ip    ? "at-insn"
		: ip == end_ip ? "after"
			       : "elsewhere");
}

/* Runs `enter` (a trip to another mode that loads its own IDT) with
 * CR4.OSXSAVE set when the CPU has XSAVE, and puts CR4 and the IDT back. */
static void run_other_mode(void (*enter)(void), bool xs)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) pm_idt;
	__asm__ __volatile__("sidt %0" : "=m"(pm_idt));
	uint32_t cr4 = read_cr4();
	if (xs)
		write_cr4(cr4 | CR4_OSXSAVE);
	enter();
	write_cr4(cr4);
	__asm__ __volatile__("lidt %0" ::"m"(pm_idt));
}

static void check_realmode_exceptions(void)
{
	memcpy((void *)(uintptr_t)RM_BASE, c_rmx16,
	       (size_t)(c_rmx16_end - c_rmx16));
	for (unsigned i = 0; i < RMX_TESTS * 4; i++)
		rm_word(RMX_REC)[i] = 0xFFFF;
	ivt_set(0, c_rmx_h0);
	ivt_set(3, c_rmx_h3);
	ivt_set(6, c_rmx_h6);
	ivt_set(13, c_rmx_h13);
	ivt_set(0x30, c_rmx_h48);
	rm_word(RMX_IDTR)[0] = 0x3FF;
	rm_word(RMX_IDTR)[1] = rm_word(RMX_IDTR)[2] = 0;
	bool xs = has_xsave();
	*rm_word(RMX_XSAVE) = xs;
	run_other_mode(c_realmode, xs);
	rmx_report(0, "divide-error", c_rmx_de_at, c_rmx_de_end);
	rmx_report(1, "ud2", c_rmx_ud_at, c_rmx_ud_end);
	rmx_report(2, "int3", c_rmx_bp_at, c_rmx_bp_end);
	rmx_report(3, "int-n", c_rmx_int_at, c_rmx_int_end);
	if (xs) {
		rmx_report(4, "xsetbv-invalid", c_rmx_xs_at, c_rmx_xs_end);
		rmx_report(5, "xsetbv-xcr1", c_rmx_xs1_at, c_rmx_xs1_end);
	} else {
		kprintf("conform: rm-xsetbv-invalid no-xsave\n");
		kprintf("conform: rm-xsetbv-xcr1 no-xsave\n");
	}
}

/* Exceptions in 64-bit mode (SDM Vol. 3A 6.14): the CPU aligns RSP, then
 * pushes SS, RSP, RFLAGS, CS, RIP and, for some vectors, an error code,
 * through 16-byte gates. c_longmode() enables IA-32e mode from 32-bit
 * protected mode as a boot loader does (PAE, EFER.LME, CR0.PG, a far
 * jump to a 64-bit code segment), runs the tests, then leaves it the way
 * the SDM describes (compatibility mode, CR0.PG off, EFER.LME off: Vol.
 * 3A 9.8.5.4) and returns. Each handler records the vector, the three
 * words on top of its stack and CR2; whether an error code was pushed is
 * read from where the code segment's selector sits. The tests: #DE, #UD,
 * INT3, INT n, #GP for a non-canonical address, #GP with a selector's
 * error code, #PF on a read and on a write of an unmapped page, and the
 * hypervisor's own #GP for XSETBV of an invalid XCR0 (with its error code
 * in this mode). */
#define LM_TESTS 9u
struct lm_rec {
	uint64_t vec, top[3], cr2;
};
volatile struct lm_rec c_lm_rec[LM_TESTS];
volatile uint32_t c_lm_cr3, c_lm_xsave;
__asm__(".text\n"
	".globl c_longmode\n"
	"c_longmode: pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
	" movl %esp, c_lm_esp\n"
	" movl %cr3, %eax\n movl %eax, c_lm_oldcr3\n"
	" movl c_lm_cr3, %eax\n movl %eax, %cr3\n"
	" movl %cr4, %eax\n orl $0x20, %eax\n movl %eax, %cr4\n"
	" movl $0xC0000080, %ecx\n rdmsr\n orl $0x100, %eax\n wrmsr\n"
	" movl %cr0, %eax\n orl $0x80000000, %eax\n movl %eax, %cr0\n"
	" ljmp $0x30, $c_lm64\n"
	".code64\n"
	"c_lm64: movl $c_lm_data, %r15d\n lidt 32(%r15)\n"
	/* 0: #DE */
	" movl $0, 16(%r15)\n movl $c_lm_de_end, %eax\n movq %rax, 0(%r15)\n"
	" movq %rsp, 8(%r15)\n"
	" xorl %ebx, %ebx\n movl $1, %eax\n xorl %edx, %edx\n"
	".globl c_lm_de_at, c_lm_de_end\n"
	"c_lm_de_at: divl %ebx\nc_lm_de_end:\n"
	/* 1: #UD */
	" movl $1, 16(%r15)\n movl $c_lm_ud_end, %eax\n movq %rax, 0(%r15)\n"
	".globl c_lm_ud_at, c_lm_ud_end\n"
	"c_lm_ud_at: ud2\nc_lm_ud_end:\n"
	/* 2: INT3 */
	" movl $2, 16(%r15)\n movl $c_lm_bp_end, %eax\n movq %rax, 0(%r15)\n"
	".globl c_lm_bp_at, c_lm_bp_end\n"
	"c_lm_bp_at: int3\nc_lm_bp_end:\n"
	/* 3: INT n */
	" movl $3, 16(%r15)\n movl $c_lm_int_end, %eax\n movq %rax, 0(%r15)\n"
	".globl c_lm_int_at, c_lm_int_end\n"
	"c_lm_int_at: int $0x30\nc_lm_int_end:\n"
	/* 4: a non-canonical address: #GP(0) */
	" movl $4, 16(%r15)\n movl $c_lm_nc_end, %eax\n movq %rax, 0(%r15)\n"
	" movabsq $0x8000000000000000, %rax\n"
	".globl c_lm_nc_at, c_lm_nc_end\n"
	"c_lm_nc_at: movq (%rax), %rbx\nc_lm_nc_end:\n"
	/* 5: a selector beyond the GDT into DS: #GP(selector) */
	" movl $5, 16(%r15)\n movl $c_lm_sel_end, %eax\n movq %rax, 0(%r15)\n"
	" movw $0x1238, %ax\n"
	".globl c_lm_sel_at, c_lm_sel_end\n"
	"c_lm_sel_at: movw %ax, %ds\nc_lm_sel_end:\n"
	/* 6: a read of an unmapped page: #PF(0) */
	" movl $6, 16(%r15)\n movl $c_lm_pfr_end, %eax\n movq %rax, 0(%r15)\n"
	" movl $0x40000000, %eax\n"
	".globl c_lm_pfr_at, c_lm_pfr_end\n"
	"c_lm_pfr_at: movl (%rax), %ebx\nc_lm_pfr_end:\n"
	/* 7: a write of it: #PF(W) */
	" movl $7, 16(%r15)\n movl $c_lm_pfw_end, %eax\n movq %rax, 0(%r15)\n"
	" movl $0x40000000, %eax\n"
	".globl c_lm_pfw_at, c_lm_pfw_end\n"
	"c_lm_pfw_at: movl %ebx, (%rax)\nc_lm_pfw_end:\n"
	/* 8: XSETBV of XCR0 = 0: #GP(0) */
	" movl $8, 16(%r15)\n movl $c_lm_xs_end, %eax\n movq %rax, 0(%r15)\n"
	" movl $c_lm_xsave, %eax\n cmpl $0, (%rax)\n je c_lm_xs_end\n"
	" xorl %ecx, %ecx\n xorl %eax, %eax\n xorl %edx, %edx\n"
	".globl c_lm_xs_at, c_lm_xs_end\n"
	"c_lm_xs_at: xsetbv\nc_lm_xs_end:\n"
	/* Back: to compatibility mode, then out of IA-32e mode. */
	" movl $c_lm_back32, %eax\n pushq $0x08\n pushq %rax\n lretq\n"
	/* The handlers: an entry per vector a test raises (it notes the
	 * vector), one for any other, then the part they share. */
	".globl c_lm_h0, c_lm_h3, c_lm_h6, c_lm_h13, c_lm_h14, c_lm_h48,"
	" c_lm_hx\n"
	"c_lm_h0: movl $0, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_h3: movl $3, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_h6: movl $6, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_h13: movl $13, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_h14: movl $14, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_h48: movl $0x30, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_hx: movl $0xEE, 20(%r15)\n jmp c_lm_common\n"
	"c_lm_common: movw $0x10, %ax\n movw %ax, %ds\n"
	" movl 16(%r15), %ebx\n imull $40, %ebx\n addl $c_lm_rec, %ebx\n"
	" movl 20(%r15), %eax\n movq %rax, (%rbx)\n"
	" movq (%rsp), %rax\n movq %rax, 8(%rbx)\n"
	" movq 8(%rsp), %rax\n movq %rax, 16(%rbx)\n"
	" movq 16(%rsp), %rax\n movq %rax, 24(%rbx)\n"
	" movq %cr2, %rax\n movq %rax, 32(%rbx)\n"
	" movq 8(%r15), %rsp\n"
	" jmp *0(%r15)\n"
	".code32\n"
	"c_lm_back32: movl %cr0, %eax\n andl $0x7FFFFFFF, %eax\n"
	" movl %eax, %cr0\n"
	" movl $0xC0000080, %ecx\n rdmsr\n andl $~0x100, %eax\n wrmsr\n"
	" movl %cr4, %eax\n andl $~0x20, %eax\n movl %eax, %cr4\n"
	" movl c_lm_oldcr3, %eax\n movl %eax, %cr3\n"
	" movw $0x10, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
	" movl c_lm_esp, %esp\n"
	" popl %edi\n popl %esi\n popl %ebx\n popl %ebp\n ret\n"
	/* The 64-bit code reaches its data through %r15 = c_lm_data (an
	 * ELF32 object has no relocation for a 64-bit absolute address):
	 * +0 where to go on, +8 RSP before the test, +16 the test, +20 the
	 * vector, +24 ESP, +28 the old CR3, +32 the IDTR image. */
	".data\n .balign 8\n"
	"c_lm_data: .quad 0, 0\n .long 0, 0\n"
	"c_lm_esp: .long 0\nc_lm_oldcr3: .long 0\n"
	".globl c_lm_idtr\n"
	"c_lm_idtr: .word 0\n .quad 0\n"
	".text\n");
void c_longmode(void);
extern char c_lm_de_at[], c_lm_de_end[], c_lm_ud_at[], c_lm_ud_end[];
extern char c_lm_bp_at[], c_lm_bp_end[], c_lm_int_at[], c_lm_int_end[];
extern char c_lm_nc_at[], c_lm_nc_end[], c_lm_sel_at[], c_lm_sel_end[];
extern char c_lm_pfr_at[], c_lm_pfr_end[], c_lm_pfw_at[], c_lm_pfw_end[];
extern char c_lm_xs_at[], c_lm_xs_end[];
extern char c_lm_h0[], c_lm_h3[], c_lm_h6[], c_lm_h13[], c_lm_h14[];
extern char c_lm_h48[], c_lm_hx[];
extern volatile struct __attribute__((packed)) {
	uint16_t limit;
	uint64_t base;
} c_lm_idtr;

#define LM_VECTORS 0x31u
static uint64_t lm_pml4[512] __attribute__((aligned(4096)));
static uint64_t lm_pdpt[512] __attribute__((aligned(4096)));
static uint64_t lm_pd[512] __attribute__((aligned(4096)));
static uint64_t lm_idt[2 * LM_VECTORS] __attribute__((aligned(16)));

/* An interrupt gate (type 0xE, present, DPL 0) to `fn` in SEL_CODE64. */
static void lm_gate(unsigned vec, const char *fn)
{
	uint32_t a = (uint32_t)(uintptr_t)fn;
	lm_idt[2 * vec] = (a & 0xFFFFull) | (uint64_t)SEL_CODE64 << 16 |
			  0x8E00ull << 32 | (uint64_t)(a >> 16) << 48;
	lm_idt[2 * vec + 1] = 0;
}

/* The first GiB identity-mapped with 2 MiB pages; 1 GiB up is not. */
static void lm_tables(void)
{
	for (unsigned i = 0; i < 512; i++)
		lm_pd[i] = (uint64_t)i << 21 | 0x83; /* P, RW, PS */
	lm_pdpt[0] = (uint32_t)(uintptr_t)lm_pd | 3u;
	lm_pml4[0] = (uint32_t)(uintptr_t)lm_pdpt | 3u;
	c_lm_cr3 = (uint32_t)(uintptr_t)lm_pml4;
	for (unsigned v = 0; v < LM_VECTORS; v++)
		lm_gate(v, c_lm_hx);
	lm_gate(0, c_lm_h0);
	lm_gate(3, c_lm_h3);
	lm_gate(6, c_lm_h6);
	lm_gate(13, c_lm_h13);
	lm_gate(14, c_lm_h14);
	lm_gate(0x30, c_lm_h48);
	c_lm_idtr.limit = sizeof(lm_idt) - 1;
	c_lm_idtr.base = (uint32_t)(uintptr_t)lm_idt;
}

/* The vector, the error code or "none", where RIP points, and for a #PF
 * whether CR2 holds the address. */
static void lm_report(unsigned i, const char *name, const char *at,
		      const char *end)
{
	volatile struct lm_rec *r = &c_lm_rec[i];
	if (r->vec == ~0ull) {
		kprintf("conform: lm-%s none\n", name);
		return;
	}
	/* Without an error code the CS selector is the second word. */
	bool err = r->top[1] != SEL_CODE64;
	uint64_t rip = err ? r->top[1] : r->top[0];
	const char *where = rip == (uint32_t)(uintptr_t)at    ? "at-insn"
			    : rip == (uint32_t)(uintptr_t)end ? "after"
							      : "elsewhere";
	const char *cr2 = r->vec != 14		 ? ""
			  : r->cr2 == 0x40000000 ? " cr2=addr"
						 : " cr2=other";
	if (err)
		kprintf("conform: lm-%s vec=%u err=0x%x %s%s\n", name,
			(unsigned)r->vec, (unsigned)r->top[0], where, cr2);
	else
		kprintf("conform: lm-%s vec=%u err=none %s%s\n", name,
			(unsigned)r->vec, where, cr2);
}

static void check_longmode_exceptions(void)
{
	lm_tables();
	for (unsigned i = 0; i < LM_TESTS; i++)
		c_lm_rec[i].vec = ~0ull;
	c_lm_xsave = has_xsave();
	run_other_mode(c_longmode, c_lm_xsave);
	lm_report(0, "divide-error", c_lm_de_at, c_lm_de_end);
	lm_report(1, "ud2", c_lm_ud_at, c_lm_ud_end);
	lm_report(2, "int3", c_lm_bp_at, c_lm_bp_end);
	lm_report(3, "int-n", c_lm_int_at, c_lm_int_end);
	lm_report(4, "non-canonical", c_lm_nc_at, c_lm_nc_end);
	lm_report(5, "gp-selector", c_lm_sel_at, c_lm_sel_end);
	lm_report(6, "pf-read", c_lm_pfr_at, c_lm_pfr_end);
	lm_report(7, "pf-write", c_lm_pfw_at, c_lm_pfw_end);
	if (c_lm_xsave)
		lm_report(8, "xsetbv-invalid", c_lm_xs_at, c_lm_xs_end);
	else
		kprintf("conform: lm-xsetbv-invalid no-xsave\n");
}

/* ---- NMIs and the TSC -------------------------------------------------*/

#define XAPIC_BASE	 0xFEE00000u
#define XAPIC_ID	 0x20u
#define XAPIC_SVR	 0xF0u
#define XAPIC_ICR_LO	 0x300u
#define XAPIC_ICR_HI	 0x310u
#define ICR_NMI_ASSERT	 0x4400u /* delivery mode NMI, level assert */
#define ICR_BUSY	 (1u << 12)
#define NMI_SPIN	 100000u
#define IDT_GATE_TYPE_32 0x8Eu

static volatile uint32_t *xapic(uint32_t reg)
{
	return (volatile uint32_t *)(uintptr_t)(XAPIC_BASE + reg);
}

/* An NMI IPI to this CPU's own APIC ID (SDM Vol. 3A 10.6.1). */
static void send_self_nmi(void)
{
	*xapic(XAPIC_ICR_HI) = *xapic(XAPIC_ID) & 0xFF000000u;
	*xapic(XAPIC_ICR_LO) = ICR_NMI_ASSERT;
	for (unsigned i = 0; i < NMI_SPIN && (*xapic(XAPIC_ICR_LO) & ICR_BUSY);
	     i++)
		;
}

static volatile uint32_t nmi_count, nmi_count_inside;

/* Called by the NMI handler below: the first NMI sends a second one and
 * waits; it must not be taken before this handler's IRET (NMI blocking,
 * SDM Vol. 3A 6.7.1). */
void conform_nmi(void);
void conform_nmi(void)
{
	if (++nmi_count != 1)
		return;
	send_self_nmi();
	for (unsigned i = 0; i < NMI_SPIN; i++)
		__asm__ __volatile__("pause");
	nmi_count_inside = nmi_count;
}

__asm__(".text\n"
	".globl c_nmi_entry\n"
	"c_nmi_entry: pusha\n cld\n call conform_nmi\n popa\n iret\n");
extern char c_nmi_entry[];

/* Vector `vector` of the loaded IDT goes to `entry` (a 32-bit interrupt
 * gate in the current code segment). */
static void gate_set(unsigned vector, char *entry)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} idtr;
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	uint16_t *g = (uint16_t *)(uintptr_t)(idtr.base + vector * 8);
	uint32_t a = (uint32_t)(uintptr_t)entry;
	uint16_t cs;
	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	g[0] = (uint16_t)a;
	g[1] = cs;
	g[2] = (uint16_t)(IDT_GATE_TYPE_32 << 8);
	g[3] = (uint16_t)(a >> 16);
}

/* Vector 2 of the IDT trap_init() loaded goes to c_nmi_entry. */
static void nmi_gate_install(void)
{
	gate_set(2, c_nmi_entry);
}

/* A self NMI IPI is taken with interrupts disabled (NMIs ignore IF); a
 * second one sent from its handler waits for the handler's IRET and is
 * taken right after it. */
static void check_nmi_self(void)
{
	nmi_gate_install();
	*xapic(XAPIC_SVR) = 0x1FF; /* software-enabled, spurious 0xFF */
	nmi_count = nmi_count_inside = 0;
	send_self_nmi();
	for (unsigned i = 0; i < NMI_SPIN * 10 && nmi_count < 2; i++)
		__asm__ __volatile__("pause");
	kprintf("conform: nmi-self-ipi taken=%u nested=%s\n",
		(unsigned)nmi_count, nmi_count_inside > 1 ? "yes" : "no");
}

/* WRMSR to IA32_TIME_STAMP_COUNTER sets this CPU's TSC: RDTSC then counts
 * on from the value written (SDM Vol. 3B 17.17). The TSC is put back
 * where it would have been. */
static void check_tsc_write(void)
{
	const uint64_t set = 1ull << 40;
	uint64_t before = rdtsc_ordered();
	int vec = trap_wrmsr(0x10, set);
	uint64_t after = rdtsc_ordered();
	if (vec != TRAP_NONE) {
		kprintf("conform: tsc-write %s\n", trap_name(vec));
		return;
	}
	trap_wrmsr(0x10, before + (after - set));
	uint64_t back = rdtsc_ordered();
	kprintf("conform: tsc-write counts-from-value=%s restored=%s\n",
		after >= set && after - set < (1ull << 32) ? "yes" : "no",
		back >= before + (after - set) && back - before < (1ull << 32)
		    ? "yes"
		    : "no");
}

/* ---- Single step across STI;HLT ----------------------------------------*/

/* TF set, then STI, HLT: the single-step trap comes after STI (the STI
 * shadow holds interrupts, not debug traps), then HLT waits for the local
 * APIC timer's interrupt, and what is taken next, and at which EIP, is
 * what this check prints (SDM Vol. 3A 17.3.1.4, 6.8.3). The #DB and the
 * timer's handlers below record each event and return; once execution
 * is past HLT the #DB handler clears TF in the frame it returns to. */
#define STH_VECTOR    0x1Fu /* the timer's vector: a gate of the 32 */
#define XAPIC_EOI     0xB0u
#define XAPIC_LVT_TMR 0x320u
#define XAPIC_TMR_ICR 0x380u
#define XAPIC_TMR_DCR 0x3E0u
#define STH_MAX	      6u

__asm__(".text\n"
	".globl c_sth, c_sth_hlt, c_sth_end\n"
	"c_sth: pushf\n orl $0x100, (%esp)\n popf\n sti\n"
	"c_sth_hlt: hlt\n"
	"c_sth_end: cli\n ret\n"
	".globl c_sth_db, c_sth_int\n"
	"c_sth_db: pusha\n cld\n lea 32(%esp), %eax\n push %eax\n"
	" call sth_db\n add $4, %esp\n popa\n iret\n"
	"c_sth_int: pusha\n cld\n lea 32(%esp), %eax\n push %eax\n"
	" call sth_int\n add $4, %esp\n popa\n iret\n");
extern char c_sth[], c_sth_hlt[], c_sth_end[], c_sth_db[], c_sth_int[];

static volatile char sth_kind[STH_MAX];
static volatile uint32_t sth_eip[STH_MAX], sth_bs[STH_MAX], sth_n;

/* frame: the EIP, CS and EFLAGS the CPU pushed. */
void sth_db(uint32_t *frame);
void sth_db(uint32_t *frame)
{
	uint32_t dr6 = read_dr6();
	write_dr6(0xFFFF0FF0u);
	if (sth_n < STH_MAX) {
		sth_kind[sth_n] = 'd';
		sth_bs[sth_n] = (dr6 & DR6_BS) != 0;
		sth_eip[sth_n++] = frame[0];
	}
	if (frame[0] >= (uint32_t)(uintptr_t)c_sth_end || sth_n >= STH_MAX)
		frame[2] &= ~0x100u; /* past HLT: stepping ends here */
}

void sth_int(uint32_t *frame);
void sth_int(uint32_t *frame)
{
	if (sth_n < STH_MAX) {
		sth_kind[sth_n] = 'i';
		sth_bs[sth_n] = 0;
		sth_eip[sth_n++] = frame[0];
	}
	*xapic(XAPIC_TMR_ICR) = 0; /* one interrupt is enough */
	*xapic(XAPIC_EOI) = 0;
}

static const char *sth_where(uint32_t eip)
{
	if (eip == (uint32_t)(uintptr_t)c_sth_hlt)
		return "hlt";
	if (eip == (uint32_t)(uintptr_t)c_sth_end)
		return "after-hlt";
	if (eip > (uint32_t)(uintptr_t)c_sth_end &&
	    eip <= (uint32_t)(uintptr_t)c_sth_end + 2)
		return "after-cli";
	return "elsewhere";
}

static void check_step_sti_hlt(void)
{
	outb(0x21, 0xFF); /* the 8259s masked: only the APIC timer */
	outb(0xA1, 0xFF);
	gate_set(1, c_sth_db);
	gate_set(STH_VECTOR, c_sth_int);
	*xapic(XAPIC_SVR) = 0x1FF;
	sth_n = 0;
	write_dr6(0xFFFF0FF0u);
	/* One-shot, divide by 1, well after HLT is reached: the trap after
	 * STI and its handler come first on any CPU. */
	*xapic(XAPIC_TMR_DCR) = 0xB;
	*xapic(XAPIC_LVT_TMR) = STH_VECTOR;
	*xapic(XAPIC_TMR_ICR) = 2000000;
	((void (*)(void))(void *)c_sth)();
	*xapic(XAPIC_LVT_TMR) = 1u << 16; /* masked again */
	trap_init();			  /* the exception catcher's gates */
	kprintf("conform: single-step-sti-hlt");
	for (uint32_t i = 0; i < sth_n; i++)
		kprintf(" %s@%s%s", sth_kind[i] == 'd' ? "db" : "irq",
			sth_where(sth_eip[i]),
			sth_kind[i] == 'd' && !sth_bs[i] ? "(no-bs)" : "");
	kprintf("\n");
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
	CHECK("single-step-movss-cpuid", c_step_movss, true);
	check_watchpoint();
	check_dr7_gd();
	check_dr7_kept();
	check_rf_cleared();
	check_tsc_monotonic();
	check_tsc_two_cpus();
	gdt_init();
	CHECK("gp-selector-beyond-gdt", c_gp_sel, false);
	CHECK("np-data-segment", c_np_ds, false);
	CHECK("ss-not-present", c_np_ss, false);
	CHECK("bound-range", c_bound, false);
	CHECK("into-overflow", c_into, false);
	CHECK("int1", c_int1, true);
	CHECK("int-n", c_intn, false);
	CHECK("int-beyond-idt", c_int_lim, false);
	CHECK("idiv-overflow", c_idiv, false);
	CHECK("lock-register-dest", c_lock, false);
	CHECK("rsm-outside-smm", c_rsm, false);
	CHECK("cr4-pcide-outside-ia32e", c_cr4_pcide, false);
	check_cr0_pg_without_pe();
	check_cr_readback();
	CHECK_CR4("rdtsc-cr4-tsd-ring0", c_rdtsc, CR4_TSD);
	check_cpuid_basic();
	check_cpuid_osxsave();
	check_xsetbv_faults();
	check_fault_rf();
	check_xcr0_avx();
	check_xsave_roundtrip();
	check_msr_readback();
	check_misc_enable();
	check_mtrr();
	check_mtrr_refused();
	check_mca();
	check_debugctl();
	check_tsc_aux();
	check_tsc_write();
	check_realmode_roundtrip();
	check_realmode_exceptions();
	check_longmode_exceptions();
	check_nmi_self();
	check_step_sti_hlt();
	kprintf("conform: done\n");
	return 0;
}
