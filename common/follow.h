/* Following a topic: the messages that come in while a tool runs, from
 * given offsets on, without a consumer group (fk-enrich's --labels
 * kafka:TOPIC after it has read what was there).  Library module: never
 * prints, never exits. */
#ifndef FK_FOLLOW_H
#define FK_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct fk_follow;

/* Follow every partition of topic from start[p] (the offset in partition
 * p, p < nstart; the others from their beginning).  NULL with a
 * message. */
struct fk_follow *fk_follow_open(const struct fk_config *cfg, const char *topic,
    const int64_t *start, size_t nstart, char *err, size_t errlen);

/* A message if one is there now: 1 with *data, *len (borrowed until the
 * next call; *data NULL for a tombstone), 0 when none, -1 with a
 * message. */
int fk_follow_next(struct fk_follow *f, const void **data, size_t *len,
    char *err, size_t errlen);

/* Close f and free it; NULL is fine. */
void fk_follow_close(struct fk_follow *f);

#endif
