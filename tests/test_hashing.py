"""One SHA-256 of a file for the whole tool: the reader's, the campaign's and consolidation's agree."""

from __future__ import annotations

import hashlib

from xltool.campaign import store
from xltool.hashing import CHUNK, sha256_file
from xltool.reader import read_file
from xltool.schema import load_form
from xltool.template import write_template


def test_the_hash_of_a_real_return_is_the_one_the_reader_records(tmp_path):
    path = write_template(load_form(), tmp_path / "r.xlsx", year=2024, unit_name="某局")
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha256_file(path) == expected == read_file(path).report.source["sha256"]
    assert store.sha256_file is sha256_file  # the campaign store uses the shared helper, not a copy


def test_chunks_join_exactly(tmp_path):
    for size in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7):
        data = (bytes(range(251)) * (size // 251 + 1))[:size]
        p = tmp_path / f"f{size}.bin"
        p.write_bytes(data)
        assert sha256_file(p) == hashlib.sha256(data).hexdigest()
        assert sha256_file(str(p)) == sha256_file(p)
