"""Validate inputs: read each file, run the form's rules (and the cross-year ones with last year's data).

This is the library behind `xltool validate`. Per file it never raises: a file that cannot be read
gets one finding that says why, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltool.findings import Finding, counts, sort_findings, tool_finding
from xltool.interchange import UnitReport
from xltool.roster import Roster, normalize_name
from xltool.rules import check
from xltool.schema import Form, load_form
from xltool.sources import Loaded, expand_paths, load_any


@dataclass
class FileResult:
    file: str
    report: UnitReport | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def unit(self) -> str | None:
        return self.report.unit_name if self.report else None

    @property
    def year(self) -> int | None:
        return self.report.year if self.report else None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "file": self.file,
            "unit": self.unit,
            "code": self.report.unit_code if self.report else None,
            "year": self.year,
            "form": self.report.form if self.report else None,
            "valid": self.valid,
            "counts": self.counts,
            "findings": [f.to_dict(lang) for f in self.findings],
        }


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
    """Rules + identity checks for one file already read."""
    findings = list(loaded.findings)
    rep = loaded.report
    if rep is not None:
        try:
            form = load_form(rep.form)
        except Exception:
            findings.append(tool_finding("JSON-INVALID", reason=f"未知报表格式 {rep.form}"))
            return FileResult(str(loaded.path), rep, sort_findings(findings))
        p = prior.find(rep) if prior else None
        if p is not None and p is rep:
            p = None
        rule_findings = validate_report(rep, form=form, prior=p, prior_given=prior is not None)
        partial = set(rep.meta.get("incomplete_tables") or ())
        if partial:
            # the reader could not find all of these tables' rows/columns and said so (TABLE-*): their sums
            # and blanks would only repeat that; findings about cells that were read (VALUE-TYPE …) stay
            rule_findings = [
                f
                for f in rule_findings
                if f.table not in partial
                or form.rule_map.get(f.rule) is None
                or form.rule_map[f.rule].kind not in ("equation", "value-blank")
            ]
        findings += rule_findings
        from xltool.identity import identity_findings

        findings += identity_findings(rep, roster=roster, year=year)
    return FileResult(str(loaded.path), rep, sort_findings(findings))


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
        return validate_files(files, prior=prior, roster=roster, year=year, jobs=jobs, progress=progress)
    results = []
    for path in expand_paths(list(paths)):
        loaded = load_any(path)
        results.append(validate_loaded(loaded, prior=prior, roster=roster, year=year))
        if progress:
            progress(path)
    return results
