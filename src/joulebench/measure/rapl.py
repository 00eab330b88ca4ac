"""RAPL energy counters through Linux powercap sysfs (Intel, and AMD Zen via the same driver).

Each :class:`RaplSensor` keeps ``energy_uj`` open and reads it with one ``os.pread``.
The counter wraps at ``max_energy_range_uj``; one wrap between two reads is undone.

Wrap guard. The wrap period is estimated as ``range_j / max(highest power seen, floor)``:
the floor is 1.5 x the zone's largest power constraint, or 1,000 W when none is readable
(:mod:`.rapl_topology`), and the highest power is the largest ``delta / elapsed`` over
reads at least 0.1 s apart (shorter ones are dominated by the ~1 ms update step). The
meter's sampler calls :meth:`RaplSensor.poll` every quarter of that period, never less
often than every 60 s; :attr:`RaplSensor.poll_interval_s` shrinks when the zone draws more
than the floor. A read that comes after more than the whole period (four missed polls)
may have missed a second wrap: a flagged gap. Also gaps: a counter that goes backwards
with no readable range, a jump above twice the guard's power, a value above the range,
a read that fails.

Which zones are read is decided in :mod:`.rapl_topology`. :func:`open_rapl` drops a zone
that cannot be opened or read (its reason in ``RaplPlan.dropped``) and keeps the others.
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
    read_file,
    scan_zones,
)
from .sensor import Method, Reading, SensorInfo

UPDATE_PERIOD_S = 0.001  # RAPL counters refresh about every millisecond
MAX_POLL_INTERVAL_S = 60.0  # poll at least this often even when wraps are hours apart
_POLLS_PER_WRAP = 4  # poll every quarter of the estimated wrap period
_MIN_RATE_S = 0.1  # shortest interval whose mean power updates the highest power seen
_SLACK_S = 0.05  # timing slack in the plausibility check


def permission_hint(root: str | os.PathLike[str] = DEFAULT_ROOT) -> str:
    return (
        "energy_uj is readable by root only since Linux 5.10 (CVE-2020-8694). Grant read "
        f"access: `sudo chmod o+r {root}/intel-rapl:*/energy_uj {root}/intel-rapl:*/*/energy_uj` "
        "(until reboot), or a udev rule such as SUBSYSTEM==\"powercap\", "
        "RUN+=\"/bin/chgrp -R power /sys%p\", RUN+=\"/bin/chmod -R g+r /sys%p\" with your "
        "user in group `power`"
    )


def _denied(path: Path) -> str:
    return f"permission denied (root-only since Linux 5.10: `sudo chmod o+r {path}`)"


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
                f"cannot read {path}: {_denied(path)}", hint=permission_hint(zone.path.parent)
            ) from exc
        except OSError as exc:
            raise SensorError(f"cannot open {path}: {exc.strerror or exc}") from exc
        self._range_uj = zone.max_energy_range_uj
        self._floor_w = zone.max_power_w
        self._peak_w = 0.0  # highest mean power seen over reads >= _MIN_RATE_S apart
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
            f"wraps at {self._range_uj} uJ; wrap period estimated as range / max(highest power "
            f"seen, {self._floor_w:g} W ({zone.max_power_origin})), {self._wrap_period_s:.0f} s at "
            f"open; read every quarter of it, at least every {MAX_POLL_INTERVAL_S:g} s"
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
            details=f"powercap {zone.path} ({zone.name}); {range_text}",
        )

    @property
    def _guard_w(self) -> float:
        return max(self._peak_w, self._floor_w)

    @property
    def _wrap_period_s(self) -> float | None:
        """Shortest time the counter can take to wrap, at the guard's power (None: no range)."""
        return None if self._range_uj is None else uj_to_j(self._range_uj) / self._guard_w

    @property
    def poll_interval_s(self) -> float | None:
        period_s = self._wrap_period_s
        if period_s is None:
            return 1.0
        return min(period_s / _POLLS_PER_WRAP, MAX_POLL_INTERVAL_S)

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
            if elapsed_s >= _MIN_RATE_S:
                self._peak_w = max(self._peak_w, uj_to_j(delta_uj) / elapsed_s)
        else:
            self._flag(reason)
        return now

    def _delta(self, last: int, raw: int, elapsed_s: float) -> tuple[int, str | None]:
        limit, period_s = self._range_uj, self._wrap_period_s
        if limit is not None and raw > limit:
            return 0, f"counter {raw} uJ above max_energy_range_uj {limit}"
        if period_s is not None and elapsed_s > period_s:
            return 0, (
                f"not read for {elapsed_s:.1f} s, longer than the shortest wrap period "
                f"({period_s:.1f} s at {self._guard_w:g} W): wraps may have been missed"
            )
        if raw >= last:
            delta_uj = raw - last
        elif limit is None:
            return 0, "counter went backwards and max_energy_range_uj is unreadable"
        else:
            delta_uj = limit - last + raw
        if delta_uj > 2 * self._guard_w * (elapsed_s + _SLACK_S) * 1e6:
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
    """Scan ``root``, choose non-overlapping zones and open a sensor for each readable one.

    A zone that cannot be opened or read is dropped (``RaplPlan.dropped`` says why) and the
    others are used. Raises ``SensorPermissionError`` when no zone is usable and some were
    permission-denied, ``SensorError`` when none is usable for other reasons.
    """
    no_zones = (
        f"no {root}/intel-rapl zones (not an Intel/AMD RAPL system, or running in a VM/container)"
    )
    try:
        zones = scan_zones(root, opener)
    except FileNotFoundError as exc:
        raise SensorError(no_zones) from exc
    except OSError as exc:
        raise SensorError(f"cannot list {root}: {exc.strerror or exc}") from exc
    if not zones:
        raise SensorError(no_zones)
    denied: list[str] = []
    unreadable: dict[str, str] = {}
    for zone in zones:
        path = zone.path / "energy_uj"
        try:
            int(read_file(path, opener))
        except PermissionError:
            denied.append(zone.zone_id)
            unreadable[zone.zone_id] = _denied(path)
        except OSError as exc:
            unreadable[zone.zone_id] = f"cannot read energy_uj: {exc.strerror or exc}"
        except ValueError as exc:
            unreadable[zone.zone_id] = f"energy_uj is not a number: {exc}"

    def read_uj(zone: RaplZone) -> int | None:
        try:
            return int(read_file(zone.path / "energy_uj", opener))
        except (OSError, ValueError):
            return None

    chosen_plan = plan(zones, read_uj, unreadable)
    sensors: list[RaplSensor] = []
    opened: list[RaplChoice] = []
    try:
        for choice in chosen_plan.chosen:
            try:
                sensors.append(RaplSensor(choice, opener=opener, clock=clock))
            except SensorError as exc:
                if isinstance(exc, SensorPermissionError):
                    denied.append(choice.zone.zone_id)
                chosen_plan.dropped.append((f"{choice.zone.zone_id} ({choice.zone.name})", str(exc)))
            else:
                opened.append(choice)
    except BaseException:
        for sensor in sensors:
            sensor.close()
        raise
    chosen_plan.chosen = opened
    chosen_plan.permission_denied = denied
    if not sensors:
        why = "; ".join(f"{zone}: {reason}" for zone, reason in chosen_plan.dropped)
        if denied:
            raise SensorPermissionError(
                f"cannot read {root}/intel-rapl:*/energy_uj: permission denied ({why})",
                hint=permission_hint(root),
            )
        raise SensorError(f"no usable RAPL zone under {root}: {why}")
    return sensors, chosen_plan
