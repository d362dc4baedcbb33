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
