"""A scripted sensor for tests and examples: shipped in the library, injected, not patched."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .sensor import Domain, Method, Reading, SensorInfo


class FakeSensor:
    """A sensor that returns scripted readings, or a constant power on a fake clock.

    Either give ``readings`` (an iterable of cumulative joules or ``Reading`` objects,
    returned one per :meth:`read`), or give ``power_w`` and a ``clock`` callable, in
    which case energy is ``power_w * (clock() - clock_at_open)``.
    """

    def __init__(
        self,
        source: str = "fake:0",
        *,
        readings: Iterable[float | Reading] | None = None,
        power_w: float | None = None,
        clock: Callable[[], float] | None = None,
        domain: Domain = Domain.GPU,
        method: Method = Method.COUNTER,
        update_period_s: float = 0.0,
        band: tuple[float, float] | None = None,
        poll_interval_s: float | None = None,
    ) -> None:
        if (readings is None) == (power_w is None):
            raise ValueError("give exactly one of readings= or power_w=")
        self.info = SensorInfo(
            source=source,
            domain=domain,
            device=source.split(":")[-1],
            method=method,
            covers=f"fake {domain.value}",
            update_period_s=update_period_s,
            band=band,
        )
        self._readings = iter(readings) if readings is not None else None
        self._power_w = power_w
        import time

        self._clock = clock or time.monotonic
        self._t0 = self._clock()
        self._poll_interval_s = poll_interval_s
        self.polls = 0
        self.reads = 0
        self.closed = False

    @property
    def poll_interval_s(self) -> float | None:
        return self._poll_interval_s

    def poll(self) -> None:
        self.polls += 1

    def read(self) -> Reading:
        self.reads += 1
        now = self._clock()
        if self._readings is not None:
            item = next(self._readings)
            if isinstance(item, Reading):
                return item
            return Reading(timestamp_s=now, energy_j=float(item))
        assert self._power_w is not None
        return Reading(timestamp_s=now, energy_j=self._power_w * (now - self._t0))

    def close(self) -> None:
        self.closed = True


class FakeClock:
    """A manually advanced clock: ``clock.advance(1.5)``; call it to read the time."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


class FakeCuda:
    """Stands in for ``torch.cuda`` (put ``SimpleNamespace(cuda=FakeCuda())`` in
    ``sys.modules["torch"]``): asynchronous work whose energy lands only when the
    device is synchronised, the way a window edge that skips synchronisation misses
    queued kernels.

    ``launch(device, energy_j)`` queues work; ``synchronize(device)`` completes it,
    adding its energy to ``energy_j[device]``; ``sensor(device)`` is a counter sensor
    over that energy. ``init()`` initialises CUDA (e.g. inside a measured window).
    """

    def __init__(self, devices: int = 1, *, initialized: bool = False) -> None:
        self.devices = devices
        self.initialized = initialized
        self.pending_j = [0.0] * devices
        self.energy_j = [0.0] * devices
        self.synchronized: list[int] = []

    def init(self) -> None:
        self.initialized = True

    def is_initialized(self) -> bool:
        return self.initialized

    def is_available(self) -> bool:
        return True

    def device_count(self) -> int:
        return self.devices

    def launch(self, device: int, energy_j: float) -> None:
        if not self.initialized:
            self.init()  # like torch: the first CUDA call initialises it
        self.pending_j[device] += energy_j

    def synchronize(self, device: int | None = None) -> None:
        index = 0 if device is None else device
        self.synchronized.append(index)
        self.energy_j[index] += self.pending_j[index]
        self.pending_j[index] = 0.0

    def sensor(self, device: int) -> FakeSensor:
        import itertools

        counter = (self.energy_j[device] for _ in itertools.count())
        return FakeSensor(f"fake-cuda:{device}", readings=counter)


class ManualSampler:
    """A sampler the test drives: :meth:`tick` polls every subscribed sensor once.

    Inject it as ``Meter(..., sampler=ManualSampler())`` and call ``tick()`` from a fake
    ``sleep`` to script background polls deterministically (e.g. RAPL wrap guards during
    a long idle baseline). ``subscriptions`` counts subscribe calls.
    """

    def __init__(self) -> None:
        self.polled: list[object] = []
        self.subscriptions = 0
        self._open: list[ManualSubscription] = []

    def subscribe(self, sensors: Iterable[object]) -> ManualSubscription | None:
        polled = [s for s in sensors if getattr(s, "poll_interval_s", None) is not None]
        if not polled:
            return None
        self.subscriptions += 1
        sub = ManualSubscription(self, polled)
        self._open.append(sub)
        return sub

    def tick(self) -> None:
        for sub in list(self._open):
            for sensor in sub.sensors:
                sensor.poll()  # type: ignore[attr-defined]
                sub.samples += 1


class ManualSubscription:
    def __init__(self, sampler: ManualSampler, sensors: list[object]) -> None:
        self._sampler = sampler
        self.sensors = sensors
        self.samples = 0
        self.errors: dict[str, str] = {}
        self.cpu_s = 0.0

    def close(self) -> None:
        if self in self._sampler._open:
            self._sampler._open.remove(self)
