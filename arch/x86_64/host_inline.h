/* The host services of arch/host.h that are a single instruction, inline
 * for the hypervisor's own build (hosted builds use the fake backend's). */
#ifndef BH_ARCH_X86_64_HOST_INLINE_H
#define BH_ARCH_X86_64_HOST_INLINE_H

static inline uint64_t arch_now(void)
{
	/* 64-bit outputs: RDTSC clears bits 63:32 of RAX and RDX. */
	uint64_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return hi << 32 | lo;
}

static inline void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]),
			   "=d"(out[3])
			 : "a"(leaf), "c"(sub));
}

#endif
