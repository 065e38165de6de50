/* Freestanding C library subset shared by the core, the loader and host tools.
 * In hosted builds (BH_HOSTED) the C library provides these; in the
 * freestanding build hv/lib.c does. */
#ifndef BH_LIB_H
#define BH_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef BH_HOSTED
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

/* snprintf subset: %s %c %d %i %u %x %X %p %% with l/ll/z, width, '0', '-'.
 * Always NUL-terminates when n > 0; returns the length it wanted to write. */
int bh_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int bh_snprintf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Bounded copy that always terminates; returns false if src was truncated. */
bool bh_strlcpy(char *dst, const char *src, size_t size);

#define BH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Around a table that names a default for every slot and then the
 * exceptions ([0 ... N - 1] = x, then [k] = y): its later initializers
 * override earlier ones on purpose. */
#ifdef __clang__
#define BH_OVERRIDE_INIT_BEGIN                                                 \
	_Pragma("clang diagnostic push")                                       \
	    _Pragma("clang diagnostic ignored \"-Winitializer-overrides\"")
#define BH_OVERRIDE_INIT_END _Pragma("clang diagnostic pop")
#else
#define BH_OVERRIDE_INIT_BEGIN                                                 \
	_Pragma("GCC diagnostic push")                                         \
	    _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#define BH_OVERRIDE_INIT_END _Pragma("GCC diagnostic pop")
#endif
#define BH_ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((uint64_t)(a)-1))
#define BH_KIB(x)	  ((uint64_t)(x) << 10)
#define BH_MIB(x)	  ((uint64_t)(x) << 20)
#define BH_GIB(x)	  ((uint64_t)(x) << 30)

#endif
