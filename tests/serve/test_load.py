"""The load plan, Poisson arrivals and the steady-state window's edges."""

from __future__ import annotations

import asyncio

import pytest

from joulebench.errors import UsageError
from joulebench.serve.load import LoadPlan, SteadyTracker, arrival_offsets_s, run_load
from joulebench.serve.results import RequestResult


def test_arrivals_are_seeded_poisson() -> None:
    a = arrival_offsets_s(LoadPlan(2000, None, 50.0, seed=7))
    assert a == arrival_offsets_s(LoadPlan(2000, None, 50.0, seed=7))
    assert a != arrival_offsets_s(LoadPlan(2000, None, 50.0, seed=8))
    assert a[0] == 0.0 and a == sorted(a)
    mean_gap = a[-1] / (len(a) - 1)
    assert mean_gap == pytest.approx(1 / 50.0, rel=0.1)
    assert arrival_offsets_s(LoadPlan(3, 2)) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("kw", [dict(n_requests=0), dict(n_requests=5, concurrency=0),
                                dict(n_requests=5, concurrency=-2),
                                dict(n_requests=5, rate_per_s=-1.0),
                                dict(n_requests=5, concurrency=None)])
def test_bad_plans(kw: dict) -> None:
    with pytest.raises(UsageError):
        LoadPlan(**kw)


def test_steady_edges_fire_once_at_the_definition() -> None:
    events: list[str] = []
    t = iter(range(100))
    tr = SteadyTracker(10, 3, on_begin=lambda: events.append("begin"),
                       on_end=lambda: events.append("end"), clock=lambda: float(next(t)))
    tr.first_token()
    tr.first_token()
    assert events == []
    tr.first_token()  # 3 = C requests had a first token
    assert events == ["begin"] and tr.active
    for _ in range(5):
        tr.finish()
    assert events == ["begin"]
    tr.finish()  # 6 = N - C - 1 finished
    assert events == ["begin", "end"] and tr.note is None
    tr.finish()
    tr.first_token()
    assert events == ["begin", "end"]


@pytest.mark.parametrize("n, c, why", [(4, 3, "it needs more than 4"), (5, None, "rate only")])
def test_no_steady_window(n: int, c: int | None, why: str) -> None:
    tr = SteadyTracker(n, c, on_begin=lambda: None, on_end=lambda: None)
    assert why in (tr.note or "")


def test_a_window_that_never_closed_is_none() -> None:
    tr = SteadyTracker(20, 2, on_begin=lambda: None, on_end=lambda: None)
    tr.first_token()
    tr.first_token()
    tr.close()
    assert "ended before it closed" in (tr.note or "")


def test_run_load_respects_the_cap_and_stop() -> None:
    in_flight = peak = 0
    stop = asyncio.Event()

    async def send(i: int) -> RequestResult:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        if i == 11:
            stop.set()
        return RequestResult(index=i, start_s=0.0, duration_s=0.001)

    results = asyncio.run(run_load(LoadPlan(50, 4), send, stop=stop))
    assert peak == 4
    assert [r.index for r in results] == list(range(len(results)))
    assert 12 <= len(results) < 50
