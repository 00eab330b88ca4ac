"""Unit conversions: the only place joulebench converts between units.

Internally every energy is in joules (``*_j``), every duration in seconds (``*_s``),
every power in watts (``*_w``), every carbon intensity in grams CO2eq per kWh
(``*_g_per_kwh``) and every mass of CO2eq in grams (``*_g``).
"""

from __future__ import annotations

J_PER_WH = 3600.0
J_PER_KWH = 3_600_000.0
J_PER_MJ = 1e-3  # millijoule
J_PER_UJ = 1e-6  # microjoule
G_PER_KG = 1000.0
QUERIES_PER_REPORT = 1000  # figures are shown per 1,000 queries, as in the study


def mj_to_j(millijoules: float) -> float:
    return millijoules * J_PER_MJ


def uj_to_j(microjoules: float) -> float:
    return microjoules * J_PER_UJ


def j_to_wh(joules: float) -> float:
    return joules / J_PER_WH


def j_to_kwh(joules: float) -> float:
    return joules / J_PER_KWH


def wh_to_j(watt_hours: float) -> float:
    return watt_hours * J_PER_WH


def kwh_to_j(kilowatt_hours: float) -> float:
    return kilowatt_hours * J_PER_KWH


def kg_to_g(kilograms: float) -> float:
    return kilograms * G_PER_KG


def g_to_kg(grams: float) -> float:
    return grams / G_PER_KG


def emissions_g(energy_j: float, intensity_g_per_kwh: float, pue: float = 1.0) -> float:
    """Grams CO2eq for ``energy_j`` of IT energy at a grid intensity and PUE."""
    return j_to_kwh(energy_j) * pue * intensity_g_per_kwh


def per_1000_queries(value: float, n_queries: int) -> float:
    """Scale a per-window total to the study's unit: per 1,000 queries."""
    if n_queries <= 0:
        raise ValueError("n_queries must be positive")
    return value * QUERIES_PER_REPORT / n_queries
