"""The district roster: which units must report (code, name, category), from CSV or XLSX."""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from xltool.errors import RosterError

HEADERS = {
    "code": ("code", "编码", "代码", "单位代码", "单位编码"),
    "name": ("name", "单位", "名称", "单位名称"),
    "category": ("category", "类别", "分类", "单位类别"),
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    category: str = ""


def normalize_name(name: str) -> str:
    """A unit name for matching: NFKC, no whitespace. Names are never rewritten for display."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


@dataclass(frozen=True)
class Roster:
    units: tuple[Unit, ...]
    source: str = ""

    def by_code(self, code: str | None) -> Unit | None:
        if not code:
            return None
        return self._index[0].get(normalize_name(code).upper())

    def by_name(self, name: str | None) -> Unit | None:
        if not name:
            return None
        return self._index[1].get(normalize_name(name))

    @cached_property
    def _index(self) -> tuple[dict[str, Unit], dict[str, Unit]]:
        """Normalized code -> unit and normalized name -> unit (the first one, as a scan would find it).

        Built once: a lookup per file over a 10,000-unit roster must not scan the roster.
        """
        codes: dict[str, Unit] = {}
        names: dict[str, Unit] = {}
        for u in self.units:
            codes.setdefault(normalize_name(u.code).upper(), u)
            names.setdefault(normalize_name(u.name), u)
        return codes, names

    def find(self, code: str | None, name: str | None) -> Unit | None:
        return self.by_code(code) or self.by_name(name)

    @cached_property
    def district_prefix(self) -> str:
        """The common beginning of the normalized names, cut after its last 省/市/区/县/旗 (烟台市芝罘区)."""
        names = [normalize_name(u.name) for u in self.units]
        if len(names) < 2:
            return ""
        prefix = os.path.commonprefix(names)
        cut = max(prefix.rfind(c) for c in "省市区县旗")
        return prefix[: cut + 1] if cut >= 0 else ""

    @cached_property
    def _name_keys(self) -> tuple[dict[str, list[tuple[Unit, str]]], tuple[int, ...], frozenset[str]]:
        """What a file name may contain to name a unit -> [(unit, "code" | "full" | "short")], the lengths of
        those keys and their first two characters.

        Built once, so that asking a file name costs a few lookups where a key may begin, not a scan of the
        roster (1,000 files against a 1,000-unit roster were 3 million normalizations).
        """
        prefix = self.district_prefix.upper()
        keys: dict[str, list[tuple[Unit, str]]] = {}
        for u in self.units:
            full = normalize_name(u.name).upper()
            own = [(normalize_name(u.code).upper(), "code"), (full, "full")]
            if prefix and full.startswith(prefix) and len(full) - len(prefix) >= 2:
                own.append((full[len(prefix) :], "short"))
            for key, kind in own:
                if len(key) >= 2:
                    keys.setdefault(key, []).append((u, kind))
        return keys, tuple(sorted({len(k) for k in keys})), frozenset(k[:2] for k in keys)

    def named_in(
        self, file_name: str, kinds: tuple[str, ...] = ("code", "full", "short")
    ) -> dict[str, tuple[Unit, str]]:
        """Unit code -> (unit, the longest of its `kinds` of keys) for every unit a file's name contains."""
        stem = normalize_name(Path(file_name).stem).upper()
        keys, lengths, starts = self._name_keys
        hits: dict[str, tuple[Unit, str]] = {}
        for i in range(len(stem) - 1):
            if stem[i : i + 2] not in starts:
                continue
            for n in lengths:
                if i + n > len(stem):
                    break
                found = keys.get(stem[i : i + n])
                if found:
                    for u, kind in found:
                        if kind in kinds and (u.code not in hits or len(hits[u.code][1]) < n):
                            hits[u.code] = (u, stem[i : i + n])
        return hits

    def match_name(self, name: str | None) -> Unit | None:
        """The roster unit a unit name written in a file stands for, or None.

        The full name, compared as `by_name` does (NFKC: full- and half-width alike; no spaces), and also
        without invisible characters (a zero-width space pasted along); else the name without the district
        prefix or its leading part (烟台市芝罘区科学技术局 is also 芝罘区科学技术局 and 科学技术局) when
        exactly one unit's name is that. Never an abbreviation: 科技局 is no unit's name.
        """
        if not name:
            return None
        exact = self.by_name(name)
        if exact is not None:
            return exact
        found = self._short_names.get(_match_key(name))
        return found[0] if found is not None and len(found) == 1 else None

    @cached_property
    def _short_names(self) -> dict[str, tuple[Unit, ...]]:
        """Match key -> units for every way `match_name` accepts a name: the full name without invisible
        characters, and the name without the district prefix or without the part of it up to each of its
        省/市/区/县/旗 (烟台市芝罘区 -> 芝罘区, then nothing). Built once per roster."""
        prefix = _match_key(self.district_prefix)
        tails = [prefix[i + 1 :] for i, c in enumerate(prefix) if c in "省市区县旗"]
        keys: dict[str, list[Unit]] = {}
        for u in self.units:
            full = _match_key(u.name)
            own = {full}
            if prefix and full.startswith(prefix) and len(full) - len(prefix) >= 2:
                own.update(tail + full[len(prefix) :] for tail in tails)
            for key in own:
                keys.setdefault(key, []).append(u)
        return {k: tuple(v) for k, v in keys.items()}


def _match_key(name: str) -> str:
    """`normalize_name`, and no invisible (format) characters such as a zero-width space or a BOM."""
    s = normalize_name(name)
    return "".join(c for c in s if unicodedata.category(c) != "Cf") if not s.isascii() else s


def filename_unit(file_name: str, roster: Roster) -> Unit | None:
    """The roster unit a file name names confidently, or None.

    Confident: the name contains the unit's code, its full name, or its name without the district
    prefix (科学技术局 for 烟台市芝罘区科学技术局) — and no other unit's name or code, except one that is
    part of the matched text. "科技局.xlsx" names nobody; "民政局与财政局.xlsx" names two, so nobody.
    """
    hits = roster.named_in(file_name)
    # a hit whose matched text lies inside another hit's matched text is not a second candidate
    kept = [(u, m) for u, m in hits.values() if not any(m != m2 and m in m2 for u2, m2 in hits.values() if u2 != u)]
    return kept[0][0] if len(kept) == 1 else None


_NOT_A_ROSTER: dict[str, tuple[str, str]] = {
    "xls": ("旧版 Excel 97-2003 工作簿 .xls", "legacy Excel 97-2003 workbook .xls"),
    "et": ("WPS 表格 .et", "WPS Spreadsheets .et"),
    "ods": ("OpenDocument 表格 .ods", "OpenDocument spreadsheet .ods"),
    "encrypted": ("设置了打开密码的 Office 文件", "Office file with a password to open"),
    "pdf": ("PDF 文件", "PDF file"),
    "docx": ("Word 文档 .docx", "Word document .docx"),
    "zip-other": ("压缩包", "zip archive"),
}
"""What a roster file may be instead of a CSV or an .xlsx (kinds of `xltool.safezip.sniff`): zh, en."""


def _rows_from_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError(
            f"名单 {path.name} 不是 UTF-8 或 GB18030 编码的 CSV",
            f"the roster {path.name} is not a CSV file encoded in UTF-8 or GB18030",
        )
    return [row for row in csv.reader(io.StringIO(text))]


MAX_ROSTER_ROWS = 10_000
"""Rows of an .xlsx roster read: the header and 9,999 units (a district has a few hundred)."""


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with open(path, "rb") as f:  # a file object: openpyxl refuses a workbook by its name's suffix (.csv)
            wb = load_workbook(f, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                rows: list[list[str]] = []
                beyond = None  # the first row past the limit that holds something
                for n, row in enumerate(ws.iter_rows(values_only=True, max_row=20 * MAX_ROSTER_ROWS), start=1):
                    if n <= MAX_ROSTER_ROWS:
                        rows.append(["" if v is None else str(v) for v in row])
                    elif any(v is not None and str(v).strip() for v in row):
                        beyond = n
                        break
            finally:
                wb.close()
    except OSError:
        raise
    except Exception as e:  # noqa: BLE001 - zipfile's, the XML parser's, openpyxl's own: a damaged workbook
        raise RosterError(
            f"名单 {path.name} 无法打开：文件已损坏或不是有效的 Excel 工作簿（.xlsx）",
            f"the roster {path.name} cannot be opened: the file is damaged or not a valid Excel workbook (.xlsx)",
        ) from e
    if beyond is not None:
        raise RosterError(  # never drop units silently
            f"名单 {path.name} 超过 {MAX_ROSTER_ROWS - 1} 行单位（第 {beyond} 行还有内容）；请分成几个名单",
            f"the roster {path.name} has more than {MAX_ROSTER_ROWS - 1} rows of units (row {beyond} is not "
            "empty); split it into several rosters",
        )
    return rows


def _rows(p: Path) -> list[list[str]]:
    """The rows of a roster file, by what its bytes are (an .xlsx named .csv is read as the workbook it is).

    Raises:
        RosterError: neither a CSV nor an .xlsx, a damaged workbook, a text in another encoding.
        OSError: the file cannot be read.
    """
    from xltool.safezip import sniff

    kind = sniff(p)
    xlsx_name = p.suffix.lower() in (".xlsx", ".xlsm")
    if kind == "xlsx" or (xlsx_name and kind == "zip-other"):  # a cut-off .xlsx is "another zip": damaged
        return _rows_from_xlsx(p)
    if kind in _NOT_A_ROSTER:
        zh, en = _NOT_A_ROSTER[kind]
        raise RosterError(
            f"名单 {p.name} 不是 CSV 或 .xlsx 文件（识别为：{zh}）；请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再用",
            f"the roster {p.name} is not a CSV or .xlsx file (detected: {en}); save it as .xlsx or CSV in Excel "
            "or WPS and use that",
        )
    if xlsx_name and kind != "empty":  # text named .xlsx: openpyxl tells it is no workbook
        return _rows_from_xlsx(p)
    return _rows_from_csv(p)


def load_roster(path: str | Path) -> Roster:
    """Read a roster with columns code, name, category (Chinese headers 单位代码/单位名称/类别 also accepted).

    A row with neither a name nor a code is skipped; a unit without a code gets ``U`` and its number (``U003``).

    Raises:
        RosterError: missing file, not a CSV or .xlsx, no name column, a code without a name, duplicate codes or
            names. ``str(e)`` is
            Chinese, ``e.text("en")`` English; both name the file and the row.
    """
    p = Path(path)
    if not p.is_file():
        if p.is_dir():
            raise RosterError(f"{p} 是一个文件夹，不是名单文件", f"{p} is a folder, not a roster file")
        raise RosterError(f"找不到名单文件：{p}", f"roster file not found: {p}")
    try:
        rows = _rows(p)
    except OSError as e:
        from xltool.errtext import os_error_text

        raise RosterError(
            os_error_text(e, "zh", path=p, writing=False), os_error_text(e, "en", path=p, writing=False)
        ) from e
    # (row number in the file as Excel and WPS show it, cells); blank rows are left out but keep the numbering
    rows = [(line, r) for line, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not rows:
        raise RosterError(f"名单 {p.name} 是空的", f"the roster {p.name} is empty")
    head = [c.strip().lower() for c in rows[0][1]]
    idx: dict[str, int] = {}
    for field, names in HEADERS.items():
        for i, h in enumerate(head):
            if h in names:
                idx[field] = i
                break
    if "name" not in idx:
        raise RosterError(
            f"名单 {p.name} 第一行应有列名 code,name,category（或 单位代码,单位名称,类别）",
            f"the first row of the roster {p.name} must name its columns code,name,category "
            "(or 单位代码,单位名称,类别)",
        )
    units: list[Unit] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for n, (line, r) in enumerate(rows[1:], start=2):

        def get(f: str, r: list[str] = r) -> str:
            i = idx.get(f)
            return r[i].strip() if i is not None and i < len(r) else ""

        name = get("name")
        if not name:
            if get("code"):  # a unit without its name would silently be no unit: never expected, never chased
                raise RosterError(
                    f"名单 {p.name} 第 {line} 行：单位代码 {get('code')} 没有单位名称；请填写名称，或删除这一行",
                    f"roster {p.name}, row {line}: unit code {get('code')} has no unit name; fill in the name "
                    "or delete the row",
                )
            continue
        code = get("code") or f"U{n - 1:03d}"  # n counts the rows with something in them, as it always did
        if code in seen_codes:
            m = seen_codes[code]
            raise RosterError(
                f"名单 {p.name} 第 {line} 行：单位代码 {code} 与第 {m} 行重复",
                f"roster {p.name}, row {line}: unit code {code} is the same as in row {m}",
            )
        key = normalize_name(name)
        if key in seen_names:
            m = seen_names[key]
            raise RosterError(
                f"名单 {p.name} 第 {line} 行：单位名称 {name} 与第 {m} 行重复",
                f"roster {p.name}, row {line}: unit name {name} is the same as in row {m}",
            )
        seen_codes[code] = line
        seen_names[key] = line
        units.append(Unit(code=code, name=name, category=get("category")))
    return Roster(tuple(units), str(p))
