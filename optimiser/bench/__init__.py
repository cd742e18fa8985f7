"""Benchmarks of the standard parks (``parkdispatch bench``): timing, the HiGHS floor, the PyPSA peer.

Names only here (the CLI imports them without loading the solver stack).
"""

from pathlib import Path

PARKS = ("dezhou", "zhangye", "teda")
HORIZONS = ("day", "week", "year")
STANDARD = Path(__file__).resolve().parents[2] / "scenarios" / "standard"
"""the standard park files in a source checkout (``--scenarios`` elsewhere)"""
