# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_baseline: every surface in one read and at most one write."""

from __future__ import annotations

import re
import typing as t

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_baseline import BASELINE_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._authentication import check_authenticating_proxies
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._facts_result import facts_result, picture_keys
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._role_check import (
    baseline_args,
    name_variable,
    role_values,
    unmet_request,
    warm_role_specs,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import Surface, converge_state
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_action import overridden_owners
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surfaces import SURFACE_BUILDERS
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import TaskInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._user_preferences import user_preferences_operation

FQCN = "proxyfleet.windows.proxy_baseline"

# In ansible-playbook's main process, before it forks a worker per host: the workers inherit the specs.
warm_role_specs()


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


class ActionModule(AgentAction):
    """Checks every surface in one host command, changes them all in a second; optionally the facts too."""

    FQCN = FQCN
    ARGUMENT_SPEC = BASELINE_SPEC

    def prepare(self, args: dict[str, t.Any]) -> tuple[list[Surface], dict[str, set[str]], dict[str, t.Any]]:
        role = args.get("role")
        if role is None:
            return self.bind(args)
        values, args = self.role_args(role)
        try:
            surfaces, overridden, args = self.bind(args)
        except (ProxyInputError, TaskInputError) as exc:
            raise TaskInputError(name_variable(role, str(exc))) from None
        return surfaces, overridden, {**args, "role": role, "role_values": values}

    @staticmethod
    def bind(args: dict[str, t.Any]) -> tuple[list[Surface], dict[str, set[str]], dict[str, t.Any]]:
        overridden = {name: overridden_owners(args[name]) for name in SURFACE_BUILDERS if args.get(name)}
        listed = check_authenticating_proxies(args.get("authenticating_proxies"))
        return build_surfaces(args), overridden, {**args, "authenticating_proxies": listed}

    def role_args(self, role: str) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
        """The role's variables for this host and the options they ask for (validated, defaults filled)."""
        others = sorted(name for name in self._task.args if name != "role")
        if others:
            raise TaskInputError(
                f"role: give no other option with role={role} (the role's variables give them all): "
                + ", ".join(others)
            )
        values = role_values(role, self.task_vars, self._templar.template)
        built = baseline_args(role, values)
        outcome = ArgumentSpecValidator(BASELINE_SPEC).validate(built)
        if outcome.error_messages:
            raise TaskInputError(f"role {role}: {outcome.errors.msg}")
        return values, {**built, **outcome.validated_parameters}

    def act(
        self, session: HostSession, prepared: tuple[list[Surface], dict[str, set[str]], dict[str, t.Any]]
    ) -> dict[str, t.Any]:
        surfaces, overridden, args = prepared
        # The picture's keys travel in the same read: a role's check of a compliant host is one command.
        extra = picture_keys(users=args["facts_users"]) if args["facts"] else []
        # The signed-in users' preference items (their RSoP), for the facts' user owners.
        users_rsop = [user_preferences_operation()] if args["facts"] and args["facts_users"] else []
        outcome, state = converge_state(
            session,
            surfaces,
            check_mode=self.check_mode,
            diff=self.diff_mode,
            override_owner=overridden,
            extra_keys=extra,
            extra_operations=users_rsop,
        )
        if not outcome["warnings"]:
            del outcome["warnings"]
        if args["facts"]:
            # The host as the task leaves it: what it read, overlaid with the agent's read-back of any write
            # (in check mode nothing is written, so the facts describe the host as it is).
            outcome.update(
                facts_result(
                    state.read,
                    profile=args["facts_profile"],
                    users=args["facts_users"],
                    connecting_user=self.connecting_user,
                    owned=state.owned,
                    snapshot=state.now,
                    authenticating=args["authenticating_proxies"],
                    ownership=state.ownership,
                    user_preferences=state.extra[0] if state.extra else None,
                )
            )
        if args.get("role"):
            # The role's assertion, from the facts of the same read: the host fails with the reason.
            unmet = unmet_request(args["role"], args["role_values"], outcome, self.check_mode)
            if unmet:
                outcome.update(failed=True, msg=unmet)
        return outcome
