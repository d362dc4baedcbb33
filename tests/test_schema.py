"""The form declaration: the loader's own errors (each naming its path) and the built-in forms' labels.

Bad declarations are made from the real YAML (yaml.safe_load, mutate, `form_from_dict`), so every error
is the one a maintainer editing that file would meet.
"""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from xltool.errors import SchemaError
from xltool.layout import fingerprint, sheet_cells, sheet_layouts
from xltool.schema import available_forms, load_form, load_form_file
from xltool.schema.load import form_from_dict

SPEC = Path(__file__).resolve().parent.parent.parent / "shared" / "spec" / "form-2021.md"
"""The form's specification, next to the repo (../shared/spec); tests that read it skip when it is absent."""
FORMS = resources.files("xltool") / "forms"


@pytest.fixture(scope="module")
def raw2021() -> dict:
    return yaml.safe_load((FORMS / "gov-disclosure-2021.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec_text() -> str:
    if not SPEC.is_file():
        pytest.skip(f"the spec is not next to this checkout: {SPEC}")
    return SPEC.read_text(encoding="utf-8")


def test_unmodified_declaration_loads_equal_to_builtin(raw2021):
    # the mutations below start from exactly the shipped declaration
    assert form_from_dict(copy.deepcopy(raw2021)) == load_form("gov-disclosure-2021")


def _set(path: str, value):
    """A mutation that sets `value` at a dotted/indexed path like `tables[1].rows[3].id`."""

    def mutate(d):
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        obj = d
        for p in parts[:-1]:
            obj = obj[int(p[1:-1])] if p.startswith("[") else obj[p]
        last = parts[-1]
        if last.startswith("["):
            obj[int(last[1:-1])] = value
        else:
            obj[last] = value

    return mutate


def _delete(path: str, key: str):
    def mutate(d):
        obj = d
        for p in re.findall(r"[^.\[\]]+|\[\d+\]", path):
            obj = obj[int(p[1:-1])] if p.startswith("[") else obj[p]
        del obj[key]

    return mutate


def _replace_rule_3_with_t3_rule(d):
    # the example: rule 3 is a column equation of t3 whose left side names a row that does not exist
    d["rules"][3] = {**d["rules"][0], "id": "T3-CARRY", "left": ["new_received", "carried_ovr"]}


def _append_row_to_results_total(d):
    d["tables"][1]["rows"][23]["total_of"] = [*d["tables"][1]["rows"][23]["total_of"], "other_misk"]


def _append_col_to_total(d):
    d["tables"][1]["columns"][6]["total_of"] = [*d["tables"][1]["columns"][6]["total_of"], "legal"]


BAD = [
    # unknown keys, at every level
    (_set("foo", 1), "form.foo: unknown key (allowed: "),
    (_set("tables[1].colour", "red"), "tables[1].colour: unknown key (allowed: "),
    (_set("tables[1].columns[2].width", 3), "tables[1].columns[2].width: unknown key (allowed: "),
    (_set("tables[1].rows[4].lable", "x"), "tables[1].rows[4].lable: unknown key (allowed: "),
    (_set("tables[0].blocks[1].rows[0].note", "x"), "tables[0].blocks[1].rows[0].note: unknown key (allowed: "),
    (_set("tables[0].blocks[2].footer", "x"), "tables[0].blocks[2].footer: unknown key (allowed: "),
    (_set("rules[5].message", "x"), "rules[5].message: unknown key (allowed: "),
    (_set("rules[0].title.fr", "x"), "rules[0].title.fr: unknown key (allowed: en, zh)"),
    (_set("sections[2].prosa", True), "sections[2].prosa: unknown key (allowed: "),
    # duplicate ids
    (_set("tables[1].rows[3].id", "granted"), "tables[1].rows[3].id: duplicate row id 'granted'"),
    (
        _set("tables[0].blocks[2].rows[0].id", "licensing"),
        "tables[0].blocks[2].rows[0].id: duplicate row id 'licensing'",
    ),
    (
        _set("tables[1].columns[1].id", "natural_person"),
        "tables[1].columns[1].id: duplicate column id 'natural_person'",
    ),
    (_set("tables[2].columns[3].id", "upheld"), "tables[2].columns[3].id: duplicate column id 'upheld'"),
    (_set("rules[4].id", "T3-BALANCE"), "rules[4].id: duplicate rule id 'T3-BALANCE'"),
    (_set("tables[2].id", "t3"), "tables[2].id: duplicate table id 't3'"),
    # rules naming what does not exist
    (_replace_rule_3_with_t3_rule, "rules[3].left: unknown row 'carried_ovr' in t3"),
    (_set("rules[1].right[0]", "granted_"), "rules[1].right: unknown row 'granted_' in t3"),
    (_set("rules[2].right[0]", "natural"), "rules[2].right: unknown column 'natural' in t3"),
    (_set("rules[3].left", ["totl"]), "rules[3].left: unknown column 'totl' in t4"),
    (_set("rules[7].right", ["prior:carried_fwd"]), "rules[7].right: unknown row 'carried_fwd' in t3"),
    (_set("rules[8].only", ["regulation", "normativ"]), "rules[8].only: unknown row 'normativ' in t2"),
    (_set("rules[8].right[2]", "-repeald"), "rules[8].right: unknown column 'repeald' in t2"),
    (_set("rules[0].table", "t9"), "rules[0].table: unknown table 't9'"),
    (_set("rules[0].for_each", "cells"), "rules[0].for_each: expected 'columns' or 'rows'"),
    (_set("rules[0].left", []), "rules[0].left: required"),
    (
        _set("rules[0].right", ["prior:results_total", "carried_forward"]),
        "rules[0].right: 'prior:results_total' reads last year but cross_year is not set",
    ),
    (
        _set("tables[0].blocks[0].columns", ["issued", "repealed", "in_forse"]),
        "tables[0].blocks[0].columns: unknown column 'in_forse' in t2",
    ),
    (_append_row_to_results_total, "tables[1].rows[23].total_of: unknown row 'other_misk' in t3"),
    (_append_col_to_total, "tables[1].columns[6].total_of: unknown column 'legal' in t3"),
    (_set("sections[2].table", "t9"), "sections[2].table: unknown table 't9'"),
    # unknown enumerations
    (_set("rules[0].severity", "fatal"), "rules[0].severity: unknown severity 'fatal' (error, warning, info)"),
    (_set("rules[4].kind", "regex"), "rules[4].kind: unknown kind 'regex' ("),
    (_set("tables[1].layout", "grid"), "tables[1].layout: unknown layout 'grid' (blocks, matrix, row)"),
    (
        _set("tables[0].columns[4].type", "float"),
        "tables[0].columns[4].type: unknown type 'float' (integer or decimal)",
    ),
    (_set("tables[0].columns[0].signed", "yes"), "tables[0].columns[0].signed: expected true or false"),
    # header spans
    (
        _set("tables[1].header[0]", ["申请人情况", 0, 0, 1, 8]),
        "tables[1].header[0]: '申请人情况' spans outside the 7 value columns",
    ),
    (
        _set("tables[1].header[1]", ["自然人", 1, -1, 2, 1]),
        "tables[1].header[1]: '自然人' spans outside the 7 value columns",
    ),
    (
        _set("tables[2].header[1]", ["行政诉讼", 0, 5, 1, 11]),
        "tables[2].header[1]: '行政诉讼' spans outside the 15 value columns",
    ),
    (
        _set("tables[1].header[2]", ["法人或其他组织", 1, 1, 1]),
        "tables[1].header[2]: expected [text, row, column, rowspan, colspan]",
    ),
    # shapes and required keys
    (_delete("tables[1].rows[0]", "label"), "tables[1].rows[0].label: required"),
    (_delete("rules[2]", "severity"), "rules[2].severity: required"),
    (_set("tables[1].rows", {"id": "x"}), "tables[1].rows: expected a list"),
    (_set("tables[2].columns[0]", "upheld"), "tables[2].columns[0]: expected a mapping, got str"),
]


@pytest.mark.parametrize(("mutate", "expected"), BAD, ids=[e for _, e in BAD])
def test_loader_names_the_path_of_each_mistake(raw2021, mutate, expected):
    d = copy.deepcopy(raw2021)
    mutate(d)
    with pytest.raises(SchemaError) as e:
        form_from_dict(d)
    msg = str(e.value)
    if expected.endswith((" (", "(allowed: ")):
        assert msg.startswith(expected), msg
    else:
        assert msg == expected


def test_not_a_mapping():
    with pytest.raises(SchemaError, match=r"^form: expected a mapping, got list$"):
        form_from_dict([])


def test_invalid_yaml_names_the_file(tmp_path):
    p = tmp_path / "broken-form.yaml"
    p.write_text("id: gov-disclosure-2021\ntables: [\n  - id: t2\n", encoding="utf-8")
    with pytest.raises(SchemaError) as e:
        load_form_file(p)
    assert str(e.value).startswith("broken-form.yaml: not valid YAML: ")
    assert "line" in str(e.value)  # PyYAML's position is kept


def test_a_declaration_file_with_a_mistake_fails_on_load(tmp_path, raw2021):
    d = copy.deepcopy(raw2021)
    d["rules"][0]["left"] = ["new_received", "carried_ovr"]
    p = tmp_path / "edited.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"^rules\[0\]\.left: unknown row 'carried_ovr' in t3$"):
        load_form_file(p)


def test_unknown_form_id_lists_the_available_ones():
    with pytest.raises(SchemaError) as e:
        load_form("gov-disclosure-1999")
    assert str(e.value) == "unknown form 'gov-disclosure-1999' (available: gov-disclosure-2019, gov-disclosure-2021)"
    assert available_forms() == ["gov-disclosure-2019", "gov-disclosure-2021"]


# --- the built-in 2021 form against the spec, character for character ---------------------------------


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    nxt = text.find("\n## ", start + len(heading))
    return text[start : nxt if nxt > 0 else len(text)]


def _backticked_pairs(line: str) -> list[tuple[str, str]]:
    """'`natural_person` 自然人 · `commercial` 商业企业 …' -> [(id, label)]."""
    return [(k, v.rstrip(".")) for k, v in re.findall(r"`(\w+)` ([^\s·`]+)", line)]


def test_t3_rows_are_the_spec_labels(spec_text):
    sec = _section(spec_text, "## Table t3")
    spec_rows = re.findall(r"^\| (\d+) \| `(\w+)` \| (.+?) \|$", sec, flags=re.M)
    assert len(spec_rows) == 25
    t3 = load_form().table("t3")
    assert [r.id for r in t3.rows] == [k for _, k, _ in spec_rows]
    for _, key, label in spec_rows:
        assert t3.row_map[key].label == label, key
    # the group lines (三、本年度办理结果, （三）不予公开 …) head the rows that follow them
    groups: list[str] = []
    for line in sec.splitlines():
        g = re.match(r"^\| \| \| (.+) \(group\) \|$", line)
        if g:
            groups = [g.group(1)] if g.group(1).startswith("三、") else groups[:1] + [g.group(1)]
            continue
        m = re.match(r"^\| (\d+) \| `(\w+)` \|", line)
        if not m:
            continue
        row = t3.row_map[m.group(2)]
        if m.group(2) in ("new_received", "carried_over", "carried_forward"):
            assert row.groups == ()
        elif row.label[0].isdigit():
            assert row.groups == tuple(groups), row.id
        else:  # （一） （二） （七）: directly under 三、本年度办理结果
            assert row.groups == tuple(groups[:1]), row.id
    assert "3.危及\u201c三安全一稳定\u201d" in [r.label for r in t3.rows]  # curly quotes U+201C/U+201D


def test_t3_columns_header_and_corner_are_the_spec_labels(spec_text):
    sec = _section(spec_text, "## Table t3")
    t3 = load_form().table("t3")
    para = sec[sec.index("Columns (`col`):") :]
    para = para[: para.index("\n\n")].replace("\n", " ")  # the paragraph is wrapped
    assert [(c.id, c.label) for c in t3.columns] == _backticked_pairs(para)
    bold = re.findall(r"\*\*(.+?)\*\*", sec)
    assert t3.corner == bold[0]
    assert [h.text for h in t3.header] == bold[1:]


def test_t4_groups_columns_and_header_are_the_spec_labels(spec_text):
    sec = _section(spec_text, "## Table t4")
    t4 = load_form().table("t4")
    groups = next(x for x in sec.splitlines() if x.startswith("Groups (`row`):"))
    cols = next(x for x in sec.splitlines() if x.startswith("Columns:"))
    assert [(r.id, r.label) for r in t4.rows] == _backticked_pairs(groups)
    assert [(c.id, c.label) for c in t4.columns] == _backticked_pairs(cols)
    bold = [t for b in re.findall(r"\*\*(.+?)\*\*", sec) for t in b.split(" / ")]
    assert {h.text for h in t4.header} == set(bold)
    assert [h.text for h in t4.header if h.row == 2][-5:] == [c.label for c in t4.columns]


def test_t2_blocks_rows_and_columns_are_the_spec_labels(spec_text):
    sec = _section(spec_text, "## Table t2")
    t2 = load_form().table("t2")
    lines = [x for x in sec.splitlines() if x.startswith("| ") and "`t2." in x]
    assert len(lines) == len(t2.rows) == 6
    heading, header = None, []
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        heading = cells[0] or heading
        header = [re.sub(r" \(spans \d\)$", "", h) for h in cells[1].split(" / ")] if cells[1] else header
        keys = re.findall(r"`(t2\.\w+\.\w+)`", cells[3])
        row_id = keys[0].split(".")[1]
        row = t2.row_map[row_id]
        assert row.label == cells[2]
        block = t2.blocks[row.block]
        assert block.heading == heading
        assert [block.header] + [t2.column_map[c].label for c in block.columns] == header
        assert [f"t2.{row_id}.{c}" for c in block.columns] == keys
    assert t2.column_map["amount"].type == "decimal"


def test_sections_and_titles_are_the_spec_headings(spec_text):
    form = load_form()
    block = spec_text[spec_text.index("```\n一、") + 4 :]
    headings = block[: block.index("```")].splitlines()
    assert [s.heading for s in form.sections] == headings
    titles = dict(re.findall(r"^## Table (t\d) — (\S+)", spec_text, flags=re.M))
    assert {t.id: t.title for t in form.tables} == titles


def test_cell_counts():
    form = load_form()
    assert len(form.cells) == 200
    assert len(form.input_keys) == 166
    assert len(form.total_keys) == 34
    assert form.cells["t2.fees.amount"].type == "decimal"
    assert form.cells["t3.results_total.total"].totals == (
        tuple(
            f"t3.results_total.{c}"
            for c in ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org")
        ),
        tuple(f"t3.{r.id}.total" for r in form.table("t3").rows[2:23]),
    )
    assert not any(c.signed for c in form.cells.values())


# --- the 2019 form ------------------------------------------------------------------------------------


def test_2019_form_loads_with_its_own_t2(spec_text):
    f19 = load_form("gov-disclosure-2019")
    assert f19.id == "gov-disclosure-2019" and f19.issued_by == "国办公开办函〔2019〕60号"
    t2 = f19.table("t2")
    blocks = [
        (b.heading, [t2.column_map[c].label for c in b.columns], [t2.row_map[r].label for r in b.rows])
        for b in t2.blocks
    ]
    assert blocks == [
        ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "规范性文件"]),
        ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "其他对外管理服务事项"]),
        ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政处罚", "行政强制"]),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["行政事业性收费"]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["政府集中采购"]),
    ]
    # every one of these labels is written so in the spec's section on the 2019 form
    older = _section(spec_text, "## The older 2019 form")
    for _, cols, rows in blocks:
        for label in cols + rows:
            assert label in older, label
    assert [c.id for c in t2.columns if c.signed] == ["change"]
    assert t2.column_map["purchase_amount"].type == "decimal"


def test_2019_form_t3_has_one_other_row_and_t4_is_identical():
    f19, f21 = load_form("gov-disclosure-2019"), load_form("gov-disclosure-2021")
    t3_19, t3_21 = f19.table("t3"), f21.table("t3")
    assert len(t3_19.rows) == 23  # 19 result rows, （七）总计, and the rows 一、 二、 四、
    other = t3_19.row_map["other"]
    assert other.label == "（六）其他处理" and other.groups == ("三、本年度办理结果",)
    ids_21 = [r.id for r in t3_21.rows if not r.id.startswith("other_")]
    assert [r.id for r in t3_19.rows if r.id != "other"] == ids_21
    for rid in ids_21:
        if rid != "results_total":
            assert t3_19.row_map[rid] == t3_21.row_map[rid]
    assert t3_19.row_map["results_total"].total_of[-1] == "other"
    assert t3_19.columns == t3_21.columns and t3_19.header == t3_21.header and t3_19.corner == t3_21.corner
    assert f19.table("t4") == f21.table("t4")
    assert [r.id for r in f19.rules] == [
        "T3-BALANCE",
        "T3-RESULTS",
        "T3-TOTAL",
        "T4-TOTAL",
        "VALUE-TYPE",
        "VALUE-BLANK",
        "VALUE-COERCED",
        "X-CARRY",
        "C-SUM",
        "VALUE-EMPTY",
    ]
    assert f19.rule_map["T3-RESULTS"].right == t3_19.row_map["results_total"].total_of
    assert len(f19.cells) == 22 + 23 * 7 + 15
    assert [k for k, c in f19.cells.items() if c.signed] == [
        "t2.licensing.change",
        "t2.other_services.change",
        "t2.penalty.change",
        "t2.coercion.change",
        "t2.fees.change",
    ]


def test_2019_layout_places_two_and_three_column_blocks():
    f19 = load_form("gov-disclosure-2019")
    lay = sheet_layouts(f19)["t2"]
    assert lay.width == 4
    # a 3-column block: one column each; a 2-column block: the last column spans the rest
    assert [lay.cells[f"t2.licensing.{c}"].colspan for c in ("prior_items", "change", "decisions")] == [1, 1, 1]
    assert (lay.cells["t2.fees.prior_items"].colspan, lay.cells["t2.fees.change"].colspan) == (1, 2)
    assert (lay.cells["t2.procurement.purchase_items"].ref, lay.cells["t2.procurement.purchase_amount"].ref) == (
        "B20",
        "C20",
    )
    headers = {(lb.row, lb.col): (lb.text, lb.colspan) for lb in lay.labels if lb.role == "header"}
    assert headers[(16, 3)] == ("本年增/减", 2) and headers[(19, 3)] == ("采购总金额", 2)
    # no two value cells share a place, and every cell of the form has one
    refs = list(sheet_cells(f19).values())
    assert len(refs) == len(set(refs)) == len(f19.cells)
    assert sheet_layouts(f19)["t3"].last_row - sheet_layouts(f19)["t3"].first_data_row + 1 == 23
    assert fingerprint(f19) != fingerprint(load_form("gov-disclosure-2021"))


def test_2021_layout_spans_unchanged():
    # the generalised block span must keep the 2021 template as it was: 1-column blocks span all 3
    lay = sheet_layouts(load_form())["t2"]
    assert lay.cells["t2.licensing.decisions"].colspan == 3
    assert lay.cells["t2.fees.amount"].colspan == 3
    assert [lay.cells[f"t2.regulation.{c}"].colspan for c in ("issued", "repealed", "in_force")] == [1, 1, 1]
