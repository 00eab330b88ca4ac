"""What ``joulebench run`` checks before it measures anything or creates a store.

:func:`preflight` refuses, in one line: an extra the chosen jobs need that is not
installed (``the hf extra is not installed: pip install 'joulebench[hf]'``), and any
dataset spec :func:`~joulebench.data.check.check_dataset` refuses (a typo in an
offline sample's name, a missing file, a column the file lacks, an option that does not
apply, a Hub dataset that cannot be had offline). A dry run checks the specs only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .extras import Need, require


def needs(jobs: Sequence[Any], executor: str = "local") -> Iterator[Need]:
    """The extras ``jobs`` need: the built-in tasks need ``hf``; plugin tasks only what
    their datasets need (``datasets`` for Hub ids and folders, pyarrow for Parquet ...)."""
    from ..data.sources import DATA_FOLDER, FILE, GLOB, HUB, IMAGE_FOLDER, OFFLINE, kind_of
    from ..tasks.catalog import TASK_MODULES, get_task

    if executor == "ray":
        yield Need("ray", "--executor ray")
    for job in jobs:
        if job.task in TASK_MODULES:
            yield Need("hf", f"task {job.task}")
            continue
        kind = kind_of(job.dataset, get_task(job.task).SPEC)
        why = f"dataset {job.dataset}"
        if kind in (HUB, DATA_FOLDER, GLOB):
            yield Need("hf", why, ("datasets",))
        elif kind == FILE and job.dataset.lower().endswith(".parquet"):
            yield Need("parquet", why)
        elif kind == IMAGE_FOLDER or job.dataset == "offline:photos":
            yield Need("hf", why, ("PIL", "skimage") if kind == OFFLINE else ("PIL",))
        elif job.dataset == "offline:audio":
            yield Need("hf", why, ("numpy",))


def preflight(jobs: Sequence[Any], *, executor: str = "local", dry_run: bool = False) -> None:
    """Refuse now what would fail later (see the module docstring)."""
    from ..data.check import check_dataset
    from ..tasks.catalog import get_task

    if not dry_run:
        require(needs(jobs, executor))
    seen: set[tuple[Any, ...]] = set()
    for job in jobs:
        key = (job.task, job.dataset, job.column, job.split, job.config,
               getattr(job, "data_files", None))
        if key in seen:
            continue
        seen.add(key)
        check_dataset(job.dataset, get_task(job.task).SPEC, column=job.column, split=job.split,
                      config=job.config, data_files=getattr(job, "data_files", None),
                      available=not dry_run)
