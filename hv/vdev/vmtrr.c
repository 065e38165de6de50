#include "hv/vdev/vmtrr.h"

#define MTRRCAP_FIX  (1ull << 8)
#define MTRRCAP_WC   (1ull << 10)
#define DEF_FE	     (1ull << 10)
#define DEF_E	     (1ull << 11)
#define DEF_RSVD     (~(0xFFull | DEF_FE | DEF_E))
#define BASE_RSVD    0xF00ull /* bits 11:8; 7:0 are the type */
#define MASK_RSVD    0x7FFull /* bits 10:0; 11 is the valid bit */
#define TYPE_UC	     0u
#define TYPE_WB	     6u
#define EACH_BYTE(t) (0x0101010101010101ull * (t))

/* The memory types an MTRR may hold: UC, WC, WT, WP, WB (SDM Vol. 3A
 * Table 11-8); 2, 3 and 7 and up are reserved and #GP. */
static bool type_ok(uint64_t t)
{
	return t < 8 && ((0x73u >> t) & 1);
}

void vmtrr_reset(struct vmtrr *m)
{
	m->reg[VMTRR_DEF] = DEF_E | DEF_FE | TYPE_WB;
	for (unsigned i = 0; i < VMTRR_FIXED; i++)
		m->reg[VMTRR_FIX0 + i] = EACH_BYTE(TYPE_WB);
	m->reg[VMTRR_FIX0 + 2] = EACH_BYTE(TYPE_UC); /* 16K_A0000: video */
	for (unsigned i = 0; i < 2 * VMTRR_VAR; i++)
		m->reg[VMTRR_VAR0 + i] = 0;
}

/* Where an MTRR MSR lives in reg[], or -1. */
static int index_of(uint32_t msr)
{
	if (msr == MSR_MTRR_DEFTYPE)
		return VMTRR_DEF;
	if (msr >= MSR_MTRR_PHYS0 && msr < MSR_MTRR_PHYS0 + 2 * VMTRR_VAR)
		return VMTRR_VAR0 + (int)(msr - MSR_MTRR_PHYS0);
	if (msr == 0x250)
		return VMTRR_FIX0;
	if (msr == 0x258 || msr == 0x259)
		return VMTRR_FIX0 + 1 + (int)(msr - 0x258);
	if (msr >= 0x268 && msr <= 0x26F)
		return VMTRR_FIX0 + 3 + (int)(msr - 0x268);
	return -1;
}

bool vmtrr_is_msr(uint32_t msr)
{
	return msr == MSR_MTRRCAP || index_of(msr) >= 0;
}

bool vmtrr_read(const struct vmtrr *m, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_MTRRCAP) {
		*val = VMTRR_VAR | MTRRCAP_FIX | MTRRCAP_WC;
		return true;
	}
	int i = index_of(msr);
	if (i < 0)
		return false;
	*val = m->reg[i];
	return true;
}

static bool fixed_ok(uint64_t val)
{
	for (unsigned i = 0; i < 8; i++)
		if (!type_ok((val >> (8 * i)) & 0xFF))
			return false;
	return true;
}

/* PHYSBASEn: type in 7:0, base from bit 12 up to MAXPHYADDR; PHYSMASKn:
 * valid in bit 11, mask from bit 12 (SDM Vol. 3A 11.11.2.3). */
static bool var_ok(unsigned i, uint64_t val, unsigned phys_bits)
{
	uint64_t above = phys_bits >= 64 ? 0 : ~0ull << phys_bits;
	if (val & above)
		return false;
	if ((i - VMTRR_VAR0) & 1) /* PHYSMASKn */
		return !(val & MASK_RSVD);
	return !(val & BASE_RSVD) && type_ok(val & 0xFF);
}

static bool value_ok(unsigned i, uint64_t val, unsigned phys_bits)
{
	if (i == VMTRR_DEF)
		return !(val & DEF_RSVD) && type_ok(val & 0xFF);
	if (i < VMTRR_VAR0)
		return fixed_ok(val);
	return var_ok(i, val, phys_bits);
}

bool vmtrr_write(struct vmtrr *m, uint32_t msr, uint64_t val,
		 unsigned phys_bits)
{
	int i = index_of(msr); /* MTRRCAP is read-only: -1 */
	if (i < 0 || !value_ok((unsigned)i, val, phys_bits))
		return false;
	m->reg[i] = val;
	return true;
}
