/* The quiesce rendezvous: bring every vCPU of a partition to a parked
 * state on its own CPU, run a function on each of them (its own control
 * structure is current there) and/or once on vCPU 0 when all have
 * arrived, then release them or keep them parked. Reset uses it; pause,
 * snapshot and restore will. */
#ifndef BH_QUIESCE_H
#define BH_QUIESCE_H

#include "hv/lib/lib.h"
#include "hv/lib/spinlock.h"

struct vcpu;
struct partition;

typedef void quiesce_fn(struct vcpu *v, void *arg);

struct quiesce_req {
	quiesce_fn *each; /* on every vCPU as it arrives, or NULL */
	quiesce_fn *boot; /* on vCPU 0 once all have arrived, or NULL */
	void *arg;
	bool keep; /* stay parked until quiesce_release() */
};

struct quiesce {
	struct spinlock lock;
	volatile bool pending; /* vCPUs must come to the rendezvous */
	volatile unsigned arrived;
	volatile unsigned gen; /* bumped at each release */
	struct quiesce_req req;
};

/* Asks every vCPU of p to park (kicks their CPUs). -1 if a rendezvous is
 * already under way. Callable from any CPU. */
int quiesce_start(struct partition *p, const struct quiesce_req *r);
/* True while vCPUs of p must come to the rendezvous:
 * quiesce_pending(), hv/partition.h (inline: the vCPU loop asks it before
 * every entry). */
/* The vCPU loop's side: arrive, run the request, wait for the release. */
void quiesce_park(struct vcpu *v);
/* Lets vCPUs held with `keep` go (pause -> resume). */
void quiesce_release(struct partition *p);

#endif
