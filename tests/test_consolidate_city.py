"""Defects a trial of city-level consolidation found (districts' summaries consolidated again), on files made here.

1. A district summary that leaves units out, or counts returns with errors (--include-invalid), carries what it
   covers in its metadata; the city shows it (报送情况 / 单位明细, a warning, the terminal). A summary made by an
   xltool that did not record it is of unknown coverage.
2. The default --unit-name is the place most units begin with (烟台市福山区 beside a jointly run 烟台高新…园区); no
   clear majority: the clerk is asked for --unit-name. A run of no known year says so.
3. A consolidation that counts no unit exits 1 and writes nothing, with the year the files are of as a hint.
4. -o (or --long) that is one of the files read is refused; without -o the terminal says no workbook was written.
5. validate and consolidate agree whether two files of one unit have the same figures (compared as numbers).
6. The long table `consolidate --long` writes is skipped (FILE-NOT-REPORT), not read as a unit's report.
7. `read --silent`; the official tables of an --include-invalid summary are marked; its form sheets print page
   numbers.
8. The English help's examples are not rewrapped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.lo import convert
from xltool.cli import cli
from xltool.consolidate import consolidate, district_name
from xltool.interchange import load_json, save_json
from xltool.metadata import META_SHEET
from xltool.roster import Roster, Unit, load_roster
from xltool.schema import load_form
from xltool.summary_xlsx import SHEET_FINDINGS, SHEET_STATUS, SHEET_UNITS
from xltool.template import write_template

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "data"
ROSTER = ROOT / "samples" / "roster.csv"
DEPTS = ["370602-D01", "370602-D02", "370602-D04", "370602-D05", "370602-D08"]
"""Five departments whose sample returns pass (without last year's data)."""
STREETS = ["370602-S01", "370602-S02"]


def run(*args: str, lang: str | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"XLTOOL_LANG": lang}, prog_name="xltool")


def sample(code: str) -> Path:
    (p,) = DATA.glob(f"{code}_*.json")
    return p


def names(codes: list[str]) -> dict[str, str]:
    units = {u.code: u.name for u in load_roster(ROSTER).units}
    return {c: units[c] for c in codes}


def roster_csv(path: Path, codes: list[str]) -> Path:
    units = {u.code: u for u in load_roster(ROSTER).units}
    lines = ["code,name,category"] + [f"{c},{units[c].name},{units[c].category}" for c in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def inbox(folder: Path, codes: list[str]) -> Path:
    folder.mkdir(parents=True)
    for c in codes:
        shutil.copy(sample(c), folder)
    return folder


def city_roster(path: Path) -> Path:
    path.write_text("code,name,category\nA,甲区,区\nB,乙区,区\n", encoding="utf-8")
    return path


def metadata(path: Path) -> dict[str, str]:
    wb = load_workbook(path, read_only=True)
    try:
        return {str(k): v for k, v in wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)}
    finally:
        wb.close()


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def body(rows: list[tuple], first: str = "序号") -> dict[str, dict[str, object]]:
    """The unit rows under the header row that starts with `first`, by unit name, as header -> value."""
    i = next(i for i, r in enumerate(rows) if r and r[0] == first)
    head = rows[i]
    out = {}
    for r in rows[i + 1 :]:
        if r and r[0] is None and not out:  # a second header row (单位明细's indicator labels)
            continue
        if not r or not isinstance(r[0], int):
            break
        out[r[2]] = dict(zip(head, r, strict=False))
    return out


@pytest.fixture(scope="module")
def districts(tmp_path_factory) -> dict[str, Path]:
    """甲区: five departments, one (D08) has not reported; 乙区: two streets, both in. Summaries made by the CLI."""
    tmp = tmp_path_factory.mktemp("districts")
    a = run(
        "consolidate",
        str(inbox(tmp / "a-in", DEPTS[:4])),
        "--roster",
        str(roster_csv(tmp / "a.csv", DEPTS)),
        "--unit-name",
        "甲区",
        "-o",
        str(tmp / "A.xlsx"),
        "--silent",
        "-j",
        "1",
    )
    assert a.exit_code == 0, a.output
    assert "应报 5｜已收 4｜通过 4｜仅警告 0｜有错误 0｜未报 1" in a.stdout
    b = run(
        "consolidate",
        str(inbox(tmp / "b-in", STREETS)),
        "--roster",
        str(roster_csv(tmp / "b.csv", STREETS)),
        "--unit-name",
        "乙区",
        "-o",
        str(tmp / "B.xlsx"),
        "--long",
        str(tmp / "B-long.csv"),
        "--silent",
        "-j",
        "1",
    )
    assert b.exit_code == 0, b.output
    return {"A": tmp / "A.xlsx", "B": tmp / "B.xlsx", "B-long": tmp / "B-long.csv", "city": city_roster(tmp / "c.csv")}


# --------------------------------------------------------------------------- 1. what a district summary covers


def test_a_summary_records_what_it_covers_in_its_metadata(districts):
    cov = json.loads(metadata(districts["A"])["coverage"])
    d08 = names(["370602-D08"])["370602-D08"]
    assert (cov["expected"], cov["received"], cov["counted"], cov["missing"]) == (5, 4, 4, 1)
    assert (cov["errors"], cov["included_invalid"], cov["include_invalid"]) == (0, 0, False)
    assert cov["missing_units"] == [d08] and cov["left_out_units"] == []
    full = json.loads(metadata(districts["B"])["coverage"])
    assert (full["expected"], full["counted"], full["missing"]) == (2, 2, 0)


def test_the_city_sees_a_district_summary_that_misses_a_unit(districts, tmp_path):
    out = tmp_path / "市汇总.xlsx"
    r = run(
        "consolidate",
        str(districts["A"]),
        str(districts["B"]),
        "--roster",
        str(districts["city"]),
        "--unit-name",
        "某市",
        "-o",
        str(out),
        "--silent",
        "-j",
        "1",
    )
    assert r.exit_code == 0, r.output
    d08 = names(["370602-D08"])["370602-D08"]
    lines = r.stdout.splitlines()
    assert lines[:4] == [
        "汇总：某市 2021 年度",
        "  甲区  仅警告（已计入）  A.xlsx",
        "      【警告 SUMMARY-INCOMPLETE】下级汇总表不完整：应报 5 个单位，计入 4 个（未报 1 个）",
        f"        未报：{d08}",
    ]
    assert "应报 2｜已收 2｜通过 1｜仅警告 1｜有错误 0｜未报 0" in lines

    status = body(sheet_rows(out, SHEET_STATUS))
    assert status["甲区"]["报送状态"] == "仅警告" and status["甲区"]["计入汇总"] == "是"
    assert status["甲区"]["下级汇总范围"] == "应报 5，计入 4（未报 1）"
    assert "SUMMARY-INCOMPLETE" in status["甲区"]["主要问题"]
    assert (status["乙区"]["报送状态"], status["乙区"]["下级汇总范围"]) == ("通过", "应报 2，计入 2")
    units = body(sheet_rows(out, SHEET_UNITS))
    assert units["甲区"]["下级汇总范围"] == "应报 5，计入 4（未报 1）"
    findings = [row for row in sheet_rows(out, SHEET_FINDINGS) if row and row[5] == "SUMMARY-INCOMPLETE"]
    assert [(row[2], row[4]) for row in findings] == [("甲区", "警告")]
    assert d08 in findings[0][8]  # 详情: the unit not reported

    # the city's own summary passes the gap on (a province sees that 甲区 below is incomplete)
    cov = json.loads(metadata(out)["coverage"])
    assert (cov["expected"], cov["counted"], cov["partial_members"]) == (2, 2, ["甲区"])
    province = Roster((Unit("P1", "某市", "市"),))
    top = consolidate([out], province, unit_name="某省")
    (e,) = top.entries
    (flag,) = [f for f in e.result.findings if f.rule == "SUMMARY-INCOMPLETE"]
    assert flag.title["zh"] == "下级汇总表不完整：计入的下级汇总表中有 1 个不完整"
    assert flag.details["zh"] == ["下级汇总不完整：甲区"]


def test_the_city_sees_a_summary_that_counts_returns_with_errors(tmp_path):
    """A department's return with 约10 in a count, counted by --include-invalid: the district's official tables
    say so under each table, and the city gets a warning naming the department."""
    box = inbox(tmp_path / "in", ["370602-D01"])
    bad = load_json(sample("370602-D02"))
    bad.values["t2.penalty.decisions"] = "约10"
    save_json(bad, box / "D02.json")
    sub = roster_csv(tmp_path / "a.csv", ["370602-D01", "370602-D02"])
    a = tmp_path / "A.xlsx"
    r = run("consolidate", str(box), "--roster", str(sub), "--unit-name", "甲区", "--include-invalid", "-o", str(a))
    assert r.exit_code == 0, r.output  # the unusable value is left out of the sum, so C-SUM holds
    d02 = names(["370602-D02"])["370602-D02"]

    # every official table carries the mark, inside its print area, in red
    wb = load_workbook(a)
    form = load_form()
    for t in form.tables:
        ws = wb[t.name]
        marks = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("注意：")]
        assert len(marks) == 1, t.name
        (mark,) = marks
        assert f"含 1 个有错误、未通过校验的单位的数据（按 --include-invalid 计入）：{d02}" in mark.value
        assert mark.font.color.rgb.endswith("C00000") and mark.font.b
        last_row = int(re.search(r"\$(\d+)$", ws.print_area).group(1))
        assert last_row == mark.row, t.name
    wb.close()
    # the marked summary still reads as a clean consolidation: no finding about the text under the tables
    v = run("validate", str(a), "--json")
    (doc,) = json.loads(v.stdout)["files"]
    assert doc["findings"] == [] and v.exit_code == 0

    b = tmp_path / "B.xlsx"
    streets = roster_csv(tmp_path / "b.csv", STREETS)
    made = run(
        "consolidate",
        str(inbox(tmp_path / "b-in", STREETS)),
        "--roster",
        str(streets),
        "--unit-name",
        "乙区",
        "-o",
        str(b),
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "city.xlsx"
    r = run(
        "consolidate",
        str(a),
        str(b),
        "--roster",
        str(city_roster(tmp_path / "c.csv")),
        "--unit-name",
        "某市",
        "-o",
        str(out),
        "--silent",
        "-j",
        "1",
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1:4] == [
        "  甲区  仅警告（已计入）  A.xlsx",
        "      【警告 SUMMARY-INVALID-INCLUDED】下级汇总表按 --include-invalid 计入了 1 个有错误的单位，"
        "其数字未通过校验",
        f"        含错误计入：{d02}",
    ]
    status = body(sheet_rows(out, SHEET_STATUS))
    assert status["甲区"]["下级汇总范围"] == "应报 2，计入 2（含错误计入 1）"
    assert json.loads(metadata(out)["coverage"])["partial_members"] == ["甲区"]


def test_a_summary_of_an_older_xltool_is_of_unknown_coverage(districts, tmp_path):
    """The metadata of a summary made before coverage was recorded: no warning (it may be complete), but said."""
    old = tmp_path / "A-old.xlsx"
    wb = load_workbook(districts["A"])
    ws = wb[META_SHEET]
    (row,) = [c.row for c in ws["A"] if c.value == "coverage"]
    ws.delete_rows(row)
    wb.save(old)
    assert "coverage" not in metadata(old) and metadata(old)["level"] == "consolidation"

    out = tmp_path / "city.xlsx"
    r = run(
        "consolidate",
        str(old),
        str(districts["B"]),
        "--roster",
        str(districts["city"]),
        "--unit-name",
        "某市",
        "-o",
        str(out),
        "--silent",
        "-j",
        "1",
    )
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[1:3] == [
        "  汇总范围未知的下级汇总表（较早版本的 xltool 生成，未记录应报、计入和未报单位数）：",
        "      甲区  A-old.xlsx",
    ]
    assert "应报 2｜已收 2｜通过 2｜仅警告 0｜有错误 0｜未报 0" in lines
    status = body(sheet_rows(out, SHEET_STATUS))
    assert status["甲区"]["下级汇总范围"] == "未知（较早版本的 xltool 生成，未记录）"
    findings = [row for row in sheet_rows(out, SHEET_FINDINGS) if row and row[5] == "SUMMARY-COVERAGE-UNKNOWN"]
    assert [(row[2], row[4]) for row in findings] == [("甲区", "提示")]
    assert json.loads(metadata(out)["coverage"])["unknown_members"] == ["甲区"]
    en = run("consolidate", str(old), "--roster", str(districts["city"]), "--unit-name", "某市", "--lang", "en")
    assert "  lower levels' summaries of unknown coverage (made by an older xltool):" in en.stdout


def test_coverage_is_read_from_every_shape_the_metadata_comes_in(districts):
    """A consolidation's own report (dict), its interchange JSON, the workbook reader's meta["consolidation"] with
    the metadata sheet's JSON text, or with no key at all (then from the workbook's metadata sheet itself)."""
    from xltool.consolidate import coverage_of, coverage_text
    from xltool.interchange import UnitReport

    text = metadata(districts["A"])["coverage"]
    want = json.loads(text)
    shapes = [
        {"level": "consolidation", "coverage": want},
        {"consolidation": {"members": "[]", "coverage": text}},
    ]
    for meta in shapes:
        assert coverage_of(UnitReport("gov-disclosure-2021", 2021, "甲区", meta=meta)) == want
    as_read = UnitReport("gov-disclosure-2021", 2021, "甲区", meta={"consolidation": {"members": "[]"}})
    assert coverage_of(as_read, districts["A"]) == want  # the reader did not carry it: the file says
    old = UnitReport("gov-disclosure-2021", 2021, "甲区", meta={"consolidation": {"members": "[]", "coverage": ""}})
    assert coverage_of(old, districts["A"]) is None  # the reader carried it, empty: an older summary
    assert coverage_of(UnitReport("gov-disclosure-2021", 2021, "甲区")) is None  # a unit's return
    assert coverage_text(want, "en") == "expected 5, counted 4 (not reported 1)"


# --------------------------------------------------------------------------- 2. the consolidation's name and year

FUSHAN = [
    ("370611-01", "烟台市福山区人民政府办公室（区政务公开办）"),
    ("370611-02", "烟台市福山区卫生健康局、区医疗保障局"),
    ("370611-05", "烟台市福山区清洋街道办事处"),
    ("370611-06", "烟台市福山区 门楼街道办事处"),
    ("370611-07", "烟台高新技术产业开发区与福山区共建园区管理委员会办公室（综合协调与政务公开服务中心）"),
]


def test_the_place_most_units_begin_with_names_the_district(tmp_path):
    """A jointly run park among 福山区's units no longer makes the summary 汇总's (cover and 汇总说明 alike)."""
    assert district_name(Roster(tuple(Unit(c, n) for c, n in FUSHAN))) == "烟台市福山区"
    assert district_name(Roster((Unit("1", "烟台市福山区财政局"), Unit("2", "淮安市洪泽区财政局")))) is None
    assert district_name(Roster((Unit("1", "甲"), Unit("2", "乙")))) is None

    form = load_form()
    values = {k: v for k, v in load_json(sample("370602-D01")).values.items() if k in form.input_keys}
    box = tmp_path / "in"
    box.mkdir()
    for code, name in FUSHAN:  # each unit's own template, filled with figures: real returns
        write_template(form, box, year=2024, unit_name=name, unit_code=code, values=values)
    roster = tmp_path / "fushan.csv"
    roster.write_text("code,name\n" + "\n".join(f"{c},{n}" for c, n in FUSHAN) + "\n", encoding="utf-8")
    out = tmp_path / "fushan.xlsx"
    r = run("consolidate", str(box), "--roster", str(roster), "-o", str(out), "--silent", "-j", "1")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "汇总：烟台市福山区 2024 年度"
    wb = load_workbook(out, read_only=True)
    cover = [r for r in wb["填报说明"].iter_rows(values_only=True) if r and r[0]]
    wb.close()
    assert ("填报单位", "烟台市福山区") in [(r[0], r[1]) for r in cover]
    assert any(str(r[0]).startswith("1. 本工作簿是烟台市福山区2024年度") for r in cover)

    # half 福山区, half 洪泽区: no name to take; the clerk is asked for one
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("code,name\n370611-01,烟台市福山区财政局\n320813-01,淮安市洪泽区财政局\n", encoding="utf-8")
    r = run("consolidate", str(box), "--roster", str(mixed), "--silent", "-j", "1")
    lines = r.stdout.splitlines()
    assert lines[0] == "汇总：（汇总单位名称未确定） 2024 年度"
    assert "注意：无法从名单确定汇总单位的名称（多数单位名称没有共同的地名开头），汇总表中暂写为“汇总”" in lines
    assert any(line.startswith("  请用 --unit-name 给出汇总单位的名称后重新汇总") for line in lines)


def test_a_run_of_no_known_year_says_so(tmp_path):
    box = tmp_path / "in"
    box.mkdir()
    rep = load_json(sample("370602-D01"))
    rep.year = None
    save_json(rep, box / "D01.json")
    r = run(
        "consolidate", str(box), "--roster", str(roster_csv(tmp_path / "r.csv", ["370602-D01"])), "--unit-name", "甲区"
    )
    assert r.stdout.splitlines()[0] == "汇总：甲区（年度未知）"
    en = run("consolidate", str(box), "--roster", str(tmp_path / "r.csv"), "--unit-name", "甲区", "--lang", "en")
    assert en.stdout.splitlines()[0] == "Consolidation: 甲区 (year unknown) (gov-disclosure-2021)"


# --------------------------------------------------------------------------- 3. nothing counted


def test_a_consolidation_of_another_year_counts_nothing_exits_1_and_writes_nothing(tmp_path):
    box = inbox(tmp_path / "in", DEPTS[:3])
    out, long = tmp_path / "汇总.xlsx", tmp_path / "long.csv"
    sub = roster_csv(tmp_path / "r.csv", DEPTS[:3])
    r = run("consolidate", str(box), "--roster", str(sub), "--year", "2020", "-o", str(out), "--long", str(long))
    assert r.exit_code == 1, r.output
    assert not out.exists() and not long.exists()
    lines = r.stdout.splitlines()
    assert "注意：没有计入任何单位：3 个文件均为 2021 年度，本次汇总的是 2020 年度" in lines
    assert "  所有文件均为 2021 年度，是否应为 --year 2021？" in lines
    assert "汇总校验（C-SUM）：通过" not in r.stdout
    assert "汇总校验（C-SUM）：未进行（没有计入任何单位）" in lines
    assert lines[-1] == f"未写出汇总表：没有计入任何单位（{out}、{long}）"
    doc = json.loads(run("consolidate", str(box), "--roster", str(sub), "--year", "2020", "--json").stdout)
    (notice,) = doc["notices"]
    assert notice["rule"] == "CONS-EMPTY" and doc["outputs"] == []
    en = run("consolidate", str(box), "--roster", str(sub), "--year", "2020", "--lang", "en")
    assert "  Every file is of 2021: did you mean --year 2021?" in en.stdout.splitlines()


def test_a_roster_that_matches_no_file_counts_nothing(tmp_path):
    box = inbox(tmp_path / "in", DEPTS[:2])
    other = roster_csv(tmp_path / "streets.csv", STREETS)
    out = tmp_path / "汇总.xlsx"
    r = run("consolidate", str(box), "--roster", str(other), "-o", str(out))
    assert r.exit_code == 1 and not out.exists()
    lines = r.stdout.splitlines()
    assert "注意：没有计入任何单位：没有一个文件属于名单中的单位" in lines
    assert "  请检查 --roster 是否是这些文件所属单位的名单，以及给出的文件夹是否正确。" in lines


# --------------------------------------------------------------------------- 4. outputs


def test_an_output_that_is_one_of_the_returns_is_refused(tmp_path):
    box = inbox(tmp_path / "inbox", DEPTS[:2])
    (d04,) = (ROOT / "samples" / "returned").glob("370602-D04_*.xlsx")  # a department's real return
    xlsx = Path(shutil.copy(d04, box))
    before = hashlib.sha256(xlsx.read_bytes()).hexdigest()
    sub = roster_csv(tmp_path / "r.csv", DEPTS)
    r = run("consolidate", str(box), "--roster", str(sub), "-o", str(xlsx))
    assert r.exit_code == 2
    assert f"-o {xlsx} 是要汇总的文件之一，写出会覆盖它" in r.output
    assert hashlib.sha256(xlsx.read_bytes()).hexdigest() == before
    csv = box / "unit.csv"
    csv.write_text("x\n1\n", encoding="utf-8")
    r = run("consolidate", str(box), "--roster", str(sub), "--long", str(csv))
    assert r.exit_code == 2 and "--long" in r.output and csv.read_text(encoding="utf-8") == "x\n1\n"
    # a name of its own inside the inbox is written (with the note that the next run reads it)
    r = run("consolidate", str(box), "--roster", str(sub), "-o", str(box / "汇总.xlsx"))
    assert r.exit_code == 0 and (box / "汇总.xlsx").exists()


def test_without_o_the_terminal_says_no_workbook_was_written(tmp_path):
    box = inbox(tmp_path / "in", DEPTS[:2])
    sub = roster_csv(tmp_path / "r.csv", DEPTS[:2])
    r = run("consolidate", str(box), "--roster", str(sub))
    assert r.exit_code == 0
    assert r.stdout.splitlines()[-1] == (
        "未写出汇总表：加 -o 汇总.xlsx 即可写出汇总工作簿（正式表格、报送情况、单位明细、问题清单和图表）。"
    )
    assert list(tmp_path.glob("**/*.xlsx")) == []


# --------------------------------------------------------------------------- 5. the same figures


def test_validate_and_consolidate_agree_on_the_same_figures(tmp_path):
    """A workbook's fee 215.950247 is a float to the reader, the JSON of it a Decimal: the same figure."""
    form = load_form()
    rep = load_json(sample("370602-D01"))
    rep.values["t2.fees.amount"] = Decimal("215.950247")
    box = tmp_path / "in"
    box.mkdir()
    inputs = {k: v for k, v in rep.values.items() if k in form.input_keys}
    xlsx = write_template(
        form, box / "D01.xlsx", year=2021, unit_name=rep.unit_name, unit_code=rep.unit_code, values=inputs
    )
    got = run("read", str(xlsx), "-o", str(box / "D01.json"))
    assert got.exit_code == 0, got.output
    read = json.loads((box / "D01.json").read_text(encoding="utf-8"))
    read["source"].pop("sha256", None)  # compared by figures, not as a reading of the same bytes
    (box / "D01.json").write_text(json.dumps(read, ensure_ascii=False), encoding="utf-8")
    from xltool.sources import load_any

    a, b = load_any(xlsx).report, load_any(box / "D01.json").report
    assert type(a.values["t2.fees.amount"]) is float and type(b.values["t2.fees.amount"]) is Decimal

    v = run("validate", str(xlsx), str(box / "D01.json"))
    assert f"  {rep.unit_name}：D01.xlsx、D01.json（数值相同）" in v.stdout
    for p in (xlsx, box / "D01.json"):  # copied together: no time tells them apart
        os.utime(p, (1_700_000_000, 1_700_000_000))
    c = run("consolidate", str(box), "--roster", str(roster_csv(tmp_path / "r.csv", ["370602-D01"])), "-j", "1")
    assert f"      D01.xlsx  {rep.unit_name}  （以 D01.json 为准：各文件内容相同）" in c.stdout.splitlines()
    assert "CONS-DUPLICATE-UNDECIDED" not in c.stdout and c.exit_code == 0
    # a figure that really differs is still told
    read["values"]["t2.fees.amount"] = 215.95
    (box / "D01.json").write_text(json.dumps(read, ensure_ascii=False), encoding="utf-8")
    v = run("validate", str(xlsx), str(box / "D01.json"))
    assert f"  {rep.unit_name}：D01.xlsx、D01.json（数值不同：1 处）" in v.stdout


# --------------------------------------------------------------------------- 6. the long table


def test_the_long_table_beside_the_summaries_is_skipped(districts, tmp_path):
    long = districts["B-long"]
    head = long.read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("unit,code,category,table")
    v = run("validate", str(long))
    assert v.stdout.splitlines()[0] == "— 已跳过  B-long.csv  不是年度报告或报表文件"
    doc = json.loads(run("validate", str(long), "--json").stdout)
    (f,) = doc["files"][0]["findings"]
    assert f["rule"] == "FILE-NOT-REPORT" and "xltool 汇总导出的长表 CSV" in f["message"]
    assert "这是 xltool consolidate --long 写出的长表" in f["message"]
    # beside the summaries the city consolidates: skipped, not a file of unknown unit
    box = tmp_path / "city-in"
    box.mkdir()
    for k in ("A", "B", "B-long"):
        shutil.copy(districts[k], box)
    gbk = box / "B-long-gbk.csv"  # saved again by a spreadsheet, without some columns, in GB18030
    rows = [line.split(",") for line in long.read_text(encoding="utf-8-sig").splitlines()]
    keep = [rows[0].index(c) for c in ("unit", "code", "key", "value")]
    gbk.write_bytes("\r\n".join(",".join(r[i] for i in keep) for r in rows).encode("gb18030"))
    r = run("consolidate", str(box), "--roster", str(districts["city"]), "--unit-name", "某市", "-j", "1")
    lines = r.stdout.splitlines()
    assert lines[lines.index("  不是报表文件（已跳过）：") + 1 :][:2] == ["      B-long-gbk.csv", "      B-long.csv"]
    assert "无法识别单位" not in r.stdout
    # `xltool read` of it: no report either
    assert run("read", str(long)).exit_code == 1


# --------------------------------------------------------------------------- 7. read --silent, page numbers


def test_read_accepts_silent(districts, tmp_path):
    out = tmp_path / "A.json"
    r = run("read", str(districts["A"]), "-o", str(out), "--silent")
    assert r.exit_code == 0, r.output
    assert r.stderr == "" and load_json(out).unit_name == "甲区"


def test_the_summarys_form_sheets_print_page_numbers(districts, pdftoppm, tmp_path):
    wb = load_workbook(districts["A"])
    assert {ws.title: ws.oddFooter.center.text for ws in wb.worksheets if ws.sheet_state == "visible"}.keys() >= {
        "填报说明",
        "表二",
        "表三",
        "表四",
    }
    for name in ("填报说明", "表二", "表三", "表四"):
        assert wb[name].oddFooter.center.text == "第 &P 页，共 &N 页", name
    wb.close()
    (pdf,) = convert([districts["A"]], "pdf", tmp_path / "pdf")
    exe = shutil.which("pdftotext") or str(Path(pdftoppm).with_name("pdftotext"))
    text = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 5
    for i, page in enumerate(pages, start=1):
        m = re.search(r"第 (\d+) 页，共 (\d+) 页", page)
        assert m is not None, f"page {i} has no page number:\n{page[-300:]}"
        assert m.group(1) == str(i) and m.group(2) == str(len(pages))


# --------------------------------------------------------------------------- 8. English help


@pytest.mark.parametrize("command", ["validate", "read", "consolidate"])
def test_english_help_keeps_each_example_on_one_line(command):
    r = run("--lang", "en", command, "--help")
    lines = r.stdout.splitlines()
    start = lines.index("  Example:")
    examples = []
    for line in lines[start + 1 :]:
        if line and not line.startswith("  "):
            break
        if line.strip():
            examples.append(line.strip())
    assert examples and all(e.startswith(f"xltool {command} ") for e in examples), examples
