"""The template in a real second spreadsheet program: LibreOffice computes the totals, checks and status,
keeps protection, validation, merges and the hidden metadata, and prints tables that show the errors in red.

The expected check results come from the rule engine (`xltool.rules.check`) on the same data, so the
template's formulas and the validator are held to the same answers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest

from tests.lo import LibreOfficeSession, convert, render_png
from xltool.fill import fill_template, read_template_meta
from xltool.interchange import UnitReport, load_json
from xltool.layout import fingerprint, sheet_layouts
from xltool.rules import check, evaluate
from xltool.schema import load_form
from xltool.template import COVER_SHEET, DEFAULT_PASSWORD, ORANGE_FILL, RED_FILL, cover_cells, write_template
from xltool.template_checks import OK_MARK, in_year_error_equations, read_as_number_formula, sheet_checks
from xltool.template_protect import verify
from xltool.values import parse_value

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "data"
FORM = load_form("gov-disclosure-2021")
NUMERIC = {
    "valid": "370602-D04",
    "balance": "370602-D10",  # T3-BALANCE
    "results": "370602-D19",  # T3-RESULTS
    "rowtotal": "370602-D22",  # T3-TOTAL
    "t4": "370602-D07",  # T4-TOTAL
}
TEXT = {"text": "370602-S03", "slashes": "370602-S05"}  # "约10"; "/" in every input of 表四
# a valid return with text typed into inputs (totals left to the template's formulas): the cells hold what
# a clerk pasted past validation
TYPED = {
    "coerced": {"t3.unable_not_held.natural_person": "1件"},  # 表三 D18, read as 1
    "mixed": {"t3.unable_not_held.natural_person": "约1", "t2.regulation.issued": "１２"},  # an error and a hint
}


def data(code: str) -> UnitReport:
    return load_json(next(DATA.glob(f"{code}_*.json")))


def typed(name: str) -> UnitReport:
    rep = data(NUMERIC["valid"])
    values = {k: v for k, v in rep.values.items() if not FORM.cells[k].is_total}
    return dataclasses.replace(rep, values={**values, **TYPED[name]})


def cover_status(wb: openpyxl.Workbook) -> str:
    return wb[COVER_SHEET][cover_cells()["status"]].value


def helper(wb: openpyxl.Workbook, sc, ref: str):
    return wb[sc.sheet][ref].value


@pytest.fixture(scope="module")
def files(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """name -> (file as xltool wrote it, the same file opened and saved by LibreOffice); one soffice call."""
    d = tmp_path_factory.mktemp("lo")
    src: dict[str, Path] = {}
    unit = data("370602-D06")
    src["template"] = write_template(
        FORM, d / "template.xlsx", year=2021, unit_name=unit.unit_name, unit_code=unit.unit_code,
        prior=[ROOT / "samples" / "prior"],
    )  # fmt: skip
    for name, code in {**NUMERIC, **TEXT}.items():
        rep = data(code)
        tpl = write_template(FORM, d / f"tpl-{name}.xlsx", year=2021, unit_name=rep.unit_name, unit_code=rep.unit_code)
        src[name] = fill_template(tpl, rep, d / f"{name}.xlsx")
    for name in TYPED:
        rep = typed(name)
        tpl = write_template(FORM, d / f"tpl-{name}.xlsx", year=2021, unit_name=rep.unit_name, unit_code=rep.unit_code)
        src[name] = fill_template(tpl, rep, d / f"{name}.xlsx")
    out = convert(list(src.values()), "xlsx", d / "lo", soffice=soffice)
    return {name: (s, o) for (name, s), o in zip(src.items(), out, strict=True)}


def item_of(finding_key: str, rule_id: str) -> str:
    c = FORM.cells[finding_key]
    return c.column if FORM.rule_map[rule_id].for_each == "columns" else c.row


@pytest.mark.parametrize("name", list(NUMERIC))
def test_computed_totals_checks_and_status_match_the_rule_engine(files, name: str) -> None:
    rep = data(NUMERIC[name])
    wb = openpyxl.load_workbook(files[name][1], data_only=True)
    # totals: what LibreOffice computed (or the figure written over a formula) = the engine's values
    ev = evaluate(FORM, rep)
    for lay in sheet_layouts(FORM).values():
        for key in FORM.total_keys:
            if key in lay.cells:
                assert wb[lay.sheet][lay.ref(key)].value == ev.values[key], key
    # checks: the failing check cells are exactly the engine's findings of those rules, with the same difference
    live = {r.id for r in in_year_error_equations(FORM)}
    expected = {(f.rule, item_of(f.keys[0], f.rule)): f"差{abs(f.delta)}件" for f in check(FORM, rep) if f.rule in live}
    shown = {}
    for sc in sheet_checks(FORM).values():
        for c in sc.checks:
            v = wb[c.sheet][c.ref].value
            if v != OK_MARK:
                shown[(c.rule, c.item)] = v
        failing_here = sum(1 for c in sc.checks if wb[c.sheet][c.ref].value != OK_MARK)
        assert helper(wb, sc, sc.failures_ref) == failing_here and helper(wb, sc, sc.hints_ref) == 0, sc.sheet
        line = wb[sc.sheet][sc.status_ref].value
        assert line == ("✔ 本表全部通过" if not failing_here else f"{failing_here} 处未通过，请查看标红单元格")
    assert shown == expected
    status = cover_status(wb)
    assert status == ("校验通过" if not expected else f"有 {len(expected)} 处未通过，请查看标红单元格")
    if name == "valid":
        assert not expected
    if name == "balance":
        assert set(expected) == {("T3-BALANCE", "natural_person"), ("T3-BALANCE", "total")}
        assert wb["表三"]["D31"].value == "差1件" and wb["表三"]["J31"].value == "差1件"


def test_text_the_validator_cannot_read_fails_text_it_reads_as_a_number_is_a_hint(files) -> None:
    """“约10” is an error for the validator (VALUE-TYPE) and a failure here; “/” is a blank for it (VALUE-BLANK,
    read as 0) and a hint here: orange, named on the cover, not counted."""
    wb = openpyxl.load_workbook(files["text"][1], data_only=True)
    scs = sheet_checks(FORM)
    assert {sc.sheet: helper(wb, sc, sc.failures_ref) for sc in scs.values()} == {"表二": 1, "表三": 0, "表四": 0}
    assert cover_status(wb) == "有 1 处未通过，请查看标红单元格"  # 行政处罚 = "约10"
    assert sum(f.rule == "VALUE-TYPE" for f in check(FORM, data(TEXT["text"]))) == 1
    wb = openpyxl.load_workbook(files["slashes"][1], data_only=True)
    assert {sc.sheet: helper(wb, sc, sc.failures_ref) for sc in scs.values()} == {"表二": 0, "表三": 0, "表四": 0}
    assert {sc.sheet: helper(wb, sc, sc.hints_ref) for sc in scs.values()} == {"表二": 0, "表三": 0, "表四": 12}
    assert wb["表四"][scs["t4"].status_ref].value == "A6 等 12 处为文字，请改为数字"
    assert cover_status(wb) == "表四 A6 等 12 处为文字，请改为数字"
    # the 表四 checks cannot add "/" up: they say so instead of reporting a difference
    assert {wb["表四"][c.ref].value for c in scs["t4"].checks} == {"含文字"}
    rep = data(TEXT["slashes"])
    assert not [f for f in check(FORM, rep) if f.severity == "error"]


def test_a_count_typed_with_its_unit_is_a_hint_not_a_balance_failure(files) -> None:
    """表三 D18 = “1件”: SUM skips it, so 表三's totals are 1 short; the validator reads it as 1 and finds the
    return balanced (VALUE-COERCED, info). The template agrees: no failure, the checks over D18 say 含文字,
    and the cover names the cell."""
    rep = typed("coerced")
    findings = check(FORM, rep)
    assert [(f.severity, f.rule) for f in findings if f.severity != "info" or f.rule == "VALUE-COERCED"] == [
        ("info", "VALUE-COERCED")
    ]
    wb = openpyxl.load_workbook(files["coerced"][1], data_only=True)
    t3 = sheet_checks(FORM)["t3"]
    assert wb["表三"]["D29"].value == 1  # （七）总计 of 自然人 without the text cell: what SUM does
    assert cover_status(wb) == "表三 D18 为文字，请改为数字"
    assert wb["表三"][t3.status_ref].value == "D18 为文字，请改为数字"
    assert (helper(wb, t3, t3.failures_ref), helper(wb, t3, t3.hints_ref), helper(wb, t3, t3.where_ref)) == (
        0,
        1,
        "D18",
    )
    guarded = {c.ref for c in t3.checks if any("D18" in _cells(g) for g in c.guard)}
    assert guarded == {"D31", "J31", "D32", "J32", "K18", "K29"}  # 自然人 and 总计 columns, rows 18 and （七）
    for c in t3.checks:
        assert wb["表三"][c.ref].value == ("含文字" if c.ref in guarded else OK_MARK), c.ref


def test_an_unreadable_value_fails_and_a_full_width_number_is_named_too(files) -> None:
    rep = typed("mixed")
    errors = [f.rule for f in check(FORM, rep) if f.severity == "error"]
    assert errors == ["VALUE-TYPE"]  # “约1”; the rules over it cannot be checked, “１２” is read as 12
    wb = openpyxl.load_workbook(files["mixed"][1], data_only=True)
    assert cover_status(wb) == "有 1 处未通过，请查看标红单元格；表二 B5 为文字，请改为数字"
    t3 = sheet_checks(FORM)["t3"]
    assert wb["表三"][t3.status_ref].value == "1 处未通过，请查看标红单元格"
    assert not [c.ref for c in t3.checks if str(wb["表三"][c.ref].value).startswith("差")]


def _cells(rng: str) -> set[str]:
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, r1 = range_boundaries(rng)
    return {f"{openpyxl.utils.get_column_letter(c)}{r}" for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)}


STRINGS = [
    "12", "12件", "１２", "1,234", " 12 ", "12.0", "12.", "007", "0", "5万元", "12\u3000", "12\xa0", "１２件",
    "１，２３４", "+12", "3次", "4个", "2项", "1条", "6份", "9元", "1,234,567",
    "/", "／", "无", "没有", "空", "—", "——", "-", "–", "\\", "、", " ", "　",
    "12.5", "3.5件", ".5", "约10", "10余", "十二", "-3", "12-15", "1/2", "1e3", "12%", "$5", "¥5", "(5)", ".",
    "abc", "1+2", "12+", "1 2 3件", "TRUE", "12 件 ", "5 万元", "1.2.3", "--5", "0x1F", "5000元", "1,500元",
    "0.5万元", "--", "- -", "-  -", "－－", "— —",
]  # fmt: skip
KNOWN = {"1,2": "a comma anywhere is dropped; the validator wants groups of three"}


def test_the_template_reads_text_as_the_validator_does(soffice: str, tmp_path: Path) -> None:
    """`read_as_number_formula`, computed by LibreOffice, against `parse_value` for every sample string, as
    a count (integer) and as an amount (decimal)."""
    strings = [*STRINGS, *KNOWN]
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, text in enumerate(strings, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.data_type = "s"
        ws.cell(row=i, column=2, value=f"={read_as_number_formula(f'A{i}', 'integer', False)}*1")
        ws.cell(row=i, column=3, value=f"={read_as_number_formula(f'A{i}', 'decimal', False)}*1")
    n = len(strings)
    ws["D1"] = f"=SUMPRODUCT(ISTEXT(A1:A{n})*{read_as_number_formula(f'A1:A{n}', 'integer', False)})"
    src = tmp_path / "strings.xlsx"
    wb.save(src)
    out = openpyxl.load_workbook(convert([src], "xlsx", tmp_path / "lo", soffice=soffice)[0], data_only=True).active
    wrong = []
    for i, text in enumerate(strings, start=1):
        for col, ctype in ((2, "integer"), (3, "decimal")):
            expected = int(parse_value(text, ctype).status in ("ok", "coerced", "blank"))
            if out.cell(row=i, column=col).value != expected and text not in KNOWN:
                wrong.append((text, ctype, out.cell(row=i, column=col).value, parse_value(text, ctype).status))
    assert wrong == []
    # summed over a range inside SUMPRODUCT (no array formula): the same answers
    assert out["D1"].value == sum(out.cell(row=i, column=2).value for i in range(1, n + 1))
    assert out.cell(row=strings.index("1,2") + 1, column=2).value == 1  # the known difference, still as documented


def _unlocked(ws, last_row: int, last_col: int) -> set[str]:
    return {
        c.coordinate
        for row in ws.iter_rows(min_row=1, max_row=last_row, max_col=last_col)
        for c in row
        if c.protection.locked is False
    }


def test_structure_survives_the_libreoffice_round_trip(files) -> None:
    before = openpyxl.load_workbook(files["template"][0])
    after = openpyxl.load_workbook(files["template"][1])
    assert after.sheetnames == before.sheetnames
    # the metadata: still there, still not visible (veryHidden comes back as hidden), properties kept
    assert after["_xltool"].sheet_state in ("hidden", "veryHidden")
    meta = read_template_meta(after)
    assert meta == read_template_meta(before) and meta["fingerprint"] == fingerprint(FORM)
    props = {p.name: p.value for p in after.custom_doc_props}
    assert props["xltool.template_id"] == meta["template_id"] and props["xltool.unit_code"] == "370602-D06"
    for name in after.sheetnames:
        a, b = after[name], before[name]
        assert a.protection.sheet, name
        assert a.protection.algorithmName == "SHA-512" and a.protection.hashValue == b.protection.hashValue, name
        assert {str(r) for r in a.merged_cells.ranges} == {str(r) for r in b.merged_cells.ranges}, name
    p = after["表三"].protection
    assert verify(DEFAULT_PASSWORD, p.saltValue, p.hashValue, p.spinCount)
    for lay in sheet_layouts(FORM).values():
        sc = sheet_checks(FORM)[lay.table]
        a, b = after[lay.sheet], before[lay.sheet]
        assert _unlocked(a, sc.last_row + 2, sc.last_col + 2) == _unlocked(b, sc.last_row + 2, sc.last_col + 2)
        for lb in lay.labels:  # official labels, character for character
            assert a.cell(row=lb.row, column=lb.col).value == lb.text, lb
        for key, pos in lay.cells.items():
            dvs = [dv for dv in a.data_validations.dataValidation if pos.ref in dv]
            if FORM.cells[key].is_total:
                assert not dvs and str(a[pos.ref].value).upper().startswith("=SUM("), key
            else:
                assert len(dvs) == 1 and dvs[0].type in ("whole", "decimal") and dvs[0].prompt, key
                assert dvs[0].error and dvs[0].showErrorMessage, key
        assert len(a.conditional_formatting) >= len(sc.checks) + len(sc.inputs)
    cover_unlocked = _unlocked(after[COVER_SHEET], 40, 4)
    assert cover_unlocked == {cover_cells()[k] for k in ("contact", "phone", "date", "explanation")}
    assert after["表三"]["D7"].value == before["表三"]["D7"].value  # pre-filled 上年结转


def test_a_prefilled_template_opens_not_started(files) -> None:
    """上年结转 pre-filled, nothing typed yet: T3-BALANCE would fail, but nothing is counted before filling
    begins; the cover reads 尚未填写, not “有 2 处未通过”."""
    wb = openpyxl.load_workbook(files["template"][1], data_only=True)
    assert wb["表三"]["D7"].value == 1 and wb["表三"]["J6"].value == 0  # last year's 1 carried over, nothing new
    assert cover_status(wb) == "尚未填写"
    t3 = sheet_checks(FORM)["t3"]
    assert wb["表三"][t3.status_ref].value == "尚未填写"
    shown = {c.ref: wb["表三"][c.ref].value for c in t3.checks}
    assert shown["D31"] == shown["J31"] == "待填写" and set(shown.values()) == {OK_MARK, "待填写"}
    for sc in sheet_checks(FORM).values():
        assert helper(wb, sc, sc.failures_ref) == 0 and helper(wb, sc, sc.hints_ref) == 0


def test_checks_react_live_as_a_clerk_types(lo_session: LibreOfficeSession, files) -> None:
    """Filled over UNO and recalculated, as in a spreadsheet program: the reason appears, then goes away."""
    lo_session.load(files["template"][0])
    cover = cover_cells()["status"]
    lo_session.calculate_all()
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "尚未填写"
    assert lo_session.get_cell_value("表三", "D31") == "待填写"
    lo_session.set_cells("表二", {"B5": 0})  # filling has begun (on another sheet): the imbalance counts now
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "D31") == "差1件"
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "有 2 处未通过，请查看标红单元格"
    lo_session.set_cells("表三", {"D6": 5, "D7": 0, "D8": 3, "D30": 1})
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "D31") == "差1件"
    assert lo_session.get_cell_value("表三", "J31") == "差1件"
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "有 2 处未通过，请查看标红单元格"
    lo_session.set_cells("表三", {"D30": 2})
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "D31") == OK_MARK
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "校验通过"
    lo_session.type_cells("表三", {"E9": "3件", "E6": "3"})  # text typed past validation (as a paste would)
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "E31") == "含文字"  # not 差3件: SUM skipped the text
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "表三 E9 为文字，请改为数字"
    lo_session.type_cells("表三", {"E9": "3"})
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "E31") == OK_MARK
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "校验通过"
    lo_session.type_cells("表三", {"E9": "约3"})
    lo_session.calculate_all()
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "有 1 处未通过，请查看标红单元格"
    lo_session.close_document()


def _bands(png: Path, colour: tuple[int, int, int], tolerance: int = 14) -> list[int]:
    """Pixels of a conditional format's fill (allowing for anti-aliasing) per horizontal band.

    A band is a run of pixel rows with that colour in them; the black grid line between table rows ends a
    band, so each coloured table row is one band.
    """
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(png).convert("RGB")).astype(int)
    near = np.ones(a.shape[:2], dtype=bool)
    for i, c in enumerate(colour):
        near &= np.abs(a[..., i] - c) <= tolerance
    per_row = near.sum(axis=1)
    bands, run = [], 0
    for n in per_row:
        if n > 5:
            run += int(n)
        elif run:
            bands.append(run)
            run = 0
    return bands + ([run] if run else [])


def _red_bands(png: Path) -> list[int]:
    return _bands(png, tuple(int(RED_FILL[i : i + 2], 16) for i in (0, 2, 4)))  # type: ignore[arg-type]


def _orange_bands(png: Path) -> list[int]:
    return _bands(png, tuple(int(ORANGE_FILL[i : i + 2], 16) for i in (0, 2, 4)))  # type: ignore[arg-type]


def test_renders_like_the_official_tables_with_errors_in_red(pdftoppm: str, files, tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    bad = render_png(files["balance"][0], tmp_path / "bad", dpi=60)
    good = render_png(files["valid"][0], tmp_path / "good", dpi=60)
    text = render_png(files["text"][0], tmp_path / "text", dpi=60)
    assert len(bad) == len(good) == 4  # cover, 表二, 表三 and 表四 each on one page
    # 表三: rows 一、二 and （七）、四 of the unbalanced columns, the 勾稽关系校验 row, the status line
    assert len(_red_bands(bad[2])) == 6
    assert _red_bands(good[2]) == [] and _red_bands(good[0]) == []
    assert len(_red_bands(bad[0])) == 1  # the cover's status line
    # 表二: the cell holding "约10" (text pasted past validation) and the status line
    assert len(_red_bands(text[1])) == 2
    # “1件” in 表三 D18: orange, never red: the cell, the 含文字 checks (row 18, （七）总计, the two check rows)
    # and the status line; on the cover the status line
    hint = render_png(files["coerced"][0], tmp_path / "hint", dpi=60)
    assert [_red_bands(p) for p in hint] == [[], [], [], []]
    assert len(_orange_bands(hint[2])) == 5 and len(_orange_bands(hint[0])) == 1
    assert [_orange_bands(p) for p in (hint[1], hint[3], good[2])] == [[], [], []]
