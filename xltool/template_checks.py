"""The live checks of the template, generated from the form's rules: formulas, where they sit, what they colour.

Every equation rule of severity error whose terms are all of the same year becomes one locked check cell per
item it iterates (T3-BALANCE: one per column of 表三). The cell shows "✔" or a short reason with the difference
("差1件"); conditional formatting turns the cells of a failing item red. Each table sheet ends with a status
cell counting its failing checks and its unusable inputs (text, negative, fractional counts), and the cover
sums those counts. No row, label or rule is written here: everything comes from the Form and its layout.

The checks sit outside the official layout (below the last row or right of the last column), so the labels and
value cells a reader relies on (`xltool.layout`) are unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from xltool.layout import TOP, Position, SheetLayout, col_letter, sheet_layouts
from xltool.schema.model import Form, Rule

OK_MARK = "✔"
"""What a passing check cell shows (U+2714)."""

STATUS_LABEL = "本表校验结果"
STATUS_FORMAT = f'[=0]"{OK_MARK} 本表全部通过";0" 处未通过，请查看标红单元格"'
"""Number format of a sheet's status count: it stays a number (the cover adds them) but reads as Chinese."""

LABEL_SIMILARITY = 0.7
"""Below `xltool.labels.best_match`'s threshold (0.75), with a margin."""

_ORDINAL = re.compile(r"^([一二三四五六七八九十]+、)")


@dataclass(frozen=True)
class Check:
    """One live check cell: one item (column or row) of one rule."""

    rule: str
    item: str
    """The column or row id the rule is checked for (`natural_person`)."""
    sheet: str
    row: int
    col: int
    colspan: int
    formula: str
    cells: tuple[str, ...]
    """A1 refs of the value cells of this item, turned red when the check fails."""
    keys: tuple[str, ...]

    @property
    def ref(self) -> str:
        return f"{col_letter(self.col)}{self.row}"


@dataclass(frozen=True)
class ExtraLabel:
    """A locked label the template adds next to the official layout (a check row's or column's name)."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class InputRange:
    """A rectangle of input cells of one type on one sheet (for validation, colouring and counting)."""

    ref: str
    """`D6:I28` (or `B9` for a single cell)."""
    type: str
    signed: bool
    keys: tuple[str, ...]


@dataclass(frozen=True)
class SheetChecks:
    """Everything the template adds to one table sheet to check it live."""

    table: str
    sheet: str
    checks: tuple[Check, ...]
    labels: tuple[ExtraLabel, ...]
    inputs: tuple[InputRange, ...]
    status_row: int
    status_label: ExtraLabel
    status_col: int
    status_colspan: int
    status_formula: str
    last_row: int
    last_col: int
    """Extent of the sheet including the checks (for print areas and borders)."""
    check_columns: tuple[int, ...] = field(default=())
    """Columns added right of the table for row-wise checks."""

    @property
    def status_ref(self) -> str:
        return f"{col_letter(self.status_col)}{self.status_row}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula reference prefix, always quoted ('表三'!)."""
    return "'" + name.replace("'", "''") + "'!"


def compress_refs(positions: list[Position]) -> list[str]:
    """Cell positions -> as few A1 ranges as possible (runs in one column or one row)."""
    cells = set((p.row, p.col) for p in positions)
    out: list[str] = []
    used: set[tuple[int, int]] = set()
    for r, c in sorted(cells):
        if (r, c) in used:
            continue
        # try a vertical run, then a horizontal one; keep the longer
        v = 0
        while (r + v + 1, c) in cells and (r + v + 1, c) not in used:
            v += 1
        h = 0
        while (r, c + h + 1) in cells and (r, c + h + 1) not in used:
            h += 1
        if v >= h and v > 0:
            run = [(r + i, c) for i in range(v + 1)]
        elif h > 0:
            run = [(r, c + i) for i in range(h + 1)]
        else:
            run = [(r, c)]
        used.update(run)
        a = f"{col_letter(run[0][1])}{run[0][0]}"
        b = f"{col_letter(run[-1][1])}{run[-1][0]}"
        out.append(a if a == b else f"{a}:{b}")
    return out


def _sum(refs: list[str]) -> str:
    return f"SUM({','.join(refs)})" if refs else "0"


def _side(positions: list[tuple[int, Position]]) -> str:
    plus = compress_refs([p for s, p in positions if s > 0])
    minus = compress_refs([p for s, p in positions if s < 0])
    expr = _sum(plus)
    if minus:
        expr += "-" + _sum(minus)
    return expr


def in_year_error_equations(form: Form) -> list[Rule]:
    """The rules the template checks live: equations of severity error over this year's values only."""
    out = []
    for r in form.rules:
        if r.kind != "equation" or r.severity != "error" or r.cross_year or not r.table:
            continue
        if any(t.lstrip("-").startswith("prior:") for t in (*r.left, *r.right)):
            continue
        out.append(r)
    return out


def rule_check_label(form: Form, rule: Rule, lang: str = "zh") -> str:
    """The name of a rule's check row/column: its `check_label`, else the label of its single left term + 校验.

    A name that a reader's label matching could take for an official label of the table (“（七）总计校验” for
    “（七）总计”) is not used: then the rule id names the check.
    """
    if rule.check_label is not None:
        return rule.check_label.get(lang)
    from xltool.labels import normalize, similarity

    t = form.table(rule.table)  # type: ignore[arg-type]
    suffix = "校验" if lang != "en" else " check"
    name = None
    if len(rule.left) == 1:
        term = rule.left[0].lstrip("-")
        if rule.for_each == "columns" and term in t.row_map:
            name = _ORDINAL.sub("", t.row_map[term].label) + suffix
        if rule.for_each == "rows" and term in t.column_map:
            name = t.column_map[term].label + suffix
    official = [normalize(x.label) for x in (*t.rows, *t.columns)]
    if name is None or any(similarity(normalize(name), o) >= LABEL_SIMILARITY for o in official):
        return rule.id + suffix
    return name


def _rule_items(
    form: Form, rule: Rule, lay: SheetLayout
) -> list[tuple[str, list[tuple[int, str]], list[tuple[int, str]]]]:
    """(item, [(sign, key)] left, right) for every item of an in-year equation whose cells are on this sheet."""
    from xltool.rules import equation_items

    out = []
    for item, left, right in equation_items(form, rule):
        sides = [[(sign, key) for sign, key, _prior in side] for side in (left, right)]
        if all(k in lay.cells for side in sides for _, k in side):
            out.append((item, sides[0], sides[1]))
    return out


def _check_formula(left: str, right: str, unit: str) -> str:
    diff = f"ROUND({left}-({right}),6)"
    return f'=IF({diff}=0,"{OK_MARK}","差"&ABS({diff})&"{unit}")'


def _input_ranges(form: Form, lay: SheetLayout) -> list[InputRange]:
    """Input cells of a sheet grouped into rectangles of one type (row runs stacked vertically)."""
    by_row: dict[tuple[int, str, bool], list[tuple[int, str]]] = {}
    for key, pos in lay.cells.items():
        c = form.cells[key]
        if c.is_total:
            continue
        by_row.setdefault((pos.row, c.type, c.signed), []).append((pos.col, key))
    runs: list[tuple[int, int, int, str, bool, list[str]]] = []  # row, c0, c1, type, signed, keys
    for (row, typ, signed), cols in sorted(by_row.items()):
        cols.sort()
        start = prev = cols[0][0]
        keys = [cols[0][1]]
        for col, key in cols[1:]:
            if col == prev + 1:
                prev = col
                keys.append(key)
                continue
            runs.append((row, start, prev, typ, signed, keys))
            start = prev = col
            keys = [key]
        runs.append((row, start, prev, typ, signed, keys))
    rects: list[list] = []  # [r0, r1, c0, c1, type, signed, keys]
    for row, c0, c1, typ, signed, keys in runs:
        for rect in rects:
            if rect[1] + 1 == row and rect[2] == c0 and rect[3] == c1 and rect[4] == typ and rect[5] == signed:
                rect[1] = row
                rect[6] = rect[6] + keys
                break
        else:
            rects.append([row, row, c0, c1, typ, signed, list(keys)])
    out = []
    for r0, r1, c0, c1, typ, signed, keys in rects:
        a = f"{col_letter(c0)}{r0}"
        b = f"{col_letter(c1)}{r1}"
        out.append(InputRange(a if a == b else f"{a}:{b}", typ, signed, tuple(keys)))
    return out


def invalid_count_formula(rng: InputRange) -> str:
    """How many cells of an input range hold something that is not a valid value (text, negative, fraction).

    Text is COUNTA-COUNT. Negative or fractional numbers by SUMPRODUCT over the range; INT() of a text cell
    makes that an error, so it falls back to COUNTIF(<0) (the text is already counted and coloured).
    """
    r = rng.ref
    text = f"(COUNTA({r})-COUNT({r}))"
    if rng.type == "integer" and not rng.signed:
        bad = f'IFERROR(SUMPRODUCT((({r}<0)+({r}<>INT({r}))>0)*1),COUNTIF({r},"<0"))'
    elif rng.type == "integer":
        bad = f"IFERROR(SUMPRODUCT(({r}<>INT({r}))*1),0)"
    elif not rng.signed:
        bad = f'COUNTIF({r},"<0")'
    else:
        return text
    return f"{text}+{bad}"


def invalid_cell_formula(rng: InputRange) -> str:
    """Conditional-format formula for one cell (relative to the range's top-left): not a valid value.

    IF, not AND/OR, guards INT(): spreadsheet functions evaluate every argument, and INT() of text is an
    error that would make the whole condition an error (not coloured) exactly when the cell holds text.
    """
    x = rng.ref.split(":")[0]
    other = f"NOT(ISBLANK({x}))"  # text, a logical value, an error
    if rng.type == "integer" and not rng.signed:
        return f"IF(ISNUMBER({x}),OR({x}<0,{x}<>INT({x})),{other})"
    if rng.type == "integer":
        return f"IF(ISNUMBER({x}),{x}<>INT({x}),{other})"
    if not rng.signed:
        return f"IF(ISNUMBER({x}),{x}<0,{other})"
    return f"IF(ISNUMBER({x}),FALSE,{other})"


@cache
def sheet_checks(form: Form, lang: str = "zh") -> dict[str, SheetChecks]:
    """Table id -> the checks, extra labels, input ranges and status cell of its sheet."""
    lays = sheet_layouts(form)
    rules = in_year_error_equations(form)
    out: dict[str, SheetChecks] = {}
    for tid, lay in lays.items():
        t = form.table(tid)
        lc = t.label_columns
        next_row = lay.last_row + 1
        next_col = lay.width + 1
        checks: list[Check] = []
        labels: list[ExtraLabel] = []
        check_cols: list[int] = []
        side_labels: list[tuple[int, str]] = []  # rows whose label goes right of the table (no label columns)
        for rule in (r for r in rules if r.table == tid):
            items = _rule_items(form, rule, lay)
            if not items:
                continue
            label = rule_check_label(form, rule, lang)
            placed = []
            for item, left, right in items:
                ps = [lay.cells[k] for _, k in left + right]
                placed.append((item, left, right, ps))
            cols_of = [{p.col for p in ps} for *_, ps in placed]
            rows_of = [{p.row for p in ps} for *_, ps in placed]
            vertical = all(len(c) == 1 for c in cols_of) and len({min(c) for c in cols_of}) == len(placed)
            horizontal = all(len(r) == 1 for r in rows_of) and len({min(r) for r in rows_of}) == len(placed)
            if vertical:
                row = next_row
                next_row += 1
                for item, left, right, ps in placed:
                    unit = form.cells[left[0][1]].unit
                    span = max(p.colspan for p in ps)
                    f = _check_formula(_side(_with(lay, left)), _side(_with(lay, right)), unit)
                    checks.append(_mk(rule, item, lay, row, ps[0].col, span, f, ps, left + right))
                if lc:
                    labels.append(ExtraLabel(row, 1, label, 1, lc))
                else:
                    side_labels.append((row, label))
            elif horizontal:
                col = next_col
                next_col += 1
                check_cols.append(col)
                labels.append(ExtraLabel(TOP, col, label, lay.first_data_row - TOP, 1))
                for item, left, right, ps in placed:
                    unit = form.cells[left[0][1]].unit
                    f = _check_formula(_side(_with(lay, left)), _side(_with(lay, right)), unit)
                    checks.append(_mk(rule, item, lay, ps[0].row, col, 1, f, ps, left + right))
            else:
                # items side by side on the same rows (表四's groups): one row below, each check merged over its item
                row = next_row
                next_row += 1
                for item, left, right, ps in placed:
                    unit = form.cells[left[0][1]].unit
                    c0 = min(p.col for p in ps)
                    c1 = max(p.col + p.colspan - 1 for p in ps)
                    f = _check_formula(_side(_with(lay, left)), _side(_with(lay, right)), unit)
                    checks.append(_mk(rule, item, lay, row, c0, c1 - c0 + 1, f, ps, left + right))
                if lc:
                    labels.append(ExtraLabel(row, 1, label, 1, lc))
                else:
                    side_labels.append((row, label))
        last_col = next_col - 1
        if side_labels:
            last_col = max(last_col, lay.width + 1) if not check_cols else last_col + 1
            for row, text in side_labels:
                labels.append(ExtraLabel(row, last_col, text))
        inputs = _input_ranges(form, lay)
        status_row = next_row + 1
        label_span = lc if lc else min(2, lay.width)
        status_label = ExtraLabel(
            status_row, 1, STATUS_LABEL if lang != "en" else "Checks of this sheet", 1, label_span
        )
        terms = [f'({c.ref}<>"{OK_MARK}")' for c in checks] + [invalid_count_formula(r) for r in inputs]
        status_formula = "=IFERROR(" + ("+".join(terms) if terms else "0") + ",1)"
        out[tid] = SheetChecks(
            table=tid,
            sheet=lay.sheet,
            checks=tuple(checks),
            labels=tuple(labels),
            inputs=tuple(inputs),
            status_row=status_row,
            status_label=status_label,
            status_col=label_span + 1,
            status_colspan=max(last_col, lay.width) - label_span,
            status_formula=status_formula,
            last_row=status_row,
            last_col=max(last_col, lay.width),
            check_columns=tuple(check_cols),
        )
    return out


def _with(lay: SheetLayout, terms: list[tuple[int, str]]) -> list[tuple[int, Position]]:
    return [(s, lay.cells[k]) for s, k in terms]


def _mk(rule: Rule, item: str, lay: SheetLayout, row: int, col: int, span: int, formula: str, ps, terms) -> Check:
    refs = tuple(dict.fromkeys(p.ref for p in ps))
    return Check(rule.id, item, lay.sheet, row, col, span, formula, refs, tuple(dict.fromkeys(k for _, k in terms)))


def status_total_formula(form: Form, lang: str = "zh") -> str:
    """The cover's status line: 校验通过, or how many checks and inputs fail across the table sheets."""
    parts = [f"{quote_sheet(sc.sheet)}{sc.status_ref}" for sc in sheet_checks(form, lang).values()]
    n = "(" + "+".join(parts) + ")" if parts else "0"
    if lang == "en":
        return f'=IFERROR(IF({n}=0,"All checks pass",{n}&" checks fail: see the red cells"),"Check formulas broken")'
    return f'=IFERROR(IF({n}=0,"校验通过","有 "&{n}&" 处未通过，请查看标红单元格"),"校验公式出错，请勿修改表格结构")'
