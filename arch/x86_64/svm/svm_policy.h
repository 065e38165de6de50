/* The SVM column of the trap policy as data (docs/trap-policy.md, "On
 * AMD"): the intercepts every VMCB gets, and how each exit code maps onto
 * the core's exit kinds. Plain tables with no dependence on the running
 * CPU, so tests/unit/test_svm_policy.c checks them against the policy and
 * against each other (every intercept set has an exit the core handles). */
#ifndef BH_SVM_POLICY_H
#define BH_SVM_POLICY_H

#include "arch/x86_64/svm/vmcb.h"
#include "hv/exit_kinds.h"

/* One exit code: its kind and, for an instruction the core skips after
 * handling it, its opcode (oplen bytes, no prefixes): without next-RIP
 * save the backend measures the instruction at the guest's RIP with it
 * (svm_exit.c). oplen 0: nothing to skip (events, faults), or the length
 * comes from elsewhere (I/O: EXITINFO2; CR writes: decoded). RDMSR and
 * WRMSR share one exit code: op is RDMSR's, EXITINFO1 tells WRMSR. */
struct svm_exit_map {
	uint16_t code;
	uint8_t kind; /* enum exit_kind */
	uint8_t oplen;
	uint8_t op[3];
};

/* Sets the intercept words of c (CR, exceptions, misc1, misc2); the rest
 * of c is left alone. */
void svm_policy_intercepts(struct vmcb_control *c);
/* The entry for an exit code, or NULL for a code the policy never asks
 * for (the core then sees EXIT_UNHANDLED). */
const struct svm_exit_map *svm_policy_exit(uint64_t code);

#endif
