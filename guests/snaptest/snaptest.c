/* snaptest.elf: snapshots taken and restored by the guest itself
 * (partition key `snapshot = self`, BH_HC_SNAPSHOT and BH_HC_RESTORE in
 * hv/abi.h, docs/snapshots.md).
 *
 * A restore puts all of the partition's RAM and registers back, so nothing
 * the guest computes after its snapshot survives the next restore but what
 * SNAPSHOT returns then: EBX = restores so far, ECX = pages the restore
 * copied back, EDX = host TSC ticks it took. Each cycle is therefore
 * derived from EBX: restore k rolled back the writes of cycle k, whose
 * pages and values come from seeds computed from k. From its snapshot on,
 * the guest writes only one stack page of its own (stack_page) and the
 * pages it scribbles on, so it knows exactly how many pages each restore
 * must copy: the scribbled ones plus that stack page.
 *
 * Command line keys:
 *   mode=exact   (default) the bit-exact test, below
 *   mode=bench   the restore benchmark, below
 *   mode=noperm  SNAPSHOT and RESTORE in a partition without snapshot =
 *                self: both must return BH_EPERM
 *   cycles=N     exact: restores (default 1000)
 *   reps=N       bench: restores per dirty-set size (default 5)
 *   tsc_bound=N  exact: the TSC bound below (default 4000000: Bochs, where
 *                a tick is about an instruction; in QEMU the TSC is the
 *                host's clock and a vCPU thread can wait milliseconds for
 *                a host core)
 *
 * mode=exact: fills its free RAM with a pattern (and keeps a copy of the
 * RAM below it: image, stacks, Multiboot data); RESTORE before any
 * SNAPSHOT must give BH_ENOENT. It loads known values into ESI, EDI, EBP,
 * EFLAGS, ST0-7, FCW, MXCSR, XMM0-7 and YMM0-7 (with XCR0 = x87|SSE|AVX
 * when the CPU has AVX), CR2, DR0-3, DR6, DR7, the syscall MSRs (STAR,
 * LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX, SYSENTER_CS/ESP/EIP) and
 * its x2APIC (TPR, SVR, a masked one-shot timer counting down from
 * 0xFFFFFFFF), then calls SNAPSHOT. Every cycle k = 1..N scribbles over
 * 1..64 pages chosen from seed k, changes all of those registers (and
 * XCR0, and the timer's mode, divider and count) and calls RESTORE. After
 * restore k it checks every one of them against its value at the
 * snapshot, the pages of cycle k, every byte of RAM (cycles 1, every 100th
 * and the last), that ECX = the pages it wrote, that its TSC continued
 * from the snapshot (at most tsc_bound ticks after the value read just
 * before SNAPSHOT, while the run takes far longer) and that the timer's
 * current count went on from the snapshot's likewise.
 *
 * mode=bench: one SNAPSHOT, then `reps` restores that each dirty exactly
 * 1, 16, 256, then 4096 pages (one write per page), printing ECX and EDX
 * of every restore (the table is made from these lines: nothing the guest
 * could sum up survives its restores).
 *
 * Output (exact):
 *   snaptest: note: DR7 <v> reads <w> after a VM exit (CPUID): ...
 *             (only if a plain exit loses DR7: tells that apart from a
 *             restore losing it)
 *   snaptest: mode=exact ram=<M>MiB ... (layout, what is checked)
 *   snaptest: restore before snapshot -> -6 (BH_ENOENT) ok
 *   snaptest: snapshot taken: <T> ticks (guest TSC around the call)
 *   snaptest: cycle <k> ok: tsc delta <d>, timer count <c>, pages copied
 *             <n> == written <n>, restore <t> ticks[, all RAM checked]
 *                                        (k = 1, every 100th, the last)
 *   snaptest: <N> cycles bit-exact, tsc delta < <B> every cycle, pages
 *             copied == pages written                     (exit status 0)
 * or "snaptest: FAIL cycle <k>: <what> expected <e> got <g>" (status 1).
 * Output (bench):
 *   snaptest: bench ram=<M>MiB snapshot take <T> ticks
 *   snaptest: bench ram=<M>MiB dirty=<d> writes <t> ticks
 *   snaptest: bench ram=<M>MiB restore <k> dirty=<d> written=<w>
 *             copied=<c> ticks=<t>         (" MISMATCH" if c != w)
 *   snaptest: bench done
 * Output (noperm):
 *   snaptest: noperm snapshot -> -4 restore -> -4 (BH_EPERM) ok
 */
#include "lib.h"

#define PAGE		 4096u
#define DEFAULT_CYCLES	 1000u
#define DEFAULT_REPS	 5u
#define MAX_SCRIBBLE	 64u
#define FULL_CHECK_EVERY 100u
/* Ticks from the RDTSC before SNAPSHOT to the one after a restore. A
 * cycle averages hundreds of thousands of ticks of work (33 pages written
 * and checked a word at a time), so a TSC that did not continue from the
 * snapshot's value passes this within a few dozen cycles at most. */
#define DEFAULT_TSC_BOUND 4000000u

#define MODE_EXACT  0u
#define MODE_BENCH  1u
#define MODE_NOPERM 2u

#define CR0_MP		 (1u << 1)
#define CR0_EM		 (1u << 2)
#define CR0_TS		 (1u << 3)
#define CR4_OSFXSR	 (1u << 9)
#define CR4_OSXMMEXCPT	 (1u << 10)
#define CR4_OSXSAVE	 (1u << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX	 (1u << 28)
#define XCR0_X87_SSE	 0x3u
#define XCR0_AVX	 0x4u

/* EFLAGS at the snapshot: CF PF AF ZF SF DF OF AC and the fixed bit 1
 * (IF stays clear). The change phase never sets DF or AC. */
#define EFLAGS_SNAP  0x00040CD7u
#define EFLAGS_ARITH 0x000008D5u
#define EFLAGS_FIXED 0x00000002u

#define MSR_APIC_BASE	 0x1Bu
#define APIC_BASE_EXTD	 (1u << 10)
#define X2APIC_TPR	 0x808u
#define X2APIC_SVR	 0x80Fu
#define X2APIC_LVT_TIMER 0x832u
#define X2APIC_TIMER_ICR 0x838u
#define X2APIC_TIMER_CCR 0x839u
#define X2APIC_TIMER_DCR 0x83Eu
#define LVT_MASKED	 (1u << 16)
#define LVT_PERIODIC	 (1u << 17)
#define TIMER_ICR_SNAP	 0xFFFFFFFFu
#define FPU_FCW_SNAP	 0x027Fu /* double precision, all masked */
#define FPU_MXCSR_SNAP	 0x3F80u /* all masked, round down */
#define DR6_SNAP	 0xFFFF0FF5u
#define DR6_CHANGED	 0xFFFF0FFAu
#define DR7_SNAP	 0x00000600u /* GE, no breakpoint enabled */
#define DR7_CHANGED	 0x00000500u /* LE */
#define FXSAVE_CHECKED	 288u	     /* FCW .. XMM7 of the FXSAVE image */

/* ---- cpu.asm ------------------------------------------------------------*/

/* Registers for a hypercall (in_*) and as it returned. */
struct snap_regs {
	uint32_t in_eax, in_ebx, in_ecx, in_edx, in_esi, in_edi, in_ebp;
	uint32_t in_eflags;
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eflags;
	uint32_t esp0; /* ESP at the VMCALL */
	uint64_t tsc0; /* just before the VMCALL */
	uint64_t tsc1; /* just after it returned */
};
_Static_assert(offsetof(struct snap_regs, in_eflags) == 28, "R_IN_EFLAGS");
_Static_assert(offsetof(struct snap_regs, eax) == 32, "R_EAX");
_Static_assert(offsetof(struct snap_regs, eflags) == 64, "R_EFLAGS");
_Static_assert(offsetof(struct snap_regs, esp0) == 68, "R_ESP0");
_Static_assert(offsetof(struct snap_regs, tsc0) == 72, "R_TSC0");
_Static_assert(offsetof(struct snap_regs, tsc1) == 80, "R_TSC1");

/* What state_load() puts into the FPU, vector, control and debug
 * registers. vec[i] is YMMi (its low half XMMi). */
struct fp_in {
	uint8_t vec[8][32];
	int32_t st[8];
	uint32_t fcw, mxcsr, cr2, dr[4], dr6, dr7, avx;
};
_Static_assert(offsetof(struct fp_in, st) == 256, "I_ST");
_Static_assert(offsetof(struct fp_in, fcw) == 288, "I_FCW");
_Static_assert(offsetof(struct fp_in, cr2) == 296, "I_CR2");
_Static_assert(offsetof(struct fp_in, dr6) == 316, "I_DR6");
_Static_assert(offsetof(struct fp_in, avx) == 324, "I_AVX");

/* What state_read() reads back (avx and xsave are inputs). */
struct fp_out {
	uint8_t fx[512];
	uint8_t vec[8][32];
	uint32_t cr2, dr[4], dr6, dr7;
	uint64_t xcr0;
	uint32_t avx, xsave;
};
_Static_assert(offsetof(struct fp_out, vec) == 512, "O_VEC");
_Static_assert(offsetof(struct fp_out, cr2) == 768, "O_CR2");
_Static_assert(offsetof(struct fp_out, dr6) == 788, "O_DR6");
_Static_assert(offsetof(struct fp_out, xcr0) == 796, "O_XCR0");
_Static_assert(offsetof(struct fp_out, avx) == 804, "O_AVX");
_Static_assert(offsetof(struct fp_out, xsave) == 808, "O_XSAVE");

/* Returns twice or more, but unlike setjmp's every return finds memory
 * and the callee-saved registers as at the first one (a restore puts both
 * back), so the compiler's view of the call holds each time. */
int32_t snap_call(struct snap_regs *r);
int32_t restore_call(const struct snap_regs *r);
/* The VMCALL instructions in cpu.asm: EAX to EBP and EFLAGS are all the
 * test's there, so nothing can choose between VMCALL and VMMCALL at run
 * time; on AMD both sites are patched to VMMCALL (0F 01 C1 -> 0F 01 D9)
 * before anything else runs, and before RAM is copied for comparing. */
extern uint8_t hc_site_snap[3], hc_site_restore[3];

static void hypercall_sites_patch(void)
{
	bh_hypercall_detect();
	if (!bh_vmmcall)
		return;
	hc_site_snap[2] = 0xD9;
	hc_site_restore[2] = 0xD9;
	__asm__ __volatile__("" ::: "memory");
}
void state_load(const struct fp_in *s);
void state_read(struct fp_out *s);
void copy_words(uint32_t dst, uint32_t src, uint32_t words);
uint32_t diff_words(uint32_t a, uint32_t b, uint32_t words);
__attribute__((noreturn)) void run_on_stack(void (*fn)(void), uint32_t top);

extern char __bss_end[];

/* ---- state set up before the snapshot, read-only after it ---------------*/

static struct {
	uint32_t mode, cycles, reps, tsc_bound;
	uint32_t ram;	    /* bytes */
	uint32_t img_end;   /* end of image, data, bss and stacks (aligned) */
	uint32_t ref_base;  /* a copy of [0, img_end) */
	uint32_t pat_base;  /* the pattern: [pat_base, ram) */
	uint32_t pat_pages; /* its pages */
	uint32_t stack;	    /* the stack page used from the snapshot on */
	bool xsave, avx;
	uint64_t xcr0;
	uint64_t apic_base;
} g;

static struct fp_in snap_in;
static struct fp_out snap_ref __attribute__((aligned(16)));
static uint8_t stack_page[PAGE] __attribute__((aligned(PAGE)));

static const struct msr_def {
	uint32_t msr;
	const char *name;
	uint64_t snap; /* value at the snapshot */
	uint64_t flip; /* bits the change phase may flip */
} msrs[] = {
    {0xC0000081u, "STAR", 0x0023001012345678ull, 0xFFFFFFFFull},
    {0xC0000082u, "LSTAR", 0x00007F1234567890ull, 0xFFFFFFFFull},
    {0xC0000083u, "CSTAR", 0x00007E0987654320ull, 0xFFFFFFFFull},
    {0xC0000084u, "SFMASK", 0x0000000000047700ull, 0xFFFFFFFFull},
    {0xC0000102u, "KERNEL_GS_BASE", 0x00007D5555AAAA00ull, 0xFFFFFFFFull},
    {0xC0000103u, "TSC_AUX", 0x00000000C0FFEE01ull, 0xFFFFFFFFull},
    {0x174u, "SYSENTER_CS", 0x0000000000000010ull, 0xFFFFull},
    {0x175u, "SYSENTER_ESP", 0x00007C00DEAD0000ull, 0xFFFFFFFFull},
    {0x176u, "SYSENTER_EIP", 0x00007B00BEEF0000ull, 0xFFFFFFFFull},
};
#define NMSR (sizeof(msrs) / sizeof(msrs[0]))
static bool msr_ok[NMSR];      /* writable here: used and checked */
static uint64_t msr_ref[NMSR]; /* read back at the snapshot */

/* x2APIC registers, in the order they are written (divider before the
 * count, which arms the timer). */
static const struct apic_def {
	uint32_t msr;
	const char *name;
	uint32_t snap;
} apic_regs[] = {
    {X2APIC_TPR, "x2APIC TPR", 0x20u},
    {X2APIC_SVR, "x2APIC SVR", 0x1FFu},
    {X2APIC_LVT_TIMER, "x2APIC LVT timer", LVT_MASKED | 0xECu},
    {X2APIC_TIMER_DCR, "x2APIC timer divide", 0xBu}, /* by 1 */
    {X2APIC_TIMER_ICR, "x2APIC timer initial count", TIMER_ICR_SNAP},
};
#define NAPIC (sizeof(apic_regs) / sizeof(apic_regs[0]))
static uint32_t apic_ref[NAPIC];

/* ---- small helpers ------------------------------------------------------*/

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7FEB352Du;
	x ^= x >> 15;
	x *= 0x846CA68Bu;
	x ^= x >> 16;
	return x;
}

/* xorshift32; *s must not be 0. */
static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static uint32_t seed_of(uint32_t cycle, uint32_t salt)
{
	return mix32(cycle * 0x9E3779B9u ^ salt) | 1u;
}

/* The pattern word at address a. */
static uint32_t pattern(uint32_t a)
{
	return mix32(a ^ 0x5A17E5A1u);
}

static void xsetbv0(uint64_t v)
{
	__asm__ __volatile__("xsetbv"
			     :
			     : "c"(0u), "a"((uint32_t)v),
			       "d"((uint32_t)(v >> 32))
			     : "memory");
}

static bool streq(const char *a, const char *b)
{
	size_t n = strlen(b);
	return strlen(a) == n && memcmp(a, b, n) == 0;
}

static __attribute__((noreturn)) void fail(uint32_t cycle, const char *what,
					   uint64_t expected, uint64_t got)
{
	kprintf("snaptest: FAIL cycle %u: %s expected 0x%llx got 0x%llx\n",
		cycle, what, (unsigned long long)expected,
		(unsigned long long)got);
	guest_exit(1);
}

static __attribute__((noreturn)) void fail_ram(uint32_t cycle, uint32_t a,
					       uint32_t expected, uint32_t got,
					       uint32_t copy)
{
	unsigned b = 0;
	while (b < 3 && ((expected ^ got) & (0xFFu << (8 * b))) == 0)
		b++;
	kprintf("snaptest: FAIL cycle %u: RAM byte 0x%x expected 0x%02x", cycle,
		a + b, (expected >> (8 * b)) & 0xFFu);
	if (copy)
		kprintf(" (its copy at 0x%x)", copy + b);
	kprintf(" got 0x%02x\n", (got >> (8 * b)) & 0xFFu);
	guest_exit(1);
}

/* ---- RAM ----------------------------------------------------------------*/

static volatile uint32_t *word_at(uint32_t a)
{
	return (volatile uint32_t *)(uintptr_t)a;
}

static void fill_pattern(void)
{
	for (uint32_t a = g.pat_base; a < g.ram; a += 4)
		*word_at(a) = pattern(a);
}

static void check_pattern_page(uint32_t cycle, uint32_t page)
{
	uint32_t base = g.pat_base + page * PAGE;
	for (uint32_t a = base; a < base + PAGE; a += 4) {
		uint32_t v = *word_at(a);
		if (v != pattern(a))
			fail_ram(cycle, a, pattern(a), v, 0);
	}
}

/* [from, to) against the copy made just before the snapshot. */
static void check_low(uint32_t cycle, uint32_t from, uint32_t to)
{
	uint32_t words = (to - from) / 4;
	uint32_t i = diff_words(from, g.ref_base + from, words);
	if (i < words) {
		uint32_t a = from + 4 * i;
		fail_ram(cycle, a, *word_at(g.ref_base + a), *word_at(a),
			 g.ref_base + a);
	}
}

/* Every byte of RAM but the stack page in use. */
static void check_all_ram(uint32_t cycle)
{
	check_low(cycle, 0, g.stack);
	check_low(cycle, g.stack + PAGE, g.img_end);
	for (uint32_t p = 0; p < g.pat_pages; p++)
		check_pattern_page(cycle, p);
}

/* The pattern pages cycle `cycle` scribbles on: 1..MAX_SCRIBBLE distinct
 * ones, from its seed. Returns how many. */
static uint32_t scribble_set(uint32_t cycle, uint32_t *pages)
{
	uint32_t s = seed_of(cycle, 0x5C41BB1Eu);
	uint32_t n = 1 + rnd(&s) % MAX_SCRIBBLE;
	for (uint32_t i = 0; i < n;) {
		uint32_t p = rnd(&s) % g.pat_pages, j = 0;
		while (j < i && pages[j] != p)
			j++;
		if (j == i)
			pages[i++] = p;
	}
	return n;
}

/* ---- the registers ------------------------------------------------------*/

static void fp_values(struct fp_in *in, uint32_t seed)
{
	uint32_t s = seed;
	for (unsigned i = 0; i < 8; i++)
		for (unsigned j = 0; j < 32; j += 4) {
			uint32_t v = rnd(&s);
			memcpy(&in->vec[i][j], &v, 4);
		}
	for (unsigned i = 0; i < 8; i++)
		in->st[i] = (int32_t)rnd(&s);
	in->cr2 = rnd(&s);
	for (unsigned i = 0; i < 4; i++)
		in->dr[i] = rnd(&s);
	in->avx = g.avx;
}

static void fp_read(struct fp_out *o)
{
	memset(o, 0, sizeof(*o));
	o->avx = g.avx;
	o->xsave = g.xsave;
	state_read(o);
}

/* The name of byte `off` of the FXSAVE image, or NULL if it is not
 * compared. */
static const char *fx_field(uint32_t off, uint32_t *index)
{
	*index = 0;
	if (off < 2)
		return "FCW";
	if (off < 4)
		return "FSW";
	if (off < 6)
		return "FTW";
	if (off < 8)
		return "FOP";
	if (off < 16)
		return "FIP/FCS";
	if (off < 24)
		return "FDP/FDS";
	if (off < 28)
		return "MXCSR";
	if (off < 32)
		return "MXCSR_MASK";
	if (off < 160) {
		*index = (off - 32) / 16;
		return "ST";
	}
	*index = (off - 160) / 16;
	return "XMM";
}

static void check_fp(uint32_t cycle, const struct fp_out *o)
{
	for (uint32_t i = 0; i < FXSAVE_CHECKED; i++) {
		if (o->fx[i] == snap_ref.fx[i])
			continue;
		uint32_t n;
		const char *f = fx_field(i, &n);
		kprintf("snaptest: FAIL cycle %u: %s", cycle, f);
		if (i >= 32)
			kprintf("%u", n);
		kprintf(" (FXSAVE byte %u) expected 0x%02x got 0x%02x\n", i,
			snap_ref.fx[i], o->fx[i]);
		guest_exit(1);
	}
	for (uint32_t i = 0; i < 8; i++)
		for (uint32_t j = 0; j < 32; j++) {
			if (o->vec[i][j] == snap_ref.vec[i][j])
				continue;
			kprintf("snaptest: FAIL cycle %u: %s%u byte %u "
				"expected 0x%02x got 0x%02x\n",
				cycle, g.avx ? "YMM" : "XMM", i, j,
				snap_ref.vec[i][j], o->vec[i][j]);
			guest_exit(1);
		}
	if (o->cr2 != snap_ref.cr2)
		fail(cycle, "CR2", snap_ref.cr2, o->cr2);
	static const char *const dr_names[4] = {"DR0", "DR1", "DR2", "DR3"};
	for (unsigned i = 0; i < 4; i++)
		if (o->dr[i] != snap_ref.dr[i])
			fail(cycle, dr_names[i], snap_ref.dr[i], o->dr[i]);
	if (o->dr6 != snap_ref.dr6)
		fail(cycle, "DR6", snap_ref.dr6, o->dr6);
	if (o->dr7 != snap_ref.dr7)
		fail(cycle, "DR7", snap_ref.dr7, o->dr7);
	if (g.xsave && o->xcr0 != snap_ref.xcr0)
		fail(cycle, "XCR0", snap_ref.xcr0, o->xcr0);
}

/* Sets up the FPU, SSE and (with XSAVE) XCR0 with AVX when there is. */
static void fpu_setup(void)
{
	struct cpuid_regs c1 = cpuid(1, 0);
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	uint32_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	g.xsave = (c1.ecx & CPUID1_ECX_XSAVE) != 0;
	if (g.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (!g.xsave)
		return;
	g.xcr0 = XCR0_X87_SSE;
	if ((c1.ecx & CPUID1_ECX_AVX) && (cpuid(0xD, 0).eax & XCR0_AVX))
		g.xcr0 |= XCR0_AVX;
	xsetbv0(g.xcr0);
	g.avx = (g.xcr0 & XCR0_AVX) != 0;
}

/* DR7 must survive any VM exit (VMX keeps it only with its save/load
 * debug controls; without them every exit sets it to 0x400): tells a
 * hypervisor that loses it everywhere from a snapshot that loses it. */
static void dr7_probe(void)
{
	uint32_t before, after;
	__asm__ __volatile__("mov %0, %%dr7" : : "r"(DR7_SNAP));
	__asm__ __volatile__("mov %%dr7, %0" : "=r"(before));
	(void)cpuid(0, 0);
	__asm__ __volatile__("mov %%dr7, %0" : "=r"(after));
	if (after != before)
		kprintf("snaptest: note: DR7 0x%x reads 0x%x after a VM exit "
			"(CPUID): the hypervisor loses it at every exit\n",
			before, after);
}

/* Writes the snapshot's MSR values; keeps those the CPU accepts. */
static uint32_t msr_setup(void)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < NMSR; i++) {
		int t = trap_wrmsr(msrs[i].msr, msrs[i].snap);
		if (t == TRAP_NONE)
			t = trap_rdmsr(msrs[i].msr, &msr_ref[i]);
		msr_ok[i] = t == TRAP_NONE;
		if (msr_ok[i])
			n++;
		else
			kprintf("snaptest: %s (0x%x): %s, not checked\n",
				msrs[i].name, msrs[i].msr, trap_name(t));
	}
	return n;
}

/* x2APIC mode, then the snapshot's register values. */
static void apic_setup(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	g.apic_base = rdmsr(MSR_APIC_BASE);
	for (unsigned i = 0; i < NAPIC; i++)
		wrmsr(apic_regs[i].msr, apic_regs[i].snap);
	for (unsigned i = 0; i < NAPIC; i++)
		apic_ref[i] = (uint32_t)rdmsr(apic_regs[i].msr);
}

static uint32_t timer_count(void)
{
	return (uint32_t)rdmsr(X2APIC_TIMER_CCR);
}

/* The change phase of cycle k: every register the snapshot holds gets
 * another value. */
static void change_registers(uint32_t k)
{
	struct fp_in in;
	uint32_t s = seed_of(k, 0xC4A49E00u);

	fp_values(&in, s);
	in.fcw = 0x037Fu ^ ((k % 3 + 1) << 10);
	in.mxcsr = 0x1F80u | (k % 63 + 1);
	in.dr6 = DR6_CHANGED;
	in.dr7 = DR7_CHANGED;
	state_load(&in);
	if (g.avx)
		xsetbv0(XCR0_X87_SSE);

	for (unsigned i = 0; i < NMSR; i++)
		if (msr_ok[i])
			wrmsr(msrs[i].msr,
			      msr_ref[i] ^ ((rnd(&s) | 1u) & msrs[i].flip));
	wrmsr(X2APIC_TPR, (k % 13 + 3) << 4);
	wrmsr(X2APIC_SVR, 0x1F0u | (k % 15));
	wrmsr(X2APIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | (0x40u + k % 64));
	wrmsr(X2APIC_TIMER_DCR, k % 4);
	wrmsr(X2APIC_TIMER_ICR, 0x100000u + (k << 4));
}

static void snapshot_regs(struct snap_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->in_eax = BH_HC_SNAPSHOT;
	r->in_ebx = 0xB0B0CAFEu;
	r->in_ecx = 0xC0C0BEEFu;
	r->in_edx = 0xD0D0F00Du;
	r->in_esi = 0x51A75E51u;
	r->in_edi = 0xD1D1E5E5u;
	r->in_ebp = 0xB5B5B00Fu;
	r->in_eflags = EFLAGS_SNAP;
}

/* Scribbles cycle k's pages, changes every register and restores. */
static __attribute__((noreturn)) void run_cycle(uint32_t k)
{
	uint32_t pages[MAX_SCRIBBLE];
	uint32_t n = scribble_set(k, pages);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t base = g.pat_base + pages[i] * PAGE;
		for (uint32_t a = base; a < base + PAGE; a += 4)
			*word_at(a) = ~pattern(a) ^ k;
	}
	change_registers(k);

	struct snap_regs r;
	uint32_t s = seed_of(k, 0x6E6E0001u);
	memset(&r, 0, sizeof(r));
	r.in_eax = BH_HC_RESTORE;
	r.in_ebx = rnd(&s);
	r.in_ecx = rnd(&s);
	r.in_edx = rnd(&s);
	r.in_esi = rnd(&s);
	r.in_edi = rnd(&s);
	r.in_ebp = rnd(&s);
	r.in_eflags = EFLAGS_FIXED | (rnd(&s) & EFLAGS_ARITH);
	int32_t e = restore_call(&r);
	fail(k, "RESTORE result", 0, (uint64_t)(int64_t)e);
}

/* The registers SNAPSHOT does not return a result in, as they were at
 * the VMCALL. */
static void check_gprs(uint32_t k, const struct snap_regs *r)
{
	if (r->esi != r->in_esi)
		fail(k, "ESI", r->in_esi, r->esi);
	if (r->edi != r->in_edi)
		fail(k, "EDI", r->in_edi, r->edi);
	if (r->ebp != r->in_ebp)
		fail(k, "EBP", r->in_ebp, r->ebp);
	if (r->esp != r->esp0)
		fail(k, "ESP", r->esp0, r->esp);
	if (r->eflags != r->in_eflags)
		fail(k, "EFLAGS", r->in_eflags, r->eflags);
}

/* Checks after restore k (r: what SNAPSHOT returned this time; ccr0: the
 * timer's count read just before SNAPSHOT). */
static void verify(uint32_t k, const struct snap_regs *r, uint32_t ccr0)
{
	uint8_t buf[sizeof(struct fp_out) + 15];
	struct fp_out *o = (struct fp_out *)(((uintptr_t)buf + 15) & ~15u);

	/* read first: the registers, then the running timer */
	fp_read(o);
	uint32_t ccr = timer_count();

	check_gprs(k, r);
	check_fp(k, o);

	if (rdmsr(MSR_APIC_BASE) != g.apic_base)
		fail(k, "APIC_BASE", g.apic_base, rdmsr(MSR_APIC_BASE));
	for (unsigned i = 0; i < NAPIC; i++) {
		uint32_t v = (uint32_t)rdmsr(apic_regs[i].msr);
		if (v != apic_ref[i])
			fail(k, apic_regs[i].name, apic_ref[i], v);
	}
	/* The count went on from the snapshot's: below it, by no more than
	 * the guest's TSC moved (divider 1), and not run out. */
	if (ccr == 0 || ccr > ccr0 || ccr0 - ccr > g.tsc_bound)
		fail(k,
		     "x2APIC timer current count (snapshot's minus at most "
		     "the TSC bound)",
		     ccr0, ccr);
	for (unsigned i = 0; i < NMSR; i++) {
		if (!msr_ok[i])
			continue;
		uint64_t v = rdmsr(msrs[i].msr);
		if (v != msr_ref[i])
			fail(k, msrs[i].name, msr_ref[i], v);
	}

	if (r->tsc1 <= r->tsc0 || r->tsc1 - r->tsc0 > g.tsc_bound)
		fail(k,
		     "TSC after the restore (at most the bound above the "
		     "TSC before SNAPSHOT)",
		     r->tsc0 + g.tsc_bound, r->tsc1);

	uint32_t pages[MAX_SCRIBBLE];
	uint32_t n = scribble_set(k, pages);
	if (r->ecx != n + 1) /* + the stack page */
		fail(k, "pages copied (ECX)", n + 1, r->ecx);
	for (uint32_t i = 0; i < n; i++)
		check_pattern_page(k, pages[i]);

	bool full = k == 1 || k % FULL_CHECK_EVERY == 0 || k == g.cycles;
	if (full)
		check_all_ram(k);
	if (full)
		kprintf("snaptest: cycle %u ok: tsc delta %llu, timer count "
			"%u, pages copied %u == written %u, restore %u "
			"ticks%s\n",
			k, (unsigned long long)(r->tsc1 - r->tsc0), ccr, r->ecx,
			n + 1, r->edx, full ? ", all RAM checked" : "");
}

/* ---- the modes (on stack_page) ------------------------------------------*/

static __attribute__((noreturn)) void exact_main(void)
{
	struct snap_regs r;

	/* RESTORE with no snapshot kept */
	snapshot_regs(&r);
	r.in_eax = BH_HC_RESTORE;
	int32_t e = restore_call(&r);
	if (e != BH_ENOENT) {
		kprintf("snaptest: FAIL restore before snapshot -> %d, "
			"expected %d (BH_ENOENT)\n",
			e, BH_ENOENT);
		guest_exit(1);
	}
	kprintf("snaptest: restore before snapshot -> %d (BH_ENOENT) ok\n", e);

	/* From here on nothing but stack_page is written until SNAPSHOT. */
	state_load(&snap_in);
	fp_read(&snap_ref);
	copy_words(g.ref_base, 0, g.img_end / 4);
	snapshot_regs(&r);
	uint32_t ccr0 = timer_count();
	int32_t ret = snap_call(&r);

	if (ret == 0) {
		check_gprs(0, &r);
		kprintf("snaptest: snapshot taken: %llu ticks (guest TSC "
			"around the call)\n",
			(unsigned long long)(r.tsc1 - r.tsc0));
		run_cycle(1);
	}
	if (ret != 1)
		fail(0, "SNAPSHOT result", 0, (uint64_t)(int64_t)ret);
	uint32_t k = r.ebx;
	if (k < 1 || k > g.cycles)
		fail(k, "restore count (EBX) in 1..cycles", g.cycles, k);
	verify(k, &r, ccr0);
	if (k < g.cycles)
		run_cycle(k + 1);
	kprintf("snaptest: %u cycles bit-exact, tsc delta < %u every cycle, "
		"pages copied == pages written\n",
		g.cycles, g.tsc_bound);
	guest_exit(0);
}

static __attribute__((noreturn)) void bench_main(void)
{
	static const uint32_t sizes[] = {1, 16, 256, 4096};
	const uint32_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	uint32_t total = nsizes * g.reps, k = 0, mib = g.ram >> 20;
	struct snap_regs r;

	snapshot_regs(&r);
	int32_t ret = snap_call(&r);
	if (ret == 0) {
		kprintf("snaptest: bench ram=%uMiB snapshot take %llu ticks\n",
			mib, (unsigned long long)(r.tsc1 - r.tsc0));
	} else if (ret == 1 && r.ebx >= 1 && r.ebx <= total) {
		k = r.ebx;
		uint32_t d = sizes[(k - 1) / g.reps];
		kprintf("snaptest: bench ram=%uMiB restore %u dirty=%u "
			"written=%u copied=%u ticks=%u%s\n",
			mib, k, d, d + 1, r.ecx, r.edx,
			r.ecx == d + 1 ? "" : " MISMATCH");
	} else {
		kprintf("snaptest: bench FAIL SNAPSHOT -> %d ebx=%u\n", ret,
			r.ebx);
		guest_exit(1);
	}
	if (k == total) {
		kprintf("snaptest: bench done\n");
		guest_exit(0);
	}

	/* the next restore's pages: one word in each; what the writes cost
	 * the guest is what tracking costs it (an exit per page with write
	 * protection, one per 512 with a dirty log) */
	uint32_t d = sizes[k / g.reps];
	uint64_t t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < d; i++)
		*word_at(g.pat_base + i * PAGE + ((k * 4) & (PAGE - 1))) = k;
	uint64_t t1 = rdtsc_ordered();
	kprintf("snaptest: bench ram=%uMiB dirty=%u writes %llu ticks\n", mib,
		d, (unsigned long long)(t1 - t0));
	snapshot_regs(&r);
	r.in_eax = BH_HC_RESTORE;
	ret = restore_call(&r);
	kprintf("snaptest: bench FAIL RESTORE -> %d\n", ret);
	guest_exit(1);
}

static __attribute__((noreturn)) void noperm_main(void)
{
	struct snap_regs r;

	snapshot_regs(&r);
	int32_t s = snap_call(&r);
	if (s == 1) {
		kprintf("snaptest: noperm FAIL SNAPSHOT allowed and a RESTORE "
			"came back to it\n");
		guest_exit(1);
	}
	snapshot_regs(&r);
	r.in_eax = BH_HC_RESTORE;
	int32_t e = restore_call(&r);
	bool ok = s == BH_EPERM && e == BH_EPERM;
	kprintf("snaptest: noperm snapshot -> %d restore -> %d %s\n", s, e,
		ok ? "(BH_EPERM) ok" : "FAIL: expected -4 (BH_EPERM)");
	guest_exit(ok ? 0 : 1);
}

/* ---- set-up (on the boot stack) ------------------------------------------*/

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	const char *cmdline = mb_cmdline(mbi);
	char mode[16];

	trap_init();
	hypercall_sites_patch();
	if (!cmdline_get(cmdline, "mode", mode, sizeof(mode)) ||
	    streq(mode, "exact"))
		g.mode = MODE_EXACT;
	else if (streq(mode, "bench"))
		g.mode = MODE_BENCH;
	else if (streq(mode, "noperm"))
		g.mode = MODE_NOPERM;
	else {
		kprintf("snaptest: FAIL unknown mode '%s'\n", mode);
		return 2;
	}
	g.cycles = cmdline_get_u32(cmdline, "cycles", DEFAULT_CYCLES);
	g.reps = cmdline_get_u32(cmdline, "reps", DEFAULT_REPS);
	g.tsc_bound = cmdline_get_u32(cmdline, "tsc_bound", DEFAULT_TSC_BOUND);
	if (g.cycles == 0)
		g.cycles = 1;
	if (g.reps == 0)
		g.reps = 1;

	uint32_t top = (uint32_t)(uintptr_t)stack_page + PAGE;
	g.stack = (uint32_t)(uintptr_t)stack_page;
	g.ram = cpuid(BH_CPUID_INFO, 0).ecx << 20;
	g.img_end = ((uint32_t)(uintptr_t)__bss_end + PAGE - 1) & ~(PAGE - 1);
	if (g.mode == MODE_NOPERM)
		run_on_stack(noperm_main, top);

	if (g.mode == MODE_BENCH) {
		g.pat_base = g.img_end;
		if (g.ram < g.pat_base + 4096 * PAGE) {
			kprintf("snaptest: bench FAIL needs at least %u MiB "
				"of RAM\n",
				((g.pat_base + 4096 * PAGE) >> 20) + 1);
			return 2;
		}
		run_on_stack(bench_main, top);
	}

	g.ref_base = g.img_end;
	g.pat_base = g.ref_base + g.img_end;
	g.pat_pages = g.ram > g.pat_base ? (g.ram - g.pat_base) / PAGE : 0;
	if (g.pat_pages < 2 * MAX_SCRIBBLE) {
		kprintf("snaptest: FAIL needs at least %u MiB of RAM\n",
			((g.pat_base + 2 * MAX_SCRIBBLE * PAGE) >> 20) + 1);
		return 2;
	}
	fill_pattern();
	fpu_setup();
	fp_values(&snap_in, seed_of(0, 0x5AA5u));
	snap_in.fcw = FPU_FCW_SNAP;
	snap_in.mxcsr = FPU_MXCSR_SNAP;
	snap_in.dr6 = DR6_SNAP;
	snap_in.dr7 = DR7_SNAP;
	dr7_probe();
	uint32_t nmsr = msr_setup();
	apic_setup();
	kprintf("snaptest: mode=exact ram=%uMiB image+stacks 0x0-0x%x (copy at "
		"0x%x), pattern 0x%x-0x%x (%u pages), stack page 0x%x\n",
		g.ram >> 20, g.img_end - 1, g.ref_base, g.pat_base, g.ram - 1,
		g.pat_pages, g.stack);
	kprintf(
	    "snaptest: checking ESI EDI EBP ESP EFLAGS, x87 %s, XCR0=0x%llx, "
	    "CR2 DR0-3 DR6 DR7, %u/%u MSRs, x2APIC timer; %u cycles\n",
	    g.avx ? "SSE AVX (YMM0-7)" : "SSE (XMM0-7)",
	    (unsigned long long)g.xcr0, nmsr, (unsigned)NMSR, g.cycles);
	run_on_stack(exact_main, top);
}
