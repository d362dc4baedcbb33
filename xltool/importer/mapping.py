"""A published report's structure -> one unit's data: the form's tables found by their labels.

Input is the neutral structure of :mod:`xltool.importer.extract` (title, sections, table grids). This module
knows the form: it finds the unit and the year in the title, tells the 2021 form from the 2019 one by the labels
of 表二 and 表三, finds 表二, 表三 and 表四 among the document's tables by their labels (through the one tolerant
matcher, :mod:`xltool.labels`, shared with the workbook reader), and reads every value as published: a blank
cell is null, "/" stays "/", the validator decides what they mean. Each value keeps where it was read
(page, table, row, column) in ``source.cells``; every label read by similarity is reported, so nothing is
silently reinterpreted.

Example::

    mapped = map_document(extract("huaian-city-2024-report.pdf"), file="huaian-city-2024-report.pdf")
    mapped.report.values["t3.new_received.total"]   # 3119
    mapped.report.source["cells"]["t3.new_received.total"]   # {'page': 4, 'table': 2, 'row': 4, 'col': 10}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from xltool.findings import Finding, tool_finding
from xltool.importer.extract import PREAMBLE, ExtractedDocument, ExtractedTable, merge_continued
from xltool.interchange import UnitReport
from xltool.labels import Match, best_match, match_column, match_row, normalize, similarity
from xltool.schema import Form, load_form
from xltool.schema.versions import SplitRow, split_rows
from xltool.values import parse_value

__all__ = ["FORM_2019", "FORM_2021", "Mapped", "describe_source", "map_document", "parse_title", "published_value"]

FORM_2021 = "gov-disclosure-2021"
FORM_2019 = "gov-disclosure-2019"
MAX_TABLES = 200
"""Tables examined per document: bounds the label matching on a hostile file."""
MAX_LABEL_LEN = 100
"""Longer cell texts are prose, not labels (the longest official label has 38 characters)."""


@dataclass
class Mapped:
    """What the mapping gave: a report (None when 表三 is missing) and the findings about the reading."""

    report: UnitReport | None
    findings: list[Finding] = field(default_factory=list)
    statistics_return: bool = False
    """The document holds the form's tables and no report prose (no section heading, no sentence outside the
    tables): a statistics return (a filled-in template saved as a web page), not a published report. The prose
    checks (PROSE-*) do not apply to it."""


# Values


_INT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?\d+\.\d+$")


def published_value(text: str | None) -> int | Decimal | str | None:
    """A cell's text as interchange data: a plain number as a number, blank as None, anything else as found."""
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    if _INT.match(s):
        return int(s)
    if _DEC.match(s):
        return Decimal(s)
    return s


def _is_number(text: str | None) -> bool:
    """A cell that holds a number as published ("12", "1,234", "12件"), not a blank mark or a word."""
    if not text or not any(ch.isdigit() for ch in text):
        return False
    return parse_value(text, "decimal").status in ("ok", "coerced")


MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}
"""Units an amount may be printed in, in 元: a column declared in one (`unit: 万元`) is converted from another."""
_MONEY = re.compile(r"亿元|万元|千元|元")
_MONEY_VALUE = re.compile(r"([+-]?[\d,，]+(?:\.\d+)?)\s*(亿元|万元|千元|元)")


def _stated_unit(text: str | None) -> str | None:
    """The money unit a header states ("本年收费金额（单位：元）" -> 元), None when it states none or several."""
    units = set(_MONEY.findall(text or ""))
    return units.pop() if len(units) == 1 else None


def _is_label(text: str | None) -> bool:
    """Text that may be a label: words, not a number or a blank mark ("/", "—", "无")."""
    if not text or len(text) > MAX_LABEL_LEN:
        return False
    n = normalize(text)
    if not n or re.fullmatch(r"[+\-\d.,/%—－–\\、]+", n) or n in ("无", "没有", "空"):
        return False
    return bool(re.search(r"[^\W\d_]", n))


# Title


_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0"}
_CN_DIGITS.update({ch: str(i) for i, ch in enumerate("零一二三四五六七八九") if i})
_YEAR = re.compile(r"((?:19|20)\d{2}|[二][〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{2})\s*年度?")
_REPORT_WORDS = ("政府信息公开", "政务公开", "信息公开", "年度报告", "工作报告")


def _year_digits(text: str) -> int | None:
    """2023 for "2023" or "二〇二三" (a year between 2000 and 2100), else None."""
    digits = "".join(_CN_DIGITS.get(ch, ch) for ch in text)
    return int(digits) if digits.isdigit() and 2000 <= int(digits) <= 2100 else None


def year_named(text: str | None) -> int | None:
    """The one year a text names ("2023年", "2023 年度", "二〇二三年"); None when it names none, or several."""
    found = {y for m in _YEAR.finditer(re.sub(r"\s+", "", text or "")) if (y := _year_digits(m.group(1)))}
    return found.pop() if len(found) == 1 else None


def _strip_year(text: str) -> str:
    """A header without the year it names: "2024年本年处理决定数量" -> "本年处理决定数量"."""
    return _YEAR.sub("", re.sub(r"\s+", "", text)).strip("：:、 ") or text


def parse_title(title: str) -> tuple[str, int | None]:
    """The unit and the year a report's title names.

    "烟台市芝罘区科学技术局 2021 年政府信息公开工作年度报告" -> ("烟台市芝罘区科学技术局", 2021); the year may
    stand before the unit ("2021年烟台市……"), be written "2021年度" or "二〇二一年", or be in brackets at the end.

    Returns:
        (unit, year): unit '' and year None when not found.
    """
    s = re.sub(r"\s+", "", title or "")
    year = None
    m = _YEAR.search(s)
    if m:
        year = _year_digits(m.group(1))
        s = s[: m.start()] + s[m.end() :]
    s = re.sub(r"[（(][）)]", "", s)
    cut = min((i for i in (s.find(w) for w in _REPORT_WORDS) if i >= 0), default=-1)
    unit = s[:cut] if cut >= 0 else ""  # not a report's title: no unit in it
    unit = re.sub(r"^(关于|[《“\"「【\[])+|([》”\"」】\]]|的|关于)+$", "", unit)
    unit = unit.strip("：:，,、 ")
    if len(unit) < 2 or len(unit) > 60:
        unit = ""
    return unit, year


# Form labels


@cache
def _form_labels(form_id: str) -> dict[str, set[str]]:
    """Normalized labels of a form per table: rows, columns, groups, block headings and header texts."""
    form = load_form(form_id)
    out: dict[str, set[str]] = {}
    for t in form.tables:
        texts = {r.label for r in t.rows} | {c.label for c in t.columns} | {h.text for h in t.header}
        texts |= {g for r in t.rows for g in r.groups} | {b.heading for b in t.blocks} | {b.header for b in t.blocks}
        if t.corner:
            texts.add(t.corner)
        out[t.id] = {normalize(x) for x in texts}
    return out


@cache
def _version_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Labels of 表二 and 表三 found only in the 2019 form, and only in the 2021 form (normalized -> as printed)."""
    f19, f21 = load_form(FORM_2019), load_form(FORM_2021)

    def printed(form: Form) -> dict[str, str]:
        out: dict[str, str] = {}
        for tid in ("t2", "t3"):
            t = form.table(tid)
            groups = [g for r in t.rows for g in r.groups]
            for text in (
                [r.label for r in t.rows] + [c.label for c in t.columns] + [b.heading for b in t.blocks] + groups
            ):
                out.setdefault(normalize(text), text)
        return out

    p19, p21 = printed(f19), printed(f21)
    return ({n: x for n, x in p19.items() if n not in p21}, {n: x for n, x in p21.items() if n not in p19})


@cache
def _classifier_labels() -> dict[str, set[str]]:
    """Labels that identify each table, from both forms; labels shared by two tables ("总计", "其他") left out."""
    merged: dict[str, set[str]] = {"t2": set(), "t3": set(), "t4": set()}
    for fid in (FORM_2021, FORM_2019):
        for tid, labels in _form_labels(fid).items():
            merged[tid] |= labels
    shared = (merged["t2"] & merged["t3"]) | (merged["t2"] & merged["t4"]) | (merged["t3"] & merged["t4"])
    return {tid: labels - shared for tid, labels in merged.items()}


@cache
def _row_labels_both() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for tid in ("t2", "t3"):
        cands: dict[str, str] = {}
        for fid in (FORM_2021, FORM_2019):
            for r in load_form(fid).table(tid).rows:
                cands.setdefault(normalize(r.label), r.label)
        out[tid] = cands
    return out


def _classify(t: ExtractedTable) -> str | None:
    """'t2', 't3' or 't4' by the labels the table holds; None for a table of none of them."""
    labels = _classifier_labels()
    rows = _row_labels_both()
    texts = {normalize(c) for row in t.rows[:200] for c in row if _is_label(c)}
    if len(texts) > 400:
        return None
    score = {tid: len(texts & labels[tid]) for tid in labels}
    for tid in ("t2", "t3"):
        # typos: a row label matched by similarity counts too
        for n in texts - labels[tid]:
            if len(n) >= 4 and best_match(n, rows[tid], 0.8) is not None:
                score[tid] += 1
    need = {"t2": 2, "t3": 3, "t4": 3}
    best = max(score, key=lambda k: score[k])
    return best if score[best] >= need[best] else None


# Where a value was read


def _source(t: ExtractedTable, r: int, c: int) -> dict[str, int]:
    out: dict[str, int] = {}
    page = t.row_pages[r] if t.row_pages and r < len(t.row_pages) else t.page
    if page is not None:
        out["page"] = page
    out.update({"table": t.index + 1, "row": r + 1, "col": c + 1})
    return out


# Where a table is printed


@dataclass(frozen=True)
class _Place:
    """Where a table is printed in the document."""

    section: str | None
    """'一'..'六': the section whose heading the table is printed under (None: before any heading)."""
    caption: str
    """The title-like line just above the table ("2023年度政府信息公开申请情况"), '' if there is none."""


CAPTION_MAX = 60
"""Longer lines above a table are prose, not its title."""
_SENTENCE = re.compile(r"[。，；,;]")
"""A line with these is a sentence (prose), not a table's title."""
PROSE_MIN = 10
"""A sentence outside the tables at least this long is report prose (a statistics return has none)."""


def _render_row(row: list[str | None]) -> str:
    """A grid row as the document's text holds it (:mod:`.extract`: cells tab-separated)."""
    return "\t".join(c or "" for c in row).rstrip("\t")


def _places(doc: ExtractedDocument) -> tuple[dict[int, _Place], bool]:
    """Where each table of the document is printed (by its index), and whether the document has prose.

    The document's text holds the paragraphs and, in place, each table one row a line: walking it gives the
    section heading above each table and the line just above it. A table whose rows are not found in the text
    (not expected) has no place. Prose is a sentence outside the tables and headings other than the title.
    """
    lines = doc.text.split("\n")
    at_line: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        at_line.setdefault(line, []).append(i)
    heads = [(num, n) for num, h in doc.headings.items() if (n := normalize(h))]
    title = normalize(doc.title)
    state: dict[str, Any] = {"section": None, "caption": "", "prose": False, "i": 0}

    def scan(upto: int) -> None:
        for line in lines[state["i"] : upto]:
            text = line.strip()
            if not text:
                continue
            n = normalize(text)
            head = next(((num, h) for num, h in heads if n.startswith(h)), None)
            rest = n[len(head[1]) :] if head else n
            if head:
                state["section"], state["caption"] = head[0], ""
            else:
                state["caption"] = text if len(text) <= CAPTION_MAX and not _SENTENCE.search(text) else ""
            if rest != title and len(rest) >= PROSE_MIN and _SENTENCE.search(rest):
                state["prose"] = True
        state["i"] = max(state["i"], upto)

    out: dict[int, _Place] = {}
    for t in doc.tables:
        rendered = [_render_row(r) for r in t.rows]
        if not rendered:
            continue
        start = state["i"]
        at = next(
            (p for p in at_line.get(rendered[0], ()) if p >= start and lines[p : p + len(rendered)] == rendered), None
        )
        if at is None:
            continue
        scan(at)
        out[t.index] = _Place(state["section"], state["caption"])
        state["caption"] = ""
        state["i"] = at + len(rendered)
    scan(len(lines))
    return out, state["prose"]


def _merged_places(
    parts: list[ExtractedTable], merged: list[ExtractedTable], places: dict[int, _Place]
) -> dict[int, _Place]:
    """The places of the tables :func:`merge_continued` returned (renumbered), by the first part of each.

    A joined table covers consecutive parts, up to the page its last part is on (parts are per page); a table
    that was not joined is its one part.
    """
    out: dict[int, _Place] = {}
    j = 0
    for m in merged:
        if j >= len(parts):
            break
        if parts[j].index in places:
            out[m.index] = places[parts[j].index]
        end = m.last_page or m.page
        while end is not None and j + 1 < len(parts) and (parts[j].last_page or parts[j].page) != end:
            j += 1
        j += 1
    return out


@cache
def _check_labels(form_id: str) -> frozenset[str]:
    """Labels of the template's own live checks (勾稽关系校验, 总计校验, 本表校验结果 …), normalized: rows and
    columns that a returned template (or its export as a web page) prints beside the form's and that hold no data."""
    from xltool.template_checks import STATUS_LABEL, in_year_error_equations, rule_check_label

    form = load_form(form_id)
    labels = {normalize(STATUS_LABEL)}
    for r in in_year_error_equations(form):
        labels |= {normalize(rule_check_label(form, r, lang)) for lang in ("zh", "en")}
    return frozenset(labels)


# The unit, its code and the year as a filled-in return states them ("填报单位：……  单位代码：……")

_FIELD = r"\s*[：:\t]\s*"
_FILLED_UNIT = re.compile(r"(?:填报单位|报送单位|报告单位|单位名称)(?:[（(]盖章[）)])?" + _FIELD + r"([^\t]+)")
_FILLED_CODE = re.compile(r"(?:单位代码|单位编码|统一社会信用代码)" + _FIELD + r"([0-9A-Za-z][0-9A-Za-z\-]{1,39})")
_FILLED_YEAR = re.compile(r"报告年度" + _FIELD + r"((?:19|20)\d{2})")
_FIELD_END = re.compile(
    r"单位代码|单位编码|统一社会信用代码|报告年度|填报日期|填报人|联系人|联系电话|负责人|审核人"
    r"|[（(]盖章[）)]|\s{2,}|　"
)
FILLED_LINES = 300
"""Lines of the document searched for 填报单位 (a return states it above its tables)."""


def _filled_in(doc: ExtractedDocument) -> tuple[str, str | None, int | None]:
    """(unit, code, year) that a return's 填报单位：…, 单位代码：…, 报告年度：… state; '' / None when not stated."""
    unit, code, year = "", None, None
    for line in doc.text.split("\n")[:FILLED_LINES]:
        if not unit and (m := _FILLED_UNIT.search(line)):
            name = _FIELD_END.split(m.group(1), maxsplit=1)[0].strip("：:，,、。 ")
            unit = name if 2 <= len(name) <= 60 else ""
        if code is None and (m := _FILLED_CODE.search(line)):
            code = m.group(1)
        if year is None and (m := _FILLED_YEAR.search(line)):
            year = _year_digits(m.group(1))
        if unit and code and year:
            break
    return unit, code, year


PUBLISHED = "@report"
"""Suffix of the messages/importer.yaml entries that word a finding the workbook reader shares for a published
report: the reader's advice speaks to the clerk who fills in the template ("use the 2021 template"), the
importer's to someone who reads a report and cannot change it."""


def _published_variant(rule: str, **params: Any) -> Finding:
    """The finding `rule` (same id, same severity) worded for a published report (``{rule}@report``)."""
    f = tool_finding(rule + PUBLISHED, **params)
    f.rule = rule
    return f


def _numbers(labels, lang: str) -> str:
    """The item numbers of official labels: '1.、2.、3.' ('1., 2., 3.' in English)."""
    return ("、" if lang == "zh" else ", ").join(label.split(".", 1)[0] + "." for label in labels)


def describe_source(src: dict[str, Any], lang: str = "zh") -> str:
    """'第4页 表格2 第8行第4列' for a source.cells entry (what a person needs to find it in the report)."""
    page = src.get("page")
    if lang == "en":
        where = f"table {src.get('table')}, row {src.get('row')}" + (f", column {src['col']}" if "col" in src else "")
        return (f"page {page}, " if page else "") + where
    where = f"表格{src.get('table')} 第{src.get('row')}行" + (f"第{src['col']}列" if "col" in src else "")
    return (f"第{page}页 " if page else "") + where


# The mapping


_WHAT = {"columns": {"zh": "列", "en": "columns"}, "rows": {"zh": "行", "en": "rows"}}

INSTANCE_OVERLAP = 2
"""A table that names this many rows the tables before it named is another copy of the form's table (last
year's, printed for comparison), not its continuation; one repeated row is a duplicated row."""


class _Mapper:
    def __init__(
        self,
        form: Form,
        year: int | None,
        places: dict[int, _Place] | None = None,
        headings: dict[str, str] | None = None,
    ):
        self.form = form
        self.year = year
        self.places = places or {}
        self.headings = headings or {}
        self.values: dict[str, Any] = {}
        self.cells: dict[str, dict[str, Any]] = {}
        self.findings: list[Finding] = []
        self.similar: list[tuple[str, Match, dict[str, int]]] = []
        self.old_labels: dict[str, str] = _version_labels()[0] if form.id == FORM_2021 else {}
        self._t2_header_texts: dict[str, str] = {}
        self._t2_header_cols: dict[int, str] = {}
        self.refused: dict[str, Finding] = {}
        """Table id -> why the table was not read (TABLE-MISSING@…): it holds more values than the form."""
        self.unsplit: dict[str, str] = {}
        """Cell keys the report does not print (1., 2. of a （六） printed as one row) -> that row's label."""
        self._covers: dict[int, dict[tuple[int, int], tuple[int, int]]] = {}
        self._unreadable: dict[str, tuple[list[tuple[str, str]], set[int], set[str]]] = {}

    # helpers

    def _sub(self) -> _Mapper:
        """A mapper of the same report for one copy of a table, to be kept or dropped as a whole."""
        return _Mapper(self.form, self.year, self.places, self.headings)

    def _absorb(self, sub: _Mapper) -> None:
        self.values.update(sub.values)
        self.cells.update(sub.cells)
        self.findings += sub.findings
        self.similar += sub.similar
        self.refused.update(sub.refused)
        self.unsplit.update(sub.unsplit)

    def _text_at(self, ext: ExtractedTable, r: int, c: int) -> str | None:
        """The text shown at a grid position: its own cell's, or that of the merged cell covering it."""
        row = ext.rows[r]
        if c < len(row) and row[c] is not None:
            return row[c]
        cover = self._covers.get(id(ext))
        if cover is None:
            cover = {}
            for (r0, c0), (rs, cs) in ext.spans.items():
                for i in range(r0, r0 + rs):
                    for j in range(c0, c0 + cs):
                        if (i, j) != (r0, c0):
                            cover[(i, j)] = (r0, c0)
            self._covers[id(ext)] = cover
        at = cover.get((r, c))
        return ext.rows[at[0]][at[1]] if at else None

    def _column_years(self, ext: ExtractedTable, header: list[int], cols: list[int], per: int) -> dict[int, int]:
        """Column -> the year its header names ("2023年" over three columns, "2024年本年处理决定数量").

        By the header cell over each column (a merged one covers its columns); where the grid does not say which
        cell covers a column (a plain-text table), the header's years in order, when the columns are exactly
        `per` for each of them.
        """
        out: dict[int, int] = {}
        for c in cols:
            for r in header:
                y = year_named(self._text_at(ext, r, c))
                if y is not None:
                    out[c] = y
                    break
        if len(set(out.values())) >= 2 or not header:
            return out
        years: list[int] = []
        for r in header:
            for v in ext.rows[r]:
                y = year_named(v)
                if y is not None and y not in years:
                    years.append(y)
        if len(years) >= 2 and len(cols) == per * len(years):
            return {c: years[i // per] for i, c in enumerate(cols)}
        return out

    def _pick_year(
        self, t, ext: ExtractedTable, header: list[int], cols: list[int], per: int, r: int, label: str
    ) -> list[int] | None:
        """The value cells of the report's year among a row's value cells `cols`, when they are more than `per`.

        Cells under two or more years (by the header): those of the report's year, said once per table
        (REPORT-YEAR-COLUMNS). None, and the table is not read (TABLE-MISSING@years), when the report's year is not
        among them, or when the row holds more numbers than the form has values and no header says their year.
        """
        years = self._column_years(ext, header, cols, per)
        found = sorted(set(years.values()))
        if len(found) >= 2 and self.year in found:
            self._said_years(t, found, "columns")
            return [c for c in cols if years.get(c) == self.year]
        row = ext.rows[r]
        numbers = [c for c in cols if c < len(row) and _is_number(row[c])]
        if len(found) < 2 and len(numbers) <= per:
            return cols
        shown = [f"{row[c]}（{years[c]}年）" if c in years else f"{row[c]}" for c in numbers or cols]
        shown_en = [f"{row[c]} ({years[c]})" if c in years else f"{row[c]}" for c in numbers or cols]
        where = {
            lang: describe_source({k: v for k, v in _source(ext, r, 0).items() if k != "col"}, lang)
            for lang in ("zh", "en")
        }
        self._ambiguous(
            t,
            f"{where['zh']}“{label}”：{'、'.join(shown)}",
            f"{where['en']} “{label}”: {', '.join(shown_en)}",
            found,
            "columns",
        )
        return None

    def _said_years(self, t, found: list[int], what: str) -> None:
        """REPORT-YEAR-COLUMNS, once per table: the report's year chosen among the years the table prints."""
        if any(f.rule == "REPORT-YEAR-COLUMNS" and f.table == t.id for f in self.findings):
            return
        f = tool_finding(
            "REPORT-YEAR-COLUMNS",
            table=t.name,
            years="、".join(f"{y} 年" for y in found),
            years_en=", ".join(str(y) for y in found),
            year=self.year,
            what=_WHAT[what],
        )
        f.table = t.id
        self.findings.append(f)

    def _ambiguous(self, t, zh: str, en: str, found: list[int], what: str) -> None:
        """A row (or the columns) of `t` with more values than the form and no year that says which to read."""
        lines, years, kinds = self._unreadable.setdefault(t.id, ([], set(), set()))
        lines.append((zh, en))
        years.update(found)
        kinds.add(what)

    def _refusal(self, t) -> bool:
        """Whether `t` held values of more than one year (or more than the form's) that cannot be told apart: then
        none of its values is kept and TABLE-MISSING@years says why, naming the rows or columns."""
        if t.id not in self._unreadable:
            return False
        lines, years, kinds = self._unreadable[t.id]
        for k in [k for k in self.values if k.startswith(t.id + ".")]:
            del self.values[k]
            self.cells.pop(k, None)
        self.findings = [f for f in self.findings if f.table != t.id]  # of a table not read: nothing else to say
        self.similar = [x for x in self.similar if x[0] != t.id]
        self.unsplit = {k: v for k, v in self.unsplit.items() if not k.startswith(t.id + ".")}
        what = "rows" if kinds == {"rows"} else "columns"
        printed = {
            "zh": "、".join(f"{y} 年" for y in sorted(years)) if len(years) >= 2 else "",
            "en": ", ".join(str(y) for y in sorted(years)) if len(years) >= 2 else "",
        }
        if printed["zh"] and self.year is None:
            why = {
                "zh": f"印有 {printed['zh']} 的数值，而报告的年度未能识别",
                "en": f"it prints values of {printed['en']}, and the report's year is not known",
            }
        elif printed["zh"] and self.year not in years:
            why = {
                "zh": f"印有 {printed['zh']} 的数值，其中没有 {self.year} 年",
                "en": f"it prints values of {printed['en']}, none of {self.year}",
            }
        else:
            why = {
                "zh": f"数值{_WHAT[what]['zh']}多于官方格式，表头未标明各{_WHAT[what]['zh']}的年度",
                "en": f"it has more value {_WHAT[what]['en']} than the form, and no header says their year",
            }
        year = {
            "zh": f"{self.year} 年度" if self.year else "本年度",
            "en": str(self.year) if self.year else "this year",
        }
        f = tool_finding("TABLE-MISSING@years", table=t.name, title=t.title, why=why, year=year, what=_WHAT[what])
        f.rule = "TABLE-MISSING"
        f.table = t.id
        f.details = {"zh": [zh for zh, _ in lines], "en": [en for _, en in lines]}
        self.refused[t.id] = f
        return True

    # one copy of each table: another year's table printed beside this year's

    def map_table(self, tid: str, exts: list[ExtractedTable]) -> set[str] | bool | None:
        """Read table `tid` from the document's tables classified as it.

        When they hold two or more copies of the table (last year's 表三 printed for comparison, under 一、总体情况
        or in an appendix), one copy is read: by its caption (a caption naming the report's year counts for it,
        one naming another year, far more against it) and by its place (under the form's section for the table,
        三、 for 表三). ONE finding names the copies not read (REPORT-OTHER-TABLE). Copies that cannot be told apart
        and differ: the table is not read (TABLE-MISSING@tables).
        """
        read = {"t2": _Mapper.map_t2, "t3": _Mapper.map_t3, "t4": _Mapper.map_t4}[tid]
        copies = self._copies(tid, exts, read) if len(exts) > 1 else [exts]
        if len(copies) <= 1:
            return read(self, exts)
        results = []
        for group in copies:
            sub = self._sub()
            found = read(sub, group)
            if found:
                results.append((group, sub, found))
        if len(results) <= 1:
            if results:
                self._absorb(results[0][1])
                return results[0][2]
            return read(self, exts)
        section = next((s.id for s in self.form.sections if s.table == tid), None)
        scored = []
        for group, sub, found in results:
            year = self._copy_year(group[0])
            place = self.places.get(group[0].index)
            score = 0
            if year is not None and self.year is not None:
                score += 2 if year == self.year else -4
            if place is not None and section is not None and place.section == section:
                score += 1
            scored.append((score, year, group, sub, found))
        best = max(x[0] for x in scored)
        top = [x for x in scored if x[0] == best]
        t = self.form.table(tid)
        if len(top) > 1 and any(x[3].values != top[0][3].values for x in top[1:]):
            self._two_copies(t, [x[2] for x in top], [x[1] for x in top])
            return None
        chosen = top[0]
        self._absorb(chosen[3])
        others = [x for x in scored if x is not chosen]
        self._other_copies(t, chosen, others)
        return chosen[4]

    def _copies(self, tid: str, exts: list[ExtractedTable], read) -> list[list[ExtractedTable]]:
        """The tables classified as `tid` grouped into copies of the form's table: a table goes on the copy before it
        (a table continued on the next page) unless it names again rows that copy named (INSTANCE_OVERLAP)."""
        if tid == "t4":  # one data row: every table that can be read alone is a copy
            readable = [ext for ext in exts if read(self._sub(), [ext])]
            return [[ext] for ext in readable] if len(readable) > 1 else [exts]
        groups: list[list[ExtractedTable]] = []
        named: set[str] = set()
        for ext in exts:
            rows = read(self._sub(), [ext]) or set()
            if groups and len(rows & named) < INSTANCE_OVERLAP:
                groups[-1].append(ext)
                named |= rows
            else:
                groups.append([ext])
                named = set(rows)
        return groups

    def _copy_year(self, ext: ExtractedTable) -> int | None:
        """The year a table's caption (or its own title row, a single cell) names."""
        place = self.places.get(ext.index)
        year = year_named(place.caption) if place else None
        if year is None and ext.rows:
            texts = [v for v in ext.rows[0] if v]
            if len(texts) == 1 and len(texts[0]) <= CAPTION_MAX:
                year = year_named(texts[0])
        return year

    def _describe_copy(self, group: list[ExtractedTable], year: int | None, lang: str) -> str:
        """'表格1（第2页，“一、总体情况”部分，题为“2023年度政府信息公开申请情况”，2023 年度）'."""
        first, last = group[0], group[-1]
        n = f"{first.index + 1}" + (f"–{last.index + 1}" if last.index != first.index else "")
        p1, p2 = first.page, (last.last_page or last.page)
        page = (f"{p1}" + (f"–{p2}" if p2 and p2 != p1 else "")) if p1 else ""
        place = self.places.get(first.index)
        heading = self.headings.get(place.section, "") if place and place.section else ""
        caption = place.caption if place else ""
        if lang == "en":
            parts = [("pages " if "–" in page else "page ") + page] if page else []
            parts += [f"under “{heading}”"] if heading else []
            parts += [f"titled “{caption}”"] if caption else []
            parts += [f"for {year}"] if year else []
            return f"table {n}" + (f" ({', '.join(parts)})" if parts else "")
        parts = [f"第{page}页"] if page else []
        parts += [f"“{heading}”部分"] if heading else []
        parts += [f"题为“{caption}”"] if caption else []
        parts += [f"{year} 年度"] if year else []
        return f"表格{n}" + (f"（{'，'.join(parts)}）" if parts else "")

    def _other_copies(self, t, chosen, others) -> None:
        """REPORT-OTHER-TABLE: the copies of `t` that were not read, and why the one read was chosen."""
        _, year, group, sub, _ = chosen
        place = self.places.get(group[0].index)
        heading = self.headings.get(place.section, "") if place and place.section else ""
        other_year = all(y is not None and y != self.year for _, y, _, _, _ in others)
        same = all(o[3].values == sub.values for o in others)
        if same:
            why = {"zh": "各份数值相同，只读取一次", "en": "The copies hold the same values; they were read once"}
        else:
            zh = [f"标明为 {year} 年度" if year is not None and year == self.year else ""]
            en = [f"is marked as {year}" if year is not None and year == self.year else ""]
            zh.append(f"位于“{heading}”部分" if heading else "")
            en.append(f"stands under “{heading}”" if heading else "")
            why = {
                "zh": "所读取的表格" + "、".join(x for x in zh if x),
                "en": "The table read " + " and ".join(x for x in en if x),
            }
            if other_year:
                why["zh"] += "；未读取的表格标明为其他年度（多为上年对比数据）"
                why["en"] += "; the other is marked as another year (usually last year's, for comparison)"
        f = tool_finding(
            "REPORT-OTHER-TABLE",
            table=t.name,
            chosen={lang: self._describe_copy(group, year, lang) for lang in ("zh", "en")},
            others={
                lang: ("、" if lang == "zh" else "; ").join(self._describe_copy(g, y, lang) for _, y, g, _, _ in others)
                for lang in ("zh", "en")
            },
            why=why,
            severity="info" if same or other_year else "warning",
        )
        f.table = t.id
        self.findings.append(f)

    def _two_copies(self, t, groups: list[list[ExtractedTable]], years: list[int | None]) -> None:
        """TABLE-MISSING@tables: copies of `t` with different values and nothing to tell which is the report's."""
        f = tool_finding(
            "TABLE-MISSING@tables",
            table=t.name,
            title=t.title,
            count=len(groups),
            year={
                "zh": f"{self.year} 年度" if self.year else "本年度",
                "en": str(self.year) if self.year else "this year",
            },
        )
        f.rule = "TABLE-MISSING"
        f.table = t.id
        f.details = {
            lang: [self._describe_copy(g, y, lang) for g, y in zip(groups, years, strict=True)] for lang in ("zh", "en")
        }
        self.refused[t.id] = f

    def put(self, key: str, raw: str | None, t: ExtractedTable, r: int, c: int) -> None:
        self.values[key] = published_value(raw)
        self.cells[key] = _source(t, r, c)

    def note(self, tid: str, m: Match, t: ExtractedTable, r: int, c: int) -> None:
        if not m.exact and normalize(m.found) not in self.old_labels:
            self.similar.append((tid, m, _source(t, r, c)))

    # 表二: blocks of a heading, a header row and data rows

    def map_t2(self, tables: list[ExtractedTable]) -> set[str] | None:
        """The rows of 表二 found (None: the table holds values of several years that cannot be told apart)."""
        t = self.form.table("t2")
        found: set[str] = set()
        header: list[str] | None = None
        for ext in tables:
            above: list[int] = []  # the rows of the block above its data rows: they may say the year of a column
            for r, row in enumerate(ext.rows):
                cells = [(c, v) for c, v in enumerate(row) if v is not None]
                texts = [(c, v) for c, v in cells if v]
                if not texts:
                    continue
                c0, first = texts[0]
                if _is_block_heading(t, first):
                    header, above = None, []
                    continue
                m = match_row(self.form, t, first) if _is_label(first) else None
                if m is None:
                    above.append(r)
                    cols = self._t2_header(t, [(c, v) for c, v in texts if c > c0], first)
                    if cols is not None:
                        header = cols
                    elif any(not _is_label(v) for _, v in texts[1:]):
                        self._extra(t, first, ext, r, c0)
                    continue
                if m.target in found:
                    self._duplicate(t, m, ext, r, c0)
                    continue
                found.add(m.target)
                self.note("t2", m, ext, r, c0)
                row_cols = t.row_columns(t.row_map[m.target])
                by_header = bool(header) and set(header) <= set(row_cols)  # type: ignore[arg-type]
                cols = header if by_header else list(row_cols)
                values = [(c, v) for c, v in cells if c > c0]
                if len(values) > len(row_cols):  # two years side by side, or a stray number
                    picked = self._pick_year(t, ext, above, [c for c, _ in values], len(row_cols), r, first)
                    if picked is None:
                        continue
                    if len(picked) < len(values):
                        values = [(c, v) for c, v in values if c in picked]
                        by_place = [self._t2_header_cols.get(c) for c in picked]
                        if all(by_place) and len(set(by_place)) == len(by_place) and set(by_place) <= set(row_cols):
                            cols = by_place  # type: ignore[assignment]
                for cid, (c, v) in zip(cols, values, strict=False):
                    self.put(t.key(m.target, cid), v, ext, r, c)
                    head = self._t2_header_texts.get(cid) if by_header else None
                    self._money_unit(t, m.target, cid, v, head, ext, r, c)
        if self._refusal(t):
            return None
        return found

    def _money_unit(self, t, rid: str, cid: str, raw: str | None, head: str | None, ext, r: int, c: int) -> None:
        """An amount printed in another unit than the form's (元 under 本年收费金额（单位：万元）): converted, and said.

        The unit is the one the value cell states ("5000元"), else the one its column header states
        ("本年收费金额（单位：元）"); without either the amount is the form's unit, as published.
        """
        declared = t.column_map[cid].unit
        if declared not in MONEY_UNITS or raw is None:
            return
        text = raw.strip()
        m = _MONEY_VALUE.fullmatch(text)
        number, stated = (m.group(1), m.group(2)) if m else (text, _stated_unit(head))
        if stated is None or stated == declared:
            return
        parsed = parse_value(number, "decimal")
        if parsed.status not in ("ok", "coerced") or parsed.value is None:
            return  # a blank or a text: nothing to convert, the validator says what it is
        amount = Decimal(parsed.value) * MONEY_UNITS[stated] / MONEY_UNITS[declared]
        value: int | Decimal = int(amount) if amount == amount.to_integral_value() else amount.normalize()
        key = t.key(rid, cid)
        self.values[key] = value
        src = _source(ext, r, c)
        shown = format(value, "f") if isinstance(value, Decimal) else str(value)
        f = tool_finding(
            "REPORT-MONEY-UNIT",
            table=t.name,
            row=t.row_map[rid].label,
            column=t.column_map[cid].label,
            found=head if not m and head else text,
            raw=number,
            stated=stated,
            declared=declared,
            value=shown,
        )
        f.table = t.id
        f.keys = [key]
        f.values = {key: value}
        f.details = {
            lang: [("位置：" if lang == "zh" else "Where: ") + describe_source(src, lang)] for lang in ("zh", "en")
        }
        self.findings.append(f)

    def _t2_header(self, t, rest: list[tuple[int, str]], first: str) -> list[str] | None:
        """The column ids a header row names (the block's header, 信息内容, + column labels), None if it is none.

        `rest`: (grid column, text) of the cells after the first. A year before a label ("2024年本年处理决定数量",
        two years side by side) is not part of it. The header's own text of each column is kept
        (`_t2_header_texts`): it may state another unit; and the column each label is over (`_t2_header_cols`).
        """
        texts = [(-1, first), *rest] if normalize(first) not in {normalize(b.header) for b in t.blocks} else rest
        ids: list[str] = []
        heads: dict[str, str] = {}
        at: dict[int, str] = {}
        for c, text in texts:
            m = match_column(self.form, t, _strip_year(text))
            if m is None:
                return None
            at[c] = m.target
            if not ids or ids[-1] != m.target:  # a label repeated over the columns it spans (Markdown)
                ids.append(m.target)
                heads.setdefault(m.target, text)
        if ids:
            self._t2_header_texts = heads
            self._t2_header_cols = at
        return ids or None

    # 表三: 3 label columns, 7 value columns

    def map_t3(self, tables: list[ExtractedTable]) -> set[str] | None:
        """The rows of 表三 found (None: the table holds values of several years that cannot be told apart)."""
        t = self.form.table("t3")
        ncols = len(t.columns)
        found: set[str] = set()
        # a row of the earlier form that this form splits (（六）其他处理), printed as one row: by its label
        splits = split_rows(self.form, t.id)
        split_labels = {str(i): s.label for i, s in enumerate(splits)}
        singles: dict[int, tuple[ExtractedTable, int, list[int], list[str]]] = {}
        checks = _check_labels(self.form.id)
        for ext in tables:
            rows = ext.rows
            width = _width(rows)
            if width < ncols:
                continue
            vcols = list(range(width - ncols, width))
            label_end = width - ncols
            order = [c.id for c in t.columns]
            skip: set[int] = set()  # columns that are not the form's: another year's, 备注, the template's check
            header_rows: list[list[str | None]] = []
            header_idx: list[int] = []
            seen_data = False
            for r, row in enumerate(rows):
                row = [None if c in skip else v for c, v in enumerate(list(row) + [None] * (width - len(row)))]
                labels = [(c, row[c]) for c in range(label_end) if _is_label(row[c])]
                has_values = any(row[c] for c in vcols)
                m = self._t3_row(t, labels)
                split = None
                if m is None:
                    if not seen_data and (not has_values or _header_like(row, vcols)):
                        header_rows.append(row)
                        header_idx.append(r)
                        continue
                    if any(normalize(v) in checks for _, v in labels):
                        continue  # the template's own check row (勾稽关系校验 …): no data
                    split = self._split_row(split_labels, labels) if has_values else None
                    if split is None:
                        if has_values:
                            self._extra(
                                t, " ".join(v for _, v in labels) or "（无标签）", ext, r, labels[0][0] if labels else 0
                            )
                        continue
                if not seen_data:
                    seen_data = True
                    layout = self._t3_layout(t, ext, header_rows, header_idx, row, labels)
                    if layout is None:
                        break  # more value columns than the form's, their year unknown: said, not read
                    vcols, order, skip, label_end = layout
                    row = [None if c in skip else v for c, v in enumerate(row)]
                    labels = [(c, row[c]) for c in range(label_end) if _is_label(row[c])]
                if split is not None:
                    singles[split] = (ext, r, _value_cols(row, labels, vcols), order)
                    continue
                if m is None:  # not reached: a row here is a split row or has its label (m)
                    continue
                if m.target in found:
                    self._duplicate(t, m, ext, r, labels[-1][0])
                    continue
                found.add(m.target)
                self.note("t3", m, ext, r, _label_col(labels, m))
                for cid, c in zip(order, _value_cols(row, labels, vcols), strict=True):
                    self.put(t.key(m.target, cid), row[c], ext, r, c)
        if self._refusal(t):
            return None
        for i, single in singles.items():
            if not any(s in found for s in splits[i].rows):
                self._other_single(t, splits[i], *single)
                found.update(splits[i].rows)
        return found

    def _t3_layout(
        self,
        t,
        ext: ExtractedTable,
        header_rows: list[list[str | None]],
        header_idx: list[int],
        row: list[str | None],
        labels: list[tuple[int, str]],
    ) -> tuple[list[int], list[str], set[int], int] | None:
        """(value columns, their column ids, columns to leave out, end of the label columns) of a 表三 grid.

        By the header when it names each of the form's columns once (of the report's year, when it prints
        columns of two or more years): a column whose header is not one of the form's (备注, the template's
        总计校验) is left out and does not shift the others (REPORT-EXTRA-COLUMN, not for the template's own
        check). Otherwise the last 7 columns, in the header's order when it names each once, else the official
        one; so too when the header does not match the first data row (a plain-text table whose header is not
        over its values: a value cell under no such header, or such a header over no cell). None (said:
        TABLE-MISSING@years) when the form's columns are printed more than once (two years) and
        no header says which are of the report's year.
        """
        n = len(t.columns)
        width = len(row)
        official = [c.id for c in t.columns]
        last = list(range(width - n, width))
        label_last = max((c for c, _ in labels), default=-1)
        leaf: dict[int, str] = {}
        for c in range(label_last + 1, width):
            text = next((hr[c] for hr in reversed(header_rows) if hr[c]), None)
            if text:
                leaf[c] = text
        ids = {
            c: m.target
            for c, text in leaf.items()
            if _is_label(text) and (m := match_column(self.form, t, _strip_year(text))) is not None
        }
        cands = sorted(ids)
        years = self._column_years(ext, header_idx, cands, n) if cands else {}
        found_years = sorted(set(years.values()))
        other_year: set[int] = set()
        if len(found_years) >= 2:
            if self.year not in found_years:
                self._ambiguous_columns(t, ext, cands, years)
                return None
            other_year = {c for c in cands if years.get(c) != self.year}
            cands = [c for c in cands if c not in other_year]
        got = [ids[c] for c in cands]
        known = _form_labels(self.form.id)["t3"]
        extra = [c for c, text in leaf.items() if c not in ids and _is_label(text) and normalize(text) not in known]
        unexplained = [
            c for c in range(label_last + 1, width) if row[c] is not None and c not in ids and c not in extra
        ]
        if any(row[c] is None for c in cands) or unexplained:
            return last, self._column_order(t, header_rows, last), set(), width - n
        if sorted(got) != sorted(official):
            if len(got) > n and set(got) == set(official):  # the form's columns twice over, no year to choose by
                self._ambiguous_columns(t, ext, cands, years)
                return None
            return last, self._column_order(t, header_rows, last), set(), width - n
        if other_year:
            self._said_years(t, found_years, "columns")
        checks = _check_labels(self.form.id)
        for c in extra:
            if normalize(leaf[c]) not in checks:
                self._extra_column(t, leaf[c], ext, header_idx[0] if header_idx else 0, c)
        if got != official:
            self._reordered(t, got)
        return cands, got, other_year | set(extra), min(cands)

    def _ambiguous_columns(self, t, ext: ExtractedTable, cols: list[int], years: dict[int, int]) -> None:
        """The value columns of a table printed for two or more years (or twice), none of the report's year."""
        where = {"zh": f"表格{ext.index + 1}", "en": f"table {ext.index + 1}"}
        if ext.page:
            where = {"zh": f"第{ext.page}页 " + where["zh"], "en": f"page {ext.page}, " + where["en"]}
        groups: dict[int | None, list[int]] = {}
        for c in cols:
            groups.setdefault(years.get(c), []).append(c + 1)
        for y, cs in groups.items():
            span = f"{cs[0]}–{cs[-1]}" if len(cs) > 1 else f"{cs[0]}"
            zh = f"{where['zh']} 第{span}列" + (
                f"：{y} 年" if y else f"：{len(cs)} 个数值列（官方格式为 {len(t.columns)} 列）"
            )
            en = f"{where['en']}, columns {span}" + (
                f": {y}" if y else f": {len(cs)} value columns (the form has {len(t.columns)})"
            )
            self._ambiguous(t, zh, en, sorted(y for y in years.values()), "columns")

    @staticmethod
    def _split_row(split_labels: dict[str, str], labels: list[tuple[int, str]]) -> int | None:
        """Which split row (index into `split_rows`) a grid row's label cells name, if any."""
        for _, text in labels:
            m = best_match(text, split_labels, 0.85) if split_labels else None
            if m is not None:
                return int(m.target)
        return None

    def _t3_row(self, t, labels: list[tuple[int, str]]) -> Match | None:
        """The row a t3 grid row's label cells name: the innermost label first, then all of them joined."""
        for _, text in reversed(labels):
            m = match_row(self.form, t, text)
            if m is not None:
                return m
        if len(labels) > 1:
            return match_row(self.form, t, "".join(v for _, v in labels))
        return None

    def _column_order(self, t, header_rows: list[list[str | None]], vcols: list[int]) -> list[str]:
        """Column ids of the value columns, by the header when it names each of them once, else official order."""
        official = [c.id for c in t.columns]
        ids = []
        for c in vcols:
            leaf = next((row[c] for row in reversed(header_rows) if row[c]), None)
            m = match_column(self.form, t, leaf) if leaf else None
            ids.append(m.target if m else None)
        if sorted(i for i in ids if i) != sorted(official):
            return official
        if ids != official:
            self._reordered(t, ids)
        return ids  # type: ignore[return-value]

    def _other_single(self, t, split: SplitRow, ext: ExtractedTable, r: int, vcols: list[int], order: list[str]):
        """The earlier layout's single row of a split group (2019's （六）其他处理) in a report of this form.

        Its value goes to the group's last row (3.其他), so that the totals can be checked. The other rows (1., 2.)
        are 0 where the single row is 0; where it is not, their share is unknown: they are left blank (null, which
        the validator reads as 0 and reports as blank), never written as a definite 0, and the value is reported.
        """
        subs = list(split.rows)
        row = ext.rows[r]
        nonzero = {}
        for cid, c in zip(order, vcols, strict=True):
            raw = row[c] if c < len(row) else None
            value = published_value(raw)
            parsed = parse_value(value)  # a blank or "/" is 0, so is "0件"; anything else leaves 1. and 2. unknown
            known = 0 if parsed.status != "invalid" and parsed.value == 0 else None
            for sub in subs:
                key = t.key(sub, cid)
                if sub == subs[-1]:
                    self.put(key, raw, ext, r, c)
                else:
                    self.values[key] = known
                    self.cells[key] = _source(ext, r, c)
                    if known is None and not self.form.cells[key].is_total:  # not printed, not known: said by
                        self.unsplit[key] = split.label  # T3-OTHER-UNSPLIT (report.meta["unsplit"])
            if known is None:
                nonzero[cid] = (raw, _source(ext, r, c))
        group = split.label
        labels = {sub: t.row_map[sub].label for sub in subs}
        advice = {
            "group": group,
            "items": "；".join(labels.values()),
            "last": labels[subs[-1]],
            "numbers": {lang: _numbers(labels.values(), lang) for lang in ("zh", "en")},
            "others": {lang: _numbers(list(labels.values())[:-1], lang) for lang in ("zh", "en")},
            "count": len(subs),
        }
        if nonzero:
            f = _published_variant("T3-OTHER-UNSPLIT", table=t.name, **advice)
            f.keys = [t.key(subs[-1], cid) for cid in nonzero]
            f.values = {t.key(subs[-1], cid): published_value(v) for cid, (v, _) in nonzero.items()}
            f.details = {
                lang: [
                    f"{describe_source(src, lang)}（{t.column_map[cid].label}）：{v}"
                    if lang == "zh"
                    else f"{describe_source(src, lang)} ({t.column_map[cid].label}): {v}"
                    for cid, (v, src) in nonzero.items()
                ]
                for lang in ("zh", "en")
            }
            # the items left blank: said here, where the reader learns why (they are no cells of the report)
            shown = [t.column_map[c].label for c in nonzero if not self.form.cells[t.key(subs[0], c)].is_total]
            cols = {"zh": "、".join(shown), "en": ", ".join(shown)}
            if shown:
                f.details["zh"].append(f"{advice['others']['zh']} 各项报告未单列，“{cols['zh']}”列记为空白（按 0 计）")
                f.details["en"].append(
                    f"Items {advice['others']['en']} are not given: left blank (read as 0) in columns {cols['en']}"
                )
        else:
            f = _published_variant("T3-OTHER-SINGLE", table=t.name, **advice)
            src = _source(ext, r, vcols[0])
            f.details = {
                lang: [("位置：" if lang == "zh" else "Where: ") + describe_source(src, lang)] for lang in ("zh", "en")
            }
        f.table = t.id
        self.findings.append(f)

    # 表四: one data row of 15 values under a 3-row header, or a small matrix (groups or results as its rows)

    def map_t4(self, tables: list[ExtractedTable]) -> bool | None:
        """Whether 表四 was read (None: it holds values of several years that cannot be told apart)."""
        t = self.form.table("t4")
        n = len(t.rows) * len(t.columns)
        for ext in tables:
            width = _width(ext.rows)
            if width >= n and self._t4_row(t, ext, width, n):
                return None if self._refusal(t) else True
        return any(self._t4_matrix(t, ext) for ext in tables)

    def _t4_row(self, t, ext: ExtractedTable, width: int, n: int) -> bool:
        """The official layout: the row of values under the header.

        The values are the data row's own cells (a merged cell once, at its first column), the last `n` of them:
        a grid with an extra column that a merged cell covers (LibreOffice's HTML of a Word table, a hand-edited
        table whose 总计 spans two columns, borders that do not line up with the header's) keeps each value with
        its cell. A row with fewer cells than values (a plain-text table) is read by the grid's last `n` columns.
        A column whose header is none of the form's labels (备注) is left out. Two rows of numbers (2023年 and
        2024年), or the values of two years side by side: those of the report's year, by the row's label or the
        header; without a year to choose by, the table is not read (TABLE-MISSING@years).

        Returns:
            Whether the table was handled: read, or refused (then `_refusal` says so).
        """
        labels = _form_labels(self.form.id)["t4"]
        last = list(range(width - n, width))
        header_rows: list[list[str | None]] = []
        header_idx: list[int] = []
        data: list[int] = []
        for r, row in enumerate(ext.rows):
            row = list(row[:width]) + [None] * (width - len(row))
            cells = [row[c] for c in last]
            if not data:
                if any(v and normalize(v) in labels for v in cells) or not any(cells):
                    header_rows.append(row)
                    header_idx.append(r)
                elif any(v and not _is_label(v) for v in cells):
                    data.append(r)
            elif 2 * sum(_is_number(v) for v in cells) >= n:
                data.append(r)  # another row of numbers: another year's?
        if not data:
            return False
        r = data[0] if len(data) == 1 else self._t4_year_row(t, ext, data, width, n)
        if r is None:
            return True
        row = list(ext.rows[r][:width]) + [None] * (width - len(ext.rows[r]))
        own = [c for c in range(width) if row[c] is not None]
        extra: list[int] = []
        if len(own) > n:
            own, extra = self._t4_columns(t, ext, header_rows, header_idx, row, own, n)
            if not own:
                return True
        vcols = own[len(own) - n :] if len(own) >= n else last
        checks = _check_labels(self.form.id)
        for c in extra:
            head = next((hr[c] for hr in reversed(header_rows) if hr[c]), "")
            if c > vcols[0] and normalize(head) not in checks:
                self._extra_column(t, head, ext, header_idx[0] if header_idx else 0, c)
        for (gid, cid), c in zip(self._t4_order(t, header_rows, vcols), vcols, strict=True):
            self.put(t.key(gid, cid), row[c], ext, r, c)
        return True

    def _t4_columns(
        self, t, ext, header_rows: list[list[str | None]], header_idx: list[int], row, own: list[int], n: int
    ) -> tuple[list[int], list[int]]:
        """(the data row's cells to read, columns left out) when the row has more cells than 表四 has values.

        Columns under a header that is none of the form's labels (备注, 总计校验) are left out; of columns under
        two or more years, those of the report's year are kept. ([], …) when more numbers than values remain and
        no header says their year: then the table is not read.
        """
        labels = _form_labels(self.form.id)["t4"]
        groups = {r.id: r.label for r in t.rows}

        def foreign(c: int) -> bool:
            head = next((hr[c] for hr in reversed(header_rows) if hr[c]), None)
            if not head or not _is_label(head) or normalize(head) in labels:
                return False
            return match_column(self.form, t, head) is None and best_match(head, groups, 0.8) is None

        extra = [c for c in own if foreign(c)]
        cells = [c for c in own if c not in extra]
        years = self._column_years(ext, header_idx, cells, n)
        found = sorted(set(years.values()))
        numbers = [c for c in cells if _is_number(row[c])]
        if len(found) >= 2 and self.year in found:
            self._said_years(t, found, "columns")
            return [c for c in cells if years.get(c) == self.year], extra
        if len(found) < 2 and len(numbers) <= n:
            return cells, extra
        shown = "、".join(f"{row[c]}（{years[c]}年）" if c in years else str(row[c]) for c in numbers)
        where = {lang: f"表格{ext.index + 1}" if lang == "zh" else f"table {ext.index + 1}" for lang in ("zh", "en")}
        self._ambiguous(
            t,
            f"{where['zh']}：{len(numbers)} 个数值（官方格式为 {n} 个）：{shown}",
            f"{where['en']}: {len(numbers)} values (the form has {n}): {shown}",
            found,
            "columns",
        )
        return [], extra

    def _t4_year_row(self, t, ext: ExtractedTable, data: list[int], width: int, n: int) -> int | None:
        """Of two or more rows of 表四's values, the one whose label names the report's year ("2024年"; said:
        REPORT-YEAR-COLUMNS); None, and the table is not read, when no one row does."""
        years: dict[int, int | None] = {}
        names: dict[int, str] = {}
        for r in data:
            row = list(ext.rows[r][:width])
            own = [c for c, v in enumerate(row) if v is not None]
            before = [row[c] for c in own[: max(0, len(own) - n)] if row[c]]
            names[r] = " ".join(before)  # type: ignore[arg-type]
            years[r] = year_named(names[r]) if before else None
        found = sorted({y for y in years.values() if y is not None})
        mine = [r for r in data if self.year is not None and years[r] == self.year]
        if len(mine) == 1:
            if len(found) >= 2:
                self._said_years(t, found, "rows")
            return mine[0]
        for r in data:
            row = ext.rows[r]
            shown = [v for v in row[max(0, len(row) - n) :] if v is not None]
            src = {k: v for k, v in _source(ext, r, 0).items() if k != "col"}
            label = names[r] or "（无标签）"
            self._ambiguous(
                t,
                f"{describe_source(src, 'zh')}“{label}”：{'、'.join(shown)}",
                f"{describe_source(src, 'en')} “{label}”: {', '.join(shown)}",
                found,
                "rows",
            )
        return None

    def _t4_matrix(self, t, ext: ExtractedTable) -> bool:
        """表四 printed as a small matrix: a row per group (行政复议, 未经复议直接起诉, 复议后起诉) with a value per
        result, or transposed, a row per result (结果维持 … 总计) with a value per group.

        Read by the labels: the rows by their own label (the innermost), the values by the header row above them
        when it names each one once, else in official order when a row has exactly as many values as expected.
        Every row and every value must be found; otherwise the table is not read (TABLE-MISSING).
        """
        groups = {r.id: r.label for r in t.rows}
        results = {c.id: c.label for c in t.columns}
        width = _width(ext.rows)
        for kind, row_ids, col_ids in (("groups", groups, results), ("results", results, groups)):
            header_rows: list[list[str | None]] = []
            data = self._matrix_rows(ext, width, row_ids, header_rows)
            if data is None:
                continue
            order = self._matrix_order(header_rows, data, col_ids)
            if order is None:
                continue
            for rid, (r, values) in data.items():
                for cid, c in zip(order[rid], values, strict=True):
                    gid, res = (rid, cid) if kind == "groups" else (cid, rid)
                    self.put(t.key(gid, res), ext.rows[r][c], ext, r, c)
            shown = "".join(f"“{label}”" for label in row_ids.values())
            layout = {"zh": f"以{shown}为行", "en": f"with {shown} as its rows"}
            f = tool_finding("REPORT-T4-LAYOUT", table=t.name, layout=layout)
            f.table = t.id
            src = _source(ext, 0, 0)
            f.details = {
                lang: [("位置：" if lang == "zh" else "Where: ") + describe_source(src, lang)] for lang in ("zh", "en")
            }
            self.findings.append(f)
            return True
        return False

    @staticmethod
    def _matrix_rows(
        ext: ExtractedTable, width: int, row_ids: dict[str, str], header_rows: list[list[str | None]]
    ) -> dict[str, tuple[int, list[int]]] | None:
        """Row id -> (grid row, its value columns) when every one of `row_ids` labels one row with values; the
        rows above the first of them go to `header_rows`. None when one is missing or labels two rows."""
        data: dict[str, tuple[int, list[int]]] = {}
        for r, row in enumerate(ext.rows):
            row = list(row[:width]) + [None] * (width - len(row))
            labels = [(c, v) for c, v in enumerate(row) if _is_label(v)]
            values = [c for c in range(labels[-1][0] + 1 if labels else 0, width) if row[c] is not None]
            m = next((m for _, v in reversed(labels) if (m := best_match(v, row_ids, 0.8))), None)
            if m is None or not values:  # a header row: labels only
                if not data:
                    header_rows.append(row)
                continue
            if m.target in data:
                return None
            data[m.target] = (r, values)
        return data if set(data) == set(row_ids) else None

    @staticmethod
    def _matrix_order(
        header_rows: list[list[str | None]], data: dict[str, tuple[int, list[int]]], col_ids: dict[str, str]
    ) -> dict[str, list[str]] | None:
        """Per data row, the id of each of its values: by the header's label over the value's column when the
        header names every one once, else the official order for a row with exactly that many values."""
        official = list(col_ids)
        out: dict[str, list[str]] = {}
        for rid, (_, values) in data.items():
            named = []
            for c in values:
                leaf = next((row[c] for row in reversed(header_rows) if row[c]), None)
                m = best_match(leaf, col_ids, 0.8) if leaf else None
                named.append(m.target if m else None)
            if sorted(x for x in named if x) == sorted(official) and len(named) == len(official):
                out[rid] = named  # type: ignore[assignment]
            elif len(values) == len(official):
                out[rid] = official
            else:
                return None
        return out

    def _t4_order(self, t, header_rows: list[list[str | None]], vcols: list[int]) -> list[tuple[str, str]]:
        """(group, column) of each value column: official order unless the header clearly says otherwise."""
        groups = [r.id for r in t.rows]
        cols = [c.id for c in t.columns]
        k = len(cols)
        cands = {r.id: r.label for r in t.rows}
        found_groups = []
        for b in range(len(groups)):
            block = vcols[b * k : (b + 1) * k]
            hits = {m.target for row in header_rows for c in block if row[c] for m in [best_match(row[c], cands)] if m}
            found_groups.append(hits.pop() if len(hits) == 1 else None)
        group_order = found_groups if sorted(g for g in found_groups if g) == sorted(groups) else groups
        out = []
        reordered = group_order != groups
        for b, gid in enumerate(group_order):
            block = vcols[b * k : (b + 1) * k]
            leafs = []
            for c in block:
                leaf = next((row[c] for row in reversed(header_rows) if row[c]), None)
                m = match_column(self.form, t, leaf) if leaf else None
                leafs.append(m.target if m else None)
            order = leafs if sorted(x for x in leafs if x) == sorted(cols) else cols
            reordered = reordered or order != cols
            out.extend((gid, cid) for cid in order)
        if reordered:
            self._reordered(t, [f"{t.row_map[g].label} {t.column_map[c].label}" for g, c in out], labels=True)
        return out

    # findings

    def _reordered(self, t, ids: list[str], labels: bool = False) -> None:
        order = "、".join(ids if labels else [t.column_map[i].label for i in ids])
        f = tool_finding("REPORT-COLUMNS-REORDERED", table=t.name, order=order)
        f.table = t.id
        self.findings.append(f)

    def _extra(self, t, label: str, ext: ExtractedTable, r: int, c: int) -> None:
        f = _published_variant("TABLE-EXTRA-ROW", table=t.name, row=r + 1, label=label)
        f.table = t.id
        src = _source(ext, r, c)
        f.details = {
            lang: [("位置：" if lang == "zh" else "Where: ") + describe_source(src, lang)] for lang in ("zh", "en")
        }
        self.findings.append(f)

    def _extra_column(self, t, label: str, ext: ExtractedTable, r: int, c: int) -> None:
        """REPORT-EXTRA-COLUMN: a column beside the form's (备注) whose header is none of the form's; not read."""
        f = tool_finding("REPORT-EXTRA-COLUMN", table=t.name, col=c + 1, label=label)
        f.table = t.id
        src = _source(ext, r, c)
        f.details = {
            lang: [("位置：" if lang == "zh" else "Where: ") + describe_source(src, lang)] for lang in ("zh", "en")
        }
        self.findings.append(f)

    def _duplicate(self, t, m: Match, ext: ExtractedTable, r: int, c: int) -> None:
        src = _source(ext, r, c)
        where = {lang: describe_source(src, lang) for lang in ("zh", "en")}
        f = tool_finding("REPORT-ROW-DUPLICATE", table=t.name, label=m.official, where=where)
        f.table = t.id
        self.findings.append(f)

    def similar_findings(self) -> list[Finding]:
        out = []
        seen = set()
        for tid, m, src in self.similar:
            if (m.found, m.official) in seen:
                continue
            seen.add((m.found, m.official))
            t = self.form.table(tid)
            f = _published_variant(
                "LABEL-SIMILAR", table=t.name, found=m.found, official=m.official, score=f"{m.score:.2f}"
            )
            f.table = tid
            f.details = {
                lang: [("位置：" if lang == "zh" else "Where: ") + describe_source(src, lang)] for lang in ("zh", "en")
            }
            out.append(f)
        return out


BLOCK_HEADING_SIMILARITY = 0.75
"""A text this close to a block heading of 表二 is a heading: another item's number (the 2019 form's
第二十条第（九）项 in a 2021 table), brackets or a character dropped."""


def _is_block_heading(t, text: str) -> bool:
    """Whether a 表二 grid row's first text is a block heading (第二十条第（一）项 …), by the declared headings."""
    n = normalize(text)
    if not n or len(n) > MAX_LABEL_LEN or not t.blocks:
        return False
    heads = {normalize(b.heading) for b in t.blocks}
    if n in heads or any(h in n for h in heads):
        return True
    return max(similarity(n, h) for h in heads) >= BLOCK_HEADING_SIMILARITY


def _width(rows: list[list[str | None]]) -> int:
    """Columns of a grid without its empty trailing columns (Word's HTML pads some tables)."""
    width = max((len(r) for r in rows), default=0)
    while width and all(len(r) < width or not r[width - 1] for r in rows):
        width -= 1
    return width


def _value_cols(row: list[str | None], labels: list[tuple[int, str]], vcols: list[int]) -> list[int]:
    """The 7 value cells of a 表三 row: the cells after its label (merged positions, None, skipped).

    In a grid with known merges that is the last 7 columns. A row of a plain-text table whose blanks shortened it
    (padded at its end, so its numbers are not under their columns) is read from its label on instead.
    """
    after = [c for c in range(labels[-1][0] + 1 if labels else 0, len(row)) if row[c] is not None]
    if len(after) >= len(vcols):
        return after[len(after) - len(vcols) :]
    return vcols


def _header_like(row: list[str | None], vcols: list[int]) -> bool:
    """A header row over the value columns: their cells are labels (自然人, 商业企业 …), not numbers."""
    cells = [row[c] for c in vcols if row[c]]
    return bool(cells) and all(_is_label(v) for v in cells)


def _label_col(labels: list[tuple[int, str]], m: Match) -> int:
    return next((c for c, v in labels if v == m.found), labels[-1][0] if labels else 0)


# Form version


def _detect_form(tables: dict[str, list[ExtractedTable]], year: int | None) -> tuple[str, dict[str, str]]:
    """The form id, by the labels only one version has; a tie is decided by the year (2021 form from 2021 on).

    Returns:
        (form id, the 2019-only labels found: normalized -> as printed in the report).
    """
    only19, only21 = _version_labels()
    found19: dict[str, str] = {}
    found21: set[str] = set()
    for tid in ("t2", "t3"):
        for t in tables.get(tid, []):
            for row in t.rows:
                for c in row:
                    if _is_label(c):
                        n = normalize(c)
                        if n in only19:
                            found19.setdefault(n, c)
                        elif n in only21:
                            found21.add(n)
    if len(found19) > len(found21):
        return FORM_2019, found19
    if len(found21) > len(found19):
        return FORM_2021, found19
    return (FORM_2019 if year is not None and year < 2021 else FORM_2021), found19


# Entry point


def map_document(doc: ExtractedDocument, *, file: str | None = None, sha256: str | None = None) -> Mapped:
    """Read the form's data out of an extracted report.

    Args:
        doc: the report as extracted (:func:`xltool.importer.extract.extract`).
        file: the file's path, recorded in ``source.file``.
        sha256: the file's hash, recorded in ``source.sha256``.

    Returns:
        A :class:`Mapped`. Its report is None, with one finding FILE-NOT-REPORT, when nothing in the document is
        of an annual report (no table, label, title or section of the form: a 说明.txt, a readme); with one
        finding REPORT-NO-T3 listing the labels that are missing when it is a report but 表三 cannot be found;
        otherwise the findings say what was read by similarity, which
        rows are missing or extra, and where the report departs from the form.
    """
    tables = merge_continued(doc.tables[:MAX_TABLES])
    by_table: dict[str, list[ExtractedTable]] = {}
    for t in tables:
        tid = _classify(t)
        if tid:
            by_table.setdefault(tid, []).append(t)
    unit, year = parse_title(doc.title)
    if year is None and not doc.title:
        unit, year = parse_title(doc.text[:200].split("\n", 1)[0])
    filled_unit, code, filled_year = _filled_in(doc) if not unit or year is None else ("", None, None)
    unit = unit or filled_unit  # a return's 填报单位：… when the title names no unit
    year = year if year is not None else filled_year
    if not by_table and not _looks_like_report(doc):
        from xltool.sources import not_report_finding

        return Mapped(None, [not_report_finding(doc.kind)])
    form_id, old = _detect_form(by_table, year)
    form = load_form(form_id)
    if not tables:
        return Mapped(None, [_no_tables(doc, unit, year)])
    if not by_table.get("t3"):
        return Mapped(None, [_no_t3(form, doc, tables)])

    places, prose = _places(doc)
    mapper = _Mapper(form, year, _merged_places(doc.tables[:MAX_TABLES], tables, places), doc.headings)
    found_t2 = mapper.map_table("t2", by_table["t2"]) if by_table.get("t2") else None
    found_t3 = mapper.map_table("t3", by_table["t3"])
    found_t4 = mapper.map_table("t4", by_table["t4"]) if by_table.get("t4") else False

    findings: list[Finding] = []
    if not unit or (not doc.title and unit != filled_unit):
        findings.append(tool_finding("REPORT-NO-UNIT", title=doc.title or "（无）"))
    if year is None:
        findings.append(tool_finding("REPORT-NO-YEAR", title=doc.title or "（无）"))
    if old and (year or 0) >= 2021:
        how = {
            "zh": "已按 2021 年版格式读取。" if form_id == FORM_2021 else "全表已按 2019 年版格式读取。",
            "en": "Read as the 2021 form." if form_id == FORM_2021 else "The tables were read as the 2019 form.",
        }
        shown = [f"“{x}”" for x in old.values()]
        labels = "、".join(shown[:5]) + (f"等 {len(shown)} 个" if len(shown) > 5 else "")
        f = tool_finding("REPORT-2019-LABEL", year=year, labels=labels, how=how)
        f.table = "t2"
        findings.append(f)
    findings += mapper.findings
    findings += mapper.similar_findings()
    for tid, found in (("t2", found_t2), ("t3", found_t3)):
        t = form.table(tid)
        if found is None:
            findings.append(mapper.refused.get(tid) or _missing_table(form, tid))
            continue
        missing = [r.label for r in t.rows if r.id not in found]
        if missing:
            shown = "、".join(missing[:8]) + ("等" if len(missing) > 8 else "")
            f = _published_variant("TABLE-LABELS-MISSING", table=t.name, count=len(missing), labels=shown)
            f.table = tid
            f.details = {"zh": [f"缺少：{x}" for x in missing], "en": [f"Missing: {x}" for x in missing]}
            findings.append(f)
    if not found_t4:
        findings.append(mapper.refused.get("t4") or _missing_table(form, "t4"))

    order = {k: i for i, k in enumerate(form.cells)}
    keys = sorted(mapper.values, key=lambda k: order[k])
    source: dict[str, Any] = {}
    if file:
        source["file"] = file
    if sha256:
        source["sha256"] = sha256
    source.update({"kind": doc.kind, "title": doc.title, "headings": dict(doc.headings)})
    source["cells"] = {k: mapper.cells[k] for k in keys}
    sections = {k: v for k, v in doc.sections.items() if v.strip() or _is_prose(form, k)}
    if doc.preamble:  # the opening paragraph before 一、 (本报告由…编制…): kept, rendered under the title
        sections = {PREAMBLE: doc.preamble, **sections}
    report = UnitReport(
        form=form_id,
        year=year,
        unit_name=unit,
        unit_code=code,
        values={k: mapper.values[k] for k in keys},
        source=source,
        sections=sections,
    )
    if mapper.unsplit:
        # cells the report does not print, left blank (1., 2. of a （六） printed as one row): T3-OTHER-UNSPLIT names
        # them; a blank-cell message need not list them again as if the report had left them empty
        report.meta["unsplit"] = {k: mapper.unsplit[k] for k in keys if k in mapper.unsplit}
    return Mapped(report, findings, statistics_return=not doc.headings and not prose)


REPORT_TITLE = re.compile(r"(?:政府信息公开|政务公开).*(?:报告|年报)")
"""A report's title names what it reports on and that it is a report ("…2024年政府信息公开工作年度报告")."""
NOT_REPORT_TITLE = re.compile(
    r"(?:报告|年报)[^，。,]{0,6}?(?:通知|说明|函|要求|提纲|指引|模板|样式|格式|方案|清单|目录)"
)
"""…unless it is the title of a notice or a guide about the report ("关于报送……年度报告的通知", "…年度报告编制说明")."""
MIN_TEXT_LABEL_LEN = 5
"""Shorter labels (规章, 总计, 行政许可) are words of ordinary prose: they say nothing about a document."""
MIN_TEXT_LABELS = 3
"""Distinct labels of the form, at least MIN_TEXT_LABEL_LEN long, that make a document a report."""
MIN_SECTIONS = 2
"""Section headings of the form (一、总体情况 …) that make a document a report."""
SECTION_SIMILARITY = 0.75


def _looks_like_report(doc: ExtractedDocument) -> bool:
    """Whether anything in a document without the form's tables is of an annual report.

    A report's title; two of the report's section headings, each under its own numeral (一、总体情况 …);
    or three of the form's labels in the text (a table printed as text that was not recognised, a 表三 pasted
    as a picture with its labels in the prose). A 说明.txt or a readme has none of these; a published report
    that lost its tables keeps them, and is told what is missing (REPORT-NO-T3).
    """
    title = re.sub(r"\s+", "", doc.title or "")
    if REPORT_TITLE.search(title) and not NOT_REPORT_TITLE.search(title):
        return True
    headings = {s.id: normalize(s.heading) for fid in (FORM_2021, FORM_2019) for s in load_form(fid).sections}
    found = sum(
        1
        for sid, line in doc.headings.items()
        if sid in headings and similarity(normalize(line), headings[sid]) >= SECTION_SIMILARITY
    )
    if found >= MIN_SECTIONS:
        return True
    text = normalize(doc.text)
    labels = {n for tid in ("t2", "t3", "t4") for n in _classifier_labels()[tid] if len(n) >= MIN_TEXT_LABEL_LEN}
    hits = 0
    for n in labels:
        if n in text:
            hits += 1
            if hits >= MIN_TEXT_LABELS:
                return True
    return False


def _is_prose(form: Form, section_id: str) -> bool:
    return any(s.id == section_id and s.prose for s in form.sections)


def _missing_table(form: Form, tid: str) -> Finding:
    t = form.table(tid)
    f = _published_variant("TABLE-MISSING", table=t.name, title=t.title)
    f.table = tid
    return f


def _no_tables(doc: ExtractedDocument, unit: str, year: int | None) -> Finding:
    """REPORT-NO-T3 for a report without any table: said plainly, with the unit and year of its title, instead of
    listing every label of 表三 as missing (its figures, if any, are in its sentences)."""
    zh = " ".join(x for x in (unit, f"{year} 年度" if year else "") if x)
    who = {
        "zh": f"{zh}报告" if year else f"{unit}的报告" if unit else "该报告",
        "en": "the report" + (f" of {unit}" if unit else "") + (f" for {year}" if year else ""),
    }
    f = tool_finding("REPORT-NO-T3@no-tables", who=who)
    f.rule = "REPORT-NO-T3"
    f.table = "t3"
    found = list(doc.headings.values())
    if found:
        f.details = {"zh": ["正文各部分：" + "；".join(found)], "en": ["Sections of the text: " + "; ".join(found)]}
    return f


def _no_t3(form: Form, doc: ExtractedDocument, tables: list[ExtractedTable]) -> Finding:
    """One finding for a report without 表三: which of its row labels are missing, and which are only in the text."""
    t = form.table("t3")
    in_tables = {normalize(c) for tb in tables for row in tb.rows for c in row if _is_label(c)}
    text = normalize(doc.text)
    missing = [r.label for r in t.rows if normalize(r.label) not in in_tables]
    in_text = [x for x in missing if normalize(x) in text]
    f = tool_finding("REPORT-NO-T3", count=len(missing))
    f.table = "t3"
    zh = ["缺少：" + "、".join(missing)] if missing else []
    en = ["Missing: " + ", ".join(missing)] if missing else []
    if in_text:
        zh.append("以下标签见于正文但不在表格中（表格可能是图片或未能识别）：" + "、".join(in_text))
        en.append("In the text but not in a table (the table may be a picture): " + ", ".join(in_text))
    f.details = {"zh": zh, "en": en}
    return f
