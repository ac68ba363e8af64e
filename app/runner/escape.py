"""Bytes as strace prints them: printable ASCII as is, the rest escaped, capped."""

from __future__ import annotations

PREVIEW = 64
_ESCAPES = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x5C: "\\\\", 0x22: '\\"', 0x00: "\\0"}


def escape(data: bytes, cap: int = PREVIEW) -> tuple[str, bool]:
    out = []
    for b in data[:cap]:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out), len(data) > cap
