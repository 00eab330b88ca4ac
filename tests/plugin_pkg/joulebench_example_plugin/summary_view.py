"""Report view ``example-summary``: one tab-separated line per (task, model, dataset)."""

from __future__ import annotations

from joulebench.report import Report


def render(report: Report) -> str:
    lines = ["task\tmodel\tdataset\tWh per 1,000 queries"]
    for row in report.rows:
        energy = row.energy_wh_per_1000_queries
        lines.append(f"{row.task}\t{row.model}\t{row.dataset}\t"
                     f"{'n/a' if energy is None else format(energy.mean, '.3g')}")
    return "\n".join(lines) + "\n"
