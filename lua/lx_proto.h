/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payload of SH_MSG_LUA_RUN (shell/sh_proto.h): `tula lua` sends the script itself
 * — the client reads the file, so the daemon never opens a path a client names — with
 * its name and arguments. Both ends are on the same host (native byte order).
 *
 *   struct lx_run_req | name (name_len bytes) | code (code_len bytes) |
 *   args (args_len bytes: argc strings, each NUL terminated)
 *
 * The daemon answers as for any request: OUTPUT (what print() wrote), ERROR (the
 * error line, "error: " + message), then DONE with status 0 or a negative errno
 * (-ECANCELED the script raised an error, -ETIME it was killed by its budget, -ENOMEM
 * it exceeded its memory cap, -EINVAL it does not compile).
 */
#ifndef LX_PROTO_H
#define LX_PROTO_H

#include <stdint.h>

#define LX_REQ_INLINE 0x1u /* `-e CODE`: name is "(command line)" */

struct lx_run_req {
	uint32_t flags;	   /* LX_REQ_* */
	uint32_t name_len; /* the script's name as messages show it, no NUL */
	uint32_t code_len;
	uint32_t argc;
	uint32_t args_len;
	uint32_t reserved;
};
_Static_assert(sizeof(struct lx_run_req) == 24, "lx_run_req is part of the wire format");

#endif
