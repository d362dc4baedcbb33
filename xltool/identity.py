"""Is this the right unit and year? Checks a report's identity against the roster and the campaign year.

`attribute` is the one answer to "which roster unit is this file from", asked by `validate --roster`,
`consolidate` and `campaign collect` alike:

1. the unit the content claims (its name, else its code: `content_unit`), when it claims one — a claim that
   names no roster unit is a unit outside the roster (名单外), whatever the file's name says;
2. only when the content claims no unit at all (no name, no code; a workbook whose unit the reader took from
   its file name), or the file could not be read as a report at all (a damaged zip, a Word file named .xlsx),
   the unit its name names confidently (`roster.filename_unit`);
3. a file that is no report at all (FILE-NOT-REPORT: a 说明.txt) is never any unit's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport
from xltool.roster import Roster, Unit, filename_unit

CONTENT = "content"
FILE_NAME = "file-name"

SAID_BY_READER = frozenset({"UNIT-NOT-FOUND", "REPORT-NO-UNIT"})
"""Findings of reading that already say the file does not name its unit."""


@dataclass(frozen=True)
class Attribution:
    """Which roster unit a file is from, and how that was decided."""

    unit: Unit | None
    """The roster unit, or None: outside the roster (`claimed` names no roster unit) or unidentified."""
    by: str | None
    """`content` (the unit the file says it is), `file-name`, or None (no roster unit)."""
    claimed: str = ""
    """What the content says the unit is ("" when it says nothing)."""


def claims_unit(report: UnitReport | None) -> bool:
    """Whether a report's content says which unit it is (a name or a code not taken from the file name).

    A campaign's version is filed under the unit the campaign (or its clerk) decided: that is its claim.
    """
    if report is None:
        return False
    if report.source.get("campaign_version") is None and report.meta.get("unit_from") == "file-name":
        return False
    return bool((report.unit_name or "").strip() or (report.unit_code or "").strip())


def content_unit(report: UnitReport, roster: Roster) -> Unit | None:
    """The roster unit a report's own unit fields name: the name first (`Roster.match_name`), then the code.

    A code that names one unit and a name that names another (UNIT-MISMATCH): the typed name is the sender's,
    the code most likely came with a borrowed template.
    """
    return roster.match_name(report.unit_name) or roster.by_code(report.unit_code)


def attribute(
    report: UnitReport | None, findings: Iterable[Finding], file: str | Path | None, roster: Roster
) -> Attribution:
    """Which roster unit the file `file` (read as `report` with `findings`) is from (see the module's rules)."""
    if report is None:
        from xltool.sources import is_not_report

        if is_not_report(list(findings)):
            return Attribution(None, None)
        named = filename_unit(Path(file).name, roster) if file else None
        return Attribution(named, FILE_NAME if named else None)
    if claims_unit(report):
        unit = content_unit(report, roster)
        return Attribution(unit, CONTENT if unit else None, (report.unit_name or report.unit_code or "").strip())
    named = filename_unit(Path(file).name, roster) if file else None
    return Attribution(named, FILE_NAME if named else None)


def identity_findings(
    report: UnitReport,
    *,
    roster: Roster | None = None,
    year: int | None = None,
    file: str | Path | None = None,
    found: Iterable[Finding] = (),
    attribution: Attribution | None = None,
) -> list[Finding]:
    """Findings for a report of another year, an unknown unit, or another unit's template reused.

    `file`: the file the report was read from (default: the one its source names); `found`: what reading it
    found (a reader's UNIT-NOT-FOUND is not said twice); `attribution`: `attribute`'s answer for it, when the
    caller has it already.
    """
    out: list[Finding] = []
    if year is not None and report.year is not None and report.year != year:
        out.append(tool_finding("YEAR-MISMATCH", found=report.year, expected=year))
    if roster is not None and not report.meta.get("consolidation"):
        out += _roster_findings(report, roster, file or (report.source or {}).get("file"), found, attribution)
    if report.meta.get("reader") == "template":
        # a returned template also says who it was issued to: reused and last year's templates (xltool.reader)
        from xltool.reader_identity import template_identity_findings

        out = template_identity_findings(report, out, roster=roster, year=year)
    return out


def _roster_findings(
    report: UnitReport, roster: Roster, file: str | Path | None, found: Iterable[Finding], att: Attribution | None
) -> list[Finding]:
    found = list(found)
    att = att or attribute(report, found, file, roster)
    by_code = roster.by_code(report.unit_code)
    if att.by == FILE_NAME:
        assert att.unit is not None
        if {f.rule for f in found} & SAID_BY_READER:
            return []
        return [tool_finding("UNIT-FROM-FILENAME", file=Path(str(file)).name, unit=att.unit.name)]
    if by_code and report.unit_name and roster.match_name(report.unit_name) != by_code:
        return [tool_finding("UNIT-MISMATCH", code=by_code.code, roster_name=by_code.name, unit=report.unit_name)]
    if att.unit is None:
        return [tool_finding("UNIT-UNKNOWN", unit=report.unit_name or report.unit_code or "（未填写）")]
    return []
