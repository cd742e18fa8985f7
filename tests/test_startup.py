"""Start-up: heavy dependencies are imported only where used (``benchmarks/bench_cli.py`` times it).

Each case runs in a fresh interpreter and lists the heavy packages actually loaded (a module that
:func:`forecasts.lazy.lazy_module` registered but nobody used yet does not count).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pyomo.core", "highspy", "xarray", "pvlib.pvsystem", "scipy", "matplotlib", "windpowerlib", "netCDF4")
"""a package counts as loaded once one of these modules has run (``import pyomo`` alone is light)"""

PROBE = """
import contextlib, io, json, sys
from optimiser.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main({argv!r})
loaded = sorted(name for name, module in list(sys.modules.items())
                if name in {heavy!r} and module is not None and type(module).__name__ != "_LazyModule")
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


def _loaded(argv: list[str]) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], report["loaded"]


@pytest.mark.parametrize("argv", [["schema"], ["validate", "scenarios/dezhou_day.yaml"],
                                  ["validate", "scenarios/dezhou_multi_energy_day.yaml"]], ids=" ".join)
def test_validate_and_schema_load_no_solver_weather_or_plotting_library(argv):
    assert _loaded(argv) == (0, [])


def test_a_run_without_weather_never_imports_pvlib_or_windpowerlib(tmp_path):
    code, loaded = _loaded(["run", "scenarios/dezhou_day.yaml", "--out", str(tmp_path / "out"), "--no-plot"])
    assert code == 0
    assert "pyomo.core" in loaded and "highspy" in loaded  # the probe sees what a run needs
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
