/* witness.elf: the bystander of the isolation tests. It fills a canary
 * region of its RAM with a position-dependent pattern, then, once a beat,
 * checks the whole canary and that the hypervisor still answers
 * (VMCALL BH_HC_VERSION) and that its TSC went forward since the last
 * beat, and reports all three on one line. Anything another partition
 * manages to do to it shows up as a corrupted canary, a hypervisor that
 * stopped answering, a clock that jumped back (another guest writing its
 * own TSC must not move this one's), a restart (beat 1 again) or missing
 * beats.
 *
 * Command line keys:
 *   beats=K   number of beats (default 0 = beat forever)
 *   delay=N   busy-wait loop iterations between beats (default 2000000)
 *
 * Output:
 *   witness: canary 0x<start>-0x<end> filled
 *   witness: beat <i> canary ok hv ok tsc ok          for i = 1..K
 * with "CANARY CORRUPTED at 0x<addr> value=0x<v>" in place of "canary ok",
 * "HV GONE ret=<r>" in place of "hv ok" and "TSC WENT BACK" in place of
 * "tsc ok" when a check fails, then
 *   witness: done                                     (exit status 0,
 *                                                     1 if a check failed)
 * "witness: FAIL ..." and status 2 if its RAM cannot hold the canary.
 */
#include "lib.h"

#define CANARY_START  0x200000u /* 2 MiB */
#define CANARY_BYTES  0x100000u /* 1 MiB */
#define DEFAULT_DELAY 2000000u

/* The canary word at address a. */
static uint32_t pattern(uint32_t a)
{
	uint32_t x = a * 2654435761u;
	return x ^ (x >> 15) ^ 0xC0FFEE11u;
}

static void fill(void)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)CANARY_START;
	for (uint32_t i = 0; i < CANARY_BYTES / 4; i++)
		p[i] = pattern(CANARY_START + i * 4);
}

/* The address of the first corrupted word, or 0 if the canary is whole. */
static uint32_t check(uint32_t *bad_value)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)CANARY_START;
	for (uint32_t i = 0; i < CANARY_BYTES / 4; i++) {
		uint32_t a = CANARY_START + i * 4, v = p[i];
		if (v != pattern(a)) {
			*bad_value = v;
			return a;
		}
	}
	return 0;
}

static int32_t hv_version(void)
{
	uint32_t a = BH_HC_VERSION, b = 0, c = 0, d = 0;
	bh_hypercall_regs(&a, &b, &c, &d);
	return (int32_t)a;
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	const char *cmdline = mb_cmdline(mbi);
	uint32_t beats = cmdline_get_u32(cmdline, "beats", 0);
	uint32_t delay = cmdline_get_u32(cmdline, "delay", DEFAULT_DELAY);
	bool failed = false;

	if (mb_ram_bytes(mbi) < CANARY_START + CANARY_BYTES) {
		kprintf("witness: FAIL needs at least %u MiB of RAM\n",
			(CANARY_START + CANARY_BYTES) >> 20);
		return 2;
	}
	fill();
	kprintf("witness: canary 0x%x-0x%x filled\n", CANARY_START,
		CANARY_START + CANARY_BYTES - 1);

	uint64_t last_tsc = rdtsc_ordered();
	for (uint32_t i = 1; beats == 0 || i <= beats; i++) {
		spin_delay(delay);
		uint32_t bad_value = 0, bad = check(&bad_value);
		int32_t hv = hv_version();
		uint64_t tsc = rdtsc_ordered();
		bool tsc_back = tsc < last_tsc;
		last_tsc = tsc;
		kprintf("witness: beat %u ", i);
		if (bad)
			kprintf("CANARY CORRUPTED at 0x%x value=0x%x", bad,
				bad_value);
		else
			kprintf("canary ok");
		if (hv == BH_ABI_VERSION)
			kprintf(" hv ok");
		else
			kprintf(" HV GONE ret=%d", hv);
		kprintf(tsc_back ? " TSC WENT BACK\n" : " tsc ok\n");
		if (bad || hv != BH_ABI_VERSION || tsc_back) {
			failed = true;
			fill(); /* report each new corruption once */
		}
	}
	kprintf("witness: done\n");
	return failed ? 1 : 0;
}
