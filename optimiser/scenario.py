"""The scenario file: pydantic models, loading, and error messages that name file, field and value.

Validation happens in one stage before any model is built. Loading first reads
``park`` and ``horizon`` (to know the run's time index), then validates the whole
document with every series resolved onto that index (see :mod:`optimiser.series`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import reprlib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from .lazy import pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from .accounting import Accounting
from .assets import RESERVED_NAMES, Asset, Grid
from .bounds import implausible
from .errors import ScenarioError
from .heat_levels import HeatLevel, level_problems
from .planning.sizing import Sizing, sizing_problems
from .planning.typical import TypicalPeriods, typical_problems
from .series import SeriesContext
from .targets import GreenPurchase, ShareTarget
from .tariff import Tariff
from .weather_inputs import Weather, load_weather, renewable_availability


class Park(BaseModel):
    """Where the park is."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    latitude: float = Field(ge=-90, le=90, description="[deg north]")
    longitude: float = Field(ge=-180, le=180, description="[deg east]")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of local clock time")
    altitude_m: float = Field(0.0, ge=-500, le=9000, description="site altitude [m]")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone '{zone}'") from None
        return zone


class Horizon(BaseModel):
    """The run's time steps: ``steps`` steps of ``step_minutes`` from ``start``."""

    model_config = ConfigDict(extra="forbid")
    start: datetime = Field(description="first step, with a UTC offset, e.g. 2026-07-15T00:00:00+08:00")
    steps: int = Field(ge=1, le=366 * 96, description="number of steps")
    step_minutes: Literal[15, 60] = Field(description="step length [min]")
    typical_periods: TypicalPeriods | None = Field(
        None, description="solve on K typical days standing for the horizon's whole days (optimiser.planning.typical)")

    @field_validator("start")
    @classmethod
    def _aware(cls, start: datetime) -> datetime:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start is timezone-naive; give an offset, e.g. 2026-07-15T00:00:00+08:00")
        if start.minute % 15 or start.second or start.microsecond:
            raise ValueError("start must fall on a quarter hour")
        return start

    @property
    def dt_h(self) -> float:
        """Step length [h]."""
        return self.step_minutes / 60.0

    def index(self, timezone: str) -> pd.DatetimeIndex:
        """Start of each step, in the park's local time zone."""
        start = pd.Timestamp(self.start).tz_convert(timezone)
        return pd.date_range(start, periods=self.steps, freq=f"{self.step_minutes}min", name="time")


class Targets(BaseModel):
    """Targets the dispatch must meet over the horizon (see :mod:`optimiser.targets` for the equations).

    A share target is a number (hard constraint) or ``{value, penalty_cny_per_kwh, year_to_date}``
    (soft: each kWh of shortfall costs the penalty). Green purchases are decisions with a price
    and a volume cap that count as green electricity (1 GEC = 1 MWh).
    """

    model_config = ConfigDict(extra="forbid")
    renewable_share_min: float | None = Field(
        None, ge=0, le=1, description="minimum renewable_share over the horizon [-] (see README)"
    )
    green_electricity_share_min: ShareTarget | None = Field(
        None, description="minimum green share of the electricity consumed: on-site renewables, direct supply and "
        "green purchases [-]")
    clean_energy_share_min: ShareTarget | None = Field(
        None, description="minimum clean share of energy consumption in tce [-] (910号 guide 0.90; Zhangye 0.80)")
    non_fossil_share_min: ShareTarget | None = Field(
        None, description="minimum non-fossil share of all energy (gas counts as fossil) [-]; number or {value, penalty_cny_per_kwh, year_to_date}")
    curtailment_rate_max: ShareTarget | None = Field(
        None, description="maximum curtailed / available energy of on-site and direct-supply plants [-]")
    direct_supply_share_min: ShareTarget | None = Field(
        None, description="minimum share of the park's electricity consumption self-consumed from all direct-supply "
        "projects together [-] (seed 001: 0.50 'in principle'); park level")
    green_purchases: list[GreenPurchase] = Field(
        default_factory=list, description="green-power contracts and green certificates that may be bought")


class Objective(BaseModel):
    """What the optimiser minimises.

    ``cost`` (default): energy cost + asset costs + soft-target penalties + carbon price x
    emissions (a positive carbon price makes it the weighted cost-emissions objective);
    ``emissions``: the model's emissions_tco2 alone. ``emissions_max_tco2`` caps emissions
    (the epsilon constraint of ``parkdispatch pareto``). Emissions, in all three and in the
    carbon price, are on ``emissions_basis`` (:func:`optimiser.targets.emission_form`).
    """

    model_config = ConfigDict(extra="forbid")
    carbon_price_cny_per_tco2: float = Field(0.0, ge=0, description="price on emissions_tco2 [CNY/tCO2]")
    emissions_basis: Literal["national_method", "grid_factor"] = Field(
        "national_method", description="emissions the objective, cap, carbon price and Pareto front use: "
        "'national_method' (park accounting: net import at accounting.grid_emission_factor_tco2_per_mwh, green "
        "purchases at 0, no credit for re-exported direct supply) or 'grid_factor' (grid.emission_factor_tco2_per_mwh "
        "on import); fuels and purchased heat in both")
    minimise: Literal["cost", "emissions"] = Field("cost", description="cost (weighted by the carbon price) or emissions")
    emissions_max_tco2: float | None = Field(None, ge=0, description="cap on emissions_tco2 over the horizon [tCO2]")


class SolverOptions(BaseModel):
    """HiGHS settings; the CLI can override the first two."""

    model_config = ConfigDict(extra="forbid")
    time_limit_s: float = Field(300.0, gt=0, description="wall-clock limit of one solve [s]")
    mip_gap: float = Field(1e-4, ge=0, lt=1, description="relative MIP gap at which to stop [-]")
    binaries: Literal["auto", "always", "never"] = Field(
        "auto",
        description="binaries forbidding simultaneous charge/discharge and import/export: "
        "'auto' adds one only at the steps where it can change the optimum (where both flows at once "
        "earn money, then wherever a solution still uses both; re-solved warm); 'always' at every step; "
        "'never': the LP relaxation (no exclusivity binaries, every on/off status continuous in [0, 1]); "
        "what it used (energy both ways at once, fractional status) is reported as warnings "
        "(optimiser.relaxation)",
    )
    chord_cuts: bool = Field(
        True,
        description="where an exclusivity binary is added, bound each flow by what backs it in its balance "
        "row (optimiser.chord_cuts): changes no optimum, tightens the LP relaxation; false leaves the "
        "big-M rows alone (faster for some sequences of small re-solves)",
    )
    highs_options: dict[str, bool | int | float | str] = Field(
        default_factory=dict,
        description="further HiGHS options by name, applied to every solve of the run, e.g. "
        "{mip_heuristic_run_rins: false}; checked against HiGHS when the scenario is read "
        "(optimiser.highs_options; time_limit, mip_rel_gap, output_flag, threads are set elsewhere)",
    )

    @field_validator("highs_options")
    @classmethod
    def _highs_takes_them(cls, options: dict) -> dict:
        from .highs_options import refusal

        problem = refusal(options)
        if problem:
            raise ValueError(problem)
        return options


class Scenario(BaseModel):
    """A park dispatch problem, validated; every series field is a float array on the run's index."""

    model_config = ConfigDict(extra="forbid")
    park: Park
    horizon: Horizon
    tariff: Tariff
    grid: Grid
    weather: Weather | None = Field(None, description="weather source for assets given as pv arrays or a wind farm")
    assets: list[Asset] = Field(min_length=1)
    heat_levels: list[HeatLevel] = Field(default_factory=list, description="heat temperature levels, hottest "
                                         "first; default one heat bus (see optimiser.heat_levels)")
    targets: Targets = Field(default_factory=Targets)
    objective: Objective = Field(default_factory=Objective)
    accounting: Accounting = Field(default_factory=Accounting, description="park carbon accounting and KPI targets")
    solver: SolverOptions = Field(default_factory=SolverOptions)
    sizing: Sizing | None = Field(None, description="capacities as decisions, co-optimised with the dispatch "
                                  "(optimiser.planning.sizing)")

    # pydantic evaluates these annotations when the class is made: pandas types here would load pandas for `schema`
    _index: Any = PrivateAttr()  # pd.DatetimeIndex
    _source: str = PrivateAttr("<scenario>")
    _sha256: str = PrivateAttr("")
    _weather: Any = PrivateAttr(None)  # pd.DataFrame | None
    _inputs: tuple[Path, ...] = PrivateAttr(())
    _raw: Any = PrivateAttr(None)
    _base_dir: Path = PrivateAttr(Path("."))
    _aggregation: Any = PrivateAttr(None)

    @property
    def aggregation(self):
        """The typical-period aggregation this scenario's steps stand for (set by :mod:`optimiser.planning.typical`
        on the typical days it derives), or None: every step is itself."""
        return self._aggregation

    @model_validator(mode="after")
    def _unique_names(self) -> "Scenario":
        seen = set()
        for asset in self.assets:
            if asset.name in RESERVED_NAMES:
                raise ValueError(f"asset name '{asset.name}' is reserved ({', '.join(sorted(RESERVED_NAMES))})")
            if asset.name in seen:
                raise ValueError(f"asset name '{asset.name}' is used twice")
            seen.add(asset.name)
            if asset.renewable and asset.available_kw is None and self.weather is None:
                raise ValueError(f"asset '{asset.name}' is computed from weather but the scenario has no 'weather' section")
        for purchase in self.targets.green_purchases:
            if purchase.name in seen or purchase.name in RESERVED_NAMES:
                raise ValueError(f"green purchase name '{purchase.name}' is used by an asset or reserved")
            seen.add(purchase.name)
        problems = level_problems(self.heat_levels, self.assets) + sizing_problems(self)
        if self.horizon.typical_periods is not None:
            problems += typical_problems(self.horizon, self.park.timezone, self.assets)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def index(self) -> pd.DatetimeIndex:
        """Start of each step, timezone-aware (park time zone)."""
        return self._index

    @property
    def source(self) -> str:
        return self._source

    @property
    def raw(self) -> Any:
        """A deep copy of the input mapping this scenario was validated from."""
        return copy.deepcopy(self._raw)

    @property
    def sha256(self) -> str:
        """SHA-256 of the scenario file and the CSV files it reads (of the input dict if built in memory)."""
        return self._sha256

    @property
    def input_paths(self) -> tuple[Path, ...]:
        """The scenario file and every file it reads (CSVs, weather): an output folder may not hold them."""
        return self._inputs

    @property
    def weather_frame(self) -> pd.DataFrame | None:
        """The weather the renewable series were computed from (None if all were given)."""
        return self._weather

    @property
    def weather_synthetic(self) -> bool:
        """True if any input series comes from generated (synthetic) weather."""
        return self._weather is not None and bool(self._weather.attrs.get("synthetic", False))

    def with_changes(self, changes: dict[str, Any]) -> "Scenario":
        """A new scenario: this one's input with ``changes`` applied, validated again like a file.

        ``changes`` maps dotted paths to new values, ``{"assets.lfp.energy_kwh": 5000}`` (a list
        element by its ``name`` or its index), or holds nested sections merged into the input,
        ``{"grid": {"import_limit_kw": 20000}}`` (a list is replaced whole). Raises
        :class:`ScenarioError` naming the field and value, as for a file; this scenario is unchanged.
        """
        raw = copy.deepcopy(self._raw)
        for key, value in changes.items():
            try:
                _set_path(raw, str(key).split("."), copy.deepcopy(value), str(key))
            except ScenarioError as exc:
                raise ScenarioError(f"{self._source}: {exc}") from None
        shown = ", ".join(map(str, changes))
        return scenario_from_dict(raw, base_dir=self._base_dir, source=f"{self._source} (with changes to {shown})")

    def import_prices(self) -> np.ndarray:
        """Import price per step [CNY/kWh]."""
        return self.tariff.import_prices(self.index, self.horizon.step_minutes)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file; raise :class:`ScenarioError` on any problem."""
    path = Path(path)
    raw, text = read_scenario_file(path)
    return scenario_from_dict(raw, base_dir=path.parent, source=str(path), file_bytes=text)


def read_scenario_file(path: str | Path) -> tuple[Any, bytes]:
    """A scenario file's parsed YAML (not yet validated) and its bytes; ScenarioError naming the file."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a scenario file")
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader), text  # noqa: S506 - a SafeLoader
    except DuplicateKeyError as exc:
        raise ScenarioError(f"{path}: line {exc.line}: key '{exc.key}' is given twice (first on line {exc.first_line}); "
                            "remove one (YAML would silently keep the last)") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None


class DuplicateKeyError(yaml.YAMLError):
    """A mapping gives the same key twice (``line`` and ``first_line`` are 1-based)."""

    def __init__(self, key: Any, line: int, first_line: int):
        super().__init__(f"duplicate key {key!r} on line {line} (first on line {first_line})")
        self.key, self.line, self.first_line = key, line, first_line


class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the C parser is ~4x faster on 8760 steps
    """YAML's safe loader that rejects a key given twice in one mapping (merge keys ``<<`` may be overridden)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in first:
                        raise DuplicateKeyError(key, line, first[key])
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                first[key] = line
        return super().construct_mapping(node, deep)


UniqueKeyLoader.add_implicit_resolver(  # YAML 1.2 floats such as 1e15 (YAML 1.1 reads them as text)
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def scenario_from_dict(
    raw: Any, base_dir: str | Path = ".", source: str = "<scenario>", file_bytes: bytes | None = None
) -> Scenario:
    """Validate a scenario given as a dict (series may be numpy arrays)."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping with sections park, horizon, tariff, grid, assets")
    park = _validate(Park, raw.get("park"), source, prefix="park")
    horizon = _validate(Horizon, raw.get("horizon"), source, prefix="horizon")
    context = SeriesContext(index=horizon.index(park.timezone), base_dir=Path(base_dir))
    scenario = _validate(Scenario, raw, source, context={"series": context})
    problem = implausible(scenario)
    if problem:
        raise ScenarioError(f"{source}: {problem}")
    scenario._index = context.index
    scenario._source = source
    scenario._raw, scenario._base_dir = copy.deepcopy(raw), Path(base_dir)
    digest = hashlib.sha256(file_bytes if file_bytes is not None else _stable_json(raw))
    for csv_path in sorted(context.input_files):
        digest.update(csv_path.read_bytes())
    weather_path = Path(base_dir) / scenario.weather.file.path if scenario.weather and scenario.weather.file else None
    if weather_path is not None and weather_path.is_file():
        digest.update(weather_path.read_bytes())
    scenario._sha256 = digest.hexdigest()
    scenario._inputs = tuple(p.resolve() for p in [*([Path(source)] if file_bytes is not None else []),
                                                   *sorted(context.input_files),
                                                   *([weather_path] if weather_path is not None else [])])
    _apply_weather(scenario, Path(base_dir), source)
    return scenario


def _set_path(node: Any, parts: list[str], value: Any, key: str) -> None:
    """Set ``value`` at the dotted path ``parts`` below ``node``; a dict value is merged into a dict."""
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == part),
                         None)
            if index is None and part.isdigit() and int(part) < len(node):
                index = int(part)
            if index is None:
                names = [str(item.get("name")) for item in node if isinstance(item, dict) and "name" in item]
                raise ScenarioError(f"changes: '{key}': no element '{part}'"
                                    + (f" (names: {', '.join(names)})" if names else f" ({len(node)} elements)"))
            if last:
                node[index] = _merged(node[index], value)
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = _merged(node.get(part), value)
            else:
                node = node.setdefault(part, {})
        else:
            raise ScenarioError(f"changes: '{key}': '{'.'.join(parts[:depth])}' is a value, not a section")


def _merged(old: Any, new: Any) -> Any:
    """``new`` merged into ``old`` where both are dicts (recursively), else ``new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merged(old.get(k), v) for k, v in new.items()}}
    return new


def _apply_weather(scenario: Scenario, base_dir: Path, source: str) -> None:
    """Fill ``available_kw`` of assets given as pv arrays or a wind farm, from the weather section."""
    pending = [(i, a) for i, a in enumerate(scenario.assets) if a.renewable and a.available_kw is None]
    if not pending:
        return
    try:
        weather = load_weather(scenario.weather, scenario.park, scenario.index, scenario.horizon.step_minutes, base_dir)
    except ValueError as exc:  # forecasts.weather.WeatherDataError is a ValueError
        raise ScenarioError(f"{source}: weather: {exc}") from None
    except Exception as exc:  # any other failure of a reader or the generator on these inputs
        raise ScenarioError(f"{source}: weather: cannot be used ({type(exc).__name__}: {exc})") from None
    for i, asset in pending:
        try:
            series = renewable_availability(asset, weather, scenario.park)
        except ValueError as exc:
            raise ScenarioError(f"{source}: assets[{i}] ({asset.name}): {exc}") from None
        series.setflags(write=False)
        asset.available_kw = series
    scenario._weather = weather


def _stable_json(raw: Any) -> bytes:
    return json.dumps(raw, sort_keys=True, default=_jsonable).encode()


def _jsonable(value: Any) -> Any:
    """Timestamps (YAML dates, datetimes) as ISO-8601, arrays as lists."""
    return value.isoformat() if hasattr(value, "isoformat") else np.asarray(value).tolist()


def _validate(model: type[BaseModel], data: Any, source: str, prefix: str = "", context: dict | None = None):
    if data is None and prefix:
        raise ScenarioError(f"{source}: section '{prefix}' is missing")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, data, source, prefix)) from None


_short = reprlib.Repr()
_short.maxlist = 4
_short.maxdict = 3
_short.maxstring = 60
_short.maxother = 60


def format_errors(exc: ValidationError, raw: Any, source: str, prefix: str = "") -> str:
    """One line per problem: ``FILE: FIELD = VALUE: reason``."""
    lines = []
    for error in exc.errors():
        field = _field_path(error["loc"], raw, prefix)
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            lines.append(f"{source}: {field}: required field is missing")
        elif error["type"] == "extra_forbidden":
            lines.append(f"{source}: {field}: unknown field")
        elif isinstance(error.get("input"), dict) and error["type"] in {"value_error", "assertion_error"}:
            lines.append(f"{source}: {field}: {reason}")
        else:
            lines.append(f"{source}: {field} = {_short.repr(error.get('input'))}: {reason}")
    return "\n".join(lines)


def _field_path(loc: tuple, raw: Any, prefix: str) -> str:
    """('assets', 2, 'battery', 'energy_kwh') -> "assets[2] (lfp1).energy_kwh"."""
    parts = [prefix] if prefix else []
    node = raw
    skip_tag = False
    for item in loc:
        if skip_tag:
            skip_tag = False
            if isinstance(node, dict) and item == node.get("kind"):
                continue
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and "name" in node:
                parts[-1] += f" ({node['name']})"
            skip_tag = True
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "(document)"
