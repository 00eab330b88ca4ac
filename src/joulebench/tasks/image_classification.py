"""Image classification (study: cifar10, cifar100, imagenet-1k; google/vit-base-patch16-224).

One query: the image processor's resize and normalisation, one forward pass, softmax,
top-1 label and score. Inputs are first resized to 640x480 (unmeasured), as in the study.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models.source import ModelSource
from ._vision import count_parameters, prepare_image, set_eval, torch_dtype
from .base import InputKind, LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

SPEC = TaskSpec(
    name="image-classification",
    title="Image classification",
    input_kind=InputKind.IMAGE,
    default_columns=("image", "img"),
    preprocessing="images resized to 640x480, then the model's processor; top-1 label",
    model_kinds=("AutoModelForImageClassification",),
    batched=True,
)


@dataclass
class ImageClassificationRunner:
    model: Any
    processor: Any
    device: str = "cpu"
    dtype: str = "float32"
    spec: TaskSpec = SPEC

    def prepare(self, example: Any) -> Prepared:
        return prepare_image(example)

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            with phase("preprocess"):
                inputs = self.processor(images=prepared.payload, return_tensors="pt")
                pixels = inputs["pixel_values"].to(self.device, torch_dtype(self.dtype))
            with phase("forward"):
                logits = self.model(pixel_values=pixels).logits
            probs = logits[0].float().softmax(-1)
            score, index = probs.max(-1)
        label = self.model.config.id2label.get(int(index), str(int(index)))
        return QueryResult(output={"label": label, "score": round(float(score), 6)},
                           input_images=1)

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several images through the processor and one forward pass; top-1 per image."""
        import torch

        with torch.inference_mode():
            with phase("preprocess"):
                inputs = self.processor(images=[p.payload for p in prepared], return_tensors="pt")
                pixels = inputs["pixel_values"].to(self.device, torch_dtype(self.dtype))
            with phase("forward"):
                logits = self.model(pixel_values=pixels).logits
            scores, indices = logits.float().softmax(-1).max(-1)
        id2label = self.model.config.id2label
        return [QueryResult(output={"label": id2label.get(int(i), str(int(i))),
                                    "score": round(float(s), 6)}, input_images=1)
                for s, i in zip(scores, indices, strict=True)]


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False) -> LoadedTask:
    from ..models.vision import load_image_classifier

    loaded = load_image_classifier(source, trust_remote_code=trust_remote_code)
    model = set_eval(loaded.model, device, dtype)
    runner = ImageClassificationRunner(model, loaded.processor, device, dtype)
    info = dict(loaded.info, num_labels=int(model.config.num_labels),
                image_size=getattr(model.config, "image_size", None),
                input_resize="640x480", dtype=dtype, device=device)
    return LoadedTask(runner=runner, parameters=count_parameters(model),
                      model_label=source.label, info=info, model=model)
