"""The clerk's workbook of a validation run: 总览 (one row per file) and 问题明细 (one row per finding).

Every text that came from a returned file (unit names, labels, raw values) could start with "=", "+", "-"
or "@"; such cells are neutralized with a leading apostrophe so that neither Excel nor a later CSV export
turns them into formulas.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.findings import SEVERITY_ZH

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


OVERVIEW_SHEET = "总览"
DETAILS_SHEET = "问题明细"
OVERVIEW_WIDTHS = (28, 24, 14, 6, 8, 6, 6, 6, 60)
DETAILS_WIDTHS = (24, 20, 16, 15, 8, 6, 30, 24, 60)
"""Column widths; 文件 and 单位 widen to their longest text (up to NAME_MAX) so that names stay on one line."""
NAME_MAX = {1: 48, 2: 36}
OK_FILL, BAD_FILL = "FFC6EFCE", "FFFFC7CE"


def write_report(results: list[FileResult], out: str | Path, *, lang: str = "zh") -> Path:
    """Write the run's results to an .xlsx for the clerk (atomically).

    Both sheets print on A4 landscape fitted to the page width, the header row repeated on every page,
    with cell borders; wrapped text gets rows tall enough for it.

    Args:
        results: one FileResult per file, in run order.
        out: the workbook to write.
        lang: zh (default) or en for headers and messages.

    Returns:
        The path written.
    """
    from openpyxl import Workbook

    from xltool.summary_xlsx import (
        HEADER_FILL,
        cell_styles,
        fit_rows,
        name_width,
        print_setup,
        save_workbook,
        text_units,
        widths,
    )

    zh = lang != "en"
    wb = Workbook()
    styles = cell_styles(wb)
    head_style = styles.array("bold", HEADER_FILL, True, "center")
    body_style = styles.array(None, None, True, "wrap")
    line_style = styles.array(None, None, True, "top")
    verdict_style = {True: styles.array(None, OK_FILL, True, "wrap"), False: styles.array(None, BAD_FILL, True, "wrap")}
    ov = wb.active
    ov.title = OVERVIEW_SHEET
    head = (
        ["文件", "单位", "单位代码", "年度", "结论", "错误", "警告", "提示", "主要问题"]
        if zh
        else ["File", "Unit", "Code", "Year", "Verdict", "Errors", "Warnings", "Info", "Main problems"]
    )
    ov.append(head)
    for r in results:
        c = r.counts
        verdict = ("通过" if r.valid else "未通过") if zh else ("valid" if r.valid else "invalid")
        ov.append(
            [
                safe(Path(r.file).name),
                safe(r.unit or ""),
                safe(r.report.unit_code if r.report and r.report.unit_code else ""),
                r.year,
                verdict,
                c["error"],
                c["warning"],
                c["info"],
                safe(main_problems(r, lang)),
            ]
        )
        ov.cell(ov.max_row, 5)._style = copy(verdict_style[r.valid])
    det = wb.create_sheet(DETAILS_SHEET)
    det.append(
        ["文件", "单位", "位置", "规则", "严重程度", "表", "标签", "数值", "问题"]
        if zh
        else ["File", "Unit", "Where", "Rule", "Severity", "Table", "Labels", "Values", "Message"]
    )
    for r in results:
        for f in r.findings:
            labels = _labels(r.report, f.keys)
            vals = []
            for k, v in f.values.items():
                where = (r.report.cell_ref(k) if r.report else None) or k
                where = where.split("!", 1)[1] if "!" in where else where
                vals.append(f"{where}={_value_text(v)}")
            sev = SEVERITY_ZH[f.severity] if zh else SEVERITY_EN[f.severity]
            det.append(
                [
                    safe(Path(r.file).name),
                    safe(r.unit or ""),
                    safe("、".join(f.cells) if zh else ", ".join(f.cells)),
                    f.rule,
                    sev,
                    safe(_table_name(r.report, f.table)),
                    safe(("；" if zh else "; ").join(labels)),
                    safe(("；" if zh else "; ").join(vals)),
                    safe(f.message(lang)),
                ]
            )
    for ws, col_widths in ((ov, OVERVIEW_WIDTHS), (det, DETAILS_WIDTHS)):
        cols = dict(enumerate(col_widths, start=1))
        for c, most in NAME_MAX.items():
            names = [cell.value for (row, col), cell in ws._cells.items() if col == c and row > 1]
            cols[c] = max(cols[c], name_width(names, most=most))
        widths(ws, cols)
        for (row, col), cell in ws._cells.items():
            if row == 1:
                cell._style = copy(head_style)
            elif cell._style is None or not any(cell._style):
                v = cell.value
                one_line = col in NAME_MAX and isinstance(v, str) and text_units(v) <= cols[col] - 1
                cell._style = copy(line_style if one_line else body_style)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        fit_rows(ws, 1, ws.max_row)
        print_setup(ws, "1:1", lang=lang)
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp.xlsx")
    save_workbook(wb, tmp, (OVERVIEW_SHEET, DETAILS_SHEET))
    tmp.replace(p)
    return p
