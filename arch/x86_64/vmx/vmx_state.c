/* A vCPU's whole state for snapshots: the VMCS guest-state area (SDM Vol.
 * 3C 24.4), the CR0/CR4 read shadows the guest sees, the VM-entry event
 * fields (an event being injected, SDM 24.8.3) and the PDPTEs VM entry
 * loads with EPT and PAE paging (SDM 27.3.2.4); plus what VMX does not
 * switch (arch/x86_64/cpu_state.c). Left out on purpose: the VMCS link
 * pointer and the VMX-preemption timer (the hypervisor's, reprogrammed
 * before every entry), and fields of features the backend does not
 * enable (SMBASE, PERF_GLOBAL_CTRL, BNDCFGS, guest interrupt status). */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/x86_defs.h"

static const uint32_t state_fields[] = {
    /* 16-bit: ES, CS, SS, DS, FS, GS, LDTR, TR selectors */
    0x0800,
    0x0802,
    0x0804,
    0x0806,
    0x0808,
    0x080A,
    0x080C,
    0x080E,
    /* 64-bit: DEBUGCTL, PAT, EFER, PDPTE0-3 */
    0x2802,
    0x2804,
    0x2806,
    0x280A,
    0x280C,
    0x280E,
    0x2810,
    /* 32-bit: limits ES..IDTR, access rights ES..TR, interruptibility,
     * activity state, SYSENTER_CS */
    0x4800,
    0x4802,
    0x4804,
    0x4806,
    0x4808,
    0x480A,
    0x480C,
    0x480E,
    0x4810,
    0x4812,
    0x4814,
    0x4816,
    0x4818,
    0x481A,
    0x481C,
    0x481E,
    0x4820,
    0x4822,
    0x4824,
    0x4826,
    0x482A,
    /* natural: CR0, CR3, CR4, bases ES..IDTR, DR7, RSP, RIP, RFLAGS,
     * pending debug exceptions, SYSENTER_ESP/EIP */
    0x6800,
    0x6802,
    0x6804,
    0x6806,
    0x6808,
    0x680A,
    0x680C,
    0x680E,
    0x6810,
    0x6812,
    0x6814,
    0x6816,
    0x6818,
    0x681A,
    0x681C,
    0x681E,
    0x6820,
    0x6822,
    0x6824,
    0x6826,
    /* CR0/CR4 read shadows; VM-entry interruption info, error code,
     * instruction length */
    0x6004,
    0x6006,
    0x4016,
    0x4018,
    0x401A,
};

_Static_assert(BH_ARRAY_SIZE(state_fields) <= VMX_STATE_FIELDS,
	       "room for every field");

int vmx_vcpu_save(struct vcpu *v, struct arch_vcpu_state *out)
{
	(void)v; /* its VMCS is the current one on this CPU */
	for (unsigned i = 0; i < BH_ARRAY_SIZE(state_fields); i++)
		out->vmcs[i] = vmread_raw(state_fields[i]);
	return x86_cpu_state_save(&out->cpu, X86_LIVE_VMX);
}

/* The guest's RAM, its page tables with it, changed under the vCPU: drop
 * the translations cached under its VPID (SDM Vol. 3C 28.3.3.3; INVVPID
 * single-context, type 1, or all-context, type 2, per
 * IA32_VMX_EPT_VPID_CAP bits 41/42). The EPT did not change. */
static void flush_vpid(void)
{
	struct {
		uint64_t vpid, linear;
	} desc = {vmread16(VPID), 0};
	uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	uint64_t type = cap & (1ull << 41) ? 1 : 2;
	__asm__ volatile("invvpid %0, %1" ::"m"(desc), "r"(type)
			 : "cc", "memory");
}

int vmx_vcpu_load(struct vcpu *v, const struct arch_vcpu_state *in)
{
	(void)v;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(state_fields); i++)
		vmwrite_raw(state_fields[i], in->vmcs[i]);
	x86_cpu_state_load(&in->cpu, X86_LIVE_VMX);
	flush_vpid();
	return 0;
}

size_t vmx_vcpu_state_size(void)
{
	return sizeof(struct arch_vcpu_state);
}
