"""Files beside the returns that are no report at all (说明.txt, readme.md, an unrelated .csv or web page).

Each gets one finding, FILE-NOT-REPORT ("不是年度报告或报表文件，已跳过"), decided by what the file holds — none
of the form's tables or labels, no report title, no section of the report — never by its name. A published
report that lacks 表三 (its tables are pictures, or it left the table out) is still a report: REPORT-NO-T3.
`validate` and `consolidate` of a folder holding them list them as skipped and count no unit for them (the
consumers in full, with real returns and `campaign collect`: tests/test_stray_consumers.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_import import data_file
from xltool.cli import cli
from xltool.schema import load_form
from xltool.sources import is_not_report, load_any
from xltool.template import write_template

FORM = load_form("gov-disclosure-2021")
NOT_REPORT_ZH = "不是年度报告或报表文件，已跳过（{}，没有报表的表格、标签或报告标题）"

INSTRUCTIONS = "填报说明\n1. 请各单位于1月15日前报送。\n2. 联系人：张三，电话 12345678。\n"
NOTICE = (
    "关于报送2024年度政府信息公开工作年度报告的通知\n"
    "各单位：\n请于2025年1月15日前将本单位年度报告报送区政务公开办，逾期不再受理。\n"
)
# numbered sections of its own: none is a section of the report
GUIDE = "年报编写提示\n一、总体要求\n按时、如实填报。\n二、报送时间\n1月15日前。\n三、其他事项\n请致电政务公开办。\n"
README = "# 收件箱\n\n这个文件夹存放各单位报送的文件，请勿删除。\n"
CONTACTS = "姓名,单位,电话\n张三,区科技局,12345678\n李四,区教育局,87654321\n"
PAGE = "<html><head><title>通知公告 - 某区人民政府</title></head><body><p>今日停电检修。</p></body></html>"


def zhifu_lines() -> list[str]:
    return data_file("zhifu-kjj-2021-report.txt").read_text(encoding="utf-8").splitlines()


def without(lines: list[str], *spans: tuple[str, str]) -> str:
    """The report's text without the lines from each span's first line (starting with a) to its last (b)."""
    out, skipping, end = [], False, ""
    for line in lines:
        if not skipping:
            start = next(((a, b) for a, b in spans if line.startswith(a)), None)
            if start is not None:
                skipping, end = True, start[1]
                continue
            out.append(line)
        elif line.startswith(end):
            skipping = False
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("说明.txt", INSTRUCTIONS, "纯文本文件"),
        ("readme.md", README, "纯文本文件"),
        ("通知.txt", NOTICE, "纯文本文件"),
        ("编写提示.txt", GUIDE, "纯文本文件"),  # says 政府信息公开 and 年度报告, but is a notice about them
        ("contacts.csv", CONTACTS, "CSV 文本文件"),
        ("公告.html", PAGE, "网页文件"),
    ],
)
def test_a_file_without_anything_of_the_form_is_one_short_finding(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    loaded = load_any(path)
    assert loaded.report is None
    assert [(f.rule, f.severity) for f in loaded.findings] == [("FILE-NOT-REPORT", "error")]
    (f,) = loaded.findings
    assert f.title["zh"] == NOT_REPORT_ZH.format(kind)
    assert f.title["en"].startswith("Not an annual report or a form return; skipped (")
    assert f.details == {} and is_not_report(loaded.findings)


def test_it_is_decided_by_content_not_by_name(tmp_path):
    named_like_a_report = tmp_path / "烟台市芝罘区科学技术局2021年政府信息公开工作年度报告.txt"
    named_like_a_report.write_text(INSTRUCTIONS, encoding="utf-8")
    assert [f.rule for f in load_any(named_like_a_report).findings] == ["FILE-NOT-REPORT"]
    named_like_a_readme = tmp_path / "readme.txt"
    named_like_a_readme.write_text("\n".join(zhifu_lines()) + "\n", encoding="utf-8")
    loaded = load_any(named_like_a_readme)
    assert loaded.report is not None and loaded.report.unit_name == "烟台市芝罘区科学技术局"
    assert not is_not_report(loaded.findings)


T3 = ("(本列数据的勾稽关系", "\t四、结转下年度继续办理")
TABLES = (("第二十条第（一）项", "行政事业性收费"), T3, ("行政复议\t", "0\t0\t0"))


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("表三 left out", lambda: without(zhifu_lines(), T3)),
        ("every table a picture: the title tells", lambda: without(zhifu_lines(), *TABLES)),
        (
            "no title either: the six sections tell",
            lambda: without(zhifu_lines(), *TABLES, ("烟台市芝罘区科学技术局 2021", "")),
        ),
        (
            "its labels in the text",
            lambda: (
                "统计说明\n一、本年新收政府信息公开申请数量为2件；二、上年结转政府信息公开申请数量为0件；"
                "四、结转下年度继续办理0件。\n"
            ),
        ),
    ],
)
def test_a_published_report_without_table_three_is_still_a_report(tmp_path, case, text):
    path = tmp_path / "report.txt"
    path.write_text(text(), encoding="utf-8")
    loaded = load_any(path)
    assert loaded.report is None
    assert [f.rule for f in loaded.findings] == ["REPORT-NO-T3"], case
    assert loaded.findings[0].title["zh"].startswith("未找到表三（三、收到和处理政府信息公开申请情况）")


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A folder of returns: one real return, and the files that end up beside returns."""
    d = tmp_path / "收件箱"
    d.mkdir()
    write_template(
        FORM, d / "T01_测试局_2024.xlsx", year=2024, unit_name="测试局", unit_code="T01",
        values={k: 0 for k in FORM.input_keys},
    )  # fmt: skip
    (d / "说明.txt").write_text(INSTRUCTIONS, encoding="utf-8")
    (d / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    (d / "readme.md").write_text(README, encoding="utf-8")
    (d / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))  # the system's: never listed
    (d / ".~lock.T01_测试局_2024.xlsx#").write_text("x", encoding="utf-8")  # LibreOffice's lock: never listed
    (tmp_path / "roster.csv").write_text("代码,名称,类别\nT01,测试局,部门\n", encoding="utf-8")
    return d


def test_validate_a_folder_with_stray_files(inbox):
    res = CliRunner().invoke(cli, ["validate", "--silent", "-j", "1", str(inbox)])
    assert res.exit_code == 0, res.output  # the one return passes; the files that are no return are skipped
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in res.output.strip().split("\n\n")}
    assert blocks["✔ 通过  T01_测试局_2024.xlsx  测试局 2024  错误 0｜警告 0｜提示 0"] == []
    for name in ("说明.txt", "contacts.csv", "readme.md"):
        assert blocks[f"— 已跳过  {name}  不是年度报告或报表文件"] == []
    assert "REPORT-NO-T3" not in res.output and "Thumbs" not in res.output and "lock" not in res.output
    assert res.output.strip().endswith("共 4 个文件：通过 1，未通过 0，已跳过 3")


def test_no_file_in_a_folder_vanishes(inbox):
    """A zipped return, a photo of the form, an old .doc: each is listed with what to do, none is left out."""
    import zipfile

    with zipfile.ZipFile(inbox / "T01_测试局_2024.zip", "w") as z:
        z.write(inbox / "T01_测试局_2024.xlsx", "T01_测试局_2024.xlsx")
    (inbox / "T01_测试局_报表照片.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(2000))
    res = CliRunner().invoke(cli, ["validate", "--silent", "-j", "1", str(inbox)])
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in res.output.strip().split("\n\n")}
    zipped = blocks["✘ 未通过  T01_测试局_2024.zip  （未识别单位）  错误 1｜警告 0｜提示 0"]
    assert zipped[0] == "  【错误 FILE-FORMAT】不支持的文件格式：压缩包或其他 Office 文件"
    assert "请解压后报送" in zipped[1]
    assert "✘ 未通过  T01_测试局_报表照片.jpg  （未识别单位）  错误 1｜警告 0｜提示 0" in blocks
    assert res.output.strip().endswith("共 6 个文件：通过 1，未通过 2，已跳过 3")


def test_consolidate_a_folder_with_stray_files_counts_the_unit_only(inbox):
    roster = inbox.parent / "roster.csv"
    out = inbox.parent / "汇总.xlsx"
    res = CliRunner().invoke(
        cli, ["consolidate", "--silent", "-j", "1", "--roster", str(roster), "-o", str(out), str(inbox)]
    )
    assert res.exit_code == 0, res.output
    text = res.output
    skipped = re.search(r"不是报表文件（已跳过）：\n((?:      .*\n)+)", text)
    assert skipped is not None and sorted(skipped.group(1).split()) == ["contacts.csv", "readme.md", "说明.txt"]
    assert "无法识别单位" not in text
    assert "应报 1｜已收 1｜通过 1｜仅警告 0｜有错误 0｜未报 0" in text
    assert "计入汇总 1 个单位；另跳过 3 个不是报表的文件\n" in text


def test_a_stray_file_named_for_a_unit_does_not_displace_its_return(inbox, tmp_path):
    """说明 named T01_测试局_说明.txt and newer than the return: the return counts, and the 说明 is skipped, not
    taken for an older or newer file of 测试局 (it is no file of any unit)."""
    import os

    stray = inbox / "T01_测试局_说明.txt"
    stray.write_text("测试局报送说明\n本局数据见附件。\n", encoding="utf-8")
    later = (inbox / "T01_测试局_2024.xlsx").stat().st_mtime + 3600
    os.utime(stray, (later, later))
    res = CliRunner().invoke(
        cli,
        ["consolidate", "--silent", "-j", "1", "--roster", str(inbox.parent / "roster.csv"),
         "-o", str(tmp_path / "s.xlsx"), str(inbox)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "应报 1｜已收 1｜通过 1｜仅警告 0｜有错误 0｜未报 0" in res.output
    assert "      T01_测试局_说明.txt\n" in res.output.split("不是报表文件（已跳过）：\n", 1)[1]
    assert "同一单位的其他文件" not in res.output and "为准" not in res.output
