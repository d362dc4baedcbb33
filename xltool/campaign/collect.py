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
among the attachments) is SKIPPED after step 3: no version, no audit entry, no feedback, its copy taken out of
`store/` again, and its name is never asked which unit it is from — `T01_测试局_说明.txt` is no version of 测试局,
and there is nothing for `campaign assign` to settle. Collected again, it is skipped again.
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

    @property
    def awaits_assignment(self) -> bool:
        """Content and name point at different roster units: 待确认归属 until the clerk assigns it."""
        return self.unit is not None and self.named is not None


def identify(loaded: Loaded, file_name: str, roster: Roster) -> Identity:
    """Which roster unit a file is from (`identity.attribute`, as `consolidate` and `validate --roster` find it):
    the unit its metadata / own unit fields claim; its name only when the content claims no unit at all, or it
    could not be read. A claim the roster does not have leaves the file unidentified, whatever its name."""
    from xltool.identity import CONTENT, FILE_NAME, attribute

    rep = loaded.report
    att = attribute(rep, loaded.findings, file_name, roster)
    if att.by == FILE_NAME:
        return Identity(att.unit, "filename", None, att.claimed)
    named = filename_unit(file_name, roster)
    if att.by != CONTENT or att.unit is None:
        hint = named if att.claimed else None
        return Identity(None, None, None, att.claimed, name_hint=hint)
    assert rep is not None
    by = "metadata" if rep.meta.get("reader") == "template" or rep.meta.get("template_id") else "document"
    if named is not None and named.code != att.unit.code:
        return Identity(att.unit, by, named, att.claimed)
    return Identity(att.unit, by, None, att.claimed)


def identity_findings(ident: Identity, found: list[Finding], file_name: str, sha: str, readable: bool) -> list[Finding]:
    """The campaign's own findings about who sent a file (none that repeat what the reader already said)."""
    have = {f.rule for f in found}
    out: list[Finding] = []
    if ident.unit is None:
        if not readable:
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

    def count(self) -> dict[str, int]:
        new = [c for c in self.items if c.outcome == NEW]
        return {
            "files": len(self.items),
            "new": len(new),
            "clean": sum(1 for c in new if not c.counts["error"] and not c.counts["warning"]),
            "warnings": sum(1 for c in new if not c.counts["error"] and c.counts["warning"]),
            "errors": sum(1 for c in new if c.counts["error"]),
            "duplicates": sum(1 for c in self.items if c.outcome == DUPLICATE),
            "unidentified": sum(1 for c in new if c.unit is None),
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
                f"本次收集 {c['files']} 个文件：新增 {c['new']} 个版本（通过 {c['clean']}｜有警告 {c['warnings']}｜"
                f"有错误 {c['errors']}）",
                f"重复 {c['duplicates']}",
            ]
        else:
            parts = [
                f"{c['files']} files: {c['new']} new versions (clean {c['clean']} | warnings {c['warnings']} | "
                f"errors {c['errors']})",
                f"duplicates {c['duplicates']}",
            ]
        parts += [f"{label[0 if zh else 1]} {c[k]}" for k, label in _RUN_NOTES.items() if c[k]]
        return ("，" if zh else ", ").join(parts)


_RUN_NOTES = {
    "unidentified": ("无法确定单位", "unit unknown"),
    "by_filename": ("按文件名认定单位", "identified by file name"),
    "pending_assignment": ("待确认归属（文件名与内容不符）", "pending assignment (name and content differ)"),
    "failed": ("无法读取原文件", "could not be read"),
    "skipped": ("不是报表文件（已跳过）", "not a report (skipped)"),
}
"""The counts a collect run's closing line adds when not zero: key -> (zh, en) label."""


class Collector:
    """Collects files into an open campaign. Hold the campaign lock while using it (see `collect`)."""

    def __init__(self, campaign: Campaign):
        self.c = campaign
        self.root = campaign.root
        self.store = campaign.store_dir
        self.store.mkdir(exist_ok=True)
        self.read_dir = self.store / f"{TMP_PREFIX}read-{os.getpid()}"
        priors: dict[str, list[UnitReport]] = {}
        unit_level = 0
        for r in campaign.conn.execute("SELECT unit_code, report FROM prior_reports WHERE unit_code IS NOT NULL"):
            rep = load_report(r["report"])
            if rep is not None:
                priors.setdefault(r["unit_code"], []).append(rep)
                unit_level += 1
        self.priors = priors
        self.prior_given = unit_level > 0
        self.issued_sha = {
            r[0]: r[1] for r in campaign.conn.execute("SELECT sha256, unit_code FROM issued WHERE sha256 IS NOT NULL")
        }

    # Clean-up of what a killed run left: temporary copies (stored files themselves are complete or absent)
    def clean_leftovers(self) -> None:
        for d in (self.store, self.c.feedback_dir):
            if not d.is_dir():
                continue
            for p in d.rglob(f"{TMP_PREFIX}*"):
                with contextlib.suppress(OSError):
                    shutil.rmtree(p) if p.is_dir() else p.unlink()

    def _prior_for(self, unit: Unit | None) -> PriorData | None:
        if not self.prior_given:
            return None
        return PriorData(self.priors.get(unit.code, []) if unit else [])

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
        """Read the stored bytes under the original file name (readers look at the name for identity)."""
        self.read_dir.mkdir(exist_ok=True)
        alias = self.read_dir / safe_name(original.name)
        alias.unlink(missing_ok=True)
        try:
            os.link(stored, alias)
        except OSError:
            shutil.copyfile(stored, alias)
        try:
            loaded = load_any(alias)
        finally:
            alias.unlink(missing_ok=True)
        if loaded.report is not None:
            loaded.report.source["file"] = str(original)
        return Loaded(original, loaded.report, loaded.findings)

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
            unit = self.c.unit(row["unit_code"]) if row["unit_code"] else None
            named = None
            if unit is not None and row["name_unit"] and row["identified_by"] != "clerk":  # repeats one 待确认归属
                named = self.c.unit(row["name_unit"])
            return Collected(src, DUPLICATE, digest, unit, named=named, duplicate_of=(row["unit_code"], row["seq"]))

        try:
            # hash first: a file already recorded costs one read, no copy
            dup = known(sha256_file(src))
            if dup is not None:
                return dup
            sha, stored, size = self._copy_in(src)
        except OSError as e:
            return Collected(src, FAILED, error=e.strerror or str(e))
        dup = known(sha)  # the file changed between hashing and copying: its copy's hash is what counts
        if dup is not None:
            return dup

        loaded = self._read(stored, src)
        if loaded.report is None and is_not_report(loaded.findings):
            self._unstore(stored)
            return Collected(src, SKIPPED, sha, findings=list(loaded.findings))
        ident = identify(loaded, src.name, self.c.roster)
        result = validate_loaded(loaded, prior=self._prior_for(ident.unit), roster=self.c.roster, year=self.c.year)
        extra = identity_findings(ident, result.findings, src.name, sha, loaded.report is not None)
        if sha in self.issued_sha:
            extra.append(tool_finding("CAMP-UNFILLED"))
        if not ident.awaits_assignment:  # notes about the unit's versions: not before the file is the unit's
            extra += self._version_notes(ident.unit, loaded.report)
        findings = sort_findings(list(result.findings) + extra)
        result = FileResult(str(src), result.report, findings)

        received = now()
        # 待确认归属: no version number, so the unit's versions (and its state) stay as they are
        numbered = None if ident.awaits_assignment else ident.unit
        feedback = self._write_feedback(ident, self._next_seq(numbered), src, sha, received, result) if findings else []
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
                    str(src.resolve()),
                    src.name,
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
            self.c.audit(
                "collect",
                ident.unit.code if ident.unit else None,
                version=seq,
                file=str(src),
                sha256=sha,
                identified_by=ident.by,
                name_unit=ident.named.code if ident.named else None,
                pending_assignment=ident.awaits_assignment or None,
                errors=n["error"],
                warnings=n["warning"],
            )
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

    def _version_notes(self, unit: Unit | None, report: UnitReport | None) -> list[Finding]:
        """Locked unit; a file saved before a version already received."""
        if unit is None:
            return []
        out: list[Finding] = []
        conn = self.c.conn
        d = conn.execute(
            "SELECT v.seq FROM decisions d JOIN versions v ON v.id = d.version_id "
            "WHERE d.unit_code = ? AND d.state = 'locked'",
            (unit.code,),
        ).fetchone()
        if d is not None:
            out.append(tool_finding("CAMP-LOCKED", seq=d["seq"]))
        from xltool.campaign.status import AWAITS_ASSIGNMENT_SQL
        from xltool.consolidate import fill_time

        mine = fill_time(report)
        if mine is not None:
            for r in conn.execute(
                "SELECT seq, report FROM versions WHERE unit_code = ? AND report IS NOT NULL "
                f"AND NOT {AWAITS_ASSIGNMENT_SQL} ORDER BY seq DESC",
                (unit.code,),
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

    def _write_feedback(
        self, ident: Identity, seq: int | None, src: Path, sha: str, received: str, result: FileResult
    ) -> list[Path]:
        """The feedback for one version: a text file always, an annotated workbook when the reader allows."""
        unit = ident.unit
        if ident.awaits_assignment and unit is not None and ident.named is not None:
            folder = self.c.feedback_dir / PENDING_DIR
            who = f"单位：待确认（内容属于{unit.name}，文件名指向{ident.named.name}）"
        else:
            folder = self.c.feedback_folder(unit)
            who = f"单位：{unit.name}（{unit.code}）" if unit else "单位：无法确定"
        label = f"第{seq}版_" if seq else f"{sha[:12]}_"
        stem = safe_name(label + src.stem)
        lines = [
            who,
            f"文件：{src.name}",
            f"收到时间：{received}",
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
        out = [write_atomic(folder / f"{stem}_反馈意见.txt", "\n".join(lines).encode("utf-8"))]
        annotated = _annotate(self.root / STORE / stored_name(sha, src.name), src, result, folder, stem)
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
    if lang == "en":
        return f"  skipped  {item.path.name}  not an annual report or a form return (not recorded)"
    return f"  已跳过  {item.path.name}  不是年度报告或报表文件（未登记）"


def inputs(campaign: Campaign, paths: Iterable[str | Path]) -> list[Path]:
    """The files to collect: folders searched recursively, leaving out the campaign's own files (store/, outbox/,
    feedback/ and the files beside campaign.db, such as the roster and summaries). A file named explicitly is
    always collected."""
    root = campaign.root.resolve()
    own = [(root / d) for d in (STORE, OUTBOX, FEEDBACK)]
    named = {Path(x).resolve() for x in paths if Path(x).is_file()}
    out = []
    for p in expand_paths(list(paths)):
        rp = p.resolve()
        if rp not in named and (rp.parent == root or any(rp.is_relative_to(d) for d in own)):
            continue
        out.append(p)
    return out


def collect(
    campaign: Campaign, paths: Iterable[str | Path], *, progress: Callable[[Collected], Any] | None = None
) -> CollectRun:
    """Collect files (and folders) into the campaign under its lock.

    Raises:
        CampaignBusy: another collect (or templates) holds the campaign.
    """
    run = CollectRun()
    with campaign.lock("collect"):
        col = Collector(campaign)
        col.clean_leftovers()
        try:
            for p in inputs(campaign, paths):
                item = col.add(p)
                run.items.append(item)
                if progress:
                    progress(item)
        finally:
            shutil.rmtree(col.read_dir, ignore_errors=True)
    return run
