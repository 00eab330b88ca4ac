"""The results store (SQLite) and its exports.

``Store.open(path)`` -> :class:`Store` with ``write_run``/``write_runs`` (idempotent by
``run_id``), ``get_run``, ``runs(...)``, ``has_run``, ``completed_repetitions``,
``count_runs``. Exports (CSV, Parquet, CodeCarbon CSV) live in :mod:`.export`.
"""

from __future__ import annotations

from .schema import SCHEMA_VERSION
from .sqlite import Store

__all__ = ["SCHEMA_VERSION", "Store"]
