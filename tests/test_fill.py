"""`fill_template` and `xltool fill`: data land exactly as given; another form, year or unit is refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltool.cli import cli
from xltool.errors import UsageError
from xltool.fill import fill_template, read_template_meta
from xltool.interchange import UnitReport, load_json
from xltool.layout import sheet_layouts
from xltool.schema import load_form
from xltool.template import COVER_SHEET, cover_cells, write_template

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "data"
FORM = load_form("gov-disclosure-2021")


def data(code: str) -> UnitReport:
    return load_json(next(DATA.glob(f"{code}_*.json")))


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(FORM, tmp_path_factory.mktemp("blank") / "blank.xlsx", year=None, unit_name="")


def cell_values(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for lay in sheet_layouts(FORM).values():
        for key, pos in lay.cells.items():
            out[key] = wb[lay.sheet][pos.ref].value
    return out


def test_values_land_as_given_and_consistent_totals_stay_formulas(tmp_path: Path) -> None:
    rep = data("370602-D04")
    tpl = write_template(FORM, tmp_path, year=2021, unit_name=rep.unit_name, unit_code=rep.unit_code)
    notes: list = []
    out = fill_template(tpl, rep, tmp_path / "out" / "filled.xlsx", findings=notes)
    got = cell_values(out)
    for key in FORM.input_keys:
        raw = rep.values.get(key)
        assert got[key] == raw, key
    for key in FORM.total_keys:
        assert isinstance(got[key], str) and got[key].startswith("=SUM("), key
    assert notes == []
    meta = read_template_meta(openpyxl.load_workbook(out))
    assert meta["unit_code"] == "370602-D04" and meta["year"] == "2021"


def test_a_total_that_disagrees_is_written_over_its_formula(tmp_path: Path) -> None:
    rep = data("370602-D22")  # T3-TOTAL: 总计 column not updated after moving one request
    notes: list = []
    out = fill_template(
        write_template(FORM, tmp_path, year=2021, unit_name=rep.unit_name, unit_code=rep.unit_code),
        rep,
        tmp_path / "f.xlsx",
        findings=notes,
    )
    got = cell_values(out)
    overwritten = {"t3.granted.total", "t3.partly_granted.total"}
    for key in FORM.total_keys:
        if key in overwritten:
            assert got[key] == rep.values[key], key
        else:
            assert str(got[key]).startswith("=SUM("), key
    assert sorted(f.rule for f in notes) == ["FILL-TOTAL-VALUE"] * 2
    assert "（一）予以公开 总计" in notes[0].message()
    assert notes[0].severity == "warning"  # validate calls it an error (TOTAL-STORED): not a mere hint here


def test_text_blank_and_amounts(tmp_path: Path, blank: Path) -> None:
    values = {
        "t2.penalty.decisions": "约10",
        "t2.licensing.decisions": "=1+1",
        "t2.fees.amount": Decimal("24252.311082"),
        "t3.new_received.natural_person": "１２",
        "t3.new_received.commercial": None,
        "t4.review.upheld": "/",
    }
    rep = UnitReport(FORM.id, 2021, "测试单位", "T-1", values=values)
    out = fill_template(blank, rep, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    t2, t3, t4 = wb["表二"], wb["表三"], wb["表四"]
    assert t2["B12"].value == "约10" and t2["B12"].data_type == "s"
    assert t2["B9"].value == "=1+1" and t2["B9"].data_type == "s"  # text in the data is never a formula
    assert t2["B16"].value == pytest.approx(24252.311082)
    assert t3["D6"].value == "１２" and t3["E6"].value is None and t4["A6"].value == "/"
    # no total in the data: the formula stays (and the template's checks will flag the text "１２")
    assert t3["J6"].value == "=SUM(D6:I6)"


def test_blank_template_takes_the_units_identity(tmp_path: Path, blank: Path) -> None:
    rep = data("370602-D10")
    out = fill_template(blank, rep, tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(out)
    cover = wb[COVER_SHEET]
    refs = cover_cells()
    assert cover[refs["unit_name"]].value == rep.unit_name and cover[refs["unit_code"]].value == "370602-D10"
    assert cover[refs["year"]].value == 2021 and cover[refs["unit_name"]].protection.locked
    assert (
        wb["表三"]["A2"].value == "填报单位：烟台市芝罘区住房和城乡建设局　　单位代码：370602-D10　　报告年度：2021年"
    )
    meta = read_template_meta(wb)
    blank_meta = read_template_meta(openpyxl.load_workbook(blank))
    assert meta["unit_name"] == rep.unit_name and meta["year"] == "2021" and meta["unit_code"] == "370602-D10"
    assert meta["template_id"] != blank_meta["template_id"]  # a new copy
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["xltool.unit_name"] == rep.unit_name and props["xltool.template_id"] == meta["template_id"]
    # protection and validation survive openpyxl's load and save
    ws = wb["表三"]
    assert ws.protection.sheet and ws.protection.algorithmName == "SHA-512" and wb.security.lockStructure
    assert wb["_xltool"].sheet_state == "veryHidden"
    assert any("D6" in dv for dv in ws.data_validations.dataValidation)


def test_explanations_go_to_the_cover(tmp_path: Path, blank: Path) -> None:
    rep = data("370602-D06")
    rep.explanations = {"X-CARRY": "上年报告漏报 1 件，已更正。"}
    out = fill_template(blank, rep, tmp_path / "e.xlsx")
    cell = openpyxl.load_workbook(out)[COVER_SHEET][cover_cells()["explanation"]]
    assert cell.value == "【X-CARRY】上年报告漏报 1 件，已更正。"


def test_refuses_another_year_unit_form_or_a_foreign_workbook(tmp_path: Path, blank: Path) -> None:
    rep = data("370602-D04")
    tpl = write_template(FORM, tmp_path, year=2021, unit_name=rep.unit_name, unit_code=rep.unit_code)
    other_year = UnitReport(FORM.id, 2022, rep.unit_name, rep.unit_code, values={})
    with pytest.raises(UsageError, match="数据是 2022 年度的.*是 2021 年度的"):
        fill_template(tpl, other_year, tmp_path / "x.xlsx")
    with pytest.raises(UsageError, match="数据是“烟台市芝罘区住房和城乡建设局”的"):
        fill_template(tpl, data("370602-D10"), tmp_path / "x.xlsx")
    other_form = UnitReport("gov-disclosure-2019", 2021, rep.unit_name, rep.unit_code, values={})
    with pytest.raises(UsageError, match="数据是“gov-disclosure-2019”格式.*“gov-disclosure-2021”格式"):
        fill_template(blank, other_form, tmp_path / "x.xlsx")
    foreign = tmp_path / "foreign.xlsx"
    openpyxl.Workbook().save(foreign)
    with pytest.raises(UsageError, match="不是 xltool 生成的模板"):
        fill_template(foreign, rep, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_fill(tmp_path: Path, blank: Path) -> None:
    src = next(DATA.glob("370602-D19_*.json"))
    r = CliRunner().invoke(cli, ["fill", str(src), "-o", str(tmp_path / "out") + "/"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "out" / src.name.replace(".json", ".xlsx")
    assert r.stdout.strip() == str(out) and out.is_file()
    assert "FILL-TOTAL-VALUE" in r.stderr  # （七）总计 of 自然人 disagrees with its parts in this sample
    r = CliRunner().invoke(cli, ["fill", str(src), "-t", str(blank), "-o", str(tmp_path / "one.xlsx")])
    assert r.exit_code == 0 and (tmp_path / "one.xlsx").is_file()
    doc = json.loads(src.read_text(encoding="utf-8"))
    doc["year"] = 2020
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(cli, ["fill", str(wrong), "-t", str(out), "-o", str(tmp_path / "w.xlsx")])
    assert r.exit_code == 2 and "错误：数据是 2020 年度的" in r.output
    r = CliRunner().invoke(cli, ["fill", str(src), str(wrong), "-o", str(tmp_path / "z.txt")])
    assert r.exit_code == 0  # several files: -o is a folder
    assert (tmp_path / "z.txt" / out.name).is_file()


def test_sample_returns_exist_for_every_unit() -> None:
    """samples/returned/ (python samples/make_returned.py) has one workbook per sample unit, of that unit."""
    returned = ROOT / "samples" / "returned"
    jsons = sorted(DATA.glob("*.json"))
    assert jsons, "samples/data is empty"
    for j in jsons:
        x = returned / j.name.replace(".json", ".xlsx")
        assert x.is_file(), f"{x.name} missing: run python samples/make_returned.py"
        wb = openpyxl.load_workbook(x, read_only=True)
        meta = read_template_meta(wb) if "_xltool" in wb.sheetnames else None
        assert meta is not None and meta["unit_code"] == j.name.split("_")[0] and meta["year"] == "2021"
        wb.close()
