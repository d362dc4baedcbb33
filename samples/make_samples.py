"""Write the sample data: one interchange JSON per roster unit for 2021, and the same units' 2020 data.

    python samples/make_samples.py [--out DIR]

Deterministic (each unit's numbers come from a random generator seeded with SEED and the unit code), so
running it again gives byte-identical files. Every file is internally consistent (totals present and
equal to their parts, 收到 = 办结 + 结转) and consistent with its 2020 file (X-CARRY, X-IN-FORCE), except
for the deliberate errors listed in ERRORS — one unit per rule, documented in samples/README.md.

The 科学技术局 unit gets exactly the published seed data (published/zhifu-kjj-2021.json) with its roster code.
The 2020 files use the 2021 form's keys (a real 2020 report was on the 2019 form, which has no 现行有效件数;
the 2021 keys let the samples show X-IN-FORCE).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's xltool, installed or not

from xltool.schema import Form, load_form  # noqa: E402

SEED = 20211231
YEAR = 2021
FORM_ID = "gov-disclosure-2021"
SEED_CODE = "370602-D04"
"""The 科学技术局: its 2021 data are the published seed report's."""

APPLICANTS = ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org")
APPLICANT_WEIGHTS = (86, 7, 0.5, 0.5, 4, 2)
RESULTS = {
    # result row -> weight: most requests are granted or the information is not held
    "granted": 46,
    "partly_granted": 9,
    "denied_state_secret": 0.2,
    "denied_prohibited": 0.5,
    "denied_three_safety": 0.5,
    "denied_third_party": 2,
    "denied_internal": 1,
    "denied_process": 2,
    "denied_enforcement": 0.5,
    "denied_query": 1,
    "unable_not_held": 19,
    "unable_needs_creation": 3,
    "unable_unclear": 2,
    "rejected_petition": 4,
    "rejected_repeated": 3,
    "rejected_publication": 0.5,
    "rejected_excessive": 0.5,
    "rejected_reconfirm": 1.5,
    "other_no_correction": 2,
    "other_unpaid_fee": 0.2,
    "other_misc": 2,
}

# Scale of each unit: how many applications a year, and what it decides. Units not listed are small
# departments (部门) or sub-districts (街道) by their roster category.
APPLICATIONS = {"部门": (0, 6), "街道": (0, 3)}
LARGE = {
    "370602-D01": (25, 60),  # 区政府办公室: applications to the district government
    "370602-D10": (40, 90),  # 住房和城乡建设局: housing, demolition
    "370602-D11": (10, 30),
    "370602-D19": (15, 40),
    "370602-D22": (10, 35),
    "370602-S09": (8, 20),  # 黄务街道: redevelopment area
}
LICENSING = {"370602-D22": (2500, 6000), "370602-D03": (20, 120), "370602-D15": (60, 300), "370602-D14": (5, 60)}
PENALTY = {
    "370602-D19": (150, 420),
    "370602-D23": (300, 900),
    "370602-D11": (40, 260),
    "370602-D17": (10, 60),
    "370602-D15": (15, 90),
    "370602-D14": (3, 30),
    "370602-D10": (5, 40),
}
COERCION = {"370602-D19": (5, 40), "370602-D23": (10, 60), "370602-D11": (0, 20)}
FEES = {  # 万元, with the decimals real reports publish
    "370602-D22": Decimal("12.3456"),
    "370602-D10": Decimal("86.721501"),
    "370602-D19": Decimal("3.25"),
    "370602-D12": Decimal("0.84"),
}
NORMATIVE = {"370602-D01": (25, 60), "370602-D03": (6, 15), "370602-D06": (2, 8), "370602-D10": (5, 14)}
"""Units that issue 行政规范性文件: range of the number in force at the end of 2019."""


class Unit:
    def __init__(self, code: str, name: str, category: str):
        self.code, self.name, self.category = code, name, category


def read_roster(path: Path) -> list[Unit]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [Unit(r["code"], r["name"], r["category"]) for r in csv.DictReader(f)]


def spread(rng: random.Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    """n items drawn over the keys of `weights`."""
    out = dict.fromkeys(weights, 0)
    for k in rng.choices(list(weights), weights=list(weights.values()), k=n):
        out[k] += 1
    return out


def applications(rng: random.Random, unit: Unit, natural_only: bool = False) -> dict[str, int]:
    lo, hi = LARGE.get(unit.code, APPLICATIONS.get(unit.category, (0, 4)))
    n = rng.randint(lo, hi)
    weights = dict(zip(APPLICANTS, APPLICANT_WEIGHTS, strict=True))
    if natural_only:
        weights = {c: (1 if c == "natural_person" else 0) for c in APPLICANTS}
    return spread(rng, n, weights)


def t3_year(rng: random.Random, carried_over: dict[str, int], new: dict[str, int]) -> dict[str, int]:
    """One year's 表三 inputs: received = handled + carried forward, for every applicant column."""
    v: dict[str, int] = {}
    for col in APPLICANTS:
        available = carried_over[col] + new[col]
        # a few December applications are still open at the year's end
        forward = min(available, rng.choice((0, 0, 0, 0, 1, 1, 2)) if available > 3 else 0)
        handled = spread(rng, available - forward, RESULTS)
        v[f"t3.new_received.{col}"] = new[col]
        v[f"t3.carried_over.{col}"] = carried_over[col]
        for row, n in handled.items():
            v[f"t3.{row}.{col}"] = n
        v[f"t3.carried_forward.{col}"] = forward
    return v


def t4_year(rng: random.Random, received: int, quiet: bool = False) -> dict[str, int]:
    """表四: a few of the year's applications end in 行政复议 or 行政诉讼."""
    v: dict[str, int] = {}
    outcomes = {"upheld": 6, "corrected": 1, "other": 1, "pending": 1}
    for group, chance in (("review", 0.05), ("litigation_direct", 0.02), ("litigation_after_review", 0.01)):
        cases = 0 if quiet else sum(rng.random() < chance for _ in range(received))
        for col, n in spread(rng, cases, outcomes).items():
            v[f"t4.{group}.{col}"] = n
    return v


def pick(rng: random.Random, table: dict[str, tuple[int, int]], code: str) -> int:
    lo, hi = table.get(code, (0, 0))
    return rng.randint(lo, hi)


def with_totals(form: Form, inputs: dict[str, object]) -> dict[str, object]:
    """Every cell of the form in its order: the inputs, and each total as the sum of its parts."""
    values: dict[str, object] = {}
    for key, cell in form.cells.items():
        if not cell.is_total:
            values[key] = inputs[key]
    pending = list(form.total_keys)
    while pending:
        before = len(pending)
        for key in list(pending):
            parts = form.cells[key].totals[0]
            if all(p in values for p in parts):
                values[key] = sum(values[p] for p in parts)  # type: ignore[misc]
                pending.remove(key)
        if len(pending) == before:
            raise SystemExit(f"make_samples: totals that cannot be derived: {pending}")
    return {k: values[k] for k in form.cells}


def unit_years(form: Form, unit: Unit, seed_2021: dict | None) -> tuple[dict, dict]:
    """The unit's 2020 and 2021 values, consistent with each other."""
    rng = random.Random(f"{SEED}:{unit.code}")
    quiet = unit.code == BLANK_UNIT  # only natural persons, nothing in 表四: the cells it leaves blank
    in_force_2019 = {"regulation": 0, "normative": pick(rng, NORMATIVE, unit.code)}
    years: dict[int, dict[str, object]] = {}
    carried = {c: rng.choice((0, 0, 0, 1)) if unit.code in LARGE else 0 for c in APPLICANTS}
    carried["research"] = carried["nonprofit"] = 0
    if quiet:
        carried = dict.fromkeys(APPLICANTS, 0)
    in_force = in_force_2019
    for year in (2020, 2021):
        v: dict[str, object] = {}
        for row in ("regulation", "normative"):
            issued = rng.randint(0, 3) if in_force[row] else 0
            repealed = rng.randint(0, min(2, in_force[row]))
            v[f"t2.{row}.issued"], v[f"t2.{row}.repealed"] = issued, repealed
            v[f"t2.{row}.in_force"] = in_force[row] + issued - repealed
        v["t2.licensing.decisions"] = pick(rng, LICENSING, unit.code)
        v["t2.penalty.decisions"] = pick(rng, PENALTY, unit.code)
        v["t2.coercion.decisions"] = pick(rng, COERCION, unit.code)
        fee = FEES.get(unit.code, Decimal(0))
        v["t2.fees.amount"] = (fee * Decimal(rng.randint(85, 115)) / 100).quantize(fee) if year == 2020 else fee
        new = applications(rng, unit, natural_only=quiet)
        if year == YEAR and unit.code in NEW_NATURAL:
            new["natural_person"] = NEW_NATURAL[unit.code]
        v.update(t3_year(rng, carried, new))
        v.update(t4_year(rng, sum(new.values()), quiet=quiet))
        years[year] = with_totals(form, v)
        carried = {c: v[f"t3.carried_forward.{c}"] for c in APPLICANTS}  # type: ignore[misc]
        in_force = {row: v[f"t2.{row}.in_force"] for row in ("regulation", "normative")}  # type: ignore[misc]
    if seed_2021 is not None:
        # the seed unit's 2021 is the published report: make its 2020 end where the report starts
        prior = dict(years[2020])
        v21 = seed_2021
        for c in APPLICANTS + ("total",):
            delta = v21[f"t3.carried_over.{c}"] - prior[f"t3.carried_forward.{c}"]
            prior[f"t3.carried_forward.{c}"] += delta  # received and carried forward move together: balanced
            prior[f"t3.new_received.{c}"] += delta
            if prior[f"t3.new_received.{c}"] < 0:
                raise SystemExit(f"make_samples: cannot fit {unit.name}'s 2020 to the seed report ({c})")
        for row in ("regulation", "normative"):
            prior[f"t2.{row}.in_force"] = (
                v21[f"t2.{row}.in_force"] - v21[f"t2.{row}.issued"] + v21[f"t2.{row}.repealed"]
            )
        years = {2020: prior, 2021: dict(v21)}
    return years[2020], years[2021]


# --- deliberate errors: one unit per rule -----------------------------------------------------------------

Values = dict[str, object]


def _add(values: Values, key: str, n: int) -> None:
    if values[key] + n < 0:  # type: ignore[operator]
        raise SystemExit(f"make_samples: cannot change {key} by {n}: the generated value is {values[key]}")
    values[key] += n  # type: ignore[operator]


def err_balance(cur: Values, prior: Values) -> None:
    # one application too many received (自然人 and its 总计): received ≠ handled + carried forward
    _add(cur, "t3.new_received.natural_person", 1)
    _add(cur, "t3.new_received.total", 1)


def err_results(cur: Values, prior: Values) -> None:
    # one 予以公开 left out of the row but still in （七）总计
    _add(cur, "t3.granted.natural_person", -1)
    _add(cur, "t3.granted.total", -1)


def err_total(cur: Values, prior: Values) -> None:
    # a case moved from 予以公开 to 部分公开 in 自然人, the 总计 column left as it was
    _add(cur, "t3.granted.natural_person", -1)
    _add(cur, "t3.partly_granted.natural_person", 1)


def err_t4_total(cur: Values, prior: Values) -> None:
    _add(cur, "t4.review.total", 1)


def err_type(cur: Values, prior: Values) -> None:
    cur["t2.penalty.decisions"] = "约10"


def err_blank(cur: Values, prior: Values) -> None:
    # the legal-person columns left blank, "/" for none in 表四
    for key in list(cur):
        table, row, col = key.split(".")
        if table == "t3" and row != "results_total" and col in APPLICANTS[1:]:
            assert cur[key] == 0, key
            cur[key] = None
        if table == "t4" and col != "total":
            assert cur[key] == 0, key
            cur[key] = "/"


def err_coerced(cur: Values, prior: Values) -> None:
    assert cur["t3.new_received.natural_person"] == 12
    cur["t3.new_received.natural_person"] = "１２"


def err_carry(cur: Values, prior: Values) -> None:
    # a December 2020 application counted as carried over in 2021 although 2020's report did not carry it
    _add(cur, "t3.new_received.natural_person", -1)
    _add(cur, "t3.new_received.total", -1)
    _add(cur, "t3.carried_over.natural_person", 1)
    _add(cur, "t3.carried_over.total", 1)


def err_in_force(cur: Values, prior: Values) -> None:
    # 2020's report counted 3 more documents in force than 2021's numbers carry on (a clean-up not reported)
    _add(prior, "t2.normative.in_force", 3)


BLANK_UNIT = "370602-S05"
NEW_NATURAL = {"370602-D14": 12, "370602-D06": 4}
"""Units whose 2021 新收 of natural persons is fixed: the VALUE-COERCED sample writes it as "１２", the X-CARRY
sample moves one of them to 上年结转."""
ERRORS: dict[str, tuple[str, Callable[[Values, Values], None]]] = {
    "370602-D10": ("T3-BALANCE", err_balance),
    "370602-D19": ("T3-RESULTS", err_results),
    "370602-D22": ("T3-TOTAL", err_total),
    "370602-D07": ("T4-TOTAL", err_t4_total),
    "370602-S03": ("VALUE-TYPE", err_type),
    BLANK_UNIT: ("VALUE-BLANK", err_blank),
    "370602-D14": ("VALUE-COERCED", err_coerced),
    "370602-D06": ("X-CARRY", err_carry),
    "370602-D03": ("X-IN-FORCE", err_in_force),
}
"""Unit code -> (the rule its sample breaks, how)."""


# --- output -----------------------------------------------------------------------------------------------


def _json_value(v: object) -> object:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)  # float(repr) round-trips: 12.3456 stays
    return v


def document(unit: Unit, year: int, values: Values) -> str:
    doc = {
        "form": FORM_ID,
        "year": year,
        "unit": {"name": unit.name, "code": unit.code},
        "values": {k: _json_value(v) for k, v in values.items()},
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def make(out: Path) -> list[Path]:
    """Write out/data/<code>_<name>_2021.json and out/prior/<code>_<name>_2020.json for every roster unit."""
    form = load_form(FORM_ID)
    units = read_roster(HERE / "roster.csv")
    seed_doc = json.loads((HERE / "published" / "zhifu-kjj-2021.json").read_text(encoding="utf-8"))
    written = []
    for sub in ("data", "prior"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for unit in units:
        seed = seed_doc["values"] if unit.code == SEED_CODE else None
        if seed is not None and seed_doc["unit"]["name"] != unit.name:
            raise SystemExit(f"make_samples: the seed report is of {seed_doc['unit']['name']}, not {unit.name}")
        prior, cur = unit_years(form, unit, seed)
        if unit.code in ERRORS:
            ERRORS[unit.code][1](cur, prior)
        for sub, year, values in (("data", YEAR, cur), ("prior", YEAR - 1, prior)):
            p = out / sub / f"{unit.code}_{unit.name}_{year}.json"
            p.write_text(document(unit, year, values), encoding="utf-8")
            written.append(p)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="folder to write data/ and prior/ into (default: samples/)")
    args = ap.parse_args()
    files = make(args.out)
    print(f"{len(files)} files written under {args.out}")


if __name__ == "__main__":
    main()
