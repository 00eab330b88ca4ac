"""Image captioning (study: visual_genome, red_caps, coco2017 val;
nlpconnect/vit-gpt2-image-captioning).

One query: the processor's resize and normalisation, greedy generation of the caption, and
decoding; output tokens are the generated tokens (the decoder start token not counted).
The study used the pipeline's defaults: greedy search, at most 20 tokens.
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

DEFAULT_MAX_NEW_TOKENS = 20

SPEC = TaskSpec(
    name="image-to-text",
    title="Image captioning",
    input_kind=InputKind.IMAGE,
    default_columns=("image",),
    preprocessing="images resized to 640x480, then the model's processor; greedy caption, "
    "at most 20 new tokens",
    model_kinds=("VisionEncoderDecoderModel",),
    options=(
        TaskOption("max_new_tokens", int, DEFAULT_MAX_NEW_TOKENS, "longest caption, in tokens"),
        TaskOption("min_new_tokens", int, None, "shortest caption, in tokens"),
    ),
)


@dataclass
class ImageToTextRunner:
    model: Any
    processor: Any
    tokenizer: Any
    device: str = "cpu"
    dtype: str = "float32"
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    min_new_tokens: int | None = None  # set it to fix output length (e.g. random weights)
    spec: TaskSpec = SPEC

    def prepare(self, example: Any) -> Prepared:
        return prepare_image(example)

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            with phase("preprocess"):
                inputs = self.processor(images=prepared.payload, return_tensors="pt")
                pixels = inputs["pixel_values"].to(self.device, torch_dtype(self.dtype))
            with phase("generate"):
                ids = self.model.generate(
                    pixel_values=pixels, do_sample=False, num_beams=1,
                    max_new_tokens=self.max_new_tokens, min_new_tokens=self.min_new_tokens)
        new = ids[0, 1:]  # drop the decoder start token
        caption = self.tokenizer.decode(new.tolist(), skip_special_tokens=True).strip()
        return QueryResult(output={"caption": caption}, output_tokens=int(new.numel()),
                           input_images=1)


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
         min_new_tokens: int | None = None) -> LoadedTask:
    from ..models.vision import load_captioner

    loaded = load_captioner(source, trust_remote_code=trust_remote_code)
    model = set_eval(loaded.model, device, dtype)
    runner = ImageToTextRunner(model, loaded.processor, loaded.tokenizer, device, dtype,
                               max_new_tokens, min_new_tokens)
    info = dict(loaded.info, encoder=type(model.encoder).__name__,
                decoder=type(model.decoder).__name__,
                image_size=getattr(model.config.encoder, "image_size", None),
                max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens,
                decoding="greedy", input_resize="640x480", dtype=dtype, device=device)
    return LoadedTask(runner=runner, parameters=count_parameters(model),
                      model_label=source.label, info=info, model=model)
