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
BYTE_ORDER_MARK = "\ufeff"


class AgentError(Exception):
    """The host answered, but not with a usable result; the message is for the user.

    ``backup_id`` names the on-host backup when the failure came after one was written.
    ``changed`` is True when the host applied (or may have applied) a change: the task must not
    report ``changed: false`` then.
    """

    def __init__(self, message: str, backup_id: str | None = None, *, changed: bool = False) -> None:
        super().__init__(message)
        self.backup_id = backup_id
        self.changed = changed


class RequestRefused(AgentError):
    """The agent (or the bootstrap) answered ``ok: false``: it refused the request before running any of it."""


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
        # UTF-8 bytes of agent text (core and parts) sent, over every command.
        self.agent_bytes = 0
        # What the applies' best-effort pruning said: the ids it deleted, and failures.
        self.pruned_backups: list[str] = []
        self.prune_errors: list[str] = []

    def run(self, operations: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
        """Run operations in one host command; return one result per operation.

        Raises:
            AgentError: the agent failed, answered something that is not protocol 1, or an
                operation reported an error.
        """
        payload = protocol.build_payload(protocol.build_request(operations))
        stdin = protocol.encode_stdin(payload)
        self.commands += 1
        self.agent_bytes += protocol.agent_bytes(payload)
        try:
            # sudoable=False: become would wrap the command and break the constant command line.
            outcome = self._execute(protocol.BOOTSTRAP_COMMAND_LINE, in_data=stdin, sudoable=False)
        except Exception as exc:
            # Each connection plugin raises its own types when the link breaks mid-command (requests'
            # ConnectionError, "winrm send_input failed", ...), which Ansible shows as a bare failure.
            # The host is unreachable, and the user needs to know what that means for its registry.
            raise AnsibleConnectionFailure(lost_connection_message(operations, exc)) from None
        backup_id = _sent_backup_id(operations)
        try:
            results = _checked_results(operations, outcome)
        except AgentError as exc:
            if backup_id is None or isinstance(exc, RequestRefused):
                raise
            # The apply was sent: only a well-formed answer can say it was not applied. A protocol error
            # stays the cause, so the task names the host; its own advice is replaced by the backup's.
            cause = exc.__cause__
            detail = cause.detail if isinstance(cause, protocol.AnswerError) else str(exc)
            raise AgentError(may_have_applied_message(backup_id, detail), backup_id, changed=True) from cause
        for result in results:
            if result.get("status") == "error":
                raise AgentError(f"the host agent's {result.get('op')} operation failed: {result.get('error')}")
            if result.get("op") == "read":
                _check_read(result)
            if result.get("op") == "apply":
                self.pruned_backups += [str(item) for item in result.get("pruned") or []]
                if result.get("prune_error"):
                    self.prune_errors.append(str(result["prune_error"]))
        return results


def _checked_results(operations: list[dict[str, t.Any]], outcome: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """The answer's results, one object per operation, each naming its operation.

    The answer is bounded before it is parsed, and its shape checked before anything uses it.
    """
    stdout = outcome.get("stdout", "")
    try:
        protocol.check_answer_text(operations, stdout)
        response = parse_response(int(outcome.get("rc") or 0), stdout, outcome.get("stderr", ""))
        protocol.check_answer(operations, response)
    except protocol.AnswerError as exc:
        raise AgentError(str(exc)) from exc
    results: list[t.Any] = response["results"]
    if len(results) != len(operations):
        raise AgentError(f"the host agent returned {len(results)} results for {len(operations)} operations")
    for index, (result, operation) in enumerate(zip(results, operations, strict=True)):
        if not isinstance(result, dict) or result.get("op") != operation.get("op") or "status" not in result:
            raise AgentError(f"the host agent's answer to operations[{index}] is not a {operation.get('op')} result")
    return t.cast("list[dict[str, t.Any]]", results)


def _sent_backup_id(operations: list[dict[str, t.Any]]) -> str | None:
    """The backup id of the request's first apply that has changes (the controller chooses it)."""
    for operation in operations:
        if operation.get("op") == "apply" and operation.get("changes"):
            return str((operation.get("backup") or {}).get("id"))
    return None


def _check_read(result: dict[str, t.Any]) -> None:
    """A key the host could not read fails the task naming that key: nothing unread looks compliant."""
    for entry in result.get("keys") or []:
        if isinstance(entry, dict) and entry.get("error"):
            where = f"{entry.get('hive')}\\{entry.get('path')} ({entry.get('view')}-bit view)"
            raise AgentError(f"the host could not read {where[:300]}: {str(entry['error'])[:300]}")


def may_have_applied_message(backup_id: str, detail: str) -> str:
    """The host got a write but its answer was lost or malformed: the write may have happened."""
    return f"the host may have applied the change; backup {backup_id}; re-run to converge or restore ({detail})"


def lost_connection_message(operations: list[dict[str, t.Any]], error: BaseException) -> str:
    """Say what a connection lost during a command means for the host's registry."""
    detail = _first_line(str(error)) or type(error).__name__
    backup_id = _sent_backup_id(operations)
    if backup_id is not None:
        return (
            f"the connection to the host was lost during the write command ({detail}): "
            f"{may_have_applied_message(backup_id, 'no answer')}. The host agent writes "
            "every value or none, so the host holds either all its old values or all the new ones (the old ones "
            "then in an on-host backup); run the task again: it reads which and finishes the job"
        )
    return f"the connection to the host was lost during the read command ({detail}); nothing was written"


def parse_response(rc: int, stdout: str, stderr: str) -> dict[str, t.Any]:
    """Check and decode the agent's one JSON document.

    Raises:
        AgentError: non-zero exit, no JSON, wrong protocol, or a request-level error.
    """
    # powershell.exe writes a UTF-8 byte-order mark first when its output encoding has one; the
    # bootstrap asks for none, but a profile or policy may still set one.
    stdout = (stdout or "").removeprefix(BYTE_ORDER_MARK)
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
    if "language_mode" in response and not response.get("ok"):
        raise RequestRefused(language_mode_message(response["language_mode"]))
    if not response.get("ok"):
        raise RequestRefused(f"the host agent rejected the request: {response.get('error')}")
    if not isinstance(response.get("results"), list):
        raise AgentError("the host agent's answer has no results list")
    return response


def language_mode_message(mode: t.Any) -> str:
    """Why the agent cannot run where PowerShell is not in FullLanguage mode, and the way out."""
    shown = str(mode)[:40]
    return (
        f"PowerShell on this host runs in {shown} mode, in which the proxyfleet.windows host agent cannot run "
        "(it needs .NET registry and WMI types that Constrained Language Mode refuses); an AppLocker or Windows "
        "App Control (WDAC) policy usually enforces it. Nothing was read or written. Way out: let the account "
        "Ansible connects with run PowerShell in FullLanguage mode on this host (a policy exception for it), "
        "see docs/compatibility.md, 'Constrained Language Mode'"
    )


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
