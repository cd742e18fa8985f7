"""HiGHS instances and the further HiGHS options a scenario may set by name (``solver.highs_options``).

The options are checked against HiGHS itself when the scenario is validated (a name it does not
know, or a value it refuses, is a scenario error naming both) and applied to every solve of the
run, re-solves included. The few options parkdispatch sets itself are refused here, with the
field that sets them.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

MANAGED = {
    "time_limit": "solver.time_limit_s (or --time-limit)",
    "mip_rel_gap": "solver.mip_gap (or --mip-gap)",
    "output_flag": "--verbose",
    "log_to_console": "--verbose",
    "threads": "parkdispatch (sweep workers run HiGHS single-threaded)",
}
"""options parkdispatch sets itself, and where a user sets them"""


@contextmanager
def quiet_stdout(quiet: bool = True):
    """Silence C-level stdout (HiGHS prints its banner when constructed, before any option can be set)."""
    if not quiet:
        yield
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def apply(highs, options: dict) -> str | None:
    """Set ``options`` on a ``highspy.Highs``; returns why HiGHS refused the first it refused, or None."""
    import highspy

    for name, value in options.items():
        if name in MANAGED:
            return f"'{name}' is set by {MANAGED[name]}, not in solver.highs_options"
        status, kind = highs.getOptionType(name)
        if status != highspy.HighsStatus.kOk:
            return f"'{name}' is not a HiGHS option (see https://ergo-code.github.io/HiGHS/stable/options/definitions/)"
        if kind == highspy.HighsOptionType.kDouble and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        typed, wanted = {highspy.HighsOptionType.kBool: (bool, "true or false"),
                         highspy.HighsOptionType.kInt: (int, "an integer"),
                         highspy.HighsOptionType.kDouble: (float, "a number"),
                         highspy.HighsOptionType.kString: (str, "a string")}[kind]
        wrong_type = not isinstance(value, typed) or (typed is int and isinstance(value, bool))
        if wrong_type or highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            return f"HiGHS refuses {name} = {value!r}: it takes {wanted} within the range the HiGHS options page gives"
    return None


def refusal(options: dict) -> str | None:
    """Why HiGHS would not take ``options`` (checked on a scratch instance), or None."""
    if not options:
        return None
    import highspy

    with quiet_stdout():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return apply(highs, options)
