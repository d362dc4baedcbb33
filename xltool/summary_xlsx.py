"""The consolidation workbook a clerk hands on: the official tables with the district totals, then who
reported, the units' figures, their problems and charts.

The official tables (汇总表) are written by the template writer itself, carrying metadata that marks the
file as a consolidation, so the summary is a valid input to `xltool validate` and `xltool consolidate`
(a city consolidates its districts' summaries with the same command). The other sheets are added to it:
报送情况, 分类小计 (with group_by), 单位明细, 问题清单, 图表.

Every text that comes from a file (unit names, file names, messages quoting cell text) is written as a
string, never as a formula: text starting with = + - @ gets the quote prefix, as Excel does for '=….

The cover keeps the template's fields (the reader finds unit, code and year there) but its instructions to a
department become 汇总说明: what the workbook is, who is counted, how to read it. Every sheet prints on A4
(landscape where wide) with its header rows repeated; 单位明细 prints in bands of whole tables.

Speed (10,000 units ≈ 6 s, was ≈ 60 s): each distinct cell style is registered with the workbook once and
cells get its StyleArray (CellStyles, put), merges skip openpyxl's per-cell style hashing (merge), and the
report sheets' cells are serialised by this module, streamed, byte for byte as openpyxl would
(save_workbook; benchmarks/bench_summary.py).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from copy import copy
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.consolidate import (
    ERRORS,
    FOREIGN,
    MISMATCHED,
    MISSING,
    PASSED,
    ROLE_ZH,
    SKIPPED,
    SUPERSEDED,
    UNDECIDED,
    UNIDENTIFIED,
    WARNINGS,
    pending_label,
)
from xltool.findings import SEVERITY_ZH
from xltool.template import _COVER_LABELS, INSTRUCTIONS_HEADINGS

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Iterator

    from openpyxl.worksheet.worksheet import Worksheet

    from xltool.consolidate import Consolidation

SHEET_STATUS = "报送情况"
SHEET_GROUPS = "分类小计"
SHEET_UNITS = "单位明细"
SHEET_FINDINGS = "问题清单"
SHEET_CHARTS = "图表"
SUMMARY_SHEETS = (SHEET_STATUS, SHEET_GROUPS, SHEET_UNITS, SHEET_FINDINGS, SHEET_CHARTS)
"""The sheets added after the official tables."""

# --------------------------------------------------------------------------- cell helpers
#
# Speed: assigning openpyxl style objects cell by cell (`cell.font = Font(bold=True)`) hashes the object into
# the workbook's style tables on every assignment (≈ 0.25 ms each; the summary has ≈ 30 styled cells per
# unit, so 7 ms a unit). Every style combination used here is registered with the workbook once
# (`CellStyles`), and the cells of one style share the resulting StyleArray (nine small integers, what
# openpyxl itself keeps on a cell after a style assignment), read-only: 400,000 cells of 10,000 units would
# otherwise hold 46 MB of copies.

HEADER_FILL = "DDEBF7"
TOTAL_FILL = "F2F2F2"
STATUS_FILL = {PASSED: "E2EFDA", WARNINGS: "FFF2CC", ERRORS: "F8CBAD", MISSING: "D9D9D9"}
SEVERITY_FILL = {"error": STATUS_FILL[ERRORS], "warning": STATUS_FILL[WARNINGS]}
COUNT_FORMAT = "#,##0"
MAX_DECIMALS = 6
"""Fees are published with up to 6 decimals (24252.311082 万元)."""
RED = "C00000"
BORDER_COLOR = "A6A6A6"

FONTS: dict[str, dict[str, Any]] = {
    "bold": {"bold": True},
    "title": {"bold": True, "size": 14},
    "big": {"bold": True, "size": 12},
    "red_bold": {"bold": True, "color": RED},
}
"""Named fonts of the report sheets (keyword arguments of openpyxl's Font)."""
ALIGNMENTS: dict[str, dict[str, Any]] = {
    "center": {"horizontal": "center", "vertical": "center", "wrap_text": True},
    "wrap": {"vertical": "top", "wrap_text": True},
    "left": {"vertical": "center"},
    "name": {"vertical": "center", "wrap_text": True},
    "top": {"vertical": "top"},
}
"""Named alignments of the report sheets (keyword arguments of openpyxl's Alignment)."""
_FORMULA_START = ("=", "+", "-", "@")


def number_format(v: Any) -> str:
    """Counts `#,##0`; an amount with as many decimals as it has (at most 6): 0.000000 trimmed."""
    if isinstance(v, Decimal):
        exp = v.normalize().as_tuple().exponent
        places = min(MAX_DECIMALS, max(0, -exp)) if isinstance(exp, int) else MAX_DECIMALS
        return COUNT_FORMAT + ("." + "0" * places if places else "")
    return COUNT_FORMAT


@functools.cache
def _shared_style_class() -> type:
    from openpyxl.styles.cell_style import StyleArray

    class SharedStyle(StyleArray):
        """A StyleArray shared by every cell of one style: read-only, since a change would restyle them all.
        `restyle()` gives a cell a style of its own (as does `cell._style = StyleArray(cell._style)`)."""

        __slots__ = ()

        def __setitem__(self, key: Any, value: Any) -> None:
            raise TypeError("a shared cell style cannot be changed in place: use xltool.summary_xlsx.restyle()")

    return SharedStyle


class CellStyles:
    """The report sheets' cell styles of one workbook, each registered with the workbook once.

    A style is named by `(font, fill, border, align, fmt, quote)`: a key of FONTS or None, a fill colour or
    None, a thin border or not, a key of ALIGNMENTS or None, a number format or None (General), and the
    quote prefix (text that would otherwise read as a formula).
    """

    def __init__(self, wb: Any):
        self.wb = wb
        self._arrays: dict[tuple[Any, ...], Any] = {}
        self._ids: dict[tuple[str, Any], int] = {}
        self._shared = _shared_style_class()

    def array(
        self,
        font: str | None = None,
        fill: str | None = None,
        border: bool = False,
        align: str | None = None,
        fmt: str | None = None,
        quote: bool = False,
    ) -> Any:
        """The StyleArray of a style: shared and read-only (copy it to change a cell's style)."""
        key = (font, fill, border, align, fmt, quote)
        arr = self._arrays.get(key)
        if arr is None:
            from openpyxl.styles.cell_style import StyleArray

            arr = StyleArray()
            arr.fontId = self.font_id(font)
            arr.fillId = self.fill_id(fill)
            arr.borderId = self.border_id(border)
            arr.alignmentId = self.alignment_id(align)
            arr.numFmtId = self.format_id(fmt)
            arr.quotePrefix = int(quote)
            arr = self._arrays[key] = self._shared(arr)
        return arr

    def merged_array(self, anchor: Any, edges: frozenset[str]) -> Any:
        """The StyleArray openpyxl gives a merged range's inner cell on these edges (a copy)."""
        from copy import copy

        from openpyxl.styles import Border
        from openpyxl.styles.cell_style import StyleArray

        key = ("merged", anchor.borderId, anchor.protectionId, edges)
        arr = self._arrays.get(key)
        if arr is None:
            wb = self.wb
            anchor_border = wb._borders[anchor.borderId]
            border = wb._borders[0]
            for name in _EDGES:
                side = getattr(anchor_border, name)
                if name in edges and not (side and side.style is None):
                    border = border + Border(**{name: side})
            arr = self._arrays[key] = StyleArray()
            arr.borderId = wb._borders.add(border) if edges else 0
            arr.protectionId = wb._protections.add(copy(wb._protections[anchor.protectionId]))
        return copy(arr)

    def _id(self, kind: str, name: Any, make: Any) -> int:
        got = self._ids.get((kind, name))
        if got is None:
            got = self._ids[(kind, name)] = getattr(self.wb, kind).add(make())
        return got

    def font_id(self, font: str | None) -> int:
        if font is None:
            return 0
        from openpyxl.styles import Font

        return self._id("_fonts", font, lambda: Font(**FONTS[font]))

    def fill_id(self, fill: str | None) -> int:
        if fill is None:
            return 0
        from openpyxl.styles import PatternFill

        return self._id("_fills", fill, lambda: PatternFill("solid", fgColor=fill))

    def border_id(self, border: bool) -> int:
        if not border:
            return 0
        from openpyxl.styles import Border, Side

        thin = Side(style="thin", color=BORDER_COLOR)
        return self._id("_borders", True, lambda: Border(left=thin, right=thin, top=thin, bottom=thin))

    def alignment_id(self, align: str | None) -> int:
        if align is None:
            return 0
        from openpyxl.styles import Alignment

        return self._id("_alignments", align, lambda: Alignment(**ALIGNMENTS[align]))

    def format_id(self, fmt: str | None) -> int:
        if fmt is None:
            return 0
        from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE

        if fmt in BUILTIN_FORMATS_REVERSE:
            return BUILTIN_FORMATS_REVERSE[fmt]
        return self._id("_number_formats", fmt, lambda: fmt) + BUILTIN_FORMATS_MAX_SIZE


def cell_styles(wb: Any) -> CellStyles:
    """The style cache of a workbook (kept on the workbook object, so it goes with it)."""
    got = getattr(wb, "_xltool_cell_styles", None)
    if got is None:
        got = wb._xltool_cell_styles = CellStyles(wb)
    return got


class _Openpyxl:
    """openpyxl names used cell by cell, imported on first use (not at import: `xltool validate` needs none)."""

    Cell: Any = None
    ILLEGAL: Any = None

    @classmethod
    def load(cls) -> type[_Openpyxl]:
        if cls.Cell is None:
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

            cls.Cell, cls.ILLEGAL = Cell, ILLEGAL_CHARACTERS_RE
        return cls


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any,
    *,
    fmt: str | None = None,
    font: str | None = None,
    fill: str | None = None,
    border: bool = False,
    align: str | None = None,
) -> Any:
    """Write one cell with its whole style: text is never a formula (= + - @ get the quote prefix), numbers
    exact (int, Decimal) with `fmt` or number_format(); `fmt` does not apply to text or an empty cell.

    The cell shares its StyleArray with every cell of the same style (read-only): to change its style later,
    use restyle(), not openpyxl's `cell.font = …` (which raises TypeError).
    """
    op = _Openpyxl.load()
    wb = ws.parent
    styles = getattr(wb, "_xltool_cell_styles", None) or cell_styles(wb)
    cell = op.Cell(ws, row=row, column=col)
    if isinstance(value, str):
        value = op.ILLEGAL.sub("", str(value))[:32767]
        cell._style = styles.array(font, fill, border, align, None, value.startswith(_FORMULA_START))
        cell._value, cell.data_type = value, "s"  # never a formula: no type inference from the text
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        cell._style = styles.array(font, fill, border, align, fmt or number_format(value))
        cell._value = value  # data_type "n"
    else:  # empty, or a float, a date … (binding a date sets a number format: a style of its own)
        cell._style = styles.array(font, fill, border, align, None if value is None else fmt)
        if value is not None:
            cell._style = copy(cell._style)
            cell.value = value
    ws._cells[(row, col)] = cell
    return cell


def restyle(
    ws: Worksheet,
    row: int,
    col: int,
    *,
    font: str | None = None,
    fill: str | None = None,
    border: bool = False,
    align: str | None = None,
) -> Any:
    """Give an existing cell (a merged range's inner cell too) or a new empty one these parts of a style,
    keeping the others (its number format)."""
    from openpyxl.cell.cell import Cell
    from openpyxl.styles.cell_style import StyleArray

    cell = ws._cells.get((row, col))
    if cell is None:
        cell = ws._cells[(row, col)] = Cell(ws, row=row, column=col)
    st = cell_styles(ws.parent)
    arr = StyleArray(cell._style) if cell._style is not None else StyleArray()
    if font is not None:
        arr.fontId = st.font_id(font)
    if fill is not None:
        arr.fillId = st.fill_id(fill)
    if border:
        arr.borderId = st.border_id(True)
    if align is not None:
        arr.alignmentId = st.alignment_id(align)
    cell._style = arr
    return cell


def header_row(ws: Worksheet, row: int, headers: list[str], col: int = 1) -> None:
    for i, h in enumerate(headers):
        put(ws, row, col + i, h, font="bold", fill=HEADER_FILL, align="center", border=True)


_EDGES = ("top", "left", "right", "bottom")


def merge(ws: Worksheet, row: int, col: int, end_row: int, end_col: int, **style: Any) -> None:
    """`ws.merge_cells`, then with `style` the inner cells get that style too (borders drawn all round).

    What openpyxl's merge does (MergedCellRange.format: the inner cells on the range's edges get the
    anchor's border sides there, and its protection), without hashing style objects cell by cell.
    """
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.merge import MergedCellRange

    anchor = ws._cells.get((row, col))
    if anchor is None or (end_row, end_col) in ws._cells or anchor._style is None:
        # the general case: openpyxl restyles the cells of the range in place, so they get styles of their own
        for r in range(row, end_row + 1):
            for c in range(col, end_col + 1):
                cell = ws._cells.get((r, c))
                if cell is not None and cell._style is not None:
                    cell._style = copy(cell._style)
        ws.merge_cells(start_row=row, start_column=col, end_row=end_row, end_column=end_col)
    else:
        ref = f"{get_column_letter(col)}{row}:{get_column_letter(end_col)}{end_row}"
        ws.merged_cells.add(MergedCellRange(ws, ref))
        styles = cell_styles(ws.parent)
        for r in range(row, end_row + 1):
            for c in range(col, end_col + 1):
                if (r, c) == (row, col):
                    continue
                edges = frozenset(
                    name
                    for name, on in zip(_EDGES, (r == row, c == col, c == end_col, r == end_row), strict=True)
                    if on
                )
                cell = ws._cells[(r, c)] = MergedCell(ws, row=r, column=c)
                cell._style = styles.merged_array(anchor._style, edges)
                if not any(cell._style):
                    cell._style = None
    if style:
        for r in range(row, end_row + 1):
            for c in range(col, end_col + 1):
                if (r, c) != (row, col):
                    restyle(ws, r, c, **style)


def widths(ws: Worksheet, cols: dict[int, float]) -> None:
    from openpyxl.utils import get_column_letter

    for c, w in cols.items():
        ws.column_dimensions[get_column_letter(c)].width = w


LINE_HEIGHT = 16.0
"""Points per line of 11 pt CJK text: rows are sized here, because LibreOffice keeps an .xlsx row's height."""

ROW_HEIGHT = 18.0
"""Default row height (points) of 报送情况 and 问题清单: one line of 11 pt text that mixes Chinese with Latin
letters or digits needs 17.1 pt in LibreOffice (measured: its optimal height), more than the sheet default of
15, which cut the bottom of a top-aligned line (a file's 主要问题)."""

MAX_ROW_HEIGHT = 409
"""Excel's limit, in points."""

EXCEL_UNITS = {"wide": 2.0, "narrow": 1.05}
"""Column units a character takes, the widest of the programs: Excel sets a unit at 宋体 11 pt's 8-pixel digit
width, a Chinese character (and a quote “ ” in a Chinese font) at 15 pixels, a Latin one at 8; LibreOffice
without 宋体 sets Chinese in Noto Sans CJK (1.6 units) but Latin in DejaVu Sans, a little wider (1 to 1.1)."""
CELL_PADDING_UNITS = 0.6
"""The 5 pixels of a column's width that are its margins, in units."""

_NO_BREAK_BEFORE = frozenset("，。、；：？！）】”’》」』〕］｝…,.;:?!)]}%")
_NO_BREAK_AFTER = frozenset("（【“‘《「『〔［｛([{")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F", "A")


@functools.cache
def _char_units(ch: str) -> float:
    return EXCEL_UNITS["wide"] if _is_wide(ch) else EXCEL_UNITS["narrow"]


def _units(text: str) -> float:
    if text.isascii():
        return EXCEL_UNITS["narrow"] * len(text)
    return sum(map(_char_units, text))


def _segments(text: str) -> list[str]:
    """The pieces a spreadsheet does not break inside (a simplified UAX #14): breaks after spaces, after a
    hyphen before a letter, and around Chinese characters, but not before closing or after opening
    punctuation."""
    out: list[str] = []
    start = 0
    for i in range(1, len(text)):
        prev, ch = text[i - 1], text[i]
        if ch in _NO_BREAK_BEFORE or prev in _NO_BREAK_AFTER or ch == " ":
            continue
        if prev == " " or (prev == "-" and not ch.isdigit()) or _is_wide(prev) or _is_wide(ch):
            out.append(text[start:i])
            start = i
    out.append(text[start:])
    return out


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of `width` units, at the widest metrics of the programs
    (EXCEL_UNITS): line breaks kept, words moved whole to the next line, a word longer than a line broken
    anywhere.

    Measured against LibreOffice's rendering of 3,000 texts (unit names, file names, rule ids, findings) in
    columns 6 to 60 wide: never fewer lines than it draws; 20 % more lines in all than it draws (the old
    estimate: 39 %), since Excel's 宋体 sets Chinese wider than LibreOffice's fallback font.
    """
    room = max(1.0, width - CELL_PADDING_UNITS)
    if "\n" not in text and _units(text) <= room:  # most cells: one line
        return 1
    return _text_lines(text, room)


@functools.lru_cache(maxsize=8192)
def _text_lines(text: str, room: float) -> int:
    return sum(_paragraph_lines(part, room) for part in text.split("\n"))


def _paragraph_lines(text: str, room: float) -> int:
    if _units(text) <= room:
        return 1
    narrow = EXCEL_UNITS["narrow"]
    lines, x = 1, 0.0
    for seg in _segments(text):
        body = seg.rstrip(" ")
        w = _units(body)
        if x and x + w > room:
            lines, x = lines + 1, 0.0
        if w > room:  # longer than a line: broken anywhere
            for ch in body:
                c = _units(ch)
                if x and x + c > room:
                    lines, x = lines + 1, 0.0
                x += c
        else:
            x += w
        x += narrow * (len(seg) - len(body))
    return lines


def fit_rows(ws: Worksheet, first: int, last: int, *, min_lines: int = 1) -> None:
    """Make each row of `first..last` tall enough for its wrapped text (merged cells count their full width):
    rows of more than one line get LINE_HEIGHT a line; a row of one line keeps the sheet's default height.

    One pass over the cells that exist (reading `ws[r]` or iter_rows would create every empty cell and
    recompute the sheet's extent: quadratic over 10,000 units).
    """
    wrap_ids = {i for i, a in enumerate(ws.parent._alignments) if a.wrap_text}
    col_widths: dict[int, float] = {}

    def col_width(c: int) -> float:
        w = col_widths.get(c)
        if w is None:
            w = col_widths[c] = _col_width(ws, c)
        return w

    spans: dict[tuple[int, int], float] = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = sum(col_width(c) for c in range(rng.min_col, rng.max_col + 1)) / max(
            1, rng.max_row - rng.min_row + 1
        )
    lines: dict[int, int] = {}
    for (r, c), cell in ws._cells.items():
        v = cell._value
        if r < first or r > last or not isinstance(v, str) or cell._style is None:
            continue
        if cell._style.alignmentId not in wrap_ids:
            continue
        n = text_lines(v, spans.get((r, c), col_width(c)))
        if n > lines.get(r, 0):
            lines[r] = n
    for r in range(first, last + 1):
        n = max(min_lines, lines.get(r, 0))
        if n > 1:
            ws.row_dimensions[r].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * n + 3)


def _display_width(text: str) -> float:
    """Width in column units: CJK characters, and the quotes a CJK font sets full-width (“ ”), count double."""
    if text.isascii():
        return 1.1 * len(text)
    return sum(2.1 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1.1 for ch in text)


def _col_width(ws: Worksheet, col: int) -> float:
    from openpyxl.utils import get_column_letter

    w = ws.column_dimensions[get_column_letter(col)].width
    return float(w) if w else 8.43


def title_row(ws: Worksheet, text: str, width: int, row: int = 1) -> None:
    put(ws, row, 1, text, font="title")
    if width > 1:
        merge(ws, row, 1, row, width)
    ws.row_dimensions[row].height = 24


PAGE_MARGIN_IN = 0.4
"""Left and right margins (inches) of the printed report sheets; 0.5 top and bottom."""
A4_LANDSCAPE_PT = 842 - 2 * 72 * PAGE_MARGIN_IN
"""Printable width of an A4 page in landscape, in points."""
MIN_BAND_SCALE = 0.55
"""A wide sheet prints in bands of whole tables (see print_bands) rather than smaller than this."""


PAGE_FOOTER = {"zh": "第 &P 页，共 &N 页", "en": "Page &P of &N"}


def print_setup(ws: Worksheet, title_rows: str | None = None, *, landscape: bool = True, lang: str = "zh") -> None:
    """A4, fit to the page width, the header rows repeated on every page, page numbers in the footer."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = PAGE_MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = PAGE_FOOTER["en" if lang == "en" else "zh"]
    if title_rows:
        ws.print_title_rows = title_rows


def default_row_height(ws: Worksheet, height: float = ROW_HEIGHT) -> None:
    """Every row of the sheet `height` points tall unless set (fit_rows sets the taller ones)."""
    ws.sheet_format.defaultRowHeight = height
    ws.sheet_format.customHeight = True


A4_LANDSCAPE_HEIGHT_PT = 595 - 2 * 72 * 0.5
"""Printable height of an A4 page in landscape (print_setup's margins), in points."""
NARROWEST_POINTS_PER_UNIT = 6.0
"""The narrowest a program prints a column unit: Excel, 宋体's 8-pixel digit (LibreOffice: 6.8, column_points)."""


def page_room(ws: Worksheet, cols: dict[int, float], title_rows: tuple[int, int] | None = None) -> float:
    """Points of rows (as set, at 100 %) that one printed page of a sheet fitted to the page width (print_setup)
    surely holds, below its repeated title rows: counted at the largest scale a program prints it, where the
    columns are narrowest (NARROWEST_POINTS_PER_UNIT), less 5 %."""
    width = sum(NARROWEST_POINTS_PER_UNIT * w for w in cols.values())
    scale = min(1.0, A4_LANDSCAPE_PT / width) if width else 1.0
    titles = row_heights(ws, *title_rows) if title_rows else 0.0
    return 0.95 * A4_LANDSCAPE_HEIGHT_PT / scale - titles


def row_heights(ws: Worksheet, first: int, last: int) -> float:
    """The rows' heights in points, as set (the sheet's default where not)."""
    default = ws.sheet_format.defaultRowHeight or 15.0
    dims = ws.row_dimensions
    total = 0.0
    for r in range(first, last + 1):
        dim = dims.get(r)
        total += dim.height if dim is not None and dim.height else default
    return total


def keep_together(ws: Worksheet, spans: list[tuple[int, int]], cols: dict[int, float], header: int) -> None:
    """Page breaks so that each span of rows (a section: its heading, its own header row and its rows) prints
    on one page, not its header at the foot of one page and its rows under the sheet's repeated header row
    (`header`) on the next. When the sheet does not fit on one page, the first section starts a page, and a
    section that would not fit below the ones before it starts the next (one longer than a page runs over).

    The room on a page is counted for the program that prints the sheet largest (page_room): a section never
    runs over, at the cost of some empty space at the foot of a page. LibreOffice keeps these breaks on a sheet
    fitted to the page width (tests/test_summary_layout.py); Excel is said to ignore manual breaks under
    "Fit to", not tried here.
    """
    from openpyxl.worksheet.pagebreak import Break

    if not spans:
        return
    room = page_room(ws, cols, (header, header))
    if row_heights(ws, 1, spans[-1][1]) <= room:
        return  # one page
    used = room
    for i, (first, last) in enumerate(spans):
        height = row_heights(ws, first, last)
        if used + height > room:
            ws.row_breaks.append(Break(id=first - 1))
            used = 0.0
        gap = row_heights(ws, last + 1, spans[i + 1][0] - 1) if i + 1 < len(spans) else 0.0
        used += height + gap
        if used > room:  # it ran over a page: the next one starts its own
            used = room


def column_points(width: float) -> float:
    """Printed width of a column of `width` character units, in points, at 100 %: the widest of the programs.

    Excel sets a unit at the default font's digit width (≈ 7 px = 5.25 pt, 8 px with 宋体) plus 5 px; headless
    LibreOffice 7.4 without the Windows fonts was measured at 6.75 pt a unit. A band computed narrower than it
    prints spills its last column onto a page of its own, so the widest is used (Excel's pages come out a
    little less full).
    """
    return width * 6.8 + 3


def plan_bands(col_widths: dict[int, float], sections: list[tuple[int, int]], repeat: int) -> list[tuple[int, int]]:
    """How a wide table prints on A4 landscape: [] when one band fitted to the page width keeps it at
    MIN_BAND_SCALE or more; otherwise bands of whole sections (tables), (first, last) column each, printed
    side by side on pages of their own with the first `repeat` columns (the unit) repeated.

    Args:
        col_widths: column -> width in character units, for every printed column.
        sections: (first, last) column of each section, left to right; `repeat` < every first.
        repeat: the columns repeated on every band (1..repeat).
    """

    def width(first: int, last: int) -> float:
        return sum(column_points(col_widths.get(c, 8.43)) for c in range(first, last + 1))

    ident = width(1, repeat)
    last_col = max((last for _, last in sections), default=repeat)
    if not sections or ident + width(repeat + 1, last_col) <= A4_LANDSCAPE_PT / MIN_BAND_SCALE:
        return []
    bands: list[tuple[int, int]] = []
    for first, last in sections:
        if bands and ident + width(bands[-1][0], last) <= A4_LANDSCAPE_PT / MIN_BAND_SCALE:
            bands[-1] = (bands[-1][0], last)
        else:
            bands.append((first, last))
    return bands if len(bands) > 1 else []


def print_bands(ws: Worksheet, col_widths: dict[int, float], bands: list[tuple[int, int]], repeat: int) -> None:
    """Print setup for `plan_bands`: one scale that fits the widest band (Excel ignores manual page breaks
    when fitting to the page), a column break after each band, the unit columns repeated."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    if not bands:
        return  # print_setup's fit to width
    ident = sum(column_points(col_widths.get(c, 8.43)) for c in range(1, repeat + 1))
    widest = max(ident + sum(column_points(col_widths.get(c, 8.43)) for c in range(a, b + 1)) for a, b in bands)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = None
    ws.page_setup.scale = max(10, min(100, int(100 * A4_LANDSCAPE_PT / widest)))
    ws.print_options.horizontalCentered = False
    for _, last in bands[:-1]:
        ws.col_breaks.append(Break(id=last, max=1048575))
    ws.print_title_cols = f"A:{get_column_letter(repeat)}"


def wide_title(
    ws: Worksheet, text: str, width: int, bands: list[tuple[int, int]], repeat: int, cols: dict[int, float]
) -> None:
    """The title row of a wide table: across the table, or, printed in bands, within the repeated unit
    columns (wrapped at its line breaks and where it must) so that every band's first page shows it whole."""
    if not bands:
        title_row(ws, text.replace("\n", ""), width)
        return
    put(ws, 1, 1, text, font="big", align="name")
    merge(ws, 1, 1, 1, repeat)
    room = sum(cols.get(c, 8.43) for c in range(1, repeat + 1))
    lines = sum(math.ceil(_display_width(part) * 12 / 11 / max(1.0, (room - 1) * 0.85)) for part in text.split("\n"))
    ws.row_dimensions[1].height = max(24.0, 18.0 * lines + 4)


def short_names(names: list[str]) -> list[str]:
    """Unit names without the district prefix they all share (烟台市芝罘区科学技术局 -> 科学技术局), for charts."""
    from xltool.consolidate import default_unit_name
    from xltool.roster import Roster, Unit

    prefix = default_unit_name(Roster(tuple(Unit(str(i), n) for i, n in enumerate(names))))
    if prefix == "汇总" or not all(n.startswith(prefix) and len(n) > len(prefix) for n in names):
        return list(names)
    return [n[len(prefix) :] for n in names]


# --------------------------------------------------------------------------- the workbook


def write_summary(cons: Consolidation, path: str | Path) -> Path:
    """Write the consolidation workbook: the official tables (by the template writer), then the report sheets.

    Raises:
        OSError: the file cannot be written.
    """
    from xltool.template import COVER_SHEET

    p = Path(path)
    if not p.parent.exists():  # made as "save as" does; a file in the way is the open's NotADirectoryError
        p.parent.mkdir(parents=True)
    tmp = p.with_name(f".{p.stem}.tmp{p.suffix}")
    try:
        wb = official_tables(cons)
        # the report sheets are the clerk's to sort, print or delete (问题清单 before it goes to the city):
        # no workbook structure lock; the official tables keep their sheet protection
        wb.security = None
        if COVER_SHEET in wb.sheetnames:
            title = f"{cons.year}年度政府信息公开工作年度报告汇总表" if cons.year else "政府信息公开工作年度报告汇总表"
            wb[COVER_SHEET]["A1"].value = title
            wb.properties.title = title
            summary_cover(wb[COVER_SHEET], cons)
        official_marks(wb, cons)
        add_report_sheets(wb, cons)
        from xltool.filenames import printable_workbook

        printable_workbook(wb)  # a file name not in UTF-8 would stop the save
        save_workbook(wb, tmp)
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


def official_tables(cons: Consolidation) -> Any:
    """The template writer's workbook of the consolidated report (an openpyxl Workbook, not saved): what
    `write_template(…, values=…, lock_inputs=True)` writes, without writing and reading it back (≈ 0.2 s)."""
    import uuid

    from xltool.template import build_workbook, now_iso
    from xltool.template_protect import protection_for

    members = cons.report.meta.get("members", [])
    return build_workbook(
        cons.form,
        year=cons.year,
        unit_name=cons.unit_name,
        unit_code=cons.report.unit_code,
        values=dict(cons.report.values),
        protection=protection_for(None),
        template_id=uuid.uuid4().hex,
        generated_at=now_iso(),
        meta_extra={
            "level": "consolidation",
            "members": json.dumps(members, ensure_ascii=False),
            "coverage": json.dumps(cons.coverage, ensure_ascii=False),  # for the level above (consolidate)
        },
        lock_inputs=True,  # a consolidated table nobody should type into
    ).wb


def invalid_mark(cons: Consolidation) -> str | None:
    """The warning every official table of a summary carries when it counts returns with errors
    (--include-invalid), naming the units; None when it counts none."""
    names = [e.unit.name if e.unit else (e.report.unit_name if e.report else "") for e in cons.counted_entries()]
    invalid = [n for n, e in zip(names, cons.counted_entries(), strict=True) if e.included_invalid]
    if not invalid:
        return None
    shown = "、".join(invalid[:10]) + (f" 等 {len(invalid)} 个单位" if len(invalid) > 10 else "")
    return (
        f"注意：本表的数字含 {len(invalid)} 个有错误、未通过校验的单位的数据（按 --include-invalid 计入）：{shown}。"
        "发布前请核实，详见“报送情况”和“问题清单”。"
    )


def official_marks(wb: Any, cons: Consolidation) -> None:
    """What the official sheets of a summary carry besides the template's own cells: page numbers in the footer
    (第 X 页，共 Y 页, as the report sheets), and under each table the warning that the totals count returns with
    errors (`invalid_mark`), inside its print area. The reader passes over text outside a consolidation's cells."""
    from xltool.template import COVER_SHEET
    from xltool.template_checks import sheet_checks

    for name in (COVER_SHEET, *(lay.sheet for lay in _layouts(cons).values())):
        if name in wb.sheetnames:
            wb[name].oddFooter.center.text = PAGE_FOOTER["zh"]
    mark = invalid_mark(cons)
    if mark is None:
        return
    from openpyxl.styles import Alignment, Font

    checks = sheet_checks(cons.form)
    for tid, lay in _layouts(cons).items():
        if lay.sheet not in wb.sheetnames or tid not in checks:
            continue
        ws = wb[lay.sheet]
        sc = checks[tid]
        r = sc.last_row + 2
        cell = ws.cell(row=r, column=1, value=mark)
        cell.font = Font(bold=True, color=RED)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if sc.last_col > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=sc.last_col)
        width = sum(_col_width(ws, c) for c in range(1, sc.last_col + 1))
        ws.row_dimensions[r].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * text_lines(mark, width) + 4)
        ws.print_area = f"A1:{_letter(sc.last_col)}{r}"


def _layouts(cons: Consolidation) -> dict[str, Any]:
    from xltool.layout import sheet_layouts

    return sheet_layouts(cons.form)


COVER_HEADINGS = INSTRUCTIONS_HEADINGS  # the template writer's own texts, not copies
"""The heading of the template cover's instructions to a department (replaced on the summary)."""
COVER_PRIOR_LABEL = _COVER_LABELS["zh"]["prefilled"]


def cover_notes(cons: Consolidation) -> list[str]:
    """What a clerk reading the summary needs: what the workbook is, who is counted, how to read it."""
    c = cons.counts
    year = f"{cons.year}年度" if cons.year else ""
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    invalid = sum(1 for e in cons.counted_entries() if e.included_invalid)
    parts = [f"通过 {c['passed']} 个", f"仅警告 {max(0, c['counted'] - c['passed'] - invalid)} 个"]
    if invalid:
        parts.append(f"有错误但按要求计入 {invalid} 个")
    errors_out = c["errors"] - invalid
    other = c["expected"] - c["counted"] - c["missing"] - errors_out
    left_out = [
        f"{label} {n} 个"
        for label, n in (
            ("有错误", errors_out),
            ("警告未作说明" if cons.options.get("accepted_only") else "其他原因", other),
            ("未报", c["missing"]),
        )
        if n > 0
    ]
    files = [
        f"{label} {c[k]} 个"
        for k, label in (
            ("foreign", "名单外单位的"),
            ("superseded", "已被较新文件替代的"),
            ("undecided", "同一单位内容不同、无法判断先后的"),
            ("unidentified", "无法识别单位的"),
            ("mismatched", "文件名与内容不是同一单位的"),
        )
        if c[k]
    ]
    scope = (
        f"2. 汇总范围：名单内应报 {c['expected']} 个单位，已收 {c['received']} 个，计入汇总 {c['counted']} 个"
        f"（{'，'.join(parts)}）"
        + (f"；未计入：{'，'.join(left_out)}" if left_out else "")
        + (f"；另有未计入的文件：{'，'.join(files)}" if files else "")
        + (f"；另跳过不是报表的文件 {c['skipped']} 个" if c["skipped"] else "")
        + _below_note(cons)
        + "。每个单位的情况见“报送情况”。"
    )
    tables = "、".join(t.name for t in cons.form.tables)
    if cons.ok:
        verdict = "4. 汇总校验（C-SUM）：通过。汇总数等于各计入单位数据逐项之和，并符合全部校验规则。"
    else:
        n = sum(1 for f in cons.csum if f.severity == "error")
        verdict = f"4. 汇总校验（C-SUM）：未通过，{n} 处，见“问题清单”；请勿使用本汇总表，请联系技术人员。"
    sheets = ["“报送情况”：每个单位是否报送、是否计入汇总、错误和警告数及主要问题，未报单位名单可直接复制"]
    if cons.group_by:
        sheets.append("“分类小计”：按单位类别小计")
    sheets += [
        "“单位明细”：每个单位的主要指标，末行“合计”等于汇总表",
        "“问题清单”：最常见的问题和每个单位的全部问题",
        "“图表”：各单位申请数量、办理结果构成" + ("和本年与上年对比" if cons.prior_values else ""),
    ]
    who = (
        f"{cons.unit_name}{year}政府信息公开工作年度报告汇总表"
        if cons.options.get("unit_name_from", "option")
        else f"{year}政府信息公开工作年度报告汇总表（汇总单位的名称未能从名单确定，暂写为“{cons.unit_name}”；"
        "汇总时可用 --unit-name 给出）"
    )
    return [
        f"1. 本工作簿是{who}，由 xltool 于 {made} 根据各单位报送的统计表汇总生成，供审核、存档和向上级报送。",
        scope,
        f"3. {tables}中的数字是计入汇总的各单位数据之和，“总计”由公式计算；汇总表已锁定，如需更正，"
        "请让单位改正报表后重新汇总。",
        verdict,
        "5. 其他工作表：" + "；".join(sheets) + "。",
        "6. 上报时可在上方填写联系人、联系电话和填报日期；上级单位可用本文件直接汇总，文件中记录了计入的单位，"
        "同一单位不会被重复计入。",
    ]


def _below_note(cons: Consolidation) -> str:
    """For a summary of lower levels' summaries: those that are incomplete, count returns with errors, or do not
    say what they cover (their numbers are in the totals as they are)."""
    from xltool.consolidate import coverage_complete, coverage_text

    below = [e for e in cons.counted_entries() if e.summary and e.unit is not None]
    short = [f"{e.unit.name}（{coverage_text(e.coverage)}）" for e in below if not coverage_complete(e.coverage)]
    if not short:
        return ""
    return f"；计入的下级汇总表中不完整或范围未知的 {len(short)} 个：{'；'.join(short)}"


def summary_cover(ws: Worksheet, cons: Consolidation) -> None:
    """Replace the template cover's instructions to a department (填报须知) with the summary's own notes
    (汇总说明), and say what last year's data were used for. Nothing else of the cover changes: the reader
    finds the unit, code and year by their labels."""
    from openpyxl.cell.cell import MergedCell

    heading = next((r for (r, c), cell in ws._cells.items() if c == 1 and cell.value in COVER_HEADINGS), None)
    for (r, c), cell in list(ws._cells.items()):
        if c == 1 and cell.value == COVER_PRIOR_LABEL:
            ws.cell(row=r, column=2).value = (
                "已提供：用于跨年度校验（上年结转、现行有效件数），以及“图表”中的本年与上年对比。"
                if cons.prior_values
                else "未提供（汇总时用 --prior 给出上年度报告，即可进行跨年度校验和本年与上年对比）。"
            )
    if heading is None:
        return
    ws.cell(row=heading, column=1).value = "汇总说明"
    old = [r for (r, c), cell in ws._cells.items() if c == 1 and r > heading and not isinstance(cell, MergedCell)]
    style = ws.cell(row=heading + 1, column=1)._style
    width = _col_width(ws, 1) + _col_width(ws, 2)
    for r in old:
        ws.cell(row=r, column=1).value = None
    notes = cover_notes(cons)
    for i, text in enumerate(notes, start=1):
        r = heading + i
        cell = ws.cell(row=r, column=1)
        cell.value = text
        cell._style = copy(style)
        if not any(rng.min_row == r and rng.min_col == 1 for rng in ws.merged_cells.ranges):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        lines = math.ceil(_display_width(text) / ((width - 1) * 0.85))
        ws.row_dimensions[r].height = max(18.0, LINE_HEIGHT * lines + 3)
    for r in old:
        if r > heading + len(notes):
            ws.row_dimensions[r].height = None


def add_report_sheets(wb: Any, cons: Consolidation) -> None:
    """Add 报送情况, 分类小计 (with group_by), 单位明细, 问题清单 and 图表 to an openpyxl workbook."""
    for name in SUMMARY_SHEETS:
        if name in wb.sheetnames:
            del wb[name]
    table = indicator_rows(cons)  # computed once: ≈ 0.2 ms a unit
    status_sheet(wb.create_sheet(SHEET_STATUS), cons)
    if cons.group_by:
        groups_sheet(wb.create_sheet(SHEET_GROUPS), cons)
    units_sheet(wb.create_sheet(SHEET_UNITS), cons, table)
    findings_sheet(wb.create_sheet(SHEET_FINDINGS), cons)
    charts_sheet(wb.create_sheet(SHEET_CHARTS), cons, table)


# --------------------------------------------------------------------------- saving
#
# openpyxl serialises a cell in ≈ 25 µs (an lxml element per cell, its style looked up by hashing); the report
# sheets of 10,000 units hold 400,000 cells. Their <sheetData> is built here as text instead, byte for byte
# what openpyxl writes (tests compare the two), and spliced into the part openpyxl writes for the sheet.

_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"})


def sheet_data_xml(ws: Worksheet) -> str | None:
    """The `<sheetData>` element of a worksheet exactly as openpyxl writes it.

    Returns None when a cell holds anything but text, a number, a boolean or nothing (a formula, a date, a
    comment, a hyperlink, rich text): openpyxl writes such a sheet itself.
    """
    if not _fast_writable(ws._cells):
        return None
    return "".join(_sheet_data_chunks(ws, ws._cells))


def _fast_writable(cells: dict[tuple[int, int], Any]) -> bool:
    for cell in cells.values():
        if cell._comment is not None or cell.hyperlink is not None:
            return False
        dtype = cell.data_type
        if dtype == "s":
            if cell._value is not None and not isinstance(cell._value, str):
                return False  # rich text
        elif dtype not in ("n", "b"):
            return False
    return True


def _sheet_data_chunks(ws: Worksheet, cells: dict[tuple[int, int], Any], rows_per_chunk: int = 500) -> Iterator[str]:
    """`<sheetData>…</sheetData>` of these cells (checked by _fast_writable) in pieces of some hundred rows,
    so that 400,000 cells never stand in memory as one text."""
    from openpyxl.compat import safe_string
    from openpyxl.utils import get_column_letter

    rows: dict[int, list[Any]] = {}
    for key in sorted(cells):
        rows.setdefault(key[0], []).append(cells[key])
    dims = ws.row_dimensions
    for r in dims.keys() - rows.keys():
        rows[r] = []
    style_ids: dict[tuple[int, ...], int] = {}
    cell_styles_ = ws.parent._cell_styles
    letters: dict[int, str] = {}
    yield "<sheetData>"
    out: list[str] = []
    for n, r in enumerate(sorted(rows), start=1):
        attrs = {"r": f"{r}"}
        attrs.update(dims.get(r, {}))
        head = "<row " + " ".join(f'{k}="{str(v).translate(_XML_ATTR)}"' for k, v in attrs.items())
        row = rows.pop(r)
        if not row:
            out.append(head + "></row>")
            continue
        out.append(head + ">")
        for cell in row:
            value = cell._value
            arr = cell._style
            styled = arr is not None and any(arr)
            if value is None and not styled:
                continue
            col = cell.column
            ref = letters.get(col)
            if ref is None:
                ref = letters[col] = get_column_letter(col)
            c = f'<c r="{ref}{r}"'
            if styled:
                key = tuple(arr)
                sid = style_ids.get(key)
                if sid is None:
                    sid = style_ids[key] = cell_styles_.add(arr)
                c += f' s="{sid}"'
            dtype = cell.data_type
            c += ' t="inlineStr"' if dtype == "s" else f' t="{dtype}"'
            if value is None or value == "":
                out.append(c + "></c>")
            elif dtype == "s":
                space = ' xml:space="preserve"' if value != value.strip() else ""
                out.append(f"{c}><is><t{space}>{value.translate(_XML_TEXT)}</t></is></c>")
            else:
                out.append(f"{c}><v>{safe_string(value)}</v></c>")
        out.append("</row>")
        if n % rows_per_chunk == 0:
            yield "".join(out)
            out.clear()
    yield "".join(out) + "</sheetData>"


class _SheetDataZip:
    """A zipfile.ZipFile for openpyxl's ExcelWriter that streams the `<sheetData>` of given sheet parts
    (openpyxl writes them with no cells: columns, merges, print setup … are its own)."""

    def __init__(self, path: Path, parts: dict[str, tuple[Any, dict[tuple[int, int], Any]]]):
        from zipfile import ZIP_DEFLATED, ZipFile

        self._zip = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
        self.parts = dict(parts)

    def write(self, filename: str, arcname: str | None = None, *args: Any, **kw: Any) -> None:
        got = self.parts.pop(arcname or "", None)
        if got is None:
            self._zip.write(filename, arcname, *args, **kw)
            return
        ws, cells = got
        xml = Path(filename).read_bytes()
        xml = _splice(xml, b"<dimension ", b"/>", f'<dimension ref="{_dimension(cells)}"/>'.encode())
        start = xml.find(b"<sheetData")
        end = xml.find(b"/>", start) + 2 if xml.startswith(b"<sheetData/>", start) else xml.find(b"</sheetData>") + 12
        if start < 0 or end < 12:
            raise _FastSaveError(arcname)
        with self._zip.open(arcname or "", "w") as out:
            out.write(xml[:start])
            for chunk in _sheet_data_chunks(ws, cells):
                out.write(chunk.encode("ascii", "xmlcharrefreplace"))  # as openpyxl (lxml) writes non-ASCII
            out.write(xml[end:])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._zip, name)


class _FastSaveError(Exception):
    """openpyxl wrote a sheet part in a way the splice does not know: save the plain way."""


def _splice(xml: bytes, start_tag: bytes, end_tag: bytes, new: bytes) -> bytes:
    start = xml.find(start_tag)
    if start < 0:
        raise _FastSaveError(start_tag.decode())
    end = xml.find(end_tag, start) + len(end_tag)
    return xml[:start] + new + xml[end:]


def _dimension(cells: dict[tuple[int, int], Any]) -> str:
    """The sheet's extent as openpyxl's calculate_dimension gives it."""
    from openpyxl.utils import get_column_letter

    if not cells:
        return "A1:A1"
    rows = {r for r, _ in cells}
    cols = {c for _, c in cells}
    return f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"


def save_workbook(wb: Any, path: str | Path, sheets: tuple[str, ...] = SUMMARY_SHEETS) -> Path:
    """`wb.save(path)`, with the cells of `sheets` serialised by `_sheet_data_chunks` (≈ 10× faster, streamed):
    the same file, part for part.

    Falls back to `wb.save` when a sheet holds what the fast path does not write (see sheet_data_xml) or
    openpyxl's output is not what it expects.
    """
    import datetime

    from openpyxl.writer.excel import ExcelWriter

    p = Path(path)
    parts: dict[str, tuple[Any, dict[tuple[int, int], Any]]] = {}
    emptied: list[tuple[Any, dict[Any, Any]]] = []
    for idx, ws in enumerate(wb.worksheets, 1):  # openpyxl names the parts sheet1.xml … in this order
        if ws.title in sheets and _fast_writable(ws._cells):
            parts[f"xl/worksheets/sheet{idx}.xml"] = (ws, ws._cells)
            emptied.append((ws, ws._cells))
    try:
        for ws, _ in emptied:
            ws._cells = {}  # openpyxl writes the rest of the sheet (columns, merges, print setup …)
        archive = _SheetDataZip(p, parts)
        try:
            wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
            ExcelWriter(wb, archive).save()
        finally:
            archive._zip.close()
        if archive.parts:
            raise _FastSaveError(", ".join(archive.parts))
    except _FastSaveError:
        for ws, cells in emptied:
            ws._cells = cells
        wb.save(p)
    finally:
        for ws, cells in emptied:
            ws._cells = cells
    return p


def _year_title(cons: Consolidation, what: str) -> str:
    year = f"{cons.year}年度" if cons.year else ""
    return f"{cons.unit_name}{year}政府信息公开工作年度报告{what}"


def _fmt_time(t: Any) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t is not None and hasattr(t, "strftime") else ""


# --------------------------------------------------------------------------- 报送情况


STATUS_HEADERS = (
    *("序号", "单位代码", "单位名称", "类别", "报送状态", "计入汇总"),
    *("错误", "警告", "文件", "接收时间", "主要问题"),
)
STATUS_WIDTHS = {1: (6, 8), 2: (10, 24), 3: (16, 40), 4: (6, 16), 5: (8, 24), 6: (8, 16), 7: (6, 8), 8: (6, 8),
                 9: (20, 54), 10: (12, 20)}  # fmt: skip
"""报送情况's columns (but the last, 主要问题, 60 wide and wrapped): (least, most) width; each as wide as its
longest text within those, header included (see name_width); a longer text wraps."""
PROBLEMS_WIDTH = 60
COVERAGE_HEADER = "下级汇总范围"
"""The column before 主要问题 when some unit's return is a lower level's summary: what that summary covers."""
COVERAGE_WIDTH = (14, 36)


def status_headers(cons: Consolidation) -> list[str]:
    """报送情况's header row: STATUS_HEADERS, with 下级汇总范围 before 主要问题 when a unit sent a summary."""
    headers = list(STATUS_HEADERS)
    if _has_coverage(cons):
        headers.insert(len(headers) - 1, COVERAGE_HEADER)
    return headers


def _has_coverage(cons: Consolidation) -> bool:
    return "coverage" in cons.status and any(v is not None for v in cons.status["coverage"])


def status_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """First the status line and who has not reported (ready to copy), then one row per roster unit, then
    the files that count for no unit, section by section (each kept on one page, see keep_together)."""
    headers = status_headers(cons)
    cov = len(headers) > len(STATUS_HEADERS)
    n = len(headers)
    title_row(ws, _year_title(cons, "报送情况"), n)
    put(ws, 2, 1, cons.status_line(), font="big")
    merge(ws, 2, 1, 2, n)
    ws.row_dimensions[2].height = 21  # the 12 pt line: 19.4 pt in LibreOffice
    verdict = (
        "汇总校验（C-SUM）：通过"
        if cons.ok
        else f"汇总校验（C-SUM）：未通过，{sum(1 for f in cons.csum if f.severity == 'error')} 处，见“问题清单”"
    )
    put(ws, 3, 1, f"{cons.counted_line()}；{verdict}", font=None if cons.ok else "red_bold")
    merge(ws, 3, 1, 3, n)
    missing = cons.missing_units
    # the label beside the list it introduces, on the list's first line (the row is as tall as the list)
    put(ws, 4, 1, f"未报单位（{len(missing)} 个）", font="bold", align="top")
    merge(ws, 4, 1, 4, 2)
    put(ws, 4, 3, "、".join(missing) if missing else "无", align="wrap")
    merge(ws, 4, 3, 4, n)
    head = 6
    records = cons.status.to_dict(orient="records")
    rows = [_status_row(i, rec, cov) for i, rec in enumerate(records, start=1)]
    sections = _other_sections(cons, headers)
    cols = status_widths([headers, *rows, *(s[1] for s in sections), *(r for s in sections for r in s[2])])
    header_row(ws, head, headers)
    r = head
    for rec, row in zip(records, rows, strict=True):
        r += 1
        fills = {5: STATUS_FILL[rec["status"]], 6: STATUS_FILL[ERRORS] if rec["included_invalid"] else None}
        _status_cells(ws, r, row, cols, fills)
    ws.auto_filter.ref = f"A{head}:{_letter(n)}{r}"
    spans = []
    for heading, heads, entries in sections:
        r += 2
        start = r
        put(ws, r, 1, heading, font="bold")
        r += 1
        header_row(ws, r, heads)
        for row in entries:
            r += 1
            _status_cells(ws, r, row, cols, {})
        spans.append((start, r))
    widths(ws, cols)
    default_row_height(ws)
    fit_rows(ws, 4, ws.max_row)
    ws.freeze_panes = ws.cell(row=head + 1, column=4)
    print_setup(ws, f"{head}:{head}")
    keep_together(ws, spans, cols, head)


def status_widths(rows: list[list[Any]]) -> dict[int, float]:
    """报送情况's column widths from the texts in them (STATUS_WIDTHS): `rows` are every row of values and
    headers the sheet shows in its columns."""
    cols: dict[int, float] = {}
    n = len(rows[0]) if rows else len(STATUS_HEADERS)
    spans = dict(STATUS_WIDTHS)
    if n > len(STATUS_HEADERS):  # 下级汇总范围 before 主要问题
        spans[n - 1] = COVERAGE_WIDTH
    for j, (least, most) in spans.items():
        texts = (v if isinstance(v, str) else str(v) for v in (row[j - 1] for row in rows) if v is not None)
        cols[j] = name_width(texts, least=least, most=most)
    cols[n] = PROBLEMS_WIDTH
    return cols


def _status_row(i: int, rec: dict[str, Any], coverage: bool = False) -> list[Any]:
    mark = "是（含错误）" if rec["included_invalid"] else ("是" if rec["counted"] else "否")
    row = [
        i,
        rec["code"],
        rec["name"],
        rec["category"],
        rec["status"],
        mark,
        rec["errors"] if rec["status"] != MISSING else None,
        rec["warnings"] if rec["status"] != MISSING else None,
        Path(rec["file"]).name if rec["file"] else "",
        _fmt_time(rec["received"]),
        rec["problems"],
    ]
    if coverage:
        row.insert(len(row) - 1, rec.get("coverage") or "")
    return row


def _status_cells(ws: Worksheet, r: int, row: list[Any], cols: dict[int, float], fills: dict[int, Any]) -> None:
    """One row of 报送情况: text on one line where it fits its column, else wrapped (fit_rows makes the row
    taller); the last column (主要问题, 原因 …) always wrapped."""
    last = len(row)
    for j, v in enumerate(row, start=1):
        put(
            ws,
            r,
            j,
            v,
            fmt="0" if j in (1, 7, 8) else None,
            border=True,
            align="wrap" if j == last else fits(v, cols[j]),
            fill=fills.get(j),
        )


def _entry_name(e: Any) -> str:
    rep = e.report
    return (e.unit.name if e.unit else (rep.unit_name if rep else "")) or ""


def _other_sections(cons: Consolidation, headers: list[str]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(heading, header row, rows) of the files that count for no roster unit (superseded, undecided, foreign,
    unidentified, mismatched), in the same columns; then of the files that are no report at all (skipped: no
    unit, no error count, why in the last column). Sections without files are left out."""
    sections = [
        (SUPERSEDED, "重复报送（已被本单位较新的文件替代，未计入汇总）", "替代它的文件"),
        (UNDECIDED, "重复报送（本单位的几份文件内容不同、无法判断先后，均未计入汇总）", "原因"),
        (FOREIGN, "名单外单位的文件（未计入汇总）", "主要问题"),
        (UNIDENTIFIED, "无法识别单位的文件（未计入汇总）", "主要问题"),
        (MISMATCHED, "文件名与内容不是同一单位的文件（未计入汇总）", "主要问题"),
        (SKIPPED, "不是报表文件（已跳过）", "原因"),
    ]
    out = []
    cov = len(headers) > len(STATUS_HEADERS)
    for role, heading, last in sections:
        entries = [e for e in cons.entries if e.role == role]
        if not entries:
            continue
        rows = []
        for i, e in enumerate(entries, start=1):
            rep = e.report
            c = e.result.counts
            note = Path(e.superseded_by).name if role == SUPERSEDED and e.superseded_by else _problem_text(e)
            if role == UNDECIDED:  # why first (the files it cannot be told from), then its own errors
                note = _problem_text(e, first="CONS-DUPLICATE-UNDECIDED")
            if role == SKIPPED:  # FILE-NOT-REPORT's own words; its 错误 is no unit's error
                note = "；".join(f.title["zh"] for f in e.result.findings if f.severity == "error")
            rows.append(
                [
                    i,
                    "" if role == MISMATCHED else (e.unit.code if e.unit else (rep.unit_code if rep else "")) or "",
                    pending_label(e) if role == MISMATCHED else _entry_name(e),  # neither unit's file
                    e.unit.category if e.unit else "",
                    ROLE_ZH[role],
                    "否",
                    None if role == SKIPPED else c["error"],
                    None if role == SKIPPED else c["warning"],
                    Path(e.file).name,
                    _fmt_time(e.received),
                    *([""] if cov else []),
                    note,
                ]
            )
        out.append((f"{heading}：{len(entries)} 个", [*headers[:4], "文件状态", *headers[5:-1], last], rows))
    return out


def _problem_text(e: Any, first: str | None = None) -> str:
    """The file's first three errors (or findings, without errors), the finding `first` before the others."""
    probs = [f for f in e.result.findings if f.severity == "error"] or e.result.findings
    if first is not None:
        probs = sorted(probs, key=lambda f: f.rule != first)  # stable: the others keep their order
    return "；".join(f"【{SEVERITY_ZH[f.severity]} {f.rule}】{f.title['zh']}" for f in probs[:3])


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


# --------------------------------------------------------------------------- 单位明细 and 分类小计


def sheet_order(cons: Consolidation) -> list[int]:
    """Indices into `cons.indicators` in the order 单位明细 and 分类小计 show them: the form's table order
    (表二、表三、表四, as printed in the report), each table's indicators in their own order."""
    rank = {t.id: i for i, t in enumerate(cons.form.tables)}
    return sorted(range(len(cons.indicators)), key=lambda k: rank[cons.indicators[k].table])


def _sections(cons: Consolidation, first_col: int, order: list[int]) -> list[tuple[int, int]]:
    """(first, last) column of each table's indicators, as _indicator_headers lays them out."""
    out: list[tuple[int, int]] = []
    for i, k in enumerate(order):
        if out and cons.indicators[order[i - 1]].table == cons.indicators[k].table:
            out[-1] = (out[-1][0], first_col + i)
        else:
            out.append((first_col + i, first_col + i))
    return out


def _indicator_headers(
    ws: Worksheet, cons: Consolidation, row: int, first_col: int, order: list[int]
) -> list[tuple[int, int]]:
    """Two header rows over the indicators (in `order`): the table's official heading, then each indicator's
    label. Returns the (first, last) column of each table."""
    inds = [cons.indicators[k] for k in order]
    sections = []
    i = 0
    while i < len(inds):
        j = i
        while j + 1 < len(inds) and inds[j + 1].table == inds[i].table:
            j += 1
        title = cons.form.table(inds[i].table).title
        put(ws, row, first_col + i, title, font="bold", fill=HEADER_FILL, align="center", border=True)
        if j > i:
            merge(ws, row, first_col + i, row, first_col + j, border=True)
        sections.append((first_col + i, first_col + j))
        i = j + 1
    header_row(ws, row + 1, [ind.header for ind in inds], first_col)
    return sections


def _indicator_widths(cons: Consolidation, first_col: int, order: list[int]) -> dict[int, float]:
    """10 for a count, 16 for an amount (24252.311082), wider where the total would not fit (no ###)."""
    totals = cons.indicator_totals()
    out = {}
    for i, k in enumerate(order):
        base = 16 if cons.indicators[k].type == "decimal" else 10
        total = totals[k]
        shown = format(total, ",f" if isinstance(total, Decimal) else ",") if total is not None else ""
        out[first_col + i] = float(max(base, len(shown) + 2))
    return out


def text_units(text: str) -> int:
    """Width of a one-line text in column units as Excel sets it in 宋体: a CJK character (and a full-width
    quote) 2, anything else 1. (text_lines counts a Latin letter a little wider, as LibreOffice sets it.)"""
    if text.isascii():
        return len(text)
    return sum(map(_char_text_units, text))


@functools.cache
def _char_text_units(ch: str) -> int:
    return 2 if _is_wide(ch) else 1


def name_width(names: Iterable[str], *, least: float = 16, most: float = 40) -> float:
    """A column width that shows the longest name on one line (within least..most; longer names wrap)."""
    longest = max((text_units(n) for n in names if isinstance(n, str)), default=0)
    return float(min(most, max(least, longest + 2)))


def fits(text: Any, width: float) -> str:
    """The alignment of a name in a column of `width`: one line if it fits, else wrapped (and the row taller)."""
    return "left" if not isinstance(text, str) or text_lines(text, width) == 1 else "name"


def indicator_rows(cons: Consolidation) -> list[list[Any]]:
    """`cons.indicator_table()` as lists, one per roster unit in roster order (None where not counted)."""
    table = cons.indicator_table()
    rows = table.to_numpy().tolist()
    codes = [u.code for u in cons.roster.units]
    if list(table.index) != codes:  # pragma: no cover - indicator_table keeps the roster order
        index = {code: i for i, code in enumerate(table.index)}
        rows = [rows[index[c]] for c in codes]
    return rows


def _unit_rows(
    cons: Consolidation, table: list[list[Any]] | None = None
) -> Iterator[tuple[Any, dict[str, Any], list[Any]]]:
    """(roster unit, its 报送情况 record, its indicator values) in roster order, without a lookup per unit."""
    records = cons.status.to_dict(orient="records")
    units = cons.roster.units
    if [r["code"] for r in records] != [u.code for u in units]:  # pragma: no cover - the status keeps it too
        by_code = {r["code"]: r for r in records}
        records = [by_code[u.code] for u in units]
    return zip(units, records, table if table is not None else indicator_rows(cons), strict=True)


def units_sheet(ws: Worksheet, cons: Consolidation, table: list[list[Any]] | None = None) -> None:
    """One row per roster unit with the key indicators (counted units only), then 合计 = 汇总表.

    The indicators follow the form's table order (表二、表三、表四). Printed on A4 landscape: in bands of
    whole tables, the unit columns repeated on each (see print_bands).
    """
    ident = ["序号", "单位代码", "单位名称", "类别", "报送状态"]
    cov = _has_coverage(cons)
    if cov:  # a unit's return is a lower level's summary: what it covers, beside its figures
        ident.append(COVERAGE_HEADER)
    order = sheet_order(cons)
    n = len(ident) + len(order)
    first = len(ident) + 1
    name_col = name_width(u.name for u in cons.roster.units)
    cols = {1: 6, 2: 13, 3: name_col, 4: 7, 5: 10, **_indicator_widths(cons, first, order)}
    if cov:
        cols[6] = name_width((v for v in cons.status["coverage"] if v), least=COVERAGE_WIDTH[0], most=24)
    bands = plan_bands(cols, _sections(cons, first, order), len(ident))
    wide_title(ws, _year_title(cons, "单位明细") + "\n（未计入汇总的单位不列数据）", n, bands, len(ident), cols)
    header_row(ws, 2, ident)
    for j in range(1, len(ident) + 1):
        merge(ws, 2, j, 3, j)
    _indicator_headers(ws, cons, 2, first, order)
    r = 3
    for i, (u, rec, values) in enumerate(_unit_rows(cons, table), start=1):
        r = 3 + i
        label = rec["status"] + ("（已计入）" if rec["included_invalid"] else "")
        cells = [i, u.code, u.name, u.category, label] + ([rec.get("coverage") or ""] if cov else [])
        for j, v in enumerate(cells, start=1):
            fill = STATUS_FILL[rec["status"]] if j == 5 else None
            align = fits(v, name_col) if j == 3 else (fits(v, cols[6]) if j == 6 else "left")
            put(ws, r, j, v, fmt="0" if j == 1 else None, border=True, fill=fill, align=align)
        for j, k in enumerate(order, start=first):
            put(ws, r, j, values[k], border=True, align="left")
    r += 1
    total = {"font": "bold", "fill": TOTAL_FILL, "border": True}
    put(ws, r, 1, "合计", **total)
    merge(ws, r, 1, r, len(ident), **total)
    totals = cons.indicator_totals()
    for j, k in enumerate(order, start=first):
        put(ws, r, j, totals[k], **total)
    widths(ws, cols)
    fit_rows(ws, 2, r)
    ws.freeze_panes = ws.cell(row=4, column=4)
    ws.auto_filter.ref = f"A3:{_letter(n)}{r - 1}"
    print_setup(ws, "2:3")
    print_bands(ws, cols, bands, len(ident))


def groups_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """Key indicators per roster category (部门 / 街道), with 合计 = 汇总表; columns as in 单位明细, the
    table fitted to one page width (a few rows: one page, where 单位明细 prints in bands)."""
    ident = ["类别", "应报单位数", "计入汇总单位数"]
    order = sheet_order(cons)
    n = len(ident) + len(order)
    first = len(ident) + 1
    df = cons.subtotals()
    cols = {1: name_width(df["group"], least=10, most=24), 2: 8, 3: 9, **_indicator_widths(cons, first, order)}
    title_row(ws, _year_title(cons, "分类小计"), n)
    header_row(ws, 2, ident)
    for j in range(1, len(ident) + 1):
        merge(ws, 2, j, 3, j)
    _indicator_headers(ws, cons, 2, first, order)
    r = 3
    for rec in df.itertuples(index=False):
        r += 1
        row = [*rec[: len(ident)], *(rec[len(ident) + k] for k in order)]
        for j, v in enumerate(row, start=1):
            put(ws, r, j, v, fmt="0" if j in (2, 3) else None, border=True, align="name" if j == 1 else "left")
    r += 1
    c = cons.counts
    totals = cons.indicator_totals()
    for j, v in enumerate(["合计", c["expected"], c["counted"], *(totals[k] for k in order)], start=1):
        put(ws, r, j, v, fmt="0" if j in (2, 3) else None, font="bold", fill=TOTAL_FILL, border=True)
    widths(ws, cols)
    fit_rows(ws, 2, r)
    ws.freeze_panes = ws.cell(row=4, column=2)
    print_setup(ws, "2:3")  # a few rows: the whole table on one page


# --------------------------------------------------------------------------- 问题清单


def findings_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """The rules most often broken (by units affected), then every finding of every unit."""
    df = cons.findings
    headers = ["序号", "单位代码", "单位名称", "文件", "级别", "规则", "位置", "问题", "详情", "处理", "单位说明"]
    n = len(headers)
    title_row(ws, _year_title(cons, "问题清单"), n)
    put(ws, 2, 1, "一、最常见的问题（按涉及单位数排序；不含提示）", font="bold")
    header_row(ws, 3, ["序号", "规则", "级别", "涉及单位数", "出现次数", "示例"])
    merge(ws, 3, 6, 3, n)
    r = 3
    problems = df[df["severity"].isin(["error", "warning"]) & (df["role"] != "consolidation")]
    ranking = _ranking(problems)
    for i, (rule, sev, units, times, example) in enumerate(ranking, start=1):
        r += 1
        for j, v in enumerate([i, rule, SEVERITY_ZH[sev], units, times, example], start=1):
            put(ws, r, j, v, fmt="0" if j in (1, 4, 5) else None, border=True, align="wrap")
        merge(ws, r, 6, r, n)
    if not ranking:
        r += 1
        put(ws, r, 1, "无")
    r += 2
    put(ws, r, 1, f"二、全部问题（{len(df)} 条：错误、警告、提示）", font="bold")
    r += 1
    head = r
    header_row(ws, head, headers)
    for i, rec in enumerate(df.to_dict(orient="records"), start=1):
        r += 1
        row = [
            i,
            rec["code"],
            rec["unit"],
            Path(rec["file"]).name if rec["file"] else "",
            SEVERITY_ZH.get(rec["severity"], rec["severity"]),
            rec["rule"],
            rec["cells"],
            rec["title"],
            rec["details"],
            rec["fix"],
            rec["explanation"],
        ]
        sev_fill = SEVERITY_FILL.get(rec["severity"])
        for j, v in enumerate(row, start=1):
            put(ws, r, j, v, fmt="0" if j == 1 else None, border=True, align="wrap", fill=sev_fill if j == 5 else None)
    ws.auto_filter.ref = f"A{head}:{_letter(n)}{max(r, head)}"
    # the rule ids on one line, in both tables: 规则 of the list, and its column B of the ranking
    rules = [x[0] for x in ranking]
    widths(
        ws,
        {
            1: name_width([str(len(df))], least=6, most=10),
            2: name_width([*df["code"], *rules], least=13, most=24),
            3: 24,
            4: 20,
            5: name_width(["出现次数"], least=6),
            6: name_width(df["rule"], least=14, most=30),
            7: 14,
            8: 44,
            9: 50,
            10: 36,
            11: 20,
        },
    )
    default_row_height(ws)
    fit_rows(ws, 3, ws.max_row)
    print_setup(ws)


def _ranking(problems: Any) -> list[tuple[str, str, int, int, str]]:
    """(rule, severity, units affected, findings, an example title), most units first."""
    out = []
    for (rule, sev), grp in problems.groupby(["rule", "severity"], sort=False):
        units = grp["unit"].nunique()
        out.append((rule, sev, units, len(grp), grp["title"].iloc[0]))
    order = {"error": 0, "warning": 1}
    return sorted(out, key=lambda x: (-x[2], -x[3], order.get(x[1], 2), x[0]))


# --------------------------------------------------------------------------- 图表


def _rows(height_cm: float) -> int:
    """Sheet rows (default height 15 pt = 0.53 cm) a chart of this height covers."""
    return int(height_cm / 0.53) + 1


def _labels(**show: bool):
    """Data labels showing only what is asked (LibreOffice shows series and category names when unset)."""
    from openpyxl.chart.label import DataLabelList

    flags = {"showVal": False, "showPercent": False, "showCatName": False, "showSerName": False}
    return DataLabelList(**{**flags, **show}, showLegendKey=False, showLeaderLines=False)


_ORDINAL = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def charts_sheet(ws: Worksheet, cons: Consolidation, table: list[list[Any]] | None = None) -> None:
    """Native charts, each next to the small table it draws and on its own printed page: applications by
    unit, the outcome mix of the district, and (with prior data) this year against last year."""
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.worksheet.pagebreak import Break

    title_row(ws, _year_title(cons, "图表"), 3)
    inds = cons.indicators
    apps = next((i for i, ind in enumerate(inds) if ind.role == "applications"), 0)
    outcome = [i for i, ind in enumerate(inds) if ind.role == "outcome"]
    totals = cons.indicator_totals()
    apps_name = _ORDINAL.sub("", inds[apps].header)
    blocks: list[tuple[str, list[str], list[list[Any]], Any]] = []

    # 1. applications by unit (counted units), largest first in the table and, with the category axis
    # reversed (a horizontal bar chart draws its first category at the bottom), on top in the chart
    by_code = dict(zip((u.code for u in cons.roster.units), table or indicator_rows(cons), strict=True))
    entries = [e for e in cons.counted_entries() if e.unit is not None]
    counted = [e.unit for e in entries]
    names = [
        n + ("（含错误）" if e.included_invalid else "")
        for n, e in zip(short_names([u.name for u in counted]), entries, strict=True)
    ]
    data = sorted(([n, by_code[u.code][apps] or 0] for n, u in zip(names, counted, strict=True)), key=lambda x: -x[1])
    bar = BarChart()
    bar.type = "bar"
    bar.style = 10
    bar.title = f"各单位{apps_name}"
    bar.legend = None
    bar.y_axis.title = "件"
    bar.y_axis.majorGridlines = None
    bar.x_axis.tickLblSkip = 1
    bar.x_axis.scaling.orientation = "maxMin"
    bar.dataLabels = _labels(showVal=True)
    bar.height, bar.width = max(8.0, 0.6 * len(data) + 3), 16
    blocks.append((f"一、各单位{apps_name}", ["单位", "件数"], data, bar))

    # 2. the outcome mix of the district
    pie = PieChart()
    pie.title = "办理结果构成"
    pie.dataLabels = _labels(showPercent=True)
    pie.legend.position = "r"
    pie.height, pie.width = 10, 18
    mix = [[inds[k].header, totals[k] or 0] for k in outcome]
    blocks.append(("二、办理结果构成", ["办理结果", "件数"], mix, pie))

    # 3. this year against last year: 表二 mixes counts with amounts of another scale, so 表三 and 表四
    if cons.prior_values:
        compare = [i for i, ind in enumerate(inds) if cons.form.table(ind.table).layout != "blocks"]
        prior = cons.indicator_totals(cons.prior_values)  # type: ignore[arg-type]
        year = cons.year
        cmp_chart = BarChart()
        cmp_chart.type = "bar"
        cmp_chart.style = 10
        cmp_chart.title = "本年与上年对比"
        cmp_chart.x_axis.scaling.orientation = "maxMin"  # first indicator on top, as in the table
        cmp_chart.x_axis.tickLblSkip = 1
        cmp_chart.legend.position = "b"
        cmp_chart.height, cmp_chart.width = max(10.0, 1.0 * len(compare) + 3), 18
        rows = [[inds[k].header, totals[k] or 0, prior[k] or 0] for k in compare]
        heads = ["指标", f"{year}年" if year else "本年", f"{year - 1}年" if year else "上年"]
        blocks.append(("三、本年与上年对比", heads, rows, cmp_chart))

    r = 3
    for n, (heading, heads, rows, chart) in enumerate(blocks):
        if n:
            ws.row_breaks.append(Break(id=r - 1))
        put(ws, r, 1, heading, font="big")
        head = r + 1
        header_row(ws, head, heads)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row, start=1):
                put(ws, head + i, j, v, align="left" if j == 1 else None)
        last = head + max(len(rows), 1)
        chart.add_data(Reference(ws, min_col=2, max_col=len(heads), min_row=head, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
        if isinstance(chart, BarChart):
            chart.x_axis.delete = False
            chart.y_axis.delete = False
        ws.add_chart(chart, f"E{head}")
        r = max(last, head + _rows(chart.height)) + 3
    for r in range(3, ws.max_row + 1):  # column A's empty cells too, as a clerk's typing there would be
        if (r, 1) not in ws._cells:
            restyle(ws, r, 1, align="left")
    widths(ws, {1: 44, 2: 11, 3: 11, 4: 2})
    print_setup(ws, landscape=False)
