"""Loading the study's vision models: ViT classifier, DETR detector, ViT+GPT-2 captioner.

Three sources, one code path each (see :mod:`joulebench.models.source`):

- ``hub``/``local``: ``from_pretrained`` (the real code path); an unreachable Hub or a
  missing directory becomes :class:`~joulebench.errors.ModelError`;
- ``random``: the real architecture from the shipped ``config.json`` with random weights,
  and the image processor built from the shipped ``preprocessor_config.json``, with no
  download. DETR's shipped config builds its ResNet-50 backbone through transformers
  (``use_timm_backbone=False``), so neither timm nor pretrained weights are needed.

Image processors use the PIL backend, as the study's pipelines did (and torchvision may
be absent).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import JoulebenchError, ModelError
from .hub import hub_error, hub_reachable
from .source import ModelSource

PROCESSOR_BACKEND = "pil"
# The captioner's tokenizer when the real GPT-2 vocabulary is unavailable (random: sources).
GPT2_TOKENIZER_KIND = "byte-bpe-gpt2"


@dataclass
class VisionModel:
    """A loaded model and what it needs to run a query."""

    model: Any
    processor: Any
    tokenizer: Any = None
    info: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def hub_errors(source: ModelSource) -> Iterator[None]:
    """Translate whatever ``from_pretrained`` raises into one ModelError line."""
    try:
        yield
    except JoulebenchError:
        raise
    except Exception as exc:
        if source.kind == "hub" and hub_kwargs(source):
            raise hub_error(source.name, "the model", exc, reachable=False) from exc
        where = f"local directory {source.path}" if source.kind == "local" else f"Hub id {source.name!r}"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelError(
            f"cannot load {where}: {first}",
            hint=(f"offline? use random:{source.name} (real architecture, random weights) "
                  "or a local directory holding the model"
                  if source.kind == "hub" else "check the directory holds a saved model"),
        ) from exc


def hub_kwargs(source: ModelSource) -> dict[str, Any]:
    """``local_files_only=True`` for a Hub id when the Hub cannot be reached (probed once per
    process by :mod:`joulebench.models.hub`), so an offline load fails at once."""
    if source.kind != "hub" or hub_reachable():
        return {}
    return {"local_files_only": True}


def _where(source: ModelSource) -> str:
    return str(source.path) if source.kind == "local" else source.name


def _shipped_json(source: ModelSource, name: str) -> dict[str, Any]:
    assert source.path is not None
    path = source.path / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"shipped configuration {path} is unreadable: {exc}") from exc


def _processor(source: ModelSource, pil_class: str) -> tuple[Any, str]:
    """The image processor and a provenance line."""
    import transformers

    if source.kind == "random":
        settings = _shipped_json(source, "preprocessor_config.json")
        settings.pop("image_processor_type", None)
        processor = getattr(transformers, pil_class)(**settings)
        return processor, f"{pil_class} from the shipped preprocessor_config.json of {source.name}"
    with hub_errors(source):
        processor = transformers.AutoImageProcessor.from_pretrained(
            _where(source), backend=PROCESSOR_BACKEND, **hub_kwargs(source))
    return processor, f"{type(processor).__name__} from {_where(source)}"


def _model(source: ModelSource, auto_class: str, trust_remote_code: bool) -> Any:
    import transformers

    cls = getattr(transformers, auto_class)
    with hub_errors(source):
        if source.kind == "random":
            config = transformers.AutoConfig.from_pretrained(str(source.path))
            return cls.from_config(config) if auto_class.startswith("Auto") else cls(config)
        return cls.from_pretrained(_where(source), trust_remote_code=trust_remote_code,
                                   **hub_kwargs(source))


def _info(source: ModelSource, model: Any, processor_line: str) -> dict[str, Any]:
    return {
        "source_kind": source.kind,
        "architecture": type(model).__name__,
        "weights": "random (real architecture from shipped config)"
        if source.kind == "random" else "pretrained",
        "processor": processor_line,
        "processor_backend": PROCESSOR_BACKEND,
    }


def load_image_classifier(source: ModelSource, *, trust_remote_code: bool = False) -> VisionModel:
    model = _model(source, "AutoModelForImageClassification", trust_remote_code)
    processor, line = _processor(source, "ViTImageProcessorPil")
    return VisionModel(model, processor, info=_info(source, model, line))


def load_object_detector(source: ModelSource, *, trust_remote_code: bool = False) -> VisionModel:
    model = _model(source, "AutoModelForObjectDetection", trust_remote_code)
    processor, line = _processor(source, "DetrImageProcessorPil")
    return VisionModel(model, processor, info=_info(source, model, line))


def load_captioner(source: ModelSource, *, trust_remote_code: bool = False) -> VisionModel:
    """A VisionEncoderDecoder captioner, its image processor and its tokenizer."""
    model = _model(source, "VisionEncoderDecoderModel", trust_remote_code)
    processor, line = _processor(source, "ViTImageProcessorPil")
    info = _info(source, model, line)
    if source.kind == "random":
        tokenizer, info["tokenizer"] = _offline_gpt2_tokenizer(model, source.name)
    else:
        import transformers

        with hub_errors(source):
            tokenizer = transformers.AutoTokenizer.from_pretrained(_where(source), **hub_kwargs(source))
        info["tokenizer"] = f"{type(tokenizer).__name__} from {_where(source)}"
    return VisionModel(model, processor, tokenizer, info)


def _offline_gpt2_tokenizer(model: Any, model_id: str) -> tuple[Any, str]:
    from .offline_tokenizers import offline_tokenizer

    decoder = model.config.decoder
    built = offline_tokenizer(GPT2_TOKENIZER_KIND, int(decoder.vocab_size), model_id=model_id,
                              model_max_length=int(getattr(decoder, "n_positions", 1024)))
    return built.tokenizer, built.provenance
