/* libFuzzer harness: hypercall buffer validation (hv/hypercall_check.c).
 *
 * The input is a sequence of 32-byte records, each four little-endian u64:
 * gpa, len, ram_size, max_len (a short last record is zero-padded). For
 * each, hc_check_range must return exactly what hypercall_check.h says:
 *   BH_EINVAL iff len > max_len;
 *   otherwise BH_EFAULT iff gpa + len wraps or exceeds ram_size;
 *   otherwise BH_EOK.
 * In particular BH_EOK implies gpa + len does not wrap, gpa + len <=
 * ram_size and len <= max_len. Each record is also checked with the
 * boundary neighbours of its values (len and ram_size +-1, len = 0). */
#include "hv/abi.h"
#include "hv/lib/hypercall_check.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_RECORDS 256

static void check_one(uint64_t gpa, uint64_t len, uint64_t ram, uint64_t max)
{
	int r = hc_check_range(gpa, len, ram, max);
	/* 128-bit arithmetic: no wrap-around in the reference. */
	unsigned __int128 end = (unsigned __int128)gpa + len;

	CHECK(r == BH_EOK || r == BH_EINVAL || r == BH_EFAULT);
	if (r == BH_EOK) {
		CHECK(end <= UINT64_MAX);
		CHECK(end <= ram);
		CHECK(len <= max);
	}
	if (len > max)
		CHECK(r == BH_EINVAL);
	else if (end > ram)
		CHECK(r == BH_EFAULT);
	else
		CHECK(r == BH_EOK);
	if (len == 0 && gpa <= ram)
		CHECK(r == BH_EOK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};

	/* Consecutive 32-byte records; take() zero-pads the last one. */
	for (size_t n = 0; rd.n && n < MAX_RECORDS; n++) {
		uint64_t v[4];

		for (size_t i = 0; i < 4; i++)
			v[i] = take(&rd, 8);
		check_one(v[0], v[1], v[2], v[3]);
		check_one(v[0], v[1] + 1, v[2], v[3]);
		check_one(v[0], v[1] - 1, v[2], v[3]);
		check_one(v[0], v[1], v[2] + 1, v[3]);
		check_one(v[0], v[1], v[2] - 1, v[3]);
		check_one(v[0], 0, v[2], v[3]);
		check_one(v[0], v[1], v[2], v[1]);
		check_one(v[2] - v[1], v[1], v[2], v[3]);
	}
	return 0;
}
