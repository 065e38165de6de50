/* The partition state machine (hv/part.c) on the fake backend: stop,
 * reset and fault, the exits that end in them, and the reset carried out
 * by the vCPU loop (run by fake_run_loop until it would block; a second
 * thread plays vCPU 1's CPU for the multi-vCPU rendezvous). */
#include "tests/core/core_test.h"
#include "hv/abi.h"

#include <pthread.h>

#define DIRTY_GPA 0x1000u

static struct partition *part3(enum cfg_on_fault on_fault)
{
	return fake_part_create(0, &(struct fake_part_opts){
				       .nvcpus = 3,
				       .first_pcpu = 1,
				       .exit_port = 0xF4,
				       .on_fault = on_fault,
				   });
}

static void dispatch(struct vcpu *v, struct exit_info e)
{
	exit_dispatch(v, &e);
}

static struct exit_info out_exit(uint16_t port, uint8_t size)
{
	return io_exit(port, size, false);
}

/* Must run first in this binary: "all partitions stopped" is printed once
 * per hypervisor run (hv/part.c check_all_stopped), and every other test
 * stops all of its partitions. */
static void test_all_partitions_stopped_once(void **state)
{
	(void)state;
	struct partition *a = fake_part_create(
	    0, &(struct fake_part_opts){.name = "a", .first_pcpu = 1});
	struct partition *b = fake_part_create(
	    1, &(struct fake_part_opts){.name = "b", .first_pcpu = 2});
	part_stop(a, "stopped: first");
	assert_false(fake_console_has("all partitions stopped"));
	part_stop(b, "stopped: second");
	assert_console_has("all partitions stopped\n");
}

/* part_stop: STOPPED, the reason and the exit counts on the console, the
 * other vCPUs' CPUs kicked (not the caller's own), idempotent. */
static void test_stop(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_STOP);
	struct vcpu *v = &p->vcpus[0];
	dispatch(v, out_exit(0x80, 1));
	dispatch(v, out_exit(0x80, 1));
	dispatch(v, (struct exit_info){.kind = EXIT_CPUID});
	fake_console_clear();
	part_stop(p, "stopped: %s %d", "by the test", 7);
	assert_int_equal(p->state, PART_STOPPED);
	assert_console_has("bulkhead: cpu1: partition p0 stopped: by the test "
			   "7\n");
	assert_console_has("partition p0 exits: io=2 cpuid=1 (unowned I/O "
			   "dropped: 2)\n");
	assert_int_equal(fake_kicks(1), 0);
	assert_int_equal(fake_kicks(2), 1);
	assert_int_equal(fake_kicks(3), 1);

	fake_console_clear();
	part_stop(p, "stopped: again");
	assert_string_equal(fake_console_output(), "");
	assert_int_equal(fake_total_kicks(), 2);
	part_reset(p, "too late"); /* a stopped partition stays stopped */
	assert_int_equal(p->state, PART_STOPPED);
	assert_string_equal(fake_console_output(), "");
}

/* Stopped from a CPU outside the partition: all its CPUs are kicked. */
static void test_stop_from_elsewhere(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_STOP);
	fake_set_cpu(0);
	part_stop(p, "stopped: from outside");
	assert_int_equal(fake_kicks(1), 1);
	assert_int_equal(fake_kicks(2), 1);
	assert_int_equal(fake_kicks(3), 1);
	assert_console_has("bulkhead: cpu0: partition p0 stopped: from "
			   "outside");
	assert_console_has("partition p0 exits: none (unowned I/O dropped: "
			   "0)");
}

/* part_reset from RUNNING: RESETTING, logged, the other CPUs kicked;
 * while it is under way further requests change nothing. */
static void test_reset_request(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_STOP);
	fake_set_cpu(2); /* vCPU 1 asks */
	part_reset(p, "reboot requested");
	assert_int_equal(p->state, PART_RESETTING);
	assert_console_has("partition p0: reboot requested: restarting it\n");
	assert_int_equal(fake_kicks(1), 1);
	assert_int_equal(fake_kicks(2), 0);
	assert_int_equal(fake_kicks(3), 1);

	fake_console_clear();
	part_reset(p, "again");
	assert_int_equal(p->state, PART_RESETTING);
	assert_string_equal(fake_console_output(), "");
	assert_int_equal(fake_total_kicks(), 2);

	/* Stopping wins over a reset under way. */
	part_stop(p, "stopped: during reset");
	assert_int_equal(p->state, PART_STOPPED);
}

/* part_fault follows on_fault; the fatal exits go through it. */
static void test_fault_stop(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_STOP);
	dispatch(&p->vcpus[0], (struct exit_info){.kind = EXIT_TRIPLE_FAULT});
	assert_int_equal(p->state, PART_FAILED);
	assert_console_has("partition p0 stopped: triple fault on vCPU 0 at "
			   "RIP 0x0");
	assert_console_has("exits: triple-fault=1 ");
}

static void test_fault_reset(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_RESET);
	struct vcpu *v = &p->vcpus[0];
	part_fault(p, "guest %s", "confused");
	assert_int_equal(p->state, PART_RESETTING);
	assert_console_has("partition p0: guest confused: restarting it");
	assert_false(fake_console_has("stopped"));

	core_setup(NULL); /* a fresh machine */
	p = part3(CFG_FAULT_RESET);
	v = &p->vcpus[0];
	dispatch(
	    v, (struct exit_info){.kind = EXIT_ENTRY_FAILED, .raw_reason = 33});
	assert_int_equal(p->state, PART_RESETTING);
	assert_int_equal(fake_vcpu(v)->dumps, 1);
	assert_console_has("partition p0: VM entry failed on vCPU 0 (reason "
			   "0x21): restarting it");
}

/* Machine checks and unhandled exits: the vCPU state is dumped. Unknown
 * kinds count as unhandled. */
static void test_unhandled_and_machine_check(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_STOP);
	struct vcpu *v = &p->vcpus[0];
	dispatch(
	    v, (struct exit_info){.kind = (enum exit_kind)(EXIT_KIND_COUNT + 3),
				  .raw_reason = 99,
				  .qual = 0x5});
	assert_int_equal(p->state, PART_FAILED);
	assert_int_equal(vcpu_exits(v, EXIT_UNHANDLED), 1);
	assert_int_equal(fake_vcpu(v)->dumps, 1);
	assert_console_has("fake: vCPU 0 dump: exit kind");
	assert_console_has("partition p0 stopped: unhandled exit 99 (qual "
			   "0x5)");

	core_setup(NULL); /* a fresh machine */
	p = part3(CFG_FAULT_STOP);
	v = &p->vcpus[1];
	fake_set_cpu(v->pcpu);
	dispatch(v, (struct exit_info){.kind = EXIT_EXCEPTION});
	assert_int_equal(p->state, PART_FAILED);
	assert_console_has("machine check on vCPU 1");
	assert_int_equal(fake_kicks(1), 1);
	assert_int_equal(fake_kicks(2), 0);
}

/* Guest-physical accesses outside RAM: stop, fail soft in the PC MMIO
 * hole, and a fault when the instruction cannot be emulated. */
static void test_mem_violations(void **state)
{
	(void)state;
	struct partition *p = part3(CFG_FAULT_STOP);
	struct vcpu *v = &p->vcpus[0];
	struct exit_info e = {.kind = EXIT_MEM_VIOLATION};
	e.mem.gpa = 0xC0001000;
	e.mem.write = true;
	dispatch(v, e);
	assert_int_equal(p->state, PART_FAILED);
	assert_console_has("stopped: memory access outside its RAM at GPA "
			   "0xc0001000 (w)");

	core_setup(NULL); /* a fresh machine */
	p = fake_part_create(0, &(struct fake_part_opts){.pc_platform = true});
	v = &p->vcpus[0];
	e.mem.write = false;
	e.mem.read = true;
	v->regs.rax = 0x1122334455667788ull;
	fake_set_mmio(v, 4, false, 0);
	dispatch(v, e);
	assert_int_equal(p->state, PART_RUNNING);
	assert_int_equal(p->mmio_dropped, 1);
	assert_int_equal(v->regs.rax, 0xFFFFFFFFull);
	assert_int_equal(fake_vcpu(v)->rip, FAKE_INSN_LEN);

	/* Nothing decodable: part_fault. */
	dispatch(v, e);
	assert_int_equal(p->state, PART_FAILED);
	assert_console_has("cannot emulate MMIO access at GPA 0xc0001000");
	assert_console_has("fake: no decoded access armed");

	/* An instruction fetch from MMIO is never emulated. */
	core_setup(NULL); /* a fresh machine */
	p = fake_part_create(0, &(struct fake_part_opts){.pc_platform = true});
	v = &p->vcpus[0];
	e.mem.fetch = true;
	fake_set_mmio(v, 4, false, 0);
	dispatch(v, e);
	assert_int_equal(p->state, PART_FAILED);
	assert_console_has("(rx)");
	assert_true(fake_vcpu(v)->mmio.armed);
}

/* The loop, given exits: an OUT to the exit port stops the partition and
 * the vCPU parks (VCPU_STOPPED). */
static void set_rax_42(struct vcpu *v, void *ctx)
{
	(void)ctx;
	v->regs.rax = 42;
}

static void test_loop_until_exit_port(void **state)
{
	(void)state;
	struct partition *p =
	    fake_part_create(0, &(struct fake_part_opts){.exit_port = 0xF4});
	struct vcpu *v = &p->vcpus[0];
	struct fake_exit x = {.info = out_exit(0x80, 1)};
	fake_queue_exit(v, &x);
	x = (struct fake_exit){.info = out_exit(0xF4, 4), .on_run = set_rax_42};
	fake_queue_exit(v, &x);
	assert_int_equal(fake_run_loop(v), FAKE_END_CPU_WAIT);
	assert_int_equal(p->state, PART_STOPPED);
	assert_int_equal(p->exit_status, 42);
	assert_int_equal(v->state, VCPU_STOPPED);
	assert_int_equal(v->exits[EXIT_IO], 2);
	assert_int_equal(fake_vcpu(v)->runs, 2);
	assert_int_equal(fake_cpu_waits(), 1);
}

/* Dirties everything a reset must restore. */
static void dirty(struct partition *p)
{
	struct vcpu *v = &p->vcpus[0];
	uint8_t *ram = (uint8_t *)p->ram_hpa;
	memset(ram + DIRTY_GPA, 0xAB, 64);
	memset(ram + FAKE_RAW_ENTRY, 0xCC, sizeof(fake_raw_image));
	for (const char *s = "abc"; *s; s++) {
		v->regs.rax = (uint8_t)*s;
		dispatch(v, out_exit(BH_UART_BASE, 1));
	}
	v->regs.rax = 0x5A;
	dispatch(v, out_exit(0x21, 1)); /* vPIC IMR */
	p->exit_status = 5;
	v->regs.rbx = 0x77;
	fake_set_rflags(v, RFLAGS_IF);
	fake_vcpu(v)->rip = 0x1234;
}

static void assert_restarted(struct partition *p, unsigned resets)
{
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	uint8_t *ram = (uint8_t *)p->ram_hpa;
	uint8_t zero[64] = {0};
	assert_int_equal(p->state, PART_RUNNING);
	assert_int_equal(p->resets, resets);
	assert_int_equal(p->exit_status, 0);
	assert_memory_equal(ram + DIRTY_GPA, zero, sizeof(zero));
	assert_memory_equal(ram + FAKE_RAW_ENTRY, fake_raw_image,
			    sizeof(fake_raw_image));
	assert_int_equal(p->pic.chip[0].imr, 0xFF); /* power-on */
	assert_int_equal(v->state, VCPU_RUNNING);
	assert_int_equal(a->starts, 1 + resets);
	assert_int_equal(a->start.mode, VCPU_REAL16);
	assert_int_equal(a->start.cs, FAKE_RAW_ENTRY >> 4);
	assert_int_equal(a->start.rip, 0);
	assert_int_equal(a->rip, 0);
	assert_int_equal(a->rflags & RFLAGS_IF, 0);
	assert_int_equal(v->regs.rbx, 0);
	char line[80];
	bh_snprintf(line, sizeof(line), "partition %s restarted (reset #%u)",
		    p->name, resets);
	assert_console_has(line);
}

/* A reset completes in the vCPU loop: RAM reloaded from the pristine
 * image, devices at power-on, vCPU 0 at the entry point; the resets
 * count reaches the guest through CPUID. */
static void test_reset_completes_in_loop(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	struct vcpu *v = &p->vcpus[0];
	dirty(p);
	part_reset(p, "reboot requested");
	assert_int_equal(p->state, PART_RESETTING);
	assert_console_has("[p0] abc\n"); /* partial line flushed */
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	assert_restarted(p, 1);
	assert_int_equal(fake_vcpu(v)->runs, 1);

	v->regs.rax = BH_CPUID_RESETS;
	dispatch(v, (struct exit_info){.kind = EXIT_CPUID});
	assert_int_equal(v->regs.rax, 1);

	/* And again, through the reset port from inside the loop. */
	dirty(p);
	struct fake_exit x = {.info = out_exit(0xCF9, 1)};
	v->regs.rax = 0x06;
	fake_queue_exit(v, &x);
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	assert_console_has("partition p0: reset through port 0xCF9: "
			   "restarting it");
	assert_restarted(p, 2);
}

/* A reset whose images no longer load stops the partition. */
static void test_reset_failure_stops(void **state)
{
	(void)state;
	static const uint8_t one = 0x90;
	struct part_images bad = {.kernel = {&one, 0}};
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	p->imgs = &bad;
	part_reset(p, "reboot requested");
	assert_int_equal(fake_run_loop(&p->vcpus[0]), FAKE_END_CPU_WAIT);
	assert_int_equal(p->state, PART_FAILED);
	assert_int_equal(p->resets, 0);
	assert_console_has("partition p0 stopped: reset failed: 'fake.bin': "
			   "empty image");
	p->imgs = NULL;
}

/* Two vCPUs: vCPU 1's CPU (a thread) must reach the rendezvous before
 * vCPU 0 rebuilds the partition; afterwards vCPU 1 waits for a SIPI
 * again. */
static void *ap_thread(void *arg)
{
	struct vcpu *v = arg;
	fake_set_cpu(v->pcpu);
	fake_run_loop(v);
	return NULL;
}

static void test_reset_two_vcpus(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(
	    0, &(struct fake_part_opts){.nvcpus = 2, .first_pcpu = 1});
	struct vcpu *v0 = &p->vcpus[0], *v1 = &p->vcpus[1];
	dirty(p);
	v1->state = VCPU_RUNNING; /* it had been started */
	v1->sipi_vector = 0x10;
	part_reset(p, "reboot requested");
	assert_int_equal(fake_kicks(v1->pcpu), 1);

	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, ap_thread, v1), 0);
	assert_int_equal(fake_run_loop(v0), FAKE_END_NO_EXIT);
	assert_restarted(p, 1);
	assert_int_equal(v1->sipi_vector, -1);
	assert_false(v1->init_pending);
	/* vCPU 1 left the rendezvous for wait-for-SIPI (or is about to);
	 * stopping the partition ends its thread. */
	part_stop(p, "stopped: test over");
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(v1->state, VCPU_STOPPED);
	assert_int_equal(fake_vcpu(v1)->starts, 0); /* no SIPI came */
	assert_int_equal(fake_vcpu(v1)->runs, 0);
}

/* The boot vCPU starts in the state the image's loader prescribed
 * (part_boot_vcpu, hv/main.c), registers included. */
static void test_boot_vcpu_state(void **state)
{
	(void)state;
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){0});
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	assert_int_equal(a->start.mode, VCPU_REAL16); /* the raw image */
	assert_int_equal(a->start.cs, FAKE_RAW_ENTRY >> 4);
	assert_int_equal(a->start.rip, 0);

	p->boot.cpu = (struct boot_cpu){.eip = 0x100000,
					.code_sel = 0x10,
					.data_sel = 0x18,
					.gdt_base = 0x6000,
					.gdt_limit = 0x1F,
					.eax = 0x2BADB002,
					.ebx = 0x9000,
					.esi = 0x7000};
	v->regs.rcx = 5;
	part_boot_vcpu(v);
	assert_int_equal(a->start.mode, VCPU_PROT32);
	assert_int_equal(a->rip, 0x100000);
	assert_int_equal(a->start.code_sel, 0x10);
	assert_int_equal(a->start.data_sel, 0x18);
	assert_int_equal(a->start.gdt_base, 0x6000);
	assert_int_equal(a->start.gdt_limit, 0x1F);
	assert_int_equal(v->regs.rax, 0x2BADB002);
	assert_int_equal(v->regs.rbx, 0x9000);
	assert_int_equal(v->regs.rsi, 0x7000);
	assert_int_equal(v->regs.rcx, 0);
	assert_int_equal(arch_vcpu_reg(v, VREG_CR0) & CR0_PE, CR0_PE);
	assert_int_equal(arch_vcpu_reg(v, VREG_RFLAGS), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_all_partitions_stopped_once,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_stop, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_stop_from_elsewhere,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_request, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_fault_stop, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_fault_reset, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_unhandled_and_machine_check,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_mem_violations, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_loop_until_exit_port,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_completes_in_loop,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_failure_stops,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_two_vcpus, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_boot_vcpu_state, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
