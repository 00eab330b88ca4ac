"""The progress display of ``joulebench run``: two live lines that fit the terminal.

``all jobs`` counts the run in *estimated seconds* (each job's dry-run prior), and its
ETA is calibrated: remaining prior seconds x (time spent so far / prior seconds done),
so it settles as jobs finish instead of swinging with each job's speed. The second line
is the current job with its **stage** (loading inputs, loading the model, warming up,
counting FLOPs, repetition r/R), so the clock keeps moving while a model loads. Notes
(e.g. "-n is larger than the dataset") print above the bars. Drawn by ``rich`` on
stderr at the terminal's width; with ``--no-progress`` nothing live is drawn, notes
still print.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

from ..bench.spec import JobSpec


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class TerminalProgress:
    """Implements :class:`~joulebench.bench.executor.Progress` with ``rich``."""

    def __init__(self, *, live: bool = True, console: Any = None) -> None:
        from rich.console import Console

        self._console = console or Console(stderr=True, highlight=False, markup=False)
        self._live = live
        self._progress: Any = None
        self._all: Any = None
        self._job: Any = None
        self._t0 = time.monotonic()
        self._weights: list[float] = []
        self._prior_total = 0.0
        self._prior_done = 0.0
        self._weight = 1.0
        self._desc = ""

    # ------------------------------------------------------------------ Progress
    def start(
        self, total_queries: int, n_jobs: int, jobs: Sequence[tuple[JobSpec, int]] = ()
    ) -> None:
        from ..bench.estimate import estimate_job, guess_device

        self._n_jobs = n_jobs
        self._weights = [
            estimate_job(j, guess_device(j.device)).seconds / max(1, j.n_queries * j.repetitions)
            for j, _ in jobs
        ]
        self._prior_total = sum(w * q for w, (_, q) in zip(self._weights, jobs, strict=True))
        self._prior_total = self._prior_total or float(total_queries)
        self._t0 = time.monotonic()
        if not self._live:
            return
        from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn
        from rich.text import Text

        owner = self

        class Status(ProgressColumn):  # drawn 10 times a second: the clock never freezes
            def render(self, task: Any) -> Text:
                if task.id == owner._all:
                    elapsed = time.monotonic() - owner._t0
                    return Text(f"{_clock(elapsed)} elapsed, ETA {_clock(owner.eta_s())}")
                return Text(f"{task.fields.get('status', '')} {_clock(task.elapsed)}")

        self._progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=None),
            Status(),
            console=self._console, transient=True, expand=True,
            redirect_stdout=False, redirect_stderr=False,
        )  # fmt: skip
        self._progress.start()
        self._all = self._progress.add_task("all jobs", total=self._prior_total, status="")

    def job(self, index: int, job: JobSpec, queries: int) -> None:
        self._weight = self._weights[index] if index < len(self._weights) else 1.0
        self._desc = f"[{index + 1}/{self._n_jobs}] {job.task} {job.model}"
        if self._progress is None:
            return
        if self._job is not None:
            self._progress.remove_task(self._job)
        self._job = self._progress.add_task(
            self._short(self._desc), total=max(1, queries), status="starting"
        )

    def stage(self, text: str) -> None:
        """What the current job is doing (loading the model, warming up, repetition r/R)."""
        if self._progress is not None and self._job is not None:
            self._progress.update(self._job, status=text)

    def note(self, text: str) -> None:
        """One line above the bars (or alone without them)."""
        self._console.print(text, soft_wrap=False, overflow="fold")

    def advance(self, n: int) -> None:
        self._prior_done += n * self._weight
        if self._progress is not None:
            if self._job is not None:
                self._progress.advance(self._job, n)
            self._progress.update(self._all, completed=self._prior_done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress = self._all = self._job = None

    # ------------------------------------------------------------------- helpers
    def eta_s(self) -> float | None:
        """Calibrated time left: remaining prior seconds x (elapsed / prior seconds done)."""
        if self._prior_done <= 0:
            return None
        elapsed = time.monotonic() - self._t0
        return (self._prior_total - self._prior_done) * elapsed / self._prior_done

    def _short(self, text: str) -> str:
        room = max(20, self._console.width // 2)
        return text if len(text) <= room else text[: room - 1] + "…"



def progress_for(args: Any) -> TerminalProgress:
    """The run's progress: live bars on a terminal unless ``--no-progress``."""
    live = not getattr(args, "no_progress", False) and sys.stderr.isatty()
    return TerminalProgress(live=live)
