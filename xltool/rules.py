"""The rule engine: every rule of the form on one unit's data (and last year's, for cross-year rules).

Values are read as they stand: a total that is present is used as it is by the other rules, so a
wrong total is reported once, by its own rule; a total that is absent is derived from its parts first.
Counts are ints and amounts Decimals throughout: no float ever enters a sum.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from xltool.findings import Finding, render
from xltool.interchange import UnitReport
from xltool.layout import sheet_layouts
from xltool.schema.load import load_form
from xltool.schema.model import Form, Rule, Table, carry_pairs
from xltool.values import Parsed, format_number, parse_value

Number = int | Decimal


def plural(n: int, one: str, many: str) -> str:
    """An English count with its noun: plural(1, "cell", "cells") -> "1 cell", plural(3, …) -> "3 cells"."""
    return f"{format_number(n)} {one if n == 1 else many}"


@dataclass
class Evaluated:
    """One unit's values as the rules see them."""

    values: dict[str, Number | None]
    """Cell key -> number (blanks are 0; derived totals filled in; None where invalid and underivable)."""
    parsed: dict[str, Parsed] = field(default_factory=dict)
    """Input and present total cells -> how their raw value was read."""
    derived: set[str] = field(default_factory=set)
    """Total keys that were absent (or unusable) and computed from their parts."""


_RECENT: dict[int, tuple[Any, Form, dict[str, Any], Evaluated]] = {}
"""The last few evaluations by report: a file's report is evaluated by the reader, the rules and the
consolidation in turn; the values are compared, so a report changed since is evaluated afresh."""


def evaluate(form: Form, report: UnitReport) -> Evaluated:
    """Parse every cell and derive absent totals (to a fixpoint, so totals of totals work).

    The result is shared with later calls for the same, unchanged report: treat it as read-only.
    """
    hit = _RECENT.get(id(report))
    if hit is not None and hit[0]() is report and hit[1] is form and hit[2] == report.values:
        return hit[3]
    ev = _evaluate(form, report)
    if len(_RECENT) >= 8:
        _RECENT.pop(next(iter(_RECENT)))
    try:
        _RECENT[id(report)] = (weakref.ref(report), form, dict(report.values), ev)
    except TypeError:  # an object without weak references (a test double): not remembered
        pass
    return ev


def _evaluate(form: Form, report: UnitReport) -> Evaluated:
    values: dict[str, Number | None] = {}
    parsed: dict[str, Parsed] = {}
    for key, cell in form.cells.items():
        raw = report.values.get(key)
        if cell.is_total and (raw is None or (isinstance(raw, str) and not raw.strip())):
            values[key] = None
            continue
        p = parse_value(raw, cell.type, cell.signed)
        parsed[key] = p
        if cell.is_total and p.status == "blank":
            values[key] = None  # "/" in a total: derive it
        else:
            values[key] = p.value
    derived: set[str] = set()
    pending = [k for k in form.total_keys if values[k] is None]
    progress = True
    while pending and progress:
        progress = False
        for key in list(pending):
            for parts in form.cells[key].totals:
                if parts and all(values.get(p) is not None for p in parts):
                    values[key] = sum((values[p] for p in parts), start=_zero(form, key))  # type: ignore[misc]
                    derived.add(key)
                    pending.remove(key)
                    progress = True
                    break
    return Evaluated(values, parsed, derived)


def _zero(form: Form, key: str) -> Number:
    return Decimal(0) if form.cells[key].type == "decimal" else 0


def item_label(t: Table, kind: str, item: str) -> str:
    """The official label that names a row or column in a message.

    A numbered sub-item ("3.其他") is ambiguous alone, so it is prefixed by its group ("（六）其他处理 3.其他");
    表四's groups name their parent ("行政诉讼 复议后起诉").
    """
    if kind == "column":
        return t.column_map[item].label
    row = t.row_map[item]
    if row.groups and (row.label[:1].isdigit() or t.layout == "row"):
        return f"{row.groups[-1]} {row.label}"
    return row.label


def _ref(report: UnitReport, key: str) -> str | None:
    ref = report.cell_ref(key)
    return ref.split("!", 1)[1] if ref and "!" in ref else ref


def _sheet(report: UnitReport, keys: list[str]) -> str | None:
    for k in keys:
        ref = report.cell_ref(k)
        if ref and "!" in ref:
            return ref.split("!", 1)[0]
    return None


def _operand(form: Form, report: UnitReport, key: str, prior: bool, v: Number, name: str, lang: str) -> str:
    ref = None if prior else _ref(report, key)
    prefix = ("上年" if lang == "zh" else "last year's ") if prior else ""
    where = (f"（{ref}）" if lang == "zh" else f" ({ref})") if ref else ""
    stored = None if prior else (report.meta.get("stored_totals") or {}).get(key)
    cell = form.cells[key]
    if ref and stored is not None and parse_value(stored, cell.type, cell.signed).value != v:
        # the workbook shows another figure in that cell (TOTAL-STORED says why): name both
        where = f"（{ref}，文件中为 {stored}）" if lang == "zh" else f" ({ref}; the file shows {stored})"
    return f"{prefix}{name} {format_number(v)}{where}"


def _then(s: str, op: str) -> str:
    # a full-width bracket carries its own space: "60（D7）+ …" as in the spec's example
    return s + (op.lstrip() if s.endswith("）") else op)


def _side(ops: list[tuple[int, str]], total: Number, zeros: int = 0, lang: str = "zh") -> str:
    s = ""
    if len(ops) == 1 and ops[0][0] > 0 and not zeros:
        return ops[0][1]
    for i, (sign, text) in enumerate(ops):
        if i == 0:
            s = ("− " if sign < 0 else "") + text
        else:
            s = _then(s, " − " if sign < 0 else " + ") + text
    if zeros:
        s += f"（其余 {zeros} 项为 0）" if lang == "zh" else f" (the other {zeros} items are 0)"
    return _then(s, " = ") + format_number(total)


@cache
def _ordinal() -> re.Pattern[str]:
    """The section ordinal of a t3 row label (一、本年新收…): the spec's operand lines name the row without it.

    Compiled on first use (a message that needs it), not at every start-up.
    """
    return re.compile(r"^[一二三四五六七八九十]+、")


Terms = list[tuple[int, str, bool]]
"""(sign, cell key, read from last year) for each term of one side of an equation."""


@cache
def equation_items(form: Form, rule: Rule) -> list[tuple[str, Terms, Terms]]:
    """An equation rule unrolled once per form: (item, left terms, right terms) with cell keys resolved.

    Items whose terms name a cell the table does not have (a 表二 row without that column) are dropped.
    """
    t = form.table(rule.table)  # type: ignore[arg-type]
    by_col = rule.for_each == "columns"
    items = [c.id for c in t.columns] if by_col else [r.id for r in t.rows]
    if rule.only:
        items = [i for i in items if i in rule.only]
    out = []
    for item in items:
        sides = []
        for terms in (rule.left, rule.right):
            side = []
            for term in terms:
                sign = -1 if term.startswith("-") else 1
                name = term.lstrip("-")
                is_prior = name.startswith("prior:")
                name = name.removeprefix("prior:")
                side.append((sign, t.key(name, item) if by_col else t.key(item, name), is_prior))
            sides.append(side)
        if all(k in form.cells for side in sides for _, k, _ in side):
            out.append((item, sides[0], sides[1]))
    return out


def _equation(form: Form, rule: Rule, report: UnitReport, ev: Evaluated, prior: Evaluated | None) -> list[Finding]:
    t = form.table(rule.table)  # type: ignore[arg-type]
    by_col = rule.for_each == "columns"
    out: list[Finding] = []
    cur = ev.values
    old = prior.values if prior else {}
    for item, lterms, rterms in equation_items(form, rule):
        sides: list[list[tuple[int, str, bool, Number]]] = []
        for terms in (lterms, rterms):
            side = []
            for sign, key, is_prior in terms:
                v = (old if is_prior else cur).get(key)
                if v is None:
                    break
                side.append((sign, key, is_prior, v))
            else:
                sides.append(side)
                continue
            break
        if len(sides) < 2:
            continue  # a term is unknown (invalid value, no prior): the rule cannot be checked here
        left = sum(s * v for s, _, _, v in sides[0])
        right = sum(s * v for s, _, _, v in sides[1])
        if left == right:
            continue
        out.append(_equation_finding(form, rule, t, item, by_col, report, sides, left, right))
    return out


def _equation_finding(form, rule, t, item, by_col, report, sides, left, right) -> Finding:
    delta = left - right
    label_of_item = item_label(t, "column" if by_col else "row", item)
    keys = [k for side in sides for _, k, p, _ in side if not p]
    cells = [report.cell_ref(k) for k in keys if report.cell_ref(k)]
    details: dict[str, list[str]] = {}
    for lang in ("zh", "en"):
        lines = []
        rendered = []
        for side in sides:
            ops = []
            # a long sum (（七）总计 of 21 items) lists only its non-zero terms
            shown = [x for x in side if x[3] != 0] if len(side) > 8 else side
            for sign, key, is_prior, v in shown:
                c = form.cells[key]
                name = _ordinal().sub("", item_label(t, "row" if by_col else "column", c.row if by_col else c.column))
                ops.append((sign, _operand(form, report, key, is_prior, v, name, lang)))
            rendered.append((ops or [(1, "0")], len(side) - len(shown)))
        lines.append(_side(rendered[0][0], left, rendered[0][1], lang))
        lines.append("≠ " + _side(rendered[1][0], right, rendered[1][1], lang))
        sheet = _sheet(report, keys)
        refs = [_ref(report, k) for k in keys if _ref(report, k)]
        if sheet and refs:
            lines.append(
                f"位置：工作表“{sheet}”{'、'.join(refs)}"
                if lang == "zh"
                else f"Where: sheet “{sheet}” {', '.join(refs)}"
            )
        details[lang] = lines
    params = {"table": t.name, "item": label_of_item, "delta": abs(delta), "left": left, "right": right}
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        title={lang: render(rule.title, lang, **params) for lang in ("zh", "en")},
        table=t.id,
        keys=keys,
        cells=cells,
        values={k: v for side in sides for _, k, p, v in side if not p},
        left=left,
        right=right,
        delta=delta,
        details=details,
        fix={lang: render(rule.fix, lang, **params) for lang in ("zh", "en")},
        explanation=report.explanations.get(rule.id),
    )


@cache
def _table_keys(form: Form, table_id: str) -> tuple[str, ...]:
    return tuple(k for k, c in form.cells.items() if c.table == table_id)


@cache
def _fillable_keys(form: Form) -> tuple[str, ...]:
    """The input cells a unit fills in: every input but those a template pre-fills from last year (上年结转)."""
    prefilled = {dst for _, dst, _ in carry_pairs(form)}
    return tuple(k for k, c in form.cells.items() if not c.is_total and k not in prefilled)


def _is_empty(form: Form, ev: Evaluated) -> bool:
    """Every cell the unit fills in is blank: the template came back as it was issued (VALUE-EMPTY)."""
    keys = _fillable_keys(form)
    return bool(keys) and all((p := ev.parsed.get(k)) is None or p.status == "blank" for k in keys)


def _empty_finding(rule: Rule) -> Finding:
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        title={lang: render(rule.title, lang) for lang in ("zh", "en")},
        fix={lang: render(rule.fix, lang) for lang in ("zh", "en")},
    )


def _value_findings(form: Form, report: UnitReport, ev: Evaluated) -> list[Finding]:
    rules = {r.kind: r for r in form.rules}
    if "value-empty" in rules and _is_empty(form, ev):
        return [_empty_finding(rules["value-empty"])]  # not 144 blank cells table by table
    out: list[Finding] = []
    # formulas saved without a result: the reader said so (INPUT-FORMULA-NO-VALUE), not blank nor mistyped
    said = report.meta.get("formulas_without_value") or {}
    for t in form.tables:
        blanks: list[str] = []
        coerced: list[tuple[str, Parsed]] = []
        hidden = report.meta.get("merged_cells") or {}  # blank under a merge: TEMPLATE-MERGED says it
        for key in _table_keys(form, t.id):
            p = ev.parsed.get(key)
            if p is None or key in said:
                continue
            cell = form.cells[key]
            if p.status == "invalid" and "value-type" in rules:
                out.append(_invalid(form, rules["value-type"], t, report, key, p))
            elif p.status == "blank" and not cell.is_total and key not in hidden:
                blanks.append(key)
            elif p.status == "coerced":
                coerced.append((key, p))
        if blanks and "value-blank" in rules:
            out.append(_grouped(form, rules["value-blank"], t, report, blanks, {}))
        if coerced and "value-coerced" in rules:
            out.append(_grouped(form, rules["value-coerced"], t, report, [k for k, _ in coerced], dict(coerced)))
    return out


def _where(report: UnitReport, key: str) -> str:
    ref = report.cell_ref(key)
    return ref if ref else key


def _invalid(form: Form, rule: Rule, t: Table, report: UnitReport, key: str, p: Parsed) -> Finding:
    raw = report.values.get(key)
    cell = form.cells[key]
    shown = f"“{raw}”" if isinstance(raw, str) else str(raw)
    expect = {
        "zh": "应为不小于 0 的整数" if cell.type == "integer" else "应为不小于 0 的数值（万元）",
        "en": "expected a whole number ≥ 0" if cell.type == "integer" else "expected a number ≥ 0 (万元)",
    }
    if cell.signed:
        expect = {"zh": "应为整数（可为负数）", "en": "expected a whole number (may be negative)"}
    sugg = {"zh": p.suggestion, "en": p.suggestion_en}
    details = {
        "zh": [f"单元格：{_where(report, key)}（{p.note}）"],
        "en": [f"Cell: {_where(report, key)} ({p.note_en})"],
    }
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        title={
            lang: render(rule.title, lang, table=t.name, item=form.label(key), value=shown, expect=expect[lang])
            for lang in ("zh", "en")
        },
        table=t.id,
        keys=[key],
        cells=[c for c in [report.cell_ref(key)] if c],
        values={key: raw},
        details=details,
        fix={lang: render(rule.fix, lang, suggestion=sugg[lang]) for lang in ("zh", "en")},
    )


def _grouped(
    form: Form, rule: Rule, t: Table, report: UnitReport, keys: list[str], notes: dict[str, Parsed]
) -> Finding:
    details: dict[str, list[str]] = {"zh": [], "en": []}
    # a column left blank as a whole (legal-person columns often are) is one line, not 24
    by_col: dict[str, list[str]] = {}
    for key in keys:
        if key not in notes:
            by_col.setdefault(form.cells[key].column, []).append(key)
    whole: set[str] = set()
    for cid, ks in by_col.items():
        inputs = [k for k, c in form.cells.items() if c.table == t.id and c.column == cid and not c.is_total]
        if len(ks) == len(inputs) > 3:
            whole.update(ks)
            label = t.column_map[cid].label
            first, last = (report.cell_ref(k) for k in (ks[0], ks[-1]))
            span = f"{first.split('!')[-1]}–{last.split('!')[-1]}，" if first and last else ""
            details["zh"].append(f"“{label}”列全部空白（{span}{len(ks)} 格）")
            details["en"].append(f"column “{label}” entirely blank ({span.replace('，', ', ')}{len(ks)} cells)")
    rest = [k for k in keys if k not in whole and k not in notes]
    if len(rest) > BLANK_CELL_LINES:  # the other blanks by column (by row in 表二/表四): a few lines, not 55
        for lang, lines in _blank_groups(form, t, report, rest).items():
            details[lang] += lines
        rest = []
    for key in keys:
        if key in whole or (key not in notes and key not in rest):
            continue
        raw = report.values.get(key)
        where = _where(report, key)
        label = form.label(key)
        if key in notes:
            p = notes[key]
            details["zh"].append(f"{where} {label}：“{raw}” → {format_number(p.value)}（{p.note}）")
            details["en"].append(f"{where} {label}: “{raw}” → {format_number(p.value)} ({p.note_en})")
        else:
            shown = _shown_blank(raw)
            details["zh"].append(f"{where} {label}：{shown}")
            details["en"].append(f"{where} {label}: {'blank' if shown == '空白' else shown}")
    first = keys[0]
    raw = report.values.get(first)
    params = {
        "table": t.name,
        "count": len(keys),
        "blank_cells": plural(len(keys), "blank cell", "blank cells"),  # VALUE-BLANK's English title
        "item": form.label(first),
        "value": f"“{raw}”" if isinstance(raw, str) else str(raw),  # as written, spaces too: as VALUE-TYPE does
        "number": format_number(notes[first].value) if first in notes else 0,
    }
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        title={lang: render(rule.title, lang, **params) for lang in ("zh", "en")},
        table=t.id,
        keys=list(keys),
        cells=[c for c in (report.cell_ref(k) for k in keys) if c],
        values={k: report.values.get(k) for k in keys},
        details=details,
        fix={lang: render(rule.fix, lang) for lang in ("zh", "en")},
    )


BLANK_CELL_LINES = 10
"""Blank cells of a table listed one per line in VALUE-BLANK; more are grouped by column (or row) into ranges."""


def _shown_blank(raw: Any) -> str:
    return "空白" if raw is None or (isinstance(raw, str) and not raw.strip()) else f"“{raw}”"


def _blank_groups(form: Form, t: Table, report: UnitReport, keys: list[str]) -> dict[str, list[str]]:
    """VALUE-BLANK's lines for many blank cells: one per column of 表三 (per row of 表二 and 表四) and per way the
    cells were left blank (空白, “—”, “/”), their cells as ranges: “科研机构”列 14 格空白：表三!F7:F8、F10:F14."""
    from xltool.report_xlsx import cell_ranges

    by_col = t.layout == "matrix"
    groups: dict[tuple[str, str], list[str]] = {}
    for k in keys:
        part = form.cells[k].column if by_col else form.cells[k].row
        groups.setdefault((part, _shown_blank(report.values.get(k))), []).append(k)
    if len(groups) > BLANK_CELL_LINES:  # many ways of leaving blank: one line per column (row) with them all
        merged: dict[tuple[str, str], list[str]] = {}
        for (part, _), ks in groups.items():
            merged.setdefault((part, ""), []).extend(ks)
        groups = merged
    out: dict[str, list[str]] = {"zh": [], "en": []}
    order = {x.id: i for i, x in enumerate(t.columns if by_col else t.rows)}
    for (part, shown), ks in sorted(groups.items(), key=lambda g: (order[g[0][0]], keys.index(g[1][0]))):
        if len(ks) == 1:  # alone in its column (row): the cell's own line
            one = _shown_blank(report.values.get(ks[0]))
            out["zh"].append(f"{_where(report, ks[0])} {form.label(ks[0])}：{one}")
            out["en"].append(f"{_where(report, ks[0])} {form.label(ks[0])}: {'blank' if one == '空白' else one}")
            continue
        name = item_label(t, "column" if by_col else "row", part)
        refs = [r for r in (report.cell_ref(k) for k in ks) if r]
        ranges, last = [], None
        for ref in cell_ranges(refs):  # the sheet named once: 表三!F7:F8、F10:F14
            sheet, _, a1 = ref.rpartition("!")
            ranges.append(a1 if sheet and sheet == last else ref)
            last = sheet or last
        if not shown:
            shown = "、".join(dict.fromkeys(_shown_blank(report.values.get(k)) for k in ks))
            what_zh, what_en = f"（{shown}）", f" ({shown.replace('空白', 'blank').replace('、', ', ')})"
        elif shown == "空白":
            what_zh, what_en = "空白", " blank"
        else:
            what_zh, what_en = f"为{shown}", f" {shown}"
        kind_zh, kind_en = ("列", "column") if by_col else ("行", "row")
        at_zh = "：" + "、".join(ranges) if ranges else ""
        at_en = ": " + ", ".join(ranges) if ranges else ""
        out["zh"].append(f"“{name}”{kind_zh} {len(ks)} 格{what_zh}{at_zh}")
        out["en"].append(f"{kind_en} “{name}”: {plural(len(ks), 'cell', 'cells')}{what_en}{at_en}")
    return out


def check(form: Form, report: UnitReport, prior: UnitReport | None = None) -> list[Finding]:
    """Every rule of the form on one unit's report.

    Args:
        form: the form the report is of.
        report: the unit's data for the year.
        prior: the same unit's report of the previous year, for cross-year rules; None skips them.

    Returns:
        Findings in rule order (value rules first, then equations in declaration order).
    """
    own = _remembered(form, report)
    if own is None:
        own = own_findings(form, report)
    if prior is None or any(form.rule_map[f.rule].kind == "value-empty" for f in own):
        return list(own)  # nothing filled in: that alone is said (not last year's rules on blanks either)
    # last year's data are read with their own form (a 2020 report is on the 2019 form): a term that
    # form lacks (t2 in_force) is then absent and its rule skipped, instead of read as a blank 0
    pform = form if prior.form == form.id else load_form(prior.form)
    pev = evaluate(pform, prior)
    ev = evaluate(form, report)
    cross = [
        f
        for rule in form.rules
        if rule.kind == "equation" and rule.cross_year
        for f in _equation(form, rule, report, ev, pev)
    ]
    if not cross:
        return list(own)
    order = {r.id: i for i, r in enumerate(form.rules)}
    values = [f for f in own if form.rule_map[f.rule].kind != "equation"]
    equations = [f for f in own if form.rule_map[f.rule].kind == "equation"]
    return values + sorted(equations + cross, key=lambda f: order[f.rule])  # stable: each rule's items in order


def own_findings(form: Form, report: UnitReport) -> list[Finding]:
    """The findings of every rule that needs nothing but the report itself: the value rules and this year's
    equations (what the result cache keeps with a file's reading; `check` adds the cross-year ones)."""
    ev = evaluate(form, report)
    findings = _value_findings(form, report, ev)
    if any(form.rule_map[f.rule].kind == "value-empty" for f in findings):
        return findings  # nothing filled in: this year's sums of blanks (or of last year's carry) say no more
    equations: list[Finding] = []
    for rule in form.rules:
        if rule.kind == "equation" and not rule.cross_year:
            equations.extend(_equation(form, rule, report, ev, None))
    return findings + _without_echoes(form, ev, equations)


def _without_echoes(form: Form, ev: Evaluated, findings: list[Finding]) -> list[Finding]:
    """A stated total that fails its own sum rule (T3-TOTAL: 予以公开 总计 999, its columns 0) is reported there.
    A total the report left out is derived from one set of its parts; a sum rule that compares that derived
    total with its other set of parts then only repeats the stated total's error (T3-RESULTS of the 总计
    column, 差 999): such a finding is dropped. Equations over stated values alone are all kept."""
    wrong = {
        f.keys[0] for f in findings if len(form.rule_map[f.rule].left) == 1 and f.keys and f.keys[0] not in ev.derived
    }
    if not wrong:
        return findings
    return [f for f in findings if not (any(k in ev.derived for k in f.keys) and any(k in wrong for k in f.keys[1:]))]


_OWN = "_xltool_own_findings"


def remember_own(form: Form, report: UnitReport, findings: list[Finding]) -> None:
    """Hand `check` the report's `own_findings` found before (kept by the result cache): used once, by the next
    check of this very report while its values are unchanged, then forgotten (it never travels further)."""
    report.__dict__[_OWN] = (form.id, dict(report.values), findings)


def _remembered(form: Form, report: UnitReport, what: str = _OWN) -> Any:
    got = report.__dict__.pop(what, None)
    if got is None or got[0] != form.id or got[1] != report.values:
        return None
    return got[2]


_VALUES = "_xltool_evaluated_values"


def remember_values(form: Form, report: UnitReport, values: dict[str, Any]) -> None:
    """Hand the next `remembered_values` the report's `evaluate(...).values` found before (the result cache
    keeps them: what a consolidation sums), on the same terms as `remember_own`."""
    report.__dict__[_VALUES] = (form.id, dict(report.values), values)


def forget_remembered(report: UnitReport) -> None:
    """Drop whatever `remember_own` / `remember_values` handed over and was not used (before the report is sent on)."""
    report.__dict__.pop(_OWN, None)
    report.__dict__.pop(_VALUES, None)


def remembered_values(form: Form, report: UnitReport) -> dict[str, Any] | None:
    """The evaluated values `remember_values` handed over for this unchanged report (once), else None."""
    return _remembered(form, report, _VALUES)


def template_refs(form: Form) -> dict[str, str]:
    """Key -> `表三!D7` for the issued template (for data read from a template)."""
    return {k: f"{lay.sheet}!{p.ref}" for lay in sheet_layouts(form).values() for k, p in lay.cells.items()}


def as_dict(ev: Evaluated) -> dict[str, Any]:
    return dict(ev.values)
