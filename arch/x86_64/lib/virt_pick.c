/* Backend choice at boot. VMX is preferred when both are present (no CPU
 * has both today; an emulator could). The messages name what is missing,
 * so a user knows whether to change a firmware setting or the machine. */
#include "arch/x86_64/lib/virt_pick.h"

#define FC_LOCK	     (1ull << 0) /* IA32_FEATURE_CONTROL, SDM 23.7 */
#define FC_VMX_NOSMX (1ull << 2)
#define VM_CR_SVMDIS (1ull << 4) /* APM Vol. 2 15.30.1 */
#define VM_CR_LOCK   (1ull << 3)

/* Why VMX cannot be used, or NULL. */
static const char *vmx_missing(const struct virt_facts *f, char *buf,
			       size_t len)
{
	if ((f->feature_ctl & FC_LOCK) && !(f->feature_ctl & FC_VMX_NOSMX))
		return "VMX is disabled and locked by the firmware "
		       "(IA32_FEATURE_CONTROL); enable VT-x in the setup";
	if (!f->vmx_secondary)
		return "VMX lacks secondary processor controls";
	if (f->ept && f->vpid && f->ug)
		return NULL;
	bh_snprintf(buf, len, "VMX lacks%s%s%s", f->ept ? "" : " EPT",
		    f->vpid ? "" : " VPID", f->ug ? "" : " unrestricted-guest");
	return buf;
}

/* Why SVM cannot be used, or NULL. */
static const char *svm_missing(const struct virt_facts *f)
{
	if (f->vm_cr & VM_CR_SVMDIS)
		return f->vm_cr & VM_CR_LOCK
			   ? "SVM is disabled and locked by the firmware "
			     "(VM_CR.SVMDIS); enable SVM (AMD-V) in the setup"
			   : "SVM is disabled by the firmware (VM_CR.SVMDIS)";
	if (!f->npt)
		return "SVM lacks nested paging (NPT)";
	if (f->asids < 2)
		return "SVM offers no ASID for guests";
	return NULL;
}

enum virt_backend virt_pick(const struct virt_facts *f, char *why,
			    size_t why_len)
{
	char buf[96];
	const char *vmx_no = f->vmx ? vmx_missing(f, buf, sizeof(buf)) : NULL;
	const char *svm_no = f->svm ? svm_missing(f) : NULL;

	if (f->vmx && !vmx_no)
		return VIRT_VMX;
	if (f->svm && !svm_no)
		return VIRT_SVM;
	if (f->vmx)
		bh_snprintf(why, why_len, "%s", vmx_no);
	else if (f->svm)
		bh_snprintf(why, why_len, "%s", svm_no);
	else
		bh_snprintf(why, why_len,
			    "this CPU (%s) has neither VMX (Intel VT-x) nor "
			    "SVM (AMD-V)",
			    f->vendor[0] ? f->vendor : "unknown vendor");
	return VIRT_NONE;
}

void virt_describe(const struct virt_facts *f, enum virt_backend b, char *out,
		   size_t len)
{
	if (b == VIRT_VMX)
		bh_snprintf(out, len,
			    "VMX with EPT, VPID and unrestricted guest");
	else if (b == VIRT_SVM)
		bh_snprintf(out, len,
			    "SVM with nested paging (%u ASIDs, next-RIP save "
			    "%s)",
			    f->asids, f->nrips ? "yes" : "no");
	else
		bh_snprintf(out, len, "no usable virtualization");
}
