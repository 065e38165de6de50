; Exception entry stubs and trap_run() for the test guests' exception
; catcher (see idt.c and lib.h). Every vector 0-31 has a stub that pushes
; its vector (and a 0 where the CPU pushes no error code) and jumps to
; isr_common, which records vector, error code and EIP in trap_last. If a
; trap_run() is active, execution resumes there: the stack pointer saved by
; trap_run is restored and trap_run returns the vector, abandoning the
; faulting code. Otherwise trap_unexpected() reports it and ends the guest.

bits 32

global trap_run
global isr_stubs
extern trap_last
extern trap_unexpected

section .text

%macro ISR_NOERR 1
isr_%1:
	push dword 0
	push dword %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_%1:
	push dword %1
	jmp isr_common
%endmacro

; Vectors with a CPU-pushed error code: #DF 8, #TS 10, #NP 11, #SS 12,
; #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	ISR_ERR %[v]
%else
	ISR_NOERR %[v]
%endif
%assign v v + 1
%endrep

; Stack here: vector, error code, EIP, CS, EFLAGS (no privilege change).
isr_common:
	cld
	mov eax, [esp]
	mov [trap_last], eax		; trap_last.vector
	mov eax, [esp + 4]
	mov [trap_last + 4], eax	; trap_last.error
	mov eax, [esp + 8]
	mov [trap_last + 8], eax	; trap_last.eip
	inc dword [trap_last + 12]	; trap_last.count
	mov eax, [esp + 16]
	mov [trap_last + 16], eax	; trap_last.eflags
	mov eax, [trap_sp]
	test eax, eax
	jz .unexpected
	mov esp, eax			; back into trap_run's frame
	mov eax, [trap_last]		; returns the vector
	jmp trap_run.resume
.unexpected:
	call trap_unexpected		; does not return
.hang:
	cli
	hlt
	jmp .hang

; int trap_run(void (*fn)(void *ctx), void *ctx)
; Calls fn(ctx); returns -1 if it returned, else the vector of the
; exception that interrupted it. Nests: the outer catcher is restored.
trap_run:
	push ebp
	mov ebp, esp
	push ebx
	push esi
	push edi
	push dword [trap_sp]		; the enclosing trap_run, if any
	mov [trap_sp], esp
	push dword [ebp + 12]		; ctx
	call [ebp + 8]
	add esp, 4
	mov eax, -1
.resume:				; esp = the slot of the outer trap_sp
	pop dword [trap_sp]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .rodata
	align 4
; Stub addresses by vector, for the IDT built in idt.c.
isr_stubs:
%assign v 0
%rep 32
	dd isr_%[v]
%assign v v + 1
%endrep

section .bss
	alignb 4
trap_sp:
	resd 1				; ESP to resume at; 0 = not armed
