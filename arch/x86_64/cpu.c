/* Host CPU state: GDT, TSS, IDT and per-CPU data (SDM Vol. 3A ch. 3, 6, 7). */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/vendor.h"
#include "hv/boot_info.h"
#include "arch/host.h"
#include "hv/console.h"
#include "hv/heap.h"

struct percpu *percpu_table[64];
static bool percpu_ready;

struct __attribute__((packed)) idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate (SDM 6.14.1)");

static struct idt_gate idt[256] __attribute__((aligned(16)));

struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

unsigned arch_this_cpu(void)
{
	return percpu_ready ? this_cpu()->index : 0;
}

static void idt_init(void)
{
	for (unsigned v = 0; v < BH_ARRAY_SIZE(idt); v++) {
		uint64_t off = isr_table[v];
		idt[v] = (struct idt_gate){
		    .off0 = (uint16_t)off,
		    .sel = SEL_CODE,
		    .ist = v == 2 ? 1 : 0, /* NMI on its own stack */
		    .type = 0x8E,	   /* present, interrupt gate */
		    .off1 = (uint16_t)(off >> 16),
		    .off2 = (uint32_t)(off >> 32),
		};
	}
}

static void gdt_init(struct percpu *pc)
{
	uint64_t tss = (uint64_t)&pc->tss;
	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00AF9A000000FFFFull; /* 64-bit code */
	pc->gdt[2] = 0x00CF92000000FFFFull; /* data */
	/* 64-bit available TSS: two slots (SDM 7.2.3). */
	pc->gdt[3] = (sizeof(struct tss64) - 1) | ((tss & 0xFFFFFF) << 16) |
		     (0x89ull << 40) | (((tss >> 24) & 0xFF) << 56);
	pc->gdt[4] = tss >> 32;
	pc->gdt[5] = 0;
	pc->tss.iomap_base = sizeof(struct tss64);
}

/* Loads the new GDT and reloads every segment register. */
static void gdt_load(struct percpu *pc)
{
	struct desc_ptr g = {sizeof(pc->gdt) - 1, (uint64_t)pc->gdt};
	struct desc_ptr i = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lgdt %0\n\t"
			 "lidt %1\n\t"
			 "pushq %2\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %3, %%ds\n\t"
			 "mov %3, %%es\n\t"
			 "mov %3, %%ss\n\t"
			 "mov %3, %%fs\n\t"
			 "mov %3, %%gs\n\t"
			 "ltr %w4"
			 :
			 : "m"(g), "m"(i), "i"(SEL_CODE), "r"(SEL_DATA),
			   "r"(SEL_TSS)
			 : "rax", "memory");
}

struct percpu *percpu_alloc(unsigned index)
{
	struct percpu *pc = percpu_table[index];
	if (pc)
		return pc;
	pc = heap_alloc_pages(1);
	uint8_t *st = heap_alloc_pages(HOST_STACK_SIZE / 4096);
	uint8_t *nmi = heap_alloc_pages(NMI_STACK_SIZE / 4096);
	if (!pc || !st || !nmi)
		return NULL;
	pc->self = pc;
	pc->index = index;
	pc->stack_top = st + HOST_STACK_SIZE;
	pc->timer_armed = UINT64_MAX;
	pc->tss.ist[0] = (uint64_t)(nmi + NMI_STACK_SIZE);
	percpu_table[index] = pc;
	return pc;
}

struct percpu *percpu_setup(unsigned index, uint32_t apic_id)
{
	struct percpu *pc = percpu_alloc(index);
	pc->apic_id = apic_id;
	gdt_init(pc);
	if (index == 0)
		idt_init();
	gdt_load(pc);
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)pc);
	if (index == 0)
		percpu_ready = true;
	pc->online = true;
	return pc;
}

/* Host exception (SDM Vol. 3A 6.15): dump and halt this CPU only. NMIs
 * are kicks from other CPUs, interrupts (only taken inside cpu_wait) are
 * its wake-up timer: count or end them and return. */
struct isr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

static void host_exception(const struct isr_frame *f)
{
	hv_log("HOST EXCEPTION %lu error 0x%lx at RIP 0x%lx RSP 0x%lx "
	       "CR2 0x%lx",
	       (unsigned long)f->vector, (unsigned long)f->error,
	       (unsigned long)f->rip, (unsigned long)f->rsp,
	       (unsigned long)read_cr2());
	hv_log("  rax %016lx rbx %016lx rcx %016lx rdx %016lx",
	       (unsigned long)f->rax, (unsigned long)f->rbx,
	       (unsigned long)f->rcx, (unsigned long)f->rdx);
	hv_log("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx",
	       (unsigned long)f->rsi, (unsigned long)f->rdi,
	       (unsigned long)f->rbp, (unsigned long)f->r8);
	hv_log("this CPU is halted");
	cpu_halt_forever();
}

void isr_common(struct isr_frame *f)
{
	if (f->vector == X86_EXC_NMI)
		this_cpu()->nmis++;
	else if (f->vector < X86_FIRST_IRQ_VECTOR)
		host_exception(f);
	else if (f->vector != HOST_SPURIOUS_VECTOR)
		host_lapic_eoi(); /* SDM 10.9: no EOI for a spurious one */
	if (f->vector == HOST_WAKE_VECTOR)
		host_timer_fired();
	/* A wake-up between cpu_wait's check and its HLT: skip the HLT. */
	if (f->rip >= (uint64_t)cpu_wait_window &&
	    f->rip < (uint64_t)cpu_wait_end)
		f->rip = (uint64_t)cpu_wait_end;
}
