"""The pipe's ring of page slots, as fs/pipe.c keeps it.

The kernel does not expose which slots hold what, so this models it, and tests check the
model against the kernel: FIONREAD for the byte total, EAGAIN for where "full" falls.

- A write first tries to merge `len % PAGE` bytes into the last page, only when the pipe was
  not empty and they fit behind that page's data (a multiple of PAGE never merges). A write
  that slept and was woken goes on in fresh pages only: the merge is tried once, on entry.
- The rest goes into fresh pages, one slot each, while a slot is free.
- A read takes bytes from the oldest page; a page's slot frees only once it is emptied.
- head and tail are the kernel's free-running counters; a slot's index is counter % nslots.

Each page also keeps which bytes it holds and who wrote them (app/kernel/ring_bytes.py),
from the write each part came from: the kernel does not say, the runner saw every write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.kernel import ring_bytes
from app.kernel.ring_bytes import UNSEEN, Piece, Written
from app.runner.escape import escape

PAGE = 4096


@dataclass
class Page:
    offset: int
    len: int
    held: list[Piece] = field(default_factory=list)  # its unread bytes, oldest first

    def put(self, source: Written, start: int, count: int) -> None:
        ring_bytes.add(self.held, source.part(start, count))


@dataclass
class RingModel:
    nslots: int = 16
    head: int = 0
    tail: int = 0
    pages: list[Page] = field(default_factory=list)  # oldest first: tail .. head-1
    exact: bool = True

    @property
    def bytes(self) -> int:
        return sum(p.len for p in self.pages)

    @property
    def full(self) -> bool:
        return len(self.pages) >= self.nslots

    def write(
        self,
        count: int,
        nonblock: bool = True,
        resumed: bool = False,
        source: Written = UNSEEN,
        start: int = 0,
    ) -> int:
        """Apply a write of count bytes; return how many the kernel accepts before it would
        block (blocking writers) or fail with EAGAIN (nonblock): 0 means EAGAIN. `resumed`:
        the rest of a write woken from its sleep, which never merges. The bytes are those of
        `source` from its byte `start` on (a woken write goes on where it stopped)."""
        written = 0
        chars = count & (PAGE - 1)
        if chars and self.pages and not resumed:
            last = self.pages[-1]
            if last.offset + last.len + chars <= PAGE:
                last.len += chars
                last.put(source, start, chars)
                written = chars
        while written < count and not self.full:
            take = min(PAGE, count - written)
            page = Page(0, take)
            page.put(source, start + written, take)
            self.pages.append(page)
            self.head += 1
            written += take
        return written

    def read(self, count: int) -> int:
        taken = 0
        while taken < count and self.pages:
            page = self.pages[0]
            chunk = min(page.len, count - taken)
            page.offset += chunk
            page.len -= chunk
            ring_bytes.drop(page.held, chunk)
            taken += chunk
            if page.len == 0:
                self.pages.pop(0)
                self.tail += 1
        return taken

    def copy(self) -> RingModel:
        pages = [
            Page(p.offset, p.len, [Piece(q.byte, q.count, q.pid) for q in p.held])
            for p in self.pages
        ]
        return RingModel(self.nslots, self.head, self.tail, pages, self.exact)

    def resize(self, capacity: int) -> None:
        """F_SETPIPE_SZ: pipe_resize_ring copies the pages to the front of a new array."""
        self.nslots = max(1, capacity // PAGE)
        self.tail = 0
        self.head = len(self.pages)

    def reconcile(self, kernel_bytes: int) -> None:
        """Bring the total to what FIONREAD says when a call we did not see moved bytes
        (an exec'd program, or a blocked call finishing inside the kernel)."""
        have = self.bytes
        if kernel_bytes > have:
            self.write(kernel_bytes - have)
        elif kernel_bytes < have:
            self.read(have - kernel_bytes)
        else:
            return
        self.exact = False

    def to_json(self) -> dict[str, Any]:
        slots: list[dict[str, Any] | None] = [None] * self.nslots
        for i, page in enumerate(self.pages):
            slots[(self.tail + i) % self.nslots] = page_json(page)
        if not self.pages:
            self.exact = True  # an empty ring has nothing left to guess
        return {
            "nslots": self.nslots,
            "head": self.head,
            "tail": self.tail,
            "slots": slots,
            "exact": self.exact,
        }


def page_json(page: Page) -> dict[str, Any]:
    """A slot as the state shows it: where its data is, its first bytes and their writers."""
    first = ring_bytes.first_bytes(page.held)
    return {
        "offset": page.offset,
        "len": page.len,
        "preview": escape(first)[0] if first is not None else None,
        "writers": ring_bytes.writers(page.held),
    }
