/* Unit tests for exitcode.c: failures add up to the most serious. */
#include "exitcode.h"

#include <stddef.h>

#include <criterion/criterion.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Least to most serious, as ranked in exitcode.c. */
static const int ranked[] = {
	FK_EX_OK,
	FK_EX_DATAERR,
	FK_EX_NOINPUT,
	FK_EX_TEMPFAIL,
	FK_EX_UNAVAILABLE,
	FK_EX_IOERR,
	FK_EX_OSERR,
};

/* Ranked above all of the above, equal among themselves. */
static const int fatal[] = { FK_EX_USAGE, FK_EX_SOFTWARE, FK_EX_CONFIG };

Test(exitcode, values)
{
	cr_assert_eq(FK_EX_OK, 0);
	cr_assert_eq(FK_EX_USAGE, 64);
	cr_assert_eq(FK_EX_DATAERR, 65);
	cr_assert_eq(FK_EX_NOINPUT, 66);
	cr_assert_eq(FK_EX_UNAVAILABLE, 69);
	cr_assert_eq(FK_EX_SOFTWARE, 70);
	cr_assert_eq(FK_EX_OSERR, 71);
	cr_assert_eq(FK_EX_IOERR, 74);
	cr_assert_eq(FK_EX_TEMPFAIL, 75);
	cr_assert_eq(FK_EX_CONFIG, 78);
}

Test(exitcode, named_pairs)
{
	cr_assert_eq(fk_exit_worse(65, 75), 75);
	cr_assert_eq(fk_exit_worse(75, 65), 75);
	cr_assert_eq(fk_exit_worse(75, 74), 74);
	cr_assert_eq(fk_exit_worse(74, 75), 74);
	cr_assert_eq(fk_exit_worse(65, 74), 74);
	cr_assert_eq(fk_exit_worse(65, 66), 66);
	cr_assert_eq(fk_exit_worse(66, 75), 75);
	cr_assert_eq(fk_exit_worse(75, 69), 69);
	cr_assert_eq(fk_exit_worse(69, 74), 74);
	cr_assert_eq(fk_exit_worse(74, 71), 71);
	cr_assert_eq(fk_exit_worse(71, 78), 78);
	cr_assert_eq(fk_exit_worse(70, 71), 70);
	cr_assert_eq(fk_exit_worse(64, 74), 64);
}

Test(exitcode, zero_loses_to_everything)
{
	size_t i;

	cr_assert_eq(fk_exit_worse(0, 0), 0);
	for (i = 1; i < NELEM(ranked); i++) {
		cr_assert_eq(fk_exit_worse(0, ranked[i]), ranked[i]);
		cr_assert_eq(fk_exit_worse(ranked[i], 0), ranked[i]);
	}
	for (i = 0; i < NELEM(fatal); i++) {
		cr_assert_eq(fk_exit_worse(0, fatal[i]), fatal[i]);
		cr_assert_eq(fk_exit_worse(fatal[i], 0), fatal[i]);
	}
	/* codes outside the list are failures too */
	cr_assert_eq(fk_exit_worse(0, 1), 1);
	cr_assert_eq(fk_exit_worse(2, 0), 2);
}

Test(exitcode, total_order)
{
	size_t i, j;
	int want;

	for (i = 0; i < NELEM(ranked); i++) {
		cr_assert_eq(fk_exit_worse(ranked[i], ranked[i]), ranked[i]);
		for (j = 0; j < NELEM(ranked); j++) {
			want = ranked[i > j ? i : j];
			cr_assert_eq(fk_exit_worse(ranked[i], ranked[j]), want,
			    "worse(%d, %d) = %d, want %d", ranked[i], ranked[j],
			    fk_exit_worse(ranked[i], ranked[j]), want);
		}
	}
}

Test(exitcode, usage_config_software_top)
{
	size_t i, j;
	int w;

	for (i = 0; i < NELEM(fatal); i++) {
		for (j = 0; j < NELEM(ranked); j++) {
			cr_assert_eq(
			    fk_exit_worse(fatal[i], ranked[j]), fatal[i]);
			cr_assert_eq(
			    fk_exit_worse(ranked[j], fatal[i]), fatal[i]);
		}
		for (j = 0; j < NELEM(fatal); j++) {
			w = fk_exit_worse(fatal[i], fatal[j]);
			cr_assert(w == fatal[i] || w == fatal[j],
			    "worse(%d, %d) = %d", fatal[i], fatal[j], w);
		}
	}
}

/* A run's codes folded in any order give the same answer. */
Test(exitcode, failures_add_up)
{
	static const int run1[] = { 65, 65, 75, 65 };
	static const int run2[] = { 75, 65, 65, 65 };
	static const int run3[] = { 65, 74, 75, 0, 65 };
	int a = 0, b = 0, c = 0;
	size_t i;

	for (i = 0; i < NELEM(run1); i++)
		a = fk_exit_worse(a, run1[i]);
	for (i = 0; i < NELEM(run2); i++)
		b = fk_exit_worse(b, run2[i]);
	for (i = 0; i < NELEM(run3); i++)
		c = fk_exit_worse(c, run3[i]);
	cr_assert_eq(a, 75);
	cr_assert_eq(b, 75);
	cr_assert_eq(c, 74);
}
