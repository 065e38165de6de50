/* Unit tests for the SVM column of the trap policy
 * (arch/x86_64/svm/svm_policy.c): the intercepts are exactly the ones
 * docs/trap-policy.md lists, every intercept set has an exit the core
 * handles, and every instruction the core skips has its opcode. The
 * tables have no dependence on the CPU, so the source is compiled into
 * the test as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/svm/svm_policy.c"

/* docs/trap-policy.md, "On AMD": the intercepted events and
 * instructions. */
static const uint32_t want_misc1 =
    SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_INIT |
    SVM_INTERCEPT_CPUID | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVD |
    SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO_PROT | SVM_INTERCEPT_MSR_PROT |
    SVM_INTERCEPT_SHUTDOWN;
static const uint32_t want_misc2 =
    SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
    SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
    SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT |
    SVM_INTERCEPT_XSETBV;

static struct vmcb_control policy(void)
{
	struct vmcb_control c;
	memset(&c, 0xA5, sizeof(c)); /* the rest must be left alone */
	svm_policy_intercepts(&c);
	return c;
}

static void test_intercepts_are_the_policy(void **state)
{
	(void)state;
	struct vmcb_control c = policy();
	assert_int_equal(c.intercept_misc1, want_misc1);
	assert_int_equal(c.intercept_misc2, want_misc2);
	assert_int_equal(c.intercept_cr,
			 SVM_INTERCEPT_CR_WRITE(0) | SVM_INTERCEPT_CR_WRITE(4));
	assert_int_equal(c.intercept_exceptions, 1u << X86_EXC_MC);
	/* VMRUN refuses a VMCB without its own intercept (APM 15.5.1). */
	assert_true(c.intercept_misc2 & SVM_INTERCEPT_VMRUN);
	/* Untouched: the DR intercepts and what follows the words. */
	assert_int_equal(c.intercept_dr, 0xA5A5A5A5u);
	assert_int_equal(c.iopm_base_pa, 0xA5A5A5A5A5A5A5A5ull);
}

static void expect_handled(uint64_t code)
{
	const struct svm_exit_map *m = svm_policy_exit(code);
	if (!m)
		fail_msg("exit code 0x%llx is intercepted but not mapped",
			 (unsigned long long)code);
	assert_true(m->code == code);
	assert_true(m->kind < EXIT_KIND_COUNT);
	assert_int_not_equal(m->kind, EXIT_UNHANDLED);
}

/* Intercept bit n of a word exits with code base + n (APM Table B-1 and
 * Appendix C): misc1 0x60, misc2 0x80, exceptions 0x40, CR reads 0x00
 * and writes 0x10 (bits 16-31). */
static void test_every_intercept_is_handled(void **state)
{
	(void)state;
	struct vmcb_control c = policy();
	for (unsigned n = 0; n < 32; n++) {
		if (c.intercept_misc1 & (1u << n))
			expect_handled(SVM_EXIT_INTR + n);
		if (c.intercept_misc2 & (1u << n))
			expect_handled(SVM_EXIT_VMRUN + n);
		if (c.intercept_exceptions & (1u << n))
			expect_handled(SVM_EXIT_EXCP_BASE + n);
		if (n < 16 && (c.intercept_cr & SVM_INTERCEPT_CR_READ(n)))
			expect_handled(SVM_EXIT_CR_READ_BASE + n);
		if (n < 16 && (c.intercept_cr & SVM_INTERCEPT_CR_WRITE(n)))
			expect_handled(SVM_EXIT_CR_WRITE_BASE + n);
	}
	/* Set at run time: the interrupt window (VINTR) and, with nested
	 * paging, nested page faults. */
	expect_handled(SVM_EXIT_VINTR);
	expect_handled(SVM_EXIT_NPF);
}

static void test_no_duplicate_or_stray_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(exit_map); i++) {
		for (size_t j = i + 1; j < BH_ARRAY_SIZE(exit_map); j++)
			assert_int_not_equal(exit_map[i].code,
					     exit_map[j].code);
		assert_ptr_equal(svm_policy_exit(exit_map[i].code),
				 &exit_map[i]);
	}
	/* Never asked for: no entry, so the core sees "unhandled". */
	assert_null(svm_policy_exit(SVM_EXIT_RDTSC));
	assert_null(svm_policy_exit(SVM_EXIT_PAUSE));
	assert_null(svm_policy_exit(SVM_EXIT_CR3_WRITE));
	assert_null(svm_policy_exit(SVM_EXIT_INVALID));
	assert_null(svm_policy_exit((uint32_t)SVM_EXIT_INVALID));
	assert_null(svm_policy_exit(0xFFFF));
}

/* The instructions the core skips after handling them, with their
 * encodings (SDM Vol. 2 / APM Vol. 3): without next-RIP save the backend
 * measures them at RIP with these bytes. */
static void test_skipped_instructions_have_opcodes(void **state)
{
	(void)state;
	static const struct {
		uint16_t code;
		uint8_t oplen, op[3];
	} want[] = {
	    {SVM_EXIT_CPUID, 2, {0x0F, 0xA2}},
	    {SVM_EXIT_HLT, 1, {0xF4}},
	    {SVM_EXIT_INVD, 2, {0x0F, 0x08}},
	    {SVM_EXIT_MSR, 2, {0x0F, 0x32}},
	    {SVM_EXIT_VMMCALL, 3, {0x0F, 0x01, 0xD9}},
	    {SVM_EXIT_XSETBV, 3, {0x0F, 0x01, 0xD1}},
	};
	for (size_t i = 0; i < BH_ARRAY_SIZE(want); i++) {
		const struct svm_exit_map *m = svm_policy_exit(want[i].code);
		assert_non_null(m);
		assert_int_equal(m->oplen, want[i].oplen);
		assert_memory_equal(m->op, want[i].op, want[i].oplen);
	}
	/* Everything else has no opcode: events and faults do not skip, I/O
	 * takes the next RIP from EXITINFO2, CR writes are decoded, and the
	 * #UD refusals do not skip. */
	for (size_t i = 0; i < BH_ARRAY_SIZE(exit_map); i++) {
		bool listed = false;
		for (size_t j = 0; j < BH_ARRAY_SIZE(want); j++)
			listed |= exit_map[i].code == want[j].code;
		if (!listed)
			assert_int_equal(exit_map[i].oplen, 0);
		assert_true(exit_map[i].oplen <= sizeof(exit_map[i].op));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intercepts_are_the_policy),
	    cmocka_unit_test(test_every_intercept_is_handled),
	    cmocka_unit_test(test_no_duplicate_or_stray_codes),
	    cmocka_unit_test(test_skipped_instructions_have_opcodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
