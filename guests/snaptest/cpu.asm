; CPU helpers of snaptest.elf (see snaptest.c): the SNAPSHOT and RESTORE
; hypercalls with every general register and EFLAGS under control, loading
; and reading back the x87/SSE/AVX registers, CR2 and the debug registers,
; word copies and compares of RAM by address, and a stack switch.
; 32-bit cdecl: EBX, ESI, EDI and EBP are preserved, EAX returns.

bits 32

; struct snap_regs (snaptest.c checks these offsets with _Static_assert)
R_IN_EAX	equ 0
R_IN_EBX	equ 4
R_IN_ECX	equ 8
R_IN_EDX	equ 12
R_IN_ESI	equ 16
R_IN_EDI	equ 20
R_IN_EBP	equ 24
R_IN_EFLAGS	equ 28
R_EAX		equ 32
R_EBX		equ 36
R_ECX		equ 40
R_EDX		equ 44
R_ESI		equ 48
R_EDI		equ 52
R_EBP		equ 56
R_ESP		equ 60
R_EFLAGS	equ 64
R_ESP0		equ 68
R_TSC0		equ 72
R_TSC1		equ 80

; struct fp_in
I_VEC		equ 0		; 8 x 32 bytes: YMM0-7 (XMM0-7: low halves)
I_ST		equ 256		; 8 x int32: ST0-7
I_FCW		equ 288
I_MXCSR		equ 292
I_CR2		equ 296
I_DR		equ 300		; DR0-3
I_DR6		equ 316
I_DR7		equ 320
I_AVX		equ 324

; struct fp_out
O_FX		equ 0		; FXSAVE image, 16-byte aligned
O_VEC		equ 512
O_CR2		equ 768
O_DR		equ 772
O_DR6		equ 788
O_DR7		equ 792
O_XCR0		equ 796
O_AVX		equ 804
O_XSAVE		equ 808

global snap_call
global restore_call
global state_load
global state_read
global copy_words
global diff_words
global run_on_stack
global hc_site_snap
global hc_site_restore

section .text

; int32_t snap_call(struct snap_regs *r)
; Loads EAX-EBP and EFLAGS from r->in_*, records ESP and the TSC in
; r->esp0 and r->tsc0, and executes VMCALL (VMMCALL on AMD). Right after it returns (once,
; or again after each restore) it stores EAX-ESP and EFLAGS as they came
; back, then the TSC (r->tsc1), and returns EAX. Its own frame lies on the
; caller's stack, which a restore puts back as it was.
snap_call:
	push ebp
	push ebx
	push esi
	push edi
	mov ebx, [esp + 20]		; r
	push ebx			; found again at [esp] after the VMCALL
	mov [ebx + R_ESP0], esp
	rdtsc
	mov [ebx + R_TSC0], eax
	mov [ebx + R_TSC0 + 4], edx
	push dword [ebx + R_IN_EFLAGS]
	popfd
	mov eax, ebx
	mov ebx, [eax + R_IN_EBX]
	mov ecx, [eax + R_IN_ECX]
	mov edx, [eax + R_IN_EDX]
	mov esi, [eax + R_IN_ESI]
	mov edi, [eax + R_IN_EDI]
	mov ebp, [eax + R_IN_EBP]
	mov eax, [eax + R_IN_EAX]
hc_site_snap:
	vmcall				; VMMCALL on AMD (patched, snaptest.c)
	pushfd				; nothing below changes the flags
	push eax
	mov eax, [esp + 8]		; r
	pop dword [eax + R_EAX]
	pop dword [eax + R_EFLAGS]
	mov [eax + R_EBX], ebx
	mov [eax + R_ECX], ecx
	mov [eax + R_EDX], edx
	mov [eax + R_ESI], esi
	mov [eax + R_EDI], edi
	mov [eax + R_EBP], ebp
	mov [eax + R_ESP], esp
	mov ebx, eax
	rdtsc
	mov [ebx + R_TSC1], eax
	mov [ebx + R_TSC1 + 4], edx
	cld
	add esp, 4
	mov eax, [ebx + R_EAX]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

; int32_t restore_call(const struct snap_regs *r)
; Loads EAX-EBP and EFLAGS from r->in_* and executes VMCALL: a RESTORE
; does not come back unless it fails; then returns EAX.
restore_call:
	push ebp
	push ebx
	push esi
	push edi
	mov eax, [esp + 20]
	push dword [eax + R_IN_EFLAGS]
	popfd
	mov ebx, [eax + R_IN_EBX]
	mov ecx, [eax + R_IN_ECX]
	mov edx, [eax + R_IN_EDX]
	mov esi, [eax + R_IN_ESI]
	mov edi, [eax + R_IN_EDI]
	mov ebp, [eax + R_IN_EBP]
	mov eax, [eax + R_IN_EAX]
hc_site_restore:
	vmcall				; VMMCALL on AMD (patched, snaptest.c)
	cld
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

; void state_load(const struct fp_in *s)
; x87: FNINIT, the control word, ST7..ST0 pushed from s->st (so ST(i) =
; st[i]); MXCSR; YMM0-7 (s->avx) or XMM0-7; CR2; DR0-3, DR6, DR7.
state_load:
	mov eax, [esp + 4]
	fninit
	fldcw [eax + I_FCW]
	fild dword [eax + I_ST + 28]
	fild dword [eax + I_ST + 24]
	fild dword [eax + I_ST + 20]
	fild dword [eax + I_ST + 16]
	fild dword [eax + I_ST + 12]
	fild dword [eax + I_ST + 8]
	fild dword [eax + I_ST + 4]
	fild dword [eax + I_ST + 0]
	ldmxcsr [eax + I_MXCSR]
	cmp dword [eax + I_AVX], 0
	je .sse
	vmovdqu ymm0, [eax + I_VEC + 0]
	vmovdqu ymm1, [eax + I_VEC + 32]
	vmovdqu ymm2, [eax + I_VEC + 64]
	vmovdqu ymm3, [eax + I_VEC + 96]
	vmovdqu ymm4, [eax + I_VEC + 128]
	vmovdqu ymm5, [eax + I_VEC + 160]
	vmovdqu ymm6, [eax + I_VEC + 192]
	vmovdqu ymm7, [eax + I_VEC + 224]
	jmp .ctl
.sse:
	movdqu xmm0, [eax + I_VEC + 0]
	movdqu xmm1, [eax + I_VEC + 32]
	movdqu xmm2, [eax + I_VEC + 64]
	movdqu xmm3, [eax + I_VEC + 96]
	movdqu xmm4, [eax + I_VEC + 128]
	movdqu xmm5, [eax + I_VEC + 160]
	movdqu xmm6, [eax + I_VEC + 192]
	movdqu xmm7, [eax + I_VEC + 224]
.ctl:
	mov ecx, [eax + I_CR2]
	mov cr2, ecx
	mov ecx, [eax + I_DR + 0]
	mov dr0, ecx
	mov ecx, [eax + I_DR + 4]
	mov dr1, ecx
	mov ecx, [eax + I_DR + 8]
	mov dr2, ecx
	mov ecx, [eax + I_DR + 12]
	mov dr3, ecx
	mov ecx, [eax + I_DR6]
	mov dr6, ecx
	mov ecx, [eax + I_DR7]
	mov dr7, ecx
	ret

; void state_read(struct fp_out *s)
; FXSAVE (x87 and SSE), YMM0-7 (s->avx) or XMM0-7, CR2, DR0-3, DR6, DR7,
; and XCR0 (s->xsave). s is 16-byte aligned; the caller zeroes it first.
state_read:
	mov eax, [esp + 4]
	fxsave [eax + O_FX]
	cmp dword [eax + O_AVX], 0
	je .sse
	vmovdqu [eax + O_VEC + 0], ymm0
	vmovdqu [eax + O_VEC + 32], ymm1
	vmovdqu [eax + O_VEC + 64], ymm2
	vmovdqu [eax + O_VEC + 96], ymm3
	vmovdqu [eax + O_VEC + 128], ymm4
	vmovdqu [eax + O_VEC + 160], ymm5
	vmovdqu [eax + O_VEC + 192], ymm6
	vmovdqu [eax + O_VEC + 224], ymm7
	jmp .ctl
.sse:
	movdqu [eax + O_VEC + 0], xmm0
	movdqu [eax + O_VEC + 32], xmm1
	movdqu [eax + O_VEC + 64], xmm2
	movdqu [eax + O_VEC + 96], xmm3
	movdqu [eax + O_VEC + 128], xmm4
	movdqu [eax + O_VEC + 160], xmm5
	movdqu [eax + O_VEC + 192], xmm6
	movdqu [eax + O_VEC + 224], xmm7
.ctl:
	mov ecx, cr2
	mov [eax + O_CR2], ecx
	mov ecx, dr0
	mov [eax + O_DR + 0], ecx
	mov ecx, dr1
	mov [eax + O_DR + 4], ecx
	mov ecx, dr2
	mov [eax + O_DR + 8], ecx
	mov ecx, dr3
	mov [eax + O_DR + 12], ecx
	mov ecx, dr6
	mov [eax + O_DR6], ecx
	mov ecx, dr7
	mov [eax + O_DR7], ecx
	cmp dword [eax + O_XSAVE], 0
	je .done
	push ebx
	mov ebx, eax
	xor ecx, ecx
	xgetbv
	mov [ebx + O_XCR0], eax
	mov [ebx + O_XCR0 + 4], edx
	pop ebx
.done:
	ret

; void copy_words(uint32_t dst, uint32_t src, uint32_t words)
copy_words:
	push esi
	push edi
	mov edi, [esp + 12]
	mov esi, [esp + 16]
	mov ecx, [esp + 20]
	cld
	rep movsd
	pop edi
	pop esi
	ret

; uint32_t diff_words(uint32_t a, uint32_t b, uint32_t words)
; Index of the first 32-bit word that differs, or `words` if none does.
diff_words:
	push esi
	push edi
	mov esi, [esp + 12]
	mov edi, [esp + 16]
	mov ecx, [esp + 20]
	mov eax, ecx
	test ecx, ecx
	jz .done
	cld
	repe cmpsd
	je .done			; all equal
	sub eax, ecx
	dec eax				; the word that ended the scan
.done:
	pop edi
	pop esi
	ret

; void run_on_stack(void (*fn)(void), uint32_t top): calls fn with ESP =
; top (16-byte aligned); fn does not return.
run_on_stack:
	mov eax, [esp + 4]
	mov esp, [esp + 8]
	xor ebp, ebp
	call eax
.hang:
	cli
	hlt
	jmp .hang
