"""Offline samples: real text and photos that ship with the installed packages.

- ``offline:text``: English paragraphs (20 words or more) of CPython's documentation
  topics (``pydoc_data.topics``), prose only (grammar and code blocks skipped). PSF licence.
- ``offline:qa``: synthetic extractive QA built from the same topics: for each heading X,
  the question "What is X?" and, as context, the prose that follows the heading.
- ``offline:sentence-pairs``: synthetic sentence-similarity pairs from the same
  paragraphs: two adjacent sentences of one paragraph (``sentence1``, ``sentence2``).
  PSF licence. Related by position only; nobody judged their similarity.
- ``offline:photos``: photos bundled in scikit-image's wheel (:mod:`.images`).
- ``offline:audio``: synthetic 16 kHz clips (tones, a chirp, noise; not speech) made from
  fixed seeds (:mod:`.audio`). CC0.
- ``offline:prompts``: short image-generation prompts written for joulebench (CC0).

A sample with fewer distinct rows than asked for is cycled; ``source`` says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import UsageError, closest

PREFIX = "offline:"
PSF = "PSF-2.0 (CPython documentation, pydoc_data.topics)"
MIN_WORDS = 20
MAX_CONTEXT_WORDS = 300
_UNDERLINE = set("*=-~^")

PROMPTS: tuple[str, ...] = (
    "a red bicycle leaning against a brick wall at sunset",
    "a bowl of ramen on a wooden table, steam rising",
    "a lighthouse on a rocky coast during a storm",
    "an astronaut riding a horse on the moon",
    "a watercolour painting of a fox in a snowy forest",
    "a cosy reading nook with a cat asleep on a pile of books",
    "a futuristic city skyline at night with flying cars",
    "a close-up photo of a dew drop on a green leaf",
    "an old fishing boat in a quiet harbour at dawn",
    "a bowl of fresh fruit in the style of a Dutch still life",
    "a mountain lake reflecting snow-capped peaks",
    "a robot watering plants in a greenhouse",
    "a street market in the rain with colourful umbrellas",
    "a hot air balloon over a field of lavender",
    "a pencil sketch of an owl perched on a branch",
    "a cup of coffee with latte art on a marble counter",
    "a child flying a kite on a windy beach",
    "a medieval castle on a hill under a starry sky",
    "a vintage car parked on a desert road",
    "a sunflower field under a bright blue sky",
)
PROMPTS_LICENCE = "CC0 1.0 (prompts written for joulebench)"


def _blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", text) if b.strip()]


def _heading(block: str) -> str | None:
    lines = block.strip("\n").splitlines()
    if len(lines) == 2 and lines[1].strip() and set(lines[1].strip()) <= _UNDERLINE:
        return lines[0].strip()
    return None


def _prose(block: str) -> bool:
    return not block[0].isspace() and _heading(block) is None


def text_rows() -> list[str]:
    from ..models.corpus import pydoc_topics

    rows = []
    for text in pydoc_topics().values():
        for block in _blocks(text):
            words = block.split()
            if _prose(block) and len(words) >= MIN_WORDS:
                rows.append(" ".join(words))
    return rows


def qa_rows() -> list[dict[str, str]]:
    from ..models.corpus import pydoc_topics

    rows = []
    for text in pydoc_topics().values():
        blocks = _blocks(text)
        for i, block in enumerate(blocks):
            heading = _heading(block)
            if heading is None:
                continue
            words: list[str] = []
            for following in blocks[i + 1:]:
                if _heading(following) is not None or len(words) >= MAX_CONTEXT_WORDS:
                    break
                if _prose(following):
                    words.extend(following.split())
            if len(words) >= MIN_WORDS:
                context = " ".join(words[:MAX_CONTEXT_WORDS])
                rows.append({"question": f"What is {heading[0].lower()}{heading[1:]}?",
                             "context": context})
    return rows


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
MIN_SENTENCE_WORDS = 5


def sentence_pair_rows() -> list[dict[str, str]]:
    """Adjacent sentences of each :func:`text_rows` paragraph, paired without overlap."""
    rows = []
    for paragraph in text_rows():
        sentences = [s for s in _SENTENCE_END.split(paragraph)
                     if len(s.split()) >= MIN_SENTENCE_WORDS]
        for first, second in zip(sentences[::2], sentences[1::2], strict=False):
            rows.append({"sentence1": first, "sentence2": second})
    return rows


def _audio(n: int) -> tuple[list[Any], str, str]:
    from .audio import OFFLINE_AUDIO_LICENCE, OFFLINE_CLIPS, offline_clips

    source = (f"synthetic 16 kHz clips, 5-10 s of tones, a chirp and noise, not speech "
              f"({OFFLINE_CLIPS} distinct" + (f", cycled to {n})" if n > OFFLINE_CLIPS else ")"))
    return offline_clips(n), source, OFFLINE_AUDIO_LICENCE


def _photos(n: int) -> tuple[list[Any], str, str]:
    from .images import OFFLINE_PHOTOS, OFFLINE_PHOTOS_LICENCE, offline_photos

    source = f"scikit-image bundled photos ({len(OFFLINE_PHOTOS)} distinct)"
    return offline_photos(n), source, OFFLINE_PHOTOS_LICENCE


def _cycled(rows: list[Any], n: int, what: str, licence: str) -> tuple[list[Any], str, str]:
    source = f"{what} ({len(rows)} distinct rows"
    source += f", cycled to {n})" if n > len(rows) else ")"
    return [rows[i % len(rows)] for i in range(n)], source, licence


SAMPLES: dict[str, Callable[[int], tuple[list[Any], str, str]]] = {
    "text": lambda n: _cycled(text_rows(), n, "CPython pydoc_data.topics paragraphs", PSF),
    "qa": lambda n: _cycled(qa_rows(), n, "synthetic QA from CPython pydoc_data.topics "
                            "headings ('What is <heading>?' + following prose)", PSF),
    "sentence-pairs": lambda n: _cycled(sentence_pair_rows(), n, "synthetic sentence pairs: "
                                        "adjacent sentences of CPython pydoc_data.topics "
                                        "paragraphs", PSF),
    "photos": _photos,
    "audio": _audio,
    "prompts": lambda n: _cycled(list(PROMPTS), n, "joulebench image prompts", PROMPTS_LICENCE),
}


def offline_sample(spec: str, n: int) -> tuple[list[Any], str, str]:
    """(rows, source, licence) for ``offline:<name>``."""
    name = spec[len(PREFIX):] if spec.startswith(PREFIX) else spec
    if name not in SAMPLES:
        raise UsageError(f"unknown offline sample {spec!r}{closest(name, list(SAMPLES))}",
                         hint="offline samples: " + ", ".join(PREFIX + s for s in SAMPLES))
    return SAMPLES[name](n)
