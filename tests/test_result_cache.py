"""The result cache gives exactly what reading the file gives, and only for the very same bytes and name.

Real workbooks of the reader corpus (templates, LibreOffice-saved, edited, broken, hostile) are read with
and without the cache, in this process and by the worker pool, into a private cache directory.
"""

from __future__ import annotations

import marshal
import os
import shutil
import sqlite3
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from tests.test_reader_support import shared_corpus
from xltool.findings import Finding
from xltool.parallel import iter_validated
from xltool.result_cache import FILE_NAME, ResultCache, _dump, _from_plain
from xltool.sources import Loaded, load_any
from xltool.validate import validate_loaded


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return shared_corpus(tmp_path_factory)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("XLTOOL_CACHE_DIR", str(d))
    return d


def _stored(cache_dir: Path) -> int:
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        return db.execute("SELECT count(*) FROM result").fetchone()[0]


def test_every_test_workbook_reads_back_from_the_cache_as_it_was_read(corpus, cache_dir):
    cache = ResultCache.default()
    fresh = {name: load_any(p) for name, p in corpus.items()}
    first = {name: cache.load(p) for name, p in corpus.items()}
    cache.commit()
    assert cache.misses == len(corpus) and cache.hits == 0
    again = {name: cache.load(p) for name, p in corpus.items()}
    not_stored = {
        n for n, got in fresh.items() if any(f.rule in ("FILE-UNSAFE", "FILE-UNREADABLE") for f in got.findings)
    }
    assert cache.hits == len(corpus) - len(not_stored) and not_stored  # hostile files are read each time
    for name in corpus:
        assert first[name] == fresh[name] == again[name], name
        a = validate_loaded(again[name], year=2024)
        b = validate_loaded(load_any(corpus[name]), year=2024)
        assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings], name
    assert _stored(cache_dir) == len(corpus) - len(not_stored)
    if os.name == "posix":  # the user's own: others may not read what the returns said
        assert (cache_dir / FILE_NAME).stat().st_mode & 0o077 == 0


def test_decimals_and_other_values_round_trip_exactly(corpus):
    loaded = load_any(corpus["template"])
    extra = Finding(
        "T4-FEE",
        "warning",
        {"zh": "收费", "en": "fees"},
        "t4",
        ["t4.fee"],
        ["表四!D9"],
        {"fee": Decimal("12.50")},
        Decimal("12.50"),
        Decimal("0.1"),
        Decimal("12.40"),
    )
    loaded.findings.append(extra)
    loaded.report.meta["odd"] = {"nested": [1, 2.5, None, True, "文字"]}
    back, own, sums = _from_plain(marshal.loads(_dump(loaded)))
    assert back == loaded and own is None and sums is None
    assert back.findings[-1].left == Decimal("12.50") and str(back.findings[-1].left) == "12.50"
    assert marshal.loads(_dump(load_any(corpus["template"])))["tagged"] is False  # no Decimal: no walk


def test_a_changed_file_or_another_name_is_read_again(corpus, cache_dir, tmp_path):
    import openpyxl

    src = tmp_path / "unit.xlsx"
    shutil.copy(corpus["template"], src)
    cache = ResultCache.default()
    before = cache.load(src)
    cache.commit()
    wb = openpyxl.load_workbook(src)
    ws = wb["表三"]
    ws["D7"] = 999999  # an input: the balance rules now fail
    wb.save(src)
    after = cache.load(src)
    assert cache.hits == 0 and cache.misses == 2
    assert after == load_any(src) and after != before
    twin = tmp_path / "copy of unit.xlsx"
    shutil.copy(src, twin)
    other = cache.load(twin)
    assert cache.hits == 0 and other.path == twin and other.report.source["file"] == str(twin)


def test_a_damaged_cache_is_ignored_and_rebuilt(corpus, cache_dir):
    cache_dir.mkdir(parents=True)
    (cache_dir / FILE_NAME).write_bytes(b"not a database" * 100)
    cache = ResultCache.default()
    got = cache.load(corpus["template"])
    assert got == load_any(corpus["template"]) and cache.hits == 0
    cache.close()


def test_a_damaged_entry_is_read_again(corpus, cache_dir):
    cache = ResultCache.default()
    cache.load(corpus["template"])
    cache.close()
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        db.execute("UPDATE result SET data = ?", (zlib.compress(b"\x00garbage"),))
    cache = ResultCache.default()
    assert cache.load(corpus["template"]) == load_any(corpus["template"])
    assert cache.hits == 0 and cache.misses == 1
    cache.close()


def test_no_cache_directory_means_no_cache(corpus, monkeypatch, tmp_path):
    monkeypatch.setenv("XLTOOL_CACHE_DIR", "")
    cache = ResultCache.default()
    assert cache.load(corpus["template"]) == load_any(corpus["template"])
    assert cache.hits == cache.misses == 0


def test_a_file_the_system_would_not_open_is_never_stored(cache_dir, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    p = tmp_path / "locked.xlsx"
    p.write_bytes(b"PK\x03\x04")
    p.chmod(0)
    cache = ResultCache.default()
    got = cache.load(p)
    assert [f.rule for f in got.findings] == ["FILE-UNREADABLE"]


def test_the_worker_pool_uses_and_fills_the_cache(corpus, cache_dir, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = ["template", "typed_over", "odd_values", "label_edited", "row_inserted", "plain1", "plain2"]
    files = []
    for i in range(12):  # enough files for the pool (parallel.MIN_FILES)
        p = inbox / f"{i:02d}-{names[i % len(names)]}.xlsx"
        shutil.copy(corpus[names[i % len(names)]], p)
        files.append(p)
    serial = [v.result for v in iter_validated(files, jobs=1, year=2024, cache=False)]
    first = [v.result for v in iter_validated(files, jobs=2, year=2024)]
    assert _stored(cache_dir) == len(files)
    # mark every stored reading: what the next run shows must come from the cache
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        for key, data in db.execute("SELECT key, data FROM result").fetchall():
            loaded, own, sums = _from_plain(marshal.loads(zlib.decompress(data)))
            if loaded.report is not None:
                loaded.report.unit_name = "（缓存）" + loaded.report.unit_name
            db.execute("UPDATE result SET data = ? WHERE key = ?", (zlib.compress(_dump(loaded, own, sums)), key))
    second = [v.result for v in iter_validated(files, jobs=2, year=2024)]
    # what the cache handed the worker's checks stays in the worker: nothing extra travels with the reports
    assert all(not [k for k in r.report.__dict__ if k.startswith("_xltool")] for r in second if r.report is not None)
    for a, b, c in zip(serial, first, second, strict=True):
        assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
        if b.report is not None:
            assert c.report.unit_name == "（缓存）" + b.report.unit_name
    third = [v.result for v in iter_validated(files, jobs=2, year=2024, cache=False)]
    assert [r.report.unit_name for r in third] == [r.report.unit_name for r in first]


def test_loaded_is_what_the_cache_stores():
    """The cache rebuilds `Loaded` from three fields: a new field would be lost silently."""
    import dataclasses

    assert [f.name for f in dataclasses.fields(Loaded)] == ["path", "report", "findings"]


def test_the_rules_found_with_a_reading_are_what_validation_finds(corpus, cache_dir, tmp_path):
    """What every rule that needs only the file found is kept with its reading and used by the next run, and
    merged with the cross-year rules in their place when last year's data are given: the same findings as a
    run without the cache, for every corpus file, with and without last year's data."""
    from xltool.interchange import UnitReport
    from xltool.validate import PriorData

    prior = PriorData(
        [
            UnitReport(
                form="gov-disclosure-2021",
                year=2023,
                unit_name=r.report.unit_name,
                unit_code=r.report.unit_code,
                values={k: 5 for k in ("t3.carried_forward.natural_person", "t3.carried_forward.total")},
            )
            for r in (load_any(p) for p in corpus.values())
            if r.report is not None and r.report.unit_name
        ][:1]
    )
    cache = ResultCache.default()  # one instance: its key is the code as it is now, whatever changes meanwhile
    for p in corpus.values():
        cache.load(p)
    cache.commit()
    for name, p in corpus.items():
        for given in (None, prior):
            a = validate_loaded(cache.load(p), prior=given, year=2024)
            b = validate_loaded(load_any(p), prior=given, year=2024)
            assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings], (name, given)
    assert cache.hits > 0
    with_x_carry = [validate_loaded(cache.load(p), prior=prior, year=2024) for p in corpus.values()]
    assert any(f.rule == "X-CARRY" for r in with_x_carry for f in r.findings)  # the merge was exercised
    # the stored findings are the ones shown: mark them, and the next run shows the mark
    cache.commit()
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        for key, data in db.execute("SELECT key, data FROM result").fetchall():
            loaded, own, sums = _from_plain(marshal.loads(zlib.decompress(data)))
            for f in own or []:
                f.title = {k: "（缓存）" + v for k, v in f.title.items()}
            db.execute("UPDATE result SET data = ? WHERE key = ?", (zlib.compress(_dump(loaded, own, sums)), key))
    marked = [f for p in corpus.values() for f in validate_loaded(cache.load(p), year=2024).findings]
    assert any(f.title["zh"].startswith("（缓存）") for f in marked)
    cache.close()


def test_the_sums_kept_with_a_reading_are_what_evaluating_it_gives(corpus, cache_dir):
    """A reading's evaluated values (what consolidation sums) are kept with it and given back once, for the
    very same values: equal to evaluating the report again, for every corpus file; a mark put in the store
    shows, so they are really the stored ones."""
    from xltool.parallel import evaluated_values

    cache = ResultCache.default()
    for p in corpus.values():
        cache.load(p)
    cache.commit()
    with_report = {n: p for n, p in corpus.items() if load_any(p).report is not None}
    for name, p in with_report.items():
        kept = evaluated_values(cache.load(p).report)
        assert kept == evaluated_values(load_any(p).report), name
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        for key, data in db.execute("SELECT key, data FROM result").fetchall():
            loaded, own, sums = _from_plain(marshal.loads(zlib.decompress(data)))
            if sums:
                sums["t3.new_received.total"] = 424242
            db.execute("UPDATE result SET data = ? WHERE key = ?", (zlib.compress(_dump(loaded, own, sums)), key))
    marked = [evaluated_values(cache.load(p).report) for p in with_report.values()]
    assert any(v is not None and v["t3.new_received.total"] == 424242 for v in marked)
    rep = cache.load(next(iter(with_report.values()))).report
    rep.values["t3.new_received.natural_person"] = 1  # changed since it was read: evaluated afresh
    assert evaluated_values(rep)["t3.new_received.total"] != 424242
    cache.close()
