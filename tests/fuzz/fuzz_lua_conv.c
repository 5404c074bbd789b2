/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: Lua's value conversion (lua/lx_conv.c) — structured show output
 * (tula_val) and configuration trees (db_node) turned into Lua tables, read-only
 * proxies included, then walked by Lua code the way a script reads them.
 *
 * Input: byte 0 chooses what is converted. Even: the rest is configuration text
 * (braces form), parsed and pushed as a tree, as a writable and as a read-only view,
 * and every list of the root pushed on its own. Odd: the rest is a small program
 * building a tula_val (one byte per step: null, bool, int, uint, double, string, open
 * a list, open a map, close), pushed with lx_push_val.
 *
 * Checked beyond the sanitizers: a write into the read-only view fails with the
 * read-only message, and the walk (pairs, #, every key and value) raises no error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "common/tula_val.h"
#include "db/db.h"
#include "db/db_schema.h"
#include "lua/lx_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* walk(v): visit everything reachable, depth-bounded; ro(v): try to write into it */
static const char walker[] = "local function walk(v, d)\n"
			     "  if type(v) ~= 'table' or d > 200 then return 0 end\n"
			     "  local n = #v\n"
			     "  for k, x in pairs(v) do\n"
			     "    n = n + walk(x, d + 1) + (type(k) == 'string' and #k or 1)\n"
			     "  end\n"
			     "  return n\n"
			     "end\n"
			     "local function ro(v)\n"
			     "  if type(v) ~= 'table' then return true end\n"
			     "  local ok, err = pcall(function() v.x = 1 end)\n"
			     "  return not ok and tostring(err):find('read%-only') ~= nil\n"
			     "end\n"
			     "return walk, ro\n";

static lua_State *L;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	L = luaL_newstate();
	if (L == NULL)
		abort();
	luaL_openlibs(L);
	if (luaL_loadstring(L, walker) != LUA_OK || lua_pcall(L, 0, 2, 0) != LUA_OK)
		abort();
	lua_setglobal(L, "ro");
	lua_setglobal(L, "walk");
	return 0;
}

/* --- tula_val from bytes ------------------------------------------------------------- */

#define MAX_DEPTH 64

struct vbuild {
	const uint8_t *p, *end;
	unsigned key; /* map keys: "k0", "k1", ... unless the program names one */
};

static char *take_str(struct vbuild *b)
{
	size_t n = b->p < b->end ? *b->p++ % 32 : 0;
	char *s;

	if (n > (size_t)(b->end - b->p))
		n = (size_t)(b->end - b->p);
	s = malloc(n + 1);
	if (s == NULL)
		abort();
	memcpy(s, b->p, n);
	s[n] = '\0';
	b->p += n;
	return s;
}

static uint64_t take_u64(struct vbuild *b)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && b->p < b->end; i++)
		v = v << 8 | *b->p++;
	return v;
}

/* One value; containers read children until a close step or the end. */
static struct tula_val *build(struct vbuild *b, unsigned depth)
{
	struct tula_val *v = NULL, *c;
	uint64_t u;
	double d;
	char *s;

	if (b->p >= b->end)
		return tula_val_null();
	switch (*b->p++ % 9) {
	case 0:
		return tula_val_null();
	case 1:
		return tula_val_bool(b->p < b->end ? *b->p++ & 1 : 0);
	case 2:
		return tula_val_int((int64_t)take_u64(b));
	case 3:
		return tula_val_uint(take_u64(b));
	case 4:
		u = take_u64(b);
		memcpy(&d, &u, sizeof(d)); /* NaN and infinities included */
		return tula_val_double(d);
	case 5:
		s = take_str(b);
		v = tula_val_str(s);
		free(s);
		return v;
	case 6:
	case 7:
		v = b->p[-1] % 9 == 6 ? tula_val_list() : tula_val_map();
		if (v == NULL)
			abort();
		while (depth < MAX_DEPTH && b->p < b->end && *b->p % 9 != 8) {
			c = build(b, depth + 1);
			if (c == NULL)
				abort();
			if (tula_val_type(v) == TULA_VAL_LIST) {
				tula_val_list_add(v, c);
			} else {
				char key[16];

				snprintf(key, sizeof(key), "k%u", b->key++ % 8);
				tula_val_map_set(v, key, c);
			}
		}
		if (b->p < b->end)
			b->p++; /* the close step */
		return v;
	default:
		return tula_val_null();
	}
}

/* --- running the conversions protected (a Lua error must not escape) ---------------- */

struct job {
	const struct tula_val *val;
	const struct db_node *tree;
	int ro;
	const char *list; /* push this list of the tree instead */
};

static int push_job(lua_State *l)
{
	const struct job *j = lua_touserdata(l, 1);

	if (j->val != NULL)
		lx_push_val(l, j->val);
	else if (j->list != NULL)
		lx_push_list(l, j->tree, j->list, j->ro);
	else
		lx_push_tree(l, j->tree, j->ro);
	return 1;
}

static void convert_and_walk(const struct job *j)
{
	int top = lua_gettop(L);

	lua_pushcfunction(L, push_job);
	lua_pushlightuserdata(L, (void *)j);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		/* a conversion may refuse (nested too deeply) with a Lua error */
		lua_settop(L, top);
		return;
	}
	lua_getglobal(L, "walk");
	lua_pushvalue(L, -2);
	lua_pushinteger(L, 0);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
		fprintf(stderr, "fuzz_lua_conv: walking the converted value failed: %s\n",
			lua_tostring(L, -1));
		abort();
	}
	lua_pop(L, 1);
	if (j->ro) {
		lua_getglobal(L, "ro");
		lua_pushvalue(L, -2);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_toboolean(L, -1)) {
			fprintf(stderr, "fuzz_lua_conv: the read-only view accepted a write\n");
			abort();
		}
	}
	lua_settop(L, top);
}

static void push_lists(struct job *j, const struct db_node *parent)
{
	size_t k;

	for (k = 0; k < db_node_child_count(parent); k++) {
		const struct db_node *e = db_node_child_at(parent, k);

		if (db_snode_kind(db_node_snode(e)) != DB_SNODE_LIST)
			continue;
		j->tree = parent;
		j->list = db_node_keyword(e);
		j->ro = (int)(k & 1);
		convert_and_walk(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job j = {0};

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct vbuild b = {.p = data + 1, .end = data + size};
		struct tula_val *v = build(&b, 0);

		if (v == NULL)
			abort();
		j.val = v;
		convert_and_walk(&j);
		tula_val_free(v);
	} else {
		char *text = malloc(size);
		struct db_node *t;
		size_t i;

		if (text == NULL)
			abort();
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		t = db_tree_parse(text, NULL);
		free(text);
		if (t == NULL)
			return 0;
		j.tree = t;
		convert_and_walk(&j);
		j.ro = 1;
		convert_and_walk(&j);
		/* the lists at the top and one level down, as tula.config("interfaces") or
		 * ("services dsr vip") push them (its caller names only list keywords: the
		 * schema walk said so) */
		push_lists(&j, t);
		for (i = 0; i < db_node_child_count(t); i++)
			push_lists(&j, db_node_child_at(t, i));
		j.list = NULL;
		db_tree_free(t);
	}
	lua_gc(L, LUA_GCCOLLECT);
	return 0;
}
