/* Emulating one guest instruction that touched trapped MMIO, for any
 * vendor: fetch it through the guest's page tables, decode it, perform the
 * access through the device callback and advance RIP (SDM Vol. 3C 28.2.3:
 * EPT violations give the address, not the data or the register; NPT
 * faults are the same). The vendor backend only tells the code segment
 * and paging state (vendor_code_view). */
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/lib/guest_walk.h"
#include "arch/x86_64/lib/insn_decode.h"
#include "arch/x86_64/x86.h"

#define MAX_INSN 15

static int read_guest(void *ctx, uint64_t gpa, uint64_t *val)
{
	const struct partition *p = ctx;
	if (gpa >= p->ram_size || p->ram_size - gpa < 8)
		return -1;
	memcpy(val, (const void *)(p->ram_hpa + gpa), 8);
	return 0;
}

static enum insn_mode insn_mode(const struct x86_code_view *cv)
{
	if ((cv->efer & EFER_LMA) && cv->cs_long)
		return INSN_MODE64;
	if (!(cv->cr0 & CR0_PE))
		return INSN_MODE16;
	return cv->cs_32 ? INSN_MODE32 : INSN_MODE16;
}

/* SDM Table 27-3 register numbering; RSP (4) is the vendor's. */
static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	uint64_t *const map[16] = {
	    &v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx,
	    NULL,	  &v->regs.rbp, &v->regs.rsi, &v->regs.rdi,
	    &v->regs.r8,  &v->regs.r9,	&v->regs.r10, &v->regs.r11,
	    &v->regs.r12, &v->regs.r13, &v->regs.r14, &v->regs.r15,
	};
	return map[n & 15];
}

uint64_t x86_get_gpr(struct vcpu *v, unsigned n)
{
	return (n & 15) == 4 ? vendor_get_rsp(v) : *gpr(v, n);
}

void x86_set_gpr(struct vcpu *v, unsigned n, uint64_t val)
{
	if ((n & 15) == 4)
		vendor_set_rsp(v, val);
	else
		*gpr(v, n) = val;
}

/* Copies up to MAX_INSN bytes at the guest's CS:RIP; page by page, since
 * an instruction may straddle two pages. Returns the bytes available. */
static size_t fetch(struct vcpu *v, const struct x86_code_view *cv,
		    enum insn_mode mode, uint8_t *buf, const char **why)
{
	struct partition *p = v->part;
	struct guest_paging pg = {cv->cr0, cv->cr3, cv->cr4, cv->efer};
	uint64_t lin = cv->rip;
	if (mode != INSN_MODE64)
		lin = (uint32_t)(lin + cv->cs_base);
	size_t got = 0;
	while (got < MAX_INSN) {
		uint64_t gpa;
		if (guest_walk(&pg, lin + got, read_guest, p, &gpa, why))
			break;
		size_t chunk = 4096 - ((lin + got) & 4095);
		if (chunk > MAX_INSN - got)
			chunk = MAX_INSN - got;
		if (gpa >= p->ram_size || p->ram_size - gpa < chunk) {
			*why = "instruction outside the partition's RAM";
			break;
		}
		memcpy(buf + got, (const void *)(p->ram_hpa + gpa), chunk);
		got += chunk;
	}
	return got;
}

size_t x86_fetch_insn(struct vcpu *v, struct x86_code_view *cv,
		      enum insn_mode *mode, uint8_t bytes[15], const char **why)
{
	vendor_code_view(v, cv);
	*mode = insn_mode(cv);
	*why = "cannot fetch the instruction";
	return fetch(v, cv, *mode, bytes, why);
}

int arch_emulate_mmio(struct vcpu *v, uint64_t gpa, mmio_rw_fn *rw, void *dev,
		      const char **why)
{
	uint8_t bytes[MAX_INSN];
	struct x86_code_view cv;
	enum insn_mode mode;
	size_t n = x86_fetch_insn(v, &cv, &mode, bytes, why);
	struct mmio_insn in;
	if (n == 0 || insn_decode_mmio(bytes, n, mode, &in, why))
		return -1;
	uint64_t val = 0;
	if (in.write || in.xchg) {
		uint64_t src = in.reg < 0 ? in.imm : x86_get_gpr(v, in.reg);
		val = in.reg < 0 ? in.imm : insn_store_value(&in, src);
		if (in.xchg) {
			uint64_t old;
			if (rw(v, dev, gpa, in.size, false, &old))
				goto fault;
			if (rw(v, dev, gpa, in.size, true, &val))
				goto fault;
			x86_set_gpr(
			    v, in.reg,
			    insn_apply_load(&in, x86_get_gpr(v, in.reg), old));
		} else if (rw(v, dev, gpa, in.size, true, &val)) {
			goto fault;
		}
	} else {
		if (rw(v, dev, gpa, in.size, false, &val))
			goto fault;
		x86_set_gpr(v, in.reg,
			    insn_apply_load(&in, x86_get_gpr(v, in.reg), val));
	}
	vendor_set_rip(v, cv.rip + in.len);
	return 0;
fault:
	*why = "device refused the access";
	return -1;
}
