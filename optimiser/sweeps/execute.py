"""Run a sweep's cases on a local process pool or an existing Dask cluster; store each result as it finishes.

Layout of the output directory (``--out DIR``)::

    DIR/sweep.json          the sweep's manifest: sweep file, base, case keys (marks DIR as this sweep's)
    DIR/cases/<key>.json    one record per finished case, under its content hash (scenario + version)
    DIR/cases/<key>.nc      its dispatch (``--keep-dispatch``)
    DIR/sweep.nc, sweep.csv, *.png    the collected results (:mod:`optimiser.sweeps.results`)

Every file is written to a temporary name and renamed into place, so a killed run leaves only
complete records; ``--resume`` skips the cases whose record exists. A ``DIR`` holding anything
other than this sweep's own files is never written to.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import deque
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import multiprocessing as mp

from .. import __version__
from ..errors import ScenarioError, SolverError
from .spec import Sweep, set_path, stable_hash
from .worker import Task, data_only_allowed, is_data_path, run_case, task_for

MANIFEST = "sweep.json"


def assign_groups(sweep: Sweep) -> None:
    """Group cases that differ only in objective-coefficient data (:data:`worker.DATA_PATHS`)."""
    data_paths = [path for p in sweep.parameters for path in p.paths if is_data_path(path)]
    if not data_paths:
        return
    groups: dict[str, list] = {}
    for case in sweep.cases:
        if not data_only_allowed(case.scenario):
            continue
        stripped = json.loads(json.dumps(case.raw, default=str))
        for path in data_paths:
            try:
                set_path(stripped, path, None)
            except ValueError:
                pass
        groups.setdefault(stable_hash(stripped), []).append(case)
    for key, members in groups.items():
        if len(members) > 1:
            for case in members:
                case.group = key
                case.data_only = True


def tasks_of(sweep: Sweep, keep_dispatch: bool) -> list[Task]:
    reference = {}
    for case in sweep.cases:
        if case.group:
            reference.setdefault(case.group, case)
    return [task_for(case, reference.get(case.group), keep_dispatch) for case in sweep.cases]


def prepare_out(sweep: Sweep, out: Path, resume: bool) -> Path:
    """Create ``out`` (or check it is a sweep's, for ``--resume``); write the manifest.

    Records are keyed by content hash, so a resumed directory may also hold an edited sweep: cases
    whose scenario is unchanged are not solved again, new ones are."""
    cases_dir = out / "cases"
    manifest = {"sweep": str(sweep.path), "sweep_sha256": stable_hash(sweep.path.read_text()),
                "base": str(sweep.base_path), "package_version": __version__, "mode": sweep.spec.mode,
                "cases": [c.key for c in sweep.cases]}
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        mine = (out / MANIFEST).is_file()
        if not resume or not mine:
            why = "use --resume to continue it" if mine else "it is not a sweep output directory"
            raise ScenarioError(f"output directory {out} exists and is not empty ({why}); choose another --out")
    cases_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out / MANIFEST, json.dumps(manifest, indent=2).encode())
    return cases_dir


def write_atomic(path: Path, data: bytes | Callable[[Path], None]) -> None:
    """Write ``data`` (bytes, or a function writing a file at the path it is given) to ``path`` atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if callable(data):
            data(Path(tmp))
        else:
            Path(tmp).write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(cases_dir: Path, outcome: dict) -> dict:
    record = outcome["record"]
    if outcome.get("dataset") is not None:
        from ..output import to_netcdf

        write_atomic(cases_dir / f"{record['key']}.nc", lambda p: to_netcdf(outcome["dataset"], p))
    write_atomic(cases_dir / f"{record['key']}.json", (json.dumps(record, indent=1) + "\n").encode())
    return record


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, keep_dispatch: bool = False, progress: bool | None = None) -> list[dict]:
    """Run every case not yet finished; return all records in case order."""
    out = Path(out)
    cases_dir = prepare_out(sweep, out, resume)
    assign_groups(sweep)
    tasks = tasks_of(sweep, keep_dispatch)
    pending = [t for t in tasks if not (cases_dir / f"{t.key}.json").is_file()]
    # cases of one group in a row, so a worker's model is reused across them
    pending.sort(key=lambda t: (t.group, t.number))
    if pending:
        results = _on_cluster(pending, scheduler) if scheduler else _on_pool(pending, workers or os.cpu_count() or 1)
        with _progress(len(pending), progress) as advance:
            for outcome in results:
                store(cases_dir, outcome)
                advance()
    return load_records(sweep, cases_dir)


def load_records(sweep: Sweep, cases_dir: Path) -> list[dict]:
    records = []
    for case in sweep.cases:
        record = json.loads((cases_dir / f"{case.key}.json").read_text())
        record["case"], record["choice"] = case.number, case.choice
        records.append(record)
    return records


def _by_group(tasks: list[Task], slots: int, submit: Callable, next_done: Callable) -> Iterator:
    """Finished futures, in completion order. Each of ``slots`` workers works through whole groups of
    objective-data cases (its built model is reused for all of them; two tasks in flight per worker);
    the next group goes to whichever worker runs out first. ``submit(slot, task)`` returns a future;
    ``next_done(futures)`` the set of those that have finished."""
    queue = deque(deque(members) for _, members in itertools.groupby(tasks, key=lambda t: t.group or f"#{t.number}"))
    current: dict[int, deque] = {}
    running: dict = {}

    def feed(i: int) -> None:
        if not current.get(i):
            if not queue:
                return
            current[i] = queue.popleft()
        running[submit(i, current[i].popleft())] = i

    for i in range(min(slots, len(queue))):
        feed(i)
        feed(i)
    while running:
        for future in next_done(list(running)):
            i = running.pop(future)
            yield future
            feed(i)


def _on_pool(tasks: list[Task], workers: int) -> Iterator[dict]:
    """One task per case on ``workers`` single-process pools (forkserver: no HiGHS threads inherited by a
    fork), a group of objective-data cases per worker at a time (:func:`_by_group`)."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["optimiser.sweeps.worker"])
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=context) for _ in range(min(workers, len(tasks)))]
    try:
        for future in _by_group(tasks, len(pools), lambda i, task: pools[i].submit(run_case, task),
                                lambda futures: wait(futures, return_when=FIRST_COMPLETED).done):
            try:
                yield future.result()
            except BrokenProcessPool:
                raise SolverError("a worker process died (killed, or out of memory); the finished cases are "
                                  "stored: run again with --resume (and fewer --workers)") from None
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _on_cluster(tasks: list[Task], address: str) -> Iterator[dict]:
    """The same tasks on an existing Dask distributed cluster (optional extra ``dask``), a group per worker
    at a time as on the pool (a preference: a task moves if its worker leaves)."""
    try:
        from distributed import Client
        from distributed import wait as wait_any
    except ImportError:
        raise ScenarioError("--scheduler needs the optional extra: pip install 'parkdispatch[dask]'") from None
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise ScenarioError(f"--scheduler {address}: cannot connect: {exc}") from None
    with client:
        workers = sorted(client.scheduler_info()["workers"]) or [None]

        def submit(i: int, task: Task):
            return client.submit(run_case, task, pure=False, key=f"parkdispatch-case-{task.number}-{task.key[:12]}",
                                 workers=workers[i], allow_other_workers=True)

        for future in _by_group(tasks, len(workers), submit,
                                lambda futures: wait_any(futures, return_when="FIRST_COMPLETED").done):
            yield future.result()
            future.release()


class _progress:
    """A rich progress bar with rate and ETA on a terminal, nothing otherwise."""

    def __init__(self, total: int, show: bool | None):
        self.total = total
        self.show = sys.stderr.isatty() if show is None else show

    def __enter__(self):
        if not self.show:
            return lambda: None
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task):
                speed = task.finished_speed or task.speed
                return Text(f"{60 * speed:.1f} cases/min" if speed else "")

        self.bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn(),
                            TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True))
        self.bar.start()
        task = self.bar.add_task("sweep", total=self.total)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc):
        if self.show:
            self.bar.stop()
        return False
