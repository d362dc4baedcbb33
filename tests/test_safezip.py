"""xltool.safezip: every hostile file is generated here, and every rejection names its reason."""

from __future__ import annotations

import io
import os
import re
import struct
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from xltool.safezip import REASONS, FileKind, Limits, UnsafeFile, check_file, check_xlsx, col_letter, sniff

SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"


# --------------------------------------------------------------------------- builders


SST_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
    b"<si><t>unit</t></si><si><t>\xe6\x9f\x90\xe5\xb1\x80</t></si></sst>"
)


@pytest.fixture
def normal_xlsx(tmp_path: Path) -> Path:
    """A small template-like workbook written by openpyxl.

    openpyxl writes inline strings; a shared string table (what Excel, WPS and LibreOffice
    write) is added to the hidden sheet so that the table's checks have something to read.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表一"
    ws["A1"] = "政府信息公开工作年度报告"
    ws.merge_cells("A1:F1")
    for r in range(3, 40):
        ws.cell(r, 1, f"项目{r}")
        for c in range(2, 8):
            ws.cell(r, c, r * c)
    ws["H3"] = "=SUM(B3:G3)"
    meta = wb.create_sheet("_meta")
    meta.sheet_state = "veryHidden"
    meta["A1"] = "placeholder"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    sst_rel = (
        b'<Relationship Id="rIdSst" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    sst_type = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    return rezip(
        plain,
        tmp_path / "normal.xlsx",
        {
            "xl/worksheets/sheet2.xml": lambda x: re.sub(
                rb'<c r="A1" t="inlineStr">.*?</c>', b'<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>', x
            ),
            "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", sst_rel + b"</Relationships>"),
            "[Content_Types].xml": lambda x: x.replace(b"</Types>", sst_type + b"</Types>"),
        },
        add={SST: SST_XML},
    )


Edit = bytes | Callable[[bytes], bytes] | None


def rezip(src: Path, dst: Path, edits: dict[str, Edit] | None = None, add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, replacing (bytes), transforming (callable) or dropping (None) members."""
    edits = edits or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                edit = edits[info.filename]
                if edit is None:
                    continue
                data = edit(data) if callable(edit) else edit
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def add_cells(xml: bytes) -> Callable[[bytes], bytes]:
    def edit(sheet: bytes) -> bytes:
        return sheet.replace(b"</sheetData>", xml + b"</sheetData>")

    return edit


def reason_of(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path, limits or Limits())
    exc = info.value
    assert exc.reason in REASONS
    assert re.search(r"[\u4e00-\u9fff]", exc.message_zh), exc.message_zh
    assert exc.message_en and "{" not in exc.message_en and "{" not in exc.message_zh
    return exc.reason


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (v3, 512-byte sectors): FAT in sector 0, directory in sector 1.

    Streams are padded to 4,096 bytes so that they live in regular sectors (no mini stream).
    """
    assert len(streams) <= 3
    end, free, fatsect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    fat = [fatsect, end]
    data = b""
    entries = []
    next_sector = 2
    for name, body in streams.items():
        body = body.ljust(4096, b"\0")
        n = -(-len(body) // 512)
        entries.append((name, next_sector, len(body)))
        fat.extend(list(range(next_sector + 1, next_sector + n)) + [end])
        next_sector += n
        data += body.ljust(n * 512, b"\0")
    assert len(fat) <= 128
    fat_sector = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(raw), kind, 1, left, right, child)
            + b"\0" * 16  # CLSID
            + b"\0" * 4  # state bits
            + b"\0" * 16  # times
            + struct.pack("<IQ", start, size)
        )

    nostream = 0xFFFFFFFF
    dir_entries = [entry("Root Entry", 5, nostream, nostream, 1 if entries else nostream, end, 0)]
    for i, (name, start, size) in enumerate(entries, start=1):
        right = i + 1 if i < len(entries) else nostream
        dir_entries.append(entry(name, 2, nostream, right, nostream, start, size))
    while len(dir_entries) < 4:
        dir_entries.append(b"\0" * 64 + struct.pack("<HBB3I", 0, 0, 0, nostream, nostream, nostream) + b"\0" * 60)
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    assert len(header) == 512
    return header + fat_sector + b"".join(dir_entries) + data


BIFF8_BOF = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206)


# --------------------------------------------------------------------------- normal files


def test_normal_openpyxl_workbook_passes(normal_xlsx: Path) -> None:
    assert sniff(normal_xlsx) == "xlsx"
    assert FileKind.of(normal_xlsx) == FileKind("xlsx") and FileKind("xlsx").is_spreadsheet
    check_xlsx(normal_xlsx)  # no exception
    assert check_file(normal_xlsx) == "xlsx"


def test_normal_file_is_fast(normal_xlsx: Path) -> None:
    check_xlsx(normal_xlsx)
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        check_xlsx(normal_xlsx)
        runs.append(time.perf_counter() - t)
    # ~1 ms measured on the 2-core CI machine; the bound only catches a gross regression
    assert sorted(runs)[len(runs) // 2] < 0.03


def test_large_but_legitimate_sheet_streams_across_chunks(tmp_path: Path) -> None:
    """~1.5 MB of sheet XML (several decompression chunks) passes; one extra far cell fails."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 5001):
        for c in range(1, 21):
            ws.cell(r, c, r + c)
    path = tmp_path / "big.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(SHEET).file_size > 4 * 256 * 1024
    check_xlsx(path)
    bad = rezip(path, tmp_path / "big-bad.xlsx", {SHEET: add_cells(b'<row r="9000"><c r="GS9000"><v>1</v></c></row>')})
    assert reason_of(bad) == "absurd-dimension"


def test_limits_are_parameters(normal_xlsx: Path) -> None:
    assert reason_of(normal_xlsx, Limits(max_row=20)) == "absurd-dimension"
    assert reason_of(normal_xlsx, Limits(max_col=5)) == "absurd-dimension"
    check_xlsx(normal_xlsx, Limits(max_row=39, max_col=8))


# --------------------------------------------------------------------------- size, members, bombs


def test_zip_bomb_member_of_200_mb_zeros(normal_xlsx: Path, tmp_path: Path) -> None:
    path = rezip(normal_xlsx, tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/image1.png", "w") as member:
        zeros = b"\0" * (1024 * 1024)
        for _ in range(200):
            member.write(zeros)
    assert path.stat().st_size < 1024 * 1024  # ~200 KB on disk
    assert reason_of(path) == "zip-bomb"


def test_zip_bomb_by_ratio_under_the_member_limit(normal_xlsx: Path, tmp_path: Path) -> None:
    path = rezip(normal_xlsx, tmp_path / "ratio.xlsx", add={"xl/media/x.bin": b"\0" * (3 * 1024 * 1024)})
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path)
    assert info.value.reason == "zip-bomb" and info.value.details["ratio"] > 100


def test_zip_bomb_with_lying_declared_size(normal_xlsx: Path, tmp_path: Path) -> None:
    """The directory says 10,000 bytes; the deflate stream unpacks to 3 MB."""
    path = rezip(normal_xlsx, tmp_path / "liar.xlsx", add={"xl/media/x.bin": b"\0" * (3 * 1024 * 1024)})
    raw = bytearray(path.read_bytes())
    name = b"xl/media/x.bin"
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        pos = 0
        while (pos := raw.find(sig, pos)) >= 0:
            if raw[pos + name_at : pos + name_at + len(name)] == name:
                struct.pack_into("<I", raw, pos + size_at, 10_000)
            pos += 4
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/media/x.bin").file_size == 10_000
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path)
    assert info.value.reason == "zip-bomb"
    assert "more than the 10000 bytes it declares" in info.value.message_en


def test_too_large_file(normal_xlsx: Path, tmp_path: Path) -> None:
    path = rezip(normal_xlsx, tmp_path / "large.xlsx", add={"xl/media/noise.bin": os.urandom(6 * 1024 * 1024)})
    assert reason_of(path) == "too-large"
    assert reason_of(normal_xlsx, Limits(max_file_bytes=1000)) == "too-large"


def test_150_members(normal_xlsx: Path, tmp_path: Path) -> None:
    extra = {f"xl/media/image{i}.png": b"x" for i in range(150)}
    path = rezip(normal_xlsx, tmp_path / "members.xlsx", add=extra)
    assert reason_of(path) == "too-many-members"


def test_duplicate_member_names(normal_xlsx: Path, tmp_path: Path) -> None:
    path = rezip(normal_xlsx, tmp_path / "dup.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns "Duplicate name"
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr(SHEET, b"<worksheet/>")
    assert reason_of(path) == "corrupt-zip"


def test_truncated_zip(normal_xlsx: Path, tmp_path: Path) -> None:
    data = normal_xlsx.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert sniff(path) == "xlsx"  # still recognisable, so the clerk hears "damaged workbook"
    assert reason_of(path) == "corrupt-zip"


def test_damaged_member_data(normal_xlsx: Path, tmp_path: Path) -> None:
    raw = bytearray(normal_xlsx.read_bytes())
    with zipfile.ZipFile(normal_xlsx) as zf:
        info = zf.getinfo(SHEET)
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 20, start + 60):
        raw[i] ^= 0x5A
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(raw))
    assert reason_of(path) == "corrupt-zip"


def test_zip_level_encryption_flag(normal_xlsx: Path, tmp_path: Path) -> None:
    raw = bytearray(normal_xlsx.read_bytes())
    pos = raw.find(b"PK\x01\x02")
    struct.pack_into("<H", raw, pos + 8, struct.unpack_from("<H", raw, pos + 8)[0] | 1)
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(raw))
    assert reason_of(path) == "encrypted"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert sniff(path) == "empty"
    assert reason_of(path) == "empty"
    with pytest.raises(UnsafeFile) as info:
        check_file(path)
    assert info.value.reason == "empty"


# --------------------------------------------------------------------------- XML


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def test_billion_laughs_in_a_sheet(normal_xlsx: Path, tmp_path: Path) -> None:
    path = rezip(normal_xlsx, tmp_path / "laughs.xlsx", {SHEET: BILLION_LAUGHS})
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path)
    assert info.value.reason == "xml-entities"
    assert info.value.details["member"] == SHEET


def test_external_entity_in_shared_strings(normal_xlsx: Path, tmp_path: Path) -> None:
    def xxe(sst: bytes) -> bytes:
        decl_end = sst.index(b"?>") + 2
        dtd = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        return sst[:decl_end] + dtd + sst[decl_end:].replace(b"<t>unit</t>", b"<t>&xxe;</t>")

    path = rezip(normal_xlsx, tmp_path / "xxe.xlsx", {SST: xxe})
    assert reason_of(path) == "xml-entities"


def test_doctype_hidden_behind_a_long_prolog(normal_xlsx: Path, tmp_path: Path) -> None:
    padded = b'<?xml version="1.0"?>' + b"<!--" + b" " * 8000 + b"-->" + BILLION_LAUGHS.split(b"?>", 1)[1]
    path = rezip(normal_xlsx, tmp_path / "padded.xlsx", {SHEET: padded})
    assert reason_of(path) == "xml-entities"


def test_doctype_in_utf16(normal_xlsx: Path, tmp_path: Path) -> None:
    utf16 = BILLION_LAUGHS.replace(b"UTF-8", b"UTF-16").decode("utf-8").encode("utf-16")
    path = rezip(normal_xlsx, tmp_path / "utf16.xlsx", {"docProps/app.xml": utf16})
    assert reason_of(path) == "xml-entities"


def test_doctype_in_a_rels_member(normal_xlsx: Path, tmp_path: Path) -> None:
    def dtd(rels: bytes) -> bytes:
        assert b"<!DOCTYPE" not in rels
        return b'<!DOCTYPE r [<!ENTITY a "b">]>' + rels

    path = rezip(normal_xlsx, tmp_path / "rels.xlsx", {"xl/_rels/workbook.xml.rels": dtd})
    assert reason_of(path) == "xml-entities"


# --------------------------------------------------------------------------- cell references


def test_cell_at_xfd1048576(normal_xlsx: Path, tmp_path: Path) -> None:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = rezip(normal_xlsx, tmp_path / "far.xlsx", {SHEET: add_cells(far)})
    assert path.stat().st_size < 20 * 1024
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path)
    exc = info.value
    assert exc.reason == "absurd-dimension"
    assert "表一" in exc.message_zh and "XFD1048576" in exc.message_zh
    assert exc.details["member"] == SHEET


def test_far_cell_in_an_existing_row(normal_xlsx: Path, tmp_path: Path) -> None:
    path = rezip(
        normal_xlsx,
        tmp_path / "farcol.xlsx",
        {SHEET: lambda x: x.replace(b'<c r="B3"', b'<c r="XFD3"><v>1</v></c><c r="B3"', 1)},
    )
    assert reason_of(path) == "absurd-dimension"


def dimension(ref: bytes) -> Callable[[bytes], bytes]:
    def edit(sheet: bytes) -> bytes:
        out = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', sheet)
        assert out != sheet or ref in sheet
        return out

    return edit


def test_a_dimension_is_a_hint_anywhere_in_the_grid(normal_xlsx: Path, tmp_path: Path) -> None:
    """LibreOffice writes A1:L1048576 after a row is deleted; calamine reserves from a dimension only below
    100,000 cells (measured: 12 MB for A1:XFD1048576, as for any return), so where cells are is what counts."""
    for ref in (b"A1:XFD1048576", b"A1:L1048576", b"A1:AMJ39", b"XFD1048576", b"L1048576:A1"):
        check_xlsx(rezip(normal_xlsx, tmp_path / "dim.xlsx", {SHEET: dimension(ref)}))


def test_a_dimension_beyond_the_grid_or_invalid_is_refused(normal_xlsx: Path, tmp_path: Path) -> None:
    for ref in (b"A1:XFE1", b"A1:A1048577", b"A1:A99999999", b"A0:B2", b"A1:B2:C3x", b"A1:$"):
        path = rezip(normal_xlsx, tmp_path / "dim.xlsx", {SHEET: dimension(ref)})
        assert reason_of(path) == "absurd-dimension", ref
        with pytest.raises(UnsafeFile) as info:
            check_xlsx(path)
        assert "无效的单元格位置" in info.value.message_zh, ref


def test_far_row_without_cells_carries_nothing(normal_xlsx: Path, tmp_path: Path) -> None:
    """An empty row element holds no cell, whatever its r=: LibreOffice's `<row r="1048576" …></row>` after a
    row is deleted, or a far row that only has a height."""
    for rows in (
        b'<row r="200000" ht="20" customHeight="1"/>',
        b'<row r="1048576" customFormat="false" ht="12.8" hidden="false"></row>',
        b'<row r="1048574"></row><row r="1048575"></row><row r="1048576"></row>',
        b'<row r="1048576"/><row r="40"><c r="A40"><v>1</v></c></row>',  # a near row after it: fine
        b'<row r="1048570"/><row/><row/>',  # implied rows after it: far, and empty
    ):
        check_xlsx(rezip(normal_xlsx, tmp_path / "row.xlsx", {SHEET: add_cells(rows)}))


def test_a_far_row_with_a_cell_is_refused_whatever_the_cell_says(normal_xlsx: Path, tmp_path: Path) -> None:
    cases = {
        b'<row r="200000"><c r="A200000"><v>1</v></c></row>': "A200000",
        b'<row r="200000"><c r="A5"><v>1</v></c></row>': "第 200000 行",  # a far row whose cell says it is near
        b'<row r="200000"><c><v>1</v></c></row>': "A200000",  # implied position
        b'<row r="200000"/><row><c><v>1</v></c></row>': "A200001",  # the implied row after an empty far one
        b'<row r="1048577"/>': "第 1048577 行",  # beyond the grid: no program writes it
        b'<row r="200000"><c r="A200000" t="inlineStr"><is><t></t></is></c></row>': "A200000",
        b'<row r="200000"><c r="A200000" s="1"></c></row>': "A200000",  # not the empty shape
    }
    for rows, named in cases.items():
        path = rezip(normal_xlsx, tmp_path / "row.xlsx", {SHEET: add_cells(rows)})
        with pytest.raises(UnsafeFile) as info:
            check_xlsx(path)
        assert info.value.reason == "absurd-dimension", rows
        assert named in info.value.message_zh, (rows, info.value.message_zh)


def test_empty_styled_cells_beyond_the_limits_carry_nothing(normal_xlsx: Path, tmp_path: Path) -> None:
    """LibreOffice writes `<c r="AMJ39" s="0"/>` up to column AMJ in a whole row that was formatted; a
    self-closing cell holds no value, and calamine places none (measured: at XFD1048576 too)."""
    lo_row = b'<row r="41">' + b"".join(b'<c r="%s41" s="0"/>' % col_letter(c).encode() for c in range(1, 1025))
    for cells in (
        lo_row + b"</row>",
        b'<row r="5"><c r="XFD5" s="3"/></row>',
        b'<row r="1048576"><c r="XFD1048576"/></row>',
        b'<row r="40"><c r="A40" s="1"/><c r="XFD1048576" s="0"/><c r="B40"><v>2</v></c></row>',
    ):
        check_xlsx(rezip(normal_xlsx, tmp_path / "styled.xlsx", {SHEET: add_cells(cells)}))
    refused = {
        b'<row r="5"><c r="XFD5" s="3" t="s"/></row>': "XFD5",  # only the shape LibreOffice writes
        b'<row r="5"><c r="XFD5"><v>1</v></c></row>': "XFD5",
        b'<row r="5"><c r="XFD5" t="inlineStr"><is><t></t></is></c></row>': "XFD5",  # calamine: abort
        b'<row r="5"><c r="XFE5" s="0"/></row>': "XFE5",  # beyond the grid
        b'<row r="5"><c r="A1048577" s="0"/></row>': "A1048577",
        b'<row r="5"><c r="XFD5" s="0"/><c><v>1</v></c></row>': "XFE5",  # the implied cell after it
        b'<x:row r="5"><x:c r="XFD5" s="0"/></x:row>': "XFD5",  # prefixed: not the shape
    }
    for cells, named in refused.items():
        path = rezip(normal_xlsx, tmp_path / "styled.xlsx", {SHEET: add_cells(cells)})
        with pytest.raises(UnsafeFile) as info:
            check_xlsx(path)
        assert info.value.reason == "absurd-dimension", cells
        assert named in info.value.message_zh, (cells, info.value.message_zh)


def test_the_grid_expressions_match_exactly_the_grid() -> None:
    """`reader_xlsx` and `reader_cells` accept by these what the scanner accepts by numbers."""
    from itertools import product
    from string import ascii_uppercase

    from xltool.safezip import GRID_COLS, GRID_COLUMN, GRID_ROW, GRID_ROWS, _col_number

    column, row = re.compile(GRID_COLUMN), re.compile(GRID_ROW)
    for n in range(1, 4):
        for letters in product(ascii_uppercase, repeat=n):
            name = "".join(letters).encode()
            assert (column.fullmatch(name) is not None) == (_col_number(name) <= GRID_COLS), name
    numbers = [*range(1, 2000), *range(2000, 1_100_000, 7), *range(GRID_ROWS - 1000, GRID_ROWS + 1000)]
    numbers += [10**k + d for k in range(7) for d in (-1, 0, 1)]
    for n in numbers:
        assert (row.fullmatch(str(n).encode()) is not None) == (1 <= n <= GRID_ROWS), n
    for bad in (b"0", b"01", b"00010", b"10485760", b"1048576 "):
        assert row.fullmatch(bad) is None, bad


def test_implied_positions_without_r_attributes(normal_xlsx: Path, tmp_path: Path) -> None:
    """<c> and <row> may omit r=: positions are counted, so 201 bare cells reach column GS."""
    wide = b"<row>" + b"<c><v>1</v></c>" * 201 + b"</row>"
    path = rezip(normal_xlsx, tmp_path / "wide.xlsx", {SHEET: add_cells(wide)})
    assert reason_of(path) == "absurd-dimension"
    tall = b"<row><c><v>1</v></c></row>" * 10_001
    path = rezip(normal_xlsx, tmp_path / "tall.xlsx", {SHEET: add_cells(tall)})
    assert reason_of(path) == "absurd-dimension"
    fine = b"<row><c><v>1</v></c><c><v>2</v></c></row>" * 10
    check_xlsx(rezip(normal_xlsx, tmp_path / "fine.xlsx", {SHEET: add_cells(fine)}))


def test_namespace_prefixed_cells(normal_xlsx: Path, tmp_path: Path) -> None:
    prefixed = b'<x:row r="7000"><x:c r="ZZ7000"><x:v>1</x:v></x:c></x:row>'
    path = rezip(normal_xlsx, tmp_path / "prefixed.xlsx", {SHEET: add_cells(prefixed)})
    assert reason_of(path) == "absurd-dimension"


def test_sheet_found_through_relationships(normal_xlsx: Path, tmp_path: Path) -> None:
    """A worksheet stored outside xl/worksheets/ is still scanned: the workbook's rels name it."""
    far = add_cells(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    with zipfile.ZipFile(normal_xlsx) as zf:
        sheet = far(zf.read(SHEET))
    path = rezip(
        normal_xlsx,
        tmp_path / "moved.xlsx",
        {
            SHEET: None,
            "xl/_rels/workbook.xml.rels": lambda r: r.replace(b"/xl/worksheets/sheet1.xml", b"/xl/elsewhere.xml"),
        },
        add={"xl/elsewhere.xml": sheet},
    )
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path)
    assert info.value.reason == "absurd-dimension"
    assert info.value.details["member"] == "xl/elsewhere.xml" and "表一" in info.value.message_zh


# --------------------------------------------------------------------------- strings


def test_huge_shared_string(normal_xlsx: Path, tmp_path: Path) -> None:
    text = os.urandom(1024 * 1024).hex().encode()  # 2 MB that deflate cannot squeeze 100:1
    big = {SST: lambda s: s.replace(b"<t>unit</t>", b"<t>" + text + b"</t>")}
    path = rezip(normal_xlsx, tmp_path / "sst.xlsx", big)
    assert path.stat().st_size < 5 * 1024 * 1024
    assert reason_of(path) == "huge-shared-string"


def test_huge_shared_string_made_of_many_runs(normal_xlsx: Path, tmp_path: Path) -> None:
    run = b"<r><t>" + os.urandom(20_000).hex().encode() + b"</t></r>"
    path = rezip(normal_xlsx, tmp_path / "runs.xlsx", {SST: lambda s: s.replace(b"<t>unit</t>", run * 30)})
    assert reason_of(path) == "huge-shared-string"


def test_huge_inline_string_in_a_cell(normal_xlsx: Path, tmp_path: Path) -> None:
    text = os.urandom(700 * 1024).hex().encode()
    cell = b'<row r="50"><c r="A50" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
    path = rezip(normal_xlsx, tmp_path / "inline.xlsx", {SHEET: add_cells(cell)})
    assert reason_of(path) == "huge-cell"


def test_string_limit_is_a_parameter(normal_xlsx: Path) -> None:
    assert reason_of(normal_xlsx, Limits(max_string_bytes=8)) in {"huge-shared-string", "huge-cell"}


# --------------------------------------------------------------------------- compound files


def test_encrypted_ooxml_compound_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": os.urandom(5000)}))
    assert sniff(path) == "encrypted"
    assert reason_of(path) == "encrypted"
    with pytest.raises(UnsafeFile) as info:
        check_file(path)
    assert info.value.reason == "encrypted"


def test_compound_file_builder_is_valid_for_olefile(tmp_path: Path) -> None:
    olefile = pytest.importorskip("olefile", reason="olefile not installed: the CFB builder is checked by sniff only")
    path = tmp_path / "secret.xlsx"
    path.write_bytes(cfb({"EncryptionInfo": b"info", "EncryptedPackage": b"data"}))
    with olefile.OleFileIO(str(path)) as ole:
        assert sorted("/".join(e) for e in ole.listdir()) == ["EncryptedPackage", "EncryptionInfo"]


def test_legacy_xls_and_et(tmp_path: Path) -> None:
    body = cfb({"Workbook": BIFF8_BOF + struct.pack("<HH", 0x0085, 0)})
    xls = tmp_path / "old.xls"
    xls.write_bytes(body)
    assert sniff(xls) == "xls"
    et = tmp_path / "wps.et"
    et.write_bytes(body)
    assert sniff(et) == "et"
    disguised = tmp_path / "renamed.xlsx"  # the extension does not decide
    disguised.write_bytes(body)
    assert sniff(disguised) == "xls"
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(disguised)
    assert info.value.reason == "not-xlsx" and info.value.details["kind"] == "xls"
    assert check_file(xls) == "xls"


def test_legacy_xls_with_password(tmp_path: Path) -> None:
    filepass = struct.pack("<HHH", 0x002F, 2, 1)
    path = tmp_path / "locked.xls"
    path.write_bytes(cfb({"Workbook": BIFF8_BOF + filepass}))
    assert sniff(path) == "encrypted"


def test_word_doc_compound_file_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "report.doc"
    path.write_bytes(cfb({"WordDocument": b"\xec\xa5"}))
    assert sniff(path) == "unknown"


def test_damaged_compound_file_falls_back_on_names(tmp_path: Path) -> None:
    raw = bytearray(cfb({"EncryptionInfo": b"x", "EncryptedPackage": b"y"}))
    struct.pack_into("<H", raw, 0x1E, 3)  # impossible sector size: the directory cannot be walked
    path = tmp_path / "odd.xlsx"
    path.write_bytes(bytes(raw))
    assert sniff(path) == "encrypted"


# --------------------------------------------------------------------------- other kinds


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_sniff_other_kinds(tmp_path: Path) -> None:
    def write(name: str, data: bytes) -> Path:
        p = tmp_path / name
        p.write_bytes(data)
        return p

    assert sniff(write("a.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")) == "pdf"
    assert sniff(write("b.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>")) == "html"
    assert sniff(write("c.xls", "\ufeff<TABLE border=1><TR><TD>主动公开</TD></TR>".encode("utf-16"))) == "html"
    assert sniff(write("d.txt", "单位,本年新制作,本年新公开\n某局,12,3\n某委,4,5\n".encode("gb18030"))) == "csv"
    assert sniff(write("e.csv", "\ufeff单位\t数量\n某局\t12\n".encode())) == "csv"
    assert sniff(write("f.txt", "这是一份说明。\n没有表格。\n".encode())) == "text"
    assert sniff(write("g.bin", bytes(range(256)) * 4)) == "unknown"
    spreadsheetml = b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook/>'
    assert sniff(write("h.xml", spreadsheetml)) == "unknown"
    assert sniff(_zip(tmp_path / "i.xlsx", {"word/document.xml": b"<w:document/>"})) == "docx"
    ods = {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office:document/>"}
    assert sniff(_zip(tmp_path / "j.xlsx", ods)) == "ods"
    assert sniff(_zip(tmp_path / "k.zip", {"readme.txt": b"hi"})) == "zip-other"
    assert sniff(_zip(tmp_path / "l.xlsb", {"xl/workbook.bin": b"\0"})) == "zip-other"


def test_check_xlsx_refuses_other_kinds_by_name(tmp_path: Path) -> None:
    docx = _zip(tmp_path / "report.xlsx", {"word/document.xml": b"<w:document/>"})
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(docx)
    assert info.value.reason == "not-xlsx" and "Word" in info.value.message_zh
    pdf = tmp_path / "report2.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(pdf)
    assert info.value.reason == "not-xlsx" and info.value.details["kind"] == "pdf"


def test_check_file_on_ods_and_csv(tmp_path: Path) -> None:
    content = b'<?xml version="1.0" encoding="UTF-8"?><office:document-content/>'
    mime = b"application/vnd.oasis.opendocument.spreadsheet"
    ods = _zip(tmp_path / "a.ods", {"mimetype": mime, "content.xml": content})
    assert check_file(ods) == "ods"
    bad = _zip(tmp_path / "b.ods", {"mimetype": mime, "content.xml": BILLION_LAUGHS})
    with pytest.raises(UnsafeFile) as info:
        check_file(bad)
    assert info.value.reason == "xml-entities"
    csv = tmp_path / "c.csv"
    csv.write_bytes(b"a,b\n1,2\n")
    assert check_file(csv) == "csv"


def test_every_reason_has_both_messages() -> None:
    for reason in REASONS:
        exc = UnsafeFile(reason, member="xl/x.xml", sheet="表一", cell="XFD1", detail="d", kind="pdf")
        assert exc.reason == reason
        assert re.search(r"[\u4e00-\u9fff]", exc.message_zh)
        assert exc.message_en
        assert str(exc).startswith(reason + ":")


def test_fixture_is_a_valid_workbook_with_shared_strings(normal_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(normal_xlsx.read_bytes()))
    assert wb["表一"]["A1"].value == "政府信息公开工作年度报告"
    assert [wb["_meta"]["A1"].value, wb["_meta"]["B1"].value] == ["unit", "某局"]


def test_doctype_in_utf16_without_bom_or_declaration(normal_xlsx: Path, tmp_path: Path) -> None:
    body = BILLION_LAUGHS.split(b"?>", 1)[1].decode("utf-8").encode("utf-16-be")
    path = rezip(normal_xlsx, tmp_path / "utf16be.xlsx", {"docProps/core.xml": body})
    assert reason_of(path) == "xml-entities"


def test_unsafe_file_survives_pickling(normal_xlsx: Path, tmp_path: Path) -> None:
    """Readers run in worker processes; the error must come back whole."""
    import pickle

    far = add_cells(b'<row r="20000"><c r="A20000"><v>1</v></c></row>')
    path = rezip(normal_xlsx, tmp_path / "far.xlsx", {SHEET: far})
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(path)
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.reason, copy.message_zh, copy.message_en) == (
        info.value.reason,
        info.value.message_zh,
        info.value.message_en,
    )
    assert copy.reason == "absurd-dimension" and copy.details["cell"] == "A20000"


# --------------------------------------------------------------------------- property: scanner == a real parser


def _reference_extent(xml: bytes) -> tuple[int, int]:
    """Largest row and column of a cell that may hold something, as an XML parser counts them (explicit r=,
    else the next one). A row counts only through its cells (an empty row element carries nothing), and a
    cell in a row counts at that row even if its own r= says nearer; an empty styled cell as LibreOffice
    writes it (`<c r="AMJ39" s="0"/>`) carries nothing but still moves the implied column."""
    import xml.etree.ElementTree as ET

    from xltool.safezip import _col_number

    max_row = max_col = 0
    row_no = 0
    for row in ET.fromstring(xml).iter():
        if row.tag.rsplit("}", 1)[-1] != "row":
            continue
        row_no = int(row.get("r")) if row.get("r") else row_no + 1
        col_no = 0
        for cell in row:
            if cell.tag.rsplit("}", 1)[-1] != "c":
                continue
            ref = cell.get("r")
            cell_row = row_no
            if ref:
                letters = ref.rstrip("0123456789")
                col_no = _col_number(letters.encode())
                cell_row = max(row_no, int(ref[len(letters) :]))
            else:
                col_no += 1
            if cell.get("empty-shape") == "yes":
                continue  # marked by the generator: written exactly as `<c r="X1" s="0"/>`
            max_row, max_col = max(max_row, cell_row), max(max_col, col_no)
    return max_row, max_col


def test_scanner_agrees_with_an_xml_parser() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xltool.safezip import _SheetScanner, col_letter

    class Pkg:
        def sheet_name(self, part: str) -> str:
            return part

    cell = st.tuples(st.booleans(), st.integers(1, 14), st.integers(0, 2), st.booleans())  # r, column, offset, empty
    row = st.tuples(st.booleans(), st.integers(1, 60), st.lists(cell, max_size=8))
    layout = st.tuples(
        st.lists(row, max_size=12),
        st.sampled_from(["", "x:"]),  # namespace prefix
        st.sampled_from(['"', "'"]),
        st.booleans(),  # r= first or after another attribute
        st.integers(1, 97),  # feeding chunk size
    )

    @settings(max_examples=300, deadline=None)
    @given(layout)
    def check(case: tuple) -> None:
        rows, prefix, q, r_first, chunk = case
        ns = ' xmlns:x="urn:x"' if prefix else ""
        parts = [f'<{prefix}worksheet xmlns="urn:main"{ns}><{prefix}sheetData>']
        marked = []  # the same sheet, with the cells of the empty shape marked for the reference
        for row_has_r, row_no, cells in rows:
            attrs = f" r={q}{row_no}{q}" if row_has_r else ""
            parts.append(f'<{prefix}row{attrs} spans="1:2">' if r_first else f"<{prefix}row ht='9'{attrs}>")
            marked.append(parts[-1])
            for has_r, col, offset, empty in cells:
                ref = f" r={q}{col_letter(col)}{row_no + offset}{q}" if has_r else ""
                if empty:  # the empty shape only unprefixed, r= first, double quotes; else a cell like any
                    tag = f"<{prefix}c{ref} s={q}0{q}/>" if r_first else f"<{prefix}c s={q}0{q}{ref}/>"
                    shape = not prefix and has_r and r_first and q == '"'
                    parts.append(tag)
                    marked.append(tag[:-2] + (' empty-shape="yes"/>' if shape else "/>"))
                    continue
                tag = f"<{prefix}c{ref} s='1'>" if r_first else f"<{prefix}c t='n'{ref}>"
                parts.append(f"{tag}<{prefix}v>1</{prefix}v></{prefix}c>")
                marked.append(parts[-1])
            parts.append(f"</{prefix}row>")
            marked.append(parts[-1])
        parts.append(f"</{prefix}sheetData></{prefix}worksheet>")
        xml = "".join(parts).encode()
        max_row, max_col = _reference_extent((parts[0] + "".join(marked) + parts[-1]).encode())
        limits = Limits(max_row=40, max_col=10)
        scanner = _SheetScanner("sheet.xml", limits, Pkg())  # type: ignore[arg-type]
        try:
            for i in range(0, len(xml), chunk):
                scanner.feed(xml[i : i + chunk])
            scanner.close()
            rejected = False
        except UnsafeFile as exc:
            assert exc.reason == "absurd-dimension"
            rejected = True
        assert rejected == (max_row > 40 or max_col > 10), (max_row, max_col, xml)

    check()
