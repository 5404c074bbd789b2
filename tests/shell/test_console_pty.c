/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drives the real console through a pseudo-terminal, as an operator would: the daemon
 * (argv[1]) runs with the pty as its terminal; the test types keys and reads the
 * screen. Covers TAB, `?` (and `?` inside quotes), ^C (cancels the line, never stops
 * the daemon), configuration mode with its banner, `show | compare`, `commit`, the
 * pager, history, and leaving the console stopping the daemon.
 *
 * Every wait is bounded; on failure the tail of the screen is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 15000

static int master = -1;
static pid_t child = -1;
static char dir[64];
static char screen[1 << 20]; /* what the terminal showed, escape sequences removed */
static size_t slen, mark;
static int step;

static void cleanup(void)
{
	char cmd[128];

	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		child = -1;
	}
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
}

static void fail(const char *fmt, ...)
{
	size_t from = slen > 1500 ? slen - 1500 : 0;
	va_list ap;

	va_start(ap, fmt);
	printf("not ok %d - ", ++step);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# screen since the last match:\n%.*s\n# (end of screen)\n",
	       (int)(slen - (mark > from ? mark : from)), screen + (mark > from ? mark : from));
	cleanup();
	exit(1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Append terminal output, dropping ANSI escape sequences and carriage returns. */
static void absorb(const char *b, size_t n)
{
	static int esc; /* 0 text, 1 after ESC, 2 inside CSI */
	size_t i;

	for (i = 0; i < n && slen + 1 < sizeof(screen); i++) {
		unsigned char ch = (unsigned char)b[i];

		if (esc == 1) {
			esc = ch == '[' ? 2 : 0;
			continue;
		}
		if (esc == 2) {
			if (ch >= 0x40 && ch <= 0x7e)
				esc = 0;
			continue;
		}
		if (ch == 0x1b) {
			esc = 1;
			continue;
		}
		if (ch == '\r' || ch == '\a' || ch == '\b')
			continue;
		screen[slen++] = (char)ch;
	}
	screen[slen] = '\0';
}

static int pump(int timeout_ms)
{
	struct pollfd p = {.fd = master, .events = POLLIN};
	char b[4096];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(master, b, sizeof(b));
	if (n <= 0)
		return -1; /* the child closed the terminal */
	absorb(b, (size_t)n);
	return 1;
}

/* Wait until needle appears after the mark; move the mark past it. */
static void expect(const char *needle, const char *what)
{
	uint64_t end = now_ms() + TIMEOUT_MS;
	char *hit;

	for (;;) {
		hit = strstr(screen + mark, needle);
		if (hit != NULL) {
			mark = (size_t)(hit - screen) + strlen(needle);
			printf("ok %d - %s\n", ++step, what);
			fflush(stdout);
			return;
		}
		if (now_ms() >= end || pump((int)(end - now_ms())) < 0)
			fail("%s: expected \"%s\"", what, needle);
	}
}

static void type(const char *keys)
{
	size_t n = strlen(keys);

	if (write(master, keys, n) != (ssize_t)n)
		fail("cannot type \"%s\": %s", keys, strerror(errno));
	usleep(20000); /* let the line editor see TAB and ? as separate reads */
}

static void resize(unsigned short rows, unsigned short cols)
{
	struct winsize ws = {.ws_row = rows, .ws_col = cols};

	ioctl(master, TIOCSWINSZ, &ws);
}

static void command(const char *line, const char *prompt_end)
{
	char keys[512];

	snprintf(keys, sizeof(keys), "%s\r", line);
	type(keys);
	expect(prompt_end, line);
}

int main(int argc, char **argv)
{
	struct winsize ws = {.ws_row = 40, .ws_col = 120};
	char db[128], sock[128], hist[128], buf[4096];
	uint64_t end;
	int status = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s TULA-BINARY\n", argv[0]);
		return 2;
	}
	snprintf(dir, sizeof(dir), "/tmp/tula-pty-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/config.db", dir);
	snprintf(sock, sizeof(sock), "%s/cli.sock", dir);
	snprintf(hist, sizeof(hist), "%s/history", dir);
	signal(SIGPIPE, SIG_IGN);
	child = forkpty(&master, NULL, NULL, &ws);
	if (child < 0) {
		perror("forkpty");
		cleanup();
		return 1;
	}
	if (child == 0) {
		/* a network namespace of its own: the port this test configures gets a TAP
		 * interface and routes, which must not land in the host's namespace */
		if (unshare(CLONE_NEWNET) != 0)
			perror("unshare(CLONE_NEWNET): the daemon shares the host's network");
		setenv("TULA_HISTORY", hist, 1);
		setenv("TERM", "xterm", 1);
		if (getenv("TULA_EAL_ARGS") != NULL) /* the real binary needs its EAL options */
			execl("/bin/sh", "sh", "-c",
			      "exec \"$0\" --db \"$1\" --socket \"$2\" -- $TULA_EAL_ARGS", argv[1],
			      db, sock, (char *)NULL);
		else
			execl(argv[1], argv[1], "--db", db, "--socket", sock, (char *)NULL);
		_exit(127);
	}

	expect("> ", "the console shows the operational prompt");
	type("sh\t");
	expect("show ", "TAB completes 'sh' to 'show '");
	type("?");
	expect("Possible completions:", "? lists the completions");
	expect("configuration", "? lists 'configuration'");
	expect("version", "? lists 'version'");
	expect("> show ", "the prompt and the line come back after ?");
	command("version", "> ");
	if (strstr(screen, "Tula version:") == NULL)
		fail("show version ran after TAB and ?");
	printf("ok %d - the completed line ran (show version)\n", ++step);

	type("show ver\x03");
	expect("^C", "^C cancels the line");
	command("show system uptime", "Tula started:");
	expect("> ", "the daemon survived ^C and still answers");

	command("configure", "Entering configuration mode");
	expect("[edit]", "configuration mode shows the [edit] banner");
	expect("# ", "configuration mode shows the # prompt");
	type("set system host-name \"a?");
	expect("\"a?", "? inside quotes is a literal character");
	type("\x03");
	expect("# ", "^C abandons the quoted line");

	command("set interfaces port0 device net_null0", "# ");
	command("set interfaces port0 address 10.0.1.10/24", "# ");
	command("edit services dsr vip web", "[edit services dsr vip web]");
	command("set address 10.0.1.100", "# ");
	command("set protocol tcp", "# ");
	command("set port 80", "# ");
	command("set backend be1 address 10.0.1.11", "# ");
	command("top", "[edit]");
	command("show | compare", "[edit]");
	expect("+   services {", "show | compare marks the new services with +");
	expect("+               address 10.0.1.100;", "show | compare marks the VIP's address");
	expect("[edit interfaces]", "show | compare names the level of the next change");
	expect("+   port0 {", "show | compare marks the new port with +");
	expect("# ", "show | compare printed the candidate's changes");
	command("commit", "commit complete");
	expect("# ", "commit returns to the prompt");

	resize(5, 120);
	type("show | display set\r");
	expect("---(more)---", "a long output stops at ---(more)--- on a small terminal");
	if (strstr(screen + mark, "backend be1") != NULL)
		fail("the pager held back the rest of the output");
	type(" ");
	expect("backend be1 address 10.0.1.11", "space shows the next page");
	expect("# ", "the prompt comes back after the last page");
	type("show | display set\r");
	expect("---(more)---", "the pager stops again");
	type("q");
	expect("# ", "q leaves the pager");
	{
		const char *tail = strrchr(screen, '-'); /* the end of ---(more)--- */

		if (tail != NULL && strstr(tail, "backend be1") != NULL)
			fail("q dropped the rest of the output");
		printf("ok %d - q dropped the rest of the output\n", ++step);
	}
	resize(40, 120);

	type("load merge terminal\r");
	expect("[Type ^D at a new line to end input]", "load merge terminal asks for the text");
	type("services {\n    dsr {\n        vip api {\n            address 10.0.1.101;\n"
	     "            protocol tcp;\n            port 443;\n"
	     "            backend be2 { address 10.0.1.12; }\n        }\n    }\n}\n");
	type("\x04");
	expect("load complete", "a pasted multi-line configuration loads");
	command("show services dsr vip api port", "port 443;");
	command("commit and-quit", "Exiting configuration mode");
	command("configure", "[edit]");
	command("set system host-name pty1", "# ");
	type("exit\r");
	expect("Exit with uncommitted changes? [yes,no] (yes) ",
	       "exit with uncommitted changes asks first");
	type("no\r");
	expect("[edit]", "answering no stays in configuration mode");
	command("rollback 0", "load complete");
	command("exit", "Exiting configuration mode");
	expect("> ", "exit returns to operational mode");
	command("show configuration services dsr vip web address", "address 10.0.1.100;");
	expect("> ", "the committed VIP is active");

	type("\x04"); /* ^D on an empty line leaves operational mode: the daemon stops */
	end = now_ms() + TIMEOUT_MS;
	while (now_ms() < end && waitpid(child, &status, WNOHANG) == 0)
		pump(100);
	if (waitpid(child, &status, WNOHANG) == 0 && kill(child, 0) == 0)
		fail("leaving the console did not stop the daemon");
	child = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the daemon exited with status %d",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("ok %d - ^D at operational level stops the daemon (exit status 0)\n", ++step);

	f = fopen(hist, "r");
	buf[0] = '\0';
	if (f != NULL) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		buf[n] = '\0';
		fclose(f);
	}
	/* libedit stores blanks as \\040 */
	if (strstr(buf, "version") == NULL || strstr(buf, "commit") == NULL)
		fail("the history file %s keeps the commands typed", hist);
	printf("ok %d - the history file keeps the commands typed\n", ++step);
	cleanup();
	return 0;
}
