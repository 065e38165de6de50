/* Translating SVM exits into the core's neutral exit_info (exit codes:
 * AMD APM Vol. 2 Appendix C), and the few the backend answers itself. */
#include "arch/x86_64/svm/svm.h"
#include "arch/x86_64/svm/svm_policy.h"
#include "arch/x86_64/lib/insn_cr.h"
#include "arch/x86_64/x86.h"
#include "hv/console.h"

#define EFER_SVME	(1ull << 12)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_NXE)

static bool has_nrips(void)
{
	static int nrips = -1;
	if (nrips < 0) {
		struct cpuid_regs r;
		cpuid(0x8000000A, 0, &r);
		nrips = (r.edx & SVM_FEATURE_NRIPS) != 0;
	}
	return nrips;
}

/* Where the exiting instruction ends: the VMCB's next RIP where the CPU
 * saves it (NRIPS, APM 15.7.1), else measured from the bytes at RIP
 * (arch/x86_64/lib/insn_decode.c), so prefixes count. Bytes that cannot
 * be read, or that the guest changed meanwhile, fall back to the length
 * without prefixes. */
static uint64_t next_rip_of(struct vcpu *v, const struct svm_exit_map *m,
			    bool wrmsr)
{
	const struct vmcb *vm = VMCB(v);
	if (has_nrips())
		return vm->control.next_rip;
	static const uint8_t wrmsr_op[] = {0x0F, 0x30};
	const uint8_t *op = wrmsr ? wrmsr_op : m->op;
	uint8_t bytes[INSN_MAX_LEN];
	struct x86_code_view cv;
	enum insn_mode mode;
	const char *why;
	size_t n = x86_fetch_insn(v, &cv, &mode, bytes, &why);
	int len = n ? insn_length_of(bytes, n, mode, op, m->oplen, &why) : -1;
	return vm->save.rip + (len > 0 ? (unsigned)len : m->oplen);
}

/* APM 15.10.2: EXITINFO1 of an IOIO intercept. */
static void decode_io(uint64_t info1, struct exit_info *e)
{
	e->io.in = info1 & 1;
	e->io.string = info1 & (1u << 2);
	e->io.size = info1 & (1u << 4) ? 1 : info1 & (1u << 5) ? 2 : 4;
	e->io.port = (uint16_t)(info1 >> 16);
}

/* APM 15.25.6: EXITINFO1 of a nested page fault is a #PF error code. */
static void decode_npf(const struct vmcb_control *c, struct exit_info *e)
{
	e->mem.gpa = c->exit_info2;
	e->mem.gla = 0;
	e->mem.write = c->exit_info1 & 2;
	e->mem.fetch = c->exit_info1 & 16;
	e->mem.read = !e->mem.write && !e->mem.fetch;
}

/* A CR0 or CR4 write: without decode assists (APM 15.33; QEMU has none)
 * the exit does not name the source register, so the instruction is
 * fetched and decoded (arch/x86_64/lib/insn_cr.c). LMSW and CLTS exit as
 * CR0 writes (APM 15.9). Bytes that no longer decode to a write of the
 * exit's register (the guest changed its code meanwhile) get #UD. */
static void decode_cr(struct vcpu *v, uint64_t code, struct exit_info *e)
{
	uint8_t bytes[INSN_MAX_LEN];
	struct x86_code_view cv;
	enum insn_mode mode;
	const char *why;
	struct cr_insn in;
	size_t n = x86_fetch_insn(v, &cv, &mode, bytes, &why);
	if (!n || insn_decode_cr_write(bytes, n, mode, &in, &why) ||
	    in.cr != code - SVM_EXIT_CR_WRITE_BASE) {
		e->kind = EXIT_PRIV_INSN;
		return;
	}
	static const enum cr_op ops[] = {[CR_INSN_MOV_TO] = CR_MOV_TO,
					 [CR_INSN_CLTS] = CR_CLTS,
					 [CR_INSN_LMSW] = CR_LMSW};
	uint64_t val = in.reg >= 0 ? x86_get_gpr(v, (unsigned)in.reg) : 0;
	e->cr.op = ops[in.op];
	e->cr.cr = in.cr;
	e->cr.val = in.wide		    ? val
		    : in.op == CR_INSN_LMSW ? (uint16_t)val
					    : (uint32_t)val;
	SVM(v)->next_rip = cv.rip + in.len;
}

void svm_translate_exit(struct vcpu *v, struct exit_info *e)
{
	struct svm_vcpu *s = SVM(v);
	const struct vmcb_control *c = &s->vmcb->control;
	const struct svm_exit_map *m = svm_policy_exit(c->exit_code);
	*e = (struct exit_info){.kind = m ? (enum exit_kind)m->kind
					  : EXIT_UNHANDLED,
				.raw_reason = (uint32_t)c->exit_code,
				.qual = c->exit_info1};
	svm_reinject_vectoring(v);
	svm_nmi_exit(v);
	/* VMRUN refused the guest state. The APM says -1 in 64 bits; QEMU's
	 * TCG (7.2) stores it as a 32-bit -1. */
	if (c->exit_code == SVM_EXIT_INVALID ||
	    c->exit_code == (uint32_t)SVM_EXIT_INVALID)
		e->kind = EXIT_ENTRY_FAILED;
	s->next_rip = s->vmcb->save.rip;
	if (m && m->oplen)
		s->next_rip = next_rip_of(
		    v, m, m->code == SVM_EXIT_MSR && (c->exit_info1 & 1));
	switch (e->kind) {
	case EXIT_IO:
		decode_io(c->exit_info1, e);
		s->next_rip = c->exit_info2;
		break;
	case EXIT_RDMSR:
		if (c->exit_info1 & 1)
			e->kind = EXIT_WRMSR;
		break;
	case EXIT_MEM_VIOLATION:
		decode_npf(c, e);
		break;
	case EXIT_CR_ACCESS:
		decode_cr(v, c->exit_code, e);
		break;
	default:
		break;
	}
}

/* EFER is the guest's except SVME, which VMRUN needs set and the guest
 * must not see or clear: reads hide it, writes keep it. Bits a guest may
 * not set raise #GP as on hardware. */
static bool efer_access(struct vcpu *v, const struct exit_info *e)
{
	struct vmcb_save *g = &VMCB(v)->save;
	if ((uint32_t)v->regs.rcx != MSR_IA32_EFER)
		return false;
	if (e->kind == EXIT_RDMSR) {
		uint64_t val = g->efer & ~EFER_SVME;
		v->regs.rax = (uint32_t)val;
		v->regs.rdx = val >> 32;
	} else {
		uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
		if (val & ~(EFER_GUEST_BITS | EFER_LMA)) {
			svm_inject_exception(v, X86_EXC_GP, true, 0);
			return true;
		}
		g->efer =
		    (val & EFER_GUEST_BITS) | (g->efer & EFER_LMA) | EFER_SVME;
	}
	svm_vcpu_skip(v);
	return true;
}

bool svm_own_exit(struct vcpu *v, const struct exit_info *e)
{
	if (e->kind == EXIT_RDMSR || e->kind == EXIT_WRMSR)
		return efer_access(v, e);
	return false;
}

void svm_vcpu_dump(struct vcpu *v, const struct exit_info *e)
{
	const struct vmcb *vm = VMCB(v);
	const struct vmcb_save *g = &vm->save;
	hv_log("vCPU %u of %s: exit code 0x%x info1 0x%lx info2 0x%lx",
	       v->index, v->part->name, e->raw_reason,
	       (unsigned long)vm->control.exit_info1,
	       (unsigned long)vm->control.exit_info2);
	hv_log("  rip %lx rsp %lx rflags %lx cr0 %lx cr3 %lx cr4 %lx efer %lx",
	       (unsigned long)g->rip, (unsigned long)g->rsp,
	       (unsigned long)g->rflags, (unsigned long)g->cr0,
	       (unsigned long)g->cr3, (unsigned long)g->cr4,
	       (unsigned long)g->efer);
	hv_log("  cs %x base %lx attr %x event-inj %lx exit-int-info %lx",
	       g->cs.selector, (unsigned long)g->cs.base, g->cs.attrib,
	       (unsigned long)vm->control.event_inj,
	       (unsigned long)vm->control.exit_int_info);
	hv_log("  rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx",
	       (unsigned long)v->regs.rax, (unsigned long)v->regs.rbx,
	       (unsigned long)v->regs.rcx, (unsigned long)v->regs.rdx,
	       (unsigned long)v->regs.rsi, (unsigned long)v->regs.rdi);
}
