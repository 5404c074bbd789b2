/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's operational commands (show services dsr, statistics, flows,
 * interfaces, arp, route; clear; request services dsr flush), declared with the shell's
 * engine next to their handlers. Control thread only.
 */
#ifndef FW_CMDS_H
#define FW_CMDS_H

struct fw_ctl;
struct fw_health;
struct fw_rates;

/*
 * Declare the commands. health (may be NULL) supplies the backends' health, its last
 * change and reason, and ARP conflicts. Returns 0 or what sh_cmd_register returned.
 */
int fw_cmds_register(struct fw_ctl *ctl, struct fw_health *health);
/* The rates `show services dsr statistics` shows (NULL: none). */
void fw_cmds_set_rates(struct fw_rates *rates);
/* Remove them (before sh_server_stop). */
void fw_cmds_unregister(void);

#endif
