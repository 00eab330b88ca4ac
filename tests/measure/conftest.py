"""Fake hardware for the sensor tests: powercap trees under tmp_path, NVML and amdsmi objects."""

from __future__ import annotations

from pathlib import Path

import pytest


class PowercapTree:
    """Builds a fake /sys/class/powercap: nested zone dirs plus the flat symlinks sysfs has."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def zone(
        self,
        zone_id: str,
        name: str,
        energy_uj: int = 0,
        *,
        max_range_uj: int | None = 262_143_328_850,
        constraint_uw: int | None = None,
    ) -> Path:
        control, _, rest = zone_id.partition(":")
        parts = rest.split(":")
        path = self.root / f"{control}:{parts[0]}"
        for depth in range(2, len(parts) + 1):
            path = path / f"{control}:{':'.join(parts[:depth])}"
        path.mkdir(parents=True)
        if len(parts) > 1:
            (self.root / zone_id).symlink_to(path)
        (path / "name").write_text(name + "\n")
        (path / "energy_uj").write_text(f"{energy_uj}\n")
        if max_range_uj is not None:
            (path / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
        if constraint_uw is not None:
            (path / "constraint_0_name").write_text("long_term\n")
            (path / "constraint_0_max_power_uw").write_text(f"{constraint_uw}\n")
        return path

    def set(self, zone_id: str, energy_uj: int) -> None:
        # write_text truncates the same inode, so an fd the sensor holds sees the new value
        (self.root / zone_id / "energy_uj").write_text(f"{energy_uj}\n")


@pytest.fixture
def powercap(tmp_path: Path) -> PowercapTree:
    return PowercapTree(tmp_path / "powercap")
