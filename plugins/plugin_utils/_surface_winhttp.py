# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinHTTP default proxy surface: where it lives, what it means, how to fix it (internal use only).

What ``netsh winhttp set proxy`` manages: the ``WinHttpSettings`` blob, once per registry view.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_wininet as wininet
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _winhttp_settings as codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_forms import same_proxy
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import same_bypass
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    Change,
    KeyAddress,
    RegistrySnapshot,
    RegValue,
)

NAME = "winhttp"
CONNECTIONS_PATH = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
VALUE_NAME = "WinHttpSettings"


def key_address(view: int) -> KeyAddress:
    return KeyAddress("HKLM", CONNECTIONS_PATH, view)


@dataclasses.dataclass(frozen=True)
class Desired:
    """What the user asked for: a named proxy with its bypass list, or direct access."""

    access_type: codec.AccessType
    proxy: str | None = None
    bypass: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, t.Any]:
        return {"access_type": self.access_type, "proxy": self.proxy, "bypass": list(self.bypass)}


@dataclasses.dataclass(frozen=True)
class ViewState:
    """The WinHTTP proxy of one registry view as found on the host."""

    view: int
    value: RegValue
    settings: codec.WinHttpSettings | None
    error: str | None = None

    @property
    def access_type(self) -> str:
        if self.settings is None:
            return "invalid" if self.error else "direct"
        return self.settings.access_type

    def as_dict(self) -> dict[str, t.Any]:
        settings = self.settings
        described: dict[str, t.Any] = {
            "access_type": self.access_type,
            "proxy": settings.proxy if settings else None,
            "bypass": settings.bypass_list if settings else [],
            "value_present": self.value.exists,
            "header": f"0x{settings.header:02X}" if settings else None,
        }
        if self.error:
            described["error"] = self.error
        return described


def read_view(snapshot: RegistrySnapshot, view: int) -> ViewState:
    """Decode one view; a missing value means direct access, an unreadable one is reported."""
    value = snapshot.value(key_address(view), VALUE_NAME)
    if not value.exists:
        return ViewState(view, value, None)
    blob = value.as_bytes()
    if blob is None:
        return ViewState(view, value, None, f"{VALUE_NAME} is a {value.type} value, expected binary")
    try:
        return ViewState(view, value, codec.decode(blob))
    except codec.WinHttpSettingsError as exc:
        return ViewState(view, value, None, str(exc))


def drift(state: ViewState, desired: Desired) -> list[dict[str, t.Any]]:
    """The settings of one view that differ from ``desired``, compared by meaning."""
    current = state.as_dict()
    prefix = f"{NAME}.{state.view}"
    found: list[dict[str, t.Any]] = []
    if current["access_type"] != desired.access_type:
        found.append(
            {"setting": f"{prefix}.access_type", "current": current["access_type"], "desired": desired.access_type}
        )
    if desired.access_type == "direct":
        return found
    if not same_proxy(current["proxy"], desired.proxy):
        found.append({"setting": f"{prefix}.proxy", "current": current["proxy"], "desired": desired.proxy})
    if not same_bypass(current["bypass"], desired.bypass):
        found.append({"setting": f"{prefix}.bypass", "current": current["bypass"], "desired": list(desired.bypass)})
    return found


def plan(state: ViewState, desired: Desired) -> Change | None:
    """The one write that brings a view to ``desired``, or None when it already complies."""
    if not drift(state, desired):
        return None
    # Keep the header version the host already uses; a missing or unreadable value gets 0x18.
    base = state.settings or codec.WinHttpSettings("direct")
    wanted = dataclasses.replace(
        base,
        access_type=desired.access_type,
        proxy=desired.proxy,
        bypass=";".join(desired.bypass) if desired.access_type == "named_proxy" else None,
    )
    blob = codec.encode(wanted)
    return Change("set_value", key_address(state.view), VALUE_NAME, expect=state.value, value=RegValue.binary(blob))


class WinHttpSurface:
    """The WinHTTP default proxy in the chosen registry views, bound to the desired state.

    With ``desired`` None the proxy is copied from the machine's WinINET settings, like
    ``netsh winhttp import proxy source=ie`` but from the device-wide settings rather than the
    profile of the account WinRM connects with: only the manual proxy and bypass list, no PAC and
    no auto-detection, which WinHTTP's static proxy cannot express.
    """

    name = NAME
    title = "WinHTTP default proxy"

    def __init__(self, desired: Desired | None, views: list[int]) -> None:
        self._desired = desired
        self.views = views

    def registry_keys(self) -> list[KeyAddress]:
        keys = [key_address(view) for view in self.views]
        if self._desired is None:
            keys += [wininet.POLICY_ADDRESS, key_address(64)]
        return keys

    def desired(self, snapshot: RegistrySnapshot) -> Desired | None:
        """What the views should hold; from WinINET's 64-bit machine settings for source=wininet.

        None when that source cannot be read: WinHTTP is then left alone rather than reset to direct.
        """
        if self._desired is not None:
            return self._desired
        settings, error = wininet.read_blob(snapshot, 64, "DefaultConnectionSettings")[1:]
        if error:
            return None
        if settings is None or not settings.proxy_effective:
            return Desired("direct")
        return Desired("named_proxy", settings.proxy, tuple(settings.bypass_list))

    def describe(self, snapshot: RegistrySnapshot) -> dict[str, t.Any]:
        return {f"{view}": read_view(snapshot, view).as_dict() for view in self.views}

    def drift(self, snapshot: RegistrySnapshot) -> list[dict[str, t.Any]]:
        desired = self.desired(snapshot)
        if desired is None:
            return []
        return [item for view in self.views for item in drift(read_view(snapshot, view), desired)]

    def plan(self, snapshot: RegistrySnapshot) -> list[Change]:
        desired = self.desired(snapshot)
        if desired is None:
            return []
        return [change for view in self.views if (change := plan(read_view(snapshot, view), desired))]

    def warnings(self, snapshot: RegistrySnapshot) -> list[str]:
        found = [
            f"{view}-bit view: {state.error}; the value will be rewritten"
            for view in self.views
            if (state := read_view(snapshot, view)).error
        ]
        if self._desired is None:
            found += _import_warnings(snapshot)
        desired = self.desired(snapshot)
        ignored = ignored_entries(desired.proxy if desired is not None else None)
        if ignored:
            # Accepted for parity with netsh and ansible.windows; WinHTTP's requests are http/https only.
            found.append(
                f"proxy: {', '.join(ignored)} is accepted but WinHTTP never uses ftp= or socks= entries of its "
                "default proxy (INTERNET_SCHEME: FTP and SOCKS are not schemes of WinHTTP requests)"
            )
        return found


# WinHTTP requests are http or https: INTERNET_SCHEME documents FTP for WinHttpGetProxyForUrl(Ex) only and SOCKS for
# WINHTTP_PROXY_RESULT_ENTRY only, so such entries of the default proxy carry nothing.
IGNORED_SCHEMES = ("ftp", "socks")


def ignored_entries(proxy: str | None) -> list[str]:
    """The ``ftp=`` and ``socks=`` entries of a per-scheme WinHTTP proxy string, which WinHTTP's requests never use."""
    if not proxy or "=" not in proxy:
        return []
    entries = [entry.strip() for entry in proxy.replace(" ", ";").split(";") if entry.strip()]
    return [entry for entry in entries if entry.partition("=")[0].strip().lower() in IGNORED_SCHEMES]


def _import_warnings(snapshot: RegistrySnapshot) -> list[str]:
    """What source=wininet cannot carry over, and when the machine settings may not be what users get."""
    found = []
    settings, error = wininet.read_blob(snapshot, 64, "DefaultConnectionSettings")[1:]
    if error:
        return [f"source=wininet: the machine's {error}; WinHTTP is left as it is"]
    if settings is not None and (settings.auto_config or settings.auto_detect):
        found.append(
            "source=wininet copies only the manual proxy and bypass list: the machine's "
            + " and ".join(
                part
                for part, used in (("PAC URL", settings.auto_config), ("auto-detection", settings.auto_detect))
                if used
            )
            + " cannot be expressed in WinHTTP's static proxy"
        )
    if not wininet.per_machine_mode(snapshot):
        found.append(
            "ProxySettingsPerUser is not 0: users may use proxies of their own, so the machine WinINET settings "
            "copied by source=wininet may not be what interactive downloads use"
        )
    return found
