/* ACPI tables for a partition. See acpi_build.h.
 * Field offsets and values follow the ACPI 6.0 specification, chapter 5. */
#include "hv/vdev/acpi_build.h"
#include "hv/lib/binfmt.h"

_Static_assert(ACPI_RSDP_OFF % 16 == 0, "RSDP must be 16-byte aligned");
_Static_assert(ACPI_RSDP_OFF + ACPI_RSDP_LEN <= ACPI_FACS_OFF, "RSDP slot");
_Static_assert(ACPI_FACS_OFF % 64 == 0, "FACS must be 64-byte aligned");
_Static_assert(ACPI_FACS_OFF + ACPI_FACS_LEN <= ACPI_RSDT_OFF, "FACS slot");
_Static_assert(ACPI_RSDT_OFF + ACPI_RSDT_LEN <= ACPI_XSDT_OFF, "RSDT slot");
_Static_assert(ACPI_XSDT_OFF + ACPI_XSDT_LEN <= ACPI_FADT_OFF, "XSDT slot");
_Static_assert(ACPI_FADT_OFF + ACPI_FADT_LEN <= ACPI_DSDT_OFF, "FADT slot");
_Static_assert(ACPI_DSDT_OFF + ACPI_DSDT_LEN <= ACPI_MADT_OFF, "DSDT slot");
_Static_assert(ACPI_RSDT_OFF % 8 == 0 && ACPI_XSDT_OFF % 8 == 0 &&
		   ACPI_FADT_OFF % 8 == 0 && ACPI_DSDT_OFF % 8 == 0 &&
		   ACPI_MADT_OFF % 8 == 0,
	       "tables are 8-byte aligned");
/* APIC ID 0xFF is the xAPIC broadcast ID: every vCPU has a type-0 entry. */
_Static_assert(ACPI_MAX_CPUS <= 255, "APIC IDs must stay below 0xFF");
_Static_assert(ACPI_BUILD_MAX_SIZE <= 0x10000, "must fit the BIOS area");

/* Common header (5.2.6) */
#define HDR_SIGNATURE	     0
#define HDR_LENGTH	     4
#define HDR_REVISION	     8
#define HDR_CHECKSUM	     9
#define HDR_OEM_ID	     10
#define HDR_OEM_TABLE_ID     16
#define HDR_OEM_REVISION     24
#define HDR_CREATOR_ID	     28
#define HDR_CREATOR_REVISION 32

#define OEM_TABLE_ID	 "BULKHEAD"
#define OEM_REVISION	 1u
#define CREATOR_ID	 "BLKH"
#define CREATOR_REVISION 1u

/* RSDP (5.2.5.3) */
#define RSDP_SIGNATURE	  0
#define RSDP_CHECKSUM	  8 /* over the first 20 bytes */
#define RSDP_OEM_ID	  9
#define RSDP_REVISION	  15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH	  20
#define RSDP_XSDT_ADDRESS 24
#define RSDP_EXT_CHECKSUM 32 /* over the whole structure */
#define RSDP_V1_LEN	  20

/* FACS (5.2.10) */
#define FACS_SIGNATURE 0
#define FACS_LENGTH    4
#define FACS_VERSION   32

/* FADT (5.2.9) */
#define FADT_FIRMWARE_CTRL   36
#define FADT_DSDT	     40
#define FADT_PM_PROFILE	     45
#define FADT_SCI_INT	     46
#define FADT_SMI_CMD	     48
#define FADT_PM1A_EVT_BLK    56
#define FADT_PM1A_CNT_BLK    64
#define FADT_PM_TMR_BLK	     76
#define FADT_PM1_EVT_LEN     88
#define FADT_PM1_CNT_LEN     89
#define FADT_PM_TMR_LEN	     91
#define FADT_P_LVL2_LAT	     96
#define FADT_P_LVL3_LAT	     98
#define FADT_CENTURY	     108
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS	     112
#define FADT_RESET_REG	     116
#define FADT_RESET_VALUE     128
#define FADT_MINOR_VERSION   131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT	     140
#define FADT_X_PM1A_EVT_BLK  148
#define FADT_X_PM1A_CNT_BLK  172
#define FADT_X_PM_TMR_BLK    208
#define FADT_HYPERVISOR_ID   268

/* Generic Address Structure (5.2.3.2) */
#define GAS_SYSTEM_IO  1
#define GAS_ACCESS_U8  1
#define GAS_ACCESS_U16 2
#define GAS_ACCESS_U32 3

#define PM1_EVT_LEN 4
#define PM1_CNT_LEN 2
#define PM_TMR_LEN  4

/* FADT Flags (Table 5-35) */
#define FF_WBINVD	 (1u << 0)
#define FF_PROC_C1	 (1u << 2)
#define FF_PWR_BUTTON	 (1u << 4)
#define FF_SLP_BUTTON	 (1u << 5)
#define FF_FIX_RTC	 (1u << 6)
#define FF_TMR_VAL_EXT	 (1u << 8)
#define FF_RESET_REG_SUP (1u << 10)

/* IA-PC Boot Architecture Flags (Table 5-36) */
#define BA_LEGACY_DEVICES	(1u << 0)
#define BA_8042			(1u << 1)
#define BA_VGA_NOT_PRESENT	(1u << 2)
#define BA_MSI_NOT_SUPPORTED	(1u << 3)
#define BA_PCIE_ASPM_CONTROLS	(1u << 4)
#define BA_CMOS_RTC_NOT_PRESENT (1u << 5)

/* MADT (5.2.12) */
#define MADT_LAPIC_ADDRESS  36
#define MADT_FLAGS	    40
#define MADT_PCAT_COMPAT    (1u << 0)
#define MADT_TYPE_LAPIC	    0
#define MADT_TYPE_LAPIC_NMI 4
#define MADT_TYPE_IOAPIC    1
#define MADT_TYPE_ISO	    2
#define MADT_LAPIC_ENABLED  (1u << 0)
#define MADT_ALL_PROCESSORS 0xFF

/* AML opcodes (19.6 / 20.2) */
#define AML_ZERO_OP	0x00
#define AML_NAME_OP	0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_PACKAGE_OP	0x12

/* Table revisions: ACPI 6.0 */
#define RSDP_REVISION_2 2 /* ACPI 2.0+ RSDP with XSDT */
#define RSDT_REVISION	1
#define XSDT_REVISION	1
#define FACS_VERSION_2	2
#define FADT_REVISION	6
#define FADT_MINOR	0
#define DSDT_REVISION	2 /* 2 and up: AML integers are 64 bits wide */
#define MADT_REVISION	4

/* Sets the byte at p[at] so that p[0, n) sums to 0 (mod 256). */
static void seal(uint8_t *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100u - bh_sum8(p, n));
}

/* The OEM ID as 6 bytes, padded with spaces. */
static void oem_id6(const struct acpi_platform *p, uint8_t out[6])
{
	bool end = false;

	for (unsigned i = 0; i < 6; i++) {
		if (!p->oem_id[i])
			end = true;
		out[i] = end ? ' ' : (uint8_t)p->oem_id[i];
	}
}

static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev,
		       const uint8_t oem[6])
{
	memcpy(t + HDR_SIGNATURE, sig, 4);
	le_wr32(t + HDR_LENGTH, len);
	t[HDR_REVISION] = rev;
	memcpy(t + HDR_OEM_ID, oem, 6);
	memcpy(t + HDR_OEM_TABLE_ID, OEM_TABLE_ID, 8);
	le_wr32(t + HDR_OEM_REVISION, OEM_REVISION);
	memcpy(t + HDR_CREATOR_ID, CREATOR_ID, 4);
	le_wr32(t + HDR_CREATOR_REVISION, CREATOR_REVISION);
}

/* A system I/O register: "register" form (bit offset 0, bit width a power
 * of two) that ACPICA accesses with the bit width as access size. Port 0
 * is the null register (all zero). */
static void put_gas_io(uint8_t *g, uint16_t port, uint8_t bytes, uint8_t access)
{
	memset(g, 0, 12);
	if (!port)
		return;
	g[0] = GAS_SYSTEM_IO;
	g[1] = (uint8_t)(bytes * 8); /* bit width; g[2], bit offset, is 0 */
	g[3] = access;
	le_wr64(g + 4, port);
}

struct io_block {
	uint16_t port;
	uint8_t len;
};

static int check_platform(const struct acpi_platform *p, const char **why)
{
	const struct io_block blk[] = {
	    {p->pm1a_evt_port, PM1_EVT_LEN},
	    {p->pm1a_cnt_port, PM1_CNT_LEN},
	    {p->pm_tmr_port, PM_TMR_LEN},
	    {p->reset_port, 1},
	};

	if (p->ncpus == 0)
		return bh_fail(why, "no vCPUs");
	if (p->ncpus > ACPI_MAX_CPUS)
		return bh_fail(why, "more than 255 vCPUs");
	if (!p->lapic_addr)
		return bh_fail(why, "local APIC address is 0");
	if (!p->pm1a_evt_port || !p->pm1a_cnt_port)
		return bh_fail(why,
			       "PM1a event and control blocks are required");
	for (unsigned i = 0; i < BH_ARRAY_SIZE(blk); i++) {
		if (!blk[i].port)
			continue;
		if ((uint32_t)blk[i].port + blk[i].len > 0x10000u)
			return bh_fail(why, "I/O block wraps past port 0xFFFF");
		for (unsigned j = 0; j < i; j++)
			if (blk[j].port &&
			    blk[i].port < blk[j].port + blk[j].len &&
			    blk[j].port < blk[i].port + blk[i].len)
				return bh_fail(why, "ACPI I/O blocks overlap");
	}
	if (p->sci_irq == 0 || p->sci_irq == 2 || p->sci_irq > 15)
		return bh_fail(why, "SCI is not a usable ISA IRQ (1, 3..15)");
	if (p->s5_slp_typ > 7)
		return bh_fail(why, "S5 SLP_TYP does not fit in 3 bits");
	for (unsigned i = 0; i < 6 && p->oem_id[i]; i++)
		if (p->oem_id[i] < 0x20 || p->oem_id[i] > 0x7E)
			return bh_fail(why, "OEM ID is not printable ASCII");
	return 0;
}

static void build_facs(uint8_t *t)
{
	/* Waking vectors, global lock and flags all zero: no S4BIOS, no S3
	 * resume (the DSDT declares S5 only), no 64-bit wake. */
	memcpy(t + FACS_SIGNATURE, "FACS", 4);
	le_wr32(t + FACS_LENGTH, ACPI_FACS_LEN);
	t[FACS_VERSION] = FACS_VERSION_2;
}

static void build_fadt(uint8_t *t, uint64_t base, const struct acpi_platform *p,
		       const uint8_t oem[6])
{
	uint32_t flags;
	uint16_t boot_arch;

	put_header(t, "FACP", ACPI_FADT_LEN, FADT_REVISION, oem);
	/* The FACS is below 4 GiB: FIRMWARE_CTRL holds it and
	 * X_FIRMWARE_CTRL stays 0, which the spec requires when
	 * FIRMWARE_CTRL is non-zero. The DSDT goes in both fields, equal,
	 * which ACPICA accepts without a mismatch warning. */
	le_wr32(t + FADT_FIRMWARE_CTRL, (uint32_t)(base + ACPI_FACS_OFF));
	le_wr32(t + FADT_DSDT, (uint32_t)(base + ACPI_DSDT_OFF));
	le_wr64(t + FADT_X_FIRMWARE_CTRL, 0);
	le_wr64(t + FADT_X_DSDT, base + ACPI_DSDT_OFF);
	t[FADT_PM_PROFILE] = 0; /* unspecified */
	le_wr16(t + FADT_SCI_INT, p->sci_irq);
	/* SMI_CMD = 0: no SMM handshake; the platform is always in ACPI mode
	 * (ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT stay 0). */
	le_wr32(t + FADT_SMI_CMD, 0);

	le_wr32(t + FADT_PM1A_EVT_BLK, p->pm1a_evt_port);
	le_wr32(t + FADT_PM1A_CNT_BLK, p->pm1a_cnt_port);
	le_wr32(t + FADT_PM_TMR_BLK, p->pm_tmr_port);
	t[FADT_PM1_EVT_LEN] = PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = p->pm_tmr_port ? PM_TMR_LEN : 0;
	/* PM1a_EVT is two 16-bit registers (status, enable): word access. */
	put_gas_io(t + FADT_X_PM1A_EVT_BLK, p->pm1a_evt_port, PM1_EVT_LEN,
		   GAS_ACCESS_U16);
	put_gas_io(t + FADT_X_PM1A_CNT_BLK, p->pm1a_cnt_port, PM1_CNT_LEN,
		   GAS_ACCESS_U16);
	put_gas_io(t + FADT_X_PM_TMR_BLK, p->pm_tmr_port, PM_TMR_LEN,
		   GAS_ACCESS_U32);
	/* No GPE blocks, no PM1b, no PM2. */

	/* Latencies above 100 / 1000 us mean C2 / C3 are not supported. */
	le_wr16(t + FADT_P_LVL2_LAT, 101);
	le_wr16(t + FADT_P_LVL3_LAT, 1001);
	/* DAY_ALRM, MON_ALRM 0: no RTC alarm extensions; CENTURY 0: no
	 * century register in CMOS. */
	t[FADT_CENTURY] = 0;

	/* IA-PC boot architecture flags:
	 *  - LEGACY_DEVICES set: the 8259 pair, COM1 and the PM ports are
	 *    ISA-style devices. Linux (x86_64) only uses it to gate the PnP
	 *    BIOS probe, which exists on 32-bit builds alone.
	 *  - 8042 clear: there is no keyboard controller (at most the reset
	 *    pulse on port 0x64 that Linux's reboot fallback tries). Linux
	 *    then marks the i8042 "firmware absent", and as the DSDT lists no
	 *    PS/2 PnP device it does not probe ports 0x60/0x64 at all.
	 *  - VGA_NOT_PRESENT set: the partition has no VGA; Linux records it
	 *    (x86_platform.legacy.no_vga).
	 *  - MSI_NOT_SUPPORTED (bit 3) set: nothing can deliver an MSI (no
	 *    PCI devices, no IOAPIC/MSI emulation); Linux calls pci_no_msi().
	 *  - PCIE_ASPM_CONTROLS (bit 4) clear: there is no PCIe.
	 *  - CMOS_RTC_NOT_PRESENT clear: a PC platform keeps its RTC at
	 *    0x70/0x71; Linux reads the wall clock from it either way and
	 *    the flag only stops it registering the rtc_cmos device. */
	boot_arch =
	    BA_LEGACY_DEVICES | BA_VGA_NOT_PRESENT | BA_MSI_NOT_SUPPORTED;
	le_wr16(t + FADT_IAPC_BOOT_ARCH, boot_arch);

	/* Feature flags:
	 *  - WBINVD: the vCPUs execute WBINVD correctly (required).
	 *  - PROC_C1: C1 (HLT) works on every vCPU.
	 *  - PWR_BUTTON, SLP_BUTTON set: no fixed-feature buttons, so Linux
	 *    creates no button devices and enables no button events.
	 *  - FIX_RTC set: no RTC_STS/RTC_EN wake bits in PM1.
	 *  - TMR_VAL_EXT set: the PM timer is 32 bits wide, so it wraps every
	 *    20 minutes, not every 4.7 s. Memtest86+ 6.10 calibrates its TSC
	 *    by waiting for the timer to pass start + 50 ms without allowing
	 *    for a wrap: 24 bits wide, 1 boot in 94 started in the last 50 ms
	 *    before one and spun a million PM-timer reads (a million exits)
	 *    before it gave up, then ran with a wrong clock.
	 *  - RESET_REG_SUP when a reset port exists.
	 *  - HW_REDUCED_ACPI clear: fixed hardware (PM1, PM timer, FACS). */
	flags = FF_WBINVD | FF_PROC_C1 | FF_PWR_BUTTON | FF_SLP_BUTTON |
		FF_FIX_RTC | FF_TMR_VAL_EXT;
	if (p->reset_port)
		flags |= FF_RESET_REG_SUP;
	le_wr32(t + FADT_FLAGS, flags);
	put_gas_io(t + FADT_RESET_REG, p->reset_port, 1, GAS_ACCESS_U8);
	t[FADT_RESET_VALUE] = p->reset_port ? ACPI_RESET_VALUE : 0;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	memcpy(t + FADT_HYPERVISOR_ID, "Bulkhead", 8);
	seal(t, ACPI_FADT_LEN, HDR_CHECKSUM);
}

/* DefinitionBlock body: Name (_S5_, Package () {typ, typ, 0, 0}).
 * Elements: SLP_TYPa, SLP_TYPb (no PM1b, but ACPICA reads it), reserved. */
static void build_dsdt(uint8_t *t, const struct acpi_platform *p,
		       const uint8_t oem[6])
{
	const uint8_t aml[ACPI_DSDT_AML_LEN] = {
	    AML_NAME_OP,
	    '_',
	    'S',
	    '5',
	    '_',
	    AML_PACKAGE_OP,
	    /* PkgLength, one-byte form (< 64): itself, NumElements and the
	     * four elements (2 + 2 + 1 + 1 bytes). */
	    8,
	    4, /* NumElements */
	    AML_BYTE_PREFIX,
	    p->s5_slp_typ,
	    AML_BYTE_PREFIX,
	    p->s5_slp_typ,
	    AML_ZERO_OP,
	    AML_ZERO_OP,
	};

	put_header(t, "DSDT", ACPI_DSDT_LEN, DSDT_REVISION, oem);
	memcpy(t + ACPI_HDR_LEN, aml, sizeof(aml));
	seal(t, ACPI_DSDT_LEN, HDR_CHECKSUM);
}

static size_t madt_len(const struct acpi_platform *p)
{
	return ACPI_MADT_LEN(p->ncpus) +
	       (p->ioapic_addr ? ACPI_MADT_IOAPIC_EXTRA : 0);
}

/* I/O APIC with GSIs from 0 and the PC/AT timer override: ISA IRQ 0 is
 * wired to pin 2 (ACPI 5.2.12.5), conforming polarity and trigger. */
static uint8_t *put_ioapic(uint8_t *e, const struct acpi_platform *p)
{
	e[0] = MADT_TYPE_IOAPIC;
	e[1] = ACPI_MADT_IOAPIC;
	e[2] = p->ioapic_id;
	e[3] = 0;
	le_wr32(e + 4, p->ioapic_addr);
	le_wr32(e + 8, 0); /* global system interrupt base */
	e += ACPI_MADT_IOAPIC;
	e[0] = MADT_TYPE_ISO;
	e[1] = ACPI_MADT_ISO;
	e[2] = 0;	   /* ISA bus */
	e[3] = 0;	   /* IRQ 0 */
	le_wr32(e + 4, 2); /* GSI 2 */
	le_wr16(e + 8, 0);
	return e + ACPI_MADT_ISO;
}

static void build_madt(uint8_t *t, const struct acpi_platform *p,
		       const uint8_t oem[6])
{
	uint32_t len = (uint32_t)madt_len(p);
	uint8_t *e = t + ACPI_MADT_FIXED;

	put_header(t, "APIC", len, MADT_REVISION, oem);
	le_wr32(t + MADT_LAPIC_ADDRESS, p->lapic_addr);
	le_wr32(t + MADT_FLAGS, p->pic ? MADT_PCAT_COMPAT : 0);
	for (unsigned i = 0; i < p->ncpus; i++, e += ACPI_MADT_LAPIC) {
		e[0] = MADT_TYPE_LAPIC;
		e[1] = ACPI_MADT_LAPIC;
		e[2] = (uint8_t)i; /* ACPI processor UID */
		e[3] = (uint8_t)i; /* APIC ID */
		le_wr32(e + 4, MADT_LAPIC_ENABLED);
	}
	/* NMI on LINT1 of every local APIC, polarity and trigger as the bus
	 * defines them (flags 0). */
	e[0] = MADT_TYPE_LAPIC_NMI;
	e[1] = ACPI_MADT_LAPIC_NMI;
	e[2] = MADT_ALL_PROCESSORS;
	le_wr16(e + 3, 0);
	e[5] = 1; /* LINT1 */
	e += ACPI_MADT_LAPIC_NMI;
	if (p->ioapic_addr)
		put_ioapic(e, p);
	seal(t, len, HDR_CHECKSUM);
}

int acpi_build(uint8_t *buf, size_t size, uint64_t base_gpa,
	       const struct acpi_platform *p, uint64_t *rsdp_gpa, size_t *used,
	       const char **why)
{
	uint8_t oem[6];
	size_t total;
	uint8_t *t;

	if (!buf || !p || !rsdp_gpa || !used)
		return bh_fail(why, "bad arguments");
	if (check_platform(p, why) != 0)
		return -1;
	total = ACPI_MADT_OFF + madt_len(p);
	if (size < total)
		return bh_fail(why, "buffer too small for the ACPI tables");
	if (base_gpa % ACPI_BUILD_BASE_ALIGN)
		return bh_fail(why, "ACPI base address not 64-byte aligned");
	if (base_gpa > 0x100000000ull - total)
		return bh_fail(why, "ACPI tables must end below 4 GiB");

	oem_id6(p, oem);
	memset(buf, 0, total);

	build_facs(buf + ACPI_FACS_OFF);
	build_fadt(buf + ACPI_FADT_OFF, base_gpa, p, oem);
	build_dsdt(buf + ACPI_DSDT_OFF, p, oem);
	build_madt(buf + ACPI_MADT_OFF, p, oem);

	t = buf + ACPI_RSDT_OFF;
	put_header(t, "RSDT", ACPI_RSDT_LEN, RSDT_REVISION, oem);
	le_wr32(t + ACPI_HDR_LEN, (uint32_t)(base_gpa + ACPI_FADT_OFF));
	le_wr32(t + ACPI_HDR_LEN + 4, (uint32_t)(base_gpa + ACPI_MADT_OFF));
	seal(t, ACPI_RSDT_LEN, HDR_CHECKSUM);

	t = buf + ACPI_XSDT_OFF;
	put_header(t, "XSDT", ACPI_XSDT_LEN, XSDT_REVISION, oem);
	le_wr64(t + ACPI_HDR_LEN, base_gpa + ACPI_FADT_OFF);
	le_wr64(t + ACPI_HDR_LEN + 8, base_gpa + ACPI_MADT_OFF);
	seal(t, ACPI_XSDT_LEN, HDR_CHECKSUM);

	t = buf + ACPI_RSDP_OFF;
	memcpy(t + RSDP_SIGNATURE, "RSD PTR ", 8);
	memcpy(t + RSDP_OEM_ID, oem, 6);
	t[RSDP_REVISION] = RSDP_REVISION_2;
	le_wr32(t + RSDP_RSDT_ADDRESS, (uint32_t)(base_gpa + ACPI_RSDT_OFF));
	le_wr32(t + RSDP_LENGTH, ACPI_RSDP_LEN);
	le_wr64(t + RSDP_XSDT_ADDRESS, base_gpa + ACPI_XSDT_OFF);
	/* The first checksum covers the ACPI 1.0 part, the extended one the
	 * whole structure, first checksum included. */
	seal(t, RSDP_V1_LEN, RSDP_CHECKSUM);
	seal(t, ACPI_RSDP_LEN, RSDP_EXT_CHECKSUM);

	*rsdp_gpa = base_gpa + ACPI_RSDP_OFF;
	*used = total;
	return 0;
}
