/* libFuzzer: the metrics server's request handling (route and the end of
 * the headers) on any bytes, as a client could send them: no crash, no
 * sanitizer report, and only the statuses the server knows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "promhttp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* As the server keeps it: at most 8 KiB, NUL-terminated. */
	char *req;
	int code;

	if (len > 8191)
		len = 8191;
	req = malloc(len + 1);
	if (req == NULL)
		return 0;
	memcpy(req, data, len);
	req[len] = '\0';
	(void)fk_promhttp_complete(req, len);
	code = fk_promhttp_route(req);
	if (code != 200 && code != 400 && code != 404 && code != 405)
		abort();
	free(req);
	return 0;
}
