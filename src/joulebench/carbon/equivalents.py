"""Everyday equivalents of an energy (joules) and an emission (grams CO2eq).

Each factor carries its basis and source so that reports can cite it. Energy-based
equivalents divide energy; emission-based ones divide grams CO2eq, so they change with
the grid intensity and PUE used for the run.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import units

# Smartphone charge: EPA Greenhouse Gas Equivalencies Calculator, "Number of smartphones
# charged" (0.022 kWh per charge), the factor the Power Hungry Processing study used.
SMARTPHONE_CHARGE_KWH = 0.022
# Typical passenger vehicle: EPA, "Greenhouse Gas Emissions from a Typical Passenger
# Vehicle" (EPA-420-F-23-014, June 2023): about 400 g CO2 per mile (22.2 mpg, gasoline).
CAR_G_PER_MILE = 400.0
# Gasoline burned: EPA GHG Emission Factors Hub / Equivalencies Calculator: 8,887 g CO2
# per US gallon of motor gasoline (tailpipe CO2).
GASOLINE_G_PER_GALLON = 8887.0
# LED bulb: a 10 W LED lamp (ENERGY STAR A19 replacement for a 60 W incandescent draws
# 8-10 W; 10 W is the upper end). Hours = kWh / 0.010.
LED_BULB_W = 10.0
# Kettle: heating 1 litre (1 kg) of water from 15 to 100 degC with no losses:
# 4.186 J/(g K) x 1000 g x 85 K = 355,810 J (about 0.0988 kWh); a real kettle needs more.
WATER_SPECIFIC_HEAT_J_PER_G_K = 4.186
KETTLE_LITRE_J = WATER_SPECIFIC_HEAT_J_PER_G_K * 1000.0 * 85.0


@dataclass(frozen=True)
class Equivalent:
    name: str
    value: float  # how many ``unit``
    unit: str
    basis: str  # the factor, in words
    source: str


def equivalents(energy_j: float | None, emissions_g: float | None) -> list[Equivalent]:
    """Equivalents for an energy and an emission; unknown (``None``) inputs give none."""
    out: list[Equivalent] = []
    if energy_j is not None:
        kwh = units.j_to_kwh(energy_j)
        out += [
            Equivalent(
                "smartphone charges",
                kwh / SMARTPHONE_CHARGE_KWH,
                "charges",
                f"{SMARTPHONE_CHARGE_KWH} kWh per full smartphone charge",
                "US EPA Greenhouse Gas Equivalencies Calculator (2024), as used by "
                "Luccioni et al., Power Hungry Processing (FAccT 2024)",
            ),
            Equivalent(
                "LED bulb hours",
                units.j_to_wh(energy_j) / LED_BULB_W,
                "hours",
                f"one {LED_BULB_W:g} W LED bulb (replaces a 60 W incandescent)",
                "ENERGY STAR certified A19 LED lamps draw 8-10 W for 800 lumens",
            ),
            Equivalent(
                "litres of water boiled",
                energy_j / KETTLE_LITRE_J,
                "litres",
                "heating 1 L of water from 15 to 100 degC, no losses (355.8 kJ)",
                "physics: specific heat of water 4.186 J/(g K); a lower bound for a kettle",
            ),
        ]
    if emissions_g is not None:
        out += [
            Equivalent(
                "miles driven",
                emissions_g / CAR_G_PER_MILE,
                "miles",
                f"{CAR_G_PER_MILE:g} g CO2 per mile, typical US gasoline passenger vehicle",
                "US EPA, Greenhouse Gas Emissions from a Typical Passenger Vehicle "
                "(EPA-420-F-23-014, 2023)",
            ),
            Equivalent(
                "gallons of gasoline burned",
                emissions_g / GASOLINE_G_PER_GALLON,
                "US gallons",
                f"{GASOLINE_G_PER_GALLON:g} g CO2 per US gallon of motor gasoline",
                "US EPA Greenhouse Gas Equivalencies Calculator / GHG Emission Factors Hub",
            ),
        ]
    return out
