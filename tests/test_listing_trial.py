"""Defects a trial found in how validate and consolidate list a unit's files (all files written here, read back).

1. Returns of one unit that differ and cannot be put in order are none of them counted: the summary workbook's
   报送情况 gave the second one the file status 已被替代 (superseded) and the count line counted it as
   已被替代, although the terminal said 无法判断先后. They have their own status, 无法判断先后（未计入）, and
   their own count, in the workbook, the terminal (zh and en) and the JSON alike.
2. `validate --roster` listed a file named for one roster unit (审计局) whose content is another's (市场监督管理局)
   among the latter's files (同一单位有多个文件（汇总时只计最新的一份）), as if it might be counted for it;
   consolidate counts it for neither. validate now groups the files as consolidate files them, and lists such a
   file apart, saying that it is counted for neither unit.
3. `validate --report`'s 总览 left 单位代码 blank for a workbook whose sheets were copied into a new one and for a
   CSV, although both were attributed to roster units: a file attributed to a roster unit shows the roster's code.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from xltool.cli import cli
from xltool.filenames import unit_filename
from xltool.interchange import UnitReport, load_json
from xltool.roster import load_roster
from xltool.rules import evaluate
from xltool.schema import load_form
from xltool.summary_xlsx import SHEET_STATUS

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "samples" / "roster.csv"
SAVED = datetime(2022, 1, 20, 16, 30, 0)
"""The saved time (docProps/core.xml) both of 发改局's returns carry: the same, so it cannot order them."""
MTIME = 1_650_000_000
"""The file time both of them carry (a copy made in one go)."""

FAGAI = "370602-D02"  # two differing returns that cannot be put in order
GONGXIN = "370602-D05"  # an old return and a newer one
TUIYI = "370602-D16"  # its sheets copied into a workbook of its own: no template, no code cell
YINGJI = "370602-D17"  # 表三 saved as CSV
SHENJI = "370602-D18"  # filled in 市场监督管理局's template, named as its own file
SHIJIAN = "370602-D19"  # its own return too

ROSTER_UNITS = {u.code: u for u in load_roster(ROSTER).units}
FAGAI_OTHER = "发改局报表.xlsx"
COPIED = "芝罘区退役军人事务局2021年政务公开统计表.xlsx"


def fname(code: str, suffix: str = ".xlsx") -> str:
    u = ROSTER_UNITS[code]
    return unit_filename(u.code, u.name, 2021, suffix)


def sample(code: str) -> UnitReport:
    (p,) = (ROOT / "samples" / "data").glob(f"{code}_*.json")
    return load_json(p)


def run(*args: str):
    return CliRunner().invoke(cli, [*args, "-j", "1"], catch_exceptions=False, prog_name="xltool")


def resave(path: Path, when: datetime, mtime: int | None = None) -> Path:
    """Save a workbook again with `when` as its docProps/core.xml modified time (openpyxl's save would stamp now)."""
    from openpyxl.writer.excel import ExcelWriter

    wb = load_workbook(path)
    wb.properties.modified = when
    tmp = path.with_name(path.name + ".tmp")
    ExcelWriter(wb, ZipFile(tmp, "w", ZIP_DEFLATED, allowZip64=True)).save()
    tmp.replace(path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def template_with_values(code: str, path: Path) -> Path:
    """The unit's template holding its sample figures, totals as values (what a program saves on copying)."""
    from xltool.template import write_template

    u = ROSTER_UNITS[code]
    form = load_form()
    values = dict(evaluate(form, sample(code)).values)
    return write_template(
        form, path, year=2021, unit_name=u.name, unit_code=u.code, values=values, total_formulas=False
    )


def copied_sheets(src: Path, out: Path) -> Path:
    """表二, 表三 and 表四 copied cell by cell into a new workbook (no cover, no metadata, no template)."""
    book = load_workbook(src)
    wb = Workbook()
    wb.remove(wb.active)
    for name in ("表二", "表三", "表四"):
        ws, s = wb.create_sheet(name), book[name]
        for row in s.iter_rows():
            for c in row:
                if c.value is not None:
                    ws.cell(c.row, c.column, c.value)
        for m in s.merged_cells.ranges:
            ws.merge_cells(str(m))
    wb.save(out)
    return out


def sheet_as_csv(src: Path, sheet: str, out: Path) -> Path:
    """One sheet's values as a CSV (UTF-8), as a spreadsheet program exports it: its 填报单位 line says the code."""
    ws = load_workbook(src)[sheet]
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for row in ws.iter_rows(values_only=True):
            w.writerow(["" if v is None or (isinstance(v, str) and v.startswith("=")) else v for v in row])
    return out


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    from xltool.fill import fill_template
    from xltool.template import write_template

    d = tmp_path_factory.mktemp("listing")
    tpl, box = d / "templates", d / "inbox"
    box.mkdir()
    form = load_form()

    def template(code: str) -> Path:
        u = ROSTER_UNITS[code]
        return write_template(form, tpl / fname(code), year=2021, unit_name=u.name, unit_code=u.code)

    # 1. 发改局: one template filled twice with other 行政强制 figures, saved at the same time, copied together
    t = template(FAGAI)
    for name, n in ((fname(FAGAI), 11), (FAGAI_OTHER, 22)):
        data = sample(FAGAI)
        data.values["t2.coercion.decisions"] = n
        resave(fill_template(t, data, box / name), SAVED, MTIME)
    # 工信局: an old version (saved ten days before) beside the newer one
    t = template(GONGXIN)
    resave(fill_template(t, sample(GONGXIN), box / "工信局-旧版.xlsx"), datetime(2022, 1, 10, 9, 0, 0), MTIME)
    resave(fill_template(t, sample(GONGXIN), box / fname(GONGXIN)), SAVED, MTIME)
    # 2. 审计局 filled in 市场监督管理局's template and named the file as its own; 市场监督管理局 sent its own
    t = template(SHIJIAN)
    shijian = sample(SHIJIAN)
    fill_template(t, shijian, box / fname(SHIJIAN))
    shijian.values["t2.coercion.decisions"] = 7
    fill_template(t, shijian, box / fname(SHENJI))
    # 3. a workbook of sheets copied from the template, and 表三 as CSV
    copied_sheets(template_with_values(TUIYI, d / "t16.xlsx"), box / COPIED)
    sheet_as_csv(template_with_values(YINGJI, d / "t17.xlsx"), "表三", box / fname(YINGJI, "-表三.csv"))
    return box


@pytest.fixture(scope="module")
def consolidated(inbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("cons")
    res = {}
    for lang in ("zh", "en"):
        r = run("consolidate", str(inbox), "--roster", str(ROSTER), "-o", str(out / f"汇总-{lang}.xlsx"), "--silent",
                "--lang", lang)  # fmt: skip
        assert r.exit_code == 0, r.output
        res[lang] = r.stdout
    r = run("consolidate", str(inbox), "--roster", str(ROSTER), "--json", "--silent", "-o", str(out / "j.xlsx"))
    res["json"] = json.loads(r.stdout)
    res["xlsx"] = out / "汇总-zh.xlsx"
    return res


@pytest.fixture(scope="module")
def validated(inbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("val")
    res = {}
    for lang in ("zh", "en"):
        r = run("validate", str(inbox), "--roster", str(ROSTER), "--report", str(out / f"校验结果-{lang}.xlsx"),
                "--lang", lang, "--silent")  # fmt: skip
        assert r.exit_code == 1, r.output  # 审计局's file: TEMPLATE-REUSED
        res[lang] = r.stdout
        res[f"xlsx-{lang}"] = out / f"校验结果-{lang}.xlsx"
    res["json"] = json.loads(run("validate", str(inbox), "--roster", str(ROSTER), "--json").stdout)
    return res


def rows_of(path: Path, sheet: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    rows = [r for r in wb[sheet].iter_rows(values_only=True) if any(v is not None for v in r)]
    wb.close()
    return rows


# --------------------------------------------------------------------------- 1. undecided: its own status


def test_undecided_files_have_their_own_status_in_the_summary_workbook(consolidated):
    rows = rows_of(consolidated["xlsx"], SHEET_STATUS)
    by_file = {r[8]: r for r in rows if isinstance(r[0], int) and r[8]}
    # the unit's row: the first file by name stands for it, 有错误 and not counted
    unit_row = next(r for r in rows if r[1] == FAGAI and r[8] == fname(FAGAI))
    assert (unit_row[4], unit_row[5]) == ("有错误", "否")
    assert "CONS-DUPLICATE-UNDECIDED" in unit_row[10]
    # the other: not 已被替代 (nothing replaced it), but 无法判断先后, with why and the file it cannot be told from
    other = by_file[FAGAI_OTHER]
    assert (other[1], other[4], other[5]) == (FAGAI, "无法判断先后（未计入）", "否")
    assert other[10].startswith("【错误 CONS-DUPLICATE-UNDECIDED】本单位报送了 2 份内容不同的文件，无法判断哪份较新")
    assert other[10].endswith(f"另见：{fname(FAGAI)}")
    # the old version of 工信局 is the one file 已被替代, pointing at the file that replaced it
    old = by_file["工信局-旧版.xlsx"]
    assert (old[4], old[10]) == ("已被替代", fname(GONGXIN))
    statuses = [r[4] for r in rows if isinstance(r[0], int) and r[1] is not None and r[8] in by_file]
    assert statuses.count("已被替代") == 1 and statuses.count("无法判断先后（未计入）") == 1
    headings = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("重复报送")]
    assert headings == [
        "重复报送（已被本单位较新的文件替代，未计入汇总）：1 个",
        "重复报送（本单位的几份文件内容不同、无法判断先后，均未计入汇总）：1 个",
    ]


def test_workbook_terminal_and_json_count_the_same_files(consolidated):
    line = "计入汇总 2 个单位（未计入的文件：已被替代 1，无法判断先后 1，文件名与内容不符 1）"
    rows = rows_of(consolidated["xlsx"], SHEET_STATUS)
    assert rows[2][0] == f"{line}；汇总校验（C-SUM）：通过"
    assert line in consolidated["zh"].splitlines()
    en = "counted 2 units (files left out: superseded 1, cannot be put in order 1, name and content differ 1)"
    assert en in consolidated["en"].splitlines()
    doc = consolidated["json"]
    assert (doc["counts"]["superseded"], doc["counts"]["undecided"], doc["counts"]["mismatched"]) == (1, 1, 1)
    roles = {Path(f["file"]).name: f["role"] for f in doc["files"]}
    got = (roles[FAGAI_OTHER], roles[fname(FAGAI)], roles["工信局-旧版.xlsx"])
    assert got == ("undecided", "rejected", "superseded")
    # the terminal lists it apart from the superseded files, under its own heading, with its unit
    zh = consolidated["zh"].splitlines()
    i = zh.index("  同一单位内容不同、无法判断先后的文件（均未计入）：")
    assert zh[i + 1] == f"      {FAGAI_OTHER}  {ROSTER_UNITS[FAGAI].name}  （无法判断先后，见上）"
    j = zh.index("  同一单位的其他文件（未计入）：")
    assert zh[j + 1].startswith("      工信局-旧版.xlsx  ") and FAGAI_OTHER not in zh[j + 1]
    en_lines = consolidated["en"].splitlines()
    assert "  files of the same unit that differ and cannot be put in order (none counted):" in en_lines
    # and the cover sheet's scope says the same
    cover = [r[0] for r in rows_of(consolidated["xlsx"], "填报说明") if isinstance(r[0], str) and r[0].startswith("2.")]
    assert "另有未计入的文件：已被较新文件替代的 1 个，同一单位内容不同、无法判断先后的 1 个，" in cover[0]


# --------------------------------------------------------------------------- 2. validate groups as consolidate does


def test_validate_lists_the_mismatched_file_apart_not_among_the_content_units_files(validated, consolidated):
    zh = validated["zh"].splitlines()
    i = zh.index("同一单位有多个文件（汇总时只计最新的一份）：")
    groups = zh[i + 1 : zh.index("", i)]
    assert [g.split("：")[0].strip() for g in groups] == [ROSTER_UNITS[FAGAI].name, ROSTER_UNITS[GONGXIN].name]
    assert not any(fname(SHENJI) in g or fname(SHIJIAN) in g for g in groups)
    shenji, shijian = ROSTER_UNITS[SHENJI], ROSTER_UNITS[SHIJIAN]
    j = zh.index("文件名与内容不是同一单位（汇总时不计入任何一个单位）：")
    assert zh[j + 1] == (
        f"  {fname(SHENJI)}：文件名指向 {shenji.name}（{shenji.code}），内容属于 {shijian.name}（{shijian.code}）"
    )
    # the same words as consolidate's listing of it
    said = f"文件名指向 {shenji.name}（{shenji.code}），内容属于 {shijian.name}（{shijian.code}）"
    assert f"      {fname(SHENJI)}  {said}" in consolidated["zh"].splitlines()
    # its own line names neither unit as its sender
    head = next(x for x in zh if x.startswith(f"✘ 未通过  {fname(SHENJI)}  "))
    assert f"待确认（内容属于{shijian.name}，文件名指向{shenji.name}）" in head
    en = validated["en"].splitlines()
    assert "Files whose name and content are different units (consolidate counts them for neither unit):" in en
    assert (
        f"  {fname(SHENJI)}: named for {shenji.name} ({shenji.code}), content of {shijian.name} ({shijian.code})" in en
    )
    f = next(f for f in validated["json"]["files"] if Path(f["file"]).name == fname(SHENJI))
    assert f["roster_unit"]["code"] == SHIJIAN and f["file_name_unit"] == {"code": SHENJI, "name": shenji.name}
    assert f["code"] is None


def test_validate_groups_are_consolidates_groups(validated, consolidated):
    """Every unit validate says sent several files is a unit whose files consolidate weighed against each other."""
    from xltool.report import same_unit_files
    from xltool.roster import load_roster as load
    from xltool.validate import validate_paths

    inbox = Path(consolidated["json"]["files"][0]["file"]).parent
    results = validate_paths([inbox], roster=load(ROSTER), year=2021)
    listed = {d["unit"]: sorted(d["files"]) for d in same_unit_files(results)}
    weighed: dict[str, list[str]] = {}
    for f in consolidated["json"]["files"]:
        if f["role"] in ("counted", "rejected", "superseded", "undecided"):
            weighed.setdefault(f["name"], []).append(Path(f["file"]).name)
    assert listed == {u: sorted(fs) for u, fs in weighed.items() if len(fs) > 1}


# --------------------------------------------------------------------------- 3. the roster's code in 总览


def test_overview_shows_the_roster_code_of_every_attributed_file(validated):
    from xltool.sources import load_any

    inbox = Path(validated["json"]["files"][0]["file"]).parent
    csv_name = fname(YINGJI, "-表三.csv")
    # neither file gives the reader a code: the roster does
    for name in (COPIED, csv_name):
        assert not (load_any(inbox / name).report.unit_code or ""), name
    assert "单位代码：370602-D17" in (inbox / csv_name).read_text(encoding="utf-8")
    for lang, head in (("zh", ("文件", "单位", "单位代码")), ("en", ("File", "Unit", "Code"))):
        rows = rows_of(validated[f"xlsx-{lang}"], "总览" if lang == "zh" else "Overview")
        assert rows[2][:3] == head
        by_file = {r[0]: r for r in rows[3:]}
        for name, code in ((COPIED, TUIYI), (csv_name, YINGJI), (FAGAI_OTHER, FAGAI), (fname(SHIJIAN), SHIJIAN)):
            assert by_file[name][1:3] == (ROSTER_UNITS[code].name, code), (lang, name)
        shenji, shijian = ROSTER_UNITS[SHENJI].name, ROSTER_UNITS[SHIJIAN].name
        pending = (
            f"待确认（内容属于{shijian}，文件名指向{shenji}）"
            if lang == "zh"
            else f"to be confirmed (content: {shijian}; file name: {shenji})"
        )
        assert by_file[fname(SHENJI)][1:3] == (pending, None), lang
    codes = {Path(f["file"]).name: f["code"] for f in validated["json"]["files"]}
    assert (codes[COPIED], codes[csv_name]) == (TUIYI, YINGJI)
