/* The management channel's endpoint (docs/management.md): frames from a
 * physical UART the hypervisor owns are received, authenticated
 * (hv/proto/session.c) and answered here, and the operations act on
 * partitions through hv/part.c. It runs on the management CPU (CPU 0),
 * polled: from the vCPU loop before entries (with the guest's timer
 * capped so an idle guest still exits at least every MGMT_POLL_MS), from
 * HLT waits and from parked or idle waits. */
#include "hv/mgmt.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/partition.h"
#include "hv/lib/sha256.h"
#include "hv/proto/payload.h"
#include "hv/proto/session.h"
#include "drivers/uart16550.h"

#define COM2_BASE 0x2F8

struct mgmt_link {
	const char *name;
	uint16_t uart;
	uint64_t last_byte_ms;
	struct mgmt_rx rx;
	struct mgmt_session sess;
	uint64_t sessions; /* hellos answered */
	uint64_t refused, refused_logged, last_refusal_ms;
};

static struct {
	bool on;
	uint8_t key[CFG_KEY_BYTES];
	struct mgmt_link com;
	struct spinlock lock; /* one poller at a time */
	uint64_t nonces;      /* drawn so far (fallback counter) */
} mg;

static uint64_t now_ms(void)
{
	uint64_t khz = hv_tsc_hz / 1000;
	return arch_now() / (khz ? khz : 1);
}

void mgmt_init(const struct cfg_management *cfg)
{
	if (!cfg->enabled || !cfg->has_key) {
		hv_log("management channel: off (no [management] key in the "
		       "config)");
		return;
	}
	memcpy(mg.key, cfg->key, sizeof(mg.key));
	if (cfg->port != CFG_MGMT_PORT_COM2) {
		hv_log("management channel: no port configured");
		return;
	}
	mg.com.name = "com2";
	mg.com.uart = COM2_BASE;
	uart_init(COM2_BASE);
	mgmt_rx_init(&mg.com.rx);
	mgmt_session_init(&mg.com.sess);
	mg.on = true;
	hv_log("management channel on com2 (0x%x), serviced by CPU %u",
	       COM2_BASE, MGMT_CPU);
}

/* A fresh server nonce: the CPU's generator, else (documented fallback)
 * SHA-256 of the TSC, a counter and the key: unique, not secret. */
static void draw_nonce(uint8_t out[MGMT_NONCE_LEN])
{
	uint64_t r[2];
	mg.nonces++;
	if (arch_random(&r[0]) && arch_random(&r[1])) {
		memcpy(out, r, MGMT_NONCE_LEN);
		return;
	}
	struct sha256 s;
	uint8_t d[SHA256_LEN];
	uint64_t t = arch_now();
	sha256_init(&s);
	sha256_update(&s, &t, sizeof(t));
	sha256_update(&s, &mg.nonces, sizeof(mg.nonces));
	sha256_update(&s, mg.key, sizeof(mg.key));
	sha256_final(&s, d);
	memcpy(out, d, MGMT_NONCE_LEN);
}

/* ---- requests ----------------------------------------------------------- */

/* The partition a request names; `from` (if not NULL) is read after the
 * name (console). */
static struct partition *find_part(struct mgmt_rd *r, uint64_t *from)
{
	char name[MGMT_NAME_MAX + 1];
	bool ok = mgmt_get_name(r, name);
	if (from)
		*from = mgmt_get_u64(r);
	if (!ok || !mgmt_rd_end(r))
		return NULL;
	for (unsigned i = 0; i < npartitions; i++)
		if (!strcmp(partitions[i].name, name))
			return &partitions[i];
	return NULL;
}

static uint64_t uptime_ms(const struct partition *p)
{
	if (part_halted(p))
		return 0;
	uint64_t khz = hv_tsc_hz / 1000;
	return (arch_now() - p->start_tsc) / (khz ? khz : 1);
}

static void do_list(struct mgmt_wr *w)
{
	mgmt_put_status(w, MGMT_ST_OK, NULL);
	mgmt_put_u8(w, (uint8_t)npartitions);
	for (unsigned i = 0; i < npartitions; i++) {
		const struct partition *p = &partitions[i];
		mgmt_put_name(w, p->name);
		mgmt_put_u8(w, (uint8_t)p->state);
		mgmt_put_u8(w, (uint8_t)p->nvcpus);
		mgmt_put_u64(w, p->cfg->cpu_mask);
		mgmt_put_u64(w, p->cfg->memory);
		mgmt_put_u32(w, p->resets);
		mgmt_put_u64(w, uptime_ms(p));
		mgmt_put_u8(w, 0); /* no snapshot (the snapshot issue) */
	}
}

static void do_stats(struct mgmt_wr *w, const struct partition *p)
{
	mgmt_put_status(w, MGMT_ST_OK, NULL);
	mgmt_put_u8(w, (uint8_t)p->state);
	mgmt_put_u64(w, uptime_ms(p));
	mgmt_put_u64(w, p->io_dropped);
	mgmt_put_u64(w, p->mmio_dropped);
	mgmt_put_u32(w, p->resets);
	mgmt_put_u8(w, EXIT_KIND_COUNT);
	mgmt_put_u8(w, (uint8_t)p->nvcpus);
	for (unsigned i = 0; i < p->nvcpus; i++)
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
			mgmt_put_u64(w, p->vcpus[i].exits[k]);
}

/* The newest hypervisor messages that fit one reply, oldest first (each
 * at most LOG_WIDTH - 1 < 256 bytes, hv/console.c). */
static void do_log(struct mgmt_wr *w)
{
	const char *lines[64];
	unsigned n = console_log_lines(lines, BH_ARRAY_SIZE(lines)), first = n;
	size_t need = 0;
	while (first > 0 &&
	       need + 1 + strlen(lines[first - 1]) <= MGMT_MAX_PAYLOAD - 3)
		need += 1 + strlen(lines[--first]);
	mgmt_put_status(w, MGMT_ST_OK, NULL);
	mgmt_put_u16(w, (uint16_t)(n - first));
	for (unsigned i = first; i < n; i++) {
		mgmt_put_u8(w, (uint8_t)strlen(lines[i]));
		mgmt_put_bytes(w, lines[i], strlen(lines[i]));
	}
}

/* Console output kept from byte `from` on (docs/management.md, 0x0D). */
static void do_console(struct mgmt_wr *w, struct partition *p, uint64_t from)
{
	static uint8_t buf[MGMT_CONSOLE_CHUNK];
	uint64_t first;
	spin_lock(&p->con_lock);
	size_t n = outring_read(&p->con_ring, from, buf, sizeof(buf), &first);
	uint64_t end = p->con_ring.end;
	spin_unlock(&p->con_lock);
	mgmt_put_status(w, MGMT_ST_OK, NULL);
	mgmt_put_u64(w, first);
	mgmt_put_u64(w, end);
	mgmt_put_u16(w, (uint16_t)n);
	mgmt_put_bytes(w, buf, n);
}

typedef const char *part_op_fn(struct partition *p);

static part_op_fn *const part_ops[] = {
    [MGMT_T_PAUSE] = part_pause,	 [MGMT_T_RESUME] = part_resume,
    [MGMT_T_STOP] = part_request_stop,	 [MGMT_T_START] = part_start,
    [MGMT_T_RESET] = part_request_reset,
};

static void handle(const struct mgmt_frame *f, struct mgmt_wr *w)
{
	struct mgmt_rd r;
	mgmt_rd_init(&r, f->payload, f->len);
	if (f->type == MGMT_T_LIST && !f->len) {
		do_list(w);
		return;
	}
	if (f->type == MGMT_T_LOG && !f->len) {
		do_log(w);
		return;
	}
	bool named = f->type == MGMT_T_STATS || f->type == MGMT_T_CONSOLE ||
		     (f->type < BH_ARRAY_SIZE(part_ops) && part_ops[f->type]);
	if (!named) {
		mgmt_put_status(w, MGMT_ST_BAD_REQUEST,
				"unknown request or bad length");
		return;
	}
	uint64_t from = 0;
	struct partition *p =
	    find_part(&r, f->type == MGMT_T_CONSOLE ? &from : NULL);
	if (!p) {
		mgmt_put_status(
		    w, r.err ? MGMT_ST_BAD_REQUEST : MGMT_ST_NO_PART,
		    r.err ? "bad partition name" : "no such partition");
		return;
	}
	if (f->type == MGMT_T_STATS) {
		do_stats(w, p);
		return;
	}
	if (f->type == MGMT_T_CONSOLE) {
		do_console(w, p, from);
		return;
	}
	const char *why = part_ops[f->type](p);
	mgmt_put_status(w, why ? MGMT_ST_REFUSED : MGMT_ST_OK, why);
}

/* ---- frames in, replies out --------------------------------------------- */

static void send(struct mgmt_link *l, const uint8_t *buf, int n)
{
	for (int i = 0; i < n; i++)
		uart_putc(l->uart, (char)buf[i]);
}

/* A burst of refusals is logged once when it starts and once, with its
 * count, when a second passes without another. */
static void note_refusal(struct mgmt_link *l, const char *why)
{
	uint64_t t = now_ms();
	if (l->refused == l->refused_logged || t - l->last_refusal_ms > 1000)
		hv_log("management: refused a frame on %s: %s", l->name, why);
	l->refused++;
	l->last_refusal_ms = t;
}

static void end_burst(struct mgmt_link *l)
{
	if (l->refused != l->refused_logged &&
	    now_ms() - l->last_refusal_ms > 1000) {
		hv_log("management: %lu frame(s) refused on %s so far",
		       (unsigned long)l->refused, l->name);
		l->refused_logged = l->refused;
	}
}

static void on_frame(struct mgmt_link *l, const struct mgmt_frame *f)
{
	static uint8_t payload[MGMT_MAX_PAYLOAD], out[MGMT_MAX_FRAME];
	struct mgmt_wr w;
	enum mgmt_verdict v =
	    mgmt_server_check(&l->sess, mg.key, sizeof(mg.key), f);
	mgmt_wr_init(&w, payload, sizeof(payload));
	switch (v) {
	case MGMT_HELLO: {
		uint8_t nonce[MGMT_NONCE_LEN];
		draw_nonce(nonce);
		mgmt_server_open(&l->sess, f, nonce, 0, payload);
		w.len = MGMT_HELLO_REPLY_LEN;
		l->sessions++;
		break;
	}
	case MGMT_ACCEPT:
		handle(f, &w);
		break;
	case MGMT_REFUSE_BAD:
		note_refusal(l, "bad hello");
		mgmt_put_status(&w, MGMT_ST_BAD_REQUEST, "bad hello");
		break;
	default:
		note_refusal(l, "not authenticated");
		mgmt_put_status(&w, MGMT_ST_AUTH, "not authenticated");
		break;
	}
	int n = mgmt_wr_done(&w);
	if (n < 0) {
		mgmt_wr_init(&w, payload, sizeof(payload));
		mgmt_put_status(&w, MGMT_ST_BAD_REQUEST, "reply too large");
		n = mgmt_wr_done(&w);
	}
	n = mgmt_server_reply(&l->sess, v, mg.key, sizeof(mg.key), f, payload,
			      (size_t)n, out, sizeof(out));
	if (n > 0)
		send(l, out, n);
}

static void poll_link(struct mgmt_link *l)
{
	uint8_t c;
	while (uart_getc(l->uart, &c)) {
		l->last_byte_ms = now_ms();
		if (mgmt_rx_byte(&l->rx, c, l->last_byte_ms) == MGMT_RX_FRAME)
			on_frame(l, &l->rx.frame);
	}
	end_burst(l);
}

void mgmt_poll(void)
{
	if (!mg.on || arch_this_cpu() != MGMT_CPU || mg.lock.locked)
		return;
	spin_lock(&mg.lock);
	poll_link(&mg.com);
	spin_unlock(&mg.lock);
}

uint64_t mgmt_poll_deadline(uint64_t deadline)
{
	if (!mg.on || arch_this_cpu() != MGMT_CPU)
		return deadline;
	bool active = now_ms() - mg.com.last_byte_ms < 1000;
	uint64_t next =
	    arch_now() +
	    hv_tsc_hz / 1000 * (active ? MGMT_POLL_ACTIVE_MS : MGMT_POLL_MS);
	return next < deadline ? next : deadline;
}

void mgmt_wait(uint64_t deadline)
{
	if (mg.on && arch_this_cpu() == MGMT_CPU) {
		console_poll_input();
		mgmt_poll();
		deadline = mgmt_poll_deadline(console_poll_deadline(deadline));
	}
	arch_cpu_wait(deadline);
}
