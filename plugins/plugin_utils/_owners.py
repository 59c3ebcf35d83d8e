# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who owns each managed value: Group Policy, MDM, Group Policy Preferences, the Defender preference store or nobody.

Group Policy comes from the Resultant Set of Policy (``_gpo``). The other stores travel in the same host
command (docs/owners.md has the sources, and says which of these Microsoft does not document):

- MDM (Intune, Policy CSP): ``HKLM\\SOFTWARE\\Microsoft\\PolicyManager\\current\\device\\<Area>`` holds the
  value of each policy an MDM server set, beside ``<Policy>_WinningProvider`` (the enrollment's GUID, under
  ``HKLM\\SOFTWARE\\Microsoft\\Enrollments\\<GUID>``). ``ControlPolicyConflict\\MDMWinsOverGP`` = 1 makes a
  Policy CSP policy win over the Group Policy that sets the same thing; by default Group Policy wins.
- Group Policy Preferences registry items: ``RSOP_PolmkrSetting`` rows of ``root\\rsop\\computer`` whose
  client-side extension is the Registry preference extension; the item's XML names hive, key and value.
- The Defender preference store ``HKLM\\SOFTWARE\\Microsoft\\Windows Defender`` (``Set-MpPreference``): a
  preference, not a policy; a policy value of the same name wins over it.
- The Network Proxy CSP (``./Vendor/MSFT/NetworkProxy``), which sets the device-wide WinINET proxy itself: the
  MDM server's node cache ``HKLM\\SOFTWARE\\Microsoft\\Provisioning\\NodeCache\\CSP\\Device\\<provider>\\Nodes\\<n>``
  (``NodeUri``, ``ExpectedValue``) records each node it set and expects.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from xml.sax.saxutils import unescape

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import (
    _surface_defender,
    _surface_delivery_optimization,
    _surface_telemetry,
    _surface_wininet,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_protocol import AnswerError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import MANAGED_VALUES, RSOP_NAMESPACE, Owner
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._policy_values import PolicyValue
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

GROUP_POLICY = "group_policy"
MDM = "mdm"
GROUP_POLICY_PREFERENCES = "group_policy_preferences"
PREFERENCE = "preference"
LOCAL = "local"
OWNER_KINDS = (GROUP_POLICY, MDM, GROUP_POLICY_PREFERENCES, PREFERENCE, LOCAL)
# The owners that put a value back (policy refresh, MDM sync): the guard holds their values.
GUARDED = (GROUP_POLICY, MDM, GROUP_POLICY_PREFERENCES)

POLICY_MANAGER = r"SOFTWARE\Microsoft\PolicyManager\current\device"
CONTROL_POLICY_CONFLICT = KeyAddress("HKLM", POLICY_MANAGER + r"\ControlPolicyConflict", 64)
MDM_WINS_OVER_GP = "MDMWinsOverGP"
ENROLLMENTS = KeyAddress("HKLM", r"SOFTWARE\Microsoft\Enrollments\*", 64)
DEFENDER_PREFERENCES_PATH = r"SOFTWARE\Microsoft\Windows Defender"
# The Registry preference client-side extension ([MS-GPPREF] 2.2.1.2 Registry; gpresult shows it as "Registry").
REGISTRY_PREFERENCE_CSE = "{B087BE9D-ED37-454F-AF9C-04291E351182}"
GPP_CLASS = "RSOP_PolmkrSetting"
PREFERENCE_ACTIONS = {"C": "create", "R": "replace", "U": "update", "D": "delete"}
GPP_PROPERTIES = [
    "GPOID",
    "precedence",
    "polmkrBaseCseGuid",
    "polmkrBaseGpoDisplayName",
    "polmkrBaseGpoGuid",
    "polmkrBaseInstanceXml",
]
WINHTTP_64 = "winhttp.64"
WINHTTP_32 = "winhttp.32"
SOFTWARE_PREFIX = "software\\"
WOW64_PREFIX = "software\\wow6432node\\"
# An item's XML is a few hundred characters; a longer one is not a registry item we can read.
MAX_ITEM_XML = 65_536
HKLM_NAMES = ("hkey_local_machine", "hklm")

# Policy CSP areas and policies of the settings an MDM server can set (Policy CSP: System, DeliveryOptimization).
MDM_POLICIES: dict[str, tuple[str, str]] = {
    "telemetry.proxy": ("System", "TelemetryProxy"),
    "telemetry.disable_enterprise_auth_proxy": ("System", "DisableEnterpriseAuthProxy"),
    "delivery_optimization.download_mode": ("DeliveryOptimization", "DODownloadMode"),
    "delivery_optimization.group_id": ("DeliveryOptimization", "DOGroupId"),
    "delivery_optimization.group_id_source": ("DeliveryOptimization", "DOGroupIdSource"),
    "delivery_optimization.cache_hosts": ("DeliveryOptimization", "DOCacheHost"),
    "delivery_optimization.cache_host_source": ("DeliveryOptimization", "DOCacheHostSource"),
    "delivery_optimization.disallow_cache_server_downloads_on_vpn": (
        "DeliveryOptimization",
        "DODisallowCacheServerDownloadsOnVPN",
    ),
}
# Set-MpPreference -ProxyServer / -ProxyPacUrl / -ProxyBypass write these values of the preference store.
PREFERENCE_VALUES = ("proxy_server", "pac_url", "bypass")

# The Network Proxy CSP sets the device-wide WinINET proxy (Windows client management, "NetworkProxy CSP"). The MDM
# server's node cache (NodeCache CSP: NodeURI, "a complete OMA DM node URI", and ExpectedValue, "the value that the
# server expects to be on the device") is kept in the registry below, one key per node and enrollment provider
# (community documentation only: verified false). The read answers only the nodes whose NodeUri names this CSP.
NODE_CACHE = r"SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device"
NETWORK_PROXY_CSP = "./Vendor/MSFT/NetworkProxy"
DEVICE_PREFIX = "./Device"
NODE_CACHE_KEYS = KeyAddress(
    "HKLM",
    NODE_CACHE + r"\*\Nodes\*",
    64,
    match=("NodeUri", (NETWORK_PROXY_CSP, DEVICE_PREFIX + NETWORK_PROXY_CSP[1:])),
)
# The device-wide WinINET settings: the connection blobs in each view (with the flat mirrors of the 64-bit view).
WININET_CONNECTION = ("wininet.64", "wininet.32")
WININET_PER_MACHINE = "wininet.per_machine"
# Each node of the CSP (its path below ./Vendor/MSFT/NetworkProxy, "" the root) and the settings it sets.
NETWORK_PROXY_NODES: dict[str, tuple[str, ...]] = {
    "": (WININET_PER_MACHINE, *WININET_CONNECTION),
    "ProxySettingsPerUser": (WININET_PER_MACHINE,),
    "AutoDetect": WININET_CONNECTION,
    "SetupScriptUrl": WININET_CONNECTION,
    "ProxyServer": WININET_CONNECTION,
    "ProxyServer/ProxyAddress": WININET_CONNECTION,
    "ProxyServer/Exceptions": WININET_CONNECTION,
    "ProxyServer/UseProxyForLocalAddresses": WININET_CONNECTION,
}
_NODE_NAMES = {name.lower(): name for name in NETWORK_PROXY_NODES}
# Bounds on what a host may claim: the CSP has eight nodes per provider; a URI longer than this is not one of them.
MAX_NETWORK_PROXY_NODES = 64
MAX_NODE_URI = 256
MAX_EXPECTED_VALUE = 32_768
MAX_PROVIDER_ID = 128
_BLOBS = {name.lower() for name in _surface_wininet.BLOBS}
_FLAT = {name.lower() for name in ("ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL")}


def mdm_address(area: str) -> KeyAddress:
    return KeyAddress("HKLM", f"{POLICY_MANAGER}\\{area}", 64)


def _tables() -> dict[str, tuple[PolicyValue, ...]]:
    return {
        _surface_telemetry.NAME: _surface_telemetry.VALUES,
        _surface_defender.NAME: _surface_defender.VALUES,
        _surface_delivery_optimization.NAME: _surface_delivery_optimization.VALUES,
    }


def policy_value(setting: str) -> PolicyValue | None:
    """The policy table entry of a ``<surface>.<setting>`` id, or None."""
    surface, _dot, name = setting.partition(".")
    return next((value for value in _tables().get(surface, ()) if value.setting == name), None)


def mdm_value(setting: str) -> PolicyValue | None:
    """Where the MDM store keeps a setting: the policy's value, read like the Group Policy one."""
    value = policy_value(setting)
    if value is None or setting not in MDM_POLICIES:
        return None
    area, policy = MDM_POLICIES[setting]
    return dataclasses.replace(value, path=f"{POLICY_MANAGER}\\{area}", name=policy)


def preference_value(setting: str) -> PolicyValue | None:
    """Where Set-MpPreference keeps a Defender setting, or None for settings it has no preference for."""
    value = policy_value(setting)
    if value is None or not setting.startswith(_surface_defender.NAME + ".") or value.setting not in PREFERENCE_VALUES:
        return None
    return dataclasses.replace(value, path=DEFENDER_PREFERENCES_PATH)


def owner_keys() -> list[KeyAddress]:
    """The registry keys ownership needs, beside the surfaces' own keys (one read)."""
    areas = dict.fromkeys(area for area, _policy in MDM_POLICIES.values())
    return [
        *(mdm_address(area) for area in areas),
        CONTROL_POLICY_CONFLICT,
        ENROLLMENTS,
        KeyAddress("HKLM", DEFENDER_PREFERENCES_PATH, 64),
        NODE_CACHE_KEYS,
    ]


def gpp_operation() -> dict[str, t.Any]:
    """The read-only WMI query of Group Policy Preferences items, in the same host command as the rest."""
    return {"op": "wmi_query", "namespace": RSOP_NAMESPACE, "class": GPP_CLASS, "properties": GPP_PROPERTIES}


@dataclasses.dataclass(frozen=True)
class SettingOwner:
    """Who sets one managed setting, with the details a user needs to change it at its source.

    ``details`` holds the kind's fields (``gpo_name``/``gpo_id``; ``area``/``policy``/``csp``/``provider``;
    ``key``/``value``); ``verified`` is False where Microsoft does not document the store it was read from;
    ``also`` names the other owners that set it and lose.
    """

    owner: str
    setting: str
    details: t.Mapping[str, t.Any] = dataclasses.field(default_factory=dict)
    verified: bool = True
    also: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, t.Any]:
        """``owner`` with its details beside it, as every result and report carries it."""
        found: dict[str, t.Any] = {"owner": self.owner, **self.details}
        if not self.verified:
            found["verified"] = False
        if self.also:
            found["also"] = list(self.also)
        return found

    @property
    def network_proxy(self) -> bool:
        """Whether this is an MDM server's Network Proxy CSP (the WinINET values themselves), not a Policy CSP."""
        return self.owner == MDM and "nodes" in self.details

    def describe(self) -> str:
        if self.network_proxy:
            provider = f"; enrollment {self.details['provider']}" if self.details.get("provider") else ""
            return f"MDM (Network Proxy CSP {self.details['csp']}{provider})"
        if self.owner == GROUP_POLICY:
            return f"Group Policy '{self.details['gpo_name']}' ({self.details['gpo_id']})"
        if self.owner == GROUP_POLICY_PREFERENCES:
            return (
                f"a Group Policy Preferences registry item of GPO '{self.details['gpo_name']}' "
                f"({self.details['gpo_id']})"
            )
        if self.owner == MDM:
            provider = f", enrollment {self.details['provider']}" if self.details.get("provider") else ""
            return f"MDM policy {self.details['csp']} ({self.details['key']}\\{self.details['value']}{provider})"
        if self.owner == PREFERENCE:
            return f"the Defender preference store ({self.details['key']}\\{self.details['value']}, Set-MpPreference)"
        return "nobody (a local value)"

    def why_held(self) -> str:
        if self.owner == GROUP_POLICY:
            return "the next Group Policy refresh would revert it"
        if self.owner == GROUP_POLICY_PREFERENCES:
            return "the next Group Policy refresh would apply the preference item again"
        if self.network_proxy:
            return "the MDM server expects what the Network Proxy CSP set (its node cache) and would set it again"
        if self.details.get("mdm_wins_over_gp"):
            return "MDMWinsOverGP is set, so Windows uses the MDM value and ignores a Group Policy value written here"
        return "a Group Policy value written here would override the MDM profile, which would no longer apply"

    def remedy(self) -> str:
        if self.owner == GROUP_POLICY:
            return f"edit the GPO '{self.details['gpo_name']}'"
        if self.owner == GROUP_POLICY_PREFERENCES:
            return f"edit or remove the Group Policy Preferences registry item in the GPO '{self.details['gpo_name']}'"
        return f"change the Intune (MDM) profile that sets {self.details['csp']}"


def local(setting: str) -> SettingOwner:
    return SettingOwner(LOCAL, setting)


@dataclasses.dataclass(frozen=True)
class Ownership:
    """The winning owner of each managed setting some store sets (settings not listed are local)."""

    owners: t.Mapping[str, SettingOwner]
    mdm_wins_over_gp: bool = False

    def of(self, setting: str) -> SettingOwner:
        """The owner of a setting or of the value group it belongs to (``winhttp.64`` for ``winhttp.64.proxy``)."""
        for name, owner in self.owners.items():
            if setting == name or setting.startswith(name + "."):
                return owner
        return local(setting)

    def of_value(self, path: str, name: str, view: int) -> SettingOwner | None:
        """The owner of a registry value a surface writes; None when it is not a managed value.

        Of the 32-bit view only WinHTTP's value (a preference item can write WOW6432Node's) and the WinINET
        connection blobs (the Network Proxy CSP's) are owned.
        """
        setting = MANAGED_VALUES.get((path.lower(), name.lower()))
        if view == 32:
            setting = WINHTTP_32 if setting == WINHTTP_64 else None
        setting = setting or wininet_value(path, name, view)
        return None if setting is None else self.of(setting)


def wininet_value(path: str, name: str, view: int) -> str | None:
    """The device-wide WinINET value group (``wininet.64``, ``wininet.32``) a registry value belongs to, or None."""
    where, value = path.lower(), name.lower()
    if where == _surface_wininet.CONNECTIONS_PATH.lower() and value in _BLOBS:
        return f"wininet.{view}"
    if where == _surface_wininet.SETTINGS_PATH.lower() and value in _FLAT and view == _surface_wininet.FLAT_VALUES_VIEW:
        return f"wininet.{view}"
    return None


NO_OWNERSHIP = Ownership({})


def _mdm_owner(
    snapshot: RegistrySnapshot, setting: str, wins: bool, providers: t.Mapping[str, str]
) -> SettingOwner | None:
    value = mdm_value(setting)
    if value is None or not snapshot.includes(value.address):
        return None
    current = value.current(snapshot)
    if not current.exists:
        return None
    area, policy = MDM_POLICIES[setting]
    details: dict[str, t.Any] = {
        "area": area,
        "policy": policy,
        "csp": f"./Device/Vendor/MSFT/Policy/Config/{area}/{policy}",
        "key": f"HKLM\\{value.path}",
        "value": policy,
        "effective": value.display(current),
        "mdm_wins_over_gp": wins,
    }
    winning = snapshot.value(value.address, f"{policy}_WinningProvider")
    if winning.exists and isinstance(winning.data, str):
        guid = winning.data.strip()[:64]
        details["provider"] = providers.get(guid.strip("{}").lower(), guid)
    return SettingOwner(MDM, setting, details, verified=False)


def _providers(snapshot_read: t.Mapping[str, t.Any]) -> dict[str, str]:
    """Enrollment GUID (lower case, no braces) -> ``ProviderID`` (``MS DM Server`` for Intune), ``UPN`` beside it.

    ``ProviderID`` lower-cased -> the same text, for the first enrollment of each provider, is in it too (the node
    cache names the provider, not the enrollment).
    """
    found: dict[str, str] = {}
    prefix = ENROLLMENTS.path.removesuffix("*").lower()
    for entry in snapshot_read.get("keys", []):
        path = str(entry.get("path", ""))
        if str(entry.get("hive", "")).upper() != "HKLM" or not path.lower().startswith(prefix):
            continue
        guid = path[len(prefix) :]
        if "\\" in guid or not entry.get("exists"):
            continue
        values = {str(value.get("name", "")).lower(): value.get("data") for value in entry.get("values") or []}
        provider = values.get("providerid")
        if isinstance(provider, str) and provider.strip():
            upn = values.get("upn")
            text = provider.strip()[:128] + (f" ({upn.strip()[:256]})" if isinstance(upn, str) and upn.strip() else "")
            found[guid.strip("{}").lower()] = text
            found.setdefault(PROVIDER_PREFIX + provider.strip()[:128].lower(), text)
    return found


# Keys of _providers' answer that are a ProviderID, not an enrollment GUID.
PROVIDER_PREFIX = "provider:"


def mdm_wins(snapshot: RegistrySnapshot) -> bool:
    """Whether ``MDMWinsOverGP`` is 1 (ControlPolicyConflict CSP); False when it was not read."""
    if not snapshot.includes(CONTROL_POLICY_CONFLICT):
        return False
    value = snapshot.value(CONTROL_POLICY_CONFLICT, MDM_WINS_OVER_GP)
    return value.exists and value.type == "dword" and value.data == 1


_ATTRIBUTE = re.compile(r'\s([A-Za-z]+)="([^"]*)"')
# xml.sax.saxutils.unescape decodes &amp;, &lt; and &gt;; an attribute value may also hold these two.
_QUOTES = {"&quot;": '"', "&apos;": "'"}


def _properties(xml: str) -> dict[str, str] | None:
    """The attributes of an item's ``<Properties .../>`` element, names lower-cased; None without one."""
    match = re.search(r"<Properties\s[^>]*>", xml[:MAX_ITEM_XML])
    if match is None:
        return None
    return _attributes(match.group(0))


def _attributes(tag: str) -> dict[str, str]:
    return {name.lower(): unescape(value, _QUOTES) for name, value in _ATTRIBUTE.findall(tag)}


_ELEMENT = re.compile(r"<([A-Za-z][A-Za-z0-9_.:-]*)\s[^<>]*>")


def item_elements(xml: str) -> list[tuple[str, dict[str, str]]]:
    """Every element of an item's XML (its first MAX_ITEM_XML characters) with attributes: (tag, attributes)."""
    return [(match.group(1), _attributes(match.group(0))) for match in _ELEMENT.finditer(xml[:MAX_ITEM_XML])]


def gpp_owners(result: t.Mapping[str, t.Any], hive: str = "HKLM") -> dict[tuple[str, str], SettingOwner]:
    """The Group Policy Preferences registry items that set a managed value, by (key path, value name) lower-cased.

    Only the winning item (precedence 1) of the Registry preference extension counts; ``hive`` HKLM reads the
    computer's items.
    """
    found: dict[tuple[str, str], SettingOwner] = {}
    for row in result.get("instances") or []:
        if str(row.get("polmkrBaseCseGuid", "")).upper() != REGISTRY_PREFERENCE_CSE or row.get("precedence") != 1:
            continue
        xml = row.get("polmkrBaseInstanceXml")
        props = _properties(xml) if isinstance(xml, str) else None
        if props is None or props.get("hive", "").lower() not in (HKLM_NAMES if hive == "HKLM" else ()):
            continue
        where = (props.get("key", "").strip("\\").lower(), props.get("name", "").lower())
        setting = MANAGED_VALUES.get(where)
        if setting is None and where[0].startswith(WOW64_PREFIX):
            # The 32-bit view: a preference item names WOW6432Node itself.
            native = (SOFTWARE_PREFIX + where[0].removeprefix(WOW64_PREFIX), where[1])
            setting = WINHTTP_32 if MANAGED_VALUES.get(native) == WINHTTP_64 else None
        if setting is None:
            continue
        found[where] = SettingOwner(
            GROUP_POLICY_PREFERENCES,
            setting,
            {
                **preference_gpo(row),
                "key": f"HKLM\\{props.get('key', '').strip(chr(92))}"[:1024],
                "value": props.get("name", "")[:256],
                "action": preference_action(props),
            },
            verified=False,
        )
    return found


def preference_gpo(row: t.Mapping[str, t.Any]) -> dict[str, str]:
    """The GPO that carries a preference item (an ``RSOP_PolmkrSetting`` row): its name and id, bounded."""
    gpo_id = str(row.get("GPOID") or row.get("polmkrBaseGpoGuid") or "")[:512]
    return {"gpo_name": str(row.get("polmkrBaseGpoDisplayName") or gpo_id)[:256], "gpo_id": gpo_id}


def preference_action(attributes: t.Mapping[str, str]) -> str:
    """A registry preference item's action ([MS-GPPREF]: C, R, U, D); update when absent or unknown."""
    return PREFERENCE_ACTIONS.get(attributes.get("action", "U").upper(), "update")


def _node_fault(field: str, problem: str) -> AgentError:
    """A node cache entry beyond the bounds: the task fails naming the host (the action adds it) and the field."""
    error = AnswerError(field, problem)
    failure = AgentError(str(error))
    failure.__cause__ = error
    return failure


def _node_path(uri: str) -> str | None:
    """The CSP node a NodeUri names, as the CSP spells it (``""`` the root); None when it names no node of it."""
    text = uri.strip()
    if text.lower().startswith(DEVICE_PREFIX.lower() + "/"):
        text = "." + text[len(DEVICE_PREFIX) :]
    if not text.lower().startswith(NETWORK_PROXY_CSP.lower()):
        return None
    rest = text[len(NETWORK_PROXY_CSP) :].lower()
    if rest and not rest.startswith("/"):
        return None  # ./Vendor/MSFT/NetworkProxyX
    return _NODE_NAMES.get(rest.strip("/"))


def _expected(values: t.Mapping[str, t.Any], where: str) -> str | int | None:
    expected = values.get("expectedvalue")
    if isinstance(expected, str) and len(expected) > MAX_EXPECTED_VALUE:
        raise _node_fault(
            f"{where}\\ExpectedValue", f"{len(expected):,} characters, more than the {MAX_EXPECTED_VALUE:,} accepted"
        )
    # A string (or a number); a hash of it (application/x-nodemon-sha256) is reported as it is stored.
    return expected if isinstance(expected, (str, int)) and not isinstance(expected, bool) else None


def network_proxy_owners(read: t.Mapping[str, t.Any], providers: t.Mapping[str, str]) -> list[SettingOwner]:
    """The device-wide WinINET settings whose Network Proxy CSP node an MDM server's node cache records.

    Each setting is owned by MDM with the nodes that set it (``nodes``: node key, CSP URI, expected value) and the
    enrollment; ``verified`` is false: Microsoft documents the node cache as a CSP, not where Windows keeps it.

    Raises:
        AgentError: more nodes than the CSP can have, or an expected value longer than any proxy setting
            (from an AnswerError naming the field).
    """
    prefix = NODE_CACHE.lower() + "\\"
    nodes: list[tuple[str, dict[str, t.Any], tuple[str, ...]]] = []
    for entry in read.get("keys", []):
        path = str(entry.get("path", ""))
        if (
            str(entry.get("hive", "")).upper() != "HKLM"
            or not path.lower().startswith(prefix)
            or not entry.get("exists")
        ):
            continue
        provider = path[len(prefix) :].split("\\", 1)[0]
        values = {str(value.get("name", "")).lower(): value.get("data") for value in entry.get("values") or []}
        uri = values.get("nodeuri")
        if not isinstance(uri, str) or len(uri) > MAX_NODE_URI:
            continue  # not a node of this CSP: its URIs are short
        csp = _node_path(uri)
        if csp is None:
            continue
        where = f"HKLM\\{path}"
        found = {"node": where, "csp": uri.strip(), "expected_value": _expected(values, where)}
        nodes.append((provider[:MAX_PROVIDER_ID], {**found, "name": csp}, NETWORK_PROXY_NODES[csp]))
    if len(nodes) > MAX_NETWORK_PROXY_NODES:
        raise _node_fault(
            f"HKLM\\{NODE_CACHE}\\*\\Nodes",
            f"{len(nodes):,} Network Proxy CSP nodes, more than the {MAX_NETWORK_PROXY_NODES} accepted",
        )
    owners: list[SettingOwner] = []
    for setting in (WININET_PER_MACHINE, *WININET_CONNECTION):
        setting_nodes = [(provider, found) for provider, found, settings in nodes if setting in settings]
        if not setting_nodes:
            continue
        provider = setting_nodes[0][0]
        # The CSP and its nodes in one line (each node's URI as the cache holds it is in nodes[].csp).
        names = [found["name"] for _provider, found in setting_nodes if found["name"]]
        csp = NETWORK_PROXY_CSP + (f" ({', '.join(dict.fromkeys(names))})" if names else "")
        details: dict[str, t.Any] = {
            "csp": csp,
            "key": f"HKLM\\{NODE_CACHE}\\{provider}\\Nodes",
            "provider": providers.get(PROVIDER_PREFIX + provider.lower(), provider),
            "nodes": [
                {key: value for key, value in found.items() if key != "name"} for _provider, found in setting_nodes
            ],
        }
        owners.append(SettingOwner(MDM, setting, details, verified=False))
    return owners


def ownership(
    read: t.Mapping[str, t.Any],
    snapshot: RegistrySnapshot,
    group_policy: t.Mapping[tuple[str, str], Owner],
    gpp: t.Mapping[str, t.Any] | None,
) -> Ownership:
    """Who wins each managed setting, from the read, the RSoP owners and the GPP query's answer.

    Group Policy wins over MDM unless ``MDMWinsOverGP`` is 1; both win over Group Policy Preferences, whose
    item writes the same registry value Group Policy also enforces (the refresh applies policy first).
    """
    wins = mdm_wins(snapshot)
    providers = _providers(read)
    candidates: dict[str, list[SettingOwner]] = {}
    for gp in group_policy.values():
        candidates.setdefault(gp.setting, []).append(
            SettingOwner(GROUP_POLICY, gp.setting, {"gpo_name": gp.gpo_name, "gpo_id": gp.gpo_id, "key": gp.key})
        )
    for setting in MDM_POLICIES:
        found = _mdm_owner(snapshot, setting, wins, providers)
        if found is not None:
            candidates.setdefault(setting, []).append(found)
    for item in gpp_owners(gpp or {}).values():
        candidates.setdefault(item.setting, []).append(item)
    for csp in network_proxy_owners(read, providers):
        candidates.setdefault(csp.setting, []).append(csp)
    order = (MDM, GROUP_POLICY, GROUP_POLICY_PREFERENCES) if wins else (GROUP_POLICY, MDM, GROUP_POLICY_PREFERENCES)
    # MDMWinsOverGP covers only the Policy CSP: a GPO's ProxySettingsPerUser stays first over the Network Proxy CSP's.
    default = (GROUP_POLICY, MDM, GROUP_POLICY_PREFERENCES)
    owners: dict[str, SettingOwner] = {}
    for setting, setters in candidates.items():
        rank = default if any(owner.network_proxy for owner in setters) else order
        ranked = sorted(setters, key=lambda owner: rank.index(owner.owner))
        winner = ranked[0]
        owners[setting] = dataclasses.replace(winner, also=tuple(owner.owner for owner in ranked[1:]))
    return Ownership(owners, wins)


def preference_owner(snapshot: RegistrySnapshot, setting: str) -> SettingOwner | None:
    """The Defender preference store as the owner of a setting that no policy sets, when it holds a value."""
    value = preference_value(setting)
    if value is None or not snapshot.includes(value.address) or not value.current(snapshot).exists:
        return None
    return SettingOwner(PREFERENCE, setting, {"key": f"HKLM\\{value.path}", "value": value.name})


def read_or_missing(snapshot: RegistrySnapshot, value: PolicyValue) -> RegValue:
    """A value of a key the read may not have covered (proxy_facts with group_policy off reads fewer stores)."""
    return value.current(snapshot) if snapshot.includes(value.address) else RegValue.missing()
