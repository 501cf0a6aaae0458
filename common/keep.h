/* What a Kafka topic keeps of the messages written to it, judged by
 * their timestamps.  --to sends each record's event time as its message
 * timestamp (CreateTime), so the broker deletes history older than the
 * topic's retention.ms, and refuses timestamps beyond its
 * message.timestamp.* limits, before anyone reads them.  kafka.c fills a
 * struct fk_keep from the broker; the rest is arithmetic.  Library
 * module: never prints, never exits. */
#ifndef FK_KEEP_H
#define FK_KEEP_H

#include <stddef.h>
#include <stdint.h>

struct fk_keep {
	/* 0: the topic does not exist yet and the broker creates it on the
	 * first write, with its defaults (the values below are those). */
	int exists;
	/* message.timestamp.type=LogAppendTime: the broker stamps messages
	 * itself, so event times cannot make it delete anything. */
	int append_time;
	int64_t retention_ms;  /* -1: forever */
	int64_t before_max_ms; /* older timestamps refused; -1: no limit */
	int64_t after_max_ms;  /* newer timestamps refused; -1: no limit */
	/* The topic configs that set the limits (static strings):
	 * message.timestamp.before.max.ms and .after.max.ms, or the older
	 * brokers' message.timestamp.difference.max.ms for both. */
	const char *before_key, *after_key;
};

/* fk_keep_fate() bits: what the broker does with a message. */
#define FK_KEEP_DELETED 0x1 /* accepted, deleted at the next retention check */
#define FK_KEEP_TOO_OLD 0x2 /* refused: older than before_max_ms */
#define FK_KEEP_TOO_NEW 0x4 /* refused: newer than after_max_ms */

/* A topic that keeps everything. */
void fk_keep_init(struct fk_keep *k);

/* Timestamps in [*lo, *hi] are kept at now_ms; every other one has a
 * fate.  INT64_MIN, INT64_MAX when nothing is at risk. */
void fk_keep_window(
    const struct fk_keep *k, int64_t now_ms, int64_t *lo, int64_t *hi);

/* What the broker does at now_ms with a message timestamped ts_ms:
 * FK_KEEP_* bits, 0 when it keeps it. */
unsigned fk_keep_fate(const struct fk_keep *k, int64_t now_ms, int64_t ts_ms);

/* ms as a rounded-down span a person reads: "40 days", "1 hour",
 * "12 minutes", "5 seconds"; "forever" for -1. */
void fk_keep_span(int64_t ms, char *buf, size_t len);

/* The command that makes topic on brokers keep messages of fate:
 * kafka-configs.sh --alter for an existing topic, kafka-topics.sh
 * --create for a missing one.  Empty when fate is 0. */
void fk_keep_fix(const struct fk_keep *k, unsigned fate, const char *brokers,
    const char *topic, char *buf, size_t len);

#endif
