"""The meter: reads sensors at window and phase edges and builds a :class:`Measurement`.

::

    with joulebench.measure(idle_s=5) as m:       # a Meter
        with m.phase("load"):
            model = load()
        for q in queries:
            with m.phase("query"):                # re-entered: PhaseResult.count
                run(model, q)
    m.result.energy_j, m.result.phase("query").net_energy_j

    @joulebench.track                              # or @track(idle_s=2, on_result=cb)
    def infer(x): ...
    infer(1); infer.last_measurement

How a figure is made (design.md, "Measurement principles"):

* Each sensor is read at the edges of the window and of every phase; energy is the
  difference of its cumulative readings. A sensor whose ``Reading.gaps`` changed, whose
  counter ran backwards or whose read raised has **no** energy for that window
  (``energy_j=None``, ``gap`` says why, a warning names it); never 0, never negative.
* An idle baseline (``idle_s`` seconds before the window, or ``baseline=`` watts per
  source given by the caller, e.g. from :meth:`Meter.measure_idle`) gives each component
  ``idle_power_w`` and ``net_energy_j = energy_j - idle_power_w * duration_s``. A window
  that drew less than idle gets ``net_energy_j = 0.0`` and a warning, never a negative.
* Model sensors carry a band: ``low_j``/``high_j`` = energy x band.
* A window (or a phase entry) shorter than a sensor's ``update_period_s`` is warned about.
* When torch is already imported and has initialised CUDA, CUDA is synchronised at
  every edge (the meter never imports torch); ``sync_cuda=False`` turns that off.
* The begin path only reads sensors and the clocks; result objects are built at stop.
  ``meter_cpu_s`` is the CPU time of the meter's bookkeeping on the caller's thread
  (:func:`time.thread_time` deltas) plus its sampler thread's CPU time.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from types import TracebackType
from typing import cast

from ..errors import UsageError
from .results import ComponentEnergy, Measurement, PhaseResult
from .sampler import Sampler, needs_sampler
from .sensor import Reading, Sensor, SensorInfo

__all__ = ["Meter"]

_Read = Reading | str  # a reading, or why the sensor could not be read


def _read_all(sensors: Sequence[Sensor]) -> list[_Read]:
    out: list[_Read] = []
    for s in sensors:
        try:
            out.append(s.read())
        except Exception as exc:  # an unreadable sensor is a gap, not a crash of the workload
            out.append(f"read failed: {exc!r}")
    return out


def _delta(begin: _Read, end: _Read) -> tuple[float | None, str | None]:
    """Energy between two readings, or ``(None, reason)`` when it is not trustworthy."""
    if isinstance(begin, str):
        return None, begin
    if isinstance(end, str):
        return None, end
    if end.gaps != begin.gaps:
        return None, end.gap_reason or begin.gap_reason or "the sensor reported a gap"
    d = end.energy_j - begin.energy_j
    if d < 0:
        return None, f"counter ran backwards ({d:.6g} J)"
    return d, None


def _cuda_synchronizer(sync_cuda: bool | None) -> Callable[[], None] | None:
    """``torch.cuda.synchronize`` if torch is imported and CUDA is in use; never imports it."""
    if sync_cuda is False:
        return None
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        cuda = torch.cuda
        if cuda.is_initialized() and cuda.is_available():
            return cast(Callable[[], None], cuda.synchronize)
    except Exception:  # a half-imported or broken torch: nothing to synchronise
        return None
    return None


class _PhaseAcc:
    """Running totals of one phase path (entries are summed)."""

    __slots__ = ("count", "duration_s", "energy_j", "gaps", "min_entry_s", "name", "path")

    def __init__(self, name: str, path: str, n_sensors: int) -> None:
        self.name = name
        self.path = path
        self.count = 0
        self.duration_s = 0.0
        self.min_entry_s = float("inf")
        self.energy_j = [0.0] * n_sensors
        self.gaps: list[str | None] = [None] * n_sensors


class _Phase:
    __slots__ = ("_meter", "_name")

    def __init__(self, meter: Meter, name: str) -> None:
        self._meter = meter
        self._name = name

    def __enter__(self) -> _Phase:
        self._meter._enter_phase(self._name)
        return self

    def __exit__(self, *exc: object) -> None:
        self._meter._exit_phase()


class Meter:
    """Measures the energy of a window (and its phases) from a set of sensors.

    ``sensors=None`` finds them with :func:`joulebench.measure.discovery.discover` when
    the window starts; sensors found so are owned (closed on ``with`` exit or
    :meth:`close`), sensors given are the caller's. A Meter can measure several windows
    in turn (``start()``/``stop()``); each ``stop()`` returns a new :class:`Measurement`,
    also kept in :attr:`result`. Phases belong to the thread that opens them.

    ``idle_s``: seconds of idle baseline measured before each window (the caller's thread
    sleeps). ``baseline``: idle watts per source, given instead. ``clock`` (seconds,
    monotonic) and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        sensors: Sequence[Sensor] | None = None,
        *,
        idle_s: float = 0.0,
        baseline: Mapping[str, float] | None = None,
        sync_cuda: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_window_warning: bool = True,
    ) -> None:
        if idle_s < 0:
            raise UsageError(f"idle_s must be >= 0, got {idle_s}")
        if idle_s > 0 and baseline is not None:
            raise UsageError("give idle_s or baseline, not both")
        self._given = list(sensors) if sensors is not None else None
        self._sensors: list[Sensor] | None = self._given
        self.idle_s = idle_s
        self.baseline = dict(baseline) if baseline is not None else None
        self.sync_cuda = sync_cuda
        self.min_window_warning = min_window_warning
        self._clock = clock
        self._sleep = sleep
        self._running = False
        self._pending_warnings: list[str] = []
        self._idle_cpu_s = 0.0  # CPU of a measure_idle() call, charged to the next window
        self.result: Measurement | None = None

    # ------------------------------------------------------------------ sensors
    @property
    def sensors(self) -> list[Sensor]:
        """The sensors (discovered on first use when none were given)."""
        if self._sensors is None:
            from .discovery import discover  # lazy: discovery probes hardware

            self._sensors = list(discover().sensors)
        return self._sensors

    def close(self) -> None:
        """Close the sensors this meter discovered itself (given ones stay open)."""
        if self._given is None and self._sensors is not None:
            for s in self._sensors:
                s.close()
            self._sensors = None

    # --------------------------------------------------------------------- idle
    def measure_idle(self, seconds: float) -> dict[str, float]:
        """Sleep ``seconds`` and return each sensor's mean power over it, watts by source.

        Sensors with a gap are left out (and named in the next result's warnings). Pass
        the dict as ``baseline=`` to reuse one idle measurement for many windows.
        """
        if seconds <= 0:
            raise UsageError(f"seconds must be > 0, got {seconds}")
        if self._running:
            raise UsageError("measure_idle() inside a measured window would not be idle")
        cpu0 = time.thread_time()
        watts, _, warnings = self._idle(self.sensors, seconds)
        self._pending_warnings.extend(warnings)
        self._idle_cpu_s += time.thread_time() - cpu0
        return watts

    def _idle(
        self, sensors: Sequence[Sensor], seconds: float
    ) -> tuple[dict[str, float], float, list[str]]:
        begin = _read_all(sensors)
        t0 = self._clock()
        self._sleep(seconds)
        t1 = self._clock()
        end = _read_all(sensors)
        elapsed = t1 - t0
        watts: dict[str, float] = {}
        warnings: list[str] = []
        for s, b, e in zip(sensors, begin, end, strict=True):
            energy, gap = _delta(b, e)
            if energy is None or elapsed <= 0:
                why = gap or f"the idle interval lasted {elapsed:.3g} s"
                warnings.append(f"{s.info.source}: no idle power ({why})")
                continue
            watts[s.info.source] = energy / elapsed
        return watts, elapsed, warnings

    # ------------------------------------------------------------------- window
    def __enter__(self) -> Meter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._stop(exc_type.__name__ if exc_type is not None else None)
        finally:
            self.close()

    def start(self) -> Meter:
        """Begin a window (after the idle baseline, if ``idle_s`` > 0)."""
        if self._running:
            raise UsageError("this meter is already measuring a window")
        cpu0 = time.thread_time()
        sensors = self.sensors
        self._warnings = self._pending_warnings
        self._pending_warnings = []
        self._idle_power: dict[str, float] | None = self.baseline
        self._idle_measured_s: float | None = None
        if self.idle_s > 0:
            self._idle_power, self._idle_measured_s, idle_warnings = self._idle(
                sensors, self.idle_s
            )
            self._warnings.extend(idle_warnings)
        self._phases: dict[str, _PhaseAcc] = {}
        self._stack: list[tuple[str, float, list[_Read]]] = []
        self._sampler: Sampler | None = Sampler(sensors) if needs_sampler(sensors) else None
        sync = self._sync = _cuda_synchronizer(self.sync_cuda)
        if sync is not None:
            sync()
        if self._sampler is not None:
            self._sampler.start()
        self._begin = _read_all(sensors)
        self._t0 = self._clock()
        self._wall0 = time.time()
        self._running = True
        self._cpu_s = time.thread_time() - cpu0 + self._idle_cpu_s
        self._idle_cpu_s = 0.0
        return self

    def phase(self, name: str) -> _Phase:
        """A context manager measuring a named phase; phases nest and may repeat."""
        if not name or "/" in name:
            raise UsageError(f"a phase name must be non-empty and contain no '/': {name!r}")
        return _Phase(self, name)

    def _enter_phase(self, name: str) -> None:
        if not self._running:
            raise UsageError(f"phase {name!r} entered outside a measured window")
        cpu0 = time.thread_time()
        path = f"{self._stack[-1][0]}/{name}" if self._stack else name
        if path not in self._phases:
            self._phases[path] = _PhaseAcc(name, path, len(self.sensors))
        if self._sync is not None:
            self._sync()
        begin = _read_all(self.sensors)
        self._stack.append((path, self._clock(), begin))
        self._cpu_s += time.thread_time() - cpu0

    def _exit_phase(self) -> None:
        cpu0 = time.thread_time()
        if self._sync is not None:
            self._sync()
        t1 = self._clock()
        end = _read_all(self.sensors)
        path, t0, begin = self._stack.pop()
        acc = self._phases[path]
        acc.count += 1
        acc.duration_s += t1 - t0
        acc.min_entry_s = min(acc.min_entry_s, t1 - t0)
        for i, (b, e) in enumerate(zip(begin, end, strict=True)):
            energy, gap = _delta(b, e)
            if energy is None:
                acc.gaps[i] = acc.gaps[i] or gap
            else:
                acc.energy_j[i] += energy
        self._cpu_s += time.thread_time() - cpu0

    def stop(self) -> Measurement:
        """End the window; returns (and keeps in :attr:`result`) its Measurement."""
        return self._stop(None)

    def _stop(self, exception: str | None) -> Measurement:
        if not self._running:
            raise UsageError("stop() called on a meter that is not measuring")
        cpu0 = time.thread_time()
        while self._stack:
            self._warnings.append(f"phase {self._stack[-1][0]!r} was still open at stop")
            self._exit_phase()
        if self._sync is not None:
            self._sync()
        t1 = self._clock()
        end = _read_all(self.sensors)
        self._running = False
        sampler_cpu_s = 0.0
        failed: dict[str, str] = {}
        if self._sampler is not None:
            self._sampler.stop()
            sampler_cpu_s = self._sampler.cpu_s
            failed = self._sampler.errors
        self._cpu_s += sampler_cpu_s
        self.result = self._build(t1 - self._t0, end, failed, exception, cpu0)
        return self.result

    # ------------------------------------------------------------------ results
    def _build(
        self,
        duration_s: float,
        end: list[_Read],
        failed: dict[str, str],
        exception: str | None,
        cpu0: float,
    ) -> Measurement:
        sensors = self.sensors
        warnings = self._warnings
        idle = self._idle_power
        check_period = self.min_window_warning
        components = []
        for s, b, e in zip(sensors, self._begin, end, strict=True):
            info = s.info
            energy, gap = _delta(b, e)
            if failed and info.source in failed:
                energy, gap = None, failed[info.source]
            if gap is not None:
                warnings.append(
                    f"{info.source}: no energy for this window ({gap}); left out of the total"
                )
            if check_period and duration_s < info.update_period_s:
                warnings.append(
                    f"{info.source}: window of {duration_s:.3g} s is shorter than the sensor's "
                    f"update period ({info.update_period_s:.3g} s); its figure is unreliable"
                )
            components.append(self._component(info, energy, gap, duration_s, "window"))
        if idle is not None:
            warnings.extend(
                f"{s.info.source}: no idle power; its net energy is unknown"
                for s in sensors
                if s.info.source not in idle
            )
            if self.baseline is not None:
                sources = {s.info.source for s in sensors}
                warnings.extend(
                    f"baseline given for {src!r}, which no sensor measures"
                    for src in idle
                    if src not in sources
                )
        if not sensors:
            warnings.append("no sensors: nothing was measured")
        extra: dict[str, object] = {}
        if self._sampler is not None:
            extra["sampler_samples"] = self._sampler.samples
        if self.baseline is not None:
            extra["baseline"] = "given"
        if exception is not None:
            extra["exception"] = exception
        phases = self._build_phases(failed)
        started_at = datetime.fromtimestamp(self._wall0, timezone.utc).isoformat()
        meter_cpu_s = self._cpu_s + (time.thread_time() - cpu0)
        return Measurement(
            started_at=started_at,
            duration_s=duration_s,
            components=tuple(components),
            phases=phases,
            warnings=tuple(dict.fromkeys(warnings)),
            idle_s=self._idle_measured_s,
            meter_cpu_s=meter_cpu_s,
            extra=extra,
        )

    def _component(
        self, info: SensorInfo, energy: float | None, gap: str | None, duration_s: float, where: str
    ) -> ComponentEnergy:
        low = high = net = idle_w = None
        if self._idle_power is not None:
            idle_w = self._idle_power.get(info.source)
        if energy is not None:
            band = info.band
            if band is not None:
                low, high = energy * band[0], energy * band[1]
                if low > high:
                    low, high = high, low
            if idle_w is not None:
                net = energy - idle_w * duration_s
                if net < 0:
                    self._warnings.append(
                        f"{info.source}: the {where} drew less than the idle baseline "
                        f"({energy:.6g} J < {idle_w * duration_s:.6g} J); net energy set to 0"
                    )
                    net = 0.0
        # positional (the order of ComponentEnergy's fields): cheaper on the end path
        return ComponentEnergy(
            info.source, info.domain, info.device, info.method, info.covers,
            energy, low, high, idle_w, net, gap, info.details,
        )  # fmt: skip

    def _build_phases(self, failed: dict[str, str]) -> tuple[PhaseResult, ...]:
        if not self._phases:
            return ()
        children: dict[str | None, list[_PhaseAcc]] = {}
        for acc in self._phases.values():
            parent = acc.path.rpartition("/")[0] or None
            children.setdefault(parent, []).append(acc)

        def build(acc: _PhaseAcc) -> PhaseResult:
            comps = []
            for i, s in enumerate(self.sensors):
                src = s.info.source
                gap = failed.get(src) or acc.gaps[i]
                energy = None if gap is not None else acc.energy_j[i]
                where = f"phase {acc.path!r}"
                if gap is not None:
                    self._warnings.append(f"{src}: no energy for {where} ({gap})")
                if self.min_window_warning and acc.min_entry_s < s.info.update_period_s:
                    self._warnings.append(
                        f"{src}: {where} has entries as short as {acc.min_entry_s:.3g} s, "
                        f"shorter than the sensor's update period "
                        f"({s.info.update_period_s:.3g} s); its figure is unreliable"
                    )
                comps.append(self._component(s.info, energy, gap, acc.duration_s, where))
            return PhaseResult(
                name=acc.name,
                path=acc.path,
                duration_s=acc.duration_s,
                components=tuple(comps),
                children=tuple(build(c) for c in children.get(acc.path, [])),
                count=acc.count,
            )

        return tuple(build(acc) for acc in children.get(None, []))
