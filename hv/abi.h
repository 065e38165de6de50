/* The guest-visible ABI of a Bulkhead partition: the contract between the
 * hypervisor and every guest. Pure constants; included by test guests too.
 * Documented for users in README.md ("Hypercall ABI"). */
#ifndef BH_ABI_H
#define BH_ABI_H

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX =
 * "BulkheadHV\0\0". Leaf 0x40000001: EAX = vCPUs in this partition,
 * EBX = this vCPU's index (= its APIC ID), ECX = partition RAM in MiB,
 * EDX = ABI version. */
#define BH_CPUID_BASE 0x40000000u
#define BH_CPUID_INFO 0x40000001u
/* Leaf 0x40000002: EAX = how many times this partition has been reset
 * (reboot requests and faults with on_fault = reset) since boot. */
#define BH_CPUID_RESETS	 0x40000002u
#define BH_SIGNATURE_EBX 0x6b6c7542u /* "Bulk" */
#define BH_SIGNATURE_ECX 0x64616568u /* "head" */
#define BH_SIGNATURE_EDX 0x00005648u /* "HV\0\0" */

/* Hypercalls: VMCALL with RAX = number, arguments in RBX, RCX, RDX.
 * Result in RAX: >= 0 success, negative BH_E* on error. Other registers
 * are preserved. Guest pointers are guest-physical addresses. */
#define BH_HC_VERSION	    0u /* -> RAX = BH_ABI_VERSION */
#define BH_HC_CONSOLE_WRITE 1u /* RBX = gpa, RCX = len (<= 4096) -> bytes */
#define BH_HC_VCPU_INFO	    2u /* -> RAX = vcpu index, RBX = vcpu count */
/* RBX = TSC ticks: the vCPU sleeps, its CPU halted, that long or until an
 * interrupt is pending for it (with RFLAGS.IF set) or the partition
 * changes state (pause, stop, reset); the caller checks the time and may
 * sleep again. -> 0. For guests with no timer of their own. */
#define BH_HC_SLEEP 3u
/* Snapshots taken by the guest itself (partition key `snapshot = self`,
 * docs/snapshots.md). SNAPSHOT keeps the whole partition (RAM, every vCPU,
 * every device, its TSC) and returns RAX = 0. After every later restore,
 * execution continues at that same return on the vCPU that took it, with
 * RAX = 1, RBX = restores since the snapshot was taken, RCX = pages the
 * restore copied back, RDX = host TSC ticks the restore took (setjmp
 * style); the other vCPUs continue where they were at the snapshot.
 * RESTORE rolls the partition back to its snapshot: it does not return,
 * unless it fails (negative result). Without permission: BH_EPERM. */
#define BH_HC_SNAPSHOT 4u
#define BH_HC_RESTORE  5u
#define BH_ABI_VERSION 2

#define BH_EOK	  0
#define BH_EINVAL (-1) /* bad argument (length, flags) */
#define BH_EFAULT (-2) /* pointer outside the caller's RAM */
#define BH_ENOSYS (-3) /* unknown hypercall number */
#define BH_EPERM  (-4) /* not allowed by the partition's config */
#define BH_EBUSY                                                               \
	(-5) /* another snapshot, restore or state change is under way */
#define BH_ENOENT (-6) /* RESTORE: no snapshot kept */

#define BH_HC_CONSOLE_MAX 4096u

/* Platform */
#define BH_UART_BASE  0x3F8u /* virtual 16550, COM1 */
#define BH_EXIT_PORT  0xF4u  /* default debug-exit port: out32 status */
#define BH_X2APIC_ICR 0x830u /* x2APIC ICR MSR used for INIT/SIPI */

#endif
