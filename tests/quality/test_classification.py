from __future__ import annotations

import pytest

from joulebench.errors import UsageError
from joulebench.quality.classification import accuracy, label_map, match_label

SST2 = ("negative", "positive")


def test_task_specific_accuracy_by_label_names():
    labels = label_map([1, 0, 0, 0], names=SST2, model_labels=["NEGATIVE", "POSITIVE"])
    outputs = [{"label": "POSITIVE", "score": 0.9}, {"label": "NEGATIVE"},
               {"label": "POSITIVE"}, {"label": "NEGATIVE"}]
    s = accuracy(outputs, [1, 0, 0, 0], labels)
    # hits: 1, 1, 0, 1 -> 3 / 4
    assert (s.metric, s.value, s.n, s.n_unmapped) == ("accuracy", 0.75, 4, 0)
    assert "ClassLabel" in s.note


def test_zero_shot_text_mapped_by_label_words_unmapped_counted_as_wrong():
    outputs = [{"label": "positive"}, {"label": "The sentiment is Negative."},
               {"label": "neutral"}, {"label": "positive and negative"}, {"label": "Positive"}]
    s = accuracy(outputs, [1, 0, 1, 0, 1], label_map([1, 0, 1, 0, 1], names=SST2))
    # hits: 1, 1, 0 (no label word), 0 (two different label words), 1 -> 3 / 5
    assert s.value == pytest.approx(0.6)
    assert (s.n, s.n_unmapped) == (5, 2)


def test_match_label_rules():
    assert match_label("LABEL_1", SST2) == "positive"  # transformers' default name, by index
    assert match_label("0", SST2) == "negative"
    assert match_label("pos", SST2) == "positive"  # IMDB's ClassLabel spelling
    assert match_label("it is negative", SST2) == "negative"
    assert match_label("negatively", SST2) is None  # whole words only
    assert match_label("LABEL_5", SST2) is None
    assert match_label("1 star", ("1 star", "2 stars")) == "1 star"


def test_imdb_names_neg_pos_match_a_sentiment_model():
    labels = label_map([0, 1], names=("neg", "pos"), model_labels=["NEGATIVE", "POSITIVE"])
    assert labels.names == SST2
    assert accuracy([{"label": "NEGATIVE"}, {"label": "NEGATIVE"}], [0, 1], labels).value == 0.5


def test_numbers_without_names_by_convention_or_by_index():
    by_convention = label_map([0, 1, 1], model_labels=["NEGATIVE", "POSITIVE"])
    assert by_convention.names == SST2 and "0 = negative, 1 = positive" in by_convention.how
    by_index = label_map(["0", "1", "2"], model_labels=["LABEL_0", "LABEL_1", "LABEL_2"])
    assert by_index.names == ("label_0", "label_1", "label_2") and "by index" in by_index.how
    assert label_map(["pos", "neg"]).names == SST2  # text labels name themselves


def test_sst2_test_split_labels_minus_one_are_excluded():
    s = accuracy(["positive", "positive", "negative"], [-1, 1, 1], label_map([1], names=SST2))
    assert (s.value, s.n, s.n_excluded) == (0.5, 2, 1)


def test_labels_that_do_not_match_the_model_say_which():
    with pytest.raises(UsageError, match=r"model's labels \{1 star, 5 stars\} match none"):
        label_map([0, 1], names=SST2, model_labels=["1 star", "5 stars"])
    with pytest.raises(UsageError, match=r"dataset label\(s\) positive match none"):
        label_map([0, 1], names=SST2, model_labels=["negative", "neutral"])
    with pytest.raises(UsageError, match=r"\{0, 1, 2\} are numbers without names"):
        label_map([0, 1, 2], model_labels=["NEGATIVE", "NEUTRAL", "POSITIVE"])
    with pytest.raises(UsageError, match="outside the label names"):
        label_map([0, 2], names=SST2)
    with pytest.raises(UsageError, match="2 outputs but 1 references"):
        accuracy(["positive", "negative"], [1])


def test_a_three_way_model_on_a_binary_dataset_counts_neutral_as_unmapped():
    labels = label_map([0, 1], names=SST2, model_labels=["negative", "neutral", "positive"])
    s = accuracy([{"label": "neutral"}, {"label": "positive"}], [0, 1], labels)
    assert (s.value, s.n_unmapped) == (0.5, 1)
