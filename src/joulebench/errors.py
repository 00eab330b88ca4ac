"""The one exception hierarchy of joulebench.

Foreign errors (NVML, sysfs, SQLite, Hugging Face, Ray) are translated into these at the
module boundary that meets them, always with ``raise ... from exc``.

::

    JoulebenchError            base; ``hint`` tells the user what to do
    +-- UsageError             bad input from the user: names, values, files, arguments
    +-- SensorError            a sensor cannot be opened or read
    |   +-- SensorPermissionError  it exists but we may not read it (hint: how to grant)
    +-- StoreError             the results store cannot be opened, read or written
    |   +-- SchemaVersionError     the store was written by another schema version
    +-- DataError              a dataset, column, row or image cannot be used
    +-- ModelError             a model cannot be found, loaded or run for a task
    +-- ExecutorError          a job could not be scheduled or its worker died
    +-- EndpointError          a serving endpoint cannot be reached or answers wrongly

The CLI prints ``str(error)`` (one line) and the hint, and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Iterable


class JoulebenchError(Exception):
    """Base class. ``hint`` is an optional second line telling the user what to do."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class UsageError(JoulebenchError):
    exit_code = 2


class SensorError(JoulebenchError):
    pass


class SensorPermissionError(SensorError):
    pass


class StoreError(JoulebenchError):
    pass


class SchemaVersionError(StoreError):
    pass


class DataError(JoulebenchError):
    pass


class ModelError(JoulebenchError):
    pass


class ExecutorError(JoulebenchError):
    pass


class EndpointError(JoulebenchError):
    pass


def closest(name: str, choices: Iterable[str], n: int = 3) -> str:
    """A ' (did you mean: a, b?)' suffix for an unknown ``name``, or '' when none is close."""
    import difflib

    matches = difflib.get_close_matches(name, list(choices), n=n, cutoff=0.5)
    if not matches:
        lowered = name.lower()
        matches = [c for c in choices if lowered in c.lower()][:n]
    return f" (did you mean: {', '.join(matches)}?)" if matches else ""
