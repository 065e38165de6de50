/* ACPI tables the hypervisor writes for each partition.
 * Pure logic: compiled into the core and unit-tested on the host.
 *
 * acpi_build() fills a caller buffer that the guest will see at
 * guest-physical base_gpa (the hypervisor uses PC_ACPI_GPA, 0xF0000, in
 * the reserved BIOS area). Fixed layout, offsets from base_gpa:
 *
 *   0x000  RSDP  36 bytes, ACPI 2.0+ (revision 2), first so that a scan of
 *                0xE0000-0xFFFFF on 16-byte boundaries finds it
 *   0x040  FACS  64 bytes, 64-byte aligned (required: not HW-reduced)
 *   0x080  RSDT  44 bytes: FADT, MADT (32-bit pointers, for old parsers)
 *   0x0B0  XSDT  52 bytes: FADT, MADT (64-bit pointers)
 *   0x0F0  FADT  276 bytes, revision 6.0, not hardware-reduced
 *   0x210  DSDT  50 bytes: header + Name (_S5_, Package {typ, typ, 0, 0})
 *   0x250  MADT  44 + 8 * ncpus + 6 bytes, + 22 with an I/O APIC (ends
 *                the table set)
 *
 * Total ACPI_BUILD_SIZE(ncpus): 0x292 (658) bytes for 2 vCPUs, 2682 bytes
 * at most (255 vCPUs). Every byte in [0, size) is written (padding is
 * zero); nothing past it is touched.
 *
 * What the guest is told about the platform (the I/O emulation must match):
 *  - ACPI mode is always on: SMI_CMD = 0, so Linux never writes an enable
 *    command; PM1_CNT reads should return SCI_EN (bit 0) set.
 *  - PM1a_EVT_BLK, 4 bytes: PM1_STS (16 bits, write-1-to-clear) at +0 and
 *    PM1_EN (16 bits) at +2. ACPICA clears PM1_STS, and enables and reads
 *    back GBL_EN (bit 5) to detect the global lock; an unsupported bit that
 *    does not stick only costs a boot-time message.
 *  - PM1a_CNT_BLK, 2 bytes: S5 (poweroff) is the 16-bit write of
 *    SLP_TYP = s5_slp_typ in bits 12:10 with SLP_EN (bit 13), preceded by
 *    a write of SLP_TYP alone (ACPICA writes twice).
 *  - PM_TMR_BLK, 4 bytes, 32-bit 3.579545 MHz counter (TMR_VAL_EXT = 1);
 *    pm_tmr_port = 0 describes a platform without the PM timer.
 *  - Reset: byte 0x06 written to reset_port (0xCF9) via the FADT reset
 *    register; reset_port = 0 leaves RESET_REG_SUP clear.
 *  - SCI on ISA IRQ sci_irq, level triggered, so Linux may program the
 *    ELCR (ports 0x4D0/0x4D1) for it.
 *  - The MADT lists vCPUs with APIC IDs 0..ncpus-1, processor UIDs equal to
 *    the APIC IDs, LINT1 of every local APIC wired to NMI and, when
 *    ioapic_addr is set, one I/O APIC (GSIs from 0) with the ISA IRQ 0 ->
 *    GSI 2 interrupt source override (ACPI_BUILD_SIZE_IOAPIC); without it,
 *    no I/O APIC and no overrides (Linux then runs the PIC interrupt
 *    model). APIC IDs stay below 255, so the
 *    Processor Local APIC entry (type 0) describes each of them; ACPI
 *    reserves x2APIC entries (type 9) for IDs >= 255, which this platform
 *    cannot have (ACPI_MAX_CPUS).
 *  - No fixed power or sleep button, no RTC wake status, no 8042, no VGA,
 *    no MSI; see the flag choices in acpi_build.c. */
#ifndef BH_ACPI_BUILD_H
#define BH_ACPI_BUILD_H

#include "hv/lib/lib.h"

#define ACPI_RSDP_OFF 0x000u
#define ACPI_FACS_OFF 0x040u
#define ACPI_RSDT_OFF 0x080u
#define ACPI_XSDT_OFF 0x0B0u
#define ACPI_FADT_OFF 0x0F0u
#define ACPI_DSDT_OFF 0x210u
#define ACPI_MADT_OFF 0x250u

#define ACPI_RSDP_LEN	    36u
#define ACPI_FACS_LEN	    64u
#define ACPI_HDR_LEN	    36u /* common System Description Table header */
#define ACPI_RSDT_LEN	    (ACPI_HDR_LEN + 2u * 4u)
#define ACPI_XSDT_LEN	    (ACPI_HDR_LEN + 2u * 8u)
#define ACPI_FADT_LEN	    276u
#define ACPI_DSDT_AML_LEN   14u
#define ACPI_DSDT_LEN	    (ACPI_HDR_LEN + ACPI_DSDT_AML_LEN)
#define ACPI_MADT_FIXED	    44u /* header, local APIC address, flags */
#define ACPI_MADT_LAPIC	    8u	/* Processor Local APIC entry (type 0) */
#define ACPI_MADT_LAPIC_NMI 6u	/* Local APIC NMI entry (type 4) */
#define ACPI_MADT_IOAPIC    12u /* I/O APIC entry (type 1) */
#define ACPI_MADT_ISO	    10u /* Interrupt Source Override (type 2) */
#define ACPI_MADT_LEN(n)                                                       \
	(ACPI_MADT_FIXED + ACPI_MADT_LAPIC * (size_t)(n) + ACPI_MADT_LAPIC_NMI)
/* With an I/O APIC: its entry and the ISA IRQ 0 -> GSI 2 override. */
#define ACPI_MADT_IOAPIC_EXTRA (ACPI_MADT_IOAPIC + ACPI_MADT_ISO)

#define ACPI_MAX_CPUS		  255u
#define ACPI_BUILD_SIZE(n)	  (ACPI_MADT_OFF + ACPI_MADT_LEN(n))
#define ACPI_BUILD_SIZE_IOAPIC(n) (ACPI_BUILD_SIZE(n) + ACPI_MADT_IOAPIC_EXTRA)
#define ACPI_BUILD_MAX_SIZE	  ACPI_BUILD_SIZE_IOAPIC(ACPI_MAX_CPUS)
#define ACPI_BUILD_BASE_ALIGN	  64u /* the FACS must be 64-byte aligned */

/* PM1_CNT fields (ACPI 6.0 section 4.8.3.2.1) */
#define ACPI_PM1_CNT_SCI_EN	   (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN	   (1u << 13)
#define ACPI_RESET_VALUE	   0x06u /* 0xCF9: full reset, CPU reset */

struct acpi_platform {
	unsigned ncpus;		/* vCPUs, APIC IDs 0..ncpus-1, 1..255 */
	uint32_t lapic_addr;	/* 0xFEE00000 */
	bool pic;		/* legacy 8259 pair present -> PCAT_COMPAT */
	uint16_t pm1a_evt_port; /* e.g. 0x600 (4 bytes: status + enable) */
	uint16_t pm1a_cnt_port; /* e.g. 0x604 (2 bytes) */
	uint16_t pm_tmr_port;	/* e.g. 0x608 (4 bytes, 32-bit); 0 = none */
	uint16_t sci_irq;	/* ISA IRQ of the SCI, e.g. 9 */
	uint16_t reset_port;	/* 0xCF9, reset value 0x06; 0 = none */
	uint8_t s5_slp_typ;	/* SLP_TYP for S5 written to PM1a_CNT, 0..7 */
	char oem_id[7];	      /* up to 6 printable ASCII chars, space padded */
	uint32_t ioapic_addr; /* I/O APIC MMIO base, 0 = none */
	uint8_t ioapic_id;    /* its APIC ID (distinct from the CPUs') */
};

/* Writes the table set for platform p into buf[0, size), laid out as above
 * for a guest that sees buf[0] at guest-physical base_gpa.
 *
 * Fails (returns -1 and sets *why if why is not NULL, buf untouched) if an
 * argument is NULL, ncpus is 0 or above ACPI_MAX_CPUS, size is below
 * ACPI_BUILD_SIZE(ncpus), base_gpa is not ACPI_BUILD_BASE_ALIGN aligned or
 * the tables would not end below 4 GiB (RSDT and FADT hold 32-bit
 * pointers), lapic_addr is 0, pm1a_evt_port or pm1a_cnt_port is 0, an I/O
 * block wraps past port 0xFFFF or overlaps another one, sci_irq is not a
 * usable ISA IRQ (1, 3..15), s5_slp_typ is above 7 or oem_id holds a
 * character outside printable ASCII.
 *
 * On success returns 0, sets *rsdp_gpa (base_gpa + ACPI_RSDP_OFF) and *used
 * (ACPI_BUILD_SIZE(ncpus)). */
int acpi_build(uint8_t *buf, size_t size, uint64_t base_gpa,
	       const struct acpi_platform *p, uint64_t *rsdp_gpa, size_t *used,
	       const char **why);

#endif
