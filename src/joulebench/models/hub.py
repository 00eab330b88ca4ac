"""Reaching the Hugging Face Hub without hanging, and saying so when it cannot be reached.

A Hub id is the user asking for a network call (design.md, "Offline and private by
default"), so we make one, but a short one: a TCP probe of the Hub endpoint with a timeout
of a few seconds. When ``HF_HUB_OFFLINE`` is set or the probe fails, loading falls back to
the local Hugging Face cache only, and a miss there becomes a :class:`ModelError` that
suggests ``random:<id>`` or a local directory.
"""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

from ..errors import ModelError

PROBE_TIMEOUT_S = 3.0
_TRUE = {"1", "true", "yes", "on"}


def offline_forced() -> bool:
    """True when the user set ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


@functools.lru_cache(maxsize=8)
def _probe(endpoint: str, timeout_s: float) -> bool:
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (443 if parsed.scheme != "http" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def hub_reachable(timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the Hub can be used now (False when forced offline; probed once per process)."""
    if offline_forced():
        return False
    return _probe(hub_endpoint(), timeout_s)


def hub_error(model_id: str, what: str, exc: BaseException, *, reachable: bool) -> ModelError:
    """A ModelError for a failed Hub load, with the way out."""
    hint = (f"use random:{model_id} to build its architecture with random weights "
            "(if joulebench ships its configuration), or pass a local model directory")
    if not reachable:
        why = ("HF_HUB_OFFLINE is set" if offline_forced()
               else f"the Hugging Face Hub ({hub_endpoint()}) cannot be reached")
        return ModelError(
            f"cannot load {what} for {model_id!r}: {why} and it is not in the local cache",
            hint=hint)
    return ModelError(f"cannot load {what} for {model_id!r} from the Hub: {exc}", hint=hint)
