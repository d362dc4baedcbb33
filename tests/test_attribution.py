"""Which roster unit is a file from: `consolidate`, `campaign collect` and `validate --roster` give one answer.

One inbox of real files, as a clerk receives them — templates made by `xltool template` and filled by `xltool
fill` (the unit written in full, without the district prefix, with a space, as an abbreviation, as a unit of
another district), JSON without a unit, a published report read by `xltool import` and one read directly, a
damaged workbook, a Word file named .xlsx, a scanned PDF, a 说明.txt — is run through the three commands, and
every file must land on the same unit (or on none) in all three (`xltool.identity.attribute`):

- the unit the content claims wins: its full name, or the name without the district prefix (芝罘区科学技术局,
  科学技术局 for 烟台市芝罘区科学技术局), never an abbreviation (工信局: a file's name may be one, its content
  is told the unit close to it); a claim the roster does not have is 名单外 / unidentified, whatever the file's
  name says (工信局.xlsx names 工业和信息化局, but its content claims 工信局);
- the file's name only when the content claims no unit, or the file could not be read as a report at all;
- a file that is no report (FILE-NOT-REPORT) is nobody's, whatever its name.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_reader_support import V1, sample_values, write_plain_workbook
from xltool.cli import cli
from xltool.consolidate import FOREIGN, MISMATCHED, SKIPPED, UNIDENTIFIED
from xltool.identity import attribute
from xltool.roster import Roster, Unit, filename_unit, load_roster
from xltool.sources import load_any

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "samples" / "roster.csv"
DATA = ROOT / "samples" / "data"
PUBLISHED = ROOT / "samples" / "published" / "zhifu-kjj-2021-report.txt"
TITLE = "烟台市芝罘区科学技术局 2021 年政府信息公开工作年度报告"

# file -> (the roster unit it is from, how that is known: "content", "file-name"; None: no roster unit; "skipped")
EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "370602-D01_烟台市芝罘区人民政府办公室_2021.xlsx": ("370602-D01", "content"),  # the issued template
    "科技局报表.xlsx": ("370602-D04", "content"),  # 芝罘区科学技术局 inside; the name names nobody (科技局)
    "民政.xlsx": ("370602-D06", "content"),  # 民政局 inside: the name without the district prefix
    "sw.xlsx": ("370602-D13", "content"),  # "芝罘区 商务局": a space, and no 烟台市
    "工信局.xlsx": (None, None),  # an abbreviation is no roster name: 名单外
    "370602-D08_烟台市芝罘区财政局_2021.xlsx": (None, None),  # 烟台市莱山区财政局's template: 名单外 in all
    "烟台市芝罘区教育和体育局.xlsx": ("370602-D02", "content"),  # 发展和改革局's return named as 教育和体育局's
    "烟台市芝罘区人力资源和社会保障局.json": ("370602-D09", "file-name"),  # no unit in the JSON
    "无名.json": (None, None),  # no unit in it, none in its name
    "r1.json": ("370602-D14", "content"),  # imported: "芝罘区文化和旅游局 2021 年…报告"
    "烟台市芝罘区卫生健康局.txt": ("370602-D15", "file-name"),  # a published report without a unit in its title
    "农业农村局报表.xlsx": ("370602-D12", "file-name"),  # a workbook of one's own, no unit in it
    "370602-D11_烟台市芝罘区城市管理局_2021.xlsx": ("370602-D11", "file-name"),  # a damaged zip
    "烟台市芝罘区信访局.xlsx": ("370602-D24", "file-name"),  # a Word document named .xlsx
    "烟台市芝罘区应急管理局2021年报.pdf": ("370602-D17", "file-name"),  # a scanned PDF: no text, no tables
    "T01_烟台市芝罘区审计局_说明.txt": (None, "skipped"),  # no report at all: nobody's
}
NAMED_AS = {"烟台市芝罘区教育和体育局.xlsx": "370602-D03"}
"""Content of one roster unit, name of another: 待确认归属 / mismatched (counted for neither)."""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"XLTOOL_LANG": None})


def sample(code: str) -> dict:
    return json.loads(next(DATA.glob(f"{code}_*.json")).read_text(encoding="utf-8"))


def filled(work: Path, code: str, unit: str, out: Path, *, unit_code: str | None = None) -> None:
    """`xltool template` for `unit`, then `xltool fill` with unit `code`'s sample data written as `unit`'s."""
    doc = sample(code)
    doc["unit"] = {"name": unit, **({"code": unit_code} if unit_code else {})}
    data = work / f"{out.stem}.json"
    data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    tdir = work / f"t-{out.stem}"
    args = ["template", "--silent", "--unit", unit, "--year", "2021", "-o", str(tdir)]
    res = run(*args, *(["--code", unit_code] if unit_code else []))
    assert res.exit_code == 0, res.output
    (template,) = tdir.glob("*.xlsx")
    res = run("fill", "--silent", str(data), "-t", str(template), "-o", str(out))
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("attribution")
    work, box = base / "work", base / "收件箱"
    work.mkdir()
    box.mkdir()
    filled(work, "370602-D01", "烟台市芝罘区人民政府办公室", box / "370602-D01_烟台市芝罘区人民政府办公室_2021.xlsx",
           unit_code="370602-D01")  # fmt: skip
    filled(work, "370602-D04", "芝罘区科学技术局", box / "科技局报表.xlsx")
    filled(work, "370602-D06", "民政局", box / "民政.xlsx")
    filled(work, "370602-D13", "芝罘区 商务局", box / "sw.xlsx")
    filled(work, "370602-D05", "工信局", box / "工信局.xlsx")
    filled(work, "370602-D08", "烟台市莱山区财政局", box / "370602-D08_烟台市芝罘区财政局_2021.xlsx")
    filled(
        work, "370602-D02", "烟台市芝罘区发展和改革局", box / "烟台市芝罘区教育和体育局.xlsx", unit_code="370602-D02"
    )
    for name, code in (("烟台市芝罘区人力资源和社会保障局.json", "370602-D09"), ("无名.json", "370602-D12")):
        doc = sample(code)
        doc["unit"] = {"name": ""}
        (box / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    text = PUBLISHED.read_text(encoding="utf-8")
    assert TITLE in text
    (work / "r1.txt").write_text(text.replace(TITLE, "芝罘区文化和旅游局 2021 年政府信息公开工作年度报告"), "utf-8")
    res = run("import", "--silent", str(work / "r1.txt"), "-o", str(box))
    assert res.exit_code == 0, res.output
    (box / "烟台市芝罘区卫生健康局.txt").write_text(text.replace(TITLE, "2021 年政府信息公开工作年度报告"), "utf-8")
    plain = write_plain_workbook(box / "农业农村局报表.xlsx", sample_values(V1))
    wb = openpyxl.load_workbook(plain)
    assert "政府信息公开工作年度报告" in wb.worksheets[0]["A1"].value
    wb.worksheets[0]["A1"] = None  # its title, the only place it named its unit
    wb.save(plain)
    (box / "370602-D11_烟台市芝罘区城市管理局_2021.xlsx").write_bytes(b"PK\x03\x04" + bytes(60))
    docx = pytest.importorskip("docx", reason="python-docx is needed to write a .docx")
    document = docx.Document()
    document.add_paragraph("烟台市芝罘区信访局 2021 年政府信息公开工作年度报告")
    document.save(str(box / "烟台市芝罘区信访局.xlsx"))
    from PIL import Image

    Image.new("RGB", (600, 800), "white").save(box / "烟台市芝罘区应急管理局2021年报.pdf", "PDF")
    (box / "T01_烟台市芝罘区审计局_说明.txt").write_text("审计局：报表随后报送。\n请各单位按时报送。\n", "utf-8")
    assert sorted(p.name for p in box.iterdir()) == sorted(EXPECTED)
    return box


@pytest.fixture(scope="module")
def consolidated(inbox) -> dict:
    res = run("consolidate", "--json", "--silent", "-j", "1", "--roster", str(ROSTER), str(inbox))
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.output)


@pytest.fixture(scope="module")
def validated(inbox) -> dict:
    """`validate --roster` on every core (the worker processes' path), as a clerk runs it."""
    res = run("validate", "--json", "--silent", "--roster", str(ROSTER), str(inbox))
    assert res.exit_code == 1, res.output  # the damaged files are errors
    return json.loads(res.output)


@pytest.fixture(scope="module")
def collected(inbox) -> tuple[Path, str]:
    root = inbox.parent / "2021收集"
    res = run("campaign", "init", str(root), "--year", "2021", "--roster", str(ROSTER))
    assert res.exit_code == 0, res.output
    res = run("campaign", "collect", "--silent", "--campaign", str(root), str(inbox))
    return root, res.output


def versions(root: Path) -> dict[str, tuple[str | None, str | None, str]]:
    """file name -> (unit code, the unit its name points to when it awaits assignment, identified by)."""
    with sqlite3.connect(root / "campaign.db") as db:
        rows = db.execute("SELECT file_name, unit_code, name_unit, identified_by FROM versions").fetchall()
    return {f: (u, n, by) for f, u, n, by in rows}


# --------------------------------------------------------------------------- one answer in all three


def test_consolidate_files_each_file_as_expected(consolidated):
    got = {Path(f["file"]).name: f for f in consolidated["files"]}
    assert set(got) == set(EXPECTED)
    for name, (code, how) in EXPECTED.items():
        f = got[name]
        if how == "skipped":
            assert f["role"] == SKIPPED and f["code"] is None, name
        elif name in NAMED_AS:
            assert f["role"] == MISMATCHED and (f["content_code"], f["named_code"]) == (code, NAMED_AS[name])
        else:
            assert f["code"] == code, name
    roles = {n: got[n]["role"] for n in ("工信局.xlsx", "370602-D08_烟台市芝罘区财政局_2021.xlsx", "无名.json")}
    assert roles == {
        "工信局.xlsx": FOREIGN,
        "370602-D08_烟台市芝罘区财政局_2021.xlsx": FOREIGN,
        "无名.json": UNIDENTIFIED,
    }


def test_collect_files_each_file_as_expected(inbox, collected):
    root, output = collected
    got = versions(root)
    for name, (code, how) in EXPECTED.items():
        if how == "skipped":
            assert name not in got and f"  已跳过  {name}  不是年度报告或报表文件（未登记）" in output.splitlines()
            continue
        unit, named, by = got[name]
        assert unit == code, name
        assert named == NAMED_AS.get(name), name
        assert by in {"content": ("metadata", "document"), "file-name": ("filename",)}.get(how, ("none",)), name


def test_validate_names_each_file_as_expected(validated):
    got = {Path(f["file"]).name: f for f in validated["files"]}
    assert set(got) == set(EXPECTED)
    for name, (code, how) in EXPECTED.items():
        f = got[name]
        if how == "skipped":
            assert f["skipped"] is True and f["roster_unit"] is None, name
            continue
        ru = f["roster_unit"]
        if code is None:
            assert ru is None, name
        else:
            assert (ru["code"], ru["by"]) == (code, how), name


def test_the_three_agree_file_by_file(consolidated, validated, collected):
    """Not only each against the table above: the same answer from each, side by side."""
    cons = {}
    for f in consolidated["files"]:
        cons[Path(f["file"]).name] = "skipped" if f["role"] == SKIPPED else f["content_code"] or f["code"]
    val = {Path(f["file"]).name: "skipped" if f.get("skipped") else (f["roster_unit"] or {}).get("code")
           for f in validated["files"]}  # fmt: skip
    col = {name: unit for name, (unit, _, _) in versions(collected[0]).items()}
    col.update({name: "skipped" for name in EXPECTED if name not in col})
    assert cons == val == col
    assert len(set(cons.values()) - {None, "skipped"}) == 12


def test_unreadable_files_count_as_received_and_strays_as_nothing(consolidated, validated, collected):
    """A damaged workbook, a Word file and a scan named for a unit: 已报送 with an error, not 未报; a note named
    for 审计局 leaves it 未报; 财政局, whose name another district's template bears, is 未报 too."""
    status = {s["code"]: s for s in consolidated["status"]}
    for code in ("370602-D11", "370602-D24", "370602-D17"):
        assert status[code]["status"] == "有错误" and not status[code]["counted"], code
    missing = set(consolidated["missing"])
    assert {"烟台市芝罘区审计局", "烟台市芝罘区财政局", "烟台市芝罘区教育和体育局"} <= missing
    assert not {"烟台市芝罘区城市管理局", "烟台市芝罘区信访局", "烟台市芝罘区应急管理局"} & missing
    st = json.loads(run("campaign", "status", "--json", "--campaign", str(collected[0])).output)
    units = {u["code"]: u for u in st["units"]}
    assert [units[c]["versions"] for c in ("370602-D18", "370602-D08", "370602-D02", "370602-D03")] == [0, 0, 0, 0]
    assert {units[c]["state"] for c in ("370602-D11", "370602-D24", "370602-D17")} == {"errors"}
    assert [p["file"] for p in st["pending_assignment"]] == ["烟台市芝罘区教育和体育局.xlsx"]
    assert sorted(u["file"] for u in st["unidentified"]) == [
        "370602-D08_烟台市芝罘区财政局_2021.xlsx",
        "工信局.xlsx",
        "无名.json",
    ]


def test_validate_status_lines_name_the_unit(inbox):
    res = run("validate", "--silent", "-j", "1", "--roster", str(ROSTER), str(inbox))
    lines = [ln for ln in res.output.splitlines() if ln and not ln.startswith(" ")]
    assert (
        "✘ 未通过  370602-D11_烟台市芝罘区城市管理局_2021.xlsx  烟台市芝罘区城市管理局  错误 1｜警告 0｜提示 0" in lines
    )
    assert "✘ 未通过  烟台市芝罘区信访局.xlsx  烟台市芝罘区信访局  错误 1｜警告 0｜提示 0" in lines
    assert any(ln.startswith("✘ 未通过  无名.json  （未识别单位） 2021") for ln in lines)
    assert any(
        ln.startswith("✔ 通过  烟台市芝罘区人力资源和社会保障局.json  烟台市芝罘区人力资源和社会保障局 2021")
        for ln in lines
    )
    assert (
        "  【提示 UNIT-FROM-FILENAME】文件中没有写明报送单位，按文件名“烟台市芝罘区人力资源和社会保障局.json”"
        "认定为名单中的“烟台市芝罘区人力资源和社会保障局”" in res.output.splitlines()
    )
    # a unit written without the district prefix is the roster's: no UNIT-UNKNOWN; an abbreviation is not
    assert "报送单位“民政局”不在名单中" not in res.output and "报送单位“芝罘区科学技术局”不在名单中" not in res.output
    assert (
        "  【错误 UNIT-UNKNOWN】报送单位“工信局”不在名单中（名单中相近的单位：烟台市芝罘区工业和信息化局）"
        in res.output.splitlines()
    )
    assert "  【错误 UNIT-UNKNOWN】报送单位“烟台市莱山区财政局”不在名单中" in res.output.splitlines()


def test_collect_says_why_a_file_named_for_a_unit_is_not_its(collected):
    root, _ = collected
    with sqlite3.connect(root / "campaign.db") as db:
        (findings,) = db.execute(
            "SELECT findings FROM versions WHERE file_name = ?", ("370602-D08_烟台市芝罘区财政局_2021.xlsx",)
        ).fetchone()
    text = json.dumps(json.loads(findings), ensure_ascii=False)
    assert "文件中的单位“烟台市莱山区财政局”不在名单中（文件名指向“烟台市芝罘区财政局”，但以文件内容为准）" in text


# --------------------------------------------------------------------------- the roster's name lookup


AS_D04 = ("烟台市芝罘区科学技术局", "芝罘区科学技术局", "科学技术局", "芝罘区 科学技术局", "烟台市芝罘区　科学技术局 ",
          "科学技术局\u200b", "\ufeff芝罘区科学技术局")  # fmt: skip
"""烟台市芝罘区科学技术局 as it may be written: in full, without the district prefix or part of it, with spaces
(half- or full-width), with an invisible character pasted along."""
NOT_D04 = ("科技局", "芝罘区科技局", "烟台市科学技术局", "莱山区科学技术局", "烟台市莱山区科学技术局", "技术局", "",
           None)  # fmt: skip
"""Not 烟台市芝罘区科学技术局: abbreviations, another district's unit, a part of the name, nothing."""


def test_match_name_accepts_the_roster_name_without_the_district_prefix():
    roster = load_roster(ROSTER)
    d04 = roster.by_code("370602-D04")
    for written in AS_D04:
        assert roster.match_name(written) == d04, written
    for written in NOT_D04:
        assert roster.match_name(written) is None, written


def test_match_name_takes_unique_matches_only():
    # two units whose names differ only by an invisible character: each full name is its own, the short
    # name is both units' and so neither's
    roster = Roster((Unit("A", "甲市乙区财政局"), Unit("B", "甲市乙区财政局\u200b"), Unit("C", "甲市乙区民政局")))
    assert roster.district_prefix == "甲市乙区"
    assert roster.match_name("甲市乙区财政局").code == "A"
    assert roster.match_name("财政局") is None and roster.match_name("乙区财政局") is None
    assert roster.match_name("民政局").code == "C" and roster.match_name("乙区民政局").code == "C"
    one = Roster((Unit("A", "甲市乙区财政局"),))  # one unit: no district prefix to leave out
    assert one.district_prefix == "" and one.match_name("财政局") is None


def test_the_file_name_is_asked_only_when_the_content_names_no_unit(inbox):
    roster = load_roster(ROSTER)
    for name, (code, how) in EXPECTED.items():
        loaded = load_any(inbox / name)
        att = attribute(loaded.report, loaded.findings, inbox / name, roster)
        assert (att.unit.code if att.unit else None) == code, name
        assert att.by == (None if how == "skipped" else how), name
    # the note's name names 审计局, the D08 file's 财政局: neither is asked
    assert filename_unit("T01_烟台市芝罘区审计局_说明.txt", roster).code == "370602-D18"
    assert filename_unit("370602-D08_烟台市芝罘区财政局_2021.xlsx", roster).code == "370602-D08"
    # short names are read in file names: 工信局.xlsx names 工业和信息化局, yet its content (工信局) decides
    assert filename_unit("工信局.xlsx", roster).code == "370602-D05"
    assert filename_unit("科技局报表.xlsx", roster).code == "370602-D04"


def test_the_report_workbook_names_the_unit_and_code_of_a_damaged_file(tmp_path):
    """validate --report: a damaged file named for a roster unit shows that unit's name and code in 总览."""
    box = tmp_path / "box"
    box.mkdir()
    (box / "370602-D11_烟台市芝罘区城市管理局_2021.xlsx").write_bytes(b"PK\x03\x04" + bytes(60))
    out = tmp_path / "r.xlsx"
    res = run("validate", str(box), "--roster", str(ROSTER), "--report", str(out), "-j", "1")
    assert res.exit_code == 1, res.output
    row = [c.value for c in openpyxl.load_workbook(out).worksheets[0][4]]  # title, count line, heading, the file
    assert row[:3] == ["370602-D11_烟台市芝罘区城市管理局_2021.xlsx", "烟台市芝罘区城市管理局", "370602-D11"]


def test_a_prefix_a_clerk_puts_before_the_issued_file_name_is_no_other_unit(tmp_path):
    """已修改_370602-D01_…_2021.xlsx: the issued name follows the prefix; it was read as code “已修改” and name
    “370602-D01_…”, a TEMPLATE-REUSED error (another unit's template) for the unit's own return."""
    from xltool.reader import read_file as read
    from xltool.validate import validate_loaded as check

    src = next(p for p in sorted((Path(__file__).resolve().parent.parent / "samples" / "returned").glob("*D01*")))
    for prefix in ("已修改_", "终版_已修改_"):
        dst = tmp_path / f"{prefix}{src.name}"
        dst.write_bytes(src.read_bytes())
        result = check(read(dst))
        assert result.valid and not result.findings, [f.message() for f in result.findings]
