from __future__ import annotations

import pytest

from joulebench.errors import UsageError
from joulebench.quality.squad import (
    exact_match,
    gold_answers,
    normalize_answer,
    squad_scores,
    token_f1,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("The Cat!", "cat"),  # lower case, punctuation and the article gone
    ("  an  apple, a pear ", "apple pear"),  # articles a/an, whitespace collapsed
    ("the", ""),
    ("Theory of the Atom", "theory of atom"),  # "the" only as a whole word
    ("A.B.C.", "abc"),  # punctuation is removed, not replaced by spaces
    ("Denver\tBroncos\n", "denver broncos"),
])
def test_official_normalisation(text: str, expected: str):
    assert normalize_answer(text) == expected


def test_exact_match_and_f1_by_hand():
    assert exact_match("The Denver Broncos.", "Denver Broncos") == 1.0
    # pred "the cat sat on the mat" -> cat sat on mat (4); gold "a cat on a mat" -> cat on mat (3)
    # common 3: P = 3/4, R = 3/3, F1 = 2 * 0.75 * 1 / 1.75 = 6/7
    assert token_f1("the cat sat on the mat", "a cat on a mat") == pytest.approx(6 / 7)
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0  # the v2.0 rule
    assert token_f1("dog", "cat") == 0.0


def test_squad_scores_max_over_gold_and_has_answer_subset():
    outputs = [{"answer": "Denver Broncos"}, {"answer": "Denver"}, {"answer": "something"}]
    references = [
        {"text": ["Denver Broncos", "The Denver Broncos"], "answer_start": [0, 0]},
        {"text": ["Denver Broncos", "Broncos"], "answer_start": [0, 7]},
        {"text": [], "answer_start": []},  # SQuAD v2: unanswerable
    ]
    f1, em = squad_scores(outputs, references)
    # q1: F1 1, EM 1. q2: "denver" vs "denver broncos": P = 1, R = 1/2, F1 = 2/3; vs
    # "broncos": 0; max 2/3; EM 0. q3 excluded (has-answer subset).
    assert f1.value == pytest.approx((1 + 2 / 3) / 2)
    assert em.value == pytest.approx(0.5)
    assert (f1.n, f1.n_excluded, em.metric) == (2, 1, "exact_match")
    f1_all, em_all = squad_scores(outputs, references, has_answer_only=False)
    # q3 now counts, gold "" vs "something": 0 -> F1 (1 + 2/3 + 0) / 3, EM 1/3
    assert f1_all.value == pytest.approx(5 / 9)
    assert em_all.value == pytest.approx(1 / 3)


def test_gold_answer_forms():
    assert gold_answers("Paris") == ("Paris",)
    assert gold_answers(["a", "b"]) == ("a", "b")
    assert gold_answers('{"text": ["x"], "answer_start": [3]}') == ("x",)  # as a CSV holds it
    assert gold_answers("[not json") == ("[not json",)
    with pytest.raises(UsageError, match="'text' list"):
        gold_answers({"answer": "x"})
