/* Guest linear -> guest-physical translation by walking the guest's own
 * page tables (SDM Vol. 3A ch. 4): no paging, 32-bit, PAE, 4-level and
 * 5-level paging. Used to fetch the instruction bytes at a guest RIP, so
 * access rights, accessed/dirty bits and reserved bits are not checked.
 * An instruction that crosses a page boundary needs one walk per page. */
#ifndef BH_GUEST_WALK_H
#define BH_GUEST_WALK_H

#include "hv/lib/lib.h"
#include "arch/x86_64/x86_defs.h"

/* Reads the 8 bytes at guest-physical gpa into *val (little-endian); -1
 * if they are outside guest RAM. The walker only ever passes 8-byte
 * aligned addresses: for 32-bit paging it reads the aligned quadword
 * holding the 4-byte entry and picks the right half itself, so a callback
 * never has to do 4-byte reads. */
typedef int guest_read_fn(void *ctx, uint64_t gpa, uint64_t *val);

/* Guest control state as seen in the VMCS (guest CR0/CR3/CR4/IA32_EFER). */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Translates gla. Mode: CR0.PG=0 none (gla truncated to 32 bits unless
 * EFER.LMA); CR4.PAE=0 32-bit (4 MiB pages with CR4.PSE, PSE-36 bits);
 * EFER.LMA=0 PAE (PDPTEs read from memory at CR3[31:5]); else 4-level or,
 * with CR4.LA57, 5-level (gla must be canonical). Returns 0 with *gpa, or
 * -1 with a static reason in *why (if why is not NULL). */
int guest_walk(const struct guest_paging *p, uint64_t gla, guest_read_fn *read,
	       void *ctx, uint64_t *gpa, const char **why);

#endif
