"""scripts/check_structure.py: cycles (lazy imports included) and long modules are caught."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_structure.py"
_spec = importlib.util.spec_from_file_location("check_structure", SCRIPT)
assert _spec is not None and _spec.loader is not None
check_structure = importlib.util.module_from_spec(_spec)
sys.modules["check_structure"] = check_structure  # dataclasses look their module up
_spec.loader.exec_module(check_structure)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_lazy_relative_import_cycle_is_found(tmp_path: Path) -> None:
    pkg = write(tmp_path / "pkg", {
        "__init__.py": "",
        "a/__init__.py": "",
        "a/x.py": "from ..b import y\n",
        "b/__init__.py": "",
        "b/y.py": "def f():\n    from pkg.a import x  # lazy\n    return x\n",
        "c.py": "import pkg.a.x\nfrom . import b\n",
    })
    problems = check_structure.check(pkg)
    assert problems[0] == ("import cycle among 2 modules (pkg.a.x, pkg.b.y):\n"
                           "    pkg.a.x (line 1) -> pkg.b.y\n"
                           "    pkg.b.y (line 2) -> pkg.a.x")
    assert problems[1].startswith("import cycle among 2 packages (pkg.a, pkg.b)")
    assert len(problems) == 2


def test_a_package_cycle_no_module_pair_shows(tmp_path: Path) -> None:
    pkg = write(tmp_path / "pkg", {
        "__init__.py": "", "data/__init__.py": "", "tasks/__init__.py": "",
        "data/rows.py": "from ..tasks.base import Spec\n",
        "tasks/base.py": "Spec = object\n",
        "tasks/vision.py": "from ..data import images\n",
        "data/images.py": "",
    })
    (problem,) = check_structure.check(pkg)
    assert problem == (
        "import cycle among 2 packages (pkg.data, pkg.tasks):\n"
        "    pkg.data -> pkg.tasks: pkg.data.rows (line 1) imports pkg.tasks.base\n"
        "    pkg.tasks -> pkg.data: pkg.tasks.vision (line 1) imports pkg.data.images")


def test_long_modules_and_a_clean_tree(tmp_path: Path) -> None:
    pkg = write(tmp_path / "pkg", {"__init__.py": "", "long.py": "x = 1\n" * 501,
                                   "ok.py": "from . import long\n"})
    (problem,) = check_structure.check(pkg)
    assert problem.endswith("long.py: 501 lines, over 500 (split it by concept)")
    assert check_structure.main(["--root", str(pkg), "--max-lines", "600"]) == 0


def test_the_package_itself_is_clean() -> None:
    assert check_structure.check(SCRIPT.parent.parent / "src" / "joulebench") == []
