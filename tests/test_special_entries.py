"""What a folder of returns may hold besides files: links (to a file, to a folder, broken, looping), a pipe.

Every entry is listed with what it is — nothing in a folder vanishes (README) — a link to a folder is read
once (a loop is not followed), and nothing waits forever: opening a pipe blocks until a writer comes, so no
reader may open one (validate named a pipe hung; consolidate hung on the pipe in a folder).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xltool.hashing import sha256_file
from xltool.sources import expand_paths, load_any

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes and links as on Linux")


@pytest.fixture
def odd(tmp_path: Path) -> Path:
    returns = sorted((SAMPLES / "returned").glob("*.xlsx"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ok.xlsx").write_bytes(returns[0].read_bytes())
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir()
    (elsewhere / "linked.xlsx").write_bytes(returns[1].read_bytes())
    os.symlink(elsewhere, inbox / "共享文件夹")
    os.symlink(".", inbox / "loop")
    os.symlink("..", inbox / "up")  # back up to tmp_path, which holds shared/: its files are not this folder's
    os.symlink("b_link", inbox / "a_link")
    os.symlink("a_link", inbox / "b_link")
    os.symlink(tmp_path / "nowhere.xlsx", inbox / "gone.xlsx")
    os.mkfifo(inbox / "fifo.xlsx")
    os.mkfifo(inbox / "pipe.json")
    return inbox


def test_every_entry_is_listed_and_a_linked_folder_is_read_once(odd):
    names = sorted(p.name for p in expand_paths([odd]))
    assert names == sorted(["ok.xlsx", "linked.xlsx", "a_link", "b_link", "gone.xlsx", "fifo.xlsx", "pipe.json"])


def test_each_special_entry_gets_its_finding_without_being_opened(odd):
    rules = {p.name: [f.rule for f in load_any(p).findings] for p in expand_paths([odd])}
    assert rules["fifo.xlsx"] == ["FILE-NOT-REGULAR"] and rules["pipe.json"] == ["FILE-NOT-REGULAR"]
    assert rules["a_link"] == ["FILE-UNREADABLE"] and rules["gone.xlsx"] == ["FILE-UNREADABLE"]
    assert "符号链接）循环" in load_any(odd / "a_link").findings[0].message()
    assert "指向的文件不存在" in load_any(odd / "gone.xlsx").findings[0].message()
    assert rules["ok.xlsx"] == [] and rules["linked.xlsx"] == []
    with pytest.raises(OSError):
        sha256_file(odd / "fifo.xlsx")  # the digest every command takes: refused, not waited on


def _run(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XLTOOL_CACHE_DIR": str(home / "cache")}
    return subprocess.run([sys.executable, "-m", "xltool", *args], capture_output=True, env=env, timeout=120)


def test_validate_and_consolidate_list_them_and_finish(odd, tmp_path):
    run = _run("validate", str(odd / "fifo.xlsx"), home=tmp_path)
    assert run.returncode == 1 and "FILE-NOT-REGULAR" in run.stdout.decode()
    run = _run("validate", str(odd), home=tmp_path)
    out = run.stdout.decode()
    assert run.returncode == 1 and "共 7 个文件：通过 2，未通过 5" in out, out
    run = _run(
        "consolidate",
        str(odd),
        "--roster",
        str(SAMPLES / "roster.csv"),
        "-o",
        str(tmp_path / "sum.xlsx"),
        home=tmp_path,
    )
    out = run.stdout.decode() + run.stderr.decode()
    for name in ("a_link", "b_link", "gone.xlsx", "fifo.xlsx", "pipe.json"):
        assert name in out, out
    assert "计入汇总 2 个单位" in out, out


def test_a_return_whose_name_is_in_gbk_bytes_is_its_units(tmp_path):
    """A zip made on Windows and unpacked on Linux: the file name's bytes are GBK, not UTF-8. The name is read as
    the Chinese name it is — not compared, garbled, with the template's unit (a false TEMPLATE-REUSED that kept a
    correct return out of the totals)."""
    from xltool.filenames import repaired_name
    from xltool.roster import load_roster
    from xltool.validate import validate_paths

    src = next(p for p in sorted((SAMPLES / "returned").glob("*.xlsx")) if "D05" in p.name)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    garbled = os.fsdecode(src.name.encode("gb18030"))
    assert garbled != src.name
    (inbox / garbled).write_bytes(src.read_bytes())
    (path,) = inbox.iterdir()
    assert repaired_name(path.name) == src.name
    roster = load_roster(SAMPLES / "roster.csv")
    (result,) = validate_paths([path], roster=roster, year=2021)
    assert result.findings == [] or all(f.severity == "info" for f in result.findings), [
        f.message() for f in result.findings
    ]
    run = _run(
        "consolidate",
        str(inbox),
        "--roster",
        str(SAMPLES / "roster.csv"),
        "-o",
        str(tmp_path / "s.xlsx"),
        home=tmp_path,
    )
    assert "计入汇总 1 个单位" in run.stdout.decode() + run.stderr.decode()


def test_campaign_collect_takes_a_return_whose_name_is_in_gbk_bytes(tmp_path):
    """The store's database holds text in UTF-8: such a name crashed collect (traceback, the file unrecorded,
    its stored copy orphaned). It is recorded, identified, shown as the Chinese name it stands for."""
    src = next(p for p in sorted((SAMPLES / "returned").glob("*.xlsx")) if "D04" in p.name)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / os.fsdecode("科技局.xlsx".encode("gbk"))).write_bytes(src.read_bytes())
    camp = tmp_path / "camp"
    run = _run("campaign", "init", str(camp), "--year", "2021", "--roster", str(SAMPLES / "roster.csv"), home=tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    run = _run("campaign", "collect", "--campaign", str(camp), str(inbox), home=tmp_path)
    out = run.stdout.decode() + run.stderr.decode()
    assert run.returncode in (0, 1) and "Traceback" not in out, out
    assert "第1版" in out and "烟台市芝罘区科学技术局" in out and "科技局.xlsx（原文件名：" in out, out
    run = _run("campaign", "--lang", "zh", "status", "--campaign", str(camp), "--json", home=tmp_path)
    json_text = run.stdout.decode("utf-8")  # valid UTF-8 whatever the file's name
    assert "370602-D04" in json_text
