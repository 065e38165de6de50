/* Unit tests for the device registry's claims and lookup (hv/vdev/vdev.c):
 * ports and MMIO are separate spaces, claims never overlap within one,
 * and vdev_find answers each address with the one device that claimed it
 * whatever order the claims came in (the lookup is a binary search over
 * claims kept sorted). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hv/vdev/vdev.h"

static const struct vdev_ops dev_a = {.name = "a"};
static const struct vdev_ops dev_b = {.name = "b"};
static const struct vdev_ops dev_c = {.name = "c"};

static bool inactive(struct vcpu *v, void *dev)
{
	(void)v;
	(void)dev;
	return false;
}

static const struct vdev_ops dev_off = {.name = "off", .active = inactive};

static struct vdev_map map;

static const char *who(uint64_t addr, bool mmio)
{
	const struct vdev *d = vdev_find(&map, NULL, addr, mmio);
	return d ? d->ops->name : "-";
}

/* Claims made out of order, ports and MMIO interleaved: every address
 * maps to its claimant, the edges included, and the gaps to nobody. */
static void test_lookup_out_of_order(void **state)
{
	(void)state;
	vdev_map_init(&map);
	int a = vdev_add(&map, &dev_a, NULL);
	int b = vdev_add(&map, &dev_b, NULL);
	int c = vdev_add(&map, &dev_c, NULL);
	assert_int_equal(vdev_claim(&map, b, 0x3F8, 0x3FF, false), 0);
	assert_int_equal(vdev_claim(&map, a, 0xFEE00000, 0xFEE00FFF, true), 0);
	assert_int_equal(vdev_claim(&map, a, 0x20, 0x21, false), 0);
	assert_int_equal(vdev_claim(&map, c, 0x40, 0x43, false), 0);
	assert_int_equal(vdev_claim(&map, c, 0xFEC00000, 0xFEC00FFF, true), 0);
	assert_int_equal(vdev_claim(&map, b, 0xA0, 0xA1, false), 0);

	assert_string_equal(who(0x1F, false), "-");
	assert_string_equal(who(0x20, false), "a");
	assert_string_equal(who(0x21, false), "a");
	assert_string_equal(who(0x22, false), "-");
	assert_string_equal(who(0x43, false), "c");
	assert_string_equal(who(0xA1, false), "b");
	assert_string_equal(who(0x2F0, false), "-");
	assert_string_equal(who(0x3F8, false), "b");
	assert_string_equal(who(0x3FF, false), "b");
	assert_string_equal(who(0x400, false), "-");
	assert_string_equal(who(0xFFFF, false), "-");
	/* The same numbers in the other space belong to nobody. */
	assert_string_equal(who(0x20, true), "-");
	assert_string_equal(who(0x3F8, true), "-");
	assert_string_equal(who(0xFEC00000, false), "-");
	assert_string_equal(who(0xFEBFFFFF, true), "-");
	assert_string_equal(who(0xFEC00000, true), "c");
	assert_string_equal(who(0xFEC00FFF, true), "c");
	assert_string_equal(who(0xFEC01000, true), "-");
	assert_string_equal(who(0xFEE00010, true), "a");
	assert_string_equal(who(0xFFFFFFFFFFFFFFFFull, true), "-");
	assert_string_equal(who(0, true), "-");
	assert_string_equal(who(0, false), "-");
}

/* Overlaps within a space are refused, in either order and at the edges;
 * the same range in the other space is not an overlap. */
static void test_overlap_refused(void **state)
{
	(void)state;
	vdev_map_init(&map);
	int a = vdev_add(&map, &dev_a, NULL);
	assert_int_equal(vdev_claim(&map, a, 0x60, 0x64, false), 0);
	assert_int_equal(vdev_claim(&map, a, 0x64, 0x64, false), -1);
	assert_int_equal(vdev_claim(&map, a, 0x50, 0x60, false), -1);
	assert_int_equal(vdev_claim(&map, a, 0x61, 0x62, false), -1);
	assert_int_equal(vdev_claim(&map, a, 0x10, 0x100, false), -1);
	assert_int_equal(vdev_claim(&map, a, 0x60, 0x64, true), 0);
	assert_int_equal(vdev_claim(&map, a, 0x65, 0x65, false), 0);
	assert_int_equal(vdev_claim(&map, a, 0x5F, 0x5F, false), 0);
	assert_int_equal(vdev_claim(&map, a, 0x70, 0x6F, false), -1);
	assert_int_equal(vdev_claim(&map, 3, 0x80, 0x80, false), -1);
	assert_int_equal(vdev_claim(&map, -1, 0x80, 0x80, false), -1);
	assert_string_equal(who(0x5F, false), "a");
	assert_string_equal(who(0x65, false), "a");
	assert_string_equal(who(0x66, false), "-");
}

/* A full table refuses one more claim and keeps answering. */
static void test_full_table(void **state)
{
	(void)state;
	vdev_map_init(&map);
	int a = vdev_add(&map, &dev_a, NULL);
	for (unsigned i = 0; i < VDEV_MAX_RANGES; i++)
		assert_int_equal(
		    vdev_claim(&map, a, 0x1000 - 2 * i, 0x1000 - 2 * i, false),
		    0);
	assert_int_equal(vdev_claim(&map, a, 0x2000, 0x2000, false), -1);
	for (unsigned i = 0; i < VDEV_MAX_RANGES; i++) {
		assert_string_equal(who(0x1000 - 2 * i, false), "a");
		assert_string_equal(who(0x1000 - 2 * i + 1, false), "-");
	}
}

/* A device that is not active for the vCPU leaves its range to the
 * caller's default, without falling through to a neighbour. */
static void test_inactive_device(void **state)
{
	(void)state;
	vdev_map_init(&map);
	int a = vdev_add(&map, &dev_a, NULL);
	int off = vdev_add(&map, &dev_off, NULL);
	assert_int_equal(vdev_claim(&map, a, 0x2F8, 0x2FF, false), 0);
	assert_int_equal(vdev_claim(&map, off, 0x300, 0x307, false), 0);
	assert_string_equal(who(0x2FF, false), "a");
	assert_string_equal(who(0x300, false), "-");
}

/* Random claims against a reference: a brute-force owner table, for
 * ports found by table (below VDEV_LOW_PORTS), ports found by search, and
 * the ranges that straddle the two. */
static void reference_round(uint64_t base)
{
	static uint8_t owner[0x400];
	vdev_map_init(&map);
	memset(owner, 0xFF, sizeof(owner));
	int d = vdev_add(&map, &dev_a, NULL);
	int e = vdev_add(&map, &dev_b, NULL);
	for (unsigned i = 0; i < VDEV_MAX_RANGES; i++) {
		uint64_t first = (uint64_t)(rand() % 0x3F0);
		uint64_t last = first + (uint64_t)(rand() % 16);
		int dev = rand() & 1 ? d : e;
		bool free = true;
		for (uint64_t x = first; x <= last; x++)
			free &= owner[x] == 0xFF;
		int r = vdev_claim(&map, dev, base + first, base + last, false);
		assert_int_equal(r, free ? 0 : -1);
		if (r == 0)
			for (uint64_t x = first; x <= last; x++)
				owner[x] = (uint8_t)dev;
	}
	for (uint64_t x = 0; x < sizeof(owner); x++) {
		const struct vdev *f = vdev_find(&map, NULL, base + x, false);
		if (owner[x] == 0xFF)
			assert_null(f);
		else
			assert_ptr_equal(f, &map.devs[owner[x]]);
		assert_null(vdev_find(&map, NULL, base + x, true));
	}
}

static void test_matches_reference(void **state)
{
	(void)state;
	srand(1234);
	for (unsigned round = 0; round < 50; round++) {
		reference_round(0);
		reference_round(VDEV_LOW_PORTS - 0x200);
		reference_round(0x8000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup_out_of_order),
	    cmocka_unit_test(test_overlap_refused),
	    cmocka_unit_test(test_full_table),
	    cmocka_unit_test(test_inactive_device),
	    cmocka_unit_test(test_matches_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
