# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the host agent over the task's existing connection (internal use only).

One call is one WinRM command: the constant bootstrap on the command line, the agent and the
request as one JSON line on stdin, one JSON document back (docs/dev/agent-protocol.md).
"""

from __future__ import annotations

import datetime
import json
import secrets
import typing as t

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol

BACKUPS_KEPT = 20


class AgentError(Exception):
    """The host answered, but not with a usable result; the message is for the user.

    ``backup_id`` names the on-host backup when the failure came after one was written.
    """

    def __init__(self, message: str, backup_id: str | None = None) -> None:
        super().__init__(message)
        self.backup_id = backup_id


ExecuteCommand = t.Callable[..., dict[str, t.Any]]


def new_backup_id(now: datetime.datetime | None = None) -> str:
    """A backup id that sorts by time (the agent prunes by name) and is unique per call."""
    moment = now or datetime.datetime.now(datetime.UTC)
    return moment.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4)


class HostSession:
    """Sends agent requests through an action plugin's ``_low_level_execute_command``."""

    def __init__(self, execute: ExecuteCommand) -> None:
        self._execute = execute
        self.commands = 0

    def run(self, operations: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
        """Run operations in one host command; return one result per operation.

        Raises:
            AgentError: the agent failed, answered something that is not protocol 1, or an
                operation reported an error.
        """
        stdin = protocol.build_stdin(protocol.build_request(operations))
        self.commands += 1
        try:
            # sudoable=False: become would wrap the command and break the constant command line.
            outcome = self._execute(protocol.BOOTSTRAP_COMMAND_LINE, in_data=stdin, sudoable=False)
        except Exception as exc:
            # Each connection plugin raises its own types when the link breaks mid-command (requests'
            # ConnectionError, "winrm send_input failed", ...), which Ansible shows as a bare failure.
            # The host is unreachable, and the user needs to know what that means for its registry.
            raise AnsibleConnectionFailure(lost_connection_message(operations, exc)) from None
        stdout = outcome.get("stdout", "")
        try:  # the answer is bounded before it is parsed, and its shape checked before anything uses it
            protocol.check_answer_text(operations, stdout)
            response = parse_response(int(outcome.get("rc") or 0), stdout, outcome.get("stderr", ""))
            protocol.check_answer(operations, response)
        except protocol.AnswerError as exc:
            raise AgentError(str(exc)) from exc
        results: list[dict[str, t.Any]] = response["results"]
        if len(results) != len(operations):
            raise AgentError(f"the host agent returned {len(results)} results for {len(operations)} operations")
        for result in results:
            if result.get("status") == "error":
                raise AgentError(f"the host agent's {result.get('op')} operation failed: {result.get('error')}")
        return results


def lost_connection_message(operations: list[dict[str, t.Any]], error: BaseException) -> str:
    """Say what a connection lost during a command means for the host's registry."""
    detail = _first_line(str(error)) or type(error).__name__
    if any(operation.get("op") == "apply" for operation in operations):
        return (
            f"the connection to the host was lost during the write command ({detail}). The host agent writes "
            "every value or none, so the host holds either all its old values or all the new ones (the old ones "
            "then in an on-host backup); run the task again: it reads which and finishes the job"
        )
    return f"the connection to the host was lost during the read command ({detail}); nothing was written"


def parse_response(rc: int, stdout: str, stderr: str) -> dict[str, t.Any]:
    """Check and decode the agent's one JSON document.

    Raises:
        AgentError: non-zero exit, no JSON, wrong protocol, or a request-level error.
    """
    detail = _first_line(stderr) or _first_line(stdout) or "no output"
    if rc != 0:
        raise AgentError(f"the host agent exited with {rc}: {detail}")
    try:
        response = json.loads(stdout)
    except ValueError:
        raise AgentError(f"the host agent did not answer with JSON: {detail}") from None
    if not isinstance(response, dict):
        raise AgentError(f"the host agent answered with a JSON {type(response).__name__}, expected an object")
    if response.get("protocol") != protocol.PROTOCOL_VERSION:
        raise AgentError(
            f"the host agent answered with protocol {response.get('protocol')!r}, expected {protocol.PROTOCOL_VERSION}"
        )
    if not response.get("ok"):
        raise AgentError(f"the host agent rejected the request: {response.get('error')}")
    if not isinstance(response.get("results"), list):
        raise AgentError("the host agent's answer has no results list")
    return response


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
