"""The template in a real second spreadsheet program: LibreOffice computes the totals, checks and status,
keeps protection, validation, merges and the hidden metadata, and prints tables that show the errors in red.

The expected check results come from the rule engine (`xltool.rules.check`) on the same data, so the
template's formulas and the validator are held to the same answers.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.lo import LibreOfficeSession, convert, render_png
from xltool.fill import fill_template, read_template_meta
from xltool.interchange import UnitReport, load_json
from xltool.layout import fingerprint, sheet_layouts
from xltool.rules import check, evaluate
from xltool.schema import load_form
from xltool.template import COVER_SHEET, DEFAULT_PASSWORD, cover_cells, write_template
from xltool.template_checks import OK_MARK, in_year_error_equations, sheet_checks
from xltool.template_protect import verify

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


def data(code: str) -> UnitReport:
    return load_json(next(DATA.glob(f"{code}_*.json")))


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
        assert wb[sc.sheet][sc.status_ref].value == failing_here, sc.sheet
    assert shown == expected
    status = wb[COVER_SHEET][cover_cells()["status"]].value
    assert status == ("校验通过" if not expected else f"有 {len(expected)} 处未通过，请查看标红单元格")
    if name == "valid":
        assert not expected
    if name == "balance":
        assert set(expected) == {("T3-BALANCE", "natural_person"), ("T3-BALANCE", "total")}
        assert wb["表三"]["D31"].value == "差1件" and wb["表三"]["J31"].value == "差1件"


def test_text_in_inputs_is_counted_on_the_sheet_and_the_cover(files) -> None:
    wb = openpyxl.load_workbook(files["text"][1], data_only=True)
    statuses = {sc.sheet: wb[sc.sheet][sc.status_ref].value for sc in sheet_checks(FORM).values()}
    assert statuses == {"表二": 1, "表三": 0, "表四": 0}  # 行政处罚 = "约10"
    assert wb[COVER_SHEET][cover_cells()["status"]].value == "有 1 处未通过，请查看标红单元格"
    wb = openpyxl.load_workbook(files["slashes"][1], data_only=True)
    statuses = {sc.sheet: wb[sc.sheet][sc.status_ref].value for sc in sheet_checks(FORM).values()}
    assert statuses == {"表二": 0, "表三": 0, "表四": 12}  # blanks are fine, "/" is not a number
    assert wb[COVER_SHEET][cover_cells()["status"]].value == "有 12 处未通过，请查看标红单元格"


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


def test_checks_react_live_as_a_clerk_types(lo_session: LibreOfficeSession, files) -> None:
    """Filled over UNO and recalculated, as in a spreadsheet program: the reason appears, then goes away."""
    lo_session.load(files["template"][0])
    cover = cover_cells()["status"]
    lo_session.set_cells("表三", {"D6": 5, "D7": 0, "D8": 3, "D30": 1})
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "D31") == "差1件"
    assert lo_session.get_cell_value("表三", "J31") == "差1件"
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "有 2 处未通过，请查看标红单元格"
    lo_session.set_cells("表三", {"D30": 2})
    lo_session.calculate_all()
    assert lo_session.get_cell_value("表三", "D31") == OK_MARK
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "校验通过"
    lo_session.type_cells("表三", {"E9": "3件"})  # text typed past validation (as a paste would)
    lo_session.calculate_all()
    assert lo_session.get_cell_value(COVER_SHEET, cover) == "有 1 处未通过，请查看标红单元格"
    lo_session.close_document()


def _red_bands(png: Path) -> list[int]:
    """Red pixels (the conditional format's fill FFC7CE, allowing for anti-aliasing) per horizontal band.

    A band is a run of pixel rows with red in them; the black grid line between table rows ends a band,
    so each red table row is one band.
    """
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(png).convert("RGB")).astype(int)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    per_row = ((r > 240) & (g >= 185) & (g <= 210) & (b >= 195) & (b <= 218)).sum(axis=1)
    bands, run = [], 0
    for n in per_row:
        if n > 5:
            run += int(n)
        elif run:
            bands.append(run)
            run = 0
    return bands + ([run] if run else [])


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
