/* The management channel's in-band link (hv/mgmt.c, hv/devices.c): the
 * manager partition (manage = yes) speaks the protocol through its COM2
 * (0x2F8, IRQ 3) as a guest driver would, byte by byte with OUT and IN;
 * the management CPU (CPU 0, the test thread) services it with
 * mgmt_poll. The client side is the pure protocol code bulkhead-ctl
 * uses. */
#include "tests/core/core_test.h"
#include "hv/cpu.h"
#include "hv/exit_kinds.h"
#include "hv/heap.h"
#include "hv/mgmt.h"
#include "hv/partition.h"
#include "hv/snapshot.h"
#include "hv/vdev/pcmap.h"
#include "hv/proto/payload.h"
#include "hv/proto/session.h"

#define COM2_LSR 5
#define LSR_DR	 0x01
#define COM2_IER 1

static const uint8_t key[CFG_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};

struct client {
	struct vcpu *v; /* the manager's vCPU */
	struct mgmt_session s;
	struct mgmt_rx rx;
	uint8_t reply[MGMT_MAX_PAYLOAD];
	size_t reply_len;
};

static void io(struct vcpu *v, uint16_t port, bool in, uint64_t rax)
{
	struct exit_info e = io_exit(port, 1, in);
	v->regs.rax = rax;
	exit_dispatch(v, &e);
}

static void guest_send(struct vcpu *v, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		io(v, PC_COM2, false, b[i]);
}

/* Reads what the UART has (as a driver does while LSR.DR is set) into
 * the client's receiver; true once a whole frame arrived. */
static bool guest_receive(struct client *c, struct mgmt_frame *f)
{
	for (;;) {
		io(c->v, PC_COM2 + COM2_LSR, true, 0);
		if (!(c->v->regs.rax & LSR_DR))
			return false;
		io(c->v, PC_COM2, true, 0);
		if (mgmt_rx_byte(&c->rx, (uint8_t)c->v->regs.rax, 0) ==
		    MGMT_RX_FRAME) {
			*f = c->rx.frame;
			return true;
		}
	}
}

/* The management CPU polls until the reply to the last frame arrived. */
static bool await_reply(struct client *c, struct mgmt_frame *f)
{
	for (int i = 0; i < 100; i++) {
		fake_set_cpu(0);
		mgmt_poll();
		fake_set_cpu(c->v->pcpu);
		if (guest_receive(c, f))
			return true;
	}
	return false;
}

static void hello(struct client *c)
{
	uint8_t out[MGMT_MAX_FRAME], nonce[MGMT_NONCE_LEN] = {9};
	struct mgmt_frame f;
	int n =
	    mgmt_client_hello(&c->s, key, sizeof(key), nonce, out, sizeof(out));
	assert_true(n > 0);
	guest_send(c->v, out, (size_t)n);
	assert_true(await_reply(c, &f));
	assert_int_equal(
	    mgmt_client_hello_reply(&c->s, key, sizeof(key), nonce, &f, NULL),
	    MGMT_REPLY_OK);
}

/* Sends a request; returns the reply's status (its payload in c->reply). */
static uint8_t request(struct client *c, uint8_t type, const char *name,
		       char *msg)
{
	uint8_t out[MGMT_MAX_FRAME], payload[64], status = 0xFF;
	struct mgmt_wr w;
	struct mgmt_frame f;
	uint32_t seq;
	mgmt_wr_init(&w, payload, sizeof(payload));
	if (name)
		mgmt_put_name(&w, name);
	int n = mgmt_client_request(&c->s, key, sizeof(key), type, payload,
				    (size_t)mgmt_wr_done(&w), out, sizeof(out),
				    &seq);
	assert_true(n > 0);
	guest_send(c->v, out, (size_t)n);
	assert_true(await_reply(c, &f));
	assert_int_equal(
	    mgmt_client_check_reply(&c->s, key, sizeof(key), type, seq, &f),
	    MGMT_REPLY_OK);
	memcpy(c->reply, f.payload, f.len);
	c->reply_len = f.len;
	struct mgmt_rd r;
	mgmt_rd_init(&r, c->reply, c->reply_len);
	char m[128];
	assert_true(mgmt_get_status(&r, &status, m, sizeof(m)));
	if (msg)
		strcpy(msg, m);
	return status;
}

/* Partition 0 "mgr" (CPU 0, the manager), partition 1 "target" (CPU 1). */
static struct client *setup_link(struct client *c, bool with_key)
{
	struct partition *m = fake_part_create(
	    0, &(struct fake_part_opts){.name = "mgr", .manage = true});
	fake_part_create(
	    1, &(struct fake_part_opts){.name = "target", .first_pcpu = 1});
	struct cfg_management cfg = {.enabled = with_key, .has_key = with_key};
	memcpy(cfg.key, key, sizeof(key));
	mgmt_init(&cfg);
	memset(c, 0, sizeof(*c));
	c->v = &m->vcpus[0];
	mgmt_session_init(&c->s);
	mgmt_rx_init(&c->rx);
	fake_set_cpu(0);
	return c;
}

/* The manager lists, pauses and resumes the other partition over its
 * COM2; the hypervisor says the link is up at boot. */
static void test_manager_lists_pauses_resumes(void **state)
{
	(void)state;
	struct client c;
	setup_link(&c, true);
	assert_console_has("management channel in band: partition mgr, its "
			   "COM2 (0x2f8, IRQ 3)");
	hello(&c);

	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
	struct mgmt_rd r;
	char name[MGMT_NAME_MAX + 1];
	mgmt_rd_init(&r, c.reply, c.reply_len);
	mgmt_get_u8(&r); /* status */
	assert_int_equal(mgmt_get_u8(&r), 2);
	assert_true(mgmt_get_name(&r, name));
	assert_string_equal(name, "mgr");

	struct partition *t = &partitions[1];
	assert_int_equal(request(&c, MGMT_T_PAUSE, "target", NULL), MGMT_ST_OK);
	assert_int_equal(t->state, PART_PAUSED);
	assert_int_equal(request(&c, MGMT_T_RESUME, "target", NULL),
			 MGMT_ST_OK);
	assert_int_equal(t->state, PART_RUNNING);
	assert_int_equal(request(&c, MGMT_T_STATS, "mgr", NULL), MGMT_ST_OK);
}

/* The manager may look at itself but not change its own state. */
static void test_manager_cannot_target_itself(void **state)
{
	(void)state;
	struct client c;
	char msg[128];
	setup_link(&c, true);
	hello(&c);
	static const uint8_t ops[] = {MGMT_T_PAUSE, MGMT_T_STOP, MGMT_T_RESET,
				      MGMT_T_RESUME, MGMT_T_START};
	for (unsigned i = 0; i < sizeof(ops); i++) {
		assert_int_equal(request(&c, ops[i], "mgr", msg),
				 MGMT_ST_REFUSED);
		assert_string_equal(msg, "the manager partition may not "
					 "change its own state");
	}
	assert_int_equal(partitions[0].state, PART_RUNNING);
	assert_int_equal(request(&c, MGMT_T_LOG, NULL, NULL), MGMT_ST_OK);
	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
}

/* A reply longer than the UART's receive FIFO (64 bytes) arrives whole:
 * each read makes room and the queue refills it; the line raises IRQ 3
 * while bytes wait and the receive interrupt is enabled. */
static void test_long_reply_and_irq(void **state)
{
	(void)state;
	struct client c;
	setup_link(&c, true);
	io(c.v, PC_COM2 + COM2_IER, false, 0x01); /* receive interrupt on */
	hello(&c);
	assert_int_equal(request(&c, MGMT_T_LOG, NULL, NULL), MGMT_ST_OK);
	assert_true(c.reply_len > VUART_RX_SIZE);

	/* A reply waiting in the FIFO raises IRQ 3 on the 8259. */
	uint8_t out[MGMT_MAX_FRAME];
	uint32_t seq;
	int n = mgmt_client_request(&c.s, key, sizeof(key), MGMT_T_LIST, NULL,
				    0, out, sizeof(out), &seq);
	guest_send(c.v, out, (size_t)n);
	mgmt_poll();
	assert_true(c.v->part->mgmt_uart.irq_line);
	assert_true(c.v->part->pic.chip[0].irr & (1u << PC_IRQ_COM2));
}

/* Garbage on the line (1 MiB of pseudo-random bytes, some of them frame
 * markers) is refused or dropped; the hypervisor and both partitions go
 * on, and the next authenticated request is answered. */
static void test_garbage_then_valid_request(void **state)
{
	(void)state;
	struct client c;
	setup_link(&c, true);
	hello(&c);
	uint32_t x = 12345;
	uint8_t chunk[1024];
	for (int k = 0; k < 1024; k++) {
		for (size_t i = 0; i < sizeof(chunk); i++) {
			x = x * 1103515245u + 12345u;
			chunk[i] = (x >> 24) % 7 == 0	? MGMT_MARKER0
				   : (x >> 24) % 7 == 1 ? MGMT_MARKER1
							: (uint8_t)(x >> 16);
		}
		guest_send(c.v, chunk, sizeof(chunk));
		fake_set_cpu(0);
		mgmt_poll();
		fake_set_cpu(c.v->pcpu);
		struct mgmt_frame f;
		while (guest_receive(&c, &f))
			; /* refusals, if a random frame got through */
	}
	fake_advance(hv_tsc_hz * 2); /* the stalled partial frame expires */
	mgmt_rx_init(&c.rx);
	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
	assert_int_equal(partitions[0].state, PART_RUNNING);
	assert_int_equal(partitions[1].state, PART_RUNNING);
}

/* A reset of the manager drops half-sent and queued bytes: the first
 * frame after it is read from its marker on. */
static void test_reset_starts_the_receiver_over(void **state)
{
	(void)state;
	struct client c;
	setup_link(&c, true);
	uint8_t out[MGMT_MAX_FRAME], nonce[MGMT_NONCE_LEN] = {9};
	int n =
	    mgmt_client_hello(&c.s, key, sizeof(key), nonce, out, sizeof(out));
	guest_send(c.v, out, 20); /* a truncated hello, then a reset */
	fake_set_cpu(0);
	mgmt_poll();
	vdev_reset_all(&c.v->part->devs);
	hello(&c);
	(void)n;
}

/* What list and stats say of a partition's snapshot (docs/management.md,
 * 0x02 and 0x03), each reply read to its end in the documented layout. */
struct snap_fields {
	uint8_t present, tracking;
	uint64_t age_ms, dirty, last_copied;
	uint32_t restores;
};

/* The last reply, a list: the fields of partition `want`. */
static struct snap_fields list_snapshot(struct client *c, const char *want)
{
	struct snap_fields f = {0}, row;
	struct mgmt_rd r;
	char name[MGMT_NAME_MAX + 1];
	bool found = false;
	mgmt_rd_init(&r, c->reply, c->reply_len);
	assert_int_equal(mgmt_get_u8(&r), MGMT_ST_OK);
	unsigned n = mgmt_get_u8(&r);
	assert_int_equal(n, npartitions);
	for (unsigned i = 0; i < n; i++) {
		assert_true(mgmt_get_name(&r, name));
		assert_int_equal(mgmt_get_u8(&r), partitions[i].state);
		assert_int_equal(mgmt_get_u8(&r), partitions[i].nvcpus);
		mgmt_get_u64(&r); /* CPU mask */
		mgmt_get_u64(&r); /* memory */
		mgmt_get_u32(&r); /* resets */
		mgmt_get_u64(&r); /* uptime */
		row = (struct snap_fields){0};
		row.present = mgmt_get_u8(&r);
		row.age_ms = mgmt_get_u64(&r);
		row.dirty = mgmt_get_u64(&r);
		row.restores = mgmt_get_u32(&r);
		if (!strcmp(name, want)) {
			f = row;
			found = true;
		}
	}
	assert_true(mgmt_rd_end(&r));
	assert_true(found);
	return f;
}

/* The last reply, a stats: its snapshot block, after the counters. */
static struct snap_fields stats_snapshot(struct client *c)
{
	struct snap_fields f;
	struct mgmt_rd r;
	mgmt_rd_init(&r, c->reply, c->reply_len);
	assert_int_equal(mgmt_get_u8(&r), MGMT_ST_OK);
	mgmt_get_u8(&r);  /* state */
	mgmt_get_u64(&r); /* uptime */
	mgmt_get_u64(&r); /* I/O dropped */
	mgmt_get_u64(&r); /* MMIO dropped */
	mgmt_get_u32(&r); /* resets */
	unsigned kinds = mgmt_get_u8(&r), nvcpus = mgmt_get_u8(&r);
	assert_int_equal(kinds, EXIT_KIND_COUNT);
	assert_true(mgmt_get_bytes(&r, NULL, (size_t)kinds * nvcpus * 8));
	f.present = mgmt_get_u8(&r);
	f.tracking = mgmt_get_u8(&r);
	f.age_ms = mgmt_get_u64(&r);
	f.dirty = mgmt_get_u64(&r);
	f.restores = mgmt_get_u32(&r);
	f.last_copied = mgmt_get_u64(&r);
	assert_true(mgmt_rd_end(&r));
	return f;
}

static void assert_no_snapshot(const struct snap_fields *f)
{
	assert_int_equal(f->present, 0);
	assert_int_equal(f->age_ms, 0);
	assert_int_equal(f->dirty, 0);
	assert_int_equal(f->restores, 0);
	assert_int_equal(f->last_copied, 0);
}

/* Runs vCPU v's loop on its CPU until it would enter the guest: a
 * rendezvous the management CPU started has run. */
static void run_vcpu(struct vcpu *v)
{
	fake_set_cpu(v->pcpu);
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	fake_set_cpu(0);
}

/* list and stats show a snapshot: none, then its age, the pages written
 * since as logged so far (a vCPU's log is handed over when full or at the
 * next rendezvous), the restores and what the last one copied; gone
 * after drop. A partition without snapshot memory shows nothing. */
static void test_list_and_stats_show_the_snapshot(void **state)
{
	(void)state;
	static uint8_t heap[512 * 1024] __attribute__((aligned(4096)));
	static uint8_t ram_copy[2 << 20] __attribute__((aligned(4096)));
	struct client c;
	struct snap_fields f;
	setup_link(&c, true);
	struct partition *p = fake_part_create(
	    2, &(struct fake_part_opts){.name = "snap",
					.first_pcpu = 2,
					.snapshot = CFG_SNAPSHOT_YES});
	assert_int_equal(p->ram_size, sizeof(ram_copy));
	heap_init((uint64_t)heap, sizeof(heap));
	assert_int_equal(snapshot_init(p, (uint64_t)ram_copy), 0);
	fake_set_cpu(0);
	hello(&c);

	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
	f = list_snapshot(&c, "snap");
	assert_no_snapshot(&f);
	f = list_snapshot(&c, "target");
	assert_no_snapshot(&f);
	assert_int_equal(request(&c, MGMT_T_STATS, "target", NULL), MGMT_ST_OK);
	f = stats_snapshot(&c);
	assert_no_snapshot(&f);
	assert_int_equal(f.tracking, 0);
	assert_int_equal(request(&c, MGMT_T_STATS, "snap", NULL), MGMT_ST_OK);
	f = stats_snapshot(&c);
	assert_no_snapshot(&f);
	assert_int_equal(f.tracking, 1);

	assert_int_equal(request(&c, MGMT_T_SNAPSHOT, "snap", NULL),
			 MGMT_ST_OK);
	run_vcpu(&p->vcpus[0]);
	assert_console_has("partition snap: snapshot taken");
	fake_advance(hv_tsc_hz * 5 / 2);
	uint8_t b = 0x5A;
	for (unsigned i = 0; i < FAKE_PML + 2; i++) /* 10 pages */
		fake_guest_write(&p->vcpus[0], 0x10000 + i * 4096ull, &b, 1);

	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
	f = list_snapshot(&c, "snap");
	assert_int_equal(f.present, 1);
	assert_in_range(f.age_ms, 2500, 2600);
	assert_int_equal(f.dirty, FAKE_PML); /* 2 still in the log */
	assert_int_equal(f.restores, 0);
	assert_int_equal(request(&c, MGMT_T_STATS, "snap", NULL), MGMT_ST_OK);
	f = stats_snapshot(&c);
	assert_int_equal(f.present, 1);
	assert_int_equal(f.tracking, 1);
	assert_in_range(f.age_ms, 2500, 2600);
	assert_int_equal(f.dirty, FAKE_PML);
	assert_int_equal(f.restores, 0);
	assert_int_equal(f.last_copied, 0);

	/* The restore hands over the rest of the log and copies all 10. */
	assert_int_equal(request(&c, MGMT_T_RESTORE, "snap", NULL), MGMT_ST_OK);
	run_vcpu(&p->vcpus[0]);
	assert_int_equal(request(&c, MGMT_T_STATS, "snap", NULL), MGMT_ST_OK);
	f = stats_snapshot(&c);
	assert_int_equal(f.present, 1);
	assert_in_range(f.age_ms, 2500, 2600); /* since the take */
	assert_int_equal(f.dirty, 0);
	assert_int_equal(f.restores, 1);
	assert_int_equal(f.last_copied, FAKE_PML + 2);
	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
	f = list_snapshot(&c, "snap");
	assert_int_equal(f.restores, 1);

	assert_int_equal(request(&c, MGMT_T_DROP, "snap", NULL), MGMT_ST_OK);
	assert_int_equal(request(&c, MGMT_T_LIST, NULL, NULL), MGMT_ST_OK);
	f = list_snapshot(&c, "snap");
	assert_no_snapshot(&f);
	assert_int_equal(request(&c, MGMT_T_STATS, "snap", NULL), MGMT_ST_OK);
	f = stats_snapshot(&c);
	assert_no_snapshot(&f);
	assert_int_equal(f.tracking, 1);
}

/* Without a key there is no channel: the manager's bytes go nowhere and
 * nothing answers. */
static void test_no_key_no_channel(void **state)
{
	(void)state;
	struct client c;
	setup_link(&c, false);
	assert_console_has("management channel: off");
	uint8_t out[MGMT_MAX_FRAME], nonce[MGMT_NONCE_LEN] = {9};
	int n =
	    mgmt_client_hello(&c.s, key, sizeof(key), nonce, out, sizeof(out));
	guest_send(c.v, out, (size_t)n);
	struct mgmt_frame f;
	assert_false(await_reply(&c, &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_manager_lists_pauses_resumes,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(
		test_list_and_stats_show_the_snapshot, core_setup,
		core_teardown),
	    cmocka_unit_test_setup_teardown(test_manager_cannot_target_itself,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_long_reply_and_irq, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_then_valid_request,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_starts_the_receiver_over,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_no_key_no_channel, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
