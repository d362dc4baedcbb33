"""Form -> a locked .xlsx template per unit, with live checks that work in Excel, WPS and LibreOffice.

The workbook: a cover sheet 填报说明 (unit, year, contact inputs, instructions, a live status line), one sheet
per table at the positions of `xltool.layout` (official labels, merged headers, totals as SUM formulas, the
checks of `xltool.template_checks`), and the hidden metadata of `xltool.metadata`. Only input cells are
unlocked (and shaded); every sheet is protected and the workbook structure locked; data validation and
conditional formatting make a wrong figure hard to type and impossible to miss.

`write_template` builds one workbook with openpyxl (≈30 ms). `write_templates` builds one per distinct shape
and patches the unit-specific parts into copies (`xltool.template_zip`), ≈1 ms per unit.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from xltool import __version__
from xltool.filenames import unit_filename
from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport
from xltool.layout import TITLE_ROW, TOP, SheetLayout, col_letter, fingerprint, sheet_layouts
from xltool.metadata import write_metadata
from xltool.schema.model import Form
from xltool.template_checks import (
    DIFF_MARK,
    OK_MARK,
    STATUS_FORMAT,
    SheetChecks,
    carry_pairs,
    compress_refs,
    hint_cell_formula,
    invalid_cell_formula,
    sheet_checks,
    status_total_formula,
    texts,
)
from xltool.template_protect import DEFAULT_PASSWORD, Protection, protection_for

__all__ = [
    "COVER_SHEET",
    "DEFAULT_PASSWORD",
    "carry_pairs",
    "cover_cells",
    "prefill_from_prior",
    "template_filename",
    "write_template",
    "write_templates",
    "write_values",
]

COVER_SHEET = "填报说明"
FONT_NAME = "宋体"
"""SimSun: what Chinese government tables are set in; LibreOffice substitutes a CJK serif where it is missing."""

# Cover rows (column A a label, column B the value). Public through cover_cells() for the reader.
_COVER_ROWS = {
    "unit_name": 3,
    "unit_code": 4,
    "year": 5,
    "contact": 6,
    "phone": 7,
    "date": 8,
    "status": 9,
    "prefilled": 10,
    "explanation": 11,
}
INSTRUCTIONS_HEADINGS = ("填报须知", "How to fill in")
"""The cover's heading over the instructions to a department (zh, en); the summary replaces what it heads."""
_COVER_LABELS = {
    "zh": {
        "unit_name": "填报单位",
        "unit_code": "单位代码",
        "year": "报告年度",
        "contact": "联系人",
        "phone": "联系电话",
        "date": "填报日期",
        "status": "校验状态",
        "prefilled": "上年数据",
        "explanation": "情况说明",
    },
    "en": {
        "unit_name": "Reporting unit",
        "unit_code": "Unit code",
        "year": "Reporting year",
        "contact": "Contact person",
        "phone": "Phone",
        "date": "Date filled in",
        "status": "Checks",
        "prefilled": "Last year's data",
        "explanation": "Explanations",
    },
}
_COVER_INPUTS = ("contact", "phone", "date", "explanation")
_INSTRUCTIONS_ROW = 13

# Colours: inputs light yellow, pre-filled inputs light blue, totals grey; red/green as Excel's presets.
INPUT_FILL = "FFF2CC"
PREFILL_FILL = "DDEBF7"
TOTAL_FILL = "EDEDED"
RED_FILL, RED_FONT = "FFC7CE", "9C0006"
GREEN_FILL, GREEN_FONT = "C6EFCE", "006100"
ORANGE_FILL, ORANGE_FONT = "F4B183", "843C0C"
"""Text the validator reads as a number (a hint, not a failure): clearly orange, unlike the light-yellow inputs."""
GREY_FONT = "808080"


def explanation_labels() -> frozenset[str]:
    """The cover's 情况说明 label in each language (the reader takes the cell beside it as the unit's explanation)."""
    return frozenset(labels["explanation"] for labels in _COVER_LABELS.values())


def cover_cells() -> dict[str, str]:
    """Cover field -> A1 ref on the 填报说明 sheet (unit_name, unit_code, year, contact, phone, date, status, …)."""
    return {k: f"B{r}" for k, r in _COVER_ROWS.items()}


# --------------------------------------------------------------------------- names


def template_filename(unit_code: str | None, unit_name: str, year: int | None) -> str:
    """`<code>_<unit name>_<year>.xlsx`: characters illegal in Windows/Linux file names become "_"; Chinese kept.

    The name part is shortened so that the whole name stays within 240 bytes (ext4 allows 255).
    """
    return unit_filename(unit_code, unit_name, year)


# --------------------------------------------------------------------------- prior data


def prefill_from_prior(form: Form, prior: UnitReport | None, year: int | None) -> tuple[dict[str, Any], list[Finding]]:
    """Values to pre-fill from last year's report (上年结转 = last year's 结转下年度继续办理), and what was skipped."""
    from xltool.layout import sheet_cells
    from xltool.values import parse_value

    if prior is None:
        return {}, []
    findings: list[Finding] = []
    if prior.form != form.id:
        findings.append(tool_finding("PREFILL-FORM", unit=prior.unit_name, found=prior.form, expected=form.id))
        return {}, findings
    if year is not None and prior.year is not None and prior.year != year - 1:
        findings.append(tool_finding("PREFILL-YEAR", unit=prior.unit_name, found=prior.year, expected=year - 1))
        return {}, findings
    refs = sheet_cells(form)
    out: dict[str, Any] = {}
    for _rule, dst, src in carry_pairs(form):
        raw = prior.values.get(src)
        cell = form.cells[src]
        p = parse_value(raw, cell.type, cell.signed)
        if p.status in ("ok", "coerced", "blank") and p.value is not None:  # a blank was 0 last year
            out[dst] = p.value
        else:
            shown = "空白" if raw is None else str(raw)
            findings.append(
                tool_finding(
                    "PREFILL-UNUSABLE", unit=prior.unit_name, label=form.label(src), value=shown, cell=refs[dst]
                )
            )
    return out, findings


class _PriorIndex:
    """Last year's reports by unit code and by normalised name; never guesses (unlike PriorData.find)."""

    def __init__(self, reports: Iterable[UnitReport]):
        from xltool.roster import normalize_name

        self._norm = normalize_name
        self.by_code: dict[str, UnitReport] = {}
        self.by_name: dict[str, UnitReport] = {}
        for r in reports:
            if r.unit_code:
                self.by_code.setdefault(self._norm(r.unit_code).upper(), r)
            if r.unit_name:
                self.by_name.setdefault(self._norm(r.unit_name), r)

    def find(self, code: str | None, name: str) -> UnitReport | None:
        if code and self._norm(code).upper() in self.by_code:
            return self.by_code[self._norm(code).upper()]
        return self.by_name.get(self._norm(name))


def _prior_index(prior: Any) -> _PriorIndex | None:
    """PriorData, a UnitReport, a list of reports, or paths (files or folders) -> an index; None for none."""
    if prior is None:
        return None
    if isinstance(prior, UnitReport):
        return _PriorIndex([prior])
    if hasattr(prior, "reports"):
        return _PriorIndex(prior.reports)
    if isinstance(prior, (str, Path)):
        prior = [prior]
    items = list(prior)
    if all(isinstance(x, UnitReport) for x in items):
        return _PriorIndex(items)
    from xltool.validate import PriorData

    return _PriorIndex(PriorData.from_paths(items).reports)


# --------------------------------------------------------------------------- styles


class _Styles:
    """The template's cell styles by name, for one workbook.

    Setting font, fill, border … on a cell makes openpyxl hash the style objects each time (≈0.2 ms); a
    template has ≈1,000 styled cells. So each named style is set once and its index array copied after.
    """

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        thin = Side(style="thin", color="000000")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        # charset 134 (GB2312) and family 3, as Excel writes 宋体: tells Excel, WPS and LibreOffice to substitute a
        # Chinese font where SimSun is missing (LibreOffice here renders Noto CJK)
        cjk = dict(name=FONT_NAME, charset=134, family=3)
        font = Font(**cjk, size=11)
        bold = Font(**cjk, size=11, bold=True)
        center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        # a label running down many rows, a character a line (text rotation 255: stacked)
        vertical = Alignment(horizontal="center", vertical="center", wrap_text=True, text_rotation=255)
        left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        label_left = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
        left_top = Alignment(horizontal="left", vertical="top", wrap_text=True)
        locked = Protection(locked=True)
        unlocked = Protection(locked=False)
        fill = {n: PatternFill("solid", fgColor=c) for n, c in (("input", INPUT_FILL), ("prefill", PREFILL_FILL))}
        fill["total"] = PatternFill("solid", fgColor=TOTAL_FILL)
        framed = dict(border=border, protection=locked)
        value = dict(font=font, alignment=center, border=border, number_format="General")
        self._specs: dict[str, dict[str, Any]] = {
            # official labels, by layout role
            "title": dict(font=Font(**cjk, size=14, bold=True), alignment=center, protection=locked),
            "heading": dict(font=bold, alignment=center, **framed),
            "header": dict(font=font, alignment=center, **framed),
            "corner": dict(font=Font(**cjk, size=10), alignment=label_left, **framed),
            "group": dict(font=font, alignment=center, **framed),
            "group_vertical": dict(font=font, alignment=vertical, **framed),
            "row": dict(font=font, alignment=label_left, **framed),
            # what the template adds
            "extra": dict(font=bold, alignment=center, **framed),
            "info": dict(font=Font(**cjk, size=10, color="404040"), alignment=left, protection=locked),
            "input": dict(value, fill=fill["input"], protection=unlocked),
            "prefill": dict(value, fill=fill["prefill"], protection=unlocked),
            "total": dict(value, fill=fill["total"], protection=locked),
            "locked": dict(value, protection=locked),
            "check": dict(font=Font(**cjk, size=10, bold=True, color=GREEN_FONT), alignment=center, **framed),
            "status": dict(font=Font(**cjk, size=12, bold=True), alignment=left, number_format=STATUS_FORMAT, **framed),
            "inner": dict(border=border, protection=locked),
            "helper": dict(font=Font(**cjk, size=9, color="808080"), protection=Protection(locked=True, hidden=True)),
            "inner_unlocked": dict(border=border, protection=unlocked),
            # cover
            "cover_value": dict(font=font, alignment=left, **framed),
            "cover_input": dict(font=font, alignment=left, border=border, fill=fill["input"], protection=unlocked),
            "cover_input_top": dict(
                font=font, alignment=left_top, border=border, fill=fill["input"], protection=unlocked
            ),
            "cover_text": dict(font=font, alignment=left_top, protection=locked),
            "subtitle": dict(font=Font(**cjk, size=10, color="404040"), alignment=center, protection=locked),
            "cover_heading": dict(font=bold, alignment=left, protection=locked),
            "cover_status": dict(font=Font(**cjk, size=12, bold=True), alignment=left, **framed),
        }
        self._arrays: dict[str, Any] = {}
        self.red = dict(fill=PatternFill("solid", fgColor=RED_FILL, bgColor=RED_FILL), font=Font(color=RED_FONT))
        self.green = dict(
            fill=PatternFill("solid", fgColor=GREEN_FILL, bgColor=GREEN_FILL), font=Font(color=GREEN_FONT)
        )
        self.orange = dict(
            fill=PatternFill("solid", fgColor=ORANGE_FILL, bgColor=ORANGE_FILL), font=Font(color=ORANGE_FONT)
        )
        self.grey = dict(font=Font(color=GREY_FONT, bold=False))

    def apply(self, cell: Any, name: str) -> None:
        from copy import copy

        arr = self._arrays.get(name)
        if arr is not None:
            cell._style = copy(arr)
            return
        from openpyxl.styles.cell_style import StyleArray

        cell._style = StyleArray()
        for attr, v in self._specs[name].items():
            setattr(cell, attr, v)
        self._arrays[name] = copy(cell._style)


# --------------------------------------------------------------------------- sheets


def _text_width(text: str) -> float:
    """Display width in Excel column units: a CJK character is about two digits wide."""
    w = 0.0
    for ch in text:
        w += 2.1 if unicodedata.east_asian_width(ch) in ("W", "F") else 1.1
    return w


_PAD = 1.5
"""Room for the cell's margins and border, in column units, added to a label's text width."""
_ROW_LABEL_CAP = 46.0
"""Row labels up to this width sit on one line; longer ones (表三's two 其他处理 items) wrap into two."""
_LINE_PT = 14.0
"""Height of one line of 11 pt text, in points."""


def stacked_groups(form: Form, lay: SheetLayout) -> set[tuple[int, int]]:
    """(row, col) of the group labels set as vertical text: the outer label columns of a matrix table
    (“三、本年度办理结果”), when each of their labels runs down enough rows to hold it a character a line."""
    t = form.table(lay.table)
    if t.layout != "matrix":
        return set()
    out: set[tuple[int, int]] = set()
    for level in range(1, t.label_columns):
        groups = [lb for lb in lay.labels if lb.role == "group" and lb.col == level and lb.colspan == 1]
        if groups and all(len(lb.text) * (_LINE_PT + 1) <= lb.rowspan * 20.0 for lb in groups):
            out.update((lb.row, lb.col) for lb in groups)
        else:
            break  # an inner level is set horizontally once an outer one is
    return out


def _column_widths(form: Form, lay: SheetLayout, sc: SheetChecks) -> dict[int, float]:
    """Widths from the labels, so that no label breaks inside a word.

    Group columns of a matrix table hold their labels on one line (or as vertical text when they run down
    many rows); the row-label column holds every row label on one line up to `_ROW_LABEL_CAP`, and the
    longest ones on two; a value column is as wide as its header label.
    """
    t = form.table(lay.table)
    widths: dict[int, float] = {}
    lc = t.label_columns
    for c in range(1, sc.last_col + 1):
        widths[c] = 10.0
    if t.layout == "matrix":
        stacked = stacked_groups(form, lay)
        for level in range(1, lc):
            groups = [lb for lb in lay.labels if lb.role == "group" and lb.col == level and lb.colspan == 1]
            if any((lb.row, lb.col) in stacked for lb in groups):
                widths[level] = 3.6
            else:
                widths[level] = max((_text_width(lb.text) + _PAD for lb in groups), default=10.0)
        rows = [_text_width(lb.text) for lb in lay.labels if lb.role == "row" and lb.col == lc and lb.colspan == 1]
        one_line = max((w for w in rows if w <= _ROW_LABEL_CAP), default=20.0) + _PAD
        two_lines = max((w / 2 + 2 * _PAD for w in rows if w > _ROW_LABEL_CAP), default=0.0)
        widths[lc] = max(one_line, two_lines)
    elif t.layout == "blocks":
        longest = max((_text_width(lb.text) for lb in lay.labels if lb.role == "row"), default=20)
        widths[1] = max(24.0, min(40.0, longest + 4))
        for c in range(lc + 1, lay.width + 1):
            widths[c] = 18.0
    else:  # row: many narrow value columns
        for c in range(1, lay.width + 1):
            widths[c] = 9.5
    # a value column at least as wide as its own header label; a spanning header as wide as its columns
    for lb in sorted((lb for lb in lay.labels if lb.role == "header"), key=lambda lb: lb.colspan):
        need = _text_width(lb.text) + _PAD
        cols = range(lb.col, lb.col + lb.colspan)
        have = sum(widths[c] for c in cols)
        if have < need:
            for c in cols:
                widths[c] += (need - have) / lb.colspan
    for c in sc.check_columns:
        widths[c] = 10.0
    for lb in sc.labels:
        if lb.col in sc.check_columns:
            widths[lb.col] = max(widths[lb.col], _text_width(lb.text) + _PAD)
    return {c: round(w, 1) for c, w in widths.items()}


def _row_heights(
    lay: SheetLayout, sc: SheetChecks, widths: dict[int, float], stacked: set[tuple[int, int]]
) -> dict[int, float]:
    """Explicit heights: Excel does not grow merged wrapped cells, so lines are estimated from the text."""
    heights: dict[int, float] = {}
    for lb in [*lay.labels, *sc.labels]:
        if getattr(lb, "role", "") == "title":
            heights[lb.row] = 30.0
            continue
        if (lb.row, lb.col) in stacked:
            continue
        span_w = sum(widths.get(c, 10.0) for c in range(lb.col, lb.col + lb.colspan)) - 1
        lines = max(1, -(-int(_text_width(lb.text) * 10) // int(max(span_w, 2.0) * 10)))
        need = lines * _LINE_PT + 6.0
        per_row = need / lb.rowspan
        for r in range(lb.row, lb.row + lb.rowspan):
            heights[r] = max(heights.get(r, 20.0), per_row)
    for r in range(lay.first_data_row, sc.last_row + 1):
        heights.setdefault(r, 20.0)
    # the status line holds a sentence and, with text in inputs, where it is: room for two lines
    heights[sc.status_row] = max(heights.get(sc.status_row, 20.0), 36.0)
    return heights


def _merge(ws: Any, row: int, col: int, rowspan: int, colspan: int) -> None:
    """Merge without openpyxl's border re-formatting (slow); `_box` styles the covered cells."""
    if rowspan == 1 and colspan == 1:
        return
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.merge import MergedCellRange

    ref = f"{col_letter(col)}{row}:{col_letter(col + colspan - 1)}{row + rowspan - 1}"
    ws.merged_cells.add(MergedCellRange(ws, ref))
    for r in range(row, row + rowspan):
        for c in range(col, col + colspan):
            if (r, c) != (row, col):
                ws._cells[(r, c)] = MergedCell(ws, row=r, column=c)


def _box(ws: Any, st: _Styles, row: int, col: int, rowspan: int, colspan: int, locked: bool = True) -> None:
    """Borders (and the lock flag) on the covered cells of a merged area, so the frame prints whole."""
    name = "inner" if locked else "inner_unlocked"
    for r in range(row, row + rowspan):
        for c in range(col, col + colspan):
            if (r, c) != (row, col):
                st.apply(ws.cell(row=r, column=c), name)


def info_text(unit_name: str, unit_code: str | None, year: int | None, lang: str = "zh") -> str:
    """The line under each table's title naming the unit and year."""
    if lang == "en":
        parts = [f"Unit: {unit_name}"] + ([f"Code: {unit_code}"] if unit_code else []) + [f"Year: {year}"]
        return "    ".join(parts)
    parts = [f"填报单位：{unit_name}"] + ([f"单位代码：{unit_code}"] if unit_code else []) + [f"报告年度：{year}年"]
    return "　　".join(parts)


def _info_formula(lang: str) -> str:
    """A blank template's info line: it shows what is typed on the cover."""
    name, code, year = (cover_cells()[k] for k in ("unit_name", "unit_code", "year"))
    c = "'" + COVER_SHEET + "'!"
    if lang == "en":
        return f'="Unit: "&{c}{name}&"    Code: "&{c}{code}&"    Year: "&{c}{year}'
    return f'="填报单位："&{c}{name}&"　　单位代码："&{c}{code}&"　　报告年度："&IF({c}{year}="","",{c}{year}&"年")'


def _put(ws: Any, st: _Styles, row: int, col: int, value: Any, style: str, rowspan: int = 1, colspan: int = 1) -> Any:
    """A styled (and possibly merged) cell; the covered cells of a merge get the frame and the lock flag."""
    cell = ws.cell(row=row, column=col)
    if value is not None:
        cell.value = value
    st.apply(cell, style)
    _merge(ws, row, col, rowspan, colspan)
    if style not in ("title", "info", "subtitle", "cover_text", "cover_heading"):
        _box(ws, st, row, col, rowspan, colspan, locked=style not in ("input", "prefill"))
    return cell


def _table_sheet(wb: Any, form: Form, lay: SheetLayout, sc: SheetChecks, st: _Styles, lang: str) -> Any:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.worksheet.datavalidation import DataValidation

    t = form.table(lay.table)
    tx = texts(lang)
    ws = wb.create_sheet(lay.sheet)
    ws.sheet_properties.tabColor = "4472C4"
    widths = _column_widths(form, lay, sc)
    for c, w in widths.items():
        ws.column_dimensions[col_letter(c)].width = w
    stacked = stacked_groups(form, lay)
    # official labels, at their layout positions
    for lb in lay.labels:
        style = "group_vertical" if (lb.row, lb.col) in stacked else lb.role
        _put(ws, st, lb.row, lb.col, lb.text, style, lb.rowspan, lb.colspan)
    # the info line under the title (unit, code, year): filled in by write_identity
    _put(ws, st, TITLE_ROW + 1, 1, None, "info", 1, lay.width)
    # value cells: inputs shaded and unlocked, totals as SUM formulas
    for key, pos in lay.cells.items():
        c = form.cells[key]
        formula = "=SUM(" + ",".join(compress_refs([lay.cells[p] for p in c.totals[0]])) + ")" if c.is_total else None
        _put(ws, st, pos.row, pos.col, formula, "total" if c.is_total else "input", 1, pos.colspan)
    # checks: red with the cells of a failing item; orange when text keeps it from adding up; grey while
    # it waits for this year's figures
    for lb in sc.labels:
        _put(ws, st, lb.row, lb.col, lb.text, "extra", lb.rowspan, lb.colspan)
    for chk in sc.checks:
        _put(ws, st, chk.row, chk.col, chk.formula, "check", 1, chk.colspan)
        at = f"${col_letter(chk.col)}${chk.row}"
        ws.conditional_formatting.add(
            " ".join([*chk.cells, chk.ref]),
            FormulaRule(formula=[f'LEFT({at},1)="{DIFF_MARK}"'], stopIfTrue=False, **st.red),
        )
        ws.conditional_formatting.add(
            chk.ref, FormulaRule(formula=[f'{at}="{tx["text_in_check"]}"'], stopIfTrue=False, **st.orange)
        )
        if chk.gated:
            ws.conditional_formatting.add(
                chk.ref, FormulaRule(formula=[f'{at}="{tx["to_fill"]}"'], stopIfTrue=False, **st.grey)
            )
    # helper cells (counts for the status lines), in a hidden column right of the print area
    for h in sc.helpers:
        st.apply(ws.cell(row=h.row, column=h.col, value=h.formula), "helper")
    ws.column_dimensions[col_letter(sc.helper_col)].hidden = True
    # status of this sheet: red with failures, orange with text to retype, green when all pass
    lab = sc.status_label
    _put(ws, st, lab.row, lab.col, lab.text, "extra", 1, lab.colspan)
    _put(ws, st, sc.status_row, sc.status_col, sc.status_formula, "status", 1, sc.status_colspan)
    fails, hints = (_absolute(r) for r in (sc.failures_ref, sc.hints_ref))
    status_at = _absolute(sc.status_ref)
    ws.conditional_formatting.add(sc.status_ref, FormulaRule(formula=[f"{fails}<>0"], **st.red))
    ws.conditional_formatting.add(sc.status_ref, FormulaRule(formula=[f"{hints}>0"], **st.orange))
    ws.conditional_formatting.add(sc.status_ref, FormulaRule(formula=[f'LEFT({status_at},1)="{OK_MARK}"'], **st.green))
    # inputs: red when not a usable value, orange when text the validator reads as a number (paste bypasses
    # validation), and validation for typing
    dvs: dict[tuple[str, bool], Any] = {}
    for rng in sc.inputs:
        hint = FormulaRule(formula=[hint_cell_formula(rng)], stopIfTrue=True, **st.orange)
        ws.conditional_formatting.add(rng.ref, hint)  # first: it decides for text (see invalid_cell_formula)
        ws.conditional_formatting.add(rng.ref, FormulaRule(formula=[invalid_cell_formula(rng)], **st.red))
        dv = dvs.get((rng.type, rng.signed))
        if dv is None:
            dv = _validation(DataValidation, rng.type, rng.signed, lang)
            dvs[(rng.type, rng.signed)] = dv
            ws.add_data_validation(dv)
        dv.add(rng.ref)
    heights = _row_heights(lay, sc, widths, stacked)
    for r, h in heights.items():
        ws.row_dimensions[r].height = h
    if t.layout == "matrix":
        ws.freeze_panes = f"{col_letter(t.label_columns + 1)}{lay.first_data_row}"
    _print_setup(ws, lay, sc, widths, heights, t.layout)
    return ws


def _absolute(ref: str) -> str:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m is not None, ref
    return f"${m.group(1)}${m.group(2)}"


def _validation(cls: Any, ctype: str, signed: bool, lang: str) -> Any:
    zh = lang != "en"
    if ctype == "integer":
        kind = "whole"
        if signed:
            prompt = "请填写整数（可为负数），没有的填 0。" if zh else "A whole number (may be negative); 0 if none."
            error = "只能填写整数。" if zh else "Only whole numbers."
        else:
            prompt = "请填写大于或等于 0 的整数，没有的填 0。" if zh else "A whole number ≥ 0; 0 if none."
            error = (
                "只能填写大于或等于 0 的整数，不要填写文字、单位或“/”。"
                if zh
                else "Only whole numbers ≥ 0: no text, units or “/”."
            )
    else:
        kind = "decimal"
        if signed:
            prompt = "请填写数字，没有的填 0。" if zh else "A number; 0 if none."
            error = "只能填写数字。" if zh else "Only numbers."
        else:
            prompt = (
                "请填写大于或等于 0 的数字（单位：万元，可有小数），没有的填 0。"
                if zh
                else "A number ≥ 0 (万元); 0 if none."
            )
            error = "只能填写大于或等于 0 的数字，不要填写文字或单位。" if zh else "Only numbers ≥ 0: no text or units."
    if signed:
        dv = cls(type=kind, operator="between", formula1="-999999999", formula2="999999999")
    else:
        dv = cls(type=kind, operator="greaterThanOrEqual", formula1="0")
    dv.allow_blank = True
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.promptTitle = "填写提示" if zh else "Input"
    dv.prompt = prompt
    dv.errorTitle = "输入有误" if zh else "Invalid value"
    dv.error = error
    return dv


_A4 = {"portrait": (595 - 72, 842 - 86), "landscape": (842 - 72, 595 - 86)}
"""Printable A4 area in points with the margins of `_print_setup` (0.5" left/right, 0.6" top/bottom)."""
_LANDSCAPE_GAIN = 1.1
"""Landscape only when it prints at least this much larger: a form reads best upright."""


def page_fit(widths: dict[int, float], heights: dict[int, float], last_col: int, last_row: int) -> tuple[str, float]:
    """(orientation, scale) that prints the sheet on one A4 page at the largest scale (portrait on a near tie)."""
    width_pt = sum(widths.get(c, 10.0) * 7 + 5 for c in range(1, last_col + 1)) * 0.75  # ≈7 px a unit + padding
    height_pt = sum(heights.get(r, 15.0) for r in range(1, last_row + 1))
    scale = {o: min(1.0, w / width_pt, h / height_pt) for o, (w, h) in _A4.items()}
    if scale["landscape"] > scale["portrait"] * _LANDSCAPE_GAIN:
        return "landscape", scale["landscape"]
    return "portrait", scale["portrait"]


def _print_setup(
    ws: Any, lay: SheetLayout, sc: SheetChecks, widths: dict[int, float], heights: dict[int, float], form_layout: str
) -> None:
    """Each table on one A4 page: fitted to width and height, in the orientation that prints it larger."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = page_fit(widths, heights, sc.last_col, sc.last_row)[0]
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if lay.first_data_row - TOP > 1 and form_layout != "blocks":  # a block table's headers change by block
        ws.print_title_rows = f"{TOP}:{lay.first_data_row - 1}"
    ws.print_area = f"A1:{col_letter(sc.last_col)}{sc.last_row}"


def _cover_sheet(ws: Any, form: Form, st: _Styles, lang: str, blank: bool) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang != "en"
    ws.sheet_properties.tabColor = "70AD47"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 70
    _put(ws, st, 1, 1, None, "title", 1, 2)
    ws.row_dimensions[1].height = 34
    _put(ws, st, 2, 1, f"{form.title}（{form.issued_by}）", "subtitle", 1, 2)
    labels = _COVER_LABELS["en" if lang == "en" else "zh"]
    for field, row in _COVER_ROWS.items():
        _put(ws, st, row, 1, labels[field], "extra")
        is_input = field in _COVER_INPUTS or (blank and field in ("unit_name", "unit_code", "year"))
        _put(ws, st, row, 2, None, "cover_input" if is_input else "cover_value")
        ws.row_dimensions[row].height = 24
    refs = cover_cells()
    ws[refs["status"]].value = status_total_formula(form, lang)
    st.apply(ws[refs["status"]], "cover_status")
    # green when all pass, red with failures (or broken formulas), orange with only text to retype; no colour
    # while nothing of this year is filled in
    tx = texts(lang)
    at = refs["status"]
    ws.conditional_formatting.add(at, FormulaRule(formula=[f'{at}="{tx["cover_ok"]}"'], **st.green))
    failing = f'OR(ISNUMBER(FIND("{tx["cover_fail"][1]}",{at})),{at}="{tx["broken"]}")'
    ws.conditional_formatting.add(at, FormulaRule(formula=[failing], **st.red))
    ws.conditional_formatting.add(at, FormulaRule(formula=[f'ISNUMBER(FIND("{tx["hint"][-1]}",{at}))'], **st.orange))
    ws.row_dimensions[_COVER_ROWS["status"]].height = 40
    ws.row_dimensions[_COVER_ROWS["prefilled"]].height = 48
    ws.row_dimensions[_COVER_ROWS["explanation"]].height = 90
    st.apply(ws[refs["explanation"]], "cover_input_top")
    date = ws[refs["date"]]
    date.number_format = "yyyy-mm-dd"
    dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
    dv.showInputMessage = dv.showErrorMessage = True
    dv.promptTitle = "填写提示" if zh else "Input"
    dv.prompt = "请填写日期，例如 2022-01-15。" if zh else "A date, e.g. 2022-01-15."
    dv.errorTitle = "输入有误" if zh else "Invalid value"
    dv.error = "请填写日期，例如 2022-01-15。" if zh else "Type a date, e.g. 2022-01-15."
    ws.add_data_validation(dv)
    dv.add(refs["date"])
    phone = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="40", allow_blank=True)
    phone.showInputMessage = True
    phone.promptTitle = dv.promptTitle
    phone.prompt = "请填写联系电话（座机或手机）。" if zh else "Phone number (landline or mobile)."
    ws.add_data_validation(phone)
    phone.add(refs["phone"])
    if blank:
        yv = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100", allow_blank=True)
        yv.showInputMessage = yv.showErrorMessage = True
        yv.promptTitle = dv.promptTitle
        yv.prompt = "请填写报告年度（统计数据所属年份），例如 2021。" if zh else "Reporting year, e.g. 2021."
        yv.errorTitle = dv.errorTitle
        yv.error = "年度应为四位数字，例如 2021。" if zh else "A four-digit year, e.g. 2021."
        ws.add_data_validation(yv)
        yv.add(refs["year"])
    _put(ws, st, _INSTRUCTIONS_ROW, 1, INSTRUCTIONS_HEADINGS[0 if zh else 1], "cover_heading", 1, 2)
    for i, text in enumerate(_instructions(form, lang), start=1):
        r = _INSTRUCTIONS_ROW + i
        _put(ws, st, r, 1, text, "cover_text", 1, 2)
        ws.row_dimensions[r].height = max(18.0, -(-int(_text_width(text)) // 92) * 15.0 + 4)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _instructions(form: Form, lang: str) -> list[str]:
    sheets = "、".join(t.name for t in form.tables)
    checks = sheet_checks(form, lang)
    names = "、".join(dict.fromkeys(lb.text for sc in checks.values() for lb in sc.labels))
    if lang == "en":
        return [
            f"1. Type this unit's figures into the light-yellow cells of {sheets}; every other cell is locked.",
            "2. Counts are whole numbers; type 0 where nothing happened (not “/”, “无” or a unit). Amounts in 万元.",
            "3. Totals (总计) are computed by formulas.",
            f"4. The check rows/columns ({names}) show ✔ or the difference; failing cells turn red. Text that reads"
            " as a number (“12件”, full-width digits) turns orange: retype it as a plain number. Until this year's"
            " figures are typed in, the status reads “Not filled in yet”.",
            "5. When the status above reads “All checks pass”, save the file and send it as instructed.",
        ]
    return [
        f"1. 请在{sheets}的浅黄色单元格中填写本单位本年度数据；其他单元格已锁定，无需也无法修改。",
        "2. 件数请填写整数，没有发生的填 0，不要填写“/”“无”或单位；收费金额以万元为单位，可保留小数。",
        "3. “总计”单元格由公式自动计算，无需填写。",
        f"4. 各表下方（或右侧）的{names}实时显示校验结果：“{OK_MARK}”为通过，未通过时显示差额，相关单元格标红；"
        "负数、小数件数或无法识别为数字的文字（如“约10”）标红；带单位、全角数字等可识别为数字的文字（如“12件”）"
        "标橙色，请改为只填数字。开始填写本年度数据之前，校验状态显示“尚未填写”。",
        "5. 上方“校验状态”显示“校验通过”后保存文件，按通知要求报送；请勿更改工作表名称和表格结构。"
        "如有需要说明的情况（如上年结转与上年报告不一致），请填写在“情况说明”中。",
    ]


def _prefill_text(form: Form, prefilled: Iterable[str], year: int | None, note: str | None, lang: str) -> str:
    """Which cells were pre-filled from last year's report, in the table's own words."""
    keys = set(prefilled)
    if not keys:
        if note:
            return note
        return "未预填（未提供上年度数据）。" if lang != "en" else "Nothing pre-filled (no data of last year given)."
    lays = sheet_layouts(form)
    parts = []
    by_rule: dict[str, list[tuple[str, str]]] = {}
    for rule_id, dst, src in carry_pairs(form):
        if dst in keys:
            by_rule.setdefault(rule_id, []).append((dst, src))
    for pairs in by_rule.values():
        dst_rows = dict.fromkeys(form.cells[d].row for d, _ in pairs)
        src_rows = dict.fromkeys(form.cells[s].row for _, s in pairs)
        t = form.table(form.cells[pairs[0][0]].table)
        lay = lays[t.id]
        where = ",".join(compress_refs([lay.cells[d] for d, _ in pairs]))
        dst_label = "、".join(f"“{t.row_map[r].label}”" for r in dst_rows)
        src_label = "、".join(f"“{t.row_map[r].label}”" for r in src_rows)
        prev = f"{year - 1}年度" if year else "上年度"
        if lang == "en":
            parts.append(f"{t.name} {dst_label} ({where}) pre-filled from last year's {src_label}.")
        else:
            parts.append(f"{t.name}{dst_label}（{where}，浅蓝色）已按本单位{prev}报告的{src_label}预填，请核对。")
    return "".join(parts)


# --------------------------------------------------------------------------- values


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _as_number(raw: Any) -> int | Decimal | float | None:
    """What a spreadsheet's SUM sees in a cell holding `raw`: numbers count, text does not."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, str):
        return None
    if isinstance(raw, (int, Decimal)):
        return raw
    if isinstance(raw, float):
        return Decimal(repr(raw))
    return None


def _cell_value(raw: Any) -> Any:
    if isinstance(raw, float):
        return Decimal(repr(raw)) if raw == raw else str(raw)
    return raw


def write_values(
    sheets: Mapping[str, Any],
    form: Form,
    values: Mapping[str, Any],
    *,
    total_formulas: bool = True,
) -> list[str]:
    """Write raw values (as the interchange JSON holds them) into a template's value cells.

    Inputs get the value as it is: numbers as numbers, text as text (never a formula), None as blank. A total
    keeps its SUM formula when the data's total agrees with what the formula computes (or is absent); a total
    that disagrees is written as a value over the formula, as a clerk who typed over it would leave it, so the
    workbook carries exactly the data's figures. With `total_formulas=False` every total is a value.

    Returns:
        The total keys written as values although the formula would give another figure.
    """
    lays = sheet_layouts(form)
    where = {k: (lay.sheet, pos) for lay in lays.values() for k, pos in lay.cells.items()}
    for key in form.input_keys:
        if key not in values:
            continue
        sheet, pos = where[key]
        cell = sheets[sheet].cell(row=pos.row, column=pos.col)
        raw = values[key]
        if _is_blank(raw) and not isinstance(raw, str):
            cell.value = None
            continue
        cell.value = _cell_value(raw)
        if isinstance(raw, str):
            cell.data_type = "s"  # "=1+1" in the data is text, not a formula
    shown: dict[str, int | Decimal | float | None] = {}

    def formula_value(key: str) -> int | Decimal | float:
        if key in shown:
            return shown[key] or 0
        c = form.cells[key]
        if not c.is_total:
            return _as_number(values.get(key)) or 0
        return sum((formula_value(p) for p in c.totals[0]), start=0)

    overwritten: list[str] = []
    for key in _totals_in_dependency_order(form):
        sheet, pos = where[key]
        cell = sheets[sheet].cell(row=pos.row, column=pos.col)
        raw = values.get(key)
        computed = formula_value(key)
        if _is_blank(raw):
            if not total_formulas:
                cell.value = computed
            shown[key] = computed
            continue
        num = _as_number(raw)
        if num is not None and num == computed:
            if not total_formulas:
                cell.value = _cell_value(raw)
            shown[key] = num
            continue
        cell.value = _cell_value(raw)
        if isinstance(raw, str):
            cell.data_type = "s"
        shown[key] = num
        overwritten.append(key)
    return overwritten


@cache
def _totals_in_dependency_order(form: Form) -> tuple[str, ...]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen:
            return
        seen.add(key)
        for p in form.cells[key].totals[0]:
            if form.cells[p].is_total:
                visit(p)
        done.append(key)

    for k in form.total_keys:
        visit(k)
    return tuple(done)


# --------------------------------------------------------------------------- identity and metadata


def write_identity(wb: Any, form: Form, *, year: int | None, unit_name: str, unit_code: str | None, lang: str) -> None:
    """The unit and year on the cover (locked) and in each table's info line."""
    st = _Styles()
    cover = wb[COVER_SHEET]
    refs = cover_cells()
    for field, value in (("unit_name", unit_name), ("unit_code", unit_code), ("year", year)):
        cell = cover[refs[field]]
        cell.value = value if value not in ("", None) else None
        st.apply(cell, "cover_value")
    title = f"{year}年度政府信息公开工作年度报告统计表" if lang != "en" else f"Government information disclosure {year}"
    cover["A1"].value = title
    text = info_text(unit_name, unit_code, year, lang)
    for lay in sheet_layouts(form).values():
        wb[lay.sheet].cell(row=TITLE_ROW + 1, column=1).value = text


def _meta(
    form: Form,
    *,
    year: int | None,
    unit_name: str,
    unit_code: str | None,
    category: str | None,
    template_id: str,
    generated_at: str,
    prefilled: list[str],
    protection: Protection,
    meta_extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "form": form.id,
        "form_version": form.version,
        "year": year,
        "unit_code": unit_code,
        "unit_name": unit_name,
        "category": category,
        "template_id": template_id,
        "tool_version": __version__,
        "generated_at": generated_at,
        "fingerprint": fingerprint(form),
        "level": "unit",
        "prefilled": json.dumps(sorted(prefilled), ensure_ascii=False) if prefilled else None,
        "password_hash": protection.record,
    }
    meta.update(meta_extra or {})
    # empty values are left out: the metadata sheet then has no empty string cells
    return {k: v for k, v in meta.items() if v not in (None, "")}


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


# --------------------------------------------------------------------------- build


@dataclass
class Built:
    """A workbook built in memory, with what went into it."""

    wb: Any
    prefilled: list[str]
    overwritten: list[str]


def build_workbook(
    form: Form,
    *,
    year: int | None,
    unit_name: str,
    unit_code: str | None = None,
    category: str | None = None,
    values: Mapping[str, Any] | None = None,
    prefill: Mapping[str, Any] | None = None,
    prefill_note: str | None = None,
    protection: Protection,
    template_id: str,
    generated_at: str,
    meta_extra: Mapping[str, Any] | None = None,
    total_formulas: bool = True,
    lock_inputs: bool = False,
    lang: str = "zh",
) -> Built:
    """The whole template as an openpyxl Workbook (not saved). `unit_name=""` builds the blank template."""
    from openpyxl import Workbook

    blank = not unit_name
    wb = Workbook()
    _default_font(wb)
    st = _Styles()
    cover = wb.active
    cover.title = COVER_SHEET
    checks = sheet_checks(form, lang)
    _cover_sheet(cover, form, st, lang, blank)
    sheets = {}
    for tid, lay in sheet_layouts(form).items():
        sheets[lay.sheet] = _table_sheet(wb, form, lay, checks[tid], st, lang)
    if blank:
        cover["A1"].value = "政府信息公开工作年度报告统计表" if lang != "en" else "Government information disclosure"
        if year is not None:
            cover[cover_cells()["year"]].value = year
            st.apply(cover[cover_cells()["year"]], "cover_value")
        for lay in sheet_layouts(form).values():
            wb[lay.sheet].cell(row=TITLE_ROW + 1, column=1).value = _info_formula(lang)
    else:
        write_identity(wb, form, year=year, unit_name=unit_name, unit_code=unit_code, lang=lang)
    # pre-filled inputs: last year's figures, shaded blue; explicit values win over them
    lays = sheet_layouts(form)
    prefilled = []
    for key, v in (prefill or {}).items():
        if values and key in values:
            continue
        lay = lays[form.cells[key].table]
        pos = lay.cells[key]
        cell = sheets[lay.sheet].cell(row=pos.row, column=pos.col, value=v)
        st.apply(cell, "prefill")
        prefilled.append(key)
    overwritten = write_values(sheets, form, values, total_formulas=total_formulas) if values else []
    if lock_inputs:
        for lay in lays.values():
            for key, pos in lay.cells.items():
                if not form.cells[key].is_total:
                    st.apply(sheets[lay.sheet].cell(row=pos.row, column=pos.col), "locked")
                    for c in range(pos.col + 1, pos.col + pos.colspan):
                        st.apply(sheets[lay.sheet].cell(row=pos.row, column=c), "inner")
    cover[cover_cells()["prefilled"]].value = _prefill_text(form, prefilled, year, prefill_note, lang)
    meta = _meta(
        form,
        year=year,
        unit_name=unit_name,
        unit_code=unit_code,
        category=category,
        template_id=template_id,
        generated_at=generated_at,
        prefilled=prefilled,
        protection=protection,
        meta_extra=meta_extra,
    )
    write_metadata(wb, meta)
    for ws in wb.worksheets:
        protection.apply_to_sheet(ws)
        ws.protection.objects = True
        ws.protection.scenarios = True
    protection.apply_to_workbook(wb)
    wb.active = 0
    props = wb.properties
    props.creator = f"xltool {__version__}"
    props.lastModifiedBy = props.creator
    props.title = cover["A1"].value
    props.subject = form.title
    props.keywords = form.id
    wb.calculation.fullCalcOnLoad = True
    return Built(wb, prefilled, overwritten)


def _default_font(wb: Any) -> None:
    """宋体 for the Normal style too (empty cells, and the unit Excel measures column widths in)."""
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    font = Font(name=FONT_NAME, charset=134, family=3, sz=11)
    wb._fonts = IndexedList([font])
    wb._named_styles["Normal"].font = font


def _save(wb: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _target(path: str | Path, unit_code: str | None, unit_name: str, year: int | None, form: Form) -> Path:
    p = Path(path)
    if p.is_dir() or str(path).endswith(("/", "\\")):
        name = template_filename(unit_code, unit_name, year) if unit_name else f"{form.id}.xlsx"
        return p / name
    return p


def write_template(
    form: Form,
    path: str | Path,
    *,
    year: int | None,
    unit_name: str,
    unit_code: str | None = None,
    category: str | None = None,
    values: Mapping[str, Any] | None = None,
    password: str | None = None,
    prior: Any = None,
    meta_extra: Mapping[str, Any] | None = None,
    lang: str = "zh",
    total_formulas: bool = True,
    lock_inputs: bool = False,
    findings: list[Finding] | None = None,
) -> Path:
    """Write one unit's template (or, with `unit_name=""`, the blank template), built afresh with openpyxl.

    Args:
        form: the form (`load_form("gov-disclosure-2021")`).
        path: the .xlsx to write, or a folder (then named `<code>_<unit name>_<year>.xlsx`).
        year: the reporting year (None only for the blank template).
        unit_name, unit_code, category: from the roster; shown locked on the cover and in the metadata.
        values: cell key -> raw value to pre-fill (a consolidated table, a migration); see `write_values`.
        password: sheet and workbook password; default DEFAULT_PASSWORD. Only hashes are stored.
        prior: last year's data (PriorData, UnitReport(s) or paths): 上年结转 is pre-filled from it.
        meta_extra: extra metadata, e.g. {"level": "consolidation", "members": "[...]"}.
        total_formulas: keep totals as SUM formulas (default) or write their values.
        lock_inputs: lock the value cells too (a consolidated table nobody should type into).
        findings: if given, what was noticed (prior data missing or unusable, totals written over) is appended.

    Returns:
        The path written.
    """
    out = _target(path, unit_code, unit_name, year, form)
    prefill: dict[str, Any] = {}
    note = None
    notes: list[Finding] = []
    index = _prior_index(prior)
    if index is not None and unit_name:
        rep = index.find(unit_code, unit_name)
        if rep is None:
            notes.append(tool_finding("PREFILL-MISSING", unit=unit_name))
            note = "未找到本单位上年度数据，未预填。" if lang != "en" else "No data of last year for this unit."
        else:
            prefill, more = prefill_from_prior(form, rep, year)
            notes += more
    built = build_workbook(
        form,
        year=year,
        unit_name=unit_name,
        unit_code=unit_code,
        category=category,
        values=values,
        prefill=prefill,
        prefill_note=note,
        protection=protection_for(password),
        template_id=uuid.uuid4().hex,
        generated_at=now_iso(),
        meta_extra=meta_extra,
        total_formulas=total_formulas,
        lock_inputs=lock_inputs,
        lang=lang,
    )
    for key in built.overwritten:
        notes.append(tool_finding("FILL-TOTAL-VALUE", unit=unit_name, label=form.label(key), value=values[key]))
    if findings is not None:
        findings.extend(notes)
    return _save(built.wb, out)


def write_templates(
    form: Form,
    roster: Any,
    outdir: str | Path,
    *,
    year: int,
    password: str | None = None,
    prior: Any = None,
    progress: Callable[[Path], None] | None = None,
    findings: list[Finding] | None = None,
    lang: str = "zh",
) -> list[Path]:
    """One template per roster unit in `outdir`, fast: each distinct shape is built once and patched per unit.

    A unit's file equals what `write_template` makes for it, part by part, except for its template id and
    generation time (tests/test_template.py checks this).

    Args:
        roster: a Roster, or an iterable of units with `code`, `name`, `category`.
        progress: called with each path written.

    Returns:
        The paths written, in roster order.
    """
    from xltool.template_zip import BatchWriter

    units = list(roster.units if hasattr(roster, "units") else roster)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    index = _prior_index(prior)
    writer = BatchWriter(form, year=year, protection=protection_for(password), generated_at=now_iso(), lang=lang)
    paths = []
    for u in units:
        prefill: dict[str, Any] = {}
        note = None
        if index is not None:
            rep = index.find(u.code, u.name)
            if rep is None:
                note = "未找到本单位上年度数据，未预填。" if lang != "en" else "No data of last year for this unit."
                if findings is not None:
                    findings.append(tool_finding("PREFILL-MISSING", unit=u.name))
            else:
                prefill, more = prefill_from_prior(form, rep, year)
                if findings is not None:
                    findings.extend(more)
        path = out / template_filename(u.code, u.name, year)
        writer.write(
            path,
            unit_name=u.name,
            unit_code=u.code or None,
            category=u.category or None,
            prefill=prefill,
            prefill_note=note,
        )
        paths.append(path)
        if progress is not None:
            progress(path)
    return paths
