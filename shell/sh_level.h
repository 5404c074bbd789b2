/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login classes by name: the one mapping between `system login user NAME class CLASS`
 * and enum sh_level (shell/sh_cmd.h), used by the CLI server, the command engine's
 * permission errors and Lua (tula.user().class).
 */
#ifndef SH_LEVEL_H
#define SH_LEVEL_H

#include <stddef.h>
#include <sys/types.h>

#include "shell/sh_cmd.h"

struct db;

/* "read-only", "operator" or "super-user" (never NULL; "?" for a value out of range). */
const char *sh_level_name(enum sh_level l);
/* The class named name -> *out: 0, or -EINVAL for an unknown name (*out untouched). */
int sh_level_parse(const char *name, enum sh_level *out);

/*
 * The one class decision, made the same way for every entry (the console, `tula cli`,
 * `tula lua`, `op`, commit scripts, tula.cli / tula.config):
 *   - uid 0 and the daemon's own uid are super-user, listed or not: whoever is root
 *     already owns the box, and a fresh box (factory configuration, no login users)
 *     must stay manageable from the console and as root over SSH;
 *   - everyone else must be a `system login user` of the active configuration, and
 *     gets that entry's class;
 *   - anyone else is refused.
 * uid: the caller's uid as the kernel reports it (SO_PEERCRED); (uid_t)-1 when only the
 * name is known (a commit's user): the uid is then looked up by name. Returns 0 with
 * *out set, or -EACCES with the reason for the operator in why.
 */
int sh_level_of_user(const struct db *db, uid_t uid, const char *user, enum sh_level *out,
		     char *why, size_t whylen);

#endif
