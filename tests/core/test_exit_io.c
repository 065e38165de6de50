/* Port I/O exits (hv/exit/io.c) through exit_dispatch on the fake
 * backend: fail-soft unowned ports, the debug-exit port, string I/O, the
 * virtual UART and console input, the 8259 and platform ports. */
#include "tests/core/core_test.h"
#include "hv/abi.h"

#define RAX_PATTERN 0xAABBCCDD11223344ull
#define PM1A_CNT    0x604 /* ACPI PM1a control, as the guest's FADT says */

static struct vcpu *one_vcpu(const struct fake_part_opts *o)
{
	struct partition *p = fake_part_create(0, o);
	return &p->vcpus[0];
}

static void io(struct vcpu *v, uint16_t port, uint8_t size, bool in,
	       uint64_t rax)
{
	struct exit_info e = io_exit(port, size, in);
	v->regs.rax = rax;
	exit_dispatch(v, &e);
}

static void out_str(struct vcpu *v, uint16_t port, const char *s)
{
	for (; *s; s++)
		io(v, port, 1, false, (uint8_t)*s);
}

/* IN from a port nobody owns reads all-ones of its size; 8- and 16-bit
 * INs keep RAX's upper bits, a 32-bit IN zero-extends (SDM Vol. 2 IN). */
static void test_in_unowned_all_ones(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){0});
	struct arch_vcpu *a = fake_vcpu(v);
	uint64_t rip = a->rip;
	fake_set_insn_len(v, 1);

	io(v, 0x1234, 1, true, RAX_PATTERN);
	assert_int_equal(v->regs.rax, 0xAABBCCDD112233FFull);
	io(v, 0x1234, 2, true, RAX_PATTERN);
	assert_int_equal(v->regs.rax, 0xAABBCCDD1122FFFFull);
	io(v, 0x1234, 4, true, RAX_PATTERN);
	assert_int_equal(v->regs.rax, 0xFFFFFFFFull);

	assert_int_equal(v->part->io_dropped, 3);
	assert_int_equal(a->skips, 3);
	assert_int_equal(a->rip, rip + 3);
	assert_false(a->event.valid);
	assert_int_equal(v->exits[EXIT_IO], 3);
	assert_int_equal(v->part->state, PART_RUNNING);
}

/* A write to an unowned port is dropped, counted and skipped. */
static void test_out_unowned_dropped(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){0});
	io(v, 0x80, 1, false, 0x55);
	io(v, 0x2F8, 1, false, 0x55); /* COM2: not given to the partition */
	assert_int_equal(v->part->io_dropped, 2);
	assert_int_equal(fake_vcpu(v)->skips, 2);
	assert_int_equal(v->regs.rax, 0x55);
	assert_int_equal(v->part->state, PART_RUNNING);
}

/* OUT to the configured exit port stops the partition with the status
 * (the access size masks RAX) and does not resume the guest. */
static void test_exit_port_stops(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(
	    &(struct fake_part_opts){.name = "alpha", .exit_port = 0xF4});
	io(v, 0xF4, 4, false, 0xFFFFFFFF0000002Aull);
	assert_int_equal(v->part->state, PART_STOPPED);
	assert_int_equal(v->part->exit_status, 42);
	assert_console_has("partition alpha exited with status 42\n");
	assert_console_has("partition alpha exits: io=1 ");
	assert_int_equal(fake_vcpu(v)->skips, 0);
}

static void test_exit_port_size_masks(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){.exit_port = 0x501});
	io(v, 0x501, 1, false, 0x1FF);
	assert_int_equal(v->part->state, PART_STOPPED);
	assert_int_equal(v->part->exit_status, 0xFF);
}

/* IN from the exit port, or OUT to it with no exit port configured,
 * is an ordinary unowned access. */
static void test_exit_port_only_out(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){.exit_port = 0xF4});
	io(v, 0xF4, 1, true, 0);
	assert_int_equal(v->part->state, PART_RUNNING);
	assert_int_equal(v->regs.rax, 0xFF);

	core_setup(NULL); /* a fresh machine */
	v = one_vcpu(&(struct fake_part_opts){0});
	io(v, 0xF4, 4, false, 7);
	assert_int_equal(v->part->state, PART_RUNNING);
	assert_int_equal(v->part->io_dropped, 1);
}

/* INS/OUTS are not emulated: the partition is stopped with a reason. */
static void test_string_io_stops(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){.name = "strio"});
	struct exit_info e = io_exit(BH_UART_BASE, 1, false);
	e.io.string = true;
	exit_dispatch(v, &e);
	assert_int_equal(v->part->state, PART_FAILED);
	assert_console_has("partition strio used string I/O (INS/OUTS) on "
			   "port 0x3f8");
	assert_int_equal(fake_vcpu(v)->skips, 0);
	assert_int_equal(v->exits[EXIT_IO], 1);
}

/* The virtual UART: bytes make a line tagged with the partition's name. */
static void test_uart_line(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){.name = "web"});
	out_str(v, BH_UART_BASE, "hi\n");
	assert_console_has("[web] hi\n");
	assert_int_equal(v->exits[EXIT_IO], 3);
	assert_int_equal(fake_vcpu(v)->skips, 3);
	assert_int_equal(v->part->io_dropped, 0);

	/* Control characters are defused, CR dropped. */
	fake_console_clear();
	out_str(v, BH_UART_BASE, "a\x1b[2Jb\r\n");
	assert_console_has("[web] a.[2Jb\n");
}

/* A partial line is flushed when the partition stops, before the stop
 * message. */
static void test_uart_flush_on_stop(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(
	    &(struct fake_part_opts){.name = "web", .exit_port = 0xF4});
	out_str(v, BH_UART_BASE, "bye");
	assert_false(fake_console_has("bye"));
	io(v, 0xF4, 1, false, 0);
	const char *out = fake_console_output();
	const char *line = strstr(out, "[web] bye\n");
	const char *stop = strstr(out, "partition web exited with status 0");
	assert_non_null(line);
	assert_non_null(stop);
	assert_true(line < stop);
}

/* UART status registers and the receive path fed by console input. */
static void test_uart_read_and_input(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){.name = "in"});
	io(v, BH_UART_BASE + 5, 1, true, RAX_PATTERN); /* LSR */
	assert_int_equal(v->regs.rax & 0xFF, 0x60);    /* THRE | TEMT */
	assert_int_equal(v->regs.rax >> 8, RAX_PATTERN >> 8);

	console_input_init(0x3F8, false);
	fake_console_input("k", 1);
	io(v, BH_UART_BASE + 5, 1, true, 0);  /* polls the console */
	assert_int_equal(v->regs.rax & 1, 1); /* data ready */
	io(v, BH_UART_BASE, 1, true, 0);
	assert_int_equal(v->regs.rax, 'k');
	io(v, BH_UART_BASE + 5, 1, true, 0);
	assert_int_equal(v->regs.rax & 1, 0);
	/* Scratch register holds what is written. */
	io(v, BH_UART_BASE + 7, 1, false, 0x5A);
	io(v, BH_UART_BASE + 7, 1, true, 0);
	assert_int_equal(v->regs.rax, 0x5A);
	assert_int_equal(v->part->io_dropped, 0);
	console_input_init(0, false);
}

/* The focused view: only the partition with the input is shown; Ctrl-A N
 * shows N's newest lines again (at most a screenful, no cut line), then
 * its new ones; every line goes to the partition's ring either way. */
static void test_focus_view(void **state)
{
	(void)state;
	struct vcpu *a = one_vcpu(&(struct fake_part_opts){.name = "a"});
	struct vcpu *b =
	    &fake_part_create(1, &(struct fake_part_opts){.name = "b"})
		 ->vcpus[0];
	char line[32];
	console_input_init(0x3F8, true);
	out_str(a, BH_UART_BASE, "a-before\n");
	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "b-%d\n", i);
		out_str(b, BH_UART_BASE, line);
	}
	assert_true(fake_console_has("[a] a-before\n"));
	assert_false(fake_console_has("[b] b-"));
	assert_true(b->part->con_ring.end > 0);

	fake_console_clear();
	fake_console_input("\x01"
			   "2",
			   2);
	io(a, BH_UART_BASE + 5, 1, true, 0); /* polls the console */
	const char *out = fake_console_output();
	assert_non_null(strstr(out, "input now goes to partition b"));
	assert_null(strstr(out, "[b] b-5\n")); /* older than a screenful */
	const char *first = strstr(out, "[b] b-6\n"),
		   *last = strstr(out, "[b] b-29\n");
	assert_non_null(first);
	assert_non_null(last);
	assert_true(first < last);
	out_str(a, BH_UART_BASE, "a-after\n");
	out_str(b, BH_UART_BASE, "b-new\n");
	assert_false(fake_console_has("[a] a-after"));
	assert_true(fake_console_has("[b] b-new\n"));

	/* A raw partition: as written when it has the focused view... */
	a->part->uart.raw = true;
	fake_console_input("\x01"
			   "1",
			   2);
	io(a, BH_UART_BASE + 5, 1, true, 0);
	fake_console_clear();
	out_str(a, BH_UART_BASE, "\x1b[1mraw\r\n");
	assert_true(fake_console_has("\x1b[1mraw\n")); /* the fake drops CRs */
	assert_false(fake_console_has("[a]"));
	/* ...tagged and made harmless in the view of all partitions. */
	console_input_init(0x3F8, false);
	out_str(a, BH_UART_BASE, "\x1b[1mraw\n");
	assert_true(fake_console_has("[a] .[1mraw\n"));
	console_input_init(0, false);
}

/* The 8259 ports reach the partition's own vPIC. */
static void test_pic_ports(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){0});
	io(v, 0x21, 1, false, 0xA5); /* OCW1: IMR */
	io(v, 0x21, 1, true, 0);
	assert_int_equal(v->regs.rax, 0xA5);
	assert_int_equal(v->part->pic.chip[0].imr, 0xA5);
	io(v, 0x4D1, 1, false, 0x02); /* ELCR slave: IRQ9 level */
	io(v, 0x4D1, 1, true, 0);
	assert_int_equal(v->regs.rax, 0x02);
	assert_int_equal(v->part->io_dropped, 0);
}

/* Platform ports answer only on PC-like partitions; the reset ports and
 * the keyboard controller on every partition. */
static void test_platform_ports(void **state)
{
	(void)state;
	struct vcpu *v = one_vcpu(&(struct fake_part_opts){0});
	io(v, 0xCFC, 4, true, 0);
	assert_int_equal(v->regs.rax, 0xFFFFFFFFull);
	assert_int_equal(v->part->io_dropped, 1);
	io(v, 0x64, 1, true, 0);
	assert_int_equal(v->regs.rax, 0x1C);
	assert_int_equal(v->part->io_dropped, 1);

	core_setup(NULL); /* a fresh machine */
	v = one_vcpu(&(struct fake_part_opts){.pc_platform = true});
	io(v, 0xCF8, 4, false, 0x80001234);
	io(v, 0xCF8, 4, true, 0);
	assert_int_equal(v->regs.rax, 0x80001234);
	io(v, 0xCFC, 2, true, RAX_PATTERN);
	assert_int_equal(v->regs.rax, 0xAABBCCDD1122FFFFull);
	io(v, PM1A_CNT, 2, true, 0);
	assert_int_equal(v->regs.rax, 1); /* SCI_EN */
	io(v, 0x70, 1, false, 0x0D);
	io(v, 0x71, 1, true, 0);
	assert_int_equal(v->regs.rax, 0x80); /* RTC battery good */
	assert_int_equal(v->part->io_dropped, 0);
	/* ACPI S5 (SLP_TYP 5, SLP_EN) powers the partition off. */
	io(v, PM1A_CNT, 2, false, (5u << 10) | 0x2000);
	assert_int_equal(v->part->state, PART_STOPPED);
	assert_console_has("powered off (ACPI S5)");
}

/* Every exit is counted by kind, per vCPU, and summed per partition. */
static void test_exit_counts(void **state)
{
	(void)state;
	struct partition *p =
	    fake_part_create(0, &(struct fake_part_opts){.nvcpus = 2});
	struct vcpu *v0 = &p->vcpus[0], *v1 = &p->vcpus[1];
	io(v0, 0x80, 1, false, 0);
	io(v0, 0x80, 1, false, 0);
	fake_set_cpu(v1->pcpu);
	io(v1, 0x80, 1, false, 0);
	struct exit_info e = {.kind = EXIT_NMI};
	exit_dispatch(v1, &e);
	assert_int_equal(v0->exits[EXIT_IO], 2);
	assert_int_equal(v1->exits[EXIT_IO], 1);
	assert_int_equal(v1->exits[EXIT_NMI], 1);
	uint64_t c[EXIT_KIND_COUNT];
	part_exit_counts(p, c);
	assert_int_equal(c[EXIT_IO], 3);
	assert_int_equal(c[EXIT_NMI], 1);
	assert_int_equal(c[EXIT_CPUID], 0);
	assert_string_equal(exit_kind_name(EXIT_IO), "io");
	assert_string_equal(exit_kind_name(EXIT_IRQ_WINDOW), "irq-window");
	assert_string_equal(exit_kind_name(EXIT_KIND_COUNT), "?");
	part_stop(p, "stopped by the test");
	assert_console_has("exits: io=3 nmi=1 (unowned I/O dropped: 3)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_in_unowned_all_ones,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_out_unowned_dropped,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_exit_port_stops, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_exit_port_size_masks,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_exit_port_only_out, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_string_io_stops, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_uart_line, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_uart_flush_on_stop, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_uart_read_and_input,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_focus_view, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_pic_ports, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_platform_ports, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_exit_counts, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
