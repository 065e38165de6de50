/* The small PC a Linux partition sees besides its CPUs: ACPI PM
 * registers and timer, CMOS RTC, PCI configuration mechanism #1 with no
 * devices, and the reset ports. Port handlers for hv/exit_io.c. */
#ifndef BH_PLATFORM_H
#define BH_PLATFORM_H

#include "hv/partition.h"

/* Returns true if the port belongs to the platform (and handled it). */
bool platform_io(struct vcpu *v, uint16_t port, uint8_t size, bool in,
		 uint32_t *val);
void platform_init(struct partition *p);
/* TSC ticks per second, from the loader's measurement. */
extern uint64_t platform_tsc_hz;

#endif
