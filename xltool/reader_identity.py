"""Identity checks that only a returned template allows: another unit's template reused, last year's template.

Called from `xltool.identity.identity_findings` for reports whose `meta` says they were read from a template.
The template's metadata is who the file *is*; the file name (the issued `<code>_<name>_<year>.xlsx`) and the
cover sheet are what the department *says* it is. A difference means a template was passed around or reused.
"""

from __future__ import annotations

from typing import Any

from xltool.filenames import CODE_BYTES, NAME_BYTES, as_in_filename
from xltool.findings import Finding, tool_finding
from xltool.identity import is_consolidation, year_mismatch
from xltool.interchange import UnitReport
from xltool.roster import Roster, normalize_name

_WHERE = {"cover": ("封面", "the cover"), "file_name": ("文件名", "the file name")}


def template_identity_findings(
    report: UnitReport, found: list[Finding], *, roster: Roster | None = None, year: int | None = None
) -> list[Finding]:
    """The identity findings of `identity_findings`, made specific for a report read from a template.

    Args:
        report: the report (its `meta` holds `template_id` and the `claimed` identities).
        found: what the generic checks found; a YEAR-MISMATCH is replaced by TEMPLATE-OLD-YEAR, but for a
            consolidation (a summary workbook, made by `xltool consolidate` and issued to nobody), which keeps
            YEAR-MISMATCH with the advice to consolidate this year's returns (`identity.year_mismatch`).
        roster: the district roster: a file name naming another roster unit is a reused template.
        year: the year being collected.

    Returns:
        The findings to report instead of `found`.
    """
    if report.meta.get("reader") != "template":
        return found
    out = list(found)
    claimed: dict[str, dict[str, Any]] = report.meta.get("claimed") or {}
    expected = year
    if expected is None:
        years = [c.get("year") for c in claimed.values() if isinstance(c.get("year"), int)]
        later = [y for y in years if report.year is not None and y > report.year]
        expected = max(later) if later else None
    if report.year is not None and expected is not None and report.year < expected:
        if is_consolidation(report):
            # a summary of last year's returns: nobody issued it a template, so "use the template issued for
            # this year" is no advice; it is YEAR-MISMATCH, and the returns of this year are to be consolidated
            if not any(f.rule == "YEAR-MISMATCH" for f in out):
                out.append(year_mismatch(report, report.year, expected))
        else:
            out = [f for f in out if f.rule != "YEAR-MISMATCH"]
            out.append(tool_finding("TEMPLATE-OLD-YEAR", found=report.year, expected=expected))
    reuse = _reused(report, claimed)
    if reuse is None and roster is not None:
        reuse = _named_in_file(report, roster)
    if reuse is not None:
        out.append(reuse)
    return out


def _same(a: str | None, b: str | None) -> bool:
    return normalize_name(a or "") == normalize_name(b or "")


def _short_for(a: str, b: str) -> bool:
    """The same unit's name, or one the other's short form (商务局 ~ 烟台市芝罘区商务局)."""
    x, y = normalize_name(a), normalize_name(b)
    return bool(x and y) and (x == y or (len(x) >= 2 and y.endswith(x)) or (len(y) >= 2 and x.endswith(y)))


def _names_unit(where: str, claimed: str, own: str, limit: int, same) -> bool:
    """The file name or cover names the template's own unit: as it is, or (file names) as xltool writes it in a
    file name, with / and : as "_" and a long name shortened (`xltool.filenames`)."""
    if where != "file_name":
        return same(claimed, own)
    return any(same(claimed, form) for form in as_in_filename(own, limit))


def _reused(report: UnitReport, claimed: dict[str, dict[str, Any]]) -> Finding | None:
    for where in ("cover", "file_name"):
        if where == "cover" and report.meta.get("unit_from") == "cover":
            continue  # a blank template: the cover is where the unit came from
        c = claimed.get(where)
        if not c:
            continue
        name, code = c.get("name"), c.get("code")
        differs = (
            name and report.unit_name and not _names_unit(where, name, report.unit_name, NAME_BYTES, _short_for)
        ) or (
            code and report.unit_code and not _names_unit(where, code, report.unit_code, CODE_BYTES, _same)
        )  # a short form of the name ("商务局" for 烟台市芝罘区商务局) is the same unit
        if differs:
            shown = name or code
            zh, en = _WHERE[where]
            return tool_finding(
                "TEMPLATE-REUSED",
                template_unit=report.unit_name or report.unit_code,
                where=zh,
                where_en=en,
                claimed=shown,
            )
    return None


def _named_in_file(report: UnitReport, roster: Roster) -> Finding | None:
    """The file name contains another roster unit's full name (and not this template's unit, however the roster
    writes it: 芝罘区汇总.xlsx, a summary of 烟台市芝罘区, beside a roster that says 芝罘区)."""
    src = str((report.source or {}).get("file", ""))
    name = src.replace("\\", "/").rsplit("/", 1)[-1]
    stem = normalize_name(name.rsplit(".", 1)[0]).upper()
    own = as_in_filename(report.unit_name, NAME_BYTES) if report.unit_name else ()
    if not stem or any(normalize_name(n).upper() in stem for n in own):
        return None
    hits = [u for u, _ in roster.named_in(name, kinds=("full",)).values()]  # an index: no scan of the roster
    mine = roster.match_name(report.unit_name) or roster.by_code(report.unit_code)
    hits = [u for u in hits if mine is None or u.code != mine.code]  # 芝罘区 is the roster's 烟台市芝罘区
    if not hits:
        return None
    other = max(hits, key=lambda u: len(normalize_name(u.name)))
    if _same(other.name, report.unit_name) or (report.unit_code and _same(other.code, report.unit_code)):
        return None
    return tool_finding(
        "TEMPLATE-REUSED",
        template_unit=report.unit_name or report.unit_code,
        where="文件名",
        where_en="the file name",
        claimed=other.name,
    )
