"""The interchange JSON: one unit's report as data (see shared/spec/interchange.md).

Values are kept exactly as found (numbers, null, strings): the validator decides what they mean.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.errors import InterchangeError
from xltool.schema import Form, load_form

if TYPE_CHECKING:  # pragma: no cover
    from xltool.findings import Finding

DOC_KEYS = {"form", "year", "unit", "values", "source", "explanations", "sections", "meta"}
IMPORT_FINDINGS = "import_findings"
"""`meta` key of the findings an import made (`carry_findings`): a JSON file written by `xltool import` says what
the reading of the published report found (a row not printed, a guessed split), so that validating or
consolidating the JSON reports them as validating the report file itself does."""
_SEVERITIES = ("error", "warning", "info")


@dataclass
class UnitReport:
    """One unit's figures for one year, wherever they came from (JSON, workbook, published report)."""

    form: str
    year: int | None
    unit_name: str
    unit_code: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    """Cell key -> raw value as found (number, None, or string). Absent key: blank."""
    source: dict[str, Any] = field(default_factory=dict)
    """`file`, `sha256`, `sheet_cells` (key -> `表三!D7`) and any reader-specific provenance."""
    explanations: dict[str, str] = field(default_factory=dict)
    """Rule id -> the unit's 说明 for a warning."""
    sections: dict[str, str] = field(default_factory=dict)
    """Prose sections of an imported report: '一' .. '六' -> text."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Template metadata or consolidation details (level, members) carried along."""

    def cell_ref(self, key: str) -> str | None:
        """Where the value was read: `表三!D6` in a workbook, `第3页 表格2 第5行第4列` in a published report."""
        ref = (self.source.get("sheet_cells") or {}).get(key)
        if ref or "cells" not in self.source:
            return ref
        src = (self.source.get("cells") or {}).get(key)
        if not isinstance(src, dict) or "row" not in src:
            return None
        from xltool.importer.mapping import describe_source

        return describe_source(src)

    def to_dict(self) -> dict[str, Any]:
        unit: dict[str, Any] = {"name": self.unit_name}
        if self.unit_code:
            unit["code"] = self.unit_code
        doc: dict[str, Any] = {"form": self.form, "year": self.year, "unit": unit, "values": _jsonable(self.values)}
        for name in ("source", "explanations", "sections", "meta"):
            if getattr(self, name):
                doc[name] = _jsonable(getattr(self, name))
        return doc


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() and obj.as_tuple().exponent >= 0 else float(obj)
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def report_from_dict(doc: Any, where: str = "", form: Form | None = None) -> UnitReport:
    """Check an interchange document and build a UnitReport.

    Raises:
        InterchangeError: the document's shape is wrong or it names cell keys the form does not have.
    """
    pre = f"{where}: " if where else ""
    if not isinstance(doc, dict):
        raise InterchangeError(
            f'{pre}不是一个 JSON 对象（应为 {{"form": ..., "values": {{...}}}}）',
            f'{pre}not a JSON object (expected {{"form": ..., "values": {{...}}}})',
        )
    extra = set(doc) - DOC_KEYS
    if extra:
        names = ", ".join(sorted(extra))
        raise InterchangeError(f"{pre}未知字段 {names}", f"{pre}unknown field(s) {names}")
    form_id = doc.get("form")
    if not isinstance(form_id, str):
        raise InterchangeError(
            f'{pre}缺少 form 字段（例如 "gov-disclosure-2021"）', f'{pre}no form field (e.g. "gov-disclosure-2021")'
        )
    if form is None or form.id != form_id:
        try:
            form = load_form(form_id)
        except Exception as e:
            raise InterchangeError(f"{pre}未知报表格式 form = {form_id!r}", f"{pre}unknown form {form_id!r}") from e
    year = doc.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise InterchangeError(
            f"{pre}year 应为整数年份，实为 {year!r}", f"{pre}year must be a whole year, not {year!r}"
        )
    unit = doc.get("unit") or {}
    if not isinstance(unit, dict) or not isinstance(unit.get("name", ""), str):
        raise InterchangeError(
            f'{pre}unit 应为 {{"name": ..., "code": ...}}', f'{pre}unit must be {{"name": ..., "code": ...}}'
        )
    values = doc.get("values")
    if not isinstance(values, dict):
        raise InterchangeError(f"{pre}缺少 values 对象", f"{pre}no values object")
    unknown = [k for k in values if k not in form.cells]
    if unknown:
        keys = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise InterchangeError(f"{pre}未知单元格键：{keys}", f"{pre}unknown cell key(s): {keys}")
    for k, v in values.items():
        if isinstance(v, (list, dict)):
            kind = type(v).__name__
            raise InterchangeError(
                f"{pre}{k} 的值应为数字、null 或字符串，实为 {kind}",
                f"{pre}the value of {k} must be a number, null or a string, not {kind}",
            )
    meta = doc.get("meta") or {}
    if not isinstance(meta, dict):
        raise InterchangeError(f"{pre}meta 应为 JSON 对象", f"{pre}meta must be a JSON object")
    _check_carried(meta.get(IMPORT_FINDINGS), pre)
    return UnitReport(
        form=form_id,
        year=year,
        unit_name=unit.get("name", "") or "",
        unit_code=unit.get("code"),
        values=dict(values),
        source=dict(doc.get("source") or {}),
        explanations=dict(doc.get("explanations") or {}),
        sections=dict(doc.get("sections") or {}),
        meta=dict(meta),
    )


def _check_carried(entries: Any, pre: str) -> None:
    """`meta.import_findings` is a list of findings (rule, severity, title): a damaged one is refused, not skipped
    (skipping an error would let the report pass)."""
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InterchangeError(f"{pre}meta.{IMPORT_FINDINGS} 应为列表", f"{pre}meta.{IMPORT_FINDINGS} must be a list")
    for i, e in enumerate(entries, 1):
        ok = (
            isinstance(e, dict)
            and isinstance(e.get("rule"), str)
            and e.get("severity") in _SEVERITIES
            and isinstance(e.get("title"), dict)
            and isinstance(e["title"].get("zh"), str)
            and _texts(e["title"], single=True)
            and _optional_fields_ok(e)
        )
        if not ok:
            raise InterchangeError(
                f"{pre}meta.{IMPORT_FINDINGS} 第 {i} 项不完整或有误"
                "（应有 rule、severity、title，其余各项为导入时写入的格式）",
                f"{pre}meta.{IMPORT_FINDINGS} item {i} is incomplete or damaged (rule, severity and title are "
                "required; the rest as the import wrote it)",
            )


def _texts(d: Any, single: bool = False) -> bool:
    """A {lang: text} map (`single`), or a {lang: [lines]} map, of strings only."""
    if not isinstance(d, dict) or not all(isinstance(k, str) for k in d):
        return False
    if single:
        return all(isinstance(v, str) for v in d.values())
    return all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in d.values())


def _optional_fields_ok(e: dict) -> bool:
    """The optional parts of a carried finding, each of the type `carry_findings` writes (a hand-edited JSON
    with `details: ["a"]` or `cells: 5` is refused as JSON-INVALID, never a crash of validate)."""
    lists = all(
        e.get(name) is None or (isinstance(e[name], list) and all(isinstance(x, str) for x in e[name]))
        for name in ("keys", "cells", "unread")
    )
    return (
        lists
        and (e.get("table") is None or isinstance(e["table"], str))
        and (e.get("values") is None or isinstance(e["values"], dict))
        and (e.get("details") is None or _texts(e["details"]))
        and (e.get("fix") is None or _texts(e["fix"], single=True))
    )


_RESOLVED_BY_VALUES = frozenset({"TABLE-MISSING", "TABLE-LABELS-MISSING"})
"""Import findings about cells that were not read: settled once the JSON holds a value for each of them."""


def carry_findings(report: UnitReport, findings: list[Finding]) -> None:
    """Keep the findings of an import in ``report.meta["import_findings"]`` (see `IMPORT_FINDINGS`).

    Each is kept whole (rule, severity, the zh/en title, details and fix, table, keys, values) so that
    `carried_findings` gives back the very finding. A finding about cells the report did not print (TABLE-MISSING,
    TABLE-LABELS-MISSING) also lists them (``unread``): a clerk who types their figures into the JSON settles it;
    REPORT-NO-UNIT / REPORT-NO-YEAR are settled by filling in the unit / the year.
    """
    form = load_form(report.form)
    out = []
    for f in findings:
        entry: dict[str, Any] = {"rule": f.rule, "severity": f.severity, "title": dict(f.title)}
        if f.table:
            entry["table"] = f.table
        for name in ("keys", "cells", "values", "details", "fix"):
            if getattr(f, name):
                entry[name] = _jsonable(getattr(f, name))
        if f.rule in _RESOLVED_BY_VALUES and f.table:
            unread = [k for k in form.input_keys if form.cells[k].table == f.table and k not in report.values]
            if unread:
                entry["unread"] = unread
        out.append(entry)
    if out:
        report.meta[IMPORT_FINDINGS] = out
    else:
        report.meta.pop(IMPORT_FINDINGS, None)


def carried_findings(report: UnitReport) -> list[Finding]:
    """The findings `carry_findings` kept in a report read from JSON, minus those the JSON has since settled.

    Each gets one more line under its headline naming the report file the import read (``source.file``).
    """
    from xltool.findings import Finding

    out = []
    # the published report's name (an imported JSON keeps it, with the kind of file it was)
    file = Path(str(report.source.get("file") or "")).name if report.source.get("kind") else ""
    for e in report.meta.get(IMPORT_FINDINGS) or ():
        rule = e["rule"]
        unread = e.get("unread") or []
        if rule in _RESOLVED_BY_VALUES and unread and all(report.values.get(k) is not None for k in unread):
            continue
        if (rule == "REPORT-NO-UNIT" and report.unit_name) or (rule == "REPORT-NO-YEAR" and report.year):
            continue
        details = {lang: [str(x) for x in lines] for lang, lines in (e.get("details") or {}).items()}
        if file:
            details.setdefault("zh", []).append(f"导入报告 {file} 时发现")
            details.setdefault("en", []).append(f"Found when {file} was imported")
        title = {"zh": e["title"]["zh"], "en": e["title"].get("en") or e["title"]["zh"]}
        out.append(
            Finding(
                rule=rule,
                severity=e["severity"],
                title=title,
                table=e.get("table"),
                keys=list(e.get("keys") or []),
                cells=list(e.get("cells") or []),
                values=dict(e.get("values") or {}),
                details=details,
                fix=dict(e.get("fix") or {}),
            )
        )
    return out


def load_json(path: str | Path) -> UnitReport:
    """Read an interchange JSON file.

    Raises:
        InterchangeError: unreadable, not JSON (with line and column), or not an interchange document. The
            message is Chinese; for another language `xltool.errtext.xltool_error_text(e, lang, name)` renders
            it from the exception's cause (json's or the OS's error).
    """
    from xltool.errtext import json_error_text, os_error_text

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InterchangeError(f"{p.name}: 不是 UTF-8 编码的文本（字节 {e.start}）") from e
    except OSError as e:  # the message in Chinese; errtext.xltool_error_text renders it again from the cause
        raise InterchangeError(f"{p.name}: {os_error_text(e, path='', writing=False)}") from e
    try:
        doc = json.loads(text, parse_float=_float_or_decimal)
    except json.JSONDecodeError as e:
        raise InterchangeError(json_error_text(e, "zh", p.name)) from e
    rep = report_from_dict(doc, p.name)
    rep.source.setdefault("file", str(p))
    return rep


def _float_or_decimal(s: str) -> Any:
    # amounts must not drift: keep the literal as Decimal
    return Decimal(s)


def dump_json(report: UnitReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=1)


def save_json(report: UnitReport, path: str | Path) -> Path:
    """Write a report as interchange JSON (UTF-8), atomically."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(dump_json(report) + "\n", encoding="utf-8")
    tmp.replace(p)
    return p
