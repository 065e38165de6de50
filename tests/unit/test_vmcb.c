/* Unit tests for arch/x86_64/svm/vmcb.h. The expected offsets, widths,
 * bit positions and codes below are typed from the AMD64 APM Vol. 2 (Table
 * B-1 for the control area, Table B-2 for the state save area, Appendix C
 * for exit codes) as literals, never computed from the header, so moving,
 * resizing or dropping a field or renumbering a constant fails here. The
 * tables list every member, reserved padding included, and
 * test_tables_tile checks that they cover each area exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/svm/vmcb.h"

struct field {
	const char *name;
	size_t off, size;	  /* as the header lays it out */
	size_t apm_off, apm_size; /* as the APM table gives it */
};

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
#define CTL(m, off, size)                                                      \
	{                                                                      \
#m, offsetof(struct vmcb_control, m),                          \
		    MEMBER_SIZE(struct vmcb_control, m), off, size             \
	}
#define SAVE(m, off, size)                                                     \
	{                                                                      \
#m, offsetof(struct vmcb_save, m),                             \
		    MEMBER_SIZE(struct vmcb_save, m), off, size                \
	}
#define SEG(m, off, size)                                                      \
	{                                                                      \
#m, offsetof(struct vmcb_seg, m),                              \
		    MEMBER_SIZE(struct vmcb_seg, m), off, size                 \
	}

/* Table B-1, in order. */
static const struct field control_fields[] = {
    CTL(intercept_cr, 0x000, 4),
    CTL(intercept_dr, 0x004, 4),
    CTL(intercept_exceptions, 0x008, 4),
    CTL(intercept_misc1, 0x00C, 4),
    CTL(intercept_misc2, 0x010, 4),
    CTL(intercept_misc3, 0x014, 4),
    CTL(reserved_018, 0x018, 0x24),
    CTL(pause_filter_thresh, 0x03C, 2),
    CTL(pause_filter_count, 0x03E, 2),
    CTL(iopm_base_pa, 0x040, 8),
    CTL(msrpm_base_pa, 0x048, 8),
    CTL(tsc_offset, 0x050, 8),
    CTL(asid, 0x058, 4),
    CTL(tlb_control, 0x05C, 1),
    CTL(reserved_05d, 0x05D, 3),
    CTL(int_ctl, 0x060, 8),
    CTL(int_state, 0x068, 8),
    CTL(exit_code, 0x070, 8),
    CTL(exit_info1, 0x078, 8),
    CTL(exit_info2, 0x080, 8),
    CTL(exit_int_info, 0x088, 8),
    CTL(misc_ctl, 0x090, 8),
    CTL(avic_apic_bar, 0x098, 8),
    CTL(ghcb_pa, 0x0A0, 8),
    CTL(event_inj, 0x0A8, 8),
    CTL(n_cr3, 0x0B0, 8),
    CTL(virt_ext, 0x0B8, 8),
    CTL(clean, 0x0C0, 4),
    CTL(reserved_0c4, 0x0C4, 4),
    CTL(next_rip, 0x0C8, 8),
    CTL(insn_len, 0x0D0, 1),
    CTL(insn_bytes, 0x0D1, 15),
    CTL(avic_backing_page, 0x0E0, 8),
    CTL(reserved_0e8, 0x0E8, 8),
    CTL(avic_logical_table, 0x0F0, 8),
    CTL(avic_physical_table, 0x0F8, 8),
    CTL(reserved_100, 0x100, 8),
    CTL(vmsa_pa, 0x108, 8),
    CTL(reserved_110, 0x110, 0x10),
    CTL(bus_lock_counter, 0x120, 2),
    CTL(reserved_122, 0x122, 0x2BE),
    CTL(reserved_host, 0x3E0, 0x20),
};

/* Table B-2 (the layout for guests without SEV-ES), in order. */
static const struct field save_fields[] = {
    SAVE(es, 0x000, 16),
    SAVE(cs, 0x010, 16),
    SAVE(ss, 0x020, 16),
    SAVE(ds, 0x030, 16),
    SAVE(fs, 0x040, 16),
    SAVE(gs, 0x050, 16),
    SAVE(gdtr, 0x060, 16),
    SAVE(ldtr, 0x070, 16),
    SAVE(idtr, 0x080, 16),
    SAVE(tr, 0x090, 16),
    SAVE(reserved_0a0, 0x0A0, 0x2B),
    SAVE(cpl, 0x0CB, 1),
    SAVE(reserved_0cc, 0x0CC, 4),
    SAVE(efer, 0x0D0, 8),
    SAVE(reserved_0d8, 0x0D8, 0x70),
    SAVE(cr4, 0x148, 8),
    SAVE(cr3, 0x150, 8),
    SAVE(cr0, 0x158, 8),
    SAVE(dr7, 0x160, 8),
    SAVE(dr6, 0x168, 8),
    SAVE(rflags, 0x170, 8),
    SAVE(rip, 0x178, 8),
    SAVE(reserved_180, 0x180, 0x58),
    SAVE(rsp, 0x1D8, 8),
    SAVE(s_cet, 0x1E0, 8),
    SAVE(ssp, 0x1E8, 8),
    SAVE(isst_addr, 0x1F0, 8),
    SAVE(rax, 0x1F8, 8),
    SAVE(star, 0x200, 8),
    SAVE(lstar, 0x208, 8),
    SAVE(cstar, 0x210, 8),
    SAVE(sfmask, 0x218, 8),
    SAVE(kernel_gs_base, 0x220, 8),
    SAVE(sysenter_cs, 0x228, 8),
    SAVE(sysenter_esp, 0x230, 8),
    SAVE(sysenter_eip, 0x238, 8),
    SAVE(cr2, 0x240, 8),
    SAVE(reserved_248, 0x248, 0x20),
    SAVE(g_pat, 0x268, 8),
    SAVE(dbgctl, 0x270, 8),
    SAVE(br_from, 0x278, 8),
    SAVE(br_to, 0x280, 8),
    SAVE(last_excp_from, 0x288, 8),
    SAVE(last_excp_to, 0x290, 8),
    SAVE(reserved_298, 0x298, 0x48),
    SAVE(spec_ctrl, 0x2E0, 8),
};

/* One segment register in the save area (Table B-2, e.g. ES at 0x000). */
static const struct field seg_fields[] = {
    SEG(selector, 0x0, 2),
    SEG(attrib, 0x2, 2),
    SEG(limit, 0x4, 4),
    SEG(base, 0x8, 8),
};

static void check_fields(const char *area, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].off != f[i].apm_off)
			fail_msg("%s.%s at %#zx, the APM puts it at %#zx", area,
				 f[i].name, f[i].off, f[i].apm_off);
		if (f[i].size != f[i].apm_size)
			fail_msg("%s.%s is %zu bytes, the APM says %zu", area,
				 f[i].name, f[i].size, f[i].apm_size);
	}
}

/* The typed table itself must leave no hole and overlap nothing: each
 * entry starts where the one before ends, and the last ends at size. */
static void check_tiles(const char *area, const struct field *f, size_t n,
			size_t size)
{
	size_t end = 0;

	for (size_t i = 0; i < n; i++) {
		if (f[i].apm_off != end)
			fail_msg("%s: %s starts at %#zx, expected %#zx", area,
				 f[i].name, f[i].apm_off, end);
		end = f[i].apm_off + f[i].apm_size;
	}
	if (end != size)
		fail_msg("%s: table ends at %#zx, area is %#zx", area, end,
			 size);
}

static void test_control_layout(void **state)
{
	(void)state;
	check_fields("control", control_fields,
		     sizeof(control_fields) / sizeof(control_fields[0]));
}

static void test_save_layout(void **state)
{
	(void)state;
	check_fields("save", save_fields,
		     sizeof(save_fields) / sizeof(save_fields[0]));
	check_fields("seg", seg_fields,
		     sizeof(seg_fields) / sizeof(seg_fields[0]));
}

static void test_tables_tile(void **state)
{
	(void)state;
	check_tiles("control", control_fields,
		    sizeof(control_fields) / sizeof(control_fields[0]), 0x400);
	check_tiles("save", save_fields,
		    sizeof(save_fields) / sizeof(save_fields[0]), 0x2E8);
	check_tiles("seg", seg_fields,
		    sizeof(seg_fields) / sizeof(seg_fields[0]), 16);
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vmcb_control), 0x400);
	assert_int_equal(sizeof(struct vmcb_seg), 16);
	assert_int_equal(sizeof(struct vmcb_save), 0x2E8);
	assert_int_equal(sizeof(struct vmcb), 4096);
	assert_int_equal(offsetof(struct vmcb, control), 0);
	assert_int_equal(offsetof(struct vmcb, save), 0x400);
	assert_int_equal(offsetof(struct vmcb, rest), 0x6E8);
}

static uint64_t raw64(const uint8_t *page, size_t off)
{
	uint64_t v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

/* Through a whole page, as the CPU sees it: stores via the structure land
 * at the VMCB offsets the APM gives (save area ones plus 0x400). */
static void test_page_offsets(void **state)
{
	struct vmcb *v = aligned_alloc(4096, sizeof(*v));
	const uint8_t *page = (const uint8_t *)v;

	(void)state;
	assert_non_null(v);
	memset(v, 0, sizeof(*v));
	v->control.exit_code = 0x1111111111111111ull;
	v->control.n_cr3 = 0x2222222222222222ull;
	v->control.tlb_control = 0x33;
	v->save.cs.base = 0x4444444444444444ull;
	v->save.cpl = 0x55;
	v->save.rip = 0x6666666666666666ull;
	v->save.rax = 0x7777777777777777ull;
	v->save.g_pat = 0x8888888888888888ull;

	assert_int_equal(raw64(page, 0x070), 0x1111111111111111ull);
	assert_int_equal(raw64(page, 0x0B0), 0x2222222222222222ull);
	assert_int_equal(page[0x05C], 0x33);
	assert_int_equal(raw64(page, 0x418), 0x4444444444444444ull);
	assert_int_equal(page[0x4CB], 0x55);
	assert_int_equal(raw64(page, 0x578), 0x6666666666666666ull);
	assert_int_equal(raw64(page, 0x5F8), 0x7777777777777777ull);
	assert_int_equal(raw64(page, 0x668), 0x8888888888888888ull);
	free(v);
}

struct bit {
	const char *name;
	uint64_t value;	  /* the header's constant */
	unsigned apm_bit; /* its bit number in the APM */
};

#define BIT(m, n)                                                              \
	{                                                                      \
#m, m, n                                                       \
	}

static void check_bits(const struct bit *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].value != 1ull << b[i].apm_bit)
			fail_msg("%s is %#llx, the APM has bit %u", b[i].name,
				 (unsigned long long)b[i].value, b[i].apm_bit);
}

/* Table B-1, offset 0x00C (word 3), 0x010 (word 4), 0x014 (word 5). */
static void test_intercept_bits(void **state)
{
	static const struct bit bits[] = {
	    BIT(SVM_INTERCEPT_INTR, 0),
	    BIT(SVM_INTERCEPT_NMI, 1),
	    BIT(SVM_INTERCEPT_SMI, 2),
	    BIT(SVM_INTERCEPT_INIT, 3),
	    BIT(SVM_INTERCEPT_VINTR, 4),
	    BIT(SVM_INTERCEPT_CR0_SEL_WRITE, 5),
	    BIT(SVM_INTERCEPT_IDTR_READ, 6),
	    BIT(SVM_INTERCEPT_GDTR_READ, 7),
	    BIT(SVM_INTERCEPT_LDTR_READ, 8),
	    BIT(SVM_INTERCEPT_TR_READ, 9),
	    BIT(SVM_INTERCEPT_IDTR_WRITE, 10),
	    BIT(SVM_INTERCEPT_GDTR_WRITE, 11),
	    BIT(SVM_INTERCEPT_LDTR_WRITE, 12),
	    BIT(SVM_INTERCEPT_TR_WRITE, 13),
	    BIT(SVM_INTERCEPT_RDTSC, 14),
	    BIT(SVM_INTERCEPT_RDPMC, 15),
	    BIT(SVM_INTERCEPT_PUSHF, 16),
	    BIT(SVM_INTERCEPT_POPF, 17),
	    BIT(SVM_INTERCEPT_CPUID, 18),
	    BIT(SVM_INTERCEPT_RSM, 19),
	    BIT(SVM_INTERCEPT_IRET, 20),
	    BIT(SVM_INTERCEPT_INTN, 21),
	    BIT(SVM_INTERCEPT_INVD, 22),
	    BIT(SVM_INTERCEPT_PAUSE, 23),
	    BIT(SVM_INTERCEPT_HLT, 24),
	    BIT(SVM_INTERCEPT_INVLPG, 25),
	    BIT(SVM_INTERCEPT_INVLPGA, 26),
	    BIT(SVM_INTERCEPT_IOIO_PROT, 27),
	    BIT(SVM_INTERCEPT_MSR_PROT, 28),
	    BIT(SVM_INTERCEPT_TASK_SWITCH, 29),
	    BIT(SVM_INTERCEPT_FERR_FREEZE, 30),
	    BIT(SVM_INTERCEPT_SHUTDOWN, 31),
	    BIT(SVM_INTERCEPT_VMRUN, 0),
	    BIT(SVM_INTERCEPT_VMMCALL, 1),
	    BIT(SVM_INTERCEPT_VMLOAD, 2),
	    BIT(SVM_INTERCEPT_VMSAVE, 3),
	    BIT(SVM_INTERCEPT_STGI, 4),
	    BIT(SVM_INTERCEPT_CLGI, 5),
	    BIT(SVM_INTERCEPT_SKINIT, 6),
	    BIT(SVM_INTERCEPT_RDTSCP, 7),
	    BIT(SVM_INTERCEPT_ICEBP, 8),
	    BIT(SVM_INTERCEPT_WBINVD, 9),
	    BIT(SVM_INTERCEPT_MONITOR, 10),
	    BIT(SVM_INTERCEPT_MWAIT, 11),
	    BIT(SVM_INTERCEPT_MWAIT_CONDITIONAL, 12),
	    BIT(SVM_INTERCEPT_XSETBV, 13),
	    BIT(SVM_INTERCEPT_RDPRU, 14),
	    BIT(SVM_INTERCEPT_EFER_WRITE_TRAP, 15),
	    BIT(SVM_INTERCEPT_CR_WRITE_TRAP(0), 16),
	    BIT(SVM_INTERCEPT_CR_WRITE_TRAP(4), 20),
	    BIT(SVM_INTERCEPT_CR_WRITE_TRAP(8), 24),
	    BIT(SVM_INTERCEPT_INVLPGB, 0),
	    BIT(SVM_INTERCEPT_INVLPGB_ILLEGAL, 1),
	    BIT(SVM_INTERCEPT_INVPCID, 2),
	    BIT(SVM_INTERCEPT_MCOMMIT, 3),
	    BIT(SVM_INTERCEPT_TLBSYNC, 4),
	    BIT(SVM_INTERCEPT_BUS_LOCK, 5),
	    BIT(SVM_INTERCEPT_IDLE_HLT, 6),
	    /* words 0 and 1: reads in 15:0, writes in 31:16 */
	    BIT(SVM_INTERCEPT_CR_READ(0), 0),
	    BIT(SVM_INTERCEPT_CR_READ(8), 8),
	    BIT(SVM_INTERCEPT_CR_WRITE(0), 16),
	    BIT(SVM_INTERCEPT_CR_WRITE(3), 19),
	    BIT(SVM_INTERCEPT_CR_WRITE(8), 24),
	    BIT(SVM_INTERCEPT_DR_READ(7), 7),
	    BIT(SVM_INTERCEPT_DR_WRITE(7), 23),
	};

	(void)state;
	check_bits(bits, sizeof(bits) / sizeof(bits[0]));
}

/* The single-bit fields of int_ctl, int_state, misc_ctl, virt_ext, the
 * clean bits, EVENTINJ, and the IOIO and NPF EXITINFO1 formats. */
static void test_control_bits(void **state)
{
	static const struct bit bits[] = {
	    BIT(SVM_INT_CTL_V_IRQ, 8),
	    BIT(SVM_INT_CTL_V_GIF, 9),
	    BIT(SVM_INT_CTL_V_NMI, 11),
	    BIT(SVM_INT_CTL_V_NMI_MASK, 12),
	    BIT(SVM_INT_CTL_V_IGN_TPR, 20),
	    BIT(SVM_INT_CTL_V_INTR_MASKING, 24),
	    BIT(SVM_INT_CTL_V_GIF_ENABLE, 25),
	    BIT(SVM_INT_CTL_V_NMI_ENABLE, 26),
	    BIT(SVM_INT_CTL_X2AVIC_ENABLE, 30),
	    BIT(SVM_INT_CTL_AVIC_ENABLE, 31),
	    BIT(SVM_INT_STATE_SHADOW, 0),
	    BIT(SVM_INT_STATE_GUEST_IF, 1),
	    BIT(SVM_MISC_CTL_NP_ENABLE, 0),
	    BIT(SVM_MISC_CTL_SEV, 1),
	    BIT(SVM_MISC_CTL_SEV_ES, 2),
	    BIT(SVM_MISC_CTL_GMET, 3),
	    BIT(SVM_VIRT_EXT_LBR, 0),
	    BIT(SVM_VIRT_EXT_VMSAVE_VMLOAD, 1),
	    BIT(SVM_CLEAN_INTERCEPTS, 0),
	    BIT(SVM_CLEAN_IOPM, 1),
	    BIT(SVM_CLEAN_ASID, 2),
	    BIT(SVM_CLEAN_TPR, 3),
	    BIT(SVM_CLEAN_NP, 4),
	    BIT(SVM_CLEAN_CRX, 5),
	    BIT(SVM_CLEAN_DRX, 6),
	    BIT(SVM_CLEAN_DT, 7),
	    BIT(SVM_CLEAN_SEG, 8),
	    BIT(SVM_CLEAN_CR2, 9),
	    BIT(SVM_CLEAN_LBR, 10),
	    BIT(SVM_CLEAN_AVIC, 11),
	    BIT(SVM_CLEAN_CET, 12),
	    BIT(SVM_EVTINJ_EV, 11),
	    BIT(SVM_EVTINJ_V, 31),
	    BIT(SVM_IOIO_TYPE_IN, 0),
	    BIT(SVM_IOIO_STR, 2),
	    BIT(SVM_IOIO_REP, 3),
	    BIT(SVM_IOIO_SZ8, 4),
	    BIT(SVM_IOIO_SZ16, 5),
	    BIT(SVM_IOIO_SZ32, 6),
	    BIT(SVM_IOIO_A16, 7),
	    BIT(SVM_IOIO_A32, 8),
	    BIT(SVM_IOIO_A64, 9),
	    BIT(SVM_NPF_P, 0),
	    BIT(SVM_NPF_RW, 1),
	    BIT(SVM_NPF_US, 2),
	    BIT(SVM_NPF_RSVD, 3),
	    BIT(SVM_NPF_ID, 4),
	    BIT(SVM_NPF_FINAL, 32),
	    BIT(SVM_NPF_TABLE, 33),
	};

	(void)state;
	check_bits(bits, sizeof(bits) / sizeof(bits[0]));
}

/* The multi-bit fields, as masks typed from the APM's bit ranges. */
static void test_control_fields(void **state)
{
	(void)state;
	/* int_ctl: V_TPR 3:0, V_INTR_PRIO 19:16, V_INTR_VECTOR 39:32 */
	assert_int_equal(SVM_INT_CTL_V_TPR_MASK, 0xFull);
	assert_int_equal(SVM_INT_CTL_V_INTR_PRIO_MASK, 0xF0000ull);
	assert_int_equal(SVM_INT_CTL_V_INTR_PRIO_SHIFT, 16);
	assert_int_equal(SVM_INT_CTL_V_INTR_VEC_MASK, 0xFF00000000ull);
	assert_int_equal(SVM_INT_CTL_V_INTR_VEC_SHIFT, 32);
	/* IOIO: SEG 12:10, PORT 31:16 */
	assert_int_equal(SVM_IOIO_SEG_MASK, 0x1C00ull);
	assert_int_equal(SVM_IOIO_SEG_SHIFT, 10);
	assert_int_equal(SVM_IOIO_PORT_MASK, 0xFFFF0000ull);
	assert_int_equal(SVM_IOIO_PORT_SHIFT, 16);
	/* TLB_CONTROL encodings */
	assert_int_equal(SVM_TLB_CONTROL_NOTHING, 0);
	assert_int_equal(SVM_TLB_CONTROL_FLUSH_ALL, 1);
	assert_int_equal(SVM_TLB_CONTROL_FLUSH_ASID, 3);
	assert_int_equal(SVM_TLB_CONTROL_FLUSH_ASID_NONGLOBAL, 7);
}

/* EVENTINJ: vector 7:0, TYPE 10:8, EV 11, V 31, ERRORCODE 63:32. */
static void test_event_inj(void **state)
{
	uint64_t gp;

	(void)state;
	assert_int_equal(SVM_EVTINJ_VECTOR_MASK, 0xFFull);
	assert_int_equal(SVM_EVTINJ_TYPE_MASK, 0x700ull);
	assert_int_equal(SVM_EVTINJ_TYPE_SHIFT, 8);
	assert_int_equal(SVM_EVTINJ_TYPE_INTR >> 8, 0);
	assert_int_equal(SVM_EVTINJ_TYPE_NMI >> 8, 2);
	assert_int_equal(SVM_EVTINJ_TYPE_EXCEPTION >> 8, 3);
	assert_int_equal(SVM_EVTINJ_TYPE_SOFT_INT >> 8, 4);
	assert_int_equal(SVM_EVTINJ_ERR_SHIFT, 32);

	/* #GP (vector 13) with error code 0x1234, worked out by hand. */
	gp = 13 | SVM_EVTINJ_TYPE_EXCEPTION | SVM_EVTINJ_EV | SVM_EVTINJ_V |
	     (0x1234ull << SVM_EVTINJ_ERR_SHIFT);
	assert_int_equal(gp, 0x0000123480000B0Dull);
	/* An external interrupt, vector 0x20: no error code. */
	assert_int_equal(0x20 | SVM_EVTINJ_TYPE_INTR | SVM_EVTINJ_V,
			 0x80000020ull);
	/* An NMI is vector 2, type 2. */
	assert_int_equal(2 | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_V, 0x80000202ull);
}

struct code {
	const char *name;
	uint64_t value, apm;
};

#define CODE(m, v)                                                             \
	{                                                                      \
#m, m, v                                                       \
	}

/* Appendix C, Table C-1 "SVM Intercept Codes". */
static void test_exit_codes(void **state)
{
	static const struct code codes[] = {
	    CODE(SVM_EXIT_CR0_READ, 0x000),
	    CODE(SVM_EXIT_CR3_READ, 0x003),
	    CODE(SVM_EXIT_CR4_READ, 0x004),
	    CODE(SVM_EXIT_CR8_READ, 0x008),
	    CODE(SVM_EXIT_CR0_WRITE, 0x010),
	    CODE(SVM_EXIT_CR3_WRITE, 0x013),
	    CODE(SVM_EXIT_CR4_WRITE, 0x014),
	    CODE(SVM_EXIT_CR8_WRITE, 0x018),
	    CODE(SVM_EXIT_CR_READ_BASE, 0x000),
	    CODE(SVM_EXIT_CR_WRITE_BASE, 0x010),
	    CODE(SVM_EXIT_DR_READ_BASE, 0x020),
	    CODE(SVM_EXIT_DR_WRITE_BASE, 0x030),
	    CODE(SVM_EXIT_EXCP_BASE, 0x040),
	    CODE(SVM_EXIT_EXCP_BASE + 14, 0x04E), /* #PF */
	    CODE(SVM_EXIT_INTR, 0x060),
	    CODE(SVM_EXIT_NMI, 0x061),
	    CODE(SVM_EXIT_SMI, 0x062),
	    CODE(SVM_EXIT_INIT, 0x063),
	    CODE(SVM_EXIT_VINTR, 0x064),
	    CODE(SVM_EXIT_CR0_SEL_WRITE, 0x065),
	    CODE(SVM_EXIT_IDTR_READ, 0x066),
	    CODE(SVM_EXIT_GDTR_READ, 0x067),
	    CODE(SVM_EXIT_LDTR_READ, 0x068),
	    CODE(SVM_EXIT_TR_READ, 0x069),
	    CODE(SVM_EXIT_IDTR_WRITE, 0x06A),
	    CODE(SVM_EXIT_GDTR_WRITE, 0x06B),
	    CODE(SVM_EXIT_LDTR_WRITE, 0x06C),
	    CODE(SVM_EXIT_TR_WRITE, 0x06D),
	    CODE(SVM_EXIT_RDTSC, 0x06E),
	    CODE(SVM_EXIT_RDPMC, 0x06F),
	    CODE(SVM_EXIT_PUSHF, 0x070),
	    CODE(SVM_EXIT_POPF, 0x071),
	    CODE(SVM_EXIT_CPUID, 0x072),
	    CODE(SVM_EXIT_RSM, 0x073),
	    CODE(SVM_EXIT_IRET, 0x074),
	    CODE(SVM_EXIT_SWINT, 0x075),
	    CODE(SVM_EXIT_INVD, 0x076),
	    CODE(SVM_EXIT_PAUSE, 0x077),
	    CODE(SVM_EXIT_HLT, 0x078),
	    CODE(SVM_EXIT_INVLPG, 0x079),
	    CODE(SVM_EXIT_INVLPGA, 0x07A),
	    CODE(SVM_EXIT_IOIO, 0x07B),
	    CODE(SVM_EXIT_MSR, 0x07C),
	    CODE(SVM_EXIT_TASK_SWITCH, 0x07D),
	    CODE(SVM_EXIT_FERR_FREEZE, 0x07E),
	    CODE(SVM_EXIT_SHUTDOWN, 0x07F),
	    CODE(SVM_EXIT_VMRUN, 0x080),
	    CODE(SVM_EXIT_VMMCALL, 0x081),
	    CODE(SVM_EXIT_VMLOAD, 0x082),
	    CODE(SVM_EXIT_VMSAVE, 0x083),
	    CODE(SVM_EXIT_STGI, 0x084),
	    CODE(SVM_EXIT_CLGI, 0x085),
	    CODE(SVM_EXIT_SKINIT, 0x086),
	    CODE(SVM_EXIT_RDTSCP, 0x087),
	    CODE(SVM_EXIT_ICEBP, 0x088),
	    CODE(SVM_EXIT_WBINVD, 0x089),
	    CODE(SVM_EXIT_MONITOR, 0x08A),
	    CODE(SVM_EXIT_MWAIT, 0x08B),
	    CODE(SVM_EXIT_MWAIT_COND, 0x08C),
	    CODE(SVM_EXIT_XSETBV, 0x08D),
	    CODE(SVM_EXIT_RDPRU, 0x08E),
	    CODE(SVM_EXIT_EFER_WRITE_TRAP, 0x08F),
	    CODE(SVM_EXIT_CR_WRITE_TRAP(0), 0x090),
	    CODE(SVM_EXIT_CR_WRITE_TRAP(8), 0x098),
	    CODE(SVM_EXIT_NPF, 0x400),
	    CODE(SVM_EXIT_AVIC_INCOMPLETE, 0x401),
	    CODE(SVM_EXIT_AVIC_NOACCEL, 0x402),
	    CODE(SVM_EXIT_VMGEXIT, 0x403),
	    CODE(SVM_EXIT_INVALID, (uint64_t)-1),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].value != codes[i].apm)
			fail_msg("%s is %#llx, the APM says %#llx",
				 codes[i].name,
				 (unsigned long long)codes[i].value,
				 (unsigned long long)codes[i].apm);
	/* An exit code is 64 bits: a 32-bit -1 must not match INVALID. */
	assert_true(SVM_EXIT_INVALID != 0xFFFFFFFFull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_control_layout),
	    cmocka_unit_test(test_save_layout),
	    cmocka_unit_test(test_tables_tile),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_page_offsets),
	    cmocka_unit_test(test_intercept_bits),
	    cmocka_unit_test(test_control_bits),
	    cmocka_unit_test(test_control_fields),
	    cmocka_unit_test(test_event_inj),
	    cmocka_unit_test(test_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
