#include "hv/lib/pageset.h"

size_t pageset_bytes(uint32_t npages)
{
	size_t words = ((size_t)npages + 63) / 64;
	return words * 8 + (size_t)npages * 4;
}

void pageset_init(struct pageset *s, void *mem, uint32_t npages)
{
	s->bits = mem;
	s->list = (uint32_t *)((uint8_t *)mem + ((size_t)npages + 63) / 64 * 8);
	s->count = 0;
	s->npages = npages;
}

bool pageset_has(const struct pageset *s, uint64_t pfn)
{
	return pfn < s->npages && (s->bits[pfn / 64] >> (pfn % 64)) & 1;
}

bool pageset_add(struct pageset *s, uint64_t pfn)
{
	if (pfn >= s->npages)
		return false;
	if (!pageset_has(s, pfn)) {
		s->bits[pfn / 64] |= 1ull << (pfn % 64);
		s->list[s->count++] = (uint32_t)pfn; /* distinct: fits */
	}
	return true;
}

void pageset_clear(struct pageset *s)
{
	for (uint32_t i = 0; i < s->count; i++)
		s->bits[s->list[i] / 64] = 0;
	s->count = 0;
}
