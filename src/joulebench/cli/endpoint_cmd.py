"""``joulebench endpoint URL --model NAME``: the energy of an OpenAI-compatible server
under load, one stored run per concurrency level or rate.

Everything that can be wrong is checked before anything is measured or written: the
options, the carbon figures and sensors, the dataset, the server (reachable, the model
listed, one streamed probe request), the agent (reachable, the token accepted). Only
then is the store opened; each point is written when it is done. A server that dies
mid-run leaves its finished requests in a point marked ``partial`` and a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import UsageError
from .common import add_carbon_options, add_sensor_options, carbon_from_args, check_seconds

DESCRIPTION = (
    "Drive an OpenAI-compatible endpoint (vLLM, llama.cpp, TGI, transformers serve, ...) "
    "with a seeded load, stream every response (TTFT, inter-token gaps, end-to-end latency, "
    "usage token counts), and measure the server's energy: this host's sensors when the "
    "server runs here, a `joulebench agent` on the server's host with --agent, else "
    "latencies only (energy stored as not measured)."
)


def register(sub: Any) -> None:
    p = sub.add_parser("endpoint", help="measure a serving endpoint under load",
                       description=DESCRIPTION)
    p.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--model", required=True, help="the model name the server serves")
    p.add_argument("--dataset", default="offline:text",
                   help="prompts: a joulebench dataset source (default offline:text); a local "
                        "JSONL column may hold chat messages")
    p.add_argument("--column", default=None, help="the text (or messages) column")
    p.add_argument("--split", default=None, help="Hub dataset split")
    p.add_argument("--config", default=None, help="Hub dataset config")
    p.add_argument("-n", "--requests", type=int, default=100, metavar="N",
                   help="measured requests per point (default 100)")
    p.add_argument("--concurrency", default=None, metavar="C[,C2,...]",
                   help="concurrency cap(s); one point per level (default 1, or no cap with --rate)")
    p.add_argument("--rate", default=None, metavar="R[,R2,...]",
                   help="Poisson arrivals, requests per second (seeded); one point per rate")
    p.add_argument("--seed", type=int, default=0, help="seed of the arrival times (default 0)")
    p.add_argument("--max-tokens", type=int, default=128, metavar="T",
                   help="max_tokens per request (default 128)")
    p.add_argument("--ignore-eos", action="store_true",
                   help="ask the server to generate max_tokens every time (vLLM, llama.cpp)")
    p.add_argument("--api", choices=("chat", "completions"), default="chat",
                   help="/v1/chat/completions (default) or /v1/completions")
    p.add_argument("--api-key-env", metavar="VAR", default=None,
                   help="the environment variable holding the API key (never stored or printed)")
    p.add_argument("--timeout-s", type=float, default=300.0, metavar="S",
                   help="per-request timeout (default 300)")
    p.add_argument("--warmup", type=int, default=2, metavar="W",
                   help="unmeasured requests before each point (default 2)")
    p.add_argument("--idle-s", type=float, default=5.0, metavar="S",
                   help="seconds of idle baseline of the server host first (default 5; 0: none)")
    p.add_argument("--energy", choices=("auto", "local", "none"), default="auto",
                   help="auto (default): this host's sensors when the URL is this host, the "
                        "agent with --agent, else not measured; local: this host's sensors; "
                        "none: latencies only")
    p.add_argument("--agent", metavar="URL", default=None,
                   help="a `joulebench agent` on the server's host, e.g. http://gpu-host:8787")
    p.add_argument("--agent-token-env", metavar="VAR", default=None,
                   help="the environment variable holding the agent's token")
    p.add_argument("--server-pid", type=int, default=None, metavar="PID",
                   help="the server's process (default: found from the port on this host)")
    p.add_argument("--sensor", action="append", dest="sensors", metavar="NAME",
                   help="use only this sensor (repeatable; see `joulebench doctor`)")
    add_sensor_options(p)
    add_carbon_options(p)
    p.add_argument("--server-info", action="append", default=[], metavar="K=V",
                   help="a server detail to store, e.g. engine=vllm tp=2 (repeatable)")
    p.add_argument("--tokenizer", default=None, metavar="NAME_OR_PATH",
                   help="count tokens with this tokenizer when the server sends no usage figures")
    p.add_argument("--no-metrics", action="store_true",
                   help="do not read the server's Prometheus /metrics")
    p.add_argument("--itl-deadline-ms", type=float, default=None, metavar="MS",
                   help="name the lowest-energy point whose median ITL meets this deadline")
    p.add_argument("--html", metavar="PATH", default=None,
                   help="also write the points of this run as a standalone HTML page")
    p.set_defaults(func=run)


def _ints(text: str | None, name: str) -> list[int]:
    if text is None:
        return []
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{name} takes whole numbers separated by commas, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise UsageError(f"{name} must be >= 1, got {text!r}")
    return values


def _floats(text: str | None, name: str) -> list[float]:
    import math

    if text is None:
        return []
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{name} takes numbers separated by commas, got {text!r}") from None
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        raise UsageError(f"{name} must be a positive number of requests per second, got {text!r}")
    return values


def _secret(var: str | None, what: str) -> str | None:
    import os

    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(f"the environment variable {var} ({what}) is not set or empty")
    return value


def _server_info(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--server-info takes KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _plans(args: argparse.Namespace) -> list[Any]:
    from ..serve.load import LoadPlan

    conc = _ints(args.concurrency, "--concurrency")
    rates = _floats(args.rate, "--rate")
    if len(conc) > 1 and len(rates) > 1:
        raise UsageError("sweep --concurrency or --rate, not both",
                         hint="give one level of the other, e.g. --rate 2,4,8 --concurrency 64")
    if not rates:
        return [LoadPlan(args.requests, c, None, args.seed) for c in conc or [1]]
    caps: list[int | None] = list(conc) if conc else [None]
    return [LoadPlan(args.requests, c, r, args.seed) for c in caps for r in rates]


def _check(args: argparse.Namespace) -> None:
    if args.requests < 1:
        raise UsageError(f"-n/--requests must be >= 1, got {args.requests}")
    if args.max_tokens < 1:
        raise UsageError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    if args.warmup < 0:
        raise UsageError(f"--warmup must be >= 0, got {args.warmup}")
    check_seconds("--idle-s", args.idle_s)
    check_seconds("--timeout-s", args.timeout_s)
    if args.timeout_s <= 0:
        raise UsageError("--timeout-s must be > 0")
    if args.itl_deadline_ms is not None and not args.itl_deadline_ms > 0:
        raise UsageError(f"--itl-deadline-ms must be > 0, got {args.itl_deadline_ms:g}")
    if args.agent and args.energy != "auto":
        raise UsageError("--agent reads the server host's energy; it cannot be combined "
                         f"with --energy {args.energy}")
    if args.agent_token_env and not args.agent:
        raise UsageError("--agent-token-env needs --agent URL")
    if args.html:
        import os

        parent = os.path.dirname(os.path.abspath(args.html))
        if os.path.isdir(args.html) or not os.path.isdir(parent) or not os.access(parent, os.W_OK):
            raise UsageError(f"--html {args.html!r}: cannot write a file there")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ..serve.client import RequestSettings
    from ..serve.endpoint_url import parse_endpoint_url
    from ..serve.prompts import load_prompts
    from ._endpoint_run import EndpointRun

    _check(args)
    endpoint = parse_endpoint_url(args.url)
    plans = _plans(args)
    api_key = _secret(args.api_key_env, "the API key")
    token = _secret(args.agent_token_env, "the agent's token")
    info = _server_info(args.server_info)
    carbon = carbon_from_args(args)
    prompts = load_prompts(args.dataset, n=args.requests, column=args.column, split=args.split,
                           config=args.config)
    if prompts.chat_messages and args.api != "chat":
        raise UsageError("the dataset holds chat messages: use --api chat")
    settings = RequestSettings(model=args.model, api=args.api, max_tokens=args.max_tokens,
                               ignore_eos=args.ignore_eos, timeout_s=args.timeout_s,
                               api_key=api_key)
    job = EndpointRun(args, endpoint, settings, plans, prompts, carbon, info, token)
    try:
        code = asyncio.run(job.main())
    finally:
        job.close()
    if job.summaries:
        from ..report.endpoint_view import text_table

        print(text_table(job.summaries, itl_deadline_ms=args.itl_deadline_ms))
        print(f"stored {len(job.records)} point(s) in {job.store_path}")
    if job.failure is not None:
        print(f"error: {job.failure}", file=sys.stderr)
    return code
