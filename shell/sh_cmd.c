/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process-wide engine behind sh_cmd_register() (shell/sh_cmd.h): how modules that
 * know nothing of the server declare their commands at start-up.
 */
#include "shell/sh_engine_int.h"

#include <errno.h>

int sh_cmds_register(const struct sh_cmd *cmds, size_t n)
{
	struct sh_engine *e = sh_engine_default();

	return e == NULL ? -ENOMEM : sh_engine_add_all(e, cmds, n);
}

void sh_cmds_unregister(const struct sh_cmd *cmds, size_t n)
{
	struct sh_engine *e = sh_engine_default_peek();

	if (e != NULL)
		sh_engine_remove_all(e, cmds, n);
}

int sh_cmd_register(const struct sh_cmd *cmd)
{
	struct sh_engine *e = sh_engine_default();

	return e == NULL ? -ENOMEM : sh_engine_add(e, cmd);
}

int sh_cmd_unregister(const struct sh_cmd *cmd)
{
	struct sh_engine *e = sh_engine_default_peek();

	return e == NULL ? -ENOENT : sh_engine_remove(e, cmd);
}
