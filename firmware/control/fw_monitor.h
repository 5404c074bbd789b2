/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `monitor traffic`, the control side: asks the workers (FW_REQ_CAPTURE) to copy what
 * they receive on one port, optionally only one VIP's packets, into one ring per
 * worker; drains the rings every POLL_MS on the control loop; writes the copies as
 * pcapng (rte_pcapng: tcpdump and tshark read it) or hands them over as decoded lines.
 *
 * Bounded everywhere: one capture at a time; each worker's ring holds at most 8191
 * copies, and all rings together at most a quarter of the packet pool (the copies are
 * its mbufs); what finds the ring full is lost and counted by the worker
 * (capture-copies-lost), never waited for; a capture stops at its packet count, or at
 * FW_MONITOR_MAX_PACKETS packets / FW_MONITOR_MAX_BYTES bytes of file.
 *
 * The rings live as long as the object and are freed only after the workers have
 * stopped (the daemon frees the monitor after the data path stops): a worker that has
 * not yet seen a stop request may still put a copy in its ring, which the next drain
 * frees.
 *
 * Thread: the control thread.
 */
#ifndef FW_MONITOR_H
#define FW_MONITOR_H

#include <stddef.h>
#include <stdint.h>

struct fw_dp;
struct fw_monitor;
struct tula_loop;

#define FW_MONITOR_MAX_PACKETS 10000000ull
#define FW_MONITOR_MAX_BYTES   (1024ull * 1024 * 1024)

struct fw_monitor_result {
	uint64_t packets;   /* written to the file, or decoded */
	uint64_t bytes;	    /* of the file */
	uint64_t lost;	    /* copies the workers could not hand over (ring full, no mbuf) */
	uint64_t lost_text; /* decoded lines the client was too slow to take */
	const char *why;    /* why it ended: "count reached", "size limit", "write error: ..." */
};

struct fw_monitor_opts {
	uint16_t port_id;
	int vip_slot;	       /* -1: every packet of the port */
	uint64_t count;	       /* stop after this many packets; 0 = FW_MONITOR_MAX_PACKETS */
	int fd;		       /* pcapng to this file (the monitor closes it); -1: decode */
	const char *port_name; /* decoded lines name the interface */
	/* decode: the lines of one drain; returns 0, or -EAGAIN when they were dropped */
	int (*text)(void *arg, const char *text, size_t len);
	/* the capture ended on its own (count or limit reached, write error) */
	void (*done)(void *arg, const struct fw_monitor_result *r);
	void *arg;
};

/* NULL with errno. */
struct fw_monitor *fw_monitor_new(struct tula_loop *loop, struct fw_dp *dp);
/* After the workers stopped. NULL is ignored. */
void fw_monitor_free(struct fw_monitor *m);

/*
 * Start a capture. Returns 0; -EBUSY (one is running), -ENOBUFS (a worker's request
 * ring is full: try again), -ENOMEM, -EIO (the pcapng header could not be written).
 * On failure opts->fd is closed.
 */
int fw_monitor_start(struct fw_monitor *m, const struct fw_monitor_opts *opts);
/* Stop the running capture (done is not called), filling r if not NULL. */
void fw_monitor_stop(struct fw_monitor *m, struct fw_monitor_result *r);
/* 1 while a capture runs. */
int fw_monitor_busy(const struct fw_monitor *m);

#endif
