/* Snapshots of a partition (docs/snapshots.md): its whole RAM, every
 * vCPU's architectural state (arch_vcpu_save, on the vCPU's own CPU) and
 * registers, and every virtual device (the registry), taken and put back
 * in the quiesce rendezvous, so nothing of the partition runs meanwhile.
 * Memory is reserved at boot (`snapshot = yes`): taking one never
 * allocates. This first version copies all of RAM both ways; dirty
 * tracking (copy back only what the guest wrote) is the next step. */
#include "hv/snapshot.h"
#include "hv/console.h"
#include "hv/heap.h"
#include "hv/partition.h"

struct part_snapshot {
	uint8_t *ram; /* ram_size bytes, reserved at boot */
	struct arch_vcpu_state *cpu[PART_MAX_VCPUS];
	struct guest_regs regs[PART_MAX_VCPUS];
	enum vcpu_state vstate[PART_MAX_VCPUS];
	int sipi_vector[PART_MAX_VCPUS];
	uint8_t *devs;
	size_t devs_cap, devs_len;
	volatile bool valid; /* a whole snapshot is kept */
	volatile bool busy;  /* a take or a restore is under way */
	bool cpu_failed;     /* a vCPU could not save its state */
	uint64_t taken_tsc;
	unsigned restores;
};

static uint64_t pages_for(size_t bytes)
{
	return (bytes + 4095) / 4096;
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
	memset(s, 0, sizeof(*s));
	s->ram = (uint8_t *)ram_copy_hpa;
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (!(s->cpu[i] = alloc_bytes(arch_vcpu_state_size())))
			return -1;
	s->devs_cap = vdev_state_size(&p->devs);
	if (!(s->devs = alloc_bytes(s->devs_cap)))
		return -1;
	p->snap = s;
	return 0;
}

bool snapshot_exists(const struct partition *p)
{
	return p->snap && p->snap->valid;
}

/* ---- take: each vCPU saves its own state, vCPU 0 then RAM and devices */

static void save_vcpu(struct vcpu *v, void *arg)
{
	struct part_snapshot *s = arg;
	if (arch_vcpu_save(v, s->cpu[v->index]))
		s->cpu_failed = true;
	s->regs[v->index] = v->regs;
	s->vstate[v->index] = v->state;
	s->sipi_vector[v->index] = v->sipi_vector;
}

static void save_rest(struct vcpu *v, void *arg)
{
	struct partition *p = v->part;
	struct part_snapshot *s = arg;
	uint64_t t0 = arch_now();
	if (s->cpu_failed || p->state != PART_RUNNING ||
	    vdev_save_all(&p->devs, s->devs, s->devs_cap, &s->devs_len)) {
		hv_log("partition %s: snapshot failed: %s", p->name,
		       s->cpu_failed ? "a vCPU's state does not fit"
				     : "it stopped meanwhile");
		s->valid = false;
	} else {
		memcpy(s->ram, (void *)p->ram_hpa, p->ram_size);
		s->valid = true;
		s->taken_tsc = arch_now();
		hv_log("partition %s: snapshot taken (%lu MiB copied, %lu "
		       "ticks)",
		       p->name, (unsigned long)(p->ram_size >> 20),
		       (unsigned long)(s->taken_tsc - t0));
	}
	s->busy = false;
}

/* ---- restore: each vCPU loads its own state, vCPU 0 then RAM and
 * devices (the other vCPUs are parked until it is done) ----------------- */

static void load_vcpu(struct vcpu *v, void *arg)
{
	struct part_snapshot *s = arg;
	arch_vcpu_load(v, s->cpu[v->index]);
	v->regs = s->regs[v->index];
	v->state = s->vstate[v->index];
	v->sipi_vector = s->sipi_vector[v->index];
	v->init_pending = false;
}

static void load_rest(struct vcpu *v, void *arg)
{
	struct partition *p = v->part;
	struct part_snapshot *s = arg;
	uint64_t t0 = arch_now();
	memcpy((void *)p->ram_hpa, s->ram, p->ram_size);
	if (vdev_restore_all(&p->devs, s->devs, s->devs_len))
		part_fail(p, "stopped: its devices' snapshot does not fit");
	s->restores++;
	hv_log("partition %s: restored from its snapshot (#%u, %lu MiB "
	       "copied, %lu ticks)",
	       p->name, s->restores, (unsigned long)(p->ram_size >> 20),
	       (unsigned long)(arch_now() - t0));
	s->busy = false;
}

/* Starts a take or a restore; NULL, or why not. */
static const char *start(struct partition *p, quiesce_fn *each,
			 quiesce_fn *rest)
{
	struct part_snapshot *s = p->snap;
	if (!s)
		return "the partition has no snapshot memory (snapshot = no)";
	if (p->state != PART_RUNNING)
		return "only a running partition can be snapshotted or "
		       "restored";
	if (s->busy)
		return "a snapshot or restore is already under way";
	if (each == load_vcpu && !s->valid)
		return "the partition has no snapshot";
	struct quiesce_req req = {.each = each, .boot = rest, .arg = s};
	s->busy = true;
	s->cpu_failed = false;
	if (each == save_vcpu)
		s->valid = false; /* replaced: not whole until save_rest */
	if (quiesce_start(p, &req)) {
		s->busy = false;
		return "the partition is busy (another rendezvous)";
	}
	return NULL;
}

const char *part_snapshot(struct partition *p)
{
	return start(p, save_vcpu, save_rest);
}

const char *part_restore(struct partition *p)
{
	return start(p, load_vcpu, load_rest);
}

const char *part_drop(struct partition *p)
{
	if (!p->snap)
		return "the partition has no snapshot memory (snapshot = no)";
	if (p->snap->busy)
		return "a snapshot or restore is under way";
	if (!p->snap->valid)
		return "the partition has no snapshot";
	p->snap->valid = false;
	hv_log("partition %s: snapshot dropped", p->name);
	return NULL;
}
