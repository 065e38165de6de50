/* Management payload cursors, names and status messages. */
#include "hv/proto/payload.h"
#include "hv/proto/frame.h"

static bool graphic(uint8_t c)
{
	return c > 0x20 && c < 0x7F;
}

static bool printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7F;
}

bool mgmt_name_valid(const uint8_t *p, size_t n)
{
	if (n == 0 || n > MGMT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!graphic(p[i]))
			return false;
	return true;
}

/* ---- writing ------------------------------------------------------------ */

void mgmt_wr_init(struct mgmt_wr *w, uint8_t *buf, size_t cap)
{
	w->p = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = false;
}

/* Room for n more bytes? Sets the error if not. */
static bool room(struct mgmt_wr *w, size_t n)
{
	if (w->err || n > w->cap - w->len)
		w->err = true;
	return !w->err;
}

void mgmt_put_bytes(struct mgmt_wr *w, const void *p, size_t n)
{
	if (!room(w, n))
		return;
	if (n) {
		if (!p) {
			w->err = true;
			return;
		}
		memcpy(w->p + w->len, p, n);
	}
	w->len += n;
}

static void put_le(struct mgmt_wr *w, uint64_t v, unsigned bytes)
{
	if (!room(w, bytes))
		return;
	for (unsigned i = 0; i < bytes; i++)
		w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

void mgmt_put_u8(struct mgmt_wr *w, uint8_t v)
{
	put_le(w, v, 1);
}

void mgmt_put_u16(struct mgmt_wr *w, uint16_t v)
{
	put_le(w, v, 2);
}

void mgmt_put_u32(struct mgmt_wr *w, uint32_t v)
{
	put_le(w, v, 4);
}

void mgmt_put_u64(struct mgmt_wr *w, uint64_t v)
{
	put_le(w, v, 8);
}

bool mgmt_put_name(struct mgmt_wr *w, const char *name)
{
	size_t n = 0;

	/* Bounded: a name is at most MGMT_NAME_MAX bytes. */
	while (name && n <= MGMT_NAME_MAX && name[n])
		n++;
	if (!name || !mgmt_name_valid((const uint8_t *)name, n)) {
		w->err = true;
		return false;
	}
	if (!room(w, 1 + n))
		return false;
	w->p[w->len++] = (uint8_t)n;
	memcpy(w->p + w->len, name, n);
	w->len += n;
	return true;
}

void mgmt_put_status(struct mgmt_wr *w, uint8_t status, const char *msg)
{
	if (!room(w, status == MGMT_ST_OK ? 1 : 2))
		return;
	w->p[w->len++] = status;
	if (status == MGMT_ST_OK)
		return;
	size_t max = w->cap - w->len - 1, n = 0;

	if (max > MGMT_MSG_MAX)
		max = MGMT_MSG_MAX;
	uint8_t *lenp = &w->p[w->len++];

	for (; msg && n < max && msg[n]; n++) {
		uint8_t c = (uint8_t)msg[n];

		w->p[w->len++] = printable(c) ? c : '?';
	}
	*lenp = (uint8_t)n;
}

int mgmt_wr_done(const struct mgmt_wr *w)
{
	return w->err ? -1 : (int)w->len;
}

/* ---- reading ------------------------------------------------------------ */

void mgmt_rd_init(struct mgmt_rd *r, const uint8_t *p, size_t n)
{
	r->p = p;
	r->n = p ? n : 0;
	r->off = 0;
	r->err = false;
}

/* The next n bytes, or NULL (and the error set) if they are not there. */
static const uint8_t *take(struct mgmt_rd *r, size_t n)
{
	if (r->err || n > r->n - r->off) {
		r->err = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;

	r->off += n;
	return p;
}

static uint64_t get_le(struct mgmt_rd *r, unsigned bytes)
{
	const uint8_t *p = take(r, bytes);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t mgmt_get_u8(struct mgmt_rd *r)
{
	return (uint8_t)get_le(r, 1);
}

uint16_t mgmt_get_u16(struct mgmt_rd *r)
{
	return (uint16_t)get_le(r, 2);
}

uint32_t mgmt_get_u32(struct mgmt_rd *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t mgmt_get_u64(struct mgmt_rd *r)
{
	return get_le(r, 8);
}

bool mgmt_get_bytes(struct mgmt_rd *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (!p)
		return false;
	if (out && n)
		memcpy(out, p, n);
	return true;
}

bool mgmt_get_name(struct mgmt_rd *r, char out[MGMT_NAME_MAX + 1])
{
	out[0] = '\0';
	if (r->err)
		return false;
	size_t save = r->off;
	size_t n = mgmt_get_u8(r);
	const uint8_t *p = take(r, n);

	if (!p || !mgmt_name_valid(p, n)) {
		r->off = save;
		r->err = true;
		return false;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

bool mgmt_get_status(struct mgmt_rd *r, uint8_t *status, char *msg, size_t cap)
{
	if (msg && cap)
		msg[0] = '\0';
	*status = mgmt_get_u8(r);
	if (r->err)
		return false;
	if (*status == MGMT_ST_OK)
		return true;
	size_t n = mgmt_get_u8(r);
	const uint8_t *p = take(r, n);

	if (!p)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!printable(p[i])) {
			r->err = true;
			return false;
		}
	}
	if (msg && cap) {
		size_t k = n < cap - 1 ? n : cap - 1;

		memcpy(msg, p, k);
		msg[k] = '\0';
	}
	return true;
}

bool mgmt_rd_end(const struct mgmt_rd *r)
{
	return !r->err && r->off == r->n;
}
