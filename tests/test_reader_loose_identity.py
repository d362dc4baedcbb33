"""A department's own workbook (not the issued template): who it is from and for which year, formulas saved
without a result, and how a few value findings read.

Every workbook is written here (openpyxl, as a script or a department's own tool would) and read back by
`xltool.reader.read_file`; LibreOffice re-saves one of them as a real spreadsheet program would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.test_reader_support import (
    UNIT,
    V1,
    YEAR,
    sample_values,
    set_cells,
    write_plain_workbook,
    write_template_file,
)
from xltool.reader import open_book, read_file
from xltool.reader_loose import identify, locate_table, located_findings, parse_title, sheet_texts
from xltool.rules import template_refs
from xltool.safezip import sniff
from xltool.schema import load_form
from xltool.validate import validate_loaded

FORM = load_form("gov-disclosure-2021")
MZJ = "烟台市芝罘区民政局"


def plain(tmp_path: Path, name: str, changes: dict[str, Any], values: dict[str, Any] | None = None) -> Path:
    """The sample data re-typed into a workbook of one's own (sheets 表2, 表3, 表4; title in 表2!A1), changed."""
    src = write_plain_workbook(tmp_path / f"src-{name}", sample_values(V1) if values is None else values)
    return set_cells(src, tmp_path / name, changes)


# --------------------------------------------------------------------------- unit and year


IDENTITIES = {
    # file name, cells changed -> unit, year, where the unit came from
    "教体局_序号备注.xlsx": (
        {
            "表2!A1": "烟台市芝罘区教育和体育局政府信息公开工作年度报告（2021年度）",
            "表2!A2": "填报单位（盖章）：烟台市芝罘区教育和体育局",
        },
        ("烟台市芝罘区教育和体育局", 2021, "sheet"),
    ),
    "东山街道_表头两行.xlsx": (
        {"表2!A1": "东山街道办事处2021年度政府信息公开统计", "表2!A2": "填报单位：烟台市芝罘区东山街道办事处"},
        ("烟台市芝罘区东山街道办事处", 2021, "sheet"),
    ),
    "民政局_单位在下一格.xlsx": (
        {"表2!A1": "2021年度政府信息公开工作年度报告统计表", "表4!A1": "填报单位（公章）", "表4!B1": MZJ},
        (MZJ, 2021, "sheet"),
    ),
    "民政局_同格填报日期.xlsx": (
        {
            "表2!A1": "民政局2021年政府信息公开工作年度报告统计表",
            "表2!A2": f"填报单位：{MZJ}    填报日期：2022年1月10日",
        },
        (MZJ, 2021, "sheet"),
    ),
    "民政局_年份在前.xlsx": ({"表2!A1": f"2021年{MZJ}政府信息公开工作年度报告"}, (MZJ, 2021, "title")),
    "民政局_中文年份.xlsx": ({"表2!A1": f"{MZJ}二〇二一年政府信息公开工作年度报告统计表"}, (MZJ, 2021, "title")),
    "民政局_括号年份.xlsx": ({"表2!A1": f"{MZJ}政府信息公开工作年度报告(2021年)"}, (MZJ, 2021, "title")),
    "民政局_标题无年份.xlsx": (
        {"表2!A1": f"{MZJ}政府信息公开工作年度报告统计表", "表2!A2": "2021年度"},
        (MZJ, 2021, "title"),
    ),
    "民政局报表.xlsx": (  # a notice's title names no unit: the file name is all there is
        {"表2!A1": "关于报送2021年度政府信息公开工作年度报告的通知"},
        ("民政局报表", 2021, "file-name"),
    ),
    "芝罘区审计局2021年政务公开统计表.xlsx": ({"表2!A1": None}, ("芝罘区审计局", 2021, "file-name")),
}


@pytest.mark.parametrize("name", list(IDENTITIES))
def test_unit_and_year_of_a_departments_own_workbook(tmp_path, name):
    changes, (unit, year, source) = IDENTITIES[name]
    loaded = read_file(plain(tmp_path, name, changes))
    rep = loaded.report
    assert (rep.unit_name, rep.year, rep.meta["unit_from"]) == (unit, year, source)
    assert rep.values == sample_values(V1)
    rules = [f.rule for f in loaded.findings]
    assert rules == (["NOT-TEMPLATE", "UNIT-NOT-FOUND"] if source == "file-name" else ["NOT-TEMPLATE"])
    if source == "file-name":
        (f,) = [f for f in loaded.findings if f.rule == "UNIT-NOT-FOUND"]
        assert f.title["zh"] == f"文件中未写明填报单位，按文件名识别为“{unit}”"


def test_the_field_wins_over_the_title_and_the_roster_knows_it(tmp_path):
    """The trial's F03: 填报单位（盖章）： and a title with the year in brackets; validated against a roster."""
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\n370602-JTJ,烟台市芝罘区教育和体育局\n", encoding="utf-8")
    from xltool.roster import load_roster

    path = plain(tmp_path, "F03_教体局_序号备注_下移.xlsx", IDENTITIES["教体局_序号备注.xlsx"][0])
    r = validate_loaded(read_file(path), roster=load_roster(roster), year=2021)
    assert r.report.unit_name == "烟台市芝罘区教育和体育局"
    assert [f.rule for f in r.findings] == ["NOT-TEMPLATE"]
    assert r.valid


def test_a_hidden_sheet_of_last_year_does_not_give_the_year(tmp_path):
    path = plain(tmp_path, "hidden.xlsx", {})
    wb = openpyxl.load_workbook(path)
    old = wb.create_sheet("2020年", 0)
    old["A1"] = f"{UNIT}2020年政府信息公开工作年度报告统计表"
    old.sheet_state = "hidden"
    wb.save(path)
    book = open_book(path, sniff(path))
    assert identify(book, path.stem) == (UNIT, None, YEAR, "title")
    assert read_file(path).report.year == YEAR


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("烟台市芝罘区科学技术局 2021 年政府信息公开工作年度报告", ("烟台市芝罘区科学技术局", 2021)),
        ("淮安市洪泽区人民政府\n2024 年政府信息公开工作年度报告", ("淮安市洪泽区人民政府", 2024)),
        ("淮安市人民政府政府信息公开工作年度报告（2024年度）", ("淮安市人民政府", 2024)),
        ("淮安市人民政府政府信息公开工作年度报告", ("淮安市人民政府", None)),
        ("附件1：烟台市芝罘区民政局2021年政府信息公开工作年度报告统计表", (MZJ, 2021)),
        ("《烟台市芝罘区民政局2021年政府信息公开工作年度报告》", (MZJ, 2021)),
        ("2021年度政府信息公开工作年度报告统计表", (None, 2021)),
        ("政府信息公开工作年度报告统计表", (None, None)),
        ("三、收到和处理政府信息公开申请情况", None),  # a label of the form, not a title
        ("四、政府信息公开行政复议、行政诉讼情况", None),
        ("关于报送2021年度政府信息公开工作年度报告统计数据的提醒", None),
    ],
)
def test_title_shapes_of_real_reports(title, expected):
    assert parse_title(title) == expected


# --------------------------------------------------------------------------- formulas saved without a result

NP = "t3.new_received.natural_person"
PENALTY = "t2.penalty.decisions"


def test_input_formula_without_result_is_said_not_blank_and_not_counted(tmp_path):
    """The trial's F05b: =97+1 typed by a script into an input cell, no value saved; the totals are right."""
    v = sample_values(V1)
    clean = read_file(plain(tmp_path, "clean.xlsx", {})).report
    where = {k: clean.cell_ref(k) for k in (NP, PENALTY)}
    assert where == {NP: "表3!E5", PENALTY: "表2!C12"}
    path = plain(tmp_path, "formulas.xlsx", {where[NP]: f"={v[NP] - 1}+1", where[PENALTY]: "=明细!B5"})
    r = validate_loaded(read_file(path))
    rep = r.report
    assert rep.values[NP] == f"={v[NP] - 1}+1" and rep.values[PENALTY] == "=明细!B5"
    assert {k: x for k, x in rep.values.items() if k not in (NP, PENALTY)} == {
        k: x for k, x in v.items() if k not in (NP, PENALTY)
    }
    assert rep.meta["formulas_without_value"] == {NP: f"{v[NP] - 1}+1", PENALTY: "明细!B5"}
    assert [f.rule for f in r.findings] == ["INPUT-FORMULA-NO-VALUE", "INPUT-FORMULA-NO-VALUE", "NOT-TEMPLATE"]
    t2, t3 = r.findings[:2]
    assert (t2.table, t2.keys, t2.cells) == ("t2", [PENALTY], ["表2!C12"])
    assert t3.message() == (
        f"【错误 INPUT-FORMULA-NO-VALUE】表三 有 1 个填报单元格是公式，但文件中没有保存计算结果（E5 ={v[NP] - 1}+1），"
        "其数值无法读取\n"
        f"  表3!E5 一、本年新收政府信息公开申请数量 自然人：公式 ={v[NP] - 1}+1，没有计算结果\n"
        "  处理：这类文件通常由程序或脚本生成，未经 Excel 或 WPS 计算保存。请在 Excel 或 WPS 中打开文件，"
        "确认这些单元格显示出数字后保存，再重新报送；或在这些单元格中直接填写数字。"
    )
    assert "formulas saved without their computed result in 1 input cell (E5 =" in t3.message("en")
    assert not r.valid  # a figure that cannot be read: the return is not complete


def test_the_same_workbook_saved_by_libreoffice_is_read_with_its_values(tmp_path, soffice):
    from tests.lo import convert

    v = sample_values(V1)
    path = plain(tmp_path, "formulas.xlsx", {"表3!E5": f"={v[NP] - 1}+1"})
    (saved,) = convert([path], "xlsx", tmp_path / "lo")
    r = validate_loaded(read_file(saved))
    assert r.report.values == v
    assert [f.rule for f in r.findings] == ["NOT-TEMPLATE"] and r.valid


def test_input_formula_without_result_in_a_template(tmp_path):
    v = sample_values(V1)
    refs = template_refs(FORM)
    src = write_template_file(tmp_path / "t.xlsx", v)
    path = set_cells(src, tmp_path / "t-formula.xlsx", {refs[NP]: f"={v[NP]}+0"})
    r = validate_loaded(read_file(path))
    assert r.report.values[NP] == f"={v[NP]}+0"
    (f,) = [f for f in r.findings if f.rule == "INPUT-FORMULA-NO-VALUE"]
    assert (f.keys, f.cells) == ([NP], [refs[NP]])
    assert f.details["zh"] == [f"{refs[NP]} 一、本年新收政府信息公开申请数量 自然人：公式 ={v[NP]}+0，没有计算结果"]
    rules = [x.rule for x in r.findings]
    assert not {"INPUT-FORMULA", "VALUE-BLANK", "VALUE-TYPE", "T3-BALANCE", "TOTAL-STORED"} & set(rules), rules


# --------------------------------------------------------------------------- value findings as the clerk reads them


def test_coerced_value_is_quoted_as_written(tmp_path):
    r = validate_loaded(read_file(plain(tmp_path, "spaces.xlsx", {"表2!C5": " 1 "})))
    (f,) = [f for f in r.findings if f.rule == "VALUE-COERCED"]
    assert f.title == {
        "zh": "表二 “规章 本年制发件数”：“ 1 ” 按数值 1 读取",
        "en": "表二 “规章 本年制发件数”: “ 1 ” read as the number 1",
    }


def test_many_blank_cells_are_grouped_by_column(tmp_path):
    """The trial's F04: 55 blank cells of 表三 were 55 lines; by column they are a few."""
    v = sample_values(V1)
    t3 = FORM.table("t3")
    rows = [r.id for r in t3.rows if r.id not in ("new_received", "results_total")]
    for rid in rows[::2]:
        v[t3.key(rid, "commercial")] = None  # F7, F9, … : every other row
    for rid in rows[:5]:
        v[t3.key(rid, "nonprofit")] = "—"  # H6:H10
    v[t3.key("granted", "research")] = "/"  # alone in its column: a line of its own
    r = validate_loaded(read_file(plain(tmp_path, "blanks.xlsx", {}, values=v)))
    (f,) = [f for f in r.findings if f.rule == "VALUE-BLANK" and f.table == "t3"]
    assert f.title["zh"] == "表三 有 18 个空白单元格（含“/”“无”等），按 0 计"
    assert f.details["zh"] == [
        "“商业企业”列 12 格空白：表3!F6、F8、F10、F12、F14、F16、F18、F20、F22、F24、F26、F29",
        "表3!G7 （一）予以公开 科研机构：“/”",
        "“社会公益组织”列 5 格为“—”：表3!H6:H10",
    ]
    assert f.details["en"][0].startswith("column “商业企业”: 12 cells blank: 表3!F6, F8,")
    assert f.details["en"][2] == "column “社会公益组织”: 5 cells “—”: 表3!H6:H10"
    assert len(f.cells) == 18


# --------------------------------------------------------------------------- a renamed column header


def test_a_renamed_column_header_is_named_where_it_is(tmp_path):
    """The trial's F17: 表三's 其他 headed otherwise (其他类型; 其他组织 is a declared variant, read as it).
    Not read as that column; said where, and what is there."""
    path = plain(tmp_path, "renamed.xlsx", {"表3!J4": "其他类型"})
    book = open_book(path, sniff(path))
    loc = locate_table(FORM, "t3", book, sheet_texts(book))
    assert loc is not None and loc.missing == ["其他"]
    assert not any(k.endswith(".other_org") for k in loc.values)  # never silently read
    (f,) = [f for f in located_findings(FORM, loc, book) if f.rule == "TABLE-LABELS-MISSING"]
    assert f.details["zh"] == [
        "缺少：其他（表头 表3!J4 为“其他类型”，在“其他”列应在的位置，可能就是该列；其数据未读取）"
    ]
    assert f.cells == ["表3!J4"]
    assert f.fix["zh"] == (
        "如 表3!J4“其他类型”就是“其他”列，请把它改为官方标签“其他”；否则请按下发的模板补齐这些行/列及其数据。"
        "改正后重新报送。"
    )
    assert re.match(r"^Missing: 其他 \(the header 表3!J4 reads “其他类型”, where “其他” should be", f.details["en"][0])
    # without the workbook: what was said before
    (bare,) = [f for f in located_findings(FORM, loc) if f.rule == "TABLE-LABELS-MISSING"]
    assert bare.details["zh"] == ["缺少：其他"] and bare.cells == []


def test_a_missing_column_with_a_form_label_in_its_place_is_not_called_probable(tmp_path):
    path = plain(tmp_path, "shifted.xlsx", {"表3!J4": "总计"})
    book = open_book(path, sniff(path))
    loc = locate_table(FORM, "t3", book, sheet_texts(book))
    (f,) = [f for f in located_findings(FORM, loc, book) if f.rule == "TABLE-LABELS-MISSING"]
    assert f.details["zh"] == ["缺少：其他（“其他”列应在的位置 表3!J4 为“总计”）"]
    assert f.fix["zh"] == "请按下发的模板补齐这些行/列及其数据后重新报送。"
