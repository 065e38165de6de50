/* Decoder for the instructions that write a control register: MOV to CRn,
 * CLTS and LMSW (SDM Vol. 2 "MOV—Move to/from Control Registers", "CLTS",
 * "LMSW"; AMD APM Vol. 3 MOV(CRn), CLTS, LMSW). SVM intercepts CR0/CR4
 * writes, but without decode assists (QEMU has none) the exit does not say
 * which GPR held the new value, so the hypervisor fetches the bytes at the
 * guest RIP and asks this module. Pure logic: guest bytes are untrusted,
 * nothing is read at or past `avail`, and everything outside the supported
 * set is refused with a reason. */
#ifndef BH_INSN_CR_H
#define BH_INSN_CR_H

#include "arch/x86_64/lib/insn_decode.h" /* enum insn_mode, INSN_MAX_LEN */

enum cr_insn_op { CR_INSN_MOV_TO, CR_INSN_CLTS, CR_INSN_LMSW };

struct cr_insn {
	uint8_t len; /* whole instruction length, prefixes included */
	uint8_t op;  /* enum cr_insn_op */
	uint8_t cr;  /* control register written: MOV: 0, 2, 3, 4 or 8;
		      * CLTS/LMSW: 0 */
	int8_t reg;  /* source GPR 0-15 (rax,rcx,rdx,rbx,rsp,rbp,rsi,rdi,
		      * r8..r15); -1 for CLTS */
	bool wide;   /* MOV in 64-bit mode: all 64 bits of reg count. Else
		      * the low 32 bits (MOV) or 16 bits (LMSW) count; always
		      * false for CLTS and LMSW */
};

/* Decodes the instruction at bytes[0..avail). Supported: legacy prefixes
 * 66, 67, 26/2E/36/3E/64/65 (any number, ignored); F0 only on 0F 22 (AMD
 * AltMovCr8: LOCK MOV CR0 is MOV CR8); F2/F3 refused; REX in 64-bit mode
 * (only the REX right before 0F counts, as on hardware); 0F 22 /r (mod
 * ignored, CR0/2/3/4/8 only), 0F 06 and 0F 01 /6 with a register operand.
 * Returns 0 and fills *out, or -1 with a static reason in *why (if why is
 * not NULL); *out is zeroed on failure. A refused MOV to a control
 * register that does not exist ("no such control register") is #UD on
 * hardware. */
int insn_decode_cr_write(const uint8_t *bytes, size_t avail,
			 enum insn_mode mode, struct cr_insn *out,
			 const char **why);

#endif
