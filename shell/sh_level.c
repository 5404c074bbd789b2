/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login classes by name (shell/sh_level.h). The names are the values of the schema's
 * `system login user NAME class` enum; the table below is the only place that pairs
 * them with enum sh_level, so a class can never be spelled two ways.
 */
#include "shell/sh_level.h"

#include "db/db.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int sh_level_of_user(const struct db *db, uid_t uid, const char *user, enum sh_level *out,
		     char *why, size_t whylen)
{
	const char *klass;

	if (uid == (uid_t)-1) {
		struct passwd pw, *res = NULL;
		char buf[4096];

		if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
			uid = pw.pw_uid;
	}
	if (uid == 0 || uid == geteuid()) {
		*out = SH_LEVEL_SUPER_USER;
		return 0;
	}
	klass = db != NULL ? db_user_class(db, user) : NULL;
	if (klass == NULL) {
		snprintf(why, whylen,
			 "user %s is not configured under system login; ask an administrator",
			 user);
		return -EACCES;
	}
	if (sh_level_parse(klass, out) < 0) {
		snprintf(why, whylen, "user %s has an unknown class '%s'; ask an administrator",
			 user, klass);
		return -EACCES;
	}
	return 0;
}
