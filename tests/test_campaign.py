"""`xltool campaign`: a year's collection from init to summary, on the sample district (36 units).

The samples (samples/README.md) carry one deliberate error per rule: D07, D10, D19, D22 and S03 have errors,
D03 (X-IN-FORCE) and D06 (X-CARRY) only warnings with last year's data; every other unit is clean.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.campaign import (
    ACCEPTED,
    ERRORS,
    ISSUED,
    LOCKED,
    NOT_ISSUED,
    PENDING,
    CampaignError,
    WrongRule,
    accept,
    assign,
    campaign_status,
    collect,
    explain,
    filename_unit,
    init_campaign,
    issue_templates,
    lock,
    open_campaign,
    reopen,
    resolve_unit,
    status_of,
    write_campaign_summary,
)
from xltool.cli import cli
from xltool.interchange import load_json
from xltool.roster import Roster, Unit, load_roster

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "roster.csv"
DATA = SAMPLES / "data"
PRIOR = SAMPLES / "prior"
ERROR_UNITS = {"370602-D07", "370602-D10", "370602-D19", "370602-D22", "370602-S03"}
WARNING_UNITS = {"370602-D03", "370602-D06"}


def sample(code: str) -> Path:
    return next(DATA.glob(f"{code}_*.json"))


def run(*args: str, cwd: Path | None = None):
    """The CLI in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(cli, ["campaign", *args], catch_exceptions=False)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite(src: Path, dst: Path, **changes) -> Path:
    """A copy of an interchange file with values changed (a unit's corrected or altered return)."""
    doc = json.loads(src.read_text(encoding="utf-8"))
    for k, v in changes.items():
        doc["values"][k.replace("__", ".")] = v
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return dst


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A campaign with last year's data and every sample collected once (built once, copied per test)."""
    root = tmp_path_factory.mktemp("built") / "2021收集"
    c, notes = init_campaign(root, year=2021, roster=ROSTER, prior=PRIOR)
    assert notes == []
    with c:
        run_ = collect(c, [DATA])
        assert run_.count()["new"] == 36
    return root


@pytest.fixture()
def camp(built, tmp_path) -> Path:
    dst = tmp_path / "camp"
    shutil.copytree(built, dst)
    return dst


# --------------------------------------------------------------------------- init


def test_init_creates_folder_database_and_records_roster_and_prior(built):
    for sub in ("outbox", "store", "feedback"):
        assert (built / sub).is_dir()
    assert (built / "名单.csv").read_bytes() == ROSTER.read_bytes()
    con = sqlite3.connect(built / "campaign.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT COUNT(*) FROM units").fetchone()[0] == 36
    # every unit's 2020 figures, matched to this roster
    assert con.execute("SELECT COUNT(*) FROM prior_reports WHERE unit_code IS NOT NULL").fetchone()[0] == 36
    assert con.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()[0] == "烟台市芝罘区"


def test_init_refuses_an_existing_campaign(built):
    r = run("init", str(built), "--year", "2021", "--roster", str(ROSTER))
    assert r.exit_code == 3
    assert "已经是一个收集文件夹" in r.stderr


# --------------------------------------------------------------------------- collect and status


def test_status_after_collecting_the_samples(built):
    with open_campaign(built) as c:
        st = campaign_status(c)
    assert st.header() == "应报 36｜已收 36｜已接受 29｜已锁定 0｜待说明 2｜有错误 5｜未报 0"
    by_state = {s: {u.unit.code for u in st.units if u.state == s} for s in (ERRORS, PENDING)}
    assert by_state[ERRORS] == ERROR_UNITS
    assert by_state[PENDING] == WARNING_UNITS
    d10 = next(u for u in st.units if u.unit.code == "370602-D10")
    assert d10.problems()[0].startswith("【错误 T3-BALANCE】")
    assert d10.effective is None  # nothing of D10 can be counted yet


def test_stored_files_are_named_by_their_hash_and_originals_untouched(built):
    with open_campaign(built) as c:
        rows = c.conn.execute("SELECT sha256, stored, source_path FROM versions").fetchall()
    assert len(rows) == 36
    for digest, stored, source in rows:
        assert sha(built / stored) == digest
        assert Path(stored).name == f"{digest}.json"
        assert (built / stored).stat().st_mode & 0o222 == 0  # stored read-only
        assert sha(Path(source)) == digest  # the original is where it was, unchanged


def test_same_file_twice_adds_nothing_but_is_in_the_log(camp):
    """A file collected again adds no version, but every file received is in the audit trail, as 重复."""
    with open_campaign(camp) as c:
        audit_before = c.conn.execute("SELECT MAX(id) FROM audit").fetchone()[0]
        r = collect(c, [DATA, sample("370602-D01")])
        assert (r.count()["new"], r.count()["duplicates"]) == (0, 37)
        assert c.conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 36
        added = c.conn.execute("SELECT action, detail FROM audit WHERE id > ? ORDER BY id", (audit_before,)).fetchall()
    assert [a for a, _ in added] == ["collect-start", *["duplicate"] * 37, "collect-end"]
    start, end = json.loads(added[0][1]), json.loads(added[-1][1])
    assert start["files"] == 37 and end["duplicates"] == 37 and end["run"] == audit_before + 1
    d01 = [json.loads(d) for a, d in added if a == "duplicate" and "370602-D01" in json.loads(d)["file"]]
    assert len(d01) == 2 and all((x["same_as_unit"], x["same_as_version"]) == ("370602-D01", 1) for x in d01)
    assert "新增 0 个版本" in r.summary_line() and "重复 37" in r.summary_line()


def test_cli_collect_prints_a_line_per_file_and_a_summary_line(camp, tmp_path, monkeypatch):
    fixed = rewrite(sample("370602-D10"), tmp_path / "住建局更正.json")
    doc = json.loads(fixed.read_text(encoding="utf-8"))
    doc["values"]["t3.new_received.natural_person"] -= 1
    doc["values"]["t3.new_received.total"] -= 1
    fixed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(camp / "feedback")  # found by walking up
    r = run("collect", str(fixed), str(sample("370602-D01")), "--silent")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "  第2版  烟台市芝罘区住房和城乡建设局  住建局更正.json  错误 0，警告 0"
    assert lines[1].startswith("  重复，未登记  370602-D01_")
    assert lines[-1] == "本次收集 2 个文件：新增 1 个版本（通过 1｜有警告 0｜有错误 0），重复 1"
    with open_campaign(camp) as c:
        st = status_of(c, resolve_unit(c, "370602-D10"))
    assert st.state == ACCEPTED and st.effective.seq == 2 and len(st.versions) == 2


def test_feedback_written_for_versions_with_findings(built):
    folder = built / "feedback" / "370602-D10_烟台市芝罘区住房和城乡建设局"
    txt = folder / "第1版_370602-D10_烟台市芝罘区住房和城乡建设局_2021_反馈意见.txt"
    text = txt.read_text(encoding="utf-8")
    assert "【错误 T3-BALANCE】" in text and "共 2 个错误" in text
    book = folder / "第1版_370602-D10_烟台市芝罘区住房和城乡建设局_2021_校验结果.xlsx"
    from openpyxl import load_workbook

    assert "校验结果" in load_workbook(book).sheetnames
    # a clean unit gets no feedback folder
    assert not (built / "feedback" / "370602-D01_烟台市芝罘区人民政府办公室").exists()


def test_status_json_and_text(built, monkeypatch):
    monkeypatch.chdir(built)
    r = run("status", "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["header"].startswith("应报 36｜已收 36｜")
    assert doc["counts"]["errors"] == 5 and doc["missing"] == []
    d06 = next(u for u in doc["units"] if u["code"] == "370602-D06")
    assert d06["state"] == "needs-explanation"
    assert d06["versions"] == 1 and d06["latest_received"] and d06["effective_version"] == 1
    assert d06["problems"][0].startswith("【警告 X-CARRY】")
    text = run("status").stdout
    assert text.splitlines()[0] == doc["header"]
    assert "已收有错误" in text and "所有单位均已报送。" in text


def test_status_lists_missing_units_and_reminder_names_them(tmp_path):
    c, _ = init_campaign(tmp_path / "c", year=2021, roster=ROSTER)
    with c:
        collect(c, [sample("370602-D01"), sample("370602-D10")])
        st = campaign_status(c)
    assert st.header() == "应报 36｜已收 2｜已接受 1｜已锁定 0｜待说明 0｜有错误 1｜未报 34"
    assert len(st.missing()) == 34 and all(u.state == NOT_ISSUED for u in st.missing())
    text = st.reminder(deadline="1月20日")
    assert "一、以下 34 家单位尚未报送，请于1月20日前报送：" in text
    assert "烟台市芝罘区科学技术局" in text
    assert "二、以下 1 家单位报送的数据未通过校验" in text
    assert "1. 烟台市芝罘区住房和城乡建设局：表三 “自然人”列：收到与办结不平衡，差 1 件（共 2 处错误）" in text
    assert text.splitlines()[-2] == "烟台市芝罘区政务公开办"


# --------------------------------------------------------------------------- identification


def test_filename_match_is_confident_or_nothing():
    ros = load_roster(ROSTER)
    assert filename_unit("科学技术局.xlsx", ros).code == "370602-D04"  # the name without 烟台市芝罘区
    assert filename_unit("370602-D04.xlsx", ros).code == "370602-D04"
    assert filename_unit("烟台市芝罘区民政局2021年报.xlsx", ros).code == "370602-D06"
    # 科技局.xlsx (an abbreviation): what it names is the roster's matching, tested with it (tests/test_unit_names.py)
    assert filename_unit("民政局与财政局.xlsx", ros) is None  # two units
    assert filename_unit("报表.xlsx", ros) is None


def test_filename_match_asks_the_file_name_not_the_roster(monkeypatch):
    """A file name is looked up in an index built once: consolidating 1,000 files against a 1,000-unit roster
    once normalized 3 million names (minutes at 10,000). Same answers as scanning every unit."""
    import xltool.roster as roster_mod

    units = tuple(
        Unit(f"B{i:05d}", f"某某市某某区第{i}号{kind}") for i, kind in enumerate(["委员会", "局", "街道办事处"] * 700)
    )
    ros = Roster(units)
    assert ros.district_prefix == "某某市某某区"
    calls = []
    real = roster_mod.normalize_name
    monkeypatch.setattr(roster_mod, "normalize_name", lambda s: calls.append(s) or real(s))
    assert filename_unit("B00017_某某市某某区第17号街道办事处_2021.xlsx", ros).code == "B00017"
    built = len(calls)
    assert built >= 2 * len(units)  # the index: every unit's code and name, once
    for i in range(0, 2100, 7):
        assert filename_unit(f"{units[i].code}_{units[i].name}_2021.xlsx", ros) is units[i]
        assert filename_unit(f"第{i}号.xlsx", ros) is None  # part of many names: nobody's
    assert filename_unit("第3号委员会与第4号局.xlsx", ros) is None  # two units
    assert filename_unit("第1234号局.xlsx", ros).code == "B01234"  # the name without 某某市某某区
    assert len(calls) - built <= 2 * 305  # afterwards one normalization per file name, not one per unit


def test_file_of_unit_a_named_for_unit_b_awaits_assignment_and_changes_no_unit(camp, tmp_path):
    """The A-named-as-B rule: D04's data in a file named for D08 is nobody's version until the clerk says."""
    a_as_b = rewrite(sample("370602-D04"), tmp_path / "370602-D08_烟台市芝罘区财政局_2021.json", t2__fees__amount=1)
    with open_campaign(camp) as c:
        before = status_of(c, resolve_unit(c, "370602-D04"))
        r = collect(c, [a_as_b])
        item = r.items[0]
        assert item.unit.code == "370602-D04" and item.named.code == "370602-D08"
        assert item.awaits_assignment and item.seq is None
        assert "CAMP-NAME-MISMATCH" in {f.rule for f in item.findings}
        d04 = status_of(c, resolve_unit(c, "370602-D04"))
        d08 = status_of(c, resolve_unit(c, "财政局"))
        # neither unit changed: same state, same versions, same counted version
        assert d04.state == before.state == ACCEPTED
        assert [v.id for v in d04.versions] == [v.id for v in before.versions] and d04.effective.seq == 1
        assert len(d08.versions) == 1
        assert "待确认归属（文件名与内容不符） 1" in r.summary_line()
        st = campaign_status(c)
        assert [p.version.sha256 for p in st.pending] == [item.sha256]
        assert [cmd for _, cmd in st.pending[0].commands()] == [
            f"xltool campaign assign {item.sha256[:12]} 370602-D04",
            f"xltool campaign assign {item.sha256[:12]} 370602-D08",
        ]
        assert st.header().endswith("｜待确认归属 1")
        assert (camp / "feedback" / "_待确认归属").is_dir()
        # the clerk checks with the sender and confirms: the flag becomes a 提示 and the file is version 2
        v, st = assign(c, str(a_as_b), resolve_unit(c, "370602-D04"), why="电话核实")
        assert v.identified_by == "clerk" and v.seq == 2 and st.state == ACCEPTED and st.effective.seq == 2
        flag = next(f for f in st.findings if f.rule == "CAMP-NAME-MISMATCH")
        assert flag.severity == "info"
        assert campaign_status(c).pending == []
        actions = [r[0] for r in c.conn.execute("SELECT action FROM audit WHERE unit_code = '370602-D04'")]
        assert actions[-2:] == ["assign", "auto-accept"]  # clean as D04's: accepted by the rules, and logged


def test_a_file_awaiting_assignment_can_be_given_to_the_unit_its_name_points_at(camp, tmp_path):
    a_as_b = rewrite(sample("370602-D04"), tmp_path / "烟台市芝罘区财政局.json", t2__fees__amount=2)
    with open_campaign(camp) as c:
        (item,) = collect(c, [a_as_b]).items
        d08 = resolve_unit(c, "财政局")
        v, st = assign(c, item.sha256[:12], d08, why="财政局误用了科技局的模板，数据为财政局的")
        assert v.unit_code == "370602-D08" and v.seq == 2 and st.latest.id == v.id
        assert len(status_of(c, resolve_unit(c, "科学技术局")).versions) == 1
        assert campaign_status(c).pending == []


def test_unreadable_file_is_identified_by_a_confident_name_only(camp, tmp_path):
    named = tmp_path / "烟台市芝罘区商务局.xlsx"
    named.write_text("这不是工作簿", encoding="utf-8")
    vague = tmp_path / "商务.xlsx"
    vague.write_text("也不是工作簿", encoding="utf-8")
    with open_campaign(camp) as c:
        r = collect(c, [named, vague])
        first, second = r.items
        assert first.unit.code == "370602-D13" and first.identified_by == "filename"
        assert "CAMP-BY-FILENAME" in {f.rule for f in first.findings}
        assert second.unit is None and "CAMP-UNIDENTIFIED" in {f.rule for f in second.findings}
        st = campaign_status(c)
        assert [v.file_name for v in st.unidentified] == ["商务.xlsx"]
        assert st.header().endswith("｜未识别文件 1")
        assert (camp / "feedback" / "_未识别").is_dir()
        # the clerk assigns it; it is still unreadable, so the unit shows the error
        v, s = assign(c, second.sha256[:10], resolve_unit(c, "商务局"))
        assert v.unit_code == "370602-D13" and v.seq == 3 and s.state == ERRORS
        assert campaign_status(c).unidentified == []


# --------------------------------------------------------------------------- 说明, accept, lock, reopen


def test_explained_warnings_make_a_unit_accepted(camp):
    with open_campaign(camp) as c:
        d06 = resolve_unit(c, "民政局")
        st = explain(c, d06, "x-carry", "上年结转数含已撤回的申请 1 件")
        assert st.state == ACCEPTED
        assert all(f.explanation == "上年结转数含已撤回的申请 1 件" for f in st.findings if f.rule == "X-CARRY")
        with pytest.raises(CampaignError, match="T4-TOTAL 是错误，不能用说明代替"):
            explain(c, resolve_unit(c, "司法局"), "T4-TOTAL", "就是这样")


def test_explain_refuses_a_rule_the_unit_has_no_warning_for(camp):
    with open_campaign(camp) as c:
        d06 = resolve_unit(c, "民政局")
        with pytest.raises(WrongRule) as e:
            explain(c, d06, "X-IN-FORCE", "预先说明")
        assert str(e.value) == (
            "烟台市芝罘区民政局的第1版没有 X-IN-FORCE 警告，无需说明。烟台市芝罘区民政局目前可填写说明的警告："
            f"X-CARRY（{status_of(c, d06).unexplained[0].title['zh']}）"
        )
        with pytest.raises(WrongRule, match="^没有规则“NO-SUCH-RULE”。烟台市芝罘区民政局目前可填写说明的警告：X-CARRY"):
            explain(c, d06, "NO-SUCH-RULE", "x")
        with pytest.raises(WrongRule, match="没有 X-CARRY 警告，无需说明。烟台市芝罘区科学技术局目前没有任何警告"):
            explain(c, resolve_unit(c, "科学技术局"), "X-CARRY", "预先说明")
        assert c.conn.execute("SELECT COUNT(*) FROM explanations").fetchone()[0] == 0  # nothing recorded


def test_accept_needs_no_errors_and_explained_warnings_or_a_reason(camp):
    with open_campaign(camp) as c:
        d03 = resolve_unit(c, "教育和体育局")
        with pytest.raises(CampaignError, match="个警告没有说明（X-IN-FORCE）"):
            accept(c, d03)
        st = accept(c, d03, why="已核实：本年清理规范性文件")
        assert st.state == ACCEPTED and st.decision.note == "已核实：本年清理规范性文件"
        with pytest.raises(CampaignError, match="错误不能接受"):
            accept(c, resolve_unit(c, "司法局"), why="无论如何")


def test_lock_keeps_the_locked_version_and_reopen_releases_it(camp, tmp_path):
    with open_campaign(camp) as c:
        d04 = resolve_unit(c, "370602-D04")
        st = lock(c, d04)
        assert st.state == LOCKED and st.effective.seq == 1
        with pytest.raises(CampaignError, match="已锁定"):
            lock(c, d04)
        newer = rewrite(sample("370602-D04"), tmp_path / "科技局新版.json", t2__fees__amount="1.5")
        r = collect(c, [newer])
        assert "CAMP-LOCKED" in {f.rule for f in r.items[0].findings}
        st = status_of(c, d04)
        assert st.state == LOCKED and st.effective.seq == 1 and st.latest.seq == 2
        with pytest.raises(CampaignError, match="必须写明原因"):
            reopen(c, d04, "")
        st = reopen(c, d04, "单位报送了更正版本")
        assert st.state == ACCEPTED and st.effective.seq == 2
        log = c.conn.execute("SELECT action, detail FROM audit WHERE unit_code = ? ORDER BY id", (d04.code,)).fetchall()
        assert [a for a, _ in log] == ["collect", "auto-accept", "lock", "collect", "reopen", "auto-accept"]
        assert json.loads(log[-2][1])["why"] == "单位报送了更正版本"


def test_lock_an_earlier_version_when_the_latest_has_errors(camp, tmp_path):
    broken = rewrite(sample("370602-D01"), tmp_path / "办公室第二版.json", t4__review__total=99)
    with open_campaign(camp) as c:
        d01 = resolve_unit(c, "人民政府办公室")
        collect(c, [broken])
        st = status_of(c, d01)
        assert st.state == ERRORS and st.effective.seq == 1  # the latest without errors counts
        assert "汇总采用第1版（最近一个无错误版本）" in st.problems()
        with pytest.raises(CampaignError, match="有错误，不能锁定"):
            lock(c, d01)
        with pytest.raises(CampaignError, match="没有第 5 版"):
            lock(c, d01, version=5)
        st = lock(c, d01, version=1, why="第2版有误，按第1版汇总")
        assert st.state == LOCKED and st.effective.seq == 1


def test_cli_decisions_and_log(camp, monkeypatch):
    monkeypatch.chdir(camp)
    r = run("explain", "民政局", "X-CARRY", "上年结转数含已撤回的申请", "1", "件")
    assert r.exit_code == 0 and "状态：已接受" in r.stdout
    r = run("accept", "司法局")
    assert r.exit_code == 3 and "错误不能接受" in r.stderr
    r = run("lock", "--all")
    assert r.exit_code == 0 and r.stdout.strip().endswith("共锁定 30 个单位")
    r = run("reopen", "370602-D06", "--why", "单位来电更正")
    assert r.exit_code == 0
    r = run("log", "民政局")
    lines = r.stdout.strip().splitlines()
    assert [ln.split("  ")[1] for ln in lines] == ["收到", "说明", "自动接受", "锁定", "重新打开"]
    assert "说明后自动接受第1版：警告均已说明（X-CARRY）" in lines[2]
    assert all(ln.endswith("]") and "xltool " in ln for ln in lines)
    assert "原因：单位来电更正，第1版需重新接受" in lines[-1]
    doc = json.loads(run("log", "--json").stdout)
    assert doc[0]["action"] == "init" and doc[0]["tool_version"]


def test_cli_explain_takes_only_a_rule_the_unit_has_a_warning_for(camp, monkeypatch):
    monkeypatch.chdir(camp)
    r = run("explain", "民政局", "X-IN-FORCE", "预先说明")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("错误：烟台市芝罘区民政局的第1版没有 X-IN-FORCE 警告，无需说明。")
    assert "目前可填写说明的警告：X-CARRY（" in r.stderr
    r = run("explain", "科学技术局", "X-CARRY", "预先说明")
    assert r.exit_code == 2 and "烟台市芝罘区科学技术局目前没有任何警告，无需填写说明" in r.stderr
    r = run("explain", "民政局", "NO-SUCH-RULE", "x")
    assert r.exit_code == 2 and r.stderr.startswith("错误：没有规则“NO-SUCH-RULE”。")
    r = run("explain", "司法局", "T4-TOTAL", "就是这样")
    assert r.exit_code == 3 and "T4-TOTAL 是错误，不能用说明代替" in r.stderr
    with open_campaign(camp) as c:
        assert c.conn.execute("SELECT COUNT(*) FROM explanations").fetchone()[0] == 0
    r = run("explain", "民政局", "x-carry", "上年结转数含已撤回的申请")
    assert r.exit_code == 0 and r.stdout == "已记录 烟台市芝罘区民政局 的 X-CARRY 说明；状态：已接受\n"


def test_unit_argument_accepts_code_full_name_or_unique_part(built):
    with open_campaign(built) as c:
        assert resolve_unit(c, "370602-d04").name == "烟台市芝罘区科学技术局"
        assert resolve_unit(c, "烟台市芝罘区科学技术局").code == "370602-D04"
        assert resolve_unit(c, "科学技术").code == "370602-D04"
        with pytest.raises(CampaignError, match="可指多个单位"):
            resolve_unit(c, "街道")
        with pytest.raises(CampaignError, match="名单中没有单位"):
            resolve_unit(c, "不存在局")


def test_commands_outside_a_campaign_say_how_to_find_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("status")
    assert r.exit_code == 3
    assert "不在任何收集文件夹中" in r.stderr and "--campaign" in r.stderr


# --------------------------------------------------------------------------- summary


def test_summary_counts_the_effective_versions(camp, tmp_path):
    broken = rewrite(sample("370602-D01"), tmp_path / "办公室第二版.json", t4__review__total=99)
    with open_campaign(camp) as c:
        collect(c, [broken])  # D01's latest has errors: its version 1 counts
        lock(c, resolve_unit(c, "科学技术局"))
        cons, st, path = write_campaign_summary(c, tmp_path / "汇总.xlsx")
        assert path.is_file() and cons.ok
        counted = {u.unit.code for u in st.units if u.effective}
        assert counted == {u.code for u in c.roster.units} - ERROR_UNITS
        # the district totals are the sum of exactly the effective versions' files (read independently)
        for key in ("t3.new_received.total", "t3.carried_forward.natural_person", "t2.fees.amount"):
            expected = sum((Decimal(str(load_json(sample(code)).values.get(key) or 0)) for code in counted), Decimal(0))
            assert Decimal(str(cons.evaluated.values[key])) == expected, key
        last = c.conn.execute("SELECT action, detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        assert last[0] == "summary"
        assert json.loads(last[1])["counted"]["370602-D01"]["version"] == 1


def test_cli_summary(camp, tmp_path, monkeypatch):
    monkeypatch.chdir(camp)
    r = run("summary", "-o", str(tmp_path / "汇总.xlsx"))
    assert r.exit_code == 0, r.output
    assert "汇总计入 31 个单位" in r.stdout


# --------------------------------------------------------------------------- templates and prior campaign


def test_templates_issue_then_track_and_prefill(tmp_path):
    c, _ = init_campaign(tmp_path / "c", year=2021, roster=ROSTER, prior=PRIOR)
    with c:
        issued = issue_templates(c)
        assert len(issued) == 36 and all(i.template_id for i in issued)
        rows = c.conn.execute("SELECT COUNT(DISTINCT template_id) FROM issued").fetchone()[0]
        assert rows == 36
        st = campaign_status(c)
        assert {u.state for u in st.units} == {ISSUED}
        assert st.header() == "应报 36｜已收 0｜已接受 0｜已锁定 0｜待说明 0｜有错误 0｜未报 36"
        # a template sent back unfilled is caught; a filled one is identified by its metadata
        from xltool.fill import fill_template

        blank = next(i.path for i in issued if i.unit_code == "370602-S01")
        filled = fill_template(
            next(i.path for i in issued if i.unit_code == "370602-D04"),
            load_json(sample("370602-D04")),
            tmp_path / "回收" / "科技局.xlsx",
        )
        r = collect(c, [blank, filled])
        by = {i.unit.code: i for i in r.items}
        assert "CAMP-UNFILLED" in {f.rule for f in by["370602-S01"].findings}
        assert by["370602-D04"].identified_by == "metadata"
        assert status_of(c, resolve_unit(c, "科学技术局")).state == ACCEPTED


def test_cli_a_template_of_unit_b_named_for_unit_a_waits_for_the_clerk(tmp_path, monkeypatch):
    """Real templates through the real CLI: D04's template filled and saved under D08's name must not touch D04."""
    from xltool.fill import fill_template

    monkeypatch.chdir(tmp_path)
    assert run("init", "c", "--year", "2021", "--roster", str(ROSTER), "--prior", str(PRIOR)).exit_code == 0
    monkeypatch.chdir(tmp_path / "c")
    assert run("templates", "--silent").exit_code == 0
    template = next((tmp_path / "c" / "outbox").glob("370602-D04_*.xlsx"))
    data = load_json(sample("370602-D04"))
    good = fill_template(template, data, tmp_path / "收到" / "科技局.xlsx")
    r = run("collect", str(good), "--silent")
    assert r.exit_code == 0 and r.stdout.startswith("  第1版  烟台市芝罘区科学技术局  科技局.xlsx  错误 0，警告 0")
    assert run("accept", "科学技术局").exit_code == 0
    data.values["t2.fees.amount"] = 12345  # another return on D04's template, saved under D08's name
    stray = fill_template(template, data, tmp_path / "收到" / "烟台市芝罘区财政局2021年报.xlsx")
    r = run("collect", str(stray), "--silent")
    assert r.exit_code == 1
    assert r.stdout.splitlines()[0] == (
        "  待确认归属  烟台市芝罘区财政局2021年报.xlsx  "
        "内容属于 烟台市芝罘区科学技术局，文件名指向 烟台市芝罘区财政局  "
        f"{sha(stray)[:12]}（未计入任何单位，见 xltool campaign status）"
    )
    # D04 is as it was: accepted, one version, the first file counted
    doc = json.loads(run("status", "--json").stdout)
    assert doc["header"] == "应报 36｜已收 1｜已接受 1｜已锁定 0｜待说明 0｜有错误 0｜未报 35｜待确认归属 1"
    d04 = next(u for u in doc["units"] if u["code"] == "370602-D04")
    assert (d04["state"], d04["versions"], d04["effective_sha256"]) == ("accepted", 1, sha(good))
    assert d04["decision"]["state"] == "accepted"
    (pending,) = doc["pending_assignment"]
    assert pending["sha256"] == sha(stray)
    assert (pending["content_unit"]["code"], pending["named_unit"]["code"]) == ("370602-D04", "370602-D08")
    # the status text lists it apart, with the exact command for each answer
    text = run("status").stdout
    section = text[text.index("待确认归属的文件（1）") :].splitlines()
    assert section[1].split("  ")[1:3] == [sha(stray)[:12], "烟台市芝罘区财政局2021年报.xlsx"]
    assert section[1].endswith("内容属于 烟台市芝罘区科学技术局，文件名指向 烟台市芝罘区财政局")
    assert section[2] == f"    属于烟台市芝罘区科学技术局：xltool campaign assign {sha(stray)[:12]} 370602-D04"
    assert section[3] == f"    属于烟台市芝罘区财政局：xltool campaign assign {sha(stray)[:12]} 370602-D08"
    assert "待确认归属的文件（1）" in run("status", "财政局").stdout  # on both units' pages
    assert json.loads(run("status", "科学技术局", "--json").stdout)["pending_assignment"][0]["sha256"] == sha(stray)
    r = run("collect", str(stray), "--silent")  # the same file again adds nothing
    assert r.stdout.splitlines()[0] == (
        f"  重复，未登记  烟台市芝罘区财政局2021年报.xlsx（与 待确认归属的文件 {sha(stray)[:12]} 相同）"
    )
    assert "待确认归属的文件（1）" in run("status", "科学技术局").stdout
    # the summary counts D04's first file (fee 0), not the stray one (fee 12345)
    r = run("summary", "-o", str(tmp_path / "汇总.xlsx"), "--json")
    assert r.exit_code == 0, r.output
    assert Decimal(str(json.loads(r.stdout)["totals"]["t2.fees.amount"])) == Decimal(
        str(load_json(sample("370602-D04")).values["t2.fees.amount"])
    )
    # the clerk runs the printed command: the file becomes D04's version 2 and counts
    r = run(*section[2].split("：", 1)[1].split()[2:])
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        "已将 烟台市芝罘区财政局2021年报.xlsx 指定为 烟台市芝罘区科学技术局 的第2版；状态：已接受\n"
        "  已按烟台市芝罘区科学技术局重新校验（含与其上年数据的比较）：错误 0，警告 0\n"
    )
    doc = json.loads(run("status", "--json").stdout)
    d04 = next(u for u in doc["units"] if u["code"] == "370602-D04")
    assert (d04["versions"], d04["effective_sha256"]) == (2, sha(stray))
    assert doc["pending_assignment"] == [] and "待确认归属" not in doc["header"]


def test_init_with_last_years_campaign_as_prior(built, tmp_path):
    c, _ = init_campaign(tmp_path / "2022", year=2022, roster=ROSTER, prior=built)
    with c:
        n = c.conn.execute("SELECT COUNT(*) FROM prior_reports WHERE unit_code IS NOT NULL").fetchone()[0]
    assert n == 36 - len(ERROR_UNITS)  # the effective versions of last year's campaign


def test_collecting_the_campaign_folder_itself_takes_only_what_was_put_there(camp, monkeypatch):
    """store/, outbox/, feedback/ (annotated workbooks) and the roster copy are the campaign's own files."""
    inbox = camp / "收到" / "U盘"
    inbox.mkdir(parents=True)
    (inbox / "办公室.json").write_bytes(sample("370602-D01").read_bytes() + b"\n")
    monkeypatch.chdir(camp)
    r = run("collect", ".", "--silent")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "本次收集 1 个文件：新增 1 个版本（通过 1｜有警告 0｜有错误 0），重复 0"


def test_cli_status_of_one_unit_and_reminder(built, monkeypatch):
    monkeypatch.chdir(built)
    r = run("status", "住房和城乡建设局")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "烟台市芝罘区住房和城乡建设局（370602-D10）：已收有错误"
    assert lines[1].startswith("  第1版  ") and lines[1].endswith("错误 2，警告 0，提示 0")
    assert "【错误 T3-BALANCE】表三 “自然人”列：收到与办结不平衡，差 1 件" in r.stdout
    assert "反馈意见.txt" in r.stdout
    r = run("status", "--reminder", "--sender", "芝罘区政务公开办公室")
    assert r.exit_code == 0
    assert r.stdout.startswith("关于报送2021年度政府信息公开工作年度报告统计数据的提醒\n\n各有关单位：\n")
    assert "一、以下 5 家单位报送的数据未通过校验" in r.stdout
    assert "二、以下 2 家单位的数据有警告" in r.stdout and "烟台市芝罘区民政局" in r.stdout
    assert r.stdout.splitlines()[-2] == "芝罘区政务公开办公室"


def test_status_table_shortens_a_very_long_unit_name():
    """One unit named with 130 characters keeps the other rows' 主要问题 on the screen."""
    from xltool.campaign.status import MAX_COLUMN, _table, width

    long_name = "测试区" + "很长的名字" * 26 + "局"
    rows = [[long_name, "有错误", "表三 差 1 件"], ["测试区财政局", "已通过", ""]]
    lines = _table(["单位", "状态", "主要问题"], rows)
    assert lines[2].startswith("测试区很长的名字") and "…" in lines[2] and lines[2].endswith("表三 差 1 件")
    assert width(lines[2].split("  ")[0]) <= MAX_COLUMN
    assert max(width(line) for line in lines) < 70
    assert lines[3].startswith("测试区财政局")
