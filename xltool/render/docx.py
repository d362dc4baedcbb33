"""Word writer of a report document (python-docx): A4, Chinese fonts, the tables bordered with merged cells.

Fonts follow the usual layout of a government report: the title in 宋体 bold, section headings in 黑体, body text
in 仿宋, tables in 宋体 (Word substitutes what a machine lacks; LibreOffice on Linux falls back to Noto CJK).
Placeholders for prose not yet written are highlighted so that nobody publishes them by mistake.

A table that is too wide to stand upright (:attr:`Grid.orientation`, 表三 and 表四) gets a landscape section of
its own, heading included: on an upright page their 7 and 15 value columns leave about 1 cm each, and headers such
as 社会公益组织 or 结果维持 break after every second or third character.
"""

from __future__ import annotations

from pathlib import Path

from xltool.render.model import TEXT_WIDTH, Grid, ReportDoc

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"
TABLE_FONT = "宋体"


def _set_font(target, name: str, size=None, bold: bool | None = None) -> None:
    """Latin and East Asian font of a run or style (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn

    target.font.name = name
    if size is not None:
        target.font.size = size
    if bold is not None:
        target.font.bold = bold
    rpr = target.element.get_or_add_rPr() if hasattr(target, "element") else target._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def _table(document, g: Grid) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    table = document.add_table(rows=g.n_rows, cols=g.n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # fixed layout: Word and LibreOffice keep the given widths instead of fitting the text
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    # narrow cell margins: a 7-digit count fits a 1.3 cm column on one line
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "40")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tbl_pr.append(margins)
    # python-docx finds a cell by walking the whole table (table.cell is O(cells)): take them all once, before
    # merging; merges never overlap, so each cell object stays valid for its own merge
    grid = table._cells
    n = g.n_cols
    for i, w in enumerate(g.widths):
        table.columns[i].width = Cm(w)
        for r in range(g.n_rows):
            grid[r * n + i].width = Cm(w)
    size = Pt(10.5) if g.n_cols <= 4 else Pt(9)
    for c in g.cells:
        cell = grid[c.row * n + c.col]
        if c.rowspan > 1 or c.colspan > 1:
            cell = cell.merge(grid[(c.row + c.rowspan - 1) * n + c.col + c.colspan - 1])
        cell.text = c.text
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if c.role == "row" else WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_before = Pt(0)
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.keep_with_next = True
            for run in p.runs:
                _set_font(run, TABLE_FONT, size, bold=c.role in ("header", "heading") or None)
    header_rows = {c.row for c in g.cells if c.role in ("header", "corner")} if g.cells[0].role != "heading" else set()
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))  # a row is never split across two pages
        if i in header_rows:  # 表三, 表四: the header is repeated on the next page if the table breaks
            header = OxmlElement("w:tblHeader")
            tr_pr.append(header)


def _page(section, orientation: str) -> None:
    """A4 upright with 2.5 cm margins, or on its side with 2 cm margins (:data:`TEXT_WIDTH` between them)."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    margin = (21.0 - TEXT_WIDTH["portrait"]) / 2
    if orientation == "landscape":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        margin = (29.7 - TEXT_WIDTH["landscape"]) / 2
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(margin)
    section.top_margin = section.bottom_margin = Cm(margin)


def write_docx(doc: ReportDoc, path: str | Path) -> Path:
    """Write the report as a .docx file (A4 portrait)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.shared import Pt

    document = docx.Document()
    _page(document.sections[0], "portrait")
    normal = document.styles["Normal"]
    _set_font(normal, BODY_FONT, Pt(14))
    normal.paragraph_format.line_spacing = 1.5
    document.core_properties.title = doc.title
    document.core_properties.author = doc.unit
    document.core_properties.comments = f"xltool render ({doc.form})"

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    _set_font(title.add_run(doc.title), TITLE_FONT, Pt(18), bold=True)
    for text in doc.preamble:
        p = document.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(28)
        _set_font(p.add_run(text), BODY_FONT, Pt(14))
    orientation = "portrait"
    for part in doc.parts:
        wanted = part.table.orientation if part.table is not None else "portrait"
        new_page = wanted != orientation
        if new_page:  # a section break starts a page in the other orientation
            _page(document.add_section(WD_SECTION.NEW_PAGE), wanted)
            orientation = wanted
        h = document.add_paragraph()
        h.paragraph_format.keep_with_next = True
        h.paragraph_format.space_before = Pt(6)
        h.paragraph_format.first_line_indent = Pt(28)
        # the long matrix table (表三) starts a page: it then fits on it whole (LibreOffice ignores keep-with-next
        # inside tables)
        h.paragraph_format.page_break_before = not new_page and part.table is not None and part.table.layout == "matrix"
        _set_font(h.add_run(part.heading), HEADING_FONT, Pt(15))
        for text in part.paragraphs:
            p = document.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(28)
            run = p.add_run(text)
            _set_font(run, BODY_FONT, Pt(14))
            if part.placeholder:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if part.table is not None:
            _table(document, part.table)
            document.add_paragraph()
    out = Path(path)
    document.save(out)
    return out
