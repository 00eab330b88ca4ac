"""Model sources: offline tokenizers and their cache, Hub errors, local dirs, shipped configs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from joulebench.errors import ModelError
from joulebench.models.loading import load_config
from joulebench.models.offline_tokenizers import offline_tokenizer
from joulebench.models.source import configs_root, parse_model_spec

TEXT_MODELS = {
    "distilbert-base-uncased-finetuned-sst-2-english": "DistilBertForSequenceClassification",
    "dslim/bert-base-NER": "BertForTokenClassification",
    "distilbert-base-cased-distilled-squad": "DistilBertForQuestionAnswering",
    "distilbert-base-uncased": "DistilBertForMaskedLM",
    "bert-base-uncased": "BertForMaskedLM",
    "distilgpt2": "GPT2LMHeadModel",
    "gpt2": "GPT2LMHeadModel",
    "sshleifer/distilbart-xsum-12-6": "BartForConditionalGeneration",
    "google/flan-t5-base": "T5ForConditionalGeneration",
    "bigscience/bloomz-560m": "BloomForCausalLM",
}


def test_trained_tokenizer_is_cached(tmp_path: Path) -> None:
    first = offline_tokenizer("byte-bpe-gpt2", 300, model_id="gpt2", cache_dir=tmp_path)
    assert not first.cached and first.vocab_size == 300
    assert first.tokenizer.eos_token_id == 299  # <|endoftext|> last, as in GPT-2
    assert "byte-level BPE trained on CPython" in first.provenance
    assert "real gpt2 vocab unavailable offline" in first.provenance
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".json"
    mtime = files[0].stat().st_mtime_ns
    second = offline_tokenizer("byte-bpe-gpt2", 300, model_id="gpt2", cache_dir=tmp_path)
    assert second.cached and files[0].stat().st_mtime_ns == mtime
    text = "The assert statement"
    assert second.tokenizer(text)["input_ids"] == first.tokenizer(text)["input_ids"]


def test_bart_special_tokens_sit_at_robertas_ids(tmp_path: Path) -> None:
    tok = offline_tokenizer("byte-bpe-bart", 400, model_id="bart", cache_dir=tmp_path).tokenizer
    assert [tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id] == [0, 1, 2, 3]
    assert tok.mask_token_id == 399
    ids = tok("hello")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2


def test_real_uncased_vocab_is_used_at_full_size(tmp_path: Path) -> None:
    offline = offline_tokenizer("wordpiece-uncased", 30522, model_id="bert-base-uncased",
                                cache_dir=tmp_path)
    assert offline.vocab_size == 30522 and "real BERT uncased" in offline.provenance
    assert offline.tokenizer.convert_ids_to_tokens(offline.tokenizer("Hello")["input_ids"]) == [
        "[CLS]", "hello", "[SEP]"]
    assert not list(tmp_path.iterdir())  # nothing trained


def test_hub_offline_is_a_clear_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", "/nonexistent-joulebench-hf-home")
    started = time.monotonic()
    with pytest.raises(ModelError, match="HF_HUB_OFFLINE") as err:
        load_config(parse_model_spec("distilgpt2-not-cached-anywhere"))
    assert time.monotonic() - started < 30
    assert err.value.hint and "random:distilgpt2-not-cached-anywhere" in err.value.hint


def test_local_directory_loads_with_its_own_tokenizer(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from joulebench.models.tiny import tiny_source
    from joulebench.tasks.catalog import get_task

    torch.set_num_threads(1)
    monkeypatch.setenv("JOULEBENCH_CACHE", str(tmp_path / "cache"))
    task = get_task("text-classification")
    tiny = task.load(tiny_source("distilbert-sst2", tmp_path / "tiny"))
    saved = tmp_path / "saved"
    tiny.model.save_pretrained(saved)
    tiny.runner.tokenizer.save_pretrained(saved)
    loaded = task.load(parse_model_spec(str(saved)))
    assert loaded.info["source_kind"] == "local" and loaded.info["random_weights"] is False
    assert "local directory" in loaded.info["tokenizer"]
    result = loaded.runner.run(loaded.runner.prepare("a fine film"))
    assert result.output["label"] in {"NEGATIVE", "POSITIVE"}


@pytest.mark.parametrize("model_id", sorted(TEXT_MODELS))
def test_shipped_text_configs_parse(model_id: str) -> None:
    source = parse_model_spec(f"random:{model_id}")
    config = load_config(source)
    assert config.architectures == [TEXT_MODELS[model_id]]
    meta = json.loads((source.path / "joulebench.json").read_text())
    assert meta["model_id"] == model_id and meta["tokenizer"]["kind"]
    assert (configs_root() / model_id.replace("/", "__")).is_dir()
    import torch
    import transformers

    assert meta["architecture"] == TEXT_MODELS[model_id]
    auto = next(getattr(transformers, name) for name in (
        "AutoModelForSequenceClassification", "AutoModelForTokenClassification",
        "AutoModelForQuestionAnswering", "AutoModelForCausalLM", "AutoModelForSeq2SeqLM",
        "AutoModelForMaskedLM") if TEXT_MODELS[model_id] in _names(name))
    with torch.device("meta"):  # no memory, no time: counts only
        model = auto.from_config(config)
    assert sum(p.numel() for p in model.parameters()) == meta["parameters"]


def _names(auto_name: str) -> set[str]:
    from transformers.models.auto import modeling_auto

    mapping = getattr(modeling_auto, "MODEL_FOR_" + {
        "AutoModelForSequenceClassification": "SEQUENCE_CLASSIFICATION",
        "AutoModelForTokenClassification": "TOKEN_CLASSIFICATION",
        "AutoModelForQuestionAnswering": "QUESTION_ANSWERING",
        "AutoModelForCausalLM": "CAUSAL_LM",
        "AutoModelForSeq2SeqLM": "SEQ_TO_SEQ_CAUSAL_LM",
        "AutoModelForMaskedLM": "MASKED_LM"}[auto_name] + "_MAPPING_NAMES")
    return {v for v in mapping.values() if isinstance(v, str)}


@pytest.mark.slow
def test_real_size_random_model_builds_and_runs(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    import torch

    from joulebench.tasks.catalog import get_task

    torch.set_num_threads(2)
    loaded = get_task("text-classification").load(
        parse_model_spec("random:distilbert-base-uncased-finetuned-sst-2-english"))
    # DistilBertModel (66,362,880, the study's count) + pre-classifier and classifier.
    assert loaded.parameters == 66_362_880 + 768 * 768 + 768 + 768 * 2 + 2
    result = loaded.runner.run(loaded.runner.prepare("a fine film"))
    assert result.input_tokens == 5
