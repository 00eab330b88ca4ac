"""Loading a model and its tokenizer from a :class:`ModelSource`, whatever its kind.

- ``hub``: ``from_pretrained(<id>)``, the real code path; when the Hub cannot be reached
  (or ``HF_HUB_OFFLINE`` is set) only the local Hugging Face cache is tried, and a miss is
  a :class:`ModelError` suggesting ``random:<id>`` or a local directory;
- ``local``: ``from_pretrained(<directory>)``;
- ``random``: the real architecture from the shipped ``config.json``, random weights
  (seeded, eval mode), and an offline tokenizer (:mod:`.offline_tokenizers`) described by
  the shipped ``joulebench.json``.

Helpers here are task-agnostic: task modules choose the auto class and check the fit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import ModelError, UsageError
from .hub import hub_error, hub_reachable
from .source import ModelSource

T = TypeVar("T")
SEED = 0
META_FILE = "joulebench.json"
DTYPES = ("float32", "float16", "bfloat16")


def torch_dtype(name: str) -> Any:
    import torch

    if name not in DTYPES:
        raise UsageError(f"unknown dtype {name!r}", hint="dtypes: " + ", ".join(DTYPES))
    return getattr(torch, name)


def shipped_meta(source: ModelSource) -> dict[str, Any]:
    """The ``joulebench.json`` next to a random: model's config ({} when absent)."""
    if source.kind != "random" or source.path is None:
        return {}
    path = source.path / META_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def _from_source(source: ModelSource, what: str, load: Callable[[str, dict[str, Any]], T]) -> T:
    """Call ``load(name_or_path, kwargs)`` for a hub or local source, translating errors."""
    if source.kind == "local":
        try:
            return load(str(source.path), {})
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load {what} from {source.path}: {exc}") from exc
    reachable = hub_reachable()
    try:
        return load(source.name, {} if reachable else {"local_files_only": True})
    except (OSError, ValueError) as exc:
        raise hub_error(source.name, what, exc, reachable=reachable) from exc


def load_config(source: ModelSource, *, trust_remote_code: bool = False) -> Any:
    """The model's ``PretrainedConfig``."""
    from transformers import AutoConfig

    if source.kind == "random":
        assert source.path is not None
        try:
            return AutoConfig.from_pretrained(str(source.path))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"shipped configuration for {source.spec} is unusable: {exc}") from exc
    return _from_source(source, "the configuration", lambda name, kw: AutoConfig.from_pretrained(
        name, trust_remote_code=trust_remote_code, **kw))


def build_model(
    source: ModelSource,
    auto_class: Any,
    config: Any,
    *,
    device: str = "cpu",
    dtype: str = "float32",
    trust_remote_code: bool = False,
) -> Any:
    """Instantiate ``auto_class`` (e.g. ``AutoModelForCausalLM``) for ``source``, eval mode."""
    import torch

    torch_type = torch_dtype(dtype)
    if source.kind == "random":
        torch.manual_seed(SEED)
        try:
            model = auto_class.from_config(config, dtype=torch_type)
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot build {source.spec} as {auto_class.__name__}: {exc}") from exc
        _attach_generation_config(source, model)
    else:
        model = _from_source(source, "the model weights", lambda name, kw: auto_class.from_pretrained(
            name, config=config, dtype=torch_type, trust_remote_code=trust_remote_code, **kw))
    try:
        model.to(device)
    except (RuntimeError, AssertionError) as exc:
        raise ModelError(f"cannot move {source.label} to device {device!r}: {exc}") from exc
    return model.eval()


def _attach_generation_config(source: ModelSource, model: Any) -> None:
    """Use a shipped ``generation_config.json`` (beams, special ids), as the Hub model would."""
    assert source.path is not None
    if (source.path / "generation_config.json").is_file() and hasattr(model, "generation_config"):
        from transformers import GenerationConfig

        model.generation_config = GenerationConfig.from_pretrained(str(source.path))


def count_parameters(model: Any) -> int:
    """Sum of ``numel`` over the model's parameters (shared tensors counted once)."""
    return sum(p.numel() for p in model.parameters())


def max_input_length(config: Any, default: int = 512) -> int:
    """The longest input, in tokens, the architecture takes."""
    for attr in ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return default


def load_tokenizer(source: ModelSource, config: Any, *, trust_remote_code: bool = False
                   ) -> tuple[Any, str]:
    """The tokenizer for ``source`` and its provenance line."""
    if source.kind == "random":
        from .offline_tokenizers import offline_tokenizer

        meta = shipped_meta(source).get("tokenizer", {})
        kind = meta.get("kind")
        if not kind:
            raise ModelError(f"no offline tokenizer is described for {source.spec}",
                             hint=f"add a tokenizer entry to {META_FILE} next to its config.json")
        offline = offline_tokenizer(kind, int(config.vocab_size), model_id=source.name,
                                    model_max_length=max_input_length(config))
        return offline.tokenizer, offline.provenance
    from transformers import AutoTokenizer

    tok = _from_source(source, "the tokenizer", lambda name, kw: AutoTokenizer.from_pretrained(
        name, trust_remote_code=trust_remote_code, **kw))
    where = "Hugging Face Hub" if source.kind == "hub" else "local directory"
    return tok, f"the model's own tokenizer ({type(tok).__name__}, {where})"


def base_info(source: ModelSource, model: Any, *, device: str, dtype: str) -> dict[str, Any]:
    """Provenance every loaded task records."""
    return {
        "source_kind": source.kind,
        "model_id": source.name,
        "architecture": type(model).__name__,
        "model_type": getattr(model.config, "model_type", None),
        "random_weights": source.kind == "random",
        "dtype": dtype,
        "device": device,
    }
