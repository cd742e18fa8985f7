"""The sweep file: a base scenario and the parameters to vary, expanded into validated cases.

A parameter addresses a field of the scenario by its path (``objective.carbon_price_cny_per_tco2``,
``assets[name=lfp].energy_kwh``, ``assets[2].power_kw``, ``tariff.time_of_use.prices_cny_per_kwh.peak``)
and moves over one of:

* ``values``: a list of values of one path;
* ``linked``: several paths moved together (``{path: [values], ...}``, equal lengths), e.g. a
  battery's power and energy; choices are named by ``labels`` (default: the first path's values);
* ``options``: named whole alternatives, each a mapping ``{path: value}`` (a value may be a whole
  asset definition, e.g. ``assets[name=storage]: {kind: flow_battery, ...}``, or ``null`` for a list
  entry: the entry is removed);
* ``low`` / ``high``: a continuous range (``samples`` mode only).

Modes: ``grid`` (the full product of all parameters' choices), ``cases`` (an explicit list, each
case a mapping ``{parameter: value or label}``; parameters not given keep the base's value) and
``samples`` (``n`` seeded Latin-hypercube samples, :class:`scipy.stats.qmc.LatinHypercube`; a
discrete parameter takes choice ``floor(u * k)``). Every case's scenario is validated before
any solve; the first bad one is reported with its case number and field.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import __version__
from ..errors import ScenarioError
from ..scenario import Scenario, _stable_json, format_errors, scenario_from_dict

_STEP = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?:(?P<index>-?\d+)|name=(?P<name>[^\]]+))\])?$")


class Parameter(BaseModel):
    """One swept dimension (see module doc)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, description="dimension name; default: the path's last field")
    path: str | None = Field(None, description="scenario field, e.g. assets[name=lfp].energy_kwh")
    values: list[Any] | None = Field(None, min_length=1, description="values of `path`")
    low: float | None = Field(None, description="lower end of a sampled range (samples mode)")
    high: float | None = Field(None, description="upper end of a sampled range (samples mode)")
    linked: dict[str, list[Any]] | None = Field(None, description="paths moved together: {path: [values]}")
    options: dict[str, dict[str, Any]] | None = Field(None, description="named alternatives: {label: {path: value}}")
    labels: list[str] | None = Field(None, description="names of the linked choices")
    units: str | None = Field(None, description="units of the coordinate (default: from the path's suffix)")

    @model_validator(mode="after")
    def _one_form(self) -> "Parameter":
        forms = [self.values is not None, self.low is not None or self.high is not None,
                 self.linked is not None, self.options is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of values, low/high, linked or options")
        if (self.values is not None or forms[1]) and not self.path:
            raise ValueError("values and low/high need a path")
        if forms[1] and (self.low is None or self.high is None or not self.low <= self.high):
            raise ValueError(f"a range needs low <= high (low = {self.low}, high = {self.high})")
        if self.linked is not None:
            lengths = {len(v) for v in self.linked.values()}
            if len(lengths) != 1 or 0 in lengths:
                raise ValueError(f"linked paths need equal, non-zero numbers of values (got {sorted(lengths)})")
            if self.labels is not None and len(self.labels) != lengths.pop():
                raise ValueError("labels must name every linked choice")
        if self.options is not None and not self.options:
            raise ValueError("options is empty")
        keys = self.keys() if not forms[1] else []
        if any(isinstance(k, (dict, list)) for k in keys):
            raise ValueError("values must be numbers or text (use options for whole definitions)")
        if len(set(keys)) != len(keys):
            raise ValueError(f"the choices {keys} repeat a value (coordinates must be unique)")
        for path in self.paths:
            parse_path(path)
        if self.name is None:
            self.name = _default_name(self)
        return self

    @property
    def paths(self) -> list[str]:
        if self.linked is not None:
            return list(self.linked)
        if self.options is not None:
            return list(dict.fromkeys(p for option in self.options.values() for p in option))
        return [self.path]

    @property
    def continuous(self) -> bool:
        return self.low is not None

    def keys(self) -> list:
        """The choice keys: values, labels, option names (the dimension's coordinate)."""
        if self.values is not None:
            return list(self.values)
        if self.linked is not None:
            return list(self.labels) if self.labels is not None else list(next(iter(self.linked.values())))
        return list(self.options)

    def assignment(self, key) -> dict[str, Any]:
        """``{path: value}`` for choice ``key`` (or a sampled number of a range)."""
        if self.continuous or self.values is not None:
            return {self.path: key}
        i = self.keys().index(key)
        if self.linked is not None:
            return {path: values[i] for path, values in self.linked.items()}
        return dict(self.options[key])


def _default_name(p: Parameter) -> str:
    if p.options is not None or p.linked is not None and p.labels is not None:
        raise ValueError("options and labelled linked parameters need a name")
    return parse_path(p.paths[0])[-1][0]


class Samples(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int = Field(ge=1, le=100_000, description="number of samples")
    seed: int = Field(0, description="seed of the Latin hypercube")


class SweepFile(BaseModel):
    """The sweep file (YAML)."""

    model_config = ConfigDict(extra="forbid")
    base: str = Field(description="base scenario, relative to the sweep file")
    mode: Literal["grid", "cases", "samples"]
    parameters: list[Parameter] = Field(min_length=1)
    cases: list[dict[str, Any]] | None = Field(None, description="cases mode: [{parameter: value or label}]")
    samples: Samples | None = Field(None, description="samples mode: n and seed")
    time_limit_s: float | None = Field(None, gt=0, description="solver time limit per case [s] (overrides the base)")

    @model_validator(mode="after")
    def _mode_fields(self) -> "SweepFile":
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"parameter names must be unique (got {names}); give each a name")
        if (self.mode == "cases") != (self.cases is not None):
            raise ValueError("'cases' is given exactly when mode is cases")
        if (self.mode == "samples") != (self.samples is not None):
            raise ValueError("'samples' is given exactly when mode is samples")
        if self.mode != "samples" and any(p.continuous for p in self.parameters):
            raise ValueError("low/high ranges are only for mode samples; give values")
        return self


@dataclass
class Case:
    """One expanded case: number, choice per parameter, the scenario's raw dict and validated scenario, its
    content hash (``key``) and the re-solve group of cases differing from it only in objective data."""

    number: int
    choice: dict[str, Any]
    raw: dict
    scenario: Scenario | None = None
    key: str = ""
    group: str = ""
    data_only: bool = False


@dataclass
class Sweep:
    path: Path
    spec: SweepFile
    base_path: Path
    cases: list[Case]

    @property
    def parameters(self) -> list[Parameter]:
        return self.spec.parameters


def parse_path(path: str) -> list[tuple[str, int | str | None]]:
    """``assets[name=lfp].energy_kwh`` -> [("assets", "lfp"), ("energy_kwh", None)]; index as int."""
    steps = []
    for part in path.split("."):
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"path '{path}': cannot read '{part}' (use field, field[3] or field[name=x])")
        selector = int(m["index"]) if m["index"] is not None else m["name"]
        steps.append((m["key"], selector))
    return steps


def set_path(raw: dict, path: str, value: Any) -> None:
    """Set ``path`` in the scenario dict ``raw`` (missing mapping fields are created; ``None`` for a
    list entry removes it)."""
    node = raw
    steps = parse_path(path)
    for depth, (key, selector) in enumerate(steps):
        last = depth == len(steps) - 1
        if not isinstance(node, dict):
            raise ValueError(f"path '{path}': '{key}' is not inside a mapping")
        if selector is None:
            if last:
                node[key] = copy.deepcopy(value)
                return
            node = node.setdefault(key, {})
            continue
        items = node.get(key)
        if not isinstance(items, list):
            raise ValueError(f"path '{path}': '{key}' is not a list in the base scenario")
        if isinstance(selector, int):
            if not -len(items) <= selector < len(items):
                raise ValueError(f"path '{path}': {key} has {len(items)} entries")
            i = selector
        else:
            found = [j for j, item in enumerate(items) if isinstance(item, dict) and item.get("name") == selector]
            if not found:
                names = [item.get("name") for item in items if isinstance(item, dict)]
                raise ValueError(f"path '{path}': no {key} entry named '{selector}' (names: {names})")
            i = found[0]
        if last:
            if value is None:  # remove the entry (e.g. an asset absent from this case)
                del items[i]
                return
            item = copy.deepcopy(value)
            if isinstance(item, dict) and isinstance(selector, str):
                item.setdefault("name", selector)
            items[i] = item
            return
        node = items[i]


def _read_yaml(path: Path, what: str):
    if not path.is_file():
        raise ScenarioError(f"{path}: {what} not found")
    try:
        return yaml.safe_load(path.read_bytes())
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None


def load_sweep(path: str | Path) -> Sweep:
    """Read, expand and validate a sweep file; raise :class:`ScenarioError` naming file, field, value, case."""
    path = Path(path)
    raw = _read_yaml(path, "sweep file")
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, raw, str(path))) from None
    base_path = (path.parent / spec.base).resolve()
    if not base_path.is_file():
        raise ScenarioError(f"{path}: base = {spec.base!r}: scenario file not found ({base_path})")
    base_raw = _read_yaml(base_path, "scenario file")
    choices = _choices(spec, path)
    cases = []
    for number, choice in enumerate(choices):
        case_raw = copy.deepcopy(base_raw)
        if spec.time_limit_s is not None:
            case_raw.setdefault("solver", {})["time_limit_s"] = spec.time_limit_s
        for p in spec.parameters:
            if spec.mode == "cases" and p.name not in spec.cases[number]:
                choice[p.name] = _base_value(base_raw, p)
                continue
            for field_path, value in p.assignment(choice[p.name]).items():
                try:
                    set_path(case_raw, field_path, value)
                except ValueError as exc:
                    raise ScenarioError(f"{path}: case {number}: parameter {p.name} = {choice[p.name]!r}: {exc}") from None
        cases.append(Case(number=number, choice=choice, raw=case_raw))
    validate_cases(cases, path, base_path)
    return Sweep(path=path, spec=spec, base_path=base_path, cases=cases)


BASE = "base"
"""the coordinate of a parameter a listed case leaves at the base scenario's value (when not a number)"""


def _base_value(base_raw: dict, p: Parameter):
    """A parameter's value in the base scenario (for a case that does not set it), else ``"base"``."""
    if p.values is None:
        return BASE
    node = base_raw
    for key, selector in parse_path(p.path):
        node = node.get(key) if isinstance(node, dict) else None
        if selector is not None and isinstance(node, list):
            matches = [item for i, item in enumerate(node) if selector in (i, item.get("name") if isinstance(item, dict) else None)]
            node = matches[0] if matches else None
    return node if isinstance(node, (int, float, str)) and not isinstance(node, bool) else BASE


def _choices(spec: SweepFile, path: Path) -> list[dict[str, Any]]:
    params = spec.parameters
    if spec.mode == "grid":
        return [dict(zip([p.name for p in params], combo)) for combo in itertools.product(*(p.keys() for p in params))]
    if spec.mode == "cases":
        out = []
        by_name = {p.name: p for p in params}
        for number, case in enumerate(spec.cases):
            for name, value in case.items():
                if name not in by_name:
                    raise ScenarioError(f"{path}: cases[{number}].{name}: not a parameter (parameters: {list(by_name)})")
                p = by_name[name]
                if p.values is None and value not in p.keys():
                    raise ScenarioError(f"{path}: cases[{number}].{name} = {value!r}: not one of {p.keys()}")
            out.append(dict(case))
        return out
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(params), seed=spec.samples.seed).random(spec.samples.n)
    out = []
    for row in unit:
        choice = {}
        for p, u in zip(params, row):
            if p.continuous:
                choice[p.name] = float(p.low + u * (p.high - p.low))
            else:
                keys = p.keys()
                choice[p.name] = keys[min(int(u * len(keys)), len(keys) - 1)]
        out.append(choice)
    return out


def validate_cases(cases: list[Case], sweep_path: Path, base_path: Path) -> None:
    """Validate every case's scenario (before any solve) and give each its content hash."""
    for case in cases:
        source = f"{sweep_path}: case {case.number} ({_describe(case.choice)}) of {base_path.name}"
        try:
            case.scenario = scenario_from_dict(case.raw, base_dir=base_path.parent, source=source)
        except ScenarioError as exc:
            raise ScenarioError(str(exc)) from None
        case.key = content_hash(case.scenario)


def content_hash(scenario: Scenario) -> str:
    """SHA-256 of the case's scenario (its dict and the files it reads) and the package version."""
    return hashlib.sha256(f"{scenario.sha256}|parkdispatch {__version__}".encode()).hexdigest()


def _describe(choice: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in choice.items())


def stable_hash(raw: Any) -> str:
    return hashlib.sha256(_stable_json(raw)).hexdigest()
