"""Render: data -> the report's tables in Word, HTML and Markdown; and what is rendered imports back unchanged.

The sample data give every cell a different value (a value read into the wrong cell cannot go unnoticed) and hold
what published reports hold: a blank, "/", "12件", an amount with 6 decimals, negative 本年增/减 on the 2019
form. Every format is read back by the importer — as written, and with the label variants of real reports
injected into the file (half-width brackets, "1、", "规范性文件", a typo, heading variants) — and through PDF made
by LibreOffice, and as the tab-separated text a copy from Word gives.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import cli
from xltool.importer import import_report
from xltool.importer.extract import extract
from xltool.interchange import UnitReport, save_json
from xltool.render import FORMATS, build_document, render_report, render_text
from xltool.render.model import filled_values
from xltool.schema import load_form

UNIT = "烟台市芝罘区某某局"
PROSE = {
    "一": "2024年，本局认真贯彻落实《中华人民共和国政府信息公开条例》。\n全年主动公开政府信息120条。",
    "五": "存在的主要问题是信息公开工作人员业务水平有待提升。\n下一步，将加强培训，提高工作水平。",
    "六": "本年度未收取信息处理费。",
}
# Real-world label variants (form-2021.md): each is injected into the rendered file before it is imported.
VARIANTS = [
    ("（一）予以公开", "(一)予以公开"),  # half-width brackets
    ("1.属于国家秘密", "1、属于国家秘密"),  # "1、" for "1."
    ("3.补正后申请内容仍不明确", "3、补正后申请内容 仍不明确"),  # and a stray space
    ("行政规范性文件", "规范性文件"),  # the 2019 label
    ("2.其他法律行政法规禁止公开", "2.其他法律行政止公开"),  # the 洪泽区 typo
    ("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况"),
    ("五、存在的主要问题及改进情况", "五、存在的主要问题及整改措施"),
]


def sample(form_id: str = "gov-disclosure-2021", year: int = 2024, prose: bool = True) -> UnitReport:
    """Every input cell a different number; totals absent (the renderer derives them); some published oddities."""
    form = load_form(form_id)
    values: dict = {}
    for i, key in enumerate(form.input_keys):
        values[key] = 3 * i + 7
    if form_id == "gov-disclosure-2021":
        values["t2.fees.amount"] = Decimal("24252.311082")
        values["t3.new_received.commercial"] = None  # blank as published
        values["t3.denied_query.research"] = "/"
        values["t3.rejected_repeated.nonprofit"] = "12件"
    else:
        values["t2.licensing.change"] = -3
        values["t2.procurement.purchase_amount"] = Decimal("12.75")
    sections = dict(PROSE) if prose else {}
    return UnitReport(form=form_id, year=year, unit_name=UNIT, values=values, sections=sections)


def expected_values(report: UnitReport) -> dict:
    form = load_form(report.form)
    return {k: v for k, v in filled_values(form, report).items() if k in form.cells}


def assert_same_values(got: UnitReport, report: UnitReport) -> None:
    want = expected_values(report)
    assert {k: v for k, v in got.values.items() if v is not None} == {k: v for k, v in want.items() if v is not None}
    blanks = [k for k, v in want.items() if v is None]
    assert all(got.values.get(k) is None for k in blanks)
    assert (got.form, got.year, got.unit_name) == (report.form, report.year, report.unit_name)


def flat(text: str | None) -> str:
    return re.sub(r"\s", "", text or "")


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


def inject(path: Path, pairs=VARIANTS) -> Path:
    """The same file with the labels replaced, in the file's own encoding (docx: inside document.xml)."""
    out = path.with_name(path.stem + "-variants" + path.suffix)
    if path.suffix == ".docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "word/document.xml":
                    text = data.decode("utf-8")
                    for a, b in pairs:
                        assert a in text, a
                        text = text.replace(a, b)
                    data = text.encode("utf-8")
                dst.writestr(item, data)
        out.write_bytes(buf.getvalue())
    else:
        text = path.read_text(encoding="utf-8")
        for a, b in pairs:
            assert a in text, a
            text = text.replace(a, b)
        out.write_text(text, encoding="utf-8")
    return out


def docx_as_text(path: Path) -> str:
    """What copying the Word document into a text editor gives: paragraphs, and table rows with tab-separated cells
    (a merged cell once; the rows under a vertically merged cell get an empty field), like the seed report."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    lines = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for tr in child.iter(qn("w:tr")):
                fields = []
                for tc in tr.iter(qn("w:tc")):
                    text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
                    fields.append("" if tc.vMerge == "continue" else text)
                lines.append("\t".join(fields))
            lines.append("")
    return "\n".join(lines)


REPORTS = {"prose": sample(), "bare": sample(prose=False), "f2019": sample("gov-disclosure-2019", 2020)}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """Sample reports rendered in every format (with prose, without prose, 2019 form), and their variants."""
    out = tmp_path_factory.mktemp("rendered")
    files: dict = {}
    for name, rep in [
        ("prose", sample()),
        ("bare", sample(prose=False)),
        ("f2019", sample("gov-disclosure-2019", 2020)),
    ]:
        for fmt in FORMATS:
            files[(name, fmt)] = render_report(rep, fmt, out / f"{name}.{fmt}")
        text = out / f"{name}.txt"
        text.write_text(docx_as_text(files[(name, "docx")]), encoding="utf-8")
        files[(name, "txt")] = text
    for fmt in (*FORMATS, "txt"):
        files[("variants", fmt)] = inject(files[("prose", fmt)])
    return files


@pytest.mark.parametrize("fmt", [*FORMATS, "txt"])
@pytest.mark.parametrize("name", ["prose", "bare", "f2019"])
def test_round_trip(rendered, name, fmt):
    loaded = import_report(rendered[(name, fmt)])
    assert loaded.report is not None, [f.message() for f in loaded.findings]
    assert_same_values(loaded.report, REPORTS[name])
    kinds = {"docx": "docx", "html": "html", "md": "text", "txt": "text"}
    assert loaded.report.source["kind"] == kinds[fmt]
    if name == "prose":
        assert rules_of(loaded.findings) == []
        for k, text in PROSE.items():
            assert flat(loaded.report.sections[k]) == flat(text)
    elif name == "bare":  # the placeholders are read as what they are: nothing written yet
        assert rules_of(loaded.findings) == ["PROSE-SECTION5-EMPTY", "PROSE-PLACEHOLDER"]
        f = loaded.findings[0]
        assert f.rule == "PROSE-SECTION5-EMPTY" and f.title["zh"].endswith("尚未填写（仍为待填写的占位文字）")
    else:
        assert loaded.report.form == "gov-disclosure-2019" and loaded.report.values["t2.licensing.change"] == -3
        assert rules_of(loaded.findings) == []


@pytest.mark.parametrize("fmt", [*FORMATS, "txt"])
def test_round_trip_with_label_variants(rendered, fmt):
    loaded = import_report(rendered[("variants", fmt)])
    assert loaded.report is not None, [f.message() for f in loaded.findings]
    assert_same_values(loaded.report, REPORTS["prose"])
    # the typo is read by similarity and said; the 2019 label is said as such; the rest are exact after
    # normalization (brackets, "1、", spaces), so nothing else is reported
    assert rules_of(loaded.findings) == ["REPORT-2019-LABEL", "LABEL-SIMILAR"]
    assert loaded.findings[0].title["zh"] == "2024 年度报告使用了 2019 年版格式的标签：“规范性文件”"
    assert (
        loaded.findings[1].title["zh"]
        == "表三 标签“2.其他法律行政止公开”按“2.其他法律行政法规禁止公开”识别（相似度 0.88）"
    )
    assert loaded.report.source["headings"]["五"] == "五、存在的主要问题及整改措施"
    assert flat(loaded.report.sections["五"]) == flat(PROSE["五"])


@pytest.fixture(scope="module")
def pdfs(rendered, soffice, tmp_path_factory):
    """The Word files printed to PDF by LibreOffice (one soffice call)."""
    from tests.lo import convert

    names = ["prose", "variants", "f2019"]
    outs = convert([rendered[(n, "docx")] for n in names], "pdf", tmp_path_factory.mktemp("pdf"), soffice=soffice)
    return dict(zip(names, outs, strict=True))


@pytest.mark.parametrize("name", ["prose", "variants", "f2019"])
def test_round_trip_through_pdf(pdfs, name):
    loaded = import_report(pdfs[name])
    assert loaded.report is not None, [f.message() for f in loaded.findings]
    assert loaded.report.source["kind"] == "pdf"
    assert_same_values(loaded.report, REPORTS["f2019" if name == "f2019" else "prose"])
    want = {"prose": [], "variants": ["REPORT-2019-LABEL", "LABEL-SIMILAR"], "f2019": []}[name]
    assert rules_of(loaded.findings) == want
    assert flat(loaded.report.sections["五"]) == flat(PROSE["五"])
    # 表三 starts a page and fits on it whole
    cells = loaded.report.source["cells"]
    assert cells["t3.new_received.natural_person"]["page"] == cells["t3.carried_forward.total"]["page"]


def test_pdf_pages_look_like_a_report(pdfs):
    doc = extract(pdfs["prose"])
    assert doc.title == f"{UNIT}2024年政府信息公开工作年度报告"
    assert list(doc.headings.values()) == [s.heading for s in load_form("gov-disclosure-2021").sections]
    assert [(t.n_cols, t.page == t.last_page) for t in doc.tables] == [(4, True), (10, True), (15, True)]
    assert doc.warnings == []


@pytest.mark.parametrize("name", ["prose", "f2019"])
def test_pdf_headers_read_normally(pdfs, name):
    """Printed by LibreOffice, 表三 and 表四 stand on landscape pages and every column header and short group label
    is one word on one line (商业企业, 社会公益组织, 结果维持, （三）不予公开), not broken after every 2 or 3
    characters as on an upright page; 三、本年度办理结果 takes two lines, not one character a line."""
    import pdfplumber

    from xltool.render.model import build_grid

    form = load_form("gov-disclosure-2019" if name == "f2019" else "gov-disclosure-2021")
    with pdfplumber.open(pdfs[name]) as pdf:
        words = {w["text"] for page in pdf.pages for w in page.extract_words()}
        landscape = [page.width > page.height for page in pdf.pages]
    doc = extract(pdfs[name])
    assert [landscape[t.page - 1] for t in doc.tables] == [False, True, True]
    assert not landscape[0] and not landscape[-1]  # title, 一 and 五, 六 upright
    short = [
        c.text
        for tid in ("t3", "t4")
        for c in build_grid(form, tid, {}).cells
        if c.role in ("header", "group") and len(c.text) <= 8
    ]
    assert len(short) > 20 and [x for x in short if x not in words] == []
    assert {"三、本年度", "办理结果"} <= words


# --- the documents themselves ------------------------------------------------------------------------------------


def test_docx_layout(rendered):
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm

    path = rendered[("bare", "docx")]
    document = docx.Document(str(path))
    sec = document.sections[0]
    assert abs(sec.page_width - Cm(21)) < Cm(0.01) and abs(sec.page_height - Cm(29.7)) < Cm(0.01)
    paragraphs = [p.text for p in document.paragraphs if p.text]
    form = load_form("gov-disclosure-2021")
    assert paragraphs[0] == f"{UNIT}2024年政府信息公开工作年度报告"
    assert [p for p in paragraphs if p in {s.heading for s in form.sections}] == [s.heading for s in form.sections]
    placeholders = [p for p in document.paragraphs if p.text.startswith("【待填写】")]
    assert len(placeholders) == 3 and all(r.font.highlight_color is not None for p in placeholders for r in p.runs)
    fonts = {r.get(qn("w:eastAsia")) for r in document.element.body.iter(qn("w:rFonts"))}
    assert fonts == {"宋体", "黑体", "仿宋"}
    t2, t3, t4 = document.tables
    assert [len(t.columns) for t in document.tables] == [4, 10, 15]
    # merged cells: the same cell object at every position it covers (python-docx resolves the merge)
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc
    assert t3.cell(0, 0).text == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert t3.cell(5, 0).text == "三、本年度办理结果" and t3.cell(5, 0)._tc is t3.cell(26, 0)._tc
    assert t3.cell(0, 3)._tc is t3.cell(0, 9)._tc and t3.cell(0, 3).text == "申请人情况"
    assert t4.cell(0, 5).text == "行政诉讼" and t4.cell(0, 5)._tc is t4.cell(0, 14)._tc
    assert t2.cell(0, 0).text == "第二十条第（一）项" and t2.cell(6, 1)._tc is t2.cell(6, 3)._tc
    assert t2.cell(13, 1).text == "24252.311082"
    assert t3.cell(3, 4).text == "" and t3.cell(14, 5).text == "/"  # blank and "/" as published
    # every official row label, exactly
    texts = {c.text for t in document.tables for row in t.rows for c in row.cells}
    for t in form.tables:
        assert {r.label for r in t.rows} <= texts
    assert "w:tblHeader" in document.element.xml  # 表三 and 表四 repeat their header if they break
    # 表三 and 表四 in a landscape section of their own, headings included; the rest upright
    from docx.enum.section import WD_ORIENT

    assert [s.orientation for s in document.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    upright, wide = document.sections[0], document.sections[1]
    assert abs(wide.page_width - Cm(29.7)) < Cm(0.01) and abs(wide.page_height - Cm(21)) < Cm(0.01)
    for t, page in ((t2, upright), (t3, wide), (t4, wide)):  # each table as wide as the text on its page
        text_width = page.page_width - page.left_margin - page.right_margin
        assert abs(sum(c.width for c in t.columns) - text_width) < Cm(0.05)
    body = list(document.element.body.iterchildren())
    breaks = [i for i, el in enumerate(body) if el.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None]
    heading = {p._p: p.text for p in document.paragraphs}
    first_wide = next(el for el in body[breaks[0] + 1 :] if heading.get(el))
    assert heading[first_wide] == "三、收到和处理政府信息公开申请情况"
    # a column of 表三's values is as wide as 社会公益组织 on one line at 9 pt
    assert t3.columns[5].width >= Cm(6 * 9 / 72 * 2.54 + 0.14)


def test_html_is_a_real_table_with_spans(rendered):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(rendered[("prose", "html")].read_text(encoding="utf-8"), "html.parser")
    assert soup.title.text == f"{UNIT}2024年政府信息公开工作年度报告" and soup.meta["charset"] == "utf-8"
    cell = {c.get_text(): c for c in soup.find_all(["td", "th"])}
    assert cell["三、本年度办理结果"]["rowspan"] == "22"
    assert cell["申请人情况"]["colspan"] == "7" and cell["行政诉讼"]["colspan"] == "10"
    assert cell["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]["rowspan"] == "3"
    keyed = soup.find_all(attrs={"data-key": True})
    assert len(keyed) == len(load_form("gov-disclosure-2021").cells) == 200
    assert soup.find(attrs={"data-key": "t2.fees.amount"}).get_text() == "24252.311082"
    assert [h.get_text() for h in soup.find_all("h2")][4] == "五、存在的主要问题及改进情况"
    # 表三, 表四: full width, printed on landscape pages (named page), short headers kept on one line
    tables = {t["data-table"]: t for t in soup.find_all("table")}
    assert [t.get("class") for t in tables.values()] == [None, ["landscape"], ["landscape"]]
    assert [t.find_parent("section") is not None for t in tables.values()] == [False, True, True]
    assert tables["t3"].find_parent("section").h2.get_text() == "三、收到和处理政府信息公开申请情况"
    assert "@page landscape { size: A4 landscape;" in soup.style.get_text()
    assert cell["社会公益组织"]["class"] == ["nowrap"] and cell["（三）不予公开"]["class"] == ["nowrap"]
    assert cell["三、本年度办理结果"]["style"] == "min-width:5em"  # two lines, not one character a line
    assert "nowrap" not in cell["一、本年新收政府信息公开申请数量"].attrs


def test_markdown_repeats_group_labels(rendered):
    text = rendered[("bare", "md")].read_text(encoding="utf-8")
    rows = [ln for ln in text.splitlines() if ln.startswith("|")]
    t3 = [ln for ln in rows if ln.count("|") == 11]
    assert len(t3) == 3 + 1 + 25  # header rows, separator, data rows
    assert sum(ln.startswith("| 三、本年度办理结果 | （三）不予公开 | ") for ln in t3) == 8
    assert text.count("勾稽关系") == 1
    licensing = REPORTS["bare"].values["t2.licensing.decisions"]
    assert "| 第二十条第（五）项 |  |  |  |" in text and f"| 行政许可 | {licensing} |  |  |" in text
    assert (
        text.startswith(f"# {UNIT}2024年政府信息公开工作年度报告\n") and "## 三、收到和处理政府信息公开申请情况" in text
    )


def test_the_matrix_table_starts_a_page_even_when_upright(tmp_path):
    """表三 (the declared `matrix` table) starts a page; with every table upright no section break does it."""
    import docx

    from xltool.render.docx import write_docx

    for form_id, year in (("gov-disclosure-2021", 2024), ("gov-disclosure-2019", 2020)):
        form = load_form(form_id)
        doc = build_document(sample(form_id, year))
        grids = [p.table for p in doc.parts if p.table is not None]
        assert [g.layout for g in grids] == [form.table(g.table).layout for g in grids] == ["blocks", "matrix", "row"]
        for g in grids:
            g.orientation = "portrait"
        path = write_docx(doc, tmp_path / f"{form_id}.docx")
        document = docx.Document(str(path))
        assert len(document.sections) == 1
        headings = {s.heading for s in form.sections}
        breaks = [p.text for p in document.paragraphs if p.text in headings and p.paragraph_format.page_break_before]
        assert breaks == ["三、收到和处理政府信息公开申请情况"]


def test_totals_derived_unless_as_is():
    rep = sample()
    form = load_form(rep.form)
    t3 = build_document(rep).parts[2].table
    total = next(c for c in t3.cells if c.key == "t3.new_received.total")
    parts = [rep.values[f"t3.new_received.{c}"] or 0 for c in ("natural_person", "research", "nonprofit")]
    parts += [rep.values["t3.new_received.legal_service"], rep.values["t3.new_received.other_org"]]
    assert total.text == str(sum(parts))
    bare = build_document(rep, fill_totals=False).parts[2].table
    assert next(c for c in bare.cells if c.key == "t3.new_received.total").text == ""
    # a published wrong total is written as published, never corrected
    rep.values["t3.new_received.total"] = 1
    assert "| 1 |" in render_text(rep, "md").split("一、本年新收政府信息公开申请数量")[1].splitlines()[0]
    assert form.cells["t3.new_received.total"].is_total


# --- inputs: workbooks, summaries; the command ------------------------------------------------------------------


def test_render_a_returned_workbook(tmp_path):
    from xltool.sources import load_any
    from xltool.template import write_template

    rep = sample(prose=False)
    rep.values = {k: v for k, v in rep.values.items() if isinstance(v, int)}  # what a clerk types
    book = write_template(load_form(rep.form), tmp_path / "kjj.xlsx", year=2024, unit_name=UNIT, values=rep.values)
    loaded = load_any(book)
    assert loaded.report is not None and loaded.report.unit_name == UNIT
    out = render_report(loaded.report, "docx", tmp_path / "kjj.docx")
    back = import_report(out).report
    assert_same_values(back, loaded.report)


def test_render_the_district_summary(tmp_path):
    """After consolidation, the district's tables come out as a Word document: the same figures, read back."""
    from tests.test_consolidate import DATA, ROSTER
    from xltool.consolidate import consolidate
    from xltool.roster import load_roster
    from xltool.sources import load_any
    from xltool.summary_xlsx import write_summary

    cons = consolidate([DATA], load_roster(ROSTER))
    summary = write_summary(cons, tmp_path / "芝罘区汇总.xlsx")
    res = CliRunner().invoke(cli, ["render", str(summary), "-o", str(tmp_path / "芝罘区2021年报.docx")])
    assert res.exit_code == 0, res.output
    back = load_any(tmp_path / "芝罘区2021年报.docx").report
    assert back.unit_name == load_any(summary).report.unit_name and back.year == 2021
    assert {k: v for k, v in back.values.items()} == {k: v for k, v in cons.evaluated.values.items()}


def test_cli_render_formats_and_outputs(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    save_json(sample(), a)
    other = sample(prose=False)
    other.unit_name = "另一局"
    save_json(other, b)
    runner = CliRunner()
    res = runner.invoke(cli, ["render", str(a), "-o", str(tmp_path / "out.html")])  # format from the suffix
    # the sample's every cell a different number: it fails the rules, is written all the same, and says so
    assert res.exit_code == 1 and "数据未通过校验" in res.output, res.output
    assert (tmp_path / "out.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    res = runner.invoke(cli, ["render", str(a), str(b), "--format", "md", "-o", str(tmp_path / "md")])
    assert res.exit_code == 1 and sorted(p.name for p in (tmp_path / "md").iterdir()) == ["a.md", "b.md"]
    assert "# 另一局2024年政府信息公开工作年度报告" in (tmp_path / "md" / "b.md").read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    res = runner.invoke(cli, ["render", str(bad), "-o", str(tmp_path / "x.docx")])
    assert res.exit_code == 1 and "JSON-INVALID" in res.output and not (tmp_path / "x.docx").exists()
    res = runner.invoke(cli, ["render", str(a), "--as-is", "--format", "md", "-o", str(tmp_path / "asis.md")])
    line = next(ln for ln in (tmp_path / "asis.md").read_text(encoding="utf-8").splitlines() if "本年新收" in ln)
    assert line.rstrip().endswith("|  |")  # the total the data do not hold stays empty
