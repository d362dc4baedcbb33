"""The live checks of the template, generated from the form's rules: formulas, where they sit, what they colour.

Every equation rule of severity error whose terms are all of the same year becomes one locked check cell per
item it iterates (T3-BALANCE: one per column of 表三). The cell shows "✔" or a short reason with the difference
("差1件"); conditional formatting turns the cells of a failing item red. Each table sheet ends with a status
line, and the cover sums the sheets. No row, label or rule is written here: everything comes from the Form
and its layout.

The live status says what `xltool validate` would say, as far as a formula can:

* An input holding text that the validator reads as a number (`xltool.values.parse_value`: "12件", "１２",
  "1,234", " 12 ", "12.0"; or a blank mark "/", "无" read as 0) is a hint: orange, named on the sheet's status
  line and on the cover ("表三 D7 为文字，请改为数字"), never counted as a failure. Text the validator cannot read
  ("约10", "12-15"), negative and fractional counts are failures: red and counted.
* SUM skips text, so a check whose cells (or the parts of its totals) hold text would show a difference that
  is not there: it shows "含文字" instead, and is not counted; the text cell itself carries the hint.
* A template pre-filled with last year's 上年结转 fails T3-BALANCE before the department types anything. Until
  some input of this year (any input but the pre-fillable ones) is filled in, such a check shows "待填写" and is
  not counted, the sheets and the cover read "尚未填写"; once filling has begun, every failure counts.

Formulas use only functions that Excel (2010+), WPS and LibreOffice share, and no array formula: the array
expressions sit inside SUMPRODUCT, with ISNUMBER(1/…) instead of IF/IFERROR (which legacy Excel evaluates
element-wise there only when array-entered). The per-sheet counts live in a hidden column of helper cells right
of the print area, so the cover's and the status line's formulas stay short.

The checks sit outside the official layout (below the last row or right of the last column), so the labels and
value cells a reader relies on (`xltool.layout`) are unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from xltool.layout import TOP, Position, SheetLayout, col_letter, sheet_layouts
from xltool.schema.model import Form, Rule, carry_pairs
from xltool.values import BLANK_MARKS, UNITS

OK_MARK = "✔"
"""What a passing check cell shows (U+2714)."""

DIFF_MARK = "差"
"""A failing check cell starts with this ("差1件"); the status counts exactly these."""

STATUS_LABEL = "本表校验结果"
STATUS_FORMAT = "General"
"""Number format of a sheet's status line (it is text; the counts sit in helper cells)."""

LABEL_SIMILARITY = 0.7
"""Below `xltool.labels.best_match`'s threshold (0.75), with a margin."""

_ORDINAL = re.compile(r"^([一二三四五六七八九十]+、)")

# What the live cells say, by language. The zh texts are what a clerk reads; tests compare them.
TEXTS = {
    "zh": {
        "text_in_check": "含文字",
        "to_fill": "待填写",
        "not_started": "尚未填写",
        "sheet_ok": f"{OK_MARK} 本表全部通过",
        "sheet_fail": " 处未通过，请查看标红单元格",
        "hint": ("", " 等 ", " 处", " ", "为文字，请改为数字"),
        "cover_ok": "校验通过",
        "cover_fail": ("有 ", " 处未通过，请查看标红单元格"),
        "broken": "校验公式出错，请勿修改表格结构",
        "sep": "；",
    },
    "en": {
        "text_in_check": "text",
        "to_fill": "to fill",
        "not_started": "Not filled in yet",
        "sheet_ok": f"{OK_MARK} All checks pass",
        "sheet_fail": " checks fail: see the red cells",
        "hint": ("Text in ", " (", " cells)", "", ": type numbers"),
        "cover_ok": "All checks pass",
        "cover_fail": ("", " checks fail: see the red cells"),
        "broken": "Check formulas broken",
        "sep": "; ",
    },
}


def texts(lang: str) -> dict:
    return TEXTS["en" if lang == "en" else "zh"]


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
    guard: tuple[str, ...] = ()
    """A1 ranges of every input the check depends on (its cells and the parts of its totals): text there
    makes SUM wrong, so the check shows "含文字" instead of a difference."""
    gated: bool = False
    """The check involves a cell pre-filled from last year: it shows "待填写" until this year's filling begins."""

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
class Helper:
    """A hidden helper cell (right of the print area) holding a count the status lines use."""

    row: int
    col: int
    formula: str
    role: str
    """`hints:<range>`, `first:<range>` per input range; `hints`, `first`, `where`, `failures` per sheet."""

    @property
    def ref(self) -> str:
        return f"{col_letter(self.col)}{self.row}"


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
    helpers: tuple[Helper, ...] = field(default=())
    helper_col: int = 0
    """The hidden column of the helper cells."""
    failures_ref: str = ""
    """Helper: how many checks and inputs fail on this sheet (a number)."""
    hints_ref: str = ""
    """Helper: how many inputs hold text the validator reads as a number (a number)."""
    where_ref: str = ""
    """Helper: the A1 ref of the first of those inputs ("D7"), or ""."""

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


def _rects(cells: set[tuple[int, int]]) -> list[str]:
    """Cells -> A1 rectangles (row runs stacked when they span the same columns); fewer than compress_refs."""
    runs: list[tuple[int, int, int]] = []
    for row in sorted({r for r, _ in cells}):
        cols = sorted(c for r, c in cells if r == row)
        start = prev = cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                runs.append((row, start, prev))
                start = c
            prev = c
        runs.append((row, start, prev))
    rects: list[list[int]] = []
    for row, c0, c1 in runs:
        for rect in rects:
            if rect[1] + 1 == row and rect[2] == c0 and rect[3] == c1:
                rect[1] = row
                break
        else:
            rects.append([row, row, c0, c1])
    out = []
    for r0, r1, c0, c1 in rects:
        a, b = f"{col_letter(c0)}{r0}", f"{col_letter(c1)}{r1}"
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


# --------------------------------------------------------------------------- reading a value as the validator does


_NBSP = "\u00a0"
_IDEOGRAPHIC_SPACE = "\u3000"
_BLANK_LIST = "||" + "|".join(sorted(BLANK_MARKS)) + "|"
"""`xltool.values.BLANK_MARKS` as one string to FIND "|mark|" in; "||" matches text that is only spaces."""


def _subst(expr: str, old: str, new: str = "") -> str:
    return f'SUBSTITUTE({expr},"{old}","{new}")'


def _no_spaces(x: str) -> str:
    return _subst(_subst(_subst(x, " "), _IDEOGRAPHIC_SPACE), _NBSP)


def _units() -> tuple[str, ...]:
    # the longer unit first: 万元 before 元
    return tuple(sorted(UNITS, key=len, reverse=True))


def read_as_number_formula(x: str, ctype: str, signed: bool) -> str:
    """1 where text `x` (a cell, or a range inside SUMPRODUCT) is what `parse_value` reads as blank or a number.

    Mirrors `xltool.values.parse_value`: spaces (also full-width and no-break) are dropped; a blank mark ("/",
    "无" …) or nothing left is a blank; else full-width characters become ASCII (ASC), a unit (件, 万元 …; not
    元 in an amount cell, which is in 万元) and thousands separators are dropped, and what is left must be
    digits with at most one point (and a leading "+", or "-" where the column is signed), a whole number for
    counts. Differences: a unit or comma anywhere counts, not only at the end or in groups of three ("1,2" is a
    hint here, an error there); both ask the clerk to type a plain number. Never an error value, so it can be
    summed over a range.
    """
    blank = f'ISNUMBER(FIND("|"&{_no_spaces(x)}&"|","{_BLANK_LIST}"))'
    n = _subst(_no_spaces(f"ASC({x})"), ",")
    for u in _units():
        if not (u == "元" and ctype == "decimal"):  # an amount in 元 in a 万元 cell is an error there (values._in_yuan)
            n = _subst(n, u)
    # a sign only in front: "#" marks the start, so "12+" keeps its "+" and is not a number
    rest = f'SUBSTITUTE("#"&{n},"#+","#")'
    if signed:
        rest = f'SUBSTITUTE({rest},"#-","#")'
    rest = f'SUBSTITUTE({rest},".","",1)'
    for d in "0123456789":
        rest = _subst(rest, d)
    whole = f"(MOD(VALUE({n}),1)=0)" if ctype == "integer" else f"ISNUMBER(VALUE({n}))"
    number = f'ISNUMBER(1/({whole}*({rest}="#")))'
    return f"({blank}+{number})"


def _bad_number_count(rng: InputRange) -> str:
    """How many numbers in the range the validator refuses: negative, or not whole for counts."""
    r = rng.ref
    if rng.type == "integer" and not rng.signed:
        return f"SUMPRODUCT(ISNUMBER({r})*ISERROR(1/(({r}>=0)*(MOD({r},1)=0))))"
    if rng.type == "integer":
        return f"SUMPRODUCT(ISNUMBER({r})*ISERROR(1/(MOD({r},1)=0)))"
    if not rng.signed:
        return f'COUNTIF({r},"<0")'
    return ""


def _bad_number_cell(x: str, rng: InputRange) -> str:
    if rng.type == "integer" and not rng.signed:
        return f"OR({x}<0,{x}<>INT({x}))"
    if rng.type == "integer":
        return f"{x}<>INT({x})"
    if not rng.signed:
        return f"{x}<0"
    return "FALSE"


def hint_cell_formula(rng: InputRange) -> str:
    """Conditional-format formula for one cell (relative to the range's top-left): text read as a number."""
    x = rng.ref.split(":")[0]
    return f"AND(ISTEXT({x}),{read_as_number_formula(x, rng.type, rng.signed)}>0)"


def invalid_cell_formula(rng: InputRange) -> str:
    """Conditional-format formula for one cell (relative to the range's top-left): not a usable value.

    Any text counts here: the template puts `hint_cell_formula` before it with stopIfTrue, so text the
    validator reads as a number is orange, not red (Excel stops at the first true rule, LibreOffice applies
    the first true condition), and the long reading formula is written once per range, not twice.
    IF, not AND/OR, guards INT(): spreadsheet functions evaluate every argument, and INT() of text is an
    error that would make the whole condition an error (not coloured) exactly when the cell holds text.
    """
    x = rng.ref.split(":")[0]
    return f"IF(ISNUMBER({x}),{_bad_number_cell(x, rng)},NOT(ISBLANK({x})))"


def invalid_count_formula(rng: InputRange, hints_ref: str) -> str:
    """How many cells of an input range fail: text not read as a number, a logical or error value, bad numbers.

    `hints_ref` holds the number of its text cells that are read as numbers (hints, not failures).
    """
    r = rng.ref
    out = f"COUNTA({r})-COUNT({r})-{hints_ref}"
    bad = _bad_number_count(rng)
    return f"{out}+{bad}" if bad else out


def _hints_formula(rng: InputRange) -> str:
    r = rng.ref
    return f"=SUMPRODUCT(ISTEXT({r})*{read_as_number_formula(r, rng.type, rng.signed)})"


def _first_hint_formula(rng: InputRange) -> str:
    """The position of the first hint cell of a range as row*1000+column (1E9 when none)."""
    r = rng.ref
    flag = f"ISTEXT({r})*{read_as_number_formula(r, rng.type, rng.signed)}"
    return f"=SUMPRODUCT(MIN({flag}*(ROW({r})*1000+COLUMN({r})-1E9)+1E9))"


# --------------------------------------------------------------------------- the checks


def _input_ranges(form: Form, lay: SheetLayout, exclude: frozenset[str] = frozenset()) -> list[InputRange]:
    """Input cells of a sheet grouped into rectangles of one type (row runs stacked vertically)."""
    by_row: dict[tuple[int, str, bool], list[tuple[int, str]]] = {}
    for key, pos in lay.cells.items():
        c = form.cells[key]
        if c.is_total or key in exclude:
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


@cache
def this_year_inputs(form: Form) -> tuple[str, ...]:
    """Sheet-qualified ranges of the inputs a department types this year (all but the pre-fillable ones)."""
    carried = frozenset(dst for _, dst, _ in carry_pairs(form))
    out = []
    for lay in sheet_layouts(form).values():
        cells = {(p.row, p.col) for k, p in lay.cells.items() if not form.cells[k].is_total and k not in carried}
        if cells:
            out += [quote_sheet(lay.sheet) + r for r in _rects(cells)]
    return tuple(out)


def begun_formula(form: Form) -> str:
    """True once any input of this year holds something (a number, text, anything)."""
    refs = this_year_inputs(form)
    return f"COUNTA({','.join(refs)})>0" if refs else "TRUE"


def _inputs_behind(form: Form, keys: list[str]) -> set[str]:
    """The keys, and for totals the inputs they add up (recursively)."""
    out: set[str] = set()
    todo = list(keys)
    while todo:
        k = todo.pop()
        if k in out:
            continue
        out.add(k)
        if form.cells[k].is_total:
            todo.extend(form.cells[k].totals[0])
    return out


def _check_formula(left: str, right: str, unit: str, guard: list[str], begun: str | None, t: dict) -> str:
    diff = f"ROUND({left}-({right}),6)"
    fail = f'"{DIFF_MARK}"&ABS({diff})&"{unit}"'
    if begun is not None:
        fail = f'IF({begun},{fail},"{t["to_fill"]}")'
    core = f'IF({diff}=0,"{OK_MARK}",{fail})'
    g = ",".join(guard)
    return f'=IF(COUNTA({g})>COUNT({g}),"{t["text_in_check"]}",{core})'


def _make(
    form: Form, lay: SheetLayout, carried: frozenset[str], begun: str, t: dict,
    rule: Rule, item: str, left: list[tuple[int, str]], right: list[tuple[int, str]], ps: list[Position],
    row: int, col: int, span: int,
) -> Check:  # fmt: skip
    """One check cell: its formula, the cells it colours, the inputs that guard it, whether it waits for filling."""
    keys = [k for _, k in left + right]
    behind = _inputs_behind(form, keys)
    guard = compress_refs([lay.cells[k] for k in behind if k in lay.cells])
    gated = bool(behind & carried)
    unit = form.cells[left[0][1]].unit
    f = _check_formula(_side(_with(lay, left)), _side(_with(lay, right)), unit, guard, begun if gated else None, t)
    refs = tuple(dict.fromkeys(p.ref for p in ps))
    return Check(rule.id, item, lay.sheet, row, col, span, f, refs, tuple(dict.fromkeys(keys)), tuple(guard), gated)


@cache
def sheet_checks(form: Form, lang: str = "zh") -> dict[str, SheetChecks]:
    """Table id -> the checks, extra labels, input ranges, helper cells and status line of its sheet."""
    lays = sheet_layouts(form)
    rules = in_year_error_equations(form)
    t_ = texts(lang)
    carried = frozenset(dst for _, dst, _ in carry_pairs(form))
    begun = begun_formula(form)
    out: dict[str, SheetChecks] = {}
    for tid, lay in lays.items():
        t = form.table(tid)
        lc = t.label_columns
        next_row = lay.last_row + 1
        next_col = lay.width + 1
        checks: list[Check] = []
        labels: list[ExtraLabel] = []
        check_cols: list[int] = []

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
            if horizontal and not vertical:
                col = next_col
                next_col += 1
                check_cols.append(col)
                labels.append(ExtraLabel(TOP, col, label, lay.first_data_row - TOP, 1))
                for item, left, right, ps in placed:
                    checks.append(_make(form, lay, carried, begun, t_, rule, item, left, right, ps, ps[0].row, col, 1))
                continue
            # one row below the table: each check under its column, or merged over its item's columns
            # (表四's groups). Without label columns, the rule's name goes on a row of its own above the checks,
            # inside the printed table like 表三's check rows, not beside it.
            if not lc:
                labels.append(ExtraLabel(next_row, 1, label, 1, lay.width))
                next_row += 1
            row = next_row
            next_row += 1
            for item, left, right, ps in placed:
                c0 = min(p.col for p in ps)
                c1 = max(p.col + p.colspan - 1 for p in ps)
                if vertical:
                    c1 = c0 + max(p.colspan for p in ps) - 1
                checks.append(_make(form, lay, carried, begun, t_, rule, item, left, right, ps, row, c0, c1 - c0 + 1))
            if lc:
                labels.append(ExtraLabel(row, 1, label, 1, lc))
        last_col = max(next_col - 1, lay.width)
        inputs = _input_ranges(form, lay)
        status_row = next_row + 1
        label_span = lc if lc else min(2, lay.width)
        status_label = ExtraLabel(
            status_row, 1, STATUS_LABEL if lang != "en" else "Checks of this sheet", 1, label_span
        )
        # helper cells: per input range its hint count and first hint; then the sheet's totals
        hcol = last_col + 1
        helpers: list[Helper] = []
        hint_refs, first_refs, fails = [], [], []
        for rng in inputs:
            h = Helper(TOP + len(helpers), hcol, _hints_formula(rng), f"hints:{rng.ref}")
            f1 = Helper(TOP + len(helpers) + 1, hcol, _first_hint_formula(rng), f"first:{rng.ref}")
            helpers += [h, f1]
            hint_refs.append(h.ref)
            first_refs.append(f1.ref)
            fails.append(invalid_count_formula(rng, h.ref))
        fails += [f'(LEFT({c.ref},1)="{DIFF_MARK}")' for c in checks]
        row = TOP + len(helpers)
        hints = Helper(row, hcol, f"=SUM({','.join(hint_refs)})" if hint_refs else "=0", "hints")
        first = Helper(row + 1, hcol, f"=MIN({','.join(first_refs)})" if first_refs else "=1E9", "first")
        f_ref = first.ref
        where = Helper(row + 2, hcol, f'=IF({f_ref}<1E9,ADDRESS(INT({f_ref}/1000),MOD({f_ref},1000),4),"")', "where")
        failures = Helper(row + 3, hcol, "=IFERROR(" + ("+".join(fails) if fails else "0") + ",1)", "failures")
        helpers += [hints, first, where, failures]
        hint_text = _hint_text(f"{where.ref}", hints.ref, t_)
        n = failures.ref
        status_formula = (
            f'=IFERROR(IF({n}>0,{n}&"{t_["sheet_fail"]}"&IF({hints.ref}>0,"{t_["sep"]}"&{hint_text},""),'
            f'IF({hints.ref}>0,{hint_text},IF({begun},"{t_["sheet_ok"]}","{t_["not_started"]}"))),'
            f'"{t_["broken"]}")'
        )
        out[tid] = SheetChecks(
            table=tid,
            sheet=lay.sheet,
            checks=tuple(checks),
            labels=tuple(labels),
            inputs=tuple(inputs),
            status_row=status_row,
            status_label=status_label,
            status_col=label_span + 1,
            status_colspan=last_col - label_span,
            status_formula=status_formula,
            last_row=status_row,
            last_col=last_col,
            check_columns=tuple(check_cols),
            helpers=tuple(helpers),
            helper_col=hcol,
            failures_ref=failures.ref,
            hints_ref=hints.ref,
            where_ref=where.ref,
        )
    return out


def _hint_text(where: str, count: str, t: dict) -> str:
    """ "D7 为文字，请改为数字" / "D7 等 3 处为文字，请改为数字" as a formula; `where` and `count` are expressions."""
    prefix, a, b, one, suffix = t["hint"]
    head = f'"{prefix}"&' if prefix else ""
    return f'{head}{where}&IF({count}>1,"{a}"&{count}&"{b}","{one}")&"{suffix}"'


def _with(lay: SheetLayout, terms: list[tuple[int, str]]) -> list[tuple[int, Position]]:
    return [(s, lay.cells[k]) for s, k in terms]


def status_total_formula(form: Form, lang: str = "zh") -> str:
    """The cover's status line: 尚未填写, 校验通过, how many checks and inputs fail, and the first text cell."""
    t_ = texts(lang)
    scs = list(sheet_checks(form, lang).values())
    if not scs:
        return f'="{t_["cover_ok"]}"'
    n = "SUM(" + ",".join(quote_sheet(sc.sheet) + sc.failures_ref for sc in scs) + ")"
    h = "SUM(" + ",".join(quote_sheet(sc.sheet) + sc.hints_ref for sc in scs) + ")"
    first = '""'
    for sc in reversed(scs):
        q = quote_sheet(sc.sheet)
        first = f'IF({q}{sc.hints_ref}>0,"{sc.sheet} "&{q}{sc.where_ref},{first})'
    hint = _hint_text(first, h, t_)
    fail_a, fail_b = t_["cover_fail"]
    return (
        f'=IFERROR(IF({n}>0,"{fail_a}"&{n}&"{fail_b}"&IF({h}>0,"{t_["sep"]}"&{hint},""),'
        f'IF({h}>0,{hint},IF({begun_formula(form)},"{t_["cover_ok"]}","{t_["not_started"]}"))),'
        f'"{t_["broken"]}")'
    )
