"""`meta.import_findings` in an interchange JSON: written by `xltool import`, read back as findings — and a
hand-edited or foreign one with a damaged part is JSON-INVALID, never a crash of validate or consolidate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import cli

DATA = Path(__file__).resolve().parent.parent / "samples" / "published"


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("imp")
    res = CliRunner().invoke(cli, ["import", str(DATA / "zhifu-kjj-2021-report.txt"), "-o", str(out)])
    assert res.exit_code in (0, 1), res.output
    doc = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert doc["meta"]["import_findings"], "the sample's import says something (the missing figure)"
    return doc


@pytest.mark.parametrize(
    "part, bad",
    [("details", ["a"]), ("details", {"zh": 5}), ("cells", 5), ("values", [1, 2]), ("fix", "text"), ("keys", "k")],
)
def test_a_damaged_carried_finding_is_json_invalid_not_a_crash(imported, tmp_path, part, bad):
    doc = json.loads(json.dumps(imported))
    doc["meta"]["import_findings"][0][part] = bad
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(path)])
    assert res.exit_code == 1, res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    assert "JSON-INVALID" in res.output and "import_findings 第 1 项不完整或有误" in res.output


def test_the_carried_findings_come_back_as_written(imported, tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(imported, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(path)])
    assert "JSON-INVALID" not in res.output
    assert imported["meta"]["import_findings"][0]["rule"] in res.output
