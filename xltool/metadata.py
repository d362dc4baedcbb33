"""The template's identity card: a hidden sheet and custom document properties with the same facts.

Written by the template writer, read by the reader. LibreOffice turns a veryHidden sheet into a
merely hidden one and drops workbook protection (shared/notes), so the reader accepts both and
trusts none of it without checking the structure itself.
"""

from __future__ import annotations

from typing import Any

META_SHEET = "_xltool"
"""Name of the hidden metadata sheet: column A keys, column B values, from row 1."""

META_KEYS = (
    "magic",  # always "xltool-template"
    "form",  # gov-disclosure-2021
    "form_version",  # 2021.1
    "year",  # reporting year (int)
    "unit_code",
    "unit_name",
    "category",
    "template_id",  # uuid4 hex of this issued copy
    "tool_version",
    "generated_at",  # ISO 8601 with timezone
    "fingerprint",  # xltool.layout.fingerprint(form)
    "level",  # "unit" or "consolidation"
    "members",  # consolidation: JSON list of {code, name, sha256}
    "coverage",  # consolidation: JSON {expected, counted, missing, …} (xltool.consolidate.summary_coverage)
    "prefilled",  # JSON list of cell keys pre-filled from last year's data
    "password_hash",  # SHA-512 of the sheet password (never the password)
)
MAGIC = "xltool-template"


def write_metadata(wb: Any, meta: dict[str, Any]) -> None:
    """Add the veryHidden metadata sheet and the custom document properties to an openpyxl workbook."""
    from openpyxl.packaging.custom import StringProperty

    ws = wb.create_sheet(META_SHEET)
    row = 1
    for key in META_KEYS:
        if key == "magic":
            value: Any = MAGIC
        elif key in meta:
            value = meta[key]
        else:
            continue
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value="" if value is None else str(value))
        row += 1
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    for key in ("form", "form_version", "year", "unit_code", "unit_name", "template_id", "fingerprint", "level"):
        if meta.get(key) is not None:
            wb.custom_doc_props.append(StringProperty(name=f"xltool.{key}", value=str(meta[key])))


def parse_metadata(pairs: list[tuple[Any, Any]]) -> dict[str, str] | None:
    """Key/value rows of the metadata sheet -> dict, or None if it is not ours."""
    meta = {str(k).strip(): ("" if v is None else str(v)) for k, v in pairs if k not in (None, "")}
    if meta.get("magic") != MAGIC:
        return None
    return {k: v for k, v in meta.items() if k in META_KEYS}


def read_metadata(path: Any) -> dict[str, str] | None:
    """The metadata sheet of a workbook on disk (None: none of ours, or it cannot be read).

    For what the reader does not carry into a report (a summary's `coverage`): one sheet read in openpyxl's
    read-only mode, after the reader has read (and safezip checked) the same file.
    """
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any reason a second read fails: nothing recorded
        return None
    try:
        if META_SHEET not in wb.sheetnames:
            return None
        rows = wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
        return parse_metadata([(r[0], r[1] if len(r) > 1 else None) for r in rows])
    except Exception:  # noqa: BLE001
        return None
    finally:
        wb.close()
