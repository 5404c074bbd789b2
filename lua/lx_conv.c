/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data into Lua: structured show output (tula_val) and configuration trees (db_node)
 * become plain tables, so scripts never parse text.
 *
 * A configuration tree maps onto tables the way `| display json` maps it onto JSON:
 * containers and list entries are tables keyed by keyword, a list is a table of its
 * entries keyed by their names (vip.web.backend.be1.weight), unsigned integers and
 * ports are integers (port * stays the string "*"), flags are true, everything else
 * is a string. Inactive marks and annotations, when present, appear as
 * ["@"] = {inactive = true, comment = "..."} on a table and ["@kw"] next to a leaf.
 *
 * The read-only form (commit scripts) wraps every table in an empty proxy whose
 * metatable forwards reads and refuses writes, so an attempt to edit the view says
 * what to do instead of silently changing a copy.
 */
#include "lua/lx_int.h"

#include "db/db.h"
#include "db/db_schema.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

void lx_push_val(lua_State *L, const struct tula_val *v)
{
	size_t i, n;

	luaL_checkstack(L, 4, "structured output nested too deeply");
	switch (v != NULL ? tula_val_type(v) : TULA_VAL_NULL) {
	case TULA_VAL_NULL:
		lua_pushnil(L);
		break;
	case TULA_VAL_BOOL:
		lua_pushboolean(L, tula_val_as_bool(v));
		break;
	case TULA_VAL_INT:
		lua_pushinteger(L, (lua_Integer)tula_val_as_int(v));
		break;
	case TULA_VAL_UINT:
		if (tula_val_as_uint(v) > (uint64_t)LUA_MAXINTEGER)
			lua_pushnumber(L, (lua_Number)tula_val_as_uint(v));
		else
			lua_pushinteger(L, (lua_Integer)tula_val_as_uint(v));
		break;
	case TULA_VAL_DOUBLE:
		lua_pushnumber(L, tula_val_as_double(v));
		break;
	case TULA_VAL_STRING:
		lua_pushstring(L, tula_val_as_str(v));
		break;
	case TULA_VAL_LIST:
		n = tula_val_count(v);
		lua_createtable(L, (int)n, 0);
		for (i = 0; i < n; i++) {
			lx_push_val(L, tula_val_at(v, i));
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case TULA_VAL_MAP:
		n = tula_val_count(v);
		lua_createtable(L, 0, (int)n);
		for (i = 0; i < n; i++) {
			lx_push_val(L, tula_val_at(v, i));
			lua_setfield(L, -2, tula_val_key_at(v, i));
		}
		break;
	}
}

/* --- read-only proxies ------------------------------------------------------------- */

static int ro_newindex(lua_State *L)
{
	return luaL_error(L, "the configuration is read-only here (use tula.commit_change to "
			     "add a transient change)");
}

static int ro_next(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

/* pairs(proxy) walks the table behind it. */
static int ro_pairs(lua_State *L)
{
	lua_pushcfunction(L, ro_next);
	luaL_getmetafield(L, 1, "__index");
	lua_pushnil(L);
	return 3;
}

static int ro_len(lua_State *L)
{
	luaL_getmetafield(L, 1, "__index");
	lua_pushinteger(L, (lua_Integer)luaL_len(L, -1));
	return 1;
}

/* Replace the table on top by a read-only proxy of it. */
static void make_readonly(lua_State *L)
{
	lua_newtable(L);	  /* proxy */
	lua_createtable(L, 0, 5); /* its metatable */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ro_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushcfunction(L, ro_len);
	lua_setfield(L, -2, "__len");
	lua_pushliteral(L, "read-only");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

/* --- configuration trees ------------------------------------------------------------ */

static void push_leaf_value(lua_State *L, const struct db_node *n)
{
	const struct db_snode *sn = db_node_snode(n);
	const char *v = db_node_value(n);
	char *end;
	unsigned long long u;

	switch (db_snode_type(sn)) {
	case DB_TYPE_FLAG:
		lua_pushboolean(L, 1);
		return;
	case DB_TYPE_UINT:
	case DB_TYPE_PORT:
		if (v != NULL && v[0] >= '0' && v[0] <= '9') {
			u = strtoull(v, &end, 10);
			if (*end == '\0') {
				lua_pushinteger(L, (lua_Integer)u);
				return;
			}
		}
		break;
	default:
		break;
	}
	if (v != NULL)
		lua_pushstring(L, v);
	else
		lua_pushboolean(L, 1);
}

/* Push {inactive = true, comment = "..."} when n carries either; returns 1 if pushed. */
static int push_attrs(lua_State *L, const struct db_node *n)
{
	const char *c = db_node_annotation(n);

	if (!db_node_inactive(n) && c == NULL)
		return 0;
	lua_createtable(L, 0, 2);
	if (db_node_inactive(n)) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "inactive");
	}
	if (c != NULL) {
		lua_pushstring(L, c);
		lua_setfield(L, -2, "comment");
	}
	return 1;
}

static void push_node(lua_State *L, const struct db_node *n, int ro);

/*
 * Push the table of list entries starting at child i of n (entries of one list are
 * adjacent: children are in schema order). Returns the index after the last entry.
 */
static size_t push_list_at(lua_State *L, const struct db_node *n, size_t i, int ro)
{
	size_t count = db_node_child_count(n);
	const struct db_snode *sn = db_node_snode(db_node_child_at(n, i));

	lua_newtable(L);
	for (; i < count && db_node_snode(db_node_child_at(n, i)) == sn; i++) {
		const struct db_node *e = db_node_child_at(n, i);

		push_node(L, e, ro);
		lua_setfield(L, -2, db_node_key(e));
	}
	if (ro)
		make_readonly(L);
	return i;
}

/* Fill the table on top with n's children. */
static void fill_children(lua_State *L, const struct db_node *n, int ro)
{
	size_t i = 0, count = db_node_child_count(n);

	while (i < count) {
		const struct db_node *c = db_node_child_at(n, i);
		const char *kw = db_node_keyword(c);

		switch (db_snode_kind(db_node_snode(c))) {
		case DB_SNODE_LEAF:
			push_leaf_value(L, c);
			lua_setfield(L, -2, kw);
			if (push_attrs(L, c)) {
				lua_pushfstring(L, "@%s", kw);
				lua_insert(L, -2);
				lua_settable(L, -3);
			}
			i++;
			break;
		case DB_SNODE_CONTAINER:
			push_node(L, c, ro);
			lua_setfield(L, -2, kw);
			i++;
			break;
		case DB_SNODE_LIST:
			i = push_list_at(L, n, i, ro);
			lua_setfield(L, -2, kw);
			break;
		}
	}
}

static void push_node(lua_State *L, const struct db_node *n, int ro)
{
	luaL_checkstack(L, 8, "configuration nested too deeply");
	lua_newtable(L);
	fill_children(L, n, ro);
	if (push_attrs(L, n))
		lua_setfield(L, -2, "@");
	if (ro)
		make_readonly(L);
}

void lx_push_tree(lua_State *L, const struct db_node *n, int ro)
{
	if (n == NULL) {
		lua_pushnil(L);
		return;
	}
	if (db_node_parent(n) != NULL && db_snode_kind(db_node_snode(n)) == DB_SNODE_LEAF) {
		push_leaf_value(L, n);
		return;
	}
	push_node(L, n, ro);
}

void lx_push_list(lua_State *L, const struct db_node *parent, const char *kw, int ro)
{
	size_t i, count = db_node_child_count(parent);

	for (i = 0; i < count; i++)
		if (strcmp(db_node_keyword(db_node_child_at(parent, i)), kw) == 0) {
			push_list_at(L, parent, i, ro);
			return;
		}
	lua_newtable(L);
	if (ro)
		make_readonly(L);
}
