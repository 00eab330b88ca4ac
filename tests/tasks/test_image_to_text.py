from __future__ import annotations

import json
from pathlib import Path

import pytest

from joulebench.data.images import offline_photos
from joulebench.models.source import ModelSource, parse_model_spec
from joulebench.tasks import image_to_text as task

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

VOCAB = 300  # a small byte-level BPE: trained offline on pydoc text in well under a second
TINY_VED = {
    "model_type": "vision-encoder-decoder", "architectures": ["VisionEncoderDecoderModel"],
    "decoder_start_token_id": VOCAB - 1, "pad_token_id": VOCAB - 1, "eos_token_id": VOCAB - 1,
    "encoder": {"model_type": "vit", "hidden_size": 32, "num_hidden_layers": 2,
                "num_attention_heads": 2, "intermediate_size": 64, "image_size": 32,
                "patch_size": 8},
    "decoder": {"model_type": "gpt2", "vocab_size": VOCAB, "n_positions": 64, "n_embd": 32,
                "n_layer": 2, "n_head": 2, "add_cross_attention": True, "is_decoder": True,
                "bos_token_id": VOCAB - 1, "eos_token_id": VOCAB - 1},
}
TINY_PROCESSOR = {"image_processor_type": "ViTImageProcessor", "do_resize": True,
                  "size": {"height": 32, "width": 32}, "do_normalize": True,
                  "image_mean": [0.5] * 3, "image_std": [0.5] * 3}


@pytest.fixture
def tiny_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSource:
    monkeypatch.setenv("JOULEBENCH_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "ved"
    root.mkdir()
    (root / "config.json").write_text(json.dumps(TINY_VED))
    (root / "preprocessor_config.json").write_text(json.dumps(TINY_PROCESSOR))
    return ModelSource(spec="random:tiny", kind="random", name="tiny", path=root)


def test_image_to_text_end_to_end(tiny_source: ModelSource) -> None:
    loaded = task.load(tiny_source, max_new_tokens=5, min_new_tokens=5)
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(3)[2]))
    assert result.input_images == 1
    assert result.output_tokens == 5
    assert isinstance(result.output["caption"], str)
    assert loaded.info["encoder"] == "ViTModel" and loaded.info["decoder"] == "GPT2LMHeadModel"
    assert "byte-level BPE" in loaded.info["tokenizer"]
    assert loaded.info["max_new_tokens"] == 5 and loaded.info["decoding"] == "greedy"
    json.dumps(result.output)
    json.dumps(loaded.info)


def test_image_to_text_stops_at_max_new_tokens(tiny_source: ModelSource) -> None:
    loaded = task.load(tiny_source, max_new_tokens=3)
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(1)[0]))
    assert 1 <= result.output_tokens <= 3


@pytest.mark.slow
def test_random_vit_gpt2_has_the_real_size() -> None:
    loaded = task.load(parse_model_spec("random:nlpconnect/vit-gpt2-image-captioning"))
    assert loaded.parameters == 239_195_904  # the study's table, exactly
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(1)[0]))
    assert 1 <= result.output_tokens <= task.DEFAULT_MAX_NEW_TOKENS
