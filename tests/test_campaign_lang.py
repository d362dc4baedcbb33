"""`xltool campaign …` in English: XLTOOL_LANG=en and `--lang en` (on the subcommand, on `campaign`, on `xltool`)
give English wherever a campaign subcommand prints; Chinese stays the default.

Real runs of the CLI on the sample district's returned workbooks (samples/returned, written by the tool):
D04 clean, D06 two X-CARRY warnings against last year, D07 an error (TOTAL-STORED), and a return whose
unit was blanked out (unidentified, for `assign`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.campaign import collect, init_campaign, open_campaign
from xltool.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "roster.csv"
PRIOR = SAMPLES / "prior"
RETURNED = SAMPLES / "returned"

ZH_WORDS = (
    *("状态", "已记录", "已接受", "已锁定", "已重新打开", "已将", "第1版", "第2版", "提示：", "错误：", "下一步"),
    *("已建立", "已下发", "未锁定", "共锁定", "收集库", "尚未", "名单中", "汇总计入", "没有规则", "【", "。"),
)
"""Words of the campaign commands' own Chinese texts (unit names, file names and official labels stay Chinese)."""

WAYS = ["XLTOOL_LANG=en", "--lang en"]
HEADER_EN = (
    "expected 36 | received 3 | accepted 1 | locked 0 | needs explanation 1 | errors 1 | missing 33 | "
    "unidentified files 1"
)


def returned(code: str) -> Path:
    return next(RETURNED.glob(f"{code}_*.xlsx"))


def run(*args: str, env: dict[str, str | None] | None = None):
    """`xltool campaign ARGS` in-process, stdout and stderr apart; XLTOOL_LANG unset unless `env` sets it."""
    env = {"XLTOOL_LANG": None, **(env or {})}
    return CliRunner().invoke(cli, ["campaign", *args], catch_exceptions=False, env=env, prog_name="xltool")


def en(way: str, *args: str):
    """The subcommand in English, asked for one way or the other."""
    if way == "--lang en":
        return run(*args, "--lang", "en")
    return run(*args, env={"XLTOOL_LANG": "en"})


def english(text: str) -> str:
    told = "\n".join(ln for ln in text.splitlines() if not ln.startswith("  feedback: "))  # file names: 第1版_…
    found = [w for w in ZH_WORDS if w in told]
    assert not found, f"Chinese of the tool in an English run: {found}\n{text}"
    return text


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A campaign with last year's data and four files collected (built once, copied per test)."""
    tmp = tmp_path_factory.mktemp("lang")
    doc = json.loads(next((SAMPLES / "data").glob("370602-D05_*.json")).read_text(encoding="utf-8"))
    doc["unit"] = {"name": ""}  # no unit in the file, none in its name: the clerk must assign it
    (tmp / "无名.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    root = tmp / "2021收集"
    c, notes = init_campaign(root, year=2021, roster=ROSTER, prior=PRIOR)
    assert notes == []
    with c:
        done = collect(c, [returned("370602-D04"), returned("370602-D06"), returned("370602-D07"), tmp / "无名.json"])
        assert done.count()["new"] == 4 and done.count()["unidentified"] == 1
    return root


@pytest.fixture()
def camp(built, tmp_path) -> Path:
    dst = tmp_path / "camp"
    shutil.copytree(built, dst)
    return dst


def unknown_sha(camp: Path) -> str:
    with open_campaign(camp, search=False) as c:
        return c.conn.execute("SELECT sha256 FROM versions WHERE unit_code IS NULL").fetchone()[0]


# --------------------------------------------------------------------------- init, templates, collect


@pytest.mark.parametrize("way", WAYS)
def test_init_in_english(way, tmp_path):
    prior = tmp_path / "上年"
    shutil.copytree(PRIOR, prior)
    stray = json.loads(next(PRIOR.glob("370602-D01_*.json")).read_text(encoding="utf-8"))
    stray["unit"] = {"name": "烟台市芝罘区已撤销局"}
    (prior / "撤销.json").write_text(json.dumps(stray, ensure_ascii=False), encoding="utf-8")
    root = tmp_path / "c"
    r = en(way, "init", str(root), "--year", "2021", "--roster", str(ROSTER), "--prior", str(prior))
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        f"Campaign for 2021 created: {root.resolve()}\n"
        "  roster: 36 units; last year's data: 36 units\n"
        f"Next: cd {root.resolve()} && xltool campaign templates\n"
    )
    assert r.stderr == "  Note: last year's “烟台市芝罘区已撤销局” is not in this year's roster; not used\n"
    r = en(way, "init", str(root), "--year", "2021", "--roster", str(ROSTER))
    assert r.exit_code == 3
    assert r.stderr == (
        f"Error: {root.resolve()} is a campaign folder already (campaign.db exists); it is not overwritten\n"
    )


def test_init_is_chinese_by_default(tmp_path):
    root = tmp_path / "c"
    r = run("init", str(root), "--year", "2021", "--roster", str(ROSTER))
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        f"已建立 2021 年度收集：{root.resolve()}\n  名单 36 个单位，无上年数据\n"
        f"下一步：cd {root.resolve()} && xltool campaign templates\n"
    )


@pytest.mark.parametrize("way", WAYS)
def test_templates_in_english(way, camp):
    r = en(way, "templates", "--silent", "--campaign", str(camp))
    assert r.exit_code == 0, r.output
    assert r.stdout == f"36 templates issued into {camp.resolve() / 'outbox'}\n"


@pytest.mark.parametrize("way", WAYS)
def test_collect_in_english(way, camp):
    d10 = returned("370602-D10")
    r = en(way, "collect", str(d10), str(returned("370602-D04")), "--silent", "--campaign", str(camp))
    assert r.exit_code == 1  # D10 has errors
    assert english(r.stdout).splitlines() == [
        f"  v1  烟台市芝罘区住房和城乡建设局  {d10.name}  errors 2, warnings 0",
        f"  duplicate  {returned('370602-D04').name} (same as 烟台市芝罘区科学技术局 version 1)",
        "2 files: 1 new versions (clean 0 | warnings 0 | errors 1), duplicates 1",
    ]


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize("way", WAYS)
def test_status_in_english(way, camp):
    r = en(way, "status", "--campaign", str(camp))
    assert r.exit_code == 0, r.output
    lines = english(r.stdout).splitlines()
    assert lines[0] == HEADER_EN
    assert lines[2].split() == ["code", "unit", "state", "versions", "latest", "received", "main", "problems"]
    d06 = next(ln for ln in lines if ln.startswith("370602-D06"))
    assert "  received, needs explanation  " in d06 and "[warning X-CARRY] 表三 column “自然人”: carried over" in d06
    d07 = next(ln for ln in lines if ln.startswith("370602-D07"))
    assert "  received, errors  " in d07 and d07.endswith("; no version can be counted yet")
    assert "Files of unknown unit (1); assign each: xltool campaign assign FILE UNIT" in lines


@pytest.mark.parametrize("way", WAYS)
def test_status_of_one_unit_reminder_and_json_in_english(way, camp):
    r = en(way, "status", "民政局", "--campaign", str(camp))
    lines = english(r.stdout).splitlines()
    assert lines[0] == "烟台市芝罘区民政局 (370602-D06): received, needs explanation"
    assert lines[1].startswith("  version 1  ") and lines[1].endswith("  0E 2W 0I  <- counted")  # no template issued
    assert "Findings of version 1:" in lines
    assert (
        "  [warning X-CARRY] 表三 column “自然人”: carried over differs from last year's carried forward by 1" in lines
    )
    r = en(way, "status", "--reminder", "--campaign", str(camp))
    assert english(r.stdout).startswith("Reminder: 2021 government information disclosure report figures\n")
    doc = json.loads(en(way, "status", "--json", "--campaign", str(camp)).stdout)
    assert doc["header"].startswith("expected 36 | received 3")
    d06 = next(u for u in doc["units"] if u["code"] == "370602-D06")
    assert d06["state_label"] == "received, needs explanation"
    assert d06["problems"][0].startswith("[warning X-CARRY] ")


# --------------------------------------------------------------------------- decisions


@pytest.mark.parametrize("way", WAYS)
def test_decisions_in_english(way, camp):
    c = ["--campaign", str(camp)]
    r = en(way, "explain", "民政局", "x-carry", "上年结转数含已撤回的申请 1 件", *c)
    assert r.exit_code == 0, r.output
    assert r.stdout == "Explanation of X-CARRY recorded for 烟台市芝罘区民政局; state: accepted\n"
    r = en(way, "lock", "民政局", *c)
    assert (r.exit_code, r.stdout) == (0, "Locked version 1 of 烟台市芝罘区民政局\n")
    r = en(way, "lock", "--all", *c)
    assert (r.exit_code, english(r.stdout)) == (0, "Locked version 1 of 烟台市芝罘区科学技术局\n1 units locked\n")
    r = en(way, "reopen", "科学技术局", "--why", "单位来电更正", *c)
    assert (r.exit_code, english(r.stdout)) == (
        0,
        "Reopened 烟台市芝罘区科学技术局; state: reopened, to be accepted again\n"
        "  version 1 no longer counts as accepted until you accept it again (xltool campaign accept 370602-D04) "
        "or a new version arrives. The summary still counts version 1.\n",
    )
    r = en(way, "accept", "科学技术局", *c)
    assert (r.exit_code, r.stdout) == (0, "Accepted version 1 of 烟台市芝罘区科学技术局; state: accepted\n")
    sha = unknown_sha(camp)
    r = en(way, "assign", sha[:10], "工业和信息化局", "--why", "电话核实", *c)
    assert r.exit_code == 0, r.output
    assert english(r.stdout) == (
        "无名.json assigned to 烟台市芝罘区工业和信息化局 as version 1; state: accepted\n"
        "  checked again as 烟台市芝罘区工业和信息化局's return (with its data of last year): errors 0, warnings 0\n"
    )
    r = en(way, "log", "民政局", *c)
    actions = [ln.split("  ")[1] for ln in english(r.stdout).splitlines()]
    assert actions == ["collect", "explain", "auto-accept", "lock"]


@pytest.mark.parametrize("way", WAYS)
def test_refusals_in_english(way, camp, tmp_path):
    c = ["--campaign", str(camp)]
    r = en(way, "explain", "民政局", "NO-SUCH", "x", *c)
    assert r.exit_code == 2
    assert english(r.stderr).startswith(
        "Error: there is no rule “NO-SUCH”. Warnings of 烟台市芝罘区民政局 that can be explained: X-CARRY (表三 column"
    )
    r = en(way, "explain", "司法局", "TOTAL-STORED", "x", *c)
    assert r.exit_code == 3
    assert r.stderr == (
        "Error: TOTAL-STORED is an error: an explanation cannot stand for a correction; 烟台市芝罘区司法局 must "
        "correct it and send the return again\n"
    )
    r = en(way, "accept", "司法局", *c)
    assert r.exit_code == 3
    assert r.stderr.startswith("Error: version 1 of 烟台市芝罘区司法局 has 1 error (表四 行政复议 总计: E6 holds")
    r = en(way, "accept", "民政局", *c)
    assert r.exit_code == 3
    assert r.stderr == (
        "Error: 烟台市芝罘区民政局 has 2 warnings without an explanation (X-CARRY): record the unit's explanation "
        "with xltool campaign explain first, or give your reason with --why\n"
    )
    r = en(way, "lock", "司法局", *c)
    assert r.exit_code == 3 and r.stderr.startswith("Error: version 1 of 烟台市芝罘区司法局 has errors and cannot")
    r = en(way, "lock", "司法局", "--version", "3", *c)
    assert (r.exit_code, r.stderr) == (3, "Error: 烟台市芝罘区司法局 has no version 3 (versions: 1)\n")
    r = en(way, "reopen", "司法局", "--why", "x", *c)
    assert r.stderr == "Error: 烟台市芝罘区司法局 is neither accepted nor locked: there is nothing to reopen\n"
    r = en(way, "status", "不存在局", *c)
    assert (r.exit_code, r.stderr) == (3, "Error: no unit “不存在局” in the roster (give its code or name)\n")
    r = en(way, "status", "街道", *c)
    assert r.stderr.startswith("Error: “街道” could be any of several units: 烟台市芝罘区向阳街道办事处, ")
    r = en(way, "assign", "nosuchfile.xlsx", "民政局", *c)
    assert r.stderr.startswith("Error: no received file “nosuchfile.xlsx” (give its file name or the start")
    r = en(way, "lock", *c)
    assert r.exit_code == 2
    assert english(r.stderr).endswith("Error: give the units, or --all to lock every accepted one\n")
    r = en(way, "status", "--campaign", str(tmp_path))
    assert r.exit_code == 3
    assert r.stderr.startswith(f"Error: {tmp_path} is not inside a campaign folder (no campaign.db here or above).")


@pytest.mark.parametrize("way", WAYS)
def test_summary_in_english(way, camp, tmp_path):
    out = tmp_path / "汇总.xlsx"
    r = en(way, "summary", "-o", str(out), "--campaign", str(camp))
    assert r.exit_code == 0, r.output
    assert english(r.stdout).splitlines() == [
        HEADER_EN,
        f"Counted 2 units (locked version, else latest without errors): {out}",
    ]
    assert out.is_file()


# --------------------------------------------------------------------------- where --lang is written


def test_lang_before_the_subcommand_counts_too(camp):
    c = ["--campaign", str(camp)]
    for args in (
        ["--lang", "en", "explain", "民政局", "X-CARRY", "口径调整", *c],
        ["reopen", "民政局", "--why", "x", *c],  # XLTOOL_LANG=en
    ):
        env = {"XLTOOL_LANG": "en"} if "--lang" not in args else None
        r = run(*args, env=env)
        assert r.exit_code == 0, r.output
        state = "reopened, to be accepted again" if "reopen" in args else "accepted"
        assert r.stdout.splitlines()[0].endswith(f"烟台市芝罘区民政局; state: {state}")
        assert run("lock", "民政局", *c).exit_code == 0  # for the next turn's reopen
    r = CliRunner().invoke(cli, ["--lang", "en", "campaign", "status", "民政局", *c], env={"XLTOOL_LANG": None})
    assert r.stdout.startswith("烟台市芝罘区民政局 (370602-D06): locked\n  locked: version 1  ")
    r = run("status", "--lang", "zh", *c, env={"XLTOOL_LANG": "en"})  # the command line wins over the environment
    assert r.stdout.startswith("应报 36｜已收 3｜已接受 1｜")


def test_chinese_is_the_default(camp):
    c = ["--campaign", str(camp)]
    header = "应报 36｜已收 3｜已接受 1｜已锁定 0｜待说明 1｜有错误 1｜未报 33｜未识别文件 1\n"
    assert run("status", *c).stdout.startswith(header)
    r = run("explain", "民政局", "X-CARRY", "口径调整", *c)
    assert r.stdout == "已记录 烟台市芝罘区民政局 的 X-CARRY 说明；状态：已接受\n"
    r = run("lock", "民政局", *c)
    assert r.stdout == "已锁定 烟台市芝罘区民政局 的第1版\n"
    r = run("accept", "司法局", *c)
    assert r.exit_code == 3 and r.stderr.startswith("错误：烟台市芝罘区司法局的第1版有 1 个错误（")
