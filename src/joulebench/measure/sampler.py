"""One background thread per process that polls the sensors that need samples.

Counter sensors are read only at window edges; power-integrating sensors (and counters
that can wrap between edges) ask for background samples through
``Sensor.poll_interval_s``. A :class:`Sampler` runs one daemon thread for all of them,
shared by every meter of the process: a window **subscribes** its sensors when it
starts and cancels the subscription when it stops, which costs a lock and a list update,
not a thread start (about 80 us here). The thread starts the first time a polled sensor
is subscribed, so a machine whose sensors need no polling never has one. Each sensor is
polled on its own schedule (re-read after every poll, so a sensor may shorten its
interval, e.g. RAPL after seeing more power than expected); the thread sleeps on a
:class:`threading.Condition` until the next sensor is due (no busy-waiting), timing comes
from :func:`time.monotonic`, and the thread measures its own CPU time
(:func:`time.thread_time`) so the meter can report its overhead.

``poll()`` runs on this thread while ``read()`` runs on the caller's, so a polled sensor
guards its own state (a lock). A sensor whose ``poll()`` raises is dropped from the
schedule of every current subscription and its error kept in
:attr:`Subscription.errors`; the meter then reports that sensor's energy as a gap.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence

from .sensor import Sensor

__all__ = ["Sampler", "Subscription", "needs_sampler", "shared_sampler"]


def needs_sampler(sensors: Sequence[Sensor]) -> bool:
    """Whether any sensor asks for background polls."""
    return any(s.poll_interval_s is not None for s in sensors)


class Subscription:
    """The polling of one window's sensors; :meth:`close` ends it.

    After :meth:`close`: ``samples`` is the number of polls made for it, ``cpu_s`` the
    sampler thread's CPU time while it was open (shared with overlapping subscriptions),
    ``errors`` maps each failed sensor's source to its error.
    """

    def __init__(self, sampler: Sampler, sensors: list[Sensor]) -> None:
        self._sampler = sampler
        self.sensors = sensors
        self.samples = 0
        self.errors: dict[str, str] = {}
        self._cpu0 = sampler.cpu_s
        self.cpu_s = 0.0
        self.open = True

    def close(self) -> None:
        if self.open:
            self._sampler._unsubscribe(self)
            self.cpu_s = max(0.0, self._sampler.cpu_s - self._cpu0)
            self.open = False


class _Entry:
    __slots__ = ("due", "failed", "sensor", "subscriptions")

    def __init__(self, sensor: Sensor, due: float) -> None:
        self.sensor = sensor
        self.due = due
        self.subscriptions: list[Subscription] = []
        self.failed: str | None = None


class Sampler:
    """Polls the subscribed sensors with a ``poll_interval_s`` from one daemon thread."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._entries: dict[int, _Entry] = {}  # id(sensor) -> entry
        self._thread: threading.Thread | None = None
        self._closed = False
        self.cpu_s = 0.0  # CPU time of the thread so far (updated after every round)
        self.samples = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def subscribe(self, sensors: Sequence[Sensor]) -> Subscription | None:
        """Start polling ``sensors`` that need it; None when none does (no thread)."""
        polled = [s for s in sensors if s.poll_interval_s is not None]
        if not polled:
            return None
        for s in polled:
            interval = s.poll_interval_s
            if interval is not None and interval <= 0:
                raise ValueError(f"{s.info.source}: poll_interval_s must be positive")
        sub = Subscription(self, polled)
        with self._cond:
            now = self._clock()
            for s in polled:
                entry = self._entries.get(id(s))
                if entry is None:
                    entry = self._entries[id(s)] = _Entry(s, now + (s.poll_interval_s or 0.0))
                entry.subscriptions.append(sub)
                if entry.failed is not None:
                    sub.errors[s.info.source] = entry.failed
            self._ensure_thread()
            self._cond.notify()
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._cond:
            for s in sub.sensors:
                entry = self._entries.get(id(s))
                if entry is None:
                    continue
                if sub in entry.subscriptions:
                    entry.subscriptions.remove(sub)
                if not entry.subscriptions:
                    del self._entries[id(s)]
            self._cond.notify()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="joulebench-sampler", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Stop the thread (tests); subscriptions still open get no more polls."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None

    def _run(self) -> None:
        cpu0 = time.thread_time()
        clock = self._clock
        cond = self._cond
        while True:
            with cond:
                if self._closed:
                    return
                live = [e for e in self._entries.values() if e.failed is None]
                if not live:
                    cond.wait()
                    continue
                wait_s = min(e.due for e in live) - clock()
                if wait_s > 0:
                    cond.wait(wait_s)
                    continue
                now = clock()
                due = [e for e in live if e.due <= now]
            for entry in due:  # poll outside the lock: a slow sensor must not block windows
                sensor = entry.sensor
                try:
                    sensor.poll()
                except Exception as exc:  # a broken sensor must not kill the thread
                    why = f"background poll failed: {exc!r}"
                    with cond:
                        entry.failed = why
                        for sub in entry.subscriptions:
                            sub.errors[sensor.info.source] = why
                    continue
                interval = sensor.poll_interval_s or 1.0
                with cond:
                    self.samples += 1
                    for sub in entry.subscriptions:
                        sub.samples += 1
                    # Keep the schedule; if the thread fell behind (a loaded machine),
                    # skip the missed slots instead of polling in a burst.
                    entry.due += interval
                    if entry.due <= now:
                        entry.due = now + interval
            self.cpu_s = time.thread_time() - cpu0


_SHARED: Sampler | None = None
_SHARED_LOCK = threading.Lock()


def shared_sampler() -> Sampler:
    """The process's sampler (created on first use; its thread on first subscription)."""
    global _SHARED
    if _SHARED is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = Sampler()
    return _SHARED


def _forget_after_fork() -> None:  # the parent's thread (and its lock state) is not ours
    global _SHARED
    _SHARED = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
