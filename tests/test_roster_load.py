"""Rosters as district offices keep them, read by `load_roster`: every file written here for real (CSV in the
encodings Excel and WPS save, .xlsx by openpyxl, one re-saved by LibreOffice), with the units read and the
notes or refusals compared in full.

Nothing is lost silently: a row left out (group heading, total, signature line, repeated header) is named in a
note, a hidden row is read and named, a CSV row split by a comma in a name is refused with what it holds.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from xltool.cli import cli
from xltool.errors import RosterError
from xltool.roster import Roster, load_roster
from xltool.roster_load import HEADERS

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"

D = [("370602-D01", "烟台市芝罘区人民政府办公室"), ("370602-D02", "烟台市芝罘区发展和改革局")]
S = [("370602-S01", "烟台市芝罘区向阳街道办事处"), ("370602-S02", "烟台市芝罘区东山街道办事处")]


def csv_file(p: Path, text: str, encoding: str = "utf-8") -> Path:
    p.write_bytes(text.encode(encoding))
    return p


def xlsx_file(
    p: Path,
    rows: list[list[object]],
    *,
    merged: tuple[str, ...] = (),
    hidden: tuple[int, ...] = (),
    title: str = "Sheet",
    before: dict[str, list[list[object]]] | None = None,
    after: dict[str, list[list[object]]] | None = None,
) -> Path:
    """An .xlsx with `rows` on the sheet `title`; `before` / `after`: other sheets (name -> rows) around it."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, body in (before or {}).items():
        ws = wb.create_sheet(name)
        for r in body:
            ws.append(r)
    ws = wb.create_sheet(title)
    for r in rows:
        ws.append(r)
    for ref in merged:
        ws.merge_cells(ref)
    for n in hidden:
        ws.row_dimensions[n].hidden = True
    for name, body in (after or {}).items():
        other = wb.create_sheet(name)
        for r in body:
            other.append(r)
    wb.save(p)
    return p


def patch_sheet(p: Path, sheet: str, change) -> None:
    """Rewrite one worksheet part's XML in place, as other programs write it."""
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[sheet] = change(parts[sheet].decode()).encode()
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def units(r: Roster) -> list[tuple[str, str, str]]:
    return [(u.code, u.name, u.category) for u in r.units]


def refusal(p: Path) -> tuple[str, str]:
    with pytest.raises(RosterError) as e:
        load_roster(p)
    return str(e.value), e.value.text("en")


FOUR = [(c, n, "部门") for c, n in D] + [(c, n, "街道") for c, n in S]


# --- 1. group headings and footers ------------------------------------------------------------------------


def test_group_headings_totals_and_signature_lines_are_left_out_and_named(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [
            ["单位名称", "单位代码", "类别"],
            ["一、区直部门"],
            *[[n, c, "部门"] for c, n in D],
            [],
            ["（二）街道办事处"],
            *[[n, c, "街道"] for c, n in S],
            ["合 计：4个单位"],
            ["填表人：张三    联系电话：0535-6212345"],
            ["审核：李四"],
        ],
    )
    r = load_roster(p)
    assert units(r) == FOUR
    assert [(n, n.en) for n in r.notes] == [
        (
            "名单 名单.xlsx 中有 5 行不是单位，未读入：第 2 行“一、区直部门”（分组标题）；"
            "第 6 行“（二）街道办事处”（分组标题）；第 9 行“合 计：4个单位”（合计行）；"
            "第 10 行“填表人：张三 联系电话：0535-6212345”（落款或联系方式）；第 11 行“审核：李四”（落款或联系方式）",
            "5 rows of the roster 名单.xlsx are not units and were left out: row 2 “一、区直部门” (section heading); "
            "row 6 “（二）街道办事处” (section heading); row 9 “合 计：4个单位” (total); "
            "row 10 “填表人：张三 联系电话：0535-6212345” (signature or contact line); "
            "row 11 “审核：李四” (signature or contact line)",
        )
    ]


def test_a_heading_merged_across_the_first_column_is_left_out_and_named(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [
            ["序号", "单位名称", "单位代码", "类别"],
            ["一、区直部门"],
            *[[i, n, c, "部门"] for i, (c, n) in enumerate(D, 1)],
            ["二、街道办事处"],
            *[[i, n, c, "街道"] for i, (c, n) in enumerate(S, 1)],
            [5],  # a numbered row left empty: blank
        ],
        merged=("A2:D2", "A5:D5"),
    )
    r = load_roster(p)
    assert units(r) == FOUR
    assert r.notes == (
        "名单 名单.xlsx 中有 2 行不是单位，未读入：第 2 行“一、区直部门”（分组标题）；"
        "第 5 行“二、街道办事处”（分组标题）",
    )


@pytest.mark.parametrize(
    ("footer", "reason"),
    [
        ("以上共2个单位", "合计行"),
        ("共2家", "合计行"),
        ("小 计", "合计行"),
        ("2021年12月31日", "落款或联系方式"),
        ("填报单位（盖章）：烟台市芝罘区人民政府办公室", "落款或联系方式"),
        ("注：名单以区编办文件为准", "落款或联系方式"),
        ("制表：王五", "落款或联系方式"),
        ("(一)区直部门", "分组标题"),
        ("三．街道", "分组标题"),
        ("第二部分 街道", "分组标题"),
    ],
)
def test_footers_and_headings_in_a_list_of_names(tmp_path, footer, reason):
    p = csv_file(tmp_path / "名单.csv", f"单位名称\n甲局\n{footer}\n乙局\n")
    r = load_roster(p)
    assert [u.name for u in r.units] == ["甲局", "乙局"]
    assert r.notes == (f"名单 名单.csv 中有 1 行不是单位，未读入：第 3 行“{footer}”（{reason}）",)


@pytest.mark.parametrize("name", ["十里堡街道办事处", "第一中学", "审计局", "共青团烟台市芝罘区委员会", "合作社联合社"])
def test_unit_names_that_begin_like_a_heading_or_total_are_units(tmp_path, name):
    r = load_roster(csv_file(tmp_path / "名单.csv", f"单位名称\n{name}\n"))
    assert ([u.name for u in r.units], r.notes) == ([name], ())


def test_a_row_with_a_code_is_a_unit_whatever_its_name(tmp_path):
    p = csv_file(tmp_path / "名单.csv", "单位代码,单位名称\nA01,一、区直部门\nA02,合计局\n,合计\n")
    r = load_roster(p)
    assert units(r) == [("A01", "一、区直部门", ""), ("A02", "合计局", "")]
    assert r.notes == ("名单 名单.csv 中有 1 行不是单位，未读入：第 4 行“合计”（合计行）",)


def test_a_header_repeated_on_each_page_and_a_row_without_name_or_code(tmp_path):
    p = csv_file(
        tmp_path / "名单.csv", "单位代码,单位名称,类别\nA01,甲局,部门\n单位代码,单位名称,类别\nA02,乙局,部门\n,,部门\n"
    )
    r = load_roster(p)
    assert units(r) == [("A01", "甲局", "部门"), ("A02", "乙局", "部门")]
    assert r.notes[0].en == (
        "2 rows of the roster 名单.csv are not units and were left out: row 3 “单位代码 | 单位名称 | 类别” "
        "(header repeated); row 5 “部门” (no unit name or code)"
    )


def test_a_long_list_of_rows_left_out_is_cut_after_ten(tmp_path):
    body = "".join(f"{i}、第{i}组\nA{i:02d},单位{i}\n" for i in range(1, 13))
    r = load_roster(csv_file(tmp_path / "名单.csv", "单位代码,单位名称\n" + body))
    assert len(r.units) == 12
    assert r.notes[0].startswith("名单 名单.csv 中有 12 行不是单位，未读入：第 2 行“1、第1组”（分组标题）；")
    assert r.notes[0].endswith("第 20 行“10、第10组”（分组标题）……共 12 行")
    assert r.notes[0].en.endswith("row 20 “10、第10组” (section heading) … 12 rows in all")


# --- 2. the header's names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("序号,编号,单位全称,类别", "1,A01,甲局,部门", ("A01", "甲局", "部门")),
        (
            "序号,部门名称,统一社会信用代码,单位类型",
            "1,甲局,11370602MB0000001X,部门",
            ("11370602MB0000001X", "甲局", "部门"),
        ),
        ("序号,单位名称", "7,甲局", ("U001", "甲局", "")),  # 序号 is no code
        ("机构代码,机构名称,单位性质", "A01,甲局,事业单位", ("A01", "甲局", "事业单位")),
        ("单位名称（全称）,单位代码（选填）,类别", "甲局,A01,部门", ("A01", "甲局", "部门")),
        ("部门（单位）名称,代码,类型", "甲局,A01,部门", ("A01", "甲局", "部门")),
        ("单 位 名 称 ,单位代码", "甲局,A01", ("A01", "甲局", "")),
        ("部门,编码", "甲局,A01", ("A01", "甲局", "")),
        # 统一社会信用代码 is the code only when there is no other: 单位代码 wins, wherever it is
        ("统一社会信用代码,单位名称,单位代码", "11370602MB0000001X,甲局,A01", ("A01", "甲局", "")),
        # the most specific name: 单位名称 over 名称 (short names) over 单位
        ("序号,主管单位,名称,单位名称,代码", "1,区政府,财政局,甲区财政局,A01", ("A01", "甲区财政局", "")),
        ("单位,名称", "区政府,甲区财政局", ("U001", "甲区财政局", "")),
    ],
)
def test_header_names_districts_use(tmp_path, header, row, expected):
    r = load_roster(csv_file(tmp_path / "名单.csv", f"{header}\n{row}\n"))
    assert (units(r), r.notes) == ([expected], ())


def test_a_header_typed_with_a_line_break_in_an_xlsx(tmp_path):
    p = xlsx_file(tmp_path / "名单.xlsx", [["序号", "单位\n名称", "单位\n代码", "类别"], [1, "甲局", "A01", "部门"]])
    assert units(load_roster(p)) == [("A01", "甲局", "部门")]


def test_every_header_name_is_read(tmp_path):
    for field, names in HEADERS.items():
        for i, h in enumerate(names):
            others = {"code": ("代码", "A01"), "name": ("单位名称", "甲局"), "category": ("类别", "部门")}
            others[field] = (h, {"code": "A01", "name": "甲局", "category": "部门"}[field])
            text = "\n".join(",".join(x[j] for x in others.values()) for j in (0, 1))
            p = csv_file(tmp_path / f"{field}{i}.csv", text + "\n")
            assert units(load_roster(p)) == [("A01", "甲局", "部门")], h


def test_a_unit_whose_category_is_a_header_word_is_no_header(tmp_path):
    """部门 is a name header and a category: 甲局,部门 is a unit's row, not a header naming 部门 as the names."""
    p = csv_file(tmp_path / "名单.csv", "烟台市芝罘区财政局,部门\n烟台市芝罘区民政局,部门\n")
    zh, en = refusal(p)
    assert zh.startswith(
        "名单 名单.csv 中找不到表头（单位名称所在的列）：前几行是 第 1 行：烟台市芝罘区财政局 | 部门；"
        "第 2 行：烟台市芝罘区民政局 | 部门。表头应在前 10 行内；单位名称列的列名可以是 单位名称、单位全称、"
    )
    assert en.startswith("no header (the column of unit names) found in the roster 名单.csv; the first rows: row 1:")


def test_a_short_header_beside_columns_of_its_own(tmp_path):
    p = csv_file(tmp_path / "名单.csv", "单位,负责同志\n烟台市芝罘区财政局,张三\n烟台市芝罘区民政局,李四\n")
    assert units(load_roster(p)) == [("U001", "烟台市芝罘区财政局", ""), ("U002", "烟台市芝罘区民政局", "")]


# --- 3. merged cells --------------------------------------------------------------------------------------


def test_a_category_merged_down_its_group_belongs_to_each_unit(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["序号", "类别", "单位名称", "单位代码"]] + [[i, k, n, c] for i, (c, n, k) in enumerate(FOUR, 1)],
        merged=("B2:B3", "B4:B5"),
    )
    r = load_roster(p)
    assert (units(r), r.notes) == (FOUR, ())


def test_a_name_merged_over_two_rows_is_one_unit(tmp_path):
    """A unit with two contacts, its name and code merged over both rows: one unit, the second row named."""
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["单位代码", "单位名称", "联系人"], ["A01", "甲局", "张三"], [None, None, "李四"], ["A02", "乙局", "王五"]],
        merged=("A2:A3", "B2:B3"),
    )
    r = load_roster(p)
    assert units(r) == [("A01", "甲局", ""), ("A02", "乙局", "")]
    assert r.notes == ("名单 名单.xlsx 中有 1 行不是单位，未读入：第 3 行“李四”（没有单位名称和代码）",)


# --- 4. a comma typed in a name ---------------------------------------------------------------------------


def test_a_csv_row_with_more_cells_than_the_header_is_refused(tmp_path):
    p = csv_file(
        tmp_path / "名单.csv",
        "单位代码,单位名称,类别\r\nA01,甲局,部门\r\nA02,烟台市芝罘区机关事务服务中心（区接待办公室,区政务服务中心）,部门\r\n",
    )
    assert refusal(p) == (
        "名单 名单.csv 第 3 行有 4 格，比表头的 3 列（单位代码、单位名称、类别）多："
        "“A02”“烟台市芝罘区机关事务服务中心（区接待办公室”“区政务服务中心）”“部门”。"
        "多半是单位名称中的英文逗号把一格分成了两格：请把这个逗号改为中文逗号“，”，"
        "或在 Excel/WPS 中改好这一行后另存为 CSV",
        "roster 名单.csv, row 3 has 4 cells, more than the 3 columns of the header (单位代码, 单位名称, 类别): "
        "“A02”“烟台市芝罘区机关事务服务中心（区接待办公室”“区政务服务中心）”“部门”. "
        "Most likely a comma in a unit's name split one cell in two: change it to a Chinese comma “，”, "
        "or correct the row in Excel/WPS and save it as CSV again",
    )


def test_a_quoted_comma_and_empty_trailing_cells_are_fine(tmp_path):
    p = csv_file(tmp_path / "名单.csv", '单位代码,单位名称,类别,\nA01,"甲局,乙办",部门,,\nA02,丙局,部门\n')
    assert units(load_roster(p)) == [("A01", "甲局,乙办", "部门"), ("A02", "丙局", "部门")]


# --- 5. duplicate codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dup", ["370602-d01", "３７０６０２-Ｄ01", " 370602-D01 "])
def test_codes_that_differ_in_case_or_width_are_duplicates(tmp_path, dup):
    p = csv_file(tmp_path / "名单.csv", f"单位代码,单位名称\n370602-D01,甲局\n370602-D02,乙局\n{dup},丙局\n")
    zh, en = refusal(p)
    if dup.strip() == "370602-D01":
        assert (zh, en) == (
            "名单 名单.csv 第 4 行：单位代码 370602-D01 与第 2 行重复",
            "roster 名单.csv, row 4: unit code 370602-D01 is the same as in row 2",
        )
    else:
        assert (zh, en) == (
            f"名单 名单.csv 第 4 行：单位代码 {dup} 与第 2 行的 370602-D01 重复（代码不区分大小写和全角、半角）",
            f"roster 名单.csv, row 4: unit code {dup} is the same as 370602-D01 in row 2 (codes are compared "
            "regardless of case and full or half width)",
        )


# --- 6. hidden rows ---------------------------------------------------------------------------------------


def test_hidden_rows_are_units_and_named(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["单位代码", "单位名称", "类别"]] + [list(u) for u in FOUR] + [["370602-D99", "烟台市芝罘区已撤销局", "部门"]],
        hidden=(3, 6),
    )
    r = load_roster(p)
    assert units(r) == [*FOUR, ("370602-D99", "烟台市芝罘区已撤销局", "部门")]
    assert [(n, n.en) for n in r.notes] == [
        (
            "名单 名单.xlsx 中有 2 行是隐藏的，已作为单位读入：第 3 行 烟台市芝罘区发展和改革局（370602-D02）；"
            "第 6 行 烟台市芝罘区已撤销局（370602-D99）；如果这些单位不用报送，请在名单中删除这些行",
            "2 rows of the roster 名单.xlsx are hidden; they were read as units: row 3 烟台市芝罘区发展和改革局 "
            "(370602-D02); row 6 烟台市芝罘区已撤销局 (370602-D99); if these units need not report, delete their "
            "rows from the roster",
        )
    ]


# --- 7. codes kept as numbers -----------------------------------------------------------------------------


def test_codes_stored_as_floats_are_whole_numbers(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx", [["单位代码", "单位名称"], [370602001, "甲局"], [370602002, "乙局"], [7, "丙局"]]
    )
    patch_sheet(p, "xl/worksheets/sheet1.xml", lambda s: re.sub(r"<v>3706020(\d\d)</v>", r"<v>3.706020\1E8</v>", s))
    assert "3.70602001E8" in zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml").decode()
    p2 = xlsx_file(tmp_path / "名单2.xlsx", [["单位代码", "单位名称"], [7.0, "丙局"]])
    assert units(load_roster(p)) == [("370602001", "甲局", ""), ("370602002", "乙局", ""), ("7", "丙局", "")]
    assert units(load_roster(p2)) == [("7", "丙局", "")]


def test_a_code_in_scientific_notation_in_a_csv_is_refused(tmp_path):
    p = csv_file(tmp_path / "名单.csv", "单位代码,单位名称\n3.70602E+08,甲局\n")
    assert refusal(p) == (
        "名单 名单.csv 第 2 行：单位代码 3.70602E+08 是科学计数法，代码的后几位已经丢失；"
        "请在 Excel/WPS 中把代码列设为“文本”格式，重新填写代码后另存",
        "roster 名单.csv, row 2: unit code 3.70602E+08 is in scientific notation and has lost its last digits; "
        "format the code column as Text in Excel/WPS, type the codes again and save",
    )


def test_an_18_digit_code_kept_as_a_number_is_refused_not_mangled(tmp_path):
    """A 统一社会信用代码 typed as a number: Excel kept 15 digits; the code is refused, never a plausible wrong one."""
    p = xlsx_file(tmp_path / "名单.xlsx", [["单位代码", "单位名称"], [1.13706020040123e17, "甲局"]])
    zh, en = refusal(p)
    assert "是科学计数法" in zh and "1.13706020040123e+17" in zh and "scientific notation" in en


def test_a_numbered_roster_is_not_named_by_the_year_in_a_file_name():
    """Codes 1…30 (编号): the year in 烟台市芝罘区民政局_2023.xlsx names neither unit 20 nor unit 23."""
    from xltool.roster import Unit, filename_unit

    names = ["烟台市芝罘区民政局", "烟台市芝罘区财政局"] + [f"烟台市芝罘区第{i}局" for i in range(3, 31)]
    ros = Roster(tuple(Unit(str(i), n) for i, n in enumerate(names, start=1)))
    assert filename_unit("烟台市芝罘区民政局_2023.xlsx", ros).code == "1"
    assert filename_unit("20_烟台市芝罘区第20局_2023.xlsx", ros).code == "20"
    assert filename_unit("23.xlsx", ros).code == "23"


# --- 8. where the roster is in the file -------------------------------------------------------------------

BODY = "".join(f"{c},{n},{k}\r\n" for c, n, k in FOUR)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "title.csv",
            ("2021年度政府信息公开年报报送单位名单,,\r\n,,\r\n单位代码,单位名称,类别\r\n" + BODY).encode("utf-8-sig"),
        ),
        ("gbk_title.csv", ("2021年度报送单位名单\r\n单位代码,单位名称,类别\r\n" + BODY).encode("gb18030")),
        ("tab.csv", ("单位代码,单位名称,类别\r\n" + BODY).replace(",", "\t").encode("utf-8-sig")),
        ("semicolon.csv", ("单位代码,单位名称,类别\r\n" + BODY).replace(",", ";").encode("utf-8")),
        # Excel's 另存为 "Unicode 文本": UTF-16 with its BOM, tab-separated, as .txt or renamed .csv
        ("unicode.txt", ("单位代码,单位名称,类别\r\n" + BODY).replace(",", "\t").encode("utf-16")),
        ("unicode.csv", ("单位代码,单位名称,类别\r\n" + BODY).replace(",", "\t").encode("utf-16-be")),
    ],
)
def test_csv_as_excel_and_wps_save_it(tmp_path, name, data):
    p = tmp_path / name
    if name == "unicode.csv":
        data = b"\xfe\xff" + data  # big-endian, with its BOM
    p.write_bytes(data)
    r = load_roster(p)
    assert (units(r), r.notes) == (FOUR, ())


def test_a_merged_title_above_the_header_in_an_xlsx(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["2021年度报送单位名单"], [], ["序号", "单位名称", "单位代码", "类别"]]
        + [[i, n, c, k] for i, (c, n, k) in enumerate(FOUR, 1)],
        merged=("A1:D2",),  # a title merged over two rows: not filled down into the header
    )
    assert (units(load_roster(p)), load_roster(p).notes) == (FOUR, ())


def test_the_header_is_looked_for_in_the_first_ten_rows(tmp_path):
    ten = "请报送\n" * 10
    p = csv_file(tmp_path / "名单.csv", ten + "单位代码,单位名称\nA01,甲局\n")
    zh, _ = refusal(p)
    assert zh.startswith(
        "名单 名单.csv 中找不到表头（单位名称所在的列）：前几行是 第 1 行：请报送；第 2 行：请报送；第 3 行：请报送。"
    )
    nine = csv_file(tmp_path / "九.csv", "请报送\n" * 9 + "单位代码,单位名称\nA01,甲局\n")
    assert units(load_roster(nine)) == [("A01", "甲局", "")]


def test_the_roster_on_another_sheet_is_found_and_the_sheet_named(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["单位代码", "单位名称", "类别"]] + [list(u) for u in FOUR],
        title="名单",
        before={"说明": [["说明：请各单位于2022年1月15日前报送"]]},
    )
    r = load_roster(p)
    assert units(r) == FOUR
    assert [(n, n.en) for n in r.notes] == [
        (
            "名单 名单.xlsx：单位取自工作表“名单”（第一个工作表“说明”中没有单位名称列）",
            "the roster 名单.xlsx: units read from the sheet “名单” (the first sheet, “说明”, has no column of "
            "unit names)",
        )
    ]


def test_a_second_sheet_with_units_is_named_not_lost(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["单位代码", "单位名称"], *map(list, D)],
        title="部门",
        after={"街道": [["单位代码", "单位名称"], *map(list, S)]},
    )
    r = load_roster(p)
    assert [u.code for u in r.units] == ["370602-D01", "370602-D02"]
    assert r.notes == (
        "名单 名单.xlsx：工作表“街道”也有单位名称列，未读取；如果单位分在几个工作表中，请合并到工作表“部门”",
    )


def test_a_wrong_dimension_does_not_hide_the_rows(tmp_path):
    p = xlsx_file(tmp_path / "名单.xlsx", [["单位代码", "单位名称", "类别"]] + [list(u) for u in FOUR])
    patch_sheet(
        p, "xl/worksheets/sheet1.xml", lambda s: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1"/>', s)
    )
    assert '<dimension ref="A1"/>' in zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml").decode()
    assert units(load_roster(p)) == FOUR


def test_an_empty_first_sheet_and_names_only_on_the_second(tmp_path):
    p = xlsx_file(tmp_path / "名单.xlsx", [[n] for _, n, _ in FOUR], title="名单", before={"Sheet1": []})
    r = load_roster(p)
    assert [u.name for u in r.units] == [n for _, n, _ in FOUR]
    assert r.notes == (
        "名单 名单.xlsx：单位取自工作表“名单”（第一个工作表“Sheet1”中没有单位名称列）",
        "名单 名单.xlsx 没有表头，每行是一个单位名称：4 行都已作为单位读入（没有单位代码）",
    )
    p.unlink()
    xlsx_file(p, [["请报送"]], title="名单", before={"Sheet1": []})
    assert refusal(p)[0].startswith(
        "名单 名单.xlsx 中找不到表头（单位名称所在的列）（已查看工作表：Sheet1、名单）："
        "工作表“名单”前几行是 第 1 行：请报送。"
    )


def test_names_only_without_header(tmp_path):
    p = csv_file(tmp_path / "名单.csv", "\ufeff" + "".join(f"{n}\r\n" for _, n, _ in FOUR))
    r = load_roster(p)
    assert units(r) == [(f"U{i:03d}", n, "") for i, (_, n, _) in enumerate(FOUR, 1)]
    assert [(n, n.en) for n in r.notes] == [
        (
            "名单 名单.csv 没有表头，每行是一个单位名称：4 行都已作为单位读入（没有单位代码）",
            "the roster 名单.csv has no header and one unit name a row: all 4 rows were read as units (without codes)",
        )
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2021年度名单\n甲局\n乙局\n",  # a title: not every row is a unit's name
        "单位名\n甲局\n乙局\n",  # a header not known
        "甲局\n,乙局\n",  # not in one column
    ],
)
def test_a_column_of_names_with_anything_else_is_refused(tmp_path, text):
    zh, _ = refusal(csv_file(tmp_path / "名单.csv", text))
    assert zh.startswith("名单 名单.csv 中找不到表头（单位名称所在的列）：前几行是 第 1 行：")


# --- 9. refusals ------------------------------------------------------------------------------------------

ACCEPTED_ZH = (
    "单位名称列的列名可以是 单位名称、单位全称、部门名称、部门全称、机构名称、机构全称、名称、全称、单位、部门；"
    "单位代码列：单位代码、单位编码、单位编号、机构代码、机构编码、组织机构代码、代码、编码、编号、统一社会信用代码、"
    "社会信用代码、信用代码；类别列：单位类别、类别、分类、单位类型、类型、单位性质、机构类型、机构性质"
    "（英文名单：code、name、category；列名可带括号说明，如“单位名称（全称）”）"
)
ACCEPTED_EN = (
    "the column of unit names may be headed name, 单位名称, 单位全称, 部门名称, 部门全称, 机构名称, 机构全称, 名称, "
    "全称, 单位, 部门; the codes: code, 单位代码, 单位编码, 单位编号, 机构代码, 机构编码, 组织机构代码, 代码, 编码, "
    "编号, 统一社会信用代码, 社会信用代码, 信用代码; the categories: category, 单位类别, 类别, 分类, 单位类型, 类型, "
    "单位性质, 机构类型, 机构性质 (a remark in brackets is allowed: 单位名称（全称）)"
)


def test_the_refusal_says_what_the_first_rows_hold_and_what_is_accepted(tmp_path):
    p = xlsx_file(
        tmp_path / "名单.xlsx",
        [["2021年度报送单位名单"], ["序号", "单位名", "代号"], [1, "甲局", "A01"], [2, "乙局", "A02"]],
        title="名单",
        after={"说明": [["请于1月15日前报送"]]},
    )
    assert refusal(p) == (
        "名单 名单.xlsx 工作表“名单”第 2 行的列名（序号 | 单位名 | 代号）中没有单位名称列；" + ACCEPTED_ZH,
        "the roster 名单.xlsx: the column names in row 2 of the sheet “名单” (序号 | 单位名 | 代号) have no column "
        "of unit names; " + ACCEPTED_EN,
    )
    p.unlink()
    xlsx_file(p, [["2021年度报送单位名单"], ["甲局", "A01"]], title="名单", after={"说明": [["请报送"]]})
    assert refusal(p) == (
        "名单 名单.xlsx 中找不到表头（单位名称所在的列）（已查看工作表：名单、说明）：工作表“名单”前几行是 "
        "第 1 行：2021年度报送单位名单；第 2 行：甲局 | A01。表头应在前 10 行内；" + ACCEPTED_ZH,
        "no header (the column of unit names) found in the roster 名单.xlsx (sheets looked at: 名单, 说明); the first "
        "rows of the sheet “名单”: row 1: 2021年度报送单位名单; row 2: 甲局 | A01. The header must be within the "
        "first 10 rows; " + ACCEPTED_EN,
    )


def test_a_line_pasted_from_a_gbk_file_into_a_utf8_roster_names_the_row(tmp_path):
    p = tmp_path / "名单.csv"
    p.write_bytes(
        "单位代码,单位名称\r\nA01,甲局\r\nA02,乙局\r\n".encode()
        + "A03,烟台市芝罘区新设局\r\n".encode("gbk")
        + "A04,丁局\r\n".encode()
    )
    assert refusal(p) == (
        "名单 名单.csv 是 UTF-8 编码，但第 4 行不是（像是 GBK 编码，可能是从别的文件粘贴进来的）："
        "A03,烟台市芝罘区新设局；"
        "请在 Excel 或 WPS 中打开名单，改正这一行后另存为“CSV UTF-8”或 .xlsx 再用",
        "the roster 名单.csv is UTF-8, but row 4 is not (it looks like GBK, perhaps pasted from another file): "
        "A03,烟台市芝罘区新设局; open the roster in Excel or WPS, correct that row and save it as “CSV UTF-8” or .xlsx",
    )


def test_a_stray_byte_in_a_utf8_roster_names_the_row(tmp_path):
    p = tmp_path / "名单.csv"
    p.write_bytes("单位代码,单位名称,备注\r\nA01,甲局,Ren".encode() + b"\xe9\r\n" + "A02,乙局,\r\n".encode())
    assert refusal(p) == (
        "名单 名单.csv 是 UTF-8 编码，但第 2 行不是（有不是 UTF-8 的字节，显示为 �）：A01,甲局,Ren�；"
        "请在 Excel 或 WPS 中打开名单，改正这一行后另存为“CSV UTF-8”或 .xlsx 再用",
        "the roster 名单.csv is UTF-8, but row 2 is not (it holds bytes that are not UTF-8, shown as �): "
        "A01,甲局,Ren�; open the roster in Excel or WPS, correct that row and save it as “CSV UTF-8” or .xlsx",
    )


def test_a_gbk_roster_that_happens_to_hold_a_valid_utf8_line_is_still_gbk(tmp_path):
    """联通 in GBK is valid UTF-8 bytes: one such line among GBK lines does not make the file UTF-8."""
    p = csv_file(
        tmp_path / "名单.csv", "单位代码,单位名称\nA01,烟台市芝罘区财政局\nA02,联通\nA03,烟台市芝罘区民政局\n", "gbk"
    )
    assert [u.name for u in load_roster(p).units] == ["烟台市芝罘区财政局", "联通", "烟台市芝罘区民政局"]


# --- how notes reach the clerk ----------------------------------------------------------------------------


def test_notes_survive_pickling(tmp_path):
    p = csv_file(tmp_path / "名单.csv", "单位代码,单位名称\nA01,甲局\n合计\n")
    back = pickle.loads(pickle.dumps(load_roster(p)))
    assert (units(back), back.notes, back.notes[0].en) == (
        [("A01", "甲局", "")],
        ("名单 名单.csv 中有 1 行不是单位，未读入：第 3 行“合计”（合计行）",),
        "1 row of the roster 名单.csv is not a unit and was left out: row 3 “合计” (total)",
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_that_reads_a_roster_prints_its_notes(tmp_path, lang):
    src = (ROOT / "samples" / "roster.csv").read_text(encoding="utf-8").splitlines()
    roster = csv_file(tmp_path / "名单.csv", "\n".join([src[0], "一、区直部门", *src[1:], "合计：36个单位"]) + "\n")
    note = (
        "提示：名单 名单.csv 中有 2 行不是单位，未读入：第 2 行“一、区直部门”（分组标题）；"
        "第 39 行“合计：36个单位”（合计行）"
        if lang == "zh"
        else "Note: 2 rows of the roster 名单.csv are not units and were left out: row 2 “一、区直部门” (section "
        "heading); row 39 “合计：36个单位” (total)"
    )
    out = tmp_path / "out"
    runs = {
        "template": ["template", "--roster", str(roster), "--year", "2021", "-o", str(out / "t"), "--silent"],
        "validate": [
            "validate",
            str(RETURNED / "370602-D04_烟台市芝罘区科学技术局_2021.xlsx"),
            "--roster",
            str(roster),
        ],
        "consolidate": [
            "consolidate",
            str(RETURNED),
            "--roster",
            str(roster),
            "-o",
            str(out / "汇总.xlsx"),
            "--silent",
        ],
        "campaign init": ["campaign", "init", str(out / "camp"), "--year", "2021", "--roster", str(roster)],
    }
    for cmd, args in runs.items():
        r = CliRunner().invoke(cli, [*args, "--lang", lang], catch_exceptions=False, env={"XLTOOL_LANG": None})
        assert r.exit_code in (0, 1), (cmd, r.stderr)
        lines = [x.strip() for x in r.stderr.splitlines()]
        assert lines.count(note) == 1, (cmd, r.stderr)
    assert len(list((out / "t").glob("*.xlsx"))) == 36


# --- a roster re-saved by LibreOffice ---------------------------------------------------------------------


def test_a_roster_saved_by_libreoffice(tmp_path, soffice):
    """Merged category, group headings, a hidden row and a title, written by openpyxl and re-saved by
    LibreOffice Calc (its own XML: merged cells, row attributes, numbers): read the same."""
    from tests.lo import convert

    (tmp_path / "src").mkdir()
    src = xlsx_file(
        tmp_path / "src" / "名单.xlsx",
        [
            ["2021年度报送单位名单"],
            ["序号", "类别", "单位名称", "单位代码"],
            ["一、区直部门"],
            [1, "部门", D[0][1], 370602001],
            [2, None, D[1][1], 370602002],
            ["二、街道办事处"],
            [1, "街道", S[0][1], 370602101],
            [2, None, S[1][1], 370602102],
            ["合计：4个单位"],
        ],
        merged=("A1:D1", "B4:B5", "B7:B8", "A3:D3", "A6:D6"),
        hidden=(5,),
    )
    [saved] = convert([src], "xlsx", tmp_path / "lo", soffice=soffice)
    for p in (src, saved):
        r = load_roster(p)
        assert units(r) == [
            ("370602001", D[0][1], "部门"),
            ("370602002", D[1][1], "部门"),
            ("370602101", S[0][1], "街道"),
            ("370602102", S[1][1], "街道"),
        ], p
        assert r.notes == (
            "名单 名单.xlsx 中有 3 行不是单位，未读入：第 3 行“一、区直部门”（分组标题）；"
            "第 6 行“二、街道办事处”（分组标题）；第 9 行“合计：4个单位”（合计行）",
            "名单 名单.xlsx 中有 1 行是隐藏的，已作为单位读入：第 5 行 烟台市芝罘区发展和改革局（370602002）；"
            "如果这些单位不用报送，请在名单中删除这些行",
        ), p


@pytest.mark.parametrize("which", ["template", "return"])
def test_a_template_or_a_return_given_as_the_roster_is_refused(tmp_path, which):
    """Its only table-like sheet is xltool's hidden metadata: read as a roster it made 7 "units" of the template
    id, the version and the protection hash (and `template` wrote a file for each). Refused, saying what it is."""
    root = Path(__file__).resolve().parent.parent
    src = root / "templates" / "gov-disclosure-2021.xlsx"
    if which == "return":
        src = sorted((root / "samples" / "returned").glob("*.xlsx"))[0]
    with pytest.raises(RosterError) as e:
        load_roster(src)
    assert "是 xltool 生成的报表工作簿（模板、报送文件或汇总表），不是单位名单" in str(e.value)
    res = CliRunner().invoke(cli, ["template", "--roster", str(src), "--year", "2021", "-o", str(tmp_path / "out")])
    out = tmp_path / "out"
    assert res.exit_code != 0 and not (out.exists() and any(out.glob("*.xlsx")))
    assert "不是单位名单" in res.output
