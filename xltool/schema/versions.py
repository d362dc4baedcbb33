"""How the shipped forms relate to one another, derived from their declarations alone.

The 2019 form's 表三 has one row （六）其他处理; the 2021 form has a group of that label over three rows
(1., 2., 3.). A 2021 report printed in the 2019 layout has that one row where the form has three: the workbook
reader and the importer of published reports read it as the group's total. Nothing here names a label or a row:
a row of an earlier shipped form whose label is, character for character, a group heading of a later form is
such a split row.

Example::

    [s.label for s in split_rows(load_form("gov-disclosure-2021"), "t3")]   # ['（六）其他处理']
    split_rows(load_form("gov-disclosure-2019"), "t3")                       # ()
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xltool.schema.model import Form


@dataclass(frozen=True)
class SplitRow:
    """A row of an earlier form that this form splits into the rows under a group heading of the same label."""

    table: str
    """This form's table id (the earlier form's table of the same id)."""
    label: str
    """The official label: the earlier form's row label and this form's group heading."""
    rows: tuple[str, ...]
    """Ids of this form's rows under that heading, in the form's order (the last is the catch-all, 3.其他)."""
    earlier_form: str
    earlier_row: str
    """The earlier form's id and the id of its single row."""


@cache
def split_rows(form: Form, table_id: str) -> tuple[SplitRow, ...]:
    """The rows of earlier shipped forms (smaller `first_year`) that `form` splits in table `table_id`.

    Empty for the earliest form, for a table no earlier form has, and for a form whose groups are all groups
    in the earlier forms too.
    """
    from xltool.schema.load import available_forms, load_form

    table = form.table_map.get(table_id)
    if table is None:
        return ()
    own_labels = {r.label for r in table.rows}
    out: list[SplitRow] = []
    seen: set[str] = set()
    for fid in available_forms():
        if fid == form.id:
            continue
        earlier = load_form(fid)
        if earlier.first_year >= form.first_year or table_id not in earlier.table_map:
            continue
        for row in earlier.table(table_id).rows:
            if row.label in seen or row.label in own_labels:
                continue
            under = tuple(r.id for r in table.rows if row.label in r.groups)
            if under:
                seen.add(row.label)
                out.append(SplitRow(table_id, row.label, under, earlier.id, row.id))
    return tuple(out)
