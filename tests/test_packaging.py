"""The sdist carries what the README tells users to run; the wheel carries the vocabularies.

Both are built with setuptools' PEP 517 backend (``setuptools.build_meta``, what
``python -m build`` calls) from a copy of the source tree, in a subprocess.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREE = ("src", "tests", "scripts", "docs", "benchmarks", "pyproject.toml", "MANIFEST.in",
        "README.md", "DATA.md", "LICENSE")
BUILD = """
import sys
from setuptools import build_meta
out = sys.argv[1]
sdist = build_meta.build_sdist(out)
wheel = build_meta.build_wheel(out)
print("BUILT", sdist, wheel)
"""
VOCAB = ("src/joulebench/models/vocab/bpe_simple_vocab_16e6.txt.gz",
         "src/joulebench/models/vocab/bert-base-uncased-vocab.txt",
         "src/joulebench/models/vocab/NOTICE.md",
         "src/joulebench/models/vocab/LICENSE-MIT-CLIP.txt",
         "src/joulebench/models/vocab/LICENSE-APACHE-2.0.txt")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    pytest.importorskip("setuptools")
    tree = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.db", "*.db-*")
    for name in TREE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=ignore)
        else:
            shutil.copy2(source, tree / name)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-c", BUILD, str(out)], cwd=tree, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    built_line = next(line for line in done.stdout.splitlines() if line.startswith("BUILT "))
    sdist_name, wheel_name = built_line.split()[1:]
    with tarfile.open(out / sdist_name) as sdist:
        members = [m.split("/", 1)[1] for m in sdist.getnames() if "/" in m]
    with zipfile.ZipFile(out / wheel_name) as wheel:
        files = wheel.namelist()
    return members, files


def test_sdist_has_the_scripts_docs_benchmarks_and_tests(
        built: tuple[list[str], list[str]]) -> None:
    members, _ = built
    for path in ("scripts/setup.sh", "scripts/test.sh", "scripts/check_structure.py",
                 "docs/ray.md", "docs/plugins.md", "benchmarks/gpu_check.py",
                 "benchmarks/meter_overhead.py", "DATA.md", "README.md", "LICENSE",
                 "MANIFEST.in", "tests/cli/test_run.py", *VOCAB):
        assert path in members, path
    assert not [m for m in members if "__pycache__" in m or m.endswith((".pyc", ".db"))]


def test_wheel_has_the_vocabularies_and_their_licences(
        built: tuple[list[str], list[str]]) -> None:
    _, files = built
    for path in VOCAB:
        assert path.removeprefix("src/") in files, path
    assert not [f for f in files if f.startswith(("tests/", "scripts/", "benchmarks/"))]
