/* The in-memory fake backend: every function of the vCPU seam
 * (arch/vcpu.h) and the host seam (arch/host.h), plus the physical UART
 * driver (drivers/uart16550.h), with no hardware. The arch-neutral core
 * (hv/) links against it unchanged, so host tests (tests/core/) drive
 * the exit handlers, the interrupt routing and the partition life cycle.
 *
 * It is also the contract a backend meets: what each function must do,
 * whatever the vendor (VMX today, SVM next), is written below, and the
 * fake does exactly that in memory. "Guest state" is what the backend keeps
 * in its control structure (VMCS/VMCB); struct guest_regs is the core's.
 *
 * General rules
 *  - Every vCPU call (arch_vcpu_*, arch_inject_*, arch_irq_*,
 *    arch_set_deadline, arch_emulate_mmio) acts on v's own control
 *    structure and is made on the physical CPU that runs v
 *    (arch_this_cpu() == v->pcpu). The fake checks it (contract error).
 *  - Host calls (arch/host.h) may be made from any CPU.
 *  - Nothing here may block except arch_cpu_wait() and arch_vcpu_run().
 *
 * Exits a backend reports (hv/exit_kinds.h), and what they need from it
 *  EXIT_IO             every port access but the partition's own
 *                      (cfg_owns_port); io.port/size/in/string decoded.
 *                      Handled by skip, or the partition stops.
 *  EXIT_CPUID, EXIT_RDMSR, EXIT_WRMSR, EXIT_XSETBV, EXIT_INVD,
 *  EXIT_HYPERCALL (VMCALL; VMMCALL on SVM)
 *                      always intercepted (MSRs: all but a passthrough
 *                      list of per-CPU state); operands in v->regs;
 *                      the core skips or injects #GP/#UD.
 *  EXIT_HLT            always intercepted: the core waits for the next
 *                      interrupt itself, on the dedicated CPU.
 *  EXIT_CR_ACCESS      writes to the CR0/CR4 bits the backend owns, with
 *                      cr.op/cr/val decoded (val: the source register).
 *  EXIT_MEM_VIOLATION  nested-paging fault outside RAM: mem.gpa and the
 *                      read/write/fetch bits.
 *  EXIT_PRIV_INSN      MONITOR, MWAIT, GETSEC, the VMX/SVM instructions:
 *                      the core injects #UD.
 *  EXIT_EXCEPTION      machine check in the guest (the only exception
 *                      intercepted): the partition faults.
 *  EXIT_TRIPLE_FAULT (shutdown), EXIT_ENTRY_FAILED (the entry was
 *                      refused: invalid guest state): the partition faults.
 *  EXIT_INTERRUPT      a host interrupt: serviced by arch_host_irq().
 *  EXIT_NMI            a kick (NMI or INIT): nothing to do but re-check.
 *  EXIT_TIMER, EXIT_IRQ_WINDOW   see arch_set_deadline/arch_irq_window.
 *  EXIT_UNHANDLED      anything else (raw_reason says what): stops.
 *
 * Set-up
 *  arch_virt_enable()     Enable virtualization on the calling CPU; NULL,
 *                         or a static reason string (the core stops the
 *                         partition with it). Fake: fake_set_virt_error().
 *  arch_partition_init(p) Build p's guest-physical map: [0, ram_size) ->
 *                         host [ram_hpa, +ram_size), RWX, nothing else
 *                         mapped (every other access exits as
 *                         EXIT_MEM_VIOLATION with gpa and r/w/x); and its
 *                         I/O permissions: only ports cfg_owns_port() gives
 *                         p pass through, every other port exits as
 *                         EXIT_IO. Sets p->arch. 0 or -1. Fake: allocates
 *                         p->arch, maps nothing (no guest code runs).
 *  arch_vcpu_create(v)    Create v's control structure on the calling
 *                         (owning) CPU and set v->arch. 0 or -1.
 *  arch_vcpu_start(v, s)  Architectural reset of v at s: RIP = s->rip;
 *                         real mode: CS = s->cs (base cs << 4), CR0 = ET;
 *                         prot32: flat 4 GiB segments with selectors
 *                         code_sel/data_sel (0 = 0x08/0x10) and GDTR from
 *                         s, CR0 = ET|PE. Always RFLAGS = 0x2 (IF clear),
 *                         CR4 = 0, EFER = 0, no queued event, no interrupt
 *                         shadow, activity state active. struct guest_regs
 *                         is the core's (it zeroes it). Controls (IRQ
 *                         window, deadline) need not change: the core
 *                         re-sets them before every entry.
 *
 * Running
 *  arch_vcpu_run(v, e)    Deliver the queued event (if any) and enter the
 *                         guest with v->regs loaded; return at the next
 *                         exit with v->regs saved and *e filled: kind, the
 *                         backend's own raw_reason/qual (messages only) and
 *                         the decoded io/mem/cr fields for EXIT_IO,
 *                         EXIT_MEM_VIOLATION and EXIT_CR_ACCESS. A failed
 *                         entry is EXIT_ENTRY_FAILED. It must exit with
 *                         EXIT_IRQ_WINDOW as soon as the guest can take an
 *                         interrupt while the window is open, with
 *                         EXIT_TIMER no later than the deadline, and with
 *                         EXIT_NMI or EXIT_INTERRUPT when kicked. An event
 *                         whose delivery was cut short by an exit is
 *                         delivered again at the next entry. Fake: delivers
 *                         the queued event into fake_vcpu(v)->delivered[],
 *                         then reports IRQ_WINDOW (window open and
 *                         injectable), TIMER (deadline <= arch_now(), or
 *                         reached while the guest runs the ticks of the
 *                         next queued exit), or the next exit the test
 *                         queued; with none queued it leaves
 *                         fake_run_loop() (longjmp).
 *  arch_vcpu_skip(v)      Advance RIP by the length of the instruction
 *                         that exited and end STI/MOV-SS blocking (SDM
 *                         24.4.2). Called at most once per exit, never
 *                         after an exception was injected for it. Fake:
 *                         RIP += insn_len (fake_set_insn_len()).
 *  arch_vcpu_reg(v, r)    RIP, RFLAGS, EFER as the guest has them; CR0 and
 *                         CR4 as the guest believes it has them (its own
 *                         values, not bits the backend forces on).
 *  arch_vcpu_set_cr(v,cr,val)
 *                         cr is 0 or 4 and val has passed the core's
 *                         architectural checks (hv/exit/cr.c). Load it,
 *                         adding what the CPU needs in guest mode while
 *                         arch_vcpu_reg() keeps returning val; CR0: EFER.LMA
 *                         (and long-mode entry) = PG && EFER.LME. Return
 *                         false only for a value the CPU cannot run the
 *                         guest with (the core raises #GP). Fake: stores;
 *                         CR4 bits outside cr4_supported are refused.
 *
 * Events
 *  arch_inject_exception(v, vec, has_err, err)
 *                         Queue hardware exception vec for the next entry;
 *                         in real mode (CR0.PE clear) no error code is
 *                         pushed whatever has_err says. The instruction is
 *                         not skipped (faults restart it).
 *  arch_irq_injectable(v) True only if an external interrupt delivered at
 *                         the next entry would be taken now: RFLAGS.IF set,
 *                         no STI/MOV-SS shadow and no event already queued.
 *  arch_inject_irq(v, vec) Queue external interrupt vec (only after
 *                         arch_irq_injectable() said true); it ends a
 *                         halt (activity state HLT -> active).
 *  arch_irq_window(v, on) on: make arch_vcpu_run() exit with
 *                         EXIT_IRQ_WINDOW as soon as the guest can take an
 *                         interrupt; off: stop asking. Idempotent.
 *  arch_nmi_injectable(v) True only if an NMI delivered at the next entry
 *                         would be taken now: no NMI delivered since the
 *                         guest's last IRET (a->nmi_blocked; a test plays
 *                         the IRET by clearing it), no STI/MOV-SS shadow,
 *                         no event queued.
 *  arch_inject_nmi(v)     Queue an NMI (only after arch_nmi_injectable()
 *                         said true); it ends a halt and, delivered,
 *                         blocks further NMIs until the guest's IRET.
 *  arch_nmi_window(v, on) As arch_irq_window, for EXIT_NMI_WINDOW.
 *  arch_set_deadline(v, tsc)
 *                         Make arch_vcpu_run() exit (EXIT_TIMER) no later
 *                         than TSC tsc; UINT64_MAX = no timer exit. A
 *                         deadline already passed exits at once.
 *  arch_set_gpr(v, n, val) Register n (0 RAX, 4 RSP, ... 15 R15) := val.
 *  arch_apic_virt(v)      Whether the CPU virtualizes v's local APIC
 *                         (optional feature). Fake: a->apic_virt.
 *  arch_apic_sync(v, s)   Only where arch_apic_virt(v): before an entry,
 *                         the page's state; true if the CPU delivers its
 *                         IRR. Fake: records s; true in xAPIC mode, and
 *                         in x2APIC mode if a->apic_x2_virt.
 *
 * Emulation
 *  arch_emulate_mmio(v, gpa, rw, dev, &why)
 *                         Fetch the instruction at CS:RIP through the
 *                         guest's paging, decode it, do its access with
 *                         rw(v, dev, gpa, size, write, &val) (read then write
 *                         for XCHG), load a read into the destination
 *                         register, advance RIP past it; 0. If it cannot be
 *                         decoded, or rw() fails: -1 and a static *why,
 *                         RIP and registers unchanged. Fake: the access is
 *                         the one armed by fake_set_mmio() (one-shot); a
 *                         read lands in RAX with MOV semantics (8/16-bit
 *                         keep the upper bits, 32-bit zero-extends).
 *  arch_vcpu_dump(v, e)   Print (hv_log) what helps debug a failed entry
 *                         or an odd exit. No state change.
 *
 * Snapshots
 *  arch_vcpu_state_size() Bytes the core allocates per vCPU state.
 *  arch_vcpu_save(v, out) On v's own CPU, out of the guest: the whole
 *                         guest state into *out; 0, or -1 if it cannot
 *                         be kept (nothing else changes). Fake: RIP,
 *                         RFLAGS, CR0, CR4, EFER, CS, blocking, halted and
 *                         the queued event; fails when told to.
 *  arch_vcpu_load(v, in)  On v's own CPU: the guest state becomes *in;
 *                         0. The next run continues from it.
 *  arch_dirty_log_mode(p) How p's writes are tracked (set at
 *                         arch_partition_init). Fake: a log when
 *                         snapshot != no and fake_set_dirty_capable()
 *                         (default true), else none.
 *  arch_dirty_log_flush(v) On v's own CPU: hand its log to the core
 *                         (snapshot_dirty). Fake: fake_guest_write() logs
 *                         like PML, FAKE_PML entries, handed over when
 *                         full.
 *  arch_dirty_log_reset(p) / _rearm(p, pfn, n)
 *                         Clear every dirty flag / those of n pages.
 *
 * Host (arch/host.h)
 *  arch_host_init(bi)     Own page tables, GDT, IDT, TSS on the BSP.
 *  arch_start_cpu(i, apic_id, fn)
 *                         Start CPU i, which calls fn(i) on its own stack;
 *                         0 once it checked in, -1 if it did not. Fake:
 *                         counts, returns fake_set_start_cpu_result(),
 *                         never calls fn (it would not return).
 *  arch_this_cpu()        Index of the calling CPU (0 = BSP). Fake:
 *                         fake_set_cpu(), per thread.
 *  arch_now()             This CPU's TSC; all CPUs' agree (invariant TSC).
 *                         Fake: fake_set_now()/fake_advance(), plus an
 *                         optional step after every read.
 *  arch_cpuid(leaf, sub, out)
 *                         The host's raw CPUID; the core filters it.
 *  arch_xsetbv(index, value)
 *                         Apply a guest XSETBV on this dedicated CPU, or
 *                         return false where the CPU would #GP: index 0
 *                         only, x87 bit set, AVX only with SSE, only
 *                         components the host supports. Fake: supports
 *                         x87|SSE|AVX (0x7).
 *  arch_wbinvd()          Write back and invalidate this CPU's caches.
 *  arch_random(out)       64 bits from the CPU's random generator, or
 *                         false (the core then falls back). Fake: distinct
 *                         deterministic values.
 *  arch_host_irq(e)       Service the host interrupt that caused the
 *                         EXIT_INTERRUPT exit e (the guest resumes after).
 *  arch_kick(pcpu)        Make CPU pcpu leave the guest (or
 *                         arch_cpu_wait()) soon, so its loop re-checks the
 *                         partition state and pending interrupts. May be
 *                         sent to the calling CPU's peers only; never
 *                         blocks. Fake: counts per CPU (fake_kicks()).
 *  arch_cpu_wait(deadline)
 *                         Park the calling CPU until kicked or until the
 *                         TSC reaches deadline (UINT64_MAX: none); a kick
 *                         that came since the previous wait returned makes
 *                         it return at once (no lost wake-up). May return
 *                         early: callers re-check and loop. Fake: counts;
 *                         with a deadline, returns at once, the clock
 *                         moved on to the deadline unless a kick came;
 *                         without, outside fake_run_loop() returns at once;
 *                         inside,
 *                         it waits for a kick of this thread's CPU (other
 *                         test threads), and ends the loop if the
 *                         partition is stopped (nothing is left to wait
 *                         for) or after 5 s without a kick.
 *
 * Physical UART (drivers/uart16550.h, used by hv/console.c)
 *  uart_init/uart_putc/uart_getc: the fake captures output in a buffer
 *  (fake_console_output()) and feeds input from fake_console_input(). */
#include "tests/fake/fake_arch.h"
#include "arch/x86_64/x86_defs.h"
#include "drivers/uart16550.h"
#include "hv/console.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define XCR0_SUPPORTED 0x7ull /* x87, SSE, AVX */
#define FAKE_WAIT_MS   5000   /* longest arch_cpu_wait() in a loop */

static struct arch_vcpu vcpu_pool[FAKE_MAX_VCPUS];
static unsigned nvcpu_pool;
static struct arch_part part_pool[CFG_MAX_PARTS * 2];
static unsigned npart_pool;

static __thread unsigned this_cpu;
static __thread jmp_buf *loop_jmp;
static __thread struct vcpu *loop_vcpu;

static uint64_t now, now_step;
static unsigned kicks[FAKE_MAX_CPUS], total_kicks;
static unsigned wait_seen[FAKE_MAX_CPUS];
static unsigned cpu_waits, host_irqs, wbinvds, started_cpus;
static int start_cpu_result;
static const char *virt_error;
static uint64_t xcr0 = 1;

#define FAKE_CPUID_MAX 16
static struct {
	uint32_t leaf, sub, regs[4];
} cpuid_tab[FAKE_CPUID_MAX];
static unsigned ncpuid;

static char console[FAKE_CONSOLE_SIZE];
static size_t console_len;
static uint8_t input[256];
static size_t input_head, input_tail;
static uint16_t uart_base;

static unsigned contract_errors;
static char last_contract_error[200];

static void contract_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void contract_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_contract_error, sizeof(last_contract_error), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&contract_errors, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "fake_arch: contract error: %s\n", last_contract_error);
}

static bool save_error;		  /* fake_set_save_error() */
static bool dirty_capable = true; /* fake_set_dirty_capable() */

void fake_reset(void)
{
	save_error = false;
	dirty_capable = true;
	memset(vcpu_pool, 0, sizeof(vcpu_pool));
	nvcpu_pool = 0;
	for (unsigned i = 0; i < npart_pool; i++)
		free(part_pool[i].dirty);
	memset(part_pool, 0, sizeof(part_pool));
	npart_pool = 0;
	this_cpu = 0;
	now = now_step = 0;
	memset(kicks, 0, sizeof(kicks));
	memset(wait_seen, 0, sizeof(wait_seen));
	total_kicks = cpu_waits = host_irqs = wbinvds = started_cpus = 0;
	start_cpu_result = 0;
	virt_error = NULL;
	xcr0 = 1;
	ncpuid = 0;
	console_len = 0;
	console[0] = 0;
	input_head = input_tail = 0;
	contract_errors = 0;
	last_contract_error[0] = 0;
}

unsigned fake_contract_errors(void)
{
	return __atomic_load_n(&contract_errors, __ATOMIC_RELAXED);
}

const char *fake_last_contract_error(void)
{
	return last_contract_error;
}

/* ---- vCPU state -------------------------------------------------------- */

struct arch_vcpu *fake_vcpu(struct vcpu *v)
{
	if (!v->arch) {
		fprintf(stderr,
			"fake_arch: vCPU %u has no backend state "
			"(arch_vcpu_create not called)\n",
			v->index);
		abort();
	}
	return v->arch;
}

/* Every vCPU call is made on the vCPU's own CPU. */
static struct arch_vcpu *own(struct vcpu *v, const char *fn)
{
	struct arch_vcpu *a = fake_vcpu(v);
	if (this_cpu != v->pcpu)
		contract_error("%s(vCPU %u) called on CPU %u, its CPU is %u",
			       fn, v->index, this_cpu, v->pcpu);
	return a;
}

void fake_set_rflags(struct vcpu *v, uint64_t rflags)
{
	fake_vcpu(v)->rflags = rflags | 2;
}

void fake_set_insn_len(struct vcpu *v, unsigned len)
{
	fake_vcpu(v)->insn_len = len;
}

void fake_queue_exit(struct vcpu *v, const struct fake_exit *x)
{
	struct arch_vcpu *a = fake_vcpu(v);
	if (a->qtail - a->qhead == FAKE_EXIT_QUEUE) {
		fprintf(stderr, "fake_arch: exit queue full\n");
		abort();
	}
	a->queue[a->qtail++ % FAKE_EXIT_QUEUE] = *x;
}

void fake_set_mmio(struct vcpu *v, unsigned size, bool write, uint64_t value)
{
	struct fake_mmio *m = &fake_vcpu(v)->mmio;
	m->armed = true;
	m->size = size;
	m->write = write;
	m->value = value;
	m->result = 0;
}

enum fake_loop_end fake_run_loop(struct vcpu *v)
{
	static __thread jmp_buf jb;
	switch (setjmp(jb)) {
	case 0:
		loop_jmp = &jb;
		loop_vcpu = v;
		vcpu_loop(v);
	case 1 + FAKE_END_NO_EXIT:
		loop_jmp = NULL;
		loop_vcpu = NULL;
		return FAKE_END_NO_EXIT;
	default:
		loop_jmp = NULL;
		loop_vcpu = NULL;
		return FAKE_END_CPU_WAIT;
	}
}

static void leave_loop(enum fake_loop_end why)
{
	if (loop_jmp)
		longjmp(*loop_jmp, (int)why + 1);
}

/* ---- the vCPU seam: set-up --------------------------------------------- */

const char *arch_virt_enable(void)
{
	return virt_error;
}

void fake_set_virt_error(const char *why)
{
	virt_error = why;
}

int arch_partition_init(struct partition *p)
{
	if (npart_pool == BH_ARRAY_SIZE(part_pool))
		return -1;
	struct arch_part *a = &part_pool[npart_pool++];
	free(a->dirty);
	memset(a, 0, sizeof(*a));
	a->p = p;
	a->track = p->cfg->snapshot != CFG_SNAPSHOT_NO && dirty_capable;
	if (a->track && !(a->dirty = calloc(1, p->ram_size / 4096)))
		return -1;
	p->arch = a;
	return 0;
}

int arch_vcpu_create(struct vcpu *v)
{
	struct arch_vcpu *a = v->arch;
	bool ours = a >= vcpu_pool && a < vcpu_pool + FAKE_MAX_VCPUS;
	if (!ours) {
		if (nvcpu_pool == FAKE_MAX_VCPUS)
			return -1;
		a = &vcpu_pool[nvcpu_pool++];
	}
	if (this_cpu != v->pcpu)
		contract_error("arch_vcpu_create(vCPU %u) on CPU %u, its CPU "
			       "is %u",
			       v->index, this_cpu, v->pcpu);
	memset(a, 0, sizeof(*a));
	a->v = v;
	a->rflags = 2;
	a->cr0 = CR0_ET;
	a->deadline = UINT64_MAX;
	a->insn_len = FAKE_INSN_LEN;
	a->cr4_supported = ~CR4_VMXE;
	v->arch = a;
	return 0;
}

void arch_vcpu_start(struct vcpu *v, const struct vcpu_start *s)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_start");
	a->start = *s;
	a->starts++;
	a->rip = s->rip;
	a->cs =
	    s->mode == VCPU_REAL16 ? s->cs : (s->code_sel ? s->code_sel : 0x08);
	a->rflags = 2;
	a->cr0 = CR0_ET | (s->mode == VCPU_PROT32 ? CR0_PE : 0);
	a->cr4 = 0;
	a->efer = 0;
	a->event.valid = false;
	a->sti_blocking = false;
	a->halted = false;
	a->nmi_blocked = false;
}

/* ---- running ----------------------------------------------------------- */

static bool injectable(const struct arch_vcpu *a)
{
	return (a->rflags & RFLAGS_IF) && !a->sti_blocking && !a->event.valid;
}

static bool nmi_injectable(const struct arch_vcpu *a)
{
	return !a->nmi_blocked && !a->sti_blocking && !a->event.valid;
}

void arch_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_run");
	a->runs++;
	memset(e, 0, sizeof(*e));
	if (a->event.valid) { /* delivered at entry */
		if (a->ndelivered < FAKE_DELIVERED)
			a->delivered[a->ndelivered++] = a->event;
		a->nmi_blocked |= a->event.nmi;
		a->event.valid = false;
		a->halted = false;
	}
	if (a->nmi_window && nmi_injectable(a)) {
		e->kind = EXIT_NMI_WINDOW;
		e->raw_reason = 8;
		return;
	}
	if (a->irq_window && injectable(a)) {
		e->kind = EXIT_IRQ_WINDOW;
		e->raw_reason = 7;
		return;
	}
	if (a->deadline != UINT64_MAX && a->deadline <= fake_now()) {
		e->kind = EXIT_TIMER;
		e->raw_reason = 52;
		return;
	}
	if (a->qhead == a->qtail) {
		leave_loop(FAKE_END_NO_EXIT);
		contract_error("arch_vcpu_run(vCPU %u) outside fake_run_loop "
			       "with no exit queued",
			       v->index);
		e->kind = EXIT_UNHANDLED;
		e->raw_reason = 0xFA4E;
		return;
	}
	struct fake_exit *x = &a->queue[a->qhead % FAKE_EXIT_QUEUE];
	uint64_t t = fake_now();
	if (a->deadline != UINT64_MAX && x->ticks &&
	    a->deadline - t <= x->ticks) {
		x->ticks -= a->deadline - t; /* preempted by the timer */
		fake_set_now(a->deadline);
		e->kind = EXIT_TIMER;
		e->raw_reason = 52;
		return;
	}
	fake_advance(x->ticks);
	a->qhead++;
	a->insn_len = x->insn_len ? x->insn_len : FAKE_INSN_LEN;
	if (x->on_run)
		x->on_run(v, x->ctx);
	*e = x->info;
}

void arch_vcpu_skip(struct vcpu *v)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_skip");
	a->rip += a->insn_len;
	a->sti_blocking = false;
	a->skips++;
}

void arch_set_gpr(struct vcpu *v, unsigned n, uint64_t val)
{
	struct arch_vcpu *a = own(v, "arch_set_gpr");
	struct guest_regs *g = &v->regs;
	uint64_t *const map[16] = {&g->rax, &g->rcx, &g->rdx, &g->rbx,
				   &a->rsp, &g->rbp, &g->rsi, &g->rdi,
				   &g->r8,  &g->r9,  &g->r10, &g->r11,
				   &g->r12, &g->r13, &g->r14, &g->r15};
	*map[n & 15] = val;
}

uint64_t arch_vcpu_reg(struct vcpu *v, enum vcpu_reg r)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_reg");
	switch (r) {
	case VREG_RIP:
		return a->rip;
	case VREG_RFLAGS:
		return a->rflags;
	case VREG_CR0:
		return a->cr0;
	case VREG_CR4:
		return a->cr4;
	case VREG_EFER:
		return a->efer;
	}
	return 0;
}

bool arch_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_set_cr");
	if (cr == 0) {
		a->cr0 = val;
		if ((val & CR0_PG) && (a->efer & EFER_LME))
			a->efer |= EFER_LMA;
		else
			a->efer &= ~EFER_LMA;
		return true;
	}
	if (cr == 4) {
		if (val & ~a->cr4_supported)
			return false;
		a->cr4 = val;
		return true;
	}
	contract_error("arch_vcpu_set_cr(vCPU %u, CR%u)", v->index, cr);
	return false;
}

/* ---- events ------------------------------------------------------------ */

void arch_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			   uint32_t err)
{
	struct arch_vcpu *a = own(v, "arch_inject_exception");
	if (a->event.valid)
		contract_error("vCPU %u: exception %u injected over queued "
			       "vector %u",
			       v->index, vector, a->event.vector);
	if (!(a->cr0 & CR0_PE))
		has_err = false; /* real mode pushes no error code */
	a->event = (struct fake_event){.valid = true,
				       .exception = true,
				       .vector = vector,
				       .has_err = has_err,
				       .err = has_err ? err : 0};
	a->last_injected = a->event;
	a->injections++;
}

bool arch_irq_injectable(struct vcpu *v)
{
	return injectable(own(v, "arch_irq_injectable"));
}

void arch_inject_irq(struct vcpu *v, uint8_t vector)
{
	struct arch_vcpu *a = own(v, "arch_inject_irq");
	if (!injectable(a))
		contract_error("vCPU %u: IRQ vector %u injected while not "
			       "injectable (RFLAGS 0x%lx, queued %d)",
			       v->index, vector, (unsigned long)a->rflags,
			       a->event.valid);
	a->event = (struct fake_event){.valid = true, .vector = vector};
	a->last_injected = a->event;
	a->injections++;
	a->halted = false;
}

void arch_irq_window(struct vcpu *v, bool on)
{
	own(v, "arch_irq_window")->irq_window = on;
}

bool arch_nmi_injectable(struct vcpu *v)
{
	return nmi_injectable(own(v, "arch_nmi_injectable"));
}

void arch_inject_nmi(struct vcpu *v)
{
	struct arch_vcpu *a = own(v, "arch_inject_nmi");
	if (!nmi_injectable(a))
		contract_error("vCPU %u: NMI injected while not injectable "
			       "(blocked %d, queued %d)",
			       v->index, a->nmi_blocked, a->event.valid);
	a->event = (struct fake_event){
	    .valid = true, .nmi = true, .vector = X86_EXC_NMI};
	a->last_injected = a->event;
	a->injections++;
	a->halted = false;
}

void arch_nmi_window(struct vcpu *v, bool on)
{
	own(v, "arch_nmi_window")->nmi_window = on;
}

void arch_set_deadline(struct vcpu *v, uint64_t deadline)
{
	own(v, "arch_set_deadline")->deadline = deadline;
}

/* A "CPU" that virtualizes the local APIC only when a test says so; it
 * then keeps what the core told it and delivers nothing itself (a test
 * plays the CPU's part on the register page). */
bool arch_apic_virt(struct vcpu *v)
{
	return own(v, "arch_apic_virt")->apic_virt;
}

bool arch_apic_sync(struct vcpu *v, const struct apic_sync *s)
{
	struct arch_vcpu *a = own(v, "arch_apic_sync");
	if (!a->apic_virt)
		contract_error("arch_apic_sync(vCPU %u) without "
			       "arch_apic_virt",
			       v->index);
	a->apic = *s;
	a->apic_syncs++;
	return s->mode == APIC_XAPIC ||
	       (s->mode == APIC_X2APIC && a->apic_x2_virt);
}

/* ---- emulation --------------------------------------------------------- */

int arch_emulate_mmio(struct vcpu *v, uint64_t gpa, mmio_rw_fn *rw, void *dev,
		      const char **why)
{
	struct arch_vcpu *a = own(v, "arch_emulate_mmio");
	struct fake_mmio *m = &a->mmio;
	if (!m->armed) {
		*why = "fake: no decoded access armed";
		return -1;
	}
	m->armed = false;
	m->calls++;
	m->last_gpa = gpa;
	uint64_t val = m->value;
	if (rw(v, dev, gpa, m->size, m->write, &val)) {
		*why = "device refused the access";
		return -1;
	}
	if (!m->write) {
		m->result = val;
		uint64_t *rax = &v->regs.rax;
		switch (m->size) {
		case 1:
			*rax = (*rax & ~0xFFull) | (val & 0xFF);
			break;
		case 2:
			*rax = (*rax & ~0xFFFFull) | (val & 0xFFFF);
			break;
		case 4:
			*rax = (uint32_t)val;
			break;
		default:
			*rax = val;
		}
	}
	a->rip += a->insn_len;
	return 0;
}

void arch_vcpu_dump(struct vcpu *v, const struct exit_info *e)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_dump");
	a->dumps++;
	hv_log("fake: vCPU %u dump: exit kind %u raw 0x%x RIP 0x%lx", v->index,
	       e ? (unsigned)e->kind : 0u, e ? e->raw_reason : 0u,
	       (unsigned long)a->rip);
}

/* ---- snapshots --------------------------------------------------------- */

void fake_set_save_error(bool fail)
{
	save_error = fail;
}

size_t arch_vcpu_state_size(void)
{
	return sizeof(struct arch_vcpu_state);
}

int arch_vcpu_save(struct vcpu *v, struct arch_vcpu_state *out)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_save");
	if (save_error)
		return -1;
	*out = (struct arch_vcpu_state){.rip = a->rip,
					.rflags = a->rflags,
					.cr0 = a->cr0,
					.cr4 = a->cr4,
					.efer = a->efer,
					.cs = a->cs,
					.sti_blocking = a->sti_blocking,
					.halted = a->halted,
					.nmi_blocked = a->nmi_blocked,
					.event = a->event};
	a->saves++;
	return 0;
}

int arch_vcpu_load(struct vcpu *v, const struct arch_vcpu_state *in)
{
	struct arch_vcpu *a = own(v, "arch_vcpu_load");
	a->rip = in->rip;
	a->rflags = in->rflags;
	a->cr0 = in->cr0;
	a->cr4 = in->cr4;
	a->efer = in->efer;
	a->cs = in->cs;
	a->sti_blocking = in->sti_blocking;
	a->halted = in->halted;
	a->nmi_blocked = in->nmi_blocked;
	a->event = in->event;
	a->loads++;
	return 0;
}

void fake_set_dirty_capable(bool able)
{
	dirty_capable = able;
}

enum arch_dirty_mode arch_dirty_log_mode(const struct partition *p)
{
	return p->arch && p->arch->track ? ARCH_DIRTY_LOG : ARCH_DIRTY_NONE;
}

static void log_hand_over(struct vcpu *v)
{
	struct arch_vcpu *a = v->arch;
	snapshot_dirty(v->part, a->pml, a->npml);
	a->npml = 0;
}

void fake_guest_write(struct vcpu *v, uint64_t gpa, const void *src, size_t n)
{
	struct partition *p = v->part;
	struct arch_part *ap = p->arch;
	if (gpa > p->ram_size || n > p->ram_size - gpa)
		abort();
	memcpy((uint8_t *)p->ram_hpa + gpa, src, n);
	for (uint64_t pg = gpa / 4096; n && pg <= (gpa + n - 1) / 4096; pg++) {
		if (!ap->track || ap->dirty[pg])
			continue;
		ap->dirty[pg] = 1;
		if (v->arch->npml == FAKE_PML) { /* the log-full exit */
			ap->log_fulls++;
			log_hand_over(v);
		}
		v->arch->pml[v->arch->npml++] = pg * 4096;
	}
}

void arch_dirty_log_flush(struct vcpu *v)
{
	own(v, "arch_dirty_log_flush");
	log_hand_over(v);
}

void arch_dirty_log_reset(struct partition *p)
{
	if (arch_dirty_log_mode(p) == ARCH_DIRTY_NONE)
		return;
	memset(p->arch->dirty, 0, p->ram_size / 4096);
	p->arch->dirty_resets++;
}

void arch_dirty_log_rearm(struct partition *p, const uint32_t *pfn, size_t n)
{
	if (arch_dirty_log_mode(p) == ARCH_DIRTY_NONE)
		return;
	for (size_t i = 0; i < n; i++)
		p->arch->dirty[pfn[i]] = 0;
	p->arch->rearms++;
}

/* ---- the host seam ----------------------------------------------------- */

void arch_host_init(const struct boot_info *bi)
{
	(void)bi;
}

int arch_start_cpu(unsigned index, uint32_t apic_id, void (*fn)(unsigned))
{
	(void)index;
	(void)apic_id;
	(void)fn;
	started_cpus++;
	return start_cpu_result;
}

unsigned fake_started_cpus(void)
{
	return started_cpus;
}

void fake_set_start_cpu_result(int rc)
{
	start_cpu_result = rc;
}

unsigned arch_this_cpu(void)
{
	return this_cpu;
}

void fake_set_cpu(unsigned pcpu)
{
	this_cpu = pcpu;
}

uint64_t arch_now(void)
{
	return __atomic_fetch_add(&now, now_step, __ATOMIC_RELAXED);
}

void fake_set_now(uint64_t tsc)
{
	__atomic_store_n(&now, tsc, __ATOMIC_RELAXED);
}

void fake_advance(uint64_t ticks)
{
	__atomic_add_fetch(&now, ticks, __ATOMIC_RELAXED);
}

void fake_set_now_step(uint64_t step)
{
	now_step = step;
}

uint64_t fake_now(void)
{
	return __atomic_load_n(&now, __ATOMIC_RELAXED);
}

void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(uint32_t));
	for (unsigned i = 0; i < ncpuid; i++)
		if (cpuid_tab[i].leaf == leaf && cpuid_tab[i].sub == sub)
			memcpy(out, cpuid_tab[i].regs, 4 * sizeof(uint32_t));
}

void fake_set_cpuid(uint32_t leaf, uint32_t sub, const uint32_t regs[4])
{
	for (unsigned i = 0; i < ncpuid; i++)
		if (cpuid_tab[i].leaf == leaf && cpuid_tab[i].sub == sub) {
			memcpy(cpuid_tab[i].regs, regs, 4 * sizeof(uint32_t));
			return;
		}
	if (ncpuid == FAKE_CPUID_MAX)
		abort();
	cpuid_tab[ncpuid].leaf = leaf;
	cpuid_tab[ncpuid].sub = sub;
	memcpy(cpuid_tab[ncpuid].regs, regs, 4 * sizeof(uint32_t));
	ncpuid++;
}

bool arch_xsetbv(uint32_t index, uint64_t value)
{
	if (index != 0 || !(value & 1) || (value & ~XCR0_SUPPORTED) ||
	    ((value & 4) && !(value & 2)))
		return false;
	xcr0 = value;
	return true;
}

uint64_t fake_xcr0(void)
{
	return xcr0;
}

void arch_wbinvd(void)
{
	wbinvds++;
}

/* A deterministic stand-in: distinct values, no entropy. */
bool arch_random(uint64_t *out)
{
	static uint64_t n;
	*out = 0x9E3779B97F4A7C15ull * ++n;
	return true;
}

unsigned fake_wbinvds(void)
{
	return wbinvds;
}

void arch_host_irq(const struct exit_info *e)
{
	(void)e;
	host_irqs++;
}

unsigned fake_host_irqs(void)
{
	return host_irqs;
}

void arch_kick(unsigned pcpu)
{
	if (pcpu < FAKE_MAX_CPUS)
		__atomic_add_fetch(&kicks[pcpu], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&total_kicks, 1, __ATOMIC_RELAXED);
}

unsigned fake_kicks(unsigned pcpu)
{
	return pcpu < FAKE_MAX_CPUS
		   ? __atomic_load_n(&kicks[pcpu], __ATOMIC_RELAXED)
		   : 0;
}

unsigned fake_total_kicks(void)
{
	return __atomic_load_n(&total_kicks, __ATOMIC_RELAXED);
}

/* Returns once a kick came since the previous wait on this CPU returned
 * (at once if one already did), as the NMI-based wait does. */
static bool kicked_since_wait(unsigned cpu)
{
	unsigned k = __atomic_load_n(&kicks[cpu], __ATOMIC_ACQUIRE);
	if (k == wait_seen[cpu])
		return false;
	wait_seen[cpu] = k;
	return true;
}

void arch_cpu_wait(uint64_t deadline)
{
	unsigned cpu = this_cpu < FAKE_MAX_CPUS ? this_cpu : 0;
	__atomic_add_fetch(&cpu_waits, 1, __ATOMIC_RELAXED);
	if (deadline != UINT64_MAX) {
		/* Asleep until the deadline, unless a kick ends it first. */
		if (!kicked_since_wait(cpu) &&
		    __atomic_load_n(&now, __ATOMIC_RELAXED) < deadline)
			fake_set_now(deadline);
		return;
	}
	if (loop_vcpu && part_halted(loop_vcpu->part))
		leave_loop(
		    FAKE_END_CPU_WAIT); /* for good: nothing to wait for */
	for (unsigned ms = 0; ms < FAKE_WAIT_MS; ms++) {
		if (kicked_since_wait(cpu))
			return;
		if (!loop_jmp)
			return; /* outside a loop: may return early */
		usleep(1000);
	}
	fprintf(stderr, "fake_arch: CPU %u waited %u ms for a kick\n", cpu,
		FAKE_WAIT_MS);
	leave_loop(FAKE_END_CPU_WAIT);
}

unsigned fake_cpu_waits(void)
{
	return __atomic_load_n(&cpu_waits, __ATOMIC_RELAXED);
}

/* ---- the physical UART ------------------------------------------------- */

void uart_init(uint16_t base)
{
	uart_base = base;
}

uint16_t fake_uart_base(void)
{
	return uart_base;
}

/* Called under the console lock (hv/console.c). */
void uart_putc(uint16_t base, char c)
{
	(void)base;
	if (c == '\r')
		return;
	if (getenv("FAKE_CONSOLE_ECHO"))
		fputc(c, stderr);
	if (console_len + 1 >= sizeof(console)) { /* keep the newer half */
		size_t half = console_len / 2;
		memmove(console, console + half, console_len - half);
		console_len -= half;
	}
	console[console_len++] = c;
	console[console_len] = 0;
}

bool uart_getc(uint16_t base, uint8_t *c)
{
	(void)base;
	if (input_tail == input_head)
		return false;
	*c = input[input_tail++ % sizeof(input)];
	return true;
}

void fake_console_input(const char *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		input[input_head++ % sizeof(input)] = (uint8_t)bytes[i];
}

const char *fake_console_output(void)
{
	return console;
}

void fake_console_clear(void)
{
	console_len = 0;
	console[0] = 0;
}

bool fake_console_has(const char *needle)
{
	return strstr(console, needle) != NULL;
}
