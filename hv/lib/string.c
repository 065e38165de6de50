/* Freestanding implementations of the few C library routines the core
 * needs (the compiler may also emit calls to memcpy/memset itself).
 * Hosted builds use the C library instead. */
#include "hv/lib/lib.h"

#ifndef BH_HOSTED
/* Whole RAM copies (snapshots) and scrubs (resets) go through these, so
 * they move 8 bytes per step with the string instructions (forward:
 * the ABI leaves DF clear), then the tail byte by byte. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, r = n % 8;
	__asm__ volatile("rep movsq; mov %3, %%rcx; rep movsb"
			 : "+D"(d), "+S"(src), "+c"(q)
			 : "r"(r)
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t q = n / 8;
	uint64_t v = 0x0101010101010101ull * (uint8_t)c;
	__asm__ volatile("rep stosq; mov %3, %%rcx; rep stosb"
			 : "+D"(d), "+c"(q)
			 : "a"(v), "r"(n % 8)
			 : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (uint8_t)*a - (uint8_t)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}
#endif
