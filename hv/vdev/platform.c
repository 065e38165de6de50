#include "hv/vdev/platform.h"
#include "hv/console.h"
#include "hv/load/part_load.h"

uint64_t platform_tsc_hz = 1000000000ull;

#define PM_TIMER_HZ	3579545ull /* ACPI spec 4.8.3.3 */
#define PM1_SCI_EN	0x0001
#define PM1_SLP_TYP(x)	(((x) >> 10) & 7)
#define PM1_SLP_EN	0x2000
#define RST_CPU		0x04 /* port 0xCF9 */
#define KBC_PULSE_RESET 0xFE

void platform_init(struct partition *p)
{
	p->plat.pm1_cnt = PM1_SCI_EN;
	p->plat.epoch_tsc = arch_now();
}

/* ---- ACPI PM timer and PM1 registers ------------------------------- */

static uint32_t pm_timer(void)
{
	uint64_t t = arch_now(), hz = platform_tsc_hz;
	uint64_t ticks = t / hz * PM_TIMER_HZ + t % hz * PM_TIMER_HZ / hz;
	return (uint32_t)ticks & 0xFFFFFF;
}

static void pm1_cnt_write(struct vcpu *v, uint32_t val)
{
	struct partition *p = v->part;
	p->plat.pm1_cnt = (val & ~PM1_SLP_EN) | PM1_SCI_EN;
	if ((val & PM1_SLP_EN) && PM1_SLP_TYP(val) == PLAT_S5_TYP)
		part_stop(p, "powered off (ACPI S5)");
}

/* ---- CMOS RTC (MC146818): a fixed epoch plus elapsed TSC time --------- */

static uint8_t bcd(unsigned x)
{
	return (uint8_t)(((x / 10) << 4) | (x % 10));
}

static uint8_t rtc_read(struct partition *p)
{
	uint64_t secs = (arch_now() - p->plat.epoch_tsc) / platform_tsc_hz;
	unsigned s = secs % 60, m = (secs / 60) % 60, h = (secs / 3600) % 24;
	switch (p->plat.cmos_index & 0x7F) {
	case 0x00:
		return bcd(s);
	case 0x02:
		return bcd(m);
	case 0x04:
		return bcd(h);
	case 0x06:
		return 7; /* weekday */
	case 0x07:
		return bcd(1); /* day: a fixed date, 2026-01-01 */
	case 0x08:
		return bcd(1); /* month */
	case 0x09:
		return bcd(26); /* year */
	case 0x32:
		return bcd(20); /* century */
	case 0x0A:
		return 0x26; /* divider, never "update in progress" */
	case 0x0B:
		return 0x02; /* 24-hour, BCD, no interrupts */
	case 0x0C:
		return 0x00;
	case 0x0D:
		return 0x80; /* battery good */
	default:
		return 0x00;
	}
}

/* ---- reset requests ---------------------------------------------------- */

static void reset_port_write(struct vcpu *v, uint16_t port, uint8_t size,
			     uint32_t val)
{
	/* A 4-byte access at 0xCF8 spans 0xCF9: only a byte write resets. */
	if (port == 0xCF9 && size == 1 && (val & RST_CPU))
		part_reset(v->part, "reset through port 0xCF9");
	else if (port == 0x64 && (val & 0xFF) == KBC_PULSE_RESET)
		part_reset(v->part, "reset through the keyboard controller");
	else if (port == 0x92 && (val & 1))
		part_reset(v->part, "reset through port 0x92");
}

bool platform_io(struct vcpu *v, uint16_t port, uint8_t size, bool in,
		 uint32_t *val)
{
	struct partition *p = v->part;
	if (port == 0xCF9 || port == 0x64 || port == 0x92) {
		if (in)
			*val = port == 0x64 ? 0x1C : 0; /* KBC: no data */
		else
			reset_port_write(v, port, size, *val);
		return true;
	}
	if (port == 0x60) {
		if (in)
			*val = 0;
		return true;
	}
	if (!p->boot.pc_platform)
		return false;
	if (port == 0xCF8 && size == 4) {
		if (in)
			*val = p->plat.pci_addr;
		else
			p->plat.pci_addr = *val;
		return true;
	}
	if (port >= 0xCFC && port <= 0xCFF) {
		if (in)
			*val = 0xFFFFFFFFu; /* no device at any address */
		return true;
	}
	if (port == 0x70 || port == 0x71) {
		if (port == 0x70 && !in)
			p->plat.cmos_index = (uint8_t)*val;
		else if (port == 0x71 && in)
			*val = rtc_read(p);
		else if (in)
			*val = p->plat.cmos_index;
		return true;
	}
	if (port >= PLAT_PM1A_EVT && port < PLAT_PM1A_EVT + 4) {
		if (in)
			*val = 0; /* no events, none enabled */
		return true;
	}
	if (port >= PLAT_PM1A_CNT && port < PLAT_PM1A_CNT + 2) {
		if (in)
			*val = p->plat.pm1_cnt;
		else if (port == PLAT_PM1A_CNT && size >= 2)
			pm1_cnt_write(v, *val);
		return true;
	}
	if (port >= PLAT_PM_TMR && port < PLAT_PM_TMR + 4) {
		if (in)
			*val = pm_timer() >> ((port - PLAT_PM_TMR) * 8);
		return true;
	}
	return false;
}
