"""End to end: `joulebench run --label-column` on a labelled CSV with a tiny model trained
here, the stored accuracy equal to an independent computation of the same predictions."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # trains a tiny model for a few seconds

POSITIVE = ("good", "great", "fine", "happy", "nice", "lovely")
NEGATIVE = ("bad", "awful", "sad", "poor", "ugly", "dull")
FILLER = ("the", "film", "was", "a", "story", "and", "very", "it", "plot", "cast")


def _examples(n: int, seed: int) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        label = rng.randint(0, 1)
        words = [*rng.sample(FILLER, 3), rng.choice(POSITIVE if label else NEGATIVE)]
        rng.shuffle(words)
        out.append((" ".join(words), label))
    return out


def _train(path: Path) -> None:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import (
        DistilBertConfig,
        DistilBertForSequenceClassification,
        PreTrainedTokenizerFast,
    )

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {w: i for i, w in enumerate([*specials, *POSITIVE, *NEGATIVE, *FILLER])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=32,
    )  # fmt: skip
    config = DistilBertConfig(
        vocab_size=len(vocab), dim=32, hidden_dim=64, n_layers=1, n_heads=2,
        max_position_embeddings=32, id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1}, architectures=["DistilBertForSequenceClassification"],
    )  # fmt: skip
    torch.manual_seed(0)
    model = DistilBertForSequenceClassification(config)
    train = _examples(256, seed=1)
    optim = torch.optim.Adam(model.parameters(), lr=5e-3)
    model.train()
    for step in range(80):
        batch = train[(step * 32) % 256 : (step * 32) % 256 + 32]
        enc = tokenizer([t for t, _ in batch], padding=True, return_tensors="pt")
        out = model(**enc, labels=torch.tensor([y for _, y in batch]))
        optim.zero_grad()
        out.loss.backward()
        optim.step()
    model.eval()
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)


def _independent_accuracy(path: Path, rows: list[tuple[str, int]]) -> float:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    right = 0
    with torch.no_grad():
        for text, label in rows:
            logits = model(**tokenizer(text, return_tensors="pt")).logits
            right += int(int(logits.argmax(-1)) == label)
    return right / len(rows)


def test_stored_accuracy_matches_an_independent_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from joulebench.cli.main import main
    from joulebench.store import Store

    model_dir = tmp_path / "tiny-sentiment"
    _train(model_dir)
    rows = _examples(40, seed=7)
    data = tmp_path / "reviews.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    db = tmp_path / "runs.db"
    monkeypatch.chdir(tmp_path)
    rc = main([
        "--db", str(db), "run", "--task", "text-classification", "--model", str(model_dir),
        "--dataset", str(data), "--column", "text", "--label-column", "label",
        "-n", "40", "-r", "2", "--warmup", "1", "--idle-s", "0", "--no-progress",
        "--keep-outputs",
    ])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    with Store.open(db, create=False) as store:
        runs = store.runs(status="ok")
    assert len(runs) == 2
    expected = _independent_accuracy(model_dir, rows)
    assert expected >= 0.8  # clearly above chance: the model learned the words
    for run in runs:
        assert run.quality is not None
        q = run.quality.figure
        assert q["metric"] == "accuracy" and q["n"] == 40
        assert q["value"] == pytest.approx(expected)
        assert q["ci95_low"] <= q["value"] <= q["ci95_high"]
        assert q["reference_column"] == "label"
    kept = runs[0].extra["outputs"]
    assert len(kept) == 40 and int(kept[0]["reference"]) == rows[0][1]  # CSV: text
    assert {o["output"]["label"] for o in kept} <= {"NEGATIVE", "POSITIVE"}


def test_a_label_column_that_does_not_exist_lists_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from joulebench.cli.main import main

    data = tmp_path / "reviews.csv"
    data.write_text("text,sentiment\nnice film,1\n", encoding="utf-8")
    db = tmp_path / "runs.db"
    rc = main([
        "--db", str(db), "run", "--task", "text-classification",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
        "--dataset", str(data), "--label-column", "label",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert "label column 'label' does not exist; columns: text, sentiment" in err
    assert not db.exists()


def test_kept_outputs_export_as_jsonl(tmp_path: Path) -> None:
    import io
    import json

    from joulebench.bench.records import KIND_BENCHMARK, STATUS_OK, RunRecord
    from joulebench.errors import UsageError
    from joulebench.store.export import export

    kept = [{"query": 0, "output": {"label": "POSITIVE"}, "reference": "1"}]
    record = RunRecord(
        run_id="r1", kind=KIND_BENCHMARK, status=STATUS_OK, started_at="2026-01-01T00:00:00",
        measurement=None, task="text-classification", model="m", dataset="d", repetition=0,
        extra={"outputs": kept},
    )
    out = io.StringIO()
    export([record], "jsonl", None, out)
    (line,) = out.getvalue().splitlines()
    assert json.loads(line) == {
        "run_id": "r1", "task": "text-classification", "model": "m", "dataset": "d",
        "repetition": 0, "query": 0, "output": {"label": "POSITIVE"}, "reference": "1",
    }  # fmt: skip
    bare = RunRecord(run_id="r2", kind=KIND_BENCHMARK, status=STATUS_OK,
                     started_at="2026-01-01T00:00:00", measurement=None)
    with pytest.raises(UsageError, match="none of these runs kept its per-query outputs"):
        export([bare], "jsonl", None, io.StringIO())
