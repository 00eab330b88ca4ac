"""RAPL energy counters through Linux powercap sysfs (Intel, and AMD Zen via the same driver).

Each :class:`RaplSensor` keeps ``energy_uj`` open and reads it with one ``os.pread``.
The counter wraps at ``max_energy_range_uj``; a wrap is undone when the jump is
physically possible. Reads must come at least once per wrap period, so
:attr:`RaplSensor.poll_interval_s` is a quarter of the shortest wrap period (range over a
generous maximum power): the meter's sampler calls :meth:`RaplSensor.poll` that often and
windows longer than a wrap stay right. Anything that cannot be undone (a counter that
goes backwards with no readable range, a jump beyond the maximum power, a value above the
range, a read that fails, a pause longer than the shortest wrap period) is a flagged gap.

Which zones are read is decided in :mod:`.rapl_topology`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import SensorError, SensorPermissionError
from ..units import uj_to_j
from .rapl_topology import (
    DEFAULT_ROOT,
    Opener,
    RaplChoice,
    RaplPlan,
    RaplZone,
    default_opener,
    plan,
    scan_zones,
)
from .sensor import Method, Reading, SensorInfo

UPDATE_PERIOD_S = 0.001  # RAPL counters refresh about every millisecond
_SLACK_S = 0.05  # timing slack in the plausibility check


def permission_hint(root: str | os.PathLike[str] = DEFAULT_ROOT) -> str:
    return (
        "energy_uj is readable by root only since Linux 5.10 (CVE-2020-8694). Grant read "
        f"access: `sudo chmod o+r {root}/intel-rapl:*/energy_uj {root}/intel-rapl:*/*/energy_uj` "
        "(until reboot), or a udev rule such as SUBSYSTEM==\"powercap\", "
        "RUN+=\"/bin/chgrp -R power /sys%p\", RUN+=\"/bin/chmod -R g+r /sys%p\" with your "
        "user in group `power`"
    )


class RaplSensor:
    """Cumulative energy of one RAPL zone, in joules since open (method: counter)."""

    def __init__(
        self,
        choice: RaplChoice,
        *,
        opener: Opener = default_opener,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        zone = choice.zone
        self.zone = zone
        self._clock = clock
        self._lock = threading.Lock()
        path = zone.path / "energy_uj"
        try:
            self._fd: int | None = opener(str(path))
        except PermissionError as exc:
            raise SensorPermissionError(
                f"cannot read {path}: permission denied", hint=permission_hint(zone.path.parent)
            ) from exc
        except OSError as exc:
            raise SensorError(f"cannot open {path}: {exc.strerror or exc}") from exc
        self._range_uj = zone.max_energy_range_uj
        self._max_power_w = zone.max_power_w
        if self._range_uj is not None:
            self._wrap_period_s: float | None = uj_to_j(self._range_uj) / self._max_power_w
        else:
            self._wrap_period_s = None
        self._energy_uj = 0
        self._gaps = 0
        self._gap_reason: str | None = None
        self._last_t = clock()
        raw = self._read_raw()
        if isinstance(raw, str):
            self.close()
            raise SensorError(f"cannot read {path}: {raw}")
        self._last_raw = raw
        range_text = (
            f"wraps at {self._range_uj} uJ, shortest wrap {self._wrap_period_s:.0f} s"
            if self._wrap_period_s is not None
            else "max_energy_range_uj unreadable: a counter that goes backwards is a gap"
        )
        self.info = SensorInfo(
            source=choice.source,
            domain=choice.domain,
            device=zone.zone_id,
            method=Method.COUNTER,
            covers=choice.covers,
            update_period_s=UPDATE_PERIOD_S,
            details=(
                f"powercap {zone.path} ({zone.name}); {range_text}; max power "
                f"{self._max_power_w:g} W ({zone.max_power_origin})"
            ),
        )

    @property
    def poll_interval_s(self) -> float | None:
        if self._wrap_period_s is None:
            return 1.0
        return self._wrap_period_s / 4

    def _read_raw(self) -> int | str:
        """The counter in uJ, or why it could not be read."""
        if self._fd is None:
            return "sensor closed"
        try:
            return int(os.pread(self._fd, 32, 0))
        except (OSError, ValueError) as exc:
            return f"cannot read energy_uj: {exc}"

    def _advance(self) -> float:
        """Read the counter and add the energy since the last read, or flag a gap."""
        now = self._clock()
        raw = self._read_raw()
        if isinstance(raw, str):
            self._flag(raw)
            return now
        elapsed_s = max(0.0, now - self._last_t)
        last, self._last_raw, self._last_t = self._last_raw, raw, now
        delta_uj, reason = self._delta(last, raw, elapsed_s)
        if reason is None:
            self._energy_uj += delta_uj
        else:
            self._flag(reason)
        return now

    def _delta(self, last: int, raw: int, elapsed_s: float) -> tuple[int, str | None]:
        limit = self._range_uj
        if limit is not None and raw > limit:
            return 0, f"counter {raw} uJ above max_energy_range_uj {limit}"
        if self._wrap_period_s is not None and elapsed_s > self._wrap_period_s:
            return 0, (
                f"not read for {elapsed_s:.0f} s, longer than the shortest wrap period "
                f"({self._wrap_period_s:.0f} s): wraps may have been missed"
            )
        if raw >= last:
            delta_uj = raw - last
        elif limit is None:
            return 0, "counter went backwards and max_energy_range_uj is unreadable"
        else:
            delta_uj = limit - last + raw
        if delta_uj > 2 * self._max_power_w * (elapsed_s + _SLACK_S) * 1e6:
            what = "went backwards" if raw < last else "jumped forward"
            return 0, f"counter {what} ({last} -> {raw} uJ in {elapsed_s:.3f} s): reset or bad value"
        return delta_uj, None

    def _flag(self, reason: str) -> None:
        self._gaps += 1
        self._gap_reason = f"{self.info.source}: {reason}"

    def poll(self) -> None:
        with self._lock:
            self._advance()

    def read(self) -> Reading:
        with self._lock:
            now = self._advance()
            return Reading(now, uj_to_j(self._energy_uj), self._gaps, self._gap_reason)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def open_rapl(
    root: str | os.PathLike[str] = DEFAULT_ROOT,
    *,
    opener: Opener = default_opener,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[RaplSensor], RaplPlan]:
    """Scan ``root``, choose non-overlapping zones and open a sensor for each.

    Raises ``SensorError`` when there is nothing to read (with the reason) and
    ``SensorPermissionError`` when the counters are root-only.
    """
    try:
        zones = scan_zones(root, opener)
    except FileNotFoundError as exc:
        raise SensorError(
            f"no {root}/intel-rapl zones (not an Intel/AMD RAPL system, or running in a "
            "VM/container)"
        ) from exc
    except OSError as exc:
        raise SensorError(f"cannot list {root}: {exc.strerror or exc}") from exc
    if not zones:
        raise SensorError(
            f"no {root}/intel-rapl zones (not an Intel/AMD RAPL system, or running in a "
            "VM/container)"
        )

    def read_uj(zone_path: Path) -> int | None:
        fd = opener(str(zone_path / "energy_uj"))
        try:
            return int(os.pread(fd, 32, 0))
        except ValueError:
            return None
        finally:
            os.close(fd)

    def probe(zone: RaplZone) -> int | None:
        try:
            return read_uj(zone.path)
        except PermissionError as exc:
            raise SensorPermissionError(
                f"cannot read {root}/intel-rapl:*/energy_uj: permission denied",
                hint=permission_hint(root),
            ) from exc
        except OSError:
            return None

    chosen_plan = plan(zones, probe)
    if not chosen_plan.chosen:
        raise SensorError(f"no usable RAPL zone under {root}: {chosen_plan.dropped}")
    sensors: list[RaplSensor] = []
    try:
        for choice in chosen_plan.chosen:
            sensors.append(RaplSensor(choice, opener=opener, clock=clock))
    except BaseException:
        for sensor in sensors:
            sensor.close()
        raise
    return sensors, chosen_plan
