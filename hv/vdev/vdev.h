/* The device registry: each virtual device of a partition registers the
 * I/O ports and guest-physical MMIO ranges it answers and the operations
 * every device has (reset, save, restore). The I/O and MMIO exit paths
 * find a device by lookup here; snapshots iterate the devices. Pure: the
 * handlers are the caller's (hv/devices.c), this only keeps the map. */
#ifndef BH_VDEV_H
#define BH_VDEV_H

#include "hv/lib/lib.h"

struct vcpu;

#define VDEV_MAX	12
#define VDEV_MAX_RANGES 24
/* Ports below this (every port a PC device has) are found by table. */
#define VDEV_LOW_PORTS 0x1000

/* Port access: true if the device answered (for IN, *val holds the data);
 * false leaves the port unowned (reads all-ones, counted). */
typedef bool vdev_io_fn(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
			bool in, uint32_t *val);
/* MMIO access of `size` bytes at `gpa`: 0, or -1 if the device refused. */
typedef int vdev_mmio_fn(struct vcpu *v, void *dev, uint64_t gpa, unsigned size,
			 bool write, uint64_t *val);

struct vdev_ops {
	const char *name;
	vdev_io_fn *io;
	vdev_mmio_fn *mmio;
	/* Does the device answer for this vCPU now? NULL = always. (The local
	 * APIC page answers only in xAPIC mode.) */
	bool (*active)(struct vcpu *v, void *dev);
	void (*reset)(void *dev);
	/* Snapshots: the device's state is state_size(dev) bytes, which save
	 * writes and restore reads back (buf has no alignment); check, if
	 * set, refuses bytes that restore must not take. NULL state_size: no
	 * state of its own (another device's record carries it); otherwise
	 * save and restore are required. */
	size_t (*state_size)(const void *dev);
	void (*save)(void *dev, void *buf);
	bool (*check)(const void *dev, const void *buf);
	void (*restore)(void *dev, const void *buf);
};

struct vdev {
	const struct vdev_ops *ops;
	void *dev;
};

struct vdev_range {
	uint64_t first, last;
	bool mmio;
	uint8_t dev; /* index in devs[] */
};

struct vdev_map {
	struct vdev devs[VDEV_MAX];
	unsigned ndevs;
	struct vdev_range ranges[VDEV_MAX_RANGES]; /* sorted, see vdev.c */
	unsigned nranges;
	uint8_t low_port[VDEV_LOW_PORTS]; /* claimant's index + 1, 0: none */
};

void vdev_map_init(struct vdev_map *m);
/* Adds a device; returns its index, or -1 if the map is full or the ops
 * have a state_size without save and restore. */
int vdev_add(struct vdev_map *m, const struct vdev_ops *ops, void *dev);
/* Claims [first, last] for device `d`: ports (mmio = false) or
 * guest-physical bytes. -1 if full, empty, or overlapping a claim. */
int vdev_claim(struct vdev_map *m, int d, uint64_t first, uint64_t last,
	       bool mmio);
/* The device that answers a port or an address for vCPU v, or NULL. */
const struct vdev *vdev_find(const struct vdev_map *m, struct vcpu *v,
			     uint64_t addr, bool mmio);
/* Resets every device, in registration order. */
void vdev_reset_all(struct vdev_map *m);

/* A saved device state is a header and the device's bytes, one record per
 * device in registration order (stateless ones with len 0). The name
 * makes a snapshot of a partition with other devices fail to restore.
 * Native byte order and layouts: for the build that saved it. */
#define VDEV_NAME_MAX 16
struct vdev_state_rec {
	uint32_t dev;		  /* index in devs[] */
	uint32_t len;		  /* bytes of state that follow */
	char name[VDEV_NAME_MAX]; /* ops->name (cut), zero-padded */
};

/* Bytes vdev_save_all needs for this map's devices. */
size_t vdev_state_size(const struct vdev_map *m);
/* Saves every device (each under its own lock: pause the partition for a
 * state consistent across devices). -1, with buf and *used untouched, if
 * len is below vdev_state_size(m). */
int vdev_save_all(const struct vdev_map *m, void *buf, size_t len,
		  size_t *used);
/* Restores what vdev_save_all wrote, all or nothing: -1, with no device
 * changed, unless buf holds exactly a record for each device (index,
 * name and size as this map has them) that the device's check accepts. */
int vdev_restore_all(struct vdev_map *m, const void *buf, size_t len);

#endif
