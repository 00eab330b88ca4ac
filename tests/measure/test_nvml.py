from __future__ import annotations

import pytest

from joulebench.errors import SensorError, SensorPermissionError
from joulebench.measure.fake import FakeClock
from joulebench.measure.fake_devices import FakeGpu, FakeNvml
from joulebench.measure.nvml import NvmlSensor, open_nvml, translate
from joulebench.measure.sensor import Domain, Method, Sensor

UUIDS = [
    "GPU-aaaa1111-0000-0000-0000-000000000000",
    "GPU-bbbb2222-0000-0000-0000-000000000000",
    "GPU-bbbb3333-0000-0000-0000-000000000000",
]


def three_gpus() -> FakeNvml:
    return FakeNvml([FakeGpu(uuid=u, energy_mj=1_000_000) for u in UUIDS])


def test_counter_mode_reports_joules_since_open_and_balances_init():
    nvml = FakeNvml([FakeGpu(energy_mj=5_000_000)])
    clock = FakeClock()
    (sensor,), notes = open_nvml(nvml, environ={}, clock=clock)
    assert notes == []
    assert isinstance(sensor, Sensor)
    assert sensor.info.source == "nvml:0"
    assert sensor.info.method is Method.COUNTER
    assert sensor.info.domain is Domain.GPU
    assert sensor.info.update_period_s == pytest.approx(0.1)
    assert sensor.poll_interval_s is None
    assert sensor.read().energy_j == 0.0
    nvml.gpus[0].energy_mj = 5_000_000 + 12_345
    clock.advance(1.0)
    reading = sensor.read()
    assert reading.energy_j == pytest.approx(12.345)
    assert reading.timestamp_s == clock()
    assert nvml.init_count == 1  # the sensor holds one init
    sensor.close()
    sensor.close()
    assert nvml.init_count == 0


def test_driver_reset_mid_window_is_a_gap():
    nvml = FakeNvml([FakeGpu(energy_mj=9_000_000)])
    (sensor,), _ = open_nvml(nvml, environ={})
    begin = sensor.read()
    nvml.gpus[0].energy_mj = 9_004_000
    assert sensor.read().energy_j == pytest.approx(4.0)
    nvml.gpus[0].energy_mj = 1_500  # driver reloaded: counter back near 0
    end = sensor.read()
    assert end.gaps == begin.gaps + 1
    assert "driver or GPU reset" in (end.gap_reason or "")
    assert end.energy_j == pytest.approx(4.0)  # never negative, never a silent jump
    nvml.gpus[0].energy_mj = 3_500
    later = sensor.read()
    assert later.energy_j == pytest.approx(6.0)
    assert later.gaps == end.gaps


def test_read_failure_is_a_gap_not_an_exception():
    nvml = FakeNvml([FakeGpu(energy_mj=1)])
    (sensor,), _ = open_nvml(nvml, environ={})
    nvml.gpus[0].fail_with = FakeNvml.NVML_ERROR_GPU_IS_LOST
    reading = sensor.read()
    assert reading.gaps == 1
    assert "read failed" in (reading.gap_reason or "")


def test_unsupported_counter_falls_back_to_power_integration():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=100_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock, poll_interval_s=0.1)
    assert sensor.info.method is Method.POWER_INTEGRATION
    assert "trapezoid" in sensor.info.details
    assert sensor.poll_interval_s == pytest.approx(0.1)
    # samples: 100 W at t=0, 200 W at t=0.1, 300 W at t=0.2, 300 W at t=0.3
    for power_mw in (200_000, 300_000, 300_000):
        clock.advance(0.1)
        nvml.gpus[0].power_mw = power_mw
        sensor.poll()
    # trapezoids 15 + 25 + 30 = 70 J; a read 0.05 s later holds 300 W: + 15 J
    clock.advance(0.05)
    reading = sensor.read()
    assert reading.energy_j == pytest.approx(85.0)
    assert reading.gaps == 0
    # readings stay monotonic when power drops after a read
    nvml.gpus[0].power_mw = 0
    clock.advance(0.05)
    sensor.poll()
    assert sensor.read().energy_j >= reading.energy_j


def test_power_mode_stale_read_takes_a_fresh_sample():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=50_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    nvml.gpus[0].power_mw = 150_000
    clock.advance(10.0)  # no sampler ran: trapezoid 50 W -> 150 W over 10 s
    assert sensor.read().energy_j == pytest.approx(1000.0)


def test_power_mode_failed_sample_is_a_gap_and_restarts():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=100_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    clock.advance(0.1)
    sensor.poll()
    nvml.gpus[0].fail_with = FakeNvml.NVML_ERROR_GPU_IS_LOST
    clock.advance(0.1)
    sensor.poll()
    nvml.gpus[0].fail_with = None
    clock.advance(0.1)
    sensor.poll()
    clock.advance(0.1)
    reading = sensor.read()
    assert reading.gaps == 1
    assert reading.energy_j == pytest.approx(10.0 + 10.0)  # the failed interval is not counted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, [0, 1, 2]),
        ("", []),
        ("2,0", [2, 0]),
        ("1,7,0", [1]),  # CUDA stops at the first invalid entry
        ("GPU-aaaa1111-0000-0000-0000-000000000000", [0]),
        ("GPU-bbbb3", [2]),  # unique prefix
        ("bbbb2", [1]),  # prefix without GPU-
        ("GPU-bbbb,0", []),  # ambiguous prefix stops parsing
        ("-1", []),
    ],
)
def test_cuda_visible_devices(value, expected):
    nvml = three_gpus()
    environ = {} if value is None else {"CUDA_VISIBLE_DEVICES": value}
    if not expected:
        with pytest.raises(SensorError, match="selects none"):
            open_nvml(nvml, environ=environ)
    else:
        sensors, _ = open_nvml(nvml, environ=environ)
        assert [s.info.source for s in sensors] == [f"nvml:{i}" for i in expected]
        assert [s.info.device for s in sensors] == [UUIDS[i] for i in expected]
        for sensor in sensors:
            sensor.close()
    assert nvml.init_count == 0


def test_mig_entries_map_to_parent_or_are_ignored_without_crashing():
    nvml = three_gpus()
    nvml.gpus[1].mig_uuids = ["MIG-1234"]
    sensors, notes = open_nvml(nvml, environ={"CUDA_VISIBLE_DEVICES": "MIG-1234,MIG-9999,0"})
    assert [s.info.source for s in sensors] == ["nvml:1", "nvml:0"]
    assert "MIG-9999" in notes[0]
    assert "MIG instances" in sensors[0].info.covers


@pytest.mark.parametrize(
    ("code", "kind", "text"),
    [
        (12, SensorError, "NVML library not found (libnvidia-ml.so.1): no NVIDIA driver"),
        (9, SensorError, "NVIDIA driver not loaded"),
        (4, SensorPermissionError, "permission denied"),
        (999, SensorError, "NVML error while initialising NVML"),
    ],
)
def test_init_errors_are_translated(code, kind, text):
    nvml = FakeNvml(init_error=code)
    with pytest.raises(kind, match=text.replace("(", r"\(").replace(")", r"\)")) as info:
        open_nvml(nvml, environ={})
    assert isinstance(info.value.__cause__, FakeNvml.NVMLError)


def test_open_error_translated_and_init_released():
    nvml = FakeNvml([FakeGpu(fail_with=FakeNvml.NVML_ERROR_NO_PERMISSION)])
    nvml.nvmlInit()
    with pytest.raises(SensorPermissionError):
        NvmlSensor(nvml, 0)
    assert nvml.init_count == 1


def test_no_gpu():
    with pytest.raises(SensorError, match="found no NVIDIA GPU"):
        open_nvml(FakeNvml([]), environ={})


def test_real_pynvml_on_this_machine_translates_missing_driver():
    pynvml = pytest.importorskip("pynvml")
    try:
        sensors, _ = open_nvml(environ={})
    except SensorError as exc:
        assert exc.__cause__ is None or isinstance(exc.__cause__, pynvml.NVMLError)
    else:  # a machine with a GPU
        for sensor in sensors:
            sensor.close()


def test_translate_keeps_unknown_codes():
    err = translate(FakeNvml, FakeNvml.NVMLError(42), "reading")
    assert "reading" in str(err)
