; Multiboot entry of the ELF test guests: 32-bit protected mode, paging
; off, EAX = 0x2BADB002, EBX = Multiboot info address, no usable stack, no
; IDT. Clears .bss, loads the guest's own flat GDT, sets up a stack and
; calls guest_main(magic, mbi); its return value is the exit status.

bits 32

CODE_SEL	equ 0x08
DATA_SEL	equ 0x10
STACK_SIZE	equ 16384

global _start
global guest_gdt
global guest_gdt_end
extern guest_main
extern guest_exit
extern __bss_start
extern __bss_end

section .text
_start:
	cli
	cld
	mov esi, eax			; keep magic and mbi across the clear
	mov ebp, ebx

	mov edi, __bss_start		; zero .bss (the stack lives there too)
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb

	lgdt [gdt_ptr]
	jmp CODE_SEL:.reload
.reload:
	mov ax, DATA_SEL
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, stack_top
	push ebp			; mbi_addr
	push esi			; magic
	xor ebp, ebp			; end of the frame-pointer chain
	call guest_main
	add esp, 8
	push eax
	call guest_exit			; does not return
.hang:
	cli
	hlt
	jmp .hang

section .data
	align 8
; Flat 4 GiB segments: null, code (0x08), data (0x10). The accessed bits
; are preset so the CPU never writes to the table.
guest_gdt:
	dq 0
	dq 0x00CF9B000000FFFF		; code: base 0, limit 4 GiB, 32-bit, RX
	dq 0x00CF93000000FFFF		; data: base 0, limit 4 GiB, RW
guest_gdt_end:

	align 4
	dw 0				; pad so the base below is 4-aligned
gdt_ptr:
	dw guest_gdt_end - guest_gdt - 1
	dd guest_gdt

section .bss
	alignb 16
stack_bottom:
	resb STACK_SIZE
stack_top:
