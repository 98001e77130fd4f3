"""Kernel-level network isolation for the query workers (Linux; unprivileged users too).

:func:`restrict_network` is called first thing in a worker process, while it is
still single-threaded, and applies every layer the kernel allows:

* ``seccomp``: a seccomp-BPF filter (``prctl(PR_SET_NO_NEW_PRIVS)`` then
  ``prctl(PR_SET_SECCOMP)``, both allowed to any user) that makes ``socket()``
  and ``io_uring_setup()`` fail with ``EPERM`` for every address family, and
  refuses foreign-architecture and x32 system calls. The worker talks to the
  server over a socket pair it inherited, so it never needs a new socket; a
  SPARQL ``SERVICE`` call (or anything else) cannot even create one. Threads
  started later (pyoxigraph's) inherit the filter.
* ``netns``: ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` (``CLONE_NEWNET`` alone
  as root): a fresh network namespace with only a loopback interface that is
  down, so even a socket would reach nothing, including the host's 127.0.0.1.
  Needs unprivileged user namespaces (most distributions allow them; some
  containers do not).

The layers that took effect are returned (and reported by ``/health``); none
is fatal when missing: the SPARQL guard still refuses ``SERVICE`` first.
``CRAMPKG_SANDBOX`` picks the layers (``seccomp``, ``netns``, ``seccomp,netns``
(the default) or ``off``; for tests and debugging).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import struct
import sys

__all__ = ["restrict_network"]

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EPERM = 1
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000

# architecture: (AUDIT_ARCH_*, __NR_socket, __NR_io_uring_setup)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}

# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _seccomp_program(arch: str) -> list[tuple[int, int, int, int]]:
    audit_arch, nr_socket, nr_io_uring_setup = _ARCHES[arch]
    deny = _SECCOMP_RET_ERRNO | _EPERM
    return [
        (_LD_W_ABS, 0, 0, 4),                 # 0: A = seccomp_data.arch
        (_JEQ_K, 0, 5, audit_arch),           # 1: foreign architecture -> 7 (deny)
        (_LD_W_ABS, 0, 0, 0),                 # 2: A = seccomp_data.nr
        (_JGE_K, 3, 0, 0x40000000),           # 3: x32 system calls -> 7
        (_JEQ_K, 2, 0, nr_socket),            # 4: socket() -> 7
        (_JEQ_K, 1, 0, nr_io_uring_setup),    # 5: io_uring (can open sockets too) -> 7
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),   # 6: everything else
        (_RET_K, 0, 0, deny),                 # 7: EPERM
    ]


def _apply_seccomp(libc: ctypes.CDLL) -> bool:
    arch = platform.machine()
    if arch not in _ARCHES or struct.calcsize("P") != 8:
        return False
    program = _seccomp_program(arch)
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    fprog = _SockFprog(len(program), ctypes.cast(filters, ctypes.POINTER(_SockFilter)))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    status: int = libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
    return status == 0


def _apply_netns(libc: ctypes.CDLL) -> bool:
    # a user namespace first (unprivileged), else the network namespace alone (root)
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWUSER | _CLONE_NEWNET, _CLONE_NEWNET))


def restrict_network() -> tuple[str, ...]:
    """Cut this process off the network as far as the kernel allows; the layers in force.

    Call it before the process starts threads (``unshare`` of a user namespace
    needs a single-threaded process). Irreversible for the process.
    """
    wanted = {w.strip() for w in os.environ.get("CRAMPKG_SANDBOX", "seccomp,netns").split(",")}
    if "off" in wanted or not sys.platform.startswith("linux"):
        return ()
    try:
        libc = _libc()
    except OSError:
        return ()
    layers = []
    try:
        if "netns" in wanted and _apply_netns(libc):  # first: unshare needs no socket, and seccomp does not block it
            layers.append("netns")
    except (AttributeError, OSError):
        pass
    try:
        if "seccomp" in wanted and _apply_seccomp(libc):
            layers.append("seccomp")
    except (AttributeError, OSError):
        pass
    return tuple(layers)


if __name__ == "__main__":  # python -m crampkg.http.sandbox: which layers work here
    print(",".join(restrict_network()) or "none")
