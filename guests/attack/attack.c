/* attack.elf: the isolation attacker. Runs one real escape attempt per row
 * of the trap policy (README "What a partition sees") and prints what
 * actually happened; tests/integration/test_attack.sh holds the expected
 * outcome of each probe. Exceptions are caught with the common IDT
 * facility (trap_run), so a probe reports "#GP" or "#UD" and the next one
 * runs.
 *
 * The guest is meant to run with on_fault = reset and 1 vCPU. It reads
 * CPUID 0x40000002 (how many times this partition was reset) and does one
 * step of a reset chain per boot:
 *   resets 0: the probes of the table `probes` (01..NPROBES: CPUID, MSRs,
 *             CR4, VMX instructions, hypercalls, GETSEC, INVEPT/INVVPID,
 *             MONITOR/MWAIT, XSETBV, CR0, INVD, ports, x2APIC and IPIs
 *             aimed outside the partition, then AMD's SVM: CPUID bits
 *             and leaf, SVM instructions, EFER.SVME and the SVM MSRs,
 *             refused alike on both vendors; a prefixed CPUID that must
 *             resume after its prefixes), then cf9-reset: port
 *             0xCF9 = 0x06
 *   resets 1: "attack: after reset 1", reset-scrub (a word left in RAM
 *             before the reset is zero, a changed .data word is back to
 *             its image value), apic-base-after-reset (x2APIC mode gone),
 *             then triple-fault (empty IDT + int3)
 *   resets 2: "attack: after reset 2", port92-reset: port 0x92 = 1
 *   resets 3: "attack: after reset 3", the probes of `final_probes` (each
 *             must raise #GP; a hypervisor that fails the VM entry on one
 *             instead resets the partition, and each such unexpected reset
 *             skips the probe that caused it), then read-past-ram: a
 *             32-bit read of the first address past RAM (Multiboot
 *             mem_upper), which must stop the partition; "ESCAPED" is
 *             printed if it returns.
 *
 * Output: one line per probe,
 *   attack: probe NN NAME: RESULT
 * RESULT is "ok", "ok value=0x<v>" (a value read), "ret=<n>" (a
 * hypercall's result) or the exception raised ("#GP", "#UD", ...). The
 * reset steps print "requesting" before the request, and "NO RESET" (exit
 * status 1) if the partition goes on. No command line.
 */
#include "lib.h"

#define MSR_TSC		    0x10u
#define MSR_APIC_BASE	    0x1Bu
#define MSR_FEATURE_CONTROL 0x3Au
#define MSR_BIOS_UPDT_TRIG  0x79u
#define MSR_MTRRCAP	    0xFEu
#define MSR_DEBUGCTL	    0x1D9u
#define MSR_X2APIC_ID	    0x802u
#define MSR_EFER	    0xC0000080u
#define MSR_VM_CR	    0xC0010114u	 /* AMD: SVM lock and disable */
#define MSR_VM_HSAVE_PA	    0xC0010117u	 /* AMD: VMRUN's host save area */
#define EFER_SVME	    (1ull << 12) /* reserved on Intel */
#define APIC_BASE_X2APIC    (1ull << 10)
#define APIC_BASE_ENABLE    (1ull << 11)
#define ICR_INIT	    0x00004500u /* INIT, level assert */
#define ICR_SIPI	    0x00004600u /* start-up; | vector */
#define ICR_NMI		    0x00004400u
#define ICR_ALL_BUT_SELF    (3u << 18) /* destination shorthand */
#define FOREIGN_APIC_ID	    5u	       /* no vCPU of a 1-vCPU partition */
#define NEIGHBOUR_APIC_ID   1u	       /* physical CPU 1: the witness */
#define CPUID1_ECX_MONITOR  (1u << 3)
#define CPUID1_ECX_VMX	    (1u << 5)
#define CPUID1_ECX_SMX	    (1u << 6)
#define CPUID1_ECX_HV	    (1u << 31)
#define EXT1_ECX_SVM	    (1u << 2) /* CPUID 0x80000001 */
#define EXT1_ECX_SKINIT	    (1u << 12)
#define CPUID_SVM_LEAF	    0x8000000Au
#define CR0_NE		    (1u << 5)
#define CR0_NW		    (1u << 29)
#define CR0_CD		    (1u << 30)
#define CR0_PG		    (1u << 31)
#define CR4_VMXE	    (1u << 13)
#define CR4_OSXSAVE	    (1u << 18)
#define PCI_ADDR_PORT	    0xCF8u
#define PCI_DATA_PORT	    0xCFCu
#define UNOWNED_PORT	    0x2F0u
#define RESET_WAIT	    50000000u /* spins before "NO RESET" */
#define SCRUB_PATTERN	    0xA77AC4EDu
#define DATA_PRISTINE	    0x600DDA7Au

/* What one probe did. */
struct result {
	bool has_value, has_ret;
	uint64_t value;
	int32_t ret;
};

struct probe {
	const char *name;
	void (*fn)(struct result *r);
};

static uint64_t ram_bytes;
static uint8_t scratch[64] __attribute__((aligned(16)));
/* rAX of VMRUN/VMLOAD/VMSAVE/SKINIT: a page of the partition's own RAM
 * (were the instruction to run, it would touch only this). */
static uint8_t svm_page[4096] __attribute__((aligned(4096)));
static const char hc_text[] = "attack: console_write reached the console\n";
/* Changed before the first reset; a reset reloads the pristine image. */
static volatile uint32_t data_marker = DATA_PRISTINE;

/* VMCALL (VMMCALL on AMD) with every argument register in/out (the
 * hypervisor may return values in them). */
static int32_t vmcall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2)
{
	bh_hypercall_regs(&nr, &a0, &a1, &a2);
	return (int32_t)nr;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void value(struct result *r, uint64_t v)
{
	r->has_value = true;
	r->value = v;
}

static void ret(struct result *r, int32_t v)
{
	r->has_ret = true;
	r->ret = v;
}

/* ---- the probes (each runs under trap_run) ------------------------------ */

static void p_cpuid_features(struct result *r)
{
	value(r, cpuid(1, 0).ecx & (CPUID1_ECX_MONITOR | CPUID1_ECX_VMX |
				    CPUID1_ECX_SMX | CPUID1_ECX_HV));
}

static void p_cpuid_topology(struct result *r)
{
	value(r, cpuid(0xB, 1).ebx & 0xFFFF); /* logical CPUs in package */
}

static void p_rd_feature_control(struct result *r)
{
	value(r, rdmsr(MSR_FEATURE_CONTROL));
}

static void p_wr_feature_control(struct result *r)
{
	(void)r;
	wrmsr(MSR_FEATURE_CONTROL, 0x5); /* lock + VMX outside SMX */
}

static void p_rd_debugctl(struct result *r)
{
	value(r, rdmsr(MSR_DEBUGCTL));
}

static void p_wr_debugctl(struct result *r)
{
	(void)r;
	wrmsr(MSR_DEBUGCTL, 0x1); /* LBR */
}

static void p_rd_mtrrcap(struct result *r)
{
	value(r, rdmsr(MSR_MTRRCAP));
}

/* Its own TSC only (the witness beside it checks that its clock never
 * jumps back): value 1 if RDTSC then counts on from the value written. */
static void p_wr_tsc(struct result *r)
{
	const uint64_t set = 0x1000;
	wrmsr(MSR_TSC, set);
	uint64_t now = rdtsc_ordered();
	value(r, now >= set && now - set < (1ull << 40));
}

static void p_apic_relocate(struct result *r)
{
	(void)r;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, 0x10000000ull | (base & 0xFFFull));
}

static void p_rd_apic_base(struct result *r)
{
	value(r, rdmsr(MSR_APIC_BASE));
}

static void p_microcode(struct result *r)
{
	(void)r;
	wrmsr(MSR_BIOS_UPDT_TRIG, (uint32_t)(uintptr_t)scratch);
}

static void p_rd_microcode(struct result *r)
{
	value(r, rdmsr(MSR_BIOS_UPDT_TRIG));
}

static void p_cr4_vmxe(struct result *r)
{
	(void)r;
	write_cr4(read_cr4() | CR4_VMXE);
}

static void p_vmxon(struct result *r)
{
	(void)r;
	uint64_t *region = (uint64_t *)scratch;
	*region = (uint32_t)(uintptr_t)(scratch + 32);
	__asm__ __volatile__("vmxon %0" : : "m"(*region) : "memory");
}

static void p_vmlaunch(struct result *r)
{
	(void)r;
	__asm__ __volatile__("vmlaunch" : : : "memory", "cc");
}

static void p_vmptrld(struct result *r)
{
	(void)r;
	uint64_t *ptr = (uint64_t *)scratch;
	*ptr = 0x1000;
	__asm__ __volatile__("vmptrld %0" : : "m"(*ptr) : "memory", "cc");
}

static void p_hc_unknown(struct result *r)
{
	ret(r, vmcall(0x1234, 0, 0, 0));
}

static void p_hc_console_valid(struct result *r)
{
	ret(r, vmcall(BH_HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)hc_text,
		      sizeof(hc_text) - 1, 0));
}

static void p_hc_console_past_ram(struct result *r)
{
	ret(r, vmcall(BH_HC_CONSOLE_WRITE, (uint32_t)ram_bytes, 16, 0));
}

static void p_hc_console_straddle(struct result *r)
{
	ret(r, vmcall(BH_HC_CONSOLE_WRITE, (uint32_t)ram_bytes - 8, 16, 0));
}

static void p_hc_console_wrap(struct result *r)
{
	ret(r, vmcall(BH_HC_CONSOLE_WRITE, 0xFFFFF000u, 0x2000, 0));
}

static void p_hc_console_wrap32(struct result *r)
{
	/* gpa + len wraps to 0x7FF in 32 bits: inside RAM if truncated */
	ret(r, vmcall(BH_HC_CONSOLE_WRITE, 0xFFFFF800u, 0x1000, 0));
}

static void p_hc_console_long(struct result *r)
{
	ret(r,
	    vmcall(BH_HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)hc_text, 8192, 0));
}

static void p_getsec(struct result *r)
{
	(void)r;
	__asm__ __volatile__("getsec" : : "a"(0), "b"(0) : "memory");
}

static void p_invept(struct result *r)
{
	(void)r;
	memset(scratch, 0, 16);
	__asm__ __volatile__("invept %0, %1"
			     :
			     : "m"(*(uint8_t(*)[16])scratch), "r"(2u)
			     : "memory");
}

static void p_invvpid(struct result *r)
{
	(void)r;
	memset(scratch, 0, 16);
	__asm__ __volatile__("invvpid %0, %1"
			     :
			     : "m"(*(uint8_t(*)[16])scratch), "r"(2u)
			     : "memory");
}

static void p_monitor(struct result *r)
{
	(void)r;
	__asm__ __volatile__("monitor"
			     :
			     : "a"(scratch), "c"(0), "d"(0)
			     : "memory");
}

static void p_mwait(struct result *r)
{
	(void)r;
	__asm__ __volatile__("mwait" : : "a"(0), "c"(0) : "memory");
}

static void p_cr4_osxsave(struct result *r)
{
	write_cr4(read_cr4() | CR4_OSXSAVE);
	value(r, read_cr4() & CR4_OSXSAVE);
}

static void p_xsetbv_xcr1(struct result *r)
{
	(void)r;
	__asm__ __volatile__("xsetbv" : : "c"(1), "a"(1), "d"(0) : "memory");
}

static void xsetbv0(uint32_t xcr0)
{
	write_cr4(read_cr4() | CR4_OSXSAVE);
	__asm__ __volatile__("xsetbv" : : "c"(0), "a"(xcr0), "d"(0) : "memory");
}

static void p_xsetbv_no_x87(struct result *r)
{
	(void)r;
	xsetbv0(0x2); /* SSE without x87 */
}

static void p_xsetbv_bndregs(struct result *r)
{
	(void)r;
	xsetbv0(0x9); /* x87 + BNDREGS without BNDCSR */
}

static void p_xsetbv_avx512_partial(struct result *r)
{
	(void)r;
	xsetbv0(0x27); /* x87 SSE AVX + opmask without the ZMM states */
}

static void p_cr0_nw_no_cd(struct result *r)
{
	(void)r;
	write_cr0((read_cr0() | CR0_NW) & ~CR0_CD);
}

static void p_cr0_nw_no_cd_ne(struct result *r)
{
	(void)r;
	/* flipping NE (owned by the hypervisor) makes the write exit */
	write_cr0(((read_cr0() ^ CR0_NE) | CR0_NW) & ~CR0_CD);
}

static void p_cr0_pg_no_pe(struct result *r)
{
	(void)r;
	write_cr0((read_cr0() | CR0_PG) & ~1u);
}

static void p_cr0_pg_no_pe_ne(struct result *r)
{
	(void)r;
	write_cr0(((read_cr0() ^ CR0_NE) | CR0_PG) & ~1u);
}

static void p_invd(struct result *r)
{
	(void)r;
	__asm__ __volatile__("invd" : : : "memory");
}

static void p_pci_config(struct result *r)
{
	outl(PCI_ADDR_PORT, 0x80000000u); /* bus 0, device 0, function 0 */
	value(r, inl(PCI_DATA_PORT));
}

static void p_unowned_port(struct result *r)
{
	value(r, inl(UNOWNED_PORT));
}

static void p_x2apic_enable(struct result *r)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, base);
	}
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
	value(r, rdmsr(MSR_APIC_BASE));
}

static void p_x2apic_id(struct result *r)
{
	value(r, rdmsr(MSR_X2APIC_ID));
}

static void send_ipi(uint32_t dest, uint32_t icr_lo)
{
	wrmsr(BH_X2APIC_ICR, ((uint64_t)dest << 32) | icr_lo);
}

static void p_ipi_init_sipi_foreign(struct result *r)
{
	(void)r;
	send_ipi(FOREIGN_APIC_ID, ICR_INIT);
	send_ipi(FOREIGN_APIC_ID, ICR_SIPI | 0x08);
}

static void p_ipi_nmi_foreign(struct result *r)
{
	(void)r;
	send_ipi(FOREIGN_APIC_ID, ICR_NMI);
}

static void p_ipi_init_neighbour(struct result *r)
{
	(void)r;
	send_ipi(NEIGHBOUR_APIC_ID, ICR_INIT);
}

static void p_ipi_init_broadcast(struct result *r)
{
	(void)r;
	send_ipi(0, ICR_ALL_BUT_SELF | ICR_INIT);
	send_ipi(0, ICR_ALL_BUT_SELF | ICR_NMI);
}

/* AMD's SVM (arch/x86_64/svm/ intercepts the instructions and refuses
 * them; on Intel they are #UD natively): the same results on both. */
static void p_cpuid_svm_skinit(struct result *r)
{
	value(r, cpuid(0x80000001u, 0).ecx & (EXT1_ECX_SVM | EXT1_ECX_SKINIT));
}

static void p_cpuid_svm_leaf(struct result *r)
{
	struct cpuid_regs c = cpuid(CPUID_SVM_LEAF, 0);
	value(r, c.eax | c.ebx | c.ecx | c.edx);
}

static uint32_t svm_page_addr(void)
{
	return (uint32_t)(uintptr_t)svm_page;
}

static void p_vmrun(struct result *r)
{
	(void)r;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xd8" /* vmrun */
			     :
			     : "a"(svm_page_addr())
			     : "memory", "cc");
}

static void p_vmload(struct result *r)
{
	(void)r;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xda" /* vmload */
			     :
			     : "a"(svm_page_addr())
			     : "memory");
}

static void p_vmsave(struct result *r)
{
	(void)r;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xdb" /* vmsave */
			     :
			     : "a"(svm_page_addr())
			     : "memory");
}

static void p_stgi(struct result *r)
{
	(void)r;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xdc" /* stgi */
			     :
			     :
			     : "memory");
}

static void p_clgi(struct result *r)
{
	(void)r;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xdd" /* clgi */
			     :
			     :
			     : "memory");
}

static void p_skinit(struct result *r)
{
	(void)r;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xde" /* skinit */
			     :
			     : "a"(svm_page_addr())
			     : "memory");
}

static void p_invlpga(struct result *r)
{
	(void)r;
	/* rAX = a virtual address, ECX = an ASID */
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xdf" /* invlpga */
			     :
			     : "a"(scratch), "c"(0)
			     : "memory");
}

static void p_rd_efer_svme(struct result *r)
{
	value(r, rdmsr(MSR_EFER) & EFER_SVME);
}

static void p_wr_efer_svme(struct result *r)
{
	(void)r;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
}

static void p_rd_vm_cr(struct result *r)
{
	value(r, rdmsr(MSR_VM_CR));
}

static void p_wr_vm_hsave_pa(struct result *r)
{
	(void)r;
	wrmsr(MSR_VM_HSAVE_PA, svm_page_addr());
}

/* CPUID with three prefixes (CS, DS, operand size: 5 bytes, all ignored):
 * the hypervisor must resume after all of them. One that skips only
 * CPUID's own 2 bytes runs 66 0F A2 (CPUID again) and then lands on the
 * A2 byte, a store to an address made of the next instruction's bytes. */
static void p_cpuid_prefixed(struct result *r)
{
	uint32_t marker;
	__asm__ __volatile__("xor %%eax, %%eax\n\t"
			     "xor %%esi, %%esi\n\t"
			     ".byte 0x2e, 0x3e, 0x66, 0x0f, 0xa2\n\t"
			     "mov $0x600d, %%esi"
			     : "=S"(marker)
			     :
			     : "eax", "ebx", "ecx", "edx", "memory");
	value(r, marker);
}

/* The numbered probes of the first boot. Numbers are the 1-based index:
 * keep the order stable (tests/integration/test_attack.sh). */
static const struct probe probes[] = {
    {"cpuid-vmx-smx-monitor-hv", p_cpuid_features},
    {"cpuid-topology-cpus", p_cpuid_topology},
    {"rdmsr-feature-control", p_rd_feature_control},
    {"wrmsr-feature-control", p_wr_feature_control},
    {"rdmsr-debugctl", p_rd_debugctl},
    {"wrmsr-debugctl", p_wr_debugctl},
    {"rdmsr-mtrrcap", p_rd_mtrrcap},
    {"wrmsr-tsc", p_wr_tsc},
    {"wrmsr-apic-base-relocate", p_apic_relocate},
    {"rdmsr-apic-base", p_rd_apic_base},
    {"wrmsr-microcode-trigger", p_microcode},
    {"rdmsr-microcode-trigger", p_rd_microcode},
    {"cr4-vmxe", p_cr4_vmxe},
    {"vmxon", p_vmxon},
    {"vmlaunch", p_vmlaunch},
    {"vmptrld", p_vmptrld},
    {"vmcall-unknown", p_hc_unknown},
    {"vmcall-console-valid", p_hc_console_valid},
    {"vmcall-console-past-ram", p_hc_console_past_ram},
    {"vmcall-console-straddle", p_hc_console_straddle},
    {"vmcall-console-wrap", p_hc_console_wrap},
    {"vmcall-console-wrap32", p_hc_console_wrap32},
    {"vmcall-console-len8192", p_hc_console_long},
    {"getsec", p_getsec},
    {"invept", p_invept},
    {"invvpid", p_invvpid},
    {"monitor", p_monitor},
    {"mwait", p_mwait},
    {"cr4-osxsave", p_cr4_osxsave},
    {"xsetbv-xcr1", p_xsetbv_xcr1},
    {"cr0-nw-without-cd", p_cr0_nw_no_cd},
    {"cr0-nw-without-cd-ne", p_cr0_nw_no_cd_ne},
    {"cr0-pg-without-pe", p_cr0_pg_no_pe},
    {"invd", p_invd},
    {"pci-config-read", p_pci_config},
    {"unowned-port-read", p_unowned_port},
    {"x2apic-enable", p_x2apic_enable},
    {"x2apic-id", p_x2apic_id},
    {"ipi-init-sipi-apic5", p_ipi_init_sipi_foreign},
    {"ipi-nmi-apic5", p_ipi_nmi_foreign},
    {"ipi-init-apic1", p_ipi_init_neighbour},
    {"ipi-broadcast-init-nmi", p_ipi_init_broadcast},
    {"cpuid-svm-skinit-hidden", p_cpuid_svm_skinit},
    {"cpuid-svm-leaf", p_cpuid_svm_leaf},
    {"vmrun", p_vmrun},
    {"vmload", p_vmload},
    {"vmsave", p_vmsave},
    {"stgi", p_stgi},
    {"clgi", p_clgi},
    {"skinit", p_skinit},
    {"invlpga", p_invlpga},
    {"rdmsr-efer-svme", p_rd_efer_svme},
    {"wrmsr-efer-svme", p_wr_efer_svme},
    {"rdmsr-vm-cr", p_rd_vm_cr},
    {"wrmsr-vm-hsave-pa", p_wr_vm_hsave_pa},
    {"cpuid-prefixed", p_cpuid_prefixed},
};

/* Probes of the last boot, before the fatal one: each must raise an
 * exception, but a hypervisor that gets them wrong may fail the VM entry
 * and so reset the partition. Every unexpected reset skips the probe that
 * caused it, so the chain still ends with read-past-ram. */
static const struct probe final_probes[] = {
    {"cr0-pg-without-pe-ne", p_cr0_pg_no_pe_ne},
    {"xsetbv-xcr0-no-x87", p_xsetbv_no_x87},
    {"xsetbv-xcr0-bndregs-only", p_xsetbv_bndregs},
    {"xsetbv-xcr0-avx512-partial", p_xsetbv_avx512_partial},
};

#define NPROBES ((uint32_t)(sizeof(probes) / sizeof(probes[0])))
#define NFINAL	((uint32_t)(sizeof(final_probes) / sizeof(final_probes[0])))
/* The reset chain, numbered after the table. */
#define P_CF9	     (NPROBES + 1)
#define P_SCRUB	     (NPROBES + 2)
#define P_APIC_RST   (NPROBES + 3)
#define P_TRIPLE     (NPROBES + 4)
#define P_PORT92     (NPROBES + 5)
#define P_FINAL	     (NPROBES + 6) /* final_probes[0] */
#define P_PAST_RAM   (P_FINAL + NFINAL)
#define RESETS_FINAL 3u /* the boot that ends the chain */

static void run_probe_fn(void *ctx)
{
	const struct probe *p = ((void **)ctx)[0];
	p->fn(((void **)ctx)[1]);
}

static void run_probe(uint32_t n, const struct probe *p)
{
	struct result r = {0};
	void *ctx[2] = {(void *)p, &r};
	int vec = trap_run(run_probe_fn, ctx);

	kprintf("attack: probe %02u %s: ", n, p->name);
	if (vec != TRAP_NONE)
		kprintf("%s\n", trap_name(vec));
	else if (r.has_ret)
		kprintf("ret=%d\n", r.ret);
	else if (r.has_value)
		kprintf("ok value=0x%llx\n", (unsigned long long)r.value);
	else
		kprintf("ok\n");
}

static uint32_t scrub_addr(void)
{
	return (uint32_t)ram_bytes - 0x10000u; /* clear of image and mbinfo */
}

__attribute__((noreturn)) static void no_reset(uint32_t n, const char *name)
{
	spin_delay(RESET_WAIT);
	kprintf("attack: probe %02u %s: NO RESET\n", n, name);
	guest_exit(1);
}

static void first_boot(void)
{
	for (uint32_t i = 0; i < NPROBES; i++)
		run_probe(i + 1, &probes[i]);

	/* leave traces for the next boot to look for */
	*(volatile uint32_t *)(uintptr_t)scrub_addr() = SCRUB_PATTERN;
	data_marker = ~DATA_PRISTINE;

	kprintf("attack: probe %02u cf9-reset: requesting\n", P_CF9);
	outb(0xCF9, 0x06); /* full reset + reset CPU */
	no_reset(P_CF9, "cf9-reset");
}

static void after_reset_1(void)
{
	uint32_t left = *(volatile uint32_t *)(uintptr_t)scrub_addr();
	if (left == 0 && data_marker == DATA_PRISTINE)
		kprintf("attack: probe %02u reset-scrub: ok\n", P_SCRUB);
	else
		kprintf("attack: probe %02u reset-scrub: DIRTY ram=0x%x "
			"data=0x%x\n",
			P_SCRUB, left, data_marker);

	uint64_t base;
	int vec = trap_rdmsr(MSR_APIC_BASE, &base);
	if (vec != TRAP_NONE)
		kprintf("attack: probe %02u apic-base-after-reset: %s\n",
			P_APIC_RST, trap_name(vec));
	else
		kprintf("attack: probe %02u apic-base-after-reset: ok "
			"value=0x%llx\n",
			P_APIC_RST, (unsigned long long)base);

	kprintf("attack: probe %02u triple-fault: requesting\n", P_TRIPLE);
	triple_fault();
}

static void after_reset_2(void)
{
	kprintf("attack: probe %02u port92-reset: requesting\n", P_PORT92);
	outb(0x92, 0x01); /* fast reset */
	no_reset(P_PORT92, "port92-reset");
}

/* resets = RESETS_FINAL + k: k unexpected resets in this phase so far. */
static void final_boot(uint32_t resets)
{
	for (uint32_t i = resets - RESETS_FINAL; i < NFINAL; i++)
		run_probe(P_FINAL + i, &final_probes[i]);

	uint32_t gpa = (uint32_t)ram_bytes;
	kprintf("attack: probe %02u read-past-ram: reading 0x%x\n", P_PAST_RAM,
		gpa);
	uint32_t v = *(volatile uint32_t *)(uintptr_t)gpa;
	kprintf("attack: probe %02u read-past-ram: ESCAPED value=0x%x\n",
		P_PAST_RAM, v);
	guest_exit(1);
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);

	trap_init();
	ram_bytes = mb_ram_bytes(mbi);
	if (!bh_present() || ram_bytes < 0x200000u || ram_bytes > 0xF0000000u) {
		kprintf("attack: FAIL needs Bulkhead and 2 MiB-3.75 GiB of "
			"RAM\n");
		return 2;
	}

	uint32_t resets = cpuid(BH_CPUID_RESETS, 0).eax;
	if (resets > 0)
		kprintf("attack: after reset %u\n", resets);
	switch (resets) {
	case 0:
		kprintf("attack: ram=0x%x, %u probes, xcr0 mask 0x%x\n",
			(uint32_t)ram_bytes, NPROBES, cpuid(0xD, 0).eax);
		first_boot();
		break;
	case 1:
		after_reset_1();
		break;
	case 2:
		after_reset_2();
		break;
	default:
		final_boot(resets);
		break;
	}
	return 0;
}
