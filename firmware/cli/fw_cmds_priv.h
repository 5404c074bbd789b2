/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the firmware's command files share (fw_cmds.c defines them): the active
 * configuration's `services dsr`, the VIP a command names, and value makers for
 * addresses. Control thread only.
 */
#ifndef FW_CMDS_PRIV_H
#define FW_CMDS_PRIV_H

#include <stdint.h>

#include <rte_ether.h>

struct db_node;
struct fw_state;
struct sh_ctx;
struct sh_match;
struct sh_session;
struct sh_cands;
struct tula_val;

/* `services dsr` of the active (effective) configuration, or NULL. */
const struct db_node *fw_cmd_active_dsr(void);

/*
 * The VIP named by the command's NAME placeholder, or NULL: when none was named (*err
 * 0), or when no such VIP is active (*err is then the value of the sh_err() reported).
 */
const struct db_node *fw_cmd_wanted_vip(struct sh_ctx *ctx, const struct sh_match *m, int *err);

/* Completion of VIP names (the active configuration), with their addresses as help. */
void fw_cmd_vip_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out);

/* Address (network order) and MAC as string values. */
/* The data-path slot of configured VIP v (either family) in st, or -ENOENT. */
int fw_cmd_vip_slot(const struct fw_state *st, const struct db_node *v);

struct tula_val *fw_cmd_ip_val(uint32_t addr);
struct tula_val *fw_cmd_mac_val(const struct rte_ether_addr *mac);

#endif
