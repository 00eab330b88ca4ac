"""joulebench.spec: input kinds, declared task options, and the runner checking them first."""

from __future__ import annotations

import inspect

import pytest

from joulebench.bench.runner import validate_job
from joulebench.bench.spec import JobSpec
from joulebench.errors import UsageError
from joulebench.spec import InputKind, TaskOption, TaskSpec
from joulebench.tasks.catalog import TASK_MODULES, get_task

SPEC = TaskSpec(name="t", title="T", input_kind="image", default_columns=(), preprocessing="",
                options=(TaskOption("steps", int, 4, "denoising steps"),
                         TaskOption("threshold", float, 0.9),
                         TaskOption("zero_shot", bool, None),
                         TaskOption("label", str, None)))


def test_input_kind_is_an_enum_that_equals_its_text() -> None:
    assert SPEC.input_kind is InputKind.IMAGE and SPEC.input_kind == "image"
    with pytest.raises(UsageError, match="declares input kind 'video'"):
        TaskSpec(name="t", title="T", input_kind="video", default_columns=(),  # type: ignore[arg-type]
                 preprocessing="")


def test_an_option_of_unknown_type_is_refused() -> None:
    with pytest.raises(UsageError) as info:
        TaskOption("sizes", list)
    assert str(info.value) == ("task option 'sizes' declares type list; option types are: "
                               "int, float, bool, str")
    with pytest.raises(UsageError, match="expected int"):
        TaskOption("steps", int, "four")
    with pytest.raises(UsageError, match="twice"):
        TaskSpec(name="t", title="T", input_kind="text", default_columns=(), preprocessing="",
                 options=(TaskOption("a", int), TaskOption("a", int)))


def test_bind_options_checks_names_and_types() -> None:
    assert SPEC.bind_options({}) == {}
    bound = SPEC.bind_options({"steps": 2, "threshold": 1, "zero_shot": True, "label": 7})
    assert bound == {"steps": 2, "threshold": 1.0, "zero_shot": True, "label": "7"}
    assert isinstance(bound["threshold"], float)
    with pytest.raises(UsageError) as info:
        SPEC.bind_options({"step": 2})
    assert str(info.value) == ("task t has no option 'step' (did you mean: steps?); "
                               "its options: steps, threshold, zero_shot, label")
    assert "steps (int, default 4): denoising steps" in (info.value.hint or "")
    for bad in ({"steps": 2.5}, {"steps": True}, {"zero_shot": "yes"}, {"threshold": "x"}):
        with pytest.raises(UsageError, match="expected"):
            SPEC.bind_options(bad)


def test_validate_job_refuses_an_undeclared_option_before_anything_loads() -> None:
    job = JobSpec(task="text-classification", dataset="offline:text",
                  model="random:distilbert-base-uncased-finetuned-sst-2-english",
                  options={"zero_shoot": True})
    with pytest.raises(UsageError) as info:
        validate_job(job)
    assert str(info.value) == ("task text-classification has no option 'zero_shoot' "
                               "(did you mean: zero_shot?); its options: zero_shot")
    fill = JobSpec(task="fill-mask", model="random:bert-base-uncased", dataset="offline:text",
                   options={"zero_shot": True})
    with pytest.raises(UsageError, match="takes no options"):
        validate_job(fill)
    validate_job(JobSpec(task="text-to-image", model="random:segmind/tiny-sd",
                         dataset="offline:prompts", options={"num_inference_steps": 2}))


@pytest.mark.parametrize("name", list(TASK_MODULES))
def test_declared_options_match_each_built_in_load(name: str) -> None:
    """Every keyword ``load()`` takes past the common ones is declared, with its default."""
    task = get_task(name)
    params = inspect.signature(task.load).parameters
    keywords = {k: p.default for k, p in params.items()
                if p.kind is p.KEYWORD_ONLY and k not in ("device", "dtype", "trust_remote_code")}
    assert {o.name: o.default for o in task.SPEC.options} == keywords
