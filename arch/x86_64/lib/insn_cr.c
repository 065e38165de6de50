/* Control-register write decoder; see insn_cr.h. References are to the
 * SDM Vol. 2: 2.1 (format), 2.2.1 (REX), 2.3.11 (15-byte limit) and the
 * MOV (control registers), CLTS and LMSW pages; and to the AMD APM Vol. 3
 * 1.2.5 (LOCK) and MOV(CRn). */
#include "arch/x86_64/lib/insn_cr.h"

#define REX_R 0x04
#define REX_B 0x01

#define R_NOT_CR "not a control-register write"
#define R_LOCK	 "LOCK prefix on an instruction other than MOV to CR"

static int fail(struct cr_insn *out, const char **why, const char *reason)
{
	memset(out, 0, sizeof(*out));
	if (why)
		*why = reason;
	return -1;
}

/* Legacy prefixes that may precede 0F. Returns 1 for an accepted prefix,
 * 0 if b is not a prefix, -1 (with *why) for a refused one. */
static int legacy_prefix(uint8_t b, bool *lock, const char **why)
{
	switch (b) {
	case 0x66: /* MOV CR ignores the operand size (fixed 32/64 bits) */
	case 0x67: /* and LMSW is always 16 bits; no memory operand is */
	case 0x26: /* decoded, so address size and segment overrides */
	case 0x2E: /* change nothing */
	case 0x36:
	case 0x3E:
	case 0x64:
	case 0x65:
		return 1;
	case 0xF0:
		/* Only meaningful on MOV CR (AltMovCr8); judged once the
		 * opcode is known. */
		*lock = true;
		return 1;
	case 0xF2:
	case 0xF3:
		*why = "REP/REPNE prefix not supported";
		return -1;
	default:
		return 0;
	}
}

/* CR0, CR2, CR3, CR4 and CR8 exist; MOV to any other (CR1, CR5-CR7,
 * CR9-CR15) is #UD (SDM MOV CR "Exceptions"). */
static bool cr_exists(unsigned cr)
{
	return cr == 0 || cr == 2 || cr == 3 || cr == 4 || cr == 8;
}

int insn_decode_cr_write(const uint8_t *bytes, size_t avail,
			 enum insn_mode mode, struct cr_insn *out,
			 const char **why)
{
	struct insn_cursor c = {.bytes = bytes, .avail = bytes ? avail : 0};
	const char *reason = NULL;
	bool lock = false;
	uint8_t rex = 0, op, modrm;

	memset(out, 0, sizeof(*out));
	if (mode != INSN_MODE16 && mode != INSN_MODE32 && mode != INSN_MODE64)
		return fail(out, why, "invalid decode mode");

	/* Prefixes. 40-4F are REX only in 64-bit mode (elsewhere INC/DEC,
	 * which is no prefix and so no CR write). A REX is only honoured
	 * right before 0F: a prefix after it cancels it (SDM 2.2.1). */
	for (;;) {
		if (!insn_fetch(&c, &op))
			return fail(out, why, c.err);
		if (mode == INSN_MODE64 && (op & 0xF0) == 0x40) {
			rex = op;
			continue;
		}
		int p = legacy_prefix(op, &lock, &reason);
		if (p < 0)
			return fail(out, why, reason);
		if (p == 0)
			break;
		rex = 0;
	}
	if (op != 0x0F)
		return fail(out, why, R_NOT_CR);
	if (!insn_fetch(&c, &op))
		return fail(out, why, c.err);

	switch (op) {
	case 0x22: {
		/* MOV CRn, r: "the 2 bits in the mod field are ignored",
		 * the operand is always a register, so there is never a
		 * SIB or displacement. */
		if (!insn_fetch(&c, &modrm))
			return fail(out, why, c.err);
		unsigned cr = ((modrm >> 3) & 7) | ((rex & REX_R) ? 8 : 0);
		/* AMD AltMovCr8: LOCK supplies the CR number's bit 3 in
		 * any mode (APM Vol. 3 MOV(CRn)); LOCK MOV CR0 is CR8. */
		if (lock)
			cr |= 8;
		if (!cr_exists(cr))
			return fail(out, why, "no such control register");
		out->op = CR_INSN_MOV_TO;
		out->cr = (uint8_t)cr;
		out->reg = (int8_t)((modrm & 7) | ((rex & REX_B) ? 8 : 0));
		/* 64 bits in 64-bit mode whatever REX.W or 66 say, else
		 * 32 bits (also in real mode). */
		out->wide = mode == INSN_MODE64;
		break;
	}
	case 0x06:
		/* CLTS: no operand; clears CR0.TS. */
		if (lock)
			return fail(out, why, R_LOCK);
		out->op = CR_INSN_CLTS;
		out->reg = -1;
		break;
	case 0x01:
		/* Group 7: /6 is LMSW r/m16, the only CR write in it (the
		 * mod 3 rows of the other /digits are other instructions). */
		if (!insn_fetch(&c, &modrm))
			return fail(out, why, c.err);
		if (((modrm >> 3) & 7) != 6)
			return fail(out, why, R_NOT_CR);
		if (lock)
			return fail(out, why, R_LOCK);
		if ((modrm >> 6) != 3)
			return fail(out, why,
				    "LMSW from memory is not emulated");
		out->op = CR_INSN_LMSW;
		out->reg = (int8_t)((modrm & 7) | ((rex & REX_B) ? 8 : 0));
		break;
	default:
		return fail(out, why, R_NOT_CR);
	}
	out->len = (uint8_t)c.pos;
	return 0;
}
