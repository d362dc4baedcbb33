"""The rule engine on real published data (淮安市 2024, 芝罘区科学技术局 2021), value parsing and label matching.

The +1 tests derive what must fail from the form's declaration (which equations name the changed cell),
not from the engine, so the engine is checked against an independent reading of the same rules.
"""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from xltool.interchange import UnitReport, dump_json, load_json
from xltool.labels import best_match, column_candidates, match_row, match_title, normalize
from xltool.rules import check, evaluate, template_refs
from xltool.schema import Form, load_form
from xltool.values import format_number, parse_value

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "published"
"""Real published data, kept in the repo (copies of shared/data)."""
SPEC = Path(__file__).resolve().parent.parent.parent / "shared" / "spec" / "form-2021.md"
"""The form's specification, next to the repo (../shared/spec); tests that read it skip when it is absent."""
APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org")
LEGAL_PERSON_COLUMNS = APPLICANT_COLUMNS[1:]


@pytest.fixture(scope="module")
def form() -> Form:
    return load_form("gov-disclosure-2021")


@pytest.fixture(scope="module")
def huaian() -> UnitReport:
    return load_json(DATA / "huaian-city-2024.json")


@pytest.fixture(scope="module")
def seed() -> UnitReport:
    return load_json(DATA / "zhifu-kjj-2021.json")


def with_values(report: UnitReport, **changes) -> UnitReport:
    """A copy of the report with some cells changed (keys given with '__' for '.')."""
    values = dict(report.values)
    for k, v in changes.items():
        values[k.replace("__", ".")] = v
    return dataclasses.replace(report, values=values, source=dict(report.source))


def replaced(report: UnitReport, values: dict) -> UnitReport:
    return dataclasses.replace(report, values=values, source=dict(report.source))


def equation_items(form: Form) -> dict[tuple[str, str], set[str]]:
    """(rule id, item) -> the cell keys its equation names, read from the declaration (this year's terms)."""
    out: dict[tuple[str, str], set[str]] = {}
    for rule in form.rules:
        if rule.kind != "equation":
            continue
        t = form.table(rule.table)
        by_col = rule.for_each == "columns"
        items = [c.id for c in t.columns] if by_col else [r.id for r in t.rows]
        for item in items:
            if rule.only and item not in rule.only:
                continue
            keys = set()
            for term in rule.left + rule.right:
                name = term.lstrip("-")
                if name.startswith("prior:"):
                    continue
                key = f"{t.id}.{name}.{item}" if by_col else f"{t.id}.{item}.{name}"
                if key in form.cells:
                    keys.add(key)
            out[(rule.id, item)] = keys
    return out


def finding_items(form: Form, findings) -> list[tuple[str, str]]:
    """(rule, item) of equation findings; the item is what all the finding's keys share."""
    out = []
    for f in findings:
        rule = form.rule_map[f.rule]
        part = 2 if rule.for_each == "columns" else 1
        items = {k.split(".")[part] for k in f.keys}
        assert len(items) == 1, (f.rule, f.keys)
        out.append((f.rule, items.pop()))
    return out


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


# --- real data pass ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["huaian-city-2024", "hongze-district-2024", "zhifu-kjj-2021"])
def test_published_data_has_no_finding(form, name):
    assert check(form, load_json(DATA / f"{name}.json")) == []


def test_huaian_every_cell_plus_one_gives_exactly_its_equations(form, huaian):
    eqs = equation_items(form)
    this_year = {k: v for k, v in eqs.items() if not form.rule_map[k[0]].cross_year}
    assert len(huaian.values) == 200
    for key in huaian.values:
        changed = with_values(huaian, **{key: huaian.values[key] + 1})
        findings = check(form, changed)
        expected = {item for item, keys in this_year.items() if key in keys}
        got = finding_items(form, findings)
        assert len(got) == len(set(got)), key
        assert set(got) == expected, key
        for f in findings:
            assert f.severity == "error"
            on_left = key in {k for k in f.keys[: len(form.rule_map[f.rule].left)]}
            assert f.delta == (1 if on_left else -1), (key, f.rule)
            assert f.values[key] == huaian.values[key] + 1
    # t2 has no this-year equation; every t3 and t4 cell is in at least one
    assert {k for k in huaian.values if not any(k in keys for keys in this_year.values())} == {
        k for k in form.cells if k.startswith("t2.")
    }


def test_huaian_with_totals_removed_an_input_plus_one_shows_in_the_balance(form, huaian):
    inputs = {k: v for k, v in huaian.values.items() if not form.cells[k].is_total}
    assert len(inputs) == 166
    base = replaced(huaian, inputs)
    ev = evaluate(form, base)
    assert ev.derived == set(form.total_keys)
    assert all(ev.values[k] == huaian.values[k] for k in form.total_keys)  # the published totals add up
    assert check(form, base) == []
    # rows whose change reaches T3-BALANCE: its terms, and (through the derived （七）总计) the result rows
    balance = form.rule_map["T3-BALANCE"]
    t3 = form.table("t3")
    reach: set[str] = set()
    for term in balance.left + balance.right:
        reach |= {term, *t3.row_map[term].total_of}
    for key in inputs:
        findings = check(form, replaced(base, {**inputs, key: inputs[key] + 1}))
        table, row, col = key.split(".")
        expected = {("T3-BALANCE", col), ("T3-BALANCE", "total")} if table == "t3" and row in reach else set()
        got = finding_items(form, findings)
        assert len(got) == len(set(got)) and set(got) == expected, key


# --- each rule, pass and fail --------------------------------------------------------------------------


def test_t3_balance_fails_with_both_sides(form, seed):
    bad = with_values(seed, t3__carried_forward__natural_person=1, t3__carried_forward__total=1)
    findings = check(form, bad)
    assert finding_items(form, findings) == [("T3-BALANCE", "natural_person"), ("T3-BALANCE", "total")]
    f = findings[0]
    assert (f.severity, f.table, f.left, f.right, f.delta) == ("error", "t3", 2, 3, -1)
    assert f.keys == [
        "t3.new_received.natural_person",
        "t3.carried_over.natural_person",
        "t3.results_total.natural_person",
        "t3.carried_forward.natural_person",
    ]
    assert f.values == {
        "t3.new_received.natural_person": 2,
        "t3.carried_over.natural_person": 0,
        "t3.results_total.natural_person": 2,
        "t3.carried_forward.natural_person": 1,
    }


def test_t3_results_fails_and_is_not_repeated_by_the_balance(form, seed):
    # a result row typed wrong in 自然人 and 总计: （七）总计 as published is still used by T3-BALANCE
    bad = with_values(seed, t3__granted__natural_person=1, t3__granted__total=1)
    findings = check(form, bad)
    assert finding_items(form, findings) == [("T3-RESULTS", "natural_person"), ("T3-RESULTS", "total")]
    f = findings[0]
    assert (f.left, f.right, f.delta) == (2, 3, -1)
    assert f.title["zh"] == "表三 “自然人”列：（七）总计与各项办理结果之和不符，差 1 件"
    # the 21-term sum shows its non-zero terms and says how many are 0
    assert "（一）予以公开 1 + （四）无法提供 1.本机关不掌握相关政府信息 1" in f.message()
    assert "（其余 18 项为 0）= 3" in f.message()


def test_t3_total_fails_per_row(form, seed):
    bad = with_values(seed, t3__unable_not_held__natural_person=0, t3__granted__natural_person=1)
    findings = check(form, bad)
    assert finding_items(form, findings) == [("T3-TOTAL", "granted"), ("T3-TOTAL", "unable_not_held")]
    assert [(f.left, f.right, f.delta) for f in findings] == [(0, 1, -1), (1, 0, 1)]
    assert (
        findings[1].title["zh"]
        == "表三 “（四）无法提供 1.本机关不掌握相关政府信息”行：总计与各类申请人之和不符，差 1 件"
    )


def test_a_stated_total_wrong_beside_an_absent_grand_total_is_reported_once(form, huaian):
    """（一）予以公开's 总计 stated wrong, the （七）总计 row's 总计 left out (derived): T3-TOTAL reports the row;
    the 总计 column's T3-RESULTS, which compares the derived grand total with the stated row totals, would only
    repeat the same difference. With every total stated, the published figures are used as they stand."""
    values = {k: v for k, v in huaian.values.items() if k != "t3.results_total.total"}
    wrong = huaian.values["t3.granted.total"] + 999
    findings = check(form, replaced(huaian, {**values, "t3.granted.total": wrong}))
    assert finding_items(form, findings) == [("T3-TOTAL", "granted")]
    assert findings[0].delta == 999
    # an error of its own beside it is still reported: a result row's 自然人 typed one too high as well
    more = {
        **values,
        "t3.granted.total": wrong,
        "t3.unable_not_held.natural_person": values["t3.unable_not_held.natural_person"] + 1,
    }
    got = finding_items(form, check(form, replaced(huaian, more)))
    assert ("T3-TOTAL", "granted") in got and ("T3-RESULTS", "natural_person") in got
    assert ("T3-TOTAL", "unable_not_held") in got


def test_t4_total_fails_per_group(form, seed):
    bad = with_values(seed, t4__litigation_after_review__total=2, t4__litigation_after_review__pending=1)
    findings = check(form, bad)
    assert finding_items(form, findings) == [("T4-TOTAL", "litigation_after_review")]
    f = findings[0]
    assert (f.severity, f.table, f.left, f.right, f.delta) == ("error", "t4", 2, 1, 1)
    assert f.title["zh"] == "表四 “行政诉讼 复议后起诉”：总计与各项结果之和不符，差 1 件"
    assert f.fix["zh"] == "总计应等于结果维持、结果纠正、其他结果、尚未审结之和 1，改正后重新报送。"
    assert check(form, with_values(seed, t4__review__upheld=3, t4__review__total=3)) == []


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        ("3.5件", "不是整数"),
        (-1, "负数"),
        ("约10", "无法确定含义"),
        (3.5, "不是整数"),
        ("12件5", "无法确定含义"),
        (True, "无法识别"),
    ],
)
def test_value_type_is_one_error_and_no_cascade(form, huaian, raw, note):
    # an unusable value makes the equations that need it unknowable: they are skipped, not guessed
    bad = with_values(huaian, t3__granted__commercial=raw)
    findings = check(form, bad)
    assert rules_of(findings) == ["VALUE-TYPE"]
    f = findings[0]
    assert (f.severity, f.table, f.keys, f.values) == (
        "error",
        "t3",
        ["t3.granted.commercial"],
        {"t3.granted.commercial": raw},
    )
    shown = f"“{raw}”" if isinstance(raw, str) else str(raw)
    assert f.title["zh"] == f"表三 “（一）予以公开 商业企业”：{shown} 不是有效数值，应为不小于 0 的整数"
    assert f.details["zh"] == [f"单元格：t3.granted.commercial（{note}）"]


def test_value_type_suggests_the_number_it_may_mean(form, seed):
    f = check(form, with_values(seed, t2__fees__amount="约10"))[0]
    assert f.message() == (
        "【错误 VALUE-TYPE】表二 “行政事业性收费”：“约10” 不是有效数值，应为不小于 0 的数值（万元）\n"
        "  单元格：t2.fees.amount（无法确定含义）\n"
        "  处理：如应为 10，请只填写数字 10。"
    )
    assert f.message("en") == (
        "[error VALUE-TYPE] 表二 “行政事业性收费”: “约10” is not a valid value, expected a number ≥ 0 (万元)\n"
        "  Cell: t2.fees.amount (meaning unclear)\n"
        "  Fix: If it means 10, type just 10."
    )


@pytest.mark.parametrize("blank", [None, "", "  ", "/", "无", "—", "－"])
def test_value_blank_is_one_info_per_table(form, huaian, blank):
    zero_keys = [k for k, v in huaian.values.items() if v == 0 and k.startswith("t3.") and not form.cells[k].is_total]
    bad = replaced(huaian, {**huaian.values, **{k: blank for k in zero_keys}})
    findings = check(form, bad)
    assert rules_of(findings) == ["VALUE-BLANK"]
    f = findings[0]
    assert (f.severity, f.table, f.keys) == ("info", "t3", zero_keys)
    assert f.title["zh"] == f"表三 有 {len(zero_keys)} 个空白单元格（含“/”“无”等），按 0 计"


def test_value_blank_whole_legal_person_columns_and_slash(form, seed):
    # as in real reports: the legal-person columns left blank, "/" for none in 表四
    blanks = {f"t3.{r.id}.{c}": None for r in form.table("t3").rows if not r.total_of for c in LEGAL_PERSON_COLUMNS}
    bad = replaced(seed, {**seed.values, **blanks, "t4.review.upheld": "/"})
    findings = check(form, bad)
    assert [(f.rule, f.table, len(f.keys)) for f in findings] == [("VALUE-BLANK", "t3", 120), ("VALUE-BLANK", "t4", 1)]
    assert findings[1].details["zh"] == ["t4.review.upheld 行政复议 结果维持：“/”"]
    # a column blank as a whole is said once, not 24 times
    assert findings[0].details["zh"][:5] == [
        f"“{c}”列全部空白（24 格）" for c in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
    ]
    assert len(findings[0].details["zh"]) == 5
    with_cells = replaced(bad, bad.values)
    with_cells.source = {"sheet_cells": template_refs(form)}
    assert check(form, with_cells)[0].details["zh"][0] == "“商业企业”列全部空白（E6–E30，24 格）"


@pytest.mark.parametrize("blank", [None, "", "/", "无"])
def test_nothing_filled_in_is_one_error_not_the_blanks_of_every_table(form, seed, blank):
    """The template sent back as it was issued: one VALUE-EMPTY error (not three VALUE-BLANK hints and a pass);
    last year's 上年结转, which a template pre-fills, does not make it filled in, nor does it unbalance 表三."""
    carried = {k: 3 for k in form.cells if k.startswith("t3.carried_over.") and not form.cells[k].is_total}
    for values in ({}, {k: blank for k in form.input_keys}, carried, {**carried, "t3.results_total.total": None}):
        findings = check(form, replaced(seed, values))
        assert [(f.rule, f.severity) for f in findings] == [("VALUE-EMPTY", "error")]
        assert findings[0].title["zh"] == "尚未填写：各表的输入单元格全部空白"
        assert "空白模板" in findings[0].fix["zh"] and "blank template" in findings[0].fix["en"]
    prior = replaced(seed, {k: 3 for k in form.input_keys})  # last year's rules say nothing on a blank return either
    assert [f.rule for f in check(form, replaced(seed, {}), prior)] == ["VALUE-EMPTY"]
    one = {**carried, "t4.review.upheld": 0}  # a single figure typed: the blanks are hints again, the sums run
    rules = rules_of(check(form, replaced(seed, one)))
    assert "VALUE-EMPTY" not in rules and "VALUE-BLANK" in rules and "T3-BALANCE" in rules


def test_untouched_template_is_not_counted(tmp_path):
    """A real template written, read back untouched and consolidated: an error, so not in the totals."""
    from xltool.consolidate import consolidate
    from xltool.reader import read_file
    from xltool.roster import Roster, Unit
    from xltool.template import write_template
    from xltool.validate import validate_loaded

    form = load_form("gov-disclosure-2021")
    units = [Unit("A01", "某区甲局"), Unit("A02", "某区乙局")]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_template(form, inbox / "A01_某区甲局_2021.xlsx", year=2021, unit_name="某区甲局", unit_code="A01")
    values = {k: 1 if k.startswith("t2.") else 0 for k in form.input_keys}
    write_template(
        form, inbox / "A02_某区乙局_2021.xlsx", year=2021, unit_name="某区乙局", unit_code="A02", values=values
    )
    r = validate_loaded(read_file(inbox / "A01_某区甲局_2021.xlsx"))
    assert [f.rule for f in r.findings if f.severity == "error"] == ["VALUE-EMPTY"]
    cons = consolidate([inbox], Roster(tuple(units)), year=2021)
    assert cons.counts["counted"] == 1
    assert cons.evaluated.values["t2.regulation.issued"] == 1  # 乙局's alone
    assert "有错误 1" in cons.status_line()


def test_absent_inputs_are_blank_absent_totals_are_derived(form, seed):
    values = {k: v for k, v in seed.values.items() if not k.startswith("t4.")}
    findings = check(form, replaced(seed, values))
    assert [(f.rule, f.table, len(f.keys)) for f in findings] == [("VALUE-BLANK", "t4", 12)]
    # a total written "/" is derived, not reported as a blank
    assert check(form, with_values(seed, t3__new_received__total="/", t4__review__total=None)) == []


@pytest.mark.parametrize(
    ("as_written", "note"),
    [
        (lambda v: str(v).translate(str.maketrans("0123456789", "０１２３４５６７８９")), "全角字符"),
        (lambda v: f"{v}件", "带单位"),
        (lambda v: f"{v:,}", "千分位"),
        (lambda v: f" {v} ", "首尾空格"),
        (lambda v: str(v), "文本型数字"),
    ],
)
def test_value_coerced_keeps_the_number_and_says_how_it_was_read(form, huaian, as_written, note):
    key = "t3.new_received.natural_person"  # 3001: used by T3-BALANCE and T3-TOTAL
    raw = as_written(huaian.values[key])
    findings = check(form, with_values(huaian, **{key.replace(".", "__"): raw}))
    assert rules_of(findings) == ["VALUE-COERCED"]
    f = findings[0]
    assert (f.severity, f.keys, f.values) == ("info", [key], {key: raw})
    assert note in f.details["zh"][0]
    assert f.details["zh"][0].startswith(f"{key} 一、本年新收政府信息公开申请数量 自然人：“{raw}” → 3001（")


def test_value_coerced_fullwidth_twelve(form, seed):
    findings = check(form, with_values(seed, t2__penalty__decisions="１２"))
    assert [f.message() for f in findings] == [
        "【提示 VALUE-COERCED】表二 “行政处罚”：“１２” 按数值 12 读取\n"
        "  t2.penalty.decisions 行政处罚：“１２” → 12（文本型数字、全角字符）\n"
        "  处理：请直接填写数字，不要带单位、空格或全角字符。"
    ]


# --- cross-year ----------------------------------------------------------------------------------------


def prior_of(form: Form, report: UnitReport) -> UnitReport:
    """Last year's report consistent with this one: carried forward = carried over, in force adds up."""
    values = {k: 0 for k in form.input_keys}
    for c in APPLICANT_COLUMNS:
        values[f"t3.carried_forward.{c}"] = report.values.get(f"t3.carried_over.{c}", 0)
        values[f"t3.new_received.{c}"] = values[f"t3.carried_forward.{c}"]
    for row in ("regulation", "normative"):
        v = report.values
        values[f"t2.{row}.in_force"] = v[f"t2.{row}.in_force"] - v[f"t2.{row}.issued"] + v[f"t2.{row}.repealed"]
    return UnitReport(form=form.id, year=(report.year or 0) - 1, unit_name=report.unit_name, values=values)


def test_cross_year_pass_and_skipped_without_prior(form, huaian):
    prior = prior_of(form, huaian)
    assert check(form, prior) == []
    assert check(form, huaian, prior) == []
    assert check(form, huaian) == []


def test_x_carry_fails_per_column(form, huaian):
    prior = prior_of(form, huaian)
    prior = with_values(prior, t3__carried_forward__natural_person=35, t3__new_received__natural_person=35)
    findings = check(form, huaian, prior)
    assert finding_items(form, findings) == [("X-CARRY", "natural_person"), ("X-CARRY", "total")]
    f = findings[0]
    assert (f.severity, f.left, f.right, f.delta) == ("warning", 34, 35, -1)
    assert f.keys == ["t3.carried_over.natural_person"]  # last year's cell is not a cell of this file
    assert f.message().splitlines()[:3] == [
        "【警告 X-CARRY】表三 “自然人”列：上年结转与上年度报告的结转下年度继续办理不一致，差 1 件",
        "  上年结转政府信息公开申请数量 34",
        "  ≠ 上年结转下年度继续办理 35",
    ]


def test_x_in_force_fails_for_regulation_and_normative_only(form, huaian):
    prior = with_values(prior_of(form, huaian), t2__normative__in_force=90)
    findings = check(form, huaian, prior)
    assert finding_items(form, findings) == [("X-IN-FORCE", "normative")]
    f = findings[0]
    # 66 = 90 + 8 - 26 would be 72
    assert (f.severity, f.left, f.right, f.delta) == ("warning", 66, 72, -6)
    assert f.message().splitlines()[1:3] == [
        "  现行有效件数 66",
        "  ≠ 上年现行有效件数 90 + 本年制发件数 8 − 本年废止件数 26 = 72",
    ]
    assert "如本年开展了文件清理，请填写说明" in f.message()


def test_explanation_is_shown_with_its_warning(form, huaian):
    prior = with_values(prior_of(form, huaian), t2__normative__in_force=90)
    rep = dataclasses.replace(huaian, explanations={"X-IN-FORCE": "2024 年开展规范性文件清理，废止 6 件。"})
    f = check(form, rep, prior)[0]
    assert f.explanation == "2024 年开展规范性文件清理，废止 6 件。"
    assert f.message().endswith("  单位说明：2024 年开展规范性文件清理，废止 6 件。")


def test_prior_on_the_2019_form_checks_carry_and_skips_in_force(form, huaian):
    # a 2020 report is on the 2019 form: its 表三 carries forward, its 表二 has no 现行有效件数
    f19 = load_form("gov-disclosure-2019")
    values = {k: 0 for k in f19.input_keys}
    for c in APPLICANT_COLUMNS:
        values[f"t3.carried_forward.{c}"] = values[f"t3.new_received.{c}"] = huaian.values[f"t3.carried_over.{c}"]
    prior = UnitReport(form=f19.id, year=2023, unit_name=huaian.unit_name, values=values)
    assert check(f19, prior) == []
    assert check(form, huaian, prior) == []  # no X-IN-FORCE from an absent in_force read as 0
    prior.values["t3.carried_forward.commercial"] = 1
    prior.values["t3.new_received.commercial"] = 1
    assert finding_items(form, check(form, huaian, prior)) == [("X-CARRY", "commercial"), ("X-CARRY", "total")]


# --- the 2019 form -------------------------------------------------------------------------------------


def test_2019_report_validates_and_change_may_be_negative(tmp_path):
    f19 = load_form("gov-disclosure-2019")
    values: dict = {k: 0 for k in f19.input_keys}
    values.update(
        {
            "t2.normative.new_made": 3,
            "t2.normative.new_published": 3,
            "t2.normative.total_published": 41,
            "t2.licensing.prior_items": 120,
            "t2.licensing.change": -4,
            "t2.licensing.decisions": 2310,
            "t2.fees.prior_items": 3,
            "t2.fees.change": "-1",
            "t2.procurement.purchase_items": 5,
            "t2.procurement.purchase_amount": 312.45,
            "t3.new_received.natural_person": 5,
            "t3.granted.natural_person": 3,
            "t3.other.natural_person": 2,
        }
    )
    doc = {"form": f19.id, "year": 2020, "unit": {"name": "烟台市芝罘区民政局"}, "values": values}
    p = tmp_path / "2020.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    rep = load_json(p)
    ev = evaluate(f19, rep)
    assert ev.values["t3.results_total.natural_person"] == 5 and ev.values["t3.results_total.total"] == 5
    assert ev.values["t2.procurement.purchase_amount"] == Decimal("312.45")
    findings = check(f19, rep)
    # "-1" written as text is read (and said so); -4 as a number is fine in a signed column
    assert [(f.rule, f.keys) for f in findings] == [("VALUE-COERCED", ["t2.fees.change"])]
    # a negative count elsewhere is still an error; a fraction in 本年增/减 too
    bad = with_values(rep, t2__licensing__decisions=-1, t2__penalty__change=1.5)
    got = [(f.rule, f.keys[0], f.title["zh"]) for f in check(f19, bad) if f.rule == "VALUE-TYPE"]
    assert got == [
        ("VALUE-TYPE", "t2.licensing.decisions", "表二 “行政许可 处理决定数量”：-1 不是有效数值，应为不小于 0 的整数"),
        ("VALUE-TYPE", "t2.penalty.change", "表二 “行政处罚 本年增/减”：1.5 不是有效数值，应为整数（可为负数）"),
    ]
    # its own T3-RESULTS counts （六）其他处理 as one row
    bad = with_values(rep, t2__fees__change=-1, t3__other__natural_person=3, t3__results_total__natural_person=5)
    # the present （七）总计 自然人 5 is used as is: its derived 总计 column total (5) misses the sum (6) too
    assert finding_items(f19, check(f19, bad)) == [("T3-RESULTS", "natural_person"), ("T3-RESULTS", "total")]
    bad = with_values(rep, t2__fees__change=-1, t3__other__natural_person=3, t3__new_received__natural_person=6)
    assert check(f19, bad) == []


# --- amounts: exact decimals ---------------------------------------------------------------------------


def test_fee_amount_is_exact(form, seed, tmp_path):
    doc = seed.to_dict()
    doc["values"]["t2.fees.amount"] = 24252.311082
    p = tmp_path / "fee.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    rep = load_json(p)
    assert rep.values["t2.fees.amount"] == Decimal("24252.311082")  # the JSON literal, not a float
    v = evaluate(form, rep).values["t2.fees.amount"]
    step = parse_value(0.000001, "decimal").value
    assert isinstance(v, Decimal) and isinstance(step, Decimal)
    total = v + step
    assert total == Decimal("24252.311083") and format_number(total) == "24252.311083"
    assert sum([Decimal("0.1")] * 3, Decimal(0)) == Decimal("0.3")  # what float would get wrong
    # a float given in memory is read by its shortest repr, not its binary expansion
    assert parse_value(24252.311082, "decimal").value == Decimal("24252.311082")
    assert parse_value("24,252.311082万元", "decimal").value == Decimal("24252.311082")
    # and written back as published
    assert '"t2.fees.amount": 24252.311082' in dump_json(rep)
    assert check(form, rep) == []


# --- message shape -------------------------------------------------------------------------------------


def spec_example() -> str:
    if not SPEC.is_file():
        pytest.skip(f"the spec is not next to this checkout: {SPEC}")
    text = SPEC.read_text(encoding="utf-8")
    start = text.index("## What a message looks like")
    block = text[text.index("```\n", start) + 4 :]
    return block[: block.index("```")].rstrip("\n")


def test_message_is_the_spec_example(form, seed):
    rep = with_values(
        seed,
        t3__new_received__natural_person=60,
        t3__new_received__total=60,
        t3__granted__natural_person=59,
        t3__granted__total=59,
        t3__results_total__natural_person=61,
        t3__results_total__total=61,
    )
    rep.source["sheet_cells"] = {
        "t3.new_received.natural_person": "表三!D7",
        "t3.carried_over.natural_person": "表三!D8",
        "t3.results_total.natural_person": "表三!D31",
        "t3.carried_forward.natural_person": "表三!D32",
    }
    findings = check(form, rep)
    assert finding_items(form, findings) == [("T3-BALANCE", "natural_person"), ("T3-BALANCE", "total")]
    assert findings[0].message() == spec_example()
    assert findings[0].cells == ["表三!D7", "表三!D8", "表三!D31", "表三!D32"]
    # without sheet cells: the same numbers, no cell references, no 位置 line
    assert findings[1].message() == (
        "【错误 T3-BALANCE】表三 “总计”列：收到与办结不平衡，差 1 件\n"
        "  本年新收政府信息公开申请数量 60 + 上年结转政府信息公开申请数量 0 = 60\n"
        "  ≠ （七）总计 61 + 结转下年度继续办理 0 = 61\n"
        "  处理：核对各项办理结果之和是否应为 60，改正后重新报送。"
    )
    assert findings[1].cells == []
    assert findings[0].message("en") == (
        "[error T3-BALANCE] 表三 column “自然人”: received and handled do not balance, off by 1\n"
        "  本年新收政府信息公开申请数量 60 (D7) + 上年结转政府信息公开申请数量 0 (D8) = 60\n"
        "  ≠ （七）总计 61 (D31) + 结转下年度继续办理 0 (D32) = 61\n"
        "  Where: sheet “表三” D7, D8, D31, D32\n"
        "  Fix: Check whether the results should add up to 60; correct and resubmit."
    )
    d = findings[0].to_dict()
    assert list(d) == ["rule", "severity", "table", "keys", "cells", "values", "left", "right", "delta", "message"]
    assert (d["left"], d["right"], d["delta"], d["severity"]) == (60, 61, -1, "error")
    assert findings[0].to_dict("en")["message"] == findings[0].message("en")


# --- values.parse_value --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ctype", "status", "value"),
    [
        (None, "integer", "blank", 0),
        ("", "integer", "blank", 0),
        ("/", "integer", "blank", 0),
        ("／", "integer", "blank", 0),
        ("无", "integer", "blank", 0),
        ("—", "integer", "blank", 0),
        ("－", "integer", "blank", 0),
        ("/", "decimal", "blank", Decimal(0)),
        (12, "integer", "ok", 12),
        (12.0, "integer", "ok", 12),  # how calamine and LibreOffice give counts
        (0, "decimal", "ok", Decimal(0)),
        ("１２", "integer", "coerced", 12),
        ("12件", "integer", "coerced", 12),
        ("１２件", "integer", "coerced", 12),
        ("1,234", "integer", "coerced", 1234),
        ("12.0", "integer", "coerced", 12),
        (" 7 ", "integer", "coerced", 7),
        ("\u30007", "integer", "coerced", 7),
        ("3.5万元", "decimal", "coerced", Decimal("3.5")),
        (3.5, "decimal", "ok", Decimal("3.5")),
        ("3.5件", "integer", "invalid", None),
        (3.5, "integer", "invalid", None),
        (-1, "integer", "invalid", None),
        ("-1", "integer", "invalid", None),
        (-0.5, "decimal", "invalid", None),
        ("约10", "integer", "invalid", None),
        ("10左右", "integer", "invalid", None),
        ("1e3", "integer", "invalid", None),
        (True, "integer", "invalid", None),
        (float("nan"), "decimal", "invalid", None),
    ],
)
def test_parse_value(raw, ctype, status, value):
    p = parse_value(raw, ctype)
    assert (p.status, p.value) == (status, value)
    assert type(p.value) is type(value)  # int for counts, Decimal for amounts, never float
    if status == "invalid":
        assert p.note and p.suggestion and p.note_en and p.suggestion_en


def test_parse_value_signed_columns():
    assert (parse_value(-4, "integer", signed=True).status, parse_value(-4, "integer", signed=True).value) == ("ok", -4)
    assert parse_value("－4", "integer", signed=True).value == -4
    assert parse_value("-4件", "integer", signed=True).value == -4
    assert parse_value("/", "integer", signed=True).status == "blank"
    assert parse_value(-4, "integer").status == "invalid"


def test_parse_value_notes():
    assert parse_value("１２").note == "文本型数字、全角字符"
    assert parse_value("12件").note_en == "number stored as text; with a unit"
    assert parse_value("约10").suggestion == "如应为 10，请只填写数字 10。"
    assert parse_value("/").note == "“/”"


# --- labels --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "found", "row", "exact"),
    [
        ("t2", "规范性文件", "normative", False),  # 规范性文件 for 行政规范性文件
        ("t2", "行政 规范性文件", "normative", True),  # stray space
        ("t3", "2.其他法律行政止公开", "denied_prohibited", False),  # the 洪泽区 typo
        ("t3", "2、其他法律行政法规禁止公开", "denied_prohibited", True),  # "2、" for "2."
        ("t3", "1．属于国家秘密", "denied_state_secret", True),  # full-width full stop
        ("t3", "3、其他", "other_misc", True),
        ("t3", "(一)予以公开", "granted", True),  # half-width brackets
        ("t3", "（二）部分公开(区分处理的,只计这一情形,不计其他情形)", "partly_granted", True),
        ("t3", '3.危及"三安全一稳定"', "denied_three_safety", True),  # straight quotes
        ("t3", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息\n公开申请", "other_no_correction", True),
        ("t3", "（七） 总计", "results_total", True),
        ("t3", "一、本年新收政府信息\n公开申请数量", "new_received", True),
    ],
)
def test_label_variants_seen_in_the_wild(form, table, found, row, exact):
    m = match_row(form, table, found)
    assert m is not None and m.target == row
    assert m.exact is exact
    assert m.found == found.strip() and m.official == form.table(table).row_map[row].label


def test_label_match_says_what_was_matched_to_what(form):
    m = match_row(form, "t3", "2.其他法律行政止公开")
    assert m.describe() == "“2.其他法律行政止公开”按“2.其他法律行政法规禁止公开”识别（相似度 0.88）"
    assert m.describe("en") == "“2.其他法律行政止公开” read as “2.其他法律行政法规禁止公开” (similarity 0.88)"


def test_labels_that_are_not_2021_rows_are_not_guessed(form):
    # the 2019 layout's single （六）其他处理 row must not silently become 3.其他; the peer project's row neither
    assert match_row(form, "t3", "（六）其他处理") is None
    assert match_row(form, "t3", "不予处理—无法联系到申请人") is None
    assert match_row(form, "t3", "") is None


def test_section_heading_variants(form):
    m = match_title(form, "四、政府信息公开行政法复议、行政诉讼情况")
    assert m.target == "t4" and not m.exact
    headings = {s.id: s.heading for s in form.sections}
    assert best_match("五、存在的主要问题及整改措施", headings).target == "五"
    assert match_title(form, "三、收到和处理政府信息公开申请情况").exact


def test_2019_labels():
    f19 = load_form("gov-disclosure-2019")
    assert match_row(f19, "t3", "（六）其他处理").target == "other"
    assert match_row(f19, "t3", "(六)其他处理").exact
    assert match_row(f19, "t2", "规范性文件").exact
    assert match_row(f19, "t2", "其他对外管理服务事项").target == "other_services"
    assert best_match("本年增／减", column_candidates(f19, "t2")).target == "change"
    assert best_match("对外公开总数量", column_candidates(f19, "t2")).exact


def test_normalize():
    assert normalize(" 1、 属于\n国家秘密 ") == "1.属于国家秘密"
    assert normalize("（一）") == "(一)"
    assert re.fullmatch(r"3\.危及三安全一稳定", normalize("3.危及“三安全一稳定”"))


def test_an_amount_written_in_yuan_is_an_error_that_says_the_wan_yuan_meant(form, seed):
    """收费金额 is in 万元: "5000元" is 0.5, never 5000 (read as 万元 it would be ten thousand times too much)."""
    findings = check(form, with_values(seed, t2__fees__amount="5000元"))
    (f,) = [f for f in findings if f.rule == "VALUE-TYPE"]
    assert f.keys == ["t2.fees.amount"] and f.fix["zh"] == "本栏以万元为单位：5000元 即 0.5 万元，请填写 0.5。"
    assert f.fix["en"] == "This cell is in 万元 (10,000 yuan): 5000元 is 0.5 万元; type 0.5."
    assert not [f for f in check(form, with_values(seed, t2__fees__amount="0.5万元")) if f.severity == "error"]
    assert parse_value("-  -", "integer").status == "blank"  # spaces inside a dash mark, as the template reads it
