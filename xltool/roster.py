"""The district roster: which units must report (code, name, category), from CSV or XLSX."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from xltool.errors import UsageError

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


def _rows_from_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UsageError(f"名单 {path.name} 不是 UTF-8 或 GB18030 编码的 CSV")
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True, max_row=10000)]
    wb.close()
    return rows


def load_roster(path: str | Path) -> Roster:
    """Read a roster with columns code, name, category (Chinese headers 单位代码/单位名称/类别 also accepted).

    Raises:
        UsageError: missing file, no name column, duplicate codes or names.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"找不到名单文件：{p}")
    rows = _rows_from_xlsx(p) if p.suffix.lower() in (".xlsx", ".xlsm") else _rows_from_csv(p)
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise UsageError(f"名单 {p.name} 是空的")
    head = [c.strip().lower() for c in rows[0]]
    idx: dict[str, int] = {}
    for field, names in HEADERS.items():
        for i, h in enumerate(head):
            if h in names:
                idx[field] = i
                break
    if "name" not in idx:
        raise UsageError(f"名单 {p.name} 第一行应有列名 code,name,category（或 单位代码,单位名称,类别）")
    units: list[Unit] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for n, r in enumerate(rows[1:], start=2):

        def get(f: str, r: list[str] = r) -> str:
            i = idx.get(f)
            return r[i].strip() if i is not None and i < len(r) else ""

        name = get("name")
        if not name:
            continue
        code = get("code") or f"U{n - 1:03d}"
        if code in seen_codes:
            raise UsageError(f"名单 {p.name} 第 {n} 行：单位代码 {code} 与第 {seen_codes[code]} 行重复")
        key = normalize_name(name)
        if key in seen_names:
            raise UsageError(f"名单 {p.name} 第 {n} 行：单位名称 {name} 与第 {seen_names[key]} 行重复")
        seen_codes[code] = n
        seen_names[key] = n
        units.append(Unit(code=code, name=name, category=get("category")))
    return Roster(tuple(units), str(p))
