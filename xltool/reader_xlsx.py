"""One read of an .xlsx: the safety checks on members inflated once, then calamine on the same bytes.

The full sequence (`safezip.check_xlsx`, then `reader_book.open_fast`) opens the file three times and
inflates every member twice: safezip streams each member through Python scanners, calamine inflates the
sheets again, and the zip is opened once more for formulas, error cells and document properties. Here the
file is read once; every member is inflated once by zlib (sizes and CRC checked), the XML prologs are
checked as safezip checks them, each sheet is searched once for anything outside the plain shape, and
calamine reads the values from the bytes already in memory.

The plain shape is what Excel, WPS, LibreOffice and openpyxl write: every cell and row with its r= first,
unprefixed, within 9,999 rows and column GR, no DTD, parts far below the size limits. Beyond those limits it
has only what carries no cell, as safezip accepts it: an empty row element, an empty styled cell, a
dimension anywhere in the grid (what LibreOffice writes after a row is deleted or a whole row formatted).
For anything else `read_xlsx` returns None and the caller runs the full sequence, which names the problem
precisely; so both paths give the same Book and the same findings by construction (the tests compare them
on every test workbook, the hostile ones included).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

from xltool.reader_book import Book, open_fast
from xltool.reader_cells import PLAIN_COLUMN, PLAIN_ROW, read_book
from xltool.safezip import (
    _XML_SUFFIXES,
    EMPTY_CELL_TAIL,
    GRID_COLUMN,
    GRID_ROW,
    Limits,
    _Package,
    _PrologScanner,
)

_SHEET_FOLDERS = ("xl/worksheets/", "xl/macrosheets/", "xl/dialogsheets/")

_NEAR = rb"(?:" + PLAIN_COLUMN + rb")" + PLAIN_ROW
_GRID = rb"(?:" + GRID_COLUMN + rb")(?:" + GRID_ROW + rb")"
_BAD_CELL = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="' + _NEAR + rb'"|r="' + _GRID + rb'"' + EMPTY_CELL_TAIL + rb"))")
_BAD_ROW = re.compile(rb'<row(?:[>/\t\n\r]| (?!r="' + PLAIN_ROW + rb'"))')
"""A cell or row that the plain shape does not have: without r= first (implied positions), beyond row 9,999
or column GR (the limits are 10,000 and GR), with a leading zero. Two searches with a literal prefix, which
the regex engine finds fast; no match means every position is plainly within safezip's limits. An empty
styled cell anywhere in the grid is no bad cell (it carries nothing: `safezip.EMPTY_CELL_TAIL`)."""
_EMPTY_ROW = re.compile(
    rb'<row r="(?:' + GRID_ROW + rb')"(?: [A-Za-z][\w:.-]*="[^"<>]*")*(?:/>|></row>)(?=<row[ >]|</sheetData>)'
)
"""A row beyond the limits but within the grid that holds nothing (no cell, no child at all), followed by the
next row or the end of the sheet's data: LibreOffice's `<row r="1048576" …></row>` after a row was deleted.
`_BAD_ROW` finds it; this tells it apart. (Anything between it and the next row, a stray cell, is left to
safezip, which refuses a cell after a far row.)"""
_PREFIXED = re.compile(rb":(?:c|row|dimension)[\s>/]")
"""A prefixed cell, row or dimension element (`<x:c …>`): one search, faster than three `in` tests."""
_DIMENSION = re.compile(rb'<dimension ref="' + _GRID + rb"(?::" + _GRID + rb')?"/>')
"""The dimension, a hint: anywhere in the grid (LibreOffice's `A1:L1048576`, `A1:AMJ39`)."""


_ROOT_WORKBOOK = re.compile(rb'Target="/?xl/workbook\.xml"')


class _NotPlain(Exception):
    """Not the plain shape, or near a limit: the full sequence reads (or refuses) it."""


def read_xlsx(path: Path, limits: Limits | None = None) -> Book | None:
    """The workbook's Book from one read of the file, or None: "use the full sequence". Never raises."""
    limits = limits or Limits()
    try:
        if not 0 < path.stat().st_size <= limits.max_file_bytes:
            return None  # the full sequence names it (without reading a huge file into memory)
        data = path.read_bytes()
    except OSError:
        return None
    if not 0 < len(data) <= limits.max_file_bytes or not data.startswith(b"PK\x03\x04"):
        return None
    try:
        members, sheets = _members(data, limits)
        if not _ROOT_WORKBOOK.search(members.get("_rels/.rels", b"")) or "xl/workbook.xml" not in members:
            return None  # the workbook part elsewhere (or none): safezip judges what the file is
        for name in sheets:
            _plain_rows(members[name])
        book = read_book(path, members)  # takes only cells written `<c r="A1"…` within the limits
        if book is None:
            for name in sheets:
                _plain_cells(members[name])  # before calamine allocates a grid for any position
            book = open_fast(path, "xlsx", data=data, members=members)
    except Exception:  # noqa: BLE001 - whatever it is, the full sequence decides and names it
        return None
    book.sha256 = hashlib.sha256(data).hexdigest()
    book.plain = True
    return book


def _members(data: bytes, limits: Limits) -> tuple[dict[str, bytes], list[str]]:
    """Every member inflated once, within the limits safezip applies, and the worksheets among them;
    raises for anything else."""
    pkg = _Package(io.BytesIO(data), len(data), limits)  # directory, sizes, ratios, duplicates, encryption
    members: dict[str, bytes] = {}
    sheets: list[str] = []
    for info in pkg.infos:
        name = info.filename
        off = info.header_offset
        if data[off : off + 4] != b"PK\x03\x04":
            raise _NotPlain
        n, e = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + n + e
        raw = data[start : start + info.compress_size]
        if len(raw) != info.compress_size:
            raise _NotPlain
        if info.compress_type == 0:
            out = raw
        else:
            d = zlib.decompressobj(-15)
            out = d.decompress(raw, info.file_size)
            if d.unconsumed_tail or not d.eof:
                raise _NotPlain  # more than it declares, or truncated
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise _NotPlain
        if name.lower().endswith(_XML_SUFFIXES) and not _plain_prolog(out, limits.xml_prefix_bytes):
            scanner = _PrologScanner(name, limits)  # no DTD, no entity declaration
            scanner.feed(out[: limits.xml_prefix_bytes])
            scanner.close()
        if len(out) > limits.max_string_bytes:
            raise _NotPlain  # a part below the longest text safezip accepts holds no text or cell beyond it
        if b"<sheetData" in out or (name.startswith(_SHEET_FOLDERS) and name.endswith(".xml")):
            sheets.append(name)  # a worksheet, wherever the workbook's relationships put it
        members[name] = out
    return members, sheets


def _plain_prolog(xml: bytes, window: int) -> bool:
    """True when safezip's prolog scanner would accept this part at a glance: no `<!` anywhere in its
    window (so no DTD, entity or comment) and the root element right after the XML declaration."""
    head = xml[:window]
    if b"<!" in head:
        return False
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        if end < 0:
            return False
        head = head[end + 2 :]
    head = head.lstrip(b" \t\r\n")
    return head[:1] == b"<" and head[1:2].isalpha()


def _plain_cells(xml: bytes) -> None:
    if _BAD_CELL.search(xml):
        raise _NotPlain


def _plain_rows(xml: bytes) -> None:
    """Rows, prefixes and the dimension of the plain shape (cells: `_plain_cells`, or `reader_cells`)."""
    if _PREFIXED.search(xml):
        raise _NotPlain
    for m in _BAD_ROW.finditer(xml):  # none in a normal sheet; LibreOffice's empty far rows after a deletion
        if _EMPTY_ROW.match(xml, m.start()) is None:
            raise _NotPlain
    at = xml.find(b"<dimension")
    if at >= 0 and (_DIMENSION.match(xml, at) is None or xml.find(b"<dimension", at + 10) >= 0):
        raise _NotPlain
