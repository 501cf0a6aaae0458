#include "watermark.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Control messages are few (one a partition a tick): jansson, as for
 * everything that is not a record. */
int
fk_watermark_parse(const char *data, size_t len, struct fk_watermark *w,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(data, len, 0, &je), *v;
	const char *topic;
	json_int_t task, tasks, wm;
	int rc = -1;

	memset(w, 0, sizeof(*w));
	if (o == NULL || !json_is_object(o)) {
		snprintf(err, errlen, "watermark: not a JSON object");
		goto out;
	}
	if ((v = json_object_get(o, "topic")) == NULL || !json_is_string(v) ||
	    strlen(topic = json_string_value(v)) >= sizeof(w->topic)) {
		snprintf(err, errlen, "watermark: topic: expected a string");
		goto out;
	}
	if ((v = json_object_get(o, "tasks")) == NULL || !json_is_integer(v) ||
	    (tasks = json_integer_value(v)) < 1 || tasks > 100000) {
		snprintf(err, errlen,
		    "watermark: tasks: expected an integer from 1 to 100000");
		goto out;
	}
	if ((v = json_object_get(o, "task")) == NULL || !json_is_integer(v) ||
	    (task = json_integer_value(v)) < 0 || task >= tasks) {
		snprintf(err, errlen,
		    "watermark: task: expected an integer below tasks");
		goto out;
	}
	if ((v = json_object_get(o, "wm")) == NULL || !json_is_integer(v) ||
	    (wm = json_integer_value(v)) < 0) {
		snprintf(err, errlen, "watermark: wm: expected a time in ms");
		goto out;
	}
	v = json_object_get(o, "idle");
	if (v != NULL && !json_is_boolean(v)) {
		snprintf(
		    err, errlen, "watermark: idle: expected true or false");
		goto out;
	}
	w->idle = v != NULL && json_is_true(v);
	v = json_object_get(o, "idle_at");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		snprintf(
		    err, errlen, "watermark: idle_at: expected a time in ms");
		goto out;
	}
	if (w->idle && v != NULL)
		w->idle_at = (int64_t)json_integer_value(v);
	memcpy(w->topic, topic, strlen(topic) + 1);
	w->task = (int32_t)task;
	w->tasks = (int32_t)tasks;
	w->wm = (int64_t)wm;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int
fk_watermark_format(const struct fk_watermark *w, char *buf, size_t len)
{
	json_t *topic = json_string(w->topic);
	char *t = topic != NULL ? json_dumps(topic, JSON_ENCODE_ANY) : NULL;
	int n = -1;

	if (t != NULL && w->idle && w->idle_at > 0)
		n = snprintf(buf, len,
		    "{\"topic\":%s,\"task\":%d,\"tasks\":%d,\"wm\":%lld,"
		    "\"idle\":true,\"idle_at\":%lld}",
		    t, (int)w->task, (int)w->tasks, (long long)w->wm,
		    (long long)w->idle_at);
	else if (t != NULL)
		n = snprintf(buf, len,
		    "{\"topic\":%s,\"task\":%d,\"tasks\":%d,\"wm\":%lld,"
		    "\"idle\":%s}",
		    t, (int)w->task, (int)w->tasks, (long long)w->wm,
		    w->idle ? "true" : "false");
	free(t);
	json_decref(topic);
	return n >= 0 && (size_t)n < len ? n : -1;
}
