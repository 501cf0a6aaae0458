/* A fast non-cryptographic 64-bit hash, stable across platforms and
 * releases: tx_id values derived from it are stored by users. */
#ifndef FK_HASH_H
#define FK_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t fk_hash64(const void *data, size_t len, uint64_t seed);

#endif
