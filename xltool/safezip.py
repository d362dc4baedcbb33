"""Inspect a returned file before any spreadsheet reader touches it.

Hostile or broken files can hang a reader or exhaust memory; some (a single cell at
XFD1048576, a 1 GiB shared string) make python-calamine abort the whole process, which
Python cannot catch. Everything here is bounded work on the raw bytes:

* :func:`sniff` tells what a file is by its magic bytes (never by its extension), reading
  at most a few hundred KB.
* :func:`check_xlsx` raises :class:`UnsafeFile` unless an .xlsx is within :class:`Limits`.
  It decompresses every zip member itself with bounded output (so lying size fields in
  the zip are caught), checks the XML prolog of each XML member for DTDs/entities,
  streams each worksheet for the largest referenced cell, and each shared string table
  for oversized strings. A normal 12 KB return takes about 1 ms.

  What bounds a reader is where cells are, not what a sheet claims: the `<dimension>` is a
  hint (checked to lie within a spreadsheet's grid, never against the limits), and a row
  element without cells or an empty styled cell `<c r="AMJ39" s="0"/>` carries nothing —
  LibreOffice writes `<dimension ref="A1:L1048576"/>` and an empty `<row r="1048576">`
  after a row is deleted, and such cells up to column AMJ in a whole row that was formatted.
  Measured with python-calamine 0.9.1: a dimension of A1:XFD1048576, an empty row 1048576
  and self-closing cells at XFD1048576 cost nothing (12 MB, as a normal return): calamine
  reserves from the dimension only below 100,000 cells and builds its grid from the cells
  that hold something; one value at XFD1048576 (even an empty inline string) aborts it.
* :func:`check_file` sniffs and applies the checks that fit the kind.

Only the standard library is used, so importing this module is cheap.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KINDS",
    "REASONS",
    "FileKind",
    "Limits",
    "UnsafeFile",
    "check_file",
    "check_xlsx",
    "col_letter",
    "sniff",
]

KINDS = (
    "xlsx",
    "xls",
    "ods",
    "et",
    "csv",
    "encrypted",
    "empty",
    "pdf",
    "docx",
    "html",
    "text",
    "zip-other",
    "unknown",
)

_SPREADSHEET_KINDS = frozenset({"xlsx", "xls", "ods", "et", "csv"})


@dataclass(frozen=True)
class FileKind:
    """What a file is, as told by its bytes. ``kind`` is one of :data:`KINDS`."""

    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown file kind {self.kind!r}; expected one of {KINDS}")

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileKind:
        return cls(sniff(path))

    @property
    def is_spreadsheet(self) -> bool:
        return self.kind in _SPREADSHEET_KINDS


@dataclass(frozen=True)
class Limits:
    """Bounds for a returned workbook. A real return is ~12 KB with 11 zip members.

    `max_row` and `max_col` bound the cells that may hold something; a row element without cells, an empty
    styled cell and the dimension may lie anywhere in the grid (`GRID_ROWS` x `GRID_COLS`).
    """

    max_file_bytes: int = 5 * 1024 * 1024
    max_members: int = 100
    max_member_bytes: int = 20 * 1024 * 1024
    max_total_bytes: int = 50 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1024 * 1024  # the ratio limit applies to members above this size
    xml_prefix_bytes: int = 4096  # prolog window scanned for <!DOCTYPE / <!ENTITY
    max_row: int = 10_000
    max_col: int = 200  # 200 = column GR
    max_string_bytes: int = 1024 * 1024  # one shared string item / one cell's XML


GRID_ROWS = 1_048_576
GRID_COLS = 16_384  # XFD
"""A spreadsheet's grid (Excel's, LibreOffice's largest): a dimension, an empty row or an empty cell may lie
anywhere in it; a position beyond it is written by no program."""
GRID_COLUMN = rb"[A-Z]{1,2}|[A-W][A-Z]{2}|X[A-E][A-Z]|XF[A-D]"
GRID_ROW = rb"[1-9][0-9]{0,5}|10[0-3][0-9]{4}|104[0-7][0-9]{3}|1048[0-4][0-9]{2}|10485[0-6][0-9]|104857[0-6]"
"""A column (A … XFD) and a row (1 … 1,048,576) of the grid, as regular expressions (for `reader_xlsx` and
`reader_cells`, which must accept exactly what the scanner here accepts)."""
EMPTY_CELL_TAIL = rb'(?: s="[0-9]{1,5}")?/>'
"""After `<c r="REF"`: the rest of an empty styled cell as LibreOffice writes it beyond the table (a style,
no type, no children). Such a cell carries no value, so it may lie anywhere in the grid."""


# --------------------------------------------------------------------------- errors

_MESSAGES: dict[str, tuple[str, str]] = {
    "empty": (
        "文件是空的（0 字节），可能是保存或上传没有完成。请在 Excel 或 WPS 中重新保存后再提交。",
        "The file is empty (0 bytes); saving or uploading probably did not finish. "
        "Save it again in Excel or WPS and resubmit.",
    ),
    "too-large": (
        "文件大小为 {size}，超过了允许的 {limit}（正常填好的报表只有十几 KB）。"
        "请确认没有传错文件；如确是本表，请删除表中的图片、多余的工作表和大片格式，"
        "另存为 .xlsx 后再提交。",
        "The file is {size}, over the {limit} limit (a filled-in report is about 12 KB). "
        "Check that this is the right file; if it is, delete pictures, extra sheets and "
        "large formatted areas, save as .xlsx and resubmit.",
    ),
    "too-many-members": (
        "文件内部有 {count} 个组成部分，超过上限 {limit}（正常的报表约 11 个）。"
        "请删除插入的图片、图表、批注或附件，另存为 .xlsx 后再提交。",
        "The file has {count} internal parts, over the limit of {limit} (a normal report "
        "has about 11). Delete inserted pictures, charts, comments or attachments, save "
        "as .xlsx and resubmit.",
    ),
    "zip-bomb": (
        "文件内部的压缩数据异常，解压后会远大于正常报表，可能已损坏或被恶意构造，"
        "系统不予读取。请用原始模板重新填写，在 Excel 或 WPS 中另存为 .xlsx 后再提交。",
        "The compressed data inside the file is abnormal ({detail}); it would unpack to far "
        "more than a normal report, so it may be damaged or crafted and will not be read. "
        "Fill in the original template again, save as .xlsx in Excel or WPS and resubmit.",
    ),
    "corrupt-zip": (
        "文件已损坏或不完整，无法作为 Excel 工作簿读取。"
        "如果是通过邮件或网盘传来的，请重新下载；否则请在 Excel 或 WPS 中打开并重新另存为 .xlsx 后再提交。",
        "The file is damaged or incomplete ({detail}) and cannot be read as an Excel "
        "workbook. If it came by e-mail or a file share, download it again; otherwise open "
        "it in Excel or WPS, save it again as .xlsx and resubmit.",
    ),
    "xml-entities": (
        "文件内部的 {member} 含有 DTD/实体声明或异常的 XML 开头，"
        "Excel 和 WPS 保存的文件不会有这种内容，可能被恶意构造，系统不予读取。"
        "请用原始模板重新填写，在 Excel 或 WPS 中另存为 .xlsx 后再提交。",
        "The part {member} inside the file contains a DTD/entity declaration or an abnormal "
        "XML prolog. Files saved by Excel or WPS never do; it may be crafted and will not be "
        "read. Fill in the original template again, save as .xlsx and resubmit.",
    ),
    "absurd-dimension": (
        "工作表“{sheet}”用到了{where_zh}，远超出本表的范围（最多 {max_row} 行、到 {max_col} 列）。"
        "请在该表中选中表格区域以外多余的行和列，右键“删除”（不是“清除内容”），保存后再提交。",
        "Sheet '{sheet}' uses {where_en}, far outside this form (at most {max_row} rows and "
        "columns up to {max_col}). Select the extra rows and columns outside the table, "
        "right-click and Delete them (not just Clear Contents), save and resubmit.",
    ),
    "huge-shared-string": (
        "文件中有一段文字超过 {limit}，不可能是正常填报内容。请检查是否误粘贴了大量文字，删除后另存为 .xlsx 再提交。",
        "A text in the file is larger than {limit} (shared string table {member}); that "
        "cannot be a normal entry. Check for a large accidental paste, delete it, save as "
        ".xlsx and resubmit.",
    ),
    "huge-cell": (
        "工作表“{sheet}”中有单元格的内容超过 {limit}，不可能是正常填报内容。"
        "请检查是否误粘贴了大量文字，删除后另存为 .xlsx 再提交。",
        "A cell in sheet '{sheet}' holds more than {limit}; that cannot be a normal entry. "
        "Check for a large accidental paste, delete it, save as .xlsx and resubmit.",
    ),
    "encrypted": (
        "文件设置了打开密码（已加密），系统无法读取。"
        "请在 Excel 或 WPS 中打开它，取消“用密码加密/文档加密”中的打开密码，另存为 .xlsx 后再提交。",
        "The file is protected with an opening password (encrypted) and cannot be read. "
        "Open it in Excel or WPS, remove the password to open, save as .xlsx and resubmit.",
    ),
    "not-xlsx": (
        "这个文件不是 .xlsx 工作簿（识别为：{kind_zh}）。"
        "请用 Excel 或 WPS 打开下发的模板填写，并“另存为”Excel 工作簿（*.xlsx）后再提交。",
        "This file is not an .xlsx workbook (detected: {kind_en}). Fill in the template in "
        "Excel or WPS and use Save As > Excel Workbook (*.xlsx), then resubmit.",
    ),
}

REASONS = tuple(_MESSAGES)

KIND_NAMES: dict[str, tuple[str, str]] = {
    "xlsx": ("Excel 工作簿 .xlsx", "Excel workbook .xlsx"),
    "xls": ("旧版 Excel 97-2003 工作簿 .xls", "legacy Excel 97-2003 workbook .xls"),
    "et": ("WPS 表格 .et", "WPS Spreadsheets .et"),
    "ods": ("OpenDocument 表格 .ods", "OpenDocument spreadsheet .ods"),
    "csv": ("CSV 文本", "CSV text"),
    "encrypted": ("加密的 Office 文件", "encrypted Office file"),
    "empty": ("空文件", "empty file"),
    "pdf": ("PDF 文件", "PDF file"),
    "docx": ("Word 文档 .docx", "Word document .docx"),
    "html": ("网页/HTML 文件（可能是系统导出的“假 xls”）", "web page / HTML (often a fake .xls export)"),
    "text": ("纯文本文件", "plain text"),
    "zip-other": ("其他压缩包", "another kind of zip archive"),
    "unknown": ("无法识别的文件", "unrecognised file"),
}


class UnsafeFile(Exception):
    """A file that must not be handed to a spreadsheet reader.

    ``reason`` is a kebab-case code (one of :data:`REASONS`); ``message_zh`` and
    ``message_en`` tell the clerk what is wrong and what to do; ``details`` holds the
    measured values (member, cell, sizes) for logs.
    """

    def __init__(
        self,
        reason: str,
        message_zh: str | None = None,
        message_en: str | None = None,
        **details: object,
    ) -> None:
        if message_zh is None or message_en is None:
            zh, en = _MESSAGES.get(reason, ("文件无法安全读取（{reason}）。", "Unsafe file ({reason})."))
            params = _Params(details, reason=reason)
            message_zh = message_zh if message_zh is not None else zh.format_map(params)
            message_en = message_en if message_en is not None else en.format_map(params)
        super().__init__(f"{reason}: {message_en}")
        self.reason = reason
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details

    def __reduce__(self):  # survive pickling, e.g. from a reader's worker process
        return (_restore_unsafe, (self.reason, self.message_zh, self.message_en, self.details))


def _restore_unsafe(reason: str, message_zh: str, message_en: str, details: dict[str, object]) -> UnsafeFile:
    return UnsafeFile(reason, message_zh, message_en, **details)


class _Params(dict):
    def __init__(self, details: dict[str, object], **extra: object) -> None:
        super().__init__(details)
        self.update(extra)

    def __missing__(self, key: str) -> str:
        return "?"


def _size_text(n: float) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{int(n)} B"


def col_letter(col: int) -> str:
    """1 -> 'A', 200 -> 'GR', 16384 -> 'XFD'."""
    s = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s or "?"


# --------------------------------------------------------------------------- sniff

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF_BYTES = 64 * 1024
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff(path: str | os.PathLike[str]) -> str:
    """Return the kind of file (one of :data:`KINDS`) from its content, not its name.

    The only use of the extension: a legacy BIFF workbook named ``*.et`` is reported as
    ``'et'`` (WPS saves .et in the same compound-file BIFF8 format as .xls).
    """
    p = Path(path)
    with open(p, "rb") as f:
        head = f.read(_SNIFF_BYTES)
        if not head:
            return "empty"
        if head.startswith(_CFB_MAGIC):
            return _sniff_cfb(f, p)
        if head.startswith(_ZIP_MAGICS):
            return _sniff_zip(f, head)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")[:5] == b"%PDF-" or head[:1024].find(b"%PDF-") != -1:
        return "pdf"
    return _sniff_text(head)


def _sniff_zip(f, head: bytes) -> str:
    names: list[str] | None = None
    try:
        count = _eocd_entry_count(f)
        if count is not None and count <= 10_000:
            f.seek(0)
            with zipfile.ZipFile(f) as zf:
                names = zf.namelist()
                if "xl/workbook.xml" not in names and "mimetype" in names:
                    with zf.open("mimetype") as m:
                        mime = m.read(100)
                    if mime.strip().startswith(_ODS_MIME):
                        return "ods"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        names = None
    if names is not None:
        nameset = set(names)
        if "xl/workbook.xml" in nameset or any(n.startswith("xl/worksheets/") for n in names):
            return "xlsx"
        if "word/document.xml" in nameset:
            return "docx"
        return "zip-other"
    # Unreadable zip (truncated, damaged): judge by the local headers at its start so that a
    # damaged .xlsx is reported as a damaged workbook rather than as "not a spreadsheet".
    if b"xl/workbook.xml" in head or b"xl/worksheets/" in head:
        return "xlsx"
    if b"word/document.xml" in head:
        return "docx"
    if b"mimetype" + _ODS_MIME in head:
        return "ods"
    return "zip-other"


def _eocd_entry_count(f) -> int | None:
    """Entry count from the end-of-central-directory record (0xFFFF for zip64), or None."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    tail_len = min(size, 22 + 65535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    (total,) = struct.unpack_from("<H", tail, pos + 10)
    return total


def _cfb_names(f) -> tuple[dict[str, tuple[int, int]], int, int] | None:
    """Parse a compound file's directory: {name: (start_sector, size)}, sector size, mini cutoff.

    Bounded: at most 1,000 FAT sectors and 1,000 directory sectors; None if malformed.
    """
    f.seek(0, os.SEEK_END)
    fsize = f.tell()
    f.seek(0)
    hdr = f.read(512)
    if len(hdr) < 512:
        return None
    shift = struct.unpack_from("<H", hdr, 0x1E)[0]
    if shift not in (9, 12):
        return None
    ssize = 1 << shift
    n_fat = struct.unpack_from("<I", hdr, 0x2C)[0]
    first_dir = struct.unpack_from("<I", hdr, 0x30)[0]
    mini_cutoff = struct.unpack_from("<I", hdr, 0x38)[0]
    difat = list(struct.unpack_from("<109I", hdr, 0x4C))
    fat_sectors = [s for s in difat[: min(n_fat, 109)] if s < 0xFFFFFFFA]
    if not fat_sectors or len(fat_sectors) > 1000:
        return None

    def read_sector(n: int) -> bytes:
        off = (n + 1) * ssize
        if off + ssize > fsize + ssize:  # allow a short last sector
            raise ValueError("sector out of range")
        f.seek(off)
        return f.read(ssize)

    fat: list[int] = []
    for s in fat_sectors:
        data = read_sector(s)
        fat.extend(struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4]))
    names: dict[str, tuple[int, int]] = {}
    sector, seen = first_dir, set()
    while sector < 0xFFFFFFFA and sector not in seen and len(seen) < 1000:
        seen.add(sector)
        data = read_sector(sector)
        for off in range(0, len(data) - 127, 128):
            entry = data[off : off + 128]
            name_len = struct.unpack_from("<H", entry, 64)[0]
            obj_type = entry[66]
            if obj_type not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = entry[: name_len - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", entry, 116)
            names.setdefault(name, (start, size))
        sector = fat[sector] if sector < len(fat) else 0xFFFFFFFE
    return names, ssize, mini_cutoff


def _sniff_cfb(f, p: Path) -> str:
    try:
        parsed = _cfb_names(f)
    except (OSError, ValueError, struct.error, IndexError):
        parsed = None
    if parsed is None:
        # Fall back on the raw bytes: directory entry names are UTF-16LE.
        f.seek(0)
        raw = f.read(4 * 1024 * 1024)
        found = {n for n in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book") if n.encode("utf-16-le") in raw}
        names: dict[str, tuple[int, int]] = dict.fromkeys(found, (0xFFFFFFFE, 0))
        ssize, mini_cutoff = 512, 4096
    else:
        names, ssize, mini_cutoff = parsed
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        return "encrypted"
    stream = "Workbook" if "Workbook" in names else "Book" if "Book" in names else None
    if stream is None:
        return "unknown"  # a Word .doc, PowerPoint .ppt, MSI, ...
    start, size = names[stream]
    if size >= mini_cutoff and start < 0xFFFFFFFA and _biff_has_filepass(f, (start + 1) * ssize, ssize):
        return "encrypted"  # legacy xls/et with a password to open (RC4 / XOR)
    return "et" if p.suffix.lower() == ".et" else "xls"


def _biff_has_filepass(f, offset: int, length: int) -> bool:
    """True if a FILEPASS record (0x002F) follows BOF in the first sector of a BIFF stream."""
    try:
        f.seek(offset)
        data = f.read(length)
    except (OSError, ValueError):
        return False
    pos = 0
    for _ in range(16):
        if pos + 4 > len(data):
            return False
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        if rtype == 0x002F:
            return True
        if rtype in (0x0085, 0x000A):  # BOUNDSHEET / EOF: past where FILEPASS would be
            return False
        pos += 4 + rlen
    return False


def _sniff_text(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        text = head[3:].decode("utf-8", "replace")
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "replace")
    elif b"\x00" in head:
        return "unknown"
    else:
        text = None
        for enc in ("utf-8", "gb18030"):
            try:
                # ignore a multi-byte character cut at the end of the window
                text = head.decode(enc) if len(head) < _SNIFF_BYTES else head[:-4].decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            return "unknown"
    lead = text[:4096].lstrip().lower()
    if "<html" in lead or "<!doctype html" in lead or "<table" in lead:
        return "html"
    if lead.startswith("<?xml") or lead.startswith("<"):
        return "unknown"  # SpreadsheetML 2003, other XML
    bad = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f")
    if bad > len(text) // 100:
        return "unknown"
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if len(head) >= _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the window
    if lines:
        for delim in (",", "\t", ";", "|"):
            counts = [ln.count(delim) for ln in lines]
            if min(counts) >= 1 and (
                len(lines) == 1 or counts.count(max(set(counts), key=counts.count)) >= 0.8 * len(lines)
            ):
                return "csv"
    return "text"


# --------------------------------------------------------------------------- check


def check_file(path: str | os.PathLike[str], limits: Limits = Limits()) -> str:
    """Sniff ``path`` and apply the checks that fit its kind; return the kind.

    xlsx: :func:`check_xlsx`. ods: the zip-level checks (sizes, members, ratio, XML
    prolog). Everything else: the file-size limit only (a reader of xls/csv is still
    best run in a worker process with a memory cap). Raises :class:`UnsafeFile`.
    """
    p = Path(path)
    kind = sniff(p)
    if kind == "empty":
        raise UnsafeFile("empty")
    if kind == "encrypted":
        raise UnsafeFile("encrypted")
    if kind == "xlsx":
        check_xlsx(p, limits)
        return kind
    size = p.stat().st_size
    if size > limits.max_file_bytes:
        raise UnsafeFile("too-large", size=_size_text(size), limit=_size_text(limits.max_file_bytes), bytes=size)
    if kind == "ods":
        with open(p, "rb") as f:
            _Package(f, size, limits).check_members()
    return kind


def check_xlsx(path: str | os.PathLike[str], limits: Limits = Limits()) -> None:
    """Raise :class:`UnsafeFile` unless ``path`` is an .xlsx that readers can safely open."""
    p = Path(path)
    size = p.stat().st_size
    if size == 0:
        raise UnsafeFile("empty")
    if size > limits.max_file_bytes:
        raise UnsafeFile("too-large", size=_size_text(size), limit=_size_text(limits.max_file_bytes), bytes=size)
    with open(p, "rb") as f:
        magic = f.read(8)
        if not magic.startswith(b"PK"):
            kind = sniff(p)
            if kind == "encrypted":
                raise UnsafeFile("encrypted")
            raise UnsafeFile("not-xlsx", kind=kind, kind_zh=KIND_NAMES[kind][0], kind_en=KIND_NAMES[kind][1])
        pkg = _Package(f, size, limits)
        pkg.require_xlsx(p)
        pkg.check_members()


_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_READ_CHUNK = 64 * 1024
_OUT_CHUNK = 256 * 1024


class _Package:
    """A zip container opened for checking; every read is bounded by the limits."""

    def __init__(self, f, size: int, limits: Limits) -> None:
        self.f = f
        self.size = size
        self.limits = limits
        try:
            count = _eocd_entry_count(f)
        except OSError as exc:
            raise UnsafeFile("corrupt-zip", detail=str(exc)) from None
        if count is None:
            raise UnsafeFile("corrupt-zip", detail="zip directory missing: file truncated")
        if count > limits.max_members:
            raise UnsafeFile("too-many-members", count=count, limit=limits.max_members)
        try:
            f.seek(0)
            self.zf = zipfile.ZipFile(f)
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            raise UnsafeFile("corrupt-zip", detail=f"zip directory unreadable: {exc}") from None
        if len(infos) > limits.max_members:
            raise UnsafeFile("too-many-members", count=len(infos), limit=limits.max_members)
        self.infos = infos
        self.by_name = {}
        total = 0
        for info in infos:
            name = info.filename
            if name in self.by_name:
                raise UnsafeFile("corrupt-zip", detail=f"duplicate part {name}", member=name)
            self.by_name[name] = info
            if info.flag_bits & 0x1:
                raise UnsafeFile("encrypted", member=name)
            if info.compress_type not in (_STORED, _DEFLATED):
                raise UnsafeFile(
                    "corrupt-zip", detail=f"unsupported compression {info.compress_type} in {name}", member=name
                )
            usize, csize = info.file_size, info.compress_size
            if usize > limits.max_member_bytes:
                raise UnsafeFile(
                    "zip-bomb",
                    detail=f"{name} unpacks to {_size_text(usize)} > {_size_text(limits.max_member_bytes)}",
                    member=name,
                    bytes=usize,
                )
            total += usize
            if total > limits.max_total_bytes:
                raise UnsafeFile(
                    "zip-bomb",
                    detail=f"parts unpack to more than {_size_text(limits.max_total_bytes)}",
                    bytes=total,
                )
            if usize > limits.ratio_min_bytes and usize > limits.max_ratio * max(csize, 1):
                raise UnsafeFile(
                    "zip-bomb",
                    detail=f"{name} compressed {usize / max(csize, 1):.0f}:1",
                    member=name,
                    ratio=usize / max(csize, 1),
                )
            # Deflate never grows data by more than ~5 bytes per 64 KB block: a compressed
            # size well above the declared size means the declared size is a lie.
            if (info.compress_type == _STORED and csize != usize) or csize > usize + usize // 1000 + 1024:
                raise UnsafeFile(
                    "zip-bomb", detail=f"{name} declares {usize} bytes for {csize} compressed", member=name
                )
        self._read_done: set[str] = set()
        self._rels_cache: dict[str, list[tuple[str, str, str]]] = {}

    # -- raw member access -----------------------------------------------------------

    def iter_member(self, info: zipfile.ZipInfo):
        """Yield the decompressed bytes of a member, verifying its declared size and CRC.

        The output is capped at the declared size (itself within the limits), so a member
        whose compressed data unpacks to more than declared is caught, not unpacked.
        """
        f, name = self.f, info.filename
        try:
            f.seek(info.header_offset)
            lh = f.read(30)
            if len(lh) < 30 or lh[:4] != b"PK\x03\x04":
                raise UnsafeFile("corrupt-zip", detail=f"bad local header for {name}", member=name)
            name_len, extra_len = struct.unpack_from("<HH", lh, 26)
            data_off = info.header_offset + 30 + name_len + extra_len
            if data_off + info.compress_size > self.size:
                raise UnsafeFile("corrupt-zip", detail=f"{name} runs past the end of the file", member=name)
            f.seek(data_off)
            comp_left = info.compress_size
            usize = info.file_size
            crc = 0
            total = 0
            # no chunk longer than max_string_bytes: the scanners rely on it
            out_chunk = max(1024, min(_OUT_CHUNK, self.limits.max_string_bytes))
            if info.compress_type == _STORED:
                while comp_left > 0:
                    chunk = f.read(min(_READ_CHUNK, comp_left, out_chunk))
                    if not chunk:
                        raise UnsafeFile("corrupt-zip", detail=f"{name} truncated", member=name)
                    comp_left -= len(chunk)
                    total += len(chunk)
                    crc = zlib.crc32(chunk, crc)
                    yield chunk
            else:
                d = zlib.decompressobj(-15)
                data = b""
                while not d.eof:
                    if not data:
                        if comp_left <= 0:
                            break
                        data = f.read(min(_READ_CHUNK, comp_left))
                        if not data:
                            raise UnsafeFile("corrupt-zip", detail=f"{name} truncated", member=name)
                        comp_left -= len(data)
                    out = d.decompress(data, out_chunk)
                    data = d.unconsumed_tail
                    if out:
                        total += len(out)
                        if total > usize:
                            raise UnsafeFile(
                                "zip-bomb",
                                detail=f"{name} unpacks to more than the {usize} bytes it declares",
                                member=name,
                            )
                        crc = zlib.crc32(out, crc)
                        yield out
                if not d.eof:
                    raise UnsafeFile("corrupt-zip", detail=f"{name} compressed data truncated", member=name)
            if total != usize:
                raise UnsafeFile(
                    "corrupt-zip", detail=f"{name} unpacks to {total} bytes, declares {usize}", member=name
                )
            if crc != info.CRC:
                raise UnsafeFile("corrupt-zip", detail=f"{name} fails its CRC check", member=name)
        except zlib.error as exc:
            raise UnsafeFile("corrupt-zip", detail=f"{name}: {exc}", member=name) from None
        except OSError as exc:
            raise UnsafeFile("corrupt-zip", detail=f"{name}: {exc}", member=name) from None

    def read_small(self, name: str, cap: int = 1024 * 1024) -> bytes | None:
        """Whole member (verified), keeping at most ``cap`` bytes in memory; None if absent."""
        info = self.by_name.get(name)
        if info is None:
            return None
        parts: list[bytes] = []
        kept = 0
        scanner = _PrologScanner(name, self.limits) if name.lower().endswith(_XML_SUFFIXES) else None
        for chunk in self.iter_member(info):
            if scanner is not None:
                scanner.feed(chunk)
            if kept < cap:
                parts.append(chunk[: cap - kept])
                kept += len(parts[-1])
        if scanner is not None:
            scanner.close()
        self._read_done.add(name)
        return b"".join(parts)

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """Relationships of ``part`` as (id, type, resolved target)."""
        if part in self._rels_cache:
            return self._rels_cache[part]
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        data = self.read_small(rels_name) or b""
        out = []
        for m in _REL_RE.finditer(data):
            attrs = _attrs(m.group(1))
            target = attrs.get("Target", "")
            if attrs.get("TargetMode", "").lower() == "external" or not target:
                continue
            if target.startswith("/"):
                resolved = posixpath.normpath(target.lstrip("/"))
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            out.append((attrs.get("Id", ""), attrs.get("Type", ""), resolved))
        self._rels_cache[part] = out
        return out

    # -- xlsx structure ----------------------------------------------------------------

    def workbook_part(self) -> str | None:
        for _id, rtype, target in self.rels(""):
            if rtype.endswith("/officeDocument") and target in self.by_name:
                return target
        return "xl/workbook.xml" if "xl/workbook.xml" in self.by_name else None

    def require_xlsx(self, p: Path) -> None:
        wb = self.workbook_part()
        if wb is None or not wb.startswith("xl/") or wb.endswith(".bin"):
            kind = sniff(p)
            if kind == "xlsx":
                kind = "zip-other"
            raise UnsafeFile("not-xlsx", kind=kind, kind_zh=KIND_NAMES[kind][0], kind_en=KIND_NAMES[kind][1])
        self.workbook = wb
        self.sheet_parts: dict[str, str] = {}  # part -> relationship id
        self.sst_parts: set[str] = set()
        for rid, rtype, target in self.rels(wb):
            if rtype.endswith(("/worksheet", "/macrosheet", "/dialogsheet")):
                self.sheet_parts[target] = rid
            elif rtype.endswith("/sharedStrings"):
                self.sst_parts.add(target)
        for name in self.by_name:
            if name.startswith(("xl/worksheets/", "xl/macrosheets/", "xl/dialogsheets/")) and name.endswith(".xml"):
                self.sheet_parts.setdefault(name, "")
        if "xl/sharedStrings.xml" in self.by_name:
            self.sst_parts.add("xl/sharedStrings.xml")

    def sheet_name(self, part: str) -> str:
        """The name the clerk sees for a worksheet part (for messages only)."""
        rid = getattr(self, "sheet_parts", {}).get(part, "")
        try:
            data = self.read_small(self.workbook) or b""
        except UnsafeFile:
            data = b""
        for m in _SHEET_RE.finditer(data):
            attrs = _attrs(m.group(1))
            if rid and attrs.get("id") == rid:
                return attrs.get("name", part)
        return posixpath.basename(part)

    # -- the full pass -----------------------------------------------------------------

    def check_members(self) -> None:
        sheets = getattr(self, "sheet_parts", {})
        ssts = getattr(self, "sst_parts", set())
        for info in self.infos:
            name = info.filename
            if name in self._read_done:
                continue
            scanners: list[_Scanner] = []
            if name.lower().endswith(_XML_SUFFIXES):
                scanners.append(_PrologScanner(name, self.limits))
            if name in sheets:
                scanners.append(_SheetScanner(name, self.limits, self))
            if name in ssts:
                scanners.append(_SstScanner(name, self.limits))
            for chunk in self.iter_member(info):
                for s in scanners:
                    s.feed(chunk)
            for s in scanners:
                s.close()


_ATTR_RE = re.compile(rb"""([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REL_RE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?Relationship\b([^>]*)>")
_SHEET_RE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheet\b([^>]*)>")


_XML_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,4});")


def _entity(m: re.Match[str]) -> str:
    g = m.group(1)
    if g[0] != "#":
        return _XML_ENTITIES.get(g, m.group(0))
    cp = int(g[2:], 16) if g[1] in "xX" else int(g[1:])
    return chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else m.group(0)


def xml_unescape(text: str) -> str:
    """XML's character references and its five entities (a DTD, the only source of others, is refused).

    Not html.unescape: that one also knows HTML's names and maps &#150; to "–" as browsers do, which an XML
    parser does not (and importing it costs start-up time).
    """
    return _ENTITY_RE.sub(_entity, text) if "&" in text else text


def _attrs(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        val = m.group(3) if m.group(3) is not None else m.group(4)
        out[m.group(2).decode("ascii", "replace")] = xml_unescape(val.decode("utf-8", "replace"))
    return out


# --------------------------------------------------------------------------- scanners


class _Scanner:
    def feed(self, chunk: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class _PrologScanner(_Scanner):
    """Reject a DTD (<!DOCTYPE, <!ENTITY) and a prolog that does not end within the window.

    Only a DTD can declare entities, and it can only stand in the prolog, before the root
    element; a prolog padded past the window is rejected too, so nothing can hide there.
    """

    def __init__(self, member: str, limits: Limits) -> None:
        self.member = member
        self.window = limits.xml_prefix_bytes
        self.buf = bytearray()
        self.done = False

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        self.buf += chunk[: self.window - len(self.buf)]
        if len(self.buf) >= self.window:
            self._check(final=False)

    def close(self) -> None:
        if not self.done:
            self._check(final=True)

    def _fail(self) -> None:
        raise UnsafeFile("xml-entities", member=self.member)

    def _check(self, final: bool) -> None:
        self.done = True
        raw = bytes(self.buf)
        for bom in (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff"):
            if raw.startswith(bom):
                raw = raw[len(bom) :]
                break
        # Markup is ASCII: dropping NULs reads UTF-16 and UTF-32 prologs as well as UTF-8 ones.
        text = raw.replace(b"\x00", b"").decode("latin-1")
        low = text.lower()
        if "<!doctype" in low or "<!entity" in low:
            self._fail()
        # Walk the prolog: XML declaration, PIs, comments, whitespace, then the root element.
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch in " \t\r\n":
                i += 1
                continue
            if text.startswith("<?", i):
                j, close = text.find("?>", i + 2), 2
            elif text.startswith("<!--", i):
                j, close = text.find("-->", i + 4), 3
            elif text.startswith("<!", i):
                self._fail()  # any other declaration (DOCTYPE in odd spelling, CDATA) in the prolog
            else:
                return  # the root element (or non-XML text, which readers reject on their own)
            if j < 0:
                break
            i = j + close
        if not final or i < n:
            self._fail()  # prolog longer than the window
        # a member that is only a prolog (or empty): harmless


# One token per <c>, <row> or <dimension> start tag, with its r= (or ref=) value if any.
_TOK_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?(c|row|dimension)(?=[\s/>])(?:[^>]*?\s(?:r|ref)\s*=\s*[\"']([^\"']*)[\"'])?"
)
_SI_RE = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(si|sst)(?=[\s/>])")
_REF_RE = re.compile(rb"^\s*\$?([A-Za-z]{0,3})\$?([0-9]{0,7})\s*$")
_REFS_RE = re.compile(rb"(?:^| )\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?= |$)")
_EMPTY_CELL = re.compile(rb'<c r="(?:' + GRID_COLUMN + rb")(?:" + GRID_ROW + rb')"' + EMPTY_CELL_TAIL)
"""An empty styled cell within the grid (see `EMPTY_CELL_TAIL`): allowed beyond the limits."""


_C_R = b'<c r="'
_DIM_RE = re.compile(rb"<dimension(?=[\s/>])([^>]*)>")
_ROW_R = b'<row r="'
_C_OPENS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_ROW_OPENS = (b"<row ", b"<row>", b"<row/", b"<row\t", b"<row\n", b"<row\r")
_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = b"0123456789"


def _col_number(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col


class _StreamScanner(_Scanner):
    """Feed chunks; scan complete tags only (a tag never contains '<').

    Also rejects a run of more than ``max_string_bytes`` without markup (one huge text
    node or attribute). Chunks are at most ``max_string_bytes`` long (see iter_member), so
    such a run always shows up in the carried tail.
    """

    def __init__(self, member: str, limits: Limits) -> None:
        self.member = member
        self.limits = limits
        self.carry = b""
        self.base = 0  # offset in the member of carry[0]

    def feed(self, chunk: bytes) -> None:
        if self.carry:
            k = chunk.find(b"<")
            if len(self.carry) + (k if k >= 0 else len(chunk)) > self.limits.max_string_bytes:
                self.huge()
            buf = self.carry + chunk
        else:
            buf = chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > self.limits.max_string_bytes:
                self.huge()
            self.carry = buf
            return
        self.scan(buf, cut)
        self.carry = buf[cut:]
        self.base += cut
        self.progress(self.base + len(self.carry))

    def close(self) -> None:
        buf = self.carry
        self.scan(buf, len(buf))
        self.base += len(buf)
        self.carry = b""
        self.finish(self.base)

    def scan(self, buf: bytes, end: int) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def huge(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def progress(self, end: int) -> None:
        pass

    def finish(self, end: int) -> None:
        pass


class _SheetScanner(_StreamScanner):
    """Largest position of a cell that may hold something: <c r> and implied positions.

    Where every tag in a chunk carries r= (what Excel, WPS, LibreOffice and openpyxl
    write) the chunk is checked in bulk; otherwise tag by tag, counting implied positions
    (a <c> without r= is the next column, a <row> without r= the next row).

    Beyond the limits, only what carries no cell is accepted: a row element without cells
    and an empty styled cell (`_EMPTY_CELL`), anywhere in the grid; the dimension only has
    to lie within the grid. Any other cell in a row beyond the limits is refused, whatever
    its own r= says.
    """

    def __init__(self, member: str, limits: Limits, pkg: _Package) -> None:
        super().__init__(member, limits)
        self.pkg = pkg
        self.row = 0
        self.col = 0
        self.far_row: int | None = None

    def huge(self) -> None:
        raise UnsafeFile(
            "huge-cell",
            sheet=self.pkg.sheet_name(self.member),
            member=self.member,
            limit=_size_text(self.limits.max_string_bytes),
        )

    def _absurd(self, *, ref: str | None = None, row: int | None = None, bad: bytes | None = None) -> None:
        if ref is not None:
            where_zh, where_en = f"单元格 {ref}", f"cell {ref}"
        elif row is not None:
            where_zh, where_en = f"第 {row} 行", f"row {row}"
        else:
            text = (bad or b"").decode("ascii", "replace").strip()[:40]
            where_zh, where_en = f"无效的单元格位置“{text}”", f"an invalid cell position '{text}'"
        raise UnsafeFile(
            "absurd-dimension",
            sheet=self.pkg.sheet_name(self.member),
            where_zh=where_zh,
            where_en=where_en,
            cell=ref,
            row=row,
            member=self.member,
            max_row=self.limits.max_row,
            max_col=col_letter(self.limits.max_col),
        )

    def _position(self, raw: bytes, default_row: int, default_col: int) -> tuple[int, int]:
        """(row, col) of a reference (either part may be implied), or `_absurd` for an invalid one."""
        m = _REF_RE.match(raw)
        if m is None or (not m.group(1) and not m.group(2)):
            self._absurd(bad=raw)
        col = _col_number(m.group(1)) if m.group(1) else default_col
        row = int(m.group(2)) if m.group(2) else default_row
        if row < 1 or col < 1:
            self._absurd(bad=raw)
        return row, col

    def scan(self, buf: bytes, end: int) -> None:
        if self.far_row is None and self._fast(buf[:end] if end < len(buf) else buf):
            return
        toks = _TOK_RE.findall(buf, 0, end)
        if not toks:
            return
        if self.far_row is None and all(rv for _, rv in toks) and self._bulk(toks):
            return
        for m in _TOK_RE.finditer(buf, 0, end):
            self._token(m.group(1), m.group(2), buf, m.start())

    def _fast(self, buf: bytes) -> bool:
        """Plain substring work for the usual layout: unprefixed tags, r= first, double quotes.

        That is what Excel, WPS, LibreOffice and openpyxl write. Anything else (or anything
        over the limits, to be named precisely) returns False for the regex paths.
        """
        if b":c" in buf or b":row" in buf or b":dimension" in buf:
            return False
        pos = buf.find(b"<dimension")
        while pos >= 0:
            m = _DIM_RE.match(buf, pos)
            if m is not None:
                for attr in _ATTR_RE.finditer(m.group(1)):
                    if attr.group(2) == b"ref" and not attr.group(1):
                        self._token(b"dimension", attr.group(3) if attr.group(3) is not None else attr.group(4))
            pos = buf.find(b"<dimension", pos + 10)
        n_cells = buf.count(_C_R)
        n_rows = buf.count(_ROW_R)
        if n_cells != sum(map(buf.count, _C_OPENS)) or n_rows != sum(map(buf.count, _ROW_OPENS)):
            return False  # some <c>/<row> without r= first: implied positions to count
        limits = self.limits
        if n_rows:
            rows = {p.partition(b'"')[0] for p in buf.split(_ROW_R)[1:]}
            if not all(r.isdigit() and len(r) <= 7 for r in rows):
                return False
            row_ints = list(map(int, rows))
            if max(row_ints) > limits.max_row or min(row_ints) < 1:
                return False
        if n_cells and not self._cells_near(buf, n_cells):
            # fine if only empty styled cells are beyond the limits (LibreOffice's formatted whole rows)
            rest = _EMPTY_CELL.sub(b"", buf)
            n_rest = rest.count(_C_R)
            if n_rest == n_cells or (n_rest and not self._cells_near(rest, n_rest)):
                return False
        # carry the implied-position state over to the next chunk
        last_c, last_row = buf.rfind(_C_R), buf.rfind(_ROW_R)
        if last_c > last_row:
            ref = buf[last_c + len(_C_R) :].partition(b'"')[0]
            self.col = _col_number(ref.rstrip(_DIGITS))
        elif last_row >= 0:
            self.col = 0
        if last_row >= 0:
            self.row = int(buf[last_row + len(_ROW_R) :].partition(b'"')[0])
        return True

    def _cells_near(self, buf: bytes, n_cells: int) -> bool:
        """True when the `n_cells` cells `<c r="…` of `buf` are plainly within the limits."""
        limits = self.limits
        refs = b" ".join([p.partition(b'"')[0] for p in buf.split(_C_R)[1:]])
        letter_toks = refs.translate(None, _DIGITS).split()
        digit_toks = refs.translate(None, _UPPER).split()
        if not len(letter_toks) == len(digit_toks) == n_cells:
            return False  # a ref without letters or digits, or with a space in it
        letters, digits = set(letter_toks), set(digit_toks)
        if not all(x.isalpha() and x.isupper() and len(x) <= 3 for x in letters):
            return False
        if not all(x.isdigit() and len(x) <= 7 for x in digits):
            return False
        if max(map(_col_number, letters)) > limits.max_col:
            return False
        cell_rows = list(map(int, digits))
        return max(cell_rows) <= limits.max_row and min(cell_rows) >= 1

    def _token(self, name: bytes, rv: bytes, buf: bytes = b"", at: int = -1) -> None:
        """One tag: `name` and its r= (ref= for the dimension); the tag starts at `buf[at]`."""
        limits = self.limits
        if name == b"c":
            if rv:
                row, col = self._position(rv, self.row or 1, self.col + 1)
            else:
                row, col = max(self.row, 1), self.col + 1
            self.col = col
            near = row <= limits.max_row and col <= limits.max_col
            if near and self.far_row is None:
                return
            if at >= 0 and _EMPTY_CELL.match(buf, at) is not None:
                return  # an empty styled cell: nothing for a reader to place
            if near:  # a far row whose cell says it is near: still the row
                self._absurd(row=self.far_row)
            self._absurd(ref=f"{col_letter(col)}{row}")
        elif name == b"row":
            self.far_row = None  # the far row before, if any, held no cell
            if rv:
                digits = rv.strip()
                if not digits.isdigit() or len(digits) > 7:
                    self._absurd(bad=rv)
                self.row = int(digits)
            else:
                self.row += 1
            if self.row < 1:
                self._absurd(bad=rv)
            if self.row > limits.max_row:
                if self.row > GRID_ROWS:
                    self._absurd(row=self.row)
                self.far_row = self.row  # harmless unless a cell follows in it
            self.col = 0
        elif rv:  # dimension ref="A1:H39": a hint, checked only to lie within the grid
            for part in rv.split(b":"):
                row, col = self._position(part, 1, 1)
                if row > GRID_ROWS or col > GRID_COLS:
                    self._absurd(bad=rv)

    def _bulk(self, toks: list[tuple[bytes, bytes]]) -> bool:
        """Check a chunk whose tags all carry r=; False to fall back on the tag-by-tag path."""
        limits = self.limits
        cells = [rv for name, rv in toks if name == b"c"]
        rows = [rv for name, rv in toks if name == b"row"]
        for name, rv in toks:
            if name == b"dimension":
                self._token(name, rv)
        if rows:
            row_set = set(rows)
            if not all(r.isdigit() and len(r) <= 7 for r in row_set):
                return False
            row_ints = list(map(int, row_set))
            if max(row_ints) > limits.max_row or min(row_ints) < 1:
                return False  # let the tag-by-tag path name the offending row
        if cells:
            pairs = _REFS_RE.findall(b" ".join(cells))
            if len(pairs) != len(cells):
                return False
            letters = {p[0] for p in pairs}
            digits = {p[1] for p in pairs}
            if max(map(_col_number, letters)) > limits.max_col:
                return False
            cell_rows = list(map(int, digits))
            if max(cell_rows) > limits.max_row or min(cell_rows) < 1:
                return False
        # carry the implied-position state over to the next chunk
        for name, rv in reversed(toks):
            if name == b"c":
                m = _REF_RE.match(rv)
                self.col = _col_number(m.group(1)) if m is not None else self.col
                break
            if name == b"row":
                self.col = 0
                break
        if rows:
            self.row = int(rows[-1])
        return True


class _SstScanner(_StreamScanner):
    """Reject a shared string item (<si>...</si>, markup included) above the limit."""

    def __init__(self, member: str, limits: Limits) -> None:
        super().__init__(member, limits)
        self.si_at: int | None = None

    def huge(self, size: int | None = None) -> None:
        raise UnsafeFile(
            "huge-shared-string",
            member=self.member,
            limit=_size_text(self.limits.max_string_bytes),
            bytes=size,
        )

    def _end(self, offset: int) -> None:
        if self.si_at is not None and offset - self.si_at > self.limits.max_string_bytes:
            self.huge(offset - self.si_at)

    def scan(self, buf: bytes, end: int) -> None:
        base = self.base
        for m in _SI_RE.finditer(buf, 0, end):
            offset = base + m.start()
            if m.group(2) == b"si":
                if m.group(1):
                    continue
                self._end(offset)
                self.si_at = offset
            elif m.group(1):  # </sst>
                self._end(offset)
                self.si_at = None

    def progress(self, end: int) -> None:
        self._end(end)

    def finish(self, end: int) -> None:
        self._end(end)
