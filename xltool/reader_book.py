"""One view of a workbook's cells, whatever read it: python-calamine + lxml (fast) or openpyxl (full).

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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENGINES = ("auto", "fast", "openpyxl")

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


class BookError(Exception):
    """The workbook could not be read by the engine (damaged content). Message for logs only."""


@dataclass
class Sheet:
    name: str
    state: str = "visible"
    """`visible`, `hidden` or `veryHidden`."""
    rows: list[list[Any]] = field(default_factory=list)
    """Normalized values, rows[0][0] is A1."""
    formulas: dict[tuple[int, int], str] | None = None
    """(row, col) 1-based -> formula text without '=' ('' for a shared-formula child); None: not known."""

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

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)


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


# --------------------------------------------------------------------------- fast: calamine + lxml


def _parser():
    from lxml import etree

    # safezip has already refused DTDs and entities; this parser would not resolve them anyway
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class _Package:
    """The few XML parts calamine does not expose: sheet states, formulas, error cells, custom props."""

    def __init__(self, path: Path):
        self.zf = zipfile.ZipFile(path)
        self.names = set(self.zf.namelist())

    def xml(self, name: str):
        from lxml import etree

        if name not in self.names:
            return None
        return etree.fromstring(self.zf.read(name), _parser())

    def sheet_parts(self) -> list[tuple[str, str, str]]:
        """(name, state, part) for every sheet in workbook order."""
        wb_part = "xl/workbook.xml"
        rels = self.xml("_rels/.rels")
        if rels is not None:
            for r in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
                if r.get("Type", "").endswith("/officeDocument"):
                    wb_part = posixpath.normpath(r.get("Target", wb_part).lstrip("/"))
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
                    posixpath.normpath(t.lstrip("/")) if t.startswith("/") else posixpath.normpath(posixpath.join(folder, t))
                )
        out = []
        for s in wb.iter(f"{{{_NS_MAIN}}}sheet"):
            out.append((s.get("name", ""), s.get("state") or "visible", targets.get(s.get(f"{{{_NS_REL}}}id", ""), "")))
        return out

    def cells_with_formulas(self, part: str) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
        """Formulas and error values of a worksheet part: ((row, col) -> text) each."""
        from xltool.layout import col_index

        root = self.xml(part)
        formulas: dict[tuple[int, int], str] = {}
        errors: dict[tuple[int, int], str] = {}
        if root is None:
            return formulas, errors
        f_tag, v_tag = f"{{{_NS_MAIN}}}f", f"{{{_NS_MAIN}}}v"
        row_no = 0
        for row in root.iter(f"{{{_NS_MAIN}}}row"):
            r_attr = row.get("r")
            row_no = int(r_attr) if r_attr and r_attr.isdigit() else row_no + 1
            col_no = 0
            for c in row.iter(f"{{{_NS_MAIN}}}c"):
                ref = c.get("r")
                if ref:
                    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
                    col_no = col_index(letters) if letters else col_no + 1
                else:
                    col_no += 1
                f = c.find(f_tag)
                if f is not None:
                    formulas[(row_no, col_no)] = (f.text or "").strip()
                if c.get("t") == "e":
                    v = c.find(v_tag)
                    errors[(row_no, col_no)] = (v.text or "#N/A") if v is not None else "#N/A"
        return formulas, errors

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


def _calamine_rows(sheet) -> list[list[Any]]:
    return _trim([[norm_value(v) for v in row] for row in sheet.to_python(skip_empty_area=False)])


_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


def open_fast(path: Path, kind: str, want: set[str] | None = None) -> Book:
    """Read with python-calamine; for .xlsx add formulas, error cells and custom props from the XML.

    Args:
        path: a file safezip has accepted.
        kind: sniffed kind (xlsx, xls, et, ods).
        want: sheet names to load (None: all).
    """
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        metas = wb.sheets_metadata
        sheets: dict[str, Sheet] = {}
        for m in metas:
            state = _STATES.get(str(m.visible).rsplit(".", 1)[-1], "visible")
            sh = Sheet(m.name, state)
            if want is None or m.name in want:
                sh.rows = _calamine_rows(wb.get_sheet_by_name(m.name))
            sheets[m.name] = sh
        props: dict[str, str] = {}
        if kind == "xlsx":
            pkg = _Package(path)
            props = pkg.custom_props()
            for name, state, part in pkg.sheet_parts():
                sh = sheets.get(name)
                if sh is None:
                    continue
                sh.state = state  # the XML is the authority (calamine agrees; keep one source)
                if want is None or name in want:
                    formulas, errors = pkg.cells_with_formulas(part)
                    sh.formulas = formulas
                    for (r, c), text in errors.items():
                        _put(sh.rows, r, c, text)
    except BookError:
        raise
    except Exception as e:  # calamine / lxml / zipfile on a damaged file
        raise BookError(f"{type(e).__name__}: {e}") from None
    return Book(path, kind, sheets, props)


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
                rows: list[list[Any]] = []
                formulas: dict[tuple[int, int], str] = {}
                for row in ws.iter_rows(min_row=1, min_col=1):
                    rows.append([norm_value(c.value) for c in row])
                for row in wf[ws.title].iter_rows(min_row=1, min_col=1):
                    for c in row:
                        if c.data_type == "f":
                            v = c.value
                            text = getattr(v, "text", v)  # ArrayFormula / DataTableFormula carry .text
                            formulas[(c.row, c.column)] = str(text or "").lstrip("=").strip()
                sh.rows = _trim(rows)
                sh.formulas = formulas
            sheets[ws.title] = sh
        props = {}
        for p in getattr(wf, "custom_doc_props", None) or []:
            if p.name and p.value is not None:
                props[p.name] = str(p.value)
    except Exception as e:
        raise BookError(f"{type(e).__name__}: {e}") from None
    return Book(path, kind, sheets, props)


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
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + memory_mb * 1024 * 1024,) * 2)
            except (ImportError, ValueError, OSError):
                pass
            try:
                payload = pickle.dumps(("ok", fn(*args)))
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
                raise BookError("timeout")
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
        raise BookError(f"reader process died (status {status})")
    try:
        tag, value = pickle.loads(b"".join(chunks))
    except Exception as e:
        raise BookError(f"reader process output unreadable: {e}") from None
    if tag != "ok":
        raise BookError(value)
    return value


def _vm_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 512 * 1024 * 1024
