"""The clerk's workbook of a validation run: 总览 (one row per file, under a title and the run's count line) and
问题明细 (one row per finding); with `--lang en` the sheets are Overview and Findings.

A finding about many cells (VALUE-BLANK on an empty return: 144 cells) stays one row of sane height: its cells
are merged into ranges (表三!D6:I28), at most MAX_CELLS of them listed and the rest counted ("等 144 处"), the
complete list in the cell's comment; labels and values are listed as far as MAX_LABELS / MAX_CELLS, the
message's detail lines as far as MAX_DETAIL_LINES. The same helpers keep the annotated copy's 校验结果 sheet
(xltool.annotate) in shape.

Every text that came from a returned file (unit names, labels, raw values) could start with "=", "+", "-"
or "@"; such cells are neutralized with a leading apostrophe so that neither Excel nor a later CSV export
turns them into formulas.
"""

from __future__ import annotations

import dataclasses
import math
import re
from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.findings import SEVERITY_ZH, Finding
from xltool.layout import col_index, col_letter
from xltool.report import skipped
from xltool.sources import NOT_REPORT

if TYPE_CHECKING:
    from xltool.validate import FileResult

_INJECTION = ("=", "+", "-", "@", "\t", "\r", "\n")
SEVERITY_EN = {"error": "error", "warning": "warning", "info": "info"}


def safe(value: Any) -> Any:
    """A value fit for a cell: numbers as they are, text that a spreadsheet would run neutralized."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    s = str(value)
    if s.startswith(_INJECTION):
        return "'" + s
    return s


MAX_CELLS = 6
"""Cell references (or ranges) and values listed in one sheet cell; the rest are counted (等 N 处)."""
MAX_LABELS = 3
"""Row/column labels listed in one sheet cell (a label of 表三 takes two or three lines of its column)."""
MAX_DETAIL_LINES = 6
"""Detail lines of a message shown in one sheet cell; the rest are counted."""
MAX_COMMENT = 30_000
"""Characters of a cell comment (Excel refuses a longer one)."""
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def cell_ranges(refs: list[str]) -> list[str]:
    """Cell references merged into rectangles, sheet by sheet in order of appearance, each top to bottom.

    ["表三!D6", "表三!D7", "表三!E6", "表三!E7", "表三!D9"] -> ["表三!D6:E7", "表三!D9"]. A reference that is
    not Sheet!A1 is kept as it is. Every cell of a range is one of `refs`: nothing is added.
    """
    sheets: dict[str, set[tuple[int, int]]] = {}
    other: list[str] = []
    for ref in refs:
        sheet, _, a1 = ref.rpartition("!")
        m = _REF.match(a1)
        if not sheet or m is None:
            if ref not in other:
                other.append(ref)
            continue
        sheets.setdefault(sheet, set()).add((col_index(m.group(1)), int(m.group(2))))
    out: list[str] = []
    for sheet, cells in sheets.items():
        runs: dict[tuple[int, int], list[int]] = {}  # (first row, last row) -> the columns with that run
        for col in sorted({c for c, _ in cells}):
            rows = sorted(r for c, r in cells if c == col)
            start = prev = rows[0]
            for r in rows[1:] + [None]:
                if r is not None and r == prev + 1:
                    prev = r
                    continue
                runs.setdefault((start, prev), []).append(col)
                if r is not None:
                    start = prev = r
        rects: list[tuple[int, int, int, int]] = []  # (top, left, bottom, right)
        for (top, bottom), cols in runs.items():
            left = prev = cols[0]
            for c in cols[1:] + [None]:
                if c is not None and c == prev + 1:
                    prev = c
                    continue
                rects.append((top, left, bottom, prev))
                if c is not None:
                    left = prev = c
        for top, left, bottom, right in sorted(rects):
            a = f"{col_letter(left)}{top}"
            b = f"{col_letter(right)}{bottom}"
            out.append(f"{sheet}!{a}" if a == b else f"{sheet}!{a}:{b}")
    return out + other


def listing(
    items: list[str], lang: str, *, limit: int, total: int | None = None, sep: str | None = None
) -> tuple[str, bool]:
    """Items joined (、 or ", "), the first `limit` only when there are more, then how many in all.

    Args:
        items: the texts to list.
        lang: 'zh' or 'en'.
        limit: the most items shown.
        total: how many places the items stand for (cells of ranges), if not len(items).
        sep: the separator, if not 、 (", " in English).

    Returns:
        (text, whether items were left out): "A、B、C 等 144 处" / "A, B, C … (144 in all)".
    """
    n = len(items) if total is None else total
    zh = lang != "en"
    sep = sep or ("、" if zh else ", ")
    if len(items) <= limit:
        text = sep.join(items)
        if n > len(items):  # ranges: say how many cells they hold
            text += f"（共 {n} 处）" if zh else f" ({n} cells)"
        return text, False
    shown = sep.join(items[:limit])
    return (f"{shown} 等 {n} 处" if zh else f"{shown} … ({n} in all)"), True


def _sheet_once(ranges: list[str]) -> list[str]:
    """References with their sheet named at the first of each sheet only: 表二!B5:D6、B9、B12:B13."""
    out: list[str] = []
    last = None
    for ref in ranges:
        sheet, _, a1 = ref.rpartition("!")
        out.append(a1 if sheet and sheet == last else ref)
        last = sheet or last
    return out


def where_text(cells: list[str], lang: str) -> tuple[str, str | None]:
    """A finding's cells for one sheet cell: (short text, the complete list when the text leaves some out).

    "表二!B5:D6、B9、B12:B13、B16（共 10 处）"; beyond MAX_CELLS ranges "表三!D6、D9、… 等 40 处（全部位置见批注）".
    """
    ranges = _sheet_once(cell_ranges(cells))
    text, cut = listing(ranges, lang, limit=MAX_CELLS, total=len(set(cells)))
    if not cut:
        return text, None
    full = ("、" if lang != "en" else ", ").join(ranges)
    return text + ("（全部位置见批注）" if lang != "en" else "; all of them in the comment"), full


def _size(ref: str) -> int:
    """Cells in a reference made by cell_ranges (1 for anything that is not Sheet!A1 or Sheet!A1:B2)."""
    ends = [_REF.match(x) for x in ref.rpartition("!")[2].split(":")]
    if len(ends) != 2 or ends[0] is None or ends[1] is None:
        return 1
    (c1, r1), (c2, r2) = ((col_index(m.group(1)), int(m.group(2))) for m in ends)
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)


def first_place(cells: list[str], lang: str) -> str:
    """A finding's first range of cells, and how many cells it concerns in all: "表三!D6:I28 等 144 处".

    For a text that must stay on one line: LibreOffice does not wrap a cell that is a hyperlink.
    """
    ranges = cell_ranges(cells)
    if not ranges:
        return ""
    first, n = ranges[0], len(set(cells))
    if n <= _size(first):
        return first
    return f"{first} 等 {n} 处" if lang != "en" else f"{first} … ({n} cells)"


def bounded_details(f: Finding, lang: str, limit: int = MAX_DETAIL_LINES) -> Finding:
    """The finding with at most `limit` detail lines in `lang` (the last one saying how many were left out)."""
    lines = f.details.get(lang, [])
    if len(lines) <= limit:
        return f
    rest = len(lines) - (limit - 1)
    more = f"……另有 {rest} 行未列出" if lang != "en" else f"… {rest} more lines not shown"
    return dataclasses.replace(f, details={**f.details, lang: lines[: limit - 1] + [more]})


def values_text(where_values: list[tuple[str, str]], lang: str) -> str:
    """Cell=value pairs for one sheet cell: all alike ("均为空白（144 处）") or the first MAX_CELLS listed."""
    zh = lang != "en"
    shown = {v for _, v in where_values}
    if len(where_values) > 1 and len(shown) == 1:
        (v,) = shown
        if zh:
            return f"均为{v}（{len(where_values)} 处）"
        return f"all {'blank' if v == '空白' else v} ({len(where_values)})"
    return listing([f"{w}={v}" for w, v in where_values], lang, limit=MAX_CELLS, sep="；" if zh else "; ")[0]


def comment(text: str):
    """A cell comment by xltool holding `text` (cut at MAX_COMMENT), sized for it."""
    from openpyxl.comments import Comment

    if len(text) > MAX_COMMENT:
        text = text[:MAX_COMMENT] + "…"
    c = Comment(text, "xltool")
    c.width = 420
    c.height = min(600, 60 + 18 * text.count("\n") + len(text) // 3)
    return c


def _labels(report, keys: list[str]) -> list[str]:
    if report is None:
        return list(keys)
    try:
        from xltool.schema import load_form

        form = load_form(report.form)
        return [form.label(k) if k in form.cells else k for k in keys]
    except Exception:
        return list(keys)


def _value_text(v: Any) -> str:
    from decimal import Decimal

    from xltool.values import format_number

    if v is None:
        return "空白"
    if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return format_number(v)
    if isinstance(v, float):
        return format_number(Decimal(repr(v)))
    return f"“{v}”"


def main_problems(r: FileResult, lang: str = "zh", n: int = 3) -> str:
    """The first few errors and warnings, as headlines."""
    items = [f for f in r.findings if f.severity in ("error", "warning")][:n]
    sep = "；" if lang == "zh" else "; "
    text = sep.join(f"{f.rule} {f.title.get(lang, f.title.get('zh', ''))}" for f in items)
    more = len([f for f in r.findings if f.severity in ("error", "warning")]) - len(items)
    if more > 0:
        text += f"{sep}另有 {more} 项" if lang == "zh" else f"{sep}{more} more"
    return text


def _table_name(report: Any, table_id: str | None) -> str:
    """The table's name as the form declares it (t3 -> 表三), or the id when the form is unknown."""
    if not table_id:
        return ""
    try:
        from xltool.schema import load_form

        form = load_form(report.form) if report is not None else load_form()
        return form.table(table_id).name
    except Exception:
        return table_id


SHEETS = {"zh": ("总览", "问题明细"), "en": ("Overview", "Findings")}
"""The two sheets' names per language (`--lang en`: an English workbook has English sheet names)."""
OVERVIEW_SHEET, DETAILS_SHEET = SHEETS["zh"]
"""The Chinese names (the default): write_report(lang="en") names them SHEETS["en"]."""
OVERVIEW_HEAD = {
    "zh": ["文件", "单位", "单位代码", "年度", "结论", "错误", "警告", "提示", "主要问题"],
    "en": ["File", "Unit", "Code", "Year", "Verdict", "Errors", "Warnings", "Info", "Main problems"],
}
DETAILS_HEAD = {
    "zh": ["文件", "单位", "位置", "规则", "严重程度", "表", "标签", "数值", "问题"],
    "en": ["File", "Unit", "Where", "Rule", "Severity", "Table", "Labels", "Values", "Message"],
}
OVERVIEW_WIDTHS = (28, 24, 14, 6, 8, 6, 6, 6, 60)
DETAILS_WIDTHS = (24, 20, 20, 15, 8, 6, 30, 20, 60)
"""Column widths; 文件 and 单位 widen to their longest text (up to NAME_MAX) so that names stay on one line, and
every column to its header (header_width)."""
NAME_MAX = {1: 48, 2: 36}
OVERVIEW_HEADER_ROW = 3
"""The overview's title is row 1, the count line row 2, the table's header row 3 (问题明细's header is row 1)."""
OK_FILL, BAD_FILL = "FFC6EFCE", "FFFFC7CE"


def header_width(text: str) -> int:
    """The width a column needs for its header on one line: the bold face, the filter's drop-down button, and
    fit_rows' generous estimate of text width ("Warnings" in a column of 6 wrapped as "Warni/ngs")."""
    from xltool.summary_xlsx import text_units

    return math.ceil(1.3 * text_units(text)) + 1


def sheet_names(lang: str = "zh") -> tuple[str, str]:
    """(overview, details): the names of write_report's two sheets in `lang`."""
    return SHEETS["en" if lang == "en" else "zh"]


def count_line(results: list[FileResult], lang: str = "zh") -> str:
    """The run's count line as the terminal report ends (`report.count_lines`), in one cell."""
    from xltool.report import count_lines

    return (". " if lang == "en" else "。").join(count_lines(results, lang))


def skipped_text(r: FileResult, lang: str = "zh") -> str:
    """Why a file was skipped, with FILE-NOT-REPORT's detail as the summary workbook shows it:
    "不是年度报告或报表文件（Word 文档，没有报表的表格、标签或报告标题）"."""
    zh = lang != "en"
    what = "不是年度报告或报表文件" if zh else "not an annual report or a form return"
    f = next((f for f in r.findings if f.rule == NOT_REPORT), None)
    title = f.title.get("zh" if zh else "en", "") if f is not None else ""
    # the title's own parenthesis says what the file is ({kind}, …): "…，已跳过（纯文本文件，没有…）"
    i = title.find("（" if zh else " (")
    return what + title[i:] if i >= 0 and title.endswith("）" if zh else ")") else what


def write_report(results: list[FileResult], out: str | Path, *, lang: str = "zh") -> Path:
    """Write the run's results to an .xlsx for the clerk (atomically).

    The overview sheet opens with a title (and when the run was made) and the run's count line, as the terminal
    ends ("共 9 个文件：通过 1，未通过 5，已跳过 3"); its table starts at OVERVIEW_HEADER_ROW. The details sheet is
    the table alone. Both print on A4 landscape fitted to the page width, the table's header row repeated on
    every page, with cell borders; wrapped text gets rows tall enough for it. Sheet names, headers and texts
    are Chinese, or English with lang="en" (SHEETS).

    Args:
        results: one FileResult per file, in run order.
        out: the workbook to write.
        lang: zh (default) or en for sheet names, headers and messages.

    Returns:
        The path written.
    """
    from datetime import datetime

    from openpyxl import Workbook

    from xltool.summary_xlsx import (
        HEADER_FILL,
        cell_styles,
        default_row_height,
        fit_rows,
        merge,
        name_width,
        print_setup,
        put,
        save_workbook,
        text_units,
        widths,
    )

    zh = lang != "en"
    lang = "zh" if zh else "en"
    ov_name, det_name = sheet_names(lang)
    wb = Workbook()
    styles = cell_styles(wb)
    head_style = styles.array("bold", HEADER_FILL, True, "center")
    body_style = styles.array(None, None, True, "wrap")
    line_style = styles.array(None, None, True, "top")
    verdict_style = {True: styles.array(None, OK_FILL, True, "wrap"), False: styles.array(None, BAD_FILL, True, "wrap")}
    ov = wb.active
    ov.title = ov_name
    head = OVERVIEW_HEAD[lang]
    when = f"{datetime.now():%Y-%m-%d %H:%M}"
    title = f"校验结果总览（{when}）" if zh else f"Validation results: overview ({when})"
    for row, (text, font) in enumerate(((title, "title"), (count_line(results, lang), "big")), start=1):
        ov.append([text])  # the sheet's rows so far (append counts them), then the cell with its style
        put(ov, row, 1, text, font=font)
        merge(ov, row, 1, row, len(head))
    ov.row_dimensions[1].height = 24  # the 14 pt title
    ov.append(head)  # row OVERVIEW_HEADER_ROW
    for r in results:
        c = r.counts
        if skipped(r):  # no report or form return at all: not a unit's file, nothing to correct
            what = skipped_text(r, lang)
            ov.append([safe(Path(r.file).name), "", "", None, "已跳过" if zh else "skipped", None, None, None, what])
            continue
        verdict = ("通过" if r.valid else "未通过") if zh else ("valid" if r.valid else "invalid")
        unit, code = r.shown(lang)  # a roster unit's name and code, as consolidate files the file
        ov.append(
            [
                safe(Path(r.file).name),
                safe(unit or ""),
                safe(code or ""),
                r.year,
                verdict,
                c["error"],
                c["warning"],
                c["info"],
                safe(main_problems(r, lang)),
            ]
        )
        ov.cell(ov.max_row, 5)._style = copy(verdict_style[r.valid])
    det = wb.create_sheet(det_name)
    det.append(DETAILS_HEAD[lang])
    notes: list[tuple[int, str]] = []  # (row, the complete list of cells) for the comments
    for r in results:
        if skipped(r):
            continue  # its one finding says it is no report: in 总览, not a problem to fix
        for f in r.findings:
            labels = _labels(r.report, f.keys)
            vals = []
            for k, v in f.values.items():
                where = (r.report.cell_ref(k) if r.report else None) or k
                where = where.split("!", 1)[1] if "!" in where else where
                vals.append((where, _value_text(v)))
            sev = SEVERITY_ZH[f.severity] if zh else SEVERITY_EN[f.severity]
            where, full = where_text(f.cells, lang)
            label_text, _ = listing(labels, lang, limit=MAX_LABELS, sep="；" if zh else "; ")
            det.append(
                [
                    safe(Path(r.file).name),
                    safe(r.shown(lang)[0] or ""),
                    safe(where),
                    f.rule,
                    sev,
                    safe(_table_name(r.report, f.table)),
                    safe(label_text),
                    safe(values_text(vals, lang)),
                    safe(bounded_details(f, lang).message(lang)),
                ]
            )
            if full is not None:
                notes.append((det.max_row, full))
    for row, full in notes:
        det.cell(row, 3).comment = comment(full)
    for ws, col_widths, hrow, headers in (
        (ov, OVERVIEW_WIDTHS, OVERVIEW_HEADER_ROW, OVERVIEW_HEAD[lang]),
        (det, DETAILS_WIDTHS, 1, DETAILS_HEAD[lang]),
    ):
        cols = {c: max(w, header_width(h)) for c, (w, h) in enumerate(zip(col_widths, headers, strict=True), start=1)}
        for c, most in NAME_MAX.items():
            names = [cell.value for (row, col), cell in ws._cells.items() if col == c and row > hrow]
            cols[c] = max(cols[c], name_width(names, most=most))
        widths(ws, cols)
        for (row, col), cell in ws._cells.items():
            if row < hrow:
                continue  # the title and the count line: styled as they were written
            if row == hrow:
                cell._style = copy(head_style)
            elif cell._style is None or not any(cell._style):
                v = cell.value
                one_line = col in NAME_MAX and isinstance(v, str) and text_units(v) <= cols[col] - 1
                cell._style = copy(line_style if one_line else body_style)
        ws.freeze_panes = ws.cell(hrow + 1, 1).coordinate
        ws.auto_filter.ref = f"A{hrow}:{col_letter(len(headers))}{max(hrow, ws.max_row)}"
        default_row_height(ws)  # one line mixing Chinese and Latin needs more than the 15 pt default
        fit_rows(ws, hrow, ws.max_row)
        print_setup(ws, f"{hrow}:{hrow}", lang=lang)
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp.xlsx")
    from xltool.filenames import printable_workbook

    printable_workbook(wb)  # a file name not in UTF-8 would stop the save
    save_workbook(wb, tmp, (ov_name, det_name))
    tmp.replace(p)
    return p
