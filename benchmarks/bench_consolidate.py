"""Benchmark: `xltool consolidate` over N returned templates, against a plain openpyxl loop in the same run.

    python benchmarks/bench_consolidate.py --n 1000 [--seed 7] [--jobs 0] [--baseline 200] [--cache DIR]
    python benchmarks/bench_consolidate.py --n 10000

The N returned files are generated here with a fixed seed: one template is written and filled once
(`write_template` + `fill.fill_template`) with a placeholder unit and sentinel numbers, and every unit's file is
that workbook with its unit (name, code, template id) and its own valid figures patched into the zip members
(totals keep their SUM formulas and get the cached value a spreadsheet program would have saved). Files are
cached under the temp dir keyed by N, seed and the form's fingerprint, so a second run starts at once.

Measured, each in its own process so that nothing of the generator counts:
- library: `consolidate(files, roster, jobs=J)` (read + every trust check + validate + sum), then
  `write_summary` (the summary workbook, a fixed cost of about a second) — both times are printed;
- CLI: `python -m xltool consolidate DIR --roster R -o OUT.xlsx` end to end (interpreter start included), run
  under a pseudo-terminal so that the progress bar renders as a clerk sees it: its updates are counted;
- peak memory: the main process's and the largest worker's peak RSS (getrusage), and the whole process tree's
  RSS sampled every 0.1 s;
- baseline: `openpyxl.load_workbook` + reading the 200 declared cells, one file after another, on `--baseline`
  files (the same files), scaled to files/s; the ratio is the CLI's end-to-end rate over it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xltool.layout import fingerprint, sheet_layouts  # noqa: E402
from xltool.schema import Form, load_form  # noqa: E402

YEAR = 2021
GEN_VERSION = 2
"""Bump when the generated files change: the cache key includes it."""
PH_NAME = "XLTOOLBENCHxNAMEx9Z"
PH_CODE = "XLTOOLBENCHxCODEx9Z"
SENTINEL = 987_600_000
"""Input i of the base workbook holds SENTINEL + i; total j gets the cached value TOTAL_SENTINEL + j."""
TOTAL_SENTINEL = 987_700_000
FILE_TIME = datetime(2022, 1, 14, 16, 30)
"""The time stamped on every generated file (zip entries), so that files are byte-identical run to run."""
KINDS = ("局", "委员会", "办公室", "街道办事处", "中心", "服务局")
RESULT_WEIGHTS = (46, 9, 0.2, 0.5, 0.5, 2, 1, 2, 0.5, 1, 19, 3, 2, 4, 3, 0.5, 0.5, 1.5, 2, 0.2, 2)
"""Weights of 表三's result rows (granted, partly granted, …) in form order: most are granted or not held."""


# --------------------------------------------------------------------------- generated data


def unit_of(i: int) -> tuple[str, str, str]:
    """(code, name, category) of the i-th unit (1-based)."""
    kind = KINDS[i % len(KINDS)]
    return f"B{i:05d}", f"某某市某某区第{i}号{kind}", "街道" if kind == "街道办事处" else "部门"


def unit_values(form: Form, rng: random.Random) -> dict[str, int | Decimal]:
    """One unit's inputs and totals, consistent with every rule of the form (the file is valid)."""
    v: dict[str, int | Decimal] = {}
    t2, t3, t4 = (form.table(t) for t in ("t2", "t3", "t4"))
    for row in ("regulation", "normative"):
        before = rng.randint(0, 30)
        issued, repealed = rng.randint(0, 4), rng.randint(0, min(3, before))
        v[t2.key(row, "issued")], v[t2.key(row, "repealed")] = issued, repealed
        v[t2.key(row, "in_force")] = before + issued - repealed
    for row, hi in (("licensing", 3000), ("penalty", 500), ("coercion", 40)):
        v[t2.key(row, "decisions")] = rng.randint(0, hi)
    v[t2.key("fees", "amount")] = Decimal(rng.choice((0, 0, 0, rng.randint(1, 99_999)))) / 100
    results = [
        r.id for r in t3.rows if r.id not in ("new_received", "carried_over", "results_total", "carried_forward")
    ]
    assert len(results) == len(RESULT_WEIGHTS), results
    applicants = [c.id for c in t3.columns if not c.total_of]
    for col in applicants:
        new, carried = rng.randint(0, 60), rng.choice((0, 0, 0, 1, 2))
        forward = min(new + carried, rng.choice((0, 0, 1, 2)))
        counts = dict.fromkeys(results, 0)
        for r in rng.choices(results, weights=RESULT_WEIGHTS, k=new + carried - forward):
            counts[r] += 1
        v[t3.key("new_received", col)], v[t3.key("carried_over", col)] = new, carried
        v[t3.key("carried_forward", col)] = forward
        for r, n in counts.items():
            v[t3.key(r, col)] = n
    for row in t4.rows:
        for col in t4.columns:
            if not col.total_of:
                v[t4.key(row.id, col.id)] = rng.choice((0, 0, 0, 0, 1, 2, 3))
    missing = [k for k in form.input_keys if k not in v]
    assert not missing, missing
    pending = list(form.total_keys)
    while pending:
        for key in list(pending):
            parts = form.cells[key].totals[0]
            if all(p in v for p in parts):
                zero = Decimal(0) if form.cells[key].type == "decimal" else 0
                v[key] = sum((v[p] for p in parts), start=zero)
                pending.remove(key)
    return v


# --------------------------------------------------------------------------- the patched base workbook


def _escape_ref(text: str) -> bytes:
    from xml.sax.saxutils import escape

    return escape(text).encode("ascii", "xmlcharrefreplace")


def _escape_utf8(text: str) -> bytes:
    from xml.sax.saxutils import escape

    return escape(text).encode("utf-8")


def _number(v: int | Decimal) -> bytes:
    return (format(v, "f") if isinstance(v, Decimal) else str(v)).encode()


class Base:
    """The filled placeholder workbook, split into static pieces and places to substitute per unit."""

    def __init__(self, form: Form, work: Path):
        from xltool.fill import fill_template
        from xltool.interchange import UnitReport
        from xltool.template import write_template

        self.form = form
        self.inputs = list(form.input_keys)
        self.totals = list(form.total_keys)
        template = write_template(form, work / "base-template.xlsx", year=YEAR, unit_name=PH_NAME, unit_code=PH_CODE)
        values = {k: SENTINEL + i for i, k in enumerate(self.inputs)}
        rep = UnitReport(form.id, YEAR, PH_NAME, PH_CODE, values=values)
        filled = fill_template(template, rep, work / "base-filled.xlsx")
        with zipfile.ZipFile(filled) as z:
            members = [(i.filename, z.read(i)) for i in z.infolist()]
            self.template_id = re.search(
                rb'name="xltool.template_id"[^>]*><vt:lpwstr[^>]*>([0-9a-f]+)<', z.read("docProps/custom.xml")
            ).group(1)  # type: ignore[union-attr]
        parts = self._sheet_parts(dict(members))
        where = {}  # total key -> (part, cell ref)
        for lay in sheet_layouts(form).values():
            for key, pos in lay.cells.items():
                if form.cells[key].is_total:
                    where[key] = (parts[lay.sheet], pos.ref)
        patched = dict(members)
        for j, key in enumerate(self.totals):  # the cached value a spreadsheet program saves with each formula
            part, ref = where[key]
            pattern = re.compile(rb'(<c r="' + ref.encode() + rb'"[^>]*><f>[^<]*</f>)<v\s*/?>(</v>)?')
            patched[part], n = pattern.subn(rb"\g<1><v>" + str(TOTAL_SENTINEL + j).encode() + b"</v>", patched[part])
            assert n == 1, (key, ref, n)
        self.marks = {PH_NAME.encode(), PH_CODE.encode(), self.template_id}
        self.marks |= {f"<v>{SENTINEL + i}</v>".encode() for i in range(len(self.inputs))}
        self.marks |= {f"<v>{TOTAL_SENTINEL + j}</v>".encode() for j in range(len(self.totals))}
        rx = re.compile(b"(" + b"|".join(re.escape(m) for m in sorted(self.marks, key=len, reverse=True)) + b")")
        self.members: list[tuple[str, bytes, bytes, int, list[bytes] | None]] = []
        for name, _ in members:
            data = patched[name]
            pieces = rx.split(data)
            if len(pieces) == 1:  # nothing to substitute: deflated once for every file
                self.members.append((name, data, _deflate(data), zlib.crc32(data), None))
            else:
                self.members.append((name, data, b"", 0, pieces))

    @staticmethod
    def _sheet_parts(members: dict[str, bytes]) -> dict[str, str]:
        wb = members["xl/workbook.xml"].decode()
        rels = members["xl/_rels/workbook.xml.rels"].decode()
        targets = {m.group(2): m.group(1).lstrip("/") for m in re.finditer(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
        out = {}
        for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
            t = targets[m.group(2)]
            out[m.group(1)] = t if t.startswith("xl/") else "xl/" + t
        return out

    def write(self, path: Path, code: str, name: str, values: dict[str, int | Decimal], template_id: str) -> None:
        """One unit's returned file: its identity and figures substituted, patched members deflated anew."""
        from xltool.template_zip import write_zip

        subs = {
            f"<v>{SENTINEL + i}</v>".encode(): b"<v>" + _number(values[k]) + b"</v>" for i, k in enumerate(self.inputs)
        }
        for j, k in enumerate(self.totals):
            subs[f"<v>{TOTAL_SENTINEL + j}</v>".encode()] = b"<v>" + _number(values[k]) + b"</v>"
        subs[self.template_id] = template_id.encode()
        out = []
        for mname, data, deflated, crc, pieces in self.members:
            if pieces is None:
                out.append((mname, deflated, data, crc))
                continue
            esc = _escape_ref if mname.startswith("xl/worksheets/") else _escape_utf8
            subs[PH_NAME.encode()], subs[PH_CODE.encode()] = esc(name), esc(code)
            raw = b"".join(subs[p] if i % 2 else p for i, p in enumerate(pieces))
            out.append((mname, _deflate(raw), raw, zlib.crc32(raw)))
        write_zip(path, out, FILE_TIME)


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def generate(n: int, seed: int, cache: Path | None = None) -> tuple[Path, Path]:
    """The folder of n returned files and the roster CSV (generated once per n, seed and form; then cached)."""
    form = load_form("gov-disclosure-2021")
    root = cache or Path(tempfile.gettempdir()) / "xltool-bench-consolidate"
    key = f"n{n}-s{seed}-g{GEN_VERSION}-{fingerprint(form).split(':')[-1][:12]}"
    folder = root / key
    done = folder / "complete.json"
    inbox, roster = folder / "returned", folder / "roster.csv"
    if done.exists():
        return inbox, roster
    from xltool.template import template_filename

    inbox.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = Base(form, folder)
    rng = random.Random(seed)
    with roster.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "category"])
        for i in range(1, n + 1):
            code, name, category = unit_of(i)
            w.writerow([code, name, category])
            values = unit_values(form, random.Random(f"{seed}:{i}"))
            tid = f"{rng.getrandbits(128):032x}"
            base.write(inbox / template_filename(code, name, YEAR), code, name, values, tid)
    dt = time.perf_counter() - t0
    done.write_text(json.dumps({"n": n, "seed": seed, "seconds": round(dt, 2)}))
    print(f"generated {n} returned files in {dt:.1f} s -> {inbox}", file=sys.stderr)
    return inbox, roster


# --------------------------------------------------------------------------- where the time of one file goes

STAGES = (
    # (module, attribute, label): wrapped with a timer for --breakdown; nested stages are listed under their parent
    ("xltool.sources", "_is_report", "load_any: is it a published report?"),
    ("xltool.safezip", "sniff", "sniff (what the bytes are)"),
    ("xltool.reader_xlsx", "read_xlsx", "reader: one read of the .xlsx (reader_xlsx)"),
    ("xltool.reader_xlsx", "_members", "  every member inflated once + zip and prolog checks"),
    ("xltool.reader_xlsx", "_plain_rows", "  rows, prefixes and dimension of each sheet"),
    ("xltool.reader_xlsx", "read_book", "  reader_cells: every cell of every sheet + the XML parts"),
    ("xltool.reader_cells", "sheet_cells", "    the cells of each sheet"),
    ("xltool.reader_book:_Package", "sheet_parts", "    workbook + rels (sheet names, states)"),
    ("xltool.reader_book:_Package", "custom_props", "    custom properties"),
    ("xltool.reader_xlsx", "open_fast", "  calamine (files reader_cells left) + the XML parts"),
    ("xltool.reader", "check_xlsx", "reader: safezip.check_xlsx (only files the one read left)"),
    ("xltool.reader", "interpret", "reader: interpret"),
    ("xltool.reader_template", "template_meta", "  template metadata"),
    ("xltool.reader_template", "read_tables", "  labels checked + values at positions"),
    ("xltool.reader", "_claimed_identity", "  file name / cover identity"),
    ("xltool.reader", "_assemble", "  totals and formulas"),
    ("xltool.reader_book:Book", "load_formulas", "    formulas of the table cells"),
    ("xltool.rules", "_evaluate", "    rules.evaluate (once per file: reader, rules and sums share it)"),
    ("xltool.validate", "validate_report", "validate: every rule (rules.check)"),
    ("xltool.identity", "identity_findings", "validate: identity (roster, year, template)"),
    ("xltool.parallel", "evaluated_values", "the values consolidation sums"),
)


def breakdown(files: list[Path], roster_csv: Path) -> list[tuple[str, float, float]]:
    """(stage, inclusive ms/file, calls/file) of `load_any` + `validate_loaded` over `files`, in this process.

    Each stage function is wrapped with a timer (≈1 µs per call); the top line is the whole per-file work.
    """
    import importlib

    from xltool.roster import load_roster
    from xltool.sources import load_any
    from xltool.validate import validate_loaded

    roster = load_roster(roster_csv)
    par = importlib.import_module("xltool.parallel")
    spent: dict[str, list[float]] = {}
    undo = []
    for target, attr, label in STAGES:
        mod_name, _, cls = target.partition(":")
        owner = importlib.import_module(mod_name)
        if cls:
            owner = getattr(owner, cls)
        fn = getattr(owner, attr)
        acc = spent.setdefault(label, [0.0, 0])

        def timed(*a, _fn=fn, _acc=acc, **kw):
            t = time.perf_counter()
            try:
                return _fn(*a, **kw)
            finally:
                _acc[0] += time.perf_counter() - t
                _acc[1] += 1

        setattr(owner, attr, timed)
        undo.append((owner, attr, fn))
    try:
        for f in files[:20]:  # warm: imports and caches, as in a long run
            par.evaluated_values(validate_loaded(load_any(f), roster=roster, year=YEAR).report)
        for acc in spent.values():
            acc[:] = [0.0, 0]
        t0 = time.perf_counter()
        for f in files:  # what a worker does per file (xltool.parallel._work)
            par.evaluated_values(validate_loaded(load_any(f), roster=roster, year=YEAR).report)
        total = time.perf_counter() - t0
    finally:
        for owner, attr, fn in reversed(undo):
            setattr(owner, attr, fn)
    n = len(files)
    rows = [("load_any + validate_loaded + evaluated_values (all of it)", total / n * 1000, 1.0)]
    rows += [(label, spent[label][0] / n * 1000, spent[label][1] / n) for _, _, label in STAGES]
    return rows


# --------------------------------------------------------------------------- measuring processes

_LIBRARY_RUN = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from xltool.consolidate import consolidate
from xltool.roster import load_roster
from xltool.summary_xlsx import write_summary
inbox, roster, out, jobs = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
t1 = time.perf_counter()
last = [t1]
def tick(_path):
    last[0] = time.perf_counter()
cons = consolidate([inbox], load_roster(roster), jobs=jobs, progress=tick)
t2 = time.perf_counter()
rss_read = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
write_summary(cons, out)
t3 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0, "consolidate_s": t2 - t1, "read_s": last[0] - t1, "summary_s": t3 - t2, "ok": cons.ok,
    "counted": cons.counts["counted"], "files": len(cons.entries),
    "rss_after_consolidate_mb": rss_read / 1024,
    "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


WARM = (
    "import xltool.cli, xltool.commands.consolidate, xltool.consolidate, xltool.summary_xlsx, xltool.parallel, pandas"
)


def measured_env() -> dict[str, str]:
    """The environment of a measured process: bytecode cached, as an installed package has it.

    (Where PYTHONDONTWRITEBYTECODE is set, a checkout's modules would be compiled again in every process.)
    Everything the measured runs import is compiled once, here, into a cache kept in the temp dir.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "xltool-bench-pycache")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", WARM], env=env, check=True)
    return env


class TreeMemory:
    """Peak memory of a process and all its descendants: the sum of their PSS (RSS where PSS is unknown).

    PSS shares each page among the processes that map it, so forked workers are not counted twice.
    Sampled every `interval` seconds from /proc (Linux only; elsewhere stays 0).
    """

    def __init__(self, pid: int, interval: float = 0.1):
        import threading

        self.pid, self.interval, self.peak_kb, self.samples = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += children.get(p, [])
        return out

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except OSError:
            return 0

    def _run(self) -> None:
        if not os.path.isdir("/proc"):
            return
        while not self._stop.is_set():
            total = sum(self._pss_kb(p) for p in self._tree())
            self.peak_kb = max(self.peak_kb, total)
            self.samples += 1
            self._stop.wait(self.interval)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


def with_cache(env: dict[str, str], cache: Path | str) -> dict[str, str]:
    """`env` with xltool's user cache (forms, messages, readings: `xltool.result_cache`) at `cache`
    ("": none at all)."""
    return {**env, "XLTOOL_CACHE_DIR": str(cache)}


def run_library(inbox: Path, roster: Path, out: Path, jobs: int, env: dict[str, str]) -> dict:
    """`consolidate()` then `write_summary()` in a fresh process: times and peak memory."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _LIBRARY_RUN, str(inbox), str(roster), str(out), str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    mem = TreeMemory(proc.pid)
    stdout, stderr = proc.communicate()
    peak = mem.stop()
    if proc.returncode != 0:
        raise SystemExit(f"library run failed:\n{stderr.decode(errors='replace')}")
    got = json.loads(stdout.decode().strip().splitlines()[-1])
    got["tree_pss_mb"] = peak
    return got


def run_cli(inbox: Path, roster: Path, out: Path, jobs: int, env: dict[str, str]) -> dict:
    """`python -m xltool consolidate` end to end, its stderr on a pseudo-terminal as a clerk's screen is.

    Returns the wall time (interpreter start to exit), the exit status, the peak memory, and what the
    progress bar showed: how many times it was drawn, when first, and the longest pause while reading.
    """
    import pty
    import threading

    master, slave = pty.openpty()
    cmd = [sys.executable, "-m", "xltool", "consolidate", str(inbox), "--roster", str(roster), "-o", str(out)]
    cmd += ["-j", str(jobs)]
    renders: list[tuple[float, int]] = []
    pos_rx = re.compile(rb"(\d+)/(\d+)")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    mem = TreeMemory(proc.pid)

    def pump() -> None:
        buf = b""
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.perf_counter() - t0
            buf = (buf + data)[-200:]
            for m in pos_rx.finditer(data):
                renders.append((now, int(m.group(1))))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    code = proc.wait()
    wall = time.perf_counter() - t0
    peak = mem.stop()
    reader.join(2)
    os.close(master)
    gaps = [b[0] - a[0] for a, b in zip(renders, renders[1:], strict=False) if a[1] < b[1]]
    return {
        "wall_s": wall,
        "exit": code,
        "tree_pss_mb": peak,
        "renders": len(renders),
        "first_render_s": renders[0][0] if renders else None,
        "last_pos": renders[-1][1] if renders else 0,
        "max_gap_s": max(gaps) if gaps else None,
    }


def baseline(files: list[Path]) -> float:
    """Files/s of the plain way: openpyxl.load_workbook and the 200 declared cells, one file after another."""
    import warnings

    import openpyxl

    form = load_form("gov-disclosure-2021")
    cells = [(lay.sheet, p.row, p.col) for lay in sheet_layouts(form).values() for p in lay.cells.values()]
    t0 = time.perf_counter()
    for f in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(f, data_only=True)
        values = [wb[s].cell(r, c).value for s, r, c in cells]
        assert len(values) == 200
    return len(files) / (time.perf_counter() - t0)


def machine() -> str:
    """nproc, CPU model, RAM and Python, for the results table."""
    cpu = ram = "?"
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
        kb = next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    from xltool.parallel import usable_cores

    return f"{usable_cores()} cores usable, {cpu}, {ram} RAM, Python {platform.python_version()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="returned files to consolidate")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (0: one per core)")
    ap.add_argument("--baseline", type=int, default=100, help="files read by the plain openpyxl loop")
    ap.add_argument("--breakdown", type=int, default=300, help="files timed stage by stage (0: skip)")
    ap.add_argument("--cache", type=Path, help="where generated files are kept (default: the temp dir)")
    ap.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    args = ap.parse_args()

    inbox, roster = generate(args.n, args.seed, args.cache)
    files = sorted(inbox.glob("*.xlsx"))
    work = Path(tempfile.mkdtemp(prefix="xltool-bench-run-"))
    env = measured_env()
    n = len(files)
    print(f"machine: {machine()}")
    print(f"files: {n} returned templates ({sum(f.stat().st_size for f in files) / n / 1024:.1f} KiB each), {inbox}")

    # three runs each: no result cache at all (every file read, nothing stored); a first run with an empty
    # cache (every file read and its reading stored); a re-run over the same files (every reading looked up)
    runs = (("no cache", ""), ("1st run", work / "cache-lib"), ("re-run", work / "cache-lib"))
    rate = 0.0
    for label, cache in runs:
        lib = run_library(inbox, roster, work / "summary-lib.xlsx", args.jobs, with_cache(env, cache))
        if lib["counted"] != n or not lib["ok"]:
            raise SystemExit(f"expected {n} valid files counted, got {lib['counted']} (ok={lib['ok']})")
        r = n / lib["consolidate_s"]
        rate = rate or r  # the ratio below is the cold one: every file read
        total = lib["consolidate_s"] + lib["summary_s"]
        print(
            f"library  {label:8s} read+validate+sum: {lib['consolidate_s']:.2f} s = {r:.0f} files/s "
            f"({lib['consolidate_s'] / n * 1000:.2f} ms/file; the last file read after {lib['read_s']:.2f} s = "
            f"{n / lib['read_s']:.0f} files/s); write_summary: {lib['summary_s']:.2f} s; "
            f"total {total:.2f} s = {n / total:.0f} files/s"
        )
        print(
            f"library  {label:8s} peak memory: main process {lib['rss_after_consolidate_mb']:.0f} MB after "
            f"consolidate, {lib['rss_self_mb']:.0f} MB after the summary; largest worker "
            f"{lib['rss_worker_mb']:.0f} MB; whole process tree (PSS) {lib['tree_pss_mb']:.0f} MB"
        )
    cli = None
    if not args.no_cli:
        for label, cache in (("no cache", ""), ("1st run", work / "cache-cli"), ("re-run", work / "cache-cli")):
            got = run_cli(inbox, roster, work / "summary-cli.xlsx", args.jobs, with_cache(env, cache))
            cli = cli or got
            e2e = n / got["wall_s"]
            gap = f"{got['max_gap_s']:.2f} s" if got["max_gap_s"] is not None else "n/a"
            print(
                f"CLI      {label:8s} xltool consolidate -o: {got['wall_s']:.2f} s wall = {e2e:.0f} files/s end to "
                f"end (exit {got['exit']}); peak memory (tree PSS) {got['tree_pss_mb']:.0f} MB; progress bar drawn "
                f"{got['renders']} times, first after {got['first_render_s'] or 0:.2f} s, reached "
                f"{got['last_pos']}/{n}, longest pause while reading {gap}"
            )
    base_files = files[: max(1, min(args.baseline, n))]
    base = baseline(base_files)
    print(f"baseline openpyxl load_workbook + 200 cells, 1 process: {base:.1f} files/s (on {len(base_files)} files)")
    ratio_lib = rate / base
    line = f"ratio (no cache: every file read): library read+validate+sum {ratio_lib:.1f}x the baseline"
    if cli is not None:
        line += f"; CLI end to end {n / cli['wall_s'] / base:.1f}x"
    print(line)
    if args.breakdown:
        print(
            f"per-file stages, 1 process, {min(args.breakdown, n)} files (inclusive ms/file; nested stages indented):"
        )
        for label, ms, calls in breakdown(files[: args.breakdown], roster):
            print(f"  {label:66s} {ms:6.2f}" + (f"  ({calls:.0f} calls)" if calls > 1.5 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
