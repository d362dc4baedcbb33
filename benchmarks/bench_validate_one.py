"""Benchmark: `xltool validate one.xlsx` as a clerk runs it — process wall time, interpreter start included.

    python benchmarks/bench_validate_one.py [--file F] [--runs 20]

Target ≤ 200 ms on this 2-core machine. The command is run with this interpreter's real binary
(`sys.executable`: a pyenv shim in front of it adds ~150 ms that an installed console script does not pay) and
with compiled bytecode, as an installed package has it (where PYTHONDONTWRITEBYTECODE is set, a checkout's
modules would otherwise be compiled again in every run: that "cold" time is printed too). Also printed: the
median time of `python -c pass` (the floor), the modules that cost most to import, and whether openpyxl,
pandas or numpy were imported at all (they must not be on this path).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = next((ROOT / "samples" / "returned").glob("370602-D01_*.xlsx"), None)
HEAVY = ("openpyxl", "pandas", "numpy")


def _env(cached: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if cached:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "xltool-bench-pycache")
    else:  # the checkout's modules compiled in every run (the installed libraries keep their bytecode)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def wall(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT, help="the workbook to validate")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if args.file is None or not args.file.exists():
        raise SystemExit("no file to validate: give --file")
    cmd = [sys.executable, "-m", "xltool", "validate", str(args.file)]
    env = _env(cached=True)
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False)  # compile the bytecode once
    floor = statistics.median(wall([sys.executable, "-c", "pass"], env, args.runs))
    warm = wall(cmd, env, args.runs)
    cold = wall(cmd, _env(cached=False), max(3, args.runs // 5))
    med = statistics.median(warm)
    print(f"python: {sys.executable} ({sys.version.split()[0]}); file: {args.file.name}")
    print(f"python -c pass (the floor):           {floor * 1000:6.0f} ms median")
    print(
        f"xltool validate FILE, bytecode cached: {med * 1000:6.0f} ms median, {min(warm) * 1000:.0f}–"
        f"{max(warm) * 1000:.0f} ms over {len(warm)} runs — target ≤ 200 ms: {'OK' if med <= 0.2 else 'MISSED'}"
    )
    cold_ms = statistics.median(cold) * 1000
    print(f"xltool validate FILE, xltool not compiled: {cold_ms:4.0f} ms median (PYTHONDONTWRITEBYTECODE, a checkout)")
    proc = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0]), parts[2].strip()))
    heavy = sorted({n for _, _, n in rows if n.split(".")[0] in HEAVY})
    print(f"imports: {len(rows)} modules; openpyxl/pandas/numpy imported: {', '.join(heavy) if heavy else 'none'}")
    print("largest cumulative import times (µs):")
    for cum, own, name in sorted(rows, reverse=True)[:12]:
        print(f"  {cum:8d}  (self {own:6d})  {name}")
    return 0 if med <= 0.2 and not heavy else 1


if __name__ == "__main__":
    sys.exit(main())
