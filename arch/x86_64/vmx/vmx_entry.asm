; VM entry and exit (SDM Vol. 3C 26, 27). vmx_enter(regs, launched) saves
; the host's callee-saved registers and the regs pointer on the host stack,
; records that stack in HOST_RSP, loads the guest GPRs and enters. A VM
; exit arrives at vmx_exit_point with the same RSP: it stores the guest
; GPRs back into *regs and returns 0 to the caller of vmx_enter. If the
; entry instruction itself fails, execution falls through and returns 1.
default rel
bits 64
section .text
global vmx_enter, vmx_exit_point

HOST_RSP equ 0x6C14

%include "guest_regs.inc"

vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; regs pointer, found again on exit
	mov rax, HOST_RSP
	vmwrite rax, rsp
	jbe .fail_early
	test esi, esi			; flags survive the MOVs below
	mov rax, [rdi + R_RAX]
	LOAD_GUEST_GPRS
	mov rdi, [rdi + R_RDI]
	jnz .resume
	vmlaunch
	jmp .fail
.resume:
	vmresume
.fail:
.fail_early:
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	mov eax, 1
	ret

vmx_exit_point:
	push rdi			; guest RDI
	mov rdi, [rsp + 8]		; regs pointer
	mov [rdi + R_RAX], rax
	STORE_GUEST_GPRS
	pop rax
	mov [rdi + R_RDI], rax
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	xor eax, eax
	ret
