"""GPU check: NVML energy counter vs integrated power samples, and the idle baseline.

Run on a machine with an NVIDIA GPU (Volta or newer) and torch with CUDA::

    .venv/bin/python benchmarks/gpu_check.py [--seconds 10] [--idle-s 10] [--output gpu_check.json]

It opens GPU 0 twice through joulebench's own NVML sensor: once reading
``nvmlDeviceGetTotalEnergyConsumption`` (method ``counter``) and once with the counter
hidden, so the sensor falls back to power polling integrated over time (method
``power-integration``, 10 Hz). Both are read by one Meter around (1) an idle baseline and
(2) a known workload (fp32 matmuls kept busy for ``--seconds``), then it prints both
figures, their ratio, average power and the net-of-idle energy, plus a short-window
(50 ms) reading to show the update-period warning. Output is JSON (and a summary).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from typing import Any


class _CounterHidden:
    """Wraps pynvml so the energy counter reads as unsupported: forces power integration."""

    def __init__(self, nvml: Any) -> None:
        self._nvml = nvml

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nvml, name)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int:
        raise self._nvml.NVMLError(self._nvml.NVML_ERROR_NOT_SUPPORTED)


def _workload(seconds: float) -> dict[str, float]:
    import torch

    a = torch.randn(8192, 8192, device="cuda")
    b = torch.randn(8192, 8192, device="cuda")
    torch.cuda.synchronize()
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(10):
            a @ b
        torch.cuda.synchronize()
        n += 10
    elapsed = time.perf_counter() - t0
    flops = 2 * 8192**3 * n
    return {"matmuls": n, "seconds": elapsed, "tflops": flops / elapsed / 1e12}


def _components(m: Any) -> dict[str, Any]:
    return {
        c.source + "/" + c.method.value: {
            "energy_j": c.energy_j,
            "net_energy_j": c.net_energy_j,
            "idle_power_w": c.idle_power_w,
            "gap": c.gap,
        }
        for c in m.components
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle-s", type=float, default=10.0)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()

    import pynvml
    import torch

    from joulebench.measure.inventory import collect
    from joulebench.measure.meter import Meter
    from joulebench.measure.nvml_devices import open_nvml

    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check", file=sys.stderr)
        return 2
    counter, notes = open_nvml(pynvml, environ={"CUDA_VISIBLE_DEVICES": "0"})
    power, _ = open_nvml(_CounterHidden(pynvml), environ={"CUDA_VISIBLE_DEVICES": "0"})
    power[0].info = dataclasses.replace(power[0].info, source="nvml:0-power")
    sensors = [counter[0], power[0]]
    torch.zeros(1, device="cuda")  # initialise CUDA so the meter synchronises at edges
    meter = Meter(sensors)
    idle_w = meter.measure_idle(args.idle_s)
    result: dict[str, Any] = {"notes": notes, "idle_power_w": idle_w}

    meter = Meter(sensors, baseline=idle_w)
    with meter:
        work = _workload(args.seconds)
    m = meter.result
    assert m is not None
    by_method = {c.method.value: c for c in m.components}
    e_counter = by_method["counter"].energy_j
    e_power = by_method["power-integration"].energy_j
    result["workload"] = work
    result["window_s"] = m.duration_s
    result["components"] = _components(m)
    result["warnings"] = list(m.warnings)
    if e_counter and e_power:
        result["power_integration_over_counter"] = e_power / e_counter
        result["average_power_w_counter"] = e_counter / m.duration_s

    short = Meter(sensors, baseline=idle_w)
    with short:
        time.sleep(0.05)
    assert short.result is not None
    result["short_window_warnings"] = list(short.result.warnings)
    result["environment"] = collect()
    for s in sensors:
        s.close()

    text = json.dumps(result, indent=2, default=str)
    if args.output:
        with open(args.output, "w") as fh:
            fh.write(text)
    print(text)
    print(
        f"\ncounter {e_counter} J, power integration {e_power} J, ratio "
        f"{result.get('power_integration_over_counter')}; idle {idle_w} W over {args.idle_s} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
