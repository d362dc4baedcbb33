"""Turn any input path into a UnitReport, or into the one finding that says why it cannot be read.

The dispatch is by content, not by file name: a workbook, an interchange JSON, a published report.
Readers for each kind live in their own modules; this module only chooses and wraps failures. One use of
the name: a document that is not a workbook (Word, PowerPoint, OpenDocument text, PDF) but is named like one
(``报表.xlsx``) was renamed by hand, and gets the one finding that says so (FILE-MISNAMED) rather than being
read as a published report or called damaged.

A file that is neither (a 说明.txt, a readme, an unrelated .csv export beside the returns) gets one finding,
FILE-NOT-REPORT, decided by its content: the importer finds none of the form's labels and no report title or
sections in it, or the CSV reader no table of the form. Consumers tell it by `is_not_report(loaded.findings)`.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xltool.errors import InterchangeError
from xltool.findings import Finding, tool_finding
from xltool.interchange import UnitReport, carried_findings, load_json

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".et", ".ett", ".ods", ".csv"})
"""Names that say "spreadsheet": a document of another kind under one of them was renamed."""
DOCUMENT_KINDS: dict[str, tuple[str, str, str]] = {
    "docx": ("Word 文档", "Word document", ".docx"),
    "pptx": ("PowerPoint 演示文稿", "PowerPoint presentation", ".pptx"),
    "odt": ("OpenDocument 文本文档", "OpenDocument text document", ".odt"),
    "odp": ("OpenDocument 演示文稿", "OpenDocument presentation", ".odp"),
    "doc": ("Word 97-2003 文档", "Word 97-2003 document", ".doc"),
    "ppt": ("PowerPoint 97-2003 演示文稿", "PowerPoint 97-2003 presentation", ".ppt"),
    "pdf": ("PDF 文件", "PDF file", ".pdf"),
    "text": ("纯文本文件", "plain text file", ".txt"),
}
"""Documents that are not workbooks: kind -> (name zh, name en, their own extension)."""
_ODF_MIMES = (
    (b"application/vnd.oasis.opendocument.text", "odt"),
    (b"application/vnd.oasis.opendocument.presentation", "odp"),
)
NOT_REPORT = "FILE-NOT-REPORT"
"""The finding of a file that is neither a form return nor a published report (messages/sources.yaml)."""
_FILE_KINDS: dict[str, tuple[str, str]] = {
    "text": ("纯文本文件", "plain text file"),
    "csv": ("CSV 文本文件", "CSV text file"),
    "html": ("网页文件", "web page"),
    "docx": ("Word 文档", "Word document"),
    "pdf": ("PDF 文件", "PDF file"),
}
"""What a file without the form is, in words (FILE-NOT-REPORT's {kind})."""
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_ZIP_ENTRIES = 10_000


@dataclass
class Loaded:
    """What reading one file gave: a report (maybe with findings about the reading) or only findings."""

    path: Path
    report: UnitReport | None
    findings: list[Finding] = field(default_factory=list)


def _read_json(path: Path) -> Loaded:
    from xltool.errtext import xltool_error_text

    try:
        report = load_json(path)
    except InterchangeError as e:
        reason = {lang: xltool_error_text(e, lang, path.name) for lang in ("zh", "en")}
        return Loaded(path, None, [tool_finding("JSON-INVALID", reason=reason)])
    return Loaded(path, report, carried_findings(report))  # what `xltool import` found reading the report


def load_any(path: str | Path, **reader_options) -> Loaded:
    """Read one input file of any supported kind. Never raises for bad input."""
    from xltool.safezip import sniff

    p = Path(path)
    odd = not_a_file_finding(p)
    if odd is not None:
        return Loaded(p, None, [odd])
    if p.suffix.lower() == ".json":
        return _read_json(p)
    if p.suffix.lower() == ".xlsx" and reader_options.get("engine", "auto") in ("auto", "fast"):
        from xltool.reader import read_plain_xlsx

        loaded = read_plain_xlsx(p)  # the common case, read once: what sniffing would say is implied
        if loaded is not None:
            return loaded
    try:
        kind = sniff(p)
    except OSError as e:
        return Loaded(p, None, [unreadable_finding(e)])
    wrong = misnamed_finding(p, kind)
    if wrong is not None:
        return Loaded(p, None, [wrong])
    if kind == "csv":  # xltool's own --long table beside the summaries: skipped by its header, not read as a report
        from xltool.reader_loose import long_table_finding

        long = long_table_finding(p)
        if long is not None:
            return Loaded(p, None, [long])
    if _is_report(p, kind):
        from xltool.importer import import_report  # published reports: PDF, Word, web page, text

        return import_report(p)
    try:
        from xltool.reader import read_file  # workbooks and everything a workbook reader can sniff
    except ImportError:  # pragma: no cover - the reader is part of the package
        return Loaded(p, None, [tool_finding("FILE-FORMAT", kind=p.suffix, fix="请提供 JSON 数据文件。")])
    return read_file(p, kind=kind, **reader_options)


def not_report_finding(kind: str) -> Finding:
    """FILE-NOT-REPORT for a file whose content has nothing of the form: not a return, skipped.

    Args:
        kind: what the file is: 'text', 'csv', 'html', 'docx' or 'pdf' (the importer's and sniff's names).
    """
    zh, en = _FILE_KINDS.get(kind, ("文件", "file"))
    return tool_finding(NOT_REPORT, kind={"zh": zh, "en": en})


def is_not_report(findings: list[Finding]) -> bool:
    """Whether a file's findings say it is no report or form return at all (FILE-NOT-REPORT): no unit's file."""
    return any(f.rule == NOT_REPORT for f in findings)


def not_a_file_finding(p: Path) -> Finding | None:
    """A finding for a path no reader may open — a pipe or a device (opening one waits forever), a broken or
    looping link, a folder — else None. One stat per file: what it costs is nothing next to reading it."""
    try:
        mode = os.stat(p).st_mode
    except OSError as e:
        if e.errno == errno.ENOENT and os.path.islink(p):
            e = FileNotFoundError(errno.ENOENT, "broken link", str(p))
            f = unreadable_finding(e)
            f.title = {
                "zh": "文件无法读取：这是一个快捷方式（符号链接），它指向的文件不存在",
                "en": "The file cannot be read: it is a link (symlink) whose target does not exist",
            }
            return f
        return unreadable_finding(e)
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return unreadable_finding(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(p)))
    return tool_finding("FILE-NOT-REGULAR")


def unreadable_finding(e: OSError) -> Finding:
    """FILE-UNREADABLE for a file the system would not open, in words a clerk understands (no "[Errno 13]")."""
    from xltool.errtext import os_error_text

    reason = {lang: os_error_text(e, lang, path="", writing=False) for lang in ("zh", "en")}
    fix = {
        "zh": "请确认文件存在、可以打开，然后重新报送或重新运行。",
        "en": "Make sure the file exists and can be opened.",
    }
    return tool_finding("FILE-UNREADABLE", reason=reason, fix=fix)


def misnamed_finding(path: str | Path, kind: str | None = None) -> Finding | None:
    """FILE-MISNAMED when a Word/PowerPoint/OpenDocument/PDF document carries a spreadsheet's name, else None.

    Args:
        path: the file as received.
        kind: `xltool.safezip.sniff(path)` when the caller already has it.
    """
    p = Path(path)
    if p.suffix.lower() not in WORKBOOK_SUFFIXES:
        return None
    try:
        if kind is None:
            from xltool.safezip import sniff

            kind = sniff(p)
        doc = document_kind(p, kind)
    except OSError:
        return None  # the reader says why the file cannot be opened
    if doc is None or (doc == "text" and p.suffix.lower() == ".csv"):
        return None  # a .csv is text: the CSV reader says what it holds
    zh, en, real = DOCUMENT_KINDS[doc]
    return tool_finding("FILE-MISNAMED", kind={"zh": zh, "en": en}, real=real, suffix=p.suffix.lower())


def document_kind(p: Path, kind: str) -> str | None:
    """A key of DOCUMENT_KINDS when the file's bytes are such a document (sniff's `kind` first), else None."""
    if kind in ("docx", "pdf", "text"):
        return kind
    if kind == "zip-other":
        return _zip_document(p)
    if kind == "unknown":
        return _cfb_document(p)
    return None


def _zip_document(p: Path) -> str | None:
    with open(p, "rb") as f:
        head = f.read(64 * 1024)
        names: list[str] | None = None
        if _zip_entries(f) <= _MAX_ZIP_ENTRIES:
            try:
                f.seek(0)
                with zipfile.ZipFile(f) as z:
                    names = z.namelist()
                    if "mimetype" in names:
                        with z.open("mimetype") as m:
                            head = b"mimetype" + m.read(100)
            except (zipfile.BadZipFile, ValueError, EOFError, zlib.error, NotImplementedError, RuntimeError):
                names = None
    if names is not None:
        if "ppt/presentation.xml" in names:
            return "pptx"
        if "word/document.xml" in names:
            return "docx"
    elif b"ppt/presentation.xml" in head or b"ppt/slides/" in head:  # damaged: judge by the local headers
        return "pptx"
    for mime, doc in _ODF_MIMES:
        if b"mimetype" + mime in head:
            return doc
    return None


def _zip_entries(f) -> int:
    """Entry count in the zip's end-of-central-directory record; a huge number when absent or zip64."""
    from xltool.safezip import _eocd_entry_count

    count = _eocd_entry_count(f)
    return 1 << 30 if count is None or count == 0xFFFF else count


def _cfb_document(p: Path) -> str | None:
    """A legacy Word or PowerPoint file (OLE compound file without a Workbook stream)."""
    with open(p, "rb") as f:
        if f.read(8) != _CFB_MAGIC:
            return None
        raw = f.read(4 * 1024 * 1024)  # directory entry names are UTF-16LE
    if "WordDocument".encode("utf-16-le") in raw:
        return "doc"
    if "PowerPoint Document".encode("utf-16-le") in raw:
        return "ppt"
    return None


def _is_report(p: Path, kind: str) -> bool:
    """A published report (PDF, .docx, HTML, plain text) by its content, or an unknown file named like one."""
    if kind in ("xlsx", "xls", "et", "ods"):
        return False  # a workbook: the importer is not even imported
    from xltool.importer import REPORT_KINDS, REPORT_SUFFIXES

    return kind in REPORT_KINDS or (kind in ("unknown", "zip-other") and p.suffix.lower() in REPORT_SUFFIXES)


_CLUTTER = frozenset({"thumbs.db", "desktop.ini"})
"""Files the system itself leaves in folders: never anybody's return."""


def _files_under(folder: Path) -> Iterator[Path]:
    """The files under `folder` that `expand_paths` lists, from the directory entries alone (no stat of a plain
    file: 10,000 returns are listed in a few ms). Hidden folders are not entered. An entry that is no plain
    file — a broken or looping link, a pipe, a device — is listed too, so that reading it says what it is:
    nothing in a folder vanishes. A link to a folder is followed after the walk, unless the folder it leads to
    was walked already (a link to a subfolder, a link back up: no file twice, no loop)."""
    walked: list[str] = []
    links: list[Path] = []
    yield from _walk(folder, walked, links)
    while links:
        link = links.pop(0)
        real = os.path.realpath(link)
        inside = any(real == w or real.startswith(w.rstrip(os.sep) + os.sep) for w in walked)
        above = any(w.startswith(real.rstrip(os.sep) + os.sep) for w in walked)  # `..`, `/`: the folder's parents
        if inside or above:
            continue
        yield from _walk(link, walked, links)


def _walk(folder: Path, walked: list[str], links: list[Path]) -> Iterator[Path]:
    walked.append(os.path.realpath(folder))
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        name = e.name
        if name.startswith("."):
            continue
        try:
            if e.is_dir(follow_symlinks=False):
                yield from _walk(folder / name, walked, links)
            elif e.is_file():
                if not name.startswith(("~$", ".~lock")) and name.lower() not in _CLUTTER:
                    yield folder / name
            elif e.is_symlink() and e.is_dir():
                links.append(folder / name)
            else:
                yield folder / name  # a broken link, a pipe, a device: `load_any` says what it is
        except OSError:
            yield folder / name


def unique_files(paths: list[Path]) -> list[Path]:
    """`paths` without a file named twice (a folder and a file in it, a link beside its target), in order.

    A path is taken as its folder's real path and its own name unless it is a link itself: one realpath per
    folder, not one per file (resolving 10,000 files each from the root took ~0.4 s).
    """
    real_dirs: dict[Path, str] = {}
    seen: dict[str, Path] = {}
    for p in paths:
        parent = p.parent
        d = real_dirs.get(parent)
        if d is None:
            d = real_dirs[parent] = os.path.realpath(parent)
        key = os.path.join(d, p.name)
        if os.path.islink(key):
            key = os.path.realpath(key)
        seen.setdefault(key, p)
    return list(seen.values())


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given, and every file in folders, recursively (sorted; hidden files, ~$ and .~lock files of
    open documents and the system's Thumbs.db / desktop.ini skipped).

    Every other file is listed, whatever its name: a zipped return, a photo of the form or an old .doc each
    get their finding (unzip it, send the workbook), a 说明.txt or readme is listed as skipped; none vanishes.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(_files_under(p))
        else:
            out.append(p)
    return out
