"""Frozen model of a report form. Built only by `xltool.schema.load`; every other module reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

# Every class here has a docstring: for a class without one, `dataclass` makes one with `inspect.signature`,
# which is paid at every start-up (this module is imported by every command).


@dataclass(frozen=True)
class Text:
    """A message template in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Column:
    """A value column of a table (自然人, 商业企业 …, 总计), with its type and what it totals."""

    id: str
    """Stable id, the last part of a cell key (`t3.granted.natural_person`)."""
    label: str
    """Official label, character for character."""
    type: str = "integer"
    """`integer` (counts, whole numbers >= 0) or `decimal` (an amount >= 0, exact)."""
    unit: str = "件"
    total_of: tuple[str, ...] = ()
    """Ids of the columns this column is the sum of (empty: an input column)."""
    signed: bool = False
    """Values may be negative (the 2019 form's 本年增/减); otherwise a negative value is invalid."""
    variants: tuple[str, ...] = ()
    """Other wordings of the label seen in real files, read as this column (`xltool.labels`); never written."""


@dataclass(frozen=True)
class Row:
    """A row of a table, with its official label, the group headings above it and what it totals."""

    id: str
    """Stable id, the middle part of a cell key."""
    label: str
    """Official label, character for character."""
    groups: tuple[str, ...] = ()
    """Group headings above this row's label, outermost first (merged over their rows)."""
    total_of: tuple[str, ...] = ()
    """Ids of the rows this row is the sum of."""
    columns: tuple[str, ...] = ()
    """Ids of the columns this row has (in a `blocks` table rows have different columns)."""
    block: int | None = None
    variants: tuple[str, ...] = ()
    """Other wordings of the label seen in real files (规范性文件 for 行政规范性文件), read as this row by
    `xltool.labels` (and said so); never written: the template and the renderer print `label`."""


@dataclass(frozen=True)
class Block:
    """One heading + header row + data rows of a `blocks` table (表二)."""

    heading: str
    header: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]


@dataclass(frozen=True)
class HeaderCell:
    """A header label with its span, relative to the first value column and first header row."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Cell:
    """One value cell of the form: its key, type and the ways it is derived when it is a total."""

    key: str
    """`table.row.column`: the id used by the interchange JSON, rules, messages and consolidation."""
    table: str
    row: str
    column: str
    type: str
    unit: str
    totals: tuple[tuple[str, ...], ...] = ()
    """Each alternative way of deriving this total from other cells' keys; empty for an input cell."""
    signed: bool = False
    """Its column allows negative values."""

    @cached_property
    def is_total(self) -> bool:
        """Asked ~600 times per file read: computed once (the dataclass is frozen; this writes its __dict__)."""
        return bool(self.totals)


@dataclass(frozen=True)
class Table:
    """One of the form's tables (表一 … 表四) as declared: columns, rows, header and sheet layout."""

    id: str
    name: str
    """Short Chinese name used in messages and as the sheet name (表三)."""
    title: str
    """The official section heading (三、收到和处理政府信息公开申请情况)."""
    layout: str
    """`blocks`, `matrix` or `row`: how `xltool.layout` places it on a sheet."""
    label_columns: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    blocks: tuple[Block, ...] = ()
    header: tuple[HeaderCell, ...] = ()
    corner: str | None = None
    value_columns: int = 0
    title_variants: tuple[str, ...] = ()
    """Other wordings of `title` seen in published reports, read as this table's heading by `xltool.labels`."""

    @cached_property
    def column_map(self) -> dict[str, Column]:
        return {c.id: c for c in self.columns}

    @cached_property
    def row_map(self) -> dict[str, Row]:
        return {r.id: r for r in self.rows}

    def key(self, row: str, column: str) -> str:
        return f"{self.id}.{row}.{column}"

    def row_columns(self, row: Row) -> tuple[str, ...]:
        return row.columns or tuple(c.id for c in self.columns)


@dataclass(frozen=True)
class Rule:
    """A check of the form: an equation over a table's rows or columns, or a per-value check."""

    id: str
    """Stable id shown in every message (T3-BALANCE)."""
    severity: str
    """`error` (错误), `warning` (警告) or `info` (提示)."""
    kind: str
    """`equation`, `value-type`, `value-blank`, `value-coerced`, `value-empty` or `consolidation`."""
    title: Text
    fix: Text
    provenance: str = ""
    table: str | None = None
    for_each: str | None = None
    """`columns` or `rows` of `table`: the equation is checked once for each."""
    only: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    """Terms of the left side: ids of the other coordinate; `-id` subtracts, `prior:id` reads last year."""
    right: tuple[str, ...] = ()
    cross_year: bool = False
    check_label: Text | None = None


@dataclass(frozen=True)
class Section:
    """One section of the annual report (一 … 六): a table's or prose only."""

    id: str
    heading: str
    table: str | None = None
    prose: bool = False


@dataclass(frozen=True)
class ProseFigure:
    """A figure a report's text states in words (`received` …) and the cell keys it is compared with."""

    subject: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Form:
    """A whole report form: its sections, tables and rules, as loaded from its declaration."""

    id: str
    version: str
    title: str
    issued_by: str
    first_year: int
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    prose: tuple[ProseFigure, ...] = ()
    """The figures of the report's text compared with the tables (`prose:` of the declaration)."""
    source: str = field(default="", compare=False)
    """The declaration file it was loaded from."""

    def __hash__(self) -> int:
        # Forms key many caches (layout, compiled rules); hashing every nested field each time is slow
        return hash((self.id, self.version))

    @cached_property
    def table_map(self) -> dict[str, Table]:
        return {t.id: t for t in self.tables}

    @cached_property
    def rule_map(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @cached_property
    def cells(self) -> dict[str, Cell]:
        """Every cell of the form by key, in table, row, column order."""
        out: dict[str, Cell] = {}
        for t in self.tables:
            for r in t.rows:
                row_columns = t.row_columns(r)
                for cid in row_columns:
                    col = t.column_map[cid]
                    key = t.key(r.id, cid)
                    totals: list[tuple[str, ...]] = []
                    if col.total_of:
                        totals.append(tuple(t.key(r.id, p) for p in col.total_of if p in row_columns))
                    if r.total_of:
                        totals.append(tuple(t.key(p, cid) for p in r.total_of))
                    out[key] = Cell(
                        key=key,
                        table=t.id,
                        row=r.id,
                        column=cid,
                        type=col.type,
                        unit=col.unit,
                        totals=tuple(totals),
                        signed=col.signed,
                    )
        return out

    @cached_property
    def input_keys(self) -> tuple[str, ...]:
        return tuple(k for k, c in self.cells.items() if not c.is_total)

    @cached_property
    def total_keys(self) -> tuple[str, ...]:
        return tuple(k for k, c in self.cells.items() if c.is_total)

    def table(self, table_id: str) -> Table:
        return self.table_map[table_id]

    def prose_cells(self, subject: str) -> tuple[str, ...]:
        """The cell keys the text's figure `subject` is compared with; () when the form does not declare it."""
        return next((p.cells for p in self.prose if p.subject == subject), ())

    def label(self, key: str) -> str:
        """A readable label for a cell key: 'row label / column label' in official words."""
        c = self.cells[key]
        t = self.table_map[c.table]
        row = t.row_map[c.row]
        col = t.column_map[c.column]
        if t.layout == "row":
            return f"{'/'.join(row.groups + (row.label,))} {col.label}"
        if len(t.row_columns(row)) == 1:
            return row.label
        return f"{row.label} {col.label}"


def carry_pairs(form: Form) -> list[tuple[str, str, str]]:
    """(rule id, this year's input key, last year's key) for every carry rule: `x = prior:y` (X-CARRY).

    Taken from the form's cross-year equations with one term on each side, so nothing is hard-coded.
    """
    out = []
    for rule in form.rules:
        if rule.kind != "equation" or not rule.cross_year or len(rule.left) != 1 or len(rule.right) != 1:
            continue
        left, right = rule.left[0], rule.right[0]
        if left.startswith(("-", "prior:")) or not right.startswith("prior:"):
            continue
        t = form.table(rule.table)  # type: ignore[arg-type]
        by_col = rule.for_each == "columns"
        items = [c.id for c in t.columns] if by_col else [r.id for r in t.rows]
        for item in items:
            if rule.only and item not in rule.only:
                continue
            src = right.removeprefix("prior:")
            dst_key = t.key(left, item) if by_col else t.key(item, left)
            src_key = t.key(src, item) if by_col else t.key(item, src)
            cell = form.cells.get(dst_key)
            if cell is not None and not cell.is_total and src_key in form.cells:
                out.append((rule.id, dst_key, src_key))
    return out
