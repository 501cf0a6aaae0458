/* Watermark control messages between the stages of a Kafka chain: a
 * message with the header FK_WATERMARK_HEADER (no key) whose value is a
 * small JSON object, {"topic":"tx","task":3,"tasks":4,"wm":1730419200685,
 * "idle":false}: the stage that read partition task of topic (of tasks
 * partitions) promises that every record it writes after this message
 * has an event time of at least wm; idle, that the partition is caught
 * up, so that readers need not wait for it.  An idle one may carry
 * "idle_at", when the chain's source went idle (its clock, ms): every
 * task made idle by that same pause says the same, so a reader tells a
 * task still idle from an earlier pause (whose records are yet to come)
 * from one idle in the latest.  They are never records.
 * Library module: never prints, never exits. */
#ifndef FK_WATERMARK_H
#define FK_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

#define FK_WATERMARK_HEADER "fk-watermark"

struct fk_watermark {
	char topic[256]; /* the upstream stage's input topic */
	int32_t task;    /* its input partition */
	int32_t tasks;   /* that topic's partition count */
	int64_t wm;      /* event time, ms */
	int idle;
	int64_t idle_at; /* with idle: the source's pause; 0: unknown */
};

/* Parse a message's value: 0, or -1 with a message. */
int fk_watermark_parse(const char *data, size_t len, struct fk_watermark *w,
    char *err, size_t errlen);

/* Write w as JSON into buf (NUL-terminated): its length, or -1 when it
 * does not fit. */
int fk_watermark_format(const struct fk_watermark *w, char *buf, size_t len);

#endif
