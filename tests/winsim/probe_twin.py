"""The twin of the agent's ``tls_probe`` operation: answers from the host's facts instead of the network.

The facts file ``<host>.json`` says what the network looks like from the host::

    {"network": {
      "chains": {"microsoft": [{"subject": "CN=...", "issuer": "CN=...", "thumbprint": "...",
                                "not_before": "...", "not_after": "..."}, ...]},
      "rules": [
        {"host": "*.prod.do.dsp.mp.microsoft.com", "via": "direct", "answer": {"chain": "microsoft"}},
        {"host": "*", "via": "proxy.corp.example:8080", "answer": {"chain": "zscaler"}},
        {"host": "unreachable.example", "answer": {"stage": "connect", "error": "No such host is known"}}
      ]}}

The first rule whose ``host`` (exact, or a ``*`` pattern, case-insensitive), optional ``port`` and
optional ``via`` (``direct`` or the proxy ``host:port``; absent matches any) match answers. An answer is a
failure ``{"stage": "connect" | "proxy" | "tls" | "http", "error": "...", "proxy_status": 407}`` or a
success ``{"chain": <name or list>, "policy_errors": "None", "protocol": "Tls12", "http_status": 200}``.
No matching rule: the connection fails at ``connect`` with Windows' DNS error. Inputs are validated
with the agent's messages, before anything is answered.

Time, as the agent spends it: every probe starts connecting at once; then the probes finish one after
another. An answer's ``connect_ms`` (default 3) is when its connection is made, ``"drop": true`` a way out
that silently drops the connection (it never connects), ``stage_ms`` (default 3) what each later stage
(CONNECT, TLS handshake with its chain building, HTTP answer) takes, ``"stall": "proxy" | "tls" | "http"``
a way out that accepts the connection and never finishes that stage (a proxy that never answers CONNECT, a
TLS server that never completes the handshake). The connection is waited for until ``timeout_ms`` after
the start; one deadline per probe, computed when its turn comes (``timeout_ms`` from then, or
``deadline_ms`` from the start if that comes first), bounds the whole probe, every later stage getting
what is left of it. A stage that runs out of time fails with the agent's Get-TimeoutMessage: the phase,
its time, the bound. The answer's ``elapsed_ms`` is the total, and the twin sleeps that long, so a host
command takes the time the agent would.
"""

from __future__ import annotations

import fnmatch
import math
import re
import struct
import time
import typing as t

from .regfile import REG_BINARY, REG_EXPAND_SZ, REG_SZ
from .registry import Registry, RegistryError, hive_name, split_path, view_parts

# The agent's patterns ($ProbeHostPattern, $ProbeIPv6Pattern, $ProbePathPattern), with Python's \Z.
HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?")
IPV6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}\]")
PATH = re.compile(r"/[\x21-\x7E]{0,2047}")
NO_SUCH_HOST = "No such host is known"
MS_PER_STAGE = 3


def deadline_message(deadline_ms: int) -> str:
    """The agent's Get-DeadlineMessage."""
    return f"the endpoint check's total time bound of {deadline_ms} ms ran out"


def timeout_message(
    stage: str, target: dict[str, t.Any], proxy: str | None, spent_ms: int, timeout_ms: int, by_deadline: bool,
    deadline_ms: int,
) -> str:  # fmt: skip
    """The agent's Get-TimeoutMessage: a phase after the connection ran out of time."""
    where = f"{target['host']}:{target['port']}"
    phase = {
        "proxy": f"the proxy CONNECT to {proxy} for {where}",
        "tls": f"the TLS handshake with {where}",
    }.get(stage, f"the HTTP request to {where}")
    if by_deadline:
        return f"{deadline_message(deadline_ms)}: {phase} timed out after {spent_ms} ms"
    return f"{phase} timed out after {spent_ms} ms; the probe's time bound of {timeout_ms} ms ran out"


class ProbeInputError(Exception):
    """The operation's input is invalid; the agent fails the operation with this message."""


def _is_host(value: t.Any) -> bool:
    return isinstance(value, str) and bool(HOST.fullmatch(value) or IPV6.fullmatch(value))


def _is_int(value: t.Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def split_host_port(text: str) -> tuple[str, int] | None:
    """``host:port`` -> (host, port), or None, as the agent's Split-HostPort."""
    host, sep, digits = text.rpartition(":")
    if not sep or not host or not re.fullmatch(r"[0-9]{1,5}", digits) or not _is_host(host):
        return None
    port = int(digits)
    return (host, port) if 1 <= port <= 65535 else None


def proxy_endpoint(text: str) -> str:
    """The agent's Get-ProxyEndpoint (the controller's ``proxy_endpoint``)."""
    value = text.strip()
    if "://" in value:
        value = value.partition("://")[2]
    value = value.rstrip("/")
    if "=" in value:
        entries: dict[str, str] = {}
        for item in value.split(";"):
            scheme, equals, target = item.partition("=")
            if equals and scheme.strip():
                entries[scheme.strip().lower()] = target.strip()
        picked = entries.get("https") or entries.get("http") or next(iter(entries.values()), None)
        if picked is not None:
            value = picked
    return value.rstrip("/").lower()


def _target(index: int, item: t.Any, route_count: int) -> dict[str, t.Any]:
    where = f"targets[{index}]"
    if not isinstance(item, dict):
        item = {}
    if item.get("scheme") not in ("http", "https"):
        raise ProbeInputError(f"{where}: scheme must be 'http' or 'https'")
    host = item.get("host")
    if not _is_host(host):
        raise ProbeInputError(
            f"{where}: invalid host '{host}' (expected a host name, an IPv4 address or a bracketed IPv6 address)"
        )
    port = item.get("port")
    if not _is_int(port) or not 1 <= port <= 65535:
        raise ProbeInputError(f"{where}: port must be an integer 1..65535")
    path = item.get("path")
    if not isinstance(path, str) or not PATH.fullmatch(path):
        raise ProbeInputError(
            f"{where}: invalid path (expected '/' followed by printable ASCII characters without spaces)"
        )
    routes = item.get("routes")
    if not isinstance(routes, list) or not routes:
        raise ProbeInputError(f"{where}: 'routes' must be a non-empty list of route indexes")
    for route in routes:
        if not _is_int(route) or not 0 <= route < route_count:
            raise ProbeInputError(f"{where}: route index '{route}' is not one of 'routes'")
    return {"scheme": item["scheme"], "host": host, "port": port, "path": path, "routes": routes}


def _proxy_text(registry: Registry, source: t.Any) -> str | None:
    """What a route's ``from`` names, as the agent's Read-ProxyText reads it."""
    if not isinstance(source, dict):
        raise ProbeInputError("'from' must be an object with hive, path, view and name")
    try:
        parts = split_path(source.get("path"))
        full = hive_name(str(source.get("hive")))
        resolved = "\\".join(view_parts(full, parts, source.get("view")))
    except RegistryError as exc:
        raise ProbeInputError(str(exc)) from None
    if "*" in parts:
        raise ProbeInputError("wildcard '*' in key path: a route reads one value")
    name = source.get("name")
    if not isinstance(name, str):
        raise ProbeInputError("'from.name' must be a string")
    value = registry.get_value(full, resolved, name)
    if value is None:
        return None
    if value.kind in (REG_SZ, REG_EXPAND_SZ):
        return value.raw.decode("utf-16-le", "surrogatepass").split("\0", 1)[0]
    if value.kind != REG_BINARY:
        kind = {4: "dword", 7: "multistring", 11: "qword", 0: "none"}.get(value.kind, "none")
        raise ProbeInputError(f"value '{name}' is a {kind} value, expected string or binary")
    offset = source.get("offset")
    if not _is_int(offset) or offset < 0:
        raise ProbeInputError(f"'from.offset' must be an integer >= 0 for the binary value '{name}'")
    data = value.raw
    if len(data) < offset + 4:
        raise ProbeInputError(f"value '{name}' has {len(data)} bytes, too few for a length at offset {offset}")
    (length,) = struct.unpack_from("<I", data, offset)
    if length > len(data) - offset - 4:
        raise ProbeInputError(f"value '{name}' announces {length} bytes at offset {offset} but has fewer")
    return data[offset + 4 : offset + 4 + length].decode("ascii", "replace")


def _route(registry: Registry, index: int, item: t.Any) -> dict[str, t.Any]:
    """One route as the agent's Resolve-ProbeRoute reports it."""
    item = item if isinstance(item, dict) else {}
    kind = item.get("type")
    if kind == "direct":
        return {"index": index, "type": "direct", "proxy": None}
    if kind != "proxy":
        raise ProbeInputError(f"routes[{index}]: type must be 'direct' or 'proxy'")
    literal, source = item.get("proxy"), item.get("from")
    if literal is not None:
        if not isinstance(literal, str) or split_host_port(literal) is None:
            raise ProbeInputError(f"routes[{index}]: proxy '{literal}' is not host:port")
        return {"index": index, "type": "proxy", "proxy": literal.lower()}
    if source is None:
        raise ProbeInputError(f"routes[{index}]: a proxy route needs 'proxy' or 'from'")
    resolved: dict[str, t.Any] = {"index": index, "type": "proxy", "proxy": None, "text": None}
    try:
        text = _proxy_text(registry, source)
        if text is not None and text.strip():
            resolved["text"] = text
            endpoint = proxy_endpoint(text)
            if split_host_port(endpoint) is None:
                raise ProbeInputError(f"proxy '{endpoint}' is not host:port")
            resolved["proxy"] = endpoint
    except ProbeInputError as exc:
        resolved["error"] = str(exc)
    return resolved


def _rule_matches(rule: dict[str, t.Any], target: dict[str, t.Any], via: str) -> bool:
    pattern = str(rule.get("host", "*")).lower()
    if not fnmatch.fnmatchcase(target["host"].lower(), pattern):
        return False
    if "port" in rule and rule["port"] != target["port"]:
        return False
    return "via" not in rule or str(rule["via"]).lower() == via


def _answer(network: dict[str, t.Any], target: dict[str, t.Any], via: str) -> dict[str, t.Any]:
    for rule in network.get("rules") or []:
        if _rule_matches(rule, target, via):
            return dict(rule.get("answer") or {})
    return {"stage": "connect", "error": NO_SUCH_HOST}


class _Clock:
    """The agent's time: ``now`` is milliseconds since the probes started connecting."""

    def __init__(self, timeout: int, deadline: int) -> None:
        self.now = 0
        self.timeout = timeout
        self.deadline = deadline

    def left(self, budget_used: int) -> int:
        """Get-ProbeBudget: what is left of the probe's timeout and of the deadline, at least 1 ms."""
        return max(1, min(self.timeout - budget_used, self.deadline - self.now))


def _probe(
    network: dict[str, t.Any], index: int, target: dict[str, t.Any], proxy: str | None, clock: _Clock
) -> dict[str, t.Any]:
    via = proxy or "direct"
    answer = _answer(network, target, via)
    https_stages = ["proxy", "tls"] if proxy else ["tls"]
    stages = https_stages if target["scheme"] == "https" else ["http"]
    timings: dict[str, int | None] = {"connect_ms": None, "proxy_ms": None, "tls_ms": None, "http_ms": None}
    result: dict[str, t.Any] = {
        "target": index,
        "via": via,
        "ok": False,
        "stage": "connect",
        "error": None,
        "proxy_status": None,
        "http_status": None,
        "tls": None,
        "timings": timings,
    }
    failed = answer.get("stage")
    # Complete-Probe's one deadline, computed when the probe's turn comes.
    until = min(clock.now + clock.timeout, clock.deadline)
    connected_at = math.inf if answer.get("drop") else int(answer.get("connect_ms", MS_PER_STAGE))
    left = clock.left(clock.now)  # every probe started connecting at 0
    if connected_at > clock.now + left:
        clock.now += left
        peer = proxy or f"{target['host']}:{target['port']}"
        if clock.now >= clock.deadline:
            result["error"] = f"{deadline_message(clock.deadline)}: connecting to {peer} timed out after {clock.now} ms"
        else:
            result["error"] = f"connecting to {peer} timed out after {clock.timeout} ms"
        timings["total_ms"] = clock.now
        return result
    clock.now = max(clock.now, int(connected_at))
    if failed == "connect":
        result["error"] = answer.get("error")
        timings["total_ms"] = clock.now
        return result
    connect_ms = clock.now
    timings["connect_ms"] = connect_ms
    own = 0
    for stage in stages:
        result["stage"] = stage
        if stage == "proxy":
            result["proxy_status"] = answer.get("proxy_status", 200 if failed != "proxy" else None)
        left = max(1, until - clock.now)
        took = math.inf if answer.get("stall") == stage else int(answer.get("stage_ms", MS_PER_STAGE))
        if took > left:
            clock.now += left
            own += left
            result["error"] = timeout_message(
                stage, target, proxy, left, clock.timeout, until >= clock.deadline, clock.deadline
            )
            if stage == "proxy":
                result["proxy_status"] = None
            timings["total_ms"] = connect_ms + own
            return result
        clock.now += int(took)
        own += int(took)
        if failed == stage:
            result["error"] = answer.get("error")
            timings["total_ms"] = connect_ms + own
            return result
        timings[f"{stage}_ms"] = connect_ms + own
    timings["total_ms"] = connect_ms + own
    result.update(ok=True, stage="done")
    if target["scheme"] == "https":
        chain = answer.get("chain", [])
        if isinstance(chain, str):
            chain = (network.get("chains") or {})[chain]
        result["tls"] = {
            "protocol": answer.get("protocol", "Tls12"),
            "policy_errors": answer.get("policy_errors", "None"),
            "chain": [dict(element) for element in chain],
        }
    else:
        result["http_status"] = answer.get("http_status", 200)
    return result


def tls_probe(registry: Registry, facts: dict[str, t.Any], op: dict[str, t.Any]) -> dict[str, t.Any]:
    """Run a ``tls_probe`` operation against the facts; raises :class:`ProbeInputError` for bad input."""
    timeout = op.get("timeout_ms")
    if not _is_int(timeout) or not 100 <= timeout <= 120000:
        raise ProbeInputError("'timeout_ms' must be an integer 100..120000")
    deadline = op.get("deadline_ms")
    if not _is_int(deadline) or not 100 <= deadline <= 600000:
        raise ProbeInputError("'deadline_ms' must be an integer 100..600000")
    route_list, target_list = op.get("routes"), op.get("targets")
    if not isinstance(route_list, list):
        raise ProbeInputError("'routes' must be a list")
    if not isinstance(target_list, list):
        raise ProbeInputError("'targets' must be a list")
    targets = [_target(i, item, len(route_list)) for i, item in enumerate(target_list)]
    routes = [_route(registry, i, item) for i, item in enumerate(route_list)]
    network = facts.get("network") or {}
    probes = []
    clock = _Clock(timeout, deadline)
    for index, target in enumerate(targets):
        seen: set[str] = set()
        for route_index in target["routes"]:
            route = routes[route_index]
            if route["type"] == "proxy" and route["proxy"] is None:
                continue
            way = route["proxy"] or "direct"
            if way in seen:
                continue
            seen.add(way)
            probes.append(_probe(network, index, target, route["proxy"], clock))
    # The host command takes the time the agent would (the connections are made together, the rest in turn).
    time.sleep(clock.now / 1000)
    return {"op": "tls_probe", "status": "ok", "routes": routes, "probes": probes, "elapsed_ms": clock.now}
