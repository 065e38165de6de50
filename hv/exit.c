/* The exit dispatcher: a table indexed by the neutral exit kind. */
#include "hv/exit.h"

static exit_handler_fn *const handlers[EXIT_KIND_COUNT] = {
    [EXIT_IO] = exit_io,
    [EXIT_CPUID] = exit_cpuid,
    [EXIT_RDMSR] = exit_rdmsr,
    [EXIT_WRMSR] = exit_wrmsr,
    [EXIT_HYPERCALL] = exit_hypercall,
    [EXIT_HLT] = exit_hlt,
    [EXIT_MEM_VIOLATION] = exit_mem,
    [EXIT_TRIPLE_FAULT] = exit_triple,
    [EXIT_ENTRY_FAILED] = exit_entry_failed,
    [EXIT_INTERRUPT] = exit_nothing,
    [EXIT_NMI] = exit_nothing,	     /* a kick: the loop re-checks state */
    [EXIT_CR_ACCESS] = exit_nothing, /* handled by the backend */
    [EXIT_XSETBV] = exit_xsetbv,
    [EXIT_PRIV_INSN] = exit_refuse_ud,
    [EXIT_INVD] = exit_invd,
    [EXIT_EXCEPTION] = exit_unhandled,
    [EXIT_TIMER] = exit_nothing,
    [EXIT_IRQ_WINDOW] = exit_nothing,
    [EXIT_UNHANDLED] = exit_unhandled,
};

void exit_dispatch(struct vcpu *v, const struct exit_info *e)
{
	exit_handler_fn *h =
	    e->kind < EXIT_KIND_COUNT ? handlers[e->kind] : NULL;
	(h ? h : exit_unhandled)(v, e);
}
