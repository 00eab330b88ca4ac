"""Image generation (study: diffusiondb, ImageRewardDB, Stable-Diffusion-Prompts;
runwayml/stable-diffusion-v1-5, segmind/tiny-sd, SDXL ...).

One query: the whole pipeline call for one prompt (text encoding, denoising loop, VAE
decode, conversion to a PIL image). Prompts are cut to their first 50 words (unmeasured).
The study used the pipeline's default steps and size; ``num_inference_steps``, ``height``
and ``width`` let a quick suite choose smaller ones, and are recorded in ``info``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DataError
from ..models.source import ModelSource
from ._vision import torch_dtype
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

DEFAULT_SEED = 0

SPEC = TaskSpec(
    name="text-to-image",
    title="Image generation",
    input_kind=InputKind.PROMPT,
    default_columns=("prompt", "Prompt", "text"),
    preprocessing="prompt cut to 50 words; the pipeline's default steps and size",
    model_kinds=("StableDiffusionPipeline", "DiffusionPipeline"),
    options=(
        TaskOption("num_inference_steps", int, None, "denoising steps (default: the pipeline's)"),
        TaskOption("height", int, None, "image height in pixels (default: the pipeline's)"),
        TaskOption("width", int, None, "image width in pixels (default: the pipeline's)"),
        TaskOption("seed", int, DEFAULT_SEED, "seed of the initial latents"),
    ),
)

PROMPT_WORDS = 50


def cut_prompt(example: Any, words: int = PROMPT_WORDS) -> str:
    text = example
    if isinstance(example, Mapping):
        text = next((example[c] for c in SPEC.default_columns if example.get(c)), None)
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"no prompt text in {str(example)[:80]!r}",
                        hint="prompt columns tried: " + ", ".join(SPEC.default_columns))
    return " ".join(text.split()[:words])


@dataclass
class TextToImageRunner:
    pipeline: Any
    num_inference_steps: int
    height: int
    width: int
    device: str = "cpu"
    seed: int = DEFAULT_SEED
    spec: TaskSpec = SPEC

    def prepare(self, example: Any) -> Prepared:
        prompt = cut_prompt(example)
        return Prepared(payload=prompt, meta={"words": len(prompt.split())})

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        with torch.inference_mode(), phase("generate"):
            result = self.pipeline(
                prepared.payload, num_inference_steps=self.num_inference_steps,
                height=self.height, width=self.width, generator=generator)
        image = result.images[0]
        return QueryResult(output={"size": list(image.size), "steps": self.num_inference_steps},
                           output_images=1)


def pipeline_defaults(pipe: Any) -> tuple[int, int, int]:
    """The pipeline's own defaults: (steps, height, width)."""
    steps = inspect.signature(pipe.__call__).parameters["num_inference_steps"].default
    side = int(pipe.unet.config.sample_size) * int(pipe.vae_scale_factor)
    return int(steps), side, side


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, num_inference_steps: int | None = None,
         height: int | None = None, width: int | None = None,
         seed: int = DEFAULT_SEED) -> LoadedTask:
    """``num_inference_steps``/``height``/``width`` left None keep the pipeline's defaults
    (the study's protocol)."""
    from ..models.diffusion import load_diffusion_pipeline, pipeline_parameters

    loaded = load_diffusion_pipeline(source, dtype=torch_dtype(dtype),
                                     trust_remote_code=trust_remote_code)
    pipe = loaded.pipeline
    if source.kind == "random" and dtype != "float32":  # hub/local got dtype at load
        pipe = pipe.to(dtype=torch_dtype(dtype))
    pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    default_steps, default_h, default_w = pipeline_defaults(pipe)
    steps, h, w = num_inference_steps or default_steps, height or default_h, width or default_w
    runner = TextToImageRunner(pipe, steps, h, w, device, seed)
    info = dict(loaded.info, num_inference_steps=steps, height=h, width=w,
                pipeline_default_steps=default_steps, pipeline_default_size=[default_w, default_h],
                study_defaults=num_inference_steps is None and height is None and width is None,
                prompt_words=PROMPT_WORDS, seed=seed, dtype=dtype, device=device)
    return LoadedTask(runner=runner, parameters=pipeline_parameters(pipe),
                      model_label=source.label, info=info, model=pipe)
