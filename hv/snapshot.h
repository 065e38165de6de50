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

#endif
