"""`xltool validate` on interchange JSON: output, the --json report shape, exit codes, --prior, --lang en."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import xltool
from xltool.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "published"
"""Real published data, kept in the repo (copies of shared/data)."""
FILE_KEYS = ["file", "unit", "year", "valid", "counts", "findings"]
"""The issue's keys of a file entry, in its order."""
FILE_EXTRA = {"code", "form"}
"""Keys the report adds beyond the issue's (the unit code and the form id)."""
FINDING_KEYS = ["rule", "severity", "table", "keys", "cells", "values", "left", "right", "delta", "message"]


def seed_doc() -> dict:
    doc = json.loads((DATA / "zhifu-kjj-2021.json").read_text(encoding="utf-8"))
    doc["unit"]["code"] = "370602-D04"
    return doc


def write(path: Path, doc: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def prior_doc(*, name: str = "烟台市芝罘区科学技术局", code: str | None = "370602-D04", carried: int = 0) -> dict:
    """The unit's 2020 data: `carried` applications of natural persons carried forward into 2021."""
    doc = seed_doc()
    doc["year"] = 2020
    doc["unit"] = {"name": name, **({"code": code} if code else {})}
    v = doc["values"]
    for row in ("new_received", "carried_forward"):
        v[f"t3.{row}.natural_person"] = v[f"t3.{row}.total"] = carried
    for row in ("granted", "unable_not_held", "rejected_reconfirm", "results_total"):
        v[f"t3.{row}.natural_person"] = v[f"t3.{row}.total"] = 0
    return doc


def run(*args: str):
    return CliRunner().invoke(cli, ["validate", *args], catch_exceptions=False, prog_name="xltool")


@pytest.fixture()
def files(tmp_path) -> dict[str, Path]:
    ok = write(tmp_path / "kjj.json", seed_doc())
    bad_doc = seed_doc()
    bad_doc["values"]["t3.carried_forward.natural_person"] = 1  # T3-BALANCE in 自然人, T3-TOTAL in its row
    bad = write(tmp_path / "kjj-bad.json", bad_doc)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n "form": "gov-disclosure-2021",\n "year": 2021,,\n "values": {}\n}\n', encoding="utf-8")
    return {"ok": ok, "bad": bad, "broken": broken}


# --- exit codes and text ---------------------------------------------------------------------------------


def test_valid_file_exit_0_and_status_line(files):
    r = run(str(files["ok"]))
    assert r.exit_code == 0
    assert r.stdout == (
        "✔ 通过  kjj.json  烟台市芝罘区科学技术局 2021  错误 0｜警告 0｜提示 0\n\n共 1 个文件：通过 1，未通过 0\n"
    )


def test_error_exit_1_with_the_rule_and_numbers(files):
    r = run(str(files["bad"]))
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "✘ 未通过  kjj-bad.json  烟台市芝罘区科学技术局 2021  错误 2｜警告 0｜提示 0"
    assert lines[1] == "  【错误 T3-BALANCE】表三 “自然人”列：收到与办结不平衡，差 1 件"
    assert lines[2] == "    本年新收政府信息公开申请数量 2 + 上年结转政府信息公开申请数量 0 = 2"
    assert lines[3] == "    ≠ （七）总计 2 + 结转下年度继续办理 1 = 3"
    assert "  【错误 T3-TOTAL】表三 “四、结转下年度继续办理”行：总计与各类申请人之和不符，差 1 件" in lines
    assert lines[-1] == "共 1 个文件：通过 0，未通过 1"


def test_unreadable_json_exit_1_with_its_line(files):
    r = run("--json", str(files["broken"]), str(files["ok"]))
    assert r.exit_code == 1
    rep = json.loads(r.stdout)
    assert rep["valid"] is False
    broken, ok = rep["files"]
    assert (broken["unit"], broken["year"], broken["valid"]) == (None, None, False)
    assert broken["counts"] == {"error": 1, "warning": 0, "info": 0}
    [f] = broken["findings"]
    assert f["rule"] == "JSON-INVALID" and f["severity"] == "error"
    assert "第 3 行" in f["message"]
    assert ok["valid"] is True  # the run goes on after a bad file


@pytest.mark.parametrize(
    "args",
    [
        [],  # no file
        ["/nonexistent/file.json"],
        ["--lang", "fr", "x.json"],
        ["--prior"],  # option without its value
        ["--bogus", "x.json"],
    ],
)
def test_usage_errors_exit_2(args, files):
    args = [a if a != "x.json" else str(files["ok"]) for a in args]
    r = run(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "错误：" in r.stderr and "用法：xltool validate [选项]" in r.stderr
    assert "Error:" not in r.stderr and "Usage:" not in r.stderr  # see tests/test_cli_messages.py


def test_a_folder_without_inputs_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run(str(tmp_path / "empty"))
    assert r.exit_code == 2
    assert "没有找到可校验的文件" in r.stderr


def test_warnings_and_info_alone_exit_0(files, tmp_path):
    prior = write(tmp_path / "prior.json", prior_doc(carried=1))
    r = run(str(files["ok"]), "--prior", str(prior))
    assert r.exit_code == 0
    assert "【警告 X-CARRY】表三 “自然人”列" in r.stdout
    assert r.stdout.startswith("✔ 通过  kjj.json  烟台市芝罘区科学技术局 2021  错误 0｜警告 2｜提示 0\n")


# --- the JSON report ---------------------------------------------------------------------------------------


def test_json_report_shape(files):
    r = run("--json", str(files["ok"]), str(files["bad"]))
    assert r.exit_code == 1
    rep = json.loads(r.stdout)
    assert list(rep) == ["valid", "files"] and rep["valid"] is False
    for entry in rep["files"]:
        assert [k for k in entry if k in FILE_KEYS] == FILE_KEYS
        assert set(entry) - set(FILE_KEYS) == FILE_EXTRA
        assert list(entry["counts"]) == ["error", "warning", "info"]
        for f in entry["findings"]:
            assert list(f) == FINDING_KEYS
            assert f["severity"] in ("error", "warning", "info")
    ok, bad = rep["files"]
    assert (ok["file"], ok["unit"], ok["year"], ok["valid"], ok["findings"]) == (
        str(files["ok"]),
        "烟台市芝罘区科学技术局",
        2021,
        True,
        [],
    )
    assert ok["code"] == "370602-D04" and ok["form"] == "gov-disclosure-2021"
    assert bad["counts"] == {"error": 2, "warning": 0, "info": 0}
    f = bad["findings"][0]
    assert f == {
        "rule": "T3-BALANCE",
        "severity": "error",
        "table": "t3",
        "keys": [
            "t3.new_received.natural_person",
            "t3.carried_over.natural_person",
            "t3.results_total.natural_person",
            "t3.carried_forward.natural_person",
        ],
        "cells": [],
        "values": {
            "t3.new_received.natural_person": 2,
            "t3.carried_over.natural_person": 0,
            "t3.results_total.natural_person": 2,
            "t3.carried_forward.natural_person": 1,
        },
        "left": 2,
        "right": 3,
        "delta": -1,
        "message": "【错误 T3-BALANCE】表三 “自然人”列：收到与办结不平衡，差 1 件\n"
        "  本年新收政府信息公开申请数量 2 + 上年结转政府信息公开申请数量 0 = 2\n"
        "  ≠ （七）总计 2 + 结转下年度继续办理 1 = 3\n"
        "  处理：核对各项办理结果之和是否应为 2，改正后重新报送。",
    }
    assert r.stderr == ""  # no progress bar mixed into a machine-readable run


def test_json_cells_when_the_data_say_where_they_were_read(tmp_path):
    doc = seed_doc()
    doc["values"]["t4.review.total"] = 1
    doc["source"] = {"file": "kjj.xlsx", "sheet_cells": {"t4.review.total": "表四!E6", "t4.review.upheld": "表四!A6"}}
    rep = json.loads(run("--json", str(write(tmp_path / "t4.json", doc))).stdout)
    [f] = rep["files"][0]["findings"]
    assert (f["rule"], f["cells"], f["left"], f["right"]) == ("T4-TOTAL", ["表四!E6", "表四!A6"], 1, 0)
    assert "位置：工作表“表四”E6、A6" in f["message"]


def test_fee_amount_in_json_report_is_the_number_as_written(tmp_path):
    doc = seed_doc()
    doc["values"]["t2.fees.amount"] = "24,252.311082万元"
    rep = json.loads(run("--json", str(write(tmp_path / "fee.json", doc))).stdout)
    [f] = rep["files"][0]["findings"]
    assert f["rule"] == "VALUE-COERCED" and f["values"] == {"t2.fees.amount": "24,252.311082万元"}
    assert "→ 24252.311082（" in f["message"]


# --- --prior -----------------------------------------------------------------------------------------------


def test_prior_file(files, tmp_path):
    consistent = write(tmp_path / "p1.json", prior_doc(carried=0))
    assert run(str(files["ok"]), "--prior", str(consistent)).exit_code == 0
    assert "X-CARRY" not in run(str(files["ok"]), "--prior", str(consistent)).stdout
    off = write(tmp_path / "p2.json", prior_doc(carried=2))
    rep = json.loads(run("--json", str(files["ok"]), "--prior", str(off)).stdout)
    got = [(f["rule"], f["severity"], f["left"], f["right"], f["delta"]) for f in rep["files"][0]["findings"]]
    assert got == [("X-CARRY", "warning", 0, 2, -2), ("X-CARRY", "warning", 0, 2, -2)]


def test_prior_folder_matches_by_code_then_by_name(tmp_path):
    folder = tmp_path / "prior"
    # same code, the unit's former name: carried 1 forward
    write(folder / "a.json", prior_doc(name="烟台市芝罘区科学技术局（旧）", code="370602-D04", carried=1))
    # no code, the unit's name: carried 3 forward
    write(folder / "b.json", prior_doc(name="烟台市芝罘区 科学技术局", code=None, carried=3))
    write(folder / "c.json", prior_doc(name="烟台市芝罘区民政局", code="370602-D06", carried=5))
    with_code = write(tmp_path / "cur" / "with-code.json", seed_doc())
    no_code_doc = seed_doc()
    del no_code_doc["unit"]["code"]
    no_code = write(tmp_path / "cur" / "no-code.json", no_code_doc)
    stranger_doc = seed_doc()
    stranger_doc["unit"] = {"name": "烟台市芝罘区审计局", "code": "370602-D18"}
    stranger = write(tmp_path / "cur" / "stranger.json", stranger_doc)

    rep = json.loads(run("--json", str(with_code), str(no_code), str(stranger), "--prior", str(folder)).stdout)
    by_file = {Path(e["file"]).name: e["findings"] for e in rep["files"]}
    assert [(f["rule"], f["right"]) for f in by_file["with-code.json"]] == [("X-CARRY", 1), ("X-CARRY", 1)]
    assert [(f["rule"], f["right"]) for f in by_file["no-code.json"]] == [("X-CARRY", 3), ("X-CARRY", 3)]
    # a unit not in the folder: said once, as 提示, naming the rules not run
    [f] = by_file["stranger.json"]
    assert (f["rule"], f["severity"]) == ("PRIOR-MISSING", "info")
    assert "X-CARRY, X-IN-FORCE" in f["message"]
    assert rep["valid"] is True


# --- --lang en, --version, the 2019 form ------------------------------------------------------------------


def test_lang_en(files):
    r = run("--lang", "en", str(files["ok"]), str(files["bad"]))
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "VALID   kjj.json  烟台市芝罘区科学技术局 2021  errors 0, warnings 0, info 0"
    assert lines[2] == "INVALID kjj-bad.json  烟台市芝罘区科学技术局 2021  errors 2, warnings 0, info 0"
    assert lines[3] == "  [error T3-BALANCE] 表三 column “自然人”: received and handled do not balance, off by 1"
    assert lines[-1] == "2 files: 1 valid, 1 invalid"
    assert "错误" not in r.stdout and "处理：" not in r.stdout
    rep = json.loads(run("--json", "--lang", "en", str(files["bad"])).stdout)
    assert rep["files"][0]["findings"][0]["message"].startswith("[error T3-BALANCE] 表三 column “自然人”")
    assert rep["files"][0]["findings"][0]["severity"] == "error"


def test_version_in_a_subprocess():
    out = subprocess.run(
        [sys.executable, "-m", "xltool", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"xltool 版本 {xltool.__version__}"


def test_a_2019_form_report_validates(tmp_path):
    from xltool.schema import load_form

    f19 = load_form("gov-disclosure-2019")
    values = {k: 0 for k in f19.input_keys}
    values.update({"t2.licensing.change": -2, "t3.new_received.commercial": 1, "t3.other.commercial": 1})
    doc = {"form": f19.id, "year": 2020, "unit": {"name": "烟台市芝罘区科学技术局"}, "values": values}
    r = run(str(write(tmp_path / "kjj-2020.json", doc)))
    assert r.exit_code == 0, r.stdout
    assert r.stdout.startswith("✔ 通过  kjj-2020.json  烟台市芝罘区科学技术局 2020  错误 0｜警告 0｜提示 0")
    values["t3.other.commercial"] = 2
    r = run(str(write(tmp_path / "kjj-2020-bad.json", doc)))
    assert r.exit_code == 1  # totals absent: derived, so the extra result shows in the balance
    assert "【错误 T3-BALANCE】表三 “商业企业”列：收到与办结不平衡，差 1 件" in r.stdout
    assert "【错误 T3-BALANCE】表三 “总计”列：收到与办结不平衡，差 1 件" in r.stdout


def test_a_folder_with_two_files_of_one_unit_says_so(tmp_path):
    """Two returns of one unit in the folder: validate says which, and whether their figures differ."""
    src = next((ROOT / "samples" / "data").glob("370602-D01_*.json"))
    doc = json.loads(src.read_text(encoding="utf-8"))
    (tmp_path / src.name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    key = next(k for k, v in doc["values"].items() if isinstance(v, int) and k.startswith("t2."))
    doc["values"][key] += 5
    (tmp_path / "修改版.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    other = next((ROOT / "samples" / "data").glob("370602-D02_*.json"))
    (tmp_path / other.name).write_bytes(other.read_bytes())
    roster = str(ROOT / "samples" / "roster.csv")
    res = CliRunner().invoke(cli, ["validate", str(tmp_path), "--roster", roster, "-j", "1"])
    lines = res.output.splitlines()
    i = lines.index("同一单位有多个文件（汇总时只计最新的一份）：")
    assert lines[i + 1] == f"  {doc['unit']['name']}：{src.name}、修改版.json（数值不同：1 处）"
    assert lines[i + 2] == ""  # D02 sent one file: not listed
    res = CliRunner().invoke(cli, ["validate", str(tmp_path), "--roster", roster, "--lang", "en", "-j", "1"])
    assert f"  {doc['unit']['name']}: {src.name}, 修改版.json (figures differ in 1 cell)" in res.output.splitlines()
