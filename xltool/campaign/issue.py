"""Issue the templates: one per roster unit into `outbox/`, each recorded (template id, hash, time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltool import __version__
from xltool.campaign.store import Campaign, load_report, now, sha256_file
from xltool.findings import Finding


@dataclass
class Issued:
    unit_code: str
    path: Path
    template_id: str | None
    sha256: str


def _template_id(path: Path) -> tuple[str | None, str | None]:
    """(unit code, template id) from a written template's metadata."""
    from xltool.reader_book import open_fast
    from xltool.reader_template import template_meta

    tm = template_meta(open_fast(path, "xlsx"))
    if tm is None:
        return None, None
    return tm.meta.get("unit_code") or None, tm.meta.get("template_id") or None


def issue_templates(
    campaign: Campaign,
    *,
    password: str | None = None,
    progress: Callable[[Path], Any] | None = None,
    findings: list[Finding] | None = None,
) -> list[Issued]:
    """Write every unit's template into outbox/ (上年结转 pre-filled from last year's data) and record them.

    Raises:
        CampaignBusy: another collect or templates run holds the campaign.
    """
    from xltool.schema import load_form
    from xltool.template import write_templates
    from xltool.validate import PriorData

    form = load_form(campaign.form_id)
    priors = [
        load_report(r[0]) for r in campaign.conn.execute("SELECT report FROM prior_reports WHERE unit_code IS NOT NULL")
    ]
    prior = PriorData([p for p in priors if p is not None]) if priors else None
    with campaign.lock("templates"):
        paths = write_templates(
            form,
            campaign.roster,
            campaign.outbox,
            year=campaign.year,
            password=password,
            prior=prior,
            progress=progress,
            findings=findings,
        )
        issued = []
        for u, p in zip(campaign.roster.units, paths, strict=True):
            code, tid = _template_id(p)
            issued.append(Issued(code or u.code, p, tid, sha256_file(p)))
        at = now()
        with campaign.write() as conn:
            for it in issued:
                conn.execute(
                    "INSERT INTO issued (unit_code, template_id, path, sha256, issued_at, tool_version) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (it.unit_code, it.template_id, str(it.path.relative_to(campaign.root)), it.sha256, at, __version__),
                )
                campaign.audit("issue", it.unit_code, template_id=it.template_id, file=it.path.name)
    return issued
