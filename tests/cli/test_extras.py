"""A core-only install: `run` names the missing extra before measuring; `doctor` lists them.

The subprocesses hide the hf extra's modules with a ``sys.meta_path`` finder that refuses
them, as a ``pip install joulebench`` without ``[hf]`` would leave them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from joulebench.cli.extras import EXTRAS, Need, require

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys
    BLOCKED = {"torch", "transformers", "diffusers", "datasets", "tokenizers", "safetensors",
               "accelerate", "numpy", "PIL", "skimage", "pyarrow"}

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Block())
    from joulebench.cli.main import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _core_only(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BLOCKER, *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def test_run_names_the_missing_extra_before_measuring(tmp_path: Path) -> None:
    done = _core_only(tmp_path, "--db", str(tmp_path / "r.db"), "run", "--idle-s", "0.2")
    assert done.returncode == 2, done.stderr
    assert done.stderr == "error: the hf extra is not installed: pip install 'joulebench[hf]'\n"
    assert not done.stdout
    assert not (tmp_path / "r.db").exists()
    # a dry run still lists the jobs
    dry = _core_only(tmp_path, "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "text-to-image" in dry.stdout


def test_doctor_lists_every_extra(tmp_path: Path) -> None:
    done = _core_only(tmp_path, "doctor")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line[6:12] == "extra "]
    assert [line.split()[3] for line in lines] == ["hf", "parquet", "ray", "serve", "quality",
                                                   "amd"]
    hf = lines[0]
    assert hf.startswith("[-- ]") and "pip install 'joulebench[hf]'" in hf and "torch" in hf
    as_json = _core_only(tmp_path, "doctor", "--json")
    extras = {e["name"]: e for e in json.loads(as_json.stdout)["extras"]}
    assert extras["hf"]["installed"] is False and "transformers" in extras["hf"]["missing"]
    assert extras["parquet"]["missing"] == ["pyarrow"]


def test_extras_match_pyproject() -> None:
    """Every extra of pyproject.toml (but dev and the empty report) is known to doctor."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    assert {e.name for e in EXTRAS} == {k for k, v in declared.items() if k != "dev" and v}


def test_partly_installed_extra_names_what_is_missing() -> None:
    from joulebench.errors import UsageError

    with pytest.raises(UsageError) as err:
        require([Need("hf", "task text-to-image", ("torch", "surely_not_a_module_xyz"))])
    assert str(err.value) == "the hf extra is not installed: pip install 'joulebench[hf]'"
    assert err.value.hint == "task text-to-image needs surely_not_a_module_xyz, missing here"
    require([Need("hf", "task text-classification", ("json",))])  # found: nothing raised
