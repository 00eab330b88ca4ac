"""``joulebench doctor``: which energy sensors work here, how they measure, how to fix."""

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


def run(args: argparse.Namespace) -> int:
    from ..measure.discovery import discover
    from ..measure.inventory import collect

    settings = sensor_settings(args)
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
