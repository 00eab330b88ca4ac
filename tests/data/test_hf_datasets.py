"""Datasets read through Hugging Face ``datasets``: dataset folders (a cloned repository),
data-file globs, and Hub ids from the local caches when offline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("datasets")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

from joulebench.data import hf_datasets  # noqa: E402
from joulebench.data.references import load_references  # noqa: E402
from joulebench.data.sources import load_rows  # noqa: E402
from joulebench.errors import DataError, UsageError  # noqa: E402
from joulebench.tasks.base import TaskSpec  # noqa: E402

TEXT = TaskSpec("text-classification", "Text classification", "text", ("text", "sentence"), "")
REVISION = "0123456789abcdef0123456789abcdef01234567"


def _repo(root: Path) -> Path:
    """A dataset repository as `git clone` leaves it: data/<split>-*.parquet, README, .git."""
    (root / "data").mkdir(parents=True)
    for split in ("train", "test"):
        rows = [{"text": f"{split} review {i}", "label": i % 2} for i in range(4)]
        pq.write_table(pa.Table.from_pylist(rows),
                       str(root / "data" / f"{split}-00000-of-00001.parquet"))
    (root / "README.md").write_text("# reviews\n")
    (root / ".git").mkdir()
    (root / ".git" / "junk.csv").write_text("not,data\n")
    return root


@pytest.fixture()
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets"))
    return tmp_path


def _snapshot(hub: Path, repo_id: str) -> Path:
    """The Hub cache layout huggingface_hub leaves: refs/main -> snapshots/<revision>/."""
    root = hub / ("datasets--" + repo_id.replace("/", "--"))
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(REVISION)
    return _repo(root / "snapshots" / REVISION)


def _arrow_cache(cache: Path, repo_id: str) -> None:
    """What an earlier `datasets.load_dataset(repo_id)` leaves in HF_DATASETS_CACHE."""
    import datasets

    org, name = repo_id.split("/")
    folder = cache / f"{org}___{name}" / "default" / "0.0.0" / "abc123"
    folder.mkdir(parents=True)
    table = datasets.Dataset.from_list([{"text": f"cached review {i}"} for i in range(3)])
    with pa.OSFile(str(folder / f"{name}-test.arrow"), "wb") as sink, \
            pa.ipc.new_stream(sink, table.data.schema) as writer:
        writer.write_table(table.data.table)
    splits = datasets.SplitDict(dataset_name=name)
    splits.add(datasets.SplitInfo(name="test", num_examples=3, dataset_name=name))
    datasets.DatasetInfo(features=table.features, config_name="default", dataset_name=name,
                         splits=splits).write_to_directory(str(folder))


def test_a_cloned_dataset_folder_is_a_dataset(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "reviews")
    sample = load_rows(str(repo), task=TEXT, n=3)
    assert sample.rows == ["test review 0", "test review 1", "test review 2"]  # test first
    assert sample.source.startswith(f"local dataset folder {repo}, split test, column text")
    train = load_rows(str(repo), task=TEXT, n=2, split="train")
    assert train.rows == ["train review 0", "train review 1"]
    with pytest.raises(DataError, match="has no split 'dev'; splits: "):
        load_rows(str(repo), task=TEXT, n=2, split="dev")
    refs = load_references(str(repo), task=TEXT, n=3, label_column="label")
    assert refs is not None and refs[1] == [0, 1, 0]


def test_data_files_and_globs(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "reviews")
    picked = load_rows(str(repo), task=TEXT, n=2, data_files="data/train-*.parquet")
    assert picked.rows == ["train review 0", "train review 1"]
    globbed = load_rows(str(repo / "data" / "test-*.parquet"), task=TEXT, n=2)
    assert globbed.rows == ["test review 0", "test review 1"]
    assert globbed.source.startswith("files ")
    with pytest.raises(DataError, match="no file matches"):
        load_rows(str(repo / "data" / "dev-*.parquet"), task=TEXT, n=2)
    with pytest.raises(DataError, match="matches --data-files"):
        load_rows(str(repo), task=TEXT, n=2, data_files="nothing/*.csv")
    csv = tmp_path / "plain.csv"
    csv.write_text("text\nhello there\n")
    with pytest.raises(UsageError, match="--data-files does not apply"):
        load_rows(str(csv), task=TEXT, n=1, data_files="*.csv")


def test_git_lfs_pointers_are_named(tmp_path: Path) -> None:
    repo = tmp_path / "clone"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "train-00000-of-00001.parquet").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n")
    with pytest.raises(DataError, match="is a Git LFS pointer") as err:
        load_rows(str(repo), task=TEXT, n=1)
    assert err.value.hint and "git lfs pull" in err.value.hint


def test_hub_id_loads_offline_from_the_hub_cache(caches: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _snapshot(caches / "hub", "tiny-org/reviews")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    sample = load_rows("tiny-org/reviews", task=TEXT, n=2)
    assert sample.rows == ["test review 0", "test review 1"]
    assert "from the Hub cache (offline mode (HF_HUB_OFFLINE=1))" in sample.source
    refs = load_references("tiny-org/reviews", task=TEXT, n=2, label_column="label")
    assert refs is not None and refs[1] == [0, 1]


def test_hub_id_loads_offline_from_the_datasets_cache(caches: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _arrow_cache(caches / "datasets", "tiny-org/cached")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    sample = load_rows("tiny-org/cached", task=TEXT, n=2)
    assert sample.rows == ["cached review 0", "cached review 1"]
    assert "from the datasets cache (offline mode (HF_DATASETS_OFFLINE=1))" in sample.source


def test_unreachable_hub_uses_the_cache_without_retrying(caches: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import joulebench.models.hub as hub

    _snapshot(caches / "hub", "tiny-org/reviews")
    monkeypatch.setattr(hub, "hub_reachable", lambda timeout_s=3.0: False)
    started = time.perf_counter()
    sample = load_rows("tiny-org/reviews", task=TEXT, n=1)
    assert sample.rows == ["test review 0"] and "cannot be reached" in sample.source
    assert time.perf_counter() - started < 30  # datasets' own retries take longer
    with pytest.raises(DataError, match=r"'tiny-org/missing': https?://\S+ cannot be reached, "
                                        r"and it is not in the local cache"):
        load_rows("tiny-org/missing", task=TEXT, n=1)


def test_offline_flag_is_reported_as_offline_mode(caches: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import joulebench.models.hub as hub

    monkeypatch.setattr(hub, "hub_reachable", lambda timeout_s=3.0: True)  # endpoint is up
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataError) as err:
        load_rows("tiny-org/reviews", task=TEXT, n=1)
    assert "offline mode (HF_DATASETS_OFFLINE=1)" in str(err.value)
    assert "cannot be reached" not in str(err.value)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "0")  # as in datasets: 0 wins over HF_HUB_OFFLINE
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hf_datasets.offline_reason() is None
    monkeypatch.delenv("HF_DATASETS_OFFLINE")
    assert hf_datasets.offline_reason() == "offline mode (HF_HUB_OFFLINE=1)"
