"""Plain-text tables for the terminal (no colour codes, so logs and pipes stay clean)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import units
from ..measure.sensor import Method

# How each method reads in a table: model figures are never shown as measured.
METHOD_LABELS = {
    Method.COUNTER: "measured (counter)",
    Method.POWER_INTEGRATION: "measured (power samples)",
    Method.MODEL: "ESTIMATE (model)",
    Method.USER: "user-supplied",
}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    """Left-aligned columns, except the column indices in ``right``."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            out.append(cell.rjust(width) if i in right else cell.ljust(width))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def energy(energy_j: float | None) -> str:
    """Joules shown in the most readable unit (J below 1 Wh, then Wh, then kWh)."""
    if energy_j is None:
        return "n/a"
    if abs(energy_j) < units.J_PER_WH:
        return f"{energy_j:.3g} J"
    wh = units.j_to_wh(energy_j)
    if abs(wh) < 1000:
        return f"{wh:.3g} Wh"
    return f"{units.j_to_kwh(energy_j):.4g} kWh"


def grams(value_g: float | None) -> str:
    if value_g is None:
        return "n/a"
    if value_g < 1:
        return f"{value_g * 1000:.3g} mg CO2eq"
    if value_g < 1000:
        return f"{value_g:.3g} g CO2eq"
    return f"{value_g / 1000:.3g} kg CO2eq"


def number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


SCOPE_TEXT = {
    "machine": "machine (everything the machine drew, all processes)",
    "process": "process (CPU/DRAM models: this process and its children, plus idle power; "
    "hardware counters: whole device)",
}


def scope_text(scope: str) -> str:
    return SCOPE_TEXT.get(scope, scope)


def load_text(load: Any) -> str:
    """Other processes' CPU use, in words, with BUSY when it is over the threshold."""
    text = f"{load.other_cpus:.2f} of {load.logical_cpus} CPUs used by other processes"
    return f"BUSY: {text}" if load.busy else text


def idle_line(baseline: Any) -> str:
    """One line about an idle baseline: total watts, per source, and the machine's state."""
    watts = baseline.power_w
    total = sum(watts.values())
    parts = ", ".join(f"{src} {w:.3g} W" for src, w in watts.items())
    line = f"idle power {total:.3g} W ({parts or 'no sensor'}) over {baseline.duration_s:g} s"
    load = baseline.host_load
    if load is not None:
        line += f"; {load_text(load)}"
    if baseline.busy:
        line += "\nwarning: the machine was BUSY during the idle baseline: net figures are unreliable"
    return line


def net_line(m: Any) -> str:
    if m.net_energy_j is None:
        missing = [c.source for c in m.components if c.net_energy_j is None]
        return f"net of idle    n/a (no net figure for {', '.join(missing)})"
    flag = "" if m.net_reliable else "  UNRELIABLE: idle baseline taken on a busy machine"
    return f"net of idle    {energy(m.net_energy_j)}  (idle measured {m.idle_s:g} s){flag}"


def wrap(text: str, width: int | None = None) -> str:
    """``text`` folded to the terminal's width (``COLUMNS`` honoured), line by line;
    continuation lines are indented two spaces."""
    import shutil
    import textwrap

    width = width or max(60, shutil.get_terminal_size((100, 24)).columns)
    out = []
    for line in text.splitlines() or [""]:
        if len(line) <= width:
            out.append(line)
            continue
        out.extend(
            textwrap.wrap(
                line, width, subsequent_indent="  ", break_long_words=True,
                break_on_hyphens=False,
            )
        )  # fmt: skip
    return "\n".join(out)
