from __future__ import annotations

import pytest

from joulebench.errors import UsageError
from joulebench.quality import (
    METRICS,
    TASK_KINDS,
    Options,
    TaggedTokens,
    label_map,
    metric_for,
    score_task,
)


def test_every_task_with_references_has_a_metric_and_back():
    assert set(METRICS) == set(TASK_KINDS)
    assert all(m.higher_is_better for m in METRICS.values())
    assert metric_for("summarization").name == "rougeL"
    assert metric_for("question-answering").name == "f1"
    assert metric_for("question-answering", "allenai/sciq").name == "accuracy"


def test_a_task_without_a_metric_names_those_with_one():
    with pytest.raises(UsageError, match="no quality metric for task 'fill-mask'") as err:
        metric_for("fill-mask")
    assert err.value.hint is not None and "text-classification" in err.value.hint
    with pytest.raises(UsageError, match="did you mean: text-classification"):
        metric_for("text-clasification")


def test_score_task_primary_metric_first():
    labels = label_map([0, 1], names=("negative", "positive"))
    (acc,) = score_task("text-classification", ["positive", "positive"], [0, 1],
                        Options(labels=labels))
    assert (acc.metric, acc.value) == ("accuracy", 0.5)
    f1, em = score_task("question-answering", [{"answer": "Paris"}], [("Paris",)])
    assert (f1.metric, em.metric, f1.value, em.value) == ("f1", "exact_match", 1.0, 1.0)
    acc, f1 = score_task("question-answering", [{"answer": "mesophilic organisms"}],
                         [("mesophilic organisms",)], Options(dataset="sciq"))
    assert (acc.metric, f1.metric) == ("accuracy", "f1")
    (f1, _p, _r) = score_task("token-classification", [["B-PER"]],
                              [TaggedTokens(("Ann",), ("B-PER",))])
    assert (f1.metric, f1.value) == ("entity_f1", 1.0)


def test_summarization_through_the_registry():
    pytest.importorskip("rouge_score")
    rouge_l, rouge_1, rouge_2 = score_task("summarization", [{"summary_text": "a b"}], ["a b"])
    assert [s.metric for s in (rouge_l, rouge_1, rouge_2)] == ["rougeL", "rouge1", "rouge2"]
    assert rouge_l.value == 1.0
