# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.winhttp_proxy: validate, read both views, write what differs."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.modules.winhttp_proxy import ARGUMENT_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_winhttp as winhttp
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry_task import apply_changes, read_keys
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import validated_args
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_options import desired_from_options

FQCN = "proxyfleet.windows.winhttp_proxy"


class ActionModule(ActionBase):
    """Checks in one host command, changes in two."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        args = validated_args(self, ARGUMENT_SPEC, FQCN)
        try:
            desired, views = desired_from_options(args)
        except ProxyInputError as exc:
            raise AnsibleActionFail(str(exc)) from None

        session = HostSession(self._low_level_execute_command)
        try:
            result.update(self._converge(session, desired, views))
        except AgentError as exc:
            result.update(failed=True, msg=str(exc), backup_id=exc.backup_id)
        result["host_commands"] = session.commands
        return result

    def _converge(self, session: HostSession, desired: winhttp.Desired, views: list[int]) -> dict[str, t.Any]:
        snapshot = read_keys(session, [winhttp.key_address(view) for view in views])
        before = {view: winhttp.read_view(snapshot, view) for view in views}
        changes = {view: change for view in views if (change := winhttp.plan(before[view], desired))}
        outcome: dict[str, t.Any] = {
            "changed": bool(changes),
            "before": {str(view): state.as_dict() for view, state in before.items()},
            "drift": [item for view in views for item in winhttp.drift(before[view], desired)],
            "backup_id": None,
        }
        after = {str(view): state.as_dict() for view, state in before.items()}
        if changes and self._task.check_mode:
            after.update({str(view): _predicted(before[view], desired) for view in changes})
        elif changes:
            outcome["backup_id"], written = apply_changes(session, list(changes.values()))
            for view in changes:
                state = winhttp.read_view(written, view)
                if winhttp.drift(state, desired):
                    raise AgentError(
                        f"the host read back {view}-bit {winhttp.VALUE_NAME} as {state.as_dict()} after writing"
                    )
                after[str(view)] = state.as_dict()
        outcome["after"] = after
        warnings = [
            f"{view}-bit view: {state.error}; the value will be rewritten"
            for view, state in before.items()
            if state.error
        ]
        if warnings:
            outcome["warnings"] = warnings
        if self._task.diff and changes:
            outcome["diff"] = [_view_diff(view, before[view], desired) for view in changes]
        return outcome


def _view_diff(view: int, state: winhttp.ViewState, desired: winhttp.Desired) -> dict[str, str]:
    header = f"WinHTTP proxy, {view}-bit view"
    return {
        "before_header": header,
        "after_header": header,
        "before": winhttp.diff_text(state),
        "after": winhttp.diff_text(desired),
    }


def _predicted(state: winhttp.ViewState, desired: winhttp.Desired) -> dict[str, t.Any]:
    """What a view will read as after the write that check mode skips."""
    return {**desired.as_dict(), "value_present": True, "header": state.as_dict()["header"] or "0x18"}
