/* Snapshots of a partition (docs/snapshots.md): its whole RAM, every
 * vCPU's architectural state (arch_vcpu_save, on the vCPU's own CPU) and
 * registers, every virtual device (the registry) and its TSC, taken and
 * put back in the quiesce rendezvous, so nothing of the partition runs
 * meanwhile. Memory is reserved at boot (`snapshot = yes|self`): taking
 * one never allocates. A take copies all of RAM; a restore copies back
 * only the pages written since the take or the last restore, as the
 * backend's dirty log reports them (arch_dirty_log_*), or all of RAM on
 * a CPU that cannot track writes or after the partition was reset. */
#include "hv/snapshot.h"
#include "hv/abi.h"
#include "hv/console.h"
#include "hv/heap.h"
#include "hv/lib/pageset.h"
#include "hv/partition.h"

#define PAGE 4096u

struct part_snapshot {
	uint8_t *ram; /* ram_size bytes, reserved at boot */
	struct arch_vcpu_state *cpu[PART_MAX_VCPUS];
	struct guest_regs regs[PART_MAX_VCPUS];
	enum vcpu_state vstate[PART_MAX_VCPUS];
	int sipi_vector[PART_MAX_VCPUS];
	bool nmi_pending[PART_MAX_VCPUS];
	struct vcpu_msrs msr[PART_MAX_VCPUS];
	uint8_t *devs;
	size_t devs_cap, devs_len;
	volatile bool valid; /* a whole snapshot is kept */
	volatile bool busy;  /* a take or a restore is under way */
	bool cpu_failed;     /* a vCPU could not save its state */
	bool restoring;	     /* the operation under way */
	int self;	     /* vCPU whose SNAPSHOT hypercall took it, or -1 */
	int caller;	     /* vCPU asking by hypercall now, or -1 */
	uint64_t taken_at;   /* host TSC at the take */
	uint64_t guest_tsc;  /* the partition's TSC at the take */
	unsigned resets;     /* p->resets at the take or last restore */
	uint32_t restores;
	uint64_t last_copied, last_ticks;
	struct spinlock dirty_lock; /* any vCPU's CPU adds, vCPU 0 drains */
	struct pageset dirty;	    /* pages written since, as logged */
};

static uint64_t pages_for(size_t bytes)
{
	return (bytes + PAGE - 1) / PAGE;
}

static void *alloc_bytes(size_t bytes)
{
	return heap_alloc_pages(pages_for(bytes));
}

int snapshot_init(struct partition *p, uint64_t ram_copy_hpa)
{
	if (!ram_copy_hpa)
		return 0;
	struct part_snapshot *s = alloc_bytes(sizeof(*s));
	if (!s)
		return -1;
	s->ram = (uint8_t *)ram_copy_hpa;
	s->self = s->caller = -1;
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (!(s->cpu[i] = alloc_bytes(arch_vcpu_state_size())))
			return -1;
	s->devs_cap = vdev_state_size(&p->devs);
	uint32_t npages = (uint32_t)pages_for(p->ram_size);
	void *set = alloc_bytes(pageset_bytes(npages));
	if (!(s->devs = alloc_bytes(s->devs_cap)) || !set)
		return -1;
	pageset_init(&s->dirty, set, npages);
	p->snap = s;
	return 0;
}

bool snapshot_exists(const struct partition *p)
{
	return p->snap && p->snap->valid;
}

void snapshot_dirty(struct partition *p, const uint64_t *gpa, size_t n)
{
	struct part_snapshot *s = p->snap;
	if (!s)
		return;
	spin_lock(&s->dirty_lock);
	for (size_t i = 0; i < n; i++)
		pageset_add(&s->dirty, gpa[i] / PAGE);
	spin_unlock(&s->dirty_lock);
}

/* ---- take: each vCPU saves its own state, vCPU 0 then RAM and devices */

static void save_vcpu(struct vcpu *v, struct part_snapshot *s)
{
	if (arch_vcpu_save(v, s->cpu[v->index]))
		s->cpu_failed = true;
	s->regs[v->index] = v->regs;
	s->vstate[v->index] = v->state;
	s->sipi_vector[v->index] = v->sipi_vector;
	s->nmi_pending[v->index] = v->nmi_pending;
	s->msr[v->index] = v->msr;
}

/* Indexed by enum arch_dirty_mode. */
static const char *const tracking_text[] = {
    "writes not tracked: restores copy all RAM",
    "writes tracked by the CPU's dirty log",
    "writes tracked by write protection",
};

static void save_rest(struct vcpu *v, struct part_snapshot *s)
{
	struct partition *p = v->part;
	uint64_t t0 = arch_now();
	if (s->cpu_failed || p->state != PART_RUNNING ||
	    vdev_save_all(&p->devs, s->devs, s->devs_cap, &s->devs_len)) {
		hv_log("partition %s: snapshot failed: %s", p->name,
		       s->cpu_failed ? "a vCPU's state does not fit"
				     : "it stopped meanwhile");
		if (s->caller >= 0)
			p->vcpus[s->caller].regs.rax = (uint64_t)BH_EINVAL;
		return;
	}
	memcpy(s->ram, (void *)p->ram_hpa, p->ram_size);
	/* From here on, the dirty log holds what differs from s->ram. */
	arch_dirty_log_reset(p);
	pageset_clear(&s->dirty);
	s->valid = true;
	s->self = s->caller;
	s->taken_at = arch_now();
	/* The guest stopped at t0: its clock resumes from there. */
	s->guest_tsc = t0 + p->tsc_offset;
	s->resets = p->resets;
	s->restores = 0;
	hv_log("partition %s: snapshot taken (%lu MiB copied, %lu ticks; %s)",
	       p->name, (unsigned long)(p->ram_size >> 20),
	       (unsigned long)(s->taken_at - t0),
	       tracking_text[arch_dirty_log_mode(p)]);
}

/* ---- restore: each vCPU loads its own state, vCPU 0 then RAM and
 * devices (the other vCPUs are parked until it is done) ----------------- */

static void load_vcpu(struct vcpu *v, struct part_snapshot *s)
{
	arch_vcpu_load(v, s->cpu[v->index]);
	v->regs = s->regs[v->index];
	v->state = s->vstate[v->index];
	v->sipi_vector = s->sipi_vector[v->index];
	v->init_pending = false;
	v->nmi_pending = s->nmi_pending[v->index];
	v->msr = s->msr[v->index];
}

/* Copies back what differs from the snapshot: the logged pages, or all
 * of RAM when the log cannot say (no tracking, or the partition was reset
 * since: its images were reloaded behind the log). Returns pages copied. */
static uint64_t copy_back(struct partition *p, struct part_snapshot *s)
{
	uint8_t *ram = (uint8_t *)p->ram_hpa;
	if (arch_dirty_log_mode(p) == ARCH_DIRTY_NONE ||
	    p->resets != s->resets) {
		memcpy(ram, s->ram, p->ram_size);
		arch_dirty_log_reset(p);
		pageset_clear(&s->dirty);
		s->resets = p->resets;
		return pages_for(p->ram_size);
	}
	const uint32_t *list = s->dirty.list;
	uint32_t n = s->dirty.count;
	for (uint32_t i = 0; i < n; i++)
		memcpy(ram + (uint64_t)list[i] * PAGE,
		       s->ram + (uint64_t)list[i] * PAGE, PAGE);
	arch_dirty_log_rearm(p, list, n);
	pageset_clear(&s->dirty);
	return n;
}

static void load_rest(struct vcpu *v, struct part_snapshot *s)
{
	struct partition *p = v->part;
	uint64_t t0 = arch_now();
	uint64_t copied = copy_back(p, s);
	if (vdev_restore_all(&p->devs, s->devs, s->devs_len))
		part_fail(p, "stopped: its devices' snapshot does not fit");
	/* The guest's clock goes on from its value at the take (TSC
	 * offsetting): its timers, kept in partition time, stay as due. */
	p->tsc_offset = s->guest_tsc - arch_now();
	s->restores++;
	s->last_copied = copied;
	s->last_ticks = arch_now() - t0;
	if (s->self >= 0) {
		struct guest_regs *r = &p->vcpus[s->self].regs;
		r->rax = 1;
		r->rbx = s->restores;
		r->rcx = copied;
		r->rdx = s->last_ticks;
	}
	/* A guest restoring itself in a loop would flood the log. */
	if (s->caller < 0 || s->restores == 1 || !(s->restores % 1000))
		hv_log("partition %s: restored from its snapshot (#%u, %lu "
		       "pages copied, %lu ticks; heap %lu pages free)",
		       p->name, s->restores, (unsigned long)copied,
		       (unsigned long)s->last_ticks,
		       (unsigned long)heap_free_pages());
}

/* ---- the rendezvous ---------------------------------------------------- */

static void each_vcpu(struct vcpu *v, void *arg)
{
	struct part_snapshot *s = arg;
	/* Its CPU's log up to now: written before the take (forgotten at
	 * save_rest) or since it (copied back at load_rest). */
	arch_dirty_log_flush(v);
	if (s->restoring)
		load_vcpu(v, s);
	else
		save_vcpu(v, s);
}

static void on_vcpu0(struct vcpu *v, void *arg)
{
	struct part_snapshot *s = arg;
	if (s->restoring)
		load_rest(v, s);
	else
		save_rest(v, s);
	s->caller = -1;
	s->busy = false;
}

enum refusal {
	R_NONE,
	R_NO_MEMORY,
	R_NOT_RUNNING,
	R_BUSY,
	R_NO_SNAPSHOT,
	R_RENDEZVOUS,
};

static const struct {
	const char *why;
	int64_t code; /* for the hypercalls */
} refusals[] = {
    [R_NO_MEMORY] = {"the partition has no snapshot memory (snapshot = no)",
		     BH_EPERM},
    [R_NOT_RUNNING] = {"only a running partition can be snapshotted or "
		       "restored",
		       BH_EBUSY},
    [R_BUSY] = {"a snapshot or restore is already under way", BH_EBUSY},
    [R_NO_SNAPSHOT] = {"the partition has no snapshot", BH_ENOENT},
    [R_RENDEZVOUS] = {"the partition is busy (another rendezvous)", BH_EBUSY},
};

/* Starts a take or a restore asked by vCPU `caller` (-1: the operator). */
static enum refusal start(struct partition *p, bool restoring, int caller)
{
	struct part_snapshot *s = p->snap;
	if (!s)
		return R_NO_MEMORY;
	if (p->state != PART_RUNNING)
		return R_NOT_RUNNING;
	if (__atomic_exchange_n(&s->busy, true, __ATOMIC_ACQ_REL))
		return R_BUSY;
	if (restoring && !s->valid) {
		s->busy = false;
		return R_NO_SNAPSHOT;
	}
	struct quiesce_req req = {
	    .each = each_vcpu, .boot = on_vcpu0, .arg = s};
	s->restoring = restoring;
	s->caller = caller;
	s->cpu_failed = false;
	if (!restoring)
		s->valid = false; /* replaced: not whole until save_rest */
	if (quiesce_start(p, &req)) {
		s->busy = false;
		return R_RENDEZVOUS;
	}
	return R_NONE;
}

static const char *why(enum refusal r)
{
	return r == R_NONE ? NULL : refusals[r].why;
}

const char *part_snapshot(struct partition *p)
{
	return why(start(p, false, -1));
}

const char *part_restore(struct partition *p)
{
	return why(start(p, true, -1));
}

int64_t snapshot_hypercall(struct vcpu *v, bool restoring)
{
	struct partition *p = v->part;
	if (p->cfg->snapshot != CFG_SNAPSHOT_SELF)
		return BH_EPERM;
	enum refusal r = start(p, restoring, (int)v->index);
	return r == R_NONE ? BH_EOK : refusals[r].code;
}

const char *part_drop(struct partition *p)
{
	if (!p->snap)
		return refusals[R_NO_MEMORY].why;
	if (p->snap->busy)
		return "a snapshot or restore is under way";
	if (!p->snap->valid)
		return refusals[R_NO_SNAPSHOT].why;
	p->snap->valid = false;
	hv_log("partition %s: snapshot dropped", p->name);
	return NULL;
}

void snapshot_stat(const struct partition *p, struct snapshot_stat *out)
{
	const struct part_snapshot *s = p->snap;
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	out->tracking = (uint8_t)arch_dirty_log_mode(p);
	if (!(out->exists = s->valid))
		return;
	out->age_ticks = arch_now() - s->taken_at;
	out->dirty_pages = s->dirty.count;
	out->restores = s->restores;
	out->last_copied = s->last_copied;
}
