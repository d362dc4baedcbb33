"""Keep a native library's panic report off the clerk's screen.

python-calamine is Rust: when it panics (a number in a date-formatted cell beyond chrono's range …), Rust's
panic hook writes "thread '…' panicked at …" — and with RUST_BACKTRACE set, a backtrace of a hundred lines —
straight to file descriptor 2, before pyo3 turns the panic into an exception the reader catches. The reader
then reports the file in Chinese; the Rust text is noise. `panic_text_dropped` points fd 2 at a temporary file
for the call and writes back whatever was not a panic report, so nothing else printed meanwhile is lost.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def panic_text_dropped() -> Iterator[None]:
    """While the block runs, fd 2 goes to a temporary file; afterwards everything but Rust panic reports is
    written to the real stderr. Where fd 2 cannot be redirected (no such descriptor), the block just runs."""
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        tmp = tempfile.TemporaryFile()
    except OSError:
        os.close(saved)
        yield
        return
    with tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            kept = without_panics(tmp.read())
            if kept:
                os.write(2, kept)


def without_panics(text: bytes) -> bytes:
    """`text` without Rust panic reports: from a line "thread '…' panicked at …" through the end of its
    backtrace and its "note: …" line, and the blank lines around it."""
    out: list[bytes] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() and i + 1 < len(lines) and _is_panic(lines[i + 1]):
            i += 1  # Rust writes a blank line before the report
            continue
        if _is_panic(line):
            i += 2  # the header and the panic's message
            while i < len(lines) and (
                lines[i].startswith((b"stack backtrace:", b" ", b"note: ")) or not lines[i].strip()
            ):
                i += 1
            continue
        out.append(line)
        i += 1
    return b"".join(out)


def _is_panic(line: bytes) -> bool:
    return line.startswith(b"thread '") and b"panicked at" in line
