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
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import (
    PICTURE_KEYS,
    USER_KEYS,
    read_picture,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import KeyAddress, RegistrySnapshot


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
    """
    picture = read_picture(read, users=users, connecting_user=connecting_user, snapshot=snapshot)
    routes = effective(picture)
    who = authentication(picture, routes, authenticating)
    found = findings(picture, routes, profile=profile, authentication_hits=au001_hits(who, authenticating))
    facts: dict[str, t.Any] = {
        **picture.as_facts(),
        "effective": routes,
        "authentication": who,
        "delivery_optimization_group": delivery_optimization_group(picture),
        "findings": found,
    }
    if owned is not None:
        facts["gpo"] = [owner.as_dict() for owner in owned.values()]
    return {"ansible_facts": {"windows_proxy": facts}, "findings": found}
