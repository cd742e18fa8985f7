"""The state store against real SQLite and a real PostgreSQL server (the same tests, one code path):
schema from the migrations, re-runs kept as history, failed runs never replacing a good schedule,
the writer lock between two real processes, a job killed with SIGKILL."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ops_cases import STORAGE_PRICES, STORES, write_case
from optimiser.cli import main
from optimiser.errors import InfeasibleError, ScenarioError
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.history import history_frame
from optimiser.operations.store import Store, StoreBusyError

ROOT = Path(__file__).resolve().parents[1]
DAY1, DAY2 = date(2026, 7, 15), date(2026, 7, 16)


def battery_case(folder: Path) -> Path:
    return write_case(folder, STORES["battery"], 60, STORAGE_PRICES)


def set_demand(path: Path, kw: float) -> None:
    raw = yaml.safe_load(path.read_text())
    raw["assets"][0]["demand_kw"] = kw
    path.write_text(yaml.safe_dump(raw))


def test_schema_from_migrations_matches_models(store_location):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from optimiser.operations.models import Base

    store = Store(store_location)
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    Store(store_location)  # opening again finds the schema at head and changes nothing


def test_rerun_replaces_current_schedule_and_keeps_history(tmp_path, store_location):
    path = battery_case(tmp_path)
    store = Store(store_location)
    first = day_ahead(path, DAY1, store)
    set_demand(path, 120.0)  # 20 kW more all day: 20 x 12.57 = 251.4 CNY more (the store's plan is unchanged)
    second = day_ahead(path, DAY1, store)
    assert (first.version, second.version) == (1, 2)
    assert second.result.summary["objective_cny"] == pytest.approx(1079.5 + 251.4, abs=1e-6)
    versions = store.schedules(DAY1)
    assert [(s.version, s.is_current, s.run_id) for s in versions] == [(1, False, first.run_id),
                                                                       (2, True, second.run_id)]
    loads = [pd.read_csv(io.StringIO(s.dispatch_csv))["load_demand_kw"] for s in versions]
    assert (loads[0] == 100.0).all() and (loads[1] == 120.0).all()  # the old version is kept as it was
    assert store.current_schedule(DAY1).run_id == second.run_id
    table = history_frame(store)
    assert list(table["run"]) == [second.run_id, first.run_id]
    assert list(table["current"]) == ["*", ""]
    assert list(table["status"]) == ["ok", "ok"]


def test_failed_run_never_replaces_the_last_good_schedule(tmp_path, store_location):
    path = battery_case(tmp_path)
    store = Store(store_location)
    good = day_ahead(path, DAY1, store)
    raw = yaml.safe_load(path.read_text())
    raw["grid"]["import_limit_kw"] = 10  # 100 kW of demand, a 50 kW battery: infeasible
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InfeasibleError):
        day_ahead(path, DAY1, store)
    failed = store.runs()[0]
    assert (failed.status, failed.exit_code, failed.error_class) == ("failed", 3, "InfeasibleError")
    assert "bus_balance" in failed.error_message
    current = store.current_schedule(DAY1)
    assert (current.run_id, current.version) == (good.run_id, 1)
    assert [s.version for s in store.schedules(DAY1)] == [1]
    assert store.end_state(DAY1)[0] == good.run_id  # the next day still starts from the good run


def test_bad_store_location_is_input_error(tmp_path, capsys):
    assert main(["history", "--store", "nosuchdriver://x/y"]) == 2
    assert "--store" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="is a directory"):
        Store(tmp_path)


HOLD = """
import pathlib, sys, time
from optimiser.operations.store import Store
store = Store(sys.argv[1])
with store.lock("holding for the test", 30):
    pathlib.Path(sys.argv[2]).write_text("locked")
    deadline = time.time() + float(sys.argv[4])
    while not pathlib.Path(sys.argv[3]).exists() and time.time() < deadline:
        time.sleep(0.02)
"""


def _holder(store_location: str, tmp_path: Path, hold_s: float) -> tuple[subprocess.Popen, Path]:
    locked, release = tmp_path / "locked", tmp_path / "release"
    process = subprocess.Popen([sys.executable, "-c", HOLD, store_location, str(locked), str(release), str(hold_s)],
                               cwd=ROOT)
    deadline = time.time() + 60
    while not locked.exists():
        assert process.poll() is None and time.time() < deadline, "the holder process did not take the lock"
        time.sleep(0.02)
    return process, release


def test_second_process_fails_naming_the_holder(tmp_path, store_location):
    store = Store(store_location)
    holder, release = _holder(store_location, tmp_path, 60)
    try:
        with pytest.raises(StoreBusyError, match=rf"in use by pid {holder.pid} on .*holding for the test"):
            with store.lock("second job", wait_s=0.5):
                pass
    finally:
        release.touch()
        holder.wait(30)
    with store.lock("second job", wait_s=5):  # released: free again
        pass


def test_second_process_waits_for_the_holder(tmp_path, store_location):
    store = Store(store_location)
    holder, _ = _holder(store_location, tmp_path, 1.0)  # lets go after 1 s by itself
    t0 = time.monotonic()
    with store.lock("waiting job", wait_s=30):
        waited = time.monotonic() - t0
        assert holder.poll() is not None or waited > 0.5
    holder.wait(30)
    assert waited > 0.3


def _cli(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "optimiser.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_jobs_at_once_both_stored_one_current(tmp_path, store_location):
    path = battery_case(tmp_path)
    Store(store_location)  # schema in place (the jobs would race to create it otherwise; covered below)
    jobs = [_cli(["day-ahead", str(path), "--date", "2026-07-15", "--store", store_location, "--wait", "120"])
            for _ in range(2)]
    outputs = [job.communicate(timeout=300) for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs
    versions = Store(store_location).schedules(DAY1)
    assert sorted(s.version for s in versions) == [1, 2]
    assert sum(s.is_current for s in versions) == 1


def test_first_use_by_two_processes_at_once(tmp_path, store_location):
    code = "import sys; from optimiser.operations.store import Store; Store(sys.argv[1])"
    jobs = [subprocess.Popen([sys.executable, "-c", code, store_location], cwd=ROOT, stderr=subprocess.PIPE)
            for _ in range(2)]
    errors = [job.communicate(timeout=120)[1] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], errors


def test_job_killed_mid_run_leaves_store_consistent(tmp_path, store_location):
    path = battery_case(tmp_path)
    store = Store(store_location)
    good = day_ahead(path, DAY1, store)
    job = _cli(["day-ahead", str(path), "--date", "2026-07-15", "--store", store_location])
    for line in job.stderr:  # kill it once it holds the lock and has recorded its run
        if "stage=locked" in line:
            os.kill(job.pid, signal.SIGKILL)
            break
    job.wait(60)
    assert job.returncode == -signal.SIGKILL
    assert store.runs()[0].status == "running"
    assert store.current_schedule(DAY1).run_id == good.run_id
    again = day_ahead(path, DAY2, store, wait_s=5)  # takes over the dead job's lock
    runs = {run.id: run for run in store.runs()}
    killed = runs[again.run_id - 1]
    assert killed.status == "abandoned" and "stopped before it finished" in killed.error_message
    assert store.current_schedule(DAY1).run_id == good.run_id
    assert store.end_state(DAY1)[0] == good.run_id


def test_unreachable_store_exits_6(capsys):
    port = __import__("pg_server")._free_port()  # nothing listens there
    assert main(["history", "--store", f"postgresql://postgres@127.0.0.1:{port}/none"]) == 6
    assert "cannot be opened" in capsys.readouterr().err


def test_running_totals_sum_days_and_skip_gaps(tmp_path):
    """Battery case (see test_operations_dayahead): day 1 imports 2400 kWh of demand + 100 charged - 200
    discharged = 2300 kWh, peak 150 kW (100 kW demand + 50 kW charging); day 2 (from an empty store)
    2400 + 200 - 200 = 2400 kWh. Year to date after day 2: 4700 kWh; objective 1079.5 + 1102 = 2181.5.
    A day 4 after a gap starts from the scenario's state (as day 1: 2300 kWh) and continues the totals
    from day 2: 7000 kWh, flagged."""
    path = write_case(tmp_path, STORES["battery"], 60, STORAGE_PRICES, days=4)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    second = day_ahead(path, DAY2, store)
    totals = store.totals(second.run_id)
    assert totals["year_to_date_import_kwh"] == ("2026", pytest.approx(4700.0, abs=1e-5))
    assert totals["year_to_date_objective_cny"] == ("2026", pytest.approx(2181.5, abs=1e-5))
    assert totals["month_to_date_peak_import_kw"] == ("2026-07", pytest.approx(150.0, abs=1e-6))
    fourth = day_ahead(path, date(2026, 7, 18), store)
    assert store.totals(fourth.run_id)["year_to_date_import_kwh"][1] == pytest.approx(7000.0, abs=1e-5)
    assert any("continue from 2026-07-16" in flag for flag in fourth.flags)
