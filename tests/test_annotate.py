"""The 整改清单: annotated copies of the departments' own workbooks (`xltool validate --annotate OUTDIR`).

Checked by opening them with openpyxl (fills, comments, hyperlinks, unchanged values, protection and metadata
kept) and by converting one with LibreOffice (it still opens).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_reader_support import require_lo, shared_corpus
from xltool.annotate import FILL, RESULT_SHEET, annotate_file, annotate_results, marked_cells
from xltool.cli import cli
from xltool.reader import read_file
from xltool.validate import validate_loaded


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


def _result(path: Path):
    return validate_loaded(read_file(path), year=2024)


def _values(path: Path, skip: str | None = None) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
        for ws in wb.worksheets
        if ws.title != skip
    }


def test_template_with_errors_is_marked_cell_by_cell(corpus, tmp_path):
    r = _result(corpus["typed_over"])
    out = annotate_file(r, tmp_path)
    assert out.name == "typed_over_校验结果.xlsx"
    marks = marked_cells(out)
    assert set(marks) == {"表三!J29"}
    assert marks["表三!J29"]["fill"] == FILL["error"]
    assert "TOTAL-STORED" in marks["表三!J29"]["comment"] and "J29" in marks["表三!J29"]["comment"]
    # the department's values and formulas are untouched
    assert _values(out, skip=RESULT_SHEET) == _values(corpus["typed_over"])
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET and wb.active.title == RESULT_SHEET
    # protection, metadata and validations kept
    orig = openpyxl.load_workbook(corpus["typed_over"])
    for name in orig.sheetnames:
        assert wb[name].protection.sheet == orig[name].protection.sheet, name
        assert wb[name].sheet_state == orig[name].sheet_state, name
        assert len(wb[name].data_validations.dataValidation) == len(orig[name].data_validations.dataValidation)
        assert sorted(map(str, wb[name].merged_cells.ranges)) == sorted(map(str, orig[name].merged_cells.ranges))
    assert wb["_xltool"].sheet_state == "veryHidden"
    assert orig.security is not None and orig.security.lockStructure
    assert wb.security.lockStructure and wb.security.workbookPassword == orig.security.workbookPassword
    assert {p.name for p in wb.custom_doc_props.props} == {p.name for p in orig.custom_doc_props.props}
    # and it is still read as the same template with the same finding
    again = _result(out)
    assert [f.rule for f in again.findings] == ["TOTAL-STORED"]
    assert again.report.meta["template_id"] == r.report.meta["template_id"]


def test_result_sheet_lists_every_finding_with_a_link_to_its_cell(corpus, tmp_path):
    r = _result(corpus["odd_values"])
    out = annotate_file(r, tmp_path)
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    assert "未通过" in ws["A2"].value and "错误 3" in ws["A2"].value
    head = next(row for row in ws.iter_rows() if row[0].value == "序号")
    rows = [row for row in ws.iter_rows(min_row=head[0].row + 1) if row[0].value is not None]
    assert len(rows) == len(r.findings)
    by_rule = {}
    for row in rows:
        by_rule.setdefault(row[2].value, []).append(row)
    assert len(by_rule["VALUE-TYPE"]) == 3
    links = sorted(row[3].hyperlink.location for row in by_rule["VALUE-TYPE"])
    assert links == ["'表四'!A6", "'表四'!B6", "'表四'!C6"]
    assert all(row[1].value == "错误" for row in by_rule["VALUE-TYPE"])
    # errors red, infos listed but not painted
    marks = marked_cells(out)
    assert {k for k, m in marks.items() if m["fill"] == FILL["error"]} == {"表四!A6", "表四!B6", "表四!C6"}
    assert "表三!D8" not in marks  # VALUE-COERCED is a 提示: listed only


def test_warning_cells_are_orange(corpus, tmp_path):
    out = annotate_file(_result(corpus["constant_equal"]), tmp_path)
    marks = marked_cells(out)
    assert set(marks) == {"表三!J6", "表三!J7"}
    assert {m["fill"] for m in marks.values()} == {FILL["warning"]}


def test_plain_workbook_and_label_findings(corpus, tmp_path):
    out = annotate_file(_result(corpus["plain_wrong_total"]), tmp_path)
    marks = marked_cells(out)
    assert len(marks) == 1 and next(iter(marks)).startswith("数据!J")
    assert _values(out, skip=RESULT_SHEET) == _values(corpus["plain_wrong_total"])


def test_unreadable_file_gets_a_result_sheet_alone(corpus, tmp_path):
    out = annotate_file(_result(corpus["truncated"]), tmp_path)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [RESULT_SHEET]
    assert "FILE-UNREADABLE" in [c.value for c in wb[RESULT_SHEET]["C"]]


def test_xls_input_gets_an_xlsx_copy(tmp_path, tmp_path_factory):
    c = require_lo(shared_corpus(tmp_path_factory))
    r = _result(c["xls_plain"])
    out = annotate_file(r, tmp_path)
    assert out.suffix == ".xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET and "数据" in wb.sheetnames
    assert read_file(out).report.values == r.report.values


def test_annotate_results_skips_clean_files_and_never_overwrites_inputs(corpus, tmp_path):
    results = [_result(corpus["template"]), _result(corpus["typed_over"]), _result(corpus["plain1"])]
    paths = annotate_results(results, tmp_path / "feedback")
    assert [p.name for p in paths] == ["typed_over_校验结果.xlsx", "plain1_校验结果.xlsx"]


def test_injection_in_a_label_is_neutralized(tmp_path, corpus):
    from tests.test_reader_support import set_cells

    p = set_cells(corpus["template"], tmp_path / "inj.xlsx", {"表三!C13": '=HYPERLINK("http://x","y")'})
    r = _result(p)
    out = annotate_file(r, tmp_path / "o")
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_cli_annotate_and_libreoffice_opens_the_copy(corpus, tmp_path, tmp_path_factory):
    import shutil

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("template", "typed_over", "label_edited", "truncated"):
        shutil.copy(corpus[name], inbox / f"{name}{corpus[name].suffix}")
    fb = tmp_path / "feedback"
    res = CliRunner().invoke(cli, ["validate", "--silent", "--annotate", str(fb), str(inbox)])
    assert res.exit_code == 1, res.output
    names = sorted(p.name for p in fb.iterdir())
    assert names == ["label_edited_校验结果.xlsx", "truncated_校验结果.xlsx", "typed_over_校验结果.xlsx"]
    marks = marked_cells(fb / "label_edited_校验结果.xlsx")
    assert set(marks) == {"表三!C13"} and "应为“4.保护第三方合法权益”" in marks["表三!C13"]["comment"]
    require_lo(shared_corpus(tmp_path_factory))
    from tests.lo import convert

    made = convert([fb / "typed_over_校验结果.xlsx"], "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(made[0])
    assert wb.sheetnames[0] == RESULT_SHEET
    assert wb["表三"]["J29"].comment is not None
    assert read_file(made[0]).report.values == read_file(corpus["typed_over"]).report.values


def test_result_sheet_prints_on_a4_landscape_with_its_header_repeated(corpus, tmp_path):
    r = _result(corpus["odd_values"])
    ws = openpyxl.load_workbook(annotate_file(r, tmp_path))[RESULT_SHEET]
    head = next(row for row in ws.iter_rows() if row[0].value == "序号")[0].row
    ps = ws.page_setup
    assert (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight) == (9, "landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_options.gridLines
    assert ws.print_title_rows == f"${head}:${head}"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    # messages of several lines get rows tall enough to print them
    multi = [row for row in ws.iter_rows(min_row=head + 1) if isinstance(row[4].value, str) and "\n" in row[4].value]
    assert multi
    for row in multi:
        assert (ws.row_dimensions[row[0].row].height or 0) >= 16 * (row[4].value.count("\n") + 1)
