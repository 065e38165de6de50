/* Linux x86 boot protocol loader (32-bit entry, protocol >= 2.12).
 * Pure logic: compiled into the core and unit-tested on the host. The
 * bzImage is untrusted: every offset, size and sum is checked, errors are
 * reported with a short static reason string, and nothing is written to
 * guest memory unless the whole load has been validated.
 *
 * Reference: Linux Documentation/arch/x86/boot.rst ("32-bit boot protocol")
 * and Documentation/arch/x86/zero-page.rst.
 *
 * Guest-physical layout. The loader's own structures live in a fixed window
 * of usable conventional RAM, [LINUX_LOW_START, LINUX_LOW_END) =
 * [0x10000, 0x30000), zeroed first:
 *
 *   0x10000  struct linux_boot_params ("zero page", 4 KiB) -> ESI at entry
 *   0x11000  GDT, 4 descriptors (32 bytes): null, null,
 *            0x10 __BOOT_CS flat 4 GiB 32-bit code, execute/read,
 *            0x18 __BOOT_DS flat 4 GiB 32-bit data, read/write
 *   0x20000  kernel command line, NUL-terminated (<= 64 KiB with the NUL)
 *   0x30000  end of window
 *
 * The real-mode setup code (file sectors 0..setup_sects) is not loaded: the
 * 32-bit protocol only needs its header, copied into the zero page. The
 * protected-mode kernel (the rest of the file) is copied to its load
 * address L and [L + file part, L + init_size) is zeroed:
 *   - L = pref_address (0x100000 if the field is 0) when that is >= 1 MiB
 *     and [L, L + init_size) lies inside RAM and below 4 GiB;
 *   - otherwise, for a relocatable kernel, L = 1 MiB rounded up to
 *     kernel_alignment (the lowest aligned address >= 1 MiB; everything
 *     below 1 MiB is left to the zero page, the BIOS areas and the guest);
 *   - otherwise the load fails.
 * The initrd (if any) is copied to the highest 4 KiB-aligned address at or
 * above 1 MiB where it ends at or below min(RAM size, initrd_addr_max + 1,
 * 4 GiB) without overlapping [L, L + init_size); if the space above the
 * kernel is too small it goes below the kernel. The initrd is always kept
 * below 4 GiB, so ext_ramdisk_image/ext_ramdisk_size are written as 0.
 *
 * The caller then enters the kernel in 32-bit protected mode, paging off,
 * interrupts off, with the GDT above loaded (GDTR = gdt_gpa/gdt_limit),
 * CS = 0x10, DS = ES = SS = 0x18, EIP = entry32, ESI = boot_params and
 * EBP = EDI = EBX = 0. */
#ifndef BH_LINUX_BOOT_H
#define BH_LINUX_BOOT_H

#include "hv/load/image.h"
#include "hv/load/memmap.h"

#define LINUX_LOW_START	      0x10000u
#define LINUX_BOOT_PARAMS_GPA 0x10000u
#define LINUX_GDT_GPA	      0x11000u
#define LINUX_CMDLINE_GPA     0x20000u
#define LINUX_LOW_END	      0x30000u
#define LINUX_CMDLINE_MAX     (LINUX_LOW_END - LINUX_CMDLINE_GPA) /* + NUL */

#define LINUX_KERNEL_MIN   0x100000u /* kernel and initrd stay >= 1 MiB */
#define LINUX_INITRD_ALIGN 0x1000u
#define LINUX_GDT_ENTRIES  4u
#define LINUX_GDT_LIMIT	   (LINUX_GDT_ENTRIES * 8u - 1u)
#define LINUX_BOOT_CS	   0x10u
#define LINUX_BOOT_DS	   0x18u
#define LINUX_GDT_CODE	   0x00CF9A000000FFFFull /* base 0, 4 GiB, exec/read */
#define LINUX_GDT_DATA	   0x00CF92000000FFFFull /* base 0, 4 GiB, read/write */

/* Setup header constants. */
#define LINUX_BOOT_FLAG	   0xAA55u
#define LINUX_HDRS_MAGIC   0x53726448u /* "HdrS" */
#define LINUX_MIN_VERSION  0x020Cu     /* 2.12 (Linux 3.8) */
#define LINUX_SECTOR_SIZE  512u
#define LINUX_SETUP_SECTS0 4u	   /* setup_sects == 0 means 4 */
#define LINUX_LOADER_ID	   0xFFu   /* type_of_loader: no assigned id */
#define LINUX_HEAP_END	   0xFE00u /* heap_end_ptr */
#define LINUX_E820_MAX	   128u	   /* e820_table entries in the zero page */
#define LINUX_HDR_START	   0x1F1u  /* setup header offset in file/zero page */
#define LINUX_HDR_MIN_END  0x268u  /* end of the 2.12 header (+handover) */
#define LINUX_HDR_MAX_END  0x290u  /* room for the header in the zero page */

/* loadflags */
#define LINUX_LOADED_HIGH   (1u << 0)
#define LINUX_KASLR_FLAG    (1u << 1)
#define LINUX_QUIET_FLAG    (1u << 5)
#define LINUX_KEEP_SEGMENTS (1u << 6)
#define LINUX_CAN_USE_HEAP  (1u << 7)

/* xloadflags */
#define LINUX_XLF_KERNEL_64		 (1u << 0)
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

/* The setup header, at 0x1F1 in the image and in the zero page. */
struct linux_setup_header {
	uint8_t setup_sects;		/* 0x1F1 */
	uint16_t root_flags;		/* 0x1F2 */
	uint32_t syssize;		/* 0x1F4 */
	uint16_t ram_size;		/* 0x1F8 */
	uint16_t vid_mode;		/* 0x1FA */
	uint16_t root_dev;		/* 0x1FC */
	uint16_t boot_flag;		/* 0x1FE */
	uint16_t jump;			/* 0x200 */
	uint32_t header;		/* 0x202 */
	uint16_t version;		/* 0x206 */
	uint32_t realmode_swtch;	/* 0x208 */
	uint16_t start_sys_seg;		/* 0x20C */
	uint16_t kernel_version;	/* 0x20E */
	uint8_t type_of_loader;		/* 0x210 */
	uint8_t loadflags;		/* 0x211 */
	uint16_t setup_move_size;	/* 0x212 */
	uint32_t code32_start;		/* 0x214 */
	uint32_t ramdisk_image;		/* 0x218 */
	uint32_t ramdisk_size;		/* 0x21C */
	uint32_t bootsect_kludge;	/* 0x220 */
	uint16_t heap_end_ptr;		/* 0x224 */
	uint8_t ext_loader_ver;		/* 0x226 */
	uint8_t ext_loader_type;	/* 0x227 */
	uint32_t cmd_line_ptr;		/* 0x228 */
	uint32_t initrd_addr_max;	/* 0x22C */
	uint32_t kernel_alignment;	/* 0x230 */
	uint8_t relocatable_kernel;	/* 0x234 */
	uint8_t min_alignment;		/* 0x235 */
	uint16_t xloadflags;		/* 0x236 */
	uint32_t cmdline_size;		/* 0x238 */
	uint32_t hardware_subarch;	/* 0x23C */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;	/* 0x248 */
	uint32_t payload_length;	/* 0x24C */
	uint64_t setup_data;		/* 0x250 */
	uint64_t pref_address;		/* 0x258 */
	uint32_t init_size;		/* 0x260 */
	uint32_t handover_offset;	/* 0x264 */
	uint32_t kernel_info_offset;	/* 0x268 */
} __attribute__((packed));

struct linux_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/* struct boot_params, the "zero page". Only the fields this loader writes
 * are named; the rest is padding (zeroed). */
struct linux_boot_params {
	uint8_t screen_info[0x40];	 /* 0x000 */
	uint8_t apm_bios_info[0x14];	 /* 0x040 */
	uint8_t pad_054[4];		 /* 0x054 */
	uint64_t tboot_addr;		 /* 0x058 */
	uint8_t ist_info[0x10];		 /* 0x060 */
	uint64_t acpi_rsdp_addr;	 /* 0x070 */
	uint8_t pad_078[8];		 /* 0x078 */
	uint8_t hd0_info[0x10];		 /* 0x080 */
	uint8_t hd1_info[0x10];		 /* 0x090 */
	uint8_t sys_desc_table[0x10];	 /* 0x0A0 */
	uint8_t olpc_ofw_header[0x10];	 /* 0x0B0 */
	uint32_t ext_ramdisk_image;	 /* 0x0C0 */
	uint32_t ext_ramdisk_size;	 /* 0x0C4 */
	uint32_t ext_cmd_line_ptr;	 /* 0x0C8 */
	uint8_t pad_0cc[0x1E8 - 0x0CC];	 /* 0x0CC: edid_info, efi_info... */
	uint8_t e820_entries;		 /* 0x1E8 */
	uint8_t eddbuf_entries;		 /* 0x1E9 */
	uint8_t edd_mbr_sig_buf_entries; /* 0x1EA */
	uint8_t kbd_status;		 /* 0x1EB */
	uint8_t secure_boot;		 /* 0x1EC */
	uint8_t pad_1ed[2];		 /* 0x1ED */
	uint8_t sentinel;		 /* 0x1EF: must stay 0 */
	uint8_t pad_1f0;		 /* 0x1F0 */
	struct linux_setup_header hdr;	 /* 0x1F1 */
	uint8_t pad_26c[0x2D0 - 0x26C];	 /* 0x26C: edd_mbr_sig_buffer... */
	struct linux_e820_entry e820_table[LINUX_E820_MAX]; /* 0x2D0 */
	uint8_t pad_cd0[0x1000 - 0xCD0];		    /* 0xCD0: eddbuf */
} __attribute__((packed));

#define LINUX_HDR_OFF(f)                                                       \
	(LINUX_HDR_START + __builtin_offsetof(struct linux_setup_header, f))
#define LINUX_BP_OFF(f) __builtin_offsetof(struct linux_boot_params, f)

_Static_assert(sizeof(struct linux_setup_header) == 0x26C - 0x1F1,
	       "setup header size");
_Static_assert(LINUX_HDR_OFF(boot_flag) == 0x1FE, "boot_flag");
_Static_assert(LINUX_HDR_OFF(jump) == 0x200, "jump");
_Static_assert(LINUX_HDR_OFF(header) == 0x202, "header");
_Static_assert(LINUX_HDR_OFF(version) == 0x206, "version");
_Static_assert(LINUX_HDR_OFF(type_of_loader) == 0x210, "type_of_loader");
_Static_assert(LINUX_HDR_OFF(loadflags) == 0x211, "loadflags");
_Static_assert(LINUX_HDR_OFF(code32_start) == 0x214, "code32_start");
_Static_assert(LINUX_HDR_OFF(ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(LINUX_HDR_OFF(ramdisk_size) == 0x21C, "ramdisk_size");
_Static_assert(LINUX_HDR_OFF(heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(LINUX_HDR_OFF(cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(LINUX_HDR_OFF(initrd_addr_max) == 0x22C, "initrd_addr_max");
_Static_assert(LINUX_HDR_OFF(kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(LINUX_HDR_OFF(relocatable_kernel) == 0x234, "relocatable");
_Static_assert(LINUX_HDR_OFF(xloadflags) == 0x236, "xloadflags");
_Static_assert(LINUX_HDR_OFF(cmdline_size) == 0x238, "cmdline_size");
_Static_assert(LINUX_HDR_OFF(hardware_subarch) == 0x23C, "hardware_subarch");
_Static_assert(LINUX_HDR_OFF(setup_data) == 0x250, "setup_data");
_Static_assert(LINUX_HDR_OFF(pref_address) == 0x258, "pref_address");
_Static_assert(LINUX_HDR_OFF(init_size) == 0x260, "init_size");
_Static_assert(LINUX_HDR_OFF(handover_offset) == 0x264, "handover_offset");
_Static_assert(sizeof(struct linux_e820_entry) == 20, "e820 entry size");
_Static_assert(sizeof(struct linux_boot_params) == 4096, "boot_params size");
_Static_assert(LINUX_BP_OFF(acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(LINUX_BP_OFF(ext_ramdisk_image) == 0x0C0, "ext_ramdisk_image");
_Static_assert(LINUX_BP_OFF(ext_ramdisk_size) == 0x0C4, "ext_ramdisk_size");
_Static_assert(LINUX_BP_OFF(ext_cmd_line_ptr) == 0x0C8, "ext_cmd_line_ptr");
_Static_assert(LINUX_BP_OFF(e820_entries) == 0x1E8, "e820_entries");
_Static_assert(LINUX_BP_OFF(sentinel) == 0x1EF, "sentinel");
_Static_assert(LINUX_BP_OFF(hdr) == LINUX_HDR_START, "hdr");
_Static_assert(LINUX_BP_OFF(e820_table) == 0x2D0, "e820_table");

/* kernel, initrd and cmdline are untrusted guest material; rsdp_gpa and
 * e820 come from the hypervisor and are passed on as given. */
struct linux_load_in {
	const uint8_t *kernel; /* bzImage file */
	size_t kernel_len;
	const uint8_t *initrd; /* may be NULL (then initrd_len must be 0) */
	size_t initrd_len;     /* 0 = no initrd */
	const char *cmdline;   /* NULL = "" */
	uint64_t rsdp_gpa;     /* ACPI RSDP, 0 = none (the kernel scans) */
	const struct mm_entry *e820; /* memory map handed to the kernel, */
	unsigned ne820;		     /* 1..LINUX_E820_MAX entries */
};

struct linux_load_out {
	uint32_t entry32;     /* protected-mode kernel load address -> EIP */
	uint32_t boot_params; /* zero page GPA -> ESI */
	uint32_t gdt_gpa; /* GDT with __BOOT_CS (0x10) and __BOOT_DS (0x18) */
	uint16_t gdt_limit;
	uint16_t version;    /* boot protocol version, e.g. 0x020F */
	uint16_t xloadflags; /* LINUX_XLF_* from the header (informational) */
	uint64_t kernel_lo;  /* [kernel_lo, kernel_hi): load address + */
	uint64_t kernel_hi;  /* init_size, the RAM the kernel needs */
	uint64_t initrd_lo;  /* [initrd_lo, initrd_hi), both 0 if none */
	uint64_t initrd_hi;
	/* On failure with LINUX_ERR_RAM_TOO_SMALL: the smallest RAM size,
	 * in bytes, the kernel fits in (callers print "needs N MiB").
	 * Otherwise 0. */
	uint64_t ram_needed;
};

/* The reason string for a kernel that does not fit in partition RAM;
 * out->ram_needed then holds the RAM size it needs. */
#define LINUX_ERR_RAM_TOO_SMALL "partition RAM too small for this kernel"

/* Validates a bzImage's setup header without loading it: length, boot flag
 * 0xAA55, "HdrS", protocol version >= 2.12, header length, LOADED_HIGH,
 * protected-mode part inside the file and no larger than init_size,
 * kernel_alignment a power of two if relocatable. *version (if not NULL) is
 * set as soon as "HdrS" is found, even if the version is then refused.
 * Returns 0, or -1 with *why (if why is not NULL). */
int linux_probe(const uint8_t *img, size_t len, uint16_t *version,
		const char **why);

/* Loads a bzImage (and optional initrd) into mem using the 32-bit boot
 * protocol, builds the zero page, command line and GDT (see the layout at
 * the top of this file). Zero page: setup header copied from the image
 * (0x1F1 up to 0x202 + the byte at 0x201, capped at 0x290), then
 * type_of_loader = 0xFF, loadflags = LOADED_HIGH | CAN_USE_HEAP,
 * heap_end_ptr = 0xFE00, cmd_line_ptr, ramdisk_image/size, code32_start =
 * load address, setup_data = hardware_subarch = 0, acpi_rsdp_addr, and the
 * e820 table copied from in->e820; all other fields zero. The command line
 * must not be longer than the kernel's cmdline_size nor than
 * LINUX_CMDLINE_MAX - 1. Everything is validated before guest memory is
 * written. Returns 0 and fills *out, or -1 with *why (if why is not NULL);
 * on error only out->ram_needed is written. */
int linux_load(struct guest_mem *mem, const struct linux_load_in *in,
	       struct linux_load_out *out, const char **why);

#endif
