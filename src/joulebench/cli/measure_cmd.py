"""``joulebench measure [options] -- CMD ARGS...``: measure a command, store and show it.

Exits with the command's own exit code, so it can wrap steps of a script or CI job.
Everything that can be wrong with the options (carbon figures, store path, sensor names)
is checked before the command starts, so bad input never leaves a half-written store.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from typing import Any

from ..errors import UsageError
from . import _format
from .common import (
    add_carbon_options,
    add_sensor_options,
    carbon_from_args,
    check_seconds,
    sensor_settings,
)

DESCRIPTION = (
    "Run a command and measure its energy (per component, with the method of each figure),"
    " carbon and everyday equivalents; the run is kept in the store."
)


def register(sub: Any) -> None:
    p = sub.add_parser("measure", help="measure the energy of a command", description=DESCRIPTION)
    add_carbon_options(p)
    p.add_argument(
        "--idle-s",
        type=float,
        default=0.0,
        metavar="S",
        help="measure S seconds of idle power first, to report energy net of idle",
    )
    p.add_argument(
        "--sensor",
        action="append",
        dest="sensors",
        metavar="NAME",
        help="use only this sensor (repeatable; see `joulebench doctor` for names)",
    )
    add_sensor_options(p)
    p.add_argument("--label", default=None, help="a name for this run (stored as its model label)")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="the command, after --")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench.records import KIND_MEASURE, STATUS_OK, make_record, utc_now_iso
    from ..measure.discovery import discover
    from ..measure.inventory import collect
    from ..measure.meter import Meter
    from ..store import Store
    from .common import db_path

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError(
            "measure needs a command to run", hint="joulebench measure -- python my_script.py"
        )
    check_seconds("--idle-s", args.idle_s)
    if shutil.which(cmd[0]) is None:
        raise UsageError(f"command not found: {cmd[0]}")
    carbon = carbon_from_args(args)
    settings = sensor_settings(args)
    path = db_path(args)
    with discover(select=args.sensors, **settings) as discovery:
        meter = Meter(discovery.sensors, scope=settings["scope"])
        baseline = None
        if args.idle_s:
            print(f"measuring {args.idle_s:g} s of idle power first ...", file=sys.stderr)
            baseline = meter.measure_idle(args.idle_s)
            print(_format.wrap(_format.idle_line(baseline)), file=sys.stderr)
            meter = Meter(discovery.sensors, scope=settings["scope"], baseline=baseline)
        with Store.open(path) as store:
            started_at = utc_now_iso()
            with meter:
                exit_code = _run_child(cmd)
            measurement = meter.result
            assert measurement is not None
            record = make_record(
                kind=KIND_MEASURE,
                status=STATUS_OK,
                started_at=started_at,
                measurement=measurement,
                model=args.label,
                command=tuple(cmd),
                exit_code=exit_code,
                environment=collect(),
                carbon=carbon,
            )
            store.write_run(record)
    print(_format.wrap(render(record, path)))
    return exit_code


def _run_child(cmd: list[str]) -> int:
    try:
        child = subprocess.Popen(cmd)
    except FileNotFoundError:
        raise UsageError(f"command not found: {cmd[0]}") from None
    except PermissionError:
        raise UsageError(f"command is not executable: {cmd[0]}") from None
    try:
        return child.wait()
    except KeyboardInterrupt:
        # The child got the same SIGINT from the terminal; let it finish, then record.
        return child.wait()


def render(record: Any, path: str) -> str:
    """The table ``measure`` prints: components with provenance, totals, carbon."""
    from ..carbon import equivalents
    from ..units import emissions_g

    m = record.measurement
    carbon = record.carbon
    rows = []
    for c in m.components:
        band = ""
        if c.low_j is not None and c.high_j is not None:
            band = f"{_format.energy(c.low_j)} .. {_format.energy(c.high_j)}"
        rows.append(
            [
                c.domain.value,
                c.source,
                _format.METHOD_LABELS.get(c.method, c.method.value),
                _format.energy(c.energy_j),
                band,
                _format.energy(c.net_energy_j) if c.idle_power_w is not None else "",
                c.gap or "",
            ]
        )
    headers = ["component", "source", "method", "energy", "model band", "net of idle", "gap"]
    # Drop columns nobody needs this time (no idle baseline, no gap), keep the rest.
    keep = [i for i, h in enumerate(headers) if i < 4 or any(r[i] for r in rows)]
    lines = [
        _format.table(
            [headers[i] for i in keep],
            [[r[i] for i in keep] for r in rows],
            right=tuple(keep.index(i) for i in (3, 5) if i in keep),
        )
    ]
    total = m.energy_j
    lines.append("")
    lines.append(f"total energy   {_format.energy(total)}  ({_estimate_note(m)})")
    if m.idle_s:
        lines.append(_format.net_line(m))
    lines.append(f"scope          {_format.scope_text(m.scope)}")
    if m.host_load is not None:
        lines.append(f"other load     {_format.load_text(m.host_load)}")
    lines.append(f"duration       {m.duration_s:.3f} s")
    grams = None if total is None else emissions_g(total, carbon.intensity_g_per_kwh, carbon.pue)
    lines.append(
        f"carbon         {_format.grams(grams)}  at {carbon.intensity_g_per_kwh:g} g CO2eq/kWh,"
        f" PUE {carbon.pue:g} ({carbon.source})"
    )
    for eq in equivalents(total, grams):
        lines.append(f"  = {eq.value:.3g} {eq.name}  [{eq.basis}]")
    for warning in m.warnings:
        lines.append(f"warning: {warning}")
    if m.meter_cpu_s is not None:
        lines.append(f"meter overhead {m.meter_cpu_s * 1000:.2f} ms CPU")
    lines.append(f"exit code      {record.exit_code}")
    lines.append(f"stored run {record.run_id} in {path}")
    return "\n".join(lines)


def _estimate_note(m: Any) -> str:
    from ..measure.sensor import Method

    methods = {c.method for c in m.components if c.energy_j is not None}
    if not methods:
        return "no sensor gave a figure"
    if m.missing:
        return f"PARTIAL: leaves out {', '.join(m.missing)}, which gave no figure"
    if methods == {Method.MODEL}:
        return "all components are model ESTIMATES, not measurements"
    if Method.MODEL in methods:
        return "includes model ESTIMATES"
    return "measured"
