/* IPIs from a vCPU: only INIT and SIPI to the sender's own vCPUs are
 * delivered (enough for a guest to start its APs as on hardware).
 * Anything aimed outside the partition is dropped and reported. */
#include "exit.h"
#include "console.h"

#define ICR_VECTOR(x) ((uint32_t)(x) & 0xFF)
#define ICR_MODE(x) (((uint32_t)(x) >> 8) & 7)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_SHORTHAND(x) (((uint32_t)(x) >> 18) & 3)
#define ICR_DEST(x) ((uint32_t)((x) >> 32))

enum { MODE_FIXED = 0, MODE_NMI = 4, MODE_INIT = 5, MODE_SIPI = 6 };
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

static void deliver(struct vcpu *from, struct vcpu *to, uint64_t icr)
{
	switch (ICR_MODE(icr)) {
	case MODE_INIT:
		if (!((uint32_t)icr & ICR_LEVEL_ASSERT))
			return; /* INIT level de-assert: no effect */
		if (to == from)
			return;
		to->init_pending = true;
		if (to->state == VCPU_RUNNING)
			arch_kick(to->pcpu);
		break;
	case MODE_SIPI:
		if (to->state == VCPU_WAIT_SIPI || to->init_pending)
			to->sipi_vector = (int)ICR_VECTOR(icr);
		break;
	default:
		/* Fixed/NMI delivery to guests comes with the virtual APIC. */
		break;
	}
}

void apic_send_ipi(struct vcpu *from, uint64_t icr)
{
	struct partition *p = from->part;
	unsigned sh = ICR_SHORTHAND(icr);
	if (sh == SH_NONE) {
		uint32_t dest = ICR_DEST(icr);
		if (dest >= p->nvcpus) {
			hv_log("partition %s: vCPU %u sent an IPI to APIC ID "
			       "%u outside its partition: dropped",
			       p->name, from->index, dest);
			return;
		}
		deliver(from, &p->vcpus[dest], icr);
		return;
	}
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *to = &p->vcpus[i];
		if ((sh == SH_SELF && to != from) ||
		    (sh == SH_OTHERS && to == from))
			continue;
		deliver(from, to, icr);
	}
}
