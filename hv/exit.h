/* Exit handlers, one family per file; hv/exit.c holds the table. */
#ifndef BH_EXIT_H
#define BH_EXIT_H

#include "hv/partition.h"

typedef void exit_handler_fn(struct vcpu *v, const struct exit_info *e);

exit_handler_fn exit_io;	/* exit_io.c */
exit_handler_fn exit_cpuid;	/* exit_cpuid.c */
exit_handler_fn exit_rdmsr;	/* exit_msr.c */
exit_handler_fn exit_wrmsr;	/* exit_msr.c */
exit_handler_fn exit_hypercall; /* hypercall.c */
exit_handler_fn exit_hlt;	/* exit_fault.c and friends */
exit_handler_fn exit_mem;
exit_handler_fn exit_triple;
exit_handler_fn exit_entry_failed;
exit_handler_fn exit_nothing;
exit_handler_fn exit_xsetbv;
exit_handler_fn exit_refuse_ud;
exit_handler_fn exit_invd;
exit_handler_fn exit_unhandled;
exit_handler_fn exit_exception;

/* Register helpers for handlers. */
static inline void set_eax_edx(struct vcpu *v, uint64_t val)
{
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
}

#endif
