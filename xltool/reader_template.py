"""Read a returned template: who it claims to be, whether its structure is still ours, and its values.

Nothing in the file is believed unchecked: the metadata sheet and the document properties must agree;
every label the values depend on is compared with `xltool.layout` at its position (LibreOffice drops
workbook protection, so a clerk can insert rows); a table whose labels moved is searched for by its
labels instead, and the change is reported with sheet, cell, expected and found text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xltool.findings import Finding, tool_finding
from xltool.layout import col_letter, fingerprint, sheet_cells, sheet_layouts
from xltool.metadata import META_KEYS, META_SHEET, parse_metadata
from xltool.reader_book import Book, Located
from xltool.rules import plural
from xltool.schema.model import Form

PROP_PREFIX = "xltool."
_IDENTITY = ("form", "year", "unit_code", "unit_name", "template_id", "fingerprint")
_FIELD_ZH = {
    "form": "报表格式",
    "year": "报告年度",
    "unit_code": "单位代码",
    "unit_name": "单位名称",
    "template_id": "模板编号",
    "fingerprint": "结构标识",
}


@dataclass
class TemplateMeta:
    meta: dict[str, str]
    """Merged metadata (sheet first, then document properties)."""
    findings: list[Finding] = field(default_factory=list)
    sheet_state: str | None = None
    """State of the metadata sheet (None: it was deleted)."""


def template_meta(book: Book) -> TemplateMeta | None:
    """The template's identity card, or None when the workbook is not one of ours."""
    sh = book.sheet(META_SHEET)
    from_sheet = None
    if sh is not None:
        pairs = [(row[0] if row else None, row[1] if len(row) > 1 else None) for row in sh.rows]
        from_sheet = parse_metadata(pairs)
    props = {k[len(PROP_PREFIX) :]: v for k, v in book.props.items() if k.startswith(PROP_PREFIX)}
    props = {k: v for k, v in props.items() if k in META_KEYS}
    if from_sheet is None and not props.get("form"):
        return None
    out = TemplateMeta(dict(props), sheet_state=sh.state if sh is not None and from_sheet else None)
    if from_sheet is None:
        out.findings.append(tool_finding("TEMPLATE-META-MISSING"))
        return out
    conflicts = [
        k
        for k in _IDENTITY
        if k in props and props[k] != "" and from_sheet.get(k, "") != "" and props[k] != from_sheet[k]
    ]
    out.meta.update({k: v for k, v in from_sheet.items() if v != ""})
    if conflicts:
        zh = "；".join(
            f"{_FIELD_ZH[k]}在隐藏工作表中为“{from_sheet[k]}”，在文件属性中为“{props[k]}”" for k in conflicts
        )
        en = "; ".join(
            f"{k} is “{from_sheet[k]}” in the hidden sheet, “{props[k]}” in the properties" for k in conflicts
        )
        out.findings.append(tool_finding("TEMPLATE-META-CONFLICT", fields={"zh": zh, "en": en}))
    return out


def _label_ok(found: Any, expected: str) -> bool:
    if not isinstance(found, str):
        return False
    if found.strip() == expected:
        return True
    from xltool.labels import normalize  # only for a label that is not exactly the official one

    return normalize(found) == normalize(expected)


@dataclass
class TemplateRead:
    located: dict[str, Located]
    """Table id -> what was read (by position, or by label search where the layout changed)."""
    findings: list[Finding]
    formulas_known: bool
    by_position: set[str]
    """Tables read at their template positions (formula checks apply)."""


def read_tables(book: Book, form: Form) -> TemplateRead:
    """Values of every table: at the template's positions when its labels are intact, else by label search."""
    findings: list[Finding] = []
    located: dict[str, Located] = {}
    by_position: set[str] = set()
    texts = None
    formulas_known = book.kind == "xlsx"
    for tid, lay in sheet_layouts(form).items():
        sh = book.sheet(lay.sheet)
        bad: list[tuple[str, str, Any]] = []
        if sh is None:
            f = tool_finding("TEMPLATE-SHEET-MISSING", sheet=lay.sheet)
            f.table = tid
            findings.append(f)
        else:
            rows = sh.rows
            for lb in lay.labels:
                row = rows[lb.row - 1] if lb.row <= len(rows) else ()
                v = row[lb.col - 1] if lb.col <= len(row) else None
                if v != lb.text and not _label_ok(v, lb.text):
                    bad.append((f"{col_letter(lb.col)}{lb.row}", lb.text, v))
            if bad:
                findings.append(_label_finding(tid, lay.sheet, bad))
        if sh is not None and not bad:
            loc = Located(tid, lay.sheet)
            refs = sheet_cells(form)
            rows = sh.rows
            for key, pos in lay.cells.items():
                row = rows[pos.row - 1] if pos.row <= len(rows) else ()
                loc.values[key] = row[pos.col - 1] if pos.col <= len(row) else None
                loc.cells[key] = refs[key]
                loc.positions[key] = (pos.row, pos.col)
            located[tid] = loc
            by_position.add(tid)
            continue
        # the layout changed: find the table by its labels (in its own sheet first)
        from xltool.reader_loose import locate_table, located_findings, missing_table_finding, sheet_texts

        if texts is None:
            texts = sheet_texts(book)
        loc = None
        if sh is not None and sh.rows:
            own = Book(book.path, book.kind, {sh.name: sh}, book.props)
            loc = locate_table(form, tid, own, {sh.name: texts.get(sh.name, [])})
        if loc is None:
            loc = locate_table(form, tid, book, texts)
        if loc is None:
            findings.append(missing_table_finding(form, tid))
            continue
        located[tid] = loc
        reported = {f"{lay.sheet}!{ref}" for ref, _, _ in bad}
        findings += [
            f for f in located_findings(form, loc, book) if not (f.rule == "LABEL-SIMILAR" and set(f.cells) <= reported)
        ]
    return TemplateRead(located, findings, formulas_known, by_position)


def _label_finding(tid: str, sheet: str, bad: list[tuple[str, str, Any]]) -> Finding:
    f = tool_finding("TEMPLATE-LABEL", sheet=sheet, count={"zh": len(bad), "en": plural(len(bad), "place", "places")})
    f.table = tid
    f.cells = [f"{sheet}!{ref}" for ref, _, _ in bad]
    shown = bad[:12]

    def found(v: Any) -> str:
        return "空白" if v is None else str(v)

    f.details = {
        "zh": [f"{sheet}!{ref}：应为“{exp}”，实为“{found(v)}”" for ref, exp, v in shown]
        + ([f"……共 {len(bad)} 处"] if len(bad) > len(shown) else []),
        "en": [f"{sheet}!{ref}: expected “{exp}”, found “{'blank' if v is None else v}”" for ref, exp, v in shown]
        + ([f"… {len(bad)} in all"] if len(bad) > len(shown) else []),
    }
    f.values = {f"{sheet}!{ref}": v for ref, _, v in shown}
    return f


def fingerprint_finding(form: Form, meta: dict[str, str]) -> Finding | None:
    fp = meta.get("fingerprint")
    if fp and fp != fingerprint(form):
        f = tool_finding("TEMPLATE-FINGERPRINT")
        f.details = {
            "zh": [f"模板中：{fp}；当前：{fingerprint(form)}"],
            "en": [f"In the template: {fp}; current: {fingerprint(form)}"],
        }
        return f
    return None
