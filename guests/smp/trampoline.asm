; AP start-up path of smp.elf. The BSP copies ap_tramp_start..ap_tramp_end
; to a free 4 KiB page below 1 MiB and sends INIT-SIPI-SIPI with that page
; number as the vector; each AP then starts here in 16-bit real mode at
; CS:IP = (vector << 8):0000. The code only uses CS-relative offsets, so it
; runs from any page. It loads the guest's flat GDT (guest_gdt, in the
; 1 MiB image), enters protected mode, takes its own stack slot and calls
; ap_main() in smp.c.

CODE_SEL	equ 0x08
DATA_SEL	equ 0x10
AP_STACK_SIZE	equ 4096	; must match AP_STACK_SIZE in smp.c

global ap_tramp_start
global ap_tramp_end
global ap_next_slot
extern guest_gdt
extern guest_gdt_end
extern ap_main
extern ap_stacks
extern ap_max_slots

section .rodata
	align 16
bits 16
ap_tramp_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [ap_gdtr - ap_tramp_start]
	mov eax, cr0
	or al, 1			; PE
	mov cr0, eax
	jmp dword CODE_SEL:ap_entry32	; flushes the prefetch queue, loads CS

	align 4
	dw 0				; pad so the base below is 4-aligned
ap_gdtr:
	dw 3 * 8 - 1			; null, code, data (see start32.asm)
	dd guest_gdt
ap_tramp_end:

section .text
bits 32
ap_entry32:
	mov ax, DATA_SEL
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax

	mov eax, 1			; claim a stack slot
	lock xadd [ap_next_slot], eax
	cmp eax, [ap_max_slots]
	jae .hang			; more APs than slots: park this one
	inc eax
	shl eax, 12			; (slot + 1) * AP_STACK_SIZE
	add eax, ap_stacks
	mov esp, eax
	xor ebp, ebp
	call ap_main
.hang:
	cli
	hlt
	jmp .hang

section .data
	align 4
ap_next_slot:
	dd 0
