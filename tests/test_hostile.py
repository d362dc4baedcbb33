"""Broken and hostile files: each gets exactly one clear finding, the run goes on, nothing hangs.

Every file is generated here (tests/test_reader_support.py `_hostile`): a password-encrypted workbook
(msoffcrypto-tool), a zip bomb, billion laughs, a cell at XFD1048576, a truncated zip, a member failing
its CRC, an empty file, random bytes, a PDF, an HTML "xls", a Word file, a CSV without tables, a legacy
.xls with a password, an .xlsb.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_reader_support import HOSTILE, shared_corpus
from xltool.cli import cli
from xltool.reader import read_file
from xltool.validate import validate_loaded


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_each_bad_file_gets_exactly_one_clear_finding(corpus, name, engine):
    if name not in corpus:
        pytest.skip("msoffcrypto-tool is not installed: pip install msoffcrypto-tool")
    t = time.monotonic()
    loaded = read_file(corpus[name], engine=engine)
    assert time.monotonic() - t < 10  # bounded work, never a hang
    assert loaded.report is None
    assert [f.rule for f in loaded.findings] == [HOSTILE[name]]
    f = loaded.findings[0]
    assert f.severity == "error"
    msg = f.message()
    assert msg.startswith(f"【错误 {HOSTILE[name]}】") and "处理：" in msg
    assert f.message("en").startswith(f"[error {HOSTILE[name]}]")
    r = validate_loaded(loaded)
    assert not r.valid and len(r.findings) == 1


def test_encrypted_says_remove_the_password(corpus):
    if "encrypted" not in corpus:
        pytest.skip("msoffcrypto-tool is not installed: pip install msoffcrypto-tool")
    msg = read_file(corpus["encrypted"]).findings[0].message()
    assert "密码" in msg and "重新报送" in msg


def test_specific_messages(corpus):
    def msg(name: str) -> str:
        return read_file(corpus[name]).findings[0].message()

    assert "XFD1048576" in msg("cell_xfd")
    assert "DTD/实体" in msg("billion_laughs")
    assert "压缩" in msg("zip_bomb")
    assert "损坏或不完整" in msg("truncated") and "损坏或不完整" in msg("crc_damaged")
    assert "空的" in msg("empty")
    assert "PDF" in msg("pdf") and "xltool import" in msg("pdf")
    assert "另存为" in msg("html_fake_xls")
    assert "CSV" in msg("csv_no_tables") and "已跳过" in msg("csv_no_tables")


def test_missing_file_is_one_finding(tmp_path):
    loaded = read_file(tmp_path / "gone.xlsx")
    assert [f.rule for f in loaded.findings] == ["FILE-UNREADABLE"]


def test_a_folder_of_everything_never_crashes_the_run(corpus, tmp_path):
    """`xltool validate` over the whole corpus: one status line per file, exit 1, no traceback."""
    import shutil

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, (name, p) in enumerate(sorted(corpus.items())):
        shutil.copy(p, inbox / f"{i:02d}_{name}{p.suffix}")
    res = CliRunner().invoke(cli, ["validate", "--silent", str(inbox)])
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = [ln for ln in res.output.splitlines() if ln.startswith(("✔", "✘", "— 已跳过"))]
    assert len(lines) == len(corpus)
    assert "Traceback" not in res.output


def test_a_date_calamine_cannot_convert_is_a_finding_not_a_crash(tmp_path):
    """A huge negative number in a date-formatted cell makes calamine (Rust) panic; pyo3 raises that as a
    PanicException, which is no Exception: it must still end as findings, never escape the reader. The file
    is not damaged: openpyxl reads it (the cell as an error value), so nothing else of the file is lost."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = -1e15
    wb.active["A1"].number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "date.xlsx")
    loaded = read_file(tmp_path / "date.xlsx")
    assert loaded.report is None and [f.rule for f in loaded.findings] == ["TABLES-NOT-FOUND"]
    res = CliRunner().invoke(cli, ["validate", str(tmp_path / "date.xlsx")])
    assert res.exit_code == 1 and "TABLES-NOT-FOUND" in res.output and "Traceback" not in res.output


def test_a_template_cell_calamine_cannot_convert_is_named_and_no_rust_report_is_printed(tmp_path):
    """The department formatted an input cell as a date and typed a huge number: the cell is named, the rest
    of the return is read, and the clerk's terminal shows no Rust panic report (even with RUST_BACKTRACE set,
    which prints a hundred lines of backtrace)."""
    import os
    import subprocess
    import sys

    import openpyxl

    from xltool.layout import sheet_cells
    from xltool.schema import load_form

    form = load_form("gov-disclosure-2021")
    where = sheet_cells(form)["t2.normative.issued"]
    sheet, ref = where.split("!")
    template = Path(__file__).resolve().parent.parent / "templates" / "gov-disclosure-2021.xlsx"
    wb = openpyxl.load_workbook(template)
    wb[sheet][ref] = -1e15
    wb[sheet][ref].number_format = "yyyy-mm-dd"
    wb[sheet]["B5"] = 3
    wb.save(tmp_path / "returned.xlsx")
    env = {**os.environ, "RUST_BACKTRACE": "1", "XLTOOL_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-m", "xltool", "validate", str(tmp_path / "returned.xlsx")],
        capture_output=True,
        env=env,
        timeout=120,
    )
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 1, out + err
    assert "VALUE-TYPE" in out and where in out, out
    assert "FILE-UNREADABLE" not in out
    assert "panicked" not in err and "backtrace" not in err and not err.strip(), err
    loaded = read_file(tmp_path / "returned.xlsx")
    assert loaded.report is not None and loaded.report.values["t2.regulation.issued"] == 3


def test_what_else_is_written_to_stderr_meanwhile_is_kept(capfd):
    """Only Rust panic reports are dropped while calamine runs: anything else written to fd 2 reaches it."""
    import os

    from xltool.native_stderr import panic_text_dropped

    with panic_text_dropped():
        os.write(2, b"kept line\n\nthread '<unnamed>' (1) panicked at src/lib.rs:1:1:\nout of bounds\n")
        os.write(2, b"stack backtrace:\n   0: f\n             at x.rs:1\nnote: Some details are omitted\n")
        os.write(2, b"another kept line\n")
    assert capfd.readouterr().err == "kept line\nanother kept line\n"


# --------------------------------------------------------------------------- what carries no cell, and what does


def _table3_variant(src: Path, dst: Path, edit) -> Path:
    """A copy of a workbook with 表三's worksheet XML passed through `edit`."""
    import zipfile

    from xltool.reader_xlsx import read_xlsx

    book = read_xlsx(src)
    assert book is not None
    part = book.parts["表三"]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                new = edit(data)
                assert new != data
                data = new
            zout.writestr(info.filename, data)
    return dst


def _far(dimension: bytes, rows: bytes):
    def edit(xml: bytes) -> bytes:
        import re

        xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + dimension + b'"/>', xml)
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")

    return edit


NOTHING_FAR = {
    "lo_deleted_row": (b"A1:L1048576", b'<row r="1048576" customFormat="false" ht="12.8" hidden="false"></row>'),
    "whole_grid_dimension": (b"A1:XFD1048576", b""),
    "styled_cell_at_xfd1048576": (b"A1:XFD1048576", b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'),
    "styled_cells_in_a_near_row": (b"A1:XFD40", b'<row r="40"><c r="A40" s="0"/><c r="XFD40" s="0"/></row>'),
    "many_empty_far_rows": (b"A1:L20000", b"".join(b'<row r="%d" ht="15"/>' % r for r in range(10_001, 20_001))),
}


@pytest.mark.parametrize("name", sorted(NOTHING_FAR))
def test_what_carries_no_cell_is_read_alike_by_every_engine_and_changes_nothing(corpus, tmp_path, name):
    """A dimension anywhere in the grid, empty far rows, empty styled cells at XFD1048576: the values are the
    template's, every engine gives the same (openpyxl never builds its dense grid up to XFD1048576)."""
    path = _table3_variant(corpus["template"], tmp_path / f"{name}.xlsx", _far(*NOTHING_FAR[name]))
    ref = read_file(corpus["template"])
    results = {}
    for engine in ("fast", "calamine", "openpyxl"):
        t = time.monotonic()
        results[engine] = read_file(path, engine=engine)
        assert time.monotonic() - t < 20, engine  # bounded: never a grid of the sheet's claimed size
    for engine, loaded in results.items():
        assert loaded.report is not None, (engine, loaded.findings)
        assert loaded.report.values == ref.report.values, engine
        assert [f.to_dict() for f in loaded.findings] == [f.to_dict() for f in ref.findings], engine


def test_calamine_allocates_nothing_for_what_carries_no_cell(corpus, tmp_path):
    """Measured with a memory cap: calamine reserves from a dimension only below 100,000 cells and places no
    empty cell, so a whole-grid dimension, an empty row 1048576 and an empty styled cell at XFD1048576 fit in
    256 MB (a grid to XFD1048576 would need 512 GiB: the cap would end the reader)."""
    from xltool.reader_book import open_fast, run_isolated

    rows = b'<row r="1048575"><c r="XFD1048575" s="0"/></row><row r="1048576" ht="12.8"></row>'
    path = _table3_variant(corpus["template"], tmp_path / "grid.xlsx", _far(b"A1:XFD1048576", rows))
    book = run_isolated(open_fast, path, "xlsx", memory_mb=256)
    assert book.sheets["表三"].height < 100 and book.sheets["表三"].width < 20


CELLS_FAR = {
    "value": b'<row r="40"><c r="XFD40"><v>1</v></c></row>',
    "empty_inline_string": b'<row r="40"><c r="XFD40" t="inlineStr"><is><t></t></is></c></row>',  # calamine: abort
    "typed_empty_cell": b'<row r="40"><c r="XFD40" s="0" t="s"/></row>',  # not the shape LibreOffice writes
    "near_cell_in_a_far_row": b'<row r="1048576"><c r="A40"><v>1</v></c></row>',
    "implied_cell_after_a_styled_one": b'<row r="40"><c r="XFD40" s="0"/><c><v>1</v></c></row>',
    "row_beyond_the_grid": b'<row r="1048577"></row>',
    "stray_cell_after_an_empty_far_row": b'<row r="1048576"></row><c r="A40"><v>1</v></c>',
    "stray_cell_after_a_closed_far_row": b'<row r="1048576"/><c r="A40"><v>1</v></c>',
}


@pytest.mark.parametrize("name", sorted(CELLS_FAR))
@pytest.mark.parametrize("engine", ["fast", "calamine", "openpyxl"])
def test_a_far_cell_that_may_hold_something_is_still_refused(corpus, tmp_path, name, engine):
    path = _table3_variant(corpus["template"], tmp_path / f"{name}.xlsx", _far(b"A1:L40", CELLS_FAR[name]))
    loaded = read_file(path, engine=engine)
    assert loaded.report is None and [f.rule for f in loaded.findings] == ["FILE-UNSAFE"]
    assert "表三" in loaded.findings[0].message()


def test_a_dimension_beyond_the_grid_is_refused(corpus, tmp_path):
    path = _table3_variant(corpus["template"], tmp_path / "dim.xlsx", _far(b"A1:XFE1048577", b""))
    for engine in ("fast", "calamine"):
        loaded = read_file(path, engine=engine)
        assert [f.rule for f in loaded.findings] == ["FILE-UNSAFE"], engine
        assert "A1:XFE1048577" in loaded.findings[0].message()
