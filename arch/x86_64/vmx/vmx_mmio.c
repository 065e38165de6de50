/* Emulating one guest instruction that touched trapped MMIO: fetch it
 * through the guest's page tables, decode it, perform the access through
 * the device callback and advance RIP (SDM Vol. 3C 28.2.3: EPT violations
 * give the address, not the data or the register). */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/lib/guest_walk.h"
#include "arch/x86_64/lib/insn_decode.h"
#include "arch/x86_64/x86.h"

#define AR_L	 (1u << 13) /* CS.L: 64-bit code */
#define AR_DB	 (1u << 14) /* CS.D: 32-bit default operand size */
#define MAX_INSN 15

static int read_guest(void *ctx, uint64_t gpa, uint64_t *val)
{
	const struct partition *p = ctx;
	if (gpa >= p->ram_size || p->ram_size - gpa < 8)
		return -1;
	memcpy(val, (const void *)(p->ram_hpa + gpa), 8);
	return 0;
}

static enum insn_mode insn_mode(void)
{
	uint32_t ar = vmread32(GUEST_CS_AR);
	if ((vmread64(GUEST_IA32_EFER) & EFER_LMA) && (ar & AR_L))
		return INSN_MODE64;
	if (!(vmreadn(GUEST_CR0) & CR0_PE))
		return INSN_MODE16;
	return (ar & AR_DB) ? INSN_MODE32 : INSN_MODE16;
}

/* Copies up to MAX_INSN bytes at the guest's CS:RIP; page by page, since
 * an instruction may straddle two pages. Returns the bytes available. */
static size_t fetch(struct vcpu *v, enum insn_mode mode, uint8_t *buf,
		    const char **why)
{
	struct partition *p = v->part;
	struct guest_paging pg = {vmreadn(GUEST_CR0), vmreadn(GUEST_CR3),
				  vmreadn(GUEST_CR4),
				  vmread64(GUEST_IA32_EFER)};
	uint64_t lin = vmreadn(GUEST_RIP);
	if (mode != INSN_MODE64)
		lin = (uint32_t)(lin + vmreadn(GUEST_CS_BASE));
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

int arch_emulate_mmio(struct vcpu *v, uint64_t gpa, mmio_rw_fn *rw,
		      const char **why)
{
	uint8_t bytes[MAX_INSN];
	enum insn_mode mode = insn_mode();
	*why = "cannot fetch the instruction";
	size_t n = fetch(v, mode, bytes, why);
	struct mmio_insn in;
	if (n == 0 || insn_decode_mmio(bytes, n, mode, &in, why))
		return -1;
	uint64_t val = 0;
	if (in.write || in.xchg) {
		uint64_t src = in.reg < 0 ? in.imm : vmx_get_gpr(v, in.reg);
		val = in.reg < 0 ? in.imm : insn_store_value(&in, src);
		if (in.xchg) {
			uint64_t old;
			if (rw(v, gpa, in.size, false, &old))
				goto fault;
			if (rw(v, gpa, in.size, true, &val))
				goto fault;
			vmx_set_gpr(
			    v, in.reg,
			    insn_apply_load(&in, vmx_get_gpr(v, in.reg), old));
		} else if (rw(v, gpa, in.size, true, &val)) {
			goto fault;
		}
	} else {
		if (rw(v, gpa, in.size, false, &val))
			goto fault;
		vmx_set_gpr(v, in.reg,
			    insn_apply_load(&in, vmx_get_gpr(v, in.reg), val));
	}
	vmwriten(GUEST_RIP, vmreadn(GUEST_RIP) + in.len);
	return 0;
fault:
	*why = "device refused the access";
	return -1;
}
