"""Sheet and workbook protection hashes for the template: SHA-512 (what Excel 2013+ writes) plus the legacy one.

The password is never stored: only salted, iterated SHA-512 hashes (ECMA-376 Part 1, 18.2.29 / 18.3.1.85) and,
for sheets, the legacy 16-bit hash that older readers understand. One SHA-512 hash at spin 100,000 costs about
90 ms, so a run computes it once (`protection_for`, cached per password) and every file of the run shares it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DEFAULT_PASSWORD = "xltool"
"""The sheet and workbook password when none is given (documented in the README)."""

ALGORITHM = "SHA-512"
SPIN_COUNT = 100_000


@dataclass(frozen=True)
class Protection:
    """A password's hashes, ready to be written into sheet and workbook protection elements."""

    salt: str
    """Base64 of the 16 random salt bytes."""
    hash: str
    """Base64 of the iterated SHA-512 hash."""
    spin: int
    legacy: str
    """The legacy 16-bit sheet hash as 4 hex digits (what openpyxl's `password=` writes)."""

    @property
    def record(self) -> str:
        """The form stored in the template's metadata: `SHA-512:<spin>:<salt>:<hash>`."""
        return f"{ALGORITHM}:{self.spin}:{self.salt}:{self.hash}"

    def apply_to_sheet(self, ws: Any) -> None:
        """Protect an openpyxl worksheet: everything locked but selecting cells and resizing rows and columns."""
        p = ws.protection
        p.sheet = True
        p.algorithmName = ALGORITHM
        p.saltValue = self.salt
        p.hashValue = self.hash
        p.spinCount = self.spin
        p.set_password(self.legacy, already_hashed=True)
        p.formatColumns = False  # False = allowed: a clerk may widen a column for a long name
        p.formatRows = False

    def apply_to_workbook(self, wb: Any) -> None:
        """Lock the workbook structure: no sheet added, deleted, renamed, moved or unhidden."""
        from openpyxl.workbook.protection import WorkbookProtection

        wb.security = WorkbookProtection(
            lockStructure=True,
            workbookAlgorithmName=ALGORITHM,
            workbookHashValue=self.hash,
            workbookSaltValue=self.salt,
            workbookSpinCount=self.spin,
        )


def sha512_hash(password: str, salt: bytes, spin: int = SPIN_COUNT) -> bytes:
    """H0 = SHA-512(salt + UTF-16LE(password)); Hn = SHA-512(Hn-1 + uint32le(n-1)), n = 1..spin."""
    h = hashlib.sha512(salt + password.encode("utf-16-le")).digest()
    for i in range(spin):
        h = hashlib.sha512(h + struct.pack("<I", i)).digest()
    return h


def legacy_hash(password: str) -> str:
    """The pre-2007 16-bit sheet password hash (as Excel and LibreOffice still accept), 4 hex digits."""
    from openpyxl.utils.protection import hash_password

    return hash_password(password)


def verify(password: str, salt_b64: str, hash_b64: str, spin: int) -> bool:
    """Whether `password` matches a stored SHA-512 protection hash."""
    return base64.b64encode(sha512_hash(password, base64.b64decode(salt_b64), spin)).decode() == hash_b64


@lru_cache(maxsize=8)
def protection_for(password: str | None, salt: bytes | None = None) -> Protection:
    """The hashes of `password` (default: DEFAULT_PASSWORD), computed once per process and password.

    `salt` (16 bytes) only for reproducible files (the sample returns); normally a random one.
    """
    pw = DEFAULT_PASSWORD if password is None else password
    salt = os.urandom(16) if salt is None else salt
    h = sha512_hash(pw, salt, SPIN_COUNT)
    return Protection(
        salt=base64.b64encode(salt).decode(),
        hash=base64.b64encode(h).decode(),
        spin=SPIN_COUNT,
        legacy=legacy_hash(pw),
    )
