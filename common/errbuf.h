/* A message into the caller's buffer: how library modules say what went
 * wrong without printing.  Library module. */
#ifndef FK_ERRBUF_H
#define FK_ERRBUF_H

#include <stddef.h>

#if defined(__GNUC__)
#define FK_ERRBUF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FK_ERRBUF_PRINTF(f, a)
#endif

/* printf into err[0..errlen), cut to fit; err may be NULL (errlen 0). */
FK_ERRBUF_PRINTF(3, 4)
void fk_seterr(char *err, size_t errlen, const char *fmt, ...);

#endif
