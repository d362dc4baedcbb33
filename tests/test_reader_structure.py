"""A returned template whose structure a clerk changed: merged figures, rows or columns inserted or deleted, notes.

The files are made as a clerk makes them: LibreOffice (over UNO, as its menus do) merges cells, inserts and deletes
rows and columns and recalculates; openpyxl stands for Excel where Excel's behaviour is what matters (a merge that
empties the covered cells) and writes notes beside the tables. Every file is read by the three engines, which must
agree (`tests/test_reader_engines.py` compares them on the shared corpus; these files are compared here).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.lo import LibreOfficeSession
from tests.lo_edit import edit_in_libreoffice
from tests.test_reader_support import (
    a1,
    form,
    sample_values,
    unprotected_copy,
    write_template_file,
)
from xltool.layout import col_letter, sheet_layouts
from xltool.reader import read_file
from xltool.reader_book import Sheet, open_fast, open_openpyxl
from xltool.reader_template import detect_shift, template_cells
from xltool.reader_xlsx import read_xlsx
from xltool.template_protect import DEFAULT_PASSWORD
from xltool.validate import validate_loaded

V = 3
"""Seed of the values."""
T3 = sheet_layouts(form())["t3"]
T2 = sheet_layouts(form())["t2"]
T4 = sheet_layouts(form())["t4"]


def ref(key: str) -> str:
    return T3.cells[key].ref


def row_of(row_id: str) -> int:
    return T3.cells[f"t3.{row_id}.natural_person"].row


def col_of(col_id: str) -> int:
    return T3.cells[f"t3.granted.{col_id}"].col


def read_all(path: Path):
    """The report and findings of the three engines, which must be the same."""
    fast = read_file(path, engine="fast")
    for engine in ("calamine", "openpyxl"):
        other = read_file(path, engine=engine)
        assert other.report.to_dict() == fast.report.to_dict(), engine
        assert [f.to_dict() for f in other.findings] == [f.to_dict() for f in fast.findings], engine
    return fast


def rules(result) -> list[str]:
    return [f.rule for f in result.findings]


def one(result, rule: str):
    found = [f for f in result.findings if f.rule == rule]
    assert len(found) == 1, rules(result)
    return found[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Templates filled with consistent values, and copies edited with openpyxl (Excel's part here)."""
    d = tmp_path_factory.mktemp("structure")
    v = sample_values(V)
    out: dict[str, Path] = {"filled": write_template_file(d / "filled.xlsx", v)}
    out["unprotected"] = unprotected_copy(out["filled"], d / "unprotected.xlsx")
    # Excel's merge keeps only the top-left value: the cell beside it is emptied
    wb = openpyxl.load_workbook(out["unprotected"])
    ws = wb["表三"]
    ws.merge_cells(f"{ref('t3.granted.natural_person')}:{ref('t3.granted.commercial')}")
    wb.save(d / "merged_emptied.xlsx")
    out["merged_emptied"] = d / "merged_emptied.xlsx"
    # a row label merged over the first figure of its row
    wb = openpyxl.load_workbook(out["unprotected"])
    ws = wb["表三"]
    label = next(lb for lb in T3.labels if lb.role == "row" and lb.row == row_of("granted"))
    ws.unmerge_cells(f"{a1(label.row, label.col)}:{a1(label.row, label.col + label.colspan - 1)}")
    ws.merge_cells(f"{a1(label.row, label.col)}:{ref('t3.granted.natural_person')}")
    wb.save(d / "label_over_input.xlsx")
    out["label_over_input"] = d / "label_over_input.xlsx"
    return out


@pytest.fixture(scope="module")
def lo_files(files, lo_session: LibreOfficeSession, tmp_path_factory) -> dict[str, Path]:
    """The template edited in LibreOffice: cells merged, rows and columns inserted and deleted, notes typed."""
    d = tmp_path_factory.mktemp("structure-lo")
    d8, e8 = ref("t3.granted.natural_person"), ref("t3.granted.commercial")
    at = row_of("denied_prohibited")
    label = next(lb for lb in T3.labels if lb.role == "row" and lb.row == at)
    research = col_of("research")
    right3 = col_letter(max(_sheet_cols("表三")) + 1)
    right2 = col_letter(max(_sheet_cols("表二")) + 1)
    edits: dict[str, list[list]] = {
        "merged": [["merge", "表三", f"{d8}:{e8}"]],
        "row_inserted": [
            ["insert_rows", "表三", at - 1, 1],
            ["text", "表三", a1(at, label.col), "其中：涉及个人隐私"],
            ["number", "表三", a1(at, col_of("natural_person")), 1],
            ["text", "表三", f"{right3}{at}", "个人隐私单列一行"],  # a note on the inserted row: the row's own
        ],
        "rows_inserted": [["insert_rows", "表三", at - 1, 2]],
        "row_deleted": [["remove_rows", "表三", row_of("denied_three_safety") - 1, 1]],
        "column_inserted": [
            ["insert_columns", "表三", research - 1, 1],
            ["text", "表三", a1(T3.first_data_row - 1, research), "备注"],
            ["text", "表三", a1(row_of("granted"), research), "含依申请公开2件"],
        ],
        "column_deleted": [["remove_columns", "表三", research - 1, 1]],
        "header_deleted": [["remove_rows", "表三", 2, 1]],  # row 3, the header over the rows with labels
        "notes": [
            ["text", "表三", f"{right3}{T3.first_data_row - 1}", "备注"],
            ["text", "表三", f"{right3}{row_of('granted')}", "含依申请公开2件，已按时答复"],
            ["number", "表三", f"{right3}{row_of('unable_not_held')}", 5],  # a figure beside the form: named too
            ["text", "表二", f"{right2}{T2.first_data_row}", "本年无新制发规章"],
            ["text", "填报说明", "B11", "上年结转与上年报告不一致：上年报告漏报 1 件"],
            ["new_sheet", "说明"],
            ["text", "说明", "A1", "表三第 8 行含转办件"],
        ],
        # 表四 has no row label: its figures and checks move down a row, its labels stay
        "t4_row": [["insert_rows", "表四", T4.first_data_row - 1, 1]],
    }
    src = str(files["filled"].resolve())
    jobs = [
        {"src": src, "dst": str((d / f"{name}.xlsx").resolve()), "ops": ops, "password": DEFAULT_PASSWORD}
        for name, ops in edits.items()
    ]
    edit_in_libreoffice(lo_session, jobs)
    return {name: d / f"{name}.xlsx" for name in edits}


def _sheet_cols(sheet: str) -> set[int]:
    """Every column the template writes into on a sheet (its table, checks and hidden helpers)."""
    return {c for _, c in template_cells(form())[sheet]}


# --------------------------------------------------------------------------- merged cells


def test_a_merge_over_two_figures_is_named_with_both_cells_and_read_as_the_file_keeps_it(lo_files):
    v = sample_values(V)
    r = validate_loaded(read_all(lo_files["merged"]))
    f = one(r, "TEMPLATE-MERGED")
    d8, e8 = ref("t3.granted.natural_person"), ref("t3.granted.commercial")
    assert f.severity == "error" and f.table == "t3"
    assert f.cells == [f"表三!{d8}", f"表三!{e8}"]
    assert f"{d8}:{e8}" in f.title["zh"] and "取消合并" in f.fix["zh"]
    msg = f.message()
    assert f"{d8} （一）予以公开 自然人" in msg and f"{e8} （一）予以公开 商业企业" in msg
    # LibreOffice kept the hidden figure and counts it in its totals: read, and said to be read
    kept = v["t3.granted.commercial"]
    assert f"保存着“{kept}”" in msg and "按此读取" in msg
    assert r.report.values["t3.granted.commercial"] == kept
    assert r.report.meta["merged_cells"] == {"t3.granted.commercial": f"{d8}:{e8}"}
    assert rules(r) == ["TEMPLATE-MERGED"]  # the sheet's totals agree with what was read: nothing else
    assert "hidden under" in f.message("en")


def test_a_merge_that_emptied_the_cell_says_it_is_counted_as_blank(files):
    r = validate_loaded(read_all(files["merged_emptied"]))
    f = one(r, "TEMPLATE-MERGED")
    e8 = ref("t3.granted.commercial")
    assert f"{e8} （一）予以公开 商业企业：被 " in f.message() and "空白，按 0 计" in f.message()
    assert "t3.granted.commercial" not in r.report.values
    assert f.values["t3.granted.commercial"] is None


def test_a_label_merged_over_a_figure_names_the_figure(files):
    r = validate_loaded(read_all(files["label_over_input"]))
    f = one(r, "TEMPLATE-MERGED")
    d8 = ref("t3.granted.natural_person")
    assert f"表三!{d8}" in f.cells and "（一）予以公开 自然人" in f.message()
    assert "合并后只显示" in f.message() and "（一）予以公开" in f.message()


def test_the_templates_own_merges_are_never_named(files, lo_files):
    for path in (files["filled"], lo_files["row_inserted"], lo_files["notes"]):
        r = validate_loaded(read_all(path))
        assert "TEMPLATE-MERGED" not in rules(r), path.name


def test_every_read_path_gives_the_same_merged_ranges_and_hidden_values(lo_files):
    path = lo_files["merged"]
    fast = read_xlsx(path)
    assert fast is not None and fast.formula_elements is not None  # reader_cells read it
    for other in (open_fast(path, "xlsx"), open_openpyxl(path, "xlsx")):
        for name, sh in fast.sheets.items():
            assert (other.sheets[name].merged, other.sheets[name].hidden) == (sh.merged, sh.hidden), name
    d8, e8 = T3.cells["t3.granted.natural_person"], T3.cells["t3.granted.commercial"]
    assert (d8.row, d8.col, e8.row, e8.col) in fast.sheets["表三"].merged
    assert fast.sheets["表三"].hidden == {(e8.row, e8.col): sample_values(V)["t3.granted.commercial"]}


def test_the_annotated_copy_marks_the_merged_cell(lo_files, tmp_path):
    from xltool.annotate import FILL, annotate_file, marked_cells

    r = validate_loaded(read_file(lo_files["merged"]))
    marks = marked_cells(annotate_file(r, tmp_path))
    d8 = ref("t3.granted.natural_person")
    assert marks[f"表三!{d8}"]["fill"] == FILL["error"]
    assert "TEMPLATE-MERGED" in marks[f"表三!{d8}"]["comment"]
    # the copy unmerges the range and puts back what the file kept under it (openpyxl would drop it, and the
    # copy's own checks would then show differences the validator never found): both cells marked
    e8 = ref("t3.granted.commercial")
    assert marks[f"表三!{e8}"]["fill"] == FILL["error"]
    wb = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")))
    assert not [m for m in wb["表三"].merged_cells.ranges if d8 in m]
    assert wb["表三"][e8].value == r.report.values["t3.granted.commercial"] is not None


# --------------------------------------------------------------------------- rows and columns inserted or deleted


def test_a_row_inserted_in_libreoffice_is_said_once(lo_files, files):
    r = validate_loaded(read_all(lo_files["row_inserted"]))
    at = row_of("denied_prohibited")
    f = one(r, "TEMPLATE-SHIFTED")
    assert f.severity == "error" and f.table == "t3"
    assert f"第 {at} 行是插入的行" in f.title["zh"] and f"row {at} was inserted" in f.title["en"]
    assert f"再删除第 {at} 行" in f.fix["zh"] and "请先把它们加到对应的官方行" in f.fix["zh"]  # its figures kept
    label = next(lb for lb in T3.labels if lb.role == "row" and lb.row == at)
    assert f.cells[0] == f"表三!{a1(at, label.col)}"
    msg = f.message()
    assert "“其中：涉及个人隐私”；其数字未读取：自然人 1" in msg
    # LibreOffice widened the （七）总计 SUMs over the inserted row: said here, not as edited formulas
    total_row = row_of("results_total") + 1
    first, last = col_of("natural_person"), col_of("other_org")
    assert f"合计 {a1(total_row, first)}:{a1(total_row, last)} 的公式随之扩大到了插入的第 {at} 行" in msg
    assert "应为“2.其他法律行政法规禁止公开”" in msg  # the labels it moved are still listed
    for gone in ("TEMPLATE-LABEL", "TABLE-EXTRA-ROW", "TOTAL-FORMULA"):
        assert gone not in rules(r)
    # the sheet's own total counts the inserted row's 1: the one other finding
    assert rules(r) == ["TEMPLATE-SHIFTED", "TOTAL-STORED"]
    assert r.report.values == read_file(files["filled"]).report.values
    # the note typed on the inserted row is no note outside the form: the row is named already
    assert "TEMPLATE-TEXT-OUTSIDE" not in rules(r)


def test_two_rows_inserted(lo_files):
    r = validate_loaded(read_all(lo_files["rows_inserted"]))
    at = row_of("denied_prohibited")
    f = one(r, "TEMPLATE-SHIFTED")
    assert f"第 {at}、{at + 1} 行是插入的行" in f.title["zh"]
    assert f"rows {at}, {at + 1} were inserted" in f.title["en"]


def test_a_row_deleted_in_libreoffice_is_named_by_its_label(lo_files, files):
    r = validate_loaded(read_all(lo_files["row_deleted"]))
    f = one(r, "TEMPLATE-SHIFTED")
    assert "“3.危及“三安全一稳定””所在行被删除" in f.title["zh"]
    assert "the row of “3.危及“三安全一稳定”” was deleted" in f.title["en"]
    assert "表三的合计和勾稽关系未校验" in f.message()
    assert rules(r) == ["TEMPLATE-SHIFTED"]  # not TABLE-LABELS-MISSING too
    assert r.report.meta["incomplete_tables"] == ["t3"]
    full = read_file(files["filled"]).report.values
    assert r.report.values == {k: v for k, v in full.items() if not k.startswith("t3.denied_three_safety.")}


def test_a_column_inserted_in_libreoffice(lo_files):
    r = validate_loaded(read_all(lo_files["column_inserted"]))
    f = one(r, "TEMPLATE-SHIFTED")
    c = col_letter(col_of("research"))
    assert f"第 {c} 列是插入的列" in f.title["zh"] and f"column {c} was inserted" in f.title["en"]
    assert f"第 {c} 列是插入的列：“备注”" in f.message()
    total = col_letter(col_of("total") + 1)
    assert f"合计 {total}{T3.first_data_row}:{total}{T3.last_row} 的公式随之扩大到了插入的第 {c} 列" in f.message()
    assert "TEMPLATE-LABEL" not in rules(r) and "TOTAL-FORMULA" not in rules(r)


def test_a_column_deleted_in_libreoffice(lo_files):
    r = validate_loaded(read_all(lo_files["column_deleted"]))
    f = one(r, "TEMPLATE-SHIFTED")
    assert "“科研机构”所在列被删除" in f.title["zh"]
    assert "TEMPLATE-LABEL" not in rules(r)


def test_labels_edited_in_place_are_no_shift(files, tmp_path):
    wb = openpyxl.load_workbook(files["unprotected"])
    label = next(lb for lb in T3.labels if lb.role == "row" and lb.row == row_of("denied_third_party"))
    wb["表三"][a1(label.row, label.col)] = "4.保护第三方权益"
    wb.save(tmp_path / "edited.xlsx")
    r = validate_loaded(read_all(tmp_path / "edited.xlsx"))
    assert rules(r) == ["TEMPLATE-LABEL"]
    sh = Sheet("表三", rows=[[None] * 3 for _ in range(40)])  # nothing where the labels belong
    assert detect_shift(T3, sh) is None


# --------------------------------------------------------------------------- text outside the form


def test_notes_beside_the_tables_are_named_with_their_first_characters(lo_files):
    r = validate_loaded(read_all(lo_files["notes"]))
    f = one(r, "TEMPLATE-TEXT-OUTSIDE")
    assert f.severity == "info" and r.valid
    right3 = col_letter(max(_sheet_cols("表三")) + 1)
    right2 = col_letter(max(_sheet_cols("表二")) + 1)
    assert f.cells == [
        f"表二!{right2}{T2.first_data_row}",
        f"表三!{right3}{T3.first_data_row - 1}",
        f"表三!{right3}{row_of('granted')}",
        f"表三!{right3}{row_of('unable_not_held')}",
        "说明!A1",
    ]
    msg = f.message()
    assert f"表三!{right3}{row_of('granted')}：“含依申请公开2件，已按时答复”" in msg
    assert f.title["zh"].startswith("文件中有 5 处文字不在统计表的单元格中")
    assert "not read" in f.message("en")
    # the cover's 情况说明 is where the template asks for explanations: read as the unit's explanation
    note = one(r, "UNIT-EXPLANATION")
    assert note.title["zh"] == "单位在封面“情况说明”中写道：“上年结转与上年报告不一致：上年报告漏报 1 件”"
    assert r.report.meta["explanation"] == "上年结转与上年报告不一致：上年报告漏报 1 件"


def test_a_figure_typed_beside_the_form_is_named(files, tmp_path):
    """A number in Z500 may be a figure the clerk meant for the form: named like text outside it."""
    wb = openpyxl.load_workbook(files["unprotected"])
    wb["表三"]["Z500"] = 7
    wb.save(tmp_path / "z500.xlsx")
    f = one(validate_loaded(read_all(tmp_path / "z500.xlsx")), "TEMPLATE-TEXT-OUTSIDE")
    assert f.cells == ["表三!Z500"] and "“7”" in f.message()


def test_a_long_note_is_cut_and_many_are_counted(files, tmp_path):
    wb = openpyxl.load_workbook(files["unprotected"])
    ws = wb["表三"]
    for r in range(1, 31):
        ws[f"Z{r}"] = "说明" * 40
    wb.save(tmp_path / "many.xlsx")
    f = one(validate_loaded(read_all(tmp_path / "many.xlsx")), "TEMPLATE-TEXT-OUTSIDE")
    assert len(f.cells) == 30 and f.details["zh"][-1] == "……共 30 处"
    assert all(len(line) < 90 for line in f.details["zh"])


def test_the_templates_own_text_is_no_note(files, tmp_path):
    from xltool.template import write_template

    fm = form()
    made = [
        files["filled"],
        write_template(fm, tmp_path / "en.xlsx", year=2024, unit_name="某局", unit_code="X1", lang="en"),
        write_template(fm, tmp_path / "blank.xlsx", year=2024, unit_name=""),
    ]
    for path in made:
        r = validate_loaded(read_all(Path(path)))
        assert "TEMPLATE-TEXT-OUTSIDE" not in rules(r), (path, [f.message() for f in r.findings])


def test_a_check_label_overwritten_is_a_note(files, tmp_path):
    from xltool.template_checks import sheet_checks

    label = sheet_checks(form())["t3"].labels[0]
    wb = openpyxl.load_workbook(files["unprotected"])
    wb["表三"][a1(label.row, label.col)] = "已核对"
    wb.save(tmp_path / "over.xlsx")
    f = one(validate_loaded(read_all(tmp_path / "over.xlsx")), "TEMPLATE-TEXT-OUTSIDE")
    assert f.cells == [f"表三!{a1(label.row, label.col)}"]


def test_a_note_on_a_sheet_with_an_inserted_row_is_found_where_the_rows_moved(lo_files, files, tmp_path):
    from xltool.template_checks import sheet_checks

    status = sheet_checks(form())["t3"].status_label
    at = a1(status.row, status.col)  # the status line's label in the template; one row further down now
    wb = openpyxl.load_workbook(lo_files["row_inserted"])
    assert wb["表三"][at].value is None and wb["表三"][a1(status.row + 1, status.col)].value == status.text
    wb["表三"][at] = "以上数据已核对"
    wb.save(tmp_path / "note_after_shift.xlsx")
    f = one(validate_loaded(read_all(tmp_path / "note_after_shift.xlsx")), "TEMPLATE-TEXT-OUTSIDE")
    assert f.cells == [f"表三!{at}"]


def test_checks_moved_with_the_rows_are_no_notes(lo_files):
    # 表四's check row and status line moved one row down (the template's texts, and formulas): not notes
    r = validate_loaded(read_all(lo_files["t4_row"]))
    assert "TEMPLATE-TEXT-OUTSIDE" not in rules(r), [f.message() for f in r.findings]


def test_validating_a_template_imports_no_part_of_the_template_writer(files, tmp_path):
    code = (
        "import sys, json\n"
        "from xltool.reader import read_file\n"
        f"read_file({str(files['filled'])!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('xltool.template'))))\n"
    )
    env = {**os.environ, "XLTOOL_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "xltool.template" in first.stdout  # the first run builds the list of the template's cells
    assert second.stdout.strip() == "[]"  # then the user's cache has it


def test_what_the_template_writes_is_known_cell_by_cell(files):
    """`template_cells` agrees with the written template: every cell holding something is one of them."""
    cells = template_cells(form())
    wb = openpyxl.load_workbook(files["filled"])
    for ws in wb.worksheets:
        if ws.title == "_xltool":
            continue
        written = {(c.row, c.column) for row in ws.iter_rows() for c in row if c.value is not None}
        assert written <= set(cells[ws.title]), (ws.title, sorted(written - set(cells[ws.title]))[:5])


def test_the_header_row_deleted_in_libreoffice(lo_files):
    """表三's header row 3 deleted (the rows above it carry no labels): one TEMPLATE-SHIFTED naming it, not a
    list of 40 labels each one row off."""
    r = validate_loaded(read_all(lo_files["header_deleted"]))
    f = one(r, "TEMPLATE-SHIFTED")
    assert "申请人情况" in f.title["zh"] and "所在行被删除" in f.title["zh"]
    assert "TEMPLATE-LABEL" not in rules(r)
