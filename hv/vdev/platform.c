#include "hv/vdev/platform.h"
#include "hv/vdev/acpi_build.h"
#include "hv/vdev/pcmap.h"

#define PM_TIMER_HZ	3579545ull /* ACPI spec 4.8.3.3 */
#define RST_CPU		0x04	   /* port 0xCF9 */
#define KBC_STATUS	0x1C	   /* no data, self test passed */
#define KBC_PULSE_RESET 0xFE

void platform_init(struct platform *pl, uint64_t now)
{
	memset(pl, 0, sizeof(*pl));
	pl->pm1_cnt = ACPI_PM1_CNT_SCI_EN;
	pl->epoch_tsc = now;
}

/* ---- ACPI PM timer and PM1 registers ------------------------------- */

static uint32_t pm_timer(const struct plat_env *env)
{
	uint64_t t = env->now, hz = env->tsc_hz;
	uint64_t ticks = t / hz * PM_TIMER_HZ + t % hz * PM_TIMER_HZ / hz;
	return (uint32_t)ticks; /* 32 bits wide (TMR_VAL_EXT, acpi_build.c) */
}

static void pm1_cnt_write(struct platform *pl, struct plat_env *env,
			  uint32_t val)
{
	pl->pm1_cnt = (val & ~ACPI_PM1_CNT_SLP_EN) | ACPI_PM1_CNT_SCI_EN;
	if ((val & ACPI_PM1_CNT_SLP_EN) &&
	    (val & ACPI_PM1_CNT_SLP_TYP_MASK) >> ACPI_PM1_CNT_SLP_TYP_SHIFT ==
		PC_S5_SLP_TYP)
		env->action = PLAT_POWEROFF;
}

/* ---- CMOS RTC (MC146818): a fixed epoch plus elapsed TSC time --------- */

static uint8_t bcd(unsigned x)
{
	return (uint8_t)(((x / 10) << 4) | (x % 10));
}

/* Registers other than the time: a fixed date, 2026-01-01 (weekday
 * register 7), divider set and never "update in progress", 24-hour BCD
 * without interrupts, battery good. Unlisted registers read 0. */
static const uint8_t cmos_fixed[0x80] = {
    [0x06] = 7,	   [0x07] = 0x01, [0x08] = 0x01, [0x09] = 0x26,
    [0x0A] = 0x26, [0x0B] = 0x02, [0x0D] = 0x80, [0x32] = 0x20,
};

static uint8_t rtc_read(const struct platform *pl, const struct plat_env *env)
{
	uint64_t secs = (env->now - pl->epoch_tsc) / env->tsc_hz;
	unsigned idx = pl->cmos_index & 0x7F;
	if (idx == 0x00)
		return bcd(secs % 60);
	if (idx == 0x02)
		return bcd((secs / 60) % 60);
	if (idx == 0x04)
		return bcd((secs / 3600) % 24);
	return cmos_fixed[idx];
}

/* ---- reset requests ---------------------------------------------------- */

static void reset_port_write(struct plat_env *env, uint16_t port, uint8_t size,
			     uint32_t val)
{
	env->action = PLAT_RESET;
	/* A 4-byte access at 0xCF8 spans 0xCF9: only a byte write resets. */
	if (port == PC_RESET && size == 1 && (val & RST_CPU))
		env->why = "reset through port 0xCF9";
	else if (port == PC_KBC_CMD && (val & 0xFF) == KBC_PULSE_RESET)
		env->why = "reset through the keyboard controller";
	else if (port == PC_FAST_A20 && (val & 1))
		env->why = "reset through port 0x92";
	else
		env->action = PLAT_NONE;
}

static bool in_range(uint16_t port, uint16_t base, uint16_t n)
{
	return port >= base && port < base + n;
}

/* Fills *val for IN; the caller masks it to the access size. */
static bool pc_port(struct platform *pl, struct plat_env *env, uint16_t port,
		    uint8_t size, bool in, uint32_t *val)
{
	if (port == PC_PCI_ADDR && size == 4) {
		if (in)
			*val = pl->pci_addr;
		else
			pl->pci_addr = *val;
	} else if (in_range(port, PC_PCI_DATA, 4)) {
		if (in)
			*val = 0xFFFFFFFFu; /* no device at any address */
	} else if (port == PC_CMOS_INDEX || port == PC_CMOS_DATA) {
		if (port == PC_CMOS_INDEX && !in)
			pl->cmos_index = (uint8_t)*val;
		else if (port == PC_CMOS_DATA && in)
			*val = rtc_read(pl, env);
		else if (in)
			*val = pl->cmos_index;
	} else if (in_range(port, PC_PM1A_EVT, 4)) {
		if (in)
			*val = 0; /* no events, none enabled */
	} else if (in_range(port, PC_PM1A_CNT, 2)) {
		if (in)
			*val = pl->pm1_cnt;
		else if (port == PC_PM1A_CNT && size >= 2)
			pm1_cnt_write(pl, env, *val);
	} else if (in_range(port, PC_PM_TMR, 4)) {
		if (in)
			*val = pm_timer(env) >> ((port - PC_PM_TMR) * 8);
	} else {
		return false;
	}
	return true;
}

bool platform_io(struct platform *pl, struct plat_env *env, uint16_t port,
		 uint8_t size, bool in, uint32_t *val)
{
	if (port == PC_RESET || port == PC_KBC_CMD || port == PC_FAST_A20) {
		if (in)
			*val = port == PC_KBC_CMD ? KBC_STATUS : 0;
		else
			reset_port_write(env, port, size, *val);
		return true;
	}
	if (port == PC_KBC_DATA) {
		if (in)
			*val = 0;
		return true;
	}
	return pc_port(pl, env, port, size, in, val);
}
