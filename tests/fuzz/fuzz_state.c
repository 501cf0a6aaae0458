/* libFuzzer: what fk-enrich restores its state from, on any bytes.  The
 * first byte says which (its low two bits):
 *   0  the payload of a state file (--state), which the target wraps as
 *      state.c writes one (header, version 2, or 1 with bit 2 set,
 *      length, checksum) so that what the checksum guards is reached;
 *      read back by fk_enrich_load (enrich.c);
 *   1  a whole state file as it is;
 *   2  changelog messages (--changelog): each a key length (1 byte),
 *      the key, a value length (2 bytes, little-endian; 0xffff: none)
 *      and the value, applied by fk_enrich_apply;
 *   3  a hop's release frontier (reorder.c's fk_reorder_save), which
 *      goes with both as an engine's extra bytes.
 * An engine restored has its extra bytes loaded as a frontier (as
 * fk-enrich's hop_restore does) and its changes written out and applied
 * to a new engine; a frontier loaded is saved and loaded again to the
 * same bytes, and used.  No crash, no sanitizer report.
 * A restored engine's counters, times and entities are not enriched
 * with, expired or summed here: they are what the checksum vouches for,
 * and numbers fk-enrich never writes (a watermark near INT64_MIN) make
 * its time arithmetic overflow.
 * The seeds come from fk-enrich (default options, as the engine here)
 * over tests/data/sample.ndjson. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "digest.h"
#include "enrich.h"
#include "reorder.h"
#include "watermark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct fk_enrich_opts opts;

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A frontier loaded, used a little, and saved to the same bytes twice. */
static void
frontier(const void *p, size_t len)
{
	struct fk_reorder r, s;
	struct fk_reorder_rec x;
	struct fk_watermark w;
	unsigned char *a, *b;
	size_t alen, blen;
	char num[64];
	int64_t out;

	fk_reorder_init(&r, 4);
	fk_reorder_init(&s, 4);
	if (fk_reorder_load(&r, p, len) == 0) {
		a = fk_reorder_save(&r, r.end, &alen);
		if (fk_reorder_load(&s, a, alen) != 0)
			abort();
		b = fk_reorder_save(&s, s.end, &blen);
		if (alen != blen || memcmp(a, b, alen) != 0)
			abort();
		free(a);
		free(b);
		/* Records around the frontier, then every task idle. */
		(void)fk_reorder_frontier(&r);
		(void)fk_reorder_out(&r, &out);
		(void)fk_reorder_applied(&r, 1731765720000, "t-1", 3);
		(void)fk_reorder_dup(&r, "1 0 1", 5);
		fk_reorder_push(&r, 1731765720000, "t-1", 3, 0, 3, 0, 10);
		fk_reorder_push(&r, INT64_MIN, "", 0, 0, 0, 1, 11);
		fk_reorder_push(&r, INT64_MAX, "t-2", 3, 0, 3, 0, 12);
		memset(&w, 0, sizeof(w));
		w.tasks = r.tasks > 0 ? r.tasks : 1;
		r.idle_bounds = 1;
		for (w.task = 0; w.task < w.tasks && w.task < 64; w.task++) {
			w.wm = INT64_MAX;
			w.idle = 1;
			w.idle_at = w.task & 1; /* pauses apart, then one */
			fk_reorder_watermark(&r, &w, 13 + w.task);
			(void)fk_reorder_frontier(&r);
			(void)fk_reorder_idle_at(&r);
		}
		(void)fk_reorder_number(&r, 0, num, sizeof(num));
		a = fk_reorder_save(&r, 20, &alen);
		free(a);
		while (fk_reorder_next(&r, 0, &x) != 0)
			free(x.data);
		fk_reorder_drop(&r, 0);
	}
	fk_reorder_release(&r);
	fk_reorder_release(&s);
}

struct changes {
	struct fk_enrich *e;
	int64_t offset;
	int failed;
};

/* A change written out applies to a new engine. */
static void
reapply(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	struct changes *c = arg;

	if (fk_enrich_apply(c->e, key, keylen, value, len, &c->offset) != 0)
		c->failed = 1;
}

/* A restored engine, as fk-enrich goes on with it; e is taken. */
static void
use(struct fk_enrich *e, int32_t partition)
{
	struct changes c = { fk_enrich_new(&opts), -1, 0 };
	const void *x;
	size_t len;
	int64_t wm;

	x = fk_enrich_extra(e, &len);
	if (partition >= 0 && x != NULL)
		frontier(x, len);
	(void)fk_enrich_watermark(e, &wm);
	fk_enrich_track(e);
	fk_enrich_changes(e, 42, reapply, &c);
	if (c.failed)
		abort();
	fk_enrich_free(c.e);
	fk_enrich_free(e);
}

static void
adopt(void *arg, int32_t partition, struct fk_enrich *e)
{
	(void)arg;
	use(e, partition);
}

/* data as a file fk_enrich_load reads. */
static void
load_file(const unsigned char *data, size_t len)
{
	static int fd = -1;
	static char path[64];
	char err[1024];

	if (fd == -1) {
		fd = memfd_create("fuzz-state", 0);
		if (fd == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (len > 0 && pwrite(fd, data, len, 0) != (ssize_t)len))
		abort();
	err[0] = '\0';
	if (fk_enrich_load(&opts, path, adopt, NULL, err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		abort();
}

/* A state file around payload p, as state.c writes it. */
static void
load_payload(const unsigned char *p, size_t len, uint32_t version)
{
	static const char kind[] = "fk-enrich";
	size_t klen = sizeof(kind) - 1, n = 16 + klen + len + 8 + 32;
	unsigned char *f = malloc(n);
	struct fk_sha256 sha;

	if (f == NULL)
		abort();
	memcpy(f, "FKSTATE\n", 8);
	put_le(f + 8, version, 4);
	put_le(f + 12, klen, 4);
	memcpy(f + 16, kind, klen);
	if (len > 0)
		memcpy(f + 16 + klen, p, len);
	put_le(f + 16 + klen + len, len, 8);
	fk_sha256_init(&sha);
	fk_sha256_update(&sha, f, n - 32);
	fk_sha256_final(&sha, f + n - 32);
	load_file(f, n);
	free(f);
}

/* Changelog messages, read back in order as fk_changelog_restore does:
 * those after the last watermark message are left out. */
static void
load_changelog(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	struct fk_enrich *e = fk_enrich_new(&opts);
	int64_t offset = -1;

	fk_enrich_track(e);
	while (end - p >= 1) {
		size_t klen = *p++, vlen;
		const unsigned char *key = p, *value;

		if ((size_t)(end - p) < klen + 2)
			break;
		p += klen;
		vlen = (size_t)p[0] | (size_t)p[1] << 8;
		p += 2;
		if (vlen == 0xffff) {
			value = NULL;
			vlen = 0;
		} else {
			if ((size_t)(end - p) < vlen)
				break;
			value = p;
			p += vlen;
		}
		if (fk_enrich_apply(e, key, klen, value, vlen, &offset) != 0)
			break;
	}
	use(e, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	unsigned char *copy;

	if (len < 1)
		return 0;
	if (opts.nwin == 0)
		fk_enrich_opts_init(&opts);
	/* An exact copy: nothing may read past len. */
	copy = malloc(len > 1 ? len - 1 : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data + 1, len - 1);
	switch (data[0] & 3) {
	case 0:
		load_payload(copy, len - 1, data[0] & 4 ? 1 : 2);
		break;
	case 1:
		load_file(copy, len - 1);
		break;
	case 2:
		load_changelog(copy, len - 1);
		break;
	case 3:
		frontier(copy, len - 1);
		break;
	}
	free(copy);
	return 0;
}
