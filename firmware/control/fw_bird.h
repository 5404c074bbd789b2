/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing plane: Tula announces its VIPs over BGP through its own BIRD 2.
 *
 * Configuration. `protocols bgp` is rendered into a BIRD configuration file under
 * Tula's runtime directory: one static protocol per announced VIP carrying its /32,
 * or /128 for an IPv6 VIP (a blackhole route: BIRD never installs anything in the
 * kernel), one BGP protocol per neighbour exporting only those statics (with the VIP's
 * MED and communities), and BFD on the TAPs when a group asks for it.
 *
 * Families. Each session carries an ipv4 channel when IPv4 VIPs exist (always on an
 * IPv4 session) and an ipv6 channel when IPv6 VIPs exist (always on an IPv6 session):
 * IPv6 VIPs go over an IPv4 session as MP-BGP (RFC 4760) and the other way round. A
 * channel of the other family than the session has no own address to give as next
 * hop, so it names one: `next hop address` is Tula's self address of that family on
 * the interface facing the neighbour (a commit without one is refused, naming it). Commit check runs BIRD's own parser
 * (`bird -p`) on the rendered file and reports its complaint at the configuration
 * path the offending line came from; apply asks the running BIRD to `configure`.
 *
 * Process. BIRD runs in Tula's network namespace, so its sessions use the TAP that
 * carries Tula's self address and go out of the data port through the exception path.
 * It is started with PR_SET_PDEATHSIG (SIGKILL): when Tula dies, BIRD dies with it
 * and a dead data path is never announced (BFD or the hold timer then withdraws the
 * routes at the peers). A BIRD that exits is logged and started again after a second;
 * on shutdown every VIP is withdrawn and BIRD is told to shut its sessions down
 * (Cease), so the peers withdraw at once.
 *
 * Announcement. A VIP is announced while the data path runs, the VIP is installed
 * and at least one of its backends may take traffic (up by health, with a MAC), no
 * `no-announce` is set and the box is not drained. The state is checked every
 * 100 ms and a change becomes BIRD's `enable` / `disable` of the VIP's static
 * protocol at once (a withdrawal within a second of the last backend failing);
 * each change is logged with its reason.
 *
 * Drain. `request system drain` withdraws every VIP and reports when the data path
 * has stopped seeing packets for the VIPs (the peers moved the flows elsewhere) or
 * when its timeout ran out; `undrain` announces again.
 *
 * Thread: the control thread only. Talking to BIRD's control socket blocks the
 * control thread for at most FW_BIRD_IO_MS per exchange.
 */
#ifndef FW_BIRD_H
#define FW_BIRD_H

#include <stddef.h>
#include <stdint.h>

#include "db/db_schema.h" /* struct db_addr */

struct db;
struct db_node;
struct fw_bird;
struct fw_ctl;
struct fw_dp;
struct fw_health;
struct tula_buf;
struct tula_loop;

#define FW_BIRD_IO_MS	 2000 /* longest wait for BIRD's answer to one command */
#define FW_BIRD_NAME_MAX 72   /* BIRD protocol names Tula makes (with the NUL) */

struct fw_bird_conf {
	struct tula_loop *loop;
	struct db *db;		  /* its commit hook ("bgp") renders and reconfigures */
	struct fw_ctl *ctl;	  /* forwarding state: what is installed and usable */
	struct fw_dp *dp;	  /* whether the workers run, VIP packet counters */
	struct fw_health *health; /* may be NULL: backends then count as up */
	const char *run_dir;	  /* bird.conf and bird.ctl live here */
	const char *bird;	  /* the bird binary (NULL: "bird" on PATH) */
};

/*
 * Register the commit hook (after fw_ctl's and fw_health's) and start the announce
 * timer. BIRD itself starts when a configuration with `protocols bgp` is applied.
 * Returns NULL with errno.
 */
struct fw_bird *fw_bird_new(const struct fw_bird_conf *conf);
/* Withdraw every VIP, shut BIRD's sessions down (Cease), stop it, unregister, free.
 * NULL is ignored. */
void fw_bird_free(struct fw_bird *b);

/* ---- rendering (pure: no process, no socket) -------------------------------------- */

/*
 * BIRD's name for the static protocol of VIP vip_name ("vip_web"; characters BIRD
 * does not take are escaped so distinct VIP names give distinct protocol names).
 */
void fw_bird_vip_proto(const char *vip_name, char *buf, size_t len);
/* BIRD's name for the BGP protocol of a neighbour of either family ("peer_10_0_1_1",
 * "peer6_2001_db8__1": ':' becomes '_', so "::" shows as "__"). */
void fw_bird_peer_proto(const struct db_addr *addr, char *buf, size_t len);

/*
 * Render the BIRD configuration of cfg (an effective configuration with `protocols
 * bgp`) into out. announced(arg, vip_name) says whether a VIP's static protocol
 * starts enabled (NULL: all disabled). When lines is not NULL, lines[i] receives the
 * configuration path (set style) line i+1 came from, "" for lines of Tula's own,
 * up to nlines. Returns 0, -ENOENT when cfg has no `protocols bgp`, -EINVAL with
 * why (path and reason, each FW_BIRD_WHY_MAX) for what cannot be rendered.
 */
#define FW_BIRD_PATH_MAX 160
#define FW_BIRD_WHY_MAX	 256
struct fw_bird_line {
	char path[FW_BIRD_PATH_MAX];
};
int fw_bird_render(const struct db_node *cfg, int (*announced)(void *arg, const char *vip),
		   void *arg, struct tula_buf *out, struct fw_bird_line *lines, size_t nlines,
		   char *why_path, char *why);

/* ---- BIRD's control socket -------------------------------------------------------- */

/*
 * One reply line: the 4-digit code ("1002") and its text. BIRD marks continuation
 * lines with '-' after the code or a leading blank (same code as the line before).
 */
struct fw_bird_reply {
	size_t n;
	struct fw_bird_rline {
		int code;
		char *text;
	} * v;
	int last_code; /* the final line's: 0xxx done, 8xxx/9xxx error */
};
void fw_bird_reply_free(struct fw_bird_reply *r);

/*
 * Send one command ("show protocols all peer_10_0_1_1") on a fresh connection to
 * BIRD's control socket and collect the whole reply (bounded to 4 MiB, FW_BIRD_IO_MS).
 * Returns 0 (r filled; r->last_code may still be an error), -ENOTCONN (BIRD not
 * running), -ETIMEDOUT, -EPROTO (not BIRD's protocol), -E2BIG, -ENOMEM.
 */
int fw_bird_query(struct fw_bird *b, const char *cmd, struct fw_bird_reply *r);

/*
 * Parse one chunk of BIRD's reply stream into r (exposed for unit tests). buf holds
 * complete lines. Returns 1 when the final line was seen, 0 when more is needed,
 * -EPROTO on a malformed line, -ENOMEM.
 */
int fw_bird_parse(const char *buf, size_t len, struct fw_bird_reply *r);

/* ---- state for the operational views -------------------------------------------- */

/* 1 when `protocols bgp` is configured (BIRD should run). */
int fw_bird_configured(const struct fw_bird *b);
/* pid of the running BIRD, 0 when none; restarts since Tula started. */
int fw_bird_pid(const struct fw_bird *b);
unsigned fw_bird_restarts(const struct fw_bird *b);

/* One VIP as the announcer sees it. */
struct fw_bird_vip {
	const char *name;
	struct db_addr addr; /* announced as a /32 (IPv4) or a /128 (IPv6) */
	const char *proto;   /* BIRD static protocol name */
	int announced;	     /* enabled in BIRD now */
	const char *why;     /* why not ("" when announced) */
	uint32_t med;	     /* has_med: MED sent */
	int has_med;
	const char *communities; /* "65000:100 65000:200" or "" */
};
/* Visit every VIP of the active configuration. Returns the count. */
size_t fw_bird_vips(const struct fw_bird *b, void (*fn)(void *arg, const struct fw_bird_vip *v),
		    void *arg);

/* A configured neighbour. */
struct fw_bird_peer {
	struct db_addr addr;
	const char *proto;
	const char *group;
	uint32_t peer_as, local_as;
	int bfd;
};
size_t fw_bird_peers(const struct fw_bird *b, void (*fn)(void *arg, const struct fw_bird_peer *p),
		     void *arg);

/* ---- drain ------------------------------------------------------------------------ */

/* Withdraw every VIP (1) or announce again what should be (0). Logged. */
void fw_bird_drain(struct fw_bird *b, int on);
int fw_bird_draining(const struct fw_bird *b);
/* Packets the data path forwarded for all VIPs so far (drain watches it stop). */
uint64_t fw_bird_vip_packets(struct fw_bird *b);
/* The event loop the drain's wait runs on. */
struct tula_loop *fw_bird_loop(const struct fw_bird *b);

/* Declare `show bgp ...`, `show route advertising-protocol bgp`, `request system
 * (drain | undrain)` (fw_bgp_cmd.c). Returns 0 or what sh_cmds_register returned. */
int fw_bgp_cmds_register(struct fw_bird *b);
void fw_bgp_cmds_unregister(void);

#endif
