/* SHA-256 (FIPS 180-4): list content hashes in fk-enrich, rule-set
 * identity in fk-score, the audit chain in fk-sink.  Library module. */
#ifndef FK_SHA256_H
#define FK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define FK_SHA256_LEN 32
#define FK_SHA256_HEXLEN 65 /* 64 hex digits and a NUL */

struct fk_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes so far */
	unsigned char buf[64];
	size_t nbuf;
};

void fk_sha256_init(struct fk_sha256 *c);
void fk_sha256_update(struct fk_sha256 *c, const void *data, size_t len);
void fk_sha256_final(struct fk_sha256 *c, unsigned char out[FK_SHA256_LEN]);

/* One call: the digest of data, as 64 lower-case hex digits in hex. */
void fk_sha256_hex(const void *data, size_t len, char hex[FK_SHA256_HEXLEN]);

/* For tests: on != 0 makes every context use the portable code even where
 * the CPU has the SHA extensions; 0 goes back to the fastest path. */
void fk_sha256_force_portable(int on);

#endif
