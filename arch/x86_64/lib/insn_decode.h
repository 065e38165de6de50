/* Decoder for the few x86 instructions a guest uses to touch MMIO (SDM
 * Vol. 2 ch. 2: prefixes, REX, ModRM/SIB, displacement, immediate). The
 * hypervisor traps an MMIO page through EPT, fetches the bytes at the
 * guest RIP and asks this module what the access was. Pure logic: guest
 * bytes are untrusted, nothing is read at or past `avail`, and every
 * instruction outside the supported set is refused with a reason. */
#ifndef BH_INSN_DECODE_H
#define BH_INSN_DECODE_H

#include "hv/lib/lib.h"

#define INSN_MAX_LEN 15 /* architectural limit, SDM Vol. 2 2.3.11 */

/* Code-segment default size: 16/32-bit protected (or real) mode, or
 * 64-bit mode (CS.L=1 in IA-32e mode). */
enum insn_mode { INSN_MODE16, INSN_MODE32, INSN_MODE64 };

/* Bounded reader over untrusted guest bytes, shared by the decoders
 * (insn_decode.c, insn_cr.c): never reads at or past `avail`, nor past the
 * 15-byte limit; on failure `err` says which. */
struct insn_cursor {
	const uint8_t *bytes;
	size_t avail;
	size_t pos;
	const char *err;
};

static inline bool insn_fetch(struct insn_cursor *c, uint8_t *b)
{
	if (c->pos >= INSN_MAX_LEN) {
		c->err = "instruction longer than 15 bytes";
		return false;
	}
	if (c->pos >= c->avail) {
		c->err = "instruction truncated";
		return false;
	}
	*b = c->bytes[c->pos++];
	return true;
}

/* The prefixes before an opcode (SDM Vol. 2 2.1.1, 2.2.1). 40-4F are REX
 * only in 64-bit mode (elsewhere INC/DEC, an opcode); a REX is honoured
 * only right before the opcode: any prefix after it cancels it. */
#define INSN_PFX_OPSZ 0x1u /* 66 */
#define INSN_PFX_ADSZ 0x2u /* 67 */
#define INSN_PFX_LOCK 0x4u /* F0 */
#define INSN_PFX_REP  0x8u /* F2 or F3 */
struct insn_prefixes {
	unsigned seen; /* INSN_PFX_*; segment overrides are skipped */
	uint8_t rex;   /* 0: none in effect */
};

/* Consumes the prefixes at the cursor and fetches the byte after them
 * (the opcode's first) into *op. false (with c->err) if the bytes end or
 * reach 15 first. Each decoder decides which prefixes it refuses. */
bool insn_prefixes(struct insn_cursor *c, enum insn_mode mode,
		   struct insn_prefixes *p, uint8_t *op);

/* The length of an instruction already known to be `opcode` (1 to 3
 * bytes, e.g. 0F A2 for CPUID) with whatever prefixes precede it: for a
 * hypervisor told which instruction exited but not where the next one
 * starts (SVM without next-RIP save). -1 with a reason in *why if the
 * bytes are not that instruction (the guest changed them meanwhile). */
int insn_length_of(const uint8_t *bytes, size_t avail, enum insn_mode mode,
		   const uint8_t *opcode, size_t oplen, const char **why);

/* Load-extension kinds for mmio_insn.ext. */
#define INSN_EXT_NONE 0 /* plain mov: x86 register-write rules */
#define INSN_EXT_ZERO 1 /* movzx */
#define INSN_EXT_SIGN 2 /* movsx */

struct mmio_insn {
	uint8_t len;	   /* total instruction length in bytes (<= 15) */
	bool write;	   /* true: guest stores to memory */
	bool xchg;	   /* xchg r/m, r: store reg AND load the old memory
			    * value into reg (write is also true) */
	uint8_t size;	   /* access size in bytes: 1, 2, 4 or 8 */
	int8_t reg;	   /* GPR 0-15 (rax,rcx,rdx,rbx,rsp,rbp,rsi,rdi,
			    * r8..r15) of the register operand, -1 when the
			    * stored value is an immediate */
	bool high_byte;	   /* reg means AH/CH/DH/BH (8-bit reg 4-7, no REX) */
	uint64_t imm;	   /* immediate of C6/C7 stores (sign-extended to 64
			    * bits for C7 with an 8-byte size) */
	uint8_t ext;	   /* INSN_EXT_*: how a load lands in the register */
	uint8_t dest_size; /* register operand size: equals size except for
			    * movzx/movsx, where it is 2, 4 or 8 */
};

/* Decodes the instruction at bytes[0..avail). Supported: legacy prefixes
 * 66, 67, 26/2E/36/3E/64/65 (F0, F2, F3 are refused); REX in 64-bit mode
 * (only the REX right before the opcode counts, as on hardware); opcodes
 * 88, 89, 8A, 8B, C6 /0, C7 /0, 0F B6, 0F B7, 0F BE, 0F BF, 86, 87 and
 * A0-A3 (mov AL/eAX <-> moffs). The ModRM operand must be memory.
 * Returns 0 and fills *out, or -1 with a static reason in *why (if why is
 * not NULL); *out is zeroed on failure. */
int insn_decode_mmio(const uint8_t *bytes, size_t avail, enum insn_mode mode,
		     struct mmio_insn *out, const char **why);

/* Returns the register's new 64-bit value after a load of mem_val (only
 * the low `size` bytes are used): a 4-byte destination zero-extends to 64
 * bits, 1- and 2-byte destinations merge into old_reg (AH..BH land in
 * bits 15:8), movzx/movsx extend to dest_size first. */
uint64_t insn_apply_load(const struct mmio_insn *in, uint64_t old_reg,
			 uint64_t mem_val);

/* Returns the value a store writes (in the low `size` bytes, the rest
 * zero): the immediate when reg is -1, else taken from reg_val (bits 15:8
 * for AH..BH). */
uint64_t insn_store_value(const struct mmio_insn *in, uint64_t reg_val);

#endif
