"""A roster or a form declaration that cannot be used, told in the run's language.

Every command that reads a roster (template, validate, consolidate, campaign init) is run for real on bad
rosters written here as files: Chinese by default, English with ``--lang en`` or ``XLTOOL_LANG=en``, the same
file, row and column named in both, exit 3 (2 for a path click refuses). The library keeps its Chinese
``str(e)``; ``e.text("en")`` is the English.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from xltool.cli import cli
from xltool.errors import RosterError, SchemaError, UsageError, XltoolError
from xltool.roster import load_roster
from xltool.schema import load_form, load_form_file
from xltool.schema.load import form_from_dict

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"
ROSTER = ROOT / "samples" / "roster.csv"


def _csv(text: str, encoding: str = "utf-8"):
    return lambda p: p.write_bytes(text.encode(encoding))


def _xlsx(*cells: tuple[str, str]):
    def write(p: Path) -> None:
        wb = Workbook()
        for ref, value in cells:
            wb.active[ref] = value
        wb.save(p)

    return write


# name, how the file is written, the Chinese message, the English one
BAD = [
    ("empty.csv", _csv(""), "名单 empty.csv 是空的", "the roster empty.csv is empty"),
    ("blank.csv", _csv(" , ,\n\n,\n"), "名单 blank.csv 是空的", "the roster blank.csv is empty"),
    (
        "noname.csv",
        _csv("编码,类别\nA01,部门\n"),
        "名单 noname.csv 第 1 行的列名（编码 | 类别）中没"
        "有单位名称列；单位名称列的列名可以是 单位名称、单位全称、部门名称、"
        "部门全称、机构名称、机构全称、名称、全称、单位、部门；单位代码列：单位代码、单位编码、单位编号、机构代码、机构编码、"
        "组织机构代码、代码、编码、编号、统一社会信用代码、社会信用代码、信用代码；类别列：单位类别、类别、分类、单位类型、"
        "类型、单位性质、机构类型、机构性质（英文名单：code、name、category；列名可带括号说明，如“单位名称（全称）”）",
        "the roster noname.csv: the column names in row 1 (编码 | 类别) have no column of unit names; the column of "
        "unit names may be headed name, 单位名称, 单位全称"
        ", 部门名称, 部门全称, 机构名称, 机构全称, 名称, 全称, 单位, 部门; "
        "the codes: code, 单位代码, 单位编码, 单位编号, 机构代"
        "码, 机构编码, 组织机构代码, 代码, 编码, 编号, 统一社会信用代码, "
        "社会信用代码, 信用代码; the categories: category, "
        "单位类别, 类别, 分类, 单位类型, 类型, 单位性质, 机构类型, 机构性质 "
        "(a remark in brackets is allowed: 单位名称（全称）)",
    ),
    (
        # row numbers as Excel shows the file: the blank row 2 counts
        "dupcode.csv",
        _csv("单位代码,单位名称,类别\n\nA01,甲局,部门\nA02,乙局,部门\nA01,丙局,部门\n"),
        "名单 dupcode.csv 第 5 行：单位代码 A01 与第 3 行重复",
        "roster dupcode.csv, row 5: unit code A01 is the same as in row 3",
    ),
    (
        "dupname.csv",
        _csv("code,name\nA01,甲局\nA02, 甲 局\n"),
        "名单 dupname.csv 第 3 行：单位名称 甲 局 与第 2 行重复",
        "roster dupname.csv, row 3: unit name 甲 局 is the same as in row 2",
    ),
    ("nodata.xlsx", _xlsx(), "名单 nodata.xlsx 是空的", "the roster nodata.xlsx is empty"),
    (
        "dupcode.xlsx",
        _xlsx(("A2", "单位代码"), ("B2", "单位名称"), ("A4", "X1"), ("B4", "甲局"), ("A7", "X1"), ("B7", "乙局")),
        "名单 dupcode.xlsx 第 7 行：单位代码 X1 与第 4 行重复",
        "roster dupcode.xlsx, row 7: unit code X1 is the same as in row 4",
    ),
    (
        "blankname.csv",
        _csv("单位代码,单位名称\nA01,甲局\nA02,\nA03,乙局\n"),
        "名单 blankname.csv 第 3 行：单位代码 A02 没有单位名称；请填写名称，或删除这一行",
        "roster blankname.csv, row 3: unit code A02 has no unit name; fill in the name or delete the row",
    ),
    (
        "utf16.csv",
        lambda p: p.write_bytes(b"\xff\xfe" + "code,name\n".encode("utf-16-le") + b"\x00\xd8\x81\x30"),
        "名单 utf16.csv 是 UTF-16（Unicode 文本）编码，但第 2 行有无法识别的字节；请在 Excel 或 WPS 中打开名单，"
        "改正这一行后另存为“CSV UTF-8”或 .xlsx 再用",
        "the roster utf16.csv is UTF-16 (Unicode text), but row 2 holds bytes that are not UTF-16; open the roster "
        "in Excel or WPS, correct that row and save it as “CSV UTF-8” or .xlsx",
    ),
    (
        "corrupt.xlsx",
        lambda p: p.write_bytes(b"PK\x03\x04 cut off in the mail"),
        "名单 corrupt.xlsx 无法打开：文件已损坏或不是有效的 Excel 工作簿（.xlsx）",
        "the roster corrupt.xlsx cannot be opened: the file is damaged or not a valid Excel workbook (.xlsx)",
    ),
    (
        "scan.xlsx",
        lambda p: p.write_bytes(b"%PDF-1.4\n%scanned roster\n"),
        "名单 scan.xlsx 不是 CSV 或 .xlsx 文件（识别为：PDF 文件）；请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再用",
        "the roster scan.xlsx is not a CSV or .xlsx file (detected: PDF file); save it as .xlsx or CSV in Excel "
        "or WPS and use that",
    ),
]
IDS = [b[0] for b in BAD]
WAYS = ["zh", "--lang en", "XLTOOL_LANG=en"]


def run(way: str, *args: str):
    """The real CLI in-process, stdout and stderr apart, in the language `way` asks for."""
    env = {"XLTOOL_LANG": "en" if way == "XLTOOL_LANG=en" else None}
    extra = ["--lang", "en"] if way == "--lang en" else []
    return CliRunner().invoke(cli, [*args, *extra], catch_exceptions=False, env=env, prog_name="xltool")


def commands(roster: Path, out: Path) -> dict[str, list[str]]:
    """Each command that reads a roster, with the roster given (its output under `out`)."""
    return {
        "template": ["template", "--roster", str(roster), "--year", "2021", "-o", str(out / "templates")],
        "validate": ["validate", str(RETURNED), "--roster", str(roster)],
        "consolidate": ["consolidate", str(RETURNED), "--roster", str(roster), "-o", str(out / "汇总.xlsx")],
        "campaign init": ["campaign", "init", str(out / "camp"), "--year", "2021", "--roster", str(roster)],
    }


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(("name", "write", "zh", "en"), BAD, ids=IDS)
def test_a_bad_roster_is_told_in_the_runs_language(tmp_path, name, write, zh, en, way):
    roster = tmp_path / name
    write(roster)
    before = roster.read_bytes()
    for cmd, args in commands(roster, tmp_path / "out").items():
        r = run(way, *args)
        expected = f"错误：{zh}\n" if way == "zh" else f"Error: {en}\n"
        assert (r.exit_code, r.stderr, r.stdout) == (3, expected, ""), cmd
    # nothing written: no templates (not even their folder), no summary, no half-made campaign
    assert not (tmp_path / "out").exists()
    assert roster.read_bytes() == before


@pytest.mark.parametrize(("name", "write", "zh", "en"), BAD, ids=IDS)
def test_the_library_keeps_chinese_and_carries_english(tmp_path, name, write, zh, en):
    roster = tmp_path / name
    write(roster)
    with pytest.raises(RosterError) as e:
        load_roster(roster)
    assert (str(e.value), e.value.text(), e.value.text("zh"), e.value.text("en")) == (zh, zh, zh, en)
    assert isinstance(e.value, UsageError)  # callers catching UsageError (as before) still catch it
    back = pickle.loads(pickle.dumps(e.value))  # e.g. from a worker process
    assert (str(back), back.text("en")) == (zh, en)


@pytest.mark.parametrize("way", WAYS)
def test_a_missing_roster_is_refused_by_the_option(tmp_path, way):
    missing = tmp_path / "名单.csv"
    for cmd, args in commands(missing, tmp_path / "out").items():
        r = run(way, *args)
        last = r.stderr.splitlines()[-1]
        if way == "zh":
            assert last == f"错误：找不到文件或文件夹：{missing}（选项 --roster）", cmd
        else:
            what = "Path" if cmd == "validate" else "File"  # validate's --roster may be a folder (click's word)
            assert last == f"Error: Invalid value for '--roster': {what} '{missing}' does not exist.", cmd
        assert r.exit_code == 2, cmd


def test_a_missing_roster_or_a_folder_in_the_library(tmp_path):
    missing = tmp_path / "名单.csv"
    with pytest.raises(RosterError) as e:
        load_roster(missing)
    assert (str(e.value), e.value.text("en")) == (f"找不到名单文件：{missing}", f"roster file not found: {missing}")
    folder = tmp_path / "名单"
    folder.mkdir()
    with pytest.raises(RosterError) as e:
        load_roster(folder)
    assert (str(e.value), e.value.text("en")) == (
        f"{folder} 是一个文件夹，不是名单文件",
        f"{folder} is a folder, not a roster file",
    )


@pytest.mark.parametrize("way", WAYS)
def test_validate_names_a_folder_given_as_roster(tmp_path, way):
    folder = tmp_path / "名单"
    folder.mkdir()
    r = run(way, "validate", str(RETURNED), "--roster", str(folder))
    expected = (
        f"错误：{folder} 是一个文件夹，不是名单文件\n"
        if way == "zh"
        else f"Error: {folder} is a folder, not a roster file\n"
    )
    assert (r.exit_code, r.stderr) == (3, expected)


@pytest.mark.parametrize("way", WAYS)
def test_a_gbk_roster_is_read_in_either_language(tmp_path, way):
    roster = tmp_path / "gbk.csv"
    roster.write_bytes("单位代码,单位名称,类别\n370602-D04,烟台市芝罘区科学技术局,部门\n".encode("gbk"))
    out = tmp_path / "templates"
    r = run(way, "template", "--roster", str(roster), "--year", "2021", "-o", str(out), "--silent")
    made = out / "370602-D04_烟台市芝罘区科学技术局_2021.xlsx"
    assert (r.exit_code, r.stdout, r.stderr) == (0, f"{made}\n", "")
    wb = load_workbook(made, read_only=True)
    assert "_xltool" in wb.sheetnames
    wb.close()


def test_an_xlsx_roster_named_csv_is_read_as_the_workbook_it_is(tmp_path):
    roster = tmp_path / "名单.csv"
    _xlsx(("A1", "单位名称"), ("B1", "单位代码"), ("A2", "甲局"), ("B2", "A01"))(roster)
    assert [(u.code, u.name) for u in load_roster(roster).units] == [("A01", "甲局")]


def test_a_row_with_neither_name_nor_code_is_skipped_as_before(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text("code,name,category\nA01,甲局,部门\n,,部门\n,乙局,\n", encoding="utf-8")
    assert [(u.code, u.name) for u in load_roster(roster).units] == [("A01", "甲局"), ("U003", "乙局")]


@pytest.mark.parametrize("way", WAYS)
def test_an_unknown_form_in_campaign_init(tmp_path, way):
    r = run(way, "campaign", "init", str(tmp_path / "camp"), "--year", "2021", "--roster", str(ROSTER), "--form", "x")
    forms = ["gov-disclosure-2019", "gov-disclosure-2021"]
    expected = (
        f"错误：没有报表格式“x”，可选的值：{'、'.join(forms)}\n"
        if way == "zh"
        else f"Error: unknown form 'x' (available: {', '.join(forms)})\n"
    )
    assert (r.exit_code, r.stderr) == (3, expected)
    assert not (tmp_path / "camp").exists()


def test_the_installed_program_tells_a_bad_roster_in_english(tmp_path):
    roster = tmp_path / "dup.csv"
    roster.write_text("code,name\nA01,甲局\nA01,乙局\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("xltool")
    args = [str(exe), "campaign", "init", str(tmp_path / "camp"), "--year", "2021", "--roster", str(roster)]
    env = {k: v for k, v in os.environ.items() if k != "XLTOOL_LANG"}
    r = subprocess.run([*args, "--lang", "en"], capture_output=True, text=True, timeout=60, env=env)
    assert (r.returncode, r.stderr) == (3, "Error: roster dup.csv, row 3: unit code A01 is the same as in row 2\n")
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert (r.returncode, r.stderr) == (3, "错误：名单 dup.csv 第 3 行：单位代码 A01 与第 2 行重复\n")


# --- form declarations ------------------------------------------------------------------------------------


def _declaration(**change) -> dict:
    import copy

    from xltool.schema.load import FORMS_DIR, parse_yaml

    d = copy.deepcopy(parse_yaml((FORMS_DIR / "gov-disclosure-2021.yaml").read_bytes()))
    for path, value in change.items():
        i = int(path.removeprefix("rule"))
        d["rules"][i].update(value)
    return d


def test_a_bad_declaration_keeps_its_english_and_has_chinese():
    d = _declaration(rule0={"severity": "fatal"})
    with pytest.raises(SchemaError) as e:
        form_from_dict(d)
    en = "rules[0].severity: unknown severity 'fatal' (error, warning, info)"
    zh = "rules[0].severity：未知的严重程度 'fatal'（应为 error、warning 或 info）"
    assert (str(e.value), e.value.text("en"), e.value.text("zh"), e.value.text()) == (en, en, zh, zh)
    assert isinstance(e.value, XltoolError)


def test_an_unknown_row_in_a_rule_is_named_in_both_languages():
    d = _declaration()
    rule = next(i for i, r in enumerate(d["rules"]) if r.get("kind") == "equation" and r.get("for_each") == "columns")
    table = d["rules"][rule]["table"]
    d["rules"][rule]["left"] = ["carried_ovr"]
    with pytest.raises(SchemaError) as e:
        form_from_dict(d)
    assert str(e.value) == f"rules[{rule}].left: unknown row 'carried_ovr' in {table}"
    assert e.value.text("zh") == f"rules[{rule}].left：{table} 中没有行 'carried_ovr'"


def test_a_declaration_that_is_not_yaml_or_not_utf8(tmp_path, monkeypatch):
    monkeypatch.setenv("XLTOOL_CACHE_DIR", "")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: a: b\n", encoding="utf-8")  # the second colon: line 2, column 9
    with pytest.raises(SchemaError) as e:
        load_form_file(bad)
    assert str(e.value).startswith("bad.yaml: not valid YAML: ") and str(e.value).endswith("line 2, column 9")
    assert e.value.text("zh") == "bad.yaml 不是有效的 YAML 文件（第 2 行第 9 列）"
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("id: 表\n".encode("gbk"))
    with pytest.raises(SchemaError) as e:
        load_form_file(gbk)
    assert (str(e.value), e.value.text("zh")) == (
        "gbk.yaml: not UTF-8 text (byte 4)",
        "gbk.yaml 不是 UTF-8 编码的文本（第 4 个字节）",
    )


def test_unknown_form_id_in_the_library():
    with pytest.raises(SchemaError) as e:
        load_form("gov-disclosure-1999")
    assert str(e.value).startswith("unknown form 'gov-disclosure-1999' (available: gov-disclosure-20")
    assert e.value.text("zh").startswith("没有报表格式“gov-disclosure-1999”，可选的值：gov-disclosure-20")


@pytest.mark.parametrize("way", WAYS)
def test_a_roster_without_units_makes_no_templates(tmp_path, way):
    roster = tmp_path / "名单.csv"
    roster.write_text("单位代码,单位名称\n", encoding="utf-8")
    r = run(way, "template", "--roster", str(roster), "--year", "2021", "-o", str(tmp_path / "out"))
    expected = "错误：名单 名单.csv 中没有单位\n" if way == "zh" else "Error: no units in the roster 名单.csv\n"
    assert (r.exit_code, r.stderr, r.stdout) == (3, expected, "")
    assert not (tmp_path / "out").exists()


def test_an_xlsx_roster_longer_than_the_limit_is_refused_not_cut(tmp_path):
    from xltool.roster_load import MAX_ROSTER_ROWS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    ws.append(["单位代码", "单位名称"])
    for i in range(1, MAX_ROSTER_ROWS + 3):
        ws.append([f"U{i:05d}", f"单位{i}"])
    p = tmp_path / "名单.xlsx"
    wb.save(p)
    with pytest.raises(RosterError) as ei:
        load_roster(p)
    assert (
        ei.value.text("zh")
        == f"名单 名单.xlsx 超过 {MAX_ROSTER_ROWS - 1} 行单位（第 {MAX_ROSTER_ROWS + 1} 行还有内容）；请分成几个名单"
    )
    assert "split it into several rosters" in ei.value.text("en")
    exactly = tmp_path / "刚好.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    ws.append(["单位代码", "单位名称"])
    for i in range(1, MAX_ROSTER_ROWS):
        ws.append([f"U{i:05d}", f"单位{i}"])
    wb.save(exactly)
    assert len(load_roster(exactly).units) == MAX_ROSTER_ROWS - 1
