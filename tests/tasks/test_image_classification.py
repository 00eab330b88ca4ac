from __future__ import annotations

import json
from pathlib import Path

import pytest

from joulebench.data.images import offline_photos
from joulebench.errors import ModelError
from joulebench.models.source import ModelSource, parse_model_spec
from joulebench.tasks import image_classification as task

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TINY_VIT = {"model_type": "vit", "architectures": ["ViTForImageClassification"], "hidden_size": 32,
            "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
            "image_size": 32, "patch_size": 8, "num_labels": 5}
TINY_PROCESSOR = {"image_processor_type": "ViTImageProcessor", "do_resize": True,
                  "size": {"height": 32, "width": 32}, "do_normalize": True,
                  "image_mean": [0.5] * 3, "image_std": [0.5] * 3}


def tiny_source(root: Path, config: dict, processor: dict) -> ModelSource:
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text(json.dumps(config))
    (root / "preprocessor_config.json").write_text(json.dumps(processor))
    return ModelSource(spec="random:tiny", kind="random", name="tiny", path=root)


def test_image_classification_end_to_end(tmp_path: Path) -> None:
    loaded = task.load(tiny_source(tmp_path / "vit", TINY_VIT, TINY_PROCESSOR))
    prepared = loaded.runner.prepare({"image": offline_photos(1)[0], "label": 3})
    assert prepared.payload.size == (640, 480)
    result = loaded.runner.run(prepared)
    assert result.input_images == 1 and result.output_images == 0
    assert result.output["label"] in loaded.model.config.id2label.values()
    assert 0.0 < result.output["score"] <= 1.0
    assert loaded.parameters == sum(p.numel() for p in loaded.model.parameters())
    assert loaded.model_label == "random:tiny"
    assert loaded.info["source_kind"] == "random"
    assert loaded.info["architecture"] == "ViTForImageClassification"
    assert "ViTImageProcessorPil" in loaded.info["processor"]
    json.dumps(result.output)
    json.dumps(loaded.info)


def test_local_directory_goes_through_from_pretrained(tmp_path: Path) -> None:
    built = task.load(tiny_source(tmp_path / "vit", TINY_VIT, TINY_PROCESSOR))
    saved = tmp_path / "saved"
    built.model.save_pretrained(saved)
    built.runner.processor.save_pretrained(saved)
    loaded = task.load(parse_model_spec(str(saved)))
    assert loaded.info["source_kind"] == "local" and loaded.info["weights"] == "pretrained"
    assert loaded.parameters == built.parameters
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(1)[0]))
    assert result.output["label"] in built.model.config.id2label.values()


def test_unloadable_local_directory_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="cannot load local directory") as caught:
        task.load(parse_model_spec(str(tmp_path / "empty")))
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_random_vit_base_has_the_real_size() -> None:
    loaded = task.load(parse_model_spec("random:google/vit-base-patch16-224"))
    assert loaded.model.config.num_labels == 1000
    assert loaded.parameters == 86_567_656  # study's table: 86,389,248
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(1)[0]))
    assert result.input_images == 1


def test_unreachable_hub_is_a_model_error_pointing_to_random(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    with pytest.raises(ModelError) as caught:
        task.load(parse_model_spec("google/vit-base-patch16-224"))
    assert "random:google/vit-base-patch16-224" in (caught.value.hint or "")
