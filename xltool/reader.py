"""Read a returned workbook into a UnitReport, trusting nothing in it.

`read_file` is what `xltool.sources.load_any` calls for every non-JSON input. It never raises for bad
input: a file that cannot be read gets exactly one finding that says why and what to do.

Order of work, per file:
1. `safezip.sniff` tells what the bytes are (never the file name); `safezip.check_xlsx` / `check_file`
   bound it (zip bombs, entity expansion, absurd dimensions, oversized strings) before any reader runs.
2. A `reader_book.Book` is read: python-calamine + a light pass over the XML (formulas, error cells,
   custom properties; no tree is built for a normal sheet) by default; openpyxl with
   `engine="openpyxl"`. .xls/.et/.ods are read by calamine in a forked child with a memory cap;
   .csv by the csv module.
3. A template (metadata sheet or `xltool.*` properties) is read at its layout positions after every
   label was checked (`reader_template`); anything else is searched for by labels (`reader_loose`).
4. Totals. Decision (shared/spec/form-2021.md: "a total typed over a formula is an error, not a fact"):
   `report.values` holds the input cells only, so the rules derive every total from the inputs; each
   total cell found in the file is compared here with its derived value, and a difference is ONE
   `TOTAL-STORED` error naming the cell, the stored and the computed value. The rules then see
   consistent totals, so a wrong stored total is not reported again by T3-TOTAL, T3-RESULTS or
   T3-BALANCE. The stored totals are kept in `report.meta["stored_totals"]`; every total's cell is in
   `source.sheet_cells`, so rule messages still point at it. In a template a total whose formula was
   replaced by a constant, deleted or edited while its value agrees is a `TOTAL-FORMULA` warning.

Formulas are never executed and macros never run: cached values are read, formulas only looked at.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from xltool.findings import Finding, tool_finding
from xltool.hashing import sha256_file
from xltool.interchange import UnitReport
from xltool.layout import col_index
from xltool.reader_book import (
    ENGINES,
    Book,
    BookError,
    BookPanic,
    BookResourceError,
    open_csv,
    open_fast,
    open_openpyxl,
    run_isolated,
)
from xltool.rules import evaluate, item_label
from xltool.safezip import UnsafeFile, check_file, check_xlsx, sniff
from xltool.schema import Form, load_form
from xltool.sources import Loaded
from xltool.values import format_number, parse_value

DEFAULT_FORM = "gov-disclosure-2021"
LOOSE_FORMS = ("gov-disclosure-2021", "gov-disclosure-2019")
"""Forms a non-template workbook may be in; the one whose labels match best wins."""

_KIND_NAMES = {
    "xls": ("旧版 Excel 工作簿（.xls）", "legacy Excel workbook (.xls)"),
    "et": ("WPS 表格文件（.et）", "WPS Spreadsheets file (.et)"),
    "ods": ("OpenDocument 表格（.ods）", "OpenDocument spreadsheet (.ods)"),
    "csv": ("CSV 文本文件", "CSV text file"),
}
_FORMAT_FIX = {
    "pdf": (
        "PDF 文件",
        "a PDF file",
        "请报送填好的 Excel 模板（.xlsx）；如这是已发布的年度报告，请用 xltool import 导入。",
        "Send the filled-in Excel template (.xlsx); a published report can be imported with xltool import.",
    ),
    "docx": (
        "Word 文档",
        "a Word document",
        "请报送填好的 Excel 模板（.xlsx），不要把表格粘贴到 Word 中。",
        "Send the filled-in Excel template (.xlsx), not the tables pasted into Word.",
    ),
    "html": (
        "网页文件（可能是系统导出的“假 xls”）",
        "a web page (often a fake .xls export)",
        "请在 Excel 或 WPS 中打开该文件，另存为 Excel 工作簿（*.xlsx）后报送。",
        "Open it in Excel or WPS and save it as an Excel Workbook (*.xlsx), then send it.",
    ),
    "text": (
        "纯文本文件",
        "a plain text file",
        "请报送填好的 Excel 模板（.xlsx）。",
        "Send the filled-in Excel template (.xlsx).",
    ),
    "zip-other": (
        "压缩包或其他 Office 文件",
        "a zip archive or another Office file",
        "如是压缩包，请解压后报送其中的 .xlsx 文件；否则请在 Excel 或 WPS 中另存为 .xlsx。",
        "If it is an archive, send the .xlsx inside it; otherwise save it as .xlsx in Excel or WPS.",
    ),
    "unknown": (
        "无法识别的文件",
        "an unrecognised file",
        "请报送用下发的模板填好的 Excel 工作簿（.xlsx）。",
        "Send the Excel workbook (.xlsx) filled in from the issued template.",
    ),
}
_UNSAFE_SHORT = {
    "too-large": ("文件过大", "file too large"),
    "too-many-members": ("文件内部组成部分过多", "too many internal parts"),
    "zip-bomb": ("压缩数据异常（解压后远大于正常报表）", "abnormal compressed data (would unpack far too large)"),
    "xml-entities": ("文件内部含有 DTD/实体声明", "DTD/entity declarations inside the file"),
    "absurd-dimension": ("工作表使用的范围远超本表", "a sheet uses a range far beyond this form"),
    "huge-shared-string": ("文件中有超长文字", "an oversized text in the file"),
    "huge-cell": ("单元格内容超长", "an oversized cell"),
}


def read_file(path: str | Path, *, engine: str = "auto", kind: str | None = None, **_options: Any) -> Loaded:
    """Read one returned file (any kind) into a report plus findings. Never raises for bad input.

    Args:
        path: the file as received.
        engine: `auto`/`fast` (one read of a plain .xlsx, else safezip + calamine), `calamine` (always the
            latter) or `openpyxl` (the full, slower reader; for .xlsx only — other spreadsheet kinds are
            read by calamine either way). All give the same result.
        kind: what `safezip.sniff` said of the file, when the caller sniffed it already.

    Returns:
        `Loaded(path, report, findings)`; `report` is None when nothing could be read (one finding says why).
    """
    p = Path(path)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    try:
        return _read(p, engine, kind)
    except Exception as e:  # a bug must cost one file, not the run
        return Loaded(p, None, [tool_finding("READER-INTERNAL", error=type(e).__name__)])


def _count(n: int, one: str, many: str) -> dict[str, Any]:
    """A count for a message: the number in Chinese, number and noun in English ("1 input cell")."""
    from xltool.rules import plural

    return {"zh": n, "en": plural(n, one, many)}


def read_plain_xlsx(path: Path) -> Loaded | None:
    """`read_file(path)` for a plain .xlsx workbook read in one pass (`reader_xlsx`), without sniffing it
    first: that pass finds the workbook part where only an .xlsx has it. None: anything else (then
    `read_file` after `safezip.sniff` decides). Never raises for bad input."""
    from xltool.reader_xlsx import read_xlsx

    try:
        book = read_xlsx(path)
        return interpret(book) if book is not None else None
    except Exception as e:  # a bug must cost one file, not the run
        return Loaded(path, None, [tool_finding("READER-INTERNAL", error=type(e).__name__)])


def _read(p: Path, engine: str, kind: str | None = None) -> Loaded:
    try:
        kind = kind or sniff(p)
    except OSError as e:
        from xltool.sources import unreadable_finding  # the system's reason in words a clerk understands

        return Loaded(p, None, [unreadable_finding(e)])
    if kind == "empty":
        return Loaded(p, None, [tool_finding("FILE-EMPTY")])
    if kind == "encrypted":
        return Loaded(p, None, [tool_finding("FILE-ENCRYPTED")])
    if kind in _FORMAT_FIX:
        zh, en, fzh, fen = _FORMAT_FIX[kind]
        return Loaded(p, None, [tool_finding("FILE-FORMAT", kind={"zh": zh, "en": en}, fix={"zh": fzh, "en": fen})])
    if kind == "xlsx" and engine in ("auto", "fast"):
        from xltool.reader_xlsx import read_xlsx

        book = read_xlsx(p)  # one pass for the plain shape; None: the full sequence below decides
        if book is not None:
            return interpret(book)
    try:
        if kind == "xlsx":
            check_xlsx(p)
        else:
            check_file(p)
    except UnsafeFile as e:
        return Loaded(p, None, [unsafe_finding(e)])
    except OSError as e:
        from xltool.sources import unreadable_finding  # the system's reason in words a clerk understands

        return Loaded(p, None, [unreadable_finding(e)])
    try:
        try:
            book = open_book(p, kind, engine)
        except BookPanic:
            if kind != "xlsx":
                raise
            book = open_book(p, kind, "openpyxl")  # not damaged: calamine could not convert one cell's date
        return interpret(book)
    except UnsafeFile as e:  # a legacy sheet far beyond the form, seen only once its reader ran
        return Loaded(p, None, [unsafe_finding(e)])
    except BookResourceError:
        return Loaded(p, None, [resource_finding()])
    except BookError:
        return Loaded(p, None, [damaged_finding()])


def open_book(p: Path, kind: str, engine: str = "auto") -> Book:
    """The workbook's cells by the chosen engine (after safezip accepted the file)."""
    if kind == "csv":
        return open_csv(p)
    if kind == "xlsx":
        if engine in ("auto", "fast"):
            from xltool.reader_xlsx import read_xlsx

            book = read_xlsx(p)
            if book is not None:
                return book
        return open_openpyxl(p, kind) if engine == "openpyxl" else open_fast(p, kind)
    # xls, et, ods: nothing bounds what a native reader allocates for them; cap it in a child process
    return run_isolated(open_fast, p, kind)


def unsafe_finding(e: UnsafeFile) -> Finding:
    """One finding for a file safezip refused (its own message goes into the details)."""
    reason = getattr(e, "reason", None) or getattr(e, "code", "")
    zh, en = e.message_zh, e.message_en
    if reason == "empty":
        return tool_finding("FILE-EMPTY")
    if reason == "encrypted":
        return tool_finding("FILE-ENCRYPTED")
    if reason == "corrupt-zip":
        return damaged_finding()
    if reason == "not-xlsx":
        kind = {"zh": str(e.details.get("kind_zh", "")), "en": str(e.details.get("kind_en", ""))}
        fix = {"zh": zh, "en": en}
        return tool_finding("FILE-FORMAT", kind=kind, fix=fix)
    short = _UNSAFE_SHORT.get(reason, (reason, reason))
    f = tool_finding("FILE-UNSAFE", reason={"zh": short[0], "en": short[1]})
    f.fix = {"zh": zh, "en": en}  # safezip's message says what was found and exactly what to do
    return f


def resource_finding() -> Finding:
    """A file whose reading ran out of its memory cap or time: a hostile or absurdly large sheet."""
    f = tool_finding(
        "FILE-UNSAFE",
        reason={"zh": "读取时超出资源上限（工作表范围异常大）", "en": "reading it exceeded the resource limits"},
    )
    f.fix = {
        "zh": "正常的报表只有几十行。请删除表格区域以外多余的行和列（右键“删除”，不是“清除内容”），"
        "另存为 .xlsx 后重新报送；或使用下发的模板重新填写。",
        "en": "A normal report has a few dozen rows. Delete the extra rows and columns outside the tables (Delete, "
        "not Clear Contents), save as .xlsx and send it again, or fill in the issued template again.",
    }
    return f


def damaged_finding(details: dict[str, list[str]] | None = None) -> Finding:
    reason = {"zh": "文件已损坏或不完整", "en": "the file is damaged or incomplete"}
    fix = {
        "zh": "如文件是通过邮件或网盘传来的，请重新下载；否则请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新报送。",
        "en": "If it came by e-mail or a file share, download it again; otherwise open it in Excel or WPS, "
        "save it as .xlsx and send it again.",
    }
    return tool_finding("FILE-UNREADABLE", reason=reason, fix=fix, details=details)


# --------------------------------------------------------------------------- interpretation


def interpret(book: Book) -> Loaded:
    """A Book -> report + findings (template or not)."""
    from xltool.reader_template import template_meta

    tm = template_meta(book)
    if tm is not None:
        loaded = _from_template(book, tm)
    else:
        loaded = _from_loose(book)
    if book.kind in _KIND_NAMES and loaded.report is not None:
        zh, en = _KIND_NAMES[book.kind]
        loaded.findings.append(tool_finding("FILE-CONVERTED", kind={"zh": zh, "en": en}))
    return loaded


def _from_template(book: Book, tm) -> Loaded:
    from xltool.reader_template import fingerprint_finding, read_tables
    from xltool.reader_template import finish as finish_template

    findings = list(tm.findings)
    meta = tm.meta
    form_id = meta.get("form") or DEFAULT_FORM
    try:
        form = load_form(form_id)
    except Exception:
        findings.append(tool_finding("TEMPLATE-FORM-UNKNOWN", form=form_id))
        loose = _from_loose(book)
        loose.findings[:0] = findings
        return loose
    fp = fingerprint_finding(form, meta)
    if fp is not None:
        findings.append(fp)
    tr = read_tables(book, form)
    findings += tr.findings
    claimed = _claimed_identity(book, form)
    cover = claimed.get("cover") or {}
    unit, code, year = meta.get("unit_name", ""), meta.get("unit_code") or None, _int(meta.get("year"))
    unit_from = "template"
    if not unit and cover.get("name"):  # the blank template: the department typed who it is on the cover
        unit, code, unit_from = cover["name"], cover.get("code") or code, "cover"
    if year is None and meta.get("year") in (None, ""):
        year = cover.get("year")
    if year is None:
        findings.append(tool_finding("YEAR-NOT-FOUND"))
    report = UnitReport(form.id, year, unit, code)
    report.meta = {k: meta[k] for k in ("template_id", "form_version", "generated_at", "tool_version") if meta.get(k)}
    report.meta["reader"] = "template"
    if meta.get("category"):
        report.meta["category"] = meta["category"]
    if meta.get("level") == "consolidation":
        report.meta["consolidation"] = {"members": meta.get("members", ""), "coverage": meta.get("coverage", "")}
    if tm.sheet_state:
        report.meta["metadata_sheet"] = tm.sheet_state
    if unit_from != "template":
        report.meta["unit_from"] = unit_from
    if claimed:
        report.meta["claimed"] = claimed
    findings += _assemble(book, form, report, tr.located, template=True, by_position=tr.by_position)
    findings = finish_template(book, form, report, tr, findings)  # merged cells, moved rows, notes (reader_template)
    return Loaded(book.path, report, findings)


def _from_loose(book: Book) -> Loaded:
    from xltool.reader_loose import (
        identify,
        locate_report,
        located_findings,
        missing_table_finding,
        sheet_texts,
        tables_read_details,
    )

    texts = sheet_texts(book)
    unit, code, year, unit_from = identify(book, book.path.stem)
    best = None
    for fid in LOOSE_FORMS:
        form = load_form(fid)
        place = locate_report(form, book, texts)
        locs = place.located
        prefer = 1 if (fid == "gov-disclosure-2019") == (year is not None and year <= 2020) else 0
        if best is None or (place.score, prefer) > (best[0], best[1]):
            best = (place.score, prefer, form, place)
        complete = all(loc is not None and not loc.missing and not loc.special_rows for loc in locs.values())
        if complete and prefer:
            break  # every label of this form found, and the year agrees: no other form can fit better
    assert best is not None
    _, _, form, place = best
    locs = place.located
    if not any(locs.values()):
        if book.kind == "csv":
            from xltool.sources import not_report_finding  # a stray export beside the returns, like a 说明.txt

            return Loaded(book.path, None, [not_report_finding("csv")])
        f = tool_finding("TABLES-NOT-FOUND")
        f.details = {
            "zh": ["没有找到这些表格的行标签（如“一、本年新收政府信息公开申请数量”“规章”“行政复议”）"],
            "en": ["None of their row labels was found (such as 一、本年新收政府信息公开申请数量, 规章, 行政复议)"],
        }
        return Loaded(book.path, None, [f])
    if place.ignored:  # the unit and year of the report read, not of another unit's sheet or last year's hidden one
        own = {n: sh for n, sh in book.sheets.items() if n not in place.ignored}
        unit, code, year, unit_from = identify(Book(book.path, book.kind, own, book.props), book.path.stem)
    findings: list[Finding] = [tool_finding("NOT-TEMPLATE", details=tables_read_details(form, locs))]
    findings += place.findings
    if unit_from == "file-name":
        findings.append(tool_finding("UNIT-NOT-FOUND", unit=unit))
    if year is None:
        findings.append(tool_finding("YEAR-NOT-FOUND"))
    located = {}
    for t in form.tables:
        loc = locs[t.id]
        if loc is None:
            findings.append(missing_table_finding(form, t.id))
            continue
        located[t.id] = loc
        findings += located_findings(form, loc, book)
    report = UnitReport(form.id, year, unit, code)
    report.meta = {"reader": "labels", "unit_from": unit_from}
    findings += _assemble(book, form, report, located, template=False, by_position=set())
    return Loaded(book.path, report, findings)


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- identity claims (cover, file name)

_FILE_RE = re.compile(r"^(?P<code>[^_]+)_(?P<name>.+)_(?P<year>\d{4})$")
_COVER_LABELS = {
    "unit_name": ("单位名称", "填报单位", "报送单位"),
    "unit_code": ("单位代码", "单位编码", "代码"),
    "year": ("报告年度", "统计年度", "年度", "填报年度"),
}


@lru_cache(maxsize=4096)
def _normalized(text: str) -> str:
    """labels.normalize, remembered: every returned template's cover holds the same texts."""
    from xltool.labels import normalize

    return normalize(text)


def _claimed_identity(book: Book, form: Form) -> dict[str, dict[str, Any]]:
    """What the file name (the template's `<code>_<name>_<year>` pattern) and the cover say the unit is."""
    from xltool.layout import sheet_layouts
    from xltool.metadata import META_SHEET

    out: dict[str, dict[str, Any]] = {}
    stem = book.path.stem
    if not stem.isascii():  # a garbled or undecoded Chinese name is matched as the name it stands for
        from xltool.filenames import display_name

        stem = Path(display_name(book.path.name)).stem
    m = _FILE_RE.match(stem)
    while m is not None and not m.group("code").isascii() and "_" in stem:
        # a clerk's prefix before the issued name (已修改_370602-D01_…_2021): the issued name is what follows
        rest = stem.split("_", 1)[1]
        again = _FILE_RE.match(rest)
        if again is None:
            break
        stem, m = rest, again
    if m:
        out["file_name"] = {"name": m.group("name"), "code": m.group("code"), "year": int(m.group("year"))}
    table_sheets = {lay.sheet for lay in sheet_layouts(form).values()}
    for sh in book.sheets.values():
        if sh.name in table_sheets or sh.name == META_SHEET:
            continue
        found: dict[str, Any] = {}
        for row in sh.rows[:40]:
            for c, v in enumerate(row):
                if not isinstance(v, str):
                    continue
                label, _, rest = v.partition("：") if "：" in v else v.partition(":")
                lab = _normalized(label).rstrip(":：")
                for field_, names in _COVER_LABELS.items():
                    if field_ in found or lab not in names:
                        continue
                    val: Any = rest.strip() or next((x for x in row[c + 1 :] if x not in (None, "")), None)
                    if val is not None:
                        found[field_] = str(val).strip()
        if found.get("unit_name") or found.get("unit_code"):
            if "year" in found:
                found["year"] = _int(re.sub(r"\D", "", str(found["year"]))[:4])
            out["cover"] = {"name": found.get("unit_name"), "code": found.get("unit_code"), "year": found.get("year")}
            out["cover"]["sheet"] = sh.name
            break
    return out


# --------------------------------------------------------------------------- values and totals

_REF = re.compile(
    r"(?:(?P<sheet>'(?:[^']|'')+'|[^\s'!():,+\-*/=<>&^\"]+)!)?"
    r"\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?"
)
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
"""A t3 row label's section ordinal (一、本年新收…), left out where the row names a term, as the rules do."""
_ALLOWED_REST = re.compile(r"^(SUM|[()+,\s])*$", re.IGNORECASE)


@cache
def _template_alts(form: Form) -> dict[str, list[frozenset[tuple[int, int]]]]:
    """Total key -> the cell sets its formula may add up, at the template's positions."""
    from xltool.layout import sheet_layouts

    pos = {k: (p.row, p.col) for lay in sheet_layouts(form).values() for k, p in lay.cells.items()}
    return {k: [frozenset(pos[p] for p in parts) for parts in form.cells[k].totals] for k in form.total_keys}


@lru_cache(maxsize=4096)
def formula_refs(text: str, sheet: str) -> frozenset[tuple[int, int]] | None:
    """Cells a total's formula adds up, or None when it does more than add cells of its own sheet.

    Cached: the same few formulas come back in every returned template.
    """
    if not text:
        return None
    refs: set[tuple[int, int]] = set()
    for m in _REF.finditer(text):
        sh = m.group("sheet")
        if sh is not None and sh.strip("'").replace("''", "'") != sheet:
            return None
        c1, r1 = col_index(m.group("c1")), int(m.group("r1"))
        c2, r2 = (col_index(m.group("c2")), int(m.group("r2"))) if m.group("c2") else (c1, r1)
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
            return None
        for r in range(min(r1, r2), max(r1, r2) + 1):
            for c in range(min(c1, c2), max(c1, c2) + 1):
                refs.add((r, c))
    if not _ALLOWED_REST.match(_REF.sub("", text)):
        return None
    return frozenset(refs)


def _assemble(
    book: Book, form: Form, report: UnitReport, located: dict, *, template: bool, by_position: set[str]
) -> list[Finding]:
    """Fill the report from the located tables; check totals and (templates) formulas."""
    findings: list[Finding] = []
    incomplete = [t.id for t in form.tables if t.id not in located or located[t.id].missing]
    if incomplete:
        report.meta["incomplete_tables"] = incomplete
    if template:
        wanted: dict[str, set[tuple[int, int]]] = {}
        for loc in located.values():
            wanted.setdefault(loc.sheet, set()).update(loc.positions.values())
        book.load_formulas(sorted(wanted), wanted)
    cells: dict[str, str] = {}
    stored: dict[str, Any] = {}
    positions: dict[str, tuple[str, int, int]] = {}
    for loc in located.values():
        for key, raw in loc.values.items():
            cell = form.cells.get(key)
            if cell is None:
                continue
            cells[key] = loc.cells[key]
            r, c = loc.positions[key]
            positions[key] = (loc.sheet, r, c)
            if cell.is_total:
                stored[key] = raw
            elif raw is not None:
                report.values[key] = raw
    no_value = _formulas_without_value(book, form, report, positions, template)
    report.source = {"file": str(book.path), "sha256": book.sha256 or sha256_file(book.path), "sheet_cells": cells}
    if book.core.get("modified"):
        report.meta["modified"] = book.core["modified"]
    if any(v is not None for v in stored.values()):
        report.meta["stored_totals"] = {k: v for k, v in stored.items() if v is not None}
    ev = evaluate(form, report)
    wrong_items: list[tuple[str, Any, Any, Any, dict[str, str]]] = []
    text_inputs = [
        k
        for k, raw in report.values.items()
        if isinstance(raw, str) and raw.strip() and not form.cells[k].is_total and k not in no_value
    ]
    text_skipped: list[str] = []
    as_shown: dict[str, Any] | None = None
    formula_issues: dict[str, list[tuple[str, str]]] = {}
    input_formulas: dict[str, list[str]] = {}
    sheet_formulas: dict[str, dict[tuple[int, int], str] | None] = {}
    for sheet_name in {p[0] for p in positions.values()}:
        sh = book.sheet(sheet_name)
        sheet_formulas[sheet_name] = sh.formulas if (template and sh is not None) else None
    for key, cell in form.cells.items():
        at = positions.get(key)
        if at is None:
            continue
        sheet_name, r, c = at
        formulas = sheet_formulas[sheet_name]
        ftext = formulas.get((r, c)) if formulas is not None else None
        if not cell.totals:  # an input
            if ftext is not None and key not in no_value:
                input_formulas.setdefault(cell.table, []).append(key)
            continue
        raw = stored.get(key)
        computed = ev.values.get(key)
        has_formula = ftext is not None
        refs_ok = True
        if has_formula and ftext:
            refs = formula_refs(ftext, sheet_name)
            if refs is None:
                refs_ok = False
            else:
                if cell.table in by_position:
                    alts = _template_alts(form)[key]
                else:
                    alts = [
                        frozenset(positions[p][1:] for p in parts)
                        for parts in cell.totals
                        if all(p in positions and positions[p][0] == sheet_name for p in parts)
                    ]
                refs_ok = not alts or refs in alts
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        p = None if blank else parse_value(raw, cell.type, cell.signed)
        if blank or (p is not None and p.status == "blank"):
            if formulas is not None and not has_formula:
                formula_issues.setdefault(cell.table, []).append((key, "deleted"))
            continue
        if computed is None or cell.table in incomplete:
            continue  # an input is unusable or missing (VALUE-TYPE / TABLE-* say so): nothing to compare with
        if p is not None and p.value is not None and p.value == computed:
            if formulas is not None and not has_formula:
                formula_issues.setdefault(cell.table, []).append((key, "constant"))
            elif has_formula and not refs_ok:
                formula_issues.setdefault(cell.table, []).append((key, "edited"))
            continue
        if text_inputs and as_shown is None:
            as_shown = _text_as_zero(form, report, text_inputs)  # once per file, and only when needed
        if p is not None and p.value is not None and as_shown and p.value == as_shown.get(key):
            text_skipped.append(key)  # what a spreadsheet's SUM shows: text cells count as 0
            continue
        how = _how(template, formulas is not None, has_formula, refs_ok, ftext)
        wrong_items.append((key, raw, p, computed, how))
    wrong = _wrong_totals(form, report, ev, wrong_items, stored, template)
    for tid in dict.fromkeys(form.cells[k].table for k in text_skipped):  # one finding per table
        keys = [k for k in text_skipped if form.cells[k].table == tid]
        texts = [k for k in text_inputs if form.cells[k].table == tid]
        findings.append(_text_skipped_finding(form, report, ev, texts, keys, stored))
    findings += _no_value_findings(form, no_value, cells)
    findings += wrong
    for tid, items in formula_issues.items():
        findings.append(_formula_finding(form, report, tid, items))
    for tid, keys in input_formulas.items():
        t = form.table(tid)
        f = tool_finding("INPUT-FORMULA", table=t.name, count=_count(len(keys), "input cell", "input cells"))
        f.table, f.keys = tid, keys
        f.cells = [cells[k] for k in keys]
        f.details = {
            "zh": [f"{cells[k]} {form.label(k)}" for k in keys],
            "en": [f"{cells[k]} {form.label(k)}" for k in keys],
        }
        findings.append(f)
    return findings


def _formulas_without_value(
    book: Book, form: Form, report: UnitReport, positions: dict[str, tuple[str, int, int]], template: bool
) -> dict[str, str]:
    """Input cells that hold a formula saved without its result: key -> the formula's text.

    A script (openpyxl) or some programs save a formula with no computed value: the cell reads as blank, but its
    value is unknown, not 0. The report holds the formula itself ("=59+1", which no rule reads as a number), so
    no sum counts it as 0 and no balance blames the clerk for it; `report.meta["formulas_without_value"]` keeps
    them for the rules (no VALUE-BLANK, no VALUE-TYPE for these cells) and `_no_value_findings` says what to do.
    Only the blank input cells' formulas are looked at (a department's own workbook: none is loaded otherwise).
    """
    blank = {k: at for k, at in positions.items() if not form.cells[k].totals and k not in report.values}
    if not blank:
        return {}
    if not template:  # a template's formulas are loaded already
        wanted: dict[str, set[tuple[int, int]]] = {}
        for name, r, c in blank.values():
            wanted.setdefault(name, set()).add((r, c))
        try:
            book.load_formulas(sorted(wanted), wanted)
        except BookError:
            return {}  # a part calamine did not need is damaged: the cells stay blank, as read
    out: dict[str, str] = {}
    for key, (name, r, c) in blank.items():
        sh = book.sheet(name)
        text = sh.formulas.get((r, c)) if sh is not None and sh.formulas is not None else None
        if text is not None:
            out[key] = text
            report.values[key] = f"={text}"
    if out:
        report.meta["formulas_without_value"] = dict(out)
    return out


def _no_value_findings(form: Form, no_value: dict[str, str], cells: dict[str, str]) -> list[Finding]:
    """One INPUT-FORMULA-NO-VALUE per table: the cells, their formulas, and that they were not counted."""
    out = []
    for tid in dict.fromkeys(form.cells[k].table for k in no_value):
        t = form.table(tid)
        keys = [k for k in no_value if form.cells[k].table == tid]
        first = keys[0]
        where = cells[first].split("!", 1)[-1]
        f = tool_finding(
            "INPUT-FORMULA-NO-VALUE",
            table=t.name,
            count=_count(len(keys), "input cell", "input cells"),
            example={
                "zh": f"{where} ={no_value[first]}" + (" 等" if len(keys) > 1 else ""),
                "en": f"{where} ={no_value[first]}" + (" …" if len(keys) > 1 else ""),
            },
        )
        f.table, f.keys = tid, keys
        f.cells = [cells[k] for k in keys]
        f.values = {k: f"={no_value[k]}" for k in keys}
        f.details = {
            "zh": [f"{cells[k]} {form.label(k)}：公式 ={no_value[k]}，没有计算结果" for k in keys],
            "en": [f"{cells[k]} {form.label(k)}: formula ={no_value[k]}, no computed result" for k in keys],
        }
        out.append(f)
    return out


def _text_as_zero(form: Form, report: UnitReport, text_inputs: list[str]) -> dict[str, Any]:
    """Every total as a spreadsheet program computes it: SUM leaves text cells out ("12件", "１２" too)."""
    if not text_inputs:
        return {}
    as_shown = UnitReport(form.id, report.year, report.unit_name, report.unit_code)
    as_shown.values = {k: v for k, v in report.values.items() if k not in text_inputs}
    return evaluate(form, as_shown).values


def _text_skipped_finding(form, report, ev, text_inputs, totals, stored) -> Finding:
    """One finding for totals that differ from the items only because a spreadsheet's SUM skipped text."""

    def where(key: str) -> str:
        ref = report.cell_ref(key) or key
        return ref.split("!", 1)[1] if "!" in ref else ref

    texts = [k for k in text_inputs if ev.parsed.get(k) is not None and ev.parsed[k].value is not None]
    shown_zh = "、".join(f"{where(k)}“{report.values[k]}”" for k in texts[:6]) + ("等" if len(texts) > 6 else "")
    shown_en = ", ".join(f"{where(k)} “{report.values[k]}”" for k in texts[:6]) + (" …" if len(texts) > 6 else "")
    table = form.table(form.cells[totals[0]].table)
    f = tool_finding("TOTAL-TEXT-SKIPPED", table=table.name, cells={"zh": shown_zh, "en": shown_en}, count=len(totals))
    f.table = table.id
    f.keys = texts + totals
    f.cells = [report.cell_ref(k) for k in texts + totals if report.cell_ref(k)]
    f.details = {
        "zh": [
            f"{where(k)} {form.label(k)}：文字“{report.values[k]}”按 {format_number(ev.values[k])} 读取" for k in texts
        ]
        + [
            f"{where(k)} {form.label(k)}：文件中显示 {_shown(stored[k])}，"
            f"计入上述数字后为 {format_number(ev.values[k])}"
            for k in totals
        ],
        "en": [
            f"{where(k)} {form.label(k)}: text “{report.values[k]}” read as {format_number(ev.values[k])}"
            for k in texts
        ]
        + [
            f"{where(k)} {form.label(k)}: shows {_shown(stored[k])}; with the numbers above it is "
            f"{format_number(ev.values[k])}"
            for k in totals
        ],
    }
    return f


def _wrong_totals(form, report, ev, items, stored: dict[str, Any], template: bool) -> list[Finding]:
    """One TOTAL-STORED per wrong total — but a total that only shows the wrong value of another total it adds up
    (J29 = SUM(D29:I29) after D29's formula was edited) is that total's consequence: it is named in the cause's
    finding ("改正后随之更正"), not reported as a second error with advice (recalculate) that would not fix it."""
    wrong_keys = {item[0] for item in items}
    caused_by: dict[str, str] = {}
    for key, _raw, p, _computed, how in items:
        if p is None or p.value is None or (template and not how["zh"].startswith("公式保存的结果")):
            continue  # only a total whose own formula is intact (or a workbook without formulas) follows another
        for parts in form.cells[key].totals:
            causes = [x for x in parts if x in wrong_keys and x != key]
            if causes and _shown_sum(form, ev, stored, parts) == p.value:
                caused_by[key] = causes[0]
                break
    findings: dict[str, Finding] = {}
    for key, raw, p, computed, how in items:
        if key not in caused_by:
            findings[key] = _total_stored(form, report, ev, key, raw, p, computed, how, template)
    for key, cause in caused_by.items():
        seen = {key}
        while cause in caused_by and cause not in seen:  # a chain: name it in its first cause's finding
            seen.add(cause)
            cause = caused_by[cause]
        f = findings.get(cause)
        if f is None:
            continue
        ref = report.cell_ref(key) or key
        where = ref.split("!", 1)[1] if "!" in ref else ref
        shown = _shown(stored[key])
        f.details["zh"].append(f"因此 {where}（{form.label(key)}）显示为 {shown}；改正后随之更正")
        f.details["en"].append(f"So {where} ({form.label(key)}) shows {shown}; it follows once this is corrected")
        f.keys.append(key)
        if report.cell_ref(key):
            f.cells.append(report.cell_ref(key))
    return list(findings.values())


def _shown_sum(form: Form, ev, stored: dict[str, Any], parts) -> Any:
    """The sum of `parts` as the file shows them: totals by their stored values, items as read (blank 0)."""
    total = 0
    for x in parts:
        cell = form.cells[x]
        if cell.is_total:
            raw = stored.get(x)
            got = parse_value(raw, cell.type, cell.signed) if raw is not None else None
        else:
            got = ev.parsed.get(x)
        if got is not None and got.value is not None:
            total += got.value
    return total


def _how(template: bool, known: bool, has_formula: bool, refs_ok: bool, ftext: str | None) -> dict[str, str]:
    if not template:
        return {"zh": "", "en": ""}
    if known and not has_formula:
        return {
            "zh": "合计单元格的公式已被改为手工填写的数值",
            "en": "the total's formula was replaced by a typed value",
        }
    if has_formula and not refs_ok:
        return {
            "zh": f"合计单元格的公式被改动（现为 ={ftext}）",
            "en": f"the total's formula was edited (now ={ftext})",
        }
    if has_formula:
        return {
            "zh": "公式保存的结果与各项不符（文件保存时未重新计算，或被其他程序改写）",
            "en": "the formula's saved result does not match the items (not recalculated when saved)",
        }
    return {"zh": "", "en": ""}


def _shown(raw: Any) -> str:
    if isinstance(raw, str):
        return f"“{raw}”"
    if isinstance(raw, float):
        return format_number(Decimal(repr(raw)))
    return str(raw)


def _total_stored(form, report, ev, key, raw, p, computed, how, template) -> Finding:
    cell = form.cells[key]
    t = form.table(cell.table)
    ref = report.cell_ref(key) or key
    where = ref.split("!", 1)[1] if "!" in ref else ref
    parts = next((ps for ps in cell.totals if all(ev.values.get(x) is not None for x in ps)), cell.totals[0])
    terms = [(x, ev.values[x]) for x in parts if ev.values.get(x)]
    zeros = len(parts) - len(terms)

    same_row = len({form.cells[x].row for x in parts}) == 1

    def term(x: str, v: Any, lang: str) -> str:
        c = report.cell_ref(x)
        c = c.split("!", 1)[1] if c and "!" in c else c
        px = form.cells[x]
        name = item_label(t, "column", px.column) if same_row else _ORDINAL.sub("", item_label(t, "row", px.row))
        return f"{name} {format_number(v)}" + ((f"（{c}）" if lang == "zh" else f" ({c})") if c else "")

    details: dict[str, list[str]] = {}
    for lang in ("zh", "en"):
        lines = [how[lang]] if how[lang] else []
        s = " + ".join(term(x, v, lang) for x, v in terms) or "0"
        if zeros:
            s += f"（其余 {zeros} 项为 0）" if lang == "zh" else f" (the other {zeros} items are 0)"
        lines.append((f"各项：{s} = " if lang == "zh" else f"Items: {s} = ") + format_number(computed))
        lines.append(f"位置：{ref}" if lang == "zh" else f"Where: {ref}")
        details[lang] = lines
    if template:
        fix = {
            "zh": "合计由公式自动计算，请勿手工填写：请使用下发的模板重新填报（或恢复该单元格的公式），"
            "并核对各项数据。",
            "en": "Totals are computed by formulas, never typed: fill in the issued template again (or restore the "
            "formula) and check the items.",
        }
        if how["zh"].startswith("公式保存的结果"):
            fix = {
                "zh": "请在 Excel 或 WPS 中打开文件，确认合计已重新计算后保存，再重新报送。",
                "en": "Open the file in Excel or WPS, let it recalculate, save and send it again.",
            }
    else:
        fix = {
            "zh": f"请核对：合计应为各项之和 {format_number(computed)}，改正后重新报送。",
            "en": f"The total must be the sum of the items, {format_number(computed)}; correct it and send it again.",
        }
    stored_shown = _shown(raw)
    f = tool_finding(
        "TOTAL-STORED",
        table=t.name,
        item=form.label(key),
        cell=where,
        stored=stored_shown,
        computed=format_number(computed),
        fix=fix,
        details=details,
    )
    f.table = t.id
    f.keys = [key]
    f.cells = [report.cell_ref(key)] if report.cell_ref(key) else []
    f.values = {key: raw}
    stored_num = p.value if p is not None else None
    f.left = stored_num
    f.right = computed
    f.delta = (stored_num - computed) if stored_num is not None else None
    return f


def _formula_finding(form: Form, report: UnitReport, tid: str, items: list[tuple[str, str]]) -> Finding:
    t = form.table(tid)
    f = tool_finding("TOTAL-FORMULA", table=t.name, count=_count(len(items), "total cell", "total cells"))
    f.table = tid
    f.keys = [k for k, _ in items]
    f.cells = [report.cell_ref(k) for k, _ in items if report.cell_ref(k)]
    what = {
        "constant": ("公式被改为数值", "formula replaced by a value"),
        "deleted": ("公式被删除（空白）", "formula deleted (blank)"),
        "edited": ("公式被改动", "formula edited"),
    }
    f.details = {
        "zh": [f"{report.cell_ref(k)} {form.label(k)}：{what[w][0]}" for k, w in items],
        "en": [f"{report.cell_ref(k)} {form.label(k)}: {what[w][1]}" for k, w in items],
    }
    return f
