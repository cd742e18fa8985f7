"""The input side of :mod:`~optimiser.assets.ev_sessions`: one session's fields, the session CSV
reader, and each session's plugged-in steps in compressed (sparse) form.

A session is plugged in over one contiguous run of steps, so :class:`PluggedSteps` stores, per
session, its first step and one plugged fraction per step of that run: memory grows with the
plugged (session, step) pairs, not with sessions x steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..series import read_text_csv


class EVSession(BaseModel):
    """One vehicle's charging session (see :mod:`~optimiser.assets.ev_sessions`)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80, description="unique session id (vehicle, booking)")
    arrival: datetime = Field(description="plug-in time, with a UTC offset, e.g. 2026-07-15T08:30:00+08:00")
    departure: datetime = Field(description="plug-out time, with a UTC offset; after arrival")
    energy_kwh: float = Field(ge=0, allow_inf_nan=False, description="energy to deliver into the battery by departure [kWh]")
    max_power_kw: float | None = Field(None, ge=0, allow_inf_nan=False,
                                       description="charging power limit at the bus [kW]; default: the asset's charger_power_kw")
    battery_kwh: float | None = Field(None, gt=0, allow_inf_nan=False,
                                      description="battery capacity [kWh]; with arrival_energy_kwh, makes the session V2G-capable")
    arrival_energy_kwh: float | None = Field(None, ge=0, allow_inf_nan=False,
                                             description="energy in the battery at arrival [kWh]")

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value):
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _consistent(self) -> "EVSession":
        for label, moment in (("arrival", self.arrival), ("departure", self.departure)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"session '{self.id}': {label} {moment.isoformat()} is timezone-naive; "
                                 f"give an offset, e.g. {moment.isoformat()}+08:00")
        if self.departure <= self.arrival:
            raise ValueError(f"session '{self.id}': departure {self.departure.isoformat()} is not after its "
                             f"arrival {self.arrival.isoformat()}")
        if (self.battery_kwh is None) != (self.arrival_energy_kwh is None):
            raise ValueError(f"session '{self.id}': give battery_kwh and arrival_energy_kwh together")
        if self.battery_kwh is not None and self.arrival_energy_kwh + self.energy_kwh > self.battery_kwh + 1e-9:
            raise ValueError(f"session '{self.id}': arrival_energy_kwh {self.arrival_energy_kwh:g} + energy_kwh "
                             f"{self.energy_kwh:g} = {self.arrival_energy_kwh + self.energy_kwh:g} kWh exceeds "
                             f"battery_kwh {self.battery_kwh:g}")
        return self


def read_sessions_csv(relative: str, info: ValidationInfo) -> list[EVSession]:
    """Sessions from a CSV file relative to the scenario file (one row per session)."""
    context = (info.context or {}).get("series")
    if context is None:
        raise ValueError("sessions_csv needs the scenario folder: load scenarios with optimiser.scenario.load_scenario")
    path = context.input_file(relative)  # recorded for the scenario's SHA-256
    frame = read_text_csv(path, relative, dtype=str, keep_default_na=False, skipinitialspace=True)
    known = set(EVSession.model_fields)
    unknown = [str(c) for c in frame.columns if str(c).strip() not in known]
    if unknown:
        raise ValueError(f"sessions_csv '{relative}' has unknown column '{unknown[0]}' (known: {', '.join(EVSession.model_fields)})")
    sessions = []
    for row_number, row in enumerate(frame.to_dict("records")):
        record = {str(k).strip(): v.strip() for k, v in row.items() if str(v).strip() != ""}
        try:
            sessions.append(EVSession.model_validate(record))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = f"sessions_csv '{relative}' line {row_number + 2}"
            reason = error["msg"].removeprefix("Value error, ")
            if error["loc"]:
                field = ".".join(map(str, error["loc"]))
                raise ValueError(f"{where} (session '{record.get('id', '?')}'): {field}: {reason}") from None
            raise ValueError(f"{where}: {reason}") from None
    return sessions


@dataclass(frozen=True)
class PluggedSteps:
    """The plugged-in (session, step) pairs of the sessions in a horizon, in compressed rows.

    Session ``k`` owns the pair positions ``offset[k]:offset[k+1]``, which are its steps
    ``first[k], first[k] + 1, ...`` in order (a session is plugged in over one run of steps).
    Arrays indexed by pair position (``session``, ``step``, ``fraction``, the per-pair limits
    and a solution's flows) have one entry per plugged pair.
    """

    n_steps: int
    first: np.ndarray
    """first plugged step of each session"""
    offset: np.ndarray
    """start of each session's pairs (length sessions + 1)"""
    session: np.ndarray
    """session of each pair"""
    step: np.ndarray
    """step of each pair"""
    fraction: np.ndarray
    """plugged-in fraction of the pair's step, in (0, 1] [-]"""
    inside_ns: np.ndarray
    """plugged-in time of each session inside the horizon [ns]"""
    total_ns: np.ndarray
    """whole plugged-in time of each session [ns]"""
    before_ns: np.ndarray
    """plugged-in time of each session before the horizon starts [ns]"""

    @classmethod
    def of(cls, arrival_ns: np.ndarray, departure_ns: np.ndarray, start_ns: int, step_ns: int,
           n: int) -> tuple["PluggedSteps", np.ndarray]:
        """The plugged pairs of sessions given by arrival and departure [ns since the epoch] on ``n``
        steps of ``step_ns`` from ``start_ns``; also returns the indices of the sessions kept (those
        plugged in for some time inside the horizon)."""
        end_ns = start_ns + step_ns * n
        kept = np.flatnonzero((departure_ns > start_ns) & (arrival_ns < end_ns))
        a, b = arrival_ns[kept], departure_ns[kept]
        first = np.clip((a - start_ns) // step_ns, 0, n - 1)
        stop = np.clip(-((start_ns - b) // step_ns), 1, n)  # one past the step holding the departure
        count = stop - first
        offset = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(count, out=offset[1:])
        session = np.repeat(np.arange(len(kept)), count)
        step = np.arange(offset[-1], dtype=np.int64) - np.repeat(offset[:-1] - first, count)
        edge = start_ns + step_ns * step
        overlap = np.minimum(b[session], edge + step_ns) - np.maximum(a[session], edge)  # [ns], > 0
        total = b - a
        plugged = cls(n_steps=n, first=first, offset=offset, session=session, step=step, fraction=overlap / step_ns,
                      inside_ns=np.minimum(b, end_ns) - np.maximum(a, start_ns), total_ns=total,
                      before_ns=np.minimum(np.maximum(start_ns - a, 0), total))
        return plugged, kept

    @property
    def n_sessions(self) -> int:
        return len(self.first)

    @property
    def last(self) -> np.ndarray:
        """last plugged step of each session"""
        return self.first + np.diff(self.offset) - 1

    def per_session(self, x: np.ndarray) -> np.ndarray:
        """Sum of a per-pair array over each session's pairs."""
        return np.bincount(self.session, weights=x, minlength=self.n_sessions).astype(float)

    def per_step(self, x: np.ndarray | None = None) -> np.ndarray:
        """Sum of a per-pair array (or the count of pairs) at each step."""
        return np.bincount(self.step, weights=x, minlength=self.n_steps).astype(float)

    def position(self, session: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Pair position of each (session, step), -1 where that session is not plugged in at that step."""
        inside = (step >= self.first[session]) & (step < self.first[session] + np.diff(self.offset)[session])
        return np.where(inside, self.offset[session] + step - self.first[session], -1)

    def dense(self, x: np.ndarray) -> np.ndarray:
        """A per-pair array as sessions x steps (zeros where not plugged in): for small cases and tests."""
        out = np.zeros((self.n_sessions, self.n_steps))
        out[self.session, self.step] = x
        return out
