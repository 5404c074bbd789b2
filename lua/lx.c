/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lx_init / lx_fini: the module's one state and its registrations (see lx.h).
 */
#include "lua/lx_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct lx the_lx;
static int initialised;

int lx_init(const struct lx_opts *o)
{
	static const struct lx_limits defaults = LX_LIMITS_DEFAULT;
	struct lx *lx = &the_lx;
	int rc;

	if (initialised)
		return -EALREADY;
	if (o == NULL || o->db == NULL || o->scripts_dir == NULL)
		return -EINVAL;
	memset(lx, 0, sizeof(*lx));
	lx->db = o->db;
	lx->loop = o->loop;
	lx->limits = o->limits != NULL ? *o->limits : defaults;
	lx->scripts_dir = strdup(o->scripts_dir);
	if (lx->scripts_dir == NULL)
		return -ENOMEM;
	initialised = 1;
	rc = lx_commit_register(lx);
	if (rc == 0)
		rc = lx_op_register(lx);
	if (rc == 0)
		rc = lx_server_register(lx);
	if (rc < 0)
		lx_fini();
	return rc;
}

void lx_fini(void)
{
	struct lx *lx = &the_lx;

	if (!initialised)
		return;
	lx_server_unregister(lx);
	lx_op_unregister(lx);
	lx_commit_unregister(lx);
	free(lx->scripts_dir);
	memset(lx, 0, sizeof(*lx));
	initialised = 0;
}
