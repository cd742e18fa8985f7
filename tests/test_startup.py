"""Start-up: heavy dependencies are imported only where used (``benchmarks/bench_cli.py`` times it).

Each case runs in a fresh interpreter and lists the heavy packages it loaded
(:func:`forecasts.lazy.lazy_module` imports nothing until first used).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyomo", "highspy", "xarray", "pvlib.pvsystem", "scipy", "matplotlib", "windpowerlib", "netCDF4")
"""a package counts as loaded once one of these modules has run (``import pyomo`` alone costs 0.03 s)"""
WEATHER_FREE = sorted(str(p.relative_to(REPO)) for p in REPO.glob("scenarios/**/*.yaml")
                      if "park" in (raw := yaml.safe_load(p.read_text(encoding="utf-8"))) and "weather" not in raw)
"""the bundled scenarios without a weather section (all read series from CSV)"""

PROBE = """
import contextlib, io, json, sys
from optimiser.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main({argv!r})
loaded = sorted(name for name in {heavy!r} if name in sys.modules)
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


def _loaded(argv: list[str]) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], report["loaded"]


def test_schema_loads_no_pandas_solver_weather_or_plotting_library():
    assert _loaded(["schema"]) == (0, [])


@pytest.mark.parametrize("scenario", WEATHER_FREE)
def test_validate_without_weather_loads_no_pyomo_weather_or_plotting_library(scenario):
    """pandas builds the run's time index and reads the CSV series; no Pyomo, pvlib, SciPy or plotting
    (highspy, 0.01 s, where the scenario sets solver.highs_options: HiGHS checks them)."""
    checked_by_highs = bool(yaml.safe_load((REPO / scenario).read_text(encoding="utf-8"))
                            .get("solver", {}).get("highs_options"))
    assert _loaded(["validate", scenario]) == (0, ["highspy", "pandas"] if checked_by_highs else ["pandas"])


def test_a_run_without_weather_never_imports_pvlib_or_windpowerlib(tmp_path):
    code, loaded = _loaded(["run", "scenarios/dezhou_day.yaml", "--out", str(tmp_path / "out"), "--no-plot"])
    assert code == 0
    assert "pyomo" in loaded and "highspy" in loaded  # the probe sees what a run needs
    assert "pvlib.pvsystem" not in loaded and "windpowerlib" not in loaded


def test_a_scenario_with_weather_still_computes_it():
    """The lazily loaded pvlib and windpowerlib still compute the bundled weather scenario's PV and wind."""
    code, loaded = _loaded(["validate", "scenarios/tianjin_week_weather.yaml"])
    assert code == 0 and "pvlib.pvsystem" in loaded and "windpowerlib" in loaded


def test_a_run_never_imports_scipy_stats(tmp_path):
    """Pyomo imports scipy.stats, .integrate and .spatial (about 0.7 s) when anything imports SciPy
    (xarray does through dask.array where dask is installed): ``optimiser.lazy`` drops that hook."""
    probe = ("import sys; import optimiser.run, pyomo.environ, scipy.sparse, xarray; "
             "xarray.Dataset({'a': ('t', [1.0])}); print(sorted(m for m in ('scipy.stats', 'scipy.spatial') "
             "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_lazy_module_imports_on_first_use_then_runs_its_hook():
    probe = ("import json, sys; from forecasts.lazy import lazy_module; calls = []; "
             "m = lazy_module('fractions', then=lambda: calls.append(1)); before = 'fractions' in sys.modules; "
             "third = m.Fraction(1, 3); again = m.Fraction; "
             "print(json.dumps([before, 'fractions' in sys.modules, calls, again is sys.modules['fractions'].Fraction, "
             "str(third)]))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, True, [1], True, "1/3"]
