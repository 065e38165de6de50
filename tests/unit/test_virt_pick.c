/* Unit tests for arch/x86_64/lib/virt_pick.c: the backend chosen for a
 * made-up CPU, and the reason given when none can run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/lib/virt_pick.h"

/* A CPU with everything the VMX backend needs, firmware unlocked. */
static struct virt_facts intel(void)
{
	struct virt_facts f = {.vendor = "GenuineIntel",
			       .vmx = true,
			       .feature_ctl = 0,
			       .vmx_secondary = true,
			       .ept = true,
			       .vpid = true,
			       .ug = true};
	return f;
}

/* QEMU 7.2 TCG's -cpu max: SVM, NPT, 16 ASIDs, no next-RIP save. */
static struct virt_facts amd(void)
{
	struct virt_facts f = {.vendor = "AuthenticAMD",
			       .svm = true,
			       .npt = true,
			       .asids = 16,
			       .vm_cr = 0};
	return f;
}

static void expect_none(const struct virt_facts *f, const char *why)
{
	char buf[160];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(virt_pick(f, buf, sizeof(buf)), VIRT_NONE);
	assert_string_equal(buf, why);
}

static void test_vmx(void **state)
{
	(void)state;
	char buf[160] = "";
	struct virt_facts f = intel();
	assert_int_equal(virt_pick(&f, buf, sizeof(buf)), VIRT_VMX);
	/* locked by firmware with VMX outside SMX enabled: fine */
	f.feature_ctl = 1 | 4;
	assert_int_equal(virt_pick(&f, buf, sizeof(buf)), VIRT_VMX);
	virt_describe(&f, VIRT_VMX, buf, sizeof(buf));
	assert_string_equal(buf, "VMX with EPT, VPID and unrestricted guest");
}

static void test_vmx_missing(void **state)
{
	(void)state;
	struct virt_facts f = intel();
	f.feature_ctl = 1; /* locked, VMX off */
	expect_none(&f, "VMX is disabled and locked by the firmware "
			"(IA32_FEATURE_CONTROL); enable VT-x in the setup");
	f = intel();
	f.vmx_secondary = false;
	expect_none(&f, "VMX lacks secondary processor controls");
	f = intel();
	f.ept = false;
	expect_none(&f, "VMX lacks EPT");
	f = intel();
	f.vpid = f.ug = false;
	expect_none(&f, "VMX lacks VPID unrestricted-guest");
	f.ept = false;
	expect_none(&f, "VMX lacks EPT VPID unrestricted-guest");
}

static void test_svm(void **state)
{
	(void)state;
	char buf[160];
	struct virt_facts f = amd();
	assert_int_equal(virt_pick(&f, buf, sizeof(buf)), VIRT_SVM);
	virt_describe(&f, VIRT_SVM, buf, sizeof(buf));
	assert_string_equal(buf, "SVM with nested paging (16 ASIDs, next-RIP "
				 "save no)");
	f.nrips = true;
	virt_describe(&f, VIRT_SVM, buf, sizeof(buf));
	assert_string_equal(buf, "SVM with nested paging (16 ASIDs, next-RIP "
				 "save yes)");
	/* VM_CR.LOCK alone (firmware locked SVM on) is fine */
	f.vm_cr = 1u << 3;
	assert_int_equal(virt_pick(&f, buf, sizeof(buf)), VIRT_SVM);
}

static void test_svm_missing(void **state)
{
	(void)state;
	struct virt_facts f = amd();
	f.vm_cr = 1u << 4;
	expect_none(&f, "SVM is disabled by the firmware (VM_CR.SVMDIS)");
	f.vm_cr = (1u << 4) | (1u << 3);
	expect_none(&f, "SVM is disabled and locked by the firmware "
			"(VM_CR.SVMDIS); enable SVM (AMD-V) in the setup");
	f = amd();
	f.npt = false;
	expect_none(&f, "SVM lacks nested paging (NPT)");
	f = amd();
	f.asids = 1; /* ASID 0 is the host's */
	expect_none(&f, "SVM offers no ASID for guests");
}

static void test_neither(void **state)
{
	(void)state;
	struct virt_facts f = {.vendor = "GenuineIntel"};
	expect_none(&f, "this CPU (GenuineIntel) has neither VMX (Intel VT-x) "
			"nor SVM (AMD-V)");
	memset(&f, 0, sizeof(f));
	expect_none(&f, "this CPU (unknown vendor) has neither VMX (Intel "
			"VT-x) nor SVM (AMD-V)");
	/* a short buffer is cut, never overrun */
	char small[8];
	memset(small, 'x', sizeof(small));
	assert_int_equal(virt_pick(&f, small, sizeof(small)), VIRT_NONE);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* Both present: VMX wins when usable; otherwise the usable SVM is taken;
 * when neither is usable, the VMX reason is given. */
static void test_both(void **state)
{
	(void)state;
	char buf[160];
	struct virt_facts f = intel();
	f.svm = f.npt = true;
	f.asids = 8;
	assert_int_equal(virt_pick(&f, buf, sizeof(buf)), VIRT_VMX);
	f.ept = false;
	assert_int_equal(virt_pick(&f, buf, sizeof(buf)), VIRT_SVM);
	f.npt = false;
	expect_none(&f, "VMX lacks EPT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vmx),	    cmocka_unit_test(test_vmx_missing),
	    cmocka_unit_test(test_svm),	    cmocka_unit_test(test_svm_missing),
	    cmocka_unit_test(test_neither), cmocka_unit_test(test_both),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
