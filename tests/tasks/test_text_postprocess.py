"""Pure post-processing of the text runners: entity aggregation, best answer span."""

from __future__ import annotations

import pytest

from joulebench.tasks.token_classification import aggregate


def test_aggregate_groups_b_i_runs_and_skips_specials() -> None:
    text = "John Smith lives in New York"
    labels = ["O", "B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"]
    scores = [1.0, 0.9, 0.7, 1.0, 1.0, 0.8, 0.6, 1.0]
    offsets = [(0, 0), (0, 4), (5, 10), (11, 16), (17, 19), (20, 23), (24, 28), (0, 0)]
    entities = aggregate(text, labels, scores, offsets)
    assert entities == [
        {"entity_group": "PER", "start": 0, "end": 10, "score": 0.8, "word": "John Smith"},
        {"entity_group": "LOC", "start": 20, "end": 28, "score": 0.7, "word": "New York"},
    ]


def test_aggregate_starts_a_new_entity_on_b() -> None:
    entities = aggregate("Ann Bob", ["B-PER", "B-PER"], [0.5, 0.5], [(0, 3), (4, 7)])
    assert [e["word"] for e in entities] == ["Ann", "Bob"]


def test_best_span_stays_in_context_and_ordered() -> None:
    torch = pytest.importorskip("torch")
    from joulebench.tasks.question_answering import best_span

    start = torch.tensor([9.0, 0.0, 1.0, 5.0, 0.0])
    end = torch.tensor([9.0, 0.0, 0.0, 1.0, 6.0])
    allowed = torch.tensor([False, True, True, True, True])
    s, e, score = best_span(start, end, allowed, max_len=15)
    assert (s, e) == (3, 4) and 0 < score <= 1
    s, e, _ = best_span(start, end, allowed, max_len=1)
    assert s == e
