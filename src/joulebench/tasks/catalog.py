"""The tasks, by name, each a module with ``SPEC`` and ``load()``: the ten of the "Power
Hungry Processing" study (:data:`STUDY_TASKS`, the quick and paper suites), then the two
AI Energy Score tasks the study did not have (sentence similarity, speech recognition).

Every task module exposes::

    SPEC: TaskSpec
    def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
             trust_remote_code: bool = False) -> LoadedTask

Modules are imported lazily, so importing this catalog costs nothing (no torch).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import UsageError, closest

TASK_MODULES: dict[str, str] = {
    "text-classification": "joulebench.tasks.text_classification",
    "token-classification": "joulebench.tasks.token_classification",
    "question-answering": "joulebench.tasks.question_answering",
    "fill-mask": "joulebench.tasks.fill_mask",
    "text-generation": "joulebench.tasks.text_generation",
    "summarization": "joulebench.tasks.summarization",
    "image-classification": "joulebench.tasks.image_classification",
    "object-detection": "joulebench.tasks.object_detection",
    "image-to-text": "joulebench.tasks.image_to_text",
    "text-to-image": "joulebench.tasks.text_to_image",
    "sentence-similarity": "joulebench.tasks.sentence_similarity",
    "automatic-speech-recognition": "joulebench.tasks.speech_recognition",
}
# The study's ten tasks, in its order (the quick and paper suites cover exactly these).
STUDY_TASKS: tuple[str, ...] = (
    "text-classification", "token-classification", "question-answering", "fill-mask",
    "text-generation", "summarization", "image-classification", "object-detection",
    "image-to-text", "text-to-image",
)


def task_names() -> list[str]:
    """Every task name: the study's ten in its order, then the AI Energy Score's two."""
    return list(TASK_MODULES)


def batched_tasks() -> list[str]:
    """The tasks whose runners take several inputs per call (``--batch-size`` > 1)."""
    return [name for name in TASK_MODULES if get_task(name).SPEC.batched]


def get_task(name: str) -> ModuleType:
    """The task module for ``name`` (imported now); unknown names raise UsageError."""
    try:
        module_path = TASK_MODULES[name]
    except KeyError:
        raise UsageError(
            f"unknown task {name!r}{closest(name, list(TASK_MODULES))}",
            hint="valid tasks: " + ", ".join(TASK_MODULES),
        ) from None
    return importlib.import_module(module_path)
