"""Read and validate many files on every core: worker processes, results streamed back in input order.

Per file a worker does exactly what the serial path does, `load_any` then `validate_loaded`, so a FileResult is
the same whichever path made it (tests/test_parallel.py compares them on valid, invalid, broken and hostile files).

Robustness: each worker runs under an address-space cap (`resource.setrlimit(RLIMIT_AS)`), because a native
reader handed a hostile file may allocate without bound or abort the whole process (shared/notes/
spreadsheet-programs.md). A worker that dies, or that spends more than `timeout` seconds on one file, costs only
that file: it gets one FILE-UNREADABLE finding, a fresh worker takes over the rest and the run goes on.

Memory: results travel back per file, slimmed. The sheet-cell map (`source.sheet_cells`, 200 entries) of a
file read at the template's positions equals the form's own map, so it is not sent but restored in the parent
as one shared dict; cell keys are re-pointed at the form's own key strings. A result then costs a few KB in
the parent, which keeps a 10,000-file consolidation flat.

Test hook (part of the API, for tests and for support): the environment variable XLTOOL_WORKER_FAULT set to
`<how>:<text>` makes a worker fail on a file whose name contains <text>: `exit` (os._exit), `abort` (SIGABRT, as
a native reader's failed allocation), `kill` (SIGKILL, as the OOM killer), `hang` (sleeps: the timeout stops
it) or `alloc` (allocates four times its memory cap: the cap turns that into a MemoryError).
XLTOOL_WORKER_MEMORY_MB overrides the memory cap.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltool.findings import Finding, tool_finding
from xltool.roster import Roster
from xltool.sources import Loaded, load_any
from xltool.validate import FileResult, PriorData, validate_loaded

DEFAULT_MEMORY_MB = 1024
"""Address space a worker may add to what it had at start (a normal return needs a few MB)."""
DEFAULT_TIMEOUT = 120.0
"""Seconds one file may take before its worker is stopped (a normal return takes milliseconds)."""
MIN_FILES = 4
"""Below this many files a pool costs more than it saves: the files are read in this process."""
FAULT_ENV = "XLTOOL_WORKER_FAULT"
MEMORY_ENV = "XLTOOL_WORKER_MEMORY_MB"

_SHARED = "\x00form-cells"
"""Stands for the form's own sheet-cell map in a result on its way back from a worker."""


def usable_cores() -> int:
    """CPU cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None, n_files: int) -> int:
    """Worker processes for n files: `jobs` (0 or None: one per usable core), never more than files; 1 = serial."""
    want = usable_cores() if not jobs or jobs < 0 else jobs
    if n_files < MIN_FILES:
        return 1
    return max(1, min(want, n_files))


@dataclass
class Validated:
    """One file's result as the pool returns it."""

    index: int
    """Position in the input."""
    result: FileResult
    year: int | None
    """The year the identity checks were run with (see `own_year` in `iter_validated`)."""
    loaded_findings: list[Finding] | None = None
    """The findings of reading alone (own_year only), to redo the checks for another year."""
    values: CellValues | None = None
    """`rules.evaluate(form, report).values` when asked for (consolidation sums them)."""


@dataclass
class _Config:
    prior: PriorData | None
    roster: Roster | None
    year: int | None
    own_year: bool
    want_values: bool
    reader_options: dict[str, Any]
    memory_mb: int
    cache: bool = False
    """Look each file's reading up in the user's result cache (`result_cache`) and store new ones."""


# --------------------------------------------------------------------------- the work on one file


_CACHE: dict[int, Any] = {}
"""This process's `result_cache.ResultCache` (by pid: a forked worker opens its own)."""


def process_cache() -> Any:
    """The result cache of this process (opened on first use; a worker never uses its parent's handle)."""
    cache = _CACHE.get(os.getpid())
    if cache is None:
        from xltool.result_cache import ResultCache

        _CACHE.clear()
        cache = _CACHE[os.getpid()] = ResultCache.default()
    return cache


def close_process_cache() -> None:
    """Commit and close this process's cache handle (before any fork: SQLite handles must not cross one)."""
    cache = _CACHE.pop(os.getpid(), None)
    if cache is not None:
        cache.close()


def _work(path: Path, cfg: _Config) -> tuple[FileResult, int | None, list[Finding] | None, CellValues | None]:
    loaded = process_cache().load(path, **cfg.reader_options) if cfg.cache else load_any(path, **cfg.reader_options)
    rep = loaded.report
    year = (rep.year if rep is not None else None) if cfg.own_year else cfg.year
    result = validate_loaded(loaded, prior=cfg.prior, roster=cfg.roster, year=year)
    values = None
    if cfg.want_values and rep is not None:
        values = evaluated_values(rep)
    keep = list(loaded.findings) if cfg.own_year and rep is not None else None
    return result, year, keep, values


def evaluated_values(rep: Any) -> CellValues | None:
    """`rules.evaluate(form, report).values` as a compact CellValues; None for a report of an unknown form."""
    from xltool.rules import evaluate, remembered_values
    from xltool.schema import load_form

    try:
        form = load_form(rep.form)
    except Exception:
        return None  # an unknown form: such a report is never summed
    kept = remembered_values(form, rep)  # the result cache's, for a file read before
    if kept is not None:
        try:
            return CellValues.of(form, kept)
        except ValueError:
            pass  # not the form's cells: evaluated again
    return CellValues.of(form, evaluate(form, rep).values)


def settle_year(v: Validated, year: int | None, *, prior: PriorData | None, roster: Roster | None) -> FileResult:
    """The file's result for the campaign `year` found once every file was read (own_year runs).

    A file validated with its own year, which is the campaign year, is already right; the few others have
    their checks run again here from the findings of reading, exactly as the serial path runs them.
    """
    if v.year == year or v.result.report is None or v.loaded_findings is None:
        return v.result
    loaded = Loaded(Path(v.result.file), v.result.report, list(v.loaded_findings))
    return validate_loaded(loaded, prior=prior, roster=roster, year=year)


# --------------------------------------------------------------------------- compact results


class CellValues(Mapping):
    """Cell key -> value of one unit, in the form's cell order: a tuple and an index shared by every unit.

    A read-only dict in behaviour (`get`, `items`, `==` with a dict); about 1.7 KB per unit of the 2021 form
    where a dict takes 6.5 KB, which matters when a consolidation keeps ten thousand of them.
    """

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[Any, ...]):
        self._index = index
        self._values = values

    @classmethod
    def of(cls, form: Any, values: Mapping[str, Any]) -> CellValues:
        """From a dict with exactly the form's cell keys (what `rules.evaluate` returns)."""
        index = _cell_index(form)
        if len(values) != len(index) or any(k not in index for k in values):
            raise ValueError("CellValues needs exactly the form's cell keys")
        return cls(index, tuple(values[k] for k in index))

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    # the mixins of Mapping go through __getitem__ key by key: these are the hot paths of a consolidation

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return list(zip(self._index, self._values, strict=True))

    def values(self) -> tuple[Any, ...]:  # type: ignore[override]
        return self._values

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CellValues) and other._index is self._index:
            return self._values == other._values
        return Mapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"CellValues({dict(self)!r})"

    def __reduce__(self) -> tuple:
        # the index travels as the form's id: the other process has the same form
        return (_cell_values, (self._form_id(), self._values))

    def _form_id(self) -> str:
        return next(fid for fid, idx in _INDEXES.items() if idx is self._index)


_INDEXES: dict[str, dict[str, int]] = {}


def _cell_index(form: Any) -> dict[str, int]:
    idx = _INDEXES.get(form.id)
    if idx is None or len(idx) != len(form.cells):
        idx = _INDEXES[form.id] = {k: i for i, k in enumerate(form.cells)}
    return idx


def _cell_values(form_id: str, values: tuple[Any, ...]) -> CellValues:
    from xltool.schema import load_form

    return CellValues(_cell_index(load_form(form_id)), values)


# --------------------------------------------------------------------------- slimming for the way back


def _form_cells(form_id: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """(the form's sheet-cell map, key -> the form's own key string), cached per form; None if unknown."""
    got = _FORM_CACHE.get(form_id)
    if got is None and form_id not in _FORM_CACHE:
        try:
            from xltool.layout import sheet_cells
            from xltool.schema import load_form

            form = load_form(form_id)
            got = (dict(sheet_cells(form)), {k: k for k in form.cells})
        except Exception:
            got = None
        _FORM_CACHE[form_id] = got
    return got


_FORM_CACHE: dict[str, tuple[dict[str, str], dict[str, str]] | None] = {}


def share_cells(result: FileResult) -> FileResult:
    """Point the report's sheet-cell map at one shared copy of the form's map when it is equal (in place).

    A template read at its positions carries the form's 200-entry map; one copy serves every such file.
    """
    rep = result.report
    if rep is None:
        return result
    cells = rep.source.get("sheet_cells")
    known = _form_cells(rep.form)
    if known is not None and cells is not None and cells is not known[0] and _same_map(cells, known[0]):
        rep.source["sheet_cells"] = known[0]
    return result


def _same_map(a: dict[str, str], b: dict[str, str]) -> bool:
    return len(a) == len(b) and list(a.items()) == list(b.items())


def _pack(payload: tuple) -> tuple:
    result = payload[0]
    rep = result.report
    if rep is not None:
        from xltool.rules import forget_remembered

        forget_remembered(rep)  # what the result cache handed this worker's checks stays in the worker
        cells = rep.source.get("sheet_cells")
        known = _form_cells(rep.form)
        if known is not None and cells is not None and (cells is known[0] or _same_map(cells, known[0])):
            rep.source["sheet_cells"] = _SHARED
    return payload


def _short(v: Any) -> Any:
    return sys.intern(v) if isinstance(v, str) and len(v) <= 64 else v


def _interned(d: dict[str, Any]) -> dict[str, Any]:
    """Keys and short text values as one shared string each ('template', 'veryHidden', the tool version …)."""
    return {sys.intern(k): (_interned(v) if isinstance(v, dict) else _short(v)) for k, v in d.items()}


def _unpack(payload: tuple) -> tuple:
    result, year, keep, values = payload
    rep = result.report
    if rep is not None:
        known = _form_cells(rep.form)
        if known is not None:
            cells, keys = known
            if rep.source.get("sheet_cells") == _SHARED:
                rep.source["sheet_cells"] = cells
            # one string object per cell key in the whole run, not one per file
            rep.values = {keys.get(k, k): v for k, v in rep.values.items()}
            stored = rep.meta.get("stored_totals")
            if isinstance(stored, dict):
                rep.meta["stored_totals"] = {keys.get(k, k): v for k, v in stored.items()}
        rep.meta = {
            sys.intern(k): v if k == "stored_totals" else _interned(v) if isinstance(v, dict) else _short(v)
            for k, v in rep.meta.items()
        }
        rep.source = {sys.intern(k): v for k, v in rep.source.items()}
    return result, year, keep, values


# --------------------------------------------------------------------------- worker process


def _cap_memory(memory_mb: int) -> None:
    try:
        import resource

        with open("/proc/self/status") as f:
            vm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")), 0)
        if not vm:
            return
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = vm + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Linux
        pass


def _fault(name: str, spec: str, memory_mb: int) -> None:
    """The XLTOOL_WORKER_FAULT test hook: fail on this file as a crashed, hung or greedy reader would."""
    mode, _, text = spec.partition(":")
    if not text or text not in name:
        return
    if mode == "exit":
        os._exit(70)
    if mode == "abort":  # what a native reader's failed allocation does (a Rust abort)
        os.abort()
    if mode == "kill":  # what the kernel's OOM killer does
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(3600)
    if mode == "alloc":  # four times the cap: only the cap makes this fail
        bytearray(4 * memory_mb * 1024 * 1024)


def _worker_main(conn: Any, cfg: _Config) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    try:  # a native reader that aborts prints a backtrace: not for the clerk's terminal
        import faulthandler

        faulthandler.disable()  # (pytest and python -X faulthandler keep their own copy of stderr)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except OSError:  # pragma: no cover
        pass
    _cap_memory(cfg.memory_mb)
    import gc

    # what the parent had when it forked is never garbage here: left out of every collection, so that the
    # collector neither scans it per file nor copies its pages (copy-on-write) by touching it
    gc.freeze()
    fault = os.environ.get(FAULT_ENV, "")
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            if cfg.cache:
                close_process_cache()
            return
        for index, raw in task:
            path = Path(raw)
            try:
                if fault:
                    _fault(path.name, fault, cfg.memory_mb)
                payload = _work(path, cfg)
            except Exception as e:  # a bug must cost one file, not the run
                result = FileResult(str(path), None, [tool_finding("READER-INTERNAL", error=type(e).__name__)])
                payload = (result, cfg.year, None, None)
            conn.send((index, _pack(payload)))
        if cfg.cache:
            process_cache().commit()


# --------------------------------------------------------------------------- the pool


class _Importing:
    """Modules imported by a thread of this process while the workers read (their import is then no longer
    on the path after the last file); `join` before any fork."""

    def __init__(self, modules: tuple[str, ...]):
        import threading

        self.thread = None
        if modules:
            self.thread = threading.Thread(target=self._run, args=(modules,), daemon=True, name="xltool-import")
            self.thread.start()

    @staticmethod
    def _run(modules: tuple[str, ...]) -> None:
        import importlib

        for m in modules:
            try:
                importlib.import_module(m)
            except Exception:  # noqa: BLE001 - the caller's own import says what is wrong, in its thread
                return

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


class _Worker:
    def __init__(self, ctx: Any, cfg: _Config):
        parent, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, cfg), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.pending: deque[tuple[int, str]] = deque()
        """Files sent and not answered yet, in the order the worker reads them."""
        self.since = time.monotonic()
        """When the worker last answered (or got work while idle)."""

    def send(self, chunk: list[tuple[int, str]]) -> None:
        self.conn.send(chunk)
        if not self.pending:
            self.since = time.monotonic()
        self.pending.extend(chunk)

    def stop(self, kill: bool = False) -> None:
        if kill and self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        if self.proc.is_alive():  # pragma: no cover - a worker ignoring its stop message
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def crash_result(
    path: str, status: int | None, timed_out: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> FileResult:
    """The one finding of a file whose worker died (or ran out of time) while reading it."""
    if timed_out:
        reason = {"zh": f"读取超时（超过 {timeout:g} 秒）", "en": f"reading it took longer than {timeout:g} s"}
    else:
        reason = {
            "zh": "读取时处理进程意外终止（文件可能异常，占用内存超过上限）",
            "en": "the process reading it died (an abnormal file, or it needed more memory than allowed)",
        }
    fix = {
        "zh": "请在 Excel 或 WPS 中打开该文件，删除表格区域以外多余的内容，另存为 .xlsx 后重新报送；"
        "或使用下发的模板重新填写。其他文件的校验不受影响。",
        "en": "Open it in Excel or WPS, delete anything outside the tables, save it as .xlsx and send it again, "
        "or fill in the issued template again. The other files are not affected.",
    }
    details = None
    if status is not None and not timed_out:
        how = f"signal {-status}" if status < 0 else f"exit status {status}"
        if status < 0:
            try:
                how += f" ({signal.Signals(-status).name})"
            except ValueError:
                pass
        details = {"zh": [f"进程结束方式：{how}"], "en": [f"The process ended with {how}"]}
    return FileResult(path, None, [tool_finding("FILE-UNREADABLE", reason=reason, fix=fix, details=details)])


def iter_validated(
    paths: Iterable[str | Path],
    *,
    prior: PriorData | None = None,
    roster: Roster | None = None,
    year: int | None = None,
    own_year: bool = False,
    jobs: int | None = 0,
    chunk_size: int = 0,
    memory_mb: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[Path], None] | None = None,
    values: bool = False,
    reader_options: dict[str, Any] | None = None,
    cache: bool = True,
    meanwhile: tuple[str, ...] = (),
) -> Iterator[Validated]:
    """Read and validate files on `jobs` processes; yield each file's result in input order as it is ready.

    Args:
        paths: the files (not folders: `sources.expand_paths` first).
        prior, roster, year: as for `validate_loaded`.
        own_year: the campaign year is not known yet: validate each file with its own year, then call
            `settle_year` once the year is known (consolidation takes the year most files are for).
        jobs: worker processes; 0 or None: one per usable core; 1 (or fewer than MIN_FILES files): in this
            process, no pool.
        chunk_size: files handed to a worker at a time (0: chosen from the number of files).
        memory_mb: address space a worker may add (default DEFAULT_MEMORY_MB, or XLTOOL_WORKER_MEMORY_MB).
        timeout: seconds one file may take before its worker is stopped and the file reported.
        progress: called with each file's path as its result is yielded (for a progress bar).
        values: also return `evaluate(form, report).values` (what consolidation sums), computed by the worker.
        reader_options: passed to `load_any` (e.g. engine="openpyxl").
        meanwhile: modules this process imports while the workers read (pandas for consolidation: ≈ 0.5 s
            that otherwise follows the last file). No worker is started while they are being imported.
        cache: use the user's result cache: a file whose bytes, name, xltool and reading libraries are
            unchanged since it was last read is not read again (`result_cache`; `XLTOOL_CACHE_DIR=""` is off).

    Yields:
        `Validated` per file, in the order of `paths`. Never raises for a bad file.
    """
    files = [Path(p) for p in paths]
    if memory_mb is None:
        memory_mb = int(os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY_MB)
    cfg = _Config(prior, roster, year, own_year, values, dict(reader_options or {}), memory_mb, cache)
    n_jobs = resolve_jobs(jobs, len(files))
    if n_jobs <= 1:
        try:
            for i, p in enumerate(files):
                result, y, keep, vals = _work(p, cfg)
                if result.report is not None:
                    from xltool.rules import forget_remembered

                    forget_remembered(result.report)  # as `_pack` does for a worker's results
                share_cells(result)
                if progress is not None:
                    progress(p)
                yield Validated(i, result, y, keep, vals)
        finally:
            if cache:
                close_process_cache()
        return
    yield from _pool(files, cfg, n_jobs, chunk_size, timeout, progress, meanwhile)
    if cache:
        process_cache().prune()
        close_process_cache()


def _pool(
    files: list[Path],
    cfg: _Config,
    n_jobs: int,
    chunk_size: int,
    timeout: float,
    progress: Callable[[Path], None] | None,
    meanwhile: tuple[str, ...] = (),
) -> Iterator[Validated]:
    import multiprocessing
    from multiprocessing.connection import wait

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    n = len(files)
    size = chunk_size or max(1, min(32, n // (n_jobs * 8) or 1))
    queue: deque[list[tuple[int, str]]] = deque(
        [(i, str(files[i])) for i in range(s, min(s + size, n))] for s in range(0, n, size)
    )
    done: dict[int, Validated] = {}
    workers: list[_Worker] = []

    def feed(w: _Worker) -> None:
        # one chunk being read and one waiting behind it, so a worker never idles between chunks
        while queue and len(w.pending) <= size:
            chunk = queue.popleft()
            try:
                w.send(chunk)
            except OSError:  # the worker is gone: the chunk goes back
                queue.appendleft(chunk)
                lost(w)
                return

    def lost(w: _Worker, timed_out: bool = False) -> None:
        """A worker died (or was stopped): its current file gets a finding, the rest go back in the queue."""
        if w not in workers:
            return
        try:
            while w.conn.poll():  # answers it sent before it died
                receive(w, w.conn.recv())
        except (EOFError, OSError):
            pass
        w.stop(kill=True)
        status = w.proc.exitcode
        if w.pending:
            index, raw = w.pending.popleft()
            done[index] = Validated(index, crash_result(raw, status, timed_out, timeout), cfg.year)
            if w.pending:
                queue.appendleft(list(w.pending))
        workers.remove(w)
        if queue:
            importing.join()  # never fork while another thread imports: the child would inherit its locks
            fresh = _Worker(ctx, cfg)
            workers.append(fresh)
            feed(fresh)

    def receive(w: _Worker, msg: tuple) -> None:
        index, payload = msg
        expected, _ = w.pending.popleft()
        assert index == expected, (index, expected)
        result, y, keep, vals = _unpack(payload)
        done[index] = Validated(index, result, y, keep, vals)
        w.since = time.monotonic()

    nxt = 0
    importing = _Importing(())
    try:
        for _ in range(n_jobs):
            w = _Worker(ctx, cfg)
            workers.append(w)
            feed(w)
        importing = _Importing(meanwhile)
        while nxt < n:
            while nxt in done:
                v = done.pop(nxt)
                if progress is not None:
                    progress(files[nxt])
                yield v
                nxt += 1
            if nxt >= n:
                break
            busy = [w for w in workers if w.pending]
            if not busy:  # pragma: no cover - every file is queued or done; a safety net against a stall
                importing.join()
                w = _Worker(ctx, cfg)
                workers.append(w)
                feed(w)
                continue
            by_handle: dict[Any, _Worker] = {}
            for w in busy:
                by_handle[w.conn] = w
                by_handle[w.proc.sentinel] = w
            ready = wait(list(by_handle), timeout=min(1.0, timeout))
            seen: set[int] = set()
            for h in ready:
                w = by_handle[h]
                if id(w) in seen or w not in workers:
                    continue
                seen.add(id(w))
                try:
                    while w.pending and w.conn.poll():
                        receive(w, w.conn.recv())
                except (EOFError, OSError):
                    lost(w)
                    continue
                if not w.proc.is_alive():
                    lost(w)
                    continue
                feed(w)
            now = time.monotonic()
            for w in list(workers):
                if w.pending and now - w.since > timeout:
                    lost(w, timed_out=True)
                elif not w.pending and queue:  # idle after a crash put files back in the queue
                    feed(w)
    finally:
        for w in workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in workers:
            w.stop(kill=bool(w.pending))


def validate_files(
    paths: Iterable[str | Path],
    *,
    prior: PriorData | None = None,
    roster: Roster | None = None,
    year: int | None = None,
    jobs: int | None = 0,
    progress: Callable[[Path], None] | None = None,
    reader_options: dict[str, Any] | None = None,
) -> list[FileResult]:
    """`validate_loaded(load_any(p))` for every file, on every core; results in input order."""
    return [
        v.result
        for v in iter_validated(
            paths, prior=prior, roster=roster, year=year, jobs=jobs, progress=progress, reader_options=reader_options
        )
    ]


if __name__ == "__main__":  # pragma: no cover
    sys.exit("xltool.parallel is a library module")
