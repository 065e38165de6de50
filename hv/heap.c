#include "hv/heap.h"
#include "hv/lib/spinlock.h"

static struct spinlock heap_lock;
static uint64_t heap_next, heap_end;

void heap_init(uint64_t base, uint64_t size)
{
	heap_next = BH_ALIGN_UP(base, 4096);
	heap_end = base + size;
}

void *heap_alloc_pages(unsigned pages)
{
	uint64_t bytes = (uint64_t)pages * 4096;
	void *p = NULL;
	spin_lock(&heap_lock);
	if (bytes && heap_end - heap_next >= bytes) {
		p = (void *)heap_next;
		heap_next += bytes;
	}
	spin_unlock(&heap_lock);
	if (p)
		memset(p, 0, bytes);
	return p;
}

uint64_t heap_free_pages(void)
{
	return (heap_end - heap_next) / 4096;
}
