"""Wall time of the command line in fresh processes: ``--help``, ``schema``, ``validate`` and ``run --no-plot``.

Each command runs N times as ``python -m optimiser.cli ...`` from each checkout given (so that
checkout's package is the one imported; several checkouts take turns within each repetition, so a
before/after comparison sees the same load); the median, minimum and maximum are printed in seconds,
with the wall time of a bare ``python -c pass`` for comparison (the interpreter's own start-up on this
machine) and the load average before and after. ``validate`` runs on every bundled scenario without
weather and on one with (synthetic) weather. Each checkout's bytecode is compiled first, as an
installed package's is (with ``PYTHONDONTWRITEBYTECODE=1`` and no ``__pycache__`` every start compiles
the package anew).

    python benchmarks/bench_cli.py [--repeats N] [--repo CHECKOUT ...]
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


def wall_seconds(args: list[str], repo: Path = REPO) -> float:
    """Wall time of one run of ``python args`` in ``repo`` (it must exit 0) [s]."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, *[a.replace("{tmp}", tmp) for a in args]]
        t0 = time.perf_counter()
        subprocess.run(command, cwd=repo, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per command [7]")
    parser.add_argument("--repo", type=Path, action="append", help="checkout to time; repeat it to compare "
                        "checkouts (default: this one)")
    options = parser.parse_args()
    repeats, repos = options.repeats, options.repo or [REPO]
    cases = {
        "python -c pass": ["-c", "pass"],
        "parkdispatch --help": ["-m", "optimiser.cli", "--help"],
        "parkdispatch schema": ["-m", "optimiser.cli", "schema"],
        **{f"parkdispatch validate {s}": ["-m", "optimiser.cli", "validate", s] for s in VALIDATED},
        f"parkdispatch run {SCENARIO} --no-plot": ["-m", "optimiser.cli", "run", SCENARIO, "--out", "{tmp}/out",
                                                    "--no-plot"],
    }
    for repo in repos:
        wall_seconds(["-m", "compileall", "-q", "optimiser", "forecasts"], repo)  # bytecode, as installed
        wall_seconds(cases["parkdispatch --help"], repo)  # warm the file cache
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    print(f"median (min-max) of {repeats} runs each\n")
    print("| command | " + " | ".join(str(repo) for repo in repos) + " |\n|---|" + "---|" * len(repos))
    for label, args in cases.items():
        times: dict[Path, list[float]] = {repo: [] for repo in repos}
        for _ in range(repeats):
            for repo in repos:
                times[repo].append(wall_seconds(args, repo))
        print(f"| `{label}` | " + " | ".join(f"{statistics.median(t):.2f} s ({min(t):.2f}-{max(t):.2f})"
                                          for t in times.values()) + " |")
    print("\nload average %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
