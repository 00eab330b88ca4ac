"""joulebench.registry: lazy targets, duplicates refused, unknown names, entry points once."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from joulebench.errors import UsageError
from joulebench.registry import BUILT_IN, Registry, import_target


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path; modules written there are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("jb_reg_")]:
        del sys.modules[name]


def eps(*pairs: tuple[str, str]) -> list[EntryPoint]:
    return [EntryPoint(name, value, "joulebench.things") for name, value in pairs]


def test_targets_are_imported_on_first_get_only(plugin_dir: Path) -> None:
    (plugin_dir / "jb_reg_lazy.py").write_text("THING = {'loaded': True}\n")
    reg: Registry[dict] = Registry("thing")
    reg.add("lazy", "jb_reg_lazy:THING")
    assert reg.names() == ["lazy"] and "lazy" in reg and len(reg) == 1
    assert "jb_reg_lazy" not in sys.modules  # listing names imports nothing
    assert reg.get("lazy") == {"loaded": True}
    assert reg.get("lazy") is reg.get("lazy")
    assert import_target("jb_reg_lazy") is sys.modules["jb_reg_lazy"]  # a bare module


def test_duplicates_name_both_registrants() -> None:
    reg: Registry[object] = Registry("thing", group="joulebench.things",
                                     entry_points=lambda _g: eps(("a", "pkg.mod:X")))
    reg.add("a", "json:dumps")
    with pytest.raises(UsageError) as info:
        reg.names()
    message = str(info.value)
    assert message == ("thing 'a' is registered twice: by joulebench (built-in) and by "
                       "entry point a = pkg.mod:X")
    with pytest.raises(UsageError, match="registered twice"):
        reg.add("a", "json:loads")


def test_unknown_names_list_the_closest_and_the_valid_ones() -> None:
    reg: Registry[object] = Registry("report format")
    for name in ("html", "md", "json"):
        reg.add(name, "json:dumps")
    with pytest.raises(UsageError) as info:
        reg.get("htm")
    assert str(info.value) == "unknown report format 'htm' (did you mean: html?)"
    assert info.value.hint == "valid report formats: html, md, json"


def test_a_plugin_that_fails_to_import_is_one_line() -> None:
    reg: Registry[object] = Registry("task", group="g",
                                     entry_points=lambda _g: eps(("x", "jb_reg_missing:X")))
    with pytest.raises(UsageError) as info:
        reg.get("x")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("task 'x' (entry point x = jb_reg_missing:X) cannot be loaded")
    assert "ModuleNotFoundError: No module named 'jb_reg_missing'" in message


def test_check_refuses_a_wrong_object(plugin_dir: Path) -> None:
    (plugin_dir / "jb_reg_wrong.py").write_text("X = 3\n")

    def must_be_str(name: str, obj: object) -> str:
        if not isinstance(obj, str):
            raise TypeError(f"{obj!r} is not text")
        return obj

    reg: Registry[str] = Registry("thing", check=must_be_str)
    reg.add("wrong", "jb_reg_wrong:X")
    with pytest.raises(UsageError, match=r"thing 'wrong' \(joulebench \(built-in\)\) is not a "
                                         r"valid thing: 3 is not text"):
        reg.get("wrong")


def test_entry_points_are_read_once_and_after_built_ins() -> None:
    calls: list[str] = []

    def read(group: str) -> list[EntryPoint]:
        calls.append(group)
        return eps(("zeta", "json:dumps"), ("alpha", "json:loads"))

    reg: Registry[object] = Registry("thing", group="joulebench.things", entry_points=read)
    reg.add("builtin", "json:dumps")
    assert calls == []  # nothing read at registration
    assert reg.names() == ["builtin", "alpha", "zeta"]
    assert reg.get("alpha") is import_target("json:loads")
    assert "zeta" in reg and calls == ["joulebench.things"]
    assert reg.entries()[0].origin == BUILT_IN
    assert [e.name for e in reg.built_ins()] == ["builtin"]


def test_the_same_distribution_seen_twice_is_not_a_duplicate() -> None:
    reg: Registry[object] = Registry(
        "thing", group="g", entry_points=lambda _g: eps(("a", "json:dumps"), ("a", "json:dumps")))
    assert reg.names() == ["a"]


def test_the_built_in_registries_hold_what_they_did() -> None:
    from joulebench.cli.executors import EXECUTORS
    from joulebench.measure.discovery import NAMES, SENSORS
    from joulebench.report import FORMATS, VIEWS
    from joulebench.tasks.catalog import TASKS

    assert [e.name for e in TASKS.built_ins()][:2] == ["text-classification",
                                                       "token-classification"]
    assert NAMES == ("nvml", "amdsmi", "rapl", "cpu-model", "dram-model")
    assert [e.name for e in SENSORS.built_ins()] == list(NAMES)
    assert [e.name for e in EXECUTORS.built_ins()] == ["local", "ray"]
    assert FORMATS == ("html", "md", "json", "csv") == tuple(e.name for e in VIEWS.built_ins())
    for name in NAMES:  # every probe loads and names itself as registered
        assert SENSORS.get(name).name == name
    assert EXECUTORS.get("ray").local_baseline is False
    assert EXECUTORS.get("local").local_baseline is True


def test_declared_groups_prescan_finds_plugins_without_importlib_metadata(
    tmp_path, monkeypatch
) -> None:
    import sys

    from joulebench import registry

    dist = tmp_path / "example_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "entry_points.txt").write_text(
        "[console_scripts]\nx = y:z\n\n[joulebench.sensors]\nexample = example_plugin:Sensor\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    registry.declared_groups.cache_clear()
    try:
        assert "joulebench.sensors" in registry.declared_groups()
        assert "joulebench.tasks" not in registry.declared_groups()
        assert list(registry._entry_points("joulebench.tasks")) == []  # no scan at all
    finally:
        registry.declared_groups.cache_clear()
