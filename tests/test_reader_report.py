"""`xltool validate --report OUT.xlsx`: the clerk's workbook (总览 + 问题明细), and the terminal output."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_reader_support import UNIT, shared_corpus
from xltool.cli import cli
from xltool.reader import read_file
from xltool.report_xlsx import OVERVIEW_HEADER_ROW, safe, write_report
from xltool.validate import validate_loaded


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


def test_report_workbook_has_one_row_per_file_and_per_finding(corpus, tmp_path):
    names = ["template", "typed_over", "odd_values", "encrypted" if "encrypted" in corpus else "empty"]
    results = [validate_loaded(read_file(corpus[n])) for n in names]
    out = write_report(results, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["总览", "问题明细"]
    ov = list(wb["总览"].iter_rows(values_only=True))
    assert ov[0][0].startswith("校验结果总览（") and ov[1][0] == "共 4 个文件：通过 1，未通过 3"
    ov = ov[OVERVIEW_HEADER_ROW - 1 :]
    assert ov[0] == ("文件", "单位", "单位代码", "年度", "结论", "错误", "警告", "提示", "主要问题")
    assert len(ov) == 1 + len(results)
    assert ov[1][1] == UNIT and ov[1][4] == "通过" and ov[1][5:8] == (0, 0, 0)
    assert ov[2][4] == "未通过" and ov[2][5] == 1 and "TOTAL-STORED" in ov[2][8]
    assert ov[4][4] == "未通过" and ov[4][1] is None  # no unit: nothing was read
    det = list(wb["问题明细"].iter_rows(values_only=True))
    assert det[0] == ("文件", "单位", "位置", "规则", "严重程度", "表", "标签", "数值", "问题")
    assert len(det) == 1 + sum(len(r.findings) for r in results)
    total = next(row for row in det if row[3] == "TOTAL-STORED")
    assert total[2] == "表三!J29" and total[4] == "错误" and "（七）总计" in total[6] and total[7].startswith("J29=")
    vt = [row for row in det if row[3] == "VALUE-TYPE"]
    assert {row[2] for row in vt} == {"表四!A6", "表四!B6", "表四!C6"}
    assert any("“约10”" in row[7] for row in vt)


def test_cells_that_would_run_as_formulas_are_neutralized(tmp_path):
    assert safe("=1+1") == "'=1+1" and safe("+86") == "'+86" and safe("-1") == "'-1" and safe("@x") == "'@x"
    assert safe("正常") == "正常" and safe(-1) == -1 and safe(None) is None
    from xltool.findings import tool_finding
    from xltool.interchange import UnitReport
    from xltool.validate import FileResult

    rep = UnitReport("gov-disclosure-2021", 2024, "=cmd|' /C calc'!A0")
    f = tool_finding("NOT-TEMPLATE")
    out = write_report([FileResult("=evil.xlsx", rep, [f])], tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@")), c.value


def test_cli_report_and_terminal_output(corpus, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("template", "typed_over", "truncated", "plain1"):
        shutil.copy(corpus[name], inbox / f"{name}{corpus[name].suffix}")
    out = tmp_path / "校验结果.xlsx"
    res = CliRunner().invoke(cli, ["validate", "--silent", "--report", str(out), str(inbox)])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    status = [ln for ln in lines if ln.startswith(("✔", "✘"))]
    assert len(status) == 4
    assert any(ln.startswith("✔ 通过  template.xlsx") for ln in status)
    assert any(ln.startswith("✘ 未通过  typed_over.xlsx") for ln in status)
    assert "【错误 TOTAL-STORED】" in res.output and "【错误 FILE-UNREADABLE】" in res.output
    wb = openpyxl.load_workbook(out)
    assert wb["总览"].max_row == OVERVIEW_HEADER_ROW + 4
    assert wb["总览"]["A2"].value == res.stdout.splitlines()[-1] == "共 4 个文件：通过 2，未通过 2"  # as the terminal
    en = CliRunner().invoke(cli, ["validate", "--silent", "--lang", "en", "--report", str(out), str(inbox)])
    assert "[error TOTAL-STORED]" in en.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Overview", "Findings"]
    assert wb["Overview"]["A2"].value == en.stdout.splitlines()[-1] == "4 files: 2 valid, 2 invalid"
    assert wb["Overview"]["A3"].value == "File" and wb["Findings"]["A1"].value == "File"


def test_report_to_an_unwritable_place_is_exit_3(corpus, tmp_path):
    (tmp_path / "blocker").write_text("x")
    res = CliRunner().invoke(
        cli, ["validate", "--silent", "--report", str(tmp_path / "blocker" / "r.xlsx"), str(corpus["template"])]
    )
    assert res.exit_code == 3


def test_report_names_tables_as_the_form_does_and_prints_on_a4(corpus, tmp_path):
    results = [validate_loaded(read_file(corpus[n])) for n in ("template", "typed_over", "odd_values")]
    out = write_report(results, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    det = list(wb["问题明细"].iter_rows(values_only=True))[1:]
    by_rule = {row[3]: row for row in det}
    assert by_rule["TOTAL-STORED"][5] == "表三"  # the form's name of t3, not the internal id
    assert {row[5] for row in det if row[3] == "VALUE-TYPE"} == {"表四"}
    assert not [row for row in det if row[5] and not row[5].startswith("表")]
    for ws, head in zip(wb.worksheets, (OVERVIEW_HEADER_ROW, 1), strict=True):
        ps = ws.page_setup
        assert (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight) == (9, "landscape", 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == f"${head}:${head}"
        assert ws.freeze_panes == f"A{head + 1}" and ws.auto_filter.ref == f"A{head}:I{ws.max_row}"
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.cell(head, 1).font.b and ws.cell(head, 1).fill.fgColor.rgb == "00DDEBF7"
        table = list(ws.iter_rows(min_row=head))
        assert all(c.border.left.style == c.border.bottom.style == "thin" for row in table for c in row)
        # a file name stays on one line (its column is as wide as it); long messages wrap in taller rows
        assert ws.column_dimensions["A"].width >= max(len(row[0].value) for row in table[1:])
        assert not table[1][0].alignment.wrap_text and table[1][8].alignment.wrap_text
    ov = wb["总览"]
    assert ov["A1"].font.sz == 14 and sorted(map(str, ov.merged_cells.ranges)) == ["A1:I1", "A2:I2"]
    typed_over = OVERVIEW_HEADER_ROW + 2
    assert ov.row_dimensions[typed_over].height and ov.row_dimensions[typed_over].height > 16  # its problem wraps
    en = openpyxl.load_workbook(write_report(results, tmp_path / "en.xlsx", lang="en"))
    assert en["Overview"].oddFooter.center.text == "Page &P of &N"


def test_report_prints_every_column_on_each_page_in_libreoffice(corpus, soffice, pdftoppm, tmp_path):
    """Rendered by LibreOffice: every page carries the header row and the last column (nothing cut off)."""
    import subprocess

    from tests.lo import convert

    results = [validate_loaded(read_file(corpus[n])) for n in ("template", "typed_over", "odd_values")] * 15
    out = write_report(results, tmp_path / "r.xlsx")
    (pdf,) = convert([out], "pdf", tmp_path / "pdf")
    exe = shutil.which("pdftotext") or str(Path(pdftoppm).with_name("pdftotext"))
    text = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 3
    assert pages[0].strip().splitlines()[0].startswith("校验结果总览（")  # the title, the count line: page 1 only
    assert pages[0].strip().splitlines()[1].split() == ["共", "45", "个文件：通过", "15，未通过", "30"]
    for i, page in enumerate(pages):
        first = page.strip().splitlines()[2 if i == 0 else 0].split()
        assert first in (
            ["文件", "单位", "单位代码", "年度", "结论", "错误", "警告", "提示", "主要问题"],
            ["文件", "单位", "位置", "规则", "严重程度", "表", "标签", "数值", "问题"],
        ), first
