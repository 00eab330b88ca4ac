"""FLOPs per query: torch's FlopCounterMode on one query, unmeasured, never fatal."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from joulebench.bench.flops import BASIS, count_query_flops
from joulebench.bench.records import STATUS_OK
from joulebench.bench.runner import RunnerSettings, execute_job
from joulebench.bench.spec import JobSpec
from joulebench.measure.fake import FakeSensor
from joulebench.measure.sensor import Domain
from joulebench.tasks.base import LoadedTask, PhaseHook, Prepared, QueryResult, no_phase

from .fakes import SPEC, rows_loader

torch = pytest.importorskip("torch")


class LinearRunner:
    """A fake task runner around one ``torch.nn.Linear(16, 8)``: 2 x 16 x 8 FLOPs a row."""

    spec = SPEC

    def __init__(self, fail: bool = False) -> None:
        self.layer = torch.nn.Linear(16, 8)
        self.fail = fail
        self.calls = 0

    def prepare(self, example: Any) -> Prepared:
        return Prepared(payload=torch.ones(len(str(example).split()), 16))

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        self.calls += 1
        if self.fail:
            raise RuntimeError("cannot trace this op")
        with torch.inference_mode():
            self.layer(prepared.payload)
        return QueryResult(output="ok", input_tokens=int(prepared.payload.shape[0]))


def _loader(runner: LinearRunner) -> Any:
    def load(source: Any, **_: Any) -> LoadedTask:
        return LoadedTask(runner=runner, parameters=16 * 8 + 8, model_label=source.label)

    return lambda name: SimpleNamespace(SPEC=SPEC, load=load)


def _job(**kw: Any) -> JobSpec:
    base: dict[str, Any] = dict(task="fake-task", model="fake/model", dataset="words",
                                n_queries=3, repetitions=2, warmup=1)
    base.update(kw)
    return JobSpec(**base)


def _sensor() -> FakeSensor:
    return FakeSensor("fake:0", power_w=50.0, domain=Domain.CPU_PACKAGE)


def test_linear_layer_count_is_exact() -> None:
    runner = LinearRunner()
    out = count_query_flops(runner, runner.prepare("a b c"))
    assert out["flops_per_query"] == 2 * 3 * 16 * 8  # addmm: 2 FLOPs per multiply-add
    assert out["flops_basis"] == BASIS and out["device"] == "cpu" and out["device_name"] is None
    assert "flops_skipped" not in out


def test_tiny_distilbert_close_to_two_flops_per_parameter_per_token(tmp_path: Path) -> None:
    from joulebench.models.tiny import tiny_source
    from joulebench.tasks import text_classification

    loaded = text_classification.load(tiny_source("distilbert-sst2", tmp_path))
    runner = loaded.runner
    prepared = runner.prepare("the quick brown fox jumps over the lazy dog " * 3)
    tokens = runner.run(prepared).input_tokens
    out = count_query_flops(runner, prepared)
    linear = sum(m.weight.numel() for m in runner.model.modules()
                 if isinstance(m, torch.nn.Linear))
    estimate = 2 * linear * tokens  # every linear layer on every token (the head: CLS only)
    assert out["flops_per_query"] > 0
    assert estimate / 2 < out["flops_per_query"] < estimate * 2


def test_counting_failure_is_recorded_not_raised() -> None:
    runner = LinearRunner(fail=True)
    out = count_query_flops(runner, runner.prepare("a b"))
    assert "flops_per_query" not in out
    assert out["flops_skipped"] == "counting failed: RuntimeError: cannot trace this op"


def test_no_torch_ops_or_no_torch_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    class Plain:
        def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> None:
            return None

    out = count_query_flops(Plain(), Prepared(None))
    assert out["flops_skipped"] == "no matmul, convolution or attention op was counted"
    monkeypatch.delitem(sys.modules, "torch")
    out = count_query_flops(Plain(), Prepared(None))
    assert out["flops_skipped"] == "torch is not loaded: the model does not run on torch"


def test_runner_puts_flops_in_every_record_outside_the_meter_windows() -> None:
    runner = LinearRunner()
    settings = RunnerSettings(task_loader=_loader(runner), rows_loader=rows_loader)
    records = list(execute_job(_job(), sensors=[_sensor()], settings=settings))
    assert [r.status for r in records] == [STATUS_OK, STATUS_OK]
    assert runner.calls == 1 + 3 + 3 * 2  # warm-up, 3 counted inputs, 2 x 3 measured
    for r in records:
        # each input is "word i more words": 4 rows of 16 into 8
        assert r.flops is not None and r.flops.per_query == 2.0 * 4 * 16 * 8
        assert str(r.flops.basis).startswith("torch FlopCounterMode, mean over 3 of")
        assert r.flops.input_tokens == 4
        assert r.extra["device"] == "cpu" and r.extra["device_name"] is None
        assert r.throughput is not None and r.throughput.calls == 3  # the counted query is in no repetition
    assert set(records[0].extra["load"]) == {"load", "warmup"}  # and in no setup phase


def test_runner_counting_failure_and_opt_out() -> None:
    runner = LinearRunner(fail=False)
    settings = RunnerSettings(task_loader=_loader(runner), rows_loader=rows_loader,
                              count_flops=False)
    (rec,) = execute_job(_job(repetitions=1), sensors=[_sensor()], settings=settings)
    assert rec.status == STATUS_OK and runner.calls == 1 + 3
    assert rec.flops is None and "device" not in rec.extra

    class FailsWhenCounted(LinearRunner):
        def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
            if self.calls == 1:  # the call after the one warm-up query
                self.calls += 1
                raise RuntimeError("boom")
            return super().run(prepared, phase)

    runner = FailsWhenCounted()
    settings = RunnerSettings(task_loader=_loader(runner), rows_loader=rows_loader)
    (rec,) = execute_job(_job(repetitions=1), sensors=[_sensor()], settings=settings)
    assert rec.status == STATUS_OK
    assert rec.flops is not None and rec.flops.skipped == "counting failed: RuntimeError: boom"
    assert rec.flops.per_query is None


def test_mean_over_a_sample_of_distinct_inputs() -> None:
    import torch

    from joulebench.bench.flops import count_mean_flops

    class Sized:
        def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> None:
            n = prepared.payload
            torch.mm(torch.ones(n, 8), torch.ones(8, 8))  # 2 * n * 8 * 8 FLOPs

    inputs = [Prepared(n) for n in (1, 2, 3, 4, 5, 6, 7, 8)]
    queried = inputs * 3  # cycled: repeats are the same objects
    out = count_mean_flops(Sized(), queried, sample=4)
    # evenly spaced picks of the 8 distinct inputs: indices 0, 2, 4, 6 -> n = 1, 3, 5, 7
    assert out["flops_per_query"] == pytest.approx(2 * 8 * 8 * (1 + 3 + 5 + 7) / 4)
    assert "mean over 4 of the job's 8 distinct inputs" in out["flops_basis"]
    all_of_them = count_mean_flops(Sized(), inputs[:3], sample=4)
    assert all_of_them["flops_per_query"] == pytest.approx(2 * 8 * 8 * 2)
