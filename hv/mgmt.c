/* The management channel's endpoint (docs/management.md): frames from a
 * physical UART the hypervisor owns, or from the manager partition's
 * management UART (the in-band link), are received, authenticated
 * (hv/proto/session.c) and answered here, and the operations act on
 * partitions through hv/part.c. It runs on the management CPU (CPU 0),
 * polled: from the vCPU loop before entries (with the guest's timer
 * capped so an idle guest still exits at least every MGMT_POLL_MS), from
 * HLT waits and from parked or idle waits. The in-band link's bytes wait
 * in two queues between the manager's CPU and the management CPU. */
#include "hv/mgmt.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/partition.h"
#include "hv/snapshot.h"
#include "hv/lib/sha256.h"
#include "hv/proto/payload.h"
#include "hv/proto/session.h"
#include "drivers/uart16550.h"

#define COM2_BASE 0x2F8
#define QUEUE_LEN 4096 /* a power of two above MGMT_MAX_FRAME */

_Static_assert(QUEUE_LEN >= MGMT_MAX_FRAME && !(QUEUE_LEN & (QUEUE_LEN - 1)),
	       "an in-band queue holds a whole frame");

/* Bytes between two CPUs, under a lock of the user's. */
struct byteq {
	uint8_t buf[QUEUE_LEN];
	uint32_t head, tail; /* free-running */
};

struct mgmt_link {
	const char *name;
	uint16_t uart;		/* the physical UART, or 0: in band */
	struct partition *self; /* in band: the manager partition */
	uint64_t last_byte_ms;
	struct mgmt_rx rx;
	struct mgmt_session sess;
	uint64_t sessions; /* hellos answered */
	uint64_t refused, refused_logged, last_refusal_ms;
	/* In band: bytes from the manager (in_lock) and replies to it
	 * (out_lock, held while they move into its UART, so one CPU at a
	 * time moves them and in order); `resets` counts UART resets, the
	 * receiver starts over when it changes. */
	struct spinlock in_lock, out_lock;
	struct byteq in, out;
	volatile uint32_t resets;
	uint32_t resets_seen;
	uint64_t lost; /* bytes dropped on full queues */
};

bool mgmt_on;

static struct {
	uint8_t key[CFG_KEY_BYTES];
	struct mgmt_link com, band;
	struct spinlock lock; /* one poller at a time */
	uint64_t nonces;      /* drawn so far (fallback counter) */
} mg;

static bool q_put(struct byteq *q, uint8_t c)
{
	if (q->head - q->tail == QUEUE_LEN)
		return false;
	q->buf[q->head++ % QUEUE_LEN] = c;
	return true;
}

static bool q_get(struct byteq *q, uint8_t *c)
{
	if (q->head == q->tail)
		return false;
	*c = q->buf[q->tail++ % QUEUE_LEN];
	return true;
}

/* Host TSC ticks in milliseconds. */
static uint64_t ticks_ms(uint64_t ticks)
{
	uint64_t khz = hv_tsc_hz / 1000;
	return ticks / (khz ? khz : 1);
}

static uint64_t now_ms(void)
{
	return ticks_ms(arch_now());
}

static void link_open(struct mgmt_link *l, const char *name)
{
	l->name = name;
	mgmt_rx_init(&l->rx);
	mgmt_session_init(&l->sess);
}

void mgmt_init(const struct cfg_management *cfg)
{
	memset(&mg, 0, sizeof(mg));
	mgmt_on = false;
	if (!cfg->enabled || !cfg->has_key) {
		hv_log("management channel: off (no [management] key in the "
		       "config)");
		return;
	}
	memcpy(mg.key, cfg->key, sizeof(mg.key));
	if (cfg->port == CFG_MGMT_PORT_COM2) {
		link_open(&mg.com, "com2");
		mg.com.uart = COM2_BASE;
		uart_init(COM2_BASE);
		hv_log("management channel on com2 (0x%x), serviced by CPU %u",
		       COM2_BASE, MGMT_CPU);
	}
	for (unsigned i = 0; i < npartitions; i++)
		if (partitions[i].cfg->manage) {
			link_open(&mg.band, partitions[i].name);
			mg.band.self = &partitions[i];
			hv_log("management channel in band: partition %s, its "
			       "COM2 (0x%x, IRQ 3), serviced by CPU %u",
			       partitions[i].name, COM2_BASE, MGMT_CPU);
		}
	mgmt_on = mg.com.uart || mg.band.self;
	if (!mgmt_on)
		hv_log("management channel: no port configured and no "
		       "manager partition");
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
	return ticks_ms(arch_now() - p->start_tsc);
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
		struct snapshot_stat ss;
		snapshot_stat(p, &ss);
		mgmt_put_u8(w, ss.exists);
		mgmt_put_u64(w, ss.exists ? ticks_ms(ss.age_ticks) : 0);
		mgmt_put_u64(w, ss.exists ? ss.dirty_pages : 0);
		mgmt_put_u32(w, ss.exists ? ss.restores : 0);
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
			mgmt_put_u64(w, vcpu_exits(&p->vcpus[i], k));
	struct snapshot_stat ss;
	snapshot_stat(p, &ss);
	mgmt_put_u8(w, ss.exists);
	mgmt_put_u8(w, ss.tracking);
	mgmt_put_u64(w, ss.exists ? ticks_ms(ss.age_ticks) : 0);
	mgmt_put_u64(w, ss.exists ? ss.dirty_pages : 0);
	mgmt_put_u32(w, ss.exists ? ss.restores : 0);
	/* A new snapshot has had no restore yet. */
	mgmt_put_u64(w, ss.exists && ss.restores ? ss.last_copied : 0);
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
    [MGMT_T_RESET] = part_request_reset, [MGMT_T_SNAPSHOT] = part_snapshot,
    [MGMT_T_RESTORE] = part_restore,	 [MGMT_T_DROP] = part_drop,
};

static void handle(const struct mgmt_link *l, const struct mgmt_frame *f,
		   struct mgmt_wr *w)
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
	/* The manager only looks at itself: stopping or pausing itself would
	 * cut the line it is managing over. */
	const char *why = p == l->self ? "the manager partition may not "
					 "change its own state"
				       : part_ops[f->type](p);
	mgmt_put_status(w, why ? MGMT_ST_REFUSED : MGMT_ST_OK, why);
}

/* ---- frames in, replies out --------------------------------------------- */

static void send(struct mgmt_link *l, const uint8_t *buf, int n)
{
	if (l->uart) {
		for (int i = 0; i < n; i++)
			uart_putc(l->uart, (char)buf[i]);
		return;
	}
	spin_lock(&l->out_lock);
	for (int i = 0; i < n; i++)
		if (!q_put(&l->out, buf[i]))
			l->lost++;
	spin_unlock(&l->out_lock);
	mgmt_inband_fill(l->self);
}

static bool link_getc(struct mgmt_link *l, uint8_t *c)
{
	if (l->uart)
		return uart_getc(l->uart, c);
	spin_lock(&l->in_lock);
	bool got = q_get(&l->in, c);
	spin_unlock(&l->in_lock);
	return got;
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
		mgmt_server_open(&l->sess, f, nonce, MGMT_CAP_SNAPSHOTS,
				 payload);
		w.len = MGMT_HELLO_REPLY_LEN;
		l->sessions++;
		break;
	}
	case MGMT_ACCEPT:
		handle(l, f, &w);
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
	if (l->resets != l->resets_seen) { /* the manager restarted */
		l->resets_seen = l->resets;
		mgmt_rx_init(&l->rx);
	}
	while (link_getc(l, &c)) {
		l->last_byte_ms = now_ms();
		if (mgmt_rx_byte(&l->rx, c, l->last_byte_ms) == MGMT_RX_FRAME)
			on_frame(l, &l->rx.frame);
	}
	end_burst(l);
}

void mgmt_poll_channel(void)
{
	if (!mgmt_on || arch_this_cpu() != MGMT_CPU || mg.lock.locked)
		return;
	spin_lock(&mg.lock);
	if (mg.com.uart)
		poll_link(&mg.com);
	if (mg.band.self)
		poll_link(&mg.band);
	spin_unlock(&mg.lock);
}

uint64_t mgmt_poll_deadline(uint64_t deadline)
{
	if (!mgmt_on || arch_this_cpu() != MGMT_CPU)
		return deadline;
	uint64_t t = now_ms();
	bool active =
	    t - mg.com.last_byte_ms < 1000 || t - mg.band.last_byte_ms < 1000;
	uint64_t next =
	    arch_now() +
	    hv_tsc_hz / 1000 * (active ? MGMT_POLL_ACTIVE_MS : MGMT_POLL_MS);
	return next < deadline ? next : deadline;
}

void mgmt_wait(uint64_t deadline)
{
	if (mgmt_on && arch_this_cpu() == MGMT_CPU) {
		console_poll_input();
		mgmt_poll();
		deadline = mgmt_poll_deadline(console_poll_deadline(deadline));
	}
	arch_cpu_wait(deadline);
}

/* ---- the in-band link's queues (any CPU) ------------------------------ */

static struct mgmt_link *band_of(const struct partition *p)
{
	return mgmt_on && p && p == mg.band.self ? &mg.band : NULL;
}

void mgmt_inband_rx(struct partition *p, uint8_t c)
{
	struct mgmt_link *l = band_of(p);
	if (!l)
		return;
	spin_lock(&l->in_lock);
	if (!q_put(&l->in, c))
		l->lost++;
	spin_unlock(&l->in_lock);
}

void mgmt_inband_fill(struct partition *p)
{
	struct mgmt_link *l = band_of(p);
	uint8_t c;
	if (!l || l->out.head == l->out.tail)
		return;
	spin_lock(&l->out_lock);
	while (l->out.head != l->out.tail) {
		c = l->out.buf[l->out.tail % QUEUE_LEN];
		if (!vuart_push_rx(&p->mgmt_uart, c))
			break;
		l->out.tail++;
	}
	spin_unlock(&l->out_lock);
}

void mgmt_inband_reset(struct partition *p)
{
	struct mgmt_link *l = band_of(p);
	if (!l)
		return;
	spin_lock(&l->in_lock);
	l->in.tail = l->in.head;
	spin_unlock(&l->in_lock);
	spin_lock(&l->out_lock);
	l->out.tail = l->out.head;
	spin_unlock(&l->out_lock);
	l->resets++;
}
