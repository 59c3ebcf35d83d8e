# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_endpoint_check: reach the service URLs from the host, one host command."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_endpoint_check import ENDPOINT_CHECK_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_protocol import AnswerError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._authentication import authentication
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import effective
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._endpoint_check import (
    Request,
    check_request,
    decide,
    explain_407,
    findings,
    probe_operation,
    probe_time,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import PICTURE_KEYS, read_picture
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import read_operation

FQCN = "proxyfleet.windows.proxy_endpoint_check"


class ActionModule(AgentAction):
    """Reads the proxy picture and probes every URL on every candidate route in the same host command."""

    FQCN = FQCN
    ARGUMENT_SPEC = ENDPOINT_CHECK_SPEC

    def prepare(self, args: dict[str, t.Any]) -> Request:
        return check_request(args)

    def act(self, session: HostSession, prepared: Request) -> dict[str, t.Any]:
        request = prepared
        probe, keys = probe_operation(request)
        operations = [read_operation(PICTURE_KEYS), probe] if request.needs_picture else [probe]
        answers = session.run(operations)
        try:
            elapsed = probe_time(answers[-1], request)
        except AnswerError as exc:
            raise AgentError(str(exc)) from exc
        picture = read_picture(answers[0], connecting_user=self.connecting_user) if request.needs_picture else None
        routes = effective(picture) if picture is not None else None
        endpoints = decide(request, answers[-1], keys, picture, routes)
        # Who authenticates on each route: explains a 407 and finds consumers that cannot give credentials (AU001).
        auth = authentication(picture, routes, request.authenticating) if picture and routes else None
        explain_407(endpoints, auth)
        # It only reads and connects: the same in check mode, never a change, never drift from a desired state.
        # "endpoints", not "results": that is the key of a loop's results, which Ansible and reports read as such.
        result: dict[str, t.Any] = {
            "changed": False,
            "endpoints": endpoints,
            "findings": findings(endpoints, auth, request.authenticating),
            "drift": [],
            "probe_ms": elapsed,
        }
        if routes is not None:
            result["effective"] = routes
        if auth is not None:
            result["authentication"] = auth
        return result
