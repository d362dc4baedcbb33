"""Data -> the report's tables in the official layout, inside a report skeleton (Word, HTML, Markdown).

After consolidation the district publishes its own report: its tables come out of the tool instead of being
retyped. Whatever is rendered here is read back to the same values by the importer (:mod:`xltool.importer`);
the tests hold both ends to that.

Example::

    from xltool.sources import load_any
    report = load_any("summary.xlsx").report
    render_report(report, "docx", "区政府2024年报.docx")
"""

from __future__ import annotations

from pathlib import Path

from xltool.interchange import UnitReport
from xltool.render.model import ReportDoc, build_document, report_title
from xltool.schema import Form

__all__ = ["FORMATS", "ReportDoc", "build_document", "render_report", "render_text", "report_title"]

FORMATS = ("docx", "html", "md")


def render_text(report: UnitReport, fmt: str, *, form: Form | None = None, fill_totals: bool = True) -> str:
    """The report as HTML or Markdown text."""
    from xltool.render.text import to_html, to_markdown

    doc = build_document(report, form, fill_totals=fill_totals)
    if fmt == "html":
        return to_html(doc)
    if fmt == "md":
        return to_markdown(doc)
    raise ValueError(f"render_text: format must be html or md, not {fmt!r}")


def render_report(
    report: UnitReport, fmt: str, path: str | Path, *, form: Form | None = None, fill_totals: bool = True
) -> Path:
    """Write one report in a format of :data:`FORMATS`.

    Args:
        report: the unit's data (interchange JSON, a workbook or a summary read by ``xltool.sources.load_any``).
        fmt: ``docx``, ``html`` or ``md``.
        path: the output file.
        form: the report's form (loaded from ``report.form`` when None).
        fill_totals: write absent totals as derived from their parts (a published table shows its totals).

    Returns:
        The path written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    out = Path(path)
    if fmt == "docx":
        from xltool.render.docx import write_docx

        return write_docx(build_document(report, form, fill_totals=fill_totals), out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render_text(report, fmt, form=form, fill_totals=fill_totals), encoding="utf-8")
    tmp.replace(out)
    return out
