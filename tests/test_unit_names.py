"""How a unit is recognised from a name: short names in file names and a clerk's arguments, a district's
government with or without 人民政府 and its city, a summary workbook checked against a roster like any report, a
summary of last year's returns.

Rosters are CSV files written here and read by `load_roster`; the workbooks are made by `xltool template` +
`xltool fill` and `xltool consolidate`, and run through `consolidate`, `validate --roster` and `campaign
collect` as a clerk runs them.

- A short name (科技局, 住建局, 人社局, 卫健局, 市场监管局, 区政府办, 黄务街道) in a file's name names its unit when
  it names one unit of its kind only: its characters stand in that unit's name in the same order, from its
  first character on; 区政府办 is 区人民政府办公室, 黄务街道 is 黄务街道办事处; never a unit of another kind (人防办
  is no 局), nothing when two units fit (交通局 beside 交通运输局 and 交通管理局: said in the finding).
- It is a hint for the file's name only: what the content says comes first, so a return of 科学技术局 named
  住建局.xlsx is one unit's content under another's name (counted for neither, 待确认归属).
- Looking a file's name up is an index: at 10,000 units a few lookups per name, no unit's name compared.
- 烟台市芝罘区 (a district summary's unit) is the roster's 烟台市芝罘区人民政府 or 芝罘区; a name no unit has is
  told with the roster's units close to it.
- A summary of last year's returns is YEAR-MISMATCH with the advice to consolidate this year's returns, not
  TEMPLATE-OLD-YEAR (nobody issued it a template).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.test_attribution import ROSTER, filled, run, sample
from xltool.consolidate import COUNTED, FOREIGN, MISMATCHED
from xltool.roster import Roster, Unit, filename_unit, load_roster

SHORT_NAMES = {
    "科技局.xlsx": "370602-D04",
    "住建局.xlsx": "370602-D10",
    "人社局.xlsx": "370602-D09",
    "卫健局.xlsx": "370602-D15",
    "市场监管局.xlsx": "370602-D19",
    "区政府办.xlsx": "370602-D01",
    "黄务街道.xlsx": "370602-S09",
    "毓璜顶街道更正.xlsx": "370602-S03",
    "(1)人社局报表.xlsx": "370602-D09",
    "（2）住建局2021年报.xlsx": "370602-D10",
    "发改局.xlsx": "370602-D02",
    "教体局.xlsx": "370602-D03",
    "工信局.xlsx": "370602-D05",
    "文旅局.xlsx": "370602-D14",
    "城管局.xlsx": "370602-D11",
    "医保局.xlsx": "370602-D21",
    "应急局.xlsx": "370602-D17",
    "退役军人局.xlsx": "370602-D16",
    "综合执法局.xlsx": "370602-D23",
    "行政审批局.xlsx": "370602-D22",
    "芝罘区科技局.xlsx": "370602-D04",
    "烟台市芝罘区人社局.xlsx": "370602-D09",
    "区财政局_2021.xlsx": "370602-D08",
    "向阳街道办.xlsx": "370602-S01",
    "政府办.xlsx": "370602-D01",
}
"""The zhifu roster's units as clerks name their files."""

NOBODY = (
    "民政局与科技局.xlsx",  # two units
    "莱山区科技局.xlsx",  # another district's 科技局
    "报表.xlsx",
    "2021年度政府信息公开工作年报.xlsx",  # 政府 ends no unit's short name here
    "审批局.xlsx",  # 审批 is not how 行政审批服务局 begins
    "人防办.xlsx",  # no 办 of 人…防 (人力资源和社会保障局 is a 局)
    "区政府.xlsx",  # 区人民政府办公室 is an office, not the government
    "科技办.xlsx",
    "黄务镇.xlsx",  # a 街道, not a 镇
    "东山.xlsx",  # a place without its kind
    "城市管理和综合执法局.xlsx",  # a merged unit's name: its end (综合执法局) is not a name of its own
)


def write_roster(path: Path, rows: list[tuple[str, str, str]], header: str = "code,name,category") -> Path:
    path.write_text(header + "\n" + "".join(f"{c},{n},{k}\n" for c, n, k in rows), encoding="utf-8")
    return path


def zhifu_rows() -> list[tuple[str, str, str]]:
    lines = ROSTER.read_text(encoding="utf-8").splitlines()[1:]
    return [tuple(line.split(",")) for line in lines if line]  # type: ignore[misc]


# --------------------------------------------------------------------------- the roster's lookups


def test_short_names_in_file_names_name_their_unit(tmp_path):
    roster = load_roster(write_roster(tmp_path / "名单.csv", zhifu_rows()))
    for name, code in SHORT_NAMES.items():
        unit = filename_unit(name, roster)
        assert unit is not None and unit.code == code, name
    for name in NOBODY:
        assert filename_unit(name, roster) is None, name
    # two units: both are named, so that a message can say which
    assert [u.code for u in roster.name_candidates("民政局与科技局.xlsx")] == ["370602-D06", "370602-D04"]


def test_a_short_name_two_units_fit_names_neither_and_kinds_never_mix(tmp_path):
    rows = zhifu_rows() + [
        ("370602-D25", "烟台市芝罘区交通运输局", "部门"),
        ("370602-D26", "烟台市芝罘区交通管理局", "部门"),
        ("370602-D27", "烟台市芝罘区科学技术协会", "群团"),
        ("370602-D28", "烟台市芝罘区人民防空办公室", "部门"),
        ("370602-T01", "烟台市芝罘区黄务镇人民政府", "镇"),
    ]
    roster = load_roster(write_roster(tmp_path / "名单.csv", rows))
    assert filename_unit("交通局.xlsx", roster) is None
    assert {u.code for u in roster.name_candidates("交通局.xlsx")} == {"370602-D25", "370602-D26"}
    assert filename_unit("交通运输局.xlsx", roster).code == "370602-D25"  # its name without the prefix
    assert filename_unit("科技局.xlsx", roster).code == "370602-D04"  # not the 协会
    assert filename_unit("科协.xlsx", roster) is None  # 协 ends no kind
    assert filename_unit("科技会.xlsx", roster).code == "370602-D27"
    assert filename_unit("人防办.xlsx", roster).code == "370602-D28"  # an office: never 人力资源和社会保障局
    assert filename_unit("黄务镇.xlsx", roster).code == "370602-T01"  # the 镇, not the 街道
    assert filename_unit("黄务街道.xlsx", roster).code == "370602-S09"
    assert filename_unit("黄务镇政府.xlsx", roster).code == "370602-T01"
    lookup = roster.lookup("交通局")
    assert lookup.unit is None and {u.code for u in lookup.candidates} == {"370602-D25", "370602-D26"}


def test_a_place_in_a_short_name_is_that_place_itself(tmp_path):
    """芝罘区科技局 is not 芝罘岛区's 科学技术局: places are compared whole, not as characters in order."""
    rows = [
        ("1", "某市芝罘区科学技术局", ""),
        ("2", "某市芝罘岛区科学技术局", ""),
        ("3", "某市芝罘岛区民政局", ""),
        ("4", "某市芝罘区民政局", ""),
    ]
    roster = load_roster(write_roster(tmp_path / "名单.csv", rows))
    assert roster.local_prefix == "某市"
    assert filename_unit("芝罘区科技局.xlsx", roster).code == "1"
    assert filename_unit("芝罘岛区科技局.xlsx", roster).code == "2"
    assert filename_unit("科技局.xlsx", roster) is None  # whose?


def test_lookup_a_clerks_argument(tmp_path):
    roster = load_roster(write_roster(tmp_path / "名单.csv", zhifu_rows()))
    cases = {
        "住建局": ("370602-D10", "abbreviation"),
        "区政府办": ("370602-D01", "abbreviation"),
        "黄务街道": ("370602-S09", "name"),  # a street's place: its name without 办事处
        "370602-d04": ("370602-D04", "code"),
        "芝罘区 科学技术局": ("370602-D04", "name"),
        "科学技术": ("370602-D04", "part"),
    }
    for text, (code, how) in cases.items():
        got = roster.lookup(text)
        assert (got.unit.code if got.unit else None, got.how) == (code, how), text
    many = roster.lookup("芝罘区")
    assert many.unit is None and len(many.candidates) == len(roster.units)
    assert roster.lookup("统计科").unit is None and roster.lookup("").unit is None


CITY_ROSTERS = {
    "b": ("code,name,category", [("370602", "烟台市芝罘区人民政府", "区"), ("370613", "烟台市莱山区人民政府", "区"),
                                 ("320800", "淮安市人民政府", "市")]),
    "c": ("单位名称,单位代码,类别", [("芝罘区", "370602", "区"), ("莱山区", "370613", "区"),
                                     ("淮安市", "320800", "市")]),
    "d": ("code,name,category", [("370602", "烟台市芝罘区", "区"), ("370613", "烟台市莱山区", "区"),
                                 ("370602-06", "烟台市芝罘区向阳街道办事处", "街道"), ("320800", "淮安市", "市")]),
}  # fmt: skip
"""A city's rosters as they are kept: governments in full, bare place names, a street reporting directly."""


@pytest.mark.parametrize("which", sorted(CITY_ROSTERS))
def test_match_name_knows_a_government_with_or_without_its_city_and_renmin_zhengfu(tmp_path, which):
    """A district's summary says 烟台市芝罘区 (its cover's 填报单位); city rosters write it other ways."""
    header, rows = CITY_ROSTERS[which]
    roster = load_roster(write_roster(tmp_path / f"市名单{which}.csv", rows, header))
    for name in ("烟台市芝罘区", "芝罘区", "烟台市芝罘区人民政府", "芝罘区人民政府", "芝罘区政府", "烟台市 芝罘区"):
        unit = roster.match_name(name)
        assert unit is not None and unit.code == "370602", name
    assert roster.match_name("淮安市人民政府").code == "320800"
    assert roster.match_name("烟台市") is None and roster.match_name("汇总") is None
    assert roster.match_name("烟台市芝罘区人民政府办公室") is None  # an office of the district, not the district
    # places agree where both say them: 威海市莱山区 is not 烟台市莱山区 (a roster of bare 莱山区 cannot tell)
    assert (roster.match_name("威海市莱山区") is None) == (which != "c")
    if which == "d":
        assert roster.match_name("向阳街道").code == "370602-06"
        assert roster.match_name("芝罘区向阳街道办事处").code == "370602-06"


def test_match_name_knows_a_joint_units_names(tmp_path):
    rows = [
        ("01", "烟台市福山区人民政府办公室（区政务公开办）", "部门"),
        ("02", "烟台市福山区卫生健康局、区医疗保障局", "部门"),
        ("03", "烟台市福山区财政局/区国有资产服务中心", "部门"),
        ("05", "烟台市福山区清洋街道办事处", "街道"),
        ("07", "烟台高新技术产业开发区与福山区共建园区管理委员会办公室（综合协调与政务公开服务中心）", "部门"),
    ]
    roster = load_roster(write_roster(tmp_path / "福山.csv", rows))
    assert roster.local_prefix == "烟台市福山区"
    names = {
        "烟台市福山区人民政府办公室": "01",
        "人民政府办公室": "01",
        "烟台市福山区卫生健康局": "02",
        "福山区医疗保障局": "02",
        "财政局": "03",
        "清洋街道": "05",
    }
    for name, code in names.items():
        assert roster.match_name(name).code == code, name
    assert roster.match_name("区政务公开办") is None  # a remark in brackets is no name of its own
    assert roster.match_name("医保局") is None  # nor an abbreviation, in a report's content
    files = {"卫健局.xlsx": "02", "医保局.xlsx": "02", "政务公开办.xlsx": "01", "国资中心.xlsx": "03"}
    for name, code in files.items():
        assert filename_unit(name, roster).code == code, name


def test_nearest_names_a_close_roster_unit_never_another_districts(tmp_path):
    roster = load_roster(write_roster(tmp_path / "名单.csv", zhifu_rows()))
    assert [u.code for u in roster.nearest("工信局")] == ["370602-D05"]
    assert [u.code for u in roster.nearest("芝罘区科技局（盖章）")] == ["370602-D04"]
    assert [u.code for u in roster.nearest("烟台市芝罘区财政")] == ["370602-D08"]
    assert roster.nearest("烟台市莱山区财政局") == ()  # another district's: not close to 芝罘区财政局
    assert roster.nearest("科学技术协会") == ()  # another kind
    assert roster.nearest("汇总") == ()
    header, rows = CITY_ROSTERS["b"]
    city = load_roster(write_roster(tmp_path / "市名单.csv", rows, header))
    assert city.nearest("烟台市牟平区人民政府") == ()  # 人民政府 in common makes no government close to another
    assert [u.code for u in city.nearest("芝罘区汇总表")] == ["370602"]


def test_looking_up_file_names_is_an_index_at_10000_units(monkeypatch):
    """consolidate asks `filename_unit` for every file: at 10,000 units a name costs a few lookups. No unit's
    name is normalized again, and short names are checked against the few units the index gives."""
    import xltool.roster as roster_mod

    depts = [line.split(",")[1].removeprefix("烟台市芝罘区") for line in ROSTER.read_text("utf-8").splitlines()[1:]]
    hz = "东西南北中山河湖海江城林田石金木水火土天地和平安康宁福寿长春明光华新兴龙凤云"
    places = [f"{a}{b}{c}" for a in hz for b in hz for c in "区县" if a != b][:280]
    units = tuple(
        Unit(f"{d:03d}-{k:02d}", f"山东省{place}{dept}")
        for d, place in enumerate(places)
        for k, dept in enumerate(depts)
    )[:10000]
    assert len(units) == 10000
    roster = Roster(units)
    normalized, ordered = [], []
    real_norm, real_order = roster_mod.normalize_name, roster_mod._in_order
    monkeypatch.setattr(roster_mod, "normalize_name", lambda s: normalized.append(s) or real_norm(s))
    monkeypatch.setattr(roster_mod, "_in_order", lambda a, b: ordered.append(a) or real_order(a, b))
    assert filename_unit("东西区科技局.xlsx", roster).code == "000-03"  # builds the indexes
    assert len(normalized) >= len(units)
    normalized.clear()
    ordered.clear()
    asked = 0
    for i in range(0, 9900, 37):  # (the last district is cut short at 10,000)
        u = units[i]
        place = u.name[3:6]
        assert filename_unit(f"{u.code}_{u.name}_2021.xlsx", roster) is u
        assert filename_unit(f"{place}科技局.xlsx", roster).name == f"山东省{place}科学技术局"
        assert filename_unit(f"（1）{place}人社局报表.xlsx", roster).name == f"山东省{place}人力资源和社会保障局"
        assert filename_unit(f"{place}黄务街道.xlsx", roster).name == f"山东省{place}黄务街道办事处"
        assert filename_unit("科技局.xlsx", roster) is None  # 280 districts have one
        asked += 5
    assert len(normalized) == asked  # one normalization per file name: the roster's names never again
    assert len(ordered) <= 3 * asked  # a few candidates per name, never the roster's units


# --------------------------------------------------------------------------- one answer in all three commands


@pytest.fixture(scope="module")
def named_box(tmp_path_factory) -> tuple[Path, Path]:
    """An inbox of files named by short names, and a roster with two 交通 units."""
    base = tmp_path_factory.mktemp("short-names")
    work, box = base / "work", base / "收件箱"
    work.mkdir()
    box.mkdir()
    rows = zhifu_rows() + [
        ("370602-D25", "烟台市芝罘区交通运输局", "部门"),
        ("370602-D26", "烟台市芝罘区交通管理局", "部门"),
    ]
    roster = write_roster(base / "名单.csv", rows)
    filled(work, "370602-D04", "烟台市芝罘区科学技术局", box / "住建局.xlsx", unit_code="370602-D04")  # D04 as D10
    filled(work, "370602-D09", "芝罘区人力资源和社会保障局", box / "(1)人社局报表.xlsx")  # its own
    (box / "卫健局.xlsx").write_bytes(b"PK\x03\x04" + bytes(60))  # damaged: its name tells whose
    for name, code in (("黄务街道.json", "370602-D12"), ("交通局.json", "370602-D13")):
        doc = sample(code)
        doc["unit"] = {"name": ""}  # no unit in it: its name says
        (box / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return box, roster


def test_consolidate_reads_short_names_as_a_hint_only(named_box):
    box, roster = named_box
    res = run("consolidate", "--json", "--silent", "-j", "1", "--roster", str(roster), str(box))
    assert res.exit_code in (0, 1), res.output
    got = {Path(f["file"]).name: f for f in json.loads(res.output)["files"]}
    f = got["住建局.xlsx"]  # 科学技术局's content under 住建局's name: neither's
    assert f["role"] == MISMATCHED and (f["content_code"], f["named_code"]) == ("370602-D04", "370602-D10")
    assert got["(1)人社局报表.xlsx"]["role"] == COUNTED and got["(1)人社局报表.xlsx"]["code"] == "370602-D09"
    assert got["卫健局.xlsx"]["code"] == "370602-D15"  # 有错误, not 无法确定单位
    assert got["黄务街道.json"]["code"] == "370602-S09"
    assert got["交通局.json"]["code"] is None and got["交通局.json"]["role"] != FOREIGN
    status = {s["code"]: s for s in json.loads(res.output)["status"]}
    assert status["370602-D15"]["status"] == "有错误"


def test_validate_says_whose_and_why_not(named_box):
    box, roster = named_box
    res = run("validate", "--json", "--silent", "-j", "1", "--roster", str(roster), str(box))
    assert res.exit_code == 1, res.output
    got = {Path(f["file"]).name: f for f in json.loads(res.output)["files"]}
    assert (got["卫健局.xlsx"]["roster_unit"]["code"], got["卫健局.xlsx"]["roster_unit"]["by"]) == (
        "370602-D15",
        "file-name",
    )
    assert got["黄务街道.json"]["roster_unit"]["code"] == "370602-S09"
    assert got["住建局.xlsx"]["roster_unit"]["code"] == "370602-D04"  # the content
    assert got["交通局.json"]["roster_unit"] is None
    text = run("validate", "--silent", "-j", "1", "--roster", str(roster), str(box / "交通局.json")).output
    assert (
        "  【错误 UNIT-UNKNOWN】报送单位“（未填写）”不在名单中（文件名“交通局.json”可指多个单位："
        "烟台市芝罘区交通运输局、烟台市芝罘区交通管理局，无法确定是哪一个）" in text.splitlines()
    )


def test_collect_awaits_assignment_for_a_short_named_file_of_another_unit(named_box):
    box, roster = named_box
    root = box.parent / "2021收集"
    res = run("campaign", "init", str(root), "--year", "2021", "--roster", str(roster))
    assert res.exit_code == 0, res.output
    res = run("campaign", "collect", "--silent", "--campaign", str(root), str(box))
    with sqlite3.connect(root / "campaign.db") as db:
        rows = db.execute("SELECT file_name, unit_code, name_unit, identified_by FROM versions").fetchall()
    got = {f: (u, n, by) for f, u, n, by in rows}
    assert got["住建局.xlsx"][:2] == ("370602-D04", "370602-D10")  # 待确认归属
    assert got["卫健局.xlsx"][0] == "370602-D15" and got["卫健局.xlsx"][2] == "filename"
    assert got["黄务街道.json"][0] == "370602-S09"
    assert got["(1)人社局报表.xlsx"][:2] == ("370602-D09", None)
    assert got["交通局.json"][0] is None


# --------------------------------------------------------------------------- a district's summary at the city


@pytest.fixture(scope="module")
def summaries(tmp_path_factory) -> dict[str, Path]:
    """芝罘区's summary of 2021 (its cover: 烟台市芝罘区), one of 2020, one named 芝罘区汇总; city rosters."""
    base = tmp_path_factory.mktemp("summaries")
    district = write_roster(
        base / "芝罘区名单.csv",
        [("370602-D04", "烟台市芝罘区科学技术局", "部门"), ("370602-D06", "烟台市芝罘区民政局", "部门")],
    )
    out: dict[str, Path] = {"district": district}
    for year in (2021, 2020):
        returns = base / f"returns{year}"
        returns.mkdir()
        for code in ("370602-D04", "370602-D06"):
            doc = sample(code)
            doc["year"] = year
            (returns / f"{code}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        out[str(year)] = base / f"芝罘区{year}汇总.xlsx"
        res = run(
            "consolidate", "--silent", "-j", "1", "--roster", str(district), str(returns), "-o", str(out[str(year)])
        )
        assert res.exit_code == 0, res.output
    out["odd"] = base / "sum-odd.xlsx"
    res = run("consolidate", "--silent", "-j", "1", "--roster", str(district), str(base / "returns2021"),
              "--unit-name", "烟台市芝罘区汇总", "-o", str(out["odd"]))  # fmt: skip
    assert res.exit_code == 0, res.output
    city = [("370602", "烟台市芝罘区人民政府", "区"), ("370613", "烟台市莱山区人民政府", "区")]
    out["city-b"] = write_roster(base / "市名单b.csv", city)
    out["city-c"] = write_roster(base / "市名单c.csv", [("370602", "芝罘区", "区"), ("370613", "莱山区", "区")])
    out["other"] = write_roster(base / "市名单o.csv", [("370613", "烟台市莱山区人民政府", "区"),
                                                    ("370611", "烟台市福山区人民政府", "区")])  # fmt: skip
    return out


@pytest.mark.parametrize("roster", ["city-b", "city-c"])
def test_a_district_summary_counts_for_its_government_at_the_city(summaries, roster):
    res = run("consolidate", "--json", "--silent", "-j", "1", "--roster", str(summaries[roster]),
              "--unit-name", "烟台市", str(summaries["2021"]))  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    (f,) = doc["files"]
    assert (f["role"], f["code"]) == (COUNTED, "370602")
    res = run("validate", "--json", "--silent", "-j", "1", "--roster", str(summaries[roster]), str(summaries["2021"]))
    assert res.exit_code == 0, res.output
    (v,) = json.loads(res.output)["files"]
    assert (v["roster_unit"]["code"], v["roster_unit"]["by"]) == ("370602", "content")


def test_a_summary_is_checked_against_the_roster_like_any_report(summaries):
    """Another district's roster: validate says 未通过 as consolidate says 名单外 (it said 通过, roster_unit null)."""
    res = run("validate", "--json", "--silent", "-j", "1", "--roster", str(summaries["other"]), str(summaries["2021"]))
    assert res.exit_code == 1, res.output
    (v,) = json.loads(res.output)["files"]
    assert v["roster_unit"] is None and "UNIT-UNKNOWN" in {f["rule"] for f in v["findings"]}
    res = run("consolidate", "--json", "--silent", "-j", "1", "--roster", str(summaries["other"]),
              "--unit-name", "烟台市", str(summaries["2021"]))  # fmt: skip
    (f,) = json.loads(res.output)["files"]
    assert f["role"] == FOREIGN
    # against the district's own roster: it is their summary, not one of them
    res = run("validate", "--silent", "-j", "1", "--roster", str(summaries["district"]), str(summaries["2021"]))
    assert res.exit_code == 1
    assert (
        "  【错误 UNIT-UNKNOWN】报送单位“烟台市芝罘区”不在名单中（“烟台市芝罘区”是名单中各单位所属的地区："
        "这是这些单位的汇总表，应按上一级的名单核对）" in res.output.splitlines()
    )


def test_a_name_no_unit_has_is_told_with_the_closest(summaries):
    res = run("validate", "--silent", "-j", "1", "--roster", str(summaries["city-b"]), str(summaries["odd"]))
    assert res.exit_code == 1, res.output
    line = "  【错误 UNIT-UNKNOWN】报送单位“烟台市芝罘区汇总”不在名单中（名单中相近的单位：烟台市芝罘区人民政府）"
    assert line in res.output.splitlines()
    en = run(
        "validate", "--silent", "-j", "1", "--lang", "en", "--roster", str(summaries["city-b"]), str(summaries["odd"])
    )
    assert "(close to it in the roster: 烟台市芝罘区人民政府)" in en.output


def test_a_summary_of_last_years_returns_is_to_be_consolidated_again(summaries):
    res = run("validate", "--json", "--silent", "-j", "1", "--year", "2021", str(summaries["2020"]))
    assert res.exit_code == 1, res.output
    (v,) = json.loads(res.output)["files"]
    rules = {f["rule"]: f["message"] for f in v["findings"]}
    assert "TEMPLATE-OLD-YEAR" not in rules
    assert rules["YEAR-MISMATCH"] == (
        "【错误 YEAR-MISMATCH】报告年度为 2020 年，本次收集的是 2021 年\n"
        "  处理：这是 2020 年度各单位报表的汇总表，请用各单位 2021 年度的报表重新汇总后报送。"
    )
    # a unit's own return of last year keeps the template advice
    last = summaries["2020"].parent / "returns2020" / "370602-D04.json"
    res = run("validate", "--json", "--silent", "-j", "1", "--year", "2021", str(last))
    (u,) = json.loads(res.output)["files"]
    fix = next(f["message"] for f in u["findings"] if f["rule"] == "YEAR-MISMATCH")
    assert "模板" in fix and "重新汇总" not in fix


@pytest.mark.parametrize(
    "name",
    [
        "烟台市莱山区科学技术局_2021.xlsx",
        "烟台市科学技术局.xlsx",
        "山东省财政局.xlsx",
        "国家财政局.xlsx",
        "市民政局.xlsx",
        "烟台市人民政府.xlsx",
        "莱山区人民政府.xlsx",
        "威海市芝罘区.xlsx",
        "莱山区黄务街道.xlsx",
        "烟台市人民政府办公室.xlsx",
    ],
)
def test_another_places_unit_in_a_file_name_is_no_unit_of_this_roster(name):
    """A name without the district prefix (科学技术局, 人民政府, 黄务街道) after another place's or level's name is
    that place's unit: filing a damaged file so named under this district's unit was a silent wrong attribution."""
    from xltool.roster import load_roster

    roster = load_roster(ROSTER)
    assert roster.name_candidates(name) == ()
