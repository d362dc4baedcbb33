"""HTML and Markdown writers of a report document.

HTML: one standalone page, the tables as real tables with rowspan/colspan (what government sites publish).
Markdown: GitHub tables cannot merge cells, so a merged label is repeated in every row it spans (a group
label such as “（三）不予公开” on each of its rows) and a header label across every column it spans, so that
each value's row and column can be read off its own line; the 勾稽关系 note and a label spanning label columns
are written once. Both are read back by the importer (:mod:`xltool.importer.extract`).
"""

from __future__ import annotations

import html

from xltool.render.model import Grid, ReportDoc

_CSS = """
body { font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; max-width: 60em; margin: 2em auto; line-height: 1.6; }
h1 { text-align: center; font-size: 1.6em; }
h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 1.2em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em auto; font-size: 0.85em; }
table.landscape { width: 100%; }
th, td { border: 1px solid #000; padding: 0.2em 0.4em; text-align: center; vertical-align: middle; line-height: 1.3; }
td.label { text-align: left; }
.nowrap { white-space: nowrap; }
p.placeholder { color: #a00; background: #ffd; }
@page { size: A4; margin: 2.5cm; }
@page landscape { size: A4 landscape; margin: 2cm; }
section.landscape { page: landscape; }
""".strip()
"""Printed from a browser, 表三 and 表四 come out on A4 landscape pages as in the Word document (named pages)."""

_NOWRAP = 8
"""A header or group label of up to this many characters is kept on one line (商业企业, 社会公益组织, 结果维持,
（三）不予公开): a browser would otherwise break it after any character once the columns get narrow."""


def _html_table(g: Grid) -> str:
    by_row: dict[int, list] = {}
    for c in g.cells:
        by_row.setdefault(c.row, []).append(c)
    # border/cellspacing attributes as well as CSS: Word and LibreOffice open HTML without applying the CSS
    cls = ' class="landscape"' if g.orientation == "landscape" else ""
    lines = [f'<table data-table="{g.table}"{cls} border="1" cellspacing="0" cellpadding="3">']
    widths = sum(g.widths) or 1
    lines.append(
        "<colgroup>" + "".join(f'<col style="width:{w / widths * 100:.1f}%">' for w in g.widths) + "</colgroup>"
    )
    for r in range(g.n_rows):
        cells = []
        for c in sorted(by_row.get(r, []), key=lambda x: x.col):
            tag = "td" if c.role in ("value", "row", "group") else "th"
            attrs = ""
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            if c.role == "row":
                attrs += ' class="label" align="left"'
            elif c.role in ("header", "group") and len(c.text) <= _NOWRAP:
                # CSS only: Word and LibreOffice, which honour a nowrap attribute but not @page landscape, would
                # push 表三 past the right edge of an upright page
                attrs += ' class="nowrap"'
            elif c.role == "group":  # a long one on two lines (三、本年度 / 办理结果), not a character a line
                attrs += f' style="min-width:{-(-len(c.text) // 2)}em"'
            if c.key:
                attrs += f' data-key="{c.key}"'
            cells.append(f"<{tag}{attrs}>{html.escape(c.text)}</{tag}>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def to_html(doc: ReportDoc) -> str:
    """The report as one UTF-8 HTML page."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(doc.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    out.extend(f"<p>{html.escape(p)}</p>" for p in doc.preamble)
    for part in doc.parts:
        landscape = part.table is not None and part.table.orientation == "landscape"
        if landscape:
            out.append('<section class="landscape">')
        out.append(f"<h2>{html.escape(part.heading)}</h2>")
        cls = ' class="placeholder"' if part.placeholder else ""
        out.extend(f"<p{cls}>{html.escape(p)}</p>" for p in part.paragraphs)
        if part.table is not None:
            out.append(_html_table(part.table))
        if landscape:
            out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(g: Grid) -> str:
    grid = [[""] * g.n_cols for _ in range(g.n_rows)]
    for c in g.cells:
        repeat_down = c.role != "corner"
        repeat_across = c.role == "header"
        for r in range(c.row, c.row + (c.rowspan if repeat_down else 1)):
            for k in range(c.col, c.col + (c.colspan if repeat_across else 1)):
                grid[r][k] = c.text
    lines = ["| " + " | ".join(_md_cell(x) for x in row) + " |" for row in grid]
    lines.insert(1, "|" + "|".join(["---"] * g.n_cols) + "|")
    return "\n".join(lines)


def to_markdown(doc: ReportDoc) -> str:
    """The report as GitHub-flavoured Markdown."""
    out = [f"# {doc.title}", ""]
    for p in doc.preamble:
        out += [p, ""]
    for part in doc.parts:
        out += [f"## {part.heading}", ""]
        for p in part.paragraphs:
            out += [p, ""]
        if part.table is not None:
            out += [_md_table(part.table), ""]
    return "\n".join(out)
