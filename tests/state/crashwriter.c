/* tests/state/crash's writer and checker.
 *
 * crashwriter PATH          write snapshots of PATH until killed, each
 *                           about 20 MB: one counter, repeated; the first
 *                           continues from the counter already in PATH
 * crashwriter --check PATH  load PATH, check that every word holds the same
 *                           counter and print it (0: no snapshot yet) */
#include "state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define KIND "fk-crash"
#define WORDS ((size_t)20 << 17) /* 20 MB of u64 */

/* The counter in path, 0 if there is no file yet; -1 with a message. */
static int
check(const char *path, uint64_t *counter, char *err, size_t errlen)
{
	struct fk_state_r r;
	uint64_t v;
	size_t i;
	int rc;

	*counter = 0;
	if ((rc = fk_state_load(&r, path, KIND, 1, err, errlen)) != 1)
		return rc;
	if (r.len != WORDS * 8) {
		snprintf(err, errlen, "%s: %zu bytes, want %zu", path, r.len,
		    WORDS * 8);
		fk_state_release(&r);
		return -1;
	}
	*counter = fk_state_get_u64(&r);
	for (i = 1; i < WORDS; i++)
		if ((v = fk_state_get_u64(&r)) != *counter) {
			snprintf(err, errlen,
			    "%s: word %zu holds %" PRIu64 ", not %" PRIu64,
			    path, i, v, *counter);
			fk_state_release(&r);
			return -1;
		}
	fk_state_release(&r);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fk_state_w w;
	uint64_t n;
	char err[1024];

	if (argc == 3 && strcmp(argv[1], "--check") == 0) {
		if (check(argv[2], &n, err, sizeof(err)) == -1) {
			fprintf(stderr, "crashwriter: %s\n", err);
			return 1;
		}
		printf("%" PRIu64 "\n", n);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: crashwriter [--check] path\n");
		return 64;
	}
	if (check(argv[1], &n, err, sizeof(err)) == -1) {
		fprintf(stderr, "crashwriter: %s\n", err);
		return 1;
	}
	for (;;) {
		n++;
		if (fk_state_begin(&w, argv[1], KIND, 1, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "crashwriter: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < WORDS; i++)
			fk_state_put_u64(&w, n);
		if (fk_state_commit(&w, err, sizeof(err)) == -1) {
			fprintf(stderr, "crashwriter: %s\n", err);
			return 1;
		}
	}
}
