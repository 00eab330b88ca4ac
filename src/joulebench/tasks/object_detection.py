"""Object detection (study: visual_genome, cppe-5, coco2017 val; facebook/detr-resnet-50).

One query: the processor's resize (shortest edge 800) and normalisation, one forward pass,
``post_process_object_detection`` above a score threshold: the number of boxes and the top
labels. Inputs are first resized to 640x480 (unmeasured), as in the study.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models.source import ModelSource
from ._vision import count_parameters, prepare_image, set_eval, torch_dtype
from .base import (
    InputKind,
    LoadedTask,
    PhaseHook,
    Prepared,
    QueryResult,
    TaskOption,
    TaskSpec,
    no_phase,
)

DEFAULT_THRESHOLD = 0.9  # the transformers object-detection pipeline's default

SPEC = TaskSpec(
    name="object-detection",
    title="Object detection",
    input_kind=InputKind.IMAGE,
    default_columns=("image",),
    preprocessing="images resized to 640x480, then the model's processor; boxes above 0.9",
    model_kinds=("AutoModelForObjectDetection",),
    options=(TaskOption("threshold", float, DEFAULT_THRESHOLD,
                        "keep boxes whose score is at least this"),),
)

TOP_LABELS = 5


@dataclass
class ObjectDetectionRunner:
    model: Any
    processor: Any
    device: str = "cpu"
    dtype: str = "float32"
    threshold: float = DEFAULT_THRESHOLD
    spec: TaskSpec = SPEC

    def prepare(self, example: Any) -> Prepared:
        return prepare_image(example)

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        image = prepared.payload
        with torch.inference_mode():
            with phase("preprocess"):
                inputs = self.processor(images=image, return_tensors="pt")
                pixels = inputs["pixel_values"].to(self.device, torch_dtype(self.dtype))
                mask = inputs.get("pixel_mask")
                mask = mask.to(self.device) if mask is not None else None
            with phase("forward"):
                outputs = self.model(pixel_values=pixels, pixel_mask=mask)
            with phase("postprocess"):
                found = self.processor.post_process_object_detection(
                    outputs, threshold=self.threshold, target_sizes=[image.size[::-1]])[0]
        scores = found["scores"].float().tolist()
        labels = found["labels"].tolist()
        ranked = sorted(zip(scores, labels, strict=True), reverse=True)[:TOP_LABELS]
        id2label = self.model.config.id2label
        top = [{"label": id2label.get(int(i), str(int(i))), "score": round(s, 4)} for s, i in ranked]
        return QueryResult(output={"boxes": len(scores), "top": top}, input_images=1)


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, threshold: float = DEFAULT_THRESHOLD) -> LoadedTask:
    from ..models.vision import load_object_detector

    loaded = load_object_detector(source, trust_remote_code=trust_remote_code)
    model = set_eval(loaded.model, device, dtype)
    runner = ObjectDetectionRunner(model, loaded.processor, device, dtype, threshold)
    size = getattr(loaded.processor, "size", None)
    info = dict(loaded.info, threshold=threshold, num_queries=getattr(model.config, "num_queries", None),
                processor_size=dict(size) if size is not None else None,
                input_resize="640x480", dtype=dtype, device=device)
    return LoadedTask(runner=runner, parameters=count_parameters(model),
                      model_label=source.label, info=info, model=model)
