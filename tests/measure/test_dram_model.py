from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from joulebench.errors import SensorError, UsageError
from joulebench.measure.cpu_model import DRAM_W_PER_GB, DramModelSensor
from joulebench.measure.fake import FakeClock
from joulebench.measure.sensor import Domain, Method, Sensor

FIXTURES = Path(__file__).parent / "fixtures"
GIB = 1024**3


def meminfo(path: Path, total_kib: int, available_kib: int) -> None:
    path.write_text(f"MemTotal:       {total_kib} kB\nMemFree:        {available_kib // 2} kB\n"
                    f"MemAvailable:   {available_kib} kB\nBuffers:           1000 kB\n")


def test_power_follows_memory_in_use_not_installed(tmp_path):
    host = tmp_path / "meminfo"
    host.write_text((FIXTURES / "meminfo_2tib_host").read_text())  # 2 TiB installed, 10 GiB used
    clock = FakeClock()
    sensor = DramModelSensor(meminfo_path=str(host), clock=clock)
    assert isinstance(sensor, Sensor)
    gb_10gib = 10 * GIB / 1e9
    clock.advance(10.0)
    first = sensor.read().energy_j
    assert first == pytest.approx(0.3725 * gb_10gib * 10.0, rel=1e-12)  # 40 J, not 8,190 J
    # 30 GiB in use now (same inode: the kept fd sees it): trapezoid between the two samples
    meminfo(host, 2 * 1024**3, 2 * 1024**3 - 30 * 1024**2)
    clock.advance(4.0)
    gb_30gib = 30 * GIB / 1e9
    assert sensor.read().energy_j == pytest.approx(
        first + 0.3725 * (gb_10gib + gb_30gib) / 2 * 4.0, rel=1e-12)
    info = sensor.info
    assert (info.source, info.domain, info.method) == ("model:dram", Domain.DRAM, Method.MODEL)
    assert info.band == (0.4, 1.6)
    assert "machine-level" in info.covers and "not measured" in info.covers
    assert info.details == (
        f"model: P = 0.3725 W per GB (10^9 bytes) x GB in use (MemTotal - MemAvailable of "
        f"{host}); E by the trapezoid rule between samples; figure from Green Algorithms "
        "(Lannelongue et al., Adv. Sci. 2021, after Karyakin & Salem, DaMoN 2017), per GB "
        "of memory in use; at open 10.74 GB in use of 2199.0 GB installed = 4.00 W"
    )
    sensor.close()


def test_old_kernel_without_memavailable(tmp_path):
    path = tmp_path / "meminfo"
    path.write_text("MemTotal: 1000000 kB\nMemFree: 500000 kB\nBuffers: 100000 kB\nCached: 200000 kB\n")
    clock = FakeClock()
    sensor = DramModelSensor(meminfo_path=str(path), clock=clock)
    clock.advance(2.0)
    assert sensor.read().energy_j == pytest.approx(0.3725 * 200000 * 1024 / 1e9 * 2.0, rel=1e-12)


def test_process_scope_reads_resident_pages(tmp_path):
    clock = FakeClock()
    sensor = DramModelSensor(scope="process", statm_path=str(FIXTURES / "statm_process"),
                             w_per_gb=0.5, clock=clock)
    clock.advance(3.0)
    gb = 262144 * os.sysconf("SC_PAGE_SIZE") / 1e9
    assert sensor.read().energy_j == pytest.approx(0.5 * gb * 3.0, rel=1e-12)
    assert sensor.info.source == "model:dram-process"
    assert "this process only" in sensor.info.covers
    assert "resident pages of" in sensor.info.details
    sensor.close()


def test_trapezoid_with_an_injected_reader_and_polls():
    clock = FakeClock()
    samples = iter([2e9, 4e9, 0.0])
    sensor = DramModelSensor(w_per_gb=1.0, in_use_bytes=lambda: next(samples), clock=clock,
                             poll_interval_s=0.5)
    assert sensor.poll_interval_s == 0.5
    clock.advance(1.0)
    sensor.poll()  # (2 + 4) / 2 GB x 1 W/GB x 1 s = 3 J
    clock.advance(2.0)
    assert sensor.read().energy_j == pytest.approx(3.0 + 4.0, rel=1e-12)  # (4 + 0) / 2 x 2 s
    assert DramModelSensor(in_use_bytes=lambda: 0).poll_interval_s is None


def test_a_failed_read_is_stale():
    clock = FakeClock()
    values = iter([1e9, 1e9])

    def flaky() -> float:
        try:
            return next(values)
        except StopIteration:
            raise OSError("gone") from None

    sensor = DramModelSensor(in_use_bytes=flaky, clock=clock)
    clock.advance(1.0)
    good = sensor.read()
    clock.advance(1.0)
    stale = sensor.read()
    assert stale.stale and stale.energy_j == good.energy_j == pytest.approx(DRAM_W_PER_GB)


@pytest.mark.parametrize("bad", [0, -0.3, math.nan, math.inf, "1"])
def test_bad_w_per_gb_fails_before_measuring(bad):
    calls = []
    with pytest.raises(UsageError) as err:
        DramModelSensor(w_per_gb=bad, in_use_bytes=lambda: calls.append(1) or 0)
    assert str(err.value) == f"--dram-w-per-gb (w_per_gb) must be a positive finite number of W per GB, got {bad!r}"
    assert calls == []
    with pytest.raises(UsageError, match="scope"):
        DramModelSensor(scope="rack")


def test_unreadable_meminfo_is_a_sensor_error(tmp_path):
    garbage = tmp_path / "meminfo"
    garbage.write_text("nothing useful\n")
    for path in (garbage, tmp_path):  # no MemTotal; a directory
        with pytest.raises(SensorError, match="cannot read memory in use"):
            DramModelSensor(meminfo_path=str(path))


def test_real_machine_defaults_work():
    for scope in ("machine", "process"):
        sensor = DramModelSensor(scope=scope)
        first = sensor.read()
        assert 0.0 <= first.energy_j <= sensor.read().energy_j
        sensor.close()
