"""The file names xltool gives a unit's workbook (`<code>_<unit name>_<year>.xlsx`), in one place: the template
writer names files so, and the reader must recognise a name it wrote itself as the unit's own.

Characters Windows or Linux refuse in a file name (/ : * ? " < > | \\ and control characters) become "_", and a
long name is shortened to stay within the file system's 255 bytes; Chinese is kept as it is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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


# --------------------------------------------------------------------------- garbled (mojibake) file names
#
# A Chinese file name sent by a mail program that read its GBK bytes as Latin-1 / Windows-1252 arrives as
# "²ÆÕþ¾Ö2021Äê±¨.xlsx" (财政局2021年报.xlsx); a zip made on a Chinese Windows and unpacked elsewhere gives
# cp437 text ("▓╞╒■╛╓"). The bytes are all there: read back with the code page they were garbled with and
# decoded as GBK (or UTF-8), the name returns. Only a name that comes back as Chinese is taken: every other
# character must come back as it was (ASCII letters, digits, "_", "."), so "Müller.xlsx" or "café.xlsx" stay.

_GARBLED_BY = ("latin-1/cp1252", "cp437")
_DECODED_AS = ("utf-8", "gbk", "gb18030")
"""Tried in this order: bytes that are valid UTF-8 are read as UTF-8 only."""


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def _chinese_text_char(ch: str) -> bool:
    """A character a Chinese file name may hold besides ASCII: ideographs, CJK and full-width punctuation,
    general punctuation (—“”…·), circled and Roman numerals."""
    o = ord(ch)
    return (
        _is_cjk(ch)
        or 0x3000 <= o <= 0x303F  # 、。《》【】〔〕
        or 0xFF01 <= o <= 0xFF5E  # （）：，１２ …
        or 0x2010 <= o <= 0x2027  # – — ‘ ’ “ ” …
        or o == 0x00B7
        or 0x2160 <= o <= 0x217F  # Ⅰ Ⅱ
        or 0x2460 <= o <= 0x24FF  # ① ②
    )


def _raw_bytes(name: str, garbled_by: str) -> bytes | None:
    """The bytes `name` was shown from, had a program decoded them with `garbled_by`; None when it could not."""
    if garbled_by == "cp437":
        try:
            return name.encode("cp437")
        except UnicodeEncodeError:
            return None
    out = bytearray()
    for ch in name:  # Latin-1 for every byte, Windows-1252's own letters (€ ‚ ƒ „ … Š Œ Ž ‘ ’ “ ” • – —) too
        if ord(ch) < 0x100:
            out.append(ord(ch))
            continue
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def repaired_name(name: str) -> str | None:
    """The Chinese file name a garbled one stands for (`²ÆÕþ¾Ö2021Äê±¨.xlsx` -> `财政局2021年报.xlsx`), or None
    when `name` is not such a name (plain ASCII, Chinese already, or nothing Chinese comes back).

    Taken only when the bytes decode strictly (no replacement character), give at least one Chinese character,
    nothing but Chinese text besides ASCII, and every ASCII character of `name` back in its place (a garbled GBK
    character never swallows one of them: that keeps names such as "Müller.xlsx" as they are).
    """
    if not name or name.isascii():
        return None
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in name):
        return _from_undecoded(name)
    if any(_is_cjk(ch) for ch in name):
        return None
    ascii_part = [ch for ch in name if ch.isascii()]
    for garbled_by in _GARBLED_BY:
        raw = _raw_bytes(name, garbled_by)
        if raw is None:
            continue
        for codec in _DECODED_AS:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if (
                any(_is_cjk(ch) for ch in text)
                and all(ch.isascii() or _chinese_text_char(ch) for ch in text)
                and [ch for ch in text if ch.isascii()] == ascii_part
            ):
                return unicodedata.normalize("NFC", text)
            if codec == "utf-8":
                break  # valid UTF-8 that is not Chinese ("Ã¼ber" is "über"): these bytes were never GBK
    return None


def _from_undecoded(name: str) -> str | None:
    """A name whose bytes were not UTF-8 (a zip made on Windows unpacked on Linux): Python keeps each such
    byte as a lone surrogate; read as GBK (GB18030) they are the Chinese name, when they decode strictly."""
    raw = name.encode("utf-8", "surrogateescape")
    for codec in ("gb18030", "big5"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(_is_cjk(ch) for ch in text):
            return unicodedata.normalize("NFC", text)
    return None


_SURROGATE = re.compile("[\udc80-\udcff]")


def printable(text: str) -> str:
    """`text` (a path, a message naming one) safe to write as UTF-8 — into a workbook, JSON, a terminal: each
    part of a path whose bytes were not UTF-8 read as the Chinese name it stands for (`display_name`), and any
    byte that stays undecodable shown as �. Unchanged for every normal text."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    parts = re.split(r"([/\\])", text)
    fixed = "".join(display_name(x) if _SURROGATE.search(x) else x for x in parts)
    return _SURROGATE.sub("\ufffd", fixed)


def printable_tree(data: Any) -> Any:
    """`data` (what becomes JSON) with every string made `printable`."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {printable_tree(k): printable_tree(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [printable_tree(v) for v in data]
    return data


def printable_workbook(wb: Any) -> None:
    """Every text cell of an openpyxl workbook made `printable` (a file name not in UTF-8 would stop the save)."""
    for ws in wb.worksheets:
        for cell in getattr(ws, "_cells", {}).values():
            v = cell._value
            if isinstance(v, str) and not v.isascii() and _SURROGATE.search(v) is not None:
                cell._value = printable(v)


def display_name(name: str) -> str:
    """A file name as the clerk should see it and as units are looked for in it: repaired when garbled
    (`repaired_name`), else as it is. The file keeps its real name on disk and in the campaign's store."""
    return repaired_name(name) or name


def shown_name(name: str, lang: str = "zh") -> str:
    """`display_name`, then the real name when that differs:
    `财政局2021年报.xlsx（原文件名：²ÆÕþ¾Ö2021Äê±¨.xlsx）`."""
    fixed = repaired_name(name)
    if fixed is None:
        return name
    raw = _SURROGATE.sub("?", name)  # bytes that are no UTF-8 cannot be shown as they are
    return f"{fixed}（原文件名：{raw}）" if lang == "zh" else f"{fixed} (file name as received: {raw})"
