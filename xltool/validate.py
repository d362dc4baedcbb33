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
from xltool.roster import Roster, Unit, normalize_name
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
    named_unit: Unit | None = None
    """Validated with a roster: the roster unit the file's name names when its content is another roster unit's
    (`name_names_another`): consolidate counts such a file for neither unit (文件名与内容不是同一单位)."""

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def unit(self) -> str | None:
        """The unit the file is from, as shown (Chinese): see `shown`."""
        return self.shown()[0]

    @property
    def code(self) -> str | None:
        """The unit code shown with `unit`: see `shown`."""
        return self.shown()[1]

    def shown(self, lang: str = "zh") -> tuple[str | None, str | None]:
        """(unit, unit code) shown for the file, as consolidate files it.

        Validated with a roster and attributed to a roster unit (by its content, or by its name when the content
        names none): that unit's roster name and code — a workbook without a code cell, a CSV, a code typed
        differently all show the roster's. A file whose name names another roster unit than its content
        (`named_unit`): neither unit's, shown as consolidate's 报送情况 shows it (待确认（内容属于…，文件名指向…）)
        without a code. Otherwise what the file itself says.
        """
        rep = self.report
        att = self.attribution
        if att is not None and att.unit is not None:
            if self.named_unit is not None:
                return pending_text(att.unit, self.named_unit, lang), None
            return att.unit.name, att.unit.code
        return (rep.unit_name, rep.unit_code) if rep else (None, None)

    @property
    def year(self) -> int | None:
        return self.report.year if self.report else None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        unit, code = self.shown(lang)
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
            if self.named_unit is not None:  # counted for neither by consolidate
                out["file_name_unit"] = {"code": self.named_unit.code, "name": self.named_unit.name}
        return out


def pending_text(content: Unit, named: Unit, lang: str = "zh") -> str:
    """Who a file named for one roster unit with another's content is from, as the unit column shows it."""
    if lang == "en":
        return f"to be confirmed (content: {content.name}; file name: {named.name})"
    return f"待确认（内容属于{content.name}，文件名指向{named.name}）"


def name_names_another(report: UnitReport | None, unit: Unit | None, file: str | Path, roster: Roster) -> Unit | None:
    """The roster unit a file's name names when its content is another roster unit's (`unit`), else None.

    The same test as `xltool campaign collect`'s 待确认归属 and consolidate's 文件名与内容不是同一单位
    (`roster.filename_unit`: the code, the full name or the name without the district prefix, and no second
    unit). Not asked of a file whose unit came from its name in the first place, nor of a campaign's version
    (the campaign, or its clerk, decided its unit).
    """
    from xltool.identity import claims_unit

    if report is None or unit is None or not claims_unit(report):
        return None
    if report.source.get("campaign_version") is not None:
        return None
    from xltool.roster import filename_unit

    named = filename_unit(Path(file).name, roster)
    return named if named is not None and named.code != unit.code else None


def figure(raw: Any) -> Any:
    """A cell's raw value as the number consolidate sums for it (`values.parse_value`: 215.950247 read from a
    workbook and Decimal('215.950247') from JSON, "１２" and 12, a blank and 0 are the same figure), or, for a
    value that is no number ("约10"), its text: what two returns of one unit are compared by."""
    from xltool.values import parse_value

    parsed = parse_value(raw, "decimal")  # an integer is a decimal too: 12 and Decimal("12.0") are one figure
    if parsed.status == "invalid":
        return ("text", str(raw).strip())
    return parsed.value


def differing_cells(reports: list[UnitReport]) -> int:
    """How many cells hold different figures (`figure`) in these reports of one unit."""
    keys = set().union(*(rep.values for rep in reports))
    return sum(1 for k in keys if len({figure(rep.values.get(k)) for rep in reports}) > 1)


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
    att = named = None
    if roster is not None:
        from xltool.identity import attribute

        att = attribute(rep, loaded.findings, loaded.path, roster)
        named = name_names_another(rep, att.unit, loaded.path, roster)
    if rep is not None:
        try:
            form = load_form(rep.form)
        except Exception:
            findings.append(tool_finding("JSON-INVALID", reason=f"未知报表格式 {rep.form}"))
            return FileResult(str(loaded.path), rep, sort_findings(findings), att, named)
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
        unsplit = set(rep.meta.get("unsplit") or ())
        if unsplit and any(f.rule == "T3-OTHER-UNSPLIT" for f in findings):
            # （六）其他处理 printed as one row: its 1./2. items are blank because they are unknown, which
            # T3-OTHER-UNSPLIT says; a VALUE-BLANK naming just those cells would contradict it
            rule_findings = [f for f in rule_findings if not (f.rule == "VALUE-BLANK" and set(f.keys) <= unsplit)]
        findings += rule_findings
        from xltool.identity import identity_findings

        findings += identity_findings(
            rep, roster=roster, year=year, file=loaded.path, found=loaded.findings, attribution=att
        )
    return FileResult(str(loaded.path), rep, sort_findings(findings), att, named)


def attribute_results(results: list[FileResult], roster: Roster | None) -> list[FileResult]:
    """Give every result made without its roster unit (a worker that died on its file) that unit, in place."""
    if roster is not None:
        from xltool.identity import attribute

        for r in results:
            if r.attribution is None:
                r.attribution = attribute(r.report, r.findings, r.file, roster)
                r.named_unit = name_names_another(r.report, r.attribution.unit, r.file, roster)
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
