/* VMCALL hypercalls (ABI in hv/abi.h and README): a table by number.
 * Every guest pointer is checked against the caller's RAM first. */
#include "hv/exit.h"
#include "hv/abi.h"
#include "hv/lib/hypercall_check.h"
#include "hv/snapshot.h"

typedef int64_t hc_fn(struct vcpu *v);

static int64_t hc_version(struct vcpu *v)
{
	(void)v;
	return BH_ABI_VERSION;
}

static int64_t hc_console_write(struct vcpu *v)
{
	struct partition *p = v->part;
	uint64_t gpa = v->regs.rbx, len = v->regs.rcx;
	int r = hc_check_range(gpa, len, p->ram_size, BH_HC_CONSOLE_MAX);
	if (r != BH_EOK)
		return r;
	const uint8_t *src = (const uint8_t *)(p->ram_hpa + gpa);
	for (uint64_t i = 0; i < len; i++)
		vuart_write(&p->uart, 0, src[i]);
	return (int64_t)len;
}

static int64_t hc_vcpu_info(struct vcpu *v)
{
	v->regs.rbx = v->part->nvcpus;
	return v->index;
}

static int64_t hc_sleep(struct vcpu *v)
{
	irq_sleep(v, v->regs.rbx);
	return BH_EOK;
}

/* Started here, completed in the rendezvous before v runs again: the
 * state a SNAPSHOT keeps already has RIP past the VMCALL and RAX = 0. */
static int64_t hc_snapshot(struct vcpu *v)
{
	return snapshot_hypercall(v, false);
}

static int64_t hc_restore(struct vcpu *v)
{
	return snapshot_hypercall(v, true);
}

static hc_fn *const hypercalls[] = {
    [BH_HC_VERSION] = hc_version,     [BH_HC_CONSOLE_WRITE] = hc_console_write,
    [BH_HC_VCPU_INFO] = hc_vcpu_info, [BH_HC_SLEEP] = hc_sleep,
    [BH_HC_SNAPSHOT] = hc_snapshot,   [BH_HC_RESTORE] = hc_restore,
};

void exit_hypercall(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint64_t nr = v->regs.rax;
	hc_fn *fn = nr < BH_ARRAY_SIZE(hypercalls) ? hypercalls[nr] : NULL;
	v->regs.rax = (uint64_t)(fn ? fn(v) : BH_ENOSYS);
	arch_vcpu_skip(v);
}
