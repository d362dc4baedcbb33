"""The audit trail: every init, issue, collect, explain, accept, lock, reopen, assign and summary, as written."""

from __future__ import annotations

from dataclasses import dataclass
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
    "issue": "下发模板",
    "collect": "收到",
    "explain": "说明",
    "accept": "接受",
    "lock": "锁定",
    "reopen": "重新打开",
    "assign": "指定单位",
    "summary": "汇总",
}


def entries(campaign: Campaign, unit: Unit | None = None) -> list[Entry]:
    """The audit trail, oldest first; with `unit`, that unit's entries only."""
    sql = "SELECT id, at, action, unit_code, detail, tool_version, user FROM audit"
    args: tuple[Any, ...] = ()
    if unit is not None:
        sql += " WHERE unit_code = ?"
        args = (unit.code,)
    return [
        Entry(r["id"], r["at"], r["action"], r["unit_code"], loads(r["detail"]) or {}, r["tool_version"], r["user"])
        for r in campaign.conn.execute(sql + " ORDER BY id", args)
    ]


def describe(e: Entry, lang: str = "zh") -> str:
    """One sentence for an entry."""
    d = e.detail
    v = d.get("version")
    ver = (f"第{v}版" if lang == "zh" else f"version {v}") if v else ""
    if lang != "zh":
        shown = {k: (str(val)[:12] if k == "sha256" else val) for k, val in d.items() if val not in (None, "", [])}
        return ", ".join(f"{k}={val}" for k, val in shown.items())
    if e.action == "init":
        return f"建立 {d.get('year')} 年度收集，名单 {d.get('units')} 个单位"
    if e.action == "prior":
        return f"登记上年数据 {d.get('units', 0)} 个单位（来自 {d.get('source')}）"
    if e.action == "issue":
        return f"下发模板 {d.get('file', '')}（模板编号 {str(d.get('template_id') or '')[:12]}）"
    if e.action == "collect":
        how = {"metadata": "按模板信息", "document": "按文件中的单位", "filename": "按文件名", "none": "无法确定单位"}
        parts = [f"收到{ver or '文件'} {d.get('file', '')}", how.get(str(d.get("identified_by") or "none"), "")]
        parts.append(f"错误 {d.get('errors', 0)}，警告 {d.get('warnings', 0)}")
        if d.get("name_unit"):
            parts.append(f"文件名指向 {d['name_unit']}")
        if d.get("pending_assignment"):
            parts.append("待确认归属")
        return "，".join(p for p in parts if p)
    if e.action == "explain":
        return f"{d.get('rule')} 说明：{d.get('text')}" + ("（替换原说明）" if d.get("replaced") else "")
    if e.action == "accept":
        return f"接受{ver}" + (f"，理由：{d['why']}" if d.get("why") else "")
    if e.action == "lock":
        return f"锁定{ver}" + (f"，理由：{d['why']}" if d.get("why") else "")
    if e.action == "reopen":
        prev = {"accepted": "接受", "locked": "锁定"}.get(str(d.get("previous")), "")
        return f"撤销{prev}（{ver}），原因：{d.get('why')}"
    if e.action == "assign":
        prev = d.get("previous_unit") or "未识别"
        if d.get("previous_pending"):
            prev = f"待确认归属，内容属于 {prev}"
        return f"将 {d.get('file')} 指定为本单位{ver}（原归属：{prev}）" + (f"，{d['why']}" if d.get("why") else "")
    if e.action == "summary":
        return f"生成汇总 {d.get('file')}，计入 {len(d.get('counted') or {})} 个单位"
    return e.action
