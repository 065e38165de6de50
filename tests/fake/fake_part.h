/* Partitions built by hand for host tests of the core: what
 * hv/main.c's setup_partition() does from the boot info, over calloc'd
 * RAM and the fake backend (tests/fake/fake_arch.h). */
#ifndef BH_TESTS_FAKE_PART_H
#define BH_TESTS_FAKE_PART_H

#include "tests/fake/fake_arch.h"

#define FAKE_RAW_ENTRY 0x7C00u /* where the raw test image loads */

struct fake_part_opts {
	const char *name;    /* default "p<id>" */
	unsigned nvcpus;     /* default 1 */
	unsigned first_pcpu; /* vCPU i runs on CPU first_pcpu + i */
	uint64_t ram_size;   /* default 2 MiB */
	bool pc_platform;    /* Linux-like: PIC, I/O APIC, ACPI ports */
	uint16_t exit_port;  /* debug-exit port, 0 = none */
	enum cfg_on_fault on_fault;
	bool manage; /* the manager partition: COM2 speaks management */
	enum cfg_snapshot snapshot;
};

/* Builds partitions[id] (and raises npartitions to id + 1): config, RAM
 * loaded by part_load() with a small raw real-mode image at
 * FAKE_RAW_ENTRY (also its pristine image for resets), vCPUs pinned and
 * created, devices initialised (part_devices_init), vCPU 0 started
 * (part_boot_vcpu). pc_platform is set on top of what the raw image gets
 * (a reset loads the raw image again and clears it). Leaves
 * arch_this_cpu() on vCPU 0's CPU. */
struct partition *fake_part_create(unsigned id, const struct fake_part_opts *o);
/* Frees every partition's RAM and clears partitions[], hv_cpus[] and
 * npartitions. */
void fake_part_destroy_all(void);
/* The bytes of the raw image (for checks after a reset). */
extern const uint8_t fake_raw_image[8];

#endif
