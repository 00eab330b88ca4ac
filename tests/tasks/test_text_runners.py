"""Every text runner end to end on tiny random models (2 layers, width 32)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from joulebench.errors import ModelError, UsageError  # noqa: E402
from joulebench.models.tiny import tiny_source  # noqa: E402
from joulebench.tasks.base import LoadedTask, QueryResult  # noqa: E402
from joulebench.tasks.catalog import STUDY_TASKS, TASK_MODULES, get_task, task_names  # noqa: E402

WORDS = " ".join(f"word{i}" for i in range(30))
QA = {"question": "Where does John live", "context": "John lives in Paris with Mary and a cat."}
STORY = "The quick brown fox jumps over the lazy dog near the river bank. " * 4


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("jb-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOULEBENCH_CACHE", str(cache))
        yield tmp_path_factory.mktemp("tiny")


def _load(task: str, tiny: str, tiny_dir: object, **kw: object) -> LoadedTask:
    return get_task(task).load(tiny_source(tiny, tiny_dir), **kw)  # type: ignore[arg-type]


CASES = [
    ("text-classification", "distilbert-sst2", "what a lovely film", "task"),
    ("text-classification", "flan-t5", "what a lovely film", "zero-shot-seq2seq"),
    ("text-classification", "bloomz", "what a lovely film", "zero-shot-causal"),
    ("token-classification", "bert-ner", "John lives in Paris with Mary", "task"),
    ("question-answering", "distilbert-squad", QA, "task"),
    ("question-answering", "flan-t5", QA, "zero-shot-seq2seq"),
    ("question-answering", "bloomz", QA, "zero-shot-causal"),
    ("fill-mask", "distilbert-mlm", WORDS, "task"),
    ("text-generation", "gpt2", WORDS, "task"),
    ("text-generation", "bloomz", WORDS, "task"),
    ("summarization", "bart", STORY, "task"),
    ("summarization", "flan-t5", STORY, "zero-shot-seq2seq"),
    ("summarization", "bloomz", STORY, "zero-shot-causal"),
]


@pytest.mark.parametrize(("task", "tiny", "example", "mode"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_runner_end_to_end(task: str, tiny: str, example: object, mode: str, tiny_dir: object) -> None:
    loaded = _load(task, tiny, tiny_dir)
    assert loaded.info["mode"] == mode
    assert loaded.info["zero_shot"] is (mode != "task")
    assert loaded.info["source_kind"] == "random" and loaded.info["dtype"] == "float32"
    assert "trained on CPython" in loaded.info["tokenizer"]
    assert loaded.parameters == sum(p.numel() for p in loaded.model.parameters()) > 0
    assert loaded.model_label == f"random:tiny-{tiny}"
    prepared = loaded.runner.prepare(example)
    result = loaded.runner.run(prepared)
    assert isinstance(result, QueryResult)
    payload = prepared.payload
    if isinstance(payload, dict):
        expected_in = len(loaded.runner.tokenizer(payload["question"], payload["context"])["input_ids"])
    else:
        expected_in = len(loaded.runner.tokenizer(payload)["input_ids"])
    assert result.input_tokens == min(expected_in, loaded.runner.max_length)  # truncated
    if mode.startswith("zero-shot"):
        cap = 15 if task == "summarization" else 20
        assert 1 <= result.output_tokens <= cap
    elif task == "text-generation":
        assert 1 <= result.output_tokens <= 10
    elif task == "summarization":
        assert 10 <= result.output_tokens <= 15
    elif task == "fill-mask":
        assert result.output_tokens == 1
    elif task == "question-answering":
        assert result.output["answer"] == QA["context"][result.output["start"]:result.output["end"]]


def test_zero_shot_prompts_are_the_studys(tiny_dir: object) -> None:
    runner = _load("text-classification", "flan-t5", tiny_dir).runner
    assert runner.prepare("great").payload == (
        "what is the binary sentiment of the following sentence? great")
    runner = _load("question-answering", "bloomz", tiny_dir).runner
    assert runner.prepare({"question": "Who", "context": "Ann."}).payload == (
        'Who? Find the answer to the question in the following text: "Ann.". Answer:')
    runner = _load("summarization", "flan-t5", tiny_dir).runner
    assert runner.prepare("a b c").payload == "summarize the following text: a b c"


def test_text_generation_phases_are_real_and_match_generate(tiny_dir: object) -> None:
    loaded = _load("text-generation", "gpt2", tiny_dir)
    calls: list[str] = []
    current: list[str] = []

    @contextlib.contextmanager
    def phase(name: str) -> Iterator[None]:
        current.append(name)
        yield
        current.pop()

    handle = loaded.model.register_forward_hook(lambda *_: calls.append(current[-1]))
    try:
        prepared = loaded.runner.prepare(WORDS)
        result = loaded.runner.run(prepared, phase)
    finally:
        handle.remove()
    assert prepared.payload == " ".join(WORDS.split()[:20])
    assert calls[0] == "prefill" and calls.count("prefill") == 1
    assert calls.count("decode") == result.output_tokens - 1
    enc = loaded.runner.tokenizer(prepared.payload, return_tensors="pt")
    with torch.inference_mode():
        ids = loaded.model.generate(**enc, max_new_tokens=10, do_sample=False,
                                    eos_token_id=None, pad_token_id=0)
    expected = loaded.runner.tokenizer.decode(ids[0, enc["input_ids"].shape[1]:][: result.output_tokens])
    assert result.output["generated_text"] == expected


def test_fill_mask_masks_the_20th_word(tiny_dir: object) -> None:
    runner = _load("fill-mask", "distilbert-mlm", tiny_dir).runner
    prepared = runner.prepare(WORDS)
    words = prepared.payload.split(" ")
    assert len(words) == 20 and words[-1] == runner.tokenizer.mask_token
    assert prepared.meta["masked_word"] == "word19"


def test_model_that_does_not_fit_the_task(tiny_dir: object) -> None:
    with pytest.raises(ModelError, match="does not fit task question-answering") as err:
        _load("question-answering", "gpt2", tiny_dir)
    assert err.value.hint and "random:distilbert-base-cased-distilled-squad" in err.value.hint
    with pytest.raises(ModelError, match="fill-mask"):
        _load("fill-mask", "gpt2", tiny_dir)


def test_zero_shot_can_be_forced_or_refused(tiny_dir: object) -> None:
    forced = _load("question-answering", "gpt2", tiny_dir, zero_shot=True)
    assert forced.info["zero_shot"] is True
    plain = _load("summarization", "flan-t5", tiny_dir, zero_shot=False)
    assert plain.info["mode"] == "task"


def test_catalog_names_and_unknown_task() -> None:
    assert task_names() == list(TASK_MODULES) and len(task_names()) == 12
    assert list(STUDY_TASKS) == task_names()[:10]  # the study's ten, in its order
    with pytest.raises(UsageError, match="did you mean: fill-mask"):
        get_task("fill_mask")
