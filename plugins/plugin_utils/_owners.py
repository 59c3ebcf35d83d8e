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
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import MANAGED_VALUES, RSOP_NAMESPACE, Owner
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

    def describe(self) -> str:
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

        Of the 32-bit view only WinHTTP's value is owned (a preference item can write WOW6432Node's).
        """
        setting = MANAGED_VALUES.get((path.lower(), name.lower()))
        if view == 32:
            setting = WINHTTP_32 if setting == WINHTTP_64 else None
        return None if setting is None else self.of(setting)


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
    """Enrollment GUID (lower case, no braces) -> ``ProviderID`` (``MS DM Server`` for Intune), ``UPN`` beside it."""
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
    return found


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
    return {name.lower(): unescape(value, _QUOTES) for name, value in _ATTRIBUTE.findall(match.group(0))}


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
        gpo_id = str(row.get("GPOID") or row.get("polmkrBaseGpoGuid") or "")[:512]
        found[where] = SettingOwner(
            GROUP_POLICY_PREFERENCES,
            setting,
            {
                "gpo_name": str(row.get("polmkrBaseGpoDisplayName") or gpo_id)[:256],
                "gpo_id": gpo_id,
                "key": f"HKLM\\{props.get('key', '').strip(chr(92))}"[:1024],
                "value": props.get("name", "")[:256],
                "action": {"C": "create", "R": "replace", "U": "update", "D": "delete"}.get(
                    props.get("action", "U").upper(), "update"
                ),
            },
            verified=False,
        )
    return found


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
    order = (MDM, GROUP_POLICY, GROUP_POLICY_PREFERENCES) if wins else (GROUP_POLICY, MDM, GROUP_POLICY_PREFERENCES)
    owners: dict[str, SettingOwner] = {}
    for setting, setters in candidates.items():
        ranked = sorted(setters, key=lambda owner: order.index(owner.owner))
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
