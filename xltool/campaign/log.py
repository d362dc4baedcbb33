"""The audit trail: every init, roster change, issue, collect run and file received (new, duplicate, skipped),
automatic acceptance, explain, accept, lock, reopen, assign and summary, as written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltool.campaign.store import Campaign, loads
from xltool.roster import Unit


@dataclass
class Entry:
    id: int
    at: str
    action: str
    unit_code: str | None
    detail: dict[str, Any]
    tool_version: str
    user: str

    def to_dict(self, unit_name: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "action": self.action,
            "unit": self.unit_code,
            "unit_name": unit_name,
            "detail": self.detail,
            "tool_version": self.tool_version,
            "user": self.user,
        }


ACTION_ZH = {
    "init": "建立",
    "prior": "上年数据",
    "roster": "更新名单",
    "issue": "下发模板",
    "collect-start": "开始收集",
    "collect": "收到",
    "duplicate": "重复",
    "skipped": "已跳过",
    "failed": "无法读取",
    "collect-end": "收集结束",
    "auto-accept": "自动接受",
    "explain": "说明",
    "accept": "接受",
    "lock": "锁定",
    "reopen": "重新打开",
    "assign": "指定单位",
    "summary": "汇总",
}


def entries(campaign: Campaign, unit: Unit | None = None) -> list[Entry]:
    """The audit trail, oldest first; with `unit`, that unit's entries and those of the files that are its
    versions now (received as another unit's, unidentified or 待确认归属, then assigned to it)."""
    rows = [
        Entry(r["id"], r["at"], r["action"], r["unit_code"], loads(r["detail"]) or {}, r["tool_version"], r["user"])
        for r in campaign.conn.execute(
            "SELECT id, at, action, unit_code, detail, tool_version, user FROM audit ORDER BY id"
        )
    ]
    if unit is None:
        return rows
    mine = {r[0] for r in campaign.conn.execute("SELECT sha256 FROM versions WHERE unit_code = ?", (unit.code,))}
    return [e for e in rows if e.unit_code == unit.code or (e.detail.get("sha256") in mine and e.action != "summary")]


def unfinished_runs(rows: list[Entry]) -> set[int]:
    """The ids of `collect-start` entries without their `collect-end`: runs that were killed (or still run)."""
    ended = {e.detail.get("run") for e in rows if e.action == "collect-end"}
    return {e.id for e in rows if e.action == "collect-start" and e.id not in ended}


def describe(e: Entry, lang: str = "zh", name: Callable[[str | None], str] | None = None) -> str:
    """One sentence for an entry; `name` turns a unit code into the unit's name (default: the code)."""
    from xltool.filenames import shown_name

    d = e.detail
    v = d.get("version")
    ver = (f"第{v}版" if lang == "zh" else f"version {v}") if v else ""
    nm = name or (lambda code: code or "")
    if lang != "zh":
        shown = {k: (str(val)[:12] if k == "sha256" else val) for k, val in d.items() if val not in (None, "", [])}
        return ", ".join(f"{k}={val}" for k, val in shown.items())
    file = shown_name(Path(str(d.get("file") or "")).name) if d.get("file") else ""
    if e.action == "init":
        return f"建立 {d.get('year')} 年度收集，名单 {d.get('units')} 个单位"
    if e.action == "prior":
        return f"登记上年数据 {d.get('units', 0)} 个单位（来自 {d.get('source')}）"
    if e.action == "roster":
        parts = [f"名单更新为 {d.get('units')} 个单位（{d.get('file', '')}）"]
        for key, label in (("added", "新增"), ("renamed", "改名"), ("removed", "移除")):
            items = d.get(key) or []
            if items:
                parts.append(f"{label} {len(items)}：" + "、".join(_roster_item(key, x) for x in items))
        if d.get("restored"):
            parts.append("恢复 " + "、".join(str(x.get("name")) for x in d["restored"]))
        return "；".join(parts)
    if e.action == "issue":
        return f"下发模板 {d.get('file', '')}（模板编号 {str(d.get('template_id') or '')[:12]}）"
    if e.action == "collect-start":
        where = "、".join(Path(str(p)).name or str(p) for p in d.get("paths") or [])
        return f"开始收集 {d.get('files', 0)} 个文件" + (f"（来自 {where}）" if where else "")
    if e.action == "collect-end":
        head = "收集中断" if d.get("interrupted") else "收集结束"
        parts = [f"{head}：处理 {d.get('files', 0)} 个文件，新增 {d.get('versions', 0)} 个版本"]
        for key, label in (
            ("errors", "有错误"),
            ("duplicates", "重复"),
            ("unidentified", "无法确定单位"),
            ("pending_assignment", "待确认归属"),
            ("skipped", "已跳过"),
            ("failed", "无法读取"),
        ):
            if d.get(key):
                parts.append(f"{label} {d[key]}")
        if d.get("interrupted"):
            parts.append(f"未处理 {d.get('remaining', 0)}（再次运行即可继续）")
        return "，".join(parts)
    if e.action == "collect":
        how = {"metadata": "按模板信息", "document": "按文件中的单位", "filename": "按文件名", "none": "无法确定单位"}
        if d.get("pending_assignment"):
            parts = [
                f"收到文件 {file}，待确认归属：内容属于 {nm(e.unit_code)}，文件名指向 {nm(d.get('name_unit'))}，"
                "未计入任何单位"
            ]
        else:
            parts = [f"收到{ver or '文件'} {file}", how.get(str(d.get("identified_by") or "none"), "")]
        if "data_errors" in d and d.get("data_errors") is not None:  # no unit's version: its data's own counts
            parts.append(f"数据错误 {d.get('data_errors', 0)}，警告 {d.get('data_warnings', 0)}")
        else:
            parts.append(f"错误 {d.get('errors', 0)}，警告 {d.get('warnings', 0)}")
            if d.get("pending_assignment"):
                parts[-1] += "（含待确认归属）"
        if d.get("name_unit") and not d.get("pending_assignment"):
            parts.append(f"文件名指向 {nm(d['name_unit'])}")
        return "，".join(p for p in parts if p)
    if e.action == "duplicate":
        code, seq = d.get("same_as_unit"), d.get("same_as_version")
        if d.get("pending_assignment"):
            same = f"待确认归属的文件 {str(d.get('sha256') or '')[:12]}"
        elif code:
            same = nm(code) + (f"第{seq}版" if seq else "")
        else:
            same = f"无法确定单位的文件 {str(d.get('sha256') or '')[:12]}"
        return f"重复收到 {file}（与 {same} 相同），未登记"
    if e.action == "skipped":
        return f"收到 {file}：不是年度报告或报表文件，未登记"
    if e.action == "failed":
        return f"无法读取原文件 {file}：{d.get('error', '')}"
    if e.action == "auto-accept":
        after = {"collect": "收到后", "explain": "说明后", "assign": "指定单位后", "reopen": "重新打开后"}.get(
            str(d.get("after")), ""
        )
        why = f"警告均已说明（{'、'.join(d['explained'])}）" if d.get("explained") else "无错误、无警告"
        return f"{after}自动接受{ver}：{why}"
    if e.action == "explain":
        return f"{d.get('rule')} 说明：{d.get('text')}" + ("（替换原说明）" if d.get("replaced") else "")
    if e.action == "accept":
        return f"接受{ver}" + (f"，理由：{d['why']}" if d.get("why") else "")
    if e.action == "lock":
        return f"锁定{ver}" + (f"，理由：{d['why']}" if d.get("why") else "")
    if e.action == "reopen":
        prev = {"accepted": "撤销接受", "locked": "撤销锁定", "auto-accepted": "撤销自动接受"}.get(
            str(d.get("previous")), "撤销"
        )
        latest = d.get("latest")
        after = f"，第{latest}版需重新接受" if latest and latest == v else ""
        return f"{prev}（{ver}），原因：{d.get('why')}{after}"
    if e.action == "assign":
        prev = nm(d.get("previous_unit")) if d.get("previous_unit") else "无法确定单位"
        if d.get("previous_pending"):
            prev = f"待确认归属，内容属于 {prev}"
        elif d.get("previous_version"):
            prev += f"第{d['previous_version']}版"
        head = "重新校验" if d.get("again") else "将"
        text = (
            f"{head} {file} 指定为本单位{ver}（原归属：{prev}）"
            if not d.get("again")
            else f"按本单位重新校验 {file}（{ver}）"
        )
        if d.get("why"):
            text += f"，{d['why']}"
        if "errors" in d:
            text += f"；按本单位校验：错误 {d.get('errors', 0)}，警告 {d.get('warnings', 0)}"
        return text
    if e.action == "summary":
        return f"生成汇总 {d.get('file')}，计入 {len(d.get('counted') or {})} 个单位"
    return e.action


def _roster_item(key: str, x: dict[str, Any]) -> str:
    if key == "renamed":
        return f"{x.get('code')} {x.get('old')} → {x.get('name')}"
    return f"{x.get('name')}（{x.get('code')}）"
