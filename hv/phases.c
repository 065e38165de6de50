/* The bench build's per-phase exit accounting (hv/phases.h). */
#include "hv/phases.h"
#include "hv/partition.h"
#include "hv/console.h"

#ifdef BH_PHASES
static const char *const phase_names[PH_COUNT] = {
    [PH_TRANSIT] = "transit",	[PH_DECODE] = "decode",
    [PH_DISPATCH] = "dispatch", [PH_HANDLER] = "handler",
    [PH_CHECKS] = "checks",	[PH_PREP] = "prep",
};

/* Only exit kinds seen this often are reported: a bench row's loop, not
 * the partition's start-up. */
#define PHASE_MIN_EXITS 100

void phase_kind(struct vcpu *v, unsigned kind)
{
	v->ph.kind = kind < EXIT_KIND_COUNT ? kind : EXIT_KIND_COUNT;
}

/* The ticks since the previous mark are phase p's; the last phase before
 * entry closes the exit and adds it to its kind's sums. */
void phase_mark(struct vcpu *v, enum phase p)
{
	struct phase_acc *a = &v->ph;
	uint64_t now = arch_now();
	a->cur[p] = now - a->last;
	a->last = now;
	if (p != PH_PREP || a->kind >= EXIT_KIND_COUNT)
		return;
	a->n[a->kind]++;
	for (unsigned i = 0; i < PH_COUNT; i++)
		a->sum[a->kind][i] += a->cur[i];
}

/* One line per exit kind: mean ticks per phase, summed over the vCPUs. */
void phase_report(const struct partition *p)
{
	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++) {
		uint64_t n = 0, sum[PH_COUNT] = {0}, total = 0;
		for (unsigned i = 0; i < p->nvcpus; i++) {
			n += p->vcpus[i].ph.n[k];
			for (unsigned j = 0; j < PH_COUNT; j++)
				sum[j] += p->vcpus[i].ph.sum[k][j];
		}
		if (n < PHASE_MIN_EXITS)
			continue;
		char buf[200];
		size_t len = 0;
		for (unsigned j = 0; j < PH_COUNT; j++) {
			total += sum[j] / n;
			len += (size_t)bh_snprintf(buf + len, sizeof(buf) - len,
						   " %s=%lu", phase_names[j],
						   (unsigned long)(sum[j] / n));
		}
		hv_log("partition %s phases %s: n=%lu%s total=%lu", p->name,
		       exit_kind_name(k), (unsigned long)n, buf,
		       (unsigned long)total);
	}
}
#endif
