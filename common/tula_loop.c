/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * epoll for descriptors; timers in a binary min-heap by due time (ties in the order
 * they were armed). The control side has two timers per health-checked backend — 40 000
 * with 20 000 backends, re-armed thousands of times a second — so arming costs
 * O(log n), not a walk of a sorted list.
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
	int running;  /* inside its callback */
	int freed;    /* tula_timer_free() called from its callback */
	uint64_t seq; /* arming order: equal due times fire first armed, first run */
	size_t idx;   /* in loop->heap while armed */
	LIST_ENTRY(tula_timer) all;
};

struct tula_loop {
	int epfd;
	int stop;
	LIST_HEAD(, watch) watches;
	LIST_HEAD(, watch) graveyard; /* freed after the current dispatch */
	/* [nb_fds] the watch of each descriptor: thousands of health probes in flight add,
	 * change and remove theirs all the time */
	struct watch **by_fd;
	size_t nb_fds;
	struct tula_timer **heap; /* [nb_armed], heap[0] due first */
	size_t nb_armed, cap;	  /* cap >= every timer of the loop: arming never allocates */
	size_t nb_timers;
	LIST_HEAD(, tula_timer) timers; /* every one, armed or not: detached at loop free */
	uint64_t seq;
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
	LIST_INIT(&loop->timers);
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
	while ((t = LIST_FIRST(&loop->timers)) != NULL) {
		LIST_REMOVE(t, all);
		t->armed = 0;
		t->loop = NULL;
	}
	free(loop->heap);
	free(loop->by_fd);
	close(loop->epfd);
	free(loop);
}

static struct watch *find_watch(struct tula_loop *loop, int fd)
{
	return fd >= 0 && (size_t)fd < loop->nb_fds ? loop->by_fd[fd] : NULL;
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

	if (fd < 0)
		return -EBADF;
	if (find_watch(loop, fd) != NULL)
		return -EEXIST;
	if ((size_t)fd >= loop->nb_fds) {
		size_t n = loop->nb_fds ? loop->nb_fds : 64;
		struct watch **t;

		while (n <= (size_t)fd)
			n *= 2;
		t = realloc(loop->by_fd, n * sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		for (size_t i = loop->nb_fds; i < n; i++)
			t[i] = NULL;
		loop->by_fd = t;
		loop->nb_fds = n;
	}
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
	loop->by_fd[fd] = w;
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
	loop->by_fd[fd] = NULL;
	w->dead = 1;
	LIST_INSERT_HEAD(&loop->graveyard, w, next);
}

/* ---- the timer heap ---- */

static int earlier(const struct tula_timer *a, const struct tula_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(struct tula_loop *loop, size_t i, struct tula_timer *t)
{
	loop->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct tula_loop *loop, size_t i)
{
	struct tula_timer *t = loop->heap[i];

	while (i > 0 && earlier(t, loop->heap[(i - 1) / 2])) {
		heap_set(loop, i, loop->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(loop, i, t);
}

static void sift_down(struct tula_loop *loop, size_t i)
{
	struct tula_timer *t = loop->heap[i];
	size_t n = loop->nb_armed;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && earlier(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!earlier(loop->heap[c], t))
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

static void heap_remove(struct tula_loop *loop, struct tula_timer *t)
{
	size_t i = t->idx;
	struct tula_timer *last = loop->heap[--loop->nb_armed];

	if (last == t)
		return;
	heap_set(loop, i, last);
	if (i > 0 && earlier(last, loop->heap[(i - 1) / 2]))
		sift_up(loop, i);
	else
		sift_down(loop, i);
}

static void insert_timer(struct tula_loop *loop, struct tula_timer *t)
{
	t->seq = loop->seq++;
	heap_set(loop, loop->nb_armed++, t);
	sift_up(loop, t->idx);
}

struct tula_timer *tula_timer_new(struct tula_loop *loop, tula_timer_cb cb, void *arg)
{
	struct tula_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (loop->nb_timers == loop->cap) {
		size_t cap = loop->cap ? loop->cap * 2 : 64;
		struct tula_timer **h = realloc(loop->heap, cap * sizeof(*h));

		if (h == NULL) {
			free(t);
			return NULL;
		}
		loop->heap = h;
		loop->cap = cap;
	}
	loop->nb_timers++;
	LIST_INSERT_HEAD(&loop->timers, t, all);
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	return t;
}

void tula_timer_disarm(struct tula_timer *t)
{
	if (t->armed && t->loop != NULL)
		heap_remove(t->loop, t);
	t->armed = 0;
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
	if (t->loop != NULL) {
		t->loop->nb_timers--;
		LIST_REMOVE(t, all);
	}
	t->loop = NULL; /* a callback still running may not arm it again */
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

	while (loop->nb_armed > 0 && (t = loop->heap[0])->due <= now) {
		heap_remove(loop, t);
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
	struct tula_timer *t = loop->nb_armed ? loop->heap[0] : NULL;
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
