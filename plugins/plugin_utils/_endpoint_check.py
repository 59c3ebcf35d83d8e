# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""proxy_endpoint_check: which URLs a host reaches on which route, and whether TLS is intercepted (internal use only).

One host command per host: the request is an agent ``read`` of the proxy picture (``_proxy_picture``)
followed by one ``tls_probe``. The probe cannot wait for the controller to decide which proxy a consumer
uses, so it carries every candidate route: direct, the named proxy, and the proxies the registry names
(WinHTTP, device-wide WinINET, the telemetry proxy), which the agent reads itself as plain values in the
same command. Afterwards the controller works out each consumer's route from the read (``_effective``),
applies the bypass lists, and takes the probe of that route. The price is probes of routes nobody uses;
the agent shares one probe between routes that resolve to the same proxy.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from collections.abc import Mapping

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _endpoint_urls as urls_data
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_telemetry as telemetry
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_winhttp as winhttp
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_protocol import AnswerError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._authentication import (
    TITLES,
    au001_hits,
    cannot_authenticate,
    check_authenticating_proxies,
    consumer_entry,
    remediation,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import NOBODY_SIGNED_IN
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import (
    COLLECTION,
    DO_SERVICE,
    SOURCES,
    proxy_endpoint,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import ProxyPicture
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    ProxyInputError,
    is_host,
    is_host_port,
)

VIA_CHOICES = ("effective", "winhttp_default", "direct", "named")
TIMEOUT_RANGE = (1, 60)
# The bound of the whole host command's probing, in seconds (the agent's deadline_ms is 100..600000 ms).
TOTAL_TIMEOUT_RANGE = (1, 600)
URL_FORM = (
    "an http:// or https:// URL such as https://geo.prod.do.dsp.mp.microsoft.com/ (a host name, an IPv4 address or "
    "a bracketed IPv6 address, an optional port 1-65535, then a path without spaces, quotes, backticks, '#', "
    f"control or non-ASCII characters), or a URL set: {', '.join(urls_data.URL_SETS)}"
)
PROXY_FORM = "host:port or http://host:port, e.g. proxy.corp.example:8080"
# Characters a URL may not contain here: what the agent cannot send as a request line, and what no
# reader should have to wonder about in a report (quotes, backticks).
_URL_FORBIDDEN = re.compile(r"[\s\"'`<>\\^{|}#]")
_PORT = re.compile(r"[0-9]{1,5}")

CONNECTIONS = winhttp.CONNECTIONS_PATH
# The candidate routes the probe carries: direct, the named proxy, and registry values the agent reads.
# Binary values hold the proxy as a length-prefixed string at byte 12 (docs binary-formats: WinHttpSettings,
# DefaultConnectionSettings).
REGISTRY_ROUTES: dict[str, dict[str, t.Any]] = {
    "winhttp.64": {"hive": "HKLM", "path": CONNECTIONS, "view": 64, "name": "WinHttpSettings", "offset": 12},
    "wininet.machine": {
        "hive": "HKLM",
        "path": CONNECTIONS,
        "view": 64,
        "name": "DefaultConnectionSettings",
        "offset": 12,
    },
    "telemetry": {
        "hive": "HKLM",
        "path": r"SOFTWARE\Policies\Microsoft\Windows\DataCollection",
        "view": 64,
        "name": "TelemetryProxyServer",
    },
    # http://host:port; the agent drops the scheme (docs/dev/agent-protocol.md, tls_probe routes).
    "defender.proxy_server": {
        "hive": "HKLM",
        "path": r"SOFTWARE\Policies\Microsoft\Windows Defender",
        "view": 64,
        "name": "ProxyServer",
    },
}
# Certificate revocation (CRL) and trust list (CTL) downloads are made by the operating system (CryptoAPI over
# WinHTTP), not by the sensor: they take the system WinHTTP proxy or go direct, unless
# PreferStaticProxyForHttpRequest=1 sends the sensor's HTTP requests through its static proxy ([MDEPX]).
CERTIFICATE_CHECKS = "certificate_checks"
# The consumers whose effective route a URL of each service is checked on (None: a user's own URL).
CONSUMERS: dict[str | None, tuple[str, ...]] = {
    urls_data.DELIVERY_OPTIMIZATION: ("delivery_optimization.interactive", "delivery_optimization.network_service"),
    urls_data.DEFENDER_ENDPOINT: ("mde_sensor",),
    urls_data.DEFENDER_ANTIVIRUS: ("defender_av",),
    # [DLP]: Endpoint DLP uses the same telemetry proxy values as the Defender for Endpoint sensor.
    urls_data.ENDPOINT_DLP: ("mde_sensor",),
    None: ("delivery_optimization.interactive", "delivery_optimization.network_service", "mde_sensor"),
}
CONSUMER_SOURCES = {
    "delivery_optimization.interactive": ("wininet.machine", "winhttp.64"),
    "delivery_optimization.network_service": ("wininet.machine", "winhttp.64"),
    "mde_sensor": ("telemetry", "winhttp.64"),
    "defender_av": ("defender.proxy_server", "wininet.machine", "winhttp.64"),
    CERTIFICATE_CHECKS: ("telemetry", "winhttp.64"),
}


def _describe(value: object) -> str:
    text = "'" + value.encode("unicode_escape").decode("ascii") + "'" if isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One URL to check: its parts as the agent takes them, and the service it belongs to."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    service: str | None = None
    source: str | None = None

    def target(self, routes: list[int]) -> dict[str, t.Any]:
        """The agent's ``targets`` entry."""
        return {"scheme": self.scheme, "host": self.host, "port": self.port, "path": self.path, "routes": routes}


@dataclasses.dataclass(frozen=True)
class Request:
    """Validated options."""

    endpoints: tuple[Endpoint, ...]
    via: tuple[str, ...]
    proxy: str | None
    timeout: int
    total_timeout: int = 20
    # authenticating_proxies: proxies known to require credentials (AU001 from the picture, before any probe).
    authenticating: tuple[str, ...] = ()

    @property
    def needs_picture(self) -> bool:
        """Whether a route depends on the host's settings, so the request starts with a read."""
        return "effective" in self.via or "winhttp_default" in self.via


# --- input -----------------------------------------------------------------------------------------------------


def parse_url(text: str) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, path) of an http(s) URL the probe can send, or None."""
    if not text.isascii() or _URL_FORBIDDEN.search(text) or any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        return None
    scheme, separator, rest = text.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in ("http", "https"):
        return None
    authority, slash, path = rest.partition("/")
    host, port = authority, 443 if scheme == "https" else 80
    if not authority.endswith("]") and ":" in authority:
        host, _colon, digits = authority.rpartition(":")
        if not _PORT.fullmatch(digits) or not 1 <= int(digits) <= 65535:
            return None
        port = int(digits)
    if not host or not is_host(host) or "@" in authority:
        return None
    return scheme, host.lower(), port, slash + path if slash else "/"


def host_of(url: str) -> str:
    """The host of a URL that passed :func:`parse_url` (a shipped or a validated one)."""
    parsed = parse_url(url)
    if parsed is None:
        raise ValueError(f"not a checked URL: {url!r}")
    return parsed[1]


def _endpoint(index: int, item: object) -> list[Endpoint]:
    where = f"urls[{index}]"
    if isinstance(item, str) and item in urls_data.URL_SETS:
        return [_shipped(item, shipped) for shipped in urls_data.URL_SETS[item]]
    service = None
    text = item
    if isinstance(item, Mapping):
        if (
            set(item) - {"url", "service"}
            or "url" not in item
            or item.get("service") not in (None, *urls_data.SERVICES)
        ):
            raise ProxyInputError(
                f"{where}: {_describe(dict(item))} is not a URL entry; expected {{url: <URL>, service: "
                f"{' or '.join(urls_data.SERVICES)}}} (service optional)"
            )
        text, service = item["url"], item.get("service")
    parsed = parse_url(text) if isinstance(text, str) else None
    if parsed is None:
        raise ProxyInputError(f"{where}: {_describe(text)} is not a valid URL; expected {URL_FORM}")
    return [Endpoint(t.cast(str, text), *parsed, service=service or service_of(parsed[1]))]


def service_of(host: str) -> str | None:
    """The service a URL of one's own belongs to when its host is one the shipped sets name (or DO's domain)."""
    for service, shipped in urls_data.URL_SETS.items():
        if any(host_of(item.url) == host for item in shipped):
            return service
    return urls_data.DELIVERY_OPTIMIZATION if host.endswith(DO_SERVICE.lstrip("*")) else None


def _shipped(service: str, shipped: urls_data.ShippedUrl) -> Endpoint:
    parsed = parse_url(shipped.url)
    if parsed is None:
        raise ValueError(f"shipped URL {shipped.url!r} does not parse")  # the shipped sets are tested
    return Endpoint(shipped.url, *parsed, service=service, source=shipped.source)


def check_request(args: t.Mapping[str, t.Any]) -> Request:
    """Validate every option before anything touches a host; raise ProxyInputError naming the option."""
    items = args.get("urls")
    if not isinstance(items, list) or not items:
        raise ProxyInputError(f"urls: name at least one URL or URL set; expected a list of {URL_FORM}")
    endpoints: dict[tuple[str, str, int, str], Endpoint] = {}
    for index, item in enumerate(items):
        for endpoint in _endpoint(index, item):
            key = (endpoint.scheme, endpoint.host, endpoint.port, endpoint.path)
            # The first mention wins, except that a service learned later fills in an unknown one.
            if key not in endpoints or (endpoints[key].service is None and endpoint.service is not None):
                endpoints[key] = endpoint
    via = tuple(dict.fromkeys(args.get("via") or ()))
    if not via:
        raise ProxyInputError(f"via: name at least one route of {', '.join(VIA_CHOICES)}")
    unknown = [name for name in via if name not in VIA_CHOICES]
    if unknown:
        raise ProxyInputError(f"via: {_describe(unknown[0])} is not a route; expected any of {', '.join(VIA_CHOICES)}")
    proxy = _check_proxy(args.get("proxy"), "named" in via)
    timeout = args.get("timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not TIMEOUT_RANGE[0] <= timeout <= TIMEOUT_RANGE[1]:
        raise ProxyInputError(
            f"timeout: {_describe(timeout)} is out of range; expected whole seconds "
            f"{TIMEOUT_RANGE[0]}-{TIMEOUT_RANGE[1]}"
        )
    total = args.get("total_timeout", 20)
    if (
        isinstance(total, bool)
        or not isinstance(total, int)
        or not TOTAL_TIMEOUT_RANGE[0] <= total <= TOTAL_TIMEOUT_RANGE[1]
    ):
        raise ProxyInputError(
            f"total_timeout: {_describe(total)} is out of range; expected whole seconds "
            f"{TOTAL_TIMEOUT_RANGE[0]}-{TOTAL_TIMEOUT_RANGE[1]}"
        )
    listed = check_authenticating_proxies(args.get("authenticating_proxies"))
    return Request(tuple(endpoints.values()), via, proxy, timeout, total, listed)


def _check_proxy(value: object, named: bool) -> str | None:
    if value is None:
        if named:
            raise ProxyInputError(f"proxy: required when via includes named; expected {PROXY_FORM}")
        return None
    if not named:
        raise ProxyInputError("proxy: given, but via does not include named; add named to via or leave proxy out")
    text = value if isinstance(value, str) else ""
    bare = text.partition("://")[2].rstrip("/") if text.lower().startswith("http://") else text
    if not is_host_port(bare):
        raise ProxyInputError(f"proxy: {_describe(value)} is not a valid proxy; expected {PROXY_FORM}")
    return bare.lower()


# --- the request -----------------------------------------------------------------------------------------------


def _route_keys(request: Request, endpoint: Endpoint) -> list[str]:
    keys: list[str] = []
    if set(request.via) & {"direct", "effective", "winhttp_default"}:
        keys.append("direct")
    if "named" in request.via:
        keys.append("named")
    if "winhttp_default" in request.via:
        keys.append("winhttp.64")
    if "effective" in request.via:
        for consumer in consumers_of(endpoint):
            keys += CONSUMER_SOURCES[consumer]
    return list(dict.fromkeys(keys))


def consumers_of(endpoint: Endpoint) -> tuple[str, ...]:
    """The consumers whose route a URL is checked on: CRL and CTL URLs are the operating system's."""
    if endpoint.scheme == "http" and endpoint.host in urls_data.CERTIFICATE_HOSTS:
        return (CERTIFICATE_CHECKS,)
    return CONSUMERS[endpoint.service]


def probe_operation(request: Request) -> tuple[dict[str, t.Any], list[str]]:
    """The agent's ``tls_probe`` operation, and the route key of each of its routes (by index)."""
    per_endpoint = [_route_keys(request, endpoint) for endpoint in request.endpoints]
    keys = list(dict.fromkeys(key for endpoint_keys in per_endpoint for key in endpoint_keys))
    routes: list[dict[str, t.Any]] = []
    for key in keys:
        if key == "direct":
            routes.append({"type": "direct"})
        elif key == "named":
            routes.append({"type": "proxy", "proxy": request.proxy})
        else:
            routes.append({"type": "proxy", "from": dict(REGISTRY_ROUTES[key])})
    targets = [
        endpoint.target([keys.index(key) for key in endpoint_keys])
        for endpoint, endpoint_keys in zip(request.endpoints, per_endpoint, strict=True)
    ]
    operation = {
        "op": "tls_probe",
        "timeout_ms": request.timeout * 1000,
        "deadline_ms": request.total_timeout * 1000,
        "routes": routes,
        "targets": targets,
    }
    return operation, keys


def probe_time(answer: t.Mapping[str, t.Any], request: Request) -> int:
    """How long the host spent probing (``elapsed_ms``), checked against the bound it was given.

    The agent stops at ``deadline_ms``; a little over it is the last socket's close. An answer far beyond it, or
    not a whole number, is not this agent's.

    Raises:
        AnswerError: ``elapsed_ms`` is missing, not an integer, or outside 0 .. twice the bound.
    """
    elapsed = answer.get("elapsed_ms")
    limit = request.total_timeout * 1000 * 2
    if isinstance(elapsed, bool) or not isinstance(elapsed, int) or not 0 <= elapsed <= limit:
        raise AnswerError("results[-1].elapsed_ms", f"{_describe(elapsed)} is not a whole number of ms 0..{limit}")
    return elapsed


# --- decision --------------------------------------------------------------------------------------------------


def chain_root(chain: list[dict[str, t.Any]]) -> str | None:
    """The common name of the CA the chain ends at (the last certificate's issuer)."""
    if not chain:
        return None
    issuer = str(chain[-1].get("issuer") or "")
    found = re.search(r"(?:^|,)\s*CN=([^,]+)", issuer)
    return found.group(1).strip() if found else issuer or None


def intercepted(root: str | None) -> bool | None:
    """Whether a chain ending at ``root`` was issued by someone other than Microsoft's public CAs."""
    if root is None:
        return None
    return root.lower() not in {name.lower() for name in urls_data.EXPECTED_ROOTS}


def _leaf(tls: t.Mapping[str, t.Any] | None) -> str | None:
    chain = (tls or {}).get("chain") or []
    return str(chain[0].get("thumbprint") or "").upper() or None if chain else None


def interception(
    tls: t.Mapping[str, t.Any] | None, reference: t.Mapping[str, t.Any] | None
) -> tuple[bool | None, str | None]:
    """Whether a chain was intercepted, and on what basis, comparing it with what a clean chain looks like.

    A chain ending at one of Microsoft's roots is clean. Otherwise the direct route's chain for the same URL (when the
    probe has one, ``reference``) is what a non-intercepted chain looks like here: the same leaf certificate means
    nobody in the middle (a new Microsoft root the list does not know yet); a different one means interception.
    With no reference, an unknown root is taken for interception.
    """
    root = chain_root(list((tls or {}).get("chain") or []))
    if root is None:
        return None, None
    if not intercepted(root):
        return False, "microsoft_root"
    leaf, reference_leaf = _leaf(tls), _leaf(reference)
    if reference_leaf is not None and reference is not tls:
        if leaf == reference_leaf:
            return False, "same_as_direct"
        return True, "differs_from_direct"
    return True, "unknown_root"


def _bypass_entry(host: str, entries: t.Iterable[str]) -> str | None:
    """The bypass entry that sends ``host`` direct (``*`` wildcards, any case), or None."""
    for entry in entries:
        pattern = entry.strip().lower()
        if "://" in pattern:
            pattern = pattern.partition("://")[2]
        if not pattern or pattern.startswith("<"):
            if pattern == "<local>" and "." not in host:
                return entry
            continue
        expression = ".*".join(re.escape(part) for part in pattern.split("*"))
        if re.fullmatch(expression, host.lower()):
            return entry
    return None


@dataclasses.dataclass(frozen=True)
class Way:
    """How one consumer (or via) reaches one URL: ``proxy`` None is direct; ``skip`` says why it is not probed."""

    proxy: str | None
    source: str
    rule: str
    skip: str | None = None


def _way(route: t.Mapping[str, t.Any], host: str) -> Way:
    source, rule = str(route.get("source", "direct")), str(route.get("rule", ""))
    proxy, pac_url = route.get("proxy"), route.get("pac_url")
    if proxy:
        entry = _bypass_entry(host, route.get("bypass") or [])
        if entry is not None:
            return Way(None, source, f"{rule}; the bypass entry '{entry}' sends {host} direct")
        if source.startswith("wininet.user:"):
            return Way(
                proxy_endpoint(proxy),
                source,
                rule,
                skip="the route is a user's own WinINET proxy, which the probe does not read; check it with "
                "via: named and that proxy",
            )
        return Way(proxy_endpoint(proxy), source, rule)
    if pac_url:
        return Way(
            None,
            source,
            rule,
            skip=f"the route is the PAC file {pac_url}, which decides per URL and is not evaluated; check the proxy "
            "it returns with via: named",
        )
    return Way(None, source, rule)


def _certificate_route(effective: t.Mapping[str, t.Any], picture: ProxyPicture | None) -> t.Mapping[str, t.Any]:
    """CRL/CTL downloads: the sensor's static proxy with PreferStaticProxyForHttpRequest=1, else the OS's route."""
    sensor: t.Mapping[str, t.Any] = effective["mde_sensor"]
    if picture is None:
        return sensor
    if sensor["source"] == "telemetry" and picture.telemetry.dword("prefer_static_proxy_for_http_request") == 1:
        return {**sensor, "rule": "[MDEPX] PreferStaticProxyForHttpRequest=1: the static proxy (TelemetryProxyServer)"}
    route = _winhttp_route(picture)
    return {**route, "rule": f"the operating system's route for certificate checks: {route['rule']}"}


def _consumer_route(
    effective: t.Mapping[str, t.Any], consumer: str, picture: ProxyPicture | None = None
) -> t.Mapping[str, t.Any]:
    if consumer == CERTIFICATE_CHECKS:
        return _certificate_route(effective, picture)
    node: t.Any = effective
    for part in consumer.split("."):
        node = node[part]
    return t.cast("t.Mapping[str, t.Any]", node)


def _winhttp_route(picture: ProxyPicture) -> dict[str, t.Any]:
    settings = picture.winhttp[64].settings
    rule = "the WinHTTP default proxy (netsh, 64-bit view)"
    if settings is None or picture.winhttp[64].access_type != "named_proxy" or not settings.proxy:
        return {"proxy": None, "pac_url": None, "bypass": [], "source": "direct", "rule": f"{rule}: direct"}
    return {
        "proxy": settings.proxy,
        "pac_url": None,
        "bypass": list(settings.bypass_list),
        "source": "winhttp.64",
        "rule": rule,
    }


def _ways(
    request: Request, endpoint: Endpoint, picture: ProxyPicture | None, effective: t.Mapping[str, t.Any] | None
) -> list[tuple[str, str | None, Way]]:
    """(via, consumer, way) for every via the task asked for."""
    ways: list[tuple[str, str | None, Way]] = []
    for via in request.via:
        if via == "direct":
            ways.append((via, None, Way(None, "direct", "direct connection, as asked")))
        elif via == "named":
            ways.append((via, None, Way(request.proxy, "named", "the proxy the task named")))
        elif via == "winhttp_default" and picture is not None:
            ways.append((via, None, _way(_winhttp_route(picture), endpoint.host)))
        elif via == "effective" and effective is not None:
            # A signed-in user's route while nobody is signed in is nobody's route: only the no-user one is checked.
            ways += [
                (via, consumer, _way(_consumer_route(effective, consumer, picture), endpoint.host))
                for consumer in consumers_of(endpoint)
                if _consumer_route(effective, consumer, picture).get("source") != NOBODY_SIGNED_IN
            ]
    return ways


def _probe_lookup(answer: t.Mapping[str, t.Any]) -> dict[tuple[int, str], dict[str, t.Any]]:
    return {(int(probe["target"]), str(probe["via"])): dict(probe) for probe in answer.get("probes", [])}


def _resolved(answer: t.Mapping[str, t.Any], keys: list[str]) -> dict[str, dict[str, t.Any]]:
    return {keys[int(route["index"])]: dict(route) for route in answer.get("routes", [])}


def _result(
    endpoint: Endpoint,
    via: str,
    consumers: list[str],
    way: Way,
    probe: dict[str, t.Any] | None,
    error: str | None,
    reference: t.Mapping[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    tls = probe.get("tls") if probe else None
    root = chain_root(tls.get("chain") or []) if tls else None
    reason = failure_reason(probe, way.proxy) if probe is not None else None
    reachable = None if probe is None else reason is None
    verdict, basis = interception(tls, reference) if reachable else (None, None)
    return {
        "url": endpoint.url,
        "service": endpoint.service,
        "via": via,
        "consumers": consumers,
        "proxy": way.proxy,
        "source": way.source,
        "rule": way.rule,
        "probed": probe is not None,
        "reachable": reachable,
        "stage": probe.get("stage") if probe else None,
        "error": error if probe is None else probe.get("error"),
        "reason": reason,
        "proxy_status": probe.get("proxy_status") if probe else None,
        "http_status": probe.get("http_status") if probe else None,
        "tls": tls,
        "chain_root": root,
        "intercepted": verdict,
        "interception_basis": basis,
        "timings": probe.get("timings") if probe else None,
    }


# What a proxy's own answer means: these stop the request at the proxy, whatever the transport says.
PROXY_REFUSALS = {403: "proxy_denied", 407: "proxy_authentication_required"}


def failure_reason(probe: t.Mapping[str, t.Any], proxy: str | None) -> str | None:
    """Why a probe failed (None: it reached the URL): a proxy's 403, 407 or 5xx is a failure of its own.

    An https probe through a proxy fails at the CONNECT for any status but 200 (``proxy_status``); an http
    probe through a proxy gets the proxy's answer as the HTTP status, so 403, 407 and 5xx there are the
    proxy's refusal, not the server being reached.
    """
    status = probe.get("proxy_status")
    if proxy is not None and probe.get("http_status") is not None:
        status = probe.get("http_status") if status in (None, 200) else status
    if proxy is not None and isinstance(status, int) and (status in PROXY_REFUSALS or 500 <= status <= 599):
        return PROXY_REFUSALS.get(status, "proxy_error")
    if probe.get("ok"):
        return None
    return f"{probe.get('stage') or 'unknown'}_failed"


def _probe_for(
    index: int, way: Way, probes: dict[tuple[int, str], dict[str, t.Any]], resolved: dict[str, dict[str, t.Any]]
) -> tuple[dict[str, t.Any] | None, str | None]:
    if way.skip:
        return None, f"not probed: {way.skip}"
    route = resolved.get(way.source)
    if way.proxy is not None and route is not None and route.get("proxy") != way.proxy:
        detail = route.get("error") or f"found {route.get('proxy')!r}"
        return (
            None,
            f"not probed: the host read the proxy of {way.source} as something else than {way.proxy} ({detail})",
        )
    probe = probes.get((index, way.proxy or "direct"))
    if probe is None:
        return None, f"not probed: the host returned no probe through {way.proxy or 'direct'}"
    return probe, None


def decide(
    request: Request,
    answer: t.Mapping[str, t.Any],
    keys: list[str],
    picture: ProxyPicture | None = None,
    effective: t.Mapping[str, t.Any] | None = None,
) -> list[dict[str, t.Any]]:
    """One result per URL and route actually taken (consumers sharing a route share the result).

    Args:
        request: the validated options.
        answer: the agent's ``tls_probe`` result.
        keys: the route key of each probe route, from :func:`probe_operation`.
        picture: the host's settings, when the request read them (``via`` effective or winhttp_default).
        effective: ``_effective.effective(picture)``.
    """
    probes, resolved = _probe_lookup(answer), _resolved(answer, keys)
    results: list[dict[str, t.Any]] = []
    for index, endpoint in enumerate(request.endpoints):
        grouped: dict[tuple[str, str | None, str, str | None], tuple[Way, list[str]]] = {}
        for via, consumer, way in _ways(request, endpoint, picture, effective):
            key = (via, way.proxy, way.source, way.skip)
            grouped.setdefault(key, (way, []))[1].extend([consumer] if consumer else [])
        for (via, _proxy, _source, _skip), (way, consumers) in grouped.items():
            probe, error = _probe_for(index, way, probes, resolved)
            direct = probes.get((index, "direct"))
            reference = direct.get("tls") if direct and direct.get("ok") else None
            result = _result(endpoint, via, consumers, way, probe, error, reference)
            if "mde_sensor" in consumers and way.source == "telemetry" and result["reason"] == "connect_failed":
                result["fallback"] = _fallback(probes.get((index, "direct")))
            results.append(result)
    return results


def _fallback(direct: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    """[MDEPX]: when the static proxy is unreachable, the sensor falls back to direct access; did direct work?"""
    if direct is None:
        return {"via": "direct", "probed": False, "reachable": None, "reason": None}
    reason = failure_reason(direct, None)
    return {"via": "direct", "probed": True, "reachable": reason is None, "reason": reason}


# --- findings --------------------------------------------------------------------------------------------------

FINDING_IDS = ("EP001", "EP002", "EP003")
DEFENDER_SERVICES = (urls_data.DEFENDER_ENDPOINT, urls_data.DEFENDER_ANTIVIRUS, urls_data.ENDPOINT_DLP)


def _route_words(result: t.Mapping[str, t.Any]) -> str:
    if result["proxy"]:
        return f"proxy {result['proxy']} ({result['source']})"
    return f"direct ({result['source']})" if result["source"] not in ("direct", "named") else "direct"


def _do_intercepted(results: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    groups: dict[tuple[str, str | None], list[dict[str, t.Any]]] = {}
    for result in results:
        if result["service"] == urls_data.DELIVERY_OPTIMIZATION and result["intercepted"]:
            groups.setdefault((result["via"], result["proxy"]), []).append(result)
    found = []
    for (via, proxy), hits in groups.items():
        hosts = list(dict.fromkeys(host_of(hit["url"]) for hit in hits))
        roots = list(dict.fromkeys(str(hit["chain_root"]) for hit in hits))
        place = f"proxy {proxy}" if proxy else "the direct path"
        where = place if proxy else f"{place} (a transparent proxy or firewall)"
        found.append(
            {
                "id": "EP001",
                "severity": "high",
                "surface": "delivery_optimization",
                "message": f"TLS to the Delivery Optimization service is intercepted on {where} (via {via}): "
                f"{', '.join(hosts)} presented a chain issued by {', '.join(roots)}, not a Microsoft "
                "public root; Delivery Optimization pins its certificates, so peer-to-peer and Connected Cache "
                "fail and downloads fall back to HTTP",
                "evidence": {
                    "via": via,
                    "proxy": proxy,
                    "consumers": sorted({consumer for hit in hits for consumer in hit["consumers"]}),
                    "sources": list(dict.fromkeys(hit["source"] for hit in hits)),
                    "hosts": hosts,
                    "chain_roots": roots,
                    "chains": {hit["url"]: (hit["tls"] or {}).get("chain", []) for hit in hits},
                },
                "remediation": f"on {place}: exempt geo.prod.do.dsp.mp.microsoft.com and "
                "array*.prod.do.dsp.mp.microsoft.com from TLS inspection (cloud proxies such as Zscaler: bypass "
                "*.do.dsp.mp.microsoft.com from inspection and send it direct); or let the clients reach "
                f"{DO_SERVICE} directly: {COLLECTION}.wininet_proxy and {COLLECTION}.winhttp_proxy bypass: add "
                f"{DO_SERVICE}",
                "source": SOURCES["DOPX"].cite(),
            }
        )
    return found


def _defender_intercepted(results: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """EP003: TLS to a Defender for Endpoint, Defender Antivirus (MAPS) or Endpoint DLP URL is intercepted."""
    groups: dict[tuple[str, str, str | None], list[dict[str, t.Any]]] = {}
    for result in results:
        if result["service"] in DEFENDER_SERVICES and result["intercepted"]:
            groups.setdefault((result["service"], result["via"], result["proxy"]), []).append(result)
    found = []
    for (service, via, proxy), hits in groups.items():
        hosts = list(dict.fromkeys(host_of(hit["url"]) for hit in hits))
        roots = list(dict.fromkeys(str(hit["chain_root"]) for hit in hits))
        place = f"proxy {proxy}" if proxy else "the direct path"
        where = place if proxy else f"{place} (a transparent proxy or firewall)"
        found.append(
            {
                "id": "EP003",
                "severity": "high",
                "surface": "defender" if service == urls_data.DEFENDER_ANTIVIRUS else telemetry.NAME,
                "message": f"TLS to {urls_data.TITLES[service]} is intercepted on {where} (via {via}): "
                f"{', '.join(hosts)} presented a chain issued by {', '.join(roots)}, not a Microsoft public root; "
                "these connections must not go through TLS inspection",
                "evidence": {
                    "service": service,
                    "via": via,
                    "proxy": proxy,
                    "consumers": sorted({consumer for hit in hits for consumer in hit["consumers"]}),
                    "hosts": hosts,
                    "chain_roots": roots,
                    "bases": sorted({str(hit["interception_basis"]) for hit in hits}),
                    "chains": {hit["url"]: (hit["tls"] or {}).get("chain", []) for hit in hits},
                },
                "remediation": f"on {place}: exempt {', '.join(hosts)} (and the rest of the service's documented URLs) "
                "from TLS inspection",
                "source": SOURCES["MDEPX"].cite(),
            }
        )
    return found


def _mde_unreachable(results: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    groups: dict[tuple[str | None, str], list[dict[str, t.Any]]] = {}
    for result in results:
        if (
            result["service"] == urls_data.DEFENDER_ENDPOINT
            and "mde_sensor" in result["consumers"]
            and result["probed"]
            and result["reachable"] is False
        ):
            groups.setdefault((result["proxy"], result["source"]), []).append(result)
    found = []
    for (proxy, source), hits in groups.items():
        failures = "; ".join(f"{hit['url']}: {hit['error']}" for hit in hits)
        rescued = all((hit.get("fallback") or {}).get("reachable") for hit in hits)
        message = (
            f"The Defender for Endpoint sensor cannot reach its service on its route, {_route_words(hits[0])}: "
            f"{failures}"
        )
        if rescued:
            # [MDEPX]: the sensor falls back to direct access when the static proxy is unreachable.
            message += "; the proxy is unreachable and the sensor's fallback, direct access, reaches every one of them"
        found.append(
            {
                "id": "EP002",
                "severity": "medium" if rescued else "high",
                "surface": telemetry.NAME,
                "message": message,
                "evidence": {
                    "proxy": proxy,
                    "source": source,
                    "rule": hits[0]["rule"],
                    "failures": [
                        {
                            "url": hit["url"],
                            "stage": hit["stage"],
                            "error": hit["error"],
                            "reason": hit["reason"],
                            "proxy_status": hit["proxy_status"],
                            **({"fallback": hit["fallback"]} if "fallback" in hit else {}),
                        }
                        for hit in hits
                    ],
                },
                "remediation": (
                    f"allow these URLs on proxy {proxy}, or give the sensor a proxy that reaches them: "
                    f"{COLLECTION}.telemetry_proxy proxy: host:port"
                    if proxy
                    else "allow these URLs through the firewall, or give the sensor a proxy: "
                    f"{COLLECTION}.telemetry_proxy proxy: host:port"
                ),
                "source": SOURCES["MDEPX"].cite(),
            }
        )
    return found


def findings(
    results: list[dict[str, t.Any]],
    auth: t.Mapping[str, t.Any] | None = None,
    listed: t.Sequence[str] = (),
) -> list[dict[str, t.Any]]:
    """proxy_facts-shaped findings: DO endpoints intercepted (EP001), MDE unreachable via the sensor's route (EP002),
    Defender TLS intercepted (EP003), and a consumer routed to a proxy requiring credentials it cannot give (AU001:
    listed in ``authenticating_proxies``, or seen answering 407 here)."""
    found = [*_do_intercepted(results), *_mde_unreachable(results), *_defender_intercepted(results)]
    return found + (_cannot_authenticate(results, auth, listed) if auth is not None else [])


# --- who authenticates: AU001 and the 407 explanation ------------------------------------------------------------

AUTH_REQUIRED = "proxy_authentication_required"


def _observed_407(results: list[dict[str, t.Any]]) -> dict[str, str]:
    """Proxy -> the first URL it refused with 407: proof that it requires credentials."""
    observed: dict[str, str] = {}
    for result in results:
        if result["reason"] == AUTH_REQUIRED and result["proxy"]:
            observed.setdefault(str(result["proxy"]), str(result["url"]))
    return observed


def _cannot_authenticate(
    results: list[dict[str, t.Any]], auth: t.Mapping[str, t.Any], listed: t.Sequence[str]
) -> list[dict[str, t.Any]]:
    return [
        {
            "id": "AU001",
            "severity": hit.severity or "high",
            "surface": hit.surface,
            "message": hit.message,
            "evidence": hit.evidence,
            "remediation": hit.remediation,
            "source": SOURCES[hit.source or "DOPX"].cite(),
        }
        for hit in au001_hits(auth, listed, _observed_407(results))
    ]


def _auth_consumer(consumer: str, service: str | None) -> str | None:
    """The consumer of the authentication entries a result's consumer stands for (Endpoint DLP URLs: DLP)."""
    if consumer == "mde_sensor" and service == urls_data.ENDPOINT_DLP:
        return "endpoint_dlp"
    return consumer if consumer in TITLES else None


def _explain(consumer: str, entry: t.Mapping[str, t.Any], proxy: str) -> str:
    if entry["can_authenticate"] is False:
        return f"{cannot_authenticate(consumer, entry, proxy)} (finding AU001). Fix: {remediation(consumer, proxy)}."
    if entry["can_authenticate"] is True:
        return (
            f"{TITLES[consumer]} authenticates as {entry['account']} ({entry['source']}); this probe sends no "
            f"credentials, so the 407 shows only that proxy {proxy} requires them: it must accept {entry['account']}."
        )
    return f"Whether {TITLES[consumer]} can authenticate to proxy {proxy} is unknown: {entry['reason']}."


def explain_407(results: list[dict[str, t.Any]], auth: t.Mapping[str, t.Any] | None) -> None:
    """Add ``authentication`` and ``explanation`` to each result whose proxy answered 407, in place."""
    for result in results:
        if result["reason"] != AUTH_REQUIRED or not result["proxy"]:
            continue
        proxy = str(result["proxy"])
        names = [_auth_consumer(consumer, result["service"]) for consumer in result["consumers"]]
        named = [name for name in names if name is not None]
        entries = {name: consumer_entry(auth, name) for name in named} if auth is not None else {}
        result["authentication"] = [
            {
                "consumer": name,
                "account": entry["account"],
                "can_authenticate": entry["can_authenticate"],
                "reason": entry["reason"],
                "source": entry["source"],
            }
            for name, entry in entries.items()
        ]
        texts = [_explain(name, entry, proxy) for name, entry in entries.items()]
        if not texts:
            texts = [
                f"Proxy {proxy} answered 407 (proxy authentication required); this probe sends no credentials. A "
                "consumer routed to it that cannot authenticate is refused the same way (finding AU001, "
                "authentication)."
            ]
        result["explanation"] = " ".join(texts)
