"""Benchmark: `write_summary` (the consolidation workbook) over N synthetic units, against per-cell styling.

    python benchmarks/bench_summary.py --n 1000 [--seed 7] [--old OLD_summary_xlsx.py] [--no-baseline]
    python benchmarks/bench_summary.py --n 10000

A Consolidation of N units is built in this process without any file: every unit's figures come from
`bench_consolidate.unit_values` (fixed seed, valid by every rule), its UnitReport is validated with
`validate_report` (with last year's reports, so that X-CARRY warnings and the 本年与上年对比 chart occur) and
handed to `consolidate()` as a FileResult. About 3 % of the roster has not reported, 4 % have an error
(a 表三 row that does not add up), 3 % a carried-over figure that differs from last year's (a warning), 2 % a
value typed as text (“12件”, coerced: info), and a few files are superseded by a newer one or come from
outside the roster: every sheet of the summary has its usual share of rows.

Measured (each after a warm-up run of write_summary on 50 units, so that imports do not count):
- `write_summary(cons, path)`: seconds, ms per unit, file size;
- memory: RSS before the call, peak RSS during the call (sampled every 20 ms from /proc/self/statm) and the
  process's getrusage peak; with `--tracemalloc` a second, slower run gives the peak of Python allocations
  made during the call;
- baseline, same process, same data: plain openpyxl writing the same report sheets (every value, number
  format, font, fill, border, alignment, merged range and column width read back from the new workbook)
  with the style objects assigned cell by cell, as the summary writer did before, plus the official
  tables by the same template writer; charts are left out, so the baseline is if anything a little fast.
  The ratio printed is baseline / write_summary;
- `--old FILE`: also time another version of `xltool/summary_xlsx.py` (for instance
  `git show <commit>:xltool/summary_xlsx.py > /tmp/old.py`) on the same Consolidation.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import random
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from copy import copy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_consolidate import YEAR, machine, unit_of, unit_values  # noqa: E402

from xltool.schema import load_form  # noqa: E402

MISSING_SHARE, ERROR_SHARE, WARNING_SHARE, COERCED_SHARE = 0.03, 0.04, 0.03, 0.02


# --------------------------------------------------------------------------- the synthetic consolidation


def build_consolidation(n: int, seed: int) -> Any:
    """A Consolidation of n roster units (see the module docstring for the mix), without files."""
    from xltool.consolidate import consolidate
    from xltool.interchange import UnitReport
    from xltool.roster import Roster, Unit
    from xltool.template import template_filename
    from xltool.validate import FileResult, PriorData, validate_report

    form = load_form("gov-disclosure-2021")
    t2, t3 = form.table("t2"), form.table("t3")
    carried = [t3.key("carried_over", c.id) for c in t3.columns]
    forward = [t3.key("carried_forward", c.id) for c in t3.columns]
    rng = random.Random(seed)
    units = [Unit(*unit_of(i)) for i in range(1, n + 1)]
    roster = Roster(tuple(units))
    prior_reports, results = [], []

    def result(u: Unit, values: dict[str, Any], prior: UnitReport, file_tag: str = "") -> FileResult:
        rep = UnitReport(form.id, YEAR, u.name, u.code, values=values)
        path = f"/inbox/{file_tag}{template_filename(u.code, u.name, YEAR)}"
        rep.source = {"file": path, "sha256": hashlib.sha256(f"{path}:{seed}".encode()).hexdigest()}
        rep.meta = {"filled_at": f"{YEAR + 1}-01-{10 + len(file_tag):02d}T09:00:00+08:00"}
        return FileResult(path, rep, validate_report(rep, form=form, prior=prior, prior_given=True))

    for i, u in enumerate(units, start=1):
        values: dict[str, Any] = unit_values(form, random.Random(f"{seed}:{i}"))
        # last year's report: its 结转下年度继续办理 is this year's 上年结转
        prior_vals = unit_values(form, random.Random(f"{seed}:prior:{i}"))
        for src, dst in zip(forward, carried, strict=True):
            prior_vals[src] = values[dst]
        for row in ("regulation", "normative"):  # 现行有效 = last year's + 制发 - 废止
            k = t2.key
            prior_vals[k(row, "in_force")] = (
                values[k(row, "in_force")] - values[k(row, "issued")] + values[k(row, "repealed")]
            )
        prior = UnitReport(form.id, YEAR - 1, u.name, u.code, values=prior_vals)
        prior_reports.append(prior)
        x = rng.random()
        if x < MISSING_SHARE:
            continue
        x -= MISSING_SHARE
        if x < ERROR_SHARE:  # one applicant column of 表三 no longer balances
            values[t3.key("new_received", "natural_person")] += 1
        elif x < ERROR_SHARE + WARNING_SHARE:  # 上年结转 differs from last year's 结转下年度
            prior.values[forward[0]] = values[carried[0]] + 1
        elif x < ERROR_SHARE + WARNING_SHARE + COERCED_SHARE:
            key = t2.key("penalty", "decisions")
            values[key] = f"{values[key]}件"
        results.append(result(u, values, prior))
        if i % 500 == 7:  # an older return of the same unit, superseded by the one above
            results.append(result(u, dict(values), prior, file_tag="旧版_"))
    for j in range(max(1, n // 1000)):  # files of units outside the roster
        stranger = Unit(f"X{j:04d}", f"某某市外区第{j}号局", "部门")
        results.append(result(stranger, unit_values(form, random.Random(f"{seed}:x:{j}")), prior_reports[0]))
    return consolidate(results, roster, year=YEAR, prior=PriorData(prior_reports), jobs=1)


# --------------------------------------------------------------------------- measuring


class PeakRSS:
    """The peak resident set of this process while running, sampled every `interval` seconds."""

    def __init__(self, interval: float = 0.02):
        self.interval, self.peak = interval, rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Any, *args: Any) -> tuple[float, float]:
    """(seconds, peak RSS MB sampled) of fn(*args)."""
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        fn(*args)
        dt = time.perf_counter() - t0
    return dt, mem.peak


# --------------------------------------------------------------------------- the baseline


def report_sheets_snapshot(path: Path) -> list[dict[str, Any]]:
    """Every report sheet of a summary as plain data: cells with their style objects, merges, widths."""
    from openpyxl import load_workbook

    from xltool.summary_xlsx import SUMMARY_SHEETS

    wb = load_workbook(path)
    out = []
    for name in SUMMARY_SHEETS:
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                cells.append(
                    (
                        c.row,
                        c.column,
                        c.value,
                        c.number_format,
                        copy(c.font),
                        copy(c.fill),
                        copy(c.border),
                        copy(c.alignment),
                        c.quotePrefix,
                    )
                )
        out.append(
            {
                "name": name,
                "cells": cells,
                "merged": [str(r) for r in ws.merged_cells.ranges],
                "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
            }
        )
    wb.close()
    return out


def baseline_write(cons: Any, sheets: list[dict[str, Any]], path: Path) -> None:
    """The official tables by the template writer, then the report sheets written cell by cell, each cell's
    font, fill, border and alignment assigned as objects (openpyxl hashes each into its style tables)."""
    import json

    from openpyxl import load_workbook

    from xltool.template import write_template

    tmp = path.with_name("baseline-template.xlsx")
    members = cons.report.meta.get("members", [])
    write_template(
        cons.form,
        tmp,
        year=cons.year,
        unit_name=cons.unit_name,
        unit_code=cons.report.unit_code,
        values=dict(cons.report.values),
        meta_extra={"level": "consolidation", "members": json.dumps(members, ensure_ascii=False)},
        lock_inputs=True,
    )
    wb = load_workbook(tmp)
    for sh in sheets:
        ws = wb.create_sheet(sh["name"])
        for r, col, value, fmt, font, fill, border, alignment, quote in sh["cells"]:
            cell = ws.cell(row=r, column=col)
            if value is not None:
                cell.value = value
            cell.number_format = fmt
            cell.font, cell.fill, cell.border, cell.alignment = font, fill, border, alignment
            if quote:
                cell.data_type, cell.quotePrefix = "s", True
        for rng in sh["merged"]:
            ws.merge_cells(rng)
        for k, w in sh["widths"].items():
            ws.column_dimensions[k].width = w
    wb.save(path)
    tmp.unlink()


def load_module(path: Path, name: str = "summary_xlsx_other") -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="roster units")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-baseline", action="store_true", help="skip the per-cell styling baseline")
    ap.add_argument("--tracemalloc", action="store_true", help="a second run under tracemalloc (slower)")
    ap.add_argument("--old", type=Path, help="another summary_xlsx.py to time on the same data")
    ap.add_argument("--keep", type=Path, help="folder to keep the written workbooks in")
    args = ap.parse_args()

    from xltool.summary_xlsx import write_summary

    work = args.keep or Path(tempfile.mkdtemp(prefix="xltool-bench-summary-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    write_summary(build_consolidation(50, args.seed), work / "warm.xlsx")  # imports, caches

    t0 = time.perf_counter()
    cons = build_consolidation(args.n, args.seed)
    c = cons.counts
    print(
        f"consolidation of {args.n} units built in {time.perf_counter() - t0:.1f} s: {cons.status_line()}; "
        f"counted {c['counted']}, superseded {c['superseded']}, foreign {c['foreign']}; "
        f"{len(cons.findings)} findings; C-SUM {'ok' if cons.ok else 'FAILED'}"
    )
    if not cons.ok:
        raise SystemExit("C-SUM failed on the synthetic data")

    out = work / f"summary-{args.n}.xlsx"
    before = rss_mb()
    secs, peak = timed(write_summary, cons, out)
    print(
        f"write_summary: {secs:.2f} s = {secs / args.n * 1000:.2f} ms/unit; {out.stat().st_size / 2**20:.1f} MiB; "
        f"RSS {before:.0f} MB before, peak {peak:.0f} MB during (+{peak - before:.0f} MB); "
        f"getrusage peak of the process so far {maxrss_mb():.0f} MB"
    )
    if args.tracemalloc:
        tracemalloc.start()
        write_summary(cons, work / f"summary-{args.n}-traced.xlsx")
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"write_summary under tracemalloc: peak of Python allocations during the call {traced / 2**20:.0f} MB")

    if args.old:
        old = load_module(args.old)
        old_secs, old_peak = timed(old.write_summary, cons, work / f"summary-{args.n}-old.xlsx")
        print(
            f"{args.old.name}: {old_secs:.2f} s = {old_secs / args.n * 1000:.2f} ms/unit; peak RSS {old_peak:.0f} MB"
            f" -> write_summary is {old_secs / secs:.1f}x faster"
        )
    if not args.no_baseline:
        sheets = report_sheets_snapshot(out)
        n_cells = sum(len(s["cells"]) for s in sheets)
        base_secs, base_peak = timed(baseline_write, cons, sheets, work / f"baseline-{args.n}.xlsx")
        print(
            f"baseline (openpyxl, style objects assigned per cell, {n_cells} report cells, no charts): "
            f"{base_secs:.2f} s = {base_secs / args.n * 1000:.2f} ms/unit; peak RSS {base_peak:.0f} MB"
        )
        print(f"ratio: write_summary is {base_secs / secs:.1f}x faster than the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
