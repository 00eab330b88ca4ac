"""A rough prior for ``joulebench run --dry-run``: how long and how much energy a job list
might take, before anything is measured. Per-task seconds per query and average power
for a ~100M-parameter model (text-to-image: a 512x512, 50-step pipeline), on a CPU or a
GPU. It is a prior, not a measurement, and says so wherever it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import JobSpec

# task: (CPU s/query, GPU s/query)
_S_PER_QUERY = {
    "text-classification": (0.05, 0.01),
    "token-classification": (0.08, 0.015),
    "question-answering": (0.08, 0.015),
    "fill-mask": (0.05, 0.012),
    "text-generation": (0.4, 0.1),
    "summarization": (1.0, 0.15),
    "image-classification": (0.15, 0.02),
    "object-detection": (1.0, 0.06),
    "image-to-text": (1.0, 0.15),
    "text-to-image": (60.0, 5.0),
    "sentence-similarity": (0.05, 0.01),
    # a 30 s log-mel window through the encoder, then a few dozen decoder steps
    "automatic-speech-recognition": (2.0, 0.2),
}
_LOAD_S = (5.0, 10.0)  # per job: (CPU, GPU) seconds to build or load a model
_POWER_W = (50.0, 250.0)  # average draw while querying: (CPU package, GPU)
_DEFAULT_S = (0.5, 0.1)


@dataclass(frozen=True)
class Estimate:
    seconds: float
    energy_j: float


def _scale(job: JobSpec) -> float:
    """Text-to-image: a tenth fixed (text encoder, VAE, conversion), the rest scaling with
    steps x pixels, when the job sets them."""
    if job.task != "text-to-image":
        return 1.0
    opts = job.options_dict
    steps = float(opts.get("num_inference_steps", 50))
    pixels = float(opts.get("height", 512)) * float(opts.get("width", 512))
    return 0.1 + 0.9 * steps / 50.0 * pixels / (512.0 * 512.0)


def estimate_job(job: JobSpec, device: str) -> Estimate:
    gpu = device.startswith("cuda")
    per_query = _S_PER_QUERY.get(job.task, _DEFAULT_S)[gpu] * _scale(job)
    queries = job.n_queries * job.repetitions + job.warmup
    load_s = _LOAD_S[gpu] * (4 if job.task == "text-to-image" else 1)
    seconds = load_s + queries * per_query
    return Estimate(seconds=seconds, energy_j=seconds * _POWER_W[gpu])


def estimate_jobs(jobs: list[JobSpec], device: str) -> Estimate:
    parts = [estimate_job(j, device) for j in jobs]
    return Estimate(sum(p.seconds for p in parts), sum(p.energy_j for p in parts))


def guess_device(device: str) -> str:
    """``auto`` guessed without importing torch (a dry run must stay instant)."""
    if device != "auto":
        return device
    import os

    return "cuda" if os.path.exists("/dev/nvidia0") else "cpu"
