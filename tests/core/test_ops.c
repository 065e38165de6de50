/* The operator's operations on a partition (hv/part.c): pause parks every
 * vCPU on its own CPU through the quiesce rendezvous until resume; stop
 * and start; reset on request; and each refused in the wrong state with a
 * reason. vCPU loops run on threads playing their CPUs, the test thread
 * is CPU 0 (the management CPU). */
#include <pthread.h>
#include "tests/core/core_test.h"

static void *loop_thread(void *arg)
{
	struct vcpu *v = arg;
	fake_set_cpu(v->pcpu);
	fake_run_loop(v);
	return NULL;
}

/* Waits (up to ~2 s) until every vCPU of p has reached the rendezvous. */
static bool all_parked(struct partition *p)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(&p->quiesce.arrived, __ATOMIC_ACQUIRE) ==
		    p->nvcpus)
			return true;
		usleep(1000);
	}
	return false;
}

static struct partition *two_vcpus(void)
{
	struct partition *p = fake_part_create(
	    0, &(struct fake_part_opts){.nvcpus = 2, .first_pcpu = 1});
	p->vcpus[1].state = VCPU_RUNNING; /* as if started by a SIPI */
	fake_set_cpu(0);		  /* the test acts as CPU 0 */
	return p;
}

static void test_pause_parks_then_resume_goes_on(void **state)
{
	(void)state;
	struct partition *p = two_vcpus();
	assert_null(part_pause(p));
	assert_int_equal(p->state, PART_PAUSED);
	assert_int_equal(fake_kicks(1), 1);
	assert_int_equal(fake_kicks(2), 1);

	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, loop_thread, &p->vcpus[i]), 0);
	assert_true(all_parked(p));
	usleep(20000);
	/* Parked: no vCPU entered the guest while paused. */
	assert_int_equal(fake_vcpu(&p->vcpus[0])->runs, 0);
	assert_int_equal(fake_vcpu(&p->vcpus[1])->runs, 0);
	assert_console_has("partition p0 paused");

	assert_null(part_resume(p));
	assert_int_equal(p->state, PART_RUNNING);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	/* Released: each went back to its guest (no queued exit ends the
	 * fake loop at the first entry). */
	assert_int_equal(fake_vcpu(&p->vcpus[0])->runs, 1);
	assert_int_equal(fake_vcpu(&p->vcpus[1])->runs, 1);
	assert_console_has("partition p0 resumed");
	assert_int_equal(p->resets, 0);
}

/* A resume that comes before every vCPU arrived lets all of them go on
 * (none stays parked for a rendezvous that is over). */
static void test_resume_before_arrival(void **state)
{
	(void)state;
	struct partition *p = two_vcpus();
	assert_null(part_pause(p));
	pthread_t t0;
	assert_int_equal(pthread_create(&t0, NULL, loop_thread, &p->vcpus[0]),
			 0);
	for (int i = 0; i < 2000 && !p->quiesce.arrived; i++)
		usleep(1000);
	assert_int_equal(p->quiesce.arrived, 1);
	assert_null(part_resume(p));
	assert_int_equal(pthread_join(t0, NULL), 0);
	pthread_t t1;
	assert_int_equal(pthread_create(&t1, NULL, loop_thread, &p->vcpus[1]),
			 0);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(fake_vcpu(&p->vcpus[0])->runs, 1);
	assert_int_equal(fake_vcpu(&p->vcpus[1])->runs, 1);
}

static void test_refusals_by_state(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	assert_string_equal(part_resume(p),
			    "only a paused partition can be resumed");
	assert_string_equal(part_start(p), "its CPUs never came up");
	p->vcpus[0].alive = true;
	assert_string_equal(part_start(p), "only a stopped or failed "
					   "partition can be started");
	assert_null(part_pause(p));
	assert_string_equal(part_pause(p),
			    "only a running partition can be paused");
	assert_string_equal(part_request_reset(p),
			    "only a running partition can be reset");
	assert_null(part_request_stop(p)); /* paused: resumed, then stopped */
	assert_int_equal(p->state, PART_STOPPED);
	assert_string_equal(part_request_stop(p),
			    "only a running or paused partition can be "
			    "stopped");
	assert_string_equal(part_request_reset(p),
			    "only a running partition can be reset");
	assert_console_has("partition p0 stopped by the operator");
}

/* Stop, then start: the partition boots again from its pristine image,
 * which is not counted as a reset. */
static void test_stop_then_start(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	struct vcpu *v = &p->vcpus[0];
	assert_null(part_request_stop(p));
	assert_int_equal(fake_run_loop(v), FAKE_END_CPU_WAIT);
	assert_true(v->alive);
	memset((void *)p->ram_hpa, 0xEE, 4096); /* the guest's leftovers */
	assert_null(part_start(p));
	assert_int_equal(p->state, PART_RESETTING);
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	assert_int_equal(p->state, PART_RUNNING);
	assert_int_equal(p->resets, 0);
	assert_console_has("partition p0 started");
	assert_memory_equal((const void *)(p->ram_hpa + FAKE_RAW_ENTRY),
			    fake_raw_image, sizeof(fake_raw_image));
	assert_int_equal(*(const uint8_t *)p->ram_hpa, 0); /* scrubbed */
}

/* A failed partition (stopped by a fault) can be started too. */
static void test_failed_then_start(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	struct vcpu *v = &p->vcpus[0];
	struct exit_info e = {.kind = EXIT_TRIPLE_FAULT};
	exit_dispatch(v, &e);
	assert_int_equal(p->state, PART_FAILED);
	assert_string_equal(part_state_name(p->state), "failed");
	assert_int_equal(fake_run_loop(v), FAKE_END_CPU_WAIT);
	assert_null(part_start(p));
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	assert_int_equal(p->state, PART_RUNNING);
}

static void test_reset_on_request(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	assert_null(part_request_reset(p));
	assert_int_equal(fake_run_loop(&p->vcpus[0]), FAKE_END_NO_EXIT);
	assert_int_equal(p->resets, 1);
	assert_console_has("partition p0: reset by the operator: restarting "
			   "it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_pause_parks_then_resume_goes_on, core_setup,
		core_teardown),
	    cmocka_unit_test_setup_teardown(test_resume_before_arrival,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_by_state, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_stop_then_start, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_failed_then_start, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_on_request, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
