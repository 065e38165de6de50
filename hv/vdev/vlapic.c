/* Virtual local APIC (see vlapic.h). Register numbers are xAPIC offsets;
 * the x2APIC MSR view maps MSR 0x800 + n to offset n * 16. */
#include "hv/vdev/vlapic.h"

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST	 0x8FFu

#define LVT_VECTOR(v)	  ((v)&0xFFu)
#define LVT_MODE(v)	  (((v) >> 8) & 7u)
#define LVT_MODE_EXTINT	  7u
#define TIMER_MODE_MASK	  (3u << 17)
#define SVR_WRITABLE	  0x3FFu /* vector, enable, focus check */
#define DFR_MODEL	  0xF0000000u
#define XAPIC_ICR_HI_MASK 0xFF000000u
#define ICR_DEFINED	  0x000CDFFFu /* incl. delivery status (bit 12) */
#define ICR_WRITABLE	  0x000CCFFFu
#define DCR_WRITABLE	  0xBu

/* Bits software may set in each LVT, and the bits that are not reserved
 * (writable plus read-only delivery status / remote IRR). */
static const uint32_t lvt_writable[VLAPIC_NR_LVT] = {
    0x000700FF, 0x000107FF, 0x000107FF, 0x0001A7FF, 0x0001A7FF, 0x000100FF,
};
static const uint32_t lvt_defined[VLAPIC_NR_LVT] = {
    0x000710FF, 0x000117FF, 0x000117FF, 0x0001F7FF, 0x0001F7FF, 0x000110FF,
};

/* ---- 256-bit vector registers ------------------------------------------
 * In the page, ISR, TMR and IRR are eight 32-bit words each, 16 bytes
 * apart, at `bank` (VLAPIC_ISR, VLAPIC_TMR, VLAPIC_IRR). */

static uint32_t *vec_word(struct vlapic *l, uint32_t bank, unsigned v)
{
	return &l->page.r[(bank >> 2) + ((v >> 5) << 2)];
}

static bool vec_test(const struct vlapic *l, uint32_t bank, unsigned v)
{
	return (l->page.r[(bank >> 2) + ((v >> 5) << 2)] >> (v & 31)) & 1;
}

static void vec_set(struct vlapic *l, uint32_t bank, unsigned v)
{
	*vec_word(l, bank, v) |= 1u << (v & 31);
}

static void vec_clear(struct vlapic *l, uint32_t bank, unsigned v)
{
	*vec_word(l, bank, v) &= ~(1u << (v & 31));
}

static int vec_highest(const struct vlapic *l, uint32_t bank)
{
	const uint32_t *r = &l->page.r[bank >> 2];
	for (int i = 7; i >= 0; i--)
		if (r[i * 4])
			return i * 32 + 31 - __builtin_clz(r[i * 4]);
	return -1;
}

/* ---- state helpers ------------------------------------------------------ */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static bool hw_enabled(const struct vlapic *l)
{
	return (l->base & VLAPIC_BASE_EN) != 0;
}

static bool x2apic(const struct vlapic *l)
{
	return (l->base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	       (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

static bool sw_enabled(const struct vlapic *l)
{
	return (l->svr & VLAPIC_SVR_ENABLE) != 0;
}

static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 15));
}

static uint32_t tpr(const struct vlapic *l)
{
	return vlapic_reg_get(l, VLAPIC_TPR) & 0xFFu;
}

static uint32_t ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l, VLAPIC_ISR);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	if ((tpr(l) & 0xF0u) >= isr_class)
		return tpr(l);
	return isr_class;
}

/* Recorded for the page at the next vlapic_sync (struct vlapic: pir). */
static void accept(struct vlapic *l, unsigned vector, bool level)
{
	uint32_t bit = 1u << (vector & 31);
	l->pir_any = true;
	l->pir[vector >> 5] |= bit;
	if (level)
		l->pir_level[vector >> 5] |= bit;
	else
		l->pir_level[vector >> 5] &= ~bit;
}

void vlapic_sync(struct vlapic *l)
{
	if (!l->pir_any)
		return;
	l->pir_any = false;
	l->cpu_stale = true;
	for (unsigned i = 0; i < 8; i++) {
		uint32_t in = l->pir[i];
		if (!in)
			continue;
		uint32_t *tmr = vlapic_reg(l, VLAPIC_TMR + (i << 4));
		*tmr = (*tmr & ~in) | (l->pir_level[i] & in);
		*vlapic_reg(l, VLAPIC_IRR + (i << 4)) |= in;
		l->pir[i] = 0;
	}
}

/* The registers a CPU may serve guest reads from, as the model holds
 * them, in the form of the APIC's mode: SDM Vol. 3C 29.4.2 lists what
 * APIC-register virtualization reads of the xAPIC page (PPR the CPU
 * computes itself), 29.5 the x2APIC MSRs, read as the 8 bytes at offset
 * (MSR & 0xFF) << 4 (so the upper half of each is the 4 bytes after the
 * register: 0, but the ICR's destination). IA32_APIC_BASE writes publish
 * again when the mode changes. */
static void publish_x2apic(struct vlapic *l)
{
	*vlapic_reg(l, VLAPIC_ID) = l->apic_id;
	*vlapic_reg(l, VLAPIC_VER) = VLAPIC_VERSION;
	*vlapic_reg(l, VLAPIC_LDR) = l->ldr;
	*vlapic_reg(l, VLAPIC_SVR) = l->svr;
	*vlapic_reg(l, VLAPIC_ESR) = l->esr;
	*vlapic_reg(l, VLAPIC_ICR_LO) = l->icr_lo;
	l->page.r[(VLAPIC_ICR_LO >> 2) + 1] = l->icr_hi; /* MSR bits 63:32 */
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		*vlapic_reg(l, VLAPIC_LVT_TIMER + (i << 4)) = l->lvt[i];
	*vlapic_reg(l, VLAPIC_TIMER_ICR) = l->timer_icr;
	*vlapic_reg(l, VLAPIC_TIMER_DCR) = l->timer_dcr;
}

static void publish(struct vlapic *l)
{
	if (x2apic(l)) {
		publish_x2apic(l);
		return;
	}
	*vlapic_reg(l, VLAPIC_ID) = (uint32_t)l->xapic_id << 24;
	*vlapic_reg(l, VLAPIC_VER) = VLAPIC_VERSION;
	*vlapic_reg(l, VLAPIC_LDR) = l->ldr;
	*vlapic_reg(l, VLAPIC_DFR) = (l->dfr & DFR_MODEL) | ~DFR_MODEL;
	*vlapic_reg(l, VLAPIC_SVR) = l->svr;
	*vlapic_reg(l, VLAPIC_ESR) = l->esr;
	*vlapic_reg(l, VLAPIC_ICR_LO) = l->icr_lo;
	*vlapic_reg(l, VLAPIC_ICR_HI) = l->icr_hi;
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		*vlapic_reg(l, VLAPIC_LVT_TIMER + (i << 4)) = l->lvt[i];
	*vlapic_reg(l, VLAPIC_TIMER_ICR) = l->timer_icr;
	*vlapic_reg(l, VLAPIC_TIMER_DCR) = l->timer_dcr;
}

/* Latch `bits` for the ESR and signal LVT error. An illegal error vector is
 * itself only recorded (no recursion). */
static void signal_error(struct vlapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[LVT_ERROR];

	l->esr_pending |= bits;
	if (lvt & VLAPIC_LVT_MASKED)
		return;
	if (LVT_VECTOR(lvt) < 16)
		l->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
	else
		accept(l, LVT_VECTOR(lvt), false);
}

/* Interrupt generated locally through an LVT entry in fixed mode. */
static void local_interrupt(struct vlapic *l, uint32_t lvt)
{
	if (lvt & VLAPIC_LVT_MASKED)
		return;
	if (LVT_VECTOR(lvt) < 16)
		signal_error(l, VLAPIC_ESR_RECV_ILLEGAL);
	else
		accept(l, LVT_VECTOR(lvt), false);
}

/* Everything but IA32_APIC_BASE and the IDs (RESET, INIT, disable). */
static void regs_reset(struct vlapic *l)
{
	uint64_t base = l->base;
	uint32_t apic_id = l->apic_id;
	uint8_t xapic_id = l->xapic_id;

	memset(l, 0, sizeof(*l));
	l->base = base;
	l->apic_id = apic_id;
	l->xapic_id = xapic_id;
	l->level_eoi = -1;
	l->ldr = x2apic(l) ? x2apic_ldr(l->apic_id) : 0;
	l->dfr = 0xFFFFFFFFu;
	l->svr = 0xFF;
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		l->lvt[i] = VLAPIC_LVT_MASKED;
	l->cpu_stale = true;
	publish(l);
}

void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp)
{
	memset(l, 0, sizeof(*l));
	l->base = VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN;
	if (bsp)
		l->base |= VLAPIC_BASE_BSP;
	l->apic_id = apic_id;
	l->xapic_id = (uint8_t)apic_id;
	regs_reset(l);
}

void vlapic_init_signal(struct vlapic *l)
{
	regs_reset(l);
}

/* ---- timer -------------------------------------------------------------- */

static uint32_t timer_mode(const struct vlapic *l)
{
	return l->lvt[LVT_TIMER] & TIMER_MODE_MASK;
}

static bool deadline_mode(const struct vlapic *l)
{
	return timer_mode(l) == VLAPIC_TIMER_DEADLINE;
}

/* Divide configuration: bits 3,1:0 = 000 -> /2 ... 110 -> /128, 111 -> /1. */
static unsigned div_shift(uint32_t dcr)
{
	return (((dcr & 3u) | ((dcr >> 1) & 4u)) + 1) & 7u;
}

static uint64_t timer_period(const struct vlapic *l)
{
	return (uint64_t)l->timer_icr << div_shift(l->timer_dcr);
}

static void timer_arm(struct vlapic *l, uint64_t now)
{
	l->timer_armed = l->timer_icr != 0;
	if (l->timer_armed)
		l->timer_expire = sat_add(now, timer_period(l));
}

/* Current count: the ticks still to go in this period, rounded up. */
static uint32_t timer_ccr(const struct vlapic *l, uint64_t now)
{
	unsigned shift = div_shift(l->timer_dcr);
	uint64_t rem, ticks;

	if (deadline_mode(l) || !l->timer_armed)
		return 0;
	if (now < l->timer_expire) {
		rem = l->timer_expire - now;
	} else if (timer_mode(l) == VLAPIC_TIMER_PERIODIC) {
		uint64_t period = timer_period(l);
		rem = period - (now - l->timer_expire) % period;
	} else {
		return 0;
	}
	ticks = (rem >> shift) + ((rem & ((1ull << shift) - 1)) != 0);
	return ticks > l->timer_icr ? l->timer_icr : (uint32_t)ticks;
}

void vlapic_timer_update(struct vlapic *l, uint64_t now)
{
	if (!hw_enabled(l))
		return;
	if (deadline_mode(l)) {
		if (l->tsc_deadline == 0 || now < l->tsc_deadline)
			return;
		l->tsc_deadline = 0;
	} else {
		if (!l->timer_armed || now < l->timer_expire)
			return;
		if (timer_mode(l) == VLAPIC_TIMER_PERIODIC) {
			uint64_t period = timer_period(l);
			uint64_t late = now - l->timer_expire;
			l->timer_expire += late - late % period;
			l->timer_expire = sat_add(l->timer_expire, period);
		} else {
			/* one-shot (and reserved 11b) */
			l->timer_armed = false;
		}
	}
	local_interrupt(l, l->lvt[LVT_TIMER]);
}

uint64_t vlapic_next_event(const struct vlapic *l)
{
	if (!hw_enabled(l))
		return UINT64_MAX;
	if (deadline_mode(l))
		return l->tsc_deadline ? l->tsc_deadline : UINT64_MAX;
	return l->timer_armed ? l->timer_expire : UINT64_MAX;
}

uint64_t vlapic_get_tsc_deadline(const struct vlapic *l)
{
	if (!hw_enabled(l) || !deadline_mode(l))
		return 0;
	return l->tsc_deadline;
}

void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t val, uint64_t now)
{
	if (!hw_enabled(l) || !deadline_mode(l))
		return;
	vlapic_timer_update(l, now);
	l->tsc_deadline = val;
	vlapic_timer_update(l, now);
}

static void write_dcr(struct vlapic *l, uint32_t val, uint64_t now)
{
	uint32_t left = timer_ccr(l, now);

	l->timer_dcr = val & DCR_WRITABLE;
	/* Keep the current count; it now decrements at the new rate. */
	if (l->timer_armed && left)
		l->timer_expire =
		    sat_add(now, (uint64_t)left << div_shift(l->timer_dcr));
}

static void write_lvt(struct vlapic *l, unsigned i, uint32_t val)
{
	val &= lvt_writable[i];
	if (!sw_enabled(l))
		val |= VLAPIC_LVT_MASKED;
	if (i == LVT_TIMER && ((val & TIMER_MODE_MASK) ==
			       VLAPIC_TIMER_DEADLINE) != deadline_mode(l)) {
		/* Switching to or from TSC-deadline mode disarms the timer. */
		l->timer_icr = 0;
		l->timer_armed = false;
		l->tsc_deadline = 0;
	}
	l->lvt[i] = val;
}

/* ---- interrupts --------------------------------------------------------- */

void vlapic_set_irr(struct vlapic *l, uint8_t vector, bool level)
{
	if (!hw_enabled(l) || !sw_enabled(l))
		return;
	if (vector < 16) {
		signal_error(l, VLAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	accept(l, vector, level);
}

int vlapic_pending(struct vlapic *l)
{
	if (!hw_enabled(l))
		return -1;
	vlapic_sync(l);
	int v = vec_highest(l, VLAPIC_IRR);
	if (v < 0 || ((uint32_t)v & 0xF0) <= (ppr(l) & 0xF0))
		return -1;
	return v;
}

uint64_t vlapic_get_cr8(const struct vlapic *l)
{
	return tpr(l) >> 4;
}

int vlapic_set_cr8(struct vlapic *l, uint64_t val)
{
	if (val >> 4)
		return -1;
	*vlapic_reg(l, VLAPIC_TPR) = (uint32_t)val << 4;
	return 0;
}

int vlapic_highest_irr(const struct vlapic *l)
{
	return vec_highest(l, VLAPIC_IRR);
}

int vlapic_highest_isr(const struct vlapic *l)
{
	return vec_highest(l, VLAPIC_ISR);
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
	vlapic_sync(l);
	if (!vec_test(l, VLAPIC_IRR, vector))
		return;
	vec_clear(l, VLAPIC_IRR, vector);
	vec_set(l, VLAPIC_ISR, vector);
	l->cpu_stale = true;
}

static void eoi(struct vlapic *l)
{
	int v = vec_highest(l, VLAPIC_ISR);
	if (v < 0)
		return;
	vec_clear(l, VLAPIC_ISR, (unsigned)v);
	l->cpu_stale = true;
	if (vec_test(l, VLAPIC_TMR, (unsigned)v))
		l->level_eoi = (int16_t)v;
}

int vlapic_level_eoi(const struct vlapic *l)
{
	return l->level_eoi;
}

bool vlapic_extint_allowed(const struct vlapic *l)
{
	uint32_t lint0 = l->lvt[LVT_LINT0];

	if (!hw_enabled(l) || !sw_enabled(l))
		return true;
	return !(lint0 & VLAPIC_LVT_MASKED) &&
	       LVT_MODE(lint0) == LVT_MODE_EXTINT;
}

static void send_ipi(struct vlapic *l, uint32_t dest, struct vlapic_ipi *ipi)
{
	struct vlapic_ipi d = {
	    .valid = true,
	    .vector = (uint8_t)LVT_VECTOR(l->icr_lo),
	    .mode = (uint8_t)((l->icr_lo >> 8) & 7),
	    .shorthand = (uint8_t)((l->icr_lo >> 18) & 3),
	    .logical = (l->icr_lo & (1u << 11)) != 0,
	    .assert = (l->icr_lo & (1u << 14)) != 0,
	    .level = (l->icr_lo & (1u << 15)) != 0,
	    .dest = dest,
	};

	if (d.mode == 3) {
		d.valid = false;
	} else if (d.mode <= 1 && d.vector < 16) {
		signal_error(l, VLAPIC_ESR_SEND_ILLEGAL);
		d.valid = false;
	}
	if (ipi)
		*ipi = d;
}

/* ---- register access ---------------------------------------------------- */

static int lvt_index(uint32_t off)
{
	if (off < VLAPIC_LVT_TIMER || off > VLAPIC_LVT_ERROR)
		return -1;
	return (int)((off - VLAPIC_LVT_TIMER) >> 4);
}

/* Read register `off` (16-byte aligned, < 0x400) in the current mode. */
static int reg_read(struct vlapic *l, uint32_t off, uint64_t now, bool x2,
		    uint64_t *val)
{
	int i;

	switch (off) {
	case VLAPIC_ID:
		*val = x2 ? l->apic_id : (uint32_t)l->xapic_id << 24;
		return 0;
	case VLAPIC_VER:
		*val = VLAPIC_VERSION;
		return 0;
	case VLAPIC_TPR:
		*val = tpr(l);
		return 0;
	case VLAPIC_APR: /* not present in x2APIC mode */
	case VLAPIC_RRD:
	case VLAPIC_EOI: /* write-only */
		*val = 0;
		return x2 ? -1 : 0;
	case VLAPIC_PPR:
		*val = ppr(l);
		return 0;
	case VLAPIC_LDR:
		*val = l->ldr;
		return 0;
	case VLAPIC_DFR:
		if (x2)
			return -1;
		*val = (l->dfr & DFR_MODEL) | ~DFR_MODEL;
		return 0;
	case VLAPIC_SVR:
		*val = l->svr;
		return 0;
	case VLAPIC_ESR:
		*val = l->esr;
		return 0;
	case VLAPIC_ICR_LO:
		*val = l->icr_lo;
		if (x2)
			*val |= (uint64_t)l->icr_hi << 32;
		return 0;
	case VLAPIC_ICR_HI:
		if (x2)
			return -1;
		*val = l->icr_hi;
		return 0;
	case VLAPIC_TIMER_ICR:
		*val = l->timer_icr;
		return 0;
	case VLAPIC_TIMER_CCR:
		*val = timer_ccr(l, now);
		return 0;
	case VLAPIC_TIMER_DCR:
		*val = l->timer_dcr;
		return 0;
	default:
		break;
	}
	/* ISR, TMR and IRR: eight 32-bit registers each, 0x80 apart. */
	if (off >= VLAPIC_ISR && off < VLAPIC_IRR + 0x80) {
		*val = vlapic_reg_get(l, off);
		return 0;
	}
	i = lvt_index(off);
	if (i >= 0) {
		*val = l->lvt[i];
		return 0;
	}
	return -1; /* unimplemented; SELF IPI is write-only */
}

static bool read_only(uint32_t off)
{
	switch (off) {
	case VLAPIC_ID: /* writable in xAPIC mode; handled by the caller */
	case VLAPIC_VER:
	case VLAPIC_APR:
	case VLAPIC_PPR:
	case VLAPIC_RRD:
	case VLAPIC_TIMER_CCR:
		return true;
	default:
		return off >= VLAPIC_ISR && off < VLAPIC_ESR;
	}
}

/* Write register `off`. In x2APIC mode the value is the full MSR value and
 * reserved bits fault; in xAPIC mode they are dropped. */
static int reg_write(struct vlapic *l, uint32_t off, uint64_t val64,
		     uint64_t now, bool x2, struct vlapic_ipi *ipi)
{
	uint32_t val = (uint32_t)val64;
	int i;

	if (x2 && off != VLAPIC_ICR_LO && (val64 >> 32))
		return -1;
	if (off == VLAPIC_ID && !x2) {
		l->xapic_id = (uint8_t)(val >> 24);
		return 0;
	}
	if (read_only(off))
		return x2 ? -1 : 0;

	switch (off) {
	case VLAPIC_TPR:
		if (x2 && (val & ~0xFFu))
			return -1;
		*vlapic_reg(l, VLAPIC_TPR) = val & 0xFFu;
		return 0;
	case VLAPIC_EOI:
		if (x2 && val)
			return -1;
		eoi(l);
		return 0;
	case VLAPIC_LDR:
		if (x2)
			return -1;
		l->ldr = val & 0xFF000000u;
		return 0;
	case VLAPIC_DFR:
		if (x2)
			return -1;
		l->dfr = (val & DFR_MODEL) | ~DFR_MODEL;
		return 0;
	case VLAPIC_SVR:
		if (x2 && (val & ~SVR_WRITABLE))
			return -1;
		l->svr = val & SVR_WRITABLE;
		if (!sw_enabled(l))
			for (unsigned n = 0; n < VLAPIC_NR_LVT; n++)
				l->lvt[n] |= VLAPIC_LVT_MASKED;
		return 0;
	case VLAPIC_ESR:
		if (x2 && val)
			return -1;
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case VLAPIC_ICR_LO:
		if (x2 && (val & ~ICR_DEFINED))
			return -1;
		l->icr_lo = val & ICR_WRITABLE;
		if (x2)
			l->icr_hi = (uint32_t)(val64 >> 32);
		send_ipi(l, x2 ? l->icr_hi : l->icr_hi >> 24, ipi);
		return 0;
	case VLAPIC_ICR_HI:
		if (x2)
			return -1;
		l->icr_hi = val & XAPIC_ICR_HI_MASK;
		return 0;
	case VLAPIC_TIMER_ICR:
		if (deadline_mode(l))
			return 0; /* ignored in TSC-deadline mode */
		l->timer_icr = val;
		timer_arm(l, now);
		return 0;
	case VLAPIC_TIMER_DCR:
		if (x2 && (val & ~DCR_WRITABLE))
			return -1;
		write_dcr(l, val, now);
		return 0;
	case VLAPIC_SELF_IPI: {
		if (!x2 || (val & ~0xFFu))
			return -1;
		/* Same as a fixed, edge, self-shorthand ICR write; the ICR
		 * register itself is not changed. */
		uint32_t saved = l->icr_lo;
		l->icr_lo = (val & 0xFF) | (1u << 18);
		send_ipi(l, 0, ipi);
		l->icr_lo = saved;
		return 0;
	}
	default:
		break;
	}
	i = lvt_index(off);
	if (i >= 0) {
		if (x2 && (val & ~lvt_defined[i]))
			return -1;
		write_lvt(l, (unsigned)i, val);
		return 0;
	}
	return -1;
}

static void clear_ipi(struct vlapic_ipi *ipi)
{
	if (ipi)
		memset(ipi, 0, sizeof(*ipi));
}

int vlapic_mmio_read(struct vlapic *l, uint32_t offset, uint32_t *val,
		     uint64_t now)
{
	uint64_t v = 0;

	*val = 0;
	if (!hw_enabled(l) || x2apic(l) || (offset & 0xF) || offset >= 0x1000)
		return -1;
	vlapic_timer_update(l, now);
	vlapic_sync(l);
	if (offset >= 0x400 || reg_read(l, offset, now, false, &v) < 0) {
		signal_error(l, VLAPIC_ESR_ILLEGAL_REG);
		return -1;
	}
	*val = (uint32_t)v;
	return 0;
}

int vlapic_mmio_write(struct vlapic *l, uint32_t offset, uint32_t val,
		      uint64_t now, struct vlapic_ipi *ipi)
{
	clear_ipi(ipi);
	l->level_eoi = -1;
	if (!hw_enabled(l) || x2apic(l) || (offset & 0xF) || offset >= 0x1000)
		return -1;
	vlapic_timer_update(l, now);
	vlapic_sync(l);
	/* A CPU that virtualizes APIC writes takes ICR high into the page
	 * without an exit (SDM Vol. 3C 29.4.3.2): the ICR low write that
	 * sends the IPI finds it there. */
	l->icr_hi = vlapic_reg_get(l, VLAPIC_ICR_HI) & XAPIC_ICR_HI_MASK;
	int rc = 0;
	if (offset >= 0x400 || reg_write(l, offset, val, now, false, ipi) < 0) {
		signal_error(l, VLAPIC_ESR_ILLEGAL_REG);
		rc = -1;
	}
	publish(l);
	return rc;
}

int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t *val, uint64_t now)
{
	uint64_t v = 0;

	*val = 0;
	if (!x2apic(l) || msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return -1;
	vlapic_timer_update(l, now);
	vlapic_sync(l);
	if (reg_read(l, (msr - X2APIC_MSR_FIRST) << 4, now, true, &v) < 0)
		return -1;
	*val = v;
	return 0;
}

int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
		 struct vlapic_ipi *ipi)
{
	clear_ipi(ipi);
	l->level_eoi = -1;
	if (!x2apic(l) || msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return -1;
	vlapic_timer_update(l, now);
	vlapic_sync(l);
	int rc =
	    reg_write(l, (msr - X2APIC_MSR_FIRST) << 4, val, now, true, ipi);
	publish(l);
	return rc;
}

/* ---- IA32_APIC_BASE ----------------------------------------------------- */

uint64_t vlapic_get_base(const struct vlapic *l)
{
	return l->base;
}

bool vlapic_x2apic(const struct vlapic *l)
{
	return x2apic(l);
}

bool vlapic_hw_enabled(const struct vlapic *l)
{
	return hw_enabled(l);
}

int vlapic_set_base(struct vlapic *l, uint64_t val)
{
	const uint64_t mode = VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;
	uint64_t cur = l->base & mode, next = val & mode;

	if (val & 0x2FFull) /* bits 0-7, 9 reserved; bit 8 (BSP) read-only */
		return -1;
	if ((val & ~0xFFFull) != VLAPIC_DEFAULT_BASE)
		return -1; /* relocation (or bits above MAXPHYADDR) */
	if (next == VLAPIC_BASE_EXTD)
		return -1; /* EN=0, EXTD=1 is invalid */
	if (cur == mode && next == VLAPIC_BASE_EN)
		return -1; /* x2APIC -> xAPIC must go through disabled */
	if (cur == 0 && next == mode)
		return -1; /* disabled -> x2APIC must go through xAPIC */
	l->base = (l->base & ~mode) | next;
	if (next == 0 && cur != 0)
		regs_reset(l); /* disabling loses all state but the IDs */
	else if (cur == VLAPIC_BASE_EN && next == mode)
		l->ldr = x2apic_ldr(l->apic_id);
	l->cpu_stale = true;
	publish(l);
	return 0;
}
