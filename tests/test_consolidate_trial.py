"""Defects a new-user trial found in `xltool consolidate` / `xltool validate`, on the real sample returns.

1. A return of one unit renamed as another's (370602-D08 财政局's filled template sent as 370602-D09_人社局…xlsx)
   is listed apart — 文件名与内容不是同一单位（未计入）, naming both units — and counted for neither, as
   `xltool campaign collect` records it 待确认归属.
2. `validate --roster` with a roster that has a header and no units is refused like consolidate refuses it.
3. consolidate checks that every output can be written before it reads a file, and says which outputs were
   written when a later one fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xltool.cli import cli
from xltool.roster import load_roster
from xltool.summary_xlsx import SHEET_FINDINGS, SHEET_STATUS

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"
ROSTER = ROOT / "samples" / "roster.csv"
D08 = "370602-D08_烟台市芝罘区财政局_2021.xlsx"
D09 = "370602-D09_烟台市芝罘区人力资源和社会保障局_2021.xlsx"
CAIZHENG = "烟台市芝罘区财政局"
RENSHE = "烟台市芝罘区人力资源和社会保障局"
CLEAN = ["370602-D01", "370602-D02", "370602-D03", "370602-D04", "370602-D05", "370602-D06"]
"""Sample units whose returns pass (without last year's data)."""


def run(*args: str, lang: str | None = None):
    env = {"XLTOOL_LANG": lang}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env, prog_name="xltool")


def returned(code: str) -> Path:
    (p,) = RETURNED.glob(f"{code}_*.xlsx")
    return p


def inbox(folder: Path, *, own_d08: bool = False) -> Path:
    """D01–D06's returns, and D08's filled template renamed as D09's file (plus D08's own file if asked)."""
    folder.mkdir(parents=True)
    for code in CLEAN:
        shutil.copy(returned(code), folder)
    shutil.copy(RETURNED / D08, folder / D09)
    if own_d08:
        shutil.copy(RETURNED / D08, folder / D08)
    return folder


def not_reported(counted: set[str]) -> list[str]:
    return [u.name for u in load_roster(ROSTER).units if u.code not in counted]


FIX_ZH = (
    f"        处理：请向报送单位核实：如是“{RENSHE}”误用了“{CAIZHENG}”的模板或发错了文件，请其用本单位模板重新"
    f"填报；如确为“{CAIZHENG}”的报表且该单位没有另报，请把文件改名为 {D08} 后重新汇总。"
)


# --------------------------------------------------------------------------- 1. named for one unit, content of another


def test_a_return_of_d08_named_as_d09_counts_for_neither_unit(tmp_path):
    box = inbox(tmp_path / "inbox")
    out = tmp_path / "out" / "汇总.xlsx"
    r = run("consolidate", str(box), "--roster", str(ROSTER), "-o", str(out), "--silent", "-j", "1")
    assert r.exit_code == 0, r.output
    missing = not_reported(set(CLEAN))
    assert CAIZHENG in missing and RENSHE in missing  # neither is received
    assert r.stdout.splitlines() == [
        "汇总：烟台市芝罘区 2021 年度",
        "  文件名与内容不是同一单位（未计入）：",
        f"      {D09}  文件名指向 {RENSHE}（370602-D09），内容属于 {CAIZHENG}（370602-D08）",
        FIX_ZH,
        f"未报单位（{len(missing)}）：" + "、".join(missing),
        "汇总校验（C-SUM）：通过",
        "计入汇总 6 个单位（未计入的文件：文件名与内容不符 1）",
        f"应报 36｜已收 6｜通过 6｜仅警告 0｜有错误 0｜未报 {len(missing)}",
        f"已写入：{out}",
    ]
    assert "有错误" not in r.stdout.split("未报单位")[0]  # no unit is said to have sent a file with errors

    # the summary workbook: neither unit has a file, a status other than 未报, or a problem of that file
    wb = load_workbook(out, read_only=True)
    rows = [
        row for row in wb[SHEET_STATUS].iter_rows(values_only=True) if row and row[1] in ("370602-D08", "370602-D09")
    ]
    assert [(row[2], row[4], row[8] or "") for row in rows] == [(CAIZHENG, "未报", ""), (RENSHE, "未报", "")]
    findings = [row for row in wb[SHEET_FINDINGS].iter_rows(values_only=True) if row and row[3] == D09]
    assert {row[5] for row in findings} == {"TEMPLATE-REUSED", "CONS-NAME-MISMATCH"}
    assert {row[2] for row in findings} == {f"待确认（内容属于{CAIZHENG}，文件名指向{RENSHE}）"}
    assert {row[1] for row in findings} == {None}
    wb.close()

    # the totals are those of the six units alone
    with_stray = json.loads(run("consolidate", str(box), "--roster", str(ROSTER), "--json", "-j", "1").stdout)
    (box / D09).rename(tmp_path / D09)
    alone = json.loads(run("consolidate", str(box), "--roster", str(ROSTER), "--json", "-j", "1").stdout)
    assert with_stray["totals"] == alone["totals"]
    assert with_stray["totals"]["t3.new_received.total"] > 0
    assert with_stray["counts"]["mismatched"] == 1 and alone["counts"]["mismatched"] == 0
    (stray,) = [f for f in with_stray["files"] if f["role"] == "mismatched"]
    assert (stray["code"], stray["content_code"], stray["named_code"]) == (None, "370602-D08", "370602-D09")
    status = {s["code"]: s for s in with_stray["status"]}
    assert (status["370602-D08"]["status"], status["370602-D08"]["file"]) == ("未报", None)
    assert (status["370602-D09"]["status"], status["370602-D09"]["file"]) == ("未报", None)

    # renamed as the message says (it is 财政局's return after all): it counts for 财政局
    shutil.move(tmp_path / D09, box / D08)
    fixed = json.loads(run("consolidate", str(box), "--roster", str(ROSTER), "--json", "-j", "1").stdout)
    assert fixed["counts"]["counted"] == 7 and fixed["counts"]["mismatched"] == 0
    assert {s["code"]: s["status"] for s in fixed["status"]}["370602-D08"] == "通过"


def test_the_listing_in_english(tmp_path):
    box = inbox(tmp_path / "inbox")
    r = run("consolidate", str(box), "--roster", str(ROSTER), "--silent", "-j", "1", "--lang", "en")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[1:4] == [
        "  files whose name and content are different units (not counted):",
        f"      {D09}  named for {RENSHE} (370602-D09), content of {CAIZHENG} (370602-D08)",
        f"        What to do: Check with the sender: if “{RENSHE}” used “{CAIZHENG}”'s template or sent the wrong file,"
        f" have it fill in its own template; if this is “{CAIZHENG}”'s report and it sent no other, rename the file"
        f" {D08} and consolidate again.",
    ]
    assert lines[-3:-1] == [
        "counted 6 units (files left out: name and content differ 1)",
        "expected 36 | received 6 | passed 6 | warnings only 0 | errors 0 | not reported 30",
    ]
    assert lines[-1].startswith("No summary workbook written: add -o")


def test_the_unit_that_also_sent_its_own_file_counts_as_usual(tmp_path):
    box = inbox(tmp_path / "inbox", own_d08=True)
    r = run("consolidate", str(box), "--roster", str(ROSTER), "--silent", "-j", "1")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[1:5] == [
        "  文件名与内容不是同一单位（未计入）：",
        f"      {D09}  文件名指向 {RENSHE}（370602-D09），内容属于 {CAIZHENG}（370602-D08）",
        f"        与“{CAIZHENG}”自己报送的 {D08} 内容完全相同",
        FIX_ZH,
    ]
    assert lines[-3:-1] == [
        "计入汇总 7 个单位（未计入的文件：文件名与内容不符 1）",
        "应报 36｜已收 7｜通过 7｜仅警告 0｜有错误 0｜未报 29",
    ]
    assert lines[-1].startswith("未写出汇总表：加 -o")
    assert "已被替代" not in r.stdout and "同一单位的其他文件" not in r.stdout  # D08's own file superseded nothing
    # read in worker processes this time (xltool.parallel): the same decision
    doc = json.loads(run("consolidate", str(box), "--roster", str(ROSTER), "--json", "-j", "2").stdout)
    status = {s["code"]: s for s in doc["status"]}
    assert status["370602-D08"]["status"] == "通过" and Path(status["370602-D08"]["file"]).name == D08
    assert status["370602-D08"]["counted"] is True and status["370602-D08"]["superseded"] == 0
    assert status["370602-D09"]["status"] == "未报"
    roles = {Path(f["file"]).name: f["role"] for f in doc["files"]}
    assert (roles[D08], roles[D09]) == ("counted", "mismatched")


def test_the_summary_workbook_lists_the_file_apart(tmp_path):
    box = inbox(tmp_path / "inbox")
    out = tmp_path / "汇总.xlsx"
    assert run("consolidate", str(box), "--roster", str(ROSTER), "-o", str(out), "--silent", "-j", "1").exit_code == 0
    wb = load_workbook(out, read_only=True)
    cells = [v for row in wb[SHEET_STATUS].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    wb.close()
    assert D09 in cells
    assert any(v.startswith("文件名与内容不是同一单位") for v in cells)


def test_a_version_the_campaign_clerk_assigned_is_not_set_apart_again(tmp_path):
    """campaign summary consolidates the versions under the unit the campaign decided: a file named for D08 that
    the clerk assigned to D04 (whose data it holds) counts for D04, not as a mismatched file."""
    from xltool.campaign import assign, collect, init_campaign, resolve_unit, write_campaign_summary

    stray = tmp_path / "370602-D08_烟台市芝罘区财政局_2021.xlsx"
    shutil.copy(returned("370602-D04"), stray)
    c, _ = init_campaign(tmp_path / "camp", year=2021, roster=ROSTER)
    with c:
        (item,) = collect(c, [stray]).items
        assert item.awaits_assignment
        assign(c, item.sha256[:12], resolve_unit(c, "370602-D04"), why="电话核实")
        cons, _st, _path = write_campaign_summary(c, tmp_path / "汇总.xlsx")
    assert cons.counts["mismatched"] == 0 and cons.counts["counted"] == 1
    status = cons.status.set_index("code")["status"]
    assert status["370602-D04"] == "通过" and status["370602-D08"] == "未报"


# --------------------------------------------------------------------------- 2. a roster without units


def test_validate_refuses_a_roster_without_units(tmp_path):
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("code,name,category\n", encoding="utf-8")
    f = str(returned("370602-D01"))
    r = run("validate", f, "--roster", str(header_only))
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", "错误：名单 header_only.csv 中没有单位\n")
    r = run("validate", f, "--roster", str(header_only), "--lang", "en")
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", "Error: no units in the roster header_only.csv\n")
    # the same words as consolidate's
    r = run("consolidate", f, "--roster", str(header_only))
    assert (r.exit_code, r.stderr) == (3, "错误：名单 header_only.csv 中没有单位\n")
    # a roster with a unit is still used: that unit's file passes
    one = tmp_path / "one.csv"
    one.write_text("code,name,category\n370602-D01,烟台市芝罘区人民政府办公室,部门\n", encoding="utf-8")
    assert run("validate", f, "--roster", str(one), "--silent").exit_code == 0


# --------------------------------------------------------------------------- 3. outputs checked before the work


def test_an_output_that_cannot_be_written_stops_the_run_before_any_is_written(tmp_path):
    if not Path("/proc").is_dir():
        pytest.skip("needs Linux /proc (a folder in which no file can be made)")
    box = inbox(tmp_path / "inbox")
    out = tmp_path / "out" / "b5.xlsx"
    r = run("consolidate", str(box), "--roster", str(ROSTER), "-o", str(out), "--long", "/proc/x.csv", "-j", "1")
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == "错误：无法写入 /proc/x.csv：文件夹 /proc 是只读的或没有写入权限\n"  # no progress: nothing read
    assert not out.exists() and not out.parent.exists()
    r = run("consolidate", str(box), "--roster", str(ROSTER), "-o", "/proc/新/b5.xlsx", "--lang", "en")
    assert (r.exit_code, r.stderr) == (
        3,
        "Error: cannot write /proc/新: the folder /proc is read-only or not writable\n",
    )
    long_name = tmp_path / "out" / ("长" * 84 + ".csv")  # 257 bytes: more than a file name may have
    r = run("consolidate", str(box), "--roster", str(ROSTER), "-o", str(out), "--long", str(long_name))
    assert (r.exit_code, r.stderr) == (3, f"错误：文件名或路径过长：{long_name}\n")
    assert not out.parent.exists()
    assert [p.name for p in box.iterdir() if p.name.startswith(".")] == []  # the probe files are gone


def test_outputs_in_folders_still_to_be_made_are_written(tmp_path):
    box = inbox(tmp_path / "inbox")
    out, long = tmp_path / "新" / "汇总" / "b5.xlsx", tmp_path / "长表" / "b5.csv"
    r = run("consolidate", str(box), "--roster", str(ROSTER), "-o", str(out), "--long", str(long), "--silent")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-2:] == [f"已写入：{out}", f"已写入：{long}"]
    assert load_workbook(out, read_only=True).sheetnames[0] and long.read_text(encoding="utf-8-sig").startswith("unit,")
    assert sorted(p.name for p in out.parent.iterdir()) == ["b5.xlsx"]  # no probe file left
    assert sorted(p.name for p in long.parent.iterdir()) == ["b5.csv"]


def test_when_a_later_output_fails_the_ones_written_are_named(tmp_path):
    """A failure the check before cannot foresee (the long table's temporary file is a folder): the summary was
    written, and the clerk is told so before the error."""
    box = inbox(tmp_path / "inbox")
    out_dir = tmp_path / "out"
    (out_dir / "l.csv.tmp").mkdir(parents=True)
    out, long = out_dir / "s.xlsx", out_dir / "l.csv"
    r = run("consolidate", str(box), "--roster", str(ROSTER), "-o", str(out), "--long", str(long), "--silent")
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.splitlines()[0] == f"已写入：{out}"
    assert r.stderr.splitlines()[1].startswith("错误：") and len(r.stderr.splitlines()) == 2
    assert out.is_file() and not long.exists()
