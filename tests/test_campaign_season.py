"""A collection season as a clerk lives it (the four-day trial's defects, each on real files):

- a file on another unit's template, assigned by the clerk, counts the same in `status` and `summary` (the
  printed count is the workbook's), checked against *its* unit's last-year data, its feedback moved;
- the summary's 报送情况 gives the picture `campaign status` gives (errors-only units, received times, versions
  left out, 说明, reasons);
- reopen takes a unit out of 已接受 until it is accepted again;
- the roster changes mid-season (`campaign roster`), and a roster copied over 名单.csv is noticed;
- the log has every file received (duplicates too), each run, interrupted runs and automatic acceptances;
- the collect line does not count a 待确认归属 file as a unit's version;
- garbled (GBK read as Latin-1) file names are shown and matched repaired.

Templates are issued and filled by the tool itself (xltool.fill), the summary workbook is read back with openpyxl.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.campaign import (
    ACCEPTED,
    LOCKED,
    PENDING,
    REOPENED,
    accept,
    assign,
    campaign_status,
    collect,
    explain,
    init_campaign,
    issue_templates,
    open_campaign,
    reopen,
    resolve_unit,
    status_of,
    write_campaign_summary,
)
from xltool.cli import cli
from xltool.fill import fill_template
from xltool.interchange import load_json

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "roster.csv"
DATA = SAMPLES / "data"
PRIOR = SAMPLES / "prior"


def sample(code: str) -> Path:
    return next(DATA.glob(f"{code}_*.json"))


def run(*args: str):
    return CliRunner().invoke(cli, ["campaign", *args], catch_exceptions=False, env={"XLTOOL_LANG": None})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def garble(name: str) -> str:
    """A Chinese file name as a mail program that read its GBK bytes as Latin-1 shows it."""
    return name.encode("gbk").decode("latin-1")


def template(camp: Path, code: str) -> Path:
    return next((camp / "outbox").glob(f"{code}_*.xlsx"))


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> Path:
    """A campaign with last year's data and every unit's template issued (built once, copied per test)."""
    root = tmp_path_factory.mktemp("season") / "2021收集"
    c, notes = init_campaign(root, year=2021, roster=ROSTER, prior=PRIOR)
    assert notes == []
    with c:
        issue_templates(c)
    return root


@pytest.fixture()
def camp(issued, tmp_path) -> Path:
    dst = tmp_path / "2021收集"
    shutil.copytree(issued, dst)
    return dst


@pytest.fixture()
def samples_collected(tmp_path) -> Path:
    """Every sample (JSON) collected once: D07, D10, D19, D22, S03 with errors, D03 and D06 with warnings."""
    root = tmp_path / "c"
    c, _ = init_campaign(root, year=2021, roster=ROSTER, prior=PRIOR)
    with c:
        assert collect(c, [DATA]).count()["versions"] == 36
    return root


def s09_on_s10s_template(camp: Path, out: Path) -> Path:
    """黄务街道 (S09) fills 只楚街道 (S10)'s template with its own figures, 2 more carried over than it carried
    forward last year (an X-CARRY warning against S09's 2020 report, none against S10's)."""
    data = load_json(sample("370602-S09"))
    v = data.values
    v["t3.carried_over.natural_person"] += 2
    v["t3.carried_over.total"] += 2
    v["t3.new_received.natural_person"] -= 2
    v["t3.new_received.total"] -= 2
    data.unit_name, data.unit_code = "烟台市芝罘区只楚街道办事处", "370602-S10"  # the template's unit, untouched
    return fill_template(template(camp, "370602-S10"), data, out)


# --------------------------------------------------------------------------- 1, 2, 8: assign


def test_a_file_on_another_units_template_assigned_by_the_clerk_counts_everywhere(camp, tmp_path, monkeypatch):
    f = s09_on_s10s_template(camp, tmp_path / "收件" / "黄务街道.xlsx")
    with open_campaign(camp) as c:
        (item,) = collect(c, [f]).items
        # the template says 只楚 (S10); the name may or may not point at 黄务: either way it is no S09 version yet
        assert item.unit.code == "370602-S10"
        s09 = resolve_unit(c, "370602-S09")
        v, st = assign(c, item.sha256[:12], s09, why="电话核实：黄务街道误用只楚街道模板")
        # checked again as S09's: its own last year's data (X-CARRY), not PRIOR-MISSING; so not accepted by itself
        rules = {f.rule: f for f in st.findings}
        assert "PRIOR-MISSING" not in rules
        assert rules["X-CARRY"].severity == "warning"
        assert st.state == PENDING and st.effective is not None and st.effective.id == v.id
        # the other unit's template, said the right way round, settled by the clerk: a 提示, no error
        reuse = rules["TEMPLATE-REUSED"]
        assert reuse.severity == "info"
        assert reuse.title["zh"] == (
            "使用了其他单位的模板：模板属于“烟台市芝罘区只楚街道办事处”，"
            "政务公开办确认的单位为“烟台市芝罘区黄务街道办事处”"
        )
        assert "政务公开办确认属于“烟台市芝罘区黄务街道办事处”（电话核实" in reuse.fix["zh"]
        assert rules["CAMP-ASSIGNED"].title["zh"].startswith("政务公开办已确认本文件属于“烟台市芝罘区黄务街道办事处”")
        assert v.assigned_why == "电话核实：黄务街道误用只楚街道模板" and v.assigned_at
        # S10 has nothing any more; the feedback moved to S09's folder, without the stale advice
        assert status_of(c, resolve_unit(c, "370602-S10")).versions == []
        assert v.feedback and all(p.startswith("feedback/370602-S09_") for p in v.feedback)
        assert not any((camp / "feedback").glob("370602-S10_*/*"))
        assert (
            not any((camp / "feedback" / "_待确认归属").glob("*"))
            if (camp / "feedback" / "_待确认归属").exists()
            else True
        )
        text = (camp / v.feedback[0]).read_text(encoding="utf-8")
        assert "政务公开办已确认归属（电话核实" in text.splitlines()[0]
        assert f"campaign assign {item.sha256[:12]}" not in text and "【警告 X-CARRY】" in text
        explain(c, s09, "X-CARRY", "上年结转含跨年受理的申请 2 件")
        assert status_of(c, s09).state == ACCEPTED
    # the same count everywhere: status, the printed line, the workbook, --json
    monkeypatch.chdir(camp)
    doc = json.loads(run("status", "--json").stdout)
    counted_by_status = sum(1 for u in doc["units"] if u["effective_version"])
    s09_doc = next(u for u in doc["units"] if u["code"] == "370602-S09")
    assert (s09_doc["state"], s09_doc["counts"]["error"], s09_doc["assigned"]) == ("accepted", 0, True)
    out = tmp_path / "汇总.xlsx"
    r = run("summary", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert f"汇总计入 {counted_by_status} 个单位" in r.stdout and r.stderr == ""
    summary = json.loads(run("summary", "-o", str(tmp_path / "汇总2.xlsx"), "--json").stdout)
    assert summary["counts"]["counted"] == counted_by_status == 1 and summary["not_counted"] == []
    row = next(s for s in summary["status"] if s["code"] == "370602-S09")
    assert (row["counted"], row["errors"], row["status"]) == (True, 0, "仅警告")
    reused = [x for x in summary["findings"] if x["rule"] == "TEMPLATE-REUSED"]
    assert [(x["code"], x["severity"]) for x in reused] == [("370602-S09", "info")]
    assert "模板属于“烟台市芝罘区只楚街道办事处”" in reused[0]["title"]
    from openpyxl import load_workbook

    ws = load_workbook(out, read_only=True)["报送情况"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=7, values_only=True) if r[1]}
    assert rows["370602-S09"][4:8] == ("仅警告", "是", 0, 2)  # X-CARRY in 自然人 and 总计, explained
    assert "X-CARRY 已说明：上年结转含跨年受理的申请 2 件" in rows["370602-S09"][10]
    assert "经政务公开办确认归属（电话核实：黄务街道误用只楚街道模板）" in rows["370602-S09"][10]


def test_assign_again_checks_a_version_of_an_older_xltool_once_more(camp, tmp_path):
    """A version assigned by an xltool that looked last year's data up by the file's own unit (PRIOR-MISSING)
    is checked again when assigned again to the same unit; a second time there is nothing to do."""
    from xltool.campaign.store import dump_findings
    from xltool.findings import tool_finding

    f = s09_on_s10s_template(camp, tmp_path / "黄务.xlsx")
    with open_campaign(camp) as c:
        (item,) = collect(c, [f]).items
        s09 = resolve_unit(c, "黄务街道办事处")
        v, _ = assign(c, item.sha256[:12], s09, why="电话核实")
        stale = [x for x in v.findings() if x.rule != "X-CARRY"] + [tool_finding("PRIOR-MISSING", rules="X-CARRY")]
        with c.write() as conn:  # what the trial's xltool recorded
            conn.execute("UPDATE versions SET findings = ? WHERE id = ?", (dump_findings(stale), v.id))
        assert status_of(c, s09).state == ACCEPTED  # wrongly, as in the trial
        v, st = assign(c, item.sha256[:12], s09)
        assert st.state == PENDING and "PRIOR-MISSING" not in {x.rule for x in st.findings}
        assert v.assigned_why == "电话核实"  # the reason given first is kept
        with pytest.raises(Exception, match="已确认属于烟台市芝罘区黄务街道办事处"):
            assign(c, item.sha256[:12], s09)


# --------------------------------------------------------------------------- 3: the summary's 报送情况


def test_summary_status_sheet_gives_the_picture_of_campaign_status(samples_collected, tmp_path):
    root = samples_collected
    broken = json.loads(sample("370602-D01").read_text(encoding="utf-8"))
    broken["values"]["t4.review.total"] = 99
    (tmp_path / "办公室第二版.json").write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    with open_campaign(root) as c:
        collect(c, [tmp_path / "办公室第二版.json"])  # D01: version 2 has errors, version 1 counts
        explain(c, resolve_unit(c, "民政局"), "X-CARRY", "上年结转数含已撤回的申请 1 件")
        accept(c, resolve_unit(c, "教育和体育局"), why="已核实：本年清理规范性文件")
        cons, st, path = write_campaign_summary(c, tmp_path / "汇总.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True)["报送情况"]
    head = [r for r in ws.iter_rows(min_row=1, max_row=4, values_only=True)]
    assert head[1][0] == st.header() == "应报 36｜已收 36｜已接受 30｜已锁定 0｜待说明 0｜有错误 6｜未报 0"
    assert head[3][2] == "无"  # nobody is 未报: the units that sent only files with errors did send
    rows = {r[1]: r for r in ws.iter_rows(min_row=7, max_row=42, values_only=True)}
    for code in ("370602-D07", "370602-D10", "370602-D19", "370602-D22", "370602-S03"):
        assert rows[code][4:6] == ("有错误", "否"), code
        assert rows[code][10].startswith("收集状态：已收有错误；【错误 ")
    received = {u.unit.code: u.latest.received_at[:16].replace("T", " ") for u in st.units}
    assert all(rows[code][9] for code in received)  # 接收时间 of every unit
    assert rows["370602-D10"][9] == received["370602-D10"]
    d01 = rows["370602-D01"]
    assert d01[4:6] == ("通过", "是") and d01[8] == "370602-D01_烟台市芝罘区人民政府办公室_2021.json"
    assert "收集状态：已收有错误；汇总采用第1版（最近一个无错误版本）；第2版有错误，未计入：【错误 T4-" in d01[10]
    assert "X-CARRY 已说明：上年结转数含已撤回的申请 1 件" in rows["370602-D06"][10]
    assert (
        "经办人接受第1版（" in rows["370602-D03"][10] and "理由：已核实：本年清理规范性文件" in rows["370602-D03"][10]
    )
    # the cover's numbers are the status table's: nothing counted twice, nothing left out
    assert cons.counts["counted"] == sum(1 for u in st.units if u.effective) == 31
    assert cons.counts["errors"] == 5 and cons.counts["missing"] == 0


# --------------------------------------------------------------------------- 4: reopen


def test_reopen_takes_an_accepted_unit_out_of_accepted_until_it_is_accepted_again(samples_collected, monkeypatch):
    monkeypatch.chdir(samples_collected)
    r = run("reopen", "科学技术局", "--why", "单位称还要核对")  # accepted by the rules, no decision of the clerk
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "已重新打开 烟台市芝罘区科学技术局；状态：已重新打开",
        "  第1版不再算作已接受，需重新接受（xltool campaign accept 370602-D04）或收到新版本；汇总暂仍计入第1版。",
    ]
    doc = json.loads(run("status", "--json").stdout)
    assert doc["header"].endswith("｜已重新打开 1")
    d04 = next(u for u in doc["units"] if u["code"] == "370602-D04")
    assert d04["state"] == "reopened" and d04["reopened"]["why"] == "单位称还要核对"
    assert "已重新打开（单位称还要核对），需重新接受" in d04["problems"]
    assert run("reopen", "科学技术局", "--why", "x").stderr.startswith("错误：烟台市芝罘区科学技术局已经重新打开")
    assert "烟台市芝罘区科学技术局" not in run("lock", "--all").stdout  # not accepted: not locked with the rest
    r = run("accept", "科学技术局")
    assert r.stdout == "已接受 烟台市芝罘区科学技术局 的第1版；状态：已接受\n"
    with open_campaign(samples_collected) as c:
        d04 = resolve_unit(c, "科学技术局")
        assert c.conn.execute("SELECT COUNT(*) FROM reopened").fetchone()[0] == 0
        reopen(c, d04, "再核对")
        assert status_of(c, d04).state == REOPENED
        lines = [x for x in run("log", "科学技术局").stdout.splitlines() if "重新打开" in x]
        assert "撤销接受（第1版），原因：再核对，第1版需重新接受" in lines[-1]


def test_reopening_a_lock_when_a_newer_version_arrived_judges_the_newer_one(samples_collected, tmp_path):
    newer = json.loads(sample("370602-D04").read_text(encoding="utf-8"))
    newer["values"]["t2.fees.amount"] = "1.5"
    (tmp_path / "科技局新版.json").write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")
    from xltool.campaign import lock

    with open_campaign(samples_collected) as c:
        d04 = resolve_unit(c, "科学技术局")
        lock(c, d04)
        collect(c, [tmp_path / "科技局新版.json"])
        assert status_of(c, d04).state == LOCKED
        st = reopen(c, d04, "单位报送了更正版本")
        assert st.state == ACCEPTED and st.effective.seq == 2  # the new version, clean, accepted by the rules
        last = c.conn.execute("SELECT action, detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        assert last[0] == "auto-accept" and json.loads(last[1])["after"] == "reopen"


# --------------------------------------------------------------------------- 5: the roster mid-season


def new_roster(tmp_path: Path) -> Path:
    """D11 renamed (城市管理和综合执法局), D23 removed (merged into it), D25 大数据局 added."""
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    out = []
    for ln in lines:
        if ln.startswith("370602-D11,"):
            ln = "370602-D11,烟台市芝罘区城市管理和综合执法局,部门"
        if ln.startswith("370602-D23,"):
            continue
        out.append(ln)
    out.append("370602-D25,烟台市芝罘区大数据局,部门")
    p = tmp_path / "名单2.csv"
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    return p


def test_the_roster_changes_mid_season(samples_collected, tmp_path, monkeypatch):
    root = samples_collected
    big_data = json.loads(sample("370602-D24").read_text(encoding="utf-8"))
    big_data["unit"] = {"name": "烟台市芝罘区大数据局", "code": "370602-D25"}
    (tmp_path / "大数据局报表.json").write_text(json.dumps(big_data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(root)
    r = run("collect", str(tmp_path / "大数据局报表.json"), "--silent")
    assert r.stdout.startswith("  无法确定单位  大数据局报表.json")
    assert run("init", str(root), "--year", "2021", "--roster", str(ROSTER)).exit_code == 3  # still refused
    # a roster copied over 名单.csv changes nothing, but every command says so
    shutil.copyfile(new_roster(tmp_path), root / "名单.csv")
    r = run("status")
    assert r.stdout.startswith("应报 36｜")
    assert r.stderr.startswith("提示：名单.csv 已被改动，与本次收集使用的名单不同；改动不会自动生效。")
    r = run("roster", "--dry-run")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "名单 名单.csv：36 个单位（当前 36 个）。差异：",
        "  新增  370602-D25  烟台市芝罘区大数据局",
        "  改名  370602-D11  烟台市芝罘区城市管理局 → 烟台市芝罘区城市管理和综合执法局",
        "  移除  370602-D23  烟台市芝罘区综合行政执法局（已收 1 个版本，保留但不再应报、不计入汇总）",
        "（--dry-run：未应用）",
    ]
    assert "名单.csv 已被改动" in run("status").stderr  # a dry run changes nothing
    r = run("roster", "--why", "机构改革")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[-3] == "已应用：新增 1，改名 1，移除 1；名单现有 36 个单位（已记入操作记录）"
    sha_big = sha(tmp_path / "大数据局报表.json")
    assert lines[-2] == (
        f"  无法确定单位的文件 大数据局报表.json 的内容属于新增的 烟台市芝罘区大数据局："
        f"xltool campaign assign {sha_big[:12]} 370602-D25"
    )
    r = run("status")
    assert r.stderr == ""  # the roster in use is the file's now
    assert r.stdout.startswith("应报 36｜已收 35｜") and "未报单位（1）：烟台市芝罘区大数据局" in r.stdout
    assert (
        "已从名单中移除的单位（1）：不再应报，不计入汇总，已收的版本仍保留：烟台市芝罘区综合行政执法局（1 个版本）"
        in r.stdout
    )
    assert "370602-D11  烟台市芝罘区城市管理和综合执法局" in r.stdout
    assert run("status", "综合行政执法局").stderr.startswith(
        "错误：烟台市芝罘区综合行政执法局（370602-D23）已从名单中移除"
    )
    # a removed unit that sends again: recorded, no unit's, and said why
    again = json.loads(sample("370602-D23").read_text(encoding="utf-8"))
    (tmp_path / "综合行政执法局.json").write_text(json.dumps(again, ensure_ascii=False), encoding="utf-8")
    run("collect", str(tmp_path / "综合行政执法局.json"), "--silent")
    assert "烟台市芝罘区综合行政执法局（2 个版本）" in run("status").stdout
    # the clerk takes up the suggestion; the summary counts the roster's units only
    assert run("assign", sha_big[:12], "370602-D25", "--why", "新设单位").exit_code == 0
    doc = json.loads(run("summary", "-o", str(tmp_path / "汇总.xlsx"), "--json").stdout)
    codes = {s["code"] for s in doc["status"]}
    assert "370602-D23" not in codes and "370602-D25" in codes and len(codes) == 36
    log = run("log").stdout.splitlines()
    entry = next(x for x in log if "  更新名单  " in x)
    assert (
        "新增 1：烟台市芝罘区大数据局（370602-D25）" in entry
        and "改名 1：370602-D11 烟台市芝罘区城市管理局 → " in entry
    )
    # listed again, a removed unit comes back with its version
    r = run("roster", str(ROSTER))
    assert "  恢复  370602-D23  烟台市芝罘区综合行政执法局（原已移除，已收的版本仍在）" in r.stdout
    with open_campaign(root) as c:
        assert len(status_of(c, resolve_unit(c, "370602-D23")).versions) == 2
        assert (root / "名单.csv").read_bytes() == ROSTER.read_bytes()


# --------------------------------------------------------------------------- 6, 7: log and the collect line


def test_every_file_received_is_in_the_log_and_pending_files_are_no_versions(camp, tmp_path, monkeypatch):
    inbox = tmp_path / "收件"
    d04 = load_json(sample("370602-D04"))
    good = fill_template(template(camp, "370602-D04"), d04, inbox / "科学技术局.xlsx")
    d04.values["t2.fees.amount"] = 12345  # D04's template again, saved under D08's name: 待确认归属
    stray = fill_template(template(camp, "370602-D04"), d04, inbox / "烟台市芝罘区财政局2021年报.xlsx")
    fill_template(template(camp, "370602-D10"), load_json(sample("370602-D10")), inbox / "住建局.xlsx")
    shutil.copyfile(good, inbox / "科学技术局(1).xlsx")
    monkeypatch.chdir(camp)
    r = run("collect", str(inbox), "--silent")
    assert r.exit_code == 1
    # the pending file is no unit's version: 2 new versions, D10's with errors; the stray one apart
    assert r.stdout.splitlines()[-1] == (
        "本次收集 4 个文件：新增 2 个版本（通过 1｜有警告 0｜有错误 1），重复 1，待确认归属（文件名与内容不符） 1"
    )
    r = run("log")
    lines = r.stdout.splitlines()
    acts = [x.split("  ")[1] for x in lines]
    assert acts[-7] == "开始收集" and acts[-1] == "收集结束"
    assert sorted(acts[-6:-1]) == sorted(["收到", "自动接受", "收到", "重复", "收到"])
    assert acts[acts.index("自动接受") - 1] == "收到"  # D04's clean version, accepted by the rules at once
    assert "开始收集 4 个文件（来自 收件）" in lines[-7]
    dup = next(x for x in lines if "  重复  " in x)
    assert "（与 烟台市芝罘区科学技术局第1版 相同），未登记" in dup and "重复收到 科学技术局" in dup
    pending = next(x for x in lines if "待确认归属" in x and "  收到  " in x)
    assert (
        "收到文件 烟台市芝罘区财政局2021年报.xlsx，待确认归属：内容属于 烟台市芝罘区科学技术局，文件名指向 " in pending
    )
    assert "数据错误 0，警告 0" in pending
    assert "收到后自动接受第1版：无错误、无警告" in lines[acts.index("自动接受")]
    assert "  收集结束：处理 4 个文件，新增 2 个版本，有错误 1，重复 1，待确认归属 1  [" in lines[-1]
    r = run("assign", sha(stray)[:12], "财政局", "--why", "财政局误用科技局模板")
    assert r.exit_code == 0
    entry = run("log", "财政局").stdout.splitlines()  # the file's receipt is on 财政局's page now, and its assignment
    assert "待确认归属：内容属于 烟台市芝罘区科学技术局，文件名指向 烟台市芝罘区财政局" in entry[-2]
    assert "原归属：待确认归属，内容属于 烟台市芝罘区科学技术局" in entry[-1]
    # checked as D08's against D08's last year (D04's figures: X-CARRY), so not accepted by itself
    assert "；按本单位校验：错误 0，警告 2  [" in entry[-1]
    # the same file collected again: its duplicate says what it repeats, not 未识别
    unknown = json.loads(sample("370602-D05").read_text(encoding="utf-8"))
    unknown["unit"] = {"name": ""}
    (tmp_path / "无名.json").write_text(json.dumps(unknown, ensure_ascii=False), encoding="utf-8")
    run("collect", str(tmp_path / "无名.json"), "--silent")
    r = run("collect", str(tmp_path / "无名.json"), "--silent")
    assert r.stdout.splitlines()[0] == (
        f"  重复，未登记  无名.json（与 无法确定单位的文件 {sha(tmp_path / '无名.json')[:12]} 相同）"
    )
    # one format of time in the per-unit status: 2026-11-27 10:02, as in the table
    detail = run("status", "财政局").stdout
    assert "T" not in "".join(x.split("  ")[2] for x in detail.splitlines() if x.startswith("  第"))
    assert "+" not in detail.splitlines()[1]


def stored(root: Path) -> list[Path]:
    return [p for p in (root / "store").iterdir() if p.is_file() and not p.name.startswith(".")]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a subprocess is POSIX")
def test_an_interrupted_collect_says_how_far_it_got_and_a_rerun_continues(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for src in sorted(DATA.glob("*.json")):  # 72 files: each sample and a second copy with other bytes
        (inbox / src.name).write_bytes(src.read_bytes())
        (inbox / f"{src.stem}_重发.json").write_bytes(src.read_bytes() + b"\n")
    root = tmp_path / "c"
    init_campaign(root, year=2021, roster=ROSTER, prior=PRIOR)[0].close()
    env = dict(os.environ, PYTHONPATH=str(ROOT), XLTOOL_LANG="zh")
    cmd = [sys.executable, "-m", "xltool", "campaign", "collect", str(inbox), "--campaign", str(root), "--silent"]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(stored(root)) < 5 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    if p.returncode == 0:  # pragma: no cover - the machine finished all 72 before the signal landed
        pytest.skip("collect finished before it could be interrupted")
    assert p.returncode == 1
    text = err.decode()
    assert (
        "已中断：本次已处理并登记 " in text and "再次运行同一命令即可继续：已登记的文件会被识别，不会重复登记。" in text
    )
    done = len(out.decode().splitlines())
    assert f"已处理并登记 {done} 个文件" in text and f"还有 {72 - done} 个文件未处理" in text
    with open_campaign(root) as c:
        ends = [json.loads(r[0]) for r in c.conn.execute("SELECT detail FROM audit WHERE action = 'collect-end'")]
        assert ends == [ends[0]] and ends[0]["interrupted"] and ends[0]["remaining"] == 72 - done
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert p.stdout.decode().splitlines()[-1].startswith(f"本次收集 72 个文件：新增 {72 - done} 个版本")
    log = subprocess.run([*cmd[:4], "log", "--campaign", str(root)], env=env, capture_output=True).stdout.decode()
    assert f"收集中断：处理 {done} 个文件" in log and f"未处理 {72 - done}（再次运行即可继续）" in log


# --------------------------------------------------------------------------- 9: garbled file names


def test_garbled_file_names_are_shown_and_matched_repaired(samples_collected, tmp_path, monkeypatch):
    from xltool.filenames import display_name, repaired_name

    assert repaired_name("²ÆÕþ¾Ö2021Äê±¨.xlsx") == "财政局2021年报.xlsx"
    assert repaired_name("±¨±í_D12.xlsx") == "报表_D12.xlsx"
    assert repaired_name(garble("财政局2021年报（第二版）.xlsx")) == "财政局2021年报（第二版）.xlsx"
    assert repaired_name("财政局2021年报.xlsx".encode("gbk").decode("cp437")) == "财政局2021年报.xlsx"  # a zip
    assert repaired_name("è´¢æ”¿å±€.xlsx") == "财政局.xlsx"  # UTF-8 read as Windows-1252
    for keep in ("Müller.xlsx", "café.xlsx", "Résumé_final.xlsx", "Ã¼ber.xlsx", "report.xlsx", "财政局.xlsx"):
        assert repaired_name(keep) is None and display_name(keep) == keep, keep
    # a return with no unit in it, sent under a garbled name: identified by the repaired name
    doc = json.loads(sample("370602-D08").read_text(encoding="utf-8"))
    doc["unit"] = {"name": ""}
    doc["values"]["t2.fees.amount"] = 7
    name = garble("财政局2021年报.json")
    (tmp_path / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(samples_collected)
    r = run("collect", str(tmp_path / name), "--silent")
    assert r.stdout.splitlines()[0] == (
        f"  第2版  烟台市芝罘区财政局（按文件名认定）  财政局2021年报.json（原文件名：{name}）  错误 0，警告 0"
    )
    with open_campaign(samples_collected) as c:
        row = c.conn.execute(
            "SELECT file_name, stored FROM versions WHERE unit_code = '370602-D08' AND seq = 2"
        ).fetchone()
        assert row[0] == name  # the real name is kept; the store names the file by its hash
        assert Path(row[1]).name == f"{sha(tmp_path / name)}.json"
    detail = run("status", "财政局").stdout
    assert f"财政局2021年报.json（原文件名：{name}）" in detail
    assert (
        run("log", "财政局")
        .stdout.splitlines()[-2]
        .split("  ")[3]
        .startswith("收到第2版 财政局2021年报.json（原文件名")
    )
    # the clerk types the name as it should read
    r = run("assign", "财政局2021年报.json", "财政局", "--why", "核对")
    assert r.exit_code == 0 and r.stdout.startswith(
        f"已将 财政局2021年报.json（原文件名：{name}） 指定为 烟台市芝罘区财政局 的第2版"
    )


def test_an_older_campaign_gets_its_assignments_reasons_from_the_log(samples_collected, tmp_path):
    """Migration 3 on a campaign of schema 2 (the trial's): each assigned version's time and reason come from
    its assign entry in the audit trail; nothing else changes."""
    import sqlite3

    from xltool.campaign import SCHEMA_VERSION

    doc = json.loads(sample("370602-D05").read_text(encoding="utf-8"))
    doc["unit"] = {"name": ""}
    (tmp_path / "无名.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with open_campaign(samples_collected) as c:
        (item,) = collect(c, [tmp_path / "无名.json"]).items
        assign(c, item.sha256[:12], resolve_unit(c, "工业和信息化局"), why="邮件发件人为工信局")
        before = campaign_status(c).to_dict()
    con = sqlite3.connect(samples_collected / "campaign.db")  # back to schema 2, as the trial's xltool left it
    for stmt in (
        "DROP TABLE reopened",
        "ALTER TABLE units DROP COLUMN removed_at",
        "ALTER TABLE versions DROP COLUMN assigned_at",
        "ALTER TABLE versions DROP COLUMN assigned_why",
        "DELETE FROM schema_version WHERE version = 3",
    ):
        con.execute(stmt)
    con.commit()
    con.close()
    with open_campaign(samples_collected) as c:
        assert c.migrated == [SCHEMA_VERSION]
        v = status_of(c, resolve_unit(c, "工业和信息化局")).latest
        assert v.assigned_why == "邮件发件人为工信局" and v.assigned_at
        after = campaign_status(c).to_dict()
    assert [u["state"] for u in after["units"]] == [u["state"] for u in before["units"]]
    assert (samples_collected / "campaign.db.v2.bak").is_file()
