"""Harness overhead: time per query through the benchmark runner vs a bare loop.

Both call the same ``runner.run`` on the same prepared inputs in the same process. The
runner path is :func:`joulebench.bench.runner.measure_repetition` exactly as a job uses
it: a fresh Meter on the session's real sensors, one window and one ``query`` phase
around the loop, ``perf_counter`` per call, a progress callback updating a tqdm bar.
Rounds alternate which path goes first; the figure is the median over rounds of the
ratio of the two paths' per-query times (with its interquartile range). Target: <= 1.03.

    .venv/bin/python benchmarks/harness_overhead.py            # tiny model and distilbert
    .venv/bin/python benchmarks/harness_overhead.py --models tiny --rounds 30

``tiny`` is a 2-layer, 32-wide DistilBERT classifier (worst case: sub-millisecond
queries); ``random:distilbert-base-uncased-finetuned-sst-2-english`` is the real
architecture with random weights.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from joulebench.bench.runner import measure_repetition
from joulebench.measure.discovery import discover
from joulebench.measure.meter import Meter
from joulebench.models.source import ModelSource, parse_model_spec
from joulebench.tasks import text_classification

REAL = "random:distilbert-base-uncased-finetuned-sst-2-english"
TINY_CONFIG = {
    "architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert",
    "dim": 32, "hidden_dim": 64, "n_layers": 2, "n_heads": 2, "vocab_size": 30522,
    "max_position_embeddings": 512, "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
    "label2id": {"NEGATIVE": 0, "POSITIVE": 1}, "pad_token_id": 0,
}  # fmt: skip


def tiny_source(root: Path) -> ModelSource:
    shipped = parse_model_spec(REAL)
    assert shipped.path is not None
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text(json.dumps(TINY_CONFIG))
    (root / "joulebench.json").write_text((shipped.path / "joulebench.json").read_text())
    return ModelSource(spec="random:tiny-distilbert", kind="random", name="tiny", path=root)


def texts(n: int) -> list[str]:
    from pydoc_data.topics import topics

    docs = [" ".join(t.split()[:60]) for t in topics.values()]
    return [docs[i % len(docs)] for i in range(n)]


def measure(spec: str, queries: int, rounds: int, sensors: list[Any]) -> dict[str, float]:
    from tqdm import tqdm

    with tempfile.TemporaryDirectory() as tmp:
        source = tiny_source(Path(tmp) / "tiny") if spec == "tiny" else parse_model_spec(spec)
        loaded = text_classification.load(source)
    runner = loaded.runner
    items = [runner.prepare(t) for t in texts(queries)]
    for p in items[:5]:  # warm-up
        runner.run(p)
    run = runner.run
    bar = tqdm(total=queries * rounds, file=io.StringIO(), mininterval=0.1)

    def bare() -> float:
        t0 = time.perf_counter()
        for p in items:
            run(p)
        return (time.perf_counter() - t0) / queries

    def harness() -> float:
        t0 = time.perf_counter()
        measure_repetition(Meter(sensors), run, items, on_queries=bar.update)
        return (time.perf_counter() - t0) / queries

    bare_s: list[float] = []
    harness_s: list[float] = []
    for i in range(rounds):
        order = (bare, harness) if i % 2 == 0 else (harness, bare)
        for fn in order:
            (bare_s if fn is bare else harness_s).append(fn())
    b, h = statistics.median(bare_s), statistics.median(harness_s)
    # Drift on a shared machine moves both paths of one round together: the median of the
    # per-round ratios is steadier than the ratio of the medians.
    ratios = sorted(hs / bs for hs, bs in zip(harness_s, bare_s, strict=True))
    q1, q3 = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
    return {
        "bare_ms": 1e3 * b,
        "harness_ms": 1e3 * h,
        "ratio": statistics.median(ratios),
        "ratio_iqr": (q1, q3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=f"tiny,{REAL}", help="comma-separated: tiny and/or specs")
    ap.add_argument("--queries", type=int, default=50, help="queries per repetition")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds per path")
    ap.add_argument("--target", type=float, default=1.03)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # steadier timings on a shared machine
    with discover() as found:
        sensors = list(found.sensors)
        print("sensors: " + (", ".join(s.info.source for s in sensors) or "none"))
        worst = 0.0
        for spec in args.models.split(","):
            r = measure(spec, args.queries, args.rounds, sensors)
            worst = max(worst, r["ratio"])
            print(f"{spec}: bare {r['bare_ms']:.3f} ms/query, through the runner "
                  f"{r['harness_ms']:.3f} ms/query, ratio {r['ratio']:.4f} "
                  f"[IQR {r['ratio_iqr'][0]:.3f}-{r['ratio_iqr'][1]:.3f}] "
                  f"({args.queries} queries x {args.rounds} rounds, medians)")
    ok = worst <= args.target
    print(f"worst ratio {worst:.4f} (target <= {args.target}): {'OK' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
