from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.errors import DataError
from joulebench.quality import load_study_quality

STUDY = Path(__file__).parents[2] / ".." / "shared" / "reference" / "power-hungry-processing"


@pytest.mark.skipif(not (STUDY / "eval" / "performance.csv").is_file(),
                    reason="the study's released data (../shared/reference) is not available")
def test_the_studys_performance_csv():
    rows = load_study_quality(STUDY)
    assert len(rows) == 144  # 48 model x task rows, 3 filled cells each
    by_key = {(r.model, r.dataset, r.metric): r for r in rows}
    flan = by_key[("google/flan-t5-xl", "sst2", "accuracy")]
    assert (flan.value, flan.task, flan.multi_purpose) == (0.9564, "text-classification", True)
    v2 = by_key[("deepset/roberta-base-squad2", "squad_v2", "f1")]
    assert (v2.value, v2.subset, v2.multi_purpose) == (0.8295, "has answer", False)
    assert by_key[("facebook/bart-large-cnn", "cnn_dailymail", "rouge")].value == 0.440558
    assert by_key[("bigscience/bloomz-560m", "rotten_tomatoes", "accuracy")].value == 0.848
    assert {r.task for r in rows} == {"text-classification", "question-answering", "summarization"}


def test_a_small_file_and_the_errors(tmp_path: Path):
    csv = tmp_path / "performance.csv"
    csv.write_text('model,task,type,sst2 (acc),"squad_v2 (f1, has answer)",cnn (rouge)\n'
                   "m,sentiment,seq2seq,0.5,,\n"
                   "q,qa,encoder-finetuned,,0.25,\n")
    rows = load_study_quality(csv)
    assert [(r.model, r.dataset, r.metric, r.value, r.subset) for r in rows] == [
        ("m", "sst2", "accuracy", 0.5, None), ("q", "squad_v2", "f1", 0.25, "has answer")]
    with pytest.raises(DataError, match="quality figures are not at"):
        load_study_quality(tmp_path / "absent")
    with pytest.raises(DataError, match="quality figures are not at"):
        load_study_quality(tmp_path / "nowhere" / "performance.csv")
    csv.write_text("model,task,type,sst2\nm,sentiment,seq2seq,0.5\n")
    with pytest.raises(DataError, match="is not '<dataset> \\(<metric>\\)'"):
        load_study_quality(csv)
    csv.write_text("model,task,type,sst2 (acc)\nm,sentiment,seq2seq,high\n")
    with pytest.raises(DataError, match=":2: sst2 \\(acc\\) is not a number"):
        load_study_quality(csv)
