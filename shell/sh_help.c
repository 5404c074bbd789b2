/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `help topic [TOPIC]`: short explanations of Tula's main concepts, as Junos' help
 * topic gives, so an operator at the console needs no other document. The topics are
 * a table: the names complete and `?` lists them with their one-line summaries.
 */
#include "shell/sh_session.h"

#include <string.h>

struct topic {
	const char *name, *summary, *text;
};

static const struct topic topics[] = {
	{"dsr", "Direct Server Return: what Tula does with a packet",
	 "Tula receives the client's packets for a VIP, picks a backend with a Maglev hash\n"
	 "of the flow (so every packet of a connection reaches the same backend, even when\n"
	 "another Tula answers or backends come and go) and forwards the packet unchanged\n"
	 "but for its layer-2 (mode l2) or an outer IP-in-IP header (mode l3). The backend\n"
	 "owns the VIP on lo and answers the client directly: replies never cross Tula.\n"
	 "  show services dsr                       VIPs, backends, health, hash share\n"
	 "  show services dsr backend-setup vip V   the commands each backend needs\n"},
	{"modes", "l2 (MAC rewrite) and l3 (IP-in-IP) VIPs",
	 "mode l2: the backend shares a layer-2 segment with Tula; Tula rewrites the\n"
	 "destination MAC. mode l3: the backend may sit behind routers; Tula wraps the packet\n"
	 "in an outer IPv4 header (protocol 4) to the backend's address, from tunnel-source.\n"
	 "An l3 backend decapsulates with an ipip tunnel carrying the VIP, and rp_filter off.\n"},
	{"health", "Health checks and what a failed backend means",
	 "set services dsr vip V health-check type tcp|http probes every backend through the\n"
	 "very DSR path data takes. A backend that fails `fall` probes leaves the Maglev\n"
	 "table (its established flows stay pinned); it returns after `rise` successes.\n"
	 "  show services dsr health    state, since when, why\n"
	 "  request services dsr check vip V    probe now\n"},
	{"commit", "Candidate, commit, confirmed commits, rollback and rescue",
	 "configure edits a candidate; commit checks and applies it atomically (nothing\n"
	 "changes when any check fails). commit confirmed N reverts after N minutes unless\n"
	 "another commit confirms it. rollback N loads revision N into the candidate;\n"
	 "show system commit lists them. request system configuration rescue save keeps a\n"
	 "known-good configuration that `rollback rescue` loads.\n"
	 "configure exclusive locks the configuration for the session; an idle timeout\n"
	 "(set cli idle-timeout, system login idle-timeout) releases a forgotten lock.\n"},
	{"cli", "Abbreviations, ?, TAB, pipes and warnings",
	 "Every word may be abbreviated to a unique prefix; a keyword prefix wins over free\n"
	 "text (quote a word to make it text). ? lists what may come next, TAB completes.\n"
	 "Pipes: | match RE, | except RE, | find RE, | last N, | count, | no-more,\n"
	 "| display json|set, | compare. Deleting what is not there is a warning, so a\n"
	 "tula cli -c batch goes on.\n"},
	{"tools", "ping, traceroute and monitor interface",
	 "ping HOST [count N] [source A] [size B] [do-not-fragment] and traceroute HOST run\n"
	 "from Tula's own addresses through its data path. monitor interface NAME refreshes\n"
	 "the port's rates every second; q stops it.\n"},
};

#define NB_TOPICS (sizeof(topics) / sizeof(topics[0]))

static void topic_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	(void)s;
	(void)m;
	for (size_t i = 0; i < NB_TOPICS; i++)
		sh_cands_add(out, SH_CAND_NAME, topics[i].name, topics[i].summary);
}

static int help_topic(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *want = sh_match_str(m, "TOPIC");

	(void)arg;
	if (want == NULL) {
		sh_puts(ctx, "Topics (help topic NAME):\n");
		for (size_t i = 0; i < NB_TOPICS; i++)
			sh_printf(ctx, "  %-8s %s\n", topics[i].name, topics[i].summary);
		return 0;
	}
	/* the exact name, else a unique prefix (topics are words, as keywords are) */
	const struct topic *hit = NULL;
	size_t nhit = 0;

	for (size_t i = 0; i < NB_TOPICS; i++) {
		if (strcmp(topics[i].name, want) == 0) {
			hit = &topics[i];
			nhit = 1;
			break;
		}
		if (strncmp(topics[i].name, want, strlen(want)) == 0) {
			hit = &topics[i];
			nhit++;
		}
	}
	if (nhit == 1) {
		sh_printf(ctx, "%s: %s\n\n%s", hit->name, hit->summary, hit->text);
		return 0;
	}
	return sh_err(ctx, "error: %s help topic %s (help topic lists them)",
		      nhit > 1 ? "ambiguous" : "no", want);
}

static const char *const h_help[] = {"Show help about a subject", "Main concepts of Tula",
				     "Topic name", NULL};
static const struct sh_arg a_help[] = {
	{.name = "TOPIC", .display = "<topic>", .names = topic_names},
	{NULL},
};

static const struct sh_cmd help_cmds[] = {
	{.syntax = "help topic [TOPIC]",
	 .help = h_help,
	 .args = a_help,
	 .modes = SH_MODE_OPER | SH_MODE_CONF,
	 .fn = help_topic},
};

int sh_help_register(struct sh_engine *e)
{
	return sh_engine_add_all(e, help_cmds, 1);
}

void sh_help_unregister(struct sh_engine *e)
{
	sh_engine_remove_all(e, help_cmds, 1);
}
