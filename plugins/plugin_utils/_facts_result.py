# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The proxy_facts result, from a read proxy_facts or proxy_baseline made (internal use only).

proxy_facts reads for it alone; proxy_baseline with ``facts: true`` builds it from the read it checks
the surfaces with (and what it wrote), so a role's check of a compliant host is one host command.
"""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._authentication import au001_hits, authentication
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import (
    delivery_optimization_group,
    effective,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import findings
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import Owner
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._owners import (
    NO_OWNERSHIP,
    Ownership,
    preference_owner,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import (
    PICTURE_KEYS,
    USER_KEYS,
    ProxyPicture,
    read_picture,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import KeyAddress, RegistrySnapshot
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._user_preferences import user_preference_owners


def picture_keys(*, users: bool) -> list[KeyAddress]:
    """The registry keys the picture needs; without the user hives' keys when ``users`` is false."""
    return [key for key in PICTURE_KEYS if users or key not in USER_KEYS]


def facts_result(
    read: dict[str, t.Any],
    *,
    profile: str,
    users: bool,
    connecting_user: str | None,
    owned: dict[tuple[str, str], Owner] | None = None,
    snapshot: RegistrySnapshot | None = None,
    authenticating: t.Sequence[str] = (),
    ownership: Ownership | None = None,
    user_preferences: t.Mapping[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    """``ansible_facts.windows_proxy`` and ``findings``, as proxy_facts returns them.

    Args:
        read: the answer of a read that covered :func:`picture_keys`.
        profile: the findings' profile (``standard`` or ``offline``).
        users: whether the read covered the user hives.
        connecting_user: the account Ansible connects as (never taken for a signed-in user).
        owned: the values Group Policy sets; None leaves ``gpo`` out of the facts.
        snapshot: the registry to describe instead of ``read``'s (the state after a write).
        authenticating: ``authenticating_proxies``, checked: proxies known to require credentials (AU001).
        ownership: who owns each managed value (Group Policy, MDM, preference items); None reads as nobody.
        user_preferences: the answer of the users' per-user RSoP query (preference items that set a user's
            proxy); None when it was not read.
    """
    picture = read_picture(
        read,
        users=users,
        connecting_user=connecting_user,
        snapshot=snapshot,
        user_preferences=user_preference_owners(user_preferences),
    )
    registry = snapshot if snapshot is not None else RegistrySnapshot.from_read_result(read)
    owners = setting_owners(picture, registry, ownership or NO_OWNERSHIP)
    routes = effective(picture)
    av = routes["defender_av"]
    if av["store"] == "none":
        av["owner"] = "local"
    else:
        av.update(owners[av["source"]])
    who = authentication(picture, routes, authenticating)
    found = findings(picture, routes, profile=profile, authentication_hits=au001_hits(who, authenticating))
    facts: dict[str, t.Any] = {
        **picture.as_facts(),
        "effective": routes,
        "authentication": who,
        "delivery_optimization_group": delivery_optimization_group(picture),
        "findings": found,
        "owners": owners,
    }
    if owned is not None:
        facts["gpo"] = [owner.as_dict() for owner in owned.values()]
    return {"ansible_facts": {"windows_proxy": facts}, "findings": found}


def setting_owners(picture: ProxyPicture, snapshot: RegistrySnapshot, ownership: Ownership) -> dict[str, t.Any]:
    """``owner`` with its details for every setting the facts describe, by setting id (docs/owners.md).

    A policy setting whose effective value comes from the Defender preference store (no policy sets it) is
    owned by ``preference``.
    """
    settings = [f"winhttp.{view}" for view in picture.winhttp]
    settings += ["wininet.per_machine", *(f"wininet.machine.{view}" for view in picture.wininet_machine)]
    stores: dict[str, str] = {}
    for surface, reading in (
        ("telemetry", picture.telemetry),
        ("defender", picture.defender),
        ("delivery_optimization", picture.delivery_optimization),
    ):
        settings += [f"{surface}.{name}" for name in reading.values]
        stores.update({f"{surface}.{name}": store for name, store in reading.stores.items()})
    found: dict[str, t.Any] = {}
    for setting in settings:
        # The facts name the machine's WinINET settings wininet.machine.<view>; the setting modules wininet.<view>.
        owner = ownership.of(setting.replace("wininet.machine.", "wininet.", 1))
        if owner.owner == "local" and stores.get(setting) == "preference":
            owner = preference_owner(snapshot, setting) or owner
        found[setting] = owner.as_dict()
    # Each loaded user's WinINET settings: user Group Policy, a preference item, or the user (docs/owners.md).
    for user in picture.users:
        found[f"wininet.user:{user.sid}"] = dict(user.owner)
    return found
