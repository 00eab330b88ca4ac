from __future__ import annotations

import pytest

from joulebench.errors import SensorError
from joulebench.measure.amd import energy_uj, open_amdsmi
from joulebench.measure.fake import FakeClock
from joulebench.measure.fake_devices import FakeAmdGpu, FakeAmdSmi
from joulebench.measure.sensor import Domain, Method, Sensor


@pytest.mark.parametrize("legacy", [False, True])
def test_counter_in_joules_with_old_and_new_keys(legacy):
    amdsmi = FakeAmdSmi([FakeAmdGpu(energy_accumulator=1_000, counter_resolution=15.25, legacy_keys=legacy)])
    clock = FakeClock()
    (sensor,) = open_amdsmi(amdsmi, environ={}, clock=clock)
    assert isinstance(sensor, Sensor)
    assert sensor.info.source == "amdsmi:0"
    assert sensor.info.method is Method.COUNTER
    assert sensor.info.domain is Domain.GPU
    assert "MI300X" in sensor.info.covers
    assert sensor.read().energy_j == 0.0
    amdsmi.gpus[0].energy_accumulator = 1_000 + 400_000  # 400,000 ticks x 15.25 uJ = 6.1 J
    clock.advance(1.0)
    reading = sensor.read()
    assert reading.energy_j == pytest.approx(6.1)
    assert reading.timestamp_s == clock()
    assert amdsmi.init_count == 1
    sensor.close()
    assert amdsmi.init_count == 0


def test_shared_init_shut_down_with_the_last_sensor():
    amdsmi = FakeAmdSmi([FakeAmdGpu(), FakeAmdGpu()])
    first, second = open_amdsmi(amdsmi, environ={})
    first.close()
    assert amdsmi.init_count == 1
    second.close()
    second.close()
    assert amdsmi.init_count == 0


def test_reset_is_a_gap():
    amdsmi = FakeAmdSmi([FakeAmdGpu(energy_accumulator=10_000, counter_resolution=1.0)])
    (sensor,) = open_amdsmi(amdsmi, environ={})
    amdsmi.gpus[0].energy_accumulator = 2_000_000
    assert sensor.read().energy_j == pytest.approx(1.99)
    amdsmi.gpus[0].energy_accumulator = 5
    reading = sensor.read()
    assert reading.gaps == 1
    assert reading.energy_j == pytest.approx(1.99)
    assert "went backwards" in (reading.gap_reason or "")
    amdsmi.gpus[0].fail_with = 1
    stale = sensor.read()
    assert (stale.stale, stale.gaps, stale.energy_j) == (True, 1, pytest.approx(1.99))
    sensor.close()
    assert sensor.read().gaps == 2  # a closed sensor is a gap, not a transient failure


def test_transient_failures_are_retried_then_stale_then_recovered():
    amdsmi = FakeAmdSmi([FakeAmdGpu(energy_accumulator=0, counter_resolution=1.0)])
    clock = FakeClock()
    (sensor,) = open_amdsmi(amdsmi, environ={}, clock=clock)
    gpu = amdsmi.gpus[0]
    begin = sensor.read()
    clock.advance(1.0)
    gpu.energy_accumulator, gpu.fail_next = 600_000_000, 2  # 600 J; the third try succeeds
    assert sensor.read().energy_j == pytest.approx(600.0)
    clock.advance(1.0)
    gpu.energy_accumulator, gpu.fail_next = 1_000_000_000, 3  # every try fails
    stale = sensor.read()
    assert (stale.stale, stale.energy_j, stale.gaps) == (True, pytest.approx(600.0), 0)
    assert stale.timestamp_s == clock() - 1.0
    assert "failed 3 times" in (stale.gap_reason or "")
    clock.advance(1.0)
    gpu.energy_accumulator = 1_400_000_000
    end = sensor.read()
    assert (end.stale, end.gaps) == (False, 0)
    assert end.energy_j - begin.energy_j == pytest.approx(1400.0)


def test_visible_devices_and_errors():
    amdsmi = FakeAmdSmi([FakeAmdGpu(), FakeAmdGpu(), FakeAmdGpu()])
    sensors = open_amdsmi(amdsmi, environ={"HIP_VISIBLE_DEVICES": "2,0"})
    assert [s.info.source for s in sensors] == ["amdsmi:2", "amdsmi:0"]
    with pytest.raises(SensorError, match="select no AMD GPU"):
        open_amdsmi(FakeAmdSmi(), environ={"ROCR_VISIBLE_DEVICES": ""})
    with pytest.raises(SensorError, match="found no AMD GPU"):
        open_amdsmi(FakeAmdSmi([]), environ={})
    with pytest.raises(SensorError, match="cannot start") as info:
        open_amdsmi(FakeAmdSmi(init_error=7), environ={})
    assert isinstance(info.value.__cause__, FakeAmdSmi.AmdSmiException)
    with pytest.raises(SensorError, match="cannot read the energy counter"):
        open_amdsmi(FakeAmdSmi([FakeAmdGpu(fail_with=2)]), environ={})


def test_energy_uj_rejects_unknown_shape():
    assert energy_uj({"power": 2, "counter_resolution": 1.5}) == 3.0
    with pytest.raises(KeyError):
        energy_uj({"counter_resolution": 1.0})


def test_missing_amdsmi_package_is_a_sensor_error():
    try:
        import amdsmi  # noqa: F401
    except Exception:
        with pytest.raises(SensorError, match="amdsmi"):
            open_amdsmi(environ={})
    else:  # pragma: no cover - a ROCm machine
        pytest.skip("amdsmi is installed here")
