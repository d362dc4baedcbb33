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
    PanicException, which is no Exception: it must still end as one finding, never escape the reader."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = -1e15
    wb.active["A1"].number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "date.xlsx")
    loaded = read_file(tmp_path / "date.xlsx")
    assert loaded.report is None and [f.rule for f in loaded.findings] == ["FILE-UNREADABLE"]
    res = CliRunner().invoke(cli, ["validate", str(tmp_path / "date.xlsx")])
    assert res.exit_code == 1 and "FILE-UNREADABLE" in res.output and "Traceback" not in res.output
