"""Endpoint figures from literal records: J/token, steady window, attribution, Pareto front,
the ITL deadline; and the record's round trip through the SQLite store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from joulebench.analysis.endpoint import (
    attributed_energy_j,
    best_under_itl_deadline,
    endpoint_points,
    pareto_front,
    summarize_endpoint,
    tokens_in_window,
)
from joulebench.carbon.context import CarbonContext
from joulebench.measure.results import ComponentEnergy, Measurement, PhaseResult
from joulebench.measure.sensor import Domain, Method
from joulebench.report.endpoint_view import endpoint_summaries, markdown, section_html, text_table
from joulebench.serve.point import PointOutcome
from joulebench.serve.record import KIND_ENDPOINT, endpoint_record
from joulebench.serve.results import EndpointPoint, RequestResult, ServerInfo, SteadyWindow
from joulebench.store import Store


def req(i: int, start: float, dur: float, tokens: int = 4, ttft: float = 0.1,
        gap_us: int = 100_000, error: str | None = None) -> RequestResult:
    if error:
        return RequestResult(index=i, start_s=start, duration_s=dur, error_kind=error, error="boom")
    return RequestResult(index=i, start_s=start, duration_s=dur, ttft_s=ttft,
                         itl_us=(gap_us,) * (tokens - 1), chunks=tokens, input_tokens=5,
                         output_tokens=tokens, finish_reason="length")


def comp(energy: float, net: float | None = None) -> ComponentEnergy:
    return ComponentEnergy("nvml:0", Domain.GPU, "0", Method.COUNTER, "whole GPU 0", energy,
                           idle_power_w=None if net is None else 1.0, net_energy_j=net)


def point(requests: tuple[RequestResult, ...], concurrency: int = 2, **kw: object) -> EndpointPoint:
    return EndpointPoint(url="http://h:8000/v1", model="m", api="chat", concurrency=concurrency,
                         rate_per_s=None, n_requests=len(requests), max_tokens=4, ignore_eos=False,
                         seed=0, warmup=0, duration_s=max(r.end_s for r in requests),
                         requests=requests, server=ServerInfo(models=("m",)),
                         **{"energy_mode": "local", "energy_note": "test", **kw})  # type: ignore[arg-type]


def record(p: EndpointPoint, energy: float | None, steady_energy: float | None = None) -> object:
    m = None
    if energy is not None:
        phases = ()
        if steady_energy is not None:
            phases = (PhaseResult("steady", "steady", 1.0, (comp(steady_energy),)),)
        m = Measurement(started_at="2026-01-01T00:00:00+00:00", duration_s=p.duration_s,
                        components=(comp(energy, energy - 10.0),), phases=phases)
    return endpoint_record(PointOutcome(p, m, "ok"), config={"url": p.url}, dataset="offline:text",
                           fingerprint="sha256:x", environment={},
                           carbon=CarbonContext(intensity_g_per_kwh=400.0, source="user"))


def test_attribution_shares_energy_by_time_in_flight() -> None:
    rs = [req(0, 0.0, 2.0), req(1, 1.0, 2.0)]  # overlap on [1, 2]
    shares = attributed_energy_j(rs, 30.0)  # busy 3 s: 10 J/s
    assert shares == pytest.approx([15.0, 15.0])
    assert sum(attributed_energy_j([req(0, 0.0, 1.0), req(1, 5.0, 3.0)], 8.0)) == pytest.approx(8.0)


def test_tokens_in_window_weights_packed_chunks() -> None:
    r = replace(req(0, 0.0, 1.0, tokens=4), output_tokens=8)  # two tokens per event
    # events at 0.1, 0.2, 0.3, 0.4
    assert tokens_in_window([r], 0.15, 0.35) == pytest.approx(4.0)


def test_summary_figures() -> None:
    rs = (*(req(i, 0.5 * i, 1.0) for i in range(4)), req(4, 0.2, 0.1, error="http-500"))
    p = point(rs, steady=SteadyWindow(0.0, 1.25), client_energy_j=2.0, client_energy_steady_j=1.0)
    rec = record(p, 42.0, steady_energy=13.0)
    s = summarize_endpoint(rec, p)
    assert (s.n_ok, s.n_failed, s.output_tokens) == (4, 1, 16)
    assert s.server_energy_j == pytest.approx(40.0)  # the client's 2 J kept out
    assert s.server_net_energy_j == pytest.approx(30.0)
    assert s.j_per_token == pytest.approx(40.0 / 16)
    assert s.wh_per_1000_requests == pytest.approx(40.0 / 4 * 1000 / 3600)
    assert s.steady_tokens == pytest.approx(10.0)  # events up to 1.25 s: 4 + 4 + 2
    assert s.steady_j_per_token == pytest.approx((13.0 - 1.0) / 10.0)
    assert s.headline_window == "steady"
    assert s.ttft_ms.p50 == pytest.approx(100.0) and s.itl_ms.p99 == pytest.approx(100.0)
    assert s.j_per_response is not None and s.j_per_response_mean is not None
    assert s.emissions_g_per_1000_requests == pytest.approx(40.0 / 3.6e6 * 400 / 4 * 1000)


def test_not_measured_is_none_not_zero() -> None:
    p = point((req(0, 0.0, 1.0),), energy_mode="none")
    s = summarize_endpoint(record(p, None), p)
    assert s.server_energy_j is None and s.j_per_token is None and s.wh_per_1000_requests is None
    assert "not measured" in text_table([s])


def _summary(c: int, j: float, itl_us: int) -> object:
    p = point(tuple(req(i, 0.0, 1.0, gap_us=itl_us) for i in range(2)), concurrency=c)
    return summarize_endpoint(record(p, j * 8), p)


def test_pareto_front_and_deadline() -> None:
    a, b, c, d = _summary(1, 3.0, 10_000), _summary(8, 1.0, 20_000), _summary(64, 0.4, 50_000), \
        _summary(16, 1.5, 30_000)  # d is dominated by b
    front = pareto_front([d, c, b, a])
    assert [s.concurrency for s in front] == [1, 8, 64]
    assert best_under_itl_deadline([a, b, c, d], 25.0).concurrency == 8
    assert best_under_itl_deadline([a, b, c, d], 5.0) is None
    table = text_table([a, b, c, d], itl_deadline_ms=25.0)
    assert "Pareto front (J/token vs median ITL): c=1, c=8, c=64" in table
    assert "lowest energy with median ITL <= 25 ms: c=8" in table


def test_round_trip_through_the_store(tmp_path) -> None:
    rs = (req(0, 0.0, 1.0), req(1, 0.2, 0.3, error="disconnected"))
    p = point(rs, steady=SteadyWindow(0.1, 0.9), flags=("a flag",), partial=True,
              partial_reason="the server stopped answering")
    rec = record(p, 5.0, steady_energy=2.0)
    with Store.open(tmp_path / "e.db") as store:
        store.write_run(rec)
        (back,) = store.runs(kind=KIND_ENDPOINT)
    ((_, decoded),) = endpoint_points([back])
    assert decoded == p
    assert back.measurement.phase("steady").energy_j == 2.0
    assert back.units == {"requests": 1, "requests_failed": 1, "output_tokens": 4, "input_tokens": 5}
    html = section_html([back], itl_deadline_ms=200.0)
    assert 'id="endpoints"' in html and "<svg" in html and "c=2" in html
    assert "Serving endpoints" in markdown(endpoint_summaries([back]))
    assert section_html([]) == ""
