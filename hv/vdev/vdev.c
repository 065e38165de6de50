#include "hv/vdev/vdev.h"

void vdev_map_init(struct vdev_map *m)
{
	memset(m, 0, sizeof(*m));
}

int vdev_add(struct vdev_map *m, const struct vdev_ops *ops, void *dev)
{
	if (m->ndevs == VDEV_MAX || !ops)
		return -1;
	m->devs[m->ndevs] = (struct vdev){ops, dev};
	return (int)m->ndevs++;
}

int vdev_claim(struct vdev_map *m, int d, uint64_t first, uint64_t last,
	       bool mmio)
{
	if (d < 0 || (unsigned)d >= m->ndevs || first > last ||
	    m->nranges == VDEV_MAX_RANGES)
		return -1;
	for (unsigned i = 0; i < m->nranges; i++) {
		const struct vdev_range *r = &m->ranges[i];
		if (r->mmio == mmio && first <= r->last && r->first <= last)
			return -1;
	}
	m->ranges[m->nranges++] =
	    (struct vdev_range){first, last, mmio, (uint8_t)d};
	return 0;
}

/* Ranges do not overlap, so the first active match is the only one; an
 * inactive device leaves the address to the caller's default. */
const struct vdev *vdev_find(const struct vdev_map *m, struct vcpu *v,
			     uint64_t addr, bool mmio)
{
	for (unsigned i = 0; i < m->nranges; i++) {
		const struct vdev_range *r = &m->ranges[i];
		if (r->mmio != mmio || addr < r->first || addr > r->last)
			continue;
		const struct vdev *d = &m->devs[r->dev];
		if (d->ops->active && !d->ops->active(v, d->dev))
			return NULL;
		return d;
	}
	return NULL;
}

void vdev_reset_all(struct vdev_map *m)
{
	for (unsigned i = 0; i < m->ndevs; i++)
		if (m->devs[i].ops->reset)
			m->devs[i].ops->reset(m->devs[i].dev);
}
