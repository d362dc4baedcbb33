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
    assert rows[2][5:] == [i.header for i in cons.indicators]
    total = next(r for r in rows if r[0] == "合计")
    # openpyxl reads numbers back as float; the file holds the exact decimal text
    assert [Decimal(str(v)) if isinstance(v, float) else v for v in total[5:]] == cons.indicator_totals()
    assert total[5] == cons.totals.loc["t3.new_received.total", "value"]
    # rows of units that are not counted carry no figures
    d07 = next(r for r in rows if r[1] == "370602-D07")
    assert d07[4] == "有错误" and all(v is None for v in d07[5:])
    # the fee column keeps its decimals (exact) and shows them
    fee_col = 5 + next(i for i, ind in enumerate(cons.indicators) if ind.type == "decimal")
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
    assert cats["部门"][3] + cats["街道"][3] == cats["合计"][3] == cons.indicator_totals()[0]
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
    assert doc["status_line"] == "应报 2｜已收 2｜通过 2｜仅警告 0｜有错误 0｜未报 0"
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
