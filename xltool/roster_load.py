"""Reading a district roster file as clerks keep them: CSV (UTF-8, GB18030, UTF-16; comma, tab or semicolon)
or XLSX; the header found under title rows, merged cells filled down, headings/totals/signature rows skipped,
and what was skipped or hidden said in `Roster.notes`."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from xltool.errors import RosterError
from xltool.metadata import META_SHEET
from xltool.roster import Note, Roster, Unit, normalize_name

HEADERS = {
    "code": (
        "code",
        "单位代码",
        "单位编码",
        "单位编号",
        "机构代码",
        "机构编码",
        "组织机构代码",
        "代码",
        "编码",
        "编号",
        "统一社会信用代码",  # a code only when the roster has no other code column
        "社会信用代码",
        "信用代码",
    ),
    "name": (
        "name",
        "单位名称",
        "单位全称",
        "部门名称",
        "部门全称",
        "机构名称",
        "机构全称",
        "名称",
        "全称",
        "单位",
        "部门",
    ),
    "category": ("category", "单位类别", "类别", "分类", "单位类型", "类型", "单位性质", "机构类型", "机构性质"),
}
"""The column names of a roster's header, each field's most specific first: when several columns match (名称 for
short names beside 单位名称), the earliest here wins. Compared after `_header_key` (no spaces or line breaks, no
bracketed remark: 单位名称（全称）, 单位代码（选填）). 序号 is never a code."""


_NOT_A_ROSTER = ("xls", "et", "ods", "encrypted", "pdf", "docx", "zip-other")
_ROSTER_KIND_NAMES: dict[str, tuple[str, str]] = {
    "encrypted": ("设置了打开密码的 Office 文件", "Office file with a password to open"),
    "zip-other": ("压缩包", "zip archive"),
}
"""What a roster file may be instead of a CSV or an .xlsx (kinds of `xltool.safezip.sniff`), named as safezip
names them (zh, en), but for the two said otherwise to a clerk whose roster it is."""

MAX_ROSTER_ROWS = 10_000
"""Rows of an .xlsx roster read: the header and 9,999 units (a district has a few hundred)."""

MAX_SHEET_XML = 64 * 1024 * 1024
"""Unpacked bytes of an .xlsx roster's worksheets and strings read at most (10,000 rows of 10 columns: ~6 MB)."""

HEADER_ROWS = 10
"""The header is looked for among the first rows that hold something (title rows above it)."""

_DELIMITERS = (",", "\t", ";")
"""A CSV's separators, in the order tried: comma, then tab (Excel's 文本文件（制表符分隔）, Unicode 文本), semicolon."""

_OTHER_HEADERS = frozenset(
    "序号 备注 说明 联系人 联系电话 电话 手机 邮箱 传真 地址 简称 主管单位 主管部门 上级单位 负责人 级别 层级".split()
)
"""Column names of a roster that are none of its fields: a row that has them is a header."""

_WEAK_NAMES = frozenset({"单位", "部门"})
"""Name headers that are also categories (部门, 街道 …): alone with cells no header has, the row is a unit's."""

_UNIT_ENDINGS = frozenset("局委办室院所处站队部厅会社团馆校心府区县镇乡道场园司行台组署关科股中位")
"""How most units' names end (…局, …办公室, …街道办事处, …中心): a file without header is read as names only when
nearly every line ends so (not a title, not a note)."""

_ANNOTATION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d{1,2}、|第[一二三四五六七八九十\d]+(?:部分|类|组|批))"
)
_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|累计|总数|以上|共\d)")
_SIGNATURE = re.compile(
    r"^(?:填表人|填报人|制表人|制表|审核人|审核|审批人|负责人|单位负责人|分管领导|联系人|联系电话|联系方式|电话"
    r"|填表日期|填报日期|制表日期|日期|备注|说明|注|填报单位|报送单位|制表单位)(?:\(盖章\))?(?::|\s|$)"
    r"|^\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?$"  # the date under a signature
)
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_SKIP_REASONS = {
    "heading": ("分组标题", "section heading"),
    "total": ("合计行", "total"),
    "signature": ("落款或联系方式", "signature or contact line"),
    "header": ("重复的表头", "header repeated"),
    "other": ("没有单位名称和代码", "no unit name or code"),
}


@dataclass
class _Table:
    """The cells of a roster file as text, row n of the file at ``rows[n - 1]``."""

    rows: list[list[str]]
    sheet: str | None = None
    """The worksheet's name (an .xlsx), None for a CSV."""
    hidden_sheet: bool = False
    hidden: frozenset[int] = frozenset()
    """Rows hidden in the sheet (their numbers)."""
    merged: tuple[tuple[int, int, int], ...] = ()
    """Cells merged down several rows: (column index, first row, last row)."""
    beyond: int | None = None
    """The first row past `MAX_ROSTER_ROWS` that holds something."""
    csv: bool = False
    xltool_meta: bool = False
    """xltool's own metadata sheet (a template, a return or a summary): never a list of units."""


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:  # a code kept as a number: 370602001, not ….0
        return str(int(v))  # (beyond 15 digits Excel lost the last ones: repr's e+17 is then refused as such)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _decode(raw: bytes, name: str) -> str:
    """The text of a CSV: UTF-16 with its BOM (Excel's "Unicode 文本"), UTF-8, else GB18030.

    Raises:
        RosterError: naming the row, for a text in another encoding, a line pasted in from a GBK file into a UTF-8
            one, or a stray byte.
    """
    advice_zh = "请在 Excel 或 WPS 中打开名单，改正这一行后另存为“CSV UTF-8”或 .xlsx 再用"
    advice_en = "open the roster in Excel or WPS, correct that row and save it as “CSV UTF-8” or .xlsx"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            line = raw[: e.start].decode("utf-16", "replace").count("\n") + 1
            raise RosterError(
                f"名单 {name} 是 UTF-16（Unicode 文本）编码，但第 {line} 行有无法识别的字节；{advice_zh}",
                f"the roster {name} is UTF-16 (Unicode text), but row {line} holds bytes that are not UTF-16; "
                f"{advice_en}",
            ) from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")  # no byte of a character is \n in UTF-8 or GB18030
    utf8, other = 0, []
    for n, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            other.append(n)
    if utf8 > len(other) or raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 file with a few lines that are not
        n = other[0]
        more_zh = f"（另有第 {'、'.join(map(str, other[1:6]))} 行）" if len(other) > 1 else ""
        more_en = f" (also row {', '.join(map(str, other[1:6]))})" if len(other) > 1 else ""
        try:  # a line pasted in from a GBK file
            shown = _clip(lines[n - 1].decode("gb18030"))
            what_zh, what_en = (
                "像是 GBK 编码，可能是从别的文件粘贴进来的",
                "it looks like GBK, perhaps pasted from another file",
            )
        except UnicodeDecodeError:  # a stray byte
            shown = _clip(lines[n - 1].decode("utf-8", "replace"))
            what_zh, what_en = "有不是 UTF-8 的字节，显示为 �", "it holds bytes that are not UTF-8, shown as �"
        raise RosterError(
            f"名单 {name} 是 UTF-8 编码，但第 {n} 行{more_zh}不是（{what_zh}）：{shown}；{advice_zh}",
            f"the roster {name} is UTF-8, but row {n}{more_en} is not ({what_en}): {shown}; {advice_en}",
        )
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as e:
        n = raw[: e.start].count(b"\n") + 1
        raise RosterError(
            f"名单 {name} 不是 UTF-8、UTF-16 或 GB18030 编码的 CSV（第 {n} 行有无法识别的字节）；{advice_zh}",
            f"the roster {name} is not a CSV file encoded in UTF-8, UTF-16 or GB18030 (row {n} holds bytes that are "
            f"not); {advice_en}",
        ) from e


def _tables_from_csv(path: Path) -> list[_Table]:
    """The CSV read with each separator, comma first (`_DELIMITERS`): the one whose rows have a header is used."""
    text = _decode(path.read_bytes(), path.name)
    out = []
    for sep in _DELIMITERS:
        if sep != "," and sep not in text:
            continue
        try:
            out.append(_Table([row for row in csv.reader(io.StringIO(text), delimiter=sep)], csv=True))
        except csv.Error as e:
            raise RosterError(
                f"名单 {path.name} 不是有效的 CSV 文件（{e}）", f"the roster {path.name} is not a valid CSV file ({e})"
            ) from e
    return out


def _tables_from_xlsx(path: Path) -> list[_Table]:
    """Every worksheet's cells, the visible sheets first.

    Not openpyxl's read-only mode: that trusts the sheet's ``<dimension>`` (some programs write ``A1`` whatever the
    sheet holds) and knows no merged cells or hidden rows. The unpacked size is checked first instead.
    """
    import zipfile

    from openpyxl import load_workbook

    damaged = RosterError(
        f"名单 {path.name} 无法打开：文件已损坏或不是有效的 Excel 工作簿（.xlsx）",
        f"the roster {path.name} cannot be opened: the file is damaged or not a valid Excel workbook (.xlsx)",
    )
    try:
        with open(path, "rb") as f:  # a file object: openpyxl refuses a workbook by its name's suffix (.csv)
            with zipfile.ZipFile(f) as z:
                size = sum(
                    i.file_size
                    for i in z.infolist()
                    if i.filename.startswith("xl/worksheets/") or i.filename == "xl/sharedStrings.xml"
                )
            if size > MAX_SHEET_XML:
                mb = size // (1024 * 1024)
                raise RosterError(
                    f"名单 {path.name} 太大（工作表解压后 {mb} MB）；请只保留单位名单，删除多余的行、列和工作表后再用",
                    f"the roster {path.name} is too large ({mb} MB of unpacked worksheets); keep the list of units "
                    "only, delete extra rows, columns and sheets",
                )
            f.seek(0)
            wb = load_workbook(f, data_only=True)
    except (OSError, RosterError):
        raise
    except Exception as e:  # noqa: BLE001 - zipfile's, the XML parser's, openpyxl's own: a damaged workbook
        raise damaged from e
    tables = []
    try:
        for ws in wb.worksheets:
            rows: list[list[str]] = []
            beyond = None
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if n <= MAX_ROSTER_ROWS:
                    rows.append([_cell_text(v) for v in row])
                elif any(v is not None and str(v).strip() for v in row):
                    beyond = n
                    break
            tables.append(
                _Table(
                    rows,
                    sheet=ws.title,
                    hidden_sheet=ws.sheet_state != "visible",
                    hidden=frozenset(r for r, d in ws.row_dimensions.items() if d.hidden),
                    merged=tuple(
                        (m.min_col - 1, m.min_row, m.max_row) for m in ws.merged_cells.ranges if m.max_row > m.min_row
                    ),
                    beyond=beyond,
                    xltool_meta=ws.title == META_SHEET,
                )
            )
    finally:
        wb.close()
    return sorted(tables, key=lambda t: t.hidden_sheet)  # stable: the visible sheets in order, then hidden ones


def _tables(p: Path) -> list[_Table]:
    """The cells of a roster file, by what its bytes are (an .xlsx named .csv is read as the workbook it is).

    Raises:
        RosterError: neither a CSV nor an .xlsx, a damaged workbook, a text in another encoding.
        OSError: the file cannot be read.
    """
    from xltool.safezip import KIND_NAMES, sniff

    kind = sniff(p)
    xlsx_name = p.suffix.lower() in (".xlsx", ".xlsm")
    if kind == "xlsx" or (xlsx_name and kind == "zip-other"):  # a cut-off .xlsx is "another zip": damaged
        return _tables_from_xlsx(p)
    if kind in _NOT_A_ROSTER:
        zh, en = _ROSTER_KIND_NAMES.get(kind) or KIND_NAMES[kind]
        raise RosterError(
            f"名单 {p.name} 不是 CSV 或 .xlsx 文件（识别为：{zh}）；请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再用",
            f"the roster {p.name} is not a CSV or .xlsx file (detected: {en}); save it as .xlsx or CSV in Excel "
            "or WPS and use that",
        )
    if xlsx_name and kind != "empty":  # text named .xlsx: openpyxl tells it is no workbook
        return _tables_from_xlsx(p)
    return _tables_from_csv(p)


def _header_key(cell: str) -> str:
    """A header cell as `HEADERS` spells it: NFKC, no whitespace (单位\\n名称), no bracketed remark, lower case."""
    s = _ANNOTATION.sub("", unicodedata.normalize("NFKC", cell))
    return "".join(s.split()).strip("*:").lower()


_KNOWN_HEADERS = frozenset(h for names in HEADERS.values() for h in names) | _OTHER_HEADERS
_SURE_HEADERS = _KNOWN_HEADERS - _WEAK_NAMES
"""Column names no unit's cell holds (部门 may be a category)."""


def _columns(cells: list[str], below: list[list[str]]) -> dict[str, int] | None:
    """Field -> column index when `cells` are a roster's header (a column of unit names), else None; `below`: the
    rows under it."""
    keys = [_header_key(c) for c in cells]
    idx: dict[str, int] = {}
    for fld, names in HEADERS.items():
        ranked = [(names.index(k), i) for i, k in enumerate(keys) if k in names]
        if ranked:
            idx[fld] = min(ranked)[1]
    if "name" not in idx:
        return None
    col = idx["name"]
    others = [k for i, k in enumerate(keys) if k and i != col]
    if keys[col] in _WEAK_NAMES and others and not any(k in _KNOWN_HEADERS for k in others):
        # 部门 may be a unit's category: 烟台市芝罘区财政局,部门 is a unit's row when the cells beside it look like
        # a unit's (a number, a long name) or 部门 comes again below it
        if any(len(k) > 6 or any(c.isdigit() for c in k) for k in others) or any(
            len(r) > col and _header_key(r[col]) == keys[col] for r in below
        ):
            return None
    return idx


def _not_a_unit(text: str) -> str | None:
    """Why a row without a code whose name (or only text) is `text` is no unit: a key of `_SKIP_REASONS`."""
    s = unicodedata.normalize("NFKC", text).strip()
    if _HEADING.match(s):
        return "heading"
    if _TOTAL.match("".join(s.split())):
        return "total"
    if _SIGNATURE.match(s):
        return "signature"
    return None


def _looks_like_unit_name(text: str) -> bool:
    """A cell of a roster without header may be a unit's name: Chinese, no year or phone number, no heading."""
    s = normalize_name(text)
    return (
        2 <= len(s) <= 100
        and any("\u4e00" <= c <= "\u9fff" for c in s)
        and not re.search(r"\d{4}", s)
        and s.lower() not in _KNOWN_HEADERS
        and not any(w in s for w in ("名称", "单位名", "名单", "代码", "序号", "编号", "类别"))
        and _not_a_unit(text) is None
    )


def _clip(text: str, n: int = 60) -> str:
    s = " ".join(text.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _row_text(cells: list[str]) -> str:
    return " | ".join(c.strip() for c in cells if c.strip())


def _listed(items: list[str], sep: str, more: str) -> str:
    """The first ten of `items` joined by `sep`, then `more` (with {n}, the number of items) when there are more."""
    return sep.join(items[:10]) + (more.format(n=len(items)) if len(items) > 10 else "")


def _no_header(p: Path, tables: list[_Table]) -> RosterError:
    """The refusal of a file in which no header is found: what its first rows hold (of the first sheet that holds
    something), and the names accepted."""
    t = next(x for x in tables if any(any(c.strip() for c in r) for r in x.rows))
    filled = [(n, r) for n, r in enumerate(t.rows, start=1) if any(c.strip() for c in r)][:HEADER_ROWS]
    names = {f: [h for h in HEADERS[f] if h not in ("code", "name", "category")] for f in HEADERS}
    accepted_zh = (
        f"单位名称列的列名可以是 {'、'.join(names['name'])}；单位代码列：{'、'.join(names['code'])}；"
        f"类别列：{'、'.join(names['category'])}（英文名单：code、name、category；列名可带括号说明，如“单位名称（全称）”）"
    )
    accepted_en = (
        f"the column of unit names may be headed {', '.join(['name', *names['name']])}; the codes: "
        f"{', '.join(['code', *names['code']])}; the categories: {', '.join(['category', *names['category']])} "
        "(a remark in brackets is allowed: 单位名称（全称）)"
    )
    where_zh = f"工作表“{t.sheet}”" if t.sheet is not None else ""
    where_en = f" of the sheet “{t.sheet}”" if t.sheet is not None else ""
    partial = next(((n, r) for n, r in filled if any(_header_key(c) in _SURE_HEADERS for c in r)), None)
    if partial is not None:  # a header, but not of a column of names (编码, 类别)
        n, r = partial
        return RosterError(
            f"名单 {p.name} {where_zh}第 {n} 行的列名（{_clip(_row_text(r))}）中没有单位名称列；{accepted_zh}",
            f"the roster {p.name}: the column names in row {n}{where_en} ({_clip(_row_text(r))}) have no column of "
            f"unit names; {accepted_en}",
        )
    sheets = [x.sheet for x in tables if x.sheet is not None]
    seen_zh = f"（已查看工作表：{'、'.join(sheets)}）" if len(sheets) > 1 else ""
    seen_en = f" (sheets looked at: {', '.join(sheets)})" if len(sheets) > 1 else ""
    return RosterError(
        f"名单 {p.name} 中找不到表头（单位名称所在的列）{seen_zh}：{where_zh}前几行是 "
        + "；".join(f"第 {n} 行：{_clip(_row_text(r))}" for n, r in filled[:3])
        + f"。表头应在前 {HEADER_ROWS} 行内；{accepted_zh}",
        f"no header (the column of unit names) found in the roster {p.name}{seen_en}; the first rows{where_en}: "
        + "; ".join(f"row {n}: {_clip(_row_text(r))}" for n, r in filled[:3])
        + f". The header must be within the first {HEADER_ROWS} rows; {accepted_en}",
    )


def _find_header(t: _Table) -> tuple[int, dict[str, int]] | None:
    """(row number, field -> column) of the header among the first `HEADER_ROWS` rows that hold something."""
    seen = 0
    for n, r in enumerate(t.rows, start=1):
        if not any(c.strip() for c in r):
            continue
        idx = _columns(r, t.rows[n : n + HEADER_ROWS])
        if idx is not None:
            return n, idx
        seen += 1
        if seen >= HEADER_ROWS:
            break
    return None


def load_roster(path: str | Path) -> Roster:
    """Read a roster: a column of unit names, and codes and categories where it has them.

    The header may lie below title rows (within the first `HEADER_ROWS` rows) and use any name of `HEADERS`
    (单位名称, 单位全称, 部门名称, 编号, 统一社会信用代码, 单位类型 …); an .xlsx's roster may be on any sheet
    (the first with such a header), a CSV may be UTF-8, GB18030 or UTF-16 (Excel's "Unicode 文本") and be separated
    by commas, tabs or semicolons. A file without header whose every row is one unit's name is read as names.

    Rows left out, each named in `Roster.notes`: a row without a code whose name is a section heading (一、区直部门),
    a total (合计：36个单位), a signature or contact line (填表人：张三), or a header repeated; a row with
    something but neither a name nor a code. A row with only a number (an unused 序号) is blank. Hidden rows of an
    .xlsx are units like the others, named in a note; a category merged down a group of rows belongs to each of
    them. A unit without a code gets ``U`` and its number (``U003``).

    Raises:
        RosterError: missing file, not a CSV or .xlsx, no header (the message says what the first rows hold),
            a code without a name, a CSV row with more cells than the header (a comma typed in a name), a code
            in scientific notation, duplicate codes (compared as `Roster.by_code` compares them) or names.
            ``str(e)`` is Chinese, ``e.text("en")`` English; both name the file and the row.
    """
    p = Path(path)
    if not p.is_file():
        if p.is_dir():
            raise RosterError(f"{p} 是一个文件夹，不是名单文件", f"{p} is a folder, not a roster file")
        raise RosterError(f"找不到名单文件：{p}", f"roster file not found: {p}")
    try:
        tables = _tables(p)
    except OSError as e:
        from xltool.errtext import os_error_text

        raise RosterError(
            os_error_text(e, "zh", path=p, writing=False), os_error_text(e, "en", path=p, writing=False)
        ) from e
    if not any(any(c.strip() for c in r) for t in tables for r in t.rows):
        raise RosterError(f"名单 {p.name} 是空的", f"the roster {p.name} is empty")
    notes: list[Note] = []
    found = [(t, h) for t in tables if not t.xltool_meta and (h := _find_header(t)) is not None]
    if not found and any(t.xltool_meta for t in tables):
        raise RosterError(
            f"名单 {p.name} 是 xltool 生成的报表工作簿（模板、报送文件或汇总表），不是单位名单；"
            "请使用单位名单（CSV 或 .xlsx，含“单位名称”列）",
            f"the roster {p.name} is a workbook made by xltool (a template, a return or a summary), not a list of "
            "units; use the roster (CSV or .xlsx with a 单位名称 column)",
        )
    if found:
        t, (head, idx) = found[0]
        others = [x.sheet for x, _ in found[1:] if x.sheet is not None]
        if others:
            notes.append(
                Note(
                    f"名单 {p.name}：工作表“{'”“'.join(others)}”也有单位名称列，未读取；如果单位分在几个工作表中，"
                    f"请合并到工作表“{t.sheet}”",
                    f"the roster {p.name}: the sheet(s) “{'”, “'.join(others)}” also have a column of unit names and "
                    f"were not read; if the units are on several sheets, put them all on “{t.sheet}”",
                )
            )
    else:
        t = next(x for x in tables if any(any(c.strip() for c in r) for r in x.rows))
        cells = [(n, [c for c in r if c.strip()]) for n, r in enumerate(t.rows, start=1) if any(c.strip() for c in r)]
        if not all(len(c) == 1 and _looks_like_unit_name(c[0]) for _, c in cells) or sum(
            normalize_name(c[0])[-1] in _UNIT_ENDINGS for _, c in cells
        ) < 0.8 * len(cells):
            raise _no_header(p, tables)
        head, idx = 0, {"name": next(i for i, c in enumerate(t.rows[cells[0][0] - 1]) if c.strip())}
        if any(next(i for i, c in enumerate(t.rows[n - 1]) if c.strip()) != idx["name"] for n, _ in cells):
            raise _no_header(p, tables)  # one name a row, but not in one column
        notes.append(
            Note(
                f"名单 {p.name} 没有表头，每行是一个单位名称：{len(cells)} 行都已作为单位读入（没有单位代码）",
                f"the roster {p.name} has no header and one unit name a row: all {len(cells)} rows were read as "
                "units (without codes)",
            )
        )
    if t.sheet is not None and t is not tables[0]:
        notes.insert(
            0,
            Note(
                f"名单 {p.name}：单位取自工作表“{t.sheet}”（第一个工作表“{tables[0].sheet}”中没有单位名称列）",
                f"the roster {p.name}: units read from the sheet “{t.sheet}” (the first sheet, “{tables[0].sheet}”, "
                "has no column of unit names)",
            ),
        )
    if t.beyond is not None:
        raise RosterError(  # never drop units silently
            f"名单 {p.name} 超过 {MAX_ROSTER_ROWS - 1} 行单位（第 {t.beyond} 行还有内容）；请分成几个名单",
            f"the roster {p.name} has more than {MAX_ROSTER_ROWS - 1} rows of units (row {t.beyond} is not "
            "empty); split it into several rosters",
        )
    rows = [list(r) for r in t.rows]
    for col, first, last in t.merged:  # a category merged down its group: each row of it has that category
        if head < first <= len(rows) and col not in (idx.get("name"), idx.get("code")) and col < len(rows[first - 1]):
            for n in range(first + 1, min(last, len(rows)) + 1):
                r = rows[n - 1]
                r.extend([""] * (col + 1 - len(r)))
                if not r[col].strip():
                    r[col] = rows[first - 1][col]
    header = rows[head - 1] if head else []
    header_keys = [_header_key(c) for c in header]
    while header_keys and not header_keys[-1]:
        header_keys.pop()
    width = len(header_keys)

    units: list[Unit] = []
    seen_codes: dict[str, tuple[int, str]] = {}
    seen_names: dict[str, int] = {}
    skipped: list[tuple[int, str, str]] = []  # row, what it holds, reason
    hidden: list[tuple[int, Unit]] = []
    n = 1  # counts the rows with something in them, the header being 1, as it always did (U003)
    for line, r in enumerate(rows[head:], start=head + 1):
        if not any(c.strip() for c in r):
            continue  # blank rows are left out but keep the numbering as Excel and WPS show it
        n += 1

        def get(f: str, r: list[str] = r) -> str:
            i = idx.get(f)
            return r[i].strip() if i is not None and i < len(r) else ""

        name, code = get("name"), get("code")
        if head and [_header_key(c) for c in r[:width]] == header_keys:  # a header repeated on every page
            skipped.append((line, _row_text(r), "header"))
            continue
        # A row with a code and a name is a unit, whatever its name. Without a name, a heading, total or signature
        # typed in the first column (which may be the codes') is no unit's code.
        if not (code and name):
            text = name or _row_text(r)
            why = _not_a_unit(text)
            if why is None and not name and not code:
                if all(c.strip().isdigit() for c in r if c.strip()):
                    continue  # only a 序号: a numbered row left empty
                why = "other"
            if why is not None:
                skipped.append((line, text, why))
                continue
        if t.csv and head and len(r) > width and any(c.strip() for c in r[width:]):
            got = "".join(f"“{c.strip()}”" for c in r)
            heads = [c.strip() for c in header if c.strip()]
            raise RosterError(
                f"名单 {p.name} 第 {line} 行有 {len(r)} 格，比表头的 {width} 列（{'、'.join(heads)}）多：{got}。"
                "多半是单位名称中的英文逗号把一格分成了两格：请把这个逗号改为中文逗号“，”，"
                "或在 Excel/WPS 中改好这一行后另存为 CSV",
                f"roster {p.name}, row {line} has {len(r)} cells, more than the {width} columns of the header "
                f"({', '.join(heads)}): {got}. Most likely a comma in a unit's name split one cell in two: change "
                "it to a Chinese comma “，”, or correct the row in Excel/WPS and save it as CSV again",
            )
        if not name:  # a unit without its name would silently be no unit: never expected, never chased
            raise RosterError(
                f"名单 {p.name} 第 {line} 行：单位代码 {code} 没有单位名称；请填写名称，或删除这一行",
                f"roster {p.name}, row {line}: unit code {code} has no unit name; fill in the name or delete the row",
            )
        if _SCIENTIFIC.match(code):
            raise RosterError(
                f"名单 {p.name} 第 {line} 行：单位代码 {code} 是科学计数法，代码的后几位已经丢失；"
                "请在 Excel/WPS 中把代码列设为“文本”格式，重新填写代码后另存",
                f"roster {p.name}, row {line}: unit code {code} is in scientific notation and has lost its last "
                "digits; format the code column as Text in Excel/WPS, type the codes again and save",
            )
        code = code or f"U{n - 1:03d}"
        ckey = normalize_name(code).upper()  # as by_code compares: 370602-d01 and ３７０６０２-D01 are one code
        if ckey in seen_codes:
            m, first_code = seen_codes[ckey]
            if first_code == code:
                raise RosterError(
                    f"名单 {p.name} 第 {line} 行：单位代码 {code} 与第 {m} 行重复",
                    f"roster {p.name}, row {line}: unit code {code} is the same as in row {m}",
                )
            raise RosterError(
                f"名单 {p.name} 第 {line} 行：单位代码 {code} 与第 {m} 行的 {first_code} 重复"
                "（代码不区分大小写和全角、半角）",
                f"roster {p.name}, row {line}: unit code {code} is the same as {first_code} in row {m} (codes are "
                "compared regardless of case and full or half width)",
            )
        key = normalize_name(name)
        if key in seen_names:
            m = seen_names[key]
            raise RosterError(
                f"名单 {p.name} 第 {line} 行：单位名称 {name} 与第 {m} 行重复",
                f"roster {p.name}, row {line}: unit name {name} is the same as in row {m}",
            )
        seen_codes[ckey] = (line, code)
        seen_names[key] = line
        unit = Unit(code=code, name=name, category=get("category"))
        units.append(unit)
        if line in t.hidden:
            hidden.append((line, unit))
    if skipped:
        notes.append(
            Note(
                f"名单 {p.name} 中有 {len(skipped)} 行不是单位，未读入："
                + _listed(
                    [f"第 {ln} 行“{_clip(x, 40)}”（{_SKIP_REASONS[w][0]}）" for ln, x, w in skipped],
                    "；",
                    "……共 {n} 行",
                ),
                (
                    f"{len(skipped)} rows of the roster {p.name} are not units and were left out: "
                    if len(skipped) > 1
                    else f"1 row of the roster {p.name} is not a unit and was left out: "
                )
                + _listed(
                    [f"row {ln} “{_clip(x, 40)}” ({_SKIP_REASONS[w][1]})" for ln, x, w in skipped],
                    "; ",
                    " … {n} rows in all",
                ),
            )
        )
    if hidden:
        notes.append(
            Note(
                f"名单 {p.name} 中有 {len(hidden)} 行是隐藏的，已作为单位读入："
                + _listed([f"第 {ln} 行 {u.name}（{u.code}）" for ln, u in hidden], "；", "……共 {n} 行")
                + "；如果这些单位不用报送，请在名单中删除这些行",
                (
                    f"{len(hidden)} rows of the roster {p.name} are hidden; they were read as units: "
                    if len(hidden) > 1
                    else f"1 row of the roster {p.name} is hidden; it was read as a unit: "
                )
                + _listed([f"row {ln} {u.name} ({u.code})" for ln, u in hidden], "; ", " … {n} rows in all")
                + (
                    "; if these units need not report, delete their rows from the roster"
                    if len(hidden) > 1
                    else "; if this unit need not report, delete its row from the roster"
                ),
            )
        )
    return Roster(tuple(units), str(p), tuple(notes))
