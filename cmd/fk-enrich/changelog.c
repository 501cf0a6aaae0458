#include "changelog.h"

#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "run.h"
#include "xalloc.h"
#include "banned.h"

int
fk_changelog_create(const struct fk_config *cfg, const char *topic,
    const char *from, char *err, size_t errlen)
{
	static const char *const compact[] = { "cleanup.policy=compact" };
	int n = fk_kafka_partitions(cfg, from, err, errlen);

	if (n == -1 ||
	    fk_kafka_topic_make(cfg, topic, n, compact, 1, err, errlen) == -1)
		return -1;
	return 0;
}

/* A change held until the watermark message that ends its checkpoint. */
struct held {
	unsigned char *key, *value; /* value NULL: gone */
	size_t keylen, len;
};

struct restore {
	struct fk_enrich *e;
	struct fk_changelog_restored *r;
	struct held *held;
	size_t nheld, capheld;
};

static void
hold(struct restore *s, const void *key, size_t keylen, const void *value,
    size_t len)
{
	struct held *h;

	if (s->nheld == s->capheld) {
		s->capheld = s->capheld ? s->capheld * 2 : 64;
		s->held = fk_xrealloc(s->held, s->capheld * sizeof(*s->held));
	}
	h = &s->held[s->nheld++];
	h->key = fk_xmalloc(keylen);
	memcpy(h->key, key, keylen);
	h->keylen = keylen;
	h->value = NULL;
	h->len = len;
	if (value != NULL) {
		h->value = fk_xmalloc(len > 0 ? len : 1);
		memcpy(h->value, value, len);
	}
}

static int
restore_one(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	struct restore *s = arg;
	int rc = 0;

	if (!(keylen == 1 &&
	        *(const unsigned char *)key == FK_ENRICH_WATERMARK_KEY)) {
		hold(s, key, keylen, value, len);
		return 0;
	}
	for (size_t i = 0; i < s->nheld; i++) {
		struct held *h = &s->held[i];

		if (rc == 0)
			rc = fk_enrich_apply(s->e, h->key, h->keylen, h->value,
			    h->len, &s->r->offset);
		s->r->n++;
		free(h->key);
		free(h->value);
	}
	s->nheld = 0;
	if (rc == 0)
		rc = fk_enrich_apply(
		    s->e, key, keylen, value, len, &s->r->offset);
	return rc;
}

int
fk_changelog_restore(const struct fk_config *cfg, const char *topic,
    int32_t partition, struct fk_enrich *e, struct fk_changelog_restored *r,
    char *err, size_t errlen)
{
	struct restore s = { .e = e, .r = r };
	int rc;

	memset(r, 0, sizeof(*r));
	r->offset = -1;
	rc = fk_kafka_read_partition(
	    cfg, topic, partition, NULL, restore_one, &s, err, errlen);
	r->left = s.nheld;
	for (size_t i = 0; i < s.nheld; i++) {
		free(s.held[i].key);
		free(s.held[i].value);
	}
	free(s.held);
	return rc;
}

struct sender {
	struct fk_rt *rt;
	const char *topic;
	int32_t partition;
	int failed;
};

static void
send_change(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	struct sender *s = arg;

	if (fk_rt_send_to(
	        s->rt, s->topic, s->partition, value, len, key, keylen) == -1)
		s->failed = 1;
}

int
fk_changelog_write(struct fk_rt *rt, const char *topic, int32_t partition,
    struct fk_enrich *e, int64_t offset)
{
	struct sender s = { .rt = rt, .topic = topic, .partition = partition };

	fk_enrich_changes(e, offset, send_change, &s);
	return s.failed ? -1 : 0;
}
