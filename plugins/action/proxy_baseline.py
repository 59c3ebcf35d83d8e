# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_baseline: every surface in one read and at most one write."""

from __future__ import annotations

import re
import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_baseline import BASELINE_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import Surface, converge
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surfaces import SURFACE_BUILDERS
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import reports_input_errors, validated_args

FQCN = "proxyfleet.windows.proxy_baseline"


def build_surfaces(args: dict[str, t.Any]) -> list[Surface]:
    """Bind every surface the task names; errors name the surface and its option."""
    surfaces = []
    for name, build in SURFACE_BUILDERS.items():
        if args.get(name) is None:
            continue
        try:
            surfaces.append(build(args[name]))
        except ProxyInputError as exc:
            raise ProxyInputError(_in_surface(name, str(exc))) from None
    if not surfaces:
        raise ProxyInputError(f"give at least one of {', '.join(SURFACE_BUILDERS)}")
    return surfaces


def _in_surface(surface: str, message: str) -> str:
    """Name the sub-option a message is about: 'proxy: ...' becomes 'telemetry.proxy: ...'."""
    option = re.split(r"[ :\[.]", message, maxsplit=1)[0]
    options = t.cast(dict[str, t.Any], BASELINE_SPEC[surface]["options"])
    return f"{surface}.{message}" if option in options else f"{surface}: {message}"


class ActionModule(ActionBase):
    """Checks every surface in one host command, changes them all in a second."""

    TRANSFERS_FILES = False
    _requires_connection = True

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        args = validated_args(self, BASELINE_SPEC, FQCN)
        surfaces = build_surfaces(args)
        session = HostSession(self._low_level_execute_command)
        try:
            outcome = converge(
                session,
                surfaces,
                check_mode=bool(self._task.check_mode),
                diff=bool(self._task.diff),
                override_gpo={name for name in SURFACE_BUILDERS if (args.get(name) or {}).get("override_gpo")},
            )
        except AgentError as exc:
            result.update(failed=True, msg=str(exc), backup_id=exc.backup_id, host_commands=session.commands)
            return result
        warnings = outcome.pop("warnings")
        result.update(outcome, host_commands=session.commands)
        if warnings:
            result["warnings"] = warnings
        return result
