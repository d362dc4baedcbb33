"""Workbooks that are not the issued template: tables found by their labels, variants tolerated, gaps named.

Also .xls / .et / .ods / .csv, made by LibreOffice from the same workbooks (LibreOffice is the test client).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.test_reader_support import (
    UNIT,
    V1,
    YEAR,
    computed_totals,
    require_lo,
    sample_values,
    shared_corpus,
)
from xltool.reader import read_file
from xltool.validate import validate_loaded


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


@pytest.fixture(scope="session")
def lo_corpus(corpus) -> dict[str, Path]:
    return require_lo(corpus)


def findings(path: Path, **kw):
    return validate_loaded(read_file(path), **kw)


@pytest.mark.parametrize("name", ["plain0", "plain1", "plain2", "plain_no_totals"])
def test_retyped_workbook_is_read_exactly(corpus, name):
    loaded = read_file(corpus[name])
    rep = loaded.report
    assert rep.values == sample_values(V1)
    assert (rep.form, rep.year, rep.unit_name) == ("gov-disclosure-2021", YEAR, UNIT)
    assert rep.meta["reader"] == "labels"
    r = validate_loaded(loaded)
    assert r.valid
    assert "NOT-TEMPLATE" in [f.rule for f in r.findings]
    warn = next(f for f in r.findings if f.rule == "NOT-TEMPLATE")
    assert warn.severity == "warning" and "不是下发的模板" in warn.message()


def test_cells_point_into_the_departments_own_sheets(corpus):
    rep = read_file(corpus["plain0"]).report
    assert rep.cell_ref("t2.regulation.issued") == "表2!C5"  # shifted two rows and one column
    assert rep.cell_ref("t3.new_received.natural_person") == "表3!E5"
    assert rep.cell_ref("t4.review.upheld") == "表4!B6"
    one_sheet = read_file(corpus["plain1"]).report
    assert {ref.split("!")[0] for ref in one_sheet.source["sheet_cells"].values()} == {"数据"}


def test_labels_matched_by_similarity_are_each_said(corpus):
    r = findings(corpus["plain2"])
    sim = [f for f in r.findings if f.rule == "LABEL-SIMILAR"]
    texts = sorted(f.message() for f in sim)
    assert len(sim) == 2
    assert any("“规范性文件”按“行政规范性文件”识别" in t for t in texts)
    assert any("“2、其他法律行政止公开”按“2.其他法律行政法规禁止公开”识别" in t for t in texts)
    assert all(f.severity == "info" and f.cells for f in sim)
    # half-width brackets, "1、", spaces and line breaks are exact after normalization: no finding for them
    assert not any("予以公开" in t or "本年新收" in t for t in texts)


def test_wrong_total_in_a_plain_workbook_is_one_finding(corpus):
    r = findings(corpus["plain_wrong_total"])
    errors = [f for f in r.findings if f.severity == "error"]
    assert [f.rule for f in errors] == ["TOTAL-STORED"]
    f = errors[0]
    tot = computed_totals(sample_values(V1))["t3.results_total.total"]
    assert (f.left, f.right) == (tot + 3, tot)
    assert f.cells[0].startswith("数据!J")


def test_missing_table_is_named_and_its_sums_not_repeated(corpus):
    r = findings(corpus["plain_no_t4"])
    assert sorted(f.rule for f in r.findings if f.severity != "info") == ["NOT-TEMPLATE", "TABLE-MISSING"]
    f = next(f for f in r.findings if f.rule == "TABLE-MISSING")
    assert "表四" in f.message() and "行政复议" in f.message()
    assert r.report.meta["incomplete_tables"] == ["t4"]
    assert not any(f.rule == "VALUE-BLANK" and f.table == "t4" for f in r.findings)


def test_missing_rows_are_listed_by_label(corpus):
    r = findings(corpus["plain_rows_missing"])
    assert sorted(f.rule for f in r.findings if f.severity == "error") == ["TABLE-LABELS-MISSING"]
    f = next(f for f in r.findings if f.rule == "TABLE-LABELS-MISSING")
    assert "7.属于行政执法案卷" in f.message() and "8.属于行政查询事项" in f.message()


def test_2019_single_other_row_with_zero_is_spread_as_zeros(corpus):
    r = findings(corpus["plain_other_zero"])
    assert r.valid
    assert "T3-OTHER-SINGLE" in [f.rule for f in r.findings]
    vals = r.report.values
    for rid in ("other_no_correction", "other_unpaid_fee", "other_misc"):
        assert vals[f"t3.{rid}.commercial"] == 0


def test_2019_single_other_row_not_zero_says_the_split_is_unknown(corpus):
    r = findings(corpus["plain_other_nonzero"])
    f = next(f for f in r.findings if f.rule == "T3-OTHER-UNSPLIT")
    assert f.severity == "warning" and "无法拆分" in f.message()
    assert len(f.cells) == 1 and f.cells[0].startswith("数据!D")  # only the 自然人 column is not 0
    assert r.report.values["t3.other_misc.natural_person"] == 4
    assert not [x for x in r.findings if x.severity == "error"]


def test_unofficial_row_with_figures_is_not_dropped_silently(corpus):
    r = findings(corpus["plain_extra_row"])
    f = next(f for f in r.findings if f.rule == "TABLE-EXTRA-ROW")
    assert "不予处理—无法联系到申请人" in f.message() and f.severity == "warning"
    assert "第 46 行" in f.message() and "位置：数据!B46" in f.message() and f.cells == ["数据!D46"]
    assert r.report.values == sample_values(V1)


def test_workbook_without_any_table(corpus):
    r = findings(corpus["no_tables"])
    assert [f.rule for f in r.findings] == ["TABLES-NOT-FOUND"] and r.report is None


def test_2019_form_workbook_is_read_on_the_2019_form(tmp_path):
    from xltool.layout import sheet_layouts
    from xltool.schema import load_form

    f19 = load_form("gov-disclosure-2019")
    vals = sample_values(3, "gov-disclosure-2019")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = f"{UNIT}2020年政府信息公开工作年度报告"
    off = 1
    for lay in sheet_layouts(f19).values():
        for lb in lay.labels:
            ws.cell(lb.row + off, lb.col, lb.text)
        for key, pos in lay.cells.items():
            if key in vals:
                ws.cell(pos.row + off, pos.col, vals[key])
        off += lay.last_row + 2
    wb.save(tmp_path / "old.xlsx")
    rep = read_file(tmp_path / "old.xlsx").report
    assert rep.form == "gov-disclosure-2019" and rep.year == 2020
    assert rep.values == vals


# --------------------------------------------------------------------------- other formats, made by LibreOffice


@pytest.mark.parametrize("name", ["xls_template", "ods_template"])
def test_template_saved_as_xls_or_ods_is_still_a_template(lo_corpus, name):
    loaded = read_file(lo_corpus[name])
    assert loaded.report.meta["reader"] == "template"
    assert loaded.report.values == sample_values(V1)
    assert [f.rule for f in loaded.findings] == ["FILE-CONVERTED"]


@pytest.mark.parametrize("name", ["xls_plain", "ods_plain", "csv_plain", "et_plain"])
def test_other_formats_are_read_as_non_template_workbooks(lo_corpus, name):
    loaded = read_file(lo_corpus[name])
    assert loaded.report.values == sample_values(V1)
    rules = [f.rule for f in validate_loaded(loaded).findings]
    assert "NOT-TEMPLATE" in rules and "FILE-CONVERTED" in rules
    assert not any(r.startswith(("TABLE-", "TOTAL-", "T3-", "VALUE-")) for r in rules)
