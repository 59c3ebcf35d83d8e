"""The policy-value surfaces (telemetry, Defender, Delivery Optimization): validation, drift and plan.

Snapshots are hand-built agent read results, so every test states exactly what the host holds.
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_defender as defender
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_delivery_optimization as do
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_telemetry as telemetry
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import PolicySurface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
ATP_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"
DEFENDER_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Defender"
SPYNET_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Defender\Spynet"
DO_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
GUID = "8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11"

HOST_PORT = (
    "host:port (a host name, an IPv4 address or a bracketed IPv6 address such as [fd00::1], "
    "then a port 1-65535), e.g. proxy.corp.example:8080"
)
BYPASS_FORM = (
    "a host name, address or wildcard pattern such as *.corp.example, 10.*, <local> or <-loopback>, "
    "without spaces, quotes, ';', control or non-ASCII characters"
)
DOWNLOAD_MODES = "http_only (0), lan (1), group (2), internet (3), simple (99), bypass (100)"


def key(path: str) -> KeyAddress:
    return KeyAddress("HKLM", path, 64)


def snapshot(surface: PolicySurface, **contents: dict[str, tuple[str, t.Any]]) -> RegistrySnapshot:
    """A read of every key of ``surface``; ``contents`` maps a key's alias to its values (name -> type, data).

    Aliases: data_collection, atp, defender, spynet, do. A key without an entry does not exist.
    """
    paths = {
        "data_collection": DATA_COLLECTION,
        "atp": ATP_POLICY,
        "defender": DEFENDER_POLICY,
        "spynet": SPYNET_POLICY,
        "do": DO_POLICY,
    }
    by_path = {paths[alias].lower(): values for alias, values in contents.items()}
    keys = []
    for address in surface.registry_keys():
        values = by_path.get(address.path.lower())
        keys.append(
            {
                "hive": address.hive,
                "path": address.path,
                "view": address.view,
                "exists": values is not None,
                "values": [{"name": name, "type": kind, "data": data} for name, (kind, data) in (values or {}).items()],
                "subkeys": [],
            }
        )
    return RegistrySnapshot.from_read_result({"op": "read", "status": "ok", "keys": keys})


def raises(build: t.Callable[[dict[str, t.Any]], PolicySurface], args: dict[str, t.Any]) -> str:
    with pytest.raises(ProxyInputError) as info:
        build(args)
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# telemetry_proxy


def telemetry_args(**given: t.Any) -> dict[str, t.Any]:
    """Options as Ansible hands them over after argument-spec validation (defaults filled in)."""
    return {
        "proxy": None,
        "disable_enterprise_auth_proxy": True,
        "prefer_static_proxy_for_http_request": None,
        "state": "present",
        **given,
    }


def test_telemetry_binds_proxy_and_auth_proxy_by_default() -> None:
    surface = telemetry.surface_from_options(telemetry_args(proxy="10.0.0.6:8080"))
    assert surface.desired == {"proxy": "10.0.0.6:8080", "disable_enterprise_auth_proxy": True}
    assert surface.registry_keys() == [key(DATA_COLLECTION), key(ATP_POLICY)]
    assert surface.warnings(snapshot(surface)) == []


def test_telemetry_on_a_clean_host_sets_the_managed_values() -> None:
    surface = telemetry.surface_from_options(
        telemetry_args(proxy="proxy.corp.example:8080", prefer_static_proxy_for_http_request=True)
    )
    state = snapshot(surface)
    assert surface.describe(state) == {
        "proxy": None,
        "disable_enterprise_auth_proxy": None,
        "prefer_static_proxy_for_http_request": None,
    }
    assert surface.drift(state) == [
        {"setting": "telemetry.proxy", "current": None, "desired": "proxy.corp.example:8080"},
        {"setting": "telemetry.disable_enterprise_auth_proxy", "current": None, "desired": True},
        {"setting": "telemetry.prefer_static_proxy_for_http_request", "current": None, "desired": True},
    ]
    assert surface.plan(state) == [
        Change(
            "set_value",
            key(DATA_COLLECTION),
            "TelemetryProxyServer",
            expect=RegValue.missing(),
            value=RegValue(True, "string", "proxy.corp.example:8080"),
        ),
        Change(
            "set_value",
            key(DATA_COLLECTION),
            "DisableEnterpriseAuthProxy",
            expect=RegValue.missing(),
            value=RegValue(True, "dword", 1),
        ),
        Change(
            "set_value",
            key(ATP_POLICY),
            "PreferStaticProxyForHttpRequest",
            expect=RegValue.missing(),
            value=RegValue(True, "dword", 1),
        ),
    ]


def test_telemetry_half_configured_host_keeps_siblings_and_leaves_omitted_options_alone() -> None:
    surface = telemetry.surface_from_options(telemetry_args(proxy="proxy.corp.example:8080"))
    state = snapshot(
        surface,
        data_collection={"AllowTelemetry": ("dword", 1), "TelemetryProxyServer": ("string", "10.0.0.6:8080")},
        atp={"AllowSampleCollection": ("dword", 1), "PreferStaticProxyForHttpRequest": ("dword", 0)},
    )
    assert surface.drift(state) == [
        {"setting": "telemetry.proxy", "current": "10.0.0.6:8080", "desired": "proxy.corp.example:8080"},
        {"setting": "telemetry.disable_enterprise_auth_proxy", "current": None, "desired": True},
    ]
    assert [(change.action, change.name, change.expect) for change in surface.plan(state)] == [
        ("set_value", "TelemetryProxyServer", RegValue(True, "string", "10.0.0.6:8080")),
        ("set_value", "DisableEnterpriseAuthProxy", RegValue.missing()),
    ]
    assert surface.describe(state)["prefer_static_proxy_for_http_request"] is False


def test_telemetry_compares_the_proxy_by_meaning() -> None:
    surface = telemetry.surface_from_options(
        telemetry_args(proxy="proxy.corp.example:8080", prefer_static_proxy_for_http_request=False)
    )
    state = snapshot(
        surface,
        data_collection={
            "TelemetryProxyServer": ("string", "PROXY.Corp.Example:8080"),
            "DisableEnterpriseAuthProxy": ("dword", 1),
        },
        atp={"PreferStaticProxyForHttpRequest": ("dword", 0)},
    )
    assert surface.drift(state) == []
    assert surface.plan(state) == []


def test_telemetry_value_of_the_wrong_type_is_drift_and_rewritten_with_the_right_type() -> None:
    surface = telemetry.surface_from_options(telemetry_args(proxy="10.0.0.6:8080"))
    state = snapshot(
        surface,
        data_collection={"TelemetryProxyServer": ("dword", 1), "DisableEnterpriseAuthProxy": ("string", "1")},
    )
    assert surface.describe(state) == {
        "proxy": "<dword 1>",
        "disable_enterprise_auth_proxy": "<string '1'>",
        "prefer_static_proxy_for_http_request": None,
    }
    assert surface.drift(state) == [
        {"setting": "telemetry.proxy", "current": "<dword 1>", "desired": "10.0.0.6:8080"},
        {"setting": "telemetry.disable_enterprise_auth_proxy", "current": "<string '1'>", "desired": True},
    ]
    assert surface.plan(state) == [
        Change(
            "set_value",
            key(DATA_COLLECTION),
            "TelemetryProxyServer",
            expect=RegValue(True, "dword", 1),
            value=RegValue(True, "string", "10.0.0.6:8080"),
        ),
        Change(
            "set_value",
            key(DATA_COLLECTION),
            "DisableEnterpriseAuthProxy",
            expect=RegValue(True, "string", "1"),
            value=RegValue(True, "dword", 1),
        ),
    ]


def test_telemetry_auth_proxy_false_writes_zero_and_warns() -> None:
    surface = telemetry.surface_from_options(telemetry_args(proxy="p:1", disable_enterprise_auth_proxy=False))
    state = snapshot(surface, data_collection={"DisableEnterpriseAuthProxy": ("dword", 1)})
    assert surface.warnings(state) == [
        "disable_enterprise_auth_proxy is false: Defender for Endpoint needs DisableEnterpriseAuthProxy=1, "
        "or the sensor tries an authenticated proxy it cannot use"
    ]
    assert surface.plan(state)[1] == Change(
        "set_value",
        key(DATA_COLLECTION),
        "DisableEnterpriseAuthProxy",
        expect=RegValue(True, "dword", 1),
        value=RegValue(True, "dword", 0),
    )


def test_telemetry_absent_deletes_exactly_the_managed_values_that_exist() -> None:
    surface = telemetry.surface_from_options(telemetry_args(state="absent"))
    assert surface.desired is None
    state = snapshot(
        surface,
        data_collection={"AllowTelemetry": ("dword", 1), "TelemetryProxyServer": ("string", "10.0.0.6:8080")},
        atp={"AllowSampleCollection": ("dword", 1), "PreferStaticProxyForHttpRequest": ("dword", 1)},
    )
    assert surface.drift(state) == [
        {"setting": "telemetry.proxy", "current": "10.0.0.6:8080", "desired": None},
        {"setting": "telemetry.prefer_static_proxy_for_http_request", "current": True, "desired": None},
    ]
    assert surface.plan(state) == [
        Change(
            "delete_value",
            key(DATA_COLLECTION),
            "TelemetryProxyServer",
            expect=RegValue(True, "string", "10.0.0.6:8080"),
        ),
        Change("delete_value", key(ATP_POLICY), "PreferStaticProxyForHttpRequest", expect=RegValue(True, "dword", 1)),
    ]
    assert surface.plan(snapshot(surface)) == []
    assert surface.drift(snapshot(surface, data_collection={"AllowTelemetry": ("dword", 1)})) == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"proxy": "http://10.0.0.6:8080"},
            f"proxy: 'http://10.0.0.6:8080' is not a valid proxy; expected {HOST_PORT} without a scheme",
        ),
        ({"proxy": "10.0.0.6"}, f"proxy: '10.0.0.6' is not a valid proxy; expected {HOST_PORT}"),
        ({}, "proxy is required when state=present; expected host:port, e.g. 10.0.0.6:8080"),
        (
            {"state": "absent", "proxy": "10.0.0.6:8080"},
            "proxy cannot be used with state=absent, which removes the telemetry proxy values",
        ),
        (
            {"state": "absent", "proxy": "10.0.0.6:8080", "prefer_static_proxy_for_http_request": False},
            "proxy and prefer_static_proxy_for_http_request cannot be used with state=absent, "
            "which removes the telemetry proxy values",
        ),
    ],
    ids=["scheme", "no-port", "missing-proxy", "absent-with-proxy", "absent-with-two"],
)
def test_telemetry_validation_messages(given: dict[str, t.Any], message: str) -> None:
    assert raises(telemetry.surface_from_options, telemetry_args(**given)) == message


# ---------------------------------------------------------------------------------------------
# defender_proxy


def defender_args(**given: t.Any) -> dict[str, t.Any]:
    return {"proxy_server": None, "pac_url": None, "bypass": None, "ssl_options": None, "state": "present", **given}


def test_defender_binds_only_the_given_options() -> None:
    surface = defender.surface_from_options(defender_args(proxy_server="http://10.0.0.6:8080"))
    assert surface.desired == {"proxy_server": "http://10.0.0.6:8080"}
    assert surface.registry_keys() == [key(DEFENDER_POLICY), key(SPYNET_POLICY)]
    surface = defender.surface_from_options(
        defender_args(
            proxy_server="https://[fd00::1]:3128",
            pac_url="http://proxy.corp.example/proxy.pac",
            bypass=["<local>", "*.corp.example"],
            ssl_options=0,
        )
    )
    assert surface.desired == {
        "proxy_server": "https://[fd00::1]:3128",
        "pac_url": "http://proxy.corp.example/proxy.pac",
        "bypass": ["<local>", "*.corp.example"],
        "ssl_options": 0,
    }
    assert surface.warnings(snapshot(surface)) == []


@pytest.mark.parametrize("ssl_options", [0, 1, 2, 3])
def test_defender_accepts_every_documented_ssl_option(ssl_options: int) -> None:
    surface = defender.surface_from_options(defender_args(ssl_options=ssl_options))
    assert surface.plan(snapshot(surface)) == [
        Change(
            "set_value",
            key(SPYNET_POLICY),
            "SSLOptions",
            expect=RegValue.missing(),
            value=RegValue(True, "dword", ssl_options),
        )
    ]


def test_defender_fixes_a_proxy_without_scheme_and_adds_the_bypass() -> None:
    surface = defender.surface_from_options(
        defender_args(proxy_server="http://10.0.0.6:8080", bypass=["<local>", "*.corp.example"], ssl_options=2)
    )
    state = snapshot(
        surface,
        defender={"PUAProtection": ("dword", 1), "ProxyServer": ("string", "10.0.0.6:8080")},
        spynet={"SpynetReporting": ("dword", 2), "SubmitSamplesConsent": ("dword", 1)},
    )
    assert surface.describe(state) == {
        "proxy_server": "10.0.0.6:8080",
        "pac_url": None,
        "bypass": None,
        "ssl_options": None,
    }
    assert surface.drift(state) == [
        {"setting": "defender.proxy_server", "current": "10.0.0.6:8080", "desired": "http://10.0.0.6:8080"},
        {"setting": "defender.bypass", "current": None, "desired": ["<local>", "*.corp.example"]},
        {"setting": "defender.ssl_options", "current": None, "desired": 2},
    ]
    assert surface.plan(state) == [
        Change(
            "set_value",
            key(DEFENDER_POLICY),
            "ProxyServer",
            expect=RegValue(True, "string", "10.0.0.6:8080"),
            value=RegValue(True, "string", "http://10.0.0.6:8080"),
        ),
        Change(
            "set_value",
            key(DEFENDER_POLICY),
            "ProxyBypass",
            expect=RegValue.missing(),
            value=RegValue(True, "string", "<local>;*.corp.example"),
        ),
        Change(
            "set_value",
            key(SPYNET_POLICY),
            "SSLOptions",
            expect=RegValue.missing(),
            value=RegValue(True, "dword", 2),
        ),
    ]


def test_defender_compares_urls_and_bypass_by_meaning() -> None:
    surface = defender.surface_from_options(
        defender_args(
            proxy_server="http://proxy.corp.example:8080",
            pac_url="http://proxy.corp.example/proxy.pac",
            bypass=["<local>", "*.corp.example"],
        )
    )
    state = snapshot(
        surface,
        defender={
            "ProxyServer": ("string", "HTTP://Proxy.CORP.example:8080/"),
            "ProxyPacUrl": ("string", "http://PROXY.corp.example/proxy.pac"),
            "ProxyBypass": ("string", "*.CORP.Example; <LOCAL>"),
        },
    )
    assert surface.describe(state)["bypass"] == ["*.CORP.Example", "<LOCAL>"]
    assert surface.drift(state) == []
    assert surface.plan(state) == []


def test_defender_url_path_and_scheme_are_meaningful() -> None:
    surface = defender.surface_from_options(
        defender_args(proxy_server="https://proxy.corp.example:8080", pac_url="http://proxy.corp.example/proxy.pac")
    )
    state = snapshot(
        surface,
        defender={
            "ProxyServer": ("string", "http://proxy.corp.example:8080"),
            "ProxyPacUrl": ("string", "http://proxy.corp.example/Proxy.pac"),
        },
    )
    assert [item["setting"] for item in surface.drift(state)] == ["defender.proxy_server", "defender.pac_url"]


def test_defender_wrong_type_ssl_options_is_rewritten_as_dword() -> None:
    surface = defender.surface_from_options(defender_args(ssl_options=0))
    state = snapshot(surface, spynet={"SSLOptions": ("string", "0")})
    assert surface.drift(state) == [{"setting": "defender.ssl_options", "current": "<string '0'>", "desired": 0}]
    assert surface.plan(state) == [
        Change(
            "set_value",
            key(SPYNET_POLICY),
            "SSLOptions",
            expect=RegValue(True, "string", "0"),
            value=RegValue(True, "dword", 0),
        )
    ]


def test_defender_absent_deletes_exactly_the_managed_values_that_exist() -> None:
    surface = defender.surface_from_options(defender_args(state="absent"))
    state = snapshot(
        surface,
        defender={
            "PUAProtection": ("dword", 1),
            "ProxyServer": ("string", "10.0.0.6:8080"),
            "ProxyBypass": ("string", "<local>"),
        },
        spynet={"SpynetReporting": ("dword", 2), "SSLOptions": ("dword", 0)},
    )
    assert surface.drift(state) == [
        {"setting": "defender.proxy_server", "current": "10.0.0.6:8080", "desired": None},
        {"setting": "defender.bypass", "current": ["<local>"], "desired": None},
        {"setting": "defender.ssl_options", "current": 0, "desired": None},
    ]
    assert surface.plan(state) == [
        Change("delete_value", key(DEFENDER_POLICY), "ProxyServer", expect=RegValue(True, "string", "10.0.0.6:8080")),
        Change("delete_value", key(DEFENDER_POLICY), "ProxyBypass", expect=RegValue(True, "string", "<local>")),
        Change("delete_value", key(SPYNET_POLICY), "SSLOptions", expect=RegValue(True, "dword", 0)),
    ]
    assert surface.plan(snapshot(surface, defender={"PUAProtection": ("dword", 1)})) == []


# The four values Microsoft documents ([MDEPX]), labelled as it does.
SSL_ACCEPTED = (
    "0 (disable certificate pinning and revocation checks), "
    "1 (disable certificate pinning), "
    "2 (disable revocation checks only), "
    "3 (certificate pinning and revocation checks on (the default))"
)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"proxy_server": "10.0.0.6:8080"},
            "proxy_server: '10.0.0.6:8080' is not a valid proxy URL; expected http:// or https:// followed by "
            "host:port, e.g. http://proxy.corp.example:8080 (Defender Antivirus ignores a proxy without a scheme)",
        ),
        (
            {"proxy_server": "socks://10.0.0.6:1080"},
            "proxy_server: 'socks://10.0.0.6:1080' is not a valid proxy URL; expected http:// or https:// followed "
            "by host:port, e.g. http://proxy.corp.example:8080",
        ),
        (
            {"proxy_server": "http://proxy.corp.example:8080/path"},
            "proxy_server: 'http://proxy.corp.example:8080/path' is not a valid proxy URL; expected http:// or "
            "https:// followed by host:port, e.g. http://proxy.corp.example:8080",
        ),
        (
            {"pac_url": "proxy.corp.example/proxy.pac"},
            "pac_url: 'proxy.corp.example/proxy.pac' is not a valid URL; expected an http:// or https:// URL such "
            "as http://proxy.corp.example/proxy.pac",
        ),
        (
            {"pac_url": "file://C:/proxy.pac"},
            "pac_url: 'file://C:/proxy.pac' is not a valid URL; expected an http:// or https:// URL such "
            "as http://proxy.corp.example/proxy.pac",
        ),
        (
            {"bypass": ["<local>", "a b"]},
            f"bypass[1]: 'a b' is not a valid bypass entry; expected {BYPASS_FORM}",
        ),
        ({"bypass": ["a;b"]}, f"bypass[0]: 'a;b' is not a valid bypass entry; expected {BYPASS_FORM}"),
        ({"ssl_options": 7}, f"ssl_options: 7 is not one of {SSL_ACCEPTED}"),
        # YAML true passes Ansible's int check as True (== 1); the agent would refuse it as DWORD data.
        ({"ssl_options": True}, f"ssl_options: True is not one of {SSL_ACCEPTED}"),
        ({}, "give at least one of proxy_server, pac_url, bypass, ssl_options when state=present"),
        (
            {"state": "absent", "proxy_server": "http://p:1", "ssl_options": 0},
            "proxy_server and ssl_options cannot be used with state=absent, which removes the Defender proxy values",
        ),
    ],
    ids=[
        "no-scheme",
        "socks",
        "path",
        "pac-no-scheme",
        "pac-file",
        "bypass-space",
        "bypass-semicolon",
        "ssl-7",
        "ssl-bool",
        "nothing",
        "absent-with-options",
    ],
)
def test_defender_validation_messages(given: dict[str, t.Any], message: str) -> None:
    assert raises(defender.surface_from_options, defender_args(**given)) == message


# ---------------------------------------------------------------------------------------------
# delivery_optimization_policy


def do_args(**given: t.Any) -> dict[str, t.Any]:
    return {
        "download_mode": None,
        "group_id": None,
        "group_id_source": None,
        "cache_hosts": None,
        "cache_host_source": None,
        "disallow_cache_server_downloads_on_vpn": None,
        "state": "present",
        **given,
    }


@pytest.mark.parametrize(
    ("download_mode", "name", "data"),
    [
        ("group", "group", 2),
        (2, "group", 2),
        ("2", "group", 2),
        ("http_only", "http_only", 0),
        (0, "http_only", 0),
        ("0", "http_only", 0),
        ("lan", "lan", 1),
        (3, "internet", 3),
        ("99", "simple", 99),
        (99, "simple", 99),
    ],
)
def test_do_download_mode_by_name_number_or_digits(download_mode: object, name: str, data: int) -> None:
    surface = do.surface_from_options(do_args(download_mode=download_mode, group_id_source="ad_site"))
    assert surface.desired == {"download_mode": name, "group_id_source": "ad_site"}
    assert surface.warnings(snapshot(surface)) == []
    assert surface.plan(snapshot(surface))[0] == Change(
        "set_value", key(DO_POLICY), "DODownloadMode", expect=RegValue.missing(), value=RegValue(True, "dword", data)
    )


@pytest.mark.parametrize("download_mode", ["fast", "GROUP", "-1", " 2", 5, 101, 2.0, True, None])
def test_do_bad_download_mode(download_mode: object) -> None:
    if download_mode is None:
        # None is "not given": with nothing else given that is the no-option error.
        assert raises(do.surface_from_options, do_args()) == (
            "give at least one of download_mode, group_id, group_id_source, cache_hosts, cache_host_source, "
            "disallow_cache_server_downloads_on_vpn when state=present"
        )
        return
    assert raises(do.surface_from_options, do_args(download_mode=download_mode)) == (
        f"download_mode: {download_mode!r} is not a download mode; accepted: {DOWNLOAD_MODES}"
    )


@pytest.mark.parametrize(
    "group_id",
    [
        GUID,
        GUID.upper(),
        "{" + GUID.upper() + "}",
        " {" + GUID + "} ",
        GUID.replace("-", ""),
    ],
)
def test_do_group_id_is_normalised(group_id: str) -> None:
    surface = do.surface_from_options(do_args(download_mode="group", group_id=group_id))
    assert surface.desired == {"download_mode": "group", "group_id": GUID}
    assert surface.warnings(snapshot(surface)) == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"group_id": "not-a-guid"},
            "group_id: 'not-a-guid' is not a GUID; expected the form 01234567-89ab-cdef-0123-456789abcdef",
        ),
        (
            {"group_id": GUID[:-1]},
            f"group_id: '{GUID[:-1]}' is not a GUID; expected the form 01234567-89ab-cdef-0123-456789abcdef",
        ),
        (
            {"cache_hosts": ["mcc1.corp.example", "http://mcc2.corp.example"]},
            "cache_hosts[1]: 'http://mcc2.corp.example' is not a host name or IP address; Connected Cache hosts "
            "are given as FQDN or IP, without scheme or port",
        ),
        (
            {"cache_hosts": ["mcc1.corp.example:80"]},
            "cache_hosts[0]: 'mcc1.corp.example:80' is not a host name or IP address; Connected Cache hosts "
            "are given as FQDN or IP, without scheme or port",
        ),
        (
            {"cache_hosts": ["mcc1 .corp.example"]},
            "cache_hosts[0]: 'mcc1 .corp.example' is not a host name or IP address; Connected Cache hosts "
            "are given as FQDN or IP, without scheme or port",
        ),
        (
            {"state": "absent", "download_mode": "group", "group_id": GUID},
            "download_mode and group_id cannot be used with state=absent, "
            "which removes the Delivery Optimization values",
        ),
        (
            {"state": "absent", "disallow_cache_server_downloads_on_vpn": False},
            "disallow_cache_server_downloads_on_vpn cannot be used with state=absent, "
            "which removes the Delivery Optimization values",
        ),
    ],
    ids=["bad-guid", "short-guid", "cache-host-scheme", "cache-host-port", "cache-host-space", "absent-2", "absent-1"],
)
def test_do_validation_messages(given: dict[str, t.Any], message: str) -> None:
    assert raises(do.surface_from_options, do_args(**given)) == message


@pytest.mark.parametrize(
    ("given", "warnings"),
    [
        (
            {"download_mode": "bypass"},
            [
                "download_mode bypass (100) is deprecated and ignored on Windows 11; use simple (99) to keep "
                "downloads off the Delivery Optimization cloud (only 99 does), or http_only (0) for downloads without "
                "peering"
            ],
        ),
        (
            {"download_mode": 100},
            [
                "download_mode bypass (100) is deprecated and ignored on Windows 11; use simple (99) to keep "
                "downloads off the Delivery Optimization cloud (only 99 does), or http_only (0) for downloads without "
                "peering"
            ],
        ),
        (
            {"download_mode": "group"},
            [
                "download_mode group (2) without group_id or group_id_source: peers are grouped by AD site or "
                "domain by default, which may not be what you want"
            ],
        ),
        ({"download_mode": "lan", "group_id": GUID}, ["group_id is used only with download_mode group (2)"]),
        ({"download_mode": "group", "group_id_source": "dhcp"}, []),
        ({"group_id": GUID}, []),
        ({"download_mode": "simple"}, []),
        # Delivery Optimization reference, DOGroupIdSource: "If you set this policy, the GroupID policy will be
        # ignored."
        (
            {"download_mode": "group", "group_id": GUID, "group_id_source": "ad_site"},
            [
                "group_id and group_id_source are both given: Windows ignores DOGroupId when DOGroupIdSource is set, "
                "so peers are grouped by group_id_source; give only one"
            ],
        ),
    ],
    ids=[
        "bypass",
        "bypass-100",
        "group-alone",
        "group-id-with-lan",
        "group-source",
        "group-id-alone",
        "simple",
        "group-id-and-source",
    ],
)
def test_do_warnings(given: dict[str, t.Any], warnings: list[str]) -> None:
    surface = do.surface_from_options(do_args(**given))
    assert surface.warnings(snapshot(surface)) == warnings


def test_do_group_mode_host_gets_its_group_id_and_keeps_the_rest() -> None:
    surface = do.surface_from_options(do_args(download_mode=2, group_id="{" + GUID.upper() + "}"))
    state = snapshot(
        surface,
        do={
            "DOCacheHost": ("string", "mcc1.corp.example,mcc2.corp.example"),
            "DODownloadMode": ("dword", 2),
            "DOMaxCacheAge": ("dword", 604800),
        },
    )
    assert surface.registry_keys() == [key(DO_POLICY)]
    assert surface.describe(state) == {
        "download_mode": "group",
        "group_id": None,
        "group_id_source": None,
        "cache_hosts": ["mcc1.corp.example", "mcc2.corp.example"],
        "cache_host_source": None,
        "disallow_cache_server_downloads_on_vpn": None,
    }
    assert surface.drift(state) == [{"setting": "delivery_optimization.group_id", "current": None, "desired": GUID}]
    assert surface.plan(state) == [
        Change(
            "set_value", key(DO_POLICY), "DOGroupId", expect=RegValue.missing(), value=RegValue(True, "string", GUID)
        )
    ]


def test_do_every_option_on_a_clean_host() -> None:
    surface = do.surface_from_options(
        do_args(
            download_mode="group",
            group_id_source="entra_tenant",
            cache_hosts=["mcc1.corp.example", "10.0.0.9"],
            cache_host_source="dhcp_option_235_forced",
            disallow_cache_server_downloads_on_vpn=True,
        )
    )
    state = snapshot(surface)
    assert surface.drift(state) == [
        {"setting": "delivery_optimization.download_mode", "current": None, "desired": "group"},
        {"setting": "delivery_optimization.group_id_source", "current": None, "desired": "entra_tenant"},
        {
            "setting": "delivery_optimization.cache_hosts",
            "current": None,
            "desired": ["mcc1.corp.example", "10.0.0.9"],
        },
        {"setting": "delivery_optimization.cache_host_source", "current": None, "desired": "dhcp_option_235_forced"},
        {"setting": "delivery_optimization.disallow_cache_server_downloads_on_vpn", "current": None, "desired": True},
    ]
    assert [(change.name, change.value) for change in surface.plan(state)] == [
        ("DODownloadMode", RegValue(True, "dword", 2)),
        ("DOGroupIdSource", RegValue(True, "dword", 5)),
        ("DOCacheHost", RegValue(True, "string", "mcc1.corp.example,10.0.0.9")),
        ("DOCacheHostSource", RegValue(True, "dword", 2)),
        ("DODisallowCacheServerDownloadsOnVPN", RegValue(True, "dword", 1)),
    ]
    assert {change.expect for change in surface.plan(state)} == {RegValue.missing()}


def test_do_compares_guid_and_cache_hosts_by_meaning() -> None:
    surface = do.surface_from_options(
        do_args(download_mode="group", group_id=GUID, cache_hosts=["mcc1.corp.example", "mcc2.corp.example"])
    )
    state = snapshot(
        surface,
        do={
            "DODownloadMode": ("dword", 2),
            "DOGroupId": ("string", "{" + GUID.upper() + "}"),
            "DOCacheHost": ("string", "MCC1.corp.example, mcc2.CORP.example"),
        },
    )
    assert surface.drift(state) == []
    assert surface.plan(state) == []


def test_do_cache_host_order_matters() -> None:
    surface = do.surface_from_options(do_args(cache_hosts=["mcc1.corp.example", "mcc2.corp.example"]))
    state = snapshot(surface, do={"DOCacheHost": ("string", "mcc2.corp.example,mcc1.corp.example")})
    assert surface.drift(state) == [
        {
            "setting": "delivery_optimization.cache_hosts",
            "current": ["mcc2.corp.example", "mcc1.corp.example"],
            "desired": ["mcc1.corp.example", "mcc2.corp.example"],
        }
    ]
    assert surface.plan(state) == [
        Change(
            "set_value",
            key(DO_POLICY),
            "DOCacheHost",
            expect=RegValue(True, "string", "mcc2.corp.example,mcc1.corp.example"),
            value=RegValue(True, "string", "mcc1.corp.example,mcc2.corp.example"),
        )
    ]


def test_do_unknown_mode_number_and_wrong_type_are_shown_as_found() -> None:
    surface = do.surface_from_options(do_args(download_mode="lan"))
    state = snapshot(surface, do={"DODownloadMode": ("dword", 7), "DOGroupIdSource": ("string", "1")})
    assert surface.describe(state)["download_mode"] == 7
    assert surface.describe(state)["group_id_source"] == "<string '1'>"
    assert surface.drift(state) == [{"setting": "delivery_optimization.download_mode", "current": 7, "desired": "lan"}]
    state = snapshot(surface, do={"DODownloadMode": ("string", "1")})
    assert surface.plan(state) == [
        Change(
            "set_value",
            key(DO_POLICY),
            "DODownloadMode",
            expect=RegValue(True, "string", "1"),
            value=RegValue(True, "dword", 1),
        )
    ]


def test_do_absent_deletes_exactly_the_managed_values_that_exist() -> None:
    surface = do.surface_from_options(do_args(state="absent"))
    state = snapshot(
        surface,
        do={
            "DOCacheHost": ("string", "mcc1.corp.example,mcc2.corp.example"),
            "DODownloadMode": ("dword", 2),
            "DOGroupId": ("string", GUID),
            "DOMaxCacheAge": ("dword", 604800),
        },
    )
    assert surface.drift(state) == [
        {"setting": "delivery_optimization.download_mode", "current": "group", "desired": None},
        {"setting": "delivery_optimization.group_id", "current": GUID, "desired": None},
        {
            "setting": "delivery_optimization.cache_hosts",
            "current": ["mcc1.corp.example", "mcc2.corp.example"],
            "desired": None,
        },
    ]
    assert surface.plan(state) == [
        Change("delete_value", key(DO_POLICY), "DODownloadMode", expect=RegValue(True, "dword", 2)),
        Change("delete_value", key(DO_POLICY), "DOGroupId", expect=RegValue(True, "string", GUID)),
        Change(
            "delete_value",
            key(DO_POLICY),
            "DOCacheHost",
            expect=RegValue(True, "string", "mcc1.corp.example,mcc2.corp.example"),
        ),
    ]
    assert surface.plan(snapshot(surface, do={"DOMaxCacheAge": ("dword", 604800)})) == []
    assert surface.plan(snapshot(surface)) == []


def test_omitted_options_are_not_managed() -> None:
    surface = do.surface_from_options(do_args(disallow_cache_server_downloads_on_vpn=False))
    state = snapshot(
        surface,
        do={
            "DODownloadMode": ("dword", 100),
            "DOGroupId": ("string", "garbage"),
            "DODisallowCacheServerDownloadsOnVPN": ("dword", 0),
        },
    )
    assert surface.drift(state) == []
    assert surface.plan(state) == []
    state = snapshot(surface, do={"DODisallowCacheServerDownloadsOnVPN": ("dword", 1)})
    assert surface.drift(state) == [
        {"setting": "delivery_optimization.disallow_cache_server_downloads_on_vpn", "current": True, "desired": False}
    ]
    assert surface.plan(state)[0].value == RegValue(True, "dword", 0)
