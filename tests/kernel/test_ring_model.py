"""The ring model against the kernel: where EAGAIN falls, and FIONREAD after every call."""

from __future__ import annotations

import fcntl
import os
import random

import pytest

from app.kernel.pipes import F_SETPIPE_SZ, fionread
from app.kernel.ring import RingModel

PATTERNS = {
    "1-byte": [1],
    "100-byte": [100],
    "4096-byte": [4096],
    "5000-byte": [5000],
    "1 then 4096": [1, 4096],
}


def kernel_write(fd: int, count: int) -> int:
    try:
        return os.write(fd, b"x" * count)
    except BlockingIOError:
        return 0


def fill(pattern: list[int], write: object) -> int:
    """Write the pattern (its last size repeating) until a write is refused or short."""
    total = 0
    for i in range(200_000):
        size = pattern[min(i, len(pattern) - 1)]
        got = write(size)  # type: ignore[operator]
        total += got
        if got < size:
            return total
    raise AssertionError("the pipe never filled")


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=PATTERNS.keys())
def test_bytes_accepted_before_eagain_match_the_kernel(pattern: list[int]) -> None:
    r, w = os.pipe2(os.O_NONBLOCK)
    try:
        kernel = fill(pattern, lambda n: kernel_write(w, n))
        model = RingModel()
        predicted = fill(pattern, model.write)
        assert predicted == kernel
        assert model.bytes == fionread(r)
    finally:
        os.close(r)
        os.close(w)


def test_known_figures_from_the_field_notes() -> None:
    expected = {"1-byte": 65536, "100-byte": 64000, "4096-byte": 65536, "1 then 4096": 61441}
    for name, figure in expected.items():
        assert fill(PATTERNS[name], RingModel().write) == figure


@pytest.mark.parametrize("seed", range(12))
def test_random_reads_and_writes_agree_with_fionread_after_every_call(seed: int) -> None:
    rng = random.Random(seed)
    r, w = os.pipe2(os.O_NONBLOCK)
    model = RingModel()
    try:
        for _ in range(400):
            if rng.random() < 0.6:
                size = rng.choice([1, 7, 100, 511, 4095, 4096, 4097, 5000, 9000])
                assert model.write(size) == kernel_write(w, size)
            else:
                size = rng.choice([1, 100, 4096, 6000, 70000])
                try:
                    got = len(os.read(r, size))
                except BlockingIOError:
                    got = 0
                assert model.read(size) == got
            assert model.bytes == fionread(r)
            assert len(model.pages) <= model.nslots
    finally:
        os.close(r)
        os.close(w)


def test_a_one_page_pipe_holds_one_slot() -> None:
    r, w = os.pipe2(os.O_NONBLOCK)
    try:
        assert fcntl.fcntl(w, F_SETPIPE_SZ, 4096) == 4096
        model = RingModel()
        model.resize(4096)
        assert fill([1000], model.write) == fill([1000], lambda n: kernel_write(w, n)) == 4000
        assert model.to_json()["nslots"] == 1
    finally:
        os.close(r)
        os.close(w)


def test_slots_sit_at_counter_modulo_ring_size() -> None:
    model = RingModel()
    for _ in range(17):
        model.write(4096)
        model.read(4096)
    model.write(10)
    ring = model.to_json()
    assert (ring["head"], ring["tail"]) == (18, 17)
    slot = ring["slots"][17 % 16]
    assert (slot["offset"], slot["len"]) == (0, 10)
    assert sum(1 for s in ring["slots"] if s) == 1
