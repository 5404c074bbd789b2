/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper shared by the data-path unit tests: a minimal EAL started once per test
 * executable (--no-huge --no-pci --no-shconf -m 256), a real pktmbuf pool, frames
 * built from bytes or hex, golden frames loaded from tests/data/fw_golden.hex (made by
 * scapy, see tests/data/gen_fw_golden.py), a TX catcher for worker contexts, and a
 * comparison that prints a readable hexdump diff on mismatch.
 *
 * Checksums here are computed by tt_csum(), an RFC 1071 implementation independent of
 * DPDK's, so that a test can verify the pipeline's checksums without trusting rte_ip.
 */
#ifndef TT_PKT_H
#define TT_PKT_H

#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

#define TT_CAP_MAX 256

/* Start the EAL (lcores "0" or e.g. "0-1") once; fails the test on error. */
void tt_eal_init(const char *lcores);
struct rte_mempool *tt_pool(void);

/* A single-segment mbuf holding len bytes, received on DPDK port `port`. */
struct rte_mbuf *tt_mbuf(const void *bytes, size_t len, uint16_t port);

/* Parse hex ("0a 0b..." or "0a0b..."; spaces ignored) into out. Returns the length. */
size_t tt_hex(const char *hex, uint8_t *out, size_t cap);

/* The golden frame `name` from fw_golden.hex into out; fails the test if missing. */
size_t tt_golden(const char *name, uint8_t *out, size_t cap);

/* An mbuf holding the golden frame `name`. */
struct rte_mbuf *tt_golden_mbuf(const char *name, uint16_t port);

/* Copy m's bytes (all segments) into out; returns the length. */
size_t tt_bytes(const struct rte_mbuf *m, uint8_t *out, size_t cap);

/*
 * Assert m holds exactly want[len]; on mismatch print both frames as hexdumps with
 * the differing bytes marked, and fail. Does not free m.
 */
void tt_assert_frame(const struct rte_mbuf *m, const uint8_t *want, size_t len);
void tt_assert_golden(const struct rte_mbuf *m, const char *name);

/* RFC 1071 Internet checksum of data (0 when a header with its checksum is valid). */
uint16_t tt_csum(const void *data, size_t len);

/* Catches what a worker transmits (fw_worker_set_tx(w, tt_cap_tx, &cap)). */
struct tt_cap {
	unsigned int n;
	uint16_t port[TT_CAP_MAX];
	uint16_t queue[TT_CAP_MAX];
	struct rte_mbuf *pkts[TT_CAP_MAX];
	uint16_t refuse_after; /* 0 = take everything; else take at most this many in total */
};
uint16_t tt_cap_tx(void *arg, uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
/* Free every caught mbuf and empty cap. */
void tt_cap_reset(struct tt_cap *cap);

#endif
