"""Shared fixtures. LibreOffice ones skip on a developer machine without it, and FAIL under CI.

CI (the environment variable CI set, as `.ci/run` is run) must exercise LibreOffice: a
missing soffice there is an installation bug, not a reason to skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.lo import (
    LibreOfficeSession,
    find_pdftoppm,
    find_soffice,
    helper_python,
    skip_or_fail,
    uno_in_process,
)


@pytest.fixture(scope="session", autouse=True)
def _private_form_cache(tmp_path_factory) -> Iterator[None]:
    """This run's form and message cache (xltool.schema.cache) in a temp folder, not in ~/.cache/xltool."""
    old = os.environ.get("XLTOOL_CACHE_DIR")
    os.environ["XLTOOL_CACHE_DIR"] = str(tmp_path_factory.mktemp("xltool-cache"))
    yield
    if old is None:
        os.environ.pop("XLTOOL_CACHE_DIR", None)
    else:
        os.environ["XLTOOL_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of soffice. Skips without LibreOffice unless CI is set; then it fails."""
    path = find_soffice()
    if path is None:
        skip_or_fail(
            "LibreOffice is not installed: apt-get install -y --no-install-recommends "
            "libreoffice-calc-nogui python3-uno fonts-noto-cjk poppler-utils"
        )
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def pdftoppm(soffice: str) -> str:
    path = find_pdftoppm()
    if path is None:
        skip_or_fail("pdftoppm is not installed: apt-get install -y poppler-utils")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def lo_session(soffice: str) -> Iterator[LibreOfficeSession]:
    """One soffice driven over UNO for the whole test session (≈1.3 s to start)."""
    if not uno_in_process() and helper_python() is None:
        skip_or_fail("python3-uno is not installed: apt-get install -y python3-uno")
    with LibreOfficeSession(soffice) as session:
        yield session
