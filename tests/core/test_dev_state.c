/* Saving and restoring a partition's virtual devices (hv/devices.c over
 * vdev_save_all/vdev_restore_all): the guest drives every device through
 * its ports (and the I/O APIC and local APICs through their handlers, no
 * MMIO decoding), a save, other changes, a restore; then the models hold
 * the saved bytes again and the guest reads back what it had written.
 * Refused restores change nothing. */
#include <stdlib.h>

#include "tests/core/core_test.h"
#include "hv/partition.h"
#include "hv/vdev/pcmap.h"

#define NVCPUS	 2
#define COM1	 PC_UART
#define R_IER	 1
#define R_IIR	 2
#define R_LCR	 3
#define R_SCR	 7
#define PM1A_CNT PC_PM1A_CNT
#define IRQ4_BIT (1u << PC_IRQ_UART)

/* The models' state, copied for byte comparisons. */
struct dev_snap {
	struct vuart_state uart, com2;
	struct vpic pic;
	struct vioapic ioapic;
	struct platform plat;
	struct vpit pit;
	struct vlapic lapic[NVCPUS];
};

static void snap_of(struct partition *p, struct dev_snap *s)
{
	memset(s, 0, sizeof(*s));
	vuart_save(&p->uart, &s->uart);
	vuart_save(&p->mgmt_uart, &s->com2);
	memcpy(&s->pic, &p->pic, sizeof(s->pic));
	memcpy(&s->ioapic, &p->ioapic, sizeof(s->ioapic));
	memcpy(&s->plat, &p->plat, sizeof(s->plat));
	memcpy(&s->pit, &p->pit, sizeof(s->pit));
	for (unsigned i = 0; i < NVCPUS; i++)
		memcpy(&s->lapic[i], &p->vcpus[i].lapic, sizeof(s->lapic[i]));
}

static void assert_snap_equal(const struct dev_snap *a,
			      const struct dev_snap *b)
{
	assert_memory_equal(&a->uart, &b->uart, sizeof(a->uart));
	assert_memory_equal(&a->com2, &b->com2, sizeof(a->com2));
	assert_memory_equal(&a->pic, &b->pic, sizeof(a->pic));
	assert_memory_equal(&a->ioapic, &b->ioapic, sizeof(a->ioapic));
	assert_memory_equal(&a->plat, &b->plat, sizeof(a->plat));
	assert_memory_equal(&a->pit, &b->pit, sizeof(a->pit));
	assert_memory_equal(a->lapic, b->lapic, sizeof(a->lapic));
}

/* Every device changed: a restore that missed one would show. */
static void assert_snap_all_differ(const struct dev_snap *a,
				   const struct dev_snap *b)
{
	assert_memory_not_equal(&a->uart, &b->uart, sizeof(a->uart));
	assert_memory_not_equal(&a->com2, &b->com2, sizeof(a->com2));
	assert_memory_not_equal(&a->pic, &b->pic, sizeof(a->pic));
	assert_memory_not_equal(&a->ioapic, &b->ioapic, sizeof(a->ioapic));
	assert_memory_not_equal(&a->plat, &b->plat, sizeof(a->plat));
	assert_memory_not_equal(&a->pit, &b->pit, sizeof(a->pit));
	for (unsigned i = 0; i < NVCPUS; i++)
		assert_memory_not_equal(&a->lapic[i], &b->lapic[i],
					sizeof(a->lapic[i]));
}

static uint32_t io(struct vcpu *v, uint16_t port, uint8_t size, bool in,
		   uint32_t val)
{
	struct exit_info e = io_exit(port, size, in);
	v->regs.rax = val;
	exit_dispatch(v, &e);
	return (uint32_t)v->regs.rax;
}

static void out8(struct vcpu *v, uint16_t port, uint8_t val)
{
	io(v, port, 1, false, val);
}

static uint32_t in8(struct vcpu *v, uint16_t port)
{
	return io(v, port, 1, true, 0) & 0xFF;
}

static void out_str(struct vcpu *v, uint16_t port, const char *s)
{
	for (; *s; s++)
		out8(v, port, (uint8_t)*s);
}

static void lapic_write(struct vcpu *v, uint32_t reg, uint32_t val)
{
	struct vlapic_ipi ipi;
	spin_lock(&v->lapic_lock);
	assert_int_equal(
	    vlapic_mmio_write(&v->lapic, reg, val, arch_now(), &ipi), 0);
	spin_unlock(&v->lapic_lock);
}

static uint32_t lapic_read(struct vcpu *v, uint32_t reg)
{
	uint32_t val = 0;
	spin_lock(&v->lapic_lock);
	assert_int_equal(vlapic_mmio_read(&v->lapic, reg, &val, arch_now()), 0);
	spin_unlock(&v->lapic_lock);
	return val;
}

/* IOREGSEL (offset 0) or IOWIN (0x10) through the page's handler. */
static void ioapic_write(struct vcpu *v, uint32_t off, uint32_t val)
{
	uint64_t x = val;
	assert_int_equal(
	    irq_ioapic_mmio(v, NULL, PC_IOAPIC_BASE + off, 4, true, &x), 0);
}

static uint32_t ioapic_read(struct vcpu *v, uint32_t off)
{
	uint64_t x = 0;
	assert_int_equal(
	    irq_ioapic_mmio(v, NULL, PC_IOAPIC_BASE + off, 4, false, &x), 0);
	return (uint32_t)x;
}

/* A Linux-like PC partition that is also the manager (so it has COM2). */
static struct partition *pc_manager(void)
{
	return fake_part_create(0, &(struct fake_part_opts){.name = "st",
							    .nvcpus = NVCPUS,
							    .pc_platform = true,
							    .manage = true});
}

/* State A: nothing as after reset. */
static void drive_a(struct partition *p)
{
	struct vcpu *v = &p->vcpus[0];
	/* 8259 pair initialised as Linux does (ICW1-4), masks; IRQ9 level. */
	const struct {
		uint16_t port;
		uint8_t val;
	} pic[] = {{0x20, 0x11}, {0x21, 0x30}, {0x21, 0x04},	   {0x21, 0x01},
		   {0xA0, 0x11}, {0xA1, 0x38}, {0xA1, 0x02},	   {0xA1, 0x01},
		   {0x21, 0xE8}, {0xA1, 0x7F}, {PC_ELCR + 1, 0x02}};
	for (unsigned i = 0; i < BH_ARRAY_SIZE(pic); i++)
		out8(v, pic[i].port, pic[i].val);
	/* Platform: CMOS index, PCI address, PM1 control. */
	out8(v, PC_CMOS_INDEX, 0x0B);
	io(v, PC_PCI_ADDR, 4, false, 0x80001234);
	io(v, PM1A_CNT, 2, false, 3u << 10);
	/* PIT: counter 0 periodic (count 1000) and latched, counter 2 half
	 * way through a two-byte count, its gate and the speaker bit on. */
	out8(v, PC_PIT + 3, 0x34);
	out8(v, PC_PIT, 0xE8);
	out8(v, PC_PIT, 0x03);
	out8(v, PC_PIT + 3, 0x00);
	out8(v, PC_PIT + 3, 0xB0);
	out8(v, PC_PIT + 2, 0x10);
	out8(v, PC_PORT_B, 0x03);
	/* COM1: divisor, line, FIFO, scratch, receive interrupt; two bytes
	 * waiting and a partial line. */
	out8(v, COM1 + R_LCR, 0x83);
	out8(v, COM1, 0x01);
	out8(v, COM1 + R_LCR, 0x03);
	out8(v, COM1 + R_IIR, 0x01);
	out8(v, COM1 + R_SCR, 0x5A);
	out8(v, COM1 + R_IER, 0x01);
	out_str(v, COM1, "half a li");
	assert_true(vuart_push_rx(&p->uart, 'x'));
	assert_true(vuart_push_rx(&p->uart, 'y'));
	/* COM2: scratch, transmit interrupt, a byte waiting. */
	out8(v, PC_COM2 + R_SCR, 0x33);
	out8(v, PC_COM2 + R_IER, 0x02);
	assert_true(vuart_push_rx(&p->mgmt_uart, 'm'));
	/* I/O APIC: pin 5's entry, IOREGSEL left on it. */
	ioapic_write(v, 0x00, 0x1A);
	ioapic_write(v, 0x10, 0x00010055);
	/* Each local APIC: task priority and logical ID. */
	for (unsigned i = 0; i < NVCPUS; i++) {
		lapic_write(&p->vcpus[i], VLAPIC_TPR, 0x20 + 0x10 * i);
		lapic_write(&p->vcpus[i], VLAPIC_LDR, 0x01000000u << i);
	}
}

/* State B: every device away from A. */
static void drive_b(struct partition *p)
{
	struct vcpu *v = &p->vcpus[0];
	out8(v, 0x21, 0x00);
	out8(v, 0xA1, 0x00);
	out8(v, PC_ELCR + 1, 0x00);
	out8(v, PC_CMOS_INDEX, 0x0D);
	io(v, PC_PCI_ADDR, 4, false, 0x80000000);
	assert_int_equal(in8(v, PC_PIT), 0xE8); /* half the latch read */
	out8(v, PC_PIT + 3, 0x30);
	out8(v, PC_PIT + 2, 0x20);
	out8(v, PC_PORT_B, 0x00);
	assert_int_equal(in8(v, COM1), 'x');
	assert_int_equal(in8(v, COM1), 'y');
	out8(v, COM1 + R_IER, 0x00);
	out8(v, COM1 + R_SCR, 0xA5);
	fake_console_clear();
	out_str(v, COM1, "ne\n");
	assert_console_has("[st] half a line\n");
	out8(v, PC_COM2 + R_SCR, 0x44);
	assert_int_equal(in8(v, PC_COM2), 'm');
	ioapic_write(v, 0x10, 0x00010066);
	ioapic_write(v, 0x00, 0x10);
	for (unsigned i = 0; i < NVCPUS; i++)
		lapic_write(&p->vcpus[i], VLAPIC_TPR, 0x70);
}

/* What the guest reads after a restore to A. */
static void assert_guest_sees_a(struct partition *p)
{
	struct vcpu *v = &p->vcpus[0];
	assert_int_equal(in8(v, 0x21), 0xE8);
	assert_int_equal(in8(v, 0xA1), 0x7F);
	assert_int_equal(in8(v, PC_ELCR + 1), 0x02);
	assert_int_equal(in8(v, PC_CMOS_INDEX), 0x0B);
	assert_int_equal(in8(v, PC_CMOS_DATA), 0x02); /* status B */
	assert_int_equal(io(v, PC_PCI_ADDR, 4, true, 0), 0x80001234);
	assert_int_equal(io(v, PM1A_CNT, 2, true, 0), (3u << 10) | 1);
	assert_int_equal(in8(v, PC_PORT_B) & 0x0F, 0x03);
	assert_int_equal(in8(v, PC_PIT), 0xE8); /* the latch, LSB then MSB */
	assert_int_equal(in8(v, PC_PIT), 0x03);
	out8(v, PC_PIT + 2, 0x12); /* completes the count: 0x1210 */
	assert_int_equal(in8(v, PC_PIT + 2), 0x10);
	assert_int_equal(in8(v, PC_PIT + 2), 0x12);
	assert_int_equal(in8(v, COM1 + R_IER), 0x01);
	assert_int_equal(in8(v, COM1 + R_LCR), 0x03);
	assert_int_equal(in8(v, COM1 + R_SCR), 0x5A);
	assert_int_equal(in8(v, COM1 + R_IIR), 0xC4); /* FIFO, receive */
	assert_int_equal(in8(v, COM1), 'x');
	assert_int_equal(in8(v, COM1), 'y');
	fake_console_clear();
	out_str(v, COM1, "ne\n");
	assert_console_has("[st] half a line\n");
	assert_int_equal(in8(v, PC_COM2 + R_SCR), 0x33);
	assert_int_equal(in8(v, PC_COM2), 'm');
	assert_int_equal(ioapic_read(v, 0x00), 0x1A);
	assert_int_equal(ioapic_read(v, 0x10), 0x00010055);
	for (unsigned i = 0; i < NVCPUS; i++) {
		assert_int_equal(lapic_read(&p->vcpus[i], VLAPIC_TPR),
				 0x20 + 0x10 * i);
		assert_int_equal(lapic_read(&p->vcpus[i], VLAPIC_LDR),
				 0x01000000u << i);
	}
}

/* Saves the partition's devices into a buffer of their size. */
static uint8_t *save(struct partition *p, size_t *used)
{
	size_t size = vdev_state_size(&p->devs);
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(vdev_save_all(&p->devs, buf, size, used), 0);
	assert_int_equal(*used, size);
	return buf;
}

static void test_save_restore_roundtrip(void **state)
{
	(void)state;
	struct partition *p = pc_manager();
	struct dev_snap a, b, c;
	size_t used;
	drive_a(p);
	assert_true(p->uart.irq_line);
	snap_of(p, &a);
	uint8_t *buf = save(p, &used);

	drive_b(p);
	assert_false(p->uart.irq_line);
	snap_of(p, &b);
	assert_snap_all_differ(&a, &b);

	assert_int_equal(vdev_restore_all(&p->devs, buf, used), 0);
	snap_of(p, &c);
	assert_snap_equal(&a, &c);
	/* The UART's line and the 8259's input agree again. */
	assert_true(p->uart.irq_line);
	assert_true(p->pic.chip[0].line & IRQ4_BIT);
	assert_guest_sees_a(p);
	assert_int_equal(p->io_dropped, 0);
	free(buf);
}

/* Which record carries which state: shared state once, by the device
 * that resets it. */
static void test_records(void **state)
{
	(void)state;
	struct partition *p = pc_manager();
	const struct {
		const char *name;
		size_t len;
	} want[] = {
	    {"uart", sizeof(struct vuart_state)},
	    {"mgmt-uart", sizeof(struct vuart_state)},
	    {"pic", sizeof(struct vpic) + sizeof(struct vioapic)},
	    {"platform", sizeof(struct platform)},
	    {"pc-ports", 0},
	    {"pit", sizeof(struct vpit)},
	    {"ioapic", 0},
	    {"lapic", NVCPUS * sizeof(struct vlapic)},
	};
	size_t used, off = 0;
	uint8_t *buf = save(p, &used);
	assert_int_equal(p->devs.ndevs, BH_ARRAY_SIZE(want));
	for (unsigned i = 0; i < BH_ARRAY_SIZE(want); i++) {
		struct vdev_state_rec r;
		memcpy(&r, buf + off, sizeof(r));
		assert_int_equal(r.dev, i);
		assert_string_equal(r.name, want[i].name);
		assert_int_equal(r.len, want[i].len);
		off += sizeof(r) + r.len;
	}
	assert_int_equal(off, used);
	free(buf);
}

/* Too small a buffer: -1, nothing written; a restore from a cut buffer:
 * -1, nothing changed. */
static void test_buffer_too_small(void **state)
{
	(void)state;
	struct partition *p = pc_manager();
	struct dev_snap a, b;
	size_t used = 0, size = vdev_state_size(&p->devs);
	drive_a(p);
	snap_of(p, &a);
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	memset(buf, 0xEE, size);
	assert_int_equal(vdev_save_all(&p->devs, buf, size - 1, &used), -1);
	assert_int_equal(used, 0);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(buf[i], 0xEE);
	snap_of(p, &b);
	assert_snap_equal(&a, &b);

	assert_int_equal(vdev_save_all(&p->devs, buf, size, &used), 0);
	drive_b(p);
	snap_of(p, &b);
	assert_int_equal(vdev_restore_all(&p->devs, buf, used - 1), -1);
	snap_of(p, &a);
	assert_snap_equal(&a, &b);
	free(buf);
}

/* Offset of record i's header. */
static size_t rec_at(const uint8_t *buf, unsigned i)
{
	size_t off = 0;
	for (unsigned k = 0; k < i; k++) {
		struct vdev_state_rec r;
		memcpy(&r, buf + off, sizeof(r));
		off += sizeof(r) + r.len;
	}
	return off;
}

/* A restore of `bad` is refused and leaves every device in state B, also
 * those whose records come before the bad one. */
static void expect_refused(struct partition *p, const uint8_t *bad, size_t len)
{
	struct dev_snap before, after;
	snap_of(p, &before);
	assert_int_equal(vdev_restore_all(&p->devs, bad, len), -1);
	snap_of(p, &after);
	assert_snap_equal(&before, &after);
	assert_false(p->uart.irq_line);
}

static void test_corrupt_record_refused(void **state)
{
	(void)state;
	struct partition *p = pc_manager();
	size_t used;
	drive_a(p);
	uint8_t *buf = save(p, &used), *bad = malloc(used + 1);
	assert_non_null(bad);
	drive_b(p);

	for (unsigned i = 0; i < p->devs.ndevs; i++) {
		size_t h = rec_at(buf, i);
		memcpy(bad, buf, used);
		bad[h + offsetof(struct vdev_state_rec, dev)] ^= 1;
		expect_refused(p, bad, used);
		memcpy(bad, buf, used);
		bad[h + offsetof(struct vdev_state_rec, len)] ^= 4;
		expect_refused(p, bad, used);
		memcpy(bad, buf, used);
		bad[h + offsetof(struct vdev_state_rec, name)] ^= 0x20;
		expect_refused(p, bad, used);
	}

	/* COM2's state holds a full partial line: no UART can be in it. */
	struct vuart_state s;
	size_t com2 = rec_at(buf, 1) + sizeof(struct vdev_state_rec);
	memcpy(bad, buf, used);
	memcpy(&s, bad + com2, sizeof(s));
	s.len = VUART_LINE_MAX;
	memcpy(bad + com2, &s, sizeof(s));
	expect_refused(p, bad, used);

	/* The PIT's: a count of 0 (the model divides by it). */
	struct vdev_state_rec r;
	struct vpit pit;
	size_t h = rec_at(buf, 5);
	memcpy(&r, buf + h, sizeof(r));
	assert_string_equal(r.name, "pit");
	memcpy(bad, buf, used);
	memcpy(&pit, bad + h + sizeof(r), sizeof(pit));
	pit.ch[0].count = 0;
	memcpy(bad + h + sizeof(r), &pit, sizeof(pit));
	expect_refused(p, bad, used);

	/* A byte more than the records. */
	memcpy(bad, buf, used);
	bad[used] = 0;
	expect_refused(p, bad, used + 1);

	/* The restore that is not refused. */
	assert_int_equal(vdev_restore_all(&p->devs, buf, used), 0);
	assert_true(p->uart.irq_line);
	free(bad);
	free(buf);
}

/* A partition with other devices (no PC platform, no COM2) or other
 * vCPUs refuses another's state. */
static void test_other_partition_refused(void **state)
{
	(void)state;
	struct partition *p = pc_manager();
	size_t used;
	uint8_t *buf = save(p, &used);
	const struct fake_part_opts other[] = {
	    {.first_pcpu = 2, .nvcpus = NVCPUS, .manage = true},
	    {.first_pcpu = 4, .nvcpus = NVCPUS, .pc_platform = true},
	    {.first_pcpu = 6, .nvcpus = 1, .pc_platform = true, .manage = true},
	    /* The same layout takes it. */
	    {.first_pcpu = 7,
	     .nvcpus = NVCPUS,
	     .pc_platform = true,
	     .manage = true},
	};
	for (unsigned i = 0; i < BH_ARRAY_SIZE(other); i++) {
		struct partition *q = fake_part_create(1 + i, &other[i]);
		bool same = i == BH_ARRAY_SIZE(other) - 1;
		assert_int_equal(vdev_restore_all(&q->devs, buf, used),
				 same ? 0 : -1);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_save_restore_roundtrip,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_records, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_buffer_too_small, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_record_refused,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_other_partition_refused,
					    core_setup, core_teardown),
	};
	return CORE_RUN(tests);
}
