/* Watermark control messages between the stages of a Kafka chain: a
 * message with the header FK_WATERMARK_HEADER (no key) whose value is a
 * small JSON object, {"topic":"tx","task":3,"tasks":4,"wm":1730419200685,
 * "idle":false}: the stage that read partition task of topic (of tasks
 * partitions) promises that every record it writes after this message
 * has an event time of at least wm; idle, that the partition is caught
 * up, so that readers need not wait for it.  They are never records.
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
};

/* Parse a message's value of the single form: 0, or -1 with a message. */
int fk_watermark_parse(const char *data, size_t len, struct fk_watermark *w,
    char *err, size_t errlen);

/* Write w as JSON into buf (NUL-terminated): its length, or -1 when it
 * does not fit. */
int fk_watermark_format(const struct fk_watermark *w, char *buf, size_t len);

/* A stage that reads several partitions of topic sends their marks in one
 * message, {"topic":"tx","tasks":4,"marks":[{"task":0,"wm":1730419200685,
 * "idle":false},...]}: the same as that many single messages, in the
 * order of "marks". */
#define FK_WATERMARK_MARKS_MAX 1000 /* marks in one message */

struct fk_watermarks {
	struct fk_watermark *w; /* n marks, in the message's order */
	size_t n, cap;
};

/* Parse a message's value, of either form, into ws (grown as needed):
 * 0, or -1 with a message (ws->n 0). */
int fk_watermarks_parse(const char *data, size_t len, struct fk_watermarks *ws,
    char *err, size_t errlen);
void fk_watermarks_free(struct fk_watermarks *ws);

/* Write n marks (1 to FK_WATERMARK_MARKS_MAX) of one topic and tasks as
 * one message, the single form for one, into buf (NUL-terminated): its
 * length, or -1 when it does not fit or n is out of range. */
int fk_watermarks_format(
    const struct fk_watermark *w, size_t n, char *buf, size_t len);

/* A buffer size that fits any n marks' message. */
size_t fk_watermarks_size(size_t n);

#endif
