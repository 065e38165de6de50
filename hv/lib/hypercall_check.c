/* Validation of guest-supplied hypercall buffers. See hypercall_check.h. */
#include "hv/lib/hypercall_check.h"
#include "hv/abi.h"

int hc_check_range(uint64_t gpa, uint64_t len, uint64_t ram_size,
		   uint64_t max_len)
{
	uint64_t end;

	if (len > max_len)
		return BH_EINVAL;
	if (__builtin_add_overflow(gpa, len, &end))
		return BH_EFAULT;
	if (end > ram_size)
		return BH_EFAULT;
	return BH_EOK;
}
