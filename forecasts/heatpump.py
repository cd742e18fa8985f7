"""Heat-pump coefficient of performance (COP) from source and sink temperatures.

Carnot-fraction model::

    T_hot  = T_sink   + dT_hx          [K]
    T_cold = T_source - dT_hx          [K]
    COP    = eta * T_hot / (T_hot - T_cold)
    COP    = clip(COP, cop_min, cop_max)

``eta`` (``carnot_fraction``) is the ratio of the real to the ideal (Carnot)
heating COP; typical values 0.40-0.55 for modern electric compression heat
pumps (e.g. Arpagaus et al., Energy 152 (2018) 985, doi:10.1016/j.energy.2018.03.166,
report 0.4-0.6 across high-temperature units; air-source units sit at the lower
end because of fan power and defrosting). ``dT_hx`` is the temperature
difference across each heat exchanger (refrigerant vs. water/air), 5 K by
default. ``cop_max`` caps the COP when source and sink are close (the formula
diverges as ``T_hot - T_cold -> 0``); ``cop_min`` = 1 treats the unit as no worse
than direct electric heating (at very low source temperatures a real unit
switches to a backup heater). Air-source units get an optional defrost factor
(default 0.9) when the air is between -5 and +5 C with frost likely.

Source temperatures: air from the weather's ``temp_air_c``; ground, geothermal
and sewage sources from stated temperatures (defaults below are assumptions
from the domain notes: sewage effluent 14 C, deep-geothermal tail water cascaded
35 -> 25 C, shallow ground 12 C).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import weather as w
from .pv import output_attrs

#: default source temperatures [C] for non-air sources (assumptions, see module docstring)
DEFAULT_SOURCE_TEMP_C = {"ground": 12.0, "geothermal": 25.0, "sewage": 14.0, "water": 10.0}
#: default Carnot fractions [-]
DEFAULT_CARNOT_FRACTION = {"air": 0.40, "ground": 0.45, "geothermal": 0.50, "sewage": 0.45, "water": 0.45}


def cop_series(sink_temp_c, source_temp_c, carnot_fraction: float = 0.45, delta_t_hx_k: float = 5.0,
               cop_min: float = 1.0, cop_max: float = 8.0):
    """Heating COP [-] of a Carnot-fraction heat pump (module docstring).

    Parameters
    ----------
    sink_temp_c : float or array-like or Series
        Supply (flow) temperature of the heating system [C].
    source_temp_c : float or array-like or Series
        Source temperature [C] (air temperature for air-source units).
    carnot_fraction : float
        Real / Carnot COP [-].
    delta_t_hx_k : float
        Heat-exchanger temperature difference on each side [K].
    cop_min, cop_max : float
        Clipping bounds [-].

    Returns
    -------
    Same type as the inputs (Series keeps the index).
    """
    if not 0 < carnot_fraction <= 1:
        raise ValueError(f"carnot_fraction must be in (0, 1], got {carnot_fraction}")
    if not 0 < cop_min <= cop_max:
        raise ValueError("need 0 < cop_min <= cop_max")
    hot = np.asarray(sink_temp_c, float) + 273.15 + delta_t_hx_k
    cold = np.asarray(source_temp_c, float) + 273.15 - delta_t_hx_k
    lift = hot - cold
    with np.errstate(divide="ignore", invalid="ignore"):
        cop = np.where(lift > 0, carnot_fraction * hot / lift, cop_max)
    cop = np.clip(cop, cop_min, cop_max)
    for s in (source_temp_c, sink_temp_c):
        if isinstance(s, pd.Series):
            return pd.Series(cop, index=s.index, name="cop")
    return cop if cop.ndim else float(cop)


class HeatPump(BaseModel):
    """Heat-pump COP parameters.

    Attributes
    ----------
    name : str
    source : {"air", "ground", "geothermal", "sewage", "water"}
    source_temp_c : float, optional
        Source temperature [C] for non-air sources (default per source type).
    sink_temp_c : float
        Supply temperature [C] (floor heating ~35-45, radiators ~55-65).
    carnot_fraction : float, optional
        Default per source type (``DEFAULT_CARNOT_FRACTION``).
    delta_t_hx_k, cop_min, cop_max : float
    defrost_factor : float
        COP multiplier for air-source units with air between -5 and +5 C [-].
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    source: Literal["air", "ground", "geothermal", "sewage", "water"]
    source_temp_c: float | None = None
    sink_temp_c: float = Field(45.0, gt=-20, lt=150)
    carnot_fraction: float | None = Field(None, gt=0, le=1)
    delta_t_hx_k: float = Field(5.0, ge=0)
    cop_min: float = Field(1.0, gt=0)
    cop_max: float = Field(8.0, gt=0)
    defrost_factor: float = Field(0.9, gt=0, le=1)

    @model_validator(mode="after")
    def _source(self):
        if self.source == "air" and self.source_temp_c is not None:
            raise ValueError("air-source heat pumps take the source temperature from the weather")
        return self


def heat_pump_cop(weather: pd.DataFrame, pump: HeatPump) -> pd.Series:
    """COP series [-] of ``pump`` on ``weather.index`` (air temperature for air sources)."""
    eta = pump.carnot_fraction or DEFAULT_CARNOT_FRACTION[pump.source]
    if pump.source == "air":
        source = weather[w.TEMP_AIR]
    else:
        t = pump.source_temp_c if pump.source_temp_c is not None else DEFAULT_SOURCE_TEMP_C[pump.source]
        source = pd.Series(t, index=weather.index)
    cop = cop_series(pump.sink_temp_c, source, eta, pump.delta_t_hx_k, pump.cop_min, pump.cop_max)
    if pump.source == "air":
        frost = source.between(-5.0, 5.0)
        cop = cop.where(~frost, (cop * pump.defrost_factor).clip(lower=pump.cop_min))
    cop.name = pump.name
    cop.attrs = output_attrs(weather, unit="-", quantity="heat_pump_cop")
    return cop
