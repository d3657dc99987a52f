"""web/randomness.py: OS random bytes read ahead, each handed out once (issue 14)."""

from __future__ import annotations

import os
import threading
from collections import Counter

from web import randomness
from web.randomness import READ_AHEAD, random_below, random_bytes


def test_draws_have_the_length_asked_and_never_repeat_across_a_read_ahead() -> None:
    draws = [random_bytes(48) for _ in range(3 * READ_AHEAD // 48)]  # several reads ahead
    assert all(len(draw) == 48 for draw in draws)
    assert len(set(draws)) == len(draws)
    assert len(random_bytes(READ_AHEAD + 1)) == READ_AHEAD + 1  # longer than a read ahead


def test_threads_drawing_at_once_never_get_the_same_bytes() -> None:
    drawn: list[bytes] = []

    def draw() -> None:
        mine = [random_bytes(16) for _ in range(500)]
        drawn.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 4000 and len(set(drawn)) == 4000


def test_a_forked_child_does_not_hand_out_what_its_parent_read_ahead() -> None:
    random_bytes(1)  # the parent has bytes read ahead and unused
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        try:
            os.write(writing, random_bytes(32))
        finally:
            os._exit(0)
    os.close(writing)
    from_child = os.read(reading, 32)
    os.close(reading)
    os.waitpid(child, 0)
    assert len(from_child) == 32
    assert from_child != random_bytes(32)  # the parent's next bytes


def test_random_below_covers_its_range_without_leaving_it() -> None:
    counts = Counter(random_below(100) for _ in range(20_000))
    assert set(counts) == set(range(100))
    # Uniform: each value about 200 times (a biased draw, byte % 100 over all 256 bytes, would
    # give the values below 56 about 1.5 times the others).
    low = sum(counts[value] for value in range(56)) / 56
    high = sum(counts[value] for value in range(56, 100)) / 44
    assert 0.85 < low / high < 1.15
    assert random_below(1) == 0
    assert 0 <= random_below(1000) < 1000  # beyond a byte: the standard library's draw


def test_the_pool_is_the_only_state_and_starts_empty_in_a_child() -> None:
    random_bytes(5)
    randomness._forget_read_ahead()
    assert randomness._pool == b"" and randomness._used == 0
    assert len(random_bytes(5)) == 5
