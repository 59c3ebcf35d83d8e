"""Who authenticates to the proxy: each consumer's account and whether it can authenticate, and finding AU001.

The hosts are the hand-built read results of test_effective (one per [DOPX] table row that matters here).
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._authentication import (
    au001_hits,
    authentication,
    check_authenticating_proxies,
    listed_entry,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import effective
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._endpoint_check import explain_407
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._endpoint_check import findings as endpoint_findings
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import findings
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import read_picture
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from tests.unit.plugins.plugin_utils.test_effective import (
    INET_PROXY,
    NETSH_PROXY,
    PAC,
    SID,
    USER_PROXY,
    host,
    inet_blob,
)

LOCAL_SYSTEM = "NT AUTHORITY\\SYSTEM (LocalSystem)"
NETWORK_SERVICE = "NT AUTHORITY\\NETWORK SERVICE (the computer account on the network)"
TELEMETRY_PROXY = "tele.corp.example:3128"
AV_PROXY = "av.corp.example:8081"
DIRECT_REASON = "its route is direct: no proxy asks it for credentials (a transparent proxy or WPAD aside)"


def who(listed: t.Sequence[str] = (), **given: t.Any) -> tuple[dict[str, t.Any], list[dict[str, t.Any]]]:
    """The authentication entries and the findings of a host."""
    picture = read_picture(host(**given))
    routes = effective(picture)
    checked = check_authenticating_proxies(list(listed))
    auth = authentication(picture, routes, checked)
    return auth, findings(picture, routes, authentication_hits=au001_hits(auth, checked))


def brief(entry: t.Mapping[str, t.Any]) -> tuple[t.Any, ...]:
    return (entry["account"], entry["can_authenticate"], entry["proxy"], entry["route_source"])


def test_device_wide_wininet_and_netsh_each_context_and_the_local_system_consumers() -> None:
    auth, _found = who(
        netsh=NETSH_PROXY,
        per_machine=True,
        machine=inet_blob(INET_PROXY),
        users={SID: inet_blob()},
        accounts={SID: "CORP\\alice"},
        telemetry={"TelemetryProxyServer": ("string", TELEMETRY_PROXY), "DisableEnterpriseAuthProxy": ("dword", 1)},
        defender={"ProxyServer": ("string", f"http://{AV_PROXY}")},
    )
    do = auth["delivery_optimization"]
    # [DOPX]: the signed-in user's token authenticates the interactive downloads.
    assert brief(do["interactive"]) == ("CORP\\alice", True, INET_PROXY, "wininet.machine")
    assert do["interactive"]["reason"] == (
        "[DOPX]: Delivery Optimization gives WinHTTP the token of the signed-in user, and WinHTTP authenticates "
        "that user to the proxy"
    )
    # [DOPX]: with no user signed in netsh wins, and netsh offers no authentication to the proxy.
    assert brief(do["network_service"]) == (NETWORK_SERVICE, False, NETSH_PROXY, "winhttp.64")
    assert do["network_service"]["reason"].startswith("[DOPX]: the netsh (WinHTTP) proxy offers no authentication")
    assert brief(auth["mde_sensor"]) == (LOCAL_SYSTEM, False, TELEMETRY_PROXY, "telemetry")
    assert auth["mde_sensor"]["reason"] == (
        "[MDEPX]: the sensor runs in system context using the LocalSystem account, and DisableEnterpriseAuthProxy=1 "
        "('Disable Authenticated Proxy usage', which [MDEPX] sets with the static proxy) turns authenticated proxy "
        "use off: the proxy must admit it without user authentication"
    )
    assert (auth["mde_sensor"]["source"], auth["mde_sensor"]["verified"]) == ("[MDEPX]", True)
    # Endpoint DLP takes the sensor's route; that it does is from [DLP], not checked against a live host.
    assert brief(auth["endpoint_dlp"]) == (LOCAL_SYSTEM, False, TELEMETRY_PROXY, "telemetry")
    assert (auth["endpoint_dlp"]["source"], auth["endpoint_dlp"]["verified"]) == ("[DLP]", False)
    assert "unverified" in auth["endpoint_dlp"]["reason"]
    assert brief(auth["defender_av"]) == (LOCAL_SYSTEM, False, AV_PROXY, "defender.proxy_server")
    assert auth["defender_av"]["verified"] is False
    # ConfigMgr's site system proxy is not part of the picture: known account rule, unknown route.
    assert auth["configmgr_site_system"] == {
        "account": "the site system's computer account, or the site system proxy server account when one is set",
        "can_authenticate": None,
        "reason": "[CMPX]: a site system server connects to its proxy with its computer account, or with the site "
        "system proxy server account when one is configured; proxy_facts does not read the site system proxy "
        "(proxyfleet.windows.configmgr_proxy does), so its proxy and account are unknown here",
        "source": "[CMPX]",
        "verified": False,
        "proxy": None,
        "pac_url": None,
        "route_source": "not_read",
        "proxy_requires_authentication": None,
    }


def test_device_wide_wininet_alone_lets_network_service_authenticate_as_the_computer() -> None:
    auth, _found = who(per_machine=True, machine=inet_blob(INET_PROXY), users={SID: inet_blob()})
    network_service = auth["delivery_optimization"]["network_service"]
    assert brief(network_service) == (NETWORK_SERVICE, True, INET_PROXY, "wininet.machine")
    assert network_service["source"] == "[DOPX]; [NETSVC]"
    assert network_service["reason"].endswith("so the proxy must accept the computer account")
    # No telemetry proxy and WinHTTP direct: the sensor goes direct, with nobody to authenticate to.
    assert (auth["mde_sensor"]["can_authenticate"], auth["mde_sensor"]["reason"]) == (None, DIRECT_REASON)
    # Defender Antivirus falls back to the system settings: here the device-wide WinINET proxy.
    assert brief(auth["defender_av"]) == (LOCAL_SYSTEM, False, INET_PROXY, "wininet.machine")
    # The interactive user has no account name in Volatile Environment: the SID stands for it.
    assert auth["delivery_optimization"]["interactive"]["account"] == SID


def test_per_user_proxy_and_nobody_signed_in() -> None:
    auth, _found = who(users={SID: inet_blob(USER_PROXY)}, signed_in=[])
    interactive = auth["delivery_optimization"]["interactive"]
    assert (interactive["account"], interactive["can_authenticate"], interactive["route_source"]) == (
        None,
        None,
        "nobody_signed_in",
    )
    assert interactive["reason"] == "nobody is signed in: there are no downloads with a user signed in"
    assert auth["delivery_optimization"]["network_service"]["can_authenticate"] is None


def test_a_pac_route_can_authenticate_but_names_no_proxy_to_match() -> None:
    auth, _found = who(per_machine=True, machine=inet_blob(pac=PAC), users={SID: inet_blob()}, accounts={SID: "alice"})
    interactive = auth["delivery_optimization"]["interactive"]
    assert (interactive["proxy"], interactive["pac_url"], interactive["can_authenticate"]) == (None, PAC, True)
    assert interactive["proxy_requires_authentication"] is None


def test_sensor_without_disable_enterprise_auth_proxy_says_so() -> None:
    auth, _found = who(telemetry={"TelemetryProxyServer": ("string", TELEMETRY_PROXY)})
    assert auth["mde_sensor"]["reason"].endswith(
        "; DisableEnterpriseAuthProxy is not set, not 1 (MDE001): what the sensor then tries is not documented"
    )


STALE = {"netsh": NETSH_PROXY, "per_machine": True, "machine": inet_blob(INET_PROXY), "users": {SID: inet_blob()}}


def test_au001_network_service_on_a_listed_netsh_proxy() -> None:
    auth, found = who(["NETSH.corp.example:3128"], **STALE)
    assert auth["delivery_optimization"]["network_service"]["proxy_requires_authentication"] is True
    assert auth["delivery_optimization"]["interactive"]["proxy_requires_authentication"] is None
    # The sensor (and Endpoint DLP with it) has no telemetry proxy here, so it takes the netsh proxy too.
    consumers = [item["evidence"]["consumer"] for item in found if item["id"] == "AU001"]
    assert consumers == ["delivery_optimization.network_service", "mde_sensor", "endpoint_dlp"]
    au001 = next(item for item in found if item["id"] == "AU001")
    assert au001["message"] == (
        f"Delivery Optimization with no user signed in (NetworkService) is routed to proxy {NETSH_PROXY} "
        "(winhttp.64), listed in authenticating_proxies, and cannot authenticate to it: it connects as "
        f"{NETWORK_SERVICE}, the netsh WinHTTP proxy offers no authentication to the proxy; its requests through "
        "that proxy are refused with 407 (proxy authentication required)"
    )
    assert au001["remediation"] == (
        f"on proxy {NETSH_PROXY}: let these requests through without authentication (exempt the endpoints of "
        "Delivery Optimization, or allow the computer account); or reset netsh (proxyfleet.windows.winhttp_proxy "
        "state: absent) so downloads with no user signed in use the device-wide WinINET proxy "
        "(proxyfleet.windows.wininet_proxy per_machine: true), where NetworkService authenticates as the computer "
        "account [DOPX]; or use a proxy that admits it"
    )
    assert (au001["severity"], au001["surface"]) == ("high", "winhttp")
    assert au001["source"] == (
        "[DOPX] Delivery Optimization and proxy: https://learn.microsoft.com/windows/deployment/do/"
        "delivery-optimization-proxy"
    )
    assert au001["evidence"]["authenticating_proxies_entry"] == "netsh.corp.example:3128"


def test_au001_needs_the_list_and_a_consumer_that_cannot_authenticate() -> None:
    # Not listed: nothing known about the proxy, no finding.
    assert [item["id"] for item in who(**STALE)[1] if item["id"] == "AU001"] == []
    # The device-wide WinINET proxy listed: the signed-in user authenticates on it, NetworkService is on netsh; only
    # Defender Antivirus, whose fallback is the device-wide WinINET proxy, cannot authenticate to it.
    found = who([INET_PROXY], **STALE)[1]
    assert [item["evidence"]["consumer"] for item in found if item["id"] == "AU001"] == ["defender_av"]


def test_au001_for_the_local_system_consumers_by_bare_host() -> None:
    _auth, found = who(
        ["tele.corp.example", "av.corp.example"],
        telemetry={"TelemetryProxyServer": ("string", TELEMETRY_PROXY), "DisableEnterpriseAuthProxy": ("dword", 1)},
        defender={"ProxyServer": ("string", f"http://{AV_PROXY}")},
    )
    au001 = [item for item in found if item["id"] == "AU001"]
    assert [(item["evidence"]["consumer"], item["surface"], item["source"][:8]) for item in au001] == [
        ("mde_sensor", "telemetry", "[MDEPX] "),
        ("endpoint_dlp", "telemetry", "[DLP] Co"),
        ("defender_av", "defender", "[MDEPX] "),
    ]
    assert au001[0]["message"] == (
        f"The Defender for Endpoint sensor is routed to proxy {TELEMETRY_PROXY} (telemetry), listed in "
        f"authenticating_proxies, and cannot authenticate to it: it connects as {LOCAL_SYSTEM}, a LocalSystem "
        "service that gives a proxy no user credentials; its requests through that proxy are refused with 407 "
        "(proxy authentication required)"
    )
    assert au001[2]["remediation"] == (
        f"on proxy {AV_PROXY}: let these requests through without authentication (exempt the endpoints of Defender "
        "Antivirus, or allow the computer account without user authentication); or give Defender Antivirus a proxy "
        "that admits it: proxyfleet.windows.defender_proxy proxy_server: http://host:port"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ()),
        ([], ()),
        (["Proxy.Corp.Example:8080", "proxy.corp.example:8080", " 10.0.0.6 "], ("proxy.corp.example:8080", "10.0.0.6")),
        (["[fd00::1]:8080"], ("[fd00::1]:8080",)),
    ],
)
def test_authenticating_proxies_accepted(given: t.Any, expected: tuple[str, ...]) -> None:
    assert check_authenticating_proxies(given) == expected


FORM = "host:port, or a bare host name for every port of that host, e.g. proxy.corp.example:8080 or proxy.corp.example"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("proxy:8080", f"authenticating_proxies: 'proxy:8080' is not a list; expected a list of {FORM}"),
        (["http://proxy:8080"], f"authenticating_proxies[0]: 'http://proxy:8080' is not a proxy; expected {FORM}"),
        (["ok:1", "bad host"], f"authenticating_proxies[1]: 'bad host' is not a proxy; expected {FORM}"),
        (["proxy:99999"], f"authenticating_proxies[0]: 'proxy:99999' is not a proxy; expected {FORM}"),
        ([8080], f"authenticating_proxies[0]: 8080 is not a proxy; expected {FORM}"),
        (["p"] * 1001, "authenticating_proxies: 1001 entries, more than the 1000 accepted"),
    ],
)
def test_authenticating_proxies_refused_with_the_option_named(given: t.Any, message: str) -> None:
    with pytest.raises(ProxyInputError) as raised:
        check_authenticating_proxies(given)
    assert str(raised.value) == message


def test_listed_entry_matches_host_port_or_host() -> None:
    assert listed_entry("http://Proxy.corp.example:8080/", ["proxy.corp.example:8080"]) == "proxy.corp.example:8080"
    assert listed_entry("proxy.corp.example:8080", ["proxy.corp.example"]) == "proxy.corp.example"
    assert listed_entry("proxy.corp.example:8081", ["proxy.corp.example:8080"]) is None
    assert listed_entry("http=a:1;https=proxy.corp.example:8080", ["proxy.corp.example"]) == "proxy.corp.example"
    assert listed_entry(None, ["proxy.corp.example"]) is None


def _refused(consumers: list[str], service: str | None = None) -> dict[str, t.Any]:
    return {
        "url": "https://winatp-gw-cus.microsoft.com/",
        "service": service,
        "consumers": consumers,
        "proxy": NETSH_PROXY,
        "reason": "proxy_authentication_required",
    }


def test_a_407_without_a_consumer_is_explained_by_what_it_proves() -> None:
    auth, _found = who(**STALE)
    named = _refused([])
    explain_407([named, {**_refused(["mde_sensor"]), "reason": "proxy_denied"}], auth)
    assert named["authentication"] == []
    assert named["explanation"] == (
        f"Proxy {NETSH_PROXY} answered 407 (proxy authentication required); this probe sends no credentials. A "
        "consumer routed to it that cannot authenticate is refused the same way (finding AU001, authentication)."
    )


def test_a_407_explained_for_endpoint_dlp_and_an_unknown_consumer() -> None:
    auth, _found = who(**STALE)
    dlp, system = _refused(["mde_sensor"], "endpoint_dlp"), _refused(["certificate_checks"])
    explain_407([dlp, system], auth)
    assert [item["consumer"] for item in dlp["authentication"]] == ["endpoint_dlp"]
    assert dlp["explanation"].startswith(
        f"Endpoint DLP connects as {LOCAL_SYSTEM} and cannot authenticate to proxy {NETSH_PROXY}: a LocalSystem "
        "service that gives a proxy no user credentials (finding AU001). Fix: "
    )
    # Certificate checks are the operating system's, not a consumer of the authentication entries.
    assert system["authentication"] == [] and system["explanation"].startswith(f"Proxy {NETSH_PROXY} answered 407")


def test_the_endpoint_check_finds_au001_from_an_observed_407() -> None:
    auth, _found = who(**STALE)
    results = [
        {**_refused(["delivery_optimization.network_service"]), "url": "https://geo.prod.do.dsp.mp.microsoft.com/"}
    ]
    found = endpoint_findings(results, auth, ())
    assert [(item["id"], item["evidence"]["consumer"], item["evidence"]["observed_407"]) for item in found] == [
        ("AU001", "delivery_optimization.network_service", "https://geo.prod.do.dsp.mp.microsoft.com/"),
        ("AU001", "mde_sensor", "https://geo.prod.do.dsp.mp.microsoft.com/"),
        ("AU001", "endpoint_dlp", "https://geo.prod.do.dsp.mp.microsoft.com/"),
    ]
    # Without the picture (via direct or named only) nothing is known about the consumers.
    assert endpoint_findings(results, None, ()) == []
