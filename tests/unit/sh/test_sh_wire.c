/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "shell/sh_wire.h"

static void a_message_sent_is_received_whole(void **state)
{
	struct sh_msg_hdr h;
	char *p = NULL;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(sh_wire_send(sv[0], SH_MSG_EXEC, "ab", 2, "cde", 3), 0);
	assert_int_equal(sh_wire_recv(sv[1], &h, &p), 0);
	assert_int_equal(h.type, SH_MSG_EXEC);
	assert_int_equal(h.len, 5);
	assert_string_equal(p, "abcde");
	free(p);
	close(sv[0]);
	close(sv[1]);
}

static void an_oversized_header_is_refused_without_allocating(void **state)
{
	struct sh_msg_hdr h = {.type = SH_MSG_OUTPUT, .len = SH_PROTO_MAX_PAYLOAD + 1};
	char *p = (char *)1;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(sh_wire_recv(sv[1], &h, &p), -EPROTO);
	assert_null(p);
	close(sv[0]);
	close(sv[1]);
}

static void a_closed_peer_reads_as_connection_reset(void **state)
{
	struct sh_msg_hdr h;
	char *p = NULL;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "abc", 3), 3); /* half a header */
	close(sv[0]);
	assert_int_equal(sh_wire_recv(sv[1], &h, &p), -ECONNRESET);
	assert_null(p);
	close(sv[1]);
}

static void connect_to_a_missing_socket_says_where_and_why(void **state)
{
	char why[256] = "";

	(void)state;
	assert_int_equal(sh_wire_connect("/nonexistent/tula.sock", why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/tula.sock"));
	assert_non_null(strstr(why, "is tula running"));
}

static void read_file_returns_the_bytes_and_enforces_the_cap(void **state)
{
	char path[] = "/tmp/test_sh_wire_XXXXXX", *d = NULL;
	size_t len = 0;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	assert_int_equal(sh_wire_read_file(path, 6, &d, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(d, "hello\n");
	free(d);
	d = NULL;
	assert_int_equal(sh_wire_read_file(path, 5, &d, &len), -E2BIG);
	assert_null(d);
	unlink(path);
	assert_int_equal(sh_wire_read_file(path, 5, &d, &len), -ENOENT);
	assert_int_equal(sh_wire_read_file("/tmp", 5, &d, &len), -EISDIR);
}

static void read_file_stops_an_endless_file_at_the_cap(void **state)
{
	char *d = NULL;
	size_t len = 0;

	(void)state;
	/* /dev/zero never ends: the reader must stop one byte past the cap */
	assert_int_equal(sh_wire_read_file("/dev/zero", 100000, &d, &len), -E2BIG);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_message_sent_is_received_whole),
		cmocka_unit_test(an_oversized_header_is_refused_without_allocating),
		cmocka_unit_test(a_closed_peer_reads_as_connection_reset),
		cmocka_unit_test(connect_to_a_missing_socket_says_where_and_why),
		cmocka_unit_test(read_file_returns_the_bytes_and_enforces_the_cap),
		cmocka_unit_test(read_file_stops_an_endless_file_at_the_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
