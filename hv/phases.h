/* Where one exit round trip goes (`make bench`, issue 11). Built with
 * BH_PHASES (the bench's own build of bulkhead.efi), the vCPU loop stamps
 * the TSC between the phases of each exit and sums the ticks per exit
 * kind; the sums are printed when the partition stops. In every other
 * build the marks compile to nothing: the exit path carries no stamps.
 *
 * The phases, in the order one round trip passes them:
 *   transit   from the last stamp before entry to the first after the
 *             exit: entry stub, VM entry, the guest's own instructions up
 *             to the exiting one, VM exit, exit stub;
 *   decode    the backend turns the exit into a struct exit_info;
 *   dispatch  counting the exit and finding its handler;
 *   handler   the handler itself;
 *   checks    what runs before every entry: the management poll, the
 *             partition's state, interrupts and timers (irq_before_entry);
 *   prep      the backend's own work before entry (sync with the
 *             partition, the host timer on SVM). */
#ifndef BH_PHASES_H
#define BH_PHASES_H

#include "hv/exit_kinds.h"
#include <stdint.h>

enum phase {
	PH_TRANSIT,
	PH_DECODE,
	PH_DISPATCH,
	PH_HANDLER,
	PH_CHECKS,
	PH_PREP,
	PH_COUNT
};

struct vcpu;
struct partition;

#ifdef BH_PHASES
struct phase_acc {
	uint64_t last;		/* TSC at the previous mark */
	uint64_t cur[PH_COUNT]; /* the exit being handled */
	unsigned kind;		/* its kind; EXIT_KIND_COUNT before the first */
	uint64_t n[EXIT_KIND_COUNT];
	uint64_t sum[EXIT_KIND_COUNT][PH_COUNT];
};

void phase_mark(struct vcpu *v, enum phase p);
void phase_kind(struct vcpu *v, unsigned kind);
void phase_report(const struct partition *p);
#else
static inline void phase_mark(struct vcpu *v, enum phase p)
{
	(void)v;
	(void)p;
}
static inline void phase_kind(struct vcpu *v, unsigned kind)
{
	(void)v;
	(void)kind;
}
static inline void phase_report(const struct partition *p)
{
	(void)p;
}
#endif

#endif
