from __future__ import annotations

import random

import pytest

from joulebench.errors import UsageError
from joulebench.quality.entities import (
    TaggedTokens,
    bio_entities,
    check_entity_types,
    entities_to_tags,
    entity_f1,
)


def test_get_entities_docstring_example_of_seqeval():
    assert bio_entities(["B-PER", "I-PER", "O", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]


def test_chunk_boundaries_as_conlleval():
    # I- after O opens a chunk (IOB1 tolerance); B- always does; a type change does.
    assert bio_entities(["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == [
        ("PER", 0, 1), ("LOC", 3, 3), ("LOC", 4, 4)]
    assert bio_entities(["B-PER", "I-LOC"]) == [("PER", 0, 0), ("LOC", 1, 1)]
    assert bio_entities(["B-PER", "B-PER"]) == [("PER", 0, 0), ("PER", 1, 1)]
    assert bio_entities(["O", "O"]) == []
    with pytest.raises(UsageError, match="not a BIO tag"):
        bio_entities(["PER"])


def test_seqeval_readme_example():
    # seqeval's README: f1_score(y_true, y_pred) == 0.50
    y_true = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    y_pred = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    refs = [TaggedTokens(tuple("abcdefg"), tuple(y_true[0])), TaggedTokens(("x", "y", "z"), tuple(y_true[1]))]
    f1, precision, recall = entity_f1(y_pred, refs)
    # gold MISC(3..5), PER(0..1); predicted MISC(2..5), PER(0..1): 1 of 2 right -> P = R = F1 = 0.5
    assert (f1.value, precision.value, recall.value) == (0.5, 0.5, 0.5)


def test_runner_entities_on_conll_words_by_hand():
    tokens = ("EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", ".")
    gold = ("B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O")
    # " ".join(tokens): EU 0-2, German 11-17, British 34-41, lamb 42-46
    entities = [{"entity_group": "ORG", "start": 0, "end": 2, "word": "EU"},
                {"entity_group": "MISC", "start": 11, "end": 17, "word": "German"},
                {"entity_group": "LOC", "start": 34, "end": 46, "word": "British lamb"}]
    assert entities_to_tags(tokens, entities) == [
        "B-ORG", "O", "B-MISC", "O", "O", "O", "B-LOC", "I-LOC", "O"]
    refs = [TaggedTokens(tokens, gold), TaggedTokens(("Peter", "Blackburn"), ("B-PER", "I-PER"))]
    f1, precision, recall = entity_f1([entities, []], refs)
    # sentence 1: predicted ORG, MISC, LOC; gold ORG, MISC, MISC -> 2 right of 3 and 3.
    # sentence 2: nothing predicted, 1 gold. Micro: P = 2/3, R = 2/4,
    # F1 = 2 * (2/3) * (1/2) / (2/3 + 1/2) = 4/7.
    assert precision.value == pytest.approx(2 / 3)
    assert recall.value == pytest.approx(1 / 2)
    assert f1.value == pytest.approx(4 / 7)
    assert f1.n == 2 and f1.ci95_low is not None and f1.ci95_high is not None


def test_a_subword_entity_tags_its_word_and_overlaps_keep_the_first():
    assert entities_to_tags(["Johnson", "x"], [{"entity_group": "PER", "start": 2, "end": 6}]) == [
        "B-PER", "O"]
    assert entities_to_tags(["a", "b"], [{"entity": "B-PER", "start": 0, "end": 3},
                                         {"entity_group": "LOC", "start": 2, "end": 3}]) == [
        "B-PER", "I-PER"]


def test_entity_types_must_overlap():
    check_entity_types(["O", "B-PER", "I-PER"], ["O", "B-PER", "B-LOC"])
    with pytest.raises(UsageError, match=r"entity types \{LABEL_0, LABEL_1\} match none"):
        check_entity_types(["LABEL_0", "LABEL_1"], ["O", "B-PER"])


def test_agrees_with_seqeval_where_installed():
    metrics = pytest.importorskip("seqeval.metrics")
    rng = random.Random(3)
    tags = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    for _ in range(20):
        lengths = [rng.randint(1, 12) for _ in range(8)]
        y_true = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        y_pred = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        refs = [TaggedTokens(tuple(map(str, range(len(t)))), tuple(t)) for t in y_true]
        ours = entity_f1(y_pred, refs, resamples=1)[0].value
        assert ours == pytest.approx(metrics.f1_score(y_true, y_pred, zero_division=0))
