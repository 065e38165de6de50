#include "hv/lib/outring.h"

_Static_assert((OUTRING_SIZE & (OUTRING_SIZE - 1)) == 0,
	       "OUTRING_SIZE is a power of two");

void outring_put(struct outring *r, const void *p, size_t n)
{
	const uint8_t *b = p;
	if (n > OUTRING_SIZE) { /* only the newest bytes can be kept */
		r->end += n - OUTRING_SIZE;
		b += n - OUTRING_SIZE;
		n = OUTRING_SIZE;
	}
	for (size_t i = 0; i < n; i++)
		r->buf[(r->end + i) % OUTRING_SIZE] = b[i];
	r->end += n;
}

size_t outring_read(const struct outring *r, uint64_t from, uint8_t *out,
		    size_t max, uint64_t *first)
{
	uint64_t oldest = r->end > OUTRING_SIZE ? r->end - OUTRING_SIZE : 0;
	uint64_t start = from < oldest ? oldest : from;
	if (start > r->end)
		start = r->end;
	uint64_t n = r->end - start;
	if (n > max)
		n = max;
	for (uint64_t i = 0; i < n; i++)
		out[i] = r->buf[(start + i) % OUTRING_SIZE];
	*first = start;
	return (size_t)n;
}
