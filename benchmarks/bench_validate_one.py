"""Benchmark: `xltool validate one.xlsx` as a clerk runs it — process wall time, interpreter start included.

    python benchmarks/bench_validate_one.py [--file F ...] [--runs 30]

Target ≤ 200 ms on this 2-core machine (issue 7). Each round runs `python -c pass` (the floor: interpreter and
`site`) and then `xltool validate FILE` for every file, one after the other, so that both see the same load on a
shared machine; it prints the median, p90 and minimum of each over all rounds.

How it runs the command: with this interpreter's real binary (`sys.executable`: a pyenv shim in front of it adds
~150 ms that an installed console script does not pay), through the `xltool` console script next to it when
there is one (else `-m xltool`), with the checkout first on PYTHONPATH and its bytecode compiled once, as an
installed package has it (where PYTHONDONTWRITEBYTECODE is set a checkout's modules would otherwise be compiled
again in every run: that "not compiled" time is printed too). The user cache (`xltool.schema.cache`: the parsed
form and messages) is a fresh temporary directory, filled by the first run, as after a clerk's first run; the
same command with the cache switched off (XLTOOL_CACHE_DIR="", every run parses the YAML) is measured too.

Also printed: the modules that cost most to import, and whether PyYAML, openpyxl, pandas or numpy were imported
(none of them may be on this path once the cache is warm). Exit status 0 when the target is met.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RETURNED = ROOT / "samples" / "returned"
DEFAULT = [next(RETURNED.glob("370602-D01_*.xlsx"), None)]
HEAVY = ("yaml", "openpyxl", "pandas", "numpy")
TARGET = 0.200


def _env(cache_dir: str, compiled: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["XLTOOL_CACHE_DIR"] = cache_dir
    if compiled:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "xltool-bench-pycache")
    else:  # the checkout's modules compiled in every run (the installed libraries keep their bytecode)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def _xltool() -> list[str]:
    script = Path(sys.executable).parent / ("xltool.exe" if os.name == "nt" else "xltool")
    if script.is_file() and os.name != "nt":
        return [sys.executable, str(script)]  # what its #! line does, without a shim in between
    return [sys.executable, "-m", "xltool"]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(cmds: dict[str, tuple[list[str], dict[str, str]]], rounds: int) -> dict[str, tuple[list, list]]:
    """Wall and CPU seconds of each command, the commands interleaved round by round."""
    out: dict[str, tuple[list, list]] = {name: ([], []) for name in cmds}
    for _ in range(rounds):
        for name, (cmd, env) in cmds.items():
            c, t = _cpu(), time.perf_counter()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            out[name][0].append(time.perf_counter() - t)
            out[name][1].append(_cpu() - c)
    return out


def stats(xs: list[float]) -> tuple[float, float, float]:
    s = sorted(xs)
    return statistics.median(s) * 1000, s[min(len(s) - 1, round(0.9 * (len(s) - 1)))] * 1000, s[0] * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, action="append", help="a workbook to validate (repeatable)")
    ap.add_argument("--runs", type=int, default=30, help="rounds (each runs every command once)")
    args = ap.parse_args()
    files = args.file or DEFAULT
    for f in files:
        if f is None or not f.exists():
            raise SystemExit("no file to validate: give --file")
    xltool = _xltool()
    with tempfile.TemporaryDirectory(prefix="xltool-bench-cache-") as cache:
        env, nocache = _env(cache), _env("")
        cmds = {"python -c pass": ([sys.executable, "-c", "pass"], env)}
        for f in files:
            cmds[f"xltool validate {f.name[:10]}"] = ([*xltool, "validate", str(f)], env)
        cmds[f"  … without the cache ({files[0].name[:10]})"] = ([*xltool, "validate", str(files[0])], nocache)
        for cmd, e in cmds.values():  # compile the bytecode, fill the cache
            subprocess.run(cmd, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        res = measure(cmds, args.runs)
        cold = measure({"cold": ([*xltool, "validate", str(files[0])], _env(cache, compiled=False))}, 3)["cold"][0]
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", *xltool[1:], "validate", str(files[0])],
            env=env,
            capture_output=True,
            text=True,
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python: {sys.executable} ({sys.version.split()[0]}); {' '.join(Path(x).name for x in xltool[1:])}")
    print(f"{args.runs} rounds, load average {load:.2f} at the end; wall ms (median / p90 / min), CPU ms median")
    for name, (wall, cpu) in res.items():
        med, p90, low = stats(wall)
        print(f"  {name:36} {med:6.0f} / {p90:4.0f} / {low:4.0f}   cpu {statistics.median(cpu) * 1000:4.0f}")
    floor = statistics.median(res["python -c pass"][0])
    main_name = f"xltool validate {files[0].name[:10]}"
    med = statistics.median(res[main_name][0])
    print(
        f"{main_name}: {med * 1000:.0f} ms median ({(med - floor) * 1000:.0f} ms above the floor) — "
        f"target ≤ {TARGET * 1000:.0f} ms: {'OK' if med <= TARGET else 'MISSED'}"
    )
    print(f"not compiled (PYTHONDONTWRITEBYTECODE, a checkout): {statistics.median(cold) * 1000:.0f} ms median")
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0]), parts[2].strip()))
    heavy = sorted({n.split(".")[0] for _, _, n in rows if n.split(".")[0] in HEAVY})
    print(f"imports: {len(rows)} modules; {'/'.join(HEAVY)} imported: {', '.join(heavy) if heavy else 'none'}")
    print("largest cumulative import times (µs, one run):")
    for cum, own, name in sorted(rows, reverse=True)[:14]:
        print(f"  {cum:8d}  (self {own:6d})  {name}")
    return 0 if med <= TARGET and not heavy else 1


if __name__ == "__main__":
    sys.exit(main())
