"""The layout of the summary workbook's 报送情况 and 问题清单: columns as wide as their texts, rows as tall as
their lines, the 未报单位 label beside its list, each section of files kept on one printed page.

A clerk's inbox with every kind of file (the sample district's returns, one unit's older copy, another
district's unit, a unit name nobody knows, a note, an empty .xlsx and a Word document renamed .xlsx) is
consolidated by the CLI, the workbook read back with openpyxl and printed by LibreOffice.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from tests.lo import convert
from xltool.cli import cli
from xltool.summary_xlsx import (
    LINE_HEIGHT,
    SHEET_FINDINGS,
    SHEET_STATUS,
    keep_together,
    put,
    text_lines,
    text_units,
    widths,
)

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"
DATA = ROOT / "samples" / "data"
ROSTER = ROOT / "samples" / "roster.csv"
CODES = ("370602-D01", "370602-D06", "370602-D07", "370602-D11", "370602-S01", "370602-S03")
LO_ONE_LINE_PT = 17.1
"""LibreOffice's optimal height of one line of 11 pt text mixing Chinese with Latin letters (measured)."""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"XLTOOL_LANG": None})


def returned(code: str) -> Path:
    return next(RETURNED.glob(f"{code}_*.xlsx"))


def filled(tmp: Path, name: str, unit: dict[str, str], out: Path) -> None:
    """A template filled with D02's figures for another unit (`xltool fill`, as a clerk's return)."""
    data = json.loads(next(DATA.glob("370602-D02_*.json")).read_text(encoding="utf-8"))
    data["unit"] = unit
    src = tmp / f"{name}.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = run("fill", "--silent", str(src), "-o", str(out))
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    import docx

    tmp = tmp_path_factory.mktemp("layout")
    d = tmp / "收件箱"
    d.mkdir()
    for code in CODES:
        shutil.copy2(returned(code), d)
    old = d / "民政局_旧版.xlsx"  # D06 again, saved before: superseded
    shutil.copy2(returned("370602-D06"), old)
    os.utime(old, (1_640_995_200, 1_640_995_200))
    filled(tmp, "foreign", {"name": "烟台市福山区发展和改革局", "code": "370611-D02"}, d / "福山区发改局.xlsx")
    (d / "说明.txt").write_text("这是说明文字，请查收。\n", encoding="utf-8")
    (d / "空白.xlsx").write_bytes(b"")
    doc = docx.Document()
    doc.add_paragraph("2021年度政府信息公开工作年度报告（正文）")
    doc.save(str(d / "报告正文.xlsx"))
    return d


@pytest.fixture(scope="module")
def summary(inbox) -> Path:
    out = inbox.parent / "汇总.xlsx"
    res = run("consolidate", str(inbox), "--roster", str(ROSTER), "-o", str(out), "--silent")
    assert res.exit_code in (0, 1), res.output
    return out


def status_rows(ws) -> dict[str, int]:
    """File name (column I) -> its row on 报送情况."""
    return {ws.cell(r, 9).value: r for r in range(7, ws.max_row + 1) if isinstance(ws.cell(r, 9).value, str)}


def height(ws, r: int) -> float:
    dim = ws.row_dimensions.get(r)
    return dim.height if dim is not None and dim.height else ws.sheet_format.defaultRowHeight


def test_every_kind_of_file_is_on_the_status_sheet(summary):
    ws = load_workbook(summary)[SHEET_STATUS]
    states = {ws.cell(r, 5).value for r in range(7, ws.max_row + 1)}
    assert {"通过", "有错误", "未报", "已被替代", "名单外", "无法识别单位", "不是报表文件（已跳过）"} <= states


def test_status_columns_are_as_wide_as_their_texts(summary):
    """报送状态 / 文件状态 shows 无法识别单位 and 不是报表文件（已跳过） whole (it cut them at width 9), and so every
    column but the last shows each of its texts on one line, or wraps it in a taller row."""
    ws = load_workbook(summary)[SHEET_STATUS]
    width = {c: ws.column_dimensions[get_column_letter(c)].width for c in range(1, 12)}
    for label in ("无法识别单位", "不是报表文件（已跳过）", "报送状态", "文件状态"):
        assert width[5] >= text_units(label) + 1
        assert text_lines(label, width[5]) == 1
    assert text_lines("2026-11-27 06:21", width[10]) == 1
    assert width[11] == 60
    for r in range(6, ws.max_row + 1):
        for c in range(1, 11):
            cell = ws.cell(r, c)
            boxed = cell.border.left.style is not None  # a table's cell (a section's heading runs on to the right)
            if boxed and isinstance(cell.value, str) and not cell.alignment.wrap_text:
                assert text_lines(cell.value, width[c]) == 1, (cell.coordinate, cell.value, width[c])


def test_missing_units_label_sits_beside_the_first_line_of_its_list(summary):
    ws = load_workbook(summary)[SHEET_STATUS]
    assert ws["A4"].value == "未报单位（30 个）"
    assert ws["A4"].alignment.vertical == "top" and ws["C4"].alignment.vertical == "top"
    assert ws["C4"].alignment.wrap_text
    room = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(3, 12))
    lines = text_lines(ws["C4"].value, room)
    assert lines >= 2 and ws.row_dimensions[4].height == LINE_HEIGHT * lines + 3


def test_rows_are_as_tall_as_their_lines(summary):
    """No row keeps the 15 pt default that cut a top-aligned line (空白.xlsx's 主要问题); a row of several lines
    gets LINE_HEIGHT a line, counted from its wrapped texts."""
    wb = load_workbook(summary)
    for name in (SHEET_STATUS, SHEET_FINDINGS):
        ws = wb[name]
        fmt = ws.sheet_format
        assert fmt.customHeight and fmt.defaultRowHeight >= LO_ONE_LINE_PT, name
        cols = {c: ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, 12)}
        merged = {(m.min_row, m.min_col): sum(map(cols.get, range(m.min_col, m.max_col + 1))) for m in ws.merged_cells}
        for r in range(4, ws.max_row + 1):
            lines = max(
                (
                    text_lines(cell.value, merged.get((r, cell.column), cols[cell.column]))
                    for cell in ws[r]
                    if isinstance(cell.value, str) and cell.alignment.wrap_text
                ),
                default=1,
            )
            assert height(ws, r) >= LINE_HEIGHT * lines + (3 if lines > 1 else 1), (name, r, lines)
            if lines == 1:
                assert ws.row_dimensions[r].height in (None, 24, 21), (name, r)  # the default, or a title's
    ws = wb[SHEET_STATUS]
    empty = status_rows(ws)["空白.xlsx"]
    assert ws.cell(empty, 11).value.startswith("【错误 FILE-EMPTY】") and height(ws, empty) >= LO_ONE_LINE_PT


def test_findings_show_rule_ids_on_one_line(summary):
    """规则 (column F of the list, column B of the ranking) as wide as the longest rule id; the ranking's rows of
    one line are one line tall (they were two: FILE-MISNAMED and UNIT-UNKNOWN wrapped)."""
    ws = load_workbook(summary)[SHEET_FINDINGS]
    head = next(r for r in range(5, 40) if ws.cell(r, 1).value == "序号" and ws.cell(r, 2).value == "单位代码")
    width = {c: ws.column_dimensions[get_column_letter(c)].width for c in (2, 5, 6)}
    ranked = [ws.cell(r, 2).value for r in range(4, head - 2) if ws.cell(r, 2).value]
    listed = [ws.cell(r, 6).value for r in range(head + 1, ws.max_row + 1)]
    assert "FILE-MISNAMED" in ranked and "UNIT-UNKNOWN" in ranked
    assert all(text_lines(rule, width[2]) == 1 for rule in ranked)
    assert all(text_lines(rule, width[6]) == 1 for rule in listed)
    assert width[6] >= max(text_units(rule) for rule in listed) + 2
    assert text_lines("出现次数", width[5]) == 1
    for r in range(3, 3 + len(ranked) + 1):  # the ranking's header and rows: one line each
        assert ws.row_dimensions[r].height is None, r


def test_the_sections_of_files_start_a_page(summary):
    """The sheet runs over a page (36 units): the first section of files starts a page, the others follow it
    on that page (they fit)."""
    ws = load_workbook(summary)[SHEET_STATUS]
    headings = [r for r in range(7, ws.max_row + 1) if str(ws.cell(r, 1).value).endswith(" 个")]
    assert len(headings) == 4
    assert [b.id for b in ws.row_breaks.brk] == [headings[0] - 1]
    # still fitted to the page width, the header row repeated
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$6:$6"


def test_a_sheet_on_one_page_gets_no_page_break(inbox, tmp_path):
    small = tmp_path / "in"
    small.mkdir()
    for name in ("说明.txt", "空白.xlsx", returned("370602-D01").name):
        shutil.copy2(inbox / name, small)
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name,category\n370602-D01,烟台市芝罘区人民政府办公室,部门\n", encoding="utf-8")
    out = tmp_path / "汇总.xlsx"
    res = run("consolidate", str(small), "--roster", str(roster), "-o", str(out), "--silent")
    assert res.exit_code in (0, 1), res.output
    ws = load_workbook(out)[SHEET_STATUS]
    assert ws.cell(ws.max_row - 2, 1).value == "不是报表文件（已跳过）：1 个"
    assert not ws.row_breaks.brk


def _sheet(rows: int) -> tuple[Workbook, object]:
    wb = Workbook()
    ws = wb.active
    ws.sheet_format.defaultRowHeight = 18
    for r in range(1, rows + 1):
        ws.cell(r, 1, r)
    return wb, ws


def test_keep_together_breaks_before_a_section_that_would_not_fit():
    """Rows of 18 pt on a sheet printed at 100 %: a page holds 0.95 × 523 pt less the repeated header row (18),
    478.85 pt. The first section starts a page; the next follows it while it fits."""
    cols = {1: 100.0}  # 600 pt at the narrowest: printed at 100 % on A4 landscape
    wb, ws = _sheet(300)
    # ten rows (180 pt) each; 5 empty rows after the first (90 pt): the second fits (450 pt), then 8 empty rows
    # (144 pt) and the third does not (504 pt): it starts a page, the fourth follows one empty row after it
    spans = [(102, 111), (117, 126), (135, 144), (146, 155)]
    keep_together(ws, spans, cols, 6)
    assert [b.id for b in ws.row_breaks.brk] == [101, 134]
    wb, ws = _sheet(20)
    keep_together(ws, [(10, 12), (14, 16)], cols, 6)  # all on one page
    assert not ws.row_breaks.brk
    wb, ws = _sheet(300)
    keep_together(ws, [(50, 90), (92, 93)], cols, 6)  # a section longer than a page: the next starts a page
    assert [b.id for b in ws.row_breaks.brk] == [49, 91]


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("TABLES-NOT-FOUND", 18, 1),
        ("TABLES-NOT-FOUND", 14, 2),  # broken after its hyphen: TABLES-NOT- / FOUND
        ("UNIT-UNKNOWN", 14, 1),
        ("烟台市芝罘区人民政府办公室", 28, 1),  # 13 Chinese characters: 26 units
        ("烟台市芝罘区人民政府办公室", 26, 2),
        ("第一行\n第二行", 30, 2),
        ("", 10, 1),
        ("370602-D06_2021.xlsx", 16, 2),  # 370602- / D06_2021.xlsx
        ("x" * 45, 11, 5),  # a word longer than the line breaks anywhere: 9 letters a line
        ("【错误 FILE-EMPTY】文件是空的（0 字节）", 60, 1),
    ],
)
def test_text_lines(text, width, lines):
    assert text_lines(text, width) == lines


# --------------------------------------------------------------------------- LibreOffice


def _words(pdf: Path, pdftotext: str) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words (xMin, yMin, xMax, yMax, text), by pdftotext -bbox."""
    out = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
    return [
        [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in word.findall(page)]
        for page in out.split("<page ")[1:]
    ]


def _status_only(summary: Path, out: Path) -> Path:
    wb = load_workbook(summary)
    for name in wb.sheetnames:  # LibreOffice prints hidden sheets too
        if name != SHEET_STATUS:
            del wb[name]
    wb.save(out)
    return out


def _probe(summary: Path, out: Path) -> list[tuple[int, str, int]]:
    """A workbook of the summary's texts, each wrapped in a column of each width its sheets use, in a row
    far taller than it needs, a marker beside it: (width, text, row) for every one."""
    wb = load_workbook(summary)
    texts = sorted(
        {
            c.value
            for name in (SHEET_STATUS, SHEET_FINDINGS)
            for row in wb[name].iter_rows(min_row=4)
            for c in row
            if isinstance(c.value, str) and len(c.value) < 200
        }
    )
    probe = Workbook()
    probe.remove(probe.active)
    made = []
    for w in (13, 18, 20, 36, 44, 60):
        ws = probe.create_sheet(f"w{w}")
        widths(ws, {1: w, 2: 8})
        for i, t in enumerate(texts, start=1):
            put(ws, i, 1, t, align="wrap")
            put(ws, i, 2, f"R{i}Q", align="top")
            ws.row_dimensions[i].height = LINE_HEIGHT * (text_lines(t, w) + 2)
            made.append((w, t, i))
    probe.save(out)
    return made


def test_libreoffice_prints_what_the_layout_promises(summary, pdftoppm, tmp_path):
    """Printed by LibreOffice: 无法识别单位 ends before 否 in the next column (it ran under it); each section of
    files shows its heading, its header and its rows on one page; and no wrapped text takes more lines than
    text_lines counts (its row would cut it), nor a text it sets on one line two, unless Excel's 宋体 needs them."""
    pdftotext = shutil.which("pdftotext") or str(Path(pdftoppm).with_name("pdftotext"))
    status = _status_only(summary, tmp_path / "status.xlsx")
    made = _probe(summary, tmp_path / "probe.xlsx")
    status_pdf, probe_pdf = convert([status, tmp_path / "probe.xlsx"], "pdf", tmp_path / "pdf")

    pages = _words(status_pdf, pdftotext)
    for label in ("无法识别单位", "不是报表文件（已跳过）"):  # were printed 无法识别单位否, 不是报表文件否
        found = [(page, w) for page in pages for w in page if w[4] == label]
        assert found, label
        for page, (x0, y0, x1, _, _) in found:
            right = [w for w in page if abs(w[1] - y0) < 2 and w[4] == "否" and w[0] > x0]
            assert right and min(w[0] for w in right) > x1, (label, right)
    text = subprocess.run([pdftotext, "-layout", str(status_pdf), "-"], capture_output=True, check=True).stdout
    printed = [p for p in text.decode().split("\f") if p.strip()]
    assert len(printed) == 2
    for heading, last in (
        ("重复报送", "民政局_旧版.xlsx"),
        ("名单外单位的文件", "福山区发改局.xlsx"),
        ("无法识别单位的文件", "空白.xlsx"),
        ("不是报表文件（已跳过）：", "说明.txt"),
    ):
        (page,) = [p for p in printed if heading in p]
        assert "文件状态" in page and last in page, heading

    # the probe: the lines LibreOffice draws for each text, counted between the markers of its sheet
    lines: dict[tuple[int, int], int] = {}
    sheet = -1
    widths_ = sorted({w for w, _, _ in made})
    for page in _words(probe_pdf, pdftotext):
        marks = sorted((y, int(m[1]), x) for x, y, _, _, t in page if (m := re.fullmatch(r"R(\d+)Q", t)))
        for k, (y, i, mx) in enumerate(marks):
            if i == 1:
                sheet += 1
            below = marks[k + 1][0] if k + 1 < len(marks) else 1e9
            ys = sorted({round(w[1]) for w in page if w[0] < mx - 2 and y - 3 <= w[1] < below - 3})
            lines[(widths_[sheet], i)] = sum(1 for j, v in enumerate(ys) if j == 0 or v - ys[j - 1] > 5)
    assert len(lines) == len(made)
    counted = drawn = 0
    for w, t, i in made:
        n = lines[(w, i)]
        est = text_lines(t, w)
        assert n <= est, (w, t, n, est)  # never cut
        if n == 1 and text_units(t) <= 0.9 * w - 1:  # one line in LibreOffice, and in Excel's 宋体 with room
            assert est == 1, (w, t)
        counted, drawn = counted + est, drawn + n
    print(f"{len(made)} texts: LibreOffice draws {drawn} lines, text_lines counts {counted}")
    assert counted <= 1.3 * drawn  # and not much more room than LibreOffice takes
