"""Serving endpoints: the energy of an OpenAI-compatible server under load.

``joulebench endpoint URL --model NAME`` drives the server with a seeded load, streams
every response, and reads energy where it is spent (design.md, "Serving endpoints").

Modules, bottom up:

* :mod:`.sse`: strict server-sent events / OpenAI chunk parsing;
* :mod:`.results`: frozen records (:class:`~.results.RequestResult`,
  :class:`~.results.EndpointPoint`) with ``to_dict``/``from_dict``;
* :mod:`.endpoint_url`, :mod:`.client`: the address and the aiohttp streaming client;
* :mod:`.prompts`: prompts from any joulebench dataset source (text or chat messages);
* :mod:`.load`: concurrency cap or Poisson arrivals, and the steady-state window;
* :mod:`.metrics`: the server's running batch from Prometheus ``/metrics``;
* :mod:`.energy`: this host's sensors, a remote agent's, or none; :mod:`.local_server`:
  the server's pid on this host and the client's own CPU power;
* :mod:`.agent_client`: the client of ``joulebench agent`` (:mod:`joulebench.measure.agent`);
* :mod:`.preflight`, :mod:`.point`: checks, one measured point, a sweep;
* :mod:`.record`: a point as a stored :class:`~joulebench.bench.records.RunRecord`;
* :mod:`.fake_server`: a scripted OpenAI-compatible server for tests and benchmarks, on
  :mod:`.background` (an aiohttp app on loopback in a background thread).

aiohttp (the ``serve`` extra) is imported only when a client or server is started.
"""

from __future__ import annotations

from .results import ENDPOINT_KEY, EndpointPoint, RequestResult, SteadyWindow

__all__ = ["ENDPOINT_KEY", "EndpointPoint", "RequestResult", "SteadyWindow"]
