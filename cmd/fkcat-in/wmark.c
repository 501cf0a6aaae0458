#include "wmark.h"

#include <string.h>

#include "fktime.h"
#include "banned.h"

void
fk_wmark_init(struct fk_wmark *m, int64_t idle_after_ms)
{
	memset(m, 0, sizeof(*m));
	m->idle_after_ms = idle_after_ms;
}

static int
fill(struct fk_wmark *m, int idle, struct fk_watermark *w)
{
	/* A pause is named once, by when it began: a reader knows a task
	 * still idle from an earlier one by it. */
	if (idle && m->idle_at == 0)
		m->idle_at = fk_time_wall_ms();
	memset(w, 0, sizeof(*w));
	w->topic[0] = '-';
	w->task = 0;
	w->tasks = 1;
	w->wm = m->wm;
	w->idle = idle;
	w->idle_at = idle ? m->idle_at : 0;
	return 1;
}

int
fk_wmark_record(
    struct fk_wmark *m, int64_t ts, int64_t now, struct fk_watermark *w)
{
	/* The greatest, not the last: an earlier record after a later one
	 * is late for readers, and a watermark never goes back. */
	if (ts > m->wm)
		m->wm = ts;
	m->emitted = 1;
	m->last_ms = now;
	m->idle_at = 0;
	/* Readers hold records from the first watermark on: it goes first,
	 * and after an idle one a record must not pass a reader unheld. */
	if ((m->sent && !m->sent_idle) ||
	    (m->failed && now - m->failed_ms < FK_WMARK_RETRY_MS))
		return 0;
	return fill(m, 0, w);
}

int
fk_wmark_tick(struct fk_wmark *m, int64_t now, struct fk_watermark *w)
{
	int idle;

	if (!m->emitted)
		return 0;
	idle = now - m->last_ms >= m->idle_after_ms;
	/* Due when it says something new: wm moved, idle now, or not idle
	 * any more (a record's own watermark did not go). */
	if (m->sent && m->sent_wm == m->wm && m->sent_idle == idle)
		return 0;
	return fill(m, idle, w);
}

int
fk_wmark_end(struct fk_wmark *m, struct fk_watermark *w)
{
	if (!m->emitted || (m->sent && m->sent_idle && m->sent_wm == m->wm))
		return 0;
	return fill(m, 1, w);
}

void
fk_wmark_sent(struct fk_wmark *m, const struct fk_watermark *w)
{
	m->sent = 1;
	m->sent_wm = w->wm;
	m->sent_idle = w->idle;
	m->failed = 0;
}

void
fk_wmark_failed(struct fk_wmark *m, int64_t now)
{
	m->failed = 1;
	m->failed_ms = now;
}
