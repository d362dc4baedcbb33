"""Tolerant matching of label text found in the wild to the form's official labels.

One implementation for the reader of non-template workbooks and the importer of published reports.
It tolerates the variants listed in shared/spec/form-2021.md: half-width brackets, "1、" for "1.",
stray spaces and line breaks, "规范性文件" for 行政规范性文件, and typos ("2.其他法律行政止公开"),
by similarity — and always says what was matched to what, so nothing is silently reinterpreted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from xltool.schema.model import Form, Table

# Known variants that similarity alone would score too low; normalized text -> official label.
ALIASES = {
    "规范性文件": "行政规范性文件",
    "政府信息公开行政法复议、行政诉讼情况": "四、政府信息公开行政复议、行政诉讼情况",
}
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")


@cache
def _numbered() -> re.Pattern[str]:
    # compiled on first use, not at import: every start-up pays for the regexes compiled at import
    return re.compile(r"^(\d+)[、．.，,]\s*")


def normalize(text: object) -> str:
    """Text reduced to what identifies a label: NFKC, no whitespace, no quotes, "1." numbering."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = "".join(s.split()).translate(_QUOTES)
    s = _numbered().sub(lambda m: m.group(1) + ".", s)
    return s


@dataclass(frozen=True)
class Match:
    """A label found in a file matched to an official label: what to what, and how closely."""

    target: str
    """The row or column id matched."""
    official: str
    """Its official label."""
    found: str
    """The text as found."""
    score: float
    """1.0 for an exact match (after normalization), else the similarity."""

    @property
    def exact(self) -> bool:
        return self.score >= 1.0

    def describe(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"“{self.found}” read as “{self.official}” (similarity {self.score:.2f})"
        return f"“{self.found}”按“{self.official}”识别（相似度 {self.score:.2f}）"


def similarity(a: str, b: str) -> float:
    from difflib import SequenceMatcher  # only labels that are not exact get here: not on a template's path

    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_match(text: object, candidates: dict[str, str], threshold: float = 0.75) -> Match | None:
    """The candidate (id -> official label) that `text` names, or None.

    Exact after normalization first, then aliases, then similarity >= threshold with a clear winner.
    """
    found = str(text or "").strip()
    n = normalize(found)
    if not n:
        return None
    norm = {cid: normalize(label) for cid, label in candidates.items()}
    for cid, ln in norm.items():
        if ln == n:
            return Match(cid, candidates[cid], found, 1.0)
    alias = ALIASES.get(n)
    if alias:
        for cid, label in candidates.items():
            if label == alias:
                return Match(cid, label, found, 0.99)
    scored = sorted(((similarity(n, ln), cid) for cid, ln in norm.items()), reverse=True)
    if not scored:
        return None
    top, cid = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    if top >= threshold and top - second >= 0.05:
        return Match(cid, candidates[cid], found, round(top, 3))
    return None


@cache
def row_candidates(form: Form, table_id: str) -> dict[str, str]:
    t = form.table(table_id)
    return {r.id: r.label for r in t.rows}


@cache
def column_candidates(form: Form, table_id: str) -> dict[str, str]:
    t = form.table(table_id)
    return {c.id: c.label for c in t.columns}


def match_row(form: Form, table: Table | str, text: object, threshold: float = 0.75) -> Match | None:
    """Which row of a table a label names (official labels of that table only)."""
    tid = table if isinstance(table, str) else table.id
    return best_match(text, row_candidates(form, tid), threshold)


def match_title(form: Form, text: object, threshold: float = 0.8) -> Match | None:
    """Which table a section heading names (二、主动公开政府信息情况 …)."""
    return best_match(text, {t.id: t.title for t in form.tables}, threshold)


def match_column(form: Form, table: Table | str, text: object, threshold: float = 0.75) -> Match | None:
    """Which column of a table a header label names (official column labels of that table only)."""
    tid = table if isinstance(table, str) else table.id
    return best_match(text, column_candidates(form, tid), threshold)
