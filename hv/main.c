/* The core: builds partitions from the boot info, starts the CPUs they
 * need, and runs each vCPU on its dedicated CPU. */
#include "hv/boot_info.h"
#include "hv/cpu.h"
#include "hv/mgmt.h"
#include "hv/snapshot.h"
#include "hv/console.h"
#include "hv/heap.h"
#include "hv/partition.h"
#include "arch/vcpu.h"

struct partition partitions[CFG_MAX_PARTS];
unsigned npartitions;
static const struct boot_info *boot;
struct hv_cpu hv_cpus[BI_MAX_CPUS];
unsigned hv_ncpus;
uint64_t hv_tsc_hz = 1000000000ull; /* until the loader's measurement */

static int setup_partition(unsigned id)
{
	struct partition *p = &partitions[id];
	const struct cfg_partition *c = &boot->cfg.parts[id];
	p->cfg = c;
	p->name = c->name;
	p->id = id;
	p->ram_hpa = boot->parts[id].ram_hpa;
	p->ram_size = boot->parts[id].ram_size;
	p->imgs = &boot->parts[id].imgs;
	p->boot = boot->parts[id].boot;
	p->state = PART_RUNNING;
	p->start_tsc = arch_now();
	for (unsigned cpu = 0; cpu < CFG_MAX_CPUS; cpu++) {
		if (!(c->cpu_mask & (1ull << cpu)))
			continue;
		if (p->nvcpus == PART_MAX_VCPUS) {
			hv_log("partition %s: more than %u CPUs", p->name,
			       PART_MAX_VCPUS);
			return -1;
		}
		struct vcpu *v = &p->vcpus[p->nvcpus];
		v->part = p;
		v->index = p->nvcpus++;
		v->pcpu = cpu;
		v->sipi_vector = -1;
		vcpu_msrs_reset(&v->msr);
		v->state = v->index == 0 ? VCPU_RUNNING : VCPU_WAIT_SIPI;
		hv_cpus[cpu].vcpu = v;
	}
	if (part_devices_init(p))
		return -1;
	if (snapshot_init(p, boot->parts[id].snap_hpa)) {
		hv_log("partition %s: no heap left for its snapshot's state",
		       p->name);
		return -1;
	}
	return arch_partition_init(p);
}

/* A partition whose images did not load keeps its CPUs idle. */
static void refuse_partition(unsigned id)
{
	struct partition *p = &partitions[id];
	p->cfg = &boot->cfg.parts[id];
	p->name = p->cfg->name;
	p->id = id;
	p->state = PART_FAILED;
	hv_log("partition %s refused: %s", p->name, boot->parts[id].why);
}

/* The boot vCPU starts in the state its image's loader prescribed. */
void part_boot_vcpu(struct vcpu *v)
{
	const struct boot_cpu *b = &v->part->boot.cpu;
	struct vcpu_start s = {
	    .mode = b->real_mode ? VCPU_REAL16 : VCPU_PROT32,
	    .cs = b->cs,
	    .rip = b->eip,
	    .code_sel = b->code_sel,
	    .data_sel = b->data_sel,
	    .gdt_base = b->gdt_base,
	    .gdt_limit = b->gdt_limit,
	};
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rax = b->eax;
	v->regs.rbx = b->ebx;
	v->regs.rsi = b->esi;
	arch_vcpu_start(v, &s);
}

static void cpu_main(unsigned index) __attribute__((noreturn));
static void cpu_main(unsigned index)
{
	struct vcpu *v = hv_cpus[index].vcpu;
	if (!v && index == 0)
		for (;;) { /* a free BSP serves the console and the channel */
			console_poll_input();
			mgmt_wait(console_poll_deadline(UINT64_MAX));
		}
	if (!v)
		for (;;)
			arch_cpu_wait(UINT64_MAX);
	const char *why = arch_virt_enable();
	if (!why && arch_vcpu_create(v))
		why = "cannot create the vCPU";
	if (why) {
		part_fail(v->part, "CPU %u: %s", index, why);
		for (;;)
			arch_cpu_wait(UINT64_MAX);
	}
	if (v->index == 0)
		part_boot_vcpu(v);
	vcpu_loop(v);
}

static void ap_main(unsigned index)
{
	cpu_main(index);
}

void core_main(struct boot_info *bi)
{
	boot = bi;
	hv_ncpus = bi->ncpus;
	console_init(bi->console_port);
	if (bi->tsc_khz)
		hv_tsc_hz = bi->tsc_khz * 1000;
	heap_init(bi->heap_base, bi->heap_size);
	arch_host_init(bi);
	hv_log("core running: %u CPUs, %u partitions, heap %lu KiB free",
	       bi->ncpus, bi->cfg.nparts,
	       (unsigned long)(heap_free_pages() * 4));
	npartitions = bi->cfg.nparts;
	for (unsigned i = 0; i < npartitions; i++) {
		if (bi->parts[i].refused) {
			refuse_partition(i);
			continue;
		}
		if (setup_partition(i)) {
			part_fail(&partitions[i], "setup failed");
			continue;
		}
		hv_log("partition %s: %u vCPU(s), %lu MiB at 0x%lx",
		       partitions[i].name, partitions[i].nvcpus,
		       (unsigned long)(partitions[i].ram_size >> 20),
		       (unsigned long)partitions[i].ram_hpa);
	}
	console_input_init(bi->console_port, bi->cfg.view_focus);
	mgmt_init(&bi->cfg.mgmt);
	for (unsigned cpu = 1; cpu < bi->ncpus; cpu++) {
		if (!hv_cpus[cpu].vcpu)
			continue;
		if (arch_start_cpu(cpu, bi->apic_id[cpu], ap_main))
			part_fail(hv_cpus[cpu].vcpu->part,
				  "CPU %u (APIC ID %u) did not start", cpu,
				  bi->apic_id[cpu]);
	}
	cpu_main(0);
}
