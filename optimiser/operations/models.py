"""The state store's tables (SQLAlchemy 2 declarative models); the schema itself is created by the
Alembic migrations in ``migrations/versions`` (keep both in step: a test compares them).

* ``runs``: one row per job (day-ahead, intraday): what ran, on which inputs, how it ended.
* ``schedules``: the dispatch time series of a successful run (CSV text, one row per step); per
  (operating date, kind) exactly one row is ``is_current``, earlier versions stay as history.
* ``states``: the state at the end of a run's operating day per asset and quantity (storage
  levels, unit status and hours on/off, stack power), the next day's starting point.
* ``running_totals``: month-to-date and year-to-date totals after a run's day.
* ``locks``: at most one row per lock name; its holder is the job that may write.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), doc="day-ahead | intraday")
    operating_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), doc="running | ok | failed | abandoned")
    solver_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_class: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    flags: Mapped[str] = mapped_column(Text, default="[]", doc="JSON list of strings")
    objective_cny: Mapped[float | None] = mapped_column(Float, nullable=True)
    timings: Mapped[str] = mapped_column(Text, default="{}", doc="JSON: stage -> seconds")
    scenario_path: Mapped[str] = mapped_column(Text)
    scenario_file_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scenario_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                        doc="the derived day's scenario, state and CSVs included")
    package_version: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(Text, doc="host, pid of the job")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Schedule(Base):
    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("operating_date", "kind", "version", name="uq_schedules_version"),
        Index("uq_schedules_current", "operating_date", "kind", unique=True,
              sqlite_where=text("is_current = 1"), postgresql_where=text("is_current")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    operating_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)
    start: Mapped[str] = mapped_column(String(40), doc="first step, ISO 8601 with offset")
    steps: Mapped[int] = mapped_column(Integer)
    step_minutes: Mapped[int] = mapped_column(Integer)
    dispatch_csv: Mapped[str] = mapped_column(Text, doc="dispatch.csv of the run")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class State(Base):
    __tablename__ = "states"
    __table_args__ = (UniqueConstraint("run_id", "asset", "quantity", name="uq_states_quantity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    as_of: Mapped[str] = mapped_column(String(40), doc="end of the last step, ISO 8601 with offset")
    asset: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[str] = mapped_column(String(64), doc="e.g. soc_kwh, level_kg, on, hours_on, power_kw")
    value: Mapped[float] = mapped_column(Float)


class RunningTotal(Base):
    __tablename__ = "running_totals"
    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_running_totals_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), doc="e.g. month_to_date_peak_import_kw, year_to_date_import_kwh")
    period: Mapped[str] = mapped_column(String(16), doc="the month (YYYY-MM) or year (YYYY) it runs over")
    value: Mapped[float] = mapped_column(Float)


class Lock(Base):
    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
