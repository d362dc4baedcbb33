"""The summary workbook: its sheets, that it is itself a valid input, multi-level consolidation, LibreOffice."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.lo import convert, render_png
from tests.test_consolidate import DATA, ERROR_UNITS, PRIOR, ROSTER, independent_sum
from xltool.cli import cli
from xltool.consolidate import consolidate, is_consolidation, members_of
from xltool.interchange import load_json
from xltool.layout import sheet_layouts
from xltool.roster import Roster, Unit, load_roster
from xltool.sources import load_any
from xltool.summary_xlsx import (
    SHEET_CHARTS,
    SHEET_FINDINGS,
    SHEET_GROUPS,
    SHEET_STATUS,
    SHEET_UNITS,
    sheet_order,
    write_summary,
)
from xltool.validate import validate_paths


@pytest.fixture(scope="module")
def roster() -> Roster:
    return load_roster(ROSTER)


@pytest.fixture(scope="module")
def summary(tmp_path_factory, roster):
    cons = consolidate([DATA], roster, prior=[PRIOR], group_by="category")
    path = write_summary(cons, tmp_path_factory.mktemp("summary") / "芝罘区汇总.xlsx")
    return cons, path


def table_sheets(form) -> list[str]:
    return [lay.sheet for lay in sheet_layouts(form).values()]


def rows_of(ws) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_summary_has_the_official_tables_and_the_report_sheets(summary):
    cons, path = summary
    wb = load_workbook(path)
    names = wb.sheetnames
    for s in table_sheets(cons.form):
        assert s in names
    report_sheets = [n for n in names if n in (SHEET_STATUS, SHEET_GROUPS, SHEET_UNITS, SHEET_FINDINGS, SHEET_CHARTS)]
    assert report_sheets == [SHEET_STATUS, SHEET_GROUPS, SHEET_UNITS, SHEET_FINDINGS, SHEET_CHARTS]
    # the official tables hold the totals, at the template's own positions
    for key, pos in sheet_layouts(cons.form)["t3"].cells.items():
        if not cons.form.cells[key].is_total:
            assert wb["表三"].cell(row=pos.row, column=pos.col).value == cons.totals.loc[key, "value"], key


def test_status_sheet(summary):
    cons, path = summary
    ws = load_workbook(path)[SHEET_STATUS]
    assert ws["A2"].value == "应报 36｜已收 36｜通过 29｜仅警告 2｜有错误 5｜未报 0"
    assert ws["C4"].value == "无"  # nobody missing
    rows = rows_of(ws)
    head = next(i for i, r in enumerate(rows) if r[:3] == ["序号", "单位代码", "单位名称"])
    body = {r[1]: r for r in rows[head + 1 : head + 37]}
    assert set(body) == {u.code for u in cons.roster.units}
    assert body["370602-D07"][4] == "有错误" and body["370602-D07"][5] == "否"
    assert "T4-TOTAL" in body["370602-D07"][10]
    assert body["370602-D06"][4] == "仅警告" and body["370602-D06"][5] == "是"
    assert ws.freeze_panes == f"D{head + 2}"


def test_units_sheet_total_row_equals_the_official_tables(summary):
    cons, path = summary
    ws = load_workbook(path)[SHEET_UNITS]
    rows = rows_of(ws)
    assert rows[1][:5] == ["序号", "单位代码", "单位名称", "类别", "报送状态"]
    # the indicators in the form's table order: 表二, 表三, 表四 (the report's order)
    inds = [cons.indicators[k] for k in sheet_order(cons)]
    assert rows[2][5:] == [i.header for i in inds]
    assert [i.table for i in inds] == sorted((i.table for i in inds), key=["t2", "t3", "t4"].index)
    sections = [v for v in rows[1][5:] if v is not None]
    assert sections == [cons.form.table(t).title for t in ("t2", "t3", "t4")]
    total = next(r for r in rows if r[0] == "合计")
    # openpyxl reads numbers back as float; the file holds the exact decimal text
    totals = cons.indicator_totals()
    assert [Decimal(str(v)) if isinstance(v, float) else v for v in total[5:]] == [totals[k] for k in sheet_order(cons)]
    applications = 5 + next(i for i, ind in enumerate(inds) if ind.keys == ("t3.new_received.total",))
    assert total[applications] == cons.totals.loc["t3.new_received.total", "value"]
    # rows of units that are not counted carry no figures
    d07 = next(r for r in rows if r[1] == "370602-D07")
    assert d07[4] == "有错误" and all(v is None for v in d07[5:])
    # the fee column keeps its decimals (exact) and shows them
    fee_col = 5 + next(i for i, ind in enumerate(inds) if ind.type == "decimal")
    cells = [r[fee_col] for r in ws.iter_rows(min_row=4) if r[fee_col].value]
    with_decimals = [c for c in cells if "." in str(c.value)]
    assert with_decimals, "the samples have fees with decimals"
    for c in with_decimals:  # 0.000000 trimmed: exactly as many places as the amount has
        assert c.number_format == "#,##0." + "0" * len(str(c.value).split(".")[1])
    assert Decimal(str(total[fee_col])) == cons.totals.loc["t2.fees.amount", "value"]


def test_groups_findings_and_charts_sheets(summary):
    cons, path = summary
    wb = load_workbook(path)
    groups = rows_of(wb[SHEET_GROUPS])
    cats = {r[0]: r for r in groups if r[0] in ("部门", "街道", "合计")}
    assert cats["部门"][1] == 24 and cats["街道"][1] == 12 and cats["合计"][2] == 31
    # the same columns as 单位明细
    assert groups[2][3:] == [cons.indicators[k].header for k in sheet_order(cons)]
    apps = 3 + sheet_order(cons).index(0)  # cons.indicators[0]: 本年新收 (表三)
    assert cats["部门"][apps] + cats["街道"][apps] == cats["合计"][apps] == cons.indicator_totals()[0]
    fr = rows_of(wb[SHEET_FINDINGS])
    ranking = [r[1] for r in fr[3:] if isinstance(r[0], int) and r[2] in ("错误", "警告")]
    assert set(ranking) == {"T3-BALANCE", "T3-RESULTS", "T3-TOTAL", "T4-TOTAL", "VALUE-TYPE", "X-CARRY", "X-IN-FORCE"}
    listed = [r for r in fr if r[5] == "T3-BALANCE"]
    assert len(listed) == 2 and all(r[1] == "370602-D10" for r in listed)
    assert len(wb[SHEET_CHARTS]._charts) == 3  # by unit, outcome mix, this year vs last year


def test_summary_is_a_valid_input_of_validate_and_consolidate(summary):
    cons, path = summary
    (res,) = validate_paths([path])
    assert res.valid, [f.message() for f in res.findings]
    rep = res.report
    assert is_consolidation(rep) and rep.unit_name == "烟台市芝罘区" and rep.year == 2021
    assert [m["code"] for m in members_of(rep)] == [m["code"] for m in cons.report.meta["members"]]
    assert [m["sha256"] for m in members_of(rep)] == [m["sha256"] for m in cons.report.meta["members"]]
    from xltool.rules import evaluate

    assert evaluate(cons.form, rep).values == cons.evaluated.values


def test_text_from_files_is_never_a_formula(tmp_path):
    r = Roster((Unit("X1", "=1+2", "+部门"), Unit("X2", "@SUM(A1)", "部门")))
    rep = load_json(next(DATA.glob("370602-D01_*.json")))
    rep.unit_name, rep.unit_code = "=1+2", "X1"
    from xltool.interchange import save_json

    save_json(rep, tmp_path / "x.json")
    cons = consolidate([tmp_path / "x.json"], r, unit_name="测试区")
    out = write_summary(cons, tmp_path / "s.xlsx")
    ws = load_workbook(out)[SHEET_STATUS]
    cells = [c for row in ws.iter_rows() for c in row if c.value in ("=1+2", "@SUM(A1)", "+部门")]
    assert len(cells) >= 3
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>1+2</f>" not in z.read(name) and b"<f>SUM(A1)</f>" not in z.read(name)


def test_multi_level_units_to_districts_to_city_equals_units_to_city(tmp_path, roster):
    """Two district summaries (部门, 街道) consolidated by a city with the same command = all units at once."""
    runner = CliRunner()
    for cat, name, code in (("部门", "甲区", "A"), ("街道", "乙区", "B")):
        sub = tmp_path / f"{code}.csv"
        lines = ["code,name,category"] + [f"{u.code},{u.name},{u.category}" for u in roster.units if u.category == cat]
        sub.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res = runner.invoke(
            cli,
            ["consolidate", str(DATA), "--roster", str(sub), "--unit-name", name, "-o", str(tmp_path / f"{code}.xlsx")],
        )
        # the other category's files are foreign to this roster; what is counted is consistent
        assert res.exit_code == 0, res.output
    city_roster = tmp_path / "city.csv"
    city_roster.write_text("code,name,category\nA,甲区,区\nB,乙区,区\n", encoding="utf-8")
    res = runner.invoke(
        cli,
        [
            "consolidate",
            str(tmp_path / "A.xlsx"),
            str(tmp_path / "B.xlsx"),
            "--roster",
            str(city_roster),
            "--unit-name",
            "某市",
            "-o",
            str(tmp_path / "city.xlsx"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    import json

    doc = json.loads(res.stdout)
    # each district left its units with errors out, and its summary says so: a warning at the city
    assert doc["status_line"] == "应报 2｜已收 2｜通过 0｜仅警告 2｜有错误 0｜未报 0"
    assert {s["name"]: s["coverage"] for s in doc["status"]} == {
        "甲区": "应报 24，计入 20（有错误未计入 4）",
        "乙区": "应报 12，计入 11（有错误未计入 1）",
    }
    direct = consolidate([DATA], roster)
    city = consolidate([tmp_path / "A.xlsx", tmp_path / "B.xlsx"], load_roster(city_roster), unit_name="某市")
    assert city.ok and city.evaluated.values == direct.evaluated.values
    expected = independent_sum({u.code for u in roster.units} - ERROR_UNITS)
    assert city.evaluated.values == expected
    # and the city's own summary reads back with the same figures
    again = load_any(tmp_path / "city.xlsx").report
    assert again is not None and is_consolidation(again)
    assert {m["name"] for m in members_of(again)} == {"甲区", "乙区"}


def test_summary_opens_in_libreoffice_with_charts_intact(summary, soffice, tmp_path):
    cons, path = summary
    (resaved,) = convert([path], "xlsx", tmp_path / "lo")
    with zipfile.ZipFile(resaved) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart") and n.endswith(".xml")]
        assert len(charts) == 3
        assert all(b"<c:barChart>" in z.read(n) or b"<c:pieChart>" in z.read(n) for n in charts)
    wb = load_workbook(resaved)
    assert SHEET_CHARTS in wb.sheetnames and wb[SHEET_STATUS]["A2"].value.startswith("应报 36")
    # a summary re-saved by LibreOffice is still a summary: same totals when consolidated again
    city = consolidate([resaved], Roster((Unit("Z", "烟台市芝罘区"),)))
    assert city.ok and city.counts["counted"] == 1
    assert city.evaluated.values == cons.evaluated.values


def test_summary_renders(summary, pdftoppm, tmp_path):
    """Render the summary to PNG pages (kept in the pytest tmp dir for a person to look at)."""
    _cons, path = summary
    pages = render_png(path, tmp_path, dpi=60)
    assert len(pages) >= 6
    assert all(p.stat().st_size > 5_000 for p in pages)  # not blank pages
    print("rendered:", *map(str, pages[:3]), "…")


def test_summary_path_is_written_atomically(tmp_path, summary):
    cons, _ = summary
    out = write_summary(cons, tmp_path / "a.xlsx")
    assert out.exists() and not list(Path(tmp_path).glob(".*tmp*"))


RETURNED = Path(__file__).resolve().parent.parent / "samples" / "returned"
"""The sample units' returned workbooks (samples/make_returned.py); three were saved again by LibreOffice."""


def test_returned_workbooks_consolidate_like_the_sample_json(roster):
    """The README's main job: consolidating samples/returned/ gives the totals of the sample JSON."""
    c = consolidate([RETURNED], roster)
    assert len(c.files) == 36 and set(c.files["role"]) == {"counted", "rejected"}
    st = c.status.set_index("code")
    assert set(st.index[st["status"] == "有错误"]) == ERROR_UNITS
    assert c.ok and c.evaluated.values == independent_sum({u.code for u in roster.units} - ERROR_UNITS)
    # "１２" is text in a workbook: the 总计 formula skips it, so the file's total was typed over the formula
    assert st.loc["370602-D14", "status"] == "仅警告" and "TOTAL-FORMULA" in st.loc["370602-D14", "problems"]
    # the long table points at each workbook by its hash
    assert set(c.long["file_sha256"]) == set(st.loc[st["counted"].astype(bool), "sha256"])


# --------------------------------------------------------------------------- what the workbook holds, cell by cell
#
# write_summary gives each cell a style built once per workbook (CellStyles) and serialises the report sheets'
# cells itself (sheet_data_xml): the tests below hold the file to what openpyxl itself writes, byte for byte,
# and to the styles a clerk sees, read back cell by cell.

THIN = ("thin", "00A6A6A6")


def _style(cell) -> dict[str, object]:
    """What a cell looks like, read back with openpyxl."""
    b = cell.border
    return {
        "bold": bool(cell.font.b),
        "size": cell.font.sz,
        "color": cell.font.color.rgb if cell.font.color is not None else None,
        "fill": cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None,
        "border": {(s.style, s.color.rgb if s.color is not None else None) for s in (b.left, b.right, b.top, b.bottom)},
        "align": (cell.alignment.horizontal, cell.alignment.vertical, bool(cell.alignment.wrap_text)),
        "format": cell.number_format,
    }


HEADER = {"bold": True, "fill": "00DDEBF7", "border": {THIN}, "align": ("center", "center", True)}


def _has(cell, **expected) -> None:
    got = _style(cell)
    assert {k: got[k] for k in expected} == expected, (cell.coordinate, got)


def _report_workbook(cons):
    from openpyxl import Workbook

    from xltool.summary_xlsx import add_report_sheets

    wb = Workbook()
    add_report_sheets(wb, cons)
    return wb


def _awkward_consolidation(tmp_path):
    """Names a spreadsheet could take for formulas, XML markup, spaces at the ends and line breaks."""
    from xltool.interchange import save_json

    names = ["=1+2", " 前后有空格 ", "<b>甲&乙</b>", "第一行\n第二行\r第三行", "@SUM(A1)", "-减号开头"]
    r = Roster(tuple(Unit(f"X{i}", n, "+部门" if i % 2 else "街道") for i, n in enumerate(names)))
    src = load_json(next(DATA.glob("370602-D01_*.json")))
    for i, n in enumerate(names[:4]):
        src.unit_name, src.unit_code = n, f"X{i}"
        save_json(src, tmp_path / f"u{i}.json")
    return consolidate(sorted(tmp_path.glob("u*.json")), r, unit_name="测试区", group_by="category")


@pytest.mark.parametrize("data", ["fixture", "awkward"])
def test_report_sheets_are_byte_for_byte_what_openpyxl_writes(summary, tmp_path, data):
    """The same report sheets saved by save_workbook and by openpyxl's own writer: identical parts."""
    from xltool.summary_xlsx import save_workbook

    cons = summary[0] if data == "fixture" else _awkward_consolidation(tmp_path)
    fast = save_workbook(_report_workbook(cons), tmp_path / "fast.xlsx")
    plain = tmp_path / "plain.xlsx"
    _report_workbook(cons).save(plain)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(plain) as b:
        assert a.namelist() == b.namelist()
        sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) >= 5
        differ = {n for n in a.namelist() if a.read(n) != b.read(n)}
    assert differ <= {"docProps/core.xml"}  # its modified time, to the second


def test_sheets_the_fast_writer_does_not_know_are_written_by_openpyxl(summary, tmp_path):
    from datetime import datetime

    from xltool.summary_xlsx import save_workbook, sheet_data_xml

    wb = _report_workbook(summary[0])
    ws = wb[SHEET_STATUS]
    ws["N1"] = datetime(2022, 1, 14, 9, 30)
    ws["N2"] = "=1+1"
    assert sheet_data_xml(ws) is None and sheet_data_xml(wb[SHEET_UNITS]) is not None
    back = load_workbook(save_workbook(wb, tmp_path / "mixed.xlsx"))
    assert back[SHEET_STATUS]["N1"].value == datetime(2022, 1, 14, 9, 30)
    assert back[SHEET_STATUS]["N2"].value == "=1+1" and back[SHEET_STATUS]["A2"].value.startswith("应报 36")
    assert back[SHEET_UNITS]["B4"].value == summary[0].roster.units[0].code


def test_status_sheet_styles(summary):
    cons, path = summary
    ws = load_workbook(path)[SHEET_STATUS]
    _has(ws["A1"], bold=True, size=14)
    _has(ws["A2"], bold=True, size=12)
    _has(ws["A3"], bold=False, color=None)  # C-SUM passed: not red
    assert {"A1:K1", "A2:K2", "A3:K3", "A4:B4", "C4:K4"} <= {str(r) for r in ws.merged_cells.ranges}
    for c in ws[6]:
        _has(c, **HEADER)
    rows = {ws.cell(r, 2).value: r for r in range(7, 43)}
    d07, d06, d01 = rows["370602-D07"], rows["370602-D06"], rows["370602-D01"]
    _has(ws.cell(d07, 5), fill="00F8CBAD", border={THIN})
    _has(ws.cell(d06, 5), fill="00FFF2CC")
    _has(ws.cell(d01, 5), fill="00E2EFDA")
    _has(ws.cell(d07, 1), format="0", border={THIN}, align=(None, "center", False))
    _has(ws.cell(d07, 7), format="0")
    _has(ws.cell(d07, 11), align=(None, "top", True), border={THIN})  # 主要问题 wraps
    assert ws.row_dimensions[d07].height and ws.row_dimensions[d07].height > 16  # … in a taller row
    assert ws.print_title_rows == "$6:$6" and ws.auto_filter.ref == "A6:K42"
    ps = ws.page_setup
    assert (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight) == (9, "landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_csum_failure_is_red_on_the_status_sheet(summary, tmp_path):
    from dataclasses import replace

    from xltool.findings import Finding

    cons, _ = summary
    broken = replace(cons, csum=[Finding("C-SUM", "error", {"zh": "汇总值与各单位之和不符", "en": "differs"})])
    ws = load_workbook(write_summary(broken, tmp_path / "broken.xlsx"))[SHEET_STATUS]
    assert "未通过，1 处" in ws["A3"].value
    _has(ws["A3"], bold=True, color="00C00000")


def test_units_sheet_styles_and_print_bands(summary):
    cons, path = summary
    ws = load_workbook(path)[SHEET_UNITS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3"} <= merged
    order = sheet_order(cons)
    tables = [cons.indicators[k].table for k in order]
    firsts = {t: 6 + tables.index(t) for t in ("t2", "t3", "t4")}
    lasts = {t: 5 + len(tables) - tables[::-1].index(t) for t in ("t2", "t3", "t4")}
    for t in ("t2", "t3", "t4"):  # each table's heading over its own columns
        assert f"{ws.cell(2, firsts[t]).coordinate}:{ws.cell(2, lasts[t]).coordinate}" in merged
        _has(ws.cell(2, firsts[t]), **HEADER)
        last = ws.cell(2, lasts[t]).border  # the merged range is boxed
        assert (last.right.style, last.top.style, last.bottom.style) == ("thin", "thin", "thin")
    for c in range(1, 6 + len(order)):
        _has(ws.cell(3, c) if c > 5 else ws.cell(2, c), **HEADER)
    d01 = next(r for r in range(4, 41) if ws.cell(r, 2).value == "370602-D01")
    _has(ws.cell(d01, 1), format="0", border={THIN})
    _has(ws.cell(d01, 5), fill="00E2EFDA")
    _has(ws.cell(d01, 6), format="#,##0", border={THIN})
    total = next(r for r in range(4, 50) if ws.cell(r, 1).value == "合计")
    assert f"A{total}:E{total}" in merged
    for c in (1, 6, 5 + len(order)):
        _has(ws.cell(total, c), bold=True, fill="00F2F2F2", border={THIN})
    assert ws.freeze_panes == "D4" and ws.auto_filter.ref == f"A3:{ws.cell(3, 5 + len(order)).column_letter}{total - 1}"
    # printed on A4 landscape in bands of whole tables, the unit columns on every page
    ps = ws.page_setup
    assert (ps.paperSize, ps.orientation) == (9, "landscape") and 40 <= ps.scale <= 100
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$3" and ws.print_title_cols == "$A:$E"
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks and set(breaks) <= {lasts["t2"], lasts["t3"]}


def test_groups_findings_and_charts_sheet_styles(summary):
    cons, path = summary
    wb = load_workbook(path)
    ws = wb[SHEET_GROUPS]
    total = next(r for r in range(4, 10) if ws.cell(r, 1).value == "合计")
    for c in (1, 2, 4):
        _has(ws.cell(total, c), bold=True, fill="00F2F2F2", border={THIN})
    _has(ws.cell(total, 2), format="0")
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$2:$3"
    ws = wb[SHEET_FINDINGS]
    assert "F3:K3" in {str(r) for r in ws.merged_cells.ranges}
    head = next(r for r in range(5, 40) if ws.cell(r, 1).value == "序号" and ws.cell(r, 2).value == "单位代码")
    for c in ws[head]:
        _has(c, **HEADER)
    sev = {ws.cell(r, 5).value: ws.cell(r, 5) for r in range(head + 1, ws.max_row + 1)}
    _has(sev["错误"], fill="00F8CBAD", align=(None, "top", True), border={THIN})
    _has(sev["警告"], fill="00FFF2CC")
    _has(sev["提示"], fill=None)
    ws = wb[SHEET_CHARTS]
    assert [b.id for b in ws.row_breaks.brk] and ws.page_setup.orientation == "portrait"
    names = [ws.cell(r, 1) for r in range(5, 12)]
    assert all(c.value and not c.font.b and c.alignment.vertical == "center" for c in names)


def test_summary_cover_speaks_to_the_clerk_who_reads_it(summary):
    from xltool.template import COVER_SHEET

    cons, path = summary
    ws = load_workbook(path)[COVER_SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    joined = "\n".join(texts)
    assert "汇总说明" in texts and "填报须知" not in texts
    assert "浅黄色单元格" not in joined  # the department's instructions are gone
    assert "计入汇总 31 个（通过 29 个，仅警告 2 个）" in joined and "未计入：有错误 5 个" in joined
    assert "汇总校验（C-SUM）：通过" in joined and "“单位明细”" in joined and "“分类小计”" in joined
    prior = next(r for r in range(1, 20) if ws.cell(r, 1).value == "上年数据")
    assert ws.cell(prior, 2).value.startswith("已提供")
    # the identity the reader finds by label is untouched
    assert ws["B3"].value == "烟台市芝罘区" and ws["B5"].value == 2021


def test_units_sheet_prints_one_page_per_band_in_libreoffice(summary, pdftoppm, tmp_path):
    """Rendered by LibreOffice: each band of 单位明细 fits its page (no column spills onto a page of its own),
    and each page shows the units and its own tables' headings."""
    import shutil
    import subprocess

    cons, path = summary
    wb = load_workbook(path)
    ws = wb[SHEET_UNITS]
    bands = len(ws.col_breaks.brk) + 1
    for name in wb.sheetnames:  # print 单位明细 alone (LibreOffice prints hidden sheets too)
        if name != SHEET_UNITS:
            del wb[name]
    only = tmp_path / "units.xlsx"
    wb.save(only)
    (pdf,) = convert([only], "pdf", tmp_path / "pdf")
    exe = shutil.which("pdftotext") or str(Path(pdftoppm).with_name("pdftotext"))
    text = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == bands, [p[:200] for p in pages]
    titles = [cons.form.table(t).title for t in ("t2", "t3", "t4")]
    for page in pages:
        assert "单位名称" in page and "370602-S12" in page and "合计" in page
    assert all(any(t[:6] in page for page in pages) for t in titles)
