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
#include "hv/abi.h"
#include "hv/exit.h"
#include "hv/snapshot.h"

#define HEAP_BYTES (512 * 1024)

static void *heap_mem, *ram_copy;

/* A PC partition with `n` vCPUs (CPUs 1..n) and snapshot memory; `who`
 * is its snapshot key (with snapshot = no it still gets the memory, as
 * the first tests had it: no dirty tracking then). */
static struct partition *snap_part_for(unsigned n, enum cfg_snapshot who)
{
	struct partition *p =
	    fake_part_create(0, &(struct fake_part_opts){.nvcpus = n,
							 .first_pcpu = 1,
							 .pc_platform = true,
							 .snapshot = who});
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

static struct partition *snap_part(unsigned n)
{
	return snap_part_for(n, CFG_SNAPSHOT_NO);
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
		*vlapic_reg(&v->lapic, VLAPIC_TPR) = a ? 0x20 : 0x70;
		v->msr.tsc_adjust = a ? 0x111 : 0x999;
		v->msr.mtrr.reg[VMTRR_VAR0] = a ? 0xC0000000ull : 0x1006;
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
		assert_int_equal(vlapic_reg_get(&v->lapic, VLAPIC_TPR), 0x20);
		assert_int_equal(v->msr.tsc_adjust, 0x111);
		assert_int_equal(v->msr.mtrr.reg[VMTRR_VAR0], 0xC0000000ull);
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
			   "512 pages copied");
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

/* What the guest writes in round r: page numbers (distinct). */
static const uint32_t round_pages[][24] = {
    {3, 7, 100},
    {7,	 8,  9,	 10, 11, 12, 13, 14, 15,  16,  17,  18,
     19, 20, 21, 22, 23, 24, 25, 26, 300, 301, 302, 511},
    {3},
};
static const unsigned round_count[] = {3, 24, 1};

static void guest_writes(struct vcpu *v, unsigned round)
{
	uint8_t junk[5000];
	memset(junk, 0xEE, sizeof(junk));
	for (unsigned i = 0; i < round_count[round]; i++) {
		uint64_t gpa = (uint64_t)round_pages[round][i] * 4096;
		fake_guest_write(v, gpa + 100, junk, 8);
		fake_guest_write(v, gpa + 200, junk, 8); /* same page again */
	}
}

static uint64_t last_copied(struct partition *p)
{
	struct snapshot_stat st;
	snapshot_stat(p, &st);
	return st.last_copied;
}

/* With dirty tracking, a restore copies back exactly the pages the guest
 * wrote since the take or the last restore, and RAM is whole again. A
 * page written in one round and again in a later one is copied back both
 * times: its dirty flag was cleared (rearmed) by the first restore. The
 * second round writes more pages than the log holds (a log-full exit). */
static void test_dirty_restore(void **state)
{
	(void)state;
	struct partition *p = snap_part_for(1, CFG_SNAPSHOT_YES);
	struct vcpu *v = &p->vcpus[0];
	assert_int_equal(arch_dirty_log_mode(p), ARCH_DIRTY_LOG);
	fill(p, 1);
	assert_null(part_snapshot(p));
	run(v);
	assert_int_equal(p->arch->dirty_resets, 1);
	for (unsigned r = 0; r < 3; r++) {
		fake_set_cpu(v->pcpu);
		guest_writes(v, r);
		fake_set_cpu(0);
		struct snapshot_stat st;
		snapshot_stat(p, &st);
		assert_true(st.exists);
		assert_int_equal(st.tracking, ARCH_DIRTY_LOG);
		assert_null(part_restore(p));
		run(v);
		assert_int_equal(last_copied(p), round_count[r]);
		assert_true(ram_is(p, 1));
	}
	assert_true(p->arch->log_fulls >= 1);
	assert_int_equal(p->arch->rearms, 3);
	assert_console_has("restored from its snapshot (#1, 3 pages copied");
	assert_console_has("restored from its snapshot (#2, 24 pages copied");
	assert_console_has("restored from its snapshot (#3, 1 pages copied");
}

/* A CPU without dirty tracking, and a partition reset since the take
 * (its images reloaded behind the log): all of RAM is copied. */
static void test_dirty_fallbacks(void **state)
{
	(void)state;
	fake_set_dirty_capable(false);
	struct partition *p = snap_part_for(1, CFG_SNAPSHOT_YES);
	struct vcpu *v = &p->vcpus[0];
	assert_int_equal(arch_dirty_log_mode(p), ARCH_DIRTY_NONE);
	assert_null(part_snapshot(p));
	run(v);
	assert_null(part_restore(p));
	run(v);
	assert_int_equal(last_copied(p), 512);

	fake_set_dirty_capable(true);
	fake_part_destroy_all();
	p = snap_part_for(1, CFG_SNAPSHOT_YES);
	v = &p->vcpus[0];
	fill(p, 1);
	assert_null(part_snapshot(p));
	run(v);
	fill(p, 2); /* as a reset's reload would, unseen by the log */
	p->resets++;
	assert_null(part_restore(p));
	run(v);
	assert_int_equal(last_copied(p), 512);
	assert_true(ram_is(p, 1));
	fake_set_cpu(v->pcpu);
	guest_writes(v, 0);
	fake_set_cpu(0);
	assert_null(part_restore(p)); /* tracked again from there */
	run(v);
	assert_int_equal(last_copied(p), 3);
	assert_true(ram_is(p, 1));
}

static int64_t vmcall(struct vcpu *v, uint64_t nr)
{
	struct exit_info e = {.kind = EXIT_HYPERCALL};
	fake_set_cpu(v->pcpu);
	v->regs.rax = nr;
	exit_dispatch(v, &e);
	fake_set_cpu(0);
	return (int64_t)v->regs.rax;
}

/* The guest's own SNAPSHOT and RESTORE (hv/abi.h): setjmp style, with
 * the restore count, pages copied and ticks; its TSC goes on from the
 * take. Without `snapshot = self`: BH_EPERM and nothing happens. */
static void test_hypercalls(void **state)
{
	(void)state;
	struct partition *p = snap_part_for(1, CFG_SNAPSHOT_SELF);
	struct vcpu *v = &p->vcpus[0];
	fake_vcpu(v)->insn_len = 3;
	fake_vcpu(v)->rip = 0x5000;
	assert_int_equal(vmcall(v, BH_HC_RESTORE), BH_ENOENT);
	fake_vcpu(v)->rip = 0x5000;
	fake_set_now(1000000);
	assert_int_equal(vmcall(v, BH_HC_SNAPSHOT), BH_EOK);
	run(v);
	assert_true(snapshot_exists(p));
	assert_int_equal(v->regs.rax, 0);
	for (unsigned n = 1; n <= 2; n++) {
		fake_set_now(1000000 + n * 777777);
		fake_set_cpu(v->pcpu);
		guest_writes(v, 0);
		fake_set_cpu(0);
		v->regs.rbx = 0xBAD;
		fake_vcpu(v)->rip = 0x7000;
		assert_int_equal(vmcall(v, BH_HC_RESTORE), BH_EOK);
		run(v);
		assert_int_equal(fake_vcpu(v)->rip, 0x5003); /* after VMCALL */
		assert_int_equal(v->regs.rax, 1);
		assert_int_equal(v->regs.rbx, n);
		assert_int_equal(v->regs.rcx, 3);
		/* The partition's clock reads what it read at the take. */
		assert_int_equal(part_now(p), 1000000);
	}
	/* A restore by the operator also returns to the SNAPSHOT call. */
	assert_null(part_restore(p));
	run(v);
	assert_int_equal(v->regs.rax, 1);
	assert_int_equal(v->regs.rbx, 3);
	assert_int_equal(v->regs.rcx, 0);

	fake_part_destroy_all();
	struct partition *q = snap_part_for(1, CFG_SNAPSHOT_YES);
	struct vcpu *w = &q->vcpus[0];
	assert_int_equal(vmcall(w, BH_HC_SNAPSHOT), BH_EPERM);
	assert_int_equal(vmcall(w, BH_HC_RESTORE), BH_EPERM);
	run(w);
	assert_false(snapshot_exists(q));
	assert_int_equal(fake_vcpu(w)->saves, 0);
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
	    cmocka_unit_test_setup_teardown(test_dirty_restore, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_dirty_fallbacks, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_hypercalls, core_setup,
					    core_teardown),
	};
	int rc = CORE_RUN(tests);
	free(heap_mem);
	free(ram_copy);
	return rc;
}
