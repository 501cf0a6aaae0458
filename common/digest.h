/* SHA-256 and base64 through OpenSSL's libcrypto, which uses the CPU's
 * SHA instructions where there are some: list hashes and the state
 * file's checksum in fk-enrich, rule-set and model identity in fk-score,
 * alert ids in fk-alert, file hashes and the audit chain in fk-sink,
 * input_base64 in reject records.  Library module: never prints; out of
 * memory is fatal (xalloc). */
#ifndef FK_DIGEST_H
#define FK_DIGEST_H

#include <stddef.h>

#define FK_SHA256_LEN 32
#define FK_SHA256_HEXLEN 65 /* 64 hex digits and a NUL */

/* A SHA-256 in progress.  From init until final or release it owns an
 * OpenSSL context on the heap. */
struct fk_sha256 {
	void *evp; /* private: an EVP_MD_CTX */
};

/* Begin c, which must not be in progress (a new one, or one that final
 * or release ended). */
void fk_sha256_init(struct fk_sha256 *c);
void fk_sha256_update(struct fk_sha256 *c, const void *data, size_t len);
/* The digest into out.  This ends c and frees what it owned; init it to
 * hash again. */
void fk_sha256_final(struct fk_sha256 *c, unsigned char out[FK_SHA256_LEN]);
/* The same as 64 lower-case hex digits and a NUL. */
void fk_sha256_final_hex(struct fk_sha256 *c, char hex[FK_SHA256_HEXLEN]);
/* End c without a digest (an error path, a file given up): free what it
 * owns.  Does nothing to c after final or release, or zeroed. */
void fk_sha256_release(struct fk_sha256 *c);

/* One call: the digest of data, as 64 lower-case hex digits in hex. */
void fk_sha256_hex(const void *data, size_t len, char hex[FK_SHA256_HEXLEN]);

/* data in base64 (RFC 4648 section 4: "+/" and "=" padding, no line
 * breaks); a new string, the caller frees it. */
char *fk_base64_encode(const void *data, size_t len);

#endif
