"""Where every unit stands: its versions, which one counts, its state, its open problems; the 催报 text.

State of a unit (what the clerk sees), decided in this order:
- 已锁定: the clerk locked a version; it counts whatever arrives later;
- 未发 / 已发未收: nothing received (a template was, or was not, issued);
- 已收有错误: the latest version has an error;
- 已收待说明: the latest version has a 警告 without a 说明, and the clerk has not accepted that version;
- 已重新打开: the clerk reopened the unit (`reopen`) and its latest version is still the one it reopened: it is
  no longer 已接受 until the clerk accepts it again (or a newer version arrives);
- 已接受: the latest version has no error and every 警告 is explained (or the clerk accepted it).

The version that counts in the summary (effective): the locked one, else the latest without errors.

A file whose content is one unit's (template metadata) but whose name points at another is 待确认归属
(pending assignment): it is recorded, but it is nobody's version — it changes no unit's state and cannot
count — until the clerk settles it with `xltool campaign assign`. Status lists it with the exact commands.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xltool.campaign.collect import IDENTITY_RULES
from xltool.campaign.store import Campaign, load_findings, load_report, loads
from xltool.findings import SEVERITY_ZH, Finding, sort_findings
from xltool.interchange import UnitReport
from xltool.roster import Unit

NOT_ISSUED = "未发"
ISSUED = "已发未收"
ERRORS = "已收有错误"
PENDING = "已收待说明"
ACCEPTED = "已接受"
LOCKED = "已锁定"
REOPENED = "已重新打开"
STATES = (NOT_ISSUED, ISSUED, ERRORS, PENDING, REOPENED, ACCEPTED, LOCKED)
STATE_ID = {
    NOT_ISSUED: "not-issued",
    ISSUED: "issued",
    ERRORS: "errors",
    PENDING: "needs-explanation",
    REOPENED: "reopened",
    ACCEPTED: "accepted",
    LOCKED: "locked",
}
"""Stable ids of the states (JSON)."""
STATE_EN = {
    NOT_ISSUED: "not issued",
    ISSUED: "issued, not received",
    ERRORS: "received, errors",
    PENDING: "received, needs explanation",
    REOPENED: "reopened, to be accepted again",
    ACCEPTED: "accepted",
    LOCKED: "locked",
}
CLERK_CONFIRMED = {"zh": "政务公开办已确认单位归属", "en": "the unit was confirmed by the clerk"}
PENDING_ASSIGNMENT = "待确认归属"

AWAITS_ASSIGNMENT_SQL = "(unit_code IS NOT NULL AND name_unit IS NOT NULL AND identified_by != 'clerk')"
"""SQL: a version whose file name points at another unit than its content, not yet settled by the clerk.
(Written without a table alias: use it on `versions` only.)"""


@dataclass
class Version:
    """One recorded version (a distinct file received)."""

    id: int
    sha256: str
    unit_code: str | None
    seq: int | None
    received_at: str
    source_path: str
    file_name: str
    stored: str
    identified_by: str
    name_unit: str | None
    template_id: str | None
    errors: int
    warnings: int
    infos: int
    feedback: list[str]
    _findings: str = field(repr=False, default="[]")
    _report: str | None = field(repr=False, default=None)
    assigned_at: str | None = None
    """When the clerk assigned the file to its unit (`assign`), else None."""
    assigned_why: str | None = None
    """How the clerk confirmed the unit (`assign --why`)."""

    @classmethod
    def from_row(cls, r: Any) -> Version:
        return cls(
            r["id"],
            r["sha256"],
            r["unit_code"],
            r["seq"],
            r["received_at"],
            r["source_path"],
            r["file_name"],
            r["stored"],
            r["identified_by"],
            r["name_unit"],
            r["template_id"],
            r["errors"],
            r["warnings"],
            r["infos"],
            loads(r["feedback"]) or [],
            r["findings"],
            r["report"],
            r["assigned_at"],
            r["assigned_why"],
        )

    @property
    def label(self) -> str:
        return f"第{self.seq}版" if self.seq else self.sha256[:12]

    def label_in(self, lang: str = "zh") -> str:
        """`label` in `lang`: 第2版 / version 2 (the start of its sha256 while it has no number)."""
        if lang == "en":
            return f"version {self.seq}" if self.seq else self.sha256[:12]
        return self.label

    @property
    def shown_name(self) -> str:
        """The file name as the clerk should see it: a garbled name repaired (`filenames.display_name`)."""
        from xltool.filenames import display_name

        return display_name(self.file_name)

    def name_in(self, lang: str = "zh") -> str:
        """The file name, and the name as received when it was garbled: 财政局.xlsx（原文件名：²ÆÕþ¾Ö.xlsx）."""
        from xltool.filenames import shown_name

        return shown_name(self.file_name, lang)

    @property
    def assigned(self) -> bool:
        """The clerk settled the file's unit (`assign`)."""
        return self.identified_by == "clerk"

    @property
    def awaits_assignment(self) -> bool:
        """Content of `unit_code`, name of `name_unit`, not yet settled: 待确认归属 (see AWAITS_ASSIGNMENT_SQL)."""
        return self.unit_code is not None and self.name_unit is not None and self.identified_by != "clerk"

    def findings(self) -> list[Finding]:
        return load_findings(self._findings)

    def report(self) -> UnitReport | None:
        return load_report(self._report)


VERSION_COLUMNS = (
    "id, sha256, unit_code, seq, received_at, source_path, file_name, stored, identified_by, name_unit, "
    "template_id, errors, warnings, infos, feedback, findings, report, assigned_at, assigned_why"
)


def open_findings(
    v: Version, explanations: dict[str, str], unit: Unit | None = None, former: set[str] | None = None
) -> list[Finding]:
    """A version's findings as they stand now: the unit's 说明 attached to its warnings; for a file the clerk
    assigned (`assign`), the identity findings turned into 提示 that say the clerk settled them (their advice to
    run `assign` dropped), another unit's template said in the right direction (TEMPLATE-REUSED: the template's
    unit, then the unit the clerk confirmed), and CAMP-ASSIGNED saying who confirmed what, and why.

    `unit`: the unit the version is filed under (its name for the texts; the code is used without it).
    `former`: the unit's former names (`roster_update.former_names`): a version collected before the roster
    renamed the unit, or before collect knew former names, that gives one is the unit's — its UNIT-MISMATCH /
    UNIT-UNKNOWN become CAMP-RENAMED. CAMP-REMOVED-UNIT is dropped once the unit is on the roster again."""
    found = v.findings()
    if unit is not None:
        found = [f for f in found if f.rule != "CAMP-REMOVED-UNIT"]
        if former:
            found = renamed_findings(v, unit, former, found)
    if v.assigned:
        found = found + assignment_findings(v, unit, found)
    out = []
    for f in found:
        if v.assigned and f.rule in IDENTITY_RULES:
            f = settled(f, v, unit)
        elif f.severity == "warning" and not f.explanation and f.rule in explanations:
            f = dataclasses.replace(f, explanation=explanations[f.rule])
        out.append(f)
    return sort_findings(out)


def renamed_findings(v: Version, unit: Unit, former: set[str], found: list[Finding]) -> list[Finding]:
    """`found` with a UNIT-MISMATCH / UNIT-UNKNOWN that only says the file gives the unit's former name replaced
    by CAMP-RENAMED (an info)."""
    if not any(f.rule in ("UNIT-MISMATCH", "UNIT-UNKNOWN") for f in found):
        return found
    from xltool.findings import tool_finding
    from xltool.identity import former_unit
    from xltool.roster import Roster

    report = v.report()
    if former_unit(report, Roster((unit,)), {unit.code: former}) is None:
        return found
    assert report is not None
    out = [f for f in found if f.rule not in ("UNIT-MISMATCH", "UNIT-UNKNOWN")]
    if not any(f.rule == "CAMP-RENAMED" for f in out):
        out.append(tool_finding("CAMP-RENAMED", code=unit.code, unit=unit.name, old=(report.unit_name or "").strip()))
    return out


def _reason(v: Version, lang: str) -> str:
    why = (v.assigned_why or "").strip()
    if not why:
        return ""
    return f"（{why}）" if lang == "zh" else f" ({why})"


def settled(f: Finding, v: Version, unit: Unit | None) -> Finding:
    """An identity finding of a file the clerk assigned: a 提示 whose handling says the clerk confirmed the unit
    (the old advice, "run xltool campaign assign …", no longer applies)."""
    who = unit.name if unit is not None else (v.unit_code or "")
    fix = {
        "zh": f"已由政务公开办确认属于“{who}”{_reason(v, 'zh')}，按该单位的报表处理。",
        "en": f"The clerk confirmed the file as “{who}”'s{_reason(v, 'en')}; it is handled as that unit's return.",
    }
    return dataclasses.replace(f, severity="info", fix=fix)


def _designates(report: UnitReport, unit: Unit | None, code: str | None) -> bool:
    """Whether the unit a report's content names is `unit` (or the unit of `code`)."""
    from xltool.roster import normalize_name

    own_code = normalize_name(report.unit_code or "").upper()
    if own_code and own_code == normalize_name((unit.code if unit else code) or "").upper():
        return True
    if unit is None or not report.unit_name:
        return False
    a, b = normalize_name(report.unit_name), normalize_name(unit.name)
    return a == b or (len(a) >= 2 and b.endswith(a)) or (len(b) >= 2 and a.endswith(b))


def template_reused(report: UnitReport, unit_name: str, where: dict[str, str]) -> Finding:
    """TEMPLATE-REUSED in the right direction: the template is `report`'s unit's (as issued), and `where`
    (the clerk's confirmation, the campaign's filing) says `unit_name`."""
    from xltool.findings import tool_finding

    return tool_finding(
        "TEMPLATE-REUSED",
        template_unit=report.unit_name or report.unit_code or "",
        where=where["zh"],
        where_en=where["en"],
        claimed=unit_name,
    )


CONFIRMED_BY_CLERK = {"zh": "政务公开办确认的单位", "en": "the unit the clerk confirmed"}
FILED_BY_CAMPAIGN = {"zh": "收集时认定的单位", "en": "the unit the campaign filed it under"}


def assignment_findings(v: Version, unit: Unit | None, found: list[Finding]) -> list[Finding]:
    """What a file the clerk assigned adds to its findings: CAMP-ASSIGNED, and TEMPLATE-REUSED when it is another
    unit's template and nothing says so yet."""
    from xltool.findings import tool_finding

    who = unit.name if unit is not None else (v.unit_code or "")
    out = [
        tool_finding(
            "CAMP-ASSIGNED",
            unit=who,
            why={"zh": _reason(v, "zh"), "en": _reason(v, "en")},
        )
    ]
    report = v.report()
    if (
        report is not None
        and report.meta.get("reader") == "template"
        and not any(f.rule == "TEMPLATE-REUSED" for f in found)
        and not _designates(report, unit, v.unit_code)
    ):
        out.append(template_reused(report, who, CONFIRMED_BY_CLERK))
    return out


@dataclass
class PendingFile:
    """A received file 待确认归属: its content is `unit`'s, its name points at `named`."""

    version: Version
    unit: Unit | None
    named: Unit | None
    names: tuple[str, str] = ("", "")
    """The names of the content's and the file name's units as shown (a unit taken off the roster is no `Unit`
    here — nothing can be assigned to it — but is still named)."""

    def commands(self) -> list[tuple[Unit, str]]:
        """(unit, the exact command that files it under that unit): the content's unit first."""
        out = []
        for u in (self.unit, self.named):
            if u is not None and all(u.code != x.code for x, _ in out):
                out.append((u, f"xltool campaign assign {self.version.sha256[:12]} {u.code}"))
        return out

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        v = self.version
        return {
            "sha256": v.sha256,
            "file": v.file_name,
            "source": v.source_path,
            "received": v.received_at,
            "content_unit": {"code": v.unit_code, "name": self.unit.name if self.unit else None},
            "named_unit": {"code": v.name_unit, "name": self.named.name if self.named else None},
            "commands": [{"code": u.code, "name": u.name, "command": cmd} for u, cmd in self.commands()],
            "problems": [_short(f, lang) for f in v.findings() if f.severity == "error"][:3],
        }


@dataclass
class Decision:
    state: str
    """`accepted` or `locked`."""
    version_id: int
    at: str
    note: str


@dataclass
class Reopened:
    """The clerk reopened the unit (`reopen --why`) when `version_id` was its latest version."""

    version_id: int
    at: str
    why: str


@dataclass
class UnitStatus:
    unit: Unit
    state: str
    versions: list[Version]
    issued_at: str | None
    decision: Decision | None
    explanations: dict[str, str]
    latest: Version | None = None
    effective: Version | None = None
    findings: list[Finding] = field(default_factory=list)
    """The latest version's findings as they stand (说明 attached)."""
    reopened: Reopened | None = None
    """The clerk's reopening while it still holds (the latest version is the one reopened)."""
    former: set[str] = field(default_factory=set)
    """The unit's former names (renamed on the roster during the season): a version giving one is the unit's."""

    def version_findings(self, v: Version) -> list[Finding]:
        """One of the unit's versions' findings as they stand (说明 attached, the clerk's assignment settled)."""
        return self.findings if v is self.latest else open_findings(v, self.explanations, self.unit, self.former)

    @property
    def rejected(self) -> list[Version]:
        """Versions with errors newer than the one that counts (or every version, when none counts): what the
        unit sent that the summary leaves out, and why the unit is 有错误."""
        start = self.effective.seq or 0 if self.effective else 0
        return [v for v in self.versions if (v.seq or 0) > start and any(
            f.severity == "error" for f in self.version_findings(v))]  # fmt: skip

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning" and not f.explanation]

    @property
    def received(self) -> bool:
        return bool(self.versions)

    def problems(self, lang: str = "zh", limit: int = 3) -> list[str]:
        """The main problems, one short line each: errors, else unexplained warnings; which version counts."""
        if self.state == LOCKED:
            probs: list[Finding] = []
        elif self.errors:
            probs = self.errors
        else:
            probs = self.unexplained if self.state == PENDING else []
        lines = [_short(f, lang) for f in probs[:limit]]
        if len(probs) > limit:
            lines.append(f"等共 {len(probs)} 项" if lang == "zh" else f"{len(probs)} in all")
        if self.state == REOPENED and self.reopened is not None:
            lines.append(
                f"已重新打开（{self.reopened.why}），需重新接受"
                if lang == "zh"
                else f"reopened ({self.reopened.why}); to be accepted again"
            )
        if self.latest and self.effective and self.effective.id != self.latest.id:
            if lang == "zh":
                lines.append(
                    f"汇总采用{self.effective.label}（{'已锁定' if self.state == LOCKED else '最近一个无错误版本'}）"
                )
            else:
                why = "locked" if self.state == LOCKED else "latest without errors"
                lines.append(f"the summary uses version {self.effective.seq} ({why})")
        elif self.latest and self.effective is None and self.state == ERRORS:
            lines.append("尚无可计入汇总的版本" if lang == "zh" else "no version can be counted yet")
        counted = self.effective or self.latest
        if counted is not None and counted.assigned:
            lines.append(
                f"{counted.label}经政务公开办确认归属{_reason(counted, 'zh')}"
                if lang == "zh"
                else f"{counted.label_in('en')}: unit confirmed by the clerk{_reason(counted, 'en')}"
            )
        return lines

    def summary_notes(self, lang: str = "zh") -> list[str]:
        """What the summary's 报送情况 says of the unit besides the counted file's problems, so that it gives the
        picture `campaign status` gives: the state, the versions left out for errors, the 说明 given, the
        clerk's decision and its reason, an assignment."""
        zh = lang == "zh"
        out = [(f"收集状态：{self.state}" if zh else f"campaign state: {STATE_EN[self.state]}")]
        if self.effective is not None and self.latest is not None and self.effective.id != self.latest.id:
            why = (
                ("已锁定" if zh else "locked")
                if self.state == LOCKED
                else ("最近一个无错误版本" if zh else "latest without errors")
            )
            out.append(
                f"汇总采用{self.effective.label}（{why}）"
                if zh
                else f"counted: {self.effective.label_in('en')} ({why})"
            )
        for v in self.rejected:
            if v is (self.effective or self.latest):
                continue  # the file the summary is given: its problems are the row's own
            first = next((f for f in self.version_findings(v) if f.severity == "error"), None)
            what = _short(first, lang) if first is not None else ""
            out.append(
                f"{v.label}有错误，未计入：{what}" if zh else f"{v.label_in('en')} has errors, not counted: {what}"
            )
        d = self.decision
        if d is not None:
            ver = next((v.label_in(lang) for v in self.versions if v.id == d.version_id), "")
            what = ({"accepted": "接受", "locked": "锁定"} if zh else {"accepted": "accepted", "locked": "locked"})[
                d.state
            ]
            reason = (f"，理由：{d.note}" if zh else f", reason: {d.note}") if d.note else ""
            out.append(
                f"经办人{what}{ver}（{_time(d.at)}{reason}）"
                if zh
                else f"{what} {ver} by the clerk ({_time(d.at)}{reason})"
            )
        if self.state == REOPENED and self.reopened is not None:
            out.append(
                f"已重新打开（{_time(self.reopened.at)}，原因：{self.reopened.why}），需重新接受"
                if zh
                else f"reopened ({_time(self.reopened.at)}, reason: {self.reopened.why}); to be accepted again"
            )
        counted = self.effective or self.latest
        if counted is not None:
            for f in self.version_findings(counted):
                if f.severity == "warning" and f.explanation:
                    out.append(f"{f.rule} 已说明：{f.explanation}" if zh else f"{f.rule} explained: {f.explanation}")
            if counted.assigned:
                out.append(
                    f"{counted.label}经政务公开办确认归属{_reason(counted, 'zh')}"
                    if zh
                    else f"{counted.label_in('en')}: unit confirmed by the clerk{_reason(counted, 'en')}"
                )
        seen: set[str] = set()
        return [x for x in out if not (x in seen or seen.add(x))]  # one 说明 per rule, however many cells

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "code": self.unit.code,
            "name": self.unit.name,
            "category": self.unit.category,
            "state": STATE_ID[self.state],
            "state_label": self.state if lang == "zh" else STATE_EN[self.state],
            "versions": len(self.versions),
            "latest_version": self.latest.seq if self.latest else None,
            "latest_received": self.latest.received_at if self.latest else None,
            "latest_file": self.latest.file_name if self.latest else None,
            "effective_version": self.effective.seq if self.effective else None,
            "effective_sha256": self.effective.sha256 if self.effective else None,
            "issued_at": self.issued_at,
            "decision": dataclasses.asdict(self.decision) if self.decision else None,
            "reopened": dataclasses.asdict(self.reopened) if self.reopened else None,
            "assigned": bool(self.latest and self.latest.assigned),
            "counts": {
                "error": len(self.errors),
                "warning": sum(1 for f in self.findings if f.severity == "warning"),
                "unexplained": len(self.unexplained),
                "info": sum(1 for f in self.findings if f.severity == "info"),
            },
            "problems": self.problems(lang),
            "findings": [f.to_dict(lang) for f in self.findings],
        }


def _short(f: Finding, lang: str) -> str:
    if lang == "zh":
        return f"【{SEVERITY_ZH[f.severity]} {f.rule}】{f.title['zh']}"
    return f"[{f.severity} {f.rule}] {f.title['en']}"


def unit_status(
    unit: Unit,
    versions: list[Version],
    issued_at: str | None,
    decision: Decision | None,
    explanations: dict[str, str],
    reopened: Reopened | None = None,
    former: set[str] | None = None,
) -> UnitStatus:
    """The state of one unit from its versions (oldest first), issue, decision, 说明 and reopening; `former`: the
    unit's former names (`roster_update.former_names`)."""
    st = UnitStatus(unit, NOT_ISSUED, versions, issued_at, decision, explanations)
    st.former = set(former or ())
    valid = []
    for v in versions:
        fs = open_findings(v, explanations, unit, st.former)
        if not any(f.severity == "error" for f in fs):
            valid.append(v)
        if v is versions[-1]:
            st.latest, st.findings = v, fs
    by_id = {v.id: v for v in versions}
    if decision is not None and decision.state == "locked" and decision.version_id in by_id:
        st.state = LOCKED
        st.effective = by_id[decision.version_id]
        return st
    st.effective = valid[-1] if valid else None
    if not versions:
        st.state = ISSUED if issued_at else NOT_ISSUED
    elif st.errors:
        st.state = ERRORS
    elif st.unexplained and not (
        decision is not None and decision.state == "accepted" and st.latest and decision.version_id == st.latest.id
    ):
        st.state = PENDING
    elif reopened is not None and st.latest is not None and reopened.version_id == st.latest.id and decision is None:
        st.state, st.reopened = REOPENED, reopened
    else:
        st.state = ACCEPTED
    return st


@dataclass
class CampaignStatus:
    year: int
    name: str
    units: list[UnitStatus]
    unidentified: list[Version]
    """Versions that belong to no roster unit (yet)."""
    at: str
    pending: list[PendingFile] = field(default_factory=list)
    """Files 待确认归属: content of one unit, name of another; no unit's version until assigned."""
    removed: list[tuple[Unit, int]] = field(default_factory=list)
    """Units taken off the roster during the season and how many versions of theirs are kept (not due, not
    counted)."""

    def counts(self) -> dict[str, int]:
        s = [u.state for u in self.units]
        return {
            "expected": len(s),
            "received": sum(1 for u in self.units if u.received),
            "accepted": s.count(ACCEPTED),
            "locked": s.count(LOCKED),
            "pending": s.count(PENDING),
            "reopened": s.count(REOPENED),
            "errors": s.count(ERRORS),
            "missing": s.count(NOT_ISSUED) + s.count(ISSUED),
            "not_issued": s.count(NOT_ISSUED),
            "unidentified": len(self.unidentified),
            "pending_assignment": len(self.pending),
            "removed": len(self.removed),
        }

    def header(self, lang: str = "zh") -> str:
        """`应报 36｜已收 33｜已接受 28｜已锁定 1｜待说明 2｜有错误 2｜未报 3` (then 已重新打开, 未识别文件 and
        待确认归属 when there are any)."""
        c = self.counts()
        if lang == "en":
            line = (
                f"expected {c['expected']} | received {c['received']} | accepted {c['accepted']} | "
                f"locked {c['locked']} | needs explanation {c['pending']} | errors {c['errors']} | "
                f"missing {c['missing']}"
            )
            line += f" | reopened {c['reopened']}" if c["reopened"] else ""
            line += f" | unidentified files {c['unidentified']}" if c["unidentified"] else ""
            return line + (f" | pending assignment {c['pending_assignment']}" if c["pending_assignment"] else "")
        line = (
            f"应报 {c['expected']}｜已收 {c['received']}｜已接受 {c['accepted']}｜已锁定 {c['locked']}｜"
            f"待说明 {c['pending']}｜有错误 {c['errors']}｜未报 {c['missing']}"
        )
        line += f"｜{REOPENED} {c['reopened']}" if c["reopened"] else ""
        line += f"｜未识别文件 {c['unidentified']}" if c["unidentified"] else ""
        return line + (f"｜{PENDING_ASSIGNMENT} {c['pending_assignment']}" if c["pending_assignment"] else "")

    def missing(self) -> list[UnitStatus]:
        return [u for u in self.units if u.state in (NOT_ISSUED, ISSUED)]

    def with_state(self, state: str) -> list[UnitStatus]:
        return [u for u in self.units if u.state == state]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "year": self.year,
            "name": self.name,
            "at": self.at,
            "header": self.header(lang),
            "counts": self.counts(),
            "units": [u.to_dict(lang) for u in self.units],
            "missing": [{"code": u.unit.code, "name": u.unit.name} for u in self.missing()],
            "unidentified": [
                {
                    "sha256": v.sha256,
                    "file": v.file_name,
                    "shown_name": v.shown_name,
                    "source": v.source_path,
                    "received": v.received_at,
                    "problems": [_short(f, lang) for f in v.findings() if f.severity == "error"][:3],
                }
                for v in self.unidentified
            ],
            "pending_assignment": [p.to_dict(lang) for p in self.pending],
            "removed": [{"code": u.code, "name": u.name, "versions": n} for u, n in self.removed],
        }

    def text(self, lang: str = "zh") -> str:
        """The status table a clerk reads: header line, one row per unit, missing and unidentified lists."""
        zh = lang == "zh"
        head = ["代码", "单位", "状态", "版本", "最近收到", "主要问题"] if zh else [
            "code", "unit", "state", "versions", "latest received", "main problems"]  # fmt: skip
        rows = []
        for u in self.units:
            rows.append(
                [
                    u.unit.code,
                    u.unit.name,
                    u.state if zh else STATE_EN[u.state],
                    str(len(u.versions)) if u.versions else "",
                    _time(u.latest.received_at) if u.latest else "",
                    ("；" if zh else "; ").join(u.problems(lang)),
                ]
            )
        out = [self.header(lang), ""]
        out += _table(head, rows)
        miss = self.missing()
        out.append("")
        if miss:
            names = "、".join(u.unit.name for u in miss) if zh else ", ".join(u.unit.name for u in miss)
            out.append((f"未报单位（{len(miss)}）：" if zh else f"Missing ({len(miss)}): ") + names)
        else:
            out.append("所有单位均已报送。" if zh else "Every unit has reported.")
        if self.unidentified:
            out.append("")
            out.append(
                f"无法确定单位的文件（{len(self.unidentified)}），请用 xltool campaign assign 文件 单位 指定："
                if zh
                else f"Files of unknown unit ({len(self.unidentified)}); assign each: xltool campaign assign FILE UNIT"
            )
            for v in self.unidentified:
                errors = [f for f in v.findings() if f.severity == "error"]
                # the campaign's own reason first (it says why no unit: outside the roster, removed, unreadable)
                errors.sort(key=lambda f: f.rule != "CAMP-UNIDENTIFIED")
                why = errors[0].title["zh" if zh else "en"] if errors else ""
                out.append(f"  {v.sha256[:12]}  {v.name_in(lang)}  {_time(v.received_at)}  {why}")
        if self.pending:
            out.append("")
            out += pending_lines(self.pending, lang)
        if self.removed:
            out.append("")
            listed = [f"{u.name}（{n} 个版本）" if zh else f"{u.name} ({n} versions)" for u, n in self.removed]
            out.append(
                f"已从名单中移除的单位（{len(self.removed)}）：不再应报，不计入汇总，已收的版本仍保留："
                + "、".join(listed)
                if zh
                else f"Units taken off the roster ({len(self.removed)}): no longer due, never counted; their versions "
                "are kept: " + ", ".join(listed)
            )
        return "\n".join(out)

    def reminder(self, *, sender: str | None = None, deadline: str | None = None, lang: str = "zh") -> str:
        """A ready-to-send 催报 text naming the missing units, those with errors and those owing a 说明."""
        today = datetime.now()
        miss = self.missing()
        err = self.with_state(ERRORS)
        pend = self.with_state(PENDING)
        c = self.counts()
        if lang == "en":
            return _reminder_en(self, miss, err, pend, sender, deadline, today)
        sender = sender or default_sender(self.name)
        date = f"{today.year}年{today.month}月{today.day}日"
        title = f"关于报送{self.year}年度政府信息公开工作年度报告统计数据的提醒"
        lines = [title, "", "各有关单位："]
        lines.append(
            f"    截至{date}，{self.name}{self.year}年度政府信息公开工作年度报告统计数据应报 {c['expected']} 家，"
            f"已收 {c['received']} 家，已接受 {c['accepted'] + c['locked']} 家。"
            + ("现将有关情况提醒如下：" if (miss or err or pend) else "全部单位均已报送并通过校验，感谢各单位的支持。")
        )
        when = f"请于{deadline}前" if deadline else "请尽快"
        n = 0
        if miss:
            n += 1
            lines.append(f"    {_cn(n)}、以下 {len(miss)} 家单位尚未报送，{when}报送：")
            lines.append("        " + "；".join(u.unit.name for u in miss) + "。")
        if err:
            n += 1
            lines.append(f"    {_cn(n)}、以下 {len(err)} 家单位报送的数据未通过校验，{when}按反馈意见修改后重新报送：")
            for i, u in enumerate(err, 1):
                first = u.errors[0].title["zh"] if u.errors else ""
                more = f"（共 {len(u.errors)} 处错误）" if len(u.errors) > 1 else ""
                lines.append(f"        {i}. {u.unit.name}：{first}{more}")
        if pend:
            n += 1
            lines.append(f"    {_cn(n)}、以下 {len(pend)} 家单位的数据有警告，请核实；如数据无误，{when}书面说明原因：")
            for i, u in enumerate(pend, 1):
                rules = "；".join(f.title["zh"] for f in u.unexplained[:2])
                lines.append(f"        {i}. {u.unit.name}：{rules}")
        if miss or err or pend:
            lines.append("    报送时请使用下发的模板填写，不要改动表格结构。如有疑问，请与" + sender + "联系。")
        lines += ["", f"{sender}", date]
        return "\n".join(lines)


def default_sender(name: str | None) -> str:
    """Who signs a reminder unless --sender says: the office's own name ("烟台市芝罘区政务公开办"), in either
    language (an English letter is signed with the same name the Chinese one is)."""
    return f"{name}政务公开办" if name else "政务公开办"


def _reminder_en(st, miss, err, pend, sender, deadline, today) -> str:  # noqa: ANN001 - internal
    sender = sender or (default_sender(st.name) if st.name else "The government information disclosure office")
    when = f"by {deadline}" if deadline else "as soon as possible"
    c = st.counts()
    lines = [f"Reminder: {st.year} government information disclosure report figures", ""]
    lines.append(
        f"As of {today:%Y-%m-%d}: expected {c['expected']}, received {c['received']}, "
        f"accepted {c['accepted'] + c['locked']}."
    )
    if miss:
        lines.append(f"Not yet reported ({len(miss)}), please send {when}: " + "; ".join(u.unit.name for u in miss))
    if err:
        lines.append(f"Failed validation ({len(err)}), please correct and resend {when}:")
        lines += [f"  {u.unit.name}: {u.errors[0].title['en']}" for u in err if u.errors]
    if pend:
        lines.append(f"Warnings to explain ({len(pend)}):")
        lines += [f"  {u.unit.name}: {u.unexplained[0].title['en']}" for u in pend if u.unexplained]
    lines += ["", sender, f"{today:%Y-%m-%d}"]
    return "\n".join(lines)


def pending_lines(pending: list[PendingFile], lang: str = "zh") -> list[str]:
    """The 待确认归属 section: each file, whose content and name it carries, and the command for each answer."""
    zh = lang == "zh"
    out = [
        f"{PENDING_ASSIGNMENT}的文件（{len(pending)}）：内容与文件名指向不同单位，未计入任何单位；"
        "请向报送单位核实后运行相应命令："
        if zh
        else f"Files pending assignment ({len(pending)}): the content and the file name point at different units; "
        "they count for no unit until you run one of the commands:"
    ]
    for p in pending:
        v = p.version
        unit = p.unit.name if p.unit else (p.names[0] or v.unit_code)
        named = p.named.name if p.named else (p.names[1] or v.name_unit)
        if zh and p.named is None and v.name_unit:
            named += "（已从名单中移除）"
        if zh:
            out.append(
                f"  {v.sha256[:12]}  {v.name_in(lang)}  {_time(v.received_at)}  内容属于 {unit}，文件名指向 {named}"
            )
        else:
            out.append(f"  {v.sha256[:12]}  {v.name_in(lang)}  {_time(v.received_at)}  content: {unit}; name: {named}")
        for u, cmd in p.commands():
            out.append(f"    属于{u.name}：{cmd}" if zh else f"    if it is {u.name}'s: {cmd}")
    return out


def _cn(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _time(iso: str | None) -> str:
    """2022-01-10T09:12:03+08:00 -> 2022-01-10 09:12: the one way the campaign's commands show a time."""
    return (iso or "")[:16].replace("T", " ")


time_text = _time


def width(s: str) -> int:
    """Display width in a terminal: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - width(s))


MAX_COLUMN = 36
"""The widest a column other than the last may be, in terminal columns: one unit with a 130-character name
must not push every row's 主要问题 off the screen (the name is shortened with "…" in the table only)."""


def _fit(s: str, w: int) -> str:
    """`s` shortened to `w` terminal columns, its end replaced by "…" when it is longer."""
    if width(s) <= w:
        return s
    out, used = [], 1
    for ch in s:
        used += width(ch)
        if used > w:
            break
        out.append(ch)
    return "".join(out) + "…"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    cols = len(head)
    rows = [[_fit(c, MAX_COLUMN) if i < cols - 1 else c for i, c in enumerate(r)] for r in rows]
    widths = [max([width(head[i])] + [width(r[i]) for r in rows]) for i in range(cols - 1)]
    out = ["  ".join(_pad(head[i], widths[i]) for i in range(cols - 1)) + "  " + head[-1]]
    out.append("  ".join("-" * widths[i] for i in range(cols - 1)) + "  " + "-" * max(width(head[-1]), 8))
    for r in rows:
        out.append(("  ".join(_pad(r[i], widths[i]) for i in range(cols - 1)) + "  " + r[-1]).rstrip())
    return out


# --------------------------------------------------------------------------- reading the state


def load_versions(campaign: Campaign) -> list[Version]:
    return [
        Version.from_row(r)
        for r in campaign.conn.execute(f"SELECT {VERSION_COLUMNS} FROM versions ORDER BY unit_code, seq, id")
    ]


def campaign_status(campaign: Campaign) -> CampaignStatus:
    """Every roster unit's state, read in one snapshot of the database."""
    from xltool.campaign.store import now

    with campaign.snapshot() as conn:
        versions = load_versions(campaign)
        issued = {r[0]: r[1] for r in conn.execute("SELECT unit_code, MAX(issued_at) FROM issued GROUP BY unit_code")}
        decisions = {
            r["unit_code"]: Decision(r["state"], r["version_id"], r["at"], r["note"])
            for r in conn.execute("SELECT unit_code, state, version_id, at, note FROM decisions")
        }
        expl: dict[str, dict[str, str]] = {}
        for r in conn.execute("SELECT unit_code, rule, text FROM explanations"):
            expl.setdefault(r["unit_code"], {})[r["rule"]] = r["text"]
        reopened = {
            r["unit_code"]: Reopened(r["version_id"], r["at"], r["why"])
            for r in conn.execute("SELECT unit_code, version_id, at, why FROM reopened")
        }
    from xltool.campaign.roster_update import former_names

    former = former_names(campaign)
    by_unit: dict[str, list[Version]] = {}
    unidentified = []
    pending = []
    for v in versions:
        gone = removed_unit_of(campaign, v) if v.unit_code is None else None
        if gone is not None:  # recorded before collect filed such files under the removed unit
            by_unit.setdefault(gone.code, []).append(v)
        elif v.unit_code is None:
            unidentified.append(v)
        elif v.awaits_assignment:
            pending.append(_pending(campaign, v))
        else:
            by_unit.setdefault(v.unit_code, []).append(v)
    units = [
        unit_status(
            u,
            by_unit.get(u.code, []),
            issued.get(u.code),
            decisions.get(u.code),
            expl.get(u.code, {}),
            reopened.get(u.code),
            former.get(u.code),
        )
        for u in campaign.roster.units
    ]
    unidentified.sort(key=lambda v: v.id)
    pending.sort(key=lambda p: p.version.id)
    name = campaign.name or campaign.roster.district_prefix
    removed = [(u, len(by_unit.get(u.code, []))) for u in campaign.removed]
    return CampaignStatus(campaign.year, name, units, unidentified, now(), pending, removed)


def removed_unit_of(campaign: Campaign, v: Version) -> Unit | None:
    """The unit taken off the roster that a version no unit's (collected by an earlier xltool, which filed such a
    file as unidentified) names in its content; None for any other."""
    if not campaign.removed or v.unit_code is not None:
        return None
    from xltool.identity import claims_unit, content_unit
    from xltool.roster import Roster

    report = v.report()
    if report is None or not claims_unit(report) or content_unit(report, campaign.roster) is not None:
        return None
    return content_unit(report, Roster(campaign.removed))


def _pending(campaign: Campaign, v: Version) -> PendingFile:
    names = (campaign.unit_name(v.unit_code), campaign.unit_name(v.name_unit))
    return PendingFile(v, campaign.unit(v.unit_code or ""), campaign.unit(v.name_unit or ""), names)


def pending_files(campaign: Campaign, unit: Unit | None = None) -> list[PendingFile]:
    """Files 待确认归属, oldest first; with `unit`, those whose content or name points at it."""
    sql = f"SELECT {VERSION_COLUMNS} FROM versions WHERE {AWAITS_ASSIGNMENT_SQL}"
    args: tuple[str, ...] = ()
    if unit is not None:
        sql += " AND (unit_code = ? OR name_unit = ?)"
        args = (unit.code, unit.code)
    return [_pending(campaign, Version.from_row(r)) for r in campaign.conn.execute(sql + " ORDER BY id", args)]


def status_of(campaign: Campaign, unit: Unit) -> UnitStatus:
    """One unit's state (reads only that unit's rows)."""
    conn = campaign.conn
    with campaign.snapshot():
        versions = [
            Version.from_row(r)
            for r in conn.execute(
                f"SELECT {VERSION_COLUMNS} FROM versions WHERE unit_code = ? AND NOT {AWAITS_ASSIGNMENT_SQL} "
                "ORDER BY seq, id",
                (unit.code,),
            )
        ]
        issued = conn.execute("SELECT MAX(issued_at) FROM issued WHERE unit_code = ?", (unit.code,)).fetchone()[0]
        d = conn.execute(
            "SELECT state, version_id, at, note FROM decisions WHERE unit_code = ?", (unit.code,)
        ).fetchone()
        expl = {
            r["rule"]: r["text"]
            for r in conn.execute("SELECT rule, text FROM explanations WHERE unit_code = ?", (unit.code,))
        }
        ro = conn.execute("SELECT version_id, at, why FROM reopened WHERE unit_code = ?", (unit.code,)).fetchone()
    decision = Decision(d["state"], d["version_id"], d["at"], d["note"]) if d else None
    reopened = Reopened(ro["version_id"], ro["at"], ro["why"]) if ro else None
    from xltool.campaign.roster_update import former_names

    return unit_status(unit, versions, issued, decision, expl, reopened, former_names(campaign).get(unit.code))
