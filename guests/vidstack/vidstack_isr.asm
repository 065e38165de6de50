; vidstack's vectors and its wait on a fresh stack (see vidstack.c).

bits 32

global vidstack_stubs, vidstack_wait_on
extern vidstack_vector

section .text

; Every vector: save the registers, vidstack_vector(vector), IRET. (Only
; the timer's vector returns; any other ends the guest, so the error code
; some exceptions push needs no care.)
%assign v 0
%rep 256
stub_%[v]:
	pushad
	push dword v
	jmp stub_common
%assign v v + 1
%endrep

stub_common:
	cld
	call vidstack_vector
	add esp, 4
	popad
	iret

; void vidstack_wait_on(uint32_t top, volatile uint32_t *count,
;                       uint32_t seen, uint32_t limit)
; ESP = top (so the interrupt frame is the first write to the page below
; it), interrupts on until *count != seen or `limit` TSC ticks passed.
vidstack_wait_on:
	push ebp
	push ebx
	push esi
	push edi
	mov eax, [esp + 20]		; top
	mov ebx, [esp + 24]		; count
	mov esi, [esp + 28]		; seen
	mov edi, [esp + 32]		; limit
	mov ebp, esp
	mov esp, eax
	rdtsc
	mov ecx, eax
	sti
.wait:
	cmp [ebx], esi
	jne .done
	rdtsc
	sub eax, ecx
	cmp eax, edi
	jb .wait
.done:
	cli
	mov esp, ebp
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .data
align 4
vidstack_stubs:
%assign v 0
%rep 256
	dd stub_%[v]
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
