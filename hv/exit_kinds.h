/* Every kind of VM exit the core knows, once: its name (in exit counts and
 * the management channel) and its handler (hv/exit/). Adding a kind is one
 * line here plus its handler; the dispatcher in hv/exit.c counts it, and
 * each backend maps its own exit reasons onto these kinds. */
#ifndef BH_EXIT_KINDS_H
#define BH_EXIT_KINDS_H

/*        kind              name             handler */
#define EXIT_KINDS(X)                                                          \
	X(IO, "io", exit_io)                                                   \
	X(CPUID, "cpuid", exit_cpuid)                                          \
	X(RDMSR, "rdmsr", exit_rdmsr)                                          \
	X(WRMSR, "wrmsr", exit_wrmsr)                                          \
	X(HYPERCALL, "hypercall", exit_hypercall)                              \
	X(HLT, "hlt", exit_hlt)                                                \
	X(MEM_VIOLATION, "mem-violation", exit_mem)                            \
	X(TRIPLE_FAULT, "triple-fault", exit_triple)                           \
	X(ENTRY_FAILED, "entry-failed", exit_entry_failed)                     \
	X(INTERRUPT, "interrupt", exit_host_irq)                               \
	X(NMI, "nmi", exit_reenter)                                            \
	X(CR_ACCESS, "cr-access", exit_cr)                                     \
	X(XSETBV, "xsetbv", exit_xsetbv)                                       \
	X(PRIV_INSN, "priv-insn", exit_refuse_ud)                              \
	X(INVD, "invd", exit_invd)                                             \
	X(EXCEPTION, "exception", exit_exception)                              \
	X(TIMER, "timer", exit_reenter)                                        \
	X(IRQ_WINDOW, "irq-window", exit_reenter)                              \
	X(NMI_WINDOW, "nmi-window", exit_reenter)                              \
	X(APIC_WRITE, "apic-write", exit_apic_write)                           \
	X(APIC_EOI, "apic-eoi", exit_apic_eoi)                                 \
	X(UNHANDLED, "unhandled", exit_unhandled)

enum exit_kind {
#define X(kind, name, handler) EXIT_##kind,
	EXIT_KINDS(X)
#undef X
	    EXIT_KIND_COUNT
};

/* The dispatcher's tables (hv/exit.c) and the per-vCPU counts have this
 * many entries, a power of two: a kind is bounded by a mask on the way
 * to its handler, and the entries past the last kind are unhandled. */
#define EXIT_TABLE_SIZE 32
_Static_assert(EXIT_KIND_COUNT <= EXIT_TABLE_SIZE, "exit kinds fit the table");

#endif
