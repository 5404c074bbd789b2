/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A regular-expression matcher whose cost is bounded: POSIX extended syntax (as
 * regcomp(REG_EXTENDED) reads it) without back-references, compiled to a small
 * program and run as a Thompson NFA (Pike VM) — every input byte advances all live
 * threads at once, so a search costs at most len x program-size steps, whatever the
 * pattern ("(a*)*b" included), and the caller's step budget stops it before that.
 * Used by the shell's `| match` / `| except`, which run on the control thread.
 *
 * Supported: literals, `\` escapes, `.`, bracket expressions with ranges, negation and
 * [:class:] names, `^`, `$`, groups, `|`, and the repetitions `*`, `+`, `?`, `{m}`,
 * `{m,}`, `{m,n}` (m, n <= TULA_RE_DUP_MAX). Refused with a reason: back-references
 * (they make matching NP-hard), and patterns whose program exceeds TULA_RE_MAX_PROG.
 *
 * Thread: any; one search at a time per compiled pattern (it holds the scratch lists).
 */
#ifndef TULA_RE_H
#define TULA_RE_H

#include <stddef.h>
#include <stdint.h>

#define TULA_RE_DUP_MAX	 255  /* largest count in {m,n} */
#define TULA_RE_MAX_PROG 4096 /* instructions of a compiled pattern */

struct tula_re;

/*
 * Compile pattern. Returns 0 with *out (free with tula_re_free), -EINVAL with the reason
 * in why ("unmatched '('", "back-references are not supported", ...), or -ENOMEM.
 */
int tula_re_compile(const char *pattern, struct tula_re **out, char *why, size_t whylen);
void tula_re_free(struct tula_re *re);

/*
 * Does re match anywhere in s[0..len)? (`^` and `$` match at the ends of s only.)
 * Each step (one thread advanced over one byte) is taken from *budget. Returns 1 (a
 * match), 0 (none), or -ETIME when *budget ran out first (*budget is then 0).
 */
int tula_re_search(struct tula_re *re, const char *s, size_t len, uint64_t *budget);

#endif
