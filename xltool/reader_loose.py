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
from dataclasses import dataclass
from functools import lru_cache

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
    loc = Located(t.id, sh.name, score=len(found))
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
    loc = Located(t.id, sh.name, score=len(found))
    loc.matches += [(m, _cell(sh.name, tx.row, tx.col)) for tx, m in found.values() if not m.exact]
    assumed: list[str] = []
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
    loc = Located(t.id, sh.name, score=score)
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
    data_row = last_header + 1
    for r in range(last_header + 1, last_header + 4):
        if any(sh.value(r, c) is not None for c in pos.values()):
            data_row = r
            break
    for key, c in pos.items():
        loc.values[key] = sh.value(data_row, c)
        loc.cells[key] = _cell(sh.name, data_row, c)
        loc.positions[key] = (data_row, c)
    return loc


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


# --------------------------------------------------------------------------- findings about a located table


def located_findings(form: Form, loc: Located) -> list[Finding]:
    """Similarity matches (提示 each) and missing labels (one 错误) of a located table."""
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
        out.append(f)
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


# --------------------------------------------------------------------------- identity of a non-template file

_TITLE_RE = re.compile(r"^(.{2,60}?)\s*(20\d{2})\s*年度?.*政府信息公开")
_UNIT_RE = re.compile(r"(?:填报单位|报送单位|单位名称|填报机关|报告单位)\s*[:：]\s*(.+)$")
_UNIT_LABELS = {"填报单位", "报送单位", "单位名称", "填报机关", "报告单位"}
_YEAR_RE = re.compile(r"(20\d{2})\s*年")
_FILE_RE = re.compile(r"^(?P<code>[^_]+)_(?P<name>.+)_(?P<year>20\d{2})$")


def identify(book: Book, file_stem: str) -> tuple[str, str | None, int | None, str]:
    """(unit name, unit code, year, where the unit came from: `sheet`, `title` or `file-name`)."""
    unit = None
    code = None
    year = None
    source = "file-name"
    for sh in book.sheets.values():
        for row in sh.rows[:8]:
            for c, v in enumerate(row, start=1):
                if not isinstance(v, str):
                    continue
                s = v.strip()
                m = _UNIT_RE.search(s)
                if m and unit is None and m.group(1).strip():
                    unit, source = m.group(1).strip(), "sheet"
                elif normalize(s).rstrip(":：") in _UNIT_LABELS and unit is None:
                    nxt = next((x for x in row[c:] if isinstance(x, str) and x.strip()), None)
                    if nxt:
                        unit, source = nxt.strip(), "sheet"
                m = _TITLE_RE.search(s)
                if m:
                    if unit is None:
                        unit, source = m.group(1).strip(), "title"
                    year = year or int(m.group(2))
                elif year is None and ("年度" in s or "报告" in s or "年" == s[-1:]):
                    y = _YEAR_RE.search(s)
                    if y:
                        year = int(y.group(1))
    fm = _FILE_RE.match(file_stem)
    if fm:
        if unit is None:
            unit, code, source = fm.group("name"), fm.group("code"), "file-name"
        year = year or int(fm.group("year"))
    if year is None:
        y = re.search(r"(20\d{2})", file_stem)
        if y:
            year = int(y.group(1))
    if unit is None:
        unit = file_stem
    return unit, code, year, source
