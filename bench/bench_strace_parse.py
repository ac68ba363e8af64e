"""How fast the strace parser reads: lines per second, on the recorded strace output.

The recordings of tests/data/strace (the seed's C program, every form of line, yes | head
from -o and from stderr) are read again and again: `lines.parse` alone, then parse plus the
tracker that turns lines into events (pairing unfinished/resumed, naming calls, hiding noise).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _service import machine  # noqa: E402

from app.strace.lines import parse  # noqa: E402
from app.strace.track import Tracker  # noqa: E402

DATA = ROOT / "tests" / "data" / "strace"
ROUNDS = 100
TRIALS = 5


def best(work: Callable[[], None]) -> float:
    """The quickest of TRIALS: the machine is shared, and the rest is other people's load."""
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    recordings = [p.read_text().splitlines() for p in sorted(DATA.glob("*.txt"))]
    total = sum(len(r) for r in recordings) * ROUNDS

    def parse_all() -> None:
        for _ in range(ROUNDS):
            for lines in recordings:
                for text in lines:
                    parse(text)

    def track_all() -> None:
        for _ in range(ROUNDS):
            for lines in recordings:
                tracker = Tracker(all_calls=True)  # every line becomes events: the most work
                for text in lines:
                    tracker.feed(text)

    parsed, tracked = best(parse_all), best(track_all)
    print(f"machine: {machine()}")
    print(
        f"input: {total} lines ({len(recordings)} recordings x {ROUNDS} rounds), best of {TRIALS}"
    )
    for name, seconds in (("lines.parse", parsed), ("parse + Tracker events", tracked)):
        rate, each = total / seconds, seconds / total * 1e6
        print(f"{name + ':':23} {rate:>9,.0f} lines/s ({each:.1f} us a line)")


if __name__ == "__main__":
    main()
