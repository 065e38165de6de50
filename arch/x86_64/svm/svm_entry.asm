; Guest entry and exit on SVM (AMD APM Vol. 2 15.5, 15.6, 15.7).
; svm_enter(regs, vmcb_pa, host_area_pa) runs the guest once:
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
global svm_enter

%include "guest_regs.inc"

svm_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
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
	pop rax
	mov [rdi + R_RDI], rax
	pop rdi
	pop rax				; host area
	vmload
	stgi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
