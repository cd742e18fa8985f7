"""The electricity-only part of a park, solved by this project and by PyPSA (HiGHS) for comparison.

:func:`electricity_only` reduces a scenario to its electricity part: the fixed electric
demand (``demand`` assets), PV and wind (a direct-supply project's plants become plain
PV / wind plants of the park), batteries and flow batteries, and the grid with its
time-of-use import price, export price and import / export limits. Heat, hydrogen, EV,
flexible loads, targets and the carbon price are left out. The series are the park's
own (PV and wind as computed from its weather). Both sides solve to a MIP gap of
:data:`PEER_MIP_GAP`.

:func:`pypsa_network` builds the same problem in PyPSA: one bus; loads; PV and wind
generators (curtailable, ``p_max_pu`` = availability); the grid as an import generator
(``marginal_cost`` = import price) and an export generator (``p`` in [-limit, 0],
``marginal_cost`` = export price, so exporting earns it); each storage as a ``Store``
with a charging and a discharging ``Link``:

* charge link: bus -> store, ``p_nom`` = P (1 + f), efficiency eta_c / (1 + f);
* discharge link: store -> bus, ``p_nom`` = P / eta_d, efficiency eta_d (1 - f),
  ``marginal_cost`` = kappa eta_d (the ageing cost per kWh at the bus);
* store: ``e_nom`` = E, ``e_min_pu`` / ``e_max_pu`` the SOC window, ``standing_loss``
  sigma per hour, ``e_initial`` the initial level; the ``equal_initial`` end rule as
  ``e_min_pu = e_max_pu`` = initial fraction at the last step (``cyclic``: ``e_cyclic``);
  PyPSA's first step starts from ``e_initial`` without standing loss, so ``e_initial`` is
  the initial level times (1 - sigma)^dt,

with f the flow battery's pump load fraction (0 for LFP): the project's equations
``s_t = (1 - sigma)^dt s_{t-1} + dt (eta_c c_t - d_t / eta_d)`` and pump load
``f (c_t + d_t)``. Snapshot weightings are the step length [h]. Where exporting pays
more than importing costs (the steps where this project seeds exclusivity binaries),
binaries forbid simultaneous import and export in PyPSA as well (``extra_functionality``,
``import <= I u``, ``export <= X (1 - u)``), so both solve the same MIP.
"""

from __future__ import annotations

import time

import numpy as np

from ..scenario import Scenario, scenario_from_dict

KEEP = ("demand", "pv", "wind", "battery", "flow_battery")
PEER_MIP_GAP = 1e-7
"""both sides solve to this relative gap, so their objectives can be compared to 1e-6"""


def electricity_only(scenario: Scenario) -> Scenario:
    """The park's electricity-only part as a scenario (see module doc)."""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    assets = []
    for asset in raw["assets"]:
        if asset["kind"] in ("pv", "wind"):
            assets.append({"name": asset["name"], "kind": asset["kind"], "available_kw": asset["available_kw"]})
        elif asset["kind"] in KEEP:
            assets.append(asset)
        elif asset["kind"] == "direct_supply":
            assets += [{"name": plant["name"], "kind": plant["technology"], "available_kw": plant["available_kw"]}
                       for plant in asset["plants"]]
    reduced = {"park": {**raw["park"], "name": raw["park"]["name"] + " (electricity only)"},
               "horizon": raw["horizon"], "tariff": raw["tariff"], "assets": assets,
               "grid": {k: v for k, v in raw["grid"].items() if k != "demand_charge_cny_per_kw_month"},
               "solver": {**raw["solver"], "mip_gap": PEER_MIP_GAP}}
    return scenario_from_dict(reduced, source=f"{scenario.source} (electricity only)")


def pypsa_network(scenario: Scenario):
    """A PyPSA network of an electricity-only scenario, and the snapshots where import/export need a binary."""
    import pandas as pd
    import pypsa
    pypsa.options.api.legacy_string_dtype = True  # the current behaviour, stated (silences a FutureWarning)

    dt = scenario.horizon.dt_h
    snapshots = pd.RangeIndex(scenario.horizon.steps, name="snapshot")
    n = pypsa.Network()
    n.set_snapshots(snapshots)
    n.snapshot_weightings = n.snapshot_weightings.astype(float) * 0 + dt
    n.add("Bus", "el")
    grid = scenario.grid
    import_price = scenario.import_prices()
    export_price = np.broadcast_to(np.asarray(scenario.tariff.export_cny_per_kwh, dtype=float), import_price.shape)
    n.add("Generator", "grid_import", bus="el", p_nom=grid.import_limit_kw,
          marginal_cost=pd.Series(import_price, index=snapshots))
    if grid.export_limit_kw > 0:
        n.add("Generator", "grid_export", bus="el", p_nom=grid.export_limit_kw, p_min_pu=-1.0, p_max_pu=0.0,
              marginal_cost=pd.Series(export_price, index=snapshots))
    for asset in scenario.assets:
        if asset.kind == "demand":
            n.add("Load", asset.name, bus="el", p_set=pd.Series(asset.demand_kw, index=snapshots))
        elif asset.kind in ("pv", "wind"):
            peak = float(max(asset.available_kw.max(), 1e-9))
            n.add("Generator", asset.name, bus="el", p_nom=peak,
                  p_max_pu=pd.Series(asset.available_kw / peak, index=snapshots))
        else:
            _add_storage(n, asset, snapshots, dt)
    paying = np.flatnonzero(export_price > import_price) if grid.export_limit_kw > 0 else np.array([], int)
    return n, paying


def _add_storage(n, asset, snapshots, dt: float) -> None:
    import pandas as pd

    f = getattr(asset, "pump_load_fraction", 0.0)
    eta_c, eta_d, power, energy = asset.charge_efficiency, asset.discharge_efficiency, asset.power_kw, asset.energy_kwh
    store = f"{asset.name}_store"
    n.add("Bus", store)
    lo = pd.Series(asset.min_soc_fraction, index=snapshots)
    hi = pd.Series(asset.max_soc_fraction, index=snapshots)
    cyclic = asset.end_rule == "cyclic"
    if asset.end_rule == "equal_initial":
        lo.iloc[-1] = hi.iloc[-1] = asset.initial_soc_fraction
    elif asset.end_rule == "at_least":
        lo.iloc[-1] = max(asset.min_soc_fraction, asset.end_soc_min_fraction)
    # PyPSA's first step starts from e_initial without the standing loss; ours loses it over the first step too
    first = asset.initial_soc_kwh * asset.retention(dt)
    n.add("Store", store, bus=store, e_nom=energy, e_min_pu=lo, e_max_pu=hi, e_cyclic=cyclic,
          e_initial=0.0 if cyclic else first, standing_loss=asset.self_discharge_per_hour)
    n.add("Link", f"{asset.name}_charge", bus0="el", bus1=store, p_nom=power * (1 + f), efficiency=eta_c / (1 + f))
    n.add("Link", f"{asset.name}_discharge", bus0=store, bus1="el", p_nom=power / eta_d,
          efficiency=eta_d * (1 - f), marginal_cost=asset.cycle_cost_cny_per_kwh * eta_d)


def solve_pypsa(scenario: Scenario) -> dict:
    """Build and solve the PyPSA network of an electricity-only scenario: wall time [s] and objective [CNY]."""
    import logging
    import warnings

    import pandas as pd

    for name in ("pypsa", "linopy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning, module="pypsa")
    import pypsa  # noqa: F401  (imported before the clock starts, as ours is)

    t0 = time.perf_counter()
    n, paying = pypsa_network(scenario)
    grid = scenario.grid

    def exclusive_grid(n, snapshots):
        if not len(paying):
            return
        m = n.model
        p = m.variables["Generator-p"]
        steps = pd.Index(snapshots[paying], name="snapshot")
        u = m.add_variables(binary=True, coords=[steps], name="grid_import_status")
        m.add_constraints(p.sel(name="grid_import", snapshot=steps) - grid.import_limit_kw * u <= 0,
                          name="grid_import_when_importing")
        m.add_constraints(-p.sel(name="grid_export", snapshot=steps) + grid.export_limit_kw * u
                          <= grid.export_limit_kw, name="grid_export_when_exporting")

    status, condition = n.optimize(solver_name="highs", extra_functionality=exclusive_grid,
                                   include_objective_constant=False,
                                   solver_options={"mip_rel_gap": scenario.solver.mip_gap,
                                                   "time_limit": scenario.solver.time_limit_s,
                                                   "output_flag": False})
    seconds = time.perf_counter() - t0
    if status != "ok":
        raise RuntimeError(f"PyPSA: {status} ({condition})")
    return {"seconds": seconds, "objective_cny": float(n.objective), "binaries": int(len(paying)),
            "status": f"{status}, {condition}"}
