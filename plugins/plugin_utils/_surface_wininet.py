# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device-wide (per-machine) WinINET proxy, the "Windows proxy" (internal use only).

Three places must agree for it to work: the ``ProxySettingsPerUser`` policy (0 = per machine),
the ``DefaultConnectionSettings`` blob WinINET reads (with ``SavedLegacySettings`` beside it), and the
legacy flat values ``ProxyEnable``/``ProxyServer``/``ProxyOverride``/``AutoConfigURL``.
"""

from __future__ import annotations

import base64
import dataclasses
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _connection_settings as codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_forms import same_proxy
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import same_url
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

NAME = "wininet"
TITLE = "Device-wide WinINET proxy"
POLICY_PATH = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
POLICY_VALUE = "ProxySettingsPerUser"
SETTINGS_PATH = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS_PATH = SETTINGS_PATH + r"\Connections"
BLOBS = ("DefaultConnectionSettings", "SavedLegacySettings")
POLICY_ADDRESS = KeyAddress("HKLM", POLICY_PATH, 64)
# The flat values are legacy mirrors (documented for HKCU; whether WinINET reads the HKLM copies is
# unverified): kept consistent where Windows keeps them, in the native view, not duplicated into WOW6432Node.
FLAT_VALUES_VIEW = 64


@dataclasses.dataclass(frozen=True)
class Desired:
    """The machine proxy asked for; an empty proxy and URL with no auto-detect is direct access."""

    proxy: str = ""
    bypass: tuple[str, ...] = ()
    auto_config_url: str = ""
    auto_detect: bool = False
    per_machine: bool | None = True
    # Text Windows keeps but does not use (a proxy or PAC URL whose flag is off, a bypass list without
    # a proxy) is kept and never drift, unless this asks to remove it.
    clear_disabled: bool = False

    @property
    def is_direct(self) -> bool:
        return not (self.proxy or self.auto_config_url or self.auto_detect)

    def settings(self, previous: codec.ConnectionSettings | None) -> codec.ConnectionSettings:
        return codec.build(
            previous,
            proxy=self.proxy,
            bypass=";".join(self.bypass),
            auto_config_url=self.auto_config_url,
            auto_detect=self.auto_detect,
            keep_disabled=not self.clear_disabled,
        )

    def flat_values(self) -> dict[str, RegValue]:
        """The legacy flat values that mirror the blob (a missing RegValue means: not there)."""

        def text(value: str) -> RegValue:
            return RegValue(True, "string", value) if value else RegValue.missing()

        return {
            "ProxyEnable": RegValue(True, "dword", 1 if self.proxy else 0),
            "ProxyServer": text(self.proxy),
            "ProxyOverride": text(";".join(self.bypass) if self.proxy else ""),
            "AutoConfigURL": text(self.auto_config_url),
        }


def read_blob(
    snapshot: RegistrySnapshot, view: int, name: str
) -> tuple[RegValue, codec.ConnectionSettings | None, str | None]:
    """One connection-settings blob as found: the value, its decoding, and why it could not be decoded."""
    value = snapshot.value(KeyAddress("HKLM", CONNECTIONS_PATH, view), name)
    raw = value.as_bytes()
    if raw is None:
        return value, None, (f"{name} is a {value.type} value, expected binary" if value.exists else None)
    try:
        return value, codec.decode(raw, name), None
    except codec.ConnectionSettingsError as exc:
        return value, None, str(exc)


def describe_blob(settings: codec.ConnectionSettings | None) -> dict[str, t.Any]:
    """What WinINET uses from a blob, and the bypass list as stored (used only with the proxy).

    A proxy or PAC URL stored with its flag off, or a flag on with nothing to use, is listed under
    ``disabled``: Windows keeps that text, and it never counts as drift unless clear_disabled is set.
    """
    if settings is None:
        return {"proxy": None, "bypass": [], "auto_config_url": None, "auto_detect": False}
    described: dict[str, t.Any] = {
        "proxy": settings.proxy if settings.proxy_effective else None,
        "bypass": settings.bypass_list,
        "auto_config_url": settings.auto_config_url if settings.auto_config_effective else None,
        "auto_detect": settings.auto_detect,
    }
    disabled = {name: text for name, text in settings.disabled_parts.items() if name != "bypass"}
    if disabled:
        described["disabled"] = disabled
    return described


# A flat value Windows treats as this when it is missing (ProxyEnable absent = 0 = no proxy).
_FLAT_DEFAULTS = {"ProxyEnable": RegValue(True, "dword", 0)}
# Flat values that mean something only while ProxyEnable is 1.
_PROXY_TEXT_VALUES = ("ProxyServer", "ProxyOverride")


def _same_flat(name: str, current: RegValue, wanted: RegValue) -> bool:
    current = current if current.exists else _FLAT_DEFAULTS.get(name, current)
    wanted = wanted if wanted.exists else _FLAT_DEFAULTS.get(name, wanted)
    if current.exists != wanted.exists:
        return False
    if not wanted.exists:
        return True
    if current.type != wanted.type:
        return False
    if name == "ProxyServer":
        return same_proxy(str(current.data), str(wanted.data))
    if name == "AutoConfigURL":
        return same_url(current.data, wanted.data)
    if name == "ProxyOverride":
        return {item.lower() for item in str(current.data).split(";")} == {
            item.lower() for item in str(wanted.data).split(";")
        }
    return bool(current.data == wanted.data)


def per_machine_mode(snapshot: RegistrySnapshot) -> bool:
    """True when the ProxySettingsPerUser policy is 0; Windows defaults to per-user otherwise."""
    value = snapshot.value(POLICY_ADDRESS, POLICY_VALUE)
    return value.exists and value.type == "dword" and value.data == 0


class WinInetSurface:
    """The machine WinINET proxy in the chosen registry views, bound to the desired state."""

    name = NAME
    title = TITLE

    def __init__(self, desired: Desired | None, views: list[int], *, clear_disabled: bool = False) -> None:
        # None is state=absent: direct access, and the per-machine policy removed.
        self.desired = desired or Desired(per_machine=None, clear_disabled=clear_disabled)
        self.absent = desired is None
        self.views = views

    def registry_keys(self) -> list[KeyAddress]:
        keys = [POLICY_ADDRESS]
        for view in self.views:
            keys.append(KeyAddress("HKLM", CONNECTIONS_PATH, view))
            if view == FLAT_VALUES_VIEW:
                keys.append(KeyAddress("HKLM", SETTINGS_PATH, view))
        return keys

    def describe(self, snapshot: RegistrySnapshot) -> dict[str, t.Any]:
        described: dict[str, t.Any] = {"per_machine": per_machine_mode(snapshot)}
        for view in self.views:
            settings, error = read_blob(snapshot, view, BLOBS[0])[1:]
            entry = describe_blob(settings)
            if view == FLAT_VALUES_VIEW:
                address = KeyAddress("HKLM", SETTINGS_PATH, view)
                entry["flat"] = {name: snapshot.value(address, name).data for name in self.desired.flat_values()}
            if error:
                entry["error"] = error
            described[str(view)] = entry
        return described

    def _policy_change(self, snapshot: RegistrySnapshot) -> tuple[dict[str, t.Any], Change] | None:
        current = snapshot.value(POLICY_ADDRESS, POLICY_VALUE)
        if self.absent:
            if not current.exists:
                return None
            drift = {"setting": f"{NAME}.per_machine", "current": per_machine_mode(snapshot), "desired": None}
            return drift, Change("delete_value", POLICY_ADDRESS, POLICY_VALUE, expect=current)
        if self.desired.per_machine is None or per_machine_mode(snapshot) == self.desired.per_machine:
            return None
        wanted = RegValue(True, "dword", 0 if self.desired.per_machine else 1)
        drift = {
            "setting": f"{NAME}.per_machine",
            "current": per_machine_mode(snapshot),
            "desired": self.desired.per_machine,
        }
        return drift, Change("set_value", POLICY_ADDRESS, POLICY_VALUE, expect=current, value=wanted)

    def _blob_changes(self, snapshot: RegistrySnapshot, view: int) -> list[tuple[dict[str, t.Any], Change]]:
        found = []
        address = KeyAddress("HKLM", CONNECTIONS_PATH, view)
        for name in BLOBS:
            value, settings, error = read_blob(snapshot, view, name)
            if not value.exists and self.desired.is_direct:
                continue  # no blob at all already means direct access
            wanted = self.desired.settings(settings)
            if settings is not None and codec.same_meaning(
                settings, wanted, compare_disabled=self.desired.clear_disabled
            ):
                continue
            blob = base64.b64encode(codec.encode(wanted)).decode("ascii")
            change = Change("set_value", address, name, expect=value, value=RegValue(True, "binary", blob))
            current = {"error": error} if error else describe_blob(settings)
            found.append(
                ({"setting": f"{NAME}.{view}.{name}", "current": current, "desired": describe_blob(wanted)}, change)
            )
        return found

    def _flat_changes(self, snapshot: RegistrySnapshot, view: int) -> list[tuple[dict[str, t.Any], Change]]:
        found = []
        address = KeyAddress("HKLM", SETTINGS_PATH, view)
        # Without a proxy, ProxyServer and ProxyOverride beside ProxyEnable 0 are unused text, kept like the
        # blob's; text that was in use goes with the proxy, as it does from the blob.
        proxy_in_use = _same_flat("ProxyEnable", snapshot.value(address, "ProxyEnable"), RegValue(True, "dword", 1))
        keep_text = not (self.desired.proxy or self.desired.clear_disabled or proxy_in_use)
        for name, wanted in self.desired.flat_values().items():
            current = snapshot.value(address, name)
            unused = name in _PROXY_TEXT_VALUES and keep_text
            if unused or _same_flat(name, current, wanted):
                continue
            drift = {"setting": f"{NAME}.{view}.{name}", "current": current.data, "desired": wanted.data}
            if wanted.exists:
                found.append((drift, Change("set_value", address, name, expect=current, value=wanted)))
            else:
                found.append((drift, Change("delete_value", address, name, expect=current)))
        return found

    def _differences(self, snapshot: RegistrySnapshot) -> list[tuple[dict[str, t.Any], Change]]:
        found = []
        policy = self._policy_change(snapshot)
        if policy is not None:
            found.append(policy)
        for view in self.views:
            found += self._blob_changes(snapshot, view)
            if view == FLAT_VALUES_VIEW:
                found += self._flat_changes(snapshot, view)
        return found

    def drift(self, snapshot: RegistrySnapshot) -> list[dict[str, t.Any]]:
        return [drift for drift, _change in self._differences(snapshot)]

    def plan(self, snapshot: RegistrySnapshot) -> list[Change]:
        return [change for _drift, change in self._differences(snapshot)]

    def warnings(self, snapshot: RegistrySnapshot) -> list[str]:
        warnings = []
        for view in self.views:
            for name in BLOBS:
                error = read_blob(snapshot, view, name)[2]
                if error:
                    warnings.append(f"{view}-bit view: {error}; the value will be rewritten")
        if not self.absent and self.desired.per_machine is None and not per_machine_mode(snapshot):
            warnings.append(
                "ProxySettingsPerUser is not 0: WinINET works per user, so neither signed-in users nor NetworkService "
                "(Delivery Optimization without a user) use these machine settings"
            )
        return warnings
