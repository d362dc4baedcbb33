"""Other wordings of official labels are declared by the form (`variants`, `title_variants`), not held in code.

xltool.labels keeps only generic normalisation (width, spaces, quotes, "1、" for "1."); what a label may be
printed as in the wild is form data, checked by the loader like every other part of the declaration.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
import yaml

import xltool.labels as labels
from xltool.errors import SchemaError
from xltool.labels import VARIANT_SCORE, form_variants, known_variants, match_column, match_row, match_title
from xltool.schema import load_form
from xltool.schema.load import FORMS_DIR, form_from_dict


@pytest.fixture(scope="module")
def raw2021() -> dict:
    return yaml.safe_load((FORMS_DIR / "gov-disclosure-2021.yaml").read_text(encoding="utf-8"))


def _strings_in_code(path: Path) -> set[str]:
    """Every string constant of a module except its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            docs.add(id(node.body[0].value))
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    }


def test_no_label_or_variant_is_written_in_the_matching_code():
    texts = set()
    for fid in ("gov-disclosure-2021", "gov-disclosure-2019"):
        form = load_form(fid)
        for t in form.tables:
            texts |= {t.title, *t.title_variants}
            texts |= {x for r in t.rows for x in (r.label, *r.variants)}
            texts |= {x for c in t.columns for x in (c.label, *c.variants)}
    code = _strings_in_code(Path(labels.__file__))
    assert not {s for s in code for x in texts if len(x) >= 2 and x in s}


def test_the_2021_form_declares_the_variants_seen_in_real_reports():
    form = load_form("gov-disclosure-2021")
    assert form.table("t2").row_map["normative"].variants == ("规范性文件",)
    assert form.table("t4").title_variants == ("四、政府信息公开行政法复议、行政诉讼情况",)
    assert form_variants(form) == {
        "规范性文件": "行政规范性文件",
        "四、政府信息公开行政法复议、行政诉讼情况": "四、政府信息公开行政复议、行政诉讼情况",
        "其他组织": "其他",  # the last 法人或其他组织 column, headed as its group says
    }
    assert match_column(form, "t3", "其他组织").target == "other_org"
    m = match_row(form, "t2", "规范性文件")
    assert (m.target, m.official, m.score, m.exact) == ("normative", "行政规范性文件", VARIANT_SCORE, False)
    assert m.describe() == "“规范性文件”按“行政规范性文件”识别（相似度 0.99）"
    assert match_title(form, "四、政府信息公开行政法复议、行政诉讼情况").target == "t4"
    # the 2019 form's own label is exact there
    assert match_row(load_form("gov-disclosure-2019"), "t2", "规范性文件").exact


def test_a_declared_variant_is_what_makes_a_wording_match(raw2021):
    """个人 for 自然人: no similarity reaches it; declared, it is read (and said to be read so)."""
    plain = form_from_dict(copy.deepcopy(raw2021))
    assert match_column(plain, "t3", "个人") is None
    raw = copy.deepcopy(raw2021)
    t3 = next(t for t in raw["tables"] if t["id"] == "t3")
    t3["columns"][0]["variants"] = ["个人"]
    t3["rows"][-1]["variants"] = ["四、结转下年度办理"]
    form = form_from_dict(raw)
    m = match_column(form, "t3", "个 人")  # spaces are generic normalisation
    assert (m.target, m.official, m.found, m.score) == ("natural_person", "自然人", "个 人", VARIANT_SCORE)
    assert match_row(form, "t3", "四、结转下年度办理").target == "carried_forward"
    # a variant leads only to its own label, and only among the candidates asked about
    assert match_row(form, "t2", "个人") is None


def _bad(raw: dict, where: str, value) -> str:
    d = copy.deepcopy(raw)
    node = d
    for part in where.split("/"):
        node = node[int(part)] if part.isdigit() else node[part]
    node["variants" if "title" not in where else "title_variants"] = value
    with pytest.raises(SchemaError) as e:
        form_from_dict(d)
    return str(e.value)


def test_the_loader_checks_variants(raw2021):
    normative = "tables/0/blocks/0/rows/1"
    assert _bad(raw2021, normative, ["行政规范性文件"]) == (
        "tables[0].blocks[0].rows[1].variants[0]: '行政规范性文件' is the official label itself"
    )
    assert _bad(raw2021, normative, "规范性文件") == "tables[0].blocks[0].rows[1].variants: expected a list"
    assert _bad(raw2021, normative, [""]) == "tables[0].blocks[0].rows[1].variants[0]: expected a non-empty text"
    assert _bad(raw2021, normative, ["规范性文件", "规范性文件"]) == (
        "tables[0].blocks[0].rows[1].variants[1]: '规范性文件' is listed twice"
    )
    # a variant that is another row's label would name two rows
    assert _bad(raw2021, normative, ["规章"]) == (
        "tables[0].rows: variant '规章' of row 'normative' also names row 'regulation'"
    )
    assert _bad(raw2021, "tables/1/columns/0", ["商业企业"]) == (
        "tables[1].columns: variant '商业企业' of column 'natural_person' also names column 'commercial'"
    )
    d = copy.deepcopy(raw2021)
    d["tables"][2]["title_variants"] = [d["tables"][2]["title"]]
    with pytest.raises(SchemaError, match=r"^tables\[2\]\.title_variants\[0\]: '.*' is the official label itself$"):
        form_from_dict(d)


def test_variants_of_every_form_lead_to_their_official_labels():
    assert known_variants()["规范性文件"] == "行政规范性文件"
    assert not hasattr(labels, "ALIASES")  # the form declares its variants; no table of labels in code
