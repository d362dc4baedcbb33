"""What a raw cell value means: a number, a blank, a number written oddly, or nothing we can trust.

Used alike for interchange JSON strings, workbook cells and imported report text, so that "１２",
"12件" and "1,234" mean the same wherever they come from. Values are never rewritten in the data;
this module only says how they are read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

BLANK_MARKS = {"/", "／", "—", "——", "－", "-", "–", "无", "没有", "空", "\\", "、"} | {
    # a dash doubled for "none" ("--", "－－"), also with a space between ("- -"): the template's live checks
    # (template_checks) drop every space before looking a text up here, parse_value only the outer ones
    "--", "- -", "－－", "－ －", "— —", "––", "– –",
}  # fmt: skip
UNITS = ("件", "个", "项", "万元", "元", "次", "条", "份")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a plain number, a number with thousands separators): compiled when a value is text, not at import."""
    return re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"), re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class Parsed:
    """How one raw value is read: its status, the number to use, and (when not plain) why and what to do."""

    status: str
    """`ok` (a plain number), `blank` (counts as 0, reported), `coerced` (read with a note), `invalid`."""
    value: int | Decimal | None
    """The number to use: int for counts, Decimal for amounts; 0 for blanks; None when invalid."""
    note: str = ""
    """Why it is coerced or invalid, in Chinese: 文本型数字, 全角数字, 带单位, 千分位, 小数形式, 首尾空格."""
    suggestion: str = ""
    """For invalid values: what the clerk should do, in Chinese."""
    note_en: str = ""
    suggestion_en: str = ""


def _number_of(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None
        # repr() gives the shortest string that round-trips: 24252.311082 stays 24252.311082
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    return None


def _finish(
    num: Decimal, ctype: str, notes: list[str], notes_en: list[str], shown: str, signed: bool = False
) -> Parsed:
    if num < 0 and not signed:
        return Parsed(
            "invalid",
            None,
            "负数",
            "数值不能为负数，请核对后填写 0 或正整数。",
            "negative",
            "Values cannot be negative; check and type 0 or a positive number.",
        )
    if ctype == "integer":
        if num != num.to_integral_value():
            return Parsed(
                "invalid",
                None,
                "不是整数",
                f"件数应为整数，请核对 {shown} 应填几件。",
                "not a whole number",
                f"Counts are whole numbers; check what {shown} should be.",
            )
        value: int | Decimal = int(num)
        if "." in str(num) or (isinstance(num, Decimal) and num.as_tuple().exponent < 0):
            notes.append("小数形式")
            notes_en.append("decimal form")
    else:
        value = num
    if notes:
        return Parsed("coerced", value, "、".join(notes), note_en="; ".join(notes_en))
    return Parsed("ok", value)


_OK_INTS: dict[int, Parsed] = {}


def _ok_int(n: int) -> Parsed:
    p = _OK_INTS.get(n)
    if p is None:
        p = Parsed("ok", n)
        if len(_OK_INTS) < 100_000:
            _OK_INTS[n] = p
    return p


def parse_value(raw: object, ctype: str = "integer", signed: bool = False) -> Parsed:
    """Read one raw value of a cell of type `integer` or `decimal`.

    Args:
        raw: what the file holds: None, a number, or a string exactly as found.
        ctype: the cell's declared type.
        signed: the column allows negative values (the 2019 form's 本年增/减).

    Returns:
        A Parsed; `blank` values carry 0 so that rules can use them.
    """
    # the common case first: a plain count as a workbook or JSON gives it (int, or a whole float)
    kind = type(raw)
    if ctype == "integer" and (kind is int or (kind is float and raw.is_integer())) and (raw >= 0 or signed):  # type: ignore[union-attr,operator]
        return _ok_int(int(raw))  # type: ignore[arg-type]
    zero: int | Decimal = 0 if ctype == "integer" else Decimal(0)
    if raw is None:
        return Parsed("blank", zero, "空白", note_en="blank")
    num = _number_of(raw)
    if num is not None:
        if isinstance(raw, float) and ctype == "integer" and raw.is_integer():
            # a float that is a whole number is how calamine and LibreOffice give counts: not worth a note
            return _finish(Decimal(int(raw)), ctype, [], [], repr(raw), signed)
        return _finish(num, ctype, [], [], str(raw), signed)
    if isinstance(raw, bool) or not isinstance(raw, str):
        return Parsed(
            "invalid",
            None,
            "无法识别",
            "请填写数字。",
            "unrecognised",
            "Please type a number.",
        )
    text = raw
    notes: list[str] = ["文本型数字"]
    notes_en: list[str] = ["number stored as text"]
    stripped = text.strip().replace("\u3000", "").replace("\xa0", "")
    if stripped != text:
        notes.append("首尾空格")
        notes_en.append("surrounding spaces")
    if stripped == "":
        return Parsed("blank", zero, "空白", note_en="blank")
    if stripped in BLANK_MARKS or stripped.replace(" ", "") in BLANK_MARKS:  # "-  -" too, as the template says
        return Parsed("blank", zero, f"“{stripped}”", note_en=f"“{stripped}”")
    norm = unicodedata.normalize("NFKC", stripped)
    if norm != stripped:
        notes.append("全角字符")
        notes_en.append("full-width characters")
    norm = norm.replace(" ", "")
    for u in UNITS:
        if norm.endswith(u) and len(norm) > len(u):
            if u == "元" and ctype == "decimal":  # an amount cell is in 万元: 5000元 is 0.5, not 5000
                return _in_yuan(stripped, norm[:-1])
            norm = norm[: -len(u)]
            notes.append("带单位")
            notes_en.append("with a unit")
            break
    number, grouped = _patterns()
    if grouped.match(norm):
        norm = norm.replace(",", "")
        notes.append("千分位")
        notes_en.append("thousands separators")
    if not number.match(norm):
        digits = re.findall(r"\d+(?:\.\d+)?", norm)
        hint = f"如应为 {digits[0]}，请只填写数字 {digits[0]}。" if len(digits) == 1 else "请只填写一个数字。"
        hint_en = f"If it means {digits[0]}, type just {digits[0]}." if len(digits) == 1 else "Type a single number."
        return Parsed("invalid", None, "无法确定含义", hint, "meaning unclear", hint_en)
    try:
        num = Decimal(norm)
    except InvalidOperation:  # pragma: no cover - guarded by the regex
        return Parsed("invalid", None, "无法识别", "请填写数字。", "unrecognised", "Please type a number.")
    return _finish(num, ctype, notes, notes_en, stripped, signed)


def _in_yuan(shown: str, digits: str) -> Parsed:
    """An amount written in 元 in a cell that is in 万元: an error that says the number meant."""
    try:
        wan = Decimal(digits.replace(",", "")) / 10000
    except InvalidOperation:
        wan = None
    if wan is None or not wan.is_finite():
        fix, fix_en = "本栏以万元为单位，请填写万元数。", "This cell is in 万元 (10,000 yuan)."
        return Parsed("invalid", None, "金额单位为元", fix, "written in 元 (yuan)", fix_en)
    n = format_number(wan)
    return Parsed(
        "invalid",
        None,
        "金额单位为元",
        f"本栏以万元为单位：{shown} 即 {n} 万元，请填写 {n}。",
        "written in 元 (yuan)",
        f"This cell is in 万元 (10,000 yuan): {shown} is {n} 万元; type {n}.",
    )


def format_number(v: int | Decimal | None) -> str:
    """A number as a clerk writes it: no exponent, no trailing zeros on amounts."""
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        s = format(v.normalize(), "f")
        return s
    return str(v)
