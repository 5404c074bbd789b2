/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * epoll for descriptors; timers in a list sorted by due time. The control side has
 * at most a few thousand timers (one per health-checked backend), so a sorted list
 * keeps the code obvious at no measurable cost.
 */
#include "common/tula_loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

struct watch {
	int fd;
	int dead; /* deleted while a batch of events was being dispatched */
	tula_fd_cb cb;
	void *arg;
	LIST_ENTRY(watch) next;
};

struct tula_timer {
	struct tula_loop *loop;
	tula_timer_cb cb;
	void *arg;
	uint64_t due;
	uint64_t period;
	int armed;
	int running; /* inside its callback */
	int freed;   /* tula_timer_free() called from its callback */
	TAILQ_ENTRY(tula_timer) next;
};

struct tula_loop {
	int epfd;
	int stop;
	LIST_HEAD(, watch) watches;
	LIST_HEAD(, watch) graveyard; /* freed after the current dispatch */
	TAILQ_HEAD(, tula_timer) timers;
};

uint64_t tula_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct tula_loop *tula_loop_new(void)
{
	struct tula_loop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int err = errno;

		free(loop);
		errno = err;
		return NULL;
	}
	LIST_INIT(&loop->watches);
	LIST_INIT(&loop->graveyard);
	TAILQ_INIT(&loop->timers);
	return loop;
}

static void bury(struct tula_loop *loop)
{
	struct watch *w;

	while ((w = LIST_FIRST(&loop->graveyard)) != NULL) {
		LIST_REMOVE(w, next);
		free(w);
	}
}

void tula_loop_free(struct tula_loop *loop)
{
	struct tula_timer *t;
	struct watch *w;

	if (loop == NULL)
		return;
	while ((w = LIST_FIRST(&loop->watches)) != NULL) {
		LIST_REMOVE(w, next);
		free(w);
	}
	bury(loop);
	while ((t = TAILQ_FIRST(&loop->timers)) != NULL) {
		TAILQ_REMOVE(&loop->timers, t, next);
		t->armed = 0;
		t->loop = NULL;
	}
	close(loop->epfd);
	free(loop);
}

static struct watch *find_watch(struct tula_loop *loop, int fd)
{
	struct watch *w;

	LIST_FOREACH(w, &loop->watches, next)
		if (w->fd == fd)
			return w;
	return NULL;
}

static uint32_t to_epoll(uint32_t events)
{
	uint32_t e = 0;

	if (events & TULA_EV_READ)
		e |= EPOLLIN | EPOLLRDHUP;
	if (events & TULA_EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

int tula_loop_add_fd(struct tula_loop *loop, int fd, uint32_t events, tula_fd_cb cb, void *arg)
{
	struct epoll_event ev = {.events = to_epoll(events)};
	struct watch *w;

	if (find_watch(loop, fd) != NULL)
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		free(w);
		return -err;
	}
	LIST_INSERT_HEAD(&loop->watches, w, next);
	return 0;
}

int tula_loop_mod_fd(struct tula_loop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = to_epoll(events)};
	struct watch *w = find_watch(loop, fd);

	if (w == NULL)
		return -ENOENT;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void tula_loop_del_fd(struct tula_loop *loop, int fd)
{
	struct watch *w = find_watch(loop, fd);

	if (w == NULL)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	LIST_REMOVE(w, next);
	w->dead = 1;
	LIST_INSERT_HEAD(&loop->graveyard, w, next);
}

struct tula_timer *tula_timer_new(struct tula_loop *loop, tula_timer_cb cb, void *arg)
{
	struct tula_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	return t;
}

void tula_timer_disarm(struct tula_timer *t)
{
	if (t->armed && t->loop != NULL)
		TAILQ_REMOVE(&t->loop->timers, t, next);
	t->armed = 0;
}

static void insert_timer(struct tula_loop *loop, struct tula_timer *t)
{
	struct tula_timer *it;

	TAILQ_FOREACH(it, &loop->timers, next) {
		if (it->due > t->due) {
			TAILQ_INSERT_BEFORE(it, t, next);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&loop->timers, t, next);
}

void tula_timer_arm(struct tula_timer *t, uint64_t delay_ms, uint64_t period_ms)
{
	if (t->loop == NULL)
		return;
	tula_timer_disarm(t);
	t->due = tula_now_ms() + delay_ms;
	t->period = period_ms;
	t->armed = 1;
	insert_timer(t->loop, t);
}

int tula_timer_armed(const struct tula_timer *t)
{
	return t->armed;
}

void tula_timer_free(struct tula_timer *t)
{
	if (t == NULL)
		return;
	tula_timer_disarm(t);
	if (t->running) {
		t->freed = 1;
		return;
	}
	free(t);
}

static int run_timers(struct tula_loop *loop)
{
	uint64_t now = tula_now_ms();
	struct tula_timer *t;
	int n = 0;

	while ((t = TAILQ_FIRST(&loop->timers)) != NULL && t->due <= now) {
		TAILQ_REMOVE(&loop->timers, t, next);
		t->armed = 0;
		if (t->period > 0) {
			t->due += t->period;
			if (t->due <= now) /* we fell behind: do not fire in a burst */
				t->due = now + t->period;
			t->armed = 1;
			insert_timer(loop, t);
		}
		t->running = 1;
		t->cb(loop, t, t->arg);
		t->running = 0;
		if (t->freed)
			free(t);
		n++;
		if (loop->stop)
			break;
	}
	return n;
}

static int next_timeout(struct tula_loop *loop, int timeout_ms)
{
	struct tula_timer *t = TAILQ_FIRST(&loop->timers);
	uint64_t now, wait;

	if (t == NULL)
		return timeout_ms;
	now = tula_now_ms();
	wait = t->due > now ? t->due - now : 0;
	if (wait > 60000)
		wait = 60000;
	if (timeout_ms < 0 || (uint64_t)timeout_ms > wait)
		return (int)wait;
	return timeout_ms;
}

int tula_loop_run_once(struct tula_loop *loop, int timeout_ms)
{
	struct epoll_event evs[64];
	int i, n, ran = 0;

	n = epoll_wait(loop->epfd, evs, 64, next_timeout(loop, timeout_ms));
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	for (i = 0; i < n && !loop->stop; i++) {
		struct watch *w = evs[i].data.ptr;
		uint32_t e = 0;

		if (w->dead)
			continue;
		if (evs[i].events & EPOLLIN)
			e |= TULA_EV_READ;
		if (evs[i].events & EPOLLOUT)
			e |= TULA_EV_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
			e |= TULA_EV_ERROR | TULA_EV_READ;
		w->cb(loop, w->fd, e, w->arg);
		ran++;
	}
	bury(loop);
	if (!loop->stop)
		ran += run_timers(loop);
	return ran;
}

int tula_loop_run(struct tula_loop *loop)
{
	int rc;

	loop->stop = 0;
	while (!loop->stop) {
		rc = tula_loop_run_once(loop, -1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void tula_loop_stop(struct tula_loop *loop)
{
	loop->stop = 1;
}

int tula_loop_stopped(const struct tula_loop *loop)
{
	return loop->stop;
}
