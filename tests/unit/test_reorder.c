/* Unit tests for fk-enrich's reorder.c: the merge of a partition that
 * interleaves upstream tasks, released by their watermarks. */
#include "reorder.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* A watermark message at input offset at. */
static void
wm_at(struct fk_reorder *r, int task, int64_t t, int idle, int64_t at)
{
	/* Idle ones in a pause named by their time. */
	struct fk_watermark w = { .task = task,
		.tasks = 2,
		.wm = t,
		.idle = idle,
		.idle_at = idle ? 1000 + t : 0 };

	memcpy(w.topic, "up", 3);
	fk_reorder_watermark(r, &w, at);
}

static void
wm(struct fk_reorder *r, int task, int64_t t, int idle)
{
	wm_at(r, task, t, idle, 0);
}

/* A record whose text is its tx_id. */
static void
push(struct fk_reorder *r, int64_t t, const char *tx, int64_t offset)
{
	fk_reorder_push(r, t, tx, strlen(tx), 0, strlen(tx), 0, offset);
}

/* The tx_ids released now, space-separated. */
static void
released(struct fk_reorder *r, int all, char *buf, size_t len)
{
	struct fk_reorder_rec x;
	size_t n = 0;

	buf[0] = '\0';
	while (fk_reorder_next(r, all, &x)) {
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
		    n > 0 ? " " : "", (int)x.len, x.data);
		free(x.data);
	}
}

Test(reorder, waits_for_every_task_then_releases_below_the_least)
{
	struct fk_reorder r;
	char got[256];

	fk_reorder_init(&r, 0);
	wm(&r, 0, 100, 0);
	push(&r, 100, "a", 0);
	push(&r, 150, "b", 1);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "", "task 1 not heard from yet");
	cr_assert_eq(fk_reorder_first_offset(&r, -1), 0);
	wm(&r, 1, 120, 0);
	push(&r, 120, "c", 2);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "", "nothing below 100");
	wm(&r, 0, 200, 0);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "a", "below 120 only, equal times wait");
	cr_assert_eq(fk_reorder_first_offset(&r, -1), 1);
	wm(&r, 1, 300, 0);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "c b");
	fk_reorder_release(&r);
}

Test(reorder, equal_times_go_by_tx_id_then_arrival)
{
	struct fk_reorder r;
	char got[256];

	fk_reorder_init(&r, 0);
	wm(&r, 0, 0, 0);
	wm(&r, 1, 0, 0);
	push(&r, 50, "tx-9", 0);
	push(&r, 50, "tx-10", 1);
	push(&r, 50, "tx-1", 2);
	push(&r, 40, "tx-z", 3);
	released(&r, 1, got, sizeof(got));
	cr_assert_str_eq(got, "tx-z tx-1 tx-10 tx-9");
	fk_reorder_release(&r);
}

/* Without idle_bounds (fkcat-in --merge: partitions that stay quiet,
 * other members' partitions), an idle task is not waited for. */
Test(reorder, idle_tasks_are_not_waited_for)
{
	struct fk_reorder r;
	char got[256];
	int64_t out;

	fk_reorder_init(&r, 0);
	wm(&r, 0, 100, 0);
	wm(&r, 1, 10, 1);
	push(&r, 90, "a", 0);
	push(&r, 100, "b", 1);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "a");
	cr_assert_eq(fk_reorder_out(&r, &out), 1);
	cr_assert_eq(out, 100, "the record held");
	wm(&r, 0, 500, 1);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "b");
	cr_assert_eq(fk_reorder_out(&r, &out), 2, "all idle, none held");
	fk_reorder_release(&r);
}

/* Both tasks idle at 100 in one pause; task 0 resumes, sends a (200)
 * and c (300), and its watermark is at 350. */
static void
resume_one(struct fk_reorder *r, int idle_bounds)
{
	fk_reorder_init(r, 0);
	r->idle_bounds = idle_bounds;
	wm(r, 0, 100, 1);
	wm(r, 1, 100, 1);
	cr_assert_eq(fk_reorder_frontier(r), INT64_MAX, "all idle");
	wm(r, 0, 200, 0);
	push(r, 200, "a", 0);
	push(r, 300, "c", 1);
	wm(r, 0, 350, 0);
}

/* Two tasks fed by one source go idle, then resume one after the other:
 * the one still idle holds the other's records back, so that its own,
 * when they come, are not behind what was let go. */
Test(reorder, with_idle_bounds_an_idle_task_holds_back_until_all_are)
{
	struct fk_reorder r;
	char got[256];
	int64_t out;

	resume_one(&r, 1);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "", "task 1, idle at 100, may still send 150");
	cr_assert_eq(fk_reorder_out(&r, &out), 1);
	cr_assert_eq(out, 100);
	wm(&r, 1, 250, 0);
	cr_assert_not(fk_reorder_behind(&r, 250, "b", 1));
	push(&r, 250, "b", 2);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "a", "below both");
	wm(&r, 0, 400, 1);
	wm(&r, 1, 400, 1);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "b c", "all idle again");
	cr_assert_eq(fk_reorder_out(&r, &out), 2, "all idle, none held");
	fk_reorder_release(&r);

	/* Without it, task 0 lets c go, and b comes behind it. */
	resume_one(&r, 0);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "a c");
	cr_assert(fk_reorder_behind(&r, 250, "b", 1));
	fk_reorder_release(&r);
}

/* A task still idle from an earlier pause of the source has records to
 * come from the later one: the others, idle in the later pause, do not
 * let go past it. */
Test(reorder, with_idle_bounds_all_idle_in_one_pause_let_go)
{
	struct fk_reorder r;
	char got[256];
	int64_t out;

	resume_one(&r, 1);
	wm(&r, 0, 350, 1);
	cr_assert_eq(fk_reorder_idle_at(&r), 1350);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "", "task 1 is idle from the pause before");
	cr_assert_eq(fk_reorder_out(&r, &out), 1, "so this one is not idle");
	cr_assert_eq(out, 100);
	wm(&r, 1, 250, 0);
	push(&r, 250, "b", 2);
	wm(&r, 1, 350, 1);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "a b c", "both idle in the pause at 1350");
	cr_assert_eq(fk_reorder_out(&r, &out), 2);
	fk_reorder_release(&r);
}

Test(reorder, the_bound_releases_the_first)
{
	struct fk_reorder r;
	char got[256];

	fk_reorder_init(&r, 2);
	wm(&r, 0, 0, 0);
	push(&r, 30, "c", 0);
	push(&r, 10, "a", 1);
	push(&r, 20, "b", 2);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "a");
	cr_assert_eq(r.forced, 1);
	fk_reorder_release(&r);
}

Test(reorder, the_checkpoint_survives_a_restart)
{
	struct fk_reorder r, s;
	char got[256], num[64];
	size_t len;
	void *saved;

	fk_reorder_init(&r, 0);
	wm_at(&r, 0, 100, 0, 0);
	wm_at(&r, 1, 100, 1, 1);
	push(&r, 50, "m", 2);
	push(&r, 50, "n", 3);
	push(&r, 60, "o", 4);
	push(&r, 150, "p", 5);
	released(&r, 0, got, sizeof(got));
	cr_assert_str_eq(got, "m n o");
	wm_at(&r, 1, 120, 0, 6);
	r.out_epoch = 7;
	fk_reorder_number(&r, 3, num, sizeof(num));
	cr_assert_str_eq(num, "3 7 1");
	cr_assert_eq(fk_reorder_dup(&r, "1 9 40", 6), 0);
	saved = fk_reorder_save(&r, 7, &len);
	cr_assert_eq(r.nundo, 1, "the change at offset 6 can still be undone");
	fk_reorder_release(&r);

	fk_reorder_init(&s, 0);
	cr_assert_eq(fk_reorder_load(&s, saved, len), 0);
	cr_assert(s.active);
	cr_assert_eq(s.end, 7);
	cr_assert(fk_reorder_applied(&s, 50, "m", 1));
	cr_assert(fk_reorder_applied(&s, 60, "o", 1));
	cr_assert_not(fk_reorder_applied(&s, 60, "p", 1));
	cr_assert_not(fk_reorder_applied(&s, 150, "p", 1));
	/* The watermarks as at p, offset 5: task 1 idle again, in its
	 * pause. */
	cr_assert_eq(s.status[1], 2);
	cr_assert_eq(s.wm[1], 100);
	cr_assert_eq(s.idle_at[1], 1100);
	cr_assert_eq(fk_reorder_frontier(&s), 100);
	/* Read again from p: as the first member did. */
	push(&s, 150, "p", 5);
	wm_at(&s, 1, 120, 0, 6);
	wm_at(&s, 0, 151, 0, 7);
	released(&s, 0, got, sizeof(got));
	cr_assert_str_eq(got, "", "task 1 at 120");
	wm_at(&s, 1, 200, 0, 8);
	released(&s, 0, got, sizeof(got));
	cr_assert_str_eq(got, "p");
	fk_reorder_number(&s, 3, num, sizeof(num));
	cr_assert_str_eq(num, "3 7 2", "numbering goes on");
	cr_assert_eq(fk_reorder_dup(&s, "1 9 40", 6), 1, "seen before");
	cr_assert_eq(fk_reorder_load(&s, saved, len - 1), -1);
	free(saved);
	fk_reorder_release(&s);
}

Test(reorder, record_numbers_find_what_was_sent_twice)
{
	struct fk_reorder r;

	fk_reorder_init(&r, 0);
	cr_assert_eq(fk_reorder_dup(&r, "0 5 1", 5), 0);
	cr_assert_eq(fk_reorder_dup(&r, "0 5 2", 5), 0);
	cr_assert_eq(fk_reorder_dup(&r, "2 5 1", 5), 0, "another task");
	cr_assert_eq(fk_reorder_dup(&r, "0 5 1", 5), 1);
	cr_assert_eq(fk_reorder_dup(&r, "0 5 2", 5), 1);
	cr_assert_eq(fk_reorder_dup(&r, "0 5 3", 5), 0);
	cr_assert_eq(fk_reorder_dup(&r, "0 6 1", 5), 0, "a new epoch");
	cr_assert_eq(fk_reorder_dup(&r, "0 6 1", 5), 1);
	cr_assert_eq(fk_reorder_dup(&r, "0 6", 3), 0, "not a number");
	cr_assert_eq(fk_reorder_dup(&r, "x 6 1", 5), 0);
	cr_assert_eq(fk_reorder_dup(&r, "0 6 1 ", 6), 0);
	cr_assert_eq(fk_reorder_dup(&r, "100000 6 1", 10), 0, "too many");
	fk_reorder_release(&r);
}

/* A checkpoint, restored into a new member. */
static void
restart(struct fk_reorder *from, struct fk_reorder *to, int64_t end)
{
	size_t len;
	void *saved = fk_reorder_save(from, end, &len);

	fk_reorder_release(from);
	fk_reorder_init(to, 0);
	cr_assert_eq(fk_reorder_load(to, saved, len), 0);
	free(saved);
}

/* Offsets 0-9 hold task 1's records 1-10, none released (task 0 never
 * passes them).  Member b reads them all and hands the partition over;
 * a reads offsets 0-4 again and hands it back before reading the rest;
 * b reads from 0 again: 5-9 are not copies.  The second checkpoint's
 * numbers were the first's, up to offset 10, not a's 5. */
Test(reorder, a_handover_before_reading_back_keeps_the_numbers_end)
{
	struct fk_reorder b, a, b2;
	char seq[32];

	fk_reorder_init(&b, 0);
	wm_at(&b, 0, 0, 0, -1);
	wm_at(&b, 1, 1000, 0, -1);
	for (int i = 0; i < 10; i++) {
		snprintf(seq, sizeof(seq), "1 3 %d", i + 1);
		cr_assert_eq(fk_reorder_seen(&b, i, seq, strlen(seq)), 0);
		push(&b, 100 + i, "t", i);
	}
	restart(&b, &a, 10);
	cr_assert_eq(a.end, 10);
	for (int i = 0; i < 5; i++) {
		snprintf(seq, sizeof(seq), "1 3 %d", i + 1);
		cr_assert_eq(fk_reorder_seen(&a, i, seq, strlen(seq)), 0,
		    "offset %d: read before the checkpoint", i);
		push(&a, 100 + i, "t", i);
	}
	restart(&a, &b2, 5);
	cr_assert_eq(b2.end, 10, "as far as the numbers go");
	for (int i = 0; i < 12; i++) {
		snprintf(seq, sizeof(seq), "1 3 %d", i + 1);
		cr_assert_eq(fk_reorder_seen(&b2, i, seq, strlen(seq)), 0,
		    "offset %d, record %d is no copy", i, i + 1);
	}
	snprintf(seq, sizeof(seq), "1 3 %d", 12);
	cr_assert_eq(fk_reorder_seen(&b2, 12, seq, strlen(seq)), 1,
	    "a real copy still is one");
	fk_reorder_release(&b2);
}

Test(reorder, a_duplicate_is_dropped_a_late_one_is_not)
{
	struct fk_reorder r;
	struct fk_reorder_rec x;

	fk_reorder_init(&r, 0);
	wm(&r, 0, 0, 0);
	wm(&r, 1, 0, 0);
	push(&r, 10, "a", 0);
	push(&r, 20, "b", 1);
	push(&r, 20, "b", 2); /* sent again by a restarted upstream */
	cr_assert_eq(fk_reorder_next(&r, 1, &x), 1);
	free(x.data);
	cr_assert_eq(fk_reorder_next(&r, 1, &x), 1);
	free(x.data);
	cr_assert_eq(fk_reorder_next(&r, 1, &x), 2, "the duplicate");
	free(x.data);
	cr_assert(fk_reorder_behind(&r, 15, "z", 1));
	cr_assert_eq(r.dups, 1);
	fk_reorder_release(&r);
}

Test(reorder, partitions_of_one_merge)
{
	struct fk_reorder r;
	char got[256];

	fk_reorder_init(&r, 0);
	fk_reorder_push(&r, 30, "c", 1, 0, 1, 1, 7);
	fk_reorder_push(&r, 10, "a", 1, 0, 1, 0, 4);
	fk_reorder_push(&r, 20, "b", 1, 0, 1, 1, 8);
	fk_reorder_push(&r, 40, "d", 1, 0, 1, 0, 5);
	cr_assert_eq(fk_reorder_first_offset(&r, 0), 4);
	cr_assert_eq(fk_reorder_first_offset(&r, 1), 7);
	cr_assert_eq(fk_reorder_first_offset(&r, 2), -1);
	cr_assert_eq(fk_reorder_first_offset(&r, -1), 4);
	fk_reorder_drop(&r, 1);
	cr_assert_eq(fk_reorder_first_offset(&r, 1), -1);
	released(&r, 1, got, sizeof(got));
	cr_assert_str_eq(got, "a d", "partition 1's records dropped");
	fk_reorder_release(&r);
}

/* make fuzz (fuzz_state, seed-state/frontier): a frontier restored and
 * saved again before any watermark came, with no undo log yet, saved the
 * same bytes but moved a null pointer's entries (UBSan). */
Test(reorder, a_frontier_restored_is_saved_again_as_it_was)
{
	static const unsigned char saved[] = { 0x32, 0x4f, 0x45, 0x52, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xa0, 0x85, 0x47, 0x35, 0x93, 0x01, 0x00, 0x00, 0x06,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x74, 0x2d, 0x31,
		0x30, 0x30, 0x31, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xd3, 0x47, 0x35, 0x93,
		0x01, 0x00, 0x00, 0x01, 0xe0, 0x92, 0x4a, 0x35, 0x93, 0x01,
		0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00 };
	struct fk_reorder r;
	unsigned char *again;
	size_t len;

	fk_reorder_init(&r, 0);
	cr_assert_eq(fk_reorder_load(&r, saved, sizeof(saved)), 0);
	cr_assert_eq(r.nundo, 0);
	again = fk_reorder_save(&r, r.end, &len);
	/* Saved as "REO3": the same, then each task's pause (none). */
	cr_assert_eq(len, sizeof(saved) + 2 * 8);
	cr_assert_eq(again[0], 0x33);
	cr_assert_eq(memcmp(again + 1, saved + 1, sizeof(saved) - 1), 0);
	for (size_t i = sizeof(saved); i < len; i++)
		cr_assert_eq(again[i], 0);
	free(again);
	fk_reorder_release(&r);
}
