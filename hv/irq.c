/* Interrupt plumbing between the virtual devices and the vCPUs: ISA IRQs
 * through the partition's 8259 pair to vCPU 0 (ExtINT via LINT0), fixed
 * IPIs and timers through each vCPU's local APIC, INIT/SIPI for starting
 * vCPUs, and the halt loop that waits for the next event. Only the
 * partition's own vCPUs are ever reachable. */
#include "hv/partition.h"
#include "hv/vdev/pcmap.h"
#include "arch/x86_64/x86_defs.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/mgmt.h"

/* What a PC BIOS leaves behind on the boot CPU (MP spec 3.6.2.2,
 * "virtual wire mode"): APIC software-enabled, LINT0 unmasked ExtINT so
 * the 8259 reaches the CPU, LINT1 NMI. Linux keeps ExtINT on LINT0 only if
 * it finds it unmasked at boot. */
static void bios_virtual_wire(struct vlapic *l, uint64_t now)
{
	struct vlapic_ipi none;
	vlapic_mmio_write(l, VLAPIC_SVR, 0x1FF, now, &none);
	vlapic_mmio_write(l, VLAPIC_LVT_LINT0, 0x700, now, &none);
	vlapic_mmio_write(l, VLAPIC_LVT_LINT1, 0x400, now, &none);
}

void irq_init(struct partition *p)
{
	vpic_init(&p->pic);
	vioapic_init(&p->ioapic, (uint8_t)p->nvcpus); /* after the CPUs' IDs */
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];
		vlapic_reset(&v->lapic, v->index, v->index == 0);
		if (v->index == 0 && p->boot.pc_platform)
			bios_virtual_wire(&v->lapic, part_now(p));
	}
}

#define TIMER_MIN_TICKS 2000 /* TSC ticks of guest progress per timer exit */

/* The guest's timers are kept in partition time (part_now(), the guest's
 * TSC), but the backend's timer exit (arch_set_deadline) and the wait
 * (arch_cpu_wait) compare against the host TSC: a partition deadline must
 * be turned into host time first. Subtracting tsc_offset from it would
 * wrap around 2^64 for a deadline that passed longer ago than the host
 * has been up (centuries away instead of due) or lies further ahead than
 * the host's TSC can count (due at once instead of never). So go by the
 * distance from now (both clocks tick at the same rate): a passed
 * deadline is due now, a remote one saturates, and UINT64_MAX (no timer)
 * stays as it is. */
static uint64_t host_deadline(const struct partition *p, uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return UINT64_MAX;
	uint64_t host = arch_now(), now = host + p->tsc_offset;
	if (deadline <= now)
		return host;
	uint64_t left = deadline - now;
	return left < UINT64_MAX - host ? host + left : UINT64_MAX;
}

static void wake(struct vcpu *v)
{
	if (v->pcpu != arch_this_cpu())
		arch_kick(v->pcpu);
}

static void ioapic_deliver(struct partition *p, const struct vioapic_msg *m);

/* An ISA line goes to both interrupt controllers, as on a PC; IRQ 0 is on
 * I/O APIC pin 2 (the MADT's interrupt source override). */
void irq_set_isa(struct partition *p, unsigned irq, bool level)
{
	struct vioapic_msg msg;
	dev_lock(&p->pic_lock);
	vpic_set_irq(&p->pic, irq, level);
	bool pending = vpic_pending(&p->pic) >= 0;
	vioapic_set_irq(&p->ioapic, PC_IOAPIC_GSI(irq), level, &msg);
	dev_unlock(p, &p->pic_lock);
	if (pending && p->nvcpus)
		wake(&p->vcpus[0]);
	ioapic_deliver(p, &msg);
}

/* ---- IPIs ---------------------------------------------------------- */

static bool dest_match(const struct vcpu *to, const struct vlapic_ipi *ipi)
{
	const struct vlapic *l = &to->lapic;
	/* x2APIC: FFFF_FFFFH is a broadcast in physical and logical mode
	 * alike (SDM 10.12.9), to every vCPU of this partition. */
	if (vlapic_x2apic(l) && ipi->dest == 0xFFFFFFFFu)
		return true;
	if (!ipi->logical)
		return vlapic_x2apic(l) ? ipi->dest == l->apic_id
					: (ipi->dest & 0xFF) == l->xapic_id ||
					      (ipi->dest & 0xFF) == 0xFF;
	if (vlapic_x2apic(l)) /* cluster model: SDM 10.12.10.2 */
		return (ipi->dest >> 16) == (l->ldr >> 16) &&
		       (ipi->dest & l->ldr & 0xFFFF);
	return (ipi->dest & (l->ldr >> 24)) != 0; /* flat model */
}

/* An NMI for a vCPU of this partition: it becomes the vCPU's pending
 * NMI (one more while one is pending is the same NMI, as on a CPU). */
static void deliver_nmi(struct vcpu *to)
{
	lapic_lock(to);
	to->nmi_pending = true;
	lapic_unlock(to);
	wake(to);
}

static void deliver(struct vcpu *from, struct vcpu *to,
		    const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case 0: /* fixed */
	case 1: /* lowest priority: delivered like fixed */
		lapic_lock(to);
		vlapic_set_irr(&to->lapic, ipi->vector, false);
		lapic_unlock(to);
		wake(to);
		break;
	case 5: /* INIT */
		if (!ipi->assert && ipi->level)
			break; /* level de-assert: no effect */
		if (to != from) {
			/* A SIPI recorded before this INIT is void: the
			 * vCPU now waits for the next one (SDM 8.4.4.1). */
			to->sipi_vector = -1;
			to->init_pending = true;
			vcpu_attention(to);
			wake(to);
		}
		break;
	case 6: /* STARTUP */
		if (to->state == VCPU_WAIT_SIPI || to->init_pending) {
			to->sipi_vector = ipi->vector;
			wake(to);
		}
		break;
	case 4: /* NMI: only ever to a vCPU of the sender's partition */
		deliver_nmi(to);
		break;
	default: /* SMI and ExtINT IPIs are not delivered to guests */
		break;
	}
}

static void ioapic_deliver(struct partition *p, const struct vioapic_msg *m)
{
	if (!m->valid)
		return;
	struct vlapic_ipi ipi = {.valid = true,
				 .vector = m->vector,
				 .mode = m->mode,
				 .logical = m->logical,
				 .assert = true,
				 .level = m->level,
				 .dest = m->dest};
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *to = &p->vcpus[i];
		if (!dest_match(to, &ipi))
			continue;
		if (ipi.mode == 4) { /* a pin programmed for NMI */
			deliver_nmi(to);
			continue;
		}
		if (ipi.mode > 1)
			continue; /* SMI, INIT, ExtINT: not from devices */
		lapic_lock(to);
		vlapic_set_irr(&to->lapic, ipi.vector, ipi.level);
		lapic_unlock(to);
		wake(to);
		if (ipi.mode == 1)
			break; /* lowest priority: one receiver */
	}
}

/* After a local APIC EOI: a level-triggered vector goes back to the
 * I/O APIC (remote IRR). */
static void level_eoi(struct vcpu *v, int vector)
{
	struct vioapic_msg msg;
	if (vector < 0)
		return;
	dev_lock(&v->part->pic_lock);
	vioapic_eoi(&v->part->ioapic, (uint8_t)vector, &msg);
	dev_unlock(v->part, &v->part->pic_lock);
	ioapic_deliver(v->part, &msg);
}

void irq_lapic_written(struct vcpu *v, const struct vlapic_ipi *ipi, int eoi)
{
	level_eoi(v, eoi);
	if (ipi->valid)
		irq_send_ipi(v, ipi);
}

int irq_ioapic_mmio(struct vcpu *v, void *dev, uint64_t gpa, unsigned size,
		    bool write, uint64_t *val)
{
	(void)dev;
	struct partition *p = v->part;
	struct vioapic_msg msg = {0};
	uint32_t off = (uint32_t)(gpa & 0xFFF);
	if (size != 4) {
		if (!write)
			*val = ~0ull;
		return 0;
	}
	dev_lock(&p->pic_lock);
	if (write)
		vioapic_write(&p->ioapic, off, (uint32_t)*val, &msg);
	else
		*val = vioapic_read(&p->ioapic, off);
	dev_unlock(p, &p->pic_lock);
	ioapic_deliver(p, &msg);
	return 0;
}

void irq_send_ipi(struct vcpu *from, const struct vlapic_ipi *ipi)
{
	struct partition *p = from->part;
	bool any = false;
	if (!ipi->valid)
		return;
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *to = &p->vcpus[i];
		bool hit;
		switch (ipi->shorthand) {
		case 1:
			hit = to == from;
			break;
		case 2:
			hit = true;
			break;
		case 3:
			hit = to != from;
			break;
		default:
			hit = dest_match(to, ipi);
			break;
		}
		if (hit) {
			deliver(from, to, ipi);
			any = true;
		}
	}
	/* Destinations that name no vCPU of this partition reach nothing
	 * (APIC IDs of other partitions are simply not in this one). */
	if (!any && ipi->shorthand == 0 && !ipi->logical)
		hv_log("partition %s: vCPU %u sent an IPI to APIC ID %u, not "
		       "in this partition: dropped",
		       p->name, from->index, ipi->dest);
}

/* ---- the 8254's IRQ0 ------------------------------------------------- */

/* vCPU 0 keeps the PIT's time: before each of its entries and while it
 * waits, the edges counter 0 made go out as one pulse on ISA IRQ 0
 * (however many came since the last look: the 8259's IRR and the I/O
 * APIC would merge them too), through both interrupt controllers as a
 * device's IRQ. With `next`, also the partition time of the next IRQ0
 * (left as it is if there is no PIT), under the same lock. */
static void pit_tick_next(struct partition *p, uint64_t *next)
{
	if (!p->boot.pc_platform)
		return;
	/* Not counted as a change: an edge it finds is (irq_set_isa). */
	spin_lock(&p->pit_lock);
	unsigned edges = vpit_update(&p->pit, part_now(p), hv_tsc_hz);
	if (next)
		*next = vpit_next_irq(&p->pit, hv_tsc_hz);
	spin_unlock(&p->pit_lock);
	if (edges) {
		irq_set_isa(p, PC_IRQ_TIMER, true);
		irq_set_isa(p, PC_IRQ_TIMER, false);
	}
}

static void pit_tick(struct partition *p)
{
	pit_tick_next(p, NULL);
}

/* Partition time of the PIT's next IRQ0, UINT64_MAX if none. */
static uint64_t pit_next(struct partition *p)
{
	if (!p->boot.pc_platform)
		return UINT64_MAX;
	spin_lock(&p->pit_lock);
	uint64_t next = vpit_next_irq(&p->pit, hv_tsc_hz);
	spin_unlock(&p->pit_lock);
	return next;
}

void irq_pit_written(struct partition *p)
{
	pit_tick(p);
	if (p->nvcpus)
		wake(&p->vcpus[0]);
}

/* ---- injection before each entry ------------------------------------ */

/* The vector to deliver next, taking it from its source; -1 if none.
 * Only the check before entry calls it, so its locks count no change
 * (struct irq_fast): what it takes, it delivers. `lapic`: whether the
 * local APIC's vectors count (not when the CPU delivers them itself). */
static int next_vector(struct vcpu *v, bool take, bool lapic)
{
	struct partition *p = v->part;
	int vec = -1;
	if (v->index == 0 && vlapic_extint_allowed(&v->lapic)) {
		/* Acknowledge the 8259 only when it has a request: an INTA
		 * without one answers the spurious IRQ 7 vector. */
		spin_lock(&p->pic_lock);
		vec = vpic_pending(&p->pic);
		if (vec >= 0 && take)
			vec = vpic_ack(&p->pic);
		spin_unlock(&p->pic_lock);
		if (vec >= 0 || !lapic)
			return vec;
	}
	if (!lapic)
		return -1;
	spin_lock(&v->lapic_lock);
	vec = vlapic_pending(&v->lapic);
	if (vec >= 0 && take)
		vlapic_ack(&v->lapic, (uint8_t)vec);
	spin_unlock(&v->lapic_lock);
	return vec;
}

/* A CPU that virtualizes the local APIC gets the page's state before a
 * full check's entry (arch/vcpu.h) when the model changed it; true if it
 * delivers the local APIC's vectors itself this time. Raw lock: nothing
 * changes here that the quiet state would have to notice. */
static bool apic_sync(struct vcpu *v)
{
	struct apic_sync s;
	struct vlapic *l = &v->lapic;
	struct irq_fast *f = &v->fast;
	/* Only the vCPU itself changes its APIC's mode (IA32_APIC_BASE, the
	 * INIT it takes) and cpu_stale, so it reads them unlocked. A vector
	 * another CPU adds to pir after this read comes with a change of
	 * irq_gen, and the next entry checks again (irq_quiet). */
	s.mode = !vlapic_hw_enabled(l) ? APIC_OFF
		 : vlapic_x2apic(l)    ? APIC_X2APIC
				       : APIC_XAPIC;
	if (s.mode == f->apic_mode && !l->cpu_stale &&
	    !__atomic_load_n(&l->pir_any, __ATOMIC_ACQUIRE))
		return f->apic_cpu;
	if (!arch_apic_virt(v))
		return false;
	spin_lock(&v->lapic_lock);
	vlapic_sync(l);
	l->cpu_stale = false;
	if (s.mode != APIC_OFF) {
		s.irr = vlapic_highest_irr(l);
		s.isr = vlapic_highest_isr(l);
		for (unsigned i = 0; i < 8; i++)
			s.tmr[i] = vlapic_reg_get(l, VLAPIC_TMR + i * 16);
	}
	spin_unlock(&v->lapic_lock);
	f->apic_mode = s.mode;
	return f->apic_cpu = arch_apic_sync(v, &s);
}

/* A pending NMI goes before any interrupt (SDM Vol. 3A 6.9), as soon as
 * the guest is not handling one already; until then the CPU is asked for
 * the moment it can be (NMI window). Raw lock, as in next_vector: what
 * it takes, it delivers. */
static void nmi_check(struct vcpu *v)
{
	bool inject = v->nmi_pending && arch_nmi_injectable(v);
	arch_nmi_window(v, v->nmi_pending && !inject);
	if (!inject)
		return;
	spin_lock(&v->lapic_lock);
	v->nmi_pending = false;
	spin_unlock(&v->lapic_lock);
	arch_inject_nmi(v);
}

/* Everything before an entry: typed input, the PIT, the local APIC
 * timer, a pending NMI, the next vector or an interrupt window, and the
 * deadline. */
void irq_check_all(struct vcpu *v)
{
	struct irq_fast *f = &v->fast;
	uint64_t now = part_now(v->part), pit = UINT64_MAX;
	f->recheck = UINT64_MAX;
	if (v->index == 0) {
		console_poll_input(); /* typed input reaches busy guests too */
		f->recheck = console_poll_deadline(UINT64_MAX);
		pit_tick_next(v->part, &pit); /* and when its next IRQ0 is */
	}
	spin_lock(&v->lapic_lock);
	vlapic_timer_update(&v->lapic, now);
	uint64_t next = vlapic_next_event(&v->lapic);
	spin_unlock(&v->lapic_lock);
	if (pit < next)
		next = pit;
	bool lapic = !apic_sync(v);
	bool nmi = v->nmi_pending;
	nmi_check(v);
	/* A vector that cannot go in beside an NMI waits for its window. */
	bool quiet = !nmi && next_vector(v, false, lapic) < 0;
	if (!quiet) {
		if (arch_irq_injectable(v)) {
			int vec = next_vector(v, true, lapic);
			if (vec >= 0)
				arch_inject_irq(v, (uint8_t)vec);
			arch_irq_window(v, false);
		} else {
			arch_irq_window(v, true);
		}
	} else {
		arch_irq_window(v, false);
	}
	/* An exit that comes earlier for another reason still checks at
	 * the event's own time, not only at the timer exit's below. */
	uint64_t due = host_deadline(v->part, next);
	if (due < f->recheck)
		f->recheck = due;
	/* However short a guest programs its timer, it gets to run between
	 * two timer exits (a periodic count of 1 would otherwise starve it;
	 * the interrupts coalesce, as the APIC allows). By distance: a
	 * partition's clock may be anywhere, now + TIMER_MIN_TICKS may wrap. */
	if (next != UINT64_MAX && (next <= now || next - now < TIMER_MIN_TICKS))
		next = now + TIMER_MIN_TICKS;
	f->deadline = mgmt_poll_deadline(host_deadline(v->part, next));
	if (f->deadline < f->recheck)
		f->recheck = f->deadline;
	if (!quiet)
		f->recheck = 0; /* the next entry checks again */
	arch_set_deadline(v, f->deadline);
}

void irq_recheck(struct vcpu *v)
{
	v->fast.recheck = 0;
}

/* ---- HLT ---------------------------------------------------------------- */

static bool must_wake(struct vcpu *v, bool guest_if)
{
	if (v->part->state != PART_RUNNING || v->init_pending ||
	    v->nmi_pending || quiesce_pending(v->part))
		return true; /* an NMI wakes a halted CPU whatever its IF */
	if (v->index == 0)
		pit_tick(v->part); /* IRQ0 may be for another vCPU */
	if (!guest_if)
		return false;
	uint64_t now = part_now(v->part);
	lapic_lock(v);
	vlapic_timer_update(&v->lapic, now);
	lapic_unlock(v);
	return next_vector(v, false, true) >= 0;
}

/* When (host TSC) the halted vCPU's next interrupt can come on its own:
 * its local APIC timer, the PIT's IRQ0 (vCPU 0 raises it, for whichever
 * vCPU it is routed to, whatever its own IF), or typed input, which the
 * boot vCPU of the partition that has the input polls for. IPIs, other
 * device interrupts and state changes kick the CPU instead. */
static uint64_t hlt_deadline(struct vcpu *v, bool guest_if)
{
	uint64_t next = UINT64_MAX;
	if (guest_if) {
		lapic_lock(v);
		next = vlapic_next_event(&v->lapic);
		lapic_unlock(v);
	}
	if (v->index == 0) {
		uint64_t pit = pit_next(v->part);
		if (pit < next)
			next = pit;
	}
	next = host_deadline(v->part, next);
	if (v->index == 0 && console_has_input(v->part->id)) {
		console_poll_input();
		next = console_poll_deadline(next);
	}
	return next;
}

/* The CPU is the partition's own, so a waiting vCPU simply sleeps here
 * until its next interrupt (timer, IPI, device), a state change or
 * `until` (host TSC): an idle partition costs its CPU no work. */
static void sleep_until(struct vcpu *v, uint64_t until)
{
	bool guest_if = arch_vcpu_reg(v, VREG_RFLAGS) & RFLAGS_IF;
	while (!must_wake(v, guest_if) && arch_now() < until) {
		uint64_t next = hlt_deadline(v, guest_if);
		mgmt_wait(next < until ? next : until);
	}
}

void irq_hlt(struct vcpu *v)
{
	arch_vcpu_skip(v);
	sleep_until(v, UINT64_MAX);
}

/* `ticks` is a duration, the same in partition and host time (the guest's
 * TSC runs at the host's rate): no offset to apply. */
void irq_sleep(struct vcpu *v, uint64_t ticks)
{
	uint64_t now = arch_now();
	sleep_until(v, ticks < UINT64_MAX - now ? now + ticks : UINT64_MAX);
}

/* ---- xAPIC MMIO --------------------------------------------------------- */

int irq_apic_mmio(struct vcpu *v, void *dev, uint64_t gpa, unsigned size,
		  bool write, uint64_t *val)
{
	(void)dev;
	uint32_t off = (uint32_t)(gpa & 0xFFF), r = 0;
	struct vlapic_ipi ipi = {0};
	int rc;
	if (size != 4 || (off & 15)) {
		if (!write)
			*val = 0; /* SDM 10.4.1: only aligned 32-bit works */
		return 0;
	}
	lapic_lock(v);
	int eoi = -1;
	if (write) {
		rc = vlapic_mmio_write(&v->lapic, off, (uint32_t)*val,
				       part_now(v->part), &ipi);
		eoi = vlapic_level_eoi(&v->lapic);
	} else {
		rc = vlapic_mmio_read(&v->lapic, off, &r, part_now(v->part));
	}
	lapic_unlock(v);
	if (!write)
		*val = rc ? 0 : r;
	irq_lapic_written(v, &ipi, eoi);
	return 0;
}
