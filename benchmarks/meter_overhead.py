"""What does measuring cost? joulebench's public one-liners next to CodeCarbon, in one run.

Run from the repository root (about 1.5 minutes; ``--quick``: about 25 s), alone on the
machine (no other heavy process: timings on a busy machine are not the product's)::

    .venv/bin/python benchmarks/meter_overhead.py
    .venv/bin/python benchmarks/meter_overhead.py --quick

It times the calls as the README documents them, on this machine's real sensors
(model CPU/DRAM sensors where there is no RAPL/NVML):

1. ``with joulebench.measure(): pass``: the **first call** in a fresh Python process
   (after ``import joulebench``; sensor discovery happens here; median of 5 processes,
   with the package byte-compiled first as pip does on install), and the **median of
   later calls** (2,000 windows); ``@joulebench.track`` per call of an empty function;
   and, as the floor, a reused ``Meter`` over the same sensors (``start()`` +
   ``stop()``) and the sensors' own reads;
2. CodeCarbon ``OfflineEmissionsTracker(country_iso_code="USA", log_level="error",
   save_to_file=False)`` ``start()`` + ``stop()``: the first (hardware detection) and the
   median of 15 more fresh trackers;
3. the **extra CPU time** each tool costs around a 10 s single-thread busy loop, as % of
   one core (process CPU time over [start .. stop] minus the loop's own thread CPU time,
   so every thread a tool runs is counted), with a bare run as the noise floor and a
   row with a polled sensor (10 Hz) so the sampler thread's cost shows;
4. the ratios CodeCarbon / joulebench.

Targets (issue 8): ``with joulebench.measure(): pass`` median <= 50 us after the first
call, first call <= 20 ms, ``@track`` <= 60 us per call; CPU overhead <= 0.5 % of a core.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from joulebench.measure import Sensor
from joulebench.measure.fake import FakeSensor
from joulebench.measure.meter import Meter

TARGET_WINDOW_US = 50.0
TARGET_FIRST_MS = 20.0
TARGET_TRACK_US = 60.0
TARGET_OVERHEAD_PCT = 0.5

_FIRST_CALL = """
import time
t0 = time.perf_counter()
import joulebench
t1 = time.perf_counter()
with joulebench.measure():
    pass
t2 = time.perf_counter()
print((t1 - t0) * 1e3, (t2 - t1) * 1e3)
"""


def first_calls(n: int) -> tuple[float, float]:
    """(median import ms, median first-window ms) over ``n`` fresh processes."""
    import compileall
    import os
    import subprocess

    import joulebench

    compileall.compile_dir(os.path.dirname(joulebench.__file__), quiet=1)
    imports, firsts = [], []
    for _ in range(n):
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL], check=True, capture_output=True, text=True
        ).stdout.split()
        imports.append(float(out[0]))
        firsts.append(float(out[1]))
    return statistics.median(imports), statistics.median(firsts)


def public_windows_us(n: int) -> float:
    """Median wall us of ``with joulebench.measure(): pass`` (after the first call)."""
    import joulebench

    with joulebench.measure():
        pass
    walls = []
    for _ in range(n):
        t0 = time.perf_counter()
        with joulebench.measure():
            pass
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) * 1e6


def tracked_calls_us(n: int) -> float:
    """Median wall us of one call of an empty ``@joulebench.track`` function."""
    import joulebench

    @joulebench.track
    def noop() -> None:
        return None

    noop()
    walls = []
    for _ in range(n):
        t0 = time.perf_counter()
        noop()
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) * 1e6


def machine_sensors() -> list[Sensor]:
    """The sensors discovery picks on this machine (model sensors where nothing is readable)."""
    from joulebench.measure.discovery import shared

    return list(shared().sensors)  # the ones joulebench.measure() uses


def codecarbon_tracker() -> Any:
    from codecarbon import OfflineEmissionsTracker

    return OfflineEmissionsTracker(country_iso_code="USA", log_level="error", save_to_file=False)


def empty_windows_joulebench(sensors: Sequence[Sensor], n: int) -> tuple[float, float]:
    """(median wall us, median meter_cpu_s us) of ``n`` empty windows on one reused Meter."""
    meter = Meter(sensors)
    for _ in range(20):  # warm caches
        meter.start()
        meter.stop()
    walls, cpus = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        meter.start()
        result = meter.stop()
        walls.append(time.perf_counter() - t0)
        cpus.append(result.meter_cpu_s or 0.0)
    return statistics.median(walls) * 1e6, statistics.median(cpus) * 1e6


def sensor_reads_us(sensors: Sequence[Sensor], n: int) -> float:
    """Median wall time of reading every sensor twice (what any begin + end must pay)."""
    walls = []
    for _ in range(n):
        t0 = time.perf_counter()
        for _ in range(2):
            for s in sensors:
                s.read()
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) * 1e6


def empty_windows_codecarbon(n: int) -> tuple[float, float]:
    """(first start+stop s, median start+stop us over ``n`` further fresh trackers)."""
    walls = []
    for _ in range(n + 1):
        tracker = codecarbon_tracker()
        t0 = time.perf_counter()
        tracker.start()
        tracker.stop()
        walls.append(time.perf_counter() - t0)
    return walls[0], statistics.median(walls[1:]) * 1e6


def busy(seconds: float) -> int:
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
    return n


def overhead_cpu_s(
    start: Callable[[], object], stop: Callable[[], object], seconds: float
) -> tuple[float, object]:
    """CPU time spent outside the busy loop between start() and stop() returning."""
    p0 = time.process_time()
    start()
    w0 = time.thread_time()
    busy(seconds)
    w1 = time.thread_time()
    out = stop()
    p1 = time.process_time()
    return (p1 - p0) - (w1 - w0), out


def pct(cpu_s: float, seconds: float) -> float:
    return 100.0 * cpu_s / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer windows, 3 s busy loops")
    args = parser.parse_args(argv)
    n_jb, n_cc, busy_s = (500, 5, 3.0) if args.quick else (2000, 15, 10.0)
    n_proc = 3 if args.quick else 5
    logging.getLogger("codecarbon").setLevel(logging.ERROR)

    sensors = machine_sensors()
    names = ", ".join(f"{s.info.source} ({s.info.method.value})" for s in sensors)
    print(f"sensors joulebench.measure() uses here: {names or 'none'}")
    print(f"python {sys.version.split()[0]}; busy loop {busy_s:g} s; single-threaded workload\n")

    import_ms, first_ms = first_calls(n_proc)
    public_us = public_windows_us(n_jb)
    track_us = tracked_calls_us(n_jb)
    jb_wall_us, jb_cpu_us = empty_windows_joulebench(sensors, n_jb)
    reads_us = sensor_reads_us(sensors, n_jb)
    cc_first_s, cc_wall_us = empty_windows_codecarbon(n_cc)

    bare_s, _ = overhead_cpu_s(lambda: None, lambda: None, busy_s)
    import joulebench

    meter = joulebench.measure()  # the documented object, on the shared sensors
    jb_s, jb_result = overhead_cpu_s(meter.start, meter.stop, busy_s)
    jb_own_s = getattr(jb_result, "meter_cpu_s", None) or 0.0
    polled = FakeSensor("fake:polled", power_w=1.0, poll_interval_s=0.1)
    meter_p = Meter([*sensors, polled])
    jbp_s, jbp_result = overhead_cpu_s(meter_p.start, meter_p.stop, busy_s)
    jbp_own_s = getattr(jbp_result, "meter_cpu_s", None) or 0.0
    tracker = codecarbon_tracker()
    cc_s, _ = overhead_cpu_s(tracker.start, tracker.stop, busy_s)

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print("1) the documented calls                               median")
    print(
        f"   with joulebench.measure(): pass   first call        {first_ms:10.2f} ms"
        f"   (import joulebench {import_ms:.1f} ms before it; {n_proc} fresh processes)"
    )
    print(f"   with joulebench.measure(): pass   later calls       {public_us:10.1f} us   ({n_jb} windows)")
    print(f"   @joulebench.track, one empty call                   {track_us:10.1f} us")
    print(
        f"   floor: a reused Meter.start()+stop()                {jb_wall_us:10.1f} us"
        f"   (meter_cpu_s {jb_cpu_us:.1f} us)"
    )
    print(f"     of which the sensors' own reads (2 per sensor)    {reads_us:10.1f} us")
    print(
        f"   codecarbon start()+stop(), {n_cc} fresh trackers      {cc_wall_us:10.1f} us"
        f"   (first start+stop: {cc_first_s:.2f} s, hardware detection)"
    )
    print(
        f"   targets: later <= {TARGET_WINDOW_US:g} us {met(public_us <= TARGET_WINDOW_US)}; "
        f"first <= {TARGET_FIRST_MS:g} ms {met(first_ms <= TARGET_FIRST_MS)}; "
        f"track <= {TARGET_TRACK_US:g} us {met(track_us <= TARGET_TRACK_US)}\n"
    )

    print(f"2) extra CPU during a {busy_s:g} s busy loop            CPU s     % of one core")
    print(
        f"   bare (noise floor)                            {bare_s:9.5f}   {pct(bare_s, busy_s):8.4f}"
    )
    print(
        f"   joulebench (process - loop)                   {jb_s:9.5f}   {pct(jb_s, busy_s):8.4f}"
        f"   meter_cpu_s {jb_own_s:.6f}"
    )
    print(
        f"   joulebench + polled sensor at 10 Hz           {jbp_s:9.5f}   {pct(jbp_s, busy_s):8.4f}"
        f"   meter_cpu_s {jbp_own_s:.6f}"
    )
    print(
        f"   codecarbon (process - loop)                   {cc_s:9.5f}   {pct(cc_s, busy_s):8.4f}"
    )
    worst = max(pct(jb_s, busy_s), pct(jbp_s, busy_s))
    print(
        f"   target <= {TARGET_OVERHEAD_PCT:g}% of one core: "
        f"{'met' if worst <= TARGET_OVERHEAD_PCT else 'MISSED'}\n"
    )

    def ratio(a: float, b: float) -> str:
        return f"{a / b:,.0f}x" if b > 0 else "n/a (joulebench below timer resolution)"

    print("3) codecarbon / joulebench")
    print(f"   empty window, with joulebench.measure() vs start()+stop()  {ratio(cc_wall_us, public_us)}")
    print(f"   first window vs codecarbon's first start()+stop()          {ratio(cc_first_s * 1e3, first_ms)}")
    print(f"   CPU overhead in the busy loop {ratio(cc_s, max(jb_s, 0.0))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
