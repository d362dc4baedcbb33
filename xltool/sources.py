"""Turn any input path into a UnitReport, or into the one finding that says why it cannot be read.

The dispatch is by content, not by file name: a workbook, an interchange JSON, a published report.
Readers for each kind live in their own modules; this module only chooses and wraps failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xltool.errors import InterchangeError
from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport, load_json

INPUT_SUFFIXES = {".json", ".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv", ".pdf", ".html", ".htm", ".docx", ".txt"}


@dataclass
class Loaded:
    """What reading one file gave: a report (maybe with findings about the reading) or only findings."""

    path: Path
    report: UnitReport | None
    findings: list[Finding] = field(default_factory=list)


def _read_json(path: Path) -> Loaded:
    try:
        return Loaded(path, load_json(path))
    except InterchangeError as e:
        msg = str(e)
        return Loaded(path, None, [tool_finding("JSON-INVALID", reason=msg)])


def load_any(path: str | Path, **reader_options) -> Loaded:
    """Read one input file of any supported kind. Never raises for bad input."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        return _read_json(p)
    if _is_report(p):
        from xltool.importer import import_report  # published reports: PDF, Word, web page, text

        return import_report(p)
    try:
        from xltool.reader import read_file  # workbooks and everything a workbook reader can sniff
    except ImportError:  # pragma: no cover - the reader is part of the package
        return Loaded(p, None, [tool_finding("FILE-FORMAT", kind=p.suffix, fix="请提供 JSON 数据文件。")])
    return read_file(p, **reader_options)


def _is_report(p: Path) -> bool:
    """A published report (PDF, .docx, HTML, plain text) by its content, or an unknown file named like one."""
    from xltool.importer import REPORT_KINDS, REPORT_SUFFIXES
    from xltool.safezip import sniff

    try:
        kind = sniff(p)
    except OSError:
        return False  # the workbook reader says why the file cannot be opened
    return kind in REPORT_KINDS or (kind in ("unknown", "zip-other") and p.suffix.lower() in REPORT_SUFFIXES)


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given, and folders searched recursively for inputs (sorted; hidden and ~$ lock files skipped)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES and not f.name.startswith(("~$", ".", ".~lock")):
                    out.append(f)
        else:
            out.append(p)
    return out
