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
* A read that fails only for the moment (``Reading.stale``, e.g. a transient NVML error)
  is retried at a window edge after 2, 10 and 50 ms; an edge that stays unreadable is a
  gap. At a phase edge it makes that phase (not the window) a gap for that sensor.
* An idle baseline (``idle_s`` seconds before the window, or ``baseline=``: an
  :class:`IdleBaseline` from :meth:`Meter.measure_idle`, or watts per source given by
  the caller) gives each component ``idle_power_w`` and ``net_energy_j = energy_j -
  idle_power_w * t``, with ``t`` the time between the sensor's own readings (so a
  constant-power model nets to exactly 0, not to clock skew). The idle baseline is
  measured with the same sensors and the same background sampler as the window, so
  power-integrating sensors get the same sample rate and counters are guarded against
  wrap-around however long it lasts. A window that drew less than idle gets
  ``net_energy_j = 0.0`` and a warning (float rounding is not warned about).
* Other processes' CPU use is recorded for the idle baseline and for the window
  (:mod:`.host_load`); a busy machine is named in one warning and marks net figures
  unreliable (``Measurement.net_reliable``).
* Model sensors carry a band: ``low_j``/``high_j`` = energy x band.
* A window (or a phase entry) shorter than a sensor's ``update_period_s`` is warned about.
* Once torch has initialised CUDA, every edge synchronises every visible CUDA device
  first, also when CUDA was initialised inside the window (the meter never imports
  torch); ``sync_cuda=False`` turns that off.
* Sensors: given, or this process's shared discovery (:func:`.discovery.shared`), probed
  once and reused by every window. Background polling uses the process's one sampler
  thread (:func:`.sampler.shared_sampler`), which exists only if some sensor needs it.
* The begin path only reads sensors and the clocks; result objects are built at stop.
  ``meter_cpu_s`` is the CPU time of the meter's bookkeeping on the caller's thread
  (:func:`time.thread_time` deltas) plus the sampler thread's CPU time meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType

from ..errors import UsageError
from .edges import (
    NOISE,
    STALE_RETRY_S,
    PhaseAcc,
    Read,
    check_seconds,
    cuda_devices,
    delta,
    iso_utc,
    other_gpu_processes,
    read_all,
    shared_load_probe,
)
from .host_load import HostLoad, LoadProbe, describe
from .results import ComponentEnergy, IdleBaseline, Measurement, PhaseResult
from .sampler import Sampler, Subscription, shared_sampler
from .sensor import Method, Reading, Sensor, SensorInfo, check_scope

__all__ = ["Meter"]


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

    ``sensors=None`` uses this process's shared discovery for ``scope`` (probed once,
    kept open, never closed by a meter); sensors given are the caller's. A Meter can
    measure several windows in turn (``start()``/``stop()``); each ``stop()`` returns a
    new :class:`Measurement`, also kept in :attr:`result`. Phases belong to the thread
    that opens them.

    ``idle_s``: seconds of idle baseline measured before each window (the caller's thread
    sleeps). ``baseline``: an :class:`IdleBaseline` (from :meth:`measure_idle`) or idle
    watts per source, given instead. ``scope``: "machine" (default) or "process" (see
    :data:`.sensor.SCOPE_HELP`); with given sensors it only labels the result.
    ``clock`` (seconds, monotonic), ``sleep``, ``sampler`` and ``load_probe`` are
    injectable for tests.
    """

    def __init__(
        self,
        sensors: Sequence[Sensor] | None = None,
        *,
        idle_s: float = 0.0,
        baseline: IdleBaseline | Mapping[str, float] | None = None,
        scope: str = "machine",
        sync_cuda: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_window_warning: bool = True,
        sampler: Sampler | None = None,
        load_probe: LoadProbe | None = None,
    ) -> None:
        idle_s = check_seconds("idle_s", idle_s)
        if idle_s > 0 and baseline is not None:
            raise UsageError("give idle_s or baseline, not both")
        self.scope = check_scope(scope)
        self._sensors: list[Sensor] | None = list(sensors) if sensors is not None else None
        self.idle_s = idle_s
        if baseline is not None and not isinstance(baseline, IdleBaseline):
            baseline = IdleBaseline.given(baseline)
        self.baseline: IdleBaseline | None = baseline
        self.sync_cuda = sync_cuda
        self.min_window_warning = min_window_warning
        self._clock = clock
        self._sleep = sleep
        self._sampler = sampler
        self._probe = load_probe
        self._running = False
        self._pending_warnings: list[str] = []
        self._idle_cpu_s = 0.0  # CPU of a measure_idle() call, charged to the next window
        self.result: Measurement | None = None

    # ------------------------------------------------------------------ sensors
    @property
    def sensors(self) -> list[Sensor]:
        """The sensors (the shared discovery's, on first use, when none were given)."""
        if self._sensors is None:
            from .discovery import shared  # lazy: discovery probes hardware (once)

            self._sensors = list(shared(scope=self.scope).sensors)
        return self._sensors

    def close(self) -> None:
        """Nothing to release: given sensors are the caller's, shared ones the process's."""

    def _subscribe(self, sensors: Sequence[Sensor]) -> Subscription | None:
        sampler = self._sampler
        if sampler is None:
            if not any(s.poll_interval_s is not None for s in sensors):
                return None
            sampler = self._sampler = shared_sampler()
        return sampler.subscribe(sensors)

    def _load(self) -> LoadProbe:
        if self._probe is None:
            self._probe = shared_load_probe()
        return self._probe

    def _edge(self, sensors: Sequence[Sensor]) -> list[Read]:
        """Synchronise CUDA, then read every sensor; re-read stale ones a few times."""
        cuda = cuda_devices(self.sync_cuda)
        if cuda is not None:
            self._cuda_syncs += 1
            for index in range(cuda.device_count()):
                cuda.synchronize(index)
        reads, stale = read_all(sensors)
        if stale:
            for wait_s in STALE_RETRY_S:
                self._sleep(wait_s)
                for i, r in enumerate(reads):
                    if isinstance(r, Reading) and r.stale:
                        reads[i] = read_all([sensors[i]])[0][0]
                if not any(isinstance(r, Reading) and r.stale for r in reads):
                    break
        return reads

    # --------------------------------------------------------------------- idle
    def measure_idle(self, seconds: float) -> IdleBaseline:
        """Sleep ``seconds`` and return each sensor's mean power over it, as a baseline.

        Sensors with a gap are left out (and named in the baseline's warnings). Pass the
        result as ``baseline=`` to reuse one idle measurement for many windows.
        """
        seconds = check_seconds("seconds", seconds)
        if seconds <= 0:
            raise UsageError(f"seconds must be > 0, got {seconds}")
        if self._running:
            raise UsageError("measure_idle() inside a measured window would not be idle")
        cpu0 = time.thread_time()
        self._cuda_syncs = 0
        baseline = self._idle(self.sensors, seconds)
        self._idle_cpu_s += time.thread_time() - cpu0
        return baseline

    def _idle(self, sensors: Sequence[Sensor], seconds: float) -> IdleBaseline:
        probe = self._load()
        sub = self._subscribe(sensors)
        try:
            begin = self._edge(sensors)
            mark0 = probe.mark()
            t0 = self._clock()
            self._sleep(seconds)
            t1 = self._clock()
            mark1 = probe.mark()
            end = self._edge(sensors)
        finally:
            if sub is not None:
                sub.close()
        failed = sub.errors if sub is not None else {}
        elapsed = t1 - t0
        watts: dict[str, float] = {}
        warnings: list[str] = []
        for s, b, e in zip(sensors, begin, end, strict=True):
            energy, span_s, gap = delta(b, e)
            gap = failed.get(s.info.source, gap)
            if energy is None or span_s <= 0 or gap is not None:
                why = gap or f"the idle interval lasted {span_s:.3g} s"
                warnings.append(f"{s.info.source}: no idle power ({why})")
                continue
            watts[s.info.source] = energy / span_s
        load = probe.load(mark0, mark1)
        gpu_pids = other_gpu_processes(sensors)
        if load.busy:
            warnings.append(
                describe(load, "during the idle baseline")
                + "; net figures above this baseline are unreliable"
            )
        if gpu_pids:
            warnings.append(
                f"busy GPU during the idle baseline: other processes on it (pids "
                f"{', '.join(map(str, gpu_pids[:8]))}); net figures are unreliable"
            )
        return IdleBaseline(
            power_w=watts,
            duration_s=elapsed,
            warnings=tuple(warnings),
            host_load=load,
            gpu_processes=tuple(gpu_pids),
        )

    # ------------------------------------------------------------------- window
    def __enter__(self) -> Meter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop(exc_type.__name__ if exc_type is not None else None)

    def start(self) -> Meter:
        """Begin a window (after the idle baseline, if ``idle_s`` > 0)."""
        if self._running:
            raise UsageError("this meter is already measuring a window")
        cpu0 = time.thread_time()
        sensors = self.sensors
        self._warnings = self._pending_warnings
        self._pending_warnings = []
        self._cuda_syncs = 0
        self._idle_power = self.baseline
        if self.idle_s > 0:
            self._idle_power = self._idle(sensors, self.idle_s)
        if self._idle_power is not None:
            self._warnings.extend(self._idle_power.warnings)
        self._phases: dict[str, PhaseAcc] = {}
        self._stack: list[tuple[str, float, list[Read]]] = []
        self._sub = self._subscribe(sensors)
        self._mark0 = self._load().mark()
        self._begin = self._edge(sensors)
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
            self._phases[path] = PhaseAcc(name, path, len(self.sensors))
        begin = self._edge(self.sensors)
        self._stack.append((path, self._clock(), begin))
        self._cpu_s += time.thread_time() - cpu0

    def _exit_phase(self) -> None:
        cpu0 = time.thread_time()
        end = self._edge(self.sensors)
        t1 = self._clock()
        path, t0, begin = self._stack.pop()
        acc = self._phases[path]
        acc.count += 1
        acc.duration_s += t1 - t0
        acc.min_entry_s = min(acc.min_entry_s, t1 - t0)
        for i, (b, e) in enumerate(zip(begin, end, strict=True)):
            energy, span_s, gap = delta(b, e)
            if energy is None:
                acc.gaps[i] = acc.gaps[i] or gap
            else:
                acc.energy_j[i] += energy
                acc.sensor_s[i] += span_s
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
        end = self._edge(self.sensors)
        t1 = self._clock()
        mark1 = self._load().mark()
        self._running = False
        sampler_cpu_s = 0.0
        failed: dict[str, str] = {}
        samples = None
        if self._sub is not None:
            self._sub.close()
            sampler_cpu_s, failed, samples = self._sub.cpu_s, self._sub.errors, self._sub.samples
        self._cpu_s += sampler_cpu_s
        load = self._load().load(self._mark0, mark1)
        self.result = self._build(t1 - self._t0, end, failed, exception, cpu0, load, samples)
        return self.result

    # ------------------------------------------------------------------ results
    def _build(
        self,
        duration_s: float,
        end: list[Read],
        failed: dict[str, str],
        exception: str | None,
        cpu0: float,
        load: HostLoad,
        samples: int | None,
    ) -> Measurement:
        sensors = self.sensors
        warnings = self._warnings
        idle = self._idle_power
        check_period = self.min_window_warning
        components = []
        for s, b, e in zip(sensors, self._begin, end, strict=True):
            info = s.info
            energy, span_s, gap = delta(b, e)
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
            components.append(self._component(info, energy, gap, span_s, "window"))
        if idle is not None:
            warnings.extend(
                f"{s.info.source}: no idle power; its net energy is unknown, and so is "
                "the net total"
                for s in sensors
                if s.info.source not in idle.power_w
            )
            if idle.duration_s is None:
                sources = {s.info.source for s in sensors}
                warnings.extend(
                    f"baseline given for {src!r}, which no sensor measures"
                    for src in idle.power_w
                    if src not in sources
                )
        machine_level = [s.info.source for s in sensors if s.info.method is not Method.MODEL]
        if load.busy and (self.scope == "machine" or machine_level):
            what = (
                "the figures include their energy"
                if self.scope == "machine"
                else f"{', '.join(machine_level)} (whole device) include their energy"
            )
            warnings.append(describe(load, "during the window") + f"; {what}")
        if not sensors:
            warnings.append("no sensors: nothing was measured")
        extra: dict[str, object] = {}
        if samples is not None:
            extra["sampler_samples"] = samples
        if idle is not None and idle.duration_s is None:
            extra["baseline"] = "given"
        if idle is not None and idle.gpu_processes:
            extra["idle_gpu_processes"] = list(idle.gpu_processes)
        if self._cuda_syncs:
            extra["cuda_synchronized_edges"] = self._cuda_syncs
        if exception is not None:
            extra["exception"] = exception
        phases = self._build_phases(failed)
        started_at = iso_utc(self._wall0)
        meter_cpu_s = self._cpu_s + (time.thread_time() - cpu0)
        return Measurement(
            started_at=started_at,
            duration_s=duration_s,
            components=tuple(components),
            phases=phases,
            warnings=tuple(dict.fromkeys(warnings)),
            idle_s=idle.duration_s if idle is not None else None,
            meter_cpu_s=meter_cpu_s,
            extra=extra,
            scope=self.scope,
            host_load=load,
            idle_host_load=idle.host_load if idle is not None else None,
        )

    def _component(
        self, info: SensorInfo, energy: float | None, gap: str | None, span_s: float, where: str
    ) -> ComponentEnergy:
        low = high = net = idle_w = None
        if self._idle_power is not None:
            idle_w = self._idle_power.power_w.get(info.source)
        if energy is not None:
            band = info.band
            if band is not None:
                low, high = energy * band[0], energy * band[1]
                if low > high:
                    low, high = high, low
            if idle_w is not None:
                idle_j = idle_w * span_s
                net = energy - idle_j
                if net < 0:
                    if -net > NOISE * max(energy, idle_j, 1e-300):
                        self._warnings.append(
                            f"{info.source}: the {where} drew less than the idle baseline "
                            f"({energy:.6g} J < {idle_j:.6g} J); net energy set to 0"
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
        children: dict[str | None, list[PhaseAcc]] = {}
        for acc in self._phases.values():
            parent = acc.path.rpartition("/")[0] or None
            children.setdefault(parent, []).append(acc)

        def build(acc: PhaseAcc) -> PhaseResult:
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
                comps.append(self._component(s.info, energy, gap, acc.sensor_s[i], where))
            return PhaseResult(
                name=acc.name,
                path=acc.path,
                duration_s=acc.duration_s,
                components=tuple(comps),
                children=tuple(build(c) for c in children.get(acc.path, [])),
                count=acc.count,
            )

        return tuple(build(acc) for acc in children.get(None, []))
