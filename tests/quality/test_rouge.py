from __future__ import annotations

import pytest

pytest.importorskip("rouge_score")

from joulebench.quality.rouge import rouge_scores


def test_rouge_l_is_the_lcs_f_measure_by_hand():
    # ref [police killed the gunman], pred [the gunman killed police] (4 tokens each).
    # LCS: "the gunman" = 2 -> P = R = 2/4 -> ROUGE-L F = 0.5.
    # ROUGE-1: all 4 unigrams shared -> 1.0. ROUGE-2: ref bigrams {police killed, killed the,
    # the gunman}, pred {the gunman, gunman killed, killed police}: 1 shared -> 1/3.
    rouge_l, rouge_1, rouge_2 = rouge_scores(["the gunman killed police"],
                                             ["police killed the gunman"])
    assert (rouge_l.metric, rouge_1.metric, rouge_2.metric) == ("rougeL", "rouge1", "rouge2")
    assert rouge_l.value == pytest.approx(0.5)
    assert rouge_1.value == pytest.approx(1.0)
    assert rouge_2.value == pytest.approx(1 / 3)


def test_stemming_is_on_by_default_and_can_be_turned_off():
    ref, pred = "The cats are running", "the cat runs"
    # Stemmed: ref [the cat are run], pred [the cat run]: LCS 3, P = 3/3, R = 3/4,
    # F = 2 * 1 * 0.75 / 1.75 = 6/7.
    stemmed = rouge_scores([{"summary_text": pred}], [ref])[0]
    assert stemmed.value == pytest.approx(6 / 7)
    assert "Porter stemming" in stemmed.note
    # Unstemmed: ref [the cats are running], pred [the cat runs]: LCS 1 ("the"),
    # P = 1/3, R = 1/4, F = 2 * (1/12) / (7/12) = 2/7.
    assert rouge_scores([pred], [ref], stemming=False)[0].value == pytest.approx(2 / 7)


def test_mean_over_queries_and_missing_references_excluded():
    rouge_l = rouge_scores(["a b", "x y", "z"], ["a b", "x q", None])[0]
    # query 1: identical -> 1; query 2: LCS 1 of 2 and 2 -> 0.5; query 3 excluded
    assert rouge_l.value == pytest.approx(0.75)
    assert (rouge_l.n, rouge_l.n_excluded) == (2, 1)


def test_several_references_take_the_best():
    assert rouge_scores(["a b"], [["x y", "a b"]])[0].value == pytest.approx(1.0)
