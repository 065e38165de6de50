/* The small PC a Linux partition sees besides its CPUs and interrupt
 * controllers: ACPI PM registers and timer, CMOS RTC, PCI configuration
 * mechanism #1 with no devices, and the reset ports (hv/vdev/pcmap.h).
 * Pure: time comes in, reset and power-off requests go out as actions the
 * owner carries out (hv/devices.c). */
#ifndef BH_PLATFORM_H
#define BH_PLATFORM_H

#include "hv/lib/lib.h"

struct platform {
	uint32_t pm1_cnt;
	uint32_t pci_addr;
	uint8_t cmos_index;
	uint64_t epoch_tsc;
};

enum plat_action { PLAT_NONE, PLAT_RESET, PLAT_POWEROFF };

/* One access's context: the time, and what the access asks of the owner. */
struct plat_env {
	uint64_t now, tsc_hz;
	enum plat_action action;
	const char *why; /* of a reset */
};

void platform_init(struct platform *pl, uint64_t now);
/* Returns true if the port belongs to the platform (and handled it). */
bool platform_io(struct platform *pl, struct plat_env *env, uint16_t port,
		 uint8_t size, bool in, uint32_t *val);

#endif
