"""Ray executor overhead: per-job scheduling cost and 1- vs 2-worker throughput.

Runs the shipped fake task (no torch) so the figures are the executor's, not a model's:

1. ``--jobs`` tiny jobs (1 query, no warm-up), one at a time: ``execute_job`` in this
   process against a Ray round trip of the executor's worker function (submit, schedule,
   run, records back); the difference of the medians is the scheduling overhead per job.
   Then the same jobs through both executors (the Ray one with 2 CPUs per job, so one
   at a time): median gap between records reaching the sink, where the driver overlaps
   collecting one job with running the next.
2. ``--throughput-jobs`` jobs of ``--work-s`` seconds each (a sleep: it measures how well
   jobs overlap, not CPU contention) with 1 worker (2 CPUs per job) and 2 workers
   (1 CPU per job) on a 2-CPU local cluster; jobs/s of each.

    .venv/bin/python benchmarks/ray_overhead.py [--jobs 50] [--throughput-jobs 16] [--work-s 1]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from joulebench.bench import fake_task
from joulebench.bench.executor import LocalExecutor
from joulebench.bench.ray_executor import RayExecutor
from joulebench.bench.ray_worker import probe_node, run_job
from joulebench.bench.runner import RunnerSettings, execute_job
from joulebench.bench.spec import JobSpec

SETTINGS = RunnerSettings(task_loader=fake_task.task_loader, rows_loader=fake_task.rows_loader)


def jobs(n: int, *, work_s: float = 0.0) -> list[JobSpec]:
    opts = {"sleep_s": work_s} if work_s else {}
    return [
        JobSpec(task="fake-task", model=f"fake/m{i}", dataset="words", n_queries=1,
                repetitions=1, warmup=0, options=opts)
        for i in range(n)
    ]  # fmt: skip


def gaps_s(run: object, todo: Sequence[JobSpec]) -> tuple[list[float], float]:
    """Seconds between consecutive records reaching the sink, and the whole run's wall."""
    stamps: list[float] = []
    t0 = time.perf_counter()
    run.run(todo, lambda r: stamps.append(time.perf_counter()))  # type: ignore[attr-defined]
    wall = time.perf_counter() - t0
    return [b - a for a, b in zip([t0, *stamps], stamps, strict=False)][1:], wall


def in_process_s(todo: Sequence[JobSpec]) -> list[float]:
    """Per job, one at a time: wall of execute_job in this process."""
    sensors = fake_task.fake_sensors()
    walls = []
    for job in todo:
        t0 = time.perf_counter()
        list(execute_job(job, sensors=sensors, settings=SETTINGS))
        walls.append(time.perf_counter() - t0)
    return walls


def round_trips_s(ray: Any, todo: Sequence[JobSpec]) -> list[float]:
    """Per job, one at a time: wall of a Ray round trip of the executor's worker function."""
    probe = ray.get(ray.remote(probe_node).remote(0.0, fake_task.fake_sensors))
    probes = ray.put({probe.node_id: probe})
    remote = ray.remote(run_job).options(num_cpus=1, max_retries=0)
    trips = []
    for job in todo:
        t0 = time.perf_counter()
        ray.get(remote.remote(job, start_repetition=0, attempt=0, probes=probes, carbon=None,
                              suite=None, settings=SETTINGS,
                              sensor_factory=fake_task.fake_sensors))  # fmt: skip
        trips.append(time.perf_counter() - t0)
    return trips


def ray_executor(cpus_per_job: float) -> RayExecutor:
    return RayExecutor(
        cpus_per_job=cpus_per_job, settings=SETTINGS, sensor_factory=fake_task.fake_sensors
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=50)
    p.add_argument("--throughput-jobs", type=int, default=16)
    p.add_argument("--work-s", type=float, default=1.0)
    args = p.parse_args(argv)

    # Local figures first: once ray is imported, the runner's per-job gc.collect() walks
    # Ray's heap too (about 100 ms a job here), which the CLI's local runs never pay.
    here = statistics.median(in_process_s(jobs(args.jobs)))
    local, local_wall = gaps_s(
        LocalExecutor(sensors=fake_task.fake_sensors(), settings=SETTINGS), jobs(args.jobs)
    )
    import ray

    temp = tempfile.mkdtemp(prefix="rj", dir="/tmp")
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=temp, configure_logging=False,
             log_to_driver=False)  # fmt: skip
    print(f"local Ray cluster (2 CPUs) started in {time.perf_counter() - t0:.1f} s")
    try:
        ray_executor(1).run(jobs(4), lambda r: None)  # warm the worker processes
        trip = statistics.median(round_trips_s(ray, jobs(args.jobs)))
        print(f"{args.jobs} tiny jobs, submitted and awaited one by one:")
        print(f"  in this process (no ray imported): median {here * 1e3:.1f} ms/job")
        print(f"  Ray round trip:                    median {trip * 1e3:.1f} ms/job")
        print(f"  scheduling overhead: {(trip - here) * 1e3:.1f} ms/job (median)")
        remote, remote_wall = gaps_s(ray_executor(2), jobs(args.jobs))
        lm, rm = statistics.median(local), statistics.median(remote)
        print(f"{args.jobs} tiny jobs through the executors (all submitted at once):")
        print(f"  local executor: median {lm * 1e3:.1f} ms/job (run {local_wall:.2f} s)")
        print(f"  ray executor:   median {rm * 1e3:.1f} ms/job (run {remote_wall:.2f} s, "
              "incl. per-node probe)")  # fmt: skip
        work = jobs(args.throughput_jobs, work_s=args.work_s)
        _, one = gaps_s(ray_executor(2), work)
        _, two = gaps_s(ray_executor(1), work)
        n = args.throughput_jobs
        print(f"{n} jobs of {args.work_s:g} s each (whole runs, incl. the per-node probe):")
        print(f"  1 worker:  {n / one:.2f} jobs/s ({one:.2f} s)")
        print(f"  2 workers: {n / two:.2f} jobs/s ({two:.2f} s), x{one / two:.2f}")
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
