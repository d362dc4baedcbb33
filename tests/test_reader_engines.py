"""The fast path (python-calamine + lxml) and the full path (openpyxl) give identical reports and findings.

On every workbook of the reader's tests: templates, LibreOffice-saved files, edited, re-typed, broken and
hostile ones. The fast path must also keep openpyxl out of the process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_reader_support import shared_corpus
from xltool.reader import read_file
from xltool.validate import validate_loaded


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


def _both(path: Path):
    fast = read_file(path, engine="fast")
    full = read_file(path, engine="openpyxl")
    return fast, full


def test_identical_reports_and_findings_on_every_test_workbook(corpus):
    assert len(corpus) >= 40
    for name, path in sorted(corpus.items()):
        fast, full = _both(path)
        assert (fast.report is None) == (full.report is None), name
        if fast.report is not None:
            assert fast.report.to_dict() == full.report.to_dict(), name
        assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in full.findings], name
        vf, vo = validate_loaded(fast, year=2024), validate_loaded(full, year=2024)
        assert [f.to_dict() for f in vf.findings] == [f.to_dict() for f in vo.findings], name


def test_fast_path_does_not_import_openpyxl_or_pandas(corpus):
    code = (
        "import sys; from xltool.reader import read_file; from xltool.validate import validate_loaded; "
        f"r = validate_loaded(read_file({str(corpus['template'])!r})); "
        "assert r.valid, r.findings; "
        "print(sorted(m for m in ('openpyxl', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_engine_is_a_programming_error(corpus):
    with pytest.raises(ValueError):
        read_file(corpus["template"], engine="pandas")
