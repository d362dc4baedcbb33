"""The 整改清单 sent back to a department: its own workbook with every finding marked on the cell it concerns.

Chinese by default (某局_校验结果.xlsx with a first sheet 校验结果); with lang="en" the copy is
某局_validation.xlsx and its first sheet "Validation result" (RESULT_SHEETS, FILE_SUFFIX), texts in English.

For every file with findings: a copy of the department's workbook (values untouched; formulas, merges,
validations, protection and the template metadata kept) with offending cells filled red (错误) or orange
(警告), a comment on each with the messages, and a first sheet 校验结果 listing every finding with a hyperlink
to its cell (a finding about many cells lists them as ranges, at most a few, the complete list in the cell's
comment: xltool.report_xlsx.where_text). openpyxl writes styles and comments into a protected sheet without
lifting the protection, so the template's protection stays exactly as it was. An .xls/.et/.ods/.csv input gets
an .xlsx copy of its values; a file that could not be read at all gets a workbook with the 校验结果 sheet alone
(it says why).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.findings import SEVERITY_ORDER, SEVERITY_ZH, Finding
from xltool.report_xlsx import bounded_details, cell_ranges, comment, first_place, safe, where_text

if TYPE_CHECKING:
    from xltool.validate import FileResult

RESULT_SHEETS = {"zh": "校验结果", "en": "Validation result"}
"""The added first sheet's name per language (`--lang en`: an English copy gets an English sheet)."""
RESULT_SHEET = RESULT_SHEETS["zh"]
FILE_SUFFIX = {"zh": "校验结果", "en": "validation"}
"""What the copy's name adds to the department's file name: 某局_校验结果.xlsx, or some_office_validation.xlsx."""
FILL = {"error": "FFFF7C80", "warning": "FFFFC000"}
"""Cell fills: red for errors, orange for warnings (info is listed, not painted)."""
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def annotate_results(results: list[FileResult], outdir: str | Path, *, lang: str = "zh") -> list[Path]:
    """An annotated copy for every file with findings; returns the paths written."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for r in results:
        if not r.findings:
            continue
        written.append(annotate_file(r, out, lang=lang, used=used))
    return written


def _target(r: FileResult, outdir: Path, suffix: str, used: set[str], lang: str = "zh") -> Path:
    stem = Path(r.file).stem
    mark = FILE_SUFFIX["en" if lang == "en" else "zh"]
    name = f"{stem}_{mark}{suffix}"
    n = 2
    while name in used or (outdir / name).resolve() == Path(r.file).resolve():
        name = f"{stem}_{mark}_{n}{suffix}"
        n += 1
    used.add(name)
    return outdir / name


def annotate_file(r: FileResult, outdir: str | Path, *, lang: str = "zh", used: set[str] | None = None) -> Path:
    """Write the annotated copy of one file into outdir; returns its path."""
    import warnings

    import openpyxl

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    src = Path(r.file)
    kind = _kind(src)
    wb = None
    suffix = ".xlsx"
    if r.report is not None and kind == "xlsx":
        keep_vba = src.suffix.lower() == ".xlsm"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(src, keep_vba=keep_vba)
            suffix = ".xlsm" if keep_vba else ".xlsx"
        except Exception:
            wb = None
    elif r.report is not None and kind in ("xls", "et", "ods", "csv"):
        wb = _values_copy(src, kind)
    if wb is None:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
    _restore_merged(wb, r)
    _mark_cells(wb, r.findings, lang)
    _result_sheet(wb, r, lang)
    try:
        wb.calculation.fullCalcOnLoad = True  # openpyxl drops cached formula results: let Excel/WPS/LO recompute
    except AttributeError:  # pragma: no cover - very old openpyxl
        pass
    target = _target(r, outdir, suffix, used if used is not None else set(), lang)
    tmp = target.with_name(target.name + ".tmp" + suffix)
    from xltool.filenames import printable_workbook

    printable_workbook(wb)  # a file name not in UTF-8 would stop the save
    wb.save(tmp)
    tmp.replace(target)
    return target


def _restore_merged(wb, r: FileResult) -> None:  # noqa: ANN001 - an openpyxl Workbook
    """Input cells merged by the department (TEMPLATE-MERGED): the copy unmerges them and puts back what the file
    kept under the merge — openpyxl drops a covered cell's value, and the copy's own checks would then show
    differences the validator never found. The cells stay marked, so the department sees what to fill."""
    if r.report is None:
        return
    for f in r.findings:
        if f.rule != "TEMPLATE-MERGED":
            continue
        for ref in f.cells:
            sheet, _, a1 = ref.rpartition("!")
            if sheet not in wb.sheetnames:
                continue
            ws = wb[sheet]
            for rng in list(ws.merged_cells.ranges):
                if a1 in rng:
                    ws.unmerge_cells(rng.coord)
        for key, value in (f.values or {}).items():
            ref = r.report.cell_ref(key)
            if ref is None or value is None or "!" not in ref:
                continue
            sheet, _, a1 = ref.rpartition("!")
            if sheet in wb.sheetnames:
                wb[sheet][a1].value = value


def _kind(src: Path) -> str:
    try:
        from xltool.safezip import sniff

        return sniff(src)
    except OSError:
        return "unknown"


def _values_copy(src: Path, kind: str):
    """An .xlsx holding the values of a workbook openpyxl cannot open (.xls, .et, .ods, .csv)."""
    import openpyxl

    from xltool.reader import open_book

    try:
        book = open_book(src, kind)
    except Exception:
        return None
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in book.sheets.values():
        ws = wb.create_sheet(_sheet_title(sh.name))
        ws.sheet_state = sh.state if sh.state in ("visible", "hidden", "veryHidden") else "visible"
        for r, row in enumerate(sh.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    cell = ws.cell(r, c, v)
                    if isinstance(v, str) and v.startswith("="):
                        cell.data_type = "s"  # a text that looks like a formula stays text
    if not wb.sheetnames:
        wb.create_sheet("Sheet1")
    return wb


def _sheet_title(name: str) -> str:
    bad = "[]:*?/\\"
    s = "".join("_" if ch in bad else ch for ch in name)[:31]
    return s or "Sheet"


def _split(ref: str) -> tuple[str, str] | None:
    if "!" not in ref:
        return None
    sheet, a1 = ref.rsplit("!", 1)
    sheet = sheet.strip("'").replace("''", "'")
    if not _A1.match(a1):
        return None
    return sheet, a1.replace("$", "").upper()


def _link(cells: list[str], sheets: list[str]) -> str | None:
    """Where a finding's link goes: its first range of cells (the link selects the block), e.g. '表三'!D6:I28."""
    for rng in cell_ranges(cells):
        sheet, _, a1 = rng.rpartition("!")
        parts = [_split(f"{sheet}!{x}") for x in a1.split(":")]
        if any(p is None for p in parts) or parts[0][0] not in sheets:
            continue  # not a cell of this workbook (a report's page and table, a sheet that is gone)
        name = parts[0][0].replace("'", "''")
        return f"'{name}'!" + ":".join(p[1] for p in parts)
    return None


def _anchor(ws, a1: str):
    """The cell that shows a value: the top-left of a merged range."""
    for rng in ws.merged_cells.ranges:
        if a1 in rng:
            return ws.cell(rng.min_row, rng.min_col)
    return ws[a1]


def _mark_cells(wb, findings: list[Finding], lang: str) -> None:
    from openpyxl.styles import PatternFill

    marks: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.severity not in FILL:
            continue
        for ref in f.cells:
            s = _split(ref)
            if s is None or s[0] not in wb.sheetnames:
                continue
            marks.setdefault(s, []).append(f)
    for (sheet, a1), fs in marks.items():
        ws = wb[sheet]
        cell = _anchor(ws, a1)
        worst = min((f.severity for f in fs), key=lambda s: SEVERITY_ORDER[s])
        cell.fill = PatternFill("solid", fgColor=FILL[worst])
        seen: list[str] = []
        for f in sorted(fs, key=lambda f: SEVERITY_ORDER[f.severity]):
            m = f.message(lang)
            if m not in seen:
                seen.append(m)
        cell.comment = comment("\n\n".join(seen))


def _result_sheet(wb, r: FileResult, lang: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    zh = lang != "en"
    for name in RESULT_SHEETS.values():  # a file annotated before and sent back: list this run only
        if name in wb.sheetnames:
            wb.remove(wb[name])
    ws = wb.create_sheet(RESULT_SHEETS["zh" if zh else "en"], 0)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0
    c = r.counts
    verdict = ("通过" if r.valid else "未通过") if zh else ("valid" if r.valid else "invalid")
    ws["A1"] = "校验结果（整改清单）" if zh else "Validation result (list of corrections)"
    ws["A1"].font = Font(bold=True, size=14)
    unit = r.unit or ("（未识别）" if zh else "(unknown)")
    year = r.year or ""
    ws["A2"] = safe(
        f"文件：{Path(r.file).name}　单位：{unit}　年度：{year}　"
        f"结论：{verdict}（错误 {c['error']}，警告 {c['warning']}，提示 {c['info']}）"
        if zh
        else f"File: {Path(r.file).name}  Unit: {unit}  Year: {year}  Verdict: {verdict} "
        f"(errors {c['error']}, warnings {c['warning']}, info {c['info']})"
    )
    ws["A3"] = (
        "请逐项改正下列问题（点击“位置”可跳转到对应单元格；标红为错误，标橙为警告），改正后重新报送。"
        if zh
        else "Correct each item below (click “Where” to jump to the cell; red: error, orange: warning), then resend."
    )
    head = (
        ["序号", "严重程度", "规则", "位置", "问题", "处理"]
        if zh
        else ["#", "Severity", "Rule", "Where", "Problem", "Fix"]
    )
    ws.append([])
    ws.append(head)
    hrow = ws.max_row
    for cell in ws[hrow]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
    for i, f in enumerate(r.findings, start=1):
        sev = SEVERITY_ZH[f.severity] if zh else f.severity
        title = f.title.get(lang) or f.title.get("zh", "")
        details = f.details.get(lang, f.details.get("zh", []))
        short = bounded_details(dataclasses.replace(f, details={lang: details}), lang).details[lang]
        where, all_cells = where_text(f.cells, lang)
        cut = len(short) < len(details)
        if cut and len(cell_ranges(f.cells)) > 1:
            # the lines left out named cells: the places stay listed, as ranges (all of them in the comment)
            short.append(("全部位置：" if zh else "All places: ") + where)
        ws.append(
            [
                i,
                sev,
                f.rule,
                safe(first_place(f.cells, lang)),  # one line: LibreOffice does not wrap a hyperlink's cell
                safe("\n".join([title] + short)),
                safe(f.fix.get(lang) or f.fix.get("zh", "")),
            ]
        )
        row = ws.max_row
        if len(cell_ranges(f.cells)) > 1:
            ws.cell(row, 4).comment = comment(all_cells or where)
        if cut:
            ws.cell(row, 5).comment = comment("\n".join([title] + details))
        if f.severity in FILL:
            ws.cell(row, 2).fill = PatternFill("solid", fgColor=FILL[f.severity])
        loc = _link(f.cells, wb.sheetnames)
        if loc is not None:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=loc, display=str(link.value or ""))
            link.font = Font(color="FF0563C1", underline="single")
    for col, w in zip("ABCDEF", (6, 9, 18, 22, 80, 50), strict=True):
        ws.column_dimensions[col].width = w
    for row in ws.iter_rows(min_row=hrow + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(hrow + 1, 1)
    if not r.findings:  # pragma: no cover - annotate_results skips such files
        ws.append(["", "", "", "", "未发现问题" if zh else "No findings"])
    _print_setup(ws, hrow, lang)


def _print_setup(ws, header_row: int, lang: str) -> None:
    """The 整改清单 as a department prints it: A4 landscape fitted to the page width, the table's header row
    repeated on every page, the cell grid printed (the sheet has no borders), page numbers in the footer, and
    rows tall enough for their wrapped text (LibreOffice keeps an .xlsx row's height: text would be cut)."""
    from xltool.summary_xlsx import default_row_height, fit_rows, print_setup

    print_setup(ws, f"{header_row}:{header_row}", lang=lang)
    default_row_height(ws)  # one line mixing Chinese and Latin needs more than the 15 pt default
    ws.print_options.gridLines = True
    ws.row_dimensions[1].height = 24  # the 14 pt title
    fit_rows(ws, header_row + 1, ws.max_row)


def marked_cells(path: str | Path) -> dict[str, dict[str, Any]]:
    """What an annotated copy marks: 'Sheet!A1' -> {fill, comment} (for tests and checks)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out: dict[str, dict[str, Any]] = {}
    for ws in wb.worksheets:
        if ws.title in RESULT_SHEETS.values():
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == "xltool":
                    out[f"{ws.title}!{cell.coordinate}"] = {
                        "fill": cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None,
                        "comment": cell.comment.text,
                    }
    return out
