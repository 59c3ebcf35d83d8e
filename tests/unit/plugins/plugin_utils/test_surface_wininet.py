"""The device-wide WinINET surface: option validation, drift and plan, and WinHTTP source=wininet.

Snapshots are hand-built agent read results, so every test states exactly what the host holds.
"""

from __future__ import annotations

import base64
import struct
import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_wininet as wininet
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import Desired as WinHttpDesired
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import WinHttpSurface
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._wininet_options import surface_from_options

POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = SETTINGS + r"\Connections"
POLICY_KEY = KeyAddress("HKLM", POLICY, 64)
PROXY = "proxy.corp.example:8080"
BYPASS = ("<local>", "*.corp.example")
PAC = "http://proxy.corp.example/proxy.pac"

HOST_PORT = (
    "host:port (a host name, an IPv4 address or a bracketed IPv6 address such as [fd00::1], "
    "then a port 1-65535), e.g. proxy.corp.example:8080"
)
BYPASS_FORM = (
    "a host name, address or wildcard pattern such as *.corp.example, 10.*, <local> or <-loopback>, "
    "without spaces, quotes, ';', control or non-ASCII characters"
)
PER_USER_WARNING = (
    "ProxySettingsPerUser is not 0: WinINET works per user, so neither signed-in users nor NetworkService "
    "(Delivery Optimization without a user) use these machine settings"
)
IMPORT_PER_USER_WARNING = (
    "ProxySettingsPerUser is not 0: users may use proxies of their own, so the machine WinINET settings "
    "copied by source=wininet may not be what interactive downloads use"
)


def connections(view: int) -> KeyAddress:
    return KeyAddress("HKLM", CONNECTIONS, view)


def settings_key(view: int = 64) -> KeyAddress:
    return KeyAddress("HKLM", SETTINGS, view)


def blob(
    proxy: str = "",
    bypass: str = "",
    url: str = "",
    *,
    flags: int = 0x01,
    version: int = 0x46,
    counter: int = 0,
    trailing: bytes | None = None,
) -> bytes:
    """A connection settings blob laid out as Windows writes it (32 zero bytes of padding by default)."""
    body = struct.pack("<III", version, counter, flags)
    for text in (proxy, bypass, url):
        body += struct.pack("<I", len(text)) + text.encode("ascii")
    return body + (bytes(32) if trailing is None else trailing)


def binary(data: bytes) -> tuple[str, str]:
    return ("binary", base64.b64encode(data).decode("ascii"))


def reg(kind: str, data: t.Any) -> RegValue:
    """A value as the snapshot holds it; binary data given as bytes."""
    if kind == "binary":
        return RegValue.binary(data)
    return RegValue(True, kind, data)


def snapshot(
    *,
    policy: dict[str, tuple[str, t.Any]] | None = None,
    blobs: dict[int, dict[str, bytes | tuple[str, t.Any]]] | None = None,
    flat: dict[str, tuple[str, t.Any]] | None = None,
) -> RegistrySnapshot:
    """A read of every key the WinINET surface (and WinHTTP source=wininet) reads, in both views.

    ``policy`` is the policy key's values (None: the key does not exist), ``blobs`` the Connections values per
    view (bytes are binary values), ``flat`` the 64-bit Internet Settings values.
    """
    keys = [
        {
            "hive": "HKLM",
            "path": POLICY,
            "view": 64,
            "exists": policy is not None,
            "values": [{"name": name, "type": kind, "data": data} for name, (kind, data) in (policy or {}).items()],
            "subkeys": [],
        },
        {
            "hive": "HKLM",
            "path": SETTINGS,
            "view": 64,
            "exists": True,
            "values": [{"name": name, "type": kind, "data": data} for name, (kind, data) in (flat or {}).items()],
            "subkeys": ["Connections"],
        },
    ]
    for view in (64, 32):
        values = []
        for name, content in ((blobs or {}).get(view) or {}).items():
            kind, data = binary(content) if isinstance(content, bytes) else content
            values.append({"name": name, "type": kind, "data": data})
        keys.append(
            {"hive": "HKLM", "path": CONNECTIONS, "view": view, "exists": True, "values": values, "subkeys": []}
        )
    return RegistrySnapshot.from_read_result({"op": "read", "status": "ok", "keys": keys})


def options(**args: t.Any) -> dict[str, t.Any]:
    """wininet_proxy's options after the argument spec: its defaults plus ``args``."""
    return {
        "proxy": None,
        "bypass": None,
        "auto_config_url": None,
        "auto_detect": False,
        "per_machine": True,
        "state": "present",
        "views": [64, 32],
        **args,
    }


def raises(args: dict[str, t.Any]) -> str:
    with pytest.raises(ProxyInputError) as info:
        surface_from_options(args)
    return str(info.value)


def configured(
    proxy: str = PROXY,
    bypass: str = ";".join(BYPASS),
    *,
    version: int = 0x46,
    counter: int = 6,
    trailing: bytes | None = None,
) -> dict[int, dict[str, bytes | tuple[str, t.Any]]]:
    """Both blobs in both views holding a manual proxy."""
    data = blob(proxy, bypass, flags=0x03, version=version, counter=counter, trailing=trailing)
    return {view: {"DefaultConnectionSettings": data, "SavedLegacySettings": data} for view in (64, 32)}


FLAT_PROXY = {
    "ProxyEnable": ("dword", 1),
    "ProxyServer": ("string", PROXY),
    "ProxyOverride": ("string", ";".join(BYPASS)),
}


# --- option validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"proxy": PROXY},
            "proxy cannot be used with state=absent, which sets direct access and removes the per-machine policy",
        ),
        (
            {"bypass": ["<local>"]},
            "bypass cannot be used with state=absent, which sets direct access and removes the per-machine policy",
        ),
        (
            {"auto_config_url": PAC},
            "auto_config_url cannot be used with state=absent, which sets direct access and removes the "
            "per-machine policy",
        ),
        (
            {"auto_detect": True},
            "auto_detect cannot be used with state=absent, which sets direct access and removes the per-machine policy",
        ),
        (
            {"proxy": PROXY, "bypass": ["<local>"], "auto_config_url": PAC, "auto_detect": True},
            "proxy and bypass and auto_config_url and auto_detect cannot be used with state=absent, which sets "
            "direct access and removes the per-machine policy",
        ),
    ],
)
def test_absent_rejects_every_setting_by_name(args: dict[str, t.Any], message: str) -> None:
    assert raises(options(state="absent", **args)) == message


def test_absent_alone_and_with_auto_detect_false_is_accepted() -> None:
    surface = surface_from_options(options(state="absent", per_machine=False))
    assert surface.absent is True
    assert surface.desired == wininet.Desired(per_machine=None)
    assert surface.desired.is_direct
    assert surface.views == [64, 32]


@pytest.mark.parametrize("args", [{}, {"bypass": ["<local>"]}, {"auto_detect": False, "per_machine": False}])
def test_present_needs_proxy_pac_or_auto_detect(args: dict[str, t.Any]) -> None:
    assert raises(options(**args)) == "give proxy, auto_config_url or auto_detect=true when state=present"


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        (
            "http://bad host:8080",
            f"proxy: 'http://bad host:8080' is not a valid proxy; expected {HOST_PORT}, optionally after http://",
        ),
        (
            "https://proxy.corp.example:8080",
            f"proxy: 'https://proxy.corp.example:8080' is not a valid proxy; expected {HOST_PORT} without a scheme",
        ),
        (
            "http=proxy.corp.example:8080;<local>",
            "proxy: '<local>' in 'http=proxy.corp.example:8080;<local>' is not scheme=host:port; expected a "
            "per-scheme proxy such as http=proxy.corp.example:8080;https=proxy.corp.example:8443",
        ),
        ("gopher=p:70", "proxy: unknown scheme 'gopher'; accepted schemes: http, https, ftp, socks"),
        ("proxy.corp.example:0", f"proxy: 'proxy.corp.example:0' is not a valid proxy; expected {HOST_PORT}"),
        (8080, f"proxy: 8080 is not a valid proxy; expected {HOST_PORT}"),
        ({}, "proxy: the per-scheme dict is empty; name at least one of http, https, ftp, socks"),
        (
            {"gopher": "p:70"},
            "proxy: unknown scheme 'gopher'; accepted schemes: http, https, ftp, socks",
        ),
        ({"https": "p:0"}, f"proxy.https: 'p:0' is not a valid proxy; expected {HOST_PORT}"),
    ],
)
def test_bad_proxy(proxy: t.Any, message: str) -> None:
    assert raises(options(proxy=proxy)) == message


@pytest.mark.parametrize(
    ("bypass", "message"),
    [
        ("<local>", f"bypass: expected a list of entries, each {BYPASS_FORM}"),
        (["<local>", "a b"], f"bypass[1]: 'a b' is not a valid bypass entry; expected {BYPASS_FORM}"),
        (["a;b"], f"bypass[0]: 'a;b' is not a valid bypass entry; expected {BYPASS_FORM}"),
        (["<local>", ""], f"bypass[1]: '' is not a valid bypass entry; expected {BYPASS_FORM}"),
        (["h\u00e9"], f"bypass[0]: 'h\\xe9' is not a valid bypass entry; expected {BYPASS_FORM}"),
    ],
)
def test_bad_bypass(bypass: t.Any, message: str) -> None:
    assert raises(options(proxy=PROXY, bypass=bypass)) == message


@pytest.mark.parametrize(
    "url",
    ["ftp://proxy.corp.example/proxy.pac", "proxy.corp.example/proxy.pac", "http://bad host/p.pac", "http://h:0/"],
)
def test_bad_auto_config_url(url: str) -> None:
    assert raises(options(auto_config_url=url)) == (
        f"auto_config_url: '{url}' is not a valid URL; expected an http:// or https:// URL such as "
        "http://proxy.corp.example/proxy.pac"
    )


@pytest.mark.parametrize(
    "proxy",
    [
        # What ansible.windows.win_inet_proxy takes, and what WinINET stores (real_world_blobs entry 2).
        "http=proxy.corp.example:8080;https=proxy.corp.example:8443",
        "proxy.corp.example",
        "http://127.20.20.20:3128",
        {"http": "proxy.corp.example", "https": "http://proxy.corp.example:8443"},
    ],
)
def test_stock_proxy_forms_are_stored_as_given(proxy: t.Any) -> None:
    expected = proxy if isinstance(proxy, str) else ";".join(f"{k}={v}" for k, v in proxy.items())
    assert surface_from_options(options(proxy=proxy)).desired.proxy == expected


def test_an_empty_proxy_alone_is_state_absent() -> None:
    surface = surface_from_options(options(proxy="", bypass=[""]))
    assert (surface.absent, surface.desired) == (True, wininet.Desired(per_machine=None))
    assert surface_from_options(options(proxy="", auto_detect=True)).desired == wininet.Desired(auto_detect=True)
    assert raises(options(proxy="", bypass=["<local>"])) == (
        "bypass cannot be used with proxy='' alone, which sets direct access (as in ansible.windows.win_inet_proxy) "
        "like state=absent"
    )


def test_a_host_without_port_complies_with_the_same_host_on_port_80() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={
            64: {
                name: blob("http://Proxy.corp.example:80", "<local>", flags=0x03)
                for name in ("DefaultConnectionSettings", "SavedLegacySettings")
            }
        },
        flat={"ProxyEnable": ("dword", 1), "ProxyServer": ("string", "proxy.corp.example:80"),
              "ProxyOverride": ("string", "<local>")},
    )  # fmt: skip
    surface = surface_from_options(options(proxy="proxy.corp.example", bypass=["<local>"], views=[64]))
    assert (surface.drift(state), surface.plan(state)) == ([], [])


def test_empty_auto_config_url_is_rejected_not_taken_for_direct_access() -> None:
    # An empty string is not a PAC URL; before the fix it passed the "give proxy, auto_config_url or
    # auto_detect" check and was then dropped, so state=present silently configured direct access.
    assert raises(options(auto_config_url="")) == (
        "auto_config_url: '' is not a valid URL; expected an http:// or https:// URL such as "
        "http://proxy.corp.example/proxy.pac"
    )


@pytest.mark.parametrize(
    ("views", "message"),
    [
        ([], "views: name at least one registry view, 64 or 32"),
        (None, "views: name at least one registry view, 64 or 32"),
        ([64, 16], "views: 16 is not a registry view; accepted: 64, 32"),
    ],
)
def test_bad_views(views: t.Any, message: str) -> None:
    assert raises(options(proxy=PROXY, views=views)) == message
    # The views are checked first, whatever else is wrong.
    assert raises(options(state="absent", proxy=PROXY, views=views)) == message


def test_views_are_deduplicated_in_order() -> None:
    assert surface_from_options(options(proxy=PROXY, views=[32, 64, 32])).views == [32, 64]


def test_present_builds_the_desired_state() -> None:
    surface = surface_from_options(
        options(proxy={"http": "p1:80", "https": "p2:443"}, bypass=["<local>", "*.corp"], per_machine=False)
    )
    assert surface.absent is False
    assert surface.desired == wininet.Desired(
        proxy="http=p1:80;https=p2:443", bypass=("<local>", "*.corp"), per_machine=None
    )
    assert surface_from_options(options(auto_config_url=PAC, auto_detect=True)).desired == wininet.Desired(
        auto_config_url=PAC, auto_detect=True, per_machine=True
    )


# --- flat values --------------------------------------------------------------------------------------------------


def test_flat_values_of_a_manual_proxy() -> None:
    assert wininet.Desired(proxy=PROXY, bypass=BYPASS).flat_values() == {
        "ProxyEnable": RegValue(True, "dword", 1),
        "ProxyServer": RegValue(True, "string", PROXY),
        "ProxyOverride": RegValue(True, "string", "<local>;*.corp.example"),
        "AutoConfigURL": RegValue.missing(),
    }
    assert wininet.Desired(proxy=PROXY).flat_values()["ProxyOverride"] == RegValue.missing()


def test_flat_values_of_pac_only_ignore_the_bypass() -> None:
    assert wininet.Desired(auto_config_url=PAC, bypass=BYPASS).flat_values() == {
        "ProxyEnable": RegValue(True, "dword", 0),
        "ProxyServer": RegValue.missing(),
        "ProxyOverride": RegValue.missing(),
        "AutoConfigURL": RegValue(True, "string", PAC),
    }


def test_flat_values_of_auto_detect_only_and_of_direct_access() -> None:
    direct = {
        "ProxyEnable": RegValue(True, "dword", 0),
        "ProxyServer": RegValue.missing(),
        "ProxyOverride": RegValue.missing(),
        "AutoConfigURL": RegValue.missing(),
    }
    assert wininet.Desired(auto_detect=True).flat_values() == direct
    assert wininet.Desired().flat_values() == direct


# --- per-machine mode ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"ProxySettingsPerUser": ("dword", 0)}, True),
        ({"proxysettingsperuser": ("dword", 0)}, True),
        ({"ProxySettingsPerUser": ("dword", 1)}, False),
        ({"EnableAutoProxyResultCache": ("dword", 0)}, False),
        (None, False),
        ({"ProxySettingsPerUser": ("string", "0")}, False),
        ({"ProxySettingsPerUser": ("qword", 0)}, False),
    ],
    ids=["policy-0", "name-case", "policy-1", "missing", "no-key", "string", "qword"],
)
def test_per_machine_mode(policy: dict[str, tuple[str, t.Any]] | None, expected: bool) -> None:
    assert wininet.per_machine_mode(snapshot(policy=policy)) is expected


# --- describe -----------------------------------------------------------------------------------------------------


def test_registry_keys_read_the_flat_values_only_in_the_64_bit_view() -> None:
    assert wininet.WinInetSurface(wininet.Desired(proxy=PROXY), [64, 32]).registry_keys() == [
        POLICY_KEY,
        connections(64),
        settings_key(64),
        connections(32),
    ]
    assert wininet.WinInetSurface(wininet.Desired(proxy=PROXY), [32]).registry_keys() == [POLICY_KEY, connections(32)]


def test_describe_in_meaning_not_bytes() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={
            64: {"DefaultConnectionSettings": blob(PROXY, "<local>;;*.corp.example", PAC, flags=0x0F)},
            32: {"DefaultConnectionSettings": blob("", "<local>", PAC, flags=0x03)},
        },
        flat={**FLAT_PROXY, "AutoConfigURL": ("string", PAC)},
    )
    assert wininet.WinInetSurface(wininet.Desired(proxy=PROXY), [64, 32]).describe(state) == {
        "per_machine": True,
        "64": {
            "proxy": PROXY,
            "bypass": ["<local>", "*.corp.example"],
            "auto_config_url": PAC,
            "auto_detect": True,
            "flat": {
                "ProxyEnable": 1,
                "ProxyServer": PROXY,
                "ProxyOverride": "<local>;*.corp.example",
                "AutoConfigURL": PAC,
            },
        },
        # The PAC URL is stored but its flag is off; the proxy flag is on with an empty proxy: WinINET uses
        # neither (real_world_blobs entries 6 and 38), so both read as unused.
        "32": {
            "proxy": None,
            "bypass": ["<local>"],
            "auto_config_url": None,
            "auto_detect": False,
            "disabled": {"auto_config_url": PAC},
        },
    }


def test_describe_a_host_without_blobs_or_flat_values() -> None:
    assert wininet.WinInetSurface(None, [64, 32]).describe(snapshot()) == {
        "per_machine": False,
        "64": {
            "proxy": None,
            "bypass": [],
            "auto_config_url": None,
            "auto_detect": False,
            "flat": {"ProxyEnable": None, "ProxyServer": None, "ProxyOverride": None, "AutoConfigURL": None},
        },
        "32": {"proxy": None, "bypass": [], "auto_config_url": None, "auto_detect": False},
    }


# --- drift and plan -----------------------------------------------------------------------------------------------


def test_0x3c_blob_with_unknown_trailing_bytes_and_the_right_proxy_complies() -> None:
    trailing = bytes.fromhex("deadbeef") + bytes(24)
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0), "EnableAutoProxyResultCache": ("dword", 0)},
        blobs=configured(version=0x3C, counter=41, trailing=trailing),
        flat=FLAT_PROXY,
    )
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS)))
    assert surface.drift(state) == []
    assert surface.plan(state) == []
    assert surface.warnings(state) == []
    assert surface.describe(state)["32"] == {
        "proxy": PROXY,
        "bypass": list(BYPASS),
        "auto_config_url": None,
        "auto_detect": False,
    }


def test_bypass_differing_only_in_case_and_order_complies() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs=configured("PROXY.Corp.Example:8080", "*.CORP.example;<LOCAL>"),
        flat={
            "ProxyEnable": ("dword", 1),
            "ProxyServer": ("string", "Proxy.corp.example:8080"),
            "ProxyOverride": ("string", "*.Corp.Example;<local>"),
        },
    )
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS)))
    assert surface.drift(state) == []
    assert surface.plan(state) == []


def test_per_user_policy_is_set_to_per_machine() -> None:
    policy_value = ("dword", 1)
    state = snapshot(
        policy={"ProxySettingsPerUser": policy_value, "EnableAutoProxyResultCache": ("dword", 0)},
        blobs=configured(),
        flat=FLAT_PROXY,
    )
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS)))
    assert surface.drift(state) == [{"setting": "wininet.per_machine", "current": False, "desired": True}]
    assert surface.plan(state) == [
        Change(
            "set_value",
            POLICY_KEY,
            "ProxySettingsPerUser",
            expect=RegValue(True, "dword", 1),
            value=RegValue(True, "dword", 0),
        )
    ]
    assert surface.warnings(state) == []


def test_missing_policy_is_created_expecting_absence() -> None:
    state = snapshot(policy=None, blobs=configured(), flat=FLAT_PROXY)
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS)))
    assert surface.plan(state) == [
        Change(
            "set_value", POLICY_KEY, "ProxySettingsPerUser", expect=RegValue.missing(), value=RegValue(True, "dword", 0)
        )
    ]


@pytest.mark.parametrize(
    "policy", [{"ProxySettingsPerUser": ("dword", 1)}, None, {"ProxySettingsPerUser": ("string", "0")}]
)
def test_per_machine_false_leaves_the_policy_alone_and_warns(policy: dict[str, tuple[str, t.Any]] | None) -> None:
    state = snapshot(policy=policy, blobs=configured(), flat=FLAT_PROXY)
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), per_machine=False))
    assert surface.drift(state) == []
    assert surface.plan(state) == []
    assert surface.warnings(state) == [PER_USER_WARNING]


def test_per_machine_false_on_a_per_machine_host_neither_changes_nor_warns() -> None:
    state = snapshot(policy={"ProxySettingsPerUser": ("dword", 0)}, blobs=configured(), flat=FLAT_PROXY)
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), per_machine=False))
    assert (surface.drift(state), surface.plan(state), surface.warnings(state)) == ([], [], [])


def test_absent_on_a_configured_host_goes_direct_keeping_version_and_trailing_bytes() -> None:
    trailing = bytes.fromhex("0102030405") + bytes(27)
    saved = blob(PROXY, "<local>", flags=0x03, counter=3)
    default = blob(PROXY, ";".join(BYPASS), flags=0x03, counter=9, trailing=trailing)
    pac = blob(PROXY, ";".join(BYPASS), PAC, flags=0x07, version=0x3C, counter=0xFFFFFFFF, trailing=bytes(28))
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0), "EnableAutoProxyResultCache": ("dword", 0)},
        blobs={
            64: {"DefaultConnectionSettings": default, "SavedLegacySettings": saved},
            32: {"DefaultConnectionSettings": pac},
        },
        flat={**FLAT_PROXY, "AutoConfigURL": ("string", PAC)},
    )
    # The proxy text was in use, so it goes with the proxy; text already unused is kept (next test).
    surface = surface_from_options(options(state="absent"))
    changes = surface.plan(state)
    assert changes == [
        Change("delete_value", POLICY_KEY, "ProxySettingsPerUser", expect=RegValue(True, "dword", 0)),
        Change(
            "set_value",
            connections(64),
            "DefaultConnectionSettings",
            expect=reg("binary", default),
            value=reg("binary", blob(counter=10, trailing=trailing)),
        ),
        Change(
            "set_value",
            connections(64),
            "SavedLegacySettings",
            expect=reg("binary", saved),
            value=reg("binary", blob(counter=4)),
        ),
        Change(
            "set_value",
            settings_key(),
            "ProxyEnable",
            expect=RegValue(True, "dword", 1),
            value=RegValue(True, "dword", 0),
        ),
        Change("delete_value", settings_key(), "ProxyServer", expect=RegValue(True, "string", PROXY)),
        Change("delete_value", settings_key(), "ProxyOverride", expect=RegValue(True, "string", ";".join(BYPASS))),
        Change("delete_value", settings_key(), "AutoConfigURL", expect=RegValue(True, "string", PAC)),
        # The counter wraps; the 0x3C version and its 28 bytes of padding are kept.
        Change(
            "set_value",
            connections(32),
            "DefaultConnectionSettings",
            expect=reg("binary", pac),
            value=reg("binary", blob(version=0x3C, counter=0, trailing=bytes(28))),
        ),
    ]
    direct: dict[str, t.Any] = {"proxy": None, "bypass": [], "auto_config_url": None, "auto_detect": False}
    assert surface.drift(state) == [
        {"setting": "wininet.per_machine", "current": True, "desired": None},
        {
            "setting": "wininet.64.DefaultConnectionSettings",
            "current": {"proxy": PROXY, "bypass": list(BYPASS), "auto_config_url": None, "auto_detect": False},
            "desired": direct,
        },
        {
            "setting": "wininet.64.SavedLegacySettings",
            "current": {"proxy": PROXY, "bypass": ["<local>"], "auto_config_url": None, "auto_detect": False},
            "desired": direct,
        },
        {"setting": "wininet.64.ProxyEnable", "current": 1, "desired": 0},
        {"setting": "wininet.64.ProxyServer", "current": PROXY, "desired": None},
        {"setting": "wininet.64.ProxyOverride", "current": ";".join(BYPASS), "desired": None},
        {"setting": "wininet.64.AutoConfigURL", "current": PAC, "desired": None},
        {
            "setting": "wininet.32.DefaultConnectionSettings",
            "current": {"proxy": PROXY, "bypass": list(BYPASS), "auto_config_url": PAC, "auto_detect": False},
            "desired": direct,
        },
    ]
    assert surface.warnings(state) == []
    # Applying the plan leaves a host that complies.
    after = state.overlay((change.address, change.name, change.result) for change in changes)
    assert surface.drift(after) == []
    assert surface.plan(after) == []


def test_absent_keeps_disabled_text_unless_clear_disabled() -> None:
    # A direct host whose dialog kept the old proxy and PAC text with their boxes unticked
    # (real_world_blobs entries 20-23): that is direct already, so nothing drifts and nothing is written.
    kept = blob(PROXY, "<local>", PAC, flags=0x01, counter=4)
    state = snapshot(
        blobs={64: {"DefaultConnectionSettings": kept}},
        flat={"ProxyEnable": ("dword", 0), "ProxyServer": ("string", PROXY), "ProxyOverride": ("string", "<local>")},
    )
    surface = surface_from_options(options(state="absent", views=[64]))
    assert (surface.drift(state), surface.plan(state)) == ([], [])
    clearing = surface_from_options(options(state="absent", views=[64], clear_disabled=True))
    direct = {"proxy": None, "bypass": [], "auto_config_url": None, "auto_detect": False}
    assert clearing.drift(state) == [
        {
            "setting": "wininet.64.DefaultConnectionSettings",
            "current": {**direct, "bypass": ["<local>"], "disabled": {"proxy": PROXY, "auto_config_url": PAC}},
            "desired": direct,
        },
        {"setting": "wininet.64.ProxyServer", "current": PROXY, "desired": None},
        {"setting": "wininet.64.ProxyOverride", "current": "<local>", "desired": None},
    ]
    after = state.overlay((change.address, change.name, change.result) for change in clearing.plan(state))
    assert after.value(connections(64), "DefaultConnectionSettings").as_bytes() == blob(counter=5)
    assert clearing.drift(after) == []


def test_a_present_write_keeps_disabled_text() -> None:
    # The Carnival export (real_world_blobs entry 38): a PAC URL stored with its flag off stays, still off.
    stored = blob("old.corp.example:3128", "<local>", PAC, flags=0x03, counter=7)
    state = snapshot(blobs={64: {"DefaultConnectionSettings": stored}}, flat=FLAT_PROXY)
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), views=[64]))
    (change,) = [change for change in surface.plan(state) if change.name == "DefaultConnectionSettings"]
    assert change.value is not None
    assert change.value.as_bytes() == blob(PROXY, ";".join(BYPASS), PAC, flags=0x03, counter=8)


def test_absent_with_the_per_user_policy_deletes_it_and_does_not_warn() -> None:
    state = snapshot(policy={"ProxySettingsPerUser": ("dword", 1)}, flat={"ProxyEnable": ("dword", 0)})
    surface = surface_from_options(options(state="absent"))
    assert surface.drift(state) == [{"setting": "wininet.per_machine", "current": False, "desired": None}]
    assert surface.plan(state) == [
        Change("delete_value", POLICY_KEY, "ProxySettingsPerUser", expect=RegValue(True, "dword", 1))
    ]
    assert surface.warnings(state) == []


def test_absent_on_a_host_without_blobs_writes_no_blob() -> None:
    surface = surface_from_options(options(state="absent"))
    state = snapshot(policy={"EnableAutoProxyResultCache": ("dword", 0)}, flat={"ProxyEnable": ("dword", 0)})
    assert (surface.drift(state), surface.plan(state), surface.warnings(state)) == ([], [], [])
    # A freshly installed machine has no ProxyEnable: Windows reads that as 0, so nothing drifts.
    bare = snapshot()
    assert (surface.drift(bare), surface.plan(bare), surface.warnings(bare)) == ([], [], [])


def test_absent_leaves_a_direct_blob_as_it_is() -> None:
    direct = blob(counter=2)
    state = snapshot(
        blobs={view: {"DefaultConnectionSettings": direct} for view in (64, 32)}, flat={"ProxyEnable": ("dword", 0)}
    )
    assert surface_from_options(options(state="absent")).plan(state) == []


def test_present_on_a_host_without_blobs_writes_what_a_fresh_windows_would() -> None:
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), views=[32]))
    state = snapshot(policy={"ProxySettingsPerUser": ("dword", 0)})
    fresh = reg("binary", blob(PROXY, ";".join(BYPASS), flags=0x03, counter=1))
    assert surface.plan(state) == [
        Change("set_value", connections(32), name, expect=RegValue.missing(), value=fresh)
        for name in ("DefaultConnectionSettings", "SavedLegacySettings")
    ]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (
            bytes.fromhex("46000000"),
            "DefaultConnectionSettings blob is truncated: counter at offset 4 needs 4 bytes, 0 remain",
        ),
        (
            blob()[:12] + struct.pack("<I", 40) + b"short",
            "DefaultConnectionSettings blob is truncated: proxy length 40 at offset 12 exceeds the 5 bytes that follow",
        ),
        (("string", PROXY), "DefaultConnectionSettings is a string value, expected binary"),
    ],
    ids=["truncated-dword", "truncated-string", "wrong-type"],
)
def test_undecodable_blob_is_rewritten_from_scratch_with_a_warning(content: t.Any, error: str) -> None:
    saved = blob(PROXY, ";".join(BYPASS), flags=0x03, counter=6)
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={64: {"DefaultConnectionSettings": content, "SavedLegacySettings": saved}},
        flat=FLAT_PROXY,
    )
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), views=[64]))
    assert surface.warnings(state) == [f"64-bit view: {error}; the value will be rewritten"]
    assert surface.describe(state)["64"]["error"] == error
    assert surface.describe(state)["64"]["proxy"] is None
    assert surface.drift(state) == [
        {
            "setting": "wininet.64.DefaultConnectionSettings",
            "current": {"error": error},
            "desired": {"proxy": PROXY, "bypass": list(BYPASS), "auto_config_url": None, "auto_detect": False},
        }
    ]
    expect = reg("binary", content) if isinstance(content, bytes) else RegValue(True, *content)
    assert surface.plan(state) == [
        Change(
            "set_value",
            connections(64),
            "DefaultConnectionSettings",
            expect=expect,
            value=reg("binary", blob(PROXY, ";".join(BYPASS), flags=0x03, counter=1)),
        )
    ]


def test_undecodable_blob_is_rewritten_direct_by_absent() -> None:
    state = snapshot(blobs={32: {"SavedLegacySettings": bytes(8)}})
    surface = surface_from_options(options(state="absent", views=[32]))
    assert surface.plan(state) == [
        Change(
            "set_value",
            connections(32),
            "SavedLegacySettings",
            expect=reg("binary", bytes(8)),
            value=reg("binary", blob(counter=1)),
        )
    ]


def test_undecodable_saved_legacy_settings_is_named_in_the_warning() -> None:
    state = snapshot(blobs={32: {"SavedLegacySettings": bytes(8)}})
    surface = surface_from_options(options(state="absent", views=[32]))
    assert surface.warnings(state) == [
        "32-bit view: SavedLegacySettings blob is truncated: flags at offset 8 needs 4 bytes, 0 remain; "
        "the value will be rewritten"
    ]


def test_flat_values_only_in_the_64_bit_view() -> None:
    state = snapshot(policy={"ProxySettingsPerUser": ("dword", 0)})
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS)))
    changes = surface.plan(state)
    flat = [change for change in changes if change.address.path == SETTINGS]
    assert [(change.address.view, change.name) for change in flat] == [
        (64, "ProxyEnable"),
        (64, "ProxyServer"),
        (64, "ProxyOverride"),
    ]
    assert [(change.address.view, change.name) for change in changes if change.address.path == CONNECTIONS] == [
        (64, "DefaultConnectionSettings"),
        (64, "SavedLegacySettings"),
        (32, "DefaultConnectionSettings"),
        (32, "SavedLegacySettings"),
    ]
    assert all(change.expect == RegValue.missing() for change in changes)
    assert "flat" not in surface.describe(state)["32"]
    assert [item["setting"] for item in surface.drift(state)] == [
        "wininet.64.DefaultConnectionSettings",
        "wininet.64.SavedLegacySettings",
        "wininet.64.ProxyEnable",
        "wininet.64.ProxyServer",
        "wininet.64.ProxyOverride",
        "wininet.32.DefaultConnectionSettings",
        "wininet.32.SavedLegacySettings",
    ]
    # With only the 32-bit view, the flat values are neither read nor written.
    only32 = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), views=[32]))
    assert {change.address.path for change in only32.plan(state)} == {CONNECTIONS}
    assert "flat" not in only32.describe(state)["32"]


def test_flat_values_are_compared_by_meaning_and_type() -> None:
    surface = surface_from_options(options(auto_config_url=PAC, views=[64]))
    pac_blob = blob(url=PAC, flags=0x05, counter=2)
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={64: {"DefaultConnectionSettings": pac_blob, "SavedLegacySettings": pac_blob}},
        flat={"ProxyEnable": ("string", "0"), "AutoConfigURL": ("string", "HTTP://PROXY.corp.example/proxy.pac")},
    )
    assert surface.drift(state) == [{"setting": "wininet.64.ProxyEnable", "current": "0", "desired": 0}]
    assert surface.plan(state) == [
        Change(
            "set_value",
            settings_key(),
            "ProxyEnable",
            expect=RegValue(True, "string", "0"),
            value=RegValue(True, "dword", 0),
        )
    ]


def test_auto_detect_is_switched_off_unless_asked_for() -> None:
    wpad = blob(PROXY, ";".join(BYPASS), flags=0x0B, counter=7)
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={64: {"DefaultConnectionSettings": wpad, "SavedLegacySettings": wpad}},
        flat=FLAT_PROXY,
    )
    surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS), views=[64]))
    assert [change.value for change in surface.plan(state)] == [
        reg("binary", blob(PROXY, ";".join(BYPASS), flags=0x03, counter=8))
    ] * 2


# --- WinHTTP source=wininet ---------------------------------------------------------------------------------------


def test_source_wininet_reads_the_policy_and_the_64_bit_wininet_blob() -> None:
    assert WinHttpSurface(None, [64, 32]).registry_keys() == [
        connections(64),
        connections(32),
        POLICY_KEY,
        connections(64),
    ]


def test_source_wininet_copies_the_manual_proxy_and_bypass() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={
            64: {"DefaultConnectionSettings": blob(PROXY, "<local>;*.corp.example", flags=0x03)},
            # The 32-bit WinINET blob is not the source.
            32: {"DefaultConnectionSettings": blob("other.corp.example:3128", flags=0x03)},
        },
    )
    surface = WinHttpSurface(None, [64, 32])
    assert surface.desired(state) == WinHttpDesired("named_proxy", PROXY, BYPASS)
    assert surface.warnings(state) == []
    assert surface.drift(state) == [
        {"setting": f"winhttp.{view}.{name}", "current": current, "desired": desired}
        for view in (64, 32)
        for name, current, desired in (
            ("access_type", "direct", "named_proxy"),
            ("proxy", None, PROXY),
            ("bypass", [], list(BYPASS)),
        )
    ]
    expected = bytes.fromhex("180000000000000003000000") + struct.pack("<I", len(PROXY)) + PROXY.encode()
    expected += struct.pack("<I", 22) + b"<local>;*.corp.example"
    assert surface.plan(state) == [
        Change(
            "set_value", connections(view), "WinHttpSettings", expect=RegValue.missing(), value=reg("binary", expected)
        )
        for view in (64, 32)
    ]


def test_source_wininet_pac_only_is_direct_with_a_warning() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={64: {"DefaultConnectionSettings": blob("", "", PAC, flags=0x05)}},
    )
    surface = WinHttpSurface(None, [64, 32])
    assert surface.desired(state) == WinHttpDesired("direct")
    assert surface.plan(state) == []
    assert surface.warnings(state) == [
        "source=wininet copies only the manual proxy and bypass list: the machine's PAC URL cannot be expressed in "
        "WinHTTP's static proxy"
    ]


def test_source_wininet_with_pac_and_auto_detect_names_both() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={64: {"DefaultConnectionSettings": blob(PROXY, "<local>", PAC, flags=0x0F)}},
    )
    surface = WinHttpSurface(None, [64])
    assert surface.desired(state) == WinHttpDesired("named_proxy", PROXY, ("<local>",))
    assert surface.warnings(state) == [
        "source=wininet copies only the manual proxy and bypass list: the machine's PAC URL and auto-detection "
        "cannot be expressed in WinHTTP's static proxy"
    ]


def test_source_wininet_ignores_a_stored_proxy_whose_flag_is_off() -> None:
    state = snapshot(
        policy={"ProxySettingsPerUser": ("dword", 0)},
        blobs={64: {"DefaultConnectionSettings": blob(PROXY, "<local>", flags=0x01)}},
    )
    assert WinHttpSurface(None, [64]).desired(state) == WinHttpDesired("direct")


@pytest.mark.parametrize("policy", [None, {"ProxySettingsPerUser": ("dword", 1)}])
def test_source_wininet_in_per_user_mode_warns(policy: dict[str, tuple[str, t.Any]] | None) -> None:
    state = snapshot(policy=policy, blobs={64: {"DefaultConnectionSettings": blob(counter=2)}})
    surface = WinHttpSurface(None, [64, 32])
    assert surface.desired(state) == WinHttpDesired("direct")
    assert (surface.drift(state), surface.plan(state)) == ([], [])
    assert surface.warnings(state) == [IMPORT_PER_USER_WARNING]


def test_source_wininet_follows_the_wininet_settings_planned_before_it() -> None:
    # converge() plans WinHTTP against the state the WinINET surface will leave.
    state = snapshot(blobs={64: {"DefaultConnectionSettings": blob(counter=2)}})
    wininet_surface = surface_from_options(options(proxy=PROXY, bypass=list(BYPASS)))
    after = state.overlay((change.address, change.name, change.result) for change in wininet_surface.plan(state))
    surface = WinHttpSurface(None, [64, 32])
    assert surface.desired(after) == WinHttpDesired("named_proxy", PROXY, BYPASS)
    assert surface.warnings(after) == []
