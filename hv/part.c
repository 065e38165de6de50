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
			out[k] += p->vcpus[i].exits[k];
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
}

static void check_all_stopped(void)
{
	static int reported;
	for (unsigned i = 0; i < npartitions; i++)
		if (partitions[i].state != PART_STOPPED)
			return;
	if (!__atomic_exchange_n(&reported, 1, __ATOMIC_ACQ_REL))
		hv_log("all partitions stopped");
}

void part_stop(struct partition *p, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	spin_lock(&p->lock);
	if (p->state == PART_STOPPED) {
		spin_unlock(&p->lock);
		return;
	}
	p->state = PART_STOPPED;
	spin_unlock(&p->lock);

	va_start(ap, fmt);
	bh_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vuart_flush(&p->uart);
	hv_log("partition %s %s", p->name, why);
	print_exit_counts(p);
	part_kick(p);
	check_all_stopped();
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
		part_stop(p, "stopped: %s", why);
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
	(void)arg;
	if (p->state != PART_RESETTING)
		return; /* stopped meanwhile */
	struct guest_mem mem = {(uint8_t *)p->ram_hpa, p->ram_size};
	char err[200];
	if (part_load(p->cfg, p->nvcpus, p->imgs, &mem, &p->boot, err,
		      sizeof(err))) {
		part_stop(p, "stopped: reset failed: %s", err);
		return;
	}
	vdev_reset_all(&p->devs);
	for (unsigned i = 1; i < p->nvcpus; i++) {
		struct vcpu *o = &p->vcpus[i];
		o->state = VCPU_WAIT_SIPI;
		o->sipi_vector = -1;
		o->init_pending = false;
	}
	part_boot_vcpu(v);
	v->state = VCPU_RUNNING;
	p->resets++;
	p->exit_status = 0;
	hv_log("partition %s restarted (reset #%u); hypervisor heap: %lu pages "
	       "free",
	       p->name, p->resets, (unsigned long)heap_free_pages());
	p->state = PART_RUNNING;
}
