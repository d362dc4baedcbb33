"""What reading a returned file found, kept per user, so that a re-run reads only the files that changed.

A clerk runs `validate`, `consolidate` and `campaign collect` over the same folder many times a day while the
returns trickle in; reading a workbook (every trust check included) costs ≈ 4 ms of CPU, looking its
result up ≈ 0.2 ms. What reading found depends only on the file's bytes and name, on this xltool (its code
and declarations) and on the libraries that read it, so a result is stored under the sha256 of exactly
those, and used only when all of them are the same again. The checks that depend on the run — roster,
year, last year's figures, duplicates — are not stored: they run every time on the stored reading.

Stored: plain data only (dicts, lists, strings, numbers; a Decimal as its text), written with `marshal` and
zlib into one SQLite file beside the form cache (`schema/cache.py`: `$XLTOOL_CACHE_DIR`, empty = off), never
objects or code; what comes out is rebuilt into `Finding` and `UnitReport` by their constructors and is
rejected (read again) if it does not fit. Not stored: readings that failed for a reason outside the file
(the system would not open it, a resource cap, an internal error). Worker processes each open the file
themselves; entries unused for 60 days are dropped by `prune`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
import sqlite3
import sys
import time
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from xltool import __version__
from xltool.findings import Finding
from xltool.interchange import UnitReport
from xltool.sources import Loaded, load_any

FILE_NAME = "results-v1.sqlite3"
_NOT_STORED = frozenset({"FILE-UNREADABLE", "FILE-UNSAFE", "READER-INTERNAL"})
"""Findings that may say more about this machine at this moment than about the file: never stored."""
_KEEP_DAYS = 60
_MAX_FILE = 64 * 1024 * 1024
"""Larger files are not looked up (the readers refuse far smaller ones at once): never read whole here."""
_DEC = "\x00Decimal"
_LIBRARIES = ("python-calamine", "openpyxl", "pdfplumber", "pdfminer.six", "python-docx", "lxml")


class ResultCache:
    """One process's handle on the cache file; every failure switches the cache off for that process."""

    def __init__(self, path: Path | None):
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.new: list[tuple[bytes, bytes, int]] = []
        """Readings to store, written together in one short transaction (`commit`): a write transaction
        held while files are read would make the other workers wait for it."""
        self.used: list[bytes] = []
        self.hits = 0
        self.misses = 0
        self._salt: bytes | None = None

    @classmethod
    def default(cls) -> ResultCache:
        from xltool.schema.cache import cache_dir

        d = cache_dir()
        return cls(d / FILE_NAME if d is not None else None)

    # -- the key

    def salt(self) -> bytes:
        """Everything besides the file that decides what reading it finds: xltool's code and declarations,
        Python, the reading libraries' versions."""
        if self._salt is None:
            from importlib import metadata

            h = hashlib.sha256(f"{FILE_NAME}\n{__version__}\n{sys.version}\n{marshal.version}\n".encode())
            root = Path(__file__).resolve().parent
            for p in sorted(root.rglob("*")):
                if p.suffix in (".py", ".yaml", ".yml", ".json") and "__pycache__" not in p.parts:
                    st = p.stat()
                    h.update(f"{p.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns}\n".encode())
            for name in _LIBRARIES:
                try:
                    h.update(f"{name}={metadata.version(name)}\n".encode())
                except metadata.PackageNotFoundError:
                    h.update(f"{name}=-\n".encode())
            self._salt = h.digest()
        return self._salt

    def key(self, path: Path, data: bytes, options: dict[str, Any]) -> bytes:
        h = hashlib.sha256(self.salt())
        where = (os.fsencode(str(path)), os.fsencode(os.path.abspath(path)), repr(sorted(options.items())).encode())
        for part in where:
            h.update(len(part).to_bytes(8, "little") + part)
        h.update(hashlib.sha256(data).digest())
        return h.digest()

    # -- the store

    def _open(self) -> sqlite3.Connection | None:
        if self.db is None and self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not self.path.exists():  # the user's own (SQLite gives its -wal/-shm files the same mode)
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600))
                db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")  # a cache: a lost entry is read again
                db.execute("CREATE TABLE IF NOT EXISTS result (key BLOB PRIMARY KEY, data BLOB, used INTEGER)")
                self.db = db
            except (sqlite3.Error, OSError):
                self.path = None  # no cache in this process
        return self.db

    def get(self, key: bytes) -> Loaded | None:
        db = self._open()
        if db is None:
            return None
        try:
            row = db.execute("SELECT data, used FROM result WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._off()
            return None
        if row is None:
            return None
        try:
            loaded, own, sums = _from_plain(marshal.loads(zlib.decompress(row[0])))
        except Exception:  # noqa: BLE001 - damaged or of another layout: read the file again
            return None
        if own is not None and sums is not None and loaded.report is not None:
            _remember(loaded.report, own, sums)
        if row[1] != _today():
            self.used.append(key)
        return loaded

    def put(
        self, key: bytes, loaded: Loaded, own: list[Finding] | None = None, sums: dict[str, Any] | None = None
    ) -> None:
        """Store a reading (with `own`, the report's `rules.own_findings`, and `sums`, its evaluated values:
        what a re-run then need not find again)."""
        if any(f.rule in _NOT_STORED for f in loaded.findings):
            return
        db = self._open()
        if db is None:
            return
        try:
            blob = zlib.compress(_dump(loaded, own, sums), 1)
        except (ValueError, TypeError):
            return  # something neither plain nor a Decimal in it: simply not stored
        self.new.append((key, blob, _today()))
        if len(self.new) >= 256:
            self.commit()

    def commit(self) -> None:
        """Write the readings and uses noted since the last commit, in one transaction."""
        if self.db is None or not (self.new or self.used):
            return
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO result VALUES (?, ?, ?)", self.new)
                self.db.executemany("UPDATE result SET used = ? WHERE key = ?", [(_today(), k) for k in self.used])
        except sqlite3.Error:
            self._off()
        self.new.clear()
        self.used.clear()

    def close(self) -> None:
        self.commit()
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None

    def _off(self) -> None:
        try:
            if self.db is not None:
                self.db.close()
        except sqlite3.Error:
            pass
        self.db = None
        self.path = None

    def prune(self) -> None:
        """Drop entries unused for `_KEEP_DAYS` days (a run's end; cheap when there are none)."""
        db = self._open()
        if db is None:
            return
        try:
            db.execute("DELETE FROM result WHERE used < ?", (_today() - _KEEP_DAYS,))
        except sqlite3.Error:
            self._off()

    # -- reading through the cache

    def load(self, path: Path, **options: Any) -> Loaded:
        """`sources.load_any(path, **options)`, or what it found the last time for these very bytes."""
        try:
            data = path.read_bytes() if path.is_file() and path.stat().st_size <= _MAX_FILE else None
        except OSError:
            data = None
        if data is None or self.path is None:
            return load_any(path, **options)
        key = self.key(path, data, options)
        got = self.get(key)
        if got is not None and str(got.path) == str(path):
            self.hits += 1
            return got
        self.misses += 1
        loaded = load_any(path, **options)
        own = sums = None
        if loaded.report is not None:
            own, sums = _own_findings(loaded.report)
        if own is not None and sums is not None:
            _remember(loaded.report, own, sums)  # found once: the validation and sums that follow use them
        self.put(key, loaded, own, sums)
        return loaded


def _today() -> int:
    return int(time.time() // 86400)


# --------------------------------------------------------------------------- plain data and back


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, Decimal):
        return (_DEC, str(v))
    if isinstance(v, dict):
        return {k if isinstance(k, str) else _bad(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return _bad(v)


def _bad(v: Any) -> Any:
    raise TypeError(f"not plain data: {type(v).__name__}")


def _unplain(v: Any) -> Any:
    if isinstance(v, tuple):
        if len(v) == 2 and v[0] == _DEC:
            return Decimal(v[1])
        raise ValueError("unknown tagged value")
    if isinstance(v, dict):
        return {k: _unplain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unplain(x) for x in v]
    return v


def _fields(obj: Any, walk: bool) -> dict[str, Any]:
    if walk:
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _own_findings(report: UnitReport) -> tuple[list[Finding] | None, dict[str, Any] | None]:
    """`rules.own_findings` of a report (what every rule that needs nothing but the file found) and its
    evaluated values; (None, None) for a report of a form this xltool does not know (validation says so)."""
    from xltool.rules import evaluate, own_findings
    from xltool.schema import load_form

    try:
        form = load_form(report.form)
        return own_findings(form, report), dict(evaluate(form, report).values)
    except Exception:  # noqa: BLE001 - an unknown form: `validate_loaded` says so
        return None, None


def _remember(report: UnitReport, own: list[Finding], sums: dict[str, Any]) -> None:
    from xltool.rules import remember_own, remember_values
    from xltool.schema import load_form

    form = load_form(report.form)
    remember_own(form, report, own)
    remember_values(form, report, sums)


def _dump(loaded: Loaded, own: list[Finding] | None = None, sums: dict[str, Any] | None = None) -> bytes:
    """The reading as marshalled plain data. Most readings hold no Decimal and marshal takes them as they
    are; the others are walked and each Decimal tagged (marshal refuses it), which `tagged` records."""
    for walk in (False, True):
        doc = {
            "path": str(loaded.path),
            "tagged": walk,
            "report": _fields(loaded.report, walk) if loaded.report is not None else None,
            "findings": [_fields(f, walk) for f in loaded.findings],
            "own": [_fields(f, walk) for f in own] if own is not None else None,
            "sums": (_plain(sums) if walk else sums) if sums is not None else None,
        }
        try:
            return marshal.dumps(doc)
        except ValueError:
            if walk:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _from_plain(d: dict[str, Any]) -> tuple[Loaded, list[Finding] | None, dict[str, Any] | None]:
    """A stored reading (and the report's own findings and evaluated values, if stored) rebuilt by the
    constructors; anything that does not fit raises."""
    un = _unplain if d["tagged"] else _same
    rep = d["report"]
    report = UnitReport(**un(rep)) if rep is not None else None
    findings = [Finding(**un(f)) for f in d["findings"]]
    own = [Finding(**un(f)) for f in d["own"]] if d.get("own") is not None else None
    if not isinstance(d["path"], str) or not all(isinstance(f.rule, str) for f in findings + (own or [])):
        raise ValueError("not a stored reading")
    sums = un(d["sums"]) if d.get("sums") is not None else None
    if sums is not None and not (isinstance(sums, dict) and all(isinstance(k, str) for k in sums)):
        raise ValueError("not stored sums")
    return Loaded(Path(d["path"]), report, findings), own, sums


def _same(v: Any) -> Any:
    return v
