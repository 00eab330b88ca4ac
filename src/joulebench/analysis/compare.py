"""Two sets of runs side by side: energy per 1,000 queries, ratio, and whether the
difference exceeds run-to-run noise.

The noise test is **Welch's unequal-variance t-test**, two-sided, at the 5% level
(:func:`~joulebench.stats.welch`). With fewer than two runs on either side
there is no test (``significant`` is ``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..stats import Summary, WelchTest, summarize, welch


@dataclass(frozen=True)
class Comparison:
    """``a`` and ``b`` are summaries in J per 1,000 queries; ``ratio_b_over_a`` of means."""

    a: Summary
    b: Summary
    ratio_b_over_a: float | None  # None when a's mean is 0
    test: WelchTest | None
    significant: bool | None


def compare_values(
    a_j_per_1000_queries: Sequence[float], b_j_per_1000_queries: Sequence[float]
) -> Comparison:
    """Compare two samples of per-run energy per 1,000 queries (J); each non-empty."""
    sa, sb = summarize(a_j_per_1000_queries), summarize(b_j_per_1000_queries)
    test = welch(a_j_per_1000_queries, b_j_per_1000_queries)
    ratio = None if sa.mean == 0 else sb.mean / sa.mean
    return Comparison(sa, sb, ratio, test, None if test is None else test.significant)


# --- pairing runs by task and dataset ---------------------------------------------------


@dataclass(frozen=True)
class PairedComparison:
    """One (task, dataset) present on both sides, compared; ``notes`` say what differs."""

    task: str | None
    dataset: str | None
    comparison: Comparison
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pairing:
    pairs: tuple[PairedComparison, ...]
    only_a: tuple[tuple[str | None, str | None], ...]  # (task, dataset) on A's side only
    only_b: tuple[tuple[str | None, str | None], ...]
    tasks_a: tuple[str, ...]
    tasks_b: tuple[str, ...]


def _hardware(record: object) -> str:
    env = getattr(record, "environment", {}) or {}
    cpu = (env.get("cpu") or {}).get("model") or "?"
    gpus = sorted({str(g.get("name")) for g in env.get("gpus") or [] if isinstance(g, dict)})
    device = getattr(record, "config", {}).get("device") or ""
    return f"{cpu}" + (f" + {', '.join(gpus)}" if gpus else "") + (f" ({device})" if device else "")


def _scope(record: object) -> str:
    m = getattr(record, "measurement", None)
    return getattr(m, "scope", "machine") if m is not None else "?"


def _differences(a: Sequence[object], b: Sequence[object]) -> tuple[str, ...]:
    notes = []
    for what, of in (("hardware", _hardware), ("scope", _scope)):
        va, vb = sorted({of(r) for r in a}), sorted({of(r) for r in b})
        if va != vb:
            notes.append(f"different {what}: A {'; '.join(va)} vs B {'; '.join(vb)}")
    return tuple(notes)


def pair_runs(
    a: Sequence[object],
    b: Sequence[object],
    value: Callable[[object], float | None],
) -> Pairing:
    """Compare per (task, dataset) cell present on both sides, never pooled across cells.

    ``value`` gives a run's figure (e.g. J per 1,000 queries), None for an unusable run.
    Each pair notes a difference of hardware or measurement scope between its sides.
    """

    def cells(records: Sequence[object]) -> dict[tuple[str | None, str | None], list[object]]:
        out: dict[tuple[str | None, str | None], list[object]] = {}
        for r in records:
            if value(r) is not None:
                key = (getattr(r, "task", None), getattr(r, "dataset", None))
                out.setdefault(key, []).append(r)
        return out

    ca, cb = cells(a), cells(b)
    pairs = []
    for key in sorted(set(ca) & set(cb), key=lambda k: (k[0] or "", k[1] or "")):
        va = [v for v in (value(r) for r in ca[key]) if v is not None]
        vb = [v for v in (value(r) for r in cb[key]) if v is not None]
        pairs.append(
            PairedComparison(key[0], key[1], compare_values(va, vb), _differences(ca[key], cb[key]))
        )

    def tasks(c: dict[tuple[str | None, str | None], list[object]]) -> tuple[str, ...]:
        return tuple(sorted({k[0] or "(no task)" for k in c}))

    def keyed(keys: set[tuple[str | None, str | None]]) -> tuple[tuple[str | None, str | None], ...]:
        return tuple(sorted(keys, key=lambda k: (k[0] or "", k[1] or "")))

    return Pairing(
        tuple(pairs), keyed(set(ca) - set(cb)), keyed(set(cb) - set(ca)), tasks(ca), tasks(cb)
    )
