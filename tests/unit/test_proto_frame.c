/* Unit tests for hv/proto/frame.c: encoding, the tag, parsing and the
 * resynchronising receiver (docs/management.md, "Frame"). */
#include "tests/unit/test_util.h"

#include "hv/lib/sha256.h"
#include "hv/proto/frame.h"

static const uint8_t key[] = "bulkhead-test-key"; /* 17 bytes, no NUL */
#define KEYLEN (sizeof(key) - 1)
static const uint8_t nonce[MGMT_NONCE_LEN] = {0, 1, 2,	3,  4,	5,  6,	7,
					      8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t zero[MGMT_NONCE_LEN];

/* pause "alpha", seq 7, under key and nonce. The tag was computed with
 * python3:
 *   hmac.new(b"bulkhead-test-key", bytes(range(16)) + frame[2:16],
 *            hashlib.sha256).digest() */
static const uint8_t pause_alpha[] = {
    0xb7, 0x4b, 0x01, 0x04, 0x07, 0x00, 0x00, 0x00, /* marker v type seq */
    0x06, 0x00, 0x05, 0x61, 0x6c, 0x70, 0x68, 0x61, /* N, 5 "alpha" */
    0x0e, 0x4b, 0x5c, 0x00, 0xa7, 0xfb, 0x1c, 0x69, /* tag */
    0x75, 0x0c, 0xd6, 0x92, 0x06, 0x1a, 0x60, 0x19, /**/
    0x82, 0xfe, 0x23, 0x30, 0xf9, 0x6c, 0xda, 0xc9, /**/
    0x46, 0x7e, 0x13, 0x4b, 0x0d, 0x6c, 0x43, 0xb4,
};

/* hello, client nonce a0..af, under key and the zero nonce (python3 as
 * above, with bytes(16) as the nonce). */
static const uint8_t hello_a0[] = {
    0xb7, 0x4b, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0xa0, 0xa1,
    0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad,
    0xae, 0xaf, 0x8d, 0x6f, 0xc7, 0xec, 0xf8, 0xfd, 0x17, 0xbf, 0xd9, 0x22,
    0x38, 0xf5, 0x41, 0x84, 0x62, 0x4d, 0x7a, 0x1f, 0xab, 0x75, 0x84, 0xf5,
    0x37, 0x25, 0x1f, 0xf6, 0xfb, 0x1c, 0x2c, 0x12, 0xff, 0x06,
};

static uint32_t rng_state = 12345;

static uint8_t rnd8(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (uint8_t)(rng_state >> 8);
}

/* A frame of type, seq and n pattern bytes into out; returns its length. */
static size_t make(uint8_t *out, size_t cap, uint8_t type, uint32_t seq,
		   size_t n)
{
	uint8_t payload[MGMT_MAX_PAYLOAD];

	for (size_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 7 + seq);
	int len = mgmt_frame_encode(key, KEYLEN, nonce, type, seq, payload, n,
				    out, cap);
	assert_int_equal(len, MGMT_HDR_LEN + n + MGMT_TAG_LEN);
	return (size_t)len;
}

/* Feeds p[0, n) at time t (ms, advanced by dt per byte). Returns the
 * number of frames seen; the last is in rx->frame, its end position in
 * *at (if at). */
static int feed(struct mgmt_rx *rx, const uint8_t *p, size_t n, uint64_t *t,
		uint64_t dt, size_t *at)
{
	int frames = 0;

	for (size_t i = 0; i < n; i++) {
		if (mgmt_rx_byte(rx, p[i], *t) == MGMT_RX_FRAME) {
			frames++;
			if (at)
				*at = i + 1;
		}
		*t += dt;
	}
	return frames;
}

/* rx->frame is exactly the frame f[0, n). */
static void assert_frame_is(const struct mgmt_rx *rx, const uint8_t *f,
			    size_t n)
{
	assert_int_equal(rx->frame.raw_len, n);
	assert_memory_equal(rx->frame.raw, f, n);
	assert_int_equal(rx->frame.type, f[3]);
	assert_int_equal(rx->frame.seq, rd32(f + 4));
	assert_int_equal(rx->frame.len, n - MGMT_MIN_FRAME);
	assert_ptr_equal(rx->frame.payload, rx->frame.raw + MGMT_HDR_LEN);
	assert_ptr_equal(rx->frame.tag,
			 rx->frame.raw + MGMT_HDR_LEN + rx->frame.len);
	assert_true(mgmt_frame_verify(key, KEYLEN, nonce, &rx->frame));
}

/* ---- encoding and the tag ---------------------------------------------- */

static void test_encode_literal(void **state)
{
	uint8_t out[MGMT_MAX_FRAME];
	const uint8_t name[] = {5, 'a', 'l', 'p', 'h', 'a'};
	const uint8_t cn[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

	(void)state;
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_PAUSE, 7,
					   name, sizeof(name), out,
					   sizeof(out)),
			 sizeof(pause_alpha));
	assert_memory_equal(out, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, zero, MGMT_T_HELLO, 0,
					   cn, sizeof(cn), out, sizeof(out)),
			 sizeof(hello_a0));
	assert_memory_equal(out, hello_a0, sizeof(hello_a0));

	/* The tag alone, and the frame's own check. */
	uint8_t tag[MGMT_TAG_LEN];
	struct mgmt_frame f;

	mgmt_frame_tag(key, KEYLEN, nonce, pause_alpha, 6, tag);
	assert_memory_equal(tag, pause_alpha + 16, MGMT_TAG_LEN);
	assert_int_equal(mgmt_frame_parse(pause_alpha, sizeof(pause_alpha), &f),
			 0);
	assert_true(mgmt_frame_verify(key, KEYLEN, nonce, &f));
	assert_int_equal(mgmt_frame_parse(hello_a0, sizeof(hello_a0), &f), 0);
	assert_true(mgmt_frame_verify(key, KEYLEN, zero, &f));
}

static void test_encode_limits(void **state)
{
	static uint8_t out[MGMT_MAX_FRAME + 8];
	uint8_t payload[MGMT_MAX_PAYLOAD + 1] = {0};

	(void)state;
	/* Empty payload, NULL allowed. */
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_LIST, 1,
					   NULL, 0, out, MGMT_MIN_FRAME),
			 MGMT_MIN_FRAME);
	assert_int_equal(rd16(out + 8), 0);
	/* Largest payload into an exact buffer. */
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_LIST, 1,
					   payload, MGMT_MAX_PAYLOAD, out,
					   MGMT_MAX_FRAME),
			 MGMT_MAX_FRAME);
	assert_int_equal(rd16(out + 8), MGMT_MAX_PAYLOAD);
	/* Too long, too small a buffer, no payload. */
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_LIST, 1,
					   payload, MGMT_MAX_PAYLOAD + 1, out,
					   sizeof(out)),
			 -1);
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_LIST, 1,
					   payload, 10, out,
					   MGMT_MIN_FRAME + 9),
			 -1);
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_LIST, 1,
					   NULL, 1, out, sizeof(out)),
			 -1);
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_LIST, 1,
					   NULL, 0, NULL, 100),
			 -1);

	/* A payload built in place gives the same frame. */
	out[MGMT_HDR_LEN] = 5;
	memcpy(out + MGMT_HDR_LEN + 1, "alpha", 5);
	assert_int_equal(mgmt_frame_encode(key, KEYLEN, nonce, MGMT_T_PAUSE, 7,
					   out + MGMT_HDR_LEN, 6, out,
					   sizeof(out)),
			 sizeof(pause_alpha));
	assert_memory_equal(out, pause_alpha, sizeof(pause_alpha));
}

static void test_parse(void **state)
{
	uint8_t buf[sizeof(pause_alpha)];
	struct mgmt_frame f;

	(void)state;
	assert_int_equal(mgmt_frame_parse(pause_alpha, sizeof(pause_alpha), &f),
			 0);
	assert_int_equal(f.type, MGMT_T_PAUSE);
	assert_int_equal(f.seq, 7);
	assert_int_equal(f.len, 6);
	assert_ptr_equal(f.payload, pause_alpha + 10);
	assert_ptr_equal(f.tag, pause_alpha + 16);
	assert_ptr_equal(f.raw, pause_alpha);
	assert_int_equal(f.raw_len, sizeof(pause_alpha));

	/* Not exactly one frame. */
	assert_int_equal(
	    mgmt_frame_parse(pause_alpha, sizeof(pause_alpha) - 1, &f), -1);
	assert_int_equal(mgmt_frame_parse(pause_alpha, 0, &f), -1);
	assert_int_equal(mgmt_frame_parse(NULL, 48, &f), -1);
	memcpy(buf, pause_alpha, sizeof(buf));
	buf[0] = 0xB8;
	assert_int_equal(mgmt_frame_parse(buf, sizeof(buf), &f), -1);
	buf[0] = 0xB7;
	buf[1] = 0x4C;
	assert_int_equal(mgmt_frame_parse(buf, sizeof(buf), &f), -1);
	buf[1] = 0x4B;
	buf[2] = 2;
	assert_int_equal(mgmt_frame_parse(buf, sizeof(buf), &f), -1);
	buf[2] = 0;
	assert_int_equal(mgmt_frame_parse(buf, sizeof(buf), &f), -1);
	buf[2] = 1;
	wr16(buf + 8, 7);
	assert_int_equal(mgmt_frame_parse(buf, sizeof(buf), &f), -1);
	wr16(buf + 8, 1025);
	assert_int_equal(mgmt_frame_parse(buf, sizeof(buf), &f), -1);
}

/* Every bit of version, type, seq, length, payload and tag counts; the
 * marker does not; another key or nonce does. */
static void test_verify(void **state)
{
	uint8_t buf[sizeof(pause_alpha)];
	uint8_t other[MGMT_NONCE_LEN];
	struct mgmt_frame f;

	(void)state;
	for (size_t i = 2; i < sizeof(buf); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, pause_alpha, sizeof(buf));
			buf[i] ^= (uint8_t)(1 << bit);
			/* Parse would refuse a changed version or length:
			 * check the tag of the same view anyway. */
			f.type = buf[3];
			f.seq = rd32(buf + 4);
			f.len = 6;
			f.raw = buf;
			f.payload = buf + 10;
			f.tag = buf + 16;
			f.raw_len = sizeof(buf);
			assert_false(mgmt_frame_verify(key, KEYLEN, nonce, &f));
		}
	}
	memcpy(buf, pause_alpha, sizeof(buf));
	buf[0] = 0;
	buf[1] = 0;
	f.raw = buf;
	f.payload = buf + 10;
	f.tag = buf + 16;
	assert_true(mgmt_frame_verify(key, KEYLEN, nonce, &f));

	assert_int_equal(mgmt_frame_parse(pause_alpha, sizeof(pause_alpha), &f),
			 0);
	memcpy(other, nonce, sizeof(other));
	other[15] ^= 1;
	assert_false(mgmt_frame_verify(key, KEYLEN, other, &f));
	assert_false(mgmt_frame_verify(key, KEYLEN, zero, &f));
	assert_false(mgmt_frame_verify(key, KEYLEN - 1, nonce, &f));
	assert_false(mgmt_frame_verify((const uint8_t *)"other", 5, nonce, &f));
	/* A view with an impossible length is refused, not read. */
	f.len = MGMT_MAX_PAYLOAD + 1;
	assert_false(mgmt_frame_verify(key, KEYLEN, nonce, &f));
	assert_false(mgmt_frame_verify(key, KEYLEN, nonce, NULL));
}

/* ---- the receiver ------------------------------------------------------ */

/* One frame, byte by byte: nothing until its last byte. */
static void test_rx_byte_by_byte(void **state)
{
	struct mgmt_rx rx;
	uint64_t t = 5000;

	(void)state;
	mgmt_rx_init(&rx);
	for (size_t i = 0; i < sizeof(pause_alpha); i++) {
		enum mgmt_rx_result r = mgmt_rx_byte(&rx, pause_alpha[i], t);

		assert_int_equal(r, i + 1 == sizeof(pause_alpha)
					? MGMT_RX_FRAME
					: MGMT_RX_NONE);
		t += 999; /* slow, but under the timeout */
	}
	assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(rx.frames, 1);
	assert_int_equal(rx.garbage, 0);
	assert_int_equal(rx.bad_headers, 0);
	assert_int_equal(rx.timeouts, 0);

	/* Again, with gaps of exactly the timeout: still one frame. */
	assert_int_equal(
	    feed(&rx, hello_a0, sizeof(hello_a0), &t, MGMT_TIMEOUT_MS, NULL),
	    1);
	assert_int_equal(rx.frame.raw_len, sizeof(hello_a0));
	assert_memory_equal(rx.frame.raw, hello_a0, sizeof(hello_a0));
	assert_int_equal(rx.timeouts, 0);
}

static void test_rx_round_trip_sizes(void **state)
{
	static uint8_t f[MGMT_MAX_FRAME];
	static const size_t sizes[] = {0, 1, 16, 38, 255, 256, 1023, 1024};
	struct mgmt_rx rx;
	uint64_t t = 0;

	(void)state;
	mgmt_rx_init(&rx);
	for (size_t i = 0; i < BH_ARRAY_SIZE(sizes); i++) {
		size_t n = make(f, sizeof(f), (uint8_t)(0x02 + i),
				(uint32_t)(0x01020304u * (i + 1)), sizes[i]);
		size_t at = 0;

		assert_int_equal(feed(&rx, f, n, &t, 1, &at), 1);
		assert_int_equal(at, n);
		assert_frame_is(&rx, f, n);
	}
	assert_int_equal(rx.frames, BH_ARRAY_SIZE(sizes));
	assert_int_equal(rx.garbage, 0);
}

static void test_rx_back_to_back(void **state)
{
	uint8_t s[2 * MGMT_MAX_FRAME];
	uint8_t a[MGMT_MAX_FRAME], b[MGMT_MAX_FRAME];
	struct mgmt_rx rx;
	uint64_t t = 0;
	int frames = 0;

	(void)state;
	size_t na = make(a, sizeof(a), MGMT_T_STATS, 1, 6);
	size_t nb = make(b, sizeof(b), MGMT_T_LOG, 2, 0);

	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	mgmt_rx_init(&rx);
	for (size_t i = 0; i < na + nb; i++) {
		if (mgmt_rx_byte(&rx, s[i], t) != MGMT_RX_FRAME)
			continue;
		frames++;
		if (frames == 1) {
			assert_int_equal(i + 1, na);
			assert_frame_is(&rx, a, na);
		} else {
			assert_int_equal(i + 1, na + nb);
			assert_frame_is(&rx, b, nb);
		}
	}
	assert_int_equal(frames, 2);
	assert_int_equal(rx.garbage, 0);
}

/* Random garbage (no marker byte in it) and a few hand-made bad starts
 * before a frame: the frame is found, and the garbage counted. */
static void test_rx_garbage_then_frame(void **state)
{
	static const uint8_t tricky[][4] = {
	    {0xB7, 0x00, 0x00, 0x00}, /* lone first marker byte */
	    {0xB7, 0xB7, 0x00, 0x00}, /* two of them */
	    {0x4B, 0x01, 0x00, 0x00}, /* second byte without the first */
	    {0xB7, 0x4B, 0x00, 0x00}, /* version 0 */
	    {0xB7, 0x4B, 0x02, 0x00}, /* version 2 */
	    {0xB7, 0x4B, 0xB7, 0x00}, /* marker where the version is */
	};
	uint8_t s[512];
	struct mgmt_rx rx;
	uint64_t t = 0;

	(void)state;
	for (size_t round = 0; round < 200; round++) {
		size_t n = rnd8() % 200, at = 0;

		for (size_t i = 0; i < n; i++) {
			s[i] = rnd8();
			if (s[i] == MGMT_MARKER0)
				s[i] = 0;
		}
		/* Half the rounds: a tricky start at a random place. */
		if (round & 1) {
			const uint8_t *k = tricky[round / 2 % 6];
			size_t p = n ? rnd8() % n : 0;

			for (size_t i = 0; i < 4; i++)
				if (p + i < n)
					s[p + i] = k[i];
		}
		memcpy(s + n, pause_alpha, sizeof(pause_alpha));
		mgmt_rx_init(&rx);
		assert_int_equal(
		    feed(&rx, s, n + sizeof(pause_alpha), &t, 1, &at), 1);
		assert_int_equal(at, n + sizeof(pause_alpha));
		assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
		/* Every garbage byte is counted once. */
		assert_int_equal(rx.garbage, n);
	}
}

/* A marker inside garbage followed by a bad version; then a marker whose
 * (bad) header holds the real frame's marker. */
static void test_rx_marker_in_bad_header(void **state)
{
	uint8_t s[128];
	struct mgmt_rx rx;
	uint64_t t = 0;
	size_t at = 0;

	(void)state;
	/* "B7 4B 05" then the frame: version 5 is refused. */
	mgmt_rx_init(&rx);
	s[0] = 0x11;
	s[1] = 0xB7;
	s[2] = 0x4B;
	s[3] = 0x05;
	memcpy(s + 4, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(mgmt_rx_byte(&rx, s[0], t), MGMT_RX_DROPPED_GARBAGE);
	assert_int_equal(mgmt_rx_byte(&rx, s[1], t), MGMT_RX_NONE);
	assert_int_equal(mgmt_rx_byte(&rx, s[2], t), MGMT_RX_NONE);
	assert_int_equal(mgmt_rx_byte(&rx, s[3], t), MGMT_RX_DROPPED_GARBAGE);
	assert_int_equal(feed(&rx, s + 4, sizeof(pause_alpha), &t, 1, &at), 1);
	assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(rx.bad_headers, 1);
	assert_int_equal(rx.garbage, 4);

	/* "B7 4B" then the frame: the frame's marker is read as the
	 * version, refused, and found again on the replay. */
	mgmt_rx_init(&rx);
	s[0] = 0xB7;
	s[1] = 0x4B;
	memcpy(s + 2, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(feed(&rx, s, 2 + sizeof(pause_alpha), &t, 1, &at), 1);
	assert_int_equal(at, 2 + sizeof(pause_alpha));
	assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(rx.bad_headers, 1);

	/* "B7 4B 01 04 00 00" then the frame: the candidate's length field
	 * is the frame's "01 04", 1025, refused at the 10th byte; the
	 * frame's marker (bytes 7 and 8 of the candidate) is found in the
	 * replayed header bytes. */
	mgmt_rx_init(&rx);
	static const uint8_t pre[] = {0xB7, 0x4B, 0x01, 0x04, 0x00, 0x00};
	memcpy(s, pre, sizeof(pre));
	memcpy(s + sizeof(pre), pause_alpha, sizeof(pause_alpha));
	assert_int_equal(
	    feed(&rx, s, sizeof(pre) + sizeof(pause_alpha), &t, 1, &at), 1);
	assert_int_equal(at, sizeof(pre) + sizeof(pause_alpha));
	assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(rx.bad_headers, 1);
	assert_int_equal(rx.garbage, sizeof(pre));

	/* Nested: "B7 4B 01 x x B7 4B B7 4B 01 ..." where each candidate's
	 * header is bad and holds the next marker. */
	mgmt_rx_init(&rx);
	static const uint8_t nest[] = {0xB7, 0x4B, 0x01, 0x00, 0x00,
				       0xB7, 0x4B, 0xB7, 0x4B};
	memcpy(s, nest, sizeof(nest));
	memcpy(s + sizeof(nest), pause_alpha, sizeof(pause_alpha));
	assert_int_equal(
	    feed(&rx, s, sizeof(nest) + sizeof(pause_alpha), &t, 1, &at), 1);
	assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
	assert_int_equal(rx.garbage, sizeof(nest));
}

static void test_rx_length_too_big(void **state)
{
	static const uint16_t lens[] = {1025, 0x8000, 0xFFFF};
	uint8_t s[128];
	struct mgmt_rx rx;
	uint64_t t = 0;

	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(lens); i++) {
		size_t at = 0;

		memcpy(s, pause_alpha, MGMT_HDR_LEN);
		wr16(s + 8, lens[i]);
		memcpy(s + MGMT_HDR_LEN, pause_alpha, sizeof(pause_alpha));
		mgmt_rx_init(&rx);
		for (size_t j = 0; j < MGMT_HDR_LEN - 1; j++)
			assert_int_equal(mgmt_rx_byte(&rx, s[j], t),
					 MGMT_RX_NONE);
		assert_int_equal(mgmt_rx_byte(&rx, s[MGMT_HDR_LEN - 1], t),
				 MGMT_RX_DROPPED_GARBAGE);
		assert_int_equal(feed(&rx, s + MGMT_HDR_LEN,
				      sizeof(pause_alpha), &t, 1, &at),
				 1);
		assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
		assert_int_equal(rx.bad_headers, 1);
		assert_int_equal(rx.garbage, MGMT_HDR_LEN);
	}
}

/* A truncated frame, silence, a valid frame: the truncated one is dropped
 * on the first byte after the gap, which starts the next frame. */
static void test_rx_truncated_then_timeout(void **state)
{
	uint8_t a[MGMT_MAX_FRAME];
	struct mgmt_rx rx;
	uint64_t t = 100;
	size_t at = 0;

	(void)state;
	size_t na = make(a, sizeof(a), MGMT_T_LIST, 9, 100);

	for (size_t cut = 2; cut < na; cut += 13) {
		mgmt_rx_init(&rx);
		assert_int_equal(feed(&rx, a, cut, &t, 10, NULL), 0);
		t += MGMT_TIMEOUT_MS + 1 - 10;
		assert_int_equal(mgmt_rx_byte(&rx, pause_alpha[0], t),
				 MGMT_RX_DROPPED_TIMEOUT);
		assert_int_equal(rx.timeouts, 1);
		assert_int_equal(feed(&rx, pause_alpha + 1,
				      sizeof(pause_alpha) - 1, &t, 10, &at),
				 1);
		assert_frame_is(&rx, pause_alpha, sizeof(pause_alpha));
		assert_int_equal(rx.frames, 1);
	}

	/* Within the window the truncated frame takes the next bytes: no
	 * valid frame comes out of it (the cost of a truncated frame). */
	mgmt_rx_init(&rx);
	assert_int_equal(feed(&rx, a, 20, &t, 10, NULL), 0);
	t += MGMT_TIMEOUT_MS - 10;
	assert_int_equal(
	    feed(&rx, pause_alpha, sizeof(pause_alpha), &t, 10, NULL), 0);
	assert_int_equal(rx.timeouts, 0);

	/* A lone first marker byte, then silence: garbage, not a timeout. */
	mgmt_rx_init(&rx);
	assert_int_equal(mgmt_rx_byte(&rx, 0xB7, t), MGMT_RX_NONE);
	t += 5000;
	assert_int_equal(mgmt_rx_byte(&rx, 0x4B, t), MGMT_RX_DROPPED_GARBAGE);
	assert_int_equal(rx.timeouts, 0);
	assert_int_equal(rx.garbage, 2);
	assert_int_equal(
	    feed(&rx, pause_alpha, sizeof(pause_alpha), &t, 1, NULL), 1);
}

/* A clock that goes backwards counts as no time passing. */
static void test_rx_clock_backwards(void **state)
{
	struct mgmt_rx rx;
	uint64_t t = 10000000;

	(void)state;
	mgmt_rx_init(&rx);
	for (size_t i = 0; i < sizeof(pause_alpha); i++) {
		enum mgmt_rx_result r = mgmt_rx_byte(&rx, pause_alpha[i], t);

		assert_true(r == MGMT_RX_NONE || r == MGMT_RX_FRAME);
		t = (i & 1) ? t + 500 : t - 100000;
	}
	assert_int_equal(rx.frames, 1);
	assert_int_equal(rx.timeouts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_literal),
	    cmocka_unit_test(test_encode_limits),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_rx_byte_by_byte),
	    cmocka_unit_test(test_rx_round_trip_sizes),
	    cmocka_unit_test(test_rx_back_to_back),
	    cmocka_unit_test(test_rx_garbage_then_frame),
	    cmocka_unit_test(test_rx_marker_in_bad_header),
	    cmocka_unit_test(test_rx_length_too_big),
	    cmocka_unit_test(test_rx_truncated_then_timeout),
	    cmocka_unit_test(test_rx_clock_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
