from __future__ import annotations

import json
from pathlib import Path

import pytest

from joulebench.errors import DataError
from joulebench.models.diffusion import clip_tokenizer, clip_vocab_and_merges
from joulebench.models.source import ModelSource, parse_model_spec
from joulebench.tasks import text_to_image as task

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TINY_SD = {
    "model_index.json": {"_class_name": "StableDiffusionPipeline",
                         "scheduler": ["diffusers", "PNDMScheduler"]},
    "unet/config.json": {"_class_name": "UNet2DConditionModel", "sample_size": 32,
                         "block_out_channels": [32, 64], "layers_per_block": 1,
                         "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
                         "cross_attention_dim": 32, "attention_head_dim": 8},
    "vae/config.json": {"_class_name": "AutoencoderKL", "block_out_channels": [32, 64],
                        "down_block_types": ["DownEncoderBlock2D"] * 2,
                        "up_block_types": ["UpDecoderBlock2D"] * 2, "latent_channels": 4,
                        "layers_per_block": 1},
    "text_encoder/config.json": {"model_type": "clip_text_model", "vocab_size": 49408,
                                 "hidden_size": 32, "intermediate_size": 64,
                                 "num_hidden_layers": 2, "num_attention_heads": 2,
                                 "max_position_embeddings": 77},
    "scheduler/scheduler_config.json": {"_class_name": "PNDMScheduler", "skip_prk_steps": True,
                                        "beta_schedule": "scaled_linear", "beta_start": 0.00085,
                                        "beta_end": 0.012, "steps_offset": 1},
}


@pytest.fixture
def tiny_source(tmp_path: Path) -> ModelSource:
    for rel, content in TINY_SD.items():
        path = tmp_path / "sd" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))
    return ModelSource(spec="random:tiny", kind="random", name="tiny", path=tmp_path / "sd")


def test_clip_tokenizer_from_the_real_vocabulary() -> None:
    vocab, merges = clip_vocab_and_merges()
    assert len(vocab) == 49408 and len(merges) == 48894
    assert vocab["<|startoftext|>"] == 49406 and vocab["<|endoftext|>"] == 49407
    tokenizer = clip_tokenizer()
    ids = tokenizer("a photo of a cat", padding="max_length", max_length=77).input_ids
    assert len(ids) == 77
    assert ids[:7] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert ids[7:] == [49407] * 70  # padded with <|endoftext|>, as SD 1.x's tokenizer does
    long = tokenizer("word " * 200, truncation=True, max_length=77).input_ids
    assert len(long) == 77 and long[-1] == 49407


def test_prompt_cut_to_50_words() -> None:
    assert task.cut_prompt({"prompt": " ".join(f"w{i}" for i in range(80))}).split()[-1] == "w49"
    assert task.cut_prompt("a  red\ncar") == "a red car"
    with pytest.raises(DataError):
        task.cut_prompt({"caption": ""})


def test_text_to_image_end_to_end(tiny_source: ModelSource) -> None:
    loaded = task.load(tiny_source, num_inference_steps=2, height=64, width=64)
    prepared = loaded.runner.prepare({"prompt": "an astronaut riding a horse on the moon"})
    result = loaded.runner.run(prepared)
    assert result.output_images == 1 and result.output == {"size": [64, 64], "steps": 2}
    pipe = loaded.model
    assert loaded.parameters == sum(
        p.numel() for m in (pipe.unet, pipe.vae, pipe.text_encoder) for p in m.parameters())
    info = loaded.info
    assert info["num_inference_steps"] == 2 and (info["height"], info["width"]) == (64, 64)
    assert info["pipeline_default_steps"] == 50 and info["pipeline_default_size"] == [64, 64]
    assert info["study_defaults"] is False and info["safety_checker"] is None
    assert "CLIPTokenizer" in info["tokenizer"]
    json.dumps(info)


@pytest.mark.slow
def test_random_tiny_sd_has_the_real_size() -> None:
    loaded = task.load(parse_model_spec("random:segmind/tiny-sd"), num_inference_steps=1,
                       height=64, width=64)
    assert loaded.parameters == 530_099_307  # the study's table, exactly
    assert (loaded.info["pipeline_default_steps"], loaded.info["pipeline_default_size"]) == (
        50, [512, 512])
    assert loaded.runner.run(loaded.runner.prepare("a cat")).output_images == 1
