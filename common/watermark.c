#include "watermark.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

/* Control messages are few (one a partition a batch): jansson, as for
 * everything that is not a record. */
/* task, wm and idle of mark o into w (topic and tasks set). */
static int
parse_mark(json_t *o, struct fk_watermark *w, char *err, size_t errlen)
{
	json_t *v;
	json_int_t task, wm;

	if ((v = json_object_get(o, "task")) == NULL || !json_is_integer(v) ||
	    (task = json_integer_value(v)) < 0 || task >= w->tasks) {
		snprintf(err, errlen,
		    "watermark: task: expected an integer below tasks");
		return -1;
	}
	if ((v = json_object_get(o, "wm")) == NULL || !json_is_integer(v) ||
	    (wm = json_integer_value(v)) < 0) {
		snprintf(err, errlen, "watermark: wm: expected a time in ms");
		return -1;
	}
	v = json_object_get(o, "idle");
	if (v != NULL && !json_is_boolean(v)) {
		snprintf(
		    err, errlen, "watermark: idle: expected true or false");
		return -1;
	}
	w->task = (int32_t)task;
	w->wm = (int64_t)wm;
	w->idle = v != NULL && json_is_true(v);
	return 0;
}

/* topic and tasks of message o into w. */
static int
parse_head(json_t *o, struct fk_watermark *w, char *err, size_t errlen)
{
	json_t *v;
	const char *topic;
	json_int_t tasks;

	memset(w, 0, sizeof(*w));
	if (o == NULL || !json_is_object(o)) {
		snprintf(err, errlen, "watermark: not a JSON object");
		return -1;
	}
	if ((v = json_object_get(o, "topic")) == NULL || !json_is_string(v) ||
	    strlen(topic = json_string_value(v)) >= sizeof(w->topic)) {
		snprintf(err, errlen, "watermark: topic: expected a string");
		return -1;
	}
	if ((v = json_object_get(o, "tasks")) == NULL || !json_is_integer(v) ||
	    (tasks = json_integer_value(v)) < 1 || tasks > 100000) {
		snprintf(err, errlen,
		    "watermark: tasks: expected an integer from 1 to 100000");
		return -1;
	}
	memcpy(w->topic, topic, strlen(topic) + 1);
	w->tasks = (int32_t)tasks;
	return 0;
}

int
fk_watermark_parse(const char *data, size_t len, struct fk_watermark *w,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(data, len, 0, &je);
	int rc = -1;

	if (parse_head(o, w, err, errlen) == 0 &&
	    parse_mark(o, w, err, errlen) == 0)
		rc = 0;
	json_decref(o);
	return rc;
}

int
fk_watermarks_parse(const char *data, size_t len, struct fk_watermarks *ws,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(data, len, 0, &je), *marks, *m;
	struct fk_watermark head;
	size_t i, n = 1;
	int rc = -1;

	ws->n = 0;
	if (parse_head(o, &head, err, errlen) == -1)
		goto out;
	marks = json_object_get(o, "marks");
	if (marks != NULL &&
	    (!json_is_array(marks) || (n = json_array_size(marks)) == 0 ||
	        n > FK_WATERMARK_MARKS_MAX)) {
		snprintf(err, errlen,
		    "watermark: marks: expected an array of 1 to %d objects",
		    FK_WATERMARK_MARKS_MAX);
		goto out;
	}
	if (n > ws->cap) {
		ws->w = fk_xrealloc(ws->w, n * sizeof(*ws->w));
		ws->cap = n;
	}
	for (i = 0; i < n; i++) {
		m = marks != NULL ? json_array_get(marks, i) : o;
		if (!json_is_object(m)) {
			snprintf(err, errlen,
			    "watermark: marks: expected an array of 1 to %d "
			    "objects",
			    FK_WATERMARK_MARKS_MAX);
			goto out;
		}
		ws->w[i] = head;
		if (parse_mark(m, &ws->w[i], err, errlen) == -1)
			goto out;
	}
	ws->n = n;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

void
fk_watermarks_free(struct fk_watermarks *ws)
{
	free(ws->w);
	memset(ws, 0, sizeof(*ws));
}

int
fk_watermark_format(const struct fk_watermark *w, char *buf, size_t len)
{
	json_t *topic = json_string(w->topic);
	char *t = topic != NULL ? json_dumps(topic, JSON_ENCODE_ANY) : NULL;
	int n = -1;

	if (t != NULL)
		n = snprintf(buf, len,
		    "{\"topic\":%s,\"task\":%d,\"tasks\":%d,\"wm\":%lld,"
		    "\"idle\":%s}",
		    t, (int)w->task, (int)w->tasks, (long long)w->wm,
		    w->idle ? "true" : "false");
	free(t);
	json_decref(topic);
	return n >= 0 && (size_t)n < len ? n : -1;
}

size_t
fk_watermarks_size(size_t n)
{
	/* The topic escaped (at most 6 bytes a byte, \uXXXX), the head, and
	 * per mark {"task":N,"wm":N,"idle":false}, with room to spare. */
	return 6 * 256 + 64 + n * 72;
}

int
fk_watermarks_format(
    const struct fk_watermark *w, size_t n, char *buf, size_t len)
{
	json_t *topic;
	char *t;
	size_t at;
	int k;

	if (n == 1)
		return fk_watermark_format(w, buf, len);
	if (n == 0 || n > FK_WATERMARK_MARKS_MAX)
		return -1;
	topic = json_string(w->topic);
	t = topic != NULL ? json_dumps(topic, JSON_ENCODE_ANY) : NULL;
	json_decref(topic);
	if (t == NULL)
		return -1;
	k = snprintf(buf, len, "{\"topic\":%s,\"tasks\":%d,\"marks\":[", t,
	    (int)w->tasks);
	free(t);
	if (k < 0 || (size_t)k >= len)
		return -1;
	at = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		k = snprintf(buf + at, len - at,
		    "%s{\"task\":%d,\"wm\":%lld,\"idle\":%s}", i ? "," : "",
		    (int)w[i].task, (long long)w[i].wm,
		    w[i].idle ? "true" : "false");
		if (k < 0 || (size_t)k >= len - at)
			return -1;
		at += (size_t)k;
	}
	if (len - at < 3)
		return -1;
	memcpy(buf + at, "]}", 3);
	return (int)(at + 2);
}
