from __future__ import annotations

import os
from pathlib import Path

import pytest

from joulebench.errors import SensorError, SensorPermissionError
from joulebench.measure.fake import FakeClock
from joulebench.measure.rapl import RaplSensor, open_rapl
from joulebench.measure.rapl_topology import plan, scan_zones
from joulebench.measure.sensor import Domain, Method, Sensor

RANGE_UJ = 1_000_000_000  # 1,000 J: small, so tests wrap quickly
CONSTRAINT_UW = 100_000_000  # 100 W -> guard uses 150 W -> shortest wrap 6.67 s


def server(powercap, *, energy=0):
    powercap.zone("intel-rapl:0", "package-0", energy, max_range_uj=RANGE_UJ, constraint_uw=CONSTRAINT_UW)
    powercap.zone("intel-rapl:0:0", "core", 5)
    powercap.zone("intel-rapl:0:1", "uncore", 6)
    powercap.zone("intel-rapl:0:2", "dram", 7, max_range_uj=RANGE_UJ)


def sources(sensors):
    return sorted(s.info.source for s in sensors)


def test_topology_package_and_dram_not_core_uncore_or_psys(powercap):
    server(powercap)
    powercap.zone("intel-rapl:1", "psys", 9)
    sensors, chosen = open_rapl(powercap.root, clock=FakeClock())
    assert sources(sensors) == ["rapl:dram-0", "rapl:package-0"]
    domains = {s.info.source: s.info.domain for s in sensors}
    assert domains == {"rapl:package-0": Domain.CPU_PACKAGE, "rapl:dram-0": Domain.DRAM}
    dropped = dict(chosen.dropped)
    assert dropped["intel-rapl:1 (psys)"] == "contains the package zones"
    assert dropped["intel-rapl:0:0 (core)"] == "inside package-0"
    assert dropped["intel-rapl:0:1 (uncore)"] == "inside package-0"
    for sensor in sensors:
        assert isinstance(sensor, Sensor)
        assert sensor.info.method is Method.COUNTER
        assert sensor.info.update_period_s == pytest.approx(0.001)
        sensor.close()


def test_psys_alone_when_there_is_no_package(powercap):
    powercap.zone("intel-rapl:1", "psys", 9)
    sensors, _ = open_rapl(powercap.root)
    assert sources(sensors) == ["rapl:psys"]
    assert sensors[0].info.domain is Domain.PSYS


def test_mmio_duplicate_dropped(powercap):
    server(powercap)
    powercap.zone("intel-rapl-mmio:0", "package-0", 123)
    sensors, chosen = open_rapl(powercap.root)
    assert sources(sensors) == ["rapl:dram-0", "rapl:package-0"]
    assert all(s.zone.control == "intel-rapl" for s in sensors)
    assert ("intel-rapl-mmio:0 (package-0)", "MMIO duplicate of the MSR zone") in chosen.dropped


def test_mmio_zone_used_when_it_is_the_only_one(powercap):
    powercap.zone("intel-rapl-mmio:0", "package-0", 123)
    sensors, _ = open_rapl(powercap.root)
    assert sources(sensors) == ["rapl:package-0"]


def test_mirrored_die_counters_keep_one(powercap):
    powercap.zone("intel-rapl:0", "package-0-die-0", 5000)
    powercap.zone("intel-rapl:0:0", "dram", 70)
    powercap.zone("intel-rapl:1", "package-0-die-1", 5000)
    powercap.zone("intel-rapl:1:0", "dram", 70)
    sensors, chosen = open_rapl(powercap.root)
    assert sources(sensors) == ["rapl:dram-0-die-0", "rapl:package-0-die-0"]
    dropped = dict(chosen.dropped)
    assert dropped["intel-rapl:1 (package-0-die-1)"].startswith("mirrors intel-rapl:0")
    assert dropped["intel-rapl:1:0 (dram)"] == "inside dropped intel-rapl:1"


def test_distinct_dies_and_same_named_twins(powercap):
    powercap.zone("intel-rapl:0", "package-0-die-0", 5000)
    powercap.zone("intel-rapl:1", "package-0-die-1", 6000)
    powercap.zone("intel-rapl:2", "package-1", 100)
    powercap.zone("intel-rapl:3", "package-1", 100)  # same name, same counter: mirror
    powercap.zone("intel-rapl:4", "package-2", 100)
    powercap.zone("intel-rapl:5", "package-2", 200)  # same name, different counter: kept
    sensors, _ = open_rapl(powercap.root)
    assert sources(sensors) == [
        "rapl:package-0-die-0",
        "rapl:package-0-die-1",
        "rapl:package-1",
        "rapl:package-2@intel-rapl:4",
        "rapl:package-2@intel-rapl:5",
    ]


def test_counts_joules_since_open(powercap):
    server(powercap, energy=10_000_000)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    first = package.read()
    assert (first.energy_j, first.gaps, first.timestamp_s) == (0.0, 0, clock())
    clock.advance(1.0)
    powercap.set("intel-rapl:0", 10_000_000 + 42_500_000)
    assert package.read().energy_j == pytest.approx(42.5)


def test_wrap_around_is_undone(powercap):
    server(powercap, energy=RANGE_UJ - 10_000_000)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    clock.advance(1.0)
    powercap.set("intel-rapl:0", 15_000_000)
    reading = package.read()
    assert reading.energy_j == pytest.approx(25.0)
    assert reading.gaps == 0


def test_poll_interval_is_a_quarter_of_the_shortest_wrap(powercap):
    server(powercap)
    sensors, _ = open_rapl(powercap.root)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    assert package.poll_interval_s == pytest.approx(1000 / 150 / 4)
    dram = next(s for s in sensors if s.info.source == "rapl:dram-0")
    assert dram.poll_interval_s == pytest.approx(1000 / 1000 / 4)  # default 1000 W guard


def test_long_window_over_several_wraps_with_polls(powercap):
    server(powercap, energy=0)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    begin = package.read()
    counter = 0
    for _ in range(30):  # 30 x 100 J = 3,000 J: the 1,000 J counter wraps three times
        clock.advance(package.poll_interval_s or 0)
        counter = (counter + 100_000_000) % RANGE_UJ
        powercap.set("intel-rapl:0", counter)
        package.poll()
    end = package.read()
    assert end.gaps == begin.gaps == 0
    assert end.energy_j - begin.energy_j == pytest.approx(3000.0)


def test_window_longer_than_a_wrap_without_polls_is_a_gap(powercap):
    server(powercap)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    clock.advance(60.0)
    powercap.set("intel-rapl:0", 5_000_000)
    reading = package.read()
    assert reading.gaps == 1
    assert "wrap" in (reading.gap_reason or "")
    assert reading.energy_j == 0.0


def test_backwards_counter_is_a_gap_not_negative(powercap):
    server(powercap, energy=500_000_000)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    clock.advance(1.0)
    powercap.set("intel-rapl:0", 400_000_000)  # a "wrap" would mean 900 J in 1 s
    reading = package.read()
    assert (reading.energy_j, reading.gaps) == (0.0, 1)
    assert "went backwards" in (reading.gap_reason or "")
    assert (reading.gap_reason or "").startswith("rapl:package-0")
    clock.advance(1.0)
    powercap.set("intel-rapl:0", 410_000_000)  # carries on from the new value
    reading = package.read()
    assert (reading.energy_j, reading.gaps) == (pytest.approx(10.0), 1)


def test_value_above_range_and_garbage_are_gaps(powercap):
    server(powercap)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    clock.advance(0.5)
    powercap.set("intel-rapl:0", RANGE_UJ + 5)
    assert package.read().gaps == 1
    (powercap.root / "intel-rapl:0" / "energy_uj").write_text("garbage\n")
    reading = package.read()
    assert reading.gaps == 2
    assert "cannot read energy_uj" in (reading.gap_reason or "")


def test_unreadable_range_backwards_is_a_gap(powercap):
    powercap.zone("intel-rapl:0", "package-0", 1_000_000, max_range_uj=None)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    (package,) = sensors
    assert "max_energy_range_uj unreadable" in package.info.details
    assert package.poll_interval_s == 1.0
    clock.advance(0.5)
    powercap.set("intel-rapl:0", 3_000_000)
    assert package.read().energy_j == pytest.approx(2.0)
    clock.advance(0.5)
    powercap.set("intel-rapl:0", 100)
    reading = package.read()
    assert reading.gaps == 1
    assert reading.energy_j == pytest.approx(2.0)
    assert "unreadable" in (reading.gap_reason or "")


def test_permission_denied_becomes_sensor_permission_error(powercap):
    server(powercap)

    def root_only(path: str) -> int:
        if path.endswith("energy_uj"):
            raise PermissionError(13, "Permission denied", path)
        return os.open(path, os.O_RDONLY)

    with pytest.raises(SensorPermissionError) as info:
        open_rapl(powercap.root, opener=root_only)
    assert "permission denied" in str(info.value)
    assert "chmod o+r" in (info.value.hint or "")
    assert "udev" in (info.value.hint or "")
    zones = scan_zones(powercap.root)
    choice = plan(zones, lambda zone: None).chosen[0]
    with pytest.raises(SensorPermissionError):
        RaplSensor(choice, opener=root_only)


def test_missing_or_empty_root(tmp_path: Path):
    with pytest.raises(SensorError, match=r"no .*intel-rapl zones"):
        open_rapl(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SensorError, match="VM/container"):
        open_rapl(tmp_path / "empty")


def test_close_releases_the_fd_and_later_reads_are_gaps(powercap):
    server(powercap)
    sensors, _ = open_rapl(powercap.root)
    package = sensors[0]
    package.close()
    package.close()
    reading = package.read()
    assert reading.gaps == 1
    assert "closed" in (reading.gap_reason or "")


def test_concurrent_polls_and_reads_are_consistent(powercap):
    import threading

    server(powercap, energy=0)
    sensors, _ = open_rapl(powercap.root)
    package = sensors[0]
    errors: list[BaseException] = []

    def hammer():
        try:
            for _ in range(200):
                package.poll()
                package.read()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    reading = package.read()
    assert (reading.energy_j, reading.gaps) == (0.0, 0)


# --- per-zone failure isolation -------------------------------------------------------


def deny(*zone_ids: str):
    """An opener that raises EACCES on the energy_uj of the given zones (tests run as root)."""

    def opener(path: str) -> int:
        if path.endswith("energy_uj") and any(f"/{z}/" in path for z in zone_ids):
            raise PermissionError(13, "Permission denied", path)
        return os.open(path, os.O_RDONLY)

    return opener


def test_unreadable_dram_keeps_the_package_with_exact_joules(powercap):
    server(powercap, energy=1_000_000)
    clock = FakeClock()
    sensors, chosen = open_rapl(powercap.root, opener=deny("intel-rapl:0:2"), clock=clock)
    assert sources(sensors) == ["rapl:package-0"]
    assert chosen.domains == {Domain.CPU_PACKAGE}
    assert [c.source for c in chosen.chosen] == ["rapl:package-0"]
    assert chosen.permission_denied == ["intel-rapl:0:2"]
    why = dict(chosen.dropped)["intel-rapl:0:2 (dram)"]
    assert "permission denied" in why
    assert "chmod o+r" in why
    (package,) = sensors
    begin = package.read()
    clock.advance(1.0)
    powercap.set("intel-rapl:0", 1_000_000 + 87_654_321)
    end = package.read()
    assert end.energy_j - begin.energy_j == pytest.approx(87.654321)
    assert end.gaps == 0


@pytest.mark.parametrize(
    ("spoil", "why"),
    [("garbage", "not a number"), ("directory", "cannot read energy_uj")],
)
def test_garbage_or_directory_dram_is_dropped_not_fatal(powercap, spoil, why):
    server(powercap)
    energy = powercap.root / "intel-rapl:0" / "intel-rapl:0:2" / "energy_uj"
    energy.unlink()
    if spoil == "garbage":
        energy.write_text("not-a-number\n")
    else:
        energy.mkdir()
    sensors, chosen = open_rapl(powercap.root, clock=FakeClock())
    assert sources(sensors) == ["rapl:package-0"]
    assert why in dict(chosen.dropped)["intel-rapl:0:2 (dram)"]
    assert chosen.permission_denied == []


def test_unreadable_package_keeps_its_dram(powercap):
    server(powercap)
    sensors, chosen = open_rapl(powercap.root, opener=deny("intel-rapl:0"))
    assert sources(sensors) == ["rapl:dram-0"]
    assert chosen.domains == {Domain.DRAM}
    dropped = dict(chosen.dropped)
    assert "permission denied" in dropped["intel-rapl:0 (package-0)"]
    assert dropped["intel-rapl:0:0 (core)"] == "inside package-0"


def test_unreadable_package_with_readable_psys_uses_psys_alone(powercap):
    server(powercap)
    powercap.zone("intel-rapl:1", "psys", 9)
    sensors, chosen = open_rapl(powercap.root, opener=deny("intel-rapl:0"))
    assert sources(sensors) == ["rapl:psys"]
    assert "psys is used instead" in dict(chosen.dropped)["intel-rapl:0:2 (dram)"]


def test_no_usable_zone_errors(powercap):
    server(powercap)
    (powercap.root / "intel-rapl:0" / "energy_uj").write_text("garbage\n")
    # package garbage, dram denied: nothing usable and some denied -> permission error
    with pytest.raises(SensorPermissionError, match="permission denied") as info:
        open_rapl(powercap.root, opener=deny("intel-rapl:0:2"))
    assert "chmod o+r" in (info.value.hint or "")
    (powercap.root / "intel-rapl:0" / "intel-rapl:0:2" / "energy_uj").write_text("x\n")
    with pytest.raises(SensorError, match="no usable RAPL zone") as plain:
        open_rapl(powercap.root)
    assert not isinstance(plain.value, SensorPermissionError)
    assert "not a number" in str(plain.value)


def test_zone_failing_when_its_sensor_opens_is_dropped(powercap):
    server(powercap)
    opens: dict[str, int] = {}

    def flaky(path: str) -> int:  # the dram's probe works, opening its sensor fails
        opens[path] = opens.get(path, 0) + 1
        if path.endswith("intel-rapl:0:2/energy_uj") and opens[path] > 1:
            raise OSError(5, "Input/output error", path)
        return os.open(path, os.O_RDONLY)

    sensors, chosen = open_rapl(powercap.root, opener=flaky)
    assert sources(sensors) == ["rapl:package-0"]
    assert [c.source for c in chosen.chosen] == ["rapl:package-0"]
    assert "Input/output error" in dict(chosen.dropped)["intel-rapl:0:2 (dram)"]


# --- wrap guard -------------------------------------------------------------------------


def test_higher_power_than_the_floor_shrinks_the_poll_interval_and_wrap_period(powercap):
    server(powercap)  # floor 150 W: wrap period 6.67 s, poll 1.67 s
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    assert package.poll_interval_s == pytest.approx(1000 / 150 / 4)
    begin = package.read()
    counter = 0
    for _ in range(4):  # 250 W for 4 s: 1,000 J, the counter wraps to 0 on the last read
        clock.advance(1.0)
        counter = (counter + 250_000_000) % RANGE_UJ
        powercap.set("intel-rapl:0", counter)
        package.poll()
    assert counter == 0
    assert package.poll_interval_s == pytest.approx(1000 / 250 / 4)
    end = package.read()
    assert (end.gaps, end.energy_j - begin.energy_j) == (0, pytest.approx(1000.0))
    clock.advance(4.5)  # shorter than the 6.67 s of the floor, longer than 4 s at 250 W
    powercap.set("intel-rapl:0", 100_000_000)
    late = package.read()
    assert late.gaps == 1
    assert "wrap" in (late.gap_reason or "")
    assert late.energy_j == end.energy_j


def test_short_reads_do_not_raise_the_power_estimate(powercap):
    server(powercap)
    clock = FakeClock()
    sensors, _ = open_rapl(powercap.root, clock=clock)
    package = next(s for s in sensors if s.info.source == "rapl:package-0")
    clock.advance(0.002)  # one update step's worth in 2 ms reads as 250 W: too short to count
    powercap.set("intel-rapl:0", 500_000)
    assert package.read().gaps == 0
    assert package.poll_interval_s == pytest.approx(1000 / 150 / 4)


def test_poll_interval_is_capped_for_huge_ranges(powercap):
    powercap.zone("intel-rapl:0", "package-0", 0, constraint_uw=CONSTRAINT_UW)  # 262,143 J range
    (package,), _ = open_rapl(powercap.root)
    assert package.poll_interval_s == 60.0
    assert "at least every 60 s" in package.info.details
