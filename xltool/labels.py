"""Tolerant matching of label text found in the wild to the form's official labels.

One implementation for the reader of non-template workbooks and the importer of published reports.
It tolerates the variants listed in shared/spec/form-2021.md: half-width brackets, "1、" for "1.",
stray spaces and line breaks (generic normalisation, here), the other wordings a form declares for a label
(`variants` in its YAML: "规范性文件" for 行政规范性文件), and typos ("2.其他法律行政止公开") by similarity —
and always says what was matched to what, so nothing is silently reinterpreted. No label is written here:
the form is data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from xltool.schema.model import Form, Table

VARIANT_SCORE = 0.99
"""The score of a match through a declared variant: not exact (the finding says what was read as what)."""
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


@cache
def form_variants(form: Form) -> dict[str, str]:
    """The other wordings the form declares for its labels: normalized variant -> official label.

    From `variants` of rows and columns and `title_variants` of tables (xltool/forms/*.yaml).
    """
    out: dict[str, str] = {}
    for t in form.tables:
        pairs = [(v, t.title) for v in t.title_variants]
        pairs += [(v, r.label) for r in t.rows for v in r.variants]
        pairs += [(v, c.label) for c in t.columns for v in c.variants]
        for v, official in pairs:
            out.setdefault(normalize(v), official)
    return out


@cache
def known_variants() -> dict[str, str]:
    """`form_variants` of every built-in form together: for matching against candidates not tied to one form.

    A variant only ever leads to its own official label, and only when that label is among the candidates.
    """
    from xltool.schema import available_forms, load_form

    out: dict[str, str] = {}
    for fid in available_forms():
        for n, official in form_variants(load_form(fid)).items():
            out.setdefault(n, official)
    return out


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


def best_match(
    text: object, candidates: dict[str, str], threshold: float = 0.75, variants: dict[str, str] | None = None
) -> Match | None:
    """The candidate (id -> official label) that `text` names, or None.

    Exact after normalization first, then a declared variant of a candidate's label, then similarity >=
    threshold with a clear winner.

    Args:
        text: the label as found.
        candidates: id -> official label.
        threshold: the least similarity that counts.
        variants: normalized variant -> official label (`form_variants(form)`); default: every built-in
            form's (`known_variants()`).
    """
    found = str(text or "").strip()
    n = normalize(found)
    if not n:
        return None
    norm = {cid: normalize(label) for cid, label in candidates.items()}
    for cid, ln in norm.items():
        if ln == n:
            return Match(cid, candidates[cid], found, 1.0)
    official = (known_variants() if variants is None else variants).get(n)
    if official:
        for cid, label in candidates.items():
            if label == official:
                return Match(cid, label, found, VARIANT_SCORE)
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
    return best_match(text, row_candidates(form, tid), threshold, form_variants(form))


def match_title(form: Form, text: object, threshold: float = 0.8) -> Match | None:
    """Which table a section heading names (二、主动公开政府信息情况 …)."""
    return best_match(text, {t.id: t.title for t in form.tables}, threshold, form_variants(form))


def match_column(form: Form, table: Table | str, text: object, threshold: float = 0.75) -> Match | None:
    """Which column of a table a header label names (official column labels of that table only)."""
    tid = table if isinstance(table, str) else table.id
    return best_match(text, column_candidates(form, tid), threshold, form_variants(form))
