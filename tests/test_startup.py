"""Start-up of `xltool validate`: the user's cache of the parsed declarations, and what a run imports.

No timing here (that is `benchmarks/bench_validate_one.py`): these tests check that the cache is used when it
is current, rebuilt when the declaration changed or the entry is damaged, ignored when it cannot be written,
and that a run with a warm cache imports neither PyYAML nor openpyxl/pandas. Every cache lives in a tmp dir
named by XLTOOL_CACHE_DIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xltool import findings
from xltool.errors import SchemaError
from xltool.schema import cache, load
from xltool.schema.load import FORMS_DIR, form_from_dict, load_form, load_form_file

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"
BUILTIN = FORMS_DIR / "gov-disclosure-2021.yaml"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("XLTOOL_CACHE_DIR", str(d))
    return d


@pytest.fixture
def decl(tmp_path) -> Path:
    """A copy of the built-in declaration, free to edit."""
    p = tmp_path / "forms" / "gov-disclosure-2021.yaml"
    p.parent.mkdir()
    p.write_bytes(BUILTIN.read_bytes())
    return p


def forbid_parsing(monkeypatch) -> None:
    """Parsing YAML fails from here on: whatever still loads came from the cache."""
    monkeypatch.setattr(load, "parse_yaml", lambda _text: pytest.fail("the YAML was parsed again"))


def entries(d: Path) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.suffix == ".marshal") if d.is_dir() else []


def reference(path: Path):
    """The form straight from the YAML, no cache involved."""
    return form_from_dict(yaml.safe_load(path.read_text(encoding="utf-8")), source=str(path))


# The form


def test_first_load_writes_the_entry_and_the_next_reads_it(cache_dir, decl, monkeypatch):
    form = load_form_file(decl)
    assert form == reference(decl) and form.source == str(decl)
    [entry] = entries(cache_dir)
    assert entry.name.startswith("form-gov-disclosure-2021-")
    assert not [p for p in cache_dir.iterdir() if p.suffix == ".tmp"]  # no temporary file left behind
    forbid_parsing(monkeypatch)
    again = load_form_file(decl)
    assert again == form and again.source == str(decl)
    assert again.cells == form.cells and again.label("t3.granted.total") == form.label("t3.granted.total")


def test_a_changed_declaration_is_parsed_again_and_replaces_the_entry(cache_dir, decl):
    old = load_form_file(decl)
    [entry] = entries(cache_dir)
    before = entry.read_bytes()
    text = decl.read_text(encoding="utf-8")
    label = old.table("t3").row_map["granted"].label
    assert text.count(label) == 1
    decl.write_text(text.replace(label, label + "（改）"), encoding="utf-8")

    new = load_form_file(decl)
    assert new.table("t3").row_map["granted"].label == label + "（改）"
    assert new == reference(decl) != old
    [entry_after] = entries(cache_dir)  # the same entry, rewritten for the new bytes
    assert entry_after == entry and entry.read_bytes() != before


def test_a_declaration_changed_back_and_forth_never_gets_a_stale_form(cache_dir, decl):
    text = decl.read_text(encoding="utf-8")
    edited = text.replace("title: ", "title: 改", 1)
    for t in (text, edited, text, edited):
        decl.write_text(t, encoding="utf-8")
        assert load_form_file(decl) == reference(decl)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b[:-40] + bytes([b[-40] ^ 0x01]) + b[-39:], id="one-bit-flipped-in-payload"),
        pytest.param(lambda b: b"garbage" * 100, id="garbage"),
        pytest.param(lambda b: b[:5] + b"X" + b[6:], id="magic-changed"),
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(cache_dir, decl, damage, monkeypatch):
    form = load_form_file(decl)
    [entry] = entries(cache_dir)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))

    assert load_form_file(decl) == form
    assert entry.read_bytes() == good  # rebuilt: the same bytes as the first time

    forbid_parsing(monkeypatch)
    assert load_form_file(decl) == form


def test_an_entry_whose_data_the_loader_rejects_is_rebuilt(cache_dir, decl):
    # a well-formed entry (right key, right digest) holding a broken declaration: it is checked like any
    # YAML, rejected, and the file's own YAML is used instead
    load_form_file(decl)
    [entry] = entries(cache_dir)
    data = yaml.safe_load(decl.read_text(encoding="utf-8"))
    data["tables"][0]["columns"][0]["type"] = "float"
    key = cache.source_key([(decl.name, decl.read_bytes())])
    assert cache.write_entry(entry, key, data)
    assert cache.read_entry(entry, key)["tables"][0]["columns"][0]["type"] == "float"

    assert load_form_file(decl) == reference(decl)
    assert cache.read_entry(entry, key) == yaml.safe_load(decl.read_text(encoding="utf-8"))


def test_an_entry_of_another_xltool_version_is_not_used(cache_dir, decl, monkeypatch):
    load_form_file(decl)
    [entry] = entries(cache_dir)
    key_now = cache.source_key([(decl.name, decl.read_bytes())])
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    key_other = cache.source_key([(decl.name, decl.read_bytes())])
    assert key_other != key_now
    with pytest.raises(LookupError, match="stale"):
        cache.read_entry(entry, key_other)
    load_form_file(decl)
    assert cache.read_entry(entry, key_other) is not None  # rewritten under the other version's key


def test_a_bad_declaration_fails_every_time_and_is_never_cached(cache_dir, decl):
    decl.write_text(decl.read_text(encoding="utf-8") + "\n  - [unclosed\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SchemaError, match="not valid YAML"):
            load_form_file(decl)
    data = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    data["rules"][0]["severity"] = "fatal"
    decl.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SchemaError, match=r"rules\[0\]\.severity: unknown severity 'fatal'"):
            load_form_file(decl)
    assert entries(cache_dir) == []


def test_an_unwritable_cache_dir_still_loads(tmp_path, monkeypatch, decl):
    # (the tests may run as root, for whom a read-only mode is no obstacle: a regular file in the way is)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XLTOOL_CACHE_DIR", str(blocker / "xltool"))
    assert load_form_file(decl) == reference(decl)
    assert load_form_file(decl) == reference(decl)
    assert blocker.read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forms", "not-a-dir"]


def test_an_entry_that_cannot_be_read_is_bypassed(cache_dir, decl):
    load_form_file(decl)
    [entry] = entries(cache_dir)
    entry.unlink()
    entry.mkdir()  # open() fails with IsADirectoryError; replacing it fails too
    assert load_form_file(decl) == reference(decl)
    assert entry.is_dir()


def test_an_empty_cache_dir_variable_means_no_cache(tmp_path, monkeypatch, decl):
    monkeypatch.setenv("XLTOOL_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() is None
    assert load_form_file(decl) == reference(decl)
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_the_cache_dir_follows_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.delenv("XLTOOL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if os.name == "nt":  # pragma: no cover - Windows: %LOCALAPPDATA%
        pytest.skip("XDG is not used on Windows")
    assert cache.cache_dir() == tmp_path / "xdg" / "xltool"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the XDG spec: ignored
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "xltool"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "xltool"


def test_the_builtin_form_through_the_cache_equals_the_yaml(cache_dir, monkeypatch):
    load_form.cache_clear()
    try:
        assert load_form() is load_form("gov-disclosure-2021")  # one load for both spellings
        assert load_form() == reference(BUILTIN)
        assert len(entries(cache_dir)) == 1
        load_form.cache_clear()
        forbid_parsing(monkeypatch)
        assert load_form("gov-disclosure-2021") == reference(BUILTIN)
    finally:
        load_form.cache_clear()


def test_an_unknown_form_id_or_a_path_is_refused(cache_dir):
    # a form id comes from a workbook's metadata: it never names a file outside the package
    for bad in ("no-such-form", "../forms/gov-disclosure-2021", "..\\forms\\gov-disclosure-2021", "", None):
        with pytest.raises(SchemaError, match="unknown form"):
            load_form(bad)


def test_a_declaration_with_non_plain_yaml_is_loaded_but_not_cached(cache_dir, decl):
    # a YAML date is no plain data: marshal cannot store it, so the declaration is parsed every time
    text = decl.read_text(encoding="utf-8")
    decl.write_text(text.replace("version: ", "version: 2021-01-01 #", 1), encoding="utf-8")
    form = load_form_file(decl)
    assert form.version == "2021-01-01"
    assert entries(cache_dir) == []


def test_parallel_first_runs_all_load_and_leave_one_good_entry(cache_dir, decl):
    code = (
        "import sys; from xltool.schema.load import load_form_file; "
        "f = load_form_file(sys.argv[1]); print(len(f.cells))"
    )
    env = {**os.environ, "XLTOOL_CACHE_DIR": str(cache_dir)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(decl)], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0] * 6
    assert set(outs) == {str(len(reference(decl).cells))}
    [entry] = entries(cache_dir)
    assert not [p for p in cache_dir.iterdir() if p.suffix == ".tmp"]
    key = cache.source_key([(decl.name, decl.read_bytes())])
    assert cache.read_entry(entry, key) == yaml.safe_load(decl.read_text(encoding="utf-8"))


# The messages


def test_messages_through_the_cache_equal_the_yaml(cache_dir, monkeypatch):
    direct: dict = {}
    for f in sorted(findings.MESSAGES_DIR.glob("*.yaml")):
        direct.update(yaml.safe_load(f.read_text(encoding="utf-8")) or {})
    findings.catalogue.cache_clear()
    try:
        assert findings.catalogue() == direct
        assert [p.name for p in entries(cache_dir)] == ["messages.marshal"]
        findings.catalogue.cache_clear()
        forbid_parsing(monkeypatch)
        assert findings.catalogue() == direct
        f = findings.tool_finding("FILE-ENCRYPTED")
        assert f.severity == "error" and f.title["zh"] == direct["FILE-ENCRYPTED"]["title"]["zh"]
    finally:
        findings.catalogue.cache_clear()


def test_a_messages_entry_that_is_not_a_catalogue_is_rebuilt(cache_dir):
    findings.catalogue.cache_clear()
    try:
        good = findings.catalogue()
        [entry] = entries(cache_dir)
        files = sorted(findings.MESSAGES_DIR.glob("*.yaml"))
        key = cache.source_key([(f.name, f.read_bytes()) for f in files])
        docs = cache.read_entry(entry, key)
        docs[0][next(iter(docs[0]))] = {"severity": "fatal"}  # well-formed entry, wrong content
        cache.write_entry(entry, key, docs)
        findings.catalogue.cache_clear()
        assert findings.catalogue() == good
        assert cache.read_entry(entry, key) != docs
    finally:
        findings.catalogue.cache_clear()


# What a run imports


RUNNER = """
import json, runpy, sys
out, sys.argv = sys.argv[1], ["xltool", "validate", *sys.argv[2:]]
code = None
try:
    runpy.run_module("xltool", run_name="__main__")
except SystemExit as e:
    code = e.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""
"""`python -m xltool validate FILE…`, then the exit code and every module imported, into a JSON file."""


def _run(tmp_path: Path, cache_dir: Path, *files: Path) -> dict:
    out = tmp_path / "modules.json"
    env = {**os.environ, "XLTOOL_CACHE_DIR": str(cache_dir)}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(out), *map(str, files)], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return {**json.loads(out.read_text(encoding="utf-8")), "stdout": proc.stdout}


@pytest.mark.parametrize("unit", ["370602-D01", "370602-D14", "370602-D19"])
def test_a_run_with_a_warm_cache_imports_no_yaml_nor_heavy_libraries(tmp_path, unit):
    # D01 is clean; D14 has the tool's own findings (TOTAL-FORMULA, VALUE-COERCED: the messages catalogue);
    # D19 has rule errors (exit 1)
    [f] = RETURNED.glob(f"{unit}_*.xlsx")
    d = tmp_path / "cache"
    first = _run(tmp_path, d, f)
    assert "yaml" in first["modules"]  # the first run parses and fills the cache
    second = _run(tmp_path, d, f)
    assert second["stdout"] == first["stdout"] and second["code"] == first["code"]
    assert first["code"] == (1 if unit == "370602-D19" else 0)
    if unit == "370602-D14":  # the run did render the tool's own messages
        assert "TOTAL-FORMULA" in second["stdout"] and "VALUE-COERCED" in second["stdout"]
    heavy = [m for m in second["modules"] if m.split(".")[0] in ("yaml", "openpyxl", "pandas", "numpy")]
    assert heavy == []
    # the template writer's parts are not the validator's (template_checks alone cost 13 ms)
    assert [m for m in second["modules"] if m.startswith(("xltool.template", "xltool.roster_load"))] == []
