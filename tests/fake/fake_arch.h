/* Test-facing side of the in-memory fake backend (tests/fake/fake_arch.c):
 * what a host test reads and sets around the seam of arch/vcpu.h and
 * arch/host.h. The core (hv/) is linked unchanged against the fake; the
 * contract each seam function meets is written at the top of
 * fake_arch.c. */
#ifndef BH_TESTS_FAKE_ARCH_H
#define BH_TESTS_FAKE_ARCH_H

#include "hv/partition.h"

#define FAKE_MAX_VCPUS	  (CFG_MAX_PARTS * PART_MAX_VCPUS)
#define FAKE_MAX_CPUS	  CFG_MAX_CPUS
#define FAKE_EXIT_QUEUE	  16
#define FAKE_DELIVERED	  32
#define FAKE_CONSOLE_SIZE 65536
#define FAKE_INSN_LEN	  2 /* default length of the exiting instruction */

/* An event queued for the next entry (SDM 26.6 "event injection"). */
struct fake_event {
	bool valid;
	bool exception; /* false: external interrupt (or NMI) */
	bool nmi;	/* an NMI (vector 2) */
	uint8_t vector;
	bool has_err;
	uint32_t err;
};

/* One exit arch_vcpu_run() returns. The guest first runs for `ticks` TSC
 * ticks (the clock advances; a deadline reached meanwhile exits with
 * EXIT_TIMER first, the rest of the run stays queued). on_run (optional)
 * runs just before the exit is reported, standing for what the guest did
 * (set registers, RFLAGS...). */
struct fake_exit {
	struct exit_info info;
	uint64_t ticks;
	unsigned insn_len; /* 0 = FAKE_INSN_LEN */
	void (*on_run)(struct vcpu *v, void *ctx);
	void *ctx;
};

/* A decoded MMIO instruction for arch_emulate_mmio() (the real backend
 * fetches and decodes it; the fake takes it from the test). */
struct fake_mmio {
	bool armed;	 /* one-shot: consumed by arch_emulate_mmio */
	unsigned size;	 /* 1, 2, 4 or 8 */
	bool write;	 /* write `value`, or read into `result` */
	uint64_t value;	 /* written value */
	uint64_t result; /* what the device returned on a read */
	unsigned calls;	 /* rw() calls made */
	uint64_t last_gpa;
};

/* The fake's struct arch_vcpu: the architectural state a backend keeps
 * outside struct guest_regs, plus records for the tests. */
/* Entries of the fake page-modification log: small, so tests fill it. */
#define FAKE_PML 8

struct arch_vcpu {
	struct vcpu *v;
	/* guest state */
	uint64_t rip, rflags, cr0, cr4, efer;
	uint64_t rsp; /* the one GPR not in struct guest_regs */
	uint16_t cs;
	bool sti_blocking; /* STI / MOV SS interrupt shadow */
	bool halted;	   /* activity state HLT */
	bool nmi_blocked;  /* an NMI was delivered, its IRET not yet run */
	/* controls */
	struct fake_event event; /* queued for the next entry */
	bool irq_window;	 /* exit when an interrupt can be taken */
	bool nmi_window;	 /* exit when an NMI can be taken */
	uint64_t deadline;	 /* exit no later than this TSC */
	unsigned insn_len;	 /* length of the exiting instruction */
	uint64_t cr4_supported;	 /* CR4 bits the "CPU" accepts */
	bool apic_virt;		 /* arch_apic_virt(): tests set it */
	bool apic_x2_virt;	 /* ... and in x2APIC mode too */
	struct apic_sync apic;	 /* the last arch_apic_sync() */
	unsigned apic_syncs;
	/* records */
	unsigned skips, starts, dumps, runs, injections, saves, loads;
	struct vcpu_start start; /* last arch_vcpu_start() */
	struct fake_event last_injected;
	struct fake_event delivered[FAKE_DELIVERED]; /* at entries, in order */
	unsigned ndelivered;
	struct fake_mmio mmio;
	/* exits arch_vcpu_run() returns, in order */
	struct fake_exit queue[FAKE_EXIT_QUEUE];
	unsigned qhead, qtail;
	uint64_t pml[FAKE_PML]; /* its page-modification log */
	unsigned npml;
};

struct arch_part {
	struct partition *p;
	/* dirty tracking, as EPT dirty flags with PML */
	bool track;
	uint8_t *dirty; /* one "dirty flag" per page of RAM */
	unsigned dirty_resets, rearms, log_fulls;
};

/* The guest state above, as arch_vcpu_save() keeps it. */
struct arch_vcpu_state {
	uint64_t rip, rflags, cr0, cr4, efer;
	uint16_t cs;
	bool sti_blocking, halted, nmi_blocked;
	struct fake_event event;
};
/* Make arch_vcpu_save() fail (as for an XSAVE area that does not fit). */
void fake_set_save_error(bool fail);
/* Whether the "CPU" can track writes (default true); read when a
 * partition with snapshots is created. */
void fake_set_dirty_capable(bool able);
/* The guest, on vCPU v, writes n bytes at gpa (within its RAM): as the
 * CPU would, a page whose dirty flag was clear gets it set and is logged
 * in v's log, which is handed to the core (snapshot_dirty) when full. */
void fake_guest_write(struct vcpu *v, uint64_t gpa, const void *src, size_t n);

/* Forget every vCPU/partition backend state, kick, console byte, input
 * byte, CPUID answer and counter; the clock goes back to 0. Call it in
 * every test's set-up. */
void fake_reset(void);

/* ---- host ----------------------------------------------------------- */
/* What arch_this_cpu() returns on the calling thread (default 0). */
void fake_set_cpu(unsigned pcpu);
/* The TSC arch_now() returns; step: added after every read (default 0,
 * a clock that only moves when told). */
void fake_set_now(uint64_t tsc);
void fake_advance(uint64_t ticks);
void fake_set_now_step(uint64_t step);
uint64_t fake_now(void);
/* arch_kick() calls per physical CPU, and in total. */
unsigned fake_kicks(unsigned pcpu);
unsigned fake_total_kicks(void);
unsigned fake_cpu_waits(void);
unsigned fake_host_irqs(void);
unsigned fake_wbinvds(void);
/* arch_cpuid() answers: leaves not set read all zero. */
void fake_set_cpuid(uint32_t leaf, uint32_t sub, const uint32_t regs[4]);
/* Last arch_xsetbv() and how many were applied. */
uint64_t fake_xcr0(void);
/* arch_virt_enable() returns this (NULL = success, the default). */
void fake_set_virt_error(const char *why);
/* arch_start_cpu(): CPUs started (fn is not run) and the result. */
unsigned fake_started_cpus(void);
void fake_set_start_cpu_result(int rc);

/* ---- console (drivers/uart16550.h, captured) -------------------------- */
/* Everything written to the physical UART since the last clear, NUL-
 * terminated, with the '\r' the console puts before '\n' removed. */
const char *fake_console_output(void);
void fake_console_clear(void);
/* Does the output contain `needle`? */
bool fake_console_has(const char *needle);
/* Bytes uart_getc() will return, in order. */
void fake_console_input(const char *bytes, size_t len);
/* The port uart_init() was called with. */
uint16_t fake_uart_base(void);

/* ---- vCPUs ------------------------------------------------------------ */
/* The backend state of v (it must have been created). */
struct arch_vcpu *fake_vcpu(struct vcpu *v);
void fake_set_rflags(struct vcpu *v, uint64_t rflags);
void fake_set_insn_len(struct vcpu *v, unsigned len);
/* Queue an exit for arch_vcpu_run(). */
void fake_queue_exit(struct vcpu *v, const struct fake_exit *x);
/* Arm the decoded access the next arch_emulate_mmio() performs. */
void fake_set_mmio(struct vcpu *v, unsigned size, bool write, uint64_t value);
/* Runs vcpu_loop(v) on the calling thread (as v's CPU: fake_set_cpu
 * first) until arch_vcpu_run() finds no queued exit, or arch_cpu_wait()
 * is called for a stopped partition (or waits 5 s for a kick). Returns
 * what ended it. Several threads may each run a vCPU's loop (a
 * rendezvous of the partition's vCPUs). */
enum fake_loop_end { FAKE_END_NO_EXIT, FAKE_END_CPU_WAIT };
enum fake_loop_end fake_run_loop(struct vcpu *v);
/* Seam calls that broke the contract: a vCPU call made off the vCPU's own
 * CPU, an interrupt injected when arch_irq_injectable() said no, an event
 * injected over one already queued, a CR other than 0/4 set. A correct
 * core makes none. */
unsigned fake_contract_errors(void);
const char *fake_last_contract_error(void);

#endif
