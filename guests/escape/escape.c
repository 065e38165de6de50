/* escape.elf: tries to touch memory outside its partition. The hypervisor
 * must stop it at the first access (EPT violation), so no "ESCAPED" line
 * may ever appear. The probe address is the first byte past RAM
 * (1 MiB + mem_upper KiB, or CPUID 0x40000001 ECX MiB without Multiboot
 * memory info) plus 4 KiB. No command line.
 *
 * Output:
 *   escape: ram=<M>MiB probe=0x<addr>
 *   escape: trying to read outside RAM
 *   escape: ESCAPED read value=0x<v>          (only if not stopped)
 *   escape: trying to write outside RAM
 *   escape: ESCAPED write                     (only if not stopped)
 * then exit status 0. If the RAM size is unknown or the probe address is
 * not below 4 GiB: "escape: FAIL ..." and status 2.
 */
#include "lib.h"

#define MMIO_PROBE 0xF0000000u /* a typical MMIO/other-memory address */
#define WRITE_VAL  0xDEADBEEFu

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	uint64_t ram = mb_ram_bytes(mbi);

	if (!ram && bh_present())
		ram = (uint64_t)cpuid(BH_CPUID_INFO, 0).ecx << 20;
	if (!ram) {
		kprintf("escape: FAIL RAM size unknown\n");
		return 2;
	}
	uint64_t probe = ram + 4096;
	if (probe + sizeof(uint32_t) > 0x100000000ull) {
		kprintf("escape: FAIL RAM too large to probe past it\n");
		return 2;
	}
	kprintf("escape: ram=%uMiB probe=0x%x\n", (uint32_t)(ram >> 20),
		(uint32_t)probe);

	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)probe;
	kprintf("escape: trying to read outside RAM\n");
	uint32_t v = *p;
	kprintf("escape: ESCAPED read value=0x%08x\n", v);

	kprintf("escape: trying to write outside RAM\n");
	*p = WRITE_VAL;
	*(volatile uint32_t *)(uintptr_t)MMIO_PROBE = WRITE_VAL;
	kprintf("escape: ESCAPED write\n");
	return 0;
}
