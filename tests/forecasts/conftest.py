"""Shared fixtures for the forecasts tests: real files shipped with pvlib and in ./data."""

import os
from pathlib import Path

import pvlib
import pytest

PVLIB_DATA = Path(os.path.dirname(pvlib.__file__)) / "data"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def greensboro():
    """TMY3 Greensboro NC (pvlib/data/723170TYA.CSV), normalised."""
    from forecasts.readers import read_tmy3
    return read_tmy3(PVLIB_DATA / "723170TYA.CSV")


@pytest.fixture(scope="session")
def tianjin_year():
    """One synthetic hourly year for Tianjin, seed 1."""
    from forecasts.synthetic import site_weather
    return site_weather("tianjin", "2023-01-01", 8760, 60, seed=1)
