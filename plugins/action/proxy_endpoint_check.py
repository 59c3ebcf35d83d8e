# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_endpoint_check: reach the service URLs from the host, one host command."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_endpoint_check import ENDPOINT_CHECK_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import effective
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._endpoint_check import (
    check_request,
    decide,
    findings,
    probe_operation,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import PICTURE_KEYS, read_picture
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import read_operation
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import reports_input_errors, validated_args

FQCN = "proxyfleet.windows.proxy_endpoint_check"


class ActionModule(ActionBase):
    """Reads the proxy picture and probes every URL on every candidate route in the same host command."""

    TRANSFERS_FILES = False
    _requires_connection = True

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        args = validated_args(self, ENDPOINT_CHECK_SPEC, FQCN)
        request = check_request(args)
        probe, keys = probe_operation(request)
        operations = [read_operation(PICTURE_KEYS), probe] if request.needs_picture else [probe]
        session = HostSession(self._low_level_execute_command)
        try:
            answers = session.run(operations)
        except AgentError as exc:
            result.update(failed=True, msg=str(exc), host_commands=session.commands)
            return result
        picture = read_picture(answers[0]) if request.needs_picture else None
        routes = effective(picture) if picture is not None else None
        results = decide(request, answers[-1], keys, picture, routes)
        # It only reads and connects: the same in check mode, never a change, never drift from a desired state.
        result.update(
            changed=False,
            results=results,
            findings=findings(results),
            drift=[],
            host_commands=session.commands,
        )
        if routes is not None:
            result["effective"] = routes
        return result
