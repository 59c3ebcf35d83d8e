# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which proxy each Microsoft cloud consumer will use, and the rule that decided it (internal use only).

Each consumer and context gets a route ``{proxy, pac_url, bypass, source, rule}``: ``proxy`` None and
``pac_url`` None mean direct access, ``source`` names the setting that decided (``wininet.machine``,
``wininet.user:<SID>``, ``winhttp.64``, ``telemetry``, ``defender.proxy_server``, ``defender.pac_url``,
``direct``, or ``nobody_signed_in`` for a signed-in user's route that per-user settings would decide while
nobody is signed in) and ``rule`` is a sentence citing the table row or fallback step, for the reader of a report.

The sources are the documents named in docs/findings.md: [DOPX] for Delivery Optimization, [MDEPX] for
the Defender for Endpoint sensor, and the WindowsDefender.admx policy text [ADMX] for Defender
Antivirus's fallback order.
"""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import (
    ProxyPicture,
    UserProxy,
    WinInetSettings,
)

DIRECT = "direct"
MACHINE_WININET = "wininet.machine"
WINHTTP_64 = "winhttp.64"
# The source of the interactive route when nobody is signed in and per-user settings would decide it.
NOBODY_SIGNED_IN = "nobody_signed_in"
INTERACTIVE = "interactive user signed in"
NETWORK_SERVICE = "no user signed in (NetworkService)"
DO_TABLE = "[DOPX] 'Which proxy Delivery Optimization uses'"
AV_ORDER = "[ADMX] WindowsDefender.admx fallback order (proxy server, PAC, none, system proxy settings, autodetect)"


def _route(
    source: str,
    rule: str,
    *,
    proxy: str | None = None,
    pac_url: str | None = None,
    bypass: t.Iterable[str] = (),
) -> dict[str, t.Any]:
    return {"proxy": proxy, "pac_url": pac_url, "bypass": list(bypass), "source": source, "rule": rule}


def _joined(base: str, notes: t.Iterable[str]) -> str:
    return "; ".join([base, *notes])


def _wininet_route(settings: WinInetSettings, source: str, rule: str) -> dict[str, t.Any]:
    # The bypass list belongs to the manual proxy; a PAC file decides for itself.
    bypass = settings.bypass if settings.proxy else ()
    return _route(source, rule, proxy=settings.proxy, pac_url=settings.pac_url, bypass=bypass)


def _netsh_route(picture: ProxyPicture, rule: str) -> dict[str, t.Any]:
    settings = picture.winhttp[64].settings
    if settings is None:
        return _route(DIRECT, rule)
    return _route(WINHTTP_64, rule, proxy=settings.proxy, bypass=settings.bypass_list)


def _netsh_set(picture: ProxyPicture) -> bool:
    # DoSvc and the sensor are 64-bit services: the 64-bit view is the netsh proxy they see.
    return picture.winhttp[64].access_type == "named_proxy"


def _auto_detect_note(settings: WinInetSettings) -> list[str]:
    if settings.auto_detect and not settings.names_proxy:
        return ["only automatic detection (WPAD) is on, so the proxy is whatever WPAD finds, direct when it finds none"]
    return []


def interactive_user(picture: ProxyPicture) -> tuple[UserProxy | None, list[str]]:
    """The signed-in user whose settings stand for the interactive user in per-user mode, and what the rule says.

    Only a user who owns an interactive (console or remote desktop) session counts, never the account
    Ansible connects with, whose hive WinRM loads into HKU; with several, the first is taken and named.
    """
    if not picture.users_read:
        return None, [
            "the user hives were not read, so no interactive user's settings are known: evaluated as a user "
            "without WinINET settings of their own"
        ]
    signed_in = picture.signed_in
    if not signed_in:
        return None, [_nobody_signed_in(picture)]
    first = signed_in[0]
    notes = _user_owner_note(first)
    if len(signed_in) == 1:
        return first, notes
    sids = ", ".join(user.sid for user in signed_in)
    return first, [f"{len(signed_in)} users are signed in ({sids}); the first, {first.sid}, is taken", *notes]


def _user_owner_note(user: UserProxy) -> list[str]:
    """Who set the user's proxy, when it is not the user (docs/owners.md, user-side policy)."""
    owner = user.owner
    if owner.get("owner") == "group_policy":
        return [f"user Group Policy sets this user's proxy ({owner.get('gpo_name') or 'GPO not named'})"]
    if owner.get("owner") == "group_policy_preferences":
        return [f"a Group Policy Preferences item sets this user's proxy ({owner.get('gpo_name')})"]
    return []


def _nobody_signed_in(picture: ProxyPicture) -> str:
    connecting = [user.sid for user in picture.users if user.connecting]
    text = "nobody is signed in (no loaded user hive owns a console or remote desktop session)"
    if connecting:
        text += f"; the hive of the account Ansible connects with ({', '.join(connecting)}) is not a user's"
    return text


def _no_user_row_only(picture: ProxyPicture) -> bool:
    """Whether only [DOPX]'s 'no user signed in' column applies: per-user mode and nobody signed in."""
    return not picture.per_machine and picture.users_read and not picture.signed_in


def _delivery_optimization(picture: ProxyPicture) -> dict[str, dict[str, t.Any]]:
    """Both columns of [DOPX]'s table: the WinINET scope (device-wide or current user) crossed with netsh."""
    netsh = _netsh_set(picture)
    user_notes: list[str] = []
    common_notes: list[str] = []
    if picture.per_machine:
        settings: WinInetSettings | None = picture.wininet_machine[64]
        scope, source, whose = "device-wide", MACHINE_WININET, "the device-wide WinINET proxy"
    else:
        user, user_notes = interactive_user(picture)
        settings = user.settings if user else None
        sid = user.sid if user else ""
        scope, source, whose = "current user", f"wininet.user:{sid}", f"the WinINET proxy of the current user ({sid})"
        if picture.wininet_machine[64].configured:
            common_notes.append("ProxySettingsPerUser is not 0, so the machine WinINET settings apply to nobody here")
    wininet = settings is not None and settings.configured

    if wininet and settings is not None:
        row = f"WinINET {scope} + netsh" if netsh else f"WinINET {scope} only"
        interactive_notes = [*user_notes, *common_notes, *_auto_detect_note(settings)]
        interactive = _wininet_route(
            settings, source, _joined(f"{DO_TABLE}, row '{row}', {INTERACTIVE}: {whose}", interactive_notes)
        )
        if netsh:
            network_service = _netsh_route(
                picture, _joined(f"{DO_TABLE}, row '{row}', {NETWORK_SERVICE}: the netsh proxy", common_notes)
            )
        elif picture.per_machine:
            network_service = _wininet_route(
                settings,
                source,
                _joined(f"{DO_TABLE}, row '{row}', {NETWORK_SERVICE}: {whose}", _auto_detect_note(settings)),
            )
        else:
            network_service = _route(
                DIRECT, _joined(f"{DO_TABLE}, row '{row}', {NETWORK_SERVICE}: no proxy", common_notes)
            )
    elif netsh:
        row = "netsh (WinHTTP) only"
        interactive = _route(
            DIRECT,
            _joined(
                f"{DO_TABLE}, row '{row}', {INTERACTIVE}: no proxy (the netsh proxy is not used with a user signed in)",
                [*user_notes, *common_notes],
            ),
        )
        network_service = _netsh_route(
            picture, _joined(f"{DO_TABLE}, row '{row}', {NETWORK_SERVICE}: the netsh proxy", common_notes)
        )
    else:
        base = "[DOPX] no WinINET or netsh proxy is configured (not a row of the table)"
        interactive = _route(DIRECT, _joined(f"{base}, {INTERACTIVE}: direct", [*user_notes, *common_notes]))
        network_service = _route(DIRECT, _joined(f"{base}, {NETWORK_SERVICE}: direct", common_notes))
    if _no_user_row_only(picture):
        interactive = _route(
            NOBODY_SIGNED_IN,
            _joined(
                f"{DO_TABLE}, {INTERACTIVE}: not evaluated",
                [*user_notes, "only the 'no user signed in' column applies"],
            ),
        )
    return {"interactive": interactive, "network_service": network_service}


def _mde_sensor(picture: ProxyPicture) -> dict[str, t.Any]:
    proxy = picture.telemetry.text("proxy")
    if proxy is not None:
        return _route(
            "telemetry",
            "[MDEPX] the registry static proxy (TelemetryProxyServer) comes first; "
            "the sensor falls back to direct access when it is unreachable",
            proxy=proxy,
        )
    if _netsh_set(picture):
        return _netsh_route(
            picture,
            "[MDEPX] no TelemetryProxyServer: the sensor runs as LocalSystem and uses the WinHTTP default proxy "
            "(netsh, 64-bit view)",
        )
    return _route(
        DIRECT,
        "[MDEPX] no TelemetryProxyServer and WinHTTP is direct: the sensor connects directly "
        "(or through WPAD or a transparent proxy)",
    )


def _system_settings(picture: ProxyPicture, step: str) -> dict[str, t.Any]:
    """Defender Antivirus's steps 3 and 4: direct first, then the system proxy settings of LocalSystem."""
    machine = picture.wininet_machine[64]
    if picture.per_machine and machine.names_proxy:
        return _wininet_route(
            machine,
            MACHINE_WININET,
            f"{step}: a direct connection is tried first (none); when it fails, the system proxy settings, "
            "here the device-wide WinINET proxy",
        )
    if _netsh_set(picture):
        return _netsh_route(
            picture,
            f"{step}: a direct connection is tried first (none); when it fails, the system proxy settings, "
            "here the WinHTTP default proxy (netsh, 64-bit view)",
        )
    return _route(DIRECT, f"{step}: direct (none), with no system proxy setting to fall back to")


_STORE_WORDS = {
    "policy": "policy",
    "mdm": "MDM policy",
    "preference": "preference (Set-MpPreference, no policy sets it)",
}


def _defender_av(picture: ProxyPicture) -> dict[str, t.Any]:
    """Defender Antivirus's route, with ``store``: where the value that decided came from (policy, mdm,
    preference, or none when the system settings decide)."""
    bypass = picture.defender.values.get("bypass") or []
    if "bypass" in picture.defender.wrong_type:
        bypass = []
    proxy = picture.defender.text("proxy_server")
    if proxy is not None:
        store = picture.defender.stores.get("proxy_server", "policy")
        rule = f"{AV_ORDER}, step 1: the ProxyServer {_STORE_WORDS.get(store, store)}"
        if not proxy.lower().startswith(("http://", "https://")):
            rule += " (it lacks the http:// or https:// that [MDEPX] requires)"
        return {**_route("defender.proxy_server", rule, proxy=proxy, bypass=bypass), "store": store}
    pac_url = picture.defender.text("pac_url")
    if pac_url is not None:
        store = picture.defender.stores.get("pac_url", "policy")
        return {
            **_route(
                "defender.pac_url",
                f"{AV_ORDER}, step 2: no ProxyServer, so the ProxyPacUrl {_STORE_WORDS.get(store, store)}",
                pac_url=pac_url,
                bypass=bypass,
            ),
            "store": store,
        }
    return {**_system_settings(picture, f"{AV_ORDER}, steps 3-4: no ProxyServer or ProxyPacUrl"), "store": "none"}


def effective(picture: ProxyPicture) -> dict[str, t.Any]:
    """The route of each consumer: Delivery Optimization with and without a user, the MDE sensor, Defender AV."""
    return {
        "delivery_optimization": _delivery_optimization(picture),
        "mde_sensor": _mde_sensor(picture),
        "defender_av": _defender_av(picture),
    }


def delivery_optimization_group(picture: ProxyPicture) -> dict[str, t.Any]:
    """Which peer group Delivery Optimization uses in Group mode: DOGroupIdSource wins over DOGroupId.

    [ADMX] (the Delivery Optimization reference on DOGroupIdSource): "If you set this policy, the GroupID
    policy will be ignored." A source of 0 is "not set".
    """
    policy = picture.delivery_optimization
    mode, group_id, source = policy.dword("download_mode"), policy.text("group_id"), policy.dword("group_id_source")
    mode_text = "not set" if mode is None else str(mode)
    applies = "" if mode == 2 else f"; DODownloadMode is {mode_text}, not 2 (Group), so no group applies"
    if source:
        ignored = f"; DOGroupId {group_id} is ignored" if group_id else ""
        return {
            "group_id": None,
            "group_id_source": policy.values.get("group_id_source"),
            "rule": f"[ADMX] DOGroupIdSource {source} is set, so it decides the group{ignored}{applies}",
        }
    if group_id:
        return {"group_id": group_id, "group_id_source": None, "rule": f"[ADMX] DOGroupId {group_id}{applies}"}
    return {
        "group_id": None,
        "group_id_source": None,
        "rule": f"[ADMX] neither DOGroupId nor DOGroupIdSource is set: peers are grouped by AD site or domain{applies}",
    }
