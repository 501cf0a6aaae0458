#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "numbers.h"
#include "banned.h"

#define LINE_MAX_WIDTH 512

/* The line on the screen, for the log hook to erase. */
static struct fk_progress *on_screen;

static void
erase(void)
{
	struct fk_progress *p = on_screen;

	if (p == NULL || p->shown == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)p->shown, "");
	p->shown = 0;
}

int
fk_progress_width(void)
{
	const char *s = getenv("COLUMNS");
	char err[128];
	long long w;

	if (s == NULL ||
	    fk_num_int(s, 20, LINE_MAX_WIDTH, &w, err, sizeof(err)) == -1)
		return 80;
	return (int)w;
}

/* "12s", "3m05s", "2h07m". */
static void
format_left(double s, char *buf, size_t len)
{
	long long t = (long long)(s + 0.5);

	if (t < 60)
		snprintf(buf, len, "%llds", t);
	else if (t < 3600)
		snprintf(buf, len, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lldh%02lldm", t / 3600, t / 60 % 60);
}

size_t
fk_progress_format(char *buf, size_t len, int width, const char *name,
    long long in, double rate, long long rejected, double pct, double left_s)
{
	char line[LINE_MAX_WIDTH + 128], left[32];
	size_t n, max;
	int k;

	k = snprintf(line, sizeof(line), "%s: %lld in, %.0f/s", name, in,
	    rate > 0 ? rate : 0.0);
	n = k > 0 ? (size_t)k : 0;
	if (rejected >= 0 && n < sizeof(line))
		n += (size_t)snprintf(
		    line + n, sizeof(line) - n, ", %lld rejected", rejected);
	if (pct >= 0 && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", %.1f%%",
		    pct > 100 ? 100.0 : pct);
	if (left_s >= 0 && n < sizeof(line)) {
		format_left(left_s, left, sizeof(left));
		n += (size_t)snprintf(
		    line + n, sizeof(line) - n, ", %s left", left);
	}
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	max = width > 1 ? (size_t)width - 1 : 0;
	if (n > max)
		n = max;
	if (len == 0)
		return 0;
	if (n >= len)
		n = len - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return n;
}

void
fk_progress_start(struct fk_progress *p, const char *name, long long total,
    int always, long long now_ms)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->width = fk_progress_width();
	p->always = always;
	p->total = total;
	p->t0_ms = p->last_ms = now_ms;
	p->next_ms = now_ms + FK_PROGRESS_MS;
	on_screen = p;
	fk_log_set_before(erase);
}

/* Rewrite the line: \r, the text, and blanks over what is left of a
 * longer one before it. */
static void
draw(struct fk_progress *p, const struct fk_progress_counts *c, double rate,
    double left_s)
{
	char line[LINE_MAX_WIDTH];
	double pct = -1;
	size_t n;

	if (p->total > 0)
		pct = 100.0 * (double)c->bytes / (double)p->total;
	else if (p->total == 0)
		pct = 100;
	n = fk_progress_format(line, sizeof(line), p->width, p->name, c->in,
	    rate, c->rejected, pct, left_s);
	fprintf(stderr, "\r%s%*s", line, p->shown > n ? (int)(p->shown - n) : 0,
	    "");
	fflush(stderr);
	p->shown = n; /* past it, blanks */
	p->drawn = 1;
}

void
fk_progress_tick(
    struct fk_progress *p, long long now_ms, const struct fk_progress_counts *c)
{
	double secs, rate, brate, left = -1;

	if (now_ms < p->next_ms)
		return;
	secs = (double)(now_ms - p->last_ms) / 1000.0;
	rate = (double)(c->in - p->last_in) / secs;
	brate = (double)(c->bytes - p->last_bytes) / secs;
	/* Smoothed, so that time left does not jump with every pause. */
	p->byte_rate = p->drawn ? 0.7 * p->byte_rate + 0.3 * brate : brate;
	if (p->total >= 0 && p->byte_rate > 0 && c->bytes < p->total)
		left = (double)(p->total - c->bytes) / p->byte_rate;
	draw(p, c, rate, left);
	p->last_ms = now_ms;
	p->last_in = c->in;
	p->last_bytes = c->bytes;
	p->next_ms = now_ms + FK_PROGRESS_MS;
}

void
fk_progress_end(
    struct fk_progress *p, long long now_ms, const struct fk_progress_counts *c)
{
	double secs = (double)(now_ms - p->t0_ms) / 1000.0;

	if (p->drawn || p->always) {
		draw(p, c, secs > 0 ? (double)c->in / secs : 0.0, -1);
		fputc('\n', stderr);
		fflush(stderr);
	}
	p->shown = 0;
	on_screen = NULL;
	fk_log_set_before(NULL);
}
