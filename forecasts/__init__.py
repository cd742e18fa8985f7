"""Weather-to-series forecasts (PV, wind, heat-pump COP, loads). Knows nothing about Pyomo."""
