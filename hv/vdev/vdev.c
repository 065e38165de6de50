#include "hv/vdev/vdev.h"

void vdev_map_init(struct vdev_map *m)
{
	memset(m, 0, sizeof(*m));
}

int vdev_add(struct vdev_map *m, const struct vdev_ops *ops, void *dev)
{
	if (m->ndevs == VDEV_MAX || !ops ||
	    (ops->state_size && (!ops->save || !ops->restore)))
		return -1;
	m->devs[m->ndevs] = (struct vdev){ops, dev};
	return (int)m->ndevs++;
}

/* A lookup runs on every port I/O and MMIO exit. Ports below
 * VDEV_LOW_PORTS (a PC's, the busiest) are one table read; the other
 * claims are kept sorted, ports before MMIO and then by first address, so
 * the rest is a binary search, not a walk over every claim. */
static bool range_before(bool mmio_a, uint64_t a, bool mmio_b, uint64_t b)
{
	return mmio_a != mmio_b ? !mmio_a : a < b;
}

int vdev_claim(struct vdev_map *m, int d, uint64_t first, uint64_t last,
	       bool mmio)
{
	if (d < 0 || (unsigned)d >= m->ndevs || first > last ||
	    m->nranges == VDEV_MAX_RANGES)
		return -1;
	unsigned at = 0;
	for (unsigned i = 0; i < m->nranges; i++) {
		const struct vdev_range *r = &m->ranges[i];
		if (r->mmio == mmio && first <= r->last && r->first <= last)
			return -1;
		if (range_before(r->mmio, r->first, mmio, first))
			at = i + 1;
	}
	memmove(&m->ranges[at + 1], &m->ranges[at],
		(m->nranges - at) * sizeof(m->ranges[0]));
	m->ranges[at] = (struct vdev_range){first, last, mmio, (uint8_t)d};
	m->nranges++;
	for (uint64_t port = first;
	     !mmio && port <= last && port < VDEV_LOW_PORTS; port++)
		m->low_port[port] = (uint8_t)(d + 1);
	return 0;
}

static const struct vdev *active_dev(const struct vdev_map *m, unsigned i,
				     struct vcpu *v)
{
	const struct vdev *d = &m->devs[i];
	if (d->ops->active && !d->ops->active(v, d->dev))
		return NULL;
	return d;
}

/* Ranges do not overlap, so the last one that starts at or before addr
 * is the only candidate; an inactive device leaves the address to the
 * caller's default. */
const struct vdev *vdev_find(const struct vdev_map *m, struct vcpu *v,
			     uint64_t addr, bool mmio)
{
	if (!mmio && addr < VDEV_LOW_PORTS)
		return m->low_port[addr]
			   ? active_dev(m, m->low_port[addr] - 1u, v)
			   : NULL;
	unsigned lo = 0, hi = m->nranges; /* candidates: [0, lo) start <= */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct vdev_range *r = &m->ranges[mid];
		if (range_before(mmio, addr, r->mmio, r->first))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == 0)
		return NULL;
	const struct vdev_range *r = &m->ranges[lo - 1];
	if (r->mmio != mmio || addr > r->last)
		return NULL;
	return active_dev(m, r->dev, v);
}

void vdev_reset_all(struct vdev_map *m)
{
	for (unsigned i = 0; i < m->ndevs; i++)
		if (m->devs[i].ops->reset)
			m->devs[i].ops->reset(m->devs[i].dev);
}

static size_t dev_state_size(const struct vdev *d)
{
	return d->ops->state_size ? d->ops->state_size(d->dev) : 0;
}

/* The header device i's record has in this map (zeroed first: headers
 * are compared whole). */
static struct vdev_state_rec rec_of(const struct vdev_map *m, unsigned i)
{
	struct vdev_state_rec r;
	memset(&r, 0, sizeof(r));
	r.dev = i;
	r.len = (uint32_t)dev_state_size(&m->devs[i]);
	if (m->devs[i].ops->name)
		bh_strlcpy(r.name, m->devs[i].ops->name, sizeof(r.name));
	return r;
}

size_t vdev_state_size(const struct vdev_map *m)
{
	size_t n = 0;
	for (unsigned i = 0; i < m->ndevs; i++)
		n += dev_state_size(&m->devs[i]);
	return n + m->ndevs * sizeof(struct vdev_state_rec);
}

int vdev_save_all(const struct vdev_map *m, void *buf, size_t len, size_t *used)
{
	size_t need = vdev_state_size(m);
	uint8_t *out = buf;
	if (!buf || len < need)
		return -1;
	for (unsigned i = 0; i < m->ndevs; i++) {
		struct vdev_state_rec r = rec_of(m, i);
		memcpy(out, &r, sizeof(r));
		out += sizeof(r);
		if (r.len)
			m->devs[i].ops->save(m->devs[i].dev, out);
		out += r.len;
	}
	*used = need;
	return 0;
}

/* Every record, before any device takes one: a restore is all or
 * nothing. */
static int check_all(const struct vdev_map *m, const uint8_t *in, size_t len)
{
	size_t off = 0;
	for (unsigned i = 0; i < m->ndevs; i++) {
		const struct vdev *d = &m->devs[i];
		struct vdev_state_rec want = rec_of(m, i), got;
		if (len - off < sizeof(got))
			return -1;
		memcpy(&got, in + off, sizeof(got));
		off += sizeof(got);
		if (memcmp(&got, &want, sizeof(got)) || len - off < got.len)
			return -1;
		if (got.len && d->ops->check &&
		    !d->ops->check(d->dev, in + off))
			return -1;
		off += got.len;
	}
	return off == len ? 0 : -1;
}

int vdev_restore_all(struct vdev_map *m, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	if (!buf || check_all(m, in, len))
		return -1;
	for (unsigned i = 0; i < m->ndevs; i++) {
		struct vdev_state_rec r = rec_of(m, i);
		in += sizeof(r);
		if (r.len)
			m->devs[i].ops->restore(m->devs[i].dev, in);
		in += r.len;
	}
	return 0;
}
