"""Helpers shared by the four image tasks: the study's input preparation, dtypes, counts.

The study resized every input image to 640x480 before handing it to the model's pipeline,
whose processor then did its own resize and normalisation; :func:`prepare_image` does the
first half (unmeasured), the runners do the second inside the measured query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..data.images import decode_image
from ..errors import DataError, UsageError
from .base import Prepared

STUDY_IMAGE_SIZE = (640, 480)  # (width, height), as the study resized image inputs
IMAGE_COLUMNS = ("image", "img", "file_name", "path")
DTYPES = ("float32", "float16", "bfloat16")


def image_of(example: Any, columns: Iterable[str] = IMAGE_COLUMNS) -> Any:
    """The image value of a dataset row (a dict), or the example itself when it is one."""
    if isinstance(example, Mapping) and not {"bytes", "path"} >= set(example):
        for column in columns:
            if column in example and example[column] is not None:
                return example[column]
        raise DataError(f"no image column in row with keys {sorted(example)}",
                        hint="image columns tried: " + ", ".join(columns))
    return example


def prepare_image(example: Any, size: tuple[int, int] | None = STUDY_IMAGE_SIZE) -> Prepared:
    """Decode a row's image to RGB and resize it to the study's 640x480 (not measured)."""
    from PIL import Image

    image = decode_image(image_of(example))
    original = image.size
    if size is not None and image.size != size:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return Prepared(payload=image, meta={"original_size": list(original),
                                         "size": list(image.size)})


def torch_dtype(name: str) -> Any:
    import torch

    if name not in DTYPES:
        raise UsageError(f"unknown dtype {name!r}", hint="dtypes: " + ", ".join(DTYPES))
    return getattr(torch, name)


def count_parameters(*modules: Any) -> int:
    """Sum of ``numel`` over the parameters of ``modules`` (None entries are skipped)."""
    return sum(int(p.numel()) for m in modules if m is not None for p in m.parameters())


def set_eval(model: Any, device: str, dtype: str) -> Any:
    """Move a torch module to ``device``/``dtype`` and switch it to eval mode."""
    model.to(device=device, dtype=torch_dtype(dtype))
    model.eval()
    return model
