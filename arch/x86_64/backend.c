/* The vCPU seam (arch/vcpu.h) forwarded to the backend the loader chose:
 * one indirect call per seam call, so hv/ and the shared x86 code never
 * name a vendor, and one bulkhead.efi runs on either. */
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/lib/virt_pick.h"

static const struct vendor_ops *ops;

bool vendor_select(unsigned backend)
{
	static const struct {
		unsigned backend;
		const struct vendor_ops *ops;
	} table[] = {
	    {VIRT_VMX, &vmx_ops},
	    {VIRT_SVM, &svm_ops},
	};
	for (size_t i = 0; i < BH_ARRAY_SIZE(table); i++)
		if (table[i].backend == backend) {
			ops = table[i].ops;
			return true;
		}
	return false;
}

const char *arch_virt_enable(void)
{
	return ops ? ops->virt_enable() : "no backend for this CPU";
}

int arch_partition_init(struct partition *p)
{
	return ops->partition_init(p);
}

int arch_vcpu_create(struct vcpu *v)
{
	return ops->vcpu_create(v);
}

void arch_vcpu_start(struct vcpu *v, const struct vcpu_start *s)
{
	ops->vcpu_start(v, s);
}

void arch_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	ops->vcpu_run(v, e);
}

void arch_vcpu_skip(struct vcpu *v)
{
	ops->vcpu_skip(v);
}

uint64_t arch_vcpu_reg(struct vcpu *v, enum vcpu_reg r)
{
	return ops->vcpu_reg(v, r);
}

bool arch_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	return ops->vcpu_set_cr(v, cr, val);
}

void arch_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			   uint32_t err)
{
	ops->inject_exception(v, vector, has_err, err);
}

bool arch_irq_injectable(struct vcpu *v)
{
	return ops->irq_injectable(v);
}

void arch_inject_irq(struct vcpu *v, uint8_t vector)
{
	ops->inject_irq(v, vector);
}

void arch_irq_window(struct vcpu *v, bool on)
{
	ops->irq_window(v, on);
}

bool arch_nmi_injectable(struct vcpu *v)
{
	return ops->nmi_injectable(v);
}

void arch_inject_nmi(struct vcpu *v)
{
	ops->inject_nmi(v);
}

void arch_nmi_window(struct vcpu *v, bool on)
{
	ops->nmi_window(v, on);
}

void arch_set_deadline(struct vcpu *v, uint64_t deadline)
{
	ops->set_deadline(v, deadline);
}

void arch_set_gpr(struct vcpu *v, unsigned n, uint64_t val)
{
	x86_set_gpr(v, n, val);
}

bool arch_apic_virt(struct vcpu *v)
{
	return ops->apic_virt && ops->apic_virt(v);
}

bool arch_apic_sync(struct vcpu *v, const struct apic_sync *s)
{
	return ops->apic_sync(v, s);
}

void arch_vcpu_dump(struct vcpu *v, const struct exit_info *e)
{
	ops->vcpu_dump(v, e);
}

size_t arch_vcpu_state_size(void)
{
	return ops->vcpu_state_size();
}

int arch_vcpu_save(struct vcpu *v, struct arch_vcpu_state *out)
{
	return ops->vcpu_save(v, out);
}

int arch_vcpu_load(struct vcpu *v, const struct arch_vcpu_state *in)
{
	return ops->vcpu_load(v, in);
}

/* The mode and the marks in the map are the same on both vendors
 * (arch/x86_64/dirty.c); only draining a CPU's log is the vendor's. */
enum arch_dirty_mode arch_dirty_log_mode(const struct partition *p)
{
	return p->arch ? p->arch->dirty : ARCH_DIRTY_NONE;
}

void arch_dirty_log_flush(struct vcpu *v)
{
	ops->dirty_log_flush(v);
}

void arch_dirty_log_reset(struct partition *p)
{
	x86_dirty_log_reset(p);
}

void arch_dirty_log_rearm(struct partition *p, const uint32_t *pfn, size_t n)
{
	x86_dirty_log_rearm(p, pfn, n);
}

void vendor_code_view(struct vcpu *v, struct x86_code_view *out)
{
	ops->code_view(v, out);
}

void vendor_set_rip(struct vcpu *v, uint64_t rip)
{
	ops->set_rip(v, rip);
}

uint64_t vendor_get_rsp(struct vcpu *v)
{
	return ops->get_rsp(v);
}

void vendor_set_rsp(struct vcpu *v, uint64_t rsp)
{
	ops->set_rsp(v, rsp);
}

void arch_host_irq(const struct exit_info *e)
{
	ops->host_irq(e);
}
