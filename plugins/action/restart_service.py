# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.restart_service: restart services that cache proxy settings."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_restart_service import RESTART_SERVICE_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import describe
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import (
    TaskInputError,
)

FQCN = "proxyfleet.windows.restart_service"
# Windows service names as CreateService takes them: up to 256 characters, no '/' or '\' (so
# MSSQL$SQLEXPRESS and names with spaces pass). The agent opens them by exact name; '*' and '?' are
# refused so nobody expects a wildcard, and no control character or edge space can hide in a name.
# The agent refuses the same characters (docs/dev/agent-protocol.md), so it never has to.
MAX_SERVICE_NAME = 256
SERVICE_NAME = re.compile(rf"(?! )[^\\/*?\x00-\x1f\x7f]{{1,{MAX_SERVICE_NAME}}}(?<! )\Z")
SERVICE_NAME_FORM = (
    f"1 to {MAX_SERVICE_NAME} characters without '/', '\\', control characters or spaces at either end, no wildcards"
)


class ActionModule(AgentAction):
    """Every named service in one host command; check mode only queries."""

    FQCN = FQCN
    ARGUMENT_SPEC = RESTART_SERVICE_SPEC

    def prepare(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        names: list[str] = args["name"]
        bad = [describe(name) for name in names if not SERVICE_NAME.match(name)]
        if bad or not names:
            raise TaskInputError(f"{FQCN}: name must list service names ({SERVICE_NAME_FORM}), got [{', '.join(bad)}]")
        return args

    def act(self, session: HostSession, prepared: dict[str, t.Any]) -> dict[str, t.Any]:
        names, only_if_running = prepared["name"], prepared["only_if_running"]
        action = "query" if self.check_mode else "restart"
        operations = [
            {"op": "service", "name": name, "action": action, "only_if_running": only_if_running} for name in names
        ]
        answers = session.run(operations)
        services = [
            _service(name, answer, only_if_running, self.check_mode)
            for name, answer in zip(names, answers, strict=True)
        ]
        result: dict[str, t.Any] = {"changed": any(entry["restarted"] for entry in services), "services": services}
        missing = [entry["name"] for entry in services if entry.get("missing")]
        if missing:
            result["warnings"] = [f"not installed on this host, nothing to restart: {', '.join(missing)}"]
        errors = [f"{entry['name']}: {entry['error']}" for entry in services if "error" in entry]
        if errors:
            result.update(failed=True, msg="could not restart " + "; ".join(errors))
        return result


def _service(name: str, answer: dict[str, t.Any], only_if_running: bool, check: bool) -> dict[str, t.Any]:
    """One service's outcome; in check mode ``restarted`` says whether it would have been restarted."""
    if answer["status"] == "missing":
        return {"name": name, "missing": True, "restarted": False}
    if answer["status"] != "ok":
        return {"name": name, "error": answer.get("error"), "restarted": False}
    restarted = (answer["before"] == "Running" or not only_if_running) if check else bool(answer["restarted"])
    return {"name": answer["name"], "before": answer["before"], "after": answer["after"], "restarted": restarted}
