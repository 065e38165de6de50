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

; struct guest_regs offsets (hv/arch.h)
%define R_RAX 0
%define R_RBX 8
%define R_RCX 16
%define R_RDX 24
%define R_RSI 32
%define R_RDI 40
%define R_RBP 48
%define R_R8  56
%define R_R9  64
%define R_R10 72
%define R_R11 80
%define R_R12 88
%define R_R13 96
%define R_R14 104
%define R_R15 112

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
	mov rbx, [rdi + R_RBX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rsi, [rdi + R_RSI]
	mov rbp, [rdi + R_RBP]
	mov r8,  [rdi + R_R8]
	mov r9,  [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
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
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RSI], rsi
	mov [rdi + R_RBP], rbp
	mov [rdi + R_R8],  r8
	mov [rdi + R_R9],  r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
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
