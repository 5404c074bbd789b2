/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK environment: EAL start-up with Tula's defaults, DPDK's log lines routed
 * into Tula's log (keeping the last error so a failed probe can be explained to the
 * operator), and the packet buffer pool.
 */
#ifndef FW_EAL_H
#define FW_EAL_H

#include <stddef.h>

struct rte_mempool;

/*
 * Start the EAL with argv (argv[0] is a program name). When argc == 1 Tula picks
 * defaults fit for a small machine: `-m 512 --no-pci --in-memory`,
 * or `-m 512 --no-pci --no-huge --no-shconf` when fewer than 256 hugepages are free. Returns 0 or -errno; on failure the reason is in fw_eal_last_error().
 */
int fw_eal_init(int argc, char **argv);
void fw_eal_fini(void);

/* The shared packet pool (created by fw_eal_init), or NULL before. */
struct rte_mempool *fw_eal_pktmbuf_pool(void);

/*
 * The first ERR/CRIT line DPDK logged since fw_eal_clear_error() ("" if none) and a way to clear it,
 * so that a caller can say "cannot open device X: <DPDK's own reason>".
 */
const char *fw_eal_last_error(void);
void fw_eal_clear_error(void);

#endif
