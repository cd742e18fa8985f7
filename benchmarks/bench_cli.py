"""Wall time of the command line in fresh processes: ``--help``, ``schema``, ``validate`` and ``run --no-plot``.

Each command runs N times as ``python -m optimiser.cli ...`` from the repository (so this checkout's
package is the one imported); the median, minimum and maximum are printed in seconds, with the wall
time of a bare ``python -c pass`` for comparison (the interpreter's own start-up on this machine) and
the load average before and after. ``validate`` runs on every bundled scenario without weather and on
one with (synthetic) weather. The checkout's bytecode is compiled first, as an installed package's is
(with ``PYTHONDONTWRITEBYTECODE=1`` and no ``__pycache__`` every start compiles the package anew).

    python benchmarks/bench_cli.py [--repeats N] [--repo CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/dezhou_day.yaml"
VALIDATED = ("scenarios/dezhou_day.yaml", "scenarios/dezhou_july.yaml", "scenarios/dezhou_multi_energy_day.yaml",
             "scenarios/zhangye_direct_supply.yaml", "scenarios/tianjin_week_weather.yaml")
"""the bundled scenarios without weather, then one with synthetic weather (pvlib and windpowerlib)"""


def wall_seconds(args: list[str], repeats: int, repo: Path = REPO) -> list[float]:
    """Wall time of each of ``repeats`` runs of ``python args`` (each must exit 0) [s]."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            command = [sys.executable, *[a.replace("{tmp}", tmp) for a in args]]
            t0 = time.perf_counter()
            subprocess.run(command, cwd=repo, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per command [7]")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to time (default: this one)")
    options = parser.parse_args()
    repeats, repo = options.repeats, options.repo
    cases = {
        "python -c pass": ["-c", "pass"],
        "parkdispatch --help": ["-m", "optimiser.cli", "--help"],
        "parkdispatch schema": ["-m", "optimiser.cli", "schema"],
        **{f"parkdispatch validate {s}": ["-m", "optimiser.cli", "validate", s] for s in VALIDATED},
        f"parkdispatch run {SCENARIO} --no-plot": ["-m", "optimiser.cli", "run", SCENARIO, "--out", "{tmp}/out",
                                                    "--no-plot"],
    }
    wall_seconds(["-m", "compileall", "-q", "optimiser", "forecasts"], 1, repo)  # bytecode, as installed
    wall_seconds(cases["parkdispatch --help"], 1, repo)  # warm the file cache
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    print(f"| command | median | min | max |  ({repeats} runs each)\n|---|---|---|---|")
    for label, args in cases.items():
        t = wall_seconds(args, repeats, repo)
        print(f"| `{label}` | {statistics.median(t):.2f} s | {min(t):.2f} s | {max(t):.2f} s |")
    print("load average %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
