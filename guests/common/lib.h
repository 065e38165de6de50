/* Tiny freestanding support library shared by the Bulkhead test guests:
 * port and MSR access, CPUID, the COM1 UART, a small printf, Multiboot v1
 * info structures and kernel-command-line parsing. 32-bit protected mode,
 * paging off, no interrupts. Only compiler-provided headers are used. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/abi.h"

#define MB_BOOT_MAGIC 0x2BADB002u /* EAX at a Multiboot entry */

/* Multiboot v1 info flags (struct mb_info.flags) */
#define MBI_MEM	    (1u << 0) /* mem_lower / mem_upper valid */
#define MBI_CMDLINE (1u << 2) /* cmdline valid */
#define MBI_MODS    (1u << 3) /* mods_count / mods_addr valid */
#define MBI_MMAP    (1u << 6) /* mmap_length / mmap_addr valid */

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline; /* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe[6];
};

struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};

/* One memory-map entry; `size` excludes itself (entries are size + 4). */
struct __attribute__((packed)) mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
};

/* ---- CPU primitives ----------------------------------------------------*/

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx),
			       "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(msr), "a"((uint32_t)v),
			       "d"((uint32_t)(v >> 32))
			     : "memory");
}

/* RDTSC ordered against earlier instructions (LFENCE before). */
static inline uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint32_t v)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint32_t v)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* A compiler barrier, e.g. to keep busy-wait loops from being removed. */
static inline void barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* Busy-waits for `n` loop iterations. */
void spin_delay(uint32_t n);

/* Ends the partition with `status` via the debug-exit port; halts forever
 * if that returns. */
__attribute__((noreturn)) void guest_exit(uint32_t status);

/* cli; hlt forever. */
__attribute__((noreturn)) void halt_forever(void);

/* ---- Hypervisor --------------------------------------------------------*/

/* True if CPUID 0x40000000 carries the "BulkheadHV" signature. */
bool bh_present(void);

/* Which instruction calls the hypervisor: VMCALL on Intel, VMMCALL on
 * AMD (each is #UD on the other vendor's CPUs). -1 until the first call
 * asks CPUID's vendor string. */
extern int bh_vmmcall;
void bh_hypercall_detect(void);

/* VMCALL (or VMMCALL) with EAX = nr, EBX/ECX/EDX = a0..a2; returns EAX. */
static inline uint32_t bh_vmcall(uint32_t nr, uint32_t a0, uint32_t a1,
				 uint32_t a2)
{
	uint32_t ret;
	if (bh_vmmcall < 0)
		bh_hypercall_detect();
	if (bh_vmmcall)
		__asm__ __volatile__("vmmcall"
				     : "=a"(ret)
				     : "a"(nr), "b"(a0), "c"(a1), "d"(a2)
				     : "memory");
	else
		__asm__ __volatile__("vmcall"
				     : "=a"(ret)
				     : "a"(nr), "b"(a0), "c"(a1), "d"(a2)
				     : "memory");
	return ret;
}

/* The same with every argument register in and out (EAX..EDX), for
 * probes that look at what the hypervisor leaves in them. */
static inline void bh_hypercall_regs(uint32_t *a, uint32_t *b, uint32_t *c,
				     uint32_t *d)
{
	if (bh_vmmcall < 0)
		bh_hypercall_detect();
	if (bh_vmmcall)
		__asm__ __volatile__("vmmcall"
				     : "+a"(*a), "+b"(*b), "+c"(*c), "+d"(*d)
				     :
				     : "memory");
	else
		__asm__ __volatile__("vmcall"
				     : "+a"(*a), "+b"(*b), "+c"(*c), "+d"(*d)
				     :
				     : "memory");
}

/* Sleeps `ticks` of TSC time through BH_HC_SLEEP (again after an early
 * wake-up). */
void bh_sleep(uint32_t ticks);

/* ---- Exceptions (idt.c, isr.asm) ----------------------------------------*/

/* Exception vectors used by the probes, and trap_run()'s "no exception". */
#define TRAP_NONE (-1)
#define TRAP_DE	  0
#define TRAP_BP	  3
#define TRAP_UD	  6
#define TRAP_DF	  8
#define TRAP_GP	  13
#define TRAP_PF	  14

/* The last exception taken: vector, error code (0 if the CPU pushes
 * none), the EIP it was raised at, how many were taken in all, and the
 * EFLAGS image the CPU pushed. */
struct trap_record {
	uint32_t vector;
	uint32_t error;
	uint32_t eip;
	uint32_t count;
	uint32_t eflags;
};
extern volatile struct trap_record trap_last;

/* Loads an IDT that catches the exception vectors 0-31. Until it is
 * loaded (or with no trap_run() active) an exception is not expected: the
 * guest prints "trap: unexpected #XX (vector N) error=0x.. at eip 0x.."
 * and exits with status 255. Interrupts must stay disabled. */
void trap_init(void);

/* Calls fn(ctx) with exceptions caught, like a setjmp/longjmp "try": if
 * fn returns, the result is TRAP_NONE; if an exception is raised before
 * that, fn is abandoned at the faulting instruction (its stack frame
 * dropped, the callee-saved registers restored) and the result is the
 * vector, with the details in trap_last. Calls may nest. */
int trap_run(void (*fn)(void *ctx), void *ctx);

/* "ok" for TRAP_NONE, else the mnemonic of a vector: "#GP", "#UD"... */
const char *trap_name(int vector);

/* RDMSR / WRMSR under trap_run(): TRAP_NONE or the vector raised. On a
 * fault *val is 0. */
int trap_rdmsr(uint32_t msr, uint64_t *val);
int trap_wrmsr(uint32_t msr, uint64_t val);

/* LIDT with the given base and limit. */
void idt_load(uint32_t base, uint16_t limit);

/* Loads an empty IDT and raises #BP: the CPU shuts down (triple fault). */
__attribute__((noreturn)) void triple_fault(void);

/* ---- Strings and numbers -----------------------------------------------*/

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* 64-by-32-bit unsigned division (no libgcc here). Sets *rem if not
 * NULL. d must not be 0. */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem);

/* ---- Console (COM1, polled) --------------------------------------------*/

void serial_putc(char c);
void serial_write(const char *s, size_t len);
void serial_puts(const char *s);

/* printf subset: %d %i %u %x %X %c %s %p %%, with flags '-' and '0', a
 * field width, and the length modifiers l and ll (64-bit for ll). */
void kvprintf(const char *fmt, va_list ap);
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);

/* ---- Multiboot ---------------------------------------------------------*/

/* The info pointer if the entry magic is right and it is non-NULL. */
const struct mb_info *mb_info_get(uint32_t magic, uint32_t mbi_addr);

/* The kernel command line, or "" if there is none. */
const char *mb_cmdline(const struct mb_info *mbi);

/* Bytes of RAM per mem_upper (1 MiB + mem_upper KiB), or 0 if unknown. */
uint64_t mb_ram_bytes(const struct mb_info *mbi);

/* Looks up `key=value` in a space-separated command line (a token counts
 * only at the start or after whitespace). A value may be double-quoted to
 * contain spaces. Copies the value, NUL-terminated and truncated to fit,
 * to buf. Returns true if the key was found. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* Like cmdline_get for a number (decimal, or hex with 0x). Returns def if
 * the key is absent or its value is not a valid number. */
uint32_t cmdline_get_u32(const char *cmdline, const char *key, uint32_t def);

/* Entry from start32.asm: magic = EAX, mbi_addr = EBX at the Multiboot
 * entry. The return value becomes the exit status. */
int guest_main(uint32_t magic, uint32_t mbi_addr);

#endif
