/* churn.elf: restarts its own partition over and over, to show that a
 * reset leaks nothing (tests/integration/test_churn.sh compares the
 * hypervisor's free heap after the first and the last reset). Meant for
 * on_fault = reset: while CPUID 0x40000002 (resets so far) is below the
 * target it triple-faults at once; at the target it reports and exits.
 *
 * Command line keys:
 *   resets=N  how many resets to go through (default 200)
 *
 * Output:
 *   churn: target <N> resets                  (first boot only)
 *   churn: done after <N> resets              (then exit status 0)
 *   churn: FAIL ...                           (status 1) if the count went
 *                                             past the target or is not
 *                                             reported
 */
#include "lib.h"

#define DEFAULT_RESETS 200u

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	uint32_t target =
	    cmdline_get_u32(mb_cmdline(mbi), "resets", DEFAULT_RESETS);

	if (!bh_present() || cpuid(BH_CPUID_BASE, 0).eax < BH_CPUID_RESETS) {
		kprintf("churn: FAIL no reset count (CPUID 0x%x)\n",
			BH_CPUID_RESETS);
		return 1;
	}
	uint32_t resets = cpuid(BH_CPUID_RESETS, 0).eax;
	if (resets == 0)
		kprintf("churn: target %u resets\n", target);
	if (resets < target)
		triple_fault();
	if (resets > target) {
		kprintf("churn: FAIL %u resets, past the target %u\n", resets,
			target);
		return 1;
	}
	kprintf("churn: done after %u resets\n", resets);
	return 0;
}
