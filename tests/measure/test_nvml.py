from __future__ import annotations

import pytest

from joulebench.errors import SensorError, SensorPermissionError
from joulebench.measure.fake import FakeClock
from joulebench.measure.fake_devices import FakeGpu, FakeNvml
from joulebench.measure.nvml import NvmlSensor, translate
from joulebench.measure.nvml_devices import open_nvml
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


def test_persistent_read_failure_is_stale_not_a_gap_nor_an_exception():
    nvml = FakeNvml([FakeGpu(energy_mj=1)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    opened_at = clock()
    nvml.gpus[0].fail_with = FakeNvml.NVML_ERROR_GPU_IS_LOST
    clock.advance(1.0)
    reading = sensor.read()
    assert reading.stale
    assert (reading.gaps, reading.energy_j, reading.timestamp_s) == (0, 0.0, opened_at)
    assert "read failed 3 times" in (reading.gap_reason or "")
    assert reading.gap_reason.startswith("nvml:0")


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


def test_power_mode_failed_sample_is_bridged_not_a_gap():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=100_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    clock.advance(0.1)
    sensor.poll()  # 100 W: 10 J
    nvml.gpus[0].power_mw = 200_000
    nvml.gpus[0].fail_next = 3  # the sample at t=0.2 fails all its tries
    clock.advance(0.1)
    sensor.poll()
    clock.advance(0.1)
    sensor.poll()  # bridged: (100 + 200) / 2 W x 0.2 s = 30 J
    reading = sensor.read()
    assert (reading.gaps, reading.stale) == (0, False)
    assert reading.energy_j == pytest.approx(40.0)


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


# --- transient failures, retry and recovery --------------------------------------------


def test_window_around_a_failing_read_keeps_every_joule():
    nvml = FakeNvml([FakeGpu(energy_mj=7_000_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    gpu = nvml.gpus[0]
    begin = sensor.read()
    clock.advance(1.0)
    gpu.energy_mj += 600_000
    gpu.fail_next = 2  # two failures: the third try at once succeeds
    middle = sensor.read()
    assert (middle.stale, middle.energy_j - begin.energy_j) == (False, pytest.approx(600.0))
    clock.advance(1.0)
    gpu.energy_mj += 400_000
    gpu.fail_next = 3  # every try fails: stale, nothing lost
    stale = sensor.read()
    assert stale.stale
    assert (stale.energy_j, stale.timestamp_s, stale.gaps) == (middle.energy_j, middle.timestamp_s, 0)
    clock.advance(1.0)
    gpu.energy_mj += 400_000
    end = sensor.read()
    assert not end.stale
    assert end.gaps == begin.gaps
    assert end.energy_j - begin.energy_j == pytest.approx(1400.0)
    assert end.timestamp_s == clock()


@pytest.mark.parametrize("code", [FakeNvml.NVML_ERROR_UNKNOWN, FakeNvml.NVML_ERROR_GPU_IS_LOST,
                                  FakeNvml.NVML_ERROR_TIMEOUT])
def test_three_failures_at_one_read_are_stale_then_recover(code):
    nvml = FakeNvml([FakeGpu(energy_mj=0, fail_next_code=code)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    nvml.gpus[0].fail_next = 3
    nvml.gpus[0].energy_mj = 5_000
    calls = nvml.calls
    clock.advance(0.5)
    reading = sensor.read()
    assert nvml.calls - calls == 3  # tried three times, at once
    assert (reading.stale, reading.energy_j, reading.gaps) == (True, 0.0, 0)
    assert f"NVML error {code}" in (reading.gap_reason or "")
    clock.advance(0.5)
    recovered = sensor.read()
    assert (recovered.stale, recovered.energy_j, recovered.gaps) == (False, pytest.approx(5.0), 0)
    assert recovered.gap_reason is None  # a stale reason is not kept as a gap reason


def test_power_mode_read_with_failing_sample_is_stale_then_bridges():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=100_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock, poll_interval_s=0.1)
    clock.advance(0.1)
    sensor.poll()  # t=0.1: 100 W, 10 J
    nvml.gpus[0].fail_with = FakeNvml.NVML_ERROR_UNKNOWN
    clock.advance(0.1)
    sensor.poll()  # fails
    clock.advance(0.05)
    stale = sensor.read()  # does not hold 100 W over a failing stretch
    assert stale.stale
    assert (stale.energy_j, stale.timestamp_s, stale.gaps) == (pytest.approx(10.0), pytest.approx(1000.1), 0)
    nvml.gpus[0].fail_with = None
    nvml.gpus[0].power_mw = 300_000
    clock.advance(0.15)  # t=0.4: trapezoid (100 + 300) / 2 W x 0.3 s = 60 J
    good = sensor.read()
    assert (good.stale, good.gaps) == (False, 0)
    assert good.energy_j == pytest.approx(70.0)


def test_power_mode_hole_longer_than_the_bridge_is_a_gap():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=100_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock, poll_interval_s=1.0)
    nvml.gpus[0].fail_with = FakeNvml.NVML_ERROR_GPU_IS_LOST
    for _ in range(6):  # failing for 6 s: more than the 5 s the trapezoid bridges
        clock.advance(1.0)
        sensor.poll()
    nvml.gpus[0].fail_with = None
    clock.advance(1.0)
    sensor.poll()  # a fresh start: the 7 s hole holds no energy
    clock.advance(1.0)
    sensor.poll()  # 100 W x 1 s
    reading = sensor.read()
    assert reading.gaps == 1
    assert "no power sample for 6.0 s" in (reading.gap_reason or "")
    assert "trapezoid bridges" in (reading.gap_reason or "")
    assert reading.energy_j == pytest.approx(100.0)


# --- power source labels ---------------------------------------------------------------


def test_power_mode_uses_the_instant_field_when_it_reads():
    nvml = FakeNvml([FakeGpu(energy_mj=None, power_mw=70_000)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    assert "NVML_FI_DEV_POWER_INSTANT" in sensor.info.details
    assert sensor.info.update_period_s == pytest.approx(0.1)
    nvml.gpus[0].power_fields = False  # the sensor reads field 186, not GetPowerUsage
    clock.advance(1.0)
    reading = sensor.read()
    assert reading.stale
    assert "NVML error 3" in (reading.gap_reason or "")


class NoFieldsNvml(FakeNvml):
    def nvmlDeviceGetFieldValues(self, handle, field_ids):
        raise FakeNvml.NVMLError(FakeNvml.NVML_ERROR_FUNCTION_NOT_FOUND)


@pytest.mark.parametrize("nvml_class", [FakeNvml, NoFieldsNvml])
def test_power_mode_falls_back_to_the_1_s_average_labelled_so(nvml_class):
    nvml = nvml_class([FakeGpu(energy_mj=None, power_fields=False)])
    (sensor,), _ = open_nvml(nvml, environ={})
    assert "nvmlDeviceGetPowerUsage" in sensor.info.details
    assert "1 s average on Ampere and newer" in sensor.info.details
    assert sensor.info.update_period_s == pytest.approx(1.0)


def test_instant_field_parsed_from_real_pynvml_structs():
    pynvml = pytest.importorskip("pynvml")

    class RealShapes(FakeNvml):
        def nvmlDeviceGetFieldValues(self, handle, field_ids):
            values = (pynvml.c_nvmlFieldValue_t * len(field_ids))()
            for value, field_id in zip(values, field_ids, strict=True):
                value.fieldId, value.nvmlReturn = field_id, pynvml.NVML_SUCCESS
                value.valueType = pynvml.NVML_VALUE_TYPE_UNSIGNED_INT
                value.value.uiVal = 123_456
            return values

    assert pynvml.NVML_FI_DEV_POWER_INSTANT == 186
    nvml = RealShapes([FakeGpu(energy_mj=None, power_mw=1)])
    clock = FakeClock()
    (sensor,), _ = open_nvml(nvml, environ={}, clock=clock)
    assert "NVML_FI_DEV_POWER_INSTANT" in sensor.info.details
    clock.advance(1.0)
    sensor.poll()
    assert sensor.read().energy_j == pytest.approx(123.456)


# --- other processes on the GPU --------------------------------------------------------


def test_other_processes_lists_compute_and_graphics_pids_not_ours():
    nvml = FakeNvml([FakeGpu(processes=[300, 100, 200], graphics_processes=[400, 100])])
    (sensor,), _ = open_nvml(nvml, environ={})
    assert sensor.other_processes({200}) == [100, 300, 400]
    nvml.gpus[0].processes, nvml.gpus[0].graphics_processes = [200], []
    assert sensor.other_processes([200]) == []
    sensor.close()
    assert sensor.other_processes([]) is None


@pytest.mark.parametrize("code", [FakeNvml.NVML_ERROR_NOT_SUPPORTED, FakeNvml.NVML_ERROR_UNKNOWN])
def test_other_processes_is_none_when_nvml_cannot_tell(code):
    nvml = FakeNvml([FakeGpu(processes=[1], processes_error=code)])
    (sensor,), _ = open_nvml(nvml, environ={})
    assert sensor.other_processes([]) is None


def test_other_processes_without_graphics_listing_uses_compute():
    class NoGraphics(FakeNvml):
        def nvmlDeviceGetGraphicsRunningProcesses(self, handle):
            raise FakeNvml.NVMLError(FakeNvml.NVML_ERROR_NOT_SUPPORTED)

    nvml = NoGraphics([FakeGpu(processes=[7, 8])])
    (sensor,), _ = open_nvml(nvml, environ={})
    assert sensor.other_processes([8]) == [7]



def test_a_transient_failure_of_the_counter_probe_at_open_is_retried():
    class FlakyProbe(FakeNvml):
        failures = 2

        def nvmlDeviceGetTotalEnergyConsumption(self, handle):
            if self.failures:
                self.failures -= 1
                raise FakeNvml.NVMLError(FakeNvml.NVML_ERROR_UNKNOWN)
            return super().nvmlDeviceGetTotalEnergyConsumption(handle)

    (sensor,), _ = open_nvml(FlakyProbe([FakeGpu(energy_mj=10)]), environ={})
    assert sensor.info.method is Method.COUNTER
