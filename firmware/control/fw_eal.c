/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up. DPDK writes its log to a stdio stream; we give it a fopencookie()
 * stream that forwards each line to tula_log and remembers the last error, so that
 * start-up and device probe failures can name DPDK's own reason.
 */
#include "firmware/control/fw_eal.h"

#include "common/tula_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#define POOL_SIZE  32767 /* 2^n - 1 is optimal for the ring-backed mempool */
#define POOL_CACHE 256

static struct {
	FILE *stream;
	struct rte_mempool *pool;
	char last_error[256];
	char line[1024];
	size_t line_len;
} E;

static void log_line(const char *s)
{
	uint32_t level = rte_log_cur_msg_loglevel();
	enum tula_log_level tl;

	if (level <= RTE_LOG_ERR) {
		if (E.last_error[0] == '\0') /* the first error is the specific one */
			snprintf(E.last_error, sizeof(E.last_error), "%s", s);
		tl = TULA_LOG_ERR;
	} else if (level <= RTE_LOG_WARNING) {
		/* telemetry's v1 socket is legacy: its absence is no news to an operator */
		tl = strncmp(s, "TELEMETRY: No legacy callbacks", 30) == 0 ? TULA_LOG_DEBUG
									   : TULA_LOG_WARNING;
	} else if (level <= RTE_LOG_NOTICE) {
		tl = TULA_LOG_NOTICE;
	} else {
		/* DPDK's INFO lines (lcores detected, IOVA mode...) are start-up chatter */
		tl = TULA_LOG_DEBUG;
	}
	tula_log(tl, "dpdk: %s", s);
}

static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < size; i++) {
		if (buf[i] == '\n' || E.line_len == sizeof(E.line) - 1) {
			E.line[E.line_len] = '\0';
			if (E.line_len > 0)
				log_line(E.line);
			E.line_len = 0;
			if (buf[i] == '\n')
				continue;
		}
		E.line[E.line_len++] = buf[i];
	}
	return (ssize_t)size;
}

const char *fw_eal_last_error(void)
{
	return E.last_error;
}

void fw_eal_clear_error(void)
{
	E.last_error[0] = '\0';
}

struct rte_mempool *fw_eal_pktmbuf_pool(void)
{
	return E.pool;
}

static int free_hugepages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "re");
	int n = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%d", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

int fw_eal_init(int argc, char **argv)
{
	cookie_io_functions_t io = {.write = log_write};
	char *defaults[12];
	int n = 0, rc;

	E.stream = fopencookie(NULL, "w", io);
	if (E.stream != NULL) {
		setvbuf(E.stream, NULL, _IONBF, 0);
		rte_openlog_stream(E.stream);
	}

	if (argc <= 1) {
		defaults[n++] = argv[0];
		defaults[n++] = "-m";
		defaults[n++] = "512";
		/* No PCI scan: a kernel-owned NIC must never be taken by surprise. PCI ports
		 * are given explicitly (-a ADDRESS) by whoever owns the machine. */
		defaults[n++] = "--no-pci";
		/* Our own runtime directory, <run>/dpdk/tula: the telemetry socket sits
		 * there (dpdk-telemetry.py -f tula), apart from other DPDK programs'. */
		defaults[n++] = "--file-prefix";
		defaults[n++] = "tula";
		if (free_hugepages() < 256) {
			defaults[n++] = "--no-huge";
			defaults[n++] = "--no-shconf"; /* --in-memory needs hugepages */
		} else {
			defaults[n++] = "--in-memory";
		}
		defaults[n] = NULL;
		argc = n;
		argv = defaults;
	}

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		if (E.last_error[0] == '\0')
			snprintf(E.last_error, sizeof(E.last_error), "%s", rte_strerror(rte_errno));
		return -(rte_errno ? rte_errno : EINVAL);
	}
	if (rte_lcore_count() < 2)
		TLOG_WARNING("only one lcore: no worker lcore will poll the ports "
			     "(give the EAL at least two, e.g. -l 0-1)");

	E.pool = rte_pktmbuf_pool_create("tula_pkt", POOL_SIZE, POOL_CACHE, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (E.pool == NULL) {
		snprintf(E.last_error, sizeof(E.last_error),
			 "cannot create the packet pool of %d buffers: %s (give the EAL more "
			 "memory, e.g. -m 512)",
			 POOL_SIZE, rte_strerror(rte_errno));
		rc = -rte_errno;
		rte_eal_cleanup();
		return rc;
	}
	return 0;
}

void fw_eal_fini(void)
{
	if (E.pool != NULL) {
		rte_mempool_free(E.pool);
		E.pool = NULL;
	}
	rte_eal_cleanup();
	rte_openlog_stream(NULL);
	if (E.stream != NULL) {
		fclose(E.stream);
		E.stream = NULL;
	}
}
