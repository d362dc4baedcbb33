"""`reader_cells` gives calamine's values for every cell spelling it takes, and refuses the others.

Each case is a real .xlsx (written by openpyxl, then one worksheet's cells rewritten the way some program
writes them) read twice: by the one-read path (`reader_xlsx.read_xlsx`, which uses `reader_cells` when it
can) and by calamine (`reader_book.open_fast` on the file). The rows must be equal either way; the case
also says whether `reader_cells` must take the file or leave it to calamine.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xltool.reader_book import open_fast
from xltool.reader_xlsx import read_xlsx

CELLS = {
    # name: (cells of row 1 and beyond written into <sheetData>, taken by reader_cells?)
    "numbers": (
        b'<row r="1"><c r="A1"><v>7</v></c><c r="B1" t="n"><v>-3</v></c><c r="C1"><v>1.5</v></c>'
        b'<c r="D1"><v>1e3</v></c><c r="E1"><v>5e18</v></c><c r="F1"><v>1e400</v></c><c r="G1"><v>0007</v></c>'
        b'<c r="H1"><v>.5</v></c><c r="I1"><v>123456789012345678</v></c><c r="J1"><v>-0</v></c></row>',
        True,
    ),
    "inline_and_str": (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&#19977;&amp;&lt;x&gt; &#x4E00;</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t xml:space="preserve">  lead</t></is></c>'
        b'<c r="C1" t="inlineStr"><is><r><rPr><b/></rPr><t>bo</t></r><r><t>ld</t></r></is></c>'
        b'<c r="D1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="E1" t="inlineStr"><is><t></t></is></c>'
        b'<c r="F1" t="b"><v>1</v></c><c r="G1" t="b"><v>0</v></c><c r="H1" t="inlineStr"><is><t>a&#10;b</t></is></c>'
        b"</row>",
        True,
    ),
    "errors_and_merges": (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>top</t></is></c><c r="B1"><v>9</v></c></row>'
        b'<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c><c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
        b'<row r="3"><c r="B3" s="0" t="n" cm="1"><v>4</v></c><c r="D3"/><c r="E3" t="n"></c></row>',
        True,
    ),
    "shared_formula": (
        b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v></c></row>'
        b'<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>',
        True,
    ),
    "type_before_style": (b'<row r="1"><c r="A1" t="n" s="0"><v>7</v></c></row>', False),
    "single_quotes": (b'<row r="1"><c r="A1" t=\'inlineStr\'><is><t>x</t></is></c></row>', False),
    "space_in_number": (b'<row r="1"><c r="A1"><v> 7</v></c></row>', False),
    "ooxml_escape": (b'<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>', False),
    "carriage_return_ref": (b'<row r="1"><c r="A1" t="inlineStr"><is><t>a&#13;b</t></is></c></row>', False),
    "phonetic": (
        b'<row r="1"><c r="A1" t="inlineStr"><is><r><t>ab</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c></row>',
        False,
    ),
    "iso_date": (b'<row r="1"><c r="A1" t="d"><v>2021-01-01T00:00:00</v></c></row>', False),
    "out_of_order": (b'<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>', False),
    "twice": (b'<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>', False),
    # an empty cell overwrites nothing in calamine's grid, wherever it stands
    "twice_then_empty": (b'<row r="1"><c r="A1"><v>1</v></c><c r="A1" s="0"/><c r="A1" t="n"></c></row>', True),
    "empty_then_twice": (b'<row r="1"><c r="A1" t="n"></c><c r="A1"><v>2</v></c></row>', True),
    "empty_behind": (b'<row r="1"><c r="B1"><v>1</v></c><c r="A1" t="n"></c></row>', True),
    "pretty_printed": (b'<row r="1"><c r="A1">\n  <v>1</v>\n</c></row>', False),
    "bool_odd": (b'<row r="1"><c r="A1" t="b"><v>true</v></c></row>', False),
    "prefixed_merge": (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>prefixed merge</t></is></c><c r="B1"><v>9</v></c></row>',
        False,
    ),
    "prefixed_cell": (b'<row r="1"><x:c r="A1" xmlns:x="urn:x"><x:v>1</x:v></x:c></row>', False),
}


def _workbook(tmp_path: Path, name: str, sheet_data: bytes, *, styles: bytes | None = None, sst: bytes | None = None):
    """A real workbook (openpyxl) with its first sheet's data, merges and optional parts replaced."""
    import openpyxl

    src = tmp_path / "base.xlsx"
    if not src.exists():
        wb = openpyxl.Workbook()
        wb.active.title = "表三"
        wb.active["A1"] = "x"
        wb.save(src)
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet]
    lo, hi = xml.index(b"<sheetData"), xml.index(b"</sheetData>") + len(b"</sheetData>")
    merges = b'<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>' if b"top" in sheet_data else b""
    if b"prefixed merge" in sheet_data:
        merges = b'<x:mergeCells xmlns:x="urn:x" count="1"><x:mergeCell ref="A1:B2"/></x:mergeCells>'
    xml = xml[:lo] + b"<sheetData>" + sheet_data + b"</sheetData>" + merges + xml[hi:]
    parts[sheet] = xml.replace(b"<dimension", b"<dimension", 1)
    if styles is not None:
        parts["xl/styles.xml"] = styles
    if sst is not None:
        parts["xl/sharedStrings.xml"] = sst
        ct = parts["[Content_Types].xml"]
        if b"sharedStrings" not in ct:
            parts["[Content_Types].xml"] = ct.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        rels = parts["xl/_rels/workbook.xml.rels"]
        if b"sharedStrings" not in rels:
            parts["xl/_rels/workbook.xml.rels"] = rels.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
    out = tmp_path / f"{name}.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return out


def _compare(path: Path, taken: bool, name: str) -> None:
    book = read_xlsx(path)
    ref = open_fast(path, "xlsx")
    assert book is not None, f"{name}: the one-read path fell back entirely"
    assert (book.formula_elements is not None) is taken, f"{name}: reader_cells {'refused' if taken else 'took'} it"
    assert list(book.sheets) == list(ref.sheets)
    for sn, sh in ref.sheets.items():
        assert book.sheets[sn].rows == sh.rows, (name, sn)
    book.load_formulas(list(book.sheets))
    ref.load_formulas(list(ref.sheets))
    for sn, sh in ref.sheets.items():
        assert book.sheets[sn].formulas == sh.formulas, (name, sn)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_each_spelling_gives_calamines_values_or_is_left_to_calamine(tmp_path, name):
    data, taken = CELLS[name]
    path = _workbook(tmp_path, name, data)
    if name == "prefixed_cell":  # one-read path refuses prefixes before reader_cells sees them
        assert read_xlsx(path) is None
        return
    _compare(path, taken, name)


def test_values_that_must_stay_as_calamine_gives_them(tmp_path):
    path = _workbook(tmp_path, "numbers", CELLS["numbers"][0])
    rows = read_xlsx(path).sheets["表三"].rows
    assert rows[0] == [7, -3, 1.5, 1000, 5000000000000000000, "inf", 7, 0.5, 123456789012345680, 0]
    path = _workbook(tmp_path, "merges", CELLS["errors_and_merges"][0])
    rows = read_xlsx(path).sheets["表三"].rows
    assert rows[0] == ["top"] and rows[1] == ["#DIV/0!", None, "#DIV/0!"], rows  # B1 under the merge dropped


SST = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
    '<si><t>（一）本年新收政府信息公开申请数量</t></si><si><t xml:space="preserve"> 12件 </t></si>'
    '<si><r><rPr><sz val="11"/></rPr><t>富</t></r><r><t>文本</t></r></si></sst>'
).encode()


def test_shared_strings_as_excel_wps_and_libreoffice_write_them(tmp_path):
    data = (
        b'<row r="1"><c r="A1" s="0" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
    )
    path = _workbook(tmp_path, "sst", data, sst=SST)
    _compare(path, True, "sst")
    assert read_xlsx(path).sheets["表三"].rows[0] == ["（一）本年新收政府信息公开申请数量", " 12件 ", "富文本"]
    bad = _workbook(tmp_path, "sst_index", b'<row r="1"><c r="A1" t="s"><v>7</v></c></row>', sst=SST)
    with pytest.raises(Exception):  # noqa: B017 - calamine's own error for an index beyond the table
        open_fast(bad, "xlsx")
    assert read_xlsx(bad) is None or read_xlsx(bad).formula_elements is None


def _styles(num_fmt: bytes, fmt_id: int) -> bytes:
    return (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (b'<numFmts count="1">' + num_fmt + b"</numFmts>" if num_fmt else b"")
        + b'<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill/></fill></fills>'
        b'<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0"/></cellStyleXfs>'
        b'<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        + f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'.encode()
        + b"</cellXfs></styleSheet>"
    )


@pytest.mark.parametrize(
    ("num_fmt", "fmt_id", "taken"),
    [
        (b"", 14, False),  # a built-in date
        (b"", 3, True),  # #,##0
        ('<numFmt numFmtId="164" formatCode="0&quot;件&quot;"/>'.encode(), 164, True),
        ('<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/>'.encode(), 164, False),
        (b'<numFmt numFmtId="164" formatCode="[h]:mm"/>', 164, False),
        (b'<numFmt numFmtId="164" formatCode="General"/>', 164, True),
    ],
)
def test_a_number_in_a_date_styled_cell_is_left_to_calamine(tmp_path, num_fmt, fmt_id, taken):
    data = b'<row r="1"><c r="A1" s="1"><v>44197</v></c><c r="B1"><v>3</v></c></row>'
    path = _workbook(tmp_path, f"fmt{fmt_id}{taken}", data, styles=_styles(num_fmt, fmt_id))
    _compare(path, taken, f"format {fmt_id} {num_fmt!r}")
