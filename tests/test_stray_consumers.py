"""Every consumer skips a file that is no report at all (FILE-NOT-REPORT): it is nobody's file.

Real runs of the CLI on a folder as a clerk's inbox looks: three returned workbooks of the sample district
(samples/returned: D01 and D04 clean, D10 two T3-BALANCE errors), a 说明.txt, and a note named after a unit
(370602-D04_烟台市芝罘区科学技术局_说明.txt, saved after D04's return) that a file-name match would take for
科学技术局's newest return. `validate` lists both as skipped and judges the run by the returns alone;
`consolidate` lists them apart (不是报表文件（已跳过）) and counts exactly the units it counts without them;
`campaign collect` records no version for them and leaves nothing for `campaign assign`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import cli

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"
CODES = ("370602-D01", "370602-D04", "370602-D10")
NAMES = {"370602-D01": "烟台市芝罘区人民政府办公室", "370602-D04": "烟台市芝罘区科学技术局",
         "370602-D10": "烟台市芝罘区住房和城乡建设局"}  # fmt: skip
NOTE = "370602-D04_烟台市芝罘区科学技术局_说明.txt"
SKIP_LINE = "— 已跳过  {}  不是年度报告或报表文件"


def returned(code: str) -> Path:
    return next(RETURNED.glob(f"{code}_*.xlsx"))


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"XLTOOL_LANG": None})


def heads(output: str) -> list[str]:
    """The status line of each file (the lines that do not start with a space, up to the count line)."""
    return [ln for ln in output.split("\n\n共 ")[0].splitlines() if ln and not ln.startswith(" ")]


@pytest.fixture()
def inbox(tmp_path) -> Path:
    d = tmp_path / "收件箱"
    d.mkdir()
    for code in CODES:
        shutil.copy2(returned(code), d)
    (d / "说明.txt").write_text("填报说明\n1. 请各单位于1月15日前报送。\n2. 联系人：张三。\n", encoding="utf-8")
    note = d / NOTE
    note.write_text("科学技术局报送说明\n本局数据见附件，如有疑问请联系。\n", encoding="utf-8")
    later = (d / returned("370602-D04").name).stat().st_mtime + 3600
    os.utime(note, (later, later))  # newer than the unit's return: it must still not displace it
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name,category\n" + "".join(f"{c},{NAMES[c]},部门\n" for c in CODES), encoding="utf-8")
    return d


def without_strays(inbox: Path) -> Path:
    clean = inbox.parent / "只有报表"
    clean.mkdir()
    for code in CODES:
        shutil.copy2(inbox / returned(code).name, clean)
    return clean


# --------------------------------------------------------------------------- validate


def test_validate_lists_them_as_skipped_and_judges_the_returns_alone(inbox):
    res = run("validate", "--silent", "-j", "1", str(inbox))
    assert res.exit_code == 1  # D10's errors, not the skipped files
    assert heads(res.output) == [
        f"✔ 通过  {returned('370602-D01').name}  {NAMES['370602-D01']} 2021  错误 0｜警告 0｜提示 0",
        f"✔ 通过  {returned('370602-D04').name}  {NAMES['370602-D04']} 2021  错误 0｜警告 0｜提示 0",
        SKIP_LINE.format(NOTE),
        f"✘ 未通过  {returned('370602-D10').name}  {NAMES['370602-D10']} 2021  错误 2｜警告 0｜提示 0",
        SKIP_LINE.format("说明.txt"),
    ]
    assert f"{SKIP_LINE.format(NOTE)}\n\n" in res.output and f"{SKIP_LINE.format('说明.txt')}\n\n" in res.output
    assert "FILE-NOT-REPORT" not in res.output and "（未识别单位）" not in res.output
    assert res.output.endswith("\n共 5 个文件：通过 2，未通过 1，已跳过 2\n")
    parallel = run("validate", "--silent", "-j", "2", str(inbox))  # the worker processes' path: the same report
    assert (parallel.exit_code, parallel.output) == (res.exit_code, res.output)


def test_skipped_files_alone_do_not_fail_a_run(inbox):
    res = run(
        "validate", "--silent", "-j", "1", str(inbox / "说明.txt"), str(returned("370602-D01")), str(inbox / NOTE)
    )
    assert res.exit_code == 0, res.output
    assert res.output == (
        f"{SKIP_LINE.format('说明.txt')}\n\n"
        f"✔ 通过  {returned('370602-D01').name}  {NAMES['370602-D01']} 2021  错误 0｜警告 0｜提示 0\n\n"
        f"{SKIP_LINE.format(NOTE)}\n\n"
        "共 3 个文件：通过 1，未通过 0，已跳过 2\n"
    )
    en = run("validate", "--silent", "--lang", "en", "-j", "1", str(inbox / "说明.txt"), str(returned("370602-D01")))
    assert en.exit_code == 0
    assert en.output.startswith("SKIPPED 说明.txt  not an annual report or a form return\n\nVALID   ")
    assert en.output.endswith("\n2 files: 1 valid, 0 invalid, 1 skipped\n")


def test_nothing_but_skipped_files_is_nothing_validated(inbox, tmp_path):
    res = run("validate", "--silent", str(inbox / "说明.txt"))
    assert res.exit_code == 1
    assert res.output == (
        f"{SKIP_LINE.format('说明.txt')}\n\n"
        "共 1 个文件：通过 0，未通过 0，已跳过 1\n"
        "没有校验任何文件：给出的文件都不是年度报告或报表文件。\n"
    )
    notes = tmp_path / "只有说明"
    notes.mkdir()
    shutil.copy2(inbox / "说明.txt", notes)
    shutil.copy2(inbox / NOTE, notes)
    folder = run("validate", "--silent", "--lang", "en", "-j", "1", str(notes))
    assert folder.exit_code == 1
    assert folder.output.endswith(
        "\n2 files: 0 valid, 0 invalid, 2 skipped\n"
        "Nothing was validated: none of the files is an annual report or a form return.\n"
    )
    doc = json.loads(run("validate", "--silent", "--json", str(inbox / "说明.txt")).output)
    assert doc["valid"] is False and doc["files"][0]["skipped"] is True


def test_json_marks_the_skipped_files(inbox):
    res = run("validate", "--silent", "--json", "-j", "1", str(inbox / NOTE), str(returned("370602-D04")))
    assert res.exit_code == 0
    doc = json.loads(res.output)
    assert doc["valid"] is True
    note, ret = doc["files"]
    assert (Path(note["file"]).name, note["skipped"], note["unit"], note["code"], note["valid"]) == (
        NOTE, True, None, None, False,
    )  # fmt: skip
    assert [f["rule"] for f in note["findings"]] == ["FILE-NOT-REPORT"]
    assert "skipped" not in ret and ret["valid"] is True and ret["code"] == "370602-D04"


def test_annotate_writes_no_correction_list_for_a_skipped_file(inbox, tmp_path):
    out = tmp_path / "整改"
    res = run("validate", "--silent", "-j", "1", "--annotate", str(out), str(inbox))
    assert res.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == [f"{returned('370602-D10').stem}_校验结果.xlsx"]


# --------------------------------------------------------------------------- consolidate


def test_consolidate_lists_them_apart_and_counts_the_same_units(inbox, tmp_path):
    roster = str(tmp_path / "roster.csv")
    out = tmp_path / "汇总.xlsx"
    res = run("consolidate", "--silent", "-j", "1", "--roster", roster, "-o", str(out), str(inbox))
    assert res.exit_code == 0, res.output
    d10 = returned("370602-D10").name
    assert res.output == (
        "汇总：烟台市芝罘区 2021 年度\n"
        f"  {NAMES['370602-D10']}  有错误（未计入）  {d10}\n"
        "      【错误 T3-BALANCE】表三 “自然人”列：收到与办结不平衡，差 1 件\n"
        "      【错误 T3-BALANCE】表三 “总计”列：收到与办结不平衡，差 1 件\n"
        "  不是报表文件（已跳过）：\n"
        f"      {NOTE}\n"
        "      说明.txt\n"
        "汇总校验（C-SUM）：通过\n"
        "计入汇总 2 个单位；另跳过 2 个不是报表的文件\n"
        "应报 3｜已收 3｜通过 2｜仅警告 0｜有错误 1｜未报 0\n"
        f"已写入：{out}\n"
    )
    # the same units, the same totals as without the stray files
    with_strays = json.loads(run("consolidate", "--silent", "--json", "-j", "1", "--roster", roster, str(inbox)).output)
    alone = json.loads(
        run("consolidate", "--silent", "--json", "-j", "1", "--roster", roster, str(without_strays(inbox))).output
    )
    assert with_strays["totals"] == alone["totals"] and with_strays["status_line"] == alone["status_line"]
    assert [(r["code"], r["status"], Path(r["file"]).name) for r in with_strays["status"]] == [
        (r["code"], r["status"], Path(r["file"]).name) for r in alone["status"]
    ]
    assert {k: v for k, v in with_strays["counts"].items() if k != "skipped"} == {
        k: v for k, v in alone["counts"].items() if k != "skipped"
    }
    assert (with_strays["counts"]["skipped"], alone["counts"]["skipped"]) == (2, 0)
    roles = {Path(f["file"]).name: (f["role"], f["code"], f["name"]) for f in with_strays["files"]}
    assert roles[NOTE] == roles["说明.txt"] == ("skipped", None, None)
    assert all(Path(f["file"]).name not in (NOTE, "说明.txt") for f in with_strays["findings"])
    en = run("consolidate", "--silent", "--lang", "en", "-j", "1", "--roster", roster, str(inbox))
    assert f"  not an annual report or a form return (skipped):\n      {NOTE}\n      说明.txt\n" in en.output
    assert "counted 2 units; skipped 2 files that are no report\n" in en.output


def test_the_summary_workbook_lists_them_in_its_own_section(inbox, tmp_path):
    import openpyxl

    out = tmp_path / "汇总.xlsx"
    res = run(
        "consolidate", "--silent", "-j", "1", "--roster", str(tmp_path / "roster.csv"), "-o", str(out), str(inbox)
    )
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    rows = [r for r in wb["报送情况"].iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[2][0] == "计入汇总 2 个单位；另跳过 2 个不是报表的文件；汇总校验（C-SUM）：通过"
    units = [r for r in rows if isinstance(r[0], int) and r[1]]
    assert [(r[1], r[4], r[5], r[8]) for r in units] == [
        (code, status, counted, returned(code).name)
        for code, status, counted in (
            ("370602-D01", "通过", "是"),
            ("370602-D04", "通过", "是"),
            ("370602-D10", "有错误", "否"),
        )
    ]
    at = next(i for i, r in enumerate(rows) if r[0] == "不是报表文件（已跳过）：2 个")
    assert rows[at + 1][4] == "文件状态" and rows[at + 1][10] == "原因"
    why = "不是年度报告或报表文件，已跳过（纯文本文件，没有报表的表格、标签或报告标题）"
    assert [r[:9] + r[10:] for r in rows[at + 2 : at + 4]] == [  # r[9]: when it was received
        (1, None, None, None, "不是报表文件（已跳过）", "否", None, None, NOTE, why),
        (2, None, None, None, "不是报表文件（已跳过）", "否", None, None, "说明.txt", why),
    ]
    assert len(rows) == at + 4  # nothing after it: no 无法识别单位 / 重复报送 section for them
    problems = [r for r in wb["问题清单"].iter_rows(values_only=True) if any(v is not None for v in r)]
    assert not any("FILE-NOT-REPORT" in str(v) or v in (NOTE, "说明.txt") for r in problems for v in r)
    cover = [v for r in wb[wb.sheetnames[0]].iter_rows(values_only=True) for v in r if isinstance(v, str)]
    scope = next(v for v in cover if v.startswith("2. 汇总范围："))
    assert scope.endswith("；未计入：有错误 1 个；另跳过不是报表的文件 2 个。每个单位的情况见“报送情况”。")


# --------------------------------------------------------------------------- campaign collect


@pytest.fixture()
def campaign(inbox, tmp_path) -> Path:
    root = tmp_path / "2021收集"
    res = run("campaign", "init", str(root), "--year", "2021", "--roster", str(tmp_path / "roster.csv"))
    assert res.exit_code == 0, res.output
    return root


def versions(root: Path) -> list[tuple[str | None, int | None, str]]:
    with sqlite3.connect(root / "campaign.db") as db:
        return db.execute("SELECT unit_code, seq, file_name FROM versions ORDER BY id").fetchall()


def test_collect_records_no_version_for_them(inbox, campaign):
    (inbox / returned("370602-D10").name).unlink()  # clean returns only: the exit says nothing about the strays
    res = run("campaign", "collect", "--silent", "--campaign", str(campaign), str(inbox))
    assert res.exit_code == 0, res.output
    assert res.output.endswith(
        "本次收集 4 个文件：新增 2 个版本（通过 2｜有警告 0｜有错误 0），重复 0，不是报表文件（已跳过） 2\n"
    )
    assert versions(campaign) == [
        ("370602-D01", 1, returned("370602-D01").name),
        ("370602-D04", 1, returned("370602-D04").name),
    ]
    assert len(list((campaign / "store").iterdir())) == 2  # no copy of a skipped file is kept
    assert not any("说明" in p.name for p in (campaign / "feedback").rglob("*"))
    status = run("campaign", "status", "--campaign", str(campaign))
    assert status.output.startswith("应报 3｜已收 2｜已接受 2｜已锁定 0｜待说明 0｜有错误 0｜未报 1\n")
    assert "campaign assign" not in status.output and "说明.txt" not in status.output
    st = json.loads(run("campaign", "status", "--json", "--campaign", str(campaign)).output)
    assert st["unidentified"] == [] and st["pending_assignment"] == []
    d04 = next(u for u in st["units"] if u["code"] == "370602-D04")
    assert (d04["state"], d04["versions"], d04["latest_file"]) == ("accepted", 1, returned("370602-D04").name)
    again = run("campaign", "collect", "--silent", "--lang", "en", "--campaign", str(campaign), str(inbox))
    assert again.exit_code == 0
    assert again.output.endswith(
        "4 files: 0 new versions (clean 0 | warnings 0 | errors 0), duplicates 2, not a report (skipped) 2\n"
    )
    assert len(versions(campaign)) == 2


def test_collect_names_each_skipped_file(inbox, campaign):
    res = run("campaign", "collect", "--silent", "--campaign", str(campaign), str(inbox))
    lines = res.output.splitlines()
    assert f"  已跳过  {NOTE}  不是年度报告或报表文件（未登记）" in lines
    assert "  已跳过  说明.txt  不是年度报告或报表文件（未登记）" in lines
    assert not re.search("无法确定单位", res.output)
    en = run("campaign", "collect", "--silent", "--lang", "en", "--campaign", str(campaign), str(inbox))
    assert "  skipped  说明.txt  not an annual report or a form return (not recorded)" in en.output.splitlines()


def test_a_note_named_for_a_unit_that_sent_nothing_leaves_it_unreported(tmp_path):
    """Before, its name made it 发展和改革局's (unreadable) return: 已收, 有错误. It is nobody's: 未报."""
    d = tmp_path / "收件箱"
    d.mkdir()
    shutil.copy2(returned("370602-D01"), d)
    note = "370602-D02_烟台市芝罘区发展和改革局_说明.txt"
    (d / note).write_text("发展和改革局：本年度报表随后报送。\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name,category\n370602-D01,烟台市芝罘区人民政府办公室,部门\n"
                      "370602-D02,烟台市芝罘区发展和改革局,部门\n", encoding="utf-8")  # fmt: skip
    res = run("consolidate", "--silent", "-j", "1", "--roster", str(roster), str(d))
    assert res.exit_code == 0, res.output
    assert res.output == (
        "汇总：烟台市芝罘区 2021 年度\n"
        "  不是报表文件（已跳过）：\n"
        f"      {note}\n"
        "未报单位（1）：烟台市芝罘区发展和改革局\n"
        "汇总校验（C-SUM）：通过\n"
        "计入汇总 1 个单位；另跳过 1 个不是报表的文件\n"
        "应报 2｜已收 1｜通过 1｜仅警告 0｜有错误 0｜未报 1\n"
        "未写出汇总表：加 -o 汇总.xlsx 即可写出汇总工作簿（正式表格、报送情况、单位明细、问题清单和图表）。\n"
    )
    en = run("consolidate", "--silent", "--lang", "en", "-j", "1", "--roster", str(roster), str(d))
    assert "counted 1 unit; skipped 1 file that is no report\n" in en.output
    root = tmp_path / "2021收集"
    assert run("campaign", "init", str(root), "--year", "2021", "--roster", str(roster)).exit_code == 0
    collected = run("campaign", "collect", "--silent", "--campaign", str(root), str(d))
    assert collected.exit_code == 0, collected.output
    assert versions(root) == [("370602-D01", 1, returned("370602-D01").name)]
    status = run("campaign", "status", "--campaign", str(root)).output
    assert status.startswith("应报 2｜已收 1｜已接受 1｜已锁定 0｜待说明 0｜有错误 0｜未报 1\n")
    assert "未报单位（1）：烟台市芝罘区发展和改革局" in status


def test_the_clerks_report_workbook_lists_them_as_skipped(inbox, tmp_path):
    import openpyxl

    from xltool.report_xlsx import OVERVIEW_HEADER_ROW

    out = tmp_path / "report.xlsx"
    run("validate", "--silent", "-j", "1", "--report", str(out), str(inbox))
    wb = openpyxl.load_workbook(out)
    overview = {row[0]: row for row in wb["总览"].iter_rows(min_row=OVERVIEW_HEADER_ROW + 1, values_only=True)}
    why = "不是年度报告或报表文件（纯文本文件，没有报表的表格、标签或报告标题）"  # FILE-NOT-REPORT's detail
    assert overview["说明.txt"][4:] == ("已跳过", None, None, None, why)
    assert wb["总览"]["A2"].value.endswith("，已跳过 2")
    assert overview[NOTE][4] == "已跳过"
    assert overview[returned("370602-D10").name][4] == "未通过"
    rules = [row[3] for row in wb["问题明细"].iter_rows(min_row=2, values_only=True)]
    assert "FILE-NOT-REPORT" not in rules and "T3-BALANCE" in rules


def test_import_skips_a_note_beside_the_reports(tmp_path):
    data = Path(__file__).parents[2] / "shared" / "data"
    report = data / "zhifu-kjj-2021-report.txt"
    if not report.exists():
        pytest.skip(f"{report} not found: the shared data folder is expected at ../shared/data next to the repo")
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(report, folder)
    (folder / "说明.txt").write_text("报告收集说明\n请于月底前上传各单位的年度报告。\n", encoding="utf-8")
    res = run("import", "--silent", "-o", str(tmp_path / "json"), str(folder))
    assert res.exit_code == 0, res.output
    assert "— 已跳过  说明.txt" in res.output.splitlines()
    assert [p.name for p in (tmp_path / "json").iterdir()] == ["zhifu-kjj-2021-report.json"]
    only_note = run("import", "--silent", "-o", str(tmp_path / "json2"), str(folder / "说明.txt"))
    assert only_note.exit_code == 1 and "— 已跳过  说明.txt" in only_note.output
