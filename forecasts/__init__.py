"""Weather-to-series forecasts (PV, wind, heat-pump COP, loads). Knows nothing about Pyomo.

Modules (pvlib iotools shape: ``read_*`` return ``(data, metadata)``):

* :mod:`forecasts.weather` -- the normalised weather frame, validation
  (:class:`~forecasts.weather.WeatherDataError`), normalisation, resampling
* :mod:`forecasts.readers` -- EPW, TMY3, TMY2, PVGIS TMY, CSV, NetCDF (NWP)
* :mod:`forecasts.synthetic` -- seeded synthetic weather, standard park sites
* :mod:`forecasts.forecast_error` -- forecasts with lead-time-growing error
* :mod:`forecasts.pv`, :mod:`forecasts.wind`, :mod:`forecasts.heatpump`,
  :mod:`forecasts.loads` -- generation, COP and demand series
* :mod:`forecasts.plot` -- PNG plot of a forecast frame
* :mod:`forecasts.site_report` -- annual figures for the standard sites
"""
