/* The virtual PC of each partition, assembled from the device registry
 * (hv/vdev/vdev.h) at the addresses of hv/vdev/pcmap.h: one table says
 * which device answers which ports and pages. The handlers here add what
 * the pure models leave to their owner: locks, time, console input, and
 * carrying out resets and power-off. */
#include "hv/partition.h"
#include "hv/console.h"
#include "hv/cpu.h"
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

static void uart_reset(void *dev)
{
	struct partition *p = dev;
	vuart_init(&p->uart, p->name, console_guest_line, uart_irq, p);
}

/* ---- interrupt controllers: 8259 pair and ELCR ports; resetting it
 * resets the I/O APIC and the local APICs too (hv/irq.c) ------------- */

static bool pic_io(struct vcpu *v, void *dev, uint16_t port, uint8_t size,
		   bool in, uint32_t *val)
{
	struct partition *p = dev;
	(void)v;
	(void)size;
	spin_lock(&p->pic_lock);
	if (in)
		*val = vpic_read(&p->pic, port);
	else
		vpic_write(&p->pic, port, (uint8_t)*val);
	spin_unlock(&p->pic_lock);
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
	struct plat_env env = {.now = arch_now(), .tsc_hz = hv_tsc_hz};
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
	platform_init(&p->plat, arch_now());
}

/* ---- MMIO: the local APIC page answers only in xAPIC mode ------------ */

static bool lapic_active(struct vcpu *v, void *dev)
{
	(void)dev;
	return vlapic_hw_enabled(&v->lapic) && !vlapic_x2apic(&v->lapic);
}

#define OPS(n, io_fn, mmio_fn, active_fn, reset_fn)                            \
	static const struct vdev_ops n = {                                     \
	    .name = #n,                                                        \
	    .io = io_fn,                                                       \
	    .mmio = mmio_fn,                                                   \
	    .active = active_fn,                                               \
	    .reset = reset_fn,                                                 \
	    .save = vdev_save_unsupported,                                     \
	    .restore = vdev_restore_unsupported,                               \
	}
OPS(uart, uart_io, NULL, NULL, uart_reset);
OPS(pic, pic_io, NULL, NULL, pic_reset);
OPS(platform, plat_io, NULL, NULL, plat_reset);
OPS(pc_ports, plat_io, NULL, NULL, NULL);	/* state is the platform's */
OPS(ioapic, NULL, irq_ioapic_mmio, NULL, NULL); /* reset by pic */
OPS(lapic, NULL, irq_apic_mmio, lapic_active, NULL);

#define MAX_CLAIMS 5
struct pc_device {
	const struct vdev_ops *ops;
	bool pc_only; /* only on partitions with the PC platform (Linux) */
	bool mmio;
	struct {
		uint64_t first, last;
	} at[MAX_CLAIMS];
};

/* In reset order: the UART, then the interrupt controllers, then the
 * platform (as the devices came up before the registry). */
static const struct pc_device pc_devices[] = {
    {&uart, false, false, {{PC_UART, PC_UART + 7}}},
    {&pic,
     false,
     false,
     {{PC_PIC_MASTER, PC_PIC_MASTER + 1},
      {PC_PIC_SLAVE, PC_PIC_SLAVE + 1},
      {PC_ELCR, PC_ELCR + 1}}},
    {&platform,
     false,
     false,
     {{PC_KBC_DATA, PC_KBC_DATA},
      {PC_KBC_CMD, PC_KBC_CMD},
      {PC_FAST_A20, PC_FAST_A20},
      {PC_RESET, PC_RESET}}},
    {&pc_ports,
     true,
     false,
     {{PC_CMOS_INDEX, PC_CMOS_DATA},
      {PC_PCI_ADDR, PC_PCI_ADDR},
      {PC_PCI_DATA, PC_PCI_DATA + 3},
      {PC_PM1A_EVT, PC_PM1A_CNT + 1},
      {PC_PM_TMR, PC_PM_TMR + 3}}},
    {&ioapic, true, true, {{PC_IOAPIC_BASE, PC_IOAPIC_BASE + 0xFFF}}},
    {&lapic, false, true, {{PC_LAPIC_BASE, PC_LAPIC_BASE + 0xFFF}}},
};

static int add_device(struct partition *p, const struct pc_device *d)
{
	int i = vdev_add(&p->devs, d->ops, p);
	for (unsigned k = 0; i >= 0 && k < MAX_CLAIMS && d->at[k].last; k++)
		if (vdev_claim(&p->devs, i, d->at[k].first, d->at[k].last,
			       d->mmio))
			return -1;
	return i < 0 ? -1 : 0;
}

int part_devices_init(struct partition *p)
{
	vdev_map_init(&p->devs);
	for (unsigned i = 0; i < BH_ARRAY_SIZE(pc_devices); i++) {
		if (pc_devices[i].pc_only && !p->boot.pc_platform)
			continue;
		if (add_device(p, &pc_devices[i]))
			return -1;
	}
	vdev_reset_all(&p->devs);
	return 0;
}
