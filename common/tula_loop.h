/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop: file descriptors (epoll) and timers (monotonic
 * milliseconds). Everything on the control side that waits — CLI sessions, the punt
 * ring poll, neighbour refresh, health probes, the commit-confirmed deadline — is a
 * callback here, so the control side is single-threaded and needs no locks.
 *
 * Not thread safe: one loop belongs to the thread that runs it.
 */
#ifndef TULA_LOOP_H
#define TULA_LOOP_H

#include <stdint.h>

struct tula_loop;
struct tula_timer;

#define TULA_EV_READ  0x1u
#define TULA_EV_WRITE 0x4u
#define TULA_EV_ERROR 0x8u /* hang-up or error; always reported */

typedef void (*tula_fd_cb)(struct tula_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*tula_timer_cb)(struct tula_loop *loop, struct tula_timer *t, void *arg);

/* A new loop, or NULL with errno set. */
struct tula_loop *tula_loop_new(void);
/* Frees the loop and every timer still attached to it; fds are not closed. */
void tula_loop_free(struct tula_loop *loop);

/* Watch fd for events (TULA_EV_*). Returns 0, -EEXIST, or -errno. */
int tula_loop_add_fd(struct tula_loop *loop, int fd, uint32_t events, tula_fd_cb cb, void *arg);
int tula_loop_mod_fd(struct tula_loop *loop, int fd, uint32_t events);
/* Stop watching fd (safe from inside any callback, also fd's own). */
void tula_loop_del_fd(struct tula_loop *loop, int fd);

/* A disarmed timer owned by the caller (or NULL with errno). */
struct tula_timer *tula_timer_new(struct tula_loop *loop, tula_timer_cb cb, void *arg);
/* Fire after delay_ms, then every period_ms (0 = once). Re-arming replaces. */
void tula_timer_arm(struct tula_timer *t, uint64_t delay_ms, uint64_t period_ms);
void tula_timer_disarm(struct tula_timer *t);
int tula_timer_armed(const struct tula_timer *t);
/* Disarm and free (safe from inside its own callback). NULL is ignored. */
void tula_timer_free(struct tula_timer *t);

/* Run callbacks until tula_loop_stop(). Returns 0 or -errno. */
int tula_loop_run(struct tula_loop *loop);
/* Wait at most timeout_ms (-1 = until something happens) and run what is due.
 * Returns the number of callbacks run or -errno. */
int tula_loop_run_once(struct tula_loop *loop, int timeout_ms);
void tula_loop_stop(struct tula_loop *loop);
int tula_loop_stopped(const struct tula_loop *loop);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t tula_now_ms(void);

#endif
