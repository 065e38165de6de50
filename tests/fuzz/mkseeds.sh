#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/<harness>/ (checked in;
# run this after changing an input format). Seeds are small handcrafted
# inputs: configs good and bad, minimal Multiboot ELF32/ELF64/a.out kernels,
# and encoded operation lists for the structured harnesses. Only the files
# named here are (over)written.
set -euo pipefail
cd "$(dirname "$0")"
C=corpus

# le VALUE BYTES: VALUE as BYTES little-endian bytes
le() {
	local v=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		printf %b "\\x$(printf %02x $(((v >> (8 * i)) & 0xFF)))"
	done
}
zeros() { head -c $(($1)) /dev/zero; }
# Multiboot v1 header: magic, flags, checksum
mbhdr() { le 0x1BADB002 4; le "$1" 4; le $(((-(0x1BADB002 + $1)) & 0xFFFFFFFF)) 4; }
code() { printf '\xfa\xf4\xeb\xfd'; } # cli; hlt; jmp $-1

# ---- fuzz_config: text --------------------------------------------------
mkdir -p $C/fuzz_config
cat >$C/fuzz_config/example.conf <<'EOF'
# Bulkhead example: two isolated partitions
[hypervisor]
console = com1              # com1 | com2

[partition alpha]
cpus    = 1                 # dedicated physical CPUs
memory  = 16M               # multiple of 2M
kernel  = guests/hello.elf  # relative to this file's directory
cmdline = greeting=alpha verbose=1
module  = guests/data.bin   # repeatable, up to 4

[partition beta]
cpus      = 2-3
memory    = 32M
kernel    = guests/realmode.bin
entry     = 0x7C00
exit_port = none
EOF
printf '[partition a]\ncpus=0\nmemory=2M\nkernel=k' >$C/fuzz_config/minimal.conf
printf '[hypervisor]\r\nconsole = com2\r\nview = focus\r\n\r\n# caf\xc3\xa9\r\n[partition x_1]\r\n\tcpus = 0, 2 - 3 ,5\r\nmemory = 0x400000 # hex\r\nkernel = a#1.elf\r\ncmdline =\r\nexit_port = 0x501\r\n' >$C/fuzz_config/crlf.conf
{
	for i in 0 1 2 3 4 5 6 7; do
		printf '[partition p%d]\ncpus = %d-%d\nmemory = %dG\nkernel = k%d\n' \
			$i $((i * 8)) $((i * 8 + 7)) $((i + 1)) $i
		printf 'module = m%d\n' 1 2 3 4
		printf 'entry = %d\n' $((i * 4096))
	done
} >$C/fuzz_config/eight.conf
{
	printf '[partition linux]\ncpus = 0-1\nmemory = 256M\nkernel = bzImage\n'
	printf 'initrd = initrd.img\non_fault = reset\ncmdline = console=ttyS0 '
	for i in $(seq 20); do printf 'opt%d=%d ' "$i" "$i"; done
	printf '\n[partition b]\ncpus = 2\nmemory = 2M\nkernel = k\non_fault = stop\n'
} >$C/fuzz_config/linux.conf
{
	printf '[partition a]\ncpus = 0\nmemory = 2M\nkernel = k\ncmdline ='
	for i in $(seq 40); do printf ' opt%d=%d' "$i" "$i"; done
	printf '\non_fault = halt\n'
} >$C/fuzz_config/bad_long_cmdline.conf
printf '[partition a]\ncpus = 0-3\nmemory = 64M\nkernel = a\n[partition b]\ncpus = 3\nmemory = 64M\nkernel = b\n' >$C/fuzz_config/bad_shared_cpu.conf
printf '[partition a]\ncpus = 0\nmemory = 3M\nkernel = a\n' >$C/fuzz_config/bad_size.conf
printf '[partition a]\ncpus = 0\nmemory = 2M\n[partition a]\n' >$C/fuzz_config/bad_missing.conf
printf '[hypervisor]\nconsole = com3\nmemroy = 1\n[oops]\nx\n' >$C/fuzz_config/bad_keys.conf
printf '[partition a]\ncpus = 64\nmemory = 99999999999999999999K\nkernel = /abs\nentry = 0xA0000\nexit_port = 0\n' >$C/fuzz_config/bad_values.conf

# ---- fuzz_image: kernels ------------------------------------------------
mkdir -p $C/fuzz_image
# ELF32 Multiboot kernel: ehdr (52) + 1 phdr (32) + header at 0x54 + code;
# loaded at 1 MiB with 4 KiB of bss, entry at the code after the header.
{
	printf '\x7fELF\x01\x01\x01'; zeros 9
	le 2 2; le 3 2; le 1 4           # ET_EXEC, EM_386, EV_CURRENT
	le 0x1000C0 4; le 52 4; le 0 4   # entry, phoff, shoff
	le 0 4; le 52 2; le 32 2; le 1 2 # flags, ehsize, phentsize, phnum
	le 40 2; le 0 2; le 0 2
	le 1 4; le 0 4; le 0x100000 4; le 0x100000 4 # PT_LOAD at offset 0
	le 0xC4 4; le 0x10C4 4; le 5 4; le 0x1000 4  # filesz, memsz, RX
	mbhdr 3; zeros 0x60; code
} >$C/fuzz_image/elf32_multiboot
# ELF64 Multiboot kernel: higher-half vaddr, paddr at 1 MiB, a PT_NOTE and
# a second PT_LOAD (data + bss).
{
	printf '\x7fELF\x02\x01\x01'; zeros 9
	le 2 2; le 62 2; le 1 4
	le 0xffffffff8010010c 8; le 64 8; le 0 8 # entry, phoff, shoff
	le 0 4; le 64 2; le 56 2; le 3 2; le 64 2; le 0 2; le 0 2
	le 1 4; le 5 4; le 0 8                    # PT_LOAD RX, offset 0
	le 0xffffffff80100000 8; le 0x100000 8    # vaddr, paddr
	le 0x120 8; le 0x120 8; le 0x1000 8
	le 4 4; le 4 4; le 0xe8 8; le 0 8; le 0 8 # PT_NOTE
	le 0 8; le 0 8; le 4 8
	le 1 4; le 6 4; le 0xf0 8                 # PT_LOAD RW
	le 0xffffffff80200000 8; le 0x200000 8
	le 0x10 8; le 0x2000 8; le 0x1000 8
	mbhdr 2; zeros 0x18; code; zeros 0x10
} >$C/fuzz_image/elf64_multiboot
# Flat binary with the a.out kludge: header at 0, loaded at 1 MiB.
{
	mbhdr 0x10003
	le 0x100000 4; le 0x100000 4; le 0 4 # header, load, load_end (= EOF)
	le 0x102000 4; le 0x100020 4         # bss_end, entry
	code; zeros 28
} >$C/fuzz_image/aout_kludge
# a.out kludge header later in the file, load_end inside it.
{
	zeros 64; mbhdr 0x10000
	le 0x200040 4; le 0x200000 4; le 0x200080 4; le 0 4; le 0x200070 4
	zeros 16; code; zeros 76
} >$C/fuzz_image/aout_offset
# Multiboot header with a bad checksum, and unsupported required flags.
{ le 0x1BADB002 4; le 0 4; le 0 4; mbhdr 0x8; code; } >$C/fuzz_image/bad_mb
# bzImage-looking stub (boot flag and "HdrS" only).
{ zeros 0x1FE; le 0xAA55 2; le 0 2; printf 'HdrS'; le 0x20F 2; zeros 0x18; } \
	>$C/fuzz_image/bzimage_stub
# raw_load: address 0x7C00, then a boot sector-like image.
{ le 0x7C00 4; code; zeros 24; } >$C/fuzz_image/raw_7c00

# ---- fuzz_mbinfo: encoded plans (see struct plan in fuzz_mbinfo.c) --------
# flags(1) ram(4) lo(4) hi-lo(4) cmdline_len(2) nmods(1), then per module:
# flags(1: bit0 NULL string, bit1 NULL data, bits 5-7 size shift) len(2)
# string_len(2)
mkdir -p $C/fuzz_mbinfo
{
	le 0 1; le 0x400000 4; le 0x100000 4; le 0x3000 4; le 24 2; le 2 1
	le 0 1; le 0x800 2; le 10 2
	le 0x40 1; le 100 2; le 0 2
} >$C/fuzz_mbinfo/two_modules
{ le 0 1; le 0x200000 4; le 0x100000 4; le 0x80000 4; le 0 2; le 0 1; } \
	>$C/fuzz_mbinfo/no_modules
{
	le 0 1; le 0x300000 4; le 0x80000 4; le 0x10 4; le 200 2; le 64 1
	for i in $(seq 64); do le 0 1; le $((i * 7)) 2; le $((i * 3)) 2; done
} >$C/fuzz_mbinfo/many_modules
{ le 5 1; le 0x3FF000 4; le 0x1000 4; le 0x6000 4; le 0 2; le 1 1; le 2 1; le 0 2; le 0 2; } \
	>$C/fuzz_mbinfo/null_pointers
{ le 2 1; le 0x400000 4; le 0x100000 8; le 0xFFFFFFFFFFFFFFFF 8; le 0x77FF 2; le 0 1; } \
	>$C/fuzz_mbinfo/raw_kernel

# ---- fuzz_hypercall: records of gpa, len, ram_size, max_len --------------
mkdir -p $C/fuzz_hypercall
{ le 0x1000 8; le 0x100 8; le 0x200000 8; le 4096 8; } >$C/fuzz_hypercall/ok
{ le 0x1FF000 8; le 0x1000 8; le 0x200000 8; le 4096 8; } >$C/fuzz_hypercall/edge
{
	le 0xFFFFFFFFFFFFF000 8; le 0x2000 8; le 0xFFFFFFFFFFFFFFFF 8; le 0xFFFFFFFFFFFFFFFF 8
	le 0x200000 8; le 0 8; le 0x200000 8; le 0 8
	le 0 8; le 4097 8; le 0x200000 8; le 4096 8
} >$C/fuzz_hypercall/wrap_and_limits

# ---- fuzz_ept: operation lists (see fuzz_ept.c) --------------------------
# op(1): bits 0-1 0/1 map, 2 lookup, 3 lookup inside a mapping; bit 4 raw
# operands; bits 5-7 gpa/hpa/size in 2 MiB units.
# map: gpa(3) hpa(3) size(2) perms(1); raw: gpa(8) hpa(8) size(8) perms(1)
# lookup: page(3) offset(2), raw: gpa(8); lookup inside: index(1) offset(8)
mkdir -p $C/fuzz_ept
{
	le 0x00 1; le 0x100 3; le 0x300 3; le 0x10 2; le 7 1
	le 0xE0 1; le 1 3; le 2 3; le 2 2; le 3 1
	le 0x02 1; le 0x105 3; le 0x123 2
	le 0x03 1; le 1 1; le 0x201234 8
	le 0x00 1; le 0x10F 3; le 0x400 3; le 2 2; le 1 1
} >$C/fuzz_ept/map_lookup
{
	le 0x00 1; le 0x1FF 3; le 0x1FF 3; le 0x202 2; le 7 1
	le 0x60 1; le 0x3 3; le 0x1 3; le 3 2; le 5 1
	le 0x03 1; le 0 1; le 0x1FFFFF 8
	le 0x03 1; le 1 1; le 0x3FFFFF 8
} >$C/fuzz_ept/mixed_sizes
{
	le 0x10 1; le 0xFFFFFFFFF000 8; le 0 8; le 0x2000 8; le 7 1
	le 0x10 1; le 0x1000 8; le 0x1001 8; le 0x1000 8; le 7 1
	le 0x10 1; le 0x1000 8; le 0xFFFFFFFFFFFFF000 8; le 0x1000 8; le 8 1
	le 0x12 1; le 0xFFFFFFFFFFFF 8
} >$C/fuzz_ept/bad_args
{
	for i in $(seq 0 40); do
		le 0x00 1; le $((i * 0x40000)) 3; le $((i * 0x40000)) 3; le 1 2; le 7 1
	done
} >$C/fuzz_ept/exhaust_pool

# Patching helpers for the structured images below.
# put FILE OFFSET VALUE BYTES
put() { le "$3" "$4" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }
# fixsum FILE START LEN POS: byte POS makes bytes [START, START+LEN) sum to 0
fixsum() {
	local s
	put "$1" "$4" 0 1
	s=$(od -An -tu1 -v -j $(($2)) -N $(($3)) "$1" | awk '{for (i = 1; i <= NF; i++) s += $i} END {print s % 256}')
	put "$1" "$4" $(((256 - s) % 256)) 1
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# ---- fuzz_linux_boot: prefix + bzImage -------------------------------------
# prefix: flags(1) ram(4) initrd_len(3) cmdline_len(3) e820_count(1) rsdp(8)
# bzimage RELOCATABLE PREF_ADDRESS INIT_SIZE VERSION JUMP: 1 setup sector,
# 256 bytes of protected-mode kernel.
bzimage() {
	head -c 1280 /dev/zero >"$tmp"
	put "$tmp" 0x1F1 1 1                  # setup_sects
	put "$tmp" 0x1FE 0xAA55 2             # boot_flag
	put "$tmp" 0x200 0xEB 1; put "$tmp" 0x201 "$5" 1 # jump
	printf 'HdrS' | dd of="$tmp" bs=1 seek=$((0x202)) conv=notrunc status=none
	put "$tmp" 0x206 "$4" 2               # version
	put "$tmp" 0x211 1 1                  # loadflags: LOADED_HIGH
	put "$tmp" 0x22C 0x7FFFFFFF 4         # initrd_addr_max
	put "$tmp" 0x230 0x200000 4           # kernel_alignment
	put "$tmp" 0x234 "$1" 1               # relocatable_kernel
	put "$tmp" 0x236 3 2                  # xloadflags
	put "$tmp" 0x238 2047 4               # cmdline_size
	put "$tmp" 0x258 "$2" 8               # pref_address
	put "$tmp" 0x260 "$3" 4               # init_size
	for i in $(seq 0 63); do put "$tmp" $((1024 + 4 * i)) $((0x90 + i)) 4; done
	cat "$tmp"
}
mkdir -p $C/fuzz_linux_boot
{ le 0 1; le 0x400000 4; le 0x1800 3; le 30 3; le 4 1; le 0xF0000 8
  bzimage 1 0x1000000 0x10000 0x20F 0x6A; } >$C/fuzz_linux_boot/relocated_initrd
{ le 0 1; le 0x300000 4; le 0 3; le 0 3; le 1 1; le 0 8
  bzimage 0 0 0x20000 0x20C 0x66; } >$C/fuzz_linux_boot/fixed_1mib
{ le 0 1; le 0x200000 4; le 0x100 3; le 5 3; le 4 1; le 0 8
  bzimage 1 0x100000 0x300000 0x20F 0x6A; } >$C/fuzz_linux_boot/ram_too_small
{ le 1 1; le 0x400000 4; le 0x200000 3; le 0 3; le 128 1; le 0xE0000 8
  bzimage 1 0x180000 0x80000 0x20F 0x8E; } >$C/fuzz_linux_boot/initrd_below
{ le 0 1; le 0x400000 4; le 0 3; le 0 3; le 4 1; le 0 8
  bzimage 1 0 0x10000 0x201 0x6A; } >$C/fuzz_linux_boot/old_protocol

# ---- fuzz_acpi_madt: flags(1) max(1) rsdp_offset(2) + memory at 0xE0000 ----
# madt_image REVISION: RSDP at 0, RSDT at 0x40 (FACP, APIC), XSDT at 0x80
# (null, APIC) with revision 2, a dummy FACP at 0xC0 and the MADT at 0x100:
# LAPIC 0 and 1 enabled, LAPIC 2 disabled, LAPIC 0xFF, an x2APIC 0x100, an
# x2APIC duplicating 1, an NMI entry and an unknown type.
madt_image() {
	local M=0x100 e
	head -c 512 /dev/zero >"$tmp"
	printf 'RSD PTR ' | dd of="$tmp" bs=1 conv=notrunc status=none
	put "$tmp" 15 "$1" 1; put "$tmp" 16 0xE0040 4
	put "$tmp" 20 36 4; [ "$1" -ge 2 ] && put "$tmp" 24 0xE0080 8
	fixsum "$tmp" 0 20 8; fixsum "$tmp" 0 36 32
	printf 'RSDT' | dd of="$tmp" bs=1 seek=$((0x40)) conv=notrunc status=none
	put "$tmp" 0x44 44 4; put "$tmp" 0x64 0xE00C0 4; put "$tmp" 0x68 0xE0100 4
	fixsum "$tmp" 0x40 44 0x49
	printf 'XSDT' | dd of="$tmp" bs=1 seek=$((0x80)) conv=notrunc status=none
	put "$tmp" 0x84 52 4; put "$tmp" 0xA4 0 8; put "$tmp" 0xAC 0xE0100 8
	fixsum "$tmp" 0x80 52 0x89
	printf 'FACP' | dd of="$tmp" bs=1 seek=$((0xC0)) conv=notrunc status=none
	put "$tmp" 0xC4 36 4; fixsum "$tmp" 0xC0 36 0xC9
	printf 'APIC' | dd of="$tmp" bs=1 seek=$((M)) conv=notrunc status=none
	put "$tmp" $((M + 36)) 0xFEE00000 4; put "$tmp" $((M + 40)) 1 4
	e=$((M + 44))
	for a in "0 0 1" "1 1 1" "2 2 0" "3 0xFF 1"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $a
		put "$tmp" $e 0 1; put "$tmp" $((e + 1)) 8 1
		put "$tmp" $((e + 2)) "$1" 1; put "$tmp" $((e + 3)) "$2" 1
		put "$tmp" $((e + 4)) "$3" 4; e=$((e + 8))
	done
	for a in "0x100 1" "1 1"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $a
		put "$tmp" $e 9 1; put "$tmp" $((e + 1)) 16 1
		put "$tmp" $((e + 4)) "$1" 4; put "$tmp" $((e + 8)) "$2" 4
		e=$((e + 16))
	done
	put "$tmp" $e 4 1; put "$tmp" $((e + 1)) 6 1; put "$tmp" $((e + 2)) 0xFF 1
	put "$tmp" $((e + 5)) 1 1; e=$((e + 6))
	put "$tmp" $e 0x7F 1; put "$tmp" $((e + 1)) 3 1; e=$((e + 3))
	put "$tmp" $((M + 4)) $((e - M)) 4
	fixsum "$tmp" $M $((e - M)) $((M + 9))
	head -c $((e)) "$tmp"
}
mkdir -p $C/fuzz_acpi_madt
{ le 0 1; le 8 1; le 0 2; madt_image 0; } >$C/fuzz_acpi_madt/rsdt
{ le 0 1; le 8 1; le 0 2; madt_image 2; } >$C/fuzz_acpi_madt/xsdt
{ le 0 1; le 2 1; le 0 2; madt_image 2; } >$C/fuzz_acpi_madt/overflow
{ le 1 1; le 0 1; le 0 2; madt_image 0; } >$C/fuzz_acpi_madt/fix_sums_max0

# fuzz_mbinfo: module strings that fill the window exactly (56 x 8191 + 56).
{
	le 0 1; le 0x400000 4; le 0x100000 4; le 0x1000 4; le 0 2; le 57 1
	for i in $(seq 56); do le 0 1; le 1 2; le 8190 2; done
	le 0 1; le 0 2; le 55 2
} >$C/fuzz_mbinfo/strings_full

# ---- fuzz_insn_decode: mode(1: 0 16-bit, 1 32-bit, 2 64-bit) + bytes ------
mkdir -p $C/fuzz_insn_decode
ins() { printf %b "$2" >$C/fuzz_insn_decode/"$1"; }
ins mov_store64 '\x02\x89\x08'                                   # mov [rax],ecx
ins mov_load_rip '\x02\x48\x8b\x0d\x78\x56\x34\x12'              # mov rcx,[rip+d]
ins movzx_sib32 '\x01\x0f\xb6\x44\xb3\x10'                       # movzx eax,[rbx+rsi*4+16]
ins movsx_rex '\x02\x4d\x0f\xbf\x0a'                             # movsx r9,word [r10]
ins store_imm16 '\x00\xc7\x80\x34\x12\x78\x56'                   # mov word [bx+si+0x1234],0x5678
ins store_imm64 '\x02\x48\xc7\x00\xff\xff\xff\xff'              # mov qword [rax],-1
ins xchg_ds '\x02\x3e\x86\x07'                                   # xchg [rdi],al
ins high_byte '\x01\x88\x20'                                     # mov [eax],ah
ins moffs64 '\x02\xa0\x00\x00\xe0\xfe\x00\x00\x00\x00'           # mov al,[moffs64]
ins moffs16_67 '\x01\x67\x66\xa3\x00\x10'                        # mov [moffs16],ax
ins len15 '\x02\x26\x2e\x36\x48\xc7\x84\x24\x11\x22\x33\x44\x55\x66\x77\x88'
ins too_long '\x02\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x48\x89\x84\x24\x00\x00\x00\x00'
ins bad_lock '\x02\xf0\x89\x08'
ins bad_reg '\x02\x89\xc8'
ins rex_cancelled '\x02\x48\x66\x89\x08'

# ---- fuzz_guest_walk: flags(1) cr3(8) gla(8) noise(8), then RAM stores ----
# flags: 1 PG, 2 PAE, 4 PSE, 8 LA57, 0x10 LMA, 0x20/0x40 RAM base (see
# fuzz_guest_walk.c); store: qword index(2) value(8).
mkdir -p $C/fuzz_guest_walk
gw() { le "$1" 1; le "$2" 8; le "$3" 8; le "${4:-0}" 8; }
st() { le "$1" 2; le "$2" 8; }
# gla 0x40201ABC: indices PML4 0, PDPT 1, PD 1, PT 1
{ gw 0x13 0x1000 0x40201ABC; st 0x200 0x2003; st 0x401 0x3003
  st 0x601 0x4003; st 0x801 0x12345003; } >$C/fuzz_guest_walk/long4k
{ gw 0x13 0x1000 0x40201ABC 0xFFFF0000FFFF0000; st 0x200 0x2003
  st 0x401 0x3003; st 0x601 0x40000083; } >$C/fuzz_guest_walk/long2m
{ gw 0x13 0x1000 0x40201ABC; st 0x200 0x2003; st 0x401 0x80000083; } \
	>$C/fuzz_guest_walk/long1g
{ gw 0x1B 0x1000 0x40201ABC; st 0x200 0x5003; st 0xA00 0x2003
  st 0x401 0x3003; st 0x601 0x4003; st 0x801 0x7003; } >$C/fuzz_guest_walk/la57
{ gw 0x13 0x1000 0xFFFF800040201ABC; st 0x300 0x2003; st 0x401 0x3003; } \
	>$C/fuzz_guest_walk/kernel_half
{ gw 0x03 0x1020 0x40201ABC; st 0x205 0x3001; st 0x601 0x4003
  st 0x801 0x9ABCD003; } >$C/fuzz_guest_walk/pae
{ gw 0x01 0x1000 0x00401ABC; st 0x200 0x200300000000; st 0x400 0x7654300300000000; } \
	>$C/fuzz_guest_walk/legacy32
{ gw 0x05 0x1000 0x00401ABC; st 0x200 0x00C0A08300000000; } >$C/fuzz_guest_walk/pse36
{ gw 0x10 0 0xFFFF800012345678; } >$C/fuzz_guest_walk/nopaging_long
{ gw 0x00 0 0x123456789; } >$C/fuzz_guest_walk/nopaging
# RAM at 0xFFFF8000: the PML4 below 4 GiB, the PDPT above.
{ gw 0x53 0xFFFF8000 0x40201ABC; st 0 0x100000003; st 0x1001 0x140000083; } \
	>$C/fuzz_guest_walk/above_4g

# ---- fuzz_vlapic: apic_id(4) bsp(1), then operations (see fuzz_vlapic.c) -
# op: 0 mmio rd off/16, 1 mmio wr off/16 val(4), 2 rdmsr, 3 wrmsr, 4/5 reg
# rd/wr in the current mode, 6 base, 7 set_irr, 8 ack, 9 advance, 10 timer
# update, 11 deadline, 12 INIT, 13 RESET, 14 EOI, 15 service; op bit 4:
# raw operand (level for set_irr), bit 5: high half of wrmsr values.
mkdir -p $C/fuzz_vlapic
wr() { le 1 1; le "$1" 1; le "$2" 4; }   # xAPIC MMIO write, offset/16
msr() { le 3 1; le "$1" 1; le "$2" 4; }  # wrmsr 0x800 + n
{
	le 0 4; le 1 1
	wr 0x0F 0x1FF; wr 0x32 0x20030; wr 0x3E 3; wr 0x38 100
	le 9 1; le 0x3F 1; le 9 1; le 0x3F 1; le 10 1; le 15 1
	le 0 1; le 0x39 1; le 9 1; le 0x5F 1; le 10 1; le 15 1; le 15 1
	wr 0x3E 0xB; le 0 1; le 0x39 1; le 9 1; le 0x9F 1; le 10 1
} >$C/fuzz_vlapic/periodic
{
	le 3 4; le 0 1
	wr 0x0F 0x1FF; wr 0x32 0x30; wr 0x38 0x1000
	le 9 1; le 0x7F 1; le 0 1; le 0x39 1; wr 0x3E 0xA; le 0 1; le 0x39 1
	le 9 1; le 0xBF 1; le 10 1; le 15 1
} >$C/fuzz_vlapic/oneshot
{
	le 0x12 4; le 0 1
	wr 0x0F 0x1FF; le 6 1; le 0x0C 1
	msr 0x32 0x20040; msr 0x38 50; msr 0x3F 0x50
	le 0x17 1; le 0x60 1; le 15 1; le 14 1
	le 2 1; le 0x02 1; le 2 1; le 0x0D 1; le 2 1; le 0x30 1; le 2 1; le 0x0A 1
	le 0x23 1; le 0x30 1; le 0x4031 4; le 1 4
	le 9 1; le 0x7F 1; le 10 1; le 15 1; le 14 1
	le 3 1; le 0x02 1; le 1 4; le 3 1; le 0x08 1; le 0x100 4
} >$C/fuzz_vlapic/x2apic
{
	le 0 4; le 1 1
	wr 0x0F 0x1FF; wr 0x32 0x40020
	le 11 1; le 0x400 2; le 9 1; le 0x7F 1; le 10 1; le 15 1
	le 11 1; le 0x10 2; le 15 1; le 0x1B 1; le 0 8
	wr 0x32 0x20; le 0 1; le 0x39 1
} >$C/fuzz_vlapic/tsc_deadline
{
	le 7 4; le 0 1
	le 6 1; le 0x00 1; le 6 1; le 0x0C 1; le 6 1; le 0x08 1; le 6 1; le 0x04 1
	le 6 1; le 0x08 1; le 6 1; le 0x0C 1; le 6 1; le 0x08 1; le 6 1; le 0x00 1
	le 0x16 1; le 0xFEF00800 8; le 6 1; le 0x18 1
	le 12 1; le 0x1D 1; le 0x12345678 4; le 13 1; le 0xFFFFFFFF 4
} >$C/fuzz_vlapic/base_changes
{
	le 1 4; le 0 1
	wr 0x0F 0x1FF; wr 0x08 0x40
	le 0x17 1; le 0x35 1; le 7 1; le 0x55 1; le 7 1; le 0x45 1
	le 15 1; le 15 1; le 14 1; le 14 1
	le 7 1; le 0x05 1; wr 0x37 0x33; le 7 1; le 0x06 1; wr 0x28 0
	le 0 1; le 0x28 1; wr 0x31 0x02000000; wr 0x30 0x4030; wr 0x30 0x4005
	wr 0x30 0x300; wr 0x03 0; wr 0x0A 0; wr 0x3F 0x22
	le 0 1; le 0x0A 1; le 0x10 1; le 0xFFF 2; le 0x10 1; le 0x1004 2
	le 0x18 1; le 0x0F 1; le 0x0F 1
} >$C/fuzz_vlapic/priorities

# ---- fuzz_vioapic: id(1), then operations (see fuzz_vioapic.c) -----------
# op: 0 IOREGSEL sel(1), 1 IOWIN val(4), 2 read (8: IOWIN), 3 other offset
# off(1) val(4), 4 set_irq pin(1) (0x10: asserted), 5 EOI vector(1), 6
# program pin(1) low(4) dest(1), 7 pulse pin(1).
mkdir -p $C/fuzz_vioapic
prog() { le 6 1; le "$1" 1; le "$2" 4; le "${3:-0}" 1; }
{
	le 2 1
	prog 1 0x31; le 0x14 1; le 1 1; le 4 1; le 1 1; le 7 1; le 1 1
	prog 4 0x10832 3; le 7 1; le 4 1; prog 4 0x832 3; le 7 1; le 4 1
	le 0 1; le 0x12 1; le 0x0A 1
} >$C/fuzz_vioapic/edge
{
	le 0 1
	prog 9 0xA039 1; le 0x14 1; le 9 1; le 0x14 1; le 9 1
	le 5 1; le 0x39 1; le 4 1; le 9 1; le 5 1; le 0x39 1
	prog 10 0x18041 0xFF; le 0x14 1; le 10 1
	le 0 1; le 0x24 1; le 1 1; le 0x8041 4; le 0x0D 1; le 10 1
	prog 11 0x8041; le 0x14 1; le 11 1; le 5 1; le 0x41 1
} >$C/fuzz_vioapic/level
{
	le 5 1
	le 0 1; le 0 1; le 0x0A 1; le 0 1; le 1 1; le 0x0A 1
	le 0 1; le 2 1; le 0x0A 1; le 0 1; le 0 1; le 1 1; le 0xFF000000 4
	le 0x0A 1; le 0 1; le 1 1; le 1 1; le 0x12345678 4
	le 3 1; le 0x20 1; le 0x11 4; le 0 1; le 0x50 1; le 0x0A 1
	le 0x08 1; le 0x13 4; le 0x1C 1; le 0x100 4; le 0x14 1; le 24 1
} >$C/fuzz_vioapic/registers
{
	le 1 1
	prog 3 0x8050; le 0x14 1; le 3 1; prog 3 0x50; prog 3 0x8050
	le 0x0D 1; le 3 1; le 4 1; le 3 1; le 0x0D 1; le 3 1
} >$C/fuzz_vioapic/level_to_edge

# ---- fuzz_vpic: operations (see fuzz_vpic.c) -------------------------------
# op: bits 0-2 kind (0 out port val(1), 1 in port, 2 set_irq irq(1), 3 INTA,
# 4 pulse irq(1), 5 init ICW1-4 (bit 3 slave), 6 OCW2/3 val(1) (bit 3
# slave), 7 service); bits 3-5 pick the port: 0x20, 0x21, 0xA0, 0xA1,
# 0x4D0, 0x4D1, 0x22, raw(2); set_irq bit 4: level high.
mkdir -p $C/fuzz_vpic
{
	le 5 1; le 0x11 1; le 0x20 1; le 4 1; le 1 1
	le 0x0D 1; le 0x11 1; le 0x28 1; le 2 1; le 1 1
	le 0x08 1; le 0xF8 1; le 0x18 1; le 0 1
	le 0x12 1; le 0 1; le 3 1; le 7 1; le 0x02 1; le 0 1
	le 4 1; le 8 1; le 7 1; le 4 1; le 1 1; le 4 1; le 12 1; le 7 1; le 7 1
	le 6 1; le 0x0B 1; le 1 1; le 0x11 1; le 6 1; le 0x0C 1; le 1 1
	le 0x0E 1; le 0x0C 1; le 0x11 1
} >$C/fuzz_vpic/linux_init
{
	le 5 1; le 0x11 1; le 0x20 1; le 4 1; le 3 1
	le 0x0D 1; le 0x11 1; le 0x28 1; le 2 1; le 1 1
	le 0x08 1; le 0 1; le 0x18 1; le 0 1
	le 0x28 1; le 0x0C 1; le 0x29 1; le 0x12 1; le 0x0A 1
	le 7 1; le 7 1; le 0x02 1; le 0x0A 1; le 7 1
	le 6 1; le 0x80 1; le 4 1; le 3 1; le 4 1; le 4 1; le 3 1; le 3 1
	le 0x20 1; le 0x28 1; le 0x21 1
} >$C/fuzz_vpic/elcr_aeoi
{
	le 5 1; le 0x11 1; le 0x08 1; le 4 1; le 0x11 1
	le 0x0D 1; le 0x13 1; le 0x70 1; le 1 1
	le 0x08 1; le 0 1; le 0x18 1; le 0 1
	le 4 1; le 9 1; le 3 1; le 4 1; le 10 1; le 3 1
	le 6 1; le 0x68 1; le 4 1; le 3 1; le 3 1; le 6 1; le 0x62 1
	le 6 1; le 0xC3 1; le 4 1; le 5 1; le 4 1; le 6 1; le 7 1
	le 6 1; le 0xE2 1; le 6 1; le 0xA0 1; le 6 1; le 0x48 1; le 7 1
} >$C/fuzz_vpic/special_modes
{
	le 0x30 1; le 0x55 1; le 0x38 1; le 0x80 2; le 0xAA 1
	le 0x39 1; le 0x4D2 2; le 0x31 1; le 0x1A 1; le 0x100 4; le 0x12 1; le 2 1
} >$C/fuzz_vpic/unowned

# ---- fuzz_vpit: rate(1), operations (see fuzz_vpit.c) ----------------------
# op: bits 0-2 kind (0 out port val(4), 1 in port, 2 time += ticks(1-4),
# 3 update, 4 run to the next IRQ0, 5 program counter(bits 3-4)
# mode(bits 5-7) count(2), 6 time = raw(8), 7 gate 2 = bit 3); bits 3-5
# pick the port: 0x40, 0x41, 0x42, 0x43, 0x61, 0x44, 0x60, raw(2); bits
# 6-7 the size: 1, 2, 4, 4.
mkdir -p $C/fuzz_vpit
{
	# Linux's calibration: gate 2 on, counter 2 mode 0, poll port B.
	le 0 1; le 0x0F 1; le 0x2D 1; le 0xFFFF 2
	le 0x21 1; le 0x12 1; le 0x11 1; le 0x21 1; le 0x13 1; le 0x21 1
	le 0x11 1; le 0x01 1; le 0x21 1; le 0x11 1; le 0x01 1
	# Its clockevent: counter 0 periodic, then one-shot, then shut down.
	le 0x45 1; le 4773 2; le 4 1; le 4 1; le 0x1A 1; le 0xFFFF 2; le 3 1
	le 0x85 1; le 1193 2; le 4 1; le 0 1; le 0x10 1; le 0 4; le 0 1
	le 0x00 1; le 0 4; le 4 1
	le 0x18 1; le 0x30 4; le 4 1; le 0x19 1; le 0x01 1
} >$C/fuzz_vpit/linux
{
	# Latches, read-back, odd sizes and unowned ports, time jumps.
	le 1 1; le 0x45 1; le 0x1000 2; le 0x18 1; le 0x00 4; le 0x41 1
	le 0x01 1; le 0x18 1; le 0xC2 4; le 0x01 1; le 0x01 1; le 0x01 1
	le 0x18 1; le 0xDE 4; le 0x09 1; le 0x11 1; le 0x58 1; le 0x99 4
	le 0x69 1; le 0x30 1; le 0x39 1; le 0x4D2 2; le 0xC1 1; le 0x1B 1
	le 0x06 1; le 0xFFFFFFFFFFFFF000 8; le 4 1; le 0x06 1; le 5 8; le 3 1
	le 0x2D 1; le 0 2; le 0x0F 1; le 0x07 1; le 0x0F 1; le 0x25 1; le 1 2
	le 0x05 1; le 1 2; le 4 1; le 4 1
} >$C/fuzz_vpit/odd
# Found by this harness: a count written after time went back, while a
# later time had been accounted (hv/vdev/vpit.c elapsed()).
base64 -d >$C/fuzz_vpit/time_back <<'EOF'
AUUAEBgIAAAAAARBARg+1ABXAQEBGN4AAAAJEViZAAAAaTA50gTBGxYA8P8GBQAAAAAAAAAAAAAB
/dMJAA8HDyUBAAUBAASE
EOF

# ---- fuzz_hmac: keylen(2) key nchunks(1) chunk sizes(1 each), message -----
# chunk size byte b: b if b < 0x80, else (b & 0x7f) * 64 + 1
rep() { local i; for ((i = 0; i < $2; i++)); do le "$1" 1; done; } # BYTE COUNT
mkdir -p $C/fuzz_hmac
{ le 20 2; rep 0x0b 20; le 0 1; printf 'Hi There'; } >$C/fuzz_hmac/rfc4231_1
{ le 131 2; rep 0xaa 131; le 3 1; le 1 1; le 0x81 1; le 63 1
  printf 'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'; } \
	>$C/fuzz_hmac/rfc4231_7_chunked
{ le 0 2; le 0 1; } >$C/fuzz_hmac/empty
{ le 64 2; for i in $(seq 0 63); do le $((i * 7)) 1; done
  le 6 1; le 55 1; le 1 1; le 0 1; le 64 1; le 0x80 1; le 9 1
  for i in $(seq 0 299); do le $((i * 37 + 11)) 1; done; } >$C/fuzz_hmac/padding_edges
# fuzz_proto and the [management] fuzz_config seeds are checked in as
# made by their authors (tests/fuzz/corpus/fuzz_proto, fuzz_config).
