/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's side of the daemon's life (sd_notify(3) from libsystemd): tell
 * systemd when Tula is ready (Type=notify), what it is doing, that it is stopping, and
 * feed the watchdog (WatchdogSec=) from the control thread's event loop, so a control
 * loop that stops turning gets the service restarted.
 *
 * Without NOTIFY_SOCKET (not started by systemd) every call does nothing. Control
 * thread only.
 */
#ifndef TULA_NOTIFY_H
#define TULA_NOTIFY_H

#include <stdint.h>

struct tula_loop;

/* READY=1 with a STATUS= line (printf-style). */
void tula_notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STOPPING=1: the shutdown has begun. */
void tula_notify_stopping(void);

/*
 * When systemd asked for a watchdog (WATCHDOG_USEC for this pid), arm a timer on loop
 * that sends WATCHDOG=1 at half the interval. Returns the interval in microseconds
 * (0 = no watchdog asked), or -errno when the timer cannot be created.
 */
int64_t tula_notify_watchdog_start(struct tula_loop *loop);
/* Disarm and free the watchdog timer (before the loop is freed). */
void tula_notify_watchdog_stop(void);

#endif
