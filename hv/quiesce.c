/* Parked vCPUs wait with arch_cpu_wait(), so a long rendezvous (a paused
 * partition) costs no exits and no spinning; every release kicks them. */
#include "hv/quiesce.h"
#include "hv/partition.h"
#include "hv/mgmt.h"

void part_kick(struct partition *p)
{
	unsigned self = arch_this_cpu();
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i].pcpu != self)
			arch_kick(p->vcpus[i].pcpu);
}

int quiesce_start(struct partition *p, const struct quiesce_req *r)
{
	struct quiesce *q = &p->quiesce;
	spin_lock(&q->lock);
	if (q->pending) {
		spin_unlock(&q->lock);
		return -1;
	}
	q->req = *r;
	__atomic_store_n(&q->arrived, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&q->pending, true, __ATOMIC_RELEASE);
	part_attention(p);
	spin_unlock(&q->lock);
	part_kick(p);
	return 0;
}

void quiesce_release(struct partition *p)
{
	struct quiesce *q = &p->quiesce;
	spin_lock(&q->lock);
	__atomic_store_n(&q->pending, false, __ATOMIC_RELEASE);
	__atomic_add_fetch(&q->gen, 1, __ATOMIC_ACQ_REL);
	spin_unlock(&q->lock);
	part_kick(p);
}

/* Counts the caller in, unless the rendezvous it saw (gen) is over: a
 * late vCPU must not count toward the next one. */
static bool arrive(struct quiesce *q, unsigned gen)
{
	spin_lock(&q->lock);
	bool ok = q->pending && q->gen == gen;
	if (ok)
		q->arrived++;
	spin_unlock(&q->lock);
	return ok;
}

static void wait_release(struct quiesce *q, unsigned gen)
{
	while (__atomic_load_n(&q->gen, __ATOMIC_ACQUIRE) == gen &&
	       __atomic_load_n(&q->pending, __ATOMIC_ACQUIRE))
		mgmt_wait(UINT64_MAX);
}

void quiesce_park(struct vcpu *v)
{
	struct partition *p = v->part;
	struct quiesce *q = &p->quiesce;
	unsigned gen = __atomic_load_n(&q->gen, __ATOMIC_ACQUIRE);
	if (!quiesce_pending(p))
		return; /* released before this vCPU arrived */
	if (q->req.each)
		q->req.each(v, q->req.arg);
	if (!arrive(q, gen))
		return;
	if (v->index != 0) {
		wait_release(q, gen);
		return;
	}
	/* (A pause may be resumed before everyone arrived: then go on.) */
	while (__atomic_load_n(&q->arrived, __ATOMIC_ACQUIRE) < p->nvcpus)
		if (__atomic_load_n(&q->gen, __ATOMIC_ACQUIRE) != gen)
			return;
		else
			__asm__ volatile("pause");
	if (q->req.boot)
		q->req.boot(v, q->req.arg);
	if (q->req.keep)
		wait_release(q, gen);
	else
		quiesce_release(p);
}
