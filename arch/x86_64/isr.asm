; Host interrupt and exception entry stubs (vectors 0-255). Each pushes a
; uniform frame (dummy error code where the CPU pushes none, SDM Vol. 3A
; 6.13) and calls isr_common(frame). Exceptions other than the NMI do not
; return; interrupts (32-255) only arrive inside cpu_wait and return.
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
%rep 256
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
%rep 256
	dq isr_ %+ i
%assign i i+1
%endrep

; void cpu_wait(volatile uint64_t *nmis, uint64_t seen, uint64_t rflags_if)
; Halts until an NMI (a kick) arrives, unless one arrived since `seen`;
; with rflags_if = RFLAGS.IF, a host interrupt (the wake-up timer) ends
; the halt too. A VM exit caused by an NMI leaves NMIs blocked until the
; next IRET (SDM Vol. 3C 24.4.2 "blocking by NMI", 3A 6.7.1), so the CPU
; first IRETs to itself to unblock them (and to set IF if asked);
; otherwise a parked CPU could not be kicked again. An NMI or interrupt
; that lands between the check and the HLT would be lost, so isr_common
; moves a return address inside [cpu_wait_window, cpu_wait_end) to
; cpu_wait_end: the HLT is skipped. Interrupts are masked again on return.
section .text
global cpu_wait, cpu_wait_window, cpu_wait_end
cpu_wait:
	mov rax, rsp
	push 0x10			; SS (SEL_DATA)
	push rax			; RSP as before the frame
	pushfq
	or [rsp], rdx			; IF, when interrupts may end the wait
	push 0x08			; CS (SEL_CODE)
	lea rax, [rel cpu_wait_window]
	push rax
	iretq				; unblocks NMIs; a pending one arrives here
cpu_wait_window:
	cmp [rdi], rsi
	jne cpu_wait_end
	hlt
cpu_wait_end:
	cli
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
