/* Partition life cycle: stop, fault, reset (through the quiesce
 * rendezvous), and the exit counts reported when a partition stops. */
#include "hv/partition.h"
#include "hv/console.h"
#include "hv/heap.h"

void part_exit_counts(const struct partition *p, uint64_t out[EXIT_KIND_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * EXIT_KIND_COUNT);
	for (unsigned i = 0; i < p->nvcpus; i++)
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
			out[k] += vcpu_exits(&p->vcpus[i], k);
}

static void print_exit_counts(const struct partition *p)
{
	uint64_t c[EXIT_KIND_COUNT];
	char buf[400];
	size_t n = 0;
	part_exit_counts(p, c);
	for (unsigned k = 0; k < EXIT_KIND_COUNT && n < sizeof(buf); k++)
		if (c[k])
			n += (size_t)bh_snprintf(buf + n, sizeof(buf) - n,
						 " %s=%lu", exit_kind_name(k),
						 (unsigned long)c[k]);
	hv_log("partition %s exits:%s (unowned I/O dropped: %lu)", p->name,
	       n ? buf : " none", (unsigned long)p->io_dropped);
	phase_report(p);
}

static const char *const state_names[PART_STATE_COUNT] = {
    [PART_RUNNING] = "running", [PART_PAUSED] = "paused",
    [PART_STOPPED] = "stopped", [PART_RESETTING] = "resetting",
    [PART_FAILED] = "failed",
};

const char *part_state_name(enum part_state s)
{
	return s < PART_STATE_COUNT ? state_names[s] : "?";
}

static void check_all_stopped(void)
{
	static int reported;
	for (unsigned i = 0; i < npartitions; i++)
		if (!part_halted(&partitions[i]))
			return;
	if (!__atomic_exchange_n(&reported, 1, __ATOMIC_ACQ_REL))
		hv_log("all partitions stopped");
}

static void halt_as(struct partition *p, enum part_state to, const char *fmt,
		    va_list ap)
{
	char why[200];
	spin_lock(&p->lock);
	if (part_halted(p)) {
		spin_unlock(&p->lock);
		return;
	}
	p->state = to;
	part_attention(p);
	spin_unlock(&p->lock);
	bh_vsnprintf(why, sizeof(why), fmt, ap);
	vuart_flush(&p->uart);
	hv_log("partition %s %s", p->name, why);
	print_exit_counts(p);
	part_kick(p);
	check_all_stopped();
}

void part_stop(struct partition *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	halt_as(p, PART_STOPPED, fmt, ap);
	va_end(ap);
}

void part_fail(struct partition *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	halt_as(p, PART_FAILED, fmt, ap);
	va_end(ap);
}

void part_fault(struct partition *p, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	bh_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (p->cfg->on_fault == CFG_FAULT_RESET)
		part_reset(p, why);
	else
		part_fail(p, "stopped: %s", why);
}

static quiesce_fn reset_as_boot_vcpu;

void part_reset(struct partition *p, const char *why)
{
	static const struct quiesce_req req = {.boot = reset_as_boot_vcpu};
	spin_lock(&p->lock);
	if (p->state != PART_RUNNING) {
		spin_unlock(&p->lock);
		return;
	}
	p->state = PART_RESETTING;
	spin_unlock(&p->lock);
	vuart_flush(&p->uart);
	hv_log("partition %s: %s: restarting it", p->name, why);
	if (quiesce_start(p, &req))
		part_stop(p, "stopped: reset while another rendezvous ran");
}

/* On vCPU 0 once every vCPU has parked: RAM scrubbed and reloaded from
 * the pristine images, devices reset, vCPU 0 at its entry point and the
 * others waiting for their SIPI. */
static void reset_as_boot_vcpu(struct vcpu *v, void *arg)
{
	struct partition *p = v->part;
	bool start = arg != NULL; /* a start, not a reset */
	if (p->state != PART_RESETTING)
		return; /* stopped meanwhile */
	struct guest_mem mem = {(uint8_t *)p->ram_hpa, p->ram_size};
	char err[200];
	if (part_load(p->cfg, p->nvcpus, p->imgs, &mem, &p->boot, err,
		      sizeof(err))) {
		p->state = PART_RUNNING; /* so that it can fail */
		part_fail(p, "stopped: reset failed: %s", err);
		return;
	}
	vdev_reset_all(&p->devs);
	for (unsigned i = 1; i < p->nvcpus; i++) {
		struct vcpu *o = &p->vcpus[i];
		o->state = VCPU_WAIT_SIPI;
		o->sipi_vector = -1;
		o->init_pending = false;
		o->nmi_pending = false;
		vcpu_msrs_reset(&o->msr);
	}
	v->nmi_pending = false;
	vcpu_msrs_reset(&v->msr);
	part_boot_vcpu(v);
	v->state = VCPU_RUNNING;
	p->exit_status = 0;
	p->start_tsc = arch_now();
	if (start)
		hv_log("partition %s started", p->name);
	else
		hv_log("partition %s restarted (reset #%u); hypervisor heap: "
		       "%lu pages free",
		       p->name, ++p->resets, (unsigned long)heap_free_pages());
	p->state = PART_RUNNING;
}

/* ---- operator operations ----------------------------------------------- */

/* Moves p from `from` to `to` under its lock; false if it was not in
 * `from`. */
static bool transition(struct partition *p, enum part_state from,
		       enum part_state to)
{
	spin_lock(&p->lock);
	bool ok = p->state == from;
	if (ok)
		p->state = to;
	spin_unlock(&p->lock);
	return ok;
}

const char *part_pause(struct partition *p)
{
	static const struct quiesce_req req = {.keep = true};
	if (!transition(p, PART_RUNNING, PART_PAUSED))
		return "only a running partition can be paused";
	if (quiesce_start(p, &req)) {
		p->state = PART_RUNNING;
		return "the partition is busy (another rendezvous)";
	}
	hv_log("partition %s paused", p->name);
	return NULL;
}

const char *part_resume(struct partition *p)
{
	if (!transition(p, PART_PAUSED, PART_RUNNING))
		return "only a paused partition can be resumed";
	quiesce_release(p);
	hv_log("partition %s resumed", p->name);
	return NULL;
}

const char *part_start(struct partition *p)
{
	static const struct quiesce_req req = {.boot = reset_as_boot_vcpu,
					       .arg = (void *)"start"};
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (!p->vcpus[i].alive)
			return "its CPUs never came up";
	if (!p->nvcpus)
		return "it was refused at boot";
	if (!transition(p, PART_STOPPED, PART_RESETTING) &&
	    !transition(p, PART_FAILED, PART_RESETTING))
		return "only a stopped or failed partition can be started";
	if (quiesce_start(p, &req)) {
		p->state = PART_FAILED;
		part_attention(p);
		return "the partition is busy (another rendezvous)";
	}
	return NULL;
}

const char *part_request_reset(struct partition *p)
{
	if (p->state != PART_RUNNING)
		return "only a running partition can be reset";
	part_reset(p, "reset by the operator");
	return NULL;
}

const char *part_request_stop(struct partition *p)
{
	if (p->state == PART_PAUSED) {
		if (part_resume(p)) /* the vCPUs leave the rendezvous first */
			return "the partition is changing state";
	}
	if (p->state != PART_RUNNING)
		return "only a running or paused partition can be stopped";
	part_stop(p, "stopped by the operator");
	return NULL;
}
