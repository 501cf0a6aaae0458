/* fk-enrich's feature engine: per-user, per-merchant, per-terminal,
 * per-device and per-ip state on event time, and the features member it
 * adds to each record. */
#ifndef FK_ENRICH_H
#define FK_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "lists.h"
#include "places.h"

#define FK_ENRICH_MAXWIN 8

/* Entity kinds, as bits of fk_enrich_opts.kinds (--entities). */
#define FK_ENRICH_USER 0x01
#define FK_ENRICH_MERCHANT 0x02
#define FK_ENRICH_TERMINAL 0x04
#define FK_ENRICH_DEVICE 0x08
#define FK_ENRICH_IP 0x10
#define FK_ENRICH_ALL 0x1f

struct fk_enrich_opts {
	int64_t win[FK_ENRICH_MAXWIN]; /* velocity windows, ms, ascending */
	int nwin;
	double max_speed;        /* km/h */
	int64_t device_memory;   /* ms */
	int64_t lateness;        /* ms */
	int64_t label_delay;     /* ms, whole days */
	const char *label_field; /* NULL: no labels in the records */
	int ext_labels;          /* labels come with fk_enrich_labels */
	int tz_min;              /* offset of local time, minutes */
	size_t max_entities;     /* per kind; 0: no limit */
	/* --places, borrowed; NULL: the bundled gazetteer */
	const struct fk_place *places;
	size_t nplaces;
	struct fk_lists *lists; /* borrowed; may be empty */
	/* The kinds whose state is kept and whose features are computed
	 * (FK_ENRICH_* bits); features of the others already in the record
	 * are kept as they are. */
	unsigned kinds;
};

struct fk_enrich;

/* Defaults: windows 1m,10m,1h,24h,7d,30d, 900 km/h, 90d, 5m, 7d. */
void fk_enrich_opts_init(struct fk_enrich_opts *o);

/* Parse --windows ("1m,10m,1h"): 0, or -1 with a message. */
int fk_enrich_windows_parse(
    struct fk_enrich_opts *o, const char *s, char *err, size_t errlen);

/* Parse --entities ("user,merchant"): 0, or -1 with a message. */
int fk_enrich_entities_parse(
    struct fk_enrich_opts *o, const char *s, char *err, size_t errlen);

/* --tz: "+02:00", "-0530", "Z" or "UTC". */
int fk_enrich_tz_parse(
    struct fk_enrich_opts *o, const char *s, char *err, size_t errlen);

/* New engine, empty. */
struct fk_enrich *fk_enrich_new(const struct fk_enrich_opts *o);
void fk_enrich_free(struct fk_enrich *e);

/* The record with its features: 0 with *out (len *outlen; the engine's
 * memory, valid until the next call), the user_id as message key, and
 * the event time; -1 with a message when the record cannot be enriched
 * (not an object, no user_id, amount or time). */
int fk_enrich_record(struct fk_enrich *e, const char *data, size_t len,
    const char **out, size_t *outlen, const char **key, size_t *keylen,
    int64_t *ts_ms, char *err, size_t errlen);

/* The member field of the record fk_enrich_record last enriched, as a
 * message key (a string's content as written, or an integer's digits;
 * borrowed from that record): 0, or -1 when it has none. */
int fk_enrich_key(const struct fk_enrich *e, const char *field,
    const char **key, size_t *keylen);

/* The kinds computed (FK_ENRICH_* bits) for which the record last
 * enriched has an id other than key[0..keylen): their features come from
 * a partial view when the records are spread over partitions by key. */
unsigned fk_enrich_off_key(
    const struct fk_enrich *e, const char *key, size_t keylen);

/* "user", "merchant", ...: the name of the lowest kind bit in kinds. */
const char *fk_enrich_kind_name(unsigned kinds);

/* A record's event time and tx_id (borrowed from data; *txlen 0 when it
 * has none), without enriching it: 0, or -1 when it has no time (it will
 * be rejected). */
int fk_enrich_peek(struct fk_enrich *e, const char *data, size_t len,
    int64_t *t, const char **tx, size_t *txlen);

/* The newest event time the engine has seen: 1, or 0 when none. */
int fk_enrich_watermark(const struct fk_enrich *e, int64_t *wm);

/* Bytes saved and restored with the engine's state (--state, the
 * changelog) for its owner: a copy of p is kept (len 0: none). */
void fk_enrich_set_extra(struct fk_enrich *e, const void *p, size_t len);
/* Borrowed, or NULL. */
const void *fk_enrich_extra(const struct fk_enrich *e, size_t *len);

/* Evict what has been idle too long; call every few records. */
void fk_enrich_expire(struct fk_enrich *e);

/* One engine per input partition (-1: files and standard input). */
struct fk_enrich_part {
	int32_t partition;
	struct fk_enrich *e;
};

/* Save the engines to path atomically; 0, or -1 with a message. */
int fk_enrich_save(const struct fk_enrich_part *parts, size_t n,
    const char *path, char *err, size_t errlen);
/* Load path: each engine in it is made with o, filled, and handed to add
 * (which takes it) with its partition.  1, 0 when there is no file, -1
 * with a message (corrupt, foreign, or made with other options). */
int fk_enrich_load(const struct fk_enrich_opts *o, const char *path,
    void (*add)(void *arg, int32_t partition, struct fk_enrich *e), void *arg,
    char *err, size_t errlen);

/* A fraud label that arrives on its own: the entities of its
 * transaction and the transaction's time. */
struct fk_enrich_label {
	int64_t t;
	uint64_t key[3]; /* user, merchant, terminal */
	unsigned char has[3];
};

/* Parse a label record: {"user_id":..., "merchant_id":..., "terminal_id":
 * ... (one at least), "fraud":0|1, "ts_ms" or "timestamp": the
 * transaction's time}.  1 for a fraud label, 0 for a label of no fraud
 * (nothing to count), -1 with a message. */
int fk_enrich_label_parse(struct fk_enrich *e, const char *data, size_t len,
    struct fk_enrich_label *l, char *err, size_t errlen);

/* Labels to count (borrowed; sorted by t): each is counted, as a fraud of
 * its entities at its time, before the first record at or after that
 * time.  Those at or before the watermark of a state carried over were
 * counted by the run that made it and are skipped. */
void fk_enrich_labels(
    struct fk_enrich *e, const struct fk_enrich_label *l, size_t n);

/* Count one label now, a fraud of its entities on its transaction's
 * day (a label that came in while running). */
void fk_enrich_count_label(
    struct fk_enrich *e, const struct fk_enrich_label *l);

/* The key (one byte) of the watermark message that closes the changes
 * of one checkpoint in the changelog. */
#define FK_ENRICH_WATERMARK_KEY 0xff

/* Changelog (Kafka mode): track changes from now on. */
void fk_enrich_track(struct fk_enrich *e);

/* The changes since the last call as changelog messages, put(key, value)
 * (value NULL: the entity is gone), then one message with the watermark
 * and offset, the next input offset these changes cover. */
void fk_enrich_changes(struct fk_enrich *e, int64_t offset,
    void (*put)(void *arg, const void *key, size_t keylen, const void *value,
        size_t len),
    void *arg);

/* Apply one changelog message to e, read back in order; *offset is set
 * by the watermark message.  0, or -1 when it is not one of ours or was
 * made with other options. */
int fk_enrich_apply(struct fk_enrich *e, const void *key, size_t keylen,
    const void *value, size_t len, int64_t *offset);

struct fk_enrich_stats {
	long long late, evicted_lru, evicted_idle;
	size_t users, merchants, terminals, devices, ips;
	/* --label-field, this run: records by their label */
	long long labels_fraud, labels_legit, labels_missing, labels_unusable;
};
void fk_enrich_stats(const struct fk_enrich *e, struct fk_enrich_stats *st);

/* The last record's --label-field member as written, when it was there
 * but not a label (see fk_jmember_label), else NULL. */
const char *fk_enrich_bad_label(const struct fk_enrich *e, size_t *len);

#endif
