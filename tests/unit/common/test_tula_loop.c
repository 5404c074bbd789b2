/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/tula_loop.h"

struct counter {
	int n;
	uint64_t at[8];
	struct tula_timer *self;
	int free_self;
};

static void count_timer(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct counter *c = arg;

	(void)loop;
	(void)t;
	if (c->n < 8)
		c->at[c->n] = tula_now_ms();
	c->n++;
	if (c->free_self && c->n == c->free_self)
		tula_timer_free(c->self);
}

static void one_shot_timer_fires_once_after_its_delay(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct counter c = {0};
	struct tula_timer *t = tula_timer_new(loop, count_timer, &c);
	uint64_t start = tula_now_ms();
	int i;

	(void)state;
	tula_timer_arm(t, 30, 0);
	for (i = 0; i < 20 && c.n == 0; i++)
		tula_loop_run_once(loop, 100);
	assert_int_equal(c.n, 1);
	assert_true(c.at[0] - start >= 30);
	assert_false(tula_timer_armed(t));
	tula_loop_run_once(loop, 50);
	assert_int_equal(c.n, 1);
	tula_timer_free(t);
	tula_loop_free(loop);
}

static void periodic_timer_repeats_and_can_free_itself(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct counter c = {.free_self = 3};
	int i;

	(void)state;
	c.self = tula_timer_new(loop, count_timer, &c);
	tula_timer_arm(c.self, 5, 5);
	for (i = 0; i < 100 && c.n < 3; i++)
		tula_loop_run_once(loop, 20);
	assert_int_equal(c.n, 3);
	/* freed from inside its own callback: never fires again */
	tula_loop_run_once(loop, 30);
	assert_int_equal(c.n, 3);
	tula_loop_free(loop);
}

static void timers_fire_in_due_order(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct counter a = {0}, b = {0};
	struct tula_timer *ta = tula_timer_new(loop, count_timer, &a);
	struct tula_timer *tb = tula_timer_new(loop, count_timer, &b);
	int i;

	(void)state;
	tula_timer_arm(ta, 40, 0);
	tula_timer_arm(tb, 10, 0);
	for (i = 0; i < 50 && (a.n == 0 || b.n == 0); i++)
		tula_loop_run_once(loop, 100);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_true(b.at[0] <= a.at[0]);
	tula_timer_free(ta);
	tula_timer_free(tb);
	tula_loop_free(loop);
}

struct reader {
	int calls;
	char got;
};

/* Many timers (as 20 000 health-checked backends arm): armed in a scrambled order,
 * re-armed and disarmed on the way, they fire in due order, equal due times in the
 * order they were armed; a freed one never fires. */
#define MANY 3000
static int fired[MANY], nb_fired;

static void record(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	fired[nb_fired++] = (int)(intptr_t)arg;
}

static void many_timers_fire_in_due_then_arming_order(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	static struct tula_timer *t[MANY];
	int i, due_of[MANY];

	(void)state;
	nb_fired = 0;
	for (i = 0; i < MANY; i++)
		t[i] = tula_timer_new(loop, record, (void *)(intptr_t)i);
	for (i = 0; i < MANY; i++) {
		int k = (i * 7) % MANY; /* 7 and 3000 are coprime: every timer, scrambled */

		/* seven due times 50 ms apart: the clock ticking while arming moves none
		 * into another class, nor before one armed earlier in its class */
		due_of[k] = 5 + 50 * (k % 7);
		tula_timer_arm(t[k], 1000, 0); /* far away, then brought forward */
		tula_timer_arm(t[k], (uint64_t)due_of[k], 0);
	}
	tula_timer_disarm(t[10]);
	tula_timer_free(t[11]);
	while (nb_fired < MANY - 2)
		tula_loop_run_once(loop, 5);
	for (i = 1; i < nb_fired; i++) {
		int a = fired[i - 1], b = fired[i];

		/* k was armed at step k * 2143 % MANY (2143 is 7's inverse mod 3000) */
		assert_true(due_of[a] < due_of[b] ||
			    (due_of[a] == due_of[b] && a * 2143 % MANY < b * 2143 % MANY));
		assert_true(a != 10 && a != 11 && b != 10 && b != 11);
	}
	for (i = 0; i < MANY; i++)
		if (i != 11)
			tula_timer_free(t[i]);
	tula_loop_free(loop);
}

static void on_read(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct reader *r = arg;

	assert_true(events & TULA_EV_READ);
	r->calls++;
	assert_int_equal(read(fd, &r->got, 1), 1);
	tula_loop_del_fd(loop, fd); /* deleting itself from its callback is allowed */
}

static void fd_callback_runs_when_readable(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct reader r = {0};
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(tula_loop_add_fd(loop, p[0], TULA_EV_READ, on_read, &r), 0);
	assert_int_equal(tula_loop_add_fd(loop, p[0], TULA_EV_READ, on_read, &r), -EEXIST);
	tula_loop_run_once(loop, 10);
	assert_int_equal(r.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	tula_loop_run_once(loop, 100);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.got, 'x');
	assert_int_equal(write(p[1], "y", 1), 1);
	tula_loop_run_once(loop, 10);
	assert_int_equal(r.calls, 1); /* no longer watched */
	close(p[0]);
	close(p[1]);
	tula_loop_free(loop);
}

static void stop_from_timer(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	tula_loop_stop(loop);
}

static void run_returns_after_stop(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct tula_timer *t = tula_timer_new(loop, stop_from_timer, NULL);

	(void)state;
	tula_timer_arm(t, 5, 0);
	assert_int_equal(tula_loop_run(loop), 0);
	assert_true(tula_loop_stopped(loop));
	tula_timer_free(t);
	tula_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_shot_timer_fires_once_after_its_delay),
		cmocka_unit_test(periodic_timer_repeats_and_can_free_itself),
		cmocka_unit_test(timers_fire_in_due_order),
		cmocka_unit_test(many_timers_fire_in_due_then_arming_order),
		cmocka_unit_test(fd_callback_runs_when_readable),
		cmocka_unit_test(run_returns_after_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
