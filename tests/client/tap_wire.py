#!/usr/bin/env python3
"""A stand-in for a guest's NIC, for network tests that need no real guest: joins an
instance's tap on its VPC router to a new tap in a namespace of the test's own, copying frames
both ways as QEMU would. The test gives that tap the interface's MAC and address.

    tap_wire.py ROUTER_NETNS ROUTER_TAP GUEST_NETNS GUEST_TAP

Prints "ready" once both taps are held; runs until killed.
"""
import ctypes
import errno
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


def enter(netns):
    """Moves this (single-threaded) process into network namespace `netns`."""
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + netns)
    finally:
        os.close(fd)


def attach(name, seconds=10):
    """A file descriptor on tap `name` of the current namespace (created when absent), retried
    for `seconds` while another process (a VM failing to start) holds it."""
    deadline = time.monotonic() + seconds
    while True:
        fd = os.open("/dev/net/tun", os.O_RDWR)
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
            return fd
        except OSError as e:
            os.close(fd)
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def main(router_netns, router_tap, guest_netns, guest_tap):
    enter(router_netns)
    router = attach(router_tap)
    enter(guest_netns)
    guest = attach(guest_tap)
    print("ready", flush=True)
    other = {router: guest, guest: router}
    while True:
        readable, _, _ = select.select([router, guest], [], [])
        for fd in readable:
            frame = os.read(fd, 65536)
            try:
                os.write(other[fd], frame)
            except OSError:
                pass  # the other side is down: the frame is lost, as on a wire


if __name__ == "__main__":
    main(*sys.argv[1:5])
