"""Nothing collected is ever lost: SIGKILL during collect, two collects at once, a database of an older xltool.

The kill test runs the real command (`python -m xltool campaign collect`) in a subprocess and kills it with
SIGKILL at random moments — some at random times, some just as a file has reached the store — then checks
the whole campaign: SQLite integrity, every version row matched by a complete stored file of its hash and
its audit entry, nothing half-stored, version numbers without gaps. A final run must finish the job.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xltool.campaign import SCHEMA_VERSION, CampaignError, campaign_status, collect, init_campaign, open_campaign
from xltool.campaign.store import CampaignLock

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "roster.csv"
DATA = SAMPLES / "data"
KILL_BUDGET_S = 11.0
"""Time spent killing collect runs (the final run and checks come on top)."""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock semantics are POSIX")


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def xltool(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "xltool", "campaign", *args],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def make_inbox(folder: Path, copies: int = 2) -> dict[str, Path]:
    """Distinct files: each sample, and `copies - 1` more versions of it (same data, other bytes)."""
    folder.mkdir(parents=True)
    out = {}
    for src in sorted(DATA.glob("*.json")):
        a = folder / src.name
        a.write_bytes(src.read_bytes())
        out[sha(a)] = a
        doc = json.loads(src.read_text(encoding="utf-8"))
        for n in range(2, copies + 1):
            b = folder / f"{src.stem}_第{n}次报送.json"
            b.write_text(json.dumps(doc, ensure_ascii=False, indent=n), encoding="utf-8")
            out[sha(b)] = b
    assert len(out) == 36 * copies
    return out


def stored_files(root: Path) -> list[Path]:
    return [p for p in (root / "store").iterdir() if p.is_file() and not p.name.startswith(".")]


def check_consistent(root: Path, inputs: dict[str, Path]) -> int:
    """Every invariant of a campaign after a crash; returns the number of versions recorded."""
    con = sqlite3.connect(root / "campaign.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = con.execute("SELECT sha256, stored, unit_code, seq, file_name FROM versions").fetchall()
        audit = con.execute("SELECT detail FROM audit WHERE action = 'collect'").fetchall()
    finally:
        con.close()
    shas = [r[0] for r in rows]
    assert len(shas) == len(set(shas))
    for digest, stored, _unit, _seq, name in rows:
        assert digest in inputs and inputs[digest].name == name
        assert sha(root / stored) == digest  # fully recorded: the row and its complete file
    # a version and its audit entry commit together
    assert sorted(json.loads(d)["sha256"] for (d,) in audit) == sorted(shas)
    # version numbers per unit: 1..n without gaps
    per_unit: dict[str, list[int]] = {}
    for _d, _s, unit, seq, _n in rows:
        per_unit.setdefault(unit, []).append(seq)
    for seqs in per_unit.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    # whatever reached the store under its final name is complete (a partial copy only ever has a .tmp name)
    for p in stored_files(root):
        assert sha(p) == p.name.split(".")[0]
    return len(rows)


def count_versions(root: Path) -> int:
    con = sqlite3.connect(f"file:{root / 'campaign.db'}?mode=ro", uri=True)
    try:
        return con.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    finally:
        con.close()


def test_sigkill_during_collect_loses_nothing_and_rerun_completes(tmp_path):
    rng = random.Random(20211231)
    inputs = make_inbox(tmp_path / "inbox", copies=4)
    root = tmp_path / "c"
    c, _ = init_campaign(root, year=2021, roster=ROSTER, prior=SAMPLES / "prior")
    c.close()
    kills = mid_run = 0
    start = time.monotonic()
    # stop after the budget, or, on a slow machine, once three kills have landed mid-run (at most twice the budget)
    while kills < 16 and (
        (elapsed := time.monotonic() - start) < KILL_BUDGET_S or (mid_run < 3 and elapsed < 2 * KILL_BUDGET_S)
    ):
        before = count_versions(root)
        if before == len(inputs):
            break
        p = xltool("collect", str(tmp_path / "inbox"), "--campaign", str(root), "--silent")
        if kills % 4 == 3:
            time.sleep(rng.uniform(0.0, 0.8))  # anywhere, start-up included
        else:
            # once the run is under way: a few more files in the store, then a random moment after that
            target = len(stored_files(root)) + rng.randint(1, 12)
            deadline = time.monotonic() + 10
            while len(stored_files(root)) < target and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.choice([0.0, rng.uniform(0, 0.01), rng.uniform(0, 0.2)]))
        finished = p.poll() is not None
        p.send_signal(signal.SIGKILL)
        p.communicate()
        kills += 1
        after = check_consistent(root, inputs)
        if not finished and before < after < len(inputs):
            mid_run += 1
    print(f"{kills} kills, {mid_run} in the middle of a run, {time.monotonic() - start:.1f} s")
    assert mid_run >= 3, f"only {mid_run} of {kills} kills landed in the middle of a run"

    p = xltool("collect", str(tmp_path / "inbox"), "--campaign", str(root), "--silent")
    out, err = p.communicate(timeout=120)
    assert p.returncode in (0, 1), err.decode()
    assert check_consistent(root, inputs) == len(inputs)
    with open_campaign(root) as c:
        assert {r[0] for r in c.conn.execute("SELECT sha256 FROM versions")} == set(inputs)
        assert campaign_status(c).counts()["received"] == 36
    assert not [p for p in (root / "store").iterdir() if p.name.startswith(".tmp")]
    assert not list((root / "feedback").rglob(".tmp*"))
    # and once more: nothing new
    p = xltool("collect", str(tmp_path / "inbox"), "--campaign", str(root), "--silent")
    out, _ = p.communicate(timeout=120)
    assert out.decode().splitlines()[-1].endswith(f"新增 0 个版本（通过 0｜有警告 0｜有错误 0），重复 {len(inputs)}")


def test_second_collect_is_refused_with_a_clear_message_while_one_runs(tmp_path):
    root = tmp_path / "c"
    c, _ = init_campaign(root, year=2021, roster=ROSTER)
    c.close()
    with CampaignLock(root, "collect"):  # this process plays the running collect
        p = xltool("collect", str(DATA), "--campaign", str(root), "--silent")
        out, err = p.communicate(timeout=60)
    assert p.returncode == 3
    msg = err.decode()
    assert "另一个 xltool 进程正在使用此收集库" in msg and f"进程 {os.getpid()}" in msg and "请等它结束后再运行" in msg
    assert count_versions(root) == 0


def test_two_collect_processes_at_once(tmp_path):
    """Two real collect processes: the second, started while the first is mid-run, is refused and changes nothing."""
    inputs = make_inbox(tmp_path / "inbox")
    root = tmp_path / "c"
    c, _ = init_campaign(root, year=2021, roster=ROSTER)
    c.close()
    first = xltool("collect", str(tmp_path / "inbox"), "--campaign", str(root), "--silent")
    deadline = time.monotonic() + 30
    while not stored_files(root) and time.monotonic() < deadline:
        time.sleep(0.002)
    first.send_signal(signal.SIGSTOP)  # hold the first mid-run, so the two surely overlap
    try:
        assert 0 < len(stored_files(root)) < len(inputs)
        second = xltool("collect", str(tmp_path / "inbox"), "--campaign", str(root), "--silent")
        _, err2 = second.communicate(timeout=60)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err1 = first.communicate(timeout=120)
    assert second.returncode == 3 and "另一个 xltool 进程正在使用此收集库" in err2.decode()
    assert first.returncode in (0, 1), err1.decode()
    assert check_consistent(root, inputs) == len(inputs)


def test_a_short_write_waits_for_another_writer_instead_of_failing(tmp_path):
    """explain while another connection holds the write lock: it waits (busy timeout), then succeeds."""
    root = tmp_path / "c"
    c, _ = init_campaign(root, year=2021, roster=ROSTER, prior=SAMPLES / "prior")  # D06: an X-CARRY warning
    with c:
        collect(c, [next(DATA.glob("370602-D06_*.json"))])
    holder = sqlite3.connect(root / "campaign.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    p = xltool("explain", "民政局", "X-CARRY", "口径调整", "--campaign", str(root))
    time.sleep(1.0)
    assert p.poll() is None  # still waiting for the lock
    holder.execute("COMMIT")
    holder.close()
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err.decode()
    with open_campaign(root) as c:
        assert c.conn.execute("SELECT text FROM explanations").fetchone()[0] == "口径调整"


# --------------------------------------------------------------------------- schema migrations

# The schema of the first release (version 1), as that release wrote it. Kept here verbatim: a migration
# must bring exactly this to the current schema.
V1_DDL = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, tool_version TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE units (code TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL);
CREATE TABLE prior_reports (id INTEGER PRIMARY KEY, unit_code TEXT, name TEXT NOT NULL, report TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '');
CREATE TABLE versions (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, unit_code TEXT REFERENCES units(code),
    seq INTEGER, received_at TEXT NOT NULL, source_path TEXT NOT NULL, file_name TEXT NOT NULL, size INTEGER NOT NULL,
    stored TEXT NOT NULL, report TEXT, findings TEXT NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL, tool_version TEXT NOT NULL);
CREATE TABLE explanations (unit_code TEXT NOT NULL REFERENCES units(code), rule TEXT NOT NULL, text TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (unit_code, rule));
CREATE TABLE decisions (unit_code TEXT PRIMARY KEY REFERENCES units(code),
    state TEXT NOT NULL CHECK (state IN ('accepted', 'locked')), version_id INTEGER NOT NULL REFERENCES versions(id),
    at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, unit_code TEXT,
    detail TEXT NOT NULL, tool_version TEXT NOT NULL);
"""


def make_v1_campaign(root: Path) -> str:
    """A campaign folder as xltool's first release left it: D06 received, its warning explained, D04 locked."""
    from xltool.campaign.store import dump_findings, dump_report
    from xltool.sources import load_any
    from xltool.validate import PriorData, validate_loaded

    for sub in ("outbox", "store", "feedback"):
        (root / sub).mkdir(parents=True)
    con = sqlite3.connect(root / "campaign.db")
    con.executescript(V1_DDL)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("INSERT INTO schema_version VALUES (1, '2022-01-05T09:00:00+08:00', '0.0.9')")
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("year", "2021"), ("form", "gov-disclosure-2021"), ("name", "烟台市芝罘区"), ("roster", "名单.csv")],
    )
    con.executemany(
        "INSERT INTO units VALUES (?, ?, ?, ?)",
        [("370602-D04", "烟台市芝罘区科学技术局", "部门", 0), ("370602-D06", "烟台市芝罘区民政局", "部门", 1)],
    )
    prior = PriorData.from_paths([next((SAMPLES / "prior").glob("370602-D06_*.json"))])
    for i, code in enumerate(("370602-D04", "370602-D06"), start=1):
        src = next(DATA.glob(f"{code}_*.json"))
        digest = sha(src)
        (root / "store" / f"{digest}.json").write_bytes(src.read_bytes())
        res = validate_loaded(load_any(src), prior=prior if code.endswith("D06") else None)
        n = res.counts
        con.execute(
            "INSERT INTO versions VALUES (?, ?, ?, 1, '2022-01-06T10:00:00+08:00', ?, ?, ?, ?, ?, ?, ?, ?, ?, '0.0.9')",
            (i, digest, code, str(src), src.name, src.stat().st_size, f"store/{digest}.json",
             dump_report(res.report), dump_findings(res.findings), n["error"], n["warning"], n["info"]),
        )  # fmt: skip
        con.execute(
            "INSERT INTO audit (at, action, unit_code, detail, tool_version) VALUES (?, 'collect', ?, ?, '0.0.9')",
            ("2022-01-06T10:00:00+08:00", code, json.dumps({"version": 1, "sha256": digest, "file": src.name})),
        )
    con.execute("INSERT INTO explanations VALUES ('370602-D06', 'X-CARRY', '口径调整', '2022-01-07T08:00:00+08:00')")
    con.execute("INSERT INTO decisions VALUES ('370602-D04', 'locked', 1, '2022-01-08T08:00:00+08:00', '')")
    con.commit()
    con.close()
    return sha(next(DATA.glob("370602-D06_*.json")))


def columns(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: [tuple(r[1:]) for r in con.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        con.close()


def test_a_campaign_of_an_older_schema_is_migrated_and_keeps_everything(tmp_path):
    root = tmp_path / "old"
    make_v1_campaign(root)
    p = xltool("status", "--json", "--campaign", str(root))
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err.decode()
    assert f"收集库已从版本 1 升级到版本 {SCHEMA_VERSION}" in err.decode() and "campaign.db.v1.bak" in err.decode()
    doc = json.loads(out)
    states = {u["code"]: u["state"] for u in doc["units"]}
    assert states == {"370602-D04": "locked", "370602-D06": "accepted"}  # lock and 说明 survived
    # the backup is the old database, untouched
    bak = sqlite3.connect(root / "campaign.db.v1.bak")
    assert bak.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
    bak.close()
    with open_campaign(root) as c:
        assert c.migrated == []  # already current on the second opening
        versions = [r[0] for r in c.conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        row = c.conn.execute("SELECT identified_by, feedback FROM versions WHERE id = 1").fetchone()
        assert tuple(row) == ("document", "[]")
        # and it works as a current campaign: collect a new file, log
        more = tmp_path / "民政局更正.json"
        more.write_text(next(DATA.glob("370602-D06_*.json")).read_text(encoding="utf-8") + "\n", encoding="utf-8")
        r = collect(c, [more])
        assert r.items[0].seq == 2 and r.items[0].identified_by == "document"
    # the migrated schema is exactly the schema a new campaign gets
    fresh, _ = init_campaign(tmp_path / "fresh", year=2021, roster=ROSTER)
    fresh.close()
    assert columns(root / "campaign.db") == columns(tmp_path / "fresh" / "campaign.db")


def test_a_campaign_of_a_newer_xltool_or_a_foreign_database_is_refused(tmp_path):
    c, _ = init_campaign(tmp_path / "new", year=2021, roster=ROSTER)
    c.close()
    (tmp_path / "other").mkdir()
    for folder, sql, refusal in (
        ("new", "INSERT INTO schema_version VALUES (99, 'x', '9.9')", "由较新版本的 xltool 创建（库版本 99"),
        ("other", "CREATE TABLE t (x)", "不是 xltool 的收集库"),
    ):
        con = sqlite3.connect(tmp_path / folder / "campaign.db")
        con.execute(sql)
        con.commit()
        con.close()
        with pytest.raises(CampaignError, match=refusal):
            open_campaign(tmp_path / folder)


def test_a_half_written_backup_is_written_again_before_the_migration(tmp_path):
    """A run killed while copying the old database left a partial .bak: the next run took it for the backup and
    migrated on, the old database then lost (the review's SIGKILL case). A backup that is not a whole copy of
    the old database is written again, through a temporary name."""
    root = tmp_path / "old"
    make_v1_campaign(root)
    (root / "campaign.db.v1.bak").write_bytes(b"")  # what a kill during the copy leaves
    p = xltool("status", "--json", "--campaign", str(root))
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err.decode()
    bak = sqlite3.connect(root / "campaign.db.v1.bak")
    try:
        assert bak.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        assert bak.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1
    finally:
        bak.close()
    assert not list(root.glob("*.part*"))
