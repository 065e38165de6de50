/* Snapshots (hv/snapshot.c) on the fake backend: take and restore through
 * the quiesce rendezvous put back RAM, every vCPU's state (saved and
 * loaded on its own CPU) and registers, and the devices; each refusal
 * has its reason; a vCPU that cannot save its state leaves no snapshot.
 * vCPU loops run on threads playing their CPUs where a test needs two. */
#include <pthread.h>
#include <stdlib.h>
#include "tests/core/core_test.h"
#include "hv/heap.h"
#include "hv/partition.h"
#include "hv/snapshot.h"

#define HEAP_BYTES (512 * 1024)

static void *heap_mem, *ram_copy;

/* A PC partition with `n` vCPUs (CPUs 1..n) and snapshot memory. */
static struct partition *snap_part(unsigned n)
{
	struct partition *p = fake_part_create(
	    0, &(struct fake_part_opts){
		   .nvcpus = n, .first_pcpu = 1, .pc_platform = true});
	for (unsigned i = 1; i < n; i++)
		p->vcpus[i].state = VCPU_RUNNING; /* as if started by a SIPI */
	free(heap_mem);
	free(ram_copy);
	heap_mem = aligned_alloc(4096, HEAP_BYTES);
	ram_copy = aligned_alloc(4096, p->ram_size);
	assert_non_null(heap_mem);
	assert_non_null(ram_copy);
	heap_init((uint64_t)heap_mem, HEAP_BYTES);
	assert_int_equal(snapshot_init(p, (uint64_t)ram_copy), 0);
	fake_set_cpu(0); /* the test acts as the management CPU */
	return p;
}

/* Runs vCPU v's loop on its own CPU until it wants to enter the guest
 * with nothing queued: the rendezvous has run. */
static void run(struct vcpu *v)
{
	fake_set_cpu(v->pcpu);
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	fake_set_cpu(0);
}

static void *loop_thread(void *arg)
{
	struct vcpu *v = arg;
	fake_set_cpu(v->pcpu);
	fake_run_loop(v);
	return NULL;
}

static void run_all(struct partition *p)
{
	pthread_t t[PART_MAX_VCPUS];
	for (unsigned i = 0; i < p->nvcpus; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, loop_thread, &p->vcpus[i]), 0);
	for (unsigned i = 0; i < p->nvcpus; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

static void fill(struct partition *p, uint8_t seed)
{
	uint8_t *ram = (uint8_t *)p->ram_hpa;
	for (uint64_t i = 0; i < p->ram_size; i++)
		ram[i] = (uint8_t)(i * 7 + seed);
}

static bool ram_is(struct partition *p, uint8_t seed)
{
	const uint8_t *ram = (const uint8_t *)p->ram_hpa;
	for (uint64_t i = 0; i < p->ram_size; i++)
		if (ram[i] != (uint8_t)(i * 7 + seed))
			return false;
	return true;
}

/* State the test sets before the snapshot (a) or after it (b). */
static void set_state(struct partition *p, bool a)
{
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];
		fake_vcpu(v)->rip = (a ? 0x1000 : 0x9000) + i;
		fake_vcpu(v)->halted = !a;
		v->regs.rbx = (a ? 0xB0 : 0xE0) + i;
		v->lapic.tpr = a ? 0x20 : 0x70;
	}
	p->pic.chip[0].imr = a ? 0x5A : 0x00;
	p->plat.cmos_index = a ? 0x0A : 0x0B;
	fill(p, a ? 1 : 99);
}

static void assert_state_a(struct partition *p)
{
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];
		assert_int_equal(fake_vcpu(v)->rip, 0x1000 + i);
		assert_false(fake_vcpu(v)->halted);
		assert_int_equal(v->regs.rbx, 0xB0 + i);
		assert_int_equal(v->lapic.tpr, 0x20);
	}
	assert_int_equal(p->pic.chip[0].imr, 0x5A);
	assert_int_equal(p->plat.cmos_index, 0x0A);
	assert_true(ram_is(p, 1));
}

static void test_take_and_restore(void **state)
{
	(void)state;
	struct partition *p = snap_part(1);
	struct vcpu *v = &p->vcpus[0];
	set_state(p, true);
	assert_false(snapshot_exists(p));
	assert_null(part_snapshot(p));
	run(v);
	assert_true(snapshot_exists(p));
	assert_int_equal(fake_vcpu(v)->saves, 1);
	assert_console_has("partition p0: snapshot taken (2 MiB copied");

	for (int round = 1; round <= 3; round++) {
		set_state(p, false);
		assert_null(part_restore(p));
		run(v);
		assert_state_a(p);
		assert_int_equal(fake_vcpu(v)->loads, round);
		assert_int_equal(p->state, PART_RUNNING);
	}
	assert_console_has("partition p0: restored from its snapshot (#3, "
			   "2 MiB copied");
	assert_true(snapshot_exists(p)); /* kept for the next job */
}

/* Two vCPUs, each on its own CPU (thread): each saves and loads its own
 * state (the fake checks the CPU), vCPU 0 copies RAM and devices. */
static void test_two_vcpus(void **state)
{
	(void)state;
	struct partition *p = snap_part(2);
	set_state(p, true);
	assert_null(part_snapshot(p));
	run_all(p);
	assert_true(snapshot_exists(p));
	set_state(p, false);
	assert_null(part_restore(p));
	run_all(p);
	assert_state_a(p);
	assert_int_equal(fake_vcpu(&p->vcpus[1])->loads, 1);
}

static void test_refusals(void **state)
{
	(void)state;
	struct partition *q = fake_part_create(
	    1, &(struct fake_part_opts){.name = "plain", .first_pcpu = 3});
	assert_string_equal(part_snapshot(q), "the partition has no snapshot "
					      "memory (snapshot = no)");
	assert_string_equal(part_drop(q), "the partition has no snapshot "
					  "memory (snapshot = no)");

	struct partition *p = snap_part(1);
	struct vcpu *v = &p->vcpus[0];
	assert_string_equal(part_restore(p), "the partition has no snapshot");
	assert_string_equal(part_drop(p), "the partition has no snapshot");
	assert_null(part_snapshot(p));
	assert_string_equal(part_snapshot(p), "a snapshot or restore is "
					      "already under way");
	assert_string_equal(part_restore(p), "a snapshot or restore is "
					     "already under way");
	run(v);
	assert_null(part_drop(p));
	assert_false(snapshot_exists(p));
	assert_string_equal(part_restore(p), "the partition has no snapshot");
	assert_console_has("partition p0: snapshot dropped");

	assert_null(part_pause(p));
	assert_string_equal(part_snapshot(p), "only a running partition can "
					      "be snapshotted or restored");
	assert_null(part_resume(p));
	assert_null(part_request_stop(p));
	assert_string_equal(part_snapshot(p), "only a running partition can "
					      "be snapshotted or restored");
}

/* A vCPU whose state cannot be kept: no snapshot, an earlier one is
 * gone too (it was being replaced), the partition runs on. */
static void test_save_failure(void **state)
{
	(void)state;
	struct partition *p = snap_part(1);
	struct vcpu *v = &p->vcpus[0];
	assert_null(part_snapshot(p));
	run(v);
	assert_true(snapshot_exists(p));
	fake_set_save_error(true);
	assert_null(part_snapshot(p));
	run(v);
	assert_false(snapshot_exists(p));
	assert_console_has("partition p0: snapshot failed: a vCPU's state "
			   "does not fit");
	assert_int_equal(p->state, PART_RUNNING);
	assert_string_equal(part_restore(p), "the partition has no snapshot");
}

/* No reserved copy of RAM (snapshot = no): nothing is set up. */
static void test_no_reservation(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	assert_int_equal(snapshot_init(p, 0), 0);
	assert_null(p->snap);
	assert_false(snapshot_exists(p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_take_and_restore, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_two_vcpus, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_save_failure, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_no_reservation, core_setup,
					    core_teardown),
	};
	int rc = CORE_RUN(tests);
	free(heap_mem);
	free(ram_copy);
	return rc;
}
