/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * restrict_af FAMILY... -- COMMAND [ARGS]...
 *
 * Runs COMMAND with socket(2) refused (EAFNOSUPPORT) for every address family but the
 * ones listed (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET), the way systemd's
 * RestrictAddressFamilies= does it: a seccomp filter on socket()'s first argument. The
 * package test uses it to run the unit's ExecStart with the unit's own list. Tests only.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FAMILIES 16

static int family(const char *name)
{
	static const struct {
		const char *name;
		int af;
	} t[] = {{"AF_UNIX", AF_UNIX},	     {"AF_INET", AF_INET},     {"AF_INET6", AF_INET6},
		 {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET}, {"AF_XDP", AF_XDP}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].af;
	return -1;
}

int main(int argc, char **argv)
{
	struct sock_filter f[8 + MAX_FAMILIES];
	struct sock_fprog prog;
	int afs[MAX_FAMILIES], n = 0, i, k = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (n == MAX_FAMILIES || (afs[n] = family(argv[i])) < 0) {
			fprintf(stderr, "restrict_af: unknown or too many families at %s\n",
				argv[i]);
			return 2;
		}
		n++;
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: restrict_af FAMILY... -- COMMAND [ARGS]...\n");
		return 2;
	}
	/* anything but x86-64 socket(): allowed */
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[0]));
	for (int j = 0; j < n; j++)
		/* equal: jump over the remaining tests and the refusal to the allow */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)afs[j],
						      (unsigned char)(n - j), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	prog.filter = f;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("restrict_af: seccomp");
		return 1;
	}
	execvp(argv[i + 1], &argv[i + 1]);
	fprintf(stderr, "restrict_af: %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}
