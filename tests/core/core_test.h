/* Shared by the core tests tests/core/test_*.c (not a test itself):
 * cmocka, the fake backend and partition fixture, and a watchdog so a
 * core busy-wait that never ends fails the binary instead of hanging the
 * suite. */
#ifndef BH_TESTS_CORE_TEST_H
#define BH_TESTS_CORE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/fake/fake_arch.h"
#include "tests/fake/fake_part.h"
#include "hv/exit.h"
#include "hv/console.h"
#include "arch/x86_64/x86_defs.h"

#define CORE_TEST_TIMEOUT 20 /* seconds for a whole binary */

static inline int core_setup(void **state)
{
	(void)state;
	fake_reset();
	fake_part_destroy_all();
	return 0;
}

static inline int core_teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_contract_errors(), 0);
	fake_part_destroy_all();
	return 0;
}

/* Fails with the console output when `needle` is not in it. */
#define assert_console_has(needle)                                             \
	do {                                                                   \
		if (!fake_console_has(needle))                                 \
			fail_msg("console lacks \"%s\"; it has:\n%s", needle,  \
				 fake_console_output());                       \
	} while (0)

static inline struct exit_info io_exit(uint16_t port, uint8_t size, bool in)
{
	struct exit_info e = {.kind = EXIT_IO};
	e.io.port = port;
	e.io.size = size;
	e.io.in = in;
	return e;
}

static inline int core_run(const struct CMUnitTest *tests, size_t n,
			   const char *name)
{
	alarm(CORE_TEST_TIMEOUT);
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

#define CORE_RUN(tests) core_run(tests, BH_ARRAY_SIZE(tests), #tests)

/* WRMSR of val to msr on vCPU v, through its exit. */
static inline void core_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct exit_info e = {.kind = EXIT_WRMSR};
	v->regs.rcx = msr;
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	exit_dispatch(v, &e);
}

#endif
