/* smp.elf: brings up every vCPU of the partition the way an OS does on
 * hardware. The BSP enables x2APIC, copies the real-mode trampoline
 * (trampoline.asm) to a free page below 1 MiB and sends INIT, SIPI, SIPI to
 * each AP; every AP switches to protected mode, prints a line and bumps a
 * counter, which the BSP waits for.
 *
 * Command line keys:
 *   cpus=N     vCPU count to bring up (default: CPUID 0x40000001 EAX, or 1
 *              when not running on Bulkhead)
 *   timeout=T  how long the BSP waits for the APs, in units of one million
 *              busy-wait iterations (default 10000, a few seconds)
 *   resets=N   once all are online, triple-fault until the partition has
 *              been reset N times (needs on_fault = reset; default 0), so
 *              every reset finds the APs running
 *   spin=1     APs busy-wait in the guest once online (default: halt), so
 *              a reset must pull them out of guest mode
 *   msrmap=1   in x2APIC mode, before the APs start, the BSP tries RDMSR
 *              of every MSR 0x800-0x8FF and WRMSR 0 of each that is not
 *              a writable register, and checks which ones raise #GP
 *              against the x2APIC register map (SDM Vol. 3A table 10-6,
 *              without CMCI, which a partition is not offered): a read
 *              let through to the hardware, or served from the wrong
 *              place, shows here
 *
 * Output (status 0 on success, 1 on failure):
 *   smp: cpu <i> online             BSP first, then each AP in any order
 *   smp: all <N> cpus online
 * or, if the APs do not all check in before the timeout:
 *   smp: FAIL only <k> of <N> cpus
 * With msrmap=1, before those:
 *   smp: x2apic msrs: <r> read, <g> refused, <w> writes refused
 * and a line "smp: FAIL x2apic msr 0x<m> ..." for each that differs.
 */
#include "lib.h"

#define MAX_CPUS	64
#define AP_STACK_SIZE	4096 /* must match trampoline.asm */
#define DEFAULT_TIMEOUT 10000u
#define TIMEOUT_UNIT	1000000u

#define MSR_APIC_BASE	   0x1Bu
#define APIC_BASE_X2APIC   (1ull << 10)
#define APIC_BASE_ENABLE   (1ull << 11)
#define ICR_INIT	   0x00004500u /* INIT, level assert */
#define ICR_SIPI	   0x00004600u /* start-up; | vector */
#define CPUID1_ECX_X2APIC  (1u << 21)
#define TRAMP_DEFAULT_PAGE 0x7000u
#define TRAMP_LOW_LIMIT	   0x9F000u /* pages must end below the EBDA */

/* Used by trampoline.asm: one stack per AP slot, and the slot count. */
uint8_t ap_stacks[MAX_CPUS - 1][AP_STACK_SIZE] __attribute__((aligned(16)));
const uint32_t ap_max_slots = MAX_CPUS - 1;

extern const uint8_t ap_tramp_start[], ap_tramp_end[];

void ap_main(void);

static uint32_t uart_lock;
static uint32_t aps_online;
static bool ap_spin;

static void lock(void)
{
	while (__atomic_exchange_n(&uart_lock, 1u, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&uart_lock, __ATOMIC_RELAXED))
			barrier();
	}
}

static void unlock(void)
{
	__atomic_store_n(&uart_lock, 0u, __ATOMIC_RELEASE);
}

/* This vCPU's index: CPUID 0x40000001 EBX on Bulkhead, else the initial
 * APIC ID. */
static uint32_t cpu_index(void)
{
	if (bh_present())
		return cpuid(BH_CPUID_INFO, 0).ebx;
	return cpuid(1, 0).ebx >> 24;
}

static void announce(void)
{
	uint32_t idx = cpu_index();
	lock();
	kprintf("smp: cpu %u online\n", idx);
	unlock();
}

void ap_main(void)
{
	announce();
	__atomic_fetch_add(&aps_online, 1u, __ATOMIC_SEQ_CST);
	while (ap_spin)
		barrier();
	halt_forever();
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	uint64_t a_end = (uint64_t)a + alen, b_end = (uint64_t)b + blen;
	return alen && blen && a < b_end && b < a_end;
}

/* True if page [p, p + 4 KiB) is free: inside conventional memory and
 * clear of every Multiboot structure the loader put in low memory. */
static bool page_free(const struct mb_info *mbi, uint32_t p)
{
	const uint32_t sz = 0x1000;

	if (!mbi)
		return true;
	if ((mbi->flags & MBI_MEM) && p + sz > mbi->mem_lower * 1024u)
		return false;
	if (overlaps(p, sz, (uint32_t)(uintptr_t)mbi, sizeof(*mbi)))
		return false;
	if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline &&
	    overlaps(p, sz, mbi->cmdline,
		     (uint32_t)strlen(mb_cmdline(mbi)) + 1))
		return false;
	if ((mbi->flags & MBI_MMAP) &&
	    overlaps(p, sz, mbi->mmap_addr, mbi->mmap_length))
		return false;
	if ((mbi->flags & MBI_MODS) && mbi->mods_count) {
		const struct mb_module *m =
		    (const struct mb_module *)(uintptr_t)mbi->mods_addr;
		if (overlaps(p, sz, mbi->mods_addr,
			     mbi->mods_count * (uint32_t)sizeof(*m)))
			return false;
		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			const char *s = (const char *)(uintptr_t)m[i].string;
			if (overlaps(p, sz, m[i].mod_start,
				     m[i].mod_end - m[i].mod_start))
				return false;
			if (s && overlaps(p, sz, m[i].string,
					  (uint32_t)strlen(s) + 1))
				return false;
		}
	}
	return true;
}

/* A page for the trampoline: 0x7000 if free, else the lowest free one
 * above the real-mode IVT/BDA page. 0 if there is none. */
static uint32_t pick_tramp_page(const struct mb_info *mbi)
{
	if (page_free(mbi, TRAMP_DEFAULT_PAGE))
		return TRAMP_DEFAULT_PAGE;
	for (uint32_t p = 0x1000; p < TRAMP_LOW_LIMIT; p += 0x1000) {
		if (page_free(mbi, p))
			return p;
	}
	return 0;
}

static void x2apic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* disabled -> xAPIC -> x2APIC: the SDM forbids skipping xAPIC */
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_X2APIC))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
}

/* The x2APIC registers that read, as ranges of MSRs: ID, version; TPR;
 * PPR; LDR; SVR, ISR, TMR, IRR, ESR; ICR; the six LVTs, the timer's
 * initial and current count; DCR. */
struct msr_range {
	uint16_t lo, hi;
};
static const struct msr_range x2apic_readable[] = {
    {0x802, 0x803}, {0x808, 0x808}, {0x80A, 0x80A}, {0x80D, 0x80D},
    {0x80F, 0x828}, {0x830, 0x830}, {0x832, 0x839}, {0x83E, 0x83E},
};
/* Writable ones (a write of 0 would do something): TPR, EOI, SVR, ESR,
 * ICR, the LVTs, the initial count, DCR, SELF IPI. */
static const struct msr_range x2apic_writable[] = {
    {0x808, 0x808}, {0x80B, 0x80B}, {0x80F, 0x80F}, {0x828, 0x828},
    {0x830, 0x830}, {0x832, 0x838}, {0x83E, 0x83F},
};

#define IN_RANGES(t, m) in_ranges(t, sizeof(t) / sizeof((t)[0]), m)
static bool in_ranges(const struct msr_range *r, unsigned n, uint32_t msr)
{
	for (unsigned i = 0; i < n; i++)
		if (msr >= r[i].lo && msr <= r[i].hi)
			return true;
	return false;
}

/* msrmap=1 (see the top): 0 if every MSR behaves as the map says. */
static int x2apic_msr_map(void)
{
	unsigned read = 0, refused = 0, wrefused = 0, bad = 0;
	trap_init();
	for (uint32_t m = 0x800; m <= 0x8FF; m++) {
		uint64_t v;
		bool ok = trap_rdmsr(m, &v) == TRAP_NONE;
		bool want = IN_RANGES(x2apic_readable, m);
		read += ok;
		refused += !ok;
		if (ok != want) {
			bad++;
			kprintf("smp: FAIL x2apic msr 0x%x: read %s\n", m,
				ok ? "allowed" : "refused");
		}
		if (IN_RANGES(x2apic_writable, m))
			continue;
		if (trap_wrmsr(m, 0) == TRAP_GP) {
			wrefused++;
		} else {
			bad++;
			kprintf("smp: FAIL x2apic msr 0x%x: write of 0 not "
				"refused\n",
				m);
		}
	}
	kprintf("smp: x2apic msrs: %u read, %u refused, %u writes refused\n",
		read, refused, wrefused);
	return bad ? 1 : 0;
}

static void send_ipi(uint32_t dest, uint32_t icr_lo)
{
	wrmsr(BH_X2APIC_ICR, ((uint64_t)dest << 32) | icr_lo);
}

/* Prints a failure line; returns the exit status 1. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lock();
	kvprintf(fmt, ap);
	unlock();
	va_end(ap);
	return 1;
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	const char *cmdline = mb_cmdline(mbi);
	uint32_t n = bh_present() ? cpuid(BH_CPUID_INFO, 0).eax : 1;

	n = cmdline_get_u32(cmdline, "cpus", n);
	uint32_t timeout = cmdline_get_u32(cmdline, "timeout", DEFAULT_TIMEOUT);
	uint32_t resets = cmdline_get_u32(cmdline, "resets", 0);
	ap_spin = cmdline_get_u32(cmdline, "spin", 0) != 0;
	bool msrmap = cmdline_get_u32(cmdline, "msrmap", 0) != 0;

	announce();
	if (n == 0)
		return fail("smp: FAIL bad cpu count %u\n", n);
	if (n > MAX_CPUS)
		return fail("smp: FAIL %u cpus, at most %u supported\n", n,
			    MAX_CPUS);

	if (n > 1) {
		uint32_t page = pick_tramp_page(mbi);
		if (!page)
			return fail("smp: FAIL no free page for the AP "
				    "trampoline\n");
		memcpy((void *)(uintptr_t)page, ap_tramp_start,
		       (size_t)(ap_tramp_end - ap_tramp_start));

		if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
			lock();
			kprintf("smp: warning: CPUID does not report "
				"x2APIC\n");
			unlock();
		}
		x2apic_enable();
		if (msrmap && x2apic_msr_map())
			return 1;

		uint32_t vector = page >> 12;
		for (uint32_t i = 1; i < n; i++) {
			send_ipi(i, ICR_INIT);
			spin_delay(1000000);
			send_ipi(i, ICR_SIPI | vector);
			spin_delay(200000);
			send_ipi(i, ICR_SIPI | vector);
			spin_delay(200000);
		}

		for (uint32_t t = 0;
		     __atomic_load_n(&aps_online, __ATOMIC_ACQUIRE) < n - 1;
		     t++) {
			if (t >= timeout) {
				uint32_t k = __atomic_load_n(&aps_online,
							     __ATOMIC_ACQUIRE) +
					     1;
				return fail("smp: FAIL only %u of %u cpus\n", k,
					    n);
			}
			spin_delay(TIMEOUT_UNIT);
		}
	}

	lock();
	kprintf("smp: all %u cpus online\n", n);
	unlock();
	if (resets && bh_present()) {
		uint32_t done = cpuid(BH_CPUID_RESETS, 0).eax;
		if (done < resets)
			triple_fault();
		lock();
		kprintf("smp: done after %u resets\n", done);
		unlock();
	}
	return 0;
}
