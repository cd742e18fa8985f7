"""Output folders never lose a user's file: --overwrite replaces only a previous parkdispatch output, every
problem with --out is found before the solve (exit 2, no traceback), temporaries of killed runs are cleaned,
folders follow the umask, and Ctrl-C outside the solve exits 130 writing nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.cli import main
from optimiser.outdir import MANIFEST, OWNER, check_output_dir, remove_stale_temporaries

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "dezhou_day.yaml"


@pytest.fixture
def project(tmp_path):
    """A user's folder: the scenario, its data/ and an unrelated notes file."""
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    shutil.copy(DEMO, proj / "dezhou_day.yaml")
    shutil.copy(REPO / "scenarios" / "data" / "dezhou_day.csv", proj / "data" / "dezhou_day.csv")
    (proj / "notes.txt").write_text("my notes\n")
    return proj


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _infeasible(folder: Path) -> Path:
    """The demo with a 5 MW import limit: infeasible (exit 3) if it ever reaches the solver."""
    path = folder / "tight.yaml"
    path.write_text(DEMO.read_text().replace("import_limit_kw: 30000", "import_limit_kw: 5000")
                    .replace("data/dezhou_day.csv", str(REPO / "scenarios/data/dezhou_day.csv")))
    return path


@pytest.mark.parametrize("command", [["run"], ["forecast"], ["pareto", "--points", "2"]])
def test_overwrite_refuses_the_scenario_folder(project, command, capsys):
    before = _tree(project)
    code = main([command[0], str(project / "dezhou_day.yaml"), *command[1:], "--out", str(project), "--overwrite",
                 "--no-plot"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "holds the scenario or its input" in err and "Traceback" not in err
    assert _tree(project) == before


def test_overwrite_refuses_a_folder_holding_an_input_csv(project, capsys):
    """--out data/.. is refused, and so is the folder holding a CSV the scenario reads."""
    before = _tree(project)
    assert main(["run", str(project / "dezhou_day.yaml"), "--out", str(project / "data"), "--overwrite"]) == 2
    assert "holds the scenario or its input" in capsys.readouterr().err
    assert _tree(project) == before


def test_overwrite_refuses_a_folder_parkdispatch_did_not_write(tmp_path, capsys):
    other = tmp_path / "thesis"
    other.mkdir()
    (other / "chapter1.tex").write_text("\\chapter{Intro}\n")
    assert main(["run", str(_infeasible(tmp_path)), "--out", str(other), "--overwrite"]) == 2  # before the solve
    assert "not a previous parkdispatch output" in capsys.readouterr().err
    assert (other / "chapter1.tex").read_text() == "\\chapter{Intro}\n"


def test_overwrite_replaces_a_previous_run_only_while_it_holds_only_its_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(DEMO), "--out", str(out), "--no-plot"]) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["written_by"] == "parkdispatch" and manifest["command"] == "run"
    assert manifest["files"] == ["dispatch.csv", "dispatch.nc", "report.html", "summary.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], MANIFEST])
    assert main(["run", str(DEMO), "--out", str(out), "--overwrite"]) == 0  # a previous run: replaced
    assert (out / "dispatch.png").is_file()
    (out / "my_analysis.xlsx").write_text("precious")
    capsys.readouterr()
    assert main(["run", str(DEMO), "--out", str(out), "--overwrite"]) == 2
    assert "my_analysis.xlsx" in capsys.readouterr().err
    assert (out / "my_analysis.xlsx").read_text() == "precious"


def test_out_dot_is_refused_without_a_traceback(tmp_path, monkeypatch, capsys):
    """--out . (the current directory, even a previous run's) cannot be replaced as a whole: exit 2, not EBUSY."""
    out = tmp_path / "run"
    assert main(["run", str(DEMO), "--out", str(out), "--no-plot"]) == 0
    monkeypatch.chdir(out)
    capsys.readouterr()
    assert main(["run", str(DEMO), "--out", ".", "--overwrite", "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert "current directory" in err and "Traceback" not in err
    assert (out / "summary.json").is_file()


def test_out_problems_are_found_before_the_solve(tmp_path, capsys):
    """Each case would exit 3 (infeasible) if it reached the solver; it exits 2 with its own message instead."""
    scenario = _infeasible(tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("x")
    cases = {str(busy): "exists and is not empty",
             str(a_file): "is an existing file, not a folder",
             str(a_file / "out"): "a_file.txt is a file, so no folder can be made under it",
             str(a_file / "deeper" / "out"): "a_file.txt is a file, so no folder can be made under it"}
    for out, message in cases.items():
        assert main(["run", str(scenario), "--out", out]) == 2, out
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    assert a_file.read_text() == "x"


def test_read_only_parent_is_found_before_the_solve(tmp_path, capsys):
    read_only = tmp_path / "ro"
    read_only.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(read_only)],
                                                   capture_output=True).returncode == 0
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("root without mount: permissions cannot make a folder read-only")
        read_only.chmod(0o555)
    try:
        assert main(["run", str(_infeasible(tmp_path)), "--out", str(read_only / "out")]) == 2
        assert "is not writable" in capsys.readouterr().err
    finally:
        if mounted:
            subprocess.run(["umount", str(read_only)], check=True)
        read_only.chmod(0o755)


def test_stale_temporaries_of_killed_runs_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ".demo.tmp-deadbeef"
    stale.mkdir()
    (stale / OWNER).write_text(f"{dead.pid}\n")
    (stale / "dispatch.csv").write_text("half written")
    alive = tmp_path / ".other.tmp-cafe0000"  # a run still writing (this process)
    alive.mkdir()
    (alive / OWNER).write_text(f"{os.getpid()}\n")
    foreign = tmp_path / ".cache.tmp-1234"  # someone else's: never touched
    foreign.mkdir()
    assert main(["run", str(DEMO), "--out", str(tmp_path / "demo"), "--no-plot"]) == 0
    assert not stale.exists() and alive.is_dir() and foreign.is_dir()
    assert remove_stale_temporaries(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache.tmp-1234", ".other.tmp-cafe0000", "demo"]


def test_output_folder_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        assert main(["run", str(DEMO), "--out", str(tmp_path / "demo"), "--no-plot"]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "demo").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "demo" / "summary.json").stat().st_mode & 0o777 == 0o644


def test_check_output_dir_accepts_new_and_empty_folders(tmp_path):
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    (tmp_path / "empty").mkdir()
    assert check_output_dir(tmp_path / "empty") == tmp_path / "empty"
    assert not (tmp_path / "new").exists()  # checking creates nothing


@pytest.mark.parametrize("options, message", [
    (["--time-limit", "-1"], "--time-limit: -1: must be a finite number of seconds > 0"),
    (["--time-limit", "nan"], "--time-limit: nan: must be a finite number of seconds > 0"),
    (["--time-limit", "inf"], "--time-limit: inf: must be a finite number of seconds > 0"),
    (["--time-limit", "1e300"], "--time-limit: 1e300: must be a finite number of seconds > 0 and <= 1e+07"),
    (["--mip-gap", "-1"], "--mip-gap: -1: must be a relative gap >= 0 and < 1"),
    (["--mip-gap", "1"], "--mip-gap: 1: must be a relative gap >= 0 and < 1"),
    (["--mip-gap", "x"], "--mip-gap: x: not a number"),
])
def test_cli_options_are_checked_like_the_scenario(tmp_path, options, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(DEMO), "--out", str(tmp_path / "o"), *options])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("points", ["1", "0", "-3", "2.5"])
def test_pareto_points_are_checked(tmp_path, points, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["pareto", str(DEMO), "--points", points, "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert f"--points: {points}:" in capsys.readouterr().err


def assert_interrupted_run_writes_nothing(tmp_path, setup: str, *options: str, command: str = "run",
                                          timeout: float = 120) -> None:
    """``parkdispatch COMMAND`` (of the bundled day) in a child process after ``setup`` (Python that arranges
    a SIGINT): exit 130, the one line on standard error, nothing written."""
    out = tmp_path / "out"
    code = (f"import os, signal, sys\n{setup}from optimiser.cli import main\n"
            f"sys.exit(main([{command!r}, {str(DEMO)!r}, '--out', {str(out)!r}, *{list(options)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "parkdispatch: interrupted; nothing written\n"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_ctrl_c_outside_the_solve_exits_130_writing_nothing(tmp_path):
    """A real SIGINT 50 ms into main(), while the scenario is imported and validated (long before the solve)."""
    assert_interrupted_run_writes_nothing(tmp_path, (
        "signal.signal(signal.SIGALRM, lambda *a: os.kill(os.getpid(), signal.SIGINT))\n"
        "signal.setitimer(signal.ITIMER_REAL, 0.05)\n"))


def test_ctrl_c_dropped_by_python_in_a_finaliser_still_stops_the_run(tmp_path):
    """A SIGINT whose KeyboardInterrupt lands in a weakref callback, where Python prints "Exception
    ignored" and drops it (seen when a timer's SIGINT met the garbage collector): the run still exits 130
    with the one line and writes nothing, instead of finishing with exit 0. ``forecast`` writes no
    netCDF (whose write would raise it too, see below), so only the check before the output folder's
    rename stops it."""
    assert_interrupted_run_writes_nothing(tmp_path, (
        "import weakref\n"
        "from optimiser import outdir\n"
        "real = outdir.remove_stale_temporaries\n"
        "class Token: pass\n"
        "def dropping_an_interrupt(parent):\n"
        "    token = Token()\n"
        "    keep = weakref.ref(token, lambda _: os.kill(os.getpid(), signal.SIGINT))\n"
        "    del token\n"
        "    return real(parent)\n"
        "outdir.remove_stale_temporaries = dropping_an_interrupt\n"), "--no-plot", command="forecast")


def test_ctrl_c_while_the_netcdf_is_written_exits_130_instead_of_hanging(tmp_path):
    """A SIGINT just after xarray's netCDF writer took a lock, once the file is open (the 20th of about 280
    lock acquisitions of this write): raised there, the interrupt leaves the lock held and the writer's
    clean-up waits on it for ever (without the deferral: a hang from the 10th acquisition on). The write
    defers it: the run exits 130 with the one line and writes nothing."""
    assert_interrupted_run_writes_nothing(tmp_path, (
        "import xarray.backends.locks as locks\n"
        "real, taken = locks.acquire, []\n"
        "def acquire_then_ctrl_c(lock, blocking=True):\n"
        "    got = real(lock, blocking)\n"
        "    taken.append(lock)\n"
        "    if len(taken) == 20:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return got\n"
        "locks.acquire = acquire_then_ctrl_c\n"), "--no-plot", timeout=60)


def test_ctrl_c_during_the_solve_stops_it_at_once(tmp_path):
    """A real SIGINT half a second into a long HiGHS solve (a year with binaries at every step, a
    minute's limit): the solver is cancelled, the run exits 130 with one line, nothing is written,
    and it stops within seconds rather than finishing the solve."""
    import numpy as np
    import pandas as pd

    hours = 8760
    index = pd.date_range("2026-01-01", periods=hours, freq="h", tz="Asia/Shanghai")
    rng = np.random.default_rng(1)
    hour = index.hour.to_numpy()
    pd.DataFrame({"time": [t.isoformat() for t in index],
                  "load_kw": 18_000 + 9_000 * ((hour > 7) & (hour < 22)) + rng.normal(0, 800, hours),
                  "pv_kw": 20_000 * np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None) * rng.uniform(0.3, 1, hours)},
                 ).to_csv(tmp_path / "year.csv", index=False)
    (tmp_path / "year.yaml").write_text(f"""
park: {{name: year, latitude: 37.4, longitude: 116.3, timezone: Asia/Shanghai}}
horizon: {{start: 2026-01-01T00:00:00+08:00, steps: {hours}, step_minutes: 60}}
tariff: {{import_cny_per_kwh: {{csv: year.csv, column: load_kw, scale: 0.00003}}, export_cny_per_kwh: 0.3}}
grid: {{import_limit_kw: 40000, export_limit_kw: 3000, emission_factor_tco2_per_mwh: 0.61}}
assets:
  - {{name: load, kind: demand, demand_kw: {{csv: year.csv, column: load_kw}}}}
  - {{name: pv, kind: pv, available_kw: {{csv: year.csv, column: pv_kw}}}}
  - {{name: lfp, kind: battery, power_kw: 5000, energy_kwh: 10000, end_rule: cyclic}}
  - {{name: vrfb, kind: flow_battery, power_kw: 4000, energy_kwh: 16000, end_rule: cyclic}}
solver: {{binaries: always, mip_gap: 0, time_limit_s: 60}}
""")
    out = tmp_path / "out"
    code = (
        "import os, signal, sys, threading, time\n"
        "import optimiser.solve as solve\n"
        "from optimiser.cli import main\n"
        "run = solve.HighsModel._run\n"
        "def interrupted(self):\n"
        "    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "    global started\n"
        "    started = time.monotonic()\n"
        "    return run(self)\n"
        "solve.HighsModel._run = interrupted\n"
        f"code = main(['run', {str(tmp_path / 'year.yaml')!r}, '--out', {str(out)!r}])\n"
        "print(f'after {time.monotonic() - started:.1f} s', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 130, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "parkdispatch: interrupted; nothing written"
    assert float(lines[1].split()[1]) < 10.0  # cancelled, not run to its 60 s limit
    assert not out.exists()


def test_an_error_raised_after_a_dropped_ctrl_c_is_an_interruption(monkeypatch, capsys):
    """A real SIGINT whose KeyboardInterrupt Python drops in a weakref callback, then an error from code that
    met it (seen: matplotlib's array comparison while the report was drawn): exit 130 with the one line."""
    import os
    import signal
    import weakref

    from optimiser import cli

    class Token:
        pass

    def error_after_a_dropped_interrupt(args):
        token = Token()
        keep = weakref.ref(token, lambda _: os.kill(os.getpid(), signal.SIGINT))
        del token
        assert keep() is None
        raise ValueError("the truth value of an array with more than one element is ambiguous")

    monkeypatch.setattr(cli, "_dispatch", error_after_a_dropped_interrupt)
    assert cli.main(["validate", str(DEMO)]) == 130
    assert capsys.readouterr().err == "parkdispatch: interrupted; nothing written\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_a_class_is_created_is_an_interruption(monkeypatch, capsys):
    """Ctrl-C inside ``__set_name__`` (while pydantic builds a scenario class on first import) reaches
    main as a RuntimeError caused by KeyboardInterrupt: still exit 130 with the one line, no traceback."""
    from optimiser import cli

    def interrupted(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'PydanticDescriptorProxy'") from exc

    monkeypatch.setattr(cli, "_dispatch", interrupted)
    assert cli.main(["validate", str(DEMO)]) == 130
    assert capsys.readouterr().err == "parkdispatch: interrupted; nothing written\n"
