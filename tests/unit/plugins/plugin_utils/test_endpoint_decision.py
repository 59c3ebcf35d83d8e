"""proxy_endpoint_check's controller side: option checks, the probe request, the per-route decision, findings.

The decision tests run the real request through the agent twin (read + tls_probe in one request), so what
is decided is what the module would decide from that host.
"""

from __future__ import annotations

import pathlib
import re
import struct
import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _endpoint_urls as urls_data
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import effective
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._endpoint_check import (
    FINDING_IDS,
    URL_FORM,
    Request,
    chain_root,
    check_request,
    decide,
    findings,
    host_of,
    intercepted,
    interception,
    parse_url,
    probe_operation,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import PICTURE_KEYS, read_picture
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import read_operation
from tests import endpoint_fleet as fleet
from tests.winsim.agent_twin import run_request
from tests.winsim.regfile import REG_BINARY, Value
from tests.winsim.registry import Registry

DOCS = pathlib.Path(__file__).parents[4] / "docs" / "findings.md"
DEFAULTS = {"urls": ["delivery_optimization", "defender_endpoint"], "via": ["effective"], "proxy": None, "timeout": 5}
PROXY_FORM = "expected host:port or http://host:port, e.g. proxy.corp.example:8080"


def request(**args: t.Any) -> Request:
    return check_request({**DEFAULTS, **args})


def error(**args: t.Any) -> str:
    with pytest.raises(ProxyInputError) as caught:
        request(**args)
    return str(caught.value)


# --- the shipped sets ------------------------------------------------------------------------------------------


def test_the_default_sets_have_sources_and_the_do_hosts_microsoft_names() -> None:
    checked = request()
    hosts = [endpoint.host for endpoint in checked.endpoints]
    assert "geo.prod.do.dsp.mp.microsoft.com" in hosts
    assert any(re.fullmatch(r"array\d+\.prod\.do\.dsp\.mp\.microsoft\.com", host) for host in hosts)
    assert {endpoint.service for endpoint in checked.endpoints} == {"delivery_optimization", "defender_endpoint"}
    assert all(endpoint.source and endpoint.source.startswith("[") for endpoint in checked.endpoints)
    assert all(parse_url(item.url) for items in urls_data.URL_SETS.values() for item in items)
    assert [e.url for e in checked.endpoints if e.scheme == "http"] == [
        "http://7.tlu.dl.delivery.mp.microsoft.com/",
        "http://crl.microsoft.com/",
        "http://ctldl.windowsupdate.com/",
    ]
    # The URL sets gain the DO geo hosts and CDN, the streamlined MDE domain and MAPS (a set of its own).
    all_hosts = {host_of(item.url) for items in urls_data.URL_SETS.values() for item in items}
    assert {
        "geo-prod.do.dsp.mp.microsoft.com",
        "geover-prod.do.dsp.mp.microsoft.com",
        "7.tlu.dl.delivery.mp.microsoft.com",
        "edr-cus.us.endpoint.security.microsoft.com",
        "wdcp.microsoft.com",
        "unitedstates.cp.wd.microsoft.com",
    } <= all_hosts


def test_sets_and_urls_side_by_side_first_mention_wins() -> None:
    checked = request(
        urls=[
            "https://Cache1.corp.example:8443/x?y=1",
            {"url": "https://cache2.corp.example/", "service": "delivery_optimization"},
            "delivery_optimization",
            "https://geo.prod.do.dsp.mp.microsoft.com/",
        ]
    )
    first = checked.endpoints[0]
    assert (first.scheme, first.host, first.port, first.path, first.service) == (
        "https",
        "cache1.corp.example",
        8443,
        "/x?y=1",
        None,
    )
    assert checked.endpoints[1].service == "delivery_optimization"
    # geo came with the set first: one endpoint, with the set's source.
    geo = [e for e in checked.endpoints if e.host == "geo.prod.do.dsp.mp.microsoft.com"]
    assert len(geo) == 1 and geo[0].source is not None


@pytest.mark.parametrize(
    ("url", "service"),
    [
        ("https://geo.prod.do.dsp.mp.microsoft.com/other", "delivery_optimization"),
        ("https://array999.prod.do.dsp.mp.microsoft.com/", "delivery_optimization"),
        ("https://winatp-gw-cus.microsoft.com/test", "defender_endpoint"),
        ("https://contoso.example/", None),
    ],
)
def test_a_url_of_ones_own_on_a_known_host_belongs_to_its_service(url: str, service: str | None) -> None:
    assert request(urls=[url]).endpoints[0].service == service


# --- option checks ---------------------------------------------------------------------------------------------


def test_bad_options_have_exact_messages() -> None:
    assert error(urls=[]) == f"urls: name at least one URL or URL set; expected a list of {URL_FORM}"
    assert error(via=[]) == "via: name at least one route of effective, winhttp_default, direct, named"
    assert (
        error(via=["wpad"]) == "via: 'wpad' is not a route; expected any of effective, winhttp_default, direct, named"
    )
    assert error(via=["named"]) == f"proxy: required when via includes named; {PROXY_FORM}"
    assert error(proxy="p:1") == "proxy: given, but via does not include named; add named to via or leave proxy out"
    assert error(via=["named"], proxy="p") == f"proxy: 'p' is not a valid proxy; {PROXY_FORM}"
    assert error(via=["named"], proxy="https://p:1") == f"proxy: 'https://p:1' is not a valid proxy; {PROXY_FORM}"
    assert error(timeout=0) == "timeout: 0 is out of range; expected whole seconds 1-60"
    assert error(timeout=61) == "timeout: 61 is out of range; expected whole seconds 1-60"
    assert error(urls=["delivery_optimization", {"url": "https://a.example/", "service": "edr"}]) == (
        "urls[1]: {'url': 'https://a.example/', 'service': 'edr'} is not a URL entry; expected "
        "{url: <URL>, service: delivery_optimization or defender_endpoint or defender_antivirus or endpoint_dlp} "
        "(service optional)"
    )
    assert error(urls=[{"uri": "https://a.example/"}]) == (
        "urls[0]: {'uri': 'https://a.example/'} is not a URL entry; expected "
        "{url: <URL>, service: delivery_optimization or defender_endpoint or defender_antivirus or endpoint_dlp} "
        "(service optional)"
    )


def test_named_proxy_accepts_both_forms() -> None:
    assert request(via=["named"], proxy="http://Proxy.Corp.example:8080/").proxy == "proxy.corp.example:8080"
    assert request(via=["named"], proxy="10.0.0.6:3128").proxy == "10.0.0.6:3128"


HOSTILE = [
    "https://a.example/'; Remove-Item C:\\ -Recurse",
    'https://a.example/"',
    "https://a.example/`whoami`",
    "https://a.example/\r\nHost: evil",
    "https://a.example/\n",
    "https://a.example/\x00",
    "https://$(whoami).example/",
    "https://a.example:443$(x)/",
    "https://a.example/ space",
    "https://a.example/#frag",
    "https://us\u00e9r.example/",
    "https://user@a.example/",
    "https://a.example:0/",
    "https://a.example:65536/",
    "ftp://a.example/",
    "a.example",
    "https:///",
    "defender",
    12,
    None,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_or_malformed_urls_are_rejected_naming_the_item(url: object) -> None:
    shown = "'" + url.encode("unicode_escape").decode("ascii") + "'" if isinstance(url, str) else repr(url)
    assert error(urls=["delivery_optimization", url]) == f"urls[1]: {shown} is not a valid URL; expected {URL_FORM}"


def test_shell_syntax_in_a_path_is_kept_as_data() -> None:
    url = "https://a.example/$(Get-Process);&(calc)"
    operation, _keys = probe_operation(request(urls=[url], via=["direct"]))
    assert operation["targets"] == [
        {"scheme": "https", "host": "a.example", "port": 443, "path": "/$(Get-Process);&(calc)", "routes": [0]}
    ]


# --- the probe request -----------------------------------------------------------------------------------------


def test_effective_carries_every_candidate_route_of_the_urls_consumers() -> None:
    operation, keys = probe_operation(request(urls=["delivery_optimization", "defender_endpoint"]))
    assert keys == ["direct", "wininet.machine", "winhttp.64", "telemetry"]
    assert operation["timeout_ms"] == 5000
    assert operation["routes"][0] == {"type": "direct"}
    assert operation["routes"][3]["from"]["name"] == "TelemetryProxyServer"
    assert operation["routes"][1]["from"] == {
        "hive": "HKLM",
        "path": r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections",
        "view": 64,
        "name": "DefaultConnectionSettings",
        "offset": 12,
    }
    routes_by_host = {target["host"]: target["routes"] for target in operation["targets"]}
    assert routes_by_host["geo.prod.do.dsp.mp.microsoft.com"] == [0, 1, 2]
    assert routes_by_host["winatp-gw-cus.microsoft.com"] == [0, 3, 2]


def test_direct_and_named_need_no_read() -> None:
    checked = request(urls=["https://a.example/"], via=["direct", "named"], proxy="p.example:8080", timeout=2)
    operation, keys = probe_operation(checked)
    assert not checked.needs_picture
    assert keys == ["direct", "named"]
    assert operation["routes"] == [{"type": "direct"}, {"type": "proxy", "proxy": "p.example:8080"}]
    assert operation["timeout_ms"] == 2000


# --- decision --------------------------------------------------------------------------------------------------


def run(registry: Registry, network: dict[str, t.Any], **args: t.Any) -> list[dict[str, t.Any]]:
    """Check a host the way the action plugin does, the host played by the agent twin."""
    checked = request(**args)
    operation, keys = probe_operation(checked)
    operations = [read_operation(PICTURE_KEYS), operation] if checked.needs_picture else [operation]
    response = run_request(registry, protocol.build_request(operations), facts={"network": network})
    assert response["ok"], response
    picture = read_picture(response["results"][0]) if checked.needs_picture else None
    return decide(checked, response["results"][-1], keys, picture, effective(picture) if picture else None)


def test_bypassed_hosts_go_direct_and_the_rest_through_the_proxy() -> None:
    results = run(fleet.inspected_registry(), fleet.INSPECTED_NETWORK, urls=["delivery_optimization"])
    summary = {
        (r["url"].split("//")[1].split(".")[0], tuple(r["consumers"]), r["proxy"], r["source"], r["intercepted"])
        for r in results
    }
    interactive, network_service = ("delivery_optimization.interactive",), ("delivery_optimization.network_service",)
    assert ("geo", interactive, None, "wininet.machine", False) in summary
    assert ("geo", network_service, None, "winhttp.64", False) in summary
    assert ("array801", interactive, fleet.PROXY, "wininet.machine", True) in summary
    geo = next(r for r in results if r["url"].startswith("https://geo."))
    assert geo["rule"].endswith(
        "the bypass entry 'geo.prod.do.dsp.mp.microsoft.com' sends geo.prod.do.dsp.mp.microsoft.com direct"
    )
    assert [f["id"] for f in findings(results)] == ["EP001"]


def test_findings_have_the_proxy_facts_shape_and_exact_text() -> None:
    results = run(fleet.inspected_registry(), fleet.INSPECTED_NETWORK)
    ep001, ep002, _ep003 = findings(results)
    assert set(ep001) == set(ep002) == {"id", "severity", "surface", "message", "evidence", "remediation", "source"}
    assert (ep001["id"], ep001["severity"], ep001["surface"]) == ("EP001", "high", "delivery_optimization")
    assert ep001["remediation"] == (
        f"on proxy {fleet.PROXY}: exempt geo.prod.do.dsp.mp.microsoft.com and array*.prod.do.dsp.mp.microsoft.com "
        "from TLS inspection (cloud proxies such as Zscaler: bypass *.do.dsp.mp.microsoft.com from inspection and "
        "send it direct); or let the clients reach *.do.dsp.mp.microsoft.com directly: "
        "proxyfleet.windows.wininet_proxy and proxyfleet.windows.winhttp_proxy bypass: add "
        "*.do.dsp.mp.microsoft.com"
    )
    assert ep001["evidence"]["sources"] == ["wininet.machine", "winhttp.64"]
    assert ep001["source"].startswith("[DOPX] Delivery Optimization and proxy: https://")
    assert (ep002["id"], ep002["surface"]) == ("EP002", "telemetry")
    assert ep002["remediation"] == (
        f"allow these URLs on proxy {fleet.PROXY}, or give the sensor a proxy that reaches them: "
        "proxyfleet.windows.telemetry_proxy proxy: host:port"
    )
    assert ep002["evidence"]["failures"] == [
        {
            "url": "https://events.data.microsoft.com/",
            "stage": "proxy",
            "error": "the proxy answered CONNECT with HTTP 403",
            "reason": "proxy_denied",
            "proxy_status": 403,
        }
    ]


def test_interception_on_the_direct_path_names_it() -> None:
    network = {"chains": fleet.CHAINS, "rules": [{"host": "*", "answer": {"chain": "zscaler"}}]}
    [found] = findings(run(fleet.base_registry(), network, urls=["https://geo.prod.do.dsp.mp.microsoft.com/"]))
    assert found["message"].startswith(
        "TLS to the Delivery Optimization service is intercepted on the direct path (a transparent proxy or "
        "firewall) (via effective): geo.prod.do.dsp.mp.microsoft.com presented a chain issued by Zscaler Root CA"
    )
    assert found["remediation"].startswith("on the direct path: exempt")


def test_a_direct_host_that_reaches_everything_has_no_findings() -> None:
    results = run(fleet.base_registry(), fleet.DIRECT_NETWORK)
    assert findings(results) == []
    assert all(r["reachable"] and r["source"] == "direct" for r in results)


def test_winhttp_default_uses_the_netsh_proxy_and_its_bypass() -> None:
    results = run(
        fleet.inspected_registry(),
        fleet.INSPECTED_NETWORK,
        urls=["https://geo.prod.do.dsp.mp.microsoft.com/", "https://kv801.prod.do.dsp.mp.microsoft.com/"],
        via=["winhttp_default"],
    )
    assert [(r["proxy"], r["source"], r["chain_root"]) for r in results] == [
        (None, "winhttp.64", "DigiCert Global Root G2"),
        (fleet.PROXY, "winhttp.64", "Zscaler Root CA"),
    ]


def test_pac_routes_are_reported_not_probed() -> None:
    registry = fleet.base_registry()
    lp = fleet.length_prefixed
    pac_blob = struct.pack("<III", 0x46, 1, 0x05) + lp("") + lp("") + lp("http://wpad/proxy.pac") + bytes(32)
    registry.set_value("HKLM", fleet.WININET_POLICY, "ProxySettingsPerUser", Value.dword(0))
    registry.set_value("HKLM", fleet.CONNECTIONS, "DefaultConnectionSettings", Value(REG_BINARY, pac_blob))
    [result] = run(registry, fleet.DIRECT_NETWORK, urls=["https://geo.prod.do.dsp.mp.microsoft.com/"])
    # Both contexts take the same PAC route (device-wide WinINET, no netsh): one shared result.
    assert result["consumers"] == ["delivery_optimization.interactive", "delivery_optimization.network_service"]
    assert (result["probed"], result["reachable"], result["source"]) == (False, None, "wininet.machine")
    assert result["error"] == (
        "not probed: the route is the PAC file http://wpad/proxy.pac, which decides per URL and is not evaluated; "
        "check the proxy it returns with via: named"
    )


def test_a_users_own_proxy_is_reported_not_probed() -> None:
    registry = fleet.base_registry()
    sid = "S-1-5-21-3623811015-3361044348-30300820-1013"
    blob = fleet.connection_blob("userproxy.corp.example:3128", "<local>")
    registry.set_value(
        "HKU",
        f"{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections",
        "DefaultConnectionSettings",
        Value(REG_BINARY, blob),
    )
    # The user is signed in at the console (a hive without a session is not an interactive user's).
    registry.set_value("HKU", f"{sid}\\Volatile Environment\\1", "SESSIONNAME", Value.string("Console"))
    results = run(registry, fleet.DIRECT_NETWORK, urls=["https://geo.prod.do.dsp.mp.microsoft.com/"])
    interactive = next(r for r in results if r["consumers"] == ["delivery_optimization.interactive"])
    assert (interactive["source"], interactive["proxy"], interactive["probed"]) == (
        f"wininet.user:{sid}",
        "userproxy.corp.example:3128",
        False,
    )
    assert interactive["error"] == (
        "not probed: the route is a user's own WinINET proxy, which the probe does not read; check it with "
        "via: named and that proxy"
    )
    network_service = next(r for r in results if r["consumers"] == ["delivery_optimization.network_service"])
    assert (network_service["source"], network_service["reachable"]) == ("direct", True)


def test_a_proxy_the_host_reads_differently_is_not_taken_for_the_probe() -> None:
    checked = request(urls=["https://kv801.prod.do.dsp.mp.microsoft.com/"], via=["winhttp_default"])
    operation, keys = probe_operation(checked)
    registry = fleet.inspected_registry()
    response = run_request(
        registry,
        protocol.build_request([read_operation(PICTURE_KEYS), operation]),
        facts={"network": fleet.INSPECTED_NETWORK},
    )
    probe = response["results"][1]
    probe["routes"][keys.index("winhttp.64")]["proxy"] = "other.example:1"
    picture = read_picture(response["results"][0])
    [result] = decide(checked, probe, keys, picture, effective(picture))
    assert result["probed"] is False
    assert result["error"] == (
        "not probed: the host read the proxy of winhttp.64 as something else than proxy.corp.example:8080 "
        "(found 'other.example:1')"
    )


@pytest.mark.parametrize(
    ("issuer", "root", "is_intercepted"),
    [
        ("CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US", "DigiCert Global Root G2", False),
        ("CN=Microsoft RSA Root Certificate Authority 2017, O=Microsoft Corporation", None, False),
        ("CN=Microsoft TLS RSA Root G2, O=Microsoft Corporation, C=US", "Microsoft TLS RSA Root G2", False),
        ("CN=Microsoft TLS ECC Root G2, O=Microsoft Corporation, C=US", "Microsoft TLS ECC Root G2", False),
        (
            "CN=Microsoft Root Certificate Authority 2011, O=Microsoft",
            "Microsoft Root Certificate Authority 2011",
            False,
        ),
        ("CN=Zscaler Root CA, OU=Zscaler Inc.", "Zscaler Root CA", True),
        ("O=Contoso, CN=Contoso Inspection CA", "Contoso Inspection CA", True),
    ],
)
def test_the_chain_root_decides_interception(issuer: str, root: str | None, is_intercepted: bool) -> None:
    found = chain_root([{"issuer": "CN=leaf"}, {"issuer": issuer}])
    assert found == (root or "Microsoft RSA Root Certificate Authority 2017")
    assert intercepted(found) is is_intercepted
    assert chain_root([]) is None and intercepted(None) is None


def test_every_finding_id_is_documented() -> None:
    documented = re.findall(r"^### (EP\d+):", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert tuple(documented) == FINDING_IDS


# --- endpoint check truth: what a proxy's answer means, which route certificate checks take ----------------------

CRL = "http://crl.microsoft.com/"
ATP = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(403, "proxy_denied"), (407, "proxy_authentication_required"), (502, "proxy_error"), (503, "proxy_error")],
)
def test_a_proxys_refusal_of_an_http_url_is_a_failure_with_its_reason(status: int, reason: str) -> None:
    # Through a proxy, an http request's answer comes from the proxy: 403, 407 or 5xx is the proxy refusing,
    # not the server being reached.
    network = {"rules": [{"host": "*", "port": 80, "via": fleet.PROXY, "answer": {"http_status": status}}]}
    [result] = run(fleet.base_registry(), network, urls=[CRL], via=["named"], proxy=fleet.PROXY)
    assert (result["reachable"], result["reason"], result["http_status"]) == (False, reason, status)


def test_a_connect_refusal_has_its_reason_and_a_direct_403_is_the_servers_answer() -> None:
    network = {
        "rules": [
            {
                "host": "*",
                "via": fleet.PROXY,
                "answer": {"stage": "proxy", "error": "the proxy answered CONNECT with HTTP 407", "proxy_status": 407},
            },
            {"host": "*", "port": 80, "via": "direct", "answer": {"http_status": 403}},
        ]
    }
    [through] = run(fleet.base_registry(), network, urls=["https://a.example/"], via=["named"], proxy=fleet.PROXY)
    assert (through["reachable"], through["reason"]) == (False, "proxy_authentication_required")
    [direct] = run(fleet.base_registry(), network, urls=[CRL], via=["direct"])
    assert (direct["reachable"], direct["reason"]) == (True, None)


def test_crl_and_ctl_urls_take_the_operating_systems_route_not_the_sensors() -> None:
    # The sensor has a static proxy, the OS (netsh) is direct: CRL and CTL downloads go direct ([MDEPX]).
    registry = fleet.base_registry()
    registry.set_value("HKLM", fleet.DATA_COLLECTION, "TelemetryProxyServer", Value.string(fleet.PROXY))
    results = run(registry, fleet.INSPECTED_NETWORK, urls=["defender_endpoint"])
    by_url = {r["url"]: r for r in results}
    for url in (CRL, "http://ctldl.windowsupdate.com/"):
        assert (by_url[url]["consumers"], by_url[url]["proxy"], by_url[url]["source"]) == (
            ["certificate_checks"],
            None,
            "direct",
        )
        assert by_url[url]["rule"] == (
            "the operating system's route for certificate checks: the WinHTTP default proxy (netsh, 64-bit view): "
            "direct"
        )
    assert by_url["https://winatp-gw-cus.microsoft.com/"]["proxy"] == fleet.PROXY


def test_prefer_static_proxy_sends_crl_checks_through_the_sensors_proxy() -> None:
    registry = fleet.base_registry()
    registry.set_value("HKLM", fleet.DATA_COLLECTION, "TelemetryProxyServer", Value.string(fleet.PROXY))
    registry.set_value("HKLM", ATP, "PreferStaticProxyForHttpRequest", Value.dword(1))
    [crl] = run(registry, fleet.INSPECTED_NETWORK, urls=[CRL])
    assert (crl["consumers"], crl["proxy"], crl["source"], crl["reachable"]) == (
        ["certificate_checks"],
        fleet.PROXY,
        "telemetry",
        True,
    )
    assert crl["rule"] == "[MDEPX] PreferStaticProxyForHttpRequest=1: the static proxy (TelemetryProxyServer)"


def test_an_unreachable_sensor_proxy_whose_direct_fallback_works_is_ep002_at_lower_severity() -> None:
    # [MDEPX]: the sensor falls back to direct access when its static proxy is unreachable.
    registry = fleet.base_registry()
    registry.set_value("HKLM", fleet.DATA_COLLECTION, "TelemetryProxyServer", Value.string("gone.corp.example:8080"))
    url = "https://winatp-gw-cus.microsoft.com/"
    [result] = run(registry, fleet.DIRECT_NETWORK, urls=[url])
    assert (result["reachable"], result["reason"], result["fallback"]) == (
        False,
        "connect_failed",
        {"via": "direct", "probed": True, "reachable": True, "reason": None},
    )
    [ep002] = findings([result])
    assert (ep002["id"], ep002["severity"]) == ("EP002", "medium")
    assert ep002["message"] == (
        "The Defender for Endpoint sensor cannot reach its service on its route, proxy gone.corp.example:8080 "
        f"(telemetry): {url}: No such host is known; the proxy is unreachable and the sensor's fallback, direct "
        "access, reaches every one of them"
    )


def test_an_unreachable_sensor_proxy_without_a_working_fallback_stays_high() -> None:
    registry = fleet.base_registry()
    registry.set_value("HKLM", fleet.DATA_COLLECTION, "TelemetryProxyServer", Value.string("gone.corp.example:8080"))
    network = {"rules": [{"host": "*", "via": "direct", "answer": {"stage": "connect", "error": "timed out"}}]}
    [ep002] = findings(run(registry, network, urls=["https://winatp-gw-cus.microsoft.com/"]))
    assert ep002["severity"] == "high"
    assert ep002["evidence"]["failures"][0]["fallback"] == {
        "via": "direct",
        "probed": True,
        "reachable": False,
        "reason": "connect_failed",
    }


# --- TLS interception for every consumer ------------------------------------------------------------------------

NEW_ROOT = "CN=Microsoft Future Root 2030, O=Microsoft Corporation, C=US"


def test_a_defender_url_behind_an_inspecting_proxy_is_ep003() -> None:
    results = run(fleet.inspected_registry(), fleet.INSPECTED_NETWORK, urls=["https://winatp-gw-cus.microsoft.com/"])
    [ep003] = [item for item in findings(results) if item["id"] == "EP003"]
    assert ep003["message"] == (
        f"TLS to the Defender for Endpoint service is intercepted on proxy {fleet.PROXY} (via effective): "
        "winatp-gw-cus.microsoft.com presented a chain issued by Zscaler Root CA, not a Microsoft public root; these "
        "connections must not go through TLS inspection"
    )
    assert (ep003["severity"], ep003["surface"], ep003["evidence"]["bases"]) == ("high", "telemetry", ["unknown_root"])


def test_maps_urls_take_defender_antiviruss_route_and_are_checked_for_interception() -> None:
    registry = fleet.base_registry()
    registry.set_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows Defender", "ProxyServer", Value.string(f"http://{fleet.PROXY}")
    )
    results = run(registry, fleet.INSPECTED_NETWORK, urls=["defender_antivirus"])
    assert {(r["consumers"][0], r["proxy"], r["source"]) for r in results} == {
        ("defender_av", fleet.PROXY, "defender.proxy_server")
    }
    [ep003] = findings(results)
    assert (ep003["id"], ep003["surface"], ep003["evidence"]["hosts"]) == (
        "EP003",
        "defender",
        ["wdcp.microsoft.com", "unitedstates.cp.wd.microsoft.com"],
    )


def test_endpoint_dlp_urls_take_the_sensors_route() -> None:
    registry = fleet.base_registry()
    registry.set_value("HKLM", fleet.DATA_COLLECTION, "TelemetryProxyServer", Value.string(fleet.PROXY))
    url = {"url": "https://dlp.example.microsoft.com/", "service": "endpoint_dlp"}
    [result] = run(registry, fleet.INSPECTED_NETWORK, urls=[url])
    assert (result["consumers"], result["proxy"], result["intercepted"]) == (["mde_sensor"], fleet.PROXY, True)
    assert [item["id"] for item in findings([result])] == ["EP003"]


def test_an_unknown_root_that_matches_the_direct_chain_is_not_interception() -> None:
    # A root the list does not know yet: the same leaf as on the direct route means nobody is in the middle.
    new_chain = [
        fleet.certificate("CN=winatp-gw-cus.microsoft.com", NEW_ROOT, "ABCD" * 10),
        fleet.certificate(NEW_ROOT, NEW_ROOT, "EF01" * 10),
    ]
    assert interception({"chain": new_chain}, {"chain": new_chain}) == (False, "same_as_direct")
    assert interception({"chain": new_chain}, None) == (True, "unknown_root")
    assert interception({"chain": fleet.CHAINS["zscaler"]}, {"chain": new_chain}) == (True, "differs_from_direct")
    assert interception({"chain": fleet.CHAINS["microsoft"]}, None) == (False, "microsoft_root")
    network = {
        "chains": {"new": new_chain},
        "rules": [{"host": "*", "port": 443, "answer": {"chain": "new"}}],
    }
    registry = fleet.base_registry()
    registry.set_value("HKLM", fleet.DATA_COLLECTION, "TelemetryProxyServer", Value.string(fleet.PROXY))
    [result] = run(registry, network, urls=["https://winatp-gw-cus.microsoft.com/"])
    assert (result["proxy"], result["intercepted"], result["interception_basis"]) == (
        fleet.PROXY,
        False,
        "same_as_direct",
    )
    assert findings([result]) == []


def test_nobody_signed_in_per_user_mode_checks_only_the_no_user_route() -> None:
    # A loaded hive with a proxy but no interactive session (the connecting account's): no interactive route exists.
    registry = fleet.base_registry()
    sid = "S-1-5-21-3623811015-3361044348-30300820-500"
    registry.set_value(
        "HKU",
        f"{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections",
        "DefaultConnectionSettings",
        Value(REG_BINARY, fleet.connection_blob("admin.corp.example:3128", "<local>")),
    )
    results = run(registry, fleet.DIRECT_NETWORK, urls=["https://geo.prod.do.dsp.mp.microsoft.com/"])
    assert [(r["consumers"], r["source"], r["reachable"]) for r in results] == [
        (["delivery_optimization.network_service"], "direct", True)
    ]


def test_a_stalled_tls_handshake_on_the_sensors_route_is_rendered_with_its_phase_and_time() -> None:
    # The sensor's direct route reaches a server that accepts TCP and never finishes the TLS handshake: the
    # endpoint result and EP002 carry the agent's message (phase, time spent, bound); reason tls_failed.
    network = {"rules": [{"host": "*", "via": "direct", "answer": {"stall": "tls"}}]}
    url = "https://events.data.microsoft.com/"
    [result] = run(fleet.base_registry(), network, urls=[url], timeout=1)
    message = (
        "the TLS handshake with events.data.microsoft.com:443 timed out after 997 ms; the probe's time bound of"
        " 1000 ms ran out"
    )
    outcome = (result["probed"], result["reachable"], result["stage"], result["reason"])
    assert outcome == (True, False, "tls", "tls_failed")
    assert result["error"] == message
    assert result["timings"] == {"connect_ms": 3, "proxy_ms": None, "tls_ms": None, "http_ms": None, "total_ms": 1000}
    [ep002] = findings([result])
    assert ep002["id"] == "EP002"
    assert ep002["message"] == (
        f"The Defender for Endpoint sensor cannot reach its service on its route, direct: {url}: {message}"
    )
    assert ep002["evidence"]["failures"] == [
        {"url": url, "stage": "tls", "error": message, "reason": "tls_failed", "proxy_status": None}
    ]
