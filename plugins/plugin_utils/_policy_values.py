# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Surfaces made of plain policy values (REG_SZ / REG_DWORD under HKLM\\SOFTWARE\\Policies) (internal use only).

The telemetry proxy, Defender Antivirus and Delivery Optimization are each a handful of values
that Group Policy, Intune or we may write. A table says where each setting lives and how its
option value maps to registry data; this module does the reading, comparing and planning.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

# Policy consumers (MsSense, MsMpEng, DoSvc) are 64-bit services: the 64-bit view is what counts.
POLICY_VIEW = 64


@dataclasses.dataclass(frozen=True)
class PolicyValue:
    """One setting: its option name, where it lives, and how option values become registry data."""

    setting: str
    path: str
    name: str
    type: t.Literal["string", "dword"]
    to_data: t.Callable[[t.Any], t.Any] = lambda value: value
    from_data: t.Callable[[t.Any], t.Any] = lambda data: data
    same: t.Callable[[t.Any, t.Any], bool] = lambda current, desired: current == desired

    @property
    def address(self) -> KeyAddress:
        return KeyAddress("HKLM", self.path, POLICY_VIEW)

    def current(self, snapshot: RegistrySnapshot) -> RegValue:
        return snapshot.value(self.address, self.name)

    def display(self, value: RegValue) -> t.Any:
        """The value in option terms; a value of the wrong registry type is shown as found."""
        if not value.exists:
            return None
        if value.type != self.type:
            return f"<{value.type} {value.data!r}>"
        return self.from_data(value.data)


class PolicySurface:
    """A set of policy values bound to what the user asked for.

    ``desired`` maps settings to option values for the settings the task manages (None for
    ``state: absent``); settings it does not name are left alone. ``absent`` removes exactly the
    values of this surface that exist and nothing else: not foreign values in the same keys, and
    not the keys.
    """

    def __init__(
        self,
        name: str,
        title: str,
        values: tuple[PolicyValue, ...],
        desired: dict[str, t.Any] | None,
        warnings: list[str] | None = None,
    ) -> None:
        self.name = name
        self.title = title
        self.values = values
        self.desired = desired
        self._warnings = warnings or []

    def registry_keys(self) -> list[KeyAddress]:
        return list(dict.fromkeys(value.address for value in self.values))

    def describe(self, snapshot: RegistrySnapshot) -> dict[str, t.Any]:
        return {value.setting: value.display(value.current(snapshot)) for value in self.values}

    def _wanted(self, value: PolicyValue) -> RegValue | None:
        """The registry value asked for, a missing one for absent, or None when not managed."""
        if self.desired is None:
            return RegValue.missing()
        if value.setting not in self.desired:
            return None
        data = value.to_data(self.desired[value.setting])
        # An empty list (bypass: [], cache_hosts: []) means no such setting, not an empty string.
        return RegValue.missing() if data == "" else RegValue(True, value.type, data)

    def _differs(self, value: PolicyValue, current: RegValue, wanted: RegValue) -> bool:
        if current.exists != wanted.exists:
            return True
        if not wanted.exists:
            return False
        return current.type != wanted.type or not value.same(current.data, wanted.data)

    def drift(self, snapshot: RegistrySnapshot) -> list[dict[str, t.Any]]:
        found = []
        for value in self.values:
            wanted = self._wanted(value)
            current = value.current(snapshot)
            if wanted is not None and self._differs(value, current, wanted):
                found.append(
                    {
                        "setting": f"{self.name}.{value.setting}",
                        "current": value.display(current),
                        "desired": value.display(wanted),
                    }
                )
        return found

    def plan(self, snapshot: RegistrySnapshot) -> list[Change]:
        changes = []
        for value in self.values:
            wanted = self._wanted(value)
            current = value.current(snapshot)
            if wanted is None or not self._differs(value, current, wanted):
                continue
            if wanted.exists:
                changes.append(Change("set_value", value.address, value.name, expect=current, value=wanted))
            else:
                changes.append(Change("delete_value", value.address, value.name, expect=current))
        return changes

    def warnings(self, snapshot: RegistrySnapshot) -> list[str]:
        del snapshot
        return list(self._warnings)


def dword_bool(value: bool) -> int:
    return 1 if value else 0


def bool_from_dword(data: t.Any) -> bool:
    return bool(data)


def same_text_ignoring_case(current: t.Any, desired: t.Any) -> bool:
    return str(current).lower() == str(desired).lower()
