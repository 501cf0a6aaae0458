/* libFuzzer: watermark control messages (watermark.c) on any bytes, as a
 * reader of a hop's topic takes them: no crash, no sanitizer report; the
 * marks of a message accepted are in range, and written and read back
 * they are the same marks in the same order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "watermark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct fk_watermarks got, again;
	char err[256], *buf;
	size_t size;
	int n;

	if (fk_watermarks_parse(
	        (const char *)data, len, &got, err, sizeof(err)) == -1) {
		if (got.n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (got.n < 1 || got.n > FK_WATERMARK_MARKS_MAX)
		abort();
	for (size_t i = 0; i < got.n; i++) {
		const struct fk_watermark *w = &got.w[i];

		if (w->tasks < 1 || w->task < 0 || w->task >= w->tasks ||
		    w->wm < 0 || strcmp(w->topic, got.w[0].topic) != 0 ||
		    w->tasks != got.w[0].tasks)
			abort();
	}
	size = fk_watermarks_size(got.n);
	if ((buf = malloc(size)) == NULL)
		abort();
	if ((n = fk_watermarks_format(got.w, got.n, buf, size)) < 0 ||
	    fk_watermarks_parse(buf, (size_t)n, &again, err, sizeof(err)) ==
	        -1 ||
	    again.n != got.n)
		abort();
	for (size_t i = 0; i < got.n; i++)
		if (strcmp(again.w[i].topic, got.w[i].topic) != 0 ||
		    again.w[i].task != got.w[i].task ||
		    again.w[i].tasks != got.w[i].tasks ||
		    again.w[i].wm != got.w[i].wm ||
		    again.w[i].idle != got.w[i].idle)
			abort();
	free(buf);
	return 0;
}
