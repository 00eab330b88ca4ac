"""The task registry: every task by name, each a :class:`~joulebench.tasks.base.TaskPlugin`.

The built-ins are the ten tasks of the "Power Hungry Processing" study (:data:`STUDY_TASKS`,
the quick and paper suites), then the two AI Energy Score tasks the study did not have
(sentence similarity, speech recognition). Each is one registration below, a lazy target
(a task module with ``SPEC`` and ``load()``), so importing this catalog costs nothing (no
torch). Other packages add tasks through the ``joulebench.tasks`` entry-point group
(docs/plugins.md)::

    [project.entry-points."joulebench.tasks"]
    my-task = "my_package.my_task"

A task module exposes::

    SPEC: TaskSpec  # name, input kind, default columns, declared options ...
    def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
             trust_remote_code: bool = False, **declared_options) -> LoadedTask
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..registry import Registry
from ..spec import TaskSpec
from .base import TaskPlugin


def _check_task(name: str, obj: Any) -> TaskPlugin:
    spec = getattr(obj, "SPEC", None)
    if not isinstance(spec, TaskSpec):
        raise TypeError(f"{obj!r} has no SPEC (a joulebench.spec.TaskSpec)")
    if spec.name != name:
        raise ValueError(f"its SPEC is named {spec.name!r}, not {name!r}")
    if not callable(getattr(obj, "load", None)):
        raise TypeError(f"{obj!r} has no load() function")
    return obj


TASKS: Registry[TaskPlugin] = Registry("task", group="joulebench.tasks", check=_check_task)
TASKS.add("text-classification", "joulebench.tasks.text_classification")
TASKS.add("token-classification", "joulebench.tasks.token_classification")
TASKS.add("question-answering", "joulebench.tasks.question_answering")
TASKS.add("fill-mask", "joulebench.tasks.fill_mask")
TASKS.add("text-generation", "joulebench.tasks.text_generation")
TASKS.add("summarization", "joulebench.tasks.summarization")
TASKS.add("image-classification", "joulebench.tasks.image_classification")
TASKS.add("object-detection", "joulebench.tasks.object_detection")
TASKS.add("image-to-text", "joulebench.tasks.image_to_text")
TASKS.add("text-to-image", "joulebench.tasks.text_to_image")
TASKS.add("sentence-similarity", "joulebench.tasks.sentence_similarity")
TASKS.add("automatic-speech-recognition", "joulebench.tasks.speech_recognition")

# name → module path of the built-in tasks, in registration order.
TASK_MODULES: dict[str, str] = {e.name: e.target for e in TASKS.built_ins()}
# The study's ten tasks, in its order (the quick and paper suites cover exactly these).
STUDY_TASKS: tuple[str, ...] = tuple(TASK_MODULES)[:10]


def task_names() -> list[str]:
    """Every task name: the study's ten in its order, the AI Energy Score's two, then
    those of installed plugins."""
    return TASKS.names()


def batched_tasks() -> list[str]:
    """The tasks whose runners take several inputs per call (``--batch-size`` > 1); for
    hints, so a plugin that cannot be loaded is left out here (its own lookup says why)."""
    names = []
    for name in TASKS.names():
        try:
            if get_task(name).SPEC.batched:
                names.append(name)
        except UsageError:
            continue
    return names


def get_task(name: str) -> TaskPlugin:
    """The task ``name`` (imported now); unknown names raise UsageError with the closest."""
    return TASKS.get(name)
