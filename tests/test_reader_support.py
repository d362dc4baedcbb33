"""Workbooks for the reader's tests: templates (the real writer when present), plain re-typed workbooks, data.

No tests here: helpers shared by test_reader*.py, test_annotate.py, test_hostile.py and test_reader_fuzz.py.
"""

from __future__ import annotations

import random
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Protection

from xltool.interchange import UnitReport
from xltool.layout import col_letter, fingerprint, sheet_layouts
from xltool.metadata import write_metadata
from xltool.rules import evaluate
from xltool.schema import Form, load_form

FORM = "gov-disclosure-2021"
UNIT = "烟台市芝罘区科学技术局"
CODE = "370602-KJJ"
YEAR = 2024


def form() -> Form:
    return load_form(FORM)


def sample_values(seed: int = 1, form_id: str = FORM) -> dict[str, Any]:
    """Consistent input values (every rule passes): random counts, a fee amount with decimals."""
    f = load_form(form_id)
    rnd = random.Random(seed)
    vals: dict[str, Any] = {}
    for key in f.input_keys:
        c = f.cells[key]
        if c.type == "decimal":
            vals[key] = 24252.311082
        elif c.table == "t3" and c.row in ("new_received", "carried_over", "carried_forward"):
            continue
        else:
            vals[key] = rnd.choice([0, 0, 1, 2, 3, 7, 12])
    # make T3-BALANCE hold: new_received = results + carried_forward - carried_over per column
    t3 = f.table("t3")
    results = [r for r in t3.rows if r.groups and r.id != "results_total"]
    for col in t3.columns:
        if col.total_of:
            continue
        s = sum(vals.get(t3.key(r.id, col.id), 0) for r in results)
        fwd = rnd.choice([0, 1, 2])
        over = rnd.choice([0, 1])
        vals[t3.key("carried_forward", col.id)] = fwd
        vals[t3.key("carried_over", col.id)] = over
        vals[t3.key("new_received", col.id)] = s + fwd - over
    return vals


def computed_totals(values: dict[str, Any], form_id: str = FORM) -> dict[str, Any]:
    f = load_form(form_id)
    ev = evaluate(f, UnitReport(form_id, YEAR, UNIT, values=dict(values)))
    return {k: ev.values[k] for k in f.total_keys}


def _real_writer():
    try:
        from xltool.template import write_template  # noqa: F401
    except ImportError:
        return None
    return write_template


def write_template_file(
    path: Path,
    values: dict[str, Any] | None = None,
    *,
    year: int = YEAR,
    unit: str = UNIT,
    code: str | None = CODE,
    form_id: str = FORM,
    minimal: bool = False,
) -> Path:
    """A template of the form, filled with `values`: by xltool.template when it exists, else a minimal one."""
    writer = None if minimal else _real_writer()
    if writer is not None:
        writer(load_form(form_id), path, year=year, unit_name=unit, unit_code=code, values=values)
        return Path(path)
    return _minimal_template(path, values or {}, year=year, unit=unit, code=code, form_id=form_id)


def _minimal_template(path: Path, values: dict[str, Any], *, year, unit, code, form_id) -> Path:
    f = load_form(form_id)
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "填报说明"
    cover["A1"] = "政府信息公开工作年度报告统计表"
    cover["A3"], cover["B3"] = "单位名称", unit
    cover["A4"], cover["B4"] = "单位代码", code or ""
    cover["A5"], cover["B5"] = "报告年度", str(year)
    for lay in sheet_layouts(f).values():
        ws = wb.create_sheet(lay.sheet)
        for lb in lay.labels:
            ws.cell(lb.row, lb.col, lb.text)
            if lb.rowspan > 1 or lb.colspan > 1:
                ws.merge_cells(
                    start_row=lb.row,
                    start_column=lb.col,
                    end_row=lb.row + lb.rowspan - 1,
                    end_column=lb.col + lb.colspan - 1,
                )
        for key, pos in lay.cells.items():
            cell = f.cells[key]
            if pos.colspan > 1:
                ws.merge_cells(
                    start_row=pos.row, start_column=pos.col, end_row=pos.row, end_column=pos.col + pos.colspan - 1
                )
            if cell.is_total:
                parts = cell.totals[0]
                refs = [lay.cells[p].ref for p in parts]
                ws.cell(
                    pos.row, pos.col, f"=SUM({refs[0]}:{refs[-1]})" if _contiguous(lay, parts) else "=" + "+".join(refs)
                )
            else:
                ws.cell(pos.row, pos.col).protection = Protection(locked=False)
                if key in values:
                    ws.cell(pos.row, pos.col, values[key])
        ws.protection.sheet = True
    write_metadata(
        wb,
        {
            "form": f.id,
            "form_version": f.version,
            "year": year,
            "unit_code": code,
            "unit_name": unit,
            "template_id": "0123456789abcdef0123456789abcdef",
            "tool_version": "test",
            "generated_at": "2025-01-02T03:04:05+08:00",
            "fingerprint": fingerprint(f),
            "level": "unit",
        },
    )
    wb.save(path)
    return Path(path)


def _contiguous(lay, parts) -> bool:
    pos = [lay.cells[p] for p in parts]
    rows = {p.row for p in pos}
    cols = {p.col for p in pos}
    if len(rows) == 1:
        cs = sorted(p.col for p in pos)
        return cs == list(range(cs[0], cs[0] + len(cs)))
    if len(cols) == 1:
        rs = sorted(p.row for p in pos)
        return rs == list(range(rs[0], rs[0] + len(rs)))
    return False


def insert_row(ws, idx: int) -> None:
    """Insert a row as a spreadsheet program does: cells and merged ranges below move down together.

    (openpyxl's insert_rows moves cells only; formulas are left as they are, as in a file whose program
    did not adjust them.)
    """
    from openpyxl.worksheet.cell_range import CellRange

    below = [CellRange(str(r)) for r in ws.merged_cells.ranges if r.min_row >= idx]
    across = [CellRange(str(r)) for r in ws.merged_cells.ranges if r.min_row < idx <= r.max_row]
    for r in below + across:
        ws.unmerge_cells(str(r))
    ws.insert_rows(idx)
    for r in below:
        r.shift(row_shift=1)
        ws.merge_cells(str(r))
    for r in across:
        r.expand(down=1)
        ws.merge_cells(str(r))


def set_cells(path: Path, out: Path, changes: dict[str, Any]) -> Path:
    """Copy a workbook with cells changed: {"表三!J29": 99} (openpyxl; formulas kept elsewhere)."""
    wb = openpyxl.load_workbook(path)
    for ref, v in changes.items():
        sheet, a1 = ref.rsplit("!", 1)
        wb[sheet][a1] = v
    wb.save(out)
    return Path(out)


def write_plain_workbook(path: Path, values: dict[str, Any], *, variant: int = 0, totals: bool = True) -> Path:
    """The same data re-typed into a workbook of one's own: other sheet names, offsets and label variants.

    variant 0: official labels, one sheet per table, shifted by two rows and one column;
    variant 1: everything on one sheet, half-width brackets, "1、", stray spaces, line breaks, 规范性文件;
    variant 2: variant 1 with an extra unofficial row and a typo ("2.其他法律行政止公开").
    """
    f = load_form(FORM)
    tot = computed_totals(values) if totals else {}
    allv = {**values, **tot}
    wb = openpyxl.Workbook()
    ws0 = wb.active
    ws0.title = "数据" if variant else "表2"

    def label(text: str) -> str:
        if variant == 0:
            return text
        s = text.replace("（", "(").replace("）", ")")
        s = s.replace("1.", "1、").replace("2.", "2、").replace("3.", "3、")
        if s == "行政规范性文件":
            s = "规范性文件"
        if s.startswith("一、本年新收"):
            s = "一、本年新收政府信息公开\n申请数量"
        if s.startswith("(一)"):
            s = " (一) 予以公开 "
        if variant == 2 and s.startswith("2、其他法律"):
            s = "2、其他法律行政止公开"
        return s

    # 表二 / t2
    ws = ws0
    r0, c0 = (3, 2) if variant == 0 else (4, 1)
    ws.cell(1, 1, f"{UNIT}{YEAR}年政府信息公开工作年度报告统计表")
    ws.cell(r0 - 1, c0, "二、主动公开政府信息情况")
    r = r0
    t2 = f.table("t2")
    for b in t2.blocks:
        ws.cell(r, c0, b.heading)
        ws.cell(r + 1, c0, b.header)
        for i, cid in enumerate(b.columns):
            ws.cell(r + 1, c0 + 1 + i, t2.column_map[cid].label)
        r += 2
        for rid in b.rows:
            ws.cell(r, c0, label(t2.row_map[rid].label))
            for i, cid in enumerate(b.columns):
                ws.cell(r, c0 + 1 + i, allv.get(t2.key(rid, cid)))
            r += 1
    # 表三 / t3
    if variant == 0:
        ws = wb.create_sheet("表3")
        r = 4
    else:
        r += 3
    t3 = f.table("t3")
    ws.cell(r - 3, c0, "三、收到和处理政府信息公开申请情况")
    hdr = r - 2
    ws.cell(hdr, c0 + 3, "申请人情况")
    ws.cell(hdr + 1, c0 + 3, "自然人")
    ws.cell(hdr + 1, c0 + 4, "法人或其他组织")
    ws.cell(hdr + 1, c0 + 9, "总计")
    for i, lab in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        ws.cell(hdr + 2, c0 + 4 + i, lab)
    r = hdr + 3
    for row in t3.rows:
        if variant == 2 and row.id == "carried_forward":
            ws.cell(r, c0 + 1, "不予处理—无法联系到申请人")
            r += 1
        if row.groups and row.groups[-1] != "三、本年度办理结果" and row.label.startswith("1."):
            ws.cell(r, c0 + 1, label(row.groups[-1]))
        lc = c0 + (len(row.groups) if variant == 0 else 2)
        ws.cell(r, lc, label(row.label))
        for i, col in enumerate(t3.columns):
            if col.total_of and not totals:
                continue
            ws.cell(r, c0 + 3 + i, allv.get(t3.key(row.id, col.id)))
        r += 1
    # 表四 / t4
    if variant == 0:
        ws = wb.create_sheet("表4")
        r = 2
    else:
        r += 2
    t4 = f.table("t4")
    ws.cell(r, c0, "四、政府信息公开行政复议、行政诉讼情况")
    ws.cell(r + 1, c0, "行政复议")
    ws.cell(r + 1, c0 + 5, "行政诉讼")
    ws.cell(r + 2, c0 + 5, "未经复议直接起诉")
    ws.cell(r + 2, c0 + 10, "复议后起诉")
    for g in range(3):
        for i, col in enumerate(t4.columns):
            ws.cell(r + (2 if g == 0 else 3), c0 + g * 5 + i, col.label)
    for g, row in enumerate(t4.rows):
        for i, col in enumerate(t4.columns):
            ws.cell(r + 4, c0 + g * 5 + i, allv.get(t4.key(row.id, col.id)))
    wb.save(path)
    return Path(path)


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


# --------------------------------------------------------------------------- the corpus: every workbook the tests use


_CORPUS: dict[str, dict[str, Path]] = {}
V1 = 1
"""Seed of the values in the corpus templates."""


def rezip(src: Path, dst: Path, change, extra: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """Copy a zip, passing each member's bytes through change(name, data) (None keeps it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info.filename)
            new = change(info.filename, data) if change else None
            zout.writestr(info.filename, data if new is None else new)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return Path(dst)


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member of a sheet, by its name."""
    import re

    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet [^>]*name="' + re.escape(sheet) + r'"[^>]*r:id="([^"]+)"', wb)
    if rid is None:
        rid = re.search(r'<sheet [^>]*r:id="([^"]+)"[^>]*name="' + re.escape(sheet) + '"', wb)
    target = re.search(r'Id="' + rid.group(1) + r'"[^>]*Target="([^"]+)"', rels) or re.search(
        r'Target="([^"]+)"[^>]*Id="' + rid.group(1) + '"', rels
    )
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t


def cells_by_sheet(values: dict[str, Any], form_id: str = FORM) -> dict[str, dict[str, Any]]:
    """{sheet: {A1: value}} of the template positions of `values`."""
    f = load_form(form_id)
    out: dict[str, dict[str, Any]] = {}
    for lay in sheet_layouts(f).values():
        for key, pos in lay.cells.items():
            if key in values:
                out.setdefault(lay.sheet, {})[pos.ref] = values[key]
    return out


def unprotected_copy(src: Path, dst: Path) -> Path:
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        ws.protection.sheet = False
    wb.security = None
    wb.save(dst)
    return Path(dst)


def cfb_encrypted(dst: Path, src: Path) -> Path | None:
    """A password-encrypted copy (msoffcrypto-tool), or None when it is not installed."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        OOXMLFile(fi).encrypt("secret", fo)
    return Path(dst)


def template_name(code: str | None, unit: str, year: int) -> str:
    try:
        from xltool.template import template_filename

        return template_filename(code, unit, year)
    except ImportError:
        return f"{code}_{unit}_{year}.xlsx"


def build_corpus(base: Path, *, libreoffice: bool = True) -> dict[str, Path]:
    """Every workbook of the reader's tests, generated here (names -> paths); LibreOffice-made ones when asked."""
    key = f"{base}:{libreoffice}"
    if key in _CORPUS:
        return _CORPUS[key]
    base.mkdir(parents=True, exist_ok=True)
    f = form()
    v = sample_values(V1)
    tot = computed_totals(v)
    t3 = sheet_layouts(f)["t3"]
    out: dict[str, Path] = {}
    tdir = base / "templates"
    tdir.mkdir(exist_ok=True)
    # templates filled with openpyxl (the real writer)
    out["template"] = write_template_file(tdir / template_name(CODE, UNIT, YEAR), v)
    out["template_blank"] = write_template_file(base / "blank.xlsx", {})
    # typed over a total's formula (openpyxl): J29 typed as a wrong number
    jr = t3.cells["t3.results_total.total"].ref
    out["typed_over"] = set_cells(
        out["template"], base / "typed_over.xlsx", {f"表三!{jr}": tot["t3.results_total.total"] + 5}
    )
    # a total replaced by the right constant, another formula deleted
    j6 = t3.cells["t3.new_received.total"].ref
    j7 = t3.cells["t3.carried_over.total"].ref
    out["constant_equal"] = set_cells(
        out["template"], base / "constant_equal.xlsx", {f"表三!{j6}": tot["t3.new_received.total"], f"表三!{j7}": None}
    )
    # odd values typed into inputs
    odd = dict(v)
    fw = str.maketrans("0123456789", "０１２３４５６７８９")
    odd.update(
        {
            # read with a 提示: the meaning is certain (the same numbers as v)
            "t3.granted.natural_person": f"{v['t3.granted.natural_person']}件",
            "t3.granted.commercial": str(v["t3.granted.commercial"]).translate(fw),
            "t3.granted.research": f" {v['t3.granted.research']} ",
            "t2.regulation.issued": f"{v['t2.regulation.issued'] + 1000:,}",
            # errors with a suggestion: the meaning is not certain
            "t4.review.upheld": "约10",
            "t4.review.corrected": -1,
            "t4.review.other": 3.5,
            # a blank mark
            "t2.penalty.decisions": "/",
        }
    )
    out["odd_values"] = write_template_file(base / "odd_values.xlsx", odd)
    # a label edited, and a row inserted (LibreOffice drops structure protection; sheets can be unprotected)
    lab = next(lb for lb in t3.labels if lb.text == "4.保护第三方合法权益")
    out["label_edited"] = set_cells(
        out["template"], base / "label_edited.xlsx", {f"表三!{a1(lab.row, lab.col)}": "4.保护第三方权益"}
    )
    wb = openpyxl.load_workbook(out["template"])
    insert_row(wb["表三"], 12)
    wb.save(base / "row_inserted.xlsx")
    out["row_inserted"] = base / "row_inserted.xlsx"
    # identity: metadata removed, metadata contradicting the properties, fingerprint of another version
    wb = openpyxl.load_workbook(out["template"])
    del wb["_xltool"]
    wb.custom_doc_props.props = []
    wb.save(base / "meta_removed.xlsx")
    out["meta_removed"] = base / "meta_removed.xlsx"
    wb = openpyxl.load_workbook(out["template"])
    for p in wb.custom_doc_props.props:
        if p.name == "xltool.unit_name":
            p.value = "烟台市芝罘区教育体育局"
    wb.save(base / "meta_conflict.xlsx")
    out["meta_conflict"] = base / "meta_conflict.xlsx"
    wb = openpyxl.load_workbook(out["template"])
    ws = wb["_xltool"]
    for row in ws.iter_rows():
        if row[0].value == "fingerprint":
            row[1].value = "sha256:00000000000000000000000000000000"
    for p in wb.custom_doc_props.props:
        if p.name == "xltool.fingerprint":
            p.value = "sha256:00000000000000000000000000000000"
    wb.save(base / "fingerprint.xlsx")
    out["fingerprint"] = base / "fingerprint.xlsx"
    # last year's template; another unit's template saved under this unit's name
    out["last_year"] = write_template_file(tdir / template_name(CODE, UNIT, YEAR - 1), v, year=YEAR - 1)
    other = write_template_file(base / "other_unit.xlsx", v, unit="烟台市芝罘区教育体育局", code="370602-JTJ")
    out["reused"] = Path(shutil.copy(other, base / template_name(CODE, UNIT, YEAR)))
    # plain workbooks of one's own (non-template path)
    pdir = base / "plain"
    pdir.mkdir(exist_ok=True)
    for var in (0, 1, 2):
        out[f"plain{var}"] = write_plain_workbook(pdir / f"plain{var}.xlsx", v, variant=var)
    out["plain_no_totals"] = write_plain_workbook(pdir / "plain_no_totals.xlsx", v, variant=1, totals=False)
    _plain_variants(pdir, v, out)
    # broken and hostile files
    _hostile(base / "hostile", out)
    if libreoffice:
        _libreoffice(base / "lo", v, out)
    _CORPUS[key] = out
    return out


def _plain_variants(pdir: Path, v: dict[str, Any], out: dict[str, Path]) -> None:
    """Re-typed workbooks with a wrong total, a missing table, missing rows, the 2019 （六） row, an extra row."""
    src = out["plain1"]
    wb = openpyxl.load_workbook(src)
    ws = wb["数据"]
    cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
    label_row = {c.value: r for (r, _c), c in cells.items() if isinstance(c.value, str)}
    r29 = label_row["(七)总计"]
    ws.cell(r29, 10).value = (ws.cell(r29, 10).value or 0) + 3  # （七）总计 总计 wrong by 3
    wb.save(pdir / "plain_wrong_total.xlsx")
    out["plain_wrong_total"] = pdir / "plain_wrong_total.xlsx"
    # no 表四
    wb = openpyxl.load_workbook(src)
    ws = wb["数据"]
    top = label_row["四、政府信息公开行政复议、行政诉讼情况"]
    ws.delete_rows(top, 10)
    wb.save(pdir / "plain_no_t4.xlsx")
    out["plain_no_t4"] = pdir / "plain_no_t4.xlsx"
    # two rows of 表三 missing
    wb = openpyxl.load_workbook(src)
    ws = wb["数据"]
    ws.delete_rows(label_row["8.属于行政查询事项"], 1)
    ws.delete_rows(label_row["7.属于行政执法案卷"], 1)
    wb.save(pdir / "plain_rows_missing.xlsx")
    out["plain_rows_missing"] = pdir / "plain_rows_missing.xlsx"
    # the 2019 single row （六）其他处理: all 0, and not 0
    for name, val in (("plain_other_zero", 0), ("plain_other_nonzero", 4)):
        w = dict(v)
        for cid in ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org"):
            for rid in ("other_no_correction", "other_unpaid_fee", "other_misc"):
                w[f"t3.{rid}.{cid}"] = 0
        w["t3.other_misc.natural_person"] = val
        for cid in ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org"):
            w[f"t3.new_received.{cid}"] = (
                v[f"t3.new_received.{cid}"]
                + (val if cid == "natural_person" else 0)
                - sum(v[f"t3.{rid}.{cid}"] for rid in ("other_no_correction", "other_unpaid_fee", "other_misc"))
            )
        p = write_plain_workbook(pdir / f"{name}.xlsx", w, variant=1)
        wb = openpyxl.load_workbook(p)
        ws = wb["数据"]
        rows = {c.value: c.row for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        r1 = rows["1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"]
        for c in range(1, 12):
            ws.cell(r1 + 2, c).value = ws.cell(r1 + 2, c).value if c > 3 else None
        ws.cell(r1 + 2, 3).value = "(六)其他处理"
        ws.delete_rows(r1, 2)
        wb.save(p)
        out[name] = p
    # an unofficial row carrying figures
    wb = openpyxl.load_workbook(src)
    ws = wb["数据"]
    r = label_row["四、结转下年度继续办理"]
    ws.insert_rows(r)
    ws.cell(r, 2).value = "不予处理—无法联系到申请人"
    ws.cell(r, 4).value = 2
    wb.save(pdir / "plain_extra_row.xlsx")
    out["plain_extra_row"] = pdir / "plain_extra_row.xlsx"
    # a workbook with no tables at all
    wb = openpyxl.Workbook()
    wb.active["A1"] = "联系人"
    wb.active["B1"] = "张三"
    wb.save(pdir / "no_tables.xlsx")
    out["no_tables"] = pdir / "no_tables.xlsx"


HOSTILE = {
    "encrypted": "FILE-ENCRYPTED",
    "zip_bomb": "FILE-UNSAFE",
    "billion_laughs": "FILE-UNSAFE",
    "cell_xfd": "FILE-UNSAFE",
    "truncated": "FILE-UNREADABLE",
    "crc_damaged": "FILE-UNREADABLE",
    "empty": "FILE-EMPTY",
    "random_bytes": "FILE-FORMAT",
    "pdf": "FILE-FORMAT",
    "html_fake_xls": "FILE-FORMAT",
    "docx": "FILE-FORMAT",
    "csv_no_tables": "FILE-NOT-REPORT",  # a stray export beside the returns: skipped, no unit's file
    "xls_encrypted": "FILE-ENCRYPTED",
    "xlsb": "FILE-FORMAT",
    "xls_far_cell": "FILE-UNSAFE",
    "ods_far_cell": "FILE-UNSAFE",
}
"""Broken and hostile files -> the one finding each must get."""


def _hostile(hdir: Path, out: dict[str, Path]) -> None:
    hdir.mkdir(exist_ok=True)
    good = out["template"]
    sheet = sheet_part(good, "表三")
    enc = cfb_encrypted(hdir / "encrypted.xlsx", good)
    if enc is not None:
        out["encrypted"] = enc

    def bomb(name: str, data: bytes) -> bytes | None:
        if name == sheet:
            return data.replace(b"</worksheet>", b"<!--" + b" " * 40_000_000 + b"--></worksheet>")
        return None

    out["zip_bomb"] = rezip(good, hdir / "zip_bomb.xlsx", bomb)

    def laughs(name: str, data: bytes) -> bytes | None:
        if name == sheet:
            body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
            dtd = (
                b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                + b"".join(
                    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                    for i in range(1, 10)
                )
                + b"]>"
            )
            return dtd + body.replace(
                b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', 1
            )
        return None

    out["billion_laughs"] = rezip(good, hdir / "billion_laughs.xlsx", laughs)

    def far(name: str, data: bytes) -> bytes | None:
        if name == sheet:
            return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
        return None

    out["cell_xfd"] = rezip(good, hdir / "cell_xfd.xlsx", far)
    raw = good.read_bytes()
    (hdir / "truncated.xlsx").write_bytes(raw[: len(raw) // 2])
    out["truncated"] = hdir / "truncated.xlsx"
    with zipfile.ZipFile(good) as z:
        info = z.getinfo(sheet)
    b = bytearray(raw)
    off = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 20
    b[off] ^= 0xFF
    (hdir / "crc_damaged.xlsx").write_bytes(bytes(b))
    out["crc_damaged"] = hdir / "crc_damaged.xlsx"
    (hdir / "empty.xlsx").write_bytes(b"")
    out["empty"] = hdir / "empty.xlsx"
    rnd = random.Random(7)
    (hdir / "random_bytes.xlsx").write_bytes(bytes(rnd.getrandbits(8) for _ in range(4096)))
    out["random_bytes"] = hdir / "random_bytes.xlsx"
    (hdir / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    out["pdf"] = hdir / "report.pdf"
    (hdir / "export.xls").write_text(
        "<html><body><table><tr><td>一、本年新收政府信息公开申请数量</td><td>3</td></tr></table></body></html>",
        encoding="utf-8",
    )
    out["html_fake_xls"] = hdir / "export.xls"
    with zipfile.ZipFile(hdir / "report.docx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    out["docx"] = hdir / "report.docx"
    (hdir / "contacts.csv").write_text("姓名,电话\n张三,123\n李四,456\n", encoding="utf-8")
    out["csv_no_tables"] = hdir / "contacts.csv"
    (hdir / "locked.xls").write_bytes(_cfb({"Workbook": _BIFF8_BOF + struct.pack("<HHH", 0x002F, 2, 1)}))
    out["xls_encrypted"] = hdir / "locked.xls"
    out["xlsb"] = rezip(
        good,
        hdir / "binary.xlsx",
        lambda n, d: (
            d.replace(b"workbook.xml", b"workbook.bin") if n in ("_rels/.rels", "[Content_Types].xml") else None
        ),
        extra={"xl/workbook.bin": b"\x83\x01\x00"},
        drop=("xl/workbook.xml",),
    )


_BIFF8_BOF = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0006)


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (512-byte sectors, every stream in regular sectors) holding `streams`."""
    sec = 512
    data_secs: list[bytes] = []
    entries = []
    start = 2  # sector 0: FAT, sector 1: directory
    for name, payload in streams.items():
        padded = payload + b"\0" * (-len(payload) % sec or 0)
        padded = padded.ljust(max(4096, len(padded)), b"\0")  # >= mini cutoff: regular sectors
        n = len(padded) // sec
        entries.append((name, start, len(padded)))
        data_secs.append(padded)
        start += n
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    for _name, first, size in entries:
        n = size // sec
        fat += [first + i + 1 for i in range(n - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<H", header, 0x20, 6)
    struct.pack_into("<I", header, 0x2C, 1)
    struct.pack_into("<I", header, 0x30, 1)
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<I", header, 0x3C, 0xFFFFFFFE)
    struct.pack_into("<I", header, 0x44, 0xFFFFFFFE)
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))

    def entry(name: str, typ: int, first: int, size: int, child: int = 0xFFFFFFFF, right: int = 0xFFFFFFFF) -> bytes:
        e = bytearray(128)
        n = (name + "\0").encode("utf-16-le")
        e[: len(n)] = n
        struct.pack_into("<H", e, 64, len(n))
        e[66] = typ
        e[67] = 1
        struct.pack_into("<III", e, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<II", e, 116, first, size)
        return bytes(e)

    dirs = [entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)]
    for i, (name, first, size) in enumerate(entries):
        dirs.append(entry(name, 2, first, size, right=(i + 2) if i + 1 < len(entries) else 0xFFFFFFFF))
    dir_sec = b"".join(dirs).ljust(sec, b"\0")
    return bytes(header) + struct.pack("<128I", *fat) + dir_sec + b"".join(data_secs)


def _libreoffice(ldir: Path, v: dict[str, Any], out: dict[str, Path]) -> None:
    """Files saved by LibreOffice: filled over UNO, typed over, and .xls/.ods/.csv conversions."""
    from tests.lo import LibreOfficeSession, convert, find_soffice

    if find_soffice() is None:
        return
    ldir.mkdir(exist_ok=True)
    blank = out["template_blank"]
    cells = cells_by_sheet(v)
    t3 = sheet_layouts(form())["t3"]
    bad = dict(v)
    bad["t3.granted.natural_person"] = v["t3.granted.natural_person"] + 1  # T3-BALANCE breaks in 自然人
    unprot = unprotected_copy(blank, ldir / "unprotected_blank.xlsx")
    tot = computed_totals(v)
    typed = {s: dict(c) for s, c in cells.items()}
    typed["表三"][t3.cells["t3.results_total.total"].ref] = tot["t3.results_total.total"] + 7
    typed["表三"][t3.cells["t3.new_received.total"].ref] = "=D6+E6"
    with LibreOfficeSession() as lo:
        out["lo_filled"] = lo.fill(blank, (ldir / "lo_filled.xlsx").resolve(), cells)
        out["lo_balance_error"] = lo.fill(blank, (ldir / "lo_balance_error.xlsx").resolve(), cells_by_sheet(bad))
        out["lo_typed_over"] = lo.fill(unprot, (ldir / "lo_typed_over.xlsx").resolve(), typed)
        # text in a count cell: the program's SUM leaves it out of every total above it
        text = {s: dict(c) for s, c in cells.items()}
        text["表三"][t3.cells["t3.granted.natural_person"].ref] = f"{v['t3.granted.natural_person']}件"
        out["lo_text_cell"] = lo.fill(blank, (ldir / "lo_text_cell.xlsx").resolve(), text)
    # a stale cached total: the formula intact, its saved value not what the inputs give
    part = sheet_part(out["lo_filled"], "表三")
    ref = t3.cells["t3.carried_forward.total"].ref.encode()

    def stale(name: str, data: bytes) -> bytes | None:
        if name != part:
            return None
        i = data.find(b'r="' + ref + b'"')
        j = data.find(b"<v>", i)
        k = data.find(b"</v>", j)
        return data[: j + 3] + b"999" + data[k:]

    out["lo_stale_cache"] = rezip(out["lo_filled"], ldir / "lo_stale_cache.xlsx", stale)
    conv_src = [out["template"], out["plain1"]]
    for fmt in ("xls", "ods"):
        made = convert(conv_src, fmt, ldir / fmt)
        out[f"{fmt}_template"], out[f"{fmt}_plain"] = made
    out["csv_plain"] = convert([out["plain1"]], "csv", ldir / "csv")[0]
    # a cell at the last row and column a legacy format allows: a dense reader would want ~0.5 GB for it
    wb = openpyxl.Workbook()
    wb.active["A1"] = "一、本年新收政府信息公开申请数量"
    wb.active["IV65536"] = 1
    wb.save(ldir / "far_cell.xlsx")
    out["xls_far_cell"] = convert([ldir / "far_cell.xlsx"], "xls", ldir / "far_xls")[0]
    out["ods_far_cell"] = convert([ldir / "far_cell.xlsx"], "ods", ldir / "far_ods")[0]
    et = ldir / "et" / "wps.et"
    et.parent.mkdir(exist_ok=True)
    shutil.copy(out["xls_plain"], et)
    out["et_plain"] = et


def shared_corpus(tmp_path_factory) -> dict[str, Path]:
    """The corpus, built once per test session whichever module asks first (cached by path)."""
    from tests.lo import find_soffice

    return build_corpus(tmp_path_factory.getbasetemp() / "reader-corpus", libreoffice=find_soffice() is not None)


def require_lo(corpus: dict[str, Path]) -> dict[str, Path]:
    """The corpus with its LibreOffice-saved files (skips without LibreOffice, fails under CI)."""
    if "lo_filled" not in corpus:
        from tests.lo import skip_or_fail

        skip_or_fail("LibreOffice is not installed: the LibreOffice-saved files cannot be made")
    return corpus
