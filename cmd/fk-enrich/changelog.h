/* fk-enrich's changelog (--changelog TOPIC): each input partition's state
 * changes go, at every offset commit, to the same partition of a
 * compacted topic, closed by the engine's watermark message that carries
 * the input offset they cover; a member that takes the partition over
 * reads them back.  The messages are fk_enrich_changes()'s, so this
 * stays fk-enrich's own: the pipeline's other keyed stages are fk-enrich
 * too. */
#ifndef FK_CHANGELOG_H
#define FK_CHANGELOG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "enrich.h"

struct fk_rt;

/* Make topic, compacted, with as many partitions as the input topic from
 * (partition p's state in partition p), unless it exists.  0, or -1 with
 * a message. */
int fk_changelog_create(const struct fk_config *cfg, const char *topic,
    const char *from, char *err, size_t errlen);

/* What a restore found. */
struct fk_changelog_restored {
	int64_t offset; /* the input offset to resume at, or -1 */
	long long n;    /* changes applied */
	size_t left;    /* changes of an unfinished checkpoint, left out */
};

/* Read partition of topic into e (empty, tracking changes): every change
 * up to the last watermark message.  Those after it belong to a
 * checkpoint that never finished, whose offsets were never committed.
 * 0, or -1 with a message. */
int fk_changelog_restore(const struct fk_config *cfg, const char *topic,
    int32_t partition, struct fk_enrich *e, struct fk_changelog_restored *r,
    char *err, size_t errlen);

/* Send e's changes since the last call, and its watermark message for
 * input offset, to partition of topic through the runtime's producer
 * (delivered before the offset is committed).  0, or -1 after saying
 * why. */
int fk_changelog_write(struct fk_rt *rt, const char *topic, int32_t partition,
    struct fk_enrich *e, int64_t offset);

#endif
