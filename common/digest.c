/* SHA-256 and base64 with OpenSSL's EVP interface.  The only file that
 * includes OpenSSL's headers. */
#include "digest.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "xalloc.h"
#include "banned.h"

/* Input bytes per EVP_EncodeBlock call: whole 3-byte groups, well
 * within its int counts. */
#define B64_CHUNK (3 * 16384)

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* With SHA-256 from OpenSSL's default provider the EVP calls fail only
 * when an allocation does: out of memory, fatal here as everywhere. */
static _Noreturn void
failed(void)
{
	fk_xalloc_fail("OpenSSL SHA-256");
}

static void
fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Fetched once and kept: EVP_sha256() would be looked up again in the
 * provider's tables at every init. */
static const EVP_MD *
md(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	if (sha256 == NULL)
		failed();
	return sha256;
}

void
fk_sha256_init(struct fk_sha256 *c)
{
	const EVP_MD *m = md();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL)
		failed();
	if (!EVP_DigestInit_ex(ctx, m, NULL)) {
		EVP_MD_CTX_free(ctx);
		failed();
	}
	c->evp = ctx;
}

void
fk_sha256_update(struct fk_sha256 *c, const void *data, size_t len)
{
	if (len > 0 && !EVP_DigestUpdate(c->evp, data, len))
		failed();
}

void
fk_sha256_final(struct fk_sha256 *c, unsigned char out[FK_SHA256_LEN])
{
	if (!EVP_DigestFinal_ex(c->evp, out, NULL))
		failed();
	fk_sha256_release(c);
}

void
fk_sha256_final_hex(struct fk_sha256 *c, char hex[FK_SHA256_HEXLEN])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[FK_SHA256_LEN];
	size_t i;

	fk_sha256_final(c, md);
	for (i = 0; i < FK_SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[2 * FK_SHA256_LEN] = '\0';
}

/* EVP_MD_CTX_free wipes the state it frees, and takes NULL. */
void
fk_sha256_release(struct fk_sha256 *c)
{
	EVP_MD_CTX_free(c->evp);
	c->evp = NULL;
}

void
fk_sha256_hex(const void *data, size_t len, char hex[FK_SHA256_HEXLEN])
{
	struct fk_sha256 c;

	fk_sha256_init(&c);
	fk_sha256_update(&c, data, len);
	fk_sha256_final_hex(&c, hex);
}

/* len bytes in memory are fewer than PTRDIFF_MAX: 4/3 of them cannot
 * overflow a size_t. */
char *
fk_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned char *out = fk_xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t n;

	*o = '\0';
	while (len > 0) {
		n = len < B64_CHUNK ? len : B64_CHUNK;
		/* Writes the NUL after what it encodes. */
		o += EVP_EncodeBlock(o, p, (int)n);
		p += n;
		len -= n;
	}
	return (char *)out;
}
