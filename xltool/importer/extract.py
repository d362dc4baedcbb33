"""Turn a published report file (PDF, HTML, DOCX, plain text) into neutral structure.

This is the format layer of the report importer: it finds the title, the plain text, the six sections and the
tables as dense grids. It knows nothing about the form's cell keys; mapping rows and columns to keys is done
later, on the :class:`ExtractedTable` grids.

Example::

    doc = extract("huaian-city-2024-report.pdf")
    doc.title                      # '淮安市人民政府2024年政府信息公开工作年度报告'
    doc.sections["五"]             # the prose of section 五
    tables = merge_continued(doc.tables)   # a table split by a page break becomes one
"""

from __future__ import annotations

import copy
import email
import email.policy
import io
import os
import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from xltool.errors import XltoolError

__all__ = [
    "ExtractError",
    "ExtractedDocument",
    "ExtractedTable",
    "PREAMBLE",
    "SCANNED_PDF_MESSAGE",
    "cell_text",
    "clean_text",
    "extract",
    "extract_bytes",
    "merge_continued",
]

SCANNED_PDF_MESSAGE = "扫描件，无法提取文字，请提供文字版"

SECTION_NUMERALS = ("一", "二", "三", "四", "五", "六")
PREAMBLE = "前言"
"""Key of the opening paragraph (:attr:`ExtractedDocument.preamble`) among an imported report's sections."""


# Model


@dataclass
class ExtractedTable:
    """One table of the document as a dense grid of strings."""

    rows: list[list[str | None]]
    """Dense grid after expanding rowspan/colspan: a merged cell's text is at its top-left position and the other
    positions it covers hold None. A cell of its own without text is ''. Text is whitespace-collapsed
    (see :func:`clean_text`); a label broken over lines inside a cell is joined again. Tables read from plain text
    cannot tell merged cells from blank ones: there an empty field is '' and None only pads short rows."""
    page: int | None
    """1-based page of the table's first row (PDF); None for other formats."""
    index: int
    """Table number in the document, 0-based."""
    spans: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    """Merged cells only: (row, col) of the top-left position -> (rowspan, colspan). Empty when unknown (text)."""
    last_page: int | None = None
    """PDF: last page the table is on (differs from page after :func:`merge_continued`)."""
    col_x: tuple[float, ...] | None = None
    """PDF: x coordinates of the column boundaries (len = columns + 1), used to re-align a continued table."""
    at_page_top: bool | None = None
    """PDF: no body text above the table on its page (None: unknown). A continuation starts at a page top."""
    at_page_bottom: bool | None = None
    """PDF: no body text below the table on its (last) page (None: unknown)."""
    row_pages: list[int] | None = None
    """PDF: the page of each row (a table joined by :func:`merge_continued` spans pages); None for other formats."""

    @property
    def n_cols(self) -> int:
        """Number of columns of the grid."""
        return max((len(r) for r in self.rows), default=0)


@dataclass
class ExtractedDocument:
    """A report file as neutral structure."""

    kind: str
    """'pdf' | 'html' | 'docx' | 'text'."""
    title: str
    """The report's title line, whitespace collapsed ('' if none was found)."""
    text: str
    """The full plain text, one paragraph per line; a table appears in place, one row per line, cells tab-separated."""
    tables: list[ExtractedTable]
    """The tables in document order. A PDF table continued on the next page is returned as two tables."""
    sections: dict[str, str]
    """'一'..'六' -> the prose of that section without its heading line and without table text. Missing sections
    are absent."""
    headings: dict[str, str] = field(default_factory=dict)
    """'一'..'六' -> the heading line as found, e.g. '五、存在的主要问题及整改措施'."""
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop the extraction (Chinese), e.g. a page without a text layer."""
    preamble: str = ""
    """The prose between the title and section 一 — the opening paragraph most reports print under their title
    ("本报告由…根据《中华人民共和国政府信息公开条例》…编制…") —, one paragraph per line; '' if none. Only sentences
    count: a web page's date line or font-size links there are not prose. An imported report keeps it in its
    sections under the key :data:`PREAMBLE`."""


_MESSAGES = {
    "scanned-pdf": (SCANNED_PDF_MESSAGE, "Scanned document: the PDF has no text layer; please provide a text version."),
    "encrypted-pdf": (
        "PDF 已加密，需要密码才能打开，请提供未加密的文件",
        "The PDF is encrypted and needs a password; please provide an unencrypted file.",
    ),
    "unknown-format": (
        "无法识别的文件格式，请提供 PDF、Word（.docx）、网页（HTML）或文本文件",
        "Unknown file format; please provide a PDF, Word (.docx), HTML or plain-text file.",
    ),
    "corrupt": ("文件已损坏，无法读取", "The file is damaged and cannot be read."),
    "empty": ("文件为空，没有可提取的内容", "The file is empty: there is nothing to extract."),
}


class ExtractError(XltoolError):
    """A report file cannot be turned into text and tables.

    Attributes:
        code: 'scanned-pdf' | 'encrypted-pdf' | 'unknown-format' | 'corrupt' | 'empty'.
        message_zh: what happened and what to do, in Chinese (shown to users by default).
        message_en: the same in English.
    """

    def __init__(self, code: str, message_zh: str | None = None, message_en: str | None = None):
        default_zh, default_en = _MESSAGES.get(code, ("无法读取文件", "The file cannot be read."))
        self.code = code
        self.message_zh = message_zh or default_zh
        self.message_en = message_en or default_en
        super().__init__(f"[{code}] {self.message_zh}")


# Text normalisation

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"[\s\u00a0\u3000\u2000-\u200a\u202f\u205f]+")
# CJK ideographs, CJK punctuation, full-width forms and the general punctuation that Chinese text uses (“ ” — …).
_WIDE = "\u2010-\u2027\u2030-\u205e\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_SPACE_NEXT_TO_WIDE = re.compile(f" (?=[{_WIDE}])|(?<=[{_WIDE}]) ")


def clean_text(s: str | None) -> str:
    """Collapse whitespace the way Chinese text needs it.

    Line breaks, tabs, &nbsp; and full-width spaces become one space; a space next to a Chinese character or
    Chinese punctuation is dropped (a label broken over lines, "结 果\\n维持" -> "结果维持", "2021 年" -> "2021年");
    spaces between two Latin words or numbers stay ("PDF file", "12 34").

    Args:
        s: any text, or None.

    Returns:
        The cleaned text ('' for None).
    """
    if not s:
        return ""
    s = _ZERO_WIDTH.sub("", s)
    s = _WHITESPACE.sub(" ", s).strip()
    return _SPACE_NEXT_TO_WIDE.sub("", s)


_WRAPPED_PIECE = re.compile(r"[\d.,，]+")
_WRAPPED_NUMBER = re.compile(r"\d[\d,，]*(\.\d+)?")


def cell_text(raw: str | None) -> str:
    """A table cell's text, cleaned (:func:`clean_text`); a number wrapped over lines in a narrow cell joined again.

    A PDF cell too narrow for "178" prints "17" and "8" on two lines; the lines are digits only and make one
    number together, so they are one number ("17\n8" -> "178", "96171.\n6" -> "96171.6"), never "17 8".
    Anything else on the lines keeps the line break as a space ("12\n3件" stays "12 3件").
    """
    if raw and "\n" in raw:
        pieces = [clean_text(p) for p in raw.split("\n")]
        pieces = [p for p in pieces if p]
        joined = "".join(pieces)
        if len(pieces) > 1 and all(_WRAPPED_PIECE.fullmatch(p) for p in pieces) and _WRAPPED_NUMBER.fullmatch(joined):
            return joined
    return clean_text(raw)


_NUMBER = re.compile(r"^[+-]?(\d[\d,，]*)?(\.\d+)?%?$")
# The start of a label or an item: （一） (1) 一、 1. 1、 第二十条
_ENUMERATOR = re.compile(
    r"^\s*([（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．](?!\d)"
    r"|第\s*[一二三四五六七八九十百\d]+)"
)
_HEADING = re.compile(r"^\s*([一二三四五六])\s*[、.．，,]\s*(.*)$", re.S)
_HEADING_WORDS = ("总体", "主动公开", "申请", "复议", "诉讼", "问题", "改进", "整改", "其他", "事项", "报告")
_SENTENCE_END = "。！？；：!?;:”」）)"


def _is_number(s: str | None) -> bool:
    return bool(s) and any(ch.isdigit() for ch in s) and bool(_NUMBER.match(s.replace(" ", "")))


def _heading_of(paragraph: str) -> tuple[str, str, str] | None:
    """(numeral, heading line, rest of the paragraph) if the paragraph starts a section 一..六, else None."""
    m = _HEADING.match(paragraph)
    if not m:
        return None
    numeral, after = m.group(1), m.group(2)
    # "一、总体情况。2024年……" : the heading ends at the first full stop or colon.
    cut = re.search(r"[。：:]", after)
    title, rest = (after[: cut.start()], after[cut.end() :]) if cut else (after, "")
    if len(title) > 40 and not any(w in title[:30] for w in _HEADING_WORDS):
        return None
    if not title.strip() or _is_number(title.strip()):
        return None
    return numeral, clean_text(paragraph[: m.start(2)] + title), rest.strip()


# Blocks: the document as a sequence of paragraphs and tables, in reading order.


@dataclass
class _Block:
    text: str | None = None
    table: ExtractedTable | None = None


def _render_row(row: list[str | None]) -> str:
    return "\t".join(c or "" for c in row).rstrip("\t")


_UNIT = re.compile(r"政府|局|委|办|院|厅|街道|乡|镇|区|县|市|中心|公司|署|会")


def _find_title(paragraphs: list[str], fallback: str = "") -> str:
    """The title: the first short paragraph naming the 年度报告, joined to the unit line above it if split."""
    candidates = paragraphs[:12]
    for i, p in enumerate(candidates):
        if _heading_of(p):
            break
        if "报告" in p and len(p) <= 80 and ">" not in p and "当前位置" not in p:
            # A title set on two or three lines: "淮安市人民政府" / "2024 年政府信息公开工作年度报告".
            start = i
            while (
                start > 0
                and i - start < 3
                and not _UNIT.search(re.split(r"\d|政府信息公开|政务公开", p, maxsplit=1)[0])
            ):
                prev = candidates[start - 1]
                if len(prev) > 30 or "报告" in prev or re.search(r"[。，,:：>|]|\d{4}\s*[-/.]\s*\d", prev):
                    break
                if not (_UNIT.search(prev) or re.match(r"\d{4}\s*年", prev)):
                    break
                start -= 1
                p = prev + p
            return clean_text(p)
    if clean_text(fallback):
        return clean_text(fallback)
    first = clean_text(paragraphs[0]) if paragraphs else ""
    return first if len(first) <= 60 and not _heading_of(first) and first[-1:] not in _SENTENCE_END else ""


def _assemble(kind: str, blocks: list[_Block], title_fallback: str = "", warnings=None) -> ExtractedDocument:
    """Build the document from blocks: title, text, tables (numbered), sections."""
    tables: list[ExtractedTable] = []
    lines: list[str] = []
    paragraphs: list[str] = []
    for b in blocks:
        if b.table is not None:
            b.table.index = len(tables)
            tables.append(b.table)
            lines.extend(_render_row(r) for r in b.table.rows)
        elif b.text:
            lines.append(b.text)
            paragraphs.append(b.text)

    sections: dict[str, list[str]] = {}
    headings: dict[str, str] = {}
    current: str | None = None
    last = -1
    before: list[str] = []  # the paragraphs above section 一
    for p in paragraphs:
        h = _heading_of(p)
        n = SECTION_NUMERALS.index(h[0]) if h else -1
        # The next section; a later one only if its heading says so (a sub-item "三、加强……" inside 一 is not 三).
        if h and (n == last + 1 or (n > last and any(w in h[1] for w in _HEADING_WORDS))):
            current, last = h[0], n
            headings[current] = h[1]
            sections[current] = [h[2]] if h[2] else []
        elif current is not None:
            sections[current].append(p)
        else:
            before.append(p)

    text = "\n".join(lines)
    if not text.strip():
        raise ExtractError("empty")
    title = _find_title(paragraphs, title_fallback)
    return ExtractedDocument(
        kind=kind,
        title=title,
        text=text,
        tables=tables,
        sections={k: "\n".join(v) for k, v in sections.items()},
        headings=headings,
        warnings=list(warnings or []),
        preamble="\n".join(_preamble(before, title)) if headings else "",  # no 一: nothing is "before" it
    )


def _preamble(paragraphs: list[str], title: str) -> list[str]:
    """The opening paragraphs among those above section 一: after the title, sentences only.

    The title (or a line of it: "淮安市人民政府" / "2024年政府信息公开工作年度报告") and what stands above it (a web
    page's 当前位置 line) are not part of it, nor are lines that are no sentence: "发布日期：2025-01-20",
    "字号：大 中 小", "（2025年1月20日）".
    """
    start = 0
    for i, p in enumerate(paragraphs):
        if title and clean_text(p) and clean_text(p) in title:
            start = i + 1
    return [p for p in paragraphs[start:] if len(p) >= 15 and "。" in p and clean_text(p) not in title]


def _grid(cells: list[tuple[int, int, int, int, str]], n_rows: int | None = None):
    """Dense grid and spans from cells (row, col, rowspan, colspan, text)."""
    n_rows = max([r + rs for r, _, rs, _, _ in cells] + [n_rows or 0])
    n_cols = max([c + cs for _, c, _, cs, _ in cells], default=0)
    rows: list[list[str | None]] = [[None] * n_cols for _ in range(n_rows)]
    spans = {}
    for r, c, rs, cs, text in cells:
        rows[r][c] = text
        if rs > 1 or cs > 1:
            spans[(r, c)] = (rs, cs)
    return rows, spans


def _cells_of(t: ExtractedTable) -> list[list]:
    """The table as mutable cells [row, col, rowspan, colspan, text]."""
    return [
        [r, c, *t.spans.get((r, c), (1, 1)), v]
        for r, row in enumerate(t.rows)
        for c, v in enumerate(row)
        if v is not None
    ]


# Continued tables


def _regrid(b: ExtractedTable, col_x: tuple[float, ...]) -> ExtractedTable | None:
    """Re-express table b on the columns col_x of the table it continues, if b's column boundaries are a subset."""
    if not b.col_x or not col_x:
        return None
    tol = 3.0
    mapping = []
    for x in b.col_x:
        k = min(range(len(col_x)), key=lambda i: abs(col_x[i] - x))
        if abs(col_x[k] - x) > tol:
            return None
        mapping.append(k)
    if mapping[0] != 0 or mapping[-1] != len(col_x) - 1 or mapping != sorted(set(mapping)):
        return None
    cells = [[r, mapping[c], rs, mapping[c + cs] - mapping[c], v] for r, c, rs, cs, v in _cells_of(b)]
    rows, spans = _grid([tuple(x) for x in cells], len(b.rows))
    return ExtractedTable(**{**b.__dict__, "rows": rows, "spans": spans, "col_x": tuple(col_x)})


def _continues(a: ExtractedTable, b: ExtractedTable) -> tuple[ExtractedTable, ExtractedTable] | None:
    """(a, b) on the same columns if b continues a across a page break, else None.

    The part with fewer columns is re-gridded on the other's: a page may lack a column boundary that only some
    rows have (表三's third label column, drawn only by the rows of （三）…（六）: the first page holds 一、二、（一）,
    the next page the rest, with the header repeated on the wider grid).
    """
    if a.page is None or b.page is None or b.page != (a.last_page or a.page) + 1:
        return None
    if a.at_page_bottom is False or b.at_page_top is False:
        return None
    if a.n_cols == b.n_cols:
        return a, b
    if b.n_cols < a.n_cols and a.col_x:
        b2 = _regrid(b, a.col_x)
        return (a, b2) if b2 is not None else None
    if a.n_cols < b.n_cols and b.col_x:
        a2 = _regrid(a, b.col_x)
        return (a2, b) if a2 is not None else None
    return None


def _join(a: ExtractedTable, b: ExtractedTable) -> ExtractedTable:
    a_cells = _cells_of(a)
    b_rows = b.rows
    # A header row repeated on the new page ("重复标题行") is dropped.
    k = 0
    while k < min(len(a.rows), len(b_rows) - 1) and b_rows[k] == a.rows[k] and any(b_rows[k]):
        k += 1
    b_cells = [[r - k, c, rs, cs, v] for r, c, rs, cs, v in _cells_of(b) if r >= k]
    last = len(a.rows) - 1
    # The cells of a that reach its last row, by (column, colspan).
    bottom = {(c, cs): cell for cell in a_cells for (r, c, rs, cs, _) in [cell] if r + rs - 1 == last}
    first = [cell for cell in b_cells if cell[0] == 0]

    a_nums = {c for (c, _), cell in bottom.items() if cell[0] == last and _is_number(cell[4])}
    b_nums = {cell[1] for cell in first if _is_number(cell[4])}
    b_first_text = next((cell[4] for cell in sorted(first, key=lambda x: x[1]) if cell[4]), "")
    a_text = {c: cell[4] for (c, _), cell in bottom.items() if cell[0] == last}
    b_text = {cell[1]: cell[4] for cell in first}
    row_split = (
        bool(a_nums ^ b_nums)
        and not (a_nums & b_nums)
        and not _ENUMERATOR.match(b_first_text)
        and all((cell[1], cell[3]) in bottom for cell in first)
        # the half without the numbers has nothing where the other half has them: a header row over a data row
        # ("信息内容 本年制发件数 …" at the foot of a page, "规章 1 0 11" on the next) is two rows
        and not any(a_text.get(c) for c in b_nums)
        and not any(b_text.get(c) for c in a_nums)
    )
    offset = len(a.rows) - 1 if row_split else len(a.rows)
    merged_away = set()
    for cell in first:
        key = (cell[1], cell[3])
        owner = bottom.get(key)
        if owner is None:
            continue
        if row_split:
            # One logical row printed half on each page: the halves are one cell.
            owner[4] = clean_text((owner[4] or "") + (cell[4] or ""))
            owner[2] += cell[2] - 1
            merged_away.add(id(cell))
            continue
        label = owner[4] and not _is_number(owner[4])
        spanning = owner[2] > 1 or cell[2] > 1
        go_on = cell[4] == "" or (not _is_number(cell[4]) and not _ENUMERATOR.match(cell[4]))
        if label and spanning and go_on:
            # A merged label cell cut by the page break ("（四）无" / "法提供"), or its empty remainder.
            owner[4] = clean_text(owner[4] + cell[4])
            owner[2] += cell[2]
            merged_away.add(id(cell))
    cells = [tuple(c) for c in a_cells] + [
        (cell[0] + offset, cell[1], cell[2], cell[3], cell[4]) for cell in b_cells if id(cell) not in merged_away
    ]
    rows, spans = _grid(cells)
    row_pages = None
    if a.page is not None and b.page is not None:
        # the rows of a, then b's rows past its dropped header rows (and past the half row joined to a's last)
        pages = (a.row_pages or [a.page] * len(a.rows)) + (b.row_pages or [b.page] * len(b.rows))[
            k + (1 if row_split else 0) :
        ]
        row_pages = (pages + [pages[-1]] * len(rows))[: len(rows)]
    return ExtractedTable(
        rows=rows,
        page=a.page,
        index=a.index,
        spans=spans,
        last_page=b.last_page or b.page,
        col_x=a.col_x,
        at_page_top=a.at_page_top,
        at_page_bottom=b.at_page_bottom,
        row_pages=row_pages,
    )


def merge_continued(tables: list[ExtractedTable]) -> list[ExtractedTable]:
    """Join each table continued across a page break to the table it continues.

    Two consecutive tables are joined when the second is on the next page, the first ends its page and the second
    starts its page (when known), and they have the same number of columns — or the second's column boundaries are
    a subset of the first's (a page that only holds the wide-cell part of a table), in which case it is re-aligned
    to the first's columns. At the joint: a repeated header row is dropped; a merged label cell cut by the page
    break ("（四）无" + "法提供") becomes one cell again; a row printed half on each page becomes one row.

    Args:
        tables: tables in document order, e.g. ``extract(path).tables``. Not modified.

    Returns:
        A new list, renumbered 0.. ; a joined table keeps the first part's ``page`` and gets ``last_page``.
    """
    out: list[ExtractedTable] = []
    for t in tables:
        t = copy.deepcopy(t)
        pair = _continues(out[-1], t) if out else None
        if pair is not None:
            out[-1] = _join(*pair)
        else:
            out.append(t)
    for i, t in enumerate(out):
        t.index = i
    return out


# PDF

_PAGE_NUMBER = re.compile(
    r"^([-—–－]\s*\d{1,4}\s*[-—–－]|\d{1,4}|第\s*\d+\s*页(\s*[，,/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
)


def _is_edge(obj) -> bool:
    """Objects that may be table borders: lines, curves, thin rects and stroked rects, not filled backgrounds.

    Word/WPS PDFs put a white filled rectangle behind every text line and shade cells; used as edges, these make
    pdfplumber see a table in every paragraph (measured on the 淮安 and 洪泽 2024 reports).
    """
    if obj.get("object_type") != "rect":
        return True
    return bool(obj.get("stroke")) or min(obj["width"], obj["height"]) <= 2


def _pdf_table(table, page_no: int) -> ExtractedTable | None:
    cells_bbox = table.cells
    if not cells_bbox:
        return None
    xs = sorted({c[0] for c in cells_bbox})
    tops = sorted({c[1] for c in cells_bbox})
    texts = table.extract()
    cells = []
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            cs = max(1, sum(1 for x in xs if x0 - 0.5 <= x < x1 - 0.5))
            rs = max(1, sum(1 for t in tops if top - 0.5 <= t < bottom - 0.5))
            cells.append((r, xs.index(x0), rs, cs, cell_text(texts[r][c])))
    rows, spans = _grid(cells, len(tops))
    t = ExtractedTable(rows=rows, page=page_no, index=0, spans=spans, last_page=page_no)
    t.row_pages = [page_no] * len(rows)
    t.col_x = tuple(round(x, 2) for x in [*xs, max(c[2] for c in cells_bbox)])
    if t.n_cols < 2 or not any(v for row in rows for v in row):
        return None  # a boxed paragraph, not a table: its text stays in the prose
    return t


def _open_pdf(data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages
    except Exception as e:
        # pdfplumber wraps pdfminer's exceptions (PdfminerException(PDFPasswordIncorrect())).
        causes = [e, *[a for a in e.args if isinstance(a, BaseException)], e.__cause__, e.__context__]
        if any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes):
            raise ExtractError("encrypted-pdf") from e
        raise ExtractError("corrupt", message_en=f"The PDF cannot be read: {e!r}") from e
    return pdf


def _extract_pdf(data: bytes) -> ExtractedDocument:
    pdf = _open_pdf(data)
    with pdf:
        try:
            return _read_pdf(pdf)
        except ExtractError:
            raise
        except Exception as e:  # pdfminer raises many kinds of errors on damaged files
            raise ExtractError("corrupt", message_en=f"The PDF cannot be read: {e}") from e


def _read_pdf(pdf) -> ExtractedDocument:
    if not pdf.pages:
        raise ExtractError("empty")
    items: list[tuple[int, float, object]] = []  # (page, top, line dict | ExtractedTable)
    warnings: list[str] = []
    all_chars = cid_chars = kept_chars = 0
    for page_no, page in enumerate(pdf.pages, 1):
        page = page.dedupe_chars()
        chars = page.chars
        all_chars += sum(1 for c in chars if c["text"].strip())
        cid_chars += sum(1 for c in chars if c["text"].startswith("(cid:"))
        tables = []
        for found in page.filter(_is_edge).find_tables():
            t = _pdf_table(found, page_no)
            if t is not None:
                tables.append((found.bbox, t))

        def outside(obj, boxes=tuple(b for b, _ in tables)):
            if obj.get("object_type") != "char":
                return True
            xm, ym = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
            return not any(x0 - 1 <= xm <= x1 + 1 and top - 1 <= ym <= bottom + 1 for x0, top, x1, bottom in boxes)

        lines = []
        for ln in page.filter(outside).extract_text_lines(return_chars=True):
            text = ln["text"].strip()
            near_edge = ln["top"] > page.height * 0.88 or ln["bottom"] < page.height * 0.12
            if not text or (near_edge and _PAGE_NUMBER.match(text.replace(" ", ""))):
                continue
            lines.append(ln)
        # Running headers and footers in the margins do not count as text above or below a table.
        body = [ln for ln in lines if ln["bottom"] > page.height * 0.07 and ln["top"] < page.height * 0.93]
        for bbox, t in tables:
            t.at_page_top = not any(ln["bottom"] <= bbox[1] + 1 for ln in body)
            t.at_page_bottom = not any(ln["top"] >= bbox[3] - 1 for ln in body)
            items.append((page_no, bbox[1], t))
        items.extend((page_no, ln["top"], ln) for ln in lines)
        kept_chars += sum(len(ln["text"].strip()) for ln in lines)
        kept_chars += sum(len(v or "") for _, t in tables for row in t.rows for v in row)
        if not lines and not tables and page.images:
            warnings.append(f"第{page_no}页没有文字层（可能是扫描页），该页内容未能提取")
    if kept_chars < 10:  # nothing, or only page numbers ("- 1 -") stamped on scanned pages
        raise ExtractError("scanned-pdf")
    if cid_chars > all_chars / 2:
        raise ExtractError(
            "scanned-pdf",
            "PDF 的字体缺少编码表，文字无法识别，请提供文字版",
            "The PDF's fonts have no Unicode mapping, so its text cannot be read; please provide a text version.",
        )
    items.sort(key=lambda it: (it[0], it[1]))
    return _assemble("pdf", _pdf_blocks(items), _pdf_title(pdf.metadata.get("Title")), warnings)


def _pdf_title(value) -> str:
    """The document-information title; pdfminer leaves some UTF-16 titles undecoded ("ÿþ?eœ^…")."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return ""
    if value[:2] in ("\xff\xfe", "\xfe\xff"):
        from pdfminer.utils import PDFDocEncoding

        byte_of: dict[str, int] = {}
        for i, ch in enumerate(PDFDocEncoding):
            byte_of.setdefault(ch, i)
        try:
            value = bytes(
                ord(ch) if ord(ch) < 256 and PDFDocEncoding[ord(ch)] == ch else byte_of[ch] for ch in value
            ).decode("utf-16")
        except (UnicodeError, ValueError, KeyError):
            return ""
    return "" if "\ufffd" in value or not re.search(f"[{_WIDE}]", value) else value


def _pdf_blocks(items) -> list[_Block]:
    """Lines -> paragraphs (a line reaching the right margin continues into an unindented next line)."""
    lines = [ln for _, _, ln in items if isinstance(ln, dict)]
    if not lines:
        return [_Block(table=t) for _, _, t in items]
    widths = [c["x1"] - c["x0"] for ln in lines for c in ln["chars"] if ord(c["text"][:1] or "a") > 0x2E80]
    cw = statistics.median(widths) if widths else 10.0
    left = Counter(round(ln["x0"]) for ln in lines).most_common(1)[0][0]
    rights = sorted(ln["x1"] for ln in lines)
    right = rights[int(len(rights) * 0.9)] if len(rights) > 1 else rights[0]

    blocks: list[_Block] = []
    buf: list[str] = []
    prev = None

    def flush():
        if buf:
            blocks.append(_Block(text=clean_text("\n".join(buf))))
            buf.clear()

    for _, _, it in items:
        if isinstance(it, ExtractedTable):
            flush()
            blocks.append(_Block(table=it))
            prev = None
            continue
        text = it["text"]
        continues = (
            prev is not None
            and prev["x1"] >= right - 1.5 * cw
            and it["x0"] <= left + 0.8 * cw
            and prev["x0"] <= left + 3 * cw
            and not _heading_of(clean_text(text))
        )
        if not continues:
            flush()
        buf.append(text)
        prev = it
    flush()
    return blocks


# HTML

_SKIP_TAGS = {"script", "style", "noscript", "head", "template", "iframe", "object", "svg", "select", "textarea"}
_SKIP_TAGS |= {"title", "nav", "footer"}  # site chrome: a footer would otherwise end up in section 六
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "ul", "tr", "td", "th", "caption", "tbody", "thead", "tfoot",
}  # fmt: skip
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CHROME = re.compile(
    r"(^|[-_\s])(footer|foot|nav|navbar|menu|breadcrumb|crumbs?|share|copyright|sidebar)([-_\s]|$)", re.I
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _decode(data: bytes, declared: str | None = None) -> str:
    """Bytes -> text: BOM, then UTF-8, then the declared charset, then GB18030."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encodings = []
    if declared:
        d = declared.lower().strip()
        encodings.append("gb18030" if d in {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "euc-cn"} else d)
    encodings.append("gb18030")
    for enc in encodings:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


def _source_newline(s: str) -> bool:
    """Whitespace with a line break between two tags is source formatting, not a space in the text.

    Word's HTML puts every character in its own <span> and wraps its source lines between them: "<span>20</span>\n
    <span>24</span>" is the number 2024.
    """
    return "\n" in s and not s.strip()


def _hidden(tag) -> bool:
    """Not shown, or site chrome (navigation, footer, share buttons) marked by its id or class."""
    if tag.has_attr("hidden") or _HIDDEN.search(tag.get("style", "") or ""):
        return True
    classes = tag.get("class") or []
    names = " ".join([tag.get("id", "") or "", *(classes if isinstance(classes, list) else [classes])])
    return bool(names.strip()) and bool(_CHROME.search(names))


def _span(value, default=1) -> int:
    m = re.match(r"\s*(\d+)", str(value or ""))
    return int(m.group(1)) if m else default


def _is_layout_table(table) -> bool:
    """A table used for page layout (it holds other tables, or a single cell): its cells are read as paragraphs."""
    return table.find("table") is not None or len(table.find_all(["td", "th"])) <= 1


def _html_events(root, tables: bool = True):
    """Walk the tree in document order without recursion (pages nest thousands deep).

    Yields ('text', str), ('break', None) at block boundaries and <br>, and ('table', tag) for data tables when
    `tables` is true (otherwise a table's text is walked like any other).
    """
    from bs4 import NavigableString, Tag

    stack = [(iter(root.children), False)]
    while stack:
        it, is_block = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            if is_block:
                yield "break", None
            continue
        if isinstance(child, Tag):
            name = (child.name or "").lower()
            if name in _SKIP_TAGS or _hidden(child):
                continue
            if name == "br":
                yield "break", None
            elif name == "table" and tables and not _is_layout_table(child):
                yield "table", child
            else:
                block = name in _BLOCK_TAGS or name == "table"
                if block:
                    yield "break", None
                stack.append((iter(child.children), block))
        elif type(child) is NavigableString and not _source_newline(child):
            yield "text", str(child)  # (not Comment, Doctype, CData, ProcessingInstruction)


def _html_blocks(root) -> list[_Block]:
    blocks: list[_Block] = []
    buf: list[str] = []

    def flush():
        text = clean_text("".join(buf))
        if text:
            blocks.append(_Block(text=text))
        buf.clear()

    for kind, value in _html_events(root):
        if kind == "text":
            buf.append(value)
        else:
            flush()
            if kind == "table":
                table = _html_table(value)
                if table is not None:
                    blocks.append(_Block(table=table))
    flush()
    return blocks


def _cell_text(td) -> str:
    """Text of a cell: <br> and <p> boundaries are line breaks, which clean_text joins (nothing between Chinese)."""
    # a line break inside a text node is source formatting (a space); <br> and <p> are lines (a wrapped number)
    events = _html_events(td, tables=False)
    return cell_text("".join("\n" if kind == "break" else value.replace("\n", " ") for kind, value in events))


def _html_table(table) -> ExtractedTable | None:
    trs = [tr for tr in table.find_all("tr") if not _hidden(tr) and tr.find(["td", "th"], recursive=False)]
    n_rows = len(trs)
    occupied: set[tuple[int, int]] = set()
    cells = []
    for r, tr in enumerate(trs):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            if _hidden(td):
                continue
            while (r, c) in occupied:
                c += 1
            rs = _span(td.get("rowspan"))
            rs = n_rows - r if rs == 0 else min(max(rs, 1), n_rows - r)
            cs = min(max(_span(td.get("colspan")), 1), 100)
            for dr in range(rs):
                for dc in range(cs):
                    occupied.add((r + dr, c + dc))
            cells.append((r, c, rs, cs, _cell_text(td)))
            c += cs
    if not cells:
        return None
    rows, spans = _grid(cells, n_rows)
    while rows and all(v == "" for v in rows[-1]):  # Word's trailing column-width rows
        rows.pop()
    if not any(v for row in rows for v in row):
        return None
    return ExtractedTable(rows=rows, page=None, index=0, spans=spans)


def _extract_html(data: bytes, declared: str | None = None) -> ExtractedDocument:
    from bs4 import BeautifulSoup

    if declared is None:
        m = _META_CHARSET.search(data[:8192])
        declared = m.group(1).decode("ascii", "ignore") if m else None
    markup = _decode(data, declared)
    try:
        soup = BeautifulSoup(markup, "lxml")
    except Exception:  # lxml missing or failing: the standard library parser
        soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text() if soup.title else ""
    title = re.split(r"\s*[_|｜—–-]{1,2}\s*", clean_text(title))[0] if title else ""
    return _assemble("html", _html_blocks(soup.body or soup), title)


def _extract_mht(data: bytes) -> ExtractedDocument:
    """A web archive (.mht, "MIME HTML"): the HTML part is read as HTML."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            return _extract_html(payload, part.get_content_charset())
    raise ExtractError("unknown-format", "网页归档（MHT）中没有网页内容", "The MHT web archive holds no HTML part.")


# DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _Numbering:
    """Renders Word's automatic list numbers ("一、" typed by Word, not in the text) for the paragraphs using them."""

    _CN = "零一二三四五六七八九十"

    def __init__(self, doc):
        self.levels: dict[tuple[str, str], tuple[str, str, int]] = {}
        self.counters: dict[tuple[str, str], int] = {}
        try:
            root = doc.part.numbering_part.element
        except Exception:  # no numbering part
            return
        abstract = {}
        for an in root.findall(f"{_W}abstractNum"):
            lv = {}
            for lvl in an.findall(f"{_W}lvl"):
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                lv[lvl.get(f"{_W}ilvl")] = (
                    fmt.get(f"{_W}val") if fmt is not None else "decimal",
                    text.get(f"{_W}val") if text is not None else "",
                    int(start.get(f"{_W}val")) if start is not None else 1,
                )
            abstract[an.get(f"{_W}abstractNumId")] = lv
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                for ilvl, spec in abstract.get(ref.get(f"{_W}val"), {}).items():
                    self.levels[(num.get(f"{_W}numId"), ilvl)] = spec

    def _format(self, fmt: str, n: int) -> str:
        if fmt.startswith("chinese") or fmt.startswith("ideograph") or fmt.startswith("japanese"):
            if n <= 10:
                return self._CN[n]
            if n < 20:
                return "十" + (self._CN[n % 10] if n % 10 else "")
            if n < 100:
                return self._CN[n // 10] + "十" + (self._CN[n % 10] if n % 10 else "")
        if fmt in ("bullet", "none"):
            return ""
        return str(n)

    def prefix(self, p) -> str:
        ppr = p.find(f"{_W}pPr")
        numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
        if numpr is None:
            return ""
        num_id = numpr.find(f"{_W}numId")
        ilvl = numpr.find(f"{_W}ilvl")
        num_id = num_id.get(f"{_W}val") if num_id is not None else None
        ilvl = ilvl.get(f"{_W}val") if ilvl is not None else "0"
        spec = self.levels.get((num_id, ilvl))
        if spec is None:
            return ""
        fmt, text, start = spec
        key = (num_id, ilvl)
        self.counters[key] = self.counters.get(key, start - 1) + 1
        for deeper in [k for k in self.counters if k[0] == num_id and int(k[1]) > int(ilvl)]:
            del self.counters[deeper]

        def level_value(m):
            lvl = str(int(m.group(1)) - 1)
            s = self.levels.get((num_id, lvl))
            return self._format(s[0], self.counters.get((num_id, lvl), s[2])) if s else ""

        return re.sub(r"%(\d)", level_value, text) if fmt != "bullet" else ""


def _docx_row_cells(row) -> list:
    """The row's cells, one per grid column it covers; python-docx resolves vMerge to the cell above."""
    try:
        return list(row.cells)
    except Exception:  # a vMerge "continue" with nothing above it: read the row's own cells, spans only
        from docx.table import _Cell

        return [_Cell(tc, row.table) for tc in row._tr.tc_lst for _ in range(tc.grid_span)]


def _docx_table(table) -> ExtractedTable | None:
    """python-docx repeats a merged cell's object at every grid position it covers; keep it once, at top-left."""
    owners: dict[int, list] = {}  # id(tc) -> [tc, row, col, last_row, last_col, text]
    for r, row in enumerate(table.rows):
        c = getattr(row, "grid_cols_before", 0) or 0
        for cell in _docx_row_cells(row):
            tc = cell._tc
            o = owners.get(id(tc))
            if o is None:
                text = cell_text("\n".join(p.text for p in cell.paragraphs))
                owners[id(tc)] = [tc, r, c, r, c, text]  # the tc is kept alive so that id() stays unique
            else:
                o[3], o[4] = max(o[3], r), max(o[4], c)
            c += 1
    cells = [(r, c, r2 - r + 1, c2 - c + 1, text) for _, r, c, r2, c2, text in owners.values()]
    if not cells:
        return None
    rows, spans = _grid(cells, len(table.rows))
    if not any(v for row in rows for v in row):
        return None
    return ExtractedTable(rows=rows, page=None, index=0, spans=spans)


def _extract_docx(data: bytes) -> ExtractedDocument:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        doc = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise ExtractError("corrupt", message_en=f"The Word file cannot be read: {e}") from e
    numbering = _Numbering(doc)
    blocks: list[_Block] = []

    def walk(parent):
        for child in parent.iterchildren():
            if child.tag == f"{_W}p":
                text = clean_text(numbering.prefix(child) + Paragraph(child, doc).text)
                if text:
                    blocks.append(_Block(text=text))
            elif child.tag == f"{_W}tbl":
                t = _docx_table(Table(child, doc))
                if t is not None:
                    blocks.append(_Block(table=t))
            elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag"):
                walk(child)

    try:
        walk(doc.element.body)
    except Exception as e:  # python-docx on XML it does not expect
        raise ExtractError("corrupt", message_en=f"The Word file cannot be read: {e!r}") from e
    return _assemble("docx", blocks, doc.core_properties.title or "")


# Plain text

# A tab after some text (trailing tabs too: they stand for empty cells), or a run of spaces between two words.
_TEXT_SEPARATOR = re.compile(r"\S(\t|( {2,}|\u3000{2,})(?=\S))")


# Markdown: a pipe-table row "| a | b |", its separator "|---|:---:|" and ATX headings "## 二、……".
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_ATX_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$")


def _markdown_line(line: str) -> str:
    """A Markdown line as plain text: headings without their #, pipe-table separators blank."""
    if _PIPE_SEPARATOR.match(line):
        return ""
    m = _ATX_HEADING.match(line)
    return m.group(1) if m else line


def _pipe_fields(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [clean_text(f.replace("\\|", "|")) for f in re.split(r"(?<!\\)\|", inner)]


def _text_fields(line: str) -> list[str]:
    if _PIPE_ROW.match(line):
        return _pipe_fields(line)
    if "\t" in line:
        return [clean_text(f) for f in line.split("\t")]
    return [clean_text(f) for f in re.split(r" {2,}|\u3000{2,}", line.strip())]


def _is_text_row(line: str) -> bool:
    if not _TEXT_SEPARATOR.search(line) and not (_PIPE_ROW.match(line) and line.count("|") >= 3):
        return False
    filled = [f for f in _text_fields(line) if f]
    return not (len(filled) == 1 and _heading_of(filled[0]))  # "二、主动公开政府信息情况\t" is a heading


def _numeric_tail(row: list[str]) -> int:
    n = 0
    for v in reversed(row):
        if not _is_number(v):
            break
        n += 1
    return n


def _pad_text_rows(rows: list[list[str]]) -> list[list[str | None]]:
    """Make the rows rectangular (None pads).

    A row with fewer fields whose trailing run of numbers is as long as the widest rows' is a row whose label
    spans several label columns ("一、本年新收……" over the three label columns of table 三): it is padded after
    its label so that its numbers stay under their columns. Any other short row is padded at the end.
    """
    n = max(len(r) for r in rows)
    tails = {_numeric_tail(r) for r in rows if len(r) == n}
    tail = max(tails) if len(tails) == 1 else 0
    grid: list[list[str | None]] = []
    for r in rows:
        pad: list[str | None] = [None] * (n - len(r))
        if pad and tail and _numeric_tail(r) == tail and len(r) > tail:
            grid.append([*r[: len(r) - tail], *pad, *r[len(r) - tail :]])
        else:
            grid.append([*r, *pad])
    return grid


_TITLE_WORDS = re.compile(r"报告|年报")


def _is_title_line(s: str) -> bool:
    """A report's title on a line of its own ("…2024年政府信息公开工作年度报告"): never the start of a paragraph
    cut by a page break, which the next line would continue ("本报告由…编制" under the title is a paragraph)."""
    return len(s) <= 80 and bool(_TITLE_WORDS.search(s)) and not re.search(r"[。，,；;：:！？]", s)


# Tables typed or pasted without tabs: cells separated by single spaces ("规章 0 0 3"), or one cell per line
# (a table copied from a web page: "规章" / "0" / "0" / "3", an empty cell as an empty line).

_BLANK_MARKS = frozenset({"/", "／", "\\", "-", "－", "—", "——", "–", "无", "空"})
_VALUE_WITH_UNIT = re.compile(r"[+-]?\d[\d,，]*(\.\d+)?\s*(件|个|条|宗|起|元|万元|千元|亿元|%)")
_SENTENCE_MARK = re.compile(r"[。！？；!?;]")
MAX_CELL_LEN = 60
"""Longer lines are prose, not a table cell (the longest official label has 38 characters)."""


def _is_cell_value(s: str) -> bool:
    """A value cell: a number, "12件", "125000.00元", or a mark for none ("/", "—", "无")."""
    return _is_number(s) or s in _BLANK_MARKS or bool(_VALUE_WITH_UNIT.fullmatch(s))


def _is_label_cell(s: str) -> bool:
    """Text that may be a label cell: short, no sentence in it, not a value."""
    return bool(s) and len(s) <= MAX_CELL_LEN and not _SENTENCE_MARK.search(s) and not _is_cell_value(s)


def _space_tokens(line: str) -> list[str]:
    return [clean_text(t) for t in re.split(r"[ \u3000\u00a0]+", line.strip()) if clean_text(t)]


def _space_row(line: str) -> bool:
    """A row whose cells are separated by single spaces: labels, then values ("行政处罚 1235", "2 0 0 1 3 …")."""
    if "\t" in line or _PIPE_ROW.match(line):
        return False
    tokens = _space_tokens(line)
    n = 0
    while n < len(tokens) and _is_cell_value(tokens[len(tokens) - 1 - n]):
        n += 1
    labels = tokens[: len(tokens) - n]
    if n == 0 or len(tokens) < 2 or len(labels) > 4:
        return False
    return all(_is_label_cell(t) for t in labels) and (n >= 2 or any(_is_number(t) for t in tokens))


def _space_label_row(line: str) -> bool:
    """A header line of such a table: labels only ("信息内容 本年制发件数 本年废止件数 现行有效件数"), or one
    label ("第二十条第（一）项"); a section heading ("二、主动公开政府信息情况") is none."""
    tokens = _space_tokens(line)
    return bool(tokens) and all(_is_label_cell(t) for t in tokens) and not _heading_of(clean_text(line))


def _spaced_tables(raw: list[str], is_row: list[bool]) -> dict[int, list[str]]:
    """Line index -> its fields, for the lines of tables whose cells are separated by single spaces.

    A run of consecutive lines that are rows (tabs or wide spaces), single-spaced rows or label lines is such a
    table when two of its lines are single-spaced rows of values (or one of five values or more under two header
    lines: 表四's header over its one row of values): every line of it is then split on any space (a wide gap is
    an empty cell, which the padding of the rows restores). A line with a tab keeps its tab-separated fields.
    """
    out: dict[int, list[str]] = {}
    run: list[int] = []

    def close() -> None:
        spaced = [i for i in run if not is_row[i] and _space_row(raw[i])]
        # 表四: a header of two or three lines over one line of 15 values
        wide = len(spaced) == 1 and len(run) >= 3 and sum(map(_is_cell_value, _space_tokens(raw[spaced[0]]))) >= 5
        if len(spaced) >= 2 or wide:
            for i in run:
                if "\t" not in raw[i] and not _PIPE_ROW.match(raw[i]):
                    out[i] = _space_tokens(raw[i])
        run.clear()

    for i, line in enumerate(raw):
        if line.strip() and (is_row[i] or _space_row(line) or _space_label_row(line)):
            run.append(i)
        else:
            close()
    close()
    return out


def _cell_runs(raw: list[str], is_row: list[bool]) -> list[tuple[int, int]]:
    """(first, last) line of each table printed one cell per line (blank lines inside: empty cells).

    A line is a cell when it is one value or one short label. A section heading ("四、政府信息公开行政复议、行政诉讼
    情况") ends a run, unless a value follows it: then it is a row's label ("四、结转下年度继续办理" / "4" / …); a
    numbered line without the words of a section heading ("三、本年度办理结果") is a label.
    A run is a table when it holds three values and a label followed by values twice, or three values in a row
    (表四's values under its header).
    """

    def next_value(i: int) -> bool:
        j = i + 1
        while j < len(raw) and not raw[j].strip():
            j += 1
        return j < len(raw) and not is_row[j] and _is_cell_value(clean_text(raw[j]))

    def is_cell(i: int) -> bool:
        s = clean_text(raw[i])
        if is_row[i] or not s:
            return False
        if _is_cell_value(s):
            return True
        h = _heading_of(s)
        heading = h is not None and any(w in h[1] for w in _HEADING_WORDS)  # not 三、本年度办理结果
        return _is_label_cell(s) and (not heading or next_value(i))

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(raw):
        if not raw[i].strip() or not is_cell(i):
            i += 1
            continue
        start = last = i
        j = i + 1
        while j < len(raw) and (not raw[j].strip() or is_cell(j)):
            if raw[j].strip():
                last = j
            j += 1
        cells = [clean_text(raw[k]) for k in range(start, last + 1) if raw[k].strip()]
        kinds = [_is_cell_value(c) for c in cells]
        turns = sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if not a and b)
        longest = max((len(m) for m in re.findall(r"1+", "".join("1" if k else "0" for k in kinds))), default=0)
        if sum(kinds) >= 3 and turns >= 1 and (turns >= 2 or longest >= 3):
            runs.append((start, last))
        i = last + 1
    return runs


def _cell_rows(cells: list[str]) -> list[list[str | None]]:
    """The grid of a table printed one cell per line (`cells`, '' for an empty line).

    A row is its labels and then its values: a value followed by a label starts the next row. Empty lines
    between values are empty cells; elsewhere (a merged label's other positions, a row's missing cells) they
    are dropped. Labels before the first values of a block are its header: when there are at least two more
    labels than values, the last label is the row's own (unless it repeats a header's, as 表四's 总计 above its
    row of values without a label), the labels before it, one per value and one over the label column, the
    header row, and any before those a row of their own (a block heading, "第二十条第（一）项"). Values are
    aligned on the right edge and header rows above them; None pads.
    """
    groups: list[tuple[list[str], list[str]]] = []
    labels: list[str] = []
    values: list[str] = []
    for c in cells:
        if not c:
            if values:
                values.append("")
            continue
        if _is_cell_value(c):
            values.append(c)
            continue
        if values:
            groups.append((labels, values))
            labels, values = [], []
        labels.append(c)
    groups.append((labels, values))

    rows: list[tuple[list[str], list[str]]] = []  # (cells on the left, cells on the right)
    for labels, values in groups:
        while values and values[-1] == "":
            values.pop()
        n = len(values)
        if not n:
            if labels:
                rows.append((labels, []))
            continue
        if len(labels) < n + 2:
            rows.append((labels, values))
            continue
        own = [] if labels[-1] in labels[:-1] else labels[-1:]
        head = labels[: len(labels) - len(own)]
        header = head[len(head) - (n + 1 if own else n) :]
        rest = head[: len(head) - len(header)]
        if rest:
            rows.append((rest, []))
        rows.append((header[:1], header[1:]) if own else ([], header))
        rows.append((own, values))
    width = max(len(a) + len(b) for a, b in rows)
    return [[*a, *[None] * (width - len(a) - len(b)), *b] for a, b in rows]


def _extract_text(data: bytes) -> ExtractedDocument:
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    raw = [_markdown_line(ln) for ln in text.split("\n")]
    is_row = [_is_text_row(ln) for ln in raw]
    fields_of = _spaced_tables(raw, is_row)
    for i in fields_of:
        is_row[i] = True
    # A short line without separators sandwiched between table rows is a one-cell row (a group heading).
    nonblank = [i for i, ln in enumerate(raw) if ln.strip()]
    for j, i in enumerate(nonblank[1:-1], 1):
        s = clean_text(raw[i])
        if not is_row[i] and is_row[nonblank[j - 1]] and is_row[nonblank[j + 1]] and len(s) <= 25:
            if not _heading_of(s) and "。" not in s:
                is_row[i] = True
    cell_tables = {start: (last, _cell_rows([clean_text(ln) for ln in raw[start : last + 1]]))
                   for start, last in _cell_runs(raw, is_row)}  # fmt: skip

    blocks: list[_Block] = []
    rows: list[list[str]] = []
    para: list[str] = []

    def flush_table():
        if rows:
            grid = _pad_text_rows(rows)
            blocks.append(_Block(table=ExtractedTable(rows=grid, page=None, index=0)))
            rows.clear()

    def flush_para():
        if para:
            blocks.append(_Block(text=clean_text("".join(para))))
            para.clear()

    skip_to = -1
    for i in nonblank:
        if i <= skip_to:
            continue
        line = raw[i]
        if i in cell_tables:
            flush_para()
            flush_table()
            skip_to, grid = cell_tables[i]
            blocks.append(_Block(table=ExtractedTable(rows=grid, page=None, index=0)))
            continue
        if is_row[i]:
            flush_para()
            fields = fields_of.get(i) or _text_fields(line)
            while fields and fields[-1] == "" and len(fields) > 1 and "\t" not in line and not _PIPE_ROW.match(line):
                fields.pop()
            rows.append(fields)
            continue
        flush_table()
        s = clean_text(line)
        # A paragraph cut by a page break in the source ("……各种规章" / "制度，依法……") goes on.
        joins = (
            para
            and len(clean_text("".join(para))) >= 20
            and para[-1].rstrip()[-1:] not in _SENTENCE_END
            and not _heading_of(s)
            and not _ENUMERATOR.match(s)
            and not _heading_of(clean_text(para[0]))
            and not (len(para) == 1 and _is_title_line(clean_text(para[0])))
        )
        if not joins:
            flush_para()
        para.append(line.strip())
    flush_para()
    flush_table()
    return _assemble("text", blocks)


# Dispatch

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")
_HTML_START = re.compile(
    r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|table|div|p|span)\b", re.I | re.S
)


def extract_bytes(data: bytes, filename: str | None = None) -> ExtractedDocument:
    """Like :func:`extract`, for a file already in memory.

    Args:
        data: the file's bytes.
        filename: its name, used only when the content alone does not decide (plain text vs HTML).

    Returns:
        The extracted document.

    Raises:
        ExtractError: see :func:`extract`.
    """
    ext = os.path.splitext(filename or "")[1].lower()
    head = data[:4096]
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ExtractError("empty")
    if b"%PDF-" in data[:1024]:
        return _extract_pdf(data)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as e:
            raise ExtractError("corrupt", "压缩文件已损坏，无法读取", f"The file is a damaged ZIP package: {e}") from e
        if "word/document.xml" in names:
            return _extract_docx(data)
        if "xl/workbook.xml" in names:
            raise ExtractError(
                "unknown-format", "这是 Excel 工作簿，不是报告全文", "This is an Excel workbook, not a report."
            )
        if "OFD.xml" in names:
            raise ExtractError(
                "unknown-format", "暂不支持 OFD 版式文件，请提供 PDF 或 Word 版", "OFD files are not supported yet."
            )
        raise ExtractError("unknown-format")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExtractError(
            "unknown-format",
            "旧版 Word（.doc）或 WPS 文件暂不支持，请另存为 .docx 或 PDF",
            "Legacy .doc/.wps files are not supported; save as .docx or PDF.",
        )
    if data.startswith(b"{\\rtf"):
        raise ExtractError("unknown-format", "RTF 文件暂不支持，请另存为 .docx 或 PDF", "RTF is not supported.")
    if data.startswith(_IMAGE_MAGIC):
        raise ExtractError(
            "unknown-format",
            "这是图片文件，无法提取文字，请提供文字版",
            "This is an image; please provide a text version.",
        )
    if re.match(rb"^\s*(MIME-Version|Content-Type|From|Date|Subject|X-[\w-]+)\s*:", head, re.I) and re.search(
        rb"multipart/related|text/html", head, re.I
    ):
        return _extract_mht(data)
    if (b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))) or _binary(head):
        raise ExtractError("unknown-format")
    text_head = _decode(head[:2048] if len(data) > 2048 else data)
    if _HTML_START.match(text_head) or (ext in (".htm", ".html", ".shtml", ".xhtml") and "<" in text_head):
        return _extract_html(data)
    return _extract_text(data)


def _binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(4, len(head) // 50)


def extract(path: str | os.PathLike) -> ExtractedDocument:
    """Read a published report file into title, text, sections and tables.

    The format is decided by the content (PDF and ZIP magic bytes, HTML markup), not by the file's extension.

    Args:
        path: a .pdf, .docx, .html/.htm (or .mht) or plain-text file (UTF-8, UTF-8 with BOM or GB18030).

    Returns:
        The document; PDF tables are returned per page (see :func:`merge_continued`).

    Raises:
        ExtractError: code 'scanned-pdf' (no text layer), 'encrypted-pdf' (needs a password), 'unknown-format'
            (.doc, images, workbooks, binary data), 'corrupt' (damaged PDF/DOCX/ZIP) or 'empty' (nothing to read).
    """
    with open(path, "rb") as f:
        data = f.read()
    return extract_bytes(data, os.fspath(path))
