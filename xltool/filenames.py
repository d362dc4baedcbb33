"""The file names xltool gives a unit's workbook (`<code>_<unit name>_<year>.xlsx`), in one place: the template
writer names files so, and the reader must recognise a name it wrote itself as the unit's own.

Characters Windows or Linux refuse in a file name (/ : * ? " < > | \\ and control characters) become "_", and a
long name is shortened to stay within the file system's 255 bytes; Chinese is kept as it is.
"""

from __future__ import annotations

import re
import unicodedata

_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
CODE_BYTES = 60
NAME_BYTES = 150
"""The most bytes of UTF-8 the code and the name take in a file name (the whole stays within 240)."""


def safe_part(part: str, limit: int) -> str:
    """`part` as it can stand in a file name: illegal characters as "_", at most `limit` bytes."""
    s = _ILLEGAL.sub("_", unicodedata.normalize("NFC", part)).strip().strip(".")
    while len(s.encode("utf-8")) > limit:
        s = s[:-1]
    return s or "_"


def unit_filename(unit_code: str | None, unit_name: str, year: int | None, suffix: str = ".xlsx") -> str:
    """`<code>_<unit name>_<year><suffix>`, each part made safe (`safe_part`)."""
    parts = []
    if unit_code:
        parts.append(safe_part(unit_code, CODE_BYTES))
    parts.append(safe_part(unit_name, NAME_BYTES))
    if year is not None:
        parts.append(str(year))
    return "_".join(parts) + suffix


def as_in_filename(value: str, limit: int) -> tuple[str, ...]:
    """The ways `value` may stand in a file name xltool wrote: as it is, and made safe (`safe_part`)."""
    return (value, safe_part(value, limit))
