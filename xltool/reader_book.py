"""One view of a workbook's cells, whatever read it: python-calamine + the XML (fast) or openpyxl (full).

The reader's checks (template identity, labels, totals, the label search of non-template files) run on a
`Book`, never on a library's objects, so both engines give the same report and findings: values are
normalized here (whole floats -> int, '' -> None, dates -> ISO text) and formulas are only ever looked at,
never executed. Workbooks reach this module only after `xltool.safezip` has checked them.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltool.layout import col_index
from xltool.safezip import UnsafeFile, xml_unescape

ENGINES = ("auto", "fast", "calamine", "openpyxl")
"""auto = fast: one pass over a plain .xlsx (`reader_xlsx`), else safezip + calamine; calamine: always the
latter; openpyxl: the full, slow reader. All give the same Book for the same file."""

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_ROW_TAG, _C_TAG, _F_TAG, _V_TAG = (f"{{{_NS_MAIN}}}{t}" for t in ("row", "c", "f", "v"))
_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


class BookError(Exception):
    """The workbook could not be read by the engine (damaged content). Message for logs only."""


class BookPanic(BookError):
    """calamine (Rust) panicked on the file's content — a number in a date-formatted cell beyond what it can
    convert —: the file is not damaged, and openpyxl reads it (such a cell as an error value)."""


class BookResourceError(BookError):
    """Reading the workbook exceeded its memory cap or its time (a sheet far too large, a hostile file)."""


@dataclass
class Sheet:
    name: str
    state: str = "visible"
    """`visible`, `hidden` or `veryHidden`."""
    rows: list[list[Any]] = field(default_factory=list)
    """Normalized values, rows[0][0] is A1."""
    formulas: dict[tuple[int, int], str] | None = None
    """(row, col) 1-based -> formula text without '=' ('' for a shared-formula child); None: not known."""
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (top, left, bottom, right), 1-based, sorted: `rows` holds only a range's top-left value."""
    hidden: dict[tuple[int, int], Any] = field(default_factory=dict)
    """Values the file keeps in the other cells of a merged range (LibreOffice's "keep the contents of the hidden
    cells"): not in `rows`, as no spreadsheet shows them, but said by the reader (`reader_template`)."""

    def value(self, row: int, col: int) -> Any:
        """The value at a 1-based position (None outside the used range)."""
        if row < 1 or col < 1 or row > len(self.rows):
            return None
        r = self.rows[row - 1]
        return r[col - 1] if col <= len(r) else None

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Book:
    path: Path
    kind: str
    """What safezip.sniff said: xlsx, xls, et, ods, csv."""
    sheets: dict[str, Sheet]
    props: dict[str, str] = field(default_factory=dict)
    """Custom document properties (name -> text)."""
    parts: dict[str, str] = field(default_factory=dict)
    """Sheet name -> its worksheet part, where formulas are read on demand (fast engine, .xlsx)."""
    raw: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    """Sheet name -> its worksheet XML, kept from the first pass so formulas need no second unzip."""
    core: dict[str, str] = field(default_factory=dict)
    """Core document properties the reader uses: `modified` (ISO 8601, the workbook's own saved time)."""
    formula_elements: dict[str, dict[tuple[int, int], bytes]] | None = field(default=None, repr=False, compare=False)
    """Sheet name -> (row, col) -> the cell's `<f>` element, when `reader_cells` read the sheets."""
    sha256: str | None = None
    """Of the file's bytes, when the engine read them whole (else the reader hashes the file)."""
    plain: bool = False
    """`reader_xlsx` found every cell of every sheet written as `<c r="A1"…` (no other spelling): a cell's
    formula can then be found by its position alone."""

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)

    def load_formulas(self, names: list[str], wanted: dict[str, set[tuple[int, int]]] | None = None) -> None:
        """Make `Sheet.formulas` known for these sheets (the fast engine reads them only when asked).

        Args:
            names: the sheets.
            wanted: per sheet, the only positions whose formulas will be looked at (None: all). The
                template's own check formulas are then skipped, not decoded.
        """
        todo = [n for n in names if n in self.sheets and self.sheets[n].formulas is None and n in self.parts]
        if not todo:
            return
        if self.formula_elements is not None:
            from xltool.reader_cells import formula_parts

            for n in todo:
                keep = wanted.get(n) if wanted is not None else None
                formulas: dict[tuple[int, int], str] = {}
                masters: dict[str, tuple[int, int, str]] = {}
                children: list[tuple[int, int, str]] = []
                for pos, element in self.formula_elements.get(n, {}).items():
                    if keep is not None and pos not in keep and b"shared" not in element:
                        continue  # a formula nobody will look at (the template's own checks)
                    fattrs, raw = formula_parts(element)
                    _record_formula(pos, fattrs, raw, formulas, masters, children)
                self.sheets[n].formulas = _Package._resolve(formulas, masters, children)
            return
        try:
            missing = [n for n in todo if n not in self.raw]
            if missing:
                with _Package(self.path) as pkg:
                    for n in missing:
                        self.raw[n] = pkg.read(self.parts[n]) if self.parts[n] in pkg.names else b""
            for n in todo:
                keep = wanted.get(n) if wanted is not None else None
                found = _formulas_at(self.raw[n], keep) if self.plain and keep is not None else None
                if found is None:
                    found, _ = scan_xml(self.raw[n], True, keep)
                self.sheets[n].formulas = found
        except Exception as e:  # the file changed or is damaged in a part calamine did not need
            raise BookError(f"{type(e).__name__}: {e}") from None


@dataclass
class Located:
    """One table found in a workbook."""

    table: str
    sheet: str
    values: dict[str, Any] = field(default_factory=dict)
    """Cell key -> raw value (inputs and totals as found)."""
    cells: dict[str, str] = field(default_factory=dict)
    """Cell key -> `Sheet!D7`."""
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    matches: list[tuple[Any, str]] = field(default_factory=list)
    """(`xltool.labels.Match`, cell) of labels matched by similarity only (not exactly): each is reported."""
    missing: list[str] = field(default_factory=list)
    """Official labels (rows, columns, groups) that were not found."""
    findings: list[Any] = field(default_factory=list)
    """Findings of the search itself (header assumed, the 2019 row, extra rows)."""
    score: int = 0
    """How many labels were found: to choose between forms and occurrences."""
    special_rows: set[str] = field(default_factory=set)
    """Rows filled by a special case (the 2019 single row （六）其他处理), not by their own label."""


def norm_value(v: Any) -> Any:
    """A cell value as the reader hands it on: one spelling whichever library read it."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v if v != "" else None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return str(v)
        if v.is_integer() and abs(v) < 2**63:
            return int(v)
        return v
    if isinstance(v, _dt.datetime):
        if v.time() == _dt.time(0) and v.tzinfo is None:
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return str(v)
    return str(v)


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty cells and rows, so both engines give the same grid."""
    out = []
    for r in rows:
        n = len(r)
        while n and r[n - 1] is None:
            n -= 1
        out.append(r[:n])
    while out and not out[-1]:
        out.pop()
    return out


# --------------------------------------------------------------------------- fast: calamine + the XML


def _fromstring(data: bytes):
    """Parse one small XML part with the standard library's C parser (~4 ms to import, lxml ~40 ms).

    Safe here because `safezip.check_xlsx` has refused every member with a DTD or an entity declaration
    before this module reads anything, and expat resolves no external entity.
    """
    from xml.etree import ElementTree

    return ElementTree.fromstring(data)


_SHEET_PARTS: dict[tuple[bytes | None, ...], list[tuple[str, str, str]]] = {}


class _Package:
    """The few XML parts calamine does not expose: sheet states, formulas, error cells, custom props.

    From the file, or from its members already inflated (and checked) by `reader_xlsx`.
    """

    def __init__(self, path: Path, members: dict[str, bytes] | None = None):
        self.members = members
        self.zf = zipfile.ZipFile(path) if members is None else None
        self.names = set(self.zf.namelist()) if self.zf is not None else set(members or ())

    def __enter__(self) -> _Package:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zf is not None:
            self.zf.close()

    def read(self, name: str) -> bytes:
        return self.members[name] if self.members is not None else self.zf.read(name)  # type: ignore[union-attr]

    def xml(self, name: str):
        if name not in self.names:
            return None
        return _fromstring(self.read(name))

    def sheet_parts(self) -> list[tuple[str, str, str]]:
        """(name, state, part) for every sheet in workbook order."""
        if self.members is None:
            return self._sheet_parts()
        m = self.members
        key = (m.get("_rels/.rels"), m.get("xl/workbook.xml"), m.get("xl/_rels/workbook.xml.rels"))
        got = _SHEET_PARTS.get(key)
        if got is None:  # the same three parts in every file of one template: parsed once per process
            got = self._sheet_parts()
            if self._wb_part != "xl/workbook.xml":
                return got  # the key does not hold the workbook part that was read
            if len(_SHEET_PARTS) > 64:
                _SHEET_PARTS.clear()
            _SHEET_PARTS[key] = got
        return list(got)

    def _sheet_parts(self) -> list[tuple[str, str, str]]:
        wb_part = self._wb_part = "xl/workbook.xml"
        rels = self.xml("_rels/.rels")
        if rels is not None:
            for r in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
                if r.get("Type", "").endswith("/officeDocument"):
                    wb_part = self._wb_part = posixpath.normpath(r.get("Target", wb_part).lstrip("/"))
        wb = self.xml(wb_part)
        if wb is None:
            raise BookError("workbook part missing")
        folder = posixpath.dirname(wb_part)
        targets: dict[str, str] = {}
        rels = self.xml(posixpath.join(folder, "_rels", posixpath.basename(wb_part) + ".rels"))
        if rels is not None:
            for r in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
                t = r.get("Target", "")
                targets[r.get("Id", "")] = (
                    posixpath.normpath(t.lstrip("/"))
                    if t.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, t))
                )
        out = []
        for s in wb.iter(f"{{{_NS_MAIN}}}sheet"):
            out.append((s.get("name", ""), s.get("state") or "visible", targets.get(s.get(f"{{{_NS_REL}}}id", ""), "")))
        return out

    @staticmethod
    def _scan_slow(root, want_formulas: bool):
        """Every cell in document order, for XML whose rows or cells omit their r= positions."""
        formulas: dict[tuple[int, int], str] = {}
        errors: dict[tuple[int, int], str] = {}
        masters: dict[str, tuple[int, int, str]] = {}
        children: list[tuple[int, int, str]] = []
        row_no = 0
        for row in root.iter(_ROW_TAG):
            r_attr = row.get("r")
            row_no = int(r_attr) if r_attr and r_attr.isdigit() else row_no + 1
            col_no = 0
            for c in row.iter(_C_TAG):
                m = _REF_RE.match(c.get("r") or "")
                col_no = col_index(m.group(1)) if m else col_no + 1
                _Package._cell(c, (row_no, col_no), formulas, errors, masters, children)
        return (_Package._resolve(formulas, masters, children) if want_formulas else None), errors

    @staticmethod
    def _cell(c, pos, formulas, errors, masters, children) -> None:
        f = c.find(_F_TAG)
        if f is not None:
            text = (f.text or "").strip()
            si = f.get("si")
            if f.get("t") == "shared" and si is not None:
                if text:
                    masters[si] = (pos[0], pos[1], text)
                else:
                    children.append((pos[0], pos[1], si))
            formulas[pos] = text
        if c.get("t") == "e":
            v = c.find(_V_TAG)
            errors[pos] = (v.text or "#N/A") if v is not None else "#N/A"

    @staticmethod
    def _resolve(formulas, masters, children):
        for r, c, si in children:  # Excel's shared formulas: the master's text moved to the child's place
            if si in masters:
                mr, mc, text = masters[si]
                formulas[(r, c)] = shift_formula(text, r - mr, c - mc)
        return formulas

    def custom_props(self) -> dict[str, str]:
        root = self.xml("docProps/custom.xml")
        out: dict[str, str] = {}
        if root is None:
            return out
        for p in root.iter(f"{{{_NS_CUSTOM}}}property"):
            name = p.get("name")
            if name and len(p):
                out[name] = "".join(p[0].itertext())
        return out


_STRING = re.compile(r'"(?:[^"]|"")*"')
_A1 = re.compile(r"(?<![A-Za-z0-9_.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(])")


def shift_formula(text: str, drow: int, dcol: int) -> str:
    """A formula moved by (drow, dcol) as a spreadsheet fills it: relative references follow, $ ones stay."""
    from xltool.layout import col_letter

    def move(m: re.Match) -> str:
        cabs, col, rabs, row = m.groups()
        c = col_index(col) if cabs else col_index(col) + dcol
        r = int(row) if rabs else int(row) + drow
        if c < 1 or r < 1:
            return "#REF!"
        return f"{cabs}{col_letter(c)}{rabs}{r}"

    out, last = [], 0
    for m in _STRING.finditer(text):
        out.append(_A1.sub(move, text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_A1.sub(move, text[last:]))
    return "".join(out)


_FCELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*<f(\s[^>]*?)?(?:/>|>([^<]*)</f>)')


def _formulas_at(data: bytes, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], str] | None:
    """`scan_xml`'s formulas for a plain sheet (see `Book.plain`) by one regex pass: the same texts.

    None (then `scan_xml` runs) when a formula is written in any other way.
    """
    lo = data.find(b"<sheetData")
    hi = data.find(b"</sheetData>")
    if lo < 0 or hi < 0:
        return None
    found = _FCELL.findall(data, lo, hi)
    if len(found) != data.count(b"<f", lo, hi):
        return None
    formulas: dict[tuple[int, int], str] = {}
    masters: dict[str, tuple[int, int, str]] = {}
    children: list[tuple[int, int, str]] = []
    for letters, digits, fattrs, raw in found:
        pos = (int(digits), col_index(letters.decode()))
        if pos not in wanted and b"shared" not in fattrs:
            continue  # a formula nobody will look at (the template's own checks)
        _record_formula(pos, fattrs, raw, formulas, masters, children)
    return _Package._resolve(formulas, masters, children)


def _record_formula(pos, fattrs: bytes, raw: bytes, formulas: dict, masters: dict, children: list) -> None:
    """One <f>: its text decoded at `pos`; a shared formula's master or child noted for `_Package._resolve`."""
    text = raw.decode("utf-8", "replace").strip()
    if "&" in text:
        text = xml_unescape(text)
    ft = _T_RX.search(fattrs)
    si = _SI_RX.search(fattrs)
    if ft is not None and ft.group(1) == b"shared" and si is not None:
        key = si.group(1).decode()
        if text:
            masters[key] = (pos[0], pos[1], text)
        else:
            children.append((pos[0], pos[1], key))
    formulas[pos] = text


def scan_xml(data: bytes, want_formulas: bool, wanted: set[tuple[int, int]] | None = None):
    """Formulas (when asked) and error values of a worksheet's XML: ((row, col) -> text) each.

    calamine gives neither (an error cell reads as empty), so they come from the XML: `_scan_regex` jumps
    to the few cells with a formula or an error; XML of an unusual shape is parsed in full instead. A
    sheet with no error cell is not parsed at all when no formulas are wanted.
    """
    if not data:
        return ({} if want_formulas else None), {}
    if not want_formulas and b't="e"' not in data and b"t='e'" not in data:
        return None, {}
    if b"<!--" not in data and b"<![CDATA[" not in data and b"<?" not in data[200:]:
        fast = _scan_regex(data, want_formulas, wanted)
        if fast is not None:
            return fast
    return _Package._scan_slow(_fromstring(data), want_formulas)


_R_RX = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_T_RX = re.compile(rb"""\bt\s*=\s*["']([^"']*)["']""")
_SI_RX = re.compile(rb"""\bsi\s*=\s*["']([^"']*)["']""")


def _scan_regex(data: bytes, want_formulas: bool, wanted: set[tuple[int, int]] | None = None):
    """`scan_xml` without building a tree: jump from each <f / t="e" to its cell (~10x faster).

    Only for the plain shape every spreadsheet program writes (unprefixed elements, cells with r=);
    returns None otherwise and the caller parses the XML properly.
    """
    lo = data.find(b"<sheetData")
    hi = data.rfind(b"</sheetData>")
    if lo < 0:
        return ({} if want_formulas else None), {}
    if hi < 0 or data.find(b"<c>", lo, hi) >= 0:
        return None  # a cell without attributes: its position is implied, parse properly
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    masters: dict[str, tuple[int, int, str]] = {}
    children: list[tuple[int, int, str]] = []

    def cell_at(pos: int) -> tuple[tuple[int, int], int, bytes] | None:
        c = data.rfind(b"<c ", lo, pos)
        if c < 0:
            return None
        end = data.find(b">", c)
        attrs = data[c + 3 : end]
        r = _R_RX.search(attrs)
        if r is None:
            return None
        return (int(r.group(2)), col_index(r.group(1).decode())), end, attrs

    if want_formulas:
        pos = data.find(b"<f", lo, hi)
        while pos >= 0:
            nxt = data[pos + 2 : pos + 3]
            if nxt in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
                found = cell_at(pos)
                if found is None:
                    return None
                cpos = found[0]
                tag_end = data.find(b">", pos)
                fattrs = data[pos + 2 : tag_end]
                if wanted is not None and cpos not in wanted and b"shared" not in fattrs:
                    pos = data.find(b"<f", pos + 2, hi)
                    continue  # a formula nobody will look at (the template's own checks)
                if fattrs.endswith(b"/"):
                    raw = b""
                    fattrs = fattrs[:-1]
                else:
                    close = data.find(b"</f>", tag_end)
                    if close < 0:
                        return None
                    raw = data[tag_end + 1 : close]
                _record_formula(cpos, fattrs, raw, formulas, masters, children)
            pos = data.find(b"<f", pos + 2, hi)
    for quote in (b't="e"', b"t='e'"):
        pos = data.find(quote, lo, hi)
        while pos >= 0:
            found = cell_at(pos)
            if found is None:
                return None
            cpos, end, attrs = found
            if end > pos and _T_RX.search(attrs) is not None and _T_RX.search(attrs).group(1) == b"e":
                v0 = data.find(b"<v>", end)
                v1 = data.find(b"</v>", v0)
                nxt_c = data.find(b"<c ", end)
                if v0 >= 0 and v1 >= 0 and (nxt_c < 0 or v0 < nxt_c):
                    errors[cpos] = xml_unescape(data[v0 + 3 : v1].decode("utf-8", "replace"))
                else:
                    errors[cpos] = "#N/A"
            pos = data.find(quote, pos + 5, hi)
    return (_Package._resolve(formulas, masters, children) if want_formulas else None), errors


_MODIFIED = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?modified(?:\s[^>]*)?>([^<]{1,64})</(?:[A-Za-z_][\w.\-]*:)?modified>")


def core_props(xml: bytes | None) -> dict[str, str]:
    """`modified`: the workbook's own saved time (docProps/core.xml), as `2022-01-14T08:30:00Z` (UTC).

    E-mail, download and USB copies reset a file's time, never this one; consolidation uses it to tell
    which of two returns of one unit is the newer. Anything unparsable is left out.
    """
    if not xml:
        return {}
    m = _MODIFIED.search(xml)
    if m is None:
        return {}
    text = m.group(1).decode("utf-8", "replace").strip()
    try:
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return {}
    if t.tzinfo is not None:
        t = t.astimezone(_dt.UTC).replace(tzinfo=None)
    if t.year < 1990:
        return {}  # an unset property (1899/1900/1970 placeholders some writers put there)
    return {"modified": t.replace(microsecond=0).isoformat() + "Z"}


def _calamine_rows(sheet) -> tuple[list[list[Any]], list[tuple[int, int, int, int]], dict[tuple[int, int], Any]]:
    """(rows, merged ranges, values hidden under them) of a calamine sheet (`Sheet.rows`, `.merged`, `.hidden`)."""
    # norm_value, with its two commonest cases inline: text, and a count (a whole float)
    rows = [
        [
            None
            if v == ""
            else v
            if type(v) is str
            else int(v)
            if type(v) is float and v.is_integer() and -1e18 < v < 1e18
            else norm_value(v)
            for v in row
        ]
        for row in sheet.to_python(skip_empty_area=False)
    ]
    # what a spreadsheet shows of a merged range is its top-left cell; values hidden under the rest (a
    # merge that no longer fits its cells after rows were moved) are dropped, as openpyxl and Excel do
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # a format without merge information
        merged = []
    ranges: list[tuple[int, int, int, int]] = []
    hidden: dict[tuple[int, int], Any] = {}
    for (r0, c0), (r1, c1) in merged:
        ranges.append((r0 + 1, c0 + 1, r1 + 1, c1 + 1))
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0):
                    if row[c] is not None:
                        hidden[(r + 1, c + 1)] = row[c]
                    row[c] = None
    return _trim(rows), sorted(ranges), hidden


_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


def open_fast(
    path: Path,
    kind: str,
    want: set[str] | None = None,
    *,
    data: bytes | None = None,
    members: dict[str, bytes] | None = None,
) -> Book:
    """Read with python-calamine; for .xlsx add formulas, error cells and custom props from the XML.

    Args:
        path: a file safezip has accepted.
        kind: sniffed kind (xlsx, xls, et, ods).
        want: sheet names to load (None: all).
        data, members: the file's bytes and its inflated zip members, when `reader_xlsx` has read and
            checked them already (the file is then not opened again).
    """
    import python_calamine as pc

    from xltool.native_stderr import panic_text_dropped

    try:
        with panic_text_dropped():  # a Rust panic's report: the finding says it in words
            if data is not None:
                wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
            else:
                wb = pc.CalamineWorkbook.from_path(str(path))
            metas = wb.sheets_metadata
            sheets: dict[str, Sheet] = {}
            for m in metas:
                state = _STATES.get(str(m.visible).rsplit(".", 1)[-1], "visible")
                sh = Sheet(m.name, state)
                if want is None or m.name in want:
                    cs = wb.get_sheet_by_name(m.name)
                    if kind != "xlsx":  # safezip bounded an .xlsx before; these formats only now show their extent
                        _check_extent(m.name, cs.height, cs.width)
                    sh.rows, sh.merged, sh.hidden = _calamine_rows(cs)
                sheets[m.name] = sh
        props: dict[str, str] = {}
        parts: dict[str, str] = {}
        raw: dict[str, bytes] = {}
        core: dict[str, str] = {}
        if kind == "xlsx":
            with _Package(path, members) as pkg:
                props = pkg.custom_props()
                core = core_props(pkg.read("docProps/core.xml") if "docProps/core.xml" in pkg.names else None)
                for name, state, part in pkg.sheet_parts():
                    sh = sheets.get(name)
                    if sh is None:
                        continue
                    sh.state = state  # the XML is the authority (calamine agrees; keep one source)
                    parts[name] = part
                    if want is None or name in want:
                        raw[name] = xml = pkg.read(part) if part in pkg.names else b""
                        _, errors = scan_xml(xml, want_formulas=False)
                        for (r, c), text in errors.items():
                            _put(sh.rows, r, c, text)
    except (BookError, UnsafeFile):
        raise
    except Exception as e:  # calamine / expat / zipfile on a damaged file
        raise BookError(f"{type(e).__name__}: {e}") from None
    except BaseException as e:  # a Rust panic inside calamine (a date beyond chrono's range …): pyo3 raises
        if type(e).__name__ != "PanicException":  # its PanicException, which is no Exception
            raise
        raise BookPanic(f"calamine: {e}") from None
    return Book(path, kind, sheets, props, parts, raw, core=core)


def _check_extent(sheet: str, height: int, width: int) -> None:
    """Refuse a sheet far beyond this form (the limits safezip applies to an .xlsx)."""
    from xltool.safezip import Limits, col_letter

    lim = Limits()
    if height > lim.max_row or width > lim.max_col:
        ref = f"{col_letter(width)}{height}"
        raise UnsafeFile(
            "absurd-dimension",
            sheet=sheet,
            where_zh=f"单元格 {ref}",
            where_en=f"cell {ref}",
            cell=ref,
            max_row=lim.max_row,
            max_col=col_letter(lim.max_col),
        )


def _put(rows: list[list[Any]], r: int, c: int, v: Any) -> None:
    while len(rows) < r:
        rows.append([])
    row = rows[r - 1]
    while len(row) < c:
        row.append(None)
    row[c - 1] = v


# --------------------------------------------------------------------------- full: openpyxl


def open_openpyxl(path: Path, kind: str, want: set[str] | None = None) -> Book:
    """Read an .xlsx with openpyxl twice: formulas, then cached values (formulas are never evaluated)."""
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wf = openpyxl.load_workbook(path, data_only=False, keep_links=False)
            wv = openpyxl.load_workbook(path, data_only=True, keep_links=False)
        sheets: dict[str, Sheet] = {}
        for ws in wv.worksheets:
            sh = Sheet(ws.title, ws.sheet_state or "visible")
            if want is None or ws.title in want:
                # From the cells openpyxl holds, never its dense grid (iter_rows): an empty styled cell,
                # which safezip accepts anywhere in the grid, would make that grid reach XFD1048576.
                rows: list[list[Any]] = []
                formulas: dict[tuple[int, int], str] = {}
                for (r, col), c in sorted(ws._cells.items()):
                    value = norm_value(c.value)
                    if value is not None:
                        _put(rows, r, col, value)
                for (r, col), c in sorted(wf[ws.title]._cells.items()):
                    if c.data_type == "f":
                        v = c.value
                        text = getattr(v, "text", v)  # ArrayFormula / DataTableFormula carry .text
                        formulas[(r, col)] = str(text or "").lstrip("=").strip()
                sh.rows = _trim(rows)
                sh.formulas = formulas
                sh.merged = sorted((m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges)
            sheets[ws.title] = sh
        _openpyxl_hidden(path, sheets)
        props = {}
        for p in getattr(wf, "custom_doc_props", None) or []:
            if p.name and p.value is not None:
                props[p.name] = str(p.value)
        with zipfile.ZipFile(path) as zf:  # openpyxl rewrites the saved time on load: read the part itself
            core = core_props(zf.read("docProps/core.xml") if "docProps/core.xml" in zf.namelist() else None)
    except Exception as e:
        raise BookError(f"{type(e).__name__}: {e}") from None
    return Book(path, kind, sheets, props, core=core)


def _openpyxl_hidden(path: Path, sheets: dict[str, Sheet]) -> None:
    """`Sheet.hidden` for the openpyxl engine: openpyxl replaces the other cells of a merged range by empty
    `MergedCell`s on load, so their values are read once more, read-only (it keeps every cell as written), within
    the limits safezip applies to cells with a value."""
    from xltool.safezip import Limits

    lim = Limits()
    todo = {}
    for name, sh in sheets.items():
        covered = {
            (r, c)
            for r0, c0, r1, c1 in sh.merged
            for r in range(r0, min(r1, lim.max_row) + 1)
            for c in range(c0, min(c1, lim.max_col) + 1)
            if (r, c) != (r0, c0)
        }
        if covered:
            todo[name] = covered
    if not todo:
        return
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what openpyxl says of odd cells, it said on the first load
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
            try:
                for name, covered in todo.items():
                    top, left = min(r for r, _ in covered), min(c for _, c in covered)
                    bottom, right = max(r for r, _ in covered), max(c for _, c in covered)
                    ws = wb[name]
                    rows = ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right, values_only=True)
                    for r, row in enumerate(rows, start=top):
                        for c, v in enumerate(row, start=left):
                            if (r, c) in covered and (v := norm_value(v)) is not None:
                                sheets[name].hidden[(r, c)] = v
            finally:
                wb.close()
    except Exception:  # noqa: BLE001 - the values were read; only what hides under a merge is then not said
        for name in todo:
            sheets[name].hidden.clear()


# --------------------------------------------------------------------------- csv


def _csv_value(s: str) -> Any:
    # a CSV has no types: a plain number is a number, anything else stays the text it is
    t = s.strip()
    if t and (t.lstrip("+-").isdigit()) and len(t) < 19:
        return int(t)
    try:
        if t and all(ch in "0123456789.+-" for ch in t) and t.count(".") == 1:
            return norm_value(float(t))
    except ValueError:
        pass
    return s if s != "" else None


def open_csv(path: Path, max_rows: int = 10_000, max_cols: int = 200) -> Book:
    """A CSV as a one-sheet Book (UTF-8 with or without BOM, UTF-16 or GB18030)."""
    raw = path.read_bytes()
    text = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", "replace")
    else:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        text = raw.decode("utf-8", "replace")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows: list[list[Any]] = []
    for i, rec in enumerate(csv.reader(io.StringIO(text), delimiter=delim)):
        if i >= max_rows:
            break
        rows.append([_csv_value(v) for v in rec[:max_cols]])
    name = Path(path).stem or "CSV"
    return Book(path, "csv", {name: Sheet(name, "visible", _trim(rows))})


# --------------------------------------------------------------------------- isolation


def run_isolated(fn, *args, memory_mb: int = 1024, timeout: float = 60.0):
    """Run fn(*args) in a forked child with an address-space cap; returns its result.

    For readers of formats safezip cannot bound (.xls, .et, .ods): a hostile file may make a native
    reader allocate without limit or abort the process. Raises BookError when the child fails, is
    killed by the cap or runs out of time. Falls back to a direct call where fork is unavailable.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - not Linux/macOS
        return fn(*args)
    import pickle
    import select
    import signal

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(rfd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)  # a native reader that aborts prints a backtrace: not for the clerk's terminal
            import faulthandler

            faulthandler.disable()  # it may hold its own copy of stderr (PYTHONFAULTHANDLER, pytest)
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + memory_mb * 1024 * 1024,) * 2)
            except (ImportError, ValueError, OSError):
                pass
            try:
                payload = pickle.dumps(("ok", fn(*args)))
            except UnsafeFile as e:
                payload = pickle.dumps(("unsafe", (e.reason, e.message_zh, e.message_en, _plain(e.details))))
            except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
                payload = pickle.dumps(("error", f"{type(e).__name__}: {e}"))
            with os.fdopen(wfd, "wb") as w:
                w.write(payload)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    chunks: list[bytes] = []
    import time

    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise BookResourceError("timeout")
            ready, _, _ = select.select([rfd], [], [], left)
            if not ready:
                continue
            data = os.read(rfd, 1 << 20)
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(rfd)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        raise BookResourceError(f"reader process died (status {status})")
    try:
        tag, value = pickle.loads(b"".join(chunks))
    except Exception as e:
        raise BookError(f"reader process output unreadable: {e}") from None
    if tag == "unsafe":
        reason, zh, en, details = value
        raise UnsafeFile(reason, zh, en, **details)
    if tag != "ok":
        raise BookError(value)
    return value


def _plain(details: dict) -> dict:
    return {k: v if isinstance(v, (str, int, float, type(None))) else str(v) for k, v in details.items()}


def _vm_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 512 * 1024 * 1024
