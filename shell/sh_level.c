/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login classes by name (shell/sh_level.h). The names are the values of the schema's
 * `system login user NAME class` enum; the table below is the only place that pairs
 * them with enum sh_level, so a class can never be spelled two ways.
 */
#include "shell/sh_level.h"

#include <errno.h>
#include <string.h>

static const char *const level_names[] = {
	[SH_LEVEL_READ_ONLY] = "read-only",
	[SH_LEVEL_OPERATOR] = "operator",
	[SH_LEVEL_SUPER_USER] = "super-user",
};

const char *sh_level_name(enum sh_level l)
{
	if ((unsigned)l >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[l];
}

int sh_level_parse(const char *name, enum sh_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum sh_level)i;
			return 0;
		}
	}
	return -EINVAL;
}
