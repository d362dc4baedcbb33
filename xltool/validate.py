"""Validate inputs: read each file, run the form's rules (and the cross-year ones with last year's data).

This is the library behind `xltool validate`. Per file it never raises: a file that cannot be read
gets one finding that says why, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.findings import Finding, counts, sort_findings, tool_finding
from xltool.interchange import UnitReport
from xltool.roster import Roster, normalize_name
from xltool.rules import check
from xltool.schema import Form, load_form
from xltool.sources import Loaded, expand_paths, load_any

if TYPE_CHECKING:  # pragma: no cover
    from xltool.identity import Attribution


@dataclass
class FileResult:
    file: str
    report: UnitReport | None
    findings: list[Finding] = field(default_factory=list)
    attribution: Attribution | None = None
    """Validated with a roster: which roster unit the file is from (`identity.attribute`, the same answer
    as consolidate's and campaign collect's); None without a roster."""

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def unit(self) -> str | None:
        """The unit the file is from, as shown: the one its content names; else (a file that names no unit, or
        could not be read) the roster unit its name names when validated with a roster."""
        return self._shown()[0]

    @property
    def code(self) -> str | None:
        """The unit code shown with `unit` (the roster's when the unit came from the file name)."""
        return self._shown()[1]

    def _shown(self) -> tuple[str | None, str | None]:
        """(unit name, unit code) shown for the file."""
        from xltool.identity import FILE_NAME

        rep = self.report
        att = self.attribution
        if att is not None and att.by == FILE_NAME and att.unit is not None:
            return att.unit.name, att.unit.code
        return (rep.unit_name, rep.unit_code) if rep else (None, None)

    @property
    def year(self) -> int | None:
        return self.report.year if self.report else None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        unit, code = self._shown()
        out = {
            "file": self.file,
            "unit": unit,
            "code": code,
            "year": self.year,
            "form": self.report.form if self.report else None,
            "valid": self.valid,
            "counts": self.counts,
            "findings": [f.to_dict(lang) for f in self.findings],
        }
        att = self.attribution
        if att is not None:  # with a roster: the roster unit (null: not in the roster, or not identified)
            out["roster_unit"] = {"code": att.unit.code, "name": att.unit.name, "by": att.by} if att.unit else None
        return out


class PriorData:
    """Last year's reports, looked up by unit code, then by unit name."""

    def __init__(self, reports: Iterable[UnitReport]):
        self.reports = list(reports)

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path]) -> PriorData:
        reports = []
        for p in expand_paths(list(paths)):
            loaded = load_any(p)
            if loaded.report is not None:
                reports.append(loaded.report)
        return cls(reports)

    def find(self, report: UnitReport) -> UnitReport | None:
        """The same unit's prior report: by code, then by name; never another unit's (false X-CARRY)."""
        if len(self.reports) == 1 and not report.unit_code and not report.unit_name:
            return self.reports[0]
        if report.unit_code:
            for r in self.reports:
                if r.unit_code and r.unit_code == report.unit_code:
                    return r
        name = normalize_name(report.unit_name)
        for r in self.reports:
            if name and normalize_name(r.unit_name) == name:
                return r
        if len(self.reports) == 1 and not (self.reports[0].unit_name or self.reports[0].unit_code):
            return self.reports[0]  # a prior file without identity, given for this one unit
        return None


def validate_report(
    report: UnitReport,
    *,
    form: Form | None = None,
    prior: UnitReport | None = None,
    prior_given: bool = False,
) -> list[Finding]:
    """Every rule of the report's form on one report; says so when last year's data were asked for but missing."""
    form = form or load_form(report.form)
    findings = check(form, report, prior)
    if prior is None and prior_given:
        cross = ", ".join(r.id for r in form.rules if r.cross_year)
        findings.append(tool_finding("PRIOR-MISSING", rules=cross))
    return findings


def validate_loaded(
    loaded: Loaded, *, prior: PriorData | None = None, roster: Roster | None = None, year: int | None = None
) -> FileResult:
    """Rules + identity checks for one file already read; with a roster, the roster unit it is from."""
    findings = list(loaded.findings)
    rep = loaded.report
    att = None
    if roster is not None:
        from xltool.identity import attribute

        att = attribute(rep, loaded.findings, loaded.path, roster)
    if rep is not None:
        try:
            form = load_form(rep.form)
        except Exception:
            findings.append(tool_finding("JSON-INVALID", reason=f"未知报表格式 {rep.form}"))
            return FileResult(str(loaded.path), rep, sort_findings(findings), att)
        p = prior.find(rep) if prior else None
        if p is not None and p is rep:
            p = None
        rule_findings = validate_report(rep, form=form, prior=p, prior_given=prior is not None)
        partial = set(rep.meta.get("incomplete_tables") or ())
        if partial:
            # the reader could not find all of these tables' rows/columns and said so (TABLE-*): their
            # sums and blanks would only repeat that, and "not filled in" would be the tables not found;
            # findings about cells that were read (VALUE-TYPE …) stay
            rule_findings = [
                f
                for f in rule_findings
                if form.rule_map.get(f.rule) is None
                or (f.table not in partial or form.rule_map[f.rule].kind not in ("equation", "value-blank"))
                and form.rule_map[f.rule].kind != "value-empty"
            ]
        findings += rule_findings
        from xltool.identity import identity_findings

        findings += identity_findings(
            rep, roster=roster, year=year, file=loaded.path, found=loaded.findings, attribution=att
        )
    return FileResult(str(loaded.path), rep, sort_findings(findings), att)


def attribute_results(results: list[FileResult], roster: Roster | None) -> list[FileResult]:
    """Give every result made without its roster unit (a worker that died on its file) that unit, in place."""
    if roster is not None:
        from xltool.identity import attribute

        for r in results:
            if r.attribution is None:
                r.attribution = attribute(r.report, r.findings, r.file, roster)
    return results


def validate_paths(
    paths: Iterable[str | Path],
    *,
    prior: PriorData | None = None,
    roster: Roster | None = None,
    year: int | None = None,
    progress: Callable[[Path], None] | None = None,
    jobs: int | None = 1,
) -> list[FileResult]:
    """Read and validate every file (folders searched recursively).

    `jobs`: processes reading the files (`xltool.parallel`): 1 here, 0 or None one per core; same results.
    """
    if jobs != 1:
        from xltool.parallel import validate_files

        files = expand_paths(list(paths))
        got = validate_files(files, prior=prior, roster=roster, year=year, jobs=jobs, progress=progress)
        return attribute_results(got, roster)
    results = []
    for path in expand_paths(list(paths)):
        loaded = load_any(path)
        results.append(validate_loaded(loaded, prior=prior, roster=roster, year=year))
        if progress:
            progress(path)
    return results
