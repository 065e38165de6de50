#include "tests/fake/fake_part.h"
#include "hv/cpu.h"

#include <stdio.h>
#include <stdlib.h>

/* cli; hlt; jmp $-2; then padding */
const uint8_t fake_raw_image[8] = {0xFA, 0xF4, 0xEB, 0xFD,
				   0x90, 0x90, 0x90, 0x90};

static struct cfg_partition cfgs[CFG_MAX_PARTS];
static struct part_images imgs[CFG_MAX_PARTS];
static char names[CFG_MAX_PARTS][CFG_NAME_MAX];

struct partition *fake_part_create(unsigned id, const struct fake_part_opts *o)
{
	if (id >= CFG_MAX_PARTS || o->nvcpus > PART_MAX_VCPUS)
		abort();
	struct partition *p = &partitions[id];
	struct cfg_partition *c = &cfgs[id];
	unsigned n = o->nvcpus ? o->nvcpus : 1;
	uint64_t ram = o->ram_size ? o->ram_size : BH_MIB(2);

	memset(p, 0, sizeof(*p));
	memset(c, 0, sizeof(*c));
	if (o->name)
		bh_strlcpy(names[id], o->name, CFG_NAME_MAX);
	else
		bh_snprintf(names[id], CFG_NAME_MAX, "p%u", id);
	bh_strlcpy(c->name, names[id], CFG_NAME_MAX);
	bh_strlcpy(c->kernel, "fake.bin", CFG_PATH_MAX);
	c->memory = ram;
	c->has_entry = true;
	c->entry = FAKE_RAW_ENTRY;
	c->exit_port = o->exit_port;
	c->on_fault = o->on_fault;
	c->manage = o->manage;
	c->snapshot = o->snapshot;
	for (unsigned i = 0; i < n; i++)
		c->cpu_mask |= 1ull << (o->first_pcpu + i);
	imgs[id] = (struct part_images){
	    .kernel = {fake_raw_image, sizeof(fake_raw_image)}};

	uint8_t *mem = aligned_alloc(4096, ram);
	if (!mem)
		abort();
	/* Loaded as the loader and a reset load it. */
	struct guest_mem gm = {mem, ram};
	char err[200];
	if (part_load(c, n, &imgs[id], &gm, &p->boot, err, sizeof(err))) {
		fprintf(stderr, "fake_part: %s\n", err);
		abort();
	}
	p->boot.pc_platform = o->pc_platform;

	p->cfg = c;
	p->name = c->name;
	p->id = id;
	p->ram_hpa = (uint64_t)mem;
	p->ram_size = ram;
	p->imgs = &imgs[id];
	p->state = PART_RUNNING;
	for (unsigned i = 0; i < n; i++) {
		struct vcpu *v = &p->vcpus[i];
		v->part = p;
		v->index = i;
		v->pcpu = o->first_pcpu + i;
		v->sipi_vector = -1;
		vcpu_msrs_reset(&v->msr);
		v->state = i == 0 ? VCPU_RUNNING : VCPU_WAIT_SIPI;
		hv_cpus[v->pcpu].vcpu = v;
	}
	p->nvcpus = n;
	if (part_devices_init(p) || arch_partition_init(p))
		abort();
	for (unsigned i = 0; i < n; i++) {
		fake_set_cpu(p->vcpus[i].pcpu);
		if (arch_vcpu_create(&p->vcpus[i]))
			abort();
	}
	fake_set_cpu(p->vcpus[0].pcpu);
	part_boot_vcpu(&p->vcpus[0]);
	if (npartitions < id + 1)
		npartitions = id + 1;
	return p;
}

void fake_part_destroy_all(void)
{
	for (unsigned i = 0; i < CFG_MAX_PARTS; i++) {
		free((void *)partitions[i].ram_hpa);
		memset(&partitions[i], 0, sizeof(partitions[i]));
	}
	memset(hv_cpus, 0, sizeof(hv_cpus));
	npartitions = 0;
}
