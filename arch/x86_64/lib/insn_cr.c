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
	uint8_t op;

	memset(out, 0, sizeof(*out));
	if (mode != INSN_MODE16 && mode != INSN_MODE32 && mode != INSN_MODE64)
		return fail(out, why, "invalid decode mode");

	/* Segment overrides, 66 and 67 change nothing here: MOV CR has a
	 * fixed operand size, LMSW is always 16 bits, and no memory operand
	 * is decoded. LOCK is judged once the opcode is known (AltMovCr8). */
	struct insn_prefixes pfx;
	if (!insn_prefixes(&c, mode, &pfx, &op))
		return fail(out, why, c.err);
	if (pfx.seen & INSN_PFX_REP)
		return fail(out, why, "REP/REPNE prefix not supported");
	bool lock = pfx.seen & INSN_PFX_LOCK;
	uint8_t rex = pfx.rex, modrm;
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
