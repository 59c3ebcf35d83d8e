"""The host session and the read -> write flow, driven through the simulator's agent twin."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import (
    AgentError,
    HostSession,
    parse_response,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import Change, KeyAddress, RegValue
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry_task import apply_changes, read_keys
from tests.winsim.host import SimHost
from tests.winsim.regfile import REG_BINARY, Value
from tests.winsim.registry import Registry

PATH = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
OLD = bytes.fromhex("1800000000000000010000000000000000000000")
NEW = bytes.fromhex("180000000000000003000000030000007021310000000000")


class TwinExecutor:
    """Stands in for ActionBase._low_level_execute_command, running the agent twin."""

    def __init__(self, host: SimHost, **faults: t.Any) -> None:
        self.host = host
        self.faults = faults
        self.calls: list[tuple[str, bytes]] = []

    def __call__(self, cmd: str, in_data: bytes, sudoable: bool) -> dict[str, t.Any]:
        assert sudoable is False
        self.calls.append((cmd, in_data))
        outcome = self.host.execute(cmd, [], in_data, **self.faults)
        return {"rc": outcome.exit_code, "stdout": outcome.stdout.decode(), "stderr": outcome.stderr.decode()}


def make_host() -> SimHost:
    registry = Registry()
    registry.set_value("HKLM", PATH, "WinHttpSettings", Value(REG_BINARY, OLD), view=64)
    return SimHost("ws-001", registry)


def changes_for(session: HostSession) -> list[Change]:
    snapshot = read_keys(session, [KeyAddress("HKLM", PATH, 64), KeyAddress("HKLM", PATH, 32)])
    return [
        Change(
            "set_value",
            KeyAddress("HKLM", PATH, view),
            "WinHttpSettings",
            expect=snapshot.value(KeyAddress("HKLM", PATH, view), "WinHttpSettings"),
            value=RegValue.binary(NEW),
        )
        for view in (64, 32)
    ]


def test_every_command_line_is_the_same_bytes_and_data_travels_on_stdin() -> None:
    executor = TwinExecutor(make_host())
    session = HostSession(executor)
    backup_id, written = apply_changes(session, changes_for(session))
    assert session.commands == 2
    assert {cmd for cmd, _stdin in executor.calls} == {protocol.BOOTSTRAP_COMMAND_LINE}
    assert all(
        stdin.endswith(b"\r\n") and stdin.count(b"\n") == 1 and stdin.isascii() for _cmd, stdin in executor.calls
    )
    assert written == [
        (KeyAddress("HKLM", PATH, 64), "WinHttpSettings", RegValue.binary(NEW)),
        (KeyAddress("HKLM", PATH, 32), "WinHttpSettings", RegValue.binary(NEW)),
    ]
    assert executor.host.registry.subkey_names("HKLM", r"SOFTWARE\proxyfleet\Backups") == [backup_id]


def test_precondition_failure_writes_nothing_and_says_why() -> None:
    host = make_host()
    session = HostSession(TwinExecutor(host))
    changes = changes_for(session)
    # Someone else changes the 64-bit value between our read and our write.
    host.registry.set_value("HKLM", PATH, "WinHttpSettings", Value(REG_BINARY, NEW), view=64)
    before = host.registry.snapshot()
    with pytest.raises(AgentError) as info:
        apply_changes(session, changes)
    assert str(info.value) == (
        f"the host's registry changed between read and write (HKLM\\{PATH} (64-bit view) value WinHttpSettings); "
        "nothing was written. Another process or Group Policy may be managing it: run the task again to re-check"
    )
    assert host.registry == before


def test_rollback_failure_is_reported_loudly() -> None:
    host = make_host()
    session = HostSession(TwinExecutor(host, fail_write_at=2, fail_rollback=True))
    with pytest.raises(AgentError) as info:
        apply_changes(session, changes_for(session))
    message = str(info.value)
    assert message.startswith(
        f"writing HKLM\\{PATH} (32-bit view) value WinHttpSettings failed: Access to the registry key"
    )
    assert "RESTORING THE PRIOR VALUES ALSO FAILED (rollback: access to the registry key" in message
    assert message.endswith(
        f"the host may be half-written. The prior values are in on-host backup {info.value.backup_id}"
    )


@pytest.mark.parametrize(
    ("rc", "stdout", "stderr", "message"),
    [
        (1, "", "winsim: nope\r\n", "the host agent exited with 1: winsim: nope"),
        (0, "Hello", "", "the host agent did not answer with JSON: Hello"),
        (0, "[]", "", "the host agent answered with a JSON list, expected an object"),
        (0, '{"protocol": 2}', "", "the host agent answered with protocol 2, expected 1"),
        (
            0,
            '{"protocol": 1, "ok": false, "error": "unsupported protocol version"}',
            "",
            "the host agent rejected the request: unsupported protocol version",
        ),
        (0, '{"protocol": 1, "ok": true}', "", "the host agent's answer has no results list"),
    ],
)
def test_broken_answers_become_clear_errors(rc: int, stdout: str, stderr: str, message: str) -> None:
    with pytest.raises(AgentError) as info:
        parse_response(rc, stdout, stderr)
    assert str(info.value) == message


def test_operation_error_is_raised_with_the_agents_message() -> None:
    def execute(cmd: str, in_data: bytes, sudoable: bool) -> dict[str, t.Any]:
        return {"rc": 0, "stdout": '{"protocol":1,"ok":true,"results":[{"op":"read","status":"error","error":"boom"}]}'}

    with pytest.raises(AgentError) as info:
        HostSession(execute).run([{"op": "read", "keys": []}])
    assert str(info.value) == "the host agent's read operation failed: boom"
