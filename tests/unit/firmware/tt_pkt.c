/* SPDX-License-Identifier: BSD-3-Clause */
/* Data-path test helper (see tt_pkt.h). */
#include "tt_pkt.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#ifndef TT_DATA_DIR
#error "TT_DATA_DIR must name tests/data"
#endif

static struct rte_mempool *pool;

void tt_eal_init(const char *lcores)
{
	char l[32];
	char *argv[] = {"tt",  "--no-huge", "--no-pci", "--no-shconf",	       "-m",
			"256", "-l",	    l,		"--log-level=*:error", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (pool != NULL)
		return;
	snprintf(l, sizeof(l), "%s", lcores);
	if (rte_eal_init(argc, argv) < 0)
		fail_msg("rte_eal_init failed");
	pool = rte_pktmbuf_pool_create("tt_pool", 8191, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL)
		fail_msg("cannot create the test mbuf pool");
}

struct rte_mempool *tt_pool(void)
{
	return pool;
}

struct rte_mbuf *tt_mbuf(const void *bytes, size_t len, uint16_t port)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	void *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, bytes, len);
	m->port = port;
	return m;
}

size_t tt_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex))
			fail_msg("bad hex character '%c'", *hex);
		v = isdigit((unsigned char)*hex) ? *hex - '0'
						 : tolower((unsigned char)*hex) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			fail_msg("hex longer than %zu bytes", cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return n;
}

size_t tt_golden(const char *name, uint8_t *out, size_t cap)
{
	static char line[16384];
	FILE *f = fopen(TT_DATA_DIR "/fw_golden.hex", "r");
	size_t nl = strlen(name), n = 0;
	int found = 0;

	if (f == NULL)
		fail_msg("cannot open %s", TT_DATA_DIR "/fw_golden.hex");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, nl) == 0 && line[nl] == ' ') {
			n = tt_hex(line + nl + 1, out, cap);
			found = 1;
			break;
		}
	}
	fclose(f);
	if (!found)
		fail_msg("golden frame %s not in fw_golden.hex", name);
	return n;
}

struct rte_mbuf *tt_golden_mbuf(const char *name, uint16_t port)
{
	uint8_t b[9600];
	size_t n = tt_golden(name, b, sizeof(b));

	return tt_mbuf(b, n, port);
}

size_t tt_bytes(const struct rte_mbuf *m, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; m != NULL; m = m->next) {
		size_t l = rte_pktmbuf_data_len(m);

		if (n + l > cap)
			fail_msg("frame longer than %zu bytes", cap);
		memcpy(out + n, rte_pktmbuf_mtod(m, const uint8_t *), l);
		n += l;
	}
	return n;
}

static void dump(const char *title, const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t i, j;

	print_message("%s (%zu bytes)%s\n", title, an, b ? ", differing bytes in [ ]" : "");
	for (i = 0; i < an; i += 16) {
		char line[128];
		int o = snprintf(line, sizeof(line), "  %04zx ", i);

		for (j = i; j < i + 16 && j < an; j++) {
			int diff = b != NULL && (j >= bn || a[j] != b[j]);

			o += snprintf(line + o, sizeof(line) - (size_t)o,
				      diff ? "[%02x]" : " %02x ", a[j]);
		}
		print_message("%s\n", line);
	}
}

void tt_assert_frame(const struct rte_mbuf *m, const uint8_t *want, size_t len)
{
	static uint8_t got[16384];
	size_t n;

	assert_non_null(m);
	n = tt_bytes(m, got, sizeof(got));
	if (n == len && memcmp(got, want, len) == 0)
		return;
	dump("expected", want, len, got, n);
	dump("got", got, n, want, len);
	fail_msg("frame differs from the expected one (%zu vs %zu bytes)", n, len);
}

void tt_assert_golden(const struct rte_mbuf *m, const char *name)
{
	static uint8_t want[16384];
	size_t n = tt_golden(name, want, sizeof(want));

	print_message("  comparing with golden frame %s\n", name);
	tt_assert_frame(m, want, n);
}

uint16_t tt_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t tt_cap_tx(void *arg, uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct tt_cap *cap = arg;
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (cap->n == TT_CAP_MAX || (cap->refuse_after && cap->n >= cap->refuse_after))
			break;
		cap->port[cap->n] = port_id;
		cap->queue[cap->n] = queue;
		cap->pkts[cap->n++] = pkts[i];
	}
	return i;
}

void tt_cap_reset(struct tt_cap *cap)
{
	unsigned int i;

	for (i = 0; i < cap->n; i++)
		rte_pktmbuf_free(cap->pkts[i]);
	cap->n = 0;
}
