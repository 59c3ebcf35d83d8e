# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.restart_service: restart services that cache proxy settings."""

from __future__ import annotations

import re
import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_restart_service import RESTART_SERVICE_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import (
    TaskInputError,
    reports_input_errors,
    validated_args,
)

FQCN = "proxyfleet.windows.restart_service"
# Windows service names: the agent opens them by exact name, so no wildcard may pass.
SERVICE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}\Z")


class ActionModule(ActionBase):
    """Every named service in one host command; check mode only queries."""

    TRANSFERS_FILES = False
    _requires_connection = True

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        args = validated_args(self, RESTART_SERVICE_SPEC, FQCN)
        names: list[str] = args["name"]
        bad = [name for name in names if not SERVICE_NAME.match(name)]
        if bad or not names:
            raise TaskInputError(
                f"{FQCN}: name must list service names (1 to 256 letters, digits, '_', '.' or '-', no wildcards), "
                f"got {bad or names!r}"
            )
        action = "query" if self._task.check_mode else "restart"
        operations = [
            {"op": "service", "name": name, "action": action, "only_if_running": args["only_if_running"]}
            for name in names
        ]
        session = HostSession(self._low_level_execute_command)
        try:
            answers = session.run(operations)
        except AgentError as exc:
            result.update(failed=True, msg=str(exc), host_commands=session.commands)
            return result
        check = bool(self._task.check_mode)
        only_if_running = args["only_if_running"]
        services = [_service(name, answer, only_if_running, check) for name, answer in zip(names, answers, strict=True)]
        errors = [f"{entry['name']}: {entry['error']}" for entry in services if "error" in entry]
        missing = [entry["name"] for entry in services if entry.get("missing")]
        result.update(
            changed=any(entry["restarted"] for entry in services), services=services, host_commands=session.commands
        )
        if missing:
            result["warnings"] = [f"not installed on this host, nothing to restart: {', '.join(missing)}"]
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
