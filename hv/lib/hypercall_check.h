/* Validation of guest-supplied hypercall buffers.
 * Pure logic: compiled into the core and unit-tested on the host. */
#ifndef BH_HYPERCALL_CHECK_H
#define BH_HYPERCALL_CHECK_H

#include "hv/lib/lib.h"

/* Checks that the guest buffer [gpa, gpa + len) is acceptable:
 *   BH_EINVAL if len > max_len;
 *   BH_EFAULT if gpa + len wraps around, or the range is not entirely
 *             inside the caller's RAM [0, ram_size);
 *   BH_EOK    otherwise.
 * len == 0 is allowed (nothing is accessed) as long as gpa <= ram_size. */
int hc_check_range(uint64_t gpa, uint64_t len, uint64_t ram_size,
		   uint64_t max_len);

#endif
