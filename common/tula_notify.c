/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify(3) for the daemon: readiness, status, stopping, and a watchdog timer on the
 * control loop. The timer rides the loop on purpose: a handler stuck in a commit or a
 * probe stops the pings, and systemd restarts a control plane that no longer answers.
 */
#include "common/tula_notify.h"

#include "common/tula_log.h"
#include "common/tula_loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

static struct tula_timer *watchdog;

void tula_notify_ready(const char *fmt, ...)
{
	char status[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void tula_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
}

static void ping(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

int64_t tula_notify_watchdog_start(struct tula_loop *loop)
{
	uint64_t usec = 0;
	uint64_t period_ms;
	int rc = sd_watchdog_enabled(0, &usec);

	if (rc < 0)
		TLOG_WARNING("systemd watchdog: WATCHDOG_USEC is unusable (%s): not fed",
			     strerror(-rc));
	if (rc <= 0 || usec == 0)
		return 0;
	watchdog = tula_timer_new(loop, ping, NULL);
	if (watchdog == NULL)
		return -errno;
	/* systemd recommends half the interval; at least every millisecond */
	period_ms = usec / 2000 > 0 ? usec / 2000 : 1;
	tula_timer_arm(watchdog, 0, period_ms);
	return (int64_t)usec;
}

void tula_notify_watchdog_stop(void)
{
	tula_timer_free(watchdog);
	watchdog = NULL;
}
