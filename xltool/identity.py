"""Is this the right unit and year? Checks a report's identity against the roster and the campaign year.

`attribute` is the one answer to "which roster unit is this file from", asked by `validate --roster`,
`consolidate` and `campaign collect` alike:

1. the unit the content claims (its name, else its code: `content_unit`), when it claims one — a claim that
   names no roster unit is a unit outside the roster (名单外), whatever the file's name says;
2. only when the content claims no unit at all (no name, no code; a workbook whose unit the reader took from
   its file name), or the file could not be read as a report at all (a damaged zip, a Word file named .xlsx),
   the unit its name names confidently (`roster.filename_unit`);
3. a file that is no report at all (FILE-NOT-REPORT: a 说明.txt) is never any unit's.

A consolidation (a district's summary workbook, sent up to the city) is attributed and checked like any report:
its unit is the district, which a city's roster may write as 烟台市芝罘区人民政府 or 芝罘区 (`Roster.match_name`).
Short names (科技局, 住建局, 区政府办) are only ever read in a file's name (`Roster.name_candidates`) or a clerk's
argument (`Roster.lookup`), never as the unit a report says it is; a unit outside the roster is named with the
roster's units close to it (`unknown_unit_hint`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from xltool.filenames import display_name
from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport
from xltool.roster import Roster, Unit, filename_unit, normalize_name

FormerNames = dict[str, set[str]]
"""Unit code -> the names the unit had before a roster change renamed it (kept by a campaign)."""

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


def former_unit(report: UnitReport | None, roster: Roster, former_names: FormerNames | None) -> Unit | None:
    """The roster unit a report is from when it names the unit by a name the unit had before it was renamed on
    the roster: the report's name is one of `former_names[code]` (and no roster unit's name now), its code is
    that unit's or blank. Only a campaign knows former names (it recorded the roster change); None otherwise."""
    if report is None or not former_names or not (report.unit_name or "").strip():
        return None
    if roster.match_name(report.unit_name) is not None:
        return None
    name = normalize_name(report.unit_name)
    code = normalize_name(report.unit_code or "").upper()
    hits = [
        u
        for c, names in former_names.items()
        if name in {normalize_name(n) for n in names}
        and (u := roster.by_code(c)) is not None
        and (not code or normalize_name(u.code).upper() == code)
    ]
    return hits[0] if len(hits) == 1 else None


def attribute(
    report: UnitReport | None,
    findings: Iterable[Finding],
    file: str | Path | None,
    roster: Roster,
    former_names: FormerNames | None = None,
) -> Attribution:
    """Which roster unit the file `file` (read as `report` with `findings`) is from (see the module's rules).

    `former_names`: unit code -> the names the unit had before the roster renamed it (a campaign's record of its
    roster changes): a report naming its unit by such a name is that unit's (`former_unit`)."""
    if report is None:
        from xltool.sources import is_not_report

        if is_not_report(list(findings)):
            return Attribution(None, None)
        named = filename_unit(display_name(Path(file).name), roster) if file else None
        return Attribution(named, FILE_NAME if named else None)
    if claims_unit(report):
        unit = content_unit(report, roster) or former_unit(report, roster, former_names)
        return Attribution(unit, CONTENT if unit else None, (report.unit_name or report.unit_code or "").strip())
    named = filename_unit(display_name(Path(file).name), roster) if file else None
    return Attribution(named, FILE_NAME if named else None)


def is_consolidation(report: UnitReport | None) -> bool:
    """Whether a report is a consolidation (a summary of several units' returns) rather than one unit's."""
    if report is None:
        return False
    return report.meta.get("level") == "consolidation" or bool(report.meta.get("consolidation"))


def year_mismatch(report: UnitReport, found: int, expected: int) -> Finding:
    """YEAR-MISMATCH for `report`: a unit's return of another year (use this year's template), or a summary
    made of another year's returns (nobody issued it a template: consolidate this year's returns again)."""
    f = tool_finding("YEAR-MISMATCH", found=found, expected=expected)
    if is_consolidation(report):
        f = replace(f, fix=_said("YEAR-MISMATCH", "fix_consolidation", found=found, expected=expected))
    return f


def unknown_unit_hint(
    roster: Roster, claimed: str, file: str | Path | None = None, *, summary: bool = False
) -> dict[str, str]:
    """What to add, in each language, to “the unit … is not in the roster”: the roster's units close to what
    the content claims (“（名单中相近的单位：…）”: `Roster.nearest`); when it claims nothing, the units the file's
    name could be (“（文件名“人社局.xlsx”可指多个单位：…）”); for a `summary` (`is_consolidation`) of this
    roster's own units, that it is one. Empty strings when there is nothing to add. For `campaign` and
    `consolidate` messages as for UNIT-UNKNOWN."""
    claimed = (claimed or "").strip()
    if claimed:
        if summary and roster.names_own_place(claimed):
            return _said("UNIT-UNKNOWN", "own_place", unit=claimed)
        near = roster.nearest(claimed)
        if near:
            return _said("UNIT-UNKNOWN", "near", units=_names(near))
    elif file:
        several = roster.name_candidates(Path(str(file)).name)
        if len(several) > 1:
            return _said("UNIT-UNKNOWN", "several", file=Path(str(file)).name, units=_names(several))
    return {"zh": "", "en": ""}


def _names(units: Iterable[Unit], most: int = 3) -> dict[str, str]:
    units = list(units)
    more = len(units) > most
    shown = [u.name for u in units[:most]]
    return {"zh": "、".join(shown) + ("等" if more else ""), "en": ", ".join(shown) + (" …" if more else "")}


def _said(rule: str, part: str, **params: Any) -> dict[str, str]:
    """A sentence declared with a finding id in messages/*.yaml beside its title and fix (`part`), in each
    language; a parameter may be given per language as {'zh': …, 'en': …}."""
    from xltool.findings import catalogue, render

    text = catalogue()[rule][part]

    def p(lang: str) -> dict[str, Any]:
        return {k: v.get(lang, v.get("zh")) if isinstance(v, dict) else v for k, v in params.items()}

    return {lang: render(text, lang, **p(lang)) for lang in ("zh", "en")}


def identity_findings(
    report: UnitReport,
    *,
    roster: Roster | None = None,
    year: int | None = None,
    file: str | Path | None = None,
    found: Iterable[Finding] = (),
    attribution: Attribution | None = None,
    former_names: FormerNames | None = None,
) -> list[Finding]:
    """Findings for a report of another year, an unknown unit, or another unit's template reused.

    `file`: the file the report was read from (default: the one its source names); `found`: what reading it
    found (a reader's UNIT-NOT-FOUND is not said twice); `attribution`: `attribute`'s answer for it, when the
    caller has it already; `former_names`: a campaign's record of units renamed on its roster — a report naming
    its unit by the unit's former name (and its code, or none) is neither UNIT-MISMATCH nor UNIT-UNKNOWN.
    """
    out: list[Finding] = []
    if year is not None and report.year is not None and report.year != year:
        out.append(year_mismatch(report, report.year, year))
    if roster is not None:  # a consolidation too: one attribution for every command
        if former_unit(report, roster, former_names) is None:
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
        hint = unknown_unit_hint(roster, att.claimed, file, summary=is_consolidation(report))
        return [tool_finding("UNIT-UNKNOWN", unit=report.unit_name or report.unit_code or "（未填写）", near=hint)]
    return []
