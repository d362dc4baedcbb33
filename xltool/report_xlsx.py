"""The clerk's workbook of a validation run: 总览 (one row per file) and 问题明细 (one row per finding).

Every text that came from a returned file (unit names, labels, raw values) could start with "=", "+", "-"
or "@"; such cells are neutralized with a leading apostrophe so that neither Excel nor a later CSV export
turns them into formulas.
"""

from __future__ import annotations

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


def write_report(results: list[FileResult], out: str | Path, *, lang: str = "zh") -> Path:
    """Write the run's results to an .xlsx for the clerk (atomically).

    Args:
        results: one FileResult per file, in run order.
        out: the workbook to write.
        lang: zh (default) or en for headers and messages.

    Returns:
        The path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    zh = lang != "en"
    wb = Workbook()
    ov = wb.active
    ov.title = "总览"
    head = (
        ["文件", "单位", "单位代码", "年度", "结论", "错误", "警告", "提示", "主要问题"]
        if zh
        else ["File", "Unit", "Code", "Year", "Verdict", "Errors", "Warnings", "Info", "Main problems"]
    )
    ov.append(head)
    bad_fill = PatternFill("solid", fgColor="FFFFC7CE")
    ok_fill = PatternFill("solid", fgColor="FFC6EFCE")
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
        ov.cell(ov.max_row, 5).fill = ok_fill if r.valid else bad_fill
    det = wb.create_sheet("问题明细")
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
                    safe(f.table or ""),
                    safe(("；" if zh else "; ").join(labels)),
                    safe(("；" if zh else "; ").join(vals)),
                    safe(f.message(lang)),
                ]
            )
    for ws, widths in ((ov, [28, 28, 14, 8, 10, 7, 7, 7, 80]), (det, [28, 24, 24, 18, 9, 6, 40, 30, 90])):
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[chr(64 + i)].width = w
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(p)
    return p
