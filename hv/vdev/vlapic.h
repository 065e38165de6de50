/* Virtual local APIC, one per vCPU: the xAPIC register page, the x2APIC MSR
 * view, IA32_APIC_BASE, the APIC timer (one-shot, periodic, TSC-deadline)
 * and fixed-interrupt acceptance/priority. Pure logic: no locking (the
 * caller locks), no VMX; the caller routes IPIs, injects what
 * vlapic_pending() reports and re-arms its host timer from
 * vlapic_next_event(). Every guest-written value is accepted without UB.
 *
 * Model:
 *  - Version 0x00050014: xAPIC, six LVT entries (timer 0x320, thermal 0x330,
 *    perf 0x340, LINT0 0x350, LINT1 0x360, error 0x370); no CMCI (0x2F0 /
 *    MSR 0x82F are unimplemented), no EOI-broadcast suppression.
 *  - The timer clock is the TSC: the counter decrements once every `divide`
 *    TSC ticks, so every time here is a TSC value (`now`). Expiries are
 *    processed lazily: every register access with `now` first runs
 *    vlapic_timer_update(now).
 *  - IPIs are delivered immediately by the caller, so ICR delivery status
 *    always reads 0. LVT delivery status and remote IRR also read 0.
 *  - Errors (illegal vectors, xAPIC accesses to unimplemented registers) are
 *    latched for the ESR and signalled through LVT error when unmasked.
 *  - A software-disabled APIC (SVR bit 8 clear) drops new fixed interrupts
 *    but keeps dispatching what IRR already holds (SDM 10.4.7.2). */
#ifndef BH_VLAPIC_H
#define BH_VLAPIC_H

#include "hv/lib/lib.h"
#include "hv/vdev/pcmap.h"
#include "arch/x86_64/x86_defs.h"

#define VLAPIC_DEFAULT_BASE	PC_LAPIC_BASE
#define VLAPIC_BASE_BSP		APIC_BASE_BSP
#define VLAPIC_BASE_EXTD	APIC_BASE_X2APIC
#define VLAPIC_BASE_EN		APIC_BASE_ENABLE
#define VLAPIC_VERSION		0x00050014u
#define VLAPIC_NR_LVT		6
#define VLAPIC_MSR_TSC_DEADLINE 0x6E0

/* xAPIC register offsets (x2APIC MSR = 0x800 + offset / 16). */
#define VLAPIC_ID	   0x020
#define VLAPIC_VER	   0x030
#define VLAPIC_TPR	   0x080
#define VLAPIC_APR	   0x090
#define VLAPIC_PPR	   0x0A0
#define VLAPIC_EOI	   0x0B0
#define VLAPIC_RRD	   0x0C0
#define VLAPIC_LDR	   0x0D0
#define VLAPIC_DFR	   0x0E0
#define VLAPIC_SVR	   0x0F0
#define VLAPIC_ISR	   0x100
#define VLAPIC_TMR	   0x180
#define VLAPIC_IRR	   0x200
#define VLAPIC_ESR	   0x280
#define VLAPIC_ICR_LO	   0x300
#define VLAPIC_ICR_HI	   0x310
#define VLAPIC_LVT_TIMER   0x320
#define VLAPIC_LVT_THERMAL 0x330
#define VLAPIC_LVT_PERF	   0x340
#define VLAPIC_LVT_LINT0   0x350
#define VLAPIC_LVT_LINT1   0x360
#define VLAPIC_LVT_ERROR   0x370
#define VLAPIC_TIMER_ICR   0x380
#define VLAPIC_TIMER_CCR   0x390
#define VLAPIC_TIMER_DCR   0x3E0
#define VLAPIC_SELF_IPI	   0x3F0 /* x2APIC only */

#define VLAPIC_LVT_MASKED     (1u << 16)
#define VLAPIC_SVR_ENABLE     (1u << 8)
#define VLAPIC_TIMER_ONESHOT  (0u << 17)
#define VLAPIC_TIMER_PERIODIC (1u << 17)
#define VLAPIC_TIMER_DEADLINE (2u << 17)

/* ESR bits this model sets. */
#define VLAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define VLAPIC_ESR_ILLEGAL_REG	(1u << 7)

/* An IPI the guest asked for (decoded ICR). `valid` is false when nothing
 * is to be sent: no ICR write, reserved delivery mode 3, or a fixed/lowest
 * priority IPI with an illegal vector (< 16; ESR "send illegal vector").
 * Other combinations are reported as written for the caller to route or
 * drop. `assert`/`level` are ICR bits 14/15 as written: Linux sends fixed
 * IPIs with bit 14 clear; INIT with assert=0, level=1 is INIT level
 * de-assert. `dest` is ICR bits 63:56 in xAPIC mode, 63:32 in x2APIC. */
struct vlapic_ipi {
	bool valid;
	uint8_t vector;
	uint8_t mode; /* 0 fixed,1 lowest,2 SMI,4 NMI,5 INIT,6 SIPI,7 ExtINT */
	uint8_t shorthand; /* 0 none,1 self,2 all incl self,3 all excl self */
	bool logical;
	bool assert;
	bool level;
	uint32_t dest;
};

/* The register page, laid out as the xAPIC MMIO page (register at offset
 * n is the 32-bit word at byte n, one every 16 bytes), so a backend that
 * virtualizes APIC accesses can hand it to the CPU as the vCPU's
 * virtual-APIC page (VMX: SDM Vol. 3C 29.1). IRR, ISR, TMR and TPR live
 * only here: with virtual-interrupt delivery the CPU itself moves vectors
 * IRR -> ISR on delivery and clears ISR on EOI. Every other register the
 * CPU may serve to guest reads is mirrored here after each change. */
struct vlapic_page {
	uint32_t r[1024];
} __attribute__((aligned(4096)));

struct vlapic {
	struct vlapic_page page;
	/* Vectors accepted from any CPU (vlapic_set_irr), not yet in the
	 * page's IRR: only the vCPU's own CPU writes the page, out of guest
	 * mode, so a CPU delivering from the page never races another
	 * writer. `pir_level` holds each accepted vector's trigger mode. */
	uint32_t pir[8], pir_level[8];
	bool pir_any; /* pir holds a vector */
	/* The page's IRR, ISR or TMR, or the mode, changed other than by
	 * the CPU since the core last told it (hv/irq.c apic_sync clears). */
	bool cpu_stale;
	uint64_t base;	   /* IA32_APIC_BASE */
	uint32_t apic_id;  /* initial APIC ID = x2APIC ID */
	uint8_t xapic_id;  /* ID register bits 31:24 in xAPIC mode */
	int16_t level_eoi; /* see vlapic_level_eoi() */
	uint32_t ldr;
	uint32_t dfr; /* bits 31:28 (model); 27:0 read as ones */
	uint32_t svr;
	uint32_t esr;	      /* value reads return */
	uint32_t esr_pending; /* errors since the last ESR write */
	uint32_t icr_lo;
	uint32_t icr_hi; /* xAPIC: bits 31:24; x2APIC: destination */
	uint32_t lvt[VLAPIC_NR_LVT];
	uint32_t timer_icr;    /* initial count */
	uint32_t timer_dcr;    /* divide configuration (bits 3, 1:0) */
	bool timer_armed;      /* one-shot/periodic counting */
	uint64_t timer_expire; /* TSC at which the count reaches 0 */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE, 0 = disarmed */
};

/* The page word of register `off` (ISR/TMR/IRR word i: base + i * 16). */
static inline uint32_t *vlapic_reg(struct vlapic *l, uint32_t off)
{
	return &l->page.r[(off & 0xFF0u) >> 2];
}

static inline uint32_t vlapic_reg_get(const struct vlapic *l, uint32_t off)
{
	return l->page.r[(off & 0xFF0u) >> 2];
}

/* Power-on RESET: xAPIC mode at 0xFEE00000, ID `apic_id` (the xAPIC ID is
 * its low 8 bits), BSP flag from `bsp`, registers per SDM 10.4.7.1. */
void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp);
/* INIT signal: registers as after RESET but IA32_APIC_BASE (mode) and the
 * IDs are kept (SDM 10.4.7.3, 10.12.5.1). */
void vlapic_init_signal(struct vlapic *l);

/* xAPIC MMIO: `offset` within the 4 KiB page. Returns 0, or -1 when the
 * access is not to an implemented register in xAPIC mode (misaligned, an
 * unimplemented offset, or the APIC is disabled / in x2APIC mode): reads
 * then give 0 and writes are dropped. Writes to read-only registers are
 * ignored and return 0, as on hardware. On writes, *ipi (if not NULL) is
 * always filled; ipi->valid says whether to send. */
int vlapic_mmio_read(struct vlapic *l, uint32_t offset, uint32_t *val,
		     uint64_t now);
int vlapic_mmio_write(struct vlapic *l, uint32_t offset, uint32_t val,
		      uint64_t now, struct vlapic_ipi *ipi);
/* x2APIC MSRs 0x800-0x8FF. -1 means #GP: not in x2APIC mode, MSR not
 * implemented, read of a write-only or write of a read-only register, or
 * reserved bits set (SDM 10.12.1.3). *val is 0 on failure. */
int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t *val, uint64_t now);
int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
		 struct vlapic_ipi *ipi);
/* Vector of the level-triggered interrupt (TMR set) retired by an EOI in
 * the latest vlapic_mmio_write()/vlapic_wrmsr(), or -1: the caller then
 * broadcasts the EOI to its I/O APIC (remote IRR). */
int vlapic_level_eoi(const struct vlapic *l);

/* IA32_APIC_BASE. Reserved bits (0-7, 9), a base other than 0xFEE00000,
 * EN=0/EXTD=1, x2APIC->xAPIC and disabled->x2APIC give -1 (#GP). The BSP
 * bit is read-only. Entering the disabled state resets the registers
 * (IDs kept); xAPIC->x2APIC derives the logical x2APIC ID into LDR. */
uint64_t vlapic_get_base(const struct vlapic *l);
int vlapic_set_base(struct vlapic *l, uint64_t val);
bool vlapic_x2apic(const struct vlapic *l);
bool vlapic_hw_enabled(const struct vlapic *l);

/* IA32_TSC_DEADLINE: reads 0 and writes are ignored unless the LVT timer
 * is in TSC-deadline mode. A deadline <= now fires at once. */
uint64_t vlapic_get_tsc_deadline(const struct vlapic *l);
void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t val, uint64_t now);

/* CR8, the TPR's priority class (SDM Vol. 3A 10.8.6.1): reads TPR[7:4];
 * a write sets TPR[7:4] and clears TPR[3:0]. -1 (#GP) if bits 63:4 are
 * set. */
uint64_t vlapic_get_cr8(const struct vlapic *l);
int vlapic_set_cr8(struct vlapic *l, uint64_t val);

/* Accept a fixed interrupt (vector < 16 sets ESR "received illegal vector"
 * and is dropped; so is anything while disabled). `level` sets TMR. The
 * one call any CPU may make (under the caller's lock): it only records
 * the vector in pir. Every other call is the vCPU's own, out of guest
 * mode, and first moves pir into the page (vlapic_sync). */
void vlapic_set_irr(struct vlapic *l, uint8_t vector, bool level);
/* Move accepted vectors into the page's IRR and TMR. */
void vlapic_sync(struct vlapic *l);
/* Highest IRR vector whose priority class exceeds PPR's, else -1. */
int vlapic_pending(struct vlapic *l);
/* Highest vector set in the page's IRR or ISR (after vlapic_sync), -1 if
 * none: what a CPU delivering from the page is told (RVI, SVI). */
int vlapic_highest_irr(const struct vlapic *l);
int vlapic_highest_isr(const struct vlapic *l);
/* The vCPU took `vector`: IRR -> ISR (no-op if it is not in IRR). */
void vlapic_ack(struct vlapic *l, uint8_t vector);

/* Process timer expiries up to `now`: an unmasked LVT timer sets its vector
 * in IRR; periodic re-arms (missed periods coalesce into one interrupt),
 * one-shot and TSC-deadline disarm. */
void vlapic_timer_update(struct vlapic *l, uint64_t now);
/* Absolute TSC of the next timer expiry (also when the LVT timer is masked,
 * since expiry changes state), UINT64_MAX if none. */
uint64_t vlapic_next_event(const struct vlapic *l);
/* Whether the 8259 may deliver through this vCPU: APIC hardware-disabled,
 * software-disabled (virtual wire), or LVT LINT0 unmasked with ExtINT. */
bool vlapic_extint_allowed(const struct vlapic *l);

#endif
