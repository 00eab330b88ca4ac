"""Images for the image tasks: bundled photos, image folders, and dataset values.

``offline_photos`` reads the photographs that ship inside scikit-image's wheel (the files
in ``skimage/data/`` itself, never the ones ``skimage.data`` would fetch with pooch), so
the default suite has real photos without a network. Their sources and licences, as the
``skimage.data`` docstrings state them, are in :data:`OFFLINE_PHOTOS`.

Every function returns RGB ``PIL.Image.Image`` objects; an image that cannot be decoded
raises :class:`~joulebench.errors.DataError` naming it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError, UsageError

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


@dataclass(frozen=True)
class BundledPhoto:
    file: str  # file name inside skimage/data/
    title: str
    licence: str


OFFLINE_PHOTOS: tuple[BundledPhoto, ...] = (
    BundledPhoto("astronaut.png", "Eileen Collins, NASA astronaut (NASA Great Images)",
                 "public domain (no known copyright restrictions)"),
    BundledPhoto("chelsea.png", "Chelsea the cat (Stefan van der Walt)", "CC0"),
    BundledPhoto("coffee.png", "Coffee cup, courtesy of Pikolo Espresso Bar (Rachel Michetti)",
                 "CC0"),
    BundledPhoto("rocket.jpg", "Launch of DSCOVR on Falcon 9 (SpaceX Photos)", "public domain"),
    BundledPhoto("hubble_deep_field.jpg", "Hubble eXtreme Deep Field (NASA, HubbleSite)",
                 "public domain (NASA media guidelines)"),
    BundledPhoto("retina.jpg", "Fundus photograph of a normal left eye (Wikimedia Commons)",
                 "CC0 1.0"),
    BundledPhoto("camera.png", "Cameraman, grey-level (Lav Varshney)", "CC0"),
    BundledPhoto("coins.png", "Greek coins from Pompeii (Brooklyn Museum Collection)",
                 "no known copyright restrictions"),
)

OFFLINE_PHOTOS_LICENCE = "; ".join(f"{p.file}: {p.title}, {p.licence}" for p in OFFLINE_PHOTOS) + (
    ". Files bundled in the scikit-image wheel (skimage/data/); sources and licences as "
    "stated in the skimage.data docstrings."
)


def skimage_data_dir() -> Path:
    """The folder of photos bundled in scikit-image's wheel (no download involved)."""
    import importlib.util

    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "scikit-image is not installed; its bundled photos are the offline image source",
            hint="pip install 'joulebench[hf]' (or scikit-image), or pass an image folder",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def offline_photos(n: int) -> list[Image.Image]:
    """``n`` RGB photos from scikit-image's bundled files, cycling through them in order."""
    if n < 0:
        raise UsageError(f"number of images must be >= 0, got {n}")
    root = skimage_data_dir()
    photos = [_open_file(root / p.file) for p in OFFLINE_PHOTOS]
    return [photos[i % len(photos)].copy() for i in range(n)]


def load_image_folder(path: str | Path, n: int | None = None) -> list[Image.Image]:
    """The first ``n`` images (all when ``n`` is None) of a folder, sorted by file name."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise UsageError(f"image folder {str(folder)!r} does not exist")
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not files:
        raise DataError(
            f"no images in {str(folder)!r}",
            hint="expected files ending in " + ", ".join(IMAGE_SUFFIXES),
        )
    if n is not None:
        files = files[:n]
    return [_open_file(p) for p in files]


def decode_image(value: Any) -> Image.Image:
    """An RGB image from a dataset value: a PIL image, a path, raw bytes, or a Hugging Face
    ``datasets`` image dict (``{"bytes": ..., "path": ...}``)."""
    from PIL import Image

    if isinstance(value, Image.Image):
        return value if value.mode == "RGB" else value.convert("RGB")
    if isinstance(value, Mapping):
        if value.get("bytes"):
            return _open_bytes(value["bytes"], value.get("path") or "<image bytes>")
        if value.get("path"):
            return _open_file(Path(value["path"]))
        raise DataError(f"image value has neither bytes nor path: keys {sorted(value)}")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _open_bytes(bytes(value), "<image bytes>")
    if isinstance(value, (str, Path)):
        return _open_file(Path(value).expanduser())
    raise DataError(f"cannot read an image from a value of type {type(value).__name__}")


def _open_file(path: Path) -> Image.Image:
    if not path.is_file():
        raise DataError(f"image file {str(path)!r} does not exist")
    return _open_bytes(path.read_bytes(), str(path))


def _open_bytes(data: bytes, name: str) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DataError(
            f"cannot decode image {name}: {exc}".splitlines()[0],
            hint="the file is corrupt or not an image; remove it or pick another dataset",
        ) from exc
