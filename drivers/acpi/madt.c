/* Host MADT reader. See acpi_madt.h.
 * Structure layouts: ACPI 6.0 sections 5.2.5.3 (RSDP), 5.2.7 (RSDT),
 * 5.2.8 (XSDT) and 5.2.12 (MADT). */
#include "drivers/acpi/madt.h"
#include "hv/lib/binfmt.h"

#define RSDP_V1_LEN	  20u /* covered by the first checksum */
#define RSDP_V2_LEN	  36u
#define RSDP_MAX_LEN	  4096u
#define RSDP_REVISION	  15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH	  20
#define RSDP_XSDT_ADDRESS 24

#define HDR_LEN	   36u
#define HDR_LENGTH 4

#define MADT_FIXED_LEN	  44u
#define MADT_TYPE_LAPIC	  0
#define MADT_TYPE_X2APIC  9
#define MADT_LAPIC_LEN	  8u
#define MADT_X2APIC_LEN	  16u
#define MADT_ENABLED	  (1u << 0)
#define LAPIC_INVALID_ID  0xFFu
#define X2APIC_INVALID_ID 0xFFFFFFFFu

struct id_list {
	uint32_t *ids;
	unsigned max, n;
	bool overflow; /* an enabled ID did not fit */
};

/* bh_fail for the functions that return a table: NULL with *why. */
static const uint8_t *fail_null(const char **why, const char *reason)
{
	bh_fail(why, reason);
	return NULL;
}

/* Maps the System Description Table at pa whose header the caller has
 * already checked, after bounding its length to [min, max], and verifies
 * the checksum. Returns the table and its length, or NULL with *why. */
static const uint8_t *map_table(uint64_t pa, const uint8_t *hdr, uint32_t min,
				uint32_t max, acpi_map_fn *map, void *ctx,
				uint32_t *len, const char **why)
{
	const uint8_t *t;
	uint32_t l = le_rd32(hdr + HDR_LENGTH);

	if (l < min)
		return fail_null(why, "ACPI table shorter than its fixed part");
	if (l > max)
		return fail_null(why, "ACPI table implausibly long");
	t = map(pa, l, ctx);
	if (!t)
		return fail_null(why, "ACPI table extends outside "
				      "mapped memory");
	if (bh_sum8(t, l))
		return fail_null(why, "ACPI table checksum mismatch");
	*len = l;
	return t;
}

/* Records an enabled processor's APIC ID once. */
static int add_id(struct id_list *l, uint32_t id, const char **why)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return 0;
	if (l->n == l->max) {
		l->overflow = true;
		return bh_fail(why, "more enabled CPUs in the MADT than max");
	}
	l->ids[l->n++] = id;
	return 0;
}

static int parse_madt(const uint8_t *m, uint32_t len, struct id_list *l,
		      const char **why)
{
	uint32_t off = MADT_FIXED_LEN;

	while (off < len) {
		const uint8_t *e = m + off;
		uint32_t elen;

		if (len - off < 2)
			return bh_fail(why, "MADT ends inside an entry header");
		elen = e[1];
		if (elen < 2)
			return bh_fail(why, "MADT entry with length below 2");
		if (elen > len - off)
			return bh_fail(why, "MADT entry overruns the table");
		switch (e[0]) {
		case MADT_TYPE_LAPIC:
			if (elen < MADT_LAPIC_LEN)
				return bh_fail(why, "MADT local APIC entry too "
						    "short");
			if ((le_rd32(e + 4) & MADT_ENABLED) &&
			    e[3] != LAPIC_INVALID_ID &&
			    add_id(l, e[3], why) != 0)
				return -1;
			break;
		case MADT_TYPE_X2APIC:
			if (elen < MADT_X2APIC_LEN)
				return bh_fail(why, "MADT local x2APIC entry "
						    "too short");
			if ((le_rd32(e + 8) & MADT_ENABLED) &&
			    le_rd32(e + 4) != X2APIC_INVALID_ID &&
			    add_id(l, le_rd32(e + 4), why) != 0)
				return -1;
			break;
		default:
			break;
		}
		off += elen;
	}
	return 0;
}

/* Finds and validates the root table. Returns it (with its entry size and
 * count) or NULL with *why. */
static const uint8_t *map_root(uint64_t rsdp_pa, acpi_map_fn *map, void *ctx,
			       unsigned *esize, unsigned *nent,
			       const char **why)
{
	const uint8_t *r, *h, *t;
	uint64_t root;
	const char *sig;
	uint32_t len;

	r = map(rsdp_pa, RSDP_V1_LEN, ctx);
	if (!r)
		return fail_null(why, "RSDP outside mapped memory");
	if (memcmp(r, "RSD PTR ", 8) != 0)
		return fail_null(why, "bad RSDP signature");
	if (bh_sum8(r, RSDP_V1_LEN))
		return fail_null(why, "RSDP checksum mismatch");
	root = le_rd32(r + RSDP_RSDT_ADDRESS);
	*esize = 4;
	sig = "RSDT";
	if (r[RSDP_REVISION] >= 2) {
		r = map(rsdp_pa, RSDP_V2_LEN, ctx);
		if (!r)
			return fail_null(why, "RSDP outside mapped memory");
		len = le_rd32(r + RSDP_LENGTH);
		if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN)
			return fail_null(why, "bad RSDP length");
		r = map(rsdp_pa, len, ctx);
		if (!r)
			return fail_null(why, "RSDP outside mapped memory");
		if (bh_sum8(r, len))
			return fail_null(why, "RSDP extended checksum "
					      "mismatch");
		if (le_rd64(r + RSDP_XSDT_ADDRESS)) {
			root = le_rd64(r + RSDP_XSDT_ADDRESS);
			*esize = 8;
			sig = "XSDT";
		}
	}
	if (!root)
		return fail_null(why, "RSDP has no root table");
	h = map(root, HDR_LEN, ctx);
	if (!h)
		return fail_null(why, "root table outside mapped memory");
	if (memcmp(h, sig, 4) != 0)
		return fail_null(why, "bad root table signature");
	t = map_table(root, h, HDR_LEN,
		      HDR_LEN + ACPI_MADT_MAX_ROOT_ENTRIES * *esize, map, ctx,
		      &len, why);
	if (!t)
		return NULL;
	/* A partial trailing entry is ignored, as ACPICA does. */
	*nent = (len - HDR_LEN) / *esize;
	return t;
}

int acpi_find_apic_ids(uint64_t rsdp_pa, acpi_map_fn *map, void *ctx,
		       uint32_t *ids, unsigned max, unsigned *count,
		       const char **why)
{
	struct id_list l = {ids, max, 0, false};
	const uint8_t *root, *h, *m;
	unsigned esize, nent;
	uint32_t len;

	if (!map || !count || (!ids && max))
		return bh_fail(why, "bad arguments");
	*count = 0;
	root = map_root(rsdp_pa, map, ctx, &esize, &nent, why);
	if (!root)
		return -1;
	for (unsigned i = 0; i < nent; i++) {
		const uint8_t *e = root + HDR_LEN + i * esize;
		uint64_t pa = esize == 8 ? le_rd64(e) : le_rd32(e);

		if (!pa)
			continue;
		h = map(pa, HDR_LEN, ctx);
		if (!h)
			return bh_fail(why, "root table entry outside mapped "
					    "memory");
		if (memcmp(h, "APIC", 4) != 0)
			continue;
		m = map_table(pa, h, MADT_FIXED_LEN, ACPI_MADT_MAX_LEN, map,
			      ctx, &len, why);
		if (!m)
			return -1;
		if (parse_madt(m, len, &l, why) != 0) {
			*count = l.overflow ? l.n : 0;
			return -1;
		}
		*count = l.n;
		return 0;
	}
	return bh_fail(why, "no MADT (APIC) table");
}
