"""Sensor probes from other packages: they join discovery like the built-ins do."""

from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.errors import SensorError, UsageError
from joulebench.measure.discovery import discover, registered_probes
from joulebench.measure.fake import FakeSensor
from joulebench.measure.fake_devices import FakeAmdSmi, FakeNvml
from joulebench.measure.probes import ProbeContext, SensorProbe, reading
from joulebench.measure.sensor import Domain, Method, Sensor, SensorStatus

NO_GPUS = {"nvml": FakeNvml(init_error=FakeNvml.NVML_ERROR_LIBRARY_NOT_FOUND),
           "amdsmi": FakeAmdSmi([])}


def soc_probe(fail: BaseException | None = None) -> SensorProbe:
    """An Apple-Silicon-like probe: one counter for the CPU package, one for the GPU."""

    def open_soc(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
        if fail is not None:
            raise fail
        sensors: list[Sensor] = [
            FakeSensor("soc:cpu", power_w=5.0, domain=Domain.CPU_PACKAGE, clock=ctx.clock),
            FakeSensor("soc:gpu", power_w=3.0, domain=Domain.GPU, clock=ctx.clock),
        ]
        return sensors, reading("Example SoC", sensors)

    return SensorProbe("soc", "Example SoC", open_soc, sources=("soc:<unit>",),
                       fix="install the SoC driver")


def sources(found) -> list[str]:
    return [s.info.source for s in found.sensors]


def test_a_plugin_counter_replaces_the_model_it_covers(tmp_path: Path) -> None:
    candidates = [*registered_probes(), soc_probe()]
    found = discover(rapl_root=tmp_path / "none", probes=candidates, **NO_GPUS)
    assert sources(found) == ["model:dram", "soc:cpu", "soc:gpu"]
    assert [s.name for s in found.statuses][-1] == "Example SoC"
    cpu = found.status("cpu-model")
    assert cpu.method is Method.MODEL and "not used: measured by soc:cpu" in cpu.reason
    assert found.status("soc").usable and found.status("soc").sources == ("soc:cpu", "soc:gpu")


def test_a_plugin_source_can_be_selected_alone(tmp_path: Path) -> None:
    candidates = [*registered_probes(), soc_probe()]
    found = discover(rapl_root=tmp_path, probes=candidates, select=["soc:gpu", "cpu-model"],
                     **NO_GPUS)
    assert sources(found) == ["model:cpu-utilization", "soc:gpu"]  # soc:cpu was not selected
    with pytest.raises(UsageError) as info:
        discover(rapl_root=tmp_path, probes=candidates, select=["socc"], **NO_GPUS)
    assert "did you mean: soc" in str(info.value) and "soc:<unit>" in (info.value.hint or "")


def test_a_failing_plugin_probe_is_a_status_with_its_fix(tmp_path: Path) -> None:
    for error, reason in ((SensorError("no SoC here"), "no SoC here"),
                          (RuntimeError("boom"), "unexpected RuntimeError: boom")):
        candidates = [*registered_probes(), soc_probe(error)]
        found = discover(rapl_root=tmp_path, probes=candidates, **NO_GPUS)
        status = found.status("soc")
        assert not status.usable and status.reason == reason
        assert sources(found) == ["model:cpu-utilization", "model:dram"]
    assert found.status("Example SoC").fix is None  # only a SensorError gets the probe's fix
