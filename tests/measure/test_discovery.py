from __future__ import annotations

import os
from pathlib import Path

import pytest

from joulebench.errors import UsageError
from joulebench.measure.discovery import NAMES, discover
from joulebench.measure.fake_devices import FakeAmdGpu, FakeAmdSmi, FakeGpu, FakeNvml
from joulebench.measure.sensor import Method, Sensor


def no_gpus() -> dict:
    return {"nvml": FakeNvml(init_error=FakeNvml.NVML_ERROR_LIBRARY_NOT_FOUND),
            "amdsmi": FakeAmdSmi([])}


def sources(found) -> list[str]:
    return [s.info.source for s in found.sensors]


def test_this_machine_real_state_falls_back_to_models():
    """No GPU, no RAPL here: the models are used and every candidate says why."""
    with discover(rapl_root="/sys/class/powercap") as found:
        assert len(found.statuses) == 5
        assert [s.name for s in found.statuses] == [
            "NVIDIA GPU (NVML)", "AMD GPU (amdsmi)", "Intel/AMD RAPL (powercap)",
            "CPU model", "DRAM model",
        ]
        for sensor in found.sensors:
            assert isinstance(sensor, Sensor)
        if not Path("/sys/class/powercap").exists():
            rapl = found.status("rapl")
            assert not rapl.usable
            assert "no /sys/class/powercap/intel-rapl zones" in rapl.reason
            assert rapl.fix and "modprobe" in rapl.fix
            cpu = found.status("cpu-model")
            assert cpu.usable and cpu.method is Method.MODEL
            assert cpu.sources == ("model:cpu-utilization",)
            assert "max" in cpu.reason and "W" in cpu.reason
            assert "model:cpu-utilization" in sources(found)
            assert "model:dram" in sources(found)


def test_empty_fake_state(tmp_path: Path):
    found = discover(rapl_root=tmp_path / "none", **no_gpus())
    assert sources(found) == ["model:cpu-utilization", "model:dram"]
    nvidia = found.status("nvml")
    assert nvidia.reason == "NVML library not found (libnvidia-ml.so.1): no NVIDIA driver"
    assert not found.status("amdsmi").usable
    assert "found no AMD GPU" in found.status("amdsmi").reason


def test_rapl_replaces_both_models_and_gpus_are_added(powercap):
    powercap.zone("intel-rapl:0", "package-0", 1)
    powercap.zone("intel-rapl:0:0", "core", 1)
    powercap.zone("intel-rapl:0:1", "dram", 1)
    nvml = FakeNvml([FakeGpu(energy_mj=10), FakeGpu(energy_mj=None, uuid="GPU-2")])
    amd = FakeAmdSmi([FakeAmdGpu()])
    found = discover(rapl_root=powercap.root, nvml=nvml, amdsmi=amd, environ={})
    assert sources(found) == ["nvml:0", "nvml:1", "amdsmi:0", "rapl:package-0", "rapl:dram-0"]
    assert found.status("nvml").method is Method.POWER_INTEGRATION  # the weakest of the two
    assert found.status("rapl").usable
    assert "skipped intel-rapl:0:0 (core): inside package-0" in found.status("rapl").reason
    cpu = found.status("cpu-model")
    assert cpu.sources == () and "measured by rapl:package-0" in cpu.reason
    assert "measured by rapl:dram-0" in found.status("dram-model").reason
    found.close()
    assert nvml.init_count == 0 and amd.init_count == 0


def test_package_without_dram_keeps_the_dram_model(powercap):
    powercap.zone("intel-rapl:0", "package-0", 1)
    found = discover(rapl_root=powercap.root, **no_gpus())
    assert sources(found) == ["rapl:package-0", "model:dram"]


def test_psys_replaces_both_models(powercap):
    powercap.zone("intel-rapl:1", "psys", 1)
    found = discover(rapl_root=powercap.root, **no_gpus())
    assert sources(found) == ["rapl:psys"]


def test_unreadable_rapl_is_a_status_with_a_fix(powercap):
    powercap.zone("intel-rapl:0", "package-0", 1)

    def root_only(path: str) -> int:
        if path.endswith("energy_uj"):
            raise PermissionError(13, "Permission denied", path)
        return os.open(path, os.O_RDONLY)

    found = discover(rapl_root=powercap.root, rapl_opener=root_only, **no_gpus())
    rapl = found.status("rapl")
    assert not rapl.usable and "permission denied" in rapl.reason
    assert rapl.fix and "chmod o+r" in rapl.fix
    assert sources(found) == ["model:cpu-utilization", "model:dram"]


def test_select_by_name_and_source(powercap):
    powercap.zone("intel-rapl:0", "package-0", 1)
    powercap.zone("intel-rapl:0:0", "dram", 1)
    nvml = FakeNvml([FakeGpu(), FakeGpu(uuid="GPU-2")])
    found = discover(rapl_root=powercap.root, nvml=nvml, amdsmi=FakeAmdSmi(),
                     select=["nvml:1", "rapl:dram-0", "cpu-model"], environ={})
    # the package was not selected, so it does not replace the CPU model
    assert sources(found) == ["nvml:1", "rapl:dram-0", "model:cpu-utilization"]
    assert nvml.init_count == 1  # nvml:0 was closed
    assert found.status("amdsmi").reason == "not selected"
    found.close()
    found = discover(rapl_root=powercap.root, select=["rapl", "dram-model"], **no_gpus())
    assert sources(found) == ["rapl:package-0", "rapl:dram-0"]
    assert "measured by rapl:dram-0" in found.status("dram-model").reason


def test_select_unknown_names(powercap):
    with pytest.raises(UsageError, match="did you mean: rapl") as info:
        discover(rapl_root=powercap.root, select=["rapll"], **no_gpus())
    for name in NAMES:
        assert name in (info.value.hint or "")
    with pytest.raises(UsageError, match="no sensor with source nvml:3"):
        discover(rapl_root=powercap.root, select=["nvml:3"], **no_gpus())


def test_unexpected_probe_error_is_a_status_not_a_crash(tmp_path: Path):
    class Broken:
        def nvmlInit(self):
            raise RuntimeError("boom")

        NVMLError = KeyError

    found = discover(rapl_root=tmp_path, nvml=Broken(), amdsmi=FakeAmdSmi([]))
    assert "unexpected RuntimeError: boom" in found.status("nvml").reason
