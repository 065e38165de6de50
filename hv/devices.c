/* The virtual PC of each partition, assembled from the device registry
 * (hv/vdev/vdev.h) at the addresses of hv/vdev/pcmap.h: one table says
 * which device answers which ports and pages. The handlers here add what
 * the pure models leave to their owner: locks, time, console input, and
 * carrying out resets and power-off. */
#include "hv/partition.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/mgmt.h"
#include "hv/vdev/pcmap.h"

/* ---- the partition's console UART (COM1) --------------------------- */

static void uart_irq(void *ctx, bool level)
{
	irq_set_isa(ctx, PC_IRQ_UART, level);
}

static bool uart_io(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
		    bool in, uint32_t *val)
{
	struct partition *p = dev;
	(void)v;
	(void)size;
	if (in) {
		console_poll_input(); /* the guest is looking for input */
		*val = vuart_read(&p->uart, port - PC_UART);
	} else {
		vuart_write(&p->uart, port - PC_UART, (uint8_t)*val);
	}
	return true;
}

void part_console_show(struct partition *p, const char *line, size_t len)
{
	char safe[VUART_LINE_MAX];
	if (p->uart.raw && console_focused_view()) {
		console_write(line, len); /* the operator asked for it */
		console_write("\n", 1);
		return;
	}
	/* Control bytes other than tab are shown as '.', so a guest cannot
	 * drive the operator's terminal with escape sequences. */
	size_t n = 0;
	for (size_t i = 0; i < len && n < sizeof(safe); i++) {
		uint8_t c = (uint8_t)line[i];
		if (c != '\r')
			safe[n++] = (c < 0x20 && c != '\t') || c == 0x7F
					? '.'
					: (char)c;
	}
	console_guest_line(p->name, safe, n);
}

/* A complete line of the partition's console: into its ring (for
 * `bulkhead-ctl console` and the focus switch's replay) and, unless
 * another partition has the focused view, to the screen. */
static void uart_line(void *ctx, const char *line, size_t len)
{
	struct partition *p = ctx;
	spin_lock(&p->con_lock);
	outring_put(&p->con_ring, line, len);
	outring_put(&p->con_ring, "\n", 1);
	if (console_shows(p->id))
		part_console_show(p, line, len);
	spin_unlock(&p->con_lock);
}

static void uart_reset(void *dev)
{
	struct partition *p = dev;
	vuart_init(&p->uart, uart_line, uart_irq, p);
	p->uart.raw = p->cfg->console_raw;
}

/* ---- the manager's management UART (COM2): bytes to and from the
 * management channel's in-band link (hv/mgmt.c) ----------------------- */

_Static_assert(PC_COM2 == CFG_MGMT_UART, "the config checks this range");

static void com2_irq(void *ctx, bool level)
{
	irq_set_isa(ctx, PC_IRQ_COM2, level);
}

static void com2_byte(void *ctx, uint8_t c)
{
	mgmt_inband_rx(ctx, c);
}

static bool com2_io(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
		    bool in, uint32_t *val)
{
	struct partition *p = dev;
	(void)v;
	(void)size;
	if (in) {
		*val = vuart_read(&p->mgmt_uart, port - PC_COM2);
		mgmt_inband_fill(p); /* room in its FIFO: the reply goes on */
	} else {
		vuart_write(&p->mgmt_uart, port - PC_COM2, (uint8_t)*val);
	}
	return true;
}

static void com2_reset(void *dev)
{
	struct partition *p = dev;
	vuart_init(&p->mgmt_uart, NULL, com2_irq, p);
	p->mgmt_uart.byte_out = com2_byte;
	mgmt_inband_reset(p);
}

/* ---- interrupt controllers: 8259 pair and ELCR ports; resetting it
 * resets the I/O APIC and the local APICs too (hv/irq.c) ------------- */

static bool pic_io(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
		   bool in, uint32_t *val)
{
	struct partition *p = dev;
	(void)v;
	(void)size;
	dev_lock(&p->pic_lock);
	if (in)
		*val = vpic_read(&p->pic, port);
	else
		vpic_write(&p->pic, port, (uint8_t)*val);
	dev_unlock(p, &p->pic_lock);
	return true;
}

static void pic_reset(void *dev)
{
	irq_init(dev);
}

/* ---- platform ports: reset requests (every partition), RTC, PCI and
 * ACPI PM (PC partitions) ---------------------------------------------- */

static bool plat_io(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
		    bool in, uint32_t *val)
{
	struct partition *p = dev;
	/* Partition time: the PM timer and the RTC go on from where they
	 * were when a snapshot was taken, as the guest's TSC does. */
	struct plat_env env = {.now = part_now(p), .tsc_hz = hv_tsc_hz};
	(void)v;
	bool mine = platform_io(&p->plat, &env, port, size, in, val);
	if (env.action == PLAT_RESET)
		part_reset(p, env.why);
	else if (env.action == PLAT_POWEROFF)
		part_stop(p, "powered off (ACPI S5)");
	return mine;
}

static void plat_reset(void *dev)
{
	struct partition *p = dev;
	platform_init(&p->plat, part_now(p));
}

/* ---- the 8254 PIT and port B (PC partitions): counter 0's IRQ0 edges
 * go out through hv/irq.c, which also collects them before vCPU 0's
 * entries and wakes ------------------------------------------------------ */

_Static_assert(PC_PIT == VPIT_PORT_CH0 && PC_PORT_B == VPIT_PORT_B,
	       "the map and the model agree");

static bool pit_io(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
		   bool in, uint32_t *val)
{
	struct partition *p = dev;
	(void)v;
	dev_lock(&p->pit_lock);
	bool mine =
	    vpit_io(&p->pit, port, size, in, val, part_now(p), hv_tsc_hz);
	dev_unlock(p, &p->pit_lock);
	/* A write may have made an edge or moved the next one (reads
	 * cannot move it; their edges wait for vCPU 0's next entry). */
	if (!in)
		irq_pit_written(p);
	return mine;
}

static void pit_reset(void *dev)
{
	struct partition *p = dev;
	dev_lock(&p->pit_lock);
	vpit_init(&p->pit);
	dev_unlock(p, &p->pit_lock);
}

/* ---- MMIO: the local APIC page answers only in xAPIC mode ------------ */

static bool lapic_active(struct vcpu *v, void *dev)
{
	(void)dev;
	return vlapic_hw_enabled(&v->lapic) && !vlapic_x2apic(&v->lapic);
}

/* ---- snapshots (vdev_save_all): state shared by two devices is saved
 * once, by the device that resets it. The UARTs carry their vuart_state:
 * not the owner's wiring, nor for COM2 the management link's queues
 * (hv/mgmt.c). pic carries the 8259 pair and the I/O APIC (one lock, one
 * reset): the ioapic device only maps its page. platform carries struct
 * platform, which pc_ports answers for too. pit carries struct vpit (PC
 * partitions; IRQ0 is a pulse, no level to restore). lapic carries the
 * local APIC of every vCPU. The UARTs come first, so the IRQ levels their
 * restore drives land in controllers the pic and lapic records then
 * overwrite with the levels saved alongside. Times (the platform's epoch,
 * APIC timers, the PIT's runs) are absolute TSC values. Records have no
 * alignment: the state goes through copies.
 * ---------------------------------------------- */

static size_t uart_state_size(const void *dev)
{
	(void)dev;
	return sizeof(struct vuart_state);
}

static void save_uart(struct vuart *u, void *buf)
{
	struct vuart_state s;
	vuart_save(u, &s);
	memcpy(buf, &s, sizeof(s));
}

static void restore_uart(struct vuart *u, const void *buf)
{
	struct vuart_state s;
	memcpy(&s, buf, sizeof(s));
	vuart_restore(u, &s);
}

static bool uart_check(const void *dev, const void *buf)
{
	struct vuart_state s;
	(void)dev;
	memcpy(&s, buf, sizeof(s));
	return vuart_state_valid(&s);
}

static void uart_save(void *dev, void *buf)
{
	save_uart(&((struct partition *)dev)->uart, buf);
}

static void uart_restore(void *dev, const void *buf)
{
	restore_uart(&((struct partition *)dev)->uart, buf);
}

static void com2_save(void *dev, void *buf)
{
	save_uart(&((struct partition *)dev)->mgmt_uart, buf);
}

static void com2_restore(void *dev, const void *buf)
{
	restore_uart(&((struct partition *)dev)->mgmt_uart, buf);
}

static size_t pic_state_size(const void *dev)
{
	(void)dev;
	return sizeof(struct vpic) + sizeof(struct vioapic);
}

static void pic_save(void *dev, void *buf)
{
	struct partition *p = dev;
	uint8_t *out = buf;
	dev_lock(&p->pic_lock);
	memcpy(out, &p->pic, sizeof(p->pic));
	memcpy(out + sizeof(p->pic), &p->ioapic, sizeof(p->ioapic));
	dev_unlock(p, &p->pic_lock);
}

static void pic_restore(void *dev, const void *buf)
{
	struct partition *p = dev;
	const uint8_t *in = buf;
	dev_lock(&p->pic_lock);
	memcpy(&p->pic, in, sizeof(p->pic));
	memcpy(&p->ioapic, in + sizeof(p->pic), sizeof(p->ioapic));
	dev_unlock(p, &p->pic_lock);
}

static size_t plat_state_size(const void *dev)
{
	(void)dev;
	return sizeof(struct platform);
}

/* No lock, as in plat_io: the partition is paused for a snapshot. */
static void plat_save(void *dev, void *buf)
{
	memcpy(buf, &((struct partition *)dev)->plat, sizeof(struct platform));
}

static void plat_restore(void *dev, const void *buf)
{
	memcpy(&((struct partition *)dev)->plat, buf, sizeof(struct platform));
}

static size_t pit_state_size(const void *dev)
{
	(void)dev;
	return sizeof(struct vpit);
}

static void pit_save(void *dev, void *buf)
{
	struct partition *p = dev;
	dev_lock(&p->pit_lock);
	memcpy(buf, &p->pit, sizeof(p->pit));
	dev_unlock(p, &p->pit_lock);
}

/* The counts divide times and index nothing, but a count of 0 would
 * divide by zero: bytes no 8254 can hold are refused. */
static bool pit_check(const void *dev, const void *buf)
{
	struct vpit s;
	(void)dev;
	memcpy(&s, buf, sizeof(s));
	return vpit_state_valid(&s);
}

static void pit_restore(void *dev, const void *buf)
{
	struct partition *p = dev;
	dev_lock(&p->pit_lock);
	memcpy(&p->pit, buf, sizeof(p->pit));
	dev_unlock(p, &p->pit_lock);
}

static size_t lapic_state_size(const void *dev)
{
	const struct partition *p = dev;
	return p->nvcpus * sizeof(struct vlapic);
}

static void lapic_save(void *dev, void *buf)
{
	struct partition *p = dev;
	uint8_t *out = buf;
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];
		lapic_lock(v);
		memcpy(out + i * sizeof(v->lapic), &v->lapic, sizeof(v->lapic));
		lapic_unlock(v);
	}
}

static void lapic_restore(void *dev, const void *buf)
{
	struct partition *p = dev;
	const uint8_t *in = buf;
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];
		lapic_lock(v);
		memcpy(&v->lapic, in + i * sizeof(v->lapic), sizeof(v->lapic));
		v->lapic.cpu_stale = true;
		lapic_unlock(v);
	}
}

static const struct vdev_ops uart = {.name = "uart",
				     .io = uart_io,
				     .reset = uart_reset,
				     .state_size = uart_state_size,
				     .save = uart_save,
				     .check = uart_check,
				     .restore = uart_restore};
static const struct vdev_ops com2 = {.name = "mgmt-uart",
				     .io = com2_io,
				     .reset = com2_reset,
				     .state_size = uart_state_size,
				     .save = com2_save,
				     .check = uart_check,
				     .restore = com2_restore};
static const struct vdev_ops pic = {.name = "pic",
				    .io = pic_io,
				    .reset = pic_reset,
				    .state_size = pic_state_size,
				    .save = pic_save,
				    .restore = pic_restore};
static const struct vdev_ops platform = {.name = "platform",
					 .io = plat_io,
					 .reset = plat_reset,
					 .state_size = plat_state_size,
					 .save = plat_save,
					 .restore = plat_restore};
/* The PC-only ports of the same platform state (reset and saved with it). */
static const struct vdev_ops pc_ports = {.name = "pc-ports", .io = plat_io};
static const struct vdev_ops pit = {.name = "pit",
				    .io = pit_io,
				    .reset = pit_reset,
				    .state_size = pit_state_size,
				    .save = pit_save,
				    .check = pit_check,
				    .restore = pit_restore};
/* Reset and saved with the interrupt controllers (pic). */
static const struct vdev_ops ioapic = {.name = "ioapic",
				       .mmio = irq_ioapic_mmio};
static const struct vdev_ops lapic = {.name = "lapic",
				      .mmio = irq_apic_mmio,
				      .active = lapic_active,
				      .state_size = lapic_state_size,
				      .save = lapic_save,
				      .restore = lapic_restore};

/* Which device answers what, in reset order: the UART, the interrupt
 * controllers, the platform (as the devices came up before the registry),
 * the PIT.
 * pc: only on partitions with the PC platform (Linux); manager: only on
 * the manager partition. */
static const struct pc_claim {
	const struct vdev_ops *ops;
	bool pc, mmio, manager;
	uint64_t first, last;
} pc_claims[] = {
    {&uart, false, false, false, PC_UART, PC_UART + 7},
    {&com2, false, false, true, PC_COM2, PC_COM2 + 7},
    {&pic, false, false, false, PC_PIC_MASTER, PC_PIC_MASTER + 1},
    {&pic, false, false, false, PC_PIC_SLAVE, PC_PIC_SLAVE + 1},
    {&pic, false, false, false, PC_ELCR, PC_ELCR + 1},
    {&platform, false, false, false, PC_KBC_DATA, PC_KBC_DATA},
    {&platform, false, false, false, PC_KBC_CMD, PC_KBC_CMD},
    {&platform, false, false, false, PC_FAST_A20, PC_FAST_A20},
    {&platform, false, false, false, PC_RESET, PC_RESET},
    {&pc_ports, true, false, false, PC_CMOS_INDEX, PC_CMOS_DATA},
    {&pc_ports, true, false, false, PC_PCI_ADDR, PC_PCI_ADDR},
    {&pc_ports, true, false, false, PC_PCI_DATA, PC_PCI_DATA + 3},
    {&pc_ports, true, false, false, PC_PM1A_EVT, PC_PM1A_CNT + 1},
    {&pc_ports, true, false, false, PC_PM_TMR, PC_PM_TMR + 3},
    {&pit, true, false, false, PC_PIT, PC_PIT + 3},
    {&pit, true, false, false, PC_PORT_B, PC_PORT_B},
    {&ioapic, true, true, false, PC_IOAPIC_BASE, PC_IOAPIC_BASE + 0xFFF},
    {&lapic, false, true, false, PC_LAPIC_BASE, PC_LAPIC_BASE + 0xFFF},
};

/* A device is added at its first claim; the claims of one device are
 * consecutive. */
int part_devices_init(struct partition *p)
{
	int d = -1;
	vdev_map_init(&p->devs);
	for (unsigned i = 0; i < BH_ARRAY_SIZE(pc_claims); i++) {
		const struct pc_claim *c = &pc_claims[i];
		if ((c->pc && !p->boot.pc_platform) ||
		    (c->manager && !p->cfg->manage))
			continue;
		if (d < 0 || p->devs.devs[d].ops != c->ops)
			d = vdev_add(&p->devs, c->ops, p);
		if (vdev_claim(&p->devs, d, c->first, c->last, c->mmio))
			return -1;
	}
	vdev_reset_all(&p->devs);
	return 0;
}
