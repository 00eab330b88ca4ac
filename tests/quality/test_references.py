from __future__ import annotations

import pytest

from joulebench.errors import UsageError
from joulebench.quality import (
    TaggedTokens,
    dataset_key,
    find_references,
    reference_column,
)
from joulebench.quality.references import CONLL2003_TAGS, LABEL, TAGS


def test_dataset_keys():
    assert dataset_key("stanfordnlp/imdb") == "imdb"
    assert dataset_key("glue", "sst2") == "sst2"
    assert dataset_key("EdinburghNLP/xsum") == "xsum"


@pytest.mark.parametrize(("dataset", "task", "columns", "column"), [
    ("stanfordnlp/sst2", "text-classification", ["idx", "sentence", "label"], "label"),
    ("imdb", "text-classification", ["text", "label"], "label"),
    ("cornell-movie-review-data/rotten_tomatoes", "text-classification", ["text", "label"], "label"),
    ("rajpurkar/squad", "question-answering", ["id", "question", "context", "answers"], "answers"),
    ("squad_v2", "question-answering", ["question", "context", "answers"], "answers"),
    ("allenai/sciq", "question-answering", ["question", "support", "correct_answer"], "correct_answer"),
    ("Samsung/samsum", "summarization", ["id", "dialogue", "summary"], "summary"),
    ("EdinburghNLP/xsum", "summarization", ["document", "summary", "id"], "summary"),
    ("abisee/cnn_dailymail", "summarization", ["article", "highlights", "id"], "highlights"),
    ("eriktks/conll2003", "token-classification", ["tokens", "pos_tags", "ner_tags"], "ner_tags"),
    ("unimelb-nlp/wikiann", "token-classification", ["tokens", "ner_tags", "langs"], "ner_tags"),
])
def test_known_reference_columns(dataset: str, task: str, columns: list[str], column: str):
    ref = reference_column(dataset, columns, task)
    assert ref is not None and ref.column == column and ref.source.startswith("known")


def test_known_label_names():
    ref = reference_column("imdb", ["text", "label"], "text-classification")
    assert ref is not None and (ref.kind, ref.names) == (LABEL, ("neg", "pos"))
    given = reference_column("imdb", ["text", "label"], "text-classification",
                             label_names=["bad", "good"])
    assert given is not None and given.names == ("bad", "good")  # the features win


def test_no_known_references_is_none_and_ai_energy_score_uses_conventional_columns():
    assert reference_column("my.csv", ["text", "label"], "text-classification") is None
    assert reference_column("imdb", ["text", "label"], "fill-mask") is None
    ref = reference_column("AIEnergyScore/text_classification", ["text", "label"],
                           "text-classification")
    assert ref is not None and ref.column == "label" and "conventional" in ref.source
    assert reference_column("AIEnergyScore/summarization", ["text"], "summarization") is None


def test_label_column_errors_list_the_columns():
    with pytest.raises(UsageError, match=r"label column 'gold' does not exist; columns: text, y"):
        reference_column("my.csv", ["text", "y"], "text-classification", label_column="gold")
    with pytest.raises(UsageError, match=r"no reference column 'summary'; columns: dialogue, id"):
        reference_column("samsum", ["dialogue", "id"], "summarization")
    with pytest.raises(UsageError, match="no quality metric for task 'fill-mask'"):
        reference_column("my.csv", ["text", "y"], "fill-mask", label_column="y")
    with pytest.raises(UsageError, match="need the words beside the tags"):
        reference_column("my.csv", ["text", "tags"], "token-classification", label_column="tags")


def test_reading_references_per_task():
    rows = [{"sentence": "good", "label": 1}, {"sentence": "bad", "label": 0}]
    ref, values = find_references("glue", rows, "text-classification", config="sst2") or (None, [])
    assert ref is not None and values == [1, 0]
    squad_rows = [{"question": "q", "context": "c", "answers": {"text": ["x", "y"], "answer_start": [0, 2]}},
                  {"question": "q", "context": "c", "answers": {"text": [], "answer_start": []}}]
    found = find_references("squad_v2", squad_rows, "question-answering")
    assert found is not None and found[1] == [("x", "y"), ()]
    sciq = find_references("sciq", [{"question": "q", "support": "s", "correct_answer": "ions"}],
                           "question-answering")
    assert sciq is not None and sciq[1] == [("ions",)]
    conll = find_references("conll2003", [{"tokens": ["EU", "rejects"], "ner_tags": [3, 0]}],
                            "token-classification")
    assert conll is not None and conll[0].kind == TAGS and conll[0].names == CONLL2003_TAGS
    assert conll[1] == [TaggedTokens(("EU", "rejects"), ("B-ORG", "O"))]


def test_local_file_references_with_label_column():
    rows = [{"tokens": '["Ann", "ran"]', "tags": '["B-PER", "O"]'}]
    found = find_references("data.csv", rows, "token-classification", label_column="tags")
    assert found is not None and found[1] == [TaggedTokens(("Ann", "ran"), ("B-PER", "O"))]
    numeric = [{"tokens": '["Ann"]', "tags": "[1]"}]
    with pytest.raises(UsageError, match="numbers without names"):
        find_references("data.csv", numeric, "token-classification", label_column="tags")
    csv_rows = [{"text": "fine", "sentiment": "positive"}]
    labels = find_references("data.csv", csv_rows, "text-classification", label_column="sentiment")
    assert labels is not None and labels[0].source == "--label-column" and labels[1] == ["positive"]
