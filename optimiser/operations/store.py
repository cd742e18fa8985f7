"""The state store: runs, schedules, end-of-day states and running totals in SQLite or PostgreSQL.

``Store(location)`` takes a file path (SQLite, created on first use) or an SQLAlchemy URL
(``postgresql://user@host/db``; the psycopg 3 driver is used) and brings the schema to the
newest Alembic revision shipped in ``migrations/`` before anything else (an upgrade never
drops history). Writers hold the store's lock (:meth:`Store.lock`, a row in ``locks``):
a second job waits for it and then fails with a message naming the holder. A lock left by a
killed job on this host (its pid is gone) is taken over and its run marked ``abandoned``.

A successful run's schedule, end state and totals are written in one transaction with the
run's status: the date's previous current schedule loses ``is_current`` but stays. A failed
run only updates its own row, so the last good schedule stays current.
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session

from ..errors import ParkDispatchError, ScenarioError
from .models import Lock, Run, RunningTotal, Schedule, State

MIGRATIONS = Path(__file__).with_name("migrations")
STORE_ENV = "PARKDISPATCH_STORE"
DEFAULT_STORE = Path("~/.local/state/parkdispatch/store.sqlite")
LOCK_NAME = "writer"


class StoreError(ParkDispatchError):
    """The state store cannot be reached or opened (exit 6, like a busy store)."""

    exit_code = 6


class StoreBusyError(StoreError):
    """Another job holds the store's lock (the message names it)."""


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def store_url(location: str | Path | None) -> str:
    """SQLAlchemy URL of ``location``: a URL as given (``postgresql://`` uses psycopg 3), a path as SQLite;
    None: ``$PARKDISPATCH_STORE`` or ``~/.local/state/parkdispatch/store.sqlite``."""
    location = location or os.environ.get(STORE_ENV) or DEFAULT_STORE.expanduser()
    text = str(location)
    if "://" in text:
        try:
            url = make_url(text)
        except Exception as exc:  # noqa: BLE001 (sqlalchemy raises ArgumentError, ValueError)
            raise ScenarioError(f"--store = {text!r}: not a database URL ({exc})") from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    path = Path(text).expanduser().resolve()
    if path.exists() and path.is_dir():
        raise ScenarioError(f"--store = {text}: is a directory, give a database file path")
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def holder_text(what: str = "") -> str:
    """Who is running: host, pid and what it does."""
    return f"pid {os.getpid()} on {socket.gethostname()}" + (f" ({what})" if what else "")


@dataclass
class Outcome:
    """What a finished run stores besides its schedule."""

    status: str
    solver_status: str | None = None
    objective_cny: float | None = None
    exit_code: int = 0
    error_class: str | None = None
    error_message: str | None = None
    flags: list[str] | None = None
    timings: dict | None = None
    scenario_sha256: str | None = None


class Store:
    """Open (and migrate) the store at ``location`` (see :func:`store_url`)."""

    def __init__(self, location: str | Path | None = None):
        self.url = store_url(location)
        self.engine = _engine(self.url)
        self._migrate()

    @property
    def where(self) -> str:
        """The store's URL without a password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def _migrate(self) -> None:
        try:
            self._upgrade()
        except DBAPIError as exc:
            raise StoreError(f"store {self.where} cannot be opened: {exc.orig}") from None

    def _upgrade(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        for attempt in range(5):  # two first uses at once: the loser's DDL fails, then finds the schema at head
            try:
                with self.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                return
            except DBAPIError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    # --- lock ----------------------------------------------------------------------
    @contextmanager
    def lock(self, what: str, wait_s: float = 60.0, poll_s: float = 0.2):
        """Hold the writer lock for the block; wait up to ``wait_s`` for another holder, then
        raise :class:`StoreBusyError` naming it."""
        holder = holder_text(what)
        deadline = time.monotonic() + wait_s
        while True:
            other = self._try_lock(holder)
            if other is None:
                break
            if time.monotonic() >= deadline:
                raise StoreBusyError(f"store {self.where} is in use by {other.holder} since "
                                     f"{_utc(other.acquired_at).isoformat(timespec='seconds')}; waited {wait_s:g} s "
                                     "(try again later, or remove its row from the locks table if that job is gone)")
            time.sleep(poll_s)
        try:
            yield holder
        finally:
            with Session(self.engine) as session, session.begin():
                session.query(Lock).filter(Lock.name == LOCK_NAME, Lock.holder == holder).delete()

    def _try_lock(self, holder: str) -> Lock | None:
        """Take the lock (None) or return its current holder's row."""
        host, pid = socket.gethostname(), os.getpid()
        try:
            with Session(self.engine) as session, session.begin():
                session.add(Lock(name=LOCK_NAME, holder=holder, host=host, pid=pid, acquired_at=now_utc()))
            self._abandon_running(holder)
            return None
        except IntegrityError:
            pass
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            other = session.get(Lock, LOCK_NAME)
            if other is not None and (other.host != host or _alive(other.pid)):
                return other
            if other is not None:
                session.delete(other)  # its job was killed: take the lock over
        return self._try_lock(holder)  # released meanwhile, or taken over

    def _abandon_running(self, holder: str) -> None:
        """With the lock held no other run can be running: mark leftovers of killed jobs."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(Run).where(Run.status == "running").values(
                status="abandoned", finished_at=now_utc(),
                error_message=f"the job stopped before it finished (found by {holder})"))

    # --- runs ----------------------------------------------------------------------
    def start_run(self, kind: str, operating_date: date, scenario_path: str, scenario_file_sha256: str | None,
                  package_version: str, holder: str) -> int:
        """Record a running job; returns its run id."""
        with Session(self.engine) as session, session.begin():
            run = Run(kind=kind, operating_date=operating_date, status="running", scenario_path=scenario_path,
                      scenario_file_sha256=scenario_file_sha256, package_version=package_version, holder=holder,
                      flags="[]", timings="{}", created_at=now_utc())
            session.add(run)
            session.flush()
            return run.id

    def finish_failed(self, run_id: int, outcome: Outcome) -> None:
        """Record a failed run; nothing else changes (the last good schedule stays current)."""
        with Session(self.engine) as session, session.begin():
            _set_outcome(session.get(Run, run_id), outcome)

    def finish_ok(self, run_id: int, outcome: Outcome, schedule: dict, states: list[tuple[str, str, float]],
                  as_of: str, totals: list[tuple[str, str, float]]) -> int:
        """In one transaction: the run's outcome, its schedule as the date's current one (the previous
        current version kept as history), its end state and running totals. Returns the version."""
        with Session(self.engine) as session, session.begin():
            run = session.get(Run, run_id)
            _set_outcome(run, outcome)
            key = (Schedule.operating_date == run.operating_date, Schedule.kind == run.kind)
            session.execute(update(Schedule).where(*key, Schedule.is_current.is_(True)).values(is_current=False))
            session.flush()
            version = (session.scalar(select(func.max(Schedule.version)).where(*key)) or 0) + 1
            session.add(Schedule(run_id=run_id, operating_date=run.operating_date, kind=run.kind, version=version,
                                 is_current=True, created_at=now_utc(), **schedule))
            session.add_all(State(run_id=run_id, as_of=as_of, asset=a, quantity=q, value=float(v)) for a, q, v in states)
            session.add_all(RunningTotal(run_id=run_id, name=n, period=p, value=float(v)) for n, p, v in totals)
            return version

    # --- reading -------------------------------------------------------------------
    def current_schedule(self, operating_date: date, kind: str = "day-ahead") -> Schedule | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(select(Schedule).where(
                Schedule.operating_date == operating_date, Schedule.kind == kind, Schedule.is_current.is_(True))).first()

    def schedules(self, operating_date: date, kind: str = "day-ahead") -> list[Schedule]:
        """Every version of a date's schedule, oldest first."""
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(select(Schedule).where(
                Schedule.operating_date == operating_date, Schedule.kind == kind).order_by(Schedule.version)))

    def end_state(self, operating_date: date) -> tuple[int | None, dict[tuple[str, str], float]]:
        """The state at the end of ``operating_date`` from its current schedule (intraday before
        day-ahead): (run id, {(asset, quantity): value}); (None, {}) if the store has none."""
        for kind in ("intraday", "day-ahead"):
            schedule = self.current_schedule(operating_date, kind)
            if schedule is not None:
                return schedule.run_id, self.run_states(schedule.run_id)
        return None, {}

    def run_states(self, run_id: int) -> dict[tuple[str, str], float]:
        """The end state stored with a run: {(asset, quantity): value}."""
        with Session(self.engine) as session:
            rows = session.scalars(select(State).where(State.run_id == run_id))
            return {(r.asset, r.quantity): r.value for r in rows}

    def latest_totals(self, before: date) -> tuple[date | None, dict[str, tuple[str, float]]]:
        """Running totals of the latest date before ``before`` that has a current schedule (intraday
        before day-ahead): (that date, {name: (period, value)}); (None, {}) if none."""
        with Session(self.engine) as session:
            last = session.scalar(select(func.max(Schedule.operating_date)).where(
                Schedule.operating_date < before, Schedule.is_current.is_(True)))
        if last is None:
            return None, {}
        run_id, _ = self.end_state(last)
        return last, self.totals(run_id)

    def totals(self, run_id: int) -> dict[str, tuple[str, float]]:
        """Running totals stored with a run: {name: (period, value)}."""
        with Session(self.engine) as session:
            rows = session.scalars(select(RunningTotal).where(RunningTotal.run_id == run_id))
            return {r.name: (r.period, r.value) for r in rows}

    def runs(self, limit: int | None = None) -> list[Run]:
        """Runs, newest first."""
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(Run).order_by(Run.id.desc())
            return list(session.scalars(query.limit(limit) if limit else query))

    def current_run_ids(self) -> set[int]:
        """Runs whose schedule is the current one of its date."""
        with Session(self.engine) as session:
            return set(session.scalars(select(Schedule.run_id).where(Schedule.is_current.is_(True))))


def _set_outcome(run: Run, outcome: Outcome) -> None:
    run.status, run.solver_status, run.objective_cny = outcome.status, outcome.solver_status, outcome.objective_cny
    run.exit_code, run.error_class, run.error_message = outcome.exit_code, outcome.error_class, outcome.error_message
    run.flags = json.dumps(outcome.flags or [])
    run.timings = json.dumps(outcome.timings or {})
    run.scenario_sha256 = outcome.scenario_sha256
    run.finished_at = now_utc()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # WAL: readers (history) never block the writer
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise ScenarioError(f"--store: the driver for {make_url(url).drivername} is not installed ({exc}); "
                            "pip install 'parkdispatch[postgres]'") from None
    except NoSuchModuleError:
        raise ScenarioError(f"--store = {make_url(url).render_as_string(hide_password=True)}: unknown database "
                            f"'{make_url(url).drivername}' (give a file path, or a sqlite:// or postgresql:// URL)") from None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
