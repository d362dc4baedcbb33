"""Prose checks: what a published report's text says against its own tables.

Of 13 real reports we know, 4 have prose that contradicts their tables. These checks read the numbers the text
states — applications received, carried over and forward, 行政复议 and 行政诉讼 counts, 行政事业性收费 — and compare
them with the tables; they also find a count whose number is missing ("主动公开政府信息条。") and an empty
section 五. All are 警告 (the table may be right and the text wrong, or the other way round), except the
information that the text counted received applications as 一 + 二.

They are the importer's own findings (messages/importer.yaml), not rules of the form YAML: they read Chinese
prose with patterns, exist only for published reports (a workbook has no prose), and every other consumer of
the form's rules (template, reader, consolidation) would have to skip them.

Patterns are deliberately narrow: a number counts only when it is tied to its subject ("受理政府信息公开申请
3119件", "行政复议351件", "103件顺延到下年度"); a phrase such as "信息处理费3940元" is not 表二's 行政事业性收费
and is not compared with it. A sentence that denies a subject ("无行政复议和诉讼情况") states 0.

Applications received are compared only where the sentence states the report's own total: its subject is the
reporting unit ("我局收到…", "全市共受理…", the unit's name or a short form of it) or there is none ("本年度共收到…").
An office acting for the unit ("区政府办代表区政府受理…17件" in 洪泽区's report, whose 表三 counts the district's
95), another body ("各部门共收到…", "区教育局受理…") and a part ("其中，…", "网上申请…") are not the table's total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from xltool.findings import Finding, tool_finding
from xltool.importer.mapping import describe_source
from xltool.interchange import UnitReport
from xltool.schema import Form
from xltool.values import format_number

__all__ = ["PLACEHOLDER", "cells_phrase", "prose_findings", "strip_placeholders"]

PLACEHOLDER = "【待填写】"
"""Marks the prose a rendered report leaves for its author (xltool.render); such text is not content."""
_PLACEHOLDER_LINE = re.compile(r"【待填写】[^\n]*")

_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?P<n>\d[\d,，]*(?:\.\d+)?|[零〇一二两三四五六七八九十百]+)"
_STOP = r"[^。；;，,：:！？\n]"
"""Characters that stay within one clause."""

_RECEIVED = re.compile(
    rf"(?:收到|受理|新收|接收|接到|收悉)(?P<mid>{_STOP}{{0,30}}?)申请(?:数量|总数)?(?:为|共计?|合计|总计|累计)?"
    rf"\s*{_NUM}\s*(?:件|条|份|个|宗)"
)
_RECEIVED_MID = re.compile(r"(?:了|到)?(?:的)?(?:各类|各种)?(?:依申请)?(?:政府)?(?:信息)?(?:公开)?(?:的)?")
"""What may stand between the verb and 申请 in a statement of the total: "政府信息公开", "的信息公开", nothing.
Anything else names a part ("网上申请", "自然人提出的申请") or another kind ("行政复议申请")."""

# Who received the applications. The report's own total has the reporting unit as its subject, or no subject:
# "本年度共收到…", "我局收到…", "全市共受理…", "区科技局受理…" (the unit's short name). Another subject is an
# office's or the departments' share, which need not equal 表三: 洪泽区's "区政府办代表区政府受理政府信息公开
# 申请17件" beside a 表三 of 95 (the whole district); "各部门共收到…"; "其中，…" is a part.
_SUBJECT_FILLER = re.compile(
    r"\d{4}年度?|(?:本|今|当|全)年度?|年度内|年内|报告期内|本期|一年来|全年|"
    r"共计|累计|合计|总计|总共|一共|共|依法|先后|已经|已|新|全部|登记|"
    r"通过[^，,。；;]{0,20}?(?:方式|渠道|途径|平台|形式)|在线|、|\s"
)
_LIST_MARK = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])")
_SELF = re.compile(
    r"^(?:我们|(?:我|本)(?:单位|机关|部门|局|委|办|厅|部|院|署|中心|区|市|县|镇|乡|街道|政府|公司|会|所|站|处)?)$"
)
_WHOLE = re.compile(
    r"^全(?:省|市|区|县|州|盟|旗|镇|乡|街道)(?:各级(?:各类)?(?:行政机关|政府|政府部门|各部门|各单位)?|政府系统)?$"
)
_ORG = re.compile(
    r"^[\u4e00-\u9fff]{0,20}?(?:办公室|办公厅|政府办|办|局|委|委员会|部门|单位|政府|中心|街道|镇|乡|院|厅|所|站|处|科|室)$"
)
"""A clause that is only an organisation's name: the subject of the clauses after it ("区政府办，全年受理…")."""

_CARRIED_OVER = re.compile(
    rf"(?:上年度?|上一年度?|(?P<y>\d{{4}})年度?)结转(?:的|过来的)?(?:政府信息公开)?(?:申请)?(?:数量)?(?:为|共)?"
    rf"\s*{_NUM}\s*(?:件|个|条)"
)
_CARRIED_FORWARD = (
    re.compile(
        rf"结转(?:至|到)?(?:下一?|(?P<y>\d{{4}}))年度?(?:继续)?(?:办理|答复|处理)?(?:的)?(?:政府信息公开)?(?:申请)?"
        rf"(?:共|为)?\s*{_NUM}\s*(?:件|个|条)"
    ),
    re.compile(rf"{_NUM}\s*(?:件|个|条)(?:申请)?(?:需)?(?:结转|顺延|转入|延至)(?:至|到)?(?:下一?|(?P<y>\d{{4}}))年度?"),
)
_REVIEW = re.compile(rf"行政复议(?:案件|申请)?(?:共计?|合计|总计)?\s*{_NUM}\s*(?:件|起|宗|个)")
_LITIGATION = re.compile(rf"行政诉讼(?:案件)?(?:共计?|合计|总计)?\s*{_NUM}\s*(?:件|起|宗|个)")
_NONE_OF = r"(?:无|未发生|未收到|没有|未出现|未产生|未涉及|未有)"
_REVIEW_NONE = re.compile(rf"{_NONE_OF}[^。；;，,：:\d]{{0,15}}?行政复议")
_LITIGATION_NONE = re.compile(rf"{_NONE_OF}[^。；;，,：:\d]{{0,20}}?诉讼")
_FEES = re.compile(rf"行政事业性收费(?:{_STOP}{{0,12}}?)\s*(\d[\d,，]*(?:\.\d+)?)\s*(万元|元)")
_MISSING = re.compile(
    r"(?:信息|申请|文件|解读|规章)(?:条|件|篇|份)(?=[，。；、,;）)]|$)|(?:共|共计|合计|累计|总计)(?:条|件|篇|份|起)(?=[，。；、,;）)]|$)"
)


@dataclass
class _Said:
    section: str
    number: int | Decimal
    quote: str


def strip_placeholders(text: str | None) -> str:
    """The text without the placeholder lines a rendered skeleton carries."""
    return _PLACEHOLDER_LINE.sub("", text or "").strip()


def _number(s: str) -> int | Decimal | None:
    s = s.replace(",", "").replace("，", "")
    if s[:1].isdigit():
        try:
            d = Decimal(s)
        except InvalidOperation:
            return None
        return int(d) if d == d.to_integral_value() and "." not in s else d
    # small Chinese numerals: 两 / 十二 / 二十 / 一百零五
    total, cur = 0, 0
    for ch in s:
        if ch in _CN:
            cur = _CN[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def _quote(text: str, start: int, end: int) -> str:
    """The clause around a match: from the start of its sentence (at most 30 characters back) to the clause's end."""
    a = max(text.rfind(ch, 0, start) for ch in "。；;！？\n") + 1
    a = max(a, start - 30)
    stops = [i for i in (text.find(ch, end) for ch in "，,。；;！？\n") if i >= 0]
    b = min(min(stops, default=len(text)), end + 10)
    return (
        ("…" if a > 0 and text[a - 1] not in "。；;！？\n" else "")
        + text[a:b].strip()
        + ("…" if b < len(text) and text[b] not in "，,。；;！？\n" else "")
    )


def _find(sections: dict[str, str], pattern: re.Pattern, check=None) -> list[_Said]:
    out = []
    for sid, text in sections.items():
        for m in pattern.finditer(text):
            if check is not None and not check(m):
                continue
            n = _number(m.group("n"))
            if n is not None:
                out.append(_Said(sid, n, _quote(text, m.start(), m.end())))
    return out


def _subject(clause: str) -> str:
    """What is left of a clause before its verb once times, 共/累计 and the like are taken out: its subject."""
    return _SUBJECT_FILLER.sub("", _LIST_MARK.sub("", clause))


def _is_self(subject: str, unit: str) -> bool:
    """The subject names the reporting unit: none, 我局/本机关, 全市/全区, or the unit's name or a short form of it."""
    if not subject or _SELF.match(subject) or _WHOLE.match(subject):
        return True
    name = unit.replace("人民", "")
    if len(subject) < 2 or not name:
        return False
    # a short form keeps the name's characters in order and its last word: 区科技局 of 烟台市芝罘区科学技术局,
    # 区政府 of 淮安市洪泽区人民政府 (not 区政府办: 办 is not in that name)
    it = iter(name)
    return all(ch in it for ch in subject.replace("人民", "")) and subject[-1] in name[-3:]


def _own_total(text: str, m: re.Match, unit: str) -> bool:
    """A match of _RECEIVED states the report's own total received, not a part of it or another unit's share."""
    if _RECEIVED_MID.fullmatch(m.group("mid")) is None:
        return False
    start = max(text.rfind(ch, 0, m.start()) for ch in "。；;！？!?\n") + 1
    clauses = re.split(r"[，,：:]", text[start : m.start()])
    clause, before = clauses[-1], clauses[:-1]
    if "其中" in clause or (before and _subject(before[-1]) == "其中") or "代表" in clause:
        return False  # "其中，…受理…", "…代表区政府受理…": a part, a share
    subject = _subject(clause)
    if not subject:  # the subject may stand alone in the sentence's first clause: "区政府办，全年受理…"
        first = next((_subject(c) for c in before if _subject(c)), "")
        if first and _ORG.match(first):
            subject = first
    return _is_self(subject, unit)


def _denied(sections: dict[str, str], pattern: re.Pattern) -> list[_Said]:
    return [
        _Said(sid, 0, _quote(text, m.start(), m.end()))
        for sid, text in sections.items()
        for m in pattern.finditer(text)
    ]


def _heading(report: UnitReport, form: Form, section: str) -> str:
    """A section's heading as the report prints it, else as the form declares it; a section the form does not
    declare (the opening paragraph under the title, `xltool.importer.extract.PREAMBLE`) by its own name."""
    from xltool.importer.extract import SECTION_NUMERALS

    fallback = f"{section}、" if section in SECTION_NUMERALS else section
    declared = next((x.heading for x in form.sections if x.id == section), fallback)
    return (report.source.get("headings") or {}).get(section) or declared


def _said_line(report: UnitReport, form: Form, s: _Said, lang: str) -> str:
    heading = _heading(report, form, s.section)
    if lang == "en":
        return f"Text (section {heading}): “{s.quote}”"
    return f"正文（{heading}）：“{s.quote}”"


def cells_phrase(form: Form, keys: list[str] | tuple[str, ...], lang: str = "zh", *, table: bool = True) -> str:
    """The cells a figure of the text is compared with, in the form's official words, each label quoted once.

    '表三“二、上年结转政府信息公开申请数量”总计', '表二“行政事业性收费”' (a row of one value), and for several
    cells of one column '表四“行政诉讼”下“未经复议直接起诉”与“复议后起诉”的总计之和'. The column's label follows
    unquoted (it reads as the word it is); the row's groups are named when all the rows share them.

    Args:
        form: the report's form.
        keys: cell keys of one table.
        lang: 'zh' or 'en' (the labels stay Chinese).
        table: start with the table's name (表三).
    """
    cells = [form.cells[k] for k in keys]
    t = form.table(cells[0].table)
    rows = [t.row_map[c.row] for c in cells]
    columns = {c.column for c in cells}
    col = t.column_map[cells[0].column].label if len(columns) == 1 and len(t.row_columns(rows[0])) > 1 else ""
    zh = lang != "en"
    head = (t.name + ("" if zh else " ")) if table else ""
    if len(rows) == 1:
        r = rows[0]
        group = "".join(f"“{g}”下" if zh else f"“{g}” " for g in r.groups if t.layout == "row")
        return f"{head}{group}“{r.label}”" + (col if zh else f" {col}" if col else "")
    shared = rows[0].groups if all(r.groups == rows[0].groups for r in rows) else ()
    listed = ("与" if zh else " and ").join(f"“{r.label}”" for r in rows)
    if zh:
        group = "".join(f"“{g}”下" for g in shared)
        return f"{head}{group}{listed}" + (f"的{col}之和" if col else "之和")
    group = "".join(f"“{g}” " for g in shared)
    return f"the sum of {head}{group}{listed}" + (f" {col}" if col else "")


def _where_lines(report: UnitReport, form: Form, keys: list[str], ev: dict, lang: str) -> list[str]:
    """Where the table's figures were read: one line, or one a cell with its value when several add up."""
    src = report.source.get("cells") or {}
    if len(keys) == 1:
        where = src.get(keys[0])
        if not where:
            return []
        return [f"位置：{describe_source(where, 'zh')}" if lang == "zh" else f"Where: {describe_source(where, 'en')}"]
    out = []
    for k in keys:
        name = cells_phrase(form, [k], lang, table=False)
        where = src.get(k)
        if lang == "zh":
            out.append(f"{name} {format_number(ev[k])}" + (f"（{describe_source(where, 'zh')}）" if where else ""))
        else:
            out.append(f"{name} {format_number(ev[k])}" + (f" ({describe_source(where, 'en')})" if where else ""))
    return out


def _finding(rule: str, report: UnitReport, form: Form, said: _Said, keys: list[str], ev: dict, **params) -> Finding:
    params.setdefault("cells", {lang: cells_phrase(form, keys, lang) for lang in ("zh", "en")})
    f = tool_finding(rule, **params)
    f.table = form.cells[keys[0]].table
    f.keys = list(keys)
    f.values = {k: ev[k] for k in keys}
    f.details = {
        lang: [_said_line(report, form, said, lang)] + _where_lines(report, form, keys, ev, lang)
        for lang in ("zh", "en")
    }
    return f


def _distinct(said: list[_Said]) -> list[_Said]:
    seen = set()
    out = []
    for s in said:
        if s.number not in seen:
            seen.add(s.number)
            out.append(s)
    return out


def prose_findings(form: Form, report: UnitReport) -> list[Finding]:
    """The prose checks on one imported report (its ``sections``) against its values.

    Args:
        form: the report's form.
        report: an imported report; ``report.sections`` holds the text of sections 一..六.

    Returns:
        Findings in the order: applications received, carried over, carried forward, 行政复议, 行政诉讼,
        行政事业性收费, missing numbers, empty section 五, other sections still holding the placeholder.
    """
    from xltool.rules import evaluate

    ev = evaluate(form, report).values
    sections = {k: strip_placeholders(v) for k, v in report.sections.items()}
    out: list[Finding] = []
    year = report.year

    def have(*keys: str) -> bool:
        return bool(keys) and all(k in ev and ev[k] is not None for k in keys)

    # applications received: 一, or 一 + 二 (the cells the declaration's `prose` names for each subject)
    received = list(form.prose_cells("received"))
    if have(*received):
        new, carried = (ev[k] for k in received)
        labels = {
            "new_cells": {lang: cells_phrase(form, received[:1], lang) for lang in ("zh", "en")},
            "carried_row": form.table(form.cells[received[1]].table).row_map[form.cells[received[1]].row].label,
        }
        unit = report.unit_name or ""
        stated = [
            s
            for sid, text in sections.items()
            for s in _find({sid: text}, _RECEIVED, lambda m, t=text: _own_total(t, m, unit))
        ]
        for s in _distinct(stated):
            keys = received
            if s.number == new:
                continue
            if carried and s.number == new + carried:
                rule, more = "PROSE-RECEIVED-SUM", {"carried": carried}
            else:  # nothing carried over: the sum is the same figure, not worth a second mention
                rule, more = "PROSE-RECEIVED" + ("" if carried else "@nothing-carried"), {"both": new + carried}
            f = _finding(rule, report, form, s, keys, ev, stated=s.number, new=new, **more, **labels)
            f.rule = rule.split("@", 1)[0]
            out.append(f)

    def year_ok(m: re.Match, offset: int) -> bool:
        y = m.groupdict().get("y")
        return y is None or (year is not None and int(y) == year + offset)

    simple = [
        ("PROSE-CARRIED-OVER", "carried_over", [_CARRIED_OVER], -1, None),
        ("PROSE-CARRIED-FORWARD", "carried_forward", list(_CARRIED_FORWARD), 1, None),
        ("PROSE-REVIEW", "review", [_REVIEW], 0, _REVIEW_NONE),
        ("PROSE-LITIGATION", "litigation", [_LITIGATION], 0, _LITIGATION_NONE),
    ]
    for rule, subject, patterns, offset, none in simple:
        keys = list(form.prose_cells(subject))
        if not have(*keys):
            continue
        total = sum(ev[k] for k in keys)
        said = [s for p in patterns for s in _find(sections, p, lambda m, o=offset: year_ok(m, o))]
        said += _denied(sections, none) if none is not None else []
        for s in _distinct(said):
            if s.number != total:
                out.append(_finding(rule, report, form, s, keys, ev, stated=s.number, table_value=total))

    fees = list(form.prose_cells("fees"))
    if have(*fees):
        money = form.cells[fees[0]].unit  # 万元: the text's amount is converted to it
        amount = sum((Decimal(ev[k]) for k in fees), Decimal(0))
        for sid, text in sections.items():
            for m in _FEES.finditer(text):
                n = _number(m.group(1))
                if n is None:
                    continue
                wan = Decimal(n) / 10000 if m.group(2) == "元" else Decimal(n)
                if wan != amount:
                    s = _Said(sid, wan.normalize(), _quote(text, m.start(), m.end()))
                    params = {"stated": s.number, "table_value": amount, "unit": money}
                    out.append(_finding("PROSE-FEES", report, form, s, fees, ev, **params))

    missing = [(sid, m) for sid, text in sections.items() for m in _MISSING.finditer(text)]
    if missing:
        phrases = [_quote(sections[sid], m.start(), m.end()) for sid, m in missing]
        f = tool_finding("PROSE-NUMBER-MISSING", count=len(missing), phrases="；".join(f"“{p}”" for p in phrases[:3]))
        if len(missing) == 1:  # the title quotes it: say only where it is
            heading = _heading(report, form, missing[0][0])
            f.details = {"zh": [f"位置：正文（{heading}）"], "en": [f"Where: the text, section {heading}"]}
        else:
            f.details = {
                lang: [
                    _said_line(report, form, _Said(sid, 0, p), lang)
                    for (sid, _), p in zip(missing, phrases, strict=True)
                ]
                for lang in ("zh", "en")
            }
        out.append(f)

    five = _section_five(report, sections)
    heading = next((x.heading for x in form.sections if x.id == "五"), "五")
    if five is not None:
        out.append(tool_finding("PROSE-SECTION5-EMPTY", what=five, heading=heading))
    placeholder = _placeholder_sections(report, form, sections)
    if placeholder:
        out.append(placeholder)
    return out


def _placeholder_sections(report: UnitReport, form: Form, sections: dict[str, str]) -> Finding | None:
    """PROSE-PLACEHOLDER: the sections other than 五 (PROSE-SECTION5-EMPTY says it of 五) that hold nothing but the
    placeholder `xltool render` leaves for the author ("【待填写】请在此填写“一、总体情况”的内容。")."""
    order = {x.id: i for i, x in enumerate(form.sections)}
    left = [
        sid
        for sid in sorted(report.sections, key=lambda k: order.get(k, -1))
        if sid != "五" and PLACEHOLDER in (report.sections[sid] or "") and not sections.get(sid)
    ]
    if not left:
        return None
    headings = [_heading(report, form, sid) for sid in left]
    f = tool_finding(
        "PROSE-PLACEHOLDER",
        count=len(left),
        headings={"zh": "".join(f"“{h}”" for h in headings), "en": ", ".join(f"“{h}”" for h in headings)},
    )
    f.details = {
        "zh": [f"位置：正文（{h}）" for h in headings],
        "en": [f"Where: the text, section {h}" for h in headings],
    }
    return f


def _section_five(report: UnitReport, sections: dict[str, str]) -> dict[str, str] | None:
    if "五" not in report.sections:
        return {"zh": "未找到", "en": "was not found"}
    raw = report.sections.get("五") or ""
    text = sections.get("五", "")
    if not text and PLACEHOLDER in raw:
        return {"zh": "尚未填写（仍为待填写的占位文字）", "en": "was not written (still the placeholder)"}
    if not text:
        return {"zh": "内容为空", "en": "is empty"}
    meaningful = re.sub(r"[\W_]", "", text)
    if len(meaningful) <= 4:
        return {"zh": f"只有“{text}”，没有写明问题和改进措施", "en": f"only says “{text}”"}
    return None
