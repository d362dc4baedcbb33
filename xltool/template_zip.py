"""Many personalised templates fast: build one workbook per shape, then patch the unit's parts into copies.

A template differs from unit to unit only in a few strings (unit name, code, category, template id; in the
cover, the info lines, the metadata sheet and the custom properties) and, with last year's data, in the
pre-filled numbers. So a "base" is built once with openpyxl with unique placeholders in those places, and each
unit's file is the base's zip members with the placeholders replaced. Members without a placeholder are
compressed once and their deflated bytes reused in every file (a minimal zip writer: stored CRCs and sizes).

Bases are cached by shape: which cells are pre-filled (and the note about it), and whether the unit has a
code and a category (an absent value leaves a cell empty, which a placeholder cannot).
"""

from __future__ import annotations

import io
import re
import struct
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xltool.schema.model import Form
from xltool.template_protect import Protection

PH_NAME = "XLTOOLPHxNAMEx7Q"
PH_CODE = "XLTOOLPHxCODEx7Q"
PH_CATEGORY = "XLTOOLPHxCATx7Q"
PH_TEMPLATE_ID = "XLTOOLPHxTIDx7Q"
SENTINEL = 987_650_000
"""Pre-filled numbers are built as SENTINEL + i and replaced by the unit's value in the sheet XML."""


@dataclass
class _Member:
    name: str
    data: bytes
    patched: bool
    """Holds a placeholder or sentinel: rebuilt per unit. Otherwise `deflated` and `crc` are reused."""
    deflated: bytes = b""
    crc: int = 0
    parts: list[tuple[bytes, bytes | None]] | None = None
    """For a patched member: (raw, deflated) static pieces and (mark, None) places to substitute."""


@dataclass
class _Base:
    members: list[_Member]
    sentinels: dict[str, bytes]
    """Cell key -> the `<v>` element of its sentinel in the sheet XML."""


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _deflate_piece(data: bytes, final: bool) -> bytes:
    """Deflate one piece of a member as self-contained blocks; pieces concatenate into one valid stream.

    A full flush ends the piece byte-aligned with the window reset, so a piece never refers back into
    another: the static pieces of a member are compressed once, only the unit's strings per file.
    """
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _stored(data: bytes, final: bool) -> bytes:
    """`data` as deflate *stored* blocks (no compression): for the short unit strings, far cheaper than a
    compressor per piece. Valid between the pieces because each static piece ends byte-aligned (full flush)."""
    out = []
    chunks = [data[i : i + 65535] for i in range(0, len(data), 65535)] or [b""]
    for i, chunk in enumerate(chunks):
        last = final and i == len(chunks) - 1
        n = len(chunk)
        out.append(struct.pack("<BHH", 1 if last else 0, n, n ^ 0xFFFF) + chunk)
    return b"".join(out)


def _split(data: bytes, marks: list[bytes]) -> list[tuple[bytes, bytes | None]]:
    pattern = re.compile(b"(" + b"|".join(re.escape(m) for m in marks) + b")")
    pieces = pattern.split(data)
    parts: list[tuple[bytes, bytes | None]] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            parts.append((piece, None))
        elif piece:
            parts.append((piece, _deflate_piece(piece, final=i == len(pieces) - 1)))
    return parts


def _dos_time(dt: datetime) -> tuple[int, int]:
    t = (dt.hour << 11) | (dt.minute << 5) | (dt.second // 2)
    d = ((max(dt.year, 1980) - 1980) << 9) | (dt.month << 5) | dt.day
    return t, d


def write_zip(path: Path, members: list[tuple[str, bytes, bytes, int]], when: datetime) -> None:
    """Write a zip of already deflated members: (name, deflated, raw, crc). Atomic (via a .tmp file)."""
    t, d = _dos_time(when)
    buf = io.BytesIO()
    central = []
    for name, deflated, raw, crc in members:
        fname = name.encode("utf-8")
        offset = buf.tell()
        flags = 0x800 if not name.isascii() else 0
        buf.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, t, d, crc, len(deflated), len(raw), len(fname), 0)
        )
        buf.write(fname)
        buf.write(deflated)
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                flags,
                8,
                t,
                d,
                crc,
                len(deflated),
                len(raw),
                len(fname),
                0,
                0,
                0,
                0,
                0o600 << 16,
                offset,
            )
            + fname
        )
    cd_start = buf.tell()
    for entry in central:
        buf.write(entry)
    cd_size = buf.tell() - cd_start
    buf.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), cd_size, cd_start, 0))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


class BatchWriter:
    """Writes the templates of one run (one form, year, password, generation time) by patching bases."""

    def __init__(self, form: Form, *, year: int, protection: Protection, generated_at: str, lang: str = "zh"):
        self.form = form
        self.year = year
        self.protection = protection
        self.generated_at = generated_at
        self.lang = lang
        self.when = datetime.fromisoformat(generated_at)
        self._bases: dict[tuple, _Base] = {}

    def _base(self, prefill_keys: tuple[str, ...], note: str | None, has_code: bool, has_category: bool) -> _Base:
        key = (prefill_keys, note, has_code, has_category)
        base = self._bases.get(key)
        if base is not None:
            return base
        from xltool.template import build_workbook

        prefill = {k: SENTINEL + i for i, k in enumerate(prefill_keys)}
        built = build_workbook(
            self.form,
            year=self.year,
            unit_name=PH_NAME,
            unit_code=PH_CODE if has_code else None,
            category=PH_CATEGORY if has_category else None,
            prefill=prefill,
            prefill_note=note,
            protection=self.protection,
            template_id=PH_TEMPLATE_ID,
            generated_at=self.generated_at,
            lang=self.lang,
        )
        raw = io.BytesIO()
        built.wb.save(raw)
        sentinels = {k: f"<v>{v}</v>".encode() for k, v in prefill.items()}
        marks = [p.encode() for p in (PH_NAME, PH_CODE, PH_CATEGORY, PH_TEMPLATE_ID)] + list(sentinels.values())
        members = []
        with zipfile.ZipFile(raw) as z:
            for info in z.infolist():
                data = z.read(info)
                patched = any(m in data for m in marks)
                m = _Member(info.filename, data, patched)
                if patched:
                    m.parts = _split(data, [mk for mk in marks if mk in data])
                else:
                    m.deflated = _deflate(data)
                    m.crc = zlib.crc32(data)
                members.append(m)
        base = _Base(members, sentinels)
        self._bases[key] = base
        return base

    def write(
        self,
        path: Path,
        *,
        unit_name: str,
        unit_code: str | None,
        category: str | None,
        prefill: dict[str, Any],
        prefill_note: str | None = None,
        template_id: str | None = None,
    ) -> Path:
        """Write one unit's template to `path`; returns it."""
        from openpyxl.compat import safe_string

        keys = tuple(sorted(prefill))
        base = self._base(keys, prefill_note, bool(unit_code), bool(category))
        texts = [
            (PH_NAME, unit_name),
            (PH_CODE, unit_code or ""),
            (PH_CATEGORY, category or ""),
            (PH_TEMPLATE_ID, template_id or uuid.uuid4().hex),
        ]
        # openpyxl writes worksheets in ASCII with character references (&#22635;), other parts in UTF-8
        subs_ref = [(ph.encode(), escape(v).encode("ascii", "xmlcharrefreplace")) for ph, v in texts]
        subs_utf8 = [(ph.encode(), escape(v).encode("utf-8")) for ph, v in texts]
        numbers = [(base.sentinels[k], f"<v>{safe_string(prefill[k])}</v>".encode()) for k in keys]
        out = []
        for m in base.members:
            if not m.patched:
                out.append((m.name, m.deflated, m.data, m.crc))
                continue
            table = dict((subs_ref if m.name.startswith("xl/worksheets/") else subs_utf8) + numbers)
            raw: list[bytes] = []
            deflated: list[bytes] = []
            assert m.parts is not None
            for i, (piece, packed) in enumerate(m.parts):
                if packed is None:
                    piece = table[piece]
                    packed = _stored(piece, final=i == len(m.parts) - 1)
                raw.append(piece)
                deflated.append(packed)
            data = b"".join(raw)
            out.append((m.name, b"".join(deflated), data, zlib.crc32(data)))
        write_zip(path, out, self.when)
        return path
