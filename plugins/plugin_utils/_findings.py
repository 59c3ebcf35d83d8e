# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule catalogue of proxy_facts: what is wrong with a host's proxy picture, and how to fix it (internal use only).

Each rule has an id, a severity, the surface it is about, the document it comes from and a check. The
checks read the decoded picture (``_proxy_picture``) and the effective routes (``_effective``); every
finding is ``{id, severity, surface, message, evidence, remediation, source}``. docs/findings.md has one
section per id: keep it in step with :data:`CATALOGUE`. Messages are part of the interface (reports and
tests compare them), so change them only on purpose.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import ProxyPicture, WinInetSettings
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    parse_proxy_string,
    same_bypass,
    same_proxy,
    same_url,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import ViewState, ignored_entries

Severity = t.Literal["high", "medium", "low"]
COLLECTION = "proxyfleet.windows"
OFFLINE_PROFILE = "offline"

# The whole DO service family, in the form [DOPX] gives for cloud proxies ("bypass *.do.dsp.mp.microsoft.com").
DO_SERVICE = "*.do.dsp.mp.microsoft.com"
# Host names the DO service uses ([DOPX] names geo and array*; the endpoint table of "Delivery Optimization
# workflow, privacy, security, and endpoints" adds geo-prod, geover-prod, geover, kv*, cp* and disc*). A bypass
# list must let every one of them go direct: *.prod.do.dsp.mp.microsoft.com alone misses geo-prod and geover-prod.
DO_SERVICE_HOSTS = (
    *(f"{name}.prod.do.dsp.mp.microsoft.com" for name in ("geo", "array801", "kv801", "cp801", "disc801")),
    "geover.prod.do.dsp.mp.microsoft.com",
    "geo-prod.do.dsp.mp.microsoft.com",
    "geover-prod.do.dsp.mp.microsoft.com",
)
WINDOWS11_BYPASS_MODE = 100
# [DOPX]: netsh "offers no auto-detection of the proxy, no support for an explicit PAC URL, and no authentication
# to the proxy", and with no user signed in the netsh configuration takes precedence over the WinINET one.
NETSH_RESET_REMEDIATION = (
    f"{COLLECTION}.winhttp_proxy state: absent (netsh reset), so downloads with no user signed in use the "
    f"device-wide WinINET proxy ({COLLECTION}.wininet_proxy per_machine: true), the configuration [DOPX] recommends "
    f"for both contexts; {COLLECTION}.winhttp_proxy source: wininet only for a proxy that needs no authentication"
)


@dataclasses.dataclass(frozen=True)
class Source:
    """A document rules come from; ``key`` is how settings.md and the docs cite it."""

    key: str
    title: str
    url: str

    def cite(self) -> str:
        return f"[{self.key}] {self.title}: {self.url}"


SOURCES = {
    source.key: source
    for source in (
        Source(
            "DOPX",
            "Delivery Optimization and proxy",
            "https://learn.microsoft.com/windows/deployment/do/delivery-optimization-proxy",
        ),
        Source(
            "MDEPX",
            "Configure your devices to connect to the Defender for Endpoint service using a proxy",
            "https://learn.microsoft.com/defender-endpoint/configure-proxy-internet",
        ),
        Source(
            "ADMX",
            "DeliveryOptimization.admx, as documented in the Delivery Optimization reference",
            "https://learn.microsoft.com/windows/deployment/do/waas-delivery-optimization-reference",
        ),
        Source(
            "WINHTTPSCHEME",
            "INTERNET_SCHEME (WinHTTP)",
            "https://learn.microsoft.com/windows/win32/winhttp/internet-scheme",
        ),
        Source(
            "NETSH",
            "Netsh commands for WinHTTP",
            "https://learn.microsoft.com/windows/win32/winhttp/netsh-exe-commands",
        ),
        Source(
            "NETSVC",
            "NetworkService Account",
            "https://learn.microsoft.com/windows/win32/services/networkservice-account",
        ),
        Source(
            "DLP",
            "Configure device proxy and internet connection settings for Information Protection",
            "https://learn.microsoft.com/purview/device-onboarding-configure-proxy",
        ),
        Source(
            "CMPX",
            "Proxy server support in Configuration Manager",
            "https://learn.microsoft.com/mem/configmgr/core/plan-design/network/proxy-server-support",
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What every check sees: the picture, the effective routes and the device profile the role passes."""

    picture: ProxyPicture
    effective: t.Mapping[str, t.Any]
    profile: str | None = None
    # AU001's hits, worked out by _authentication from the routes and authenticating_proxies.
    authentication_hits: tuple[Hit, ...] = ()


@dataclasses.dataclass(frozen=True)
class Hit:
    """One occurrence of a rule; ``surface`` overrides the rule's when the fix lives elsewhere."""

    message: str
    evidence: dict[str, t.Any]
    remediation: str
    surface: str | None = None
    severity: Severity | None = None
    # The key of SOURCES when it is not the rule's (AU001 cites the page of the consumer it is about).
    source: str | None = None


@dataclasses.dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    id: str
    severity: Severity
    surface: str
    title: str
    source: str
    check: t.Callable[[Inputs], list[Hit]]


# --- helpers ---------------------------------------------------------------------------------------------------


def _bypass_matches(host: str, entry: str) -> bool:
    """Whether a WinINET/WinHTTP bypass entry (``*`` wildcards, any case) covers ``host``."""
    pattern = entry.strip().lower()
    # Entries may carry a scheme ("https://*.example") that is not part of the host name.
    if "://" in pattern:
        pattern = pattern.partition("://")[2]
    if not pattern or pattern.startswith("<"):
        return False  # <local> and <-loopback> never match a dotted host name
    expression = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(expression, host.lower()) is not None


def not_bypassed(entries: t.Iterable[str]) -> list[str]:
    """The DO service host names a bypass list does not send direct."""
    listed = list(entries)
    return [host for host in DO_SERVICE_HOSTS if not any(_bypass_matches(host, entry) for entry in listed)]


def describe_route(route: t.Mapping[str, t.Any]) -> str:
    """A route in words: through a proxy (with its bypass list), through a PAC file, or direct."""
    if route["proxy"]:
        bypass = ";".join(route["bypass"]) or "none"
        text = f"proxy {route['proxy']} (bypass: {bypass})"
        return f"{text} or PAC {route['pac_url']}" if route["pac_url"] else text
    if route["pac_url"]:
        return f"PAC {route['pac_url']}"
    return "direct"


def _same_route(left: t.Mapping[str, t.Any], right: t.Mapping[str, t.Any]) -> bool:
    same_pac = left["pac_url"] == right["pac_url"] or (
        left["pac_url"] is not None and right["pac_url"] is not None and same_url(left["pac_url"], right["pac_url"])
    )
    return same_proxy(left["proxy"], right["proxy"]) and same_pac and same_bypass(left["bypass"], right["bypass"])


def _describe_view(state: ViewState) -> str:
    if state.error:
        return f"unreadable ({state.error})"
    if state.settings is None or state.settings.access_type == "direct":
        return "direct"
    return f"proxy {state.settings.proxy} (bypass: {';'.join(state.settings.bypass_list) or 'none'})"


def _same_view(left: ViewState, right: ViewState) -> bool:
    if left.access_type != right.access_type or left.error or right.error:
        return left.access_type == right.access_type and left.error == right.error
    if left.settings is None or right.settings is None:
        return True  # both direct
    return same_proxy(left.settings.proxy, right.settings.proxy) and same_bypass(
        left.settings.bypass_list, right.settings.bypass_list
    )


def proxy_endpoint(proxy: str) -> str:
    """The host:port a proxy setting names, lower-cased, for comparing proxies written in different forms.

    A Defender ``http://host:port`` loses its scheme and trailing slash; a per-scheme WinHTTP string
    (``http=h:p;https=h:p``) is represented by its https proxy, the one cloud services are reached through,
    else its http one.
    """
    text = proxy.strip()
    if "://" in text:
        text = text.partition("://")[2]
    parsed = parse_proxy_string(text.rstrip("/"))
    if isinstance(parsed, dict):
        text = parsed.get("https") or parsed.get("http") or next(iter(parsed.values()), text)
    return text.rstrip("/").lower()


# --- checks ----------------------------------------------------------------------------------------------------


def _do_service_not_bypassed(inputs: Inputs) -> list[Hit]:
    routes = inputs.effective["delivery_optimization"]
    groups: dict[tuple[str, str], list[str]] = {}
    for context in ("interactive", "network_service"):
        route = routes[context]
        # A PAC file decides per URL and cannot be evaluated here; only a manual proxy is checked.
        if route["proxy"]:
            groups.setdefault((route["source"], route["proxy"]), []).append(context)
    hits = []
    for (source, proxy), contexts in groups.items():
        bypass = routes[contexts[0]]["bypass"]
        missing = not_bypassed(bypass)
        if not missing:
            continue
        if source.startswith("winhttp"):
            surface, remediation = "winhttp", f"{COLLECTION}.winhttp_proxy bypass: add {DO_SERVICE}"
        elif source.startswith("wininet.user:"):
            surface = "wininet"
            remediation = (
                f"{COLLECTION}.wininet_proxy per_machine: true with bypass including {DO_SERVICE} "
                "(the collection does not edit users' own settings)"
            )
        else:
            surface, remediation = "wininet", f"{COLLECTION}.wininet_proxy bypass: add {DO_SERVICE}"
        hits.append(
            Hit(
                f"Delivery Optimization ({' and '.join(contexts)}) uses proxy {proxy} from {source} without "
                f"bypassing {DO_SERVICE}: the DO service must be reached directly unless the proxy leaves TLS, "
                "content and the client IP untouched",
                {
                    "contexts": contexts,
                    "source": source,
                    "proxy": proxy,
                    "bypass": list(bypass),
                    "not_bypassed": missing,
                },
                remediation,
                surface,
            )
        )
    return hits


def _device_wide_disagrees(inputs: Inputs) -> list[Hit]:
    if not inputs.picture.per_machine:
        return []  # per-user mode is DO003's business
    routes = inputs.effective["delivery_optimization"]
    interactive, network_service = routes["interactive"], routes["network_service"]
    if _same_route(interactive, network_service):
        return []
    return [
        Hit(
            "Device-wide WinINET and WinHTTP disagree: Delivery Optimization downloads with a user signed in go "
            f"{describe_route(interactive)}, without one (NetworkService) {describe_route(network_service)}",
            {"interactive": dict(interactive), "network_service": dict(network_service)},
            NETSH_RESET_REMEDIATION,
        )
    ]


def _per_user_mode_leaves_network_service_direct(inputs: Inputs) -> list[Hit]:
    picture = inputs.picture
    network_service = inputs.effective["delivery_optimization"]["network_service"]
    if picture.per_machine or network_service["proxy"] or network_service["pac_url"]:
        return []
    reasons = []
    machine = picture.wininet_machine[64]
    if machine.names_proxy:
        reasons.append(f"the machine WinINET settings name {describe_route(_settings_route(machine))}")
    reasons += [
        f"user {user.sid} uses {describe_route(_settings_route(user.settings))}"
        for user in picture.signed_in
        if user.settings.names_proxy
    ]
    if not reasons:
        return []
    return [
        Hit(
            "WinINET is in per-user mode (ProxySettingsPerUser is not 0) and WinHTTP is direct, so Delivery "
            f"Optimization without a signed-in user (NetworkService) gets no proxy, although {' and '.join(reasons)}",
            {
                "ProxySettingsPerUser": picture.proxy_settings_per_user,
                "wininet_machine": machine.as_dict(),
                "users": [user.as_dict() for user in picture.signed_in if user.settings.names_proxy],
                "network_service": dict(network_service),
            },
            f"{COLLECTION}.wininet_proxy per_machine: true with the machine proxy, so NetworkService uses it too",
        )
    ]


def _settings_route(settings: WinInetSettings) -> dict[str, t.Any]:
    return {"proxy": settings.proxy, "pac_url": settings.pac_url, "bypass": list(settings.bypass)}


def _group_mode_without_group(inputs: Inputs) -> list[Hit]:
    policy = inputs.picture.delivery_optimization
    if policy.dword("download_mode") != 2 or policy.text("group_id") or policy.dword("group_id_source"):
        return []
    return [
        Hit(
            "DODownloadMode is 2 (Group) without DOGroupId or DOGroupIdSource: peers are grouped by AD site or "
            "domain by default, which may not be the group you mean",
            {
                "DODownloadMode": 2,
                "DOGroupId": policy.data.get("group_id"),
                "DOGroupIdSource": policy.data.get("group_id_source"),
            },
            f"{COLLECTION}.delivery_optimization_policy group_id or group_id_source",
        )
    ]


def _bypass_mode_on_windows11(inputs: Inputs) -> list[Hit]:
    picture = inputs.picture
    if picture.delivery_optimization.dword("download_mode") != WINDOWS11_BYPASS_MODE or not picture.windows11:
        return []
    return [
        Hit(
            f"DODownloadMode is 100 (Bypass) on Windows 11 (build {picture.os_build}), where it is deprecated",
            {"DODownloadMode": WINDOWS11_BYPASS_MODE, "os_build": picture.os_build},
            f"{COLLECTION}.delivery_optimization_policy download_mode: simple (99) to keep downloads off the Delivery "
            "Optimization cloud, or http_only (0) for downloads without peering (which still get their hash checks "
            "from the Delivery Optimization cloud service)",
        )
    ]


def _netsh_proxy_for_no_user(inputs: Inputs) -> list[Hit]:
    network_service = inputs.effective["delivery_optimization"]["network_service"]
    if network_service["source"] != "winhttp.64" or not network_service["proxy"]:
        return []
    proxy = network_service["proxy"]
    return [
        Hit(
            f"A netsh WinHTTP proxy ({proxy}) is set, so Delivery Optimization downloads with no user signed in "
            "(NetworkService) go through it: netsh offers no authentication to the proxy, so behind a proxy that "
            "requires it these downloads fail (HTTP_E_STATUS_PROXY_AUTH_REQ)",
            {
                "winhttp_64": proxy,
                "network_service": dict(network_service),
                "wininet_per_machine": inputs.picture.per_machine,
                "wininet_machine_proxy": inputs.picture.wininet_machine[64].proxy,
            },
            NETSH_RESET_REMEDIATION,
        )
    ]


def _group_id_and_source(inputs: Inputs) -> list[Hit]:
    policy = inputs.picture.delivery_optimization
    group_id, source = policy.text("group_id"), policy.dword("group_id_source")
    if not group_id or not source:
        return []
    name = policy.values.get("group_id_source")
    return [
        Hit(
            f"DOGroupIdSource is {source} ({name}) and DOGroupId is {group_id}: when DOGroupIdSource is set, "
            f"Delivery Optimization ignores DOGroupId, so peers are grouped by {name}, not by that GUID",
            {"DOGroupId": group_id, "DOGroupIdSource": source, "DODownloadMode": policy.dword("download_mode")},
            f"keep one: {COLLECTION}.delivery_optimization_policy group_id_source for the {name} grouping (and "
            "remove DOGroupId), or group_id alone for the GUID (remove DOGroupIdSource)",
        )
    ]


def _winhttp_views_differ(inputs: Inputs) -> list[Hit]:
    views = inputs.picture.winhttp
    if 64 not in views or 32 not in views or _same_view(views[64], views[32]):
        return []
    return [
        Hit(
            f"The 64-bit and 32-bit WinHTTP views differ: 64-bit {_describe_view(views[64])}, 32-bit "
            f"{_describe_view(views[32])}; 32-bit processes use another proxy than 64-bit ones",
            {"64": views[64].as_dict(), "32": views[32].as_dict()},
            f"{COLLECTION}.winhttp_proxy views: [64, 32] (the default) with the proxy both should use",
        )
    ]


def _winhttp_ignored_entries(inputs: Inputs) -> list[Hit]:
    hits = []
    for view, state in sorted(inputs.picture.winhttp.items(), reverse=True):
        settings = state.settings
        entries = ignored_entries(settings.proxy if settings is not None and not state.error else None)
        if entries:
            hits.append(
                Hit(
                    f"The {view}-bit WinHTTP proxy has {', '.join(entries)}: WinHTTP requests are http or https, so "
                    "it never uses ftp= or socks= entries of its default proxy",
                    {"view": view, "proxy": settings.proxy if settings else None, "ignored": entries},
                    f"{COLLECTION}.winhttp_proxy proxy: host:port or http=host:port;https=host:port (ftp= and socks= "
                    "stay accepted, for parity with netsh and ansible.windows, but do nothing)",
                )
            )
    return hits


def _telemetry_without_auth_proxy_off(inputs: Inputs) -> list[Hit]:
    policy = inputs.picture.telemetry
    proxy = policy.text("proxy")
    if proxy is None or policy.dword("disable_enterprise_auth_proxy") == 1:
        return []
    found = policy.data.get("disable_enterprise_auth_proxy")
    found_text = "not set" if found is None else f"{found!r}"
    return [
        Hit(
            f"TelemetryProxyServer {proxy} is set without DisableEnterpriseAuthProxy=1 (found: {found_text}): "
            "the sensor tries an authenticated proxy it cannot use",
            {"TelemetryProxyServer": proxy, "DisableEnterpriseAuthProxy": found},
            f"{COLLECTION}.telemetry_proxy disable_enterprise_auth_proxy: true",
        )
    ]


def _telemetry_proxy_with_scheme(inputs: Inputs) -> list[Hit]:
    proxy = inputs.picture.telemetry.text("proxy")
    if proxy is None or "://" not in proxy:
        return []
    bare = proxy.partition("://")[2].rstrip("/")
    return [
        Hit(
            f"TelemetryProxyServer is {proxy}, with a scheme: it takes server:port or ip:port only",
            {"TelemetryProxyServer": proxy},
            f"{COLLECTION}.telemetry_proxy proxy: {bare}",
        )
    ]


def _prefer_static_missing(inputs: Inputs) -> list[Hit]:
    picture = inputs.picture
    proxy = picture.telemetry.text("proxy")
    if proxy is None or picture.telemetry.dword("prefer_static_proxy_for_http_request") == 1:
        return []
    severity: Severity | None = None
    if inputs.profile == OFFLINE_PROFILE:
        why = "on a device of the offline profile"
    elif _os_has_no_proxy(picture):
        # Only a hint without the offline profile: a standard device whose OS has no configured proxy may well reach
        # the internet through WPAD or a transparent proxy, which [MDEPX] says need no special configuration.
        severity = "low"
        why = (
            "and the OS has no configured proxy of its own (WinHTTP direct, no device-wide WinINET proxy); this "
            "matters only if the device is otherwise offline (no WPAD, no transparent proxy)"
        )
    else:
        return []
    found = picture.telemetry.data.get("prefer_static_proxy_for_http_request")
    return [
        Hit(
            f"PreferStaticProxyForHttpRequest is not 1 while TelemetryProxyServer {proxy} is set {why}: "
            "the sensor's HTTP requests may not use the static proxy",
            {
                "TelemetryProxyServer": proxy,
                "PreferStaticProxyForHttpRequest": found,
                "profile": inputs.profile,
                "winhttp_64": picture.winhttp[64].access_type,
                "wininet_per_machine": picture.per_machine,
                "wininet_machine_proxy": picture.wininet_machine[64].proxy,
                "wininet_machine_pac_url": picture.wininet_machine[64].pac_url,
            },
            f"{COLLECTION}.telemetry_proxy prefer_static_proxy_for_http_request: true",
            severity=severity,
        )
    ]


def _os_has_no_proxy(picture: ProxyPicture) -> bool:
    return picture.winhttp[64].access_type == "direct" and not (
        picture.per_machine and picture.wininet_machine[64].names_proxy
    )


# SSLOptions values that turn the revocation check off ([MDEPX]; Defender AV network page: a work-around).
REVOCATION_OFF = frozenset({0, 2})


def _av_proxy_without_crl_route(inputs: Inputs) -> list[Hit]:
    """A combination that cannot work: on an offline device, Defender AV's static proxy with revocation checks on
    and no system proxy for the operating system to fetch the revocation lists through.

    Different proxies for the sensor, Defender Antivirus and WinHTTP are not a finding: [MDEPX] says the Defender
    Antivirus and EDR proxies "can be set independently".
    """
    picture = inputs.picture
    proxy = picture.defender.text("proxy_server")
    ssl_options = picture.defender.dword("ssl_options")
    if (
        inputs.profile != OFFLINE_PROFILE
        or proxy is None
        or ssl_options in REVOCATION_OFF
        or picture.winhttp[64].access_type == "named_proxy"
    ):
        return []
    found = "not set (3, the default)" if ssl_options is None else str(ssl_options)
    return [
        Hit(
            f"Defender Antivirus uses the static proxy {proxy} on an offline-profile device while certificate "
            f"revocation checks stay on (SSLOptions {found}) and the operating system has no WinHTTP proxy to fetch "
            "revocation lists through: Defender Antivirus's cloud connections cannot pass their revocation check",
            {
                "ProxyServer": proxy,
                "SSLOptions": picture.defender.data.get("ssl_options"),
                "winhttp_64": picture.winhttp[64].access_type,
                "profile": inputs.profile,
            },
            f"give the operating system a system-wide proxy, Microsoft's preferred fix: {COLLECTION}.winhttp_proxy "
            f"proxy: host:port (the defender_endpoint role: defender_endpoint_winhttp: mirror); or {COLLECTION}."
            "defender_proxy ssl_options: 2 (revocation checks off, certificate pinning kept)",
            surface="winhttp",
        )
    ]


# [MDEPX]: with the registry static proxy on Windows 10/11 and Server 2019/2022, Microsoft recommends at least these
# cumulative updates (March 2022). The KB -> build.UBR mapping is from the KBs' titles and is unverified here.
STATIC_PROXY_UPDATES: dict[int, tuple[str, int]] = {
    17763: ("KB5011503", 2686),  # Windows 10 1809 / Windows Server 2019
    19042: ("KB5011487", 1586),  # Windows 10 20H2
    19043: ("KB5011487", 1586),  # Windows 10 21H1
    19044: ("KB5011487", 1586),  # Windows 10 21H2
    20348: ("KB5011497", 587),  # Windows Server 2022
    22000: ("KB5011493", 556),  # Windows 11 21H2
}


def _os_too_old_for_static_proxy(inputs: Inputs) -> list[Hit]:
    picture = inputs.picture
    proxy = picture.telemetry.text("proxy")
    needed = STATIC_PROXY_UPDATES.get(picture.os_build or 0)
    if proxy is None or needed is None or picture.os_ubr is None or picture.os_ubr >= needed[1]:
        return []
    kb, ubr = needed
    return [
        Hit(
            f"TelemetryProxyServer {proxy} is set on build {picture.os_build}.{picture.os_ubr}, older than the "
            f"cumulative update Microsoft recommends for the static proxy ({kb}, build {picture.os_build}.{ubr}), "
            "which improves the reliability of the sensor's command and control channel",
            {
                "os_build": picture.os_build,
                "os_ubr": picture.os_ubr,
                "recommended": f"{picture.os_build}.{ubr}",
                "kb": kb,
            },
            f"install {kb} or a later cumulative update (Windows Update); the MsSense version is not read",
        )
    ]


def _defender_proxy_without_scheme(inputs: Inputs) -> list[Hit]:
    proxy = inputs.picture.defender.text("proxy_server")
    if proxy is None or proxy.lower().startswith(("http://", "https://")):
        return []
    return [
        Hit(
            f"Defender Antivirus ProxyServer is {proxy}, without http:// or https://, which Defender Antivirus "
            "requires",
            {"ProxyServer": proxy},
            f"{COLLECTION}.defender_proxy proxy_server: http://{proxy}",
        )
    ]


def _cannot_authenticate(inputs: Inputs) -> list[Hit]:
    return list(inputs.authentication_hits)


CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "DO001",
        "medium",
        "wininet",
        "Delivery Optimization service endpoints are not bypassed while a proxy applies",
        "DOPX",
        _do_service_not_bypassed,
    ),
    Rule(
        "DO002",
        "medium",
        "winhttp",
        "Device-wide WinINET and WinHTTP disagree",
        "DOPX",
        _device_wide_disagrees,
    ),
    Rule(
        "DO003",
        "high",
        "wininet",
        "Per-user WinINET mode leaves NetworkService without the expected proxy",
        "DOPX",
        _per_user_mode_leaves_network_service_direct,
    ),
    Rule(
        "DO004",
        "low",
        "delivery_optimization",
        "Group download mode without a group id or group id source",
        "ADMX",
        _group_mode_without_group,
    ),
    Rule(
        "DO005",
        "medium",
        "delivery_optimization",
        "Download mode 100 (Bypass) on Windows 11",
        "ADMX",
        _bypass_mode_on_windows11,
    ),
    Rule(
        "DO006",
        "medium",
        "winhttp",
        "A netsh WinHTTP proxy carries Delivery Optimization downloads with no user signed in",
        "DOPX",
        _netsh_proxy_for_no_user,
    ),
    Rule(
        "DO007",
        "low",
        "delivery_optimization",
        "DOGroupId is set but ignored, because DOGroupIdSource is set",
        "ADMX",
        _group_id_and_source,
    ),
    Rule(
        "WH001",
        "medium",
        "winhttp",
        "The 64-bit and 32-bit WinHTTP views differ",
        "NETSH",
        _winhttp_views_differ,
    ),
    Rule(
        "WH002",
        "low",
        "winhttp",
        "The WinHTTP proxy has ftp= or socks= entries, which WinHTTP ignores",
        "WINHTTPSCHEME",
        _winhttp_ignored_entries,
    ),
    Rule(
        "MDE001",
        "high",
        "telemetry",
        "Telemetry proxy without DisableEnterpriseAuthProxy=1",
        "MDEPX",
        _telemetry_without_auth_proxy_off,
    ),
    Rule(
        "MDE002",
        "high",
        "telemetry",
        "Telemetry proxy contains a scheme",
        "MDEPX",
        _telemetry_proxy_with_scheme,
    ),
    Rule(
        "MDE003",
        "high",
        "telemetry",
        "PreferStaticProxyForHttpRequest missing on an offline-profile device",
        "MDEPX",
        _prefer_static_missing,
    ),
    Rule(
        "MDE004",
        "high",
        "defender",
        "Defender Antivirus proxy without a system route for revocation checks",
        "MDEPX",
        _av_proxy_without_crl_route,
    ),
    Rule(
        "MDE005",
        "low",
        "telemetry",
        "OS older than the cumulative update recommended for the static proxy",
        "MDEPX",
        _os_too_old_for_static_proxy,
    ),
    Rule(
        "AV001",
        "high",
        "defender",
        "Defender Antivirus ProxyServer without http:// or https://",
        "MDEPX",
        _defender_proxy_without_scheme,
    ),
    Rule(
        "AU001",
        "high",
        "wininet",
        "A consumer is routed to a proxy that requires credentials it cannot give",
        "DOPX",
        _cannot_authenticate,
    ),
)


def findings(
    picture: ProxyPicture,
    effective: t.Mapping[str, t.Any],
    *,
    profile: str | None = None,
    authentication_hits: t.Sequence[Hit] = (),
) -> list[dict[str, t.Any]]:
    """Every finding of every rule, in catalogue order.

    Args:
        picture: the host's decoded settings.
        effective: the routes ``_effective.effective(picture)`` returned.
        profile: the device profile the role applies; ``"offline"`` makes MDE003 expect
            PreferStaticProxyForHttpRequest whenever a telemetry proxy is set.
        authentication_hits: AU001's hits (``_authentication.au001_hits``); none without authenticating_proxies.
    """
    inputs = Inputs(picture, effective, profile, tuple(authentication_hits))
    return [
        {
            "id": rule.id,
            "severity": hit.severity or rule.severity,
            "surface": hit.surface or rule.surface,
            "message": hit.message,
            "evidence": hit.evidence,
            "remediation": hit.remediation,
            "source": SOURCES[hit.source or rule.source].cite(),
        }
        for rule in CATALOGUE
        for hit in rule.check(inputs)
    ]
