"""What a clerk sees when something goes wrong on the command line: Chinese, never Python's or click's English.

Usage errors (click), bad JSON (json's decoder), files that cannot be read or written (OSError), the help
screens; `--lang en` / XLTOOL_LANG=en give English. And a Word/PDF/OpenDocument file renamed .xlsx gets the
one finding that says so (FILE-MISNAMED), while the same file under its own name is still a published report.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.lo import convert
from xltool.cli import cli
from xltool.errtext import json_error_text, os_error_text
from xltool.sources import load_any

ROOT = Path(__file__).resolve().parent.parent
XLTOOL = ROOT / ".venv" / "bin" / "xltool"
DATA = ROOT / "samples" / "data" / "370602-D04_烟台市芝罘区科学技术局_2021.json"
RETURNED = ROOT / "samples" / "returned" / "370602-D10_烟台市芝罘区住房和城乡建设局_2021.xlsx"
PDF = ROOT / "samples" / "published" / "hongze-district-2024-report.pdf"

ENGLISH = (
    "Error",
    "Usage",
    "Try '",
    "No such",
    "Missing",
    "Invalid value",
    "does not exist",
    "is not one of",
    "is not a valid",
    "is a directory",
    "is a file",
    "requires an argument",
    "does not take a value",
    "Got unexpected",
    "Errno",
    "Expecting",
    "No such file",
    "Permission denied",
    "Not a directory",
    "Is a directory",
    "No space left",
    "Options:",
    "Commands:",
    "Show this message",
    "Show the version",
    "[default",
    "[required",
    "Aborted",
    "Traceback",
)
"""Phrases of click, json and the OS that must never reach a clerk in the default (Chinese) run."""

MY_COMMANDS = ("validate", "fill", "import", "read", "render", "template", "consolidate")
"""Commands whose every help text is Chinese (the campaign group and its subcommands: CAMPAIGN_PAGES)."""


def run(*args: str, env: dict[str, str] | None = None):
    env = env or {"XLTOOL_LANG": None}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env, prog_name="xltool")


def no_english(text: str) -> None:
    found = [p for p in ENGLISH if p in text]
    assert not found, f"English reached the clerk: {found}\n{text}"


# --- click's usage errors ----------------------------------------------------------------------------------


@pytest.fixture()
def ok_json(tmp_path) -> Path:
    return Path(shutil.copy(DATA, tmp_path / "kjj.json"))


USAGE_CASES = [
    # args, the Chinese message (after 错误：), the usage line
    (["validate", "--bogus", "{ok}"], "没有 --bogus 这个选项。", "用法：xltool validate [选项] 文件或文件夹..."),
    (["validate"], "缺少参数 文件或文件夹...：报送的文件", "用法：xltool validate [选项] 文件或文件夹..."),
    (["validate", "{tmp}/无此文件.json"], "找不到文件或文件夹：{tmp}/无此文件.json（参数 文件或文件夹...）", None),
    (["validate", "--lang", "fr", "{ok}"], "选项 --lang 的值“fr”无效，可选的值：zh、en。", None),
    (["validate", "{ok}", "--prior"], "选项 --prior 后面缺少值：应跟一个文件或文件夹的路径。", None),
    (["validate", "-j", "-1", "{ok}"], "选项 -j / --jobs 的值 -1 超出范围：应不小于 0。", None),
    (["validate", "--json=1", "{ok}"], "选项 --json 不带值，直接写 --json 即可", None),
    (["validate", "--report", "{tmp}", "{ok}"], "{tmp} 是一个文件夹，不是文件（选项 --report 需要一个文件）", None),
    (["validate", "--annotate", "{ok}", "{ok}"], "{ok} 是一个文件，不是文件夹（选项 --annotate 需要一个文件夹）", None),
    (["read", "{ok}", "另一个.xlsx"], "多余的参数：另一个.xlsx。", "用法：xltool read [选项] 文件"),
    (
        ["template", "--year", "abc", "-o", "{tmp}"],
        "选项 --year：应为四位数字的年份，如 2021（收到的是“abc”）",
        "用法：xltool template [选项]",
    ),
    (["template", "--blank", "-o", "{tmp}", "--form", "f9"], "选项 --form：没有报表格式“f9”，可选的值：", None),
    (["fill", "{ok}"], "缺少必填的选项 -o / --output，应为一个文件或文件夹的路径。", None),
    (["render", "{ok}", "--format", "pdf"], "选项 --format 的值“pdf”无效，可选的值：docx、html、md。", None),
    (["bogus"], "没有 bogus 这个命令。", "用法：xltool [选项] 命令 [参数]..."),
    (["--bogus"], "没有 --bogus 这个选项。", "用法：xltool [选项] 命令 [参数]..."),
    (["consolidate", "--group-by", "街道", "{ok}"], "选项 --group-by 的值“街道”无效，可选的值：category。", None),
    (
        ["consolidate", "{ok}"],
        "缺少必填的选项 --roster，应为一个文件的路径。",
        "用法：xltool consolidate [选项] 文件或文件夹...",
    ),
    (
        ["consolidate", "{ok}", "--roster", "{ok}", "-o", "{tmp}/汇总.xls"],
        "选项 -o / --output：汇总表应为 .xlsx 文件",
        None,
    ),
    (["campaign", "bogus"], "没有 bogus 这个命令。", "用法：xltool campaign [选项] 命令 [参数]..."),
    (
        ["campaign", "explain", "民政局"],
        "缺少参数 规则：警告的规则代码，如 X-CARRY。",
        "用法：xltool campaign explain [选项] 单位 规则 说明...",
    ),
    (["campaign", "status", "--bogus"], "没有 --bogus 这个选项。", "用法：xltool campaign status [选项] [单位]"),
    (
        ["campaign", "lock", "--version", "abc"],
        "选项 --version 的值“abc”不是整数。",
        "用法：xltool campaign lock [选项] [单位]...",
    ),
    (["campaign", "init", "{tmp}/c", "--roster", "{ok}"], "缺少必填的选项 --year，应为一个整数。", None),
    (["campaign", "summary", "-o", "{tmp}/汇总.csv"], "选项 -o / --output：汇总表应为 .xlsx 文件", None),
]


@pytest.mark.parametrize("args, message, usage", USAGE_CASES, ids=[" ".join(c[0])[:40] for c in USAGE_CASES])
def test_usage_errors_are_chinese_with_exit_2(args, message, usage, ok_json, tmp_path):
    def fill(s: str) -> str:
        return s.replace("{ok}", str(ok_json)).replace("{tmp}", str(tmp_path))

    r = run(*map(fill, args))
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    err = r.stderr
    assert f"错误：{fill(message)}" in err
    if usage:
        assert err.startswith(usage + "\n")
        assert "\n查看帮助：xltool" in err
    no_english(err.replace(str(tmp_path), ""))


def test_an_unknown_option_names_the_options_there_are(ok_json):
    err = run("validate", "--jsno", str(ok_json)).stderr
    assert "没有 --jsno 这个选项。您是否想用 --json？可用的选项：" in err  # jsno/jobs is 0.5 alike: not suggested
    assert (
        "可用的选项：--prior、--roster、--year、--json、--report、--annotate、--lang、--silent、--jobs、--help。" in err
    )


def test_a_wrong_command_lists_the_commands():
    err = run("valdate").stderr
    assert "没有 valdate 这个命令。您是否想用 validate？" in err
    assert "可用的命令：" in err and "validate" in err.split("可用的命令：")[1]


def test_our_own_usage_errors_keep_their_text(tmp_path):
    (tmp_path / "空").mkdir()
    r = run("validate", str(tmp_path / "空"))
    assert r.exit_code == 2
    assert "错误：没有找到可校验的文件" in r.stderr
    no_english(r.stderr.replace(str(tmp_path), ""))


def test_english_on_request(ok_json):
    r = run("validate", "--lang", "en", "--bogus", str(ok_json))
    assert r.exit_code == 2
    assert "Error: No such option '--bogus'" in r.stderr and "Usage: xltool validate" in r.stderr
    assert "错误" not in r.stderr
    r = run("validate", "--bogus", str(ok_json), env={"XLTOOL_LANG": "en"})
    assert r.exit_code == 2 and "Error: No such option '--bogus'" in r.stderr
    r = run("validate", "--lang=en", "--lang", "fr", str(ok_json))  # the last --lang wins; fr is not one
    assert "错误：选项 --lang 的值“fr”无效" in r.stderr


def test_a_bad_language_in_the_environment_is_named_as_such(ok_json):
    r = run("validate", str(ok_json), env={"XLTOOL_LANG": "fr"})
    assert r.exit_code == 2
    assert "错误：环境变量 XLTOOL_LANG 的值“fr”无效，可选的值：zh、en。" in r.stderr


def test_xltool_lang_en_switches_the_report_too(ok_json):
    r = run("validate", str(ok_json), env={"XLTOOL_LANG": "en"})
    assert r.exit_code == 0 and r.stdout.startswith("VALID   kjj.json")


# --- json's decoder ----------------------------------------------------------------------------------------

BROKEN_JSON = [
    ("", "文件是空的（没有任何内容）"),
    ("hello", "JSON 格式错误，第 1 行第 1 列：此处应有一个值"),
    ('{"form": "gov-disclosure-2021",}', "JSON 格式错误，第 1 行第 32 列：此处应有一个用英文双引号括起的字段名"),
    ('{"form" "gov-disclosure-2021"}', "JSON 格式错误，第 1 行第 9 列：字段名后面缺少英文冒号"),
    ('{\n "form": "gov-disclosure-2021"\n "year": 2021}', "JSON 格式错误，第 3 行第 2 列：两项之间缺少英文逗号"),
    ('{"form": "gov-disclosure-2021', "JSON 格式错误，第 1 行第 10 列：引号没有闭合"),
    ('{"unit": {"name": "C:\\d"}}', "JSON 格式错误，第 1 行第 22 列：反斜杠 \\ 的用法无效"),
    ("{} {}", "JSON 格式错误，第 1 行第 4 列：数据结束后还有多余的内容"),
]


@pytest.mark.parametrize("text, message", BROKEN_JSON, ids=[m[:20] for _, m in BROKEN_JSON])
def test_bad_json_is_explained_in_chinese(text, message, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    r = run("validate", str(bad))
    assert r.exit_code == 1
    assert f"【错误 JSON-INVALID】数据文件无法使用：bad.json: {message}" in r.stdout
    no_english(r.stdout + r.stderr)
    doc = json.loads(run("validate", "--json", str(bad)).stdout)
    assert message in doc["files"][0]["findings"][0]["message"]
    r = run("fill", str(bad), "-o", str(tmp_path / "out.xlsx"))
    assert r.exit_code == 3
    assert r.stderr.startswith("错误：bad.json: ") and message in r.stderr
    no_english(r.stderr)
    en = run("validate", "--lang", "en", str(bad)).stdout
    assert "[error JSON-INVALID] The data file cannot be used: bad.json:" in en and "格式" not in en
    if not text:  # no parser's "Expecting value" for a file with nothing in it
        assert "bad.json: the file is empty (nothing in it)" in en


def test_json_error_text_keeps_line_and_column():
    try:
        json.loads('{"a": 1,\n "b": }')
    except json.JSONDecodeError as e:
        assert json_error_text(e, "zh", "a.json") == "a.json: JSON 格式错误，第 2 行第 7 列：此处应有一个值" + (
            "（数字、文字、true/false/null、{…} 或 […]），可能多了逗号或文件不完整"
        )
        assert json_error_text(e, "en") == "not valid JSON, line 2 column 7: Expecting value"


# --- OSError -----------------------------------------------------------------------------------------------


def _no_access_dir() -> Path | None:
    """A folder this process may not create files in (root ignores chmod; /sys refuses even root)."""
    for cand in (Path("/sys"), Path("/proc/1")):
        if cand.is_dir() and not os.access(cand, os.W_OK):
            return cand
        if cand.is_dir():
            try:
                (cand / "xltool-probe").write_text("x")
            except PermissionError:
                return cand
            except OSError:
                continue
    return None


def test_output_in_a_folder_that_does_not_exist(tmp_path):
    r = run("read", str(RETURNED), "-o", str(tmp_path / "没有" / "x.json"))
    assert r.exit_code == 3
    assert r.stderr == f"错误：找不到文件夹：{tmp_path / '没有'}（无法写入 {tmp_path / '没有' / 'x.json'}）\n"


def test_output_under_a_file(tmp_path, ok_json):
    r = run("template", "--blank", "-o", str(ok_json / "模板"))
    assert r.exit_code == 3
    assert r.stderr == f"错误：{ok_json / '模板'} 的路径中有一部分是文件，不是文件夹\n"
    r = run("render", str(ok_json), "-o", str(ok_json / "x.docx"))
    assert r.exit_code == 3
    assert r.stderr == f"错误：已有同名文件：{ok_json}（这里需要一个文件夹）\n"
    no_english(r.stderr)


def test_every_output_under_a_file_is_named(tmp_path, ok_json):
    """Each command that writes, given a path through a file: exit 3, the clerk's words, the path that is wrong."""
    block = tmp_path / "占位"
    block.write_text("x")
    part_is_a_file = "{} 的路径中有一部分是文件，不是文件夹"
    same_name = f"已有同名文件：{block}（这里需要一个文件夹）"
    for args, message in (
        (["validate", str(ok_json), "--silent", "--report", str(block / "校验结果.xlsx")], same_name),
        (
            ["validate", str(ok_json), "--silent", "--annotate", str(block / "整改")],
            part_is_a_file.format(block / "整改"),
        ),
        (["import", str(PDF), "--silent", "-o", str(block / "数据")], part_is_a_file.format(block / "数据")),
        (["fill", str(DATA), "-o", f"{block / '填好'}/"], part_is_a_file.format(block / "填好")),
        (["fill", str(DATA), "-o", str(block / "x.xlsx")], same_name),
        (
            ["consolidate", str(ok_json), "--roster", str(ROOT / "samples" / "roster.csv"), "--silent"]
            + ["-o", str(block / "汇总.xlsx")],
            part_is_a_file.format(block / "汇总.xlsx"),
        ),
    ):
        r = run(*args)
        assert r.exit_code == 3, (args, r.stderr)
        assert r.stderr == f"错误：{message}\n", args
    assert block.read_text() == "x"


def test_outputs_of_inputs_with_one_name_are_numbered(tmp_path):
    """import and render: <name>.json / <name>.md, then <name>-2 for a second input of the same name."""
    for i in (1, 2):
        (tmp_path / f"in{i}").mkdir()
        shutil.copy(PDF, tmp_path / f"in{i}" / "报告.pdf")
        shutil.copy(DATA, tmp_path / f"in{i}" / "数据.json")
    r = run("import", str(tmp_path / "in1" / "报告.pdf"), str(tmp_path / "in2" / "报告.pdf"), "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["报告-2.json", "报告.json"]
    r = run("render", str(tmp_path / "in1" / "数据.json"), str(tmp_path / "in2" / "数据.json"), "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == [str(tmp_path / "数据.docx"), str(tmp_path / "数据-2.docx")]
    assert "已生成 烟台市芝罘区科学技术局 2021 年度：" in r.stderr


def test_output_is_a_folder(tmp_path, ok_json):
    (tmp_path / "x.xlsx").mkdir()
    r = run("read", str(RETURNED), "-o", str(tmp_path / "x.xlsx"))
    assert r.exit_code == 2  # click checks it first: a usage error
    assert f"错误：{tmp_path / 'x.xlsx'} 是一个文件夹，不是文件（选项 -o / --output 需要一个文件）" in r.stderr


def test_output_without_permission(ok_json):
    denied = _no_access_dir()
    if denied is None:
        pytest.skip("no folder here refuses writing")
    for args, where in (
        (["read", str(RETURNED), "-o", str(denied / "x.json")], denied / "x.json"),
        (["validate", str(ok_json), "--report", str(denied / "校验结果.xlsx")], denied / "校验结果.xlsx"),
        (["render", str(ok_json), "-o", str(denied / "x.docx")], denied / "x.docx"),
    ):
        r = run(*args)
        assert r.exit_code == 3, (args, r.stderr)
        assert f"错误：没有权限写入：{where}" in r.stderr
        no_english(r.stderr)
    r = run("read", str(RETURNED), "-o", str(denied / "x.xlsx"))
    assert "（如该文件正在 Excel 或 WPS 中打开，请先关闭）" in r.stderr


def test_a_folder_given_as_a_file_to_the_library(tmp_path):
    (tmp_path / "a.xlsx").mkdir()
    loaded = load_any(tmp_path / "a.xlsx")
    [f] = loaded.findings
    assert loaded.report is None and f.rule == "FILE-UNREADABLE"
    assert f.title["zh"] == "文件无法读取：这是一个文件夹，不是文件"
    no_english(f.message("zh"))


def test_os_error_texts_from_real_errors(tmp_path):
    try:
        open(tmp_path / "无" / "a.xlsx", "rb")
    except OSError as e:
        assert os_error_text(e) == f"找不到文件或文件夹：{tmp_path / '无' / 'a.xlsx'}"
        assert os_error_text(e, path="") == "找不到文件或文件夹"
        assert os_error_text(e, "en") == f"No such file or directory: {tmp_path / '无' / 'a.xlsx'}"
    try:
        open(tmp_path, "wb")
    except OSError as e:
        assert os_error_text(e, writing=True) == f"{tmp_path} 是一个文件夹，不是文件"
    dev_full = Path("/dev/full")
    if dev_full.exists() and stat.S_ISCHR(dev_full.stat().st_mode):
        try:
            with open(dev_full, "wb", buffering=0) as f:
                f.write(b"x" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC
            assert os_error_text(e, path="汇总.xlsx", writing=True) == "磁盘已满，无法写入：汇总.xlsx"
            assert os_error_text(e, path="") == "磁盘已满"
    weird = OSError(errno.EL2HLT if hasattr(errno, "EL2HLT") else 51, "Level 2 halted", "a.xlsx")
    assert os_error_text(weird, writing=True) == f"无法写入文件：a.xlsx（系统错误代码 {weird.errno}）"


# --- --help and --version ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MY_COMMANDS)
def test_help_is_chinese_and_keeps_the_option_names(name):
    r = run(name, "--help")
    assert r.exit_code == 0
    out = r.stdout
    assert out.startswith(f"用法：xltool {name} [选项]")
    assert "\n选项：\n" in out and "显示本帮助并退出。" in out and "示例：" in out
    no_english(out)
    cmd = cli.get_command(None, name)
    for p in cmd.params:
        assert p.help and any("\u4e00" <= c <= "\u9fff" for c in p.help), (name, p.name)
        for opt in getattr(p, "opts", []):
            if opt.startswith("-"):
                assert opt in out, (name, opt)
    en = run(name, "--help", "--lang", "en").stdout
    assert en.startswith(f"Usage: xltool {name} [OPTIONS]") and "Show this message and exit." in en
    assert "选项：" not in en and "示例：" not in en
    assert run(name, "-h", env={"XLTOOL_LANG": "en"}).stdout == en


def test_top_help_and_version():
    out = run("--help").stdout
    assert out.startswith("用法：xltool [选项] 命令 [参数]...")
    assert "\n命令：\n" in out and "  validate     按报表的全部校验规则检查报送的文件" in out
    assert "显示版本号并退出。" in out
    for name in MY_COMMANDS:
        line = next(x for x in out.splitlines() if x.startswith(f"  {name} "))
        no_english(line)
    from xltool import __version__

    assert run("--version").stdout == f"xltool 版本 {__version__}\n"
    assert run("--version", env={"XLTOOL_LANG": "en"}).stdout == f"xltool, version {__version__}\n"


def test_help_lines_fit_a_console():
    """Chinese characters are two columns wide: click's wrapping would give lines twice too long."""
    import unicodedata

    for name in MY_COMMANDS:
        for line in run(name, "--help").stdout.splitlines():
            if line.startswith("      xltool "):
                continue  # example command lines are kept as written
            width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
            assert width <= 82, (name, line)


# --- the real program, in a subprocess ---------------------------------------------------------------------


def test_the_installed_program(tmp_path):
    if not XLTOOL.exists():
        pytest.skip(".venv/bin/xltool is not installed")
    env = {k: v for k, v in os.environ.items() if k != "XLTOOL_LANG"}
    (tmp_path / "bad.json").write_text("", encoding="utf-8")
    cases = [
        (["validate", "--jbos", str(DATA)], 2, "错误：没有 --jbos 这个选项。您是否想用 --jobs？"),
        (["validate", str(tmp_path / "no.json")], 2, f"错误：找不到文件或文件夹：{tmp_path / 'no.json'}"),
        (["validate", str(tmp_path / "bad.json")], 1, "【错误 JSON-INVALID】数据文件无法使用：bad.json: 文件是空的"),
        (["template", "--blank", "-o", str(DATA / "x")], 3, f"错误：{DATA / 'x'} 的路径中有一部分是文件，不是文件夹"),
        (["validate", "--help"], 0, "用法：xltool validate [选项] 文件或文件夹..."),
    ]
    for args, code, text in cases:
        p = subprocess.run([str(XLTOOL), *args], capture_output=True, text=True, timeout=120, env=env)
        out = p.stdout + p.stderr
        assert p.returncode == code, (args, out)
        assert text in out, (args, out)
        no_english(out.replace(str(tmp_path), ""))


def test_ctrl_c_in_the_installed_program(tmp_path):
    if not XLTOOL.exists():
        pytest.skip("needs .venv/bin/xltool")
    import signal
    import time

    # a folder the program is busy with for seconds (hard links: no disk to speak of); a pipe no longer serves:
    # the reader refuses to open one (opening it would wait forever)
    src = sorted((Path(__file__).resolve().parent.parent / "samples" / "returned").glob("*.xlsx"))[0]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(3000):
        os.link(src, inbox / f"{i:04d}.xlsx")
    env = {k: v for k, v in os.environ.items() if k != "XLTOOL_LANG"}
    env["XLTOOL_CACHE_DIR"] = str(tmp_path / "cache")
    p = subprocess.Popen(
        [str(XLTOOL), "validate", "-j", "1", str(inbox)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    assert (out, err) == ("", "\n已中断。\n")


# --- a document renamed .xlsx ------------------------------------------------------------------------------

MISNAMED_FIX = "改扩展名不会把文件变成 Excel 工作簿。请报送用下发的 Excel 模板填好的文件"


def only_finding(path: Path):
    loaded = load_any(path)
    assert loaded.report is None, path
    [f] = loaded.findings
    return f


@pytest.fixture(scope="module")
def word_files(tmp_path_factory) -> dict[str, Path]:
    """A Word document made with python-docx, and a published report written by `xltool render`."""
    import docx

    d = tmp_path_factory.mktemp("word")
    doc = docx.Document()
    doc.add_heading("烟台市芝罘区科学技术局2021年政府信息公开工作年度报告", 1)
    doc.add_paragraph("一、总体情况")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "本年新收政府信息公开申请数量", "3"
    doc.save(d / "说明.docx")
    assert run("render", str(DATA), "-o", str(d / "报告.docx")).exit_code == 0
    return {"plain": d / "说明.docx", "report": d / "报告.docx"}


def test_a_word_document_renamed_xlsx(word_files, tmp_path):
    renamed = Path(shutil.copy(word_files["plain"], tmp_path / "科学技术局.xlsx"))
    f = only_finding(renamed)
    assert (f.rule, f.severity) == ("FILE-MISNAMED", "error")
    assert f.title["zh"] == "这是一个 Word 文档（.docx），不是 Excel 工作簿，被改成了 .xlsx 扩展名"
    assert f.fix["zh"].startswith(MISNAMED_FIX) and "*.xlsx" in f.fix["zh"]
    assert f.title["en"] == "This is a Word document (.docx), not an Excel workbook; it was renamed to .xlsx"
    r = run("validate", str(renamed))
    assert r.exit_code == 1
    assert r.stdout.splitlines()[:2] == [
        "✘ 未通过  科学技术局.xlsx  （未识别单位）  错误 1｜警告 0｜提示 0",
        "  【错误 FILE-MISNAMED】这是一个 Word 文档（.docx），不是 Excel 工作簿，被改成了 .xlsx 扩展名",
    ]
    r = run("read", str(renamed))
    assert r.exit_code == 1
    assert r.stderr.startswith("【错误 FILE-MISNAMED】这是一个 Word 文档（.docx）")


def test_a_report_renamed_xlsx_is_not_imported_but_under_its_name_it_is(word_files, tmp_path):
    report = load_any(word_files["report"])
    assert report.report is not None and report.report.unit_name == "烟台市芝罘区科学技术局"
    assert report.report.values["t3.new_received.natural_person"] == 2
    assert "FILE-MISNAMED" not in [f.rule for f in report.findings]
    for suffix in (".xlsx", ".xls", ".et"):
        f = only_finding(Path(shutil.copy(word_files["report"], tmp_path / f"报告{suffix}")))
        assert f.title["zh"] == f"这是一个 Word 文档（.docx），不是 Excel 工作簿，被改成了 {suffix} 扩展名"


def test_a_pdf_renamed_xlsx(tmp_path):
    assert load_any(PDF).report is not None  # a published report under its own name: imported as today
    f = only_finding(Path(shutil.copy(PDF, tmp_path / "洪泽区.xlsx")))
    assert f.rule == "FILE-MISNAMED"
    assert f.title["zh"] == "这是一个 PDF 文件（.pdf），不是 Excel 工作簿，被改成了 .xlsx 扩展名"


def test_libreoffice_documents_renamed_xlsx(word_files, soffice, tmp_path):
    [odt] = convert([word_files["plain"]], "odt", tmp_path / "odt", soffice=soffice)
    [doc] = convert([word_files["plain"]], "doc:MS Word 97", tmp_path / "doc", soffice=soffice)
    f = only_finding(Path(shutil.copy(odt, tmp_path / "a.xlsx")))
    assert f.title["zh"] == "这是一个 OpenDocument 文本文档（.odt），不是 Excel 工作簿，被改成了 .xlsx 扩展名"
    f = only_finding(Path(shutil.copy(doc, tmp_path / "b.xls")))
    assert f.title["zh"] == "这是一个 Word 97-2003 文档（.doc），不是 Excel 工作簿，被改成了 .xls 扩展名"
    # under their own names they are not "renamed"
    assert "FILE-MISNAMED" not in [x.rule for x in load_any(odt).findings + load_any(doc).findings]


def test_a_presentation_renamed_xlsx(tmp_path):
    # No program here writes .pptx (LibreOffice without Impress, no python-pptx): the package's parts as
    # PowerPoint lays them out, which is what the dispatch looks at.
    import zipfile

    p = tmp_path / "汇报.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("ppt/presentation.xml", '<?xml version="1.0"?><p:presentation/>')
        z.writestr("ppt/slides/slide1.xml", '<?xml version="1.0"?><p:sld/>')
    f = only_finding(p)
    assert f.title["zh"] == "这是一个 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿，被改成了 .xlsx 扩展名"
    damaged = tmp_path / "汇报2.xlsx"
    damaged.write_bytes(p.read_bytes()[:-30])  # no central directory: judged by the local headers
    assert only_finding(damaged).rule == "FILE-MISNAMED"


def test_real_workbooks_are_not_misnamed():
    loaded = load_any(RETURNED)
    assert loaded.report is not None
    assert "FILE-MISNAMED" not in [f.rule for f in loaded.findings]


# --- campaign and consolidate ------------------------------------------------------------------------------

CAMPAIGN_PAGES = ["campaign", *(f"campaign {name}" for name in cli.get_command(None, "campaign").commands)]
"""The help screens of the campaign group and of each of its subcommands."""

_CJK = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_METAVARS = re.compile(r"\b(PATHS|UNITS?|FILE|RULE|TEXT|DIRECTORY|OPTIONS|COMMAND|ARGS)\b")


def _command(path: str):
    cmd = cli
    for word in path.split():
        cmd = cmd.commands[word]
    return cmd


@pytest.mark.parametrize("path", CAMPAIGN_PAGES)
def test_campaign_help_is_chinese(path):
    words = path.split()
    r = run(*words, "--help")
    assert r.exit_code == 0
    out = r.stdout
    usage = out.splitlines()[0]
    assert usage.startswith(f"用法：xltool {path} [选项]")
    assert not _ENGLISH_METAVARS.search(usage), usage
    assert "\n选项：\n" in out and "显示本帮助并退出。" in out and "示例：" in out
    no_english(out)
    cmd = _command(path)
    assert _CJK.search(cmd.help) and cmd.help_en and not cmd.help_en.startswith(cmd.help[:10])
    for p in cmd.params:
        assert p.help and _CJK.search(p.help), (path, p.name)
        assert p.help_en and p.help_en != p.help, (path, p.name)
        for opt in getattr(p, "opts", []):
            if opt.startswith("-"):
                assert opt in out, (path, opt)
    # English: the group takes --lang (so it works before any subcommand), and XLTOOL_LANG=en
    en = run("campaign", "--lang", "en", *words[1:], "--help").stdout
    assert en.startswith(f"Usage: xltool {path} [OPTIONS]") and "Show this message and exit." in en
    assert "选项：" not in en and "示例：" not in en and "Example:" in en
    assert run(*words, "-h", env={"XLTOOL_LANG": "en"}).stdout == en


def test_campaign_help_lists_its_commands_in_chinese():
    out = run("campaign", "--help").stdout
    listed = out.split("\n命令：\n", 1)[1]
    for name in cli.get_command(None, "campaign").commands:
        line = next(x for x in listed.splitlines() if x.startswith(f"  {name} "))
        assert _CJK.search(line), line
    assert "  status     各单位的进度：未发 / 已发未收 / 已收有错误 / 已收待说明 / 已接受" in out
    assert run("campaign", "--help", "--lang", "en").stdout.startswith("Usage: xltool campaign [OPTIONS] COMMAND")


def test_campaign_status_help_names_its_argument():
    out = run("campaign", "status", "--help").stdout
    assert out.startswith("用法：xltool campaign status [选项] [单位]\n")
    assert "\n参数：\n  [单位]  只看这个单位（代码或名称）" in out
    assert "  --reminder         输出一份可直接发送的催报通知" in out
    assert "  --campaign 文件夹  收集文件夹（默认：当前文件夹或其上级中的收集文件夹）。" in out
    en = run("campaign", "status", "--help", "--lang", "en").stdout
    assert en.startswith("Usage: xltool campaign status [OPTIONS] [UNIT]\n")
    assert "--campaign DIRECTORY  The campaign folder" in en


def test_consolidate_help_usage_line():
    out = run("consolidate", "--help").stdout
    assert out.startswith("用法：xltool consolidate [选项] 文件或文件夹...\n")
    assert "  --include-warnings / --accepted-only\n" in out and "[默认：" in out
    en = run("consolidate", "--help", env={"XLTOOL_LANG": "en"}).stdout
    assert en.startswith("Usage: xltool consolidate [OPTIONS] PATHS...\n") and "[default: include-warnings]" in en


def test_help_lines_of_campaign_and_consolidate_fit_a_console():
    import unicodedata

    for path in [*CAMPAIGN_PAGES, "consolidate"]:
        for line in run(*path.split(), "--help").stdout.splitlines():
            if line.startswith("      xltool ") or line.startswith("      cd "):
                continue  # example command lines are kept as written
            width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
            assert width <= 82, (path, line)


def test_campaign_usage_error_in_english_on_request():
    r = run("campaign", "explain", "民政局", env={"XLTOOL_LANG": "en"})
    assert r.exit_code == 2
    assert r.stderr.startswith("Usage: xltool campaign explain [OPTIONS] UNIT RULE TEXT...\n")
    assert "Error: Missing argument 'RULE'." in r.stderr and "错误" not in r.stderr


ROSTER = ROOT / "samples" / "roster.csv"


def test_consolidate_output_in_a_folder_that_does_not_exist(tmp_path, ok_json):
    out = tmp_path / "没有" / "汇总.xlsx"  # the folder is made, as a clerk expects of "save as"
    r = run("consolidate", str(ok_json), "--roster", str(ROSTER), "-o", str(out), "--silent")
    assert r.exit_code == 0, r.output
    assert out.is_file() and f"已写入：{out}" in r.stdout
    long = tmp_path / "也没有" / "长表.csv"
    r = run("consolidate", str(ok_json), "--roster", str(ROSTER), "--long", str(long), "--silent")
    assert r.exit_code == 0, r.output
    assert long.read_text(encoding="utf-8-sig").startswith("unit,code,category,table,")
    no_english(r.stdout + r.stderr)


def test_consolidate_output_under_a_file(ok_json):
    args = ("consolidate", str(ok_json), "--roster", str(ROSTER), "--silent")
    r = run(*args, "-o", str(ok_json / "汇总.xlsx"))
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr == f"错误：{ok_json / '汇总.xlsx'} 的路径中有一部分是文件，不是文件夹\n"  # not its .tmp file
    r = run(*args, "--long", str(ok_json / "分" / "长表.csv"))
    assert r.exit_code == 3
    assert r.stderr == f"错误：{ok_json / '分'} 的路径中有一部分是文件，不是文件夹\n"
    r = run(*args, "-o", str(ok_json / "汇总.xlsx"), env={"XLTOOL_LANG": "en"})
    assert r.exit_code == 3 and r.stderr == f"Error: Not a directory: {ok_json / '汇总.xlsx'}\n"


def test_campaign_files_that_cannot_be_written_or_read(tmp_path, ok_json):
    r = run("campaign", "init", str(ok_json / "2021收集"), "--year", "2021", "--roster", str(ROSTER))
    assert r.exit_code == 3
    assert r.stderr == f"错误：{ok_json / '2021收集'} 的路径中有一部分是文件，不是文件夹\n"

    camp = tmp_path / "2021收集"
    assert run("campaign", "init", str(camp), "--year", "2021", "--roster", str(ROSTER)).exit_code == 0
    r = run("campaign", "collect", "--campaign", str(camp), str(ok_json))
    assert r.exit_code == 0, r.output
    out = tmp_path / "新文件夹" / "汇总.xlsx"
    r = run("campaign", "summary", "--campaign", str(camp), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.is_file()
    r = run("campaign", "summary", "--campaign", str(camp), "-o", str(ok_json / "汇总.xlsx"))
    assert r.exit_code == 3
    assert r.stderr == f"错误：{ok_json / '汇总.xlsx'} 的路径中有一部分是文件，不是文件夹\n"

    mem = Path("/proc/self/mem")  # opens, but reading it at offset 0 fails with EIO: a disk that fails
    if not mem.exists():
        pytest.skip("no /proc/self/mem here")
    (tmp_path / "坏.xlsx").symlink_to(mem)
    r = run("campaign", "collect", "--campaign", str(camp), str(tmp_path / "坏.xlsx"))
    assert r.exit_code == 1
    assert r.stdout.startswith("  无法读取原文件  坏.xlsx  读写磁盘出错\n")
    no_english(r.stdout + r.stderr)
    en = run("campaign", "collect", "--campaign", str(camp), "--lang", "en", str(tmp_path / "坏.xlsx")).stdout
    assert en.startswith("  cannot read  坏.xlsx  Input/output error\n")


# --- the library's own messages ----------------------------------------------------------------------------


def test_load_json_says_why_in_chinese(tmp_path):
    from xltool.errors import InterchangeError
    from xltool.errtext import xltool_error_text
    from xltool.interchange import load_json

    bad = tmp_path / "坏.json"
    bad.write_text('{"form": "gov-disclosure-2021",}', encoding="utf-8")
    with pytest.raises(InterchangeError) as ei:
        load_json(bad)
    assert (
        str(ei.value)
        == "坏.json: JSON 格式错误，第 1 行第 32 列：此处应有一个用英文双引号括起的字段名，可能多了一个逗号"
    )
    assert xltool_error_text(ei.value, "en", "坏.json") == (
        "坏.json: not valid JSON, line 1 column 32: Expecting property name enclosed in double quotes"
    )
    with pytest.raises(InterchangeError) as ei:
        load_json(tmp_path / "无.json")
    assert str(ei.value) == "无.json: 找不到文件或文件夹"
    assert xltool_error_text(ei.value, "en") == f"No such file or directory: {tmp_path / '无.json'}"
    (tmp_path / "夹.json").mkdir()
    with pytest.raises(InterchangeError) as ei:
        load_json(tmp_path / "夹.json")
    assert str(ei.value) == "夹.json: 这是一个文件夹，不是文件"


def test_fill_with_a_template_that_is_not_a_workbook(tmp_path, ok_json):
    for name, content in (("模板.xlsx", b"not a workbook"), ("模板.xls", ROSTER.read_bytes())):
        (tmp_path / name).write_bytes(content)
        r = run("fill", str(ok_json), "-t", str(tmp_path / name), "-o", str(tmp_path / "out.xlsx"))
        assert r.exit_code == 2
        why = "不是 .xlsx 格式的 Excel 工作簿，或文件已损坏。请使用 xltool template 生成的模板。"
        assert r.stderr == f"错误：模板 {name} 无法打开：{why}\n"
        no_english(r.stderr)


# --------------------------------------------------------------------------- found by a new-user trial

SAMPLE_WITH_ERRORS = Path(__file__).resolve().parent.parent / "samples" / "returned"


def _a_return(tmp_path: Path) -> Path:
    src = next(SAMPLE_WITH_ERRORS.glob("370602-D19_*.xlsx"))
    return Path(shutil.copy(src, tmp_path / src.name))


def test_validate_refuses_to_write_its_report_over_a_return(tmp_path):
    ret = _a_return(tmp_path)
    before = ret.read_bytes()
    r = run("validate", str(ret), "--report", str(ret))
    assert r.exit_code == 2
    assert "是要校验的报送文件之一，不能用它保存校验结果" in r.output
    assert ret.read_bytes() == before  # the department's file is untouched


def test_validate_report_must_be_xlsx_and_says_where_it_wrote(tmp_path):
    ret = _a_return(tmp_path)
    r = run("validate", str(ret), "--report", str(tmp_path / "r.csv"))
    assert r.exit_code == 2 and "校验结果工作簿应为 .xlsx 文件" in r.output
    assert not (tmp_path / "r.csv").exists()
    out, ann = tmp_path / "校验结果.xlsx", tmp_path / "整改"
    r = run("validate", str(ret), "--report", str(out), "--annotate", str(ann))
    assert r.exit_code == 1
    assert f"校验结果已写入：{out}" in r.output and f"已为 1 个有问题的文件写出整改清单：{ann}" in r.output
    assert out.is_file() and len(list(ann.glob("*.xlsx"))) == 1


def test_a_text_file_named_xlsx_is_said_to_be_text(tmp_path):
    p = tmp_path / "说明.xlsx"
    p.write_text("这是一段说明文字\n第二行\n", encoding="utf-8")
    (f,) = load_any(p).findings
    assert f.rule == "FILE-MISNAMED"
    assert f.title["zh"] == "这是一个 纯文本文件（.txt），不是 Excel 工作簿，被改成了 .xlsx 扩展名"
    csv = tmp_path / "data.csv"
    csv.write_text("甲\n乙\n", encoding="utf-8")
    assert all(f.rule != "FILE-MISNAMED" for f in load_any(csv).findings)


def test_top_level_help_takes_lang(tmp_path):
    r = run("--lang", "en", "--help")
    assert r.exit_code == 0 and "Usage: xltool" in r.output and "Commands:" in r.output
    r = run("--help")
    assert r.exit_code == 0 and "用法：xltool" in r.output


def test_outputs_written_into_the_inbox_are_warned_about(tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    _a_return(inbox)
    r = run("validate", str(inbox), "--annotate", str(inbox / "整改"))
    assert r.exit_code == 1
    assert "在要读取的文件夹" in r.output and "会被当作报送文件读取" in r.output
    r = run("validate", str(inbox), "--report", str(tmp_path / "校验结果.xlsx"))
    assert "会被当作报送文件读取" not in r.output


BAD_DOCS = [
    ("[1, 2]", "不是一个 JSON 对象", "not a JSON object"),
    ('{"form": "gov-disclosure-2021", "values": {}, "colour": 1}', "未知字段 colour", "unknown field(s) colour"),
    ('{"values": {}}', "缺少 form 字段", "no form field"),
    ('{"form": "gov-disclosure-1999", "values": {}}', "未知报表格式", "unknown form 'gov-disclosure-1999'"),
    ('{"form": "gov-disclosure-2021", "year": "2021", "values": {}}', "year 应为整数年份", "must be a whole year"),
    ('{"form": "gov-disclosure-2021", "unit": "某局", "values": {}}', "unit 应为", "unit must be"),
    ('{"form": "gov-disclosure-2021"}', "缺少 values 对象", "no values object"),
    ('{"form": "gov-disclosure-2021", "values": {"t9.x": 1}}', "未知单元格键：t9.x", "unknown cell key(s): t9.x"),
    (
        '{"form": "gov-disclosure-2021", "values": {"t2.regulation.issued": [1]}}',
        "t2.regulation.issued 的值应为数字",
        "must be a number",
    ),
]


@pytest.mark.parametrize(("text", "zh", "en"), BAD_DOCS, ids=[d[2][:16] for d in BAD_DOCS])
def test_a_json_document_of_the_wrong_shape_is_told_in_the_runs_language(text, zh, en, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    out = run("validate", str(bad)).stdout
    assert f"【错误 JSON-INVALID】数据文件无法使用：bad.json: {zh}" in out
    out_en = run("validate", "--lang", "en", str(bad)).stdout
    assert "[error JSON-INVALID] The data file cannot be used: bad.json: " in out_en and en in out_en
    chinese = [ch for ch in out_en if "\u4e00" <= ch <= "\u9fff"]
    assert chinese == [], out_en


@pytest.mark.parametrize("year", ["21", "二〇二一", "1999", "20211"])
def test_a_year_that_is_not_four_digits_is_a_usage_error(tmp_path, year):
    """`--year 21` wrote 36 templates named …_21.xlsx; every return then failed as 本次收集的是 21 年."""
    roster = Path(__file__).resolve().parent.parent / "samples" / "roster.csv"
    res = CliRunner().invoke(cli, ["template", "--roster", str(roster), "--year", year, "-o", str(tmp_path / "t")])
    assert res.exit_code == 2 and f"应为四位数字的年份，如 2021（收到的是“{year}”）" in res.output
    assert not (tmp_path / "t").exists()
    res = CliRunner().invoke(cli, ["--lang", "en", "template", "--roster", str(roster), "--year", year, "-o", "t"])
    assert res.exit_code == 2 and "must be a four-digit year such as 2021" in res.output
