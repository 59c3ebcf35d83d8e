# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Group Policy Preferences item sets a signed-in user's proxy, from the user's Resultant Set of Policy.

The Preferences client-side extensions log the items they applied to a user in that user's RSoP namespace,
``root\\rsop\\user\\<SID with _ for ->``, as ``RSOP_PolmkrSetting`` rows (docs/owners.md, user-side policy). The
agent's per-user ``wmi_query`` reads that class for every loaded user hive in the same host command as the
registry. Two extensions set a user's proxy: Internet Settings (the way most fleets deploy it) and Registry (an
item that writes the values themselves).
"""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._owners import (
    GPP_CLASS,
    GPP_PROPERTIES,
    REGISTRY_PREFERENCE_CSE,
    item_elements,
    preference_action,
    preference_gpo,
)

USER_RSOP_NAMESPACE = "root\\rsop\\user"
# The Group Policy Preferences Internet Settings client-side extension (gpresult names it "Internet Settings").
INTERNET_SETTINGS_CSE = "{E47248BA-94CC-49C4-BBB5-9EB7F05183D0}"
# How many signed-in users one check reads the RSoP of; the others keep the history's attribution.
MAX_RSOP_USERS = 64
USER_SETTINGS_PATH = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
USER_POLICY_PATH = r"Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
# The values of a user's proxy: the legacy flat values and the connection blob WinINET reads.
_PROXY_VALUES = {
    USER_SETTINGS_PATH.lower(): {"proxyenable", "proxyserver", "proxyoverride", "autoconfigurl"},
    USER_SETTINGS_PATH.lower() + "\\connections": {"defaultconnectionsettings", "savedlegacysettings"},
    USER_POLICY_PATH.lower(): {"proxyenable", "proxyserver", "proxyoverride", "autoconfigurl"},
}
_USER_HIVES = ("", "hkey_current_user", "hkcu")
_EXTENSIONS = {REGISTRY_PREFERENCE_CSE: "registry", INTERNET_SETTINGS_CSE: "internet_settings"}


def user_preferences_operation() -> dict[str, t.Any]:
    """The read-only per-user WMI query of the users' preference items, in the same host command as the rest."""
    return {
        "op": "wmi_query",
        "namespace": USER_RSOP_NAMESPACE,
        "class": GPP_CLASS,
        "properties": GPP_PROPERTIES,
        "per_user": True,
        "max_users": MAX_RSOP_USERS,
    }


def _proxy_value(attributes: t.Mapping[str, str]) -> tuple[str, str] | None:
    """(key, value name) when a registry element of an item writes one of a user's proxy values."""
    if attributes.get("disabled") == "1" or attributes.get("hive", "").lower() not in _USER_HIVES:
        return None
    key, name = attributes.get("key", "").strip("\\"), attributes.get("name", "")
    return (key, name) if name.lower() in _PROXY_VALUES.get(key.lower(), ()) else None


def _item_value(extension: str, xml: str) -> tuple[tuple[str, str], dict[str, str]] | None:
    """The first proxy value an item writes, with its element's attributes.

    A Registry item has one ``<Properties hive= key= name= action=/>``; an Internet Settings item holds its
    settings as registry elements ([MS-GPPREF] 2.2.1.10 and 2.2.1.17), taken here as any element with ``key`` and
    ``name`` attributes (unverified: docs/owners.md).
    """
    for tag, attributes in item_elements(xml):
        if extension == "registry" and tag != "Properties":
            continue
        found = _proxy_value(attributes)
        if found is not None:
            return found, attributes
    return None


def user_preference_owners(answer: t.Mapping[str, t.Any] | None) -> dict[str, dict[str, t.Any]]:
    """Per user SID, the winning preference item that sets the user's proxy: ``group_policy_preferences`` with the GPO.

    Only precedence 1 rows of the Internet Settings and Registry extensions count; the first in the answer's order
    wins (a user with several is rare, and any of them is a reason to hold). ``verified`` is false: the class, the
    user namespace and the Internet Settings item's XML are not documented together by Microsoft.
    """
    found: dict[str, dict[str, t.Any]] = {}
    for user in (answer or {}).get("users") or []:
        sid = str(user.get("sid"))
        for row in user.get("instances") or []:
            extension = _EXTENSIONS.get(str(row.get("polmkrBaseCseGuid", "")).upper())
            xml = row.get("polmkrBaseInstanceXml")
            if extension is None or row.get("precedence") != 1 or not isinstance(xml, str) or sid in found:
                continue
            item = _item_value(extension, xml)
            if item is None:
                continue
            (key, name), attributes = item
            owner: dict[str, t.Any] = {
                "owner": "group_policy_preferences",
                **preference_gpo(row),
                "key": f"HKU\\{sid}\\{key}"[:1024],
                "value": name[:256],
                "extension": extension,
            }
            if extension == "registry":
                owner["action"] = preference_action(attributes)
            found[sid] = {**owner, "verified": False}
    return found


def policy_branch(owner: t.Mapping[str, t.Any]) -> bool:
    """Whether a user preference owner writes the user's policies branch (not the user's own settings)."""
    return str(owner.get("key", "")).lower().endswith("\\" + USER_POLICY_PATH.lower())
