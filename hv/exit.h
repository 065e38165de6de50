/* Exit handlers, one family per file; hv/exit.c holds the table. */
#ifndef BH_EXIT_H
#define BH_EXIT_H

#include "hv/partition.h"

typedef void exit_handler_fn(struct vcpu *v, const struct exit_info *e);

/* One handler per kind named in hv/exit_kinds.h. */
#define X(kind, name, handler) exit_handler_fn handler;
EXIT_KINDS(X)
#undef X

/* Register helpers for handlers. */
static inline void set_eax_edx(struct vcpu *v, uint64_t val)
{
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
}

#endif
