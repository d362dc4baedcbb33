"""The campaign's consolidation: each unit's effective version (locked, else latest without errors) summed.

What is handed to `consolidate` gives the picture `campaign status` gives:

- per unit one file: the version that counts; for a unit that sent only files with errors, its latest (so it is
  有错误 in 报送情况, not 未报); a unit that sent nothing is 未报; a unit taken off the roster is not due;
- the versions' findings as recorded at collect time, with the campaign's 说明 attached and the clerk's
  assignments settled (`status.open_findings`), so the summary's 问题清单 says what `status` says;
- each report filed under the roster unit the campaign decided (metadata, file name or the clerk), never
  re-guessed from its content: the identity checks consolidate runs on a report filed so find nothing the
  campaign has not settled (`_settle_refiled`) — a file the clerk assigned counts as it does in `status`.

The workbook's 报送情况 then shows, beside each unit's counted file, the campaign's state, the versions left out
for errors, the 说明, the clerk's decisions with their reasons, and the time each file was received
(`CampaignConsolidation`); its headline is the campaign's own (`CampaignStatus.header`).
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.campaign.status import (
    FILED_BY_CAMPAIGN,
    CampaignStatus,
    UnitStatus,
    Version,
    campaign_status,
    template_reused,
)
from xltool.campaign.store import Campaign, CampaignError, load_report
from xltool.findings import Finding, sort_findings
from xltool.interchange import UnitReport
from xltool.roster import Roster
from xltool.validate import FileResult, PriorData

if TYPE_CHECKING:  # pragma: no cover
    from xltool.consolidate import Consolidation


def handed_version(u: UnitStatus) -> Version | None:
    """The version of a unit the summary is given: the one that counts, else the latest (with errors)."""
    return u.effective or u.latest


def effective_results(
    st: CampaignStatus, roster: Roster | None = None, year: int | None = None, form: str = "gov-disclosure-2021"
) -> list[FileResult]:
    """One FileResult per unit that sent something: the version that counts, else its latest (errors), its
    report filed under the roster unit. With `roster`, the identity checks `consolidate` runs on such a report
    are settled beforehand (`_settle_refiled`). `form`: the campaign's form (for a version that could not be read)."""
    out = []
    for u in st.units:
        v = handed_version(u)
        if v is None:
            continue
        rep = v.report() or _unreadable(v, u, st.year, form)
        original = v.report()
        rep.unit_code, rep.unit_name = u.unit.code, u.unit.name
        rep.source["received_at"] = v.received_at
        rep.source["campaign_version"] = v.seq
        rep.source["sha256"] = v.sha256
        findings = u.version_findings(v)
        if roster is not None and original is not None:
            findings = _settle_refiled(rep, original, findings, roster, year, u, v)
        out.append(FileResult(v.shown_name, rep, findings))
    return out


def _unreadable(v: Version, u: UnitStatus, year: int, form: str) -> UnitReport:
    """A stand-in for a version that could not be read at all (no report): it names the unit, holds no values and
    carries the version's findings, so that the unit is 有错误 in the summary, never 未报."""
    return UnitReport(
        form=form,
        year=year,
        unit_name=u.unit.name,
        unit_code=u.unit.code,
        values={},
        source={"file": v.file_name, "sha256": v.sha256},
        meta={"unreadable": True},
    )


def _settle_refiled(
    rep: UnitReport,
    original: UnitReport,
    findings: list[Finding],
    roster: Roster,
    year: int | None,
    u: UnitStatus,
    v: Version,
) -> list[Finding]:
    """The findings of a report filed under the campaign's unit, such that consolidate's identity checks add
    nothing: anything those checks would say of the refiled report that the version's findings do not say
    already comes from the refiling, not from the file (another unit's template the clerk assigned, a unit
    renamed on the roster). It is added as the 提示 it is — in the right direction: TEMPLATE-REUSED names the
    template's own unit and the unit the campaign filed it under."""
    from xltool.identity import identity_findings

    have = {f.rule for f in findings}
    extra = [f for f in identity_findings(rep, roster=roster, year=year) if f.rule not in have]
    if not extra:
        return findings
    settled = []
    for f in extra:
        if f.rule == "TEMPLATE-REUSED":
            f = template_reused(original, u.unit.name, FILED_BY_CAMPAIGN)
        settled.append(
            dataclasses.replace(
                f,
                severity="info",
                fix={
                    "zh": f"收集时已认定为“{u.unit.name}”的{v.label}，按该单位的报表汇总。",
                    "en": f"Filed by the campaign as {v.label_in('en')} of “{u.unit.name}”; counted as that unit's.",
                },
            )
        )
    return sort_findings(findings + settled)


def consolidate_campaign(campaign: Campaign) -> tuple[Consolidation, CampaignStatus]:
    """Consolidate the effective versions (and show the units whose versions all have errors as such).

    Raises:
        CampaignError: no unit has a version that can be counted.
    """
    from xltool.consolidate import consolidate

    st = campaign_status(campaign)
    if not any(u.effective for u in st.units):
        raise CampaignError(
            "还没有可计入汇总的版本（每个单位需有一个无错误的版本）",
            "no version can be counted yet (a unit needs a version without errors)",
        )
    results = effective_results(st, campaign.roster, campaign.year, campaign.form_id)
    priors = [load_report(r[0]) for r in campaign.conn.execute("SELECT report FROM prior_reports")]
    prior = PriorData([p for p in priors if p is not None]) if priors else None
    cons = consolidate(
        results,
        campaign.roster,
        year=campaign.year,
        prior=prior,
        form=campaign.form_id,
        unit_name=st.name or None,
    )
    return campaign_consolidation(cons, st), st


@functools.cache
def _consolidation_class() -> type:
    from xltool.consolidate import Consolidation

    class CampaignConsolidation(Consolidation):
        """A campaign's consolidation: its headline is the campaign's (`campaign status`'s counts), and its
        status table says when each file was received and what the campaign knows of the unit."""

        campaign: CampaignStatus

        def status_line(self, lang: str = "zh") -> str:
            return self.campaign.header(lang)

        @property
        def counts(self) -> dict[str, int]:
            """The consolidation's counts, with the campaign's files of unknown unit (`campaign status`'s
            未识别文件): the summary is handed only units' versions, so its own count would always be 0."""
            c = dict(super().counts)
            c["unidentified"] = self.campaign.counts()["unidentified"]
            return c

    return CampaignConsolidation


def campaign_consolidation(cons: Consolidation, st: CampaignStatus) -> Consolidation:
    """`cons` as the campaign's consolidation (`CampaignConsolidation`): the same data, the campaign's headline,
    and in its status (and files) table the time each file was received and, in 主要问题, the campaign's notes on
    the unit (`UnitStatus.summary_notes`) before the counted file's own problems."""
    cls = _consolidation_class()
    fields = dataclasses.fields(cons)
    out = cls(**{f.name: getattr(cons, f.name) for f in fields if f.init})
    for f in fields:
        if not f.init:
            setattr(out, f.name, getattr(cons, f.name))
    out.campaign = st
    by_code = {u.unit.code: u for u in st.units}
    status = out.status
    if len(status):
        received: list[Any] = []
        problems: list[str] = []
        for rec in status.to_dict(orient="records"):
            u = by_code.get(rec["code"])
            v = handed_version(u) if u is not None else None
            received.append(_when(v.received_at) if v is not None else rec["received"])
            notes = u.summary_notes() if u is not None and u.received else []
            problems.append("；".join(x for x in [*notes, rec["problems"] or ""] if x))
        status["received"] = _objects(received, status.index)
        status["problems"] = _objects(problems, status.index)
    files = out.files
    if len(files):
        by_sha = {v.sha256: v for u in st.units for v in u.versions}
        files["received"] = _objects(
            [
                _when(by_sha[s].received_at) if s in by_sha else r
                for s, r in zip(files["sha256"], files["received"], strict=True)
            ],
            files.index,
        )
    return out


def _objects(values: list[Any], index: Any) -> Any:
    """A column of plain values (pandas would turn datetimes with a None into datetime64 and NaT)."""
    import pandas as pd

    return pd.Series(values, index=index, dtype=object)


def _when(iso: str) -> datetime | None:
    try:
        return datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None


def write_campaign_summary(campaign: Campaign, out: str | Path) -> tuple[Consolidation, CampaignStatus, Path]:
    """Write the summary workbook and record in the audit trail which version of each unit it counted."""
    from xltool.consolidate import COUNTED
    from xltool.summary_xlsx import write_summary

    cons, st = consolidate_campaign(campaign)
    path = write_summary(cons, Path(out))
    counted: dict[str, Any] = {
        e.unit.code: {"version": e.report.source.get("campaign_version"), "sha256": e.sha256}
        for e in cons.entries
        if e.role == COUNTED and e.unit is not None and e.report is not None
    }
    with campaign.write():
        campaign.audit("summary", None, file=str(Path(out).resolve()), counted=counted, ok=cons.ok)
    return cons, st, path


def not_counted(cons: Consolidation, st: CampaignStatus) -> list[UnitStatus]:
    """Units whose version counts in `campaign status` but that the summary did not count (never expected: a
    summary that differs from the status is said, not hidden)."""
    from xltool.consolidate import COUNTED

    counted = {e.unit.code for e in cons.entries if e.role == COUNTED and e.unit is not None}
    return [u for u in st.units if u.effective is not None and u.unit.code not in counted]
