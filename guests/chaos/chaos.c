/* chaos.elf: a seeded storm of privileged and malformed operations. A
 * xorshift generator picks, `iters` times, one operation from six
 * categories:
 *   msr     RDMSR/WRMSR of random indexes (low range, the x2APIC range
 *           0x800-0x8FF, the 0xC0000000 range, well-known ones, any) with
 *           random values; IA32_APIC_BASE mode switches and relocations;
 *           well-formed IPIs through the x2APIC ICR, to destinations in
 *           and outside the partition. The x2APIC timer's initial count is
 *           kept at 1M ticks or more: a periodic timer shorter than an
 *           exit round trip starves the vCPU.
 *   io      IN/OUT of 1, 2 or 4 bytes on random ports, never touching the
 *           reset ports (0xCF9, 0x92, 0x64), the exit port (0xF4) or the
 *           UART (0x3F8-0x3FF)
 *   cpuid   random leaves and subleaves (basic, hypervisor, extended, any)
 *   vmcall  random numbers and arguments (a CONSOLE_WRITE range the ABI
 *           accepts is pointed at the line "chaos: console_write ok")
 *   insn    UD2, INT3, divide by zero, the VMX instructions, VMFUNC,
 *           GETSEC, MONITOR/MWAIT, XSETBV (subsets of the supported XCR0
 *           components, or any value), XGETBV, INVD, WBINVD
 *   cr      MOV to CR0 (PE kept, PG never set, NW with or without CD),
 *           CR4 (the usual features, or any bits) and CR3/CR2, LMSW,
 *           CLTS; CR0 and CR4 are put back at the end
 * Every exception is caught (trap_run) and counted. Nothing it does may
 * stop its own partition: no memory outside its RAM, no string I/O, no
 * SYSENTER, no STI/HLT, PE never cleared and PG never set in CR0
 * (tests/integration/test_chaos.sh checks it exits with status 0). Some
 * results the ABI defines are checked on the way (hypercall return
 * values; IA32_APIC_BASE never relocated, IA32_FEATURE_CONTROL never
 * offering VMX); a mismatch is an anomaly.
 *
 * Command line keys:
 *   seed=S    generator seed (default 1; 0 counts as 1)
 *   iters=N   operations (default 1000)
 *   xsetbv=0  leave XSETBV out of the mix (default 1)
 *
 * Output:
 *   chaos: seed=<S> iters=<N>
 *   chaos: progress <i>/<N>                         every 1000 operations
 *   chaos: ANOMALY <what>                           (the first 10)
 *   chaos: done iters=<N> msr=<n> io=<n> cpuid=<n> vmcall=<n> insn=<n>
 *          cr=<n> faults=<n>                        (one line)
 *   chaos: anomalies=<n>
 * then exit status 0 (1 if there were anomalies).
 */
#include "lib.h"

#define DEFAULT_ITERS  1000u
#define PROGRESS_EVERY 1000u
#define MAX_REPORTED   10u

#define MSR_APIC_BASE	    0x1Bu
#define MSR_FEATURE_CONTROL 0x3Au
#define MSR_X2APIC_TMICT    0x838u
#define APIC_BASE_DEFAULT   0xFEE00000ull
#define CR0_PE		    (1u << 0)
#define CR0_ET		    (1u << 4)
#define CR0_NW		    (1u << 29)
#define CR0_CD		    (1u << 30)
/* CR0 bits chaos may flip: MP EM TS NE WP AM CD, and NW. */
#define CR0_RANDOM                                                             \
	((1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 16) |          \
	 (1u << 18) | CR0_CD)

/* CR4: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT FSGSBASE
 * OSXSAVE SMEP SMAP */
#define CR4_COMMON 0x003507FFu

enum cat { C_MSR, C_IO, C_CPUID, C_VMCALL, C_INSN, C_CR, C_COUNT };

static const char *const cat_names[C_COUNT] = {
    "msr", "io", "cpuid", "vmcall", "insn", "cr",
};

static uint32_t rng = 1;
static uint32_t counts[C_COUNT];
static uint32_t faults, anomalies;
static uint64_t ram_bytes;
static uint64_t xcr0_mask; /* CPUID 0xD.0 EDX:EAX */
static bool xsetbv_on = true;
static uint8_t scratch[64] __attribute__((aligned(16)));
static const char hc_text[] = "chaos: console_write ok\n";

static uint32_t rnd(void)
{
	/* xorshift32 (Marsaglia) */
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static uint64_t rnd64(void)
{
	uint64_t hi = rnd();
	return (hi << 32) | rnd();
}

/* A random value of a random kind: 0, small, one bit, 32 or 64 bits. */
static uint64_t rnd_value(void)
{
	switch (below(5)) {
	case 0:
		return 0;
	case 1:
		return below(16);
	case 2:
		return 1ull << below(64);
	case 3:
		return rnd();
	default:
		return rnd64();
	}
}

__attribute__((format(printf, 1, 2))) static void anomaly(const char *fmt, ...)
{
	va_list ap;
	if (anomalies++ >= MAX_REPORTED)
		return;
	va_start(ap, fmt);
	kprintf("chaos: ANOMALY ");
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
}

/* ---- operations: each runs under trap_run with one of these ------------ */

struct op {
	uint32_t a, b, c, d; /* operands in, results out */
	uint64_t v;
	uint32_t kind;
};

static void run_rdmsr(void *ctx)
{
	struct op *o = ctx;
	o->v = rdmsr(o->a);
}

static void run_wrmsr(void *ctx)
{
	struct op *o = ctx;
	wrmsr(o->a, o->v);
}

static const uint32_t known_msrs[] = {
    0x10,	0x1B,	    0x3A,	0x79,	    0x8B,	0xCE,
    0xFE,	0x174,	    0x175,	0x176,	    0x179,	0x17A,
    0x1A0,	0x1D9,	    0x200,	0x250,	    0x277,	0x2FF,
    0x480,	0x48B,	    0x6E0,	0x800,	    0x830,	0xC0000080,
    0xC0000081, 0xC0000082, 0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103,
    0xC0010000, 0x40000000, 0x4B564D00,
};

/* Interesting x2APIC registers: ID, version, TPR, EOI, LDR, SVR, ESR,
 * ICR, the LVTs, timer counts and divide, SELF IPI. */
static const uint16_t x2apic_regs[] = {
    0x802, 0x803, 0x808, 0x80B, 0x80D, 0x80F, 0x828, 0x830, 0x832,
    0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83E, 0x83F,
};

static uint32_t pick_msr(void)
{
	switch (below(6)) {
	case 0:
		return below(0x2000);
	case 1:
		if (!below(4))
			return BH_X2APIC_ICR;
		if (below(2))
			return x2apic_regs[below(sizeof(x2apic_regs) /
						 sizeof(x2apic_regs[0]))];
		return 0x800 + below(0x100);
	case 2:
		return 0xC0000000u + below(0x2000);
	case 3:
		return known_msrs[below(sizeof(known_msrs) /
					sizeof(known_msrs[0]))];
	case 4:
		return MSR_APIC_BASE;
	default:
		return rnd();
	}
}

static void op_msr(void)
{
	struct op o = {0};
	int vec;

	o.a = pick_msr();
	if (below(2)) {
		vec = trap_run(run_rdmsr, &o);
		if (vec != TRAP_NONE)
			faults++;
		else if (o.a == MSR_APIC_BASE &&
			 (o.v & ~0xFFFull) != APIC_BASE_DEFAULT)
			anomaly("IA32_APIC_BASE reads 0x%llx",
				(unsigned long long)o.v);
		else if (o.a == MSR_FEATURE_CONTROL && (o.v & 6))
			anomaly("IA32_FEATURE_CONTROL offers VMX: 0x%llx",
				(unsigned long long)o.v);
		return;
	}
	if (o.a == MSR_APIC_BASE && below(2)) {
		/* a mode switch (disabled, xAPIC, x2APIC, invalid), or a
		 * relocation */
		o.v = APIC_BASE_DEFAULT | ((uint64_t)below(4) << 10) |
		      (below(2) << 8);
		if (!below(4))
			o.v ^= (uint64_t)1 << (12 + below(24));
	} else if (o.a == BH_X2APIC_ICR && below(2)) {
		/* a well-formed IPI: any vector, delivery mode, level,
		 * shorthand; a small or any destination */
		static const uint32_t modes[] = {0, 1, 2, 4, 5, 6};
		uint64_t dest = below(2) ? below(8) : rnd();
		o.v = (dest << 32) | below(256) |
		      (modes[below(sizeof(modes) / sizeof(modes[0]))] << 8) |
		      (below(2) << 11) | (below(2) << 14) | (below(2) << 15) |
		      (below(4) << 18);
	} else {
		o.v = rnd_value();
	}
	/* A periodic timer shorter than an exit would starve this vCPU. */
	if (o.a == MSR_X2APIC_TMICT)
		o.v |= 0x100000u;
	if (trap_run(run_wrmsr, &o) != TRAP_NONE)
		faults++;
}

static bool overlaps(uint32_t port, uint32_t size, uint32_t lo, uint32_t hi)
{
	return port <= hi && port + size > lo;
}

static bool port_forbidden(uint32_t port, uint32_t size)
{
	return overlaps(port, size, 0xCF9, 0xCF9) ||
	       overlaps(port, size, 0x92, 0x92) ||
	       overlaps(port, size, 0x64, 0x64) ||
	       overlaps(port, size, BH_EXIT_PORT, BH_EXIT_PORT + 3) ||
	       overlaps(port, size, BH_UART_BASE, BH_UART_BASE + 7) ||
	       port + size > 0x10000;
}

static const uint16_t known_ports[] = {
    0x20,  0x21,  0x40,	 0x43,	0x60,  0x61,  0x70,   0x71,  0x80,
    0xA0,  0xA1,  0xB2,	 0xCF8, 0xCFC, 0xCFE, 0x2F8,  0x3F0, 0x402,
    0x4D0, 0x4D1, 0x510, 0x600, 0x604, 0x608, 0xB000,
};

static void run_io(void *ctx)
{
	struct op *o = ctx;
	uint16_t port = (uint16_t)o->a;
	uint32_t v = o->b;

	switch (o->kind) {
	case 0:
		__asm__ __volatile__("inb %w1, %b0" : "=a"(v) : "Nd"(port));
		break;
	case 1:
		__asm__ __volatile__("inw %w1, %w0" : "=a"(v) : "Nd"(port));
		break;
	case 2:
		__asm__ __volatile__("inl %w1, %0" : "=a"(v) : "Nd"(port));
		break;
	case 3:
		__asm__ __volatile__("outb %b0, %w1" : : "a"(v), "Nd"(port));
		break;
	case 4:
		__asm__ __volatile__("outw %w0, %w1" : : "a"(v), "Nd"(port));
		break;
	default:
		__asm__ __volatile__("outl %0, %w1" : : "a"(v), "Nd"(port));
		break;
	}
	o->c = v;
}

static void op_io(void)
{
	static const uint32_t sizes[3] = {1, 2, 4};
	struct op o = {0};

	do {
		switch (below(3)) {
		case 0:
			o.a = below(0x10000);
			break;
		case 1:
			o.a = below(0x400);
			break;
		default:
			o.a = known_ports[below(sizeof(known_ports) /
						sizeof(known_ports[0]))];
			break;
		}
		o.kind = below(6);
	} while (port_forbidden(o.a, sizes[o.kind % 3]));
	o.b = (uint32_t)rnd_value();
	if (trap_run(run_io, &o) != TRAP_NONE)
		faults++;
}

static void op_cpuid(void)
{
	uint32_t leaf, sub = below(2) ? below(8) : rnd();

	switch (below(4)) {
	case 0:
		leaf = below(0x21);
		break;
	case 1:
		leaf = BH_CPUID_BASE + below(0x100);
		break;
	case 2:
		leaf = 0x80000000u + below(0x21);
		break;
	default:
		leaf = rnd();
		break;
	}
	(void)cpuid(leaf, sub);
}

static void run_vmcall(void *ctx)
{
	struct op *o = ctx;
	bh_hypercall_regs(&o->a, &o->b, &o->c, &o->d);
}

/* BH_HC_CONSOLE_WRITE operands: in RAM or not, short or too long. A range
 * the ABI accepts is pointed at a text line instead, to keep the console
 * readable. */
static void console_args(struct op *o)
{
	switch (below(4)) {
	case 0:
		o->b = rnd();
		break;
	case 1:
		o->b = (uint32_t)ram_bytes - below(0x3000);
		break;
	case 2:
		o->b = 0xFFFFFFFFu - below(0x3000);
		break;
	default:
		o->b = below((uint32_t)ram_bytes);
		break;
	}
	o->c = below(2) ? below(0x1100) : rnd();
}

static bool console_ok(uint32_t gpa, uint32_t len)
{
	return len <= BH_HC_CONSOLE_MAX && (uint64_t)gpa + len <= ram_bytes;
}

static void op_vmcall(void)
{
	struct op o = {0};
	uint32_t nr;
	int32_t want;
	bool check = true;

	switch (below(4)) {
	case 0:
		nr = below(6); /* the defined calls */
		break;
	case 1:
		nr = 6 + below(60); /* unknown, small */
		check = false;	    /* (future calls may land here) */
		break;
	default:
		nr = rnd() | 0x10000u; /* unknown */
		break;
	}
	o.a = nr;
	o.b = rnd();
	o.c = rnd();
	o.d = rnd();
	if (nr == BH_HC_SLEEP)
		o.b = below(20000); /* TSC ticks: a short nap */
	if (nr == BH_HC_CONSOLE_WRITE) {
		console_args(&o);
		if (console_ok(o.b, o.c)) {
			o.b = (uint32_t)(uintptr_t)hc_text;
			o.c = sizeof(hc_text) - 1;
		}
	}
	uint32_t b = o.b, c = o.c;
	if (trap_run(run_vmcall, &o) != TRAP_NONE) {
		faults++;
		anomaly("VMCALL %u raised %s", nr,
			trap_name((int)trap_last.vector));
		return;
	}
	if (!check)
		return;
	switch (nr) {
	case BH_HC_VERSION:
		want = BH_ABI_VERSION;
		break;
	case BH_HC_CONSOLE_WRITE:
		want = c > BH_HC_CONSOLE_MAX ? BH_EINVAL
		       : console_ok(b, c)    ? (int32_t)c
					     : BH_EFAULT;
		break;
	case BH_HC_VCPU_INFO:
		want = 0;
		if (o.b != 1)
			anomaly("VCPU_INFO count %u", o.b);
		break;
	case BH_HC_SLEEP:
		want = BH_EOK;
		break;
	case BH_HC_SNAPSHOT: /* its config has no snapshot = self */
	case BH_HC_RESTORE:
		want = BH_EPERM;
		break;
	default:
		want = BH_ENOSYS;
		break;
	}
	if ((int32_t)o.a != want)
		anomaly("VMCALL %u (0x%x, 0x%x) returned %d, expected %d", nr,
			b, c, (int32_t)o.a, want);
}

enum insn {
	I_UD2,
	I_INT3,
	I_DIV0,
	I_VMXON,
	I_VMXOFF,
	I_VMCLEAR,
	I_VMPTRLD,
	I_VMPTRST,
	I_VMREAD,
	I_VMWRITE,
	I_VMLAUNCH,
	I_VMRESUME,
	I_INVEPT,
	I_INVVPID,
	I_VMFUNC,
	I_GETSEC,
	I_MONITOR,
	I_MWAIT,
	I_XSETBV,
	I_XGETBV,
	I_INVD,
	I_WBINVD,
	I_COUNT
};

static void run_insn(void *ctx)
{
	struct op *o = ctx;
	uint64_t *mem = (uint64_t *)scratch;
	volatile uint32_t divisor = 0;
	uint32_t hi = 0;

	switch (o->kind) {
	case I_UD2:
		__asm__ __volatile__("ud2");
		break;
	case I_INT3:
		__asm__ __volatile__("int3");
		break;
	case I_DIV0:
		__asm__ __volatile__("divl %2"
				     : "+a"(o->a), "+d"(hi)
				     : "r"(divisor));
		break;
	case I_VMXON:
		*mem = o->v;
		__asm__ __volatile__("vmxon %0" : : "m"(*mem) : "memory");
		break;
	case I_VMXOFF:
		__asm__ __volatile__("vmxoff" : : : "memory", "cc");
		break;
	case I_VMCLEAR:
		*mem = o->v;
		__asm__ __volatile__("vmclear %0" : : "m"(*mem) : "memory");
		break;
	case I_VMPTRLD:
		*mem = o->v;
		__asm__ __volatile__("vmptrld %0" : : "m"(*mem) : "memory");
		break;
	case I_VMPTRST:
		__asm__ __volatile__("vmptrst %0" : "=m"(*mem) : : "memory");
		break;
	case I_VMREAD:
		__asm__ __volatile__("vmread %1, %0"
				     : "=r"(o->c)
				     : "r"(o->a)
				     : "memory", "cc");
		break;
	case I_VMWRITE:
		__asm__ __volatile__("vmwrite %1, %0"
				     :
				     : "r"(o->a), "r"(o->b)
				     : "memory", "cc");
		break;
	case I_VMLAUNCH:
		__asm__ __volatile__("vmlaunch" : : : "memory", "cc");
		break;
	case I_VMRESUME:
		__asm__ __volatile__("vmresume" : : : "memory", "cc");
		break;
	case I_INVEPT:
		mem[0] = o->v;
		mem[1] = 0;
		__asm__ __volatile__("invept %0, %1"
				     :
				     : "m"(*(uint8_t(*)[16])scratch), "r"(o->a)
				     : "memory");
		break;
	case I_INVVPID:
		mem[0] = o->v;
		mem[1] = 0;
		__asm__ __volatile__("invvpid %0, %1"
				     :
				     : "m"(*(uint8_t(*)[16])scratch), "r"(o->a)
				     : "memory");
		break;
	case I_VMFUNC:
		__asm__ __volatile__("vmfunc" : : "a"(o->a), "c"(o->b));
		break;
	case I_GETSEC:
		__asm__ __volatile__("getsec" : "+a"(o->a), "+b"(o->b));
		break;
	case I_MONITOR:
		__asm__ __volatile__("monitor"
				     :
				     : "a"(scratch), "c"(o->b), "d"(o->c)
				     : "memory");
		break;
	case I_MWAIT:
		__asm__ __volatile__("mwait" : : "a"(o->a), "c"(o->b));
		break;
	case I_XSETBV:
		__asm__ __volatile__("xsetbv"
				     :
				     : "c"(o->a), "a"((uint32_t)o->v),
				       "d"((uint32_t)(o->v >> 32)));
		break;
	case I_XGETBV: {
		uint32_t lo, hi;
		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(o->a));
		o->v = ((uint64_t)hi << 32) | lo;
		break;
	}
	case I_INVD:
		__asm__ __volatile__("invd" : : : "memory");
		break;
	default:
		__asm__ __volatile__("wbinvd" : : : "memory");
		break;
	}
}

static void op_insn(void)
{
	struct op o = {0};

	do
		o.kind = below(I_COUNT);
	while (o.kind == I_XSETBV && !xsetbv_on);
	o.a = below(2) ? below(4) : rnd();
	o.b = rnd();
	o.c = rnd();
	switch (o.kind) {
	case I_XSETBV:
		/* a subset of the supported state components, x87, SSE
		 * and AVX alone, or anything */
		switch (below(3)) {
		case 0:
			o.v = (rnd64() & xcr0_mask) | 1;
			break;
		case 1:
			o.v = 1u | (below(8) << 1);
			break;
		default:
			o.v = rnd_value();
			break;
		}
		break;
	case I_VMXON:
	case I_VMCLEAR:
	case I_VMPTRLD:
		o.v = below(2) ? (uint32_t)(uintptr_t)(scratch + 32)
			       : rnd_value();
		break;
	default:
		o.v = rnd_value();
		break;
	}
	if (trap_run(run_insn, &o) != TRAP_NONE)
		faults++;
}

enum cr_op { CR_CR0, CR_CR4, CR_CR3, CR_CR2, CR_LMSW, CR_CLTS, CR_COUNT };

static void run_cr(void *ctx)
{
	struct op *o = ctx;
	uint32_t v;

	switch (o->kind) {
	case CR_CR0:
		__asm__ __volatile__("mov %0, %%cr0" : : "r"(o->a) : "memory");
		break;
	case CR_CR4:
		__asm__ __volatile__("mov %0, %%cr4" : : "r"(o->a) : "memory");
		break;
	case CR_CR3:
		__asm__ __volatile__("mov %0, %%cr3" : : "r"(o->a) : "memory");
		__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
		o->b = v;
		break;
	case CR_CR2:
		__asm__ __volatile__("mov %0, %%cr2" : : "r"(o->a) : "memory");
		__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
		o->b = v;
		break;
	case CR_LMSW:
		__asm__ __volatile__("lmsw %w0" : : "r"(o->a) : "memory");
		break;
	default:
		__asm__ __volatile__("clts" : : : "memory");
		break;
	}
}

static void op_cr(void)
{
	struct op o = {0};

	o.kind = below(CR_COUNT);
	switch (o.kind) {
	case CR_CR0:
		o.a = CR0_PE | CR0_ET | (rnd() & CR0_RANDOM);
		if (below(2))
			o.a |= CR0_NW; /* without CD: #GP */
		break;
	case CR_CR4:
		if (below(2)) {
			/* features a CPU with VMX has: these mostly stick */
			o.a = rnd() & CR4_COMMON;
		} else {
			/* bits 0-24 (VMXE, SMXE, LA57...), rarely more */
			o.a = rnd() & (below(8) ? 0x01FFFFFFu : 0xFFFFFFFFu);
			if (below(2))
				o.a &= rnd(); /* fewer bits */
		}
		break;
	case CR_LMSW:
		o.a = rnd() & 0xF; /* LMSW cannot clear PE */
		break;
	default:
		o.a = rnd();
		break;
	}
	if (trap_run(run_cr, &o) != TRAP_NONE)
		faults++;
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	const char *cmdline = mb_cmdline(mbi);
	uint32_t seed = cmdline_get_u32(cmdline, "seed", 1);
	uint32_t iters = cmdline_get_u32(cmdline, "iters", DEFAULT_ITERS);

	trap_init();
	ram_bytes = mb_ram_bytes(mbi);
	if (!ram_bytes)
		ram_bytes = (uint64_t)cpuid(BH_CPUID_INFO, 0).ecx << 20;
	rng = seed ? seed : 1;
	xsetbv_on = cmdline_get_u32(cmdline, "xsetbv", 1) != 0;
	if (cpuid(0, 0).eax >= 0xD) {
		struct cpuid_regs x = cpuid(0xD, 0);
		xcr0_mask = ((uint64_t)x.edx << 32) | x.eax;
	}
	kprintf("chaos: seed=%u iters=%u\n", seed, iters);

	uint32_t cr0 = read_cr0(), cr4 = read_cr4();
	for (uint32_t i = 1; i <= iters; i++) {
		enum cat c = (enum cat)below(C_COUNT);
		counts[c]++;
		switch (c) {
		case C_MSR:
			op_msr();
			break;
		case C_IO:
			op_io();
			break;
		case C_CPUID:
			op_cpuid();
			break;
		case C_VMCALL:
			op_vmcall();
			break;
		case C_INSN:
			op_insn();
			break;
		default:
			op_cr();
			break;
		}
		if (i % PROGRESS_EVERY == 0 && i < iters)
			kprintf("chaos: progress %u/%u\n", i, iters);
	}
	/* back to the CR0/CR4 of the start */
	struct op o = {.kind = CR_CR0, .a = cr0};
	(void)trap_run(run_cr, &o);
	o.kind = CR_CR4;
	o.a = cr4;
	(void)trap_run(run_cr, &o);

	kprintf("chaos: done iters=%u", iters);
	for (unsigned c = 0; c < C_COUNT; c++)
		kprintf(" %s=%u", cat_names[c], counts[c]);
	kprintf(" faults=%u\n", faults);
	kprintf("chaos: anomalies=%u\n", anomalies);
	return anomalies ? 1 : 0;
}
