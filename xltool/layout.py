"""Where each label and value of a form sits on its sheet.

One function of the Form, used by the template writer (to place), the reader (to find and to check
labels) and the fingerprint (to tell a genuine template from an edited one). Rows and columns are
1-based as in Excel.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache

from xltool.schema.model import Form, Table

TITLE_ROW = 1
INFO_ROW = 2
TOP = 3
"""First row of a table's header on its sheet."""


@dataclass(frozen=True)
class Label:
    row: int
    col: int
    text: str
    role: str
    """`title`, `heading`, `header`, `corner`, `group`, `row`."""
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Position:
    row: int
    col: int
    colspan: int = 1

    @property
    def ref(self) -> str:
        return f"{col_letter(self.col)}{self.row}"


@dataclass(frozen=True)
class SheetLayout:
    table: str
    sheet: str
    width: int
    """Number of columns the table spans (labels + values)."""
    first_data_row: int
    last_row: int
    labels: tuple[Label, ...]
    cells: dict[str, Position] = field(hash=False)
    """Cell key -> position of its value."""

    def ref(self, key: str) -> str:
        return self.cells[key].ref


def col_letter(col: int) -> str:
    s = ""
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def col_index(letters: str) -> int:
    """Column letters (either case) -> 1-based column number."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _blocks(t: Table) -> SheetLayout:
    lc = t.label_columns
    width = lc + (t.value_columns or max(len(b.columns) for b in t.blocks))
    labels: list[Label] = [Label(TITLE_ROW, 1, t.title, "title", 1, width)]
    cells: dict[str, Position] = {}
    r = TOP
    for b in t.blocks:
        labels.append(Label(r, 1, b.heading, "heading", 1, width))
        labels.append(Label(r + 1, 1, b.header, "header", 1, lc))
        # a block narrower than the table: its last column spans the rest (1 of 3 -> 3; 2 of 3 -> 1 + 2)
        spans = [1] * (len(b.columns) - 1) + [width - lc - len(b.columns) + 1]
        for i, cid in enumerate(b.columns):
            labels.append(Label(r + 1, lc + 1 + i, t.column_map[cid].label, "header", 1, spans[i]))
        r += 2
        for rid in b.rows:
            labels.append(Label(r, 1, t.row_map[rid].label, "row", 1, lc))
            for i, cid in enumerate(b.columns):
                cells[t.key(rid, cid)] = Position(r, lc + 1 + i, spans[i])
            r += 1
    return SheetLayout(t.id, t.name, width, TOP + 2, r - 1, tuple(labels), cells)


def _header(t: Table, first_value_col: int, labels: list[Label]) -> int:
    depth = max(h.row + h.rowspan for h in t.header)
    for h in t.header:
        labels.append(Label(TOP + h.row, first_value_col + h.col, h.text, "header", h.rowspan, h.colspan))
    return depth


def _matrix(t: Table) -> SheetLayout:
    lc = t.label_columns
    width = lc + len(t.columns)
    labels: list[Label] = [Label(TITLE_ROW, 1, t.title, "title", 1, width)]
    depth = _header(t, lc + 1, labels)
    if t.corner:
        labels.append(Label(TOP, 1, t.corner, "corner", depth, lc))
    first = TOP + depth
    cells: dict[str, Position] = {}
    # group labels: merge each group heading vertically over the consecutive rows that share it
    for level in range(lc):
        i = 0
        while i < len(t.rows):
            g = t.rows[i].groups[: level + 1]
            if len(t.rows[i].groups) <= level:
                i += 1
                continue
            j = i
            while j + 1 < len(t.rows) and t.rows[j + 1].groups[: level + 1] == g:
                j += 1
            labels.append(Label(first + i, level + 1, g[-1], "group", j - i + 1, 1))
            i = j + 1
    for i, row in enumerate(t.rows):
        r = first + i
        labels.append(Label(r, len(row.groups) + 1, row.label, "row", 1, lc - len(row.groups)))
        for ci, col in enumerate(t.columns):
            cells[t.key(row.id, col.id)] = Position(r, lc + 1 + ci)
    return SheetLayout(t.id, t.name, width, first, first + len(t.rows) - 1, tuple(labels), cells)


def _row(t: Table) -> SheetLayout:
    width = len(t.columns) * len(t.rows)
    labels: list[Label] = [Label(TITLE_ROW, 1, t.title, "title", 1, width)]
    depth = _header(t, 1, labels)
    r = TOP + depth
    cells: dict[str, Position] = {}
    c = 1
    for row in t.rows:
        for col in t.columns:
            cells[t.key(row.id, col.id)] = Position(r, c)
            c += 1
    return SheetLayout(t.id, t.name, width, r, r, tuple(labels), cells)


_BUILDERS = {"blocks": _blocks, "matrix": _matrix, "row": _row}


@cache
def sheet_layouts(form: Form) -> dict[str, SheetLayout]:
    """Table id -> its sheet layout, in the form's order."""
    return {t.id: _BUILDERS[t.layout](t) for t in form.tables}


@cache
def sheet_cells(form: Form) -> dict[str, str]:
    """Cell key -> `表三!D7`, as used in `source.sheet_cells` and messages."""
    out = {}
    for lay in sheet_layouts(form).values():
        for key, pos in lay.cells.items():
            out[key] = f"{lay.sheet}!{pos.ref}"
    return out


@cache
def fingerprint(form: Form) -> str:
    """A hash of the structure a reader relies on: every label with its place, and the value cell map.

    Equal for every template of this form version, whatever the unit; a template whose labels or
    input map were edited (or a template of another form) has another one.
    """
    payload = {
        "form": form.id,
        "version": form.version,
        "sheets": {
            lay.sheet: {
                "labels": [[lb.row, lb.col, lb.rowspan, lb.colspan, lb.text] for lb in lay.labels],
                "cells": {k: p.ref for k, p in lay.cells.items()},
            }
            for lay in sheet_layouts(form).values()
        },
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return "sha256:" + hashlib.sha256(blob).hexdigest()[:32]
