"""What a new user's trial of the CLI found, run for real on the returns the tool wrote (samples/returned):

- a path that does not exist among others is a finding about that path; the files that exist are still checked
  (validate, consolidate, campaign collect); only when no path exists is it a usage error (exit 2);
- an output in a folder that exists but cannot be written is said to be not writable (not "folder missing");
- an unknown option gets a suggestion only when one is really close (``--jbos`` → ``--jobs``, not ``--bogus``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.campaign import collect, init_campaign
from xltool.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "roster.csv"
DATA = SAMPLES / "data"


def returned(code: str) -> Path:
    return next((SAMPLES / "returned").glob(f"{code}_*.xlsx"))


def run(*args: str, env: dict[str, str | None] | None = None):
    env = {"XLTOOL_LANG": None, **(env or {})}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env, prog_name="xltool")


@pytest.fixture()
def inbox(tmp_path) -> dict[str, Path]:
    """good.xlsx: D04's return, clean; bad.xlsx: D07's, one TOTAL-STORED error; missing: a path not there."""
    box = tmp_path / "收件"
    box.mkdir()
    return {
        "good": Path(shutil.copy(returned("370602-D04"), box / "good.xlsx")),
        "bad": Path(shutil.copy(returned("370602-D07"), box / "bad.xlsx")),
        "missing": box / "missing.xlsx",
        "missing2": tmp_path / "无此文件夹",
    }


BAD_LINES = [
    "✘ 未通过  bad.xlsx  烟台市芝罘区司法局 2021  错误 1｜警告 0｜提示 0",
    "  【错误 TOTAL-STORED】表四 行政复议 总计：E6 保存的合计 1 与按各项计算的 0 不符",
]


def not_found_lines(path: Path) -> list[str]:
    return [
        "✘ 未通过  missing.xlsx  （未识别单位）  错误 1｜警告 0｜提示 0",
        f"  【错误 FILE-NOT-FOUND】找不到文件或文件夹：{path}",
        "    处理：请检查路径是否写对（文件是否已移动或改名）；路径中有空格时，请用英文引号把整个路径括起来。",
    ]


# --------------------------------------------------------------------------- paths that do not exist


def test_validate_checks_the_file_there_and_names_the_missing_one(inbox):
    r = run("validate", str(inbox["bad"]), str(inbox["missing"]), "--silent")
    assert r.exit_code == 1, r.output  # 1: errors found, or a file could not be read (README)
    lines = r.stdout.splitlines()
    assert lines[:2] == BAD_LINES
    i = lines.index(not_found_lines(inbox["missing"])[0])
    assert lines[i : i + 3] == not_found_lines(inbox["missing"])
    assert lines[-1] == "共 2 个文件：通过 0，未通过 2"
    assert r.stderr == ""


def test_a_missing_file_keeps_its_place_and_a_clean_file_still_passes(inbox):
    r = run("validate", str(inbox["missing"]), str(inbox["good"]), "--silent")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[:2] == not_found_lines(inbox["missing"])[:2]
    assert "✔ 通过  good.xlsx  烟台市芝罘区科学技术局 2021  错误 0｜警告 0｜提示 0" in lines
    assert lines[-1] == "共 2 个文件：通过 1，未通过 1"


def test_a_folder_and_a_missing_path_in_the_order_given(inbox):
    folder = inbox["good"].parent
    r = run("validate", str(inbox["missing2"]), str(folder), str(inbox["missing2"]), "--json", "-j", "1")
    assert r.exit_code == 1
    files = json.loads(r.stdout)["files"]
    assert [f["file"] for f in files] == [str(inbox["missing2"]), str(inbox["bad"]), str(inbox["good"])]
    assert [f["valid"] for f in files] == [False, False, True]


def test_missing_paths_in_json_and_in_english(inbox):
    r = run("validate", str(inbox["bad"]), str(inbox["missing"]), str(inbox["missing2"]), "--json")
    assert r.exit_code == 1
    files = json.loads(r.stdout)["files"]
    assert [(f["file"], f["valid"], [x["rule"] for x in f["findings"]]) for f in files] == [
        (str(inbox["bad"]), False, ["TOTAL-STORED"]),
        (str(inbox["missing"]), False, ["FILE-NOT-FOUND"]),
        (str(inbox["missing2"]), False, ["FILE-NOT-FOUND"]),
    ]
    assert files[1]["findings"][0]["message"].startswith(
        f"【错误 FILE-NOT-FOUND】找不到文件或文件夹：{inbox['missing']}"
    )
    r = run("validate", str(inbox["good"]), str(inbox["missing"]), "--lang", "en")
    assert r.exit_code == 1
    assert f"  [error FILE-NOT-FOUND] No such file or folder: {inbox['missing']}" in r.stdout.splitlines()
    assert r.stdout.splitlines()[-1] == "2 files: 1 valid, 1 invalid"


def test_no_path_there_at_all_is_a_usage_error(inbox):
    a, b = inbox["missing"], inbox["missing2"]
    r = run("validate", str(a), str(b))
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.endswith(f"错误：找不到文件或文件夹：{a}、{b}（参数 文件或文件夹...）\n")
    r = run("validate", str(a), "--lang", "en")
    assert r.exit_code == 2 and r.stderr.endswith(f"Error: Invalid value for 'PATHS...': Path '{a}' does not exist.\n")
    r = run("validate", str(a), str(b), env={"XLTOOL_LANG": "en"})
    assert r.stderr.endswith(f"Error: Invalid value for 'PATHS...': Paths '{a}', '{b}' do not exist.\n")
    r = run("consolidate", str(a), "--roster", str(ROSTER))
    assert r.exit_code == 2 and r.stderr.endswith(f"错误：找不到文件或文件夹：{a}（参数 文件或文件夹...）\n")


def test_the_missing_path_gets_no_annotated_copy_but_is_in_the_report(inbox, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "out"
    r = run(
        "validate", str(inbox["bad"]), str(inbox["missing"]), "--silent",
        "--report", str(out / "校验结果.xlsx"), "--annotate", str(out / "整改"),
    )  # fmt: skip
    assert r.exit_code == 1, r.output
    assert [p.name for p in (out / "整改").iterdir()] == ["bad_校验结果.xlsx"]
    assert "已为 1 个有问题的文件写出整改清单" in r.stderr
    cells = [str(c.value) for row in load_workbook(out / "校验结果.xlsx", read_only=True).worksheets[1].iter_rows()
             for c in row if c.value is not None]  # fmt: skip
    assert "FILE-NOT-FOUND" in cells and "TOTAL-STORED" in cells


def test_consolidate_counts_the_files_there_and_names_the_missing_one(inbox, tmp_path):
    out = tmp_path / "汇总.xlsx"
    args = [str(inbox["good"]), str(inbox["missing"]), "--roster", str(ROSTER), "--silent", "-o", str(out)]
    r = run("consolidate", *args)
    assert r.exit_code == 0, r.output  # 0: the summary was written (README); the missing path is named
    assert r.stderr == f"找不到文件或文件夹：{inbox['missing']}（未汇总）\n"
    assert f"找不到的文件或文件夹，未汇总（1）：{inbox['missing']}" in r.stdout.splitlines()
    assert "计入汇总 1 个单位" in r.stdout.splitlines()
    assert out.is_file()
    doc = json.loads(run("consolidate", *args, "--json").stdout)
    assert doc["not_found"] == [str(inbox["missing"])]
    r = run("consolidate", *args, "--lang", "en")
    assert r.stderr == f"No such file or directory: {inbox['missing']} (left out)\n"
    assert f"Not found, left out (1): {inbox['missing']}" in r.stdout.splitlines()


def test_campaign_collect_takes_the_file_there_and_names_the_missing_one(inbox, tmp_path):
    c, _ = init_campaign(tmp_path / "收集", year=2021, roster=ROSTER)
    c.close()
    r = run("campaign", "collect", str(inbox["good"]), str(inbox["missing"]), "--silent", "--campaign", str(c.root))
    assert r.exit_code == 1, r.output
    assert r.stdout.splitlines() == [
        "  第1版  烟台市芝罘区科学技术局  good.xlsx  错误 0，警告 0",
        f"  找不到文件或文件夹，未收集  {inbox['missing']}",
        "本次收集 1 个文件：新增 1 个版本（通过 1｜有警告 0｜有错误 0），重复 0，找不到 1",
    ]
    doc = json.loads(run("campaign", "status", "科学技术局", "--json", "--campaign", str(c.root)).stdout)
    assert doc["versions"] == 1
    r = run("campaign", "collect", str(inbox["missing"]), "--campaign", str(c.root))
    assert r.exit_code == 2 and r.stderr.endswith(
        f"错误：找不到文件或文件夹：{inbox['missing']}（参数 文件或文件夹...）\n"
    )


# --------------------------------------------------------------------------- outputs that cannot be written


def _unwritable_folder() -> Path | None:
    """A folder that exists where even root cannot make a file: the kernel answers "No such file" (ENOENT)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    try:
        (proc / "xltool-probe.xlsx").open("wb").close()
    except FileNotFoundError:
        return proc
    except OSError:
        return None
    return None  # pragma: no cover - a /proc that takes files


@pytest.fixture(scope="module")
def campaign_with_a_version(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("camp") / "收集"
    c, _ = init_campaign(root, year=2021, roster=ROSTER)
    with c:
        collect(c, [returned("370602-D04")])
    return root


def test_an_output_in_a_folder_that_cannot_be_written(inbox, campaign_with_a_version):
    folder = _unwritable_folder()
    if folder is None:
        pytest.skip("no folder here refuses new files with ENOENT")
    good, data = str(inbox["good"]), str(next(DATA.glob("370602-D04_*.json")))
    cases = [
        (["validate", good, "--report", str(folder / "校验结果.xlsx")], folder / "校验结果.xlsx"),
        (["validate", str(inbox["bad"]), "--annotate", str(folder / "整改")], folder / "整改"),
        (["consolidate", good, "--roster", str(ROSTER), "-o", str(folder / "汇总.xlsx")], folder / "汇总.xlsx"),
        (["consolidate", good, "--roster", str(ROSTER), "--long", str(folder / "长表.csv")], folder / "长表.csv"),
        (["template", "--blank", "-o", str(folder / "模板")], folder / "模板"),
        (["render", data, "-o", str(folder / "报告.docx")], folder / "报告.docx"),
        (["render", data, "-o", f"{folder / '报告'}/"], folder / "报告"),
        (["fill", data, "-o", str(folder / "填好.xlsx")], folder / "填好.xlsx"),
        (["read", good, "-o", str(folder / "数据.json")], folder / "数据.json"),
        (
            ["campaign", "summary", "-o", str(folder / "汇总.xlsx"), "--campaign", str(campaign_with_a_version)],
            folder / "汇总.xlsx",
        ),
    ]
    for args, target in cases:
        r = run(*args, "--silent") if args[0] in ("validate", "consolidate", "template") else run(*args)
        assert r.exit_code == 3, (args, r.output)
        assert r.stderr.endswith(f"错误：无法写入 {target}：文件夹 {folder} 是只读的或没有写入权限\n"), (args, r.stderr)
        assert "找不到" not in r.stderr, args
    r = run("validate", good, "--report", str(folder / "r.xlsx"), "--lang", "en")
    assert r.exit_code == 3
    assert r.stderr == f"Error: cannot write {folder / 'r.xlsx'}: the folder {folder} is read-only or not writable\n"


def test_an_output_in_a_folder_that_is_not_there_is_still_named_missing(inbox, tmp_path):
    r = run("read", str(inbox["good"]), "-o", str(tmp_path / "没有" / "数据.json"))
    assert r.exit_code == 3
    assert r.stderr == f"错误：找不到文件夹：{tmp_path / '没有'}（无法写入 {tmp_path / '没有' / '数据.json'}）\n"


# --------------------------------------------------------------------------- suggestions for a mistyped option


def test_an_unrelated_option_gets_no_suggestion(inbox):
    r = run("validate", "--bogus", str(inbox["good"]))
    assert r.exit_code == 2
    assert r.stderr.endswith(
        "错误：没有 --bogus 这个选项。可用的选项：--prior、--roster、--year、--json、--report、--annotate、--lang、"
        "--silent、--jobs、--help。\n"
    )
    r = run("validate", "--bogus", str(inbox["good"]), "--lang", "en")
    assert r.exit_code == 2 and r.stderr.endswith("Error: No such option '--bogus'.\n")


@pytest.mark.parametrize(
    "args, zh, en",
    [
        (["validate", "--jbos", "2"], "您是否想用 --jobs？", "Did you mean '--jobs'?"),
        (["validate", "--jsno"], "您是否想用 --json？", "Did you mean '--json'?"),
        (["consolidate", "--rooster", "x.csv"], "您是否想用 --roster？", "Did you mean '--roster'?"),
        (["campaign", "status", "--deadlin", "1月20日"], "您是否想用 --deadline？", "Did you mean '--deadline'?"),
    ],
)
def test_a_close_typo_gets_the_option_meant(args, zh, en, inbox):
    r = run(*args, str(inbox["good"]))
    assert r.exit_code == 2
    typed = next(a for a in args if a.startswith("--"))
    assert f"错误：没有 {typed} 这个选项。{zh}可用的选项：" in r.stderr
    r = run(*args, str(inbox["good"]), env={"XLTOOL_LANG": "en"})
    assert r.exit_code == 2 and r.stderr.endswith(f"Error: No such option '{typed}'. {en}\n")


def test_lang_before_the_command_switches_it(inbox):
    r = run("--lang", "en", "validate", str(inbox["good"]))
    assert r.exit_code == 0
    assert r.stdout.startswith("VALID   good.xlsx  烟台市芝罘区科学技术局 2021")


def test_no_progress_label_is_written_into_a_log(tmp_path):
    """stderr that is no terminal (a log, a pipe) gets no bar and no bare '校验' line from it."""
    import subprocess
    import sys

    returned = sorted((Path(__file__).parents[1] / "samples" / "returned").glob("*.xlsx"))[:3]
    run = subprocess.run(
        [sys.executable, "-m", "xltool", "validate", *map(str, returned)],
        capture_output=True,
        text=True,
        env={**os.environ, "XLTOOL_LANG": ""},
    )
    assert run.stderr == "", run.stderr
    assert "共 3 个文件" in run.stdout


def test_one_file_is_counted_as_one_file_in_english():
    import subprocess
    import sys

    d04 = next((Path(__file__).parents[1] / "samples" / "returned").glob("370602-D04_*.xlsx"))
    run = subprocess.run(
        [sys.executable, "-m", "xltool", "validate", "--lang", "en", str(d04)], capture_output=True, text=True
    )
    assert run.stdout.rstrip().endswith("\n1 file: 1 valid, 0 invalid"), run.stdout
