"""Returns whose structure a department changed in LibreOffice: every one is read, by every engine alike.

A department unprotects 表三 and deletes a row: LibreOffice 7.4 then writes `<dimension ref="A1:L1048576"/>`
and an empty `<row r="1048576" …></row>`, and keeps both on every re-save, so a clerk cannot get rid of them.
Such a file must be read and get its structure findings, not FILE-UNSAFE. The same for an inserted row, a
deleted column, rows hidden to the end of the sheet and whole rows formatted (LibreOffice writes empty styled
cells up to column AMJ there). Every file is made here by the session's LibreOffice over UNO
(`lo_session` in tests/conftest.py): the structural edits, which `tests/lo.py` has no call for, by a second
UNO client on the same soffice; each file's XML is checked to have the shape this test is about.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from tests.lo import LibreOfficeSession
from tests.lo_edit import edit_in_libreoffice
from tests.test_reader_support import sample_values, write_template_file
from xltool.layout import sheet_layouts
from xltool.reader import read_file
from xltool.reader_xlsx import read_xlsx
from xltool.safezip import check_xlsx
from xltool.schema import load_form
from xltool.template_protect import DEFAULT_PASSWORD
from xltool.validate import validate_loaded

SHEET = "表三"
DELETED = "3.危及“三安全一稳定”"

EDITS: dict[str, list[list]] = {
    "row_deleted": [["remove_rows", 11, 1]],  # row 12: 3.危及“三安全一稳定” (found in the layout below)
    "rows_deleted": [["remove_rows", 11, 3]],
    "row_inserted": [["insert_rows", 10, 1], ["text", "C11", "其中：涉及个人隐私"]],
    "column_deleted": [["remove_columns", 9, 1]],  # J, 总计
    "deleted_and_inserted": [["remove_rows", 11, 1], ["insert_rows", 20, 1]],
    "rows_hidden_to_end": [["hide_rows", "A40:A1048576"]],
    "rows_heightened_to_end": [["row_height", "A40:A1048576", 800]],
    "whole_rows_formatted": [["back_color", "A40:AMJ50", 0xFFFF00]],
    "rows_formatted_to_end": [["bold", "A40:AMJ1048576"]],
}


@pytest.fixture(scope="module")
def edited(lo_session: LibreOfficeSession, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("lo-row-edits")
    lay = sheet_layouts(load_form("gov-disclosure-2021"))["t3"]
    deleted_row = next(lb.row for lb in lay.labels if lb.text == DELETED)
    assert deleted_row == EDITS["row_deleted"][0][1] + 1  # the edits above name it by its 0-based index
    template = write_template_file(base / "template.xlsx", sample_values(3))
    out = {"template": template}
    jobs = []
    for name, ops in EDITS.items():
        out[name] = base / f"{name}.xlsx"
        jobs.append(
            {
                "src": str(template),
                "dst": str(out[name]),
                "password": DEFAULT_PASSWORD,
                "ops": [[op, SHEET, *args] for op, *args in ops],
                "protect_again": True,
            }
        )
    edit_in_libreoffice(lo_session, jobs)
    # re-saved in LibreOffice as it is (the clerk's advice to delete the rows cannot remove the far row),
    # and saved as .ods and .xls
    lo_session.load(out["row_deleted"])
    out["row_deleted_resaved"] = lo_session.save_xlsx(base / "row_deleted_resaved.xlsx")
    out["row_deleted_ods"] = lo_session.save_as(base / "row_deleted.ods", "calc8")
    out["row_deleted_xls"] = lo_session.save_as(base / "row_deleted.xls", "MS Excel 97")
    lo_session.close_document()
    return out


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(r'<sheet name="' + SHEET + r'"[^>]*r:id="([^"]+)"', wb).group(1)
        target = re.search(r'Id="' + rid + r'"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
        part = (target.group(1) or target.group(2)).lstrip("/")
        return z.read(part if part.startswith("xl/") else "xl/" + part)


def _dimension(xml: bytes) -> str:
    return re.search(rb'<dimension ref="([^"]+)"', xml).group(1).decode()


def _read_alike(path: Path):
    """The file read by the three engines: the same report and findings (and validation findings)."""
    fast = read_file(path, engine="fast")
    for engine in ("calamine", "openpyxl"):
        other = read_file(path, engine=engine)
        assert (fast.report is None) == (other.report is None), engine
        if fast.report is not None:
            assert fast.report.to_dict() == other.report.to_dict(), engine
        assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in other.findings], engine
        va, vb = validate_loaded(fast, year=2024), validate_loaded(other, year=2024)
        assert [f.to_dict() for f in va.findings] == [f.to_dict() for f in vb.findings], engine
    return fast


def _messages(loaded) -> str:
    r = validate_loaded(loaded, year=2024)
    return "\n".join(f.message() for f in r.findings)


@pytest.mark.parametrize("name", ["row_deleted", "rows_deleted", "deleted_and_inserted", "row_deleted_resaved"])
def test_a_deleted_row_is_read_and_its_label_named(edited, name):
    path = edited[name]
    xml = _sheet_xml(path)
    if name != "deleted_and_inserted":  # what LibreOffice writes after a deletion (kept on re-saving)
        assert _dimension(xml).endswith("1048576"), _dimension(xml)
        assert re.search(rb'<row r="1048576"[^>]*></row>', xml), "LibreOffice no longer writes the empty last row"
    check_xlsx(path)  # no UnsafeFile
    book = read_xlsx(path)
    assert book is not None and book.formula_elements is not None, "the one-pass path fell back"
    loaded = _read_alike(path)
    text = _messages(loaded)
    assert "FILE-UNSAFE" not in text and "FILE-" not in " ".join(f.rule for f in loaded.findings), text
    assert "三安全一稳定" in text, text  # the deleted row's label is named
    assert any(f.severity == "error" for f in validate_loaded(loaded, year=2024).findings)


def test_deleting_three_rows_leaves_three_empty_far_rows(edited):
    xml = _sheet_xml(edited["rows_deleted"])
    assert re.findall(rb'<row r="(10485\d\d)"[^>]*></row>', xml) == [b"1048574", b"1048575", b"1048576"]
    text = _messages(read_file(edited["rows_deleted"]))
    for label in ("三安全一稳定", "保护第三方合法权益", "属于三类内部事务信息"):
        assert label in text, (label, text)


@pytest.mark.parametrize("name", ["row_inserted", "column_deleted"])
def test_an_inserted_row_or_deleted_column_is_read_as_a_changed_structure(edited, name):
    xml = _sheet_xml(edited[name])
    assert b'<row r="1048576"' not in xml and "1048576" not in _dimension(xml)  # LibreOffice writes neither here
    assert read_xlsx(edited[name]) is not None
    loaded = _read_alike(edited[name])
    assert not any(f.rule.startswith("FILE-") for f in loaded.findings), loaded.findings
    errors = [f.rule for f in validate_loaded(loaded, year=2024).findings if f.severity == "error"]
    assert any(r.startswith(("TEMPLATE-", "TABLE-")) for r in errors), errors


@pytest.mark.parametrize(
    "name", ["rows_hidden_to_end", "rows_heightened_to_end", "whole_rows_formatted", "rows_formatted_to_end"]
)
def test_rows_hidden_or_formatted_to_the_end_keep_every_value(edited, name):
    xml = _sheet_xml(edited[name])
    if "formatted" in name:  # LibreOffice's empty styled cells up to AMJ, and a dimension past column GR
        assert re.search(rb'<c r="AMJ\d+" s="\d+"/>', xml), "LibreOffice no longer writes cells up to AMJ"
        assert _dimension(xml).split(":")[-1].startswith("AMJ"), _dimension(xml)
    check_xlsx(edited[name])
    assert read_xlsx(edited[name]) is not None, "the one-pass path fell back"
    loaded = _read_alike(edited[name])
    original = read_file(edited["template"])
    assert loaded.report is not None and original.report is not None
    assert loaded.report.values == original.report.values
    rules = {f.rule for f in validate_loaded(loaded, year=2024).findings}
    assert rules == {f.rule for f in validate_loaded(original, year=2024).findings}, rules


@pytest.mark.parametrize("name", ["row_deleted_ods", "row_deleted_xls"])
def test_other_formats_saved_after_a_row_deletion_are_read(edited, name):
    loaded = read_file(edited[name])
    assert not any(f.rule in ("FILE-UNSAFE", "FILE-UNREADABLE") for f in loaded.findings), loaded.findings
    assert "三安全一稳定" in _messages(loaded)


def test_validate_names_the_structure_not_an_unsafe_file(edited, tmp_path):
    """What the trial's clerk saw (FILE-UNSAFE, with advice LibreOffice cannot follow) is gone."""
    from click.testing import CliRunner

    from xltool.cli import cli

    res = CliRunner().invoke(cli, ["validate", str(edited["row_deleted"])])
    assert res.exit_code == 1, res.output
    assert "FILE-UNSAFE" not in res.output and "1048576" not in res.output, res.output
    assert "三安全一稳定" in res.output, res.output
