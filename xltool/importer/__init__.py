"""Published reports (PDF, HTML, Word, plain text) as data: the importer.

Three layers: :mod:`.extract` turns a file into title, sections and table grids (the format layer);
:mod:`.mapping` finds the form's tables, unit and year in them and reads the values as published;
:mod:`.prose` checks the numbers the text states against the tables. :func:`import_report` runs the three and
is what :func:`xltool.sources.load_any` calls for a report file, so ``xltool validate``, ``--prior`` and
``xltool template --prior`` accept published reports directly.

Example::

    loaded = import_report("huaian-city-2024-report.pdf")
    loaded.report.unit_name, loaded.report.year      # ('淮安市人民政府', 2024)
    [f.rule for f in loaded.findings]                # what the reading and the prose checks found
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport
from xltool.sources import Loaded

__all__ = ["MAX_REPORT_BYTES", "REPORT_KINDS", "REPORT_SUFFIXES", "import_bytes", "import_report"]

REPORT_KINDS = frozenset({"pdf", "docx", "html", "text"})
"""`xltool.safezip.sniff` kinds that are published reports rather than workbooks."""
REPORT_SUFFIXES = frozenset({".doc", ".wps", ".rtf", ".ofd", ".mht", ".mhtml", ".md", ".txt", ".htm", ".html"})
"""Names that make an otherwise unknown file a report, so that it gets the importer's message (e.g. .doc)."""
MAX_REPORT_BYTES = 60 * 1024 * 1024
"""Larger files are refused: a report with its pictures is a few MB."""


def import_report(path: str | Path) -> Loaded:
    """Read a published report into a UnitReport. Never raises for bad input.

    Args:
        path: a .pdf (with a text layer), .docx, .html/.htm, .txt or .md report.

    Returns:
        ``Loaded(path, report, findings)``: the findings of the reading (labels read by similarity, missing rows,
        the 2019 layout) and of the prose checks. ``report`` is None, with one finding that says why, for a
        scanned or encrypted PDF, an unknown format, a damaged file, or a report without 表三.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_REPORT_BYTES:
            reason = {"zh": f"文件过大（{size // 1024 // 1024} MB）", "en": f"the file is too large ({size >> 20} MB)"}
            return Loaded(p, None, [tool_finding("REPORT-UNREADABLE", reason=reason)])
        data = p.read_bytes()
    except OSError as e:
        from xltool.errtext import os_error_text

        reason = {lang: os_error_text(e, lang, path="", writing=False) for lang in ("zh", "en")}
        return Loaded(p, None, [tool_finding("REPORT-UNREADABLE", reason=reason)])
    report, findings = import_bytes(data, p.name, file=str(p))
    return Loaded(p, report, findings)


def import_bytes(
    data: bytes, filename: str | None = None, *, file: str | None = None
) -> tuple[UnitReport | None, list[Finding]]:
    """Like :func:`import_report` for a file in memory; returns ``(report | None, findings)``."""
    from xltool.importer.extract import ExtractError, extract_bytes
    from xltool.importer.mapping import map_document
    from xltool.importer.prose import prose_findings
    from xltool.schema import load_form

    try:
        doc = extract_bytes(data, filename)
    except ExtractError as e:
        return None, [_extract_finding(e)]
    except Exception as e:  # a bug or an unforeseen file must cost one file, not the run
        reason = {"zh": f"内部错误（{type(e).__name__}）", "en": f"internal error ({type(e).__name__}: {e})"}
        return None, [tool_finding("REPORT-UNREADABLE", reason=reason)]
    try:
        mapped = map_document(doc, file=file or filename, sha256=hashlib.sha256(data).hexdigest())
        findings = list(mapped.findings)
        if mapped.report is not None and not mapped.statistics_return:  # a statistics return has no prose
            findings += prose_findings(load_form(mapped.report.form), mapped.report)
    except Exception as e:  # pragma: no cover - a bug in the mapping: say so for this file only
        reason = {"zh": f"内部错误（{type(e).__name__}）", "en": f"internal error ({type(e).__name__}: {e})"}
        return None, [tool_finding("REPORT-UNREADABLE", reason=reason)]
    for w in doc.warnings:  # pages without a text layer, and the like
        findings.append(tool_finding("REPORT-PARTLY", reason={"zh": w, "en": w}))
    return mapped.report, findings


def _extract_finding(e) -> Finding:
    reason = {"zh": e.message_zh, "en": e.message_en}
    if e.code == "scanned-pdf":
        return tool_finding("REPORT-SCANNED", reason=reason)
    if e.code == "encrypted-pdf":
        return tool_finding("REPORT-ENCRYPTED")
    if e.code == "unknown-format":
        return tool_finding("REPORT-FORMAT", reason=reason)
    return tool_finding("REPORT-UNREADABLE", reason=reason)
