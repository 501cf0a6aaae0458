/* fk-enrich's --labels SRC: fraud labels that arrive apart from the
 * records, from a file or a topic (kafka:TOPIC), read whole at the start
 * and, from a topic, followed while the tool runs.  Library module:
 * never prints, never exits. */
#ifndef FK_LABELS_H
#define FK_LABELS_H

#include <stddef.h>

#include "config.h"
#include "enrich.h"
#include "follow.h"

struct fk_labels {
	const char *src;           /* the --labels argument; borrowed */
	struct fk_enrich_label *v; /* those read at the start, by time */
	size_t n, cap;
	struct fk_follow *follow; /* kafka:TOPIC: what comes later */
};

void fk_labels_init(struct fk_labels *l, const char *src);
void fk_labels_release(struct fk_labels *l);

/* Read every fraud label of l->src, parsed by e (its options decide the
 * entities), sorted by time; from a topic, then follow it.  0, or -1
 * with a message and the exit status it calls for in *code. */
int fk_labels_load(struct fk_labels *l, const struct fk_config *cfg,
    struct fk_enrich *e, int *code, char *err, size_t errlen);

/* The next fraud label that came in on the topic: 1 with *out, 0 when
 * there is none now, -2 for a label that does not parse (a message; go
 * on), -1 when the topic cannot be read (a message). */
int fk_labels_next(struct fk_labels *l, struct fk_enrich *e,
    struct fk_enrich_label *out, char *err, size_t errlen);

#endif
