"""Last year's data for a campaign: from a folder of returns, last year's summary workbook, or last year's campaign.

Each unit's report is matched to this year's roster (code, then name) and kept in the database, so the
cross-year rules (X-CARRY, X-IN-FORCE) and the pre-filled 上年结转 do not depend on last year's files
staying where they were. A district summary only gives the district's totals: it is kept as such (the
summary compares with it) but cannot check a unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xltool.campaign.store import DB_NAME, CampaignError, Text
from xltool.identity import content_unit
from xltool.interchange import UnitReport
from xltool.roster import Roster


@dataclass
class PriorReport:
    unit_code: str | None
    """This year's roster code it belongs to; None for a district summary or a unit no longer in the roster."""
    name: str
    report: UnitReport
    source: str


def _is_summary(report: UnitReport) -> bool:
    return report.meta.get("level") == "consolidation" or bool(report.meta.get("consolidation"))


def load_prior(path: str | Path, roster: Roster) -> tuple[list[PriorReport], list[str]]:
    """Read last year's data. Returns the reports and notes for the clerk (files that could not be used; each
    note a `Text`: Chinese, with its English in ``.en``).

    Raises:
        CampaignError: the path holds nothing usable.
    """
    p = Path(path)
    notes: list[str] = []
    if (p.is_dir() and (p / DB_NAME).is_file()) or (p.is_file() and p.name == DB_NAME):
        reports = _from_campaign(p if p.is_dir() else p.parent)
        source_kind = "campaign"
    elif p.is_dir() or p.is_file():
        from xltool.sources import expand_paths, load_any

        reports = []
        for f in expand_paths([p]):
            loaded = load_any(f)
            if loaded.report is None:
                why = loaded.findings[0].title["zh"] if loaded.findings else "无法读取"
                why_en = loaded.findings[0].title["en"] if loaded.findings else "cannot be read"
                notes.append(Text(f"{f.name}：{why}，未使用", f"{f.name}: {why_en}; not used"))
                continue
            reports.append((loaded.report, str(f)))
        source_kind = "files"
    else:
        raise CampaignError(f"找不到上年数据：{p}", f"last year's data not found: {p}")
    out: list[PriorReport] = []
    seen: set[str] = set()
    for rep, src in reports:
        if _is_summary(rep):
            out.append(PriorReport(None, rep.unit_name or "汇总", rep, src))
            notes.append(
                Text(
                    f"{Path(src).name} 是上年汇总表，只含全区合计，不能用于各单位的跨年度校验",
                    f"{Path(src).name} is last year's summary: it holds the district's totals only and cannot "
                    "check a unit across years",
                )
            )
            continue
        u = content_unit(rep, roster)  # as files are attributed: 芝罘区科学技术局 is 烟台市芝罘区科学技术局
        if u is None:
            who = rep.unit_name or rep.unit_code
            notes.append(
                Text(
                    f"上年数据“{who}”不在今年的名单中，未使用",
                    f"last year's “{who}” is not in this year's roster; not used",
                )
            )
            continue
        if u.code in seen:
            notes.append(
                Text(
                    f"{u.name}有多份上年数据，使用第一份（{source_kind}）",
                    f"{u.name} has several sets of last year's data; the first is used ({source_kind})",
                )
            )
            continue
        seen.add(u.code)
        out.append(PriorReport(u.code, u.name, rep, src))
    if not out:
        raise CampaignError(f"{p} 中没有可用的上年数据", f"no usable data of last year in {p}")
    return out, notes


def _from_campaign(root: Path) -> list[tuple[UnitReport, str]]:
    """The effective version of each unit of last year's campaign (opened without changing it if current)."""
    from xltool.campaign.status import campaign_status
    from xltool.campaign.store import open_campaign

    with open_campaign(root, search=False) as old:
        st = campaign_status(old)
        out = []
        for u in st.units:
            if u.effective is None:
                continue
            rep = u.effective.report()
            if rep is None:
                continue
            rep.unit_code, rep.unit_name = u.unit.code, u.unit.name
            out.append((rep, f"{root / DB_NAME}#{u.effective.sha256}"))
    return out
