# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every proxy setting of one host, read in one round trip and decoded (internal use only).

``proxy_facts`` reads :data:`PICTURE_KEYS` with one agent ``read`` and hands the result to
:func:`read_picture`. The picture is the input of the effective-proxy evaluation (``_effective``) and of
the findings (``_findings``); :meth:`ProxyPicture.as_facts` is what the module returns about each surface.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _connection_settings as connection_codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_defender as defender
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_delivery_optimization as do
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_telemetry as telemetry
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_winhttp as winhttp
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_wininet as wininet
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._owners import (
    mdm_value,
    mdm_wins,
    owner_keys,
    preference_value,
    read_or_missing,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import PolicyValue
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    VIEWS,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._user_preferences import policy_branch
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_settings import split_bypass

OS_VERSION_ADDRESS = KeyAddress("HKLM", r"SOFTWARE\Microsoft\Windows NT\CurrentVersion", 64)
# Windows 11 starts at build 22000; Windows 10 and Server 2022 (20348) are below it.
WINDOWS11_FIRST_BUILD = 22000

USER_SETTINGS_PATH = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
USER_CONNECTIONS_PATH = USER_SETTINGS_PATH + r"\Connections"
# The agent expands "*" to every loaded hive under HKU; the answer holds the concrete keys.
USER_SETTINGS_WILDCARD = KeyAddress("HKU", "*\\" + USER_SETTINGS_PATH, 64)
USER_CONNECTIONS_WILDCARD = KeyAddress("HKU", "*\\" + USER_CONNECTIONS_PATH, 64)
# Who owns an interactive session. Windows keeps a signed-in user's per-session environment (SESSIONNAME
# "Console" or "RDP-Tcp#<n>", CLIENTNAME) under HKU\<SID>\Volatile Environment\<session id>; session 0 holds
# services only. A WinRM (network) logon loads the connecting account's hive without such a session key
# (unverified against a live host: see docs/testing.md, live-Windows checklist).
VOLATILE_PATH = "Volatile Environment"
VOLATILE_WILDCARD = KeyAddress("HKU", "*\\" + VOLATILE_PATH, 64)
SESSIONS_WILDCARD = KeyAddress("HKU", "*\\" + VOLATILE_PATH + "\\*", 64)
# LocalSystem, LocalService and NetworkService (and .DEFAULT, LocalSystem's profile) are not users; their
# hives are loaded on every host and say nothing about an interactive user.
SERVICE_HIVES = frozenset({"S-1-5-18", "S-1-5-19", "S-1-5-20", ".DEFAULT"})
FLAT_VALUES = ("ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL")
CONNECTION_BLOB = "DefaultConnectionSettings"

POLICY_TABLES: dict[str, tuple[PolicyValue, ...]] = {
    telemetry.NAME: telemetry.VALUES,
    defender.NAME: defender.VALUES,
    do.NAME: do.VALUES,
}


# User-side policy (docs/owners.md): the proxy values user Group Policy writes to a user's policies branch, and the
# Group Policy history of the client-side extensions that set a user's proxy: Administrative Templates (registry)
# and the Group Policy Preferences Internet Settings extension. One subkey per GPO applied, with DisplayName, DSPath
# and GPOName (Microsoft KB201453, "Group Policy history stored in registry"; unverified on current Windows).
USER_POLICY_PATH = r"Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
USER_POLICY_WILDCARD = KeyAddress("HKU", "*\\" + USER_POLICY_PATH, 64)
GP_HISTORY_PATH = r"Software\Microsoft\Windows\CurrentVersion\Group Policy\History"
ADMINISTRATIVE_TEMPLATES_CSE = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
GPP_INTERNET_SETTINGS_CSE = "{E47248BA-94CC-49c4-BBB5-9EB7F05183D0}"
USER_HISTORY_WILDCARDS = tuple(
    KeyAddress("HKU", f"*\\{GP_HISTORY_PATH}\\{cse}\\*", 64)
    for cse in (ADMINISTRATIVE_TEMPLATES_CSE, GPP_INTERNET_SETTINGS_CSE)
)

# What proxy_facts reads when told not to read user profiles (users: false): PICTURE_KEYS minus these.
USER_KEYS: tuple[KeyAddress, ...] = (
    USER_SETTINGS_WILDCARD,
    USER_CONNECTIONS_WILDCARD,
    VOLATILE_WILDCARD,
    SESSIONS_WILDCARD,
    USER_POLICY_WILDCARD,
    *USER_HISTORY_WILDCARDS,
)


def _picture_keys() -> list[KeyAddress]:
    keys = [winhttp.key_address(view) for view in VIEWS]
    keys.append(wininet.POLICY_ADDRESS)
    keys += [KeyAddress("HKLM", wininet.CONNECTIONS_PATH, view) for view in VIEWS]
    keys.append(KeyAddress("HKLM", wininet.SETTINGS_PATH, wininet.FLAT_VALUES_VIEW))
    for table in POLICY_TABLES.values():
        keys += [value.address for value in table]
    # Who owns them: the MDM store, MDMWinsOverGP, the enrollments, the Defender preference store.
    keys += owner_keys()
    keys += [OS_VERSION_ADDRESS, *USER_KEYS]
    # WinHttpSettings and DefaultConnectionSettings share the Connections key: read it once.
    return list(dict.fromkeys(keys))


PICTURE_KEYS: list[KeyAddress] = _picture_keys()


@dataclasses.dataclass(frozen=True)
class WinInetSettings:
    """What one set of WinINET settings (the machine's or a user's) configures.

    ``proxy`` is the manual proxy when it is enabled, ``pac_url`` the auto-config URL when it is enabled;
    ``bypass`` is the stored bypass list. ``origin`` says where the settings came from: the
    ``DefaultConnectionSettings`` blob, the legacy flat values (users without a blob only), or nowhere.
    """

    proxy: str | None = None
    bypass: tuple[str, ...] = ()
    pac_url: str | None = None
    auto_detect: bool = False
    origin: t.Literal["blob", "flat", "none"] = "none"
    error: str | None = None

    @property
    def names_proxy(self) -> bool:
        """Whether a manual proxy or a PAC file is configured (auto-detection alone names none)."""
        return bool(self.proxy or self.pac_url)

    @property
    def configured(self) -> bool:
        """Whether WinINET does anything but connect directly."""
        return self.names_proxy or self.auto_detect

    @classmethod
    def from_blob(cls, settings: connection_codec.ConnectionSettings) -> WinInetSettings:
        return cls(
            proxy=settings.proxy if settings.manual_proxy and settings.proxy else None,
            bypass=tuple(settings.bypass_list),
            pac_url=settings.auto_config_url if settings.auto_config and settings.auto_config_url else None,
            auto_detect=settings.auto_detect,
            origin="blob",
        )

    def as_dict(self) -> dict[str, t.Any]:
        described: dict[str, t.Any] = {
            "proxy": self.proxy,
            "bypass": list(self.bypass),
            "auto_config_url": self.pac_url,
            "auto_detect": self.auto_detect,
            "origin": self.origin,
        }
        if self.error:
            described["error"] = self.error
        return described


def _blob_settings(value: RegValue) -> WinInetSettings | None:
    """The settings a DefaultConnectionSettings value holds; None when there is no such value."""
    if not value.exists:
        return None
    raw = value.as_bytes()
    if raw is None:
        return WinInetSettings(origin="blob", error=f"{CONNECTION_BLOB} is a {value.type} value, expected binary")
    try:
        return WinInetSettings.from_blob(connection_codec.decode(raw, CONNECTION_BLOB))
    except connection_codec.ConnectionSettingsError as exc:
        return WinInetSettings(origin="blob", error=str(exc))


def _text(value: RegValue) -> str | None:
    if value.exists and value.type in ("string", "expandstring") and str(value.data).strip():
        return str(value.data).strip()
    return None


def _flat_settings(flat: t.Mapping[str, RegValue]) -> WinInetSettings:
    """A user's settings from the legacy flat values, which WinINET reads when the user has no blob."""
    enable = flat["ProxyEnable"]
    server = _text(flat["ProxyServer"])
    proxy = server if enable.exists and enable.type == "dword" and enable.data == 1 else None
    pac_url = _text(flat["AutoConfigURL"])
    if proxy is None and pac_url is None:
        return WinInetSettings()
    return WinInetSettings(
        proxy=proxy,
        bypass=tuple(split_bypass(_text(flat["ProxyOverride"]))),
        pac_url=pac_url,
        origin="flat",
    )


@dataclasses.dataclass(frozen=True)
class UserProxy:
    """The WinINET settings of one loaded user hive (HKU\\<SID>), and the interactive sessions it owns.

    ``sessions`` maps each session id found under ``Volatile Environment`` to its SESSIONNAME (None when
    the value is missing); ``account`` is ``USERDOMAIN\\USERNAME`` from ``Volatile Environment``;
    ``connecting`` is True for the hive of the account Ansible connects with (WinRM loads it into HKU).
    ``policy`` holds the proxy values of the user's policies branch (user Group Policy), ``owner`` who set the
    user's proxy, with its details (docs/owners.md).
    """

    sid: str
    settings: WinInetSettings
    flat: t.Mapping[str, t.Any]
    sessions: t.Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    account: str | None = None
    connecting: bool = False
    policy: t.Mapping[str, t.Any] = dataclasses.field(default_factory=dict)
    owner: t.Mapping[str, t.Any] = dataclasses.field(default_factory=lambda: {"owner": "local"})

    @property
    def signed_in(self) -> bool:
        """Whether a real user owns an interactive (console or remote desktop) session with this hive."""
        return bool(self.sessions) and not self.connecting

    def as_dict(self) -> dict[str, t.Any]:
        return {
            "sid": self.sid,
            **self.settings.as_dict(),
            "flat": dict(self.flat),
            "account": self.account,
            "sessions": dict(self.sessions),
            "connecting": self.connecting,
            "signed_in": self.signed_in,
            "policy": dict(self.policy),
            "owner": self.owner["owner"],
        }


@dataclasses.dataclass(frozen=True)
class PolicyReading:
    """One policy surface as Windows resolves it: option-term values, raw data, values of the wrong type.

    ``stores`` says where each setting's effective value comes from (docs/owners.md, precedence): ``policy``
    (the ``SOFTWARE\\Policies`` value), ``mdm`` (the Policy CSP store), ``preference`` (the Defender
    preference store) or ``none``.
    """

    values: t.Mapping[str, t.Any]
    data: t.Mapping[str, t.Any]
    wrong_type: frozenset[str] = frozenset()
    stores: t.Mapping[str, str] = dataclasses.field(default_factory=dict)

    def text(self, setting: str) -> str | None:
        """A REG_SZ setting's text; None when missing, empty or of another registry type."""
        value = self.data.get(setting)
        if setting in self.wrong_type or not isinstance(value, str) or not value.strip():
            return None
        return value.strip()

    def dword(self, setting: str) -> int | None:
        """A REG_DWORD setting's number; None when missing or of another registry type."""
        value = self.data.get(setting)
        if setting in self.wrong_type or not isinstance(value, int) or isinstance(value, bool):
            return None
        return value


def _effective_value(snapshot: RegistrySnapshot, surface: str, value: PolicyValue) -> tuple[str, RegValue]:
    """The store a setting's value comes from, and the value: Windows' precedence (docs/owners.md).

    Group Policy over MDM unless MDMWinsOverGP is 1; any policy over the Defender preference store.
    """
    setting = f"{surface}.{value.setting}"
    policy = value.current(snapshot)
    mdm = mdm_value(setting)
    from_mdm = read_or_missing(snapshot, mdm) if mdm is not None else RegValue.missing()
    if from_mdm.exists and (mdm_wins(snapshot) or not policy.exists):
        return "mdm", from_mdm
    if policy.exists:
        return "policy", policy
    preference = preference_value(setting)
    from_preference = read_or_missing(snapshot, preference) if preference is not None else RegValue.missing()
    if from_preference.exists:
        return "preference", from_preference
    return "none", policy


def _policy_reading(snapshot: RegistrySnapshot, surface: str, table: tuple[PolicyValue, ...]) -> PolicyReading:
    resolved = {value.setting: _effective_value(snapshot, surface, value) for value in table}
    found = {setting: current for setting, (_store, current) in resolved.items()}
    return PolicyReading(
        values={value.setting: value.display(found[value.setting]) for value in table},
        data={setting: current.data if current.exists else None for setting, current in found.items()},
        wrong_type=frozenset(
            value.setting for value in table if found[value.setting].exists and found[value.setting].type != value.type
        ),
        stores={setting: store for setting, (store, _current) in resolved.items()},
    )


@dataclasses.dataclass(frozen=True)
class ProxyPicture:
    """Every proxy setting proxy_facts reads, decoded; the views are keyed 64 and 32."""

    winhttp: t.Mapping[int, winhttp.ViewState]
    per_machine: bool
    proxy_settings_per_user: t.Any
    wininet_machine: t.Mapping[int, WinInetSettings]
    wininet_machine_flat: t.Mapping[str, t.Any]
    users: tuple[UserProxy, ...]
    users_read: bool
    telemetry: PolicyReading
    defender: PolicyReading
    delivery_optimization: PolicyReading
    os_build: int | None
    os_ubr: int | None = None

    @property
    def signed_in(self) -> tuple[UserProxy, ...]:
        """The users who own an interactive session, never the account Ansible connects with."""
        return tuple(user for user in self.users if user.signed_in)

    @property
    def windows11(self) -> bool:
        """Whether the host runs Windows 11 (by build number; False when the build is unknown)."""
        return self.os_build is not None and self.os_build >= WINDOWS11_FIRST_BUILD

    def as_facts(self) -> dict[str, t.Any]:
        """Plain JSON-able facts: each surface decoded, the loaded users' settings and the OS build."""
        return {
            winhttp.NAME: {str(view): state.as_dict() for view, state in self.winhttp.items()},
            wininet.NAME: {
                "per_machine": self.per_machine,
                "proxy_settings_per_user": self.proxy_settings_per_user,
                "machine": {str(view): settings.as_dict() for view, settings in self.wininet_machine.items()},
                "flat": dict(self.wininet_machine_flat),
            },
            "users": [user.as_dict() for user in self.users] if self.users_read else None,
            "signed_in": [user.sid for user in self.signed_in] if self.users_read else None,
            telemetry.NAME: dict(self.telemetry.values),
            defender.NAME: dict(self.defender.values),
            do.NAME: dict(self.delivery_optimization.values),
            "os": {"build": self.os_build, "ubr": self.os_ubr, "windows11": self.windows11},
        }


def _value(snapshot: RegistrySnapshot, address: KeyAddress, name: str) -> RegValue:
    # A wildcard read answers only for the keys it found, so a user's Connections key may be absent.
    try:
        return snapshot.value(address, name)
    except KeyError:
        return RegValue.missing()


def _loaded_users(read_result: t.Mapping[str, t.Any]) -> list[tuple[str, int]]:
    """(SID, view) of every user hive the wildcard reads found, in the order of the answer."""
    suffixes = {USER_SETTINGS_PATH.lower(), USER_CONNECTIONS_PATH.lower(), VOLATILE_PATH.lower()}
    found: dict[str, int] = {}
    for entry in read_result.get("keys", []):
        if str(entry.get("hive", "")).upper() != "HKU" or not entry.get("exists"):
            continue
        sid, separator, rest = str(entry.get("path", "")).partition("\\")
        if not separator or "*" in sid:
            continue
        if rest.lower() not in suffixes and _session_id(rest) is None:
            continue
        if sid.upper() in SERVICE_HIVES or sid.lower().endswith("_classes"):
            continue
        found.setdefault(sid, int(entry.get("view", 64)))
    return list(found.items())


# Bounds on what a host may claim about sessions: a session id is a small decimal number.
MAX_SESSION_ID = 65535


def _session_id(rest: str) -> str | None:
    """The session id of a ``Volatile Environment\\<id>`` path below a user's SID, or None."""
    head, separator, name = rest.partition("\\")
    if not separator or head.lower() != VOLATILE_PATH.lower():
        return None
    # Bounded before int(): a hostile host could send a name of thousands of digits.
    if not (name.isascii() and name.isdigit() and len(name) <= len(str(MAX_SESSION_ID))):
        return None
    # Session 0 runs services only; a user's interactive session is 1 or more.
    return name if 1 <= int(name) <= MAX_SESSION_ID else None


def _sessions(read_result: t.Mapping[str, t.Any], sid: str) -> dict[str, str | None]:
    sessions: dict[str, str | None] = {}
    for entry in read_result.get("keys", []):
        user, _separator, rest = str(entry.get("path", "")).partition("\\")
        if str(entry.get("hive", "")).upper() != "HKU" or user != sid or not entry.get("exists"):
            continue
        session = _session_id(rest)
        if session is None:
            continue
        names = [
            str(value.get("data"))[:64]
            for value in entry.get("values", [])
            if str(value.get("name", "")).upper() == "SESSIONNAME" and isinstance(value.get("data"), str)
        ]
        sessions[session] = names[0] if names else None
    return sessions


def _account(snapshot: RegistrySnapshot, sid: str, view: int) -> str | None:
    volatile = KeyAddress("HKU", f"{sid}\\{VOLATILE_PATH}", view)
    name = _text(_value(snapshot, volatile, "USERNAME"))
    domain = _text(_value(snapshot, volatile, "USERDOMAIN"))
    if name is None:
        return None
    return f"{domain}\\{name}"[:256] if domain else name[:256]


def same_account(account: str | None, connecting_user: str | None) -> bool:
    """Whether ``DOMAIN\\name`` is the account Ansible connects as (``name``, ``DOMAIN\\name`` or ``name@domain``)."""
    if not account or not connecting_user:
        return False
    user = connecting_user.strip().lower()
    user_domain, _slash, user_name = user.rpartition("\\")
    user_name = user_name.partition("@")[0]
    domain, _slash, name = account.lower().rpartition("\\")
    if name != user_name:
        return False
    # A domain given on both sides must agree (NetBIOS name); a UPN suffix cannot be compared to it.
    return not (user_domain and domain and user_domain != domain)


def _user(
    snapshot: RegistrySnapshot,
    read_result: t.Mapping[str, t.Any],
    sid: str,
    view: int,
    connecting_user: str | None,
    preference: t.Mapping[str, t.Any] | None = None,
) -> UserProxy:
    settings_key = KeyAddress("HKU", f"{sid}\\{USER_SETTINGS_PATH}", view)
    connections_key = KeyAddress("HKU", f"{sid}\\{USER_CONNECTIONS_PATH}", view)
    flat = {name: _value(snapshot, settings_key, name) for name in FLAT_VALUES}
    # WinINET reads the blob; the flat values matter only to a profile that has never written one.
    settings = _blob_settings(_value(snapshot, connections_key, CONNECTION_BLOB)) or _flat_settings(flat)
    account = _account(snapshot, sid, view)
    policy_key = KeyAddress("HKU", f"{sid}\\{USER_POLICY_PATH}", view)
    policy = {
        name: value.data
        for name in FLAT_VALUES
        if (value := _value(snapshot, policy_key, name)).exists and isinstance(value.data, (str, int))
    }
    return UserProxy(
        sid,
        settings,
        {name: value.data if value.exists else None for name, value in flat.items()},
        sessions=_sessions(read_result, sid),
        account=account,
        connecting=same_account(account, connecting_user),
        policy=policy,
        owner=_user_owner(read_result, sid, policy_key, bool(policy), preference),
    )


# Bounds on what a host may claim in a Group Policy history entry.
MAX_HISTORY_TEXT = 512
MAX_HISTORY_GPOS = 64


def _history(read_result: t.Mapping[str, t.Any], sid: str, cse: str) -> list[dict[str, str]]:
    """The GPOs a client-side extension applied to a user: ``{gpo_name, gpo_id}`` per history subkey, in order."""
    prefix = f"{sid}\\{GP_HISTORY_PATH}\\{cse}\\".lower()
    found = []
    for entry in read_result.get("keys", []):
        path = str(entry.get("path", ""))
        if (
            str(entry.get("hive", "")).upper() != "HKU"
            or not entry.get("exists")
            or not path.lower().startswith(prefix)
        ):
            continue
        values = {str(value.get("name", "")).lower(): value.get("data") for value in entry.get("values") or []}
        name, gpo_id = values.get("displayname"), values.get("dspath") or values.get("gponame")
        if isinstance(name, str) and name.strip():
            found.append(
                {"gpo_name": name.strip()[:MAX_HISTORY_TEXT], "gpo_id": str(gpo_id or "").strip()[:MAX_HISTORY_TEXT]}
            )
    return found[:MAX_HISTORY_GPOS]


def _joined(gpos: list[dict[str, str]], key: str) -> str:
    return "; ".join(dict.fromkeys(gpo[key] for gpo in gpos))


def _user_owner(
    read_result: t.Mapping[str, t.Any],
    sid: str,
    policy_key: KeyAddress,
    has_policy: bool,
    preference: t.Mapping[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    """Who set a user's proxy: user Group Policy (values in the policies branch), a Group Policy Preferences item, or
    nobody (docs/owners.md, user-side policy).

    ``preference`` is the winning preference item the user's RSoP names (Internet Settings or Registry extension,
    with its GPO); without one, the extensions' Group Policy history names the GPOs: all those the extension
    applied to the user (unverified).
    """
    if preference is not None and (policy_branch(preference) or not has_policy):
        # A preference item that writes the policies branch owns it too; otherwise policy comes first.
        return dict(preference)
    if has_policy:
        gpos = _history(read_result, sid, ADMINISTRATIVE_TEMPLATES_CSE)
        return {
            "owner": "group_policy",
            "gpo_name": _joined(gpos, "gpo_name"),
            "gpo_id": _joined(gpos, "gpo_id"),
            "key": f"HKU\\{policy_key.path}",
            "verified": False,
        }
    gpos = _history(read_result, sid, GPP_INTERNET_SETTINGS_CSE)
    if gpos:
        return {
            "owner": "group_policy_preferences",
            "gpo_name": _joined(gpos, "gpo_name"),
            "gpo_id": _joined(gpos, "gpo_id"),
            "key": f"HKU\\{sid}\\{USER_SETTINGS_PATH}",
            "verified": False,
        }
    return {"owner": "local"}


def _users(
    snapshot: RegistrySnapshot,
    read_result: t.Mapping[str, t.Any],
    connecting_user: str | None,
    preferences: t.Mapping[str, t.Mapping[str, t.Any]],
) -> tuple[UserProxy, ...]:
    return tuple(
        _user(snapshot, read_result, sid, view, connecting_user, preferences.get(sid))
        for sid, view in _loaded_users(read_result)
    )


def _os_build(snapshot: RegistrySnapshot) -> int | None:
    for name in ("CurrentBuild", "CurrentBuildNumber"):
        text = _text(snapshot.value(OS_VERSION_ADDRESS, name))
        if text is not None and text.isdigit():
            return int(text)
    return None


def _os_ubr(snapshot: RegistrySnapshot) -> int | None:
    """The update build revision (the number after the build's dot), which says which cumulative update is in."""
    value = snapshot.value(OS_VERSION_ADDRESS, "UBR")
    if value.exists and value.type == "dword" and isinstance(value.data, int) and 0 <= value.data < 1_000_000:
        return value.data
    return None


def read_picture(
    read_result: dict[str, t.Any],
    *,
    users: bool = True,
    connecting_user: str | None = None,
    snapshot: RegistrySnapshot | None = None,
    user_preferences: t.Mapping[str, t.Mapping[str, t.Any]] | None = None,
) -> ProxyPicture:
    """Decode the agent's answer to a read of :data:`PICTURE_KEYS`.

    Args:
        read_result: the ``read`` operation's result.
        users: False when the read left out :data:`USER_KEYS`; the picture then says that no user's
            settings were read, rather than that no user is loaded.
        connecting_user: the account Ansible connects as; its hive (loaded by WinRM) is never taken for
            an interactive user's.
        snapshot: the registry to decode instead of ``read_result``'s, e.g. the read overlaid with what
            proxy_baseline wrote; ``read_result`` still says which user hives are loaded.
        user_preferences: per user SID, the preference item the user's RSoP names as setting the user's proxy
            (``_user_preferences.user_preference_owners``); None when the users' RSoP was not read.

    Raises:
        KeyError: the answer lacks one of the fixed (non-wildcard) keys of PICTURE_KEYS.
    """
    if snapshot is None:
        snapshot = RegistrySnapshot.from_read_result(read_result)
    machine: dict[int, WinInetSettings] = {}
    for view in VIEWS:
        value = snapshot.value(KeyAddress("HKLM", wininet.CONNECTIONS_PATH, view), CONNECTION_BLOB)
        machine[view] = _blob_settings(value) or WinInetSettings()
    flat_address = KeyAddress("HKLM", wininet.SETTINGS_PATH, wininet.FLAT_VALUES_VIEW)
    policy = snapshot.value(wininet.POLICY_ADDRESS, wininet.POLICY_VALUE)
    return ProxyPicture(
        winhttp={view: winhttp.read_view(snapshot, view) for view in VIEWS},
        per_machine=wininet.per_machine_mode(snapshot),
        proxy_settings_per_user=policy.data if policy.exists else None,
        wininet_machine=machine,
        wininet_machine_flat={
            name: value.data if (value := snapshot.value(flat_address, name)).exists else None for name in FLAT_VALUES
        },
        users=_users(snapshot, read_result, connecting_user, user_preferences or {}) if users else (),
        users_read=users,
        telemetry=_policy_reading(snapshot, telemetry.NAME, POLICY_TABLES[telemetry.NAME]),
        defender=_policy_reading(snapshot, defender.NAME, POLICY_TABLES[defender.NAME]),
        delivery_optimization=_policy_reading(snapshot, do.NAME, POLICY_TABLES[do.NAME]),
        os_build=_os_build(snapshot),
        os_ubr=_os_ubr(snapshot),
    )
