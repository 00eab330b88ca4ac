"""Loading Stable Diffusion pipelines (segmind/tiny-sd, runwayml/stable-diffusion-v1-5).

``hub``/``local`` sources go through ``DiffusionPipeline.from_pretrained`` (the real code
path). ``random`` sources assemble a ``StableDiffusionPipeline`` from the shipped diffusers
layout (``model_index.json``, ``unet/``, ``vae/``, ``text_encoder/``, ``scheduler/``) with
random weights, and a CLIP tokenizer built offline from the real CLIP BPE vocabulary
(OpenAI CLIP's ``bpe_simple_vocab_16e6.txt.gz``, MIT licence, shipped with joulebench in
``joulebench/models/vocab/``), exactly as CLIP's own tokenizer builds it. No safety checker is built for
random sources (the study's SD 1.5 runs had one; its ~304M parameters are not counted).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .offline_tokenizers import CLIP_BPE_FILE, clip_bpe_text
from .source import ModelSource
from .vision import hub_errors, hub_kwargs

CLIP_CONTEXT_LENGTH = 77
_N_MERGES = 49152 - 256 - 2  # as openai/CLIP and open_clip cut the merges list
COUNTED_COMPONENTS = ("unet", "vae", "text_encoder", "text_encoder_2", "transformer")


@dataclass
class DiffusionModel:
    pipeline: Any
    info: dict[str, Any] = field(default_factory=dict)


def bytes_to_unicode() -> dict[int, str]:
    """CLIP's (and GPT-2's) reversible byte → printable unicode character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs], strict=True))


@lru_cache(maxsize=2)
def clip_vocab_and_merges(path: Path | None = None) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """CLIP's 49,408-entry vocabulary and its 48,894 merges, built as CLIP builds them:
    byte characters, the same with ``</w>``, every merge joined, then the two specials.
    ``path``: another merges file (gzip); default the one shipped with joulebench."""
    if path is None:
        text = clip_bpe_text()
    else:
        with gzip.open(path) as file:
            text = file.read().decode("utf-8")
    lines = text.split("\n")
    merges = [tuple(line.split()) for line in lines[1 : _N_MERGES + 1]]
    chars = list(bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(tokens)}, [(a, b) for a, b in merges]


def clip_tokenizer(path: Path | None = None) -> Any:
    """A transformers ``CLIPTokenizer`` over the real CLIP vocabulary (77-token context)."""
    from transformers import CLIPTokenizer

    vocab, merges = clip_vocab_and_merges(path)
    return CLIPTokenizer(vocab=vocab, merges=merges,  # type: ignore[arg-type]  # pairs work
                         model_max_length=CLIP_CONTEXT_LENGTH)


def load_diffusion_pipeline(source: ModelSource, *, dtype: Any = None,
                            trust_remote_code: bool = False) -> DiffusionModel:
    if source.kind == "random":
        pipe = _random_pipeline(source)
        info: dict[str, Any] = {"weights": "random (real architecture from shipped configs)",
                "tokenizer": f"CLIPTokenizer built offline from the real CLIP BPE vocabulary "
                             f"({CLIP_BPE_FILE}, OpenAI CLIP, shipped with joulebench)",
                "safety_checker": None}
    else:
        from diffusers import DiffusionPipeline

        where = str(source.path) if source.kind == "local" else source.name
        with hub_errors(source):
            pipe = DiffusionPipeline.from_pretrained(where, dtype=dtype,
                                                     trust_remote_code=trust_remote_code,
                                                     **hub_kwargs(source))
        checker = getattr(pipe, "safety_checker", None)
        info = {"weights": "pretrained", "tokenizer": f"{type(pipe.tokenizer).__name__} from {where}",
                "safety_checker": type(checker).__name__ if checker is not None else None,
                "safety_checker_parameters": _numel(checker)}
    info.update(source_kind=source.kind, architecture=type(pipe).__name__,
                components={name: type(getattr(pipe, name)).__name__
                            for name in COUNTED_COMPONENTS if getattr(pipe, name, None) is not None},
                scheduler=type(pipe.scheduler).__name__)
    return DiffusionModel(pipe, info)


def pipeline_parameters(pipe: Any) -> int:
    """Parameters of the denoiser, VAE and text encoder(s) (not the safety checker)."""
    return sum(_numel(getattr(pipe, name, None)) for name in COUNTED_COMPONENTS)


def _numel(module: Any) -> int:
    if module is None or not hasattr(module, "parameters"):
        return 0
    return sum(int(p.numel()) for p in module.parameters())


def _random_pipeline(source: ModelSource) -> Any:
    import diffusers
    from transformers import CLIPTextConfig, CLIPTextModel

    root = source.path
    assert root is not None
    try:
        index = json.loads((root / "model_index.json").read_text(encoding="utf-8"))
        unet_cls, vae_cls = diffusers.UNet2DConditionModel, diffusers.AutoencoderKL
        scheduler_cls = getattr(diffusers, index["scheduler"][1])
        unet = unet_cls.from_config(unet_cls.load_config(str(root / "unet")))
        vae = vae_cls.from_config(vae_cls.load_config(str(root / "vae")))
        scheduler = scheduler_cls.from_config(scheduler_cls.load_config(str(root / "scheduler")))
        text_encoder = CLIPTextModel(CLIPTextConfig.from_pretrained(str(root / "text_encoder")))
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise ModelError(f"cannot build random:{source.name} from {root}: {exc}") from exc
    return diffusers.StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=clip_tokenizer(), unet=unet,
        scheduler=scheduler, safety_checker=None, feature_extractor=None,
        requires_safety_checker=False)
