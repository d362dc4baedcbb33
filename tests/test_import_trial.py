"""Published reports from the import trial: the shapes that were read wrong, or read silently as 0.

Each report is built here, as Word (python-docx), as a web page, or through LibreOffice (its HTML of a Word
table, its PDF of a table with narrow cells), from one consistent data set in which every cell of 表四 differs:
a value read into the wrong cell cannot go unnoticed, and every value is compared key by key.

* 表四 with an extra grid column that a merged cell covers (LibreOffice's HTML of Word tables: 总计 and its value
  with colspan=2; a hand-edited Word table), and with borders that do not line up with the header's;
* 表四 printed as a small matrix (a row per group, or transposed: a row per result);
* the 2019 one-row （六）其他处理 in a 表三 whose 自然人 column spans two grid columns; its split is unknown, so
  1. and 2. are written blank (null), never as a definite 0;
* 表二's fees printed in 元; "--" and "- -" for none; a number wrapped in a narrow PDF cell; a report whose
  表四 is missing (no JSON file is written for it); a report without any table.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import cli
from xltool.importer import import_report
from xltool.importer.extract import cell_text
from xltool.interchange import UnitReport, load_json
from xltool.schema import load_form
from xltool.sources import load_any
from xltool.validate import validate_loaded
from xltool.values import BLANK_MARKS, parse_value

FORM = load_form("gov-disclosure-2021")
UNIT = "淮安市某某局"
YEAR = 2024
TITLE = f"{UNIT}{YEAR}年政府信息公开工作年度报告"
T3 = FORM.table("t3")
T4 = FORM.table("t4")
T4_KEYS = [T4.key(r.id, c.id) for r in T4.rows for c in T4.columns]
T4_RESULTS = [c.label for c in T4.columns]  # 结果维持 … 总计
OTHER = ("other_no_correction", "other_unpaid_fee", "other_misc")  # （六）其他处理 1., 2., 3.


def dataset() -> dict:
    """Every value of the form, totals consistent (no rule fires); 表四's 15 values all different."""
    v: dict = {
        "t2.regulation.issued": 1,
        "t2.regulation.repealed": 0,
        "t2.regulation.in_force": 11,
        "t2.normative.issued": 8,
        "t2.normative.repealed": 26,
        "t2.normative.in_force": 66,
        "t2.licensing.decisions": 447228,
        "t2.penalty.decisions": 3985,
        "t2.coercion.decisions": 88,
        "t2.fees.amount": Decimal("96171.6"),
    }
    cols = [c.id for c in T3.columns if not c.total_of]
    results = [r.id for r in T3.rows if r.groups and not r.total_of]
    for j, cid in enumerate(cols):
        for i, rid in enumerate(results):
            v[f"t3.{rid}.{cid}"] = (7 * i + 3 * j) % 13 if j else 20 + 5 * i
            if cid == "research" and rid in OTHER:
                v[f"t3.{rid}.{cid}"] = 0  # （六） as one row is 0 in this column, and not 0 in the others
        v[f"t3.results_total.{cid}"] = sum(v[f"t3.{rid}.{cid}"] for rid in results)
        v[f"t3.carried_over.{cid}"] = j + 1
        v[f"t3.carried_forward.{cid}"] = 2 * j
        v[f"t3.new_received.{cid}"] = v[f"t3.results_total.{cid}"] + 2 * j - (j + 1)
    for r in T3.rows:
        v[f"t3.{r.id}.total"] = sum(v[f"t3.{r.id}.{cid}"] for cid in cols)
    for rid, nums in (("review", (72, 64, 178, 37)), ("litigation_direct", (13, 4, 8, 2)),
                      ("litigation_after_review", (12, 5, 3, 6))):  # fmt: skip
        for cid, n in zip(["upheld", "corrected", "other", "pending"], nums, strict=True):
            v[f"t4.{rid}.{cid}"] = n
        v[f"t4.{rid}.total"] = sum(nums)
    assert len(v) == len(FORM.cells)
    return v


V = dataset()


# --- grids: rows of cells (text, rowspan, colspan) in reading order, as HTML writes them ------------------------


def C(text, rs: int = 1, cs: int = 1) -> tuple[str, int, int]:
    return (str(text), rs, cs)


def t2_grid(v: dict, fees_head: str = "本年收费金额（单位：万元）", fee: str | None = None) -> list:
    g = lambda k: C(v[f"t2.{k}"])  # noqa: E731
    return [
        [C("第二十条第（一）项", cs=4)],
        [C("信息内容"), C("本年制发件数"), C("本年废止件数"), C("现行有效件数")],
        [C("规章"), g("regulation.issued"), g("regulation.repealed"), g("regulation.in_force")],
        [C("行政规范性文件"), g("normative.issued"), g("normative.repealed"), g("normative.in_force")],
        [C("第二十条第（五）项", cs=4)],
        [C("信息内容"), C("本年处理决定数量", cs=3)],
        [C("行政许可"), C(v["t2.licensing.decisions"], cs=3)],
        [C("第二十条第（六）项", cs=4)],
        [C("信息内容"), C("本年处理决定数量", cs=3)],
        [C("行政处罚"), C(v["t2.penalty.decisions"], cs=3)],
        [C("行政强制"), C(v["t2.coercion.decisions"], cs=3)],
        [C("第二十条第（八）项", cs=4)],
        [C("信息内容"), C(fees_head, cs=3)],
        [C("行政事业性收费"), C(v["t2.fees.amount"] if fee is None else fee, cs=3)],
    ]


def t3_grid(v: dict, other_single: bool = False, mid_span: bool = False) -> list:
    """The official 表三; （六） as the 2019 form's one row; 自然人 over two grid columns (a hand-edited table)."""
    w = 2 if mid_span else 1
    rows = [
        [
            C("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rs=3, cs=3),
            C("申请人情况", cs=6 + w),
        ],
        [C("自然人", rs=2, cs=w), C("法人或其他组织", cs=5), C("总计", rs=2)],
        [C(c.label) for c in T3.columns[1:6]],
    ]

    def vals(rid: str, source: dict | None = None) -> list:
        src = source or {c.id: v[f"t3.{rid}.{c.id}"] for c in T3.columns}
        return [C(src[c.id], cs=w if c.id == "natural_person" else 1) for c in T3.columns]

    groups_seen: set[str] = set()
    n_results = sum(1 for r in T3.rows if r.groups) - (2 if other_single else 0)
    for r in T3.rows:
        if not r.groups and r.id != "results_total":
            rows.append([C(r.label, cs=3), *vals(r.id)])
            continue
        row = [C("三、本年度办理结果", rs=n_results)] if r.id == "granted" else []
        if r.id == "results_total":
            rows.append([C(r.label, cs=2), *vals(r.id)])
            continue
        group = r.groups[-1] if len(r.groups) > 1 else None
        if other_single and r.id in OTHER:
            if r.id == OTHER[0]:
                total = {c.id: sum(v[f"t3.{x}.{c.id}"] for x in OTHER) for c in T3.columns}
                rows.append([C(group, cs=2), *vals(r.id, total)])
            continue
        if group is None:
            row.append(C(r.label, cs=2))
        else:
            if group not in groups_seen:
                groups_seen.add(group)
                row.append(C(group, rs=sum(1 for x in T3.rows if group in x.groups)))
            row.append(C(r.label))
        rows.append(row + vals(r.id))
    return rows


def t4_grid(v: dict, layout: str = "official") -> list:
    """表四. `extra`: LibreOffice's HTML of a Word table (行政复议's 总计 and its value over two grid columns);
    `misaligned`: the data row's borders off the header's (结果维持's value over two columns, 总计's one)."""
    vals = [C(v[k]) for k in T4_KEYS]
    leafs = [C(x) for x in T4_RESULTS]
    if layout == "official":
        return [
            [C("行政复议", cs=5), C("行政诉讼", cs=10)],
            [*(C(x, rs=2) for x in T4_RESULTS), C("未经复议直接起诉", cs=5), C("复议后起诉", cs=5)],
            leafs + leafs,
            vals,
        ]
    if layout == "extra":
        return [
            [C("行政复议", cs=5), C("行政诉讼", cs=11)],
            [*(C(x, rs=2) for x in T4_RESULTS[:4]), C("总计", rs=2, cs=2), C("未经复议直接起诉", cs=5),
             C("复议后起诉", cs=5)],
            leafs + leafs,
            [*vals[:4], C(v["t4.review.total"], cs=2), *vals[5:]],
        ]  # fmt: skip
    if layout == "misaligned":
        return [
            [C("行政复议", cs=6), C("行政诉讼", cs=10)],
            [*(C(x, rs=2) for x in T4_RESULTS[:4]), C("总计", rs=2, cs=2), C("未经复议直接起诉", cs=5),
             C("复议后起诉", cs=5)],
            leafs + leafs,
            [C(v["t4.review.upheld"], cs=2), *vals[1:]],
        ]  # fmt: skip
    if layout == "vertical":  # a row per group
        rows = [[C("类别", cs=2), *leafs]]
        rows.append([C("行政复议", cs=2), *vals[0:5]])
        rows.append([C("行政诉讼", rs=2), C("未经复议直接起诉"), *vals[5:10]])
        rows.append([C("复议后起诉"), *vals[10:15]])
        return rows
    by_result = [[C(label), *(vals[g * 5 + i] for g in range(3))] for i, label in enumerate(T4_RESULTS)]
    if layout == "transposed":  # a row per result, no header
        return by_result
    if layout == "transposed-header":
        return [[C("项目"), C("行政复议"), C("行政诉讼（未经复议直接起诉）"), C("行政诉讼（复议后起诉）")], *by_result]
    raise ValueError(layout)


def absolute(grid: list) -> list[tuple[int, int, int, int, str]]:
    """(row, col, rowspan, colspan, text) of every cell, as a grid's positions."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, rs, cs, text))
            taken |= {(r + i, c + j) for i in range(rs) for j in range(cs)}
            c += cs
    return out


SECTIONS = {
    "一、总体情况": "本年度，本局认真贯彻落实《中华人民共和国政府信息公开条例》。",
    "二、主动公开政府信息情况": None,
    "三、收到和处理政府信息公开申请情况": None,
    "四、政府信息公开行政复议、行政诉讼情况": None,
    "五、存在的主要问题及改进情况": "人员不足，将加强培训，提高工作水平。",
    "六、其他需要报告的事项": "无。",
}


def html_report(grids: list, title: str = TITLE) -> bytes:
    """A web page: title, the six sections, the tables under 二, 三 and 四 (None: that table left out)."""
    body = [f"<h1>{title}</h1>"]
    tables = iter(grids)
    for heading, text in SECTIONS.items():
        body.append(f"<p>{heading}</p>")
        grid = next(tables) if text is None else None
        if text is not None:
            body.append(f"<p>{text}</p>")
        elif grid is not None:
            body.append("<table border='1'>")
            for row in grid:
                cells = "".join(
                    f"<td rowspan='{rs}' colspan='{cs}'>{text}</td>".replace(" rowspan='1'", "").replace(
                        " colspan='1'", ""
                    )
                    for text, rs, cs in row
                )
                body.append(f"<tr>{cells}</tr>")
            body.append("</table>")
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{''.join(body)}</body></html>".encode()
    )


def docx_report(path: Path, grids: list, title: str = TITLE, *, font_pt: float | None = None,
                col_cm: float | None = None) -> Path:  # fmt: skip
    """A Word file as an office writes one: python-docx tables with merged cells (narrow columns: col_cm)."""
    import docx
    from docx.shared import Cm, Pt

    d = docx.Document()
    if font_pt:
        d.styles["Normal"].font.size = Pt(font_pt)
    d.add_paragraph(title)
    tables = iter(grids)
    for heading, text in SECTIONS.items():
        d.add_paragraph(heading)
        if text is not None:
            d.add_paragraph(text)
            continue
        grid = next(tables)
        if grid is None:
            continue
        cells = absolute(grid)
        n_rows = max(r + rs for r, _, rs, _, _ in cells)
        n_cols = max(c + cs for _, c, _, cs, _ in cells)
        tb = d.add_table(rows=n_rows, cols=n_cols)
        tb.style = "Table Grid"
        if col_cm:
            tb.autofit = False
            for col in tb.columns:
                for cell in col.cells:
                    cell.width = Cm(col_cm)
        for r, c, rs, cs, text in cells:
            cell = tb.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(tb.cell(r + rs - 1, c + cs - 1))
            cell.text = text
    d.save(path)
    return path


def grids(**kw) -> list:
    return [t2_grid(V, **kw.get("t2", {})), t3_grid(V, **kw.get("t3", {})), t4_grid(V, kw.get("t4", "official"))]


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


def assert_values(report: UnitReport, expected: dict, keys=None) -> None:
    """Key by key: every value as expected (numbers as numbers), and no key read that is not expected."""
    keys = list(expected) if keys is None else keys
    got = {k: report.values.get(k, "ABSENT") for k in keys}
    assert got == {k: expected[k] for k in keys}


def validated(path: Path) -> list[str]:
    return rules_of(validate_loaded(load_any(path)).findings)


# --- 1. 表四 with an extra merged grid column, or borders off the header's --------------------------------------


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_t4_with_an_extra_merged_column_keeps_each_value_with_its_cell(tmp_path, fmt):
    g = grids(t4="extra")
    path = written(tmp_path, "r.html", html_report(g)) if fmt == "html" else docx_report(tmp_path / "r.docx", g)
    loaded = import_report(path)
    assert_values(loaded.report, V)  # every value of the three tables, 表四's 15 included
    assert rules_of(loaded.findings) == []
    # the value over two grid columns is read where it stands: 行政复议 总计 (col 5), 未经复议直接起诉 from col 7
    cells = loaded.report.source["cells"]
    assert cells["t4.review.total"]["col"] == 5 and cells["t4.litigation_direct.upheld"]["col"] == 7
    assert validated(path) == []


def test_t4_with_misaligned_borders_reads_the_data_rows_own_cells(tmp_path):
    path = docx_report(tmp_path / "r.docx", grids(t4="misaligned"))
    loaded = import_report(path)
    assert_values(loaded.report, V, T4_KEYS)
    assert loaded.report.values["t4.review.upheld"] == 72  # its cell spans 结果维持 and 结果纠正's columns
    assert loaded.report.values["t4.review.corrected"] == 64
    assert validated(path) == []  # no T4-TOTAL blaming the publisher for a value the reading dropped


def test_rendered_report_through_libreoffice_html(tmp_path, soffice):
    """xltool's own Word rendering saved as HTML by LibreOffice: its 表四 grid has the extra merged column."""
    from tests.lo import convert
    from xltool.importer.extract import extract
    from xltool.render import render_report

    rep = UnitReport(form=FORM.id, year=YEAR, unit_name=UNIT, values=dict(V))
    docx = render_report(rep, "docx", tmp_path / "rendered.docx")
    (html,) = convert([docx], "html:HTML (StarWriter)", tmp_path / "lo", soffice=soffice)
    widths = [t.n_cols for t in extract(html).tables]
    assert 16 in widths  # LibreOffice's grid of 表四: 15 values over 16 columns (what the trial met)
    loaded = import_report(html)
    assert_values(loaded.report, V)


# --- 7. a number wrapped in a narrow PDF cell --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [("17\n8", "178"), ("35\n1", "351"), ("96171.\n6", "96171.6"), ("1,2\n34", "1,234"), ("12\n3件", "12 3件"),
     ("结果\n维持", "结果维持"), ("17 8", "17 8"), ("1\n.\n2", "1.2"), ("3\n\n", "3")],
)  # fmt: skip
def test_cell_text_joins_a_wrapped_number(raw, text):
    assert cell_text(raw) == text


def test_number_wrapped_in_a_narrow_pdf_cell(tmp_path, soffice):
    from tests.lo import convert
    from xltool.importer.extract import extract

    docx = docx_report(tmp_path / "narrow.docx", grids(), font_pt=14, col_cm=1.0)
    (pdf,) = convert([docx], "pdf", tmp_path / "pdf", soffice=soffice)
    loaded = import_report(pdf)
    assert loaded.report.source["kind"] == "pdf"
    assert_values(loaded.report, V, T4_KEYS)
    assert loaded.report.values["t4.review.other"] == 178 and loaded.report.values["t4.review.total"] == 351
    # the PDF does wrap them: the raw text of 表四's cells has a line break inside a number
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        raw = [c for page in doc.pages for t in page.extract_tables() for row in t for c in row if c]
    assert "17\n8" in raw or "35\n1" in raw, raw[-20:]
    assert extract(pdf).kind == "pdf"


# --- 2. and 5. the 2019 one-row （六）其他处理 -------------------------------------------------------------------


def test_other_single_row_with_a_merged_middle_column(tmp_path):
    """自然人 over two grid columns, （六） as one row: 自然人's value kept; 1., 2. unknown where the row is not 0."""
    path = docx_report(tmp_path / "r.docx", grids(t3={"other_single": True, "mid_span": True}))
    loaded = import_report(path)
    rep = loaded.report
    single = {c.id: sum(V[f"t3.{x}.{c.id}"] for x in OTHER) for c in T3.columns}
    assert single["natural_person"] > 0 and single["research"] == 0  # both cases occur in the data set
    for c in T3.columns:
        assert rep.values[f"t3.other_misc.{c.id}"] == single[c.id], c.id
        for sub in OTHER[:2]:  # unknown where the single row is not 0; 0 where it is 0
            assert rep.values[f"t3.{sub}.{c.id}"] == (None if single[c.id] else 0), (sub, c.id)
    other_keys = {f"t3.{x}.{c.id}" for x in OTHER for c in T3.columns}
    assert_values(rep, V, [k for k in V if k.startswith("t3.") and k not in other_keys])
    (f,) = [f for f in loaded.findings if f.rule == "T3-OTHER-UNSPLIT"]
    assert f.keys == [f"t3.other_misc.{c.id}" for c in T3.columns if single[c.id]]
    assert f.details["zh"][0] == f"表格2 第24行第4列（自然人）：{single['natural_person']}"


def test_unsplit_other_row_validates_from_json_as_on_import(tmp_path):
    """The JSON keeps 1. and 2. blank (null), not 0: validate says of them what the import said."""
    path = docx_report(tmp_path / "r.docx", grids(t3={"other_single": True}))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "【警告 T3-OTHER-UNSPLIT】" in res.output
    doc = json.loads((out / "r.json").read_text(encoding="utf-8"))
    unknown = [f"t3.{x}.{c.id}" for x in OTHER[:2] for c in T3.columns if any(V[f"t3.{y}.{c.id}"] for y in OTHER)]
    assert unknown and all(k in doc["values"] and doc["values"][k] is None for k in unknown)
    back = load_any(out / "r.json")
    result = validate_loaded(back)
    # the totals agree, nothing invented; the import's warning travels with the JSON (the split is unknown)
    assert [f.rule for f in result.findings if f.severity != "info"] == ["T3-OTHER-UNSPLIT"]
    # the unknown parts are said once, by T3-OTHER-UNSPLIT (which names them), not again as VALUE-BLANK
    parts = sorted(k for k in unknown if not k.endswith(".total"))
    unsplit = next(f for f in result.findings if f.rule == "T3-OTHER-UNSPLIT")
    assert not [f for f in result.findings if f.rule == "VALUE-BLANK" and f.table == "t3"]
    assert parts and set(back.report.meta["unsplit"]) >= set(parts)
    # the report file itself, validated directly: the same, one message
    direct = validate_loaded(load_any(path))
    assert not [f for f in direct.findings if f.rule == "VALUE-BLANK" and f.table == "t3"]
    assert "T3-OTHER-UNSPLIT" in rules_of(direct.findings) and unsplit.severity == "warning"


# --- 3. fees in 元 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "fee", "value", "stated"),
    [
        ("本年收费金额（单位：元）", "5000", Decimal("0.5"), "元"),
        ("本年收费金额（单位：元）", "123456", Decimal("12.3456"), "元"),
        ("本年收费金额（单位：万元）", "5000元", Decimal("0.5"), "元"),
        ("本年收费金额（单位：元）", "0", 0, "元"),
        ("本年收费金额（单位：万元）", "96171.6", Decimal("96171.6"), None),
        ("本年收费金额（万元）", "96171.6", Decimal("96171.6"), None),
        ("本年收费金额（单位：元）", "/", "/", None),
    ],
)
def test_fees_printed_in_yuan_are_converted_and_said(tmp_path, head, fee, value, stated):
    path = docx_report(tmp_path / "r.docx", [t2_grid(V, head, fee), t3_grid(V), t4_grid(V)])
    loaded = import_report(path)
    got = loaded.report.values["t2.fees.amount"]
    assert got == value and type(got) is type(value)
    found = [f for f in loaded.findings if f.rule == "REPORT-MONEY-UNIT"]
    if stated is None:
        assert found == []
        return
    (f,) = found
    assert f.severity == "warning" and f.keys == ["t2.fees.amount"] and f.table == "t2"
    shown = format(value, "f") if isinstance(value, Decimal) else str(value)
    raw = fee.removesuffix("元")
    where = head if fee == raw else fee
    assert f.title["zh"] == (
        f"表二“行政事业性收费”的金额以元为单位印出（“{where}”），已换算为万元：{raw} 元 按 {shown} 万元 读取"
    )
    assert "本年收费金额（单位：万元）" in f.fix["zh"]
    assert f.details["zh"] == ["位置：表格1 第14行第2列"]


def test_fees_in_yuan_from_json_validate_as_the_amount_in_wan(tmp_path):
    path = docx_report(tmp_path / "r.docx", [t2_grid(V, "本年收费金额（单位：元）", "5000"), t3_grid(V), t4_grid(V)])
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert "【警告 REPORT-MONEY-UNIT】" in res.output
    assert load_json(out / "r.json").values["t2.fees.amount"] == Decimal("0.5")


# --- 4. 表四 as a small matrix; a report without 表四 ----------------------------------------------------------


@pytest.mark.parametrize("layout", ["vertical", "transposed", "transposed-header"])
@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_t4_as_a_small_matrix_is_read_by_its_labels(tmp_path, layout, fmt):
    g = grids(t4=layout)
    path = written(tmp_path, "r.html", html_report(g)) if fmt == "html" else docx_report(tmp_path / "r.docx", g)
    loaded = import_report(path)
    assert_values(loaded.report, V)
    assert rules_of(loaded.findings) == ["REPORT-T4-LAYOUT"]
    (f,) = loaded.findings
    rows = (
        "“行政复议”“未经复议直接起诉”“复议后起诉”"
        if layout == "vertical"
        else "“结果维持”“结果纠正”“其他结果”“尚未审结”“总计”"
    )
    assert f.title["zh"] == f"表四 未按官方版式印出（以{rows}为行），已按行、列标签读取"
    # where each value was read: 行政复议's 其他结果 is the third value of its row, or the 行政复议 value of its row
    src = loaded.report.source["cells"]["t4.review.other"]
    assert (src["row"], src["col"]) == (
        (2, 5) if layout == "vertical" else (3, 2) if layout == "transposed" else (4, 2)
    )
    assert validated(path) == ["REPORT-T4-LAYOUT"]


def test_t4_matrix_with_a_row_of_blanks(tmp_path):
    """A transposed 表四 whose 尚未审结 row is printed empty: its cells are blank (null), the others read."""
    g = grids(t4="transposed")
    g[2][3] = [C("尚未审结"), C(""), C(""), C("")]
    loaded = import_report(written(tmp_path, "r.html", html_report(g)))
    pending = [T4.key(r.id, "pending") for r in T4.rows]
    assert {k: loaded.report.values[k] for k in pending} == dict.fromkeys(pending)
    assert_values(loaded.report, V, [k for k in T4_KEYS if k not in pending])


def test_t4_matrix_with_a_group_missing_is_not_read(tmp_path):
    g = grids(t4="vertical")
    g[2] = g[2][:-1]  # 复议后起诉 left out
    loaded = import_report(written(tmp_path, "r.html", html_report(g)))
    assert "TABLE-MISSING" in rules_of(loaded.findings)
    assert not any(k.startswith("t4.") for k in loaded.report.values)


def test_a_report_without_t4_gets_no_json_file(tmp_path):
    good = written(tmp_path, "good.html", html_report(grids()))
    bad = written(tmp_path, "no-t4.html", html_report([t2_grid(V), t3_grid(V), None]))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(good), str(bad), "-o", str(out)])
    assert res.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["good.json"]
    assert (
        f"✘ 未写出 JSON  no-t4.html  {UNIT} {YEAR}：未找到表四（四、政府信息公开行政复议、行政诉讼情况）。"
        "数据文件无法标明缺表，写出后缺少的表会按 0 计，故未写出" in res.output
    )
    assert "【错误 TABLE-MISSING】未找到表四" in res.output
    res = CliRunner().invoke(cli, ["import", str(bad), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 1 and f"NOT WRITTEN  no-t4.html  {UNIT} {YEAR}: " in res.output
    # --json still shows what was read, with the findings, and no output file
    res = CliRunner().invoke(cli, ["import", str(bad), "--json"])
    (entry,) = json.loads(res.stdout)["files"]
    assert entry["output"] is None and "TABLE-MISSING" in [f["rule"] for f in entry["findings"]]
    # validating the report file itself says so too: never a pass with 表四 as 0
    assert "TABLE-MISSING" in validated(bad)


# --- 6. "--" and "- -" for none ---------------------------------------------------------------------------------


MARKS = ["--", "- -", "——", "— —", "－－"]


def test_doubled_dashes_are_blank_marks_and_the_template_agrees():
    from xltool.template_checks import _BLANK_LIST

    for mark in MARKS:
        assert parse_value(mark).status == "blank", mark
        assert parse_value(f" {mark} ").status == "blank", mark
    # the template's live checks drop every space and look the text up in the same list
    for mark in BLANK_MARKS:
        assert f"|{mark.replace(' ', '')}|" in _BLANK_LIST, mark
    assert parse_value("---").status == "invalid" and parse_value("-5").status == "invalid"


def test_zero_marks_in_a_report_validate_as_blanks(tmp_path):
    v = dict(V)
    zeros = [k for k in V if k.startswith("t3.") and V[k] == 0 and not k.endswith(".total")]
    marked = ["t4.litigation_direct.pending", zeros[0], zeros[-1], "t2.regulation.repealed",
              "t4.litigation_after_review.corrected"]  # fmt: skip
    v["t4.litigation_direct.pending"] = 0  # the totals still agree with the marks read as 0
    v["t4.litigation_direct.total"] = 13 + 4 + 8
    v["t4.litigation_after_review.corrected"] = 0
    v["t4.litigation_after_review.total"] = 12 + 3 + 6
    for key, mark in zip(marked, MARKS, strict=True):
        assert v[key] == 0, key
        v[key] = mark
    path = written(tmp_path, "r.html", html_report([t2_grid(v), t3_grid(v), t4_grid(v)]))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    back = load_json(out / "r.json")
    # kept as published (spaces between Chinese punctuation dropped by the extraction: "— —" is "——")
    assert {k: back.values[k] for k in marked} == {k: cell_text(m) for k, m in zip(marked, MARKS, strict=True)}
    assert back.values[marked[1]] == "- -"
    result = validate_loaded(load_any(out / "r.json"))
    assert "VALUE-TYPE" not in rules_of(result.findings)
    assert [f.rule for f in result.findings if f.severity != "info"] == []
    blank_keys = {k for f in result.findings if f.rule == "VALUE-BLANK" for k in f.keys}
    assert set(marked) <= blank_keys


# --- 8. a report without tables -----------------------------------------------------------------------------------


def test_text_only_report_says_it_has_no_tables(tmp_path):
    text = (
        f"{TITLE}\n\n一、总体情况\n本年度，本局认真贯彻落实条例。\n\n二、主动公开政府信息情况\n"
        "本年制发行政规范性文件3件，作出行政许可决定9487件。\n\n三、收到和处理政府信息公开申请情况\n"
        "本年度共新收政府信息公开申请95件，予以公开50件。\n\n四、政府信息公开行政复议、行政诉讼情况\n"
        "因政府信息公开引起行政复议2件。\n\n五、存在的主要问题及改进情况\n人员不足。\n\n六、其他需要报告的事项\n无。\n"
    )
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    loaded = load_any(path)
    assert loaded.report is None
    (f,) = loaded.findings
    assert f.rule == "REPORT-NO-T3" and f.severity == "error" and f.table == "t3"
    assert f.title["zh"] == (
        f"未找到表三（三、收到和处理政府信息公开申请情况）：{UNIT} {YEAR} 年度报告没有表格，"
        "各项数字只能见于正文，未导入任何数据"
    )
    assert f.title["en"].startswith(
        f"表三 (三、收到和处理政府信息公开申请情况) not found: the report of {UNIT} for {YEAR}"
    )
    assert not any("缺少" in line for line in f.details["zh"])  # not 25 labels listed as missing
    assert f.details["zh"] == ["正文各部分：" + "；".join(SECTIONS)]
    res = CliRunner().invoke(cli, ["import", str(path), "-o", str(tmp_path / "out")])
    assert (
        res.exit_code == 1
        and "✘ 未能导入  report.txt" in res.output
        and f"{UNIT} {YEAR} 年度报告没有表格" in res.output
    )
