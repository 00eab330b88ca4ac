from __future__ import annotations

import json
from pathlib import Path

import pytest

from joulebench.data.images import offline_photos
from joulebench.models.source import ModelSource, parse_model_spec
from joulebench.tasks import object_detection as task

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TINY_DETR = {
    "model_type": "detr", "architectures": ["DetrForObjectDetection"],
    "use_timm_backbone": False, "use_pretrained_backbone": False,
    "backbone_config": {"model_type": "resnet", "embedding_size": 8, "hidden_sizes": [8, 16, 16, 32],
                        "depths": [1, 1, 1, 1], "layer_type": "basic", "out_features": ["stage4"]},
    "d_model": 16, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
    "decoder_attention_heads": 2, "encoder_ffn_dim": 32, "decoder_ffn_dim": 32, "num_queries": 6,
    "id2label": {"0": "N/A", "1": "person", "2": "cat"},
}
TINY_PROCESSOR = {"image_processor_type": "DetrImageProcessor", "do_resize": True,
                  "size": {"shortest_edge": 48, "longest_edge": 64}, "do_normalize": True,
                  "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
                  "do_pad": True}


def test_object_detection_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "detr"
    root.mkdir()
    (root / "config.json").write_text(json.dumps(TINY_DETR))
    (root / "preprocessor_config.json").write_text(json.dumps(TINY_PROCESSOR))
    source = ModelSource(spec="random:tiny", kind="random", name="tiny", path=root)
    loaded = task.load(source, threshold=0.0)  # random weights: keep every box
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(2)[1]))
    assert result.input_images == 1
    assert result.output["boxes"] == 6  # every query kept at threshold 0
    assert len(result.output["top"]) == task.TOP_LABELS
    assert {t["label"] for t in result.output["top"]} <= {"N/A", "person", "cat"}
    assert loaded.info["architecture"] == "DetrForObjectDetection"
    assert loaded.info["threshold"] == 0.0
    json.dumps(result.output)
    json.dumps(loaded.info)
    strict = task.load(source)  # the pipeline's default threshold
    assert strict.runner.threshold == task.DEFAULT_THRESHOLD


@pytest.mark.slow
def test_random_detr_resnet50_builds_without_timm_at_the_real_size() -> None:
    loaded = task.load(parse_model_spec("random:facebook/detr-resnet-50"))
    backbone = loaded.model.model.backbone.model
    assert type(backbone).__name__ == "ResNetBackbone"  # transformers, not timm
    assert loaded.parameters == 41_524_768  # study's table: 41,368,512
    result = loaded.runner.run(loaded.runner.prepare(offline_photos(1)[0]))
    assert result.input_images == 1
