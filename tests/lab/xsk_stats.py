#!/usr/bin/env python3
"""xsk_stats.py PID: the kernel's statistics of every AF_XDP socket PID holds, summed.

Prints one line: sockets=N rx_dropped=.. rx_invalid_descs=.. tx_invalid_descs=..
rx_ring_full=.. rx_fill_ring_empty_descs=.. tx_ring_empty_descs=.. (getsockopt
XDP_STATISTICS, struct xdp_statistics of linux/if_xdp.h). A descriptor the kernel finds
invalid (outside the UMEM, too long) is dropped without a word to the sender: these
counters are the only place it shows. Each socket is borrowed with pidfd_getfd (root).
Exits 1 when PID holds no AF_XDP socket.
"""
import ctypes
import os
import struct
import sys

SYS_PIDFD_GETFD = 438  # x86_64 and the generic table alike
SOL_XDP = 283
XDP_STATISTICS = 7
FIELDS = ("rx_dropped", "rx_invalid_descs", "tx_invalid_descs", "rx_ring_full",
          "rx_fill_ring_empty_descs", "tx_ring_empty_descs")


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: xsk_stats.py PID")
    pid = int(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    totals = [0] * len(FIELDS)
    sockets = 0
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                continue
        except OSError:
            continue  # closed meanwhile
        fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
        if fd < 0:
            continue
        buf = ctypes.create_string_buffer(8 * len(FIELDS))
        size = ctypes.c_uint32(len(buf))
        # Sockets of other families refuse SOL_XDP: only AF_XDP ones answer.
        if libc.getsockopt(fd, SOL_XDP, XDP_STATISTICS, buf, ctypes.byref(size)) == 0:
            sockets += 1
            values = struct.unpack(f"{len(FIELDS)}Q", buf.raw)
            totals = [t + v for t, v in zip(totals, values)]
        os.close(fd)
    os.close(pidfd)
    if sockets == 0:
        sys.exit(f"process {pid} holds no AF_XDP socket")
    print(f"sockets={sockets} " + " ".join(f"{f}={v}" for f, v in zip(FIELDS, totals)))


if __name__ == "__main__":
    main()
