from __future__ import annotations

import pytest

from joulebench.carbon import equivalents


def _by_name(energy_j: float | None, emissions_g: float | None) -> dict[str, float]:
    return {e.name: e.value for e in equivalents(energy_j, emissions_g)}


def test_hand_computed_values():
    # 1 kWh = 3.6e6 J; 400 g CO2eq.
    got = _by_name(3_600_000.0, 400.0)
    assert got["smartphone charges"] == pytest.approx(1 / 0.022)  # 45.45
    assert got["LED bulb hours"] == pytest.approx(100.0)  # 1000 Wh / 10 W
    assert got["litres of water boiled"] == pytest.approx(3.6e6 / 355_810.0)  # 10.12
    assert got["miles driven"] == pytest.approx(1.0)  # 400 g / 400 g per mile
    assert got["gallons of gasoline burned"] == pytest.approx(400 / 8887)


def test_every_equivalent_is_sourced():
    for e in equivalents(1.0, 1.0):
        assert e.source and e.basis and e.unit


def test_unknown_inputs_give_no_equivalents():
    assert equivalents(None, None) == []
    assert set(_by_name(None, 10.0)) == {"miles driven", "gallons of gasoline burned"}
    assert "miles driven" not in _by_name(10.0, None)


def test_zero_is_zero():
    assert all(v == 0 for v in _by_name(0.0, 0.0).values())
