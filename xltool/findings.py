"""Findings: what is wrong (or worth saying) about one unit's data, with where, the numbers and what to do.

A finding is a value, not an exception. Its message follows the shape in shared/spec/form-2021.md:
a headline 【错误 T3-BALANCE】…, the operands with their cells, both sides, the location, the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from xltool.schema.model import Text

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"
"""The tool's own finding ids and texts, one YAML file per module (package data)."""

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Finding:
    """One finding about one unit's data: the rule, its severity, where, the numbers and the fix, in zh and en."""

    rule: str
    """Rule id (T3-BALANCE, VALUE-BLANK, FILE-ENCRYPTED …): stable, public."""
    severity: str
    """`error`, `warning` or `info`."""
    title: dict[str, str]
    """Headline per language (zh, en), without the 【…】 prefix."""
    table: str | None = None
    keys: list[str] = field(default_factory=list)
    """Cell keys involved, in the order of the message."""
    cells: list[str] = field(default_factory=list)
    """Where they are: `表三!D7` (empty when the data did not come from a workbook)."""
    values: dict[str, Any] = field(default_factory=dict)
    left: int | Decimal | None = None
    right: int | Decimal | None = None
    delta: int | Decimal | None = None
    details: dict[str, list[str]] = field(default_factory=dict)
    """Lines under the headline per language (operands, sides, location)."""
    fix: dict[str, str] = field(default_factory=dict)
    explanation: str | None = None
    """The unit's 说明, when it gave one for this rule."""

    def message(self, lang: str = "zh") -> str:
        lang = "en" if lang == "en" else "zh"
        sev = self.severity if lang == "en" else SEVERITY_ZH[self.severity]
        lines = (
            [f"【{sev} {self.rule}】{self.title[lang]}"]
            if lang == "zh"
            else [f"[{sev} {self.rule}] {self.title[lang]}"]
        )
        lines += ["  " + d for d in self.details.get(lang, [])]
        if self.fix.get(lang):
            lines.append(("  处理：" if lang == "zh" else "  Fix: ") + self.fix[lang])
        if self.explanation:
            lines.append(("  单位说明：" if lang == "zh" else "  Explanation: ") + self.explanation)
        return "\n".join(lines)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "table": self.table,
            "keys": self.keys,
            "cells": self.cells,
            "values": {k: _plain(v) for k, v in self.values.items()},
            "left": _plain(self.left),
            "right": _plain(self.right),
            "delta": _plain(self.delta),
            "message": self.message(lang),
            **({"explanation": self.explanation} if self.explanation else {}),
        }


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text: Text | dict[str, str], lang: str, **params: Any) -> str:
    tpl = text.get(lang) if isinstance(text, Text) else text.get(lang, text.get("zh", ""))
    return tpl.format_map(_Safe({k: _num(v) for k, v in params.items()}))


def _num(v: Any) -> Any:
    from xltool.values import format_number

    if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return format_number(v)
    return v


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """The tool's own finding ids (xltool/messages/*.yaml, one file per module): severity and templates.

    Loaded on the first finding that needs it, from the user's cache when the files are unchanged
    (`xltool.schema.cache`: a run that finds it cached does not import PyYAML).

    Raises:
        ValueError: a finding id is declared twice, or an entry lacks its severity, title or fix.
    """
    from xltool.schema.cache import cached

    files = sorted((f for f in MESSAGES_DIR.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    sources = [(f.name, f.read_bytes()) for f in files]

    def build() -> list[Any]:
        from xltool.schema.load import parse_yaml

        return [parse_yaml(data.decode("utf-8")) or {} for _name, data in sources]

    return cached("messages.marshal", sources, build, lambda docs: _catalogue(sources, docs))


def _catalogue(sources: list[tuple[str, bytes]], docs: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(docs, list) or len(docs) != len(sources):
        raise ValueError("messages: one document per file expected")
    out: dict[str, dict[str, Any]] = {}
    for (name, _data), doc in zip(sources, docs, strict=True):
        if not isinstance(doc, dict):
            raise ValueError(f"messages/{name}: expected a mapping of finding ids")
        for k, v in doc.items():
            if k in out:
                raise ValueError(f"messages/{name}: duplicate finding id {k}")
            if not (isinstance(v, dict) and v.get("severity") in SEVERITY_ORDER and "title" in v and "fix" in v):
                raise ValueError(f"messages/{name}: {k}: severity, title and fix required")
            out[k] = v
    return out


def tool_finding(
    rule: str,
    *,
    details: dict[str, list[str]] | None = None,
    severity: str | None = None,
    **params: Any,
) -> Finding:
    """A finding of one of the tool's own ids, rendered in both languages from messages.yaml.

    `params` may hold per-language values as dicts ({'zh': …, 'en': …}) for placeholders such as {reason}.
    """
    spec = catalogue()[rule]

    def p(lang: str) -> dict[str, Any]:
        return {k: (v.get(lang, v.get("zh")) if isinstance(v, dict) else v) for k, v in params.items()}

    return Finding(
        rule=rule,
        severity=severity or spec["severity"],
        title={lang: render(spec["title"], lang, **p(lang)) for lang in ("zh", "en")},
        fix={lang: render(spec["fix"], lang, **p(lang)) for lang in ("zh", "en")},
        details=details or {},
        table=params.get("table") if isinstance(params.get("table"), str) else None,
    )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def counts(findings: list[Finding]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        out[f.severity] += 1
    return out
