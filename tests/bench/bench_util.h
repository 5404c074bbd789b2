/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the C benchmarks share: a monotonic clock, medians, failing loudly, and the bare
 * SQLite transaction that commit figures are compared with.
 */
#ifndef TULA_BENCH_UTIL_H
#define TULA_BENCH_UTIL_H

struct db_diags;

/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);
/* The median of v[0..n) (sorts v). */
double bench_median(double *v, int n);
/* Print "PROG: WHAT failed" and d's diagnostics (d may be NULL) to stderr; exit 1. */
void bench_die(const char *what, const struct db_diags *d) __attribute__((noreturn));
/* Median milliseconds of iters transactions (BEGIN; INSERT text; COMMIT) on a fresh
 * database at path with the store's pragmas (WAL, synchronous=FULL); path is removed. */
double bench_sqlite_commit(const char *path, const char *text, int iters);

#endif
