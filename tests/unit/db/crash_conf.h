/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configurations the crash test commits: a base of 100 VIPs (so each commit
 * writes tens of kilobytes and a SIGKILL often lands inside SQLite's write),
 * and commit number N setting two statements. Shared by the driver, which
 * commits them, and the harness, which checks the store holds exactly them.
 */
#ifndef CRASH_CONF_H
#define CRASH_CONF_H

#include <stdio.h>

#include "common/tula_buf.h"

#define CRASH_VIPS    100
#define CRASH_HISTORY 50

/* The seed (revision 1) in braces form. */
static inline void crash_seed(struct tula_buf *b)
{
	int i;

	tula_buf_printf(b,
			"system { host-name h0; commit { history %d; } }\n"
			"interfaces { port0 { device \"net_null0\"; address 10.0.0.1/16; } }\n"
			"services { dsr {\n",
			CRASH_HISTORY);
	for (i = 0; i < CRASH_VIPS; i++)
		tula_buf_printf(b,
				"vip v%d { address 10.0.1.%d; protocol tcp; port 80; "
				"backend a { address 10.0.2.%d; } backend b { address 10.0.3.%d; "
				"weight 50; } health-check { type http; http-path /health; } }\n",
				i, i + 1, i + 1, i + 1);
	tula_buf_puts(b, "} }\n");
}

/*
 * The `display set` lines that turn any configuration of this test into the
 * one of commit n: the result depends on n alone, so the harness can rebuild
 * the exact text of every revision.
 */
static inline void crash_change(struct tula_buf *b, unsigned n)
{
	tula_buf_printf(b,
			"set system host-name h%u\n"
			"set services dsr vip v0 description \"commit %u\"\n",
			n, n);
}

#endif
