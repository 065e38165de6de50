; AP start-up trampoline (SDM Vol. 3A 8.4.4 and 9.8.5): copied to a page
; below 1 MiB; an AP arrives here in real mode at CS = page >> 4, IP = 0
; after INIT-SIPI-SIPI, switches to long mode with the core's page tables
; and calls the C entry with the per-CPU argument. The BSP fills the data
; fields at the end before each start. Position-independent: every
; address is computed from CS.
bits 16
section .text
global trampoline_start, trampoline_end
global tr_cr3, tr_stack, tr_entry, tr_arg, tr_alive

trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4			; ebx = linear base of this page
	lea eax, [ebx + (tr_gdt - trampoline_start)]
	mov [tr_gdtr - trampoline_start + 2], eax
	lea eax, [ebx + (tr_prot - trampoline_start)]
	mov [tr_jmp32 - trampoline_start], eax
	o32 lgdt [tr_gdtr - trampoline_start]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp far dword [tr_jmp32 - trampoline_start]

bits 32
tr_prot:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	lea esp, [ebx + 4096 - 16]	; scratch stack at the end of this page
	mov eax, cr4
	or eax, (1 << 5)		; PAE
	mov cr4, eax
	mov eax, [ebx + (tr_cr3 - trampoline_start)]
	mov cr3, eax
	mov ecx, 0xC0000080		; EFER.LME
	rdmsr
	or eax, (1 << 8)
	wrmsr
	mov eax, cr0
	or eax, 0x80000021		; PG, NE, PE
	mov cr0, eax
	lea eax, [ebx + (tr_long - trampoline_start)]
	push dword 0x18
	push eax
	retf

bits 64
tr_long:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rbx + (tr_stack - trampoline_start)]
	mov rdi, [rbx + (tr_arg - trampoline_start)]
	mov rax, [rbx + (tr_entry - trampoline_start)]
	mov dword [rbx + (tr_alive - trampoline_start)], 1
	call rax
.hang:	cli
	hlt
	jmp .hang

align 8
tr_gdt:	dq 0
	dq 0x00CF9A000000FFFF		; 0x08: 32-bit code
	dq 0x00CF92000000FFFF		; 0x10: data
	dq 0x00AF9A000000FFFF		; 0x18: 64-bit code
tr_gdtr:
	dw 31
	dd 0
tr_jmp32:
	dd 0
	dw 0x08
align 8
tr_cr3:	dq 0
tr_stack: dq 0
tr_entry: dq 0
tr_arg:	dq 0
tr_alive: dd 0
trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
