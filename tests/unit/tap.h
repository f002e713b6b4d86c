/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP output for C unit tests: tests/run-suites counts the
 * "ok - " and "not ok - " lines against the plan.  main() calls tap_plan()
 * first with the number of cases it means to run (counted from its calls
 * and tables, never from what was printed), so a case that vanishes or a
 * test that dies half-way fails the suite.  A case that cannot run here
 * prints "ok - <name> # SKIP <why>" instead of its result.  CHECK()
 * reports a failure with its location and keeps going, so one run shows
 * every broken case.
 */
#ifndef TEEARRAY_TAP_H
#define TEEARRAY_TAP_H

#include <stdio.h>
#include <stdarg.h>

static int tap_failures;
static int tap_case_failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: CHECK(%s) failed\n",	\
			       __FILE__, __LINE__, #cond);		\
			tap_case_failed = 1;				\
		}							\
	} while (0)

/* The plan, "1..N": call once, before the first case. */
static inline void tap_plan(unsigned int cases)
{
	printf("1..%u\n", cases);
	fflush(stdout);
}

static inline void tap_begin(void)
{
	tap_case_failed = 0;
}

/* End a test case: prints its result line. */
static inline void __attribute__((format(printf, 1, 2))) tap_end(const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", tap_case_failed ? "not ok" : "ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failures += tap_case_failed;
}

static inline int tap_exit_status(void)
{
	return tap_failures ? 1 : 0;
}

#endif /* TEEARRAY_TAP_H */
