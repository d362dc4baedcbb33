"""The report importer: published reports (PDF, text, HTML, Word) -> interchange data, findings, prose checks.

Real reports first (every value against the JSON published beside them), then reports built here to reach the
cases the three real ones do not: the 2019 form, the 2019 layout of （六）其他处理 with a value, reordered
columns, tables split in pieces, extra and missing rows, bad files.
"""

from __future__ import annotations

import copy
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import cli
from xltool.errors import SchemaError
from xltool.importer import import_bytes
from xltool.importer.extract import SCANNED_PDF_MESSAGE, extract
from xltool.importer.mapping import _is_block_heading, map_document, parse_title, published_value
from xltool.importer.prose import prose_findings
from xltool.interchange import UnitReport, load_json
from xltool.schema import load_form
from xltool.schema.load import FORMS_DIR, form_from_dict, parse_yaml
from xltool.schema.versions import split_rows
from xltool.sources import load_any

DATA = Path(__file__).parents[2] / "shared" / "data"
REAL = {
    "zhifu-kjj-2021": "zhifu-kjj-2021-report.txt",
    "huaian-city-2024": "huaian-city-2024-report.pdf",
    "hongze-district-2024": "hongze-district-2024-report.pdf",
}


def data_file(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found: the shared data folder is expected at ../shared/data next to the repo")
    return path


def expected(name: str) -> dict:
    return json.loads(data_file(f"{name}.json").read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture(scope="module")
def real() -> dict:
    """name -> Loaded, each real report imported once (through load_any, as validate does)."""
    return {name: load_any(data_file(f)) for name, f in REAL.items()}


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


# --- the real reports ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_report_every_value_as_published(real, name):
    loaded = real[name]
    exp = expected(name)
    rep = loaded.report
    assert rep is not None, [f.message() for f in loaded.findings]
    assert (rep.form, rep.year, rep.unit_name) == (exp["form"], exp["year"], exp["unit"]["name"])
    assert rep.values == exp["values"]  # all 200 keys, no more, each equal (Decimal for the amount)
    assert isinstance(rep.values["t2.fees.amount"], (int, Decimal))


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_report_source_of_every_value(real, name):
    rep = real[name].report
    src = rep.source
    assert src["file"].endswith(REAL[name]) and len(src["sha256"]) == 64
    assert "sheet_cells" not in src
    # rule messages point into the report: where 一、本年新收 总计 was printed
    c = src["cells"]["t3.new_received.total"]
    ref = rep.cell_ref("t3.new_received.total")
    assert ref.endswith(f"表格{c['table']} 第{c['row']}行第{c['col']}列")
    assert ref.startswith(f"第{c['page']}页 ") if "page" in c else ref.startswith("表格")
    assert set(src["cells"]) == set(rep.values)
    pdf = REAL[name].endswith(".pdf")
    for key, cell in src["cells"].items():
        assert set(cell) == ({"page", "table", "row", "col"} if pdf else {"table", "row", "col"}), key
        assert all(isinstance(v, int) and v >= 1 for v in cell.values())


def test_real_report_sources_point_at_the_printed_cells(real):
    """Each source names the grid cell the value was printed in: read it back from the extracted grid."""
    from xltool.importer.extract import merge_continued

    for name, f in REAL.items():
        rep = real[name].report
        tables = merge_continued(extract(data_file(f)).tables)
        for key, cell in rep.source["cells"].items():
            printed = tables[cell["table"] - 1].rows[cell["row"] - 1][cell["col"] - 1]
            assert published_value(printed) == rep.values[key], (name, key, cell)
    cells = real["huaian-city-2024"].report.source["cells"]
    assert cells["t3.new_received.total"] == {"page": 4, "table": 2, "row": 4, "col": 10}
    assert cells["t3.carried_forward.total"]["page"] == 5  # 表三 runs over pages 4 and 5
    assert cells["t2.fees.amount"] == {"page": 4, "table": 1, "row": 14, "col": 2}
    assert cells["t4.litigation_after_review.total"] == {"page": 5, "table": 3, "row": 4, "col": 15}


def test_real_report_sections(real):
    for name in REAL:
        rep = real[name].report
        assert {"一", "五", "六"} <= set(rep.sections)
        assert all(rep.sections[k].strip() for k in "一五六")
    assert real["huaian-city-2024"].report.sections["六"].endswith("信息处理费3940元。")
    assert real["zhifu-kjj-2021"].report.source["headings"]["五"] == "五、存在的主要问题及改进情况"


def test_real_report_findings(real):
    """What an evaluator is told about each real report, and nothing more (no false positives)."""
    assert rules_of(real["huaian-city-2024"].findings) == []
    zhifu = real["zhifu-kjj-2021"].findings
    assert rules_of(zhifu) == ["LABEL-SIMILAR", "PROSE-NUMBER-MISSING"]
    assert zhifu[0].title["zh"] == "表三 标签“三(一)予以公开”按“（一）予以公开”识别（相似度 0.93）"
    assert zhifu[1].title["zh"] == "正文中有 1 处计数缺少数字：“2021年，主动公开政府信息条”"
    hongze = real["hongze-district-2024"].findings
    # "区政府办代表区政府受理政府信息公开申请17件" is one office's share, not the district's 95: not compared
    assert rules_of(hongze) == ["T3-OTHER-SINGLE", "LABEL-SIMILAR"]
    assert hongze[1].title["zh"] == "表三 标签“2.其他法律行政止公开”按“2.其他法律行政法规禁止公开”识别（相似度 0.88）"
    assert hongze[1].details["zh"] == ["位置：第3页 表格2 第9行第3列"]
    assert (
        hongze[1].fix["zh"] == "该行数据已按官方标签“2.其他法律行政法规禁止公开”读取；如识别有误，请对照报告原文核对。"
    )


def test_other_single_row_advice_is_for_a_reader_of_the_report(real):
    """洪泽区 prints （六）其他处理 as one row of 0s: the advice says how it was read, not "use the template"."""
    (f,) = [f for f in real["hongze-district-2024"].findings if f.rule == "T3-OTHER-SINGLE"]
    assert f.severity == "info" and f.table == "t3"
    assert (
        f.title["zh"]
        == "表三“（六）其他处理”在报告中印为一行（2019 年格式），各列均为 0，其 1.、2.、3. 各项均按 0 读取"
    )
    t3 = load_form("gov-disclosure-2021").table("t3")
    subs = [r.label for r in t3.rows if r.groups and r.groups[-1] == "（六）其他处理"]
    assert f.fix["zh"] == (
        "该行已作为“（六）其他处理”的合计读取：各列均为 0，因此 2021 年正式格式中的 3 个子项（"
        + "；".join(subs)
        + "）均记为 0，合计与报告一致，无需处理。"
    )
    assert f.fix["en"].startswith(
        "The row was read as the total of “（六）其他处理”: every column is 0, so the 3 sub-rows"
    )
    assert "模板" not in f.fix["zh"] and "template" not in f.fix["en"]
    assert f.details["zh"] == ["位置：第4页 表格2 第24行第4列"]
    rep = real["hongze-district-2024"].report
    assert [rep.values[t3.key(r.id, "total")] for r in t3.rows if r.label in subs] == [0, 0, 0]


# Each prose check must find the real statement: change the table, and the text contradicts it.
PERTURB = [
    ("huaian-city-2024", "t3.new_received.total", "PROSE-RECEIVED", 3119, "受理政府信息公开申请3119件"),
    ("huaian-city-2024", "t3.carried_over.total", "PROSE-CARRIED-OVER", 34, "上年度结转申请34件"),
    ("huaian-city-2024", "t3.carried_forward.total", "PROSE-CARRIED-FORWARD", 103, "103件顺延到下年度"),
    ("huaian-city-2024", "t4.review.total", "PROSE-REVIEW", 351, "行政复议351件"),
    ("huaian-city-2024", "t4.litigation_after_review.total", "PROSE-LITIGATION", 46, "行政诉讼46件"),
    ("zhifu-kjj-2021", "t3.new_received.total", "PROSE-RECEIVED", 2, "收到信息公开申请2件"),
    ("zhifu-kjj-2021", "t4.review.total", "PROSE-REVIEW", 0, "无行政复议"),
    ("zhifu-kjj-2021", "t4.litigation_direct.total", "PROSE-LITIGATION", 0, "无行政复议和诉讼"),
]


@pytest.mark.parametrize(("name", "key", "rule", "stated", "quote"), PERTURB)
def test_prose_checks_read_the_real_statements(real, name, key, rule, stated, quote):
    rep = copy.deepcopy(real[name].report)
    form = load_form(rep.form)
    before = rules_of(prose_findings(form, rep))
    rep.values[key] += 1
    new = [f for f in prose_findings(form, rep) if f.rule not in before]
    assert rules_of(new) == [rule]
    assert new[0].title["zh"].startswith("正文所述") and f" {stated} " in new[0].title["zh"]
    assert quote in new[0].details["zh"][0]
    assert key in new[0].keys


def test_an_offices_share_is_not_the_reports_total(real):
    """洪泽区: whatever 表三 says, the 17 of 区政府办 is not compared; said of the district, it is."""
    rep = copy.deepcopy(real["hongze-district-2024"].report)
    form = load_form(rep.form)
    sentence = "2024年，区政府办代表区政府受理政府信息公开申请17件"
    assert sentence in rep.sections["一"]
    for value in (95, 17, 18):
        rep.values["t3.new_received.total"] = value
        assert "PROSE-RECEIVED" not in rules_of(prose_findings(form, rep))
    rep.sections["一"] = rep.sections["一"].replace(sentence, "2024年，全区共受理政府信息公开申请17件")
    rep.values["t3.new_received.total"] = 95
    (f,) = [f for f in prose_findings(form, rep) if f.rule.startswith("PROSE-RECEIVED")]
    assert f.rule == "PROSE-RECEIVED" and "全区共受理政府信息公开申请17件" in f.details["zh"][0]
    rep.sections["一"] = rep.sections["一"].replace("全区共受理", "区政府共受理")  # the unit's short name
    assert "PROSE-RECEIVED" in rules_of(prose_findings(form, rep))


def test_information_fee_is_not_compared_with_administrative_fees(real):
    """淮安 states 信息处理费3940元 in 六: that is not 表二's 行政事业性收费 (96171.6 万元)."""
    rep = copy.deepcopy(real["huaian-city-2024"].report)
    assert "信息处理费3940元" in rep.sections["六"]
    rep.values["t2.fees.amount"] = Decimal("0.394")  # 3940 元 in 万元: still no comparison
    assert prose_findings(load_form(rep.form), rep) == []


# --- prose checks on text written here ---------------------------------------------------------------------


def prose_report(sections: dict[str, str], **values) -> UnitReport:
    base = {"t3.new_received.total": 10, "t3.carried_over.total": 2, "t3.carried_forward.total": 1}
    base |= {"t4.review.total": 0, "t4.litigation_direct.total": 0, "t4.litigation_after_review.total": 0}
    base |= {"t2.fees.amount": Decimal("12.5")}
    base |= {k.replace("__", "."): v for k, v in values.items()}
    secs = {"一": "", "五": "存在的问题是人员不足，下一步将加强培训。", "六": "无。"} | sections
    return UnitReport(form="gov-disclosure-2021", year=2024, unit_name="某局", values=base, sections=secs)


def check(sections: dict[str, str], unit: str = "某局", **values):
    rep = prose_report(sections, **values)
    rep.unit_name = unit
    return prose_findings(load_form("gov-disclosure-2021"), rep)


HONGZE = "淮安市洪泽区人民政府"
ZHIFU = "烟台市芝罘区科学技术局"
# Sentences that state the report's own total received: compared with 表三 (here 10 new, 2 carried over).
OWN_TOTAL = [
    ("2024年，全市共受理政府信息公开申请17件，答复3050件。", "某局"),  # 淮安市, its number changed
    ("2021年，我局收到信息公开申请17件，我局无行政复议和诉讼情况。", ZHIFU),  # 芝罘区科技局, changed
    ("2024年，全区受理政府信息公开申请17件。", HONGZE),
    ("2024年，区政府共受理政府信息公开申请17件，均已在法定期限内予以答复。", HONGZE),  # the unit's short name
    ("洪泽区人民政府2024年共收到政府信息公开申请17件。", HONGZE),
    ("2021年，区科技局收到信息公开申请17件。", ZHIFU),
    ("本年度共受理政府信息公开申请17件。", "某局"),
    ("全年新收政府信息公开申请17件。", "某局"),
    ("2024年新收政府信息公开申请17件，均按期答复。", "某局"),
    ("本机关2024年共收到政府信息公开申请17件。", "某局"),
    ("通过网络、信函等方式共收到政府信息公开申请17件。", "某局"),
    ("全区各级行政机关共收到政府信息公开申请17件。", HONGZE),
    ("2.依申请公开。全年共受理政府信息公开申请17件。", "某局"),
]
# Sentences about a part of it or about another unit's share: not compared.
NOT_OWN_TOTAL = [
    ("2024年，区政府办代表区政府受理政府信息公开申请17件，均已在法定期限内予以答复。", HONGZE),  # 洪泽区, verbatim
    ("其中，区政府办受理政府信息公开申请17件。", HONGZE),
    ("全年共收到政府信息公开申请10件，其中新收政府信息公开申请17件。", "某局"),
    ("其中，本局受理政府信息公开申请17件。", "某局"),
    ("各部门共收到政府信息公开申请17件。", HONGZE),
    ("区政府办公室受理政府信息公开申请17件。", HONGZE),
    ("区教育局共受理政府信息公开申请17件。", HONGZE),
    ("区政府办，全年受理政府信息公开申请17件。", HONGZE),
    ("2021年，区人社局收到信息公开申请17件。", ZHIFU),
    ("收到网上申请17件，当面申请3件。", "某局"),
    ("全年收到自然人提出的申请17件。", "某局"),
]


@pytest.mark.parametrize(("text", "unit"), OWN_TOTAL)
def test_received_stated_as_the_reports_own_total_is_compared(text, unit):
    found = check({"一": text}, unit)
    assert rules_of(found) == ["PROSE-RECEIVED"]
    assert found[0].title["zh"] == (
        "正文所述收到申请 17 件，表三“一、本年新收政府信息公开申请数量”总计为 10 件，"
        "加上“二、上年结转政府信息公开申请数量”为 12 件，均不相符"
    )
    assert check({"一": text.replace("17", "10")}, unit) == []


@pytest.mark.parametrize(("text", "unit"), NOT_OWN_TOTAL)
def test_received_stated_for_a_part_or_a_share_is_not_compared(text, unit):
    assert check({"一": text}, unit) == []
    # the same count said of the unit itself is compared: the sentence, not the number, decides
    assert rules_of(check({"一": "本年度共收到政府信息公开申请17件。" + text}, unit)) == ["PROSE-RECEIVED"]


def test_received_counted_as_new_plus_carried_over_is_accepted_and_said():
    (f,) = check({"一": "2024年，共收到政府信息公开申请12件。"})
    assert f.rule == "PROSE-RECEIVED-SUM" and f.severity == "info"
    assert f.title["zh"] == (
        "正文所述收到申请 12 件，为表三“一、本年新收政府信息公开申请数量”总计（10 件）"
        "与“二、上年结转政府信息公开申请数量”（2 件）之和"
    )
    assert check({"一": "2024年，共收到政府信息公开申请10件。"}) == []
    (f,) = check({"一": "本年度受理政府信息公开申请11件，均按时答复。"})
    assert f.rule == "PROSE-RECEIVED" and f.title["zh"].endswith(
        "总计为 10 件，加上“二、上年结转政府信息公开申请数量”为 12 件，均不相符"
    )


def test_prose_numbers_in_other_words():
    assert check({"一": "全年共收到政府信息公开申请十件。"}) == []  # Chinese numerals
    assert rules_of(check({"一": "收到政府信息公开申请1,000件。"})) == ["PROSE-RECEIVED"]
    # a clause about something else is not a statement of the count
    assert check({"一": "与上年相比，受理申请增加12件；收到的申请中，予以公开5件。"}) == []
    # an application for 行政复议 is a review, not an application for information
    assert rules_of(check({"一": "收到行政复议申请3件。"})) == ["PROSE-REVIEW"]


def test_review_litigation_fees_and_carried_forward():
    text = "发生政府信息公开行政复议2件，行政诉讼1起。行政事业性收费12.5万元。结转下年度继续办理1件。"
    assert rules_of(check({"一": text})) == ["PROSE-REVIEW", "PROSE-LITIGATION"]
    assert check({"一": text}, t4__review__total=2, t4__litigation_direct__total=1) == []
    fees = check({"一": "行政事业性收费共计125000元。"})
    assert fees == []  # 125000 元 = 12.5 万元
    (f,) = check({"一": "行政事业性收费13万元。"})
    assert (
        f.rule == "PROSE-FEES"
        and f.title["zh"] == "正文所述收费金额 13 万元，表二“行政事业性收费”为 12.5 万元，两者不符"
    )
    (f,) = check({"一": "另有3件结转至2025年办理。"})
    assert f.rule == "PROSE-CARRIED-FORWARD" and f.values == {"t3.carried_forward.total": 1}
    assert check({"一": "另有1件结转至2025年办理。"}) == []
    (f,) = check({"一": "2023年结转的申请3件。"})  # 2023, the year before the report's: carried over
    assert f.rule == "PROSE-CARRIED-OVER"
    assert check({"一": "2022年结转的申请3件。"}) == []  # another year: not this report's figure


def test_prose_messages_quote_each_official_label_once_in_a_sentence():
    """The table's side of a prose finding is named in the form's words, quoted, read as a sentence."""
    text = "发生政府信息公开行政复议2件，行政诉讼3起。结转下年度继续办理4件。上年结转申请5件。"
    found = {f.rule: f for f in check({"一": text}, t4__litigation_direct__total=1)}
    assert found["PROSE-REVIEW"].title["zh"] == "正文所述行政复议 2 件，表四“行政复议”总计为 0 件，两者不符"
    assert found["PROSE-REVIEW"].title["en"] == "The text states 2 administrative reviews; 表四 “行政复议” 总计 is 0"
    assert found["PROSE-LITIGATION"].title["zh"] == (
        "正文所述行政诉讼 3 件，表四“行政诉讼”下“未经复议直接起诉”与“复议后起诉”的总计之和为 1 件，两者不符"
    )
    # the cells that add up are listed with their values; a single cell needs none
    assert found["PROSE-LITIGATION"].details["zh"][1:] == [
        "“行政诉讼”下“未经复议直接起诉”总计 1",
        "“行政诉讼”下“复议后起诉”总计 0",
    ]
    # a report without its headings recorded: the form's heading of the section
    assert found["PROSE-REVIEW"].details["zh"] == ["正文（一、总体情况）：“发生政府信息公开行政复议2件”"]
    assert found["PROSE-CARRIED-FORWARD"].title["zh"] == (
        "正文所述结转下年度办理 4 件，表三“四、结转下年度继续办理”总计为 1 件，两者不符"
    )
    assert found["PROSE-CARRIED-OVER"].title["zh"] == (
        "正文所述上年结转申请 5 件，表三“二、上年结转政府信息公开申请数量”总计为 2 件，两者不符"
    )
    for f in found.values():  # every official label of the title appears once, whole, within quotes
        for key in f.keys:
            row = load_form("gov-disclosure-2021").table(key.split(".")[0]).row_map[key.split(".")[1]].label
            assert f.title["zh"].count(f"“{row}”") == 1


def test_received_without_anything_carried_over_names_one_figure():
    (f,) = check({"一": "本年度共收到政府信息公开申请17件。"}, t3__carried_over__total=0)
    assert f.rule == "PROSE-RECEIVED" and f.severity == "warning"
    assert f.title["zh"] == "正文所述收到申请 17 件，表三“一、本年新收政府信息公开申请数量”总计为 10 件，两者不符"
    assert f.title["en"] == (
        "The text states 17 applications received; 表三 “一、本年新收政府信息公开申请数量” 总计 is 10"
    )


def test_denials_state_zero():
    assert check({"一": "本年度未发生政府信息公开行政复议、行政诉讼案件。"}) == []
    found = check({"一": "本年度未发生政府信息公开行政复议、行政诉讼案件。"}, t4__review__total=1)
    assert rules_of(found) == ["PROSE-REVIEW"] and found[0].title["zh"].startswith("正文所述行政复议 0 件")
    # "有效降低行政复议、行政诉讼发生率" states no count
    assert check({"五": "有效降低行政复议、行政诉讼发生率，加强培训，提高水平。"}, t4__review__total=5) == []


def test_count_phrase_without_its_number():
    (f,) = check({"一": "2024年，主动公开政府信息条。收到申请件，均已答复。"}, t3__new_received__total=0)
    assert f.rule == "PROSE-NUMBER-MISSING" and f.title["zh"].startswith("正文中有 2 处计数缺少数字")
    assert f.details["zh"] == [
        "正文（一、总体情况）：“2024年，主动公开政府信息条”",
        "正文（一、总体情况）：“收到申请件”",
    ]
    (f,) = check({"一": "2024年，主动公开政府信息条。"})  # one phrase: the title quotes it, the details say where
    assert f.title["zh"] == "正文中有 1 处计数缺少数字：“2024年，主动公开政府信息条”"
    assert f.details == {"zh": ["位置：正文（一、总体情况）"], "en": ["Where: the text, section 一、总体情况"]}
    # words that merely contain a measure word are not counts
    ok = "依据《政府信息公开条例》，规范性文件、申请件数、复杂申请件的研判能力均有提升。"
    assert check({"一": ok}) == []


@pytest.mark.parametrize(
    ("five", "what"),
    [
        (None, "未找到"),
        ("", "内容为空"),
        ("无。", "只有“无。”，没有写明问题和改进措施"),
        ("【待填写】请在此填写“五、存在的主要问题及改进情况”的内容。", "尚未填写（仍为待填写的占位文字）"),
    ],
)
def test_empty_section_five(five, what):
    rep = prose_report({})
    if five is None:
        del rep.sections["五"]
    else:
        rep.sections["五"] = five
    found = prose_findings(load_form(rep.form), rep)
    assert rules_of(found) == ["PROSE-SECTION5-EMPTY"]
    assert found[0].title["zh"] == f"“五、存在的主要问题及改进情况”{what}"


# --- what the prose checks compare is declared (`prose:` of the form), not written here -------------------------


def raw_form(form_id: str = "gov-disclosure-2021") -> dict:
    return parse_yaml((FORMS_DIR / f"{form_id}.yaml").read_text(encoding="utf-8"))


def test_prose_checks_compare_the_declared_cells():
    assert load_form("gov-disclosure-2021").prose_cells("review") == ("t4.review.total",)
    text = {"一": "发生政府信息公开行政复议2件。行政事业性收费13万元。"}
    assert rules_of(check(text)) == ["PROSE-REVIEW", "PROSE-FEES"]
    raw = raw_form()
    del raw["prose"]["fees"]  # an undeclared figure is not checked
    raw["prose"]["review"] = ["t4.litigation_direct.total", "t4.litigation_after_review.total"]
    form = form_from_dict(raw)
    rep = prose_report(text, t4__litigation_direct__total=1, t4__litigation_after_review__total=1)
    assert prose_findings(form, rep) == []  # 2 = the sum of the cells now declared for the review figure
    rep = prose_report(text, t4__litigation_direct__total=1)
    (f,) = prose_findings(form, rep)
    assert f.rule == "PROSE-REVIEW" and f.keys == list(form.prose_cells("review"))
    assert f.values == {"t4.litigation_direct.total": 1, "t4.litigation_after_review.total": 0}
    # the 2019 form declares no fees (its 表二 has no amount): a 2019 report's text on fees is not compared
    assert load_form("gov-disclosure-2019").prose_cells("fees") == ()


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ({"recieved": ["t3.new_received.total"]}, "prose.recieved: unknown key"),
        ({"review": ["t4.review.totl"]}, "prose.review[0]: unknown cell 't4.review.totl'"),
        ({"received": ["t3.new_received.total"]}, "prose.received: expected 2 cell keys"),
        ({"fees": []}, "prose.fees: expected cell keys"),
        ({"fees": "t2.fees.amount"}, "prose.fees: expected a list"),
    ],
)
def test_a_wrong_prose_declaration_names_its_path(prose, expected):
    raw = raw_form()
    raw["prose"] = prose
    with pytest.raises(SchemaError, match=re.escape(expected)):
        form_from_dict(raw)


# --- titles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "unit", "year"),
    [
        ("烟台市芝罘区科学技术局 2021 年政府信息公开工作年度报告", "烟台市芝罘区科学技术局", 2021),
        ("烟台市芝罘区科学技术局2021年度政府信息公开工作年度报告", "烟台市芝罘区科学技术局", 2021),
        ("2024年淮安市洪泽区人民政府政府信息公开工作年度报告", "淮安市洪泽区人民政府", 2024),
        ("淮安市人民政府政府信息公开工作年度报告（2024年度）", "淮安市人民政府", 2024),
        ("某街道办事处二〇二三年政府信息公开工作年度报告", "某街道办事处", 2023),
        ("关于《某局2022年政府信息公开工作年度报告》", "某局", 2022),
        ("政府信息公开工作年度报告", "", None),
    ],
)
def test_parse_title(title, unit, year):
    assert parse_title(title) == (unit, year)


# --- reports built here: HTML in the shapes government sites publish --------------------------------------------


def html_report(tables: str, title: str = "某区卫生健康委员会2024年政府信息公开工作年度报告", prose: str = "") -> bytes:
    body = f"<h1>{title}</h1><p>一、总体情况</p><p>2024年，本委认真落实条例。{prose}</p>"
    body += tables + "<p>五、存在的主要问题及改进情况</p><p>人员不足，将加强培训，提高工作水平。</p>"
    body += "<p>六、其他需要报告的事项</p><p>无。</p>"
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>".encode()


T3_ROWS_2021 = [r.label for r in load_form("gov-disclosure-2021").table("t3").rows]


def t3_html(rows: list[tuple[str, list[int | str]]], cols: list[str] | None = None, header: bool = True) -> str:
    """表三 as a site publishes it: label in one cell spanning 3 columns, 7 values; header optional."""
    cols = cols or ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    out = ["<table>"]
    if header:
        out.append(
            '<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
        )
        out.append('<td colspan="7">申请人情况</td></tr><tr>' + "".join(f'<td rowspan="2">{c}</td>' for c in cols[:1]))
        out.append('<td colspan="5">法人或其他组织</td>' + f'<td rowspan="2">{cols[6]}</td></tr>')
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cols[1:6]) + "</tr>")
    for label, vals in rows:
        out.append(f'<tr><td colspan="3">{label}</td>' + "".join(f"<td>{v}</td>" for v in vals) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


T2_2021 = """<table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr><tr><td>行政规范性文件</td><td>1</td><td>0</td><td>5</td></tr>
</table><table>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr><tr><td>行政许可</td><td colspan="3">120</td></tr>
</table><table>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr><tr><td>行政处罚</td><td colspan="3">7</td></tr>
<tr><td>行政强制</td><td colspan="3">/</td></tr>
</table><table>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">24252.311082</td></tr>
</table>"""

T4 = (
    """<table><tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td>
<td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr>"""
    + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2
    + """</tr>
<tr>"""
    + "".join(f"<td>{v}</td>" for v in [1, 0, 0, 0, 1] + [0] * 10)
    + "</tr></table>"
)


def t3_rows(other_single: str | None = None, skip: set[str] = frozenset()) -> list[tuple[str, list]]:
    """The 2021 rows with values 1..; （六） as one row (2019 layout) when other_single is given."""
    rows = []
    for i, label in enumerate(T3_ROWS_2021):
        if label in skip:
            continue
        if other_single is not None and label.startswith(("1.申请人", "2.申请人", "3.其他")):
            if label.startswith("1."):
                rows.append(("（六）其他处理", [other_single, 0, 0, 0, 0, 0, other_single]))
            continue
        rows.append((label, [i, 0, 0, 0, 0, "", i]))
    return rows


def imported(data: bytes, name: str = "report.html"):
    rep, findings = import_bytes(data, name)
    return rep, findings


def test_html_with_table_two_in_four_pieces_and_blanks_and_slash():
    rep, findings = imported(html_report(T2_2021 + t3_html(t3_rows()) + T4))
    assert rep is not None and rep.unit_name == "某区卫生健康委员会" and rep.year == 2024
    assert rep.values["t2.normative.in_force"] == 5 and rep.values["t2.licensing.decisions"] == 120
    assert rep.values["t2.coercion.decisions"] == "/"  # kept as published
    assert rep.values["t2.fees.amount"] == Decimal("24252.311082")
    assert rep.values["t3.granted.natural_person"] == 2 and rep.values["t3.granted.other_org"] is None
    assert rep.values["t4.review.upheld"] == 1 and rep.values["t4.review.total"] == 1
    assert rules_of(findings) == []
    assert rep.source["cells"]["t2.fees.amount"] == {"table": 4, "row": 3, "col": 2}


def test_2019_layout_other_row_with_a_value_in_a_2021_report():
    rep, findings = imported(html_report(T2_2021 + t3_html(t3_rows(other_single="4")) + T4))
    assert rules_of(findings) == ["T3-OTHER-UNSPLIT"]
    assert findings[0].severity == "warning" and findings[0].keys == [
        "t3.other_misc.natural_person",
        "t3.other_misc.total",
    ]
    # worded for the reader of a published report: how the value was read, what the 2021 form has
    f = findings[0]
    assert f.title["zh"] == "表三“（六）其他处理”在报告中印为一行（2019 年格式），无法拆分为 1.、2.、3. 各项"
    assert f.fix["zh"].startswith(
        "该行已作为“（六）其他处理”的合计读取，全部计入“3.其他”（1.、2. 按 0 计），以便核对合计。"
    )
    assert "2021 年正式格式中该项分为 3 行（1.申请人无正当理由逾期不补正" in f.fix["zh"]
    assert "重新报送" not in f.fix["zh"] and "send it again" not in f.fix["en"]
    assert f.details["zh"][0] == "表格5 第24行第4列（自然人）：4"
    assert f.details["en"][0] == "table 5, row 24, column 4 (自然人): 4"
    # into 3.其他 so that the totals can be checked; 1. and 2. unknown where the row is not 0: blank (null), not 0
    assert rep.values["t3.other_misc.natural_person"] == 4
    assert rep.values["t3.other_no_correction.natural_person"] is None
    assert rep.values["t3.other_unpaid_fee.total"] is None and rep.values["t3.other_unpaid_fee.commercial"] == 0
    assert rep.form == "gov-disclosure-2021"


def test_the_split_row_is_derived_from_the_two_declarations():
    f19, f21 = load_form("gov-disclosure-2019"), load_form("gov-disclosure-2021")
    (split,) = split_rows(f21, "t3")
    # the 2019 form's row whose label is a group heading of the 2021 form, and the 2021 rows under it
    assert split.earlier_form == f19.id and f19.table("t3").row_map[split.earlier_row].label == split.label
    assert split.rows == tuple(r.id for r in f21.table("t3").rows if split.label in r.groups)
    assert len(split.rows) == 3 and f21.table("t3").row_map[split.rows[-1]].label == "3.其他"
    assert split_rows(f19, "t3") == () and split_rows(f21, "t2") == () and split_rows(f21, "t4") == ()
    # a later form with the same group: split against both earlier forms' rows (only 2019 has it as a row)
    raw = raw_form()
    raw |= {"id": "gov-disclosure-test", "first_year": 2030}
    later = form_from_dict(raw)
    assert [(s.earlier_form, s.label, s.rows) for s in split_rows(later, "t3")] == [(f19.id, split.label, split.rows)]
    # a group named otherwise is no split of the 2019 row: nothing about the label is written in the code
    for r in raw["tables"][1]["rows"]:
        r["groups"] = ["新的分组" if g == split.label else g for g in r.get("groups", [])]
    assert split_rows(form_from_dict(raw), "t3") == ()


def test_table_two_block_headings_are_the_declared_ones_or_close_to_them():
    t2 = load_form("gov-disclosure-2021").table("t2")
    variants = ["第二十条第(一)项", "第二十条第一项", "《条例》第二十条第（五）项规定"]
    for text in [b.heading for b in t2.blocks] + variants:
        assert _is_block_heading(t2, text), text
    assert _is_block_heading(t2, "第二十条第（九）项")  # the 2019 form's block
    for text in [r.label for r in t2.rows] + [c.label for c in t2.columns] + ["信息内容", "其他对外管理服务事项"]:
        assert not _is_block_heading(t2, text), text
    # half-width brackets and no brackets at all: read as the declared headings, nothing to report
    t2_html = T2_2021.replace("第二十条第（一）项", "第二十条第(一)项").replace("第二十条第（六）项", "第二十条第六项")
    rep, findings = imported(html_report(t2_html + t3_html(t3_rows()) + T4))
    assert rules_of(findings) == []
    assert rep.values["t2.normative.in_force"] == 5 and rep.values["t2.coercion.decisions"] == "/"


def test_columns_in_another_order_are_read_by_their_header():
    cols = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    swapped = cols[:]
    swapped[1], swapped[2] = swapped[2], swapped[1]
    rows = [(label, [i, 100 + i, 200 + i, 0, 0, 0, 300 + 3 * i]) for i, label in enumerate(T3_ROWS_2021)]
    rep, findings = imported(html_report(T2_2021 + t3_html(rows, swapped) + T4))
    assert "REPORT-COLUMNS-REORDERED" in rules_of(findings)
    assert rep.values["t3.granted.research"] == 102 and rep.values["t3.granted.commercial"] == 202


def test_extra_missing_and_repeated_rows_are_reported():
    rows = t3_rows(skip={"8.属于行政查询事项"})
    rows.insert(20, ("不予处理—无法联系到申请人", [3, 0, 0, 0, 0, 0, 3]))
    rows.append(("（七）总计", [9, 0, 0, 0, 0, 0, 9]))
    rep, findings = imported(html_report(T2_2021 + t3_html(rows) + T4))
    assert rules_of(findings) == ["TABLE-EXTRA-ROW", "REPORT-ROW-DUPLICATE", "TABLE-LABELS-MISSING"]
    assert findings[0].title["zh"] == "表三 第 24 行“不予处理—无法联系到申请人”不是官方表格中的行，其数据未读取"
    assert findings[2].severity == "error" and findings[2].details["zh"] == ["缺少：8.属于行政查询事项"]
    # advice for someone reading a published report, not for the clerk who fills in a template
    assert findings[0].fix["zh"].startswith("报告在官方表格之外加印了该行，其数据未计入任何官方行")
    assert findings[2].fix["zh"].startswith("报告未印出这些行/列（或其标签无法识别），其数据未读取，按空白处理")
    assert not any("模板" in f.fix["zh"] or "重新报送" in f.fix["zh"] for f in findings)
    assert "t3.denied_query.total" not in rep.values and rep.values["t3.results_total.total"] == 23


def test_table_three_continued_without_its_header():
    rows = t3_rows()
    rep, findings = imported(html_report(T2_2021 + t3_html(rows[:10]) + t3_html(rows[10:], header=False) + T4))
    assert rules_of(findings) == []
    assert rep.values["t3.carried_forward.natural_person"] == 24 and len(rep.values) == 200


T2_2019 = """<table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>3</td></tr><tr><td>规范性文件</td><td>2</td><td>2</td><td>9</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td>30</td><td>-2</td><td>500</td></tr><tr><td>其他对外管理服务事项</td><td>4</td><td>0</td><td>8</td></tr>
<tr><td colspan="4">第二十条第（九）项</td></tr>
<tr><td>信息内容</td><td>采购项目数量</td><td colspan="2">采购总金额</td></tr>
<tr><td>政府集中采购</td><td>6</td><td colspan="2">12.75</td></tr></table>"""


def t3_rows_2019() -> list[tuple[str, list]]:
    labels = [r.label for r in load_form("gov-disclosure-2019").table("t3").rows]
    return [(label, [i, 0, 0, 0, 0, 0, i]) for i, label in enumerate(labels)]


def test_2019_form_is_told_by_its_labels():
    rep, findings = imported(
        html_report(T2_2019 + t3_html(t3_rows_2019()) + T4, title="某局2020年政府信息公开工作年度报告")
    )
    assert rep.form == "gov-disclosure-2019" and rep.year == 2020
    assert rep.values["t2.licensing.change"] == -2 and rep.values["t2.procurement.purchase_amount"] == Decimal("12.75")
    assert rep.values["t3.other.total"] == 20
    # blocks (六) and (八) are not printed in this report: said once, not guessed
    assert rules_of(findings) == ["TABLE-LABELS-MISSING"]
    assert "行政处罚" in findings[0].title["zh"]


def test_2019_labels_in_a_report_of_2021_or_later():
    doc = html_report(T2_2019 + t3_html(t3_rows_2019()) + T4, title="某局2022年政府信息公开工作年度报告")
    rep, findings = imported(doc)
    assert rep.form == "gov-disclosure-2019"  # the whole table 二 is the old one: read as such
    f = next(f for f in findings if f.rule == "REPORT-2019-LABEL")
    assert f.severity == "warning"
    assert f.title["zh"] == (
        "2022 年度报告使用了 2019 年版格式的标签：“本年新制作数量”、“本年新公开数量”、“对外公开总数量”、"
        "“规范性文件”、“上一年项目数量”等 12 个"
    )
    assert "全表已按 2019 年版格式读取" in f.fix["zh"]
    # one old label in a 2021-form table: read as 2021, the old label said (not as a mere similarity)
    t2 = T2_2021.replace("<td>行政规范性文件</td>", "<td>规范性文件</td>")
    rep, findings = imported(html_report(t2 + t3_html(t3_rows()) + T4))
    assert rep.form == "gov-disclosure-2021" and rep.values["t2.normative.in_force"] == 5
    assert rules_of(findings) == ["REPORT-2019-LABEL"]
    assert findings[0].title["zh"] == "2024 年度报告使用了 2019 年版格式的标签：“规范性文件”"


# --- bad inputs: one clear finding, no report --------------------------------------------------------------------


def only_finding(path: Path):
    loaded = load_any(path)
    assert loaded.report is None
    assert len(loaded.findings) == 1, [f.message() for f in loaded.findings]
    return loaded.findings[0]


def test_scanned_pdf(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).rectangle([50, 50, 550, 300], outline="black", width=3)
    path = tmp_path / "某局2024年报.pdf"
    img.save(path, "PDF")
    f = only_finding(path)
    assert f.rule == "REPORT-SCANNED" and f.severity == "error"
    assert f.title["zh"] == SCANNED_PDF_MESSAGE == "扫描件，无法提取文字，请提供文字版"


def test_encrypted_pdf(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=str(data_file("hongze-district-2024-report.pdf")))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    path = tmp_path / "r.pdf"
    path.write_bytes(buf.getvalue())
    f = only_finding(path)
    assert f.rule == "REPORT-ENCRYPTED" and "需要密码" in f.title["zh"]


def test_scanned_page_in_a_text_pdf_is_said(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from PIL import Image

    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 800), "white").save(scan, "PDF")
    writer = pypdf.PdfWriter(clone_from=str(data_file("hongze-district-2024-report.pdf")))
    writer.append(str(scan))
    path = tmp_path / "r.pdf"
    writer.write(str(path))
    loaded = load_any(path)
    assert loaded.report.values == expected("hongze-district-2024")["values"]
    (f,) = [f for f in loaded.findings if f.rule == "REPORT-PARTLY"]
    assert f.severity == "warning" and "第6页没有文字层" in f.title["zh"]


def test_unknown_formats(tmp_path):
    doc = tmp_path / "年报.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    f = only_finding(doc)
    assert f.rule == "REPORT-FORMAT" and "旧版 Word（.doc）" in f.title["zh"]
    rtf = tmp_path / "年报.txt"  # by content, not by name
    rtf.write_bytes(b"{\\rtf1\\ansi hello}")
    assert only_finding(rtf).rule == "REPORT-FORMAT"


def test_report_without_table_three_lists_the_missing_labels(tmp_path):
    path = tmp_path / "r.html"
    path.write_bytes(html_report(T2_2021 + "<p>一、本年新收政府信息公开申请数量为3件。</p>" + T4))
    f = only_finding(path)
    assert f.rule == "REPORT-NO-T3" and f.severity == "error"
    assert f.title["zh"] == "未找到表三（三、收到和处理政府信息公开申请情况），25 个行标签未找到"
    assert f.details["zh"][0].startswith("缺少：一、本年新收政府信息公开申请数量、二、上年结转")
    assert (
        f.details["zh"][1]
        == "以下标签见于正文但不在表格中（表格可能是图片或未能识别）：一、本年新收政府信息公开申请数量"
    )


def test_load_any_routes_by_content(tmp_path):
    """A PDF named .txt is read as a PDF; a workbook or JSON is not sent to the importer."""
    pdf = tmp_path / "report.txt"
    pdf.write_bytes(data_file("hongze-district-2024-report.pdf").read_bytes())
    loaded = load_any(pdf)
    assert loaded.report is not None and loaded.report.source["kind"] == "pdf"
    htm = tmp_path / "report.htm"
    htm.write_bytes(html_report(T2_2021 + t3_html(t3_rows()) + T4))
    assert load_any(htm).report.source["kind"] == "html"
    js = tmp_path / "r.json"
    js.write_text(json.dumps({"form": "gov-disclosure-2021", "year": 2024, "unit": {"name": "x"}, "values": {}}))
    assert load_any(js).report.source.get("kind") is None


# --- commands ----------------------------------------------------------------------------------------------------


def test_cli_import_writes_interchange_json(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        cli, ["import", str(data_file(REAL["hongze-district-2024"])), str(data_file(REAL["zhifu-kjj-2021"])),
              "-o", str(tmp_path)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "✔ 已导入  hongze-district-2024-report.pdf  淮安市洪泽区人民政府 2024" in res.output
    assert "PROSE-RECEIVED" not in res.output  # 17 is 区政府办's share (代表区政府), not the district's 95
    assert "【提示 T3-OTHER-SINGLE】表三“（六）其他处理”在报告中印为一行" in res.output
    back = load_json(tmp_path / "hongze-district-2024-report.json")
    assert back.values == expected("hongze-district-2024")["values"]
    assert back.source["cells"]["t3.new_received.total"] == {"page": 3, "table": 2, "row": 4, "col": 10}
    assert back.sections["五"].startswith("2024年，全区政府信息公开工作虽取得一定成绩")
    assert load_json(tmp_path / "zhifu-kjj-2021-report.json").values == expected("zhifu-kjj-2021")["values"]


def test_cli_import_json_and_exit_status(tmp_path):
    bad = tmp_path / "scan.pdf"
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(bad, "PDF")
    res = CliRunner().invoke(cli, ["import", str(data_file(REAL["zhifu-kjj-2021"])), str(bad), "--json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    first, second = doc["files"]
    assert first["report"]["unit"]["name"] == "烟台市芝罘区科学技术局" and first["output"] is None
    assert [f["rule"] for f in first["findings"]] == ["LABEL-SIMILAR", "PROSE-NUMBER-MISSING"]
    assert second["report"] is None and second["findings"][0]["rule"] == "REPORT-SCANNED"
    assert not list(tmp_path.glob("*.json"))  # --json without -o writes no file


def test_cli_validate_a_published_report_and_its_prior(tmp_path):
    """Last year's published report feeds this year's cross-year rules (X-CARRY) directly."""
    this_year = tmp_path / "2025.json"
    carried = {f"t3.carried_over.{c}": v for c, v in [("natural_person", 3), ("total", 3)]}
    carried["t2.regulation.issued"] = 0  # something typed: a report with nothing but last year's carry is VALUE-EMPTY
    doc = {"form": "gov-disclosure-2021", "year": 2025, "unit": {"name": "淮安市洪泽区人民政府"}, "values": carried}
    this_year.write_text(json.dumps(doc), encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(this_year), "--prior", str(data_file(REAL["hongze-district-2024"]))])
    assert "【警告 X-CARRY】表三 “自然人”列：上年结转与上年度报告的结转下年度继续办理不一致，差 3 件" in res.output
    res = CliRunner().invoke(cli, ["validate", str(data_file(REAL["zhifu-kjj-2021"]))])
    assert res.exit_code == 0 and "烟台市芝罘区科学技术局 2021  错误 0｜警告 1｜提示 1" in res.output
    assert "【警告 PROSE-NUMBER-MISSING】" in res.output


def test_map_document_without_title_says_so():
    doc = extract(data_file(REAL["zhifu-kjj-2021"]))
    doc.title = ""
    doc.text = "\n".join(doc.text.split("\n")[1:])
    mapped = map_document(doc)
    assert mapped.report.unit_name == "" and mapped.report.year is None
    assert rules_of(mapped.findings)[:2] == ["REPORT-NO-UNIT", "REPORT-NO-YEAR"]
