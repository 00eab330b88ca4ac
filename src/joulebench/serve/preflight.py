"""Before anything is measured: is the server there, does it serve the model, does a
request work? Each failure is one :class:`~joulebench.errors.EndpointError` line.

:func:`check_server` reads ``/v1/models`` (the model must be listed; the ones served are
named otherwise) and probes ``/metrics`` for a known running-batch gauge;
:func:`probe_request` sends one streamed request and turns its failure into a sentence
(:func:`describe_failure`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..errors import EndpointError, closest
from .client import EndpointClient
from .metrics import running_from_text
from .results import RequestResult, ServerInfo

__all__ = ["check_server", "describe_failure", "probe_request"]

_KEY_HINT = "give the API key with --api-key-env VAR (the name of an environment variable)"


async def check_server(client: EndpointClient, *, user_info: Mapping[str, str] | None = None,
                       metrics: bool = True) -> ServerInfo:
    """The server's model list and metrics gauge; EndpointError when it is unusable."""
    endpoint, model = client.endpoint, client.settings.model
    status, _, body = await client.get(endpoint.api_root + "/models")
    models: tuple[str, ...] = ()
    owned_by = None
    if status in (401, 403):
        raise EndpointError(f"the server at {endpoint.display} refused the request: {status} "
                            f"({'unauthorised' if status == 401 else 'forbidden'})", hint=_KEY_HINT)
    if status == 200:
        try:
            data = json.loads(body).get("data")
            models = tuple(str(m["id"]) for m in data)
            owned_by = next((str(m.get("owned_by")) for m in data if m.get("owned_by")), None)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise EndpointError(f"{endpoint.display}/models did not answer an OpenAI model list",
                                hint="is this an OpenAI-compatible server's base URL?") from None
        if model not in models:
            listing = ", ".join(models[:20]) or "(none)"
            raise EndpointError(f"model {model!r} is not served at {endpoint.display}"
                                f"{closest(model, models)}; it serves: {listing}",
                                hint="pass one of them with --model")
    elif status != 404:  # some servers have no model list; the probe request decides
        raise EndpointError(f"the server at {endpoint.display} answered /models with {status}: "
                            f"{client.redact(body)[:160].strip()}")
    gauge = None
    if metrics:
        try:
            m_status, _, m_body = await client.get(endpoint.server_root + "/metrics", timeout_s=5)
            found = running_from_text(m_body) if m_status == 200 else None
            gauge = found[0] if found else None
        except EndpointError:
            gauge = None
    return ServerInfo(models=models, owned_by=owned_by, user=dict(user_info or {}),
                      metrics_gauge=gauge)


def describe_failure(result: RequestResult, client: EndpointClient) -> EndpointError:
    """One sentence (and a hint) for a failed request."""
    where = client.endpoint.display
    kind, detail = result.error_kind or "", result.error or ""
    api = client.settings.api
    if kind == "connect":
        return EndpointError(detail, hint="is the server running, and on this host and port?")
    if kind in ("http-401", "http-403"):
        return EndpointError(f"the server at {where} refused the request: {detail}", hint=_KEY_HINT)
    if kind == "http-404":
        other = "completions" if api == "chat" else "chat"
        return EndpointError(f"the server at {where} has no {api} endpoint or model: {detail}",
                             hint=f"check the base URL (…/v1) and --model, or try --api {other}")
    if kind == "http-429":
        return EndpointError(f"the server at {where} is rate-limiting: {detail}",
                             hint="lower --concurrency or --rate, or raise the server's limits")
    if kind.startswith("http-"):
        return EndpointError(f"the server at {where} failed the request: {detail}")
    if kind == "not-sse":
        return EndpointError(f"the server at {where} {detail}",
                             hint="is this an OpenAI-compatible server that streams (SSE)?")
    if kind == "timeout":
        return EndpointError(f"the server at {where} gave {detail}", hint="raise --timeout-s")
    if kind == "disconnected":
        return EndpointError(f"{detail} ({where})")
    if kind in ("malformed", "truncated", "stream-error"):
        return EndpointError(f"bad event stream from {where}: {detail}")
    return EndpointError(f"request to {where} failed: {detail}")


async def probe_request(client: EndpointClient, body: bytes) -> RequestResult:
    """One request before the run; EndpointError (one line) when it fails."""
    import time

    result = await client.request(0, body, time.perf_counter())
    if not result.ok:
        raise describe_failure(result, client)
    return result
