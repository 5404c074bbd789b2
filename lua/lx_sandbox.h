/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Lua sandbox: one fresh lua_State per script run, on the control thread.
 *
 * What a script can reach: the base library without dofile, loadfile and binary
 * chunks (load accepts text only), string (without string.dump), table, math, utf8,
 * coroutine, and an `os` reduced to time, clock, date and difftime. No io, no debug,
 * no package; `require` loads only NAME.lua from the script directory (text, no C
 * modules). print() writes to the run's output buffer, not to a terminal.
 *
 * What a script cannot exceed:
 *   - memory: the state's allocator refuses to grow the heap past the cap, so a bomb
 *     ends with a memory error inside Lua, never with the daemon's malloc failing;
 *   - instructions and wall-clock time: a count hook, inherited by every coroutine the
 *     script creates, adds up the instructions run and checks the clock. Past either
 *     budget the run is killed: the hook raises an error, and from then on raises again
 *     at every instruction of every thread of the state, so pcall, xpcall, load or
 *     coroutine.resume may catch the kill but the code after them cannot run;
 *   - output: print() refuses to grow the output past LX_OUTPUT_MAX;
 *   - Lua finalizers: setmetatable refuses a metatable with __gc, because Lua runs
 *     finalizers with hooks off and a looping one could not be stopped.
 * Lua's own limits end deep recursion with "stack overflow" (Lua stack) or "C stack
 * overflow" (LUAI_MAXCCALLS). The string library's pattern functions (find, match,
 * gmatch, gsub) are Tula's own implementation of Lua patterns (lx_pattern.c), which
 * charges its backtracking steps to the budgets: Lua's own matcher can backtrack for
 * hours inside one call without running an instruction. The other library functions
 * that work long in C charge the budgets too: string.rep, upper, lower, reverse,
 * format and table.concat by the bytes they produce, table.sort by its comparisons
 * (n log2 n) before it starts — a script that repeats them is killed like a loop.
 *
 * Thread: the control thread only; a sandbox is never shared. Runs nest (an op script
 * whose commit runs commit scripts): each has its own state and budgets.
 */
#ifndef LX_SANDBOX_H
#define LX_SANDBOX_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tula_buf.h"

struct lx_limits {
	size_t memory;	       /* bytes the Lua heap may hold */
	uint64_t instructions; /* VM instructions per run */
	uint64_t time_ms;      /* wall-clock milliseconds per run */
};

/*
 * The control thread serves every CLI session and the health checks: a script holds
 * it for about a second of instructions at most (50 M on this class of machine), and
 * is killed at its first instruction past 5 s of wall-clock time (time spent in the
 * commands it calls counts).
 */
#define LX_LIMITS_DEFAULT                   \
	{                                   \
		64u << 20, 50000000u, 5000u \
	}

#define LX_OUTPUT_MAX (16u << 20) /* bytes print() may write in one run */
#define LX_SCRIPT_MAX (1u << 20)  /* bytes of a script file or -e chunk */
#define LX_NEST_MAX   4		  /* sandboxes alive at once (runs nested in runs) */

struct lx_sandbox;

/*
 * A new sandbox with the libraries above and the budgets of lim (NULL: defaults).
 * scripts_dir is where require() looks (copied; NULL: require finds nothing). out
 * receives print() output and must outlive the sandbox (NULL: output is dropped).
 * Returns the sandbox, or NULL with errno ENOMEM, or EMLINK when LX_NEST_MAX sandboxes
 * are already alive.
 */
struct lx_sandbox *lx_sandbox_new(const struct lx_limits *lim, const char *scripts_dir,
				  struct tula_buf *out);

/* Closes the state (running the C finalizers of its userdata) and frees. NULL ok. */
void lx_sandbox_free(struct lx_sandbox *sb);

/* The state, to push arguments and read results; valid until lx_sandbox_free. */
lua_State *lx_sandbox_state(struct lx_sandbox *sb);

/* The sandbox a state belongs to (for C functions called by the script). */
struct lx_sandbox *lx_sandbox_of(lua_State *L);

/* A pointer the embedder attaches to the run (e.g. the caller's session). */
void lx_sandbox_set_user(struct lx_sandbox *sb, void *user);
void *lx_sandbox_user(const struct lx_sandbox *sb);

/* The scripts directory given at creation, or NULL. */
const char *lx_sandbox_scripts_dir(const struct lx_sandbox *sb);

/*
 * Compile a text chunk and push it as a function. chunkname is what error messages
 * show ("check-ports.lua"). Returns 0; -EINVAL on a syntax error or a binary chunk,
 * -E2BIG when longer than LX_SCRIPT_MAX, -ENOMEM; on error err (if not NULL) gets the
 * message and nothing is pushed.
 */
int lx_sandbox_load(struct lx_sandbox *sb, const char *code, size_t len, const char *chunkname,
		    struct tula_buf *err);

/*
 * Compile NAME from the scripts directory (NAME is a plain file name such as
 * "drain.lua", no '/' nor leading '.'). Returns as lx_sandbox_load, plus -ENOENT
 * (or another -errno) when the file cannot be read and -EINVAL for a bad name.
 */
int lx_sandbox_load_file(struct lx_sandbox *sb, const char *name, struct tula_buf *err);

/*
 * Call the function below the nargs arguments on top of the stack, under the budgets
 * (which start afresh with each call), leaving nresults results (LUA_MULTRET ok).
 * Returns 0, or on failure (nothing left on the stack, err gets a one-line message
 * naming the script and line where known):
 *   -ECANCELED  the script raised an error (or failed with "stack overflow")
 *   -ENOMEM     the script ran out of its memory cap
 *   -ETIME      the instruction or time budget was exceeded (the run was killed)
 */
int lx_sandbox_call(struct lx_sandbox *sb, int nargs, int nresults, struct tula_buf *err);

/*
 * Run a C function inside the sandbox's protection (no budgets, no memory cap), for
 * setting up globals or reading results without risking a panic on a memory error.
 * fn receives the nargs values on top of the stack. Returns 0, or -ENOMEM / -ECANCELED
 * with err filled.
 */
int lx_sandbox_protect(struct lx_sandbox *sb, lua_CFunction fn, int nargs, int nresults,
		       struct tula_buf *err);

/* What the heap holds now and held at most, in bytes. */
size_t lx_sandbox_memory(const struct lx_sandbox *sb);
size_t lx_sandbox_memory_peak(const struct lx_sandbox *sb);

/*
 * For C functions a script calls that may work for long without running a Lua
 * instruction (pattern matching): count work units (one is worth one instruction)
 * against the run's budgets and check the clock. Past a budget the run is killed as
 * by the hook: raises, and the kill sticks. Does nothing outside lx_sandbox_call.
 */
void lx_sandbox_charge(lua_State *L, uint64_t work);

/* Instructions counted in the last call (granularity LX_HOOK_EVERY). */
uint64_t lx_sandbox_instructions(const struct lx_sandbox *sb);

#define LX_HOOK_EVERY 1000 /* instructions between two budget checks */

/* Registry table of the modules require() returns (embedders preload theirs here). */
#define LX_LOADED_KEY "lx.loaded"

#endif
