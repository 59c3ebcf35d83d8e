"""proxy_facts' picture and effective routes: which proxy each consumer uses, and why.

Hosts are hand-built agent read results (the fixed keys of PICTURE_KEYS plus the concrete HKU keys a wildcard
read returns), so every test states exactly what the host holds. The Delivery Optimization cases are the rows
of settings.md's table "Which proxy Delivery Optimization uses" ([DOPX]), one case per row and column.
"""

from __future__ import annotations

import base64
import struct
import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import effective
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import (
    PICTURE_KEYS,
    ProxyPicture,
    read_picture,
    same_account,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import KeyAddress

INET_PROXY = "inet.corp.example:8080"
NETSH_PROXY = "netsh.corp.example:3128"
USER_PROXY = "user.corp.example:8080"
PAC = "http://pac.corp.example/proxy.pac"
SID = "S-1-5-21-1111111111-2222222222-3333333333-1001"
SID2 = "S-1-5-21-1111111111-2222222222-3333333333-1002"

POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = SETTINGS + r"\Connections"
OS_VERSION = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
ATP = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"
DEFENDER = r"SOFTWARE\Policies\Microsoft\Windows Defender"
DO_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
USER_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
USER_CONNECTIONS = USER_SETTINGS + r"\Connections"

DO_TABLE = "[DOPX] 'Which proxy Delivery Optimization uses'"
AV_ORDER = "[ADMX] WindowsDefender.admx fallback order (proxy server, PAC, none, system proxy settings, autodetect)"

Values = dict[str, tuple[str, t.Any]]


def lp(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("ascii")


def winhttp_blob(proxy: str | None = None, bypass: str = "") -> bytes:
    """A WinHttpSettings value as netsh writes it; no proxy is the reset (direct) value."""
    if proxy is None:
        return bytes.fromhex("1800000000000000010000000000000000000000")
    return struct.pack("<III", 0x18, 0, 0x03) + lp(proxy) + lp(bypass)


def inet_blob(proxy: str = "", bypass: str = "", pac: str = "", *, auto_detect: bool = False) -> bytes:
    """A DefaultConnectionSettings value: a flag for each non-empty string and for auto-detect."""
    flags = 0x01 | (0x02 if proxy else 0) | (0x04 if pac else 0) | (0x08 if auto_detect else 0)
    return struct.pack("<III", 0x46, 1, flags) + lp(proxy) + lp(bypass) + lp(pac) + bytes(32)


def binary(data: bytes) -> tuple[str, str]:
    return ("binary", base64.b64encode(data).decode("ascii"))


def entry(hive: str, path: str, view: int, values: Values | None) -> dict[str, t.Any]:
    """One key of a read result; ``values`` None means the key does not exist."""
    return {
        "hive": hive,
        "path": path,
        "view": view,
        "exists": values is not None,
        "values": [{"name": name, "type": kind, "data": data} for name, (kind, data) in (values or {}).items()],
        "subkeys": [],
    }


def host(
    *,
    netsh: str | None = None,
    netsh_bypass: str = "",
    netsh32: bytes | None = None,
    per_machine: bool | None = None,
    machine: bytes | None = None,
    users: dict[str, bytes | Values] | None = None,
    telemetry: Values | None = None,
    atp: Values | None = None,
    defender: Values | None = None,
    do: Values | None = None,
    build: str | None = "19045",
    raw: dict[tuple[str, int], Values] | None = None,
    signed_in: t.Iterable[str] | None = None,
    accounts: dict[str, str] | None = None,
) -> dict[str, t.Any]:
    """A read result for PICTURE_KEYS.

    ``signed_in`` names the users that own a console session (``Volatile Environment\\1``; None: every user of
    ``users``), ``accounts`` the ``DOMAIN\\name`` in a user's ``Volatile Environment``.

    ``netsh`` is the WinHTTP proxy of both views (``netsh32`` overrides the 32-bit blob), ``per_machine`` the
    ProxySettingsPerUser policy (True: 0, False: 1, None: not set), ``machine`` the DefaultConnectionSettings
    of both views, ``users`` each loaded user's DefaultConnectionSettings blob (bytes) or flat Internet
    Settings values (a dict). The policy dicts are the values of their keys (None: the key does not exist);
    ``raw`` replaces the values of any fixed key, by (path, view).
    """
    connections: dict[int, Values] = {}
    for view in (64, 32):
        blob = netsh32 if view == 32 and netsh32 is not None else winhttp_blob(netsh, netsh_bypass)
        connections[view] = {"WinHttpSettings": binary(blob)}
        if machine is not None:
            connections[view]["DefaultConnectionSettings"] = binary(machine)
    fixed: dict[tuple[str, int], Values | None] = {
        (CONNECTIONS, 64): connections[64],
        (CONNECTIONS, 32): connections[32],
        (POLICY, 64): None if per_machine is None else {"ProxySettingsPerUser": ("dword", 0 if per_machine else 1)},
        (SETTINGS, 64): {},
        (DATA_COLLECTION, 64): telemetry,
        (ATP, 64): atp,
        (DEFENDER, 64): defender,
        (r"SOFTWARE\Policies\Microsoft\Windows Defender\Spynet", 64): None,
        (DO_POLICY, 64): do,
        (OS_VERSION, 64): {} if build is None else {"CurrentBuild": ("string", build)},
    }
    fixed.update(raw or {})
    keys = []
    for address in PICTURE_KEYS:
        if "*" in address.path:
            continue  # the agent answers a wildcard with the concrete keys it found
        # Keys the test does not set (the owners' stores: MDM, Defender preferences) do not exist.
        keys.append(entry(address.hive, address.path, address.view, fixed.get((address.path, address.view))))
    # Service hives are always loaded; a user's _Classes hive has no Internet Settings, but must be skipped anyway.
    for service in ("S-1-5-18", "S-1-5-19", "S-1-5-20", ".DEFAULT", SID + "_Classes"):
        keys.append(entry("HKU", f"{service}\\{USER_CONNECTIONS}", 64, dict([binary_value(inet_blob("svc:1"))])))
    for sid, settings in (users or {}).items():
        if isinstance(settings, bytes):
            keys.append(entry("HKU", f"{sid}\\{USER_SETTINGS}", 64, {}))
            keys.append(entry("HKU", f"{sid}\\{USER_CONNECTIONS}", 64, dict([binary_value(settings)])))
        else:
            keys.append(entry("HKU", f"{sid}\\{USER_SETTINGS}", 64, settings))
    # The agent answers the Volatile Environment wildcards after the Internet Settings ones.
    sessions = set(users or {}) if signed_in is None else set(signed_in)
    for sid, account in (accounts or {}).items():
        domain, _slash, name = account.rpartition("\\")
        values: Values = {"USERNAME": ("string", name), **({"USERDOMAIN": ("string", domain)} if domain else {})}
        keys.append(entry("HKU", f"{sid}\\Volatile Environment", 64, values))
    for sid in sorted(sessions):
        keys.append(entry("HKU", f"{sid}\\Volatile Environment\\1", 64, {"SESSIONNAME": ("string", "Console")}))
    return {"op": "read", "status": "ok", "keys": keys}


def binary_value(blob: bytes) -> tuple[str, tuple[str, str]]:
    return ("DefaultConnectionSettings", binary(blob))


def picture_of(**given: t.Any) -> ProxyPicture:
    return read_picture(host(**given))


def routes(**given: t.Any) -> dict[str, t.Any]:
    return effective(picture_of(**given))


def route(
    proxy: str | None, source: str, *, bypass: list[str] | None = None, pac_url: str | None = None
) -> dict[str, t.Any]:
    """The parts of a route a table case decides; the rule is checked separately."""
    return {"proxy": proxy, "pac_url": pac_url, "bypass": bypass or [], "source": source}


def without_rule(found: dict[str, t.Any]) -> dict[str, t.Any]:
    return {name: value for name, value in found.items() if name != "rule"}


# --- PICTURE_KEYS and the picture ------------------------------------------------------------------------------


GP_HISTORY = r"*\Software\Microsoft\Windows\CurrentVersion\Group Policy\History"


def test_picture_keys_name_every_surface_once_and_the_user_wildcards() -> None:
    keys = list(PICTURE_KEYS)
    assert keys == [
        KeyAddress("HKLM", CONNECTIONS, 64),
        KeyAddress("HKLM", CONNECTIONS, 32),
        KeyAddress("HKLM", POLICY, 64),
        KeyAddress("HKLM", SETTINGS, 64),
        KeyAddress("HKLM", DATA_COLLECTION, 64),
        KeyAddress("HKLM", ATP, 64),
        KeyAddress("HKLM", DEFENDER, 64),
        KeyAddress("HKLM", r"SOFTWARE\Policies\Microsoft\Windows Defender\Spynet", 64),
        KeyAddress("HKLM", DO_POLICY, 64),
        # The owners' stores (docs/owners.md): MDM areas, MDMWinsOverGP, enrollments, Defender preferences, and the
        # MDM node cache's Network Proxy CSP nodes.
        KeyAddress("HKLM", r"SOFTWARE\Microsoft\PolicyManager\current\device\System", 64),
        KeyAddress("HKLM", r"SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization", 64),
        KeyAddress("HKLM", r"SOFTWARE\Microsoft\PolicyManager\current\device\ControlPolicyConflict", 64),
        KeyAddress("HKLM", r"SOFTWARE\Microsoft\Enrollments\*", 64),
        KeyAddress("HKLM", r"SOFTWARE\Microsoft\Windows Defender", 64),
        KeyAddress(
            "HKLM",
            r"SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\*\Nodes\*",
            64,
            match=("NodeUri", ("./Vendor/MSFT/NetworkProxy", "./Device/Vendor/MSFT/NetworkProxy")),
        ),
        KeyAddress("HKLM", OS_VERSION, 64),
        KeyAddress("HKU", "*\\" + USER_SETTINGS, 64),
        KeyAddress("HKU", "*\\" + USER_CONNECTIONS, 64),
        KeyAddress("HKU", "*\\Volatile Environment", 64),
        KeyAddress("HKU", "*\\Volatile Environment\\*", 64),
        # User-side policy: the policies branch and the history of the extensions that set a user's proxy.
        KeyAddress("HKU", r"*\Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings", 64),
        KeyAddress("HKU", GP_HISTORY + r"\{35378EAC-683F-11D2-A89A-00C04FBBCFA2}\*", 64),
        KeyAddress("HKU", GP_HISTORY + r"\{E47248BA-94CC-49c4-BBB5-9EB7F05183D0}\*", 64),
    ]


def test_facts_decode_every_surface() -> None:
    picture = picture_of(
        netsh=NETSH_PROXY,
        netsh_bypass="<local>",
        per_machine=True,
        machine=inet_blob(INET_PROXY, "<local>;*.corp.example"),
        users={SID: inet_blob(USER_PROXY)},
        telemetry={"TelemetryProxyServer": ("string", "10.0.0.6:8080"), "DisableEnterpriseAuthProxy": ("dword", 1)},
        defender={"ProxyServer": ("string", "http://10.0.0.6:8080"), "ProxyBypass": ("string", "a.example;b.example")},
        do={"DODownloadMode": ("dword", 2), "DOGroupIdSource": ("dword", 1)},
        build="22631",
    )
    facts = picture.as_facts()
    assert facts["winhttp"]["64"] == {
        "access_type": "named_proxy",
        "proxy": NETSH_PROXY,
        "bypass": ["<local>"],
        "value_present": True,
        "header": "0x18",
    }
    assert facts["wininet"] == {
        "per_machine": True,
        "proxy_settings_per_user": 0,
        "machine": {
            view: {
                "proxy": INET_PROXY,
                "bypass": ["<local>", "*.corp.example"],
                "auto_config_url": None,
                "auto_detect": False,
                "origin": "blob",
            }
            for view in ("64", "32")
        },
        "flat": {"ProxyEnable": None, "ProxyServer": None, "ProxyOverride": None, "AutoConfigURL": None},
    }
    assert facts["users"] == [
        {
            "sid": SID,
            "proxy": USER_PROXY,
            "bypass": [],
            "auto_config_url": None,
            "auto_detect": False,
            "origin": "blob",
            "flat": {"ProxyEnable": None, "ProxyServer": None, "ProxyOverride": None, "AutoConfigURL": None},
            "account": None,
            "sessions": {"1": "Console"},
            "connecting": False,
            "signed_in": True,
            # No user Group Policy, no preference item: the user set it.
            "policy": {},
            "owner": "local",
        }
    ]
    assert facts["signed_in"] == [SID]
    assert facts["telemetry"] == {
        "proxy": "10.0.0.6:8080",
        "disable_enterprise_auth_proxy": True,
        "prefer_static_proxy_for_http_request": None,
    }
    assert facts["defender"] == {
        "proxy_server": "http://10.0.0.6:8080",
        "pac_url": None,
        "bypass": ["a.example", "b.example"],
        "ssl_options": None,
    }
    assert facts["delivery_optimization"]["download_mode"] == "group"
    assert facts["delivery_optimization"]["group_id_source"] == "ad_site"
    assert facts["os"] == {"build": 22631, "ubr": None, "windows11": True}


def test_service_hives_and_classes_hives_are_not_users() -> None:
    assert picture_of().users == ()


@pytest.mark.parametrize(
    ("build", "raw", "expected"),
    [
        ("19045", None, (19045, False)),
        ("22000", None, (22000, True)),
        (None, None, (None, False)),
        (None, {(OS_VERSION, 64): {"CurrentBuildNumber": ("string", "26100")}}, (26100, True)),
        (None, {(OS_VERSION, 64): {"CurrentBuild": ("dword", 22631)}}, (None, False)),
    ],
)
def test_os_build_and_windows11(build: str | None, raw: t.Any, expected: tuple[int | None, bool]) -> None:
    picture = picture_of(build=build, raw=raw)
    assert (picture.os_build, picture.windows11) == expected


def test_unreadable_blobs_are_reported_and_mean_no_proxy() -> None:
    picture = picture_of(machine=b"\x46\x00", netsh32=b"\x18\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\xff")
    facts = picture.as_facts()
    assert facts["wininet"]["machine"]["64"]["error"] == (
        "DefaultConnectionSettings blob is truncated: version at offset 0 needs 4 bytes, 2 remain"
    )
    assert picture.wininet_machine[64].configured is False
    # 13 bytes under 0x18: Wine's WinHTTP ignores a value shorter than 20 bytes, which is direct access.
    assert facts["winhttp"]["32"]["access_type"] == "direct"


def test_a_user_without_a_blob_is_read_from_the_flat_values() -> None:
    flat = {
        "ProxyEnable": ("dword", 1),
        "ProxyServer": ("string", USER_PROXY),
        "ProxyOverride": ("string", "<local>;*.corp.example"),
    }
    (user,) = picture_of(users={SID: flat}).users
    assert user.settings.as_dict() == {
        "proxy": USER_PROXY,
        "bypass": ["<local>", "*.corp.example"],
        "auto_config_url": None,
        "auto_detect": False,
        "origin": "flat",
    }
    assert user.flat == {
        "ProxyEnable": 1,
        "ProxyServer": USER_PROXY,
        "ProxyOverride": "<local>;*.corp.example",
        "AutoConfigURL": None,
    }


def test_flat_values_with_proxy_disabled_are_no_proxy() -> None:
    (user,) = picture_of(users={SID: {"ProxyEnable": ("dword", 0), "ProxyServer": ("string", USER_PROXY)}}).users
    assert user.settings.configured is False
    assert user.settings.origin == "none"


def test_policy_values_of_the_wrong_type_are_shown_but_not_used() -> None:
    picture = picture_of(telemetry={"TelemetryProxyServer": ("dword", 5)})
    assert picture.as_facts()["telemetry"]["proxy"] == "<dword 5>"
    assert picture.telemetry.text("proxy") is None
    assert effective(picture)["mde_sensor"]["source"] == "direct"


# --- Delivery Optimization: the [DOPX] table, one case per row and column ----------------------------------------

USER_ONLY = {"per_machine": False, "users": {SID: inet_blob(USER_PROXY, "<local>")}}
DEVICE_ONLY = {"per_machine": True, "machine": inet_blob(INET_PROXY, "<local>")}
NETSH_ONLY = {"netsh": NETSH_PROXY, "netsh_bypass": "*.corp.example"}
USER_NETSH = {**USER_ONLY, **NETSH_ONLY}
DEVICE_NETSH = {**DEVICE_ONLY, **NETSH_ONLY}
# A signed-in user without WinINET settings of their own: the table's rows without a current-user proxy.
PLAIN_USER = {"users": {SID: {}}}

USER_ROUTE = route(USER_PROXY, f"wininet.user:{SID}", bypass=["<local>"])
DEVICE_ROUTE = route(INET_PROXY, "wininet.machine", bypass=["<local>"])
NETSH_ROUTE = route(NETSH_PROXY, "winhttp.64", bypass=["*.corp.example"])
DIRECT_ROUTE = route(None, "direct")


@pytest.mark.parametrize(
    ("host_args", "context", "expected"),
    [
        pytest.param(USER_ONLY, "interactive", USER_ROUTE, id="current-user-only/interactive: that proxy"),
        pytest.param(USER_ONLY, "network_service", DIRECT_ROUTE, id="current-user-only/NetworkService: no proxy"),
        pytest.param(DEVICE_ONLY, "interactive", DEVICE_ROUTE, id="device-wide-only/interactive: yes"),
        pytest.param(DEVICE_ONLY, "network_service", DEVICE_ROUTE, id="device-wide-only/NetworkService: yes"),
        pytest.param({**NETSH_ONLY, **PLAIN_USER}, "interactive", DIRECT_ROUTE, id="netsh-only/interactive: no"),
        pytest.param(NETSH_ONLY, "network_service", NETSH_ROUTE, id="netsh-only/NetworkService: yes"),
        pytest.param(USER_NETSH, "interactive", USER_ROUTE, id="current-user+netsh/interactive: WinINET proxy"),
        pytest.param(USER_NETSH, "network_service", NETSH_ROUTE, id="current-user+netsh/NetworkService: netsh"),
        pytest.param(DEVICE_NETSH, "interactive", DEVICE_ROUTE, id="device-wide+netsh/interactive: WinINET proxy"),
        pytest.param(DEVICE_NETSH, "network_service", NETSH_ROUTE, id="device-wide+netsh/NetworkService: netsh"),
        pytest.param(PLAIN_USER, "interactive", DIRECT_ROUTE, id="nothing/interactive: direct"),
        pytest.param({}, "network_service", DIRECT_ROUTE, id="nothing/NetworkService: direct"),
    ],
)
def test_delivery_optimization_table(host_args: dict[str, t.Any], context: str, expected: dict[str, t.Any]) -> None:
    assert without_rule(routes(**host_args)["delivery_optimization"][context]) == expected


@pytest.mark.parametrize(
    ("host_args", "interactive", "network_service"),
    [
        (
            USER_ONLY,
            f"{DO_TABLE}, row 'WinINET current user only', interactive user signed in: the WinINET proxy of the "
            f"current user ({SID})",
            f"{DO_TABLE}, row 'WinINET current user only', no user signed in (NetworkService): no proxy",
        ),
        (
            DEVICE_ONLY,
            f"{DO_TABLE}, row 'WinINET device-wide only', interactive user signed in: the device-wide WinINET proxy",
            f"{DO_TABLE}, row 'WinINET device-wide only', no user signed in (NetworkService): the device-wide "
            "WinINET proxy",
        ),
        (
            {**NETSH_ONLY, **PLAIN_USER},
            f"{DO_TABLE}, row 'netsh (WinHTTP) only', interactive user signed in: no proxy (the netsh proxy is not "
            "used with a user signed in)",
            f"{DO_TABLE}, row 'netsh (WinHTTP) only', no user signed in (NetworkService): the netsh proxy",
        ),
        (
            USER_NETSH,
            f"{DO_TABLE}, row 'WinINET current user + netsh', interactive user signed in: the WinINET proxy of the "
            f"current user ({SID})",
            f"{DO_TABLE}, row 'WinINET current user + netsh', no user signed in (NetworkService): the netsh proxy",
        ),
        (
            DEVICE_NETSH,
            f"{DO_TABLE}, row 'WinINET device-wide + netsh', interactive user signed in: the device-wide WinINET proxy",
            f"{DO_TABLE}, row 'WinINET device-wide + netsh', no user signed in (NetworkService): the netsh proxy",
        ),
        (
            {"per_machine": True},
            "[DOPX] no WinINET or netsh proxy is configured (not a row of the table), interactive user signed in: "
            "direct",
            "[DOPX] no WinINET or netsh proxy is configured (not a row of the table), no user signed in "
            "(NetworkService): direct",
        ),
    ],
)
def test_delivery_optimization_rules_cite_the_row(
    host_args: dict[str, t.Any], interactive: str, network_service: str
) -> None:
    found = routes(**host_args)["delivery_optimization"]
    assert (found["interactive"]["rule"], found["network_service"]["rule"]) == (interactive, network_service)


def test_several_users_the_first_is_taken_and_named() -> None:
    found = routes(per_machine=False, users={SID: inet_blob(USER_PROXY), SID2: inet_blob("other.example:80")})
    interactive = found["delivery_optimization"]["interactive"]
    assert interactive["proxy"] == USER_PROXY
    assert interactive["rule"] == (
        f"{DO_TABLE}, row 'WinINET current user only', interactive user signed in: the WinINET proxy of the current "
        f"user ({SID}); 2 users are signed in ({SID}, {SID2}); the first, {SID}, is taken"
    )


def test_users_not_read_are_not_reported_as_not_loaded() -> None:
    picture = read_picture(host(per_machine=False, users={SID: inet_blob(USER_PROXY)}), users=False)
    assert picture.as_facts()["users"] is None
    assert effective(picture)["delivery_optimization"]["interactive"] == {
        "proxy": None,
        "pac_url": None,
        "bypass": [],
        "source": "direct",
        "rule": "[DOPX] no WinINET or netsh proxy is configured (not a row of the table), interactive user signed "
        "in: direct; the user hives were not read, so no interactive user's settings are known: evaluated as a "
        "user without WinINET settings of their own",
    }


# --- the interactive user: a real signed-in user, never the account Ansible connects with ---------------------

ADMIN_SID = "S-1-5-21-1111111111-2222222222-3333333333-500"
ADMIN_PROXY = "admin.corp.example:9999"


def test_the_connecting_accounts_hive_is_not_the_interactive_user() -> None:
    # WinRM loads the hive of the account Ansible connects with; it owns no interactive session.
    users: dict[str, bytes | Values] = {ADMIN_SID: inet_blob(ADMIN_PROXY), SID: inet_blob(USER_PROXY)}
    picture = read_picture(
        host(per_machine=False, users=users, signed_in=[SID], accounts={ADMIN_SID: r"CORP\ansible"}),
        connecting_user="ansible@corp.example",
    )
    assert [(user.sid, user.connecting, user.signed_in) for user in picture.users] == [
        (ADMIN_SID, True, False),
        (SID, False, True),
    ]
    interactive = effective(picture)["delivery_optimization"]["interactive"]
    assert (interactive["proxy"], interactive["source"]) == (USER_PROXY, f"wininet.user:{SID}")


def test_the_connecting_account_is_excluded_even_with_a_session_of_its_own() -> None:
    users: dict[str, bytes | Values] = {ADMIN_SID: inet_blob(ADMIN_PROXY)}
    picture = read_picture(
        host(per_machine=False, users=users, accounts={ADMIN_SID: r"CORP\ansible"}),
        connecting_user=r"corp\Ansible",
    )
    assert picture.signed_in == ()
    interactive = effective(picture)["delivery_optimization"]["interactive"]
    assert interactive == {
        "proxy": None,
        "pac_url": None,
        "bypass": [],
        "source": "nobody_signed_in",
        "rule": f"{DO_TABLE}, interactive user signed in: not evaluated; nobody is signed in (no loaded user hive "
        f"owns a console or remote desktop session); the hive of the account Ansible connects with ({ADMIN_SID}) is "
        "not a user's; only the 'no user signed in' column applies",
    }


def test_a_loaded_hive_without_a_session_is_nobody_signed_in() -> None:
    # The connecting account's hive with a proxy of its own, no session anywhere: only the no-user row.
    picture = picture_of(per_machine=False, users={ADMIN_SID: inet_blob(ADMIN_PROXY)}, signed_in=[], netsh=NETSH_PROXY)
    found = effective(picture)["delivery_optimization"]
    assert found["interactive"]["source"] == "nobody_signed_in"
    assert without_rule(found["network_service"]) == route(NETSH_PROXY, "winhttp.64")
    assert picture.as_facts()["signed_in"] == []


@pytest.mark.parametrize(
    ("connecting_user", "account", "expected"),
    [
        ("ansible", r"CORP\ansible", True),
        (r"CORP\Ansible", r"corp\ansible", True),
        (r"OTHER\ansible", r"CORP\ansible", False),
        ("ansible@corp.example", r"CORP\ansible", True),
        ("ansible", r"CORP\alice", False),
        (None, r"CORP\ansible", False),
    ],
)
def test_same_account(connecting_user: str | None, account: str, expected: bool) -> None:
    assert same_account(account, connecting_user) is expected


def test_session_zero_and_odd_session_names_are_not_interactive() -> None:
    read = host(per_machine=False, users={SID: inet_blob(USER_PROXY)}, signed_in=[])
    for name in ("0", "x1", "99999999", "9" * 5000, "\u0661"):
        read["keys"].append(entry("HKU", f"{SID}\\Volatile Environment\\{name}", 64, {}))
    assert read_picture(read).signed_in == ()


def test_per_machine_mode_ignores_the_users_own_settings() -> None:
    found = routes(per_machine=True, users={SID: inet_blob(USER_PROXY)}, netsh=NETSH_PROXY)
    assert found["delivery_optimization"]["interactive"]["source"] == "direct"


def test_per_user_mode_does_not_use_the_machine_settings_and_says_so() -> None:
    found = routes(per_machine=None, machine=inet_blob(INET_PROXY), **PLAIN_USER)["delivery_optimization"]
    note = "ProxySettingsPerUser is not 0, so the machine WinINET settings apply to nobody here"
    assert found["network_service"] == {
        "proxy": None,
        "pac_url": None,
        "bypass": [],
        "source": "direct",
        "rule": "[DOPX] no WinINET or netsh proxy is configured (not a row of the table), no user signed in "
        f"(NetworkService): direct; {note}",
    }
    assert found["interactive"]["rule"].endswith(note)


def test_device_wide_pac_is_the_route_of_both_contexts() -> None:
    found = routes(per_machine=True, machine=inet_blob(pac=PAC))["delivery_optimization"]
    expected = route(None, "wininet.machine", pac_url=PAC)
    assert without_rule(found["interactive"]) == expected
    assert without_rule(found["network_service"]) == expected


def test_auto_detect_only_is_used_and_explained() -> None:
    found = routes(per_machine=False, users={SID: inet_blob(auto_detect=True)}, netsh=NETSH_PROXY)
    interactive = found["delivery_optimization"]["interactive"]
    assert without_rule(interactive) == route(None, f"wininet.user:{SID}")
    assert interactive["rule"].endswith(
        "; only automatic detection (WPAD) is on, so the proxy is whatever WPAD finds, direct when it finds none"
    )


def test_bypass_of_a_disabled_manual_proxy_is_not_part_of_the_route() -> None:
    found = routes(per_machine=True, machine=inet_blob(bypass="<local>", pac=PAC))["delivery_optimization"]
    assert found["interactive"]["bypass"] == []


# --- the MDE sensor ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host_args", "expected", "rule"),
    [
        (
            {"telemetry": {"TelemetryProxyServer": ("string", "10.0.0.6:8080")}, "netsh": NETSH_PROXY},
            route("10.0.0.6:8080", "telemetry"),
            "[MDEPX] the registry static proxy (TelemetryProxyServer) comes first; the sensor falls back to direct "
            "access when it is unreachable",
        ),
        (
            {"netsh": NETSH_PROXY, "netsh_bypass": "<local>"},
            route(NETSH_PROXY, "winhttp.64", bypass=["<local>"]),
            "[MDEPX] no TelemetryProxyServer: the sensor runs as LocalSystem and uses the WinHTTP default proxy "
            "(netsh, 64-bit view)",
        ),
        (
            {"per_machine": True, "machine": inet_blob(INET_PROXY)},
            DIRECT_ROUTE,
            "[MDEPX] no TelemetryProxyServer and WinHTTP is direct: the sensor connects directly (or through WPAD "
            "or a transparent proxy)",
        ),
    ],
    ids=["telemetry first", "then WinHTTP", "else direct"],
)
def test_mde_sensor(host_args: dict[str, t.Any], expected: dict[str, t.Any], rule: str) -> None:
    found = routes(**host_args)["mde_sensor"]
    assert (without_rule(found), found["rule"]) == (expected, rule)


# --- Defender Antivirus --------------------------------------------------------------------------------------------

AV_PROXY = "http://10.0.0.6:8080"


@pytest.mark.parametrize(
    ("host_args", "expected", "rule"),
    [
        (
            {
                "defender": {
                    "ProxyServer": ("string", AV_PROXY),
                    "ProxyPacUrl": ("string", PAC),
                    "ProxyBypass": ("string", "a.example;b.example"),
                },
                "netsh": NETSH_PROXY,
            },
            route(AV_PROXY, "defender.proxy_server", bypass=["a.example", "b.example"]),
            f"{AV_ORDER}, step 1: the ProxyServer policy",
        ),
        (
            {"defender": {"ProxyServer": ("string", "10.0.0.6:8080")}},
            route("10.0.0.6:8080", "defender.proxy_server"),
            f"{AV_ORDER}, step 1: the ProxyServer policy (it lacks the http:// or https:// that [MDEPX] requires)",
        ),
        (
            {"defender": {"ProxyPacUrl": ("string", PAC)}, "netsh": NETSH_PROXY},
            route(None, "defender.pac_url", pac_url=PAC),
            f"{AV_ORDER}, step 2: no ProxyServer, so the ProxyPacUrl policy",
        ),
        (
            {"per_machine": True, "machine": inet_blob(INET_PROXY, "<local>"), "netsh": NETSH_PROXY},
            route(INET_PROXY, "wininet.machine", bypass=["<local>"]),
            f"{AV_ORDER}, steps 3-4: no ProxyServer or ProxyPacUrl: a direct connection is tried first (none); when "
            "it fails, the system proxy settings, here the device-wide WinINET proxy",
        ),
        (
            {"per_machine": False, "machine": inet_blob(INET_PROXY), "netsh": NETSH_PROXY},
            route(NETSH_PROXY, "winhttp.64"),
            f"{AV_ORDER}, steps 3-4: no ProxyServer or ProxyPacUrl: a direct connection is tried first (none); when "
            "it fails, the system proxy settings, here the WinHTTP default proxy (netsh, 64-bit view)",
        ),
        (
            {"per_machine": True},
            DIRECT_ROUTE,
            f"{AV_ORDER}, steps 3-4: no ProxyServer or ProxyPacUrl: direct (none), with no system proxy setting to "
            "fall back to",
        ),
    ],
    ids=["proxy server", "proxy server without scheme", "PAC", "system: WinINET", "system: WinHTTP", "none"],
)
def test_defender_av_fallback_order(host_args: dict[str, t.Any], expected: dict[str, t.Any], rule: str) -> None:
    found = routes(**host_args)["defender_av"]
    # These hosts set the AV proxy by policy only; the store is that of the value that decided.
    store = "policy" if expected["source"].startswith("defender.") else "none"
    assert found.pop("store") == store
    assert (without_rule(found), found["rule"]) == (expected, rule)


def test_effective_has_exactly_the_four_consumers() -> None:
    found = routes()
    assert sorted(found) == ["defender_av", "delivery_optimization", "mde_sensor"]
    assert sorted(found["delivery_optimization"]) == ["interactive", "network_service"]
    for consumer in (
        found["delivery_optimization"]["interactive"],
        found["delivery_optimization"]["network_service"],
        found["mde_sensor"],
    ):
        assert sorted(consumer) == ["bypass", "pac_url", "proxy", "rule", "source"]
    # Defender AV also says which store its proxy came from (policy, mdm, preference, none).
    assert sorted(found["defender_av"]) == ["bypass", "pac_url", "proxy", "rule", "source", "store"]
