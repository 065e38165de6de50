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
	/* Snapshots: the bytes of the device's state. NULL = not supported:
	 * no device has them until the snapshot issue. */
	int (*save)(const void *dev, void *buf, size_t len, size_t *used);
	int (*restore)(void *dev, const void *buf, size_t len);
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
	struct vdev_range ranges[VDEV_MAX_RANGES];
	unsigned nranges;
};

void vdev_map_init(struct vdev_map *m);
/* Adds a device; returns its index, or -1 if the map is full. */
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

#endif
