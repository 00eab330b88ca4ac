from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from joulebench import units
from joulebench.analysis import run_sample
from joulebench.errors import DataError
from joulebench.measure.sensor import Domain, Method
from joulebench.store import Store
from joulebench.store.codecarbon_import import Labels, column_set, import_paths, parse_file
from joulebench.store.codecarbon_index import load_index, parse_study_name

V1 = [
    "timestamp",
    "project_name",
    "duration",
    "emissions",
    "energy_consumed",
    "country_name",
    "country_iso_code",
    "region",
    "on_cloud",
    "cloud_provider",
    "cloud_region",
]
V2 = [
    "timestamp",
    "project_name",
    "run_id",
    "duration",
    "emissions",
    "emissions_rate",
    "cpu_power",
    "gpu_power",
    "ram_power",
    "cpu_energy",
    "gpu_energy",
    "ram_energy",
    "energy_consumed",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "python_version",
    "codecarbon_version",
    "cpu_count",
    "cpu_model",
    "gpu_count",
    "gpu_model",
    "longitude",
    "latitude",
    "ram_total_size",
    "tracking_mode",
    "on_cloud",
    "pue",
]
V3 = [
    *V2[:3],
    "experiment_id",
    *V2[3:13],
    "water_consumed",
    *V2[13:29],
    "cpu_utilization_percent",
    "gpu_utilization_percent",
    "ram_utilization_percent",
    "ram_used_gb",
    "on_cloud",
    "pue",
    "wue",
]

BASE: dict[str, Any] = {
    "timestamp": "2023-10-02T20:20:31",
    "project_name": "gpt2",
    "run_id": "run-a",
    "duration": "10.0",
    "cpu_power": "42.5",
    "gpu_power": "300",
    "ram_power": "3.0",
    # 42.5 W x 10 s = 425 J; GPU 3,600 J; RAM 3 W x 10 s = 30 J (kWh in the file)
    "cpu_energy": str(425 / 3.6e6),
    "gpu_energy": str(3600 / 3.6e6),
    "ram_energy": str(30 / 3.6e6),
    "energy_consumed": str(4055 / 3.6e6),
    "emissions": str(4055 / 3.6e6 * 0.2),
    "emissions_rate": "0",
    "country_name": "France",
    "country_iso_code": "FRA",
    "region": "",
    "cloud_provider": "",
    "cloud_region": "",
    "codecarbon_version": "2.3.1",
    "cpu_count": "8",
    "cpu_model": "Xeon",
    "gpu_count": "1",
    "gpu_model": "1 x A100",
    "ram_total_size": "8",
    "tracking_mode": "machine",
    "on_cloud": "N",
    "pue": "1",
    "water_consumed": "0",
    "wue": "0",
}


def write(
    path: Path, header: list[str], rows: list[dict[str, Any]], encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(c, "") for c in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def test_v2_emissions_row(tmp_path: Path) -> None:
    [rec], warnings = parse_file(write(tmp_path / "emissions.csv", V2, [BASE]))
    assert warnings == []
    assert rec.run_id == "run-a" and rec.kind == "import" and rec.producer == "codecarbon 2.3.1"
    assert rec.model == "gpt2" and rec.task is None
    m = rec.measurement
    assert m is not None and m.energy_j == pytest.approx(4055.0)
    comps = {c.source: c for c in m.components}
    assert comps["codecarbon:cpu"].method is Method.MODEL
    assert comps["codecarbon:cpu"].details.startswith("CodeCarbon constant TDP 42.5 W")
    assert comps["codecarbon:gpu"].method is Method.COUNTER
    assert comps["codecarbon:gpu"].domain is Domain.GPU
    assert "all 1 GPUs of the machine" in comps["codecarbon:gpu"].covers
    assert comps["codecarbon:ram"].method is Method.MODEL
    assert "0.375 W/GB x 8 GB" in comps["codecarbon:ram"].details
    assert rec.carbon is not None and rec.carbon.intensity_g_per_kwh == pytest.approx(200.0)
    assert rec.carbon.region == "FRA" and rec.carbon.year == 2023
    assert rec.started_at == "2023-10-02T20:20:21.000"


def test_varying_cpu_power_is_a_counter(tmp_path: Path) -> None:
    rows = [BASE, {**BASE, "run_id": "run-b", "cpu_power": "60", "cpu_energy": str(600 / 3.6e6)}]
    recs, _ = parse_file(write(tmp_path / "e.csv", V2, rows))
    for rec in recs:
        cpu = next(c for c in rec.measurement.components if c.source == "codecarbon:cpu")  # type: ignore[union-attr]
        assert cpu.method is Method.COUNTER


def test_v1_total_only(tmp_path: Path) -> None:
    row = {**BASE, "energy_consumed": "0.001", "emissions": "0.0005"}
    [rec], _ = parse_file(write(tmp_path / "old.csv", V1, [row]))
    assert column_set(V1) == "1.x"
    assert rec.producer == "codecarbon 1.x"
    [c] = rec.measurement.components  # type: ignore[union-attr]
    assert c.domain is Domain.OTHER and c.method is Method.MODEL
    assert c.energy_j == pytest.approx(3600.0)
    again, _ = parse_file(tmp_path / "old.csv")
    assert again[0].run_id == rec.run_id  # no run_id column: stable id from the content


def test_v3_columns(tmp_path: Path) -> None:
    row = {
        **BASE,
        "codecarbon_version": "3.0.4",
        "experiment_id": "x",
        "cpu_utilization_percent": "12.5",
    }
    [rec], _ = parse_file(write(tmp_path / "v3.csv", V3, [row]))
    assert column_set(V3) == "3.x"
    assert rec.producer == "codecarbon 3.0.4"
    assert rec.extra["codecarbon"]["columns"] == "3.x"
    assert rec.measurement is not None and rec.measurement.energy_j == pytest.approx(4055.0)


def test_task_log_phases_and_study_index(tmp_path: Path) -> None:
    load = {**BASE, "task_name": "load model"}
    query = {**BASE, "task_name": "query model", "timestamp": "2023-10-02T20:20:41"}
    write(tmp_path / "base.csv", ["task_name", *V2], [load, query])
    complete = tmp_path / "complete"
    complete.mkdir()
    write(complete / "image_class_cifar10_resized.csv", V2, [BASE])
    index, problems = load_index([complete])
    assert problems == []
    [rec], _ = parse_file(tmp_path / "base.csv", index=index)
    assert [p.name for p in rec.measurement.phases] == ["load", "query"]  # type: ignore[union-attr]
    assert rec.task == "image-classification"
    assert rec.dataset == "cifar10 [resized 640x480]"
    assert rec.n_queries == 1000 and rec.suite == "power-hungry-processing"
    assert rec.cohort is not None and rec.cohort.study is not None
    assert rec.cohort.study["table2"] is True
    assert rec.cohort.study["multipurpose"] is False
    s = run_sample(rec)
    assert s is not None  # query phase only: 4,055 J per 1,000 queries
    assert s.energy_j_per_1000_queries == pytest.approx(4055.0)


def test_study_names() -> None:
    assert parse_study_name("zeroshot_qa_squad2_bloomz") == (
        "question-answering",
        True,
        "squad_v2",
        None,
    )
    assert parse_study_name("summarize_cnn_15")[2] == "cnn_dailymail"
    assert parse_study_name("obj_detection_CPPE")[2] == "cppe-5 [original size]"
    with pytest.raises(DataError, match="unknown study task prefix"):
        parse_study_name("speech_librispeech")


def test_quality_and_plain_index(tmp_path: Path) -> None:
    (tmp_path / "perf.csv").write_text("model,task,type,imdb (acc)\ngpt2,sentiment,decoder,0.9\n")
    (tmp_path / "map.csv").write_text(
        "run_id,task,model,dataset\nrun-a,text-classification,gpt2,imdb\n"
    )
    index, problems = load_index([tmp_path / "perf.csv", tmp_path / "map.csv"])
    assert problems == []
    [rec], _ = parse_file(
        write(tmp_path / "e.csv", V2, [BASE]), index=index, labels=Labels(n_queries=50)
    )
    assert (rec.task, rec.dataset, rec.n_queries) == ("text-classification", "imdb", 50)
    assert rec.quality is not None and rec.quality.figure == {"metric": "acc", "value": 0.9}


def test_unknown_prefix_in_index_is_one_problem(tmp_path: Path) -> None:
    write(tmp_path / "speech_libri.csv", V2, [BASE])
    _, problems = load_index([tmp_path])
    assert len(problems) == 1 and "unknown study task prefix" in problems[0]


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["timestamp", "duration"], [{"timestamp": "x", "duration": "1"}], "missing column"),
        (V2, [{**BASE, "duration": "ten"}], "not a number"),
        (V2, [{**BASE, "energy_consumed": ""}], "is empty"),
        (V2, [BASE, {**BASE, "run_id": "b", "codecarbon_version": "2.8.0"}], "mixed CodeCarbon"),
        (V2, [{**BASE, "timestamp": "yesterday"}], "not ISO 8601"),
        (V2, [], "header only"),
    ],
)
def test_malformed_files(
    tmp_path: Path, header: list[str], rows: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        parse_file(write(tmp_path / "bad.csv", header, rows))


def test_row_with_extra_fields(tmp_path: Path) -> None:
    p = write(tmp_path / "bad.csv", V2, [BASE])
    p.write_text(p.read_text() + ",".join(["1"] * (len(V2) + 3)) + "\n")
    with pytest.raises(DataError, match="fields, header has"):
        parse_file(p)


def test_encodings(tmp_path: Path) -> None:
    utf16 = write(tmp_path / "u16.csv", V2, [BASE], encoding="utf-16")
    recs, warnings = parse_file(utf16)
    assert len(recs) == 1 and "UTF-16" in warnings[0]
    latin = write(tmp_path / "l1.csv", V2, [{**BASE, "country_name": "Améric"}], encoding="latin-1")
    recs, warnings = parse_file(latin)
    assert recs[0].environment["country_name"] == "Améric" and "latin-1" in warnings[0]
    nobom = tmp_path / "nobom.csv"
    nobom.write_bytes(utf16.read_bytes()[2:])
    with pytest.raises(DataError, match="UTF-16 without a byte-order mark"):
        parse_file(nobom)


def test_import_is_idempotent_and_per_file_atomic(tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", V2, [BASE, {**BASE, "run_id": "run-b"}])
    bad = write(
        tmp_path / "zbad.csv",
        V2,
        [{**BASE, "run_id": "run-c"}, {**BASE, "run_id": "run-d", "duration": "x"}],
    )
    with Store.open(tmp_path / "s.db") as store:
        rep = import_paths(store, [good, good, bad])
        assert rep.runs_new == 2 and len(rep.errors) == 1 and "zbad.csv" in rep.errors[0]
        assert any("given twice" in w for w in rep.warnings)
        assert not store.has_run("run-c")  # nothing of the bad file
        again = import_paths(store, [tmp_path], batch_runs=1)
        assert again.runs_new == 0 and again.runs_already_stored == 2
        stored = store.get_run("run-a")
    assert stored is not None and stored.measurement is not None
    assert stored.measurement.energy_j == pytest.approx(4055.0)
    assert units.j_to_kwh(stored.measurement.energy_j) == pytest.approx(4055 / 3.6e6)
