"""District consolidation: many units' returns -> the district's totals, who reported, and what is wrong.

The library behind `xltool consolidate`. Every input is read and validated like `xltool validate` does;
then each file is assigned to a roster unit, duplicates are resolved (the newest return counts: see
`newest_return` for how "newest" is decided, and when it cannot be), and the counted units' input cells
are summed exactly (int counts, Decimal amounts). Totals are re-derived on the
sum by the rule engine, and the result is checked twice (rule C-SUM): every rule of the form on the
consolidated report, and every cell against the explicit sum of the members' own values. A failure there
means a reader bug or a double count, never a data problem of a unit, so it is reported loudly.

Results are pandas DataFrames (pandas is imported lazily: `xltool validate` does not pay for it).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.filenames import shown_name
from xltool.findings import SEVERITY_ZH, Finding, render, sort_findings, tool_finding
from xltool.hashing import sha256_file
from xltool.interchange import UnitReport
from xltool.layout import sheet_cells
from xltool.roster import Roster, Unit, normalize_name
from xltool.rules import Evaluated, check, evaluate, item_label
from xltool.schema import Form, load_form
from xltool.validate import FileResult, PriorData

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Number = int | Decimal

# Status of a roster unit (what the clerk sees in 报送情况).
PASSED = "通过"
WARNINGS = "仅警告"
ERRORS = "有错误"
MISSING = "未报"
STATUS_EN = {PASSED: "passed", WARNINGS: "warnings only", ERRORS: "errors", MISSING: "not reported"}

# What became of one input file.
COUNTED = "counted"
"""Summed into the totals."""
REJECTED = "rejected"
"""The unit's newest return, not counted: it has errors (or unexplained warnings with accepted_only)."""
SUPERSEDED = "superseded"
"""An older return of a unit that sent a newer one."""
UNDECIDED = "undecided"
"""One of a unit's returns that differ and cannot be put in order (CONS-DUPLICATE-UNDECIDED), other than the one
that stands for the unit (REJECTED, `Entry.undecided`): no file of the unit is counted until the clerk decides."""
FOREIGN = "foreign"
"""A return of a unit that is not in the roster."""
UNIDENTIFIED = "unidentified"
"""Unreadable, and its name does not say which unit sent it."""
SKIPPED = "skipped"
"""No annual report or form return at all (FILE-NOT-REPORT: a 说明.txt, a readme, an unrelated CSV): no unit's
file, whatever its name says."""
MISMATCHED = "mismatched"
"""Its name names one roster unit and its content another (a template passed on, a file renamed or attached by
mistake): the return of neither until the clerk settles it — `xltool campaign collect`'s 待确认归属. It marks
neither unit as received nor gives either the file's errors."""
ROLE_ZH = {
    COUNTED: "已计入",
    REJECTED: "未计入",
    SUPERSEDED: "已被替代",
    UNDECIDED: "无法判断先后（未计入）",
    FOREIGN: "名单外",
    UNIDENTIFIED: "无法识别单位",
    SKIPPED: "不是报表文件（已跳过）",
    MISMATCHED: "文件名与内容不是同一单位（未计入）",
}

LONG_COLUMNS = (
    "unit",
    "code",
    "category",
    "table",
    "table_name",
    "row_key",
    "row_label",
    "column_key",
    "column_label",
    "key",
    "value",
    "file_sha256",
)
"""Columns of the tidy long table (one row per counted unit and cell)."""


@dataclass(frozen=True)
class TimeBasis:
    """One way of telling which of a unit's returns is newer, and how the clerk is told it was used."""

    id: str
    keys: tuple[str, ...]
    """Metadata keys (report.meta, then report.source) holding the time, most specific first; none: file mtime."""
    zh: str
    en: str
    noun_zh: str
    noun_en: str
    tolerance: float = 0.0
    """Seconds within which two times count as the same."""

    def time(self, e: Entry) -> float | None:
        if not self.keys:
            return e.mtime
        rep = e.report
        if rep is None:
            return None
        for key in self.keys:
            for where in (rep.meta, rep.source):
                t = _parse_time(where.get(key))
                if t is not None:
                    return t.timestamp()
        return None

    def label(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


# The bases for "newest", in order. A time written by the filling program comes first; then the workbook's
# own saved time (docProps/core.xml dcterms:modified, which Excel, WPS and LibreOffice set on every save
# and which travels inside the file); then when its template was made (a re-issued template is newer).
# The file's mtime is the last resort: an e-mail download or a USB copy resets it, so copies of two
# versions made together differ by the order they were copied in, not by when they were filled.
TIME_BASES = (
    TimeBasis("filled", ("filled_at", "saved_at"), "按填报时间", "by fill time", "填报时间", "fill time"),
    TimeBasis(
        "saved",
        ("modified", "modified_at", "last_modified"),
        "按工作簿保存时间",
        "by the workbook's saved time",
        "工作簿保存时间",
        "workbook saved time",
    ),
    TimeBasis(
        "template",
        ("generated_at",),
        "按模板生成时间",
        "by when its template was made",
        "模板生成时间",
        "template time",
    ),
    # 2 s: the resolution of FAT (USB sticks) and zip timestamps; a smaller difference is copy order, not edit order
    TimeBasis(
        "mtime",
        (),
        "按文件修改时间（不可靠）",
        "by file modification time (unreliable)",
        "文件修改时间",
        "file modification time",
        tolerance=2.0,
    ),
)
YEAR_BASIS = {"zh": "按报表年度", "en": "by the report's year"}
IDENTICAL_BASIS = {"zh": "各文件内容相同", "en": "the files are identical"}

FILL_TIME_KEYS = tuple(k for b in TIME_BASES for k in b.keys)
"""Metadata keys (report.meta, then report.source) that say when a return was filled or saved, most specific
first: ("filled_at", "saved_at", "modified", "modified_at", "last_modified", "generated_at")."""


# --------------------------------------------------------------------------- key indicators


@dataclass(frozen=True)
class Indicator:
    """One column of 单位明细 / 分类小计: a heading in the form's own words and the cells it adds up."""

    header: str
    keys: tuple[str, ...]
    table: str
    type: str = "integer"
    role: str = ""
    """`applications` (the first row of a matrix table), `outcome` (a part of a total row), or empty."""


def indicators(form: Form) -> tuple[Indicator, ...]:
    """The key indicators of a form, derived from its declaration (nothing hard-coded).

    - a matrix table with a total column (表三): one indicator per row, except that the sub-rows of a
      second-level group (（三）不予公开 1.…8.) are one indicator under the group's label; a total row is
      named with its group (三、本年度办理结果 （七）总计);
    - a one-row table with a total column (表四): one indicator per outermost group (行政复议, 行政诉讼),
      adding up the total column of its rows;
    - any other table (表二): one indicator per cell, named by `form.label`.
    """
    out: list[Indicator] = []
    for t in form.tables:
        total_col = next((c for c in t.columns if c.total_of), None)
        if t.layout == "matrix" and total_col is not None:
            parts = {p for r in t.rows for p in r.total_of}
            seen: dict[str, int] = {}
            for r in t.rows:
                key = t.key(r.id, total_col.id)
                role = "outcome" if r.id in parts else ""
                if len(r.groups) >= 2:
                    name = r.groups[1]
                    if name in seen:
                        i = seen[name]
                        out[i] = replace(out[i], keys=out[i].keys + (key,))
                        continue
                    seen[name] = len(out)
                    out.append(Indicator(name, (key,), t.id, total_col.type, role))
                    continue
                header = f"{r.groups[-1]} {r.label}" if r.total_of and r.groups else r.label
                out.append(Indicator(header, (key,), t.id, total_col.type, role))
            first = next(i for i, ind in enumerate(out) if ind.table == t.id)
            out[first] = replace(out[first], role="applications")
        elif t.layout == "row" and total_col is not None:
            groups: dict[str, list[str]] = {}
            for r in t.rows:
                groups.setdefault((r.groups or (r.label,))[0], []).append(t.key(r.id, total_col.id))
            for name, keys in groups.items():
                out.append(Indicator(f"{name}{total_col.label}", tuple(keys), t.id, total_col.type))
        else:
            for r in t.rows:
                for cid in t.row_columns(r):
                    key = t.key(r.id, cid)
                    out.append(Indicator(form.label(key), (key,), t.id, t.column_map[cid].type))
    # the applications table (表三) first, then the tables after it, then those before (表二): the
    # order in which the issue lists the figures a clerk looks for
    ids = [t.id for t in form.tables]
    start = next((i for i, t in enumerate(form.tables) if t.layout == "matrix"), 0)
    rank = {tid: (i - start) % len(ids) for i, tid in enumerate(ids)}
    return tuple(sorted(out, key=lambda ind: rank[ind.table]))


def indicator_value(ind: Indicator, values: dict[str, Number | None]) -> Number | None:
    """Sum of an indicator's cells (None when every cell is None, e.g. a unit that has not reported)."""
    got = [values.get(k) for k in ind.keys]
    if all(v is None for v in got):
        return None
    zero: Number = Decimal(0) if ind.type == "decimal" else 0
    return sum((v for v in got if v is not None), start=zero)


# --------------------------------------------------------------------------- one input file


@dataclass
class Entry:
    """One input file and what the consolidation made of it."""

    result: FileResult
    unit: Unit | None
    """The roster unit it is a return of (None: foreign, unidentified, skipped or mismatched)."""
    role: str
    """COUNTED, REJECTED, SUPERSEDED, UNDECIDED, FOREIGN, UNIDENTIFIED, SKIPPED or MISMATCHED."""
    sha256: str
    mtime: float | None
    fill_time: datetime | None
    evaluated: Evaluated | None = None
    superseded_by: str | None = None
    included_invalid: bool = False
    """Counted although it has errors (include_invalid)."""
    newest_by: dict[str, str] | None = None
    """For a unit that sent several files: how the one that decides its status was chosen ({'zh', 'en'}
    labels: 按工作簿保存时间, 按文件修改时间（不可靠）…), or why none could be."""
    undecided: bool = False
    """One of several returns of a unit that differ and cannot be put in order: none is counted (the first by
    name stands for the unit, REJECTED; the others are UNDECIDED)."""
    content_unit: Unit | None = None
    """MISMATCHED: the roster unit the content names."""
    named_unit: Unit | None = None
    """MISMATCHED: the roster unit the file name names."""
    coverage: dict[str, Any] | None = None
    """A lower level's summary: what it covers, as its metadata records it (`coverage_of`); None for a unit's
    return, and for a summary made by an xltool that did not record it (`summary` tells the two apart)."""

    @property
    def summary(self) -> bool:
        """The file is a lower level's summary (a district's, given to the city)."""
        return is_consolidation(self.report)

    @property
    def file(self) -> str:
        return self.result.file

    @property
    def report(self) -> UnitReport | None:
        return self.result.report

    @property
    def received(self) -> datetime | None:
        return datetime.fromtimestamp(self.mtime) if self.mtime is not None else None


# --------------------------------------------------------------------------- the result


@dataclass
class Consolidation:
    """A consolidation run: the totals, who reported, what is wrong, all as DataFrames."""

    form: Form
    year: int | None
    unit_name: str
    roster: Roster
    entries: list[Entry]
    report: UnitReport
    """The consolidated report: summed inputs, meta level=consolidation and the members."""
    evaluated: Evaluated
    """`evaluate()` of `report`: the totals re-derived on the sum."""
    member_sum: dict[str, Number]
    """Cell key -> the explicit sum of the counted members' own values (their totals as they stand)."""
    csum: list[Finding]
    """C-SUM: findings about the consolidated result itself (empty when it is right)."""
    totals: pd.DataFrame
    status: pd.DataFrame
    files: pd.DataFrame
    findings: pd.DataFrame
    indicators: tuple[Indicator, ...]
    group_by: str | None = None
    prior_values: dict[str, Number] | None = None
    """Last year's district values (cell key -> number), when prior data were given."""
    options: dict[str, Any] = field(default_factory=dict)
    notices: list[Finding] = field(default_factory=list)
    """Warnings about the run itself, not a unit's file nor C-SUM: nothing counted (CONS-EMPTY), no name for the
    consolidation (CONS-UNIT-NAME)."""

    # Built on first use: over 10,000 units the long table has two million rows (and the wide one two
    # million cells), which a run that only writes the summary workbook must not pay for in memory.

    @cached_property
    def units(self) -> pd.DataFrame:
        """Wide: one row per roster unit (identity, status, file) and one column per cell key."""
        return _units_frame(self.form, self.roster, self.entries)

    @cached_property
    def long(self) -> pd.DataFrame:
        """The tidy long table (LONG_COLUMNS): one row per counted unit and cell."""
        return _long_frame(self.form, self.counted_entries())

    @property
    def ok(self) -> bool:
        """True when C-SUM passes."""
        return not any(f.severity == "error" for f in self.csum)

    @property
    def empty(self) -> bool:
        """No unit is counted: the totals are all 0 and no summary is worth writing (CONS-EMPTY)."""
        return not any(e.role == COUNTED for e in self.entries)

    @cached_property
    def coverage(self) -> dict[str, Any]:
        """What this consolidation covers (`summary_coverage`): written into the summary's metadata, so that the
        level above sees a summary that misses units or counts returns with errors."""
        return summary_coverage(self)

    @property
    def counts(self) -> dict[str, int]:
        s = self.status["status"].tolist()
        received = len(s) - s.count(MISSING)
        return {
            "expected": len(s),
            "received": received,
            "passed": s.count(PASSED),
            "warnings": s.count(WARNINGS),
            "errors": s.count(ERRORS),
            "missing": s.count(MISSING),
            "counted": sum(1 for e in self.entries if e.role == COUNTED),
            "foreign": sum(1 for e in self.entries if e.role == FOREIGN),
            "superseded": sum(1 for e in self.entries if e.role == SUPERSEDED),
            "undecided": sum(1 for e in self.entries if e.role == UNDECIDED),
            "unidentified": sum(1 for e in self.entries if e.role == UNIDENTIFIED),
            "skipped": sum(1 for e in self.entries if e.role == SKIPPED),
            "mismatched": sum(1 for e in self.entries if e.role == MISMATCHED),
        }

    def status_line(self, lang: str = "zh") -> str:
        """`应报 36｜已收 33｜通过 29｜仅警告 2｜有错误 2｜未报 3` (English with lang='en')."""
        c = self.counts
        if lang == "en":
            return (
                f"expected {c['expected']} | received {c['received']} | passed {c['passed']} | "
                f"warnings only {c['warnings']} | errors {c['errors']} | not reported {c['missing']}"
            )
        return (
            f"应报 {c['expected']}｜已收 {c['received']}｜通过 {c['passed']}｜仅警告 {c['warnings']}｜"
            f"有错误 {c['errors']}｜未报 {c['missing']}"
        )

    def counted_line(self, lang: str = "zh") -> str:
        """How many units the totals are made of, the files left out, and the files skipped (no report at all)."""
        c = self.counts
        extra = []
        if lang == "en":
            for k, label in (
                ("foreign", "not in roster"),
                ("superseded", "superseded"),
                ("undecided", "cannot be put in order"),
                ("unidentified", "unread"),
                ("mismatched", "name and content differ"),
            ):
                if c[k]:
                    extra.append(f"{label} {c[k]}")
            n = c["skipped"]
            skipped = f"; skipped {n} file{'s' if n > 1 else ''} that {'are' if n > 1 else 'is'} no report" if n else ""
            return (
                f"counted {c['counted']} unit{'' if c['counted'] == 1 else 's'}"
                + (f" (files left out: {', '.join(extra)})" if extra else "")
                + skipped
            )
        for k, label in (
            ("foreign", "名单外"),
            ("superseded", "已被替代"),
            ("undecided", "无法判断先后"),
            ("unidentified", "无法识别单位"),
            ("mismatched", "文件名与内容不符"),
        ):
            if c[k]:
                extra.append(f"{label} {c[k]}")
        skipped = f"；另跳过 {c['skipped']} 个不是报表的文件" if c["skipped"] else ""
        return f"计入汇总 {c['counted']} 个单位" + (f"（未计入的文件：{'，'.join(extra)}）" if extra else "") + skipped

    @property
    def missing_units(self) -> list[str]:
        return self.status.loc[self.status["status"] == MISSING, "name"].tolist()

    def counted_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.role == COUNTED]

    def indicator_table(self) -> pd.DataFrame:
        """One row per roster unit (roster order), one column per key indicator; None where not counted."""
        import pandas as pd

        by_code = {e.unit.code: e for e in self.counted_entries() if e.unit}
        rows = []
        for u in self.roster.units:
            e = by_code.get(u.code)
            vals = e.evaluated.values if e and e.evaluated else {}
            rows.append([indicator_value(ind, vals) if e else None for ind in self.indicators])
        idx = pd.Index([u.code for u in self.roster.units], name="code")
        return pd.DataFrame(rows, index=idx, columns=[ind.header for ind in self.indicators], dtype=object)

    def indicator_totals(self, values: dict[str, Number | None] | None = None) -> list[Number | None]:
        vals = self.evaluated.values if values is None else values
        return [indicator_value(ind, vals) for ind in self.indicators]

    def subtotals(self, by: str | None = None) -> pd.DataFrame:
        """Key indicators per roster category (部门 / 街道) of the counted units, with 应报/计入 counts."""
        import pandas as pd

        by = by or self.group_by or "category"
        table = self.indicator_table()
        cats = {u.code: (getattr(u, by, "") or "（未分类）") for u in self.roster.units}
        counted = {e.unit.code for e in self.counted_entries() if e.unit}
        order: list[str] = []
        for u in self.roster.units:
            if cats[u.code] not in order:
                order.append(cats[u.code])
        rows = []
        for cat in order:
            codes = [c for c in table.index if cats[c] == cat]
            sub = table.loc[codes]
            row: list[Any] = [cat, len(codes), sum(1 for c in codes if c in counted)]
            for ind, col in zip(self.indicators, sub.columns, strict=True):
                zero: Number = Decimal(0) if ind.type == "decimal" else 0
                row.append(sum((v for v in sub[col] if v is not None), start=zero))
            rows.append(row)
        cols = ["group", "expected", "counted"] + [ind.header for ind in self.indicators]
        return pd.DataFrame(rows, columns=cols, dtype=object)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The run as plain JSON-able data (for --json)."""
        from xltool.findings import _plain

        def plain_records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: _json_value(v) for k, v in rec.items()} for rec in df.to_dict(orient="records")]

        return {
            "form": self.form.id,
            "year": self.year,
            "unit": self.unit_name,
            "ok": self.ok,
            "status_line": self.status_line(lang),
            "counts": self.counts,
            "missing": self.missing_units,
            "coverage": self.coverage,
            "notices": [f.to_dict(lang) for f in self.notices],
            "csum": [f.to_dict(lang) for f in self.csum],
            "totals": {k: _plain(v) for k, v in self.evaluated.values.items()},
            "status": plain_records(self.status),
            "files": plain_records(self.files),
            "findings": plain_records(self.findings.drop(columns=["message"])),
        }


def _json_value(v: Any) -> Any:
    from xltool.findings import _plain

    if isinstance(v, datetime):
        return v.isoformat(timespec="seconds")
    if isinstance(v, float) and math.isnan(v):
        return None
    return _plain(v)


# --------------------------------------------------------------------------- helpers


def _sha256(path: str | Path, report: UnitReport | None) -> str:
    if report is not None and report.source.get("sha256"):
        return str(report.source["sha256"])
    try:
        return sha256_file(path)
    except OSError:
        return ""


def _mtime(path: str | Path) -> float | None:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return None


def _parse_time(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.astimezone()
    if not isinstance(v, str) or not v.strip():
        return None
    try:
        t = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.astimezone()


def fill_time(report: UnitReport | None) -> datetime | None:
    """When a return was filled in, from its metadata (see FILL_TIME_KEYS), or None."""
    if report is None:
        return None
    for key in FILL_TIME_KEYS:
        for where in (report.meta, report.source):
            t = _parse_time(where.get(key))
            if t is not None:
                return t
    return None


def is_consolidation(report: UnitReport | None) -> bool:
    """A report that is itself a consolidation (a district summary given to the city)."""
    if report is None:
        return False
    return report.meta.get("level") == "consolidation" or bool(report.meta.get("consolidation"))


def members_of(report: UnitReport) -> list[dict[str, Any]]:
    """The member list a consolidated report carries (metadata may hold it as a JSON string)."""
    m = report.meta.get("members")
    if m is None and isinstance(report.meta.get("consolidation"), dict):
        m = report.meta["consolidation"].get("members")  # as the workbook reader gives it
    if isinstance(m, str):
        try:
            m = json.loads(m)
        except ValueError:
            return []
    return [x for x in m if isinstance(x, dict)] if isinstance(m, list) else []


# --------------------------------------------------------------------------- what a summary covers

COVERAGE_NAMES = 50
"""At most this many unit names per list in a summary's coverage (the counts are always whole)."""


def summary_coverage(cons: Consolidation) -> dict[str, Any]:
    """What a consolidation covers, as its summary's metadata records it (`_xltool` coverage, JSON):

    `expected` (应报), `received` (已收), `counted` (计入), `missing` (未报), `errors` (units whose return has
    errors, counted or not), `errors_left_out` (有错误未计入), `other_left_out` (received, not counted for
    another reason: unexplained warnings, returns that cannot be put in order), `included_invalid` (counted
    with errors, --include-invalid) and the option itself (`include_invalid`), the names of the units behind
    each list (at most COVERAGE_NAMES a list), `partial_members`: counted lower-level summaries that are
    themselves incomplete or count returns with errors (a city summary passes its districts' gaps on to the
    province), and `unknown_members`: counted summaries that do not say what they cover.
    """
    c = cons.counts
    records = cons.status.to_dict(orient="records")
    below = [e for e in cons.entries if e.role == COUNTED and e.unit is not None and e.summary]

    def names(pick: Callable[[dict[str, Any]], bool]) -> list[str]:
        return [r["name"] for r in records if pick(r)][:COVERAGE_NAMES]

    partial = [e.unit.name for e in below if e.coverage is not None and not coverage_complete(e.coverage)]
    unknown = [e.unit.name for e in below if e.coverage is None]
    errors_out = sum(1 for r in records if r["status"] == ERRORS and not r["counted"])
    invalid = sum(1 for r in records if r["included_invalid"])
    return {
        "expected": c["expected"],
        "received": c["received"],
        "counted": c["counted"],
        "missing": c["missing"],
        "errors": c["errors"],
        "errors_left_out": errors_out,
        "other_left_out": sum(1 for r in records if r["status"] != MISSING and not r["counted"]) - errors_out,
        "included_invalid": invalid,
        "include_invalid": bool(cons.options.get("include_invalid")),
        "accepted_only": bool(cons.options.get("accepted_only")),
        "missing_units": names(lambda r: r["status"] == MISSING),
        "left_out_units": names(lambda r: r["status"] != MISSING and not r["counted"]),
        "invalid_units": names(lambda r: bool(r["included_invalid"])),
        "partial_members": partial[:COVERAGE_NAMES],
        "partial_count": len(partial),
        "unknown_members": unknown[:COVERAGE_NAMES],
    }


def coverage_complete(cov: dict[str, Any] | None) -> bool:
    """Every expected unit counted, none with errors, no incomplete summary below; False when unknown."""
    if not cov:
        return False
    return (
        _int(cov.get("counted")) >= _int(cov.get("expected"))
        and not _int(cov.get("included_invalid"))
        and not _int(cov.get("partial_count", len(cov.get("partial_members") or ())))
    )


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def coverage_of(report: UnitReport | None, file: str | Path | None = None) -> dict[str, Any] | None:
    """A summary's coverage (`summary_coverage`) from its metadata, or None: not a summary, or one made by an
    xltool that did not record it.

    Read from `report.meta["coverage"]` (a consolidation made here, its interchange JSON) or the workbook
    reader's `meta["consolidation"]`; when the reader did not carry the key over, from the workbook's metadata
    sheet itself (`metadata.read_metadata`, `file`)."""
    if report is None or not is_consolidation(report):
        return None
    raw = report.meta.get("coverage")
    inner = report.meta.get("consolidation")
    if raw is None and isinstance(inner, dict):
        raw = inner.get("coverage")
        if "coverage" not in inner and file is not None and Path(file).suffix.lower() in (".xlsx", ".xlsm"):
            from xltool.metadata import read_metadata

            raw = (read_metadata(file) or {}).get("coverage")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else None
        except ValueError:
            return None
    if not isinstance(raw, dict) or not isinstance(raw.get("expected"), int):
        return None
    return raw


def coverage_text(cov: dict[str, Any] | None, lang: str = "zh") -> str:
    """A summary's coverage in a few words: 应报 5，计入 4（未报 1）; 未知 for a summary that does not say."""
    en = lang == "en"
    if not cov:
        return "unknown (made by an older xltool)" if en else "未知（较早版本的 xltool 生成，未记录）"
    parts = [
        (cov.get("missing"), "未报", "not reported"),
        (cov.get("errors_left_out"), "有错误未计入", "left out for errors"),
        (cov.get("other_left_out"), "其他未计入", "left out otherwise"),
        (cov.get("included_invalid"), "含错误计入", "counted with errors"),
    ]
    extra = [f"{en_w} {n}" if en else f"{zh} {n}" for n, zh, en_w in parts if _int(n)]
    partial = [str(x) for x in cov.get("partial_members") or []]
    unknown = [str(x) for x in cov.get("unknown_members") or []]
    if en:
        text = f"expected {cov['expected']}, counted {_int(cov.get('counted'))}"
        text += f" ({', '.join(extra)})" if extra else ""
        text += f"; incomplete below: {', '.join(partial)}" if partial else ""
        return text + (f"; coverage unknown below: {', '.join(unknown)}" if unknown else "")
    text = f"应报 {cov['expected']}，计入 {_int(cov.get('counted'))}" + (f"（{'，'.join(extra)}）" if extra else "")
    text += f"；下级不完整：{'、'.join(partial)}" if partial else ""
    return text + (f"；下级范围未知：{'、'.join(unknown)}" if unknown else "")


def _flag_coverage(e: Entry) -> None:
    """A lower level's summary that leaves units out, counts returns with errors, or does not say: its warning
    (SUMMARY-INCOMPLETE, SUMMARY-INVALID-INCLUDED) or note (SUMMARY-COVERAGE-UNKNOWN)."""
    cov = e.coverage = coverage_of(e.report, e.file)
    if cov is None:
        e.result = _with(e.result, [tool_finding("SUMMARY-COVERAGE-UNKNOWN")])
        return
    extra: list[Finding] = []
    expected, counted = _int(cov.get("expected")), _int(cov.get("counted"))
    partial = list(cov.get("partial_members") or [])
    n_partial = _int(cov.get("partial_count", len(partial)))
    if counted < expected or n_partial:
        why_zh, why_en = [], []
        for n, zh, en in (
            (cov.get("missing"), "未报", "not reported"),
            (cov.get("errors_left_out"), "有错误未计入", "left out for errors"),
            (cov.get("other_left_out"), "其他原因未计入", "left out otherwise"),
        ):
            if _int(n):
                why_zh.append(f"{zh} {_int(n)} 个")
                why_en.append(f"{en} {_int(n)}")
        if counted < expected:
            what = {
                "zh": f"应报 {expected} 个单位，计入 {counted} 个" + (f"（{'，'.join(why_zh)}）" if why_zh else ""),
                "en": f"{counted} of {expected} units counted" + (f" ({', '.join(why_en)})" if why_en else ""),
            }
        else:
            what = {
                "zh": f"计入的下级汇总表中有 {n_partial} 个不完整",
                "en": f"{n_partial} of its summaries are incomplete",
            }
        details: dict[str, list[str]] = {"zh": [], "en": []}
        for key, zh, en in (
            ("missing_units", "未报", "Not reported"),
            ("left_out_units", "已收未计入", "Received, not counted"),
            ("partial_members", "下级汇总不完整", "Incomplete summaries below"),
        ):
            got = [str(x) for x in cov.get(key) or []]
            if got:
                details["zh"].append(f"{zh}：{'、'.join(got)}")
                details["en"].append(f"{en}: {', '.join(got)}")
        extra.append(tool_finding("SUMMARY-INCOMPLETE", what=what, details=details))
    if _int(cov.get("included_invalid")):
        got = [str(x) for x in cov.get("invalid_units") or []]
        details = {"zh": [f"含错误计入：{'、'.join(got)}"], "en": [f"Counted with errors: {', '.join(got)}"]}
        extra.append(
            tool_finding(
                "SUMMARY-INVALID-INCLUDED", count=_int(cov["included_invalid"]), details=details if got else None
            )
        )
    if extra:
        e.result = _with(e.result, extra)


def _name_example(roster: Roster) -> str:
    """An example --unit-name for CONS-UNIT-NAME: the place most units begin with, else a placeholder."""
    counts: Counter[str] = Counter()
    for u in roster.units:
        counts.update(_leading_places(u.name))
    best = max(counts, key=lambda p: (counts[p], len(p)), default="")
    return best if best and counts[best] >= 2 else "某市某区"


def _empty_notice(entries: list[Entry], year: int | None) -> Finding:
    """CONS-EMPTY: why no unit is counted, and what to try (the year the files are of, the roster)."""
    reports = [e.report for e in entries if e.report is not None]
    years = {r.year for r in reports if r.year}
    received = [e for e in entries if e.unit is not None and e.role in (COUNTED, REJECTED)]
    if reports and year is not None and len(years) == 1 and year not in years:
        (other,) = years
        why = {
            "zh": f"{len(reports)} 个文件均为 {other} 年度，本次汇总的是 {year} 年度",
            "en": f"all {len(reports)} files are of {other}; this consolidation is of {year}",
        }
        hint = {
            "zh": f"所有文件均为 {other} 年度，是否应为 --year {other}？",
            "en": f"Every file is of {other}: did you mean --year {other}?",
        }
    elif not entries:
        why = {"zh": "没有可读取的文件", "en": "no file to read"}
        hint = {"zh": "请检查给出的文件或文件夹。", "en": "Check the files or folders given."}
    elif not received:
        why = {"zh": "没有一个文件属于名单中的单位", "en": "no file is of a unit in the roster"}
        hint = {
            "zh": "请检查 --roster 是否是这些文件所属单位的名单，以及给出的文件夹是否正确。",
            "en": "Check that --roster lists the units these files are from, and that the folder is the right one.",
        }
    else:
        why = {
            "zh": f"名单中 {len(received)} 个单位的报送都有错误或未通过，均未计入",
            "en": f"the returns of all {len(received)} units received have errors or were not accepted",
        }
        hint = {
            "zh": "请让单位改正后重新报送；如确需先汇总，可加 --include-invalid（汇总表中会标出）。",
            "en": "Have the units correct their returns; to consolidate anyway, add --include-invalid "
            "(marked in the summary).",
        }
    return tool_finding("CONS-EMPTY", why=why, hint=hint)


def _unit_of(report: UnitReport, roster: Roster) -> Unit | None:
    """The roster unit a report's own unit fields name (`identity.content_unit`: the name, also without the
    district prefix, then the code)."""
    from xltool.identity import content_unit

    return content_unit(report, roster)


UNNAMED = "汇总"
"""The consolidation's name when neither --unit-name nor the roster gives one (CONS-UNIT-NAME says so)."""

_PLACE = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:自治州|自治区|自治县|省|市|区|县|旗|盟)")
"""One place name at the start of a unit name (烟台市, 芝罘区): Chinese characters up to a level word."""
MAJORITY = 2 / 3
"""The share of a roster's units that must begin with a place for it to name the consolidation."""


def _leading_places(name: str) -> list[str]:
    """The place prefixes a unit name begins with, shortest first: 烟台市芝罘区科学技术局 -> [烟台市, 烟台市芝罘区]."""
    s = normalize_name(name)
    out: list[str] = []
    at = 0
    while len(out) < 4:
        m = _PLACE.match(s, at)
        if m is None or m.end() - at < 2:
            break
        at = m.end()
        out.append(s[:at])
    return out


def district_name(roster: Roster) -> str | None:
    """The district's name from its roster: the longest run of places (烟台市芝罘区) that at least two thirds of
    the units' names (and two of them at least) begin with, or None when there is no such clear majority.

    A jointly run 烟台高新技术产业开发区与福山区共建园区… among 烟台市福山区's departments leaves 烟台市福山区 the name;
    a roster of two places' units half and half has none (the clerk gives --unit-name).
    """
    names = [u.name for u in roster.units]
    if len(names) < 2:
        return None
    counts: Counter[str] = Counter()
    for n in names:
        counts.update(_leading_places(n))
    shared = [p for p, k in counts.items() if k >= 2 and k >= MAJORITY * len(names)]
    return max(shared, key=len) if shared else None


def default_unit_name(roster: Roster) -> str:
    """The district's name (`district_name`), or UNNAMED when the roster does not give one."""
    return district_name(roster) or UNNAMED


def _zero(form: Form, key: str) -> Number:
    return Decimal(0) if form.cells[key].type == "decimal" else 0


# --------------------------------------------------------------------------- load and validate


def _load_and_validate(
    items: Sequence[FileResult | str | Path],
    *,
    roster: Roster,
    year: int | None,
    prior: PriorData | None,
    progress: Callable[[str], None] | None,
    jobs: int | None = 1,
    values: dict[int, Any] | None = None,
) -> tuple[list[FileResult], int | None]:
    """Read and validate the files (in `jobs` processes), then check the given results' identity.

    `values`, if given, receives id(report) -> evaluated values of the reports a worker evaluated already.
    """
    from xltool.parallel import resolve_jobs, share_cells
    from xltool.sources import expand_paths, load_any, unique_files
    from xltool.validate import validate_loaded

    given = [x for x in items if isinstance(x, FileResult)]
    # a file named twice (a folder and a file in it) is read once
    paths = unique_files(expand_paths([x for x in items if not isinstance(x, FileResult)]))
    if resolve_jobs(jobs, len(paths)) > 1:
        return _load_and_validate_parallel(
            paths, given, roster=roster, year=year, prior=prior, progress=progress, jobs=jobs, values=values
        )
    loaded = []
    for p in paths:
        loaded.append(load_any(p))
        if progress:
            progress(str(p))
    if year is None:
        year = _campaign_year([lo.report for lo in loaded] + [g.report for g in given])
    # one shared sheet-cell map for every file read at the template's positions (memory over many files)
    results = [share_cells(validate_loaded(lo, prior=prior, roster=roster, year=year)) for lo in loaded]
    return _with_given(results, given, roster, year), year


def _campaign_year(reports: Iterable[UnitReport | None]) -> int | None:
    """The campaign year: the one most returns are for (newest on a tie)."""
    years = Counter(r.year for r in reports if r and r.year)
    return max(years, key=lambda y: (years[y], y)) if years else None


def _load_and_validate_parallel(
    paths: list[Path],
    given: list[FileResult],
    *,
    roster: Roster,
    year: int | None,
    prior: PriorData | None,
    progress: Callable[[str], None] | None,
    jobs: int | None,
    values: dict[int, Any] | None,
) -> tuple[list[FileResult], int | None]:
    """The serial path's results, read on every core: each file is first checked with its own year when
    the campaign year is still to be found, and the few files of another year are checked again."""
    from xltool.parallel import iter_validated, settle_year

    tick = (lambda p: progress(str(p))) if progress else None
    got = list(
        iter_validated(
            paths,
            prior=prior,
            roster=roster,
            year=year,
            own_year=year is None,
            jobs=jobs,
            progress=tick,
            values=values is not None,
            meanwhile=("pandas",),  # the tables below need it: imported while the files are read
        )
    )
    if year is None:
        year = _campaign_year([v.result.report for v in got] + [g.report for g in given])
    results = []
    for v in got:
        r = settle_year(v, year, prior=prior, roster=roster)
        if values is not None and v.values is not None and r.report is not None:
            values[id(r.report)] = v.values
        results.append(r)
    return _with_given(results, given, roster, year), year


def _with_given(
    results: list[FileResult], given: list[FileResult], roster: Roster, year: int | None
) -> list[FileResult]:
    from xltool.identity import identity_findings

    for g in given:
        extra = []
        if g.report is not None:
            have = {f.rule for f in g.findings}
            extra = [f for f in identity_findings(g.report, roster=roster, year=year) if f.rule not in have]
        results.append(FileResult(g.file, g.report, sort_findings(list(g.findings) + extra)) if extra else g)
    return results


def _pick_form(results: list[FileResult], form: Form | str | None) -> Form:
    if isinstance(form, Form):
        return form
    if isinstance(form, str):
        return load_form(form)
    forms = Counter(r.report.form for r in results if r.report is not None)
    return load_form(forms.most_common(1)[0][0]) if forms else load_form()


# --------------------------------------------------------------------------- consolidate


def consolidate(
    results_or_paths: Iterable[FileResult | str | Path],
    roster: Roster,
    *,
    year: int | None = None,
    prior: PriorData | Iterable[str | Path] | None = None,
    accepted_only: bool = False,
    include_invalid: bool = False,
    group_by: str | None = None,
    unit_name: str | None = None,
    unit_code: str | None = None,
    form: Form | str | None = None,
    progress: Callable[[str], None] | None = None,
    jobs: int | None = 1,
) -> Consolidation:
    """Consolidate the returns of a roster's units into the district's report.

    Args:
        results_or_paths: files or folders (read and validated here), or FileResults already validated.
        roster: the units that must report.
        year: the reporting year; None takes the year most returns are for. Returns of another year get
            YEAR-MISMATCH (an error).
        prior: last year's data (PriorData or paths): cross-year rules, and last year's district values.
        accepted_only: count a unit only if it has no error and every warning has a 说明 (explanation);
            by default warnings are counted.
        include_invalid: count units whose return has errors too, and mark them everywhere.
        group_by: a roster attribute (`category`) for the subtotals sheet.
        unit_name: the consolidation's name (default: the common start of the roster names, e.g. 烟台市芝罘区).
        unit_code: the consolidation's code, for a city roster that lists districts by code.
        form: the form to consolidate (default: the form most returns are of).
        progress: called with each file's path as it is read.
        jobs: processes reading and validating the files (`xltool.parallel`): 1 reads them here, 0 or None
            one per usable core. The result is the same either way.

    Returns:
        A Consolidation; `ok` is False when C-SUM fails.
    """
    if prior is not None and not isinstance(prior, PriorData):
        prior = PriorData.from_paths(list(prior))
    known: dict[int, Any] = {}
    results, year = _load_and_validate(
        list(results_or_paths), roster=roster, year=year, prior=prior, progress=progress, jobs=jobs, values=known
    )
    the_form = _pick_form(results, form)
    entries = _assign(
        results, roster, the_form, accepted_only=accepted_only, include_invalid=include_invalid, year=year
    )
    notices: list[Finding] = []
    name = unit_name or district_name(roster)
    if not name:
        name = UNNAMED
        notices.append(tool_finding("CONS-UNIT-NAME", name=name, example=_name_example(roster)))
    counted = [e for e in entries if e.role == COUNTED]
    if not counted:
        notices.append(_empty_notice(entries, year))
    from xltool.parallel import CellValues

    for e in counted:
        # the values only (what is summed and shown), compactly: parsed cells are not kept per unit, so that
        # memory stays flat over thousands of files; a worker evaluated the report already when it read it
        vals = known.pop(id(e.report), None) if not isinstance(form, Form) else None
        if vals is None:
            vals = CellValues.of(the_form, evaluate(the_form, e.report).values)  # type: ignore[arg-type]
        e.evaluated = Evaluated(vals)  # type: ignore[arg-type]
    known.clear()

    # the sum: inputs only; totals are re-derived on it by the engine
    summed: dict[str, Number] = {k: _zero(the_form, k) for k in the_form.input_keys}
    member_sum: dict[str, Number] = {k: _zero(the_form, k) for k in the_form.cells}
    for e in counted:
        for k, v in e.evaluated.values.items():  # type: ignore[union-attr]  # every cell of the form
            if v is None:
                continue  # an invalid value (include_invalid only): its finding says so
            member_sum[k] += v
            if k in summed:
                summed[k] += v
    members = [_member_record(e) for e in counted]
    report = UnitReport(
        form=the_form.id,
        year=year,
        unit_name=name,
        unit_code=unit_code,
        values=dict(summed),
        source={"sheet_cells": dict(sheet_cells(the_form))},
        meta={"level": "consolidation", "members": members},
    )
    ev = evaluate(the_form, report)
    csum = _csum(the_form, report, ev, member_sum, counted)

    prior_values = _prior_values(the_form, prior, roster) if prior is not None else None
    cons = Consolidation(
        form=the_form,
        year=year,
        unit_name=name,
        roster=roster,
        entries=entries,
        report=report,
        evaluated=ev,
        member_sum=member_sum,
        csum=csum,
        totals=_totals_frame(the_form, ev, member_sum),
        status=_status_frame(roster, entries),
        files=_files_frame(entries),
        findings=_findings_frame(entries, csum + notices),
        indicators=indicators(the_form),
        group_by=group_by,
        prior_values=prior_values,
        options={
            "accepted_only": accepted_only,
            "include_invalid": include_invalid,
            "unit_name_from": "option" if unit_name else ("roster" if name != UNNAMED else None),
        },
        notices=notices,
    )
    report.meta["coverage"] = cons.coverage  # into the summary's metadata (summary_xlsx), and its JSON
    return cons


def _member_record(e: Entry) -> dict[str, Any]:
    rep = e.report
    assert rep is not None
    code = e.unit.code if e.unit else rep.unit_code
    name = e.unit.name if e.unit else rep.unit_name
    return {"code": code, "name": name, "sha256": e.sha256, "file": shown_name(Path(e.file).name)}


def _with(result: FileResult, extra: list[Finding]) -> FileResult:
    return FileResult(result.file, result.report, sort_findings(list(result.findings) + extra))


def _assign(
    results: list[FileResult],
    roster: Roster,
    form: Form,
    *,
    accepted_only: bool,
    include_invalid: bool,
    year: int | None = None,
) -> list[Entry]:
    """Give every file its unit and its role (counted, rejected, superseded, undecided, foreign, unidentified,
    skipped, mismatched).

    Its unit is `identity.attribute`'s, as `validate --roster` and `campaign collect` find it: the unit its
    content claims (a claim the roster does not have: foreign, 名单外, whatever its name says); the unit its
    name names confidently only when the content names none (else unidentified) or could not be read.

    A file that is no report at all (FILE-NOT-REPORT) is skipped: its name is not asked which unit it is
    from (a 说明 named T01_测试局_说明.txt is not 测试局's return, and must not supersede it).

    A file whose content is one roster unit's and whose name confidently names another (`name_and_content`)
    is mismatched: the return of neither, so it supersedes none of their files, marks neither as received
    and gives neither its errors; the other unit's own file, if it sent one, counts as usual."""
    from xltool.identity import attribute, claims_unit
    from xltool.sources import is_not_report

    entries: list[Entry] = []
    by_unit: dict[str, list[Entry]] = {}
    for r in results:
        rep = r.report
        if rep is None and is_not_report(r.findings):
            entries.append(Entry(r, None, SKIPPED, _sha256(r.file, None), _mtime(r.file), None))
            continue
        if rep is not None and rep.form != form.id:
            r = _with(r, [tool_finding("CONS-FORM", found=rep.form, expected=form.id)])
        # the content's unit; the file's name only when the content names none or could not be read
        att = attribute(rep, r.findings, r.file, roster)
        unit = att.unit
        named = name_and_content(r, unit, roster)
        if named is not None:
            assert unit is not None
            e = Entry(r, None, MISMATCHED, _sha256(r.file, rep), _mtime(r.file), fill_time(rep))
            e.content_unit, e.named_unit = unit, named
            entries.append(e)
            continue
        e = Entry(r, unit, FOREIGN, _sha256(r.file, rep), _mtime(r.file), fill_time(rep))
        if unit is None:  # a unit the roster does not have, or no unit at all
            e.role = FOREIGN if claims_unit(rep) else UNIDENTIFIED
        else:
            by_unit.setdefault(unit.code, []).append(e)
        entries.append(e)
    for group in by_unit.values():
        # a file that could not be read (a Word file named .xlsx, a damaged copy) beside the unit's readable
        # return is no version of it: set aside with its own reason, not "older" by some time it does not have
        unreadable = [e for e in group if e.report is None]
        if unreadable and len(unreadable) < len(group):
            group = [e for e in group if e.report is not None]
        else:
            unreadable = []
        if len(group) == 1:
            newest = group[0]
        else:
            newest = _settle_duplicates(group, year)
        if newest.summary:  # what a lower level's summary leaves out, before its role is decided (a warning)
            _flag_coverage(newest)
        newest.role = _role(newest, form, accepted_only=accepted_only, include_invalid=include_invalid)
        for e in unreadable:
            e.role, e.superseded_by, e.newest_by = SUPERSEDED, newest.file, dict(UNREADABLE_BASIS)
    _flag_mismatched(entries, year)
    return entries


def name_and_content(r: FileResult, unit: Unit | None, roster: Roster) -> Unit | None:
    """The roster unit a file's name names when its content is another roster unit's (`unit`), else None:
    `validate.name_names_another`, the test `validate --roster` and `campaign collect` (待确认归属) make too."""
    from xltool.validate import name_names_another

    return name_names_another(r.report, unit, r.file, roster)


def _flag_mismatched(entries: list[Entry], year: int | None) -> None:
    """Each mismatched file's finding: both units, what to do, and the content unit's own file when it is the same."""
    from xltool.filenames import unit_filename

    own = {(e.unit.code, e.sha256): e for e in entries if e.unit is not None and e.sha256}
    for e in entries:
        if e.role != MISMATCHED:
            continue
        unit, named = e.content_unit, e.named_unit
        assert unit is not None and named is not None
        rep = e.report
        y = (rep.year if rep is not None else None) or year
        rename = unit_filename(unit.code, unit.name, y, Path(e.file).suffix)  # as `template` names it: no / or :
        details = None
        same = own.get((unit.code, e.sha256))
        if same is not None:
            name = shown_name(Path(same.file).name)
            details = {
                "zh": [f"与“{unit.name}”自己报送的 {name} 内容完全相同"],
                "en": [f"identical to {name}, which “{unit.name}” sent itself"],
            }
        e.result = _with(
            e.result,
            [
                tool_finding(
                    "CONS-NAME-MISMATCH",
                    details=details,
                    file=shown_name(Path(e.file).name),
                    unit=unit.name,
                    unit_code=unit.code,
                    named=named.name,
                    named_code=named.code,
                    rename=rename,
                )
            ],
        )


def newest_return(group: list[Entry], year: int | None = None) -> tuple[list[Entry], dict[str, str] | None]:
    """Which of one unit's returns is the newest: (the candidates left, the basis that last narrowed them).

    One candidate left: it is the newest. A return of the consolidation's `year` beats one of another year.
    Then each basis of TIME_BASES in turn: a basis is used when every candidate has that time, and the
    candidates whose time is the latest (within the basis' tolerance) stay. A basis that some candidate
    lacks is passed over — a fill time is never compared with another file's mtime. More than one
    candidate left means they cannot be put in order (the caller asks the clerk unless they are identical).
    """
    cands = list(group)
    how: dict[str, str] | None = None
    if year is not None:
        of_year = [e for e in cands if e.report is not None and e.report.year == year]
        if of_year and len(of_year) < len(cands):
            cands, how = of_year, YEAR_BASIS
    for basis in TIME_BASES:
        if len(cands) == 1:
            break
        times = [basis.time(e) for e in cands]
        if any(t is None for t in times):
            continue
        top = max(t for t in times if t is not None)
        kept = [e for e, t in zip(cands, times, strict=True) if t is not None and top - t <= basis.tolerance]
        if len(kept) < len(cands):
            cands, how = kept, basis.label()
    return cands, how


UNREADABLE_BASIS = {"zh": "本文件无法读取", "en": "this file could not be read"}
"""Why an unreadable file of a unit that sent a readable one too is set aside (`Entry.newest_by`)."""


def _settle_duplicates(group: list[Entry], year: int | None) -> Entry:
    """Mark a unit's returns superseded but the newest, saying how it was chosen; returns the one that decides
    the unit's status. Returns that differ and cannot be put in order are all left out, flagged for the clerk."""
    group.sort(key=lambda x: Path(x.file).name)  # a stable order for what follows and for the messages
    left, how = newest_return(group, year)
    older_by = how  # what set the others aside
    if len(left) > 1 and _same_content(left):
        older_by = older_by or IDENTICAL_BASIS
        left, how = left[:1], IDENTICAL_BASIS
    newest = left[0]
    undecided = len(left) > 1
    if undecided:  # every one of them flagged; the first (by name) stands for the unit, uncounted (an error)
        names = [shown_name(Path(e.file).name) for e in left]
        why = _why_undecided(left)
        for e in left:
            e.undecided = True
            e.newest_by = {"zh": "无法判断先后", "en": "cannot be put in order"}
            others = "、".join(n for n in names if n != shown_name(Path(e.file).name))
            finding = tool_finding("CONS-DUPLICATE-UNDECIDED", count=len(left), others=others, why=why)
            e.result = _with(e.result, [finding])
            if e is not newest:  # not "superseded": there is no newer file, and none of them is counted
                e.role, e.superseded_by = UNDECIDED, None
    else:
        assert how is not None
        newest.newest_by = how
        newest.result = _with(newest.result, [tool_finding("CONS-NEWEST", total=len(group), basis=how)])
    newer = "、".join(shown_name(Path(e.file).name) for e in left)
    kept = {id(e) for e in left}
    for old in group:
        if id(old) not in kept:  # older than the newest (or than every one of the undecided)
            old.role, old.superseded_by, old.newest_by = SUPERSEDED, newest.file, older_by
            old.result = _with(old.result, [tool_finding("CONS-SUPERSEDED", newer=newer, basis=older_by)])
    return newest


def _same_content(entries: list[Entry]) -> bool:
    """The same bytes, or the same form, year, unit and figures (compared as numbers, `validate.figure`: a
    workbook's 215.950247 and a JSON's Decimal are one figure): no choice to make between them."""
    from xltool.validate import differing_cells

    if len({e.sha256 for e in entries}) == 1 and entries[0].sha256:
        return True
    reps = [e.report for e in entries]
    if any(r is None for r in reps):
        return False
    first = reps[0]
    assert first is not None
    same_identity = all(
        r is not None
        and (r.form, r.year, r.unit_code, r.unit_name) == (first.form, first.year, first.unit_code, first.unit_name)
        for r in reps[1:]
    )
    return same_identity and differing_cells(reps) == 0  # type: ignore[arg-type]


def _why_undecided(entries: list[Entry]) -> dict[str, str]:
    """Why returns cannot be put in order: the times they share, or that they have none to compare."""
    tied = [b for b in TIME_BASES if all(b.time(e) is not None for e in entries)]
    zh = [f"{b.noun_zh}相差不到 {b.tolerance:g} 秒" if b.tolerance else f"{b.noun_zh}相同" for b in tied]
    en = [f"{b.noun_en} within {b.tolerance:g} s" if b.tolerance else f"the same {b.noun_en}" for b in tied]
    if not tied:
        return {"zh": "没有可比较的时间", "en": "no time to compare"}
    return {"zh": "、".join(zh), "en": ", ".join(en)}


def _role(e: Entry, form: Form, *, accepted_only: bool, include_invalid: bool) -> str:
    r = e.result
    if r.report is None or r.report.form != form.id or e.undecided:  # include_invalid picks no file by chance
        return REJECTED
    if not r.valid:
        if include_invalid:
            e.included_invalid = True
            e.result = _with(r, [tool_finding("CONS-INCLUDED-INVALID")])
            return COUNTED
        return REJECTED
    unexplained = [f for f in r.findings if f.severity == "warning" and not f.explanation]
    if accepted_only and unexplained:
        e.result = _with(r, [tool_finding("CONS-UNEXPLAINED", count=len(unexplained))])
        return REJECTED
    return COUNTED


def _csum(
    form: Form, report: UnitReport, ev: Evaluated, member_sum: dict[str, Number], counted: list[Entry]
) -> list[Finding]:
    """Rule C-SUM: the consolidated report passes every rule, equals its members cell by cell, counts no one twice."""
    out = [f for f in check(form, report) if f.severity == "error"]
    rule = next((r for r in form.rules if r.kind == "consolidation"), None)
    refs = sheet_cells(form)
    # a member's value that is unusable (include_invalid only) has its own VALUE-TYPE finding: no comparison
    unknown = {k for e in counted if e.evaluated for k, v in e.evaluated.values.items() if v is None}
    for key, cell in form.cells.items():
        left, right = ev.values.get(key), member_sum.get(key)
        if left == right or key in unknown:
            continue
        t = form.table(cell.table)
        params = {"cell_label": f"{t.name}“{form.label(key)}”", "left": left, "right": right}
        delta = (left or 0) - (right or 0)
        if rule is None:  # a form that declares no consolidation rule is still checked
            out.append(tool_finding("CONS-CELL", delta=abs(delta), **params))
            continue
        out.append(
            Finding(
                rule=rule.id,
                severity=rule.severity,
                title={lang: render(rule.title, lang, delta=abs(delta), **params) for lang in ("zh", "en")},
                table=t.id,
                keys=[key],
                cells=[refs[key]] if key in refs else [],
                values={key: left},
                left=left,
                right=right,
                delta=delta,
                fix={lang: render(rule.fix, lang) for lang in ("zh", "en")},
            )
        )
    return out + _double_counts(counted)


def _double_counts(counted: list[Entry]) -> list[Finding]:
    """A unit counted twice: directly and inside a summary, or inside two summaries (multi-level runs)."""
    seen: dict[str, str] = {}
    out: list[Finding] = []
    for e in counted:
        rep = e.report
        assert rep is not None
        source = rep.unit_name or Path(e.file).name
        recs = members_of(rep) if is_consolidation(rep) else [{"code": rep.unit_code, "name": rep.unit_name}]
        for rec in recs:
            ident = f"code:{rec['code']}" if rec.get("code") else f"name:{normalize_name(rec.get('name') or '')}"
            if ident in seen and seen[ident] != source:
                who = rec.get("name") or rec.get("code")
                out.append(tool_finding("CONS-DOUBLE", member=who, first=seen[ident], second=source))
            seen.setdefault(ident, source)
    return out


def _prior_values(form: Form, prior: PriorData, roster: Roster) -> dict[str, Number] | None:
    """Last year's district values: the sum of last year's returns of the roster's units (one each)."""
    chosen: dict[str, UnitReport] = {}
    for rep in prior.reports:
        u = _unit_of(rep, roster)
        if u is not None and u.code not in chosen:
            chosen[u.code] = rep
    reps = list(chosen.values())
    if not reps:
        # last year's district summary itself
        reps = [r for r in prior.reports if is_consolidation(r)][:1]
    if not reps:
        return None
    out: dict[str, Number] = {}
    for rep in reps:
        try:
            pform = form if rep.form == form.id else load_form(rep.form)
        except Exception:
            continue
        vals = evaluate(pform, rep).values
        for k, v in vals.items():
            if v is not None and k in form.cells:
                out[k] = out.get(k, _zero(form, k)) + v
    return out


# --------------------------------------------------------------------------- frames


def _totals_frame(form: Form, ev: Evaluated, member_sum: dict[str, Number]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for key, c in form.cells.items():
        t = form.table(c.table)
        rows.append(
            {
                "key": key,
                "table": t.id,
                "table_name": t.name,
                "row_key": c.row,
                "row_label": item_label(t, "row", c.row),
                "column_key": c.column,
                "column_label": t.column_map[c.column].label,
                "label": form.label(key),
                "type": c.type,
                "is_total": c.is_total,
                "value": ev.values.get(key),
                "members_sum": member_sum.get(key),
            }
        )
    df = pd.DataFrame(rows).set_index("key")
    df["value"] = df["value"].astype(object)
    df["members_sum"] = df["members_sum"].astype(object)
    return df


def _chosen(entries: list[Entry]) -> dict[str, Entry]:
    """Roster code -> the return that decides the unit's status (its newest)."""
    return {e.unit.code: e for e in entries if e.unit is not None and e.role in (COUNTED, REJECTED)}


def unit_status(e: Entry | None) -> str:
    if e is None:
        return MISSING
    c = e.result.counts
    if c["error"]:
        return ERRORS
    if c["warning"]:
        return WARNINGS
    return PASSED


def _problems(e: Entry, limit: int = 3) -> str:
    """The main problems of a file, one line; then, for a unit that sent several, how its file was chosen."""
    probs = [f for f in e.result.findings if is_problem(f)]
    text = "；".join(f"【{SEVERITY_ZH[f.severity]} {f.rule}】{f.title['zh']}" for f in probs[:limit])
    if len(probs) > limit:
        text += f"；等共 {len(probs)} 项"
    note = next((f.title["zh"] for f in e.result.findings if f.rule == "CONS-NEWEST"), "")
    return "；".join(t for t in (text, note) if t)


def is_problem(f: Finding) -> bool:
    """An error or warning of the file itself: not a note on its role in the consolidation (CONS- 提示/警告),
    but the consolidation's errors about it (another form, returns that cannot be put in order) are."""
    if f.rule.startswith("CONS-"):
        return f.severity == "error"
    return f.severity in ("error", "warning")


def _status_frame(roster: Roster, entries: list[Entry]) -> pd.DataFrame:
    import pandas as pd

    chosen = _chosen(entries)
    # counted once, not per unit: a scan of every entry per roster unit is quadratic over 10,000 units
    superseded = Counter(id(x.unit) for x in entries if x.unit is not None and x.role == SUPERSEDED)
    rows = []
    for u in roster.units:
        e = chosen.get(u.code)
        c = e.result.counts if e else {"error": 0, "warning": 0, "info": 0}
        rows.append(
            {
                "code": u.code,
                "name": u.name,
                "category": u.category,
                "status": unit_status(e),
                "counted": bool(e and e.role == COUNTED),
                "included_invalid": bool(e and e.included_invalid),
                "errors": c["error"],
                "warnings": c["warning"],
                "infos": c["info"],
                "file": e.file if e else None,
                "received": e.received if e else None,
                "filled": e.fill_time if e else None,
                "sha256": e.sha256 if e else None,
                "problems": _problems(e) if e else "",
                "superseded": superseded[id(u)],
                "newest_by": e.newest_by["zh"] if e and e.newest_by else None,
                # a lower level's summary: what it covers (未知 when it does not say); None for a unit's return
                "coverage": coverage_text(e.coverage) if e is not None and e.summary else None,
            }
        )
    df = pd.DataFrame(rows, dtype=object)  # object: None stays None (not NaN), times stay datetime
    return df.astype({c: int for c in ("errors", "warnings", "infos", "superseded")}) if rows else df


def _files_frame(entries: list[Entry]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for e in entries:
        rep = e.report
        c = e.result.counts
        code = e.unit.code if e.unit else (rep.unit_code if rep else None)
        name = e.unit.name if e.unit else (rep.unit_name if rep else None)
        if e.role == MISMATCHED:  # neither unit's file: both are in the columns after
            code, name = None, pending_label(e)
        rows.append(
            {
                "file": e.file,
                "role": e.role,
                "code": code,
                "name": name,
                "unit_in_file": rep.unit_name if rep else None,
                "content_code": e.content_unit.code if e.content_unit else None,
                "content_name": e.content_unit.name if e.content_unit else None,
                "named_code": e.named_unit.code if e.named_unit else None,
                "named_name": e.named_unit.name if e.named_unit else None,
                "year": rep.year if rep else None,
                "form": rep.form if rep else None,
                "level": "consolidation" if is_consolidation(rep) else "unit",
                "errors": c["error"],
                "warnings": c["warning"],
                "received": e.received,
                "filled": e.fill_time,
                "sha256": e.sha256,
                "superseded_by": e.superseded_by,
                "newest_by": e.newest_by["zh"] if e.newest_by else None,
                "problems": _problems(e),
            }
        )
    df = pd.DataFrame(rows, dtype=object)
    return df.astype({"errors": int, "warnings": int}) if rows else df


def _findings_frame(entries: list[Entry], csum: list[Finding]) -> pd.DataFrame:
    import pandas as pd

    cols = [
        "code",
        "unit",
        "category",
        "file",
        "role",
        "rule",
        "severity",
        "table",
        "cells",
        "title",
        "details",
        "fix",
        "explanation",
        "message",
    ]
    rows = []
    for f in csum:
        rows.append(_finding_row(f, "", "（汇总表）", "", "", "consolidation"))
    for e in entries:
        if e.role in (SUPERSEDED, UNDECIDED, SKIPPED):
            # an old version's problems are not the unit's problems, a 说明.txt is nobody's, and of returns that
            # cannot be put in order the one that stands for the unit carries the unit's (the others: 报送情况)
            continue
        rep = e.report
        code = e.unit.code if e.unit else (rep.unit_code if rep else "") or ""
        name = e.unit.name if e.unit else (rep.unit_name if rep else "") or ""
        cat = e.unit.category if e.unit else ""
        if e.role == MISMATCHED:  # neither unit's problems
            code, name = "", pending_label(e)
        for f in e.result.findings:
            rows.append(_finding_row(f, code, name, cat, e.file, e.role))
    return pd.DataFrame(rows, columns=cols, dtype=object)


def pending_label(e: Entry) -> str:
    """Who a mismatched file is from, as a unit column shows it: 待确认（内容属于…，文件名指向…）."""
    from xltool.validate import pending_text

    unit, named = e.content_unit, e.named_unit
    if unit is None or named is None:
        return ""
    return pending_text(unit, named)


def _finding_row(f: Finding, code: str, unit: str, cat: str, file: str, role: str) -> dict[str, Any]:
    return {
        "code": code,
        "unit": unit,
        "category": cat,
        "file": file,
        "role": role,
        "rule": f.rule,
        "severity": f.severity,
        "table": f.table,
        "cells": "、".join(f.cells),
        "title": f.title.get("zh", ""),
        "details": "\n".join(f.details.get("zh", [])),
        "fix": f.fix.get("zh", ""),
        "explanation": f.explanation or "",
        "message": f.message("zh"),
    }


def _units_frame(form: Form, roster: Roster, entries: list[Entry]) -> pd.DataFrame:
    """Wide: one row per roster unit (identity, status, file) and one column per cell key."""
    import pandas as pd

    chosen = _chosen(entries)
    rows = []
    for u in roster.units:
        e = chosen.get(u.code)
        vals: dict[str, Any] = {}
        if e is not None and e.report is not None and e.report.form == form.id:
            ev = e.evaluated or evaluate(form, e.report)
            vals = ev.values
        row: dict[str, Any] = {
            "code": u.code,
            "name": u.name,
            "category": u.category,
            "status": unit_status(e),
            "counted": bool(e and e.role == COUNTED),
            "file": e.file if e else None,
            "sha256": e.sha256 if e else None,
        }
        for k in form.cells:
            row[k] = vals.get(k)
        rows.append(row)
    df = pd.DataFrame(rows, dtype=object)
    return df.set_index("code") if len(df) else df


def _long_frame(form: Form, counted: list[Entry]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for e in counted:
        vals = e.evaluated.values if e.evaluated else {}
        rep = e.report
        assert rep is not None
        for key, c in form.cells.items():
            t = form.table(c.table)
            rows.append(
                (
                    e.unit.name if e.unit else rep.unit_name,
                    e.unit.code if e.unit else rep.unit_code,
                    e.unit.category if e.unit else "",
                    t.id,
                    t.name,
                    c.row,
                    item_label(t, "row", c.row),
                    c.column,
                    t.column_map[c.column].label,
                    key,
                    vals.get(key),
                    e.sha256,
                )
            )
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS), dtype=object)


# --------------------------------------------------------------------------- long table output

_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: Any) -> Any:
    """A text that a spreadsheet would run as a formula (= + - @ …) made inert with a leading apostrophe."""
    if isinstance(text, str) and text.startswith(_INJECTION):
        return "'" + text
    return text


def write_long(cons: Consolidation, path: str | Path) -> Path:
    """Write the long table: `.csv` (UTF-8 with BOM, formula-injection neutralized) or `.parquet`.

    Raises:
        UsageError: another suffix, or Parquet asked for without pyarrow installed.
    """
    from xltool.errors import UsageError
    from xltool.values import format_number

    p = Path(path)
    df = cons.long.copy()
    suffix = p.suffix.lower()
    if suffix == ".csv":
        df["value"] = [format_number(v) if v is not None else "" for v in df["value"]]
        for col in df.columns:
            df[col] = [neutralize(v) for v in df[col]]
        tmp = p.with_name(p.name + ".tmp")
        df.to_csv(tmp, index=False, encoding="utf-8-sig")
        tmp.replace(p)
        return p
    if suffix == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as e:
            raise UsageError(
                "写 Parquet 需要 pyarrow：pip install 'xltool[parquet]'（或 pip install pyarrow），或改用 .csv"
            ) from e
        # exact: counts and amounts alike as decimal(20, 6); never float
        scale = Decimal("0.000001")
        values = [None if v is None else Decimal(v).quantize(scale) for v in df["value"]]
        arrays = {c: pa.array(df[c].tolist(), type=pa.string()) for c in df.columns if c != "value"}
        arrays["value"] = pa.array(values, type=pa.decimal128(20, 6))
        table = pa.table({c: arrays[c] for c in df.columns})
        tmp = p.with_name(p.name + ".tmp")
        pq.write_table(table, tmp)
        tmp.replace(p)
        return p
    raise UsageError(f"--long 只支持 .csv 或 .parquet 文件：{p.name}")
