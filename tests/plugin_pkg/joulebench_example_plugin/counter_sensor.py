"""Sensor ``example-counter``: a cumulative energy counter (joules, as text) in a file.

Many meters look like this: a smart plug's exporter, a board's power monitor. The file's
path comes from ``$JOULEBENCH_EXAMPLE_COUNTER``; without it the probe is unusable, with a
fix, as a missing GPU would be.
"""

from __future__ import annotations

from collections.abc import Callable

from joulebench.errors import SensorError
from joulebench.measure.probes import ProbeContext, SensorProbe, reading
from joulebench.measure.sensor import Domain, Method, Reading, Sensor, SensorInfo, SensorStatus

ENV = "JOULEBENCH_EXAMPLE_COUNTER"


class FileCounter:
    """Reads the counter file at each window edge; energy is counted from the first read."""

    def __init__(self, path: str, clock: Callable[[], float]) -> None:
        self.path = path
        self.clock = clock
        self.info = SensorInfo(source="example:counter", domain=Domain.OTHER, device=path,
                               method=Method.COUNTER, covers=f"what the meter behind {path} sees")
        self.start_j = self._joules()

    def _joules(self) -> float:
        try:
            with open(self.path, encoding="utf-8") as handle:
                return float(handle.read().strip())
        except (OSError, ValueError) as exc:
            raise SensorError(f"cannot read the counter {self.path}: {exc}") from exc

    def read(self) -> Reading:
        return Reading(timestamp_s=self.clock(), energy_j=self._joules() - self.start_j)

    @property
    def poll_interval_s(self) -> float | None:
        return None

    def poll(self) -> None:
        pass

    def close(self) -> None:
        pass


def _open(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
    path = ctx.environ.get(ENV)
    if not path:
        raise SensorError(f"${ENV} is not set", hint=f"export {ENV}=/path/to/the/counter/file")
    sensors: list[Sensor] = [FileCounter(path, ctx.clock)]
    return sensors, reading(PROBE.title, sensors)


PROBE = SensorProbe("example-counter", "Example file counter", _open,
                    sources=("example:<name>",))
