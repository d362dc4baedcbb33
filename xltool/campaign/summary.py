"""The campaign's consolidation: each unit's effective version (locked, else latest without errors) summed.

The versions' findings are taken as recorded at collect time with the campaign's 说明 attached, so the
summary's 问题清单 says exactly what `status` says. Each report is filed under the roster unit the
campaign decided (metadata, file name or the clerk), never re-guessed from its content.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.campaign.status import CampaignStatus, campaign_status, open_findings
from xltool.campaign.store import Campaign, CampaignError, load_report
from xltool.validate import FileResult, PriorData

if TYPE_CHECKING:  # pragma: no cover
    from xltool.consolidate import Consolidation


def effective_results(st: CampaignStatus) -> list[FileResult]:
    """One FileResult per unit with an effective version, its report filed under the roster unit."""
    out = []
    for u in st.units:
        v = u.effective
        if v is None:
            continue
        rep = v.report()
        if rep is None:  # pragma: no cover - a version without errors always has a report
            continue
        rep.unit_code, rep.unit_name = u.unit.code, u.unit.name
        rep.source["received_at"] = v.received_at
        rep.source["campaign_version"] = v.seq
        out.append(FileResult(v.file_name, rep, open_findings(v, u.explanations)))
    return out


def consolidate_campaign(campaign: Campaign) -> tuple[Consolidation, CampaignStatus]:
    """Consolidate the effective versions.

    Raises:
        CampaignError: no unit has a version that can be counted.
    """
    from xltool.consolidate import consolidate

    st = campaign_status(campaign)
    results = effective_results(st)
    if not results:
        raise CampaignError(
            "还没有可计入汇总的版本（每个单位需有一个无错误的版本）",
            "no version can be counted yet (a unit needs a version without errors)",
        )
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
    return cons, st


def write_campaign_summary(campaign: Campaign, out: str | Path) -> tuple[Consolidation, CampaignStatus, Path]:
    """Write the summary workbook and record in the audit trail which version of each unit it counted."""
    from xltool.summary_xlsx import write_summary

    cons, st = consolidate_campaign(campaign)
    path = write_summary(cons, Path(out))
    counted: dict[str, Any] = {
        u.unit.code: {"version": u.effective.seq, "sha256": u.effective.sha256} for u in st.units if u.effective
    }
    with campaign.write():
        campaign.audit("summary", None, file=str(Path(out).resolve()), counted=counted, ok=cons.ok)
    return cons, st, path
