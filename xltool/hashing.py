"""The one way xltool hashes a file: SHA-256 of its bytes, read in 1 MiB chunks (a large file is never held whole).

The hash identifies a received file everywhere: the reader records it in ``report.source["sha256"]``, a
campaign stores each file under it and recognises a file sent twice by it, consolidation tells identical
returns by it. All of them must compute it the same way, so they share this function.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat

__all__ = ["sha256_file"]

CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes as 64 lowercase hex digits.

    Args:
        path: the file.

    Returns:
        ``hashlib.sha256(bytes).hexdigest()`` of the whole file.

    Raises:
        OSError: the file cannot be opened or read (the caller words it for the clerk).
    """
    h = hashlib.sha256()
    # non-blocking: opening a pipe named like a return must not wait for a writer that never comes
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()
