"""Which sheets a non-template workbook's report is read from (`reader_loose.locate_report`).

A trial of departments' own workbooks found wrong figures read without a word: last year's tables on a
hidden first sheet, a table taken from another unit's sheet because the first unit's lacked a row, a
footer line (联系电话, 填报人) read as a blank 表四's data row, a second unit's report dropped silently.
Each workbook here is written with openpyxl (a few re-saved by LibreOffice); every value read is compared
cell by cell with what was written, and where it was written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.test_reader_support import FORM, computed_totals, form, sample_values
from xltool.layout import col_letter
from xltool.reader import read_file
from xltool.validate import validate_loaded

UNIT_A = "烟台市芝罘区统计局"
UNIT_B = "烟台市芝罘区医疗保障局"


def title(unit: str, year: int) -> str:
    return f"{unit}{year}年政府信息公开工作年度报告统计表"


class Tables:
    """Writes the form's tables (labels from the form's declaration) onto sheets; remembers every cell."""

    def __init__(self, seed: int, drop_rows: tuple[str, ...] = ()):
        self.inputs = sample_values(seed)
        self.totals = computed_totals(self.inputs)
        self.drop = drop_rows
        self.where: dict[str, str] = {}
        self.ranges: dict[str, str] = {}
        self.t4_row = 0

    def _put(self, ws, r: int, c: int, key: str) -> None:
        ws.cell(r, c, self.inputs.get(key, self.totals.get(key)))
        self.where[key] = f"{ws.title}!{col_letter(c)}{r}"

    def _range(self, tid: str, ws, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ranges[tid] = f"{ws.title}!{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"

    def t2(self, ws, r: int) -> int:
        t = form().table("t2")
        ws.cell(r, 1, t.title)
        r += 1
        top = None
        for b in t.blocks:
            ws.cell(r, 1, b.heading)
            ws.cell(r + 1, 1, b.header)
            for i, cid in enumerate(b.columns):
                ws.cell(r + 1, 2 + i, t.column_map[cid].label)
            top = top or r + 1
            r += 2
            for rid in b.rows:
                ws.cell(r, 1, t.row_map[rid].label)
                for i, cid in enumerate(b.columns):
                    self._put(ws, r, 2 + i, t.key(rid, cid))
                r += 1
        self._range("t2", ws, top, 1, r - 1, 4)
        return r + 1

    def t3(self, ws, r: int) -> int:
        t = form().table("t3")
        ws.cell(r, 1, t.title)
        r += 1
        for h in t.header:
            ws.cell(r + h.row, 4 + h.col, h.text)
        top = r + 1  # 自然人, the first column label
        r += 3
        first = r
        for row in t.rows:
            if row.id in self.drop:
                continue
            if len(row.groups) == 2 and row.label.startswith("1."):
                ws.cell(r, 2, row.groups[-1])
            ws.cell(r, 1 + len(row.groups), row.label)
            for i, col in enumerate(t.columns):
                self._put(ws, r, 4 + i, t.key(row.id, col.id))
            r += 1
        ws.cell(first + 2, 1, t.rows[2].groups[0])  # 三、本年度办理结果 beside its first row
        self._range("t3", ws, top, 1, r - 1, 10)
        return r + 1

    def t4(self, ws, r: int, *, blank: bool = False, label_col: bool = False) -> int:
        """The official header (3 rows), then the data row (left empty when `blank`); returns the row after."""
        t = form().table("t4")
        ws.cell(r, 1, t.title)
        r += 1
        c = 2 if label_col else 1
        if label_col:
            ws.cell(r, 1, "项目")
            ws.cell(r + 3, 1, "件数")
        for h in t.header:
            ws.cell(r + h.row, c + h.col, h.text)
        self.t4_row = d = r + 3
        for g, row in enumerate(t.rows):
            for i, col in enumerate(t.columns):
                key = t.key(row.id, col.id)
                if blank:
                    self.inputs.pop(key, None)
                    self.totals.pop(key, None)
                self._put(ws, d, c + g * 5 + i, key)
        self._range("t4", ws, r, c, d, c + 14)
        return d + 1

    def sheet(self, ws, *, heading: str | None = None, blank_t4: bool = False, label_col: bool = False) -> int:
        r = 1
        if heading:
            ws.cell(1, 1, heading)
            r = 2
        r = self.t2(ws, r)
        r = self.t3(ws, r)
        return self.t4(ws, r, blank=blank_t4, label_col=label_col)

    def expected_inputs(self) -> dict[str, Any]:
        return {k: v for k, v in self.inputs.items() if k.split(".")[1] not in self.drop}

    def expected_totals(self) -> dict[str, Any]:
        return {k: v for k, v in self.totals.items() if k.split(".")[1] not in self.drop and v is not None}


def assert_read_exactly(rep, tables: Tables, *, tables_read: tuple[str, ...] = ("t2", "t3", "t4")) -> None:
    """Every value as written, every cell where it was written; nothing read from anywhere else."""
    want = {k: v for k, v in tables.expected_inputs().items() if k.split(".")[0] in tables_read}
    assert rep.values == want
    stored = rep.meta.get("stored_totals", {})
    assert stored == {k: v for k, v in tables.expected_totals().items() if k.split(".")[0] in tables_read}
    cells = rep.source["sheet_cells"]
    for key, ref in cells.items():
        assert ref == tables.where[key], key
    assert set(cells) == {
        k for k in tables.where if k.split(".")[0] in tables_read and k.split(".")[1] not in tables.drop
    }


def rules(loaded) -> list[str]:
    return [f.rule for f in loaded.findings]


def one(loaded, rule: str):
    found = [f for f in loaded.findings if f.rule == rule]
    assert len(found) == 1, (rule, rules(loaded))
    return found[0]


# --------------------------------------------------------------------------- hidden sheets


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[Path, dict[str, Tables]]]:
    base = tmp_path_factory.mktemp("loose_sheets")
    out: dict[str, tuple[Path, dict[str, Tables]]] = {}

    # last year's figures on a hidden first sheet (with its title, and without any), this year's after it
    for name, old_title in (("hidden_old", title(UNIT_A, 2020)), ("hidden_old_untitled", None)):
        wb = openpyxl.Workbook()
        old = wb.active
        old.title = "2020年" if old_title else "附表"
        t_old = Tables(2)
        t_old.sheet(old, heading=old_title)
        old.sheet_state = "hidden"
        new = wb.create_sheet("2021年")
        t_new = Tables(1)
        t_new.sheet(new, heading=title(UNIT_A, 2021))
        wb.active = 1
        wb.save(base / f"{name}.xlsx")
        out[name] = (base / f"{name}.xlsx", {"old": t_old, "new": t_new})

    # 表四 kept on a hidden sheet of its own: read, and said
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    tb = Tables(3)
    ws.cell(1, 1, title(UNIT_A, 2021))
    r = tb.t2(ws, 2)
    tb.t3(ws, r)
    ws4 = wb.create_sheet("表四")
    tb.t4(ws4, 1)
    ws4.sheet_state = "hidden"
    wb.save(base / "t4_hidden.xlsx")
    out["t4_hidden"] = (base / "t4_hidden.xlsx", {"a": tb})

    # every table on a hidden sheet only
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.cell(1, 1, "本表请勿改动")
    hid = wb.create_sheet("数据")
    tb = Tables(4)
    tb.sheet(hid, heading=title(UNIT_A, 2021))
    hid.sheet_state = "hidden"
    wb.save(base / "all_hidden.xlsx")
    out["all_hidden"] = (base / "all_hidden.xlsx", {"a": tb})

    # two units' reports on two sheets: complete, and the first unit's 表三 one row short
    for name, drop in (("two_units", ()), ("two_units_short", ("denied_query",))):
        wb = openpyxl.Workbook()
        wa = wb.active
        wa.title = "统计局"
        ta = Tables(11, drop)
        ta.sheet(wa, heading=title(UNIT_A, 2021))
        wb2 = wb.create_sheet("医保局")
        tb = Tables(12)
        tb.sheet(wb2, heading=title(UNIT_B, 2021))
        wb.save(base / f"{name}.xlsx")
        out[name] = (base / f"{name}.xlsx", {"a": ta, "b": tb})

    # the first sheet names a unit but holds only 表二; the second unit's report is whole
    wb = openpyxl.Workbook()
    wa = wb.active
    wa.title = "统计局"
    ta = Tables(13)
    wa.cell(1, 1, title(UNIT_A, 2021))
    ta.t2(wa, 2)
    ws = wb.create_sheet("医保局")
    tb = Tables(14)
    tb.sheet(ws, heading=title(UNIT_B, 2021))
    wb.save(base / "fuller_second.xlsx")
    out["fuller_second"] = (base / "fuller_second.xlsx", {"a": ta, "b": tb})

    # one table per sheet (表二, 表三, 表四), then another unit's whole report on one sheet
    wb = openpyxl.Workbook()
    s2 = wb.active
    s2.title = "表二"
    ta = Tables(15)
    s2.cell(1, 1, title(UNIT_A, 2021))
    ta.t2(s2, 2)
    ta.t3(wb.create_sheet("表三"), 1)
    ta.t4(wb.create_sheet("表四"), 1)
    tb = Tables(16)
    tb.sheet(wb.create_sheet("医保局"), heading=title(UNIT_B, 2021))
    wb.save(base / "split_then_other.xlsx")
    out["split_then_other"] = (base / "split_then_other.xlsx", {"a": ta, "b": tb})

    # one unit, two visible sheets: a copy with the same figures, a copy with other figures, last year's
    for name, seed, head in (("copy_same", 21, None), ("copy_differs", 22, None), ("two_years", 22, 2020)):
        wb = openpyxl.Workbook()
        first = wb.active
        first.title = "Sheet1" if head is None else "2020年"
        t_first = Tables(seed)
        t_first.sheet(first, heading=title(UNIT_A, head or 2021))
        second = wb.create_sheet("Sheet2" if head is None else "2021年")
        t_second = Tables(21)
        t_second.sheet(second, heading=title(UNIT_A, 2021))
        wb.save(base / f"{name}.xlsx")
        out[name] = (base / f"{name}.xlsx", {"first": t_first, "second": t_second})
    return out


def test_hidden_old_sheet_first_is_not_read(books):
    path, t = books["hidden_old"]
    loaded = read_file(path)
    rep = loaded.report
    assert_read_exactly(rep, t["new"])
    assert (rep.unit_name, rep.year) == (UNIT_A, 2021)  # not 2020 from the hidden sheet's title
    f = one(loaded, "LOOSE-SHEET-NOT-READ")
    assert f.severity == "info"
    assert (
        f.title["zh"]
        == "工作表“2020年”中的表二、表三、表四未读取（隐藏的工作表，是 2020 年的表格），已读取的是工作表“2021年”"
    )
    r = t["old"].ranges
    assert r == {"t2": "2020年!A4:D16", "t3": "2020年!A20:J46", "t4": "2020年!A49:O52"}
    assert f.details["zh"][0] == f"未读取：表二：{r['t2']}；表三：{r['t3']}；表四：{r['t4']}"
    assert "LOOSE-HIDDEN-SHEET" not in rules(loaded)
    r = validate_loaded(loaded, year=2021)
    assert r.valid, [f.rule for f in r.findings if f.severity == "error"]


def test_hidden_untitled_old_sheet_first_is_not_read(books):
    path, t = books["hidden_old_untitled"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["new"])
    assert loaded.report.year == 2021
    f = one(loaded, "LOOSE-SHEET-NOT-READ")
    assert f.severity == "info" and "“附表”" in f.title["zh"] and "隐藏的工作表，数据与读取的不同" in f.title["zh"]


def test_table_only_on_a_hidden_sheet_is_read_and_named(books):
    path, t = books["t4_hidden"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["a"])
    assert loaded.report.cell_ref("t4.review.upheld") == "表四!A5"
    f = one(loaded, "LOOSE-HIDDEN-SHEET")
    assert (f.severity, f.table) == ("warning", "t4")
    assert f.title["zh"] == "表四 读自隐藏的工作表“表四”"
    assert f.details["zh"] == ["读取位置：表四!A2:O5"] == [f"读取位置：{t['a'].ranges['t4']}"]


def test_every_table_on_a_hidden_sheet_only(books):
    path, t = books["all_hidden"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["a"])
    hidden = [f for f in loaded.findings if f.rule == "LOOSE-HIDDEN-SHEET"]
    assert sorted(f.table for f in hidden) == ["t2", "t3", "t4"]
    assert all("“数据”" in f.title["zh"] for f in hidden)


# --------------------------------------------------------------------------- two units, one file


def test_two_units_first_is_read_and_the_second_named(books):
    path, t = books["two_units"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["a"])
    assert loaded.report.unit_name == UNIT_A
    f = one(loaded, "LOOSE-OTHER-UNITS")
    assert f.severity == "warning"
    assert f.title["zh"] == (
        f"文件中有 2 个单位的统计表，只读取了工作表“统计局”（{UNIT_A}）；未读取工作表“医保局”（{UNIT_B}）"
    )
    assert f.details["zh"][-1] == f"未读取：工作表“医保局”（{UNIT_B}）的表二、表三、表四"
    assert "医保局" in f.title["en"] and UNIT_B in f.title["en"]
    assert f.cells == ["医保局!A4:D16", "医保局!A20:J46", "医保局!A49:O52"] == list(t["b"].ranges.values())


def test_missing_row_is_said_never_taken_from_the_other_units_sheet(books):
    path, t = books["two_units_short"]
    loaded = read_file(path)
    rep = loaded.report
    assert_read_exactly(rep, t["a"])
    assert not any(k.startswith("t3.denied_query.") for k in rep.values)
    assert {ref.split("!")[0] for ref in rep.source["sheet_cells"].values()} == {"统计局"}
    f = one(loaded, "TABLE-LABELS-MISSING")
    assert (f.table, f.details["zh"]) == ("t3", ["缺少：8.属于行政查询事项"])
    assert "医保局" in one(loaded, "LOOSE-OTHER-UNITS").title["zh"]
    r = validate_loaded(loaded)
    assert not r.valid  # a missing row is an error, not a pass with another unit's figures


def test_the_fuller_report_gives_its_own_unit(books):
    path, t = books["fuller_second"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["b"])
    assert loaded.report.unit_name == UNIT_B  # the unit of the tables read, not the first sheet's title
    f = one(loaded, "LOOSE-OTHER-UNITS")
    assert f"“统计局”（{UNIT_A}）" in f.title["zh"] and f.details["zh"][-1].endswith("的表二")


def test_tables_on_consecutive_sheets_stay_together(books):
    path, t = books["split_then_other"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["a"])
    assert loaded.report.unit_name == UNIT_A
    assert {ref.split("!")[0] for ref in loaded.report.source["sheet_cells"].values()} == {"表二", "表三", "表四"}
    assert "“医保局”" in one(loaded, "LOOSE-OTHER-UNITS").title["zh"]


def test_an_identical_copy_is_no_finding_a_differing_one_is(books):
    path, t = books["copy_same"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["first"])
    assert not [r for r in rules(loaded) if r.startswith("LOOSE-")]
    path, t = books["copy_differs"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["first"])
    f = one(loaded, "LOOSE-SHEET-NOT-READ")
    assert f.severity == "warning"
    assert f.title["zh"] == "工作表“Sheet2”中的表二、表三、表四未读取（数据与读取的不同），已读取的是工作表“Sheet1”"


def test_this_years_sheet_is_read_before_last_years(books):
    path, t = books["two_years"]
    loaded = read_file(path)
    assert_read_exactly(loaded.report, t["second"])
    assert loaded.report.year == 2021
    f = one(loaded, "LOOSE-SHEET-NOT-READ")
    assert f.severity == "warning" and "“2020年”" in f.title["zh"] and "是 2020 年的表格" in f.title["zh"]


def test_not_template_warning_says_where_each_table_was_read(books):
    path, t = books["two_units"]
    f = one(read_file(path), "NOT-TEMPLATE")
    r = t["a"].ranges
    assert r == {"t2": "统计局!A4:D16", "t3": "统计局!A20:J46", "t4": "统计局!A49:O52"}
    assert f.details["zh"] == [f"读取位置：表二：{r['t2']}；表三：{r['t3']}；表四：{r['t4']}"]
    assert f.details["en"] == [f"Read from: 表二: {r['t2']}; 表三: {r['t3']}; 表四: {r['t4']}"]


# --------------------------------------------------------------------------- 表四's data row


def t4_book(path: Path, *, blank: bool, label_col: bool = False, below: dict[int, dict[int, Any]] | None = None):
    """One sheet, 表四 last; `below`: rows relative to 表四's data row (0 = the data row) -> column -> value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    tb = Tables(31)
    tb.sheet(ws, heading=title(UNIT_A, 2021), blank_t4=blank, label_col=label_col)
    for dr, cells in (below or {}).items():
        for c, v in cells.items():
            ws.cell(tb.t4_row + dr, c, v)
    wb.save(path)
    return path, tb


FOOTER = {1: "填报人：李四", 5: "联系电话：", 6: 6212345, 10: "审核人：王五", 13: 2022}


def test_blank_t4_with_a_footer_under_it_is_blank(tmp_path):
    path, tb = t4_book(tmp_path / "f.xlsx", blank=True, below={1: FOOTER})
    loaded = read_file(path)
    rep = loaded.report
    assert_read_exactly(rep, tb)
    assert not any(k.startswith("t4.") for k in rep.values)
    assert rep.cell_ref("t4.litigation_direct.upheld") == f"Sheet1!F{tb.t4_row}"
    r = validate_loaded(loaded)
    blank = [f for f in r.findings if f.rule == "VALUE-BLANK" and f.table == "t4"]
    assert len(blank) == 1 and len(blank[0].cells) == 12
    assert "TOTAL-STORED" not in [f.rule for f in r.findings]
    assert not [f.rule for f in r.findings if f.severity == "error"]


def test_blank_t4_with_a_label_column_and_a_phone_line(tmp_path):
    phone = {1: "联系电话（填报日期2022年1月）", 3: 6212345, 8: 2022}
    path, tb = t4_book(tmp_path / "p.xlsx", blank=True, label_col=True, below={1: phone})
    loaded = read_file(path)
    assert_read_exactly(loaded.report, tb)
    assert loaded.report.cell_ref("t4.review.corrected") == f"Sheet1!C{tb.t4_row}"
    assert not [f for f in loaded.findings if f.severity != "info" and f.rule != "NOT-TEMPLATE"]


def test_footer_directly_under_the_header_is_no_data_row(tmp_path):
    # the clerk deleted the empty data row: the footer follows the header at once
    path, tb = t4_book(tmp_path / "d.xlsx", blank=True, below={0: FOOTER})
    loaded = read_file(path)
    rep = loaded.report
    assert not any(k.startswith("t4.") for k in rep.values) and "t4" not in str(rep.meta.get("stored_totals"))
    f = one(loaded, "TABLE-NO-DATA-ROW")
    assert f.severity == "warning" and f.table == "t4"
    assert f.title["zh"].startswith(f"表四 表头下方第 {tb.t4_row} 行是“填报人：李四 | 联系电话： | 6212345")


def test_figures_one_row_further_down_are_read_when_shaped_like_data(tmp_path):
    # an empty row left under the header (a merged header's second line), the figures under it
    path, tb = t4_book(tmp_path / "s.xlsx", blank=True)
    t4 = form().table("t4")
    figures = {}
    for g in range(len(t4.rows)):
        for i, col in enumerate(t4.columns):
            figures[1 + g * 5 + i] = 4 if col.id == "total" else 1
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for c, v in figures.items():
        ws.cell(tb.t4_row + 1, c, v)
    ws.cell(tb.t4_row + 3, 1, "填报人：李四")
    wb.save(path)
    loaded = read_file(path)
    rep = loaded.report
    assert {k: v for k, v in rep.values.items() if k.startswith("t4.")} == {
        t4.key(r.id, c.id): 1 for r in t4.rows for c in t4.columns if c.id != "total"
    }
    assert rep.cell_ref("t4.review.upheld") == f"Sheet1!A{tb.t4_row + 1}"
    assert not [r for r in rules(loaded) if r.startswith("TABLE-")]


def test_a_row_that_may_not_be_data_is_said_not_read(tmp_path):
    path, tb = t4_book(tmp_path / "u.xlsx", blank=True, below={1: {1: "张三", 3: 6212345, 8: 2022}})
    loaded = read_file(path)
    assert not any(k.startswith("t4.") for k in loaded.report.values)
    f = one(loaded, "TABLE-ROW-UNSURE")
    assert f.table == "t4" and f.cells == [f"Sheet1!{c}{tb.t4_row + 1}" for c in "ACH"]
    assert f.title["zh"] == (
        f"表四 表头正下方第 {tb.t4_row} 行为空；其下第 {tb.t4_row + 1} 行（张三 | 6212345 | 2022）不像数据行，未读取"
    )


def test_filled_t4_with_a_footer_is_read_from_its_row(tmp_path):
    path, tb = t4_book(tmp_path / "ok.xlsx", blank=False, below={1: FOOTER})
    loaded = read_file(path)
    assert_read_exactly(loaded.report, tb)
    assert validate_loaded(loaded).valid


# --------------------------------------------------------------------------- LibreOffice re-saves the same


def test_libreoffice_resaved_workbooks_read_the_same(books, soffice, tmp_path):
    from tests.lo import convert

    names = ["hidden_old", "two_units_short", "t4_hidden"]
    xlsx = convert([books[n][0] for n in names], "xlsx", tmp_path / "xlsx", soffice=soffice)
    ods = convert([books["hidden_old"][0]], "ods", tmp_path / "ods", soffice=soffice)
    for name, path in zip(names, xlsx, strict=True):
        loaded = read_file(path)
        want = books[name][1]["new" if name == "hidden_old" else "a"]
        assert_read_exactly(loaded.report, want)
    loaded = read_file(ods[0])
    assert_read_exactly(loaded.report, books["hidden_old"][1]["new"])
    assert loaded.report.year == 2021
    assert one(loaded, "LOOSE-SHEET-NOT-READ").severity == "info"
    assert FORM == loaded.report.form


def test_a_table_beyond_another_units_sheet_is_said_not_taken(tmp_path):
    # 表二 and 表三 of one unit, another unit's 表二, then a 表四 with no title: whose is it?
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计局"
    ta = Tables(41)
    ws.cell(1, 1, title(UNIT_A, 2021))
    ta.t3(ws, ta.t2(ws, 2))
    wsb = wb.create_sheet("医保局")
    wsb.cell(1, 1, title(UNIT_B, 2021))
    Tables(42).t2(wsb, 2)
    ta.t4(wb.create_sheet("表四"), 1)
    wb.save(tmp_path / "apart.xlsx")
    loaded = read_file(tmp_path / "apart.xlsx")
    assert_read_exactly(loaded.report, ta, tables_read=("t2", "t3"))
    assert one(loaded, "TABLE-MISSING").table == "t4"
    f = one(loaded, "LOOSE-SHEET-NOT-READ")
    assert f.severity == "warning" and f.cells == ["表四!A2:O5"]
    assert f.title["zh"] == (
        "工作表“表四”中的表四未读取（与读取的表格之间隔着其他单位或年度的工作表），已读取的是工作表“统计局”"
    )
    assert "“医保局”" in one(loaded, "LOOSE-OTHER-UNITS").title["zh"]
