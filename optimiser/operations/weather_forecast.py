"""``--weather-forecast FILE``: a job's PV and wind computed from a weather forecast file.

The file takes the place of the scenario's ``weather.file`` for that run: read with the same
format and reader options (the platform exports its numerical weather forecast in the layout of
the scenario's weather file), dated (never laid onto a typical year), so it must cover the
operating day; PV and wind follow from it as from any weather file. The run is flagged with the
file. A scenario whose PV and wind do not come from a weather file (series, or synthetic weather)
cannot take one: exit 2 before anything is solved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import ScenarioError


def use_weather_forecast(file: str | Path) -> Callable[[dict], list[str]]:
    """The ``prepare`` step that points the scenario's ``weather.file`` at ``file`` (see module doc)."""
    path = Path(file)
    if not path.is_file():
        raise ScenarioError(f"--weather-forecast = {file}: no such file")

    def prepare(raw: dict) -> list[str]:
        spec = (raw.get("weather") or {}).get("file")
        if not isinstance(spec, dict):
            raise ScenarioError(f"--weather-forecast = {file}: the scenario has no weather.file to replace (its PV "
                                "and wind come from series or synthetic weather); give the forecast as its series")
        spec.update(path=str(path.resolve()), typical_year=False)
        return [f"weather forecast: {path} (read as weather.file, format {spec.get('format')})"]

    return prepare
