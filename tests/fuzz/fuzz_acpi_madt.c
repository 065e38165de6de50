/* libFuzzer harness: host ACPI MADT reader (drivers/acpi_madt.c).
 *
 * Input: flags(1) max(1) rsdp_offset(2), then "physical memory" seen at
 * MEM_BASE. With flag bit 0 the harness first fixes up the checksums of the
 * RSDP, the root table and every MADT it points to (random mutations
 * cannot), so both the checksum checks and the walk behind them get
 * exercised. Each map callback returns a fresh heap copy of exactly the
 * requested range, so ASan reports any read beyond what was mapped. The ID
 * array holds exactly max entries. Properties:
 * - map is never asked for more than 1 MiB, nor called more often than
 *   the RSDP, root table and 1024 root entries need;
 * - the result agrees with an independent walk of the MADT that was mapped
 *   last (documented entry rules): same IDs in the same order, the count
 *   capped at max with an error on overflow, count 0 on other errors;
 * - the MADT accepted has a valid checksum and its length field matches. */
#include "drivers/acpi/madt.h"
#include "tests/fuzz/fuzz_util.h"

#define MEM_BASE  0xE0000ull
#define PREFIX	  4u
#define MAX_MAPS  (3u + 2u + ACPI_MADT_MAX_ROOT_ENTRIES + 1u)
#define F_FIXSUMS (1u << 0)

struct phys {
	uint8_t *mem; /* the input's memory image, at MEM_BASE */
	size_t len;
	void *maps[MAX_MAPS + 1]; /* copies handed out, freed after the call */
	unsigned nmaps;
	const uint8_t *madt; /* last mapped table signed "APIC", >= 44 bytes */
	size_t madt_len;
};

/* [pa, pa + len) inside the memory image, or NULL. */
static uint8_t *at(const struct phys *ph, uint64_t pa, uint64_t len)
{
	if (pa < MEM_BASE || pa - MEM_BASE > ph->len ||
	    len > ph->len - (pa - MEM_BASE))
		return NULL;
	return ph->mem + (pa - MEM_BASE);
}

static const void *map(uint64_t pa, size_t len, void *ctx)
{
	struct phys *ph = ctx;
	const uint8_t *p = at(ph, pa, len);
	uint8_t *copy;

	CHECK(len <= ACPI_MADT_MAX_LEN);
	CHECK(ph->nmaps < MAX_MAPS);
	if (!p)
		return NULL;
	copy = malloc(len ? len : 1);
	CHECK(copy != NULL);
	memcpy(copy, p, len);
	ph->maps[ph->nmaps++] = copy;
	if (len >= 44 && memcmp(copy, "APIC", 4) == 0) {
		ph->madt = copy;
		ph->madt_len = len;
	}
	return copy;
}

/* Makes the checksums along the documented path right. */
static void fix_sums(struct phys *ph, uint64_t rsdp)
{
	uint8_t *r = at(ph, rsdp, 20), *t, *h;
	uint64_t root, pa;
	uint32_t rlen = 0, len, esize = 4;

	if (!r)
		return;
	root = rd32(r + 16);
	if (r[15] >= 2 && at(ph, rsdp, 36)) {
		rlen = rd32(r + 20);
		if (rlen < 36 || rlen > 4096 || !at(ph, rsdp, rlen))
			rlen = 0;
		else if (rd64(r + 24)) {
			root = rd64(r + 24);
			esize = 8;
		}
	}
	t = at(ph, root, 36);
	len = t ? rd32(t + 4) : 0;
	if (t && len >= 36 && len <= 36 + ACPI_MADT_MAX_ROOT_ENTRIES * esize &&
	    at(ph, root, len)) {
		for (uint32_t i = 0; i < (len - 36) / esize; i++) {
			const uint8_t *e = t + 36 + i * esize;
			uint32_t tl;

			pa = esize == 8 ? rd64(e) : rd32(e);
			h = at(ph, pa, 36);
			if (!h || memcmp(h, "APIC", 4) != 0)
				continue;
			tl = rd32(h + 4);
			if (tl >= 44 && tl <= ACPI_MADT_MAX_LEN &&
			    at(ph, pa, tl))
				fix_sum8(h, tl, 9);
		}
		fix_sum8(t, len, 9);
	}
	fix_sum8(r, 20, 8);
	if (rlen)
		fix_sum8(r, rlen, 32);
}

static void add(uint32_t *ids, unsigned *n, uint32_t id)
{
	for (unsigned i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	ids[(*n)++] = id;
}

/* The MADT entry rules of acpi_madt.h, with at most max IDs: 0 and the IDs,
 * -1 malformed, -2 more than max IDs (ids then holds the first max). */
static int walk(const uint8_t *m, size_t len, unsigned max, uint32_t *ids,
		unsigned *n)
{
	*n = 0;
	for (size_t off = 44; off < len;) {
		const uint8_t *e = m + off;
		size_t elen;
		uint32_t id;

		if (len - off < 2 || e[1] < 2 || e[1] > len - off)
			return -1;
		elen = e[1];
		if (e[0] == 0) {
			if (elen < 8)
				return -1;
			id = e[3];
			if (!(rd32(e + 4) & 1) || id == 0xFF)
				id = UINT32_MAX; /* not listed */
		} else if (e[0] == 9) {
			if (elen < 16)
				return -1;
			id = rd32(e + 4); /* 0xFFFFFFFF: invalid, skipped */
			if (!(rd32(e + 8) & 1))
				id = UINT32_MAX;
		} else {
			id = UINT32_MAX;
		}
		if (id != UINT32_MAX) {
			unsigned before = *n;
			bool seen = false;

			for (unsigned i = 0; i < before; i++)
				seen |= ids[i] == id;
			if (!seen && before == max)
				return -2;
			add(ids, n, id);
		}
		off += elen;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct phys ph;
	static uint32_t want[256]; /* max <= 255 */
	unsigned flags, max, count = 12345, nwant = 0;
	uint64_t rsdp;
	uint32_t *ids;
	const char *why = NULL;
	int r, w = 0;

	if (size < PREFIX)
		return 0;
	flags = data[0];
	max = data[1];
	rsdp = MEM_BASE + rd16(data + 2);
	memset(&ph, 0, sizeof(ph));
	ph.len = size - PREFIX;
	ph.mem = malloc(ph.len ? ph.len : 1);
	CHECK(ph.mem != NULL);
	memcpy(ph.mem, data + PREFIX, ph.len);
	if (flags & F_FIXSUMS)
		fix_sums(&ph, rsdp);
	ids = max ? malloc(max * sizeof(*ids)) : NULL;
	CHECK(!max || ids);

	r = acpi_find_apic_ids(rsdp, map, &ph, ids, max, &count, &why);

	CHECK(r == 0 || r == -1);
	CHECK(count <= max);
	if (ph.madt)
		w = walk(ph.madt, ph.madt_len, max, want, &nwant);
	if (r == 0) {
		CHECK(ph.madt != NULL);
		CHECK(sum8(ph.madt, ph.madt_len) == 0);
		CHECK(rd32(ph.madt + 4) == ph.madt_len);
		CHECK(w == 0);
		CHECK(count == nwant);
	} else {
		CHECK(why != NULL && why[0] != '\0');
		/* A MADT that checks out can fail only by its entries. */
		if (ph.madt && sum8(ph.madt, ph.madt_len) == 0 &&
		    rd32(ph.madt + 4) == ph.madt_len)
			CHECK(w != 0);
		if (count) {
			CHECK(ph.madt != NULL && w == -2 && count == max);
		} else if (ph.madt && w == -2 &&
			   sum8(ph.madt, ph.madt_len) == 0) {
			CHECK(count == max);
		}
	}
	if (count)
		CHECK(count == nwant &&
		      memcmp(ids, want, count * sizeof(*ids)) == 0);

	for (unsigned i = 0; i < ph.nmaps; i++)
		free(ph.maps[i]);
	free(ids);
	free(ph.mem);
	return 0;
}
