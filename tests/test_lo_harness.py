"""The LibreOffice harness itself: UNO fill + recalculation, conversions, rendering."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.lo import LibreOfficeSession, convert, helper_python, render_png, skip_or_fail
from xltool.safezip import check_file, check_xlsx, sniff


def formula_workbook(path: Path) -> Path:
    """A1 and A2 are inputs, A3 =A1+A2; openpyxl stores no cached value for A3."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表一"
    ws["A1"] = 1
    ws["A2"] = 1
    ws["A3"] = "=A1+A2"
    ws["B1"] = "本年新收政府信息公开申请数量"
    wb.save(path)
    assert openpyxl.load_workbook(path, data_only=True)["表一"]["A3"].value is None
    return path


def test_fill_through_uno_and_read_back_computed_value(lo_session: LibreOfficeSession, tmp_path: Path) -> None:
    src = formula_workbook(tmp_path / "template.xlsx")
    out = tmp_path / "returned.xlsx"
    lo_session.load(src)
    assert lo_session.sheet_names() == ["表一"]
    lo_session.set_cells("表一", {"A1": 5, "A2": 7})
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表一", "A3") == 12
    assert lo_session.get_cell_value("表一", "B1") == "本年新收政府信息公开申请数量"
    assert lo_session.get_cell_value("表一", "C9") is None
    lo_session.save_xlsx(out)
    lo_session.close_document()

    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb["表一"]["A3"].value == 12
    assert wb["表一"]["A1"].value == 5
    assert openpyxl.load_workbook(out)["表一"]["A3"].value == "=A1+A2"  # the formula survives
    check_xlsx(out)  # a LibreOffice-saved return passes the safety checks


def test_fill_convenience_and_typed_input(lo_session: LibreOfficeSession, tmp_path: Path) -> None:
    src = formula_workbook(tmp_path / "template.xlsx")
    out = lo_session.fill(src, tmp_path / "filled.xlsx", {"表一": {"A1": 40, "A2": 2}})
    assert openpyxl.load_workbook(out, data_only=True)["表一"]["A3"].value == 42

    lo_session.load(src)
    lo_session.type_cells("表一", {"A1": "12", "A2": "3件"})  # as a clerk types them
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表一", "A1") == 12
    assert lo_session.get_cell_value("表一", "A2") == "3件"
    assert lo_session.get_cell_value("表一", "A3") == "#VALUE!"
    lo_session.close_document()


def test_helper_process_mode(soffice: str, tmp_path: Path) -> None:
    """The fallback for a test interpreter that cannot import Debian's uno."""
    if helper_python() is None:
        skip_or_fail("no /usr/bin/python3 that imports uno for the helper: apt-get install -y python3-uno")
    src = formula_workbook(tmp_path / "template.xlsx")
    with LibreOfficeSession(soffice, mode="helper") as lo:
        assert lo.mode == "helper"
        out = lo.fill(src, tmp_path / "via-helper.xlsx", {"表一": {"A1": 2.5, "A2": 4}})
        lo.load(out)
        assert lo.get_cell_value("表一", "A3") == 6.5
    assert openpyxl.load_workbook(out, data_only=True)["表一"]["A3"].value == 6.5


def test_convert_to_pdf(soffice: str, tmp_path: Path) -> None:
    src = formula_workbook(tmp_path / "report.xlsx")
    (pdf,) = convert([src], "pdf", tmp_path / "out", soffice=soffice)
    assert pdf == tmp_path / "out" / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sniff(pdf) == "pdf"


def test_convert_many_files_in_one_call(soffice: str, tmp_path: Path) -> None:
    sources = [formula_workbook(tmp_path / f"unit{i}.xlsx") for i in range(3)]
    ods = convert(sources, "ods", tmp_path / "ods", soffice=soffice)
    assert [p.name for p in ods] == ["unit0.ods", "unit1.ods", "unit2.ods"]
    assert all(sniff(p) == "ods" and check_file(p) == "ods" for p in ods)
    (xls,) = convert(sources[:1], "xls", tmp_path / "xls", soffice=soffice)
    assert sniff(xls) == "xls"
    (xlsx,) = convert([xls], "xlsx", tmp_path / "back", soffice=soffice)
    assert sniff(xlsx) == "xlsx"
    check_xlsx(xlsx)
    # --convert-to recalculates a file without cached values (openpyxl's)
    assert openpyxl.load_workbook(xlsx, data_only=True)["表一"]["A3"].value == 2


def test_render_png(pdftoppm: str, tmp_path: Path) -> None:
    src = formula_workbook(tmp_path / "page.xlsx")
    pages = render_png(src, tmp_path / "png")
    assert pages and pages[0].name == "page-1.png"
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in pages)


def test_set_cells_mixed_layout(lo_session: LibreOfficeSession, tmp_path: Path) -> None:
    src = formula_workbook(tmp_path / "template.xlsx")
    lo_session.load(src)
    cells = {"A1": 5, "B1": 6, "A2": 7, "B2": 8, "C5": "12", "D5": "某局", "A7": 1.5, "E1": "=A1*B1", "A3": None}
    lo_session.set_cells("表一", cells)
    lo_session.calculate_all()
    got = {ref: lo_session.get_cell_value("表一", ref) for ref in cells}
    assert got == {**cells, "C5": "12", "E1": 30, "A3": None}  # a str stays text, even "12"
    lo_session.close_document()


def test_cells_are_grouped_into_rectangles() -> None:
    from tests.lo import _Ops

    blocks, others = _Ops._blocks({"B3": 1, "C3": 2, "B4": 3, "C4": 4, "E4": 5, "A9": 6, "名称": 7})
    assert blocks == [(2, 1, [[1, 2], [3, 4]]), (3, 4, [[5]]), (8, 0, [[6]])]
    assert others == {"名称": 7}
