; VM entry and exit (SDM Vol. 3C 26, 27). vmx_enter(regs) is called from
; vmx_run_guest (vmx.h), whose inline asm tells the compiler that every
; GPR but RBP and RSP does not survive the call: the caller's own
; prologue has saved the host's callee-saved registers already, so they
; are not saved here a second time on every entry. Only RBP and the regs
; pointer go on the host stack, recorded in HOST_RSP; then the guest GPRs
; are loaded and the guest entered. A VM exit arrives at vmx_exit_point
; with that same RSP: it stores the guest GPRs back into *regs and
; returns 0. If the entry itself fails, vmx_enter returns 1.
default rel
bits 64
section .text
global vmx_enter:function hidden, vmx_exit_point:function hidden

HOST_RSP equ 0x6C14
VM_INSN_ERROR equ 0x4400
VMRESUME_NOT_LAUNCHED equ 5

%include "guest_regs.inc"

; The guest's GPRs from [rdi], then the entry instruction %1.
%macro ENTER_GUEST 1
	mov rax, [rdi + R_RAX]
	LOAD_GUEST_GPRS
	mov rdi, [rdi + R_RDI]
	%1
%endmacro

vmx_enter:
	push rbp
	push rdi			; regs pointer, found again on exit
	mov rax, HOST_RSP
	vmwrite rax, rsp
	jbe .fail
	ENTER_GUEST vmresume
	; Still here: VMRESUME failed. On a VMCS that was never launched it
	; fails with error 5 (SDM Vol. 3C 31.4, VM-instruction error
	; numbers), and that first entry launches instead: no launch flag
	; to load and store on every entry.
	mov rdi, [rsp]
	mov eax, VM_INSN_ERROR
	vmread rax, rax
	jbe .fail
	cmp eax, VMRESUME_NOT_LAUNCHED
	jne .fail
	ENTER_GUEST vmlaunch
.fail:
	pop rdi
	pop rbp
	mov eax, 1
	ret

vmx_exit_point:
	push rdi			; guest RDI
	mov rdi, [rsp + 8]		; regs pointer
	mov [rdi + R_RAX], rax
	STORE_GUEST_GPRS
	pop qword [rdi + R_RDI]
	add rsp, 8			; (XCHG with memory would be one
	pop rbp				; instruction, but a locked one)
	xor eax, eax
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
