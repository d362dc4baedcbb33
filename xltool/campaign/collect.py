"""Collect returned files into a campaign: store, identify, validate, record — one file, one transaction.

Per file, in this order (each step safe to interrupt by SIGKILL):
1. copy the original into `store/` while hashing it (write, fsync, rename to `<sha256><suffix>`);
   the original is only ever read;
2. a file whose hash is already recorded adds nothing;
3. read the stored bytes (under the original file name, through a hard link, so the reader still sees
   the name) and identify the unit as `validate --roster` and `consolidate` do (`identity.attribute`): the
   unit the content names (template metadata / the document's own unit, also without the district prefix);
   a content that names a unit outside the roster leaves the file unidentified, whatever its name says; the
   file name (a confident match against the roster) only when the content names no unit or cannot be read;
4. validate with last year's data of that unit; write the feedback files (write-then-rename);
5. insert the version and its audit entry in one transaction.

A file whose content names one unit and whose file name another is recorded 待确认归属 (no version number,
no unit's version) until the clerk runs `xltool campaign assign`: a stray file must not change the state,
or the counted version, of the unit it happens to contain.

A file that is no annual report or form return at all (FILE-NOT-REPORT: a 说明.txt, a readme, an unrelated CSV
among the attachments) is SKIPPED after step 3: no version, no feedback, its copy taken out of `store/` again,
and its name is never asked which unit it is from — `T01_测试局_说明.txt` is no version of 测试局, and there is
nothing for `campaign assign` to settle. Collected again, it is skipped again.

Every file given to a run is in the audit trail: a run's start (`collect-start`: how many files, from where) and
end (`collect-end`: the counts; `interrupted` when Ctrl+C stopped it — a start without an end is a run that was
killed), each new version (`collect`, in the version's own transaction), each file already recorded (`duplicate`),
each skipped or unreadable file (`skipped`, `failed`), and a unit that a clean version made 已接受 without the
clerk's decision (`auto-accept`).

A garbled file name (GBK read as Latin-1 by a mail program: `²ÆÕþ¾Ö2021Äê±¨.xlsx`) is read, identified and shown
by its repaired name (`filenames.display_name`: 财政局2021年报.xlsx); the store and the database keep the real one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltool import __version__
from xltool.campaign.store import (
    FEEDBACK,
    OUTBOX,
    PENDING_DIR,
    STORE,
    TMP_PREFIX,
    Campaign,
    dump_findings,
    dump_report,
    dumps,
    fsync_dir,
    load_report,
    now,
    safe_name,
    sha256_file,
    stored_name,
    write_atomic,
)
from xltool.filenames import display_name, printable, shown_name
from xltool.findings import Finding, counts, sort_findings, tool_finding
from xltool.interchange import UnitReport
from xltool.roster import Roster, Unit, filename_unit
from xltool.sources import Loaded, expand_paths, is_not_report, load_any
from xltool.validate import FileResult, PriorData, validate_loaded

# Identity findings a clerk's explicit assignment settles (they are about who sent the file, not the data).
IDENTITY_RULES = frozenset(
    {
        "CAMP-NAME-MISMATCH",
        "CAMP-UNIDENTIFIED",
        "CAMP-BY-FILENAME",
        "TEMPLATE-REUSED",
        "UNIT-UNKNOWN",
        "UNIT-MISMATCH",
        "UNIT-NOT-FOUND",
    }
)

NEW = "new"
DUPLICATE = "duplicate"
FAILED = "failed"
SKIPPED = "skipped"
"""No annual report or form return at all (FILE-NOT-REPORT): not recorded."""


# --------------------------------------------------------------------------- last year's data of a unit


class UnitPrior(PriorData):
    """Last year's report of one roster unit, as the campaign matched it to the unit at init: found for a file of
    that unit whatever unit name or code the file carries (another unit's template, a unit renamed since)."""

    def find(self, report: UnitReport) -> UnitReport | None:
        return self.reports[0] if self.reports else None


def unit_priors(campaign: Campaign) -> dict[str, list[UnitReport]]:
    """Unit code -> last year's reports matched to it at init (the first is used)."""
    out: dict[str, list[UnitReport]] = {}
    for r in campaign.conn.execute(
        "SELECT unit_code, report FROM prior_reports WHERE unit_code IS NOT NULL ORDER BY id"
    ):
        rep = load_report(r["report"])
        if rep is not None:
            out.setdefault(r["unit_code"], []).append(rep)
    return out


def prior_for(priors: dict[str, list[UnitReport]], unit: Unit | None) -> UnitPrior | None:
    """What a file of `unit` is checked against across years: None when the campaign has no data of last year
    at all (no PRIOR-MISSING then), else the unit's own (empty: PRIOR-MISSING)."""
    if not priors:
        return None
    return UnitPrior(priors.get(unit.code, []) if unit else [])


# --------------------------------------------------------------------------- identification


@dataclass(frozen=True)
class Identity:
    unit: Unit | None
    by: str | None
    """`metadata` (template), `document` (the file's own unit fields), `filename`, `clerk`, or None."""
    named: Unit | None = None
    """The roster unit the file name points to, when it is not `unit` (the A-named-as-B flag)."""
    claimed: str = ""
    """What the content says the unit is (for messages about unidentified files)."""
    name_hint: Unit | None = None
    """Unidentified: the roster unit the file name points to although the content claims a unit outside the
    roster (the content decides, so it is no unit's file until the clerk assigns it)."""
    removed: bool = False
    """`unit` is a unit taken off the roster during the season (the content names it): its version is recorded,
    never due nor counted."""
    renamed_from: str = ""
    """The unit's former name the content gives (the unit was renamed on the roster during the season)."""

    @property
    def awaits_assignment(self) -> bool:
        """Content and name point at different roster units: 待确认归属 until the clerk assigns it."""
        return self.unit is not None and self.named is not None


def identify(
    loaded: Loaded,
    file_name: str,
    roster: Roster,
    former: dict[str, set[str]] | None = None,
    removed: Roster | None = None,
) -> Identity:
    """Which roster unit a file is from (`identity.attribute`, as `consolidate` and `validate --roster` find it):
    the unit its metadata / own unit fields claim; its name only when the content claims no unit at all, or it
    could not be read. A claim the roster does not have leaves the file unidentified, whatever its name.

    `former`: unit code -> former names (`roster_update.former_names`): a content naming a unit renamed on the
    roster by its former name is that unit's. `removed`: the units taken off the roster (`Campaign.removed`): a
    content naming one is that unit's, marked `removed` (recorded, not counted, not unidentified)."""
    from xltool.identity import CONTENT, FILE_NAME, attribute, content_unit, former_unit

    rep = loaded.report
    att = attribute(rep, loaded.findings, file_name, roster, former)
    if att.by == FILE_NAME:
        return Identity(att.unit, "filename", None, att.claimed)
    named = filename_unit(file_name, roster)
    by = None
    if rep is not None:
        by = "metadata" if rep.meta.get("reader") == "template" or rep.meta.get("template_id") else "document"
    if att.by != CONTENT or att.unit is None:
        gone = content_unit(rep, removed) if rep is not None and removed and att.claimed else None
        if gone is not None:
            return Identity(gone, by, None, att.claimed, removed=True)
        hint = named if att.claimed else None
        return Identity(None, None, None, att.claimed, name_hint=hint)
    assert rep is not None
    old = (rep.unit_name or "").strip() if former_unit(rep, roster, former) is not None else ""
    if named is not None and named.code != att.unit.code:
        return Identity(att.unit, by, named, att.claimed, renamed_from=old)
    return Identity(att.unit, by, None, att.claimed, renamed_from=old)


def identity_findings(
    ident: Identity,
    found: list[Finding],
    file_name: str,
    sha: str,
    readable: bool,
    removed: Roster | None = None,
) -> list[Finding]:
    """The campaign's own findings about who sent a file (none that repeat what the reader already said).

    `removed`: the units taken off the roster during the season (a file of one is said to be so)."""
    have = {f.rule for f in found}
    out: list[Finding] = []
    gone = removed.match_name(ident.claimed) or removed.by_code(ident.claimed) if removed and ident.claimed else None
    if ident.removed and ident.unit is not None:
        out.append(tool_finding("CAMP-REMOVED-UNIT", unit=ident.unit.name, code=ident.unit.code))
    elif ident.unit is None:
        if gone is not None:
            reason = {
                "zh": f"文件中的单位“{ident.claimed}”已从名单中移除，不再应报",
                "en": f"the file's unit “{ident.claimed}” was taken off the roster and is no longer due",
            }
        elif not readable:
            reason = {
                "zh": "文件无法读取，文件名中也没有名单内的单位",
                "en": "unreadable, and its name names no roster unit",
            }
        elif ident.claimed and ident.name_hint is not None:
            hint = ident.name_hint.name
            reason = {
                "zh": f"文件中的单位“{ident.claimed}”不在名单中（文件名指向“{hint}”，但以文件内容为准）",
                "en": f"the file's unit “{ident.claimed}” is not in the roster (its name points to “{hint}”, but "
                "the content decides)",
            }
        elif ident.claimed:
            reason = {
                "zh": f"文件中的单位“{ident.claimed}”不在名单中，文件名也无法确定",
                "en": f"the file's unit “{ident.claimed}” is not in the roster and its name does not tell",
            }
        else:
            reason = {"zh": "文件中没有单位信息，文件名也无法确定", "en": "no unit in the file, none in its name"}
        out.append(tool_finding("CAMP-UNIDENTIFIED", reason=reason, sha=sha[:12]))
    elif ident.by == "filename" and not have & {"UNIT-NOT-FOUND", "UNIT-FROM-FILENAME"}:
        out.append(tool_finding("CAMP-BY-FILENAME", file=file_name, unit=ident.unit.name))
    if ident.renamed_from and ident.unit is not None:
        out.append(tool_finding("CAMP-RENAMED", code=ident.unit.code, unit=ident.unit.name, old=ident.renamed_from))
    if ident.named is not None and ident.unit is not None and "TEMPLATE-REUSED" not in have:
        out.append(
            tool_finding(
                "CAMP-NAME-MISMATCH",
                unit=ident.unit.name,
                unit_code=ident.unit.code,
                named=ident.named.name,
                file=file_name,
                sha=sha[:12],
            )
        )
    return out


# --------------------------------------------------------------------------- one run


@dataclass
class Collected:
    """What became of one path given to collect."""

    path: Path
    outcome: str
    """NEW, DUPLICATE, FAILED (the original could not be read) or SKIPPED (no report at all: not recorded)."""
    sha256: str = ""
    unit: Unit | None = None
    seq: int | None = None
    identified_by: str | None = None
    named: Unit | None = None
    findings: list[Finding] = field(default_factory=list)
    version_id: int | None = None
    duplicate_of: tuple[str | None, int | None] | None = None
    """(unit code, version number) of the version this file repeats."""
    feedback: list[Path] = field(default_factory=list)
    error: str = ""
    removed: bool = False
    """`unit` was taken off the roster: the file is recorded as its version, not due, not counted."""

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def awaits_assignment(self) -> bool:
        """Recorded 待确认归属: content of `unit`, name of `named`; no unit's version until assigned."""
        return self.outcome == NEW and self.unit is not None and self.named is not None


@dataclass
class CollectRun:
    items: list[Collected] = field(default_factory=list)
    interrupted: bool = False
    """Stopped by Ctrl+C: `items` are what was recorded, `remaining` the files not looked at."""
    remaining: int = 0

    def count(self) -> dict[str, int]:
        """`new`: files recorded; `versions`: those that are a unit's new version (not unidentified, not
        待确认归属), split into `clean`, `warnings` and `errors`."""
        new = [c for c in self.items if c.outcome == NEW]
        versions = [c for c in new if c.unit is not None and not c.awaits_assignment and not c.removed]
        return {
            "files": len(self.items),
            "new": len(new),
            "versions": len(versions),
            "clean": sum(1 for c in versions if not c.counts["error"] and not c.counts["warning"]),
            "warnings": sum(1 for c in versions if not c.counts["error"] and c.counts["warning"]),
            "errors": sum(1 for c in versions if c.counts["error"]),
            "duplicates": sum(1 for c in self.items if c.outcome == DUPLICATE),
            "unidentified": sum(1 for c in new if c.unit is None),
            "removed_unit": sum(1 for c in new if c.removed),
            "by_filename": sum(1 for c in new if c.identified_by == "filename"),
            "pending_assignment": sum(1 for c in new if c.awaits_assignment),
            "failed": sum(1 for c in self.items if c.outcome == FAILED),
            "skipped": sum(1 for c in self.items if c.outcome == SKIPPED),
        }

    def summary_line(self, lang: str = "zh") -> str:
        """The closing line: how many files, new versions (clean / warnings / errors), duplicates, problems."""
        c = self.count()
        zh = lang == "zh"
        if zh:
            parts = [
                f"本次收集 {c['files']} 个文件：新增 {c['versions']} 个版本（通过 {c['clean']}｜"
                f"有警告 {c['warnings']}｜有错误 {c['errors']}）",
                f"重复 {c['duplicates']}",
            ]
        else:
            parts = [
                f"{c['files']} files: {c['versions']} new versions (clean {c['clean']} | warnings {c['warnings']} | "
                f"errors {c['errors']})",
                f"duplicates {c['duplicates']}",
            ]
        parts += [f"{label[0 if zh else 1]} {c[k]}" for k, label in _RUN_NOTES.items() if c[k]]
        return ("，" if zh else ", ").join(parts)


_RUN_NOTES = {
    "unidentified": ("无法确定单位", "unit unknown"),
    "removed_unit": (
        "属于已从名单中移除的单位（已登记，不计入）",
        "of units taken off the roster (recorded, not counted)",
    ),
    "by_filename": ("按文件名认定单位", "identified by file name"),
    "pending_assignment": ("待确认归属（文件名与内容不符）", "pending assignment (name and content differ)"),
    "failed": ("无法读取原文件", "could not be read"),
    "skipped": ("不是报表文件（已跳过）", "not a report (skipped)"),
}
"""The counts a collect run's closing line adds when not zero: key -> (zh, en) label."""


class Collector:
    """Collects files into an open campaign. Hold the campaign lock while using it (see `collect`).

    A run: `begin(paths, files)`, `add(path)` per file, `end(run)` (with `interrupted=True` when stopped)."""

    def __init__(self, campaign: Campaign):
        self.c = campaign
        self.root = campaign.root
        self.store = campaign.store_dir
        self.store.mkdir(exist_ok=True)
        self.read_dir = self.store / f"{TMP_PREFIX}read-{os.getpid()}"
        self.priors = unit_priors(campaign)
        from xltool.campaign.roster_update import former_names

        self.former = former_names(campaign)
        """Unit code -> names the unit had before the roster renamed it (a return may still give one)."""
        self.removed = Roster(campaign.removed)
        self.prior_given = bool(self.priors)
        self.issued_sha = {
            r[0]: r[1] for r in campaign.conn.execute("SELECT sha256, unit_code FROM issued WHERE sha256 IS NOT NULL")
        }
        self.run_id: int | None = None
        """The audit id of this run's `collect-start` entry (each file's entry names it)."""

    # Clean-up of what a killed run left: temporary copies (stored files themselves are complete or absent)
    def clean_leftovers(self) -> None:
        for d in (self.store, self.c.feedback_dir):
            if not d.is_dir():
                continue
            for p in d.rglob(f"{TMP_PREFIX}*"):
                with contextlib.suppress(OSError):
                    shutil.rmtree(p) if p.is_dir() else p.unlink()

    # The run in the audit trail
    def begin(self, paths: Iterable[str | Path], files: int) -> None:
        """The run's first audit entry: how many files, from where. A run killed later leaves it without an end."""
        with self.c.write() as conn:
            self.c.audit("collect-start", None, files=files, paths=[str(Path(p)) for p in paths])
            self.run_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]

    def end(self, run: CollectRun, *, interrupted: bool = False, remaining: int = 0) -> None:
        """The run's last audit entry: its counts; `interrupted` (Ctrl+C) with the files not yet looked at."""
        c = run.count()
        with self.c.write():
            self.c.audit(
                "collect-end",
                None,
                run=self.run_id,
                interrupted=interrupted or None,
                remaining=remaining if interrupted else None,
                **{k: v for k, v in c.items() if v},
            )

    def _note(self, action: str, item: Collected) -> Collected:
        """The audit entry of a file that adds no version (duplicate, skipped, failed): every file received is
        in the log."""
        detail: dict[str, Any] = {"run": self.run_id, "file": str(item.path), "sha256": item.sha256 or None}
        if action == "duplicate" and item.duplicate_of is not None:
            detail["same_as_unit"], detail["same_as_version"] = item.duplicate_of
            detail["pending_assignment"] = item.named is not None or None
        if action == "failed":
            detail["error"] = item.error
        code = item.duplicate_of[0] if action == "duplicate" and item.duplicate_of else None
        try:
            with self.c.write():
                self.c.audit(action, code, **detail)
        except Exception:  # the log entry of a file that changed nothing must not stop the run
            pass
        return item

    def _prior_for(self, unit: Unit | None) -> PriorData | None:
        return prior_for(self.priors, unit)

    def _copy_in(self, src: Path) -> tuple[str, Path, int]:
        """Copy `src` into the store while hashing: (sha256, stored path, size). Durable before it returns."""
        import hashlib

        tmp = self.store / f"{TMP_PREFIX}{os.getpid()}-copy"
        h = hashlib.sha256()
        size = 0
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        sha = h.hexdigest()
        final = self.store / stored_name(sha, src.name)
        if final.exists() and sha256_file(final) == sha:
            tmp.unlink()  # an orphan of a killed run, or the same bytes under another name: complete already
        else:  # new, or a stored copy damaged since (never trusted by its name alone)
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o444)  # read-only: the record of what was received is not edited by accident
            os.replace(tmp, final)
            fsync_dir(self.store)
        return sha, final, size

    def _read(self, stored: Path, original: Path) -> Loaded:
        """Read the stored bytes under the original file name — repaired when garbled — (readers look at the name
        for identity). The report's source names the real file."""
        self.read_dir.mkdir(exist_ok=True)
        shown = display_name(original.name)
        alias = self.read_dir / safe_name(shown)
        alias.unlink(missing_ok=True)
        try:
            os.link(stored, alias)
        except OSError:
            shutil.copyfile(stored, alias)
        try:
            loaded = load_any(alias)
        finally:
            alias.unlink(missing_ok=True)
        as_named = original.with_name(shown)  # identity checks read the file name from here
        if loaded.report is not None:
            loaded.report.source["file"] = str(as_named)
        return Loaded(as_named, loaded.report, loaded.findings)

    def add(self, path: str | Path) -> Collected:
        """Collect one file. Never raises for a bad file; a file that cannot even be opened is FAILED."""
        src = Path(path)
        conn = self.c.conn

        def known(digest: str) -> Collected | None:
            row = conn.execute(
                "SELECT unit_code, seq, name_unit, identified_by FROM versions WHERE sha256 = ?", (digest,)
            ).fetchone()
            if row is None:
                return None
            unit = self.c.any_unit(row["unit_code"]) if row["unit_code"] else None
            named = None
            if unit is not None and row["name_unit"] and row["identified_by"] != "clerk":  # repeats one 待确认归属
                named = self.c.any_unit(row["name_unit"])
            dup = Collected(src, DUPLICATE, digest, unit, named=named, duplicate_of=(row["unit_code"], row["seq"]))
            return self._note("duplicate", dup)

        try:
            # hash first: a file already recorded costs one read, no copy
            dup = known(sha256_file(src))
            if dup is not None:
                return dup
            sha, stored, size = self._copy_in(src)
        except OSError as e:
            return self._note("failed", Collected(src, FAILED, error=e.strerror or str(e)))
        dup = known(sha)  # the file changed between hashing and copying: its copy's hash is what counts
        if dup is not None:
            return dup

        loaded = self._read(stored, src)
        if loaded.report is None and is_not_report(loaded.findings):
            self._unstore(stored)
            return self._note("skipped", Collected(src, SKIPPED, sha, findings=list(loaded.findings)))
        shown = display_name(src.name)
        ident = identify(loaded, shown, self.c.roster, self.former, self.removed)
        result = validate_loaded(loaded, prior=self._prior_for(ident.unit), roster=self.c.roster, year=self.c.year)
        if result.report is not None:
            result.report.source["file"] = str(src)  # the real file (identity was checked by the repaired name)
        if ident.renamed_from or ident.removed:
            # the roster's own checks do not know the campaign's roster changes: a renamed unit's former name is
            # no other unit's (UNIT-MISMATCH), a removed unit no unknown one (UNIT-UNKNOWN); CAMP-* say what it is
            result = FileResult(
                result.file,
                result.report,
                [f for f in result.findings if f.rule not in ("UNIT-MISMATCH", "UNIT-UNKNOWN")],
                result.attribution,
                result.named_unit,
            )
        extra = identity_findings(ident, result.findings, shown, sha, loaded.report is not None, self.removed)
        if sha in self.issued_sha:
            extra.append(tool_finding("CAMP-UNFILLED"))
        if not ident.awaits_assignment:  # notes about the unit's versions: not before the file is the unit's
            extra += version_notes(self.c, ident.unit, loaded.report)
        findings = sort_findings(list(result.findings) + extra)
        result = FileResult(str(src), result.report, findings)

        received = now()
        # 待确认归属: no version number, so the unit's versions (and its state) stay as they are
        numbered = None if ident.awaits_assignment else ident.unit
        feedback = []
        if findings:
            feedback = write_feedback(
                self.c,
                unit=ident.unit,
                named=ident.named if ident.awaits_assignment else None,
                seq=self._next_seq(numbered),
                file_name=src.name,
                sha=sha,
                received=received,
                result=result,
            )
        n = counts(findings)
        with self.c.write():
            if conn.execute("SELECT 1 FROM versions WHERE sha256 = ?", (sha,)).fetchone():
                return Collected(src, DUPLICATE, sha, ident.unit)
            seq = self._next_seq(numbered)
            cur = conn.execute(
                """INSERT INTO versions (sha256, unit_code, seq, received_at, source_path, file_name, size, stored,
                       report, findings, errors, warnings, infos, tool_version, identified_by, name_unit,
                       template_id, feedback)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    sha,
                    ident.unit.code if ident.unit else None,
                    seq,
                    received,
                    printable(str(src.resolve())),  # SQLite's text is UTF-8: a name in GBK bytes as it reads
                    printable(src.name),
                    size,
                    str(stored.relative_to(self.root)),
                    dump_report(result.report),
                    dump_findings(findings),
                    n["error"],
                    n["warning"],
                    n["info"],
                    __version__,
                    ident.by or "none",
                    ident.named.code if ident.named else None,
                    (result.report.meta.get("template_id") if result.report else None),
                    dumps([str(p.relative_to(self.root)) for p in feedback]),
                ),
            )
            data = counts([f for f in findings if f.rule not in IDENTITY_RULES])
            self.c.audit(
                "collect",
                ident.unit.code if ident.unit else None,
                run=self.run_id,
                version=seq,
                file=str(src),
                sha256=sha,
                identified_by=ident.by,
                name_unit=ident.named.code if ident.named else None,
                pending_assignment=ident.awaits_assignment or None,
                errors=n["error"],
                warnings=n["warning"],
                # a file that is no unit's version yet: its data's own errors, without the "whose is it" flag
                data_errors=data["error"] if (ident.unit is None or ident.awaits_assignment) else None,
                data_warnings=data["warning"] if (ident.unit is None or ident.awaits_assignment) else None,
            )
            if numbered is not None and not ident.removed:
                note_auto_accept(self.c, numbered, cur.lastrowid, "collect")
        return Collected(
            src,
            NEW,
            sha,
            ident.unit,
            seq,
            ident.by,
            ident.named,
            findings,
            cur.lastrowid,
            feedback=feedback,
            removed=ident.removed,
        )

    def _unstore(self, stored: Path) -> None:
        """Take back the copy of a skipped file: no version has its hash (a file already recorded never gets
        here), so nothing refers to it. Read-only as stored: writable first, for Windows to delete it."""
        with contextlib.suppress(OSError):
            os.chmod(stored, 0o644)
            stored.unlink()

    def _next_seq(self, unit: Unit | None) -> int | None:
        if unit is None:
            return None
        row = self.c.conn.execute("SELECT MAX(seq) FROM versions WHERE unit_code = ?", (unit.code,)).fetchone()
        return int(row[0] or 0) + 1


def note_auto_accept(campaign: Campaign, unit: Unit, version_id: int, how: str) -> bool:
    """Inside a write transaction, after `version_id` became the unit's latest version (collect, assign) or its
    warnings were explained: when that made the unit 已接受 without the clerk's decision, say so in the audit
    trail (`auto-accept`). Returns whether it did."""
    from xltool.campaign.status import ACCEPTED, status_of

    st = status_of(campaign, unit)
    if st.state != ACCEPTED or st.latest is None or st.latest.id != version_id:
        return False
    if st.decision is not None and st.decision.version_id == version_id:
        return False  # the clerk's own acceptance
    explained = sorted({f.rule for f in st.findings if f.severity == "warning" and f.explanation})
    campaign.audit(
        "auto-accept",
        unit.code,
        version=st.latest.seq,
        sha256=st.latest.sha256,
        after=how,
        explained=explained or None,
    )
    return True


def version_notes(
    campaign: Campaign, unit: Unit | None, report: UnitReport | None, *, exclude: int | None = None
) -> list[Finding]:
    """What a new version of `unit` is told about the unit's other versions (all but `exclude`, its own id when
    it is recorded already): the unit is locked (CAMP-LOCKED); the file was saved before a version already
    received (CAMP-OLDER)."""
    if unit is None:
        return []
    out: list[Finding] = []
    conn = campaign.conn
    d = conn.execute(
        "SELECT v.seq, v.id FROM decisions d JOIN versions v ON v.id = d.version_id "
        "WHERE d.unit_code = ? AND d.state = 'locked'",
        (unit.code,),
    ).fetchone()
    if d is not None and d["id"] != exclude:
        out.append(tool_finding("CAMP-LOCKED", seq=d["seq"]))
    from xltool.campaign.status import AWAITS_ASSIGNMENT_SQL
    from xltool.consolidate import fill_time

    mine = fill_time(report)
    if mine is not None:
        for r in conn.execute(
            "SELECT seq, report FROM versions WHERE unit_code = ? AND report IS NOT NULL "
            f"AND NOT {AWAITS_ASSIGNMENT_SQL} AND id IS NOT ? ORDER BY seq DESC",
            (unit.code, exclude),
        ):
            other = fill_time(load_report(r["report"]))
            if other is not None and other > mine:
                out.append(
                    tool_finding(
                        "CAMP-OLDER",
                        saved=mine.strftime("%Y-%m-%d %H:%M"),
                        seq=r["seq"],
                        other=other.strftime("%Y-%m-%d %H:%M"),
                    )
                )
                break
    return out


def feedback_folder(campaign: Campaign, unit: Unit | None, named: Unit | None) -> Path:
    """Where a file's feedback goes: the unit's folder; `_待确认归属` while it awaits the clerk; `_未识别`."""
    if unit is not None and named is not None:
        return campaign.feedback_dir / PENDING_DIR
    return campaign.feedback_folder(unit)


def write_feedback(
    campaign: Campaign,
    *,
    unit: Unit | None,
    named: Unit | None,
    seq: int | None,
    file_name: str,
    sha: str,
    received: str,
    result: FileResult,
    assigned: str | None = None,
) -> list[Path]:
    """The feedback for one version: a text file always, an annotated workbook when the reader allows.

    `named`: the unit the file name points to while the file is 待确认归属 (None once it is a unit's);
    `assigned`: the clerk's confirmation, for a file filed by `assign`."""
    from xltool.campaign.status import time_text

    folder = feedback_folder(campaign, unit, named)
    if unit is not None and named is not None:
        who = f"单位：待确认（内容属于{unit.name}，文件名指向{named.name}）"
    else:
        who = f"单位：{unit.name}（{unit.code}）" if unit else "单位：无法确定"
    if assigned:
        who += f"，{assigned}"
    shown = display_name(file_name)
    label = f"第{seq}版_" if seq else f"{sha[:12]}_"
    stem = safe_name(label + Path(shown).stem)
    lines = [
        who,
        f"文件：{shown_name(file_name)}",
        f"收到时间：{time_text(received)}",
        f"SHA-256：{sha}",
        f"版本：第 {seq} 版" if seq else "版本：未归入任何单位",
        "",
    ]
    c = counts(result.findings)
    lines.append(f"共 {c['error']} 个错误，{c['warning']} 个警告，{c['info']} 个提示。")
    lines.append("")
    for f in result.findings:
        lines.append(f.message("zh"))
        lines.append("")
    out = [write_atomic(folder / f"{stem}_反馈意见.txt", printable("\n".join(lines)).encode("utf-8", "replace"))]
    stored = campaign.root / STORE / stored_name(sha, file_name)
    annotated = _annotate(stored, Path(shown), result, folder, stem)
    if annotated is not None:
        out.append(annotated)
    return out


def _annotate(stored: Path, original: Path, result: FileResult, folder: Path, stem: str) -> Path | None:
    """The annotated workbook (xltool.annotate): the unit's file with every finding marked, written then renamed."""
    try:
        from xltool.annotate import annotate_file
    except ImportError:  # pragma: no cover - part of the package
        return None
    work = folder / f"{TMP_PREFIX}{os.getpid()}-annotate"
    shutil.rmtree(work, ignore_errors=True)
    (work / "out").mkdir(parents=True)
    try:
        alias = work / safe_name(original.name)
        try:
            os.link(stored, alias)
        except OSError:
            shutil.copyfile(stored, alias)
        made = annotate_file(FileResult(str(alias), result.report, result.findings), work / "out")
        final = folder / f"{stem}_校验结果{made.suffix}"
        with open(made, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(made, final)
        fsync_dir(folder)
        return final
    except Exception:  # an annotation failure must not cost the version: the text feedback is there
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def skipped_line(item: Collected, lang: str = "zh") -> str:
    """The line `campaign collect` prints for a SKIPPED file: "  已跳过  说明.txt  不是年度报告或报表文件（未登记）"."""
    name = shown_name(item.path.name, lang)
    if lang == "en":
        return f"  skipped  {name}  not an annual report or a form return (not recorded)"
    return f"  已跳过  {name}  不是年度报告或报表文件（未登记）"


def interrupted_text(run: CollectRun, remaining: int, lang: str = "zh") -> str:
    """What a collect stopped by Ctrl+C tells the clerk: how far it got, and that running it again continues."""
    c = run.count()
    if lang == "en":
        return (
            f"Interrupted: {c['files']} files were dealt with and are recorded ({c['versions']} new versions, "
            f"duplicates {c['duplicates']}); {remaining} were not looked at yet. Run the same command again to "
            "continue: files already recorded are recognised and not recorded twice."
        )
    return (
        f"已中断：本次已处理并登记 {c['files']} 个文件（新增 {c['versions']} 个版本，重复 {c['duplicates']}），"
        f"还有 {remaining} 个文件未处理。再次运行同一命令即可继续：已登记的文件会被识别，不会重复登记。"
    )


def inputs(campaign: Campaign, paths: Iterable[str | Path]) -> list[Path]:
    """The files to collect: folders searched recursively, leaving out the campaign's own files (store/, outbox/,
    feedback/ and the files beside campaign.db, such as the roster and summaries). A file named explicitly is
    always collected."""
    root = campaign.root.resolve()
    own = [(root / d) for d in (STORE, OUTBOX, FEEDBACK)]
    named = {Path(x).resolve() for x in paths if Path(x).is_file()}
    out = []
    for p in expand_paths(list(paths)):
        rp = Path(os.path.realpath(p))  # never raises: a looping link is listed, and its finding says so
        if rp not in named and (rp.parent == root or any(rp.is_relative_to(d) for d in own)):
            continue
        out.append(p)
    return out


def collect(
    campaign: Campaign,
    paths: Iterable[str | Path],
    *,
    progress: Callable[[Collected], Any] | None = None,
    files: list[Path] | None = None,
) -> CollectRun:
    """Collect files (and folders) into the campaign under its lock; `files`: the files already found in `paths`
    (`inputs`), when the caller has them.

    On Ctrl+C (KeyboardInterrupt) the run's end is written to the audit trail as interrupted, then the
    interrupt goes on: what was recorded stays, and running again continues (`interrupted_text`).

    Raises:
        CampaignBusy: another collect (or templates) holds the campaign.
    """
    paths = list(paths)
    run = CollectRun()
    with campaign.lock("collect"):
        todo = inputs(campaign, paths) if files is None else list(files)
        col = Collector(campaign)
        col.clean_leftovers()
        try:
            col.begin(paths, len(todo))
            for p in todo:
                item = col.add(p)
                run.items.append(item)
                if progress:
                    progress(item)
        except KeyboardInterrupt:
            run.interrupted = True
            run.remaining = len(todo) - len(run.items)
            with contextlib.suppress(Exception):
                col.end(run, interrupted=True, remaining=run.remaining)
            raise
        else:
            col.end(run)
        finally:
            shutil.rmtree(col.read_dir, ignore_errors=True)
    return run
