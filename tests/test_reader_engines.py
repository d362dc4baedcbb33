"""The reader's three engines give identical reports and findings.

`fast` (one read: `reader_xlsx`, falling back on safezip + calamine), `calamine` (safezip, then calamine and
the XML) and `openpyxl` (the full path), on every workbook of the reader's tests: templates,
LibreOffice-saved files, edited, re-typed, broken and hostile ones. The one-read path must be the one taken
for the plain files and never for a hostile one; the fast path must keep openpyxl out of the process.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_reader_support import shared_corpus
from xltool.reader import read_file
from xltool.validate import validate_loaded


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


def _same(a, b, name: str) -> None:
    assert (a.report is None) == (b.report is None), name
    if a.report is not None:
        assert a.report.to_dict() == b.report.to_dict(), name
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings], name
    va, vb = validate_loaded(a, year=2024), validate_loaded(b, year=2024)
    assert [f.to_dict() for f in va.findings] == [f.to_dict() for f in vb.findings], name


def test_identical_reports_and_findings_on_every_test_workbook(corpus):
    assert len(corpus) >= 40
    for name, path in sorted(corpus.items()):
        fast = read_file(path, engine="fast")
        _same(fast, read_file(path, engine="openpyxl"), name)
        _same(fast, read_file(path, engine="calamine"), name)


PLAIN = ("template", "template_blank", "typed_over", "odd_values", "label_edited", "row_inserted", "plain1", "plain2")
"""Files written by the template writer or openpyxl: the one-read path must take them."""
HOSTILE = ("zip_bomb", "billion_laughs", "cell_xfd", "truncated", "crc_damaged", "empty", "random_bytes", "encrypted")


def test_the_one_read_path_takes_plain_files_and_gives_calamines_book(corpus):
    from xltool.reader_book import open_fast
    from xltool.reader_xlsx import read_xlsx

    names = [n for n in PLAIN if n in corpus] + [
        n for n in ("lo_filled", "lo_balance_error", "lo_typed_over") if n in corpus
    ]
    assert len(names) >= len(PLAIN)
    for name in names:
        book = read_xlsx(corpus[name])
        assert book is not None, f"{name}: the one-read path fell back"
        ref = open_fast(corpus[name], "xlsx")
        assert list(book.sheets) == list(ref.sheets), name
        for sn, sh in ref.sheets.items():
            assert (book.sheets[sn].rows, book.sheets[sn].state) == (sh.rows, sh.state), (name, sn)
        assert (book.props, book.parts, book.core) == (ref.props, ref.parts, ref.core), name
        assert book.formula_elements is not None, f"{name}: reader_cells refused a plain file"
        book.load_formulas(list(book.sheets))
        ref.load_formulas(list(ref.sheets))
        for sn, sh in ref.sheets.items():
            assert book.sheets[sn].formulas == sh.formulas, (name, sn)
        assert book.sha256 is not None and len(book.sha256) == 64


def test_formulas_found_by_position_equal_the_full_scan(corpus):
    from xltool.reader_book import _formulas_at, scan_xml
    from xltool.reader_xlsx import read_xlsx

    checked = 0
    for name in [n for n in (*PLAIN, "lo_filled", "lo_typed_over", "lo_stale_cache") if n in corpus]:
        book = read_xlsx(corpus[name])
        assert book is not None and book.plain, name
        with zipfile.ZipFile(corpus[name]) as z:
            raw = {sheet: z.read(part) for sheet, part in book.parts.items()}
        for sheet, xml in raw.items():
            everything, _ = scan_xml(xml, True)
            height = max((r for r, _ in everything), default=0) + 2
            wanted = set(everything) | {(r, c) for r in range(1, height) for c in range(1, 12)}
            at = _formulas_at(xml, wanted)
            if at is None:  # a shared formula's child: the full scan is used, which this test compares with
                continue
            assert at == {k: v for k, v in everything.items() if k in wanted}, (name, sheet)
            checked += len(at)
    assert checked > 100


def test_the_one_read_path_never_takes_a_hostile_file(corpus):
    from xltool.reader_xlsx import read_xlsx

    for name in HOSTILE:
        if name in corpus:
            assert read_xlsx(corpus[name]) is None, name


def test_the_one_read_path_falls_back_on_shapes_it_does_not_decode(tmp_path, corpus):
    """Each of these is a valid workbook (or a bounded one) that the full sequence must read or refuse."""
    import zipfile

    from xltool.reader_xlsx import read_xlsx

    src = corpus["template"]
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))

    def variant(name: str, old: bytes, new: bytes, count: int = 1) -> Path:
        data = dict(parts)
        assert old in data[sheet], old
        data[sheet] = data[sheet].replace(old, new, count)
        out = tmp_path / f"{name}.xlsx"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in data.items():
                z.writestr(n, b)
        return out

    plain = variant("same", b"<sheetData>", b"<sheetData>")
    assert read_xlsx(plain) is not None
    cases = {
        "far_row": (b'<row r="1"', b'<row r="10000"'),  # at the limit: safezip decides
        "no_r": (b'<c r="A1"', b"<c"),
        "s_first": (b'<c r="A1"', b'<c s="0" r="A1"'),
        "far_dimension": (b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="'),
        "wide_col": (b'<c r="A1"', b'<c r="GS1"'),
    }
    for name, (old, new) in cases.items():
        path = variant(name, old, new)
        assert read_xlsx(path) is None, name
        _same(read_file(path, engine="fast"), read_file(path, engine="calamine"), name)

    # a worksheet the relationships put outside xl/worksheets/ is checked all the same
    moved = dict(parts)
    moved["xl/odd/place.xml"] = moved.pop(sheet).replace(b'<c r="A1"', b'<c r="A60000"', 1)
    moved["xl/_rels/workbook.xml.rels"] = moved["xl/_rels/workbook.xml.rels"].replace(
        sheet.removeprefix("xl/").encode(), b"odd/place.xml"
    )
    odd = tmp_path / "odd_place.xlsx"
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in moved.items():
            z.writestr(n, b)
    assert read_xlsx(odd) is None
    fast, full = read_file(odd, engine="fast"), read_file(odd, engine="calamine")
    _same(fast, full, "odd_place")
    assert [f.rule for f in fast.findings] == ["FILE-UNSAFE"]


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
