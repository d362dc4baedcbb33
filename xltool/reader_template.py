"""Read a returned template: who it claims to be, whether its structure is still ours, and its values.

Nothing in the file is believed unchecked: the metadata sheet and the document properties must agree;
every label the values depend on is compared with `xltool.layout` at its position (LibreOffice drops
workbook protection, so a clerk can insert rows); a table whose labels moved is searched for by its
labels instead, and the change is reported with sheet, cell, expected and found text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from xltool.findings import Finding, tool_finding
from xltool.layout import col_letter, fingerprint, sheet_cells, sheet_layouts
from xltool.metadata import META_KEYS, META_SHEET, parse_metadata
from xltool.reader_book import Book, BookError, Located, Sheet
from xltool.rules import plural
from xltool.schema.model import Form

PROP_PREFIX = "xltool."
_IDENTITY = ("form", "year", "unit_code", "unit_name", "template_id", "fingerprint")
_FIELD_ZH = {
    "form": "报表格式",
    "year": "报告年度",
    "unit_code": "单位代码",
    "unit_name": "单位名称",
    "template_id": "模板编号",
    "fingerprint": "结构标识",
}


@dataclass
class TemplateMeta:
    meta: dict[str, str]
    """Merged metadata (sheet first, then document properties)."""
    findings: list[Finding] = field(default_factory=list)
    sheet_state: str | None = None
    """State of the metadata sheet (None: it was deleted)."""


def template_meta(book: Book) -> TemplateMeta | None:
    """The template's identity card, or None when the workbook is not one of ours."""
    sh = book.sheet(META_SHEET)
    from_sheet = None
    if sh is not None:
        pairs = [(row[0] if row else None, row[1] if len(row) > 1 else None) for row in sh.rows]
        from_sheet = parse_metadata(pairs)
    props = {k[len(PROP_PREFIX) :]: v for k, v in book.props.items() if k.startswith(PROP_PREFIX)}
    props = {k: v for k, v in props.items() if k in META_KEYS}
    if from_sheet is None and not props.get("form"):
        return None
    out = TemplateMeta(dict(props), sheet_state=sh.state if sh is not None and from_sheet else None)
    if from_sheet is None:
        out.findings.append(tool_finding("TEMPLATE-META-MISSING"))
        return out
    conflicts = [
        k
        for k in _IDENTITY
        if k in props and props[k] != "" and from_sheet.get(k, "") != "" and props[k] != from_sheet[k]
    ]
    out.meta.update({k: v for k, v in from_sheet.items() if v != ""})
    if conflicts:
        zh = "；".join(
            f"{_FIELD_ZH[k]}在隐藏工作表中为“{from_sheet[k]}”，在文件属性中为“{props[k]}”" for k in conflicts
        )
        en = "; ".join(
            f"{k} is “{from_sheet[k]}” in the hidden sheet, “{props[k]}” in the properties" for k in conflicts
        )
        out.findings.append(tool_finding("TEMPLATE-META-CONFLICT", fields={"zh": zh, "en": en}))
    return out


def _label_ok(found: Any, expected: str) -> bool:
    if not isinstance(found, str):
        return False
    if found.strip() == expected:
        return True
    from xltool.labels import normalize  # only for a label that is not exactly the official one

    return normalize(found) == normalize(expected)


@dataclass
class TemplateRead:
    located: dict[str, Located]
    """Table id -> what was read (by position, or by label search where the layout changed)."""
    findings: list[Finding]
    formulas_known: bool
    by_position: set[str]
    """Tables read at their template positions (formula checks apply)."""
    shifts: dict[str, Shift] = field(default_factory=dict)
    """Table id -> the rows or columns inserted or deleted in its sheet (said by one TEMPLATE-SHIFTED)."""
    merged: dict[str, str] = field(default_factory=dict)
    """Cell key -> the merged range that hides it (TEMPLATE-MERGED): read as what the file keeps there, else as
    blank, and said so."""
    explanation: str = ""
    """What the unit wrote in the cover's 情况说明 (UNIT-EXPLANATION)."""


def read_tables(book: Book, form: Form) -> TemplateRead:
    """Values of every table: at the template's positions when its labels are intact, else by label search."""
    findings: list[Finding] = []
    located: dict[str, Located] = {}
    by_position: set[str] = set()
    shifts: dict[str, Shift] = {}
    texts = None
    formulas_known = book.kind == "xlsx"
    for tid, lay in sheet_layouts(form).items():
        sh = book.sheet(lay.sheet)
        bad: list[tuple[str, str, Any]] = []
        if sh is None:
            f = tool_finding("TEMPLATE-SHEET-MISSING", sheet=lay.sheet)
            f.table = tid
            findings.append(f)
        else:
            rows = sh.rows
            for lb in lay.labels:
                row = rows[lb.row - 1] if lb.row <= len(rows) else ()
                v = row[lb.col - 1] if lb.col <= len(row) else None
                if v != lb.text and not _label_ok(v, lb.text):
                    bad.append((f"{col_letter(lb.col)}{lb.row}", lb.text, v))
            anchor = _row_anchor(form, tid)
            if not bad and anchor is not None:  # 表四: rows inserted between its headers and its figures
                r, c, own_texts, text = anchor
                v = sh.value(r, c)
                if not (isinstance(v, str) and v.strip() in own_texts):
                    bad.append((f"{col_letter(c)}{r}", text, v))
            if bad:
                shift = detect_shift(lay, sh)
                if shift is not None:
                    shift.finding = _shift_finding(form, tid, lay, sh, shift, bad)
                    shifts[tid] = shift
                    findings.append(shift.finding)
                else:
                    findings.append(_label_finding(tid, lay.sheet, bad))
        if sh is not None and not bad:
            loc = Located(tid, lay.sheet)
            refs = sheet_cells(form)
            rows = sh.rows
            for key, pos in lay.cells.items():
                row = rows[pos.row - 1] if pos.row <= len(rows) else ()
                loc.values[key] = row[pos.col - 1] if pos.col <= len(row) else None
                loc.cells[key] = refs[key]
                loc.positions[key] = (pos.row, pos.col)
            located[tid] = loc
            by_position.add(tid)
            continue
        # the layout changed: find the table by its labels (in its own sheet first)
        from xltool.reader_loose import locate_table, located_findings, missing_table_finding, sheet_texts

        if texts is None:
            texts = sheet_texts(book)
        loc = None
        if sh is not None and sh.rows:
            own = Book(book.path, book.kind, {sh.name: sh}, book.props)
            loc = locate_table(form, tid, own, {sh.name: texts.get(sh.name, [])})
        if loc is None:
            loc = locate_table(form, tid, book, texts)
        if loc is None:
            findings.append(missing_table_finding(form, tid))
            continue
        located[tid] = loc
        reported = {f"{lay.sheet}!{ref}" for ref, _, _ in bad}
        found = [
            f for f in located_findings(form, loc, book) if not (f.rule == "LABEL-SIMILAR" and set(f.cells) <= reported)
        ]
        if tid in shifts and loc.sheet == lay.sheet:
            found = _fold_into_shift(form, tid, lay, shifts[tid], loc, found)
        findings += found
    merged_findings, merged = _merged_findings(book, form, located)
    findings += merged_findings
    return TemplateRead(located, findings, formulas_known, by_position, shifts, merged)


@cache
def _row_anchor(form: Form, tid: str) -> tuple[int, int, frozenset[str], str] | None:
    """For a table whose figures sit on rows without a label of their own (表四: headers above one row of
    figures), the template's first own text below it (the 总计校验 check label): where it is not, rows were
    inserted or deleted between the headers and the figures, which no header shows — the figures would be read
    from the wrong row as blanks. None for a table whose every row of figures carries its label."""
    lay = sheet_layouts(form)[tid]
    value_rows = {p.row for p in lay.cells.values()}
    if value_rows & {lb.row for lb in lay.labels}:
        return None
    below = sorted((rc, t) for rc, t in template_cells(form).get(lay.sheet, {}).items() if rc[0] > lay.last_row and t)
    if not below:
        return None
    (r, c), texts = below[0]
    text = next((t for t in sorted(texts) if not any(ch.isascii() and ch.isalpha() for ch in t)), sorted(texts)[0])
    return r, c, texts, text


def _label_finding(tid: str, sheet: str, bad: list[tuple[str, str, Any]]) -> Finding:
    f = tool_finding("TEMPLATE-LABEL", sheet=sheet, count={"zh": len(bad), "en": plural(len(bad), "place", "places")})
    f.table = tid
    f.cells = [f"{sheet}!{ref}" for ref, _, _ in bad]
    shown = bad[:12]

    def found(v: Any) -> str:
        return "空白" if v is None else str(v)

    f.details = {
        "zh": [f"{sheet}!{ref}：应为“{exp}”，实为“{found(v)}”" for ref, exp, v in shown]
        + ([f"……共 {len(bad)} 处"] if len(bad) > len(shown) else []),
        "en": [f"{sheet}!{ref}: expected “{exp}”, found “{'blank' if v is None else v}”" for ref, exp, v in shown]
        + ([f"… {len(bad)} in all"] if len(bad) > len(shown) else []),
    }
    f.values = {f"{sheet}!{ref}": v for ref, _, v in shown}
    return f


def fingerprint_finding(form: Form, meta: dict[str, str]) -> Finding | None:
    fp = meta.get("fingerprint")
    if fp and fp != fingerprint(form):
        f = tool_finding("TEMPLATE-FINGERPRINT")
        f.details = {
            "zh": [f"模板中：{fp}；当前：{fingerprint(form)}"],
            "en": [f"In the template: {fp}; current: {fingerprint(form)}"],
        }
        return f
    return None


def finish(book: Book, form: Form, report: Any, tr: TemplateRead, findings: list[Finding]) -> list[Finding]:
    """What the reader says about a template once its values and totals were assembled (`reader._from_template`).

    The cells hidden under a merge go into `report.meta["merged_cells"]` (key -> range: TEMPLATE-MERGED said how
    each was read, so a rule need not call one blank again); a total whose formula a spreadsheet widened over an
    inserted row is said once, in the row's TEMPLATE-SHIFTED, not again as an edited formula (TOTAL-FORMULA); text
    outside the form's cells is named (TEMPLATE-TEXT-OUTSIDE), except in a consolidated workbook, whose other
    sheets are the summary's own.
    """
    if tr.merged:
        report.meta["merged_cells"] = dict(tr.merged)
    findings = _fold_widened_totals(book, form, report, tr, findings)
    if not report.meta.get("consolidation"):
        f = outside_text_finding(book, form, tr)
        if f is not None:
            findings.append(f)
        if tr.explanation:
            report.meta["explanation"] = tr.explanation
            note = tool_finding("UNIT-EXPLANATION", note=_short(tr.explanation, 80))
            if _short(tr.explanation, 80) != " ".join(tr.explanation.split()):  # cut in the title: in full here
                note.details = {"zh": tr.explanation.splitlines(), "en": tr.explanation.splitlines()}
            findings.append(note)
    return findings


# --------------------------------------------------------------------------- rows or columns inserted or deleted

_MAX_MOVED = 10
"""At most this many rows (or columns) inserted and deleted are named as such; beyond, the labels are listed."""


@dataclass
class Shift:
    """Rows (or columns) inserted into or deleted from a table's sheet, every other label of the table where
    the template put it, moved along by them. Lines are rows (axis `row`) or columns (`col`), 1-based."""

    axis: str
    pairs: list[tuple[int, int]]
    """(template line, sheet line) of every line whose labels were all found, in order."""
    inserted: list[int]
    """Sheet lines that are not the template's."""
    deleted: list[int]
    """Template lines that are not in the sheet."""
    finding: Finding | None = None

    def to_sheet(self, line: int) -> int | None:
        """Where a template line is in the sheet (None: deleted)."""
        if line in self.deleted:
            return None
        prev = (0, 0)
        for t, s in self.pairs:
            if t == line:
                return s
            if t > line:
                break
            prev = (t, s)
        return prev[1] + line - prev[0]

    def position(self, row: int, col: int) -> tuple[int, int] | None:
        """Where a template cell is in the sheet (None: its row or column was deleted)."""
        if self.axis == "row":
            r = self.to_sheet(row)
            return None if r is None else (r, col)
        c = self.to_sheet(col)
        return None if c is None else (row, c)

    def line(self, row: int, col: int) -> int:
        return row if self.axis == "row" else col


def detect_shift(lay: Any, sh: Any) -> Shift | None:
    """The rows, else the columns, inserted or deleted that move the table's labels where they were found.

    The template's lines (rows or columns) carrying labels are aligned with the sheet's lines, order kept
    (a weighted longest common subsequence: a line matches when every label of it is found on that sheet line);
    between two aligned lines, more sheet lines than template lines were inserted, fewer were deleted, as many
    had their labels edited. None when that is not one clean explanation: lines inserted where labels were also
    edited, the last lines not found, nothing inserted or deleted, or more than `_MAX_MOVED` lines moved.
    """
    for axis in ("row", "col"):
        found = _align(lay, sh, axis)
        if found is not None:
            return found
    return None


def _align(lay: Any, sh: Any, axis: str) -> Shift | None:
    by_line: dict[int, list] = {}
    for lb in lay.labels:
        by_line.setdefault(lb.row if axis == "row" else lb.col, []).append(lb)
    lines = sorted(by_line)
    n = (lay.last_row if axis == "row" else lay.width) + _MAX_MOVED

    def value(lb: Any, s: int) -> Any:
        return sh.value(s, lb.col) if axis == "row" else sh.value(lb.row, s)

    ok = [[all(_label_ok(value(lb, s), lb.text) for lb in by_line[t]) for s in range(1, n + 1)] for t in lines]
    weight = [len(by_line[t]) for t in lines]
    best = [[0] * (n + 1) for _ in range(len(lines) + 1)]
    for i in range(1, len(lines) + 1):
        above, here, row_ok, w = best[i - 1], best[i], ok[i - 1], weight[i - 1]
        for j in range(1, n + 1):
            v = above[j] if above[j] >= here[j - 1] else here[j - 1]
            if row_ok[j - 1] and above[j - 1] + w > v:
                v = above[j - 1] + w
            here[j] = v
    pairs: list[tuple[int, int]] = []
    i, j = len(lines), n
    while i and j:
        if ok[i - 1][j - 1] and best[i][j] == best[i - 1][j - 1] + weight[i - 1]:
            pairs.append((lines[i - 1], j))
            i, j = i - 1, j - 1
        elif best[i - 1][j] >= best[i][j - 1]:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    if not pairs:
        return None
    inserted: list[int] = []
    deleted: list[int] = []
    prev = (0, 0)
    for t, s in pairs:
        dt, ds = t - prev[0] - 1, s - prev[1] - 1
        if ds > dt:
            if dt:
                return None  # lines inserted among template lines that were not found: no clean shift
            inserted += range(prev[1] + 1, s)
        elif dt > ds:
            if ds:
                # lines without labels (a title row) kept their place in the gap: the deleted ones are its
                # lines with labels, when exactly they are missing (row 3, the header of 表三, deleted)
                gap = [x for x in lines if prev[0] < x < t]
                if len(gap) != dt - ds:
                    return None
                deleted += gap
            else:
                deleted += range(prev[0] + 1, t)
        prev = (t, s)
    if lines[-1] > prev[0] or not (inserted or deleted) or len(inserted) + len(deleted) > _MAX_MOVED:
        return None
    return Shift(axis, pairs, inserted, deleted)


def _has_figures(sh: Any, line: int, axis: str) -> bool:
    """Whether an inserted row (or column) of the sheet holds a number."""
    if axis == "row":
        cells = sh.rows[line - 1] if line <= len(sh.rows) else ()
    else:
        cells = [row[line - 1] for row in sh.rows if line <= len(row)]
    return any(isinstance(v, int | float) and not isinstance(v, bool) and v != 0 for v in cells)


def _line_name(lay: Any, t: int, axis: str) -> str:
    """A deleted template line by its labels: the row's label (3.危及“三安全一稳定”), the column's header."""
    labels = [lb for lb in lay.labels if (lb.row if axis == "row" else lb.col) == t]
    main = [lb for lb in labels if lb.role == ("row" if axis == "row" else "header")] or labels
    return "、".join(f"“{lb.text}”" for lb in main)


def _line_text(sh: Any, lay: Any, s: int, axis: str) -> tuple[str | None, tuple[int, int]]:
    """What an inserted sheet line holds first (its label, as a clerk typed it; None when empty), and where."""
    if axis == "row":
        cells = [((s, c), sh.value(s, c)) for c in range(1, lay.width + 1)]
    else:
        cells = [((r, s), sh.value(r, s)) for r in range(1, lay.last_row + 1)]
    for pos, v in cells:
        if v is not None and str(v).strip():
            return str(v).strip(), pos
    return None, cells[0][0]


def _letter(axis: str, line: int) -> str:
    return str(line) if axis == "row" else col_letter(line)


def _shift_finding(form: Form, tid: str, lay: Any, sh: Any, shift: Shift, bad: list[tuple[str, str, Any]]) -> Finding:
    """One finding for the rows or columns inserted or deleted: which, what to do, and the labels they moved."""
    axis = shift.axis
    zh_unit, en_unit = ("行", "row") if axis == "row" else ("列", "column")
    what_zh: list[str] = []
    what_en: list[str] = []
    fix_zh: list[str] = []
    fix_en: list[str] = []
    lines_zh: list[str] = []
    lines_en: list[str] = []
    if shift.inserted:
        where = "、".join(_letter(axis, s) for s in shift.inserted)
        where_en = ", ".join(_letter(axis, s) for s in shift.inserted)
        plural = len(shift.inserted) > 1
        what_zh.append(f"第 {where} {zh_unit}是插入的{zh_unit}")
        what_en.append(f"{en_unit}{'s' if plural else ''} {where_en} {'were' if plural else 'was'} inserted")
        menu = ("右键单击行号→“删除行”", "right-click the row number → Delete Rows")
        if axis == "col":
            menu = ("右键单击列标→“删除列”", "right-click the column letter → Delete Columns")
        if any(_has_figures(sh, s, axis) for s in shift.inserted):  # deleting it alone would lose its cases
            fix_zh.append(
                f"第 {where} {zh_unit}中有数字：请先把它们加到对应的官方{zh_unit}（没有对应项的计入“其他”），"
                f"再删除第 {where} {zh_unit}（{menu[0]}）"
            )
            fix_en.append(
                f"{en_unit.capitalize()}{'s' if plural else ''} {where_en} hold figures: add them to the matching "
                f"official {en_unit} (or to 其他) first, then delete {en_unit}{'s' if plural else ''} {where_en} "
                f"({menu[1]})"
            )
        else:
            fix_zh.append(f"请删除第 {where} {zh_unit}（{menu[0]}）")
            fix_en.append(f"Delete {en_unit}{'s' if plural else ''} {where_en} ({menu[1]})")
        for s in shift.inserted:
            text, _ = _line_text(sh, lay, s, axis)
            ref = _letter(axis, s)
            lines_zh.append(f"第 {ref} {zh_unit}是插入的{zh_unit}：" + (f"“{_short(text)}”" if text else "空白"))
            lines_en.append(f"{en_unit} {ref} was inserted: " + (f"“{_short(text)}”" if text else "blank"))
    if shift.deleted:
        names = [_line_name(lay, t, axis) for t in shift.deleted]
        named = [n for n in names if n]
        unnamed = [_letter(axis, t) for t, n in zip(shift.deleted, names, strict=True) if not n]
        many = len(named) > 1
        if named:
            what_zh.append(f"{''.join(named)}所在{zh_unit}被删除")
            what_en.append(
                f"the {en_unit}{'s' if many else ''} of {', '.join(named)} {'were' if many else 'was'} deleted"
            )
        if unnamed:  # a line of the template without a label (表四's figures)
            what_zh.append(f"模板第 {'、'.join(unnamed)} {zh_unit}被删除")
            more = len(unnamed) > 1
            lines = ", ".join(unnamed)
            what_en.append(f"the template's {en_unit}{'s' if more else ''} {lines} {'were' if more else 'was'} deleted")
        fix_zh.append(
            f"请在原位置插入{zh_unit}，"
            + (f"填写{''.join(named)}及其数字" if named else "填写其数字")
            + "（或使用下发的模板重新填报）"
        )
        where = "where they were" if len(names) > 1 else "where it was"
        fix_en.append(
            f"Insert the {en_unit}{'s' if len(names) > 1 else ''} {where}, with the labels and figures "
            "(or fill in the issued template again)"
        )
        for t, name in zip(shift.deleted, names, strict=True):
            ref = _letter(axis, t)
            name_en = f" {name}" if name else ""
            lines_zh.append(f"模板第 {ref} {zh_unit}{name}被删除，该{zh_unit}的数字无从读取")
            lines_en.append(f"the template's {en_unit} {ref}{name_en} was deleted: its figures cannot be read")
    shown = bad[:12]

    def found(v: Any, blank: str) -> str:
        return blank if v is None else str(v)

    lines_zh += [f"{lay.sheet}!{ref}：应为“{exp}”，实为“{found(v, '空白')}”" for ref, exp, v in shown]
    lines_en += [f"{lay.sheet}!{ref}: expected “{exp}”, found “{found(v, 'blank')}”" for ref, exp, v in shown]
    if len(bad) > len(shown):
        lines_zh.append(f"……共 {len(bad)} 处")
        lines_en.append(f"… {len(bad)} in all")
    from xltool.rules import plural as count_en

    f = tool_finding(
        "TEMPLATE-SHIFTED",
        sheet=lay.sheet,
        what={"zh": "，".join(what_zh), "en": "; ".join(what_en)},
        count={"zh": len(bad), "en": count_en(len(bad), "label", "labels")},
        fix={
            "zh": "；".join(fix_zh) + "，然后重新报送。请勿在模板中插入或删除行列。",
            "en": "; ".join(fix_en) + ", then send it again. Do not insert or delete rows or columns in the template.",
        },
        details={"zh": lines_zh, "en": lines_en},
    )
    f.table = tid
    first = []
    for s in shift.inserted:
        r, c = _line_text(sh, lay, s, axis)[1]
        first.append(f"{lay.sheet}!{col_letter(c)}{r}")
    f.cells = first + [f"{lay.sheet}!{ref}" for ref, _, _ in bad]
    f.values = {f"{lay.sheet}!{ref}": v for ref, _, v in shown}
    return f


def _fold_into_shift(form: Form, tid: str, lay: Any, shift: Shift, loc: Located, found: list[Finding]) -> list[Finding]:
    """The label search's findings that only repeat the shift: an inserted row's figures (TABLE-EXTRA-ROW) go into
    the shift's line for that row; the deleted rows' labels (TABLE-LABELS-MISSING) are the rows it names."""
    f_shift = shift.finding
    assert f_shift is not None
    out = []
    deleted = {lb.text for lb in lay.labels if shift.line(lb.row, lb.col) in shift.deleted}
    for f in found:
        if f.rule == "TABLE-EXTRA-ROW" and shift.axis == "row":
            rows = {int("".join(ch for ch in ref.rsplit("!", 1)[-1] if ch.isdigit())) for ref in f.cells}
            if len(rows) == 1 and (r := rows.pop()) in shift.inserted:
                i = shift.inserted.index(r)
                for lang, said in (("zh", "；其数字未读取：{}"), ("en", "; its figures were not read: {}")):
                    f_shift.details[lang][i] += said.format(f.details[lang][0])
                at = len(shift.inserted)  # after the inserted rows' own cells, before the labels they moved
                f_shift.cells[at:at] = [c for c in f.cells if c not in f_shift.cells]
                continue
        if f.rule == "TABLE-LABELS-MISSING" and loc.missing and set(loc.missing) <= deleted:
            n = len(shift.inserted)
            name = form.table(tid).name
            for i in range(len(shift.deleted)):
                f_shift.details["zh"][n + i] += f"，{name}的合计和勾稽关系未校验"
                f_shift.details["en"][n + i] += f"; the totals and balances of {name} were not checked"
            continue
        out.append(f)
    return out


def _fold_widened_totals(
    book: Book, form: Form, report: Any, tr: TemplateRead, findings: list[Finding]
) -> list[Finding]:
    """Totals whose SUM a spreadsheet widened over an inserted row (LibreOffice, Excel and WPS all do): named in
    the row's TEMPLATE-SHIFTED (they count the inserted row's figures), and left out of TOTAL-FORMULA."""
    from xltool.reader import formula_refs

    for tid, shift in tr.shifts.items():
        loc = tr.located.get(tid)
        if loc is None or loc.sheet != sheet_layouts(form)[tid].sheet:
            continue  # found on another sheet: the shift seen on its own sheet says nothing of its formulas
        sh = book.sheet(loc.sheet)
        if not shift.inserted or shift.finding is None or sh is None or not sh.formulas:
            continue
        widened: list[str] = []
        for key, pos in loc.positions.items():
            cell = form.cells.get(key)
            text = sh.formulas.get(pos) if cell is not None and cell.is_total else None
            refs = formula_refs(text, loc.sheet) if text else None
            if not refs:
                continue
            for parts in cell.totals:
                if not all(p in loc.positions for p in parts):
                    continue
                alt = {loc.positions[p] for p in parts}
                extra = refs - alt
                if alt <= refs and extra and all(shift.line(r, c) in shift.inserted for r, c in extra):
                    widened.append(key)
                    break
        if not widened:
            continue
        refs_shown = _span([loc.cells[k].rsplit("!", 1)[-1] for k in widened])
        where = "、".join(_letter(shift.axis, s) for s in shift.inserted)
        unit_zh, unit_en = ("行", "row") if shift.axis == "row" else ("列", "column")
        at = len(shift.inserted) + len(shift.deleted)
        shift.finding.details["zh"].insert(
            at, f"合计 {refs_shown} 的公式随之扩大到了插入的第 {where} {unit_zh}，计入了该{unit_zh}的数字"
        )
        shift.finding.details["en"].insert(
            at, f"the formulas of the totals {refs_shown} now span the inserted {unit_en} {where} and count its figures"
        )
        out = []
        for f in findings:
            if f.rule != "TOTAL-FORMULA" or f.table != tid or not set(f.keys) & set(widened):
                out.append(f)
                continue
            keep = [i for i, k in enumerate(f.keys) if k not in widened]
            if not keep:
                continue
            from xltool.rules import plural

            n = len(keep)
            g = tool_finding(
                "TOTAL-FORMULA",
                table=form.table(tid).name,
                count={"zh": n, "en": plural(n, "total cell", "total cells")},
            )
            g.table = tid
            g.keys = [f.keys[i] for i in keep]
            g.cells = [report.cell_ref(k) for k in g.keys if report.cell_ref(k)]
            g.details = {lang: [lines[i] for i in keep] for lang, lines in f.details.items()}
            out.append(g)
        findings = out
    return findings


def _span(refs: list[str]) -> str:
    """Cells as ranges: side by side in a row (D30:I30), one above the other (K6:K30), else listed (D30、K6)."""
    import re

    from xltool.layout import col_index

    cells = []
    for ref in refs:
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if m is None:
            return "、".join(refs)
        cells.append((int(m.group(2)), col_index(m.group(1))))
    runs: list[list[int]] = []  # [top, left, bottom, right]
    for r, c in sorted(cells):
        last = runs[-1] if runs else None
        if last is not None and last[0] == last[2] == r and last[3] == c - 1:
            last[3] = c
        else:
            runs.append([r, c, r, c])
    merged: list[list[int]] = []
    for run in sorted(runs, key=lambda x: (x[1], x[3], x[0])):
        last = merged[-1] if merged else None
        if last is not None and (last[1], last[3]) == (run[1], run[3]) and last[2] == run[0] - 1:
            last[2] = run[2]
        else:
            merged.append(run)

    def a1(r: int, c: int) -> str:
        return f"{col_letter(c)}{r}"

    return "、".join(
        a1(t, lft) if (t, lft) == (b, rgt) else f"{a1(t, lft)}:{a1(b, rgt)}" for t, lft, b, rgt in sorted(merged)
    )


def _short(text: str, n: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n] + "…"


# --------------------------------------------------------------------------- merged cells over the figures


def _merged_findings(book: Book, form: Form, located: dict[str, Located]) -> tuple[list[Finding], dict[str, str]]:
    """One TEMPLATE-MERGED per table whose input or total cells lie under a merged range, other than its top-left
    cell: a spreadsheet shows only that cell, so what the others hold cannot be seen, whatever was typed.

    A covered cell is read as what the file keeps in it (LibreOffice keeps it when asked to, and every spreadsheet
    counts it in its sums: reading it keeps the file's own totals agreeing), else as blank; either is said, cell by
    cell. The template's own merges (labels, a value cell spanning the rest of its row) cover no second cell of
    the form, so they are never named. Returns the findings and the covered cells (key -> merged range).
    """
    from xltool.rules import plural

    out: list[Finding] = []
    covered_keys: dict[str, str] = {}
    for tid, loc in located.items():
        sh = book.sheet(loc.sheet)
        if sh is None or not sh.merged:
            continue
        at = {pos: key for key, pos in loc.positions.items()}
        in_order: list[tuple[tuple[int, int], str]] | None = None
        ranges: list[tuple[str, tuple[int, int], list[str]]] = []
        for r0, c0, r1, c1 in sh.merged:
            if (r1 - r0 + 1) * (c1 - c0 + 1) <= len(at):  # the usual small range: look its cells up
                covered = [
                    at[(r, c)]
                    for r in range(r0, r1 + 1)
                    for c in range(c0, c1 + 1)
                    if (r, c) in at and (r, c) != (r0, c0)
                ]
            else:  # a range larger than the table: walk the table's cells (once sorted) instead
                if in_order is None:
                    in_order = sorted(at.items())
                covered = [k for (r, c), k in in_order if r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0)]
            if covered:
                ranges.append((f"{col_letter(c0)}{r0}:{col_letter(c1)}{r1}", (r0, c0), covered))
        if not ranges:
            continue
        lines_zh: list[str] = []
        lines_en: list[str] = []
        cells: list[str] = []
        keys: list[str] = []
        values: dict[str, Any] = {}
        for ref, corner, covered in ranges:
            first = f"{col_letter(corner[1])}{corner[0]}"
            cells.append(f"{loc.sheet}!{first}")  # the cell a spreadsheet shows (the annotated copy marks it)
            top = at.get(corner)
            shown = sh.value(*corner)
            if top is not None:
                keys.append(top)
                values[top] = shown
                seen = "空白" if shown is None else str(shown)
                lines_zh.append(f"{first} {form.label(top)}：合并单元格 {ref} 显示的“{_short(seen, 20)}”按此格读取")
                lines_en.append(
                    f"{first} {form.label(top)}: “{_short(seen, 20)}” shown by the merged {ref} was read as this cell"
                )
            elif shown is not None:
                lines_zh.append(f"{ref} 合并后只显示 {first} 的“{_short(str(shown), 20)}”")
                lines_en.append(f"{ref} shows only {first}: “{_short(str(shown), 20)}”")
            for key in covered:
                where = loc.cells[key].rsplit("!", 1)[-1]
                cells.append(loc.cells[key])
                keys.append(key)
                covered_keys[key] = ref
                kept = sh.hidden.get(loc.positions[key])
                values[key] = kept
                if kept is None:
                    lines_zh.append(f"{where} {form.label(key)}：被 {ref} 遮住，空白，按 0 计")
                    lines_en.append(f"{where} {form.label(key)}: hidden under {ref}, blank, counted as 0")
                    continue
                loc.values[key] = kept
                kept_text = _short(str(kept), 20)
                lines_zh.append(
                    f"{where} {form.label(key)}：被 {ref} 遮住；文件中该格保存着“{kept_text}”"
                    f"（不显示，但计入表格的合计），按此读取"
                )
                lines_en.append(
                    f"{where} {form.label(key)}: hidden under {ref}; the file keeps “{kept_text}” there "
                    "(not shown, but counted in the sheet's totals), read as such"
                )
        n = sum(len(c) for _, _, c in ranges)
        f = tool_finding(
            "TEMPLATE-MERGED",
            table=form.table(tid).name,
            ranges={"zh": "、".join(r for r, _, _ in ranges), "en": ", ".join(r for r, _, _ in ranges)},
            count={"zh": n, "en": plural(n, "cell", "cells")},
            details={"zh": lines_zh, "en": lines_en},
        )
        f.table, f.keys, f.cells, f.values = tid, keys, cells, values
        out.append(f)
    return out, covered_keys


# --------------------------------------------------------------------------- text outside the form's cells

_TEXT_SHOWN = 20
"""Cells of TEMPLATE-TEXT-OUTSIDE listed one per line; the others are in its cells."""


@cache
def _own_words(form: Form, sheet: str) -> frozenset[str]:
    """The template's own words on a sheet (remembered: the same in every returned template)."""
    lays = sheet_layouts(form)
    tid = next((t for t, lay in lays.items() if lay.sheet == sheet), None)
    return _words(template_cells(form).get(sheet, {}), lays[tid] if tid is not None else None)


def _words(cells: dict, lay: Any) -> frozenset[str]:
    own = {t for texts in cells.values() if texts for t in texts}
    if lay is not None:
        own |= {lb.text for lb in lay.labels}
    return frozenset(own)


def outside_text_finding(book: Book, form: Form, tr: TemplateRead) -> Finding | None:
    """Text a department wrote where the template has nothing of its own (a 备注 column, notes under a table,
    a sheet of its own, the cover's 情况说明): not read as data, so named, with its first characters.

    The template's own cells — labels, value cells, the info line, the live checks, the status line, the hidden
    helper column, the cover — are known from the template writer (`template_cells`); a check's label is compared
    with what the template wrote there. A table whose labels moved is compared after the rows or columns that
    moved it (TEMPLATE-SHIFTED); one changed beyond that is left out (TEMPLATE-LABEL says so already). The result
    sheet of an annotated copy sent back (`annotate.RESULT_SHEETS`) is xltool's own, not a note.
    """
    from xltool.metadata import META_SHEET

    owned = template_cells(form)
    lays = sheet_layouts(form)
    tables = {lay.sheet: tid for tid, lay in lays.items()}
    found: list[tuple[str, str]] = []
    for name, sh in book.sheets.items():
        if name == META_SHEET or not sh.rows:
            continue
        if name not in owned:
            from xltool.annotate import RESULT_SHEETS  # an annotated copy sent back: its first sheet is xltool's

            if name in RESULT_SHEETS.values():
                continue
        mine = owned.get(name, {})
        shift = None
        tid = tables.get(name)
        if tid is not None and tid not in tr.by_position:
            shift = tr.shifts.get(tid)
            if shift is None:
                continue
            moved: dict[tuple[int, int], frozenset[str] | None] = {}
            for (r, c), texts in mine.items():
                pos = shift.position(r, c)
                if pos is not None:
                    moved[pos] = texts
            mine = moved
        # the template's own words on this sheet, wherever they are now (a check row moved down with the rows
        # a clerk inserted above it is no note)
        own = _own_words(form, name) if shift is None else _words(mine, lays[tid] if tid is not None else None)
        here: list[tuple[tuple[int, int], str]] = []
        for r, row in enumerate(sh.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v.__class__ is not str:
                    if v is None or v.__class__ is bool or (r, c) in mine:
                        continue
                    v = str(v)  # a figure typed beside the form (Z500): perhaps one meant for it
                t = v.strip()
                if not t or t in own:
                    continue
                if shift is not None and shift.line(r, c) in shift.inserted:
                    continue  # the inserted row's own label: TEMPLATE-SHIFTED names it
                if (r, c) in mine:
                    texts = mine[(r, c)]
                    if texts is None or v.strip() in texts:
                        continue
                here.append(((r, c), v))
        if here:
            computed = _formula_cells(book, name, {pos for pos, _ in here})  # a formula's result is no note
            found += [(f"{name}!{col_letter(c)}{r}", v) for (r, c), v in here if (r, c) not in computed]
    notes = [(ref, text) for ref, text in found if _is_explanation(book, ref)]
    found = [x for x in found if x not in notes]
    if notes:  # the cover's 情况说明: where the template asks the unit to explain, read as its explanation
        tr.explanation = "\n".join(text for _, text in notes)
    if not found:
        return None
    from xltool.rules import plural

    first_ref, first_text = found[0]
    more = len(found) > 1
    f = tool_finding(
        "TEMPLATE-TEXT-OUTSIDE",
        count={"zh": len(found), "en": plural(len(found), "cell", "cells")},
        first={
            "zh": f"{first_ref}“{_short(first_text, 20)}”" + ("等" if more else ""),
            "en": f"{first_ref} “{_short(first_text, 20)}”" + (" …" if more else ""),
        },
    )
    shown = found[:_TEXT_SHOWN]
    f.details = {
        "zh": [f"{ref}：“{_short(text, 60)}”" for ref, text in shown]
        + ([f"……共 {len(found)} 处"] if len(found) > len(shown) else []),
        "en": [f"{ref}: “{_short(text, 60)}”" for ref, text in shown]
        + ([f"… {len(found)} in all"] if len(found) > len(shown) else []),
    }
    f.cells = [ref for ref, _ in found]
    f.values = {ref: text for ref, text in shown}
    return f


def _is_explanation(book: Book, ref: str) -> bool:
    """Whether `ref` (sheet!A1) is the value cell beside the cover's 情况说明 label."""
    import re

    from xltool.layout import col_index

    sheet, _, a1 = ref.rpartition("!")
    sh = book.sheet(sheet)
    m = re.match(r"([A-Z]+)([0-9]+)$", a1)
    if sh is None or m is None:
        return False
    c, r = col_index(m.group(1)), int(m.group(2))
    left = sh.value(r, c - 1) if c > 1 else None
    if not isinstance(left, str):
        return False
    from xltool.template import explanation_labels  # only for text found outside the form: not on the fast path

    return left.strip() in explanation_labels()


def _formula_cells(book: Book, name: str, cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these cells of a sheet hold a formula (a template's check moved elsewhere, or a clerk's own
    formula): looked up in a probe of the sheet, as the reader does for the value cells, so the sheet's own
    `formulas` (loaded for the value cells only) stay as they are. Unknown formulas (.xls, .ods): none."""
    sh = book.sheet(name)
    if book.kind != "xlsx" or sh is None:
        return set()
    if not book.parts:  # openpyxl read every formula
        return cells & set(sh.formulas or {})
    probe = Book(book.path, book.kind, {name: Sheet(name)}, parts=book.parts, raw=book.raw, plain=book.plain)
    probe.formula_elements = book.formula_elements
    try:
        probe.load_formulas([name], {name: cells})
    except BookError:
        return set()
    return cells & set(probe.sheets[name].formulas or {})


@cache
def template_cells(form: Form) -> dict[str, dict[tuple[int, int], frozenset[str] | None]]:
    """Sheet -> the cells the template writer fills: position -> the texts it writes there (a check's label, in
    either language), or None where it writes something else (a label the reader checks itself, a value cell,
    a formula, the unit's identity). The cover's 情况说明 is the department's: not among them.

    Built from the template writer's own layout (`template_checks`, the cover's rows) and kept in the user's
    cache beside the form's, keyed by the sources it comes from: validating imports no part of the writer.
    """
    from xltool.schema.cache import cached

    here = Path(__file__).resolve().parent
    try:
        sources = [(name, (here / name).read_bytes()) for name in ("template.py", "template_checks.py", "layout.py")]
        sources.append(("form", Path(form.source).read_bytes() if form.source else repr(form).encode()))
    except OSError:
        return _cells_use(_cells_build(form))
    return cached(f"template-cells-{form.id}.marshal", sources, lambda: _cells_build(form), _cells_use)


def _cells_build(form: Form) -> dict[str, list[list[Any]]]:
    from xltool.template import _INSTRUCTIONS_ROW, COVER_SHEET, _instructions, cover_cells
    from xltool.template_checks import sheet_checks

    out: dict[str, dict[tuple[int, int], set[str] | None]] = {}

    def put(sheet: str, r: int, c: int, text: str | None) -> None:
        cells = out.setdefault(sheet, {})
        if text is None or (r, c) in cells and cells[(r, c)] is None:
            cells[(r, c)] = None
        else:
            cells.setdefault((r, c), set()).add(text)

    for tid, lay in sheet_layouts(form).items():
        for lb in lay.labels:
            put(lay.sheet, lb.row, lb.col, None)
        put(lay.sheet, 2, 1, None)  # the info line (unit, code, year)
        for pos in lay.cells.values():
            put(lay.sheet, pos.row, pos.col, None)
        for lang in ("zh", "en"):
            sc = sheet_checks(form, lang)[tid]
            for lb in (*sc.labels, sc.status_label):
                put(lay.sheet, lb.row, lb.col, lb.text)
            for chk in sc.checks:
                put(lay.sheet, chk.row, chk.col, None)
            put(lay.sheet, sc.status_row, sc.status_col, None)
            for h in sc.helpers:
                put(lay.sheet, h.row, h.col, None)
    refs = cover_cells()
    notes = refs.get("explanation")
    rows = {1, 2} | {int(ref[1:]) for ref in refs.values()}
    for lang in ("zh", "en"):
        rows |= set(range(_INSTRUCTIONS_ROW, _INSTRUCTIONS_ROW + len(_instructions(form, lang)) + 1))
    for r in rows:
        for c, letter in ((1, "A"), (2, "B")):
            if f"{letter}{r}" != notes:
                put(COVER_SHEET, r, c, None)
    return {
        sheet: [[r, c, sorted(texts) if texts is not None else None] for (r, c), texts in sorted(cells.items())]
        for sheet, cells in out.items()
    }


def _cells_use(data: dict[str, list[list[Any]]]) -> dict[str, dict[tuple[int, int], frozenset[str] | None]]:
    return {
        sheet: {(int(r), int(c)): (frozenset(texts) if texts is not None else None) for r, c, texts in cells}
        for sheet, cells in data.items()
    }
