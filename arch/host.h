/* The host-services seam: what the core asks of the physical machine,
 * whichever vendor's virtualization runs on it (arch/x86_64/). */
#ifndef BH_ARCH_HOST_H
#define BH_ARCH_HOST_H

#include "hv/lib/lib.h"

struct boot_info;
struct exit_info;

/* Host bring-up on the BSP: own page tables, GDT, IDT and TSS. */
void arch_host_init(const struct boot_info *bi);
/* Start physical CPU `index` (INIT-SIPI-SIPI) and have it call
 * fn(index) on its own stack. Returns 0 when the CPU checked in. */
int arch_start_cpu(unsigned index, uint32_t apic_id, void (*fn)(unsigned));
/* Index of the calling physical CPU (0 = the boot CPU). */
unsigned arch_this_cpu(void);
/* TSC of the calling CPU, and the raw CPUID of the host for the core to
 * filter. Each is one instruction on the path of every exit, so the
 * hypervisor has them inline (arch/x86_64/host_inline.h); hosted builds
 * (the core's tests) link the fake backend's. */
#ifdef BH_HOSTED
uint64_t arch_now(void);
void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
#else
#include "arch/x86_64/host_inline.h"
#endif
/* Validate and apply a guest XSETBV on this (dedicated) CPU; false =
 * the CPU would refuse it (the core raises #GP). */
bool arch_xsetbv(uint32_t index, uint64_t value);
/* Write back and invalidate caches (INVD is never executed for a guest:
 * other partitions share the caches). */
void arch_wbinvd(void);
/* Service the host interrupt that made the guest exit. */
void arch_host_irq(const struct exit_info *e);
/* 64 bits from the CPU's random number generator (RDSEED, else RDRAND);
 * false if it has none or it failed. */
bool arch_random(uint64_t *out);
/* Interrupt physical CPU `pcpu` so whatever it waits on re-checks (NMI). */
void arch_kick(unsigned pcpu);
/* Park the calling CPU until kicked or until its TSC reaches `deadline`
 * (UINT64_MAX: no deadline). May return early (a kick since the last
 * wait, or a CPU that cannot sleep until a deadline): callers re-check
 * what they wait for and loop. */
void arch_cpu_wait(uint64_t deadline);

#endif
