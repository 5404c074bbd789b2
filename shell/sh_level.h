/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login classes by name: the one mapping between `system login user NAME class CLASS`
 * and enum sh_level (shell/sh_cmd.h), used by the CLI server, the command engine's
 * permission errors and Lua (tula.user().class).
 */
#ifndef SH_LEVEL_H
#define SH_LEVEL_H

#include "shell/sh_cmd.h"

/* "read-only", "operator" or "super-user" (never NULL; "?" for a value out of range). */
const char *sh_level_name(enum sh_level l);
/* The class named name -> *out: 0, or -EINVAL for an unknown name (*out untouched). */
int sh_level_parse(const char *name, enum sh_level *out);

#endif
