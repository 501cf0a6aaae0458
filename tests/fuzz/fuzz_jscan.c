/* libFuzzer: the record scanner every tool reads with (jscan), and the
 * dotted-path lookups over what it found, on any bytes: no crash, no
 * sanitizer report, and a line it accepts is JSON that jansson parses
 * as an object too. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_jobj o;
	json_error_t e;
	json_t *j;

	fk_jobj_init(&o);
	if (fk_jscan(&o, (const char *)data, len, NULL, 0) == 0) {
		j = json_loadb((const char *)data, len, 0, &e);
		/* jansson's numbers are C's: one too large for them is
		 * still JSON. */
		if (j == NULL && strstr(e.text, "too big") == NULL &&
		    strstr(e.text, "overflow") == NULL)
			abort();
		if (j != NULL && !json_is_object(j))
			abort();
		json_decref(j);
	}
	fk_jobj_release(&o);
	return 0;
}
