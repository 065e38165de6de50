/* Partitions and their vCPUs: the arch-neutral model. */
#ifndef BH_PARTITION_H
#define BH_PARTITION_H

#include "arch.h"
#include "config.h"
#include "spinlock.h"
#include "vuart.h"

#define PART_MAX_VCPUS 8

enum part_state { PART_RUNNING, PART_STOPPED };
enum vcpu_state { VCPU_WAIT_SIPI, VCPU_RUNNING, VCPU_STOPPED };

struct vcpu {
	struct partition *part;
	unsigned index; /* 0-based, also its APIC ID inside the partition */
	unsigned pcpu;  /* physical CPU index it is pinned to */
	struct guest_regs regs;
	void *arch; /* backend-private (VMCS etc.) */
	volatile enum vcpu_state state;
	volatile int sipi_vector; /* -1 = none pending */
	volatile bool init_pending;
	uint64_t apic_base;
	uint64_t exits[EXIT_KIND_COUNT];
};

struct partition {
	const struct cfg_partition *cfg;
	const char *name;
	unsigned id;
	uint64_t ram_hpa, ram_size;
	uint64_t map_root; /* backend's guest-physical map (EPT pointer) */
	unsigned nvcpus;
	struct vcpu vcpus[PART_MAX_VCPUS];
	volatile enum part_state state;
	struct spinlock lock;
	uint32_t exit_status;
	uint64_t io_dropped; /* accesses to ports it does not own */
	struct vuart uart;
};

extern struct partition partitions[CFG_MAX_PARTS];
extern unsigned npartitions;

/* Stop the whole partition: report why, kick its other vCPUs, print its
 * exit counts. Safe to call from any of its vCPUs; the first call wins. */
void part_stop(struct partition *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sum of a partition's exit counts by kind (readable by management). */
void part_exit_counts(const struct partition *p,
		      uint64_t out[EXIT_KIND_COUNT]);
const char *exit_kind_name(enum exit_kind k);

/* Runs vCPU v on the calling CPU forever (returns never). */
void vcpu_loop(struct vcpu *v) __attribute__((noreturn));
/* Handle one exit; the dispatcher table lives in hv/exit.c. */
void exit_dispatch(struct vcpu *v, const struct exit_info *e);

#endif
