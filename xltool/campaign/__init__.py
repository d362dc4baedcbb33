"""A year's collection campaign in a folder: SQLite state, stored files, versions, 说明, decisions, audit.

Library behind `xltool campaign`:

    c = init_campaign("2021收集", year=2021, roster="roster.csv", prior="2020收集")
    issue_templates(c)
    run = collect(c, ["inbox/"])
    print(campaign_status(c).header())
    explain(c, resolve_unit(c, "民政局"), "X-CARRY", "上年结转口径调整")
    assign(c, "3f9a2c01b7", resolve_unit(c, "科学技术局"))  # a file 待确认归属 or unidentified
    apply_roster(c, compare_roster(c, "名单2.csv"))  # the roster changed mid-season
    write_campaign_summary(c, "汇总.xlsx")
"""

from __future__ import annotations

from pathlib import Path

from xltool.campaign.actions import accept, assign, explain, find_version, lock, reopen
from xltool.campaign.collect import Collected, Collector, CollectRun, collect, filename_unit, identify
from xltool.campaign.issue import issue_templates
from xltool.campaign.log import entries as audit_entries
from xltool.campaign.prior import load_prior
from xltool.campaign.roster_update import RosterChange, apply_roster, compare_roster
from xltool.campaign.status import (
    ACCEPTED,
    ERRORS,
    ISSUED,
    LOCKED,
    NOT_ISSUED,
    PENDING,
    PENDING_ASSIGNMENT,
    REOPENED,
    CampaignStatus,
    UnitStatus,
    campaign_status,
    pending_files,
    status_of,
)
from xltool.campaign.store import (
    DB_NAME,
    SCHEMA_VERSION,
    Campaign,
    CampaignBusy,
    CampaignError,
    WrongRule,
    create_campaign,
    dump_report,
    find_root,
    open_campaign,
    resolve_unit,
)
from xltool.campaign.summary import consolidate_campaign, write_campaign_summary

__all__ = [
    "ACCEPTED",
    "DB_NAME",
    "ERRORS",
    "ISSUED",
    "LOCKED",
    "NOT_ISSUED",
    "PENDING",
    "PENDING_ASSIGNMENT",
    "REOPENED",
    "SCHEMA_VERSION",
    "Campaign",
    "CampaignBusy",
    "CampaignError",
    "CampaignStatus",
    "CollectRun",
    "Collected",
    "Collector",
    "RosterChange",
    "UnitStatus",
    "WrongRule",
    "accept",
    "apply_roster",
    "assign",
    "audit_entries",
    "campaign_status",
    "collect",
    "compare_roster",
    "consolidate_campaign",
    "explain",
    "filename_unit",
    "find_root",
    "find_version",
    "identify",
    "init_campaign",
    "issue_templates",
    "lock",
    "open_campaign",
    "pending_files",
    "reopen",
    "resolve_unit",
    "status_of",
    "write_campaign_summary",
]


def init_campaign(
    root: str | Path,
    *,
    year: int,
    roster: str | Path,
    prior: str | Path | None = None,
    form: str = "gov-disclosure-2021",
    name: str | None = None,
) -> tuple[Campaign, list[str]]:
    """Create a campaign folder for `year` with the roster (copied in) and last year's data.

    Returns:
        The open campaign and notes for the clerk about last year's data (files not used, and why).

    Raises:
        CampaignError / UsageError: the folder is a campaign already, bad roster, unusable prior data.
    """

    from xltool.campaign.store import write_atomic
    from xltool.roster import load_roster
    from xltool.schema import load_form

    load_form(form)  # fails early on an unknown form id
    ros = load_roster(roster)
    if not ros.units:
        raise CampaignError(f"名单 {Path(roster).name} 中没有单位", f"no units in the roster {Path(roster).name}")
    root = Path(root)
    if (root / DB_NAME).exists():
        raise CampaignError(
            f"{root.resolve()} 已经是一个收集文件夹（{DB_NAME} 已存在），不会覆盖",
            f"{root.resolve()} is a campaign folder already ({DB_NAME} exists); it is not overwritten",
        )
    priors, notes = load_prior(prior, ros) if prior is not None else ([], [])
    notes = [*ros.notes, *notes]  # how the roster was read (rows left out, hidden rows), then last year's data
    root.mkdir(parents=True, exist_ok=True)
    kept = root / f"名单{Path(roster).suffix.lower()}"
    if Path(roster).resolve() != kept.resolve():
        write_atomic(kept, Path(roster).read_bytes())
    c = create_campaign(root, year=year, roster=ros, form_id=form, name=name or ros.district_prefix, roster_file=kept)
    if priors:
        with c.write() as conn:
            for p in priors:
                conn.execute(
                    "INSERT INTO prior_reports (unit_code, name, report, source) VALUES (?, ?, ?, ?)",
                    (p.unit_code, p.name, dump_report(p.report), p.source),
                )
            c.audit(
                "prior",
                None,
                source=str(Path(prior).resolve()) if prior else None,
                units=sum(1 for p in priors if p.unit_code),
                district=sum(1 for p in priors if p.unit_code is None),
                notes=notes,
            )
    return c, notes
