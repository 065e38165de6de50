/* Snapshots of a partition (hv/snapshot.c, docs/snapshots.md). */
#ifndef BH_SNAPSHOT_H
#define BH_SNAPSHOT_H

#include "hv/lib/lib.h"

struct partition;

/* Sets p up for snapshots when the loader reserved a copy of its RAM at
 * ram_copy_hpa (0: snapshot = no, nothing to do). After its devices and
 * vCPUs exist; -1 if the hypervisor heap cannot hold the rest. */
int snapshot_init(struct partition *p, uint64_t ram_copy_hpa);
/* A whole snapshot is kept. */
bool snapshot_exists(const struct partition *p);
/* Operator operations: NULL when started (they complete in the
 * partition's rendezvous, which logs the outcome), or why not. Take
 * replaces any earlier snapshot; restore puts RAM, every vCPU and every
 * device back as they were; drop forgets the snapshot. */
const char *part_snapshot(struct partition *p);
const char *part_restore(struct partition *p);
const char *part_drop(struct partition *p);
/* The SNAPSHOT (restoring = false) and RESTORE hypercalls of v (hv/abi.h):
 * BH_EOK when started (the rendezvous completes it before v runs again),
 * else a BH_E* code; BH_EPERM unless the partition has snapshot = self. */
struct vcpu;
int64_t snapshot_hypercall(struct vcpu *v, bool restoring);

/* What `list` and `stats` show about a partition's snapshot. */
struct snapshot_stat {
	bool exists;
	uint8_t tracking;     /* enum arch_dirty_mode: how written pages are
				 found (NONE: restores copy all of RAM) */
	uint64_t age_ticks;   /* host TSC ticks since it was taken */
	uint64_t dirty_pages; /* written since it or the last restore, as
				 logged so far (see docs/snapshots.md) */
	uint32_t restores;    /* since it was taken */
	uint64_t last_copied; /* pages the last restore copied back */
};
void snapshot_stat(const struct partition *p, struct snapshot_stat *out);

#endif
