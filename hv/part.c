/* Partition life cycle: the vCPU run loop and stopping. */
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
	unsigned self = arch_this_cpu();
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i].pcpu != self)
			arch_kick(p->vcpus[i].pcpu);
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

void part_reset(struct partition *p, const char *why)
{
	spin_lock(&p->lock);
	if (p->state != PART_RUNNING) {
		spin_unlock(&p->lock);
		return;
	}
	p->state = PART_RESETTING;
	spin_unlock(&p->lock);
	vuart_flush(&p->uart);
	hv_log("partition %s: %s: restarting it", p->name, why);
	unsigned self = arch_this_cpu();
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i].pcpu != self)
			arch_kick(p->vcpus[i].pcpu);
}

/* vCPU 0 rebuilds the partition once every other vCPU has parked:
 * RAM scrubbed and reloaded from the pristine images, devices reset. */
static void reset_as_boot_vcpu(struct vcpu *v)
{
	struct partition *p = v->part;
	for (unsigned i = 1; i < p->nvcpus; i++)
		while (!p->vcpus[i].parked && p->state == PART_RESETTING)
			__asm__ volatile("pause");
	if (p->state != PART_RESETTING)
		return;
	struct guest_mem mem = {(uint8_t *)p->ram_hpa, p->ram_size};
	char err[200];
	if (part_load(p->cfg, p->nvcpus, p->imgs, &mem, &p->boot, err,
		      sizeof(err))) {
		part_stop(p, "stopped: reset failed: %s", err);
		return;
	}
	part_devices_init(p);
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

static void reset_barrier(struct vcpu *v)
{
	struct partition *p = v->part;
	if (v->index == 0) {
		reset_as_boot_vcpu(v);
		return;
	}
	v->parked = true;
	while (p->state == PART_RESETTING)
		__asm__ volatile("pause");
	v->parked = false;
}

static void wait_for_sipi(struct vcpu *v)
{
	while (v->sipi_vector < 0 && v->part->state == PART_RUNNING)
		__asm__ volatile("pause");
	if (v->part->state != PART_RUNNING)
		return;
	/* SDM Vol. 3A 8.4.4.1: the AP starts in real mode at vector:0000. */
	struct vcpu_start s = {.mode = VCPU_REAL16,
			       .cs = (uint16_t)(v->sipi_vector << 8)};
	v->sipi_vector = -1;
	memset(&v->regs, 0, sizeof(v->regs));
	arch_vcpu_start(v, &s);
	v->state = VCPU_RUNNING;
}

void vcpu_loop(struct vcpu *v)
{
	struct exit_info e;
	for (;;) {
		if (v->part->state == PART_STOPPED) {
			v->state = VCPU_STOPPED;
			arch_cpu_wait();
			continue;
		}
		if (v->part->state == PART_RESETTING) {
			reset_barrier(v);
			continue;
		}
		if (v->init_pending) {
			v->init_pending = false;
			v->state = VCPU_WAIT_SIPI;
		}
		if (v->state == VCPU_WAIT_SIPI) {
			wait_for_sipi(v);
			continue;
		}
		irq_before_entry(v);
		arch_vcpu_run(v, &e);
		exit_dispatch(v, &e);
	}
}
