"""Is this the right unit and year? Checks a report's identity against the roster and the campaign year."""

from __future__ import annotations

from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport
from xltool.roster import Roster, normalize_name


def identity_findings(report: UnitReport, *, roster: Roster | None = None, year: int | None = None) -> list[Finding]:
    """Findings for a report of another year, an unknown unit, or another unit's template reused."""
    out: list[Finding] = []
    if year is not None and report.year is not None and report.year != year:
        out.append(tool_finding("YEAR-MISMATCH", found=report.year, expected=year))
    if roster is not None and not report.meta.get("consolidation"):
        by_code = roster.by_code(report.unit_code)
        by_name = roster.by_name(report.unit_name)
        if by_code and report.unit_name and normalize_name(by_code.name) != normalize_name(report.unit_name):
            out.append(
                tool_finding("UNIT-MISMATCH", code=by_code.code, roster_name=by_code.name, unit=report.unit_name)
            )
        elif not by_code and not by_name:
            out.append(tool_finding("UNIT-UNKNOWN", unit=report.unit_name or report.unit_code or "（未填写）"))
    if report.meta.get("reader") == "template":
        # a returned template also says who it was issued to: reused and last year's templates (xltool.reader)
        from xltool.reader_identity import template_identity_findings

        out = template_identity_findings(report, out, roster=roster, year=year)
    return out
