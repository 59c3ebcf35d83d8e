# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin every single-surface module is (internal use only)."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import Surface, converge
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import reports_input_errors, validated_args


class SurfaceAction(ActionBase):
    """Validate the options, check the surface in one host command, change it in a second.

    Subclasses set ``FQCN`` and ``ARGUMENT_SPEC`` and build the surface from validated options.
    """

    TRANSFERS_FILES = False
    _requires_connection = True
    FQCN: str = ""
    ARGUMENT_SPEC: t.ClassVar[dict[str, t.Any]] = {}

    def build_surface(self, args: dict[str, t.Any]) -> Surface:
        """Turn validated options into the bound surface; raise ProxyInputError for bad input."""
        raise NotImplementedError

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        args = validated_args(self, self.ARGUMENT_SPEC, self.FQCN)
        surface = self.build_surface(args)
        session = HostSession(self._low_level_execute_command)
        try:
            outcome = converge(
                session,
                [surface],
                check_mode=bool(self._task.check_mode),
                diff=bool(self._task.diff),
                override_gpo={surface.name} if args.get("override_gpo") else set(),
            )
        except AgentError as exc:
            result.update(failed=True, msg=str(exc), backup_id=exc.backup_id, host_commands=session.commands)
            return result
        result.update(outcome.pop("surfaces")[surface.name])
        result.update(changed=outcome["changed"], backup_id=outcome["backup_id"], host_commands=session.commands)
        if outcome.get("diff"):
            result["diff"] = outcome["diff"]
        if outcome["warnings"]:
            result["warnings"] = outcome["warnings"]
        return result
