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
"""

from __future__ import annotations

import fnmatch
import re
import struct
import typing as t

from .regfile import REG_BINARY, REG_EXPAND_SZ, REG_SZ
from .registry import Registry, RegistryError, hive_name, split_path, view_parts

# The agent's patterns ($ProbeHostPattern, $ProbeIPv6Pattern, $ProbePathPattern), with Python's \Z.
HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?")
IPV6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}\]")
PATH = re.compile(r"/[\x21-\x7E]{0,2047}")
NO_SUCH_HOST = "No such host is known"
MS_PER_STAGE = 3


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


def _probe(network: dict[str, t.Any], index: int, target: dict[str, t.Any], proxy: str | None) -> dict[str, t.Any]:
    via = proxy or "direct"
    answer = _answer(network, target, via)
    stages = ["connect"]
    if target["scheme"] == "https":
        stages += ["proxy", "tls"] if proxy else ["tls"]
    else:
        stages.append("http")
    failed = answer.get("stage")
    reached = stages[: stages.index(failed)] if failed in stages else stages
    timings: dict[str, int | None] = {"connect_ms": None, "proxy_ms": None, "tls_ms": None, "http_ms": None}
    for number, stage in enumerate(reached, start=1):
        timings[f"{stage}_ms"] = number * MS_PER_STAGE
    timings["total_ms"] = (len(reached) + (1 if failed else 0)) * MS_PER_STAGE
    result: dict[str, t.Any] = {
        "target": index,
        "via": via,
        "ok": failed is None,
        "stage": failed or "done",
        "error": answer.get("error") if failed else None,
        "proxy_status": answer.get("proxy_status", 200 if proxy and "proxy" in reached else None),
        "http_status": None,
        "tls": None,
        "timings": timings,
    }
    if failed is None and target["scheme"] == "https":
        chain = answer.get("chain", [])
        if isinstance(chain, str):
            chain = (network.get("chains") or {})[chain]
        result["tls"] = {
            "protocol": answer.get("protocol", "Tls12"),
            "policy_errors": answer.get("policy_errors", "None"),
            "chain": [dict(element) for element in chain],
        }
    if failed is None and target["scheme"] == "http":
        result["http_status"] = answer.get("http_status", 200)
    return result


def tls_probe(registry: Registry, facts: dict[str, t.Any], op: dict[str, t.Any]) -> dict[str, t.Any]:
    """Run a ``tls_probe`` operation against the facts; raises :class:`ProbeInputError` for bad input."""
    timeout = op.get("timeout_ms")
    if not _is_int(timeout) or not 100 <= timeout <= 120000:
        raise ProbeInputError("'timeout_ms' must be an integer 100..120000")
    route_list, target_list = op.get("routes"), op.get("targets")
    if not isinstance(route_list, list):
        raise ProbeInputError("'routes' must be a list")
    if not isinstance(target_list, list):
        raise ProbeInputError("'targets' must be a list")
    targets = [_target(i, item, len(route_list)) for i, item in enumerate(target_list)]
    routes = [_route(registry, i, item) for i, item in enumerate(route_list)]
    network = facts.get("network") or {}
    probes = []
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
            probes.append(_probe(network, index, target, route["proxy"]))
    return {"op": "tls_probe", "status": "ok", "routes": routes, "probes": probes}
