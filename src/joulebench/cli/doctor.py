"""``joulebench doctor``: which energy sensors work here, how they measure, how to fix;
which optional extras (hf, parquet, ray, serve, quality, amd) are installed; and which
plugins (tasks, sensors, executors, report views of other packages) are installed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import _format
from .common import add_sensor_options, sensor_settings


def register(sub: Any) -> None:
    p = sub.add_parser(
        "doctor",
        help="show which energy sensors work on this machine and why not",
        description="Probe every energy sensor; for each: usable or not, method, why, how to fix.",
    )
    add_sensor_options(p)
    p.add_argument("--json", action="store_true", help="print the statuses as JSON")
    p.set_defaults(func=run)


def plugins() -> list[tuple[str, str, str]]:
    """(kind, name, origin) of every registration made by another package (entry points).

    Reads the entry points of every registry (a duplicate name raises UsageError) but
    imports no plugin; a plugin that cannot be imported says so when it is used.
    """
    from ..measure.discovery import SENSORS
    from ..registry import BUILT_IN
    from ..report import VIEWS
    from ..tasks.catalog import TASKS
    from .executors import EXECUTORS

    registries = (("task", TASKS), ("sensor", SENSORS), ("executor", EXECUTORS),
                  ("report view", VIEWS))
    return [(kind, e.name, e.origin) for kind, registry in registries
            for e in registry.entries() if e.origin != BUILT_IN]


def run(args: argparse.Namespace) -> int:
    from ..measure.discovery import discover
    from ..measure.inventory import collect
    from .extras import install_line, status

    settings = sensor_settings(args)
    extensions = plugins()
    extras = status()
    with discover(**settings) as found:
        statuses = list(found.statuses)
        sources = [s.info.source for s in found.sensors]
        methods = {s.info.method for s in found.sensors}
    env = collect()
    if args.json:
        print(
            json.dumps(
                {
                    "sensors": [
                        {
                            "name": s.name,
                            "usable": s.usable,
                            "method": s.method.value if s.method else None,
                            "reason": s.reason,
                            "fix": s.fix,
                            "sources": list(s.sources),
                        }
                        for s in statuses
                    ],
                    "will_use": sources,
                    "extras": [
                        {"name": e.name, "installed": not missing, "missing": missing,
                         "for": e.purpose}
                        for e, missing in extras
                    ],
                    "plugins": [
                        {"kind": kind, "name": name, "origin": origin}
                        for kind, name, origin in extensions
                    ],
                    "scope": settings["scope"],
                    "environment": env,
                },
                indent=2,
                default=str,
            )
        )
        return 0
    for s in statuses:
        mark = "ok " if s.usable else "-- "
        method = _format.METHOD_LABELS.get(s.method, "") if s.method else "unusable"
        print(f"[{mark}] {s.name}: {method}")
        print(f"      {s.reason}")
        if s.fix:
            print(f"      fix: {s.fix}")
    print()
    for e, missing in extras:
        mark = "ok " if not missing else "-- "
        state = "installed" if not missing else (
            f"not installed (no {', '.join(missing)}): {install_line(e.name)}")
        print(f"[{mark}] extra {e.name} ({e.purpose}): {state}")
    print()
    for kind, name, origin in extensions:
        print(f"plugin {kind} {name}: {origin}")
    print("will measure with: " + (", ".join(sources) if sources else "nothing"))
    print(f"scope: {_format.scope_text(settings['scope'])} (--scope machine|process)")
    from ..measure.sensor import Method

    if methods and methods <= {Method.MODEL}:
        print(
            "note: no energy counter is readable here; CPU and DRAM figures will be model "
            "ESTIMATES (labelled so in every output), not measurements."
        )
    cpu = env.get("cpu") or {}
    osinfo = env.get("os") or {}
    print(
        f"machine: {cpu.get('model', '?')}, {cpu.get('logical_cores', '?')} logical CPUs,"
        f" {env.get('ram_bytes', 0) / 2**30:.1f} GiB RAM, {len(env.get('gpus') or [])} GPU(s);"
        f" {osinfo.get('platform', '?')}"
    )
    return 0
