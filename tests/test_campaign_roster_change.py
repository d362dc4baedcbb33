"""Returns that arrive after the roster changed mid-season (`xltool campaign roster`):

- a unit renamed on the roster (same code) returns its own template, which names its former name: it is that
  unit's version (a CAMP-RENAMED 提示, no UNIT-MISMATCH), in collect, status and summary;
- a unit removed from the roster returns a file: recorded under the removed unit (not due, not counted), said so
  by collect, listed on status's removed-unit line, and never counted as a file of unknown unit — status and
  `summary --json` agree on that count.

Real campaign folders: templates issued and filled by the tool itself (xltool.fill), collected from .xlsx files.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.campaign import collect, init_campaign, issue_templates, open_campaign
from xltool.cli import cli
from xltool.fill import fill_template
from xltool.interchange import load_json

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "roster.csv"
DATA = SAMPLES / "data"
PRIOR = SAMPLES / "prior"

OLD_D11 = "烟台市芝罘区城市管理局"
NEW_D11 = "烟台市芝罘区城市管理服务中心"
D02 = "烟台市芝罘区发展和改革局"


def run(*args: str):
    return CliRunner().invoke(cli, ["campaign", *args], catch_exceptions=False, env={"XLTOOL_LANG": None})


def sample(code: str) -> Path:
    return next(DATA.glob(f"{code}_*.json"))


def template(camp: Path, code: str) -> Path:
    return next((camp / "outbox").glob(f"{code}_*.xlsx"))


def new_roster(tmp_path: Path) -> Path:
    """D11 renamed (城市管理局 -> 城市管理服务中心), D02 removed."""
    out = []
    for ln in ROSTER.read_text(encoding="utf-8").splitlines():
        if ln.startswith("370602-D11,"):
            assert OLD_D11 in ln
            ln = f"370602-D11,{NEW_D11},部门"
        if ln.startswith("370602-D02,"):
            continue
        out.append(ln)
    p = tmp_path / "名单2.csv"
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> tuple[Path, Path]:
    """A campaign whose templates were issued, then whose roster renamed D11 and removed D02; and a folder of
    D11's and D02's returns, each filled on its own (issued) template."""
    base = tmp_path_factory.mktemp("rosterchange")
    root = base / "2021收集"
    c, _ = init_campaign(root, year=2021, roster=ROSTER, prior=PRIOR)
    with c:
        issue_templates(c)
    inbox = base / "inbox"
    inbox.mkdir()
    fill_template(template(root, "370602-D11"), load_json(sample("370602-D11")), inbox / "城管局.xlsx")
    fill_template(template(root, "370602-D02"), load_json(sample("370602-D02")), inbox / "发改局.xlsx")
    r = CliRunner().invoke(
        cli,
        ["campaign", "roster", str(new_roster(base)), "--campaign", str(root), "--why", "机构改革"],
        catch_exceptions=False,
        env={"XLTOOL_LANG": None},
    )
    assert r.exit_code == 0, r.output
    assert f"改名  370602-D11  {OLD_D11} → {NEW_D11}" in r.stdout
    return root, inbox


@pytest.fixture()
def camp(changed, tmp_path, monkeypatch) -> tuple[Path, Path]:
    import shutil

    root, inbox = changed
    dst = tmp_path / "2021收集"
    shutil.copytree(root, dst)
    monkeypatch.chdir(dst)
    return dst, inbox


def test_a_renamed_units_return_on_its_own_template_is_its_version(camp, tmp_path):
    root, inbox = camp
    with open_campaign(root) as c:
        from xltool.campaign.roster_update import former_names

        assert former_names(c) == {"370602-D11": {OLD_D11}}
        run_ = collect(c, [inbox / "城管局.xlsx"])
    (item,) = run_.items
    assert item.unit is not None and item.unit.code == "370602-D11" and item.seq == 1
    rules = {f.rule: f for f in item.findings}
    assert "UNIT-MISMATCH" not in rules and "UNIT-UNKNOWN" not in rules
    assert rules["CAMP-RENAMED"].severity == "info"
    assert OLD_D11 in rules["CAMP-RENAMED"].title["zh"] and NEW_D11 in rules["CAMP-RENAMED"].title["zh"]
    assert item.counts["error"] == 0
    assert run_.count()["versions"] == 1 and run_.count()["unidentified"] == 0

    st = json.loads(run("status", "--json").stdout)
    d11 = next(u for u in st["units"] if u["code"] == "370602-D11")
    assert d11["name"] == NEW_D11 and d11["state"] != "errors" and d11["counts"]["error"] == 0
    assert d11["effective_version"] == 1
    text = run("status").stdout
    assert "UNIT-MISMATCH" not in text and "未识别文件" not in text

    doc = json.loads(run("summary", "-o", str(tmp_path / "汇总.xlsx"), "--json").stdout)
    row = next(s for s in doc["status"] if s["code"] == "370602-D11")
    assert row["status"] != "有错误", row
    assert not doc["not_counted"]
    assert "UNIT-MISMATCH" not in json.dumps(doc, ensure_ascii=False)


def test_the_former_name_alone_names_the_renamed_unit(camp):
    """A return that gives only the former name (no code: a JSON typed by hand) is the renamed unit's too."""
    root, _ = camp
    data = json.loads(sample("370602-D11").read_text(encoding="utf-8"))
    data["unit"] = {"name": OLD_D11}
    f = root.parent / "城管局报表.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with open_campaign(root) as c:
        (item,) = collect(c, [f]).items
    assert item.unit is not None and item.unit.code == "370602-D11"
    assert {x.rule for x in item.findings} >= {"CAMP-RENAMED"}
    assert not {"UNIT-UNKNOWN", "UNIT-MISMATCH", "CAMP-UNIDENTIFIED"} & {x.rule for x in item.findings}


def test_validate_outside_a_campaign_still_says_the_name_differs(camp):
    """Only the campaign knows former names: validate --roster with the new roster keeps UNIT-MISMATCH."""
    root, inbox = camp
    r = CliRunner().invoke(
        cli, ["validate", str(inbox / "城管局.xlsx"), "--roster", str(root / "名单.csv")], env={"XLTOOL_LANG": None}
    )
    assert "UNIT-MISMATCH" in r.output


def test_a_removed_units_return_is_recorded_under_it_and_not_unidentified(camp, tmp_path):
    root, inbox = camp
    r = run("collect", str(inbox / "发改局.xlsx"))
    assert "属于已从名单中移除的单位（已登记，不计入） 1" in r.stdout.splitlines()[-1]
    assert "无法确定单位" not in r.stdout
    with open_campaign(root) as c:
        row = c.conn.execute("SELECT unit_code, seq, findings FROM versions").fetchone()
    assert row["unit_code"] == "370602-D02" and row["seq"] == 1
    found = {f["rule"] for f in json.loads(row["findings"])}
    assert "CAMP-REMOVED-UNIT" in found and not {"CAMP-UNIDENTIFIED", "UNIT-UNKNOWN"} & found

    text = run("status").stdout
    assert "未识别文件" not in text.splitlines()[0]
    assert "无法确定单位的文件" not in text
    assert f"已从名单中移除的单位（1）：不再应报，不计入汇总，已收的版本仍保留：{D02}（1 个版本）" in text
    st = json.loads(run("status", "--json").stdout)
    assert st["counts"]["unidentified"] == 0
    assert st["removed"] == [{"code": "370602-D02", "name": D02, "versions": 1}]

    # a file of no unit at all still is one, and status and summary count it alike
    stray = json.loads(sample("370602-D05").read_text(encoding="utf-8"))
    stray["unit"] = {"name": "烟台市芝罘区不存在局"}
    (tmp_path / "无名.json").write_text(json.dumps(stray, ensure_ascii=False), encoding="utf-8")
    run("collect", str(inbox / "城管局.xlsx"), str(tmp_path / "无名.json"))
    st = json.loads(run("status", "--json").stdout)
    doc = json.loads(run("summary", "-o", str(tmp_path / "汇总.xlsx"), "--json").stdout)
    assert st["counts"]["unidentified"] == 1
    assert doc["counts"]["unidentified"] == st["counts"]["unidentified"]
    assert "370602-D02" not in {s["code"] for s in doc["status"]}


def test_a_removed_units_file_recorded_as_unidentified_by_an_older_xltool_is_listed_under_it(camp, tmp_path):
    """A campaign collected by an xltool that filed such a file as of unknown unit: status lists it under the
    removed unit, and the summary agrees."""
    root, inbox = camp
    assert run("collect", str(inbox / "发改局.xlsx")).exit_code == 0
    with sqlite3.connect(root / "campaign.db") as db:  # as the older xltool recorded it
        db.execute("UPDATE versions SET unit_code = NULL, seq = NULL, identified_by = 'none'")
    st = json.loads(run("status", "--json").stdout)
    assert st["counts"]["unidentified"] == 0 and st["unidentified"] == []
    assert st["removed"][0] == {"code": "370602-D02", "name": D02, "versions": 1}
    text = run("status").stdout
    assert f"{D02}（1 个版本）" in text and "无法确定单位的文件" not in text
