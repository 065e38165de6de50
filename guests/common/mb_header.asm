; Multiboot v1 header shared by the ELF test guests. The linker script puts
; section .multiboot first in the first PT_LOAD segment, so the header lies
; within the first 8 KiB of the file, 4-byte aligned. ELF images need no
; address fields (flag bit 16 clear).

MB_MAGIC	equ 0x1BADB002
MB_FLAG_ALIGN	equ 1 << 0	; page-align modules
MB_FLAG_MEMINFO	equ 1 << 1	; want mem_lower/mem_upper and the mmap
MB_FLAGS	equ MB_FLAG_ALIGN | MB_FLAG_MEMINFO

section .multiboot progbits alloc noexec nowrite align=4
	align 4
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
