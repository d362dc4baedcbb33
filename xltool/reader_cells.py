"""The cells of a plain worksheet straight from its XML: what calamine gives, for a fraction of its cost.

Every returned template is a plain worksheet: each cell written `<c r="D7" s="5" t="n"><v>7</v></c>`, a
formula as `<f>…</f>`, a text inline or in the shared strings. One regular expression takes every cell of
such a sheet in one pass (C speed; the long check formulas are skipped by a character class), where
calamine builds every XML event and the values then cross into Python one by one.

Strict by design: the first thing outside that shape — a cell the expression does not take, an attribute
in single quotes, a number written oddly, a date format, a phonetic run, an `_x000D_` escape, a carriage
return, an unknown entity — and `read_sheets` returns None; the caller then lets calamine read the whole
file. So for every file this module accepts the values are calamine's; the tests compare both on every
test workbook and on cells written each way this module must refuse.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from xltool.layout import col_letter
from xltool.reader_book import Book, Sheet, _Package, core_props, norm_value
from xltool.safezip import EMPTY_CELL_TAIL, GRID_COLUMN, GRID_ROW

PLAIN_COLUMN = rb"[A-Z]|[A-F][A-Z]|G[A-R]"
PLAIN_ROW = rb"[1-9][0-9]{0,3}"
"""A cell position plainly within safezip's limits (columns to GR, rows below 10,000, no leading zero): the
one spelling of it, for this module's cells and `reader_xlsx`'s structural checks."""
_CELL = re.compile(
    rb'<c r="(' + PLAIN_COLUMN + rb")(" + PLAIN_ROW + rb')"(?: s="([0-9]{1,5})")?(?: t="([A-Za-z]{1,9})")?([^>]*)>'
    rb"(<f[^>]*>[^<]*</f>|<f[^>]*/>)?"
    rb"(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>|<is>(.*?)</is>)?</c>"
    rb'|<c r="(?:' + PLAIN_COLUMN + rb")" + PLAIN_ROW + rb'"[^>]*/>'
    rb'|<c r="(?:' + GRID_COLUMN + rb")(?:" + GRID_ROW + rb')"' + EMPTY_CELL_TAIL,
    re.S,
)
"""One cell: position (within the 9,999 rows and the columns to GR that safezip allows), style and type
(in the order every program writes them), any other attributes, formula element (with a text, or a shared
child's `<f …/>`), cached value or inline text (plain, or in runs). A self-closing cell holds nothing: the
second branch, whose groups are all empty; the third, tried only for a cell beyond the limits, is an empty
styled cell anywhere in the grid (LibreOffice's up to column AMJ in a formatted whole row), as safezip
accepts it."""
_ATTRS = re.compile(rb'(?: (?![st]=)[A-Za-z][A-Za-z0-9:._-]*="[^"<>&]*")*')
"""A cell's other attributes (Excel's cm="1" …) as every program writes them: one space, a name, double
quotes; a style or type out of the usual order is not taken."""
_FORMULA = re.compile(rb"<f(\s[^>]*?)?(?:/>|>([^<]*)</f>)")
_NUMBER = re.compile(rb"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"/>')
_RUN_TEXT = re.compile(rb"<t(?: [^>]*)?>([^<]*)</t>")
_SI = re.compile(rb"<si>(.*?)</si>", re.S)
_SI_PLAIN = re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t>')
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_XF = re.compile(rb"<xf\b([^>]*)>")
_NUMFMT = re.compile(rb'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"/>')
_NUMFMT_ID = re.compile(rb'numFmtId="([0-9]+)"')
_PLAIN_BUILTIN = frozenset([*range(0, 14), *range(37, 45), 48, 49])
"""Built-in number formats that show a number as a number (General, 0, 0.00, #,##0, %, 0.00E+00, fractions,
accounting, @): every other built-in one (14–22, 27–36, 45–47, 50–81 …) is a date or time somewhere."""
_PLAIN_CODE = re.compile(r'General|(?:[0#?.,%;+\-\s()@*_/]|"[^"]*"|\\.|\[(?:Red|Black|Blue|Green|Color\d+)\])*')
"""A custom format code with no date or time letter outside quotes."""

_COLUMNS: dict[bytes, int] = {col_letter(n).encode(): n for n in range(1, 201)}
"""Column letters -> number, for every column the cell expression takes (A … GR)."""


class _Refused(Exception):
    """Outside the plain shape: calamine reads the file instead."""


def read_sheets(
    members: dict[str, bytes], sheet_parts: list[tuple[str, str, str]]
) -> tuple[dict[str, Sheet], dict[str, dict[tuple[int, int], bytes]]] | None:
    """Every sheet of a plain .xlsx from its inflated members, with each sheet's `<f>` elements by
    position; None: "let calamine read the file".

    Args:
        members: the zip members, inflated and checked by `reader_xlsx`.
        sheet_parts: (name, state, part) in workbook order, from the workbook and its relationships.
    """
    try:
        sst = shared_strings(members.get("xl/sharedStrings.xml"))
        dates = date_styles(members.get("xl/styles.xml"))
        sheets: dict[str, Sheet] = {}
        formulas: dict[str, dict[tuple[int, int], bytes]] = {}
        for name, state, part in sheet_parts:
            xml = members.get(part)
            if xml is None or not part.startswith("xl/worksheets/") or not name or name in sheets:
                return None  # a chart or macro sheet, a missing part, a name twice: calamine's judgement
            sh = Sheet(name, state)
            sh.rows, formulas[name], (sh.merged, sh.hidden) = sheet_cells(xml, sst, dates)
            sheets[name] = sh
    except _Refused:
        return None
    return sheets, formulas


def read_book(path: Path, members: dict[str, bytes]) -> Book | None:
    """The Book of a plain .xlsx from the members `reader_xlsx` inflated and checked; None when anything
    is outside the plain shape (calamine then reads the file, after the checks it needs)."""
    try:
        with _Package(path, members) as pkg:
            sheet_parts = pkg.sheet_parts()
            got = read_sheets(members, sheet_parts)
            if got is None:
                return None
            props = pkg.custom_props()
    except Exception:  # noqa: BLE001 - an XML part calamine may judge otherwise: it reads the file then
        return None
    sheets, formulas = got
    book = Book(
        path,
        "xlsx",
        sheets,
        props,
        {name: part for name, _, part in sheet_parts},
        core=core_props(members.get("docProps/core.xml")),
    )
    book.formula_elements = formulas
    return book


_TEXTS: dict[bytes, str] = {}
"""Decoded texts by their bytes: a worker reads hundreds of files of one template, whose labels and notes are
the same bytes in every file (decoding the 填报说明's 1.2 KB of character references costs ~0.3 ms)."""
_TEXT_BYTES = [0]
"""What the memo holds, in bytes of XML: past `_TEXT_LIMIT` it starts afresh (a worker's memory stays flat)."""
_TEXT_LIMIT = 8_000_000


def _text(raw: bytes) -> str:
    """An XML text node as quick-xml (calamine) decodes it, or `_Refused` where the two could differ."""
    s = _TEXTS.get(raw)
    if s is None:
        s = _decode(raw)
        if len(raw) <= 16384:  # labels, names and notes; a longer text is not remembered
            if _TEXT_BYTES[0] > _TEXT_LIMIT:
                _TEXTS.clear()
                _TEXT_BYTES[0] = 0
            _TEXTS[raw] = s
            _TEXT_BYTES[0] += len(raw) + 4 * len(s)
    return s


def _decode(raw: bytes) -> str:
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused from None
    if "\r" in s or "_x" in s:
        raise _Refused  # line-end normalisation and OOXML's _xHHHH_ escapes: left to calamine
    if "&" in s:
        if s.count("&") != len(_ENTITY.findall(s)):
            raise _Refused
        s = _ENTITY.sub(_entity, s)
    return s


def _entity(m: re.Match) -> str:
    if m.group(1):
        return _NAMED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if not (code in (0x9, 0xA) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF):
        raise _Refused
    return chr(code)


def _runs(rich: bytes) -> str:
    """A text written as runs (`<r><rPr>…</rPr><t>…</t></r>`): the runs' texts joined."""
    if b"<rPh" in rich or b"<t/>" in rich:
        raise _Refused  # a phonetic guide: left to calamine, the one authority on what it drops
    texts = _RUN_TEXT.findall(rich)
    if rich.count(b"<t") - rich.count(b"<tab") != len(texts):
        raise _Refused
    return "".join(_text(x) for x in texts)


def shared_strings(xml: bytes | None) -> list[str]:
    """The shared strings (a plain `<t>`, or runs), or `_Refused`."""
    if not xml:
        return []
    if b"<si/>" in xml or b"<si " in xml:
        raise _Refused
    items = _SI.findall(xml)
    if len(items) != xml.count(b"<si>"):
        raise _Refused
    out = []
    for item in items:
        m = _SI_PLAIN.fullmatch(item)
        out.append(_text(m.group(1)) if m is not None else _runs(item))
    return out


def date_styles(styles: bytes | None) -> frozenset[bytes]:
    """Indexes of the cell styles whose number format may show a date or time (calamine then makes the
    number a date, so a number in such a cell is left to calamine), or `_Refused`."""
    if not styles:
        return frozenset()
    custom: dict[int, bool] = {}
    for fid, code in _NUMFMT.findall(styles):
        custom[int(fid)] = _PLAIN_CODE.fullmatch(_text(code)) is not None
    if len(custom) != styles.count(b"<numFmt "):
        raise _Refused
    lo = styles.find(b"<cellXfs")
    if lo < 0:
        return frozenset()
    hi = styles.find(b"</cellXfs>", lo)
    if hi < 0:
        raise _Refused
    dates = set()
    for i, attrs in enumerate(_XF.findall(styles, lo, hi)):
        m = _NUMFMT_ID.search(attrs)
        fid = int(m.group(1)) if m else 0
        if not (fid in _PLAIN_BUILTIN or custom.get(fid, False)):
            dates.add(str(i).encode())
    if b"0" in dates:
        dates.add(b"")  # a cell without s= has the first style
    return frozenset(dates)


def sheet_cells(
    xml: bytes, sst: list[str], dates: frozenset[bytes]
) -> tuple[list[list[Any]], dict[tuple[int, int], bytes], tuple[list[tuple[int, int, int, int]], dict]]:
    """(rows as `reader_book` hands them on, formulas: (row, col) -> the `<f>` element, (merged ranges, values
    hidden under them) as `_unmerge` gives them), or `_Refused`."""
    lo = xml.find(b"<sheetData")
    if lo < 0:
        raise _Refused  # none, or a prefixed one (<x:sheetData>)
    if xml.startswith(b"<sheetData/>", lo):
        _, merged, _ = _unmerge(xml, lo, [])
        return [], {}, (merged, {})
    hi = xml.find(b"</sheetData>", lo)
    if hi < 0:
        raise _Refused
    found = _CELL.findall(xml, lo, hi)
    if len(found) != xml.count(b"<c", lo, hi) or xml.find(b":c ", lo, hi) >= 0 or xml.find(b":c>", lo, hi) >= 0:
        raise _Refused  # a cell the expression does not take: another spelling, a prefix, beyond the limits
    rows: list[list[Any]] = []
    formulas: dict[tuple[int, int], bytes] = {}
    errors: list[tuple[int, int, str]] = []
    last = (0, 0)
    cols = _COLUMNS
    for letters, digits, style, t, rest, f, v, itext, irich in found:
        if not (v or itext or irich):
            if f:
                formulas[(int(digits), cols[letters])] = f  # a formula with no value saved (openpyxl's)
            if not t or t == b"n":
                continue  # nothing for the grid: calamine skips such a cell (it overwrites no other)
            if not letters:
                continue  # <c r="…" …/>
        pos = (int(digits), cols[letters])
        if pos <= last or (rest and _ATTRS.fullmatch(rest) is None):
            raise _Refused  # out of order or twice (calamine's grid decides which wins); odd attributes
        last = pos
        if f:
            formulas[pos] = f
        if not t or t == b"n":
            if v.isdigit() and len(v) < 16:
                value: Any = int(v)
            else:
                if _NUMBER.fullmatch(v) is None:
                    raise _Refused
                value = norm_value(float(v))
            if style in dates:
                raise _Refused  # calamine makes it a date
        elif t == b"s":
            if itext or irich or not v.isdigit() or int(v) >= len(sst):
                raise _Refused
            value = sst[int(v)]
        elif t == b"inlineStr":
            if v:
                raise _Refused
            if itext:
                value = _text(itext)
            elif irich:
                value = _runs(irich)
            else:
                continue
        elif itext or irich:
            raise _Refused
        elif t == b"str":
            value = _text(v)
        elif t == b"b":
            if v not in (b"0", b"1"):
                raise _Refused
            value = v == b"1"
        elif t == b"e":
            if not v:
                raise _Refused
            errors.append((*pos, _text(v)))  # put after the merges, as `reader_book.open_fast` does
            continue
        else:
            raise _Refused  # t="d" (an ISO date) or anything unknown
        r, c = pos
        if value == "":
            continue
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        if len(row) < c - 1:
            row.extend([None] * (c - 1 - len(row)))
        row.append(value)
    rows, merged, hidden = _unmerge(xml, hi, rows)
    rows = _trimmed(rows)
    for r, c, text in errors:
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = text
    return rows, formulas, (merged, hidden)


def formula_parts(element: bytes) -> tuple[bytes, bytes]:
    """An `<f>` element as `reader_book._record_formula` takes it: (its attributes, its raw text)."""
    m = _FORMULA.fullmatch(element)
    if m is None:
        raise ValueError("not a formula element")
    return m.group(1) or b"", m.group(2) or b""


def _unmerge(
    xml: bytes, start: int, rows: list[list[Any]]
) -> tuple[list[list[Any]], list[tuple[int, int, int, int]], dict[tuple[int, int], Any]]:
    """What a merged range shows is its top-left cell: values under the rest are dropped (as
    `reader_book._calamine_rows` does with calamine's merged ranges). Returns the rows, the merged ranges
    (`Sheet.merged`) and the values dropped (`Sheet.hidden`)."""
    if xml.find(b":mergeCell", start) >= 0:
        raise _Refused  # a prefixed merge (<x:mergeCell>): whether it counts is calamine's call
    if xml.find(b"<mergeCell", start) < 0:
        return rows, [], {}
    found = _MERGE.findall(xml, start)
    if len(found) != xml.count(b"<mergeCell", start) - xml.count(b"<mergeCells", start):
        raise _Refused
    ranges: list[tuple[int, int, int, int]] = []
    hidden: dict[tuple[int, int], Any] = {}
    for c0, r0, c1, r1 in found:
        if c0 not in _COLUMNS or c1 not in _COLUMNS:
            raise _Refused
        top, left, bottom, right = int(r0), _COLUMNS[c0], int(r1), _COLUMNS[c1]
        ranges.append((top, left, bottom, right))
        for r in range(top, min(bottom, len(rows)) + 1):
            row = rows[r - 1]
            for c in range(left, min(right, len(row)) + 1):
                if (r, c) != (top, left):
                    if row[c - 1] is not None:
                        hidden[(r, c)] = row[c - 1]
                    row[c - 1] = None
    return rows, sorted(ranges), hidden


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Trailing empty cells and rows dropped (`reader_book._trim`)."""
    for i, row in enumerate(rows):
        n = len(row)
        while n and row[n - 1] is None:
            n -= 1
        if n != len(row):
            rows[i] = row[:n]
    while rows and not rows[-1]:
        rows.pop()
    return rows
