"""Keep other libraries' chatter out of joulebench's terminal output (``--verbose`` lets it in).

transformers, diffusers, datasets and huggingface_hub print warnings ("requires
torchvision"), logging lines and their own tqdm bars (weight loading) into the middle of
joulebench's progress, also with ``--no-progress``. Inside :func:`library_output`:

* their verbosity and bars are turned down through their documented environment
  variables (``TRANSFORMERS_VERBOSITY``, ``DIFFUSERS_VERBOSITY``,
  ``HF_HUB_DISABLE_PROGRESS_BARS``, ``TQDM_DISABLE``), unless the user set them;
* Python warnings and log records of non-joulebench loggers are kept, not printed;
* at the end the caller prints one line: how many were hidden and from whom.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

QUIET_ENV = {
    "TRANSFORMERS_VERBOSITY": "error",
    "DIFFUSERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TQDM_DISABLE": "1",
    "TOKENIZERS_PARALLELISM": "false",  # its fork warning
}
_LIBRARY_LOGGERS = ("transformers", "diffusers", "datasets", "huggingface_hub", "torch", "PIL")


@dataclass
class Hidden:
    """What other libraries said while joulebench worked."""

    messages: list[tuple[str, str]] = field(default_factory=list)  # (origin, text)

    def summary(self) -> str | None:
        if not self.messages:
            return None
        origins = sorted({o for o, _ in self.messages})
        return (
            f"note: {len(self.messages)} message(s) from other libraries hidden "
            f"({', '.join(origins)}); --verbose shows them"
        )


class _Keep(logging.Handler):
    def __init__(self, hidden: Hidden) -> None:
        super().__init__(logging.WARNING)
        self.hidden = hidden

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("joulebench"):
            self.hidden.messages.append((record.name.split(".")[0], record.getMessage()))


def _origin(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    if "site-packages" in parts:
        i = parts.index("site-packages")
        if i + 1 < len(parts):
            return parts[i + 1].removesuffix(".py")
    return "python"


@contextlib.contextmanager
def library_output(*, verbose: bool = False) -> Iterator[Hidden]:
    """Hide other libraries' warnings, logs and bars for the block (unless ``verbose``)."""
    hidden = Hidden()
    if verbose:
        yield hidden
        return
    saved = {k: os.environ.get(k) for k in QUIET_ENV}
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    _quiet_loaded_libraries()
    handler = _Keep(hidden)
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {}
    for name in _LIBRARY_LOGGERS:
        lib = logging.getLogger(name)
        levels[name] = (lib.level, lib.propagate, list(lib.handlers))
        lib.setLevel(logging.WARNING)
        lib.propagate = True
        for h in list(lib.handlers):  # their own stderr handlers
            lib.removeHandler(h)
    with warnings.catch_warnings():
        warnings.simplefilter("default")

        def keep(
            message: Warning | str, category: type[Warning], filename: str, lineno: int,
            file: Any = None, line: str | None = None,
        ) -> None:  # fmt: skip
            hidden.messages.append((_origin(filename), f"{category.__name__}: {message}"))

        warnings.showwarning = keep
        try:
            yield hidden
        finally:
            root.removeHandler(handler)
            for name, (level, propagate, handlers) in levels.items():
                lib = logging.getLogger(name)
                lib.setLevel(level)
                lib.propagate = propagate
                for h in handlers:
                    lib.addHandler(h)
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old


def _quiet_loaded_libraries() -> None:
    """The environment variables act at import; libraries already imported are told."""
    import sys

    tf = sys.modules.get("transformers")
    if tf is not None:
        with contextlib.suppress(Exception):
            tf.utils.logging.set_verbosity_error()
            tf.utils.logging.disable_progress_bar()
    hub = sys.modules.get("huggingface_hub")
    if hub is not None:
        with contextlib.suppress(Exception):
            hub.utils.disable_progress_bars()
