"""``run_batch`` gives, for each input, what ``run`` gives for it alone (tiny models)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from joulebench.bench.runner import RunnerSettings, execute_job, validate_job  # noqa: E402
from joulebench.bench.spec import JobSpec  # noqa: E402
from joulebench.errors import UsageError  # noqa: E402
from joulebench.models.tiny import tiny_source  # noqa: E402
from joulebench.tasks.base import LoadedTask, QueryResult  # noqa: E402
from joulebench.tasks.catalog import get_task  # noqa: E402

TEXTS = [
    "what a lovely film",
    "John lives in Paris with Mary and a cat, and Anna works in Berlin near the old river bank",
    "no",
]
LONG = [" ".join(f"w{j}ord{i}" for i in range(n)) for j, n in enumerate((30, 7, 22))]
QAS = [
    {"question": "Where does John live", "context": "John lives in Paris with Mary and a cat."},
    {"question": "Who", "context": "Anna works in Berlin near the old river bank, most days."},
    {"question": "What does the quick brown fox jump over today", "context": "The lazy dog."},
]

CASES = [
    ("text-classification", "distilbert-sst2", TEXTS),
    ("token-classification", "bert-ner", TEXTS),
    ("fill-mask", "distilbert-mlm", LONG),
    ("question-answering", "distilbert-squad", QAS),
    ("text-generation", "gpt2", LONG),
    ("text-generation", "bloomz", LONG),
    ("summarization", "bart", LONG),
    ("text-classification", "flan-t5", TEXTS),
    ("text-classification", "bloomz", TEXTS),
    ("question-answering", "flan-t5", QAS),
    ("question-answering", "bloomz", QAS),
    ("summarization", "flan-t5", LONG),
    ("summarization", "bloomz", LONG),
]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("jb-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOULEBENCH_CACHE", str(cache))
        yield tmp_path_factory.mktemp("tiny")


def _close(a: Any, b: Any) -> bool:
    """Equal, except scores, which may differ by float noise from padding."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(
            abs(a[k] - b[k]) < 1e-4 if k == "score" else _close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _assert_same(batch: list[QueryResult], single: list[QueryResult]) -> None:
    assert len(batch) == len(single)
    for b, s in zip(batch, single, strict=True):
        assert _close(b.output, s.output), (b.output, s.output)
        assert (b.input_tokens, b.output_tokens, b.input_images, b.output_images) == (
            s.input_tokens, s.output_tokens, s.input_images, s.output_images)
        json.dumps(b.output)


@pytest.mark.parametrize(("task", "tiny", "examples"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_batch_equals_one_at_a_time(task: str, tiny: str, examples: list[Any],
                                    tiny_dir: Path) -> None:
    loaded: LoadedTask = get_task(task).load(tiny_source(tiny, tiny_dir))
    runner = loaded.runner
    prepared = [runner.prepare(e) for e in examples]
    single = [runner.run(p) for p in prepared]
    assert len({s.input_tokens for s in single}) > 1  # the batch really pads
    _assert_same(runner.run_batch(prepared), single)  # type: ignore[attr-defined]
    _assert_same(runner.run_batch(prepared[1:2]), single[1:2])  # type: ignore[attr-defined]


@pytest.mark.parametrize(("task", "tiny"), [("text-generation", "gpt2"),
                                            ("text-classification", "bloomz")])
def test_rows_that_stop_early_stop_where_one_query_would(task: str, tiny: str,
                                                         tiny_dir: Path) -> None:
    """Make a token the middle row generates the end-of-sequence token: its output ends
    there, in the batch as alone, while the other rows go on."""
    loaded = get_task(task).load(tiny_source(tiny, tiny_dir))
    runner: Any = loaded.runner
    examples = LONG if task == "text-generation" else TEXTS
    prepared = [runner.prepare(e) for e in examples]
    text = runner.run(prepared[1]).output.popitem()[1]
    stop = runner.tokenizer(text, add_special_tokens=False)["input_ids"][0]
    loaded.model.generation_config.eos_token_id = stop
    if task == "text-generation":
        runner.eos = {stop}
    single = [runner.run(p) for p in prepared]
    assert single[1].output_tokens < max(s.output_tokens for s in single)
    _assert_same(runner.run_batch(prepared), single)


def test_image_classification_batch(tmp_path: Path) -> None:
    from joulebench.data.images import offline_photos
    from joulebench.models.source import ModelSource

    vit = {"model_type": "vit", "architectures": ["ViTForImageClassification"], "hidden_size": 32,
           "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
           "image_size": 32, "patch_size": 8, "num_labels": 5}
    processor = {"image_processor_type": "ViTImageProcessor", "do_resize": True,
                 "size": {"height": 32, "width": 32}, "do_normalize": True,
                 "image_mean": [0.5] * 3, "image_std": [0.5] * 3}
    (tmp_path / "config.json").write_text(json.dumps(vit))
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(processor))
    source = ModelSource(spec="random:tiny", kind="random", name="tiny", path=tmp_path)
    loaded = get_task("image-classification").load(source)
    runner: Any = loaded.runner
    prepared = [runner.prepare(p) for p in offline_photos(3)]
    phases: list[str] = []

    def hook(name: str) -> Any:
        phases.append(name)
        return contextlib.nullcontext()

    _assert_same(runner.run_batch(prepared, hook), [runner.run(p) for p in prepared])
    assert phases == ["preprocess", "forward"]


def test_generation_batch_keeps_prefill_and_decode(tiny_dir: Path) -> None:
    runner: Any = get_task("text-generation").load(tiny_source("gpt2", tiny_dir)).runner
    phases: list[str] = []

    def hook(name: str) -> Any:
        phases.append(name)
        return contextlib.nullcontext()

    runner.run_batch([runner.prepare(t) for t in LONG], hook)
    assert phases == ["prefill", "decode"]


def _job(**kw: Any) -> JobSpec:
    base: dict[str, Any] = {"task": "text-classification", "dataset": "rows", "n_queries": 10,
                            "repetitions": 2, "warmup": 1,
                            "model": "random:distilbert-base-uncased-finetuned-sst-2-english"}
    return JobSpec(**{**base, **kw})


def test_runner_batches_queries_and_counts_each(tiny_dir: Path) -> None:
    module = get_task("text-classification")
    source = tiny_source("distilbert-sst2", tiny_dir)
    loads: list[LoadedTask] = []

    def load(_source: Any, **kw: Any) -> LoadedTask:
        loads.append(module.load(source, **kw))
        return loads[-1]

    settings = RunnerSettings(
        task_loader=lambda _name: SimpleNamespace(SPEC=module.SPEC, load=load),
        rows_loader=lambda *_a, **_k: SimpleNamespace(name="rows", rows=TEXTS, fingerprint="fp",
                                                      source="test", licence="CC0"))
    job = _job(batch_size=4)
    validate_job(job, settings)
    records = list(execute_job(job, sensors=[], settings=settings))
    assert [r.status for r in records] == ["ok", "ok"], records[0].error
    runner: Any = loads[0].runner
    tokens = sum(runner.run(runner.prepare(TEXTS[i % 3])).input_tokens for i in range(10))
    for rec in records:
        assert rec.n_queries == 10 and rec.config["batch_size"] == 4
        t = rec.throughput
        assert t is not None and t.calls == 3  # 4 + 4 + 2
        assert rec.units["input_tokens"] == tokens
        assert t.total_s is not None and t.max_ms is not None
        per_query_ms = t.total_s * 1e3 / 10
        assert t.mean_ms == pytest.approx(per_query_ms, rel=0.35)
        assert t.max_ms < t.total_s * 1e3 / 4 + 1e-9


@pytest.mark.parametrize("task", ["object-detection", "image-to-text", "text-to-image"])
def test_a_task_that_runs_one_input_at_a_time_fails_up_front(task: str) -> None:
    model = {"object-detection": "random:facebook/detr-resnet-50",
             "image-to-text": "random:nlpconnect/vit-gpt2-image-captioning",
             "text-to-image": "random:segmind/tiny-sd"}[task]
    with pytest.raises(UsageError) as info:
        validate_job(_job(task=task, model=model, batch_size=4))
    message = str(info.value)
    assert message == f"--batch-size 4: task {task} runs one input at a time"
    assert "text-classification" in (info.value.hint or "")
    validate_job(_job(task=task, model=model, batch_size=1))
