/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shell <-> daemon boundary: the only contract between `tula cli` (and the
 * console thread, which runs the same client over a socketpair) and the daemon's CLI
 * server. Plain structs with fixed-width fields, sizes pinned by _Static_assert, both
 * ends on the same host (native byte order).
 *
 * A stream of messages, each a struct sh_msg_hdr followed by hdr.len payload bytes.
 * The client speaks first (HELLO); the daemon answers WELCOME or REFUSED. Then each
 * request (EXEC, COMPLETE, HELP, or a type registered with
 * sh_server_register_request(), such as LUA_RUN) gets zero or more OUTPUT / ERROR /
 * ASK / READ_TEXT / READ_FILE / WRITE_FILE messages and ends with DONE (CANDS for
 * COMPLETE and HELP). ASK is answered with ANSWER, READ_TEXT with TEXT, READ_FILE and
 * WRITE_FILE with FILE, after which the request goes on.
 *
 * Files a command names (`load merge FILE`, `save FILE`, `| save FILE`) are opened by
 * the CLIENT, as the Unix user running it, relative to its working directory: the
 * daemon never opens a path a client names. It asks with READ_FILE / WRITE_FILE and
 * gets the content or the errno back in FILE; the console, being a client in a thread
 * of the daemon, reads and writes as the daemon's user (whoever has the console owns
 * the box).
 * Line editing, history and paging happen in the client; parsing, completion, help
 * and execution happen in the daemon.
 */
#ifndef SH_PROTO_H
#define SH_PROTO_H

#include <stdint.h>

#define SH_PROTO_VERSION 1u
/* The largest payload either side accepts: a pasted configuration or a Lua file. */
#define SH_PROTO_MAX_PAYLOAD (8u << 20)
/* The largest file a command reads or writes through the client (load, save). */
#define SH_FILE_MAX (4u << 20)

struct sh_msg_hdr {
	uint32_t type; /* enum sh_msg_type */
	uint32_t len;  /* payload bytes that follow */
};
_Static_assert(sizeof(struct sh_msg_hdr) == 8, "sh_msg_hdr is part of the wire format");

enum sh_msg_type {
	/* client -> daemon */
	SH_MSG_HELLO = 1,    /* struct sh_hello */
	SH_MSG_EXEC = 2,     /* struct sh_line + the line */
	SH_MSG_COMPLETE = 3, /* struct sh_line + the line: TAB */
	SH_MSG_HELP = 4,     /* struct sh_line + the line: ? */
	SH_MSG_ANSWER = 5,   /* struct sh_answer: reply to ASK */
	SH_MSG_TEXT = 6,     /* raw text: reply to READ_TEXT */
	SH_MSG_WINSIZE = 7,  /* struct sh_winsize: the terminal was resized */
	SH_MSG_FILE = 8,     /* struct sh_file_status (+ content): reply to READ/WRITE_FILE */
	SH_MSG_STOP = 9,     /* no payload: q / ^C during live output (monitor, ping) */
	/*
	 * `tula lua (FILE | -e CODE) [ARGS]`: registered by lua/ (the payload layout is
	 * lua/'s). Request types up to SH_MSG_REQ_MAX are free for registration.
	 */
	SH_MSG_LUA_RUN = 16,
	SH_MSG_REQ_MAX = 63,

	/* daemon -> client */
	SH_MSG_WELCOME = 64,	/* struct sh_welcome */
	SH_MSG_REFUSED = 65,	/* text: why this user is not served; the daemon closes */
	SH_MSG_OUTPUT = 66,	/* struct sh_output + text for stdout */
	SH_MSG_ERROR = 67,	/* text for stderr (errors, warnings) */
	SH_MSG_DONE = 68,	/* struct sh_done: the request is finished */
	SH_MSG_ASK = 69,	/* struct sh_ask: a yes/no question */
	SH_MSG_READ_TEXT = 70,	/* text: a prompt; the client answers with TEXT */
	SH_MSG_CANDS = 71,	/* struct sh_cands_hdr + entries: reply to COMPLETE / HELP */
	SH_MSG_READ_FILE = 72,	/* text: a path the client reads as its user (<= SH_FILE_MAX) */
	SH_MSG_WRITE_FILE = 73, /* struct sh_file_write + path + content: the client writes */
};

#define SH_HELLO_INTERACTIVE 0x1u /* a person at a terminal: prompts, pager, questions */

struct sh_hello {
	uint32_t version; /* SH_PROTO_VERSION */
	uint32_t flags;	  /* SH_HELLO_* */
	uint16_t width;	  /* terminal columns (0 = unknown) */
	uint16_t height;  /* terminal rows (0 = unknown) */
	uint32_t pid;	  /* informational; the daemon trusts SO_PEERCRED */
	char tty[32];	  /* "pts/3", "console", "" (NUL terminated) */
	char from[64];	  /* e.g. the SSH client address (informational) */
};
_Static_assert(sizeof(struct sh_hello) == 112, "sh_hello is part of the wire format");

struct sh_welcome {
	uint32_t version;
	uint32_t level;	  /* enum sh_level */
	char user[32];	  /* the login name the daemon identified */
	char klass[16];	  /* "super-user", "operator", "read-only" */
	char prompt[128]; /* "alice@lb1> " */
	char banner[256]; /* printed once after the connection is accepted */
};
_Static_assert(sizeof(struct sh_welcome) == 440, "sh_welcome is part of the wire format");

struct sh_line {
	uint32_t cursor; /* COMPLETE / HELP: byte offset of the cursor in the line */
	uint32_t len;	 /* bytes of line that follow */
};
_Static_assert(sizeof(struct sh_line) == 8, "sh_line is part of the wire format");

#define SH_OUT_NO_MORE 0x1u /* `| no-more`: do not page this output */
#define SH_OUT_LIVE    0x2u /* live output until q / ^C: the client sends STOP for those keys */

struct sh_output {
	uint32_t flags;		/* SH_OUT_* */
	uint16_t screen_length; /* `set cli screen-length`: page every N rows (0: the terminal's) */
	uint16_t screen_width;	/* `set cli screen-width`: wrap at N columns (0: the terminal's) */
};
_Static_assert(sizeof(struct sh_output) == 8, "sh_output is part of the wire format");

#define SH_DONE_CLOSE 0x1u /* the session is over (exit / quit): the client leaves */

struct sh_done {
	int32_t status;	  /* 0 success, else a negative errno */
	uint32_t flags;	  /* SH_DONE_* */
	char prompt[128]; /* the prompt for the next line ("alice@lb1# ") */
	char banner[256]; /* configuration mode: "[edit services dsr]", else "" */
};
_Static_assert(sizeof(struct sh_done) == 392, "sh_done is part of the wire format");

struct sh_ask {
	uint32_t default_yes; /* the answer a non-interactive client gives */
	uint32_t reserved;
	char question[256];
};
_Static_assert(sizeof(struct sh_ask) == 264, "sh_ask is part of the wire format");

struct sh_answer {
	uint32_t yes;
	uint32_t reserved;
};
_Static_assert(sizeof(struct sh_answer) == 8, "sh_answer is part of the wire format");

/* Reply to READ_FILE (status 0: the file's bytes follow) and WRITE_FILE (no bytes). */
struct sh_file_status {
	int32_t status; /* 0, or the negative errno of the client's open/read/write
			   (-E2BIG: larger than SH_FILE_MAX; -EPERM: this client does no files) */
	uint32_t reserved;
};
_Static_assert(sizeof(struct sh_file_status) == 8, "sh_file_status is part of the wire format");

struct sh_file_write {
	uint32_t path_len; /* bytes of path that follow (no NUL), then the content */
	uint32_t reserved;
};
_Static_assert(sizeof(struct sh_file_write) == 8, "sh_file_write is part of the wire format");

struct sh_winsize {
	uint16_t width;
	uint16_t height;
	uint32_t reserved;
};
_Static_assert(sizeof(struct sh_winsize) == 8, "sh_winsize is part of the wire format");

/*
 * Reply to COMPLETE / HELP. status 0: count entries follow, each a struct
 * sh_cand_wire then word_len bytes of word and help_len bytes of help (no NULs).
 * status < 0: the words before the cursor do not parse; the rest of the payload is
 * the error text (the line, a ^ under the bad word, what was expected).
 */
struct sh_cands_hdr {
	int32_t status;
	uint32_t count;
	uint32_t word_start; /* byte offset of the word being completed */
	uint32_t reserved;
};
_Static_assert(sizeof(struct sh_cands_hdr) == 16, "sh_cands_hdr is part of the wire format");

struct sh_cand_wire {
	uint8_t kind; /* enum sh_cand_kind */
	uint8_t reserved;
	uint16_t word_len;
	uint16_t help_len;
	uint16_t reserved2;
};
_Static_assert(sizeof(struct sh_cand_wire) == 8, "sh_cand_wire is part of the wire format");

#endif
