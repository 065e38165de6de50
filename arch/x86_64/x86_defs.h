/* x86 architectural constants, once: MSR numbers, control-register and
 * EFER bits, RFLAGS bits, exception vectors, local APIC registers. Plain
 * definitions with no code, so the core and the pure parsers may include
 * it too (SDM Vol. 3A 2.5, 4, 6.3.1, 10; Vol. 4 for MSRs). */
#ifndef BH_X86_DEFS_H
#define BH_X86_DEFS_H

/* ---- MSRs (SDM Vol. 4) ------------------------------------------------- */
#define MSR_IA32_TSC		  0x10u
#define MSR_IA32_APIC_BASE	  0x1Bu
#define MSR_IA32_FEATURE_CONTROL  0x3Au
#define MSR_IA32_BIOS_UPDT_TRIG	  0x79u
#define MSR_IA32_BIOS_SIGN_ID	  0x8Bu
#define MSR_IA32_MISC_ENABLE	  0x1A0u
#define MISC_ENABLE_LIMIT_CPUID	  (1ull << 22) /* CPUID leaf 0 says at most 2 */
#define MSR_IA32_PAT		  0x277u
#define MSR_IA32_TSC_DEADLINE	  0x6E0u
#define MSR_IA32_VMX_BASIC	  0x480u
#define MSR_IA32_VMX_PINBASED	  0x481u
#define MSR_IA32_VMX_PROCBASED	  0x482u
#define MSR_IA32_VMX_EXIT	  0x483u
#define MSR_IA32_VMX_ENTRY	  0x484u
#define MSR_IA32_VMX_MISC	  0x485u
#define MSR_IA32_VMX_CR0_FIXED0	  0x486u
#define MSR_IA32_VMX_CR0_FIXED1	  0x487u
#define MSR_IA32_VMX_CR4_FIXED0	  0x488u
#define MSR_IA32_VMX_CR4_FIXED1	  0x489u
#define MSR_IA32_VMX_PROCBASED2	  0x48Bu
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48Cu
#define MSR_IA32_VMX_TRUE_OFFSET  0xCu /* 0x481-0x484 -> 0x48D-0x490 */
#define MSR_X2APIC_FIRST	  0x800u
#define MSR_X2APIC_EOI		  0x80Bu
#define MSR_X2APIC_ICR		  0x830u
#define MSR_X2APIC_LAST		  0x8FFu
#define MSR_IA32_EFER		  0xC0000080u
#define MSR_IA32_LSTAR		  0xC0000082u
#define MSR_IA32_GS_BASE	  0xC0000101u

/* IA32_APIC_BASE (SDM 10.4.4, 10.12.1) */
#define APIC_BASE_BSP	 (1ull << 8)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_DEFAULT_PA	 0xFEE00000ull /* SDM 10.4.1: after reset */

/* CPUID.01H:ECX feature bits used outside the CPUID filter */
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

/* IA32_FEATURE_CONTROL (SDM 23.7) */
#define FEATURE_CONTROL_LOCK	  (1ull << 0)
#define FEATURE_CONTROL_VMX_NOSMX (1ull << 2)

/* ---- control registers, EFER, RFLAGS (SDM 2.5, 2.2.1, 2.3) -------------- */
#define CR0_PE	    (1ull << 0)
#define CR0_TS	    (1ull << 3)
#define CR0_ET	    (1ull << 4)
#define CR0_NE	    (1ull << 5)
#define CR0_NW	    (1ull << 29)
#define CR0_CD	    (1ull << 30)
#define CR0_PG	    (1ull << 31)
#define CR4_PSE	    (1ull << 4)
#define CR4_PAE	    (1ull << 5)
#define CR4_LA57    (1ull << 12)
#define CR4_VMXE    (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE	    (1ull << 22)
#define EFER_SCE    (1ull << 0)
#define EFER_LME    (1ull << 8)
#define EFER_LMA    (1ull << 10)
#define EFER_NXE    (1ull << 11)
#define RFLAGS_TF   (1ull << 8)
#define RFLAGS_IF   (1ull << 9)
#define RFLAGS_RF   (1ull << 16)
#define DR6_BS	    (1ull << 14) /* single step (SDM 17.2.3) */

/* ---- exception vectors (SDM 6.3.1) -------------------------------------- */
enum x86_vector {
	X86_EXC_DB = 1,
	X86_EXC_NMI = 2,
	X86_EXC_UD = 6,
	X86_EXC_GP = 13,
	X86_EXC_MC = 18,
	X86_FIRST_IRQ_VECTOR = 32, /* 0-31 are exceptions */
};

/* Fault-class exceptions (SDM Table 6-1): #DE, #BR, #UD, #NM, #TS, #NP,
 * #SS, #GP, #PF, #MF, #AC, #XM, #VE, #CP. Delivering one pushes RFLAGS
 * with RF set (SDM 17.3.1.1), so that the handler's IRET restarts the
 * instruction without its instruction breakpoint firing again; an
 * injected event does not do that by itself (KVM sets RF likewise). */
#define X86_FAULT_VECTORS 0x3B7CE1u
#define X86_IS_FAULT(v)	  ((v) < 32 && ((X86_FAULT_VECTORS >> (v)) & 1))

/* ---- local APIC (SDM 10.4.1, 10.6.1) ------------------------------------ */
#define XAPIC_EOI	 0x0B0u
#define XAPIC_SVR	 0x0F0u
#define XAPIC_LVT_TIMER	 0x320u
#define SVR_ENABLE	 (1u << 8)
#define LVT_TSC_DEADLINE (2u << 17) /* timer mode, SDM 10.5.4.1 */
#define XAPIC_ICR_LO	 0x300u
#define XAPIC_ICR_HI	 0x310u
#define ICR_BUSY	 (1u << 12)
#define ICR_MODE_NMI	 0x400u
#define ICR_INIT_ASSERT	 0x4500u
#define ICR_STARTUP	 0x4600u

#endif
