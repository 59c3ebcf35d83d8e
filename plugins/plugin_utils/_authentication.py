# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who authenticates to the proxy: each consumer's account on its route, and whether it can give credentials.

(internal use only) The routes come from ``_effective``; this module says, per consumer, which account
reaches the proxy and whether it answers a proxy's request for credentials (HTTP 407). With
``authenticating_proxies`` (proxies the user knows to require credentials), a consumer routed to one of them
that cannot authenticate is finding AU001. The sources are in docs/findings.md ("Who authenticates"):
[DOPX] Delivery Optimization, [NETSVC] the NetworkService account, [MDEPX] the Defender for Endpoint sensor,
[DLP] Endpoint DLP, [CMPX] ConfigMgr site systems. Where Microsoft documents nothing, the entry says
``verified: false`` and docs/testing.md has the live-Windows check.
"""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import (
    NOBODY_SIGNED_IN,
    WINHTTP_64,
    interactive_user,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import COLLECTION, Hit, proxy_endpoint
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import ProxyPicture
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    MAX_BYPASS_ENTRIES,
    ProxyInputError,
    describe,
    is_host,
    is_host_port,
)

OPTION = "authenticating_proxies"
MAX_ENTRIES = MAX_BYPASS_ENTRIES
ENTRY_FORM = (
    "host:port, or a bare host name for every port of that host, e.g. proxy.corp.example:8080 or proxy.corp.example"
)

# Consumer -> how messages name it (at the start of a sentence).
TITLES = {
    "delivery_optimization.interactive": "Delivery Optimization with a user signed in",
    "delivery_optimization.network_service": "Delivery Optimization with no user signed in (NetworkService)",
    "mde_sensor": "The Defender for Endpoint sensor",
    "endpoint_dlp": "Endpoint DLP",
    "defender_av": "Defender Antivirus",
    "configmgr_site_system": "The ConfigMgr site system server",
}
CONSUMERS = tuple(TITLES)
LOCAL_SYSTEM = "NT AUTHORITY\\SYSTEM (LocalSystem)"
NETWORK_SERVICE = "NT AUTHORITY\\NETWORK SERVICE (the computer account on the network)"
SITE_SYSTEM_ACCOUNT = "the site system's computer account, or the site system proxy server account when one is set"
SIGNED_IN_USER = "the signed-in user"


def route_surface(route_source: str) -> str:
    """The surface whose setting puts a consumer on its route (``defender.proxy_server`` -> defender)."""
    head = route_source.split(".", 1)[0].split(":", 1)[0]
    return head if head in ("telemetry", "winhttp", "wininet", "defender") else "wininet"


def check_authenticating_proxies(value: object, option: str = OPTION) -> tuple[str, ...]:
    """The proxies known to require credentials, lower-cased: ``host:port`` or a bare host.

    Raises:
        ProxyInputError: not a list, too long, or an entry of another form (the message names the option).
    """
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ProxyInputError(f"{option}: {describe(value)} is not a list; expected a list of {ENTRY_FORM}")
    if len(value) > MAX_ENTRIES:
        raise ProxyInputError(f"{option}: {len(value)} entries, more than the {MAX_ENTRIES} accepted")
    entries = []
    for index, entry in enumerate(value):
        text = entry.strip() if isinstance(entry, str) else None
        if text is None or not (is_host_port(text) or is_host(text)):
            raise ProxyInputError(f"{option}[{index}]: {describe(entry)} is not a proxy; expected {ENTRY_FORM}")
        entries.append(text.lower())
    return tuple(dict.fromkeys(entries))


def listed_entry(proxy: str | None, listed: t.Iterable[str]) -> str | None:
    """The entry of ``listed`` that names ``proxy`` (``host:port`` exactly, or a bare host for any port)."""
    if not proxy:
        return None
    endpoint = proxy_endpoint(proxy)
    host = endpoint.rpartition(":")[0] if is_host_port(endpoint) else endpoint
    for entry in listed:
        if entry in (endpoint, host):
            return entry
    return None


def _entry(
    route: t.Mapping[str, t.Any] | None,
    *,
    account: str | None,
    capable: bool | None,
    reason: str,
    source: str,
    listed: t.Sequence[str],
    verified: bool = True,
) -> dict[str, t.Any]:
    """One consumer: its account and whether it can authenticate on its route.

    A route without a proxy or PAC file has no proxy to authenticate to: ``can_authenticate`` is None there
    (a transparent proxy or WPAD aside, which the picture cannot see).
    """
    proxy = proxy_endpoint(route["proxy"]) if route and route.get("proxy") else None
    proxied = bool(route and (route.get("proxy") or route.get("pac_url")))
    if route is not None and not proxied:
        reason = "its route is direct: no proxy asks it for credentials (a transparent proxy or WPAD aside)"
        capable = None
    return {
        "account": account,
        "can_authenticate": capable,
        "reason": reason,
        "source": source,
        "verified": verified,
        "proxy": proxy,
        "pac_url": route.get("pac_url") if route else None,
        "route_source": str(route.get("source")) if route else "not_read",
        "proxy_requires_authentication": True if listed_entry(proxy, listed) else None,
    }


def _interactive(picture: ProxyPicture, route: t.Mapping[str, t.Any], listed: t.Sequence[str]) -> dict[str, t.Any]:
    if route.get("source") == NOBODY_SIGNED_IN:
        return {
            **_entry(None, account=None, capable=None, reason="", source="[DOPX]", listed=listed),
            "reason": "nobody is signed in: there are no downloads with a user signed in",
            "route_source": NOBODY_SIGNED_IN,
        }
    user, _notes = interactive_user(picture)
    account = (user.account or user.sid) if user else SIGNED_IN_USER
    return _entry(
        route,
        account=account,
        capable=True,
        reason="[DOPX]: Delivery Optimization gives WinHTTP the token of the signed-in user, and WinHTTP "
        "authenticates that user to the proxy",
        source="[DOPX]",
        listed=listed,
    )


def _network_service(route: t.Mapping[str, t.Any], listed: t.Sequence[str]) -> dict[str, t.Any]:
    if route.get("source") == WINHTTP_64:
        return _entry(
            route,
            account=NETWORK_SERVICE,
            capable=False,
            reason="[DOPX]: the netsh (WinHTTP) proxy offers no authentication to the proxy, and with no user "
            "signed in it takes precedence over WinINET (downloads fail with HTTP_E_STATUS_PROXY_AUTH_REQ)",
            source="[DOPX]",
            listed=listed,
        )
    return _entry(
        route,
        account=NETWORK_SERVICE,
        capable=True,
        reason="[DOPX]: through the device-wide WinINET proxy, the proxy is accessed in the NetworkService context "
        "when it requires authentication; [NETSVC]: NetworkService presents the computer's credentials, so the "
        "proxy must accept the computer account",
        source="[DOPX]; [NETSVC]",
        listed=listed,
    )


def _enterprise_auth_note(picture: ProxyPicture) -> str:
    found = picture.telemetry.data.get("disable_enterprise_auth_proxy")
    if found == 1:
        return ""
    return (
        f"; DisableEnterpriseAuthProxy is {'not set' if found is None else repr(found)}, not 1 (MDE001): what the "
        "sensor then tries is not documented"
    )


def _sensor(picture: ProxyPicture, route: t.Mapping[str, t.Any], listed: t.Sequence[str]) -> dict[str, t.Any]:
    return _entry(
        route,
        account=LOCAL_SYSTEM,
        capable=False,
        reason="[MDEPX]: the sensor runs in system context using the LocalSystem account, and "
        "DisableEnterpriseAuthProxy=1 ('Disable Authenticated Proxy usage', which [MDEPX] sets with the static "
        "proxy) turns authenticated proxy use off: the proxy must admit it without user authentication"
        + _enterprise_auth_note(picture),
        source="[MDEPX]",
        listed=listed,
    )


def _dlp(route: t.Mapping[str, t.Any], listed: t.Sequence[str]) -> dict[str, t.Any]:
    return _entry(
        route,
        account=LOCAL_SYSTEM,
        capable=False,
        reason="[DLP]: the embedded service runs in system context using the LocalSystem account and takes the "
        "sensor's proxy values, so its route is the sensor's and, like the sensor, it needs a proxy that admits it "
        "without user authentication (unverified: the [DLP] page was not checked against a live host)",
        source="[DLP]",
        listed=listed,
        verified=False,
    )


def _defender_av(route: t.Mapping[str, t.Any], listed: t.Sequence[str]) -> dict[str, t.Any]:
    return _entry(
        route,
        account=LOCAL_SYSTEM,
        capable=False,
        reason="[MDEPX]: Defender Antivirus's proxy settings (ProxyServer, ProxyPacUrl, ProxyBypass) take an address "
        "and no credentials, so the proxy must admit it without user authentication (unverified: that the "
        "Defender Antivirus service runs as LocalSystem and never authenticates is not stated by [MDEPX])",
        source="[MDEPX]",
        listed=listed,
        verified=False,
    )


def _configmgr() -> dict[str, t.Any]:
    return {
        "account": SITE_SYSTEM_ACCOUNT,
        "can_authenticate": None,
        "reason": "[CMPX]: a site system server connects to its proxy with its computer account, or with the site "
        "system proxy server account when one is configured; proxy_facts does not read the site system proxy "
        f"({COLLECTION}.configmgr_proxy does), so its proxy and account are unknown here",
        "source": "[CMPX]",
        "verified": False,
        "proxy": None,
        "pac_url": None,
        "route_source": "not_read",
        "proxy_requires_authentication": None,
    }


def authentication(
    picture: ProxyPicture, routes: t.Mapping[str, t.Any], listed: t.Sequence[str] = ()
) -> dict[str, t.Any]:
    """Per consumer (nested as ``effective`` is), the account toward its proxy and whether it can authenticate.

    Args:
        picture: the host's decoded settings.
        routes: ``_effective.effective(picture)``.
        listed: the proxies known to require credentials (:func:`check_authenticating_proxies`).
    """
    do_routes = routes["delivery_optimization"]
    return {
        "delivery_optimization": {
            "interactive": _interactive(picture, do_routes["interactive"], listed),
            "network_service": _network_service(do_routes["network_service"], listed),
        },
        "mde_sensor": _sensor(picture, routes["mde_sensor"], listed),
        # [DLP]: the same telemetry proxy values as the sensor, so the sensor's route.
        "endpoint_dlp": _dlp(routes["mde_sensor"], listed),
        "defender_av": _defender_av(routes["defender_av"], listed),
        "configmgr_site_system": _configmgr(),
    }


def consumer_entry(auth: t.Mapping[str, t.Any], consumer: str) -> t.Mapping[str, t.Any]:
    """The entry of a consumer named as the endpoint check names them (``delivery_optimization.interactive``)."""
    node: t.Any = auth
    for part in consumer.split("."):
        node = node[part]
    return t.cast("t.Mapping[str, t.Any]", node)


# --- AU001 -----------------------------------------------------------------------------------------------------

_WHY = {
    "delivery_optimization.network_service": "the netsh WinHTTP proxy offers no authentication to the proxy",
    "mde_sensor": "a LocalSystem service that gives a proxy no user credentials",
    "endpoint_dlp": "a LocalSystem service that gives a proxy no user credentials",
    "defender_av": "a LocalSystem service whose proxy settings take no credentials",
}


def remediation(consumer: str, proxy: str) -> str:
    """What to do when ``consumer`` cannot authenticate to ``proxy``: exempt, admit, or another proxy."""
    on_proxy = f"on proxy {proxy}: let these requests through without authentication (exempt the endpoints"
    if consumer == "delivery_optimization.network_service":
        return (
            f"{on_proxy} of Delivery Optimization, or allow the computer account); or reset netsh "
            f"({COLLECTION}.winhttp_proxy state: absent) so downloads with no user signed in use the device-wide "
            f"WinINET proxy ({COLLECTION}.wininet_proxy per_machine: true), where NetworkService authenticates as the "
            "computer account [DOPX]; or use a proxy that admits it"
        )
    if consumer == "defender_av":
        return (
            f"{on_proxy} of Defender Antivirus, or allow the computer account without user authentication); or give "
            f"Defender Antivirus a proxy that admits it: {COLLECTION}.defender_proxy proxy_server: http://host:port"
        )
    service = "Endpoint DLP" if consumer == "endpoint_dlp" else "Defender for Endpoint"
    return (
        f"{on_proxy} of {service}, or allow the computer account without user authentication); or give the sensor a "
        f"proxy that admits it: {COLLECTION}.telemetry_proxy proxy: host:port (with disable_enterprise_auth_proxy: "
        "true)"
    )


def cannot_authenticate(consumer: str, entry: t.Mapping[str, t.Any], proxy: str) -> str:
    """The sentence AU001 and the endpoint check's 407 explanation share."""
    return (
        f"{TITLES[consumer]} connects as {entry['account']} and cannot authenticate to proxy {proxy}: "
        f"{_WHY.get(consumer, entry['reason'])}"
    )


def _flat(auth: t.Mapping[str, t.Any]) -> list[tuple[str, t.Mapping[str, t.Any]]]:
    return [(consumer, consumer_entry(auth, consumer)) for consumer in CONSUMERS]


def au001_hits(
    auth: t.Mapping[str, t.Any], listed: t.Sequence[str], observed: t.Mapping[str, str] | None = None
) -> list[Hit]:
    """AU001: a consumer routed to a proxy that requires credentials which it cannot give.

    Args:
        auth: :func:`authentication`'s result.
        listed: ``authenticating_proxies``.
        observed: proxy -> the URL whose probe through it the proxy answered with 407 (proxy_endpoint_check).
    """
    observed = observed or {}
    hits = []
    for consumer, entry in _flat(auth):
        proxy = entry["proxy"]
        if proxy is None or entry["can_authenticate"] is not False:
            continue
        entry_listed = listed_entry(proxy, listed)
        if entry_listed is None and proxy not in observed:
            continue
        known = (
            "listed in authenticating_proxies"
            if entry_listed is not None
            else f"which answered 407 (proxy authentication required) for {observed[proxy]}"
        )
        hits.append(
            Hit(
                f"{TITLES[consumer]} is routed to proxy {proxy} ({entry['route_source']}), {known}, and cannot "
                f"authenticate to it: it connects as {entry['account']}, {_WHY[consumer]}; its requests through that "
                "proxy are refused with 407 (proxy authentication required)",
                {
                    "consumer": consumer,
                    "proxy": proxy,
                    "route_source": entry["route_source"],
                    "account": entry["account"],
                    "can_authenticate": False,
                    "reason": entry["reason"],
                    "authenticating_proxies_entry": entry_listed,
                    "observed_407": observed.get(proxy),
                },
                remediation(consumer, proxy),
                surface=route_surface(str(entry["route_source"])),
                source=str(entry["source"]).partition(";")[0].strip("[] "),
            )
        )
    return hits
