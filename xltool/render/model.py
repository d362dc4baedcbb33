"""One unit's data as a report document, before any file format: title, six sections, three table grids.

The tables come from :func:`xltool.layout.sheet_layouts` — the same places, merges and official labels as the
template — so the three writers (docx, html, md) only decide how a grid cell looks, never what it says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xltool.importer.prose import PLACEHOLDER  # marks prose left for the author; the importer reads it as empty
from xltool.interchange import UnitReport
from xltool.layout import TOP, sheet_layouts
from xltool.schema import Form, load_form


@dataclass
class GridCell:
    row: int
    """0-based within the table grid (the header's first row is 0)."""
    col: int
    text: str
    role: str
    """`corner`, `heading`, `header`, `group`, `row` (labels) or `value`."""
    rowspan: int = 1
    colspan: int = 1
    key: str | None = None
    """Cell key of a value."""


@dataclass
class Grid:
    """One table as positioned cells: only the top-left cell of a merge is listed."""

    table: str
    title: str
    n_rows: int
    n_cols: int
    cells: list[GridCell]
    widths: list[float] = field(default_factory=list)
    """Column widths in cm; they add up to the text width of the table's page (:data:`TEXT_WIDTH`)."""
    orientation: str = "portrait"
    """`portrait`, or `landscape` for a table whose headers would not fit on an A4 page upright (表三, 表四)."""
    layout: str = ""
    """The declared layout of the table (`blocks`, `matrix`, `row`: :attr:`xltool.schema.Table.layout`)."""

    def covered(self) -> dict[tuple[int, int], GridCell]:
        """Every (row, col) the table covers -> the cell that covers it."""
        out = {}
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    out[(r, k)] = c
        return out


@dataclass
class Part:
    """One of the six sections: its official heading, then its prose or its table (prose first, if any)."""

    id: str
    heading: str
    paragraphs: list[str]
    table: Grid | None = None
    placeholder: bool = False
    """The paragraphs are the placeholder: nothing was written for this section yet."""


@dataclass
class ReportDoc:
    title: str
    unit: str
    year: int | None
    form: str
    parts: list[Part]
    preamble: list[str] = field(default_factory=list)
    """The opening paragraphs before 一、 (本报告由…编制…), under the title."""


def format_value(v: Any) -> str:
    """A value as the report prints it: numbers plainly (no thousands separators), strings as found, blank ''."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def report_title(unit: str, year: int | None) -> str:
    """'烟台市芝罘区科学技术局2021年政府信息公开工作年度报告'."""
    return f"{unit}{f'{year}年' if year else ''}政府信息公开工作年度报告"


def build_grid(form: Form, table_id: str, values: dict[str, Any]) -> Grid:
    """The table in the official layout, values filled in (cells without a value are empty)."""
    t = form.table(table_id)
    lay = sheet_layouts(form)[table_id]
    cells: list[GridCell] = []
    for lb in lay.labels:
        if lb.role == "title" or lb.row < TOP:
            continue
        cells.append(GridCell(lb.row - TOP, lb.col - 1, lb.text, lb.role, lb.rowspan, lb.colspan))
    for key, pos in lay.cells.items():
        cells.append(GridCell(pos.row - TOP, pos.col - 1, format_value(values.get(key)), "value", 1, pos.colspan, key))
    cells.sort(key=lambda c: (c.row, c.col))
    n_rows = lay.last_row - TOP + 1
    widths, orientation = _widths(t.layout, t.label_columns, lay.width, cells)
    return Grid(table_id, t.title, n_rows, lay.width, cells, widths, orientation, t.layout)


TEXT_WIDTH = {"portrait": 16.0, "landscape": 25.7}
"""cm between the margins: A4 upright with 2.5 cm margins; A4 on its side with 2 cm margins."""
TABLE_FONT_PT = 9.0
"""The font size of a table with more than 4 columns (表三, 表四); the widths below are measured in it."""
_CHAR_CM = TABLE_FONT_PT / 72 * 2.54
"""A CJK character of the table font, in cm."""
_PAD_CM = 0.3
"""Cell margins (2 x 0.07 cm in the Word table) and some air."""
_HEADER_LINE = 6
"""A column header of up to this many characters stays on one line (社会公益组织, 法律服务机构); longer ones wrap."""
_GROUP_LINE = 7
"""A group label of up to this many characters stays on one line (（三）不予公开); a longer one takes two lines
(三、本年度 / 办理结果) rather than one character a line."""
_ROW_LABEL_MIN = 12
"""Characters a line the row labels get at least before the table turns landscape."""
_VALUE_MIN_CM = 1.3
"""A 7-digit count fits on one line."""


def _text_cm(text: str) -> float:
    """The width of a text on one line in the table font (Latin characters and digits half a CJK character)."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text) * _CHAR_CM


def _widths(layout: str, label_columns: int, width: int, cells: list[GridCell]) -> tuple[list[float], str]:
    """Column widths (cm) and the page orientation that lets every header read normally.

    Value columns are as wide as their widest leaf header on one line (all the same width, as in the official
    form); a group label column as wide as its labels on one line, or on two for a long one; the row labels take
    the rest. When that leaves the row labels less than :data:`_ROW_LABEL_MIN` characters a line on an upright
    page, the table is laid out landscape.
    """
    if layout == "blocks":
        total, first = TEXT_WIDTH["portrait"], 5.5
        return [first] + [(total - first) / (width - 1)] * (width - 1), "portrait"
    leaf = [c for c in cells if c.role == "header" and c.colspan == 1 and c.col >= label_columns]
    value = max([_VALUE_MIN_CM] + [_text_cm(c.text[:_HEADER_LINE]) + _PAD_CM for c in leaf])
    n_values = width - label_columns
    groups = []
    for col in range(max(label_columns - 1, 0)):
        texts = [c.text for c in cells if c.role == "group" and c.col == col and c.colspan == 1]
        chars = [len(t) if len(t) <= _GROUP_LINE else -(-len(t) // 2) for t in texts]
        groups.append(max(chars, default=2) * _CHAR_CM + _PAD_CM)
    last = [c.text for c in cells if c.role == "row" and c.col == label_columns - 1 and c.colspan == 1]
    row_min = min(max(map(_text_cm, last), default=0.0), _ROW_LABEL_MIN * _CHAR_CM) + _PAD_CM if label_columns else 0
    row_natural = max(map(_text_cm, last), default=0.0) + _PAD_CM if label_columns else 0
    fixed = sum(groups) + n_values * value
    orientation = "portrait" if fixed + row_min <= TEXT_WIDTH["portrait"] else "landscape"
    room = TEXT_WIDTH[orientation] - fixed
    if not label_columns:
        value += room / n_values
        return [value] * n_values, orientation
    row = max(min(room, row_natural), row_min)
    value += max(room - row, 0.0) / n_values  # what the row labels do not need widens the value columns
    return groups + [row] + [value] * n_values, orientation


def filled_values(form: Form, report: UnitReport, fill_totals: bool = True) -> dict[str, Any]:
    """The report's values as a published table prints them — numbers as read ("１２", "12件" and "1,234" as
    12 and 1234), a blank mark ("/", "—") and a value that is no number as written (the command warns about
    the latter) —, with absent totals derived from their parts (a published table shows its totals)."""
    from xltool.rules import evaluate

    ev = evaluate(form, report)
    values: dict[str, Any] = {}
    for key, raw in report.values.items():
        p = ev.parsed.get(key)
        if p is None or key not in form.cells:
            values[key] = raw
        elif p.status in ("ok", "coerced"):
            values[key] = p.value
        else:
            values[key] = raw  # a blank mark ("/", "—") as the unit wrote it; a value that is no number as written
    if fill_totals:
        for key in ev.derived:
            if values.get(key) is None:
                values[key] = ev.values[key]
    return values


def build_document(report: UnitReport, form: Form | None = None, *, fill_totals: bool = True) -> ReportDoc:
    """The report skeleton: title, the six sections with their official headings, the three tables.

    Prose sections are filled from ``report.sections`` (an imported report) or left as marked placeholders.
    """
    form = form or load_form(report.form)
    values = filled_values(form, report, fill_totals)
    parts = []
    for s in form.sections:
        text = (report.sections.get(s.id) or "").strip()
        paragraphs = [p.strip() for p in text.split("\n") if p.strip() and not p.strip().startswith(PLACEHOLDER)]
        grid = build_grid(form, s.table, values) if s.table else None
        placeholder = not paragraphs and s.prose
        if placeholder:
            paragraphs = [f"{PLACEHOLDER}请在此填写“{s.heading}”的内容。"]
        parts.append(Part(s.id, s.heading, paragraphs, grid, placeholder))
    unit = report.unit_name or "（单位名称）"
    from xltool.importer.extract import PREAMBLE

    opening = [p.strip() for p in (report.sections.get(PREAMBLE) or "").split("\n") if p.strip()]
    return ReportDoc(report_title(unit, report.year), unit, report.year, form.id, parts, opening)
