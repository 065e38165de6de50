/* Partitions and their vCPUs: the arch-neutral model. */
#ifndef BH_PARTITION_H
#define BH_PARTITION_H

#include "arch/vcpu.h"
#include "arch/host.h"
#include "hv/load/config.h"
#include "hv/load/part_load.h"
#include "hv/lib/spinlock.h"
#include "hv/lib/outring.h"
#include "hv/quiesce.h"
#include "hv/phases.h"
#include "hv/vdev/vuart.h"
#include "hv/vdev/vpic.h"
#include "hv/vdev/vlapic.h"
#include "hv/vdev/vioapic.h"
#include "hv/vdev/vmtrr.h"
#include "hv/vdev/platform.h"
#include "hv/vdev/vpit.h"
#include "hv/vdev/vdev.h"

#define PART_MAX_VCPUS 8

/* What each operation does to it: docs/management.md. A stopped partition
 * ended normally (its exit port, ACPI S5, the operator's stop); a failed one
 * was stopped by a fault. Both can be started again. */
enum part_state {
	PART_RUNNING,
	PART_PAUSED,
	PART_STOPPED,
	PART_RESETTING,
	PART_FAILED,
	PART_STATE_COUNT
};
enum vcpu_state { VCPU_WAIT_SIPI, VCPU_RUNNING, VCPU_STOPPED };

/* What the check before entry (hv/irq.c) last found: when nothing was
 * pending, no timer is due before `recheck` (host TSC; 0 when something
 * was pending: never quiet) and no interrupt source of the vCPU has
 * changed since (the irq_gen counters), the next entry only re-arms
 * `deadline` instead of checking everything again. */
struct irq_fast {
	/* What arch_apic_sync was last told, and its answer */
	enum apic_mode apic_mode;
	bool apic_cpu;
	uint32_t vcpu_gen, part_gen;
	uint64_t recheck, deadline;
};

/* The MSR state of a vCPU that its own WRMSRs change (hv/exit/msr.c): a
 * reset puts back vcpu_msrs_reset()'s values, a snapshot keeps it. */
struct vcpu_msrs {
	/* IA32_TSC_ADJUST: this vCPU's TSC is its partition's plus this
	 * (wrapping). Its own WRMSRs to IA32_TSC and IA32_TSC_ADJUST move
	 * it (SDM Vol. 3B 17.17.3); a reset clears it. */
	uint64_t tsc_adjust;
	/* IA32_MISC_ENABLE as this vCPU wrote it: the bits that differ from
	 * the reset value (0 after a reset). */
	uint64_t misc_enable_flip;
	uint64_t mcg_status; /* IA32_MCG_STATUS */
	struct vmtrr mtrr;
};

void vcpu_msrs_reset(struct vcpu_msrs *m); /* hv/exit/msr.c */

struct vcpu {
	struct partition *part;
	unsigned index; /* 0-based, also its APIC ID inside the partition */
	unsigned pcpu;	/* physical CPU index it is pinned to */
	struct guest_regs regs;
	struct arch_vcpu *arch; /* backend state (VMCS etc.) */
	volatile enum vcpu_state state;
	volatile int sipi_vector; /* -1 = none pending */
	volatile bool init_pending;
	/* An NMI sent to it and not yet injected (one at most, as on a
	 * CPU: SDM Vol. 3A 6.7.1). Under lapic_lock. */
	volatile bool nmi_pending;
	struct vcpu_msrs msr;
	struct spinlock lapic_lock; /* other vCPUs deliver IPIs into it */
	struct vlapic lapic;
	volatile uint32_t irq_gen;	 /* changes to lapic: lapic_unlock() */
	struct irq_fast fast;		 /* hv/irq.c: the check before entry */
	uint64_t exits[EXIT_TABLE_SIZE]; /* by kind (hv/exit.c) */
	volatile bool alive;		 /* its CPU runs vcpu_loop */
#ifdef BH_PHASES
	struct phase_acc ph; /* hv/phases.h: the bench build only */
#endif
};

struct partition {
	const struct cfg_partition *cfg;
	const char *name;
	unsigned id;
	uint64_t ram_hpa, ram_size;
	struct arch_part *arch; /* backend state (EPT, I/O bitmaps) */
	unsigned nvcpus;
	struct vcpu vcpus[PART_MAX_VCPUS];
	volatile enum part_state state;
	struct spinlock lock;
	struct quiesce quiesce; /* rendezvous of its vCPUs (reset, ...) */
	uint32_t exit_status;
	uint64_t io_dropped;		/* accesses to ports it does not own */
	const struct part_images *imgs; /* pristine files, for resets */
	struct part_boot boot;
	struct vuart uart;
	struct spinlock con_lock;
	struct outring con_ring; /* its console output, for the operator */
	struct vuart mgmt_uart;	 /* COM2 of the manager (manage = yes) */
	struct spinlock pic_lock;
	struct vpic pic;
	struct vioapic ioapic; /* under pic_lock too */
	struct platform plat;
	struct spinlock pit_lock; /* any vCPU's I/O, vCPU 0's timer checks */
	struct vpit pit;	  /* PC partitions */
	/* Changes to pic, ioapic and pit: dev_unlock(). */
	volatile uint32_t irq_gen;
	struct vdev_map devs; /* which device answers which port or page */
	unsigned resets;
	uint64_t mmio_dropped;	    /* fail-soft MMIO accesses */
	uint64_t start_tsc;	    /* when it last (re)started */
	struct part_snapshot *snap; /* snapshot = yes, else NULL */
	/* Guest TSC = host TSC + tsc_offset (wrapping). 0 until a restore
	 * sets it so the guest's time continues from the snapshot's. */
	uint64_t tsc_offset;
};

/* Its exits of kind k so far. The dispatcher (hv/exit.c) counts a kind
 * past the last one, which no backend produces, in its own slot of the
 * table; those are unhandled exits. */
static inline uint64_t vcpu_exits(const struct vcpu *v, unsigned k)
{
	uint64_t n = v->exits[k];
	if (k == EXIT_UNHANDLED)
		for (unsigned j = EXIT_KIND_COUNT; j < EXIT_TABLE_SIZE; j++)
			n += v->exits[j];
	return n;
}

/* The partition's own clock: its TSC, in which its virtual timers and
 * clocks (vLAPIC deadlines, PM timer, RTC) are kept. */
static inline uint64_t part_now(const struct partition *p)
{
	return arch_now() + p->tsc_offset;
}

/* What the backend adds to the host TSC for this vCPU's RDTSC/RDTSCP:
 * the partition's offset and the vCPU's own adjustment. */
static inline uint64_t vcpu_tsc_offset(const struct vcpu *v)
{
	return v->part->tsc_offset + v->msr.tsc_adjust;
}

/* The locks of a vCPU's local APIC and of the partition's devices. Each
 * release counts a change of the interrupt sources behind it, which ends
 * the quiet state of the check before entry (struct irq_fast). Only that
 * check itself takes them without counting. */
static inline void lapic_lock(struct vcpu *v)
{
	spin_lock(&v->lapic_lock);
}

/* (Atomic increments: the counters are also moved outside these locks,
 * and under different locks; a lost increment could hide a change.) */
static inline void lapic_unlock(struct vcpu *v)
{
	__atomic_add_fetch(&v->irq_gen, 1, __ATOMIC_RELEASE);
	spin_unlock(&v->lapic_lock);
}

static inline void dev_lock(struct spinlock *l)
{
	spin_lock(l);
}

static inline void dev_unlock(struct partition *p, struct spinlock *l)
{
	__atomic_add_fetch(&p->irq_gen, 1, __ATOMIC_RELEASE);
	spin_unlock(l);
}

/* Whoever sets something the vCPU loop must attend to before an entry
 * (needs_attention, hv/vcpu.c) counts it after setting it, then kicks:
 * the loop's quiet entry (irq_quiet) then asks again. */
static inline void vcpu_attention(struct vcpu *v)
{
	__atomic_add_fetch(&v->irq_gen, 1, __ATOMIC_RELEASE);
}

static inline void part_attention(struct partition *p)
{
	__atomic_add_fetch(&p->irq_gen, 1, __ATOMIC_RELEASE);
}

extern struct partition partitions[CFG_MAX_PARTS];
extern unsigned npartitions;

/* Stop the whole partition: report why, kick its other vCPUs, print its
 * exit counts. Safe from any CPU; the first call wins. part_stop is a
 * normal end (PART_STOPPED), part_fail one caused by a fault
 * (PART_FAILED). */
void part_stop(struct partition *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void part_fail(struct partition *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Stopped or failed: its vCPUs wait until it is started again. (Inline,
 * as quiesce_pending: both are asked before every entry.) */
static inline bool part_halted(const struct partition *p)
{
	enum part_state s = p->state; /* once: it is volatile */
	return s == PART_STOPPED || s == PART_FAILED;
}

static inline bool quiesce_pending(const struct partition *p)
{
	return __atomic_load_n(&p->quiesce.pending, __ATOMIC_ACQUIRE);
}
const char *part_state_name(enum part_state s);
/* Operator operations (the management channel). Each returns NULL, or
 * the reason it is refused in the partition's current state. Pause parks
 * every vCPU where it is (the TSC keeps running); resume lets them go on;
 * start boots a stopped or failed partition from its pristine images. */
const char *part_pause(struct partition *p);
const char *part_resume(struct partition *p);
const char *part_start(struct partition *p);
const char *part_request_reset(struct partition *p);
const char *part_request_stop(struct partition *p);
/* Sum of a partition's exit counts by kind (readable by management). */
void part_exit_counts(const struct partition *p, uint64_t out[EXIT_KIND_COUNT]);
/* Name of an exit kind (hv/exit_kinds.h), "?" if out of range. */
const char *exit_kind_name(enum exit_kind k);

/* Restart the partition from its pristine images (reboot request, or a
 * fault with on_fault = reset). Safe from any of its vCPUs. */
void part_reset(struct partition *p, const char *why);
/* Kicks the CPUs of the partition's vCPUs but the caller's, so each
 * re-checks the partition's state (hv/quiesce.c). */
void part_kick(struct partition *p);
/* Fatal guest fault: stop or reset per the partition's on_fault. */
void part_fault(struct partition *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Builds the partition's virtual PC (hv/devices.c) and resets every
 * device to power-on state; -1 if the device map overflows. */
int part_devices_init(struct partition *p);
/* Shows one line of the partition's console output on the screen: tagged,
 * control bytes as '.', or as it is for a `console = raw` partition in
 * the focused view (hv/devices.c). */
void part_console_show(struct partition *p, const char *line, size_t len);

/* Interrupt plumbing, hv/irq.c */
void irq_init(struct partition *p);
void irq_set_isa(struct partition *p, unsigned irq, bool level);
void irq_send_ipi(struct vcpu *from, const struct vlapic_ipi *ipi);
/* After a guest write to its local APIC: route the IPI it produced and
 * the level-triggered EOI (vector or -1) it retired. */
void irq_lapic_written(struct vcpu *v, const struct vlapic_ipi *ipi, int eoi);
/* Before every entry (inline: it is on the path of every exit). While
 * the last full check found nothing pending, no timer or poll is due
 * yet and none of the vCPU's interrupt sources changed since, that check
 * still holds: only the deadline is armed again (if there is one; the
 * last check disarmed the timer otherwise). A source another CPU changes
 * after this test also kicks this CPU, so the guest exits again at once.
 * The same counters also count what the vCPU loop must attend to before
 * an entry (a rendezvous, a stopped partition, an INIT: vcpu_attention,
 * part_attention), so a quiet entry need not ask for those either. */
static inline bool irq_quiet(const struct vcpu *v)
{
	const struct irq_fast *f = &v->fast;
	return arch_now() < f->recheck &&
	       f->vcpu_gen == __atomic_load_n(&v->irq_gen, __ATOMIC_ACQUIRE) &&
	       f->part_gen ==
		   __atomic_load_n(&v->part->irq_gen, __ATOMIC_ACQUIRE);
}
/* Notes the counters before what they guard is read: a change from then
 * on is seen at the next entry. */
static inline void irq_snapshot(struct vcpu *v)
{
	v->fast.vcpu_gen = __atomic_load_n(&v->irq_gen, __ATOMIC_ACQUIRE);
	v->fast.part_gen = __atomic_load_n(&v->part->irq_gen, __ATOMIC_ACQUIRE);
}
static inline void irq_rearm(struct vcpu *v)
{
	if (v->fast.deadline != UINT64_MAX)
		arch_set_deadline(v, v->fast.deadline);
}
/* The full check, after irq_snapshot. */
void irq_check_all(struct vcpu *v);
static inline void irq_before_entry(struct vcpu *v)
{
	if (irq_quiet(v)) {
		irq_rearm(v);
	} else {
		irq_snapshot(v);
		irq_check_all(v);
	}
}
/* The next entry checks everything again (after a reset, a restore, a
 * park or a start: state the lock counters do not see changed). */
void irq_recheck(struct vcpu *v);
/* After a guest write to the PIT: raises the IRQ0 edges it made and
 * wakes vCPU 0, which keeps the PIT's time (its next entry or wait
 * goes by the PIT's new deadline). */
void irq_pit_written(struct partition *p);
/* HLT (skipped), and the sleep hypercall: the vCPU waits, its CPU
 * halted, for its next interrupt or a state change (irq_sleep: or for
 * `ticks` of TSC time). */
void irq_hlt(struct vcpu *v);
void irq_sleep(struct vcpu *v, uint64_t ticks);
vdev_mmio_fn irq_apic_mmio;   /* the vCPU's own local APIC page */
vdev_mmio_fn irq_ioapic_mmio; /* the partition's I/O APIC page */

/* Sets vCPU 0 up at the partition's entry point (hv/main.c). */
void part_boot_vcpu(struct vcpu *v);
/* Runs vCPU v on the calling CPU forever (returns never). */
void vcpu_loop(struct vcpu *v) __attribute__((noreturn));
/* Count and handle one exit; the dispatcher table lives in hv/exit.c. */
void exit_dispatch(struct vcpu *v, const struct exit_info *e);

#endif
