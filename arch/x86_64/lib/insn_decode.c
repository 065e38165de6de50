/* MMIO instruction decoder; see insn_decode.h. References are to the SDM
 * Vol. 2: 2.1 (format), 2.1.5 (ModRM/SIB tables), 2.2.1 (REX), 2.3.11
 * (15-byte limit) and the MOV/MOVZX/MOVSX/XCHG opcode pages. */
#include "arch/x86_64/lib/insn_decode.h"

#define REX_W 0x08
#define REX_R 0x04

/* Little-endian value of n (<= 8) bytes. */
static bool fetch_le(struct insn_cursor *c, unsigned n, uint64_t *val)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t b;
		if (!insn_fetch(c, &b))
			return false;
		v |= (uint64_t)b << (8 * i);
	}
	*val = v;
	return true;
}

static int fail(struct mmio_insn *out, const char **why, const char *reason)
{
	memset(out, 0, sizeof(*out));
	if (why)
		*why = reason;
	return -1;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	if (size >= 8)
		return v;
	unsigned shift = 64 - 8 * size;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* One legacy prefix: its INSN_PFX_* bit (0 for a segment override), or
 * -1 if b is none. */
static int legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x66:
		return INSN_PFX_OPSZ;
	case 0x67:
		return INSN_PFX_ADSZ;
	case 0xF0:
		return INSN_PFX_LOCK;
	case 0xF2:
	case 0xF3:
		return INSN_PFX_REP;
	case 0x26: /* ES, CS, SS, DS, FS, GS */
	case 0x2E:
	case 0x36:
	case 0x3E:
	case 0x64:
	case 0x65:
		return 0;
	default:
		return -1;
	}
}

bool insn_prefixes(struct insn_cursor *c, enum insn_mode mode,
		   struct insn_prefixes *p, uint8_t *op)
{
	p->seen = 0;
	p->rex = 0;
	for (;;) {
		if (!insn_fetch(c, op))
			return false;
		if (mode == INSN_MODE64 && (*op & 0xF0) == 0x40) {
			p->rex = *op;
			continue;
		}
		int bit = legacy_prefix(*op);
		if (bit < 0)
			return true;
		p->seen |= (unsigned)bit;
		p->rex = 0;
	}
}

int insn_length_of(const uint8_t *bytes, size_t avail, enum insn_mode mode,
		   const uint8_t *opcode, size_t oplen, const char **why)
{
	struct insn_cursor c = {.bytes = bytes, .avail = bytes ? avail : 0};
	struct insn_prefixes p;
	uint8_t op;
	const char *reason = "not the instruction that exited";
	if (!opcode || oplen == 0 || oplen > 3)
		reason = "invalid opcode";
	else if (!insn_prefixes(&c, mode, &p, &op))
		reason = c.err;
	else {
		size_t i = 0;
		while (op == opcode[i] && ++i < oplen && insn_fetch(&c, &op))
			;
		if (i == oplen)
			return (int)c.pos;
		if (c.err)
			reason = c.err;
	}
	if (why)
		*why = reason;
	return -1;
}

/* Skips ModRM's SIB and displacement (SDM Vol. 2 tables 2-1..2-3). The
 * ModRM byte itself has been consumed. */
static bool skip_modrm_tail(struct insn_cursor *c, uint8_t modrm, unsigned asz)
{
	unsigned mod = modrm >> 6, rm = modrm & 7, disp = 0;
	uint64_t ignored;

	if (asz == 2) {
		/* 16-bit forms: no SIB; mod 0 rm 6 is a bare disp16. */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
	} else {
		/* 32/64-bit forms; REX.B/X never change the length. */
		if (rm == 4) {
			uint8_t sib;
			if (!insn_fetch(c, &sib))
				return false;
			if (mod == 0 && (sib & 7) == 5)
				disp = 4; /* no base, disp32 */
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			disp = 4; /* mod 0 rm 5: disp32 or RIP+disp32 */
	}
	return fetch_le(c, disp, &ignored);
}

enum op_kind { OP_LOAD, OP_STORE, OP_STORE_IMM, OP_XCHG };

int insn_decode_mmio(const uint8_t *bytes, size_t avail, enum insn_mode mode,
		     struct mmio_insn *out, const char **why)
{
	struct insn_cursor c = {.bytes = bytes, .avail = bytes ? avail : 0};
	uint8_t op;

	memset(out, 0, sizeof(*out));
	if (mode != INSN_MODE16 && mode != INSN_MODE32 && mode != INSN_MODE64)
		return fail(out, why, "invalid decode mode");

	struct insn_prefixes pfx;
	if (!insn_prefixes(&c, mode, &pfx, &op))
		return fail(out, why, c.err);
	if (pfx.seen & INSN_PFX_LOCK)
		return fail(out, why, "LOCK prefix not supported");
	if (pfx.seen & INSN_PFX_REP)
		return fail(out, why, "REP/REPNE prefix not supported");
	bool opsz = pfx.seen & INSN_PFX_OPSZ, adsz = pfx.seen & INSN_PFX_ADSZ;
	uint8_t rex = pfx.rex;

	unsigned osz, asz;
	if (mode == INSN_MODE16)
		osz = opsz ? 4 : 2;
	else
		osz = opsz ? 2 : 4;
	if (rex & REX_W)
		osz = 8; /* REX.W wins over 66 */
	if (mode == INSN_MODE64)
		asz = adsz ? 4 : 8;
	else if (mode == INSN_MODE32)
		asz = adsz ? 2 : 4;
	else
		asz = adsz ? 4 : 2;

	enum op_kind kind;
	unsigned size, dest = 0, ext = INSN_EXT_NONE;
	bool byte_reg = false; /* the register operand is 8-bit */

	switch (op) {
	case 0x88:
	case 0x89:
		kind = OP_STORE;
		size = op == 0x88 ? 1 : osz;
		byte_reg = op == 0x88;
		break;
	case 0x8A:
	case 0x8B:
		kind = OP_LOAD;
		size = op == 0x8A ? 1 : osz;
		byte_reg = op == 0x8A;
		break;
	case 0x86:
	case 0x87:
		kind = OP_XCHG;
		size = op == 0x86 ? 1 : osz;
		byte_reg = op == 0x86;
		break;
	case 0xC6:
	case 0xC7:
		kind = OP_STORE_IMM;
		size = op == 0xC6 ? 1 : osz;
		break;
	case 0xA0:
	case 0xA1:
	case 0xA2:
	case 0xA3: {
		/* mov AL/eAX <-> moffs: no ModRM, the offset is
		 * address-size wide (8 bytes in 64-bit mode without 67). */
		uint64_t ignored;
		if (!fetch_le(&c, asz, &ignored))
			return fail(out, why, c.err);
		out->len = (uint8_t)c.pos;
		out->write = op >= 0xA2;
		out->size = (uint8_t)((op & 1) ? osz : 1);
		out->dest_size = out->size;
		out->reg = 0;
		return 0;
	}
	case 0x0F:
		if (!insn_fetch(&c, &op))
			return fail(out, why, c.err);
		switch (op) {
		case 0xB6:
		case 0xB7:
		case 0xBE:
		case 0xBF:
			kind = OP_LOAD;
			size = (op & 1) ? 2 : 1;
			dest = osz;
			ext = op < 0xBE ? INSN_EXT_ZERO : INSN_EXT_SIGN;
			break;
		default:
			return fail(out, why, "unsupported opcode");
		}
		break;
	default:
		return fail(out, why, "unsupported opcode");
	}

	uint8_t modrm;
	if (!insn_fetch(&c, &modrm))
		return fail(out, why, c.err);
	if ((modrm >> 6) == 3)
		return fail(out, why, "ModRM names a register, not memory");
	unsigned regf = (modrm >> 3) & 7;
	if (kind == OP_STORE_IMM && regf != 0)
		return fail(out, why, "unsupported opcode extension");
	if (!skip_modrm_tail(&c, modrm, asz))
		return fail(out, why, c.err);

	if (kind == OP_STORE_IMM) {
		unsigned isz = size == 8 ? 4 : size; /* C7: imm16/imm32 */
		uint64_t imm;
		if (!fetch_le(&c, isz, &imm))
			return fail(out, why, c.err);
		out->imm = size == 8 ? sign_extend(imm, 4) : imm;
		out->reg = -1;
	} else {
		out->reg = (int8_t)(regf | ((rex & REX_R) ? 8 : 0));
		out->high_byte = byte_reg && !rex && regf >= 4;
	}

	out->len = (uint8_t)c.pos;
	out->write = kind != OP_LOAD;
	out->xchg = kind == OP_XCHG;
	out->size = (uint8_t)size;
	out->ext = (uint8_t)ext;
	out->dest_size = (uint8_t)(dest ? dest : size);
	return 0;
}

uint64_t insn_apply_load(const struct mmio_insn *in, uint64_t old_reg,
			 uint64_t mem_val)
{
	uint64_t v = mem_val & size_mask(in->size);
	unsigned dest = in->size;

	if (in->ext == INSN_EXT_ZERO || in->ext == INSN_EXT_SIGN) {
		if (in->ext == INSN_EXT_SIGN)
			v = sign_extend(v, in->size);
		dest = in->dest_size;
	}
	switch (dest) {
	case 8:
		return v;
	case 4:
		return v & 0xFFFFFFFFull; /* 32-bit writes zero bits 63:32 */
	case 2:
		return (old_reg & ~0xFFFFull) | (v & 0xFFFF);
	default:
		if (in->high_byte)
			return (old_reg & ~0xFF00ull) | ((v & 0xFF) << 8);
		return (old_reg & ~0xFFull) | (v & 0xFF);
	}
}

uint64_t insn_store_value(const struct mmio_insn *in, uint64_t reg_val)
{
	uint64_t mask = size_mask(in->size);

	if (in->reg < 0)
		return in->imm & mask;
	if (in->high_byte)
		return (reg_val >> 8) & 0xFF;
	return reg_val & mask;
}
