# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin every single-surface module is (internal use only)."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import Surface, converge


def overridden_owners(args: t.Mapping[str, t.Any]) -> set[str]:
    """The owners whose values a task may write: ``override_owner``, plus group_policy for ``override_gpo: true``."""
    owners = set(args.get("override_owner") or ())
    if args.get("override_gpo"):
        owners.add("group_policy")
    return owners


class SurfaceAction(AgentAction):
    """Validate the options, check the surface in one host command, change it in a second.

    Subclasses set ``FQCN`` and ``ARGUMENT_SPEC`` and build the surface from validated options.
    """

    def build_surface(self, args: dict[str, t.Any]) -> Surface:
        """Turn validated options into the bound surface; raise ProxyInputError for bad input."""
        raise NotImplementedError

    def prepare(self, args: dict[str, t.Any]) -> tuple[Surface, set[str]]:
        return self.build_surface(args), overridden_owners(args)

    def act(self, session: HostSession, prepared: tuple[Surface, set[str]]) -> dict[str, t.Any]:
        surface, override_owner = prepared
        outcome = converge(
            session,
            [surface],
            check_mode=self.check_mode,
            diff=self.diff_mode,
            override_owner={surface.name: override_owner},
        )
        result: dict[str, t.Any] = outcome.pop("surfaces")[surface.name]
        result.update(changed=outcome["changed"], backup_id=outcome["backup_id"])
        if outcome.get("diff"):
            result["diff"] = outcome["diff"]
        if outcome["warnings"]:
            result["warnings"] = outcome["warnings"]
        return result
