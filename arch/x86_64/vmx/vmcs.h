/* VMCS field encodings (SDM Vol. 3C Appendix B) and typed accessors.
 * The width is part of the encoding (bits 14:13), and each width has its
 * own accessor so a field cannot be written with the wrong size. */
#ifndef BH_VMCS_H
#define BH_VMCS_H

#include <stdint.h>

enum vmcs_field16 {
	VPID = 0x0000,
	GUEST_ES_SEL = 0x0800,
	GUEST_CS_SEL = 0x0802,
	GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806,
	GUEST_FS_SEL = 0x0808,
	GUEST_GS_SEL = 0x080A,
	GUEST_LDTR_SEL = 0x080C,
	GUEST_TR_SEL = 0x080E,
	GUEST_INTR_STATUS = 0x0810, /* RVI (7:0), SVI (15:8) */
	GUEST_PML_INDEX = 0x0812,
	HOST_ES_SEL = 0x0C00,
	HOST_CS_SEL = 0x0C02,
	HOST_SS_SEL = 0x0C04,
	HOST_DS_SEL = 0x0C06,
	HOST_FS_SEL = 0x0C08,
	HOST_GS_SEL = 0x0C0A,
	HOST_TR_SEL = 0x0C0C,
};

enum vmcs_field64 {
	IO_BITMAP_A = 0x2000,
	IO_BITMAP_B = 0x2002,
	MSR_BITMAP = 0x2004,
	PML_ADDRESS = 0x200E,
	TSC_OFFSET = 0x2010,
	VIRTUAL_APIC_PAGE = 0x2012,
	APIC_ACCESS_ADDR = 0x2014,
	EOI_EXIT_BITMAP0 = 0x201C, /* 1-3 follow, 2 apart */
	EPT_POINTER = 0x201A,
	GUEST_PHYSICAL_ADDRESS = 0x2400,
	VMCS_LINK_POINTER = 0x2800,
	GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804,
	GUEST_IA32_EFER = 0x2806,
	HOST_IA32_PAT = 0x2C00,
	HOST_IA32_EFER = 0x2C02,
};

enum vmcs_field32 {
	PIN_CONTROLS = 0x4000,
	PROC_CONTROLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004,
	CR3_TARGET_COUNT = 0x400A,
	EXIT_CONTROLS = 0x400C,
	EXIT_MSR_STORE_COUNT = 0x400E,
	EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CONTROLS = 0x4012,
	ENTRY_MSR_LOAD_COUNT = 0x4014,
	ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERROR = 0x4018,
	ENTRY_INSN_LEN = 0x401A,
	TPR_THRESHOLD = 0x401C,
	PROC_CONTROLS2 = 0x401E,
	VM_INSN_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	IDT_VECTORING_INFO = 0x4408,
	IDT_VECTORING_ERROR = 0x440A,
	EXIT_INSN_LEN = 0x440C,
	GUEST_ES_LIMIT = 0x4800,
	GUEST_CS_LIMIT = 0x4802,
	GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806,
	GUEST_FS_LIMIT = 0x4808,
	GUEST_GS_LIMIT = 0x480A,
	GUEST_LDTR_LIMIT = 0x480C,
	GUEST_TR_LIMIT = 0x480E,
	GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814,
	GUEST_CS_AR = 0x4816,
	GUEST_SS_AR = 0x4818,
	GUEST_DS_AR = 0x481A,
	GUEST_FS_AR = 0x481C,
	GUEST_GS_AR = 0x481E,
	GUEST_LDTR_AR = 0x4820,
	GUEST_TR_AR = 0x4822,
	GUEST_INTERRUPTIBILITY = 0x4824,
	GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SYSENTER_CS = 0x482A,
	GUEST_PREEMPT_TIMER = 0x482E,
	HOST_SYSENTER_CS = 0x4C00,
};

enum vmcs_fieldn {
	CR0_MASK = 0x6000,
	CR4_MASK = 0x6002,
	CR0_SHADOW = 0x6004,
	CR4_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400,
	GUEST_LINEAR_ADDRESS = 0x640A,
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806,
	GUEST_CS_BASE = 0x6808,
	GUEST_SS_BASE = 0x680A,
	GUEST_DS_BASE = 0x680C,
	GUEST_FS_BASE = 0x680E,
	GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812,
	GUEST_TR_BASE = 0x6814,
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681A,
	GUEST_RSP = 0x681C,
	GUEST_RIP = 0x681E,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6C00,
	HOST_CR3 = 0x6C02,
	HOST_CR4 = 0x6C04,
	HOST_FS_BASE = 0x6C06,
	HOST_GS_BASE = 0x6C08,
	HOST_TR_BASE = 0x6C0A,
	HOST_GDTR_BASE = 0x6C0C,
	HOST_IDTR_BASE = 0x6C0E,
	HOST_SYSENTER_ESP = 0x6C10,
	HOST_SYSENTER_EIP = 0x6C12,
	HOST_RSP = 0x6C14,
	HOST_RIP = 0x6C16,
};

/* VMREAD/VMWRITE report failure in CF/ZF (SDM 30.2). A failure here is a
 * bug in the hypervisor, so it is counted and logged, never ignored. */
void vmcs_error(const char *op, uint32_t field);

/* The failure branch is the asm's own jump (asm goto), so a good access
 * costs one instruction more than the bare VMREAD/VMWRITE: these run
 * several times on every exit. */
static inline uint64_t vmread_raw(uint32_t field)
{
	uint64_t v;
	__asm__ goto("vmread %1, %0; jna %l[fail]"
		     : "=r"(v)
		     : "r"((uint64_t)field)
		     : "cc"
		     : fail);
	return v;
fail:
	vmcs_error("vmread", field);
	return 0;
}

static inline void vmwrite_raw(uint32_t field, uint64_t v)
{
	__asm__ goto("vmwrite %0, %1; jna %l[fail]"
		     :
		     : "r"(v), "r"((uint64_t)field)
		     : "cc", "memory"
		     : fail);
	return;
fail:
	vmcs_error("vmwrite", field);
}

/* vmreadW/vmwriteW for each width W: the enum type checks the field. */
#define VMCS_ACCESSORS(w, type)                                                \
	static inline type vmread##w(enum vmcs_field##w f)                     \
	{                                                                      \
		return (type)vmread_raw(f);                                    \
	}                                                                      \
	static inline void vmwrite##w(enum vmcs_field##w f, type v)            \
	{                                                                      \
		vmwrite_raw(f, v);                                             \
	}
VMCS_ACCESSORS(16, uint16_t)
VMCS_ACCESSORS(32, uint32_t)
VMCS_ACCESSORS(64, uint64_t)
VMCS_ACCESSORS(n, uint64_t)
#undef VMCS_ACCESSORS

#endif
