; Host exception entry stubs (vectors 0-31). Each pushes a uniform frame
; (dummy error code where the CPU pushes none, SDM Vol. 3A 6.13) and calls
; isr_common(frame). Only the NMI handler returns.
default rel
bits 64
section .text
extern isr_common

%macro ISR 1
isr_%1:
%if !(%1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30)
	push 0
%endif
	push %1
	jmp isr_body
%endmacro

%assign i 0
%rep 32
ISR i
%assign i i+1
%endrep

isr_body:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	mov rbp, rsp
	and rsp, -16
	call isr_common
	mov rsp, rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16
	iretq

section .data
global isr_table
align 8
isr_table:
%assign i 0
%rep 32
	dq isr_ %+ i
%assign i i+1
%endrep
