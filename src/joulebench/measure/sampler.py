"""One background thread that polls the sensors that need samples.

Counter sensors are read only at window edges; power-integrating sensors (and counters
that can wrap between edges) ask for background samples through
``Sensor.poll_interval_s``. A :class:`Sampler` runs one daemon thread for all of them:
each sensor is polled on its own schedule, the thread sleeps on a
:class:`threading.Event` until the next sensor is due (no busy-waiting), timing comes
from :func:`time.monotonic`, and the thread measures its own CPU time
(:func:`time.thread_time`) so the meter can report its overhead.

``poll()`` runs on this thread while ``read()`` runs on the caller's, so a polled sensor
guards its own state (a lock). A sensor whose ``poll()`` raises is dropped from the schedule and its error kept in
:attr:`Sampler.errors`; the meter then reports that sensor's energy as a gap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from .sensor import Sensor

__all__ = ["Sampler", "needs_sampler"]


def needs_sampler(sensors: Sequence[Sensor]) -> bool:
    """Whether any sensor asks for background polls."""
    return any(s.poll_interval_s is not None for s in sensors)


class Sampler:
    """Polls sensors with a ``poll_interval_s`` from one daemon thread.

    ``start()`` launches the thread (only when some sensor needs polling), ``stop()``
    ends and joins it. After ``stop()``, ``samples`` is the number of ``poll()`` calls
    made, ``cpu_s`` the CPU time the thread used and ``errors`` maps each failed
    sensor's source to its error.
    """

    def __init__(
        self, sensors: Sequence[Sensor], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._polled: list[tuple[Sensor, float]] = []
        for s in sensors:
            interval = s.poll_interval_s
            if interval is None:
                continue
            if interval <= 0:
                raise ValueError(f"{s.info.source}: poll_interval_s must be positive")
            self._polled.append((s, interval))
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples = 0
        self.cpu_s = 0.0
        self.errors: dict[str, str] = {}

    @property
    def interval_s(self) -> float | None:
        """The smallest poll interval among the sensors (None: nothing to poll)."""
        return min((i for _, i in self._polled), default=None)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if not self._polled or self._thread is not None:
            return
        self._stop.clear()
        self.samples = 0
        self.cpu_s = 0.0
        self.errors = {}
        self._thread = threading.Thread(target=self._run, name="joulebench-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        thread.join()
        self._thread = None

    def _run(self) -> None:
        cpu0 = time.thread_time()
        clock = self._clock
        stop = self._stop
        now = clock()
        due = [now + interval for _, interval in self._polled]
        active = list(range(len(self._polled)))
        try:
            while active:
                next_due = min(due[i] for i in active)
                if stop.wait(max(0.0, next_due - clock())):
                    break
                now = clock()
                for i in list(active):
                    if due[i] > now:
                        continue
                    sensor, interval = self._polled[i]
                    try:
                        sensor.poll()
                    except Exception as exc:  # a broken sensor must not kill the thread
                        self.errors[sensor.info.source] = f"background poll failed: {exc!r}"
                        active.remove(i)
                        continue
                    self.samples += 1
                    # Keep the schedule; if the thread fell behind (a loaded machine),
                    # skip the missed slots instead of polling in a burst.
                    due[i] += interval
                    if due[i] <= now:
                        due[i] = now + interval
        finally:
            self.cpu_s = time.thread_time() - cpu0
