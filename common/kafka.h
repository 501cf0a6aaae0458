/* Kafka producer and consumer for the runtime.  The only file that sees
 * rdkafka.h is kafka.c.  Library module: never prints, never exits;
 * librdkafka's own log lines go to the function set with
 * fk_kafka_set_logger(). */
#ifndef FK_KAFKA_H
#define FK_KAFKA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "keep.h"
#include "record.h"

struct fk_producer;
struct fk_consumer;

enum fk_off_kind {
	FK_OFF_NONE = 0, /* not given */
	FK_OFF_BEGINNING,
	FK_OFF_END,
	FK_OFF_STORED,   /* the group's committed offset */
	FK_OFF_ABSOLUTE, /* value */
	FK_OFF_TAIL,     /* value messages before the end */
	FK_OFF_TIME,     /* first message at or after value ms */
};

struct fk_offspec {
	enum fk_off_kind kind;
	int64_t value;
};

/* Parse one -o argument, like kcat: beginning, end, stored, N, -N,
 * s@MS (start time) into *start, e@MS (end time, exclusive) into *end. */
int fk_kafka_offset_parse(const char *arg, struct fk_offspec *start,
    struct fk_offspec *end, char *err, size_t errlen);

/* Partitions as a message lists them, "0-3" or "0,2,5-7": sorted, runs
 * joined; cut short with "..." when buf is too small. */
void fk_kafka_parts_format(
    const int32_t *parts, size_t n, char *buf, size_t len);

void fk_kafka_set_logger(
    void (*fn)(int level, const char *fac, const char *msg));

/* NULL, or librdkafka's words for the first time a broker refused our
 * SASL credentials, since when consumers and producers give up
 * (fk_consumer_next -2, fk_producer_send -1); borrowed. */
const char *fk_kafka_auth_error(void);

/* Check every pair of cfg against librdkafka's properties. */
int fk_kafka_config_check(
    const struct fk_config *cfg, char *err, size_t errlen);

/* Print librdkafka's configuration properties (-X list). */
void fk_kafka_config_list(FILE *fp);

/* librdkafka's version string, borrowed. */
const char *fk_kafka_version(void);

/* --- producer: idempotent, acks=all, key-hashed like the Java client. */

/* A new producer configured from cfg (after our defaults); compression
 * may be NULL.  Returns NULL with a message. */
struct fk_producer *fk_producer_new(const struct fk_config *cfg,
    const char *compression, char *err, size_t errlen);
void fk_producer_free(struct fk_producer *p);

/* A message header: name, and value of len bytes. */
struct fk_header {
	const char *name;
	const void *value;
	size_t len;
};

/* A record's sequence header: "TASK EPOCH SEQ", the input partition of
 * the stage that wrote it, that partition's state's epoch and the
 * record's number in its output (fk-enrich's hops: fk(7)). */
#define FK_SEQ_HEADER "fk-seq"

/* Queue a copy of value for topic, with header h unless NULL, and
 * timestamp ts_ms (0: now); waits while the local queue is full.  Returns 0; 1 with a message when this
 * message cannot be sent (larger than message.max.bytes); -1 with a
 * message for an error no message will get past (unknown topic, fatal
 * producer error). */
int fk_producer_send(struct fk_producer *p, const char *topic,
    const void *value, size_t len, const void *key, size_t keylen,
    const struct fk_header *h, int64_t ts_ms, char *err, size_t errlen);

/* Serve delivery reports, waiting at most timeout_ms. */
void fk_producer_poll(struct fk_producer *p, int timeout_ms);

/* Input would block: send what is queued now unless that was done less
 * than linger.ms ago (linger.ms sends it by then).  A record alone goes
 * at once; a stream goes in batches of linger.ms.  Returns 0 when nothing
 * waits (or it was sent at once, waiting up to 1 ms), else the ms at
 * least before the batch that a record queued now joins leaves. */
int fk_producer_idle(struct fk_producer *p);

/* The producer's linger.ms. */
int fk_producer_linger_ms(const struct fk_producer *p);

/* Wait until every queued message is delivered or failed, at most
 * timeout_ms (-1: no limit).  Returns the number still in flight. */
int fk_producer_flush(struct fk_producer *p, int timeout_ms);

/* Send value (NULL: a tombstone) to one partition of topic.  Same
 * returns as fk_producer_send. */
int fk_producer_send_to(struct fk_producer *p, const char *topic,
    int32_t partition, const void *value, size_t len, const void *key,
    size_t keylen, char *err, size_t errlen);

/* Send value with one header (name, hvalue of hlen bytes) and no key to
 * one partition of topic, with timestamp ts_ms (0: now): a control
 * message (watermark.h).  Same returns as fk_producer_send. */
int fk_producer_send_control(struct fk_producer *p, const char *topic,
    int32_t partition, const char *name, const void *hvalue, size_t hlen,
    const void *value, size_t len, int64_t ts_ms, char *err, size_t errlen);

/* Counters: messages queued, delivered, failed; the last failure. */
long long fk_producer_delivered(const struct fk_producer *p);
/* Messages and requests librdkafka holds, waiting to be sent or
 * acknowledged. */
long long fk_producer_queued(const struct fk_producer *p);
long long fk_producer_failed(const struct fk_producer *p);
const char *fk_producer_last_error(const struct fk_producer *p);

/* What topic keeps of the messages sent to it (keep.h), from the
 * broker's configuration of the topic or, when it does not exist yet and
 * the broker creates topics on first write, the broker's defaults; a
 * missing topic the broker will not create keeps everything (nothing
 * will be written).  Waits at most timeout_ms.  0, or -1 with a message
 * (an old broker, no permission to describe configs, no answer). */
int fk_producer_keep(struct fk_producer *p, const char *topic, int timeout_ms,
    struct fk_keep *k, char *err, size_t errlen);

/* --- consumer */

/* One partition's consumer lag, in messages: the end of the partition
 * (its high watermark, or its last stable offset when reading committed
 * messages only) minus the group's committed offset. */
struct fk_lag {
	const char *topic; /* borrowed */
	int32_t partition;
	int64_t lag;
};

/* The consumer lags in librdkafka's statistics JSON json[0..len): fn is
 * called once with every partition whose lag is known (not the
 * unassigned partition -1, not a lag of -1), n possibly 0; what it gets
 * is borrowed for the call.  0, or -1 when json is not statistics. */
int fk_kafka_stats_lag(const char *json, size_t len,
    void (*fn)(void *arg, const struct fk_lag *lags, size_t n), void *arg);

struct fk_consumer_opts {
	const char *topic;
	const char *group; /* NULL: assign every partition, no commits */
	struct fk_offspec start, end;
	int exit_eof; /* -e: done when every partition is at its end */
	/* Called before partitions are taken away (rebalance, close), so the
	 * caller can deliver its output and commit.  lost: the group took
	 * them already (this member's session timed out, or it was evicted),
	 * and may have given them to another member: the caller saves and
	 * commits nothing for them.  Given back, a partition lost or revoked
	 * with a failed commit starts where that commit would have put it
	 * (or where the group's committed offset is, if further), not
	 * before what was delivered. */
	void (*on_revoke)(void *arg, int lost);
	/* Partitions given to this consumer, before any of their messages:
	 * start[i] (initially -1) may be set to the offset to read parts[i]
	 * from instead of the committed one. */
	void (*on_assign)(
	    void *arg, const int32_t *parts, int64_t *start, size_t n);
	/* Partitions taken away, after on_revoke. */
	void (*on_drop)(void *arg, const int32_t *parts, size_t n);
	/* Group mode, no -o or -o stored: assigned partitions that hold
	 * messages but have no committed offset for the group, and so start
	 * at their end (auto.offset.reset); NULL: not looked up. */
	void (*on_fresh)(void *arg, const int32_t *parts, size_t n);
	/* librdkafka's statistics came, every statistics.interval.ms (set
	 * to stats_ms unless the configuration has it): the lags, as
	 * fk_kafka_stats_lag gives them, from fk_consumer_next (the
	 * caller's thread).  NULL: none asked for. */
	void (*on_lag)(void *arg, const struct fk_lag *lags, size_t n);
	int stats_ms;
	void *arg;
};

struct fk_consumer *fk_consumer_new(const struct fk_config *cfg,
    const struct fk_consumer_opts *opts, int *exitcode, char *err,
    size_t errlen);

/* Next message into rec (borrowed until the next call), waiting at most
 * timeout_ms.  Returns 1 for a message, 2 for a watermark control message
 * (one with the header FK_WATERMARK_HEADER: rec holds its value), 0 for
 * none yet, -1 when done
 * (every assigned partition at its end with -e, or past e@), -2 for a
 * fatal error with a message in err. */
int fk_consumer_next(struct fk_consumer *c, struct fk_rec *rec, int timeout_ms,
    char *err, size_t errlen);

/* Whether partition is caught up: its end was reached and no message
 * came since. */
int fk_consumer_at_end(const struct fk_consumer *c, int32_t partition);

/* The record at pos is fully handled: its offset may be committed. */
void fk_consumer_mark(struct fk_consumer *c, const struct fk_pos *pos);

/* The assigned partitions with records marked: up to max of them into
 * parts[] with the next offset of each in offsets[]; returns how many. */
size_t fk_consumer_marked(
    const struct fk_consumer *c, int32_t *parts, int64_t *offsets, size_t max);

/* Commit no further than offset in partition, the next time and until
 * called again (-1: no cap): the tool still holds records from there. */
void fk_consumer_cap(struct fk_consumer *c, int32_t partition, int64_t offset);

/* What a failed offset commit means for the run. */
enum fk_commit_fail {
	/* It passes by itself: the broker or the group's coordinator is
	 * away or moving, the group is rebalancing, or it evicted this
	 * member (which rejoins).  The next commit covers these offsets. */
	FK_COMMIT_AGAIN = 1,
	/* This commit failed; another may not. */
	FK_COMMIT_FAILED,
	/* None will succeed: no permission, a fatal error of the client. */
	FK_COMMIT_FATAL,
};

/* What a commit that failed with librdkafka's error code err means. */
enum fk_commit_fail fk_kafka_commit_failure(int err);

/* Commit what was marked (group mode only); synchronous: without a
 * coordinator it waits up to session.timeout.ms for one.  Returns 0, or
 * with a message the enum fk_commit_fail of the failure. */
int fk_consumer_commit(struct fk_consumer *c, char *err, size_t errlen);

/* How many partitions have offsets of delivered records that a commit
 * failed to commit and none has since: assigned ones, and those taken
 * away before (which start after them if given back). */
int fk_consumer_uncommitted(const struct fk_consumer *c);

/* Leave the group cleanly (on_revoke runs) and free everything. */
void fk_consumer_close(struct fk_consumer *c);

/* --- topics */

/* The partition count of topic: > 0, or -1 with a message. */
int fk_kafka_partitions(
    const struct fk_config *cfg, const char *topic, char *err, size_t errlen);

/* Create topic with partitions and nconfigs configs (name=value,
 * borrowed) unless it exists.  1 if it was made, 0 if it was there (as
 * it is, configs unchanged), or -1 with a message. */
int fk_kafka_topic_make(const struct fk_config *cfg, const char *topic,
    int partitions, const char *const *configs, size_t nconfigs, char *err,
    size_t errlen);

/* The broker's value of topic's config name, into buf.  0, or -1 with a
 * message. */
int fk_kafka_topic_config(const struct fk_config *cfg, const char *topic,
    const char *name, char *buf, size_t buflen, char *err, size_t errlen);

/* Read one partition of topic from its start to its end, calling fn for
 * each message (value NULL for a tombstone); a missing topic reads as
 * empty.  fn returns 0 to go on.  *end (if not NULL) is set to the offset
 * after the last message.  0, or -1 with a message. */
int fk_kafka_read_partition(const struct fk_config *cfg, const char *topic,
    int32_t partition, int64_t *end,
    int (*fn)(void *arg, const void *key, size_t keylen, const void *value,
        size_t len),
    void *arg, char *err, size_t errlen);

/* --- consumer groups and their offsets, for a report (fk-lag) */

struct fk_admin;

/* A handle for questions to the cluster, each answered within timeout_ms
 * or failed.  It asks for the cluster's brokers first, so that a cluster
 * that cannot be reached fails here.  NULL with a message and *exitcode
 * (FK_EX_CONFIG for a configuration librdkafka refuses,
 * FK_EX_UNAVAILABLE for no answer). */
struct fk_admin *fk_admin_new(const struct fk_config *cfg, int timeout_ms,
    int *exitcode, char *err, size_t errlen);
void fk_admin_free(struct fk_admin *ad);

/* The ids of the cluster's consumer groups, sorted, into *ids (new: each
 * string and the array are the caller's to free) and *n.  0, or -1 with
 * a message; some brokers failing to answer is -1 too, with the groups
 * the others listed. */
int fk_admin_groups(
    struct fk_admin *ad, char ***ids, size_t *n, char *err, size_t errlen);

/* A partition's committed offset. */
struct fk_offset {
	char *topic; /* owned */
	int32_t partition;
	int64_t offset;
};

/* The offsets group has committed, on every topic, into *offs (new:
 * free with fk_offsets_free) and *n; a group that does not exist has
 * none.  0, or -1 with a message. */
int fk_admin_committed(struct fk_admin *ad, const char *group,
    struct fk_offset **offs, size_t *n, char *err, size_t errlen);
void fk_offsets_free(struct fk_offset *offs, size_t n);

/* The partition count of topic: > 0; 0 with a message when there is no
 * such topic (asking never creates it); or -1 with a message. */
int fk_admin_partitions(
    struct fk_admin *ad, const char *topic, char *err, size_t errlen);

/* The low and high watermarks of a partition: the offset of its first
 * message kept and the offset after its last.  0, or -1 with a
 * message. */
int fk_admin_watermarks(struct fk_admin *ad, const char *topic,
    int32_t partition, int64_t *lo, int64_t *hi, char *err, size_t errlen);

/* The most control messages (watermark.h) fk_kafka_peek passes over in a
 * partition before it gives up looking for a record. */
#define FK_PEEK_MAX_CONTROL 10

/* One partition to look at: its first record at or after offset and
 * before end, passing over control messages. */
struct fk_peek {
	const char *topic; /* borrowed */
	int32_t partition;
	int64_t offset, end;
	/* The answer: found (1) or not (0: only control messages, or more
	 * than FK_PEEK_MAX_CONTROL of them, or none before end); answered
	 * is 0 when the broker did not answer in time or failed. */
	int answered, found;
	int64_t at;    /* the record's offset */
	int64_t ts_ms; /* its timestamp, -1 when it has none */
	int ts_append; /* the broker's append time, not the producer's */
	char *value;   /* a copy of its value (new, NUL-terminated), or NULL */
	size_t len;
};

/* Read the record each of pk[0..n) asks for, with a consumer of no group
 * (it assigns the partitions, reads and closes; nothing is committed),
 * waiting at most timeout_ms for each round of partitions (one round
 * for each time a partition comes again).  0 when every one was
 * answered, or -1 with the first failure's message.  The values are the
 * caller's to free. */
int fk_kafka_peek(const struct fk_config *cfg, struct fk_peek *pk, size_t n,
    int timeout_ms, char *err, size_t errlen);

/* --- transactions (--eos): a stage's output, its changelog and the
 * consumer's offsets committed together or not at all.  The offsets go
 * with the consumer's group metadata (KIP-447), so that a member the
 * group has moved on from cannot commit them. */

/* The transactional.id of a stage, into buf: "GROUP.TOOL.INSTANCE", the
 * instance being cfg's group.instance.id if set, else host.  The same
 * at every start, so that a restarted stage fences the one before it and
 * aborts what that one left open; two live stages must not share it. */
void fk_kafka_txn_id(const struct fk_config *cfg, const char *group,
    const char *tool, const char *host, char *buf, size_t len);

/* A transactional producer, transactional.id id: its transactions
 * initialized (those of an earlier producer with the id fenced and
 * aborted), waiting at most timeout_ms, and the first one begun.  NULL
 * with a message and *exitcode. */
struct fk_producer *fk_producer_new_txn(const struct fk_config *cfg,
    const char *compression, const char *id, int timeout_ms, int *exitcode,
    char *err, size_t errlen);

/* What a transaction came to. */
#define FK_TXN_OK 0      /* committed, or nothing to commit */
#define FK_TXN_ABORTED 1 /* aborted: read again from the last commit */
#define FK_TXN_FATAL -1  /* fenced or failed for good: stop */

/* Commit p's transaction with the offsets c would commit (fk_consumer_mark,
 * fk_consumer_cap; c NULL: none), waiting at most timeout_ms (-1: the
 * transaction's timeout), and begin the next.  FK_TXN_OK; FK_TXN_ABORTED
 * with why in err, the next transaction begun; FK_TXN_FATAL with a message
 * and *exitcode. */
int fk_txn_commit(struct fk_producer *p, struct fk_consumer *c, int timeout_ms,
    int *exitcode, char *err, size_t errlen);

/* Abort p's transaction and begin the next: FK_TXN_OK, or FK_TXN_FATAL
 * with a message and *exitcode. */
int fk_txn_abort(
    struct fk_producer *p, int *exitcode, char *err, size_t errlen);

/* The messages sent in p's transaction so far. */
unsigned long fk_txn_sent(const struct fk_producer *p);

/* After a send failed: FK_TXN_ABORTED when the transaction must be
 * aborted, FK_TXN_FATAL when the producer is fenced or failed for good
 * (message in err, *exitcode), FK_TXN_OK for neither. */
int fk_txn_failed(
    struct fk_producer *p, int *exitcode, char *err, size_t errlen);

/* The partitions assigned to c, up to max into parts; how many. */
size_t fk_consumer_assigned(
    const struct fk_consumer *c, int32_t *parts, size_t max);

/* Wait, at most timeout_ms, until no transaction in progress holds
 * offsets for parts[0..n) (a stage that had them and died, or was cut
 * off, before its commit or abort came through): what is restored for
 * them then matches the offsets the group has.  0, or -1 with a
 * message. */
int fk_consumer_stable(struct fk_consumer *c, const int32_t *parts, size_t n,
    int timeout_ms, char *err, size_t errlen);

/* Read parts[0..n) again: each from start[i] if it is >= 0, else from
 * its offset last committed, else from the first offset read since it
 * was assigned (nothing read: left as it is); marks and caps are
 * dropped.  0, or -1 with a message. */
int fk_consumer_rewind(struct fk_consumer *c, const int32_t *parts,
    const int64_t *start, size_t n, char *err, size_t errlen);

#endif
