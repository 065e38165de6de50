/* The management channel's in-band link (hv/mgmt.c, hv/devices.c): the
 * manager partition (manage = yes) speaks the protocol through its COM2
 * (0x2F8, IRQ 3) as a guest driver would, byte by byte with OUT and IN;
 * the management CPU (CPU 0, the test thread) services it with
 * mgmt_poll. The client side is the pure protocol code bulkhead-ctl
 * uses. */
#include "tests/core/core_test.h"
#include "hv/cpu.h"
#include "hv/mgmt.h"
#include "hv/partition.h"
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
