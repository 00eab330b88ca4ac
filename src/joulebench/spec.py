"""The task contract, below ``tasks``, ``data`` and ``models``: what a task declares.

:class:`TaskSpec` is a task's static description (the name, the :class:`InputKind` of
example it takes, its default dataset columns, the study's preprocessing, the options it
accepts). ``joulebench.data`` reads it to turn dataset rows into examples and
``joulebench.tasks`` builds runners to it; neither imports the other for it.

Task options are declared (:class:`TaskOption`: name, type among ``int``, ``float``,
``bool``, ``str``, default, help) and :meth:`TaskSpec.bind_options` checks a job's
``--option`` values against them before any model loads: an undeclared name or a value
of the wrong type is a :class:`UsageError` that lists the declared options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

from .errors import UsageError, closest

OptionValue = str | int | float | bool
OPTION_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


class InputKind(str, Enum):
    """The form of example a task's ``prepare()`` takes (a ``str``: ``kind == "text"``)."""

    TEXT = "text"  # a string
    QUESTION_CONTEXT = "question-context"  # {"question": ..., "context": ...}
    SENTENCE_PAIR = "sentence-pair"  # {"sentence1": ..., "sentence2": ...}
    IMAGE = "image"  # a decoded RGB image (PIL)
    AUDIO = "audio"  # decoded audio (joulebench.data.audio)
    PROMPT = "prompt"  # a text prompt for a generator (text-to-image)

    def __str__(self) -> str:
        return self.value


def _type_name(kind: Any) -> str:
    return getattr(kind, "__name__", repr(kind))


@dataclass(frozen=True)
class TaskOption:
    """One option a task accepts (``--option NAME=VALUE``, a suite's ``options = {...}``).

    ``default`` is what the task does without it (``None``: the task or model decides);
    it is documentation, and the task's ``load()`` keyword default must match it.
    """

    name: str
    type: type
    default: OptionValue | None = None
    help: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise UsageError(f"task option name {self.name!r} is not an identifier")
        if self.type not in OPTION_TYPES.values():
            raise UsageError(
                f"task option {self.name!r} declares type {_type_name(self.type)}; "
                "option types are: " + ", ".join(OPTION_TYPES)
            )
        if self.default is not None:
            self.coerce(self.default)

    @property
    def type_name(self) -> str:
        return _type_name(self.type)

    def coerce(self, value: Any) -> OptionValue:
        """``value`` as this option's type, or a UsageError (``int`` widens to ``float``;
        a ``str`` option takes any scalar as its text)."""
        ok: bool
        if self.type is bool:
            ok = isinstance(value, bool)
        elif self.type is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.type is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value) if ok else value
        else:
            ok = isinstance(value, str | int | float | bool)
            value = str(value) if ok else value
        if not ok:
            raise UsageError(
                f"task option {self.name}={value!r}: expected {self.type_name}",
                hint=self.describe(),
            )
        return cast("str | int | float | bool", value)

    def describe(self) -> str:
        text = f"{self.name} ({self.type_name}, default {self.default!r})"
        return f"{text}: {self.help}" if self.help else text


@dataclass(frozen=True)
class TaskSpec:
    """Static description of a task: its name, what inputs it needs, how the study cut them."""

    name: str  # e.g. "text-classification"
    title: str  # e.g. "Text classification"
    input_kind: InputKind
    default_columns: tuple[str, ...]  # dataset columns it reads by default
    preprocessing: str  # human text for reports: "first 20 words, 10 new tokens"
    model_kinds: tuple[str, ...] = ()  # architectures / auto classes that fit
    zero_shot: bool = False
    batched: bool = False  # its runners have ``run_batch`` (``--batch-size`` > 1)
    options: tuple[TaskOption, ...] = ()

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "input_kind", InputKind(self.input_kind))
        except ValueError:
            raise UsageError(
                f"task {self.name!r} declares input kind {self.input_kind!r}",
                hint="input kinds: " + ", ".join(k.value for k in InputKind),
            ) from None
        names = [o.name for o in self.options]
        for option in self.options:
            if not isinstance(option, TaskOption):
                raise UsageError(f"task {self.name!r}: options must be TaskOption, got "
                                 f"{type(option).__name__}")
            if names.count(option.name) > 1:
                raise UsageError(f"task {self.name!r} declares option {option.name!r} twice")

    def option(self, name: str) -> TaskOption:
        for option in self.options:
            if option.name == name:
                return option
        declared = [o.name for o in self.options]
        listing = ("its options: " + ", ".join(declared)) if declared else "it takes no options"
        raise UsageError(
            f"task {self.name} has no option {name!r}{closest(name, declared)}; {listing}",
            hint="; ".join(o.describe() for o in self.options) or None,
        )

    def bind_options(self, options: Mapping[str, Any]) -> dict[str, OptionValue]:
        """The given options checked against the declared ones and converted to their
        types (only those given: the task's defaults apply to the rest)."""
        return {name: self.option(name).coerce(value) for name, value in options.items()}


__all__ = ["OPTION_TYPES", "InputKind", "OptionValue", "TaskOption", "TaskSpec"]
