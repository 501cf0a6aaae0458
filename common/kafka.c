#include "kafka.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fktime.h"
#include "numbers.h"
#include "watermark.h"
#include "xalloc.h"
#include "banned.h"

static void (*logger)(int, const char *, const char *);

/* The first time a broker refused our SASL credentials: librdkafka would
 * try again until message.timeout.ms, but the answer will be the same.
 * Set by error_cb, which runs in the thread that polls. */
static _Atomic int auth_failed;
static char auth_reason[512];

void
fk_kafka_set_logger(void (*fn)(int, const char *, const char *))
{
	logger = fn;
}

const char *
fk_kafka_auth_error(void)
{
	return auth_failed ? auth_reason : NULL;
}

/* librdkafka's configuration dump (debug=conf) shows its sensitive
 * properties as [redacted] itself (test_kafka holds it to that). */
static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (logger != NULL)
		logger(level, fac, buf);
}

static void
error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && !auth_failed) {
		snprintf(auth_reason, sizeof(auth_reason), "%s", reason);
		auth_failed = 1;
	}
	if (logger != NULL)
		logger(err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ? 3 : 4,
		    rd_kafka_err2name(err), reason);
}

/* rd_kafka_metadata, in slices of 1, 2, 4 ... seconds (a slow broker
 * still has the time to answer one) with rk's errors served between them
 * (by the consumer poll where rd_kafka_poll_set_consumer was called:
 * nothing is assigned yet), so that refused credentials end the wait
 * with _AUTHENTICATION rather than a timeout. */
static rd_kafka_resp_err_t
metadata(rd_kafka_t *rk, int consumer, rd_kafka_topic_t *rkt,
    const struct rd_kafka_metadata **md, int timeout_ms)
{
	int64_t end = fk_time_mono_ms() + timeout_ms, left, slice = 1000;
	rd_kafka_message_t *m;
	rd_kafka_resp_err_t e;

	for (;; slice *= 2) {
		left = end - fk_time_mono_ms();
		if (left < 0)
			left = 0;
		e = rd_kafka_metadata(
		    rk, 0, rkt, md, (int)(left < slice ? left : slice));
		if (e != RD_KAFKA_RESP_ERR__TIMED_OUT &&
		    e != RD_KAFKA_RESP_ERR__TRANSPORT)
			return e;
		if (consumer) {
			if ((m = rd_kafka_consumer_poll(rk, 0)) != NULL)
				rd_kafka_message_destroy(m);
		} else {
			rd_kafka_poll(rk, 0);
		}
		if (auth_failed)
			return RD_KAFKA_RESP_ERR__AUTHENTICATION;
		if (fk_time_mono_ms() >= end)
			return e;
	}
}

/* A metadata error in words: librdkafka's for refused credentials. */
static const char *
metadata_str(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR__AUTHENTICATION && auth_failed
	    ? auth_reason
	    : rd_kafka_err2str(e);
}

const char *
fk_kafka_version(void)
{
	return rd_kafka_version_str();
}

int
fk_kafka_offset_parse(const char *arg, struct fk_offspec *start,
    struct fk_offspec *end, char *err, size_t errlen)
{
	long long v;
	char e[200];

	if (strcmp(arg, "beginning") == 0) {
		start->kind = FK_OFF_BEGINNING;
	} else if (strcmp(arg, "end") == 0) {
		start->kind = FK_OFF_END;
	} else if (strcmp(arg, "stored") == 0) {
		start->kind = FK_OFF_STORED;
	} else if (strncmp(arg, "s@", 2) == 0 || strncmp(arg, "e@", 2) == 0) {
		if (fk_num_int(arg + 2, 0, INT64_MAX, &v, e, sizeof(e)) == -1)
			goto bad;
		if (arg[0] == 's') {
			start->kind = FK_OFF_TIME;
			start->value = v;
		} else {
			end->kind = FK_OFF_TIME;
			end->value = v;
		}
	} else if (arg[0] == '-') {
		if (fk_num_int(arg + 1, 1, INT64_MAX, &v, e, sizeof(e)) == -1)
			goto bad;
		start->kind = FK_OFF_TAIL;
		start->value = v;
	} else {
		if (fk_num_int(arg, 0, INT64_MAX, &v, e, sizeof(e)) == -1)
			goto bad;
		start->kind = FK_OFF_ABSOLUTE;
		start->value = v;
	}
	return 0;
bad:
	snprintf(err, errlen,
	    "expected beginning, end, stored, N, -N, s@MS or e@MS, got \"%s\"",
	    arg);
	return -1;
}

static int
cmp_part(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

void
fk_kafka_parts_format(const int32_t *parts, size_t n, char *buf, size_t len)
{
	int32_t *p = fk_xcalloc(n + 1, sizeof(*p));
	size_t i = 0, j, at = 0;
	int w;

	if (len == 0) {
		free(p);
		return;
	}
	buf[0] = '\0';
	memcpy(p, parts, n * sizeof(*p));
	qsort(p, n, sizeof(*p), cmp_part);
	while (i < n) {
		for (j = i; j + 1 < n && p[j + 1] <= p[j] + 1; j++)
			;
		if (p[j] == p[i])
			w = snprintf(buf + at, len - at, "%s%d", at ? "," : "",
			    (int)p[i]);
		else
			w = snprintf(buf + at, len - at, "%s%d-%d",
			    at ? "," : "", (int)p[i], (int)p[j]);
		if (w < 0 || (size_t)w >= len - at) {
			/* Cut at the last whole item. */
			if (len >= 4) {
				at = at + 4 <= len ? at : len - 4;
				snprintf(buf + at, len - at, "...");
			}
			break;
		}
		at += (size_t)w;
		i = j + 1;
	}
	free(p);
}

/* librdkafka's messages sometimes end in a newline. */
static const char *
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

/* Apply cfg to conf; -1 with "origin: message" for a bad pair. */
static int
conf_apply(rd_kafka_conf_t *conf, const struct fk_config *cfg, char *err,
    size_t errlen)
{
	char e[512];

	for (size_t i = 0; i < cfg->n; i++) {
		const struct fk_kv *kv = &cfg->kv[i];

		if (rd_kafka_conf_set(conf, kv->key, kv->value, e, sizeof(e)) !=
		    RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "%s: %s", kv->origin, chomp(e));
			return -1;
		}
	}
	return 0;
}

int
fk_kafka_config_check(const struct fk_config *cfg, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int rc = conf_apply(conf, cfg, err, errlen);

	rd_kafka_conf_destroy(conf);
	return rc;
}

void
fk_kafka_config_list(FILE *fp)
{
	rd_kafka_conf_properties_show(fp);
}

/* Set key, value pairs (NULL-ended) on conf; -1 with a message, after
 * "origin: " when origin is not NULL. */
static int
pairs_set(rd_kafka_conf_t *conf, const char *const *pairs, const char *origin,
    char *err, size_t errlen)
{
	char e[512];

	for (size_t i = 0; pairs != NULL && pairs[i] != NULL; i += 2)
		if (rd_kafka_conf_set(conf, pairs[i], pairs[i + 1], e,
		        sizeof(e)) != RD_KAFKA_CONF_OK) {
			if (origin != NULL)
				snprintf(
				    err, errlen, "%s: %s", origin, chomp(e));
			else
				snprintf(err, errlen, "%s", chomp(e));
			return -1;
		}
	return 0;
}

/* What one handle needs besides the user's configuration. */
struct handle_spec {
	rd_kafka_type_t type;
	const char *const *defaults; /* before the user's pairs */
	const char *const *forced;   /* after them: our options win */
	const char *forced_origin;   /* names a bad forced pair, or NULL */
	void (*dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *);
	void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
	    rd_kafka_topic_partition_list_t *, void *);
	int (*stats_cb)(rd_kafka_t *, char *, size_t, void *);
	void *opaque; /* given to every callback */
};

/* Every librdkafka handle is made here: our logging, hs->defaults, the
 * user's pairs, hs->forced, the callbacks, then rd_kafka_new().  Returns
 * a new handle the caller destroys, or NULL with a message; the conf is
 * freed on every path. */
static rd_kafka_t *
handle_new(const struct fk_config *cfg, const struct handle_spec *hs, char *err,
    size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	char e[512];

	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	if (pairs_set(conf, hs->defaults, NULL, err, errlen) == -1 ||
	    conf_apply(conf, cfg, err, errlen) == -1 ||
	    pairs_set(conf, hs->forced, hs->forced_origin, err, errlen) == -1) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	if (hs->dr_msg_cb != NULL)
		rd_kafka_conf_set_dr_msg_cb(conf, hs->dr_msg_cb);
	if (hs->rebalance_cb != NULL)
		rd_kafka_conf_set_rebalance_cb(conf, hs->rebalance_cb);
	if (hs->stats_cb != NULL)
		rd_kafka_conf_set_stats_cb(conf, hs->stats_cb);
	rd_kafka_conf_set_opaque(conf, hs->opaque);
	/* rd_kafka_new() takes conf only when it succeeds. */
	if ((rk = rd_kafka_new(hs->type, conf, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s", e);
		rd_kafka_conf_destroy(conf);
	}
	return rk;
}

/* ---------------------------------------------------------------- */

struct fk_producer {
	rd_kafka_t *rk;
	unsigned long sent;
	long long delivered, failed;
	char lasterr[256];
	/* --eos: the messages sent before the transaction began, and why
	 * the last send was refused */
	int txn;
	unsigned long txn_base;
	rd_kafka_resp_err_t send_err;
	char txn_id[256];
	/* fk_producer_idle: linger.ms, and when it last sent at once and
	 * how many messages had been queued by then */
	int linger_ms;
	int64_t nudged_ms;
	unsigned long nudged_sent;
};

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct fk_producer *p = opaque;

	(void)rk;
	if (m->err) {
		p->failed++;
		snprintf(p->lasterr, sizeof(p->lasterr), "%s",
		    rd_kafka_err2str(m->err));
	} else {
		p->delivered++;
	}
}

/* The producer's linger.ms, as configured (librdkafka's own default when
 * unset). */
static void
producer_linger(struct fk_producer *p)
{
	char v[64], e[128];
	size_t n = sizeof(v);
	double ms;

	p->linger_ms = 5;
	if (rd_kafka_conf_get(rd_kafka_conf(p->rk), "linger.ms", v, &n) ==
	        RD_KAFKA_CONF_OK &&
	    fk_num_double(v, 0, 900000, &ms, e, sizeof(e)) == 0)
		p->linger_ms = (int)ms;
}

struct fk_producer *
fk_producer_new(const struct fk_config *cfg, const char *compression, char *err,
    size_t errlen)
{
	static const char *const defaults[] = {
		"enable.idempotence",
		"true",
		"acks",
		"all",
		/* Same partition for a key as the Java client. */
		"partitioner",
		"murmur2_random",
		"linger.ms",
		"5",
		NULL,
	};
	const char *const forced[] = { "compression.codec", compression, NULL };
	struct fk_producer *p = fk_xcalloc(1, sizeof(*p));
	struct handle_spec hs = {
		.type = RD_KAFKA_PRODUCER,
		.defaults = defaults,
		.forced = compression != NULL ? forced : NULL,
		.forced_origin = "-z",
		.dr_msg_cb = dr_cb,
		.opaque = p,
	};

	if ((p->rk = handle_new(cfg, &hs, err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	producer_linger(p);
	return p;
}

void
fk_producer_free(struct fk_producer *p)
{
	if (p == NULL)
		return;
	rd_kafka_destroy(p->rk);
	free(p);
}

/* One message to partition (RD_KAFKA_PARTITION_UA: by the key), with
 * header h unless NULL. */
static int
produce(struct fk_producer *p, const char *topic, int32_t partition,
    const void *value, size_t len, const void *key, size_t keylen,
    const struct fk_header *h, int64_t ts_ms, char *err, size_t errlen)
{
	rd_kafka_headers_t *hs = NULL;
	rd_kafka_resp_err_t e;

	for (;;) {
		if (h != NULL && hs == NULL) {
			hs = rd_kafka_headers_new(1);
			rd_kafka_header_add(
			    hs, h->name, -1, h->value, (ssize_t)h->len);
		}
		/* On success the message owns the headers. */
		e = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic),
		    RD_KAFKA_V_PARTITION(partition),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_VALUE((void *)(uintptr_t)value, len),
		    RD_KAFKA_V_KEY(key, keylen), RD_KAFKA_V_HEADERS(hs),
		    RD_KAFKA_V_TIMESTAMP(ts_ms), RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			hs = NULL;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		/* Back-pressure: wait for deliveries to make room. */
		rd_kafka_poll(p->rk, 50);
		if (auth_failed) {
			if (hs != NULL)
				rd_kafka_headers_destroy(hs);
			snprintf(err, errlen, "%s", auth_reason);
			return -1;
		}
	}
	p->send_err = e;
	if (hs != NULL)
		rd_kafka_headers_destroy(hs);
	if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		snprintf(err, errlen,
		    "%s: a message of %zu bytes is larger than message.max.bytes",
		    topic, len);
		return 1;
	}
	if (e) {
		snprintf(err, errlen, "%s: %s", topic, rd_kafka_err2str(e));
		return -1;
	}
	/* Delivery reports wait a little: polling locks queues. */
	if (++p->sent % 64 == 0)
		rd_kafka_poll(p->rk, 0);
	return 0;
}

int
fk_producer_send(struct fk_producer *p, const char *topic, const void *value,
    size_t len, const void *key, size_t keylen, const struct fk_header *h,
    int64_t ts_ms, char *err, size_t errlen)
{
	return produce(p, topic, RD_KAFKA_PARTITION_UA, value, len, key, keylen,
	    h, ts_ms, err, errlen);
}

int
fk_producer_send_to(struct fk_producer *p, const char *topic, int32_t partition,
    const void *value, size_t len, const void *key, size_t keylen, char *err,
    size_t errlen)
{
	return produce(
	    p, topic, partition, value, len, key, keylen, NULL, 0, err, errlen);
}

void
fk_producer_poll(struct fk_producer *p, int timeout_ms)
{
	rd_kafka_poll(p->rk, timeout_ms);
}

/* Nagle's rule with linger.ms for the ack: a message that waits alone
 * goes at once, and after that the producer's own linger.ms batches what
 * follows, so a stream costs a request per linger.ms, not per pause. */
int
fk_producer_idle(struct fk_producer *p)
{
	int64_t now, left;

	if (p->sent == p->nudged_sent)
		return 0;
	now = fk_time_mono_ms();
	left = p->nudged_ms + p->linger_ms - now;
	if (left > 0)
		return (int)left;
	p->nudged_ms = now;
	p->nudged_sent = p->sent;
	/* A flush sends what is queued without waiting for linger.ms, for
	 * as long as it lasts: 1 ms is enough for the broker threads to see
	 * it. */
	rd_kafka_flush(p->rk, 1);
	return 0;
}

int
fk_producer_linger_ms(const struct fk_producer *p)
{
	return p->linger_ms;
}

int
fk_producer_flush(struct fk_producer *p, int timeout_ms)
{
	rd_kafka_flush(p->rk, timeout_ms);
	return rd_kafka_outq_len(p->rk);
}

long long
fk_producer_delivered(const struct fk_producer *p)
{
	return p->delivered;
}

long long
fk_producer_queued(const struct fk_producer *p)
{
	return rd_kafka_outq_len(p->rk);
}

long long
fk_producer_failed(const struct fk_producer *p)
{
	return p->failed;
}

const char *
fk_producer_last_error(const struct fk_producer *p)
{
	return p->lasterr;
}

int
fk_producer_send_control(struct fk_producer *p, const char *topic,
    int32_t partition, const char *name, const void *hvalue, size_t hlen,
    const void *value, size_t len, int64_t ts_ms, char *err, size_t errlen)
{
	struct fk_header h = { name, hvalue, hlen };

	return produce(
	    p, topic, partition, value, len, NULL, 0, &h, ts_ms, err, errlen);
}

/* --- what a topic keeps (keep.h) */

/* A limit in ms from a config value: Kafka's "no limit" (INT64_MAX) and
 * anything unreadable are -1. */
static int64_t
keep_ms(const char *v)
{
	long long n;
	char e[64];

	if (v == NULL || fk_num_int(v, -1, INT64_MAX, &n, e, sizeof(e)) == -1 ||
	    n == INT64_MAX)
		return -1;
	return n;
}

/* The tighter of two limits (-1: none). */
static int64_t
keep_min(int64_t a, int64_t b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Fill k from the entries of a topic (prefix "") or a broker (prefix
 * "log."); *auto_create from a broker's auto.create.topics.enable. */
static void
keep_fill(struct fk_keep *k, const rd_kafka_ConfigResource_t *res,
    const char *prefix, int *auto_create)
{
	const rd_kafka_ConfigEntry_t **ents;
	int64_t ret_ms = -2, ret_min = -2, ret_h = -2, before = -1, after = -1;
	int64_t diff = -1;
	size_t n, plen = strlen(prefix);
	int have_before = 0, deletes = 1;

	ents = rd_kafka_ConfigResource_configs(res, &n);
	for (size_t i = 0; i < n; i++) {
		const char *name = rd_kafka_ConfigEntry_name(ents[i]);
		const char *v = rd_kafka_ConfigEntry_value(ents[i]);

		if (strcmp(name, "auto.create.topics.enable") == 0) {
			*auto_create = v != NULL && strcmp(v, "true") == 0;
			continue;
		}
		if (strncmp(name, prefix, plen) != 0 || v == NULL)
			continue;
		name += plen;
		if (strcmp(name, "retention.ms") == 0)
			ret_ms = keep_ms(v);
		else if (strcmp(name, "retention.minutes") == 0)
			ret_min = keep_ms(v);
		else if (strcmp(name, "retention.hours") == 0)
			ret_h = keep_ms(v);
		else if (strcmp(name, "cleanup.policy") == 0)
			deletes = strstr(v, "delete") != NULL;
		else if (strcmp(name, "message.timestamp.type") == 0)
			k->append_time = strcmp(v, "LogAppendTime") == 0;
		else if (strcmp(name, "message.timestamp.before.max.ms") == 0) {
			before = keep_ms(v);
			have_before = 1;
		} else if (strcmp(name, "message.timestamp.after.max.ms") == 0)
			after = keep_ms(v);
		else if (strcmp(name, "message.timestamp.difference.max.ms") ==
		    0)
			diff = keep_ms(v);
	}
	/* A broker's log.retention.ms wins over .minutes, then .hours. */
	if (ret_ms != -2)
		k->retention_ms = ret_ms;
	else if (ret_min >= 0)
		k->retention_ms = ret_min * 60000;
	else if (ret_h >= 0)
		k->retention_ms = ret_h * 3600000;
	/* Retention deletes only under cleanup.policy=delete: a compacted
	 * topic keeps every key's last message whatever its age. */
	if (!deletes)
		k->retention_ms = -1;
	/* Brokers before 3.6 have one limit both ways, 4.0 dropped it. */
	if (!have_before) {
		k->before_key = k->after_key =
		    "message.timestamp.difference.max.ms";
		k->before_max_ms = k->after_max_ms = diff;
	} else {
		k->before_max_ms = keep_min(before, diff);
		k->after_max_ms = keep_min(after, diff);
	}
}

/* Describe one resource; the result's event is the caller's (NULL with a
 * message on failure), *res borrowed from it. */
static rd_kafka_event_t *
describe(rd_kafka_t *rk, rd_kafka_ResourceType_t type, const char *name,
    int timeout_ms, const rd_kafka_ConfigResource_t **res, char *err,
    size_t errlen)
{
	rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(type, name);
	rd_kafka_AdminOptions_t *ao =
	    rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	const rd_kafka_ConfigResource_t **rs;
	rd_kafka_event_t *ev;
	char e[256];
	size_t n = 0;

	rd_kafka_AdminOptions_set_request_timeout(ao, timeout_ms, e, sizeof(e));
	rd_kafka_DescribeConfigs(rk, &cr, 1, ao, q);
	ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
	if (ev == NULL) {
		snprintf(err, errlen, "describing %s timed out", name);
	} else if (rd_kafka_event_error(ev)) {
		snprintf(err, errlen, "describing %s: %s", name,
		    rd_kafka_event_error_string(ev));
	} else if ((rs = rd_kafka_DescribeConfigs_result_resources(
	                rd_kafka_event_DescribeConfigs_result(ev), &n)) ==
	        NULL ||
	    n != 1) {
		snprintf(err, errlen, "describing %s: no result", name);
	} else {
		*res = rs[0];
		goto out;
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	ev = NULL;
out:
	rd_kafka_queue_destroy(q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_ConfigResource_destroy(cr);
	return ev;
}

/* The defaults a missing topic gets from the broker we are connected to. */
static int
keep_broker(struct fk_producer *p, const char *topic, int timeout_ms,
    struct fk_keep *k, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	const rd_kafka_ConfigResource_t *res;
	rd_kafka_event_t *ev;
	rd_kafka_resp_err_t e;
	char id[16];
	int auto_create = 0;

	e = metadata(p->rk, 0, NULL, &md, timeout_ms);
	if (e || md->broker_cnt == 0) {
		snprintf(err, errlen, "%s: metadata: %s", topic,
		    e ? metadata_str(e) : "no brokers");
		if (md != NULL)
			rd_kafka_metadata_destroy(md);
		return -1;
	}
	snprintf(id, sizeof(id), "%d", (int)md->brokers[0].id);
	rd_kafka_metadata_destroy(md);
	ev = describe(
	    p->rk, RD_KAFKA_RESOURCE_BROKER, id, timeout_ms, &res, err, errlen);
	if (ev == NULL)
		return -1;
	if ((e = rd_kafka_ConfigResource_error(res)) != 0) {
		snprintf(err, errlen, "broker %s: %s", id,
		    rd_kafka_ConfigResource_error_string(res)
		        ? rd_kafka_ConfigResource_error_string(res)
		        : rd_kafka_err2str(e));
		rd_kafka_event_destroy(ev);
		return -1;
	}
	keep_fill(k, res, "log.", &auto_create);
	rd_kafka_event_destroy(ev);
	/* Not created: nothing gets written, so nothing is lost. */
	if (!auto_create)
		fk_keep_init(k);
	k->exists = 0;
	return 0;
}

int
fk_producer_keep(struct fk_producer *p, const char *topic, int timeout_ms,
    struct fk_keep *k, char *err, size_t errlen)
{
	const rd_kafka_ConfigResource_t *res;
	rd_kafka_event_t *ev;
	rd_kafka_resp_err_t e;
	int unused = 0, rc = 0;

	fk_keep_init(k);
	ev = describe(p->rk, RD_KAFKA_RESOURCE_TOPIC, topic, timeout_ms, &res,
	    err, errlen);
	if (ev == NULL)
		return -1;
	e = rd_kafka_ConfigResource_error(res);
	if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		rc = keep_broker(p, topic, timeout_ms, k, err, errlen);
	} else if (e) {
		snprintf(err, errlen, "%s: %s", topic,
		    rd_kafka_ConfigResource_error_string(res)
		        ? rd_kafka_ConfigResource_error_string(res)
		        : rd_kafka_err2str(e));
		rc = -1;
	} else {
		keep_fill(k, res, "", &unused);
	}
	rd_kafka_event_destroy(ev);
	return rc;
}

/* ---------------------------------------------------------------- */

/* What we know of one partition. */
struct part {
	int assigned;
	int done;       /* at end (-e) or past e@: paused */
	int64_t marked; /* next offset to commit, or -1 */
	int64_t committed;
	int64_t cap; /* commit no further than this, or -1 */
	/* A commit of this offset failed: the output of the records before
	 * it was delivered.  -1: none. */
	int64_t failed;
	/* Taken away after that: where it starts if given back (kept while
	 * not assigned), or -1. */
	int64_t resume;
	/* --eos: where an aborted transaction reads again from (its last
	 * commit, or the first offset read since the assignment), or -1. */
	int64_t rewind;
};

static const struct part part_none = { 0, 0, -1, -1, -1, -1, -1, -1 };

struct fk_consumer {
	rd_kafka_t *rk;
	struct fk_consumer_opts o;
	char *topic;
	struct part *parts;
	int nparts;
	int nassigned, ndone;
	int started; /* saw at least one assignment */
	rd_kafka_message_t *cur;
	char err[512];
	int fatal;
	unsigned char *at_end; /* per partition: caught up */
	int nat_end;
	int reset_end; /* a partition without a commit starts at its end */
	/* --eos, per partition: where an aborted transaction reads again
	 * from (the offset committed, else the first read), or -1 */
};

static struct part *
part_get(struct fk_consumer *c, int32_t partition)
{
	if (partition >= c->nparts) {
		int n = partition + 16;

		c->parts = fk_xrealloc(c->parts, (size_t)n * sizeof(*c->parts));
		for (int i = c->nparts; i < n; i++)
			c->parts[i] = part_none;
		c->nparts = n;
	}
	return &c->parts[partition];
}

/* Start offsets for an assignment, per the -o start spec. */
static int
set_start_offsets(struct fk_consumer *c, rd_kafka_topic_partition_list_t *parts,
    char *err, size_t errlen)
{
	rd_kafka_resp_err_t e;
	int64_t off;

	for (int i = 0; i < parts->cnt; i++) {
		switch (c->o.start.kind) {
		case FK_OFF_BEGINNING:
			off = c->o.group ? RD_KAFKA_OFFSET_INVALID
			                 : RD_KAFKA_OFFSET_BEGINNING;
			break;
		case FK_OFF_END:
			off = c->o.group ? RD_KAFKA_OFFSET_INVALID
			                 : RD_KAFKA_OFFSET_END;
			break;
		case FK_OFF_ABSOLUTE:
			off = c->o.start.value;
			break;
		case FK_OFF_TAIL:
			off = RD_KAFKA_OFFSET_TAIL(c->o.start.value);
			break;
		case FK_OFF_TIME:
			off = c->o.start.value;
			break;
		case FK_OFF_NONE:
		case FK_OFF_STORED:
		default:
			off = c->o.group ? RD_KAFKA_OFFSET_INVALID
			                 : RD_KAFKA_OFFSET_BEGINNING;
			break;
		}
		parts->elems[i].offset = off;
	}
	if (c->o.start.kind != FK_OFF_TIME)
		return 0;
	e = rd_kafka_offsets_for_times(c->rk, parts, 30000);
	if (e) {
		snprintf(err, errlen, "%s: looking up offsets for s@%lld: %s",
		    c->topic, (long long)c->o.start.value, rd_kafka_err2str(e));
		return -1;
	}
	for (int i = 0; i < parts->cnt; i++) {
		if (parts->elems[i].err) {
			snprintf(err, errlen, "%s[%d]: s@%lld: %s", c->topic,
			    (int)parts->elems[i].partition,
			    (long long)c->o.start.value,
			    rd_kafka_err2str(parts->elems[i].err));
			return -1;
		}
		/* -1: no message at or after the time. */
		if (parts->elems[i].offset < 0)
			parts->elems[i].offset = RD_KAFKA_OFFSET_END;
	}
	return 0;
}

static void
track_assign(
    struct fk_consumer *c, const rd_kafka_topic_partition_list_t *parts, int on)
{
	for (int i = 0; i < parts->cnt; i++) {
		struct part *pt = part_get(c, parts->elems[i].partition);
		int64_t resume = pt->resume;

		pt->rewind = -1;
		if (on && !pt->assigned) {
			*pt = part_none;
			pt->assigned = 1;
			pt->resume = resume;
			c->nassigned++;
		} else if (!on && pt->assigned) {
			if (pt->done)
				c->ndone--;
			resume = pt->failed > pt->committed ? pt->failed : -1;
			*pt = part_none;
			pt->resume = resume;
			c->nassigned--;
		}
	}
	if (on)
		c->started = 1;
}

/* Let the caller prepare newly assigned partitions and choose where
 * they start. */
static void
tell_assign(struct fk_consumer *c, rd_kafka_topic_partition_list_t *parts)
{
	int32_t *p;
	int64_t *start;

	if (c->o.on_assign == NULL || parts->cnt == 0)
		return;
	p = fk_xcalloc((size_t)parts->cnt, sizeof(*p));
	start = fk_xcalloc((size_t)parts->cnt, sizeof(*start));
	for (int i = 0; i < parts->cnt; i++) {
		p[i] = parts->elems[i].partition;
		start[i] = -1;
	}
	c->o.on_assign(c->o.arg, p, start, (size_t)parts->cnt);
	for (int i = 0; i < parts->cnt; i++)
		if (start[i] >= 0)
			parts->elems[i].offset = start[i];
	free(p);
	free(start);
}

/* A partition paused at its end (-e) stays paused in librdkafka when a
 * rebalance gives it back: it would never reach its end again. */
static void
unpause(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
	if (parts->cnt > 0)
		rd_kafka_resume_partitions(rk, parts);
}

/* Tell the caller which of the partitions just assigned start at their
 * end for want of a committed offset, though they hold messages: a new
 * group would otherwise read nothing without a word. */
static void
tell_fresh(struct fk_consumer *c, const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l;
	int32_t *fresh;
	size_t n = 0;

	if (c->o.on_fresh == NULL || !c->reset_end)
		return;
	l = rd_kafka_topic_partition_list_new(parts->cnt > 0 ? parts->cnt : 1);
	/* Those the tool or -o placed are not the group's to start. */
	for (int i = 0; i < parts->cnt; i++)
		if (parts->elems[i].offset == RD_KAFKA_OFFSET_INVALID)
			rd_kafka_topic_partition_list_add(l,
			    parts->elems[i].topic, parts->elems[i].partition);
	fresh = fk_xcalloc((size_t)l->cnt + 1, sizeof(*fresh));
	if (l->cnt > 0 && rd_kafka_committed(c->rk, l, 10000) == 0)
		for (int i = 0; i < l->cnt; i++) {
			int64_t lo = 0, hi = 0;

			if (l->elems[i].err ||
			    l->elems[i].offset != RD_KAFKA_OFFSET_INVALID)
				continue;
			if (rd_kafka_query_watermark_offsets(c->rk, c->topic,
			        l->elems[i].partition, &lo, &hi, 10000) == 0 &&
			    hi > lo)
				fresh[n++] = l->elems[i].partition;
		}
	if (n > 0)
		c->o.on_fresh(c->o.arg, fresh, n);
	free(fresh);
	rd_kafka_topic_partition_list_destroy(l);
}

/* Partitions given back after they were taken away with a commit
 * failed start where it would have put them, at the first record whose
 * output was not delivered: the group's committed offset is older, and
 * reading from there again would count those records twice in a state
 * kept in memory.  Where the group's offset is further (another member
 * read them since), there; where it cannot be asked for, the consumer
 * starts at it as for any partition. */
static void
resume_at(struct fk_consumer *c, rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l;

	l = rd_kafka_topic_partition_list_new(parts->cnt > 0 ? parts->cnt : 1);
	/* Those the tool or -o placed start there. */
	for (int i = 0; i < parts->cnt; i++)
		if (parts->elems[i].offset == RD_KAFKA_OFFSET_INVALID &&
		    part_get(c, parts->elems[i].partition)->resume >= 0)
			rd_kafka_topic_partition_list_add(l,
			    parts->elems[i].topic, parts->elems[i].partition);
	if (l->cnt > 0 && rd_kafka_committed(c->rk, l, 10000) == 0)
		for (int i = 0; i < l->cnt; i++) {
			struct part *pt = part_get(c, l->elems[i].partition);
			int64_t at = pt->resume;

			if (l->elems[i].err)
				continue;
			if (l->elems[i].offset > at)
				at = l->elems[i].offset;
			rd_kafka_topic_partition_list_find(
			    parts, c->topic, l->elems[i].partition)
			    ->offset = at;
			/* Committed at the next checkpoint, record or not. */
			pt->committed = l->elems[i].offset;
			pt->marked = at;
		}
	for (int i = 0; i < parts->cnt; i++)
		part_get(c, parts->elems[i].partition)->resume = -1;
	rd_kafka_topic_partition_list_destroy(l);
}

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct fk_consumer *c = opaque;
	/* NULL once the group is gone: a rebalance not yet served when the
	 * consumer closes (a member joined meanwhile) has librdkafka leave
	 * the group, and maybe end it, before this callback comes. */
	const char *proto = rd_kafka_rebalance_protocol(rk);
	int coop = proto != NULL && strcmp(proto, "COOPERATIVE") == 0;
	rd_kafka_error_t *error = NULL;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (proto == NULL)
			return; /* nothing can be assigned any more */
		if (set_start_offsets(c, parts, c->err, sizeof(c->err)) == -1)
			c->fatal = 1;
		tell_assign(c, parts);
		track_assign(c, parts, 1);
		resume_at(c, parts);
		tell_fresh(c, parts);
		if (coop)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			rd_kafka_assign(rk, parts);
		unpause(rk, parts);
	} else {
		if (c->o.on_revoke != NULL)
			c->o.on_revoke(c->o.arg, rd_kafka_assignment_lost(rk));
		if (c->o.on_drop != NULL && parts->cnt > 0) {
			int32_t *p = fk_xcalloc((size_t)parts->cnt, sizeof(*p));

			for (int i = 0; i < parts->cnt; i++)
				p[i] = parts->elems[i].partition;
			c->o.on_drop(c->o.arg, p, (size_t)parts->cnt);
			free(p);
		}
		track_assign(c, parts, 0);
		if (coop)
			error = rd_kafka_incremental_unassign(rk, parts);
		else
			rd_kafka_assign(rk, NULL);
	}
	if (error != NULL) {
		snprintf(c->err, sizeof(c->err), "rebalance: %s",
		    rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		c->fatal = 1;
	}
}

/* Without a group: every partition of the topic, from metadata. */
static int
assign_all(struct fk_consumer *c, int *exitcode, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, c->topic, NULL);
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_resp_err_t e;
	int rc = -1;

	e = metadata(c->rk, 1, rkt, &md, 30000);
	rd_kafka_topic_destroy(rkt);
	if (e) {
		snprintf(
		    err, errlen, "%s: metadata: %s", c->topic, metadata_str(e));
		*exitcode = FK_EX_UNAVAILABLE;
		return -1;
	}
	if (md->topic_cnt != 1 || md->topics[0].err ||
	    md->topics[0].partition_cnt == 0) {
		e = md->topic_cnt == 1
		    ? md->topics[0].err
		    : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
		snprintf(err, errlen, "%s: %s", c->topic,
		    e ? rd_kafka_err2str(e) : "topic has no partitions");
		*exitcode = FK_EX_NOINPUT;
		goto out;
	}
	parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	for (int i = 0; i < md->topics[0].partition_cnt; i++)
		rd_kafka_topic_partition_list_add(
		    parts, c->topic, md->topics[0].partitions[i].id);
	if (set_start_offsets(c, parts, err, errlen) == 0) {
		tell_assign(c, parts);
		track_assign(c, parts, 1);
		e = rd_kafka_assign(c->rk, parts);
		if (e) {
			snprintf(err, errlen, "%s: assign: %s", c->topic,
			    rd_kafka_err2str(e));
			*exitcode = FK_EX_SOFTWARE;
		} else {
			rc = 0;
		}
	} else {
		*exitcode = FK_EX_UNAVAILABLE;
	}
	rd_kafka_topic_partition_list_destroy(parts);
out:
	rd_kafka_metadata_destroy(md);
	return rc;
}

int
fk_kafka_stats_lag(const char *json, size_t len,
    void (*fn)(void *arg, const struct fk_lag *lags, size_t n), void *arg)
{
	json_t *root = json_loadb(json, len, 0, NULL), *topics, *t, *parts, *p;
	struct fk_lag *lags = NULL;
	const char *name, *pname;
	size_t n = 0, cap = 0;

	topics = json_object_get(root, "topics");
	if (!json_is_object(topics)) {
		json_decref(root);
		return -1;
	}
	json_object_foreach(topics, name, t)
	{
		parts = json_object_get(t, "partitions");
		json_object_foreach(parts, pname, p)
		{
			json_t *pj = json_object_get(p, "partition");
			json_t *lag = json_object_get(p, "consumer_lag");
			json_int_t part = json_integer_value(pj);

			(void)pname;
			if (!json_is_integer(pj) || part < 0 ||
			    part > INT32_MAX || !json_is_integer(lag) ||
			    json_integer_value(lag) < 0)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				lags = fk_xrealloc(lags, cap * sizeof(*lags));
			}
			lags[n++] = (struct fk_lag){ name, (int32_t)part,
				json_integer_value(lag) };
		}
	}
	fn(arg, lags, n);
	free(lags);
	json_decref(root);
	return 0;
}

/* From rd_kafka_consumer_poll: the caller's thread. */
static int
stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct fk_consumer *c = opaque;

	(void)rk;
	fk_kafka_stats_lag(json, len, c->o.on_lag, c->o.arg);
	return 0; /* librdkafka frees json */
}

/* In a group, -o beginning or end says where a partition without a
 * committed offset starts; NULL leaves that to the configuration. */
static const char *
offset_reset(const struct fk_consumer_opts *o)
{
	if (o->group == NULL)
		return NULL;
	if (o->start.kind == FK_OFF_BEGINNING)
		return "earliest";
	if (o->start.kind == FK_OFF_END)
		return "latest";
	return NULL;
}

/* In a group with no -o or -o stored, whether a partition without a
 * committed offset starts at its end: auto.offset.reset, whose default is
 * latest. */
static int
starts_at_end(const struct fk_config *cfg, const struct fk_consumer_opts *o)
{
	const char *v = fk_config_get(cfg, "auto.offset.reset");

	if (o->group == NULL ||
	    (o->start.kind != FK_OFF_NONE && o->start.kind != FK_OFF_STORED))
		return 0;
	return v == NULL || strcmp(v, "latest") == 0 ||
	    strcmp(v, "largest") == 0 || strcmp(v, "end") == 0;
}

struct fk_consumer *
fk_consumer_new(const struct fk_config *cfg,
    const struct fk_consumer_opts *opts, int *exitcode, char *err,
    size_t errlen)
{
	char stats_ms[24];
	int stats = opts->on_lag != NULL && opts->stats_ms > 0;
	const char *const defaults[] = {
		"enable.auto.commit",
		"false",
		"enable.auto.offset.store",
		"false",
		"enable.partition.eof",
		"true",
		/* librdkafka's default: what --eos stages abort is never
		 * read, and what they commit is read at their commit. */
		"isolation.level",
		"read_committed",
		stats ? "statistics.interval.ms" : NULL,
		stats_ms,
		NULL,
	};
	struct fk_consumer *c = fk_xcalloc(1, sizeof(*c));
	const char *reset = offset_reset(opts);
	/* assign() wants a group.id; it is never joined or committed. */
	const char *const forced[] = { "group.id",
		opts->group != NULL ? opts->group : "fk-assign",
		reset != NULL ? "auto.offset.reset" : NULL, reset, NULL };
	struct handle_spec hs = {
		.type = RD_KAFKA_CONSUMER,
		.defaults = defaults,
		.forced = forced,
		.rebalance_cb = opts->group != NULL ? rebalance_cb : NULL,
		.stats_cb = opts->on_lag != NULL ? stats_cb : NULL,
		.opaque = c,
	};
	rd_kafka_topic_partition_list_t *sub;

	snprintf(stats_ms, sizeof(stats_ms), "%d", opts->stats_ms);
	*exitcode = FK_EX_CONFIG;
	c->o = *opts;
	c->topic = fk_xstrdup(opts->topic);
	c->reset_end = starts_at_end(cfg, opts);
	if ((c->rk = handle_new(cfg, &hs, err, errlen)) == NULL)
		goto fail;
	rd_kafka_poll_set_consumer(c->rk);
	if (opts->group != NULL) {
		sub = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(
		    sub, c->topic, RD_KAFKA_PARTITION_UA);
		rd_kafka_resp_err_t se = rd_kafka_subscribe(c->rk, sub);
		rd_kafka_topic_partition_list_destroy(sub);
		if (se) {
			snprintf(err, errlen, "%s: subscribe: %s", c->topic,
			    rd_kafka_err2str(se));
			*exitcode = FK_EX_UNAVAILABLE;
			goto fail_rk;
		}
	} else if (assign_all(c, exitcode, err, errlen) == -1) {
		goto fail_rk;
	}
	*exitcode = FK_EX_OK;
	return c;
fail_rk:
	rd_kafka_destroy(c->rk);
fail:
	free(c->topic);
	free(c);
	return NULL;
}

static void
mark_done(struct fk_consumer *c, int32_t partition)
{
	struct part *pt = part_get(c, partition);
	rd_kafka_topic_partition_list_t *l;

	if (!pt->assigned || pt->done)
		return;
	pt->done = 1;
	c->ndone++;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, c->topic, partition);
	rd_kafka_pause_partitions(c->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

static int
all_done(const struct fk_consumer *c)
{
	return c->started && c->nassigned > 0 && c->ndone == c->nassigned;
}

/* Whether partition is caught up, for the watermarks of a chain. */
static void
note_end(struct fk_consumer *c, int32_t partition, int on)
{
	if (partition < 0)
		return;
	if (partition >= c->nat_end) {
		int n = partition + 16;

		if (!on)
			return;
		c->at_end = fk_xrealloc(c->at_end, (size_t)n);
		memset(c->at_end + c->nat_end, 0, (size_t)(n - c->nat_end));
		c->nat_end = n;
	}
	c->at_end[partition] = (unsigned char)on;
}

int
fk_consumer_at_end(const struct fk_consumer *c, int32_t partition)
{
	return partition >= 0 && partition < c->nat_end && c->at_end[partition];
}

/* A message with a watermark header: control, never a record. */
static int
is_control(const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *h = NULL;
	const void *v;
	size_t len;

	return rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(h, FK_WATERMARK_HEADER, &v, &len) ==
	    RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* A record's sequence header (FK_SEQ_HEADER), if it has one. */
static void
seq_header(const rd_kafka_message_t *m, struct fk_rec *rec)
{
	rd_kafka_headers_t *h = NULL;
	const void *v;
	size_t len;

	rec->seq = NULL;
	rec->seqlen = 0;
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(h, FK_SEQ_HEADER, &v, &len) ==
	        RD_KAFKA_RESP_ERR_NO_ERROR &&
	    v != NULL) {
		rec->seq = v;
		rec->seqlen = len;
	}
}

static int
control(struct fk_consumer *c, rd_kafka_message_t *m, struct fk_rec *rec)
{
	c->cur = m;
	rec->data = m->payload ? m->payload : "";
	rec->len = m->len;
	rec->key = NULL;
	rec->keylen = 0;
	rec->ts_ms = -1;
	rec->truncated = 0;
	rec->pos.source = c->topic;
	rec->pos.line = 0;
	rec->pos.partition = m->partition;
	rec->pos.offset = m->offset;
	return 2;
}

int
fk_consumer_next(struct fk_consumer *c, struct fk_rec *rec, int timeout_ms,
    char *err, size_t errlen)
{
	rd_kafka_message_t *m;
	rd_kafka_timestamp_type_t tstype;

	if (c->cur != NULL) {
		rd_kafka_message_destroy(c->cur);
		c->cur = NULL;
	}
	if (all_done(c))
		return -1;
	m = rd_kafka_consumer_poll(c->rk, timeout_ms);
	if (c->fatal || auth_failed) {
		if (m != NULL)
			rd_kafka_message_destroy(m);
		snprintf(err, errlen, "%s", c->fatal ? c->err : auth_reason);
		return -2;
	}
	if (m == NULL)
		return all_done(c) ? -1 : 0;
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		note_end(c, m->partition, 1);
		if (c->o.exit_eof)
			mark_done(c, m->partition);
		rd_kafka_message_destroy(m);
		return all_done(c) ? -1 : 0;
	}
	if (m->err) {
		int fatal = m->err == RD_KAFKA_RESP_ERR__FATAL ||
		    m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
		    m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;

		snprintf(err, errlen, "%s: %s", c->topic,
		    rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		if (fatal)
			return -2;
		if (logger != NULL)
			logger(4, "CONSUME", err);
		return 0;
	}
	if (m->partition >= 0) {
		struct part *pt = part_get(c, m->partition);

		if (pt->rewind < 0)
			pt->rewind = m->offset;
	}
	/* A watermark does not make a partition less caught up: only a
	 * record does (else idle would flap with every watermark). */
	if (is_control(m))
		return control(c, m, rec);
	note_end(c, m->partition, 0);
	rec->ts_ms = rd_kafka_message_timestamp(m, &tstype);
	if (c->o.end.kind == FK_OFF_TIME && rec->ts_ms >= c->o.end.value) {
		mark_done(c, m->partition);
		rd_kafka_message_destroy(m);
		return all_done(c) ? -1 : 0;
	}
	c->cur = m;
	seq_header(m, rec);
	rec->data = m->payload ? m->payload : "";
	rec->len = m->len;
	rec->key = m->key;
	rec->keylen = m->key_len;
	rec->truncated = 0;
	rec->pos.source = c->topic;
	rec->pos.line = 0;
	rec->pos.partition = m->partition;
	rec->pos.offset = m->offset;
	return 1;
}

void
fk_consumer_mark(struct fk_consumer *c, const struct fk_pos *pos)
{
	struct part *pt = part_get(c, pos->partition);

	if (pt->assigned)
		pt->marked = pos->offset + 1;
}

size_t
fk_consumer_marked(
    const struct fk_consumer *c, int32_t *parts, int64_t *offsets, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < c->nparts && n < max; i++)
		if (c->parts[i].assigned && c->parts[i].marked >= 0) {
			parts[n] = i;
			offsets[n++] = c->parts[i].marked;
		}
	return n;
}

void
fk_consumer_cap(struct fk_consumer *c, int32_t partition, int64_t offset)
{
	part_get(c, partition)->cap = offset;
}

int
fk_consumer_commit(struct fk_consumer *c, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (c->o.group == NULL)
		return 0;
	l = rd_kafka_topic_partition_list_new(4);
	for (int i = 0; i < c->nparts; i++) {
		struct part *pt = &c->parts[i];
		int64_t off = pt->marked;

		if (pt->cap >= 0 && pt->cap < off)
			off = pt->cap;
		if (pt->assigned && off > pt->committed)
			rd_kafka_topic_partition_list_add(l, c->topic, i)
			    ->offset = off;
	}
	if (l->cnt > 0)
		e = rd_kafka_commit(c->rk, l, 0);
	/* The errors of single partitions do not come back: all failed. */
	for (int i = 0; i < l->cnt; i++) {
		struct part *pt = part_get(c, l->elems[i].partition);

		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			pt->committed = l->elems[i].offset;
		else
			pt->failed = l->elems[i].offset;
	}
	rd_kafka_topic_partition_list_destroy(l);
	if (e) {
		snprintf(err, errlen, "%s: commit: %s", c->topic,
		    rd_kafka_err2str(e));
		return (int)fk_kafka_commit_failure(e);
	}
	return 0;
}

int
fk_consumer_uncommitted(const struct fk_consumer *c)
{
	int n = 0;

	for (int i = 0; i < c->nparts; i++) {
		const struct part *pt = &c->parts[i];

		if (pt->assigned ? pt->failed > pt->committed : pt->resume >= 0)
			n++;
	}
	return n;
}

enum fk_commit_fail
fk_kafka_commit_failure(int err)
{
	switch (err) {
	/* The broker or the coordinator away or moving: librdkafka waits
	 * up to session.timeout.ms for one, or retried. */
	case RD_KAFKA_RESP_ERR__TRANSPORT:
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
	case RD_KAFKA_RESP_ERR__RESOLVE:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
	case RD_KAFKA_RESP_ERR__WAIT_COORD:
	case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
	case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
	case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
	case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
	case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
	case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	/* The group went on without this member or is rebalancing:
	 * librdkafka rejoins, the partitions come back through the
	 * rebalance callback. */
	case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
	case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
	case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
	case RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED:
	case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
		return FK_COMMIT_AGAIN;
	case RD_KAFKA_RESP_ERR__FATAL:
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
	case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
	case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
	case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP:
	case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
		return FK_COMMIT_FATAL;
	default:
		return FK_COMMIT_FAILED;
	}
}

void
fk_consumer_close(struct fk_consumer *c)
{
	if (c == NULL)
		return;
	if (c->cur != NULL)
		rd_kafka_message_destroy(c->cur);
	rd_kafka_consumer_close(c->rk);
	rd_kafka_destroy(c->rk);
	free(c->parts);
	free(c->at_end);
	free(c->topic);
	free(c);
}

/* ---------------------------------------------------------------- */

int
fk_kafka_partitions(
    const struct fk_config *cfg, const char *topic, char *err, size_t errlen)
{
	const struct handle_spec hs = { .type = RD_KAFKA_PRODUCER };
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt;
	rd_kafka_resp_err_t e;
	rd_kafka_t *rk;
	int n = -1;

	if ((rk = handle_new(cfg, &hs, err, errlen)) == NULL)
		return -1;
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	e = metadata(rk, 0, rkt, &md, 30000);
	if (e)
		snprintf(
		    err, errlen, "%s: metadata: %s", topic, metadata_str(e));
	else if (md->topic_cnt != 1 || md->topics[0].err ||
	    md->topics[0].partition_cnt == 0)
		snprintf(err, errlen, "%s: %s", topic,
		    md->topic_cnt == 1 && md->topics[0].err
		        ? rd_kafka_err2str(md->topics[0].err)
		        : "no partitions");
	else
		n = md->topics[0].partition_cnt;
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return n;
}

/* Wait for the admin result on q; NULL, with a message, on a timeout or a
 * request error. */
static rd_kafka_event_t *
admin_result(rd_kafka_queue_t *q, const char *topic, char *err, size_t errlen)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);

	if (ev == NULL) {
		snprintf(err, errlen, "%s: the broker did not answer", topic);
	} else if (rd_kafka_event_error(ev)) {
		snprintf(err, errlen, "%s: %s", topic,
		    rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		ev = NULL;
	}
	return ev;
}

/* Whether the metadata of rk's cluster shows topic with every partition
 * led: a topic just made is not there at once, and a tool writing or
 * reading it straight after would be told it does not exist. */
static int
topic_ready(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	long long until = fk_time_mono_ms() + timeout_ms;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	int ready = 0;

	while (!ready) {
		const struct rd_kafka_metadata *md = NULL;

		if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == 0 &&
		    md->topic_cnt == 1 && md->topics[0].err == 0 &&
		    md->topics[0].partition_cnt > 0) {
			ready = 1;
			for (int i = 0; i < md->topics[0].partition_cnt; i++)
				if (md->topics[0].partitions[i].err != 0 ||
				    md->topics[0].partitions[i].leader < 0)
					ready = 0;
		}
		if (md != NULL)
			rd_kafka_metadata_destroy(md);
		if (ready || fk_time_mono_ms() >= until)
			break;
		rd_kafka_poll(rk, 100);
	}
	rd_kafka_topic_destroy(rkt);
	return ready;
}

int
fk_kafka_topic_make(const struct fk_config *cfg, const char *topic,
    int partitions, const char *const *configs, size_t nconfigs, char *err,
    size_t errlen)
{
	const struct handle_spec hs = { .type = RD_KAFKA_PRODUCER };
	const rd_kafka_topic_result_t **res;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__FAIL;
	rd_kafka_NewTopic_t *nt;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	rd_kafka_t *rk;
	char es[512];
	size_t i, n = 0;
	int rc = -1;

	if ((rk = handle_new(cfg, &hs, err, errlen)) == NULL)
		return -1;
	nt = rd_kafka_NewTopic_new(topic, partitions, -1, es, sizeof(es));
	for (i = 0; nt != NULL && i < nconfigs; i++) {
		const char *kv = configs[i], *eq = strchr(kv, '=');
		char name[256];

		if (eq == NULL || eq == kv ||
		    (size_t)(eq - kv) >= sizeof(name)) {
			snprintf(es, sizeof(es), "%s: expected name=value", kv);
			rd_kafka_NewTopic_destroy(nt);
			nt = NULL;
			break;
		}
		memcpy(name, kv, (size_t)(eq - kv));
		name[eq - kv] = '\0';
		rd_kafka_NewTopic_set_config(nt, name, eq + 1);
	}
	if (nt == NULL) {
		snprintf(err, errlen, "%s: %s", topic, es);
		rd_kafka_destroy(rk);
		return -1;
	}
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	if ((ev = admin_result(q, topic, err, errlen)) != NULL) {
		res = rd_kafka_CreateTopics_result_topics(
		    rd_kafka_event_CreateTopics_result(ev), &n);
		if (n == 1)
			e = rd_kafka_topic_result_error(res[0]);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			rc = 1;
		else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			rc = 0;
		else
			snprintf(err, errlen, "%s: %s", topic,
			    n == 1 && rd_kafka_topic_result_error_string(res[0])
			        ? rd_kafka_topic_result_error_string(res[0])
			        : rd_kafka_err2str(e));
		rd_kafka_event_destroy(ev);
	}
	if (rc >= 0 && !topic_ready(rk, topic, 30000)) {
		snprintf(err, errlen,
		    "%s: made, but its partitions have no leader after 30 s",
		    topic);
		rc = -1;
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_destroy(rk);
	return rc;
}

int
fk_kafka_topic_config(const struct fk_config *cfg, const char *topic,
    const char *name, char *buf, size_t buflen, char *err, size_t errlen)
{
	const struct handle_spec hs = { .type = RD_KAFKA_PRODUCER };
	const rd_kafka_ConfigResource_t *res = NULL;
	const rd_kafka_ConfigEntry_t **ents = NULL;
	rd_kafka_event_t *ev;
	rd_kafka_t *rk;
	size_t i, nents = 0;
	int rc = -1;

	if ((rk = handle_new(cfg, &hs, err, errlen)) == NULL)
		return -1;
	ev = describe(
	    rk, RD_KAFKA_RESOURCE_TOPIC, topic, 60000, &res, err, errlen);
	if (ev != NULL && rd_kafka_ConfigResource_error(res))
		snprintf(err, errlen, "%s: %s", topic,
		    rd_kafka_ConfigResource_error_string(res));
	else if (ev != NULL)
		ents = rd_kafka_ConfigResource_configs(res, &nents);
	for (i = 0; i < nents; i++) {
		const char *v = rd_kafka_ConfigEntry_value(ents[i]);

		if (strcmp(rd_kafka_ConfigEntry_name(ents[i]), name) != 0)
			continue;
		snprintf(buf, buflen, "%s", v != NULL ? v : "");
		rc = 0;
		break;
	}
	if (rc == -1 && nents > 0)
		snprintf(err, errlen, "%s: no config %s", topic, name);
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_destroy(rk);
	return rc;
}

/* How long a restore waits for a transaction left open to end (its
 * producer's transaction.timeout.ms, 60 s by default, and some). */
#define READ_HELD_MS 120000

int
fk_kafka_read_partition(const struct fk_config *cfg, const char *topic,
    int32_t partition, int64_t *end,
    int (*fn)(void *arg, const void *key, size_t keylen, const void *value,
        size_t len),
    void *arg, char *err, size_t errlen)
{
	static const char *const defaults[] = { "enable.auto.commit", "false",
		"enable.partition.eof", "true", "group.id", "fk-restore",
		"isolation.level", "read_committed", NULL };
	const struct handle_spec hs = { .type = RD_KAFKA_CONSUMER,
		.defaults = defaults };
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_message_t *m;
	rd_kafka_t *rk;
	int64_t lo = 0, hi = 0, held = -1, t0 = fk_time_mono_ms();
	int rc = -1;

	if ((rk = handle_new(cfg, &hs, err, errlen)) == NULL)
		return -1;
	/* Empty or missing: nothing to read. */
	if (rd_kafka_query_watermark_offsets(
	        rk, topic, partition, &lo, &hi, 30000) != 0)
		lo = hi = 0;
	if (end != NULL)
		*end = hi;
	if (hi <= lo) {
		rd_kafka_destroy(rk);
		return 0;
	}
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, partition)->offset =
	    RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	for (;;) {
		m = rd_kafka_consumer_poll(rk, 30000);
		if (m == NULL && held >= 0 &&
		    fk_time_mono_ms() - t0 < READ_HELD_MS)
			continue;
		if (m == NULL && held >= 0) {
			snprintf(err, errlen,
			    "%s[%d]: a transaction left open holds back what "
			    "follows offset %lld",
			    topic, (int)partition, (long long)held);
			break;
		}
		if (m == NULL) {
			snprintf(err, errlen, "%s[%d]: reading timed out",
			    topic, (int)partition);
			break;
		}
		/* Reading committed messages, the end is the last stable
		 * offset: short of the end seen at first, a transaction in
		 * progress holds back what follows, which may be committed
		 * (another writer's, after the open one).  Wait for it. */
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF &&
		    m->offset < hi && fk_time_mono_ms() - t0 < READ_HELD_MS) {
			held = m->offset;
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			rd_kafka_message_destroy(m);
			rc = 0;
			break;
		}
		if (m->err) {
			snprintf(err, errlen, "%s[%d]: %s", topic,
			    (int)partition, rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			break;
		}
		if (fn(arg, m->key, m->key_len, m->payload, m->len) != 0) {
			snprintf(err, errlen,
			    "%s[%d]@%lld: not a fk-enrich "
			    "changelog message",
			    topic, (int)partition, (long long)m->offset);
			rd_kafka_message_destroy(m);
			break;
		}
		if (m->offset + 1 >= hi) {
			rd_kafka_message_destroy(m);
			rc = 0;
			break;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

/* --- consumer groups and their offsets (fk-lag) */

struct fk_admin {
	rd_kafka_t *rk;
	int timeout_ms;
};

struct fk_admin *
fk_admin_new(const struct fk_config *cfg, int timeout_ms, int *exitcode,
    char *err, size_t errlen)
{
	/* A consumer's metadata requests never create a topic they name
	 * (a producer's would, where the broker allows it). */
	static const char *const forced[] = { "allow.auto.create.topics",
		"false", NULL };
	const struct handle_spec hs = { .type = RD_KAFKA_CONSUMER,
		.forced = forced };
	const struct rd_kafka_metadata *md = NULL;
	struct fk_admin *ad = fk_xcalloc(1, sizeof(*ad));
	rd_kafka_resp_err_t e;

	ad->timeout_ms = timeout_ms;
	if ((ad->rk = handle_new(cfg, &hs, err, errlen)) == NULL) {
		*exitcode = FK_EX_CONFIG;
		free(ad);
		return NULL;
	}
	/* The brokers only: an answer says the cluster is there. */
	e = metadata(ad->rk, 0, NULL, &md, timeout_ms);
	if (e) {
		if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION)
			snprintf(err, errlen, "%s", metadata_str(e));
		else
			snprintf(err, errlen, "no answer in %d s: %s",
			    (timeout_ms + 999) / 1000, metadata_str(e));
		*exitcode = FK_EX_UNAVAILABLE;
		rd_kafka_destroy(ad->rk);
		free(ad);
		return NULL;
	}
	rd_kafka_metadata_destroy(md);
	*exitcode = FK_EX_OK;
	return ad;
}

void
fk_admin_free(struct fk_admin *ad)
{
	if (ad == NULL)
		return;
	rd_kafka_destroy(ad->rk);
	free(ad);
}

/* Send a request (call does, onto q) and wait for its result: the event
 * (the caller's to destroy), or NULL with a message after what.  A queue
 * of its own, so that a late answer to an earlier request is never taken
 * for this one's. */
static rd_kafka_event_t *
admin_ask(struct fk_admin *ad, rd_kafka_admin_op_t op,
    void (*call)(rd_kafka_t *, const rd_kafka_AdminOptions_t *,
        rd_kafka_queue_t *, void *),
    void *arg, const char *what, char *err, size_t errlen)
{
	rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(ad->rk, op);
	rd_kafka_queue_t *q = rd_kafka_queue_new(ad->rk);
	rd_kafka_event_t *ev;
	char e[256];

	rd_kafka_AdminOptions_set_request_timeout(
	    ao, ad->timeout_ms, e, sizeof(e));
	call(ad->rk, ao, q, arg);
	ev = rd_kafka_queue_poll(q, ad->timeout_ms + 1000);
	if (ev == NULL) {
		snprintf(err, errlen, "%s: no answer in %d s", what,
		    (ad->timeout_ms + 999) / 1000);
	} else if (rd_kafka_event_error(ev)) {
		snprintf(err, errlen, "%s: %s", what,
		    rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		ev = NULL;
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_AdminOptions_destroy(ao);
	return ev;
}

static void
call_list_groups(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *ao,
    rd_kafka_queue_t *q, void *arg)
{
	(void)arg;
	rd_kafka_ListConsumerGroups(rk, ao, q);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fk_admin_groups(
    struct fk_admin *ad, char ***ids, size_t *n, char *err, size_t errlen)
{
	const rd_kafka_ListConsumerGroups_result_t *res;
	const rd_kafka_ConsumerGroupListing_t **valid;
	const rd_kafka_error_t **errs;
	rd_kafka_event_t *ev;
	size_t nvalid = 0, nerrs = 0;
	int rc = 0;

	*ids = NULL;
	*n = 0;
	ev = admin_ask(ad, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
	    call_list_groups, NULL, "listing consumer groups", err, errlen);
	if (ev == NULL)
		return -1;
	res = rd_kafka_event_ListConsumerGroups_result(ev);
	valid = rd_kafka_ListConsumerGroups_result_valid(res, &nvalid);
	errs = rd_kafka_ListConsumerGroups_result_errors(res, &nerrs);
	*ids = fk_xcalloc(nvalid + 1, sizeof(**ids));
	for (size_t i = 0; i < nvalid; i++)
		(*ids)[(*n)++] = fk_xstrdup(
		    rd_kafka_ConsumerGroupListing_group_id(valid[i]));
	qsort(*ids, *n, sizeof(**ids), cmp_str);
	if (nerrs > 0) {
		snprintf(err, errlen, "listing consumer groups: %s",
		    rd_kafka_error_string(errs[0]));
		rc = -1;
	}
	rd_kafka_event_destroy(ev);
	return rc;
}

static void
call_list_offsets(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *ao,
    rd_kafka_queue_t *q, void *arg)
{
	rd_kafka_ListConsumerGroupOffsets_t *req = arg;

	rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, ao, q);
}

int
fk_admin_committed(struct fk_admin *ad, const char *group,
    struct fk_offset **offs, size_t *n, char *err, size_t errlen)
{
	/* No partitions: every one the group has committed on. */
	rd_kafka_ListConsumerGroupOffsets_t *req =
	    rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
	const rd_kafka_topic_partition_list_t *parts;
	const rd_kafka_group_result_t **gs;
	const rd_kafka_error_t *ge;
	rd_kafka_event_t *ev;
	char what[512];
	size_t ng = 0;
	int rc = -1;

	*offs = NULL;
	*n = 0;
	snprintf(what, sizeof(what), "group %s: listing its offsets", group);
	ev = admin_ask(ad, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
	    call_list_offsets, req, what, err, errlen);
	rd_kafka_ListConsumerGroupOffsets_destroy(req);
	if (ev == NULL)
		return -1;
	gs = rd_kafka_ListConsumerGroupOffsets_result_groups(
	    rd_kafka_event_ListConsumerGroupOffsets_result(ev), &ng);
	if (ng != 1) {
		snprintf(err, errlen, "%s: no result", what);
	} else if ((ge = rd_kafka_group_result_error(gs[0])) != NULL) {
		snprintf(
		    err, errlen, "%s: %s", what, rd_kafka_error_string(ge));
	} else {
		parts = rd_kafka_group_result_partitions(gs[0]);
		*offs = fk_xcalloc(
		    parts != NULL ? (size_t)parts->cnt + 1 : 1, sizeof(**offs));
		for (int i = 0; parts != NULL && i < parts->cnt; i++) {
			const rd_kafka_topic_partition_t *p = &parts->elems[i];

			if (p->err) {
				snprintf(err, errlen, "%s: %s[%d]: %s", what,
				    p->topic, (int)p->partition,
				    rd_kafka_err2str(p->err));
				fk_offsets_free(*offs, *n);
				*offs = NULL;
				*n = 0;
				goto out;
			}
			(*offs)[*n].topic = fk_xstrdup(p->topic);
			(*offs)[*n].partition = p->partition;
			(*offs)[(*n)++].offset =
			    p->offset >= 0 ? p->offset : -1;
		}
		rc = 0;
	}
out:
	rd_kafka_event_destroy(ev);
	return rc;
}

void
fk_offsets_free(struct fk_offset *offs, size_t n)
{
	for (size_t i = 0; offs != NULL && i < n; i++)
		free(offs[i].topic);
	free(offs);
}

int
fk_admin_partitions(
    struct fk_admin *ad, const char *topic, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(ad->rk, topic, NULL);
	rd_kafka_resp_err_t e;
	int n = -1;

	e = metadata(ad->rk, 0, rkt, &md, ad->timeout_ms);
	if (e)
		snprintf(
		    err, errlen, "%s: metadata: %s", topic, metadata_str(e));
	else if (md->topic_cnt == 1 &&
	    md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		snprintf(err, errlen, "%s: no such topic", topic);
		n = 0;
	} else if (md->topic_cnt != 1 || md->topics[0].err ||
	    md->topics[0].partition_cnt == 0)
		snprintf(err, errlen, "%s: %s", topic,
		    md->topic_cnt == 1 && md->topics[0].err
		        ? rd_kafka_err2str(md->topics[0].err)
		        : "no partitions");
	else
		n = md->topics[0].partition_cnt;
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return n;
}

int
fk_admin_watermarks(struct fk_admin *ad, const char *topic, int32_t partition,
    int64_t *lo, int64_t *hi, char *err, size_t errlen)
{
	rd_kafka_resp_err_t e;

	e = rd_kafka_query_watermark_offsets(
	    ad->rk, topic, partition, lo, hi, ad->timeout_ms);
	if (e) {
		snprintf(err, errlen, "%s[%d]: watermarks: %s", topic,
		    (int)partition, rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

/* The place in the round r[0..nr) of the request m answers, or -1. */
static long
peek_of(const struct fk_peek *pk, const size_t *r, size_t nr,
    const unsigned char *done, const rd_kafka_message_t *m)
{
	const char *topic = rd_kafka_topic_name(m->rkt);

	for (size_t k = 0; k < nr; k++)
		if (!done[r[k]] && pk[r[k]].partition == m->partition &&
		    strcmp(pk[r[k]].topic, topic) == 0)
			return (long)k;
	return -1;
}

/* What m says to the request p: 1 when it is answered, 0 to read on,
 * -1 when it failed (with a message). */
static int
peek_take(struct fk_peek *p, const rd_kafka_message_t *m, int *controls,
    char *err, size_t errlen)
{
	rd_kafka_timestamp_type_t tstype;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		p->answered = 1; /* nothing more */
		return 1;
	}
	if (m->err) {
		snprintf(err, errlen, "%s[%d]@%lld: %s", p->topic,
		    (int)p->partition, (long long)p->offset,
		    rd_kafka_message_errstr(m));
		return -1;
	}
	if (m->offset < p->offset)
		return 0;
	if (m->offset >= p->end) {
		p->answered = 1;
		return 1;
	}
	if (is_control(m)) {
		if (++*controls > FK_PEEK_MAX_CONTROL) {
			p->answered = 1;
			return 1;
		}
		return 0;
	}
	p->answered = p->found = 1;
	p->at = m->offset;
	p->ts_ms = rd_kafka_message_timestamp(m, &tstype);
	p->ts_append = tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
	if (m->payload != NULL) {
		p->value = fk_xmalloc(m->len + 1);
		memcpy(p->value, m->payload, m->len);
		p->value[m->len] = '\0';
		p->len = m->len;
	}
	return 1;
}

static void
peek_pause(rd_kafka_t *rk, const struct fk_peek *p)
{
	rd_kafka_topic_partition_list_t *l =
	    rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
	rd_kafka_pause_partitions(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/* One round: the requests r[0..nr), each of another partition, assigned
 * at once and read until each is answered or failed, or timeout_ms. */
static int
peek_round(rd_kafka_t *rk, struct fk_peek *pk, const size_t *r, size_t nr,
    unsigned char *done, int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l =
	    rd_kafka_topic_partition_list_new((int)nr);
	int *controls = fk_xcalloc(nr, sizeof(*controls));
	int64_t t0 = fk_time_mono_ms();
	size_t left = nr;
	int rc = 0;

	for (size_t k = 0; k < nr; k++)
		rd_kafka_topic_partition_list_add(
		    l, pk[r[k]].topic, pk[r[k]].partition)
		    ->offset = pk[r[k]].offset;
	rd_kafka_assign(rk, l);
	/* Paused in an earlier round, a partition would stay paused. */
	rd_kafka_resume_partitions(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	while (left > 0) {
		int64_t wait = timeout_ms - (fk_time_mono_ms() - t0);
		rd_kafka_message_t *m;
		long k;
		int took;

		if (wait <= 0)
			break;
		m = rd_kafka_consumer_poll(rk, wait > 100 ? 100 : (int)wait);
		if (m == NULL)
			continue;
		if (m->rkt == NULL || (k = peek_of(pk, r, nr, done, m)) < 0) {
			rd_kafka_message_destroy(m);
			continue;
		}
		took = peek_take(&pk[r[k]], m, &controls[k], err, errlen);
		rd_kafka_message_destroy(m);
		if (took == 0)
			continue;
		if (took == -1)
			rc = -1;
		done[r[k]] = 1;
		left--;
		peek_pause(rk, &pk[r[k]]);
	}
	for (size_t k = 0; k < nr && left > 0 && rc == 0; k++)
		if (!done[r[k]]) {
			snprintf(err, errlen, "%s[%d]@%lld: no answer in %d s",
			    pk[r[k]].topic, (int)pk[r[k]].partition,
			    (long long)pk[r[k]].offset,
			    (timeout_ms + 999) / 1000);
			rc = -1;
		}
	for (size_t k = 0; k < nr; k++)
		done[r[k]] = 1;
	rd_kafka_assign(rk, NULL);
	free(controls);
	return rc;
}

int
fk_kafka_peek(const struct fk_config *cfg, struct fk_peek *pk, size_t n,
    int timeout_ms, char *err, size_t errlen)
{
	/* Little read ahead: one record a partition is wanted. */
	static const char *const defaults[] = { "queued.min.messages", "16",
		NULL };
	/* assign() wants a group.id; it is never joined or committed.  A
	 * committed offset below the partition's start was deleted: read
	 * from the start. */
	static const char *const forced[] = { "group.id", "fk-peek",
		"enable.auto.commit", "false", "enable.partition.eof", "true",
		"auto.offset.reset", "earliest", NULL };
	const struct handle_spec hs = { .type = RD_KAFKA_CONSUMER,
		.defaults = defaults,
		.forced = forced };
	unsigned char *done;
	size_t *r, nr;
	rd_kafka_t *rk;
	char e[512];
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		pk[i].answered = pk[i].found = pk[i].ts_append = 0;
		pk[i].at = pk[i].ts_ms = -1;
		pk[i].value = NULL;
		pk[i].len = 0;
	}
	if (n == 0)
		return 0;
	if ((rk = handle_new(cfg, &hs, err, errlen)) == NULL)
		return -1;
	rd_kafka_poll_set_consumer(rk);
	done = fk_xcalloc(n, sizeof(*done));
	r = fk_xcalloc(n, sizeof(*r));
	for (;;) {
		/* The next round: what is left, each partition once. */
		nr = 0;
		for (size_t i = 0; i < n; i++) {
			size_t k;

			if (done[i])
				continue;
			for (k = 0; k < nr; k++)
				if (pk[r[k]].partition == pk[i].partition &&
				    strcmp(pk[r[k]].topic, pk[i].topic) == 0)
					break;
			if (k == nr)
				r[nr++] = i;
		}
		if (nr == 0)
			break;
		if (peek_round(rk, pk, r, nr, done, timeout_ms, e, sizeof(e)) ==
		        -1 &&
		    rc == 0) {
			snprintf(err, errlen, "%s", e);
			rc = -1;
		}
	}
	free(r);
	free(done);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

/* --- transactions (--eos) */

/* Tries of an abort that times out, each up to transaction.timeout.ms. */
#define TXN_TRIES 3

void
fk_kafka_txn_id(const struct fk_config *cfg, const char *group,
    const char *tool, const char *host, char *buf, size_t len)
{
	const char *inst = fk_config_get(cfg, "group.instance.id");

	snprintf(buf, len, "%s.%s.%s", group, tool,
	    inst != NULL && *inst != '\0' ? inst : host);
}

/* Whether e says another producer took the transactional.id. */
static int
txn_fenced(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR__FENCED ||
	    e == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
	    e == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH ||
	    e == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
}

/* A fatal error: its message after what, and the status it ends with:
 * a fenced producer's transaction was not committed (75), anything else
 * is the cluster refusing (69). */
static int
txn_fatal(struct fk_producer *p, const char *what, rd_kafka_resp_err_t code,
    const char *msg, int *exitcode, char *err, size_t errlen)
{
	char fe[256] = "";
	rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(p->rk, fe, sizeof(fe));

	if (fatal) {
		code = fatal;
		msg = fe;
	}
	if (txn_fenced(code)) {
		snprintf(err, errlen,
		    "fenced: another producer took transactional.id %s (a "
		    "restart of this stage, or a second one with the same "
		    "id): this one's transaction is not committed (%s: %s)",
		    p->txn_id, what, msg);
		*exitcode = FK_EX_TEMPFAIL;
	} else {
		snprintf(err, errlen, "%s: %s", what, msg);
		*exitcode = FK_EX_UNAVAILABLE;
	}
	return FK_TXN_FATAL;
}

static int
txn_begin(struct fk_producer *p, int *exitcode, char *err, size_t errlen)
{
	rd_kafka_error_t *e = rd_kafka_begin_transaction(p->rk);
	int rc = FK_TXN_OK;

	if (e != NULL) {
		rc = txn_fatal(p, "beginning a transaction",
		    rd_kafka_error_code(e), rd_kafka_error_string(e), exitcode,
		    err, errlen);
		rd_kafka_error_destroy(e);
	}
	p->txn_base = p->sent;
	p->send_err = RD_KAFKA_RESP_ERR_NO_ERROR;
	return rc;
}

struct fk_producer *
fk_producer_new_txn(const struct fk_config *cfg, const char *compression,
    const char *id, int timeout_ms, int *exitcode, char *err, size_t errlen)
{
	static const char *const defaults[] = {
		"acks",
		"all",
		"partitioner",
		"murmur2_random",
		"linger.ms",
		"5",
		NULL,
	};
	const char *const forced[] = { "transactional.id", id,
		"enable.idempotence", "true",
		compression != NULL ? "compression.codec" : NULL, compression,
		NULL };
	struct fk_producer *p = fk_xcalloc(1, sizeof(*p));
	struct handle_spec hs = {
		.type = RD_KAFKA_PRODUCER,
		.defaults = defaults,
		.forced = forced,
		.forced_origin = "--eos",
		.dr_msg_cb = dr_cb,
		.opaque = p,
	};
	int64_t t0 = fk_time_mono_ms(), left;
	rd_kafka_error_t *e;

	*exitcode = FK_EX_CONFIG;
	if ((p->rk = handle_new(cfg, &hs, err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	p->txn = 1;
	snprintf(p->txn_id, sizeof(p->txn_id), "%s", id);
	/* A previous transaction still completing answers "retriable". */
	for (;;) {
		left = timeout_ms - (fk_time_mono_ms() - t0);
		e = rd_kafka_init_transactions(
		    p->rk, left > 1000 ? (int)left : 1000);
		if (e == NULL || !rd_kafka_error_is_retriable(e) ||
		    fk_time_mono_ms() - t0 >= timeout_ms)
			break;
		rd_kafka_error_destroy(e);
	}
	if (e != NULL) {
		txn_fatal(p, "initializing transactions",
		    rd_kafka_error_code(e), rd_kafka_error_string(e), exitcode,
		    err, errlen);
		rd_kafka_error_destroy(e);
		fk_producer_free(p);
		return NULL;
	}
	if (txn_begin(p, exitcode, err, errlen) != FK_TXN_OK) {
		fk_producer_free(p);
		return NULL;
	}
	*exitcode = FK_EX_OK;
	return p;
}

/* The offsets c would commit now: what was marked, no further than its
 * cap, past what was committed.  NULL: nothing. */
static rd_kafka_topic_partition_list_t *
txn_offsets(const struct fk_consumer *c)
{
	rd_kafka_topic_partition_list_t *l;

	if (c == NULL || c->o.group == NULL)
		return NULL;
	l = rd_kafka_topic_partition_list_new(4);
	for (int i = 0; i < c->nparts; i++) {
		const struct part *pt = &c->parts[i];
		int64_t off = pt->marked;

		if (pt->cap >= 0 && pt->cap < off)
			off = pt->cap;
		if (pt->assigned && off > pt->committed)
			rd_kafka_topic_partition_list_add(l, c->topic, i)
			    ->offset = off;
	}
	if (l->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(l);
		return NULL;
	}
	return l;
}

/* After an abortable error e in what: abort, say why in err, begin the
 * next transaction. */
static int
txn_aborted(struct fk_producer *p, const char *what, const rd_kafka_error_t *e,
    int *exitcode, char *err, size_t errlen)
{
	char why[512];

	snprintf(why, sizeof(why), "%s: %s", what, rd_kafka_error_string(e));
	if (fk_txn_abort(p, exitcode, err, errlen) == FK_TXN_FATAL)
		return FK_TXN_FATAL;
	snprintf(err, errlen, "%s", why);
	return FK_TXN_ABORTED;
}

/* What error e of what comes to: FK_TXN_OK to try again (retriable,
 * within the time left), else aborted or fatal, with a message. */
static int
txn_handle(struct fk_producer *p, const char *what, rd_kafka_error_t *e,
    int64_t deadline, int *exitcode, char *err, size_t errlen)
{
	int rc;

	if (rd_kafka_error_txn_requires_abort(e)) {
		rc = txn_aborted(p, what, e, exitcode, err, errlen);
	} else if (rd_kafka_error_is_retriable(e) &&
	    (deadline < 0 || fk_time_mono_ms() < deadline)) {
		rc = FK_TXN_OK;
	} else if (rd_kafka_error_is_retriable(e)) {
		/* Left open: the next producer with the id aborts it. */
		snprintf(err, errlen, "%s: not done in time: %s", what,
		    rd_kafka_error_string(e));
		*exitcode = FK_EX_TEMPFAIL;
		rc = FK_TXN_FATAL;
	} else {
		rc = txn_fatal(p, what, rd_kafka_error_code(e),
		    rd_kafka_error_string(e), exitcode, err, errlen);
	}
	rd_kafka_error_destroy(e);
	return rc;
}

/* What is left of the time to deadline (-1: none) for one call. */
static int
txn_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - fk_time_mono_ms();
	return left > 100 ? (int)left : 100;
}

int
fk_txn_commit(struct fk_producer *p, struct fk_consumer *c, int timeout_ms,
    int *exitcode, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l = txn_offsets(c);
	rd_kafka_consumer_group_metadata_t *md;
	int64_t deadline = timeout_ms < 0 ? -1 : fk_time_mono_ms() + timeout_ms;
	rd_kafka_error_t *e;
	int rc = FK_TXN_OK;

	/* An empty transaction stays open: nothing to commit. */
	if (l == NULL && p->sent == p->txn_base && p->send_err == 0)
		return FK_TXN_OK;
	if (l != NULL) {
		md = rd_kafka_consumer_group_metadata(c->rk);
		/* Retried with the same offsets and metadata, as asked. */
		do {
			e = rd_kafka_send_offsets_to_transaction(
			    p->rk, l, md, txn_left(deadline));
			if (e == NULL)
				break;
			rc = txn_handle(p, "sending offsets to the transaction",
			    e, deadline, exitcode, err, errlen);
		} while (rc == FK_TXN_OK);
		rd_kafka_consumer_group_metadata_destroy(md);
		if (rc != FK_TXN_OK) {
			rd_kafka_topic_partition_list_destroy(l);
			return rc;
		}
	}
	/* A timeout goes on in the background: calling again resumes. */
	do {
		e = rd_kafka_commit_transaction(p->rk, txn_left(deadline));
		if (e == NULL)
			break;
		rc = txn_handle(p, "committing the transaction", e, deadline,
		    exitcode, err, errlen);
	} while (rc == FK_TXN_OK);
	if (rc == FK_TXN_OK) {
		for (int i = 0; l != NULL && i < l->cnt; i++) {
			part_get(c, l->elems[i].partition)->committed =
			    l->elems[i].offset;
			part_get(c, l->elems[i].partition)->rewind =
			    l->elems[i].offset;
		}
		rc = txn_begin(p, exitcode, err, errlen);
	}
	if (l != NULL)
		rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

int
fk_txn_abort(struct fk_producer *p, int *exitcode, char *err, size_t errlen)
{
	rd_kafka_error_t *e;
	int tries = 0;

	/* Each try waits at most transaction.timeout.ms, which is also how
	 * long a message may wait: one stuck (after an epoch bump, in
	 * librdkafka 2.0) has failed by the second. */
	while ((e = rd_kafka_abort_transaction(p->rk, -1)) != NULL) {
		if (!rd_kafka_error_is_retriable(e) || ++tries == TXN_TRIES) {
			if (rd_kafka_error_is_retriable(e)) {
				/* Left open: the next producer with the id
				 * aborts it. */
				snprintf(err, errlen,
				    "aborting the transaction: not done in "
				    "time: %s",
				    rd_kafka_error_string(e));
				*exitcode = FK_EX_TEMPFAIL;
			} else {
				txn_fatal(p, "aborting the transaction",
				    rd_kafka_error_code(e),
				    rd_kafka_error_string(e), exitcode, err,
				    errlen);
			}
			rd_kafka_error_destroy(e);
			return FK_TXN_FATAL;
		}
		rd_kafka_error_destroy(e);
	}
	/* What was purged is sent again after the rewind: not lost. */
	p->failed = 0;
	p->lasterr[0] = '\0';
	return txn_begin(p, exitcode, err, errlen);
}

int
fk_txn_failed(struct fk_producer *p, int *exitcode, char *err, size_t errlen)
{
	char fe[256];

	if (!p->txn || p->send_err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return FK_TXN_OK;
	if (p->send_err == RD_KAFKA_RESP_ERR__STATE &&
	    !rd_kafka_fatal_error(p->rk, fe, sizeof(fe)))
		return FK_TXN_ABORTED;
	if (p->send_err == RD_KAFKA_RESP_ERR__STATE ||
	    p->send_err == RD_KAFKA_RESP_ERR__FATAL)
		return txn_fatal(p, "writing", p->send_err,
		    rd_kafka_err2str(p->send_err), exitcode, err, errlen);
	return FK_TXN_OK;
}

unsigned long
fk_txn_sent(const struct fk_producer *p)
{
	return p->sent - p->txn_base;
}

size_t
fk_consumer_assigned(const struct fk_consumer *c, int32_t *parts, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < c->nparts && n < max; i++)
		if (c->parts[i].assigned)
			parts[n++] = i;
	return n;
}

int
fk_consumer_stable(struct fk_consumer *c, const int32_t *parts, size_t n,
    int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l =
	    rd_kafka_topic_partition_list_new(n > 0 ? (int)n : 1);
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;

	for (size_t i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, c->topic, parts[i]);
	/* Reading committed, librdkafka asks for stable offsets and asks
	 * again while a transaction holds them (UNSTABLE_OFFSET_COMMIT). */
	if (n > 0)
		e = rd_kafka_committed(c->rk, l, timeout_ms);
	for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < l->cnt; i++)
		e = l->elems[i].err;
	rd_kafka_topic_partition_list_destroy(l);
	if (e) {
		snprintf(err, errlen,
		    "%s: waiting for offsets in transactions "
		    "to be committed or aborted: %s",
		    c->topic, rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

int
fk_consumer_rewind(struct fk_consumer *c, const int32_t *parts,
    const int64_t *start, size_t n, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l =
	    rd_kafka_topic_partition_list_new(n > 0 ? (int)n : 1);
	rd_kafka_error_t *e = NULL;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct part *pt = part_get(c, parts[i]);
		int64_t off = start[i] >= 0 ? start[i] : pt->rewind;

		if (!pt->assigned || off < 0)
			continue;
		rd_kafka_topic_partition_list_add(l, c->topic, parts[i])
		    ->offset = off;
		pt->rewind = off;
		pt->marked = pt->cap = -1;
		note_end(c, parts[i], 0);
		if (pt->done) {
			pt->done = 0;
			c->ndone--;
		}
	}
	if (l->cnt > 0) {
		unpause(c->rk, l);
		e = rd_kafka_seek_partitions(c->rk, l, 30000);
	}
	if (e != NULL) {
		snprintf(err, errlen, "%s: seeking back: %s", c->topic,
		    rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		rc = -1;
	}
	for (int i = 0; rc == 0 && i < l->cnt; i++)
		if (l->elems[i].err) {
			snprintf(err, errlen,
			    "%s[%d]: seeking back to %lld: %s", c->topic,
			    (int)l->elems[i].partition,
			    (long long)l->elems[i].offset,
			    rd_kafka_err2str(l->elems[i].err));
			rc = -1;
		}
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}
