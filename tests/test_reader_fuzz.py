"""Property: whatever is done to a valid workbook, reading and validating it never raises and ends with a result.

Mutations of a real template and of a re-typed workbook: random cells of random types, deleted rows, renamed
sheets, removed metadata, and damaged zip members (bytes flipped, truncated, replaced, dropped). Bounded:
60 examples per property, no deadline (LibreOffice-free, a few seconds in all).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_reader_support import sample_values, write_plain_workbook, write_template_file
from xltool.findings import Finding
from xltool.reader import read_file
from xltool.validate import FileResult, validate_loaded

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("fuzz-base")
    v = sample_values(11)
    return {
        "template": write_template_file(d / "t.xlsx", v).read_bytes(),
        "plain": write_plain_workbook(d / "p.xlsx", v, variant=1).read_bytes(),
    }


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
values = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    text,
    st.sampled_from(["12件", "１２", "/", "—", "约10", "=1/0", "=SUM(A1:A3)", "#REF!", " 3 ", "无", "3.0"]),
    st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
)
cell_edit = st.tuples(st.integers(0, 5), st.integers(1, 40), st.integers(1, 18), values)
row_delete = st.tuples(st.integers(0, 5), st.integers(1, 35), st.integers(1, 4))
member_damage = st.tuples(
    st.integers(0, 40), st.sampled_from(["flip", "truncate", "replace", "drop", "garbage-xml"]), st.integers(0, 10**6)
)


def _mutate(base: bytes, cells, deletes, rename, drop_meta, damage) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(base))  # ~0.1 s: the bulk of an example's cost
    sheets = wb.worksheets
    for si, r, c, v in cells:
        ws = sheets[si % len(sheets)]
        try:
            ws.cell(r, c).value = v
        except (AttributeError, ValueError, TypeError):  # a merged cell, an illegal character
            pass
    for si, r, n in deletes:
        sheets[si % len(sheets)].delete_rows(r, n)
    if rename is not None:
        si, name = rename
        try:
            sheets[si % len(sheets)].title = name
        except ValueError:
            pass
    if drop_meta and "_xltool" in wb.sheetnames:
        del wb["_xltool"]
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if damage is None:
        return data
    idx, how, seed = damage
    zin = zipfile.ZipFile(io.BytesIO(data))
    infos = zin.infolist()
    target = infos[idx % len(infos)].filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            member = zin.read(info.filename)
            if info.filename == target:
                if how == "drop":
                    continue
                if how == "replace":
                    member = bytes((seed * 7 + i * 13) % 256 for i in range(200))
                elif how == "garbage-xml":
                    member = b"<?xml version='1.0'?><x><y" + member[: seed % max(len(member), 1)]
                elif how == "truncate":
                    member = member[: seed % max(len(member), 1)]
            zout.writestr(info.filename, member)
    data = out.getvalue()
    if how == "flip":
        b = bytearray(data)
        b[seed % len(b)] ^= 0x5A
        data = bytes(b)
    return data


def _check(path: Path, full: bool) -> None:
    # the openpyxl engine costs ~0.4 s on a real template: it runs on a share of the examples
    for engine in ("fast", "openpyxl") if full else ("fast",):
        loaded = read_file(path, engine=engine)
        result = validate_loaded(loaded, year=2024)
        assert isinstance(result, FileResult)
        assert all(isinstance(f, Finding) for f in result.findings)
        for f in result.findings:
            assert f.message() and f.message("en")
        if loaded.report is None:
            assert len(loaded.findings) == 1  # one clear finding says why nothing was read
        else:
            assert result.to_dict()["file"] == str(path)


@SETTINGS
@given(
    which=st.sampled_from(["template", "plain"]),
    cells=st.lists(cell_edit, max_size=8),
    deletes=st.lists(row_delete, max_size=2),
    rename=st.none() | st.tuples(st.integers(0, 5), text.filter(bool)),
    drop_meta=st.booleans(),
    damage=st.none() | member_damage,
)
def test_mutated_workbooks_never_crash_the_reader(bases, tmp_path, which, cells, deletes, rename, drop_meta, damage):
    data = _mutate(bases[which], cells, deletes, rename, drop_meta, damage)
    path = tmp_path / "mutant.xlsx"
    path.write_bytes(data)
    _check(path, full=len(data) % 4 == 0)


@SETTINGS
@given(cut=st.integers(0, 30_000), junk=st.binary(max_size=64))
def test_cut_and_spliced_files_never_crash_the_reader(bases, tmp_path, cut, junk):
    base = bases["template"]
    path = tmp_path / "cut.xlsx"
    path.write_bytes(base[: cut % len(base)] + junk + base[cut % len(base) :][: len(junk)])
    _check(path, full=cut % 4 == 0)
