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
    """Column widths in cm for an A4 page with 16 cm between the margins."""

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
    return Grid(table_id, t.title, n_rows, lay.width, cells, _widths(t.layout, t.label_columns, lay.width))


def _widths(layout: str, label_columns: int, width: int) -> list[float]:
    total = 16.0
    if layout == "blocks":
        first = 5.5
        return [first] + [(total - first) / (width - 1)] * (width - 1)
    if layout == "matrix" and label_columns == 3:
        labels = [0.6, 1.6, 4.6]
        return labels + [(total - sum(labels)) / (width - 3)] * (width - 3)
    return [total / width] * width


def filled_values(form: Form, report: UnitReport, fill_totals: bool = True) -> dict[str, Any]:
    """The report's values, with absent totals derived from their parts (a published table shows its totals)."""
    values = dict(report.values)
    if fill_totals:
        from xltool.rules import evaluate

        ev = evaluate(form, report)
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
    return ReportDoc(report_title(unit, report.year), unit, report.year, form.id, parts)
