"""Published reports from the import trial that the table -> cell mapping read wrong, silently.

Every report is built here — Word by python-docx, web pages by hand, PDF and a template's web-page export by
LibreOffice — from the data set of test_import_trial (every cell a different value, totals consistent) and, for
last year, the same data set with every value changed: a value read from the wrong year, column or table cannot
go unnoticed, and every value is compared key by key.

* two years side by side: 表二 with "2023年 | 2024年" columns under each 第二十条 heading, 表三 with a column group
  per year, 表四 with a row per year. The report year's columns/rows are read (and said); with no year in the
  headers, or not the report's, the table is not read and one finding names the rows/columns;
* last year's 表三 printed before the real one (under 一、总体情况) or after it (an appendix, in a PDF that breaks
  it over pages): the table under 三、 whose caption does not name another year is read, and ONE finding names the
  other (where, which year), instead of 25 "repeated row" warnings; copies that nothing tells apart and that
  differ are not read;
* a template saved by LibreOffice as "HTML (StarCalc)": the template's 总计校验 column does not shift 表三, its
  check rows are no extra rows, 填报单位：… is the unit, and it is a statistics return (no prose expected); a web
  report with an extra 备注 column in 表三 and 表四;
* 2019's one-row （六）其他处理: the cells 1. and 2. the report does not print are named once, by
  T3-OTHER-UNSPLIT.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from tests.lo import convert
from tests.test_import_trial import (
    FORM,
    OTHER,
    T3,
    T4_KEYS,
    T4_RESULTS,
    TITLE,
    UNIT,
    YEAR,
    C,
    V,
    absolute,
    assert_values,
    html_report,
    rules_of,
    t2_grid,
    t3_grid,
    t4_grid,
    written,
)
from xltool.cli import cli
from xltool.importer import import_report
from xltool.importer.extract import extract
from xltool.importer.mapping import map_document
from xltool.sources import load_any
from xltool.validate import validate_loaded

PREV = YEAR - 1
P = {k: (v + 1000 if isinstance(v, int) else v + Decimal("1000.5")) for k, v in V.items()}
"""Last year's values: every one differs from this year's."""
CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def only(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


# --- documents: paragraphs and tables in order ------------------------------------------------------------------


def html_doc(blocks: list, title: str = TITLE) -> bytes:
    """A web page of blocks: a str is a paragraph, a list a table grid (cells (text, rowspan, colspan))."""
    body = [f"<h1>{title}</h1>"]
    for b in blocks:
        if isinstance(b, str):
            body.append(f"<p>{b}</p>")
            continue
        body.append("<table border='1'>")
        for row in b:
            cells = "".join(f"<td rowspan='{rs}' colspan='{cs}'>{text}</td>" for text, rs, cs in row)
            body.append(f"<tr>{cells}</tr>")
        body.append("</table>")
    return f"<html><head><meta charset='utf-8'></head><body>{''.join(body)}</body></html>".encode()


def docx_doc(path: Path, blocks: list, title: str = TITLE) -> Path:
    """A Word file of blocks as `html_doc`: python-docx tables with merged cells."""
    import docx

    d = docx.Document()
    d.add_paragraph(title)
    for b in blocks:
        if isinstance(b, str):
            d.add_paragraph(b)
            continue
        cells = absolute(b)
        tb = d.add_table(rows=max(r + rs for r, _, rs, _, _ in cells), cols=max(c + cs for _, c, _, cs, _ in cells))
        tb.style = "Table Grid"
        for r, c, rs, cs, text in cells:
            cell = tb.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(tb.cell(r + rs - 1, c + cs - 1))
            cell.text = text
    d.save(path)
    return path


def report_blocks(t2: list, t3: list, t4: list, *, before3: list = (), after6: list = ()) -> list:
    """The six sections with 表二, 表三, 表四 under 二, 三, 四; extra blocks under 一 and after 六."""
    return [
        "一、总体情况",
        "本年度，本局认真贯彻落实《中华人民共和国政府信息公开条例》。",
        *before3,
        "二、主动公开政府信息情况",
        t2,
        "三、收到和处理政府信息公开申请情况",
        t3,
        "四、政府信息公开行政复议、行政诉讼情况",
        t4,
        "五、存在的主要问题及改进情况",
        "人员不足，将加强培训，提高工作水平。",
        "六、其他需要报告的事项",
        "无。",
        *after6,
    ]


# --- 1. two years side by side ----------------------------------------------------------------------------------


def t2_two_years(cur: dict, prev: dict, years: tuple[str, str] = (f"{PREV}年", f"{YEAR}年")) -> list:
    """表二 as the trial's report printed it: each block's columns once per year, the year over them."""
    y0, y1 = years
    g = lambda v, k: C(v[f"t2.{k}"])  # noqa: E731
    three = [C("本年制发件数"), C("本年废止件数"), C("现行有效件数")]
    rows = [
        [C("第二十条第（一）项", cs=7)],
        [C("信息内容", rs=2), C(y0, cs=3), C(y1, cs=3)],
        three + three,
    ]
    for rid, label in (("regulation", "规章"), ("normative", "行政规范性文件")):
        rows.append([C(label), *(g(v, f"{rid}.{c}") for v in (prev, cur) for c in ("issued", "repealed", "in_force"))])
    for heading, head, items in (
        ("第二十条第（五）项", "本年处理决定数量", [("licensing.decisions", "行政许可")]),
        (
            "第二十条第（六）项",
            "本年处理决定数量",
            [("penalty.decisions", "行政处罚"), ("coercion.decisions", "行政强制")],
        ),
        ("第二十条第（八）项", "本年收费金额（单位：万元）", [("fees.amount", "行政事业性收费")]),
    ):
        rows.append([C(heading, cs=7)])
        rows.append([C("信息内容"), C(f"{y0}{head}", cs=3), C(f"{y1}{head}", cs=3)])
        for key, label in items:
            rows.append([C(label), C(prev[f"t2.{key}"], cs=3), C(cur[f"t2.{key}"], cs=3)])
    return rows


def t4_two_rows(cur: dict, prev: dict, labels: tuple[str, str] = (f"{PREV}年", f"{YEAR}年")) -> list:
    """表四 with a row per year under a 年度 column."""
    leafs = [C(x) for x in T4_RESULTS]
    return [
        [C("年度", rs=3), C("行政复议", cs=5), C("行政诉讼", cs=10)],
        [*(C(x, rs=2) for x in T4_RESULTS), C("未经复议直接起诉", cs=5), C("复议后起诉", cs=5)],
        leafs + leafs,
        [C(labels[0]), *(C(prev[k]) for k in T4_KEYS)],
        [C(labels[1]), *(C(cur[k]) for k in T4_KEYS)],
    ]


def t3_two_years(cur: dict, prev: dict) -> list:
    """表三 with a column group per year: 2023年 over the first seven value columns, 2024年 over the others."""
    leafs = [C(c.label) for c in T3.columns[1:6]]
    rows = [
        [C(CORNER, rs=4, cs=3), C(f"{PREV}年", cs=7), C(f"{YEAR}年", cs=7)],
        [C("申请人情况", cs=7), C("申请人情况", cs=7)],
        [C("自然人", rs=2), C("法人或其他组织", cs=5), C("总计", rs=2)] * 2,
        leafs + leafs,
    ]
    for r in T3.rows:
        rows.append([C(r.label, cs=3), *(C(v[f"t3.{r.id}.{c.id}"]) for v in (prev, cur) for c in T3.columns)])
    return rows


def test_two_years_side_by_side_reads_the_report_year(tmp_path):
    """The trial's report: 表二 and 表四 of 2023 and 2024 side by side; everything read is 2024's, and said."""
    path = docx_doc(tmp_path / "r.docx", report_blocks(t2_two_years(V, P), t3_grid(V), t4_two_rows(V, P)))
    loaded = import_report(path)
    assert_values(loaded.report, V)  # all 200 keys, none of 2023
    said = only(loaded.findings, "REPORT-YEAR-COLUMNS")
    assert [(f.table, f.severity) for f in said] == [("t2", "info"), ("t4", "info")]
    assert said[0].title["zh"] == f"表二印有 {PREV} 年、{YEAR} 年 的数值，已读取 {YEAR} 年的列"
    assert said[1].title["zh"] == f"表四印有 {PREV} 年、{YEAR} 年 的数值，已读取 {YEAR} 年的行"
    assert not [f for f in loaded.findings if f.severity != "info"]


def test_t3_with_a_column_group_per_year(tmp_path):
    path = written(tmp_path, "r.html", html_doc(report_blocks(t2_grid(V), t3_two_years(V, P), t4_grid(V))))
    loaded = import_report(path)
    assert_values(loaded.report, V)
    (f,) = only(loaded.findings, "REPORT-YEAR-COLUMNS")
    assert f.table == "t3"
    assert loaded.report.source["cells"]["t3.new_received.natural_person"]["col"] == 4 + 7  # the 2024 group


def test_two_years_none_of_them_the_report_year_are_not_read(tmp_path):
    """A 2025 report printing 2023 and 2024: neither is its year; 表二 and 表四 are not read, and say why."""
    title = TITLE.replace(str(YEAR), str(YEAR + 1))
    path = docx_doc(tmp_path / "r.docx", report_blocks(t2_two_years(V, P), t3_grid(V), t4_two_rows(V, P)), title)
    loaded = import_report(path)
    assert not [k for k in loaded.report.values if k.startswith(("t2.", "t4."))]
    missing = only(loaded.findings, "TABLE-MISSING")
    assert [(f.table, f.severity) for f in missing] == [("t2", "error"), ("t4", "error")]
    t2, t4 = missing
    assert t2.title["zh"] == (
        f"表二（二、主动公开政府信息情况）未读取：印有 {PREV} 年、{YEAR} 年 的数值，其中没有 {YEAR + 1} 年，"
        f"无法确定哪些是{YEAR + 1} 年度的数值"
    )
    lic = V["t2.licensing.decisions"]
    assert f"表格1 第8行“行政许可”：{P['t2.licensing.decisions']}（{PREV}年）、{lic}（{YEAR}年）" in t2.details["zh"]
    assert t4.details["zh"] == [
        f"表格3 第4行“{PREV}年”：" + "、".join(str(P[k]) for k in T4_KEYS),
        f"表格3 第5行“{YEAR}年”：" + "、".join(str(V[k]) for k in T4_KEYS),
    ]
    assert not only(loaded.findings, "REPORT-YEAR-COLUMNS")
    # the import writes no JSON for it (a table not read would count as 0) and fails
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert not list(out.glob("*.json"))
    assert "无法确定哪些是2025 年度的数值" in res.output


def test_more_values_than_the_form_and_no_year_are_not_guessed(tmp_path):
    """The same tables without any year in their headers (本年/上年 rows): nothing says which values to read."""
    t2 = [
        [C(text.replace(f"{PREV}年", "").replace(f"{YEAR}年", "") or "本年", rs, cs) for text, rs, cs in row]
        for row in t2_two_years(V, P)
    ]
    path = docx_doc(tmp_path / "r.docx", report_blocks(t2, t3_grid(V), t4_two_rows(V, P, ("上年", "本年"))))
    loaded = import_report(path)
    missing = {f.table: f for f in only(loaded.findings, "TABLE-MISSING")}
    assert set(missing) == {"t2", "t4"}
    assert "数值列多于官方格式，表头未标明各列的年度" in missing["t2"].title["zh"]
    assert "数值行多于官方格式" in missing["t4"].title["zh"]
    assert len(missing["t2"].details["zh"]) == 6  # every row of 表二, each with two numbers
    assert_values(loaded.report, V, [k for k in V if k.startswith("t3.")])  # 表三 has one year: read


def test_markdown_blanks_after_a_value_are_not_a_second_year(tmp_path):
    """A Markdown 表二 repeats a block's single column over three cells ("| 8266 |  |  |"): one value, no refusal."""
    md = xltool_render_md(tmp_path)
    loaded = import_report(md)
    assert not only(loaded.findings, "TABLE-MISSING")
    assert_values(loaded.report, V)


def xltool_render_md(tmp_path: Path) -> Path:
    """The data set rendered by `xltool render` as Markdown (its 表二 rows are "| 行政许可 | 447228 |  |  |")."""
    data = tmp_path / "v.json"
    data.write_text(
        json.dumps(
            {
                "form": FORM.id,
                "year": YEAR,
                "unit": {"name": UNIT},
                "values": {k: str(v) if isinstance(v, Decimal) else v for k, v in V.items()},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = tmp_path / "r.md"
    res = CliRunner().invoke(cli, ["render", str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "| 行政许可 | 447228 |  |  |" in out.read_text(encoding="utf-8")
    return out


# --- 2. last year's table printed beside this year's ------------------------------------------------------------


def test_last_years_table_first_under_section_one(tmp_path):
    """The trial's report: a 2023 comparison 表三 under 一、总体情况, the real one under 三、."""
    before = ["与上年对比情况见下表。", f"{PREV}年度政府信息公开申请情况", t3_grid(P)]
    path = docx_doc(tmp_path / "r.docx", report_blocks(t2_grid(V), t3_grid(V), t4_grid(V), before3=before))
    loaded = import_report(path)
    assert_values(loaded.report, V)
    assert not only(loaded.findings, "REPORT-ROW-DUPLICATE")
    (f,) = only(loaded.findings, "REPORT-OTHER-TABLE")
    assert (f.table, f.severity) == ("t3", "info")
    assert f.title["zh"] == (
        "表三在报告中印有不止一份：已读取表格3（“三、收到和处理政府信息公开申请情况”部分）；"
        f"表格1（“一、总体情况”部分，题为“{PREV}年度政府信息公开申请情况”，{PREV} 年度）未读取"
    )
    assert loaded.report.source["cells"]["t3.granted.total"]["table"] == 3
    assert [x.rule for x in loaded.findings] == ["REPORT-OTHER-TABLE"]


def test_appendix_with_last_years_table_in_a_pdf(tmp_path, soffice):
    """N's report: the real 表三, and last year's as an appendix after 六; as Word and as LibreOffice's PDF, where
    both tables break over pages."""
    after = [f"附件：{PREV}年度收到和处理政府信息公开申请情况（供对比）", t3_grid(P)]
    docx = docx_doc(tmp_path / "n.docx", report_blocks(t2_grid(V), t3_grid(V), t4_grid(V), after6=after))
    (pdf,) = convert([docx], "pdf", tmp_path / "pdf", soffice=soffice)
    for path in (docx, pdf):
        loaded = import_report(path)
        assert_values(loaded.report, V)
        assert rules_of(loaded.findings) == ["REPORT-OTHER-TABLE"], path.suffix
        (f,) = loaded.findings
        assert f.severity == "info"
        assert f"题为“附件：{PREV}年度收到和处理政府信息公开申请情况（供对比）”，{PREV} 年度）未读取" in f.title["zh"]
        assert "“六、其他需要报告的事项”部分" in f.title["zh"]
    assert "第" in f.title["zh"] and "页" in f.title["zh"]  # the PDF's copy is named with its pages


def test_copies_nothing_tells_apart_are_not_read_when_they_differ(tmp_path):
    """Two 表三 under 三、 without captions: if they differ, which is this year's cannot be told."""
    blocks = report_blocks(t2_grid(V), t3_grid(V), t4_grid(V))
    at = blocks.index("四、政府信息公开行政复议、行政诉讼情况")
    differ = blocks[:at] + [t3_grid(P)] + blocks[at:]
    loaded = import_report(written(tmp_path, "d.html", html_doc(differ)))
    (f,) = only(loaded.findings, "TABLE-MISSING")
    assert (f.table, f.severity) == ("t3", "error")
    assert "报告中印有 2 份数值不同的表三" in f.title["zh"]
    assert len(f.details["zh"]) == 2
    assert not [k for k in loaded.report.values if k.startswith("t3.")]
    assert not only(loaded.findings, "REPORT-ROW-DUPLICATE")
    # printed twice alike: read once, said once
    same = blocks[:at] + [t3_grid(V)] + blocks[at:]
    loaded = import_report(written(tmp_path, "s.html", html_doc(same)))
    assert_values(loaded.report, V)
    (f,) = loaded.findings
    assert (f.rule, f.severity) == ("REPORT-OTHER-TABLE", "info")
    assert "各份数值相同，只读取一次" in f.fix["zh"]


# --- 3. a template saved as a web page; a column that is none of the form's -------------------------------------


def test_template_saved_by_libreoffice_as_html(tmp_path, soffice):
    """A returned template exported as "HTML (StarCalc)": 表三's 总计校验 column (rowspan=3 over the header, ✔ in
    each row) does not shift the values; the check rows are no extra rows; 填报单位 names the unit."""
    from xltool.template import write_template

    code = "370602-D15"
    xlsx = write_template(
        FORM,
        tmp_path / "return.xlsx",
        year=YEAR,
        unit_name=UNIT,
        unit_code=code,
        values={k: v for k, v in V.items() if not FORM.cells[k].is_total},
    )
    (html,) = convert([xlsx], "html:HTML (StarCalc)", tmp_path / "html", soffice=soffice)
    raw = html.read_text(encoding="utf-8", errors="replace")
    assert "总计校验" in raw and "rowspan=3" in raw  # the shape the trial met
    loaded = import_report(html)
    rep = loaded.report
    assert_values(rep, V)  # 自然人's 一、本年新收 is its own value, not 商业企业's; no "✔" in 总计
    assert (rep.unit_name, rep.unit_code, rep.year) == (UNIT, code, YEAR)
    assert not {"REPORT-NO-UNIT", "TABLE-EXTRA-ROW", "REPORT-EXTRA-COLUMN"} & set(rules_of(loaded.findings))
    result = validate_loaded(load_any(html))
    assert not [f for f in result.findings if f.severity == "error" or f.rule.startswith("VALUE-")]
    # a table-only document: a statistics return, not a published report (no prose to check)
    assert map_document(extract(html)).statistics_return is True
    report = docx_doc(tmp_path / "report.docx", report_blocks(t2_grid(V), t3_grid(V), t4_grid(V)))
    assert map_document(extract(report)).statistics_return is False


def with_remarks(grid: list, header_rows: int, remarks: dict[int, str]) -> list:
    """The grid with a 备注 column at its right: its header over the header rows, a remark (or nothing) per row."""
    out = []
    for i, row in enumerate(grid):
        if i == 0:
            out.append([*row, C("备注", rs=header_rows)])
        elif i < header_rows:
            out.append(list(row))
        else:
            out.append([*row, C(remarks.get(i, ""))])
    return out


def test_web_report_with_a_remarks_column(tmp_path):
    """表三 and 表四 with a 备注 column: every value read under its own header, and the column named once."""
    t3 = with_remarks(t3_grid(V), 3, {3: "含补正后受理 2 件", 5: "12"})
    t4 = with_remarks(t4_grid(V), 3, {3: "1 件尚在审理"})
    loaded = import_report(written(tmp_path, "r.html", html_doc(report_blocks(t2_grid(V), t3, t4))))
    assert_values(loaded.report, V)
    extra = only(loaded.findings, "REPORT-EXTRA-COLUMN")
    assert [(f.table, f.severity) for f in extra] == [("t3", "info"), ("t4", "info")]
    assert extra[0].title["zh"] == "表三 第 11 列“备注”不是官方表格中的列，其数据未读取"
    assert extra[1].title["zh"] == "表四 第 16 列“备注”不是官方表格中的列，其数据未读取"
    assert not [f for f in validate_loaded(load_any(tmp_path / "r.html")).findings if f.rule.startswith("VALUE-")]


def test_filled_in_unit_when_the_title_names_none(tmp_path):
    """填报单位：… in a table's heading row, the title naming no unit: the unit, its code and no REPORT-NO-UNIT."""
    head = [[C(f"填报单位：{UNIT}　　单位代码：370602-D15　　报告年度：{YEAR}年", cs=4)]]
    blocks = report_blocks(head + t2_grid(V), t3_grid(V), t4_grid(V))
    loaded = import_report(written(tmp_path, "r.html", html_doc(blocks, f"{YEAR}年度政府信息公开工作年度报告统计表")))
    assert (loaded.report.unit_name, loaded.report.unit_code) == (UNIT, "370602-D15")
    assert "REPORT-NO-UNIT" not in rules_of(loaded.findings)


# --- 4. （六）其他处理 as one row ------------------------------------------------------------------------------------


def unknown_parts() -> list[str]:
    return [
        f"t3.{x}.{c.id}"
        for x in OTHER[:2]
        for c in T3.columns
        if not c.total_of and any(V[f"t3.{y}.{c.id}"] for y in OTHER)
    ]


def test_single_other_row_names_its_blank_items_once(tmp_path):
    path = written(tmp_path, "f.html", html_report([t2_grid(V), t3_grid(V, other_single=True), t4_grid(V)]))
    loaded = import_report(path)
    (f,) = only(loaded.findings, "T3-OTHER-UNSPLIT")
    cols = [c.label for c in T3.columns if not c.total_of and any(V[f"t3.{y}.{c.id}"] for y in OTHER)]
    assert f.details["zh"][-1] == f"1.、2. 各项报告未单列，“{'、'.join(cols)}”列记为空白（按 0 计）"
    assert sorted(loaded.report.meta["unsplit"]) == sorted(unknown_parts())
    assert set(loaded.report.meta["unsplit"].values()) == {"（六）其他处理"}
    assert all(loaded.report.values[k] is None for k in unknown_parts())


def test_single_other_row_validates_with_one_message(tmp_path):
    """Validating the report: T3-OTHER-UNSPLIT alone speaks of 1. and 2.; no VALUE-BLANK lists cells the report
    does not have (as blank at the single row's position, which holds a number)."""
    path = written(tmp_path, "f.html", html_report([t2_grid(V), t3_grid(V, other_single=True), t4_grid(V)]))
    result = validate_loaded(load_any(path))
    assert "T3-OTHER-UNSPLIT" in rules_of(result.findings)
    blank = [k for f in result.findings if f.rule == "VALUE-BLANK" for k in f.keys]
    assert not set(blank) & set(unknown_parts())
