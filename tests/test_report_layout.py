"""A finding about many cells in the clerk's 问题明细 and in the annotated copy's 校验结果: one row of sane height.

A return all but empty has VALUE-BLANK for 144 cells of 表三. Its cells are listed as ranges (表三!D6:I28、D30:I30), at
most a few of them with the count ("等 N 处"), the complete list in the cell's comment; the message shows at most
MAX_DETAIL_LINES detail lines. Real templates are written, read back and validated; LibreOffice prints them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from xltool.annotate import RESULT_SHEET, annotate_file
from xltool.reader import read_file
from xltool.report_xlsx import MAX_CELLS, MAX_DETAIL_LINES, cell_ranges, write_report
from xltool.schema import load_form
from xltool.summary_xlsx import LINE_HEIGHT
from xltool.template import write_template
from xltool.validate import validate_loaded

FORM = load_form("gov-disclosure-2021")
SANE = LINE_HEIGHT * 16 + 3
"""The tallest row a finding may need: 16 wrapped lines (Excel's limit is 409 pt)."""


def _result(path: Path):
    return validate_loaded(read_file(path))


@pytest.fixture(scope="module")
def empty_return(tmp_path_factory) -> Path:
    """A unit's template sent back with one figure of 表四 and nothing else (wholly untouched, it is one
    VALUE-EMPTY error instead: `test_rules`)."""
    d = tmp_path_factory.mktemp("empty")
    one = next(k for k in FORM.input_keys if FORM.cells[k].table == "t4")
    return write_template(FORM, d / "empty.xlsx", year=2024, unit_name="某区某局", values={one: 1})


@pytest.fixture(scope="module")
def scattered_return(tmp_path_factory) -> Path:
    """Zeros everywhere, but every other cell of 表三 left blank (a checkerboard: no two blanks touch)."""
    d = tmp_path_factory.mktemp("scattered")
    t3 = FORM.table("t3")
    values = {k: 0 for k in FORM.input_keys}
    for i, row in enumerate(t3.rows):
        for j, col in enumerate(t3.columns):
            key = t3.key(row.id, col.id)
            if key in values and (i + j) % 2 == 0:
                del values[key]
    return write_template(FORM, d / "scattered.xlsx", year=2024, unit_name="某区某局", values=values)


def _expand(listed: str) -> set[str]:
    """Every cell that a list of ranges (表三!D6:I28、D30:I30) names, as Sheet!A1."""
    out: set[str] = set()
    sheet = ""
    for item in re.split(r"[、,]\s*", re.sub(r"（共 \d+ 处）$", "", listed)):
        if "!" in item:
            sheet, item = item.rsplit("!", 1)
        a, _, b = item.partition(":")
        (c1, r1), (c2, r2) = (
            (openpyxl.utils.column_index_from_string(m.group(1)), int(m.group(2)))
            for m in (re.match(r"([A-Z]+)(\d+)$", x) for x in (a, b or a))
        )
        for c in range(c1, c2 + 1):
            for r in range(r1, r2 + 1):
                out.add(f"{sheet}!{openpyxl.utils.get_column_letter(c)}{r}")
    return out


def _details_rows(path: Path) -> dict[tuple[str, str], tuple]:
    ws = openpyxl.load_workbook(path).worksheets[1]  # 问题明细 (Findings in English)
    out = {}
    for row in ws.iter_rows(min_row=2):
        out[(row[3].value, row[5].value)] = (row, ws.row_dimensions[row[0].row].height)
    return out


def test_cell_ranges_merge_blocks_and_keep_every_cell():
    refs = ["表三!D6", "表三!E6", "表三!D7", "表三!E7", "表三!D9", "表二!B5", "表三!G6"]
    assert cell_ranges(refs) == ["表三!D6:E7", "表三!G6", "表三!D9", "表二!B5"]
    assert _expand("、".join(cell_ranges(refs))) == set(refs)
    assert cell_ranges(["第4页 表格2"]) == ["第4页 表格2"]  # not a cell of a sheet: kept as it is


def test_empty_return_in_the_clerks_details_sheet(empty_return, tmp_path):
    r = _result(empty_return)
    (t3,) = [f for f in r.findings if f.rule == "VALUE-BLANK" and f.table == "t3"]
    assert len(t3.cells) == 144
    rows = _details_rows(write_report([r], tmp_path / "r.xlsx"))
    row, height = rows[("VALUE-BLANK", "表三")]
    assert row[2].value == "表三!D6:I28、D30:I30（共 144 处）"  # complete: no comment needed
    assert row[2].comment is None
    assert _expand(row[2].value) == set(t3.cells)
    assert row[6].value == (
        "一、本年新收政府信息公开申请数量 自然人；一、本年新收政府信息公开申请数量 商业企业；"
        "一、本年新收政府信息公开申请数量 科研机构 等 144 处"
    )
    assert row[7].value == "均为空白（144 处）"
    assert height is not None and height <= SANE
    row, height = rows[("VALUE-BLANK", "表二")]
    assert row[2].value == "表二!B5:D6、B9、B12:B13、B16（共 10 处）"
    message = row[8].value.splitlines()
    # title, MAX_DETAIL_LINES - 1 cells, how many more, the fix
    assert len(message) == 1 + MAX_DETAIL_LINES + 1
    assert message[-2] == "  ……另有 5 行未列出" and message[-1] == "  处理：如确为 0，建议填写 0。"
    assert height <= SANE
    for _, h in rows.values():
        assert h is None or h <= SANE


def test_empty_return_in_english(empty_return, tmp_path):
    out = write_report([_result(empty_return)], tmp_path / "en.xlsx", lang="en")
    assert openpyxl.load_workbook(out).sheetnames == ["Overview", "Findings"]
    rows = _details_rows(out)
    row, _ = rows[("VALUE-BLANK", "表三")]
    assert row[2].value == "表三!D6:I28, D30:I30 (144 cells)"
    assert row[6].value.endswith("一、本年新收政府信息公开申请数量 科研机构 … (144 in all)")
    assert row[7].value == "all blank (144)"
    row, _ = rows[("VALUE-BLANK", "表二")]
    assert "  … 5 more lines not shown" in row[8].value.splitlines()


def test_scattered_cells_are_counted_and_all_of_them_are_in_the_comment(scattered_return, tmp_path):
    r = _result(scattered_return)
    (f,) = [f for f in r.findings if f.rule == "VALUE-BLANK"]
    assert f.table == "t3" and len(f.cells) > 2 * MAX_CELLS
    n = len(f.cells)
    row, height = _details_rows(write_report([r], tmp_path / "r.xlsx"))[("VALUE-BLANK", "表三")]
    shown = row[2].value
    assert shown.endswith(f" 等 {n} 处（全部位置见批注）") and shown.count("、") == MAX_CELLS - 1
    assert shown.startswith("表三!D6、F6、H6、")  # the sheet named once
    assert _expand(row[2].comment.text) == set(f.cells)  # every cell findable
    assert row[7].value == f"均为空白（{n} 处）"
    assert height <= SANE


def test_annotated_copy_links_the_first_range_and_keeps_rows_sane(empty_return, scattered_return, tmp_path):
    r = _result(empty_return)
    blank_t3 = next(f for f in r.findings if f.rule == "VALUE-BLANK" and f.table == "t3")
    ws = openpyxl.load_workbook(annotate_file(r, tmp_path))[RESULT_SHEET]
    head = next(row for row in ws.iter_rows() if row[0].value == "序号")[0].row
    rows = {row[4].value.split("\n", 1)[0][:3]: row for row in ws.iter_rows(min_row=head + 1)}
    t3, t2 = rows["表三 "], rows["表二 "]
    # one line (LibreOffice does not wrap a hyperlink's cell); the link selects the whole first block
    assert t3[3].value == "表三!D6:I28 等 144 处"
    assert t3[3].hyperlink.location == "'表三'!D6:I28"
    assert t3[3].comment.text == "表三!D6:I28、D30:I30（共 144 处）"
    assert _expand(t3[3].comment.text) == set(blank_t3.cells)
    lines = t2[4].value.splitlines()
    assert lines[-2:] == ["……另有 5 行未列出", "全部位置：表二!B5:D6、B9、B12:B13、B16（共 10 处）"]
    assert len(t2[4].comment.text.splitlines()) == 1 + 10  # the whole message
    for row in ws.iter_rows(min_row=head + 1):
        assert (ws.row_dimensions[row[0].row].height or 0) <= SANE
    ws = openpyxl.load_workbook(annotate_file(_result(scattered_return), tmp_path))[RESULT_SHEET]
    (row,) = [row for row in ws.iter_rows(min_row=head + 1) if row[2].value == "VALUE-BLANK"]
    f = next(f for f in _result(scattered_return).findings if f.rule == "VALUE-BLANK")
    assert row[3].value == f"表三!D6 等 {len(f.cells)} 处"
    assert _expand(row[3].comment.text) == set(f.cells)
    # grouped by column (rules.BLANK_CELL_LINES): one line per column, its cells as ranges, none left out
    lines = row[4].value.splitlines()[1:]
    assert len(lines) == 6 and all(re.match(r"^“[^”]+”列 \d+ 格空白：表三!", ln) for ln in lines)
    assert set().union(*(_expand(ln.split("：", 1)[1]) for ln in lines)) == set(f.cells)
    assert (ws.row_dimensions[row[0].row].height or 0) <= SANE


def test_libreoffice_prints_the_whole_lists(empty_return, soffice, pdftoppm, tmp_path):
    """Printed by LibreOffice, nothing of the rows is cut off: the lists end where they should."""
    from tests.lo import convert

    out = write_report([_result(empty_return)], tmp_path / "r.xlsx")
    (pdf,) = convert([out], "pdf", tmp_path / "pdf")
    exe = shutil.which("pdftotext") or str(Path(pdftoppm).with_name("pdftotext"))
    text = subprocess.run([exe, str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    for expected in ("表三!D6:I28、D30:I30（共144处）", "均为空白（144处）", "……另有5行未列出", "等144处"):
        assert expected in flat, expected
    # a cell of the empty return's 表三 lists appears once, in its range, not as 144 separate references
    assert "表三!I30" not in flat
