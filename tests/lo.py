"""LibreOffice as a real test client: convert files, fill them over UNO, render them.

Standard library only at module level: the same file runs as the UNO helper under Debian's
``/usr/bin/python3`` when the test interpreter cannot import ``uno`` (``python lo.py
--uno-helper PIPE``), so it must import there too.

* :func:`convert` — ``soffice --headless --convert-to`` for many files in one call, with a
  private profile and a timeout.
* :class:`LibreOfficeSession` — one headless soffice per session, driven over UNO
  (in-process when ``uno`` imports here, otherwise through the helper): load, fill cells,
  recalculate, save as .xlsx, read a cell. ≈1.3 s to start, ≈0.2 s per file.
* :func:`render_png` — .xlsx -> PDF -> PNG pages (``pdftoppm -png -r 80``).

Measured facts behind this: shared/notes/spreadsheet-programs.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

__all__ = [
    "LibreOfficeError",
    "LibreOfficeSession",
    "convert",
    "find_pdftoppm",
    "find_soffice",
    "helper_python",
    "in_ci",
    "render_png",
    "skip_or_fail",
    "uno_in_process",
]

DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
SYSTEM_PYTHON = "/usr/bin/python3"

# --convert-to targets: the filters a clerk's "Save as" would use
CONVERT_FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
    "pdf": "pdf",  # LibreOffice picks calc_pdf_Export / writer_pdf_Export by document type
    "csv": "csv:Text - txt - csv (StarCalc):44,34,76,1",  # comma, double quote, UTF-8
}
XLSX_FILTER = "Calc MS Excel 2007 XML"
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")
_CLEAR_CONTENT = 1 | 2 | 4 | 16  # com.sun.star.sheet.CellFlags VALUE|DATETIME|STRING|FORMULA: formats stay


class LibreOfficeError(RuntimeError):
    """LibreOffice could not do what was asked (not started, timed out, no output)."""


def find_soffice() -> str | None:
    """Path of the soffice launcher, or None when LibreOffice is not installed."""
    env = os.environ.get("XLTOOL_SOFFICE")
    if env:
        return env if Path(env).exists() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"):
        if Path(candidate).exists():
            return candidate
    return None


def find_pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def _profile_uri(directory: Path) -> str:
    return "-env:UserInstallation=" + directory.resolve().as_uri()


def _kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Stop a process started with start_new_session=True, and everything it spawned."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # soffice (a shell script) may have exited while soffice.bin lives on in its group
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


def in_ci() -> bool:
    """True when the environment variable CI is set (as `.ci/run` runs)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip a test on a developer machine; fail it under CI, where the tool must be installed."""
    import pytest  # only tests call this; the UNO helper process has no pytest

    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip; .ci/run installs it)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- convert


def convert(
    paths: Iterable[str | os.PathLike[str]],
    fmt: str,
    outdir: str | os.PathLike[str],
    *,
    timeout: float = 300.0,
    soffice: str | None = None,
) -> list[Path]:
    """Convert files with ``soffice --headless --convert-to`` in a single call.

    ``fmt`` is ``xlsx``, ``pdf``, ``ods``, ``xls`` or ``csv`` (or a raw ``ext:Filter``
    string). Returns the output paths in input order. Uses a private, throw-away profile,
    so it never collides with a user's LibreOffice or with a :class:`LibreOfficeSession`.
    Raises :class:`LibreOfficeError` on a timeout or when an output is missing (soffice
    exits 0 even when it could not convert a file).
    """
    exe = soffice or find_soffice()
    if exe is None:
        raise LibreOfficeError("soffice not found: install libreoffice-calc-nogui")
    inputs = [Path(p).resolve() for p in paths]
    if not inputs:
        return []
    target = CONVERT_FILTERS.get(fmt, fmt)
    ext = target.split(":", 1)[0]
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    expected = [out / f"{p.stem}.{ext}" for p in inputs]
    if len(set(expected)) != len(expected):
        raise ValueError("two inputs have the same name stem; convert them into different folders")
    for p in inputs:
        if not p.is_file():
            raise FileNotFoundError(p)
    for e in expected:
        if e.resolve() in inputs:
            raise ValueError(f"{e} would overwrite its own input; choose another outdir")
        e.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltool-lo-profile-") as profile:
        cmd = [
            exe,
            _profile_uri(Path(profile)),
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out.resolve()),
            *map(str, inputs),
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise LibreOfficeError(f"soffice --convert-to {fmt} timed out after {timeout:.0f} s") from None
        finally:
            _kill_group(proc, grace=2.0)
    missing = [str(e) for e in expected if not e.is_file() or e.stat().st_size == 0]
    if missing:
        raise LibreOfficeError(
            f"soffice --convert-to {fmt} produced no {', '.join(missing)} (exit {proc.returncode}): "
            + (stdout + stderr).decode("utf-8", "replace")[-2000:]
        )
    return expected


def render_png(
    xlsx_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    dpi: int = 80,
    timeout: float = 300.0,
) -> list[Path]:
    """Render a workbook's printed pages to PNG (via PDF), for a person or a test to look at."""
    exe = find_pdftoppm()
    if exe is None:
        raise LibreOfficeError("pdftoppm not found: install poppler-utils")
    out = Path(outdir)
    (pdf,) = convert([xlsx_path], "pdf", out, timeout=timeout)
    prefix = out / pdf.stem
    for old in out.glob(f"{glob_escape(pdf.stem)}-*.png"):
        old.unlink()
    result = subprocess.run(
        [exe, "-png", "-r", str(dpi), str(pdf), str(prefix)],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise LibreOfficeError(f"pdftoppm failed: {result.stderr.decode('utf-8', 'replace')[-1000:]}")
    pages = sorted(out.glob(f"{glob_escape(pdf.stem)}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if not pages:
        raise LibreOfficeError(f"pdftoppm produced no page from {pdf}")
    return pages


def glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


# --------------------------------------------------------------------------- UNO


def uno_in_process() -> bool:
    """True if this interpreter can import Debian's ``uno`` (built for Python 3.11).

    Debian's dist-packages is put on sys.path only for the import and taken off again, so
    that its other packages cannot hide a dependency missing from the test environment.
    """
    if "uno" in sys.modules:
        return True
    added = DEBIAN_DIST_PACKAGES not in sys.path
    if added:
        sys.path.append(DEBIAN_DIST_PACKAGES)
    try:
        import uno  # noqa: F401

        return True
    except Exception:  # ImportError, or an ABI mismatch surfacing as another error
        return False
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(DEBIAN_DIST_PACKAGES)


def helper_python() -> str | None:
    """An interpreter that can import ``uno`` for the helper process, or None."""
    candidates = [os.environ.get("XLTOOL_UNO_PYTHON", ""), SYSTEM_PYTHON]
    for exe in filter(None, candidates):
        if not Path(exe).exists():
            continue
        try:
            ok = subprocess.run(
                [exe, "-c", "import uno"],
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if ok.returncode == 0:
            return exe
    return None


class _Ops:
    """The UNO work itself; runs in the test process or in the helper process."""

    def __init__(self) -> None:
        if not uno_in_process():
            _import_uno_or_die()
        import uno

        self.uno = uno
        self.desktop = None
        self.doc = None

    def _prop(self, name: str, value: object):
        p = self.uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        p.Name = name
        p.Value = value
        return p

    def connect(self, pipe: str, timeout: float) -> str:
        local = self.uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            try:
                ctx = resolver.resolve(url)
                break
            except Exception as exc:  # NoConnectException while soffice starts
                if time.monotonic() > deadline:
                    raise LibreOfficeError(f"could not connect to soffice on pipe {pipe}: {exc}") from None
                time.sleep(delay)
                delay = min(delay * 1.5, 0.5)
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        return "connected"

    def load(self, path: str) -> str:
        self.close_document()
        url = self.uno.systemPathToFileUrl(str(Path(path).resolve()))
        props = (self._prop("Hidden", True),)
        for attempt in range(6):
            doc = self.desktop.loadComponentFromURL(url, "_blank", 0, props)
            if doc is not None:
                self.doc = doc
                return "loaded"
            # the first load after start-up sometimes returns None
            time.sleep(min(0.25 * (attempt + 1), 1.0))
        raise LibreOfficeError(f"LibreOffice could not load {path}")

    def _document(self):
        if self.doc is None:
            raise LibreOfficeError("no document loaded: call load(path) first")
        return self.doc

    def _cell(self, sheet: str, ref: str):
        return self._sheet(sheet).getCellRangeByName(ref)

    def _sheet(self, name: str):
        sheets = self._document().Sheets
        if not sheets.hasByName(name):
            raise LibreOfficeError(f"no sheet named {name!r}; sheets: {list(sheets.ElementNames)}")
        return sheets.getByName(name)

    @staticmethod
    def _blocks(cells: Mapping[str, object]) -> tuple[list[tuple[int, int, list[list[object]]]], dict[str, object]]:
        """Group A1-style cells into rectangles (top row, left col, rows of values); the rest by name."""
        by_row: dict[int, dict[int, object]] = {}
        others: dict[str, object] = {}
        for ref, value in cells.items():
            m = _A1.match(ref)
            if m is None:
                others[ref] = value
                continue
            col = 0
            for ch in m.group(1).upper():
                col = col * 26 + ord(ch) - 64
            by_row.setdefault(int(m.group(2)) - 1, {})[col - 1] = value
        runs = []
        for row, cols in sorted(by_row.items()):
            start = prev = None
            values: list[object] = []
            for col in sorted(cols):
                if prev is not None and col == prev + 1:
                    values.append(cols[col])
                else:
                    if values:
                        runs.append((row, start, values))
                    start, values = col, [cols[col]]
                prev = col
            if values:
                runs.append((row, start, values))
        # stack runs of the same columns on consecutive rows into one rectangle
        blocks: list[tuple[int, int, list[list[object]]]] = []
        for row, col, values in runs:
            if blocks:
                top, left, rows = blocks[-1]
                if left == col and len(rows[0]) == len(values) and top + len(rows) == row:
                    rows.append(values)
                    continue
            blocks.append((row, col, [values]))
        return blocks, others

    def set_cells(self, sheet: str, cells: Mapping[str, object]) -> int:
        """Numbers and text by setDataArray per rectangle of cells; formulas and clears one by one."""
        sh = self._sheet(sheet)
        plain: dict[str, object] = {}
        for ref, value in cells.items():
            if value is None:
                sh.getCellRangeByName(ref).clearContents(_CLEAR_CONTENT)
            elif isinstance(value, str) and value.startswith("="):
                sh.getCellRangeByName(ref).setFormula(value)
            elif isinstance(value, bool | int | float):
                plain[ref] = float(value)
            else:
                plain[ref] = str(value)
        blocks, others = self._blocks(plain)
        for top, left, rows in blocks:
            block = sh.getCellRangeByPosition(left, top, left + len(rows[0]) - 1, top + len(rows) - 1)
            block.setDataArray(tuple(map(tuple, rows)))
        for ref, value in others.items():  # a named range or another form of reference
            cell = sh.getCellRangeByName(ref)
            if isinstance(value, float):
                cell.setValue(value)
            else:
                cell.setString(value)
        return len(cells)

    def type_cells(self, sheet: str, cells: Mapping[str, str]) -> int:
        """Enter text as if typed: '12' becomes a number, '12件' text, '=A1' a formula."""
        sh = self._sheet(sheet)
        blocks, others = self._blocks({ref: str(text) for ref, text in cells.items()})
        for top, left, rows in blocks:
            block = sh.getCellRangeByPosition(left, top, left + len(rows[0]) - 1, top + len(rows) - 1)
            block.setFormulaArray(tuple(map(tuple, rows)))
        for ref, text in others.items():
            sh.getCellRangeByName(ref).setFormula(text)
        return len(cells)

    def get_cell_value(self, sheet: str, ref: str) -> object:
        cell = self._cell(sheet, ref)
        kind = cell.Type.value  # EMPTY, VALUE, TEXT, FORMULA
        if kind == "EMPTY":
            return None
        if kind == "VALUE":
            return cell.getValue()
        if kind == "TEXT":
            return cell.getString()
        if cell.getError() != 0:
            return cell.getString() or f"#ERR{cell.getError()}"
        result_type = cell.FormulaResultType2  # com.sun.star.sheet.FormulaResult: VALUE 1, STRING 2
        return cell.getString() if result_type == 2 else cell.getValue()

    def sheet_names(self) -> list[str]:
        return list(self._document().Sheets.ElementNames)

    def calculate_all(self) -> str:
        self._document().calculateAll()
        return "calculated"

    def save(self, path: str, filter_name: str) -> str:
        target = Path(path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        url = self.uno.systemPathToFileUrl(str(target))
        props = (self._prop("FilterName", filter_name), self._prop("Overwrite", True))
        self._document().storeToURL(url, props)
        return str(target)

    def close_document(self) -> str:
        doc, self.doc = self.doc, None
        if doc is not None:
            try:
                doc.close(True)
            except Exception:
                with contextlib.suppress(Exception):
                    doc.dispose()
        return "closed"

    def terminate(self) -> str:
        self.close_document()
        if self.desktop is not None:
            with contextlib.suppress(Exception):  # DisposedException here is normal
                self.desktop.terminate()
            self.desktop = None
        return "terminated"


def _import_uno_or_die() -> None:
    sys.path.append(DEBIAN_DIST_PACKAGES)
    import uno  # noqa: F401


class _InProcess:
    mode = "in-process"

    def __init__(self, pipe: str, timeout: float) -> None:
        self.ops = _Ops()
        self.ops.connect(pipe, timeout)

    def call(self, op: str, **kwargs: object) -> object:
        try:
            return getattr(self.ops, op)(**kwargs)
        except LibreOfficeError:
            raise
        except Exception as exc:  # a UNO exception: its class lives in the uno runtime
            raise LibreOfficeError(f"{op} failed: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ops.terminate()


class _Helper:
    """Runs :class:`_Ops` in ``python3 lo.py --uno-helper PIPE``; one JSON line per call."""

    mode = "helper"

    def __init__(self, python: str, pipe: str, timeout: float) -> None:
        self.proc = subprocess.Popen(
            [python, str(Path(__file__).resolve()), "--uno-helper", pipe, str(timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # helper tracebacks go to the test's stderr
            text=True,
            encoding="utf-8",
            start_new_session=True,
        )
        self._read(timeout + 30)  # {"ok": true, "result": "connected"}

    def _read(self, timeout: float) -> object:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise LibreOfficeError(f"UNO helper gave no answer within {timeout:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise LibreOfficeError(f"UNO helper exited (code {self.proc.poll()})")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise LibreOfficeError(reply.get("error", "UNO helper failed"))
        return reply.get("result")

    def call(self, op: str, timeout: float = 120.0, **kwargs: object) -> object:
        assert self.proc.stdin is not None
        if self.proc.poll() is not None:
            raise LibreOfficeError(f"UNO helper is not running (code {self.proc.returncode})")
        self.proc.stdin.write(json.dumps({"op": op, "args": kwargs}, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        return self._read(timeout)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("terminate", timeout=20)
        with contextlib.suppress(Exception):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc)


def _helper_main(pipe: str, timeout: float) -> int:
    """The helper process: connect, then answer one JSON request per stdin line."""
    out = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not break the protocol

    def reply(obj: dict) -> None:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.flush()

    try:
        ops = _Ops()
        reply({"ok": True, "result": ops.connect(pipe, timeout)})
    except Exception as exc:
        reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    for line in sys.stdin:
        if not line.strip():
            continue
        request: dict = {}
        try:
            request = json.loads(line)
            result = getattr(ops, request["op"])(**request.get("args", {}))
            reply({"ok": True, "result": result})
        except Exception as exc:
            reply({"ok": False, "error": f"{request.get('op', '?')} failed: {type(exc).__name__}: {exc}"})
        if request.get("op") == "terminate":
            break
    return 0


class LibreOfficeSession:
    """One headless soffice for many files, driven over UNO.

    ::

        with LibreOfficeSession() as lo:
            lo.load("template.xlsx")
            lo.set_cells("表三", {"D7": 5, "E7": 2})
            lo.calculate_all()
            lo.save_xlsx("returned.xlsx")
            assert lo.get_cell_value("表三", "F7") == 7

    ``mode`` is ``"auto"`` (in-process if ``uno`` imports here, else the helper under
    /usr/bin/python3), ``"in-process"`` or ``"helper"``; the environment variable
    XLTOOL_LO_MODE overrides ``"auto"``. Every call has a timeout: when soffice hangs it is
    killed and :class:`LibreOfficeError` raised; :meth:`fill` restarts soffice once.
    The UNO API ignores cell protection: writing a locked cell succeeds silently.
    """

    def __init__(
        self,
        soffice: str | None = None,
        *,
        mode: str = "auto",
        startup_timeout: float = 60.0,
        call_timeout: float = 120.0,
    ) -> None:
        self.soffice = soffice or find_soffice()
        if self.soffice is None:
            raise LibreOfficeError("soffice not found: install libreoffice-calc-nogui")
        if mode == "auto":
            mode = os.environ.get("XLTOOL_LO_MODE", "auto")
        if mode == "auto":
            mode = "in-process" if uno_in_process() else "helper"
        if mode not in ("in-process", "helper"):
            raise ValueError(f"mode must be auto, in-process or helper, not {mode!r}")
        self.mode = mode
        self.startup_timeout = startup_timeout
        self.call_timeout = call_timeout
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._backend: _InProcess | _Helper | None = None
        self._profile: tempfile.TemporaryDirectory | None = None
        self._lock = threading.Lock()

    # -- life cycle --------------------------------------------------------------------

    def __enter__(self) -> LibreOfficeSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        t0 = time.monotonic()
        self._profile = tempfile.TemporaryDirectory(prefix="xltool-lo-session-")
        pipe = f"xltool_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        assert self.soffice is not None
        self._proc = subprocess.Popen(
            [
                self.soffice,
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                _profile_uri(Path(self._profile.name)),
                f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            if self.mode == "in-process":
                self._backend = _InProcess(pipe, self.startup_timeout)
            else:
                python = helper_python()
                if python is None:
                    raise LibreOfficeError(
                        "no Python can import uno: install python3-uno (Debian's is built for /usr/bin/python3)"
                    )
                self._backend = _Helper(python, pipe, self.startup_timeout)
        except BaseException:
            self._stop_soffice()
            raise
        self.startup_seconds = time.monotonic() - t0

    def close(self) -> None:
        """Close the document, terminate soffice (a DisposedException there is normal)."""
        backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()
        self._stop_soffice()

    def _stop_soffice(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            _kill_group(proc)
        if self._profile is not None:
            with contextlib.suppress(OSError):
                self._profile.cleanup()
            self._profile = None

    def restart(self) -> None:
        self.close()
        self.start()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._backend is not None

    # -- calls -------------------------------------------------------------------------

    def _call(self, op: str, timeout: float | None = None, **kwargs: object) -> object:
        if self._backend is None:
            raise LibreOfficeError("session not started")
        limit = timeout or self.call_timeout
        proc = self._proc
        # a watchdog: a hung soffice is killed, which makes the pending UNO call fail
        timer = threading.Timer(limit, lambda: proc is not None and _kill_group(proc, grace=1.0))
        timer.daemon = True
        with self._lock:
            timer.start()
            try:
                if isinstance(self._backend, _Helper):
                    return self._backend.call(op, timeout=limit + 5, **kwargs)
                return self._backend.call(op, **kwargs)
            except LibreOfficeError:
                if proc is not None and proc.poll() is not None:
                    raise LibreOfficeError(f"{op}: soffice stopped (exit {proc.returncode})") from None
                raise
            finally:
                timer.cancel()

    def load(self, path: str | os.PathLike[str]) -> None:
        """Open a file as the current document (closing the previous one), hidden."""
        if not Path(path).is_file():
            raise FileNotFoundError(path)
        self._call("load", path=str(Path(path).resolve()))

    def set_cells(self, sheet_name: str, cells: Mapping[str, object]) -> None:
        """Write values: numbers as numbers, str as text ('=...' as a formula), None clears."""
        self._call("set_cells", sheet=sheet_name, cells=dict(cells))

    def type_cells(self, sheet_name: str, cells: Mapping[str, str]) -> None:
        """Enter strings as a person types them: '12' -> number 12, '12件' -> text."""
        self._call("type_cells", sheet=sheet_name, cells={k: str(v) for k, v in cells.items()})

    def get_cell_value(self, sheet_name: str, ref: str) -> object:
        """float, str, None (empty), or an error text such as '#DIV/0!'."""
        return self._call("get_cell_value", sheet=sheet_name, ref=ref)

    def sheet_names(self) -> list[str]:
        return list(self._call("sheet_names"))  # type: ignore[arg-type]

    def calculate_all(self) -> None:
        self._call("calculate_all")

    def save_xlsx(self, path: str | os.PathLike[str]) -> Path:
        """Store the current document as .xlsx ("Excel 2007-365"), as a clerk's Save As would."""
        return Path(str(self._call("save", path=str(path), filter_name=XLSX_FILTER)))

    def save_as(self, path: str | os.PathLike[str], filter_name: str) -> Path:
        return Path(str(self._call("save", path=str(path), filter_name=filter_name)))

    def close_document(self) -> None:
        self._call("close_document")

    def fill(
        self,
        src: str | os.PathLike[str],
        dst: str | os.PathLike[str],
        cells: Mapping[str, Mapping[str, object]],
        *,
        calculate: bool = True,
    ) -> Path:
        """Load ``src``, write ``{sheet: {ref: value}}``, recalculate, save as .xlsx to ``dst``.

        If soffice dies on the way, it is restarted once and the whole fill repeated.
        """
        for attempt in (1, 2):
            try:
                self.load(src)
                for sheet, values in cells.items():
                    self.set_cells(sheet, values)
                if calculate:
                    self.calculate_all()
                out = self.save_xlsx(dst)
                self.close_document()
                return out
            except LibreOfficeError:
                if attempt == 2 or self.alive:
                    raise
                self.restart()
        raise AssertionError("unreachable")

    def fill_many(
        self, jobs: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str], Mapping[str, Mapping[str, object]]]]
    ) -> Iterator[Path]:
        for src, dst, cells in jobs:
            yield self.fill(src, dst, cells)


if __name__ == "__main__" and len(sys.argv) >= 3 and sys.argv[1] == "--uno-helper":
    sys.exit(_helper_main(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 60.0))
