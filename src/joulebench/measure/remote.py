"""Sensors of another host, as a ``joulebench agent`` reports them: the wire format and
the client-side stand-ins the :class:`~.meter.Meter` reads.

The agent answers ``GET /v1/read`` with one snapshot of all its sensors (cumulative
energy, the agent's monotonic timestamp, gaps) and its load probe's mark. The client
fetches a snapshot at each window edge (over HTTP, outside this package) and calls
:meth:`RemoteSensors.update`; then a Meter built on :attr:`RemoteSensors.sensors` and
:attr:`RemoteSensors.load_probe` reads those figures as if the sensors were local, so
remote windows get the same gap, idle and busy-host rules. Timestamps are the agent's
own clock, so energy, spans and net figures never mix two machines' clocks.

No HTTP here: this module stays importable with the measure layer's own dependencies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from .host_load import HostLoad, LoadProbe
from .results import IdleBaseline
from .sensor import Domain, Method, Reading, SensorInfo

__all__ = [
    "RemoteSensor",
    "RemoteSensors",
    "baseline_from_dict",
    "baseline_to_dict",
    "info_from_dict",
    "info_to_dict",
    "reading_to_dict",
]

WIRE_VERSION = 1


def info_to_dict(info: SensorInfo) -> dict[str, Any]:
    d = asdict(info)
    d["domain"], d["method"] = info.domain.value, info.method.value
    d["band"] = None if info.band is None else list(info.band)
    return d


def info_from_dict(d: Mapping[str, Any]) -> SensorInfo:
    band = d.get("band")
    return SensorInfo(
        source=str(d["source"]),
        domain=Domain(d["domain"]),
        device=str(d.get("device", "")),
        method=Method(d["method"]),
        covers=str(d.get("covers", "")),
        update_period_s=float(d.get("update_period_s", 0.0)),
        band=None if band is None else (float(band[0]), float(band[1])),
        details=str(d.get("details", "")),
    )


def reading_to_dict(source: str, reading: Reading | str) -> dict[str, Any]:
    """A reading, or (a string) why the sensor could not be read."""
    if isinstance(reading, str):
        return {"source": source, "error": reading}
    return {"source": source, "timestamp_s": reading.timestamp_s, "energy_j": reading.energy_j,
            "gaps": reading.gaps, "gap_reason": reading.gap_reason, "stale": reading.stale}


def _reading_from_dict(d: Mapping[str, Any]) -> Reading | str:
    if "error" in d:
        return str(d["error"])
    return Reading(timestamp_s=float(d["timestamp_s"]), energy_j=float(d["energy_j"]),
                   gaps=int(d.get("gaps", 0)), gap_reason=d.get("gap_reason"),
                   stale=bool(d.get("stale", False)))


def baseline_to_dict(b: IdleBaseline) -> dict[str, Any]:
    return {"power_w": dict(b.power_w), "duration_s": b.duration_s, "warnings": list(b.warnings),
            "host_load": None if b.host_load is None else b.host_load.to_dict(),
            "gpu_processes": list(b.gpu_processes)}


def baseline_from_dict(d: Mapping[str, Any]) -> IdleBaseline:
    load = d.get("host_load")
    return IdleBaseline(
        power_w={str(k): float(v) for k, v in dict(d.get("power_w") or {}).items()},
        duration_s=None if d.get("duration_s") is None else float(d["duration_s"]),
        warnings=tuple(str(w) for w in d.get("warnings", ())),
        host_load=HostLoad.from_dict(load) if isinstance(load, dict) else None,
        gpu_processes=tuple(int(p) for p in d.get("gpu_processes", ())),
    )


class RemoteSensor:
    """One remote sensor: ``read()`` returns its figure in the latest snapshot."""

    def __init__(self, info: SensorInfo) -> None:
        self.info = info
        self._reading: Reading | str = "no snapshot read yet"

    @property
    def poll_interval_s(self) -> float | None:
        return None  # the agent polls its own sensors

    def poll(self) -> None:
        return None

    def set(self, reading: Reading | str) -> None:
        self._reading = reading

    def read(self) -> Reading:
        r = self._reading
        if isinstance(r, str):
            raise RuntimeError(r)  # the meter turns a failed read into a gap
        return r

    def close(self) -> None:
        return None


class RemoteSensors:
    """The agent's sensors (from its ``/v1/info``) and a load probe over its marks."""

    def __init__(self, infos: Sequence[Mapping[str, Any]], logical_cpus: int) -> None:
        self.sensors = [RemoteSensor(info_from_dict(d)) for d in infos]
        self._by_source = {s.info.source: s for s in self.sensors}
        self._mark = (0.0, 0.0, 0.0)
        self.load_probe = LoadProbe(
            machine_busy_s=lambda: self._mark[1], own_cpu_s=lambda: self._mark[2],
            logical_cpus=logical_cpus, clock=lambda: self._mark[0],
        )

    def update(self, snapshot: Mapping[str, Any]) -> None:
        """Take the figures of one ``/v1/read`` answer; sensors it leaves out are unread."""
        seen = set()
        for d in snapshot.get("readings", ()):
            sensor = self._by_source.get(str(d.get("source")))
            if sensor is not None:
                sensor.set(_reading_from_dict(d))
                seen.add(sensor.info.source)
        for source, sensor in self._by_source.items():
            if source not in seen:
                sensor.set("the agent's snapshot left this sensor out")
        mark = snapshot.get("load_mark")
        if isinstance(mark, (list, tuple)) and len(mark) == 3:
            self._mark = (float(mark[0]), float(mark[1]), float(mark[2]))
