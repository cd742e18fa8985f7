"""The three standard parks, each defined once: assets, tariff, targets, and where every figure comes from.

``make_standard.py`` writes each park at three horizons (day-ahead, week, year) from
these definitions; only the horizon, the series file and the demand-response events
inside the horizon differ between the three files. ``SOURCES`` names, per park, the
dotted path of each figure in the definition, its value and its source: a seed file
of ``shared/domain.md`` (``seed 000`` ... ``seed 004``), an external rule, or
``ASSUMPTION`` (a stated assumption where no source gives the figure). The generator
checks every value in ``SOURCES`` against the definition, so the table cannot drift.
"""

from __future__ import annotations

YEAR = 2026
DAY = "2026-07-15"    # a Wednesday in the summer tariff season
WEEK = "2026-07-13"   # Monday of that week

SHANDONG_TOU = {
    "source": "ILLUSTRATIVE industrial time-of-use tariff shaped like Shandong's (midday deep valley, summer "
              "critical peak); placeholder prices, replace with the current provincial notice. Export at the "
              "Shandong coal-power benchmark price 0.3949 CNY/kWh.",
    "time_of_use": {
        "prices_cny_per_kwh": {"critical_peak": 1.20, "peak": 1.00, "flat": 0.65, "valley": 0.33, "deep_valley": 0.20},
        "seasons": [
            {"months": [6, 7, 8], "periods": {"valley": ["00:00-07:00", "23:00-24:00"],
                                              "flat": ["07:00-10:00", "14:00-16:00", "22:00-23:00"],
                                              "deep_valley": ["10:00-14:00"], "peak": ["16:00-20:00", "21:00-22:00"],
                                              "critical_peak": ["20:00-21:00"]}},
            {"months": [1, 2, 3, 4, 5, 9, 10, 11, 12],
             "periods": {"valley": ["00:00-07:00", "23:00-24:00"], "flat": ["07:00-10:00", "14:00-17:00", "21:00-23:00"],
                         "deep_valley": ["10:00-14:00"], "peak": ["17:00-21:00"]}},
        ],
    },
    "export_cny_per_kwh": 0.3949,
}

GANSU_TOU = {
    "source": "ILLUSTRATIVE industrial time-of-use tariff shaped like Gansu's (midday valley in a solar-rich "
              "province); placeholder prices. Export at the Gansu coal-power benchmark price 0.3078 CNY/kWh.",
    "time_of_use": {
        "prices_cny_per_kwh": {"peak": 0.75, "flat": 0.50, "valley": 0.25},
        "seasons": [{"periods": {"flat": ["00:00-07:00", "17:00-18:00", "23:00-24:00"], "valley": ["07:00-17:00"],
                                 "peak": ["18:00-23:00"]}}],
    },
    "export_cny_per_kwh": 0.3078,
}

TIANJIN_TOU = {
    "source": "ILLUSTRATIVE peak/flat/valley industrial tariff; placeholder prices, replace with the current "
              "Tianjin notice. Export at an illustrative 0.3655 CNY/kWh.",
    "time_of_use": {
        "prices_cny_per_kwh": {"peak": 1.05, "flat": 0.68, "valley": 0.32},
        "seasons": [{"periods": {"valley": ["00:00-07:00", "23:00-24:00"], "flat": ["07:00-08:00", "11:00-18:00"],
                                 "peak": ["08:00-11:00", "18:00-23:00"]}}],
    },
    "export_cny_per_kwh": 0.3655,
}

SOLVER = {"time_limit_s": 120, "mip_gap": 0.0001}


def _site(name: str, latitude: float, longitude: float, altitude_m: float, site: str, seed: int) -> dict:
    """The park section and its synthetic weather (generated in 15-minute steps at every horizon)."""
    return {"park": {"name": name, "latitude": latitude, "longitude": longitude, "timezone": "Asia/Shanghai",
                     "altitude_m": altitude_m},
            "weather": {"synthetic": {"site": site, "seed": seed, "generate_step_minutes": 15}}}


# Each park: the scenario without horizon; series are {"column": NAME} placeholders that
# make_standard.py points at the horizon's CSV file.
PARKS: dict[str, dict] = {
    "dezhou": {
        **_site("Dezhou Tianqu standard park", 37.4, 116.3, 20, "dezhou", seed=11),
        "tariff": SHANDONG_TOU,
        "grid": {"import_limit_kw": 250_000, "export_limit_kw": 30_000, "emission_factor_tco2_per_mwh": 0.61},
        "assets": [
            {"name": "park_load", "kind": "demand", "demand_kw": {"column": "load_kw"}},
            {"name": "rooftop_pv", "kind": "pv", "arrays": [
                {"name": "roofs", "capacity_kwp": 150_000, "tilt_deg": 10, "azimuth_deg": 180,
                 "mounting": "close_mount", "losses_fraction": 0.14, "dc_ac_ratio": 1.2}]},
            {"name": "xintianneng_wind", "kind": "wind",
             "farm": {"name": "xintianneng", "turbine_type": "E-126/4200", "hub_height_m": 100, "n_turbines": 12}},
            {"name": "lfp", "kind": "battery", "power_kw": 100_000, "energy_kwh": 400_000, "end_rule": "equal_initial"},
            {"name": "vrfb", "kind": "flow_battery", "power_kw": 200_000, "energy_kwh": 800_000,
             "initial_soc_fraction": 0.3, "end_rule": "equal_initial"},
            {"name": "space_and_water_heat", "kind": "heat_demand", "demand_kw_th": {"column": "heat_kw_th"}},
            {"name": "geothermal_hp", "kind": "heat_pump", "capacity_kw_th": 40_000, "cop": 4.6,
             "source_limit_kw_th": 30_000},
            {"name": "gas_backup", "kind": "gas_boiler", "capacity_kw_th": 40_000, "gas_price_cny_per_m3": 3.6},
            {"name": "electrolyser", "kind": "electrolyser", "power_kw": 5_000, "kwh_per_kg": 53,
             "min_load_fraction": 0.1, "relax_to_lp": True},
            {"name": "h2_tank", "kind": "hydrogen_storage", "capacity_kg": 2_000, "compressor_kwh_per_kg": 2.0},
            {"name": "refuelling", "kind": "hydrogen_demand", "demand_kg_per_h": 41.667,
             "grey_purchase_cny_per_kg": 35},
            {"name": "fuel_cell", "kind": "fuel_cell", "power_kw": 200, "electrical_efficiency": 0.45,
             "heat_recovery_efficiency": 0.2},
            {"name": "logistics_evs", "kind": "ev_fleet", "connected_power_kw": {"column": "ev_connected_kw"},
             "max_energy_kwh": 10_000, "arrival_energy_kwh": {"column": "ev_arrival_kwh"},
             "departure_energy_kwh": {"column": "ev_departure_kwh"}, "initial_energy_kwh": 4_000,
             "end_energy_min_kwh": 4_000, "v2g_power_kw": {"column": "ev_v2g_kw"},
             "degradation_cost_cny_per_kwh": 0.1},
            {"name": "vpp_pool", "kind": "demand_response", "baseline_kw": 30_000,
             "flexible_capacity_kw": 20_000, "events": "dr_events"},
        ],
        "accounting": {"annual_energy_consumption_tce": 2_000_000},
        "targets": {"non_fossil_share_min": 0.14,
                    "green_electricity_share_min": {"value": 0.42, "penalty_cny_per_kwh": 0.05}},
        "objective": {"carbon_price_cny_per_tco2": 60},
        "solver": SOLVER,
    },
    "zhangye": {
        **_site("Zhangye standard park", 38.9, 100.5, 1480, "zhangye", seed=12),
        "tariff": GANSU_TOU,
        "grid": {"import_limit_kw": 80_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.61},
        "assets": [
            {"name": "park_load", "kind": "demand", "demand_kw": 50_000},
            {"name": "rooftop_pv", "kind": "pv", "arrays": [
                {"name": "roofs", "capacity_kwp": 10_000, "tilt_deg": 20, "azimuth_deg": 180,
                 "mounting": "close_mount", "losses_fraction": 0.14, "dc_ac_ratio": 1.2}]},
            {"name": "direct", "kind": "direct_supply", "line_limit_kw": 150_000, "export_limit_kw": 50_000,
             "export_cny_per_kwh": 0.3078, "energy_price_cny_per_kwh": 0.0,
             "plants": [{"name": "direct_pv", "technology": "pv", "available_kw": {"column": "direct_pv_kw"}},
                        {"name": "direct_wind", "technology": "wind", "available_kw": {"column": "direct_wind_kw"}}],
             "rules": {"self_min_fraction_of_available": 0.60, "self_min_fraction_of_load": "auto",
                       "export_max_fraction_of_available": 0.20}},
            {"name": "vrfb", "kind": "flow_battery", "power_kw": 20_000, "energy_kwh": 80_000,
             "initial_soc_fraction": 0.3, "end_rule": "equal_initial", "cycle_cost_cny_per_kwh": 0.01},
            {"name": "ely", "kind": "electrolyser", "power_kw": 20_000, "kwh_per_kg": 53, "min_load_fraction": 0.2,
             "relax_to_lp": True},
            {"name": "h2tank", "kind": "hydrogen_storage", "capacity_kg": 4_000, "end_rule": "equal_initial"},
            {"name": "h2_offtake", "kind": "hydrogen_demand", "demand_kg_per_h": 150, "grey_purchase_cny_per_kg": 30},
        ],
        "targets": {"clean_energy_share_min": 0.80,
                    "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 5.0,
                                         "max_mwh": 1_000_000}]},
        "accounting": {"grid_emission_factor_tco2_per_mwh": 0.8325, "electricity_tce_method": "calorific"},
        "objective": {"carbon_price_cny_per_tco2": 0},
        "solver": SOLVER,
    },
    "teda": {
        **_site("TEDA East District standard park", 39.0, 117.7, 5, "tianjin", seed=13),
        "tariff": TIANJIN_TOU,
        "grid": {"import_limit_kw": 400_000, "export_limit_kw": 20_000, "emission_factor_tco2_per_mwh": 0.6008},
        "assets": [
            {"name": "industrial_load", "kind": "demand", "demand_kw": {"column": "load_kw"}},
            {"name": "data_centre", "kind": "shiftable_load", "baseline_kw": 40_000, "daily_windows": ["00:00-24:00"],
             "max_shift_up_kw": 8_000, "max_shift_down_kw": 8_000},
            {"name": "process_lines", "kind": "curtailable_load", "baseline_kw": 20_000, "max_curtail_fraction": 0.2,
             "curtail_cost_cny_per_kwh": 1.0},
            {"name": "rooftop_pv", "kind": "pv", "arrays": [
                {"name": "south_roofs", "capacity_kwp": 180_000, "tilt_deg": 15, "azimuth_deg": 180,
                 "mounting": "close_mount", "losses_fraction": 0.14, "dc_ac_ratio": 1.2},
                {"name": "east_west_roofs", "capacity_kwp": 80_000, "tilt_deg": 5, "azimuth_deg": 90,
                 "mounting": "close_mount", "losses_fraction": 0.14, "dc_ac_ratio": 1.2}]},
            {"name": "jinqiao_wind", "kind": "wind",
             "farm": {"name": "jinqiao", "turbine_type": "E-126/4200", "hub_height_m": 100, "n_turbines": 2}},
            {"name": "substation_lfp", "kind": "battery", "power_kw": 26_750, "energy_kwh": 53_500,
             "end_rule": "equal_initial"},
            {"name": "district_heat", "kind": "heat_demand", "demand_kw_th": {"column": "heat_kw_th"}},
            {"name": "heat_plant_4_gas", "kind": "gas_boiler", "capacity_kw_th": 232_000, "gas_price_cny_per_m3": 3.6},
            {"name": "sewage_hp", "kind": "heat_pump", "capacity_kw_th": 30_000, "cop": 4.0},
            {"name": "ice_tank_heater", "kind": "electric_boiler", "capacity_kw_th": 25_000},
            {"name": "ice_tank_store", "kind": "thermal_storage", "power_kw": 25_000, "energy_kwh": 200_000,
             "end_rule": "equal_initial"},
            {"name": "data_centre_heat", "kind": "waste_heat", "available_kw_th": 2_751},
        ],
        "accounting": {"grid_emission_factor_tco2_per_mwh": 0.8325},
        "objective": {"carbon_price_cny_per_tco2": 200, "emissions_basis": "national_method"},
        "solver": SOLVER,
    },
}

# Series generation parameters (make_standard.py), also traced in SOURCES.
SERIES = {
    "dezhou": {"load_annual_kwh": 1.05e9, "load_profile": {"G25": 0.3, "flat": 0.7},
               "heat_annual_kwh_th": 1.0e8, "heat_profile": "GHD",
               "ev_vehicles": 50, "ev_battery_kwh": 200, "ev_charger_kw": 60, "ev_v2g_fraction": 0.3,
               "ev_arrival_soc": 0.3, "ev_departure_soc": 0.9, "ev_plugged": ("18:00", "07:00"),
               "dr_event_hours": ("19:00", "21:00"), "dr_required_kw": 10_000, "dr_compensation_cny_per_kwh": 3.0},
    "zhangye": {"direct_pv_kwp": 100_000, "direct_wind_turbines": 16},
    "teda": {"load_annual_kwh": 1.6e9, "load_profile": {"G25": 0.4, "flat": 0.6},
             "heat_annual_kwh_th": 4.0e8, "heat_profile": "GKO"},
}

S000, S001, S002, S003, S004 = ("seed 000 (Dezhou whitepaper)", "seed 001 (national whitepaper)",
                                "seed 002 (TEDA carbon-peaking plan)", "seed 003 (Dezhou ETDZ pilot plan)",
                                "seed 004 (Zhangye cultivation plan)")
A = "ASSUMPTION: "

SOURCES: dict[str, list[tuple[str, object, str]]] = {
    "dezhou": [
        ("park.latitude", 37.4, "shared/domain.md, standard park 1 (Dezhou Tianqu, 37.4 N 116.3 E)"),
        ("weather.synthetic.site", "dezhou", "forecasts/synthetic.py STANDARD_SITES['dezhou'] (calibration targets "
         "and their sources there); SYNTHETIC weather, labelled in every output"),
        ("tariff.export_cny_per_kwh", 0.3949, "Shandong coal-power benchmark price; TOU prices ILLUSTRATIVE "
         "(the seeds give no tariffs, domain.md 'Prices')"),
        ("grid.emission_factor_tco2_per_mwh", 0.61, f"{S001}: national average grid factor"),
        ("grid.import_limit_kw", 250_000, A + "above the park's peak (load about 190 MW plus heat pumps and storage)"),
        ("grid.export_limit_kw", 30_000, A + "connection export limit"),
        ("assets.rooftop_pv.arrays.roofs.capacity_kwp", 150_000, f"{S000}: ~150 MW distributed rooftop PV (2024)"),
        ("assets.xintianneng_wind.farm.n_turbines", 12, f"{S000}: Xintianneng 50 MW wind; 12 x E-126/4200 = "
         "50.4 MW (the bundled turbine library's type)"),
        ("assets.vrfb.power_kw", 200_000, f"{S000}: all-vanadium flow 200 MW / 800 MWh of the 300 MW / 1,200 MWh hybrid"),
        ("assets.vrfb.energy_kwh", 800_000, f"{S000}"),
        ("assets.lfp.power_kw", 100_000, f"{S000}: the rest of the 300 MW / 1,200 MWh hybrid storage, taken as LFP"),
        ("assets.lfp.energy_kwh", 400_000, f"{S000}"),
        ("assets.geothermal_hp.cop", 4.6, A + "deep-geothermal closed loop (35 C tail water, seed 000) to 60 C "
         "water, Carnot fraction ~0.5 (domain.md: COP from temperatures, external)"),
        ("assets.geothermal_hp.capacity_kw_th", 40_000, A + "sized to the heat demand's winter peak with the backup"),
        ("assets.geothermal_hp.source_limit_kw_th", 30_000, A + "well field 1,500-2,000 m, cascaded 35 -> 25 C "
         "(seed 000): ~720 kg/s x 4.18 kJ/kgK x 10 K"),
        ("assets.gas_backup.capacity_kw_th", 40_000, f"{S000}/{S002}: gas boilers as backup; size ASSUMED"),
        ("assets.gas_backup.gas_price_cny_per_m3", 3.6, A + "illustrative industrial gas price"),
        ("assets.electrolyser.power_kw", 5_000, f"{S000}: 5 MW PV-to-hydrogen electrolysis"),
        ("assets.electrolyser.kwh_per_kg", 53, "external: 50-55 kWh/kg (domain.md 'Hydrogen')"),
        ("assets.electrolyser.min_load_fraction", 0.1, A + "PEM stack (PV-coupled), minimum load ~10 %"),
        ("assets.electrolyser.relax_to_lp", True, A + "the minimum load relaxed (no on/off binary): with an alkaline "
         "20 % minimum, 50 kW standby and a 500 CNY start the week took 72 s and the year no 1e-4 gap in 120 s "
         "(benchmarks/README.md)"),
        ("assets.refuelling.demand_kg_per_h", 41.667, f"{S000}: refuelling stations of 500 kg/day each; two stations"),
        ("assets.h2_tank.capacity_kg", 2_000, A + "two days of the two stations' demand"),
        ("assets.fuel_cell.power_kw", 200, f"{S000}: 200 kW fuel cell with heat recovery, overall >= 60 %"),
        ("assets.logistics_evs.max_energy_kwh", 10_000, f"{S000}: 50 logistics vehicles; x 200 kWh ASSUMED"),
        ("series.ev_charger_kw", 60, f"{S000}: 180 x 60 kW fast chargers (50 of them used by the fleet overnight)"),
        ("series.ev_v2g_fraction", 0.3, f"{S000}: V2G on 30 % of chargers by 2027"),
        ("assets.vpp_pool.baseline_kw", 30_000, A + "the pool's own load, not in park_load"),
        ("assets.vpp_pool.flexible_capacity_kw", 20_000, f"{S000}: 200 MW on the VPP platform; the pool modelled "
         "here is ASSUMED 30 MW baseline / 20 MW flexible"),
        ("series.dr_required_kw", 10_000, f"{S000}: 50 events, 10 GWh shifted in 2024 (200 MWh a platform event); "
         "46 weekday events 1 Jul - 31 Aug, 19:00-21:00, 10 MW firm here (ASSUMED share of the platform)"),
        ("series.load_annual_kwh", 1.05e9, A + "electric load of the modelled park 1.05 TWh/yr (mean 120 MW), BDEW "
         "G25 30 % + flat 70 % (forecasts/loads.py); the platform's ~2 Mtce/yr (seed 000) includes fuels"),
        ("series.heat_annual_kwh_th", 1.0e8, A + "100 GWh_th/yr space heat and hot water, BDEW GHD profile on the "
         "synthetic temperature"),
        ("accounting.annual_energy_consumption_tce", 2_000_000, f"{S000}: the platform uses ~2 Mtce/yr"),
        ("targets.non_fossil_share_min", 0.14, f"{S003}/{S000}: ~14 % non-fossil share (2025)"),
        ("targets.green_electricity_share_min.value", 0.42, f"{S000}: renewable share > 42 % by 2030, as the green "
         "electricity share; soft here "
         "(0.05 CNY/kWh of shortfall, ASSUMED) so a winter week is not infeasible"),
        ("objective.carbon_price_cny_per_tco2", 60, A + "near the national ETS price"),
    ],
    "zhangye": [
        ("park.latitude", 38.9, "shared/domain.md, standard park 2 (Zhangye, 38.9 N 100.5 E)"),
        ("weather.synthetic.site", "zhangye", "forecasts/synthetic.py STANDARD_SITES['zhangye']; SYNTHETIC weather"),
        ("tariff.export_cny_per_kwh", 0.3078, "Gansu coal-power benchmark price; TOU prices ILLUSTRATIVE"),
        ("grid.export_limit_kw", 0, A + "the park's own connection takes no export; the direct project exports itself"),
        ("grid.emission_factor_tco2_per_mwh", 0.61, f"{S001}: national average"),
        ("assets.direct.line_limit_kw", 150_000, A + "direct line rating (<= 220 kV connection, seed 000 / 650号)"),
        ("assets.direct.rules.self_min_fraction_of_available", 0.60, "external: 发改能源〔2025〕650号 (60 %)"),
        ("assets.direct.rules.export_max_fraction_of_available", 0.20, "external: 650号 (20 %)"),
        ("assets.direct.rules.self_min_fraction_of_load", "auto", "external: 650号 (30 %, 35 % before 2030)"),
        ("series.direct_pv_kwp", 100_000, f"{S004}: wind + PV base on direct lines; 100 MWp single-axis ASSUMED, "
         "sized so the park can take 60 % of it in a windy, sunny week (the rule is applied to each horizon)"),
        ("series.direct_wind_turbines", 16, f"{S004}: 16 x E-126/4200 = 67.2 MW ASSUMED"),
        ("assets.rooftop_pv.arrays.roofs.capacity_kwp", 10_000, A + "on-site roofs"),
        ("assets.vrfb.energy_kwh", 80_000, f"{S004}: long-duration storage; 20 MW / 80 MWh vanadium flow ASSUMED"),
        ("assets.vrfb.cycle_cost_cny_per_kwh", 0.01, A + "variable O&M (pumps, stack) 0.01 CNY/kWh; without it "
         "cycling the battery to waste surplus direct supply is free and lifts the clean-energy share at no cost"),
        ("assets.ely.power_kw", 20_000, f"{S004}: electrolysis with hydrogen offtake; 20 MW ASSUMED"),
        ("assets.ely.relax_to_lp", True, A + "the 20 % minimum load relaxed (PEM-like stack), the day is an LP"),
        ("assets.h2_offtake.demand_kg_per_h", 150, A + "offtake 3.6 t/day"),
        ("assets.h2_offtake.grey_purchase_cny_per_kg", 30, A + "grey hydrogen price"),
        ("assets.park_load.demand_kw", 50_000, A + "three-shift materials processing, flat 50 MW (438 GWh/yr), above "
         "the direct plants' yield (319 GWh/yr)"),
        ("targets.clean_energy_share_min", 0.80, f"{S004}: clean-energy share >= 80 % by 2028, applied to each horizon"),
        ("targets.green_purchases.gec.price_cny_per_mwh", 5.0, A + "GEC price placeholder; 1 GEC = 1 MWh (seed 001)"),
        ("targets.green_purchases.gec.max_mwh", 1_000_000, A + "no binding market limit"),
        ("accounting.grid_emission_factor_tco2_per_mwh", 0.8325, f"{S001} ch. 5: national fossil-power factor"),
    ],
    "teda": [
        ("park.latitude", 39.0, "shared/domain.md, standard park 3 (TEDA East District, 39.0 N 117.7 E)"),
        ("weather.synthetic.site", "tianjin", "forecasts/synthetic.py STANDARD_SITES['tianjin'] "
         "(4,935 MJ/m2/yr, seed 002); SYNTHETIC weather"),
        ("grid.emission_factor_tco2_per_mwh", 0.6008, f"{S002}: TEDA inventory factor"),
        ("grid.import_limit_kw", 400_000, A + "above the park's peak"),
        ("assets.rooftop_pv.arrays.south_roofs.capacity_kwp", 180_000, f"{S002}: East District 260 MW distributed PV "
         "(three phases by 2025); split 180 MWp south / 80 MWp east-west ASSUMED"),
        ("assets.rooftop_pv.arrays.east_west_roofs.capacity_kwp", 80_000, f"{S002}"),
        ("assets.jinqiao_wind.farm.n_turbines", 2, f"{S002}: Jinqiao 2 x 5 MW distributed wind; 2 x E-126/4200 here"),
        ("assets.substation_lfp.power_kw", 26_750, f"{S002}: East District storage 26.75 MW / 53.5 MWh at the "
         "1#, 2# 110 kV and two 35 kV substations"),
        ("assets.substation_lfp.energy_kwh", 53_500, f"{S002}"),
        ("assets.heat_plant_4_gas.capacity_kw_th", 232_000, f"{S002}: East District heat plant 4, coal to gas: "
         "3 x 58 MW + 2 x 29 MW gas hot-water boilers"),
        ("assets.sewage_hp.cop", 4.0, f"{S002}/domain.md: sewage-source heat pump on 14 C effluent; COP ASSUMED"),
        ("assets.sewage_hp.capacity_kw_th", 30_000, A + "heat-pump capacity"),
        ("assets.ice_tank_store.energy_kwh", 200_000, f"{S002}: Yujiapu ice-tank electric heat storage "
         "(28 GWh/yr of heat, charged in the valley); 25 MW / 200 MWh_th ASSUMED"),
        ("assets.data_centre_heat.available_kw_th", 2_751, f"{S002}: Tianhe data-centre waste heat 86,758.56 GJ/yr "
         "= 24,100 MWh_th / 8,760 h (flat profile ASSUMED)"),
        ("assets.data_centre.baseline_kw", 40_000, A + "data-centre load (Tianhe digital park, seed 002), 20 % "
         "deferrable within the day"),
        ("assets.process_lines.max_curtail_fraction", 0.2, A + "flexible industrial load (East District VPP, seed 002)"),
        ("series.load_annual_kwh", 1.6e9, A + "industrial load 1.6 TWh/yr (mean 183 MW; BDEW G25 40 % + flat "
         "60 %), sized so the 260 MW PV is absorbed in the district (seed 002: PV sized to the district's absorption)"),
        ("series.heat_annual_kwh_th", 4.0e8, A + "400 GWh_th/yr district heat, BDEW GKO profile"),
        ("objective.carbon_price_cny_per_tco2", 200, f"{S002}: the CCUS case implies ~200 CNY/tCO2 (domain.md)"),
        ("objective.emissions_basis", "national_method", f"{S001} ch. 5: park carbon accounting, national method"),
        ("accounting.grid_emission_factor_tco2_per_mwh", 0.8325, f"{S001} ch. 5"),
    ],
}


def lookup(definition: dict, series: dict, path: str):
    """The value at a dotted ``path`` of a park definition (list elements by ``name``; ``series.`` from SERIES)."""
    node = series if path.startswith("series.") else definition
    for key in path.split(".")[1 if path.startswith("series.") else 0:]:
        if isinstance(node, list):
            node = next(item for item in node if item.get("name") == key)
        else:
            node = node[key]
    return node
