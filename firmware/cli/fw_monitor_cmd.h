/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `monitor traffic interface NAME [vip NAME] [count N] [write-file FILE]`: what the data
 * path receives on a port, as one decoded line per packet streamed to the terminal until
 * the count is reached or the client leaves (Ctrl-C of `tula cli -c`), or as a pcapng
 * file. Control thread only.
 *
 * write-file never opens a path the client chose: FILE is a plain name (letters, digits,
 * '.', '_', '-'; no '/', not starting with '.') created in the capture directory
 * (`captures` next to the configuration database: /var/lib/tula/captures by default),
 * O_CREAT | O_EXCL | O_NOFOLLOW, mode 0640, so an existing file or a link is never
 * written through; a capture stops at its count or at the monitor's packet and size
 * bounds (fw_monitor.h).
 */
#ifndef FW_MONITOR_CMD_H
#define FW_MONITOR_CMD_H

struct fw_ctl;
struct fw_monitor;

/* Declare the command; dir is the capture directory (copied). 0 or what sh_cmd_register
 * returned. */
int fw_monitor_cmds_register(struct fw_ctl *ctl, struct fw_monitor *mon, const char *dir);
void fw_monitor_cmds_unregister(void);

#endif
