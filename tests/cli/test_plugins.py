"""The out-of-tree example plugin (tests/plugin_pkg, docs/plugins.md) and bad plugins.

Nothing is pip-installed: each test writes the plugin's entry points (read from its
pyproject.toml) into a ``*.dist-info`` folder, which ``importlib.metadata`` discovers on
``PYTHONPATH``, and runs ``joulebench`` in a subprocess so no registry of this process
sees them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from joulebench.store import Store

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PLUGIN_PKG = Path(__file__).resolve().parent.parent / "plugin_pkg"
ENTRY_POINTS: dict[str, dict[str, str]] = tomllib.loads(
    (PLUGIN_PKG / "pyproject.toml").read_text())["project"]["entry-points"]


def install(site: Path, groups: dict[str, dict[str, str]],
            dist: str = "joulebench-example-plugin") -> Path:
    """Make ``dist`` with ``groups`` of entry points discoverable from ``site``."""
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in eps.items()) + "\n"
        for group, eps in groups.items()))
    return site


def joulebench(tmp_path: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    counter = tmp_path / "counter.txt"
    counter.write_text("1234.5\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGIN_PKG), str(site)]),
           "JOULEBENCH_EXAMPLE_COUNTER": str(counter), "JOULEBENCH_DB": str(tmp_path / "jb.db")}
    code = "import sys; from joulebench.cli.main import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return install(tmp_path / "site", ENTRY_POINTS)


def test_doctor_sees_the_plugins(tmp_path: Path, site: Path) -> None:
    done = joulebench(tmp_path, site, "doctor")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[ok ] Example file counter: measured (counter)" in out
    assert "reading example:counter (counter" in out
    for kind, name in (("task", "example-echo"), ("sensor", "example-counter"),
                       ("executor", "example-inline"), ("report view", "example-summary")):
        assert f"plugin {kind} {name}: entry point {name} = " in out
    assert "of distribution joulebench-example-plugin 0.1.0" in out
    assert "example:counter" in out.split("will measure with:")[1].splitlines()[0]


def test_run_a_plugin_task_with_the_plugin_executor_sensor_and_view(
        tmp_path: Path, site: Path) -> None:
    done = joulebench(tmp_path, site, "run", "--task", "example-echo", "--model", "example/echo",
                      "--dataset", "offline:text", "-n", "3", "-r", "2", "--warmup", "0",
                      "--idle-s", "0", "--no-progress", "--option", "repeat=2",
                      "--executor", "example-inline")
    assert done.returncode == 0, done.stderr
    assert "example-inline: running 1 job(s)" in done.stderr
    with Store.open(tmp_path / "jb.db", create=False) as store:
        runs = store.runs()
    assert [r.task for r in runs] == ["example-echo", "example-echo"]
    assert all(r.status == "ok" for r in runs)
    assert runs[0].config["options"] == {"repeat": 2}
    assert runs[0].config["model_info"]["repeat"] == 2
    assert runs[0].units["output_tokens"] == 2 * runs[0].units["input_tokens"]
    components = {c.source for c in runs[0].measurement.components}
    assert "example:counter" in components
    report = joulebench(tmp_path, site, "report", "--format", "example-summary", "-o", "-")
    assert report.returncode == 0, report.stderr
    assert report.stdout.splitlines()[0] == "task\tmodel\tdataset\tWh per 1,000 queries"
    assert report.stdout.splitlines()[1].startswith("example-echo\texample/echo\toffline:text\t")


def test_an_undeclared_option_fails_before_anything_runs(tmp_path: Path, site: Path) -> None:
    done = joulebench(tmp_path, site, "run", "--task", "example-echo", "--model", "example/echo",
                      "--dataset", "offline:text", "--option", "repeats=2")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == ("error: task example-echo has no option 'repeats' "
                                           "(did you mean: repeat?); its options: repeat")
    assert not (tmp_path / "jb.db").exists()


def bad_plugin(tmp_path: Path, groups: dict[str, dict[str, str]], module: str = "") -> Path:
    site = install(tmp_path / "site", groups, dist="joulebench-bad-plugin")
    if module:
        (site / "jb_bad_plugin.py").write_text(module)
    return site


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_duplicate_name_is_one_line(tmp_path: Path) -> None:
    site = bad_plugin(tmp_path, {"joulebench.tasks": {
        "text-classification": "joulebench_example_plugin.echo_task"}})
    line = one_error_line(joulebench(tmp_path, site, "run", "--task", "text-classification",
                                     "--model", "x/y", "--dataset", "offline:text"))
    assert line == ("error: task 'text-classification' is registered twice: by joulebench "
                    "(built-in) and by entry point text-classification = "
                    "joulebench_example_plugin.echo_task of distribution joulebench-bad-plugin "
                    "0.1.0")
    assert "registered twice" in one_error_line(joulebench(tmp_path, site, "doctor"))


def test_a_plugin_that_fails_to_import_is_one_line(tmp_path: Path) -> None:
    site = bad_plugin(tmp_path, {"joulebench.tasks": {"gone": "jb_no_such_module"},
                                 "joulebench.sensors": {"gone": "jb_no_such_module:PROBE"}})
    line = one_error_line(joulebench(tmp_path, site, "run", "--task", "gone", "--model", "x/y",
                                     "--dataset", "offline:text"))
    assert line.startswith("error: task 'gone' (entry point gone = jb_no_such_module of "
                           "distribution joulebench-bad-plugin 0.1.0) cannot be loaded")
    assert line.endswith("ModuleNotFoundError: No module named 'jb_no_such_module'")
    line = one_error_line(joulebench(tmp_path, site, "doctor"))
    assert line.startswith("error: sensor 'gone' (entry point gone = jb_no_such_module:PROBE")


def test_an_option_of_unknown_type_is_one_line(tmp_path: Path) -> None:
    module = (
        "from joulebench.spec import InputKind, TaskOption, TaskSpec\n"
        "SPEC = TaskSpec(name='odd', title='Odd', input_kind=InputKind.TEXT,\n"
        "                default_columns=('text',), preprocessing='',\n"
        "                options=(TaskOption('sizes', list),))\n"
        "def load(source, **kw): raise AssertionError('never loaded')\n"
    )
    site = bad_plugin(tmp_path, {"joulebench.tasks": {"odd": "jb_bad_plugin"}}, module)
    line = one_error_line(joulebench(tmp_path, site, "run", "--task", "odd", "--model", "x/y",
                                     "--dataset", "offline:text"))
    assert line == ("error: task 'odd' (entry point odd = jb_bad_plugin of distribution "
                    "joulebench-bad-plugin 0.1.0): task option 'sizes' declares type list; "
                    "option types are: int, float, bool, str")
    assert not (tmp_path / "jb.db").exists()


def test_unknown_executor_and_view_names(tmp_path: Path, site: Path) -> None:
    line = one_error_line(joulebench(tmp_path, site, "run", "--executor", "example-inlin",
                                     "--dry-run"))
    assert line == "error: unknown executor 'example-inlin' (did you mean: example-inline?)"
    line = one_error_line(joulebench(tmp_path, site, "report", "--format", "htm"))
    assert line == "error: unknown report format 'htm' (did you mean: html?)"
