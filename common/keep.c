#include "keep.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

void
fk_keep_init(struct fk_keep *k)
{
	memset(k, 0, sizeof(*k));
	k->exists = 1;
	k->retention_ms = -1;
	k->before_max_ms = -1;
	k->after_max_ms = -1;
	k->before_key = "message.timestamp.before.max.ms";
	k->after_key = "message.timestamp.after.max.ms";
}

/* now - ms (ms >= 0), or INT64_MIN when that would overflow. */
static int64_t
back(int64_t now_ms, int64_t ms)
{
	return now_ms < 0 && ms > now_ms - INT64_MIN ? INT64_MIN : now_ms - ms;
}

/* now + ms (ms >= 0), or INT64_MAX when that would overflow. */
static int64_t
ahead(int64_t now_ms, int64_t ms)
{
	return now_ms > 0 && ms > INT64_MAX - now_ms ? INT64_MAX : now_ms + ms;
}

void
fk_keep_window(
    const struct fk_keep *k, int64_t now_ms, int64_t *lo, int64_t *hi)
{
	int64_t b;

	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (k->append_time)
		return;
	if (k->retention_ms >= 0)
		*lo = back(now_ms, k->retention_ms);
	if (k->before_max_ms >= 0 && (b = back(now_ms, k->before_max_ms)) > *lo)
		*lo = b;
	if (k->after_max_ms >= 0)
		*hi = ahead(now_ms, k->after_max_ms);
}

unsigned
fk_keep_fate(const struct fk_keep *k, int64_t now_ms, int64_t ts_ms)
{
	unsigned fate = 0;

	if (k->append_time)
		return 0;
	if (k->retention_ms >= 0 && ts_ms < back(now_ms, k->retention_ms))
		fate |= FK_KEEP_DELETED;
	if (k->before_max_ms >= 0 && ts_ms < back(now_ms, k->before_max_ms))
		fate |= FK_KEEP_TOO_OLD;
	if (k->after_max_ms >= 0 && ts_ms > ahead(now_ms, k->after_max_ms))
		fate |= FK_KEEP_TOO_NEW;
	return fate;
}

void
fk_keep_span(int64_t ms, char *buf, size_t len)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = {
		{ 86400000, "day" },
		{ 3600000, "hour" },
		{ 60000, "minute" },
		{ 1000, "second" },
	};
	size_t i;
	int64_t n = 0;

	if (ms < 0) {
		snprintf(buf, len, "forever");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1; i++)
		if (ms >= units[i].ms)
			break;
	n = ms / units[i].ms;
	snprintf(buf, len, "%lld %s%s", (long long)n, units[i].unit,
	    n == 1 ? "" : "s");
}

void
fk_keep_fix(const struct fk_keep *k, unsigned fate, const char *brokers,
    const char *topic, char *buf, size_t len)
{
	/* INT64_MAX is Kafka's default for the timestamp limits: none. */
	static const char nolimit[] = "9223372036854775807";
	const char *keys[3];
	size_t nkeys = 0, i;
	int n;

	buf[0] = '\0';
	if (fate == 0)
		return;
	if (fate & FK_KEEP_DELETED)
		keys[nkeys++] = "retention.ms";
	if (fate & FK_KEEP_TOO_OLD)
		keys[nkeys++] = k->before_key;
	/* Older brokers have one key for both limits: set it once. */
	if ((fate & FK_KEEP_TOO_NEW) &&
	    !((fate & FK_KEEP_TOO_OLD) &&
	        strcmp(k->before_key, k->after_key) == 0))
		keys[nkeys++] = k->after_key;
	if (k->exists)
		n = snprintf(buf, len,
		    "kafka-configs.sh --bootstrap-server %s --alter "
		    "--entity-type topics --entity-name %s --add-config ",
		    brokers, topic);
	else
		n = snprintf(buf, len,
		    "kafka-topics.sh --bootstrap-server %s --create --topic %s",
		    brokers, topic);
	for (i = 0; i < nkeys && n >= 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%s=%s",
		    k->exists ? (i > 0 ? "," : "") : " --config ", keys[i],
		    strcmp(keys[i], "retention.ms") == 0 ? "-1" : nolimit);
}
