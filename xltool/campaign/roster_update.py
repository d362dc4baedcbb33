"""Changing the roster during the season: `xltool campaign roster NEW.csv`.

The units are compared by code: a code new to the campaign is added; a code whose name (or category) differs is
renamed; a code no longer listed is removed — its versions, 说明 and decisions stay in the campaign, but it is
no longer due and never counted (`Campaign.removed`); a file of it collected later is recorded as its version
(not due, not counted, and no file of unknown unit either). A removed unit listed again is restored with
everything it had. A renamed unit's former names stay known (`former_names`, read from the `roster` audit
entries): a return on the unit's own template, which names the former name, is the unit's (CAMP-RENAMED).
The new roster file replaces the campaign's copy (名单.csv), its sha256 is recorded, and the change is one
audit entry (`roster`).

Copying a file over 名单.csv changes nothing by itself: the commands warn that it differs from the roster in
use (`Campaign.roster_changed_on_disk`) until `xltool campaign roster` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xltool.campaign.store import Campaign, CampaignError, Text, now, write_atomic
from xltool.roster import Roster, Unit, normalize_name


@dataclass
class RosterChange:
    """What applying a new roster does to the campaign."""

    roster: Roster
    """The new roster, as read."""
    file: Path
    added: list[Unit] = field(default_factory=list)
    renamed: list[tuple[Unit, Unit]] = field(default_factory=list)
    """(as the campaign has it, as the new roster has it): the same code, another name or category."""
    removed: list[Unit] = field(default_factory=list)
    restored: list[Unit] = field(default_factory=list)
    """Units taken off the roster earlier in the season and listed again."""
    kept_versions: dict[str, int] = field(default_factory=dict)
    """Removed unit code -> versions of it the campaign keeps."""
    suggestions: list[tuple[str, str, Unit]] = field(default_factory=list)
    """(sha256, file name, unit): files no unit's so far whose content names a unit the new roster adds."""
    applied: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.renamed or self.removed or self.restored)

    def code_changes(self) -> list[tuple[Unit, Unit]]:
        """(removed, added) pairs with the same name: most likely a unit whose code changed. Its versions stay
        under the old code (`assign` files a received version under the new one)."""
        added = {normalize_name(u.name): u for u in self.added}
        return [(u, added[normalize_name(u.name)]) for u in self.removed if normalize_name(u.name) in added]

    def lines(self, lang: str = "zh") -> list[str]:
        """The differences, one line each, for the clerk."""
        zh = lang == "zh"
        out: list[str] = []
        for u in self.added:
            out.append(f"  新增  {u.code}  {u.name}" if zh else f"  added  {u.code}  {u.name}")
        for u in self.restored:
            out.append(
                f"  恢复  {u.code}  {u.name}（原已移除，已收的版本仍在）"
                if zh
                else f"  restored  {u.code}  {u.name} (removed before; its versions are still there)"
            )
        for old, new in self.renamed:
            what = f"{old.name} → {new.name}" if old.name != new.name else new.name
            if old.category != new.category:
                what += f"（类别 {old.category or '无'} → {new.category or '无'}）" if zh else (
                    f" (category {old.category or 'none'} -> {new.category or 'none'})")  # fmt: skip
            out.append(f"  改名  {new.code}  {what}" if zh else f"  renamed  {new.code}  {what}")
        for u in self.removed:
            n = self.kept_versions.get(u.code, 0)
            tail = (
                (f"（已收 {n} 个版本，保留但不再应报、不计入汇总）" if n else "（未收到文件）")
                if zh
                else (f" ({n} versions kept, no longer due nor counted)" if n else " (nothing received)")
            )
            out.append((f"  移除  {u.code}  {u.name}" if zh else f"  removed  {u.code}  {u.name}") + tail)
        for old, new in self.code_changes():
            out.append(
                f"  提示：{old.name} 的代码可能由 {old.code} 改为 {new.code}；已收的版本仍记在 {old.code} 下，"
                f"如需改记，请用 xltool campaign assign 文件 {new.code}"
                if zh
                else f"  Note: the code of {old.name} may have changed from {old.code} to {new.code}; its versions "
                f"stay under {old.code} — file them under the new code with xltool campaign assign FILE {new.code}"
            )
        return out


def compare_roster(campaign: Campaign, path: str | Path) -> RosterChange:
    """Read `path` and compare it with the campaign's roster (by code).

    Raises:
        CampaignError / UsageError: the file is no roster, or names no unit.
    """
    from xltool.roster import load_roster

    new = load_roster(path)
    if not new.units:
        raise CampaignError(f"名单 {Path(path).name} 中没有单位", f"no units in the roster {Path(path).name}")
    seen: set[str] = set()
    for u in new.units:
        key = normalize_name(u.code).upper()
        if key in seen:
            raise CampaignError(
                f"名单 {Path(path).name} 中单位代码 {u.code} 出现了不止一次，请改正后再运行",
                f"the code {u.code} is listed more than once in {Path(path).name}; correct it and run this again",
            )
        seen.add(key)
    ch = RosterChange(new, Path(path))
    removed_before = {normalize_name(u.code).upper(): u for u in campaign.removed}
    for u in new.units:
        old = campaign.roster.by_code(u.code)
        if old is None:
            back = removed_before.get(normalize_name(u.code).upper())
            (ch.restored if back is not None else ch.added).append(u)
        elif old.name != u.name or old.category != u.category:
            ch.renamed.append((old, u))
    ch.removed = [u for u in campaign.roster.units if new.by_code(u.code) is None]
    for u in ch.removed:
        ch.kept_versions[u.code] = campaign.conn.execute(
            "SELECT COUNT(*) FROM versions WHERE unit_code = ?", (u.code,)
        ).fetchone()[0]
    if ch.added:
        ch.suggestions = _files_of_added(campaign, ch)
    return ch


def _files_of_added(campaign: Campaign, ch: RosterChange) -> list[tuple[str, str, Unit]]:
    """Files no unit's so far (unidentified) whose content names a unit the new roster adds."""
    from xltool.campaign.store import load_report
    from xltool.filenames import display_name
    from xltool.identity import content_unit

    added = Roster(tuple(ch.added))
    out = []
    for r in campaign.conn.execute(
        "SELECT sha256, file_name, report FROM versions WHERE unit_code IS NULL AND report IS NOT NULL ORDER BY id"
    ):
        rep = load_report(r["report"])
        u = content_unit(rep, added) if rep is not None else None
        if u is not None:
            out.append((r["sha256"], display_name(r["file_name"]), u))
    return out


def apply_roster(campaign: Campaign, change: RosterChange, why: str | None = None) -> RosterChange:
    """Apply a compared roster: units added, renamed, removed (kept, no longer due) or restored, in the new
    roster's order; the file copied over the campaign's 名单 (unless it is that file), its sha256 recorded; one
    audit entry. Then reopen the campaign to see the new roster (`Campaign.roster` is not changed in place).

    Raises:
        CampaignError: the roster changed since it was compared (another process).
    """
    src = change.file
    kept = campaign.root / f"名单{src.suffix.lower() or '.csv'}"
    data = src.read_bytes()
    at = now()
    with campaign.write() as conn:
        have = {_key(r["code"]): r for r in conn.execute("SELECT code, name, category, removed_at FROM units")}
        for i, u in enumerate(change.roster.units):
            old = have.get(_key(u.code))
            if old is None:
                conn.execute(
                    "INSERT INTO units (code, name, category, position) VALUES (?, ?, ?, ?)",
                    (u.code, u.name, u.category, i),
                )
            else:
                conn.execute(
                    "UPDATE units SET name = ?, category = ?, position = ?, removed_at = NULL WHERE code = ?",
                    (u.name, u.category, i, old["code"]),
                )
        listed = {_key(u.code) for u in change.roster.units}
        for key, r in have.items():
            if key not in listed and r["removed_at"] is None:
                conn.execute("UPDATE units SET removed_at = ? WHERE code = ?", (at, r["code"]))
        meta = {"roster": str(kept), "roster_sha256": _sha(data)}
        for k, v in meta.items():
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (k, v),
            )
        campaign.audit(
            "roster",
            None,
            file=str(src.resolve()),
            units=len(change.roster.units),
            added=[{"code": u.code, "name": u.name} for u in change.added],
            renamed=[{"code": n.code, "old": o.name, "name": n.name} for o, n in change.renamed],
            removed=[
                {"code": u.code, "name": u.name, "versions": change.kept_versions.get(u.code, 0)}
                for u in change.removed
            ],
            restored=[{"code": u.code, "name": u.name} for u in change.restored],
            why=(why or "").strip() or None,
            sha256=meta["roster_sha256"],
        )
        # the copy last, inside the transaction: if it cannot be written, nothing changed
        if src.resolve() != kept.resolve():
            write_atomic(kept, data)
    change.applied = True
    return change


def former_names(campaign: Campaign) -> dict[str, set[str]]:
    """Unit code -> the names the unit had before the campaign's roster changes renamed it (not its name now),
    as each change recorded them (the `renamed` list of its `roster` audit entry). For `identity.former_unit`."""
    import json

    out: dict[str, set[str]] = {}
    for (detail,) in campaign.conn.execute("SELECT detail FROM audit WHERE action = 'roster' ORDER BY id"):
        try:
            renamed = (json.loads(detail or "{}") or {}).get("renamed") or []
        except (ValueError, AttributeError):
            continue
        for r in renamed:
            if isinstance(r, dict) and r.get("code") and r.get("old"):
                out.setdefault(str(r["code"]), set()).add(str(r["old"]))
    for code in list(out):
        unit = campaign.roster.by_code(code)
        now_name = normalize_name(unit.name) if unit is not None else ""
        out[code] = {n for n in out[code] if normalize_name(n) != now_name}
        if not out[code]:
            del out[code]
    return out


def _key(code: str) -> str:
    return normalize_name(code).upper()


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def roster_note(campaign: Campaign) -> Text | None:
    """The warning a command prints when the campaign's 名单 file was changed on disk and not applied."""
    if not campaign.roster_changed_on_disk():
        return None
    f = campaign.roster_file
    return Text(
        f"提示：{f.name} 已被改动，与本次收集使用的名单不同；改动不会自动生效。"
        f"如要改用新名单，请运行 xltool campaign roster（查看差异并应用）",
        f"Note: {f.name} was changed and differs from the roster this campaign uses; the change does not apply by "
        "itself. To use it, run xltool campaign roster (shows the differences and applies them)",
    )
