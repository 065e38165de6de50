; realmode.bin: a raw 16-bit real-mode test guest, loaded at linear 0x7C00
; (partition config: entry = 0x7C00). It works whether it is entered at
; CS:IP = 07C0:0000 or 0000:7C00: it records the entry CS:IP, then far-jumps
; to 0000:7Cxx so that the org 0x7C00 addresses hold. It prints to COM1 and
; exits with status 0 through the debug-exit port. No command line.
;
; Output:
;   realmode: hello from 16-bit real mode
;   realmode: cs=XXXX ip=XXXX        entry CS:IP, hex
;   realmode: done
;
; Padded to 512 bytes with the 0xAA55 boot signature, so it also boots as a
; disk image on a PC BIOS (handy for trying it under QEMU).

bits 16
org 0x7C00

UART_THR	equ 0x3F8
UART_LSR	equ 0x3FD
LSR_THRE	equ 0x20
EXIT_PORT	equ 0xF4

start:
	cli
	cld
	xor ax, ax			; a stack below the image, CS-independent
	mov ss, ax
	mov sp, 0x7C00
	mov bx, cs			; entry CS
	call .here			; entry IP = offset of .here - (.here - start)
.here:
	pop di
	sub di, .here - start
	jmp 0x0000:.flat		; normalise CS to 0
.flat:
	xor ax, ax
	mov ds, ax
	mov es, ax

	mov si, msg_hello
	call puts
	mov si, msg_cs
	call puts
	mov ax, bx
	call puthex16
	mov si, msg_ip
	call puts
	mov ax, di
	call puthex16
	mov al, 10
	call putc
	mov si, msg_done
	call puts

	xor eax, eax			; status 0
	mov dx, EXIT_PORT
	out dx, eax			; 32-bit OUT (66h prefix in 16-bit code)
.hang:
	cli
	hlt
	jmp .hang

; putc: writes AL to COM1 once the transmit holding register is empty.
putc:
	push ax
	push cx
	push dx
	mov ah, al
	mov cx, 0xFFFF			; bounded wait
	mov dx, UART_LSR
.wait:
	in al, dx
	test al, LSR_THRE
	jnz .ready
	loop .wait
.ready:
	mov al, ah
	mov dx, UART_THR
	out dx, al
	pop dx
	pop cx
	pop ax
	ret

; puts: writes the NUL-terminated string at DS:SI.
puts:
	push ax
	push si
.next:
	lodsb
	test al, al
	jz .end
	call putc
	jmp .next
.end:
	pop si
	pop ax
	ret

; puthex16: writes AX as four upper-case hex digits.
puthex16:
	push ax
	push bx
	push cx
	mov bx, ax
	mov cx, 4
.digit:
	rol bx, 4
	mov al, bl
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'A' - '9' - 1
.out:
	call putc
	loop .digit
	pop cx
	pop bx
	pop ax
	ret

msg_hello:	db "realmode: hello from 16-bit real mode", 10, 0
msg_cs:		db "realmode: cs=", 0
msg_ip:		db " ip=", 0
msg_done:	db "realmode: done", 10, 0

	times 510 - ($ - $$) db 0
	dw 0xAA55
