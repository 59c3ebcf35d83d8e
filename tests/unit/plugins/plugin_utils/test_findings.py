"""proxy_facts' findings: for every rule of the catalogue, a host that triggers it and one that must not.

Messages are asserted exactly: reports and users read them, and they are documented in docs/findings.md.
"""

from __future__ import annotations

import pathlib
import re
import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import (
    delivery_optimization_group,
    effective,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import (
    CATALOGUE,
    SOURCES,
    findings,
    not_bypassed,
    proxy_endpoint,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import read_picture
from tests.unit.plugins.plugin_utils.test_effective import (
    INET_PROXY,
    NETSH_PROXY,
    PAC,
    SID,
    USER_PROXY,
    host,
    inet_blob,
    winhttp_blob,
)

DO_BYPASS = "<local>;*.do.dsp.mp.microsoft.com"
DOCS = pathlib.Path(__file__).parents[4] / "docs" / "findings.md"
DOPX = "[DOPX] Delivery Optimization and proxy: https://learn.microsoft.com/windows/deployment/do/delivery-optimization-proxy"
MDEPX = (
    "[MDEPX] Configure your devices to connect to the Defender for Endpoint service using a proxy: "
    "https://learn.microsoft.com/defender-endpoint/configure-proxy-internet"
)
AUTH_OFF = {"DisableEnterpriseAuthProxy": ("dword", 1)}


def found(*, profile: str | None = None, **host_args: t.Any) -> list[dict[str, t.Any]]:
    picture = read_picture(host(**host_args))
    return findings(picture, effective(picture), profile=profile)


def only(rule_id: str, *, profile: str | None = None, **host_args: t.Any) -> list[dict[str, t.Any]]:
    """The findings of one rule for a host."""
    return [item for item in found(profile=profile, **host_args) if item["id"] == rule_id]


def messages(rule_id: str, *, profile: str | None = None, **host_args: t.Any) -> list[str]:
    return [item["message"] for item in only(rule_id, profile=profile, **host_args)]


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_catalogue_ids_are_unique_and_documented() -> None:
    ids = [rule.id for rule in CATALOGUE]
    assert ids == [
        "DO001",
        "DO002",
        "DO003",
        "DO004",
        "DO005",
        "DO006",
        "DO007",
        "WH001",
        "WH002",
        "MDE001",
        "MDE002",
        "MDE003",
        "MDE004",
        "MDE005",
        "AV001",
        "AU001",
    ]
    documented = re.findall(r"^## (\S+):", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert documented == ids
    for rule in CATALOGUE:
        assert rule.severity in ("high", "medium", "low")
        assert rule.source in SOURCES


def test_a_clean_host_has_no_findings() -> None:
    assert (
        found(
            per_machine=True,
            machine=inet_blob(INET_PROXY, DO_BYPASS),
            telemetry={"TelemetryProxyServer": ("string", INET_PROXY), **AUTH_OFF},
            defender={"ProxyServer": ("string", f"http://{INET_PROXY}")},
            do={"DODownloadMode": ("dword", 1)},
            build="22631",
        )
        == []
    )


def test_finding_shape() -> None:
    (item,) = only("DO004", do={"DODownloadMode": ("dword", 2)})
    assert item == {
        "id": "DO004",
        "severity": "low",
        "surface": "delivery_optimization",
        "message": "DODownloadMode is 2 (Group) without DOGroupId or DOGroupIdSource: peers are grouped by AD site "
        "or domain by default, which may not be the group you mean",
        "evidence": {"DODownloadMode": 2, "DOGroupId": None, "DOGroupIdSource": None},
        "remediation": "proxyfleet.windows.delivery_optimization_policy group_id or group_id_source",
        "source": "[ADMX] DeliveryOptimization.admx, as documented in the Delivery Optimization reference: "
        "https://learn.microsoft.com/windows/deployment/do/waas-delivery-optimization-reference",
    }


# --- DO001: DO service endpoints not bypassed --------------------------------------------------------------------


def test_do001_device_wide_proxy_without_the_do_bypass() -> None:
    (item,) = only("DO001", per_machine=True, machine=inet_blob(INET_PROXY, "<local>;geo.prod.do.dsp.mp.microsoft.com"))
    assert item["message"] == (
        "Delivery Optimization (interactive and network_service) uses proxy inet.corp.example:8080 from "
        "wininet.machine without bypassing *.do.dsp.mp.microsoft.com: the DO service must be reached directly "
        "unless the proxy leaves TLS, content and the client IP untouched"
    )
    assert item["evidence"]["not_bypassed"] == [
        "array801.prod.do.dsp.mp.microsoft.com",
        "kv801.prod.do.dsp.mp.microsoft.com",
        "cp801.prod.do.dsp.mp.microsoft.com",
        "disc801.prod.do.dsp.mp.microsoft.com",
        "geover.prod.do.dsp.mp.microsoft.com",
        "geo-prod.do.dsp.mp.microsoft.com",
        "geover-prod.do.dsp.mp.microsoft.com",
    ]
    assert (item["surface"], item["remediation"], item["source"]) == (
        "wininet",
        "proxyfleet.windows.wininet_proxy bypass: add *.do.dsp.mp.microsoft.com",
        DOPX,
    )


def test_do001_one_finding_per_proxy_source() -> None:
    items = only("DO001", per_machine=True, machine=inet_blob(INET_PROXY, DO_BYPASS), netsh=NETSH_PROXY)
    assert [(item["surface"], item["message"], item["remediation"]) for item in items] == [
        (
            "winhttp",
            "Delivery Optimization (network_service) uses proxy netsh.corp.example:3128 from winhttp.64 without "
            "bypassing *.do.dsp.mp.microsoft.com: the DO service must be reached directly unless the proxy "
            "leaves TLS, content and the client IP untouched",
            "proxyfleet.windows.winhttp_proxy bypass: add *.do.dsp.mp.microsoft.com",
        )
    ]


def test_do001_a_users_proxy_is_fixed_by_per_machine_mode() -> None:
    (item,) = only("DO001", per_machine=False, users={SID: inet_blob(USER_PROXY)})
    assert item["remediation"] == (
        "proxyfleet.windows.wininet_proxy per_machine: true with bypass including *.do.dsp.mp.microsoft.com "
        "(the collection does not edit users' own settings)"
    )


@pytest.mark.parametrize(
    "bypass",
    ["*.do.dsp.mp.microsoft.com", "*.microsoft.com", "*.DO.dsp.mp.microsoft.com", "https://*.microsoft.com", "*"],
)
def test_do001_not_raised_when_a_wildcard_covers_the_service(bypass: str) -> None:
    assert messages("DO001", per_machine=True, machine=inet_blob(INET_PROXY, bypass)) == []


def test_do001_the_prod_wildcard_alone_misses_geo_prod_and_geover_prod() -> None:
    # The DO endpoint table names geo-prod.do.dsp.mp.microsoft.com and geover-prod.do.dsp.mp.microsoft.com, outside
    # *.prod.do.dsp.mp.microsoft.com; [DOPX] gives *.do.dsp.mp.microsoft.com for cloud proxies.
    bypass = "<local>;*.prod.do.dsp.mp.microsoft.com"
    (item,) = only("DO001", per_machine=True, machine=inet_blob(INET_PROXY, bypass))
    assert item["evidence"]["not_bypassed"] == [
        "geo-prod.do.dsp.mp.microsoft.com",
        "geover-prod.do.dsp.mp.microsoft.com",
    ]


def test_do001_not_raised_for_direct_or_pac_routes() -> None:
    assert messages("DO001", per_machine=True, machine=inet_blob(pac=PAC)) == []
    assert messages("DO001") == []


def test_not_bypassed_ignores_local_and_loopback() -> None:
    assert len(not_bypassed(["<local>", "<-loopback>", "microsoft.com"])) == 8


# --- DO002: device-wide WinINET and WinHTTP disagree -------------------------------------------------------------


def test_do002_device_wide_and_netsh_differ() -> None:
    (item,) = only("DO002", per_machine=True, machine=inet_blob(INET_PROXY, DO_BYPASS), netsh=NETSH_PROXY)
    assert item["message"] == (
        "Device-wide WinINET and WinHTTP disagree: Delivery Optimization downloads with a user signed in go proxy "
        "inet.corp.example:8080 (bypass: <local>;*.do.dsp.mp.microsoft.com), without one (NetworkService) "
        "proxy netsh.corp.example:3128 (bypass: none)"
    )
    # [DOPX] recommends the device-wide WinINET proxy for both contexts and advises against netsh: the netsh
    # reset comes first, the copy into netsh only for a proxy that needs no authentication.
    assert item["remediation"] == NETSH_RESET
    assert (item["severity"], item["surface"]) == ("medium", "winhttp")


def test_do002_direct_device_wide_with_netsh_proxy() -> None:
    assert messages("DO002", per_machine=True, netsh=NETSH_PROXY) == [
        "Device-wide WinINET and WinHTTP disagree: Delivery Optimization downloads with a user signed in go direct, "
        "without one (NetworkService) proxy netsh.corp.example:3128 (bypass: none)"
    ]


def test_do002_not_raised_when_both_name_the_same_proxy_and_bypass() -> None:
    assert (
        messages(
            "DO002",
            per_machine=True,
            machine=inet_blob(INET_PROXY.upper(), DO_BYPASS),
            netsh=INET_PROXY,
            netsh_bypass="*.do.dsp.mp.microsoft.com;<local>",
        )
        == []
    )


def test_do002_not_raised_in_per_user_mode() -> None:
    assert messages("DO002", per_machine=False, users={SID: inet_blob(USER_PROXY)}, netsh=NETSH_PROXY) == []


# --- DO003: per-user mode, NetworkService gets no proxy ----------------------------------------------------------


def test_do003_machine_proxy_in_per_user_mode() -> None:
    (item,) = only("DO003", per_machine=False, machine=inet_blob(INET_PROXY), users={SID: inet_blob(USER_PROXY)})
    assert item["message"] == (
        "WinINET is in per-user mode (ProxySettingsPerUser is not 0) and WinHTTP is direct, so Delivery "
        "Optimization without a signed-in user (NetworkService) gets no proxy, although the machine WinINET settings "
        "name proxy inet.corp.example:8080 (bypass: none) and user "
        f"{SID} uses proxy user.corp.example:8080 (bypass: none)"
    )
    assert item["evidence"]["ProxySettingsPerUser"] == 1
    assert item["remediation"] == (
        "proxyfleet.windows.wininet_proxy per_machine: true with the machine proxy, so NetworkService uses it too"
    )


def test_do003_ignores_the_connecting_accounts_hive() -> None:
    # The account Ansible connects with has a hive in HKU (WinRM loads it) but is nobody's interactive user.
    host_args = {"per_machine": False, "users": {SID: inet_blob(USER_PROXY)}, "signed_in": []}
    assert messages("DO003", **host_args) == []


def test_do003_policy_not_set_counts_as_per_user() -> None:
    assert messages("DO003", machine=inet_blob(pac=PAC)) == [
        "WinINET is in per-user mode (ProxySettingsPerUser is not 0) and WinHTTP is direct, so Delivery "
        "Optimization without a signed-in user (NetworkService) gets no proxy, although the machine WinINET settings "
        f"name PAC {PAC}"
    ]


@pytest.mark.parametrize(
    "host_args",
    [
        {"per_machine": True, "machine": inet_blob(INET_PROXY)},
        {"per_machine": False, "users": {SID: inet_blob(USER_PROXY)}, "netsh": NETSH_PROXY},
        {"per_machine": False, "users": {SID: inet_blob(auto_detect=True)}},
    ],
    ids=["per-machine mode", "netsh gives NetworkService a proxy", "no proxy expected"],
)
def test_do003_not_raised(host_args: dict[str, t.Any]) -> None:
    assert messages("DO003", **host_args) == []


# --- DO004: group mode without group -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "do",
    [
        {"DODownloadMode": ("dword", 2), "DOGroupId": ("string", "8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11")},
        {"DODownloadMode": ("dword", 2), "DOGroupIdSource": ("dword", 1)},
        {"DODownloadMode": ("dword", 1)},
    ],
    ids=["group id", "group id source", "not group mode"],
)
def test_do004_not_raised(do: dict[str, tuple[str, t.Any]]) -> None:
    assert messages("DO004", do=do) == []


def test_do004_source_zero_is_unset() -> None:
    assert len(messages("DO004", do={"DODownloadMode": ("dword", 2), "DOGroupIdSource": ("dword", 0)})) == 1


# --- DO005: download mode 100 on Windows 11 ---------------------------------------------------------------------


def test_do005_bypass_mode_on_windows11() -> None:
    (item,) = only("DO005", do={"DODownloadMode": ("dword", 100)}, build="22631")
    assert item["message"] == "DODownloadMode is 100 (Bypass) on Windows 11 (build 22631), where it is deprecated"
    # Only 99 keeps downloads off the DO cloud: the DO FAQ says mode '0' "will disable peer-to-peer and provide hash
    # checks", and '99' "should only be used when the device is offline".
    assert item["remediation"] == (
        "proxyfleet.windows.delivery_optimization_policy download_mode: simple (99) to keep downloads off the "
        "Delivery Optimization cloud, or http_only (0) for downloads without peering (which still get their hash "
        "checks from the Delivery Optimization cloud service)"
    )


@pytest.mark.parametrize(("mode", "build"), [(100, "19045"), (100, None), (99, "22631")])
def test_do005_not_raised(mode: int, build: str | None) -> None:
    assert messages("DO005", do={"DODownloadMode": ("dword", mode)}, build=build) == []


# --- DO006: netsh proxy carries the no-user downloads -------------------------------------------------------------

NETSH_RESET = (
    "proxyfleet.windows.winhttp_proxy state: absent (netsh reset), so downloads with no user signed in use the "
    "device-wide WinINET proxy (proxyfleet.windows.wininet_proxy per_machine: true), the configuration [DOPX] "
    "recommends for both contexts; proxyfleet.windows.winhttp_proxy source: wininet only for a proxy that needs no "
    "authentication"
)


@pytest.mark.parametrize(
    "host_args",
    [
        # [DOPX]: with no user signed in "the netsh configuration takes precedence. This can result in download
        # failures such as HTTP_E_STATUS_PROXY_AUTH_REQ" -- even when both name the same proxy.
        {"per_machine": True, "machine": inet_blob(NETSH_PROXY, DO_BYPASS), "netsh": NETSH_PROXY},
        {"netsh": NETSH_PROXY},
    ],
    ids=["device-wide + netsh, same proxy", "netsh only"],
)
def test_do006_netsh_proxy_cannot_authenticate(host_args: dict[str, t.Any]) -> None:
    (item,) = only("DO006", **host_args)
    assert item["message"] == (
        "A netsh WinHTTP proxy (netsh.corp.example:3128) is set, so Delivery Optimization downloads with no user "
        "signed in (NetworkService) go through it: netsh offers no authentication to the proxy, so behind a proxy "
        "that requires it these downloads fail (HTTP_E_STATUS_PROXY_AUTH_REQ)"
    )
    assert (item["severity"], item["surface"], item["remediation"], item["source"]) == (
        "medium",
        "winhttp",
        NETSH_RESET,
        DOPX,
    )


def test_do006_not_raised_with_netsh_reset() -> None:
    assert messages("DO006", per_machine=True, machine=inet_blob(INET_PROXY, DO_BYPASS)) == []


# --- DO007: DOGroupIdSource wins over DOGroupId ------------------------------------------------------------------

GROUP = "8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11"


def test_do007_group_id_ignored_when_a_source_is_set() -> None:
    do = {"DODownloadMode": ("dword", 2), "DOGroupId": ("string", GROUP), "DOGroupIdSource": ("dword", 1)}
    (item,) = only("DO007", do=do)
    # Delivery Optimization reference, DOGroupIdSource: "If you set this policy, the GroupID policy will be ignored."
    assert item["message"] == (
        f"DOGroupIdSource is 1 (ad_site) and DOGroupId is {GROUP}: when DOGroupIdSource is set, Delivery Optimization "
        "ignores DOGroupId, so peers are grouped by ad_site, not by that GUID"
    )
    assert item["remediation"] == (
        "keep one: proxyfleet.windows.delivery_optimization_policy group_id_source for the ad_site grouping (and "
        "remove DOGroupId), or group_id alone for the GUID (remove DOGroupIdSource)"
    )
    assert (item["severity"], item["surface"]) == ("low", "delivery_optimization")
    picture = read_picture(host(do=do))
    assert delivery_optimization_group(picture) == {
        "group_id": None,
        "group_id_source": "ad_site",
        "rule": f"[ADMX] DOGroupIdSource 1 is set, so it decides the group; DOGroupId {GROUP} is ignored",
    }


@pytest.mark.parametrize(
    "do",
    [{"DOGroupId": ("string", GROUP)}, {"DOGroupId": ("string", GROUP), "DOGroupIdSource": ("dword", 0)}],
    ids=["group id alone", "source 0 is not set"],
)
def test_do007_not_raised(do: dict[str, tuple[str, t.Any]]) -> None:
    assert messages("DO007", do={"DODownloadMode": ("dword", 2), **do}) == []
    assert delivery_optimization_group(read_picture(host(do={"DODownloadMode": ("dword", 2), **do})))["group_id"] == (
        GROUP
    )


# --- WH001: WinHTTP views differ --------------------------------------------------------------------------------


def test_wh001_views_differ() -> None:
    (item,) = only("WH001", netsh=NETSH_PROXY, netsh_bypass="<local>", netsh32=winhttp_blob())
    assert item["message"] == (
        "The 64-bit and 32-bit WinHTTP views differ: 64-bit proxy netsh.corp.example:3128 (bypass: <local>), 32-bit "
        "direct; 32-bit processes use another proxy than 64-bit ones"
    )
    assert (
        item["remediation"]
        == "proxyfleet.windows.winhttp_proxy views: [64, 32] (the default) with the proxy both should use"
    )
    assert item["source"] == (
        "[NETSH] Netsh commands for WinHTTP: https://learn.microsoft.com/windows/win32/winhttp/netsh-exe-commands"
    )


def test_wh001_unreadable_view() -> None:
    assert messages("WH001", netsh32=b"\x18\x00") == [
        "The 64-bit and 32-bit WinHTTP views differ: 64-bit direct, 32-bit unreadable (WinHttpSettings blob is "
        "truncated: header at offset 0 needs 4 bytes, 2 remain); 32-bit processes use another proxy than 64-bit ones"
    ]


def test_wh001_not_raised_when_views_mean_the_same() -> None:
    same = winhttp_blob(NETSH_PROXY.upper(), "b.example;a.example")
    assert messages("WH001", netsh=NETSH_PROXY, netsh_bypass="a.example;b.example", netsh32=same) == []


# --- WH002: ftp= and socks= entries WinHTTP ignores ------------------------------------------------------------


def test_wh002_ftp_and_socks_entries_of_the_winhttp_proxy() -> None:
    proxy = "http=p.corp.example:80;https=p.corp.example:443;socks=s.corp.example:1080"
    items = only("WH002", netsh=proxy)
    assert [item["message"] for item in items] == [
        f"The {view}-bit WinHTTP proxy has socks=s.corp.example:1080: WinHTTP requests are http or https, so it never "
        "uses ftp= or socks= entries of its default proxy"
        for view in (64, 32)
    ]
    assert items[0]["severity"] == "low"
    assert items[0]["source"] == (
        "[WINHTTPSCHEME] INTERNET_SCHEME (WinHTTP): https://learn.microsoft.com/windows/win32/winhttp/internet-scheme"
    )
    assert only("WH002", netsh="http=p.corp.example:80;https=p.corp.example:443") == []


# --- MDE001: telemetry proxy without DisableEnterpriseAuthProxy=1 ------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "found_text"), [(None, "not set"), (("dword", 0), "0"), (("dword", 2), "2")], ids=["unset", "0", "2"]
)
def test_mde001_auth_proxy_not_disabled(auth: tuple[str, int] | None, found_text: str) -> None:
    telemetry = {"TelemetryProxyServer": ("string", "10.0.0.6:8080")}
    if auth is not None:
        telemetry["DisableEnterpriseAuthProxy"] = auth
    (item,) = only("MDE001", telemetry=telemetry)
    assert item["message"] == (
        f"TelemetryProxyServer 10.0.0.6:8080 is set without DisableEnterpriseAuthProxy=1 (found: {found_text}): "
        "the sensor tries an authenticated proxy it cannot use"
    )
    assert (item["surface"], item["remediation"], item["source"]) == (
        "telemetry",
        "proxyfleet.windows.telemetry_proxy disable_enterprise_auth_proxy: true",
        MDEPX,
    )


def test_mde001_not_raised() -> None:
    assert messages("MDE001", telemetry={"TelemetryProxyServer": ("string", "10.0.0.6:8080"), **AUTH_OFF}) == []
    assert messages("MDE001", telemetry={"DisableEnterpriseAuthProxy": ("dword", 0)}) == []


# --- MDE002: telemetry proxy with a scheme ------------------------------------------------------------------------


def test_mde002_scheme_in_telemetry_proxy() -> None:
    (item,) = only("MDE002", telemetry={"TelemetryProxyServer": ("string", "http://10.0.0.6:8080/"), **AUTH_OFF})
    assert item["message"] == (
        "TelemetryProxyServer is http://10.0.0.6:8080/, with a scheme: it takes server:port or ip:port only"
    )
    assert item["remediation"] == "proxyfleet.windows.telemetry_proxy proxy: 10.0.0.6:8080"


def test_mde002_not_raised() -> None:
    assert messages("MDE002", telemetry={"TelemetryProxyServer": ("string", "10.0.0.6:8080"), **AUTH_OFF}) == []


# --- MDE003: PreferStaticProxyForHttpRequest on offline devices -------------------------------------------------

TELEMETRY = {"TelemetryProxyServer": ("string", "10.0.0.6:8080"), **AUTH_OFF}


def test_mde003_offline_profile() -> None:
    (item,) = only("MDE003", profile="offline", telemetry=TELEMETRY, netsh="10.0.0.6:8080")
    assert item["message"] == (
        "PreferStaticProxyForHttpRequest is not 1 while TelemetryProxyServer 10.0.0.6:8080 is set on a device of the "
        "offline profile: the sensor's HTTP requests may not use the static proxy"
    )
    assert item["remediation"] == "proxyfleet.windows.telemetry_proxy prefer_static_proxy_for_http_request: true"


def test_mde003_offline_profile_is_high() -> None:
    (item,) = only("MDE003", profile="offline", telemetry=TELEMETRY)
    assert item["severity"] == "high"


def test_mde003_is_only_a_low_hint_on_a_standard_device_without_a_configured_proxy() -> None:
    # [MDEPX]: "If you're using Transparent proxy or WPAD in your network topology, you don't need special
    # configuration settings." Such a device looks like this one (no configured OS proxy): never high.
    (item,) = only("MDE003", telemetry=TELEMETRY, atp={"PreferStaticProxyForHttpRequest": ("dword", 0)})
    assert item["severity"] == "low"
    assert item["message"] == (
        "PreferStaticProxyForHttpRequest is not 1 while TelemetryProxyServer 10.0.0.6:8080 is set and the OS has no "
        "configured proxy of its own (WinHTTP direct, no device-wide WinINET proxy); this matters only if the device "
        "is otherwise offline (no WPAD, no transparent proxy): the sensor's HTTP requests may not use the static proxy"
    )


@pytest.mark.parametrize(
    ("host_args", "profile"),
    [
        ({"telemetry": TELEMETRY, "atp": {"PreferStaticProxyForHttpRequest": ("dword", 1)}}, "offline"),
        ({"telemetry": TELEMETRY, "netsh": "10.0.0.6:8080"}, None),
        ({"telemetry": TELEMETRY, "netsh": "10.0.0.6:8080"}, "online"),
        ({"telemetry": TELEMETRY, "per_machine": True, "machine": inet_blob(INET_PROXY)}, None),
        ({}, "offline"),
    ],
    ids=["set", "winhttp proxy, no profile", "other profile", "device-wide wininet proxy", "no telemetry proxy"],
)
def test_mde003_not_raised(host_args: dict[str, t.Any], profile: str | None) -> None:
    assert messages("MDE003", profile=profile, **host_args) == []


# --- MDE004: Defender AV proxy without a system route for revocation checks --------------------------------------

SPYNET = r"SOFTWARE\Policies\Microsoft\Windows Defender\Spynet"
AV_PROXY = {"ProxyServer": ("string", "http://10.0.0.7:8080")}


def test_mde004_offline_av_proxy_with_revocation_checks_and_no_system_proxy() -> None:
    (item,) = only("MDE004", profile="offline", telemetry=TELEMETRY, defender=AV_PROXY)
    assert item["message"] == (
        "Defender Antivirus uses the static proxy http://10.0.0.7:8080 on an offline-profile device while "
        "certificate revocation checks stay on (SSLOptions not set (3, the default)) and the operating system has no "
        "WinHTTP proxy to fetch revocation lists through: Defender Antivirus's cloud connections cannot pass their "
        "revocation check"
    )
    assert (item["severity"], item["surface"]) == ("high", "winhttp")
    assert item["remediation"] == (
        "give the operating system a system-wide proxy, Microsoft's preferred fix: proxyfleet.windows.winhttp_proxy "
        "proxy: host:port (the defender_endpoint role: defender_endpoint_winhttp: mirror); or "
        "proxyfleet.windows.defender_proxy ssl_options: 2 (revocation checks off, certificate pinning kept)"
    )


@pytest.mark.parametrize(
    ("host_args", "profile"),
    [
        # [MDEPX]: "Defender antivirus and EDR proxies can be set independently": a difference alone is no finding.
        ({"telemetry": TELEMETRY, "defender": AV_PROXY, "netsh": "10.0.0.8:3128"}, None),
        ({"telemetry": TELEMETRY, "defender": AV_PROXY, "netsh": "10.0.0.8:3128"}, "offline"),
        ({"telemetry": TELEMETRY, "defender": AV_PROXY}, None),
        ({"defender": AV_PROXY, "raw": {(SPYNET, 64): {"SSLOptions": ("dword", 2)}}}, "offline"),
        ({"defender": AV_PROXY, "raw": {(SPYNET, 64): {"SSLOptions": ("dword", 0)}}}, "offline"),
        ({"telemetry": TELEMETRY}, "offline"),
    ],
    ids=[
        "three different proxies",
        "offline with a system proxy",
        "standard device",
        "revocation off (2)",
        "revocation off (0)",
        "no AV proxy",
    ],
)
def test_mde004_not_raised(host_args: dict[str, t.Any], profile: str | None) -> None:
    assert messages("MDE004", profile=profile, **host_args) == []


@pytest.mark.parametrize(
    ("proxy", "endpoint"),
    [
        ("http://Proxy.Example:8080/", "proxy.example:8080"),
        ("http=a.example:80;https=b.example:443", "b.example:443"),
        ("http=a.example:80", "a.example:80"),
        ("10.0.0.6:8080", "10.0.0.6:8080"),
    ],
)
def test_proxy_endpoint(proxy: str, endpoint: str) -> None:
    assert proxy_endpoint(proxy) == endpoint


# --- MDE005: OS older than the update Microsoft recommends for the static proxy --------------------------------

OS_KEY = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def os_version(build: str, ubr: int) -> dict[tuple[str, int], dict[str, tuple[str, t.Any]]]:
    return {(OS_KEY, 64): {"CurrentBuild": ("string", build), "UBR": ("dword", ubr)}}


def test_mde005_static_proxy_on_a_build_older_than_the_recommended_update() -> None:
    # [MDEPX]: with the registry static proxy, Windows Server 2019 should have KB5011503 (March 2022) or later.
    (item,) = only("MDE005", telemetry=TELEMETRY, raw=os_version("17763", 2600))
    assert item["message"] == (
        "TelemetryProxyServer 10.0.0.6:8080 is set on build 17763.2600, older than the cumulative update Microsoft "
        "recommends for the static proxy (KB5011503, build 17763.2686), which improves the reliability of the "
        "sensor's command and control channel"
    )
    assert (item["severity"], item["remediation"]) == (
        "low",
        "install KB5011503 or a later cumulative update (Windows Update); the MsSense version is not read",
    )


@pytest.mark.parametrize(
    "host_args",
    [
        {"telemetry": TELEMETRY, "raw": os_version("17763", 2686)},
        {"telemetry": TELEMETRY, "raw": os_version("22631", 1)},
        {"raw": os_version("17763", 1)},
        {"telemetry": TELEMETRY},
    ],
    ids=["recommended update", "later release", "no static proxy", "unknown update revision"],
)
def test_mde005_not_raised(host_args: dict[str, t.Any]) -> None:
    assert messages("MDE005", **host_args) == []


# --- AV001: Defender ProxyServer without scheme --------------------------------------------------------------------


def test_av001_proxy_server_without_scheme() -> None:
    (item,) = only("AV001", defender={"ProxyServer": ("string", "10.0.0.6:8080")})
    assert item["message"] == (
        "Defender Antivirus ProxyServer is 10.0.0.6:8080, without http:// or https://, which Defender Antivirus "
        "requires"
    )
    assert (item["severity"], item["surface"], item["remediation"]) == (
        "high",
        "defender",
        "proxyfleet.windows.defender_proxy proxy_server: http://10.0.0.6:8080",
    )


@pytest.mark.parametrize("proxy", ["http://10.0.0.6:8080", "HTTPS://proxy.example:443"])
def test_av001_not_raised(proxy: str) -> None:
    assert messages("AV001", defender={"ProxyServer": ("string", proxy)}) == []
