"""Find the form's tables in a workbook that is not the issued template, by their labels.

Departments re-type or paste the tables into a workbook of their own, keep an old template, or send
.xls/.ods/.csv. This module finds each table wherever it sits (any sheet, any offset, with the real-world
label variants of shared/spec/form-2021.md tolerated through `xltool.labels`), reads the values under
the headers it found, and says what it matched by similarity and which labels it could not find.
It also serves the template reader when a template's layout was changed (rows inserted or deleted).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xltool.findings import Finding, tool_finding
from xltool.labels import Match, best_match, known_variants, normalize
from xltool.layout import col_letter
from xltool.reader_book import Book, Located, Sheet
from xltool.rules import plural
from xltool.schema.model import Form, Table

MAX_LABEL_LEN = 100
"""Longer texts are prose, not labels (the longest official label is 38 characters)."""
MAX_TEXT_CELLS = 4000
"""Text cells examined per sheet: bounds the similarity work on a hostile or huge sheet."""


@dataclass
class _Found(Located):
    """A located table with the range it was read from (for the clerk: 表三：Sheet1!A20:J48)."""

    area: tuple[int, int, int, int] | None = None
    """(first row, first column, last row, last column) of its labels, header and values."""

    @property
    def range_ref(self) -> str:
        if self.area is None:
            return self.sheet
        r1, c1, r2, c2 = self.area
        return f"{self.sheet}!{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"


def _area(cells: list[tuple[int, int]]) -> tuple[int, int, int, int] | None:
    if not cells:
        return None
    rows = [int(r) for r, _ in cells]
    cols = [int(c) for _, c in cells]
    return min(rows), min(cols), max(rows), max(cols)


@dataclass(frozen=True)
class _Text:
    row: int
    col: int
    text: str
    norm: str


def _texts(sheet: Sheet) -> list[_Text]:
    out = []
    for r, row in enumerate(sheet.rows, start=1):
        for c, v in enumerate(row, start=1):
            if isinstance(v, str) and v.strip() and len(v) <= MAX_LABEL_LEN:
                n = normalize(v)
                if n and not _is_number_text(n):
                    out.append(_Text(r, c, v.strip(), n))
                    if len(out) >= MAX_TEXT_CELLS:
                        return out
    return out


_NUM = re.compile(r"^[+-]?[\d,.]+$")


def _is_number_text(n: str) -> bool:
    return bool(_NUM.match(n))


def _match(t: _Text, cands: dict[str, str], norm_cands: dict[str, str], threshold: float = 0.75) -> Match | None:
    for cid, ln in norm_cands.items():
        if ln == t.norm:
            return Match(cid, cands[cid], t.text, 1.0)
    # difflib's ratio is at most 2*(characters in common)/(both lengths): skip texts no label can reach
    # (most cells of a sheet), so that the similarity is computed only where it can matter
    if t.norm in known_variants():
        return best_match(t.text, cands, threshold)
    have = Counter(t.norm)
    for ln in norm_cands.values():
        common = sum((have & _counter(ln)).values())
        if 2 * common / (len(ln) + len(t.norm)) >= threshold - 0.06:
            return best_match(t.text, cands, threshold)
    return None


@lru_cache(maxsize=512)
def _counter(text: str) -> Counter:
    return Counter(text)


def _cell(sheet: str, r: int, c: int) -> str:
    return f"{sheet}!{col_letter(c)}{r}"


def _group_labels(t: Table) -> set[str]:
    return {normalize(g) for r in t.rows for g in r.groups}


# --------------------------------------------------------------------------- t3-like: a matrix


def _locate_matrix(form: Form, t: Table, sheets: list[Sheet], texts: dict[str, list[_Text]]) -> Located | None:
    cands = {r.id: r.label for r in t.rows}
    ncands = {k: normalize(v) for k, v in cands.items()}
    groups = _group_labels(t)
    best: tuple[int, str, dict[str, tuple[_Text, Match]]] | None = None
    for sh in sheets:
        found: dict[str, tuple[_Text, Match]] = {}
        by_row: dict[int, tuple[_Text, Match]] = {}
        for tx in texts[sh.name]:
            if tx.norm in groups:
                continue
            m = _match(tx, cands, ncands)
            if m is None:
                continue
            cur = by_row.get(tx.row)
            if cur is None or m.score > cur[1].score:
                by_row[tx.row] = (tx, m)
        for r in sorted(by_row):
            tx, m = by_row[r]
            found.setdefault(m.target, (tx, m))
        if best is None or len(found) > best[0]:
            best = (len(found), sh.name, found)
    if best is None or best[0] < max(3, len(t.rows) // 3):
        return None
    _, sheet_name, found = best
    sh = next(s for s in sheets if s.name == sheet_name)
    loc = _Found(t.id, sh.name, score=len(found))
    label_col = max(tx.col for tx, _ in found.values())
    first_row = min(tx.row for tx, _ in found.values())
    # header: the column labels in the rows above the first data row, right of the label columns
    ccands = {c.id: c.label for c in t.columns}
    nccands = {k: normalize(v) for k, v in ccands.items()}
    cols: dict[str, tuple[_Text, Match]] = {}
    for tx in texts[sh.name]:
        if not (first_row - 6 <= tx.row < first_row) or tx.col <= label_col:
            continue
        m = _match(tx, ccands, nccands, 0.8)
        if m is not None and (m.target not in cols or m.score > cols[m.target][1].score):
            cols[m.target] = (tx, m)
    col_pos: dict[str, int] = {cid: tx.col for cid, (tx, _) in cols.items()}
    loc.matches += [(m, _cell(sh.name, tx.row, tx.col)) for tx, m in cols.values() if not m.exact]
    if not col_pos:
        order = [c.id for c in t.columns]
        col_pos = {cid: label_col + 1 + i for i, cid in enumerate(order)}
        loc.findings.append(
            tool_finding(
                "TABLE-HEADER-ASSUMED",
                table=t.name,
                labels="、".join(c.label for c in t.columns),
                order={"zh": "、".join(c.label for c in t.columns), "en": ", ".join(c.label for c in t.columns)},
            )
        )
    else:
        loc.missing += [c.label for c in t.columns if c.id not in col_pos]
    loc.matches += [(m, _cell(sh.name, tx.row, tx.col)) for tx, m in found.values() if not m.exact]
    rows = dict(found)
    _other_single_row(form, t, sh, texts[sh.name], rows, col_pos, label_col, loc)
    for r in t.rows:
        if r.id not in rows and r.id not in loc.special_rows:
            loc.missing.append(r.label)
    _extra_rows(t, sh, rows, col_pos, label_col, loc)
    for rid, (tx, _) in rows.items():
        for cid, c in col_pos.items():
            key = t.key(rid, cid)
            if key in form.cells:
                loc.values[key] = sh.value(tx.row, c)
                loc.cells[key] = _cell(sh.name, tx.row, c)
                loc.positions[key] = (tx.row, c)
    loc.score += len(col_pos)
    cells = [(tx.row, tx.col) for tx, _ in found.values()] + [(tx.row, tx.col) for tx, _ in cols.values()]
    loc.area = _area(cells + list(loc.positions.values()))
    return loc


def _extra_rows(t: Table, sh: Sheet, rows: dict, col_pos: dict[str, int], label_col: int, loc: Located) -> None:
    """Rows inside the table that carry figures under an unofficial label: said, not silently dropped."""
    used = {tx.row for tx, _ in rows.values()} | {int(p[0]) for p in loc.positions.values()}
    lo, hi = min(used), max(used)
    for r in range(lo, hi + 1):
        if r in used:
            continue
        label = next((v for c in range(1, label_col + 1) if isinstance(v := sh.value(r, c), str) and v.strip()), None)
        figures = {cid: sh.value(r, c) for cid, c in col_pos.items() if sh.value(r, c) is not None}
        if label is None or not figures:
            continue
        lc = next(c for c in range(1, label_col + 1) if isinstance(sh.value(r, c), str) and sh.value(r, c).strip())
        f = tool_finding("TABLE-EXTRA-ROW", table=t.name, row=r, label=label.strip())
        f.table = t.id
        f.cells = [_cell(sh.name, r, col_pos[cid]) for cid in figures]
        f.details = {
            "zh": [
                "、".join(f"{t.column_map[cid].label} {v}" for cid, v in figures.items()),
                f"位置：{_cell(sh.name, r, lc)}",
            ],
            "en": [
                ", ".join(f"{t.column_map[cid].label} {v}" for cid, v in figures.items()),
                f"Where: {_cell(sh.name, r, lc)}",
            ],
        }
        loc.findings.append(f)


def _other_single_row(form, t, sh, texts, rows, col_pos, label_col, loc) -> None:
    """An earlier form's single row that this form splits (the 2019 layout's （六）其他处理 in a 2021-format
    表三, as 洪泽区 2023/2024 print it): `xltool.schema.versions.split_rows` says which, from the declarations."""
    from xltool.schema.versions import split_rows

    split = next(iter(split_rows(form, t.id)), None)
    if split is None:
        return
    subs = [t.row_map[rid] for rid in split.rows]
    if not subs or any(r.id in rows for r in subs):
        return
    target = normalize(split.label)
    hit = None
    for tx in texts:
        if tx.col <= label_col and tx.norm == target and tx.row not in {v[0].row for v in rows.values()}:
            hit = tx
            break
    if hit is None:
        for tx in texts:
            if tx.col <= label_col and tx.row not in {v[0].row for v in rows.values()}:
                m = best_match(tx.text, {split.earlier_row: split.label}, 0.85)
                if m is not None:
                    hit = tx
                    loc.matches.append((m, _cell(sh.name, tx.row, tx.col)))
                    break
    if hit is None:
        return
    loc.special_rows = {r.id for r in subs}
    raw = {cid: sh.value(hit.row, c) for cid, c in col_pos.items()}
    from xltool.values import parse_value

    nonzero = {}
    for cid, v in raw.items():
        if t.column_map[cid].total_of:
            continue  # the row's 总计 follows from its applicant columns
        p = parse_value(v, "integer")
        if p.status == "invalid" or (p.value not in (0, None)):
            nonzero[cid] = v
    last = subs[-1]  # 3.其他
    for cid, c in col_pos.items():
        for r in subs:
            key = t.key(r.id, cid)
            if key not in form.cells:
                continue
            if r.id == last.id:
                loc.values[key] = raw[cid] if raw[cid] is not None else None
            else:
                loc.values[key] = 0
            loc.cells[key] = _cell(sh.name, hit.row, c)
            loc.positions[key] = (hit.row, c)
    if nonzero:
        f = tool_finding("T3-OTHER-UNSPLIT", table=t.name)
        f.table = t.id
        where = [_cell(sh.name, hit.row, col_pos[cid]) for cid in nonzero]
        f.cells = where
        f.keys = [t.key(last.id, cid) for cid in nonzero]
        f.values = {t.key(last.id, cid): v for cid, v in nonzero.items()}
        f.details = {
            "zh": [f"{w}（{t.column_map[cid].label}）：{nonzero[cid]}" for w, cid in zip(where, nonzero, strict=True)],
            "en": [f"{w} ({t.column_map[cid].label}): {nonzero[cid]}" for w, cid in zip(where, nonzero, strict=True)],
        }
        loc.findings.append(f)
    else:
        f = tool_finding("T3-OTHER-SINGLE", table=t.name)
        f.table = t.id
        f.cells = [_cell(sh.name, hit.row, hit.col)]
        loc.findings.append(f)


# --------------------------------------------------------------------------- t2-like: blocks


def _locate_blocks(form: Form, t: Table, sheets: list[Sheet], texts: dict[str, list[_Text]]) -> Located | None:
    cands = {r.id: r.label for r in t.rows}
    ncands = {k: normalize(v) for k, v in cands.items()}
    best: tuple[int, Sheet, dict[str, tuple[_Text, Match]]] | None = None
    for sh in sheets:
        found: dict[str, tuple[_Text, Match]] = {}
        for tx in texts[sh.name]:
            m = _match(tx, cands, ncands)
            if m is not None and m.target not in found:
                found[m.target] = (tx, m)
        if best is None or len(found) > best[0]:
            best = (len(found), sh, found)
    if best is None or best[0] < min(2, len(t.rows)):
        return None
    _, sh, found = best
    loc = _Found(t.id, sh.name, score=len(found))
    loc.matches += [(m, _cell(sh.name, tx.row, tx.col)) for tx, m in found.values() if not m.exact]
    assumed: list[str] = []
    header_cells: list[tuple[int, int]] = []
    for b in t.blocks:
        bc = {cid: t.column_map[cid].label for cid in b.columns}
        nbc = {k: normalize(v) for k, v in bc.items()}
        for rid in b.rows:
            if rid not in found:
                loc.missing.append(t.row_map[rid].label)
                continue
            tx, _ = found[rid]
            # the block's header: the nearest row above with the block's column labels, right of the label
            pos: dict[str, int] = {}
            hit_cells: dict[str, str] = {}
            for up in range(1, 6):
                r = tx.row - up
                hits: dict[str, tuple[int, Match]] = {}
                for h in texts[sh.name]:
                    if h.row == r and h.col > tx.col:
                        m = _match(h, bc, nbc, 0.8)
                        if m is not None:
                            hits[m.target] = (h.col, m)
                            hit_cells[m.target] = _cell(sh.name, h.row, h.col)
                if hits:
                    pos = {cid: c for cid, (c, _) in hits.items()}
                    header_cells += [(r, c) for c, _ in hits.values()]
                    loc.matches += [(m, hit_cells[cid]) for cid, (_, m) in hits.items() if not m.exact]
                    loc.score += len(hits)
                    break
            if not pos:
                pos = {cid: tx.col + 1 + i for i, cid in enumerate(b.columns)}
                assumed.append(t.row_map[rid].label)
            for cid in b.columns:
                key = t.key(rid, cid)
                if cid not in pos:
                    if t.column_map[cid].label not in loc.missing:
                        loc.missing.append(t.column_map[cid].label)
                    continue
                loc.values[key] = sh.value(tx.row, pos[cid])
                loc.cells[key] = _cell(sh.name, tx.row, pos[cid])
                loc.positions[key] = (tx.row, pos[cid])
    if assumed:
        order = "；".join(f"{b.heading} " + "、".join(t.column_map[c].label for c in b.columns) for b in t.blocks)
        loc.findings.append(tool_finding("TABLE-HEADER-ASSUMED", table=t.name, labels="、".join(assumed), order=order))
    cells = [(tx.row, tx.col) for tx, _ in found.values()] + header_cells
    loc.area = _area(cells + list(loc.positions.values()))
    return loc


# --------------------------------------------------------------------------- t4-like: one row of groups


def _locate_row(form: Form, t: Table, sheets: list[Sheet], texts: dict[str, list[_Text]]) -> Located | None:
    cands = {r.id: r.label for r in t.rows}
    ncands = {k: normalize(v) for k, v in cands.items()}
    ccands = {c.id: c.label for c in t.columns}
    nccands = {k: normalize(v) for k, v in ccands.items()}
    best = None
    for sh in sheets:
        groups: dict[str, tuple[_Text, Match]] = {}
        for tx in texts[sh.name]:
            m = _match(tx, cands, ncands, 0.8)
            if m is not None and m.target not in groups:
                groups[m.target] = (tx, m)
        if not groups:
            continue
        top = min(tx.row for tx, _ in groups.values())
        left = min(tx.col for tx, _ in groups.values())
        heads = []
        for tx in texts[sh.name]:
            if top <= tx.row <= top + 3 and tx.col >= left:
                m = _match(tx, ccands, nccands, 0.8)
                if m is not None:
                    heads.append((tx, m))
        score = len(groups) + len(heads)
        if best is None or score > best[0]:
            best = (score, sh, groups, heads)
    if best is None or best[0] < 6:
        return None
    score, sh, groups, heads = best
    loc = _Found(t.id, sh.name, score=score)
    loc.matches += [(m, _cell(sh.name, tx.row, tx.col)) for tx, m in groups.values() if not m.exact]
    starts = sorted(((tx.col, rid) for rid, (tx, _) in groups.items()))
    pos: dict[str, int] = {}
    header_rows = [tx.row for tx, _ in groups.values()]
    for tx, m in sorted(heads, key=lambda h: (h[0].col, h[0].row)):
        owner = None
        for c, rid in starts:
            if c <= tx.col:
                owner = rid
        if owner is None:
            continue
        key = t.key(owner, m.target)
        if key in form.cells and key not in pos:
            pos[key] = tx.col
            header_rows.append(tx.row)
            if not m.exact:
                loc.matches.append((m, _cell(sh.name, tx.row, tx.col)))
    for r in t.rows:
        if r.id not in groups:
            loc.missing.append(r.label)
    for r in t.rows:
        if r.id in groups:
            absent = [t.column_map[c.id].label for c in t.columns if t.key(r.id, c.id) not in pos]
            if absent:
                loc.missing.append(f"{r.label} " + "、".join(absent))
    last_header = max(header_rows)
    data_row = _data_row(t, sh, last_header, sorted(set(pos.values())), loc)
    for key, c in pos.items():
        loc.values[key] = sh.value(data_row, c) if data_row is not None else None
        loc.cells[key] = _cell(sh.name, data_row or last_header + 1, c)
        loc.positions[key] = (data_row or last_header + 1, c)
    cells = [(tx.row, tx.col) for tx, _ in groups.values()] + [(tx.row, tx.col) for tx, _ in heads]
    loc.area = _area(cells + list(loc.positions.values()))
    return loc


_FOOTER_WORDS = (
    "联系电话",
    "电话",
    "联系人",
    "填报人",
    "填表人",
    "制表人",
    "统计人",
    "审核人",
    "审核",
    "审批人",
    "单位负责人",
    "负责人",
    "分管领导",
    "填报日期",
    "填表日期",
    "报送日期",
    "日期",
    "填报单位",
    "单位盖章",
    "盖章",
    "签字",
    "注:",
    "备注",
    "说明",
)
"""What a line under a table starts with when it is the form's footer (who filled it in, a phone number, a
date, a note), never its data: `_data_row` does not read such a row as 表四's figures."""


def _footer_text(sh: Sheet, r: int) -> str | None:
    """The footer text starting row r (联系电话, 填报人：李四, 审核人 …), or None.

    Only the row's first filled cell counts: a remark at the end of a data row does not make it a footer.
    """
    for v in sh.rows[r - 1] if 0 < r <= len(sh.rows) else ():
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        return v.strip() if isinstance(v, str) and normalize(v).startswith(_FOOTER_WORDS) else None
    return None


def _row_text(sh: Sheet, r: int) -> str:
    row = sh.rows[r - 1] if 0 < r <= len(sh.rows) else []
    shown = [str(v).strip() for v in row if v is not None and str(v).strip()]
    text = " | ".join(shown[:6]) + (" …" if len(shown) > 6 else "")
    return text if len(text) <= 80 else text[:79] + "…"


def _data_shaped(sh: Sheet, r: int, cols: list[int]) -> bool:
    """Row r holds figures in the data columns only (numbers, or what a clerk types for none), nothing between."""
    from xltool.values import parse_value

    inside = set(cols)
    for c in range(min(cols), max(cols) + 1):
        v = sh.value(r, c)
        if v is None:
            continue
        if c not in inside or parse_value(v, "integer").status == "invalid":
            return False
    return True


def _data_row(t: Table, sh: Sheet, header: int, cols: list[int], loc: Located) -> int | None:
    """The row of a one-row table's figures (表四): the row directly under its header.

    A blank 表四 (no cases) stays blank: a row further down is its data only when the row under the header is
    empty in every data column and that row holds figures in the data columns' shape and is no footer
    (联系电话, 填报人, 审核人 …); a row that may or may not be the data is said (TABLE-ROW-UNSURE), not read.
    None: the line under the header is a footer (the data row was deleted).
    """
    from xltool.values import parse_value

    if not cols:
        return header + 1
    first = header + 1
    if _footer_text(sh, first) is not None:
        f = tool_finding("TABLE-NO-DATA-ROW", table=t.name, row=first, content=_row_text(sh, first))
        f.table = t.id
        f.cells = [_cell(sh.name, first, cols[0])]
        loc.findings.append(f)
        return None
    if any(sh.value(first, c) is not None for c in cols):
        return first
    for r in (first + 1, first + 2):
        if _footer_text(sh, r) is not None:
            return first
        if all(sh.value(r, c) is None for c in cols):
            continue
        if _data_shaped(sh, r, cols):
            return r
        if not any(parse_value(sh.value(r, c), "integer").status in ("ok", "coerced") for c in cols):
            return first  # words only (a heading, a note): plainly not 表四's figures
        f = tool_finding("TABLE-ROW-UNSURE", table=t.name, row=first, other=r, content=_row_text(sh, r))
        f.table = t.id
        f.cells = [_cell(sh.name, r, c) for c in cols if sh.value(r, c) is not None]
        loc.findings.append(f)
        return first
    return first


_LOCATORS = {"matrix": _locate_matrix, "blocks": _locate_blocks, "row": _locate_row}


def locate_table(form: Form, table_id: str, book: Book, texts: dict[str, list[_Text]] | None = None) -> Located | None:
    """Find one table of the form anywhere in the workbook (None when too few of its labels are there)."""
    sheets = [s for s in book.sheets.values() if s.rows]
    if texts is None:
        texts = {s.name: _texts(s) for s in sheets}
    t = form.table(table_id)
    return _LOCATORS[t.layout](form, t, sheets, texts)


def sheet_texts(book: Book) -> dict[str, list[_Text]]:
    return {s.name: _texts(s) for s in book.sheets.values() if s.rows}


# --------------------------------------------------------------------------- xltool's own long table


def long_table_header(row: list[Any] | tuple[Any, ...]) -> bool:
    """Whether a CSV's first row is the header of the long table `xltool consolidate --long` writes
    (`consolidate.LONG_COLUMNS`: unit, code, … key, value, file_sha256), or of a part of its columns that keeps
    the unit, the cell key and the value. Such a file holds many units' figures, each with its label: no unit's
    return, though the form's labels are all in it."""
    from xltool.consolidate import LONG_COLUMNS

    cols = [str(v).strip().strip('"').strip().lower() for v in row if v not in (None, "")]
    return len(cols) >= 3 and {"unit", "key", "value"} <= set(cols) and set(cols) <= set(LONG_COLUMNS)


_LONG_KIND = {"zh": "xltool 汇总导出的长表 CSV", "en": "xltool's long table CSV"}


def long_table_finding(path: Any) -> Finding | None:
    """FILE-NOT-REPORT for the long table `xltool consolidate --long` writes (recognised by its header row, the
    first line alone is read), else None: a CSV beside the summaries is skipped, never read as a unit's report."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "replace")
    else:
        text = head.decode("utf-8-sig", "replace")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delim = max(",\t;", key=first.count)
    if not long_table_header(first.split(delim)):
        return None
    details = {
        "zh": ["这是 xltool consolidate --long 写出的长表：每个单位的每个数值一行，不是某个单位的报表"],
        "en": [
            "This is the long table xltool consolidate --long writes: one row per unit and figure, no unit's return"
        ],
    }
    return tool_finding("FILE-NOT-REPORT", kind=_LONG_KIND, details=details)


# --------------------------------------------------------------------------- findings about a located table


def located_findings(form: Form, loc: Located, book: Book | None = None) -> list[Finding]:
    """Similarity matches (提示 each) and missing labels (one 错误) of a located table.

    With the workbook (`book`), a missing column label of 表三 says where its header should be and what is
    written there (表头 Sheet1!I21 为“其他组织”), and that it is probably that column when the text there is no
    label of the form: said, never read as that column.
    """
    t = form.table(loc.table)
    out = list(loc.findings)
    seen = set()
    for m, where in loc.matches:
        if (m.found, m.official) in seen:
            continue
        seen.add((m.found, m.official))
        f = tool_finding("LABEL-SIMILAR", table=t.name, found=m.found, official=m.official, score=f"{m.score:.2f}")
        f.table = t.id
        f.cells = [where]
        f.details = {"zh": [f"位置：{where}"], "en": [f"Where: {where}"]}
        out.append(f)
    if loc.missing:
        shown = "、".join(loc.missing[:8]) + ("等" if len(loc.missing) > 8 else "")
        f = tool_finding(
            "TABLE-LABELS-MISSING",
            table=t.name,
            count={"zh": len(loc.missing), "en": plural(len(loc.missing), "row/column label", "row/column labels")},
            labels=shown,
        )
        f.table = t.id
        f.details = {"zh": [f"缺少：{lb}" for lb in loc.missing], "en": [f"Missing: {lb}" for lb in loc.missing]}
        sh = book.sheet(loc.sheet) if book is not None else None
        places = _missing_column_places(t, loc, sh) if sh is not None and t.layout == "matrix" else {}
        for i, lb in enumerate(loc.missing):
            if lb in places:
                place = places[lb]
                f.details["zh"][i] += f"（{place['zh']}）"
                f.details["en"][i] += f" ({place['en']})"
                f.cells.append(place["cell"])
        probable = [places[lb] for lb in loc.missing if lb in places and places[lb]["probable"]]
        if probable:
            f.fix = {
                "zh": "、".join(
                    f"如 {p['cell']}“{p['text']}”就是“{p['label']}”列，请把它改为官方标签“{p['label']}”"
                    for p in probable
                )
                + "；否则请按下发的模板补齐这些行/列及其数据。改正后重新报送。",
                "en": "; ".join(
                    f"If {p['cell']} “{p['text']}” is the column “{p['label']}”, change it to the official label"
                    for p in probable
                )
                + "; otherwise add these rows/columns and their figures as in the issued template. Then send it again.",
            }
        out.append(f)
    return out


def _missing_column_places(t: Table, loc: Located, sh: Sheet) -> dict[str, dict]:
    """Missing column label of a matrix table -> where its header should be and what is there.

    The place follows from the columns found on either side in the official order (其他 between 法律服务机构 in
    H and 总计 in J is in I); its header is the lowest text above the first data row in that column. `probable`:
    the text there is no label of the table (a renamed header such as 其他组织), and no column was read there.
    """
    pos: dict[str, int] = {}
    for key, (_, c) in loc.positions.items():
        cid = key.rsplit(".", 1)[-1]
        if cid in t.column_map:
            pos.setdefault(cid, c)
    if not pos or not loc.positions:
        return {}
    first_row = min(r for r, _ in loc.positions.values())
    order = [c.id for c in t.columns]
    known = {normalize(c.label) for c in t.columns} | {normalize(h.text) for h in t.header}
    known |= {normalize(g) for r in t.rows for g in r.groups} | {normalize(r.label) for r in t.rows}

    def header(col: int) -> tuple[int, str] | None:
        for r in range(first_row - 1, max(0, first_row - 7), -1):
            v = sh.value(r, col)
            if isinstance(v, str) and v.strip():
                return r, v.strip()
        return None

    rows = [h[0] for h in (header(c) for c in pos.values()) if h is not None]
    header_row = max(set(rows), key=rows.count) if rows else None
    out: dict[str, dict] = {}
    for i, cid in enumerate(order):
        if cid in pos:
            continue
        label = t.column_map[cid].label
        before = [j for j in range(i - 1, -1, -1) if order[j] in pos][:1]
        after = [j for j in range(i + 1, len(order)) if order[j] in pos][:1]
        col = None
        if before and after and pos[order[after[0]]] - pos[order[before[0]]] == after[0] - before[0]:
            col = pos[order[before[0]]] + i - before[0]
        elif before and not after:
            col = pos[order[before[0]]] + i - before[0]
        elif after and not before:
            col = pos[order[after[0]]] - (after[0] - i)
        if col is None or col < 1 or col in pos.values():
            if header_row is not None:
                out[label] = {
                    "zh": f"表头在工作表“{sh.name}”第 {header_row} 行，未找到该列",
                    "en": f"the header is on row {header_row} of sheet “{sh.name}”; no such column there",
                    "cell": f"{sh.name}!A{header_row}",
                    "probable": False,
                }
            continue
        found = header(col)
        if found is None:
            r = header_row or first_row - 1
            out[label] = {
                "zh": f"表头 {_cell(sh.name, r, col)} 为空白",
                "en": f"the header {_cell(sh.name, r, col)} is blank",
                "cell": _cell(sh.name, r, col),
                "probable": False,
            }
            continue
        r, text = found
        cell = _cell(sh.name, r, col)
        probable = normalize(text) not in known
        place = {"cell": cell, "text": text, "label": label, "probable": probable}
        if probable:
            place["zh"] = f"表头 {cell} 为“{text}”，在“{label}”列应在的位置，可能就是该列；其数据未读取"
            place["en"] = (
                f"the header {cell} reads “{text}”, where “{label}” should be: probably that column; "
                "its figures were not read"
            )
        else:
            place["zh"] = f"“{label}”列应在的位置 {cell} 为“{text}”"
            place["en"] = f"where “{label}” should be, {cell} reads “{text}”"
        out[label] = place
    return out


def missing_table_finding(form: Form, table_id: str) -> Finding:
    t = form.table(table_id)
    f = tool_finding("TABLE-MISSING", table=t.name, title=t.title)
    f.table = t.id
    labels = [r.label for r in t.rows][:6]
    f.details = {
        "zh": ["未找到这些标签：" + "、".join(labels) + ("等" if len(t.rows) > 6 else "")],
        "en": ["None of these labels was found: " + ", ".join(labels) + (" …" if len(t.rows) > 6 else "")],
    }
    return f


# --------------------------------------------------------------------------- one report's place in the workbook


@dataclass
class Placement:
    """Where one report's tables were read: one coherent place, never a table of another unit's sheet."""

    located: dict[str, Located | None]
    """Table id -> the table read (None: not found in the place)."""
    read: list[str] = field(default_factory=list)
    """The sheets the tables were read from, in the workbook's order."""
    ignored: set[str] = field(default_factory=set)
    """Sheets that are no part of this report (another unit's or year's tables, hidden sheets not read): the
    report's unit and year are not taken from them."""
    findings: list[Finding] = field(default_factory=list)
    score: int = 0


@dataclass(frozen=True)
class _Claim:
    """Who and which year a sheet says it is for: its title or 填报单位 (None where it says nothing)."""

    unit: str | None
    key: str | None
    year: int | None


_PLACE_TITLE = ("政府信息公开", "政务公开")
_PLACE_YEAR = re.compile(r"(20\d{2})\s*年")


def _claim(book: Book, sh: Sheet) -> _Claim:
    unit, _code, _year, source = identify(Book(book.path, book.kind, {sh.name: sh}), "")
    key = normalize(unit) if source in ("sheet", "title") and unit else None
    year = None
    for row in sh.rows[:10]:  # only a title states the report's year (a 填报日期 2022年1月 is no claim)
        for v in row:
            if year is None and isinstance(v, str) and any(w in v for w in _PLACE_TITLE):
                m = _PLACE_YEAR.search(v)
                year = int(m.group(1)) if m else None
    return _Claim(unit if key else None, key, year)


def _same_unit(claims: list[_Claim]) -> bool:
    """No two of these sheets name different units (one name inside the other is the same unit)."""
    keys = {c.key for c in claims if c.key}
    return all(a in b or b in a for a in keys for b in keys)


def _agree(claims: list[_Claim]) -> bool:
    return _same_unit(claims) and len({c.year for c in claims if c.year}) <= 1


def _best(locs: list[Located | None]) -> Located | None:
    best = None
    for loc in locs:
        if loc is not None and (best is None or loc.score > best.score):
            best = loc
    return best


def _range_ref(loc: Located) -> str:
    return loc.range_ref if isinstance(loc, _Found) else loc.sheet


def _sheets_text(names: list[str], lang: str) -> str:
    if lang == "zh":
        return "工作表" + "、".join(f"“{n}”" for n in names)
    return ("sheets " if len(names) > 1 else "sheet ") + ", ".join(f"“{n}”" for n in names)


def _same_values(a: Located, b: Located) -> bool:
    keys = set(a.values) & set(b.values)
    return bool(keys) and all(a.values[k] == b.values[k] for k in keys)


def locate_report(form: Form, book: Book, texts: dict[str, list[_Text]] | None = None) -> Placement:
    """Find one report's tables in a workbook that is not the template, all from one coherent place.

    Every sheet is searched for every table; the place read is the sheet, or run of consecutive sheets, that
    holds the most of the form's tables together without two of its sheets naming different units or years
    (a sheet's title or 填报单位). Visible sheets come first: a hidden sheet is read only for a table no
    visible sheet of the report holds (LOOSE-HIDDEN-SHEET). Among equally full places the first unit's wins
    (the unit a file of two units' reports is read for), and for that unit the latest year's, then the one of
    fewest sheets and most labels found. A table missing rows is read as it is (its missing labels said), never
    taken from another place; whatever the place leaves unread is said (LOOSE-OTHER-UNITS, LOOSE-SHEET-NOT-READ).
    """
    sheets = [s for s in book.sheets.values() if s.rows]
    if book.kind == "csv" and any(long_table_header(s.rows[0]) for s in sheets):
        return Placement({t.id: None for t in form.tables})  # xltool's own long table: its labels are no report
    if texts is None:
        texts = {s.name: _texts(s) for s in sheets}
    per = {t.id: {s.name: _LOCATORS[t.layout](form, t, [s], texts) for s in sheets} for t in form.tables}
    bearing = [s for s in sheets if any(per[t.id][s.name] is not None for t in form.tables)]
    if not bearing:
        return Placement({t.id: None for t in form.tables})
    if len(bearing) > 1:
        claims = {s.name: _claim(book, s) for s in bearing}
    else:  # one sheet holds every table found: nothing to tell apart (the common case, kept cheap)
        claims = {bearing[0].name: _Claim(None, None, None)}
    visible = [s for s in bearing if s.state == "visible"]
    pool = visible or bearing
    window = _choose_window(form, pool, per, claims)
    located: dict[str, Located | None] = {t.id: _best([per[t.id][s.name] for s in window]) for t in form.tables}
    place = [claims[s.name] for s in window]
    hidden_read: dict[str, str] = {}
    for t in form.tables:
        if located[t.id] is None and visible:  # a table only a hidden sheet of the same report holds
            hidden = [s for s in bearing if s.state != "visible" and _agree([*place, claims[s.name]])]
            located[t.id] = _best([per[t.id][s.name] for s in hidden])
        loc = located[t.id]
        if loc is not None and book.sheets[loc.sheet].state != "visible":
            hidden_read[t.id] = loc.sheet
    out = Placement(located)
    out.read = [s.name for s in sheets if any(loc is not None and loc.sheet == s.name for loc in located.values())]
    out.score = sum(loc.score for loc in located.values() if loc is not None)
    for tid, name in hidden_read.items():
        t = form.table(tid)
        f = tool_finding("LOOSE-HIDDEN-SHEET", table=t.name, sheet=name)
        f.table = tid
        loc = located[tid]
        assert loc is not None
        f.cells = [_range_ref(loc)]
        f.details = {"zh": [f"读取位置：{_range_ref(loc)}"], "en": [f"Read from: {_range_ref(loc)}"]}
        out.findings.append(f)
    read_claims = [claims[n] for n in out.read if n in claims]
    out.ignored = {s.name for s in book.sheets.values() if s.state != "visible" and s.name not in out.read}
    _unread(form, book, bearing, per, claims, read_claims, out)
    return out


def _choose_window(form: Form, pool: list[Sheet], per: dict, claims: dict[str, _Claim]) -> list[Sheet]:
    wins: list[tuple[int, list[Sheet], dict[str, Located]]] = []
    for i in range(len(pool)):
        for j in range(i, min(len(pool), i + 2 * len(form.tables))):
            ws = pool[i : j + 1]
            if not _agree([claims[s.name] for s in ws]):
                break
            picks = {t.id: loc for t in form.tables if (loc := _best([per[t.id][s.name] for s in ws])) is not None}
            used = {loc.sheet for loc in picks.values()}
            if ws[0].name in used and ws[-1].name in used:  # else a smaller window reads the same
                wins.append((i, ws, picks))
    top = max(len(w[2]) for w in wins)
    tops = [w for w in wins if len(w[2]) == top]
    first = [claims[s.name] for s in tops[0][1]]  # the first unit's, in the workbook's order
    cands = [w for w in tops if _same_unit(first + [claims[s.name] for s in w[1]])]

    def key(w: tuple[int, list[Sheet], dict[str, Located]]) -> tuple[int, int, int, int]:
        i, ws, picks = w
        years = [claims[s.name].year or 0 for s in ws]
        return (max(years), -len(ws), sum(loc.score for loc in picks.values()), -i)

    return max(cands, key=key)[1]


def _unread(form, book, bearing, per, claims, read_claims, out: Placement) -> None:
    """Say what the chosen place left unread: another unit's tables, another year's, a differing copy."""
    read_where = "；".join(f"{form.table(tid).name}：{_range_ref(loc)}" for tid, loc in out.located.items() if loc)
    read_where_en = "; ".join(f"{form.table(tid).name}: {_range_ref(loc)}" for tid, loc in out.located.items() if loc)
    units: dict[str, tuple[str, list[str]]] = {}
    unit_cells: list[str] = []
    for s in bearing:
        if s.name in out.read:
            continue
        c = claims[s.name]
        tables = [t for t in form.tables if per[t.id][s.name] is not None]
        if not _same_unit([*read_claims, c]):
            units[s.name] = (c.unit or "", [t.name for t in tables])
            unit_cells += [_range_ref(per[t.id][s.name]) for t in tables]
            out.ignored.add(s.name)
            continue
        years = {x.year for x in read_claims if x.year}
        hidden = s.state != "visible"
        if c.year and years and c.year not in years:
            why = {"zh": f"是 {c.year} 年的表格", "en": f"they are of {c.year}"}
            if hidden:
                why = {"zh": f"隐藏的工作表，{why['zh']}", "en": f"a hidden sheet, {why['en']}"}
            severity = "info" if hidden else "warning"  # last year's tables kept hidden: what a clerk expects
            out.ignored.add(s.name)
        else:
            differ = [
                t for t in tables if out.located[t.id] is None or not _same_values(per[t.id][s.name], out.located[t.id])
            ]
            if not differ:
                continue  # a copy of what was read
            tables = differ
            if hidden:
                why, severity = {"zh": "隐藏的工作表，数据与读取的不同", "en": "a hidden sheet, figures differ"}, "info"
            elif any(out.located[t.id] is None for t in tables):
                why = {
                    "zh": "与读取的表格之间隔着其他单位或年度的工作表",
                    "en": "another unit's or year's sheet lies between them and the tables read",
                }
                severity = "warning"
            else:
                why, severity = {"zh": "数据与读取的不同", "en": "their figures differ from those read"}, "warning"
        f = tool_finding(
            "LOOSE-SHEET-NOT-READ",
            severity=severity,
            sheet=s.name,
            tables={"zh": "、".join(t.name for t in tables), "en": ", ".join(t.name for t in tables)},
            why=why,
            read={"zh": _sheets_text(out.read, "zh"), "en": _sheets_text(out.read, "en")},
        )
        f.cells = [_range_ref(per[t.id][s.name]) for t in tables]
        f.details = {
            "zh": ["未读取：" + "；".join(f"{t.name}：{_range_ref(per[t.id][s.name])}" for t in tables)]
            + [f"已读取：{read_where}"],
            "en": ["Not read: " + "; ".join(f"{t.name}: {_range_ref(per[t.id][s.name])}" for t in tables)]
            + [f"Read: {read_where_en}"],
        }
        out.findings.append(f)
    if units:
        mine = next((c.unit for c in read_claims if c.unit), None)
        f = tool_finding(
            "LOOSE-OTHER-UNITS",
            count=len({normalize(u) for u, _ in units.values()} | ({normalize(mine)} if mine else {"?"})),
            read={
                "zh": _sheets_text(out.read, "zh") + (f"（{mine}）" if mine else ""),
                "en": _sheets_text(out.read, "en") + (f" ({mine})" if mine else ""),
            },
            others={
                "zh": "、".join(f"“{n}”（{u or '未写明单位'}）" for n, (u, _) in units.items()),
                "en": ", ".join(f"“{n}” ({u or 'unit not stated'})" for n, (u, _) in units.items()),
            },
        )
        f.cells = unit_cells
        f.details = {
            "zh": [f"已读取：{read_where}"]
            + [f"未读取：工作表“{n}”（{u or '未写明单位'}）的" + "、".join(ts) for n, (u, ts) in units.items()],
            "en": [f"Read: {read_where_en}"]
            + [f"Not read: sheet “{n}” ({u or 'unit not stated'}): " + ", ".join(ts) for n, (u, ts) in units.items()],
        }
        out.findings.append(f)


def tables_read_details(form: Form, located: dict[str, Located]) -> dict[str, list[str]]:
    """Where each table was read from, for the NOT-TEMPLATE warning: 表三：Sheet1!A20:J48."""
    zh, en = [], []
    for t in form.tables:
        loc = located.get(t.id)
        if loc is None:
            continue
        zh.append(f"{t.name}：{_range_ref(loc)}")
        en.append(f"{t.name}: {_range_ref(loc)}")
    return {"zh": ["读取位置：" + "；".join(zh)], "en": ["Read from: " + "; ".join(en)]} if zh else {}


# --------------------------------------------------------------------------- identity of a non-template file

_UNIT_RE = re.compile(
    r"(?:填报单位|填表单位|报送单位|报告单位|编制单位|单位名称|填报机关|报送机关)"
    r"\s*(?:[（(]\s*(?:盖章|公章|签章|印章|章)\s*[)）])?\s*(?:[:：]\s*(?P<value>.*)|$)",
    re.S,
)
"""A unit field: 填报单位：…, 填报单位（盖章）：…, or the label alone (its value in the next cell of the row)."""
_FIELD_END = re.compile(
    r"\s{2,}|[\s，,；;]*(?:填报日期|填报人|填表人|联系人|联系电话|电话|审核人|负责人|日期|报告年度|统计年度)\s*[:：]"
)
"""Where a unit field's value ends when another field follows in the same cell (…局    填报日期：…)."""
_SEAL = re.compile(r"[（(]\s*(?:盖章|公章|签章|印章|章)\s*[)）]")
_YEAR_TEXT = r"(20\d{2}|二[〇零○Ｏ0][〇零○Ｏ0一二三四五六七八九]{2})"
_TITLE_RE = re.compile(r"(?:政府信息公开|政务公开)(?=工作|年度|报告|统计|年报|情况|数据)")
"""What makes a cell a title: 政府信息公开 followed by 工作, 年度, 报告, 统计…; never a label of the form
(三、收到和处理政府信息公开申请情况, 四、政府信息公开行政复议…)."""
_TITLE_YEAR_RE = re.compile(_YEAR_TEXT + r"年度?")
"""The year before 政府信息公开: …局2021年度…, 2021年…局…, 二〇二一年."""
_TITLE_YEAR_AFTER_RE = re.compile(r"[（(【\[〔]" + _YEAR_TEXT + r"(?:年度?)?[)）】\]〕]|" + _YEAR_TEXT + r"年度")
"""The year after it: …年度报告（2021年度）, (2021年), （2021）, …报告2021年度."""
_NOT_TITLE_RE = re.compile(r"(?:报告|年报|统计)[^，。,]{0,8}?(?:通知|说明|提醒|函|要求|提纲|指引|模板|样式|格式|方案)$")
"""A notice or a guide about the report (关于报送……年度报告的通知), not the report's own title."""
_NOT_UNIT_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.、]|报送|填报|做好|编制)"
)
"""A section heading (三、…, （一）…) or a verb (关于报送…): no unit's name."""
_CN_DIGITS = str.maketrans("〇零○Ｏ0一二三四五六七八九", "00000123456789")
_YEAR_RE = re.compile(r"(20\d{2})\s*年")
_FILE_RE = re.compile(r"^(?P<code>[^_]+)_(?P<name>.+)_(?P<year>20\d{2})$")
_HEAD_ROWS = 10
"""Rows at the top of a sheet searched for a title and a unit field (the footer's last rows too, for a field)."""
_FOOT_ROWS = 8


def _year(text: str) -> int | None:
    digits = text.translate(_CN_DIGITS)
    return int(digits) if digits.isdigit() and 2000 <= int(digits) <= 2100 else None


def _unit_name(text: str) -> str | None:
    """A unit's name as written in a title or a field, or None when the text cannot be one."""
    s = _SEAL.sub("", "".join(text.split()))
    s = re.sub(r"^(?:附件\d*[:：]?|关于|[《“\"「【\[])+", "", s)
    s = re.sub(r"(?:[》”\"」】\]]|的|关于)+$", "", s).strip("：:，,、；;。.")
    if not 2 <= len(s) <= 60 or not re.search(r"[\u4e00-\u9fff]", s) or re.search(r"[:：]", s):
        return None
    if _NOT_UNIT_RE.match(s) or _YEAR_RE.fullmatch(s) or s[-1] in "与和及同在为是按对将把由":
        return None  # a heading, a bare year, or the start of a sentence (本表数据与政府信息公开…一致)
    return s


def parse_title(text: str) -> tuple[str | None, int | None] | None:
    """The unit and the year a title names, or None when the text is no title of the report or its table.

    "烟台市芝罘区民政局2021年政府信息公开工作年度报告统计表" -> ("烟台市芝罘区民政局", 2021); the year may stand
    before the unit (2021年淮安市…), be written 二〇二一年 or 2021年度, follow in brackets (…年度报告（2021年度）),
    or be left out (unit, None); a title without a unit gives (None, 2021).
    """
    s = "".join(text.split())
    m = _TITLE_RE.search(s)
    if m is None or _NOT_TITLE_RE.search(s):
        return None
    pre, post = s[: m.start()], s[m.end() :]
    year = None
    y = _TITLE_YEAR_RE.search(pre)
    if y is not None:
        year = _year(y.group(1))
        unit = pre[: y.start()] or pre[y.end() :]
    else:
        unit = pre
        y = _TITLE_YEAR_AFTER_RE.search(post)
        if y is not None:
            year = _year(y.group(1) or y.group(2))
    return _unit_name(unit) if unit else None, year


def _field_unit(text: str, row: list, col: int) -> str | None:
    """The unit a field names (填报单位（盖章）：…), its value in the cell or in the next text cell of the row."""
    m = _UNIT_RE.search(text)
    if m is None:
        return None
    value = (m.group("value") or "").strip()
    if value:
        return _unit_name(_FIELD_END.split(value, maxsplit=1)[0])
    for x in row[col + 1 : col + 4]:
        if isinstance(x, str) and x.strip():
            return _unit_name(_FIELD_END.split(x.strip(), maxsplit=1)[0])
    return None


def _fuller(name: str, others: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The longest of `others` (name, source) that contains `name`: the same unit, named in full."""
    key = normalize(name)
    best = None
    for other, source in others:
        k = normalize(other)
        if key in k and len(k) > len(normalize(best[0]) if best else key):
            best = (other, source)
    return best


def identify(book: Book, file_stem: str) -> tuple[str, str | None, int | None, str]:
    """(unit name, unit code, year, where the unit came from: `sheet`, `title` or `file-name`).

    An explicit field (填报单位：…) wins over a title, and a title over the file name; among the names of one
    unit the fullest is taken (东山街道办事处 in a title, 烟台市芝罘区东山街道办事处 in the field). Visible sheets
    are read before hidden ones (an old year's table kept hidden does not give the year).
    """
    fields: list[tuple[bool, str]] = []
    titles: list[tuple[bool, str]] = []
    years: list[tuple[bool, int, int]] = []  # (hidden, 0 a title's / 1 another cell's, year)
    for sh in book.sheets.values():
        hidden = sh.state != "visible"
        head = len(sh.rows[:_HEAD_ROWS])
        foot = range(max(head, len(sh.rows) - _FOOT_ROWS), len(sh.rows))
        for i in [*range(head), *foot]:
            row = sh.rows[i]
            for c, v in enumerate(row):
                if not isinstance(v, str) or not v.strip() or len(v) > 200:
                    continue
                s = v.strip()
                name = _field_unit(s, row, c)
                if name is not None:
                    fields.append((hidden, name))
                    continue
                t = parse_title(s) if i < head else None
                if t is not None:
                    if t[0]:
                        titles.append((hidden, t[0]))
                    if t[1]:
                        years.append((hidden, 0, t[1]))
                elif i < head and ("年度" in s or "报告" in s or s.endswith("年")):
                    y = _YEAR_RE.search(s)
                    if y:
                        years.append((hidden, 1, int(y.group(1))))
    # a visible sheet's field, then its title, then a hidden sheet's (sorted keeps the workbook's order otherwise)
    cands = [(h, 0, n, "sheet") for h, n in fields] + [(h, 1, n, "title") for h, n in titles]
    cands = [(n, source) for _, _, n, source in sorted(cands, key=lambda x: x[:2])]
    unit, code, source = None, None, "file-name"
    if cands:
        unit, source = cands[0]
        unit, source = _fuller(unit, cands) or (unit, source)
    year = min(years, key=lambda y: y[:2])[2] if years else None
    fm = _FILE_RE.match(file_stem)
    if fm:
        if unit is None:
            unit, code = fm.group("name"), fm.group("code")
        year = year or int(fm.group("year"))
    if unit is None or year is None:
        t = parse_title(file_stem)  # 芝罘区审计局2021年政务公开统计表.xlsx
        if t is not None:
            unit = unit or t[0]
            year = year or t[1]
    if year is None:
        y = re.search(r"(20\d{2})", file_stem)
        if y:
            year = int(y.group(1))
    return unit or file_stem, code, year, source
