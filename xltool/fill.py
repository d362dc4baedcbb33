"""Write one unit's interchange data into a template made by xltool (migration, demos, tests).

The values land exactly as the data hold them (`xltool.template.write_values`): what a clerk would have typed,
including text and blanks, so that reading the filled workbook back gives the same figures. A template of
another form, year or unit is refused with a message that says which template to use.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from xltool.errors import UsageError
from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport

__all__ = ["fill_template", "read_template_meta"]


def read_template_meta(wb: Any) -> dict[str, str] | None:
    """The metadata of an openpyxl workbook made by xltool (its `_xltool` sheet), or None if it has none."""
    from xltool.metadata import META_SHEET, parse_metadata

    if META_SHEET not in wb.sheetnames:
        return None
    ws = wb[META_SHEET]
    return parse_metadata([(r[0], r[1]) for r in ws.iter_rows(min_col=1, max_col=2, values_only=True)])


def _update_metadata(wb: Any, updates: dict[str, Any]) -> None:
    """Rewrite the metadata sheet and the custom properties with `updates` merged in."""
    from openpyxl.packaging.custom import StringProperty

    from xltool.metadata import MAGIC, META_KEYS, META_SHEET

    ws = wb[META_SHEET]
    pairs = {str(r[0]): r[1] for r in ws.iter_rows(min_col=1, max_col=2, values_only=True) if r[0]}
    pairs.update({k: v for k, v in updates.items() if v not in (None, "")})
    ws.delete_rows(1, ws.max_row)
    row = 1
    for key in META_KEYS:
        value = MAGIC if key == "magic" else pairs.get(key)
        if value in (None, ""):
            continue
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=str(value))
        row += 1
    props = wb.custom_doc_props
    for key, value in updates.items():
        if value in (None, ""):
            continue
        name = f"xltool.{key}"
        if name in props.names:
            del props[name]
        props.append(StringProperty(name=name, value=str(value)))


def _same_name(a: str, b: str) -> bool:
    from xltool.roster import normalize_name

    return normalize_name(a) == normalize_name(b)


def fill_template(
    template_path: str | Path,
    report: UnitReport,
    out_path: str | Path,
    *,
    findings: list[Finding] | None = None,
) -> Path:
    """Write `report`'s values into a copy of an xltool template and save it as `out_path`.

    A blank template (`xltool template --blank`) takes the report's unit and year; a unit's template must be
    for the report's unit and year. Totals stay formulas unless the data's total disagrees with its parts
    (then the data's figure is written over the formula, as in a returned file where someone typed over it).
    The unit's explanations (说明) go into the cover's 情况说明 cell.

    Raises:
        UsageError: the template is not an xltool template, or is for another form, year or unit.
    """
    from openpyxl import load_workbook

    from xltool.layout import fingerprint, sheet_layouts
    from xltool.schema import load_form
    from xltool.template import COVER_SHEET, cover_cells, write_identity, write_values

    src = Path(template_path)
    try:
        wb = load_workbook(src)
    except Exception as e:  # the OS's or openpyxl's English text says nothing a clerk can act on
        from xltool.errtext import os_error_text

        if isinstance(e, OSError):
            why = os_error_text(e, path="", writing=False)
        else:  # not a zip (an .xls, a renamed file), a damaged package, a part openpyxl cannot parse
            why = "不是 .xlsx 格式的 Excel 工作簿，或文件已损坏。请使用 xltool template 生成的模板"
        raise UsageError(f"模板 {src.name} 无法打开：{why}。") from e
    meta = read_template_meta(wb)
    if meta is None:
        raise UsageError(
            f"{src.name} 不是 xltool 生成的模板（没有模板标识），无法填入数据。请用 xltool template 生成模板。"
        )
    form_id = meta.get("form", "")
    if report.form != form_id:
        raise UsageError(
            f"数据是“{report.form}”格式，模板 {src.name} 是“{form_id}”格式，不能填入。"
            f"请使用 xltool template --form {report.form} 生成的模板。"
        )
    form = load_form(form_id)
    if meta.get("fingerprint") != fingerprint(form):
        raise UsageError(
            f"模板 {src.name} 的表格结构与“{form_id}”格式不一致（可能被修改过或版本过旧），请重新生成模板。"
        )
    t_year = meta.get("year", "")
    if t_year and report.year is not None and str(report.year) != t_year:
        raise UsageError(
            f"数据是 {report.year} 年度的，模板 {src.name} 是 {t_year} 年度的，不能填入。"
            f"请使用 {report.year} 年度的模板（xltool template --year {report.year}）。"
        )
    t_name, t_code = meta.get("unit_name", ""), meta.get("unit_code", "")
    if t_name:
        other_name = report.unit_name and not _same_name(report.unit_name, t_name)
        other_code = report.unit_code and t_code and not _same_name(report.unit_code, t_code)
        if other_name or other_code:
            raise UsageError(
                f"数据是“{report.unit_name}”的，模板 {src.name} 是“{t_name}”的，不能填入。"
                "请使用该单位自己的模板或空白模板。"
            )
    else:
        year = report.year if report.year is not None else (int(t_year) if t_year else None)
        write_identity(wb, form, year=year, unit_name=report.unit_name, unit_code=report.unit_code, lang="zh")
        # a filled blank template is a new copy for this unit: it gets its own template id
        _update_metadata(
            wb,
            {
                "year": year,
                "unit_name": report.unit_name,
                "unit_code": report.unit_code,
                "template_id": uuid.uuid4().hex,
            },
        )
    sheets = {lay.sheet: wb[lay.sheet] for lay in sheet_layouts(form).values()}
    overwritten = write_values(sheets, form, report.values)
    if report.explanations:
        text = "\n".join(f"【{rule}】{why}" for rule, why in report.explanations.items())
        wb[COVER_SHEET][cover_cells()["explanation"]].value = text
    if findings is not None:
        for key in overwritten:
            findings.append(
                tool_finding("FILL-TOTAL-VALUE", unit=report.unit_name, label=form.label(key), value=report.values[key])
            )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    wb.save(tmp)
    tmp.replace(out)
    return out
