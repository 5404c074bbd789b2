/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lua patterns whose backtracking the sandbox can stop (lx_pattern.c).
 */
#ifndef LX_PATTERN_H
#define LX_PATTERN_H

#include <lua.h>

/*
 * Replace find, match, gmatch and gsub in the table at idx (the string library, which
 * is also the strings' metatable __index) by Tula's matcher. The functions charge
 * their work to the budgets of the sandbox the state belongs to (lx_sandbox_charge), so
 * the state must be a sandbox's.
 */
void lx_pattern_install(lua_State *L, int idx);

#endif
