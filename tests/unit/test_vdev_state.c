/* Unit tests for device state snapshots: vuart_save/vuart_restore
 * (hv/vdev/vuart.c) against a recording owner, and the registry's
 * vdev_save_all/vdev_restore_all (hv/vdev/vdev.c) over toy devices. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hv/vdev/vdev.h"
#include "hv/vdev/vuart.h"

#define R_DATA 0
#define R_IER  1
#define R_FCR  2
#define R_LCR  3
#define R_MCR  4
#define R_LSR  5
#define R_SCR  7

/* ---- the UART's owner: what it was told ------------------------------ */

struct owner {
	char line[VUART_LINE_MAX + 1];
	unsigned lines;
	unsigned irqs; /* calls of the IRQ callback */
	bool level;
};

static void owner_line(void *ctx, const char *line, size_t len)
{
	struct owner *o = ctx;
	memcpy(o->line, line, len);
	o->line[len] = 0;
	o->lines++;
}

static void owner_irq(void *ctx, bool level)
{
	struct owner *o = ctx;
	o->irqs++;
	o->level = level;
}

static void put_str(struct vuart *u, const char *s)
{
	for (; *s; s++)
		vuart_write(u, R_DATA, (uint8_t)*s);
}

static struct vuart_state saved(struct vuart *u)
{
	struct vuart_state s;
	memset(&s, 0, sizeof(s));
	vuart_save(u, &s);
	return s;
}

/* Registers, FIFO contents and the partial line come back; the IRQ line
 * moves to the restored level through the owner's callback. */
static void test_vuart_roundtrip(void **state)
{
	(void)state;
	struct owner o = {0};
	struct vuart u;
	vuart_init(&u, owner_line, owner_irq, &o);
	vuart_write(&u, R_LCR, 0x83); /* DLAB: divisor 0x0C01 */
	vuart_write(&u, R_DATA, 0x01);
	vuart_write(&u, R_IER, 0x0C);
	vuart_write(&u, R_LCR, 0x03);
	vuart_write(&u, R_FCR, 0x01);
	vuart_write(&u, R_MCR, 0x0B);
	vuart_write(&u, R_SCR, 0x5A);
	vuart_write(&u, R_IER, 0x01); /* receive interrupt */
	put_str(&u, "par");
	assert_true(vuart_push_rx(&u, 'x'));
	assert_true(vuart_push_rx(&u, 'y'));
	assert_true(o.level);
	struct vuart_state a = saved(&u);

	assert_int_equal(vuart_read(&u, R_DATA), 'x');
	assert_int_equal(vuart_read(&u, R_DATA), 'y');
	vuart_write(&u, R_IER, 0);
	vuart_write(&u, R_SCR, 0xA5);
	vuart_write(&u, R_FCR, 0x00);
	put_str(&u, "tial\nnew");
	assert_string_equal(o.line, "partial");
	assert_false(o.level);
	struct vuart_state b = saved(&u);
	assert_memory_not_equal(&a, &b, sizeof(a));

	unsigned irqs = o.irqs;
	u.raw = true; /* the owner's: a restore keeps it */
	vuart_restore(&u, &a);
	struct vuart_state c = saved(&u);
	assert_memory_equal(&a, &c, sizeof(a));
	assert_int_equal(o.irqs, irqs + 1);
	assert_true(o.level);
	assert_true(u.irq_line);
	assert_true(u.raw);
	assert_ptr_equal(u.line_out, owner_line);
	assert_ptr_equal(u.ctx, &o);

	/* What the guest sees. */
	assert_int_equal(vuart_read(&u, R_IER), 0x01);
	assert_int_equal(vuart_read(&u, R_LCR), 0x03);
	assert_int_equal(vuart_read(&u, R_SCR), 0x5A);
	assert_int_equal(vuart_read(&u, R_FCR) & 0xC0, 0xC0); /* FIFO on */
	vuart_write(&u, R_LCR, 0x83);
	assert_int_equal(vuart_read(&u, R_DATA), 0x01);
	assert_int_equal(vuart_read(&u, R_IER), 0x0C);
	vuart_write(&u, R_LCR, 0x03);
	assert_int_equal(vuart_read(&u, R_DATA), 'x');
	assert_int_equal(vuart_read(&u, R_DATA), 'y');
	assert_int_equal(vuart_read(&u, R_LSR) & 1, 0);
	assert_false(o.level);
	put_str(&u, "!\n");
	assert_string_equal(o.line, "par!");
}

/* Restoring the level the owner's line already has calls it not at all. */
static void test_vuart_restore_same_level_quiet(void **state)
{
	(void)state;
	struct owner o = {0};
	struct vuart u;
	vuart_init(&u, owner_line, owner_irq, &o);
	vuart_write(&u, R_SCR, 0x11);
	struct vuart_state a = saved(&u);
	vuart_write(&u, R_SCR, 0x22);
	vuart_restore(&u, &a);
	assert_int_equal(o.irqs, 0);
	assert_int_equal(vuart_read(&u, R_SCR), 0x11);
}

/* A state no UART can be in is refused: the UART stays as it was. */
static void test_vuart_invalid_state(void **state)
{
	(void)state;
	struct owner o = {0};
	struct vuart u;
	vuart_init(&u, owner_line, owner_irq, &o);
	vuart_write(&u, R_SCR, 0x33);
	struct vuart_state good = saved(&u), bad = good;
	assert_true(vuart_state_valid(&good));

	bad.len = VUART_LINE_MAX;
	assert_false(vuart_state_valid(&bad));
	vuart_write(&u, R_SCR, 0x44);
	struct vuart_state before = saved(&u);
	vuart_restore(&u, &bad);
	struct vuart_state after = saved(&u);
	assert_memory_equal(&before, &after, sizeof(before));

	bad = good;
	bad.rx_head = bad.rx_tail + VUART_RX_SIZE + 1;
	assert_false(vuart_state_valid(&bad));
	bad.rx_head = bad.rx_tail + VUART_RX_SIZE; /* full is fine */
	assert_true(vuart_state_valid(&bad));
	bad.rx_tail = 0xFFFFFFF0u; /* indices wrap */
	bad.rx_head = 0x10;
	assert_true(vuart_state_valid(&bad));
	assert_int_equal(o.irqs, 0);
}

/* ---- the registry over toy devices ----------------------------------- */

struct toy {
	uint32_t val[3];
	unsigned n; /* how many of val[] are state */
	unsigned restores;
	bool refuse; /* check refuses bytes starting with 0xFF */
};

static size_t toy_size(const void *dev)
{
	const struct toy *t = dev;
	return t->n * sizeof(uint32_t);
}

static void toy_save(void *dev, void *buf)
{
	struct toy *t = dev;
	memcpy(buf, t->val, toy_size(t));
}

static bool toy_check(const void *dev, const void *buf)
{
	const struct toy *t = dev;
	return !t->refuse || *(const uint8_t *)buf != 0xFF;
}

static void toy_restore(void *dev, const void *buf)
{
	struct toy *t = dev;
	memcpy(t->val, buf, toy_size(t));
	t->restores++;
}

static const struct vdev_ops toy_ops = {.name = "toy",
					.state_size = toy_size,
					.save = toy_save,
					.check = toy_check,
					.restore = toy_restore};
static const struct vdev_ops other_ops = {.name = "other",
					  .state_size = toy_size,
					  .save = toy_save,
					  .restore = toy_restore};
static const struct vdev_ops stateless_ops = {.name = "stateless"};

static struct toy toy_a = {.val = {1, 2, 3}, .n = 3, .refuse = true};
static struct toy toy_b = {.val = {4, 5}, .n = 2};

static void setup_map(struct vdev_map *m)
{
	toy_a = (struct toy){.val = {1, 2, 3}, .n = 3, .refuse = true};
	toy_b = (struct toy){.val = {4, 5}, .n = 2};
	vdev_map_init(m);
	assert_int_equal(vdev_add(m, &toy_ops, &toy_a), 0);
	assert_int_equal(vdev_add(m, &stateless_ops, NULL), 1);
	assert_int_equal(vdev_add(m, &other_ops, &toy_b), 2);
}

#define REC sizeof(struct vdev_state_rec)

static void test_map_save_restore(void **state)
{
	(void)state;
	struct vdev_map m;
	uint8_t buf[128];
	size_t used = 0;
	setup_map(&m);
	size_t need = 3 * REC + 5 * sizeof(uint32_t);
	assert_int_equal(vdev_state_size(&m), need);
	assert_int_equal(vdev_save_all(&m, buf, sizeof(buf), &used), 0);
	assert_int_equal(used, need);

	struct vdev_state_rec r;
	memcpy(&r, buf + REC + 12, sizeof(r)); /* the stateless one's */
	assert_int_equal(r.dev, 1);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.name, "stateless");

	toy_a.val[0] = toy_b.val[1] = 99;
	assert_int_equal(vdev_restore_all(&m, buf, used), 0);
	assert_int_equal(toy_a.val[0], 1);
	assert_int_equal(toy_b.val[1], 5);
	assert_int_equal(toy_a.restores, 1);
	assert_int_equal(toy_b.restores, 1);
}

/* Too small a buffer: -1 and not a byte written. */
static void test_map_save_too_small(void **state)
{
	(void)state;
	struct vdev_map m;
	uint8_t buf[128];
	size_t used = 7;
	setup_map(&m);
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(vdev_save_all(&m, buf, vdev_state_size(&m) - 1, &used),
			 -1);
	assert_int_equal(used, 7);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xEE);
	assert_int_equal(vdev_save_all(&m, NULL, 0, &used), -1);
}

/* Restores that are refused leave every device as it was, also the ones
 * whose records are fine. */
static void expect_refused(struct vdev_map *m, const uint8_t *buf, size_t len)
{
	toy_a.val[0] = toy_b.val[0] = 77;
	assert_int_equal(vdev_restore_all(m, buf, len), -1);
	assert_int_equal(toy_a.val[0], 77);
	assert_int_equal(toy_b.val[0], 77);
	assert_int_equal(toy_a.restores + toy_b.restores, 0);
}

static void test_map_restore_refused(void **state)
{
	(void)state;
	struct vdev_map m;
	uint8_t buf[128], bad[129];
	size_t used;
	setup_map(&m);
	assert_int_equal(vdev_save_all(&m, buf, sizeof(buf), &used), 0);
	size_t last = 2 * REC + 12; /* the last record's header */

	expect_refused(&m, buf, used - 1); /* cut short */
	expect_refused(&m, buf, last + REC - 1);
	expect_refused(&m, NULL, used);
	memcpy(bad, buf, used);
	bad[used] = 0;
	expect_refused(&m, bad, used + 1); /* trailing byte */

	memcpy(bad, buf, used);
	bad[last] = 3; /* index */
	expect_refused(&m, bad, used);
	memcpy(bad, buf, used);
	bad[last + 4] = 12; /* length */
	expect_refused(&m, bad, used);
	memcpy(bad, buf, used);
	bad[last + 8] = 'O'; /* name */
	expect_refused(&m, bad, used);
	memcpy(bad, buf, used);
	bad[REC] = 0xFF; /* the first device's check refuses it */
	expect_refused(&m, bad, used);

	/* A device whose state has another size now: refused too. */
	toy_b.n = 1;
	expect_refused(&m, buf, used);
	toy_b.n = 2;
	assert_int_equal(vdev_restore_all(&m, buf, used), 0);
}

/* A device with state must be able to save and restore it. */
static void test_add_needs_save_restore(void **state)
{
	(void)state;
	struct vdev_map m;
	const struct vdev_ops half = {
	    .name = "half", .state_size = toy_size, .save = toy_save};
	vdev_map_init(&m);
	assert_int_equal(vdev_add(&m, &half, &toy_a), -1);
	assert_int_equal(vdev_state_size(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vuart_roundtrip),
	    cmocka_unit_test(test_vuart_restore_same_level_quiet),
	    cmocka_unit_test(test_vuart_invalid_state),
	    cmocka_unit_test(test_map_save_restore),
	    cmocka_unit_test(test_map_save_too_small),
	    cmocka_unit_test(test_map_restore_refused),
	    cmocka_unit_test(test_add_needs_save_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
