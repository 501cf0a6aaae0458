#include "xalloc.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"

Test(xalloc, strndup_copies_and_terminates)
{
	char *s = fk_xstrndup("abcdef", 3);

	cr_assert_str_eq(s, "abc");
	free(s);
	s = fk_xstrdup("");
	cr_assert_str_eq(s, "");
	free(s);
}

Test(xalloc, zero_sizes_give_memory)
{
	void *p = fk_xmalloc(0), *q = fk_xcalloc(0, 0);

	cr_assert_not_null(p);
	cr_assert_not_null(q);
	free(p);
	free(q);
}

/* Out of memory is fatal: status 71. */
Test(xalloc, out_of_memory_exits_71, .exit_code = FK_EX_OSERR)
{
	/* volatile: the compiler must not see that this cannot succeed */
	volatile size_t huge = SIZE_MAX / 2;

	free(fk_xmalloc(huge));
}

Test(xalloc, jansson_uses_it)
{
	json_t *o;

	fk_xalloc_init();
	o = json_pack("{s:s}", "a", "b");
	cr_assert_not_null(o);
	json_decref(o);
}

/* Memory another library could not get (OpenSSL's): the same status. */
Test(xalloc, fail_exits_71, .exit_code = FK_EX_OSERR)
{
	fk_xalloc_fail("a test");
}
