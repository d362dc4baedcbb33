"""The format layer of the report importer: published files -> title, text, sections, table grids."""

import io
import json
import random
import re
import zipfile
from pathlib import Path

import pytest

from xltool.importer.extract import (
    SCANNED_PDF_MESSAGE,
    ExtractedTable,
    ExtractError,
    clean_text,
    extract,
    extract_bytes,
    merge_continued,
)

DATA = Path(__file__).parents[2] / "shared" / "data"
SECTIONS = ["一", "二", "三", "四", "五", "六"]


def data_file(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found: the shared data folder is expected at ../shared/data next to the repo")
    return path


def norm(s: str | None) -> str:
    """Compare labels loosely: no spaces, full-width brackets, '1、' as '1.'."""
    s = re.sub(r"\s", "", s or "").replace("(", "（").replace(")", "）").replace(",", "，")
    return re.sub(r"^(\d)、", r"\1.", s)


def row_with(tables: list[ExtractedTable], label: str) -> list[str | None]:
    """The first row, in any table, with a cell containing label."""
    for t in tables:
        for row in t.rows:
            if any(label in norm(c) for c in row):
                return row
    raise AssertionError(f"no row contains {label!r}")


def numbers(row: list[str | None]) -> list[float]:
    return [float(c) for c in row if c and re.fullmatch(r"\d+(\.\d+)?", c)]


# The spec's label rows of tables 二, 三, 四 (form-2021.md), used to check that every one can be found.
T2_LABELS = ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项", "信息内容"]
T2_LABELS += ["本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额（单位：万元）"]
T2_LABELS += ["规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"]
T3_ROWS = [
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("granted", "（一）予以公开"),
    ("partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "1.属于国家秘密"),
    ("denied_prohibited", "2.其他法律行政法规禁止公开"),
    ("denied_three_safety", "3.危及“三安全一稳定”"),
    ("denied_third_party", "4.保护第三方合法权益"),
    ("denied_internal", "5.属于三类内部事务信息"),
    ("denied_process", "6.属于四类过程性信息"),
    ("denied_enforcement", "7.属于行政执法案卷"),
    ("denied_query", "8.属于行政查询事项"),
    ("unable_not_held", "1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "3.补正后申请内容仍不明确"),
    ("rejected_petition", "1.信访举报投诉类申请"),
    ("rejected_repeated", "2.重复申请"),
    ("rejected_publication", "3.要求提供公开出版物"),
    ("rejected_excessive", "4.无正当理由大量反复申请"),
    ("rejected_reconfirm", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "3.其他"),
    ("results_total", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
]
T3_OTHER_LABELS = [
    "三、本年度办理结果",
    "（三）不予公开",
    "（四）无法提供",
    "（五）不予处理",
    "（六）其他处理",
    "申请人情况",
]
T3_OTHER_LABELS += ["自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T3_COLS = ["natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org", "total"]
T4_LABELS = ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结"]
T4_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]
T2_KEYS = ["t2.regulation.issued", "t2.regulation.repealed", "t2.regulation.in_force", "t2.normative.issued"]
T2_KEYS += ["t2.normative.repealed", "t2.normative.in_force", "t2.licensing.decisions", "t2.penalty.decisions"]
T2_KEYS += ["t2.coercion.decisions", "t2.fees.amount"]


def numeric_rows(table: ExtractedTable, width: int) -> list[list[float]]:
    """The rows of a table that end in `width` numbers, as those numbers, top to bottom."""
    out = []
    for row in table.rows:
        cells = [c for c in row if c is not None]
        tail = cells[-width:]
        if len(tail) == width and all(re.fullmatch(r"\d+(\.\d+)?", c or "") for c in tail):
            out.append([float(c) for c in tail])
    return out


def check_against_json(tables: list[ExtractedTable], values: dict, single_other_row: bool = False) -> None:
    """Every number of the interchange JSON is in the tables, in the form's order (no label mapping needed)."""
    t2, t3, t4 = tables
    t2_numbers = [float(c) for row in t2.rows for c in row if c and re.fullmatch(r"\d+(\.\d+)?", c)]
    assert t2_numbers == [values[k] for k in T2_KEYS]
    expected = [[values[f"t3.{row}.{col}"] for col in T3_COLS] for row, _ in T3_ROWS]
    if single_other_row:  # （六）其他处理 printed as one row (2019 layout); the JSON spreads its value as 0s
        assert expected[20] == expected[21] == expected[22] == [0] * 7
        del expected[21:23]
    assert numeric_rows(t3, 7) == expected
    assert numeric_rows(t4, 15) == [[values[f"t4.{g}.{c}"] for g in T4_GROUPS for c in T4_COLS]]


def all_labels(tables: list[ExtractedTable]) -> set[str]:
    return {norm(c) for t in tables for row in t.rows for c in row if c}


# Real published PDFs

REAL_PDFS = {
    "huaian-city-2024": ("淮安市人民政府2024年政府信息公开工作年度报告", [3, 4, 4, 5, 5], 28, set()),
    # 洪泽区 prints （六）其他处理 as one row and has the typo "2.其他法律行政止公开" (form-2021.md, variants).
    "hongze-district-2024": (
        "淮安市洪泽区人民政府2024年政府信息公开工作年度报告",
        [2, 3, 3, 4, 4],
        26,
        {T3_ROWS[5][1], T3_ROWS[20][1], T3_ROWS[21][1], T3_ROWS[22][1]},
    ),
}


@pytest.fixture(scope="module", params=sorted(REAL_PDFS))
def real_pdf(request):
    name = request.param
    doc = extract(data_file(f"{name}-report.pdf"))
    values = json.loads(data_file(f"{name}.json").read_text(encoding="utf-8"))["values"]
    return name, doc, values


def test_real_pdf_title_and_sections(real_pdf):
    name, doc, _ = real_pdf
    assert doc.kind == "pdf"
    assert doc.title == REAL_PDFS[name][0]
    assert list(doc.sections) == SECTIONS
    assert doc.headings["四"] == "四、政府信息公开行政复议、行政诉讼情况"
    assert doc.sections["一"].startswith("2024年，")
    assert "（一）主动公开情况。" in doc.sections["一"]
    assert "信息处理费" in doc.sections["六"]
    # Sections 二..四 are tables only: their text is not repeated as prose.
    for k in "二三四":
        assert "行政许可" not in doc.sections[k] and "本年新收" not in doc.sections[k]
    # Page numbers ("- 3 -") are dropped; a paragraph cut by a page break is one paragraph again.
    assert not re.search(r"^- \d+ -$", doc.text, re.M)
    assert doc.warnings == []


def test_real_pdf_tables_per_page(real_pdf):
    name, doc, _ = real_pdf
    assert [t.page for t in doc.tables] == REAL_PDFS[name][1]
    assert [t.index for t in doc.tables] == [0, 1, 2, 3, 4]
    # The white rectangles Word puts behind text lines must not become one-column "tables".
    assert all(t.n_cols >= 2 for t in doc.tables)
    # Parts continued on the next page: the first ends its page, the second starts the next one.
    assert doc.tables[0].at_page_bottom and doc.tables[1].at_page_top
    assert doc.tables[2].at_page_bottom and doc.tables[3].at_page_top
    row = row_with(doc.tables, "行政许可")
    assert row[0] == "行政许可" and re.fullmatch(r"\d+", row[1]) and row[2:] == [None, None]


def test_real_pdf_merged_tables_hold_every_label_and_number(real_pdf):
    name, doc, values = real_pdf
    tables = merge_continued(doc.tables)
    assert [(len(t.rows), t.n_cols) for t in tables] == [(14, 4), (REAL_PDFS[name][2], 10), (4, 15)]
    assert [(t.page, t.last_page, t.index) for t in tables][:2] == [
        (doc.tables[0].page, doc.tables[1].page, 0),
        (doc.tables[2].page, doc.tables[3].page, 1),
    ]
    assert numbers(row_with(tables, "行政许可")) == [values["t2.licensing.decisions"]]
    assert numbers(row_with(tables, "行政事业性收费")) == [values["t2.fees.amount"]]
    check_against_json(tables, values, single_other_row=name.startswith("hongze"))
    # Every label of tables 二, 三, 四 is found, except the variants this report is known to have.
    wanted = T2_LABELS + [label for _, label in T3_ROWS] + T3_OTHER_LABELS + T4_LABELS
    missing = {label for label in wanted if norm(label) not in all_labels(tables)}
    assert missing == REAL_PDFS[name][3]


def test_real_pdf_merged_cells_and_page_cut_label(real_pdf):
    _, doc, _ = real_pdf
    t3 = merge_continued(doc.tables)[1]
    # Labels broken over lines inside a cell are joined; the vertical "三、本年度办理结果" is one merged cell
    # over the 22 (or 20) result rows, across the page break.
    assert t3.rows[5][0] == "三、本年度办理结果"
    assert t3.spans[(5, 0)] == (len(t3.rows) - 6, 1)
    assert all(row[0] is None for row in t3.rows[6:-1])
    assert t3.rows[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert t3.rows[1][3] == "自然人" and t3.spans[(1, 3)] == (2, 1) and t3.rows[2][3] is None
    assert t3.rows[0][3] == "申请人情况" and t3.spans[(0, 3)] == (1, 7)
    # "（四）无法提供": on 淮安's PDF the page break cuts the merged cell ("（四）无" / "法提供"); joined again.
    r = next(i for i, row in enumerate(t3.rows) if row[1] == "（四）无法提供")
    assert t3.spans[(r, 1)] == (3, 1)
    assert t3.rows[r + 1][1] is None and t3.rows[r + 2][1] is None
    assert "5.要求行政机关确认或重新出具已获取信息" in t3.rows[r + 7]


def test_real_pdf_table_4_header():
    doc = extract(data_file("huaian-city-2024-report.pdf"))
    t4 = doc.tables[4]
    assert t4.rows[0][0] == "行政复议" and t4.spans[(0, 0)] == (1, 5)
    assert t4.rows[0][5] == "行政诉讼" and t4.spans[(0, 5)] == (1, 10)
    assert t4.rows[1][:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert t4.rows[1][5] == "未经复议直接起诉" and t4.rows[1][10] == "复议后起诉"
    assert numbers(t4.rows[3]) == [72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20]


def test_pdf_encrypted_with_owner_password_only_is_read():
    """Many published PDFs forbid copying with an owner password but open without one: they must be read."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf is needed to encrypt a PDF")
    writer = pypdf.PdfWriter(clone_from=str(data_file("hongze-district-2024-report.pdf")))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    doc = extract_bytes(buf.getvalue())
    assert doc.title == "淮安市洪泽区人民政府2024年政府信息公开工作年度报告"
    assert numbers(row_with(doc.tables, "行政许可")) == [9487]


# Plain text (the seed report)


@pytest.fixture(scope="module")
def zhifu():
    return extract(data_file("zhifu-kjj-2021-report.txt"))


def test_text_title_and_sections(zhifu):
    assert zhifu.kind == "text"
    assert zhifu.title == "烟台市芝罘区科学技术局2021年政府信息公开工作年度报告"
    assert list(zhifu.sections) == SECTIONS
    # The table row "一、本年新收……" must not be taken for section 一, nor "四、结转下年度……" for 四.
    assert zhifu.headings["一"] == "一、总体情况"
    assert zhifu.headings["四"] == "四、政府信息公开行政复议、行政诉讼情况"
    assert zhifu.sections["一"].startswith("1.主动公开。2021年，主动公开政府信息条。")
    # A paragraph cut in the source ("……各种规章" / "制度，……") is joined.
    assert "继续完善各种规章制度，依法" in zhifu.sections["一"]
    assert zhifu.sections["五"].startswith("2021年，区科技局扎实有效推进")
    assert "依申请公开工作各个环节" in zhifu.sections["六"]
    for k in "二三四":
        assert zhifu.sections[k] == ""
    assert zhifu.tables and all(t.page is None for t in zhifu.tables)


def test_text_tables_hold_every_number(zhifu):
    values = json.loads(data_file("zhifu-kjj-2021.json").read_text(encoding="utf-8"))["values"]
    assert [(len(t.rows), t.n_cols) for t in zhifu.tables] == [(14, 4), (28, 10), (4, 15)]
    assert row_with(zhifu.tables, "行政许可") == ["行政许可", "0", "", ""]
    assert numbers(row_with(zhifu.tables, "一、本年新收政府信息公开申请数量")) == [2, 0, 0, 0, 0, 0, 2]
    assert numbers(row_with(zhifu.tables, "5.要求行政机关确认或重新出具已获取信息")) == [1, 0, 0, 0, 0, 0, 1]
    # Rows whose label spans the three label columns are padded after the label, keeping numbers in place.
    t3 = zhifu.tables[1]
    assert t3.rows[3] == ["一、本年新收政府信息公开申请数量", None, None, "2", "0", "0", "0", "0", "0", "2"]
    assert t3.rows[0][0].startswith("(本列数据的勾稽关系为")  # as published: half-width brackets
    check_against_json(zhifu.tables, values)
    wanted = T2_LABELS + [label for _, label in T3_ROWS] + T3_OTHER_LABELS + T4_LABELS
    # The text export glued the vertical "三、本年度办理结果" to its neighbours: "三(一)予以公开", "、本年度办理结果".
    missing = {label for label in wanted if norm(label) not in all_labels(zhifu.tables)}
    assert missing == {"（一）予以公开", "三、本年度办理结果"}
    assert "三（一）予以公开" in all_labels(zhifu.tables)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_text_encodings(zhifu, encoding, tmp_path):
    raw = data_file("zhifu-kjj-2021-report.txt").read_text(encoding="utf-8")
    path = tmp_path / "report.txt"
    path.write_bytes(raw.replace("\n", "\r\n").encode(encoding))
    doc = extract(path)
    assert (doc.title, doc.sections, [t.rows for t in doc.tables]) == (
        zhifu.title,
        zhifu.sections,
        [t.rows for t in zhifu.tables],
    )


def test_text_rows_separated_by_spaces():
    text = "某局2024年政府信息公开工作年度报告\n一、总体情况\n概述。\n二、主动公开政府信息情况\n"
    text += "信息内容    本年处理决定数量\n行政许可    12\n三、收到和处理政府信息公开申请情况\n无。\n"
    doc = extract_bytes(text.encode("utf-8"), "r.txt")
    assert doc.tables[0].rows == [["信息内容", "本年处理决定数量"], ["行政许可", "12"]]
    assert list(doc.sections) == ["一", "二", "三"] and doc.sections["三"] == "无。"


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["淮安市人民政府", "2024 年政府信息公开", "工作年度报告"], "淮安市人民政府2024年政府信息公开工作年度报告"),
        (["淮安市人民政府", "政府信息公开工作年度报告"], "淮安市人民政府政府信息公开工作年度报告"),
        (["发布时间：2025-01-20", "某某局2024年政府信息公开工作年度报告"], "某某局2024年政府信息公开工作年度报告"),
        (["政务公开", "2024年政府信息公开工作年度报告"], "2024年政府信息公开工作年度报告"),
        (["一、总体情况"], ""),
    ],
)
def test_title_set_on_several_lines(lines, title):
    doc = extract_bytes("\n".join([*lines, "一、总体情况", "本年度……。"]).encode("utf-8"), "r.txt")
    assert doc.title == title


def test_text_indented_prose_and_headings_with_tabs_are_not_rows():
    text = "某局2024年政府信息公开工作年度报告\n一、总体情况\t\n\t2024年，我局主动公开信息。\n"
    text += "二、主动公开政府信息情况　　\n信息内容\t本年处理决定数量\n行政许可\t3\n"
    doc = extract_bytes(text.encode("utf-8"), "r.txt")
    assert doc.sections == {"一": "2024年，我局主动公开信息。", "二": ""}
    assert [t.rows for t in doc.tables] == [[["信息内容", "本年处理决定数量"], ["行政许可", "3"]]]


def test_sub_item_numbered_like_a_section_is_not_a_section():
    text = "某局2024年政府信息公开工作年度报告\n一、总体情况\n三、加强平台建设。\n二、主动公开政府信息情况\n无。"
    doc = extract_bytes(text.encode("utf-8"), "r.txt")
    assert list(doc.sections) == ["一", "二"] and doc.sections["一"] == "三、加强平台建设。"


# HTML as government sites publish it

# A cut-down 表三 with the form's merges: (text, rowspan, colspan) per HTML cell.
HTML_T3 = [
    [("（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）", 3, 3), ("申请人情况", 1, 7)],
    [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
    [("商业\n企业", 1, 1), ("科研机构", 1, 1), ("社会\n公益\n组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
    [("一、本年新收政府信息公开申请数量", 1, 3), *[(v, 1, 1) for v in "60 1 0 0 2 0 63".split()]],
    [("二、上年结转政府信息公开申请数量", 1, 3), *[(v, 1, 1) for v in "0 0 0 0 0 0 0".split()]],
    [("三、\n本年度\n办理结果", 4, 1), ("（一）予以公开", 1, 2), *[(v, 1, 1) for v in "40 1 0 0 2 0 43".split()]],
    [("（三）不予公开", 2, 1), ("1.属于国家秘密", 1, 1), *[(v, 1, 1) for v in "10 0 0 0 0 0 10".split()]],
    [("2.其他法律行政法规禁止公开", 1, 1), *[(v, 1, 1) for v in "10 0 0 0 0 \xa0 10".split(" ")]],
    [("（七）总计", 1, 2), *[(v, 1, 1) for v in "60 1 0 0 2 0 63".split()]],
    [("四、结转下年度继续办理", 1, 3), *[(v, 1, 1) for v in "0 0 0 0 0 0 0".split()]],
]
N = None
EXPECTED_T3 = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", N, N, "申请人情况", N, N, N, N, N, N],
    [N, N, N, "自然人", "法人或其他组织", N, N, N, N, "总计"],
    [N, N, N, N, "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", N],
    ["一、本年新收政府信息公开申请数量", N, N, "60", "1", "0", "0", "2", "0", "63"],
    ["二、上年结转政府信息公开申请数量", N, N, "0", "0", "0", "0", "0", "0", "0"],
    ["三、本年度办理结果", "（一）予以公开", N, "40", "1", "0", "0", "2", "0", "43"],
    [N, "（三）不予公开", "1.属于国家秘密", "10", "0", "0", "0", "0", "0", "10"],
    [N, N, "2.其他法律行政法规禁止公开", "10", "0", "0", "0", "0", "", "10"],
    [N, "（七）总计", N, "60", "1", "0", "0", "2", "0", "63"],
    ["四、结转下年度继续办理", N, N, "0", "0", "0", "0", "0", "0", "0"],
]
EXPECTED_T3_SPANS = {(0, 0): (3, 3), (0, 3): (1, 7), (1, 3): (2, 1), (1, 4): (1, 5), (1, 9): (2, 1)}
EXPECTED_T3_SPANS |= {(3, 0): (1, 3), (4, 0): (1, 3), (5, 0): (4, 1), (5, 1): (1, 2), (6, 1): (2, 1)}
EXPECTED_T3_SPANS |= {(8, 1): (1, 2), (9, 0): (1, 3)}

HTML_TITLE = "某某区人民政府 2024 年政府信息公开工作年度报告"
HTML_PROSE = [
    (
        "一、总体情况",
        ["2024年，我区坚持公开为常态、不公开为例外。", "（一）主动公开情况。全年主动公开政府信息 1200 条。"],
    ),
    ("二、主动公开政府信息情况", []),
    ("三、收到和处理政府信息公开申请情况", ["T3"]),
    ("四、政府信息公开行政复议、行政诉讼情况", ["本年度无行政复议、行政诉讼。"]),
    ("五、存在的主要问题及改进情况", ["一是公开质量有待提升。", "二是队伍建设需加强。"]),
    ("六、其他需要报告的事项", ["本年度未收取信息处理费。"]),
]


def html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace("\xa0", "&nbsp;")


def plain_html_page() -> str:
    """A site page: layout tables, navigation chrome, <br> and &nbsp; in cells, rowspan/colspan."""

    def cell(text, rs, cs):
        attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
        return f"<td{attrs}>&nbsp;{html_escape(text).replace(chr(10), '<br>')} </td>"

    rows = "".join("<tr>" + "".join(cell(*c) for c in row) + "</tr>\n" for row in HTML_T3)
    body = []
    for heading, paragraphs in HTML_PROSE:
        body.append(f"<p style='text-indent:2em'><strong>{heading}</strong></p>")
        for p in paragraphs:
            body.append(f'<table border="1" class="data">{rows}</table>' if p == "T3" else f"<p>　　{p}</p>")
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{HTML_TITLE}_政府信息公开年报_某某区人民政府</title><style>p {{margin:0}}</style>
<script>var a = "一、不是标题";</script></head>
<body><table width="100%"><tr><td><div class="nav">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>
<table><tr><td><h1>{HTML_TITLE.replace(" ", "&nbsp;")}</h1><div class="info">发布时间：2025-01-20　字号：大 中 小</div>
<div id="zoom">{"".join(body)}</div></td></tr></table>
<div style="display:none">隐藏的文字</div><div class="footer">主办单位：某某区人民政府办公室</div>
<!-- 一、注释不是标题 --></td></tr></table></body></html>"""


def word_html_page(seed: int = 7) -> str:
    """Word "save as web page": every character in its own <span>, line breaks between tags, <o:p>."""
    rnd = random.Random(seed)

    def spans(text):
        out = []
        for ch in text:
            if ch == "\n":
                out.append("<br>")
            elif ch == "\xa0":
                out.append("&nbsp;")
            else:
                out.append(f"<span style='font-family:仿宋_GB2312'>{html_escape(ch)}</span>")
            out.append("\n" if rnd.random() < 0.3 else "")
        return "".join(out)

    def cell(text, rs, cs):
        attrs = (f" rowspan={rs}" if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
        return f"<td{attrs} valign=center><p class=MsoNormal align=center>{spans(text)}<o:p></o:p></p></td>"

    rows = "".join("<tr style='height:20pt'>\n" + "".join(cell(*c) for c in row) + "\n</tr>\n" for row in HTML_T3)
    rows += "<![if !supportMisalignedColumns]><tr height=0 style='display:none'>" + "<td width=40></td>" * 10
    rows += "</tr><![endif]>"
    body = [f"<p class=MsoTitle align=center>{spans(HTML_TITLE)}</p>"]
    for heading, paragraphs in HTML_PROSE:
        body.append(f"<p class=MsoNormal><![if !supportLists]><b>{spans(heading)}</b><o:p></o:p></p>")
        for p in paragraphs:
            body.append(f"<table class=MsoNormalTable border=1>{rows}</table>" if p == "T3" else f"<p>{spans(p)}</p>")
    return f"""<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta name=Generator content="Microsoft Word 15"><!--[if gte mso 9]><xml><o:DocumentProperties>
<o:Author>一、作者</o:Author></o:DocumentProperties></xml><![endif]--></head>
<body lang=ZH-CN><div class=WordSection1>{"".join(body)}</div></body></html>"""


def check_html_doc(doc):
    assert doc.kind == "html"
    assert doc.title == "某某区人民政府2024年政府信息公开工作年度报告"
    assert list(doc.sections) == SECTIONS
    assert doc.headings["五"] == "五、存在的主要问题及改进情况"
    assert (
        doc.sections["一"]
        == "2024年，我区坚持公开为常态、不公开为例外。\n（一）主动公开情况。全年主动公开政府信息1200条。"
    )
    assert doc.sections["五"] == "一是公开质量有待提升。\n二是队伍建设需加强。"
    assert doc.sections["三"] == ""
    assert doc.sections["六"] == "本年度未收取信息处理费。"
    assert len(doc.tables) == 1 and doc.tables[0].page is None and doc.tables[0].index == 0
    assert doc.tables[0].rows == EXPECTED_T3
    assert doc.tables[0].spans == EXPECTED_T3_SPANS
    assert numbers(row_with(doc.tables, "1.属于国家秘密")) == [10, 0, 0, 0, 0, 0, 10]


def test_html_site_page_gb2312_rowspan_colspan(tmp_path):
    path = tmp_path / "report.html"
    path.write_bytes(plain_html_page().encode("gb18030"))
    doc = extract(path)
    check_html_doc(doc)
    assert (
        "隐藏的文字" not in doc.text
        and "主办单位" not in doc.text
        and "注释" not in doc.text
        and "不是标题" not in doc.text
    )


def test_html_word_export_span_per_character(tmp_path):
    path = tmp_path / "report.htm"
    path.write_bytes(word_html_page().encode("utf-8"))  # no charset declared: UTF-8 is detected
    doc = extract(path)
    check_html_doc(doc)
    assert "作者" not in doc.text


def test_html_wrong_declared_charset_and_content_sniffing():
    page = plain_html_page().replace("charset=gb2312", "charset=utf-8")
    doc = extract_bytes(page.encode("gb18030"), "report.txt")  # says UTF-8, is GBK; named .txt, is HTML
    check_html_doc(doc)


def test_html_web_archive_mht():
    page = plain_html_page().encode("gb18030")
    mht = b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=XYZ\r\n\r\n--XYZ\r\n"
    mht += b"Content-Type: text/html; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + page
    mht += b"\r\n--XYZ--\r\n"
    check_html_doc(extract_bytes(mht, "report.mht"))


# DOCX made with python-docx

DOCX_MERGES = [((0, 0), (2, 2)), ((0, 3), (0, 9)), ((1, 3), (2, 3)), ((1, 4), (1, 8)), ((1, 9), (2, 9))]
DOCX_MERGES += [((3, 0), (3, 2)), ((4, 0), (4, 2)), ((5, 0), (8, 0)), ((5, 1), (5, 2)), ((6, 1), (7, 1))]
DOCX_MERGES += [((8, 1), (8, 2)), ((9, 0), (9, 2))]


def make_docx(path: Path, numbered_headings: bool = False) -> None:
    docx = pytest.importorskip("docx", reason="python-docx is needed to write a .docx")
    document = docx.Document()
    document.add_paragraph("某某区人民政府")
    document.add_paragraph("2024 年政府信息公开工作年度报告")
    headings = []
    for heading, paragraphs in HTML_PROSE:
        headings.append(document.add_paragraph(heading[2:] if numbered_headings else heading))
        for p in paragraphs:
            if p != "T3":
                document.add_paragraph(p)
                continue
            table = document.add_table(rows=len(EXPECTED_T3), cols=10)
            for (r0, c0), (r1, c1) in DOCX_MERGES:
                table.cell(r0, c0).merge(table.cell(r1, c1))
            for r, row in enumerate(EXPECTED_T3):
                for c, text in enumerate(row):
                    if text is not None:
                        table.cell(r, c).text = text.replace("，等于", "，\n等于")  # a line break inside a cell
    if numbered_headings:
        add_chinese_numbering(document, headings)
    document.save(path)


def add_chinese_numbering(document, paragraphs) -> None:
    """Number the headings the way Word does ("一、" comes from numbering.xml, not from the text)."""
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for p in paragraphs:
        p._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {w}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))


def test_docx_merged_cells_appear_once_at_top_left(tmp_path):
    path = tmp_path / "report.docx"
    make_docx(path)
    doc = extract(path)
    assert doc.kind == "docx"
    assert doc.title == "某某区人民政府2024年政府信息公开工作年度报告"
    assert list(doc.sections) == SECTIONS
    assert doc.sections["五"] == "一是公开质量有待提升。\n二是队伍建设需加强。"
    assert len(doc.tables) == 1
    expected = [row[:] for row in EXPECTED_T3]
    expected[7][8] = ""  # python-docx cannot write the &nbsp; of the HTML version
    assert doc.tables[0].rows == expected
    assert doc.tables[0].spans == EXPECTED_T3_SPANS


def test_docx_auto_numbered_headings(tmp_path):
    path = tmp_path / "report.docx"
    make_docx(path, numbered_headings=True)
    doc = extract(path)
    assert list(doc.sections) == SECTIONS
    assert doc.headings["六"] == "六、其他需要报告的事项"
    assert doc.sections["六"] == "本年度未收取信息处理费。"


def test_dispatch_on_content_not_extension(tmp_path):
    path = tmp_path / "report.pdf"
    make_docx(path)
    assert extract(path).kind == "docx"


# Errors


def minimal_pdf_without_text() -> bytes:
    """A valid one-page PDF whose content stream draws a line and no text."""
    content = b"0 0 m 100 100 l S"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def error_code(data: bytes, name: str | None = None) -> ExtractError:
    with pytest.raises(ExtractError) as info:
        extract_bytes(data, name)
    return info.value


def test_pdf_without_text_layer_is_scanned():
    err = error_code(minimal_pdf_without_text())
    assert err.code == "scanned-pdf"
    assert err.message_zh == SCANNED_PDF_MESSAGE == "扫描件，无法提取文字，请提供文字版"
    assert err.message_en and "[scanned-pdf]" in str(err)


def test_pdf_of_an_image_is_scanned():
    image = pytest.importorskip("PIL.Image", reason="Pillow is needed to make a PDF of an image")
    buf = io.BytesIO()
    image.new("L", (600, 800), 255).save(buf, "PDF")
    err = error_code(buf.getvalue())
    assert (err.code, err.message_zh) == ("scanned-pdf", SCANNED_PDF_MESSAGE)


def test_pdf_with_user_password_is_encrypted():
    pypdf = pytest.importorskip("pypdf", reason="pypdf is needed to encrypt a PDF")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    assert error_code(buf.getvalue()).code == "encrypted-pdf"


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b" \r\n\t\n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (b"<html><body><p>&nbsp;</p></body></html>", "empty"),
        (bytes(range(256)) * 8, "unknown-format"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "unknown-format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "unknown-format"),  # .doc / .wps
        (b"{\\rtf1\\ansi hello}", "unknown-format"),
        (zip_bytes({"xl/workbook.xml": b"<workbook/>"}), "unknown-format"),
        (zip_bytes({"word/document.xml": b"<not really word"}), "corrupt"),
        (b"PK\x03\x04" + b"\x00" * 100, "corrupt"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "corrupt"),
    ],
    ids=["zero", "blank", "bom", "html-blank", "binary", "png", "ole", "rtf", "xlsx", "bad-docx", "bad-zip", "bad-pdf"],
)
def test_error_codes(data, code):
    err = error_code(data, "report.pdf")
    assert err.code == code
    assert err.message_zh and err.message_en


def test_truncated_real_pdf_is_corrupt():
    data = data_file("huaian-city-2024-report.pdf").read_bytes()
    assert error_code(data[: len(data) // 2]).code == "corrupt"


# merge_continued on hand-made tables


def pdf_table(rows, page, spans=None, col_x=None, **kw):
    return ExtractedTable(rows=rows, page=page, index=0, spans=spans or {}, last_page=page, col_x=col_x, **kw)


def test_merge_joins_a_label_cut_by_the_page_break():
    a = pdf_table(
        [["三、结果", "（一）予以公开", N, "1"], [N, "（四）无", "1.不掌握", "2"]], 4, {(0, 0): (2, 1), (0, 1): (1, 2)}
    )
    b = pdf_table([["", "法提供", "2.需另行制作", "3"], [N, N, "3.仍不明确", "4"]], 5, {(0, 0): (2, 1), (0, 1): (2, 1)})
    before = [x.rows for x in (a, b)]
    [t] = merge_continued([a, b])
    assert t.rows == [
        ["三、结果", "（一）予以公开", N, "1"],
        [N, "（四）无法提供", "1.不掌握", "2"],
        [N, N, "2.需另行制作", "3"],
        [N, N, "3.仍不明确", "4"],
    ]
    assert t.spans == {(0, 0): (4, 1), (0, 1): (1, 2), (1, 1): (3, 1)}
    assert (t.page, t.last_page, t.index) == (4, 5, 0)
    assert [x.rows for x in (a, b)] == before  # inputs untouched


def test_merge_joins_a_row_printed_half_on_each_page_and_drops_a_repeated_header():
    header = ["项目", "数量", "总计"]
    a = pdf_table([header, ["1.信访举报", "1", "1"], ["5.要求确认或重新出", "", ""]], 1)
    b = pdf_table([header, ["具已获取信息", "2", "2"], ["（七）总计", "3", "3"]], 2)
    [t] = merge_continued([a, b])
    assert t.rows == [
        header,
        ["1.信访举报", "1", "1"],
        ["5.要求确认或重新出具已获取信息", "2", "2"],
        ["（七）总计", "3", "3"],
    ]


def test_merge_realigns_a_continuation_with_fewer_columns():
    a = pdf_table(
        [["第二十条第（一）项", N, N, N], ["规章", "1", "0", "11"]], 3, {(0, 0): (1, 4)}, (70, 200, 300, 400, 520)
    )
    b = pdf_table([["行政处罚", "9"]], 4, {}, (70.5, 199, 520))
    [t] = merge_continued([a, b])
    assert t.rows[-1] == ["行政处罚", "9", N, N] and t.spans[(2, 1)] == (1, 3)


def test_merge_leaves_apart_what_is_not_continued():
    t = [["a", "1"], ["b", "2"]]
    cases = [
        [pdf_table(t, 1), pdf_table(t, 3)],  # not the next page
        [pdf_table(t, 1), pdf_table(t, 1)],  # same page
        [pdf_table(t, 1, at_page_bottom=False), pdf_table(t, 2)],  # text after the first table
        [pdf_table(t, 1), pdf_table(t, 2, at_page_top=False)],  # a heading before the second
        [pdf_table(t, 1), pdf_table([["a", "1", "x"]], 2)],  # other columns, no geometry to realign
        [ExtractedTable(t, None, 0), ExtractedTable(t, None, 1)],  # not from a PDF
    ]
    for tables in cases:
        assert [x.rows for x in merge_continued(tables)] == [x.rows for x in tables]
        assert [x.index for x in merge_continued(tables)] == [0, 1]


def test_clean_text():
    assert clean_text("结 果\n维持") == "结果维持"
    assert clean_text("\u3000\u3000全年 1200 条。\xa0") == "全年1200条。"
    assert clean_text("危及 “三安全一稳定”") == "危及“三安全一稳定”"
    assert clean_text("PDF  file 12\t34") == "PDF file 12 34"
    assert clean_text("申\u200b请") == "申请"
    assert clean_text(None) == ""
