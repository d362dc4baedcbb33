"""The district roster: which units must report (code, name, category), and how a name finds its unit.

Reading a roster file (CSV or XLSX as clerks keep them) is `xltool.roster_load`; `load_roster` here loads it
on first use, so that a validation without a roster does not import the loader.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    category: str = ""


def normalize_name(name: str) -> str:
    """A unit name for matching: NFKC, no whitespace. Names are never rewritten for display."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


class Note(str):
    """A sentence for the clerk about how a roster was read (rows left out, hidden rows, the sheet used): the
    Chinese text itself, its English in `en`."""

    en: str

    def __new__(cls, zh: str, en: str) -> Note:
        t = super().__new__(cls, zh)
        t.en = en
        return t

    def text(self, lang: str = "zh") -> str:
        """The note in `lang`: the English one with ``en``, else the Chinese."""
        return self.en if lang == "en" else str(self)

    def __reduce__(self):  # a Roster is pickled to worker processes
        return (Note, (str(self), self.en))


@dataclass(frozen=True)
class Roster:
    units: tuple[Unit, ...]
    source: str = ""
    notes: tuple[Note, ...] = field(default=(), compare=False)
    """What the clerk should know about how the file was read; commands that load a roster print them."""

    def by_code(self, code: str | None) -> Unit | None:
        if not code:
            return None
        return self._index[0].get(normalize_name(code).upper())

    def by_name(self, name: str | None) -> Unit | None:
        if not name:
            return None
        return self._index[1].get(normalize_name(name))

    @cached_property
    def _index(self) -> tuple[dict[str, Unit], dict[str, Unit]]:
        """Normalized code -> unit and normalized name -> unit (the first one, as a scan would find it).

        Built once: a lookup per file over a 10,000-unit roster must not scan the roster.
        """
        codes: dict[str, Unit] = {}
        names: dict[str, Unit] = {}
        for u in self.units:
            codes.setdefault(normalize_name(u.code).upper(), u)
            names.setdefault(normalize_name(u.name), u)
        return codes, names

    def find(self, code: str | None, name: str | None) -> Unit | None:
        return self.by_code(code) or self.by_name(name)

    @cached_property
    def district_prefix(self) -> str:
        """The common beginning of the normalized names, cut after its last 省/市/区/县/旗 (烟台市芝罘区)."""
        names = [normalize_name(u.name) for u in self.units]
        if len(names) < 2:
            return ""
        prefix = os.path.commonprefix(names)
        cut = max(prefix.rfind(c) for c in "省市区县旗")
        return prefix[: cut + 1] if cut >= 0 else ""

    @cached_property
    def _name_keys(self) -> tuple[dict[str, list[tuple[Unit, str]]], tuple[int, ...], frozenset[str]]:
        """What a file name may contain to name a unit -> [(unit, "code" | "full" | "short")], the lengths of
        those keys and their first two characters.

        Built once, so that asking a file name costs a few lookups where a key may begin, not a scan of the
        roster (1,000 files against a 1,000-unit roster were 3 million normalizations).
        """
        prefix = self.district_prefix.upper()
        keys: dict[str, list[tuple[Unit, str]]] = {}
        for u in self.units:
            full = normalize_name(u.name).upper()
            own = [(normalize_name(u.code).upper(), "code"), (full, "full")]
            if prefix and full.startswith(prefix) and len(full) - len(prefix) >= 2:
                own.append((full[len(prefix) :], "short"))
            for key, kind in own:
                if len(key) >= 2:
                    keys.setdefault(key, []).append((u, kind))
        return keys, tuple(sorted({len(k) for k in keys})), frozenset(k[:2] for k in keys)

    def named_in(
        self, file_name: str, kinds: tuple[str, ...] = ("code", "full", "short")
    ) -> dict[str, tuple[Unit, str]]:
        """Unit code -> (unit, the longest of its `kinds` of keys) for every unit a file's name contains."""
        stem = normalize_name(Path(file_name).stem).upper()
        keys, lengths, starts = self._name_keys
        hits: dict[str, tuple[Unit, str]] = {}
        for i in range(len(stem) - 1):
            if stem[i : i + 2] not in starts:
                continue
            for n in lengths:
                if i + n > len(stem):
                    break
                found = keys.get(stem[i : i + n])
                if found:
                    for u, kind in found:
                        if kind == "code" and not _code_boundary(stem, i, i + n):
                            continue  # code 20 is not in "…_2023": a code stands apart from letters and digits
                        if kind in kinds and (u.code not in hits or len(hits[u.code][1]) < n):
                            hits[u.code] = (u, stem[i : i + n])
        return hits

    def match_name(self, name: str | None) -> Unit | None:
        """The roster unit a unit name written in a file stands for, or None.

        The full name, compared as `by_name` does (NFKC: full- and half-width alike; no spaces), and also
        without invisible characters (a zero-width space pasted along); else the name without the district
        prefix or its leading part (烟台市芝罘区科学技术局 is also 芝罘区科学技术局 and 科学技术局) when
        exactly one unit's name is that. Never an abbreviation: 科技局 is no unit's name.
        """
        if not name:
            return None
        exact = self.by_name(name)
        if exact is not None:
            return exact
        found = self._short_names.get(_match_key(name))
        return found[0] if found is not None and len(found) == 1 else None

    @cached_property
    def _short_names(self) -> dict[str, tuple[Unit, ...]]:
        """Match key -> units for every way `match_name` accepts a name: the full name without invisible
        characters, and the name without the district prefix or without the part of it up to each of its
        省/市/区/县/旗 (烟台市芝罘区 -> 芝罘区, then nothing). Built once per roster."""
        prefix = _match_key(self.district_prefix)
        tails = [prefix[i + 1 :] for i, c in enumerate(prefix) if c in "省市区县旗"]
        keys: dict[str, list[Unit]] = {}
        for u in self.units:
            full = _match_key(u.name)
            own = {full}
            if prefix and full.startswith(prefix) and len(full) - len(prefix) >= 2:
                own.update(tail + full[len(prefix) :] for tail in tails)
            for key in own:
                keys.setdefault(key, []).append(u)
        return {k: tuple(v) for k, v in keys.items()}


def _code_boundary(stem: str, start: int, end: int) -> bool:
    """Whether stem[start:end] stands apart: no ASCII letter or digit right before or after it."""
    before = stem[start - 1] if start > 0 else ""
    after = stem[end] if end < len(stem) else ""
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _match_key(name: str) -> str:
    """`normalize_name`, and no invisible (format) characters such as a zero-width space or a BOM."""
    s = normalize_name(name)
    return "".join(c for c in s if unicodedata.category(c) != "Cf") if not s.isascii() else s


def filename_unit(file_name: str, roster: Roster) -> Unit | None:
    """The roster unit a file name names confidently, or None.

    Confident: the name contains the unit's code, its full name, or its name without the district
    prefix (科学技术局 for 烟台市芝罘区科学技术局) — and no other unit's name or code, except one that is
    part of the matched text. "科技局.xlsx" names nobody; "民政局与财政局.xlsx" names two, so nobody.
    """
    hits = roster.named_in(file_name)
    # a hit whose matched text lies inside another hit's matched text is not a second candidate
    kept = [(u, m) for u, m in hits.values() if not any(m != m2 and m in m2 for u2, m2 in hits.values() if u2 != u)]
    return kept[0][0] if len(kept) == 1 else None


def load_roster(path: str | Path) -> Roster:
    """The roster in a CSV or XLSX file (`xltool.roster_load.load_roster`)."""
    from xltool.roster_load import load_roster as load

    return load(path)
