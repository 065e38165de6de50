/* The vCPU loop: each vCPU runs on its own dedicated CPU forever,
 * entering the guest, dispatching its exits, and coming to its
 * partition's rendezvous (reset, later pause and snapshots) when asked. */
#include "hv/partition.h"
#include "hv/mgmt.h"

static void wait_for_sipi(struct vcpu *v)
{
	/* Read once: another CPU's INIT may void the vector meanwhile. */
	int vec;
	while ((vec = v->sipi_vector) < 0 && v->part->state == PART_RUNNING &&
	       !quiesce_pending(v->part))
		mgmt_wait(UINT64_MAX); /* a SIPI or a state change kicks */
	if (vec < 0 || v->part->state != PART_RUNNING ||
	    quiesce_pending(v->part))
		return;
	/* SDM Vol. 3A 8.4.4.1: the AP starts in real mode at vector:0000. */
	struct vcpu_start s = {.mode = VCPU_REAL16, .cs = (uint16_t)(vec << 8)};
	v->sipi_vector = -1;
	/* An INIT still pending here came before this SIPI (an INIT voids
	 * older SIPIs, hv/irq.c) and is what put the vCPU in wait-for-SIPI;
	 * the guest's INIT, SIPI, SIPI may all arrive while it waits, and
	 * the stale INIT must not send it back to wait after the start (it
	 * would wait for a SIPI that already came: the AP never starts). */
	v->init_pending = false;
	v->nmi_pending = false; /* NMIs are blocked while it waits */
	memset(&v->regs, 0, sizeof(v->regs));
	arch_vcpu_start(v, &s);
	v->state = VCPU_RUNNING;
}

/* Anything but entering the guest: a rendezvous, a stopped partition,
 * an INIT, the wait for a SIPI. Asked whenever the entry is not quiet
 * (irq_quiet, hv/partition.h): whoever sets one of these counts it
 * (vcpu_attention, part_attention), which ends the quiet state. */
static bool needs_attention(const struct vcpu *v)
{
	return quiesce_pending(v->part) || part_halted(v->part) ||
	       v->init_pending || v->state == VCPU_WAIT_SIPI;
}

static void attend(struct vcpu *v)
{
	if (quiesce_pending(v->part)) {
		quiesce_park(v);
	} else if (part_halted(v->part)) {
		v->state = VCPU_STOPPED;
		mgmt_wait(UINT64_MAX);
	} else {
		/* (Each condition is read again: the one that brought us here
		 * may have gone meanwhile, e.g. a rendezvous released.) */
		if (v->init_pending) {
			v->init_pending = false;
			v->state = VCPU_WAIT_SIPI;
		}
		if (v->state == VCPU_WAIT_SIPI)
			wait_for_sipi(v);
	}
	irq_recheck(v);
}

void vcpu_loop(struct vcpu *v)
{
	struct exit_info e;
	v->alive = true;
	for (;;) {
		/* First, so that an operation on this very partition (pause,
		 * stop, reset) takes effect before the next entry. */
		mgmt_poll();
		if (irq_quiet(v)) {
			irq_rearm(v);
		} else {
			irq_snapshot(v); /* before what it guards is read */
			if (needs_attention(v)) {
				attend(v);
				continue;
			}
			irq_check_all(v);
		}
		phase_mark(v, PH_CHECKS);
		arch_vcpu_run(v, &e);
		exit_dispatch(v, &e);
	}
}
