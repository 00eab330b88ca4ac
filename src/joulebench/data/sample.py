"""What a dataset source yields: the first N examples, ready for a task's ``prepare()``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DatasetSample:
    name: str  # what the user asked for, e.g. "imdb", "offline:text", "reviews.csv"
    rows: list[Any]  # str (text tasks), dict(question=, context=) (QA), PIL images,
    # dict(sentence1=, sentence2=) (sentence similarity), dict(array=, sampling_rate=) (audio)
    fingerprint: str  # "sha256:<hex>" over the rows' content, in order
    source: str  # where the rows came from: dataset id, config, split, column; file path
    licence: str  # the data's licence as far as it is known
    columns: tuple[str, ...] = ()  # the columns read, when the source has columns


def _row_bytes(row: Any) -> bytes:
    if hasattr(row, "tobytes") and hasattr(row, "size") and hasattr(row, "mode"):  # PIL image
        header = json.dumps({"size": list(row.size), "mode": row.mode}).encode()
        return header + row.tobytes()
    if isinstance(row, dict) and any(hasattr(v, "tobytes") and hasattr(v, "dtype")
                                     for v in row.values()):  # audio: numpy samples
        arrays = {k: v for k, v in row.items() if hasattr(v, "tobytes") and hasattr(v, "dtype")}
        fields: dict[str, Any] = {k: v for k, v in row.items() if k not in arrays}
        fields.update({k: [str(v.dtype), list(v.shape)] for k, v in arrays.items()})
        body = b"".join(arrays[k].tobytes() for k in sorted(arrays))
        return json.dumps(fields, sort_keys=True, default=str).encode("utf-8") + body
    return json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def fingerprint(rows: Iterable[Any]) -> str:
    """sha256 over the rows' content (text as UTF-8 JSON, images as size, mode and pixels,
    audio as its rate, shape and samples)."""
    digest = hashlib.sha256()
    for row in rows:
        data = _row_bytes(row)
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return "sha256:" + digest.hexdigest()
