/* The test guests' exception catcher (see lib.h): an IDT whose 32
 * exception vectors go to the stubs in isr.asm, trap_run() to run code that
 * may fault, and a few helpers built on it. */
#include "lib.h"

#define IDT_GATES	  32
#define GATE_INTR32	  0x8Eu /* present, DPL 0, 32-bit interrupt gate */
#define GUEST_CODE_SEL	  0x08u /* start32.asm's flat code segment */
#define UNEXPECTED_STATUS 255u

struct __attribute__((packed)) idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t zero;
	uint8_t type;
	uint16_t off_hi;
};

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint32_t base;
};

/* isr.asm: one entry stub per vector. */
extern const uint32_t isr_stubs[IDT_GATES];

volatile struct trap_record trap_last;

static struct idt_gate idt[IDT_GATES] __attribute__((aligned(8)));

void idt_load(uint32_t base, uint16_t limit)
{
	struct idt_ptr p = {limit, base};
	__asm__ __volatile__("lidt %0" : : "m"(p) : "memory");
}

void trap_init(void)
{
	for (unsigned i = 0; i < IDT_GATES; i++) {
		uint32_t a = isr_stubs[i];
		idt[i].off_lo = (uint16_t)a;
		idt[i].sel = GUEST_CODE_SEL;
		idt[i].zero = 0;
		idt[i].type = GATE_INTR32;
		idt[i].off_hi = (uint16_t)(a >> 16);
	}
	idt_load((uint32_t)(uintptr_t)idt, (uint16_t)(sizeof(idt) - 1));
}

const char *trap_name(int vector)
{
	static const char *const names[IDT_GATES] = {
	    "#DE", "#DB",  "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	    "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	    "#MF", "#AC",  "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	    "#24", "#25",  "#26", "#27", "#HV", "#VC", "#SX", "#31",
	};
	if (vector == TRAP_NONE)
		return "ok";
	if (vector < 0 || vector >= IDT_GATES)
		return "#?";
	return names[vector];
}

/* Called by isr.asm for an exception outside trap_run(). */
__attribute__((noreturn)) void trap_unexpected(void);

void trap_unexpected(void)
{
	kprintf("trap: unexpected %s (vector %u) error=0x%x at eip 0x%x\n",
		trap_name((int)trap_last.vector), trap_last.vector,
		trap_last.error, trap_last.eip);
	guest_exit(UNEXPECTED_STATUS);
}

struct msr_op {
	uint32_t msr;
	uint64_t val;
};

static void do_rdmsr(void *ctx)
{
	struct msr_op *op = ctx;
	op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *ctx)
{
	const struct msr_op *op = ctx;
	wrmsr(op->msr, op->val);
}

int trap_rdmsr(uint32_t msr, uint64_t *val)
{
	struct msr_op op = {msr, 0};
	int r = trap_run(do_rdmsr, &op);
	*val = r == TRAP_NONE ? op.val : 0;
	return r;
}

int trap_wrmsr(uint32_t msr, uint64_t val)
{
	struct msr_op op = {msr, val};
	return trap_run(do_wrmsr, &op);
}

void triple_fault(void)
{
	/* With an empty IDT, #BP cannot be delivered (#GP), nor can that
	 * (#DF), nor that: shutdown. */
	idt_load(0, 0);
	for (;;)
		__asm__ __volatile__("int3");
}
