/* libFuzzer harness: the management protocol receiver and session rules
 * (hv/proto/frame.c, hv/proto/session.c; docs/management.md).
 *
 * Input: byte 0: bit 0 the server starts with a session open; bytes 1-4
 * the start time (ms). Then chunks, each fed to one receiver after a gap:
 *   kind(1): bits 0-1 what, bits 2-3 the gap between the chunk's bytes
 *            (0, 1, 1000 or 1001 ms), bit 6 the gap before the chunk goes
 *            back in time;
 *   gap(2): ms before the chunk's first byte;
 *   what 0: raw bytes: len(1), bytes;
 *   what 1-3: a frame built here: type(1), seq(1: bit 7 set: seq(4)
 *            follows, else the last accepted + (byte & 0x7F) - 64),
 *            N(2) % 1025, fill(1), key and nonce(1: bits 0-1 the session
 *            nonce, zero, another, the previous session's; bit 2 another
 *            key); what 1: whole, what 2: one byte changed (index(2),
 *            xor(1)), what 3: cut (length(2)).
 * Properties:
 * - differential: the receiver delivers exactly the frames (start and
 *   end in the stream) of a direct offline reading of the doc's rule
 *   (ref_frames), and each delivered frame is a version-1 frame of
 *   42..1066 bytes equal to those stream bytes;
 * - accounting: every byte fed is in a delivered frame, counted as
 *   garbage, in a partial frame dropped on a timeout, or in the current
 *   partial frame;
 * - a whole frame (with gaps of at most 1000 ms between its bytes) fed
 *   while the receiver is hunting, or holds at most a lone first marker
 *   byte, or after more than 1000 ms of silence, is found, at its last
 *   byte; in particular after 1 s of silence a valid frame always is;
 * - the server's verdict on every delivered frame is the doc's rule,
 *   evaluated here with HMACs recomputed independently (so a frame is
 *   accepted only if its tag verifies under the session nonce and its seq
 *   is above the last accepted); an accepted frame's reply, and a hello's
 *   reply, pass the client's checks. */
#include "hv/lib/sha256.h"
#include "hv/proto/frame.h"
#include "hv/proto/session.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_STREAM (1u << 16)
#define MAX_FRAMES (MAX_STREAM / MGMT_MIN_FRAME + 1)

static const uint8_t key[] = "fuzz-management-key";
#define KEYLEN (sizeof(key) - 1)
static const uint8_t other_key[] = "fuzz-management-kez";
static const uint8_t zero16[MGMT_NONCE_LEN];

/* The whole stream fed so far, with each byte's time. */
static uint8_t sbyte[MAX_STREAM];
static uint64_t stime[MAX_STREAM];
static size_t fed;

/* Frames the receiver delivered: [start, end] in the stream. */
static size_t got_start[MAX_FRAMES], got_end[MAX_FRAMES], ngot;
static size_t ref_start[MAX_FRAMES], ref_end[MAX_FRAMES];
static uint64_t frame_bytes, timeout_bytes;

static struct mgmt_rx rx;

/* The server, and the model of its session. */
static struct mgmt_session server;
static bool m_open;
static uint8_t m_nonce[MGMT_NONCE_LEN], m_prev[MGMT_NONCE_LEN];
static uint32_t m_last, opens;

static uint64_t gap(uint64_t before, uint64_t now)
{
	return now > before ? now - before : 0;
}

/* The doc's rule read directly on the whole stream: hunt for the marker;
 * a byte more than 1000 ms after the previous one of a frame restarts the
 * hunt at itself; a bad second marker byte, version or N > 1024 restarts
 * it at the byte after the marker's first byte; a frame ends after
 * 10 + N + 32 bytes. */
static size_t ref_frames(void)
{
	size_t h = 0, nf = 0;

	while (h < fed) {
		if (sbyte[h] != MGMT_MARKER0) {
			h++;
			continue;
		}
		size_t k, need = 0, next = 0;

		for (k = h + 1; k < fed && !next; k++) {
			size_t p = k - h;

			if (gap(stime[k - 1], stime[k]) > MGMT_TIMEOUT_MS) {
				next = k;
			} else if ((p == 1 && sbyte[k] != MGMT_MARKER1) ||
				   (p == 2 && sbyte[k] != MGMT_VERSION)) {
				next = h + 1;
			} else if (p == 9) {
				size_t n = rd16(sbyte + h + 8);

				if (n > MGMT_MAX_PAYLOAD)
					next = h + 1;
				need = MGMT_HDR_LEN + n + MGMT_TAG_LEN;
			}
			if (!next && p >= 9 && p + 1 == need) {
				CHECK(nf < MAX_FRAMES);
				ref_start[nf] = h;
				ref_end[nf] = k;
				nf++;
				next = k + 1;
			}
		}
		if (!next)
			break; /* a partial frame at the end */
		h = next;
	}
	return nf;
}

/* The tag of f recomputed here: HMAC(key, nonce || raw[2, 10 + N)). */
static bool tag_ok(const uint8_t *nonce, const struct mgmt_frame *f)
{
	uint8_t msg[MGMT_NONCE_LEN + MGMT_HDR_LEN + MGMT_MAX_PAYLOAD];
	uint8_t tag[SHA256_LEN];
	size_t n = MGMT_HDR_LEN - 2 + f->len;

	memcpy(msg, nonce, MGMT_NONCE_LEN);
	memcpy(msg + MGMT_NONCE_LEN, f->raw + 2, n);
	hmac_sha256(key, KEYLEN, msg, MGMT_NONCE_LEN + n, tag);
	return memcmp(tag, f->raw + MGMT_HDR_LEN + f->len, SHA256_LEN) == 0;
}

static void open_session(const struct mgmt_frame *hello)
{
	struct mgmt_session client;
	uint8_t sn[MGMT_NONCE_LEN], payload[MGMT_HELLO_REPLY_LEN];
	uint8_t out[MGMT_MAX_FRAME];
	struct mgmt_frame rep;
	uint32_t caps = 0;

	opens++;
	fill_pattern(sn, sizeof(sn), 3);
	wr32(sn, opens);
	mgmt_server_open(&server, hello, sn, MGMT_CAP_SNAPSHOTS, payload);
	memcpy(m_prev, m_nonce, sizeof(m_nonce));
	memcpy(m_nonce, sn, sizeof(sn));
	m_open = true;
	m_last = 0;
	CHECK(server.open && server.last_seq == 0);

	int n = mgmt_server_reply(&server, MGMT_HELLO, key, KEYLEN, hello,
				  payload, sizeof(payload), out, sizeof(out));
	CHECK(n == MGMT_MIN_FRAME + MGMT_HELLO_REPLY_LEN);
	CHECK(mgmt_frame_parse(out, (size_t)n, &rep) == 0);
	mgmt_session_init(&client);
	CHECK(mgmt_client_hello_reply(&client, key, KEYLEN, hello->payload,
				      &rep, &caps) == MGMT_REPLY_OK);
	CHECK(client.open && caps == MGMT_CAP_SNAPSHOTS);
	CHECK(!memcmp(client.nonce, sn, sizeof(sn)));
}

/* A delivered frame: its shape, and the server's verdict against the
 * model. */
static void check_frame(size_t end)
{
	const struct mgmt_frame *f = &rx.frame;
	struct mgmt_frame g;

	CHECK(f->raw == rx.buf);
	CHECK(f->raw_len >= MGMT_MIN_FRAME && f->raw_len <= MGMT_MAX_FRAME);
	CHECK(f->len <= MGMT_MAX_PAYLOAD);
	CHECK(f->raw_len == MGMT_MIN_FRAME + (size_t)f->len);
	CHECK(f->raw[0] == MGMT_MARKER0 && f->raw[1] == MGMT_MARKER1);
	CHECK(f->raw[2] == MGMT_VERSION);
	CHECK(f->type == f->raw[3] && f->seq == rd32(f->raw + 4));
	CHECK(f->len == rd16(f->raw + 8));
	CHECK(f->payload == f->raw + MGMT_HDR_LEN);
	CHECK(f->tag == f->payload + f->len);
	CHECK(mgmt_frame_parse(f->raw, f->raw_len, &g) == 0);
	CHECK(end + 1 >= f->raw_len);
	CHECK(!memcmp(f->raw, sbyte + end + 1 - f->raw_len, f->raw_len));
	CHECK(ngot < MAX_FRAMES);
	got_start[ngot] = end + 1 - f->raw_len;
	got_end[ngot] = end;
	ngot++;
	frame_bytes += f->raw_len;

	/* The doc's rules, on HMACs computed here. */
	enum mgmt_verdict want;

	if (f->type == MGMT_T_HELLO) {
		if (!tag_ok(zero16, f))
			want = MGMT_REFUSE_AUTH;
		else if (f->len != MGMT_NONCE_LEN || f->seq != 0)
			want = MGMT_REFUSE_BAD;
		else
			want = MGMT_HELLO;
	} else if (!m_open || (f->type & MGMT_REPLY) || !tag_ok(m_nonce, f) ||
		   f->seq <= m_last) {
		want = MGMT_REFUSE_AUTH;
	} else {
		want = MGMT_ACCEPT;
	}
	enum mgmt_verdict v = mgmt_server_check(&server, key, KEYLEN, f);

	CHECK(v == want);
	if (v == MGMT_ACCEPT) {
		struct mgmt_session client = {.open = true, .last_seq = f->seq};
		uint8_t out[MGMT_MAX_FRAME];
		const uint8_t ok = MGMT_ST_OK;
		struct mgmt_frame rep;

		m_last = f->seq;
		memcpy(client.nonce, m_nonce, sizeof(m_nonce));
		int n = mgmt_server_reply(&server, v, key, KEYLEN, f, &ok, 1,
					  out, sizeof(out));
		CHECK(n == MGMT_MIN_FRAME + 1);
		CHECK(mgmt_frame_parse(out, (size_t)n, &rep) == 0);
		CHECK(mgmt_client_check_reply(&client, key, KEYLEN, f->type,
					      f->seq, &rep) == MGMT_REPLY_OK);
	} else if (v == MGMT_HELLO) {
		m_open = false;
		CHECK(!server.open);
		open_session(f);
	}
	CHECK(server.open == m_open && server.last_seq == m_last);
}

/* Feeds one byte at time t; returns true if it completed a frame. */
static bool feed(uint8_t b, uint64_t t)
{
	if (fed >= MAX_STREAM)
		return false;
	size_t pos = rx.pos;
	uint64_t timeouts = rx.timeouts;

	sbyte[fed] = b;
	stime[fed] = t;
	enum mgmt_rx_result r = mgmt_rx_byte(&rx, b, t);

	CHECK(r == MGMT_RX_NONE || r == MGMT_RX_FRAME ||
	      r == MGMT_RX_DROPPED_GARBAGE || r == MGMT_RX_DROPPED_TIMEOUT);
	CHECK(rx.pos < MGMT_MAX_FRAME);
	if (rx.timeouts != timeouts) {
		CHECK(rx.timeouts == timeouts + 1 && pos >= 2);
		CHECK(r == MGMT_RX_DROPPED_TIMEOUT);
		timeout_bytes += pos;
	}
	if (r == MGMT_RX_FRAME)
		check_frame(fed);
	fed++;
	CHECK(fed == rx.garbage + frame_bytes + timeout_bytes + rx.pos);
	return r == MGMT_RX_FRAME;
}

static uint64_t inner_gap(unsigned mode)
{
	static const uint64_t gaps[4] = {0, 1, MGMT_TIMEOUT_MS,
					 MGMT_TIMEOUT_MS + 1};
	return gaps[mode & 3];
}

/* Builds a frame from the input into out; returns its length. */
static size_t build(struct reader *rd, uint8_t *out)
{
	uint8_t payload[MGMT_MAX_PAYLOAD];
	uint8_t type = (uint8_t)take(rd, 1);
	uint8_t sm = (uint8_t)take(rd, 1);
	uint32_t seq = (sm & 0x80) ? (uint32_t)take(rd, 4)
				   : m_last + (uint32_t)((int)(sm & 0x7F) - 64);
	size_t n = take(rd, 2) % (MGMT_MAX_PAYLOAD + 1);
	uint8_t fill = (uint8_t)take(rd, 1);
	uint8_t sel = (uint8_t)take(rd, 1);
	uint8_t other[MGMT_NONCE_LEN];
	const uint8_t *nonce;

	for (size_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(fill + i * (fill | 1));
	memcpy(other, m_nonce, sizeof(other));
	other[sel >> 4] ^= 0x01;
	switch (sel & 3) {
	case 0:
		nonce = m_open ? m_nonce : zero16;
		break;
	case 1:
		nonce = zero16;
		break;
	case 2:
		nonce = other;
		break;
	default:
		nonce = m_prev;
		break;
	}
	const uint8_t *k = (sel & 4) ? other_key : key;
	int len = mgmt_frame_encode(k, KEYLEN, nonce, type, seq, payload, n,
				    out, MGMT_MAX_FRAME);

	CHECK(len == (int)(MGMT_MIN_FRAME + n));
	return (size_t)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	uint8_t frame[MGMT_MAX_FRAME];

	fed = ngot = 0;
	frame_bytes = timeout_bytes = 0;
	opens = 0;
	mgmt_rx_init(&rx);
	mgmt_session_init(&server);
	memset(m_nonce, 0, sizeof(m_nonce));
	memset(m_prev, 0, sizeof(m_prev));
	m_open = false;
	m_last = 0;

	uint8_t flags = (uint8_t)take(&rd, 1);
	uint64_t t = take(&rd, 4);

	if (flags & 1) { /* a session opened by a hello not on this line */
		uint8_t h[MGMT_MAX_FRAME];
		struct mgmt_frame f;
		int n = mgmt_frame_encode(key, KEYLEN, zero16, MGMT_T_HELLO, 0,
					  zero16, 16, h, sizeof(h));

		CHECK(mgmt_frame_parse(h, (size_t)n, &f) == 0);
		open_session(&f);
	}

	while (rd.n && fed < MAX_STREAM) {
		uint8_t kind = (uint8_t)take(&rd, 1);
		uint64_t g = take(&rd, 2);
		uint64_t ig = inner_gap(kind >> 2);
		const uint8_t *bytes;
		size_t n;

		if (kind & 0x40)
			t = t > g ? t - g : 0;
		else
			t += g;
		if ((kind & 3) == 0) {
			n = take(&rd, 1);
			if (n > rd.n)
				n = rd.n;
			bytes = rd.p;
			rd.p += n;
			rd.n -= n;
		} else {
			n = build(&rd, frame);
			if ((kind & 3) == 2) {
				size_t i = take(&rd, 2) % n;

				frame[i] ^= (uint8_t)(take(&rd, 1) | 1);
			} else if ((kind & 3) == 3) {
				n = take(&rd, 2) % n;
			}
			bytes = frame;
		}

		/* A whole frame, gaps inside it within the timeout, fed while
		 * the receiver hunts or after a timeout: it is found. */
		bool must_find =
		    (kind & 3) == 1 && ig <= MGMT_TIMEOUT_MS &&
		    fed + n <= MAX_STREAM &&
		    (rx.pos <= 1 ||
		     (fed && gap(stime[fed - 1], t) > MGMT_TIMEOUT_MS));
		size_t found = 0, found_at = 0;

		for (size_t i = 0; i < n; i++) {
			if (feed(bytes[i], t)) {
				found++;
				found_at = i;
			}
			t += ig;
		}
		if (must_find) {
			CHECK(found == 1 && found_at == n - 1);
			CHECK(!memcmp(sbyte + got_start[ngot - 1], frame, n));
		}
	}

	/* The same frames as the direct reading of the rule. */
	size_t nref = ref_frames();

	CHECK(nref == ngot);
	for (size_t i = 0; i < ngot; i++)
		CHECK(ref_start[i] == got_start[i] && ref_end[i] == got_end[i]);
	return 0;
}
