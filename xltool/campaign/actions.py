"""The clerk's explicit decisions: 说明 for a warning, accept, lock, reopen, assign a file to a unit.

Each is one transaction that also writes its audit entry, and each refuses (CampaignError, a Chinese
sentence saying why and what to do instead) rather than bend a rule: an error cannot be explained away,
a locked unit is not changed without `reopen --why`.
"""

from __future__ import annotations

import contextlib

from xltool.campaign.status import (
    ACCEPTED,
    AWAITS_ASSIGNMENT_SQL,
    ERRORS,
    LOCKED,
    PENDING,
    REOPENED,
    VERSION_COLUMNS,
    UnitStatus,
    Version,
    open_findings,
    status_of,
)
from xltool.campaign.store import Campaign, CampaignError, WrongRule, dump_findings, dumps, load_report, now
from xltool.findings import Finding, catalogue, counts, sort_findings
from xltool.roster import Unit
from xltool.schema import load_form


def known_rules(campaign: Campaign) -> dict[str, str]:
    """Rule id -> severity, for the campaign's form and the tool's own findings."""
    out = {k: v.get("severity", "") for k, v in catalogue().items()}
    try:
        form = load_form(campaign.form_id)
        out.update({r.id: r.severity for r in form.rules})
    except Exception:  # pragma: no cover - the campaign's form always loads
        pass
    return out


def explain(campaign: Campaign, unit: Unit, rule: str, text: str) -> UnitStatus:
    """Record the unit's 说明 for one of its current 警告 (it applies to this and later versions).

    A current warning is one of the latest version's, or of the version that counts when that is another
    (a locked earlier version). Returns the new status.

    Raises:
        WrongRule: the rule is unknown, or the unit has no such warning now (the message lists those it has).
        CampaignError: empty text, or the rule is an error (errors must be corrected).
    """
    text = (text or "").strip()
    if not text:
        raise CampaignError("说明不能为空", "the explanation is empty")
    rules = known_rules(campaign)
    rid = rule.strip().upper()
    st = status_of(campaign, unit)
    if any(f.rule == rid and f.severity == "error" for f in st.findings) or rules.get(rid) == "error":
        raise CampaignError(
            f"{rid} 是错误，不能用说明代替；请{unit.name}改正后重新报送",
            f"{rid} is an error: an explanation cannot stand for a correction; {unit.name} must correct it and "
            "send the return again",
        )
    have = current_warnings(st)
    if rid not in have:
        raise WrongRule(*_no_such_warning(unit, st, rule.strip(), rid in rules, have))
    with campaign.write() as conn:
        old = conn.execute(
            "SELECT text FROM explanations WHERE unit_code = ? AND rule = ?", (unit.code, rid)
        ).fetchone()
        conn.execute(
            "INSERT INTO explanations (unit_code, rule, text, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (unit_code, rule) DO UPDATE SET text = excluded.text, at = excluded.at",
            (unit.code, rid, text, now()),
        )
        campaign.audit(
            "explain",
            unit.code,
            rule=rid,
            text=text,
            replaced=old["text"] if old else None,
            version=st.latest.seq if st.latest else None,
        )
        if st.state != ACCEPTED and st.latest is not None:
            from xltool.campaign.collect import note_auto_accept

            note_auto_accept(campaign, unit, st.latest.id, "explain")
    return status_of(campaign, unit)


def current_warnings(st: UnitStatus) -> dict[str, Finding]:
    """Rule id -> the first of its 警告 in the unit's latest version and in the version that counts."""
    out: dict[str, Finding] = {}
    versions = [v for v in (st.latest, st.effective) if v is not None]
    for i, v in enumerate(versions):
        if i and v.id == versions[0].id:
            continue
        for f in st.version_findings(v):
            if f.severity == "warning":
                out.setdefault(f.rule, f)
    return out


def _n(n: int, noun: str) -> str:
    """1 error, 2 errors."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _no_such_warning(unit: Unit, st: UnitStatus, rule: str, known: bool, have: dict[str, Finding]) -> tuple[str, str]:
    """Why a 说明 for `rule` is refused, and the rules that can be explained instead (Chinese, English)."""
    if not known:
        head, head_en = f"没有规则“{rule}”", f"there is no rule “{rule}”"
    elif st.latest is None:
        head = f"{unit.name}尚未报送，没有 {rule.upper()} 警告"
        head_en = f"{unit.name} has not reported: no {rule.upper()} warning"
    else:
        head = f"{unit.name}的{st.latest.label}没有 {rule.upper()} 警告，无需说明"
        head_en = f"{st.latest.label_in('en')} of {unit.name} has no {rule.upper()} warning to explain"
    if not have:
        return (
            f"{head}。{unit.name}目前没有任何警告，无需填写说明",
            f"{head_en}. {unit.name} has no warnings now; nothing needs an explanation",
        )
    listed = "；".join(f"{rid}（{f.title['zh']}）" for rid, f in sorted(have.items()))
    listed_en = "; ".join(f"{rid} ({f.title['en']})" for rid, f in sorted(have.items()))
    return (
        f"{head}。{unit.name}目前可填写说明的警告：{listed}",
        f"{head_en}. Warnings of {unit.name} that can be explained: {listed_en}",
    )


def accept(campaign: Campaign, unit: Unit, why: str | None = None) -> UnitStatus:
    """Accept the unit's latest version. Warnings without a 说明 need `why` (the clerk's reason, recorded).

    Raises:
        CampaignError: nothing received, the latest version has errors, locked, or warnings without `why`.
    """
    st = status_of(campaign, unit)
    if st.latest is None:
        raise CampaignError(
            f"{unit.name}尚未报送，无可接受的版本", f"{unit.name} has not reported: there is no version to accept"
        )
    if st.state == LOCKED:
        raise CampaignError(
            f"{unit.name}已锁定，无需接受；如需改动请先运行 xltool campaign reopen",
            f"{unit.name} is locked, there is nothing to accept; to change it run xltool campaign reopen first",
        )
    if st.state == ERRORS:
        first = st.errors[0].title["zh"] if st.errors else ""
        first_en = st.errors[0].title["en"] if st.errors else ""
        raise CampaignError(
            f"{unit.name}的{st.latest.label}有 {len(st.errors)} 个错误（{first}），错误不能接受，需单位改正后重新报送",
            f"{st.latest.label_in('en')} of {unit.name} has {_n(len(st.errors), 'error')} ({first_en}); errors "
            "cannot be accepted: the unit must correct them and send the return again",
        )
    why = (why or "").strip()
    if st.unexplained and not why:
        rules = "、".join(sorted({f.rule for f in st.unexplained}))
        raise CampaignError(
            f"{unit.name}有 {len(st.unexplained)} 个警告没有说明（{rules}）："
            "请先用 xltool campaign explain 记录单位的说明，或用 --why 写明接受理由",
            f"{unit.name} has {_n(len(st.unexplained), 'warning')} without an explanation "
            f"({rules.replace('、', ', ')}): record the unit's explanation with xltool campaign explain first, "
            "or give your reason with --why",
        )
    with campaign.write() as conn:
        _check_latest(conn, unit, st.latest)
        conn.execute(
            "INSERT INTO decisions (unit_code, state, version_id, at, note) VALUES (?, 'accepted', ?, ?, ?) "
            "ON CONFLICT (unit_code) DO UPDATE SET state = excluded.state, version_id = excluded.version_id, "
            "at = excluded.at, note = excluded.note",
            (unit.code, st.latest.id, now(), why),
        )
        conn.execute("DELETE FROM reopened WHERE unit_code = ?", (unit.code,))
        campaign.audit(
            "accept",
            unit.code,
            version=st.latest.seq,
            sha256=st.latest.sha256,
            why=why or None,
            unexplained=sorted({f.rule for f in st.unexplained}),
        )
    return status_of(campaign, unit)


def lock(campaign: Campaign, unit: Unit, version: int | None = None, why: str | None = None) -> UnitStatus:
    """Lock a version as the one that counts, whatever arrives later. Default: the latest, which must be
    accepted; `version` picks another (it must have no errors; its warnings need a 说明 or `why`).

    Raises:
        CampaignError: already locked, no such version, errors, or warnings without a 说明.
    """
    st = status_of(campaign, unit)
    if st.state == LOCKED:
        raise CampaignError(
            f"{unit.name}已锁定（{st.effective.label if st.effective else ''}）；如需改动请先运行 reopen",
            f"{unit.name} is locked ({st.effective.label_in('en') if st.effective else ''}); to change it run "
            "reopen first",
        )
    why = (why or "").strip()
    if version is None:
        if st.latest is None:
            raise CampaignError(
                f"{unit.name}尚未报送，无可锁定的版本", f"{unit.name} has not reported: there is no version to lock"
            )
        if st.state == ERRORS:
            raise CampaignError(
                f"{unit.name}的{st.latest.label}有错误，不能锁定；如要锁定以前的版本，请用 --version 指定版本号",
                f"{st.latest.label_in('en')} of {unit.name} has errors and cannot be locked; to lock an earlier "
                "version give its number with --version",
            )
        target = st.latest
        if st.state == PENDING and not why:
            raise CampaignError(
                f"{unit.name}的警告尚未说明，不能锁定；请先 explain，或用 --why 写明理由",
                f"the warnings of {unit.name} are not explained, it cannot be locked; explain them first, or give "
                "your reason with --why",
            )
    else:
        target = next((v for v in st.versions if v.seq == version), None)
        if target is None:
            have = "、".join(str(v.seq) for v in st.versions) or "无"
            have_en = ", ".join(str(v.seq) for v in st.versions) or "none"
            raise CampaignError(
                f"{unit.name}没有第 {version} 版（已有版本：{have}）",
                f"{unit.name} has no version {version} (versions: {have_en})",
            )
        fs = st.version_findings(target)
        if any(f.severity == "error" for f in fs):
            raise CampaignError(
                f"{unit.name}的{target.label}有错误，不能锁定",
                f"{target.label_in('en')} of {unit.name} has errors and cannot be locked",
            )
        if any(f.severity == "warning" and not f.explanation for f in fs) and not why:
            accepted = st.decision and st.decision.state == "accepted" and st.decision.version_id == target.id
            if not accepted:
                raise CampaignError(
                    f"{unit.name}的{target.label}有未说明的警告；请先 explain，或用 --why 写明理由",
                    f"{target.label_in('en')} of {unit.name} has warnings without an explanation; explain them "
                    "first, or give your reason with --why",
                )
    with campaign.write() as conn:
        if version is None:
            _check_latest(conn, unit, target)
        conn.execute(
            "INSERT INTO decisions (unit_code, state, version_id, at, note) VALUES (?, 'locked', ?, ?, ?) "
            "ON CONFLICT (unit_code) DO UPDATE SET state = excluded.state, version_id = excluded.version_id, "
            "at = excluded.at, note = excluded.note",
            (unit.code, target.id, now(), why),
        )
        conn.execute("DELETE FROM reopened WHERE unit_code = ?", (unit.code,))
        campaign.audit("lock", unit.code, version=target.seq, sha256=target.sha256, why=why or None)
    return status_of(campaign, unit)


def reopen(campaign: Campaign, unit: Unit, why: str) -> UnitStatus:
    """Undo an acceptance or a lock; the reason is required and kept in the audit trail.

    The unit leaves 已接受 until the clerk accepts (or locks) it again: the version whose acceptance is undone
    (the one accepted or locked; else the latest) is marked so, and while it is the unit's latest the unit is
    已重新打开. A newer version arriving (or there already) is judged as any other. The summary still counts the
    unit's latest version without errors, as for a unit whose warnings await a 说明.

    Raises:
        CampaignError: no reason, or nothing to reopen (nothing received, or not accepted nor locked).
    """
    why = (why or "").strip()
    if not why:
        raise CampaignError("重新打开必须写明原因（--why）", "give the reason for reopening (--why)")
    st = status_of(campaign, unit)
    with campaign.write() as conn:
        d = conn.execute(
            "SELECT d.state, d.version_id, v.seq FROM decisions d LEFT JOIN versions v ON v.id = d.version_id "
            "WHERE d.unit_code = ?",
            (unit.code,),
        ).fetchone()
        if d is None and st.state != ACCEPTED:
            if st.state == REOPENED:
                raise CampaignError(
                    f"{unit.name}已经重新打开，等待重新接受（xltool campaign accept）",
                    f"{unit.name} is reopened already, waiting to be accepted again (xltool campaign accept)",
                )
            raise CampaignError(
                f"{unit.name}没有被接受或锁定，无需重新打开",
                f"{unit.name} is neither accepted nor locked: there is nothing to reopen",
            )
        conn.execute("DELETE FROM decisions WHERE unit_code = ?", (unit.code,))
        # the version whose acceptance is undone: the one the clerk accepted or locked, else the latest (accepted
        # by the rules); it is 已重新打开 while it is the latest — a newer version is judged on its own
        target = d["version_id"] if d is not None else (st.latest.id if st.latest else None)
        if target is not None:
            conn.execute(
                "INSERT INTO reopened (unit_code, version_id, at, why) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (unit_code) DO UPDATE SET version_id = excluded.version_id, at = excluded.at, "
                "why = excluded.why",
                (unit.code, target, now(), why),
            )
        previous = d["state"] if d is not None else "auto-accepted"
        campaign.audit(
            "reopen",
            unit.code,
            why=why,
            previous=previous,
            version=d["seq"] if d is not None else (st.latest.seq if st.latest else None),
            latest=st.latest.seq if st.latest else None,
        )
        if st.latest is not None and target != st.latest.id:  # a newer version than the one reopened
            from xltool.campaign.collect import note_auto_accept

            note_auto_accept(campaign, unit, st.latest.id, "reopen")
    return status_of(campaign, unit)


def find_version(campaign: Campaign, ref: str) -> Version:
    """A version from what the clerk typed: a sha256 prefix (at least 6 characters), a file name or path.

    Raises:
        CampaignError: none or several match.
    """
    from pathlib import Path

    from xltool.campaign.store import sha256_file

    ref = ref.strip()
    conn = campaign.conn
    rows = []
    if Path(ref).is_file():  # the very file: its content decides
        rows = conn.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE sha256 = ?", (sha256_file(Path(ref)),)
        ).fetchall()
    if not rows and len(ref) >= 6 and all(c in "0123456789abcdefABCDEF" for c in ref):
        rows = conn.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE sha256 LIKE ? ORDER BY id", (ref.lower() + "%",)
        ).fetchall()
    if not rows:
        rows = conn.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE source_path = ? OR file_name = ? OR stored = ? ORDER BY id",
            (ref, Path(ref).name, ref),
        ).fetchall()
    if not rows:  # the repaired name of a garbled one (财政局2021年报.xlsx for ²ÆÕþ¾Ö2021Äê±¨.xlsx)
        from xltool.filenames import display_name
        from xltool.roster import normalize_name

        want = normalize_name(display_name(Path(ref).name))
        rows = [
            r
            for r in conn.execute(f"SELECT {VERSION_COLUMNS} FROM versions WHERE file_name != ? ORDER BY id", (ref,))
            if normalize_name(display_name(r["file_name"])) == want
        ]
    if not rows:
        raise CampaignError(
            f"没有找到收到的文件“{ref}”（可用文件名或 SHA-256 前缀，见 status 和 log）",
            f"no received file “{ref}” (give its file name or the start of its SHA-256, see status and log)",
        )
    if len(rows) > 1:
        from xltool.filenames import display_name

        listed = "、".join(f"{r['sha256'][:12]}（{display_name(r['file_name'])}）" for r in rows[:6])
        listed_en = ", ".join(f"{r['sha256'][:12]} ({display_name(r['file_name'])})" for r in rows[:6])
        raise CampaignError(
            f"“{ref}”对应多个收到的文件：{listed}，请用 SHA-256 前缀指定",
            f"“{ref}” matches several received files: {listed_en}; give the start of the SHA-256",
        )
    return Version.from_row(rows[0])


def assign(campaign: Campaign, ref: str, unit: Unit, why: str | None = None) -> tuple[Version, UnitStatus]:
    """The clerk settles which unit a received file belongs to (unidentified, 待确认归属, or filed under another
    unit) — the clerk's decision, kept with the version (when, why) and in the audit trail.

    The file is checked again as `unit`'s (`recheck_as`): the cross-year rules with `unit`'s last-year data,
    and what it is told about the unit's other versions (locked, older). It becomes the unit's newest version;
    its identity findings stay, as 提示 that the clerk settled them. Its feedback is written again into the
    unit's folder (the old files, in `_待确认归属/`, `_未识别/` or the other unit's folder, are removed).

    Assigning a file to the unit it is confirmed for already checks it again (after an upgrade of xltool, say)
    and is refused when nothing changes.

    Raises:
        CampaignError: unknown file; the version is the accepted/locked one of its current unit; confirmed for
            `unit` already with nothing to update.
        CampaignBusy: a collect is running (it writes the same feedback folders).
    """
    from dataclasses import replace

    from xltool.campaign.collect import note_auto_accept, write_feedback
    from xltool.validate import FileResult

    why = (why or "").strip()
    v = find_version(campaign, ref)
    with campaign.lock("assign"):
        v = find_version(campaign, v.sha256)  # as it is now that nothing else is collecting
        findings = recheck_as(campaign, v, unit)
        again = v.unit_code == unit.code and v.assigned
        if again and dump_findings(findings) == v._findings and (not why or why == (v.assigned_why or "")):
            raise CampaignError(
                f"{v.shown_name}已确认属于{unit.name}", f"{v.shown_name} is confirmed as {unit.name}'s already"
            )
        conn = campaign.conn
        d = conn.execute("SELECT state FROM decisions WHERE version_id = ?", (v.id,)).fetchone()
        if d is not None and v.unit_code != unit.code:
            raise CampaignError(
                f"{v.shown_name}是{campaign.unit_name(v.unit_code)}已接受或锁定的版本，请先 reopen 该单位",
                f"{v.shown_name} is the accepted or locked version of {campaign.unit_name(v.unit_code)}; reopen that "
                "unit first",
            )
        if v.unit_code == unit.code and v.seq is not None:
            seq = v.seq
        else:  # another unit's, unidentified, or 待确认归属 (no number yet): the unit's newest version
            row = conn.execute("SELECT MAX(seq) FROM versions WHERE unit_code = ?", (unit.code,)).fetchone()
            seq = int(row[0] or 0) + 1
        at = now()
        moved = replace(
            v,
            unit_code=unit.code,
            seq=seq,
            identified_by="clerk",
            name_unit=v.name_unit,
            _findings=dump_findings(findings),
            assigned_at=at,
            assigned_why=(why or v.assigned_why) if again else (why or None),
        )
        expl = {
            r["rule"]: r["text"]
            for r in conn.execute("SELECT rule, text FROM explanations WHERE unit_code = ?", (unit.code,))
        }
        shown = open_findings(moved, expl, unit)
        confirmed = "政务公开办已确认归属" + (f"（{moved.assigned_why}）" if moved.assigned_why else "")
        feedback = write_feedback(
            campaign,
            unit=unit,
            named=None,
            seq=seq,
            file_name=v.file_name,
            sha=v.sha256,
            received=v.received_at,
            result=FileResult(v.file_name, v.report(), shown),
            assigned=confirmed,
        )
        kept = {str(p.relative_to(campaign.root)) for p in feedback}
        n = counts(findings)
        shown_n = counts(shown)
        with campaign.write() as conn:
            conn.execute(
                "UPDATE versions SET unit_code = ?, seq = ?, identified_by = 'clerk', findings = ?, errors = ?, "
                "warnings = ?, infos = ?, assigned_at = ?, assigned_why = ?, feedback = ? WHERE id = ?",
                (
                    unit.code,
                    seq,
                    moved._findings,
                    n["error"],
                    n["warning"],
                    n["info"],
                    at,
                    moved.assigned_why,
                    dumps(sorted(kept)),
                    v.id,
                ),
            )
            campaign.audit(
                "assign",
                unit.code,
                sha256=v.sha256,
                file=v.file_name,
                version=seq,
                previous_unit=v.unit_code,
                previous_version=v.seq,
                previous_identified_by=v.identified_by,
                previous_pending=v.awaits_assignment or None,
                again=again or None,
                why=why or None,
                errors=shown_n["error"],
                warnings=shown_n["warning"],
            )
            note_auto_accept(campaign, unit, v.id, "assign")
        for old in v.feedback:  # the feedback written for its old place: replaced by the unit's
            if old not in kept:
                p = campaign.root / old
                if p.is_file() and p.resolve().is_relative_to(campaign.feedback_dir.resolve()):
                    p.unlink(missing_ok=True)
                    with contextlib.suppress(OSError):
                        p.parent.rmdir()  # only when that emptied it
    row = campaign.conn.execute(f"SELECT {VERSION_COLUMNS} FROM versions WHERE id = ?", (v.id,)).fetchone()
    return Version.from_row(row), status_of(campaign, unit)


UNIT_DEPENDENT = frozenset({"PRIOR-MISSING", "CAMP-LOCKED", "CAMP-OLDER", "CAMP-ASSIGNED"})
"""A version's findings that depend on the unit it is filed under (besides the cross-year rules)."""


def recheck_as(campaign: Campaign, v: Version, unit: Unit) -> list[Finding]:
    """The version's findings as `unit`'s return: the cross-year rules checked with `unit`'s last-year data (the
    prior the campaign matched to the unit at init, whatever unit the file's content names — as collect looks
    it up), PRIOR-MISSING when the campaign has last year's data but not for `unit`, and the notes about the
    unit's other versions (CAMP-LOCKED, CAMP-OLDER). Everything else is the file's own and stays."""
    from xltool.campaign.collect import prior_for, unit_priors, version_notes
    from xltool.findings import tool_finding
    from xltool.rules import check

    found = v.findings()
    report = load_report(v._report)
    cross: list[str] = []
    form = None
    if report is not None:
        try:
            form = load_form(report.form)
        except Exception:  # pragma: no cover - a recorded report's form always loads
            form = None
    if form is not None:
        cross = [r.id for r in form.rules if r.cross_year]
    kept = [f for f in found if f.rule not in cross and f.rule not in UNIT_DEPENDENT]
    fresh: list[Finding] = []
    if form is not None and report is not None:
        prior = prior_for(unit_priors(campaign), unit)
        last = prior.find(report) if prior is not None else None
        fresh += [f for f in check(form, report, last) if f.rule in cross]
        if prior is not None and last is None:
            fresh.append(tool_finding("PRIOR-MISSING", rules=", ".join(cross)))
    fresh += version_notes(campaign, unit, report, exclude=v.id)
    return sort_findings(kept + fresh)


def _check_latest(conn, unit: Unit, expected: Version) -> None:  # noqa: ANN001 - sqlite3 connection
    """Inside the write transaction: no newer version arrived since the status was read."""
    row = conn.execute(
        f"SELECT id FROM versions WHERE unit_code = ? AND NOT {AWAITS_ASSIGNMENT_SQL} ORDER BY seq DESC LIMIT 1",
        (unit.code,),
    ).fetchone()
    if row is None or row["id"] != expected.id:
        raise CampaignError(
            f"{unit.name}刚收到新版本，请重新查看状态后再操作",
            f"a new version of {unit.name} has just arrived; look at its status again first",
        )
