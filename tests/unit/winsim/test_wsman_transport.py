"""The simulated WinRM server against unmodified pywinrm: Basic/HTTPS, NTLM/HTTP with encryption."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import winrm
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError

from tests.winsim import ntlm
from tests.winsim.echo import EchoFleet
from tests.winsim.wsman import WSManServer

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

AUTH_MODES = ["basic-https", "ntlm-http", "basic-http"]


def protocol(server: WSManServer, host: str = "web01", password: str | None = None) -> winrm.Protocol:
    """Return a pywinrm client for ``host`` configured the way Ansible's inventory configures it."""
    transport: Any = server.auth.split("-", 1)[0]  # pywinrm wants a Literal
    return winrm.Protocol(
        server.url_for(host),
        transport=transport,
        username=server.username,
        password=server.password if password is None else password,
        server_cert_validation="ignore",
        message_encryption="always" if transport == "ntlm" else "auto",
        operation_timeout_sec=5,
        read_timeout_sec=10,
    )


def run(client: winrm.Protocol, command: str, args: list[str], stdin: bytes | None) -> tuple[bytes, bytes, int]:
    """One Ansible-style task: Create, Command, Send, Receive, Signal, Delete."""
    shell = client.open_shell()
    try:
        command_id = client.run_command(shell, command, args, console_mode_stdin=stdin is None)
        if stdin is not None:
            client.send_command_input(shell, command_id, stdin, end=True)
        result = client.get_command_output(shell, command_id)
        client.cleanup_command(shell, command_id)
        return result
    finally:
        client.close_shell(shell, close_session=False)


@pytest.fixture(params=AUTH_MODES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WSManServer]:
    """A running server in each auth mode, logging to ``tmp_path/events.jsonl``."""
    with WSManServer(EchoFleet(["web01", "db02"]), auth=request.param, log_path=tmp_path / "events.jsonl") as srv:
        yield srv


def test_round_trip_with_stdin(server: WSManServer) -> None:
    client = protocol(server)
    stdout, stderr, code = run(client, "PowerShell", ["-NoProfile", "-EncodedCommand", "QQA="], b'{"a":1}\r\n')
    assert stdout == b'OUT:PowerShell -NoProfile -EncodedCommand QQA=\n{"a":1}\r\n'
    assert stderr == b"ERR:None"
    assert code == 0
    calls = server.fleet.get("web01").calls  # type: ignore[union-attr]
    assert [(c.command, c.arguments, c.stdin) for c in calls] == [
        ("PowerShell", ["-NoProfile -EncodedCommand QQA="], b'{"a":1}\r\n')
    ]


def test_command_without_stdin_runs_at_receive(server: WSManServer) -> None:
    stdout, stderr, code = run(protocol(server, "db02"), "exit", ["7"], None)
    assert (stdout, stderr, code) == (b"OUT:exit 7\n", b"ERR:None", 7)


def test_stdin_in_chunks_and_binary_output(server: WSManServer) -> None:
    client = protocol(server)
    shell = client.open_shell()
    command_id = client.run_command(shell, "cat", console_mode_stdin=False)
    payload = bytes(range(256)) * 1000
    client.send_command_input(shell, command_id, payload[:100_000])
    client.send_command_input(shell, command_id, payload[100_000:], end=True)
    stdout, _stderr, code = client.get_command_output(shell, command_id)
    client.close_shell(shell)
    assert stdout == b"OUT:cat\n" + payload
    assert code == 0


def test_keep_alive_and_tcp_nodelay(server: WSManServer) -> None:
    client = protocol(server)
    for _attempt in range(3):
        run(client, "exit", ["0"], b"x")
    connections = server.open_connections()
    # NTLM's handshake and every later request share one connection; Basic needs just one too.
    assert len(connections) == 1
    assert connections[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_event_log_has_command_and_no_secret(server: WSManServer, tmp_path: Path) -> None:
    run(protocol(server, "db02"), "PowerShell", ["-EncodedCommand", "QQA="], b"in")
    text = (tmp_path / "events.jsonl").read_text(encoding="utf-8")
    assert server.password not in text
    (event,) = [json.loads(line) for line in text.splitlines()]
    assert event["host"] == "db02"
    assert event["action"] == "Command"
    assert event["command_line"] == "PowerShell -EncodedCommand QQA="
    assert event["exit_code"] == 0
    assert event["auth"] == server.auth
    assert event["echo"] is True  # the host's own log dict is merged in
    assert event["stdin_bytes"] == 2
    assert event["ts"].endswith("Z")
    assert server.command_counts == {"db02": 1}


def test_wrong_password_is_401(server: WSManServer) -> None:
    with pytest.raises(InvalidCredentialsError):
        protocol(server, password="not-the-password").open_shell()


def test_unknown_host_is_404(server: WSManServer) -> None:
    with pytest.raises(WinRMTransportError) as caught:
        protocol(server, "nosuchhost").open_shell()
    assert caught.value.code == 404


def test_unknown_shell_is_a_wsman_fault(server: WSManServer) -> None:
    client = protocol(server)
    with pytest.raises(winrm.exceptions.WSManFaultError) as caught:
        client.run_command("00000000-0000-0000-0000-000000000000", "x", console_mode_stdin=True)
    assert caught.value.wsman_fault_code == 2150858843


def test_shell_of_another_host_is_not_found() -> None:
    with WSManServer(EchoFleet(["a", "b"]), auth="basic-http") as server:
        shell = protocol(server, "a").open_shell()
        with pytest.raises(winrm.exceptions.WSManFaultError):
            protocol(server, "b").run_command(shell, "x")


def test_https_certificate_is_self_signed_for_loopback() -> None:
    with WSManServer(EchoFleet(["a"]), auth="basic-https") as server:
        assert server.cert_path is not None and server.cert_path.exists()
        # Validating against the generated certificate works too (IP SAN 127.0.0.1).
        session = requests.Session()
        response = session.post(server.url_for("a"), data=b"", verify=str(server.cert_path), timeout=5)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert not server.cert_path.exists()


def test_ntlm_encrypted_body_on_unauthenticated_connection_is_401() -> None:
    with WSManServer(EchoFleet(["a"]), auth="ntlm-http") as server:
        body = ntlm.BOUNDARY + b"\r\n\tContent-Type: x\r\n"
        headers = {"Content-Type": ntlm.ENCRYPTED_CONTENT_TYPE}
        response = requests.post(server.url_for("a"), data=body, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Negotiate"


def test_ntlm_garbage_after_handshake_is_400() -> None:
    with WSManServer(EchoFleet(["a"]), auth="ntlm-http") as server:
        client = protocol(server, "a")
        session = client.transport.build_session()  # runs the NTLM handshake (empty POST)
        sealed = struct.pack("<i", 16) + b"\0" * 16 + b"junk"
        body = (
            ntlm.BOUNDARY + b"\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=4\r\n"
            + ntlm.BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n" + sealed
            + ntlm.BOUNDARY + b"--\r\n"
        )  # fmt: skip
        response = session.post(
            server.url_for("a"), data=body, headers={"Content-Type": ntlm.ENCRYPTED_CONTENT_TYPE}, timeout=5
        )
        assert response.status_code == 400
        assert response.content == b""  # Ansible ignores exactly an empty 400 when cleaning up


def test_ntlm_credentials_are_per_process_and_released() -> None:
    first = WSManServer(EchoFleet(["a"]), auth="ntlm-http", password="pw-one")
    with pytest.raises(ValueError, match="another password"):
        WSManServer(EchoFleet(["a"]), auth="ntlm-http", password="pw-two")
    first.close()
    WSManServer(EchoFleet(["a"]), auth="ntlm-http", password="pw-two").close()


def test_basic_header_parsing() -> None:
    server = WSManServer(EchoFleet(["a"]), auth="basic-http", password="s3cret")
    try:
        good = "Basic " + base64.b64encode(b"PROXYFLEET-ADMIN:s3cret").decode()
        assert server.check_basic(good)
        assert not server.check_basic("Basic " + base64.b64encode(b"proxyfleet-admin:wrong").decode())
        assert not server.check_basic("Basic !!!")
        assert not server.check_basic("Negotiate abc")
    finally:
        server.close()


def test_get_is_405() -> None:
    with WSManServer(EchoFleet(["a"]), auth="basic-http") as server:
        assert requests.get(server.url_for("a"), timeout=5).status_code == 405
