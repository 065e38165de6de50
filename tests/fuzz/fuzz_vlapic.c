/* libFuzzer harness: virtual local APIC (hv/vlapic.c).
 *
 * Input: apic_id(4) bsp(1), then up to 512 operations on one vlapic with a
 * monotonically increasing TSC `now`. Operation byte: bits 0-3 the kind,
 * bits 4-7 modifiers (see enum op and run_op()):
 *   MMIO read/write, rdmsr/wrmsr (offset byte or raw), a register access
 *   in whichever mode is current, IA32_APIC_BASE writes, IRR injection,
 *   ack, advancing `now`, vlapic_timer_update, IA32_TSC_DEADLINE, INIT,
 *   RESET, EOI, and a whole "take the pending interrupt + EOI" cycle.
 * Properties checked after every operation:
 * - vlapic_pending() is -1 or the highest IRR vector (>= 16) whose class
 *   is above PPR's (PPR recomputed from TPR and ISR), -1 when disabled;
 *   IRR/ISR/TMR never hold vectors 0-15;
 * - once vlapic_timer_update(now) ran (nothing since advanced `now`),
 *   vlapic_next_event() > now or UINT64_MAX;
 * - vlapic_extint_allowed() as documented; IA32_APIC_BASE keeps its form
 *   (0xFEE00000, no reserved bits, never EXTD without EN); a
 *   software-disabled APIC has every LVT masked; LVT
 *   delivery status/remote IRR and ICR delivery status read 0; x2APIC mode
 *   has the derived logical ID in LDR; level_eoi is -1 or >= 16; the
 *   TSC-deadline MSR reads 0 outside TSC-deadline mode;
 * and per operation:
 * - x2APIC MSR accesses fail (value 0, state untouched, no IPI) when not in
 *   x2APIC mode; a failed wrmsr (#GP) changes nothing but the lazy timer
 *   update; MMIO accesses fail when disabled or in x2APIC mode; writes to
 *   read-only xAPIC registers return 0 and change nothing;
 * - a reported IPI is never mode 3 nor a fixed/lowest one below 16;
 * - IA32_APIC_BASE writes succeed exactly per vlapic.h, failures change
 *   nothing, disabling resets; INIT and RESET leave the documented state;
 * - set_irr/ack/EOI/TSC deadline/timer expiry do what vlapic.h says. */
#include "hv/vdev/vlapic.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_OPS	    512u
#define MSR_EOI	    0x80Bu
#define EN	    VLAPIC_BASE_EN
#define EXTD	    VLAPIC_BASE_EXTD
#define LVT_STATUS  (1u << 12) /* delivery status */
#define LVT_RIRR    (1u << 14) /* remote IRR */
#define TIMER_MODES (3u << 17)

enum op {
	OP_MMIO_READ,
	OP_MMIO_WRITE,
	OP_RDMSR,
	OP_WRMSR,
	OP_REG_READ,
	OP_REG_WRITE,
	OP_SET_BASE,
	OP_SET_IRR,
	OP_ACK,
	OP_ADVANCE,
	OP_TIMER_UPDATE,
	OP_DEADLINE,
	OP_INIT,
	OP_RESET,
	OP_EOI,
	OP_SERVICE,
};

#define MOD_RAW	 (1u << 4)
#define MOD_HIGH (1u << 5)

static struct vlapic l;
static uint64_t now;
static bool synced; /* vlapic_timer_update(now) ran with the current now */

/* ---- reference model ---------------------------------------------------- */

/* The architectural IRR, ISR, TMR and TPR: the register page plus what
 * vlapic_set_irr() recorded for it and no call has moved there yet. */
struct bank {
	uint32_t w[8];
};

static struct bank page_bank(const struct vlapic *a, uint32_t base)
{
	struct bank b;
	for (unsigned i = 0; i < 8; i++)
		b.w[i] = vlapic_reg_get(a, base + i * 16);
	return b;
}

static struct bank IRR(const struct vlapic *a) {
	struct bank b = page_bank(a, VLAPIC_IRR);
	for (unsigned i = 0; i < 8; i++)
		b.w[i] |= a->pir[i];
	return b;
}

static struct bank
ISR(const struct vlapic *a) {
	return page_bank(a, VLAPIC_ISR);
}

static struct bank
TMR(const struct vlapic *a) {
	struct bank b = page_bank(a, VLAPIC_TMR);
	for (unsigned i = 0; i < 8; i++)
		b.w[i] = (b.w[i] & ~a->pir[i]) | (a->pir_level[i] & a->pir[i]);
	return b;
}

static unsigned
TPR(const struct vlapic *a)
{
	return vlapic_reg_get(a, VLAPIC_TPR);
}

static bool bit(const uint32_t *r, unsigned v)
{
	return (r[v / 32] >> (v % 32)) & 1;
}

static int top(const uint32_t *r)
{
	for (int v = 255; v >= 0; v--)
		if (bit(r, (unsigned)v))
			return v;
	return -1;
}

static bool hw_on(const struct vlapic *a)
{
	return (a->base & EN) != 0;
}

static bool x2_on(const struct vlapic *a)
{
	return (a->base & (EN | EXTD)) == (EN | EXTD);
}

static bool sw_on(const struct vlapic *a)
{
	return (a->svr & VLAPIC_SVR_ENABLE) != 0;
}

static bool deadline_mode(const struct vlapic *a)
{
	return (a->lvt[0] & TIMER_MODES) == VLAPIC_TIMER_DEADLINE;
}

/* SDM 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
static unsigned ref_ppr(const struct vlapic *a)
{
	int isrv = top(ISR(a).w);
	unsigned cls = isrv < 0 ? 0 : (unsigned)isrv & 0xF0;

	return (TPR(a) & 0xF0u) >= cls ? TPR(a) : cls;
}

static int ref_pending(const struct vlapic *a)
{
	int v = top(IRR(a).w);

	if (!hw_on(a) || v < 0)
		return -1;
	return ((unsigned)v & 0xF0) > (ref_ppr(a) & 0xF0) ? v : -1;
}

static uint32_t x2_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 15));
}

/* Whole state, except level_eoi (reset by every register write). */
static bool same_state(const struct vlapic *a, const struct vlapic *b)
{
	return a->base == b->base && a->apic_id == b->apic_id &&
	       a->xapic_id == b->xapic_id && TPR(a) == TPR(b) &&
	       a->ldr == b->ldr && a->dfr == b->dfr && a->svr == b->svr &&
	       a->esr == b->esr && a->esr_pending == b->esr_pending &&
	       a->icr_lo == b->icr_lo && a->icr_hi == b->icr_hi &&
	       !memcmp(a->lvt, b->lvt, sizeof(a->lvt)) &&
	       !memcmp(IRR(a).w, IRR(b).w, sizeof(struct bank)) &&
	       !memcmp(ISR(a).w, ISR(b).w, sizeof(struct bank)) &&
	       !memcmp(TMR(a).w, TMR(b).w, sizeof(struct bank)) &&
	       a->timer_icr == b->timer_icr && a->timer_dcr == b->timer_dcr &&
	       a->timer_armed == b->timer_armed &&
	       a->timer_expire == b->timer_expire &&
	       a->tsc_deadline == b->tsc_deadline;
}

static bool all_clear(const uint32_t *r)
{
	for (unsigned i = 0; i < 8; i++)
		if (r[i])
			return false;
	return true;
}

/* Registers as after RESET/INIT/disable (SDM 10.4.7.1). */
static void check_reset_regs(struct vlapic *a)
{
	CHECK(all_clear(IRR(a).w) && all_clear(ISR(a).w) &&
	      all_clear(TMR(a).w));
	CHECK(TPR(a) == 0);
	CHECK(a->svr == 0xFF);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		CHECK(a->lvt[i] == VLAPIC_LVT_MASKED);
	CHECK(a->timer_icr == 0 && !a->timer_armed);
	CHECK(vlapic_next_event(a) == UINT64_MAX);
	CHECK(vlapic_pending(a) == -1);
}

static void check_invariants(void)
{
	uint64_t base = vlapic_get_base(&l), next = vlapic_next_event(&l);
	int p = vlapic_pending(&l), e = vlapic_level_eoi(&l);

	/* What a CPU serving guest reads of the xAPIC page from the
	 * register page would return. */
	if (!x2_on(&l)) {
		CHECK(vlapic_reg_get(&l, VLAPIC_SVR) == l.svr);
		CHECK(vlapic_reg_get(&l, VLAPIC_LDR) == l.ldr);
		CHECK(vlapic_reg_get(&l, VLAPIC_ICR_LO) == l.icr_lo);
		CHECK(vlapic_reg_get(&l, VLAPIC_ICR_HI) == l.icr_hi);
		CHECK(vlapic_reg_get(&l, VLAPIC_TIMER_ICR) == l.timer_icr);
		for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
			CHECK(vlapic_reg_get(&l, VLAPIC_LVT_TIMER + i * 16) ==
			      l.lvt[i]);
		CHECK(vlapic_reg_get(&l, VLAPIC_ID) == (uint32_t)l.xapic_id
							   << 24);
	}
	CHECK((IRR(&l).w[0] & 0xFFFF) == 0);
	CHECK((ISR(&l).w[0] & 0xFFFF) == 0);
	CHECK((TMR(&l).w[0] & 0xFFFF) == 0);
	CHECK(p == ref_pending(&l));
	CHECK(p == -1 || (p >= 16 && p <= 255 && bit(IRR(&l).w, (unsigned)p)));
	CHECK(e == -1 || (e >= 16 && e <= 255));

	CHECK((base & ~0xFFFull) == VLAPIC_DEFAULT_BASE);
	CHECK((base & 0x2FF) == 0);
	CHECK((base & (EN | EXTD)) != EXTD);
	CHECK(vlapic_hw_enabled(&l) == hw_on(&l));
	CHECK(vlapic_x2apic(&l) == x2_on(&l));
	if (x2_on(&l))
		CHECK(l.ldr == x2_ldr(l.apic_id));

	CHECK((l.svr & ~0x3FFu) == 0);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++) {
		CHECK((l.lvt[i] & (LVT_STATUS | LVT_RIRR)) == 0);
		if (!sw_on(&l))
			CHECK(l.lvt[i] & VLAPIC_LVT_MASKED);
	}
	CHECK((l.icr_lo & LVT_STATUS) == 0);
	if (l.timer_armed)
		CHECK(l.timer_icr != 0);
	CHECK(vlapic_get_tsc_deadline(&l) ==
	      (hw_on(&l) && deadline_mode(&l) ? l.tsc_deadline : 0));

	if (!hw_on(&l)) {
		CHECK(p == -1);
		CHECK(next == UINT64_MAX);
	}
	/* virtual wire, or LINT0 unmasked in ExtINT mode */
	CHECK(vlapic_extint_allowed(&l) == (!hw_on(&l) || !sw_on(&l) ||
					    (!(l.lvt[3] & VLAPIC_LVT_MASKED) &&
					     ((l.lvt[3] >> 8) & 7) == 7)));
	if (synced)
		CHECK(next > now || next == UINT64_MAX);
}

static void check_ipi(const struct vlapic_ipi *ipi, int rc, bool x2)
{
	if (rc != 0 || !ipi->valid)
		return;
	CHECK(ipi->mode != 3);
	if (ipi->mode <= 1)
		CHECK(ipi->vector >= 16);
	CHECK(ipi->shorthand <= 3);
	if (!x2)
		CHECK(ipi->dest <= 0xFF);
}

/* After an EOI register write: the highest ISR bit of `upd` (the state the
 * write saw) is retired and reported when level-triggered. */
static void check_eoi(const struct vlapic *upd)
{
	int hi = top(ISR(upd).w);

	if (hi < 0) {
		CHECK(vlapic_level_eoi(&l) == -1);
		CHECK(same_state(&l, upd));
		return;
	}
	CHECK(!bit(ISR(&l).w, (unsigned)hi));
	CHECK(vlapic_level_eoi(&l) ==
	      (bit(TMR(upd).w, (unsigned)hi) ? hi : -1));
}

static bool read_only_xapic(uint32_t off)
{
	return off == VLAPIC_VER || off == VLAPIC_APR || off == VLAPIC_PPR ||
	       off == VLAPIC_RRD || off == VLAPIC_TIMER_CCR ||
	       (off >= VLAPIC_ISR && off < VLAPIC_ESR);
}

/* ---- operations --------------------------------------------------------- */

static void mmio_read(uint32_t off)
{
	struct vlapic pre = l, upd = l;
	bool usable =
	    hw_on(&pre) && !x2_on(&pre) && !(off & 0xF) && off < 0x1000;
	uint32_t val = 0xDEADBEEF;
	int rc;

	vlapic_timer_update(&upd, now);
	rc = vlapic_mmio_read(&l, off, &val, now);
	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(val == 0);
	if (!usable) {
		CHECK(rc == -1);
		CHECK(same_state(&l, &pre));
		return;
	}
	synced = true;
	if (rc != 0)
		return;
	CHECK(same_state(&l, &upd));
	switch (off) {
	case VLAPIC_ID:
		CHECK(val == (uint32_t)l.xapic_id << 24);
		break;
	case VLAPIC_VER:
		CHECK(val == VLAPIC_VERSION);
		break;
	case VLAPIC_TPR:
		CHECK(val == TPR(&l));
		break;
	case VLAPIC_PPR:
		CHECK(val == ref_ppr(&l));
		break;
	case VLAPIC_ICR_LO:
		CHECK((val & LVT_STATUS) == 0);
		break;
	case VLAPIC_TIMER_CCR:
		CHECK(val <= l.timer_icr);
		if (deadline_mode(&l) || !l.timer_armed)
			CHECK(val == 0);
		break;
	case VLAPIC_SELF_IPI:
		CHECK(0); /* x2APIC only */
		break;
	default:
		if (off >= VLAPIC_IRR && off < VLAPIC_IRR + 0x80)
			CHECK(val == IRR(&l).w[(off - VLAPIC_IRR) / 16]);
		if (off >= VLAPIC_ISR && off < VLAPIC_ISR + 0x80)
			CHECK(val == ISR(&l).w[(off - VLAPIC_ISR) / 16]);
		if (off >= VLAPIC_LVT_TIMER && off <= VLAPIC_LVT_ERROR)
			CHECK((val & (LVT_STATUS | LVT_RIRR)) == 0);
		break;
	}
}

/* Any MMIO or MSR write: 0 or -1, no IPI when it fails, and a level EOI
 * only from an EOI write that succeeded. */
static void check_write(int rc, const struct vlapic_ipi *ipi, bool eoi)
{
	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(!ipi->valid);
	if (!eoi || rc != 0)
		CHECK(vlapic_level_eoi(&l) == -1);
}

/* x2APIC MSR accesses fail outside x2APIC mode (changing nothing; pre is
 * the state before) and outside 0x800-0x8FF. False: nothing more to see. */
static bool check_msr_range(uint32_t msr, int rc, const struct vlapic *pre)
{
	if (!x2_on(pre)) {
		CHECK(rc == -1);
		CHECK(same_state(&l, pre));
		return false;
	}
	if (msr < 0x800 || msr > 0x8FF) {
		CHECK(rc == -1);
		return false;
	}
	return true;
}

static void mmio_write(uint32_t off, uint32_t val)
{
	struct vlapic pre = l, upd = l;
	bool usable =
	    hw_on(&pre) && !x2_on(&pre) && !(off & 0xF) && off < 0x1000;
	struct vlapic_ipi ipi;
	int rc;

	memset(&ipi, 0xA5, sizeof(ipi));
	vlapic_timer_update(&upd, now);
	rc = vlapic_mmio_write(&l, off, val, now, &ipi);
	check_write(rc, &ipi, off == VLAPIC_EOI);
	if (!usable) {
		CHECK(rc == -1);
		CHECK(same_state(&l, &pre));
		return;
	}
	synced = true;
	check_ipi(&ipi, rc, false);
	if (off == VLAPIC_SELF_IPI)
		CHECK(rc == -1);
	if (read_only_xapic(off)) {
		CHECK(rc == 0);
		CHECK(same_state(&l, &upd));
	}
	if (off == VLAPIC_EOI) {
		CHECK(rc == 0);
		check_eoi(&upd);
	}
	if (off != VLAPIC_ICR_LO)
		CHECK(!ipi.valid);
}

static void rdmsr(uint32_t msr)
{
	struct vlapic pre = l, upd = l;
	uint64_t val = 0xDEADBEEF;
	int rc;

	vlapic_timer_update(&upd, now);
	rc = vlapic_rdmsr(&l, msr, &val, now);
	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(val == 0);
	if (!check_msr_range(msr, rc, &pre))
		return;
	synced = true;
	CHECK(same_state(&l, &upd)); /* reads change nothing */
	if (rc != 0)
		return;
	switch (msr) {
	case 0x802:
		CHECK(val == l.apic_id);
		break;
	case 0x803:
		CHECK(val == VLAPIC_VERSION);
		break;
	case 0x80A:
		CHECK(val == ref_ppr(&l));
		break;
	case 0x80B: /* EOI: write-only */
	case 0x83F: /* SELF IPI: write-only */
		CHECK(0);
		break;
	case 0x80D:
		CHECK(val == x2_ldr(l.apic_id));
		break;
	case 0x830:
		CHECK((val & LVT_STATUS) == 0);
		break;
	default:
		CHECK(val <= UINT32_MAX);
		break;
	}
}

static void wrmsr(uint32_t msr, uint64_t val)
{
	struct vlapic pre = l, upd = l;
	struct vlapic_ipi ipi;
	int rc;

	memset(&ipi, 0xA5, sizeof(ipi));
	vlapic_timer_update(&upd, now);
	rc = vlapic_wrmsr(&l, msr, val, now, &ipi);
	check_write(rc, &ipi, msr == MSR_EOI);
	if (!check_msr_range(msr, rc, &pre))
		return;
	synced = true;
	if (rc != 0) {
		CHECK(same_state(&l, &upd)); /* #GP: no effect */
		return;
	}
	check_ipi(&ipi, rc, true);
	if (msr == MSR_EOI)
		check_eoi(&upd);
	if (msr == 0x802 || msr == 0x803 || msr == 0x80D)
		CHECK(0); /* read-only in x2APIC mode */
	if (msr != 0x830 && msr != 0x83F)
		CHECK(!ipi.valid);
}

static void set_base(uint64_t val)
{
	struct vlapic pre = l;
	uint64_t cur = pre.base & (EN | EXTD), next = val & (EN | EXTD);
	bool ok = !(val & 0x2FF) && (val & ~0xFFFull) == VLAPIC_DEFAULT_BASE &&
		  next != EXTD && !(cur == (EN | EXTD) && next == EN) &&
		  !(cur == 0 && next == (EN | EXTD));
	int rc = vlapic_set_base(&l, val);

	CHECK(rc == (ok ? 0 : -1));
	if (!ok) {
		CHECK(same_state(&l, &pre));
		CHECK(l.level_eoi == pre.level_eoi);
		return;
	}
	CHECK(vlapic_get_base(&l) ==
	      (VLAPIC_DEFAULT_BASE | (pre.base & VLAPIC_BASE_BSP) | next));
	CHECK(l.apic_id == pre.apic_id && l.xapic_id == pre.xapic_id);
	if (next == 0 && cur != 0)
		check_reset_regs(&l);
	if (next == cur)
		CHECK(same_state(&l, &pre));
}

static void set_irr(uint8_t v, bool level)
{
	struct vlapic pre = l;

	vlapic_set_irr(&l, v, level);
	if (!hw_on(&pre) || !sw_on(&pre)) {
		CHECK(same_state(&l, &pre));
	} else if (v < 16) {
		/* dropped; only LVT error may raise its own vector */
		uint32_t irr[8], err = pre.lvt[VLAPIC_NR_LVT - 1];
		unsigned ev = err & 0xFF;

		memcpy(irr, IRR(&pre).w, sizeof(irr));
		if (!(err & VLAPIC_LVT_MASKED) && ev >= 16)
			irr[ev / 32] |= 1u << (ev % 32);
		CHECK(!memcmp(IRR(&l).w, irr, sizeof(irr)));
		CHECK(l.esr_pending & VLAPIC_ESR_RECV_ILLEGAL);
	} else {
		CHECK(bit(IRR(&l).w, v));
		CHECK(bit(TMR(&l).w, v) == level);
	}
}

static void ack(uint8_t v)
{
	struct vlapic pre = l;

	vlapic_ack(&l, v);
	if (bit(IRR(&pre).w, v)) {
		CHECK(!bit(IRR(&l).w, v));
		CHECK(bit(ISR(&l).w, v));
	} else {
		CHECK(same_state(&l, &pre));
	}
}

static void timer_update(void)
{
	struct vlapic pre = l;
	uint64_t due = vlapic_next_event(&pre);
	uint32_t lvt = pre.lvt[0];

	vlapic_timer_update(&l, now);
	synced = true;
	if (due > now) {
		CHECK(same_state(&l, &pre));
		return;
	}
	if (due == UINT64_MAX)
		return; /* now == UINT64_MAX: none, or a saturated expiry */
	CHECK(hw_on(&pre));
	if (!(lvt & VLAPIC_LVT_MASKED) && (lvt & 0xFF) >= 16)
		CHECK(bit(IRR(&l).w, lvt & 0xFF));
	if ((lvt & TIMER_MODES) == VLAPIC_TIMER_PERIODIC && pre.timer_armed)
		CHECK(l.timer_armed);
}

static void set_deadline(uint64_t val)
{
	struct vlapic pre = l;

	vlapic_set_tsc_deadline(&l, val, now);
	if (!hw_on(&pre) || !deadline_mode(&pre)) {
		CHECK(same_state(&l, &pre));
		return;
	}
	synced = true;
	CHECK(vlapic_get_tsc_deadline(&l) == (val > now ? val : 0));
	if (val != 0 && val <= now && !(pre.lvt[0] & VLAPIC_LVT_MASKED) &&
	    (pre.lvt[0] & 0xFF) >= 16)
		CHECK(bit(IRR(&l).w, pre.lvt[0] & 0xFF));
}

static void eoi_current_mode(void)
{
	if (x2_on(&l))
		wrmsr(MSR_EOI, 0);
	else
		mmio_write(VLAPIC_EOI, 0);
}

static void run_op(struct reader *rd)
{
	unsigned op = (unsigned)take(rd, 1);
	uint32_t off, msr;
	uint64_t v;
	int p;

	switch ((enum op)(op & 0xF)) {
	case OP_MMIO_READ:
		off = op & MOD_RAW ? (uint32_t)take(rd, 2)
				   : (uint32_t)take(rd, 1) << 4;
		mmio_read(off);
		break;
	case OP_MMIO_WRITE:
		off = op & MOD_RAW ? (uint32_t)take(rd, 2)
				   : (uint32_t)take(rd, 1) << 4;
		mmio_write(off, (uint32_t)take(rd, 4));
		break;
	case OP_RDMSR:
		msr = op & MOD_RAW ? (uint32_t)take(rd, 4)
				   : 0x800 + (uint32_t)take(rd, 1);
		rdmsr(msr);
		break;
	case OP_WRMSR:
		msr = op & MOD_RAW ? (uint32_t)take(rd, 4)
				   : 0x800 + (uint32_t)take(rd, 1);
		v = take(rd, 4);
		if (op & MOD_HIGH)
			v |= take(rd, 4) << 32;
		wrmsr(msr, v);
		break;
	case OP_REG_READ:
		off = (uint32_t)take(rd, 1);
		if (x2_on(&l))
			rdmsr(0x800 + off);
		else
			mmio_read(off << 4);
		break;
	case OP_REG_WRITE:
		off = (uint32_t)take(rd, 1);
		v = take(rd, 4);
		if (x2_on(&l))
			wrmsr(0x800 + off,
			      v | (op & MOD_HIGH ? take(rd, 4) << 32 : 0));
		else
			mmio_write(off << 4, (uint32_t)v);
		break;
	case OP_SET_BASE:
		if (op & MOD_RAW) {
			v = take(rd, 8);
		} else {
			unsigned b = (unsigned)take(rd, 1);

			/* bits 8-11 (BSP, reserved 9, EXTD, EN) and maybe
			 * one reserved low bit */
			v = VLAPIC_DEFAULT_BASE | (uint64_t)(b & 0xF) << 8 |
			    (uint64_t)((b >> 4) & 1) << ((b >> 5) & 7);
		}
		set_base(v);
		break;
	case OP_SET_IRR:
		set_irr((uint8_t)take(rd, 1), op & MOD_RAW);
		break;
	case OP_ACK:
		p = vlapic_pending(&l);
		if ((op & MOD_RAW) && p >= 0)
			ack((uint8_t)p);
		else
			ack((uint8_t)take(rd, 1));
		break;
	case OP_ADVANCE:
		if (op & MOD_RAW) {
			v = take(rd, 8);
		} else {
			unsigned d = (unsigned)take(rd, 1);

			v = (uint64_t)(d & 0x1F) << (6 * (d >> 5));
		}
		now = now > UINT64_MAX - v ? UINT64_MAX : now + v;
		if (v)
			synced = false;
		break;
	case OP_TIMER_UPDATE:
		timer_update();
		break;
	case OP_DEADLINE:
		if (op & MOD_RAW) {
			v = take(rd, 8);
		} else {
			v = now + take(rd, 2);
			v = v < now ? UINT64_MAX : v;
			v = v >= 0x80 ? v - 0x80 : 0;
		}
		set_deadline(v);
		break;
	case OP_INIT: {
		struct vlapic pre = l;

		vlapic_init_signal(&l);
		CHECK(l.base == pre.base && l.apic_id == pre.apic_id &&
		      l.xapic_id == pre.xapic_id);
		check_reset_regs(&l);
		break;
	}
	case OP_RESET: {
		uint32_t id = (uint32_t)take(rd, 4);
		bool bsp = op & MOD_RAW;

		vlapic_reset(&l, id, bsp);
		CHECK(vlapic_get_base(&l) ==
		      (VLAPIC_DEFAULT_BASE | EN | (bsp ? VLAPIC_BASE_BSP : 0)));
		CHECK(l.apic_id == id && l.xapic_id == (uint8_t)id);
		check_reset_regs(&l);
		break;
	}
	case OP_EOI:
		eoi_current_mode();
		break;
	case OP_SERVICE:
		p = vlapic_pending(&l);
		if (p >= 0) {
			ack((uint8_t)p);
			CHECK(vlapic_pending(&l) != p);
		}
		if (hw_on(&l))
			eoi_current_mode();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	uint32_t id = (uint32_t)take(&rd, 4);
	bool bsp = take(&rd, 1) & 1;

	now = 1000;
	synced = false;
	vlapic_reset(&l, id, bsp);
	check_reset_regs(&l);
	check_invariants();
	for (unsigned n = 0; n < MAX_OPS && rd.n; n++) {
		run_op(&rd);
		check_invariants();
	}
	return 0;
}
