"""The consolidation workbook a clerk hands on: the official tables with the district totals, then who
reported, the units' figures, their problems and charts.

The official tables (汇总表) are written by the template writer itself, carrying metadata that marks the
file as a consolidation, so the summary is a valid input to `xltool validate` and `xltool consolidate`
(a city consolidates its districts' summaries with the same command). The other sheets are added to it:
报送情况, 分类小计 (with group_by), 单位明细, 问题清单, 图表.

Every text that comes from a file (unit names, file names, messages quoting cell text) is written as a
string, never as a formula: text starting with = + - @ gets the quote prefix, as Excel does for '=….
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.consolidate import ERRORS, FOREIGN, MISSING, PASSED, ROLE_ZH, SUPERSEDED, UNIDENTIFIED, WARNINGS
from xltool.findings import SEVERITY_ZH

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from xltool.consolidate import Consolidation

SHEET_STATUS = "报送情况"
SHEET_GROUPS = "分类小计"
SHEET_UNITS = "单位明细"
SHEET_FINDINGS = "问题清单"
SHEET_CHARTS = "图表"
SUMMARY_SHEETS = (SHEET_STATUS, SHEET_GROUPS, SHEET_UNITS, SHEET_FINDINGS, SHEET_CHARTS)
"""The sheets added after the official tables."""

HEADER_FILL = "DDEBF7"
TOTAL_FILL = "F2F2F2"
STATUS_FILL = {PASSED: "E2EFDA", WARNINGS: "FFF2CC", ERRORS: "F8CBAD", MISSING: "D9D9D9"}
COUNT_FORMAT = "#,##0"
MAX_DECIMALS = 6
"""Fees are published with up to 6 decimals (24252.311082 万元)."""


# --------------------------------------------------------------------------- cell helpers


def number_format(v: Any) -> str:
    """Counts `#,##0`; an amount with as many decimals as it has (at most 6): 0.000000 trimmed."""
    if isinstance(v, Decimal):
        exp = v.normalize().as_tuple().exponent
        places = min(MAX_DECIMALS, max(0, -exp)) if isinstance(exp, int) else MAX_DECIMALS
        return COUNT_FORMAT + ("." + "0" * places if places else "")
    return COUNT_FORMAT


def put(ws: Worksheet, row: int, col: int, value: Any, *, fmt: str | None = None) -> Any:
    """Write one cell safely: text is never a formula (= + - @ get the quote prefix), numbers exact."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if value.startswith(("=", "+", "-", "@")):
            cell.data_type = "s"
            cell.quotePrefix = True
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        cell.value = value
        cell.number_format = fmt or number_format(value)
    elif value is not None:
        cell.value = value
        if fmt:
            cell.number_format = fmt
    return cell


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="A6A6A6")
    return {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "header_fill": PatternFill("solid", fgColor=HEADER_FILL),
        "total_fill": PatternFill("solid", fgColor=TOTAL_FILL),
        "bold": Font(bold=True),
        "title": Font(bold=True, size=14),
        "big": Font(bold=True, size=12),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(vertical="top", wrap_text=True),
        "left": Alignment(vertical="center"),
    }


def _fill(color: str):
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=color)


def header_row(ws: Worksheet, row: int, headers: list[str], col: int = 1) -> None:
    st = _styles()
    for i, h in enumerate(headers):
        c = put(ws, row, col + i, h)
        c.font, c.fill, c.alignment, c.border = st["bold"], st["header_fill"], st["center"], st["border"]


def box(ws: Worksheet, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
    st = _styles()
    for r in range(first_row, last_row + 1):
        for c in range(first_col, last_col + 1):
            ws.cell(row=r, column=c).border = st["border"]


def widths(ws: Worksheet, cols: dict[int, float]) -> None:
    from openpyxl.utils import get_column_letter

    for c, w in cols.items():
        ws.column_dimensions[get_column_letter(c)].width = w


LINE_HEIGHT = 16.0
"""Points per line of 11 pt CJK text: rows are sized here, because LibreOffice keeps an .xlsx row's height."""


MAX_ROW_HEIGHT = 409
"""Excel's limit, in points."""


def fit_rows(ws: Worksheet, first: int, last: int, *, min_lines: int = 1) -> None:
    """Make each row of `first..last` tall enough for its wrapped text (merged cells count their full width)."""
    spans: dict[tuple[int, int], float] = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = sum(_col_width(ws, c) for c in range(rng.min_col, rng.max_col + 1)) / max(
            1, rng.max_row - rng.min_row + 1
        )
    # one pass over the rows: ws[r] recomputes max_column over every cell each time (quadratic at 10,000 units)
    width_cols = ws.max_column
    for r, row in enumerate(ws.iter_rows(min_row=first, max_row=last, max_col=width_cols), start=first):
        lines = min_lines
        for cell in row:
            if not isinstance(cell.value, str) or not (cell.alignment and cell.alignment.wrap_text):
                continue
            # 0.85: LibreOffice's fallback fonts set text wider than Excel's column units suggest
            width = max(1.0, (spans.get((r, cell.column), _col_width(ws, cell.column)) - 1) * 0.85)
            n = sum(max(1, math.ceil(_display_width(part) / width)) for part in cell.value.split("\n"))
            lines = max(lines, n)
        if lines > 1:
            ws.row_dimensions[r].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 3)


def _display_width(text: str) -> float:
    """Width in column units: CJK characters, and the quotes a CJK font sets full-width (“ ”), count double."""
    return sum(2.1 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1.1 for ch in text)


def _col_width(ws: Worksheet, col: int) -> float:
    from openpyxl.utils import get_column_letter

    w = ws.column_dimensions[get_column_letter(col)].width
    return float(w) if w else 8.43


def title_row(ws: Worksheet, text: str, width: int, row: int = 1) -> None:
    st = _styles()
    c = put(ws, row, 1, text)
    c.font = st["title"]
    if width > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = 24


def print_setup(ws: Worksheet, title_rows: str | None = None, *, wide: bool = False) -> None:
    """Landscape, fit to the page width (A3 for the wide tables), header rows repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if wide else ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
        ws.print_title_rows = title_rows


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
    from openpyxl import load_workbook

    from xltool.template import COVER_SHEET, write_template

    p = Path(path)
    tmp = p.with_name(f".{p.stem}.tmp{p.suffix}")
    members = cons.report.meta.get("members", [])
    try:
        write_template(
            cons.form,
            tmp,
            year=cons.year,
            unit_name=cons.unit_name,
            unit_code=cons.report.unit_code,
            values=dict(cons.report.values),
            meta_extra={"level": "consolidation", "members": json.dumps(members, ensure_ascii=False)},
            lock_inputs=True,  # a consolidated table nobody should type into
        )
        wb = load_workbook(tmp)
        # the report sheets are the clerk's to sort, print or delete (问题清单 before it goes to the city):
        # no workbook structure lock; the official tables keep their sheet protection
        wb.security = None
        if COVER_SHEET in wb.sheetnames:
            title = f"{cons.year}年度政府信息公开工作年度报告汇总表" if cons.year else "政府信息公开工作年度报告汇总表"
            wb[COVER_SHEET]["A1"].value = title
            wb.properties.title = title
        add_report_sheets(wb, cons)
        wb.save(tmp)
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


def add_report_sheets(wb: Any, cons: Consolidation) -> None:
    """Add 报送情况, 分类小计 (with group_by), 单位明细, 问题清单 and 图表 to an openpyxl workbook."""
    for name in SUMMARY_SHEETS:
        if name in wb.sheetnames:
            del wb[name]
    status_sheet(wb.create_sheet(SHEET_STATUS), cons)
    if cons.group_by:
        groups_sheet(wb.create_sheet(SHEET_GROUPS), cons)
    units_sheet(wb.create_sheet(SHEET_UNITS), cons)
    findings_sheet(wb.create_sheet(SHEET_FINDINGS), cons)
    charts_sheet(wb.create_sheet(SHEET_CHARTS), cons)


def _year_title(cons: Consolidation, what: str) -> str:
    year = f"{cons.year}年度" if cons.year else ""
    return f"{cons.unit_name}{year}政府信息公开工作年度报告{what}"


def _fmt_time(t: Any) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t is not None and hasattr(t, "strftime") else ""


# --------------------------------------------------------------------------- 报送情况


def status_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """First the status line and who has not reported (ready to copy), then one row per roster unit."""
    st = _styles()
    headers = [
        "序号",
        "单位代码",
        "单位名称",
        "类别",
        "报送状态",
        "计入汇总",
        "错误",
        "警告",
        "文件",
        "接收时间",
        "主要问题",
    ]
    n = len(headers)
    title_row(ws, _year_title(cons, "报送情况"), n)
    c = put(ws, 2, 1, cons.status_line())
    c.font = st["big"]
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    verdict = (
        "汇总校验（C-SUM）：通过"
        if cons.ok
        else f"汇总校验（C-SUM）：未通过，{sum(1 for f in cons.csum if f.severity == 'error')} 处，见“问题清单”"
    )
    put(ws, 3, 1, f"{cons.counted_line()}；{verdict}")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=n)
    if not cons.ok:
        ws.cell(row=3, column=1).font = _red_bold()
    missing = cons.missing_units
    put(ws, 4, 1, f"未报单位（{len(missing)} 个）").font = st["bold"]
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=2)
    c = put(ws, 4, 3, "、".join(missing) if missing else "无")
    c.alignment = st["wrap"]
    ws.merge_cells(start_row=4, start_column=3, end_row=4, end_column=n)
    head = 6
    header_row(ws, head, headers)
    r = head
    for i, rec in enumerate(cons.status.to_dict(orient="records"), start=1):
        r = head + i
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
        for j, v in enumerate(row, start=1):
            cell = put(ws, r, j, v, fmt="0" if j in (1, 7, 8) else None)
            cell.border = st["border"]
            cell.alignment = st["wrap"] if j == n else st["left"]
        ws.cell(row=r, column=5).fill = _fill(STATUS_FILL[rec["status"]])
        if rec["included_invalid"]:
            ws.cell(row=r, column=6).fill = _fill(STATUS_FILL[ERRORS])
    ws.auto_filter.ref = f"A{head}:{_letter(n)}{r}"
    r += 2
    r = _other_files(ws, cons, r, headers)
    widths(ws, {1: 6, 2: 13, 3: 30, 4: 7, 5: 9, 6: 10, 7: 6, 8: 6, 9: 44, 10: 17, 11: 70})
    fit_rows(ws, 4, ws.max_row)
    ws.freeze_panes = ws.cell(row=head + 1, column=4)
    print_setup(ws, f"{head}:{head}")


def _other_files(ws: Worksheet, cons: Consolidation, r: int, headers: list[str]) -> int:
    """The files that count for no roster unit (superseded, foreign, unidentified), in the same columns."""
    st = _styles()
    sections = [
        (SUPERSEDED, "重复报送（已被本单位较新的文件替代，未计入汇总）", "替代它的文件"),
        (FOREIGN, "名单外单位的文件（未计入汇总）", "主要问题"),
        (UNIDENTIFIED, "无法识别单位的文件（未计入汇总）", "主要问题"),
    ]
    for role, heading, last in sections:
        entries = [e for e in cons.entries if e.role == role]
        if not entries:
            continue
        put(ws, r, 1, f"{heading}：{len(entries)} 个").font = st["bold"]
        r += 1
        header_row(ws, r, [*headers[:4], "文件状态", *headers[5:-1], last])
        for i, e in enumerate(entries, start=1):
            r += 1
            rep = e.report
            c = e.result.counts
            note = Path(e.superseded_by).name if role == SUPERSEDED and e.superseded_by else _problem_text(e)
            row = [
                i,
                (e.unit.code if e.unit else (rep.unit_code if rep else "")) or "",
                (e.unit.name if e.unit else (rep.unit_name if rep else "")) or "",
                e.unit.category if e.unit else "",
                ROLE_ZH[role],
                "否",
                c["error"],
                c["warning"],
                Path(e.file).name,
                _fmt_time(e.received),
                note,
            ]
            for j, v in enumerate(row, start=1):
                cell = put(ws, r, j, v, fmt="0" if j in (1, 7, 8) else None)
                cell.border = st["border"]
                cell.alignment = st["wrap"] if j == len(row) else st["left"]
        r += 2
    return r


def _problem_text(e: Any) -> str:
    probs = [f for f in e.result.findings if f.severity == "error"] or e.result.findings
    return "；".join(f"【{SEVERITY_ZH[f.severity]} {f.rule}】{f.title['zh']}" for f in probs[:3])


def _red_bold():
    from openpyxl.styles import Font

    return Font(bold=True, color="C00000")


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


# --------------------------------------------------------------------------- 单位明细 and 分类小计


def _indicator_headers(ws: Worksheet, cons: Consolidation, row: int, first_col: int) -> None:
    """Two header rows over the indicators: the table's official heading, then each indicator's label."""
    st = _styles()
    inds = cons.indicators
    col = first_col
    i = 0
    while i < len(inds):
        j = i
        while j + 1 < len(inds) and inds[j + 1].table == inds[i].table:
            j += 1
        c = put(ws, row, col + i, cons.form.table(inds[i].table).title)
        c.font, c.fill, c.alignment = st["bold"], st["header_fill"], st["center"]
        if j > i:
            ws.merge_cells(start_row=row, start_column=col + i, end_row=row, end_column=col + j)
        i = j + 1
    header_row(ws, row + 1, [ind.header for ind in inds], col)
    box(ws, row, row + 1, col, col + len(inds) - 1)


def _indicator_widths(cons: Consolidation, first_col: int) -> dict[int, float]:
    # an amount needs room for its 6 decimals (24252.311082)
    return {first_col + k: (16 if ind.type == "decimal" else 11) for k, ind in enumerate(cons.indicators)}


def units_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """One row per roster unit with the key indicators (counted units only), then 合计 = 汇总表."""
    st = _styles()
    ident = ["序号", "单位代码", "单位名称", "类别", "报送状态"]
    inds = cons.indicators
    n = len(ident) + len(inds)
    title_row(ws, _year_title(cons, "单位明细") + "（未计入汇总的单位不列数据）", n)
    header_row(ws, 2, ident)
    for j in range(1, len(ident) + 1):
        ws.merge_cells(start_row=2, start_column=j, end_row=3, end_column=j)
    _indicator_headers(ws, cons, 2, len(ident) + 1)
    table = cons.indicator_table()
    status = cons.status.set_index("code")
    r = 3
    for i, u in enumerate(cons.roster.units, start=1):
        r = 3 + i
        rec = status.loc[u.code]
        label = rec["status"] + ("（已计入）" if rec["included_invalid"] else "")
        for j, v in enumerate([i, u.code, u.name, u.category, label], start=1):
            put(ws, r, j, v, fmt="0" if j == 1 else None).border = st["border"]
        ws.cell(row=r, column=5).fill = _fill(STATUS_FILL[rec["status"]])
        for k, v in enumerate(table.loc[u.code].tolist()):
            put(ws, r, len(ident) + 1 + k, v).border = st["border"]
    r += 1
    put(ws, r, 1, "合计")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(ident))
    for k, v in enumerate(cons.indicator_totals()):
        put(ws, r, len(ident) + 1 + k, v)
    for j in range(1, n + 1):
        cell = ws.cell(row=r, column=j)
        cell.font, cell.fill, cell.border = st["bold"], st["total_fill"], st["border"]
    widths(ws, {1: 6, 2: 13, 3: 30, 4: 7, 5: 10, **_indicator_widths(cons, len(ident) + 1)})
    fit_rows(ws, 2, 3)
    ws.freeze_panes = ws.cell(row=4, column=4)
    ws.auto_filter.ref = f"A3:{_letter(n)}{r - 1}"
    print_setup(ws, "2:3", wide=True)


def groups_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """Key indicators per roster category (部门 / 街道), with 合计 = 汇总表."""
    st = _styles()
    ident = ["类别", "应报单位数", "计入汇总单位数"]
    n = len(ident) + len(cons.indicators)
    title_row(ws, _year_title(cons, "分类小计"), n)
    header_row(ws, 2, ident)
    for j in range(1, len(ident) + 1):
        ws.merge_cells(start_row=2, start_column=j, end_row=3, end_column=j)
    _indicator_headers(ws, cons, 2, len(ident) + 1)
    df = cons.subtotals()
    r = 3
    for rec in df.itertuples(index=False):
        r += 1
        for j, v in enumerate(rec, start=1):
            put(ws, r, j, v, fmt="0" if j in (2, 3) else None).border = st["border"]
    r += 1
    c = cons.counts
    for j, v in enumerate(["合计", c["expected"], c["counted"], *cons.indicator_totals()], start=1):
        cell = put(ws, r, j, v, fmt="0" if j in (2, 3) else None)
        cell.font, cell.fill, cell.border = st["bold"], st["total_fill"], st["border"]
    widths(ws, {1: 12, 2: 8, 3: 9, **_indicator_widths(cons, len(ident) + 1)})
    fit_rows(ws, 2, 3)
    ws.freeze_panes = ws.cell(row=4, column=2)
    print_setup(ws, "2:3", wide=True)


# --------------------------------------------------------------------------- 问题清单


def findings_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """The rules most often broken (by units affected), then every finding of every unit."""
    st = _styles()
    df = cons.findings
    headers = ["序号", "单位代码", "单位名称", "文件", "级别", "规则", "位置", "问题", "详情", "处理", "单位说明"]
    n = len(headers)
    title_row(ws, _year_title(cons, "问题清单"), n)
    put(ws, 2, 1, "一、最常见的问题（按涉及单位数排序；不含提示）").font = st["bold"]
    header_row(ws, 3, ["序号", "规则", "级别", "涉及单位数", "出现次数", "示例"])
    ws.merge_cells(start_row=3, start_column=6, end_row=3, end_column=n)
    r = 3
    problems = df[df["severity"].isin(["error", "warning"]) & (df["role"] != "consolidation")]
    ranking = _ranking(problems)
    for i, (rule, sev, units, times, example) in enumerate(ranking, start=1):
        r += 1
        for j, v in enumerate([i, rule, SEVERITY_ZH[sev], units, times, example], start=1):
            cell = put(ws, r, j, v, fmt="0" if j in (1, 4, 5) else None)
            cell.border, cell.alignment = st["border"], st["wrap"]
        ws.merge_cells(start_row=r, start_column=6, end_row=r, end_column=n)
    if not ranking:
        r += 1
        put(ws, r, 1, "无")
    r += 2
    put(ws, r, 1, f"二、全部问题（{len(df)} 条：错误、警告、提示）").font = st["bold"]
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
        for j, v in enumerate(row, start=1):
            cell = put(ws, r, j, v, fmt="0" if j == 1 else None)
            cell.border = st["border"]
            cell.alignment = st["wrap"]
        if rec["severity"] == "error":
            ws.cell(row=r, column=5).fill = _fill(STATUS_FILL[ERRORS])
        elif rec["severity"] == "warning":
            ws.cell(row=r, column=5).fill = _fill(STATUS_FILL[WARNINGS])
    ws.auto_filter.ref = f"A{head}:{_letter(n)}{max(r, head)}"
    widths(ws, {1: 6, 2: 13, 3: 24, 4: 20, 5: 6, 6: 14, 7: 14, 8: 44, 9: 50, 10: 36, 11: 20})
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


def charts_sheet(ws: Worksheet, cons: Consolidation) -> None:
    """Native charts, each next to the small table it draws and on its own printed page: applications by
    unit, the outcome mix of the district, and (with prior data) this year against last year."""
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.worksheet.pagebreak import Break

    st = _styles()
    title_row(ws, _year_title(cons, "图表"), 3)
    inds = cons.indicators
    apps = next((i for i, ind in enumerate(inds) if ind.role == "applications"), 0)
    outcome = [i for i, ind in enumerate(inds) if ind.role == "outcome"]
    totals = cons.indicator_totals()
    apps_name = _ORDINAL.sub("", inds[apps].header)
    blocks: list[tuple[str, list[str], list[list[Any]], Any]] = []

    # 1. applications by unit (counted units), largest first in the table and, with the category axis
    # reversed (a horizontal bar chart draws its first category at the bottom), on top in the chart
    table = cons.indicator_table()
    entries = [e for e in cons.counted_entries() if e.unit is not None]
    counted = [e.unit for e in entries]
    names = [
        n + ("（含错误）" if e.included_invalid else "")
        for n, e in zip(short_names([u.name for u in counted]), entries, strict=True)
    ]
    data = sorted(
        ([n, table.loc[u.code].iloc[apps] or 0] for n, u in zip(names, counted, strict=True)), key=lambda x: -x[1]
    )
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
        put(ws, r, 1, heading).font = st["big"]
        head = r + 1
        header_row(ws, head, heads)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row, start=1):
                put(ws, head + i, j, v)
        last = head + max(len(rows), 1)
        chart.add_data(Reference(ws, min_col=2, max_col=len(heads), min_row=head, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
        if isinstance(chart, BarChart):
            chart.x_axis.delete = False
            chart.y_axis.delete = False
        ws.add_chart(chart, f"E{head}")
        r = max(last, head + _rows(chart.height)) + 3
    for row in ws.iter_rows(min_row=3, max_col=1):
        for cell in row:
            if not cell.font.b:
                cell.alignment = st["left"]
    widths(ws, {1: 44, 2: 11, 3: 11, 4: 2})
    print_setup(ws)
    ws.page_setup.orientation = "portrait"
