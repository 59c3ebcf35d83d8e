# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which managed values Group Policy sets, from the host's Resultant Set of Policy (internal use only).

``RSOP_RegistryPolicySetting`` (namespace ``root\\rsop\\computer``) has one row per registry value a
GPO sets, the winning one with precedence 1; ``RSOP_GPO`` names the GPOs. Both are read with the
agent's generic ``wmi_query`` in the same host command as the registry.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import (
    _surface_defender,
    _surface_delivery_optimization,
    _surface_telemetry,
    _surface_wininet,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import CONNECTIONS_PATH, VALUE_NAME

RSOP_NAMESPACE = "root\\rsop\\computer"
SETTING_PROPERTIES = ["registryKey", "valueName", "GPOID", "precedence"]
GPO_PROPERTIES = ["id", "name", "guidName"]


def rsop_operations() -> list[dict[str, t.Any]]:
    """The two read-only WMI queries, to run in the same host command as the registry read."""
    return [
        {
            "op": "wmi_query",
            "namespace": RSOP_NAMESPACE,
            "class": "RSOP_RegistryPolicySetting",
            "properties": SETTING_PROPERTIES,
        },
        {"op": "wmi_query", "namespace": RSOP_NAMESPACE, "class": "RSOP_GPO", "properties": GPO_PROPERTIES},
    ]


def _managed_values() -> dict[tuple[str, str], str]:
    """(key path, value name), lower-cased, -> the setting id reports use."""
    managed = {
        (_surface_wininet.POLICY_PATH.lower(), _surface_wininet.POLICY_VALUE.lower()): "wininet.per_machine",
        (CONNECTIONS_PATH.lower(), VALUE_NAME.lower()): "winhttp.64",
    }
    for surface in (_surface_telemetry, _surface_defender, _surface_delivery_optimization):
        for value in surface.VALUES:
            managed[(value.path.lower(), value.name.lower())] = f"{surface.NAME}.{value.setting}"
    return managed


MANAGED_VALUES = _managed_values()


@dataclasses.dataclass(frozen=True)
class Owner:
    """The GPO that sets one value."""

    setting: str
    key: str
    value: str
    gpo_name: str
    gpo_id: str
    precedence: int

    def as_dict(self) -> dict[str, t.Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        return f"Group Policy '{self.gpo_name}' ({self.gpo_id})"


def owners(settings_result: dict[str, t.Any], gpos_result: dict[str, t.Any]) -> dict[tuple[str, str], Owner]:
    """The winning GPO of every managed value a GPO sets, by (key path, value name) lower-cased."""
    names = {
        str(gpo.get("id", "")).lower(): str(gpo.get("name") or gpo.get("guidName") or "")
        for gpo in gpos_result.get("instances") or []
    }
    found: dict[tuple[str, str], Owner] = {}
    for row in settings_result.get("instances") or []:
        where = (
            str(row.get("registryKey", "")).lower().removeprefix("hkey_local_machine\\"),
            str(row.get("valueName", "")).lower(),
        )
        setting = MANAGED_VALUES.get(where)
        if setting is None or row.get("precedence") != 1:
            continue
        gpo_id = str(row.get("GPOID", ""))
        found[where] = Owner(
            setting=setting,
            key=f"HKLM\\{row.get('registryKey')}",
            value=str(row.get("valueName")),
            gpo_name=names.get(gpo_id.lower(), gpo_id),
            gpo_id=gpo_id,
            precedence=1,
        )
    return found
