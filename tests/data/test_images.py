from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from joulebench.data.images import (
    OFFLINE_PHOTOS,
    OFFLINE_PHOTOS_LICENCE,
    decode_image,
    load_image_folder,
    offline_photos,
)
from joulebench.errors import DataError, UsageError


def _png(size: tuple[int, int] = (8, 6), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def test_offline_photos_cycle_and_are_rgb() -> None:
    photos = offline_photos(len(OFFLINE_PHOTOS) + 2)
    assert len(photos) == len(OFFLINE_PHOTOS) + 2
    assert all(p.mode == "RGB" for p in photos)
    assert photos[0].size == (512, 512)  # astronaut
    assert photos[-2].tobytes() == photos[0].tobytes()
    assert offline_photos(0) == []


def test_offline_photos_licence_names_every_file() -> None:
    for photo in OFFLINE_PHOTOS:
        assert photo.file in OFFLINE_PHOTOS_LICENCE
    assert "CC0" in OFFLINE_PHOTOS_LICENCE


def test_load_image_folder_sorted_filtered_and_cut(tmp_path: Path) -> None:
    for name, size in [("b.png", (5, 5)), ("a.jpg", (4, 4)), ("c.webp", (3, 3))]:
        Image.new("RGB", size).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    images = load_image_folder(tmp_path)
    assert [im.size for im in images] == [(4, 4), (5, 5), (3, 3)]
    assert len(load_image_folder(tmp_path, 2)) == 2


def test_load_image_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(DataError, match="no images"):
        load_image_folder(tmp_path)


def test_decode_image_from_every_kind_of_value(tmp_path: Path) -> None:
    data = _png(mode="RGBA")
    path = tmp_path / "x.png"
    path.write_bytes(data)
    for value in (data, {"bytes": data, "path": None}, {"bytes": None, "path": str(path)},
                  str(path), path, Image.new("L", (8, 6))):
        image = decode_image(value)
        assert image.mode == "RGB" and image.size == (8, 6)


def test_corrupt_image_is_one_line_data_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    with pytest.raises(DataError) as caught:
        load_image_folder(tmp_path)
    assert "broken.jpg" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(DataError):
        decode_image(12345)
