/* The PC a partition sees, in one place: guest-physical addresses, I/O
 * ports and ISA IRQs of every virtual device. The devices, the guest ACPI
 * table builder, the e820 map and the config's check of `ports =` (which
 * may not give away a platform port) all read this header. */
#ifndef BH_PCMAP_H
#define BH_PCMAP_H

#include "hv/abi.h"

/* ---- guest-physical addresses ----------------------------------------- */
#define PC_BIOS_AREA	0xF0000u /* reserved in e820; ACPI tables live here */
#define PC_ACPI_GPA	PC_BIOS_AREA
#define PC_ACPI_SIZE	0x10000u
#define PC_IOAPIC_BASE	0xFEC00000ull /* one 4 KiB page */
#define PC_LAPIC_BASE	0xFEE00000ull /* one 4 KiB page per vCPU */
#define PC_MMIO_HOLE_LO 0xC0000000ull /* absent devices fail soft here */
#define PC_MMIO_HOLE_HI 0x100000000ull

/* ---- I/O ports ---------------------------------------------------------- */
#define PC_PIC_MASTER 0x20u /* 2 ports each */
#define PC_PIC_SLAVE  0xA0u
#define PC_PIT	      0x40u /* 0x40-0x43: the 8254 (hv/vdev/vpit.h) */
#define PC_KBC_DATA   0x60u
#define PC_PORT_B     0x61u /* system control port B: PIT gate 2, OUT2 */
#define PC_KBC_CMD    0x64u /* 0xFE pulses reset */
#define PC_CMOS_INDEX 0x70u
#define PC_CMOS_DATA  0x71u
#define PC_POST	      0x80u
#define PC_FAST_A20   0x92u	   /* bit 0 resets */
#define PC_ELCR	      0x4D0u	   /* 2 ports */
#define PC_COM2	      0x2F8u	   /* 8 ports, the manager's management UART */
#define PC_UART	      BH_UART_BASE /* 8 ports, the partition's console */
#define PC_PM1A_EVT   0x600u	   /* 4 ports */
#define PC_PM1A_CNT   0x604u	   /* 2 ports */
#define PC_PM_TMR     0x608u	   /* 4 ports */
#define PC_PCI_ADDR   0xCF8u
#define PC_RESET      0xCF9u /* byte write with bit 2 resets */
#define PC_PCI_DATA   0xCFCu /* 4 ports */

/* ---- ISA IRQs and ACPI values ------------------------------------------- */
#define PC_IRQ_TIMER	   0u
#define PC_IRQ_UART	   4u
#define PC_IRQ_COM2	   3u
#define PC_IRQ_SCI	   9u
#define PC_S5_SLP_TYP	   5u
#define PC_IOAPIC_GSI(irq) ((irq) == PC_IRQ_TIMER ? 2u : (irq)) /* MADT ISO */

/* Port ranges that belong to the platform: a partition's `ports =` may
 * not name them (hv/load/config.c). Port B lies in the keyboard
 * controller's range. */
_Static_assert(PC_PORT_B > PC_KBC_DATA && PC_PORT_B < PC_KBC_CMD,
	       "port B is reserved with the keyboard controller");
#define PC_RESERVED_PORTS(X)                                                   \
	X(PC_PIC_MASTER, PC_PIC_MASTER + 1)                                    \
	X(PC_PIT, PC_PIT + 3)                                                  \
	X(PC_KBC_DATA, PC_KBC_CMD)                                             \
	X(PC_CMOS_INDEX, PC_CMOS_DATA)                                         \
	X(PC_POST, PC_POST)                                                    \
	X(PC_FAST_A20, PC_FAST_A20)                                            \
	X(PC_PIC_SLAVE, PC_PIC_SLAVE + 1)                                      \
	X(PC_ELCR, PC_ELCR + 1)                                                \
	X(PC_PM1A_EVT, PC_PM_TMR + 3)                                          \
	X(PC_PCI_ADDR, PC_PCI_DATA + 3)

#endif
