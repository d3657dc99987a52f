"""Random bytes from the OS's cryptographic source, read 4 KB at a time (issue 14).

Every HTML page with a form takes fresh randomness twice: the CSRF token's mask (web/csrf.py)
and the gzip padding against BREACH (web/compression.py). `secrets` reads the OS's source with
one `getrandom` system call per draw, and CPython gives up the GIL around it. Under uvicorn a
view runs on a worker thread beside the event loop, so each call hands the GIL to the loop and
waits to get it back. The gain is small and the machine noisy, but it pointed the same way in
three measurements of step 1 with saved answers (docs/performance.md, 2026-12-07): both draws
stubbed out 0.45 -> 0.49 of hello, this module against `secrets` 0.45 -> 0.48 (medians, one
server per variant, the ratio taken within each server), and page_bench 0.47 -> 0.48.

Here the bytes are the same `os.urandom` bytes, read ahead 4 KB at a time (one system call per
about 80 pages) and each handed out once: a draw takes the next unused bytes under a lock, so
two threads never get the same ones, and a forked child process forgets what its parent read
ahead (`os.register_at_fork`), so two workers never hand out the same bytes either.
"""

from __future__ import annotations

import os
import secrets
import threading

READ_AHEAD = 4096

_lock = threading.Lock()
_pool = b""
_used = 0


def random_bytes(count: int) -> bytes:
    """`count` bytes from the OS's cryptographic source (as `secrets.token_bytes(count)`)."""
    global _pool, _used
    with _lock:
        if _used + count > len(_pool):
            _pool, _used = os.urandom(max(READ_AHEAD, count)), 0
        start, _used = _used, _used + count
        return _pool[start:_used]


def random_below(limit: int) -> int:
    """A uniform random integer in [0, limit) (as `secrets.randbelow(limit)`)."""
    if not 0 < limit <= 256:
        return secrets.randbelow(limit)
    # Bytes at or above the largest multiple of `limit` are dropped, so `% limit` has no bias.
    accepted = 256 - 256 % limit
    while True:
        byte = random_bytes(1)[0]
        if byte < accepted:
            return byte % limit


def _forget_read_ahead() -> None:
    """In a forked child: the parent's unused bytes are the parent's (and its other children's)."""
    global _pool, _used, _lock
    _lock = threading.Lock()
    _pool, _used = b"", 0


os.register_at_fork(after_in_child=_forget_read_ahead)
