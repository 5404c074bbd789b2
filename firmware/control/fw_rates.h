/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rates per VIP and per backend (packets/s and bits/s), as `ipvsadm -Ln --rate` shows
 * them: a 1 s timer on the control loop samples the counters fw_dp sums, and keeps for
 * every slot the rate over the last second and an exponentially weighted moving
 * average with a 10 s time constant (the load average's shape: each second the average
 * moves 1 - e^(-1/10), about 9.5 %, of the way towards the last second's rate).
 *
 * A slot whose generation changes (a new VIP or backend took it) starts again from zero;
 * a counter that went backwards (`clear services dsr statistics`) counts as no traffic
 * for that second. Everything here is computed on the control side from counters the
 * workers already keep: nothing is added to the data path.
 *
 * Thread: the control thread (the loop's).
 */
#ifndef FW_RATES_H
#define FW_RATES_H

#include <stdint.h>

struct fw_dp;
struct fw_rates;
struct tula_loop;

#define FW_RATES_PERIOD_MS 1000
#define FW_RATES_TAU_S	   10 /* time constant of the average */

struct fw_rate {
	double pps, bps;	 /* over the last sampling period */
	double pps_avg, bps_avg; /* exponentially weighted, FW_RATES_TAU_S */
};

/*
 * Start sampling dp's counters every second on loop. on_tick (may be NULL) runs after
 * each sample (observers that publish snapshots hang there). Returns NULL with errno.
 */
struct fw_rates *fw_rates_new(struct tula_loop *loop, struct fw_dp *dp, void (*on_tick)(void *arg),
			      void *arg);
void fw_rates_free(struct fw_rates *r);

/* Take a sample now (tests; the timer calls it every second). */
void fw_rates_sample(struct fw_rates *r);

/* The rates of VIP slot / backend slot (zeros before two samples). 0 or -EINVAL. */
int fw_rates_vip(const struct fw_rates *r, unsigned int slot, struct fw_rate *out);
int fw_rates_backend(const struct fw_rates *r, unsigned int slot, struct fw_rate *out);

#endif
