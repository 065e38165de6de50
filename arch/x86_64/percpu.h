/* Per-CPU host state, found through GS (offset 0 points to itself). */
#ifndef BH_PERCPU_H
#define BH_PERCPU_H

#include <stdint.h>
#include "hv/lib/lib.h"
#include "arch/x86_64/x86_defs.h"

#define HOST_STACK_SIZE (16 * 1024)
#define NMI_STACK_SIZE	(4 * 1024)

struct __attribute__((packed)) tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM 7.7)");

struct percpu {
	struct percpu *self; /* must be first: read as %gs:0 */
	unsigned index;
	uint32_t apic_id;
	uint64_t gdt[6] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	uint8_t *stack_top;
	void *vmxon; /* VMXON region, NULL until VMX is on */
	volatile uint64_t nmis;
	uint64_t wait_seen;    /* nmis when arch_cpu_wait last returned */
	int8_t wake_timer;     /* enum host_timer_mode (lapic.c) */
	uint64_t timer_armed;  /* host timer deadline, UINT64_MAX: none */
	uint64_t apic_per_tsc; /* one-shot mode: 32.32 fixed point */
	volatile bool online;  /* IDT loaded: safe to receive kicks (NMIs) */
};

enum host_timer_mode {
	HOST_TIMER_UNSET,
	HOST_TIMER_DEADLINE,
	HOST_TIMER_ONESHOT,
	HOST_TIMER_NONE
};

enum { SEL_CODE = 0x08, SEL_DATA = 0x10, SEL_TSS = 0x18 };

struct percpu *this_cpu(void);
/* Allocate CPU `index`'s structures and stacks (idempotent). */
struct percpu *percpu_alloc(unsigned index);
/* Load GDT/TSS/IDT for CPU `index` on the calling CPU; sets GS. */
struct percpu *percpu_setup(unsigned index, uint32_t apic_id);

extern struct percpu *percpu_table[64];

/* isr.asm: entry stubs of vectors 0-255, and the halt a kick (or, with
 * rflags_if = RFLAGS_IF, a host interrupt) ends. */
extern const uint64_t isr_table[256];
void cpu_wait(volatile uint64_t *nmis, uint64_t seen, uint64_t rflags_if);
extern const uint8_t cpu_wait_window[], cpu_wait_end[];
/* trampoline.asm: the AP start-up code and the fields smp.c fills in. */
extern uint8_t trampoline_start[], trampoline_end[];
extern uint8_t tr_cr3[], tr_stack[], tr_entry[], tr_arg[], tr_alive[];
/* host.c: the core's page tables, loaded by every CPU. */
extern uint64_t host_cr3;
/* smp.c: copy the AP start-up code to its page below 1 MiB. */
void trampoline_install(uint64_t pa);

#endif
