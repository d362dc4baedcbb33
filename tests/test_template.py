"""The template writer: layout, locking, validation, checks, protection, metadata, prior data, batch = fresh.

Every template here is written to disk and read back with openpyxl (or unzipped); nothing is mocked.
LibreOffice round trips are in tests/test_template_lo.py.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltool.cli import cli
from xltool.interchange import UnitReport, load_json
from xltool.layout import col_index, fingerprint, sheet_layouts
from xltool.metadata import META_KEYS, META_SHEET, parse_metadata
from xltool.roster import Unit, load_roster
from xltool.schema import load_form
from xltool.template import (
    COVER_SHEET,
    DEFAULT_PASSWORD,
    INPUT_FILL,
    PREFILL_FILL,
    carry_pairs,
    cover_cells,
    template_filename,
    write_template,
    write_templates,
)
from xltool.template_checks import OK_MARK, in_year_error_equations, sheet_checks
from xltool.template_protect import verify

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FORM = load_form("gov-disclosure-2021")
PASSWORD = "密码-Pw7!"
"""A password that cannot appear by chance anywhere in a workbook."""
UNIT = Unit("370602-D06", "烟台市芝罘区民政局", "部门")
_REF = re.compile(r"(?<![A-Z'!])\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def refs_in(formula: str) -> set[str]:
    """Every single cell a formula's A1 references cover (ranges expanded); sheet-qualified ones excluded."""
    out = set()
    formula = re.sub(r"'[^']*'!\$?[A-Z]+\$?\d+(:\$?[A-Z]+\$?\d+)?", "", re.sub(r'"[^"]*"', "", formula))
    for m in _REF.finditer(formula):
        c0, r0 = col_index(m.group(1)), int(m.group(2))
        c1, r1 = (col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                out.add(f"{openpyxl.utils.get_column_letter(c)}{r}")
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("templates")
    unit = write_template(
        FORM,
        d,
        year=2021,
        unit_name=UNIT.name,
        unit_code=UNIT.code,
        category=UNIT.category,
        password=PASSWORD,
        prior=[SAMPLES / "prior"],
    )
    blank = write_template(FORM, d / "blank.xlsx", year=None, unit_name="")
    return {"unit": unit, "blank": blank}


@pytest.fixture(scope="module")
def wb(built: dict[str, Path]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(built["unit"])


def test_file_name_and_sheets(built: dict[str, Path], wb: openpyxl.Workbook) -> None:
    assert built["unit"].name == "370602-D06_烟台市芝罘区民政局_2021.xlsx"
    assert wb.sheetnames == [COVER_SHEET, "表二", "表三", "表四", META_SHEET]
    assert [wb[s].sheet_state for s in wb.sheetnames] == ["visible"] * 4 + ["veryHidden"]
    assert wb.active.title == COVER_SHEET


def test_file_names_are_sanitized() -> None:
    assert (
        template_filename("370602-D04", "烟台市芝罘区科学技术局", 2021) == "370602-D04_烟台市芝罘区科学技术局_2021.xlsx"
    )
    assert template_filename("A/B", '某局:*?"<>|\\ ', 2021) == "A_B_某局_________2021.xlsx"
    assert template_filename(None, "某局", 2021) == "某局_2021.xlsx"
    long = template_filename("X", "很" * 200, 2021)
    assert len(long.encode("utf-8")) <= 240 and long.endswith("_2021.xlsx")


def test_every_official_label_at_its_layout_position(wb: openpyxl.Workbook) -> None:
    for lay in sheet_layouts(FORM).values():
        ws = wb[lay.sheet]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for lb in lay.labels:
            assert ws.cell(row=lb.row, column=lb.col).value == lb.text, (lay.sheet, lb)
            if lb.rowspan > 1 or lb.colspan > 1:
                end = f"{openpyxl.utils.get_column_letter(lb.col + lb.colspan - 1)}{lb.row + lb.rowspan - 1}"
                start = f"{openpyxl.utils.get_column_letter(lb.col)}{lb.row}"
                assert f"{start}:{end}" in merged, (lay.sheet, lb)
        for key, pos in lay.cells.items():
            if pos.colspan > 1:
                end = openpyxl.utils.get_column_letter(pos.col + pos.colspan - 1)
                assert f"{pos.ref}:{end}{pos.row}" in merged, key
    # the official corner note and the exact characters of a tricky label
    t3 = wb["表三"]
    assert t3["A3"].value == FORM.table("t3").corner
    assert "3.危及“三安全一稳定”" in [c.value for c in t3["C"]]


def _input_positions(form, include_covered: bool = True) -> dict[str, set[tuple[int, int]]]:
    out: dict[str, set[tuple[int, int]]] = {}
    for lay in sheet_layouts(form).values():
        s = out.setdefault(lay.sheet, set())
        for key, pos in lay.cells.items():
            if not form.cells[key].is_total:
                span = pos.colspan if include_covered else 1
                s.update((pos.row, c) for c in range(pos.col, pos.col + span))
    return out


def test_only_input_cells_are_unlocked_and_shaded(wb: openpyxl.Workbook) -> None:
    inputs = _input_positions(FORM)
    prefilled = {k for _, k, _ in carry_pairs(FORM)}
    for lay in sheet_layouts(FORM).values():
        ws = wb[lay.sheet]
        sc = sheet_checks(FORM)[lay.table]
        unlocked = set()
        for row in ws.iter_rows(min_row=1, max_row=sc.last_row + 3, max_col=sc.last_col + 3):
            for cell in row:
                if cell.protection.locked is False:
                    unlocked.add((cell.row, cell.column))
        assert unlocked == inputs[lay.sheet], lay.sheet
        for key, pos in lay.cells.items():
            if FORM.cells[key].is_total:
                continue
            fill = ws.cell(row=pos.row, column=pos.col).fill.fgColor.rgb[-6:]
            assert fill == (PREFILL_FILL if key in prefilled else INPUT_FILL), key
    cover = wb[COVER_SHEET]
    unlocked = {
        c.coordinate for row in cover.iter_rows(max_row=40, max_col=4) for c in row if c.protection.locked is False
    }
    assert unlocked == {cover_cells()[k] for k in ("contact", "phone", "date", "explanation")}


def test_totals_are_sum_formulas_of_their_parts(wb: openpyxl.Workbook) -> None:
    for lay in sheet_layouts(FORM).values():
        ws = wb[lay.sheet]
        ref_to_key = {p.ref: k for k, p in lay.cells.items()}
        for key in FORM.total_keys:
            if key not in lay.cells:
                continue
            v = ws[lay.ref(key)].value
            assert isinstance(v, str) and v.startswith("=SUM("), key
            parts = {ref_to_key[r] for r in refs_in(v)}
            assert parts == set(FORM.cells[key].totals[0]), key
        for key in FORM.input_keys:
            if key in lay.cells and key not in {k for _, k, _ in carry_pairs(FORM)}:
                assert ws[lay.ref(key)].value is None, key


def _inputs_behind(keys) -> set[str]:
    """The keys and, for totals, every input they add up (the test's own walk, not the writer's)."""
    out, todo = set(), list(keys)
    while todo:
        k = todo.pop()
        if k not in out:
            out.add(k)
            todo += FORM.cells[k].totals[0] if FORM.cells[k].is_total else []
    return out


def test_a_check_cell_for_every_in_year_error_equation(wb: openpyxl.Workbook) -> None:
    rules = in_year_error_equations(FORM)
    assert {r.id for r in rules} == {"T3-BALANCE", "T3-RESULTS", "T3-TOTAL", "T4-TOTAL"}
    checks = [c for sc in sheet_checks(FORM).values() for c in sc.checks]
    t3 = FORM.table("t3")
    # one per column of 表三 for the column rules, one per row for T3-TOTAL, one per group of 表四
    assert sum(c.rule == "T3-BALANCE" for c in checks) == len(t3.columns)
    assert sum(c.rule == "T3-RESULTS" for c in checks) == len(t3.columns)
    assert sum(c.rule == "T3-TOTAL" for c in checks) == len(t3.rows)
    assert sum(c.rule == "T4-TOTAL" for c in checks) == len(FORM.table("t4").rows)
    lays = sheet_layouts(FORM)
    carried = {k for _, k, _ in carry_pairs(FORM)}
    for c in checks:
        ws = wb[c.sheet]
        formula = ws[c.ref].value
        assert formula.startswith("=IF(") and f'"{OK_MARK}"' in formula and '"差"' in formula
        lay = next(lay for lay in lays.values() if lay.sheet == c.sheet)
        # the formula reads the rule's cells, and guards against text in them or in the parts of its totals
        behind = {lay.ref(k) for k in _inputs_behind(c.keys)}
        assert refs_in(formula) == behind, c
        assert formula.startswith(f"=IF(COUNTA({','.join(c.guard)})>COUNT(") and '"含文字"' in formula
        # only a check that involves a pre-fillable cell waits for this year's filling
        assert c.gated == bool(_inputs_behind(c.keys) & carried), c
        assert ('"待填写"' in formula) == c.gated and ("'表二'!" in formula) == c.gated, c
        # the cells of a failing item turn red: a rule on exactly those cells, keyed on the check cell
        absolute = f"${openpyxl.utils.get_column_letter(c.col)}${c.row}"
        red = [
            refs_in(str(cf.sqref))
            for cf in ws.conditional_formatting
            for r in cf.rules
            if r.formula[0] == f'LEFT({absolute},1)="差"'
        ]
        assert red == [{*c.cells, c.ref}], c
    results = [c for c in checks if c.rule == "T3-RESULTS" and c.item == "natural_person"][0]
    assert wb["表三"][results.ref].value == (
        '=IF(COUNTA(D8:D29)>COUNT(D8:D29),"含文字",'
        'IF(ROUND(SUM(D29)-(SUM(D8:D28)),6)=0,"✔","差"&ABS(ROUND(SUM(D29)-(SUM(D8:D28)),6))&"件"))'
    )
    balance = [c for c in checks if c.rule == "T3-BALANCE" and c.item == "natural_person"][0]
    assert balance.gated and balance.guard == ("D6:D30",)
    assert wb["表三"]["A31"].value == "勾稽关系校验"
    # 表四 has no label column: the check's name is a row of its own above the checks, inside the table
    t4 = sheet_checks(FORM)["t4"]
    width = lays["t4"].width
    assert [(lb.text, lb.row, lb.col, lb.colspan) for lb in t4.labels] == [("总计校验", 7, 1, width)]
    assert {c.row for c in t4.checks} == {8} and t4.last_col == width


def test_status_lines_count_failures_and_name_text_cells(wb: openpyxl.Workbook) -> None:
    cover = wb[COVER_SHEET]
    status = cover[cover_cells()["status"]].value
    for text in ("校验通过", "尚未填写", "有 ", " 处未通过，请查看标红单元格", "为文字，请改为数字", "校验公式出错"):
        assert text in status
    for sc in sheet_checks(FORM).values():
        ws = wb[sc.sheet]
        q = f"'{sc.sheet}'!"
        assert f"{q}{sc.failures_ref}" in status and f"{q}{sc.hints_ref}" in status and f"{q}{sc.where_ref}" in status
        # the helper cells: hidden, locked, right of the print area
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(sc.helper_col)].hidden
        last = f"${openpyxl.utils.get_column_letter(sc.last_col)}${sc.last_row}"
        assert sc.helper_col == sc.last_col + 1 and ws.print_area == f"'{sc.sheet}'!$A$1:{last}"
        for h in sc.helpers:
            assert ws[h.ref].value == h.formula and ws[h.ref].protection.locked
        failures = ws[sc.failures_ref].value
        assert all(f'(LEFT({c.ref},1)="差")' in failures for c in sc.checks)
        assert all(f"COUNTA({r.ref})-COUNT({r.ref})-" in failures for r in sc.inputs)
        hints = [h for h in sc.helpers if h.role.startswith("hints:")]
        assert [h.role for h in hints] == [f"hints:{r.ref}" for r in sc.inputs]
        assert all(f"ISTEXT({r.ref})" in ws[h.ref].value for h, r in zip(hints, sc.inputs, strict=True))
        line = ws[sc.status_ref].value
        assert sc.failures_ref in line and sc.hints_ref in line and "尚未填写" in line and "本表全部通过" in line


def test_validation_and_red_formatting_on_every_input(wb: openpyxl.Workbook) -> None:
    for lay in sheet_layouts(FORM).values():
        ws = wb[lay.sheet]
        dvs = ws.data_validations.dataValidation
        cf_cells = set()
        for cf in ws.conditional_formatting:
            if any(r.formula[0].startswith("IF(ISNUMBER(") for r in cf.rules):
                for rng in cf.sqref.ranges:
                    cf_cells.update(c for row in rng.cells for c in [row])
        for key, pos in lay.cells.items():
            cell = FORM.cells[key]
            covering = [dv for dv in dvs if pos.ref in dv]
            if cell.is_total:
                assert not covering, key
                continue
            assert len(covering) == 1, key
            dv = covering[0]
            assert dv.type == ("whole" if cell.type == "integer" else "decimal")
            assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
            assert dv.showErrorMessage and dv.errorStyle == "stop" and dv.showInputMessage
            assert "0" in dv.prompt and "不要" in dv.error and dv.promptTitle == "填写提示"
            assert (pos.row, pos.col) in cf_cells, key
    # text the validator reads as a number is orange: that rule comes first and stops, so red never covers it
    for sc in sheet_checks(FORM).values():
        for rng in sc.inputs:
            rules = sorted(
                (r for cf in wb[sc.sheet].conditional_formatting if str(cf.sqref) == rng.ref for r in cf.rules),
                key=lambda r: r.priority,
            )
            first = rng.ref.split(":")[0]
            assert len(rules) == 2, rng
            assert rules[0].formula[0].startswith(f"AND(ISTEXT({first}),(ISNUMBER(FIND(")
            assert rules[1].formula[0].startswith(f"IF(ISNUMBER({first}),")
            assert rules[0].stopIfTrue and not rules[1].stopIfTrue
    dv_fee = [dv for dv in wb["表二"].data_validations.dataValidation if "B16" in dv][0]
    assert "万元" in dv_fee.prompt


def _text_width(text: str) -> float:
    """Excel column units of a text in 宋体 11 (a CJK character is two digits wide), the test's own estimate."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def test_columns_fit_their_labels_and_each_table_prints_on_one_a4_page(wb: openpyxl.Workbook) -> None:
    """No label breaks inside a word: a group or header label fits its column(s) on one line, row labels take
    at most two lines; the long group label of 表三 runs down its column as vertical text. Every table sheet
    prints fitted on one A4 page."""
    for lay in sheet_layouts(FORM).values():
        ws = wb[lay.sheet]
        sc = sheet_checks(FORM)[lay.table]

        widths = {c: ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, sc.last_col + 1)}

        def width(col: int, span: int = 1, widths: dict = widths) -> float:
            return sum(widths[c] for c in range(col, col + span))

        for lb in lay.labels:
            cell = ws.cell(row=lb.row, column=lb.col)
            if lb.role == "group" and cell.alignment.textRotation == 255:
                assert lb.rowspan * 20 >= len(lb.text) * 14, lb  # room for a character a line
            elif lb.role in ("group", "header"):
                assert width(lb.col, lb.colspan) >= _text_width(lb.text) + 1, lb
            elif lb.role == "row":
                assert width(lb.col, lb.colspan) * 2 >= _text_width(lb.text) + 1, lb
        ps = ws.page_setup
        assert str(ps.paperSize) == ws.PAPERSIZE_A4 and ps.fitToWidth == 1 and ps.fitToHeight == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ps.orientation == ("landscape" if sc.last_col > 12 else "portrait"), lay.sheet
    t3 = wb["表三"]
    assert t3["A8"].value == "三、本年度办理结果" and t3["A8"].alignment.textRotation == 255
    assert t3["B10"].value == "（三）不予公开" and t3["B10"].alignment.textRotation in (0, None)


def test_protection_sheets_workbook_and_no_clear_password(built: dict[str, Path], wb: openpyxl.Workbook) -> None:
    hashes = set()
    for ws in wb.worksheets:
        p = ws.protection
        assert p.sheet and p.algorithmName == "SHA-512" and p.spinCount == 100_000, ws.title
        assert p.password  # the legacy hash too, for older readers
        hashes.add((p.saltValue, p.hashValue, p.spinCount))
    sec = wb.security
    assert sec.lockStructure and sec.workbookAlgorithmName == "SHA-512"
    hashes.add((sec.workbookSaltValue, sec.workbookHashValue, sec.workbookSpinCount))
    assert len(hashes) == 1  # computed once per run
    (salt, digest, spin) = hashes.pop()
    assert verify(PASSWORD, salt, digest, spin) and not verify("xltool", salt, digest, spin)
    with zipfile.ZipFile(built["unit"]) as z:
        for name in z.namelist():
            data = z.read(name)
            for enc in ("utf-8", "utf-16-le"):
                assert PASSWORD.encode(enc) not in data, name
            assert "密码-Pw7!".encode("ascii", "xmlcharrefreplace") not in data, name


def test_metadata_sheet_and_properties(wb: openpyxl.Workbook) -> None:
    rows = [(r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True)]
    meta = parse_metadata(rows)
    assert meta is not None and set(meta) <= set(META_KEYS)
    assert meta["form"] == FORM.id and meta["form_version"] == FORM.version
    assert meta["year"] == "2021" and meta["unit_code"] == UNIT.code and meta["unit_name"] == UNIT.name
    assert meta["category"] == "部门" and meta["level"] == "unit"
    assert meta["fingerprint"] == fingerprint(FORM)
    assert re.fullmatch(r"[0-9a-f]{32}", meta["template_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", meta["generated_at"])
    algo, spin, salt, digest = meta["password_hash"].split(":")
    assert algo == "SHA-512" and verify(PASSWORD, salt, digest, int(spin))
    assert json.loads(meta["prefilled"]) == sorted(k for _, k, _ in carry_pairs(FORM))
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["xltool.unit_code"] == UNIT.code and props["xltool.fingerprint"] == fingerprint(FORM)
    assert props["xltool.template_id"] == meta["template_id"]


def test_prior_prefills_carried_over_from_last_years_carried_forward(wb: openpyxl.Workbook) -> None:
    prior = load_json(next((SAMPLES / "prior").glob(f"{UNIT.code}_*.json")))
    pairs = carry_pairs(FORM)
    assert {(d.split(".")[1], s.split(".")[1]) for _, d, s in pairs} == {("carried_over", "carried_forward")}
    lay = sheet_layouts(FORM)["t3"]
    for _, dst, src in pairs:
        assert wb["表三"][lay.ref(dst)].value == prior.values[src], dst
    text = wb[COVER_SHEET][cover_cells()["prefilled"]].value
    assert "“二、上年结转政府信息公开申请数量”（D7:I7" in text and "2020年度" in text
    assert "“四、结转下年度继续办理”" in text


def test_prior_of_another_unit_is_never_used(tmp_path: Path) -> None:
    other = UnitReport(FORM.id, 2020, "另一个单位", "X-1", values={"t3.carried_forward.natural_person": 5})
    notes: list = []
    p = write_template(FORM, tmp_path, year=2021, unit_name="某单位", unit_code="X-2", prior=other, findings=notes)
    ws = openpyxl.load_workbook(p)["表三"]
    assert ws["D7"].value is None
    assert [f.rule for f in notes] == ["PREFILL-MISSING"]
    # last year's data of the wrong year, or an unusable value, is not pre-filled either
    old = UnitReport(FORM.id, 2019, "某单位", "X-2", values={"t3.carried_forward.natural_person": 5})
    notes = []
    p = write_template(
        FORM, tmp_path / "a.xlsx", year=2021, unit_name="某单位", unit_code="X-2", prior=old, findings=notes
    )
    assert openpyxl.load_workbook(p)["表三"]["D7"].value is None and [f.rule for f in notes] == ["PREFILL-YEAR"]
    bad = UnitReport(FORM.id, 2020, "某单位", "X-2", values={"t3.carried_forward.natural_person": "约5"})
    notes = []
    p = write_template(
        FORM, tmp_path / "b.xlsx", year=2021, unit_name="某单位", unit_code="X-2", prior=bad, findings=notes
    )
    ws = openpyxl.load_workbook(p)["表三"]
    assert ws["D7"].value is None and ws["E7"].value == 0
    assert [f.rule for f in notes] == ["PREFILL-UNUSABLE"] and "D7" in notes[0].message()


def test_values_prefilled_for_a_consolidated_table(tmp_path: Path) -> None:
    rep = load_json(SAMPLES / "data" / "370602-D04_烟台市芝罘区科学技术局_2021.json")
    p = write_template(
        FORM,
        tmp_path / "district.xlsx",
        year=2021,
        unit_name="烟台市芝罘区",
        values=rep.values,
        meta_extra={"level": "consolidation", "members": json.dumps([{"code": "370602-D04"}])},
        total_formulas=False,
        lock_inputs=True,
    )
    wb = openpyxl.load_workbook(p)
    lay = sheet_layouts(FORM)["t3"]
    for key in FORM.cells:
        if key.startswith("t3.") and key in rep.values:
            assert wb["表三"][lay.ref(key)].value == rep.values[key], key
            assert wb["表三"][lay.ref(key)].protection.locked
    meta = parse_metadata([(r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True)])
    assert meta["level"] == "consolidation" and json.loads(meta["members"]) == [{"code": "370602-D04"}]
    # with formulas kept, a consistent total stays a formula
    p2 = write_template(FORM, tmp_path / "d2.xlsx", year=2021, unit_name="烟台市芝罘区", values=rep.values)
    assert openpyxl.load_workbook(p2)["表三"]["J6"].value == "=SUM(D6:I6)"


def test_blank_template(built: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(built["blank"])
    cover = wb[COVER_SHEET]
    refs = cover_cells()
    for field in ("unit_name", "unit_code", "year"):
        assert cover[refs[field]].value is None and cover[refs[field]].protection.locked is False
    assert wb["表三"]["A2"].value.startswith("=\"填报单位：\"&'填报说明'!B3")
    meta = parse_metadata([(r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True)])
    assert "unit_name" not in meta and "year" not in meta and meta["fingerprint"] == fingerprint(FORM)
    p = wb["表三"].protection
    assert verify(DEFAULT_PASSWORD, p.saltValue, p.hashValue, p.spinCount)


# --------------------------------------------------------------------------- batch = fresh

_VOLATILE = [
    rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\w+>",
    rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",  # generated_at
]


def normalized_parts(path: Path) -> dict[str, bytes]:
    """Every zip member, with the template id, generation time and file dates blanked."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    wb = openpyxl.load_workbook(path)
    tid = parse_metadata([(r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True)])["template_id"]
    out = {}
    for name, data in parts.items():
        data = data.replace(tid.encode(), b"TEMPLATE-ID")
        for pat in _VOLATILE:
            data = re.sub(pat, b"VOLATILE", data)
        out[name] = data
    return out


def test_batch_templates_equal_fresh_ones_part_by_part(tmp_path: Path) -> None:
    roster = load_roster(SAMPLES / "roster.csv")
    units = [roster.by_code(c) for c in ("370602-D06", "370602-S05", "370602-D04")]
    units.append(Unit("NEW-1", "新设立的单位", ""))  # no prior data, no category: another base
    notes: list = []
    ticks: list[Path] = []
    paths = write_templates(
        FORM, units, tmp_path / "batch", year=2021, prior=[SAMPLES / "prior"], progress=ticks.append, findings=notes
    )
    assert paths == ticks and [p.name for p in paths] == [template_filename(u.code, u.name, 2021) for u in units]
    assert [f.rule for f in notes] == ["PREFILL-MISSING"]
    for u, patched in zip(units, paths, strict=True):
        fresh = write_template(
            FORM,
            tmp_path / "fresh" / patched.name,
            year=2021,
            unit_name=u.name,
            unit_code=u.code,
            category=u.category or None,
            prior=[SAMPLES / "prior"],
        )
        a, b = normalized_parts(patched), normalized_parts(fresh)
        assert list(a) == list(b)
        for name in a:
            assert a[name] == b[name], (u.code, name)
        with zipfile.ZipFile(patched) as z:
            assert z.testzip() is None
    # the units really differ where they should
    a, b = normalized_parts(paths[0]), normalized_parts(paths[1])
    assert a["xl/worksheets/sheet3.xml"] != b["xl/worksheets/sheet3.xml"]


# --------------------------------------------------------------------------- the blank template in the repo


def test_repository_blank_template_is_what_the_generator_makes(tmp_path: Path) -> None:
    """templates/gov-disclosure-2021.xlsx is current. Regenerate: xltool template --blank -o templates/"""
    repo = ROOT / "templates" / "gov-disclosure-2021.xlsx"
    fresh = write_template(FORM, tmp_path / "gov-disclosure-2021.xlsx", year=None, unit_name="")
    a, b = normalized_parts(repo), normalized_parts(fresh)

    def strip_protection(data: bytes) -> bytes:
        # salt and hash differ from run to run; the repo's own hash is verified below
        return re.sub(
            rb'(saltValue|hashValue|SaltValue|HashValue)="[^"]*"', b"", re.sub(rb"SHA-512:\d+:[^<]*", b"", data)
        )

    assert sorted(a) == sorted(b), "templates/ is out of date: run xltool template --blank -o templates/"
    for name in a:
        assert strip_protection(a[name]) == strip_protection(b[name]), (
            f"{name} differs: run xltool template --blank -o templates/"
        )
    ws = openpyxl.load_workbook(repo)["表三"]
    assert verify(DEFAULT_PASSWORD, ws.protection.saltValue, ws.protection.hashValue, ws.protection.spinCount)


# --------------------------------------------------------------------------- command line


def test_cli_template_roster_unit_blank(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name,category\nA1,甲局,部门\nB2,乙街道办事处,街道\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["template", "--roster", str(roster), "--year", "2022", "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        str(tmp_path / "o" / "A1_甲局_2022.xlsx"),
        str(tmp_path / "o" / "B2_乙街道办事处_2022.xlsx"),
    ]
    wb = openpyxl.load_workbook(tmp_path / "o" / "B2_乙街道办事处_2022.xlsx")
    assert wb[COVER_SHEET]["B3"].value == "乙街道办事处" and wb[COVER_SHEET]["B5"].value == 2022
    r = CliRunner().invoke(
        cli, ["template", "--unit", "丙局", "--code", "C3", "--year", "2022", "-o", str(tmp_path / "u")]
    )
    assert r.exit_code == 0 and (tmp_path / "u" / "C3_丙局_2022.xlsx").is_file()
    r = CliRunner().invoke(cli, ["template", "--blank", "-o", str(tmp_path / "b")])
    assert r.exit_code == 0 and (tmp_path / "b" / "gov-disclosure-2021.xlsx").is_file()
    r = CliRunner().invoke(cli, ["template", "--unit", "丙局", "-o", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--year" in r.output
    r = CliRunner().invoke(cli, ["template", "--year", "2022", "-o", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--roster" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nA1,甲局\nA1,乙局\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["template", "--roster", str(bad), "--year", "2022", "-o", str(tmp_path / "x")])
    assert r.exit_code == 3 and "重复" in r.output
