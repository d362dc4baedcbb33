"""表四's figures sit on one row under its headers, with no label of their own: rows inserted between the
headers and the figures moved no header, and the figures were read from the old row as blanks — the file passed
and the unit's 复议/诉讼 cases were lost from the district's total. The template's own check label under the
table (总计校验) tells: where it is not, the table's layout changed (an error; the file is not counted)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.test_reader_support import rezip, sheet_part
from xltool.reader import read_file
from xltool.validate import validate_loaded

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "returned"


def _shift_rows(xml: bytes, first: int, by: int) -> bytes:
    """Every row from `first` on moved down `by` rows (what inserting rows above `first` does to the XML)."""
    import re

    def row(m: re.Match) -> bytes:
        n = int(m.group(1))
        return m.group(0) if n < first else m.group(0).replace(m.group(1), str(n + by).encode(), 1)

    def cell(m: re.Match) -> bytes:
        n = int(m.group(2))
        return m.group(0) if n < first else m.group(1) + str(n + by).encode() + b'"'

    xml = re.sub(rb'<row r="([0-9]+)"', row, xml)
    xml = re.sub(rb'(<c r="[A-Z]+)([0-9]+)"', cell, xml)
    return re.sub(rb"<mergeCells.*?</mergeCells>|<conditionalFormatting.*?</conditionalFormatting>|"
                  rb"<dataValidations.*?</dataValidations>", b"", xml, flags=__import__("re").S)  # fmt: skip


def test_rows_inserted_above_table_fours_figures_are_an_error_not_blanks(tmp_path):
    def has_t4(p: Path) -> bool:
        r = validate_loaded(read_file(p))
        return r.valid and any(v for k, v in r.report.values.items() if k.startswith("t4."))

    src = next(p for p in sorted(SAMPLES.glob("*.xlsx")) if has_t4(p))
    part = sheet_part(src, "表四")
    with zipfile.ZipFile(src) as z:
        assert b"<row" in z.read(part)
    moved = rezip(src, tmp_path / src.name, lambda name, data: _shift_rows(data, 6, 2) if name == part else None)
    result = validate_loaded(read_file(moved))
    assert not result.valid
    label = [f for f in result.findings if f.rule in ("TEMPLATE-LABEL", "TEMPLATE-SHIFTED") and f.table == "t4"]
    assert label, [f.message() for f in result.findings]
    assert "总计校验" in label[0].message()
