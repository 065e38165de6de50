; Guest entry and exit on SVM (AMD APM Vol. 2 15.5, 15.6, 15.7).
; svm_enter(regs, vmcb_pa, host_area_pa) runs the guest once. It is
; called from svm_run_guest (svm.h), whose inline asm tells the compiler
; that every GPR but RBP and RSP does not survive: the caller's prologue
; saves the host's callee-saved registers once, so this stub saves only
; RBP.
;  - CLGI first: no interrupt or NMI may reach the host while the guest's
;    FS/GS/TR/LDTR and syscall MSRs are loaded (VMLOAD) or the guest runs;
;  - VMSAVE the host's share of that state to its own area, VMLOAD the
;    guest's from its VMCB (VMRUN does not switch those, APM 15.5.2);
;  - the guest's GPRs other than RAX and RSP (which live in the VMCB)
;    come from *regs; VMRUN takes the VMCB address in RAX, and #VMEXIT
;    gives RAX back as it was (the host's, from the host save area);
;  - STI right before VMRUN: with V_INTR_MASKING the host's RFLAGS.IF at
;    VMRUN decides whether physical interrupts reach the guest's intercept
;    (APM 15.21.1); GIF is still clear, so none is taken here. The exit
;    restores the host's RFLAGS (IF set); CLI again at once;
;  - after the exit: the guest's GPRs go back to *regs, VMSAVE the guest's
;    share, VMLOAD the host's, STGI (held NMIs arrive then, through the
;    host IDT; an interrupt stays pending until arch_host_irq).
default rel
bits 64
section .text
global svm_enter:function hidden

%include "guest_regs.inc"

svm_enter:
	push rbp
	push rdx			; host area
	push rdi			; regs pointer
	clgi
	mov rax, rdx
	vmsave
	mov rax, rsi
	vmload
	LOAD_GUEST_GPRS
	mov rdi, [rdi + R_RDI]
	sti
	vmrun
	cli
	vmsave			; RAX is the VMCB address again
	push rdi			; guest RDI
	mov rdi, [rsp + 8]		; regs pointer
	STORE_GUEST_GPRS
	pop qword [rdi + R_RDI]
	pop rdi
	pop rax				; host area
	vmload
	stgi
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
