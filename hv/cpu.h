/* The core's view of the physical machine: what runs on each physical CPU
 * and the TSC rate every timer and clock derives from. (The backend keeps
 * its own per-CPU descriptor tables and stacks in arch/x86_64/percpu.h.) */
#ifndef BH_CPU_H
#define BH_CPU_H

#include "hv/boot_info.h"

struct vcpu;

struct hv_cpu {
	struct vcpu *vcpu; /* the vCPU pinned here, NULL if the CPU is idle */
};

extern struct hv_cpu hv_cpus[BI_MAX_CPUS];
extern unsigned hv_ncpus;
/* TSC ticks per second, measured by the loader (one copy for everyone). */
extern uint64_t hv_tsc_hz;

#endif
