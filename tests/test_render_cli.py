"""`xltool render` as a clerk runs it: never over a DATA file, the suffix the format says, numbers as read, and
a warning (exit 1, tables still written) when the data fail the form's rules."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from xltool.cli import cli
from xltool.interchange import UnitReport, load_json, save_json
from xltool.schema import load_form

DATA = Path(__file__).resolve().parent.parent / "samples" / "published"


def test_an_output_over_a_data_file_or_with_another_suffix_is_refused(tmp_path):
    src = tmp_path / "unit.json"
    src.write_bytes((DATA / "zhifu-kjj-2021.json").read_bytes())
    before = src.read_bytes()
    res = CliRunner().invoke(cli, ["render", str(src), "-o", str(src), "--format", "docx"])
    assert res.exit_code == 2 and "是要读取的数据文件之一，不能写在它上面" in res.output
    assert src.read_bytes() == before
    res = CliRunner().invoke(cli, ["render", str(src), "-o", str(tmp_path / "report.xlsx")])
    assert res.exit_code == 2 and "的扩展名与输出格式 docx 不符" in res.output
    assert not (tmp_path / "report.xlsx").exists()
    res = CliRunner().invoke(
        cli, ["--lang", "en", "render", str(src), "-o", str(tmp_path / "r.md"), "--format", "html"]
    )
    assert res.exit_code == 2 and "does not end in .html" in res.output


def test_numbers_are_printed_as_read_and_invalid_data_are_written_with_a_warning(tmp_path):
    form = load_form("gov-disclosure-2021")
    good = load_json(DATA / "zhifu-kjj-2021.json")
    values = dict(good.values)
    values["t2.penalty.decisions"] = "12件"
    values["t2.licensing.decisions"] = "１２"
    values["t3.granted.total"] = 999
    bad = UnitReport(form.id, good.year, good.unit_name, values=values)
    src = tmp_path / "bad.json"
    save_json(bad, src)
    res = CliRunner().invoke(cli, ["render", str(src), "-o", str(tmp_path / "bad.md")])
    assert res.exit_code == 1, res.output
    assert "数据未通过校验（错误 " in res.output and "T3-TOTAL" in res.output
    text = (tmp_path / "bad.md").read_text(encoding="utf-8")
    assert "| 行政处罚 | 12 |" in text and "12件" not in text and "１２" not in text
    assert "999" in text  # written as the data stand: the clerk was told
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(json.loads((DATA / "zhifu-kjj-2021.json").read_text("utf-8"))), encoding="utf-8")
    res = CliRunner().invoke(cli, ["render", str(ok), "-o", str(tmp_path / "ok.md")])
    assert res.exit_code == 0 and "未通过校验" not in res.output
