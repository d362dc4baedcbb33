"""Published reports from the second import trial: what the import kept or lost between the report and its JSON.

Every report is built here — Word by python-docx, web pages and text by hand, PDF by LibreOffice — from the data
set of test_import_trial (every cell a different value, totals consistent), and every value is compared key by key.

* a report with an import error (a row not printed) or warning (the 2019 one-row （六）其他处理) behaves the same
  whether the report file or its JSON is validated or consolidated: the JSON carries the import's findings;
* the status line of `xltool import` says "imported with errors" / "not imported", and names the form as a clerk
  knows it (2021 年版格式), not by its id;
* a PDF whose table rows break across pages under a repeated header row; a header row at the foot of a page;
* text reports whose tables are one cell per line (pasted from a web page) or separated by single spaces;
* the opening paragraph under the title: not glued to the title, kept as the preamble;
* every section that still holds render's placeholder is flagged, not only 五.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_import_trial import (
    FORM,
    SECTIONS,
    T3,
    TITLE,
    UNIT,
    YEAR,
    V,
    absolute,
    docx_report,
    grids,
    html_report,
    rules_of,
    t2_grid,
    t3_grid,
    t4_grid,
    written,
)
from xltool.cli import cli
from xltool.importer import import_report
from xltool.importer.extract import PREAMBLE, ExtractedTable, extract, merge_continued
from xltool.importer.prose import prose_findings
from xltool.interchange import IMPORT_FINDINGS, UnitReport
from xltool.sources import load_any
from xltool.validate import validate_loaded

OPENING = (
    f"本报告由{UNIT}根据《中华人民共和国政府信息公开条例》编制。"
    f"本报告中所列数据的统计期限自{YEAR}年1月1日起至{YEAR}年12月31日止。"
)


def without_row(grid: list, label: str) -> list:
    return [row for row in grid if not any(text == label for text, _, _ in row)]


def assert_all_values(report: UnitReport, keys=None) -> None:
    keys = list(V) if keys is None else keys
    assert {k: report.values.get(k, "ABSENT") for k in keys} == {k: V[k] for k in keys}


def status_lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln and not ln.startswith(" ")]


def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(f"code,name,category\nX01,{UNIT},部门\n", encoding="utf-8")
    return path


# --- 1. the import's findings travel with the JSON ------------------------------------------------------------


def test_a_missing_row_is_an_error_of_the_json_as_of_the_report(tmp_path):
    """表二 without 行政强制: the JSON is written, marked, and validates and consolidates as the Word file does."""
    g = grids()
    g[0] = without_row(g[0], "行政强制")
    report = docx_report(tmp_path / "no-coercion.docx", g)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(report), "-o", str(out)])
    assert res.exit_code == 1
    js = out / "no-coercion.json"
    assert status_lines(res.output)[0] == (
        f"⚠ 已导入（有错误）  no-coercion.docx  {UNIT} {YEAR}  2021 年版格式  数值 199 个 → {js}"
    )
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert "t2.coercion.decisions" not in doc["values"]
    (carried,) = doc["meta"][IMPORT_FINDINGS]
    assert carried["rule"] == "TABLE-LABELS-MISSING" and carried["severity"] == "error"
    assert carried["title"]["zh"] == "表二 缺少 1 个行/列标签：行政强制"
    assert carried["unread"] == ["t2.coercion.decisions"]

    direct, back = load_any(report), load_any(js)
    assert [(f.rule, f.severity, f.title) for f in back.findings] == [
        (f.rule, f.severity, f.title) for f in direct.findings
    ]
    assert back.findings[0].details["zh"] == ["缺少：行政强制", "导入报告 no-coercion.docx 时发现"]
    assert rules_of(validate_loaded(back).findings) == rules_of(validate_loaded(direct).findings)
    assert not validate_loaded(back).valid

    # consolidated: the same verdict for the report file and for its JSON, never 通过 with 行政强制 as 0
    ros = roster(tmp_path)
    for i, path in enumerate((report, js)):
        args = ["consolidate", str(path), "--roster", str(ros), "-o", str(tmp_path / f"{i}.xlsx")]
        res = CliRunner().invoke(cli, args)
        assert f"{UNIT}  有错误（未计入）  {path.name}" in res.output, res.output
        assert "【错误 TABLE-LABELS-MISSING】表二 缺少 1 个行/列标签：行政强制" in res.output

    # the clerk types the figure in (from the publisher): the finding is settled, the report passes
    doc["values"]["t2.coercion.decisions"] = V["t2.coercion.decisions"]
    js.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    fixed = validate_loaded(load_any(js))
    assert fixed.findings == [] and fixed.valid


def test_the_2019_single_other_row_warns_from_the_json_too(tmp_path):
    """The guessed split of （六）其他处理 stays a warning in the JSON (before, the JSON passed without it)."""
    page = written(tmp_path, "single6.html", html_report(grids(t3={"other_single": True})))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(page), "-o", str(out)])
    assert res.exit_code == 0 and status_lines(res.output)[0].startswith("✔ 已导入  single6.html")
    back = load_any(out / "single6.json")
    direct = load_any(page)
    assert rules_of(back.findings) == rules_of(direct.findings) == ["T3-OTHER-UNSPLIT"]
    assert back.findings[0].keys == direct.findings[0].keys and back.findings[0].values == direct.findings[0].values
    assert back.findings[0].message() == direct.findings[0].message().replace(
        "\n  处理：", "\n  导入报告 single6.html 时发现\n  处理："
    )
    assert rules_of(validate_loaded(back).findings) == rules_of(validate_loaded(direct).findings)


def test_a_damaged_list_of_import_findings_is_refused(tmp_path):
    """Skipping an entry could let an error pass: the JSON is refused and says where."""
    path = tmp_path / "r.json"
    doc = {"form": FORM.id, "year": YEAR, "unit": {"name": UNIT}, "values": {}}
    doc["meta"] = {IMPORT_FINDINGS: [{"rule": 1}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_any(path)
    assert loaded.report is None and rules_of(loaded.findings) == ["JSON-INVALID"]
    assert "meta.import_findings 第 1 项不完整" in loaded.findings[0].title["zh"]
    # a hand-made JSON without them, or the JSON of a workbook, carries none
    doc["meta"] = {}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_any(path).findings == []


# --- 2. and 7. the status line ---------------------------------------------------------------------------------


def test_a_report_of_which_nothing_could_be_read_is_not_imported(tmp_path):
    """Only 表三, every value cell empty: no value and errors is "not imported", and no JSON is written."""
    n = len(T3.columns)
    t3 = [row if i < 3 else [*row[:-n], *(("", 1, 1),) * n] for i, row in enumerate(t3_grid(V))]  # 3 header rows
    page = written(tmp_path, "empty.html", html_report([None, t3, None]))
    res = CliRunner().invoke(cli, ["import", str(page), "--json"])
    assert res.exit_code == 1
    (entry,) = json.loads(res.stdout)["files"]
    assert entry["status"] == "nothing-read" and entry["output"] is None
    assert [f["rule"] for f in entry["findings"] if f["severity"] == "error"] == ["TABLE-MISSING", "TABLE-MISSING"]
    assert f"✘ 未导入  empty.html  {UNIT} {YEAR}：未读出任何数值，未写出 JSON" in res.stderr
    assert "✔" not in res.stderr
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(page), "-o", str(out), "--lang", "en"])
    assert list(out.iterdir()) == []
    assert f"NOT IMPORTED  empty.html  {UNIT} {YEAR}: no figure could be read, no JSON file written" in res.output


def test_status_names_the_form_as_a_clerk_knows_it(tmp_path):
    page = written(tmp_path, "ok.html", html_report(grids()))
    res = CliRunner().invoke(cli, ["import", str(page), "--json"])
    assert res.exit_code == 0
    assert f"✔ 已导入  ok.html  {UNIT} {YEAR}  2021 年版格式  数值 {len(V)} 个" in res.stderr
    assert "gov-disclosure" not in res.stderr  # the id stays in the data (form), not on the clerk's screen
    assert json.loads(res.stdout)["files"][0]["status"] == "imported"
    res = CliRunner().invoke(cli, ["import", str(page), "--json", "--lang", "en"])
    assert f"OK  ok.html  {UNIT} {YEAR}  2021 form  {len(V)} values" in res.stderr


# --- 3. a PDF table whose rows break across pages under a repeated header -----------------------------------------


FILLER = "全面落实政务公开标准化规范化要求，及时发布各类政策文件和工作动态。"


def _repeat_header_docx(path: Path, filler: int) -> Path:
    """docx_report with 表三's three header rows set to repeat on each page, and `filler` paragraphs in 一 to move
    the page breaks (表三's narrow label columns make tall rows: most page breaks fall inside one)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    docx_report(path, grids())
    d = docx.Document(str(path))
    for row in d.tables[1].rows[:3]:
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(flag)
    paragraphs = d.paragraphs
    first = next(i for i, p in enumerate(paragraphs) if p.text.startswith("一、"))
    for _ in range(filler):
        paragraphs[first + 1].insert_paragraph_before(FILLER)
    d.save(str(path))
    return path


def _continued_after_header(tables: list[ExtractedTable]) -> int:
    """How many page tables start with the previous page's header rows and then the rest of a row (no number)."""
    texts = [[[c for c in row if c] for row in t.rows] for t in tables]
    found = 0
    for i in range(1, len(tables)):
        if tables[i].page != (tables[i - 1].page or 0) + 1:
            continue
        ta, tb = texts[i - 1], texts[i]
        k = 0
        while k < min(len(ta), len(tb) - 1) and ta[k] and tb[k] == ta[k]:
            k += 1
        rest = tb[k] if k < len(tb) else []
        if k and rest and not any(any(ch.isdigit() for ch in c) for c in rest):
            found += 1
    return found


def test_pdf_rows_broken_across_pages_under_a_repeated_header(tmp_path, soffice):
    from tests.lo import convert

    docs = [_repeat_header_docx(tmp_path / f"r{n:02d}.docx", n) for n in (15, 21, 33)]
    pdfs = convert(docs, "pdf", tmp_path / "pdf", soffice=soffice)
    split = 0
    for pdf in pdfs:
        split += _continued_after_header(extract(pdf).tables)
        loaded = import_report(pdf)
        assert loaded.report.source["kind"] == "pdf"
        assert rules_of(loaded.findings) == [], (pdf.name, [f.message() for f in loaded.findings])
        assert_all_values(loaded.report)
    assert split >= 2  # the PDFs do hold rows continued under the repeated header (else this tests nothing)


def _table(rows, page, col_x=None, top=True, bottom=True) -> ExtractedTable:
    return ExtractedTable(
        rows=rows, page=page, index=0, last_page=page, col_x=col_x, at_page_top=top, at_page_bottom=bottom
    )


def test_continued_table_on_a_wider_grid_is_joined():
    """The first page lacks a column boundary only later rows draw (表三's third label column): re-gridded."""
    head = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    granted = ["三、本年度办理结果", "（一）予以公开", "1"]
    rows = [[head, None, "申请人情况"], granted, [None, "（二）部分公开（区分", "2"]]
    a = _table(
        rows,
        1,
        (0.0, 10.0, 30.0, 40.0),
        top=False,
    )
    a.spans = {(0, 0): (1, 2), (1, 0): (2, 1)}
    b = _table(
        [[head, None, None, "申请人情况"], ["", "处理的）", None, ""], [None, "（三）不予公开", "1.属于国家秘密", "3"]],
        2,
        (0.0, 10.0, 20.0, 30.0, 40.0),
        bottom=False,
    )
    b.spans = {(0, 0): (1, 3), (1, 1): (1, 2)}
    (t,) = merge_continued([a, b])
    assert t.rows == [
        [head, None, None, "申请人情况"],
        ["三、本年度办理结果", "（一）予以公开", None, "1"],
        [None, "（二）部分公开（区分处理的）", None, "2"],
        [None, "（三）不予公开", "1.属于国家秘密", "3"],
    ]
    assert t.row_pages == [1, 1, 1, 2]


def test_a_header_row_at_the_foot_of_a_page_is_not_half_of_the_next_row():
    """A header row ("信息内容 本年制发件数 …") ends page 1, "规章 1 0 11" starts page 2: two rows, not one."""
    a = _table([["第二十条第（一）项", None, None], ["信息内容", "本年制发件数", "本年废止件数"]], 1, top=False)
    a.spans = {(0, 0): (1, 3)}
    b = _table([["规章", "1", "0"], ["行政规范性文件", "8", "26"]], 2, bottom=False)
    (t,) = merge_continued([a, b])
    header = ["信息内容", "本年制发件数", "本年废止件数"]
    assert t.rows[1:] == [header, ["规章", "1", "0"], ["行政规范性文件", "8", "26"]]


# --- 4. text tables without tabs -------------------------------------------------------------------------------


def text_table(grid: list, sep: str, blanks: bool = True) -> str:
    """A grid as text: each row's cells joined by `sep` (a merged cell's other positions empty, trailing ones
    left out), rows one a line; `blanks` False: empty cells dropped altogether."""
    cells = absolute(grid)
    n_rows = max(r + rs for r, _, rs, _, _ in cells)
    n_cols = max(c + cs for _, c, _, cs, _ in cells)
    at = {(r, c): text for r, c, _, _, text in cells}
    lines = []
    for r in range(n_rows):
        row = [str(at.get((r, c), "")) for c in range(n_cols)]
        while row and not row[-1]:
            row.pop()
        lines.append(sep.join(row if blanks else [x for x in row if x]))
    return "\n".join(lines)


def text_report(sep: str, blanks: bool = True, g: list | None = None) -> str:
    tables = iter(g or grids())
    body = [TITLE, "", OPENING, ""]
    for heading, text in SECTIONS.items():
        body.append(heading)
        body.append(text if text is not None else text_table(next(tables), sep, blanks))
        body.append("")
    return "\n".join(body)


@pytest.mark.parametrize(
    ("sep", "blanks"),
    [("\n", True), ("\n", False), (" ", True), (" ", False)],
    ids=["cell-per-line", "cell-per-line-no-blanks", "spaces", "spaces-no-gaps"],
)
def test_text_tables_without_tabs(tmp_path, sep, blanks):
    path = written(tmp_path, "r.txt", text_report(sep, blanks).encode("utf-8"))
    loaded = import_report(path)
    assert loaded.report is not None, [f.message() for f in loaded.findings]
    assert rules_of(loaded.findings) == []
    assert_all_values(loaded.report)
    doc = extract(path)
    # 表三's "四、结转下年度继续办理" is a row of the table, not the heading of section 四
    assert doc.headings["四"] == "四、政府信息公开行政复议、行政诉讼情况"
    assert [doc.sections[k] for k in ("一", "五", "六")] == [SECTIONS[h] for h in SECTIONS if SECTIONS[h]]
    assert doc.preamble == OPENING


def test_text_table_in_yuan_with_single_spaces(tmp_path):
    """The header's unit is its own cell once the line is split on single spaces: the fee is converted."""
    g = [t2_grid(V, fees_head="本年收费金额（单位：元）", fee="961716000"), t3_grid(V), t4_grid(V)]
    loaded = import_report(written(tmp_path, "r.txt", text_report(" ", g=g).encode("utf-8")))
    assert loaded.report.values["t2.fees.amount"] == Decimal("96171.6")
    assert rules_of(loaded.findings) == ["REPORT-MONEY-UNIT"]
    assert_all_values(loaded.report)


SECTION5 = "五、存在的主要问题及改进情况"


def test_prose_with_numbers_on_lines_of_their_own_is_no_table(tmp_path):
    text = "\n".join([TITLE, "", "一、总体情况", "全年主动公开政府信息。", "3", "", SECTION5, "人员不足。", "6"])
    doc = extract(written(tmp_path, "r.txt", text.encode("utf-8")))
    assert doc.tables == [] and list(doc.sections) == ["一", "五"]


# --- 5. the opening paragraph ---------------------------------------------------------------------------------


def test_the_opening_paragraph_is_neither_the_title_nor_lost(tmp_path):
    text = "\n".join([TITLE, "", OPENING, "", "一、总体情况", "本年度，本局主动公开政府信息。"])
    doc = extract(written(tmp_path, "r.txt", text.encode("utf-8")))
    assert doc.title == TITLE and doc.preamble == OPENING
    assert doc.sections == {"一": "本年度，本局主动公开政府信息。"}
    loaded = import_report(written(tmp_path, "r2.txt", text_report("\t").encode("utf-8")))
    assert "REPORT-NO-UNIT" not in rules_of(loaded.findings) and loaded.report.unit_name == UNIT
    # in Word, and on a web page with its date line and font-size links between the title and the opening
    path = docx_report(tmp_path / "r.docx", grids())
    import docx

    d = docx.Document(str(path))
    d.paragraphs[1].insert_paragraph_before(OPENING)
    d.save(str(path))
    assert extract(path).preamble == OPENING
    page = html_report(grids()).replace(
        f"<h1>{TITLE}</h1>".encode(),
        f"<h1>{TITLE}</h1><p>发布日期：2025-01-20</p><p>字号：大 中 小</p><p>{OPENING}</p>".encode(),
    )
    assert extract(written(tmp_path, "r.html", page)).preamble == OPENING
    # a report without one has none
    assert extract(written(tmp_path, "none.html", html_report(grids()))).preamble == ""


def test_a_finding_in_the_opening_paragraph_names_it():
    rep = UnitReport(form=FORM.id, year=YEAR, unit_name=UNIT, values=dict(V))
    rep.sections = {PREAMBLE: "本年度主动公开政府信息条。", "一": "", "五": "人员不足，将加强培训。", "六": "无。"}
    (f,) = prose_findings(FORM, rep)
    assert f.rule == "PROSE-NUMBER-MISSING" and f.details["zh"] == ["位置：正文（前言）"]


# --- 6. placeholders left by xltool render --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "md"])
def test_every_section_still_holding_the_placeholder_is_flagged(tmp_path, fmt):
    from xltool.render import render_report

    rep = UnitReport(form=FORM.id, year=YEAR, unit_name=UNIT, values=dict(V))
    loaded = import_report(render_report(rep, fmt, tmp_path / f"bare.{fmt}"))
    assert rules_of(loaded.findings) == ["PROSE-SECTION5-EMPTY", "PROSE-PLACEHOLDER"]
    f = loaded.findings[1]
    assert f.severity == "warning"
    assert f.title["zh"] == "正文中 2 个部分尚未填写（仍为待填写的占位文字）：“一、总体情况”“六、其他需要报告的事项”"
    assert f.details["zh"] == ["位置：正文（一、总体情况）", "位置：正文（六、其他需要报告的事项）"]


def test_a_written_section_is_not_a_placeholder():
    rep = UnitReport(form=FORM.id, year=YEAR, unit_name=UNIT, values=dict(V))
    rep.sections = {
        "一": "【待填写】请在此填写“一、总体情况”的内容。\n本年度主动公开政府信息120条。",
        "五": "人员不足，将加强培训。",
        "六": "【待填写】请在此填写“六、其他需要报告的事项”的内容。",
    }
    (f,) = prose_findings(FORM, rep)
    assert f.rule == "PROSE-PLACEHOLDER" and f.title["zh"].endswith("：“六、其他需要报告的事项”")
