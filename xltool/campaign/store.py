"""The campaign folder and its SQLite database: schema, migrations, transactions, the file store, the lock.

A campaign is one year's collection in a folder the clerk chooses:

    campaign.db        the state (WAL mode): roster, versions received, 说明, decisions, audit trail
    campaign.lock      held (flock) by the one process that collects or issues templates
    outbox/            the templates issued
    store/             every file received, named by its sha256 (the original is never touched)
    feedback/<unit>/   what was wrong with each version (text, and an annotated workbook)

Crash safety rests on three rules: a file reaches `store/` by write, fsync, rename; a version's row is
inserted in one transaction only after its stored file is complete; and nothing is ever updated in
place except decisions, which are single-row transactions. A SIGKILL at any point therefore leaves
either a complete version (row + stored file of that hash) or none (at most an orphan stored file,
which the next collect adopts).
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from xltool import __version__
from xltool.errors import XltoolError
from xltool.findings import Finding
from xltool.hashing import sha256_file  # also imported from here by collect, issue and actions
from xltool.interchange import UnitReport
from xltool.roster import Roster, Unit, normalize_name

DB_NAME = "campaign.db"
LOCK_NAME = "campaign.lock"
OUTBOX = "outbox"
STORE = "store"
FEEDBACK = "feedback"
UNIDENTIFIED_DIR = "_未识别"
PENDING_DIR = "_待确认归属"
TMP_PREFIX = ".tmp-"
BUSY_TIMEOUT_MS = 15_000

# --------------------------------------------------------------------------- errors


class CampaignError(XltoolError):
    """The campaign cannot do what was asked (no campaign here, unknown unit, a refused state change).

    The message is Chinese (``str(e)``); `en` is its English text for ``--lang en`` (see `text`).
    """

    def __init__(self, message: str, en: str | None = None) -> None:
        super().__init__(message)
        self.en = en

    def text(self, lang: str = "zh") -> str:
        """The message in `lang`: the English one with ``en`` when there is one, else the Chinese."""
        return self.en if lang == "en" and self.en else str(self)


class Text(str):
    """A sentence for the clerk: the Chinese text itself (what ``str()`` and the audit JSON keep), its English in
    `en`. Lets a list of notes carry both languages without changing what the library returned before."""

    en: str

    def __new__(cls, zh: str, en: str) -> Text:
        t = super().__new__(cls, zh)
        t.en = en
        return t


def in_lang(text: str, lang: str) -> str:
    """`text` in `lang`: a `Text`'s English with ``en``, else the text itself."""
    return getattr(text, "en", text) if lang == "en" else str(text)


class CampaignBusy(CampaignError):
    """Another process holds the campaign's lock (collect or templates running)."""


class WrongRule(CampaignError):
    """A 说明 names a rule the unit has no warning for (unknown, or not among its current warnings)."""


# --------------------------------------------------------------------------- schema and migrations

# Each migration is applied once, in its own transaction, in order. Never edit a released migration:
# add a new one. `MIGRATIONS[n - 1]` brings the database from version n - 1 to version n.
MIGRATIONS: tuple[str, ...] = (
    # 1: the first release
    """
    CREATE TABLE schema_version (
        version INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL,
        tool_version TEXT NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE units (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL
    );
    CREATE TABLE prior_reports (
        id INTEGER PRIMARY KEY,
        unit_code TEXT,
        name TEXT NOT NULL,
        report TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        unit_code TEXT REFERENCES units(code),
        seq INTEGER,
        received_at TEXT NOT NULL,
        source_path TEXT NOT NULL,
        file_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        stored TEXT NOT NULL,
        report TEXT,
        findings TEXT NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        infos INTEGER NOT NULL,
        tool_version TEXT NOT NULL
    );
    CREATE TABLE explanations (
        unit_code TEXT NOT NULL REFERENCES units(code),
        rule TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (unit_code, rule)
    );
    CREATE TABLE decisions (
        unit_code TEXT PRIMARY KEY REFERENCES units(code),
        state TEXT NOT NULL CHECK (state IN ('accepted', 'locked')),
        version_id INTEGER NOT NULL REFERENCES versions(id),
        at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        unit_code TEXT,
        detail TEXT NOT NULL,
        tool_version TEXT NOT NULL
    );
    """,
    # 2: how a version's unit was identified, the issued templates, feedback files, who acted
    """
    ALTER TABLE versions ADD COLUMN identified_by TEXT NOT NULL DEFAULT 'document';
    ALTER TABLE versions ADD COLUMN name_unit TEXT;
    ALTER TABLE versions ADD COLUMN template_id TEXT;
    ALTER TABLE versions ADD COLUMN feedback TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE audit ADD COLUMN user TEXT NOT NULL DEFAULT '';
    CREATE TABLE issued (
        id INTEGER PRIMARY KEY,
        unit_code TEXT NOT NULL REFERENCES units(code),
        template_id TEXT,
        path TEXT NOT NULL,
        sha256 TEXT,
        issued_at TEXT NOT NULL,
        tool_version TEXT NOT NULL
    );
    CREATE INDEX versions_unit ON versions(unit_code, seq);
    CREATE INDEX audit_unit ON audit(unit_code, id);
    """,
    # 3: the roster may change during the season (a removed unit keeps its versions); the clerk's assignment is
    # kept with its version (when, why); a reopened unit waits to be accepted again
    """
    ALTER TABLE units ADD COLUMN removed_at TEXT;
    ALTER TABLE versions ADD COLUMN assigned_at TEXT;
    ALTER TABLE versions ADD COLUMN assigned_why TEXT;
    CREATE TABLE reopened (
        unit_code TEXT PRIMARY KEY REFERENCES units(code),
        version_id INTEGER NOT NULL REFERENCES versions(id),
        at TEXT NOT NULL,
        why TEXT NOT NULL DEFAULT ''
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this xltool writes."""


def now() -> str:
    """The current local time, ISO 8601 with offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def connect(path: Path) -> sqlite3.Connection:
    """Open the database in autocommit mode (transactions are explicit), WAL, full sync, foreign keys."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":  # pragma: no cover - a file system without shared memory
        conn.execute("PRAGMA journal_mode = DELETE")
    # FULL: a committed version survives a power cut too, not only a killed process
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's schema version: 0 for an empty database.

    Raises:
        CampaignError: tables exist but none of them is xltool's version table.
    """
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in names:
        if names:
            raise CampaignError(
                "这不是 xltool 的收集库（campaign.db 中没有版本表）",
                "this is not an xltool campaign database (campaign.db has no version table)",
            )
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, db_path: Path | None = None) -> list[int]:
    """Bring the database to SCHEMA_VERSION; returns the versions applied.

    Before the first migration of an existing database, a copy is kept next to it
    (`campaign.db.v<N>.bak`), so an upgrade can always be undone by hand.

    Raises:
        CampaignError: the database was made by a newer xltool, or is not ours.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise CampaignError(
            f"此收集库由较新版本的 xltool 创建（库版本 {current}，本程序只支持到 {SCHEMA_VERSION}），"
            "请升级 xltool 后再打开",
            f"this campaign was made by a newer xltool (database version {current}, this program reads up to "
            f"{SCHEMA_VERSION}); upgrade xltool to open it",
        )
    if current == SCHEMA_VERSION:
        return []
    if current > 0 and db_path is not None:
        backup = db_path.with_name(f"{db_path.name}.v{current}.bak")
        if not _backup_ok(backup, current):
            # written beside under another name, then renamed: a run killed while copying leaves no half a backup
            # that a later run would take for the real one (and migrate on, the old database then lost)
            part = backup.with_name(backup.name + ".part")
            for stale in (part, part.with_name(part.name + "-journal")):
                stale.unlink(missing_ok=True)
            dst = sqlite3.connect(str(part))
            with dst:
                conn.backup(dst)
            dst.close()
            os.replace(part, backup)
    applied = []
    for version in range(current + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # another process may have migrated while we waited for the write lock
            if schema_version(conn) >= version:
                conn.execute("COMMIT")
                continue
            for stmt in _statements(MIGRATIONS[version - 1]):
                conn.execute(stmt)
            if version in AFTER_MIGRATION:
                AFTER_MIGRATION[version](conn)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at, tool_version) VALUES (?, ?, ?)",
                (version, now(), __version__),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def _assignments_from_audit(conn: sqlite3.Connection) -> None:
    """Migration 3: the time and reason of each clerk's assignment made before they were kept with the version,
    taken from the audit trail (the latest assign entry of the file)."""
    latest: dict[str, tuple[str, str | None]] = {}
    for r in conn.execute("SELECT at, detail FROM audit WHERE action = 'assign' ORDER BY id"):
        d = loads(r[1]) or {}
        if d.get("sha256"):
            latest[d["sha256"]] = (r[0], d.get("why"))
    for sha, (at, why) in latest.items():
        conn.execute(
            "UPDATE versions SET assigned_at = ?, assigned_why = ? WHERE sha256 = ? AND identified_by = 'clerk'",
            (at, why, sha),
        )


AFTER_MIGRATION = {3: _assignments_from_audit}
"""Data a migration carries over in Python, inside the migration's transaction: version -> function(conn)."""


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT first; statements run one by one stay inside our transaction
    return [s.strip() for s in script.split(";") if s.strip()]


# --------------------------------------------------------------------------- JSON that keeps Decimal exact


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return {"$decimal": str(o)}
    if isinstance(o, datetime):
        return o.isoformat()
    if isinstance(o, (set, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    return str(o)


def _hook(d: dict[str, Any]) -> Any:
    if len(d) == 1 and "$decimal" in d:
        return Decimal(d["$decimal"])
    return d


def dumps(obj: Any) -> str:
    """JSON for the database: Decimal kept exact as {"$decimal": "24252.311082"}."""
    from xltool.filenames import printable_tree  # a file name not in UTF-8 cannot go into SQLite's text

    return json.dumps(printable_tree(obj), ensure_ascii=False, default=_default, sort_keys=True)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text, object_hook=_hook)


def _backup_ok(path: Path, version: int) -> bool:
    """Whether `path` is a whole copy of the database at `version` (opens, and says so)."""
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as db:
            return schema_version(db) == version
    except (sqlite3.Error, CampaignError, OSError, ValueError):
        return False


def dump_report(report: UnitReport | None) -> str | None:
    if report is None:
        return None
    return dumps(
        {
            "form": report.form,
            "year": report.year,
            "unit": {"name": report.unit_name, "code": report.unit_code},
            "values": report.values,
            "source": report.source,
            "explanations": report.explanations,
            "sections": report.sections,
            "meta": report.meta,
        }
    )


def load_report(text: str | None) -> UnitReport | None:
    doc = loads(text)
    if doc is None:
        return None
    unit = doc.get("unit") or {}
    return UnitReport(
        form=doc["form"],
        year=doc.get("year"),
        unit_name=unit.get("name") or "",
        unit_code=unit.get("code"),
        values=dict(doc.get("values") or {}),
        source=dict(doc.get("source") or {}),
        explanations=dict(doc.get("explanations") or {}),
        sections=dict(doc.get("sections") or {}),
        meta=dict(doc.get("meta") or {}),
    )


_FINDING_FIELDS = {f.name for f in dataclasses.fields(Finding)}


def dump_findings(findings: list[Finding]) -> str:
    return dumps([dataclasses.asdict(f) for f in findings])


def load_findings(text: str | None) -> list[Finding]:
    return [Finding(**{k: v for k, v in d.items() if k in _FINDING_FIELDS}) for d in (loads(text) or [])]


# --------------------------------------------------------------------------- the lock


class CampaignLock:
    """An exclusive lock on the campaign for long writers (collect, templates).

    Held with flock (fcntl) / msvcrt on an open file, so the operating system drops it when the process
    dies, even by SIGKILL: a crash never leaves a stale lock behind.
    """

    def __init__(self, root: Path, what: str):
        self.path = root / LOCK_NAME
        self.what = what
        self.fh: Any = None

    def acquire(self) -> None:
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            _lock_nb(fh)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip().splitlines()
            fh.close()
            who = who_en = ""
            if len(holder) >= 3:
                who = f"（进程 {holder[0]}，{holder[2]}，开始于 {holder[1]}）"
                who_en = f" (process {holder[0]}, {holder[2]}, started {holder[1]})"
            raise CampaignBusy(
                f"另一个 xltool 进程正在使用此收集库{who}，请等它结束后再运行",
                f"another xltool process is using this campaign{who_en}; run this again when it has finished",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n{now()}\n{self.what}\n")
        fh.flush()
        self.fh = fh

    def release(self) -> None:
        if self.fh is not None:
            with contextlib.suppress(OSError):
                self.fh.seek(0)
                self.fh.truncate()
            _unlock(self.fh)
            self.fh.close()
            self.fh = None

    def __enter__(self) -> CampaignLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock_nb(fh: Any) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh: Any) -> None:
        fh.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_nb(fh: Any) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh: Any) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- durable files


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (no-op where directories cannot be opened, i.e. Windows)."""
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write a file by write, fsync, rename: a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return path


def stored_name(sha: str, original: str | Path) -> str:
    """A stored file's name: its hash and the original's suffix (readers dispatch on it)."""
    suffix = Path(original).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ""
    return f"{sha}{suffix}"


# --------------------------------------------------------------------------- the campaign


@dataclasses.dataclass
class Campaign:
    """An open campaign: its folder, database connection, year, form and roster."""

    root: Path
    conn: sqlite3.Connection
    year: int
    form_id: str
    roster: Roster
    migrated: list[int] = dataclasses.field(default_factory=list)
    """Schema versions applied when it was opened (empty when it was current)."""
    removed: tuple[Unit, ...] = ()
    """Units taken off the roster during the season (`xltool campaign roster`): their versions are kept, but
    they are no longer due and never counted."""

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def store_dir(self) -> Path:
        return self.root / STORE

    @property
    def outbox(self) -> Path:
        return self.root / OUTBOX

    @property
    def feedback_dir(self) -> Path:
        return self.root / FEEDBACK

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Campaign:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @property
    def name(self) -> str:
        """The district's name (the roster's common prefix unless set at init)."""
        return self.meta("name") or ""

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: the write lock is taken at once, waiting up to 15 s)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise CampaignBusy(
                    "收集库正被另一个进程写入，等待超时，请稍后再试",
                    "another process is writing to the campaign and did not finish in time; try again later",
                ) from e
            raise
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same state (WAL snapshot). Reentrant."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    def audit(self, action: str, unit_code: str | None = None, **detail: Any) -> None:
        """Append to the audit trail; call inside `write()` so the entry commits with the change."""
        self.conn.execute(
            "INSERT INTO audit (at, action, unit_code, detail, tool_version, user) VALUES (?, ?, ?, ?, ?, ?)",
            (now(), action, unit_code, dumps(detail), __version__, _user()),
        )

    def unit(self, code: str) -> Unit | None:
        """The roster unit of `code` (None for a unit no longer on the roster)."""
        return self.roster.by_code(code)

    def any_unit(self, code: str | None) -> Unit | None:
        """The unit of `code`, on the roster or taken off it (for naming a removed unit's versions)."""
        if not code:
            return None
        return self.roster.by_code(code) or next((u for u in self.removed if u.code == code), None)

    def unit_name(self, code: str | None) -> str:
        """The name of the unit `code` (on the roster or removed), else the code itself."""
        u = self.any_unit(code)
        return u.name if u else (code or "")

    @property
    def roster_file(self) -> Path:
        """The campaign's copy of the roster (名单.csv / 名单.xlsx beside campaign.db)."""
        stored = self.meta("roster") or "名单.csv"
        return self.root / Path(stored).name

    def roster_changed_on_disk(self) -> bool:
        """Whether the roster copy beside campaign.db differs from the roster the campaign uses (someone copied
        another file over it: that changes nothing until `xltool campaign roster` applies it)."""
        want = self.meta("roster_sha256")
        f = self.roster_file
        if not want or not f.is_file():
            return False
        try:
            return sha256_file(f) != want
        except OSError:
            return False

    def feedback_folder(self, unit: Unit | None) -> Path:
        if unit is None:
            return self.feedback_dir / UNIDENTIFIED_DIR
        return self.feedback_dir / safe_name(f"{unit.code}_{unit.name}")

    def lock(self, what: str) -> CampaignLock:
        return CampaignLock(self.root, what)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name (containers)
        return ""


def safe_name(text: str) -> str:
    """A file or folder name: characters Windows forbids replaced, length bounded."""
    bad = '<>:"/\\|?*'
    out = "".join("_" if (c in bad or ord(c) < 32) else c for c in text).strip(" .")
    return out[:80] or "_"


def find_root(start: str | Path | None = None) -> Path:
    """The campaign folder containing `start` (default: the current folder), looking upwards.

    Raises:
        CampaignError: no campaign.db here or above.
    """
    here = Path(start or Path.cwd()).resolve()
    if here.is_file() and here.name == DB_NAME:
        return here.parent
    for d in (here, *here.parents):
        if (d / DB_NAME).is_file():
            return d
    raise CampaignError(
        f"{here} 不在任何收集文件夹中（向上找不到 {DB_NAME}）。请进入收集文件夹，或用 --campaign 指定；"
        "新建请用 xltool campaign init",
        f"{here} is not inside a campaign folder (no {DB_NAME} here or above). Change into the campaign folder "
        "or give --campaign; to start one: xltool campaign init",
    )


def open_campaign(path: str | Path | None = None, *, search: bool = True) -> Campaign:
    """Open a campaign (migrating an older schema); `path` is the folder, or a folder inside it.

    Raises:
        CampaignError: not found, not ours, or made by a newer xltool.
    """
    root = find_root(path) if search else Path(path or ".").resolve()
    db = root / DB_NAME
    if not db.is_file():
        raise CampaignError(
            f"{root} 不是收集文件夹（没有 {DB_NAME}）", f"{root} is not a campaign folder (no {DB_NAME})"
        )
    conn = connect(db)
    try:
        applied = migrate(conn, db)
        meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}
        if "year" not in meta:
            raise CampaignError(
                f"{db} 不完整（缺少年度信息），请重新 init", f"{db} is incomplete (no year recorded); run init again"
            )
        rows = conn.execute("SELECT code, name, category, removed_at FROM units ORDER BY position").fetchall()
    except BaseException:
        conn.close()
        raise
    units = tuple(Unit(r["code"], r["name"], r["category"]) for r in rows if r["removed_at"] is None)
    removed = tuple(Unit(r["code"], r["name"], r["category"]) for r in rows if r["removed_at"] is not None)
    roster = Roster(units, meta.get("roster", ""))
    form = meta.get("form", "gov-disclosure-2021")
    return Campaign(root, conn, int(meta["year"]), form, roster, applied, removed)


def create_campaign(
    root: str | Path,
    *,
    year: int,
    roster: Roster,
    form_id: str,
    name: str,
    roster_file: Path | None = None,
) -> Campaign:
    """Create the folder, the database and the sub-folders; record the roster.

    Raises:
        CampaignError: the folder already holds a campaign.
    """
    root = Path(root).resolve()
    if (root / DB_NAME).exists():
        raise CampaignError(
            f"{root} 已经是一个收集文件夹（{DB_NAME} 已存在），不会覆盖",
            f"{root} is a campaign folder already ({DB_NAME} exists); it is not overwritten",
        )
    root.mkdir(parents=True, exist_ok=True)
    for sub in (OUTBOX, STORE, FEEDBACK):
        (root / sub).mkdir(exist_ok=True)
    # built under a temporary name and renamed: a crash during init leaves no half-made campaign.db
    tmp_db = root / f"{TMP_PREFIX}{os.getpid()}-{DB_NAME}"
    for p in (tmp_db, Path(f"{tmp_db}-wal"), Path(f"{tmp_db}-shm")):
        p.unlink(missing_ok=True)
    conn = connect(tmp_db)
    try:
        migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        meta = {
            "year": str(year),
            "form": form_id,
            "name": name,
            "created_at": now(),
            "created_by": __version__,
            "roster": str(roster_file or roster.source),
        }
        if roster_file is not None:
            meta["roster_sha256"] = sha256_file(roster_file)
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
        conn.executemany(
            "INSERT INTO units (code, name, category, position) VALUES (?, ?, ?, ?)",
            [(u.code, u.name, u.category, i) for i, u in enumerate(roster.units)],
        )
        conn.execute(
            "INSERT INTO audit (at, action, unit_code, detail, tool_version, user) VALUES (?, ?, ?, ?, ?, ?)",
            (now(), "init", None, dumps({"year": year, "units": len(roster.units), **meta}), __version__, _user()),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for p in (Path(f"{tmp_db}-wal"), Path(f"{tmp_db}-shm")):
        p.unlink(missing_ok=True)
    os.replace(tmp_db, root / DB_NAME)
    fsync_dir(root)
    return open_campaign(root, search=False)


def resolve_unit(campaign: Campaign, text: str) -> Unit:
    """A roster unit from what the clerk typed: its code, its full name, a name as `Roster.match_name` takes it
    (without the district prefix, and whatever else the roster's matching accepts), or a part of the name that is
    unique.

    Raises:
        CampaignError: no unit, or several, match; or the unit was taken off the roster (`campaign roster`).
    """
    t = normalize_name(text)
    if not t:
        raise CampaignError("请给出单位代码或名称", "give a unit's code or name")
    u = campaign.roster.by_code(t) or campaign.roster.by_name(t)
    if u is not None:
        return u
    found = campaign.roster.lookup(t)  # also short names a clerk types: 住建局, 区政府办, 黄务街道
    if found.unit is not None:
        return found.unit
    hits = list(found.candidates)
    if not hits:
        gone = Roster(campaign.removed)
        old = gone.by_code(t) or gone.by_name(t) or gone.match_name(t) if campaign.removed else None
        if old is None:
            parts = [x for x in campaign.removed if t in normalize_name(x.name)]
            old = parts[0] if len(parts) == 1 else None
        if old is not None:
            raise CampaignError(
                f"{old.name}（{old.code}）已从名单中移除：不再应报，不计入汇总；"
                "已收的版本仍保留（见 xltool campaign status）",
                f"{old.name} ({old.code}) was taken off the roster: no longer due nor counted; its versions are kept "
                "(see xltool campaign status)",
            )
        raise CampaignError(
            f"名单中没有单位“{text}”（可用单位代码或名称）", f"no unit “{text}” in the roster (give its code or name)"
        )
    names = "、".join(x.name for x in hits[:8]) + ("等" if len(hits) > 8 else "")
    names_en = ", ".join(x.name for x in hits[:8]) + (" …" if len(hits) > 8 else "")
    raise CampaignError(
        f"“{text}”可指多个单位：{names}，请写全称或单位代码",
        f"“{text}” could be any of several units: {names_en}; give the full name or the code",
    )
