/* Virtual I/O APIC (82093AA register model): redirection entries behind
 * IOREGSEL/IOWIN at 0xFEC00000, one per pin the platform wires. Pure logic, no
 * locking: the caller routes the messages it returns to the partition's local
 * APICs. */
#ifndef BH_VIOAPIC_H
#define BH_VIOAPIC_H

#include "hv/lib/lib.h"

/* The 16 ISA IRQs (GSI 0-15) are every line a partition's platform can
 * raise: it has no PCI device, so the 82093AA's pins 16-23 (PCI INTx)
 * would stay unwired. Linux programs every pin the version register
 * reports, 24 exits per pin while it boots (issue 11), so the unwired ones
 * are not offered. The version register and the MADT say 16. */
#define VIOAPIC_PINS	16
#define VIOAPIC_VERSION 0x11

/* An interrupt message to send to local APICs (SDM 10.11-like fields). */
struct vioapic_msg {
	bool valid;
	uint8_t vector;
	uint8_t mode; /* delivery mode, as in the redirection entry */
	bool logical; /* destination mode */
	bool level;   /* trigger mode: the LAPIC sets TMR, EOI comes back */
	uint8_t dest; /* destination field (bits 63:56) */
};

struct vioapic {
	uint8_t id;
	uint8_t sel;   /* IOREGSEL */
	uint32_t line; /* asserted pins, bit per pin */
	uint64_t redir[VIOAPIC_PINS];
};

void vioapic_init(struct vioapic *io, uint8_t id);
/* MMIO at offset 0x00 (IOREGSEL) or 0x10 (IOWIN), 32-bit. Writing an
 * entry may unmask a pending level interrupt: *msg is then valid. */
uint32_t vioapic_read(struct vioapic *io, uint32_t offset);
void vioapic_write(struct vioapic *io, uint32_t offset, uint32_t val,
		   struct vioapic_msg *msg);
/* The device side: pin asserted (true) or not. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted,
		     struct vioapic_msg *msg);
/* A local APIC retired a level-triggered `vector`: clear remote IRR and
 * re-deliver if the line is still asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector, struct vioapic_msg *msg);

#endif
