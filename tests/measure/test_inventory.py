from __future__ import annotations

import json
import sys

from joulebench.measure.fake import FakeSensor
from joulebench.measure.fake_devices import FakeAmdGpu, FakeAmdSmi, FakeGpu, FakeNvml
from joulebench.measure.inventory import collect, package_versions


def test_collect_on_this_machine_is_serialisable_and_complete():
    record = collect(nvml=FakeNvml(init_error=FakeNvml.NVML_ERROR_LIBRARY_NOT_FOUND))
    json.dumps(record)
    assert record["hostname"]
    assert record["cpu"]["logical_cores"] >= 1
    assert record["ram_bytes"] > 0
    assert record["gpus"] == []
    assert record["notes"] and "NVML unavailable" in record["notes"][0]
    assert record["python"]["version"].startswith(f"{sys.version_info.major}.")
    assert record["packages"]["joulebench"] is not None
    assert "sensors" not in record


def test_collect_with_real_pynvml_does_not_raise():
    json.dumps(collect())


def test_gpus_driver_and_cuda_versions_from_nvml():
    nvml = FakeNvml([FakeGpu(uuid="GPU-1", memory_total_bytes=1234)], cuda_version=12040)
    amd = FakeAmdSmi([FakeAmdGpu(uuid="amd-1")])
    record = collect([FakeSensor("fake:0", power_w=1.0)], nvml=nvml, amdsmi=amd)
    nvidia, radeon = record["gpus"]
    assert nvidia == {
        "index": 0, "vendor": "nvidia", "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-1",
        "memory_bytes": 1234, "driver_version": "550.54.15", "cuda_driver_version": "12.4",
    }
    assert radeon["uuid"] == "amd-1" and radeon["vendor"] == "amd"
    assert nvml.init_count == 0 and amd.init_count == 0
    assert record["sensors"][0]["source"] == "fake:0"
    assert record["sensors"][0]["method"] == "counter"
    json.dumps(record)


def test_package_versions_do_not_import(monkeypatch):
    monkeypatch.delitem(sys.modules, "ray", raising=False)
    versions = package_versions(["psutil", "no-such-package-xyz", "ray"])
    assert versions["psutil"] and versions["no-such-package-xyz"] is None
    assert "ray" not in sys.modules
