"""The user's cache of parsed YAML declarations (the form, the messages), so that start-up skips PyYAML.

Importing PyYAML and parsing the form take ≈ 25–35 ms of a ≈ 200 ms `xltool validate one.xlsx`; reading the
parsed data back from the cache takes ≈ 0.2 ms. The cache holds only plain data (dicts, lists, strings,
numbers) written with `marshal`, never objects or code, and whatever comes out of it goes through the same
checks as freshly parsed YAML (`form_from_dict` for a form). An entry is used only when

- its key matches: the sha256 of the source files' bytes, xltool's version and the Python build (marshal's
  format is Python's), so an edited declaration, an upgrade or another interpreter rebuilds it;
- the sha256 of its payload matches the one stored with it (a truncated or damaged file is rebuilt).

Anything wrong — no cache directory, unwritable, unreadable, corrupt, a payload the caller rejects — means
the sources are parsed as if there were no cache, and the entry is rewritten if it can be. Entries are written
atomically (a temporary file in the same directory, then `os.replace`), so parallel workers starting together
never read a half-written entry.

Where: `$XLTOOL_CACHE_DIR` if set (empty: no cache at all), else `%LOCALAPPDATA%\\xltool\\Cache` on Windows,
else `$XDG_CACHE_HOME/xltool` or `~/.cache/xltool`.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from xltool import __version__

T = TypeVar("T")

MAGIC = b"XLTCACHE1\n"
"""First bytes of every entry: the entry format (bump it when the layout below changes)."""
_DIGEST = 32
_MAX_ENTRY = 64 * 1024 * 1024
"""Entries larger than this are not read (ours are ≈ 15–50 KB): a damaged file never costs more than a rebuild."""


def cache_dir() -> Path | None:
    """The directory of xltool's cache, or None when there is none (`XLTOOL_CACHE_DIR=""`, no home)."""
    env = os.environ.get("XLTOOL_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base, "xltool", "Cache") if base else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is invalid and ignored
        return Path(xdg, "xltool")
    try:
        return Path.home() / ".cache" / "xltool"
    except (RuntimeError, KeyError):  # no home directory (a service account)
        return None


def source_key(sources: Sequence[tuple[str, bytes]]) -> bytes:
    """The key of an entry: what it was built from, by which xltool on which Python."""
    h = hashlib.sha256()
    for part in (MAGIC, __version__.encode(), sys.version.encode(), str(marshal.version).encode()):
        h.update(len(part).to_bytes(8, "little") + part)
    for name, data in sources:
        n = name.encode("utf-8", "surrogateescape")
        h.update(len(n).to_bytes(8, "little") + n + len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


def read_entry(path: Path, key: bytes) -> Any:
    """The data stored under `key` at `path`; raises LookupError when absent, stale or damaged."""
    try:
        with open(path, "rb") as f:
            blob = f.read(_MAX_ENTRY + 1)
    except OSError as e:
        raise LookupError(f"unreadable: {e}") from e
    head = len(MAGIC) + 2 * _DIGEST
    if len(blob) > _MAX_ENTRY or len(blob) < head or not blob.startswith(MAGIC):
        raise LookupError("not an entry")
    if blob[len(MAGIC) : len(MAGIC) + _DIGEST] != key:
        raise LookupError("stale")
    payload = blob[head:]
    if hashlib.sha256(payload).digest() != blob[len(MAGIC) + _DIGEST : head]:
        raise LookupError("damaged")
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as e:  # pragma: no cover - the digest matched what we wrote
        raise LookupError(f"damaged: {e}") from e


def write_entry(path: Path, key: bytes, data: Any) -> bool:
    """Store `data` (plain data only) under `key` at `path`, atomically. False when it could not be stored."""
    try:
        payload = marshal.dumps(data)
    except ValueError:  # not plain data (a YAML date, say): such a declaration is simply never cached
        return False
    blob = MAGIC + key + hashlib.sha256(payload).digest() + payload
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def cached(
    name: str,
    sources: Sequence[tuple[str, bytes]],
    build: Callable[[], Any],
    use: Callable[[Any], T],
) -> T:
    """`use(data)`, with `data` from the cache entry `name` if it is current, else from `build()`.

    Args:
        name: the entry's file name in the cache directory (one entry per name; a new key overwrites it).
        sources: (name, bytes) of every file the data is built from: the entry's key.
        build: parses the sources into plain data; its exceptions propagate and nothing is cached.
        use: checks the data and makes the result; if it rejects cached data (any exception), the data is
            built again and the entry rewritten; if it rejects freshly built data, its exception propagates.

    Returns:
        What `use` returns.
    """
    d = cache_dir()
    path = d / name if d is not None else None
    key = source_key(sources)
    if path is not None:
        try:
            data = read_entry(path, key)
        except LookupError:
            pass
        else:
            try:
                return use(data)
            except Exception:  # noqa: BLE001 - whatever is wrong with a cached entry, rebuild it
                pass
    data = build()
    result = use(data)
    if path is not None:
        write_entry(path, key, data)
    return result
