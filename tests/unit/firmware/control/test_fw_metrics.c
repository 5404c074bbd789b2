/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus exposition text (fw_metrics_render) from a hand-made picture: counter
 * families with _total samples, gauges, every drop reason, label escaping, and every
 * line a comment or a sample. The HTTP side is covered by the lab
 * (lab-telemetry-metrics-and-rates-agree-with-the-cli); here fw_obs is replaced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/control/fw_metrics.h"

/* fw_metrics.c takes a picture per scrape; the render under test never does. */
struct fw_obs *fw_obs_new(struct fw_ctl *ctl)
{
	(void)ctl;
	return NULL;
}
void fw_obs_free(struct fw_obs *o)
{
	(void)o;
}
void fw_obs_take(struct fw_obs *o, const struct fw_obs_src *src)
{
	(void)o;
	(void)src;
}

static struct fw_obs *picture(void)
{
	static struct fw_obs_vip vips[2];
	static struct fw_obs_backend bes[3];
	static struct fw_obs o;

	memset(&o, 0, sizeof(o));
	snprintf(vips[0].name, sizeof(vips[0].name), "web");
	vips[0].c = (struct fw_obj_counters){.packets = 300, .bytes = 45000, .new_flows = 7};
	vips[0].up = 1;
	snprintf(vips[1].name, sizeof(vips[1].name), "odd\"na\\me");
	vips[1].c = (struct fw_obj_counters){.packets = 1, .bytes = 60, .new_flows = 1};
	bes[0] = (struct fw_obs_backend){.vip = 0,
					 .weight = 100,
					 .up = 1,
					 .usable = 1,
					 .health = "up",
					 .c = {200, 30000, 5}};
	snprintf(bes[0].name, sizeof(bes[0].name), "be1");
	bes[1] = (struct fw_obs_backend){.vip = 0,
					 .weight = 0,
					 .up = 0,
					 .usable = 0,
					 .health = "down",
					 .c = {100, 15000, 2}};
	snprintf(bes[1].name, sizeof(bes[1].name), "be2");
	bes[2] = (struct fw_obs_backend){.vip = 1,
					 .weight = 1,
					 .up = 1,
					 .usable = 1,
					 .health = "unchecked",
					 .c = {1, 60, 1}};
	snprintf(bes[2].name, sizeof(bes[2].name), "be3");
	o.vips = vips;
	o.nb_vips = o.cap_vips = 2;
	o.backends = bes;
	o.nb_backends = o.cap_backends = 3;
	o.nb_workers = 2;
	o.workers[0].flows_used = 12;
	o.workers[0].flows_capacity = 1024;
	o.workers[1].flows_capacity = 1024;
	o.drop[FW_DROP_NO_BACKEND] = 9;
	o.ev[FW_EV_RX] = 301;
	o.revision = 42;
	return &o;
}

static void counters_gauges_and_labels_are_rendered(void **state)
{
	size_t len = 0;
	char *t = fw_metrics_render(picture(), &len);

	(void)state;
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "# TYPE tula_vip_packets_total counter\n"));
	assert_non_null(strstr(t, "\ntula_vip_packets_total{vip=\"web\"} 300\n"));
	assert_non_null(strstr(t, "\ntula_vip_bytes_total{vip=\"web\"} 45000\n"));
	assert_non_null(strstr(t, "\ntula_vip_new_flows_total{vip=\"web\"} 7\n"));
	assert_non_null(strstr(t, "\ntula_vip_up{vip=\"web\"} 1\n"));
	/* label values are escaped as the format asks */
	assert_non_null(strstr(t, "\ntula_vip_packets_total{vip=\"odd\\\"na\\\\me\"} 1\n"));
	assert_non_null(
		strstr(t, "\ntula_backend_packets_total{vip=\"web\",backend=\"be2\"} 100\n"));
	assert_non_null(
		strstr(t, "\ntula_backend_up{vip=\"web\",backend=\"be2\",health=\"down\"} 0\n"));
	assert_non_null(strstr(t, "\ntula_backend_weight{vip=\"web\",backend=\"be1\"} 100\n"));
	assert_non_null(strstr(t, "# TYPE tula_backend_up gauge\n"));
	assert_non_null(strstr(t, "\ntula_drops_total{reason=\"no-usable-backend\"} 9\n"));
	assert_non_null(strstr(t, "\ntula_datapath_events_total{event=\"rx-packets\"} 301\n"));
	assert_non_null(strstr(t, "\ntula_flow_table_entries{worker=\"0\"} 12\n"));
	assert_non_null(strstr(t, "\ntula_flow_table_capacity_entries{worker=\"1\"} 1024\n"));
	assert_non_null(strstr(t, "\ntula_config_revision 42\n"));
	free(t);
}

static void every_drop_reason_is_a_sample(void **state)
{
	size_t len = 0, n = 0;
	char *t = fw_metrics_render(picture(), &len);

	(void)state;
	for (const char *p = t; (p = strstr(p, "\ntula_drops_total{")) != NULL; p++)
		n++;
	assert_int_equal(n, FW_DROP_MAX);
	free(t);
}

static void every_line_is_a_comment_or_a_sample(void **state)
{
	size_t len = 0;
	char *t = fw_metrics_render(picture(), &len), *save = NULL;

	(void)state;
	assert_true(len > 0 && t[len - 1] == '\n');
	for (char *l = strtok_r(t, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		const char *sp = strrchr(l, ' ');

		if (strncmp(l, "# HELP tula_", 12) == 0 || strncmp(l, "# TYPE tula_", 12) == 0)
			continue;
		assert_true(strncmp(l, "tula_", 5) == 0);
		assert_non_null(sp);
		assert_true(sp[1] >= '0' && sp[1] <= '9');
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counters_gauges_and_labels_are_rendered),
		cmocka_unit_test(every_drop_reason_is_a_sample),
		cmocka_unit_test(every_line_is_a_comment_or_a_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
