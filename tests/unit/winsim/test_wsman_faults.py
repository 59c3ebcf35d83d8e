"""Fault injection of the simulated WinRM server, seen through unmodified pywinrm."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import winrm
from winrm.exceptions import WinRMOperationTimeoutError, WSManFaultError

from tests.winsim.echo import EchoFleet, EchoHost
from tests.winsim.faults import FaultBook, FaultFileError, parse_rules
from tests.winsim.wsman import WSManServer

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

Rules = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def faults_file(tmp_path: Path) -> Path:
    """An initially empty faults file."""
    path = tmp_path / "faults.json"
    path.write_text("[]", encoding="utf-8")
    return path


@pytest.fixture
def set_rules(faults_file: Path) -> Rules:
    """Rewrite the faults file and move its mtime forward so the server reloads it."""
    counter = [0]

    def write(rules: list[dict[str, Any]]) -> None:
        counter[0] += 1
        faults_file.write_text(json.dumps(rules), encoding="utf-8")
        stamp = time.time_ns() + counter[0] * 1_000_000_000
        os.utime(faults_file, ns=(stamp, stamp))

    return write


@pytest.fixture(params=["basic-https", "ntlm-http"])
def server(request: pytest.FixtureRequest, faults_file: Path, tmp_path: Path) -> Iterator[WSManServer]:
    """A server in each auth mode that reads ``faults_file``."""
    fleet = EchoFleet(["web01", "db02"])
    log = tmp_path / "events.jsonl"
    with WSManServer(fleet, auth=request.param, faults_path=faults_file, log_path=log) as srv:
        yield srv


def client_for(server: WSManServer, host: str = "web01", read_timeout: int = 10) -> winrm.Protocol:
    """A pywinrm client for ``host``."""
    transport: Any = server.auth.split("-", 1)[0]  # pywinrm wants a Literal
    return winrm.Protocol(
        server.url_for(host),
        transport=transport,
        username=server.username,
        password=server.password,
        server_cert_validation="ignore",
        message_encryption="always" if transport == "ntlm" else "auto",
        operation_timeout_sec=read_timeout - 1,
        read_timeout_sec=read_timeout,
    )


def task(client: winrm.Protocol, stdin: bytes = b"in") -> tuple[bytes, bytes, int]:
    """Create, Command, Send, Receive, Signal, Delete."""
    shell = client.open_shell()
    command_id = client.run_command(shell, "PowerShell", ["-x"], console_mode_stdin=False)
    client.send_command_input(shell, command_id, stdin, end=True)
    result = client.get_command_output(shell, command_id)
    client.cleanup_command(shell, command_id)
    client.close_shell(shell, close_session=False)
    return result


def fault_events(tmp_path: Path) -> list[dict[str, Any]]:
    """The fault lines of the event log."""
    lines = (tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [event for event in map(json.loads, lines) if event.get("event") == "fault"]


def test_delay_answers_late(server: WSManServer, set_rules: Rules, tmp_path: Path) -> None:
    set_rules([{"host": "web01", "action": "Receive", "kind": "delay", "seconds": 0.3}])
    started = time.monotonic()
    assert task(client_for(server))[2] == 0
    assert time.monotonic() - started >= 0.3
    (event,) = fault_events(tmp_path)
    assert event | {"ts": None} == {
        "ts": None,
        "event": "fault",
        "host": "web01",
        "action": "Receive",
        "auth": server.auth,
        "kind": "delay",
        "rule_host": "web01",
        "rule_action": "Receive",
        "seconds": 0.3,
    }


def test_drop_closes_the_connection(server: WSManServer, set_rules: Rules) -> None:
    set_rules([{"host": "*", "action": "Create", "kind": "drop", "times": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        client_for(server).open_shell()
    # times=1: the next task on a fresh client goes through.
    assert task(client_for(server))[2] == 0


def test_hang_sleeps_then_drops(server: WSManServer, set_rules: Rules) -> None:
    set_rules([{"host": "web01", "action": "Command", "kind": "hang", "seconds": 0.3}])
    client = client_for(server)
    shell = client.open_shell()
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.run_command(shell, "x", console_mode_stdin=False)
    assert time.monotonic() - started >= 0.3


def test_fault_is_a_wsman_fault(server: WSManServer, set_rules: Rules) -> None:
    set_rules([{"host": "web01", "action": "Command", "kind": "fault", "code": 2150858770}])
    client = client_for(server)
    shell = client.open_shell()
    with pytest.raises(WSManFaultError) as caught:
        client.run_command(shell, "x")
    assert caught.value.code == 500
    assert caught.value.wsman_fault_code == 2150858770
    assert caught.value.wmierror_code is None


def test_default_fault_is_the_operation_timeout(server: WSManServer, set_rules: Rules) -> None:
    set_rules([{"host": "web01", "action": "Receive", "kind": "fault", "times": 2}])
    client = client_for(server)
    shell = client.open_shell()
    command_id = client.run_command(shell, "x", console_mode_stdin=True)
    with pytest.raises(WinRMOperationTimeoutError):
        client.get_command_output_raw(shell, command_id)
    # get_command_output retries timeouts silently, as Ansible does.
    stdout, _stderr, code = client.get_command_output(shell, command_id)
    assert (stdout, code) == (b"OUT:x\n", 0)


def test_fault_with_wmi_error(server: WSManServer, set_rules: Rules) -> None:
    set_rules([{"host": "web01", "action": "Command", "kind": "fault", "wmi_error": 0x803381A6, "times": 1}])
    client = client_for(server)
    shell = client.open_shell()
    with pytest.raises(WSManFaultError) as caught:
        client.run_command(shell, "x")
    assert caught.value.wmierror_code == 0x803381A6


def test_fail_write_reaches_execute(server: WSManServer, set_rules: Rules, tmp_path: Path) -> None:
    set_rules([{"host": "db02", "kind": "fail_write", "nth": 2, "times": 1}])
    assert task(client_for(server, "web01"))[1] == b"ERR:None"  # other host: untouched
    assert task(client_for(server, "db02"))[1] == b"ERR:2"
    assert task(client_for(server, "db02"))[1] == b"ERR:None"  # times=1
    (event,) = fault_events(tmp_path)
    assert (event["host"], event["kind"], event["nth"]) == ("db02", "fail_write", 2)
    commands = [e for e in map(json.loads, (tmp_path / "events.jsonl").read_text().splitlines()) if "exit_code" in e]
    assert [e.get("fail_write_at") for e in commands] == [None, 2, None]


def fleet_calls(server: WSManServer, host: str) -> list[Any]:
    """The commands that reached an echo host."""
    echo = server.fleet.get(host)
    assert isinstance(echo, EchoHost)
    return list(echo.calls)


def test_answer_replaces_what_the_host_says(server: WSManServer, set_rules: Rules, tmp_path: Path) -> None:
    # Without run the command never reaches the host; with run it does, and its answer is replaced.
    set_rules(
        [
            {"host": "db02", "kind": "answer", "answer": {"results": [7]}, "exit_code": 3, "times": 1},
            {"host": "db02", "kind": "answer", "stdout": "[[[", "run": True, "times": 1},
        ]
    )
    assert task(client_for(server, "web01"))[0] != b'{"results":[7]}\r\n'  # other host: untouched
    assert task(client_for(server, "db02")) == (b'{"results":[7]}\r\n', b"", 3)
    assert task(client_for(server, "db02")) == (b"[[[", b"", 0)
    events = fault_events(tmp_path)
    assert [(e["host"], e["kind"], e["run"], e["answer_chars"]) for e in events] == [
        ("db02", "answer", False, 17),
        ("db02", "answer", True, 3),
    ]
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    commands = [e for e in map(json.loads, lines) if "exit_code" in e and e.get("event") != "fault"]
    assert [(e.get("answer_fault"), e["exit_code"]) for e in commands] == [(None, 0), (True, 3), (True, 0)]
    # The echo host records what reached it: the first db02 command did not, the second did.
    assert [call.command for call in fleet_calls(server, "db02")] == ["PowerShell"]


def test_rules_reload_when_the_file_changes(server: WSManServer, set_rules: Rules) -> None:
    set_rules([{"host": "web01", "action": "Create", "kind": "fault", "code": 5}])
    with pytest.raises(WSManFaultError):
        client_for(server).open_shell()
    set_rules([])
    assert task(client_for(server))[2] == 0


def test_rule_for_another_host_or_action_does_not_fire(server: WSManServer, set_rules: Rules) -> None:
    set_rules(
        [{"host": "db02", "action": "Create", "kind": "drop"}, {"host": "web01", "action": "Delete", "kind": "delay"}]
    )
    assert task(client_for(server, "web01"))[2] == 0


def test_invalid_file_keeps_previous_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.json"
    path.write_text('[{"host": "a", "action": "Send", "kind": "drop"}]', encoding="utf-8")
    book = FaultBook(path)
    assert book.take("a", "Send") is not None
    path.write_text("[{broken", encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)
    assert book.take("a", "Send") is not None
    assert "ignoring faults file" in capsys.readouterr().err
    path.unlink()
    assert book.take("a", "Send") is None


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"host": "a"}, "JSON list"),
        ([{"host": "a", "kind": "explode"}], "kind must be one of"),
        ([{"host": "a", "kind": "drop", "action": "Fetch"}], "action must be one of"),
        ([{"host": "a", "kind": "delay", "seconds": -1}], "seconds must be a non-negative number"),
        ([{"host": "a", "kind": "drop", "colour": "red"}], "unknown field"),
        ([{"host": "", "kind": "drop"}], "host must be"),
        (["drop"], "must be an object"),
        ([{"host": "a", "kind": "answer"}], "exactly one of answer"),
        ([{"host": "a", "kind": "answer", "answer": 1, "stdout": "x"}], "exactly one of answer"),
        ([{"host": "a", "kind": "answer", "stdout": 7}], "stdout must be text"),
        ([{"host": "a", "kind": "answer", "answer": 1, "run": "yes"}], "run true or false"),
    ],
)
def test_parse_rules_rejects_bad_rules(rules: Any, message: str) -> None:
    with pytest.raises(FaultFileError, match=message):
        parse_rules(rules)


def test_times_and_defaults() -> None:
    (rule,) = parse_rules([{"host": "*", "kind": "fault", "times": 2}])
    assert (rule.action, rule.code, rule.times) == ("*", 2150858793, 2)
    assert rule.matches("any", "Send")
    rule.fired = 2
    assert not rule.matches("any", "Send")


def test_skip_lets_the_first_matches_pass(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text(
        '[{"host": "a", "action": "Command", "kind": "drop", "skip": 1, "times": 1},'
        ' {"host": "a", "kind": "fail_write", "nth": 2, "skip": 2}]',
        encoding="utf-8",
    )
    book = FaultBook(path)
    assert book.take("a", "Send") is None  # another action does not count
    assert book.take("a", "Command") is None  # the first Command passes
    assert book.take("a", "Command") is not None  # the second is dropped
    assert book.take("a", "Command") is None  # times: 1
    assert [book.take_fail_write("a") is not None for _attempt in range(4)] == [False, False, True, True]
