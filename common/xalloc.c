#include "xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "banned.h"

static FK_NORETURN void
oom(size_t n)
{
	fk_errx(FK_EX_OSERR, "out of memory (%zu bytes)", n);
}

void *
fk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
fk_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
fk_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
fk_xstrdup(const char *s)
{
	return fk_xstrndup(s, strlen(s));
}

char *
fk_xstrndup(const char *s, size_t n)
{
	char *p = fk_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
fk_xalloc_fail(const char *what)
{
	fk_errx(FK_EX_OSERR, "out of memory (%s)", what);
}

void
fk_xalloc_init(void)
{
	json_set_alloc_funcs(fk_xmalloc, free);
}
