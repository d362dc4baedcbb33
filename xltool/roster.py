"""The district roster: which units must report (code, name, category), and how a name finds its unit.

Reading a roster file (CSV or XLSX as clerks keep them) is `xltool.roster_load`; `load_roster` here loads it
on first use, so that a validation without a roster does not import the loader.

Three ways a name finds its unit, each an index built once per roster (never a scan of the units per name):

- `Roster.match_name`: the unit a report's content names — its name in full, without the local prefix
  (烟台市芝罘区), one of the names a joint unit's roster name gives (…卫生健康局、区医疗保障局), or a
  government's or street office's place with or without 人民政府 / 办事处 and its city (烟台市芝罘区 is the
  roster's 烟台市芝罘区人民政府 or 芝罘区). Never an abbreviation.
- `Roster.name_candidates` / `filename_unit`: the units a file's name names — also by a short name (科技局,
  住建局, 区政府办, 黄务街道): a unit of the same kind (局, 办, 街道 …) whose name holds the short name's
  characters in the same order from its first one, and no other. Only ever a hint: the content comes first.
- `Roster.lookup`: what a clerk typed as a command's unit argument (code, name, short name, part of a name),
  with the candidates when it fits several; `Roster.nearest`: the units close to a name no unit has.
"""

from __future__ import annotations

import os
import re
import unicodedata
from bisect import bisect_left
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
class Lookup:
    """What a name a clerk typed (a command's unit argument) stands for in the roster (`Roster.lookup`)."""

    unit: Unit | None
    """The one roster unit it names, or None (nothing, or several: `candidates`)."""
    how: str = ""
    """`code`, `name` (the name in full, without the district prefix, a government without 人民政府 …),
    `abbreviation` (住建局, 区政府办, 黄务街道, or a name inside the text) or `part` (a part of one name only);
    "" when nothing matched."""
    candidates: tuple[Unit, ...] = ()
    """The units it could be, when it names several: say them, so that the clerk can write one in full."""


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
    def _normalized(self) -> tuple[tuple[Unit, str, str, str], ...]:
        """(unit, code, name, match key) per unit, each normalized once: the code upper-case, the name as
        `normalize_name` gives it, the match key without invisible characters (`_match_key`).

        Every index below is built from these, so that a roster's names are normalized once, never again
        per file name asked about."""
        out = []
        for u in self.units:
            name = normalize_name(u.name)
            out.append((u, normalize_name(u.code).upper(), name, _without_format(name)))
        return tuple(out)

    @cached_property
    def _index(self) -> tuple[dict[str, Unit], dict[str, Unit]]:
        """Normalized code -> unit and normalized name -> unit (the first one, as a scan would find it).

        Built once: a lookup per file over a 10,000-unit roster must not scan the roster.
        """
        codes: dict[str, Unit] = {}
        names: dict[str, Unit] = {}
        for u, code, name, _key in self._normalized:
            codes.setdefault(code, u)
            names.setdefault(name, u)
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
    def local_prefix(self) -> str:
        """The place most units' names begin with (烟台市芝罘区), for matching names written without it.

        The longest run of leading place names (烟台市, 芝罘区: `_places`) that more than half of the names
        (and at least two) begin with: `district_prefix` when every name does, and still 烟台市福山区 when a
        jointly run 烟台高新技术产业开发区与福山区…委员会 breaks the common beginning.
        """
        keys = [key for _u, _c, _n, key in self._normalized]
        if len(keys) < 2:
            return ""
        counts: dict[str, int] = {}
        for key in keys:
            acc = ""
            for comp in _places(key)[0][:4]:
                acc += comp
                counts[acc] = counts.get(acc, 0) + 1
        best = ""
        for prefix, n in counts.items():
            if n >= 2 and 2 * n > len(keys) and len(prefix) > len(best):
                best = prefix
        return best

    @cached_property
    def _tails(self) -> tuple[str, ...]:
        """How a name may begin in place of the local prefix (烟台市芝罘区): the prefix, its last places
        (芝罘区), its level alone (区, as in 区政府办, 区财政局); longest first."""
        prefix = self.local_prefix
        if not prefix:
            return ()
        comps = _places(prefix)[0]
        tails = {"".join(comps[k:]) for k in range(len(comps))} | {prefix[-1]}
        return tuple(sorted(tails, key=len, reverse=True))

    @cached_property
    def _forms(self) -> tuple[tuple[Unit, str, tuple[str, ...], tuple[str, ...]], ...]:
        """(unit, match key, other names, remarks) per unit: `_aliases` of each roster name, worked out once."""
        prefix = self.local_prefix
        out = []
        for u, _code, _name, key in self._normalized:
            names, remarks = _aliases(key, prefix)
            out.append((u, key, names, remarks))
        return tuple(out)

    @cached_property
    def _name_keys(self) -> tuple[dict[str, list[tuple[Unit, str]]], tuple[int, ...], frozenset[str]]:
        """What a file name may contain to name a unit -> [(unit, "code" | "full" | "short" | "place")], the
        lengths of those keys and their first two characters.

        `full`: the roster name, or another name it gives (the name without a remark in brackets, each of two
        names joined by 、 or /); `short`: one of those without the local prefix; `place`: a government's or a
        street's place (芝罘区 for 烟台市芝罘区人民政府, 黄务街道 for …黄务街道办事处), with or without the
        places above it.

        Built once, so that asking a file name costs a few lookups where a key may begin, not a scan of the
        roster (1,000 files against a 1,000-unit roster were 3 million normalizations).
        """
        prefix = self.local_prefix.upper()
        keys: dict[str, list[tuple[Unit, str]]] = {}
        seen: set[tuple[str, int, str]] = set()

        def add(key: str, u: Unit, kind: str) -> None:
            if len(key) >= 2 and (key, id(u), kind) not in seen:
                seen.add((key, id(u), kind))
                keys.setdefault(key, []).append((u, kind))

        for (u, code, name, _key), (_u, _k, names, _r) in zip(self._normalized, self._forms, strict=True):
            add(code, u, "code")
            for form in (name.upper(), *(n.upper() for n in names)):
                add(form, u, "full")
                if prefix and form.startswith(prefix) and len(form) - len(prefix) >= 2:
                    add(form[len(prefix) :], u, "short")
                chain = _region_chain(form)
                for k in range(len(chain or ())):
                    add("".join(chain[k:]), u, "place")  # type: ignore[index]
        # a key of very many units (白石街道 in every district of a province) names none of them
        keys = {k: v for k, v in keys.items() if len(v) <= _MANY or len({id(u) for u, _k in v}) <= _MANY}
        return keys, tuple(sorted({len(k) for k in keys})), frozenset(k[:2] for k in keys)

    def _exact_hits(self, stem: str) -> list[tuple[Unit, int, int, str]]:
        """(unit, start, end, kind) for every `_name_keys` key at stem[start:end] (`stem` normalized, upper)."""
        keys, lengths, starts = self._name_keys
        hits: list[tuple[Unit, int, int, str]] = []
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
                        hits.append((u, i, i + n, kind))
        return hits

    def named_in(
        self, file_name: str, kinds: tuple[str, ...] = ("code", "full", "short")
    ) -> dict[str, tuple[Unit, str]]:
        """Unit code -> (unit, the longest of its `kinds` of keys) for every unit a file's name contains."""
        stem = normalize_name(Path(file_name).stem).upper()
        hits: dict[str, tuple[Unit, str]] = {}
        for u, i, j, kind in self._exact_hits(stem):
            if kind in kinds and (u.code not in hits or len(hits[u.code][1]) < j - i):
                hits[u.code] = (u, stem[i:j])
        return hits

    # ----------------------------------------------------------------------- abbreviations

    @cached_property
    def _abbreviations(
        self,
    ) -> tuple[tuple[tuple[Unit, str, tuple[str, ...]], ...], dict[tuple[str, str, str], set[int]]]:
        """What a short name (住建局, 区政府办, 黄务街道) is looked up in: every roster name's (and other
        name's) body — the name without the local prefix and without its kind (局, 办公室, 街道办事处 …:
        `_KINDS`) — and an index (kind, first character of the body, another character of it) -> bodies.

        A short name is a unit's when its body begins with the same character and its characters stand in
        the same order in the unit's body (住建 in 住房和城乡建设); places it begins with are the body's own,
        as they are (芝罘区 is not 芝罘岛区). The index gives the few bodies that hold the first two
        characters, never a scan of the roster. Each body is kept with the places it begins with. Built
        once, when a name is first not found in full.
        """
        tails = tuple(t.upper() for t in self._tails)
        bodies: list[tuple[Unit, str, tuple[str, ...]]] = []
        index: dict[tuple[str, str, str], set[int]] = {}
        for u, key, names, remarks in self._forms:
            seen: set[tuple[str, str]] = set()
            for form in (key, *names, *remarks):
                rest = _without_tail(form.upper(), tails)
                kind = _kind_of(rest)
                if kind is None:
                    continue
                body = _body(rest[: len(rest) - kind[1]])
                if len(body) < 2 or (kind[0], body) in seen:
                    continue
                seen.add((kind[0], body))
                n = len(bodies)
                bodies.append((u, body, tuple(_places(body)[0])))
                for c in set(body[1:]):
                    index.setdefault((kind[0], body[0], c), set()).add(n)
        return tuple(bodies), index

    def _abbreviated(self, stem: str, spans: list[tuple[int, int]]) -> list[tuple[list[Unit], int, int]]:
        """([units], start, end) for each short name in `stem` (normalized, upper) that `_abbreviations`'
        bodies explain: a stretch ending with a kind (局, 委, 办, 街道 …) whose body matches, the local prefix
        or its tail just before it counted in. Stretches that lie within `spans` (names found in full) are not
        asked. More than `_MANY` units for one stretch are not all listed: it names none of them."""
        out: list[tuple[list[Unit], int, int]] = []
        ends = list(_kind_ends(stem))
        if not ends:
            return out
        bodies, index = self._abbreviations
        tails = tuple(t.upper() for t in self._tails)
        longest_tail = len(tails[0]) if tails else 0
        seps = [k for k, c in enumerate(stem) if not c.isalnum()]  # a short name is not read across "_", "-" …
        kind_ends = {j for j, _k, _n in ends}
        for j, kind, length in ends:
            b = j - length
            sep = seps[bisect_left(seps, b) - 1] if seps and seps[0] < b else -1
            covered = min((s for s, e in spans if e >= j), default=j)  # stem[covered:j] lies in a name
            # the body stem[i:b]: two characters at least, no separator in it, not (with a tail before it)
            # within a name found in full
            top = min(b - 2, covered + longest_tail - 1)
            for i in range(top, max(sep, b - 1 - _LONGEST_BODY), -1):
                if i > 0 and stem[i - 1] in "和与及" and (i - 1) not in kind_ends:
                    continue  # 综合执法局 in 城市管理和综合执法局: the end of a longer name, not a name
                before, end = _places(stem[sep + 1 : i])
                if before and end == i - sep - 1 and before[-1] not in tails and not _has_ascii(before[-1]):
                    continue  # 莱山区科技局 beside a roster of 芝罘区: another place's 科技局
                if _another_place_before(stem, i, tails):
                    continue  # 国家财政局, 市民政局: another level's
                start = next((i - len(t) for t in tails if i >= len(t) and stem.startswith(t, i - len(t))), i)
                if start >= covered:
                    continue
                q = _body(stem[i:b])
                sets = [index.get((kind, q[0], c)) for c in set(q[1:])]
                if not all(sets):
                    continue
                sets.sort(key=len)  # type: ignore[arg-type]
                found = sets[0].intersection(*sets[1:])  # type: ignore[union-attr]
                places, after = _places(q)
                units: list[Unit] = []
                for n in sorted(found):
                    u, body, own = bodies[n]
                    if places:  # 芝罘区科技: the body begins with 芝罘区 itself, then 科…技
                        at = len("".join(places))
                        fits = (
                            after < len(q)
                            and tuple(own[: len(places)]) == tuple(places)
                            and body[at : at + 1] == q[after]
                            and _in_order(q[after + 1 :], body[at + 1 :])
                        )
                    else:  # (two characters: the index says they stand in order)
                        fits = len(q) == 2 or _in_order(q[1:], body[1:])
                    if fits and not any(x is u for x in units):
                        units.append(u)
                        if len(units) > _MANY:
                            break
                if units:
                    out.append((units, start, j))
        return out

    def _candidates(self, stem: str) -> list[Unit]:
        """The units `stem` (normalized, upper) names: by code, name, place or short name. What is found
        within a wider stretch found for another name is not a second candidate (民政局 in 烟台市芝罘区民政局,
        科技局 in 芝罘区科技局 beside the 芝罘区 of a roster's 烟台市芝罘区人民政府); short names are not
        looked for within names found in full."""
        exact = self._exact_hits(stem)
        found: dict[tuple[int, int], list[Unit]] = {}
        tails = tuple(t.upper() for t in self._tails)
        for u, i, j, _kind in exact:
            if _kind in ("short", "place") and _another_place_before(stem, i, tails):
                continue  # 烟台市莱山区科学技术局, 山东省财政局, 烟台市人民政府: not this district's unit
            got = found.setdefault((i, j), [])
            if not got or got[-1] is not u:
                got.append(u)
        for units, i, j in self._abbreviated(stem, list(found)):
            found.setdefault((i, j), []).extend(units)
        out: list[Unit] = []
        reach = -1
        for i, j in sorted(found, key=lambda span: (span[0], -span[1])):
            if j <= reach:
                continue  # within a wider stretch (sorted so: any wider one came before)
            reach = j
            for u in found[(i, j)]:
                if not any(x is u for x in out):
                    out.append(u)
                    if len(out) > _MANY:
                        return out
        return out

    def name_candidates(self, file_name: str) -> tuple[Unit, ...]:
        """Every roster unit a file's name names (`filename_unit` takes the one when there is one): its code,
        its name in full or without the local prefix, its place (芝罘区 for 烟台市芝罘区人民政府), or a short
        name (科技局, 住建局, 区政府办, 黄务街道). Two or more: the name cannot tell which (say so)."""
        return tuple(self._candidates(normalize_name(Path(file_name).stem).upper()))

    # ----------------------------------------------------------------------- names written in a file

    def match_name(self, name: str | None) -> Unit | None:
        """The roster unit a unit name written in a file stands for, or None.

        The full name, compared as `by_name` does (NFKC: full- and half-width alike; no spaces), and also
        without invisible characters (a zero-width space pasted along); else, when exactly one unit's name is
        that: the name without the local prefix or its leading part (烟台市芝罘区科学技术局 is also
        芝罘区科学技术局, 科学技术局 and 区科学技术局); the name without a remark in brackets, or one of two
        names joined by 、 or / (烟台市福山区卫生健康局 for 烟台市福山区卫生健康局、区医疗保障局); a
        government's or a street's name with or without 人民政府 / 办事处 and with or without the places above
        it (烟台市芝罘区, 芝罘区人民政府 and 芝罘区 alike). Never an abbreviation: 科技局 is what a file's name
        or a clerk may write (`name_candidates`, `lookup`), not the unit a report says it is.
        """
        if not name:
            return None
        exact = self.by_name(name)
        if exact is not None:
            return exact
        key = _match_key(name)
        found = self._short_names.get(key)
        if found is not None:
            return found[0] if len(found) == 1 else None
        return self._by_place(key)

    @cached_property
    def _short_names(self) -> dict[str, tuple[Unit, ...]]:
        """Match key -> units for every way `match_name` accepts a name but by place: the full name without
        invisible characters, its other names (`_aliases`), and each without the local prefix or with one of
        its tails in its place (烟台市芝罘区 -> 芝罘区, 区, nothing). Built once per roster."""
        prefix = self.local_prefix
        tails = set(self._tails) | {""}
        keys: dict[str, list[Unit]] = {}
        for u, key, names, _remarks in self._forms:
            for form in (key, *names):
                own = {form}
                if prefix and form.startswith(prefix) and len(form) - len(prefix) >= 2:
                    own.update(tail + form[len(prefix) :] for tail in tails)
                for k in own:
                    got = keys.setdefault(k, [])
                    if not any(x is u for x in got):
                        got.append(u)
        return {k: tuple(v) for k, v in keys.items()}

    @cached_property
    def _places_index(self) -> dict[str, tuple[tuple[Unit, tuple[str, ...]], ...]]:
        """Last place -> (unit, its places) for every unit that is a place's government or street office
        (烟台市芝罘区人民政府, 芝罘区, 黄务街道办事处: `_region_chain`)."""
        out: dict[str, list[tuple[Unit, tuple[str, ...]]]] = {}
        for u, key, names, _remarks in self._forms:
            for form in (key, *names):
                chain = _region_chain(form)
                if chain and (u, chain) not in out.get(chain[-1], ()):
                    out.setdefault(chain[-1], []).append((u, chain))
        return {k: tuple(v) for k, v in out.items()}

    def _by_place(self, key: str) -> Unit | None:
        """The one unit that is the government or street office of the place `key` names (places agree
        where both say them: 芝罘区 is 烟台市芝罘区, not 威海市芝罘区)."""
        chain = _region_chain(key)
        if not chain:
            return None
        found = {id(u): u for u, c in self._places_index.get(chain[-1], ()) if _same_place(c, chain)}
        return next(iter(found.values())) if len(found) == 1 else None

    def names_own_place(self, name: str | None) -> bool:
        """Whether `name` is the place the roster's units belong to (烟台市芝罘区, 芝罘区 or 芝罘区人民政府
        beside a roster of 烟台市芝罘区's departments): a summary of these units, not one of them."""
        chain = _region_chain(_match_key(name or ""))
        own = tuple(_places(self.local_prefix)[0])
        return bool(chain and own) and _same_place(chain, own)  # type: ignore[arg-type]

    # ----------------------------------------------------------------------- what a clerk typed

    def lookup(self, text: str | None) -> Lookup:
        """The roster unit a clerk's argument (`campaign status 住建局`) names.

        In this order: a unit's code; a name `match_name` accepts; names and short names inside the text as
        in a file's name (`name_candidates`: 住建局, 区政府办, 黄务街道, 芝罘区科技局); a part of exactly one
        unit's name (科学技术). Several units at one step: none, with `candidates` to name them.
        """
        t = normalize_name(text or "")
        if not t:
            return Lookup(None)
        u = self.by_code(t) or None
        if u is not None:
            return Lookup(u, "code")
        u = self.match_name(t)
        if u is not None:
            return Lookup(u, "name")
        found = self._candidates(t.upper())
        if found:
            return Lookup(found[0], "abbreviation") if len(found) == 1 else Lookup(None, "abbreviation", tuple(found))
        key = _match_key(t)
        parts = [u for u, _c, _n, k in self._normalized if key in k]  # one argument: a scan is fine
        if len(parts) == 1:
            return Lookup(parts[0], "part")
        return Lookup(None, "part" if parts else "", tuple(parts))

    def nearest(self, name: str | None, limit: int = 3) -> tuple[Unit, ...]:
        """Roster units close to a unit name no roster unit has (for “名单中相近的单位：…”), best first.

        The units the name names as a file's name would (`name_candidates`: 工信局 ->
        …工业和信息化局, 芝罘区汇总表 -> 烟台市芝罘区人民政府); else the names that share most of its
        character pairs (at least half). Nothing for a unit of another place of the same level as the local
        prefix (烟台市莱山区财政局 beside a roster of 烟台市芝罘区): another district's 财政局 is not this
        one's.
        """
        key = _match_key(name or "")
        if not key or self._elsewhere(key):
            return ()
        found = self._candidates(key.upper())
        if found:
            return tuple(found[:limit])
        return self._similar(key, limit)

    def _elsewhere(self, key: str) -> bool:
        """Whether `key` begins with a place (3 characters or more) of a level of the local prefix that is not
        one of the roster's (莱山区 beside 烟台市芝罘区)."""
        comps = _places(key)[0]
        if not comps or not self.local_prefix:
            return False
        own = set(_places(self.local_prefix)[0])
        levels = {_level(c) for c in own}
        return any(len(c) >= 3 and _level(c) in levels and c not in own for c in comps)

    @cached_property
    def _pairs(self) -> tuple[dict[str, list[int]], tuple[tuple[Unit, int, str], ...]]:
        """Character pair -> units whose body (`_body_of`) holds it; (unit, number of its pairs, its kind)."""
        tails = self._tails
        index: dict[str, list[int]] = {}
        sizes = []
        for n, (u, _c, _name, key) in enumerate(self._normalized):
            kind, body = _body_of(_without_tail(key, tails))
            pairs = _pairs_of(body)
            sizes.append((u, len(pairs), kind))
            for p in pairs:
                index.setdefault(p, []).append(n)
        return index, tuple(sizes)

    def _similar(self, key: str, limit: int) -> tuple[Unit, ...]:
        """The units whose bodies share at least half of the character pairs of `key`'s body (Dice), of its
        kind if it says one: names are compared without the local prefix and without their kind, so that a
        科学技术协会 is not close to a 科学技术局, nor 牟平区人民政府 to 芝罘区人民政府."""
        kind, body = _body_of(_without_tail(key, self._tails))
        pairs = _pairs_of(body)
        if not pairs:
            return ()
        index, sizes = self._pairs
        counts: dict[int, int] = {}
        for p in pairs:
            found = index.get(p, ())
            if len(found) > _COMMON_PAIR:
                continue  # in very many names: says little, and would cost a scan
            for n in found:
                counts[n] = counts.get(n, 0) + 1
        scored = sorted(
            (
                (2 * c / (len(pairs) + sizes[n][1]), n)
                for n, c in counts.items()
                if not kind or sizes[n][2] in ("", kind)
            ),
            key=lambda x: (-x[0], x[1]),
        )
        return tuple(sizes[n][0] for score, n in scored[:limit] if score >= 0.5)


_PLACE_WORDS = ("自治州", "街道", "省", "市", "区", "县", "旗", "盟", "镇", "乡")
"""What a place's name ends with (烟台市, 芝罘区, 黄务街道, 大窑镇)."""

_KINDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("街道", ("街道办事处", "街道办", "街道"), ("街道办事处", "街道办", "街道")),
    ("镇", ("镇人民政府", "镇政府", "镇"), ("镇人民政府", "镇政府", "镇")),
    ("乡", ("乡人民政府", "乡政府", "乡"), ("乡人民政府", "乡政府", "乡")),
    ("政府", ("人民政府", "政府"), ("人民政府", "政府")),
    ("委", ("委员会", "委"), ("委员会", "委会", "委")),
    ("办", ("办公室", "办"), ("办公室", "办")),
    ("中心", ("中心",), ("中心",)),
    *((k, (k,), (k,)) for k in "局院所站队馆处厅部会团"),
)
"""The kinds of unit a name ends with: (kind, how a roster name ends, how a short name may end). A short name
is only ever a unit of its own kind: 街道 for …街道办事处, 办 for …办公室, 委 for …委员会, never 局 for 办."""

_NAME_ENDS = tuple(sorted(((e, k) for k, full, _s in _KINDS for e in full), key=lambda x: -len(x[0])))
_SHORT_ENDS: dict[str, tuple[tuple[str, str], ...]] = {}
for _k, _full, _short in _KINDS:
    for _e in _short:
        _SHORT_ENDS[_e[-1]] = tuple(sorted((*_SHORT_ENDS.get(_e[-1], ()), (_e, _k)), key=lambda x: -len(x[0])))
del _k, _full, _short, _e

_MANY = 8
"""More units than this for one stretch of a name are not listed: it names none of them."""
_LONGEST_BODY = 16
"""The longest body of a short name looked for (退役军人事务, 综合行政执法 and longer ones alike)."""
_COMMON_PAIR = 500
"""A character pair in more names than this is left out of `Roster.nearest`'s similarity."""
_PLACE_WORD = re.compile("|".join(_PLACE_WORDS))
_PLACE_ENDS = frozenset(w[-1] for w in _PLACE_WORDS)
_PAREN = re.compile(r"\([^()]*\)")
_SEP = re.compile(r"[、/,;]")


def _places(s: str) -> tuple[list[str], int]:
    """The place names `s` begins with, and where they end: 烟台市芝罘区科学技术局 -> ([烟台市, 芝罘区], 6).

    A place has two characters at least (市中区 is one place, not 市 + 中区)."""
    comps: list[str] = []
    start = 0
    for m in _PLACE_WORD.finditer(s):
        if m.end() - start >= 2:
            comps.append(s[start : m.end()])
            start = m.end()
    return comps, start


def _level(place: str) -> str:
    return next((w for w in _PLACE_WORDS if place.endswith(w)), "")


_OTHER_LEVELS = ("国家", "中央", "省", "自治区", "市", "州", "盟", "县", "旗")


def _another_place_before(stem: str, i: int, tails: tuple[str, ...]) -> bool:
    """Whether what stands right before stem[i] (back to a separator) names a place that is not the roster's own:
    a name without the local prefix (科学技术局, 人民政府) or a bare place (芝罘区) found after another place
    (烟台市莱山区…, 山东省…, 市…, 威海市…) is that place's unit, not this district's."""
    k = i
    while k > 0 and stem[k - 1].isalnum():
        k -= 1
    head = stem[k:i]
    if not head or head in tails or any(head.endswith(t) for t in tails if len(t) > 1):
        return False  # nothing before it, or the roster's own place (芝罘区民政局, 区财政局; not 莱山区)
    if head in _OTHER_LEVELS:
        return True
    places, end = _places(head)
    if not places:
        return False
    return end == len(head) or places[-1] not in tails  # 烟台市人民|政府办: the city's, not 区政府办


def _region_chain(key: str) -> tuple[str, ...] | None:
    """The places of a place's government or street office, or of a bare place name: 烟台市芝罘区人民政府 and
    烟台市芝罘区 -> (烟台市, 芝罘区); 黄务街道办事处 -> (黄务街道,); 大窑镇人民政府 -> (大窑镇,). None for any other
    name (…人民政府办公室 is an office, not a government)."""
    s = key
    for gov in ("人民政府", "政府"):
        if s.endswith(gov) and len(s) > len(gov):
            s = s[: -len(gov)]
            break
    else:
        if s.endswith("街道办事处"):
            s = s[:-3]
        elif s.endswith("街道办"):
            s = s[:-1]
    if not s or s[-1] not in _PLACE_ENDS:
        return None
    comps, end = _places(s)
    if end < len(s):
        rest = s[end:]
        if comps and len(rest) == 1 and rest in "省市区县旗盟镇乡":
            comps[-1] += rest  # 沙市区: 沙市 + 区 is one place
        else:
            return None
    return tuple(comps) or None


def _same_place(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Places agree where both say them: one is the other's end (芝罘区 ~ 烟台市芝罘区)."""
    n = min(len(a), len(b))
    return a[len(a) - n :] == b[len(b) - n :]


def _aliases(key: str, prefix: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Other names a roster name (a match key) gives its unit, and the remarks in its brackets.

    烟台市福山区人民政府办公室(区政务公开办) -> (烟台市福山区人民政府办公室,), (烟台市福山区政务公开办,);
    烟台市福山区卫生健康局、区医疗保障局 -> (烟台市福山区卫生健康局, 烟台市福山区医疗保障局), (). A name that
    begins with the level of the local prefix (区医疗保障局) is that place's (烟台市福山区医疗保障局)."""

    def expand(part: str) -> str:
        if prefix and not part.startswith(prefix) and len(part) > 2 and part[0] == prefix[-1]:
            return prefix + part[1:]
        return part

    if "(" not in key and not _SEP.search(key):
        return (), ()
    main = _PAREN.sub("", key)
    parts = [expand(p) for p in _SEP.split(main) if len(p) >= 2]
    names = tuple(dict.fromkeys(n for n in (main, *parts) if n and n != key))
    remarks = tuple(dict.fromkeys(expand(p) for m in _PAREN.findall(key) for p in _SEP.split(m[1:-1]) if len(p) >= 2))
    return names, remarks


def _without_tail(s: str, tails: tuple[str, ...]) -> str:
    """`s` without the local prefix or a tail of it at its beginning (longest first), when two characters
    or more remain."""
    for t in tails:
        if s.startswith(t) and len(s) - len(t) >= 2:
            return s[len(t) :]
    return s


def _kind_of(name: str) -> tuple[str, int] | None:
    """(kind, length of the ending) of a roster name: 住房和城乡建设局 -> (局, 1), …街道办事处 -> (街道, 5)."""
    for end, kind in _NAME_ENDS:
        if name.endswith(end) and len(name) > len(end):
            return kind, len(end)
    return None


def _kind_ends(stem: str):
    """(end, kind, length of the ending) at every place in `stem` where a short name may end (the longest
    ending there: 街道办 is a street's, not an office's)."""
    for j in range(1, len(stem) + 1):
        for end, kind in _SHORT_ENDS.get(stem[j - 1], ()):
            if j >= len(end) and stem.startswith(end, j - len(end)):
                yield j, kind, len(end)
                break


def _body_of(name: str) -> tuple[str, str]:
    """(kind, body) of a name: 卫生健康局 -> (局, 卫生健康); 芝罘区人民政府 -> (政府, 芝罘区); (“”, name) when it
    ends with no kind."""
    kind = _kind_of(name)
    if kind is None:
        return "", name
    return kind[0], _body(name[: len(name) - kind[1]])


def _body(s: str) -> str:
    """A body as short names write it: 人民政府 is 政府 (区政府办 for 区人民政府办公室)."""
    return s.replace("人民政府", "政府")


def _has_ascii(s: str) -> bool:
    return any(c.isascii() for c in s)


def _in_order(short: str, body: str) -> bool:
    """Whether the characters of `short` stand in `body` in the same order (人社 in 人力资源和社会保障)."""
    it = iter(body)
    return all(c in it for c in short)


def _pairs_of(s: str) -> frozenset[str]:
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


def _code_boundary(stem: str, start: int, end: int) -> bool:
    """Whether stem[start:end] stands apart: no ASCII letter or digit right before or after it."""
    before = stem[start - 1] if start > 0 else ""
    after = stem[end] if end < len(stem) else ""
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _without_format(s: str) -> str:
    """`s` without invisible (format) characters such as a zero-width space or a BOM."""
    if s.isprintable():  # (format characters are not printable: most names have none)
        return s
    return "".join(c for c in s if unicodedata.category(c) != "Cf")


def _match_key(name: str) -> str:
    """`normalize_name`, and no invisible (format) characters such as a zero-width space or a BOM."""
    return _without_format(normalize_name(name))


def filename_unit(file_name: str, roster: Roster) -> Unit | None:
    """The roster unit a file name names confidently, or None.

    Confident: the name contains the unit's code, its full name or its name without the local prefix
    (科学技术局 for 烟台市芝罘区科学技术局), its place when it is a government or a street office (芝罘区,
    黄务街道), or a short name of it that no other unit of its kind has (科技局, 住建局, 区政府办: `Roster.
    name_candidates`) — and no other unit's, except one that is part of the matched text. "民政局与财政局.xlsx"
    names two, so nobody; "人社局.xlsx" beside two units whose names both hold 人…社…局 names nobody either.
    Only ever a hint: the unit a file's content names comes first (`xltool.identity.attribute`).
    """
    found = roster.name_candidates(file_name)
    return found[0] if len(found) == 1 else None


def load_roster(path: str | Path) -> Roster:
    """The roster in a CSV or XLSX file (`xltool.roster_load.load_roster`)."""
    from xltool.roster_load import load_roster as load

    return load(path)
