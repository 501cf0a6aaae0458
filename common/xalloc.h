/* Allocation that cannot fail: out of memory prints and exits 71. */
#ifndef FK_XALLOC_H
#define FK_XALLOC_H

#include <stddef.h>

void *fk_xmalloc(size_t n);
void *fk_xcalloc(size_t nmemb, size_t size);
void *fk_xrealloc(void *p, size_t n);
char *fk_xstrdup(const char *s);
char *fk_xstrndup(const char *s, size_t n);

/* For memory another library failed to get (its size unknown): print
 * "out of memory (what)" and exit 71. */
_Noreturn void fk_xalloc_fail(const char *what);

/* Point jansson's allocator at fk_xmalloc/free. */
void fk_xalloc_init(void);

#endif
