"""What an English-reading clerk gets with `--lang en`, and the Chinese default beside it.

Real runs of the CLI on the sample district's returned workbooks (samples/returned), with the files a folder of
returns really holds beside them (a Word note, a contact list, a 说明.txt); a return edited and saved by
LibreOffice (one blank cell, two blank cells, a count typed as "2件"); a campaign on samples/roster.csv.

- the --report workbook: sheets 总览 / 问题明细 (Overview / Findings), the overview's title and the terminal's
  count line above its table, why each skipped file was skipped, headers on one line in LibreOffice;
- the --annotate copies: 某局_校验结果.xlsx with a sheet 校验结果 (…_validation.xlsx, "Validation result");
- English plurals in the findings: "1 blank cell", "2 blank cells";
- the English reminder letter signed with the office's own name, as the Chinese one is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltool.annotate import marked_cells
from xltool.cli import cli
from xltool.layout import sheet_cells
from xltool.schema import load_form

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RETURNED = SAMPLES / "returned"
ROSTER = SAMPLES / "roster.csv"
CODES = ("370602-D04", "370602-D10", "370602-D19", "370602-D22", "370602-S03", "370602-S05")
"""D04 and S05 pass (S05 with two 提示), the four others have errors (samples/README.md)."""
WHY = {
    "zh": {
        "报送说明.docx": "不是年度报告或报表文件（Word 文档，没有报表的表格、标签或报告标题）",
        "联系人.csv": "不是年度报告或报表文件（CSV 文本文件，没有报表的表格、标签或报告标题）",
        "说明.txt": "不是年度报告或报表文件（纯文本文件，没有报表的表格、标签或报告标题）",
    },
    "en": {
        "报送说明.docx": "not an annual report or a form return "
        "(Word document without the form's tables, labels or a report title)",
        "联系人.csv": "not an annual report or a form return "
        "(CSV text file without the form's tables, labels or a report title)",
        "说明.txt": "not an annual report or a form return "
        "(plain text file without the form's tables, labels or a report title)",
    },
}
COUNT_LINE = {"zh": "共 9 个文件：通过 2，未通过 4，已跳过 3", "en": "9 files: 2 valid, 4 invalid, 3 skipped"}
HEAD = {
    "zh": ("文件", "单位", "单位代码", "年度", "结论", "错误", "警告", "提示", "主要问题"),
    "en": ("File", "Unit", "Code", "Year", "Verdict", "Errors", "Warnings", "Info", "Main problems"),
}
TITLE = {
    "zh": r"校验结果总览（\d{4}-\d\d-\d\d \d\d:\d\d）",
    "en": r"Validation results: overview \(\d{4}-\d\d-\d\d \d\d:\d\d\)",
}


def returned(code: str) -> Path:
    return next(RETURNED.glob(f"{code}_*.xlsx"))


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"XLTOOL_LANG": None})


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Six returns and the three other files a folder of returns holds."""
    import docx

    d = tmp_path_factory.mktemp("english") / "inbox"
    d.mkdir()
    for code in CODES:
        shutil.copy2(returned(code), d)
    note = docx.Document()
    note.add_paragraph("关于报送材料的说明")
    note.add_paragraph("联系人：张三，电话 6221234")
    note.save(d / "报送说明.docx")
    (d / "联系人.csv").write_text("单位,联系人\n科学技术局,张三\n", encoding="utf-8")
    (d / "说明.txt").write_text("请于1月15日前报送。\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def runs(inbox, tmp_path_factory) -> dict[str, tuple]:
    """`xltool validate inbox --report … --annotate …`, in Chinese (the default) and with --lang en."""
    out = tmp_path_factory.mktemp("english-out")
    got = {}
    for lang in ("zh", "en"):
        report, ann = out / f"report-{lang}.xlsx", out / f"ann-{lang}"
        args = ["validate", "--silent", "-j", "1", "--report", str(report), "--annotate", str(ann), str(inbox)]
        res = run(*args, *(["--lang", "en"] if lang == "en" else []))
        assert res.exit_code == 1, res.output
        got[lang] = (res, report, ann)
    return got


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_workbook_sheets_title_and_count_line(runs, lang):
    res, report, _ = runs[lang]
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == (["总览", "问题明细"] if lang == "zh" else ["Overview", "Findings"])
    ov = wb.worksheets[0]
    assert re.fullmatch(TITLE[lang], ov["A1"].value) and ov["A1"].font.sz == 14
    assert ov["A2"].value == COUNT_LINE[lang] == res.stdout.splitlines()[-1]  # the terminal's last line
    assert sorted(map(str, ov.merged_cells.ranges)) == ["A1:I1", "A2:I2"]
    rows = list(ov.iter_rows(min_row=3, values_only=True))
    assert rows[0] == HEAD[lang]
    # the table keeps its filter and frozen header, and its header row prints on every page
    assert ov.auto_filter.ref == "A3:I12" and ov.freeze_panes == "A4" and ov.print_title_rows == "$3:$3"
    by_file = {row[0]: row for row in rows[1:]}
    assert len(by_file) == 9
    for name, why in WHY[lang].items():
        assert by_file[name][4:] == ("已跳过" if lang == "zh" else "skipped", None, None, None, why)
    d10 = by_file[returned("370602-D10").name]
    assert d10[4:8] == (("未通过" if lang == "zh" else "invalid"), 2, 0, 0)
    det = wb.worksheets[1]
    assert det["A1"].value == ("文件" if lang == "zh" else "File") and det.auto_filter.ref.startswith("A1:I")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_annotated_copies_are_named_in_the_run_language(runs, lang):
    _, _, ann = runs[lang]
    mark, sheet = ("校验结果", "校验结果") if lang == "zh" else ("validation", "Validation result")
    stems = [returned(c).stem for c in ("370602-D10", "370602-D19", "370602-D22", "370602-S03", "370602-S05")]
    assert sorted(p.name for p in ann.iterdir()) == sorted(f"{s}_{mark}.xlsx" for s in stems)
    copy = ann / f"{returned('370602-D10').stem}_{mark}.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == sheet and wb.active.title == sheet
    assert wb[sheet]["A1"].value == (
        "校验结果（整改清单）" if lang == "zh" else "Validation result (list of corrections)"
    )
    assert "表三" in wb.sheetnames  # the department's own sheets are all there
    marks = marked_cells(copy)
    assert marks and all(not ref.startswith(sheet + "!") for ref in marks)


def test_a_copy_annotated_in_chinese_and_again_in_english_lists_this_run_only(runs, tmp_path):
    """A department sends back the Chinese copy; the English run replaces its 校验结果 sheet (and vice versa)."""
    _, _, ann = runs["zh"]
    back = tmp_path / "back"
    back.mkdir()
    shutil.copy2(ann / f"{returned('370602-S03').stem}_校验结果.xlsx", back / "S03.xlsx")
    res = run("validate", "--silent", "--lang", "en", "--annotate", str(tmp_path / "en"), str(back / "S03.xlsx"))
    assert res.exit_code == 1, res.output
    wb = openpyxl.load_workbook(tmp_path / "en" / "S03_validation.xlsx")
    assert wb.sheetnames[0] == "Validation result" and "校验结果" not in wb.sheetnames
    res = run("validate", "--silent", "--annotate", str(tmp_path / "zh"), str(tmp_path / "en" / "S03_validation.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "zh" / "S03_validation_校验结果.xlsx")
    assert wb.sheetnames[0] == "校验结果" and "Validation result" not in wb.sheetnames


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headers_print_on_one_line_in_libreoffice(runs, lang, soffice, pdftoppm, tmp_path):
    """ "Warnings" in a column of 6 printed as "Warni" over "ngs": each header is one word on its line now."""
    from tests.lo import convert

    _, report, _ = runs[lang]
    (pdf,) = convert([report], "pdf", tmp_path / "pdf")
    exe = shutil.which("pdftotext") or str(Path(pdftoppm).with_name("pdftotext"))
    text = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = [p.strip().splitlines() for p in text.split("\f") if p.strip()]
    assert re.fullmatch(TITLE[lang], pages[0][0].strip())
    assert pages[0][1].split() == COUNT_LINE[lang].split()
    assert pages[0][2].split() == " ".join(HEAD[lang]).split()
    details = (
        "文件 单位 位置 规则 严重程度 表 标签 数值 问题",
        "File Unit Where Rule Severity Table Labels Values Message",
    )
    assert any(p[0].split() == details[lang == "en"].split() for p in pages[1:])


# --------------------------------------------------------------------------- English plurals


@pytest.fixture(scope="module")
def edited(lo_session, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """D04's return edited in LibreOffice: one 表二 cell cleared, two 表四 cells cleared, its 2 new applications of
    自然人 typed as "2件" (the spreadsheet's totals leave the text out)."""
    form = load_form("gov-disclosure-2021")
    refs = sheet_cells(form)
    keys = {
        "t2": "t2.penalty.decisions",
        "t4a": "t4.review.upheld",
        "t4b": "t4.review.corrected",
        "text": "t3.new_received.natural_person",
    }
    cells: dict[str, dict[str, object]] = {}
    for what, key in keys.items():
        sheet, a1 = refs[key].split("!")
        cells.setdefault(sheet, {})[a1] = "2件" if what == "text" else None
    out = tmp_path_factory.mktemp("edited") / "D04_edited.xlsx"
    lo_session.fill(returned("370602-D04"), out.resolve(), cells)
    return out, {what: refs[key] for what, key in keys.items()}


def test_one_blank_cell_and_two_blank_cells(edited, tmp_path):
    path, _ = edited
    zh = run("validate", str(path)).stdout
    en = run("validate", "--lang", "en", "--report", str(tmp_path / "en.xlsx"), str(path)).stdout
    assert "  【提示 VALUE-BLANK】表二 有 1 个空白单元格（含“/”“无”等），按 0 计" in zh.splitlines()
    assert "  【提示 VALUE-BLANK】表四 有 2 个空白单元格（含“/”“无”等），按 0 计" in zh.splitlines()
    assert "  [info VALUE-BLANK] 表二: 1 blank cell (including “/”, “无”) read as 0" in en.splitlines()
    assert "  [info VALUE-BLANK] 表四: 2 blank cells (including “/”, “无”) read as 0" in en.splitlines()
    overview = openpyxl.load_workbook(tmp_path / "en.xlsx")["Overview"]
    assert overview["A2"].value == "1 file: 1 valid, 0 invalid"
    findings = openpyxl.load_workbook(tmp_path / "en.xlsx")["Findings"]
    blank = [row[8] for row in findings.iter_rows(min_row=2, values_only=True) if row[3] == "VALUE-BLANK"]
    assert [m.splitlines()[0] for m in blank] == [
        "[info VALUE-BLANK] 表二: 1 blank cell (including “/”, “无”) read as 0",
        "[info VALUE-BLANK] 表四: 2 blank cells (including “/”, “无”) read as 0",
    ]


def test_text_left_out_of_the_totals_reads_right_in_english(edited):
    path, refs = edited
    a1 = refs["text"].split("!")[1]
    en = run("validate", "--lang", "en", str(path)).stdout.splitlines()
    (line,) = [ln for ln in en if "TOTAL-TEXT-SKIPPED" in ln]
    assert line == (  # one total (its row's 总计 J6): no "1 totals leave them out"
        f"  [warning TOTAL-TEXT-SKIPPED] 表三: text instead of numbers in {a1} “2件”; "
        "the spreadsheet's own totals leave that text out (totals affected: 1)"
    )
    zh = run("validate", str(path)).stdout.splitlines()
    assert f"  【警告 TOTAL-TEXT-SKIPPED】表三 {a1}“2件” 是文字而不是数字，表格自动计算的 1 个合计没有计入" in zh


# --------------------------------------------------------------------------- the reminder


def test_english_reminder_is_signed_with_the_offices_name(tmp_path):
    root = tmp_path / "2021收集"
    assert run("campaign", "init", str(root), "--year", "2021", "--roster", str(ROSTER)).exit_code == 0
    res = run("campaign", "collect", "--silent", "--campaign", str(root), str(returned("370602-D10")))
    assert res.exit_code == 1, res.output  # D10 has errors: the reminder names it
    zh = run("campaign", "status", "--reminder", "--campaign", str(root)).stdout.splitlines()
    en = run("campaign", "status", "--reminder", "--lang", "en", "--campaign", str(root)).stdout.splitlines()
    assert zh[-2] == en[-2] == "烟台市芝罘区政务公开办"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", en[-1]) and en[0].startswith("Reminder: 2021 ")
    own = run(
        "campaign", "status", "--reminder", "--lang", "en", "--sender", "Zhifu District Office", "--campaign", str(root)
    )
    assert own.stdout.splitlines()[-2] == "Zhifu District Office"


def test_counts_in_english_reader_messages_agree_with_their_number():
    from xltool.findings import tool_finding
    from xltool.rules import plural

    one = tool_finding("INPUT-FORMULA", table="表三", count={"zh": 1, "en": plural(1, "input cell", "input cells")})
    many = tool_finding("TOTAL-FORMULA", table="表三", count={"zh": 3, "en": plural(3, "total cell", "total cells")})
    assert one.title["en"] == "表三: formulas in 1 input cell; their saved results were read"
    assert one.title["zh"] == "表三 有 1 个填报单元格是公式，按文件中保存的结果读取"
    assert many.title["en"].startswith("表三: the formulas of 3 total cells were replaced")
