"""`joulebench sweep`: axes, the Pareto front, the answer under limits, power limits restored."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from joulebench.analysis.sweep import SweepPoint, best_point, pareto_front, verdict
from joulebench.cli.main import main
from joulebench.errors import UsageError
from joulebench.measure.fake_devices import FakeGpu, FakeNvml
from joulebench.measure.power_limit import PowerLimit, check_limits


def point(label: str, energy: float, p50: float, quality: float | None = None) -> SweepPoint:
    q = None if quality is None else ("accuracy", quality, quality - 0.02, quality + 0.02)
    return SweepPoint({"batch_size": label}, 3, energy, None, {"p50": p50, "p90": p50 * 1.5}, q, False)


def test_front_best_and_verdict() -> None:
    b1, b4, b16, slow = point("1", 1.0, 10), point("4", 0.5, 14), point("16", 0.2, 40), point("x", 1.2, 50)
    pts = [b1, b4, b16, slow]
    assert pareto_front(pts) == [b16, b4, b1]  # slow is beaten on both
    assert best_point(pts) is b16
    assert best_point(pts, latency_ms=20) is b4  # the limit changes the answer
    assert best_point(pts, latency_ms=20, stat="p90") is b1  # p90: 15, 21, 60, 75
    assert best_point(pts, latency_ms=5) is None
    assert verdict(pts, b16) == "batch 16 uses 0.2x the energy per query of batch 1 at 4x the p50 latency"
    assert "no point meets p50 latency <= 5 ms" in verdict(pts, None, latency_ms=5)


def test_quality_floor_and_unchanged_quality() -> None:
    a, b = point("1", 1.0, 10, quality=0.90), point("16", 0.3, 30, quality=0.89)
    c = point("32", 0.1, 60, quality=0.70)
    assert best_point([a, b, c], min_quality=0.85) is b
    assert verdict([a, b, c], b).endswith("accuracy unchanged within its interval (0.89 vs 0.9)")


def _args(**kw: object) -> argparse.Namespace:
    from joulebench.cli.sweep_cmd import AXES

    base = {f"axis_{k}": None for k in AXES} | {"option": []}
    return argparse.Namespace(**(base | kw))


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({}, "a sweep needs at least one axis"),
        ({"axis_batch_size": "1,,4"}, "an empty value in the axis"),
        ({"axis_batch_size": "1,4,1"}, "duplicate point 1"),
        ({"axis_dtype": ""}, "an empty value in the axis"),
        ({"axis_threads": "one"}, "not a list of int values"),
        ({"option": ["steps"]}, "expected KEY=V1,V2"),
    ],
)
def test_bad_axes(kw: dict[str, object], message: str) -> None:
    from joulebench.cli.sweep_cmd import parse_axes

    with pytest.raises(UsageError, match=message):
        parse_axes(_args(**kw))


def test_power_limit_is_restored_on_error_and_checked_first() -> None:
    gpu = FakeGpu(power_limit_mw=700_000, power_limit_range_mw=(200_000, 700_000))
    nvml = FakeNvml([gpu])
    with pytest.raises(UsageError, match="GPU 0 allows 200 to 700 W"):
        check_limits(nvml, [0], [150, 300])
    assert gpu.power_limit_mw == 700_000  # nothing changed by the check
    with pytest.raises(RuntimeError), PowerLimit(nvml, [0], 300):
        assert gpu.power_limit_mw == 300_000
        raise RuntimeError("the job crashed")
    assert gpu.power_limit_mw == 700_000 and nvml.init_count == 0
    gpu.power_limit_settable = False
    denied = pytest.raises(UsageError, match="permission denied setting the GPU power limit")
    with denied, PowerLimit(nvml, [0], 300):
        pass
    assert gpu.power_limit_mw == 700_000


def test_power_limit_needs_a_cuda_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main([
        "--db", str(tmp_path / "s.db"), "sweep", "--task", "text-classification",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
        "--dataset", "offline:text", "--power-limit-w", "200,300", "--device", "cpu",
    ])  # fmt: skip
    assert rc == 2
    assert "--power-limit-w applies to NVIDIA GPUs" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()


@pytest.mark.slow
def test_sweep_end_to_end_names_the_best_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    argv = [
        "--db", str(tmp_path / "s.db"), "sweep", "--task", "text-classification",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
        "--dataset", "offline:text", "--batch-size", "1,4", "-n", "8", "-r", "2",
        "--idle-s", "0", "--no-progress",
    ]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "batch 1" in out and "batch 4" in out and "best" in out
    assert "uses" in out.splitlines()[-1] or "uses the least energy" in out
    assert main([*argv, "--resume", "--latency-ms", "0.001"]) == 0  # nothing reruns
    out = capsys.readouterr().out
    assert "no point meets p50 latency <= 0.001 ms" in out
