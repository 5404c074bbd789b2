/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lua patterns (reference manual 6.4.1) for the sandbox: string.find, string.match,
 * string.gmatch and string.gsub with Lua 5.4's semantics, written for Tula so that the
 * matcher can be stopped.
 *
 * Why not Lua's own: a backtracking pattern such as ".-.-.-b" against a few thousand
 * bytes runs for hours inside one call to string.find, executing no Lua instruction,
 * so no hook ever fires and the whole control thread (every CLI session, the health
 * checks) waits. Here every backtracking step is counted and, every CHARGE_EVERY
 * steps, charged to the run's instruction budget with the clock checked
 * (lx_sandbox_charge), which kills the run like any other runaway.
 *
 * The matcher is the classic recursive backtracking one the manual describes: a
 * single class with *, +, - or ?, captures (position captures included), %b, %f,
 * back-references, ^ and $ anchors. Recursion is bounded like Lua's (200 levels,
 * "pattern too complex"). Error texts are Lua's. The tests compare every function with
 * Lua's own string library on a corpus of patterns.
 */
#include "lua/lx_pattern.h"

#include "lua/lx_sandbox.h"

#include <ctype.h>
#include <lauxlib.h>
#include <string.h>

#define ESC	     '%'
#define SPECIALS     "^$*+?.([%-"
#define MAXDEPTH     200 /* recursion of match(), as LUAI_MAXCCALLS in lstrlib */
#define CHARGE_EVERY 4096
#define MAXCAPTURES  32 /* as Lua's default LUA_MAXCAPTURES */

#define CAP_UNFINISHED (-1)
#define CAP_POSITION   (-2)

struct pm {
	const char *src;     /* the subject */
	const char *src_end; /* one past its last byte */
	const char *p_end;   /* one past the pattern's last byte */
	lua_State *L;
	int depth; /* recursion levels left */
	int level; /* captures opened so far */
	unsigned steps;
	struct {
		const char *init;
		ptrdiff_t len; /* bytes, or CAP_UNFINISHED / CAP_POSITION */
	} cap[MAXCAPTURES];
};

static inline unsigned char uc(char c)
{
	return (unsigned char)c;
}

static inline void step(struct pm *m)
{
	if (++m->steps == CHARGE_EVERY) {
		m->steps = 0;
		lx_sandbox_charge(m->L, CHARGE_EVERY);
	}
}

/* --- one character class ---------------------------------------------------------- */

/* The end of the class starting at p (a char, %x, or [set]). */
static const char *class_end(struct pm *m, const char *p)
{
	char c = *p++;

	if (c == ESC) {
		if (p >= m->p_end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	}
	if (c == '[') {
		if (p < m->p_end && *p == '^')
			p++;
		/* the set's first character may be ']' itself: look from the second on */
		for (;;) {
			if (p >= m->p_end)
				luaL_error(m->L, "malformed pattern (missing ']')");
			c = *p++;
			if (c == ESC && p < m->p_end)
				p++;
			if (p < m->p_end && *p == ']')
				break;
		}
		return p + 1;
	}
	return p;
}

/* c against %cl (cl a letter of the manual's classes, else cl itself). */
static int match_class(int c, int cl)
{
	int r;

	switch (tolower(cl)) {
	case 'a':
		r = isalpha(c);
		break;
	case 'c':
		r = iscntrl(c);
		break;
	case 'd':
		r = isdigit(c);
		break;
	case 'g':
		r = isgraph(c);
		break;
	case 'l':
		r = islower(c);
		break;
	case 'p':
		r = ispunct(c);
		break;
	case 's':
		r = isspace(c);
		break;
	case 'u':
		r = isupper(c);
		break;
	case 'w':
		r = isalnum(c);
		break;
	case 'x':
		r = isxdigit(c);
		break;
	case 'z': /* deprecated in the manual, still accepted by Lua 5.4 */
		r = c == 0;
		break;
	default:
		return cl == c;
	}
	if (isupper(cl))
		r = !r; /* %A is the complement of %a */
	return r != 0;
}

/* c against the set [..] from p (at '[') to ec (at its closing ']'). */
static int match_set(int c, const char *p, const char *ec)
{
	int found = 1;

	p++;
	if (*p == '^') {
		found = 0;
		p++;
	}
	while (p < ec) {
		if (*p == ESC) {
			if (match_class(c, uc(p[1])))
				return found;
			p += 2;
		} else if (p[1] == '-' && p + 2 < ec) {
			if (uc(p[0]) <= c && c <= uc(p[2]))
				return found;
			p += 3;
		} else {
			if (uc(*p) == c)
				return found;
			p++;
		}
	}
	return !found;
}

/* Does the character at s match the class p..ep? */
static int single_match(const struct pm *m, const char *s, const char *p, const char *ep)
{
	int c;

	if (s >= m->src_end)
		return 0;
	c = uc(*s);
	switch (*p) {
	case '.':
		return 1;
	case ESC:
		return match_class(c, uc(p[1]));
	case '[':
		return match_set(c, p, ep - 1);
	default:
		return uc(*p) == c;
	}
}

/* --- the matcher ------------------------------------------------------------------- */

static const char *match(struct pm *m, const char *s, const char *p);

static const char *max_expand(struct pm *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;

	while (single_match(m, s + i, p, ep)) {
		i++;
		step(m);
	}
	/* the longest run first, then give back one character at a time */
	for (; i >= 0; i--) {
		const char *r = match(m, s + i, ep + 1);

		if (r != NULL)
			return r;
		step(m);
	}
	return NULL;
}

static const char *min_expand(struct pm *m, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *r = match(m, s, ep + 1);

		if (r != NULL)
			return r;
		if (!single_match(m, s, p, ep))
			return NULL;
		s++;
		step(m);
	}
}

static const char *start_capture(struct pm *m, const char *s, const char *p, ptrdiff_t what)
{
	const char *r;

	if (m->level >= MAXCAPTURES)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].init = s;
	m->cap[m->level].len = what;
	m->level++;
	r = match(m, s, p);
	if (r == NULL)
		m->level--;
	return r;
}

static const char *end_capture(struct pm *m, const char *s, const char *p)
{
	const char *r;
	int l;

	for (l = m->level - 1; l >= 0; l--)
		if (m->cap[l].len == CAP_UNFINISHED)
			break;
	if (l < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[l].len = s - m->cap[l].init;
	r = match(m, s, p);
	if (r == NULL)
		m->cap[l].len = CAP_UNFINISHED;
	return r;
}

static int check_capture(struct pm *m, int l)
{
	l -= '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_UNFINISHED)
		return luaL_error(m->L, "invalid capture index %%%d", l + 1);
	return l;
}

/* %1..%9: the text captured before, again. */
static const char *match_backref(struct pm *m, const char *s, int l)
{
	ptrdiff_t len;

	l = check_capture(m, l);
	len = m->cap[l].len;
	if (len >= 0 && m->src_end - s >= len && memcmp(m->cap[l].init, s, (size_t)len) == 0)
		return s + len;
	return NULL;
}

/* %bxy at p (pointing at x): a balanced x...y run. */
static const char *match_balance(struct pm *m, const char *s, const char *p)
{
	int depth = 1;

	if (p + 1 >= m->p_end)
		luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= m->src_end || *s != p[0])
		return NULL;
	while (++s < m->src_end) {
		step(m);
		if (*s == p[1]) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == p[0]) {
			depth++;
		}
	}
	return NULL;
}

static const char *match(struct pm *m, const char *s, const char *p)
{
	const char *ep;

	if (m->depth-- == 0)
		luaL_error(m->L, "pattern too complex");
	while (p < m->p_end) {
		step(m);
		switch (*p) {
		case '(':
			if (p + 1 < m->p_end && p[1] == ')')
				s = start_capture(m, s, p + 2, CAP_POSITION);
			else
				s = start_capture(m, s, p + 1, CAP_UNFINISHED);
			goto out;
		case ')':
			s = end_capture(m, s, p + 1);
			goto out;
		case '$':
			if (p + 1 == m->p_end) { /* only at the very end is $ an anchor */
				s = s == m->src_end ? s : NULL;
				goto out;
			}
			break;
		case ESC:
			if (p + 1 >= m->p_end)
				break; /* class_end reports it */
			if (p[1] == 'b') {
				s = match_balance(m, s, p + 2);
				if (s == NULL)
					goto out;
				p += 4;
				continue;
			}
			if (p[1] == 'f') {
				int prev, cur;

				p += 2;
				if (p >= m->p_end || *p != '[')
					luaL_error(m->L, "missing '[' after '%%f' in pattern");
				ep = class_end(m, p);
				prev = s == m->src ? '\0' : uc(s[-1]);
				cur = s < m->src_end ? uc(*s) : '\0';
				if (!match_set(prev, p, ep - 1) && match_set(cur, p, ep - 1)) {
					p = ep;
					continue;
				}
				s = NULL;
				goto out;
			}
			if (isdigit(uc(p[1]))) {
				s = match_backref(m, s, uc(p[1]));
				if (s == NULL)
					goto out;
				p += 2;
				continue;
			}
			break;
		default:
			break;
		}
		/* a single class, maybe with a quantifier */
		ep = class_end(m, p);
		if (!single_match(m, s, p, ep)) {
			if (ep < m->p_end && (*ep == '*' || *ep == '?' || *ep == '-')) {
				p = ep + 1; /* zero repetitions are fine */
				continue;
			}
			s = NULL;
			goto out;
		}
		if (ep < m->p_end && *ep == '?') {
			const char *r = match(m, s + 1, ep + 1);

			if (r != NULL) {
				s = r;
				goto out;
			}
			p = ep + 1;
			continue;
		}
		if (ep < m->p_end && *ep == '+') {
			s = max_expand(m, s + 1, p, ep);
			goto out;
		}
		if (ep < m->p_end && *ep == '*') {
			s = max_expand(m, s, p, ep);
			goto out;
		}
		if (ep < m->p_end && *ep == '-') {
			s = min_expand(m, s, p, ep);
			goto out;
		}
		s++;
		p = ep;
	}
out:
	m->depth++;
	return s;
}

/* --- results ------------------------------------------------------------------------ */

static void prepare(struct pm *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
	m->L = L;
	m->src = s;
	m->src_end = s + ls;
	m->p_end = p + lp;
	m->steps = 0;
}

static void reset(struct pm *m)
{
	m->level = 0;
	m->depth = MAXDEPTH;
}

/* Push capture i of the match s..e (the whole match when there is none and i is 0). */
static void push_capture(struct pm *m, int i, const char *s, const char *e)
{
	ptrdiff_t len;

	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(m->L, s, (size_t)(e - s));
		return;
	}
	len = m->cap[i].len;
	if (len == CAP_UNFINISHED)
		luaL_error(m->L, "unfinished capture");
	if (len == CAP_POSITION)
		lua_pushinteger(m->L, (lua_Integer)(m->cap[i].init - m->src) + 1);
	else
		lua_pushlstring(m->L, m->cap[i].init, (size_t)len);
}

/* Push every capture (or the whole match when wholeifnone and there is none). */
static int push_captures(struct pm *m, const char *s, const char *e, int wholeifnone)
{
	int i, n = m->level == 0 && wholeifnone ? 1 : m->level;

	luaL_checkstack(m->L, n, "too many captures");
	for (i = 0; i < n; i++)
		push_capture(m, i, s, e);
	return n;
}

/* The 0-based start from an optional 1-based (possibly negative) init argument. */
static size_t start_at(lua_State *L, int arg, size_t len)
{
	lua_Integer pos = luaL_optinteger(L, arg, 1);

	if (pos > 0)
		return (size_t)pos - 1;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 0;
	return len - (size_t)(-pos);
}

static int no_specials(const char *p, size_t lp)
{
	size_t i;

	for (i = 0; i < lp; i++)
		if (strchr(SPECIALS, p[i]) != NULL && p[i] != '\0')
			return 0;
	return 1;
}

static int find_aux(lua_State *L, int find)
{
	size_t ls, lp, init;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	struct pm m;
	const char *s1;
	int anchor;

	init = start_at(L, 3, ls);
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
		const char *hit = memmem(s + init, ls - init, p, lp);

		if (hit == NULL) {
			luaL_pushfail(L);
			return 1;
		}
		lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
		lua_pushinteger(L, (lua_Integer)(hit - s + (ptrdiff_t)lp));
		return 2;
	}
	anchor = lp > 0 && *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	prepare(&m, L, s, ls, p, lp);
	s1 = s + init;
	do {
		const char *e;

		reset(&m);
		e = match(&m, s1, p);
		if (e != NULL) {
			if (find) {
				lua_pushinteger(L, (lua_Integer)(s1 - s) + 1);
				lua_pushinteger(L, (lua_Integer)(e - s));
				return push_captures(&m, NULL, NULL, 0) + 2;
			}
			return push_captures(&m, s1, e, 1);
		}
	} while (s1++ < m.src_end && !anchor);
	luaL_pushfail(L);
	return 1;
}

static int l_find(lua_State *L)
{
	return find_aux(L, 1);
}

static int l_match(lua_State *L)
{
	return find_aux(L, 0);
}

/* gmatch's state lives in a userdata: the subject and pattern stay referenced as
 * upvalues of the iterator. */
struct gm {
	const char *src;       /* where the next search starts */
	const char *lastmatch; /* end of the last match (no empty match there again) */
	struct pm m;
};

static int gmatch_next(lua_State *L)
{
	struct gm *g = lua_touserdata(L, lua_upvalueindex(3));
	const char *src;

	g->m.L = L;
	for (src = g->src; src <= g->m.src_end; src++) {
		const char *e;

		reset(&g->m);
		e = match(&g->m, src, lua_tostring(L, lua_upvalueindex(2)));
		if (e != NULL && e != g->lastmatch) {
			g->src = g->lastmatch = e;
			return push_captures(&g->m, src, e, 1);
		}
		step(&g->m);
	}
	return 0;
}

static int l_gmatch(lua_State *L)
{
	size_t ls, lp, init;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	struct gm *g;

	init = start_at(L, 3, ls);
	if (init > ls)
		init = ls + 1; /* past the end: no match */
	lua_settop(L, 2);
	g = lua_newuserdatauv(L, sizeof(*g), 0);
	prepare(&g->m, L, s, ls, p, lp);
	g->src = s + init;
	g->lastmatch = NULL;
	lua_pushcclosure(L, gmatch_next, 3);
	return 1;
}

/* Add the replacement string's expansion (%0..%9, %%) for the match s..e. */
static void add_string(struct pm *m, luaL_Buffer *b, const char *s, const char *e)
{
	size_t l, i;
	const char *news = lua_tolstring(m->L, 3, &l);

	for (i = 0; i < l; i++) {
		if (news[i] != ESC) {
			luaL_addchar(b, news[i]);
			continue;
		}
		i++;
		if (i < l && news[i] == ESC) {
			luaL_addchar(b, ESC);
		} else if (i < l && isdigit(uc(news[i]))) {
			if (news[i] == '0')
				luaL_addlstring(b, s, (size_t)(e - s));
			else {
				push_capture(m, news[i] - '1', s, e);
				luaL_tolstring(m->L, -1, NULL);
				lua_remove(m->L, -2);
				luaL_addvalue(b);
			}
		} else {
			luaL_error(m->L, "invalid use of '%c' in replacement string", ESC);
		}
	}
}

static void add_value(struct pm *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = m->L;

	switch (tr) {
	case LUA_TFUNCTION:
		lua_pushvalue(L, 3);
		lua_call(L, push_captures(m, s, e, 1), 1);
		break;
	case LUA_TTABLE:
		push_capture(m, 0, s, e);
		lua_gettable(L, 3);
		break;
	default:
		add_string(m, b, s, e);
		return;
	}
	if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
	} else if (!lua_isstring(L, -1)) {
		luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	} else {
		luaL_addvalue(b);
	}
}

static int l_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *src = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *lastmatch = NULL;
	int tr = lua_type(L, 3);
	lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)ls + 1), n = 0;
	int anchor = lp > 0 && *p == '^';
	luaL_Buffer b;
	struct pm m;

	luaL_argexpected(L,
			 tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
				 tr == LUA_TTABLE,
			 3, "string/function/table");
	luaL_buffinit(L, &b);
	if (anchor) {
		p++;
		lp--;
	}
	prepare(&m, L, src, ls, p, lp);
	while (n < max_s) {
		const char *e;

		reset(&m);
		e = match(&m, src, p);
		if (e != NULL && e != lastmatch) {
			n++;
			add_value(&m, &b, src, e, tr);
			src = lastmatch = e;
		} else if (src < m.src_end) {
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		step(&m);
		if (anchor)
			break;
	}
	luaL_addlstring(&b, src, (size_t)(m.src_end - src));
	luaL_pushresult(&b);
	lua_pushinteger(L, n);
	return 2;
}

void lx_pattern_install(lua_State *L, int idx)
{
	static const luaL_Reg fns[] = {
		{"find", l_find}, {"match", l_match}, {"gmatch", l_gmatch},
		{"gsub", l_gsub}, {NULL, NULL},
	};

	idx = lua_absindex(L, idx);
	lua_pushvalue(L, idx);
	luaL_setfuncs(L, fns, 0);
	lua_pop(L, 1);
}
