"""Consolidation of the 36 sample units: totals, who lands where, C-SUM, the long table, the CLI.

The workbook, LibreOffice and multi-level tests are in test_consolidate_xlsx.py.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from xltool.cli import cli
from xltool.consolidate import (
    COUNTED,
    ERRORS,
    FOREIGN,
    MISSING,
    PASSED,
    SUPERSEDED,
    UNIDENTIFIED,
    WARNINGS,
    consolidate,
    default_unit_name,
    indicators,
    write_long,
)
from xltool.interchange import UnitReport, load_json, save_json
from xltool.layout import sheet_cells
from xltool.roster import Roster, Unit, load_roster
from xltool.schema import load_form

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = SAMPLES / "data"
PRIOR = SAMPLES / "prior"
ROSTER = SAMPLES / "roster.csv"

ERROR_UNITS = {"370602-D07", "370602-D10", "370602-D19", "370602-D22", "370602-S03"}
"""The sample units with a deliberate 错误 (samples/README.md)."""
WARNING_UNITS = {"370602-D03", "370602-D06"}
"""The sample units with a deliberate 警告 (X-IN-FORCE, X-CARRY), seen with --prior."""


def sample_file(code: str) -> Path:
    (p,) = DATA.glob(f"{code}_*.json")
    return p


def raw_number(v: object) -> int | Decimal:
    """An independent reading of a sample value: blanks and "/" are 0, full-width digits are digits."""
    if v is None:
        return 0
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if s in ("", "/", "无", "—", "－"):
            return 0
        return Decimal(s) if "." in s else int(s)
    assert isinstance(v, (int, Decimal)) and not isinstance(v, bool)
    return v


def independent_sum(codes: set[str]) -> dict[str, int | Decimal]:
    """Every key summed straight from the sample JSON (parsed here, not by xltool)."""
    out: dict[str, int | Decimal] = {}
    for code in codes:
        doc = json.loads(sample_file(code).read_text(encoding="utf-8"), parse_float=Decimal)
        for k, v in doc["values"].items():
            out[k] = out.get(k, 0) + raw_number(v)
    return out


@pytest.fixture(scope="module")
def roster() -> Roster:
    return load_roster(ROSTER)


@pytest.fixture(scope="module")
def cons(roster):
    return consolidate([DATA], roster, prior=[PRIOR], group_by="category")


# --------------------------------------------------------------------------- the 36 sample units


def test_totals_equal_an_independent_sum_of_the_sample_json(cons, roster):
    counted = {u.code for u in roster.units} - ERROR_UNITS
    expected = independent_sum(counted)
    form = load_form()
    assert set(expected) == set(form.cells)  # the samples carry every cell, totals included
    got = cons.totals["value"].to_dict()
    assert got == expected
    # exact types: counts are int, the fee amount Decimal (no float anywhere)
    assert all(type(v) is int for k, v in got.items() if form.cells[k].type == "integer")
    assert isinstance(got["t2.fees.amount"], Decimal)
    assert got["t2.fees.amount"] == sum(
        (raw_number(load_json(sample_file(c)).values["t2.fees.amount"]) for c in counted), start=Decimal(0)
    )
    # totals derived on the sum equal the members' own totals summed: C-SUM passes
    assert cons.ok and cons.csum == []
    assert cons.member_sum == expected


def test_status_of_the_sample_units(cons, roster):
    st = cons.status.set_index("code")
    assert set(st.index) == {u.code for u in roster.units}
    assert set(st.index[st["status"] == ERRORS]) == ERROR_UNITS
    assert set(st.index[st["status"] == WARNINGS]) == WARNING_UNITS
    assert (st["status"] == PASSED).sum() == 36 - len(ERROR_UNITS) - len(WARNING_UNITS)
    assert set(st.index[st["counted"]]) == {u.code for u in roster.units} - ERROR_UNITS
    assert cons.status_line() == "应报 36｜已收 36｜通过 29｜仅警告 2｜有错误 5｜未报 0"
    assert cons.status_line("en").startswith("expected 36 | received 36 | passed 29")
    assert "T4-TOTAL" in st.loc["370602-D07", "problems"]
    assert cons.year == 2021 and cons.unit_name == "烟台市芝罘区"
    assert cons.report.meta["level"] == "consolidation"
    assert [m["code"] for m in cons.report.meta["members"]] == sorted(set(st.index) - ERROR_UNITS)


def test_findings_frame_and_units_frame(cons):
    f = cons.findings
    d10 = f[f["code"] == "370602-D10"]
    assert set(d10["rule"]) == {"T3-BALANCE"} and len(d10) == 2
    assert set(f.loc[f["code"] == "370602-S05", "rule"]) == {"VALUE-BLANK"}
    wide = cons.units
    assert wide.loc["370602-D04", "t3.new_received.total"] == load_json(sample_file("370602-D04")).values.get(
        "t3.new_received.total"
    )
    assert not wide.loc["370602-D10", "counted"] and wide.loc["370602-D10", "status"] == ERRORS


def test_indicators_come_from_the_form_declaration():
    form = load_form()
    inds = {i.header: i for i in indicators(form)}
    t3 = form.table("t3")
    # 不予公开 is the group of the 8 denied_* rows, read from the rows' `groups`
    denied = next(i for i in inds.values() if i.header == "（三）不予公开")
    assert denied.keys == tuple(f"t3.{r.id}.total" for r in t3.rows if "（三）不予公开" in r.groups)
    assert len(denied.keys) == 8
    assert inds["行政复议总计"].keys == ("t4.review.total",)
    assert inds["行政诉讼总计"].keys == ("t4.litigation_direct.total", "t4.litigation_after_review.total")
    first = indicators(form)[0]
    assert first.role == "applications" and first.keys == ("t3.new_received.total",)
    outcome = [i.header for i in indicators(form) if i.role == "outcome"]
    assert outcome[:2] == ["（一）予以公开", t3.row_map["partly_granted"].label]
    assert len(outcome) == 6
    # every table-二 cell is its own indicator, named by the form
    assert [i.keys[0] for i in indicators(form) if i.table == "t2"] == [k for k in form.cells if k.startswith("t2.")]


def test_subtotals_add_up_to_the_district(cons):
    sub = cons.subtotals()
    assert list(sub["group"]) == ["部门", "街道"]
    assert list(sub["expected"]) == [24, 12]
    for k, ind in enumerate(cons.indicators):
        assert sum(sub[ind.header]) == cons.indicator_totals()[k]


def test_prior_values_are_last_years_district(cons):
    expected = independent_sum_prior()
    assert cons.prior_values["t3.new_received.total"] == expected["t3.new_received.total"]


def independent_sum_prior() -> dict[str, int | Decimal]:
    out: dict[str, int | Decimal] = {}
    for p in PRIOR.glob("*.json"):
        doc = json.loads(p.read_text(encoding="utf-8"), parse_float=Decimal)
        for k, v in doc["values"].items():
            out[k] = out.get(k, 0) + raw_number(v)
    return out


def test_default_unit_name_is_the_district():
    r = Roster((Unit("1", "淮安市洪泽区人民政府办公室"), Unit("2", "淮安市洪泽区教育局")))
    assert default_unit_name(r) == "淮安市洪泽区"
    assert default_unit_name(Roster((Unit("1", "甲"), Unit("2", "乙")))) == "汇总"


# --------------------------------------------------------------------------- an inbox as it really comes in


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """The sample returns with 3 units missing, a duplicate, a foreign unit and two unreadable files."""
    d = tmp_path_factory.mktemp("inbox")
    for p in DATA.glob("*.json"):
        if not p.name.startswith(("370602-S10", "370602-S11", "370602-S12")):
            shutil.copy(p, d / p.name)
    # D01 sent twice: the first copy (older) had other numbers; the newer one must count
    old = load_json(sample_file("370602-D01"))
    old.values["t2.licensing.decisions"] = 99999
    save_json(old, d / "D01-first-version.json")
    os.utime(d / "D01-first-version.json", (1_600_000_000, 1_600_000_000))
    # a unit that is not in the roster
    foreign = load_json(sample_file("370602-D04"))
    foreign.unit_name, foreign.unit_code = "烟台市莱山区科学技术局", "370613-D04"
    save_json(foreign, d / "莱山区科学技术局.json")
    # unreadable: one names its unit (S12, otherwise missing), one does not
    (d / "370602-S12_烟台市芝罘区幸福街道办事处_2021.json").write_text("{broken", encoding="utf-8")
    (d / "新建文件.json").write_text("not json", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def inbox_cons(inbox, roster):
    return consolidate([inbox], roster)


def test_missing_invalid_duplicate_and_foreign_files_land_where_they_should(inbox_cons, inbox):
    c = inbox_cons
    st = c.status.set_index("code")
    roles = {Path(f).name: r for f, r in zip(c.files["file"], c.files["role"], strict=True)}
    # missing: S10, S11 (S12 sent an unreadable file: it has reported, with an error)
    assert c.missing_units == ["烟台市芝罘区只楚街道办事处", "烟台市芝罘区世回尧街道办事处"]
    assert st.loc["370602-S12", "status"] == ERRORS and not st.loc["370602-S12", "counted"]
    assert "JSON-INVALID" in st.loc["370602-S12", "problems"]
    # invalid: errors, not counted
    assert set(st.index[(st["status"] == ERRORS)]) == ERROR_UNITS | {"370602-S12"}
    # duplicate: the newer file counts, the first version is superseded and not summed
    assert roles["D01-first-version.json"] == SUPERSEDED
    assert roles[sample_file("370602-D01").name] == COUNTED
    assert st.loc["370602-D01", "superseded"] == 1
    row = c.files[c.files["file"].str.endswith("D01-first-version.json")].iloc[0]
    assert Path(row["superseded_by"]).name == sample_file("370602-D01").name
    counted = {u for u in st.index[st["counted"]]}
    assert c.totals.loc["t2.licensing.decisions", "value"] == independent_sum(counted)["t2.licensing.decisions"]
    # foreign: listed, not counted, not a roster row
    assert roles["莱山区科学技术局.json"] == FOREIGN
    assert "烟台市莱山区科学技术局" not in set(c.status["name"])
    f = c.findings
    assert "UNIT-UNKNOWN" in set(f.loc[f["file"].str.endswith("莱山区科学技术局.json"), "rule"])
    # a broken file that names no unit
    assert roles["新建文件.json"] == UNIDENTIFIED
    assert c.status_line() == "应报 36｜已收 34｜通过 28｜仅警告 0｜有错误 6｜未报 2"
    assert c.counts["counted"] == 28 and c.counts["foreign"] == 1 and c.counts["superseded"] == 1
    assert c.ok  # what is counted is consistent


def test_superseded_files_problems_are_not_the_units(inbox_cons):
    f = inbox_cons.findings
    assert not f["file"].str.endswith("D01-first-version.json").any()


def test_duplicate_is_decided_by_fill_time_before_file_time(tmp_path, roster):
    """The template's fill metadata says which return is newer, even when the file times say otherwise."""
    a = load_json(sample_file("370602-D02"))
    b = load_json(sample_file("370602-D02"))
    a.meta["filled_at"] = "2022-01-20T10:00:00+08:00"
    b.meta["filled_at"] = "2022-01-10T10:00:00+08:00"
    b.values["t2.coercion.decisions"] = 77
    save_json(a, tmp_path / "a.json")
    save_json(b, tmp_path / "b.json")
    os.utime(tmp_path / "a.json", (1_600_000_000, 1_600_000_000))  # a's file is older, its fill newer
    c = consolidate([tmp_path], roster)
    roles = {Path(f).name: r for f, r in zip(c.files["file"], c.files["role"], strict=True)}
    assert roles == {"a.json": COUNTED, "b.json": SUPERSEDED}
    assert c.totals.loc["t2.coercion.decisions", "value"] == raw_number(a.values["t2.coercion.decisions"])
    assert c.status_line() == "应报 36｜已收 1｜通过 1｜仅警告 0｜有错误 0｜未报 35"
    assert set(c.files["newest_by"]) == {"按填报时间"}
    b_row = c.files[c.files["file"].str.endswith("b.json")].iloc[0]
    assert "（按填报时间）" in superseded_title(c, "b.json")
    assert Path(b_row["superseded_by"]).name == "a.json"


def superseded_title(c, name: str) -> str:
    """The CONS-SUPERSEDED sentence of a superseded file (as 报送情况 and the CLI show it)."""
    e = next(e for e in c.entries if Path(e.file).name == name)
    return next(f.title["zh"] for f in e.result.findings if f.rule == "CONS-SUPERSEDED")


def test_a_duplicate_decided_by_file_time_says_it_is_unreliable(inbox_cons):
    st = inbox_cons.status.set_index("code")
    assert st.loc["370602-D01", "newest_by"] == "按文件修改时间（不可靠）"
    assert st.loc["370602-D01", "problems"].endswith("本单位共报送 2 份文件，以本文件为准（按文件修改时间（不可靠））")
    assert superseded_title(inbox_cons, "D01-first-version.json") == (
        f"本单位以另一份报送文件“{sample_file('370602-D01').name}”为准（按文件修改时间（不可靠）），本文件未计入汇总"
    )


# Two returns of one unit on its real template, as xlsx files: `newer` was saved by its program later
# (docProps/core.xml dcterms:modified), but its file time is older — as after a USB copy done in the wrong order.
SAVED_OLD = datetime(2022, 1, 10, 9, 0, 0)
SAVED_NEW = datetime(2022, 1, 20, 16, 30, 0)


def save_with_core_modified(path: Path, when: datetime) -> Path:
    """Re-save a workbook with openpyxl, keeping `when` as its docProps/core.xml modified time (UTC).

    openpyxl's save_workbook() stamps the current time; its ExcelWriter writes what the properties say.
    """
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl import load_workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = load_workbook(path)
    wb.properties.modified = when
    tmp = path.with_name(path.name + ".tmp")
    ExcelWriter(wb, ZipFile(tmp, "w", ZIP_DEFLATED, allowZip64=True)).save()
    tmp.replace(path)
    return path


def core_modified(path: Path) -> str:
    """dcterms:modified of a workbook, read straight from its docProps/core.xml."""
    import re
    from zipfile import ZipFile

    with ZipFile(path) as z:
        xml = z.read("docProps/core.xml").decode("utf-8")
    m = re.search(r"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>", xml)
    assert m, xml
    return m.group(1)


@pytest.fixture(scope="module")
def two_saves(tmp_path_factory, roster) -> dict[str, Path]:
    """D02's template filled twice (other 行政强制 figures): saved 2022-01-10 and 2022-01-20, file times reversed."""
    from xltool.fill import fill_template
    from xltool.template import write_template

    d = tmp_path_factory.mktemp("two_saves")
    unit = roster.by_code("370602-D02")
    template = write_template(
        load_form(), d / "tpl" / "template.xlsx", year=2021, unit_name=unit.name, unit_code=unit.code
    )
    inbox = d / "inbox"
    out = {}
    for name, saved, coercion, mtime in (
        ("发改局-旧.xlsx", SAVED_OLD, 11, 1_700_000_000),
        ("发改局-新.xlsx", SAVED_NEW, 22, 1_600_000_000),
    ):
        data = load_json(sample_file("370602-D02"))
        data.values["t2.coercion.decisions"] = coercion
        path = save_with_core_modified(fill_template(template, data, inbox / name), saved)
        os.utime(path, (mtime, mtime))
        out[name] = path
    assert core_modified(out["发改局-新.xlsx"]) == "2022-01-20T16:30:00Z"
    assert out["发改局-新.xlsx"].stat().st_mtime < out["发改局-旧.xlsx"].stat().st_mtime
    return out


def loaded_with_saved_time(paths) -> list:
    """The files read and validated, meta["modified"] set from docProps/core.xml as the reader is to do."""
    from xltool.sources import load_any
    from xltool.validate import validate_loaded

    out = []
    for p in paths:
        r = validate_loaded(load_any(p), year=2021)
        assert r.report is not None and r.valid, r.findings
        r.report.meta["modified"] = core_modified(p)
        out.append(r)
    return out


def test_duplicate_is_decided_by_the_workbooks_saved_time_not_the_file_time(two_saves, roster):
    c = consolidate(loaded_with_saved_time(two_saves.values()), roster)
    roles = {Path(f).name: r for f, r in zip(c.files["file"], c.files["role"], strict=True)}
    assert roles == {"发改局-新.xlsx": COUNTED, "发改局-旧.xlsx": SUPERSEDED}
    assert c.totals.loc["t2.coercion.decisions", "value"] == 22
    st = c.status.set_index("code")
    assert st.loc["370602-D02", "newest_by"] == "按工作簿保存时间"
    assert st.loc["370602-D02", "problems"] == "本单位共报送 2 份文件，以本文件为准（按工作簿保存时间）"
    assert superseded_title(c, "发改局-旧.xlsx") == (
        "本单位以另一份报送文件“发改局-新.xlsx”为准（按工作簿保存时间），本文件未计入汇总"
    )
    # without the saved time the file time decides — the wrong one here — and says it is unreliable
    for r in (bare := loaded_with_saved_time(two_saves.values())):
        del r.report.meta["modified"]
    c = consolidate(bare, roster)
    assert c.totals.loc["t2.coercion.decisions", "value"] == 11
    assert c.status.set_index("code").loc["370602-D02", "newest_by"] == "按文件修改时间（不可靠）"


def test_duplicates_that_cannot_be_put_in_order_are_flagged_not_chosen(two_saves, roster, tmp_path):
    same = loaded_with_saved_time(two_saves.values())
    for r in same:
        r.report.meta["modified"] = "2022-01-20T16:30:00Z"
    for p in two_saves.values():
        os.utime(p, (1_650_000_000, 1_650_000_000))
    try:
        c = consolidate(same, roster)
        also = consolidate(same, roster, include_invalid=True)  # never picks one by chance either
    finally:
        os.utime(two_saves["发改局-旧.xlsx"], (1_700_000_000, 1_700_000_000))
        os.utime(two_saves["发改局-新.xlsx"], (1_600_000_000, 1_600_000_000))
    for cons in (c, also):
        st = cons.status.set_index("code")
        assert st.loc["370602-D02", "status"] == ERRORS and not st.loc["370602-D02", "counted"]
        assert cons.counts["counted"] == 0 and cons.totals.loc["t2.coercion.decisions", "value"] == 0
    # the first by name stands for the unit (uncounted); the other is listed apart, pointing at no "newer" file
    st = c.status.set_index("code")
    assert Path(st.loc["370602-D02", "file"]).name == "发改局-新.xlsx"
    assert st.loc["370602-D02", "newest_by"] == "无法判断先后"
    assert st.loc["370602-D02", "problems"] == (
        "【错误 CONS-DUPLICATE-UNDECIDED】本单位报送了 2 份内容不同的文件，无法判断哪份较新"
        "（工作簿保存时间相同、模板生成时间相同、文件修改时间相差不到 2 秒），均未计入汇总；另见：发改局-旧.xlsx"
    )
    other = next(e for e in c.entries if Path(e.file).name == "发改局-旧.xlsx")
    assert other.role == "undecided" and other.superseded_by is None and other.undecided
    assert "另见：发改局-新.xlsx" in next(f.title["zh"] for f in other.result.findings if f.severity == "error")


def test_identical_duplicates_need_no_decision(tmp_path, roster):
    shutil.copy(sample_file("370602-D05"), tmp_path / "a.json")
    shutil.copy(sample_file("370602-D05"), tmp_path / "b.json")
    for p in (tmp_path / "a.json", tmp_path / "b.json"):
        os.utime(p, (1_650_000_000, 1_650_000_000))
    c = consolidate([tmp_path], roster)
    roles = {Path(f).name: r for f, r in zip(c.files["file"], c.files["role"], strict=True)}
    assert roles == {"a.json": COUNTED, "b.json": SUPERSEDED}
    assert c.status.set_index("code").loc["370602-D05", "newest_by"] == "各文件内容相同"


def test_a_return_of_the_consolidation_year_beats_last_years(tmp_path, roster):
    shutil.copy(sample_file("370602-D05"), tmp_path / "2021.json")
    shutil.copy(next(PRIOR.glob("370602-D05_*.json")), tmp_path / "2020.json")
    c = consolidate([tmp_path], roster, year=2021)
    roles = {Path(f).name: r for f, r in zip(c.files["file"], c.files["role"], strict=True)}
    assert roles == {"2021.json": COUNTED, "2020.json": SUPERSEDED}
    assert "（按报表年度）" in superseded_title(c, "2020.json")


def test_cli_says_how_a_duplicate_was_decided(tmp_path):
    shutil.copy(sample_file("370602-D05"), tmp_path / "新.json")
    old = load_json(sample_file("370602-D05"))
    old.values["t2.coercion.decisions"] = 5
    save_json(old, tmp_path / "旧.json")
    os.utime(tmp_path / "旧.json", (1_600_000_000, 1_600_000_000))
    r = CliRunner().invoke(cli, ["consolidate", str(tmp_path), "--roster", str(ROSTER)])
    assert r.exit_code == 0, r.output
    assert (
        "      旧.json  烟台市芝罘区工业和信息化局  （以 新.json 为准：按文件修改时间（不可靠））"
        in r.stdout.splitlines()
    )


def test_end_to_end_the_readers_saved_time_decides(two_saves, roster):
    """Files only, as `xltool consolidate` gets them: the reader itself gives meta["modified"] from
    docProps/core.xml (the reader change of the lead), and that saved time decides, not the file time."""
    from xltool.sources import load_any

    assert load_any(two_saves["发改局-新.xlsx"]).report.meta.get("modified") == "2022-01-20T16:30:00Z"
    c = consolidate([two_saves["发改局-旧.xlsx"].parent], roster)
    assert c.totals.loc["t2.coercion.decisions", "value"] == 22
    assert c.status.set_index("code").loc["370602-D02", "newest_by"] == "按工作簿保存时间"
    r = CliRunner().invoke(cli, ["consolidate", str(two_saves["发改局-旧.xlsx"].parent), "--roster", str(ROSTER)])
    assert r.exit_code == 0, r.output
    assert "      发改局-旧.xlsx  烟台市芝罘区发展和改革局  （以 发改局-新.xlsx 为准：按工作簿保存时间）" in r.stdout


# --------------------------------------------------------------------------- options and C-SUM


def test_include_invalid_counts_everything_and_c_sum_reports_the_inconsistency(roster):
    c = consolidate([DATA], roster, include_invalid=True)
    st = c.status.set_index("code")
    assert st["counted"].all()
    assert set(st.index[st["included_invalid"]]) == ERROR_UNITS
    assert c.counts["counted"] == 36
    # the invalid members' stated totals disagree with their parts: the summed table cannot be
    # consistent, and C-SUM says where
    assert not c.ok
    rules = {f.rule for f in c.csum}
    assert "C-SUM" in rules and "T3-BALANCE" in rules
    t4 = next(f for f in c.csum if f.rule == "C-SUM" and f.keys == ["t4.review.total"])
    assert t4.left == t4.right - 1  # 司法局 stated 行政复议 总计 one more than its parts
    assert t4.cells == [sheet_cells(c.form)["t4.review.total"]]
    marks = c.findings[c.findings["rule"] == "CONS-INCLUDED-INVALID"]
    assert set(marks["code"]) == ERROR_UNITS
    # the unusable value "约10" is left out of the sum and out of the comparison
    assert (
        c.totals.loc["t2.penalty.decisions", "value"]
        == independent_sum({u.code for u in roster.units} - {"370602-S03"})["t2.penalty.decisions"]
    )


def test_accepted_only_needs_an_explanation_for_every_warning(tmp_path, roster):
    for code in WARNING_UNITS | {"370602-D01"}:
        shutil.copy(sample_file(code), tmp_path)
    explained = load_json(sample_file("370602-D06"))
    explained.explanations["X-CARRY"] = "上年报告结转数填写有误，本年已更正。"
    save_json(explained, tmp_path / sample_file("370602-D06").name)
    default = consolidate([tmp_path], roster, prior=[PRIOR])
    assert set(default.status.loc[default.status["counted"], "code"]) == WARNING_UNITS | {"370602-D01"}
    strict = consolidate([tmp_path], roster, prior=[PRIOR], accepted_only=True)
    st = strict.status.set_index("code")
    assert set(st.index[st["counted"]]) == {"370602-D01", "370602-D06"}
    assert st.loc["370602-D03", "status"] == WARNINGS and not st.loc["370602-D03", "counted"]
    assert "CONS-UNEXPLAINED" in set(strict.findings.loc[strict.findings["code"] == "370602-D03", "rule"])


def test_multi_level_with_interchange_json(tmp_path, roster):
    """units -> 2 district summaries -> city equals units -> city (the data path, without workbooks)."""
    depts = Roster(tuple(u for u in roster.units if u.category == "部门"))
    streets = Roster(tuple(u for u in roster.units if u.category == "街道"))
    files = list(DATA.glob("*.json"))
    a = consolidate(files, depts, unit_name="甲区", unit_code="A")
    b = consolidate(files, streets, unit_name="乙区", unit_code="B")
    save_json(a.report, tmp_path / "a.json")
    save_json(b.report, tmp_path / "b.json")
    city_roster = Roster((Unit("A", "甲区", "区"), Unit("B", "乙区", "区")))
    city = consolidate([tmp_path / "a.json", tmp_path / "b.json"], city_roster, unit_name="某市")
    direct = consolidate(files, roster, unit_name="某市")
    assert city.ok and direct.ok
    assert city.evaluated.values == direct.evaluated.values
    # each district left its units with errors out: its summary says so (SUMMARY-INCOMPLETE, a warning)
    assert city.status_line() == "应报 2｜已收 2｜通过 0｜仅警告 2｜有错误 0｜未报 0"


def test_c_sum_catches_a_unit_counted_twice(tmp_path, roster):
    """A district summary and one of its own units given to the same consolidation: a double count."""
    files = list(DATA.glob("*.json"))
    depts = Roster(tuple(u for u in roster.units if u.category == "部门"))
    a = consolidate(files, depts, unit_name="甲区", unit_code="A")
    save_json(a.report, tmp_path / "a.json")
    shutil.copy(sample_file("370602-D01"), tmp_path)
    mixed = Roster((Unit("A", "甲区"), *[u for u in roster.units if u.code == "370602-D01"]))
    c = consolidate([tmp_path], mixed)
    assert not c.ok
    (double,) = [f for f in c.csum if f.rule == "CONS-DOUBLE"]
    assert "烟台市芝罘区人民政府办公室" in double.title["zh"] and "甲区" in double.title["zh"]


def test_a_return_on_another_form_is_not_counted(tmp_path, roster):
    shutil.copy(sample_file("370602-D01"), tmp_path)
    old = load_json(sample_file("370602-D02"))
    other = UnitReport("gov-disclosure-2019", 2021, old.unit_name, old.unit_code, {"t3.granted.natural_person": 1})
    save_json(other, tmp_path / "d02.json")
    c = consolidate([tmp_path], roster)
    st = c.status.set_index("code")
    assert st.loc["370602-D02", "status"] == ERRORS and not st.loc["370602-D02", "counted"]
    assert "CONS-FORM" in set(c.findings["rule"])
    assert c.form.id == "gov-disclosure-2021"


def test_a_return_of_another_year_is_an_error(tmp_path, roster):
    shutil.copy(sample_file("370602-D01"), tmp_path)
    shutil.copy(sample_file("370602-D02"), tmp_path)
    old = load_json(sample_file("370602-D03"))
    old.year = 2020
    save_json(old, tmp_path / "d03.json")
    c = consolidate([tmp_path], roster)
    assert c.year == 2021
    st = c.status.set_index("code")
    assert st.loc["370602-D03", "status"] == ERRORS and "YEAR-MISMATCH" in st.loc["370602-D03", "problems"]


# --------------------------------------------------------------------------- the long table


def test_long_csv_round_trips_into_pandas_with_the_same_totals(cons, tmp_path):
    p = write_long(cons, tmp_path / "long.csv")
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(df.columns)[:4] == ["unit", "code", "category", "table"]
    assert len(df) == cons.counts["counted"] * len(cons.form.cells)
    sums = df.groupby("key")["value"].agg(lambda s: sum((Decimal(v) for v in s), start=Decimal(0)))
    assert {k: sums[k] for k in cons.form.cells} == {k: Decimal(v) for k, v in cons.totals["value"].items()}
    assert df["file_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_long_parquet_round_trips_exactly(cons, tmp_path):
    pytest.importorskip("pyarrow")
    p = write_long(cons, tmp_path / "long.parquet")
    df = pd.read_parquet(p)
    sums = df.groupby("key")["value"].sum()
    assert {k: Decimal(sums[k]) for k in cons.form.cells} == {k: Decimal(v) for k, v in cons.totals["value"].items()}
    assert isinstance(df["value"].iloc[0], Decimal)


def test_long_csv_neutralises_formula_text(tmp_path):
    r = Roster((Unit("X1", '=HYPERLINK("http://x","点我")', "@部门"),))
    rep = load_json(sample_file("370602-D01"))
    rep.unit_name, rep.unit_code = r.units[0].name, "X1"
    save_json(rep, tmp_path / "x.json")
    c = consolidate([tmp_path / "x.json"], r)
    out = write_long(c, tmp_path / "long.csv")
    df = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(df["unit"]) == {'\'=HYPERLINK("http://x","点我")'}
    assert set(df["category"]) == {"'@部门"}


# --------------------------------------------------------------------------- CLI (no workbook)


def test_cli_status_line_and_exit_codes(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        cli, ["consolidate", str(DATA), "--roster", str(ROSTER), "--long", str(tmp_path / "l.csv"), "--silent"]
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[-3] == "应报 36｜已收 36｜通过 31｜仅警告 0｜有错误 5｜未报 0"  # no --prior: no 警告
    assert lines[-2] == f"已写入：{tmp_path / 'l.csv'}"
    assert lines[-1].startswith("未写出汇总表：加 -o 汇总.xlsx")  # no -o: the long table only
    assert "【错误 T4-TOTAL】" in res.stdout
    # --include-invalid: C-SUM fails, exit 1
    res = runner.invoke(cli, ["consolidate", str(DATA), "--roster", str(ROSTER), "--include-invalid", "--silent"])
    assert res.exit_code == 1
    assert "汇总校验（C-SUM）未通过" in res.stdout


def test_cli_json(tmp_path):
    res = CliRunner().invoke(cli, ["consolidate", str(DATA), "--roster", str(ROSTER), "--json", "--lang", "en"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ok"] is True and doc["counts"]["counted"] == 31
    assert doc["status_line"].startswith("expected 36 |")
    assert (
        doc["totals"]["t3.new_received.total"]
        == independent_sum({p.name[:10] for p in DATA.glob("*.json")} - ERROR_UNITS)["t3.new_received.total"]
    )


def test_cli_cannot_proceed(tmp_path):
    runner = CliRunner()
    empty_roster = tmp_path / "roster.csv"
    empty_roster.write_text("code,name\n", encoding="utf-8")
    res = runner.invoke(cli, ["consolidate", str(DATA), "--roster", str(empty_roster)])
    assert res.exit_code == 3
    (tmp_path / "empty").mkdir()
    res = runner.invoke(cli, ["consolidate", str(tmp_path / "empty"), "--roster", str(ROSTER)])
    assert res.exit_code == 3 and "没有找到" in res.output
    res = runner.invoke(cli, ["consolidate", str(DATA), "--roster", str(ROSTER), "--long", str(tmp_path / "x.txt")])
    assert res.exit_code == 2


def test_missing_status_constant_is_used(inbox_cons):
    assert set(inbox_cons.status["status"]) == {PASSED, ERRORS, MISSING}


def test_file_results_and_paths_give_the_same_consolidation(cons, roster):
    """FileResults validated elsewhere (here without the roster) consolidate like the paths they came from."""
    from xltool.validate import PriorData, validate_paths

    results = validate_paths([DATA], prior=PriorData.from_paths([PRIOR]))
    again = consolidate(results, roster, prior=[PRIOR])
    assert again.evaluated.values == cons.evaluated.values
    assert again.status_line() == cons.status_line()


def test_a_file_named_twice_is_read_once(roster):
    one = sample_file("370602-D01")
    c = consolidate([DATA, one], roster)
    assert len(c.files) == 36 and c.counts["superseded"] == 0


def test_files_listed_from_folders_and_named_once(tmp_path):
    """What a folder holds, as `expand_paths` lists it (links to files followed, a broken link listed for its
    finding, a link to a folder walked already not again, hidden folders and lock files not) and `unique_files`
    keeps it (a file reached twice counts once)."""
    import os

    from xltool.sources import expand_paths, unique_files

    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / ".git").mkdir()
    for name in ("b.xlsx", "a.xlsx", "sub/c.xlsx", ".git/x.xlsx", "~$a.xlsx", ".~lock.a.xlsx#", "Thumbs.db"):
        (inbox / name).write_bytes(b"x")
    os.symlink(inbox / "a.xlsx", inbox / "link-to-a.xlsx")
    os.symlink(inbox / "missing.xlsx", inbox / "broken.xlsx")
    os.symlink(inbox / "sub", inbox / "link-to-sub")
    listed = expand_paths([inbox])
    assert [p.relative_to(inbox).as_posix() for p in listed] == [
        "a.xlsx",
        "b.xlsx",
        "broken.xlsx",
        "link-to-a.xlsx",
        "sub/c.xlsx",
    ]
    again = unique_files(listed + [inbox / "sub" / ".." / "b.xlsx", inbox / "link-to-sub" / "c.xlsx"])
    assert [p.relative_to(inbox).as_posix() for p in again] == ["a.xlsx", "b.xlsx", "broken.xlsx", "sub/c.xlsx"]


def test_a_file_named_for_another_unit_is_told_a_name_it_can_have(tmp_path):
    """The rename CONS-NAME-MISMATCH suggests is one Windows accepts: / and : as "_", as `template` writes it."""
    from xltool.template import write_template

    form = load_form()
    units = (Unit("A01", "某区教育/体育局:分局"), Unit("A02", "某区财政局"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    values = {k: 0 for k in form.input_keys}
    write_template(
        form, inbox / "A02_某区财政局_2021.xlsx", year=2021, unit_name=units[0].name, unit_code="A01", values=values
    )
    cons = consolidate([inbox], Roster(units), year=2021)
    (f,) = [f for e in cons.entries for f in e.result.findings if f.rule == "CONS-NAME-MISMATCH"]
    assert "A01_某区教育_体育局_分局_2021.xlsx" in f.fix["zh"] and "本文件不计入任何单位" in f.title["zh"]
    assert cons.counts["counted"] == 0


def test_an_unreadable_file_beside_the_units_return_is_set_aside_with_its_reason(tmp_path, roster):
    """A Word file named for a unit that sent its workbook too is no older version of it: the workbook counts,
    the Word file is listed with what it is (not "older by the report year")."""
    import docx

    from xltool.consolidate import SUPERSEDED, UNREADABLE_BASIS

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = sample_file("370602-D01")
    shutil.copy(good, inbox / good.name)
    document = docx.Document()
    document.add_paragraph("说明")
    document.save(str(inbox / "370602-D01_伪装.xlsx"))
    cons = consolidate([inbox], roster)
    word = next(e for e in cons.entries if e.file.endswith("伪装.xlsx"))
    assert (word.role, word.newest_by, Path(word.superseded_by).name) == (SUPERSEDED, UNREADABLE_BASIS, good.name)
    assert cons.counts["counted"] == 1
    res = CliRunner().invoke(cli, ["consolidate", str(inbox), "--roster", str(ROSTER), "-o", str(tmp_path / "s.xlsx")])
    line = next(x for x in res.output.splitlines() if "伪装" in x)
    assert "Word 文档" in line and f"以 {good.name} 为准：本文件无法读取" in line
