/* The AMD-V virtual machine control block (APM Vol. 2 Appendix B) and the
 * encodings of the values that go in and come out of it.
 *
 * Unlike the VMCS, the VMCB is ordinary memory with an architectural
 * layout: the hypervisor reads and writes it with plain loads and stores,
 * and VMRUN/#VMEXIT move guest state through it. A field at the wrong
 * offset is therefore not an error the CPU reports but silent corruption,
 * so every member below is placed by explicit reserved padding and the
 * layout is pinned by the assertions at the end of this file and by
 * tests/unit/test_vmcb.c.
 *
 * Offsets in comments are bytes from the start of the structure they are
 * in: the control area from the VMCB's start, the save area from its own
 * start (VMCB offset 0x400), as the APM's tables give them. */
#ifndef BH_VMCB_H
#define BH_VMCB_H

#include "hv/lib/lib.h"

/* ---- Control area (APM Vol. 2 Table B-1, "VMCB Layout, Control Area") -- */
struct vmcb_control {
	uint32_t intercept_cr;	       /* 0x000: see SVM_INTERCEPT_CR_* */
	uint32_t intercept_dr;	       /* 0x004: see SVM_INTERCEPT_DR_* */
	uint32_t intercept_exceptions; /* 0x008: bit n = vector n */
	uint32_t intercept_misc1;      /* 0x00C: word 3 bits below */
	uint32_t intercept_misc2;      /* 0x010: word 4 bits below */
	uint32_t intercept_misc3;      /* 0x014: word 5 bits below */
	uint8_t reserved_018[0x24];    /* 0x018-0x03B */
	uint16_t pause_filter_thresh;  /* 0x03C */
	uint16_t pause_filter_count;   /* 0x03E */
	uint64_t iopm_base_pa;	       /* 0x040 */
	uint64_t msrpm_base_pa;	       /* 0x048 */
	uint64_t tsc_offset;	       /* 0x050 */
	uint32_t asid;		       /* 0x058: 0 is the host's */
	uint8_t tlb_control;	       /* 0x05C: SVM_TLB_CONTROL_* */
	uint8_t reserved_05d[3];       /* 0x05D-0x05F */
	uint64_t int_ctl;	       /* 0x060: SVM_INT_CTL_* */
	uint64_t int_state;	       /* 0x068: SVM_INT_STATE_* */
	uint64_t exit_code;	       /* 0x070: SVM_EXIT_* */
	uint64_t exit_info1;	       /* 0x078 */
	uint64_t exit_info2;	       /* 0x080 */
	uint64_t exit_int_info;	       /* 0x088: SVM_EVTINJ_* format */
	uint64_t misc_ctl;	       /* 0x090: SVM_MISC_CTL_* */
	uint64_t avic_apic_bar;	       /* 0x098 */
	uint64_t ghcb_pa;	       /* 0x0A0: SEV-ES guests only */
	uint64_t event_inj;	       /* 0x0A8: SVM_EVTINJ_* */
	uint64_t n_cr3;		       /* 0x0B0: nested page table root */
	uint64_t virt_ext;	       /* 0x0B8: SVM_VIRT_EXT_* */
	uint32_t clean;		       /* 0x0C0: SVM_CLEAN_* */
	uint32_t reserved_0c4;	       /* 0x0C4 */
	uint64_t next_rip;	       /* 0x0C8: needs NRIPS */
	uint8_t insn_len;	       /* 0x0D0: needs DecodeAssists */
	uint8_t insn_bytes[15];	       /* 0x0D1-0x0DF */
	uint64_t avic_backing_page;    /* 0x0E0 */
	uint8_t reserved_0e8[8];       /* 0x0E8 */
	uint64_t avic_logical_table;   /* 0x0F0 */
	uint64_t avic_physical_table;  /* 0x0F8 */
	uint8_t reserved_100[8];       /* 0x100 */
	uint64_t vmsa_pa;	       /* 0x108: SEV-ES guests only */
	uint8_t reserved_110[0x10];    /* 0x110-0x11F */
	uint16_t bus_lock_counter;     /* 0x120 */
	uint8_t reserved_122[0x2BE];   /* 0x122-0x3DF */
	uint8_t reserved_host[0x20];   /* 0x3E0-0x3FF: for host software */
};

/* ---- State save area (APM Vol. 2 Table B-2, non-SEV-ES layout) ---------
 * A segment as the CPU caches it; attrib packs bits 8-15 and 20-23 of
 * the descriptor's high dword into 12 bits. GDTR and IDTR use only limit
 * and base. */
struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

struct vmcb_save {
	struct vmcb_seg es;	    /* 0x000 */
	struct vmcb_seg cs;	    /* 0x010 */
	struct vmcb_seg ss;	    /* 0x020 */
	struct vmcb_seg ds;	    /* 0x030 */
	struct vmcb_seg fs;	    /* 0x040 */
	struct vmcb_seg gs;	    /* 0x050 */
	struct vmcb_seg gdtr;	    /* 0x060 */
	struct vmcb_seg ldtr;	    /* 0x070 */
	struct vmcb_seg idtr;	    /* 0x080 */
	struct vmcb_seg tr;	    /* 0x090 */
	uint8_t reserved_0a0[0x2B]; /* 0x0A0-0x0CA (0x0CA: SNP VMPL) */
	uint8_t cpl;		    /* 0x0CB: not taken from SS.DPL */
	uint8_t reserved_0cc[4];    /* 0x0CC-0x0CF */
	uint64_t efer;		    /* 0x0D0 */
	uint8_t reserved_0d8[0x70]; /* 0x0D8-0x147 */
	uint64_t cr4;		    /* 0x148 */
	uint64_t cr3;		    /* 0x150 */
	uint64_t cr0;		    /* 0x158 */
	uint64_t dr7;		    /* 0x160 */
	uint64_t dr6;		    /* 0x168 */
	uint64_t rflags;	    /* 0x170 */
	uint64_t rip;		    /* 0x178 */
	uint8_t reserved_180[0x58]; /* 0x180-0x1D7 */
	uint64_t rsp;		    /* 0x1D8 */
	uint64_t s_cet;		    /* 0x1E0: CET shadow-stack state */
	uint64_t ssp;		    /* 0x1E8 */
	uint64_t isst_addr;	    /* 0x1F0 */
	uint64_t rax;		    /* 0x1F8 */
	uint64_t star;		    /* 0x200 */
	uint64_t lstar;		    /* 0x208 */
	uint64_t cstar;		    /* 0x210 */
	uint64_t sfmask;	    /* 0x218 */
	uint64_t kernel_gs_base;    /* 0x220 */
	uint64_t sysenter_cs;	    /* 0x228 */
	uint64_t sysenter_esp;	    /* 0x230 */
	uint64_t sysenter_eip;	    /* 0x238 */
	uint64_t cr2;		    /* 0x240 */
	uint8_t reserved_248[0x20]; /* 0x248-0x267 */
	uint64_t g_pat;		    /* 0x268: used only with nested paging */
	uint64_t dbgctl;	    /* 0x270 */
	uint64_t br_from;	    /* 0x278 */
	uint64_t br_to;		    /* 0x280 */
	uint64_t last_excp_from;    /* 0x288 */
	uint64_t last_excp_to;	    /* 0x290 */
	uint8_t reserved_298[0x48]; /* 0x298-0x2DF */
	uint64_t spec_ctrl;	    /* 0x2E0: needs V_SPEC_CTRL */
};

/* One 4 KiB page, which must be 4 KiB aligned: VMRUN, VMLOAD and VMSAVE
 * take its physical address in RAX and fault on an unaligned one. */
struct vmcb {
	struct vmcb_control control; /* 0x000 */
	struct vmcb_save save;	     /* 0x400 */
	uint8_t rest[0x1000 - 0x400 - 0x2E8];
};

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment");
_Static_assert(sizeof(struct vmcb_save) == 0x2E8, "VMCB save area");
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, save) == 0x400, "VMCB save area");
_Static_assert(offsetof(struct vmcb_control, pause_filter_thresh) == 0x03C,
	       "VMCB pause filter");
_Static_assert(offsetof(struct vmcb_control, int_ctl) == 0x060, "VMCB int_ctl");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x070,
	       "VMCB exit code");
_Static_assert(offsetof(struct vmcb_control, event_inj) == 0x0A8,
	       "VMCB event injection");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0x0C8,
	       "VMCB next RIP");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0CB, "VMCB CPL");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0D0, "VMCB EFER");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "VMCB CR4");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1D8, "VMCB RSP");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1F8, "VMCB RAX");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB G_PAT");
_Static_assert(offsetof(struct vmcb_save, last_excp_to) == 0x290,
	       "VMCB LASTEXCPTO");

/* ---- Intercept vectors (Table B-1, offsets 0x000-0x014) ----------------
 * A set bit makes the event exit to the host instead of running in the
 * guest. Word 0 and 1: one read and one write bit per CR/DR. */
#define SVM_INTERCEPT_CR_READ(n)  (1u << (n))
#define SVM_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))
#define SVM_INTERCEPT_DR_READ(n)  (1u << (n))
#define SVM_INTERCEPT_DR_WRITE(n) (1u << (16 + (n)))

/* Word 3 (intercept_misc1, offset 0x00C). CR0_SEL_WRITE catches only
 * CR0 writes that change bits other than TS and MP, so a guest doing lazy
 * FPU switching can flip TS without an exit. */
#define SVM_INTERCEPT_INTR	    (1u << 0)
#define SVM_INTERCEPT_NMI	    (1u << 1)
#define SVM_INTERCEPT_SMI	    (1u << 2)
#define SVM_INTERCEPT_INIT	    (1u << 3)
#define SVM_INTERCEPT_VINTR	    (1u << 4)
#define SVM_INTERCEPT_CR0_SEL_WRITE (1u << 5)
#define SVM_INTERCEPT_IDTR_READ	    (1u << 6)
#define SVM_INTERCEPT_GDTR_READ	    (1u << 7)
#define SVM_INTERCEPT_LDTR_READ	    (1u << 8)
#define SVM_INTERCEPT_TR_READ	    (1u << 9)
#define SVM_INTERCEPT_IDTR_WRITE    (1u << 10)
#define SVM_INTERCEPT_GDTR_WRITE    (1u << 11)
#define SVM_INTERCEPT_LDTR_WRITE    (1u << 12)
#define SVM_INTERCEPT_TR_WRITE	    (1u << 13)
#define SVM_INTERCEPT_RDTSC	    (1u << 14)
#define SVM_INTERCEPT_RDPMC	    (1u << 15)
#define SVM_INTERCEPT_PUSHF	    (1u << 16)
#define SVM_INTERCEPT_POPF	    (1u << 17)
#define SVM_INTERCEPT_CPUID	    (1u << 18)
#define SVM_INTERCEPT_RSM	    (1u << 19)
#define SVM_INTERCEPT_IRET	    (1u << 20)
#define SVM_INTERCEPT_INTN	    (1u << 21)
#define SVM_INTERCEPT_INVD	    (1u << 22)
#define SVM_INTERCEPT_PAUSE	    (1u << 23)
#define SVM_INTERCEPT_HLT	    (1u << 24)
#define SVM_INTERCEPT_INVLPG	    (1u << 25)
#define SVM_INTERCEPT_INVLPGA	    (1u << 26)
#define SVM_INTERCEPT_IOIO_PROT	    (1u << 27) /* consult the IOPM */
#define SVM_INTERCEPT_MSR_PROT	    (1u << 28) /* consult the MSRPM */
#define SVM_INTERCEPT_TASK_SWITCH   (1u << 29)
#define SVM_INTERCEPT_FERR_FREEZE   (1u << 30)
#define SVM_INTERCEPT_SHUTDOWN	    (1u << 31)

/* Word 4 (intercept_misc2, offset 0x010). VMRUN must be set: VMRUN's
 * consistency checks (APM 15.5.1) fail with SVM_EXIT_INVALID otherwise.
 * The trap bits exit after the write has completed, for SEV-ES guests
 * whose registers the host cannot read to emulate it. */
#define SVM_INTERCEPT_VMRUN		(1u << 0)
#define SVM_INTERCEPT_VMMCALL		(1u << 1)
#define SVM_INTERCEPT_VMLOAD		(1u << 2)
#define SVM_INTERCEPT_VMSAVE		(1u << 3)
#define SVM_INTERCEPT_STGI		(1u << 4)
#define SVM_INTERCEPT_CLGI		(1u << 5)
#define SVM_INTERCEPT_SKINIT		(1u << 6)
#define SVM_INTERCEPT_RDTSCP		(1u << 7)
#define SVM_INTERCEPT_ICEBP		(1u << 8)
#define SVM_INTERCEPT_WBINVD		(1u << 9)
#define SVM_INTERCEPT_MONITOR		(1u << 10)
#define SVM_INTERCEPT_MWAIT		(1u << 11)
#define SVM_INTERCEPT_MWAIT_CONDITIONAL (1u << 12)
#define SVM_INTERCEPT_XSETBV		(1u << 13)
#define SVM_INTERCEPT_RDPRU		(1u << 14)
#define SVM_INTERCEPT_EFER_WRITE_TRAP	(1u << 15)
#define SVM_INTERCEPT_CR_WRITE_TRAP(n)	(1u << (16 + (n)))

/* Word 5 (intercept_misc3, offset 0x014): newer instructions; the bits
 * are reserved on CPUs without the matching feature and must stay 0. */
#define SVM_INTERCEPT_INVLPGB	      (1u << 0)
#define SVM_INTERCEPT_INVLPGB_ILLEGAL (1u << 1)
#define SVM_INTERCEPT_INVPCID	      (1u << 2)
#define SVM_INTERCEPT_MCOMMIT	      (1u << 3)
#define SVM_INTERCEPT_TLBSYNC	      (1u << 4)
#define SVM_INTERCEPT_BUS_LOCK	      (1u << 5)
#define SVM_INTERCEPT_IDLE_HLT	      (1u << 6)

/* ---- TLB_CONTROL (offset 0x05C; APM 15.16 "TLB Control") ---------------
 * Only FLUSH_ALL works without the FlushByASID feature
 * (CPUID 8000_000A EDX[6]); the others flush just this guest's ASID. */
#define SVM_TLB_CONTROL_NOTHING		     0u
#define SVM_TLB_CONTROL_FLUSH_ALL	     1u
#define SVM_TLB_CONTROL_FLUSH_ASID	     3u
#define SVM_TLB_CONTROL_FLUSH_ASID_NONGLOBAL 7u

/* ---- Virtual interrupt control (offset 0x060, Table B-1) ---------------
 * V_IRQ with V_INTR_VECTOR is how the host queues an interrupt that the
 * guest takes when its own IF and TPR allow, without an interrupt-window
 * exit. V_INTR_MASKING makes the guest's IF mask only virtual interrupts,
 * so physical ones still reach the host. */
#define SVM_INT_CTL_V_TPR_MASK	      0xFull
#define SVM_INT_CTL_V_IRQ	      (1ull << 8)
#define SVM_INT_CTL_V_GIF	      (1ull << 9)
#define SVM_INT_CTL_V_NMI	      (1ull << 11)
#define SVM_INT_CTL_V_NMI_MASK	      (1ull << 12)
#define SVM_INT_CTL_V_INTR_PRIO_SHIFT 16
#define SVM_INT_CTL_V_INTR_PRIO_MASK  (0xFull << 16)
#define SVM_INT_CTL_V_IGN_TPR	      (1ull << 20)
#define SVM_INT_CTL_V_INTR_MASKING    (1ull << 24)
#define SVM_INT_CTL_V_GIF_ENABLE      (1ull << 25)
#define SVM_INT_CTL_V_NMI_ENABLE      (1ull << 26)
#define SVM_INT_CTL_X2AVIC_ENABLE     (1ull << 30)
#define SVM_INT_CTL_AVIC_ENABLE	      (1ull << 31)
#define SVM_INT_CTL_V_INTR_VEC_SHIFT  32
#define SVM_INT_CTL_V_INTR_VEC_MASK   (0xFFull << 32)

/* Interrupt state (offset 0x068). SHADOW: the guest is in the one-
 * instruction window after STI or MOV SS, so an interrupt injected now
 * would be taken too early. GUEST_IF: the guest's RFLAGS.IF, written at
 * #VMEXIT so the host need not read RFLAGS; VMRUN ignores it. */
#define SVM_INT_STATE_SHADOW   (1ull << 0)
#define SVM_INT_STATE_GUEST_IF (1ull << 1)

/* Offset 0x090. NP_ENABLE turns on nested paging with n_cr3 and g_pat. */
#define SVM_MISC_CTL_NP_ENABLE (1ull << 0)
#define SVM_MISC_CTL_SEV       (1ull << 1)
#define SVM_MISC_CTL_SEV_ES    (1ull << 2)
#define SVM_MISC_CTL_GMET      (1ull << 3)

/* Offset 0x0B8. With LBR virtualization VMRUN/#VMEXIT switch DBGCTL and
 * the last-branch records; otherwise guest and host share them. */
#define SVM_VIRT_EXT_LBR	   (1ull << 0)
#define SVM_VIRT_EXT_VMSAVE_VMLOAD (1ull << 1)

/* CPUID Fn8000_000A EDX: optional SVM features (APM Vol. 3 E.4.10). */
#define SVM_FEATURE_NRIPS (1u << 3) /* next RIP saved on intercepts */

/* ---- VMCB clean bits (offset 0x0C0; APM 15.15 "VMCB State Caching") ----
 * A set bit lets VMRUN reuse its cached copy of that group of fields, so
 * the host must clear the bit whenever it writes one of them (and clear
 * all of them for a VMCB that is new or moved to another CPU). */
#define SVM_CLEAN_INTERCEPTS (1u << 0) /* intercepts, TSC offset, pause */
#define SVM_CLEAN_IOPM	     (1u << 1) /* IOPM and MSRPM base */
#define SVM_CLEAN_ASID	     (1u << 2)
#define SVM_CLEAN_TPR	     (1u << 3) /* int_ctl */
#define SVM_CLEAN_NP	     (1u << 4) /* NP_ENABLE, n_cr3, g_pat */
#define SVM_CLEAN_CRX	     (1u << 5) /* CR0, CR3, CR4, EFER */
#define SVM_CLEAN_DRX	     (1u << 6) /* DR6, DR7 */
#define SVM_CLEAN_DT	     (1u << 7) /* GDTR, IDTR */
#define SVM_CLEAN_SEG	     (1u << 8) /* ES, CS, SS, DS, CPL */
#define SVM_CLEAN_CR2	     (1u << 9)
#define SVM_CLEAN_LBR	     (1u << 10) /* DBGCTL and branch records */
#define SVM_CLEAN_AVIC	     (1u << 11)
#define SVM_CLEAN_CET	     (1u << 12) /* S_CET, SSP, ISST_ADDR */

/* ---- EVENTINJ (offset 0x0A8; APM 15.20 "Event Injection") --------------
 * EXITINTINFO (offset 0x088) uses the same format to report an event whose
 * delivery the #VMEXIT interrupted (APM 15.7.2); the host must re-inject
 * it or the guest loses it. */
#define SVM_EVTINJ_VECTOR_MASK	  0xFFull
#define SVM_EVTINJ_TYPE_SHIFT	  8
#define SVM_EVTINJ_TYPE_MASK	  (7ull << 8)
#define SVM_EVTINJ_TYPE_INTR	  (0ull << 8)
#define SVM_EVTINJ_TYPE_NMI	  (2ull << 8)
#define SVM_EVTINJ_TYPE_EXCEPTION (3ull << 8)
#define SVM_EVTINJ_TYPE_SOFT_INT  (4ull << 8)
#define SVM_EVTINJ_EV		  (1ull << 11) /* error code is valid */
#define SVM_EVTINJ_V		  (1ull << 31) /* the event is valid */
#define SVM_EVTINJ_ERR_SHIFT	  32

/* ---- Exit codes (APM Vol. 2 Appendix C, Table C-1) ----------------------
 * The CR, DR and exception exits are one code per register or vector,
 * base + number. */
#define SVM_EXIT_CR_READ_BASE  0x000u
#define SVM_EXIT_CR_WRITE_BASE 0x010u
#define SVM_EXIT_DR_READ_BASE  0x020u
#define SVM_EXIT_DR_WRITE_BASE 0x030u
#define SVM_EXIT_EXCP_BASE     0x040u /* + vector, 0x040-0x05F */

#define SVM_EXIT_CR0_READ	  0x000u
#define SVM_EXIT_CR3_READ	  0x003u
#define SVM_EXIT_CR4_READ	  0x004u
#define SVM_EXIT_CR8_READ	  0x008u
#define SVM_EXIT_CR0_WRITE	  0x010u
#define SVM_EXIT_CR3_WRITE	  0x013u
#define SVM_EXIT_CR4_WRITE	  0x014u
#define SVM_EXIT_CR8_WRITE	  0x018u
#define SVM_EXIT_INTR		  0x060u
#define SVM_EXIT_NMI		  0x061u
#define SVM_EXIT_SMI		  0x062u
#define SVM_EXIT_INIT		  0x063u
#define SVM_EXIT_VINTR		  0x064u
#define SVM_EXIT_CR0_SEL_WRITE	  0x065u
#define SVM_EXIT_IDTR_READ	  0x066u
#define SVM_EXIT_GDTR_READ	  0x067u
#define SVM_EXIT_LDTR_READ	  0x068u
#define SVM_EXIT_TR_READ	  0x069u
#define SVM_EXIT_IDTR_WRITE	  0x06Au
#define SVM_EXIT_GDTR_WRITE	  0x06Bu
#define SVM_EXIT_LDTR_WRITE	  0x06Cu
#define SVM_EXIT_TR_WRITE	  0x06Du
#define SVM_EXIT_RDTSC		  0x06Eu
#define SVM_EXIT_RDPMC		  0x06Fu
#define SVM_EXIT_PUSHF		  0x070u
#define SVM_EXIT_POPF		  0x071u
#define SVM_EXIT_CPUID		  0x072u
#define SVM_EXIT_RSM		  0x073u
#define SVM_EXIT_IRET		  0x074u
#define SVM_EXIT_SWINT		  0x075u
#define SVM_EXIT_INVD		  0x076u
#define SVM_EXIT_PAUSE		  0x077u
#define SVM_EXIT_HLT		  0x078u
#define SVM_EXIT_INVLPG		  0x079u
#define SVM_EXIT_INVLPGA	  0x07Au
#define SVM_EXIT_IOIO		  0x07Bu
#define SVM_EXIT_MSR		  0x07Cu
#define SVM_EXIT_TASK_SWITCH	  0x07Du
#define SVM_EXIT_FERR_FREEZE	  0x07Eu
#define SVM_EXIT_SHUTDOWN	  0x07Fu
#define SVM_EXIT_VMRUN		  0x080u
#define SVM_EXIT_VMMCALL	  0x081u
#define SVM_EXIT_VMLOAD		  0x082u
#define SVM_EXIT_VMSAVE		  0x083u
#define SVM_EXIT_STGI		  0x084u
#define SVM_EXIT_CLGI		  0x085u
#define SVM_EXIT_SKINIT		  0x086u
#define SVM_EXIT_RDTSCP		  0x087u
#define SVM_EXIT_ICEBP		  0x088u
#define SVM_EXIT_WBINVD		  0x089u
#define SVM_EXIT_MONITOR	  0x08Au
#define SVM_EXIT_MWAIT		  0x08Bu
#define SVM_EXIT_MWAIT_COND	  0x08Cu
#define SVM_EXIT_XSETBV		  0x08Du
#define SVM_EXIT_RDPRU		  0x08Eu
#define SVM_EXIT_EFER_WRITE_TRAP  0x08Fu
#define SVM_EXIT_CR_WRITE_TRAP(n) (0x090u + (n))
#define SVM_EXIT_NPF		  0x400u
#define SVM_EXIT_AVIC_INCOMPLETE  0x401u
#define SVM_EXIT_AVIC_NOACCEL	  0x402u
#define SVM_EXIT_VMGEXIT	  0x403u
/* -1: VMRUN refused the guest state (APM 15.5.1); the guest never ran,
 * so nothing in the other exit fields describes it. */
#define SVM_EXIT_INVALID 0xFFFFFFFFFFFFFFFFull

/* ---- IOIO EXITINFO1 (APM 15.10.2 "IN and OUT Behavior") ----------------
 * Everything needed to emulate the access without decoding the
 * instruction; EXITINFO2 holds the next RIP. */
#define SVM_IOIO_TYPE_IN    (1ull << 0)
#define SVM_IOIO_STR	    (1ull << 2)
#define SVM_IOIO_REP	    (1ull << 3)
#define SVM_IOIO_SZ8	    (1ull << 4)
#define SVM_IOIO_SZ16	    (1ull << 5)
#define SVM_IOIO_SZ32	    (1ull << 6)
#define SVM_IOIO_A16	    (1ull << 7)
#define SVM_IOIO_A32	    (1ull << 8)
#define SVM_IOIO_A64	    (1ull << 9)
#define SVM_IOIO_SEG_SHIFT  10 /* string op's segment, ES = 0 */
#define SVM_IOIO_SEG_MASK   (7ull << 10)
#define SVM_IOIO_PORT_SHIFT 16
#define SVM_IOIO_PORT_MASK  (0xFFFFull << 16)

/* ---- NPF EXITINFO1 (APM 15.25.6 "Nested versus Guest Page Faults") ----
 * Page-fault error code bits for the nested walk; EXITINFO2 holds the
 * guest-physical address. FINAL (the guest's own access) and TABLE (a
 * read of the guest's page tables during its walk) matter because only
 * the first is an access the instruction asked for: a TABLE fault on
 * MMIO means the guest put its page tables there. */
#define SVM_NPF_P     (1ull << 0)
#define SVM_NPF_RW    (1ull << 1)
#define SVM_NPF_US    (1ull << 2)
#define SVM_NPF_RSVD  (1ull << 3)
#define SVM_NPF_ID    (1ull << 4)
#define SVM_NPF_FINAL (1ull << 32)
#define SVM_NPF_TABLE (1ull << 33)

#endif
