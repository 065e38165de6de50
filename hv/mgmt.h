/* The management channel's endpoint in the hypervisor (hv/mgmt.c). */
#ifndef BH_MGMT_H
#define BH_MGMT_H

#include "hv/load/config.h"

struct partition;

#define MGMT_CPU     0	/* the CPU that services the channel */
#define MGMT_POLL_MS 10 /* at most this long between two polls... */
#define MGMT_POLL_ACTIVE_MS                                                    \
	1 /* ...or this long while bytes arrive: a                             \
	     16-byte FIFO at 115200 baud fills in 1.4 ms */

/* Takes the physical UART and the key from the config (or says why the
 * channel is off). */
void mgmt_init(const struct cfg_management *cfg);
/* Whether the channel is on (mgmt_init sets it once). */
extern bool mgmt_on;
void mgmt_poll_channel(void);
/* Receives, answers and carries out what has arrived; a no-op on CPUs
 * other than MGMT_CPU. Inline: the vCPU loop asks before every entry,
 * and with the channel off that is one test. */
static inline void mgmt_poll(void)
{
	if (mgmt_on)
		mgmt_poll_channel();
}
/* The deadline for the next guest entry on this CPU: on MGMT_CPU, no later
 * than MGMT_POLL_MS from now while the channel is on. */
uint64_t mgmt_poll_deadline(uint64_t deadline);
/* Waits until `deadline` (UINT64_MAX: none) or a kick (arch_cpu_wait); on
 * MGMT_CPU with the channel on, polls it and the console input first and
 * wakes for the next poll, so a parked or idle management CPU still
 * answers. May return early: callers re-check and loop. */
void mgmt_wait(uint64_t deadline);

/* The in-band link: the manager partition's management UART (hv/devices.c).
 * Queues a byte the manager sent (any CPU; dropped when the channel is off
 * or the queue is full). */
void mgmt_inband_rx(struct partition *p, uint8_t c);
/* Moves queued reply bytes into the UART's receive FIFO while it has room. */
void mgmt_inband_fill(struct partition *p);
/* The UART was reset (the manager restarts): queued bytes are dropped and
 * the receiver starts over. */
void mgmt_inband_reset(struct partition *p);

#endif
